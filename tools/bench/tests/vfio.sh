#!/bin/sh
# The vfio-pci TPH kselftest (vfio_pci_tph_test, part of the series) on every
# emulated device, re-emitted as one TAP stream:
# "ok N <device>: <test>".  Runs in the bench VM as root.
. "$(dirname "$0")/lib.sh"
IMPORTER_KO=$(dirname "$KO")/tph_importer.ko
VARIANT_KO=$(dirname "$KO")/tph_variant.ko
TEST=$(command -v vfio_pci_tph_test || echo /opt/bin/vfio_pci_tph_test)
UNRESP=$(command -v tph-unresponsive || echo /opt/bin/tph-unresponsive)
# A second device bound to vfio-pci for the run, passed as a second BDF
OTHER=
# The driver that run binds the device under test to: vfio-pci, or
# tph_variant, a variant driver of it (see variant)
DRIVER=vfio-pci

# What firmware reports, as the kselftest's options: the bench _DSM
# (tools/bench/tph-dsm-body.asl: CPU N gets 0xA0 + N and 0xA100 + N for
# volatile, 0xB0 + N and 0xB100 + N for persistent memory, CPU 3 none), or
# none without it (x86_64 without the SSDT, arm64 booted with a device tree)
if firmware_tags; then
	FW=bench
	FWOPTS="--firmware-st=yes --st=3:none"
	for c in 0 1 2; do
		FWOPTS="$FWOPTS --st=$c:$((0xa0 + c)),$((0xa100 + c)),$((0xb0 + c)),$((0xb100 + c))"
	done
else
	FW=none
	FWOPTS=--firmware-st=no
fi
# The IOMMU modes a run covers (one fixture variant of the kselftest
# each): iommufd, and where a run names it, the legacy container/group
# path with type1 that DPDK takes
MODES=iommufd

# only MODE TEST...: the kselftest's filter for TESTs ("all" for every
# one) in IOMMU mode MODE
only() {
	_m=$1
	shift
	[ "$1" = all ] && { echo "-v $_m"; return; }
	for _t in $(echo "$@" | tr , ' '); do
		printf -- '-r vfio_pci_tph_test.%s.%s ' "$_m" "$_t"
	done
}

# run DEVICE TESTS MODULE-PARAMS...: the kselftest on the device that
# tph_emu emulates with MODULE-PARAMS, named DEVICE.  TESTS is "all" or a
# comma-separated list of kselftest test names.  bench.vfio=DEVICE[,...]
# on the kernel command line runs only those devices.
only=$(sed -n 's/.*bench\.vfio=\([^ ]*\).*/\1/p' /proc/cmdline)
run() {
	name=$1 tests=$2
	shift 2
	case ",${only:-$name}," in *",$name,"*) ;; *) return 0 ;; esac
	filter=
	for m in $MODES; do
		filter="$filter $(only "$m" "$tests")"
	done
	if ! insmod "$KO" "$@"; then
		emit "not ok" "$name: insmod tph_emu $*"
		return
	fi
	# PREBIND: a command that leaves state behind before $DRIVER binds
	if [ -n "${PREBIND:-}" ] && ! $PREBIND; then
		emit "not ok" "$name: $PREBIND"
	fi
	if ! bind_to "$DRIVER" || { [ -n "$OTHER" ] && ! bind_to vfio-pci "$OTHER"; }; then
		emit "not ok" "$name: bind $BDF to $DRIVER${OTHER:+, $OTHER to vfio-pci}"
		unbind
		rmmod tph_emu
		return
	fi
	echo "# device $name: tph_emu $*; tests: $tests; IOMMU modes: $MODES; driver $DRIVER${OTHER:+; second device $OTHER}"
	out=/tmp/vfio-$name.tap
	# shellcheck disable=SC2086
	"$TEST" $FWOPTS ${IMPORTER_DIR:+--importer=$IMPORTER_DIR} \
		${VARIANT_DIR:+--variant=$VARIANT_DIR} $filter "$BDF" $OTHER >"$out" 2>&1
	rc=$?
	grep -vE '^(ok|not ok) ' "$out" | sed 's/^#* */# /' | grep -v '^# *$' | head -n 300
	relay "$name" "$out"
	if [ "$RELAYED" -eq 0 ] || ! grep -q '^# Totals:' "$out"; then
		emit "not ok" "$name: the kselftest did not run to its end (rc $rc)"
		tail -n 20 "$out" | sed 's/^/#   /'
	fi
	[ -z "$OTHER" ] || unbind "$OTHER"
	unbind
	rmmod tph_emu || emit "not ok" "$name: rmmod tph_emu"
}

# left_on: a previous owner's TPH, enabled with a tag in ST entry 0, on a
# device that tph_emu's no_reset=1 leaves without any reset, so that only
# vfio-pci itself can clear it before the next user (PREBIND for run).
left_on() {
	off=$(reg cap_offset)
	setpci -s "$BDF" "$(printf %x $((off + 8))).L=00000101" \
		"$(printf %x $((off + 12))).W=00a5" &&
		[ "$(reg ctrl)" = 0x00000101 ]
}

# host_left_tags: a host driver that used TPH in Interrupt Vector mode with
# the ST table in the MSI-X table, on a device without any reset
# (no_reset=1; PREBIND for run).  Its unbind must clear its tags; then a tag
# is left in entry 1 as firmware would leave it, for the next owner's MSI-X
# enable to drop.
host_left_tags() {
	# core_test gives entry i a tag for the (i % online CPUs)-th online
	# CPU, and firmware has none for CPU 3
	echo 0 >/sys/devices/system/cpu/cpu3/online
	bind_to tph_emu && echo "enable iv" >$D/core_test &&
		echo "batch vm" >$D/core_test && grep -q '^ret 0' $D/core_test
	_rc=$?
	echo 1 >/sys/devices/system/cpu/cpu3/online
	grep -q 'msix_st 1 0x00a1' $D/regs || _rc=1
	[ $_rc -eq 0 ] || { sed 's/^/#   /' $D/core_test $D/regs; }
	# The driver's MSI-X disable at unbind clears the tags (PCI/MSI) ...
	unbind
	grep -q 'msix_st 1 0x0000' $D/regs || { _rc=1; echo "#   unbind left the tag"; }
	# ... so put one back, as firmware or a kexec'd kernel leaves it
	echo "1 0xa1" >$D/msix_poke && grep -q 'msix_st 1 0x00a1' $D/regs || _rc=1
	[ $_rc -eq 0 ] || sed 's/^/#   /' $D/regs
	return $_rc
}

# on_emu NAME FUNC MODULE-PARAMS...: FUNC NAME with a fresh tph_emu with
# MODULE-PARAMS and the device bound to vfio-pci, then unbound and unloaded;
# nothing if bench.vfio= leaves NAME out
on_emu() {
	_emu_name=$1 _emu_fn=$2
	shift 2
	case ",${only:-$_emu_name}," in *",$_emu_name,"*) ;; *) return 0 ;; esac
	emu_bound "$_emu_name" "$@" || return
	"$_emu_fn" "$_emu_name"
	unbind
	rmmod tph_emu || emit "not ok" "$_emu_name: rmmod tph_emu"
}

# dsm_counts NAME (through on_emu): the _DSM counts its evaluations of
# function 0xF in the log (tph-dsm.asl).  set_st_full_table first learns
# each CPU's tags with one GET of two entries (both memory types) per CPU:
# 2 evaluations for each of CPUs 0-2, and 1 for CPU 3, whose first entry
# has no tag and ends the batch; then it makes one SET_ST and one GET of
# the 16-entry table, its entries spread over CPUs 0-2 and both memory
# types: 6 distinct (CPU, memory type) pairs, so 7 + 6 + 6 = 19
# evaluations, where one per entry would be 39.
dsm_counts() {
	name=$1
	echo 1 >/sys/module/acpi/parameters/aml_debug_output
	before=$(dmesg | grep -c 'TPHDSM eval')
	# shellcheck disable=SC2046
	"$TEST" $FWOPTS $(only iommufd set_st_full_table) "$BDF" >/tmp/dsm.out 2>&1
	evals=$(($(dmesg | grep -c 'TPHDSM eval') - before))
	echo 0 >/sys/module/acpi/parameters/aml_debug_output
	echo "# $name: set_st_full_table: $evals _DSM evaluations of function 0xF"
	if grep -q '^# Totals: pass:1 fail:0 ' /tmp/dsm.out && [ "$evals" -eq 19 ]; then
		emit ok "$name: one _DSM evaluation per distinct CPU and memory type of a batch (19)"
	else
		tail -n 20 /tmp/dsm.out | sed 's/^/#   /'
		emit "not ok" "$name: one _DSM evaluation per distinct CPU and memory type of a batch (19)"
	fi
}

# resets NAME (through on_emu): the resets that reset_clears_state makes
# really reach the device.  tph_emu clears the emulated TPH registers on an
# FLR and on a Secondary Bus Reset and counts both, so the state the test
# finds kept after each reset is one the kernel restored.  Every open and
# close of the device resets it too, so the counts of a run of "query" are
# the baseline: reset_clears_state must add two FLRs (VFIO_DEVICE_RESET and
# the FLR written to config space) and one bus reset (the hot reset), and
# report each of the three as clearing TPH, none as "not tested".
reset_counts() {
	echo >/sys/kernel/debug/tph_emu/counters
	# shellcheck disable=SC2046
	"$TEST" $FWOPTS $(only iommufd "$1") "$BDF" >"/tmp/resets-$1.out" 2>&1
	if ! grep -q '^# Totals: pass:1 fail:0 ' "/tmp/resets-$1.out" ||
	   { [ "$1" = reset_clears_state ] &&
	     [ "$(grep -cE '(VFIO_DEVICE_RESET|VFIO_DEVICE_PCI_HOT_RESET|FLR through config space): TPH Control .* cleared' \
		  "/tmp/resets-$1.out")" -ne 3 ]; }; then
		tail -n 20 "/tmp/resets-$1.out" | sed 's/^/#   /'
		echo "fail"
		return
	fi
	awk '$1 == "flrs" { f = $2 } $1 == "bus_resets" { b = $2 }
	     END { print f + 0, b + 0 }' /sys/kernel/debug/tph_emu/counters
}

resets() {
	name=$1
	base=$(reset_counts query)
	got=$(reset_counts reset_clears_state)
	echo "# $name: FLRs and bus resets: $base for query, $got for reset_clears_state"
	set -- $base $got
	if [ $# -eq 4 ] && [ $(($3 - $1)) -eq 2 ] && [ $(($4 - $2)) -eq 1 ]; then
		emit ok "$name: reset_clears_state's resets reach the device (2 FLRs, 1 bus reset)"
	else
		emit "not ok" "$name: reset_clears_state's resets reach the device (2 FLRs, 1 bus reset)"
	fi
}

# decode NAME (through on_emu): st_memory_disabled clears memory decode
# through the config region, programs an entry of the MSI-X table with
# SET_ST and turns decode on again.  The kernel must turn decode on for its
# MMIO write, and off again: tph_emu counts the config writes that set
# Memory Space Enable while it is clear, so the test's count must exceed
# that of a run of "query" (open and close) by two, the kernel's and the
# test's own, not by one, which is the test's alone.
mem_enables() {
	echo >$D/counters
	# shellcheck disable=SC2046
	"$TEST" $FWOPTS $(only iommufd "$1") "$BDF" >"/tmp/decode-$1.out" 2>&1
	grep -q '^# Totals: pass:1 fail:0 ' "/tmp/decode-$1.out" ||
		{ tail -n 20 "/tmp/decode-$1.out" | sed 's/^/#   /' >&2; echo fail; return; }
	counter mem_enables
}

decode() {
	name=$1
	base=$(mem_enables query)
	got=$(mem_enables st_memory_disabled)
	echo "# $name: Memory Space Enable turned on $base times by query, $got by st_memory_disabled"
	if [ "$base" -ge 0 ] 2>/dev/null && [ "$got" -ge 0 ] 2>/dev/null &&
	   [ $((got - base)) -eq 2 ]; then
		emit ok "$name: SET_ST with decode off: the kernel turned decode on for its MSI-X write"
	else
		emit "not ok" "$name: SET_ST with decode off: the kernel turned decode on for its MSI-X write"
	fi
}

# wrong_fw NAME (through on_emu): firmware_tags can fail: told that CPU 0
# has other tags than the bench _DSM gives, or that firmware gives none, it
# must fail, and told the truth, pass
wrong_fw() {
	name=$1
	_r=
	for o in "--st=0:0xa1,0xa101,0xb1,0xb101" "--st=1:none" --firmware-st=no ""; do
		# shellcheck disable=SC2046,SC2086
		"$TEST" ${o:-$FWOPTS} $(only iommufd firmware_tags) "$BDF" >/tmp/wrongfw.out 2>&1
		_t=$(sed -n 's/^# Totals: pass:\([0-9]*\) fail:\([0-9]*\) .*/\1\/\2/p' /tmp/wrongfw.out)
		echo "# $name: firmware_tags ${o:-with the bench options}: pass/fail $_t"
		_r="$_r $_t"
	done
	if [ "$_r" = " 0/1 0/1 0/1 1/0" ]; then
		emit ok "$name: firmware_tags fails when told wrong tags, a wrong no-tag CPU or no firmware, passes when told the truth"
	else
		emit "not ok" "$name: firmware_tags fails when told wrong tags, a wrong no-tag CPU or no firmware, passes when told the truth"
	fi
}

# unresponsive NAME (through on_emu): tph-unresponsive (tools/tph-stress),
# which makes tph_emu's capability read as all ones, as a device in reset
# does, and checks that GET, SET and SET_ST fail with -EIO and enable
# nothing; through iommufd and through the group/container path
unresponsive() {
	name=$1
	echo N >$PARAM
	for g in "" --group; do
		"$UNRESP" "$BDF" $g >/tmp/unresp.out 2>&1
		rc=$?
		grep '^#' /tmp/unresp.out
		relay "$name${g:+ (group)}" /tmp/unresp.out
		[ "$rc" -eq 0 ] && [ "$RELAYED" -gt 0 ] ||
			emit "not ok" "$name${g:+ (group)}: tph-unresponsive exit status $rc"
	done
}

# variant_driver NAME TESTS MODULE-PARAMS...: run, with the device bound to
# tph_variant instead of vfio-pci.  That variant driver's get_dmabuf_phys()
# wraps vfio_pci_core_get_dmabuf_phys() rather than being it, and counts its
# calls in debugfs: the dma-bufs of the run must have come through it, and
# still carry the dma-buf TPH feature.
variant_driver() {
	case ",${only:-$1}," in *",$1,"*) ;; *) return 0 ;; esac
	if ! insmod "$VARIANT_KO"; then
		emit "not ok" "$1: insmod tph_variant"
		return
	fi
	DRIVER=tph_variant
	VARIANT_DIR=/sys/kernel/debug/tph_variant
	run "$@"
	VARIANT_DIR=
	DRIVER=vfio-pci
	calls=$(cat /sys/kernel/debug/tph_variant/get_dmabuf_phys 2>/dev/null)
	echo "# $1: $calls calls of tph_variant's get_dmabuf_phys()"
	if [ "${calls:-0}" -gt 0 ] 2>/dev/null; then
		emit ok "$1: the dma-bufs came through tph_variant's get_dmabuf_phys()"
	else
		emit "not ok" "$1: the dma-bufs came through tph_variant's get_dmabuf_phys()"
	fi
	rmmod tph_variant || emit "not ok" "$1: rmmod tph_variant"
}

ktap_print_header
# The test dma-buf importer: the kselftest attaches it to the dma-bufs it
# exports and checks what it reads through dma_buf_get_pci_tph()
if insmod "$IMPORTER_KO"; then
	IMPORTER_DIR=/sys/kernel/debug/tph_importer
else
	emit "not ok" "insmod tph_importer"
fi
# The bench's emulated intel-iommu runs with intremap=off, so without this
# iommufd refuses to bind the device (no isolated MSI).  A test VM only.
echo 1 >/sys/module/iommufd/parameters/allow_unsafe_interrupts
# ... and the type1 container refuses it (VFIO_SET_IOMMU: EPERM)
echo 1 >/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts
if [ ! -x "$TEST" ]; then
	emit "not ok" "vfio_pci_tph_test binary present"
	tap_done
fi

# Every test on the devices that differ in tag width and table location;
# the policy, width and programming tests on the others; and on devices or
# kernels where TPH is not usable, where every other test skips, the test
# that the features are absent.
POLICY=feature_presence,query,firmware_tags,enable_policy,set_st_full_table,st_all_or_nothing,dma_buf_presence
ABSENT=feature_presence,dma_buf_presence
DMABUF=dma_buf_presence,dma_buf_set_get,dma_buf_invalid,dma_buf_revoke
# Every test but the dma-buf ones, which need a device that completes TPH
ALL=$POLICY,set_invalid,st_invalid,st_cpu_affinity,st_firmware_without_tag
ALL=$ALL,st_msix_needs_vector,get_st,close_disables,reset_clears_state,config_write_dropped
ALL=$ALL,st_before_enable,st_cpu_offline,st_memory_disabled,d3hot,msix_starts_clean
if grep -q notph /proc/cmdline; then
	run notph $ABSENT loc=cap st_size=16
elif [ "$FW" = none ]; then
	# No _DSM: the features work, but firmware resolves no tag
	run cap16 feature_presence,query,firmware_tags,st_firmware_without_tag,get_st loc=cap st_size=16
else
	# Both IOMMU modes on the two main devices
	MODES="iommufd vfio_type1_iommu"
	run cap16 $ALL loc=cap st_size=16
	run msix $ALL loc=msix st_size=5
	MODES=iommufd
	on_emu cap16-unresponsive unresponsive loc=cap st_size=16
	on_emu cap16-wrong-fw wrong_fw loc=cap st_size=16
	on_emu cap16-resets resets loc=cap st_size=16
	on_emu msix-resets resets loc=msix st_size=5
	on_emu msix-decode decode loc=msix st_size=5
	run cap64-ext $POLICY,get_st,reset_clears_state loc=cap st_size=64 ext=1 completer=ext
	run ext-rp8 $POLICY loc=cap st_size=8 ext=1 completer=tph
	run msix-ext $POLICY,st_msix_needs_vector loc=msix st_size=4 ext=1 completer=ext modes=6
	run iv-only $POLICY loc=cap st_size=4 modes=2
	run ds-notable feature_presence,query,enable_policy loc=none modes=5
	# Interrupt Vector mode without an ST table takes device-specific tags
	run iv-notable feature_presence,query,enable_policy loc=none modes=3
	on_emu iv-notable-unresponsive unresponsive loc=none modes=3
	# The reserved TPH Completer encoding 2 of the Root Port: not usable
	run rsvd-completer $ABSENT loc=cap st_size=16 ext=1 completer=rsvd
	# State that a previous owner left on a device that cannot be reset
	PREBIND=left_on
	run left-on query,close_disables loc=cap st_size=16 no_reset=1
	PREBIND=host_left_tags
	run host-left-msix msix_starts_clean,close_disables loc=msix st_size=5 no_reset=1
	PREBIND=
	on_emu cap16-dsm dsm_counts loc=cap st_size=16
	run no-completer $ABSENT loc=cap st_size=16 completer=none
	run no-cap $ABSENT present=0
	# The virtio-net device at 02:00.0 as TPH Completer of peer-to-peer
	# writes into its dma-bufs, with 16-bit and with 8-bit tags; the
	# e1000e, also bound to vfio-pci, exports the other device's dma-buf
	use_device 0000:02:00.0
	OTHER=0000:01:00.0
	run p2p-ext $DMABUF,dma_buf_other_device present=0 ep_completer=ext bdf=$BDF
	run p2p-tph $DMABUF,dma_buf_other_device present=0 ep_completer=tph bdf=$BDF
	OTHER=
	# The same device as p2p-ext under a variant driver of vfio-pci
	variant_driver p2p-variant dma_buf_presence,dma_buf_set_get,dma_buf_not_bar present=0 ep_completer=ext bdf=$BDF
	run p2p-none dma_buf_presence present=0 bdf=$BDF
	use_device 0000:01:00.0
fi
rmmod tph_importer || emit "not ok" "rmmod tph_importer (a dma-buf reference leaked?)"
tap_done

#!/usr/bin/env bash
# bench.sh [OPTION]... SET...: boot the bench kernel in QEMU (x86_64: q35 with
# intel-iommu; arm64: virt with SMMUv3 and GICv3; both with an e1000e behind
# a PCIe root port), run the guest test sets tools/bench/tests/SET.sh and
# report them as TAP, each line prefixed with the firmware setup.  The last
# line is "bench: N passed, N failed" (", N skipped" when any were); the
# exit status is 1 if anything failed.
#
#   --arch A          x86_64 (default) or arm64
#   --kernel IMAGE    kernel to boot (default the bench build of --arch)
#   --firmware F      x86_64: dsm, with the TPH _DSM SSDT (default); nodsm,
#                     without it.  arm64: dsm, UEFI and ACPI, with the
#                     machine's DSDT, MADT and PPTT upgraded through the
#                     initrd: the _DSM and processor UIDs 0x10-0x13
#                     (default); dt, a device-tree boot, without ACPI
#   --cmdline EXTRA   append EXTRA to the kernel command line
#   --timeout SEC     wall-clock limit for the guest (default 900)
#   --bin DIR         every file in DIR goes to /opt/bin (or $BENCH_BIN)
#   --tests DIR       DIR/*.sh are test sets too, next to tools/bench/tests
#   --name NAME       name the logs NAME.log and NAME.tap (default FIRMWARE-SETS)
#
# Besides the sets' own results it counts one check per set (plan present and
# matched, exit status 0), one for the guest running to its end within the
# timeout, one for the ACPI tables, and one for a clean kernel log: no
# WARNING, BUG, KASAN, lockdep, RCU, kmemleak, Oops or panic report.
#
# The serial console goes to $CACHE/logs/bench/FIRMWARE-SETS.log, the sets'
# TAP (second serial port, no kernel messages in it) to FIRMWARE-SETS.tap,
# where SETS are the set names joined with "+".
set -uo pipefail
. "$(dirname "$0")/lib.sh"

usage() {
	sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "$0" >&2
	exit 2
}

ARCH=x86_64
KERNEL=
FIRMWARE=dsm
EXTRA=
TIMEOUT=900
BIN=${BENCH_BIN:-}
XTESTS=
NAME=
sets=()
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) ARCH=${2:?}; shift ;;
	--kernel) KERNEL=${2:?}; shift ;;
	--firmware) FIRMWARE=${2:?}; shift ;;
	--cmdline) EXTRA=${2?}; shift ;;
	--timeout) TIMEOUT=${2:?}; shift ;;
	--bin) BIN=${2?}; shift ;;
	--tests) XTESTS=${2:?}; shift ;;
	--name) NAME=${2:?}; shift ;;
	-h|--help) usage ;;
	-*) echo "bench.sh: unknown option $1" >&2; usage ;;
	*) IFS=, read -ra s <<<"$1"; sets+=("${s[@]}") ;;
	esac
	shift
done

[ ${#sets[@]} -gt 0 ] || usage
case "$ARCH:$FIRMWARE" in
x86_64:dsm|x86_64:nodsm)
	KERNEL=${KERNEL:-$CACHE/build/x86_64-bench/arch/x86/boot/bzImage}
	QEMU="qemu-system-x86_64" ;;
arm64:dsm|arm64:dt)
	KERNEL=${KERNEL:-$CACHE/build/arm64-bench/arch/arm64/boot/Image}
	QEMU="qemu-system-aarch64"
	UEFI=/usr/share/qemu-efi-aarch64/QEMU_EFI.fd
	[ -f "$UEFI" ] || die "no $UEFI (qemu-efi-aarch64, see scripts/deps.sh)" ;;
x86_64:*) die "--firmware must be dsm or nodsm for x86_64" ;;
arm64:*) die "--firmware must be dsm or dt for arm64" ;;
*) die "--arch must be x86_64 or arm64" ;;
esac
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "--timeout takes whole seconds"
[ -f "$KERNEL" ] || die "no kernel at $KERNEL"
[ -z "$BIN" ] || [ -d "$BIN" ] || die "--bin $BIN is not a directory"
[ -z "$XTESTS" ] || [ -d "$XTESTS" ] || die "--tests $XTESTS is not a directory"
declare -A seen=()
for s in "${sets[@]}"; do
	[[ $s =~ ^[A-Za-z0-9_-]+$ ]] || die "bad set name '$s'"
	[ -z "${seen[$s]:-}" ] || die "set $s given twice"
	seen[$s]=1
done
for t in $QEMU iasl cpio flock timeout; do
	command -v $t >/dev/null || die "$t not found (see scripts/deps.sh)"
done

BENCH=$ROOT/tools/bench
WORK=$CACHE/bench
LOGDIR=$CACHE/logs/bench
if [ "$ARCH" = arm64 ]; then
	TPH_EMU_KO=${TPH_EMU_KO:-$WORK/arm64/tph-emu/tph_emu.ko}
else
	TPH_EMU_KO=${TPH_EMU_KO:-$ROOT/tools/tph-emu/tph_emu.ko}
fi
mkdir -p "$WORK" "$LOGDIR"

# Serialize builds of the shared firmware and initramfs between runs.
exec 9>"$WORK/.lock"
flock 9

# up_to_date TARGET STAMP: TARGET exists and was built from inputs that hash
# to STAMP.
up_to_date() {
	[ -f "$1" ] && [ -f "$1.stamp" ] && [ "$(cat "$1.stamp")" = "$2" ]
}

# The SSDT.  Never iasl -q: this iasl then writes a table signed "XXXX".
AML=$WORK/tph-dsm.aml
stamp=$(cat "$BENCH/tph-dsm.asl" "$BENCH/tph-dsm-body.asl" <(iasl -v 2>&1) | sha256sum)
if [ "$ARCH" = x86_64 ] && ! up_to_date "$AML" "$stamp"; then
	msg "compiling $BENCH/tph-dsm.asl"
	tmp=$(mktemp -d "$WORK/iasl.XXXXXX")
	if ! iasl -p "$tmp/tph-dsm" "$BENCH/tph-dsm.asl" >"$tmp/iasl.log" 2>&1 ||
	   [ "$(head -c 4 "$tmp/tph-dsm.aml" 2>/dev/null)" != SSDT ]; then
		cat "$tmp/iasl.log" >&2
		rm -rf "$tmp"
		die "iasl failed on $BENCH/tph-dsm.asl"
	fi
	mv "$tmp/tph-dsm.aml" "$AML"
	rm -rf "$tmp"
	echo "$stamp" >"$AML.stamp"
fi

# The initramfs: image path and host file of everything in it.
dst=() src=()
add() { dst+=("$1"); src+=("$2"); }
# Shared libraries and the dynamic loader of a host executable, if dynamic.
add_libs() {
	local l
	while read -r l; do
		add "$l" "$l"
	done < <(ldd "$1" 2>/dev/null |
		sed -n 's|.*=> \(/[^ ]*\) (0x.*|\1|p; s|^[[:space:]]*\(/[^ ]*\) (0x.*|\1|p')
}

add /init "$BENCH/init"
if [ "$ARCH" = arm64 ]; then
	# No pciutils: the host's are x86_64, and the arm64 sets need none
	add /bin/busybox "$(arm64_pkg busybox-static)/bin/busybox"
	add /bin/bash "$(arm64_pkg bash-static)/bin/bash-static"
else
	add /bin/busybox "$(command -v busybox)"
	add /bin/bash "$(command -v bash-static)"
	for t in lspci setpci; do
		p=$(command -v $t) || die "$t not found (pciutils)"
		add "/usr/bin/$t" "$p"
		add_libs "$p"
	done
	add /usr/share/misc/pci.ids /usr/share/misc/pci.ids
fi
if [ -f "$TPH_EMU_KO" ]; then
	add /lib/modules/tph_emu.ko "$TPH_EMU_KO"
else
	msg "no $TPH_EMU_KO; the initramfs goes without it"
fi
# The test dma-buf importer is built next to it
imp=$(dirname "$TPH_EMU_KO")/tph_importer.ko
[ ! -f "$imp" ] || add /lib/modules/tph_importer.ko "$imp"
# and so is the test vfio-pci variant driver
vko=$(dirname "$TPH_EMU_KO")/tph_variant.ko
[ ! -f "$vko" ] || add /lib/modules/tph_variant.ko "$vko"
for f in "$BENCH"/tests/*.sh ${XTESTS:+"$XTESTS"/*.sh}; do
	[ -f "$f" ] && add "/tests/$(basename "$f")" "$f"
done
# The sets print TAP through the kernel's own helpers (tests/lib.sh), from
# the tree under test
ktap=$GATE/tools/testing/selftests/kselftest/ktap_helpers.sh
[ -f "$ktap" ] || die "no $ktap: the gate's checkout is missing (make build)"
add /tests/ktap_helpers.sh "$ktap"
# and bind a device to vfio-pci and give it back with the vfio selftests'
# scripts (bash: bash-static is the guest's /bin/bash)
for f in setup cleanup lib; do
	add "/tests/vfio/$f.sh" "$GATE/tools/testing/selftests/vfio/scripts/$f.sh"
done
if [ -n "$BIN" ]; then
	while IFS= read -r -d '' f; do
		add "/opt/bin/$(basename "$f")" "$f"
		add_libs "$f"
	done < <(find -L "$BIN" -maxdepth 1 -type f -print0 | sort -z)
fi

# Later entries win (an extra test of the same name replaces ours); the same
# library needed twice goes in once.
declare -A pick=()
for i in "${!dst[@]}"; do pick[${dst[$i]}]=${src[$i]}; done
mapfile -t order < <(printf '%s\n' "${!pick[@]}" | LC_ALL=C sort)
manifest=$(for d in "${order[@]}"; do
	printf '%s %s %s\n' "$d" "$(stat -Lc %a "${pick[$d]}")" \
		"$(sha256sum <"${pick[$d]}" | cut -d' ' -f1)"
done)

INITRD=$WORK/initramfs.cpio
[ "$ARCH" = x86_64 ] || INITRD=$WORK/initramfs-$ARCH.cpio
stamp=$(sha256sum <<<"$manifest")
if ! up_to_date "$INITRD" "$stamp"; then
	msg "building $INITRD"
	stage=$WORK/initramfs.d
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,root,proc,sys,dev,tmp,opt/bin,tests}
	mknod "$stage/dev/console" c 5 1 2>/dev/null || true
	for d in "${order[@]}"; do
		mkdir -p "$stage$(dirname "$d")"
		cp -L --preserve=mode "${pick[$d]}" "$stage$d" || die "cannot copy ${pick[$d]}"
	done
	# busybox applets, except where a real tool sits at that path.  The
	# host's busybox lists them for the arm64 one: both are bookworm's
	# busybox-static, of one version and configuration.
	while read -r a; do
		[ -e "$stage/$a" ] || [ -L "$stage/$a" ] || ln -s /bin/busybox "$stage/$a"
	done < <(busybox --list-full)
	chmod 755 "$stage/init" "$stage"/tests/*.sh 2>/dev/null
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --reproducible --quiet) >"$INITRD.tmp" ||
		die "cpio failed"
	mv "$INITRD.tmp" "$INITRD"
	echo "$manifest" >"$INITRD.manifest"
	echo "$stamp" >"$INITRD.stamp"
fi
LABEL=$FIRMWARE
[ "$ARCH" = x86_64 ] || LABEL=$ARCH-$FIRMWARE
list=$(IFS=,; echo "${sets[*]}")
# No commas in file names: QEMU's "-serial file:" cannot escape them.
name=${NAME:-$LABEL-$(IFS=+; echo "${sets[*]}")}
[[ $name =~ ^[A-Za-z0-9_.+-]+$ ]] || die "--name $name: letters, digits and _.+- only"
LOG=$LOGDIR/$name.log
TAP=$LOGDIR/$name.tap

# machine TAPFILE RD CMDLINE: the QEMU command line in qemu[], the second
# serial port (the TAP channel) writing to TAPFILE.
#
# romfile=: no iPXE option ROM, which only delays the boot.
# The virtio-net device at 02:00.0, which no driver claims, is the TPH
# Completer for the dma-buf tests: QEMU's e1000e has a version 1 PCI Express
# capability without Device Capabilities 2, a modern virtio device in a
# PCIe slot has a version 2 one.
# x-speed=5: QEMU 7.2's Root Port never sets Data Link Layer Link Active
# again after a Secondary Bus Reset, so at its default 16 GT/s the kernel,
# which waits for that bit on ports faster than 5 GT/s, fails every bus
# reset with -ENOTTY after "Data Link Layer Link Active not set".  At 5 GT/s
# it waits the fixed delay and polls the device, as for older hardware.
# x86_64, la57=off: with 5-level paging, TCG and KASAN, this kernel reports a
# KASAN wild-memory-access in handle_edge_irq() during identify_cpu(),
# before any PCI code runs, and the report turns lockdep off for the whole
# run.
# arm64: the virt machine has one PL011, so the TAP channel is a PCI 16550
# (pci-serial) on the root bus, the guest's ttyS0.  pauth-impdef=on: QEMU's
# own pointer-authentication hash instead of QARMA, which is slow under TCG.
# shellcheck disable=SC2054 # commas inside QEMU options
machine() {
	local tapfile=$1 rd=$2 cmd=$3
	local devs=(
		-device pcie-root-port,id=rp1,chassis=1,slot=1,x-speed=5
		-device e1000e,bus=rp1,netdev=n0,romfile= -netdev user,id=n0,restrict=on
		-device pcie-root-port,id=rp2,chassis=2,slot=2,x-speed=5
		-device virtio-net-pci,bus=rp2,netdev=n1,disable-legacy=on,romfile=
		-netdev user,id=n1,restrict=on
	)
	if [ "$ARCH" = x86_64 ]; then
		qemu=(qemu-system-x86_64 -machine q35 -cpu max,la57=off -smp 4 -m 2G
			-nographic -no-reboot -monitor none
			-serial stdio -serial "file:$tapfile"
			-device intel-iommu,intremap=off "${devs[@]}"
			-kernel "$RUNK" -initrd "$rd"
			-append "console=ttyS0 intel_iommu=on $cmd")
		[ "$FIRMWARE" = dsm ] && qemu+=(-acpitable "file=${RUNAML//,/,,}")
	else
		qemu=(qemu-system-aarch64 -machine virt,iommu=smmuv3,gic-version=3
			-cpu max,pauth-impdef=on -smp 4 -m 2G
			-display none -no-reboot -monitor none -serial stdio
			"${devs[@]}"
			-chardev "file,id=tap,path=$tapfile" -device pci-serial,chardev=tap
			-kernel "$RUNK" -initrd "$rd"
			-append "console=ttyAMA0 bench.tap=ttyS0 $cmd")
		[ "$FIRMWARE" = dsm ] && qemu+=(-bios "$UEFI")
	fi
	return 0
}

# This run's own copies, so that a concurrent rebuild of the firmware, the
# initramfs or the kernel (make writes the bzImage in place) cannot change
# them under it.
RUNAML=$WORK/run-$$.aml RUNRD=$WORK/run-$$.cpio RUNK=$WORK/run-$$.kernel
trap 'rm -f "$RUNAML" "$RUNRD" "$RUNK"' EXIT
{ { [ "$ARCH" != x86_64 ] || ln -f "$AML" "$RUNAML"; } && cp "$KERNEL" "$RUNK"; } ||
	die "cannot copy the boot files to $WORK"

# arm64 firmware: QEMU's own DSDT, MADT and PPTT, read in a first boot of
# this machine, upgraded by tools/bench/acpi-upgrade.py and put in front of
# the initramfs, where the kernel finds them (ACPI_TABLE_UPGRADE).
if [ "$ARCH" = arm64 ] && [ "$FIRMWARE" = dsm ]; then
	UPG=$WORK/arm64/acpi-upgrade.cpio
	machine /dev/null "$INITRD" ""
	stamp=$(cat <(printf '%s\n' "${qemu[@]}" | grep -v "^$WORK/") \
		<("$QEMU" --version) "$UEFI" "$BENCH/acpi-upgrade.py" \
		"$BENCH/tph-dsm-body.asl" <(iasl -v 2>&1) | sha256sum)
	if ! up_to_date "$UPG" "$stamp"; then
		msg "reading the arm64 machine's ACPI tables (one short boot)"
		dump=$WORK/arm64/acpi
		rm -rf "$dump"
		mkdir -p "$dump"
		machine /dev/null "$INITRD" "panic=-1 bench.dump=acpi"
		timeout -k 10 300 "${qemu[@]}" </dev/null >"$dump/console.log" 2>&1
		for t in DSDT APIC PPTT; do
			tr -d '\r' <"$dump/console.log" |
				awk -v b="=== bench: begin table $t ===" -v e="=== bench: end table $t ===" \
					'$0 == e { p = 0 } p; $0 == b { p = 1 }' | base64 -d >"$dump/$t.dat" ||
				die "no $t table in $dump/console.log"
		done
		python3 "$BENCH/acpi-upgrade.py" "$dump" "$BENCH" >"$dump/upgrade.log" 2>&1 ||
			{ cat "$dump/upgrade.log" >&2; die "acpi-upgrade.py failed"; }
		(cd "$dump/initrd" && find kernel | LC_ALL=C sort |
			cpio -o -H newc -R 0:0 --reproducible --quiet) >"$UPG.tmp" ||
			die "cpio failed"
		mv "$UPG.tmp" "$UPG"
		echo "$stamp" >"$UPG.stamp"
	fi
	cat "$UPG" "$INITRD" >"$RUNRD" || die "cannot write $RUNRD"
else
	ln -f "$INITRD" "$RUNRD" || die "cannot copy the boot files to $WORK"
fi
flock -u 9

# Boot.
rm -f "$LOG" "$TAP"
machine "$TAP" "$RUNRD" "panic=-1 printk.time=1 log_buf_len=4M bench.firmware=$FIRMWARE bench.tests=$list${EXTRA:+ $EXTRA}"

# boot: QEMU under the run's timeout, with a watchdog on the way to /init.
# QEMU 7.2's TCG, four vCPUs on two host cores, has now and then stopped
# for good early in the boot (once in about 40 boots, right after
# "vgaarb: loaded", where the kernel switches clocksource, before /init
# and so before any test).  A guest that has not started /init within
# BOOT_DEADLINE seconds is killed (status 200); the caller boots it once
# more and says so, and keeps the hung console log as $LOG.hung.
BOOT_DEADLINE=${BOOT_DEADLINE:-120}
boot() {
	local pid w=0
	timeout -k 10 "$TIMEOUT" "${qemu[@]}" </dev/null >"$LOG" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if grep -q '^=== bench: init start' "$LOG"; then
			wait "$pid"
			return
		fi
		if [ "$w" -ge "$BOOT_DEADLINE" ]; then
			kill "$pid"
			wait "$pid"
			return 200
		fi
		sleep 1
		w=$((w + 1))
	done
	wait "$pid"
}

msg "booting $LABEL: sets ${sets[*]}, timeout ${TIMEOUT}s, log $LOG"
t0=$(date +%s.%N)
hung=
boot
qrc=$?
if [ "$qrc" -eq 200 ]; then
	hung=$(tr -d '\r' <"$LOG" | grep -a '^\[' | tail -n 1)
	mv "$LOG" "$LOG.hung"
	rm -f "$TAP"
	msg "$LABEL: no /init after ${BOOT_DEADLINE}s (last: $hung); booting once more"
	t0=$(date +%s.%N)
	boot
	qrc=$?
fi
t1=$(date +%s.%N)
wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
touch "$TAP"

# Report.
pass=0 fail=0 skip=0 n=0
out() { echo "$LABEL: $*"; }
point() {
	local res=$1 desc=$2
	n=$((n + 1))
	case "$res" in
	ok) pass=$((pass + 1)) ;;
	skip) skip=$((skip + 1)); res=ok ;;
	*) fail=$((fail + 1)); res="not ok" ;;
	esac
	out "$res $n - $desc"
}
diag() { sed "s/^/$LABEL: #   /"; }

# The TAP channel; if the guest had no second serial port, the console.
TAPSRC=$TAP
grep -q '=== bench: begin set ' "$TAP" ||
	{ grep -q '=== bench: no /dev/tty' "$LOG" && TAPSRC=$LOG; }

# block SET: the lines the set printed, without the markers.
block() {
	tr -d '\r' <"$TAPSRC" |
		awk -v b="=== bench: begin set $1 ===" -v e="^=== bench: end set $1 rc=" '
			$0 == b { p = 1; next } $0 ~ e { p = 0 } p'
}

for set in "${sets[@]}"; do
	plan='' planline='' count=0 bad=0 bail='' numbad='' setskip=''
	# Not grep -q: under pipefail its early exit can kill tr with SIGPIPE,
	# which failed a set whose marker was there
	if ! tr -d '\r' <"$TAPSRC" | grep -cx "=== bench: begin set $set ===" >/dev/null; then
		point fail "$set: never started (no begin marker in $TAPSRC)"
		continue
	fi
	rc=$(tr -d '\r' <"$TAPSRC" | sed -n "s/^=== bench: end set $set rc=\([0-9]*\) ===$/\1/p")
	while IFS= read -r line; do
		if [[ $line =~ ^1\.\.([0-9]+)(.*)$ ]]; then
			if [ -n "$planline" ]; then
				bad=$((bad + 1))
			fi
			plan=${BASH_REMATCH[1]} planline=$line
			[ "$plan" = 0 ] && [[ ${line,,} =~ \#[[:space:]]*skip ]] && setskip=1
		elif [[ $line =~ ^(not\ )?ok($|[[:space:]]) ]]; then
			[[ $line =~ ^(not\ )?ok([[:space:]]+([0-9]+))?([[:space:]]+-)?[[:space:]]*(.*)$ ]]
			count=$((count + 1))
			num=${BASH_REMATCH[3]:-}
			desc=${BASH_REMATCH[5]:-}
			[ -n "$num" ] && [ "$num" != "$count" ] && numbad=1
			if [ -n "${BASH_REMATCH[1]}" ]; then
				point fail "$set: $desc"
			elif [[ ${desc,,} =~ \#[[:space:]]*skip ]]; then
				point skip "$set: $desc"
			else
				point ok "$set: $desc"
			fi
		elif [[ $line =~ ^Bail\ out! ]]; then
			bail=$line
		fi
	done < <(block "$set")
	why=
	if [ -z "$rc" ]; then
		why="did not finish"
	elif [ -n "$bail" ]; then
		why="$bail"
	elif [ -z "$plan" ]; then
		why="no TAP plan line, exit status $rc"
	elif [ $bad -gt 0 ]; then
		why="more than one plan line"
	elif [ "$plan" != "$count" ]; then
		why="plan $planline but $count results"
	elif [ -n "$numbad" ]; then
		why="test numbers out of sequence"
	elif [ "$rc" != 0 ] && ! { [ "$rc" = 4 ] && [ -n "$setskip" ]; }; then
		why="exit status $rc"
	fi
	if [ -n "$why" ]; then
		point fail "$set: $why"
		block "$set" | grep -E '^(#|not ok|Bail)' | head -n 30 | diag
	elif [ -n "$setskip" ]; then
		point skip "$set: $planline"
	else
		point ok "$set: plan 1..$plan, $count results, exit status $rc"
	fi
done

# The guest ran to its end.
clog=$(tr -d '\r' <"$LOG")
[ -z "$hung" ] || echo "# $LABEL: the first boot started no /init in ${BOOT_DEADLINE}s, last line \"$hung\" ($LOG.hung); booted once more"
if [ $qrc -eq 200 ]; then
	point fail "guest: no /init within ${BOOT_DEADLINE}s, in two boots"
	tail -n 5 <<<"$clog" | diag
elif [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	point fail "guest: killed after the ${TIMEOUT}s timeout"
	tail -n 5 <<<"$clog" | diag
elif ! grep -q '^=== bench: done uptime=' <<<"$clog"; then
	point fail "guest: stopped before the end of /init (qemu exit status $qrc)"
	tail -n 5 <<<"$clog" | diag
else
	point ok "guest: /init ran to its end and powered off${hung:+ (in the second boot)}"
fi

# Kernel messages: the console minus the test sets' output, which is either
# prefixed with "SET| " or, without a TAP channel, between set markers.
klog=$(grep -vE '^[A-Za-z0-9_-]+\| ' <<<"$clog" |
	awk '/^=== bench: begin set / { p = 1 } !p; /^=== bench: end set / { p = 0 }')

# Firmware.  x86_64: the SSDT is loaded for dsm and absent for nodsm.  arm64:
# for dsm the kernel took the upgraded DSDT, MADT (APIC) and PPTT from the
# initrd; for dt it ran without ACPI.  Either way ACPICA is quiet.
acpi_err=$(grep -E 'ACPI (BIOS )?(Error|Exception|Warning)' <<<"$klog" | sort -u)
ssdt=$(grep -E 'ACPI: SSDT .*TPHDSM' <<<"$klog" | head -n1)
loaded=$(grep -E 'ACPI AML tables successfully acquired and loaded' <<<"$klog" | head -n1)
upgraded=$(grep -E 'ACPI: Table Upgrade: override \[(DSDT|APIC|PPTT)-' <<<"$klog" | sort -u)
acpi_on=$(grep -E 'ACPI: (DSDT|FACP) 0x' <<<"$klog" | head -n1)
if [ -n "$acpi_err" ]; then
	point fail "firmware: ACPI errors"
	head -n 10 <<<"$acpi_err" | diag
elif [ "$ARCH" = arm64 ] && [ "$FIRMWARE" = dsm ]; then
	if [ "$(grep -c . <<<"$upgraded")" -eq 3 ] && [ -n "$loaded" ]; then
		point ok "firmware: UEFI, ACPI with the upgraded DSDT, MADT and PPTT, no ACPI errors"
	else
		point fail "firmware: the upgraded DSDT, MADT and PPTT were not all taken"
	fi
	printf '%s\n' "$upgraded" "$loaded" | sed 's/^ *\[[ 0-9.]*\] //' | diag
elif [ "$ARCH" = arm64 ]; then
	if [ -z "$acpi_on" ]; then
		point ok "firmware: device tree, no ACPI tables"
	else
		point fail "firmware: ACPI tables in a device-tree boot"
		diag <<<"$acpi_on"
	fi
elif [ "$FIRMWARE" = dsm ] && { [ -z "$ssdt" ] || [ -z "$loaded" ]; }; then
	point fail "firmware: the TPHDSM SSDT was not loaded"
elif [ "$FIRMWARE" = nodsm ] && [ -n "$ssdt" ]; then
	point fail "firmware: a TPHDSM SSDT is present with firmware nodsm"
elif [ "$FIRMWARE" = dsm ]; then
	point ok "firmware: SSDT TPHDSM loaded, no ACPI errors"
	printf '%s\n%s\n' "$ssdt" "$loaded" | sed 's/^ *\[[ 0-9.]*\] //' | diag
else
	point ok "firmware: no _DSM SSDT, no ACPI errors"
fi

# Kernel log: one check for every kind of kernel report.
kinds=(
	'WARNING:'
	'BUG:'
	'kernel BUG at'
	'KASAN:'
	'UBSAN:'
	'possible circular locking'
	'possible recursive locking'
	'inconsistent lock state'
	'suspicious RCU usage'
	'sleeping function called from invalid context'
	'turning off the locking correctness validator'
	'Disabling lock debugging'
	'unreferenced object'
	'=== bench: kmemleak scan failed'
	'Oops'
	'general protection fault'
	'Unable to handle kernel'
	'Kernel panic'
	'blocked for more than'
)
found=() hits=
for k in "${kinds[@]}"; do
	h=$(grep -F -- "$k" <<<"$klog" | sed 's/^ *\[[ 0-9.]*\] //' | sort -u)
	[ -n "$h" ] || continue
	found+=("$k $(wc -l <<<"$h")")
	hits+=$h$'\n'
done
if [ ${#found[@]} -eq 0 ]; then
	point ok "kernel log: no WARNING, BUG, KASAN, lockdep, RCU, kmemleak, Oops or panic report"
else
	kl=$(printf '%s, ' "${found[@]}")
	point fail "kernel log: ${kl%, }"
	printf '%s' "$hits" | sort -u | head -n 20 | diag
fi

boot=$(sed -n 's/^=== bench: init start uptime=\([0-9.]*\) ===$/\1/p' <<<"$clog")
done_at=$(sed -n 's/^=== bench: done uptime=\([0-9.]*\) ===$/\1/p' <<<"$clog")
echo "# $LABEL: kernel to /init ${boot:-?} s, to power-off ${done_at:-?} s (guest clock); whole run ${wall} s (host wall clock)"
kver=$(grep -m1 -o 'Linux version [^ ]* .*' <<<"$clog" | sed 's/ (.*) #/ #/')
echo "# $LABEL: kernel $KERNEL: ${kver:-version unknown, it printed nothing}"
echo "# $LABEL: console $LOG"
echo "# $LABEL: TAP $TAP"
out "1..$n"
if [ $skip -gt 0 ]; then
	echo "bench: $pass passed, $fail failed, $skip skipped"
else
	echo "bench: $pass passed, $fail failed"
fi
[ $fail -eq 0 ]

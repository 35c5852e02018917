#!/bin/sh
# The DPDK consumer (tools/dpdk: dpdk-tph with tph_stash.[ch]) on the bench
# e1000e: EAL takes the device through the legacy VFIO group/container path
# (type1), the em PMD runs the port, and each Rx queue's ST entry must hold
# the firmware's tag for the CPU of the lcore that polls it.  Every check
# reads the device (tph_emu's view of the TPH capability and of the MSI-X
# table), not what the application says.  With pci=notph, only that the
# application runs without TPH and says so.  Runs as root; TAP on stdout.
. "$(dirname "$0")/lib.sh"
APP=$(command -v dpdk-tph || echo /opt/bin/dpdk-tph)
# Two worker lcores on CPUs 1 and 2; EAL pins the main lcore to CPU 0, so
# the tags for CPUs 1 and 2 are programmed from a thread that may not run
# there: tph_stash widens its affinity for the call
EAL="-l 0-2 -a $BDF --in-memory --no-telemetry -m 64 --log-level=lib.eal:info"

# run_app NAME ARGS...: dpdk-tph ARGS with its output in /tmp/NAME.out
run_app() {
	_n=$1
	shift
	# shellcheck disable=SC2086
	"$APP" $EAL -- "$@" >"/tmp/$_n.out" 2>&1
	_rc=$?
	echo "# \$ dpdk-tph $EAL -- $* -> exit $_rc"
	grep -E '^(tph|reset|restart|poll|done|dpdk-tph|EAL: (VFIO|Using IOMMU|Probe))' "/tmp/$_n.out" | diag
	return $_rc
}

# start_app NAME ARGS...: dpdk-tph --pause in the background, stdin a fifo
# on fd 4; each line written lets it go past one step
start_app() {
	_n=$1
	shift
	rm -f /tmp/app.in
	mkfifo /tmp/app.in
	# shellcheck disable=SC2086
	"$APP" $EAL -- "$@" </tmp/app.in >"/tmp/$_n.out" 2>&1 &
	APPPID=$!
	exec 4>/tmp/app.in
	APPOUT=/tmp/$_n.out
}

# at STEP: wait until the application is paused at STEP (120 s)
at() {
	_i=0
	until grep -q "paused at $1:" "$APPOUT"; do
		_i=$((_i + 1))
		if [ $_i -gt 1200 ] || ! kill -0 "$APPPID" 2>/dev/null; then
			diag <"$APPOUT"
			return 1
		fi
		sleep 0.1
	done
}

# entries: the device's ST entries of the queues, "ENTRY=TAG ...", read from
# the TPH capability or, for an MSI-X table, from the MSI-X table itself
entries() {
	for _e in $ENTRIES; do
		if [ "$LOC" = msix ]; then
			printf '%s=%s ' "$_e" "$(awk -v i="$_e" '$1 == "msix_st" && $2 == i { print $3 }' $D/regs)"
		else
			printf '%s=%s ' "$_e" "$(awk -v k="st[$_e]" '$1 == k { print $2 }' $D/regs)"
		fi
	done
}

# expect STEP WANT-CTRL WANT-ENTRIES DESC: at STEP, TPH Control and the
# queues' ST entries as the device has them
expect() {
	_s=$1 _c=$2 _w=$3 _d=$4
	if ! at "$_s"; then
		nok "$NAME: $_d (never paused at $_s)"
		return
	fi
	_got="ctrl=$(reg ctrl) $(entries)"
	echo "# $NAME: at $_s the device has: $_got"
	[ "$_got" = "ctrl=$_c $_w" ] && ok "$NAME: $_d" ||
		{ echo "#   want: ctrl=$_c $_w"; nok "$NAME: $_d"; }
	echo >&4
}

# lifecycle NAME LOC ST_SIZE PARAM ENTRY0 ENTRY1 AFTER-RESTART WHY: the
# application through start, stop/start and reset on tph_emu loc=LOC
lifecycle() {
	NAME=$1 LOC=$2 ENTRIES="$5 $6"
	echo "$4" >$PARAM
	if ! emu "loc=$LOC" "st_size=$3"; then
		nok "$NAME: tph_emu loc=$LOC and vfio-pci"
		return
	fi
	on=0x00000101	# TPH Requester enabled, Interrupt Vector mode
	tags="$5=0x00a1 $6=0x00a2 "
	zero="$5=0x0000 $6=0x0000 "
	start_app "$NAME" --pause
	expect started $on "$tags" "after rte_eth_dev_start: queues 0/1 -> lcores 1/2: entries $5/$6 hold CPU 1's and CPU 2's firmware tags"
	expect restart-kept $on "$7" "after rte_eth_dev_stop and start, before programming again: $8"
	expect restarted $on "$tags" "after programming again: the tags are there"
	expect reset-cleared 0x00000000 "$zero" "after the reset: TPH disabled and the entries zeroed"
	expect reset-done $on "$tags" "after the reset, enabled and programmed again: the tags are there"
	exec 4>&-
	wait "$APPPID"
	_rc=$?
	grep -E '^(tph|reset|restart|poll|done|dpdk-tph|EAL: (VFIO|Using IOMMU|Probe))' "$APPOUT" | diag
	[ $_rc -eq 0 ] && grep -q '^poll: lcore 2 polled queue 1' "$APPOUT" &&
		ok "$NAME: the workers polled their queues, exit 0" ||
		nok "$NAME: the workers polled their queues, exit 0 (exit $_rc)"
	_got="ctrl=$(reg ctrl) $(entries)"
	[ "$_got" = "ctrl=0x00000000 $zero" ] &&
		ok "$NAME: after the application closed the device: TPH disabled, entries zeroed" ||
		{ echo "#   $_got"; nok "$NAME: after the application closed the device: TPH disabled, entries zeroed"; }
	echo N >$PARAM
}

ktap_print_header
if [ ! -x "$APP" ]; then
	nok "dpdk-tph binary present"
	tap_done
fi

# Hugepages for EAL, and its runtime directory.  No hugetlbfs mount: with
# --in-memory EAL takes reserved hugepages anonymously (memfd), and a mount
# would make it flock() the mount point, which this kernel (no
# FILE_LOCKING) does not have.
mkdir -p /var/run
echo 64 >/proc/sys/vm/nr_hugepages
[ "$(cat /proc/sys/vm/nr_hugepages)" = 64 ] &&
	ok "64 hugepages of 2 MB reserved" || nok "64 hugepages of 2 MB reserved"

# The group/container path with type1: the bench's intel-iommu runs with
# intremap=off, so MSIs are not isolated and type1 refuses the container
# (VFIO_SET_IOMMU: EPERM, then VFIO_GROUP_GET_DEVICE_FD: EINVAL) unless
# interrupts are allowed unsafe.  A test VM only; see the user guide.
echo 1 >/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts

if grep -q 'pci=notph' /proc/cmdline; then
	emu loc=cap st_size=16
	run_app notph
	rc=$?
	[ $rc -eq 0 ] && grep -q '^tph: not available on port 0 .*running without TPH' /tmp/notph.out &&
		grep -q '^poll: lcore 1 polled queue 0' /tmp/notph.out &&
		ok "pci=notph: runs the port without TPH and says so, exit 0" ||
		nok "pci=notph: runs the port without TPH and says so, exit 0 (exit $rc)"
	unbind
	rmmod tph_emu
	tap_done
fi

# ST table in the TPH capability: queue q uses entry q.  The kernel never
# touches that table on an MSI-X change, so stop and start keep the tags.
lifecycle dpdk-cap cap 16 N 0 1 "0=0x00a1 1=0x00a2 " "the capability's ST table keeps the tags"
grep -q 'EAL: .*IOMMU type 1 (Type 1)' /tmp/dpdk-cap.out &&
	ok "dpdk-cap: EAL used the group/container path with type1" ||
	nok "dpdk-cap: EAL used the group/container path with type1"

# ST table in the MSI-X table, allowed only with the parameter: queue q uses
# entry q + 1, its Rx interrupt vector, which the port's Rx interrupt mode
# makes EAL enable.  rte_eth_dev_stop() leaves MSI-X enabled, and the
# SET_IRQS of the next start only replaces the eventfds of enabled vectors,
# so MSI-X is not enabled anew and the table keeps the tags.
lifecycle dpdk-msix msix 5 Y 1 2 "1=0x00a1 2=0x00a2 " "MSI-X stayed enabled, so the MSI-X table keeps the tags"

# An lcore on CPU 3, for which firmware has no tag
emu loc=cap st_size=16
EAL="-l 0,1,3 -a $BDF --in-memory --no-telemetry -m 64 --log-level=lib.eal:info"
run_app cpu3 --map 0:1,1:3
rc=$?
[ $rc -eq 1 ] &&
	grep -q '^dpdk-tph: error: start: queue 1, lcore 3 (CPU 3): platform firmware has no steering tag' /tmp/cpu3.out &&
	ok "an lcore on CPU 3, which firmware has no tag for: one error naming queue, lcore and CPU, exit 1" ||
	nok "an lcore on CPU 3, which firmware has no tag for: one error naming queue, lcore and CPU, exit 1 (exit $rc)"
LOC=cap ENTRIES="0 1"
_got="ctrl=$(reg ctrl) $(entries)"
[ "$_got" = "ctrl=0x00000000 0=0x0000 1=0x0000 " ] &&
	ok "after the failed batch and the close: nothing programmed, TPH disabled" ||
	{ echo "#   $_got"; nok "after the failed batch and the close: nothing programmed, TPH disabled"; }
unbind
rmmod tph_emu
tap_done

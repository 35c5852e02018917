#!/bin/sh
# The example program (tools/vfio-tph) in the bench VM: its success path,
# with the device's registers checked while it holds TPH enabled, the config
# accesses of one SET_ST of a full ST table, and every error path a user can
# hit.  With intel_iommu=off on the command line, only the "no IOMMU group"
# case.  Runs as root; TAP on stdout.
. "$(dirname "$0")/lib.sh"

# ex WANT-RC PATTERN DESC ARGS...: run the example; it must exit with
# WANT-RC and, for a failure, print exactly one "vfio-tph: error:" line
# matching PATTERN on stderr (PATTERN is matched on all output for rc 0).
ex() {
	want=$1 pat=$2 desc=$3
	shift 3
	"$EX" "$@" >/tmp/ex.out 2>/tmp/ex.err
	rc=$?
	echo "# \$ vfio-tph $* -> exit $rc"
	cat /tmp/ex.out /tmp/ex.err | diag
	errs=$(grep -c '^vfio-tph: error: ' /tmp/ex.err)
	if [ "$want" -eq 0 ]; then
		[ "$rc" -eq 0 ] && [ "$errs" -eq 0 ] &&
			cat /tmp/ex.out /tmp/ex.err | grep -qE "$pat"
	else
		[ "$rc" -eq "$want" ] && [ "$errs" -eq 1 ] &&
			grep '^vfio-tph: error: ' /tmp/ex.err | grep -qE "$pat"
	fi && ok "$desc" || nok "$desc"
}

ktap_print_header
if [ ! -x "$EX" ]; then
	nok "vfio-tph binary present"
	tap_done
fi

if grep -q 'intel_iommu=off' /proc/cmdline; then
	insmod "$KO" loc=cap st_size=16
	ex 1 'no IOMMU group' "no IOMMU group: one-line error, exit 1" $BDF
	rmmod tph_emu
	tap_done
fi

echo 1 >/sys/module/iommufd/parameters/allow_unsafe_interrupts
echo N >$PARAM

# Without the bench _DSM (x86_64 nodsm, arm64 booted with a device tree),
# firmware gives no tags: the feature is there and TPH enables, but the
# example's SET_ST fails with one line that says why, and TPH is disabled
# again afterwards.
if ! firmware_tags; then
	insmod "$KO" loc=cap st_size=16 && bind_to vfio-pci
	ex 1 'firmware gives no steering tags at all' \
		"no firmware tags: enable works, SET_ST fails and says why, exit 1" -q 0:0 $BDF
	[ "$(reg ctrl)" = 0x00000000 ] && ok "no firmware tags: TPH disabled after the example" ||
		{ echo "#   TPH Control $(reg ctrl)"; nok "no firmware tags: TPH disabled after the example"; }
	unbind
	rmmod tph_emu
	tap_done
fi

# ---- usage errors: exit 2 ----
"$EX" --help >/tmp/ex.out 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q -- '--queues' /tmp/ex.out && ok "--help prints the usage, exit 0" ||
	{ diag </tmp/ex.out; nok "--help prints the usage, exit 0"; }
ex 2 'BDF|usage' "no BDF: exit 2"
ex 2 'BDF' "malformed BDF 01:00: exit 2" 01:00
ex 2 'BDF' "device number 0x20 is out of range: exit 2" 0000:01:20.0
ex 2 'BDF' "trailing garbage after the BDF: exit 2" 0000:01:00.0x
ex 2 'CPU|queue' "CPU list '0:x' does not parse: exit 2" -q 0:x $BDF
ex 2 'CPU|queue|range' "CPU range '3-1' is backwards: exit 2" -q 3-1 $BDF
ex 2 'CPU|queue' "empty CPU list: exit 2" -q '' $BDF
ex 2 'queue' "a queue named twice: exit 2" -q 0:0,0:1 $BDF
ex 2 'mode' "unknown mode: exit 2" -m xy $BDF

# ---- the device is not there or not ours: exit 1 ----
ex 1 'no PCI device' "no such device: exit 1" 0000:05:00.0
insmod "$KO" loc=cap st_size=16
unbind
ex 1 'not bound' "device bound to no driver: exit 1" $BDF
bind_to tph_emu
ex 1 'tph_emu.*not vfio-pci|not vfio-pci.*tph_emu' "device bound to another driver: exit 1" $BDF
bind_to vfio-pci || nok "bind $BDF to vfio-pci"

# ---- the success path, held open: registers while enabled ----
start_paused -m iv -q 0:0,1:1,2:2 $BDF
wait_pause enable && resume
if wait_pause program; then
	echo >$D/counters
	resume
	if wait_pause disable; then
		r=$(counter reads) w=$(counter writes)
		echo "# one SET_ST of 3 entries plus the example's read-back of 3 entries: $r reads, $w writes"
		[ "$(reg mode)" = 1 ] && [ "$(reg req_en)" = 1 ] &&
			ok "while held: TPH enabled in Interrupt Vector mode" ||
			nok "while held: TPH enabled in Interrupt Vector mode"
		[ "$(reg 'st[0]')" = 0x00a0 ] && [ "$(reg 'st[1]')" = 0x00a1 ] &&
			[ "$(reg 'st[2]')" = 0x00a2 ] &&
			ok "while held: ST entries 0-2 hold the firmware tags of CPUs 0-2" ||
			{ diag <$D/regs; nok "while held: ST entries 0-2 hold the firmware tags of CPUs 0-2"; }
		resume
	else
		nok "the example pauses before disabling"
	fi
else
	nok "the example pauses before programming"
fi
finish_paused
rc=$?
diag </tmp/ex.out
[ $rc -eq 0 ] && grep -q '0xa1' /tmp/ex.out &&
	ok "success path: exit 0, prints the programmed tags" ||
	nok "success path: exit 0, prints the programmed tags"
[ "$(reg req_en)" = 0 ] && ok "after the example: TPH disabled" ||
	nok "after the example: TPH disabled"

# The config accesses that reach the capability for one SET_ST of the whole
# 16-entry table, counted between the pauses before and after programming.
# Besides SET_ST, the example reads in that window the capability header
# once (its walk to the capability) and each ST entry once (its read-back):
# 17 reads that are not SET_ST's.  SET_ST itself reads the capability
# register six times (vfio's presence check, one tag lookup for each of
# the 3 distinct CPUs, vfio's snapshot under the locks, the core's) and TPH
# Control once, and writes Requester disable, 16 entries, Requester enable.
map=0:0
for q in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do map=$map,$q:$((q % 3)); done
start_paused -m iv -q $map $BDF
wait_pause enable && resume
if wait_pause program; then
	echo >$D/counters
	resume
	wait_pause disable
	r=$(counter reads) w=$(counter writes)
	resume
	echo "# SET_ST of a full 16-entry table: $w config writes, $((r - 17)) config reads (and 17 reads by the example)"
	[ "$w" = 18 ] && [ "$((r - 17))" = 7 ] &&
		ok "SET_ST of a full 16-entry table: 18 writes and 7 reads reach the capability" ||
		nok "SET_ST of a full 16-entry table: 18 writes and 7 reads reach the capability"
else
	nok "the example pauses before programming a full table"
fi
finish_paused >/dev/null

# ---- errors from the kernel, each with what to do ----
ex 1 'enable_unsafe_tph_ds_mode' "Device Specific mode refused by the policy: names the parameter" -m ds $BDF
taskset -c 0 "$EX" -q 0:1 $BDF >/tmp/ex.out 2>/tmp/ex.err
rc=$?
echo "# \$ taskset -c 0 vfio-tph -q 0:1 $BDF -> exit $rc"
diag </tmp/ex.err
[ $rc -eq 1 ] && grep -q '^vfio-tph: error: .*CPU 1' /tmp/ex.err &&
	ok "under taskset -c 0, CPU 1 is refused and named" ||
	nok "under taskset -c 0, CPU 1 is refused and named"
ex 1 'firmware' "CPU 3, which firmware has no tag for: says so" -q 0:3 $BDF
ex 1 'table|size|16' "queue 16 beyond the 16-entry ST table: exit 1" -q 16:0 $BDF
ex 0 'No ST|enabled' "No ST mode: enable and disable, exit 0" -m ns $BDF

emu loc=msix st_size=5
ex 1 'enable_unsafe_tph_ds_mode' "IV mode with the ST table in MSI-X refused by the policy" -m iv -q 0:0 $BDF
echo Y >$PARAM
ex 0 'MSI-X' "with the parameter: IV mode, ST table in MSI-X, vectors enabled, exit 0" -m iv -q 0:0,1:1 $BDF
ex 1 'MSI-X|vector' "queue 5 beyond the MSI-X vectors: exit 1" -m iv -q 5:0 $BDF
echo N >$PARAM

emu present=0
ex 1 'not usable|TPH' "no TPH capability: PROBE fails, explains why" $BDF

unbind
rmmod tph_emu
tap_done

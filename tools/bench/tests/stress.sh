#!/bin/sh
# The locking guard of the vfio-pci TPH features, run in the bench VM as
# root: tph-stress (tools/tph-stress) for 60 s on an emulated ST table in
# the TPH capability and on one in the MSI-X table, the latter with
# enable_unsafe_tph_ds_mode on, then tph-fuzz, 100000 random feature calls
# with a fixed seed, each checked against the documented errnos and a model
# of the state.  Their TAP is re-emitted as "ok N <device>: <test>".
# The bench's clean-log check covers KASAN, lockdep and kmemleak.
. "$(dirname "$0")/lib.sh"
STRESS=$(command -v tph-stress || echo /opt/bin/tph-stress)
FUZZ=$(command -v tph-fuzz || echo /opt/bin/tph-fuzz)
SECONDS_EACH=${TPH_STRESS_SECONDS:-60}
FUZZ_CALLS=${TPH_FUZZ_CALLS:-100000}
FUZZ_SEED=${TPH_FUZZ_SEED:-1}

# report NAME OUT: OUT's comments as comments, its results as ours
report() {
	grep -E '^#' "$2" | head -n 200
	relay "$1" "$2"
	[ "$RELAYED" -gt 0 ] || { emit "not ok" "$1: produced no results"; tail -n 20 "$2" | diag; }
}

# one NAME PARAM(Y/N) PROGRAM ARGS... on a fresh tph_emu with MODULE-PARAMS
# in $EMU
one() {
	name=$1 param=$2
	shift 2
	unbind
	rmmod tph_emu 2>/dev/null
	# shellcheck disable=SC2086
	emu_bound "$name" $EMU || return
	echo "$param" >"$PARAM"
	echo "# $name: tph_emu $EMU, enable_unsafe_tph_ds_mode=$param: $*"
	"$@" >/tmp/stress-$name.out 2>&1
	rc=$?
	report "$name" /tmp/stress-$name.out
	[ $rc -eq 0 ] || emit "not ok" "$name: exit status $rc"
	echo N >"$PARAM"
	unbind
	rmmod tph_emu || emit "not ok" "$name: rmmod tph_emu"
}

ktap_print_header
echo 1 >/sys/module/iommufd/parameters/allow_unsafe_interrupts
for b in "$STRESS" "$FUZZ"; do
	[ -x "$b" ] || { nok "$b present"; tap_done; }
done
FW=bench
firmware_tags || FW=none
EMU="loc=cap st_size=16"
one stress-cap N "$STRESS" --fw "$FW" --seconds "$SECONDS_EACH" "$BDF"
EMU="loc=msix st_size=5"
one stress-msix Y "$STRESS" --fw "$FW" --seconds "$SECONDS_EACH" "$BDF"
EMU="loc=cap st_size=16"
one fuzz-cap N "$FUZZ" --seed "$FUZZ_SEED" --calls "$FUZZ_CALLS" --fw "$FW" "$BDF"
tap_done

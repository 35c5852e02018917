#!/bin/sh
# Helpers shared by every set: TAP output through the kernel's
# tools/testing/selftests/kselftest/ktap_helpers.sh, which the bench copies
# next to this file from the tree under test, and the bench device.
# Sourced, not a set itself.
KO=${TPH_EMU_KO:-/lib/modules/tph_emu.ko}
EX=$(command -v vfio-tph || echo /opt/bin/vfio-tph)
BDF=0000:01:00.0
DEV=/sys/bus/pci/devices/$BDF
D=/sys/kernel/debug/tph_emu
PARAM=/sys/module/vfio_pci_core/parameters/enable_unsafe_tph_ds_mode

. "$(dirname "$0")/ktap_helpers.sh"
# ktap_helpers.sh echoes a description unquoted: no globbing of it
ok() { set -f; ktap_test_pass "$1"; set +f; }
nok() { set -f; ktap_test_fail "$1"; set +f; }
# skip DESC WHY
skip() { set -f; ktap_test_skip "$1 ($2)"; set +f; }
# emit RESULT TEXT: RESULT is "ok" or "not ok"
emit() { if [ "$1" = ok ]; then ok "$2"; else nok "$2"; fi; }
# check DESC COMMAND...: ok if COMMAND succeeds
check() { _what=$1; shift; if "$@"; then ok "$_what"; else nok "$_what"; fi; }
diag() { sed 's/^/#   /' "$@"; }
# firmware_tags: true where firmware resolves Steering Tags, the bench _DSM;
# false without it (x86_64 nodsm, arm64 booted with a device tree)
firmware_tags() { case "${BENCH_FIRMWARE:-dsm}" in nodsm|dt) return 1 ;; esac; }
# tap_done: the plan for the results so far, the totals, and the exit
# status of the set (0 if every result was ok or skipped)
tap_done() {
	ktap_set_plan $((KTAP_TESTNO - 1))
	ktap_finished
}

# use_device BDF: the device that the helpers below act on by default
use_device() {
	BDF=$1
	DEV=/sys/bus/pci/devices/$BDF
}

# The vfio selftests' setup.sh and cleanup.sh (tools/testing/selftests/vfio/
# scripts, copied from the tree under test) bind a device to vfio-pci and
# give it back, recording what they did under $VFIO_DEVICES.
VFIO_SCRIPTS=/tests/vfio
VFIO_DEVICES=${TMPDIR:-/tmp}/vfio-selftests-devices

# bind_to DRIVER [BDF]: bind BDF (default $BDF) to DRIVER; true if it took.
# The device's driver is unbound first, so that cleanup.sh has no driver of
# a previous test to bind again.
bind_to() {
	_b=${2:-$BDF}
	[ -e "/sys/bus/pci/devices/$_b/driver" ] &&
		echo "$_b" >"/sys/bus/pci/devices/$_b/driver/unbind"
	if [ "$1" = vfio-pci ]; then
		# What an earlier setup.sh recorded, if its device was unbound
		# behind cleanup.sh's back, would make setup.sh do nothing
		[ ! -d "$VFIO_DEVICES/$_b" ] || bash $VFIO_SCRIPTS/cleanup.sh "$_b" >/dev/null 2>&1
		bash $VFIO_SCRIPTS/setup.sh "$_b" >/tmp/setup.out 2>&1 || diag /tmp/setup.out
	else
		echo "$1" >"/sys/bus/pci/devices/$_b/driver_override"
		echo "$_b" >/sys/bus/pci/drivers_probe
	fi
	[ "$(basename "$(readlink "/sys/bus/pci/devices/$_b/driver")")" = "$1" ]
}

# unbind [BDF]: leave BDF (default $BDF) without a driver.  A dma-buf that
# the test importer still holds would keep a vfio-pci device busy, so the
# importer lets go of it first.
unbind() {
	_b=${1:-$BDF}
	[ -z "${IMPORTER_DIR:-}" ] || echo 1 >"$IMPORTER_DIR/release"
	[ ! -d "$VFIO_DEVICES/$_b" ] || bash $VFIO_SCRIPTS/cleanup.sh "$_b" >/dev/null 2>&1
	[ -e "/sys/bus/pci/devices/$_b/driver" ] &&
		echo "$_b" >"/sys/bus/pci/devices/$_b/driver/unbind"
	echo >"/sys/bus/pci/devices/$_b/driver_override"
}

# emu PARAMS...: a fresh tph_emu with PARAMS, the device bound to vfio-pci
emu() {
	unbind
	rmmod tph_emu 2>/dev/null
	insmod "$KO" "$@" && bind_to vfio-pci
}

# start_paused ARGS...: run "vfio-tph --pause ARGS" in the background, its
# output in /tmp/ex.out, its stdin a fifo held open on fd 4; each line
# written to fd 4 lets it go on past one pause
start_paused() {
	rm -f /tmp/ex.in /tmp/ex.out
	mkfifo /tmp/ex.in
	"$EX" --pause "$@" </tmp/ex.in >/tmp/ex.out 2>&1 &
	EXPID=$!
	exec 4>/tmp/ex.in
}

# wait_pause STEP: wait until the example is paused before STEP (60 s)
wait_pause() {
	_i=0
	until grep -q "paused before $1" /tmp/ex.out; do
		_i=$((_i + 1))
		if [ $_i -gt 600 ] || ! kill -0 "$EXPID" 2>/dev/null; then
			diag </tmp/ex.out
			return 1
		fi
		sleep 0.1
	done
}

resume() { echo >&4; }

# finish_paused: close the fifo, wait for the example; its exit status
finish_paused() {
	exec 4>&-
	wait "$EXPID"
}

# tph_block [FILE]: the TPH Requester capability in one device's "lspci
# -vvv" output (FILE, or stdin): its header line and the lines under it
tph_block() {
	awk '/^\tCapabilities: \[/ { p = /Transaction Processing Hints/ }
	     !/^\t\t/ && !/^\tCapabilities: \[/ { p = 0 }
	     p' "$@"
}

# tph_completer [FILE]: the TPH Completer bits of a Root Port's DevCap2 in
# its "lspci -vvv" output (FILE, or stdin), as "TPHComp+ ExtTPHComp+"
tph_completer() {
	grep -A4 'DevCap2:' "$@" | grep -oE '(Ext)?TPHComp[+-]' | tr '\n' ' ' | sed 's/ $//'
}

reg() { awk -v k="$1" '$1 == k { print $2 }' $D/regs; }
counter() { awk -v k="$1" '$1 == k { print $2 }' $D/counters; }

# relay NAME FILE: the TAP results in FILE as ours, "ok N NAME: test";
# sets RELAYED to how many there were
relay() {
	RELAYED=0
	while IFS= read -r _line; do
		case "$_line" in
		"ok "*|"not ok "*)
			RELAYED=$((RELAYED + 1))
			_res=${_line%% [0-9]*}
			_rest=${_line#"$_res" }
			_rest=${_rest#* }
			_rest=${_rest#- }
			emit "$_res" "$1: $_rest"
			;;
		esac
	done <"$2"
}

# emu_bound NAME MODULE-PARAMS...: a fresh tph_emu with MODULE-PARAMS and
# the device bound to vfio-pci; if that fails, a failed result for NAME
emu_bound() {
	_name=$1
	shift
	if ! insmod "$KO" "$@" || ! bind_to vfio-pci; then
		emit "not ok" "$_name: insmod tph_emu $* and bind to vfio-pci"
		unbind
		rmmod tph_emu 2>/dev/null
		return 1
	fi
}

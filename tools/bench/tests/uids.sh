#!/bin/sh
# The processor UIDs the kernel took from firmware, per CPU: with ACPI
# (arm64 firmware dsm, the upgraded MADT, PPTT and DSDT) CPU N must have UID
# 0x10 + N, so that the tag tests elsewhere would fail if the kernel passed
# CPU numbers to the _DSM; with a device tree (firmware dt) no CPU has a
# firmware node.  Runs in the arm64 bench; TAP on stdout.
. "$(dirname "$0")/lib.sh"

ktap_print_header
dt=
[ "${BENCH_FIRMWARE:-dsm}" = dt ] && dt=1
for c in /sys/devices/system/cpu/cpu[0-9]*; do
	cpu=${c##*/cpu}
	node=$c/firmware_node
	if [ -n "$dt" ]; then
		[ ! -e "$node" ] && ok "CPU $cpu: no ACPI firmware node (device tree)" ||
			nok "CPU $cpu: no ACPI firmware node (device tree)"
		continue
	fi
	uid=$(cat "$node/uid" 2>/dev/null)
	echo "# CPU $cpu: $(cat "$node/hid" 2>/dev/null) UID ${uid:-none}"
	[ "$uid" = $((16 + cpu)) ] && ok "CPU $cpu: processor UID $((16 + cpu)) (0x1$cpu), not $cpu" ||
		nok "CPU $cpu: processor UID $((16 + cpu)) (0x1$cpu), not $cpu"
done
tap_done

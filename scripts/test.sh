#!/usr/bin/env bash
# The test command: the static gate on patches/, then the VM bench on every
# variant.  Ends with "N passed, N failed" summed over all of them.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

{
t0=$(date +%s)
passed=0 failed=0 skipped=0
step() { msg "[$(($(date +%s) - t0))s] $*"; }
# bench NAME ARGS...: one boot of scripts/bench.sh, its result tallied
bench() {
	local name=$1; shift
	step "bench: $name"
	"$ROOT/scripts/bench.sh" "$@" 2>&1 | tee "$LOGS/test-bench-$name.log"
	tally "$LOGS/test-bench-$name.log"
}

LOGS=$CACHE/logs
mkdir -p "$LOGS"

step "static gate"
"$ROOT/scripts/check.sh" 2>&1 | tee "$LOGS/test-gate.log"
tally "$LOGS/test-gate.log"

step "bench binaries: tph_emu.ko and vfio_pci_tph_test"
BIN=$CACHE/bench/bin
if "$ROOT/scripts/bench-build.sh" "$BIN" >"$LOGS/bench-build.log" 2>&1; then
	passed=$((passed + 1)); echo "ok - bench binaries build"
	bench dsm --bin "$BIN" --variant dsm --timeout 2400 lspci core vfio example stress
	bench nodsm --bin "$BIN" --variant nodsm --timeout 900 core vfio example
	bench notph --bin "$BIN" --variant dsm --name notph-vfio+dpdk --timeout 600 --cmdline pci=notph vfio dpdk
	# DPDK through EAL and the group/container path (tools/dpdk)
	bench dpdk --bin "$BIN" --variant dsm --name dsm-dpdk --timeout 900 dpdk
	bench noiommu --bin "$BIN" --variant dsm --name noiommu-example --timeout 600 --cmdline intel_iommu=off example
else
	failed=$((failed + 1)); echo "not ok - bench binaries build (see $LOGS/bench-build.log)"
	tail -n 20 "$LOGS/bench-build.log" | sed 's/^/#   /'
fi

# arm64: the same series on qemu-system-aarch64 (virt, SMMUv3, GICv3 ITS),
# once with UEFI and ACPI, once with a device tree.  See README, "arm64".
step "arm64: bench kernel, binaries, ACPI and device-tree boots"
"$ROOT/scripts/test-arm64.sh" --applied 2>&1 | tee "$LOGS/test-arm64.log"
tally "$LOGS/test-arm64.log"

step "done in $(($(date +%s) - t0)) s"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
exit
}

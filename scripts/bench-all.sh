#!/usr/bin/env bash
# bench-all.sh [--applied]: the VM bench of "make test" without the static
# gate: every x86_64 boot (scripts/bench.sh), then the arm64 part
# (scripts/test-arm64.sh).  Applies patches/ to a clean base in the gate's
# checkout and builds the x86_64 bench kernel first, unless --applied (the
# checkout has them and the gate built the kernel, as in "make test").
# Ends with "bench-all: N passed, N failed[, N skipped]".
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
if [ "${1:-}" != --applied ]; then
	apply_series || exit 1
	step "x86_64 bench kernel"
	if ! build_kernel >"$LOGS/build-x86_64.log" 2>&1; then
		failed=$((failed + 1)); echo "not ok - x86_64 bench kernel builds (see $LOGS/build-x86_64.log)"
		tail -n 20 "$LOGS/build-x86_64.log" | sed 's/^/#   /'
	fi
fi

step "bench binaries: tph_emu.ko and vfio_pci_tph_test"
BIN=$CACHE/bench/bin
if [ "$failed" -eq 0 ] && "$ROOT/scripts/bench-build.sh" "$BIN" >"$LOGS/bench-build.log" 2>&1; then
	passed=$((passed + 1)); echo "ok - bench binaries build"
	bench dsm --bin "$BIN" --firmware dsm --timeout 2400 kunit lspci core vfio example stress
	bench nodsm --bin "$BIN" --firmware nodsm --timeout 900 core vfio example
	bench notph --bin "$BIN" --firmware dsm --name notph-vfio+dpdk --timeout 600 --cmdline pci=notph vfio dpdk
	# DPDK through EAL and the group/container path (tools/dpdk)
	bench dpdk --bin "$BIN" --firmware dsm --name dsm-dpdk --timeout 900 dpdk
	bench noiommu --bin "$BIN" --firmware dsm --name noiommu-example --timeout 600 --cmdline intel_iommu=off example
else
	failed=$((failed + 1)); echo "not ok - bench binaries build (see $LOGS/bench-build.log)"
	tail -n 20 "$LOGS/bench-build.log" | sed 's/^/#   /'
fi

# arm64: the same series on qemu-system-aarch64 (virt, SMMUv3, GICv3 ITS),
# once with UEFI and ACPI, once with a device tree.  See README, "arm64".
step "arm64: bench kernel, binaries, ACPI and device-tree boots"
"$ROOT/scripts/test-arm64.sh" --applied 2>&1 | tee "$LOGS/test-arm64.log"
tally "$LOGS/test-arm64.log"

step "bench done in $(($(date +%s) - t0)) s"
summary bench-all
exit
}

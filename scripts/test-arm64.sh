#!/usr/bin/env bash
# test-arm64.sh [--applied]: the arm64 part of "make test" alone.  Applies
# patches/ to a clean base in the gate's checkout (unless --applied: the
# checkout already has them, as after the gate), builds the arm64 bench
# kernel and the cross-built bench programs, and boots them twice on
# qemu-system-aarch64: UEFI and ACPI with the bench _DSM (firmware dsm), and
# a device tree (firmware dt).  Ends with "arm64: N passed, N failed[, N
# skipped]" summed over the build and both boots.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" != --applied ]; then
	apply_series || exit 1
fi

LOGS=$CACHE/logs
BIN64=$CACHE/bench/arm64/bin
mkdir -p "$LOGS"
passed=0 failed=0 skipped=0
msg "building the arm64 bench kernel in $BUILD/arm64-bench (about 4 min when cold)"
if (build_kernel arm64 && "$ROOT/scripts/bench-build.sh" --arch arm64 "$BIN64") \
	>"$LOGS/bench-build-arm64.log" 2>&1; then
	passed=$((passed + 1)); echo "ok - arm64 bench kernel and binaries build"
	# The main emulated devices: ST table in the capability, in the MSI-X
	# table, and 16-bit tags with an Extended TPH Completer
	"$ROOT/scripts/bench.sh" --arch arm64 --bin "$BIN64" --firmware dsm --timeout 1200 \
		--cmdline bench.vfio=cap16,msix,cap64-ext kunit uids vfio example 2>&1 |
		tee "$LOGS/test-bench-arm64-dsm.log"
	tally "$LOGS/test-bench-arm64-dsm.log"
	"$ROOT/scripts/bench.sh" --arch arm64 --bin "$BIN64" --firmware dt --timeout 600 \
		uids vfio example 2>&1 | tee "$LOGS/test-bench-arm64-dt.log"
	tally "$LOGS/test-bench-arm64-dt.log"
else
	failed=$((failed + 1))
	echo "not ok - arm64 bench kernel and binaries build (see $LOGS/bench-build-arm64.log)"
	tail -n 20 "$LOGS/bench-build-arm64.log" | sed 's/^/#   /'
fi

summary arm64

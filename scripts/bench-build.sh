#!/usr/bin/env bash
# bench-build.sh DIR: build what the bench VM runs besides the kernel, from
# the gate's checkout of the series: the tph_emu module (in tools/tph-emu),
# and into DIR the static vfio_pci_tph_test kselftest, the static example
# program vfio-tph (tools/vfio-tph) and the stress and fuzz programs
# (tools/tph-stress), all against the series' uAPI headers.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=${1:?usage: bench-build.sh DIR}
obj=$BUILD/x86_64
[ -f "$obj/Module.symvers" ] || die "no kernel build in $obj; run 'make build'"
mkdir -p "$out" "$CACHE/bench/kselftest"

make -s -C "$ROOT/tools/tph-emu" KDIR="$obj"
make -s -C "$GATE" O="$obj" headers >/dev/null
make -s -C "$GATE/tools/testing/selftests/vfio" OUTPUT="$CACHE/bench/kselftest" \
	KHDR_INCLUDES="-isystem $obj/usr/include" EXTRA_CFLAGS=-static \
	"$CACHE/bench/kselftest/vfio_pci_tph_test"
cp "$CACHE/bench/kselftest/vfio_pci_tph_test" "$out/"
make -s -C "$ROOT/tools/vfio-tph" KHDR="$obj/usr/include" EXTRA_CFLAGS=-static \
	OUTPUT="$out"
make -s -C "$ROOT/tools/tph-stress" KHDR="$obj/usr/include" EXTRA_CFLAGS=-static \
	OUTPUT="$out"
ls -l "$ROOT/tools/tph-emu/tph_emu.ko" "$out/vfio_pci_tph_test" "$out/vfio-tph" \
	"$out/tph-stress" "$out/tph-fuzz"

#!/usr/bin/env bash
# bench-build.sh [--arch arm64] DIR: build what the bench VM runs besides the
# kernel, from the gate's checkout of the series: the tph_emu module and its
# companions (tools/tph-emu), and into DIR the static vfio_pci_tph_test
# kselftest, the static example program vfio-tph (tools/vfio-tph) and the
# stress, fuzz and all-ones programs (tools/tph-stress), all against the
# series' uAPI headers, and for x86_64 the static DPDK consumer dpdk-tph
# (tools/dpdk), against the system's.  For x86_64 the modules are built in
# tools/tph-emu; for arm64, cross-compiled, in a copy of it at
# $CACHE/bench/arm64/tph-emu.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

arch=x86_64
if [ "${1:-}" = --arch ]; then
	arch=${2:?}
	shift 2
fi
out=${1:?usage: bench-build.sh [--arch arm64] DIR}
case "$arch" in
x86_64)
	obj=$BUILD/x86_64-bench emu=$ROOT/tools/tph-emu ks=$CACHE/bench/kselftest
	kmake=() cc=gcc ksflags=-static ;;
arm64)
	obj=$BUILD/arm64-bench emu=$CACHE/bench/arm64/tph-emu ks=$CACHE/bench/arm64/kselftest
	kmake=(ARCH=arm64 CROSS_COMPILE="$ARM64_CROSS") cc=${ARM64_CROSS}gcc
	# The kselftest links libuuid, which the cross toolchain lacks
	ksflags="-static -L$(arm64_pkg uuid-dev)/usr/lib/aarch64-linux-gnu"
	mkdir -p "$emu"
	cp "$ROOT"/tools/tph-emu/{Kbuild,Makefile,*.c,*.h} "$emu/" ;;
*) die "--arch must be x86_64 or arm64" ;;
esac
[ -f "$obj/Module.symvers" ] || die "no $arch kernel build in $obj; run 'make build'"
mkdir -p "$out" "$ks"

make -s -C "$emu" KDIR="$obj" "${kmake[@]}"
make -s -C "$GATE" O="$obj" "${kmake[@]}" headers >/dev/null
make -s -C "$GATE/tools/testing/selftests/vfio" OUTPUT="$ks" "${kmake[@]}" \
	KHDR_INCLUDES="-isystem $obj/usr/include" EXTRA_CFLAGS="$ksflags" \
	"$ks/vfio_pci_tph_test"
cp "$ks/vfio_pci_tph_test" "$out/"
make -s -C "$ROOT/tools/vfio-tph" CC="$cc" KHDR="$obj/usr/include" \
	EXTRA_CFLAGS=-static OUTPUT="$out"
make -s -C "$ROOT/tools/tph-stress" CC="$cc" KHDR="$obj/usr/include" \
	EXTRA_CFLAGS=-static OUTPUT="$out"
# The DPDK consumer, against bookworm's DPDK 22.11 (x86_64 only: that is
# the libdpdk-dev installed)
dpdk=()
if [ "$arch" = x86_64 ]; then
	make -s -C "$ROOT/tools/dpdk" OUTPUT="$out" 2>&1 |
		grep -v -e 'statically linked applications requires at runtime' -e ': in function ' >&2 || true
	[ -x "$out/dpdk-tph" ] || die "dpdk-tph did not build"
	dpdk=("$out/dpdk-tph")
fi
ls -l "$emu/tph_emu.ko" "$out/vfio_pci_tph_test" "$out/vfio-tph" \
	"$out/tph-stress" "$out/tph-fuzz" "$out/tph-unresponsive" "${dpdk[@]}"

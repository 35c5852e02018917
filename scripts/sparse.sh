#!/usr/bin/env bash
# Print the path of a sparse that Linux 7.3 accepts.  Bookworm's sparse 0.6.4
# lacks __typeof_unqual__, so the kernel turns C=1 off with a warning.  Build
# Debian sid's sparse from its source package (fetched with a private apt
# configuration, verified by apt) into the cache, once.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tree=${1:?usage: sparse.sh KERNEL_TREE}
valid() { [ "$("$tree/scripts/checker-valid.sh" "$1" -m64 2>/dev/null)" = 1 ]; }

for s in "$CACHE/tools/sparse/sparse" "$(command -v sparse || true)"; do
	[ -n "$s" ] && [ -x "$s" ] && valid "$s" && { echo "$s"; exit 0; }
done

msg "building sparse from Debian sid's source package (bookworm's is too old)"
papt_init sparse "deb-src $MIRROR sid main"
work=$CACHE/tools/sparse-src
rm -rf "$work"
mkdir -p "$work"
(cd "$work" && apt-get "${PAPT[@]}" source -qq --download-only sparse) >&2
tar -C "$work" -xf "$work"/sparse_*.orig.tar.*
src=$(find "$work" -maxdepth 1 -mindepth 1 -type d -name 'sparse-*' | head -n1)
make -s -C "$src" -j"$(nproc)" sparse HAVE_LLVM=no HAVE_GTK=no HAVE_LIBXML=no >/dev/null 2>&1
mkdir -p "$CACHE/tools/sparse"
cp "$src/sparse" "$CACHE/tools/sparse/sparse"
valid "$CACHE/tools/sparse/sparse" || die "the sparse built from sid is not accepted by the kernel either"
echo "$CACHE/tools/sparse/sparse"

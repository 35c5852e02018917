#!/usr/bin/env bash
# Fetch the base tree: the newest Debian linux-source-7.3 (trixie-backports),
# downloaded with a private apt configuration and unpacked into the cache.
# Reuses an unpacked tree.  Prints the tree's path on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

pkg=linux-source-7.3
suite=trixie-backports

existing=$(ls -d "$CACHE"/src/linux-source-7.3.*/ 2>/dev/null | sort -V | tail -n1 || true)
if [ -n "$existing" ] && [ -f "$existing/.unpacked" ] && [ "${REFRESH:-0}" != 1 ]; then
	echo "${existing%/}"
	exit 0
fi

msg "looking up $pkg in $suite (private apt configuration in $CACHE/apt)"
papt_init base "deb $MIRROR $suite main"
ver=$(apt-cache "${PAPT[@]}" show "$pkg" 2>/dev/null |
	sed -n 's/^Version: //p' | sort -V | tail -n1 || true)
if [ -z "$ver" ]; then
	cat >&2 <<MSG
error: the Debian archive no longer offers $pkg in $suite, so the default
       base cannot be fetched.  Use your own kernel tree instead:
           make KSRC=/path/to/linux test
MSG
	exit 1
fi

msg "downloading $pkg $ver (about 170 MB)"
(cd "$CACHE/apt/base/archives" && apt-get "${PAPT[@]}" download -qq "$pkg=$ver") >&2
deb=$(ls "$CACHE"/apt/base/archives/${pkg}_*_all.deb 2>/dev/null | sort -V | tail -n1)
[ -n "$deb" ] || die "downloading $pkg $ver failed"

upstream=${ver%%-*}
dest=$CACHE/src/linux-source-$upstream
tmp=$CACHE/src/.tmp
msg "unpacking into $dest"
rm -rf "$dest" "$tmp"
mkdir -p "$tmp"
dpkg-deb -x "$deb" "$tmp"
tar -C "$tmp" -xf "$tmp"/usr/src/linux-source-*.tar.xz
mv "$tmp/linux-source-7.3" "$dest"
rm -rf "$tmp"
echo "$pkg $ver" >"$dest/.debian-version"
touch "$dest/.unpacked"
echo "$dest"

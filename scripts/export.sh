#!/usr/bin/env bash
# Export the work tree's series back into patches/.  Deterministic: exporting
# an unchanged series changes no byte.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -d "$TREE" ] || die "no work tree at $TREE; run 'make tree' first"
repo=$(base_repo)
base=$(base_ref)
n=$(git -C "$TREE" rev-list --count "$base..HEAD")
[ "$n" -gt 0 ] || die "the work tree has no commits on top of the base"
[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] ||
	die "the work tree has uncommitted changes; commit them first"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The index lines' abbreviated blob names have a fixed length: git's default
# grows with the number of objects in the repository, which differs between
# a fresh base import and one that has seen many rebases.
git -C "$TREE" -c core.abbrev=12 format-patch -q --zero-commit --no-signature --no-base \
	--cover-letter --cover-from-description=subject \
	--subject-prefix=PATCH -o "$tmp" "$base..HEAD"

# The cover letter's date is the newest patch's date, not the export time.
last=$(ls "$tmp"/*.patch | sort | tail -n1)
date=$(sed -n 's/^Date: //p' "$last" | head -n1)
cover=$(ls "$tmp"/0000-*.patch)
ver=$(base_version "$repo")
awk -v date="$date" -v ver="$ver" '
	/^Date: / && !d { print "Date: " date; d = 1; next }
	{ print }
	END { print "base-version: " ver }
' "$cover" >"$tmp/cover" && mv "$tmp/cover" "$cover"

out=${OUT:-$PATCHES}
mkdir -p "$out"
rm -f "$out"/[0-9][0-9][0-9][0-9]-*.patch
cp "$tmp"/*.patch "$out/"
msg "exported $n patches and the cover letter to $out"

#!/usr/bin/env bash
# Export the work tree's series back into patches/: branch $BRANCH/N-NAME
# becomes patches/N-NAME/, with its cover letter from the branch description.
# Deterministic: exporting an unchanged series changes no byte.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ -d "$TREE" ] || die "no work tree at $TREE; run 'make tree' first"
repo=$(base_repo)
base=$(base_ref)
[ -z "$(git -C "$TREE" status --porcelain --untracked-files=no)" ] ||
	die "the work tree has uncommitted changes; commit them first"
mapfile -t branches < <(git -C "$TREE" for-each-ref --format='%(refname:short)' \
	"refs/heads/$BRANCH/" | sort)
[ ${#branches[@]} -gt 0 ] || die "the work tree has no branches $BRANCH/N-NAME"
[ "$(git -C "$TREE" rev-parse HEAD)" = "$(git -C "$TREE" rev-parse "${branches[-1]}")" ] ||
	die "HEAD is not ${branches[-1]}, the last series; check it out (and rebase with --update-refs)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# addresses OPTION...: get_maintainer.pl's addresses for the patches in
# $tmp/p, one per line.  --no-git: the Debian base has no history.
addresses() {
	(cd "$TREE" && ./scripts/get_maintainer.pl --no-git --no-git-fallback \
		--no-rolestats "$@" "$tmp"/p/*.patch 2>/dev/null)
}

ver=$(base_version "$repo")
out=${OUT:-$PATCHES}
prev=$base
total=0
for b in "${branches[@]}"; do
	name=${b#"$BRANCH"/}
	git -C "$TREE" merge-base --is-ancestor "$prev" "$b" ||
		die "$b does not build on $prev; rebase with --update-refs"
	n=$(git -C "$TREE" rev-list --count "$prev..$b")
	[ "$n" -gt 0 ] || die "$b has no commits of its own"
	prefix=$(git -C "$TREE" config "branch.$b.subjectPrefix" || echo PATCH)

	# The index lines' abbreviated blob names have a fixed length: git's
	# default grows with the number of objects in the repository, which
	# differs between a fresh base import and one that has seen many rebases.
	fp=(-c core.abbrev=12 format-patch -q --zero-commit --no-signature
		--cover-letter --cover-from-description=subject --base="$base"
		--subject-prefix="$prefix" "$prev..$b")

	# To: the maintainers of what the series touches; Cc: reviewers and lists
	rm -rf "$tmp/p"
	git -C "$TREE" "${fp[@]}" -o "$tmp/p"
	rm "$tmp"/p/0000-*.patch
	mapfile -t to < <(addresses --no-l --no-r)
	mapfile -t cc < <(addresses --no-m)
	git -C "$TREE" "${fp[@]}" "${to[@]/#/--to=}" "${cc[@]/#/--cc=}" -o "$tmp/$name"

	# The cover letter's date is the newest patch's date, not the export
	# time.  The Debian base has no upstream commit: its base-commit line
	# would name a local hash, so it gives way to a description of the base.
	last=$(ls "$tmp/$name"/*.patch | sort | tail -n1)
	date=$(sed -n 's/^Date: //p' "$last" | head -n1)
	cover=$(ls "$tmp/$name"/0000-*.patch)
	awk -v date="$date" -v ver="$ver" -v debian="${KSRC:+no}" '
		/^Date: / && !d { print "Date: " date; d = 1; next }
		/^base-commit: / && debian != "no" { next }
		{ print }
		END {
			print "base-version: " ver
			if (debian != "no")
				print "(no base commit named: Debian'"'"'s linux-source has no upstream commit)"
		}
	' "$cover" >"$tmp/cover" && mv "$tmp/cover" "$cover"

	rm -rf "${out:?}/$name"
	mkdir -p "$out/$name"
	cp "$tmp/$name"/*.patch "$out/$name/"
	msg "exported $b: $n patches and the cover letter to $out/$name"
	total=$((total + n))
	prev=$b
done
# Series that the work tree no longer has
for d in "$out"/[0-9]-*/; do
	[ -d "$d" ] || continue
	git -C "$TREE" rev-parse -q --verify "refs/heads/$BRANCH/$(basename "$d")" >/dev/null ||
		{ rm -rf "$d"; msg "removed $d, a series the work tree does not have"; }
done
msg "exported ${#branches[@]} series, $total patches"

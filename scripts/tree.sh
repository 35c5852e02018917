#!/usr/bin/env bash
# Create the editable work tree: a git worktree of the base repository with
# each series of patches/ applied as commits on its own branch,
# $BRANCH/N-NAME, stacked in order; the work tree has the last one checked
# out.  rebase.updateRefs is on, so that a "git rebase -i" of the last
# branch moves the branches below it too.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

repo=$(base_repo)
base=$(base_ref)

if [ -e "$TREE" ]; then
	die "$TREE already exists; remove it (git -C $repo worktree remove --force $TREE) or set TREE="
fi
mapfile -t dirs < <(series_dirs)
[ ${#dirs[@]} -gt 0 ] || die "no series in $PATCHES"

msg "creating work tree $TREE at $base"
git -C "$repo" worktree prune
git -C "$repo" worktree add -q --detach "$TREE" "$base"
git -C "$TREE" config user.name "$IDENT_NAME"
git -C "$TREE" config user.email "$IDENT_EMAIL"
git -C "$TREE" config rebase.updateRefs true

for d in "${dirs[@]}"; do
	b=$BRANCH/$(basename "$d")
	mapfile -t series < <(series_patches "$d")
	msg "$b: applying ${#series[@]} patches"
	[ ${#series[@]} -eq 0 ] ||
		git -C "$TREE" am -q -3 --committer-date-is-author-date "${series[@]}"
	git -C "$TREE" branch -f "$b" HEAD

	# The cover letter's subject and text live in the branch description,
	# and the subject prefix ("PATCH", "RFC PATCH") in branch.B.subjectPrefix;
	# export.sh turns both back into the series' 0000-cover-letter.patch.
	cover=$d/0000-cover-letter.patch
	[ -f "$cover" ] || continue
	prefix=$(sed -n 's/^Subject: \[\(.*\) 0*\/[0-9]*\] .*/\1/p' "$cover")
	git -C "$TREE" config "branch.$b.subjectPrefix" "${prefix:-PATCH}"
	awk '
		/^Subject: / && !subj { sub(/^Subject: \[[^]]*\] /, ""); line = $0; subj = 1; next }
		subj == 1 && /^ / { line = line $0; next }
		subj == 1 { print line; print ""; subj = 2 }
		subj == 2 && !body { body = /^$/; next }
		/^[^ ].* \([0-9]+\):$/ { exit }
		body { print }
	' "$cover" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$CACHE/.desc.$$"
	git -C "$TREE" config "branch.$b.description" "$(cat "$CACHE/.desc.$$")"
	rm -f "$CACHE/.desc.$$"
done
git -C "$TREE" checkout -q "$b"
msg "done: edit in $TREE, commit, then 'make export'"

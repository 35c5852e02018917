#!/usr/bin/env bash
# Create the editable work tree: a git worktree of the base repository at the
# base, with the series applied as commits on branch tph-series.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

repo=$(base_repo)
base=$(base_ref)

if [ -e "$TREE" ]; then
	die "$TREE already exists; remove it (git -C $repo worktree remove --force $TREE) or set TREE="
fi

msg "creating work tree $TREE at $base"
git -C "$repo" worktree prune
git -C "$repo" branch -f "$BRANCH" "$base"
git -C "$repo" worktree add -q "$TREE" "$BRANCH"
git -C "$TREE" config user.name "$IDENT_NAME"
git -C "$TREE" config user.email "$IDENT_EMAIL"

mapfile -t series < <(series_patches)
if [ ${#series[@]} -gt 0 ]; then
	msg "applying ${#series[@]} patches"
	git -C "$TREE" am -q -3 --committer-date-is-author-date "${series[@]}"
fi

# The cover letter's subject and text live in the branch description, which
# export.sh turns back into patches/0000-cover-letter.patch.
cover=$PATCHES/0000-cover-letter.patch
if [ -f "$cover" ]; then
	awk '
		/^Subject: / && !subj { sub(/^Subject: \[[^]]*\] /, ""); line = $0; subj = 1; next }
		subj == 1 && /^ / { line = line $0; next }
		subj == 1 { print line; print ""; subj = 2; next }
		/^[^ ].* \([0-9]+\):$/ { exit }
		subj == 2 { print }
	' "$cover" | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"$CACHE/.desc.$$"
	git -C "$TREE" config "branch.$BRANCH.description" "$(cat "$CACHE/.desc.$$")"
	rm -f "$CACHE/.desc.$$"
fi
msg "done: edit in $TREE, commit, then 'make export'"

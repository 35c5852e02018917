#!/usr/bin/env bash
# The main job: fetch the base, apply patches/, build the bench kernel and
# what runs in the VM, then boot it and show the series at work.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

t0=$(date +%s)
repo=$(base_repo)
msg "base: $(base_version "$repo")"
"$ROOT/scripts/build.sh"
msg "the series, applied:"
git -C "$GATE" log --oneline "$(base_ref)..HEAD" | sed 's/^/   /' >&2
"$ROOT/scripts/bench-build.sh" "$CACHE/bench/bin" >/dev/null
msg "booting the bench VM (about a minute to boot with the debug kernel)"
"$ROOT/scripts/bench.sh" --bin "$CACHE/bench/bin" --firmware dsm demo |
	sed -n 's/^dsm: //p; /^bench:/p'
msg "what the demo printed in the VM:"
tr -d '\r' <"$CACHE/logs/bench/dsm-demo.tap" | sed '/^=== bench:/d'
msg "done in $(($(date +%s) - t0)) s"

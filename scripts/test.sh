#!/usr/bin/env bash
# The test command: the static gate on patches/, then the VM bench on every
# boot.  Ends with "N passed, N failed" summed over all of them.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

{
t0=$(date +%s)
passed=0 failed=0 skipped=0
step() { msg "[$(($(date +%s) - t0))s] $*"; }

LOGS=$CACHE/logs
mkdir -p "$LOGS"

step "static gate"
"$ROOT/scripts/gate.sh" 2>&1 | tee "$LOGS/test-gate.log"
tally "$LOGS/test-gate.log"

# The VM bench: every x86_64 boot, then arm64 (also "make bench" alone)
step "VM bench"
"$ROOT/scripts/bench-all.sh" --applied 2>&1 | tee "$LOGS/test-bench-all.log"
tally "$LOGS/test-bench-all.log"

step "done in $(($(date +%s) - t0)) s"
summary
exit
}

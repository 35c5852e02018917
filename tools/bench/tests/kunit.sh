#!/bin/sh
# The series' KUnit suite (pci_tph, CONFIG_PCIE_TPH_KUNIT_TEST), which ran
# at boot: each of its results from KUnit's debugfs as one of ours, and the
# suite's own verdict.  TAP on stdout.
. "$(dirname "$0")/lib.sh"

ktap_print_header
R=/sys/kernel/debug/kunit/pci_tph/results
if [ ! -r $R ]; then
	nok "KUnit suite pci_tph ran at boot ($R)"
	tap_done
fi
echo "# $R:"
diag $R
# A result of a test case or of one of its parameters, at any depth below
# the suite: an indented "ok N DESC" or "not ok N DESC".  Shell builtins
# only, since every program started in this guest costs time.
n=0
while IFS= read -r line; do
	t=${line#"${line%%[! ]*}"}
	[ "$t" != "$line" ] || continue
	case "$t" in
	"ok "*) verdict=ok ;;
	"not ok "*) verdict=nok t=${t#not } ;;
	*) continue ;;
	esac
	t=${t#ok }
	what="pci_tph: ${t#* }"
	n=$((n + 1))
	case "$what" in
	*" # SKIP"*) skip "${what%% # SKIP*}" "skipped by KUnit" ;;
	*) if [ $verdict = ok ]; then ok "$what"; else nok "$what"; fi ;;
	esac
done <$R
[ $n -gt 0 ] && ok "pci_tph: $n results" || nok "pci_tph: no results in $R"
grep -qE '^(not ok|# .*fail:[1-9])' $R && nok "pci_tph: the suite passes" ||
	ok "pci_tph: the suite passes"
tap_done

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# TAP test, run in the bench guest as root (busybox sh): the PCI core's TPH
# functions on the TPH Requester capability that tph_emu.ko emulates on the
# e1000e at 01:00.0, and the capability itself as lspci and setpci see it.
#
# Each case loads tph_emu.ko with other parameters and unloads it again.
# The module's debugfs files (/sys/kernel/debug/tph_emu/) show its registers
# ("regs"), count the config accesses that hit the capability ("counters")
# and run pcie_enable_tph(), pcie_tph_get_cpu_st() with
# pcie_tph_set_st_entry() or pcie_tph_set_st_entries(), pcie_disable_tph()
# and pcie_tph_get_info() on the device ("core_test").
#
# The SSDT of the bench (tools/bench/tph-dsm.asl) gives CPU u the tags
# 0xA0+u, 0xA100+u (volatile) and 0xB0+u, 0xB100+u (persistent), and no
# valid tag at all to CPU 3.  In variant nodsm (BENCH_VARIANT=nodsm) there is
# no _DSM, so pcie_tph_get_cpu_st() fails and nothing may be programmed.
#
# Environment: TPH_EMU_KO (default /lib/modules/tph_emu.ko), TPH_EMU_BDF
# (default 0000:01:00.0), BENCH_VARIANT (dsm or nodsm, default dsm).

BDF=${TPH_EMU_BDF:-0000:01:00.0}
KO=${TPH_EMU_KO:-/lib/modules/tph_emu.ko}
D=/sys/kernel/debug/tph_emu
DEV=/sys/bus/pci/devices/$BDF
NCPU=$(grep -c '^processor' /proc/cpuinfo)
DSM=1
[ "${BENCH_VARIANT:-dsm}" = nodsm ] && DSM=0
PLAN=56

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $* # SKIP"; }
check() { what=$1; shift; if "$@"; then ok "$what"; else notok "$what"; fi; }
diag() { sed 's/^/# /'; }
# is WHAT GOT WANT
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		notok "$1"
		echo "# got '$2', want '$3'"
	fi
}

hex() { printf '%x' $(($1)); }
x4() { printf '0x%04x' $(($1)); }
x8() { printf '0x%08x' $(($1)); }

# Config space through the real pciutils: cfg OFFSET WIDTH [VALUE]
cfg() {
	if [ $# -eq 3 ]; then
		setpci -s "$BDF" "$(hex "$1").$2=$3"
	else
		setpci -s "$BDF" "$(hex "$1").$2"
	fi
}

# field FILE KEY: the value after KEY in a "KEY VALUE" file
field() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }
regs() { cat $D/regs >/tmp/regs 2>/dev/null; }
reg() { regs; field /tmp/regs "$1"; }
# ct CMD: run a core_test command, its result is in /tmp/ct
ct() {
	echo "$*" >$D/core_test 2>/dev/null
	cat $D/core_test >/tmp/ct 2>/dev/null
}
res() { field /tmp/ct "$1"; }
counters() { echo "$(field $D/counters reads) $(field $D/counters writes)"; }
reset_counters() { echo 0 >$D/counters; }

unload() {
	[ -d /sys/module/tph_emu ] || return 0
	rmmod tph_emu
}

# load WHAT ARGS...: one check, the module loads with ARGS
CAP=0
load() {
	what=$1
	shift
	unload
	if insmod "$KO" bdf="$BDF" "$@" 2>/tmp/insmod.err && [ -e "$DEV/config" ]; then
		ok "$what: insmod tph_emu $*"
	else
		notok "$what: insmod tph_emu $*"
		diag </tmp/insmod.err
		dmesg | tail -n 5 | diag
	fi
	CAP=$(reg cap_offset)
	CAP=$((${CAP:-0}))
}

# lspci_dev: lspci -vvv of the device in /tmp/dev.lspci, the TPH
# capability's lines in /tmp/dev.tph
lspci_dev() {
	lspci -vvv -s "$BDF" >/tmp/dev.lspci 2>&1
	awk '/Capabilities: \[[0-9a-f]+( v[0-9]+)?\] Transaction Processing Hints/ { p = 1; print; next }
	     p && /^\t\t/ { print; next }
	     { p = 0 }' /tmp/dev.lspci >/tmp/dev.tph
}

RP=
# rp_comp: the root port's DevCap2 TPH Completer bits as lspci decodes them
rp_comp() {
	[ -n "$RP" ] || RP=$(basename "$(dirname "$(readlink -f "$DEV")")")
	lspci -vvv -s "$RP" | grep -A4 'DevCap2:' |
		grep -oE '(Ext)?TPHComp[+-]' | tr '\n' ' ' | sed 's/ $//'
}

# ext_chain: the extended capability list walked with setpci, as OFF:HEADER
ext_chain() {
	pos=256 ttl=64 chain=
	while [ $pos -ge 256 ] && [ $ttl -gt 0 ]; do
		hdr=$(cfg $pos L)
		[ $((0x$hdr)) -eq 0 ] && break
		chain="$chain $(hex $pos):$hdr"
		pos=$(((0x$hdr >> 20) & 0xffc))
		ttl=$((ttl - 1))
	done
	echo "${chain# }"
}

# tph_lines LINE...: /tmp/dev.tph has every LINE, and none of the !LINEs
tph_lines() {
	for l in "$@"; do
		case "$l" in
		!*) ! grep -qF -- "${l#!}" /tmp/dev.tph || return 1 ;;
		*) grep -qF -- "$l" /tmp/dev.tph || return 1 ;;
		esac
	done
}

# back_without_tph: module unloaded, device there, lspci shows no TPH
back_without_tph() {
	[ ! -d /sys/module/tph_emu ] && [ -e "$DEV/config" ] &&
		[ -s /tmp/dev.lspci ] && [ ! -s /tmp/dev.tph ]
}

# load_fails MESSAGE ARGS...: insmod with ARGS fails and logs MESSAGE
load_fails() {
	msg=$1
	shift
	unload
	! insmod "$KO" bdf="$BDF" "$@" 2>/dev/null &&
		[ ! -d /sys/module/tph_emu ] &&
		dmesg | tail -n 3 | grep -qF -- "$msg"
}

# tag_for CPU BASE: what the bench SSDT gives CPU (none, 0, for CPU 3)
tag_for() {
	if [ "$1" -eq 3 ]; then echo 0; else echo $(($2 + $1)); fi
}

# st_list: the ST entries regs shows
st_list() { regs; grep '^st\[' /tmp/regs | tr '\n' ' '; }

# entries_ok NR BASE: core_test resolved NR entries, entry i for the
# (i % NCPU)-th CPU with its tag, and regs shows those tags in the table
entries_ok() {
	regs
	i=0
	while [ $i -lt "$1" ]; do
		cpu=$((i % NCPU))
		want=$(printf 'entry %d cpu %d tag %s' $i $cpu "$(x4 "$(tag_for $cpu "$2")")")
		got=$(grep "^entry $i " /tmp/ct)
		if [ "$got" != "$want" ]; then
			echo "# got '$got', want '$want'"
			return 1
		fi
		got=$(field /tmp/regs "st[$i]")
		if [ "$got" != "$(x4 "$(tag_for $cpu "$2")")" ]; then
			echo "# regs st[$i] $got, want $(x4 "$(tag_for $cpu "$2")")"
			return 1
		fi
		i=$((i + 1))
	done
	[ "$(grep -c '^entry ' /tmp/ct)" -eq "$1" ]
}

# program WHAT CMD NR BASE ACCESSES: run single/batch CMD on an enabled
# device and check the result.  With the _DSM: ret 0, the tags in core_test
# and in the table, and ACCESSES config accesses.  Without: the tag lookup
# fails with -EINVAL and the table is left alone.  Two checks.
program() {
	what=$1 cmd=$2 nr=$3 base=$4 acc=$5
	before=$(st_list)
	ct "$cmd"
	if [ $DSM -eq 1 ]; then
		if [ "$(res ret)" = 0 ] && entries_ok "$nr" "$base"; then
			ok "$what: $cmd programs $nr entries with tags $(x4 "$base")+cpu"
		else
			notok "$what: $cmd programs $nr entries with tags $(x4 "$base")+cpu"
			diag </tmp/ct
		fi
		is "$what: $cmd takes $acc config accesses" "$(res accesses)" "$acc"
	else
		is "$what: $cmd fails with -EINVAL without the _DSM" "$(res ret)" -22
		if [ "$(res accesses)" = 0 ] && [ "$(st_list)" = "$before" ]; then
			ok "$what: $cmd programs nothing without the _DSM"
		else
			notok "$what: $cmd programs nothing without the _DSM"
			diag </tmp/ct
		fi
	fi
}

echo "TAP version 13"
echo "1..$PLAN"
echo "# $NCPU CPUs, variant $([ $DSM -eq 1 ] && echo dsm || echo nodsm), device $BDF"

if [ -d /sys/module/tph_emu ]; then
	echo "# tph_emu was loaded already, unloading it"
	unload
fi
[ -f "$KO" ] || echo "# $KO does not exist"

#
# Defaults: ST table of 16 entries in the capability, 8-bit requester,
# Root Port with Extended TPH Completer support.
#
W=defaults
load $W
lspci_dev
is "$W: lspci shows the TPH capability at cap_offset" \
	"$(head -n 1 /tmp/dev.tph | grep -oE '\[[0-9a-f]+ v1\] Transaction Processing Hints')" \
	"[$(hex $CAP) v1] Transaction Processing Hints"
diag </tmp/dev.tph
check "$W: lspci decodes IV and DS modes and the ST table in the capability" \
	tph_lines "Interrupt vector mode supported" \
		"Device specific mode supported" \
		"Steering table in TPH capability structure" \
		"!Extended requester support"
chain=$(ext_chain)
echo "# extended capabilities: $chain"
is "$W: the extended capability list ends with the TPH capability" \
	"${chain##* }" "$(hex $CAP):00010017"
comp=$(rp_comp)
echo "# root port $RP: $comp"
is "$W: root port DevCap2 shows TPH and Extended TPH Completer" "$comp" \
	"TPHComp+ ExtTPHComp+"
regs
is "$W: regs: cap, ctrl, loc and st_size" \
	"$(field /tmp/regs cap) $(field /tmp/regs ctrl) $(field /tmp/regs loc) $(field /tmp/regs st_size)" \
	"0x000f0207 0x00000000 cap 16"

# setpci: 1-, 2- and 4-byte accesses to the emulated registers
is "setpci: header as byte, word and dword" \
	"$(cfg $CAP B) $(cfg $((CAP + 2)) W) $(cfg $CAP L)" "17 0001 00010017"
cfg $CAP L ffffffff
cfg $((CAP + 4)) L ffffffff
cfg $((CAP + 6)) B 00
cfg $((CAP + 4)) W 0000
is "setpci: header and Capability register ignore writes" \
	"$(cfg $CAP L) $(cfg $((CAP + 4)) L) $(cfg $((CAP + 6)) W) $(cfg $((CAP + 5)) B)" \
	"00010017 000f0207 000f 02"
cfg $((CAP + 8)) L ffffffff
is "setpci: Control keeps only ST Mode Select and Requester Enable" \
	"$(cfg $((CAP + 8)) L) $(cfg $((CAP + 8)) W) $(cfg $((CAP + 9)) B) $(cfg $((CAP + 10)) W) $(cfg $((CAP + 11)) B)" \
	"00000307 0307 03 0000 00"
cfg $((CAP + 9)) B 00
a=$(cfg $((CAP + 8)) L)
cfg $((CAP + 8)) W 0102
b=$(cfg $((CAP + 8)) L)
is "setpci: Control byte and word writes; regs mode and req_en follow" \
	"$a $b $(reg mode) $(reg req_en)" "00000007 00000102 2 1"
cfg $((CAP + 8)) L 00000000
cfg $((CAP + 14)) W beef
cfg $((CAP + 13)) B 12
cfg $((CAP + 40)) L cafef00d
is "setpci: ST entries as byte, word and dword" \
	"$(cfg $((CAP + 12)) L) $(cfg $((CAP + 14)) B) $(cfg $((CAP + 15)) B) $(cfg $((CAP + 12)) W) $(cfg $((CAP + 42)) W)" \
	"beef1200 ef be 1200 cafe"
regs
is "regs shows the ST entries written with setpci" \
	"$(field /tmp/regs 'st[0]') $(field /tmp/regs 'st[1]') $(field /tmp/regs 'st[14]') $(field /tmp/regs 'st[15]')" \
	"0x1200 0xbeef 0xf00d 0xcafe"

reset_counters
c0=$(counters)
cfg $((CAP + 8)) B >/dev/null
c1=$(counters)
cfg $((CAP + 8)) L 00000000
c2=$(counters)
out=$(cfg $((CAP + 44)) L)
cfg $((CAP + 44)) L ffffffff
cfg 256 L >/dev/null
c3=$(counters)
is "counters: one per access to the capability, none outside it" \
	"$c0|$c1|$c2|$c3|$out" "0 0|1 0|1 1|1 1|00000000"

ct info
is "$W: pcie_tph_get_info()" \
	"$(res ret) $(res req_type) $(res modes) $(res ext_req) $(res st_loc) $(res st_size)" \
	"0 1 7 0 cap 16"
ct enable iv
is "$W: enable iv: TPH only requests, Control mode 1 req_en 1" \
	"$(res ret) $(res req_type) $(reg ctrl) $(reg mode) $(reg req_en)" \
	"0 1 0x00000101 1 1"
program $W "single pm" 16 0xb0 80
single=$(res accesses)
program $W "batch vm" 16 0xa0 20
batch=$(res accesses)
echo "# accesses single=$single batch=$batch"
is "$W: Control is mode 1 req_en 1 after the batch" \
	"$(reg ctrl)" 0x00000101
if [ $DSM -eq 0 ] || [ "$NCPU" -lt 4 ]; then
	skip "$W: CPU 3, which has no valid tag, gets tag 0"
else
	is "$W: CPU 3, which has no valid tag, gets tag 0 and no error" \
		"$(res ret) $(grep '^entry 3 ' /tmp/ct)" "0 entry 3 cpu 3 tag 0x0000"
fi
ct disable
is "$W: disable clears Control" "$(res ret) $(reg ctrl)" "0 0x00000000"
ct batch vm
is "$W: batch after disable fails with -EINVAL" "$(res ret)" -22
ct enable ds
a="$(res ret) $(reg ctrl)"
ct enable iv
is "$W: enable ds, then enable iv again fails with -EBUSY" \
	"$a $(res ret)" "0 0x00000102 -16"
ct disable
unload
lspci_dev
check "$W: after rmmod the device is back without TPH" back_without_tph
is "$W: after rmmod the root port has no TPH Completer" "$(rp_comp)" \
	"TPHComp- ExtTPHComp-"

#
# Extended requester, odd table size: 16-bit tags, padding in the capability
#
W="ext=1 completer=ext"
load "$W" ext=1 completer=ext st_size=3
lspci_dev
check "$W: lspci decodes Extended requester support" \
	grep -q "Extended requester support" /tmp/dev.tph
cfg $((CAP + 18)) W ffff
a=$(cfg $((CAP + 18)) W)
cfg $((CAP + 16)) L ffffffff
is "$W: cap 0x00020307; the padding after 3 entries reads 0" \
	"$(reg cap) $a $(cfg $((CAP + 16)) L) $(reg 'st[2]')" \
	"0x00020307 0000 0000ffff 0xffff"
ct info
is "$W: pcie_tph_get_info()" "$(res ret) $(res req_type) $(res ext_req)" "0 3 1"
ct enable iv
is "$W: enable iv: Extended TPH requests, req_en 3" \
	"$(res ret) $(res req_type) $(reg ctrl)" "0 3 0x00000301"
program "$W" "batch vm" 3 0xa100 7
program "$W" "single pm" 3 0xb100 15

#
# Extended requester, but the Root Port completes 8-bit TPH only
#
W="ext=1 completer=tph"
load "$W" ext=1 completer=tph st_size=4
is "$W: root port DevCap2 shows TPH Completer only" "$(rp_comp)" \
	"TPHComp+ ExtTPHComp-"
ct enable iv
is "$W: enable iv: TPH only requests, req_en 1" \
	"$(res ret) $(res req_type) $(reg ctrl)" "0 1 0x00000101"
program "$W" "batch vm" 4 0xa0 8

#
# Root Port without TPH Completer support
#
W="completer=none"
load "$W" completer=none
ct info
is "$W: DevCap2 TPHComp- ExtTPHComp-; pcie_tph_get_info() req_type 0" \
	"$(rp_comp) $(res ret) $(res req_type)" "TPHComp- ExtTPHComp- 0 0"
ct enable iv
is "$W: enable iv fails with -EINVAL, Control stays 0" \
	"$(res ret) $(reg ctrl)" "-22 0x00000000"

#
# Device without a TPH Requester capability
#
W="present=0"
load "$W" present=0
lspci_dev
is "$W: no TPH capability in lspci or regs; root port still TPHComp+" \
	"$(wc -l </tmp/dev.tph) $(reg cap_offset) $(rp_comp)" \
	"0 0x0 TPHComp+ ExtTPHComp+"
ct info
a=$(res ret)
ct enable iv
is "$W: get_info fails with -ENODEV, enable with -EINVAL" "$a $(res ret)" \
	"-19 -22"

#
# No ST and Device Specific modes only, no ST table
#
W="modes=5 loc=none"
load "$W" modes=5 loc=none
lspci_dev
check "$W: lspci decodes DS mode only and no ST table" \
	tph_lines "Device specific mode supported" \
		"!Interrupt vector mode supported" \
		"No steering table available"
ct info
is "$W: cap 0x00000005; pcie_tph_get_info() modes 5, no table" \
	"$(reg cap) $(reg loc) $(res modes) $(res st_loc) $(res st_size)" \
	"0x00000005 none 5 none 0"
ct enable iv
a=$(res ret)
ct enable ds
b="$(res ret) $(reg ctrl)"
ct batch vm
is "$W: enable iv fails, enable ds works, batch fails with no table" \
	"$a $b $(res ret)" "-22 0 0x00000102 -22"

#
# ST table in the MSI-X table (the e1000e has 5 MSI-X vectors)
#
W="loc=msix"
unload
check "$W: st_size=6 beyond the 5 MSI-X vectors fails to load" \
	load_fails "st_size=6 must be 1 to 5" loc=msix st_size=6
load "$W" loc=msix st_size=5
lspci_dev
ct info
is "$W: lspci and pcie_tph_get_info() see the ST table in the MSI-X table" \
	"$(grep -c 'Steering table in MSI-X table' /tmp/dev.tph) $(reg cap) $(res st_loc) $(res st_size)" \
	"1 0x00040607 msix 5"
ct enable iv
ct batch vm
if [ $DSM -eq 1 ]; then
	is "$W: batch without MSI-X vectors fails with -ENXIO after one access" \
		"$(res ret) $(res accesses)" "-6 1"
else
	is "$W: batch fails with -EINVAL, the tag lookup first, no access" \
		"$(res ret) $(res accesses)" "-22 0"
fi
echo tph_emu >"$DEV/driver_override"
echo "$BDF" >/sys/bus/pci/drivers/tph_emu/bind 2>/dev/null
lspci_dev
is "$W: the stub driver binds and enables MSI-X" \
	"$(basename "$(readlink "$DEV/driver")") $(grep -c 'MSI-X: Enable+' /tmp/dev.lspci)" \
	"tph_emu 1"
ct enable iv
program "$W" "batch vm" 5 0xa0 4
program "$W" "single pm" 5 0xb0 20
regs
grep '^st\[' /tmp/regs | tr '\n' ' ' | diag
ct disable
echo "$BDF" >/sys/bus/pci/drivers/tph_emu/unbind 2>/dev/null
echo >"$DEV/driver_override" 2>/dev/null

#
# Parameters out of range fail the load
#
unload
bad=
for p in st_size=0 st_size=65 modes=0 modes=8 loc=bogus completer=bogus \
	 bdf=0000:01:1f.0 bdf=bogus "loc=none st_size=2049"; do
	# shellcheck disable=SC2086 # one case may be two parameters
	if insmod "$KO" bdf="$BDF" $p 2>/dev/null || [ -d /sys/module/tph_emu ]; then
		bad="$bad $p"
		unload
	fi
done
is "out-of-range parameters fail the load" "${bad:-none}" none
check "st_size=65 with loc=cap fails and names the limit" \
	load_fails "st_size=65 must be 1 to 64 for loc=cap" st_size=65

#
# The end: module gone, device as it was, no kernel report
#
unload
lspci_dev
check "after the last rmmod the device is back without TPH" back_without_tph
dmesg | grep -E 'WARNING:|BUG:|KASAN:|UBSAN:|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU|invalid context' >/tmp/splat
check "kernel log: no WARNING, BUG, KASAN or lockdep report" test ! -s /tmp/splat
head -n 20 /tmp/splat | diag

if [ $n -ne $PLAN ]; then
	echo "# ran $n checks, planned $PLAN"
	exit 1
fi
[ $failed -eq 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# TAP test, run in the bench guest as root (busybox sh): the PCI core's TPH
# functions on the TPH Requester capability that tph_emu.ko emulates on the
# e1000e at 01:00.0, and the capability itself as lspci and setpci see it.
#
# Each case loads tph_emu.ko with other parameters and unloads it again.
# Its debugfs files (/sys/kernel/debug/tph_emu/) show the emulated registers
# ("regs"), count the config accesses that hit the capability ("counters")
# and call pcie_tph_get_info(), pcie_enable_tph(), pcie_tph_get_cpu_st()
# with pcie_tph_set_st_entry() or pcie_tph_set_st_entries(), and
# pcie_disable_tph() on the device ("core_test").  Entry i of the ST table
# gets a tag for the (i % number of online CPUs)-th online CPU.
#
# The bench SSDT (tools/bench/tph-dsm.asl) gives CPU u the tags 0xA0+u,
# 0xA100+u (volatile) and 0xB0+u, 0xB100+u (persistent), and no valid tag
# to CPU 3, for which pcie_tph_get_cpu_st() fails with -ENODATA.  So CPU 3
# is taken offline after the case that checks that failure, and brought back
# at the end.  With firmware nodsm (BENCH_FIRMWARE=nodsm) there is no _DSM:
# every tag lookup fails with -EOPNOTSUPP and nothing may be programmed.
#
# Every program started in this guest costs about a second, lspci five to
# twenty, so the script starts few: lspci twice, setpci with many registers
# per call, and it reads its own files with shell builtins.
#
# Environment: TPH_EMU_KO (default /lib/modules/tph_emu.ko), TPH_EMU_BDF
# (default 0000:01:00.0), BENCH_FIRMWARE (dsm or nodsm, default dsm).

# Register offsets and lists of values are split into words on purpose.
# shellcheck disable=SC2086

. "$(dirname "$0")/lib.sh"
BDF=${TPH_EMU_BDF:-0000:01:00.0}
KO=${TPH_EMU_KO:-/lib/modules/tph_emu.ko}
D=/sys/kernel/debug/tph_emu
DEV=/sys/bus/pci/devices/$BDF
CPU3=/sys/devices/system/cpu/cpu3/online
DSM=1
[ "${BENCH_FIRMWARE:-dsm}" = nodsm ] && DSM=0
PLAN=40

# is WHAT GOT WANT
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		nok "$1"
		echo "# got:  $2"
		echo "# want: $3"
	fi
}

# ncpus: the online CPUs, NCPU of them, in ONLINE ("0 1 2 ...")
ncpus() {
	NCPU=0 ONLINE=''
	while read -r _k _ _v; do
		[ "$_k" = processor ] || continue
		NCPU=$((NCPU + 1))
		ONLINE="${ONLINE:+$ONLINE }$_v"
	done </proc/cpuinfo
}

# regs: the "regs" file in R_<key>, the ST entries in R_st ("0x.. 0x.. ...")
regs() {
	R_cap_offset=0x0 R_cap='' R_ctrl='' R_mode='' R_req_en='' R_loc=''
	R_st_size='' R_st=''
	while read -r _k _v; do
		case "$_k" in
		st\[*\]) R_st="${R_st:+$R_st }$_v" ;;
		cap_offset | cap | ctrl | mode | req_en | loc | st_size)
			eval "R_$_k=\$_v" ;;
		esac
	done <$D/regs
}

# ct CMD: run a core_test command; its result in C_<key>, the entries in
# C_entries ("i:cpu:tag ...")
ct() {
	echo "$*" >$D/core_test
	C_ret='' C_req_type='' C_accesses='' C_modes='' C_ext_req='' C_st_loc=''
	C_st_size='' C_entries=''
	while read -r _k _i _ _c _ _t; do
		case "$_k" in
		entry) C_entries="${C_entries:+$C_entries }$_i:$_c:$_t" ;;
		ret | req_type | accesses | modes | ext_req | st_loc | st_size)
			eval "C_$_k=\$_i" ;;
		esac
	done <$D/core_test
}

counters() {
	reads='' writes=''
	while read -r _k _v; do
		case "$_k" in
		reads) reads=$_v ;;
		writes) writes=$_v ;;
		esac
	done <$D/counters
	COUNTERS="$reads $writes"
}

# want_entries NR BASE: the entries ct should report, entry i with the tag
# BASE + cpu of the (i % NCPU)-th online CPU, in W_entries and W_st
want_entries() {
	nr=$1 base=$2
	W_entries='' W_st=''
	i=0
	while [ $i -lt "$nr" ]; do
		set -- $ONLINE
		shift $((i % NCPU))
		tag=$(printf '0x%04x' $((base + $1)))
		W_entries="${W_entries:+$W_entries }$i:$1:$tag"
		W_st="${W_st:+$W_st }$tag"
		i=$((i + 1))
	done
}

unload() {
	[ -d /sys/module/tph_emu ] || return 0
	rmmod tph_emu
}

# t: guest uptime in T, and in hundredths of a second in CS, for diagnostics
t() {
	read -r T _ </proc/uptime
	CS=${T%.*}${T#*.}
}

# load WHAT ARGS...: one check, the module loads with ARGS; CAP is then the
# capability's offset and X the hex offsets of its registers
load() {
	what=$1
	shift
	t
	echo "# uptime $T: $what"
	unload
	if insmod "$KO" bdf="$BDF" "$@" 2>/tmp/insmod.err && [ -e "$DEV/config" ]; then
		ok "$what: insmod tph_emu $*"
	else
		nok "$what: insmod tph_emu $*"
		diag /tmp/insmod.err
	fi
	regs
	CAP=$((R_cap_offset))
	# shellcheck disable=SC2046
	set -- $(printf '%x ' $CAP $((CAP + 2)) $((CAP + 4)) $((CAP + 5)) \
		$((CAP + 6)) $((CAP + 8)) $((CAP + 9)) $((CAP + 10)) \
		$((CAP + 11)) $((CAP + 12)) $((CAP + 13)) $((CAP + 14)) \
		$((CAP + 15)) $((CAP + 16)) $((CAP + 18)) $((CAP + 40)) \
		$((CAP + 42)) $((CAP + 44)))
	X0=$1 X2=$2 X4=$3 X5=$4 X6=$5 X8=$6 X9=$7 XA=$8 XB=$9
	shift 9
	XC=$1 XD=$2 XE=$3 XF=$4 X10=$5 X12=$6 X28=$7 X2A=$8 X2C=$9
}

# sp REG...: setpci on the device, its output lines joined by spaces in SP
sp() {
	SP=$(setpci -s "$BDF" "$@" 2>&1 | tr '\n' ' ')
	SP=${SP% }
}

RP=$(readlink -f "$DEV")
RP=${RP%/*}
RP=${RP##*/}

# lspci_all: one lspci -nvvv; the device's lines in /tmp/dev.lspci, the
# lines of its TPH capability in /tmp/dev.tph, the offsets of the extended
# capabilities lspci found in L_ecaps and the last one in L_last, the root
# port's TPH Completer bits in L_comp
lspci_all() {
	t
	cs0=$CS
	rm -f /tmp/dev.lspci /tmp/dev.tph /tmp/rp.devcap2
	lspci -nvvv 2>/dev/null | awk -v ep="${BDF#0000:} " -v rp="${RP#0000:} " '
		/^[0-9a-f]/ { dev = index($0, ep) == 1; port = index($0, rp) == 1 }
		dev { print > "/tmp/dev.lspci" }
		dev && /^\tCapabilities: \[[0-9a-f][0-9a-f][0-9a-f] / {
			last = substr($0, index($0, "["))
			ecaps = ecaps (ecaps == "" ? "" : " ") substr($2, 2)
		}
		port && /DevCap2:/ { cap2 = 5 }
		port && /DevCtl2:/ { cap2 = 0 }
		port && cap2 > 0 { print > "/tmp/rp.devcap2"; cap2-- }
		END {
			print last > "/tmp/dev.last"
			print ecaps > "/tmp/dev.ecaps"
		}'
	touch /tmp/dev.lspci /tmp/rp.devcap2
	tph_block /tmp/dev.lspci >/tmp/dev.tph
	L_comp=$(tph_completer /tmp/rp.devcap2)
	read -r L_last </tmp/dev.last
	read -r L_ecaps </tmp/dev.ecaps
	t
	echo "# lspci took $(((CS - cs0) / 100)).$(((CS - cs0) % 100 / 10)) s"
}

# tph_lines LINE...: /tmp/dev.tph has every LINE and none of the !LINEs
tph_lines() {
	tph=$(cat /tmp/dev.tph)
	for l in "$@"; do
		case "$l" in
		!*) case "$tph" in *"${l#!}"*) return 1 ;; esac ;;
		*) case "$tph" in *"$l"*) ;; *) return 1 ;; esac ;;
		esac
	done
}

# program WHAT CMD NR BASE ACCESSES: run single/batch CMD on an enabled
# device.  With the _DSM: ret 0, NR entries with tags BASE + cpu in
# core_test and in the table, in ACCESSES config accesses.  Without: the
# first tag lookup fails with -EOPNOTSUPP and nothing is programmed.  One check.
program() {
	what="$1: $2"
	regs
	before=$R_st
	ct "$2"
	regs
	if [ $DSM -eq 1 ]; then
		want_entries "$3" "$4"
		what="$what programs $3 entries with tags $4+cpu in $5 accesses"
		is "$what" "$C_ret $C_accesses $C_entries | $R_st" \
			"0 $5 $W_entries | $W_st"
	else
		is "$what fails with -EOPNOTSUPP, programs nothing" \
			"$C_ret $C_accesses ${C_entries:-none} | $R_st" \
			"-95 0 none | $before"
	fi
}

ktap_print_header
ktap_set_plan $PLAN
t
CS0=$CS
ncpus
echo "# $NCPU CPUs, firmware $([ $DSM -eq 1 ] && echo dsm || echo nodsm), device $BDF, root port $RP"

if [ -d /sys/module/tph_emu ]; then
	echo "# tph_emu was loaded already, unloading it"
	unload
fi
[ -f "$KO" ] || echo "# $KO does not exist"

#
# Defaults: ST table of 16 entries in the capability, 8-bit requester,
# Root Port with TPH and Extended TPH Completer support.
#
W=defaults
ZERO16=0x0000
while [ ${#ZERO16} -lt 111 ]; do ZERO16="$ZERO16 0x0000"; done
load $W
lspci_all
is "$W: lspci shows the TPH capability at cap_offset" \
	"$(head -n 1 /tmp/dev.tph)" \
	"	Capabilities: [$X0 v1] Transaction Processing Hints"
diag /tmp/dev.tph
check "$W: lspci decodes IV and DS modes and the ST table in the capability" \
	tph_lines "Interrupt vector mode supported" \
		"Device specific mode supported" \
		"Steering table in TPH capability structure" \
		"!Extended requester support"
is "$W: lspci finds TPH last in the extended capability list" \
	"$L_last" "[$X0 v1] Transaction Processing Hints"
echo "# extended capabilities at $L_ecaps"
# For the end: the capability before TPH, and TPH
set -- $L_ecaps
while [ $# -gt 2 ]; do shift; done
PREV=$1 TPH=$2
is "$W: lspci: root port $RP DevCap2 has TPH and Extended TPH Completer" \
	"$L_comp" "TPHComp+ ExtTPHComp+"
diag /tmp/rp.devcap2
is "$W: regs: cap, ctrl, loc, st_size and the table" \
	"$R_cap $R_ctrl $R_loc $R_st_size | $R_st" \
	"0x000f0207 0x00000000 cap 16 | $ZERO16"

# setpci: 1-, 2- and 4-byte accesses to the emulated registers
sp $X0.B $X2.W $X0.L \
	$X0.L=ffffffff $X4.L=ffffffff $X6.B=00 $X4.W=0000 $X0.L $X4.L $X6.W $X5.B
is "setpci: header as byte, word, dword; header and Capability ignore writes" \
	"$SP" "17 0001 00010017 00010017 000f0207 000f 02"
sp $X8.L=ffffffff $X8.L $X8.W $X9.B $XA.W $XB.B \
	$X9.B=00 $X8.L $X8.W=0102 $X8.L
regs
is "setpci: Control keeps ST Mode Select and Requester Enable; regs follows" \
	"$SP | $R_mode $R_req_en" \
	"00000307 0307 03 0000 00 00000007 00000102 | 2 1"
sp $X8.L=00000000 $XE.W=beef $XD.B=12 $X28.L=cafef00d \
	$XC.L $XE.B $XF.B $XC.W $X2A.W
regs
set -- $R_st
is "setpci: ST entries as byte, word and dword; regs shows them" \
	"$SP | $1 $2 ${15} ${16}" "beef1200 ef be 1200 cafe | 0x1200 0xbeef 0xf00d 0xcafe"
echo >$D/counters
counters
c0=$COUNTERS
sp $X8.B $X8.L=00000000 $X2C.L $X2C.L=ffffffff 100.W
counters
is "counters: one per access inside the capability, none outside" \
	"$c0 | $COUNTERS | ${SP% *}" "0 0 | 1 1 | 00 00000000"

ct info
is "$W: pcie_tph_get_info()" \
	"$C_ret $C_req_type $C_modes $C_ext_req $C_st_loc $C_st_size" \
	"0 1 7 0 cap 16"
ct enable iv
regs
is "$W: enable iv: TPH only requests, Control mode 1 req_en 1" \
	"$C_ret $C_req_type $R_ctrl $R_mode $R_req_en" "0 1 0x00000101 1 1"

# A set of CPUs that includes CPU 3, which has no valid tag
before=$R_st
ct batch vm
regs
if [ $DSM -eq 0 ]; then
	skip "$W: batch vm including CPU 3 fails with -ENODATA" "no _DSM"
elif [ "$NCPU" -lt 4 ]; then
	skip "$W: batch vm including CPU 3 fails with -ENODATA" "$NCPU CPUs"
else
	want_entries 3 0xa0
	is "$W: batch vm including CPU 3 fails with -ENODATA, programs nothing" \
		"$C_ret $C_accesses $C_entries | $R_st" "-61 0 $W_entries | $before"
fi

# From here on CPU 3 is offline, so the CPUs are 0, 1 and 2
if [ "$NCPU" -ge 4 ]; then
	echo 0 >$CPU3
	ncpus
	echo "# CPU 3 offline, CPUs $ONLINE online"
fi
program $W "single pm" 16 0xb0 80
single=$C_accesses
program $W "batch vm" 16 0xa0 20
batch=$C_accesses
echo "# accesses single=$single batch=$batch"
ct disable
a="$C_ret $(regs; echo "$R_ctrl")"
ct enable ds
b="$C_ret $(regs; echo "$R_ctrl")"
ct enable iv
is "$W: disable clears Control; enable ds; enable iv again fails with -EBUSY" \
	"$a | $b | $C_ret" "0 0x00000000 | 0 0x00000102 | -16"
ct disable

#
# Extended TPH, No ST and Device Specific modes, an odd table size
#
W="ext=1 modes=5"
load "$W" ext=1 completer=ext modes=5 st_size=3
sp $X12.W=ffff $X12.W $X10.L=ffffffff $X10.L
regs
is "$W: cap 0x00020305; the padding after 3 entries reads 0" \
	"$R_cap $SP | $R_st" "0x00020305 0000 0000ffff | 0x0000 0x0000 0xffff"
ct info
is "$W: pcie_tph_get_info()" "$C_ret $C_req_type $C_modes $C_ext_req" \
	"0 3 5 1"
ct enable iv
a=$C_ret
ct enable ds
regs
is "$W: enable iv fails; enable ds: Extended TPH requests, req_en 3" \
	"$a | $C_ret $C_req_type $R_ctrl" "-22 | 0 3 0x00000302"
program "$W" "batch vm" 3 0xa100 7
program "$W" "single pm" 3 0xb100 15

#
# Extended TPH requester, but the Root Port completes 8-bit TPH only
#
W="ext=1 completer=tph"
load "$W" ext=1 completer=tph st_size=4
ct enable iv
regs
is "$W: enable iv: TPH only requests, req_en 1" \
	"$C_ret $C_req_type $R_ctrl" "0 1 0x00000101"
program "$W" "batch vm" 4 0xa0 8

#
# Root Port without TPH Completer support; no ST table
#
W="completer=none loc=none"
load "$W" completer=none loc=none
b=$(setpci -s "$RP" CAP_EXP+24.L 2>&1)
case "$b" in
*[!0-9a-f]* | '') ;;
*) b=$(((0x$b >> 12) & 3)) ;;
esac
is "$W: cap 0x00000007, no table; root port DevCap2 TPH Completer bits 0" \
	"$R_cap $R_loc $R_st_size $b" "0x00000007 none 0 0"
ct info
is "$W: pcie_tph_get_info(): req_type 0, no table" \
	"$C_ret $C_req_type $C_st_loc $C_st_size" "0 0 none 0"
ct enable iv
regs
is "$W: enable iv fails with -EINVAL, Control stays 0" \
	"$C_ret $R_ctrl" "-22 0x00000000"

#
# Device without a TPH Requester capability
#
W="present=0"
load "$W" present=0 completer=tph
lspci_all
is "$W: no TPH in lspci or regs; root port still TPHComp+ ExtTPHComp-" \
	"$(wc -l </tmp/dev.tph) $R_cap_offset $L_comp" \
	"0 0x0 TPHComp+ ExtTPHComp-"
ct info
a=$C_ret
ct enable iv
is "$W: get_info fails with -ENODEV, enable with -EINVAL" "$a $C_ret" \
	"-19 -22"

#
# ST table in the MSI-X table (the e1000e has 5 MSI-X vectors)
#
W="loc=msix"
load "$W" loc=msix st_size=5
ct info
a="$C_ret $C_st_loc $C_st_size"
ct enable iv
ct batch vm
if [ $DSM -eq 1 ]; then
	is "$W: get_info; batch without MSI-X vectors fails with -ENXIO" \
		"$R_cap | $a | $C_ret $C_accesses" "0x00040407 | 0 msix 5 | -6 1"
else
	is "$W: get_info; batch fails in the tag lookup" \
		"$R_cap | $a | $C_ret $C_accesses" "0x00040407 | 0 msix 5 | -95 0"
fi
bind_to tph_emu
drv=$(readlink "$DEV/driver")
sp CAP_MSIX+2.W
is "$W: the stub driver binds and enables MSI-X with 5 vectors" \
	"${drv##*/} $SP" "tph_emu 8004"
program "$W" "batch vm" 5 0xa0 4
echo "# ST in the MSI-X Vector Control words, read back from the device: $R_st"
program "$W" "single pm" 5 0xb0 20
ct disable
unbind

#
# Parameters out of range fail the load
#
unload
bad=
# busybox insmod retries a failed finit_module() with init_module(), so
# each message may be there twice
for p in st_size=65 modes=8 loc=bogus "loc=msix st_size=6"; do
	if insmod "$KO" bdf="$BDF" $p 2>/dev/null || [ -d /sys/module/tph_emu ]; then
		bad="$bad $p"
		unload
	fi
done
dmesg | tail -n 20 | sed 's/^\[[ 0-9.]*\] //' | sort -u >/tmp/dmesg.tail
is "out-of-range parameters fail the load and say why" \
	"${bad:-none} $(grep -c -e 'st_size=65 must be 1 to 64 for loc=cap' \
		-e 'st_size=6 must be 1 to 5 (the MSI-X table size)' \
		-e 'modes=8 must be 1 to 7' -e 'loc=bogus must be cap, msix or none' \
		/tmp/dmesg.tail)" "none 4"

#
# The end: CPU 3 back, module gone, device as it was, no kernel report
#
[ -e $CPU3 ] && echo 1 >$CPU3
a=unloaded
[ -d /sys/module/tph_emu ] && a=loaded
sp $PREV.L $TPH.L
set -- $SP
b=$(setpci -s "$RP" CAP_EXP+24.L 2>&1)
case "$1:$2:$b" in
*[!0-9a-f:]* | :*) a="$a setpci: $SP $b" ;;
*) a="$a $(((0x$1 >> 20) & 0xffc)) $2 $(((0x$b >> 12) & 3))" ;;
esac
is "after the last rmmod: list ends before TPH again, root port DevCap2 TPH bits 0" \
	"$a" "unloaded 0 00000000 0"
dmesg | grep -E 'WARNING:|BUG:|KASAN:|UBSAN:|possible (circular|recursive) locking|inconsistent lock state|suspicious RCU|invalid context' >/tmp/splat
check "kernel log: no WARNING, BUG, KASAN or lockdep report" test ! -s /tmp/splat
head -n 20 /tmp/splat | diag

t
echo "# uptime $T: done in $(((CS - CS0) / 100)) s"
if [ $((KTAP_TESTNO - 1)) -ne $PLAN ]; then
	echo "# ran $((KTAP_TESTNO - 1)) checks, planned $PLAN"
	exit 1
fi
ktap_finished

#!/bin/sh
# The demo set: what the series gives a vfio-pci userspace driver, shown on
# the bench device with the example program tools/vfio-tph, as a person
# would run it.  Readable output on "#" lines, and a TAP check per step.
. "$(dirname "$0")/lib.sh"

say() { echo "#"; echo "# ==== $* ===="; }
# run CMD...: show the command and its output; its exit status
run() {
	echo "# \$ $*"
	"$@" >/tmp/run.out 2>&1
	_rc=$?
	diag </tmp/run.out
	return $_rc
}
# refused DESC PATTERN CMD...: CMD fails, and its error names PATTERN
refused() {
	_d=$1 _p=$2
	shift 2
	run "$@" && { nok "$_d"; return; }
	grep -q '^vfio-tph: error: ' /tmp/run.out && grep -qE "$_p" /tmp/run.out &&
		ok "$_d" || nok "$_d"
}
tph_lspci() { lspci -vvv -s 01:00.0 2>/dev/null | tph_block | diag; }
# The TPH Control register (ECAP 0x17 + 8) as setpci reads it
ctrl() { setpci -s $BDF ECAP17+8.l; }
shown=0
show_new() {
	sed -n "$((shown + 1)),\$p" /tmp/ex.out | diag
	shown=$(wc -l </tmp/ex.out)
}

ktap_print_header
echo 1 >/sys/module/iommufd/parameters/allow_unsafe_interrupts

say "1. The device: 01:00.0 with a TPH Requester capability (emulated by tph_emu; firmware _DSM in the bench's SSDT)"
insmod "$KO" loc=cap st_size=8 ext=1 completer=ext
echo "# \$ lspci -vvv -s 01:00.0    (the TPH capability)"
tph_lspci
echo "# \$ lspci -vvv -s 00:02.0    (its Root Port)"
echo "#   DevCap2: $(lspci -vvv -s 00:02.0 2>/dev/null | tph_completer)"
lspci -vvv -s 01:00.0 2>/dev/null | grep -q 'Transaction Processing Hints' &&
	ok "lspci decodes the TPH capability" || nok "lspci decodes the TPH capability"

say "2. vfio-pci takes the device"
run sh -c "echo vfio-pci > $DEV/driver_override; echo $BDF > /sys/bus/pci/drivers_probe"
bind_to vfio-pci && ok "01:00.0 is bound to vfio-pci" || nok "01:00.0 is bound to vfio-pci"

say "3. What the device and this kernel offer: vfio-tph --query"
run "$EX" --query $BDF && ok "the capability query" || nok "the capability query"

say "4. Interrupt Vector mode; queue i's vector steers to CPU i (queue 3 to CPU 0)"
echo "# \$ vfio-tph --pause --mode iv --queues 0:0,1:1,2:2,3:0 $BDF"
start_paused --mode iv --queues 0:0,1:1,2:2,3:0 $BDF
held=1
wait_pause enable || held=
show_new
echo "#   TPH Control before enabling: $(ctrl)"
resume
wait_pause program || held=
show_new
echo "#   TPH Control after enabling: $(ctrl) (mode 1 = Interrupt Vector, requester enable 3 = Extended TPH)"
resume
wait_pause disable || held=
show_new
echo "#   The registers while the program holds the device:"
tph_lspci
echo "#   \$ setpci -s $BDF ECAP17+8.l   -> $(ctrl)"
grep -E '^(ctrl|mode|req_en|st\[[0-3]\])' $D/regs | diag
[ -n "$held" ] && [ "$(reg 'st[0]')" = 0xa100 ] && [ "$(reg 'st[1]')" = 0xa101 ] &&
	[ "$(reg 'st[2]')" = 0xa102 ] && [ "$(reg 'st[3]')" = 0xa100 ] &&
	ok "the ST table holds the firmware tags of CPUs 0, 1, 2, 0" ||
	nok "the ST table holds the firmware tags of CPUs 0, 1, 2, 0"
resume
finish_paused && ok "the example ran to its end" || nok "the example ran to its end"
show_new

say "5. After disabling"
echo "#   TPH Control: $(ctrl)"
[ "$(reg req_en)" = 0 ] && ok "TPH is disabled" || nok "TPH is disabled"

say "6. What the policy refuses, and why"
refused "Device Specific mode without the parameter" enable_unsafe_tph_ds_mode \
	"$EX" --mode ds $BDF
refused "a CPU outside the caller's affinity" 'CPU 1' \
	taskset -c 0 "$EX" --queues 0:1 $BDF
refused "a CPU the firmware has no tag for" firmware \
	"$EX" --queues 0:3 $BDF
emu loc=msix st_size=4 ext=1 completer=ext
refused "Interrupt Vector mode with the ST table in the MSI-X table" enable_unsafe_tph_ds_mode \
	"$EX" --mode iv --queues 0:0 $BDF

unbind
rmmod tph_emu
tap_done

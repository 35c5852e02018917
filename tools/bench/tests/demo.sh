#!/bin/sh
# The demo set: what the series gives a vfio-pci user, shown on the bench
# device.  Prints readable output and a few TAP checks.
KO=${TPH_EMU_KO:-/lib/modules/tph_emu.ko}
BDF=0000:01:00.0
DEV=/sys/bus/pci/devices/$BDF
n=0 fail=0
check() { n=$((n + 1)); if "$@"; then echo "ok $n - $DESC"; else echo "not ok $n - $DESC"; fail=1; fi; }

echo "TAP version 13"
echo "# ---- 1. the emulated TPH device, as lspci -vvv decodes it ----"
insmod "$KO" loc=cap st_size=8 ext=1 completer=ext
lspci -vvv -s 01:00.0 2>/dev/null | sed -n '/Transaction Processing Hints/,/^\t[^\t]/p' | sed 's/^/#   /'
lspci -vvv -s 00:02.0 2>/dev/null | grep -o 'TPHComp[^,]*, ExtTPHComp[^,]*' | sed 's/^/#   root port DevCap2: /'
has_tph() { lspci -vvv -s 01:00.0 2>/dev/null | grep -q 'Transaction Processing Hints'; }
DESC="lspci decodes the TPH capability"
check has_tph

echo "# ---- 2. vfio-pci owns it; the TPH features query, enable, program ----"
echo vfio-pci >"$DEV/driver_override"
echo "$BDF" >/sys/bus/pci/drivers_probe
echo 1 >/sys/module/iommufd/parameters/allow_unsafe_interrupts
VFIO_TPH_TEST_FW=bench vfio_pci_tph_test -t query -t enable_policy -t set_st_full_table \
	-t st_cpu_affinity "$BDF" >/tmp/demo.out 2>&1
grep -E 'TPH cap|loc .* mode|programmed|RUN|OK|FAIL|Totals' /tmp/demo.out | sed 's/^#* */#   /'
DESC="the vfio TPH features work on the device"
check grep -q 'Totals: pass:4 fail:0' /tmp/demo.out

echo "# ---- 3. the device's TPH registers after the user closed it ----"
sed 's/^/#   /' /sys/kernel/debug/tph_emu/regs | head -n 12
DESC="closing the device disabled TPH"
check grep -q '^req_en 0' /sys/kernel/debug/tph_emu/regs

echo "$BDF" >"$DEV/driver/unbind"
echo >"$DEV/driver_override"
rmmod tph_emu
echo "1..$n"
exit $fail

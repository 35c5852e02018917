#!/bin/sh
# TAP test, run in the bench guest: the emulated TPH capability of the e1000e
# at 01:00.0 and its root port's TPH Completer bits as the real lspci decodes
# them, and the IOMMU setup that vfio-pci with iommufd needs.
#
# The capability comes from tph_emu.ko, loaded here with its default
# parameters.  Without the module the TPH checks fail; they do not skip.

. "$(dirname "$0")/lib.sh"

ktap_print_header
ktap_set_plan 8

# 1. The module loads.
if [ -d /sys/module/tph_emu ]; then
	ok "tph_emu is loaded"
elif [ ! -f $KO ]; then
	nok "tph_emu.ko loads: $KO is not in the initramfs"
elif insmod $KO 2>/tmp/insmod.err; then
	ok "tph_emu.ko loads with default parameters"
else
	nok "tph_emu.ko loads with default parameters"
	diag </tmp/insmod.err
fi

# The module re-enumerates the device; give the rescan a moment.
i=0
while [ ! -e $DEV/config ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

# 2-4. The device's TPH Requester capability, decoded by lspci -vvv.
lspci -vvv -s $BDF >/tmp/dev.lspci 2>/tmp/dev.err
tph_block /tmp/dev.lspci >/tmp/dev.tph
check "lspci -vvv -s 01:00.0 runs" test -s /tmp/dev.lspci
# libkmod finds no /lib/modules/$(uname -r); that costs only the module names.
grep -v 'libkmod' /tmp/dev.err | diag
check "lspci lists a Transaction Processing Hints capability on 01:00.0" \
	test -s /tmp/dev.tph
check "lspci decodes the TPH capability's steering table location" \
	grep -qE 'No steering table available|Steering table in (TPH capability structure|MSI-X table)' /tmp/dev.tph
diag </tmp/dev.tph

# 5. The root port above it advertises TPH Completer support.
rp=$(basename "$(dirname "$(readlink -f $DEV)")")
lspci -vvv -s "$rp" >/tmp/rp.lspci 2>&1
tph_completer /tmp/rp.lspci >/tmp/rp.tph
echo "# root port $rp: $(cat /tmp/rp.tph)"
check "root port $rp: DevCap2 shows TPHComp+" grep -q 'TPHComp+' /tmp/rp.tph

# 6. The e1000e is alone in its IOMMU group.
if [ -d $DEV/iommu_group/devices ]; then
	members=$(ls $DEV/iommu_group/devices)
	grp=$(basename "$(readlink $DEV/iommu_group)")
	check "01:00.0 is alone in IOMMU group $grp" test "$members" = "$BDF"
	[ "$members" = "$BDF" ] || echo "# group members: $members"
else
	nok "01:00.0 has an IOMMU group"
fi

# 7. iommufd is there.
check "iommufd: /dev/iommu exists" test -c /dev/iommu

# 8. vfio-pci gives the device a vfio cdev (/dev/vfio/devices/vfioN).  Bind
# it with the vfio selftests' setup.sh and cleanup.sh, and restore the
# previous binding afterwards.
cdev() { ls -d $DEV/vfio-dev/vfio* 2>/dev/null | head -n1; }
old=
[ -L $DEV/driver ] && old=$(basename "$(readlink $DEV/driver)")
if [ "$old" != vfio-pci ]; then
	bind_to vfio-pci
fi
c=$(cdev)
if [ -n "$c" ] && [ -c "/dev/vfio/devices/$(basename "$c")" ]; then
	ok "vfio cdev: /dev/vfio/devices/$(basename "$c") for 01:00.0"
else
	nok "vfio cdev: /dev/vfio/devices/vfioN for 01:00.0 (driver: $(basename "$(readlink $DEV/driver 2>/dev/null)"))"
	ls -l /dev/vfio /dev/vfio/devices 2>&1 | diag
fi
if [ "$old" != vfio-pci ]; then
	unbind
	[ -n "$old" ] && echo $BDF >"/sys/bus/pci/drivers/$old/bind"
fi
ktap_finished

// SPDX-License-Identifier: GPL-2.0
/*
 * tph_emu - the reset model: an FLR of the endpoint and a Secondary Bus
 * Reset from its Root Port clear the emulated registers, and are counted;
 * so are the writes that turn the endpoint's Memory Space Enable on.
 */

#include <linux/pci.h>

#include "tph_emu.h"

/* A reset returns every writable bit of the capability to 0 */
static void tph_emu_reset_regs(void)
{
	unsigned int i;

	for (i = 0; i < emu.cap_len; i++)
		emu.regs[i] &= ~emu.wmask[i];
}

/* Does a write of @val (@size bytes at @where) set @bit of the word at @reg? */
static bool tph_emu_sets(int where, int size, u32 val, unsigned int reg,
			 u16 bit)
{
	unsigned int pos = __ffs(bit);
	int byte = reg + pos / BITS_PER_BYTE;

	if (byte < where || byte >= where + size)
		return false;
	return (val >> ((byte - where) * BITS_PER_BYTE + pos % BITS_PER_BYTE)) & 1;
}

/* Model the resets that clear the emulated registers; called under lock */
void tph_emu_watch_write(struct pci_bus *bus, unsigned int devfn,
			 int where, int size, u32 val)
{
	if (!emu.cap)
		return;

	if (emu.ep_exp && bus == emu.ep.bus && devfn == emu.ep_devfn &&
	    tph_emu_sets(where, size, val, emu.ep_exp + PCI_EXP_DEVCTL,
			 PCI_EXP_DEVCTL_BCR_FLR)) {
		tph_emu_reset_regs();
		emu.flrs++;
	}

	if (emu.bridge_ctl && bus == emu.rp.bus && devfn == emu.rp_devfn &&
	    tph_emu_sets(where, size, val, emu.bridge_ctl,
			 PCI_BRIDGE_CTL_BUS_RESET)) {
		tph_emu_reset_regs();
		emu.bus_resets++;
	}
}

/*
 * Does this write to the endpoint's Command register turn on Memory Space
 * Enable, which is off?  Counted, so that a test sees whether the kernel
 * enabled memory decode for an MMIO access while userspace had it off.
 * Called under the lock.
 */
bool tph_emu_enables_memory(struct pci_bus *bus, unsigned int devfn,
			    int where, int size, u32 val)
{
	u32 cmd;

	if (!emu.cap || bus != emu.ep.bus || devfn != emu.ep_devfn ||
	    !tph_emu_sets(where, size, val, PCI_COMMAND, PCI_COMMAND_MEMORY))
		return false;
	if (tph_emu_orig_ops(bus)->read(bus, devfn, PCI_COMMAND, 2, &cmd))
		return false;
	return !(cmd & PCI_COMMAND_MEMORY);
}

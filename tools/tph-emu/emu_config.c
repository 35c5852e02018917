// SPDX-License-Identifier: GPL-2.0
/*
 * tph_emu - the config space overlay: the read() and write() accessors that
 * replace those of the endpoint's and the Root Port's buses, and their
 * "unresponsive" behaviour; the emulated registers of the TPH Requester
 * capability; where in extended config space the capability goes; and the
 * install and removal of the accessors.
 */

#include <linux/bitfield.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "tph_emu.h"

/* Assumed size of an extended capability of unknown layout */
#define TPH_EMU_EXT_CAP_DEFAULT_LEN	0x40

/* Writable bits of the TPH Control register */
#define TPH_EMU_CTRL_WMASK	(PCI_TPH_CTRL_MODE_SEL_MASK | \
				 PCI_TPH_CTRL_REQ_EN_MASK)

struct tph_emu emu = {
	.lock = __RAW_SPIN_LOCK_UNLOCKED(emu.lock),
};

struct pci_ops *tph_emu_orig_ops(struct pci_bus *bus)
{
	/*
	 * A bus created below the Root Port's bus while the overlay is
	 * installed inherits its accessors; send it to the endpoint bus's
	 * original ones, which on x86 are the same pci_root_ops.
	 */
	if (bus == emu.rp.bus)
		return emu.rp.ops;
	return emu.ep.ops;
}

static bool tph_emu_hits_cap(struct pci_bus *bus, unsigned int devfn,
			     int where)
{
	/* Accesses are naturally aligned, @cap and @cap_len dword aligned */
	return emu.cap && bus == emu.ep.bus && devfn == emu.ep_devfn &&
	       where >= emu.cap && where < emu.cap + emu.cap_len;
}

/* Replace the bits @mask of the dword at @reg with @bits in a read of it */
static u32 tph_emu_patch(int where, int size, u32 val, unsigned int reg,
			 u32 mask, u32 bits)
{
	unsigned int shift;

	if (where < reg || where >= reg + 4)
		return val;

	shift = (where - reg) * BITS_PER_BYTE;
	mask >>= shift;
	bits >>= shift;
	if (size < 4)
		mask &= GENMASK(size * BITS_PER_BYTE - 1, 0);

	return (val & ~mask) | (bits & mask);
}

static u32 tph_emu_get(unsigned int off, int size)
{
	u32 val = 0;
	int i;

	for (i = 0; i < size; i++)
		val |= (u32)emu.regs[off + i] << (i * BITS_PER_BYTE);

	return val;
}

static void tph_emu_put(unsigned int off, int size, u32 val)
{
	int i;

	for (i = 0; i < size; i++) {
		u8 m = emu.wmask[off + i];
		u8 b = val >> (i * BITS_PER_BYTE);

		emu.regs[off + i] = (emu.regs[off + i] & ~m) | (b & m);
	}
}

static int tph_emu_read(struct pci_bus *bus, unsigned int devfn, int where,
			int size, u32 *val)
{
	unsigned long flags;
	int ret;

	raw_spin_lock_irqsave(&emu.lock, flags);

	if (tph_emu_hits_cap(bus, devfn, where)) {
		/*
		 * What the Root Complex makes of a read that gets no
		 * completion; the accessors report success all the same.
		 */
		if (emu.unresponsive)
			*val = size < 4 ? GENMASK(size * BITS_PER_BYTE - 1, 0) :
					  ~0U;
		else
			*val = tph_emu_get(where - emu.cap, size);
		emu.reads++;
		raw_spin_unlock_irqrestore(&emu.lock, flags);
		return PCIBIOS_SUCCESSFUL;
	}

	ret = tph_emu_orig_ops(bus)->read(bus, devfn, where, size, val);
	if (ret == PCIBIOS_SUCCESSFUL) {
		if (emu.link && bus == emu.ep.bus && devfn == emu.ep_devfn)
			*val = tph_emu_patch(where, size, *val, emu.link,
					     GENMASK(31, 20),
					     (u32)emu.cap << 20);
		if (emu.devcap2 && bus == emu.rp.bus && devfn == emu.rp_devfn)
			*val = tph_emu_patch(where, size, *val, emu.devcap2,
					     PCI_EXP_DEVCAP2_TPH_COMP_MASK,
					     FIELD_PREP(PCI_EXP_DEVCAP2_TPH_COMP_MASK,
							emu.comp));
		if (emu.ep_exp && bus == emu.ep.bus && devfn == emu.ep_devfn)
			*val = tph_emu_patch(where, size, *val,
					     emu.ep_exp + PCI_EXP_DEVCAP,
					     PCI_EXP_DEVCAP_FLR,
					     PCI_EXP_DEVCAP_FLR);
		if (emu.ep_devcap2 && bus == emu.ep.bus && devfn == emu.ep_devfn)
			*val = tph_emu_patch(where, size, *val, emu.ep_devcap2,
					     PCI_EXP_DEVCAP2_TPH_COMP_MASK,
					     FIELD_PREP(PCI_EXP_DEVCAP2_TPH_COMP_MASK,
							emu.ep_comp));
	}

	raw_spin_unlock_irqrestore(&emu.lock, flags);

	return ret;
}

static int tph_emu_write(struct pci_bus *bus, unsigned int devfn, int where,
			 int size, u32 val)
{
	unsigned long flags;
	int ret;

	raw_spin_lock_irqsave(&emu.lock, flags);

	if (tph_emu_hits_cap(bus, devfn, where)) {
		/* A device that does not respond does not see the write */
		if (emu.unresponsive)
			emu.dropped_writes++;
		else
			tph_emu_put(where - emu.cap, size, val);
		emu.writes++;
		ret = PCIBIOS_SUCCESSFUL;
	} else {
		bool mem_on = tph_emu_enables_memory(bus, devfn, where, size, val);

		/* The patched header, DEVCAP and DEVCAP2 are read-only anyway */
		ret = tph_emu_orig_ops(bus)->write(bus, devfn, where, size, val);
		if (ret == PCIBIOS_SUCCESSFUL) {
			tph_emu_watch_write(bus, devfn, where, size, val);
			emu.mem_enables += mem_on;
		}
	}

	raw_spin_unlock_irqrestore(&emu.lock, flags);

	return ret;
}

static void tph_emu_init_dword(unsigned int off, u32 val, u32 wmask)
{
	int i;

	for (i = 0; i < 4; i++) {
		emu.regs[off + i] = val >> (i * BITS_PER_BYTE);
		emu.wmask[off + i] = wmask >> (i * BITS_PER_BYTE);
	}
}

/* Lay out the emulated capability at @cap */
void tph_emu_init_regs(u16 cap)
{
	u32 reg = modes & (PCI_TPH_CAP_ST_NS | PCI_TPH_CAP_ST_IV |
			   PCI_TPH_CAP_ST_DS);
	unsigned int i;

	if (ext)
		reg |= PCI_TPH_CAP_EXT_TPH;
	reg |= emu.st_loc;
	if (emu.st_loc != PCI_TPH_LOC_NONE)
		reg |= FIELD_PREP(PCI_TPH_CAP_ST_MASK, st_size - 1);

	memset(emu.regs, 0, sizeof(emu.regs));
	memset(emu.wmask, 0, sizeof(emu.wmask));

	/* ID, version 1, no next capability */
	tph_emu_init_dword(0, PCI_EXT_CAP_ID_TPH | 1 << 16, 0);
	tph_emu_init_dword(PCI_TPH_CAP, reg, 0);
	tph_emu_init_dword(PCI_TPH_CTRL, 0, TPH_EMU_CTRL_WMASK);

	/* ST table entries are read-write, the padding to a dword is not */
	if (emu.st_loc == PCI_TPH_LOC_CAP)
		for (i = 0; i < st_size * sizeof(u16); i++)
			emu.wmask[PCI_TPH_BASE_SIZEOF + i] = 0xff;

	emu.cap = cap;
}

/*
 * How many bytes the extended capability at @pos takes, so that the new
 * capability goes after it.  Capabilities of unknown layout are assumed to
 * take TPH_EMU_EXT_CAP_DEFAULT_LEN; the search for free space that follows
 * also skips anything that does not read as 0.
 */
static unsigned int tph_emu_ext_cap_len(struct pci_dev *pdev, int pos,
					u32 header)
{
	u32 reg;

	switch (PCI_EXT_CAP_ID(header)) {
	case PCI_EXT_CAP_ID_ERR:
		return PCI_ERR_PREFIX_LOG + 16;
	case PCI_EXT_CAP_ID_DSN:
		return PCI_EXT_CAP_DSN_SIZEOF;
	case PCI_EXT_CAP_ID_PWR:
		return PCI_EXT_CAP_PWR_SIZEOF;
	case PCI_EXT_CAP_ID_ARI:
		return PCI_EXT_CAP_ARI_SIZEOF;
	case PCI_EXT_CAP_ID_ATS:
		return PCI_EXT_CAP_ATS_SIZEOF;
	case PCI_EXT_CAP_ID_PRI:
		return PCI_EXT_CAP_PRI_SIZEOF;
	case PCI_EXT_CAP_ID_PASID:
		return PCI_EXT_CAP_PASID_SIZEOF;
	case PCI_EXT_CAP_ID_LTR:
		return PCI_EXT_CAP_LTR_SIZEOF;
	case PCI_EXT_CAP_ID_SRIOV:
		return PCI_EXT_CAP_SRIOV_SIZEOF;
	case PCI_EXT_CAP_ID_VNDR:
		if (pci_read_config_dword(pdev, pos + PCI_VNDR_HEADER, &reg))
			break;
		return max(PCI_VNDR_HEADER_LEN(reg), 8U);
	case PCI_EXT_CAP_ID_DVSEC:
		if (pci_read_config_dword(pdev, pos + PCI_DVSEC_HEADER1, &reg))
			break;
		return max(PCI_DVSEC_HEADER1_LEN(reg), 12U);
	}

	return TPH_EMU_EXT_CAP_DEFAULT_LEN;
}

/*
 * Find where the new capability goes: the first run of @len bytes of
 * extended config space that reads as 0, after the end of the existing
 * extended capabilities.  Also find the last capability, whose Next
 * pointer is to be patched.  Reads go through the original accessors: the
 * overlay is not installed yet.
 */
int tph_emu_find_space(struct pci_dev *pdev, unsigned int len,
		       u16 *cap, u16 *last)
{
	int ttl = (PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / 8;
	unsigned int pos = PCI_CFG_SPACE_SIZE, end = PCI_CFG_SPACE_SIZE;
	unsigned int run = 0, start = 0;
	u32 header;

	*last = 0;

	if (pci_read_config_dword(pdev, pos, &header) || PCI_POSSIBLE_ERROR(header))
		return -ENODEV;

	while (header && ttl-- > 0) {
		*last = pos;
		end = max(end, pos + tph_emu_ext_cap_len(pdev, pos, header));

		pos = PCI_EXT_CAP_NEXT(header);
		if (pos < PCI_CFG_SPACE_SIZE)
			break;
		if (pci_read_config_dword(pdev, pos, &header))
			return -EIO;
	}

	for (pos = ALIGN(end, 4); pos + 4 <= PCI_CFG_SPACE_EXP_SIZE; pos += 4) {
		if (pci_read_config_dword(pdev, pos, &header))
			return -EIO;
		if (header) {
			run = 0;
			continue;
		}
		if (!run)
			start = pos;
		run += 4;
		if (run >= len) {
			*cap = start;
			return 0;
		}
	}

	return -ENOSPC;
}

int tph_emu_set_ops(struct tph_emu_bus *b)
{
	struct pci_ops *old;
	unsigned long flags;

	/* Record the original accessors before anyone can call ours */
	raw_spin_lock_irqsave(&emu.lock, flags);
	b->ops = READ_ONCE(b->bus->ops);
	raw_spin_unlock_irqrestore(&emu.lock, flags);
	b->emu_ops = (struct pci_ops) {
		.map_bus = b->ops->map_bus,
		.read = tph_emu_read,
		.write = tph_emu_write,
	};

	old = pci_bus_set_ops(b->bus, &b->emu_ops);
	if (WARN_ON(old != b->ops)) {
		pci_bus_set_ops(b->bus, old);
		return -EBUSY;
	}

	return 0;
}

void tph_emu_restore_ops(struct tph_emu_bus *b)
{
	struct pci_ops *old;

	old = pci_bus_set_ops(b->bus, b->ops);
	WARN_ON(old != &b->emu_ops);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * tph_emu - emulate a PCIe TPH Requester Extended Capability (test only)
 *
 * No QEMU device implements a TPH Requester Extended Capability and no QEMU
 * Root Port reports TPH Completer support.  This module overlays both on a
 * chosen endpoint and its Root Port by replacing the config accessors of
 * their buses with pci_bus_set_ops(), as drivers/pci/pcie/aer_inject.c
 * does:
 *
 *  - in the endpoint's extended config space, after its last extended
 *    capability, a TPH Requester Extended Capability whose registers live
 *    in this module and behave like hardware: read-only fields ignore
 *    writes, ST Mode Select, TPH Requester Enable and the ST table entries
 *    are writable;
 *  - the Next pointer of the previously last extended capability, which
 *    then reads as the new capability's offset;
 *  - bits 13:12 (TPH Completer Supported) of the Root Port's Device
 *    Capabilities 2 register;
 *  - with flr=1, Function Level Reset Capability in the endpoint's Device
 *    Capabilities register;
 *  - with ep_completer=tph, ext or rsvd, the endpoint's own TPH Completer
 *    Supported bits, for TPH in peer-to-peer requests to its memory.
 *
 * completer=rsvd and ep_completer=rsvd present the reserved encoding 10b,
 * which no conforming device reports, to test how the kernel treats it.
 *
 * Resets clear the emulated registers as they clear hardware's: ST Mode
 * Select, TPH Requester Enable and the ST table entries return to 0 when
 * Initiate Function Level Reset is written to the endpoint (flr=1), and
 * when Secondary Bus Reset is set in the Root Port's Bridge Control
 * register.  The writes still reach the real device and Root Port.
 *
 * All other config accesses pass through to the original accessors.
 *
 * pci_tph_init() looks for the capability only when the device is
 * enumerated, so the endpoint is removed and its bus rescanned after the
 * overlay is installed, and again after it is removed on unload.
 *
 * debugfs (tph_emu/) shows the emulated registers and the Steering Tag
 * field of every entry of the endpoint's MSI-X table ("regs"), counts the
 * config accesses that hit the capability and the resets ("counters"),
 * offers a test path into the PCI core's TPH functions ("core_test") and
 * lets the capability stop responding ("unresponsive"): while it is 1,
 * config reads of the capability return all ones, as from a device in
 * reset or surprise-removed, and config writes to it are dropped; both
 * still count in "reads" and "writes", the writes also in
 * "dropped_writes".  "mem_enables" counts the config writes that turn the
 * endpoint's Memory Space Enable on while it is off.  "msix_poke" writes a Steering Tag into an MSI-X table
 * entry behind the kernel's back, as firmware or a kexec'd kernel leaves one.
 *
 * A PCI driver named "tph_emu" that matches no device on its own can be
 * bound to the endpoint through driver_override.  It enables the device and
 * allocates all its MSI-X vectors, which pcie_tph_set_st_entries() needs for
 * an ST table in the MSI-X table.
 *
 * This is a test tool.  Do not load it on a machine that matters.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitfield.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci-tph.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>

static char *bdf = "0000:01:00.0";
module_param(bdf, charp, 0444);
MODULE_PARM_DESC(bdf, "Endpoint to give a TPH Requester capability, DDDD:BB:DD.F (default: 0000:01:00.0)");

static bool present = true;
module_param(present, bool, 0444);
MODULE_PARM_DESC(present, "Install the TPH Requester capability; the Root Port overlay applies either way (default: true)");

static unsigned int modes = PCI_TPH_CAP_ST_NS | PCI_TPH_CAP_ST_IV |
			    PCI_TPH_CAP_ST_DS;
module_param(modes, uint, 0444);
MODULE_PARM_DESC(modes, "Supported ST modes: 1 No ST, 2 Interrupt Vector, 4 Device Specific, or a sum (default: 7)");

static char *loc = "cap";
module_param(loc, charp, 0444);
MODULE_PARM_DESC(loc, "ST table location: cap, msix or none (default: cap)");

static unsigned int st_size = 16;
module_param(st_size, uint, 0444);
MODULE_PARM_DESC(st_size, "ST table entries: 1-64 for cap, 1-MSI-X table size for msix (default: 16)");

static bool ext;
module_param(ext, bool, 0444);
MODULE_PARM_DESC(ext, "Extended TPH Requester Supported (default: false)");

static char *completer = "ext";
module_param(completer, charp, 0444);
MODULE_PARM_DESC(completer, "Root Port TPH Completer Supported: none, tph, ext or rsvd (the reserved encoding 10b) (default: ext)");

static char *ep_completer = "none";
module_param(ep_completer, charp, 0444);
MODULE_PARM_DESC(ep_completer, "The endpoint's own TPH Completer Supported, for peer-to-peer TPH to its memory: none, tph, ext or rsvd (the reserved encoding 10b) (default: none)");

static bool no_reset;
module_param(no_reset, bool, 0444);
MODULE_PARM_DESC(no_reset, "Leave the endpoint no way to be reset: no reset method, and no bus reset (PCI_DEV_FLAGS_NO_BUS_RESET), as for a device that shares its bus or has a reset quirk, so that state survives from one owner to the next (default: false)");

static bool flr = true;
module_param(flr, bool, 0444);
MODULE_PARM_DESC(flr, "Advertise Function Level Reset on the endpoint; an FLR clears the TPH registers (default: true)");

/* The PCIe limit for an ST table in the TPH Requester capability */
#define TPH_EMU_CAP_ST_MAX	64
/* The largest table the 11-bit ST Table Size field can describe */
#define TPH_EMU_ST_MAX		2048U
#define TPH_EMU_REGS_MAX	(PCI_TPH_BASE_SIZEOF + \
				 TPH_EMU_CAP_ST_MAX * sizeof(u16))
/* Assumed size of an extended capability of unknown layout */
#define TPH_EMU_EXT_CAP_DEFAULT_LEN	0x40

/*
 * The reserved value 10b of TPH Completer Supported, between
 * PCI_EXP_DEVCAP2_TPH_COMP_TPH_ONLY and PCI_EXP_DEVCAP2_TPH_COMP_EXT_TPH
 */
#define TPH_EMU_DEVCAP2_TPH_COMP_RSVD	0x2

/* Writable bits of the TPH Control register */
#define TPH_EMU_CTRL_WMASK	(PCI_TPH_CTRL_MODE_SEL_MASK | \
				 PCI_TPH_CTRL_REQ_EN_MASK)

struct tph_emu_bus {
	struct pci_bus *bus;
	struct pci_ops *ops;		/* the original accessors */
	/*
	 * Ours, with the original's map_bus(): an ECAM host bridge's read()
	 * and write() (pci_generic_config_read() and friends) call the
	 * bus's ->map_bus(), which then is this one's.
	 */
	struct pci_ops emu_ops;
};

/*
 * State of the overlay.  x86 config accesses take no lock of their own
 * (PCI_LOCKLESS_CONFIG), while the sysfs config file calls the accessors
 * under the raw pci_lock, so @lock is a raw spinlock.  The fields up to
 * @lock are set before the accessors are installed and are not changed
 * while they are.
 */
static struct tph_emu {
	int domain;
	struct tph_emu_bus ep;		/* the endpoint's bus */
	struct tph_emu_bus rp;		/* the Root Port's bus; .bus may be NULL */
	unsigned int ep_devfn;
	unsigned int rp_devfn;
	u32 st_loc;			/* PCI_TPH_LOC_* */
	u16 cap;			/* offset of the capability, 0 if none */
	u16 cap_len;
	u16 link;			/* header whose Next pointer is patched */
	u16 devcap2;			/* Root Port DEVCAP2 offset, 0 if none */
	u16 bridge_ctl;			/* Root Port Bridge Control, 0 if none */
	u32 comp;			/* PCI_EXP_DEVCAP2_TPH_COMP_* */
	u16 ep_devcap2;			/* endpoint DEVCAP2, 0 unless ep_completer */
	u32 ep_comp;			/* PCI_EXP_DEVCAP2_TPH_COMP_* */
	u16 ep_exp;			/* endpoint PCIe capability, with flr */

	raw_spinlock_t lock;		/* protects the fields below */
	u8 regs[TPH_EMU_REGS_MAX];
	u8 wmask[TPH_EMU_REGS_MAX];
	u64 reads;
	u64 writes;
	u64 flrs;			/* FLRs seen */
	u64 bus_resets;			/* Secondary Bus Resets seen */
	u64 dropped_writes;		/* writes while unresponsive, in @writes too */
	u64 mem_enables;		/* Memory Space Enable set while clear */
	bool unresponsive;		/* the capability reads as all ones */
} emu = {
	.lock = __RAW_SPIN_LOCK_UNLOCKED(emu.lock),
};

/* Result of the last core_test command */
struct tph_emu_entry {
	unsigned int cpu;
	u16 tag;
};

static struct {
	struct mutex lock;		/* serializes commands and their result */
	char cmd[32];
	int ret;
	int req_type;
	bool has_entries;
	unsigned int nr;		/* entries resolved */
	struct tph_emu_entry *entries;	/* st_size of them */
	struct pcie_tph_st_entry *batch;	/* st_size of them */
	u64 accesses;
	bool has_info;
	struct pcie_tph_info info;
} result = {
	.lock = __MUTEX_INITIALIZER(result.lock),
};

static struct dentry *tph_emu_dir;

static struct pci_ops *tph_emu_orig_ops(struct pci_bus *bus)
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
static void tph_emu_watch_write(struct pci_bus *bus, unsigned int devfn,
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
static bool tph_emu_enables_memory(struct pci_bus *bus, unsigned int devfn,
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
static void tph_emu_init_regs(u16 cap)
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
static int tph_emu_find_space(struct pci_dev *pdev, unsigned int len,
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

/* Remove the endpoint and rescan its bus, so that it is enumerated again */
static void tph_emu_reenumerate(void)
{
	struct pci_dev *pdev;

	pci_lock_rescan_remove();
	pdev = pci_get_domain_bus_and_slot(emu.domain, emu.ep.bus->number,
					   emu.ep_devfn);
	if (pdev) {
		pci_stop_and_remove_bus_device(pdev);
		pci_dev_put(pdev);
	}
	pci_rescan_bus(emu.ep.bus);
	pci_unlock_rescan_remove();
}

static struct pci_dev *tph_emu_get_pdev(void)
{
	return pci_get_domain_bus_and_slot(emu.domain, emu.ep.bus->number,
					   emu.ep_devfn);
}

static int tph_emu_set_ops(struct tph_emu_bus *b)
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

static void tph_emu_restore_ops(struct tph_emu_bus *b)
{
	struct pci_ops *old;

	old = pci_bus_set_ops(b->bus, b->ops);
	WARN_ON(old != &b->emu_ops);
}

/* A TPH Completer Supported value, named by parameter @param */
static int tph_emu_parse_comp(const char *param, const char *val, u32 *comp)
{
	if (!strcmp(val, "none")) {
		*comp = PCI_EXP_DEVCAP2_TPH_COMP_NONE;
	} else if (!strcmp(val, "tph")) {
		*comp = PCI_EXP_DEVCAP2_TPH_COMP_TPH_ONLY;
	} else if (!strcmp(val, "ext")) {
		*comp = PCI_EXP_DEVCAP2_TPH_COMP_EXT_TPH;
	} else if (!strcmp(val, "rsvd")) {
		*comp = TPH_EMU_DEVCAP2_TPH_COMP_RSVD;
	} else {
		pr_err("%s=%s must be none, tph, ext or rsvd\n", param, val);
		return -EINVAL;
	}
	return 0;
}

static int tph_emu_parse_params(unsigned int *domain, unsigned int *busnr,
				unsigned int *devfn)
{
	unsigned int slot, func;
	int n = 0;

	if (sscanf(bdf, "%x:%x:%x.%x%n", domain, busnr, &slot, &func, &n) != 4 ||
	    bdf[n] || *domain > 0xffff || *busnr > 0xff || slot > 0x1f ||
	    func > 7) {
		pr_err("bdf=%s is not DDDD:BB:DD.F\n", bdf);
		return -EINVAL;
	}
	*devfn = PCI_DEVFN(slot, func);

	if (!modes || modes > (PCI_TPH_CAP_ST_NS | PCI_TPH_CAP_ST_IV |
			       PCI_TPH_CAP_ST_DS)) {
		pr_err("modes=%u must be 1 to 7\n", modes);
		return -EINVAL;
	}

	if (!strcmp(loc, "cap")) {
		emu.st_loc = PCI_TPH_LOC_CAP;
	} else if (!strcmp(loc, "msix")) {
		emu.st_loc = PCI_TPH_LOC_MSIX;
	} else if (!strcmp(loc, "none")) {
		emu.st_loc = PCI_TPH_LOC_NONE;
	} else {
		pr_err("loc=%s must be cap, msix or none\n", loc);
		return -EINVAL;
	}

	if (tph_emu_parse_comp("completer", completer, &emu.comp) ||
	    tph_emu_parse_comp("ep_completer", ep_completer, &emu.ep_comp))
		return -EINVAL;

	if (emu.st_loc == PCI_TPH_LOC_CAP &&
	    (!st_size || st_size > TPH_EMU_CAP_ST_MAX)) {
		pr_err("st_size=%u must be 1 to %u for loc=cap\n", st_size,
		       TPH_EMU_CAP_ST_MAX);
		return -EINVAL;
	}
	if (emu.st_loc == PCI_TPH_LOC_NONE && st_size > TPH_EMU_ST_MAX) {
		pr_err("st_size=%u must be at most %u for loc=none\n", st_size,
		       TPH_EMU_ST_MAX);
		return -EINVAL;
	}

	return 0;
}

/* Check @pdev and set up the layout of the overlay, not installed yet */
static int tph_emu_setup(struct pci_dev *pdev)
{
	struct pci_dev *rp;
	u16 cap = 0, last = 0;
	int ret, vecs;

	if (!pci_is_pcie(pdev) || pdev->cfg_size < PCI_CFG_SPACE_EXP_SIZE) {
		pci_err(pdev, "not PCIe or no extended config space\n");
		return -ENODEV;
	}
	if (pdev->tph_cap) {
		pci_err(pdev, "already has a TPH Requester capability at %#x\n",
			pdev->tph_cap);
		return -EBUSY;
	}

	if (emu.st_loc == PCI_TPH_LOC_MSIX) {
		vecs = pci_msix_vec_count(pdev);
		if (vecs <= 0) {
			pci_err(pdev, "loc=msix but the device has no MSI-X\n");
			return -EINVAL;
		}
		if (!st_size || st_size > vecs) {
			pci_err(pdev, "st_size=%u must be 1 to %d (the MSI-X table size) for loc=msix\n",
				st_size, vecs);
			return -EINVAL;
		}
	}

	emu.cap_len = PCI_TPH_BASE_SIZEOF;
	if (emu.st_loc == PCI_TPH_LOC_CAP)
		emu.cap_len = ALIGN(PCI_TPH_BASE_SIZEOF + st_size * sizeof(u16), 4);

	if (present) {
		ret = tph_emu_find_space(pdev, emu.cap_len, &cap, &last);
		if (ret) {
			pci_err(pdev, "no room for a TPH capability of %u bytes: %d\n",
				emu.cap_len, ret);
			return ret;
		}
		tph_emu_init_regs(cap);
		/* A capability at 0x100 is the first one, nothing to link */
		if (cap != PCI_CFG_SPACE_SIZE)
			emu.link = last;
		if (flr)
			emu.ep_exp = pdev->pcie_cap;
	}

	if (emu.ep_comp != PCI_EXP_DEVCAP2_TPH_COMP_NONE) {
		/* A version 1 capability has no Device Capabilities 2 */
		if ((pcie_caps_reg(pdev) & PCI_EXP_FLAGS_VERS) < 2) {
			pci_err(pdev, "ep_completer=%s needs a version 2 PCI Express capability\n",
				ep_completer);
			return -EINVAL;
		}
		emu.ep_devcap2 = pdev->pcie_cap + PCI_EXP_DEVCAP2;
	}

	rp = pcie_find_root_port(pdev);
	if (rp && rp->pcie_cap) {
		emu.rp.bus = rp->bus;
		emu.rp_devfn = rp->devfn;
		emu.devcap2 = rp->pcie_cap + PCI_EXP_DEVCAP2;
		emu.bridge_ctl = PCI_BRIDGE_CONTROL;
	} else {
		pci_warn(pdev, "no Root Port, completer=%s has no effect\n",
			 completer);
	}

	return 0;
}

static int tph_emu_install(void)
{
	unsigned int domain, busnr, devfn;
	struct pci_dev *pdev;
	int ret;

	ret = tph_emu_parse_params(&domain, &busnr, &devfn);
	if (ret)
		return ret;

	pdev = pci_get_domain_bus_and_slot(domain, busnr, devfn);
	if (!pdev) {
		pr_err("no PCI device %s\n", bdf);
		return -ENODEV;
	}

	emu.domain = domain;
	emu.ep.bus = pdev->bus;
	emu.ep_devfn = devfn;
	ret = tph_emu_setup(pdev);
	pci_dev_put(pdev);
	if (ret)
		return ret;

	/* Keep the buses around until the accessors are restored */
	get_device(&emu.ep.bus->dev);
	ret = tph_emu_set_ops(&emu.ep);
	if (ret)
		goto err_put_ep;

	if (emu.rp.bus && emu.rp.bus != emu.ep.bus) {
		get_device(&emu.rp.bus->dev);
		ret = tph_emu_set_ops(&emu.rp);
		if (ret)
			goto err_put_rp;
	} else if (emu.rp.bus) {
		emu.rp.ops = emu.ep.ops;
	}

	tph_emu_reenumerate();

	pdev = tph_emu_get_pdev();
	if (!pdev) {
		pr_err("%s did not come back after the rescan\n", bdf);
		ret = -ENODEV;
		goto err_restore;
	}
	if (pdev->tph_cap != emu.cap)
		pci_warn(pdev, "PCI core found TPH at %#x, expected %#x\n",
			 pdev->tph_cap, emu.cap);
	/* Set up anew by the rescan; nothing is bound to the device yet */
	if (no_reset) {
		pdev->reset_methods[0] = 0;
		pdev->dev_flags |= PCI_DEV_FLAGS_NO_BUS_RESET;
	}
	if (present)
		pci_info(pdev, "TPH Requester capability emulated at %#x (%u bytes): modes=%#x ext=%d loc=%s st_size=%u; Root Port completer=%s\n",
			 emu.cap, emu.cap_len, modes, ext, loc, st_size,
			 completer);
	else
		pci_info(pdev, "no TPH Requester capability; Root Port completer=%s\n",
			 completer);
	pci_dev_put(pdev);

	return 0;

err_restore:
	if (emu.rp.bus && emu.rp.bus != emu.ep.bus)
		tph_emu_restore_ops(&emu.rp);
	tph_emu_restore_ops(&emu.ep);
	tph_emu_reenumerate();
err_put_rp:
	if (emu.rp.bus && emu.rp.bus != emu.ep.bus)
		put_device(&emu.rp.bus->dev);
err_put_ep:
	put_device(&emu.ep.bus->dev);
	return ret;
}

static void tph_emu_uninstall(void)
{
	if (emu.rp.bus && emu.rp.bus != emu.ep.bus)
		tph_emu_restore_ops(&emu.rp);
	tph_emu_restore_ops(&emu.ep);

	tph_emu_reenumerate();

	if (emu.rp.bus && emu.rp.bus != emu.ep.bus)
		put_device(&emu.rp.bus->dev);
	put_device(&emu.ep.bus->dev);
}

static const char *tph_emu_loc_name(u32 st_loc)
{
	switch (st_loc) {
	case PCI_TPH_LOC_CAP:
		return "cap";
	case PCI_TPH_LOC_MSIX:
		return "msix";
	default:
		return "none";
	}
}

/*
 * Print the Steering Tags of an ST table in the MSI-X table.  The PCIe
 * spec puts entry i in bits 31:16 of the Vector Control word of MSI-X
 * table entry i.  QEMU's MSI-X table (hw/pci/msix.c) stores every dword
 * written to it as written and returns it on reads, those bits included,
 * so the table itself is the faithful place to read them back from.
 */
static void tph_emu_show_msix_st(struct seq_file *m)
{
	struct pci_dev *pdev;
	void __iomem *base;
	u32 table, off;
	u16 cmd;
	int bir;
	unsigned int i;

	pdev = tph_emu_get_pdev();
	if (!pdev || !pdev->msix_cap) {
		seq_puts(m, "st unreadable: no device or no MSI-X\n");
		goto out;
	}

	pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_TABLE, &table);
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	bir = table & PCI_MSIX_TABLE_BIR;
	off = table & PCI_MSIX_TABLE_OFFSET;
	if (!(cmd & PCI_COMMAND_MEMORY) || !pci_resource_start(pdev, bir) ||
	    pci_resource_len(pdev, bir) < off + st_size * PCI_MSIX_ENTRY_SIZE) {
		seq_puts(m, "st unreadable: MSI-X table BAR not decoded\n");
		goto out;
	}

	base = ioremap(pci_resource_start(pdev, bir) + off,
		       st_size * PCI_MSIX_ENTRY_SIZE);
	if (!base) {
		seq_puts(m, "st unreadable: ioremap failed\n");
		goto out;
	}

	for (i = 0; i < st_size; i++) {
		u32 ctrl = readl(base + i * PCI_MSIX_ENTRY_SIZE +
				 PCI_MSIX_ENTRY_VECTOR_CTRL);

		seq_printf(m, "st[%u] 0x%04x\n", i,
			   (u32)FIELD_GET(PCI_MSIX_ENTRY_CTRL_ST, ctrl));
	}

	iounmap(base);
out:
	pci_dev_put(pdev);
}

/*
 * May the MSI-X table in BAR @bir, mapped from @bus_addr, be read now?
 * Only with Memory Space decode on, in D0 and with the BAR still where it
 * was mapped from: anything else is an Unsupported Request on hardware.
 * Called under emu.lock, through the original accessors: every config
 * write to the endpoint and its Root Port, and so every change of Command,
 * of the power state, of the BAR, an FLR or a Secondary Bus Reset, goes
 * through tph_emu_write() and waits for the lock meanwhile.
 */
static bool tph_emu_msix_readable(struct pci_dev *pdev, int bir,
				  pci_bus_addr_t bus_addr)
{
	struct pci_ops *ops = tph_emu_orig_ops(pdev->bus);
	int bar = PCI_BASE_ADDRESS_0 + bir * 4;
	u32 val;

	if (ops->read(pdev->bus, pdev->devfn, PCI_COMMAND, 2, &val) ||
	    val == 0xffff || !(val & PCI_COMMAND_MEMORY))
		return false;

	/* PowerState 0 is D0; a function without the PM capability is in D0 */
	if (pdev->pm_cap &&
	    (ops->read(pdev->bus, pdev->devfn, pdev->pm_cap + PCI_PM_CTRL, 2,
		       &val) || val == 0xffff || (val & PCI_PM_CTRL_STATE_MASK)))
		return false;

	if (ops->read(pdev->bus, pdev->devfn, bar, 4, &val) ||
	    (val & PCI_BASE_ADDRESS_MEM_MASK) != lower_32_bits(bus_addr))
		return false;
	if ((pci_resource_flags(pdev, bir) & IORESOURCE_MEM_64) &&
	    (bir + 1 >= PCI_STD_NUM_BARS ||
	     ops->read(pdev->bus, pdev->devfn, bar + 4, 4, &val) ||
	     val != upper_32_bits(bus_addr)))
		return false;

	return true;
}

/*
 * Map the MSI-X table of @pdev: *@nr entries in BAR *@bir at bus address
 * *@bus_addr.  Returns the mapping (NULL where the table does not fit its
 * BAR), or an ERR_PTR: -ENODEV without MSI-X, -EIO if the capability does
 * not read.  ioremap() may sleep: the caller checks tph_emu_msix_readable()
 * under the lock before each access.
 */
static void __iomem *tph_emu_msix_map(struct pci_dev *pdev, unsigned int *nr,
				      int *bir, pci_bus_addr_t *bus_addr)
{
	u32 table, off;
	u16 msgctl;

	if (!pdev->msix_cap)
		return IOMEM_ERR_PTR(-ENODEV);
	if (pci_read_config_word(pdev, pdev->msix_cap + PCI_MSIX_FLAGS,
				 &msgctl) || msgctl == 0xffff ||
	    pci_read_config_dword(pdev, pdev->msix_cap + PCI_MSIX_TABLE,
				  &table) || PCI_POSSIBLE_ERROR(table))
		return IOMEM_ERR_PTR(-EIO);
	*nr = (msgctl & PCI_MSIX_FLAGS_QSIZE) + 1;
	*bir = table & PCI_MSIX_TABLE_BIR;
	off = table & PCI_MSIX_TABLE_OFFSET;

	if (*bir >= PCI_STD_NUM_BARS ||
	    !(pci_resource_flags(pdev, *bir) & IORESOURCE_MEM) ||
	    !pci_resource_start(pdev, *bir) ||
	    pci_resource_len(pdev, *bir) <
	    (resource_size_t)off + *nr * PCI_MSIX_ENTRY_SIZE)
		return NULL;
	*bus_addr = pci_bus_address(pdev, *bir);
	return ioremap(pci_resource_start(pdev, *bir) + off,
		       *nr * PCI_MSIX_ENTRY_SIZE);
}

/*
 * Print the Steering Tag field (bits 31:16 of Vector Control) of every
 * entry of the endpoint's MSI-X table, whether its vector is allocated or
 * not and wherever the ST table is, so that a test sees without vfio what
 * reached the table, and that nothing did where nothing should.  Each
 * entry reads "msix_st N unavailable" when the table may not be read.
 */
static void tph_emu_show_msix_table(struct seq_file *m)
{
	bool readable = false;
	void __iomem *base;
	pci_bus_addr_t bus_addr = 0;
	struct pci_dev *pdev;
	unsigned int i, nr = 0;
	unsigned long flags;
	u32 *ctrl = NULL;
	int bir = 0;

	pdev = tph_emu_get_pdev();
	if (!pdev) {
		seq_puts(m, "msix_size 0\n");
		return;
	}
	base = tph_emu_msix_map(pdev, &nr, &bir, &bus_addr);
	if (IS_ERR(base)) {
		seq_printf(m, "msix_size %s\n",
			   PTR_ERR(base) == -ENODEV ? "0" : "unknown");
		goto out;
	}
	seq_printf(m, "msix_size %u\n", nr);
	if (base)
		ctrl = kcalloc(nr, sizeof(*ctrl), GFP_KERNEL);

	if (ctrl) {
		raw_spin_lock_irqsave(&emu.lock, flags);
		readable = tph_emu_msix_readable(pdev, bir, bus_addr);
		for (i = 0; readable && i < nr; i++)
			ctrl[i] = readl(base + i * PCI_MSIX_ENTRY_SIZE +
					PCI_MSIX_ENTRY_VECTOR_CTRL);
		raw_spin_unlock_irqrestore(&emu.lock, flags);
	}

	for (i = 0; i < nr; i++) {
		if (readable)
			seq_printf(m, "msix_st %u 0x%04x\n", i,
				   (u32)FIELD_GET(PCI_MSIX_ENTRY_CTRL_ST,
						  ctrl[i]));
		else
			seq_printf(m, "msix_st %u unavailable\n", i);
	}

	kfree(ctrl);
	if (base)
		iounmap(base);
out:
	pci_dev_put(pdev);
}

/*
 * "INDEX TAG": write TAG into the Steering Tag field of MSI-X table entry
 * INDEX behind the kernel's back, as firmware or a kexec'd kernel leaves
 * one, for a test that the next owner does not inherit it.  Only while no
 * driver has MSI-X enabled (-EBUSY), with the table readable (-EIO).
 */
static ssize_t msix_poke_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	pci_bus_addr_t bus_addr = 0;
	unsigned int idx, tag, nr = 0;
	void __iomem *base, *vc;
	struct pci_dev *pdev;
	unsigned long flags;
	char buf[32];
	int bir = 0, ret = -EIO;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%u %i", &idx, &tag) != 2 || tag > 0xffff)
		return -EINVAL;

	pdev = tph_emu_get_pdev();
	if (!pdev)
		return -ENODEV;
	if (pdev->msix_enabled) {
		ret = -EBUSY;
		goto out;
	}
	base = tph_emu_msix_map(pdev, &nr, &bir, &bus_addr);
	if (IS_ERR_OR_NULL(base)) {
		ret = base ? PTR_ERR(base) : -EIO;
		goto out;
	}
	if (idx < nr) {
		vc = base + idx * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL;
		raw_spin_lock_irqsave(&emu.lock, flags);
		if (tph_emu_msix_readable(pdev, bir, bus_addr)) {
			writel((readl(vc) & ~PCI_MSIX_ENTRY_CTRL_ST) |
			       FIELD_PREP(PCI_MSIX_ENTRY_CTRL_ST, tag), vc);
			ret = count;
		}
		raw_spin_unlock_irqrestore(&emu.lock, flags);
	} else {
		ret = -EINVAL;
	}
	iounmap(base);
out:
	pci_dev_put(pdev);
	return ret;
}

static const struct file_operations msix_poke_fops = {
	.owner = THIS_MODULE,
	.write = msix_poke_write,
};

static int regs_show(struct seq_file *m, void *data)
{
	u8 regs[TPH_EMU_REGS_MAX];
	unsigned long flags;
	unsigned int i;
	u32 cap, ctrl;

	seq_printf(m, "cap_offset %#x\n", emu.cap);
	if (!emu.cap)
		goto msix;

	raw_spin_lock_irqsave(&emu.lock, flags);
	memcpy(regs, emu.regs, sizeof(regs));
	raw_spin_unlock_irqrestore(&emu.lock, flags);

	cap = get_unaligned_le32(regs + PCI_TPH_CAP);
	ctrl = get_unaligned_le32(regs + PCI_TPH_CTRL);
	seq_printf(m, "cap 0x%08x\n", cap);
	seq_printf(m, "ctrl 0x%08x\n", ctrl);
	seq_printf(m, "mode %u\n",
		   (u32)FIELD_GET(PCI_TPH_CTRL_MODE_SEL_MASK, ctrl));
	seq_printf(m, "req_en %u\n",
		   (u32)FIELD_GET(PCI_TPH_CTRL_REQ_EN_MASK, ctrl));
	seq_printf(m, "loc %s\n", tph_emu_loc_name(emu.st_loc));

	switch (emu.st_loc) {
	case PCI_TPH_LOC_CAP:
		seq_printf(m, "st_size %u\n", st_size);
		for (i = 0; i < st_size; i++)
			seq_printf(m, "st[%u] 0x%04x\n", i,
				   get_unaligned_le16(regs + PCI_TPH_BASE_SIZEOF +
						      i * sizeof(u16)));
		break;
	case PCI_TPH_LOC_MSIX:
		seq_printf(m, "st_size %u\n", st_size);
		tph_emu_show_msix_st(m);
		break;
	default:
		seq_puts(m, "st_size 0\n");
		break;
	}

msix:
	tph_emu_show_msix_table(m);

	return 0;
}
DEFINE_SHOW_ATTRIBUTE(regs);

static int counters_show(struct seq_file *m, void *data)
{
	unsigned long flags;
	u64 reads, writes, flrs, bus_resets, dropped_writes, mem_enables;

	raw_spin_lock_irqsave(&emu.lock, flags);
	reads = emu.reads;
	writes = emu.writes;
	flrs = emu.flrs;
	bus_resets = emu.bus_resets;
	dropped_writes = emu.dropped_writes;
	mem_enables = emu.mem_enables;
	raw_spin_unlock_irqrestore(&emu.lock, flags);

	seq_printf(m, "reads %llu\nwrites %llu\nflrs %llu\nbus_resets %llu\n",
		   reads, writes, flrs, bus_resets);
	seq_printf(m, "dropped_writes %llu\nmem_enables %llu\n", dropped_writes,
		   mem_enables);

	return 0;
}

static ssize_t counters_write(struct file *file, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&emu.lock, flags);
	emu.reads = 0;
	emu.writes = 0;
	emu.flrs = 0;
	emu.bus_resets = 0;
	emu.dropped_writes = 0;
	emu.mem_enables = 0;
	raw_spin_unlock_irqrestore(&emu.lock, flags);

	return count;
}
DEFINE_SHOW_STORE_ATTRIBUTE(counters);

static int unresponsive_show(struct seq_file *m, void *data)
{
	unsigned long flags;
	bool on;

	raw_spin_lock_irqsave(&emu.lock, flags);
	on = emu.unresponsive;
	raw_spin_unlock_irqrestore(&emu.lock, flags);

	seq_printf(m, "%d\n", on);

	return 0;
}

/*
 * Set under the lock, so that every config access of the capability sees
 * either the old or the new state for the whole of the access.
 */
static ssize_t unresponsive_write(struct file *file, const char __user *buf,
				  size_t count, loff_t *ppos)
{
	unsigned long flags;
	unsigned int val;
	int ret;

	ret = kstrtouint_from_user(buf, count, 10, &val);
	if (ret)
		return ret;
	if (val > 1)
		return -EINVAL;

	raw_spin_lock_irqsave(&emu.lock, flags);
	emu.unresponsive = val;
	raw_spin_unlock_irqrestore(&emu.lock, flags);

	return count;
}
DEFINE_SHOW_STORE_ATTRIBUTE(unresponsive);

static u64 tph_emu_accesses(void)
{
	unsigned long flags;
	u64 n;

	raw_spin_lock_irqsave(&emu.lock, flags);
	n = emu.reads + emu.writes;
	raw_spin_unlock_irqrestore(&emu.lock, flags);

	return n;
}

/*
 * Resolve a tag for every ST index i, for the (i % num_online_cpus())-th
 * online CPU, then program them one entry at a time or in one batch.  Only
 * the programming is counted in result.accesses.
 */
static int tph_emu_program(struct pci_dev *pdev, enum tph_mem_type mem,
			   bool batch)
{
	unsigned int i, ncpus;
	u64 before;
	int ret;

	cpus_read_lock();
	ncpus = num_online_cpus();
	for (i = 0; i < st_size; i++)
		result.entries[i].cpu = cpumask_nth(i % ncpus, cpu_online_mask);
	cpus_read_unlock();

	result.has_entries = true;
	for (i = 0; i < st_size; i++) {
		ret = pcie_tph_get_cpu_st(pdev, mem, result.entries[i].cpu,
					  &result.entries[i].tag);
		if (ret)
			return ret;
		result.nr = i + 1;
		result.batch[i].index = i;
		result.batch[i].tag = result.entries[i].tag;
	}

	before = tph_emu_accesses();
	if (batch) {
		ret = pcie_tph_set_st_entries(pdev, result.batch, st_size);
	} else {
		for (i = 0, ret = 0; i < st_size && !ret; i++)
			ret = pcie_tph_set_st_entry(pdev, i,
						    result.entries[i].tag);
	}
	result.accesses = tph_emu_accesses() - before;

	return ret;
}

static int tph_emu_run(struct pci_dev *pdev, const char *verb,
		       const char *arg)
{
	enum tph_mem_type mem;
	int mode;

	if (!strcmp(verb, "enable")) {
		if (!strcmp(arg, "ns"))
			mode = PCI_TPH_ST_NS_MODE;
		else if (!strcmp(arg, "iv"))
			mode = PCI_TPH_ST_IV_MODE;
		else if (!strcmp(arg, "ds"))
			mode = PCI_TPH_ST_DS_MODE;
		else
			return -EINVAL;
		return pcie_enable_tph(pdev, mode);
	}

	if (!strcmp(verb, "single") || !strcmp(verb, "batch")) {
		if (!strcmp(arg, "vm"))
			mem = TPH_MEM_TYPE_VM;
		else if (!strcmp(arg, "pm"))
			mem = TPH_MEM_TYPE_PM;
		else
			return -EINVAL;
		return tph_emu_program(pdev, mem, !strcmp(verb, "batch"));
	}

	if (!strcmp(verb, "disable") && !*arg) {
		pcie_disable_tph(pdev);
		return 0;
	}

	if (!strcmp(verb, "info") && !*arg) {
		memset(&result.info, 0, sizeof(result.info));
		result.has_info = true;
		return pcie_tph_get_info(pdev, &result.info);
	}

	return -EINVAL;
}

static bool tph_emu_cmd_valid(const char *verb, const char *arg)
{
	if (!strcmp(verb, "enable"))
		return !strcmp(arg, "ns") || !strcmp(arg, "iv") ||
		       !strcmp(arg, "ds");
	if (!strcmp(verb, "single") || !strcmp(verb, "batch"))
		return !strcmp(arg, "vm") || !strcmp(arg, "pm");
	if (!strcmp(verb, "disable") || !strcmp(verb, "info"))
		return !*arg;
	return false;
}

static int core_test_show(struct seq_file *m, void *data)
{
	unsigned int i;

	mutex_lock(&result.lock);

	seq_printf(m, "cmd %s\n", result.cmd[0] ? result.cmd : "none");
	seq_printf(m, "ret %d\n", result.ret);
	if (result.has_info) {
		seq_printf(m, "req_type %u\n", result.info.req_type);
		seq_printf(m, "modes %u\n", result.info.modes);
		seq_printf(m, "ext_req %d\n", result.info.ext_req);
		seq_printf(m, "st_loc %s\n",
			   tph_emu_loc_name(result.info.st_loc));
		seq_printf(m, "st_size %u\n", result.info.st_size);
	} else {
		seq_printf(m, "req_type %d\n", result.req_type);
	}
	if (result.has_entries)
		for (i = 0; i < result.nr; i++)
			seq_printf(m, "entry %u cpu %u tag 0x%04x\n", i,
				   result.entries[i].cpu,
				   result.entries[i].tag);
	seq_printf(m, "accesses %llu\n", result.accesses);

	mutex_unlock(&result.lock);

	return 0;
}

static ssize_t core_test_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[32], verb[16], arg[16] = "";
	struct pci_dev *pdev;
	int n;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	n = sscanf(buf, "%15s %15s", verb, arg);
	if (n < 1 || !tph_emu_cmd_valid(verb, arg))
		return -EINVAL;

	pdev = tph_emu_get_pdev();
	if (!pdev)
		return -ENODEV;

	mutex_lock(&result.lock);

	snprintf(result.cmd, sizeof(result.cmd), "%s%s%s", verb,
		 *arg ? " " : "", arg);
	result.has_entries = false;
	result.has_info = false;
	result.nr = 0;
	result.accesses = 0;

	/* Keeps the stub driver, and so the MSI-X vectors, bound meanwhile */
	device_lock(&pdev->dev);
	result.ret = tph_emu_run(pdev, verb, arg);
	result.req_type = pdev->tph_req_type;
	device_unlock(&pdev->dev);

	mutex_unlock(&result.lock);

	pci_dev_put(pdev);

	return count;
}
DEFINE_SHOW_STORE_ATTRIBUTE(core_test);

/*
 * Bound through driver_override only: enable the device and allocate all
 * its MSI-X vectors, so that an ST table in the MSI-X table can be written.
 */
static int tph_emu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	int ret, vecs;

	ret = pci_enable_device(pdev);
	if (ret)
		return ret;

	vecs = pci_msix_vec_count(pdev);
	if (vecs > 0) {
		ret = pci_alloc_irq_vectors(pdev, vecs, vecs, PCI_IRQ_MSIX);
		if (ret < 0) {
			pci_disable_device(pdev);
			return ret;
		}
	}

	pci_info(pdev, "bound, %d MSI-X vectors allocated\n", max(vecs, 0));

	return 0;
}

static void tph_emu_remove(struct pci_dev *pdev)
{
	pci_free_irq_vectors(pdev);
	pci_disable_device(pdev);
}

static struct pci_driver tph_emu_driver = {
	.name = KBUILD_MODNAME,
	.probe = tph_emu_probe,
	.remove = tph_emu_remove,
};

static int __init tph_emu_init(void)
{
	int ret;

	ret = tph_emu_install();
	if (ret)
		return ret;

	result.entries = kcalloc(st_size, sizeof(*result.entries), GFP_KERNEL);
	result.batch = kcalloc(st_size, sizeof(*result.batch), GFP_KERNEL);
	if (st_size && (!result.entries || !result.batch)) {
		ret = -ENOMEM;
		goto err_free;
	}

	ret = pci_register_driver(&tph_emu_driver);
	if (ret)
		goto err_free;

	tph_emu_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("regs", 0444, tph_emu_dir, NULL, &regs_fops);
	debugfs_create_file("counters", 0644, tph_emu_dir, NULL,
			    &counters_fops);
	debugfs_create_file("core_test", 0644, tph_emu_dir, NULL,
			    &core_test_fops);
	debugfs_create_file("msix_poke", 0200, tph_emu_dir, NULL, &msix_poke_fops);
	debugfs_create_file("unresponsive", 0644, tph_emu_dir, NULL,
			    &unresponsive_fops);

	return 0;

err_free:
	kfree(result.batch);
	kfree(result.entries);
	tph_emu_uninstall();
	return ret;
}

static void __exit tph_emu_exit(void)
{
	debugfs_remove_recursive(tph_emu_dir);
	pci_unregister_driver(&tph_emu_driver);
	tph_emu_uninstall();
	kfree(result.batch);
	kfree(result.entries);
}

module_init(tph_emu_init);
module_exit(tph_emu_exit);

MODULE_DESCRIPTION("Test-only emulation of a PCIe TPH Requester capability");
MODULE_LICENSE("GPL");

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tph_emu - what the files of the module share: the state of the overlay,
 * the module parameters read outside emu_main.c, and the functions one
 * file calls in another.
 */
#ifndef _TPH_EMU_H
#define _TPH_EMU_H

#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct dentry;

/* The PCIe limit for an ST table in the TPH Requester capability */
#define TPH_EMU_CAP_ST_MAX	64
/* The largest table the 11-bit ST Table Size field can describe */
#define TPH_EMU_ST_MAX		2048U
#define TPH_EMU_REGS_MAX	(PCI_TPH_BASE_SIZEOF + \
				 TPH_EMU_CAP_ST_MAX * sizeof(u16))

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
struct tph_emu {
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
};

extern struct tph_emu emu;

/* Module parameters (emu_main.c) */
extern unsigned int modes;
extern unsigned int st_size;
extern bool ext;

/* emu_main.c */
struct pci_dev *tph_emu_get_pdev(void);

/* emu_config.c */
struct pci_ops *tph_emu_orig_ops(struct pci_bus *bus);
void tph_emu_init_regs(u16 cap);
int tph_emu_find_space(struct pci_dev *pdev, unsigned int len,
		       u16 *cap, u16 *last);
int tph_emu_set_ops(struct tph_emu_bus *b);
void tph_emu_restore_ops(struct tph_emu_bus *b);

/* emu_reset.c */
void tph_emu_watch_write(struct pci_bus *bus, unsigned int devfn,
			 int where, int size, u32 val);
bool tph_emu_enables_memory(struct pci_bus *bus, unsigned int devfn,
			    int where, int size, u32 val);

/* emu_debugfs.c */
const char *tph_emu_loc_name(u32 st_loc);
void tph_emu_debugfs_init(void);
void tph_emu_debugfs_exit(void);

/* emu_core_test.c */
int tph_emu_core_test_alloc(void);
void tph_emu_core_test_free(void);
void tph_emu_core_test_debugfs_init(struct dentry *dir);

#endif /* _TPH_EMU_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * tph_emu - the debugfs views (tph_emu/): the emulated registers and the
 * endpoint's MSI-X table ("regs"), the access and reset counters
 * ("counters"), the all-ones switch ("unresponsive") and a way to write a
 * Steering Tag into the MSI-X table behind the kernel's back ("msix_poke").
 * "core_test" is in emu_core_test.c.
 */

#include <linux/bitfield.h>
#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/unaligned.h>

#include "tph_emu.h"

const char *tph_emu_loc_name(u32 st_loc)
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

static struct dentry *tph_emu_dir;

void __init tph_emu_debugfs_init(void)
{
	tph_emu_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("regs", 0444, tph_emu_dir, NULL, &regs_fops);
	debugfs_create_file("counters", 0644, tph_emu_dir, NULL,
			    &counters_fops);
	tph_emu_core_test_debugfs_init(tph_emu_dir);
	debugfs_create_file("msix_poke", 0200, tph_emu_dir, NULL, &msix_poke_fops);
	debugfs_create_file("unresponsive", 0644, tph_emu_dir, NULL,
			    &unresponsive_fops);
}

void __exit tph_emu_debugfs_exit(void)
{
	debugfs_remove_recursive(tph_emu_dir);
}

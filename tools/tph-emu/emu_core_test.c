// SPDX-License-Identifier: GPL-2.0
/*
 * tph_emu - a test path into the PCI core's TPH functions: the debugfs
 * file "core_test" runs pcie_tph_get_info(), pcie_enable_tph(),
 * pcie_tph_get_cpu_st() with pcie_tph_set_st_entry() or
 * pcie_tph_set_st_entries(), or pcie_disable_tph() on the endpoint, and
 * shows the result of the last command.
 */

#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci-tph.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "tph_emu.h"

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

int __init tph_emu_core_test_alloc(void)
{
	result.entries = kcalloc(st_size, sizeof(*result.entries), GFP_KERNEL);
	result.batch = kcalloc(st_size, sizeof(*result.batch), GFP_KERNEL);
	if (st_size && (!result.entries || !result.batch))
		return -ENOMEM;

	return 0;
}

void tph_emu_core_test_free(void)
{
	kfree(result.batch);
	kfree(result.entries);
}

void __init tph_emu_core_test_debugfs_init(struct dentry *dir)
{
	debugfs_create_file("core_test", 0644, dir, NULL, &core_test_fops);
}

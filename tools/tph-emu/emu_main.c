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
 * endpoint's Memory Space Enable on while it is off.  "msix_poke" writes a
 * Steering Tag into an MSI-X table entry behind the kernel's back, as
 * firmware or a kexec'd kernel leaves one.
 *
 * A PCI driver named "tph_emu" that matches no device on its own can be
 * bound to the endpoint through driver_override.  It enables the device and
 * allocates all its MSI-X vectors, which pcie_tph_set_st_entries() needs for
 * an ST table in the MSI-X table.
 *
 * The module is built from these files:
 *
 *  - emu_main.c: the module parameters and their parsing, the setup,
 *    install and removal of the overlay, the re-enumeration of the
 *    endpoint, the "tph_emu" PCI driver, module init and exit;
 *  - emu_config.c: the replaced config accessors, with the "unresponsive"
 *    behaviour, the emulated registers, and where in extended config space
 *    the capability goes;
 *  - emu_reset.c: the FLRs and Secondary Bus Resets that clear the
 *    emulated registers, and the count of Memory Space Enables;
 *  - emu_debugfs.c: the debugfs files "regs", "counters", "unresponsive"
 *    and "msix_poke";
 *  - emu_core_test.c: the debugfs file "core_test";
 *  - tph_emu.h: what they share.
 *
 * This is a test tool.  Do not load it on a machine that matters.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/pci.h>
#include <linux/string.h>

#include "tph_emu.h"

static char *bdf = "0000:01:00.0";
module_param(bdf, charp, 0444);
MODULE_PARM_DESC(bdf, "Endpoint to give a TPH Requester capability, DDDD:BB:DD.F (default: 0000:01:00.0)");

static bool present = true;
module_param(present, bool, 0444);
MODULE_PARM_DESC(present, "Install the TPH Requester capability; the Root Port overlay applies either way (default: true)");

unsigned int modes = PCI_TPH_CAP_ST_NS | PCI_TPH_CAP_ST_IV |
			    PCI_TPH_CAP_ST_DS;
module_param(modes, uint, 0444);
MODULE_PARM_DESC(modes, "Supported ST modes: 1 No ST, 2 Interrupt Vector, 4 Device Specific, or a sum (default: 7)");

static char *loc = "cap";
module_param(loc, charp, 0444);
MODULE_PARM_DESC(loc, "ST table location: cap, msix or none (default: cap)");

unsigned int st_size = 16;
module_param(st_size, uint, 0444);
MODULE_PARM_DESC(st_size, "ST table entries: 1-64 for cap, 1-MSI-X table size for msix (default: 16)");

bool ext;
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

/*
 * The reserved value 10b of TPH Completer Supported, between
 * PCI_EXP_DEVCAP2_TPH_COMP_TPH_ONLY and PCI_EXP_DEVCAP2_TPH_COMP_EXT_TPH
 */
#define TPH_EMU_DEVCAP2_TPH_COMP_RSVD	0x2

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

struct pci_dev *tph_emu_get_pdev(void)
{
	return pci_get_domain_bus_and_slot(emu.domain, emu.ep.bus->number,
					   emu.ep_devfn);
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

	ret = tph_emu_core_test_alloc();
	if (ret)
		goto err_free;

	ret = pci_register_driver(&tph_emu_driver);
	if (ret)
		goto err_free;

	tph_emu_debugfs_init();

	return 0;

err_free:
	tph_emu_core_test_free();
	tph_emu_uninstall();
	return ret;
}

static void __exit tph_emu_exit(void)
{
	tph_emu_debugfs_exit();
	pci_unregister_driver(&tph_emu_driver);
	tph_emu_uninstall();
	tph_emu_core_test_free();
}

module_init(tph_emu_init);
module_exit(tph_emu_exit);

MODULE_DESCRIPTION("Test-only emulation of a PCIe TPH Requester capability");
MODULE_LICENSE("GPL");

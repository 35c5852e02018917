// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * tph-unresponsive: the vfio-pci TPH features on a device whose TPH
 * capability reads as all ones, as that of a device in reset or gone from
 * the bus does.  All ones decode to every ST mode and a reserved ST table
 * location, which must not pass the Steering Tag policy: GET, SET in
 * Interrupt Vector and in No ST mode, and SET of the ST feature fail with
 * -EIO, and once the device responds again TPH is disabled and GET agrees.
 *
 * Only a test module can make a device stop responding on demand: the
 * bench's tph_emu does, through its debugfs file "unresponsive", so this
 * check is the bench's, not the kselftest's.
 *
 *   tph-unresponsive BDF [--group] [--emu DEBUGFS-DIR]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tph-common.h"

static const char *emu_dir = "/sys/kernel/debug/tph_emu";

/* Make the emulated capability read as all ones, or respond again */
static bool unresponsive(bool on)
{
	char path[256];
	bool ok;
	int fd;

	snprintf(path, sizeof(path), "%s/unresponsive", emu_dir);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return false;
	ok = write(fd, on ? "1" : "0", 1) == 1;
	close(fd);
	return ok;
}

int main(int argc, char **argv)
{
	struct vfio_pci_tph_st_entry e = { .mem_type = VFIO_PCI_TPH_MEM_VOLATILE };
	struct vfio_device_feature_pci_tph t;
	const char *bdf = NULL;
	bool group = false;
	int i, ret[4];
	struct vdev d;
	__u32 ctrl = ~0U;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--group"))
			group = true;
		else if (!strcmp(argv[i], "--emu") && i + 1 < argc)
			emu_dir = argv[++i];
		else if (!bdf && argv[i][0] != '-')
			bdf = argv[i];
		else
			bdf = NULL, i = argc;
	}
	if (!bdf) {
		fprintf(stderr, "usage: %s BDF [--group] [--emu DEBUGFS-DIR]\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	if (!tap(!vdev_open(&d, bdf, group), "open %s (%s)", bdf,
		 group ? "group/container" : "iommufd"))
		return tap_plan(), 1;
	if (!tap(unresponsive(true), "%s/unresponsive makes the capability read as all ones",
		 emu_dir)) {
		vdev_close(&d);
		return tap_plan(), 1;
	}

	/* Collect first: the device must respond again whatever the results */
	ret[0] = tph_get(d.fd, &t);
	ret[1] = tph_set(d.fd, true, VFIO_PCI_TPH_MODE_IV);
	ret[2] = tph_set(d.fd, true, VFIO_PCI_TPH_MODE_NS);
	e.cpu = sched_getcpu();
	ret[3] = tph_st(d.fd, true, &e, 1);
	tap(unresponsive(false), "the capability responds again");

	tap(ret[0] == -EIO, "GET: %s, want EIO", errname(-ret[0]));
	tap(ret[1] == -EIO, "SET, Interrupt Vector mode: %s, want EIO", errname(-ret[1]));
	tap(ret[2] == -EIO, "SET, No ST mode: %s, want EIO", errname(-ret[2]));
	tap(ret[3] == -EIO, "SET of the ST feature, CPU %u: %s, want EIO", e.cpu,
	    errname(-ret[3]));

	/* Nothing was enabled: the hardware and GET agree */
	ret[0] = tph_ctrl(&d, &ctrl);
	tap(!ret[0] && !ctrl, "afterwards TPH Control reads 0 (%s, %#x)",
	    errname(-ret[0]), ctrl);
	ret[0] = tph_get(d.fd, &t);
	tap(!ret[0] && !(t.flags & VFIO_PCI_TPH_ENABLED) && !t.mode,
	    "afterwards GET reports TPH disabled (%s, flags %#x, mode %u)",
	    errname(-ret[0]), t.flags, t.mode);
	tph_set(d.fd, false, 0);
	vdev_close(&d);
	return tap_plan() ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vfio_tph - PCIe TPH steering tags for a vfio-pci device, from userspace.
 * See vfio_tph.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vfio_tph.h"

/* VFIO_DEVICE_FEATURE with @size bytes of @data in and (GET) out */
static int feature(int fd, uint32_t flags, void *data, size_t size)
{
	struct vfio_device_feature *f;
	int err = 0;

	f = calloc(1, sizeof(*f) + size);
	if (!f)
		return -ENOMEM;
	f->argsz = sizeof(*f) + size;
	f->flags = flags;
	if (size)
		memcpy(f->data, data, size);
	if (ioctl(fd, VFIO_DEVICE_FEATURE, f))
		err = errno;
	/* GET_ST and a failed SET_ST return data too */
	if (size && (!err || (flags & VFIO_DEVICE_FEATURE_MASK) ==
		     VFIO_DEVICE_FEATURE_PCI_TPH_ST))
		memcpy(data, f->data, size);
	free(f);
	return -err;
}

int vfio_tph_query(int devfd, struct vfio_device_feature_pci_tph *info)
{
	int ret;

	ret = feature(devfd, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
		      VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_TPH,
		      NULL, 0);
	if (ret)
		return ret;
	memset(info, 0, sizeof(*info));
	return feature(devfd, VFIO_DEVICE_FEATURE_GET |
		       VFIO_DEVICE_FEATURE_PCI_TPH, info, sizeof(*info));
}

int vfio_tph_enable(int devfd, unsigned int mode)
{
	struct vfio_device_feature_pci_tph tph = {
		.flags = VFIO_PCI_TPH_ENABLED,
		.mode = mode,
	};

	if (mode > VFIO_PCI_TPH_MODE_DS)
		return -EINVAL;
	return feature(devfd, VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_PCI_TPH, &tph, sizeof(tph));
}

int vfio_tph_disable(int devfd)
{
	struct vfio_device_feature_pci_tph tph = { 0 };

	return feature(devfd, VFIO_DEVICE_FEATURE_SET |
		       VFIO_DEVICE_FEATURE_PCI_TPH, &tph, sizeof(tph));
}

/* One VFIO_DEVICE_FEATURE_PCI_TPH_ST call, @get or set, over @q */
static int st_batch(int fd, uint32_t op, struct vfio_tph_queue *q,
		    unsigned int n, unsigned int mem_type, unsigned int *bad)
{
	struct vfio_device_feature_pci_tph_st *st;
	size_t size;
	unsigned int i;
	int ret;

	if (bad)
		*bad = n;
	if (!n)
		return -EINVAL;
	size = sizeof(*st) + (size_t)n * sizeof(st->entries[0]);
	st = calloc(1, size);
	if (!st)
		return -ENOMEM;
	st->count = n;
	st->error_index = n;
	for (i = 0; i < n; i++) {
		st->entries[i].cpu = q[i].cpu;
		st->entries[i].mem_type = mem_type;
		st->entries[i].index = op == VFIO_DEVICE_FEATURE_GET ? 0 : q[i].index;
	}
	ret = feature(fd, op | VFIO_DEVICE_FEATURE_PCI_TPH_ST, st, size);
	if (!ret && op == VFIO_DEVICE_FEATURE_GET)
		for (i = 0; i < n; i++)
			q[i].tag = st->entries[i].tag;
	if (ret && bad && st->error_index < n)
		*bad = st->error_index;
	free(st);
	return ret;
}

int vfio_tph_program(int devfd, const struct vfio_tph_queue *q, unsigned int n,
		     unsigned int mem_type, unsigned int *bad)
{
	/* SET only reads the queues */
	return st_batch(devfd, VFIO_DEVICE_FEATURE_SET, (struct vfio_tph_queue *)q,
			n, mem_type, bad);
}

int vfio_tph_lookup(int devfd, struct vfio_tph_queue *q, unsigned int n,
		    unsigned int mem_type, unsigned int *bad)
{
	return st_batch(devfd, VFIO_DEVICE_FEATURE_GET, q, n, mem_type, bad);
}

const char *vfio_tph_strerror(enum vfio_tph_op op, int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case ENOTTY:
		return "TPH is not usable on this device: no TPH Requester capability, a Root Port without TPH Completer support, pci=notph, or a kernel without the vfio-pci TPH features";
	case ENOMEM:
		return "out of memory";
	case EIO:
		return op == VFIO_TPH_OP_LOOKUP || op == VFIO_TPH_OP_PROGRAM ?
			"the device does not respond or is not in D0, or firmware failed to evaluate" :
			"the device does not respond or is not in D0";
	}
	switch (op) {
	case VFIO_TPH_OP_ENABLE:
		switch (err) {
		case EOPNOTSUPP:
			return "the device does not support this mode";
		case EPERM:
			return "the vfio-pci TPH policy refuses this mode with this ST table (Device Specific mode, an ST table in the MSI-X table, or none); the vfio_pci_core parameter enable_unsafe_tph_ds_mode allows it";
		case EBUSY:
			return "TPH is already enabled; disable it first";
		case EINVAL:
			return "no such mode";
		}
		break;
	case VFIO_TPH_OP_PROGRAM:
	case VFIO_TPH_OP_LOOKUP:
		switch (err) {
		case EPERM:
			return "the CPU is not active or not in the calling thread's CPU affinity";
		case ENODATA:
			return "platform firmware has no steering tag for the CPU, of this width and memory type";
		case EOPNOTSUPP:
			return "platform firmware gives no steering tags at all (no ACPI _DSM function 0xF above the device)";
		case ENXIO:
			return "the ST index names an MSI-X vector that is not enabled";
		case EINVAL:
			return "no queues, more queues than ST entries, an ST index beyond the ST table, an unknown memory type, or a CPU number at or above nr_cpu_ids";
		}
		break;
	case VFIO_TPH_OP_QUERY:
	case VFIO_TPH_OP_DISABLE:
		break;
	}
	return strerror(err);
}

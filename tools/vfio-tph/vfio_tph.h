/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * vfio_tph - PCIe TPH steering tags for a vfio-pci device, from userspace
 *
 * A small library over VFIO_DEVICE_FEATURE_PCI_TPH and
 * VFIO_DEVICE_FEATURE_PCI_TPH_ST, for a poll-mode driver that owns a device
 * through vfio-pci.  Copy vfio_tph.h and vfio_tph.c into your driver as they
 * are.  Every call takes the vfio device fd (from the iommufd cdev or from
 * VFIO_GROUP_GET_DEVICE_FD), returns 0 or a negative errno, prints nothing
 * and keeps no state.  vfio_tph_strerror() says what an errno means for
 * each call.
 *
 * Built against kernel headers without the TPH features, it uses its own
 * copies of their definitions, and vfio_tph_query() finds out at run time,
 * with VFIO_DEVICE_FEATURE_PROBE, whether the running kernel has them.
 */
#ifndef VFIO_TPH_H
#define VFIO_TPH_H

#include <stdint.h>
#include <linux/types.h>
#include <linux/vfio.h>

#ifndef VFIO_DEVICE_FEATURE
/* Linux before 5.16 */
struct vfio_device_feature {
	__u32 argsz;
	__u32 flags;
#define VFIO_DEVICE_FEATURE_MASK	(0xffff)
#define VFIO_DEVICE_FEATURE_GET		(1 << 16)
#define VFIO_DEVICE_FEATURE_SET		(1 << 17)
#define VFIO_DEVICE_FEATURE_PROBE	(1 << 18)
	__u8 data[];
};
#define VFIO_DEVICE_FEATURE		_IO(VFIO_TYPE, VFIO_BASE + 17)
#endif

#if !defined(VFIO_DEVICE_FEATURE_PCI_TPH) && !defined(VFIO_DEVICE_FEATURE_PCI_TPH_ST)
/* Copies of include/uapi/linux/vfio.h of a kernel with the TPH features */
struct vfio_device_feature_pci_tph {
	__u32 flags;
#define VFIO_PCI_TPH_ENABLED		(1 << 0)
#define VFIO_PCI_TPH_EXTENDED		(1 << 1)
#define VFIO_PCI_TPH_FIRMWARE_ST	(1 << 2)
	__u8 mode;
#define VFIO_PCI_TPH_MODE_NS		0
#define VFIO_PCI_TPH_MODE_IV		1
#define VFIO_PCI_TPH_MODE_DS		2
	__u8 supported_modes;
	__u8 allowed_modes;
	__u8 st_table_loc;
#define VFIO_PCI_TPH_ST_LOC_NONE	0
#define VFIO_PCI_TPH_ST_LOC_CAP		1
#define VFIO_PCI_TPH_ST_LOC_MSIX	2
	__u16 st_table_size;
	__u16 reserved;
};
#define VFIO_DEVICE_FEATURE_PCI_TPH	14

struct vfio_pci_tph_st_entry {
	__u32 cpu;
	__u16 mem_type;
#define VFIO_PCI_TPH_MEM_VOLATILE	0
#define VFIO_PCI_TPH_MEM_PERSISTENT	1
	__u16 index;
	__u16 tag;
	__u16 reserved;
};

struct vfio_device_feature_pci_tph_st {
	__u32 count;
	__u32 error_index;
	struct vfio_pci_tph_st_entry entries[];
};
#define VFIO_DEVICE_FEATURE_PCI_TPH_ST	15
#elif !defined(VFIO_DEVICE_FEATURE_PCI_TPH) || !defined(VFIO_DEVICE_FEATURE_PCI_TPH_ST) || \
	!defined(VFIO_PCI_TPH_FIRMWARE_ST)
#error "linux/vfio.h has another version of the TPH features"
#endif

/* One queue: the ST table entry it uses and the CPU that polls it */
struct vfio_tph_queue {
	uint32_t cpu;
	uint16_t index;		/* ST table entry; 0 for vfio_tph_lookup() */
	uint16_t tag;		/* vfio_tph_lookup() fills it */
};

/* What a call was, for vfio_tph_strerror() */
enum vfio_tph_op {
	VFIO_TPH_OP_QUERY,
	VFIO_TPH_OP_ENABLE,
	VFIO_TPH_OP_DISABLE,
	VFIO_TPH_OP_PROGRAM,
	VFIO_TPH_OP_LOOKUP,
};

/*
 * vfio_tph_query() - what the device and the kernel allow
 * Returns 0 and fills @info, or -ENOTTY where TPH is not usable on the
 * device (or the kernel lacks the feature), or another negative errno.
 */
int vfio_tph_query(int devfd, struct vfio_device_feature_pci_tph *info);

/* vfio_tph_enable() - enable TPH in @mode (VFIO_PCI_TPH_MODE_*) */
int vfio_tph_enable(int devfd, unsigned int mode);

/* vfio_tph_disable() - disable TPH; succeeds when it is disabled */
int vfio_tph_disable(int devfd);

/*
 * vfio_tph_program() - program the ST entry of each of @n queues with the
 * tag that firmware gives for its CPU and @mem_type, in one batch: all or
 * nothing.  The calling thread must be allowed to run on every CPU of the
 * batch.  For an ST table in the MSI-X table, call it again after every
 * MSI-X enable.  On an error that one queue caused (-EINVAL, -EPERM,
 * -ENODATA, -ENXIO), *@bad is that queue's position, else @n.
 */
int vfio_tph_program(int devfd, const struct vfio_tph_queue *q, unsigned int n,
		     unsigned int mem_type, unsigned int *bad);

/*
 * vfio_tph_lookup() - the tag of each queue's CPU for @mem_type, in
 * q[].tag, without programming anything; *@bad as for vfio_tph_program().
 * One entry per CPU tells which CPUs firmware has tags for.
 */
int vfio_tph_lookup(int devfd, struct vfio_tph_queue *q, unsigned int n,
		    unsigned int mem_type, unsigned int *bad);

/* vfio_tph_strerror() - what errno @err (negative or not) means for @op */
const char *vfio_tph_strerror(enum vfio_tph_op op, int err);

#endif /* VFIO_TPH_H */

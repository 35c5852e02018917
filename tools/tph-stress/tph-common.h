/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Shared helpers of tph-stress and tph-fuzz: open a vfio-pci device through
 * the iommufd cdev or the legacy container/group path, the TPH feature calls,
 * the TPH capability in the vfio config region, the CPUs, the bench
 * firmware's tags, errno sets and histograms, and TAP output.
 */
#ifndef TPH_COMMON_H
#define TPH_COMMON_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <linux/stddef.h>

/* A raw copy of include/uapi/linux/vfio.h, not one from "make headers" */
#ifndef __counted_by
#define __counted_by(m)
#endif
#ifndef __user
#define __user
#endif
#include <linux/vfio.h>
#ifndef VFIO_DEVICE_FEATURE_PCI_TPH_ST
#error "linux/vfio.h lacks the TPH features: build with KHDR=<dir with the new linux/vfio.h>"
#endif

/* TPH Requester Extended Capability (PCIe r6.2, 7.9.13) */
#define TPH_CAP_ID		0x17
#define TPH_CTRL		0x08	/* TPH Requester Control */
#define TPH_CTRL_MODE		0x007	/* ST Mode Select */
#define TPH_CTRL_REQ_EN		0x300	/* TPH Requester Enable */
#define TPH_ST_TABLE		0x0c	/* first ST table entry, 2 bytes each */

#define ST_HDR			sizeof(struct vfio_device_feature_pci_tph_st)
#define ST_ENT			sizeof(struct vfio_pci_tph_st_entry)
#define FEAT_HDR		sizeof(struct vfio_device_feature)
#define FEAT_OUTER_FLAGS	(VFIO_DEVICE_FEATURE_MASK | VFIO_DEVICE_FEATURE_GET | \
				 VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PROBE)
#define TPH_SET_FLAGS		(VFIO_PCI_TPH_ENABLED | VFIO_PCI_TPH_EXTENDED | \
				 VFIO_PCI_TPH_FIRMWARE_ST)

struct vdev {
	char bdf[32];
	char cdev[64];		/* /dev/vfio/devices/vfioN, or the group node */
	bool group_mode;
	int fd;			/* the device */
	int iommufd;		/* cdev path */
	int container, group;	/* group path */
	__u64 cfg_off;		/* config space region offset in the device fd */
	int tph_cap;		/* TPH capability offset, or -1 */
};

/* Open and close; each returns 0 or -errno and says why on stderr */
int vdev_open(struct vdev *d, const char *bdf, bool group_mode);
void vdev_close(struct vdev *d);
int vdev_reopen(struct vdev *d);
int vdev_group_fd(struct vdev *d);	/* another fd: fd or -errno */
int vdev_second_bind(const struct vdev *d);

/* Config space through the vfio config region of @fd (0 or -errno) */
int cfg_read(const struct vdev *d, int fd, unsigned int pos, void *buf,
	     size_t len);
int tph_ctrl(const struct vdev *d, __u32 *ctrl);
int st_entry(const struct vdev *d, unsigned int index, __u16 *tag);

/* ioctls: 0 or -errno */
int feature(int fd, __u32 flags, __u32 argsz, void *data, size_t len);
int tph_get(int fd, struct vfio_device_feature_pci_tph *t);
int tph_set(int fd, bool enable, unsigned int mode);
int tph_st(int fd, bool set, struct vfio_pci_tph_st_entry *e, __u32 n);
int msix_enable(int fd, unsigned int nvec);
int msix_disable(int fd);
int msix_count(int fd, unsigned int *n);
int dev_reset(int fd);

/* The machine */
struct cpus {
	cpu_set_t possible, online;
	unsigned int nr_possible;	/* CPUs in the possible mask */
	unsigned int nr_cpu_ids;	/* highest possible CPU + 1 */
};
int cpus_read(struct cpus *c);
bool unsafe_param(void);
/* The tags of the bench's _DSM for @cpu: tag, or -ENODATA */
int fw_bench_tag(unsigned int cpu, unsigned int mem_type, bool ext);
/* Is a mode allowed under the documented Steering Tag policy? */
bool policy_allows(unsigned int mode, unsigned int st_loc, bool unsafe);
/*
 * Describe the device, and check the GET right after the open (@err its
 * result): TPH off, allowed_modes as the policy says; a TAP result
 */
bool check_first_get(const struct vdev *d,
		     const struct vfio_device_feature_pci_tph *t, int err,
		     bool unsafe, unsigned int msix);

/*
 * What firmware resolves, per CPU and memory type: a tag, -ENODATA, or
 * FW_UNKNOWN; preset with --fw bench (the bench's _DSM) or --fw none (no
 * tags at all), else learned from the results
 */
enum fw_kind { FW_LEARN, FW_BENCH, FW_NONE };
#define FW_CPUS		64
#define FW_UNKNOWN	(-1000)
struct fwmodel {
	int tag[FW_CPUS][2];
	bool ext;		/* 16-bit tags */
};
void fw_init(struct fwmodel *m, enum fw_kind kind, bool ext);
int fw_lookup(const struct fwmodel *m, unsigned int cpu, unsigned int mem_type);
bool fw_learn(struct fwmodel *m, unsigned int cpu, unsigned int mem_type,
	      int tag);
/* Check the entries a GET of PCI_TPH_ST returned against @in and @m */
bool st_get_check(struct fwmodel *m, const struct vfio_pci_tph_st_entry *in,
		  const struct vfio_pci_tph_st_entry *out, unsigned int n,
		  char *why, size_t size);
/* Does a GET of PCI_TPH equal @want?  @why says what differs */
bool tph_same(const struct vfio_device_feature_pci_tph *got,
	      const struct vfio_device_feature_pci_tph *want, char *why,
	      size_t size);
/* Does TPH Control hold TPH disabled, or enabled in @mode? */
bool ctrl_matches(__u32 ctrl, bool enabled, unsigned int mode, bool ext);

/* errno sets: bit e for errno e (0 is success), every errno below 128 */
typedef unsigned __int128 eset_t;
#define EB(e)	((eset_t)1 << (e))
extern const eset_t DOC_TPH, DOC_ST, DOC_RESET, DOC_IRQS;
static inline bool in_set(eset_t s, int err)
{
	return err >= 0 && err < 128 && (s & EB(err));
}
const char *errname(int err);
char *eset_str(eset_t s, char *buf, size_t size);

/* errno histogram of one operation */
#define HIST_MAX	134
struct hist {
	unsigned long n[HIST_MAX + 1];	/* the last one: any larger errno */
};
void hist_add(struct hist *h, int err);
unsigned long hist_total(const struct hist *h);
void hist_print(const char *name, const struct hist *h);

/* TAP; results are numbered in order */
__attribute__((format(printf, 2, 3)))
bool tap(bool ok, const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void tap_skip(const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void diag(const char *fmt, ...);
int tap_plan(void);	/* print the plan; 0 if every result was ok */

/* xorshift64*; never seed with 0 */
static inline __u64 rnd(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static inline __u32 below(__u64 *s, __u32 n)
{
	return n ? (__u32)(rnd(s) >> 32) % n : 0;
}

double now(void);

/* BDF [--group] [--fw bench|none] [--NAME0 N] [--NAME1 N]: 0, or 2 */
struct args {
	char bdf[32];
	bool group;
	enum fw_kind fw;
	unsigned long num[2];	/* in: the defaults */
	unsigned long min[2], max[2];
};
int parse_args(int argc, char **argv, const char *const name[2],
	       struct args *a);

#endif

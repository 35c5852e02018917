// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * Shared helpers of tph-stress and tph-fuzz; see tph-common.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "tph-common.h"

#if __has_include(<linux/iommufd.h>)
#include <linux/iommufd.h>
#else
/* Older system headers: the two iommufd definitions used here */
#define IOMMUFD_TYPE	(';')
struct iommu_ioas_alloc {
	__u32 size;
	__u32 flags;
	__u32 out_ioas_id;
};
#define IOMMU_IOAS_ALLOC	_IO(IOMMUFD_TYPE, 0x81)
#endif

#define SYSFS_PCI	"/sys/bus/pci/devices"

const eset_t DOC_TPH = EB(0) | EB(ENOTTY) | EB(EINVAL) | EB(EOPNOTSUPP) |
		       EB(EPERM) | EB(EBUSY) | EB(EIO);
const eset_t DOC_ST = EB(0) | EB(ENOTTY) | EB(EINVAL) | EB(EPERM) |
		      EB(EOPNOTSUPP) | EB(ENODATA) | EB(ENXIO) | EB(EIO);
/* vfio_pci_ioctl_reset(), pci_try_reset_function(), the runtime PM get */
const eset_t DOC_RESET = EB(0) | EB(EINVAL) | EB(ENOTTY) | EB(EAGAIN) |
			 EB(EIO);
/*
 * vfio_set_irqs_validate_and_prepare(), vfio_pci_set_msi_trigger(): bad
 * arguments or no MSI-X to disable; vector and IRQ allocation failures
 */
const eset_t DOC_IRQS = EB(0) | EB(EINVAL) | EB(ENOMEM) | EB(ENOSPC) |
			EB(EBUSY) | EB(EIO) | EB(ENODEV);

static int fail(int err, const char *what, const char *name)
{
	fprintf(stderr, "tph: %s %s: %s\n", what, name, strerror(err));
	return -err;
}

/* /sys/bus/pci/devices/BDF/vfio-dev/vfioN -> /dev/vfio/devices/vfioN */
static int find_cdev(struct vdev *d)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/vfio-dev", d->bdf);
	dir = opendir(path);
	if (!dir)
		return fail(errno, "no vfio cdev: opendir", path);
	d->cdev[0] = '\0';
	while ((de = readdir(dir)))
		if (!strncmp(de->d_name, "vfio", 4) &&
		    de->d_name[4] >= '0' && de->d_name[4] <= '9')
			snprintf(d->cdev, sizeof(d->cdev),
				 "/dev/vfio/devices/%.32s", de->d_name);
	closedir(dir);
	return d->cdev[0] ? 0 : fail(ENOENT, "no vfioN in", path);
}

/* /sys/bus/pci/devices/BDF/iommu_group -> /dev/vfio/N */
static int find_group(struct vdev *d)
{
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s/iommu_group", d->bdf);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return fail(errno, "readlink", path);
	link[n] = '\0';
	snprintf(d->cdev, sizeof(d->cdev), "/dev/vfio/%.32s",
		 strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	return 0;
}

static int open_cdev(struct vdev *d)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };

	d->fd = open(d->cdev, O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return fail(errno, "open", d->cdev);
	d->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (d->iommufd < 0)
		return fail(errno, "open", "/dev/iommu");
	bind.iommufd = d->iommufd;
	if (ioctl(d->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return fail(errno, "VFIO_DEVICE_BIND_IOMMUFD", d->cdev);
	if (ioctl(d->iommufd, IOMMU_IOAS_ALLOC, &ioas))
		return fail(errno, "IOMMU_IOAS_ALLOC", "/dev/iommu");
	at.pt_id = ioas.out_ioas_id;
	if (ioctl(d->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at))
		return fail(errno, "VFIO_DEVICE_ATTACH_IOMMUFD_PT", d->cdev);
	return 0;
}

static int open_group(struct vdev *d)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };

	d->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (d->container < 0)
		return fail(errno, "open", "/dev/vfio/vfio");
	if (ioctl(d->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION ||
	    ioctl(d->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0)
		return fail(ENOTSUP, "no VFIO_TYPE1v2_IOMMU in", "/dev/vfio/vfio");
	d->group = open(d->cdev, O_RDWR | O_CLOEXEC);
	if (d->group < 0)
		return fail(errno, "open", d->cdev);
	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &st))
		return fail(errno, "VFIO_GROUP_GET_STATUS", d->cdev);
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		return fail(EBUSY, "group not viable (bind all its devices to vfio):",
			    d->cdev);
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container))
		return fail(errno, "VFIO_GROUP_SET_CONTAINER", d->cdev);
	if (ioctl(d->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return fail(errno, "VFIO_SET_IOMMU", "/dev/vfio/vfio");
	d->fd = vdev_group_fd(d);
	return d->fd < 0 ? d->fd : 0;
}

/* The TPH capability: walk the extended capabilities from 0x100 */
static int find_tph_cap(struct vdev *d)
{
	struct vfio_region_info ri = {
		.argsz = sizeof(ri),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	unsigned int pos = 0x100, n;
	__u32 hdr;

	d->tph_cap = -1;
	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return fail(errno, "VFIO_DEVICE_GET_REGION_INFO", "config");
	d->cfg_off = ri.offset;
	for (n = 0; n < (4096 - 0x100) / 4 && pos >= 0x100 && pos < ri.size; n++) {
		if (cfg_read(d, d->fd, pos, &hdr, 4))
			return 0;
		hdr = le32toh(hdr);
		if (!hdr || hdr == 0xffffffff)
			return 0;
		if ((hdr & 0xffff) == TPH_CAP_ID) {
			d->tph_cap = pos;
			return 0;
		}
		pos = (hdr >> 20) & 0xffc;
	}
	return 0;
}

int vdev_open(struct vdev *d, const char *bdf, bool group_mode)
{
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = d->iommufd = d->container = d->group = -1;
	d->tph_cap = -1;
	d->group_mode = group_mode;
	snprintf(d->bdf, sizeof(d->bdf), "%s", bdf);
	ret = group_mode ? find_group(d) : find_cdev(d);
	if (!ret)
		ret = group_mode ? open_group(d) : open_cdev(d);
	if (!ret)
		ret = find_tph_cap(d);
	if (ret)
		vdev_close(d);
	return ret;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void vdev_close(struct vdev *d)
{
	close_fd(&d->fd);
	close_fd(&d->iommufd);
	close_fd(&d->group);
	close_fd(&d->container);
}

/* Close the device and open it again: the group and container stay */
int vdev_reopen(struct vdev *d)
{
	close_fd(&d->fd);
	if (!d->group_mode) {
		close_fd(&d->iommufd);
		return open_cdev(d);
	}
	d->fd = vdev_group_fd(d);
	return d->fd < 0 ? d->fd : 0;
}

/* Group path: one more device fd (the group path allows several) */
int vdev_group_fd(struct vdev *d)
{
	int fd = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->bdf);

	return fd < 0 ? -errno : fd;
}

/* cdev path: open the cdev again and bind it while the device is bound */
int vdev_second_bind(const struct vdev *d)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	int fd, ifd, ret = 0;

	fd = open(d->cdev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ifd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	bind.iommufd = ifd;
	if (ifd < 0 || ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		ret = -errno;
	close_fd(&ifd);
	close(fd);
	return ret;
}

int cfg_read(const struct vdev *d, int fd, unsigned int pos, void *buf,
	     size_t len)
{
	ssize_t n = pread(fd, buf, len, d->cfg_off + pos);

	return n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
}

int tph_ctrl(const struct vdev *d, __u32 *ctrl)
{
	int ret;

	*ctrl = 0;
	ret = d->tph_cap < 0 ? -ENOENT :
	      cfg_read(d, d->fd, d->tph_cap + TPH_CTRL, ctrl, 4);

	*ctrl = le32toh(*ctrl);
	return ret;
}

int st_entry(const struct vdev *d, unsigned int index, __u16 *tag)
{
	int ret;

	*tag = 0;
	ret = d->tph_cap < 0 ? -ENOENT :
	      cfg_read(d, d->fd, d->tph_cap + TPH_ST_TABLE + 2 * index, tag, 2);

	*tag = le16toh(*tag);
	return ret;
}

/*
 * VFIO_DEVICE_FEATURE with @argsz in the header, whatever @len is; the
 * buffer holds both, zero-filled, and the @len bytes of @data are copied
 * back after the call, whatever its result
 */
int feature(int fd, __u32 flags, __u32 argsz, void *data, size_t len)
{
	size_t size = FEAT_HDR + len > argsz ? FEAT_HDR + len : argsz;
	struct vfio_device_feature *f = calloc(1, size);
	int ret;

	if (!f)
		return -ENOMEM;
	f->argsz = argsz;
	f->flags = flags;
	memcpy(f->data, data, len);
	ret = ioctl(fd, VFIO_DEVICE_FEATURE, f) ? -errno : 0;
	memcpy(data, f->data, len);
	free(f);
	return ret;
}

int tph_get(int fd, struct vfio_device_feature_pci_tph *t)
{
	memset(t, 0, sizeof(*t));
	return feature(fd, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_PCI_TPH,
		       FEAT_HDR + sizeof(*t), t, sizeof(*t));
}

int tph_set(int fd, bool enable, unsigned int mode)
{
	struct vfio_device_feature_pci_tph t = {
		.flags = enable ? VFIO_PCI_TPH_ENABLED : 0,
		.mode = enable ? mode : 0,
	};

	return feature(fd, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PCI_TPH,
		       FEAT_HDR + sizeof(t), &t, sizeof(t));
}

/* One batch; for GET the tags come back in @e */
int tph_st(int fd, bool set, struct vfio_pci_tph_st_entry *e, __u32 n)
{
	size_t len = ST_HDR + n * ST_ENT;
	struct vfio_device_feature_pci_tph_st *st = calloc(1, len);
	int ret;

	if (!st)
		return -ENOMEM;
	st->count = n;
	memcpy(st->entries, e, n * ST_ENT);
	ret = feature(fd, (set ? VFIO_DEVICE_FEATURE_SET : VFIO_DEVICE_FEATURE_GET) |
		      VFIO_DEVICE_FEATURE_PCI_TPH_ST, FEAT_HDR + len, st, len);
	memcpy(e, st->entries, n * ST_ENT);
	free(st);
	return ret;
}

/* MSI-X vectors 0 to @nvec - 1, each with an eventfd the kernel keeps */
int msix_enable(int fd, unsigned int nvec)
{
	size_t size = sizeof(struct vfio_irq_set) + nvec * sizeof(int);
	struct vfio_irq_set *set = calloc(1, size);
	int *efd, ret = 0;
	unsigned int i;

	if (!set)
		return -ENOMEM;
	efd = (int *)set->data;
	for (i = 0; i < nvec; i++)
		efd[i] = -1;
	for (i = 0; i < nvec && !ret; i++) {
		efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ret = efd[i] < 0 ? -errno : 0;
	}
	set->argsz = size;
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSIX_IRQ_INDEX;
	set->count = nvec;
	if (!ret && ioctl(fd, VFIO_DEVICE_SET_IRQS, set))
		ret = -errno;
	for (i = 0; i < nvec; i++)
		close_fd(&efd[i]);
	free(set);
	return ret;
}

int msix_disable(int fd)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = VFIO_PCI_MSIX_IRQ_INDEX,
	};

	return ioctl(fd, VFIO_DEVICE_SET_IRQS, &set) ? -errno : 0;
}

int msix_count(int fd, unsigned int *n)
{
	struct vfio_irq_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_MSIX_IRQ_INDEX,
	};

	*n = 0;
	if (ioctl(fd, VFIO_DEVICE_GET_IRQ_INFO, &info))
		return -errno;
	*n = info.count;
	return 0;
}

int dev_reset(int fd)
{
	return ioctl(fd, VFIO_DEVICE_RESET) ? -errno : 0;
}

/* A CPU list such as "0-3,5" */
static int read_cpulist(const char *path, cpu_set_t *set)
{
	char buf[4096], *p = buf, *end;
	unsigned long a, b;
	FILE *f = fopen(path, "r");

	CPU_ZERO(set);
	if (!f || !fgets(buf, sizeof(buf), f)) {
		if (f)
			fclose(f);
		return fail(errno ? errno : EIO, "read", path);
	}
	fclose(f);
	while (*p >= '0' && *p <= '9') {
		a = b = strtoul(p, &end, 10);
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		for (; a <= b && a < CPU_SETSIZE; a++)
			CPU_SET(a, set);
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

int cpus_read(struct cpus *c)
{
	unsigned int i;

	if (read_cpulist("/sys/devices/system/cpu/possible", &c->possible) ||
	    read_cpulist("/sys/devices/system/cpu/online", &c->online))
		return -EIO;
	c->nr_possible = CPU_COUNT(&c->possible);
	c->nr_cpu_ids = 0;
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &c->possible))
			c->nr_cpu_ids = i + 1;
	return 0;
}

bool unsafe_param(void)
{
	FILE *f = fopen("/sys/module/vfio_pci_core/parameters/enable_unsafe_tph_ds_mode",
			"r");
	int c = f ? fgetc(f) : 'N';

	if (f)
		fclose(f);
	return c == 'Y' || c == 'y' || c == '1';
}

/* tools/bench/tph-dsm.asl: CPU N 0xA0+N / 0xA100+N, 0xB0+N / 0xB100+N; CPU 3 none */
int fw_bench_tag(unsigned int cpu, unsigned int mem_type, bool ext)
{
	if (cpu >= 3)
		return -ENODATA;
	if (ext)
		return (mem_type ? 0xB100 : 0xA100) + cpu;
	return (mem_type ? 0xB0 : 0xA0) + cpu;
}

bool policy_allows(unsigned int mode, unsigned int st_loc, bool unsafe)
{
	switch (mode) {
	case VFIO_PCI_TPH_MODE_NS:
		return true;
	case VFIO_PCI_TPH_MODE_IV:
		return st_loc == VFIO_PCI_TPH_ST_LOC_CAP || unsafe;
	case VFIO_PCI_TPH_MODE_DS:
		return unsafe;
	default:
		return false;
	}
}

void fw_init(struct fwmodel *m, enum fw_kind kind, bool ext)
{
	unsigned int cpu, mt;

	m->ext = ext;
	for (cpu = 0; cpu < FW_CPUS; cpu++)
		for (mt = 0; mt < 2; mt++)
			m->tag[cpu][mt] = kind == FW_BENCH ? fw_bench_tag(cpu, mt, ext) :
					  kind == FW_NONE ? -ENODATA : FW_UNKNOWN;
}

int fw_lookup(const struct fwmodel *m, unsigned int cpu, unsigned int mem_type)
{
	return cpu < FW_CPUS && mem_type < 2 ? m->tag[cpu][mem_type] :
	       FW_UNKNOWN;
}

/* Learn @tag (or -ENODATA); false if it contradicts what was known */
bool fw_learn(struct fwmodel *m, unsigned int cpu, unsigned int mem_type,
	      int tag)
{
	int old = fw_lookup(m, cpu, mem_type);

	if (old == FW_UNKNOWN && cpu < FW_CPUS && mem_type < 2)
		m->tag[cpu][mem_type] = tag;
	return old == FW_UNKNOWN || old == tag;
}

bool st_get_check(struct fwmodel *m, const struct vfio_pci_tph_st_entry *in,
		  const struct vfio_pci_tph_st_entry *out, unsigned int n,
		  char *why, size_t size)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct vfio_pci_tph_st_entry *e = &out[i];
		int known = fw_lookup(m, e->cpu, e->mem_type);

		if (e->cpu != in[i].cpu || e->mem_type != in[i].mem_type ||
		    e->index != in[i].index || e->reserved != in[i].reserved) {
			snprintf(why, size, "entry %u: GET changed a field other than tag",
				 i);
			return false;
		}
		if (!m->ext && e->tag > 0xff) {
			snprintf(why, size, "entry %u: tag 0x%x is wider than 8 bits",
				 i, e->tag);
			return false;
		}
		if (!fw_learn(m, e->cpu, e->mem_type, e->tag)) {
			snprintf(why, size, "entry %u: CPU %u mem_type %u: tag 0x%x, known %s0x%x",
				 i, e->cpu, e->mem_type, e->tag,
				 known < 0 ? "-ENODATA " : "", known < 0 ? 0 : known);
			return false;
		}
	}
	return true;
}

bool tph_same(const struct vfio_device_feature_pci_tph *got,
	      const struct vfio_device_feature_pci_tph *want, char *why,
	      size_t size)
{
	if (!memcmp(got, want, sizeof(*got)))
		return true;
	snprintf(why, size, "GET flags 0x%x mode %u supported 0x%x allowed 0x%x loc %u size %u reserved 0x%x; want flags 0x%x mode %u supported 0x%x allowed 0x%x loc %u size %u reserved 0",
		 got->flags, got->mode, got->supported_modes, got->allowed_modes,
		 got->st_table_loc, got->st_table_size, got->reserved,
		 want->flags, want->mode, want->supported_modes,
		 want->allowed_modes, want->st_table_loc, want->st_table_size);
	return false;
}

/* Requester Enable: 01b TPH, 11b TPH and Extended TPH (PCIe r6.2, 7.9.13.3) */
bool ctrl_matches(__u32 ctrl, bool enabled, unsigned int mode, bool ext)
{
	if (!enabled)
		return !(ctrl & (TPH_CTRL_MODE | TPH_CTRL_REQ_EN));
	return (ctrl & TPH_CTRL_MODE) == mode &&
	       (ctrl & TPH_CTRL_REQ_EN) >> 8 == (ext ? 3u : 1u);
}

bool check_first_get(const struct vdev *d,
		     const struct vfio_device_feature_pci_tph *t, int err,
		     bool unsafe, unsigned int msix)
{
	unsigned int mode, allowed = 0;

	for (mode = 0; mode <= VFIO_PCI_TPH_MODE_DS; mode++)
		if ((t->supported_modes & (1 << mode)) &&
		    policy_allows(mode, t->st_table_loc, unsafe))
			allowed |= 1 << mode;
	diag("%s: flags 0x%x supported 0x%x allowed 0x%x, ST table loc %u size %u, TPH cap at 0x%x, %u MSI-X vectors, enable_unsafe_tph_ds_mode %c",
	     d->bdf, t->flags, t->supported_modes, t->allowed_modes,
	     t->st_table_loc, t->st_table_size, d->tph_cap, msix,
	     unsafe ? 'Y' : 'N');
	return tap(!err && !(t->flags & ~(TPH_SET_FLAGS & ~VFIO_PCI_TPH_ENABLED)) &&
		   !t->mode && !t->reserved && t->allowed_modes == allowed,
		   "GET after open: %s, TPH %s, allowed_modes 0x%x, by the documented policy 0x%x",
		   errname(-err), t->flags & VFIO_PCI_TPH_ENABLED ? "on" : "off",
		   t->allowed_modes, allowed);
}

const char *errname(int err)
{
	static __thread char buf[16];
	const char *name = err ? strerrorname_np(err) : "ok";

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

char *eset_str(eset_t s, char *buf, size_t size)
{
	size_t len = 0;
	int e;

	buf[0] = '\0';
	for (e = 0; e < 128 && len + 1 < size; e++)
		if (s & EB(e))
			len += snprintf(buf + len, size - len, "%s%s",
					len ? "," : "", errname(e));
	return buf;
}

void hist_add(struct hist *h, int err)
{
	h->n[err >= 0 && err < HIST_MAX ? err : HIST_MAX]++;
}

unsigned long hist_total(const struct hist *h)
{
	unsigned long t = 0;
	int e;

	for (e = 0; e <= HIST_MAX; e++)
		t += h->n[e];
	return t;
}

void hist_print(const char *name, const struct hist *h)
{
	char buf[1024];
	size_t len = 0;
	int e;

	if (!hist_total(h))
		return;
	for (e = 0; e <= HIST_MAX && len + 1 < sizeof(buf); e++)
		if (h->n[e])
			len += snprintf(buf + len, sizeof(buf) - len, "%s%s %lu",
					len ? ", " : "",
					e < HIST_MAX ? errname(e) : "other",
					h->n[e]);
	diag("  %-16s %8lu  (%s)", name, hist_total(h), buf);
}

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static int tap_n, tap_failed;

static void out(const char *pre, const char *post, const char *fmt,
		va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	pthread_mutex_lock(&out_lock);
	printf("%s%s%s\n", pre, buf, post);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

bool tap(bool ok, const char *fmt, ...)
{
	char pre[32];
	va_list ap;

	tap_failed |= !ok;
	snprintf(pre, sizeof(pre), "%s %d - ", ok ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	out(pre, "", fmt, ap);
	va_end(ap);
	return ok;
}

void tap_skip(const char *fmt, ...)
{
	char pre[32];
	va_list ap;

	snprintf(pre, sizeof(pre), "ok %d - ", ++tap_n);
	va_start(ap, fmt);
	out(pre, " # SKIP", fmt, ap);
	va_end(ap);
}

void diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	out("# ", "", fmt, ap);
	va_end(ap);
}

int tap_plan(void)
{
	printf("1..%d\n", tap_n);
	fflush(stdout);
	return tap_failed;
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* DDDD:BB:DD.F or BB:DD.F, to the sysfs name */
static int parse_bdf(const char *arg, char *bdf, size_t size)
{
	unsigned int dom = 0, bus, dev, fn;
	char end;

	if (sscanf(arg, "%x:%x:%x.%x%c", &dom, &bus, &dev, &fn, &end) != 4) {
		dom = 0;
		if (sscanf(arg, "%x:%x.%x%c", &bus, &dev, &fn, &end) != 3)
			return -EINVAL;
	}
	if (bus > 0xff || dev > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(bdf, size, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
}

int parse_args(int argc, char **argv, const char *const name[2],
	       struct args *a)
{
	const struct option lo[] = {
		{ name[0], required_argument, NULL, '0' },
		{ name[1], required_argument, NULL, '1' },
		{ "group", no_argument, NULL, 'g' },
		{ "fw", required_argument, NULL, 'f' },
		{ }
	};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'g') {
			a->group = true;
		} else if (c == 'f' && !strcmp(optarg, "bench")) {
			a->fw = FW_BENCH;
		} else if (c == 'f' && !strcmp(optarg, "none")) {
			a->fw = FW_NONE;
		} else if (c == '0' || c == '1') {
			a->num[c - '0'] = strtoul(optarg, &end, 0);
			if (*end || a->num[c - '0'] < a->min[c - '0'] ||
			    a->num[c - '0'] > a->max[c - '0'])
				break;
		} else {
			break;
		}
	}
	if (c == -1 && optind + 1 == argc &&
	    !parse_bdf(argv[optind], a->bdf, sizeof(a->bdf)))
		return 0;
	fprintf(stderr, "usage: %s BDF [--group] [--fw bench|none] [--%s N] [--%s N]\n"
		"  %s from %lu to %lu, %s from %lu to %lu\n", argv[0], name[0],
		name[1], name[0], a->min[0], a->max[0], name[1], a->min[1],
		a->max[1]);
	return 2;
}

// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * vfio-tph - steer a vfio-pci device's DMA writes to the caches of the CPUs
 * that poll its queues, with PCIe TLP Processing Hints (TPH)
 *
 * This is an example for userspace driver authors (DPDK, SPDK, VMMs).  It
 * needs only libc, the kernel uAPI headers and the small library next to it,
 * vfio_tph.[ch], which a driver can copy as it is; it is meant to be read
 * and copied.  In order, it shows how to:
 *
 *   1. find the vfio cdev of a PCI device in sysfs;
 *   2. open the device through iommufd: bind, allocate an IOAS, attach;
 *   3. probe and query VFIO_DEVICE_FEATURE_PCI_TPH, and enable TPH;
 *   4. enable MSI-X vectors with VFIO_DEVICE_SET_IRQS, which an ST table in
 *      the MSI-X table needs (queue number = MSI-X vector = ST index);
 *   5. program one Steering Tag (ST) entry per queue, naming the CPU that
 *      polls the queue, with one VFIO_DEVICE_FEATURE_PCI_TPH_ST batch;
 *   6. read an ST table in the TPH capability back through the vfio config
 *      space region, and disable TPH again.
 *
 * A driver never handles raw tags: it names CPUs, and the kernel resolves
 * their tags through platform firmware, only for CPUs in the caller's CPU
 * affinity.  Pin the driver (taskset -c) to the CPUs that poll its queues.
 * The kernel refuses modes that would let userspace choose any tag (Device
 * Specific mode, and Interrupt Vector mode with the ST table in the MSI-X
 * table) unless the administrator sets the vfio_pci_core module parameter
 * enable_unsafe_tph_ds_mode.  GET tells which modes are allowed.
 *
 * A real driver keeps TPH enabled while its queues run; this tool disables
 * it before it exits (closing the device fd disables it too).  Enabling MSI-X
 * rewrites every MSI-X Vector Control word, which holds the tags of an MSI-X
 * ST table, so program the ST entries after MSI-X is enabled.  A driver with
 * the ST table in the TPH capability has MSI-X on as well, but the table
 * does not depend on it, so this tool enables MSI-X only for an MSI-X table.
 *
 * See include/uapi/linux/vfio.h and Documentation/driver-api/vfio.rst,
 * "VFIO PCI TPH".  The library carries its own copy of the TPH uAPI for
 * older headers, but this program also needs linux/iommufd.h (Linux 6.2):
 *
 *   make KHDR=<kernel build dir>/usr/include     (after "make headers")
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/iommufd.h>
#include <linux/pci_regs.h>

#include "vfio_tph.h"

#define MAX_QUEUES	2048	/* largest ST table: an 11-bit ST Table Size */
#define MAX_CPU		65535
#define SYSFS_PCI	"/sys/bus/pci/devices"
#define UNSAFE_PARAM	"/sys/module/vfio_pci_core/parameters/enable_unsafe_tph_ds_mode"

struct queue {
	unsigned int queue;	/* = MSI-X vector = ST table index */
	unsigned int cpu;	/* the CPU that polls the queue */
};

struct opts {
	char bdf[32];		/* sysfs name, DDDD:BB:DD.F */
	unsigned int mode;	/* VFIO_PCI_TPH_MODE_* */
	unsigned int mem_type;	/* VFIO_PCI_TPH_MEM_* */
	bool query;
	bool pause;
	unsigned int nq;
	struct queue q[MAX_QUEUES];
};

struct dev {
	int fd;			/* vfio cdev */
	int iommufd;
	struct vfio_device_feature_pci_tph tph;	/* from GET */
	bool tph_on;		/* we enabled TPH */
	bool msix_on;		/* we enabled MSI-X */
	int *efd;		/* one eventfd per MSI-X vector */
	unsigned int nefd;
	__u64 cfg_off;		/* config space region offset in fd */
};

static const char *const mode_name[] = { "ns", "iv", "ds" };
static const char *const loc_name[] = {
	"none", "in the TPH capability", "in the MSI-X table"
};

/* One line on stderr: "vfio-tph: error: ..." or "vfio-tph: hint: ..." */
__attribute__((format(printf, 2, 3)))
static int report(const char *kind, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vfio-tph: %s: ", kind);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

#define error(...)	report("error", __VA_ARGS__)
#define hint(...)	report("hint", __VA_ARGS__)

/* Report a failed call with errno, and a hint if there is one */
static int syserr(const char *call, const char *why)
{
	error("%s: %s", call, strerror(errno));
	if (why)
		hint("%s", why);
	return -1;
}

static void usage(void)
{
	fputs("usage: vfio-tph [options] BDF\n"
	      "Enable PCIe TPH on a vfio-pci device and steer its queues to CPUs.\n"
	      "\n"
	      "  -m, --mode MODE      ns, iv or ds (default iv)\n"
	      "  -q, --queues MAP     queue-to-CPU map: \"0:2,1:3\" (queue 0 -> CPU 2, ...)\n"
	      "                       or a CPU list \"2,3\" / \"0-3\" (queue i -> i-th CPU);\n"
	      "                       queue number = MSI-X vector = ST table index\n"
	      "  -t, --mem-type TYPE  volatile or persistent (default volatile)\n"
	      "  -Q, --query          only probe and query, change nothing\n"
	      "  -p, --pause          before each step that changes the device (enable,\n"
	      "                       program, disable) wait for a line on stdin\n"
	      "  -h, --help           show this help\n"
	      "\n"
	      "BDF is DDDD:BB:DD.F or BB:DD.F, bound to vfio-pci.  Run under\n"
	      "taskset -c with the queue CPUs.  Exit status: 0 ok, 1 error, 2 usage.\n",
	      stdout);
}

/* Parse a decimal number of at most @max at *@s, and move *@s past it */
static bool parse_num(const char **s, unsigned long max, unsigned long *val)
{
	char *end;

	if (!isdigit((unsigned char)**s))
		return false;
	errno = 0;
	*val = strtoul(*s, &end, 10);
	if (errno || *val > max)
		return false;
	*s = end;
	return true;
}

static int add_queue(struct opts *o, unsigned long queue, unsigned long cpu)
{
	unsigned int i;

	if (o->nq == MAX_QUEUES)
		return error("--queues: more than %d queues", MAX_QUEUES);
	for (i = 0; i < o->nq; i++)
		if (o->q[i].queue == queue)
			return error("--queues: queue %lu appears twice", queue);
	o->q[o->nq].queue = queue;
	o->q[o->nq].cpu = cpu;
	o->nq++;
	return 0;
}

/* One element of --queues, [@p, @end): QUEUE:CPU, or CPU or FIRST-LAST */
static int parse_elem(struct opts *o, const char *p, const char *end,
		      bool pair)
{
	unsigned long a, b;
	const char *s = p;

	if (pair) {
		if (!parse_num(&s, MAX_QUEUES - 1, &a) || *s != ':')
			goto bad;
		s++;
		if (!parse_num(&s, MAX_CPU, &b) || s != end)
			goto bad;
		return add_queue(o, a, b);
	}
	if (!parse_num(&s, MAX_CPU, &a))
		goto bad;
	b = a;
	if (*s == '-') {
		s++;
		if (!parse_num(&s, MAX_CPU, &b))
			goto bad;
	}
	if (s != end)
		goto bad;
	if (b < a)
		return error("--queues: range \"%.*s\" goes down",
			     (int)(end - p), p);
	for (; a <= b; a++)
		if (add_queue(o, o->nq, a))
			return -1;
	return 0;
bad:
	return error("--queues: bad element \"%.*s\": want QUEUE:CPU, CPU or FIRST-LAST (queue <= %d, CPU <= %d)",
		     (int)(end - p), p, MAX_QUEUES - 1, MAX_CPU);
}

static int parse_queues(struct opts *o, const char *arg)
{
	const char *p = arg;
	int form = 0;		/* 1: QUEUE:CPU pairs, 2: CPU list */

	if (o->nq)
		return error("--queues given twice");
	if (!*arg)
		return error("--queues is empty");
	for (;;) {
		size_t len = strcspn(p, ",");
		bool pair = memchr(p, ':', len) != NULL;

		if (!len)
			return error("--queues: empty element in \"%s\"", arg);
		if (form && form != (pair ? 1 : 2))
			return error("--queues: \"%s\" mixes QUEUE:CPU and CPU list forms",
				     arg);
		form = pair ? 1 : 2;
		if (parse_elem(o, p, p + len, pair))
			return -1;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

/* Parse @min to @max hex digits at *@s, and move *@s past them */
static bool parse_hex(const char **s, int min, int max, unsigned int *val)
{
	const char *p = *s;
	int n;

	*val = 0;
	for (n = 0; isxdigit((unsigned char)p[n]); n++) {
		if (n == max)
			return false;
		*val = *val << 4 | (isdigit((unsigned char)p[n]) ?
				    p[n] - '0' : (tolower(p[n]) - 'a' + 10));
	}
	if (n < min)
		return false;
	*s = p + n;
	return true;
}

/* [DDDD:]BB:DD.F, strictly; the domain may have 4 to 8 digits (VMD) */
static int parse_bdf(struct opts *o, const char *arg)
{
	unsigned int dom = 0, bus, dev, fn;
	const char *s = arg, *c = strchr(arg, ':');

	if (c && strchr(c + 1, ':')) {
		if (!parse_hex(&s, 4, 8, &dom) || *s != ':')
			goto bad;
		s++;
	}
	if (!parse_hex(&s, 2, 2, &bus) || *s != ':')
		goto bad;
	s++;
	if (!parse_hex(&s, 2, 2, &dev) || *s != '.')
		goto bad;
	s++;
	if (!parse_hex(&s, 1, 1, &fn) || *s)
		goto bad;
	if (dev > 0x1f || fn > 7)
		return error("bad BDF \"%s\": device must be <= 1f and function <= 7",
			     arg);
	snprintf(o->bdf, sizeof(o->bdf), "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return 0;
bad:
	return error("bad BDF \"%s\": want DDDD:BB:DD.F or BB:DD.F in hex", arg);
}

static int parse_mode(struct opts *o, const char *arg)
{
	unsigned int i;

	for (i = 0; i < sizeof(mode_name) / sizeof(mode_name[0]); i++) {
		if (!strcmp(arg, mode_name[i])) {
			o->mode = i;
			return 0;
		}
	}
	return error("bad --mode \"%s\": want ns, iv or ds", arg);
}

static int parse_mem_type(struct opts *o, const char *arg)
{
	if (!strcmp(arg, "volatile"))
		o->mem_type = VFIO_PCI_TPH_MEM_VOLATILE;
	else if (!strcmp(arg, "persistent"))
		o->mem_type = VFIO_PCI_TPH_MEM_PERSISTENT;
	else
		return error("bad --mem-type \"%s\": want volatile or persistent",
			     arg);
	return 0;
}

/* Return 0 to go on, 1 after --help, -1 on a usage error */
static int parse_args(struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode",	required_argument, NULL, 'm' },
		{ "queues",	required_argument, NULL, 'q' },
		{ "mem-type",	required_argument, NULL, 't' },
		{ "query",	no_argument,	   NULL, 'Q' },
		{ "pause",	no_argument,	   NULL, 'p' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c, ret = 0;

	opterr = 0;
	while (!ret && (c = getopt_long(argc, argv, ":m:q:t:Qph",
					longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			ret = parse_mode(o, optarg);
			break;
		case 'q':
			ret = parse_queues(o, optarg);
			break;
		case 't':
			ret = parse_mem_type(o, optarg);
			break;
		case 'Q':
			o->query = true;
			break;
		case 'p':
			o->pause = true;
			break;
		case 'h':
			usage();
			return 1;
		case ':':
			ret = error("option %s needs an argument",
				    argv[optind - 1]);
			break;
		default:
			if (optopt)
				ret = error("unknown option -%c", optopt);
			else
				ret = error("unknown option %s",
					    argv[optind - 1]);
		}
	}
	if (ret)
		return -1;
	if (optind == argc)
		return error("missing BDF");
	if (optind + 1 < argc)
		return error("unexpected argument \"%s\"", argv[optind + 1]);
	if (o->query && o->nq)
		return error("--query changes nothing, so it takes no --queues");
	return parse_bdf(o, argv[optind]);
}

static unsigned int max_queue(const struct opts *o)
{
	unsigned int i, max = 0;

	for (i = 0; i < o->nq; i++)
		if (o->q[i].queue > max)
			max = o->q[i].queue;
	return max;
}

/* Before a step that changes the device, let a person look at it */
static void pause_before(const struct opts *o, const char *step)
{
	char line[256];

	if (!o->pause)
		return;
	printf("paused before %s: press Enter\n", step);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) && !strchr(line, '\n'))
		;
}

/* Step a: check the sysfs state of the device and find its vfio cdev */
static int find_cdev(const char *bdf, char *cdev, size_t size)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *drv;
	struct dirent *de;
	ssize_t n;
	DIR *dir;

	snprintf(path, sizeof(path), SYSFS_PCI "/%s", bdf);
	if (access(path, F_OK)) {
		error("no PCI device %s", bdf);
		hint("lspci -D lists the devices");
		return -1;
	}
	snprintf(path, sizeof(path), SYSFS_PCI "/%s/iommu_group", bdf);
	if (access(path, F_OK)) {
		error("%s has no IOMMU group: enable an IOMMU (e.g. intel_iommu=on or amd_iommu=on, and VT-d/AMD-Vi in firmware)",
		      bdf);
		return -1;
	}
	snprintf(path, sizeof(path), SYSFS_PCI "/%s/driver", bdf);
	n = readlink(path, link, sizeof(link) - 1);
	link[n < 0 ? 0 : n] = '\0';
	drv = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	snprintf(path, sizeof(path), SYSFS_PCI "/%s/vfio-dev", bdf);
	dir = opendir(path);
	if (!dir && n < 0) {
		error("%s is not bound to any driver", bdf);
		hint("modprobe vfio-pci; echo vfio-pci > " SYSFS_PCI "/%s/driver_override; echo %s > /sys/bus/pci/drivers_probe",
		     bdf, bdf);
		return -1;
	}
	if (!dir && strcmp(drv, "vfio-pci")) {
		error("%s is bound to %s, not vfio-pci", bdf, drv);
		hint("echo %s > " SYSFS_PCI "/%s/driver/unbind; echo vfio-pci > " SYSFS_PCI "/%s/driver_override; echo %s > /sys/bus/pci/drivers_probe",
		     bdf, bdf, bdf, bdf);
		return -1;
	}
	cdev[0] = '\0';
	while (dir && (de = readdir(dir))) {
		if (!strncmp(de->d_name, "vfio", 4) &&
		    isdigit((unsigned char)de->d_name[4])) {
			snprintf(cdev, size, "/dev/vfio/devices/%s", de->d_name);
			break;
		}
	}
	if (dir)
		closedir(dir);
	if (!cdev[0])
		return error("%s has no vfio cdev: the kernel needs CONFIG_VFIO_DEVICE_CDEV",
			     bdf);
	return 0;
}

/* Step b: open the cdev and give the device an empty iommufd IOAS */
static int open_device(struct dev *d, const char *cdev)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
	};
	struct iommu_ioas_alloc ioas = { .size = sizeof(ioas) };
	char call[PATH_MAX + 8];

	snprintf(call, sizeof(call), "open %s", cdev);
	d->fd = open(cdev, O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		return syserr(call, errno == ENOENT ?
			      "no device node: is devtmpfs mounted on /dev?" :
			      "run as root, or give this user the cdev and /dev/iommu");
	d->iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (d->iommufd < 0)
		return syserr("open /dev/iommu", errno == ENOENT ?
			      "the kernel needs CONFIG_IOMMUFD" : NULL);
	bind.iommufd = d->iommufd;
	if (ioctl(d->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return syserr("VFIO_DEVICE_BIND_IOMMUFD", errno == EBUSY ?
			      "the device is in use by another process or a VFIO container" :
			      NULL);
	if (ioctl(d->iommufd, IOMMU_IOAS_ALLOC, &ioas))
		return syserr("IOMMU_IOAS_ALLOC", NULL);
	attach.pt_id = ioas.out_ioas_id;
	if (ioctl(d->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		return syserr("VFIO_DEVICE_ATTACH_IOMMUFD_PT", "see dmesg");
	printf("open: %s, bound to iommufd, IOAS %u\n", cdev, ioas.out_ioas_id);
	return 0;
}

static const char *modes(unsigned int mask, char *buf, size_t size)
{
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < 3; i++)
		if (mask & (1 << i))
			snprintf(buf + strlen(buf), size - strlen(buf), "%s%s",
				 buf[0] ? " " : "", mode_name[i]);
	return buf[0] ? buf : "none";
}

static void show_unsafe_param(void)
{
	char val[8];
	FILE *f = fopen(UNSAFE_PARAM, "r");

	if (!f)
		return;
	if (fgets(val, sizeof(val), f))
		printf("query: enable_unsafe_tph_ds_mode: %c\n", val[0]);
	fclose(f);
}

/* Steps c and d: is TPH usable here, and what can it do */
static int tph_query(struct dev *d)
{
	struct vfio_device_feature_pci_tph *t = &d->tph;
	char buf[16];
	int ret;

	ret = vfio_tph_query(d->fd, t);
	if (ret == -ENOTTY) {
		error("TPH is not usable on this device (ENOTTY)");
		hint("%s", vfio_tph_strerror(VFIO_TPH_OP_QUERY, ret));
		return -1;
	}
	if (ret)
		return error("VFIO_DEVICE_FEATURE_PCI_TPH: %s",
			     vfio_tph_strerror(VFIO_TPH_OP_QUERY, ret));

	printf("query: supported modes: %s\n",
	       modes(t->supported_modes, buf, sizeof(buf)));
	printf("query: allowed modes: %s\n",
	       modes(t->allowed_modes, buf, sizeof(buf)));
	printf("query: ST table: %s, %u entries\n",
	       t->st_table_loc <= VFIO_PCI_TPH_ST_LOC_MSIX ?
	       loc_name[t->st_table_loc] : "unknown", t->st_table_size);
	printf("query: tag width: %s\n", t->flags & VFIO_PCI_TPH_EXTENDED ?
	       "16-bit (Extended TPH)" : "8-bit");
	if (t->flags & VFIO_PCI_TPH_ENABLED)
		printf("query: state: enabled, mode %s\n",
		       t->mode <= VFIO_PCI_TPH_MODE_DS ? mode_name[t->mode] : "?");
	else
		printf("query: state: disabled\n");
	show_unsafe_param();
	return 0;
}

/* Would @mode let userspace choose any tag?  (the kernel's policy) */
static const char *unsafe_reason(struct dev *d, unsigned int mode)
{
	if (mode == VFIO_PCI_TPH_MODE_DS)
		return "DS mode lets the device emit any tag";
	if (mode == VFIO_PCI_TPH_MODE_IV &&
	    d->tph.st_table_loc == VFIO_PCI_TPH_ST_LOC_MSIX)
		return "IV mode with the ST table in the MSI-X table: Vector Control is writable through the BAR mmap";
	return NULL;
}

/* Step e: enable TPH; a mode the policy refuses is tried anyway */
static int tph_enable(struct dev *d, const struct opts *o)
{
	const char *m = mode_name[o->mode];
	const char *why = unsafe_reason(d, o->mode);
	int ret;

	if (!(d->tph.allowed_modes & (1 << o->mode)))
		printf("enable: mode %s is not allowed; trying anyway to show the kernel's answer\n",
		       m);
	pause_before(o, "enable");
	ret = vfio_tph_enable(d->fd, o->mode);
	if (!ret) {
		d->tph_on = true;
		printf("enable: TPH enabled in mode %s\n", m);
		if (why)
			printf("enable: the kernel is now tainted: %s\n", why);
		return 0;
	}
	if (ret == -EPERM)
		return error("mode %s is refused by the vfio-pci TPH policy: %s; an administrator can allow it with: echo Y > %s (taints the kernel)",
			     m, why ? why : "unknown reason", UNSAFE_PARAM);
	if (ret == -EOPNOTSUPP)
		return error("the device does not support mode %s", m);
	if (ret == -EBUSY)
		return error("TPH is already enabled");
	return error("enable: VFIO_DEVICE_FEATURE_PCI_TPH SET: %s",
		     vfio_tph_strerror(VFIO_TPH_OP_ENABLE, ret));
}

/* Step f: enable MSI-X vectors 0 to @nvec - 1, each with an eventfd */
static int msix_enable(struct dev *d, unsigned int nvec)
{
	struct vfio_irq_info info = {
		.argsz = sizeof(info),
		.index = VFIO_PCI_MSIX_IRQ_INDEX,
	};
	size_t size = sizeof(struct vfio_irq_set) + nvec * sizeof(int);
	struct vfio_irq_set *set;
	int ret;

	if (ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &info))
		return syserr("VFIO_DEVICE_GET_IRQ_INFO (MSI-X)", NULL);
	if (nvec > info.count)
		return error("queue %u needs MSI-X vector %u, but the device has %u MSI-X vectors",
			     nvec - 1, nvec - 1, info.count);
	d->efd = calloc(nvec, sizeof(int));
	set = calloc(1, size);
	if (!d->efd || !set) {
		free(set);
		return error("out of memory");
	}
	for (d->nefd = 0; d->nefd < nvec; d->nefd++) {
		d->efd[d->nefd] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (d->efd[d->nefd] < 0) {
			free(set);
			return syserr("eventfd", NULL);
		}
	}
	set->argsz = size;
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSIX_IRQ_INDEX;
	set->start = 0;
	set->count = nvec;
	memcpy(set->data, d->efd, nvec * sizeof(int));
	ret = ioctl(d->fd, VFIO_DEVICE_SET_IRQS, set);
	free(set);
	if (ret)
		return syserr("VFIO_DEVICE_SET_IRQS (MSI-X)", NULL);
	d->msix_on = true;
	printf("msix: %u MSI-X vector(s) enabled with eventfds\n", nvec);
	return 0;
}

static void msix_disable(struct dev *d)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = VFIO_PCI_MSIX_IRQ_INDEX,
	};

	if (ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &set))
		syserr("VFIO_DEVICE_SET_IRQS (MSI-X off)", NULL);
	else
		printf("msix: MSI-X disabled\n");
	d->msix_on = false;
}

static void st_error(struct dev *d, const struct opts *o, int err,
		     unsigned int bad)
{
	switch (err) {
	case EPERM:
		if (bad < o->nq)
			error("CPU %u (queue %u) is not permitted: it is not active, or not in this thread's CPU affinity; run under taskset -c with the queue CPUs",
			      o->q[bad].cpu, o->q[bad].queue);
		else
			error("a CPU of the batch is not permitted: it is not active, or not in this thread's CPU affinity");
		break;
	case ENODATA:
		if (bad < o->nq)
			error("platform firmware has no steering tag for CPU %u (queue %u) (ACPI _DSM function 0xF of the PCI root, for this tag width and memory type)",
			      o->q[bad].cpu, o->q[bad].queue);
		else
			error("platform firmware has no steering tag for one of the CPUs (ACPI _DSM function 0xF of the PCI root, for this tag width and memory type)");
		break;
	case EOPNOTSUPP:
		error("%s", vfio_tph_strerror(VFIO_TPH_OP_PROGRAM, err));
		break;
	case ENXIO:
		error("ST entry %u names an MSI-X vector that is not enabled: enable MSI-X (VFIO_DEVICE_SET_IRQS) first",
		      bad < o->nq ? o->q[bad].queue : 0);
		break;
	case EINVAL:
		if (!d->tph.st_table_size)
			error("the device has no ST table to program (EINVAL)");
		else if (max_queue(o) >= d->tph.st_table_size)
			error("queue %u is beyond the ST table of %u entries (EINVAL)",
			      max_queue(o), d->tph.st_table_size);
		else
			error("ST entries refused (EINVAL); the ST table has %u entries",
			      d->tph.st_table_size);
		break;
	default:
		error("program: VFIO_DEVICE_FEATURE_PCI_TPH_ST SET: %s",
		      vfio_tph_strerror(VFIO_TPH_OP_PROGRAM, err));
	}
}

static int cfg_read(struct dev *d, unsigned int pos, void *buf, size_t len)
{
	return pread(d->fd, buf, len, d->cfg_off + pos) == (ssize_t)len ? 0 : -1;
}

/* Find the TPH Requester capability in the vfio config space region */
static int find_tph_cap(struct dev *d)
{
	struct vfio_region_info ri = {
		.argsz = sizeof(ri),
		.index = VFIO_PCI_CONFIG_REGION_INDEX,
	};
	unsigned int pos = PCI_CFG_SPACE_SIZE, n;
	__u32 hdr;

	if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri) ||
	    ri.size < PCI_CFG_SPACE_EXP_SIZE)
		return -1;
	d->cfg_off = ri.offset;
	for (n = 0; n < (PCI_CFG_SPACE_EXP_SIZE - PCI_CFG_SPACE_SIZE) / 4; n++) {
		if (cfg_read(d, pos, &hdr, sizeof(hdr)))
			return -1;
		hdr = le32toh(hdr);
		if (!hdr || hdr == 0xffffffff)
			return -1;
		if (PCI_EXT_CAP_ID(hdr) == PCI_EXT_CAP_ID_TPH)
			return pos;
		pos = PCI_EXT_CAP_NEXT(hdr);
		if (pos < PCI_CFG_SPACE_SIZE)
			return -1;
	}
	return -1;
}

/* Print each queue's entry, read back where the table is in config space */
static void show_entries(struct dev *d, const struct opts *o)
{
	bool msix = d->tph.st_table_loc == VFIO_PCI_TPH_ST_LOC_MSIX;
	bool ext = d->tph.flags & VFIO_PCI_TPH_EXTENDED;
	int cap = msix ? -1 : find_tph_cap(d);
	unsigned int i;
	__u16 tag;

	if (!msix && cap < 0)
		printf("program: TPH capability not found in config space, no read-back\n");
	for (i = 0; i < o->nq; i++) {
		const struct queue *q = &o->q[i];

		if (cap >= 0 && !cfg_read(d, cap + PCI_TPH_BASE_SIZEOF +
					  q->queue * 2, &tag, sizeof(tag)))
			printf("program: queue %u -> CPU %u: ST entry %u = 0x%0*x\n",
			       q->queue, q->cpu, q->queue, ext ? 4 : 2,
			       le16toh(tag));
		else
			printf("program: queue %u -> CPU %u: ST entry %u%s\n",
			       q->queue, q->cpu, q->queue,
			       msix ? " (MSI-X vector)" : "");
	}
	if (msix)
		printf("program: the tags are in the upper 16 bits of the MSI-X Vector Control words; not read back\n");
}

/* Step g: program all queues' ST entries in one batch */
static int tph_program(struct dev *d, const struct opts *o)
{
	struct vfio_tph_queue *q = calloc(o->nq, sizeof(*q));
	unsigned int i, bad;
	int ret;

	if (!q)
		return error("out of memory");
	for (i = 0; i < o->nq; i++) {
		q[i].cpu = o->q[i].cpu;
		q[i].index = o->q[i].queue;
	}
	pause_before(o, "program");
	ret = vfio_tph_program(d->fd, q, o->nq, o->mem_type, &bad);
	free(q);
	if (ret) {
		st_error(d, o, -ret, bad);
		return -1;
	}
	printf("program: %u queue(s) programmed in one batch\n", o->nq);
	show_entries(d, o);
	return 0;
}

static int run(struct dev *d, const struct opts *o)
{
	bool program = o->nq && o->mode != VFIO_PCI_TPH_MODE_NS;

	if (o->nq && !program)
		printf("program: No ST mode sends steering tag 0 on every request, --queues ignored\n");
	if (tph_enable(d, o))
		return -1;
	if (!program)
		return 0;
	if (d->tph.st_table_loc == VFIO_PCI_TPH_ST_LOC_MSIX &&
	    msix_enable(d, max_queue(o) + 1))
		return -1;
	return tph_program(d, o);
}

/* Step h: undo what we did, even after an error */
static int cleanup(struct dev *d, const struct opts *o)
{
	int ret = 0;

	if (d->tph_on) {
		pause_before(o, "disable");
		ret = vfio_tph_disable(d->fd);
		if (ret)
			error("disable: VFIO_DEVICE_FEATURE_PCI_TPH SET: %s",
			      vfio_tph_strerror(VFIO_TPH_OP_DISABLE, ret));
		else
			printf("disable: TPH disabled\n");
	}
	if (d->msix_on)
		msix_disable(d);
	while (d->nefd)
		close(d->efd[--d->nefd]);
	free(d->efd);
	if (d->fd >= 0)
		close(d->fd);
	if (d->iommufd >= 0)
		close(d->iommufd);
	return ret;
}

int main(int argc, char **argv)
{
	static struct opts o = {
		.mode = VFIO_PCI_TPH_MODE_IV,
		.mem_type = VFIO_PCI_TPH_MEM_VOLATILE,
	};
	struct dev d = { .fd = -1, .iommufd = -1 };
	char cdev[PATH_MAX];
	int ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = parse_args(&o, argc, argv);
	if (ret > 0)
		return 0;
	if (ret < 0) {
		hint("run vfio-tph --help");
		return 2;
	}
	if (find_cdev(o.bdf, cdev, sizeof(cdev)))
		return 1;
	ret = open_device(&d, cdev);
	if (!ret)
		ret = tph_query(&d);
	if (!ret && !o.query)
		ret = run(&d, &o);
	if (cleanup(&d, &o))
		ret = -1;
	return ret ? 1 : 0;
}

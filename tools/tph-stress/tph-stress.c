// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * tph-stress - several threads drive VFIO_DEVICE_FEATURE_PCI_TPH and
 * VFIO_DEVICE_FEATURE_PCI_TPH_ST, VFIO_DEVICE_RESET and MSI-X enable and
 * disable on one vfio-pci device at once, then check that the device ends
 * in the state the contract of include/uapi/linux/vfio.h says.
 *
 * The run is cut into phases of about 10 s.  Between phases, with every
 * thread joined, the device is closed and opened again, which must leave
 * TPH disabled with an empty ST table.  A vfio cdev can be bound only once
 * (vfio_df_open(): a second VFIO_DEVICE_BIND_IOMMUFD fails with -EINVAL),
 * so on the cdev path that is the only close and reopen; the group path
 * allows several device fds, and there one more thread also gets its own fd
 * with VFIO_GROUP_GET_DEVICE_FD, uses and closes it, over and over, during
 * the phases.
 *
 * Calls that make firmware resolve tags (about 0.2 s each under the bench's
 * KASAN and TCG) and resets are "slow": each thread makes one every 1 to 3 s;
 * everything else is cheap and makes up the rest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tph-common.h"

#define MAX_THREADS	64
#define MAX_FAILS	6
#define PHASE_SECONDS	10
#define SLOW_GAP	2.0	/* mean seconds between a thread's slow calls */

enum op {
	O_GET, O_ENABLE, O_DISABLE, O_ST_BAD, O_ST_SET, O_ST_GET, O_RESET,
	O_MSIX_ON, O_MSIX_OFF, O_GROUP_FD, O_NUM
};

static const char *const op_name[O_NUM] = {
	"tph-get", "tph-enable", "tph-disable", "st-invalid", "st-set",
	"st-get", "reset", "msix-on", "msix-off", "group-fd",
};

static const eset_t DOC_OPEN = EB(0) | EB(EMFILE) | EB(ENOMEM);
static const eset_t *const op_doc[O_NUM] = {
	&DOC_TPH, &DOC_TPH, &DOC_TPH, &DOC_ST, &DOC_ST, &DOC_ST, &DOC_RESET,
	&DOC_IRQS, &DOC_IRQS, &DOC_OPEN,
};

struct worker {
	pthread_t th;
	int id;
	bool own_fd;		/* gets its own device fd (group path) */
	__u64 rng;
	double next_slow;
	struct hist h[O_NUM];
	unsigned long bad_doc, bad_contract, bad_get, bad_tag;
	unsigned int nfail;
	char fail[MAX_FAILS][256];
};

static struct {
	struct vdev dev;
	struct vfio_device_feature_pci_tph info;	/* GET at start */
	struct cpus cpus;
	unsigned int online[CPU_SETSIZE], nonline;	/* and in our affinity */
	unsigned int msix_max;
	bool unsafe, fw;
	enum fw_kind fwk;	/* what --fw said */
	double phase_end;
	pthread_mutex_t lock;	/* fw */
	struct fwmodel fwm;
} g = { .lock = PTHREAD_MUTEX_INITIALIZER };

__attribute__((format(printf, 3, 4)))
static void wfail(struct worker *w, unsigned long *count, const char *fmt, ...)
{
	va_list ap;

	(*count)++;
	if (w->nfail == MAX_FAILS)
		return;
	va_start(ap, fmt);
	vsnprintf(w->fail[w->nfail++], sizeof(w->fail[0]), fmt, ap);
	va_end(ap);
}

/* Count @err; is it documented, and one that @allowed (any state) holds? */
static void check(struct worker *w, enum op op, int err, eset_t allowed,
		  const char *what)
{
	char buf[128];

	hist_add(&w->h[op], -err);
	if (!in_set(*op_doc[op], -err))
		wfail(w, &w->bad_doc, "%s %s: %s is not documented", op_name[op],
		      what, errname(-err));
	else if (!in_set(allowed, -err))
		wfail(w, &w->bad_contract, "%s %s: %s, want one of {%s}",
		      op_name[op], what, errname(-err),
		      eset_str(allowed, buf, sizeof(buf)));
}

static void do_get(struct worker *w, int fd)
{
	struct vfio_device_feature_pci_tph t, want = g.info;
	char why[300];
	int err = tph_get(fd, &t);

	check(w, O_GET, err, EB(0), "");
	if (err)
		return;
	want.flags = (want.flags & ~VFIO_PCI_TPH_ENABLED) |
		     (t.flags & VFIO_PCI_TPH_ENABLED);
	want.mode = t.flags & VFIO_PCI_TPH_ENABLED ? t.mode : 0;
	if (!tph_same(&t, &want, why, sizeof(why)))
		wfail(w, &w->bad_get, "%s", why);
	else if ((t.flags & VFIO_PCI_TPH_ENABLED) &&
		 (t.mode > VFIO_PCI_TPH_MODE_DS ||
		  !(g.info.supported_modes & (1 << t.mode)) ||
		  !policy_allows(t.mode, g.info.st_table_loc, g.unsafe)))
		wfail(w, &w->bad_get, "GET: enabled in mode %u, not allowed",
		      t.mode);
}

static void do_enable(struct worker *w, int fd)
{
	unsigned int mode = below(&w->rng, 3);
	bool sup = g.info.supported_modes & (1 << mode);
	bool pol = policy_allows(mode, g.info.st_table_loc, g.unsafe);
	char what[16];

	snprintf(what, sizeof(what), "mode %u", mode);
	check(w, O_ENABLE, tph_set(fd, true, mode), EB(EBUSY) |
	      (sup ? 0 : EB(EOPNOTSUPP)) | (pol ? 0 : EB(EPERM)) |
	      (sup && pol ? EB(0) : 0), what);
}

/* A CPU that firmware is thought to have a tag for, if there is one */
static unsigned int pick_cpu(struct worker *w)
{
	unsigned int i, cpu;

	pthread_mutex_lock(&g.lock);
	for (i = 0; i < 4; i++) {
		cpu = g.online[below(&w->rng, g.nonline)];
		if (fw_lookup(&g.fwm, cpu, 0) != -ENODATA)
			break;
	}
	pthread_mutex_unlock(&g.lock);
	return cpu;
}

/* Firmware's part of the expected result of a batch of valid entries */
static eset_t fw_expect(const struct vfio_pci_tph_st_entry *e, unsigned int n)
{
	eset_t s = EB(0);
	unsigned int i;
	int tag;

	pthread_mutex_lock(&g.lock);
	for (i = 0; i < n; i++) {
		tag = fw_lookup(&g.fwm, e[i].cpu, e[i].mem_type);
		if (tag == -ENODATA)
			s = EB(ENODATA);
		else if (tag == FW_UNKNOWN)
			s |= EB(ENODATA);
	}
	pthread_mutex_unlock(&g.lock);
	return g.fw ? s : EB(EOPNOTSUPP);
}

/* @n entries over at most two CPUs and memory types; ST indexes for SET */
static void valid_batch(struct worker *w, struct vfio_pci_tph_st_entry *e,
			unsigned int n, bool set)
{
	unsigned int cpu[2] = { pick_cpu(w), pick_cpu(w) };
	unsigned int i, mt = below(&w->rng, 2);

	memset(e, 0, n * sizeof(*e));
	for (i = 0; i < n; i++) {
		e[i].cpu = cpu[i & 1];
		e[i].mem_type = mt;
		e[i].index = set ? below(&w->rng, g.info.st_table_size) : 0;
	}
}

/* One cheap invalid PCI_TPH_ST call: -EINVAL by the contract */
static void do_st_bad(struct worker *w, int fd)
{
	static const char *const fault_name[] = {
		"count 0", "argsz one entry more", "argsz - 1", "mem_type 2",
		"tag set", "reserved set", "cpu ~0", "bad index", "count > max",
	};
	unsigned int fault = below(&w->rng, 9), n = 1;
	/*
	 * GET's count limit is left to tph-fuzz: a kernel that checked it
	 * late would resolve the whole batch, which is slow
	 */
	bool set = fault == 8 || below(&w->rng, 2);
	struct vfio_device_feature_pci_tph_st *st;
	__u32 max = set || g.info.st_table_size > 2 * g.cpus.nr_cpu_ids ?
		    g.info.st_table_size : 2 * g.cpus.nr_cpu_ids;
	eset_t allowed = EB(EINVAL) | (g.fw ? 0 : EB(EOPNOTSUPP));
	size_t len;
	__u32 argsz;

	if (fault == 8)
		n = max + 1;
	len = ST_HDR + (n + 1) * ST_ENT;
	st = calloc(1, len);
	if (!st)
		return;
	valid_batch(w, st->entries, n, set);
	st->count = fault ? n : 0;
	argsz = FEAT_HDR + ST_HDR + st->count * ST_ENT;
	if (fault == 1)
		argsz += ST_ENT;
	else if (fault == 2)
		argsz--;
	else if (fault == 3)
		st->entries[0].mem_type = 2;
	else if (fault == 4)
		st->entries[0].tag = 1;
	else if (fault == 5)
		st->entries[0].reserved = 1;
	else if (fault == 6)
		st->entries[0].cpu = ~0u;
	else if (fault == 7)
		st->entries[0].index = set ? g.info.st_table_size : 1;
	/*
	 * The contract orders no two errors: a bad tag, reserved or index
	 * leaves the CPU for firmware to refuse, and any fault but the index
	 * leaves the index for an MSI-X table to refuse
	 */
	if (fault >= 4 && fault <= 7 && fault != 6 && n <= max)
		allowed |= fw_expect(st->entries, 1) & EB(ENODATA);
	if (fault >= 3 && fault <= 6 && n <= max && set && g.fw &&
	    g.info.st_table_loc == VFIO_PCI_TPH_ST_LOC_MSIX)
		allowed |= EB(ENXIO);
	check(w, O_ST_BAD, feature(fd, (set ? VFIO_DEVICE_FEATURE_SET :
					VFIO_DEVICE_FEATURE_GET) |
				   VFIO_DEVICE_FEATURE_PCI_TPH_ST, argsz, st, len),
	      allowed, fault_name[fault]);
	free(st);
}

static void do_st(struct worker *w, int fd, bool set)
{
	struct vfio_pci_tph_st_entry e[4], out[4];
	unsigned int n = 1 + below(&w->rng, set ? 4 : 3), i;
	eset_t allowed;
	char why[256];
	int err;

	if (set && g.info.st_table_size < n) {
		do_st_bad(w, fd);
		return;
	}
	valid_batch(w, e, n, set);
	allowed = fw_expect(e, n);
	if (set && g.info.st_table_loc == VFIO_PCI_TPH_ST_LOC_MSIX && g.fw)
		allowed |= EB(ENXIO);	/* MSI-X state: other threads' */
	memcpy(out, e, sizeof(e));
	err = tph_st(fd, set, out, n);
	check(w, set ? O_ST_SET : O_ST_GET, err, allowed, "valid batch");
	pthread_mutex_lock(&g.lock);
	if (!err && !set && !st_get_check(&g.fwm, e, out, n, why, sizeof(why)))
		wfail(w, &w->bad_tag, "GET_ST: %s", why);
	/* One CPU and memory type: the ENODATA is its */
	for (i = 1; i < n && e[i].cpu == e[0].cpu; i++)
		;
	if (err == -ENODATA && i == n &&
	    !fw_learn(&g.fwm, e[0].cpu, e[0].mem_type, -ENODATA))
		wfail(w, &w->bad_tag, "GET_ST: CPU %u had a tag, now -ENODATA",
		      e[0].cpu);
	pthread_mutex_unlock(&g.lock);
}

static void cheap_op(struct worker *w, int fd)
{
	unsigned int r = below(&w->rng, 100);

	if (r < 35)
		do_get(w, fd);
	else if (r < 60)
		do_enable(w, fd);
	else if (r < 80)
		check(w, O_DISABLE, tph_set(fd, false, 0), EB(0), "");
	else
		do_st_bad(w, fd);
}

static void slow_op(struct worker *w, int fd)
{
	unsigned int r = below(&w->rng, 100);

	if (r < 35)
		do_st(w, fd, true);
	else if (r < 60)
		do_st(w, fd, false);
	else if (r < 72)
		check(w, O_RESET, dev_reset(fd), DOC_RESET, "");
	else if (r < 86 && g.msix_max)
		check(w, O_MSIX_ON, msix_enable(fd, 1 + below(&w->rng,
			g.msix_max < 4 ? g.msix_max : 4)), DOC_IRQS, "");
	else
		check(w, O_MSIX_OFF, msix_disable(fd), EB(0) | EB(EINVAL), "");
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int i, n;
	int fd;

	while (now() < g.phase_end) {
		if (!w->own_fd) {
			if (now() < w->next_slow) {
				cheap_op(w, g.dev.fd);
				continue;
			}
			slow_op(w, g.dev.fd);
			w->next_slow = now() + SLOW_GAP *
				       (0.5 + below(&w->rng, 1000) / 1000.0);
			continue;
		}
		fd = vdev_group_fd(&g.dev);
		check(w, O_GROUP_FD, fd < 0 ? fd : 0, EB(0), "GET_DEVICE_FD");
		if (fd < 0)
			break;
		for (n = 5 + below(&w->rng, 40), i = 0; i < n; i++)
			cheap_op(w, fd);
		close(fd);
	}
	return NULL;
}

/* TPH disabled; after an open or a reset, with @table, ST table empty */
static bool check_fresh(const char *what, bool table)
{
	struct vfio_device_feature_pci_tph t;
	unsigned int i, bad = 0;
	__u32 ctrl = 0;
	__u16 tag;
	int err = tph_get(g.dev.fd, &t);

	if (err || (t.flags & VFIO_PCI_TPH_ENABLED) || t.mode) {
		diag("%s: GET: %s, flags 0x%x mode %u", what, errname(-err),
		     t.flags, t.mode);
		return false;
	}
	if (tph_ctrl(&g.dev, &ctrl) || !ctrl_matches(ctrl, false, 0, false)) {
		diag("%s: TPH Control 0x%08x", what, ctrl);
		return false;
	}
	for (i = 0; table && g.info.st_table_loc == VFIO_PCI_TPH_ST_LOC_CAP &&
		    i < g.info.st_table_size; i++)
		if (st_entry(&g.dev, i, &tag) || tag)
			if (bad++ < 4)
				diag("%s: ST entry %u = 0x%x", what, i, tag);
	return !bad;
}

/* Enable TPH in a known mode, program a known batch, read it all back */
static void known_state(bool zeroed)
{
	static const unsigned int order[] = {
		VFIO_PCI_TPH_MODE_IV, VFIO_PCI_TPH_MODE_NS, VFIO_PCI_TPH_MODE_DS,
	};
	struct vfio_pci_tph_st_entry e[4], in[4], got[4];
	unsigned int size = g.info.st_table_size, mode = 0, i, k = 0, ncpu = 0;
	bool msix = g.info.st_table_loc == VFIO_PCI_TPH_ST_LOC_MSIX;
	bool cap = g.info.st_table_loc == VFIO_PCI_TPH_ST_LOC_CAP;
	bool ext = g.info.flags & VFIO_PCI_TPH_EXTENDED, ok = true;
	struct vfio_device_feature_pci_tph t;
	unsigned int cpus[4] = {};
	char why[256];
	__u32 ctrl = 0;
	__u16 tag;
	int err;

	for (i = 0; i < 3 && !(g.info.allowed_modes & (1 << order[i])); i++)
		;
	if (i == 3) {
		tap_skip("known mode and batch: no mode allowed");
		return;
	}
	mode = order[i];
	err = tph_set(g.dev.fd, true, mode);
	if (err)
		ok = tap(false, "known mode and batch: enable mode %u: %s", mode,
			 errname(-err));
	/* Up to 4 entries: MSI-X vectors 0 to 3, or spread over the cap's table */
	k = g.fw && (cap || msix) ? size : 0;
	k = msix && k > g.msix_max ? g.msix_max : k;
	k = k > 4 ? 4 : k;
	if (msix && k && msix_enable(g.dev.fd, k))
		k = 0;
	/* The CPUs firmware has a volatile tag for, one GET each */
	for (i = 0; i < g.nonline && ncpu < 4 && k; i++) {
		e[0] = (struct vfio_pci_tph_st_entry){ .cpu = g.online[i] };
		if (!tph_st(g.dev.fd, false, e, 1))
			cpus[ncpu++] = g.online[i];
	}
	k = ncpu ? k : 0;
	memset(e, 0, sizeof(e));
	for (i = 0; i < k; i++) {
		e[i].cpu = cpus[i % ncpu];
		e[i].index = k == 1 ? 0 : i * ((msix ? k : size) - 1) / (k - 1);
	}
	if (ok && k && (err = tph_st(g.dev.fd, true, e, k)))
		ok = tap(false, "known mode and batch: SET_ST of %u entries: %s",
			 k, errname(-err));
	for (i = 0; i < k; i++)
		in[i] = (struct vfio_pci_tph_st_entry){ .cpu = e[i].cpu };
	memcpy(got, in, sizeof(in));
	if (ok && k && (err = tph_st(g.dev.fd, false, got, k)))
		ok = tap(false, "known mode and batch: GET_ST: %s", errname(-err));
	if (ok && k && !st_get_check(&g.fwm, in, got, k, why, sizeof(why)))
		ok = tap(false, "known mode and batch: GET_ST: %s", why);
	if (ok && (tph_get(g.dev.fd, &t) || !(t.flags & VFIO_PCI_TPH_ENABLED) ||
		   t.mode != mode))
		ok = tap(false, "known mode and batch: GET flags 0x%x mode %u, want mode %u",
			 t.flags, t.mode, mode);
	if (ok && (tph_ctrl(&g.dev, &ctrl) || !ctrl_matches(ctrl, true, mode, ext)))
		ok = tap(false, "known mode and batch: TPH Control 0x%08x, want mode %u",
			 ctrl, mode);
	for (i = 0; ok && cap && i < size; i++) {
		unsigned int j, want = 0;
		bool set = false;

		for (j = 0; j < k; j++)
			if (e[j].index == i) {
				want = got[j].tag;
				set = true;
			}
		if ((set || zeroed) && (st_entry(&g.dev, i, &tag) || tag != want))
			ok = tap(false, "known mode and batch: ST entry %u = 0x%x, want 0x%x",
				 i, tag, want);
	}
	if (ok)
		tap(true, "known mode %u and a batch of %u entries: GET, TPH Control%s agree",
		    mode, k, cap ? " and the ST table" : "");
	tph_set(g.dev.fd, false, 0);
	msix_disable(g.dev.fd);
}

static void report(struct worker *w, unsigned int nw)
{
	unsigned long doc = 0, contract = 0, get = 0, tag = 0, calls = 0;
	struct hist total[O_NUM] = {};
	unsigned int i, j, e;

	for (i = 0; i < nw; i++) {
		diag("thread %u%s:", i, w[i].own_fd ? " (own device fd)" : "");
		for (j = 0; j < O_NUM; j++) {
			hist_print(op_name[j], &w[i].h[j]);
			for (e = 0; e <= HIST_MAX; e++)
				total[j].n[e] += w[i].h[j].n[e];
		}
		for (j = 0; j < w[i].nfail; j++)
			diag("  failure: %s", w[i].fail[j]);
		doc += w[i].bad_doc;
		contract += w[i].bad_contract;
		get += w[i].bad_get;
		tag += w[i].bad_tag;
	}
	diag("all threads:");
	for (j = 0; j < O_NUM; j++) {
		hist_print(op_name[j], &total[j]);
		calls += hist_total(&total[j]);
	}
	tap(!doc, "every result is in the documented errno set (%lu calls, %lu not)",
	    calls, doc);
	tap(!contract, "every result is one the contract allows in some state (%lu not)",
	    contract);
	tap(!get, "every GET was consistent, no forbidden mode enabled (%lu not)",
	    get);
	tap(!tag, "GET_ST tags consistent between calls%s (%lu not)",
	    g.fwk == FW_BENCH ? " and equal to the bench firmware's" :
	    g.fwk == FW_NONE ? ", and none" : "", tag);
}

int main(int argc, char **argv)
{
	static const char *const names[2] = { "seconds", "threads" };
	static struct worker w[MAX_THREADS + 1];
	struct args a = { .num = { 60, 4 }, .min = { 1, 1 },
			  .max = { 86400, MAX_THREADS } };
	unsigned int seconds, nthreads, nw, nphase, p, i, fresh = 0;
	bool group, zeroed = false;
	cpu_set_t set;
	int c, err;

	if (parse_args(argc, argv, names, &a))
		return 2;
	seconds = a.num[0];
	nthreads = a.num[1];
	group = a.group;
	g.fwk = a.fw;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	err = vdev_open(&g.dev, a.bdf, group);
	if (!err)
		err = cpus_read(&g.cpus);
	if (!err)
		err = tph_get(g.dev.fd, &g.info);
	if (!tap(!err, "open %s through the %s, GET PCI_TPH: %s", a.bdf,
		 group ? "container and group" : "iommufd cdev", errname(-err)))
		return tap_plan(), 1;
	if (sched_getaffinity(0, sizeof(set), &set))
		CPU_ZERO(&set);
	for (i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &g.cpus.online) && CPU_ISSET(i, &set))
			g.online[g.nonline++] = i;
	g.unsafe = unsafe_param();
	g.fw = g.info.flags & VFIO_PCI_TPH_FIRMWARE_ST;
	fw_init(&g.fwm, g.fwk, g.info.flags & VFIO_PCI_TPH_EXTENDED);
	msix_count(g.dev.fd, &g.msix_max);
	check_first_get(&g.dev, &g.info, 0, g.unsafe, g.msix_max);
	if (group) {
		c = vdev_group_fd(&g.dev);
		tap(c >= 0, "a second device fd from the group: %s",
		    errname(c < 0 ? -c : 0));
		if (c >= 0)
			close(c);
	} else {
		err = vdev_second_bind(&g.dev);
		tap(err, "a second cdev bind is refused while the device is bound: %s",
		    errname(-err));
	}

	nw = nthreads + group;
	nphase = seconds > PHASE_SECONDS ? seconds / PHASE_SECONDS : 1;
	for (i = 0; i < nw; i++) {
		w[i].id = i;
		w[i].own_fd = i == nthreads;
		w[i].rng = 0x9e3779b97f4a7c15ULL * (i + 1);
		w[i].next_slow = now() + i * SLOW_GAP / nw;
	}
	for (p = 0; p < nphase; p++) {
		g.phase_end = now() + (double)seconds / nphase;
		for (i = 0; i < nw; i++)
			pthread_create(&w[i].th, NULL, worker_main, &w[i]);
		for (i = 0; i < nw; i++)
			pthread_join(w[i].th, NULL);
		if (p + 1 == nphase)
			break;
		err = vdev_reopen(&g.dev);
		if (err) {
			tap(false, "reopen after phase %u: %s", p, errname(-err));
			return tap_plan(), 1;
		}
		fresh += check_fresh("after a reopen", true);
	}
	report(w, nw);
	if (nphase > 1)
		tap(fresh == nphase - 1, "%u of %u reopens left TPH disabled and the ST table empty",
		    fresh, nphase - 1);
	else
		tap_skip("reopen: one phase only (--seconds <= %d)", PHASE_SECONDS);

	err = tph_set(g.dev.fd, false, 0);
	msix_disable(g.dev.fd);
	tap(!err && check_fresh("after disable", false),
	    "quiesce: disable %s, GET and TPH Control say disabled", errname(-err));
	for (i = 0; i < 5 && (err = dev_reset(g.dev.fd)) == -EAGAIN; i++)
		usleep(100000);
	if (err == -EINVAL || err == -ENOTTY)
		tap_skip("VFIO_DEVICE_RESET: %s", errname(-err));
	else
		zeroed = tap(!err && check_fresh("after VFIO_DEVICE_RESET", true),
			     "VFIO_DEVICE_RESET %s: TPH disabled, ST table empty",
			     errname(-err));
	known_state(zeroed);
	vdev_close(&g.dev);
	return tap_plan();
}

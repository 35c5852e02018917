// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * The model of tph-fuzz: what include/uapi/linux/vfio.h says each call on
 * VFIO_DEVICE_FEATURE_PCI_TPH and VFIO_DEVICE_FEATURE_PCI_TPH_ST returns,
 * after the vfio core's own checks (vfio_ioctl_device_feature() and
 * vfio_check_feature() in drivers/vfio), and what it changes.
 *
 * Where the contract fixes no order between two errors that apply, any of
 * them will do.  Where it is silent on what a call leaves behind (does a
 * disable keep the ST table?), either answer will do, until the config
 * space says which.  This file is the one to change with the contract.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tph-fuzz.h"

#define MAX_SHOWN	20

/* Which errors an ST entry can cause */
#define B_INVAL		0x01
#define B_PERM		0x02
#define B_NODATA	0x04	/* firmware has no tag */
#define B_NODATA_MAYBE	0x08	/* not known yet */
#define B_NXIO		0x10
#define B_NXIO_MAYBE	0x20

static const char *const kind_name[K_NUM] = {
	"tph-get", "tph-set", "tph-probe", "tph-bad-header", "st-get",
	"st-set", "st-probe", "st-bad-header", "reset", "msix-on", "msix-off",
};

struct model m = { .reset_err = 1 };
struct vdev dev;
static bool cap_table;		/* an ST table to read in config space */
static struct hist hist[K_NUM];
static unsigned long nundoc, nmis, nget, nst, nctrl, shown;

static void show_call(const struct call *c, int got)
{
	const struct vfio_device_feature_pci_tph *t = &c->tph;
	const struct vfio_pci_tph_st_entry *e = c->in;
	char buf[160];
	unsigned int i;

	diag("    %s flags 0x%x argsz %u: got %s, want {%s}; model: TPH %s mode %u, MSI-X %u%s",
	     kind_name[c->kind], c->flags, c->argsz, errname(got),
	     eset_str(c->expect, buf, sizeof(buf)), m.enabled ? "on" : "off",
	     m.mode, m.msix_n, m.msix_unsure ? "?" : "");
	if (c->kind < K_ST_GET)
		diag("    payload flags 0x%x mode %u supported 0x%x allowed 0x%x loc %u size %u reserved 0x%x",
		     t->flags, t->mode, t->supported_modes, t->allowed_modes,
		     t->st_table_loc, t->st_table_size, t->reserved);
	if (c->kind < K_ST_GET || c->kind >= K_RESET)
		return;
	diag("    count %u error_index 0x%x (sent 0x%x), %u entries filled",
	     c->st->count, c->st->error_index, c->sentinel, c->nfill);
	for (i = 0; i < c->nfill && i < 4; i++)
		diag("    [%u] cpu %u mem_type %u index %u tag 0x%x reserved 0x%x",
		     i, e[i].cpu, e[i].mem_type, e[i].index, e[i].tag,
		     e[i].reserved);
}

/* Count a mismatch in @count, and show the first few, with @c if any */
__attribute__((format(printf, 4, 5)))
static void mismatch(unsigned long *count, const struct call *c, int got,
		     const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (count)
		(*count)++;
	if (shown++ >= MAX_SHOWN)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	diag("mismatch %lu: %s", shown, buf);
	if (c)
		show_call(c, got);
}

/* The model's TPH state as GET should report it */
void model_get(struct vfio_device_feature_pci_tph *t)
{
	*t = m.info;
	t->flags |= m.enabled ? VFIO_PCI_TPH_ENABLED : 0;
	t->mode = m.enabled ? m.mode : 0;
}

static void check_ctrl(const char *when)
{
	__u32 ctrl;

	if (m.present && dev.tph_cap >= 0 &&
	    (tph_ctrl(&dev, &ctrl) || !ctrl_matches(ctrl, m.enabled, m.mode, m.ext)))
		mismatch(&nctrl, NULL, 0, "%s: TPH Control 0x%08x, model: TPH %s mode %u",
			 when, ctrl, m.enabled ? "on" : "off", m.mode);
}

static bool slot_has(const struct slot *s, int tag)
{
	return s->tag == SLOT_ANY || s->tag == tag || (s->or_zero && !tag);
}

/* Read ST entry @i; check it against the model, which then holds it */
static int check_slot(unsigned int i, const char *when)
{
	struct slot *s = &m.slot[i];
	__u16 tag;

	if (st_entry(&dev, i, &tag))
		return -1;
	if (!slot_has(s, tag))
		mismatch(&nst, NULL, 0, "%s: ST entry %u = 0x%x, model: 0x%x%s",
			 when, i, tag, s->tag, s->or_zero ? " or 0" : "");
	*s = (struct slot){ .tag = tag };
	return tag;
}

void check_hw(const char *when)
{
	unsigned int i;

	check_ctrl(when);
	for (i = 0; cap_table && i < m.info.st_table_size; i++)
		check_slot(i, when);
}

/* After a failed expectation, take the device's word for its state */
static void resync(void)
{
	struct vfio_device_feature_pci_tph t;
	unsigned int i;

	if (!tph_get(dev.fd, &t)) {
		m.enabled = t.flags & VFIO_PCI_TPH_ENABLED;
		m.mode = t.mode;
	}
	for (i = 0; i < m.info.st_table_size; i++)
		m.slot[i] = (struct slot){ .tag = SLOT_ANY };
	check_hw("resync");
}

/* Count @got; is it documented, and did the model expect it? */
static bool judge(struct call *c, int got, eset_t doc)
{
	bool documented = in_set(doc, got), ok = in_set(c->expect, got);

	hist_add(&hist[c->kind], got);
	nundoc += !documented;
	nmis += !ok;
	if (!documented || !ok)
		mismatch(NULL, c, got, "%s: %s %s", kind_name[c->kind], errname(got),
			 documented ? "is not in the model's set" : "is not documented");
	if (!ok)
		resync();
	return ok;
}

/* vfio_ioctl_device_feature() and vfio_check_feature(); true if they decide */
static bool core_expect(struct call *c, size_t minsz, enum kind base)
{
	__u32 op = c->flags & (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET);
	bool probe = c->flags & VFIO_DEVICE_FEATURE_PROBE;
	bool bad = !probe && (!op || c->argsz - FEAT_HDR < minsz);

	c->kind = base + 3;
	if (c->argsz < FEAT_HDR || (c->flags & ~FEAT_OUTER_FLAGS) ||
	    (!probe && op == (VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET)))
		c->expect = EB(EINVAL);
	else if (!m.present)	/* PROBE, GET and SET fail; order unknown */
		c->expect = EB(ENOTTY) | (bad ? EB(EINVAL) : 0);
	else if (probe)
		c->expect = EB(0), c->kind = base + 2;
	else if (bad)
		c->expect = EB(EINVAL);
	else
		return false;
	return true;
}

/* Every error of PCI_TPH that applies; the contract orders none of them */
void tph_expect(struct call *c)
{
	const struct vfio_device_feature_pci_tph *t = &c->tph;
	bool on = t->flags & VFIO_PCI_TPH_ENABLED;
	bool valid = t->mode <= VFIO_PCI_TPH_MODE_DS;
	eset_t e = 0;

	if (core_expect(c, sizeof(*t), K_TPH_GET))
		return;
	c->kind = c->flags & VFIO_DEVICE_FEATURE_GET ? K_TPH_GET : K_TPH_SET;
	if (c->kind == K_TPH_GET) {	/* is @reserved checked on GET?  Either */
		c->expect = EB(0) | (t->reserved ? EB(EINVAL) : 0);
		return;
	}
	if ((t->flags & ~TPH_SET_FLAGS) || t->reserved || (!on && t->mode) ||
	    (on && !valid))
		e |= EB(EINVAL);
	if (on && valid && !(m.info.supported_modes & (1 << t->mode)))
		e |= EB(EOPNOTSUPP);
	if (on && valid && !policy_allows(t->mode, m.info.st_table_loc, m.unsafe))
		e |= EB(EPERM);
	if (on && m.enabled)
		e |= EB(EBUSY);
	c->expect = e ? e : EB(0);
}

void tph_result(struct call *c, int got)
{
	const struct vfio_device_feature_pci_tph *t = &c->tph;
	bool on = t->flags & VFIO_PCI_TPH_ENABLED;
	struct vfio_device_feature_pci_tph want;
	char why[300];
	unsigned int i;

	if (!judge(c, got, DOC_TPH) || got || c->kind == K_TPH_PROBE)
		return;
	if (c->kind == K_TPH_GET) {
		model_get(&want);
		if (!tph_same(t, &want, why, sizeof(why))) {
			mismatch(&nget, c, got, "%s", why);
			resync();
		}
		return;
	}
	for (i = 0; i < m.info.st_table_size; i++) {
		if (!on)
			m.slot[i].or_zero = true;
		else if (cap_table && !slot_has(&m.slot[i], 0))
			check_slot(i, "after enable");	/* kept */
	}
	m.enabled = on;
	m.mode = on ? t->mode : 0;
	check_ctrl(on ? "after enable" : "after disable");
}

bool cpu_ok(unsigned int cpu)
{
	return cpu < CPU_SETSIZE && CPU_ISSET(cpu, &m.cpus.online) &&
	       CPU_ISSET(cpu, &m.aff);
}

static unsigned char entry_bits(const struct vfio_pci_tph_st_entry *e, bool set)
{
	unsigned int size = m.info.st_table_size;
	bool cpu_bad = e->cpu >= m.cpus.nr_cpu_ids;
	unsigned char b = 0;
	int tag;

	if (cpu_bad || e->tag || e->reserved || e->mem_type > 1 ||
	    (set ? e->index >= size : e->index))
		b |= B_INVAL;
	if (!cpu_bad && !cpu_ok(e->cpu))
		b |= B_PERM;
	if (!cpu_bad && e->mem_type <= 1 && m.fw) {
		tag = fw_lookup(&m.fw_tags, e->cpu, e->mem_type);
		b |= tag == -ENODATA ? B_NODATA :
		     tag == FW_UNKNOWN ? B_NODATA_MAYBE : 0;
	}
	if (set && m.info.st_table_loc == VFIO_PCI_TPH_ST_LOC_MSIX && e->index < size)
		b |= e->index >= m.msix_n ? B_NXIO :
		     m.msix_unsure ? B_NXIO_MAYBE : 0;
	return b;
}

/* The largest @count: the ST table for SET; for GET, that or 2 * nr_cpu_ids */
__u32 st_max(bool set)
{
	__u32 cpus = 2 * m.cpus.nr_cpu_ids;

	if (set || m.info.st_table_size > cpus)
		return m.info.st_table_size;
	return cpus;
}

void st_expect(struct call *c)
{
	bool set = c->flags & VFIO_DEVICE_FEATURE_SET;
	__u32 max = st_max(set);
	__u64 exact = FEAT_HDR + ST_HDR + (__u64)c->st->count * ST_ENT;
	eset_t sure = m.fw ? 0 : EB(EOPNOTSUPP), maybe = 0;
	unsigned int i;

	memcpy(c->in, c->st->entries, c->nfill * ST_ENT);
	c->resolves = false;
	c->header_bad = true;
	c->nvis = 0;
	if (core_expect(c, ST_HDR, K_ST_GET))
		return;
	c->kind = set ? K_ST_SET : K_ST_GET;
	/* With a bad count or size there is no array to look at */
	c->header_bad = !c->st->count || c->st->count > max || c->argsz != exact;
	if (c->header_bad)
		sure |= EB(EINVAL);
	else
		c->nvis = c->st->count;
	for (i = 0; i < c->nvis; i++) {
		unsigned char b = c->ebit[i] = entry_bits(&c->st->entries[i], set);

		sure |= (b & B_INVAL ? EB(EINVAL) : 0) |
			(b & B_PERM ? EB(EPERM) : 0) |
			(b & B_NODATA ? EB(ENODATA) : 0) |
			(b & B_NXIO ? EB(ENXIO) : 0);
		maybe |= (b & B_NODATA_MAYBE ? EB(ENODATA) : 0) |
			 (b & B_NXIO_MAYBE ? EB(ENXIO) : 0);
	}
	c->resolves = !(sure & (EB(EINVAL) | EB(EPERM) | EB(EOPNOTSUPP)));
	c->expect = sure | maybe | (sure ? 0 : EB(0));
}

/* After a SET: the entries it wrote hold their tags */
static void st_written(const struct call *c)
{
	const struct vfio_pci_tph_st_entry *e = c->in;
	unsigned int i, j;
	int tag;

	for (i = 0; i < c->nvis; i++)
		m.slot[e[i].index] = (struct slot){ .tag = SLOT_NEW };
	for (i = 0; i < c->nvis; i++) {	/* one index, two tags: either */
		struct slot *s = &m.slot[e[i].index];

		tag = fw_lookup(&m.fw_tags, e[i].cpu, e[i].mem_type);
		s->tag = s->tag == SLOT_NEW && tag >= 0 ? tag :
			 s->tag == tag ? tag : SLOT_ANY;
	}
	for (i = 0; cap_table && i < c->nvis; i++) {
		tag = check_slot(e[i].index, "after SET_ST");
		for (j = 0; j < c->nvis; j++)	/* one CPU and type for it? */
			if (e[j].index == e[i].index &&
			    (e[j].cpu != e[i].cpu || e[j].mem_type != e[i].mem_type))
				break;
		if (tag >= 0 && j == c->nvis)
			fw_learn(&m.fw_tags, e[i].cpu, e[i].mem_type, tag);
	}
	if (m.enabled)	/* the Requester was off for the writes only */
		check_ctrl("after SET_ST");
}

void st_result(struct call *c, int got)
{
	unsigned int bits, i = c->st->error_index;
	char why[200];

	if (!judge(c, got, DOC_ST))
		return;
	/* error_index names an entry the error applies to, or is left alone */
	bits = got == EINVAL ? B_INVAL : got == EPERM ? B_PERM :
	       got == ENODATA ? B_NODATA | B_NODATA_MAYBE :
	       got == ENXIO ? B_NXIO | B_NXIO_MAYBE : 0;
	if (bits && !c->header_bad ? i >= c->nvis || !(c->ebit[i] & bits) :
	    i != c->sentinel)
		mismatch(&nmis, c, got, "PCI_TPH_ST: error_index %u does not fit %s",
			 i, errname(got));
	else if (got == ENODATA && (c->ebit[i] & B_NODATA_MAYBE))
		fw_learn(&m.fw_tags, c->in[i].cpu, c->in[i].mem_type, -ENODATA);
	/* A batch is all or nothing: one that failed late wrote nothing */
	for (i = 0; got && c->resolves && cap_table && c->kind == K_ST_SET &&
		    i < c->nvis; i++)
		if (c->in[i].index < m.info.st_table_size)
			check_slot(c->in[i].index, "after a failed SET_ST");
	if (got || c->kind == K_ST_PROBE)
		return;
	if (c->kind == K_ST_GET &&
	    !st_get_check(&m.fw_tags, c->in, c->st->entries, c->nvis, why, sizeof(why)))
		mismatch(&nget, c, got, "GET_ST: %s", why);
	if (c->kind == K_ST_SET)
		st_written(c);
}

/* SET_IRQS and VFIO_DEVICE_RESET, by the vfio-pci core's source */
void other_expect(struct call *c)
{
	if (c->kind == K_RESET)
		c->expect = m.reset_err == 1 ? DOC_RESET :
			    EB(m.reset_err) | EB(EAGAIN);
	else	/* disabling MSI-X that is off: -EINVAL */
		c->expect = c->kind == K_MSIX_ON || m.msix_n ? EB(0) : EB(EINVAL);
}

void other_result(struct call *c, int got)
{
	unsigned int i;

	if (!judge(c, got, c->kind == K_RESET ? DOC_RESET : DOC_IRQS)) {
		if (c->kind != K_RESET && !msix_disable(dev.fd))
			m.msix_n = 0;
		return;
	}
	if (c->kind != K_RESET) {
		m.msix_n = got ? m.msix_n : c->kind == K_MSIX_ON ? c->nvec : 0;
		m.msix_unsure &= !!got;
		return;
	}
	if (got != EAGAIN)
		m.reset_err = got;
	if (got)
		return;
	/* TPH off, the table in the capability empty; MSI-X stays on */
	m.enabled = false;
	m.mode = 0;
	m.msix_unsure = m.msix_n;
	for (i = 0; i < m.info.st_table_size; i++)
		m.slot[i] = (struct slot){ .tag = 0 };
	check_hw("after reset");
}

bool model_setup(const char *bdf, bool group, enum fw_kind fw)
{
	unsigned int i;
	int err;

	err = vdev_open(&dev, bdf, group);
	if (!tap(!err && !cpus_read(&m.cpus), "open %s through the %s", bdf,
		 group ? "container and group" : "iommufd cdev"))
		return false;
	sched_getaffinity(0, sizeof(m.all), &m.all);
	m.aff = m.all;
	err = tph_get(dev.fd, &m.info);
	m.present = err != -ENOTTY;
	m.unsafe = unsafe_param();
	m.ext = m.info.flags & VFIO_PCI_TPH_EXTENDED;
	m.fw = m.info.flags & VFIO_PCI_TPH_FIRMWARE_ST;
	fw_init(&m.fw_tags, fw, m.ext);
	msix_count(dev.fd, &m.msix_max);
	cap_table = m.info.st_table_loc == VFIO_PCI_TPH_ST_LOC_CAP && dev.tph_cap >= 0;
	if (m.present)
		check_first_get(&dev, &m.info, err, m.unsafe, m.msix_max);
	else
		tap_skip("GET after open: the features are absent (ENOTTY)");
	/* The open disabled TPH and zeroed the table: the model says so */
	m.info.flags &= ~VFIO_PCI_TPH_ENABLED;
	m.info.mode = 0;
	for (i = 0; i < MAX_ENT; i++)
		m.slot[i] = (struct slot){ .tag = 0 };
	if (m.info.st_table_size > MAX_ENT - 2)
		return tap(false, "ST table of %u entries", m.info.st_table_size);
	check_hw("after open");
	return true;
}

int model_finish(unsigned long calls, double secs, unsigned long resolved)
{
	struct vfio_device_feature_pci_tph t = {}, want;
	unsigned long before = nst;
	bool ok = !m.present;
	char why[300];
	__u32 ctrl = 0;
	unsigned int k;

	if (m.present && !tph_get(dev.fd, &t) && !tph_ctrl(&dev, &ctrl)) {
		model_get(&want);
		if (!tph_same(&t, &want, why, sizeof(why)))
			mismatch(&nget, NULL, 0, "at the end: %s", why);
		check_hw("at the end");
		ok = ctrl_matches(ctrl, t.flags & VFIO_PCI_TPH_ENABLED, t.mode,
				  m.ext) && before == nst;
	}
	diag("%lu calls in %.1f s, %lu resolved tags; results:", calls, secs,
	     resolved);
	for (k = 0; k < K_NUM; k++)
		hist_print(kind_name[k], &hist[k]);
	tap(!nundoc, "every errno documented (%lu not)", nundoc);
	tap(!nmis, "every result matched the model: %lu calls, %lu mismatches",
	    calls, nmis);
	tap(!nget, "every GET matched the model (%lu not)", nget);
	if (cap_table)
		tap(!nst, "ST entries in config space matched the model (%lu not)", nst);
	else
		tap_skip("ST entries in config space: no ST table in the TPH capability");
	tap(!nctrl, "TPH Control matched the model after every change (%lu not)",
	    nctrl);
	tap(ok, "hardware agrees with GET at the end: TPH %s mode %u, Control 0x%08x",
	    t.flags & VFIO_PCI_TPH_ENABLED ? "on" : "off", t.mode, ctrl);
	tph_set(dev.fd, false, 0);
	msix_disable(dev.fd);
	vdev_close(&dev);
	return tap_plan();
}

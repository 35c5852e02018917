// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * tph-fuzz - random VFIO_DEVICE_FEATURE calls on PCI_TPH (14) and
 * PCI_TPH_ST (15) on one vfio-pci device, with now and then an MSI-X enable
 * or disable, a VFIO_DEVICE_RESET, or a new CPU affinity; each result is
 * checked against the model in tph-fuzz-model.c.
 *
 * The values are biased towards the edges: GET, SET and PROBE and bogus
 * flags, argsz short, exact, long or one entry off, reserved fields and
 * unknown flags set, modes 0 to 255, counts from 0 past the limits, CPUs
 * beyond the possible ones or outside the affinity, unknown memory types,
 * indexes past the table.
 *
 * Calls that make firmware resolve tags cost about 0.2 s per CPU and memory
 * type under the bench's KASAN and TCG, so at most BUDGET of them are made,
 * spread over the run, each with at most two pairs; every other call has an
 * error that the kernel can find before it asks firmware.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tph-fuzz.h"

#define CHECK_EVERY	2000	/* calls between full hardware checks */
#define BUDGET		200	/* calls that resolve tags, at most */

static __u64 rng;

static __u32 pick_ops(bool get)
{
	static const __u32 odd[] = {
		VFIO_DEVICE_FEATURE_PROBE,
		VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET,
		VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET,
		VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET,
		VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET,
		0,
	};
	__u32 op = get ? VFIO_DEVICE_FEATURE_GET : VFIO_DEVICE_FEATURE_SET;
	unsigned int r = below(&rng, 100);

	if (r < 88)
		return op;
	if (r < 96)
		return odd[below(&rng, 6)];
	return op | 1u << (19 + below(&rng, 13));	/* an unknown flag */
}

/* argsz around @exact: mostly exact, else short, long or off by one */
static __u32 pick_argsz(__u32 exact, __u32 unit)
{
	unsigned int r = below(&rng, 100);

	if (r < 80)
		return exact;
	if (r < 83)
		return below(&rng, FEAT_HDR);
	if (r < 87)
		return FEAT_HDR + below(&rng, exact - FEAT_HDR);
	if (r < 91)
		return exact + (below(&rng, 2) ? 1 : -1);
	if (r < 96)
		return exact + (below(&rng, 2) ? unit : -unit);
	return exact + below(&rng, 4096);
}

static void tph_call(struct call *c)
{
	struct vfio_device_feature_pci_tph *t = &c->tph;
	unsigned int r = below(&rng, 100);
	__u64 x = rnd(&rng);
	bool on;

	memset(t, 0, sizeof(*t));
	c->flags = pick_ops(below(&rng, 100) < 40) | VFIO_DEVICE_FEATURE_PCI_TPH;
	c->argsz = pick_argsz(FEAT_HDR + sizeof(*t), 4);
	if (r < 8)		/* the result of a GET, passed back */
		model_get(t);
	else if (r < 14)	/* GET-only fields set */
		memcpy(t, &x, sizeof(x));
	r = below(&rng, 100);
	t->flags = r < 50 ? VFIO_PCI_TPH_ENABLED : r < 85 ? 0 :
		   r < 93 ? t->flags | below(&rng, 8) : 1u << below(&rng, 32);
	on = t->flags & VFIO_PCI_TPH_ENABLED;
	r = below(&rng, 100);
	t->mode = !on ? (r < 90 ? 0 : 1 + below(&rng, 255)) :
		  r < 70 ? below(&rng, 3) : r < 88 ? below(&rng, 8) :
		  below(&rng, 256);
	t->reserved = below(&rng, 100) < 95 ? 0 : 1 + below(&rng, 0xffff);
	tph_expect(c);
	tph_result(c, -feature(dev.fd, c->flags, c->argsz, t, sizeof(*t)));
}

static void random_entry(struct vfio_pci_tph_st_entry *e, bool set)
{
	static const __u32 odd_cpu[] = { 4, 0xffffffff, 0x10000 };
	unsigned int r = below(&rng, 100), size = m.info.st_table_size;

	e->cpu = r < 80 ? below(&rng, m.cpus.nr_cpu_ids) :
		 r < 88 ? m.cpus.nr_cpu_ids : odd_cpu[below(&rng, 3)];
	r = below(&rng, 100);
	e->mem_type = r < 94 ? below(&rng, 2) : r < 97 ? 2 : 0xffff;
	r = below(&rng, 100);
	e->index = !set ? (r < 90 ? 0 : 1 + below(&rng, 0xffff)) :
		   r < 85 ? below(&rng, size) : r < 95 ? size : 0xffff;
	e->tag = below(&rng, 100) < 95 ? 0 : 1 + below(&rng, 0xffff);
	e->reserved = below(&rng, 100) < 95 ? 0 : 1 + below(&rng, 0xffff);
}

/* A batch the kernel has to resolve: two CPU and memory type pairs */
static void valid_batch(struct call *c, bool set)
{
	unsigned int size = m.info.st_table_size, i, cpu[2], mt[2];
	__u32 max = st_max(set);
	unsigned int span = set && m.info.st_table_loc == VFIO_PCI_TPH_ST_LOC_MSIX &&
			    m.msix_n && m.msix_n < size && below(&rng, 5) ?
			    m.msix_n : size;

	for (i = 0; i < 2; i++) {
		do
			cpu[i] = below(&rng, m.cpus.nr_cpu_ids);
		while (!cpu_ok(cpu[i]));
		mt[i] = below(&rng, 2);
	}
	c->st->count = below(&rng, 100) < 15 ? max :
		       1 + below(&rng, max < 4 ? max : 4);
	for (i = 0; i < c->st->count; i++)
		c->st->entries[i] = (struct vfio_pci_tph_st_entry){
			.cpu = cpu[i & 1], .mem_type = mt[i & 1],
			.index = set ? below(&rng, span) : 0,
		};
	c->nfill = c->st->count;
	c->argsz = FEAT_HDR + ST_HDR + c->nfill * ST_ENT;
}

static void random_batch(struct call *c, bool set)
{
	static const __u32 huge[] = { 0x10000, 0x7fffffff, 0xffffffff };
	__u32 max = st_max(set);
	unsigned int r = below(&rng, 100), i;

	c->st->count = r < 40 ? 1 + below(&rng, 3) : r < 50 ? 0 :
		       r < 62 ? max : r < 70 ? max + 1 : r < 74 ? max + 2 :
		       r < 80 ? 2 * m.cpus.nr_cpu_ids + below(&rng, 2) :
		       r < 85 ? huge[below(&rng, 3)] : 1 + below(&rng, max + 1);
	c->nfill = c->st->count < MAX_ENT ? c->st->count : MAX_ENT;
	for (i = 0; i < c->nfill; i++)
		random_entry(&c->st->entries[i], set);
	c->argsz = pick_argsz(FEAT_HDR + ST_HDR + c->nfill * ST_ENT, ST_ENT);
}

/* Add an error the kernel finds before it asks firmware */
static void make_cheap(struct call *c, bool set)
{
	struct vfio_pci_tph_st_entry *e = &c->st->entries[below(&rng, c->nfill)];
	unsigned int i;

	switch (below(&rng, 8)) {
	case 0:
		e->reserved = 1 + below(&rng, 0xffff);
		break;
	case 1:
		e->tag = 1 + below(&rng, 0xffff);
		break;
	case 2:
		e->mem_type = below(&rng, 2) ? 2 : 0xffff;
		break;
	case 3:
		e->cpu = below(&rng, 2) ? m.cpus.nr_cpu_ids : 0xffffffff;
		break;
	case 4:
		e->index = set ? m.info.st_table_size : 1 + below(&rng, 0xffff);
		break;
	case 5:
		c->st->count = 0;
		break;
	case 6:
		c->argsz += below(&rng, 2) ? 1 : ST_ENT;
		break;
	default:	/* a CPU outside our affinity, if there is one */
		for (i = 0; i < m.cpus.nr_cpu_ids && i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &m.cpus.possible) && !cpu_ok(i))
				e->cpu = i;
		if (cpu_ok(e->cpu))
			e->reserved = 1;
	}
}

/* Return whether the call made firmware resolve tags */
static bool st_call(struct call *c, bool resolve)
{
	bool set = below(&rng, 100) < 55;
	unsigned int i;

	c->flags = pick_ops(!set) | VFIO_DEVICE_FEATURE_PCI_TPH_ST;
	set = c->flags & VFIO_DEVICE_FEATURE_SET;
	if (resolve && (set ? m.info.st_table_size : 1))
		valid_batch(c, set);
	else
		random_batch(c, set);
	c->sentinel = 0x80000000u | (__u32)rnd(&rng);
	c->st->error_index = c->sentinel;
	st_expect(c);
	for (i = 0; i < 3 && c->resolves && !resolve && c->nfill; i++) {
		make_cheap(c, set);
		st_expect(c);
	}
	if (c->resolves && !resolve) {
		c->st->count = 0;
		st_expect(c);
	}
	st_result(c, -feature(dev.fd, c->flags, c->argsz, c->st,
			      ST_HDR + c->nfill * ST_ENT));
	return c->resolves;
}

/* MSI-X on or off, or rarely a reset */
static void other_call(struct call *c)
{
	unsigned int lim = m.msix_max < 8 ? m.msix_max : 8;
	int got;

	memset(c, 0, offsetof(struct call, st));
	c->kind = !below(&rng, 50) ? K_RESET :
		  m.msix_n || !lim || !below(&rng, 5) ? K_MSIX_OFF : K_MSIX_ON;
	c->nvec = 1 + below(&rng, lim);
	other_expect(c);
	got = c->kind == K_RESET ? dev_reset(dev.fd) :
	      c->kind == K_MSIX_ON ? msix_enable(dev.fd, c->nvec) :
	      msix_disable(dev.fd);
	other_result(c, -got);
}

static void new_affinity(void)
{
	cpu_set_t set = m.all;
	unsigned int i;

	for (i = 0; below(&rng, 2) && i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set) && CPU_COUNT(&set) > 1 && below(&rng, 2))
			CPU_CLR(i, &set);
	if (sched_setaffinity(0, sizeof(set), &set) ||
	    sched_getaffinity(0, sizeof(m.aff), &m.aff))
		m.aff = m.all;
}

int main(int argc, char **argv)
{
	static const char *const names[2] = { "seed", "calls" };
	struct args a = { .num = { 1, 100000 }, .min = { 0, 1 },
			  .max = { ULONG_MAX, ULONG_MAX } };
	unsigned long calls, i, budget, resolved = 0;
	static struct call c;
	double t0;

	if (parse_args(argc, argv, names, &a))
		return 2;
	calls = a.num[1];
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n# seed %lu\n", a.num[0]);
	rng = a.num[0] * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
	c.st = calloc(1, ST_HDR + MAX_ENT * ST_ENT);
	if (!c.st || !model_setup(a.bdf, a.group, a.fw))
		return tap_plan(), 1;
	budget = calls / 10 < BUDGET ? calls / 10 + 1 : BUDGET;
	t0 = now();
	for (i = 0; i < calls; i++) {
		unsigned int r = below(&rng, 10000);

		if (below(&rng, 1000) < 3)
			new_affinity();
		if (r < 50)
			other_call(&c);
		else if (r < 4500)
			tph_call(&c);
		else	/* spread the budget over the run */
			resolved += st_call(&c, resolved < budget &&
					    below(&rng, calls - i) < 2 * (budget - resolved));
		if (i % CHECK_EVERY == CHECK_EVERY - 1)
			check_hw("periodic check");
		if (i % 10000 == 9999)
			printf("# %lu calls in %.0f s, %lu resolving tags\n",
			       i + 1, now() - t0, resolved);
	}
	return model_finish(calls, now() - t0, resolved);
}

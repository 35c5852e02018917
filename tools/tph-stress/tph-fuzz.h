/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * tph-fuzz: the calls that tph-fuzz.c makes, and the model of the device
 * that tph-fuzz-model.c keeps, from the contract in include/uapi/linux/vfio.h,
 * and checks every result against.
 */
#ifndef TPH_FUZZ_H
#define TPH_FUZZ_H

#include "tph-common.h"

#define MAX_ENT		2050	/* the largest ST table (2048) + 2 */

enum kind {
	K_TPH_GET, K_TPH_SET, K_TPH_PROBE, K_TPH_CORE, K_ST_GET, K_ST_SET,
	K_ST_PROBE, K_ST_CORE, K_RESET, K_MSIX_ON, K_MSIX_OFF, K_NUM
};

/* What an ST table entry in the capability may hold: @tag, or 0 */
struct slot {
	int tag;		/* SLOT_ANY: not known */
	bool or_zero;		/* since a disable: kept or cleared? */
};
#define SLOT_ANY	(-1)
#define SLOT_NEW	(-2)

struct model {
	bool present, fw, unsafe, ext;
	struct vfio_device_feature_pci_tph info;	/* TPH off */
	bool enabled;
	unsigned int mode;
	unsigned int msix_max, msix_n;
	bool msix_unsure;	/* after a reset: do the vectors count? */
	int reset_err;		/* 1 until the first reset */
	cpu_set_t aff, all;
	struct cpus cpus;
	struct fwmodel fw_tags;
	struct slot slot[MAX_ENT];
};

struct call {
	enum kind kind;
	__u32 flags, argsz;
	struct vfio_device_feature_pci_tph tph;
	unsigned int nvec;	/* MSI-X enable */
	struct vfio_device_feature_pci_tph_st *st;
	__u32 nfill;		/* entries filled in @st */
	__u32 nvis;		/* entries the kernel may look at */
	__u32 sentinel;		/* error_index sent */
	bool header_bad;	/* no array to look at */
	bool resolves;		/* firmware has to be asked */
	eset_t expect;
	unsigned char ebit[MAX_ENT];	/* B_* of each entry */
	struct vfio_pci_tph_st_entry in[MAX_ENT];	/* as sent */
};

extern struct model m;
extern struct vdev dev;

bool model_setup(const char *bdf, bool group, enum fw_kind fw);
int model_finish(unsigned long calls, double secs, unsigned long resolved);
void model_get(struct vfio_device_feature_pci_tph *t);
bool cpu_ok(unsigned int cpu);
void check_hw(const char *when);

/* Set c->kind and c->expect for the call in @c */
void tph_expect(struct call *c);
void st_expect(struct call *c);
void other_expect(struct call *c);

/* Check the result @got (an errno, or 0) and update the model */
void tph_result(struct call *c, int got);
void st_result(struct call *c, int got);
void other_result(struct call *c, int got);

__u32 st_max(bool set);

#endif

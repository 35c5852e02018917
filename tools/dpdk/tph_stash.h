/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tph_stash - PCIe TPH cache stashing for a DPDK ethdev port on vfio-pci
 *
 * Written against DPDK's public API only (no driver SDK): the port's VFIO
 * device fd comes from the group that EAL set up, through
 * rte_vfio_get_group_num(), rte_vfio_get_group_fd() and
 * VFIO_GROUP_GET_DEVICE_FD; the calls are those of the kernel's vfio-pci
 * TPH features, through tools/vfio-tph/vfio_tph.[ch].  It is the proof of
 * the bus/pci helper and ethdev hooks that DPDK itself would need; see the
 * user guide, "DPDK".
 *
 * The kernel steers each Rx queue's writes to the cache of one CPU: the
 * CPU of the lcore that polls the queue.  It resolves the tag through
 * platform firmware and only for CPUs the calling thread may run on, so
 * tph_stash_rx_queues_set() widens the calling thread's CPU affinity to the
 * lcores' CPUs for the duration of the call and restores it.
 *
 * Every function returns 0 or a negative errno and keeps no state; the
 * application keeps its queue-to-lcore map and calls
 * tph_stash_rx_queues_set() again after every rte_eth_dev_start() and after
 * every reset or re-probe of the port (see the user guide, "Lifecycle").
 */
#ifndef TPH_STASH_H
#define TPH_STASH_H

#include <stdbool.h>
#include <stdint.h>

/* ST modes, as VFIO_PCI_TPH_MODE_* */
#define TPH_STASH_MODE_NS	0	/* No ST: tag 0 on every request */
#define TPH_STASH_MODE_IV	1	/* Interrupt Vector: tags from the ST table */
#define TPH_STASH_MODE_DS	2	/* Device Specific */

/* Where the port's ST table is, as VFIO_PCI_TPH_ST_LOC_* */
#define TPH_STASH_ST_NONE	0
#define TPH_STASH_ST_CAP	1	/* in the TPH capability */
#define TPH_STASH_ST_MSIX	2	/* in the MSI-X table */

/* What the port and the kernel can do (cf. stashing_capabilities_get) */
struct tph_stash_capa {
	uint8_t supported_modes;	/* bit (1 << TPH_STASH_MODE_*) */
	uint8_t allowed_modes;		/* those the kernel lets us enable */
	uint8_t st_table_loc;		/* TPH_STASH_ST_* */
	uint16_t st_table_size;		/* entries; 0 without a table */
	uint8_t tag_bits;		/* 8, or 16 with Extended TPH */
	bool firmware_tags;		/* firmware resolves tags at all */
	bool enabled;
	uint8_t mode;			/* while enabled */
};

/* One Rx queue and the lcore that polls it (cf. stashing_rx_config_set) */
struct tph_stash_rxq {
	uint16_t queue_id;
	unsigned int lcore_id;
	/* tph_stash_rx_queues_set() fills these */
	unsigned int cpu;		/* the lcore's CPU */
	uint16_t st_index;		/* the ST table entry programmed */
};

/* Which queue of a batch a failure is about */
struct tph_stash_error {
	int err;			/* negative errno */
	unsigned int pos;		/* position in the batch, or nb */
	const char *what;		/* one line, static */
};

/*
 * tph_stash_capabilities_get() - TPH of @port_id.  -ENOTTY where TPH is not
 * usable on the port: not a vfio-pci device, no TPH capability, no TPH
 * Completer above it, pci=notph, or a kernel without the feature.
 */
int tph_stash_capabilities_get(uint16_t port_id, struct tph_stash_capa *capa);

/* tph_stash_enable() - enable TPH in @mode; tph_stash_disable() */
int tph_stash_enable(uint16_t port_id, unsigned int mode);
int tph_stash_disable(uint16_t port_id);

/*
 * tph_stash_st_index() - the ST table entry that Rx queue @queue_id uses:
 * for an ST table in the MSI-X table, the MSI-X vector of the queue's Rx
 * interrupt under EAL's allocation (vector 0 is for link state, queue q has
 * vector q + RTE_INTR_VEC_RXTX_OFFSET); for a table in the TPH capability,
 * entry @queue_id.  A PMD that knows its device's convention replaces this.
 */
uint16_t tph_stash_st_index(const struct tph_stash_capa *capa,
			    uint16_t queue_id);

/*
 * tph_stash_rx_queues_set() - program the ST entry of each of @nb Rx
 * queues with the tag of its lcore's CPU, in one batch: all or nothing.
 * Each lcore must run on exactly one CPU.  For an ST table in the MSI-X
 * table, the queue's vector must be enabled: configure the port with
 * intr_conf.rxq = 1, so that rte_eth_dev_start() enables one vector per
 * queue, and call this after every start, since enabling MSI-X zeroes the
 * table.  On failure @error, if not NULL, names the queue and the reason.
 */
int tph_stash_rx_queues_set(uint16_t port_id, struct tph_stash_rxq *q,
			    unsigned int nb, struct tph_stash_error *error);

/* tph_stash_strerror() - what an errno of tph_stash_capabilities_get() means */
const char *tph_stash_strerror(int err);

#endif /* TPH_STASH_H */

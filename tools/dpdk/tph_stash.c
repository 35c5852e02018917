/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tph_stash - PCIe TPH cache stashing for a DPDK ethdev port on vfio-pci.
 * See tph_stash.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_interrupts.h>
#include <rte_lcore.h>
#include <rte_vfio.h>

#include "vfio_tph.h"
#include "tph_stash.h"

#define SYSFS_PCI_DEVICES "/sys/bus/pci/devices"

/*
 * A further fd of the port's VFIO device, from the group EAL opened.  A new
 * one per call, so that the module never holds the device open: vfio-pci
 * clears TPH when the last fd closes, which EAL's close must reach.
 */
static int
port_vfio_fd(uint16_t port_id)
{
	struct rte_eth_dev_info info;
	const char *name;
	int group, gfd, fd, ret;

	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret)
		return ret;
	if (info.device == NULL || strcmp(rte_bus_name(rte_dev_bus(info.device)), "pci"))
		return -ENOTTY;
	name = rte_dev_name(info.device);
	ret = rte_vfio_get_group_num(SYSFS_PCI_DEVICES, name, &group);
	if (ret <= 0)
		return -ENOTTY;		/* not a VFIO device */
	gfd = rte_vfio_get_group_fd(group);
	if (gfd < 0)
		return -ENOTTY;
	fd = ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, name);
	return fd < 0 ? -errno : fd;
}

int
tph_stash_capabilities_get(uint16_t port_id, struct tph_stash_capa *capa)
{
	struct vfio_device_feature_pci_tph t;
	int fd, ret;

	fd = port_vfio_fd(port_id);
	if (fd < 0)
		return fd;
	ret = vfio_tph_query(fd, &t);
	close(fd);
	if (ret)
		return ret;
	memset(capa, 0, sizeof(*capa));
	capa->supported_modes = t.supported_modes;
	capa->allowed_modes = t.allowed_modes;
	capa->st_table_loc = t.st_table_loc;
	capa->st_table_size = t.st_table_size;
	capa->tag_bits = t.flags & VFIO_PCI_TPH_EXTENDED ? 16 : 8;
	capa->firmware_tags = !!(t.flags & VFIO_PCI_TPH_FIRMWARE_ST);
	capa->enabled = !!(t.flags & VFIO_PCI_TPH_ENABLED);
	capa->mode = t.mode;
	return 0;
}

int
tph_stash_enable(uint16_t port_id, unsigned int mode)
{
	int fd = port_vfio_fd(port_id), ret;

	if (fd < 0)
		return fd;
	ret = vfio_tph_enable(fd, mode);
	close(fd);
	return ret;
}

int
tph_stash_disable(uint16_t port_id)
{
	int fd = port_vfio_fd(port_id), ret;

	if (fd < 0)
		return fd;
	ret = vfio_tph_disable(fd);
	close(fd);
	return ret;
}

uint16_t
tph_stash_st_index(const struct tph_stash_capa *capa, uint16_t queue_id)
{
	if (capa->st_table_loc == TPH_STASH_ST_MSIX)
		return queue_id + RTE_INTR_VEC_RXTX_OFFSET;
	return queue_id;
}

static int
fail(struct tph_stash_error *error, int err, unsigned int pos, const char *what)
{
	if (error != NULL) {
		error->err = err;
		error->pos = pos;
		error->what = what;
	}
	return err;
}

/* The one CPU of @lcore_id, or -1 if it has none or floats over several */
static int
lcore_cpu(unsigned int lcore_id)
{
	rte_cpuset_t set;
	int cpu;

	if (lcore_id >= RTE_MAX_LCORE || !rte_lcore_is_enabled(lcore_id))
		return -1;
	set = rte_lcore_cpuset(lcore_id);
	if (CPU_COUNT(&set) != 1)
		return -1;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			return cpu;
	return -1;
}

int
tph_stash_rx_queues_set(uint16_t port_id, struct tph_stash_rxq *q,
			unsigned int nb, struct tph_stash_error *error)
{
	struct tph_stash_capa capa;
	struct vfio_tph_queue *vq;
	cpu_set_t saved, wide;
	unsigned int i, bad;
	int fd, cpu, ret;

	if (nb == 0)
		return fail(error, -EINVAL, 0, "no queues");
	ret = tph_stash_capabilities_get(port_id, &capa);
	if (ret)
		return fail(error, ret, nb, vfio_tph_strerror(VFIO_TPH_OP_QUERY, ret));
	vq = calloc(nb, sizeof(*vq));
	if (vq == NULL)
		return fail(error, -ENOMEM, nb, "out of memory");

	/* The kernel checks each CPU against the calling thread's affinity */
	if (pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved)) {
		free(vq);
		return fail(error, -EPERM, nb, "cannot read this thread's CPU affinity");
	}
	wide = saved;
	for (i = 0; i < nb; i++) {
		cpu = lcore_cpu(q[i].lcore_id);
		if (cpu < 0) {
			free(vq);
			return fail(error, -EINVAL, i, "the lcore is not enabled, or not pinned to exactly one CPU");
		}
		q[i].cpu = cpu;
		q[i].st_index = tph_stash_st_index(&capa, q[i].queue_id);
		vq[i].cpu = cpu;
		vq[i].index = q[i].st_index;
		CPU_SET(cpu, &wide);
	}

	fd = port_vfio_fd(port_id);
	if (fd < 0) {
		free(vq);
		return fail(error, fd, nb, vfio_tph_strerror(VFIO_TPH_OP_QUERY, fd));
	}
	/* May fail where a cpuset cgroup excludes a CPU: the kernel then says EPERM */
	pthread_setaffinity_np(pthread_self(), sizeof(wide), &wide);
	ret = vfio_tph_program(fd, vq, nb, VFIO_PCI_TPH_MEM_VOLATILE, &bad);
	pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	close(fd);
	free(vq);
	if (ret)
		return fail(error, ret, bad, vfio_tph_strerror(VFIO_TPH_OP_PROGRAM, ret));
	return 0;
}

const char *
tph_stash_strerror(int err)
{
	return vfio_tph_strerror(VFIO_TPH_OP_QUERY, err);
}

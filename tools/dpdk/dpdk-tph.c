/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk-tph - a DPDK application that steers each Rx queue's DMA writes to
 * the cache of the CPU of the lcore that polls it, with PCIe TPH through
 * vfio-pci (tph_stash.[ch]).
 *
 *   dpdk-tph [EAL options] -- [--map Q:LCORE,...] [--mode ns|iv|ds] [--pause]
 *
 * It runs the first port through its lifecycle and programs the tags at each
 * step where they must be: after rte_eth_dev_start(), after a stop and a
 * start, and after a reset (rte_eth_dev_reset(), or where the PMD has none,
 * a re-probe of the device).  Then the workers poll their queues for a
 * second.  With --pause it waits for a line on stdin at each step, so that
 * the device's ST table can be read while the tags are in it:
 *
 *   started          after the first start and programming
 *   restart-kept     after stop and start, before programming again
 *   restarted        after programming again
 *   reset-cleared    after the reset, the port started, before programming
 *   reset-done       after programming again
 *
 * --map defaults to queue i polled by the i-th worker lcore.  Where TPH is
 * not usable it runs without it and says so.  Exit status: 0, or 1 when a
 * step failed, with one "dpdk-tph: error:" line that says why.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_cycles.h>

#include "tph_stash.h"

#define MAX_RXQ		16
#define NB_MBUF		2047
#define NB_DESC		256

static const char *const mode_name[] = { "ns", "iv", "ds" };
static const char *const loc_name[] = {
	"no ST table", "ST table in the TPH capability", "ST table in the MSI-X table",
};

static struct tph_stash_rxq map[MAX_RXQ];
static unsigned int nb_rxq;
static unsigned int tph_mode = TPH_STASH_MODE_IV;
static bool pause_steps;
static bool tph;		/* TPH usable on the port */
static struct tph_stash_capa capa;
static volatile bool stop_polling;

static int
error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "dpdk-tph: error: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static void
step(const char *name)
{
	char line[16];

	if (!pause_steps)
		return;
	printf("paused at %s: press Enter\n", name);
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		pause_steps = false;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "map", required_argument, NULL, 'm' },
		{ "mode", required_argument, NULL, 'M' },
		{ "pause", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int q, l, lcore;
	char *s;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			for (s = strtok(optarg, ","); s; s = strtok(NULL, ",")) {
				if (sscanf(s, "%u:%u", &q, &l) != 2 || q != nb_rxq ||
				    nb_rxq == MAX_RXQ)
					return error("--map: want 0:LCORE,1:LCORE,... in queue order, not \"%s\"", s);
				map[nb_rxq].queue_id = q;
				map[nb_rxq++].lcore_id = l;
			}
			break;
		case 'M':
			for (tph_mode = 0; tph_mode < 3; tph_mode++)
				if (!strcmp(optarg, mode_name[tph_mode]))
					break;
			if (tph_mode == 3)
				return error("--mode: want ns, iv or ds");
			break;
		case 'p':
			pause_steps = true;
			break;
		default:
			return error("usage: dpdk-tph [EAL options] -- [--map Q:LCORE,...] [--mode ns|iv|ds] [--pause]");
		}
	}
	if (nb_rxq == 0) {
		RTE_LCORE_FOREACH_WORKER(lcore) {
			if (nb_rxq == MAX_RXQ)
				break;
			map[nb_rxq].queue_id = nb_rxq;
			map[nb_rxq++].lcore_id = lcore;
		}
	}
	return nb_rxq ? 0 : error("no worker lcore to poll a queue: give EAL -l with at least two lcores");
}

static int
port_setup(uint16_t port, struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	unsigned int q;
	int ret;

	memset(&conf, 0, sizeof(conf));
	/*
	 * With the ST table in the MSI-X table, each queue's ST entry is its
	 * Rx interrupt vector, which exists only in Rx interrupt mode: EAL
	 * then enables 1 + nb_rxq vectors at start.  The queues are still
	 * polled; no Rx interrupt is ever armed.
	 */
	conf.intr_conf.rxq = tph && capa.st_table_loc == TPH_STASH_ST_MSIX;
	ret = rte_eth_dev_info_get(port, &info);
	if (ret)
		return error("rte_eth_dev_info_get: %s", rte_strerror(-ret));
	if (nb_rxq > info.max_rx_queues)
		return error("port %u has %u Rx queues, --map names %u", port,
			     info.max_rx_queues, nb_rxq);
	ret = rte_eth_dev_configure(port, nb_rxq, 1, &conf);
	if (ret)
		return error("rte_eth_dev_configure: %s", rte_strerror(-ret));
	for (q = 0; q < nb_rxq; q++) {
		ret = rte_eth_rx_queue_setup(port, q, NB_DESC, rte_eth_dev_socket_id(port),
					     NULL, mp);
		if (ret)
			return error("rte_eth_rx_queue_setup %u: %s", q, rte_strerror(-ret));
	}
	ret = rte_eth_tx_queue_setup(port, 0, NB_DESC, rte_eth_dev_socket_id(port), NULL);
	if (ret)
		return error("rte_eth_tx_queue_setup: %s", rte_strerror(-ret));
	return 0;
}

static void
show_capa(uint16_t port, const char *name)
{
	char modes[2][16] = { "", "" };
	unsigned int i, m;

	for (i = 0; i < 2; i++)
		for (m = 0; m < 3; m++)
			if ((i ? capa.allowed_modes : capa.supported_modes) & (1 << m))
				snprintf(modes[i] + strlen(modes[i]), sizeof(modes[i]) - strlen(modes[i]),
					 "%s%s", modes[i][0] ? " " : "", mode_name[m]);
	printf("tph: port %u (%s): modes %s, allowed %s; %s, %u entries; %u-bit tags; firmware tags: %s; %s\n",
	       port, name, modes[0], modes[1][0] ? modes[1] : "none",
	       loc_name[capa.st_table_loc < 3 ? capa.st_table_loc : 0], capa.st_table_size,
	       capa.tag_bits, capa.firmware_tags ? "yes" : "no",
	       capa.enabled ? "enabled" : "disabled");
}

/* Enable TPH if it is off and program every queue's ST entry */
static int
tph_program(uint16_t port, const char *when)
{
	struct tph_stash_error err;
	unsigned int i;
	int ret;

	if (!tph)
		return 0;
	ret = tph_stash_capabilities_get(port, &capa);
	if (ret)
		return error("%s: %s", when, rte_strerror(-ret));
	if (!capa.enabled) {
		ret = tph_stash_enable(port, tph_mode);
		if (ret)
			return error("%s: enabling TPH in mode %s: %s", when,
				     mode_name[tph_mode], rte_strerror(-ret));
		printf("tph: %s: TPH enabled in mode %s\n", when, mode_name[tph_mode]);
	}
	if (tph_mode == TPH_STASH_MODE_NS)
		return 0;
	ret = tph_stash_rx_queues_set(port, map, nb_rxq, &err);
	if (ret && err.pos < nb_rxq)
		return error("%s: queue %u, lcore %u (CPU %u): %s", when,
			     map[err.pos].queue_id, map[err.pos].lcore_id,
			     map[err.pos].cpu, err.what);
	if (ret)
		return error("%s: %s", when, err.what);
	for (i = 0; i < nb_rxq; i++)
		printf("tph: %s: queue %u -> lcore %u (CPU %u): ST entry %u\n", when,
		       map[i].queue_id, map[i].lcore_id, map[i].cpu, map[i].st_index);
	return 0;
}

static int
poll_queue(void *arg)
{
	const struct tph_stash_rxq *q = arg;
	struct rte_mbuf *pkts[32];
	uint64_t n = 0;
	uint16_t i, got;

	while (!stop_polling) {
		got = rte_eth_rx_burst(0, q->queue_id, pkts, RTE_DIM(pkts));
		for (i = 0; i < got; i++)
			rte_pktmbuf_free(pkts[i]);
		n += got;
	}
	printf("poll: lcore %u polled queue %u: %" PRIu64 " packets\n",
	       rte_lcore_id(), q->queue_id, n);
	return 0;
}

/* rte_eth_dev_reset(), or a re-probe where the PMD has no reset */
static int
port_reset(uint16_t *port, const char *name, struct rte_mempool *mp)
{
	struct rte_eth_dev_info info;
	int ret;

	ret = rte_eth_dev_reset(*port);
	if (ret == -ENOTSUP) {
		printf("reset: rte_eth_dev_reset: not supported by this PMD; re-probing %s instead\n",
		       name);
		ret = rte_eth_dev_info_get(*port, &info);
		if (!ret)
			ret = rte_eth_dev_stop(*port);
		if (!ret)
			ret = rte_eth_dev_close(*port);
		if (!ret)
			ret = rte_dev_remove(info.device);
		if (!ret)
			ret = rte_dev_probe(name);
		if (!ret)
			ret = rte_eth_dev_get_port_by_name(name, port);
		if (ret)
			return error("reset: re-probe of %s: %s", name, rte_strerror(-ret));
	} else if (ret) {
		return error("reset: rte_eth_dev_reset: %s", rte_strerror(-ret));
	} else {
		printf("reset: rte_eth_dev_reset done\n");
	}
	if (port_setup(*port, mp))
		return -1;
	ret = rte_eth_dev_start(*port);
	if (ret)
		return error("reset: rte_eth_dev_start: %s", rte_strerror(-ret));
	return 0;
}

int
main(int argc, char **argv)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	struct rte_mempool *mp;
	uint16_t port = 0;
	unsigned int i;
	int ret, rc = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		error("rte_eal_init: %s", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	if (parse_args(argc, argv) || !rte_eth_dev_is_valid_port(port) ||
	    rte_eth_dev_get_name_by_port(port, name)) {
		if (!rte_eth_dev_is_valid_port(port))
			error("no port: give EAL -a with a vfio-pci device");
		goto out;
	}
	mp = rte_pktmbuf_pool_create("mbufs", NB_MBUF, 32, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     rte_socket_id());
	if (mp == NULL) {
		error("rte_pktmbuf_pool_create: %s", rte_strerror(rte_errno));
		goto out;
	}

	ret = tph_stash_capabilities_get(port, &capa);
	if (ret) {
		printf("tph: not available on port %u (%s): %s; running without TPH\n", port,
		       name, tph_stash_strerror(ret));
	} else {
		tph = true;
		show_capa(port, name);
	}

	if (port_setup(port, mp))
		goto out;
	ret = rte_eth_dev_start(port);
	if (ret) {
		error("rte_eth_dev_start: %s", rte_strerror(-ret));
		goto out;
	}
	if (tph_program(port, "start"))
		goto out;
	step("started");

	ret = rte_eth_dev_stop(port);
	if (!ret)
		ret = rte_eth_dev_start(port);
	if (ret) {
		error("restart: %s", rte_strerror(-ret));
		goto out;
	}
	printf("restart: port stopped and started\n");
	step("restart-kept");
	if (tph_program(port, "restart"))
		goto out;
	step("restarted");

	if (port_reset(&port, name, mp))
		goto out;
	if (tph) {
		ret = tph_stash_capabilities_get(port, &capa);
		if (ret) {
			error("reset: %s", rte_strerror(-ret));
			goto out;
		}
		printf("reset: TPH %s after the reset\n", capa.enabled ? "still enabled" : "disabled");
	}
	step("reset-cleared");
	if (tph_program(port, "reset"))
		goto out;
	step("reset-done");

	for (i = 0; i < nb_rxq; i++) {
		ret = rte_eal_remote_launch(poll_queue, &map[i], map[i].lcore_id);
		if (ret) {
			error("lcore %u: rte_eal_remote_launch: %s", map[i].lcore_id,
			      rte_strerror(-ret));
			goto out;
		}
	}
	rte_delay_ms(1000);
	stop_polling = true;
	rte_eal_mp_wait_lcore();
	rc = 0;
out:
	if (rte_eth_dev_is_valid_port(port)) {
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
	rte_eal_cleanup();
	printf("done: exit %d\n", rc);
	return rc;
}

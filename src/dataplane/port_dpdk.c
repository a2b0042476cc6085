/* SPDX-License-Identifier: BSD-3-Clause */
#include "port_dpdk.h"
#include "arp.h"
#include "pkt.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "netlink.h"

#include <rte_log.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#define NB_MBUFS 8191
#define MBUF_CACHE 256
#define RX_DESC 1024
#define TX_DESC 1024

struct pg_port_queue {
	uint16_t port_id;
	uint16_t qid;
	struct rte_mempool *mp;     /* TX: every mbuf carries the prefill; only the generator writes */
	struct rte_mempool *rx_mp;  /* RX and control frames (ARP, ICMP) */
	const struct pg_port_info *info;
	uint32_t gw4, prefix_mask;
	/* RX timestamps in the mbuf dynamic field (net_pcap: kernel software RX time, us of
	 * CLOCK_REALTIME); ts_flag 0 = none */
	int ts_off;
	uint64_t ts_flag;
	uint32_t ts_mult;
	uint64_t rx_no_ts;          /* stamped source, frame without a stamp (lcore-written) */
} __rte_cache_aligned;

struct dpdk_priv {
	unsigned int nb_devs;
	uint16_t port_id[PG_PORT_MAX_QUEUES];
	uint8_t started[PG_PORT_MAX_QUEUES];
	uint32_t gw4;
	struct pg_port_queue q[PG_PORT_MAX_QUEUES];
	char name[64];
	char driver[32];
};

static void eal_cleanup(void);

/* ------------------------------------------------------------ hot path ---- */

static unsigned int dpdk_rx_burst(struct pg_port_queue *q, struct pg_pkt *pkts, unsigned int n)
{
	struct rte_mbuf *m[PG_PORT_BURST];
	unsigned int i, got;

	got = rte_eth_rx_burst(q->port_id, q->qid, m, (uint16_t)(n < PG_PORT_BURST ? n : PG_PORT_BURST));
	for (i = 0; i < got; i++) {
		rte_prefetch0(rte_pktmbuf_mtod(m[i], void *));
		pkts[i].data = rte_pktmbuf_mtod(m[i], uint8_t *);
		pkts[i].len = rte_pktmbuf_data_len(m[i]);
		pkts[i].flags = 0;
		if (m[i]->ol_flags & q->ts_flag) {
			pkts[i].rx_ts_ns = *RTE_MBUF_DYNFIELD(m[i], q->ts_off, rte_mbuf_timestamp_t *) *
					   q->ts_mult;
		} else {
			pkts[i].rx_ts_ns = 0;
			if (q->ts_flag)
				__atomic_fetch_add(&q->rx_no_ts, 1, __ATOMIC_RELAXED);
		}
		pkts[i].handle = (uintptr_t)m[i];
	}
	return got;
}

static void dpdk_free(struct pg_port_queue *q, const struct pg_pkt *pkts, unsigned int n)
{
	struct rte_mbuf *m[PG_PORT_BURST];
	unsigned int i;

	(void)q;
	while (n) {
		unsigned int k = n < PG_PORT_BURST ? n : PG_PORT_BURST;

		for (i = 0; i < k; i++)
			m[i] = (struct rte_mbuf *)pkts[i].handle;
		rte_pktmbuf_free_bulk(m, k);
		pkts += k;
		n -= k;
	}
}

static unsigned int dpdk_tx_alloc(struct pg_port_queue *q, struct pg_pkt *pkts, unsigned int n)
{
	struct rte_mbuf *m[PG_PORT_BURST];
	unsigned int i;

	if (n > PG_PORT_BURST)
		n = PG_PORT_BURST;
	/* Bulk allocation is all-or-nothing: halve until it fits what the pool has. */
	while (n && rte_pktmbuf_alloc_bulk(q->mp, m, n))
		n >>= 1;
	for (i = 0; i < n; i++) {
		pkts[i].data = rte_pktmbuf_mtod(m[i], uint8_t *);
		pkts[i].len = 0;
		pkts[i].handle = (uintptr_t)m[i];
	}
	return n;
}

static unsigned int dpdk_tx_burst(struct pg_port_queue *q, struct pg_pkt *pkts, unsigned int n)
{
	struct rte_mbuf *m[PG_PORT_BURST];
	unsigned int i;

	if (n > PG_PORT_BURST)
		n = PG_PORT_BURST;
	for (i = 0; i < n; i++) {
		m[i] = (struct rte_mbuf *)pkts[i].handle;
		m[i]->data_len = (uint16_t)pkts[i].len;
		m[i]->pkt_len = pkts[i].len;
	}
	return rte_eth_tx_burst(q->port_id, q->qid, m, (uint16_t)n);
}

/* A buffer for a control frame, from the RX pool: TX mbufs must keep their prefill. */
static int ctrl_alloc(struct pg_port_queue *q, struct pg_pkt *pkt)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(q->rx_mp);

	if (!m)
		return 0;
	pkt->data = rte_pktmbuf_mtod(m, uint8_t *);
	pkt->len = 0;
	pkt->handle = (uintptr_t)m;
	return 1;
}

/* ARP and ICMP echo for our address, answered on the lcore that received them. */
static void dpdk_rx_other(struct pg_port_queue *q, const struct pg_pkt *pkt)
{
	struct pg_pkt out;
	size_t len;

	if (!ctrl_alloc(q, &out))
		return;
	len = pg_arp_answer(pkt->data, pkt->len, q->info->ip4, q->info->mac, out.data);
	if (!len)
		len = pg_icmp_echo_answer(pkt->data, pkt->len, q->info->ip4, q->info->mac, out.data,
					  q->info->frame_size);
	out.len = (uint32_t)len;
	if (!len || dpdk_tx_burst(q, &out, 1) != 1)
		dpdk_free(q, &out, 1);
}

/* ------------------------------------------------------------- setup ---- */

static int dpdk_steer(struct pg_port *port, uint8_t ipproto, uint16_t port_no, int on)
{
	/* Every frame of the device reaches perfgen; nothing to steer. */
	(void)port; (void)ipproto; (void)port_no; (void)on;
	return 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * ARP for the next hop from the main lcore, before any dataplane lcore runs: requests go
 * out of queue 0 every 200 ms; the answer may come back on any queue (the peer's kernel
 * picks its TX queue, and so our RX queue, by the CPU it runs on), so all are polled.
 * ARP/ICMP are answered meanwhile so a peer resolving us in parallel succeeds too.
 */
static int dpdk_resolve(struct pg_port *port, uint32_t dst, uint8_t mac[6], int timeout_ms)
{
	struct dpdk_priv *p = port->priv;
	struct pg_port_queue *q0 = &p->q[0];
	uint32_t mask = port->info.prefix_len ? htonl(~0u << (32 - port->info.prefix_len)) : 0;
	uint32_t target = dst;
	unsigned int nq = port->nb_queues ? port->nb_queues : 1;
	int waited = 0;

	if ((dst & mask) != (port->info.ip4 & mask)) {
		if (!p->gw4)
			return -ENETUNREACH;
		target = p->gw4;
	}
	while (waited <= timeout_ms) {
		unsigned int qi;

		if (waited % 200 == 0) {
			struct pg_pkt req;

			if (ctrl_alloc(q0, &req)) {
				req.len = (uint32_t)pg_arp_request(req.data, port->info.mac,
								   port->info.ip4, target);
				if (dpdk_tx_burst(q0, &req, 1) != 1)
					dpdk_free(q0, &req, 1);
			}
		}
		for (qi = 0; qi < nq; qi++) {
			struct pg_port_queue *q = &p->q[qi];
			struct pg_pkt pk[PG_PORT_BURST];
			unsigned int n, i;

			n = dpdk_rx_burst(q, pk, PG_PORT_BURST);
			for (i = 0; i < n; i++) {
				if (pg_arp_learn(pk[i].data, pk[i].len, target, mac)) {
					dpdk_free(q, &pk[i], n - i);
					return 0;
				}
				dpdk_rx_other(q, &pk[i]);
				dpdk_free(q, &pk[i], 1);
			}
		}
		sleep_ms(10);
		waited += 10;
	}
	return -EHOSTUNREACH;
}

/* EAL lcore functions return int; the dataplane mains are pthread-shaped. */
static struct {
	void *(*fn)(void *);
	void *arg;
} tramp_args[RTE_MAX_LCORE];

static int tramp(void *a)
{
	unsigned int id = (unsigned int)(uintptr_t)a;

	tramp_args[id].fn(tramp_args[id].arg);
	return 0;
}

/* EAL lcore ids are 0 (main) then 1..n in --lcores order, mapped to CPUs with '@'. */
static int dpdk_launch(struct pg_port *port, unsigned int dp_idx, void *(*fn)(void *), void *arg)
{
	unsigned int id = dp_idx + 1;

	(void)port;
	if (id >= RTE_MAX_LCORE)
		return -EINVAL;
	tramp_args[id].fn = fn;
	tramp_args[id].arg = arg;
	return rte_eal_remote_launch(tramp, (void *)(uintptr_t)id, id);
}

static void dpdk_join(struct pg_port *port, unsigned int dp_idx)
{
	(void)port;
	rte_eal_wait_lcore(dp_idx + 1);
}

static void dpdk_close(struct pg_port *port)
{
	struct dpdk_priv *p = port->priv;

	unsigned int d;

	for (d = 0; d < p->nb_devs; d++)
		if (p->started[d]) {
			rte_eth_dev_stop(p->port_id[d]);
			rte_eth_dev_close(p->port_id[d]);
		}
	free(p);
	free(port);
	eal_cleanup();
}

static unsigned int dpdk_counters(struct pg_port *port, struct pg_port_counter *out,
				  unsigned int max)
{
	struct dpdk_priv *p = port->priv;
	struct rte_eth_stats st, one;
	unsigned int n = 0, d;

	memset(&st, 0, sizeof(st));
	for (d = 0; d < p->nb_devs; d++) {
		if (rte_eth_stats_get(p->port_id[d], &one))
			return 0;
		st.imissed += one.imissed;
		st.ierrors += one.ierrors;
		st.rx_nombuf += one.rx_nombuf;
		st.oerrors += one.oerrors;
	}
	if (n < max) {
		out[n].name = "dpdk_rx_missed";
		out[n++].value = st.imissed;
	}
	if (n < max) {
		out[n].name = "dpdk_rx_errors";
		out[n++].value = st.ierrors;
	}
	if (n < max) {
		out[n].name = "dpdk_rx_nombuf";
		out[n++].value = st.rx_nombuf;
	}
	if (n < max) {
		out[n].name = "dpdk_tx_errors";
		out[n++].value = st.oerrors;
	}
	if (n < max && p->q[0].ts_flag) {
		uint64_t v = 0;

		for (d = 0; d < PG_PORT_MAX_QUEUES; d++)
			v += __atomic_load_n(&p->q[d].rx_no_ts, __ATOMIC_RELAXED);
		out[n].name = "rx_without_timestamp";
		out[n++].value = v;
	}
	return n;
}

/* Removes a runtime directory EAL made for one of our prefixes (files first). */
static void remove_runtime_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	closedir(d);
	rmdir(dir);
}

/* EAL leaves /var/run/dpdk/PREFIX behind even with --in-memory: remove ours, and those of
 * perfgens that died without cleaning up (their pid is in the prefix). */
static void remove_stale_runtime_dirs(void)
{
	DIR *d = opendir("/var/run/dpdk");
	struct dirent *e;
	char path[PATH_MAX];

	if (!d)
		return;
	while ((e = readdir(d))) {
		int pid;
		char tail;

		if (sscanf(e->d_name, "perfgen%d%c", &pid, &tail) != 1 || pid <= 0)
			continue;
		if (pid != getpid() && (kill(pid, 0) == 0 || errno != ESRCH))
			continue;
		snprintf(path, sizeof(path), "/var/run/dpdk/%s", e->d_name);
		remove_runtime_dir(path);
	}
	closedir(d);
}

static void eal_cleanup(void)
{
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	if (strstr(dir, "/perfgen"))
		remove_runtime_dir(dir);
}

static const struct pg_port_ops dpdk_ops = {
	.rx_burst = dpdk_rx_burst,
	.rx_done = dpdk_free,
	.tx_alloc = dpdk_tx_alloc,
	.tx_burst = dpdk_tx_burst,
	.tx_free = dpdk_free,
	.steer_l4_port = dpdk_steer,
	.resolve_nexthop = dpdk_resolve,
	.close = dpdk_close,
	.rx_other = dpdk_rx_other,
	.launch = dpdk_launch,
	.join = dpdk_join,
	.counters = dpdk_counters,
};

struct prefill_arg {
	const uint8_t *data;
	uint32_t len;
};

static void prefill_obj(struct rte_mempool *mp, void *opaque, void *obj, unsigned int idx)
{
	const struct prefill_arg *a = opaque;
	struct rte_mbuf *m = obj;
	uint32_t room = rte_pktmbuf_data_room_size(mp) - RTE_PKTMBUF_HEADROOM;

	(void)idx;
	/* The allocator resets data_off to the headroom; the bytes there persist. */
	memcpy((uint8_t *)m->buf_addr + RTE_PKTMBUF_HEADROOM, a->data, a->len < room ? a->len : room);
}

static int free_hugepages(void)
{
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "r");
	int n = 0;

	if (f) {
		if (fscanf(f, "%d", &n) != 1)
			n = 0;
		fclose(f);
	}
	return n;
}

static int is_pci(const char *s)
{
	unsigned int a, b, c, d;

	return sscanf(s, "%x:%x:%x.%x", &a, &b, &c, &d) == 4 || sscanf(s, "%x:%x.%x", &b, &c, &d) == 3;
}

/* Device name as EAL knows it: the devargs up to the first comma. */
static void dev_name(const char *devargs, char *name, size_t len)
{
	const char *comma = strchr(devargs, ',');

	snprintf(name, len, "%.*s", (int)(comma ? comma - devargs : (long)strlen(devargs)), devargs);
}

/* Configures device d with nq queue pairs starting at port queue q0. 0 or -errno + err. */
static int setup_dev(struct pg_port *port, struct dpdk_priv *p, unsigned int d, const char *devargs,
		     unsigned int nq, unsigned int q0, const struct pg_dpdk_conf *conf, char *err,
		     size_t errlen)
{
	struct rte_eth_dev_info di;
	struct rte_eth_conf ec;
	char name[64];
	unsigned int i;
	int rc, sock;

	dev_name(devargs, name, sizeof(name));
	if (rte_eth_dev_get_port_by_name(name, &p->port_id[d])) {
		snprintf(err, errlen, "--dpdk %s: no such device (a PCI address bound to vfio-pci, or a vdev like net_af_xdp0,iface=IF)",
			 devargs);
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(p->port_id[d], &di);
	if (rc) {
		snprintf(err, errlen, "--dpdk %s: cannot query the device: %s", name, rte_strerror(-rc));
		return rc;
	}
	if (di.max_rx_queues < nq || di.max_tx_queues < nq) {
		snprintf(err, errlen, "--dpdk %s: %u dataplane lcores need %u queue pairs, the device has %u (use fewer lcores, a multi-queue devarg such as qpairs=/queue_count=, or one --dpdk per lcore)",
			 name, nq, nq, di.max_rx_queues);
		return -EINVAL;
	}
	if (d == 0)
		snprintf(p->driver, sizeof(p->driver), "%s", di.driver_name);
	memset(&ec, 0, sizeof(ec));
	if (nq > 1 && di.flow_type_rss_offloads) {
		ec.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		ec.rx_adv_conf.rss_conf.rss_hf = di.flow_type_rss_offloads &
						 (RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP);
	}
	rc = rte_eth_dev_configure(p->port_id[d], (uint16_t)nq, (uint16_t)nq, &ec);
	if (rc) {
		snprintf(err, errlen, "--dpdk %s: configure failed: %s", name, rte_strerror(-rc));
		return rc;
	}
	sock = rte_eth_dev_socket_id(p->port_id[d]);
	if (sock < 0)
		sock = SOCKET_ID_ANY;
	for (i = 0; i < nq; i++) {
		struct pg_port_queue *q = &p->q[q0 + i];
		char pname[64];
		struct prefill_arg pa = { conf->tx_prefill, conf->tx_prefill_len };

		snprintf(pname, sizeof(pname), "pg_mp%u_%u", p->port_id[d], i);
		q->mp = rte_pktmbuf_pool_create(pname, NB_MBUFS, MBUF_CACHE, 0, RTE_MBUF_DEFAULT_BUF_SIZE, sock);
		snprintf(pname, sizeof(pname), "pg_rx%u_%u", p->port_id[d], i);
		q->rx_mp = q->mp ? rte_pktmbuf_pool_create(pname, NB_MBUFS, MBUF_CACHE, 0,
							   RTE_MBUF_DEFAULT_BUF_SIZE, sock) : NULL;
		if (!q->mp || !q->rx_mp) {
			snprintf(err, errlen, "DPDK: cannot create a packet pool (%s): more hugepages (scripts/setup.sh) or --eal \"--no-huge\"",
				 rte_strerror(rte_errno));
			return -ENOMEM;
		}
		if (conf->tx_prefill)
			rte_mempool_obj_iter(q->mp, prefill_obj, &pa);
		rc = rte_eth_rx_queue_setup(p->port_id[d], (uint16_t)i, RX_DESC, (unsigned int)sock, NULL,
					    q->rx_mp);
		if (!rc)
			rc = rte_eth_tx_queue_setup(p->port_id[d], (uint16_t)i, TX_DESC, (unsigned int)sock, NULL);
		if (rc) {
			snprintf(err, errlen, "--dpdk %s: queue %u setup failed: %s", name, i, rte_strerror(-rc));
			return rc;
		}
		q->port_id = p->port_id[d];
		q->qid = (uint16_t)i;
		/* net_pcap stamps every mbuf with the kernel's RX time (us of REALTIME) although it
		 * advertises no timestamp offload; other PMDs' stamps are NIC ticks that need
		 * rte_eth_read_clock, which no device here offers: not used */
		if (!strcmp(di.driver_name, "net_pcap") &&
		    rte_mbuf_dyn_rx_timestamp_register(&q->ts_off, &q->ts_flag) == 0)
			q->ts_mult = 1000;
		else
			q->ts_flag = 0;
		q->info = &port->info;
		port->queue[q0 + i] = q;
	}
	rc = rte_eth_dev_start(p->port_id[d]);
	if (rc) {
		snprintf(err, errlen, "--dpdk %s: start failed: %s", name, rte_strerror(-rc));
		return rc;
	}
	p->started[d] = 1;
	rte_eth_promiscuous_enable(p->port_id[d]);
	return 0;
}

/*
 * Checks a device before EAL sees it, so the usual mistakes get a one-line answer:
 * a PCI address that does not exist or is bound to a kernel driver, a vdev's iface=
 * that is not in this namespace. 0 or -errno with err filled.
 */
static int precheck_dev(const char *devargs, char *err, size_t errlen)
{
	char path[256], link[256], addr[32];
	const char *iface;
	unsigned int dom = 0, bus, dev, fn;
	ssize_t n;

	if (is_pci(devargs)) {
		if (sscanf(devargs, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4 &&
		    sscanf(devargs, "%x:%x.%x", &bus, &dev, &fn) != 3)
			return 0;
		snprintf(addr, sizeof(addr), "%04x:%02x:%02x.%x", dom, bus, dev, fn);
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", addr);
		if (access(path, F_OK)) {
			snprintf(err, errlen, "--dpdk %s: no PCI device %s on this machine (dpdk-devbind.py --status lists them)",
				 devargs, addr);
			return -ENODEV;
		}
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", addr);
		n = readlink(path, link, sizeof(link) - 1);
		if (n > 0) {
			const char *drv;

			link[n] = 0;
			drv = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
			if (strcmp(drv, "vfio-pci") && strcmp(drv, "uio_pci_generic") &&
			    strcmp(drv, "igb_uio") && strcmp(drv, "mlx5_core") && strcmp(drv, "mlx4_core")) {
				snprintf(err, errlen, "--dpdk %s: the device is bound to the kernel driver %s; bind it first: dpdk-devbind.py --bind=vfio-pci %s",
					 devargs, drv, addr);
				return -EBUSY;
			}
		} else {
			snprintf(err, errlen, "--dpdk %s: the device has no driver; bind it first: modprobe vfio-pci && dpdk-devbind.py --bind=vfio-pci %s",
				 devargs, addr);
			return -ENODEV;
		}
		return 0;
	}
	/* net_tap/net_tun create their interface; the others attach to an existing one */
	iface = strncmp(devargs, "net_tap", 7) && strncmp(devargs, "net_tun", 7) ?
		strstr(devargs, "iface=") : NULL;
	if (iface) {
		char name[IF_NAMESIZE + 1];
		size_t len = strcspn(iface + 6, ",");

		snprintf(name, sizeof(name), "%.*s", (int)(len < IF_NAMESIZE ? len : IF_NAMESIZE), iface + 6);
		if (!if_nametoindex(name)) {
			snprintf(err, errlen, "--dpdk %s: no interface %s in this network namespace", devargs, name);
			return -ENODEV;
		}
	}
	return 0;
}

/* The last non-empty line EAL logged (into a memstream while it starts). */
static void last_log_line(const char *buf, char *out, size_t len)
{
	const char *end = buf + strlen(buf), *start;

	while (end > buf && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > buf && start[-1] != '\n')
		start--;
	snprintf(out, len, "%.*s", (int)(end - start), start);
}

struct pg_port *pg_dpdk_open(const struct pg_dpdk_conf *conf, char *err, size_t errlen)
{
	char *argv[96];
	char prefix[64], *extra = NULL, *tok, *save = NULL;
	int argc = 0, rc, no_huge = 0, has_mem = 0, any_pci = 0, mem_arg;
	FILE *logf = NULL;
	int saved_out, saved_err, nullfd;
	char *logbuf = NULL;
	size_t logsize = 0;
	struct pg_port *port = NULL;
	struct dpdk_priv *p = NULL;
	struct rte_ether_addr mac;
	uint16_t mtu = 1500;
	unsigned int d;

	errno = 0;
	if (conf->nb_queues == 0 || conf->nb_queues > PG_PORT_MAX_QUEUES) {
		snprintf(err, errlen, "--lcores: 1 to %d dataplane lcores per port", PG_PORT_MAX_QUEUES);
		errno = EINVAL;
		return NULL;
	}
	if (conf->nb_devs == 0 || (conf->nb_devs > 1 && conf->nb_devs != conf->nb_queues)) {
		snprintf(err, errlen, "--dpdk: %u devices for %u dataplane lcores; give one device (one queue per lcore) or one per lcore",
			 conf->nb_devs, conf->nb_queues);
		errno = EINVAL;
		return NULL;
	}
	if (!conf->ip4 && !conf->no_ip) {
		snprintf(err, errlen, "--dpdk %s: needs --ip ADDR/PREFIX (DPDK owns the port, so perfgen answers ARP for that address)",
			 conf->devargs[0]);
		errno = EINVAL;
		return NULL;
	}
	for (d = 0; d < conf->nb_devs; d++) {
		rc = precheck_dev(conf->devargs[d], err, errlen);
		if (rc) {
			errno = -rc;
			return NULL;
		}
	}
	remove_stale_runtime_dirs();
	snprintf(prefix, sizeof(prefix), "--file-prefix=perfgen%d", (int)getpid());
	argv[argc++] = (char *)(uintptr_t)"perfgen";
	argv[argc++] = (char *)(uintptr_t)"--lcores";
	argv[argc++] = (char *)(uintptr_t)conf->lcores;
	argv[argc++] = prefix;
	/* no runtime files (--in-memory; EAL refuses it with --no-huge, which implies most of it) */
	mem_arg = argc++;
	argv[argc++] = (char *)(uintptr_t)"--log-level=*:error";
	if (conf->eal_extra) {
		extra = strdup(conf->eal_extra);
		for (tok = extra ? strtok_r(extra, " ", &save) : NULL; tok && argc < 48;
		     tok = strtok_r(NULL, " ", &save)) {
			if (!strcmp(tok, "--no-huge"))
				no_huge = 1;
			if (!strcmp(tok, "-m") || !strncmp(tok, "--socket-mem", 12))
				has_mem = 1;
			argv[argc++] = tok;
		}
	}
	if (!no_huge && free_hugepages() < 64) {
		snprintf(err, errlen, "DPDK: only %d free 2 MiB hugepages; run scripts/setup.sh to reserve them, or add --eal \"--no-huge\"",
			 free_hugepages());
		errno = ENOMEM;
		goto out;
	}
	argv[mem_arg] = (char *)(uintptr_t)(no_huge ? "--no-shconf" : "--in-memory");
	if (no_huge && !has_mem) {
		argv[argc++] = (char *)(uintptr_t)"-m";
		argv[argc++] = (char *)(uintptr_t)"512";
	}
	for (d = 0; d < conf->nb_devs; d++) {
		int pci = is_pci(conf->devargs[d]);

		any_pci |= pci;
		argv[argc++] = (char *)(uintptr_t)(pci ? "-a" : "--vdev");
		argv[argc++] = (char *)(uintptr_t)conf->devargs[d];
	}
	if (!any_pci)
		argv[argc++] = (char *)(uintptr_t)"--no-pci";
	argv[argc] = NULL;

	/* EAL's own complaints go to a buffer: the reason is reported on one line below. */
	logf = open_memstream(&logbuf, &logsize);
	if (logf)
		rte_openlog_stream(logf);
	/* ...and its usage text (printed to stdout on a bad --eal) is not shown. */
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	nullfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved_out >= 0 && saved_err >= 0 && nullfd >= 0) {
		dup2(nullfd, STDOUT_FILENO);
		dup2(nullfd, STDERR_FILENO);
	}
	rc = rte_eal_init(argc, argv);
	fflush(stdout);
	fflush(stderr);
	if (saved_out >= 0) {
		dup2(saved_out, STDOUT_FILENO);
		close(saved_out);
	}
	if (saved_err >= 0) {
		dup2(saved_err, STDERR_FILENO);
		close(saved_err);
	}
	if (nullfd >= 0)
		close(nullfd);
	if (rc < 0) {
		char last[160] = "";

		if (logf) {
			fflush(logf);
			last_log_line(logbuf, last, sizeof(last));
		}
		snprintf(err, errlen, "DPDK EAL init failed: %s%s%s (check --lcores, --dpdk %s and --eal)",
			 rte_strerror(rte_errno), last[0] ? ": " : "", last, conf->devargs[0]);
		errno = rte_errno ? rte_errno : EINVAL;
		goto out;
	}

	port = calloc(1, sizeof(*port));
	p = calloc(1, sizeof(*p));
	if (!port || !p) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		goto fail;
	}
	port->ops = &dpdk_ops;
	port->priv = p;
	port->nb_queues = conf->nb_queues;
	p->nb_devs = conf->nb_devs;
	p->gw4 = conf->gw4;
	dev_name(conf->devargs[0], p->name, sizeof(p->name));
	snprintf(port->info.ifname, sizeof(port->info.ifname), "%.31s", p->name);
	port->info.ip4 = conf->ip4;
	port->info.prefix_len = conf->prefix_len;
	port->info.frame_size = RTE_MBUF_DEFAULT_BUF_SIZE - RTE_PKTMBUF_HEADROOM;
	port->info.rx_frames = RX_DESC;
	{
		/* net_af_xdp on a veth: XDP is fed through veth's 256-frame ring (port_afxdp.c) */
		const char *ifa = strstr(conf->devargs[0], "iface=");

		if (!strncmp(conf->devargs[0], "net_af_xdp", 10) && ifa) {
			char name[IF_NAMESIZE + 1];
			size_t len = strcspn(ifa + 6, ",");

			snprintf(name, sizeof(name), "%.*s", (int)(len < IF_NAMESIZE ? len : IF_NAMESIZE), ifa + 6);
			if (pg_if_is_veth(name) && port->info.rx_frames > 512)
				port->info.rx_frames = 512;
		}
	}
	port->info.backend = "dpdk";
	port->info.mode = p->driver;
	for (d = 0; d < conf->nb_devs; d++) {
		unsigned int nq = conf->nb_devs == 1 ? conf->nb_queues : 1;

		rc = setup_dev(port, p, d, conf->devargs[d], nq, conf->nb_devs == 1 ? 0 : d, conf, err,
			       errlen);
		if (rc) {
			errno = -rc;
			goto fail;
		}
	}
	if (p->q[0].ts_flag) {
		port->info.rx_ts_source = "pcap-kernel";
		port->info.rx_ts_res_ns = 1000;
	}
	rte_eth_dev_get_mtu(p->port_id[0], &mtu);
	rte_eth_macaddr_get(p->port_id[0], &mac);
	memcpy(port->info.mac, mac.addr_bytes, 6);
	port->info.mtu = mtu;
	goto out;
fail:
	if (p)
		for (d = 0; d < p->nb_devs; d++)
			if (p->started[d]) {
				rte_eth_dev_stop(p->port_id[d]);
				rte_eth_dev_close(p->port_id[d]);
			}
	free(p);
	free(port);
	port = NULL;
	eal_cleanup();
out:
	if (logf) {
		fflush(logf);
		if (!port && !err[0] && logbuf)
			last_log_line(logbuf, err, errlen);
		rte_openlog_stream(stderr);
		fclose(logf);
		free(logbuf);
	}
	free(extra);
	return port;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Native AF_XDP backend of the port interface (port.h): one UMEM and one XSK per queue,
 * bpf/pg_xdp.bpf.o attached through libxdp's dispatcher to steer only perfgen's ports.
 * Setup below the hot path; burst functions only touch the rings (and kick the kernel
 * with a zero-length sendto/recvfrom when it asks for a wakeup).
 */
#include "port.h"
#include "netlink.h"
#include "pg_xdp.h"

#include <errno.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/timex.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#ifndef PG_BPF_OBJ_DEFAULT
#define PG_BPF_OBJ_DEFAULT "/usr/local/share/perfgen/pg_xdp.bpf.o"
#endif
#define PG_RUN_DIR "/run/perfgen"
#define DEF_FRAMES 4096
#define DEF_FRAME_SIZE 2048

struct pg_port_queue {
	struct xsk_ring_cons rx;
	struct xsk_ring_prod tx;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp;
	struct xsk_socket *xsk;
	struct xsk_umem *umem;
	void *area;
	uint64_t area_len;
	int fd;
	uint32_t frame_size;
	uint32_t nb_free;
	uint32_t tx_outstanding;   /* submitted, not yet completed */
	uint64_t *free_tx;         /* TX frame addresses ready for use */
	uint64_t rx_kicks, tx_kicks;
	uint8_t tx_unsent;         /* the last kick left descriptors in the TX ring: kick again */
	uint32_t rx_empty;
	uint64_t tai_off_ns;       /* CLOCK_TAI - CLOCK_REALTIME, for the XDP RX stamps */
	_Atomic uint64_t rx_no_ts; /* frames that came without the program's stamp */
} __attribute__((aligned(64)));

struct afxdp_priv {
	struct xdp_program *prog;
	enum xdp_attach_mode mode;
	int steer_fd;
	char pidfile[128];
	struct pg_port_queue q[PG_PORT_MAX_QUEUES];
};

/* ------------------------------------------------------------ hot path ---- */

/* CLOCK_TAI - CLOCK_REALTIME (the kernel's TAI offset, 0 unless NTP/PTP set it). */
static uint64_t tai_offset_ns(void)
{
	struct timex tx = { .modes = 0 };

	if (adjtimex(&tx) < 0 || tx.tai < 0)
		return 0;
	return (uint64_t)tx.tai * 1000000000ull;
}

/*
 * Copy mode transmits inside the kick (sendto); a kick that meets a busy kernel (EAGAIN:
 * completion ring or device queue momentarily full) leaves descriptors in the TX ring. They
 * must not wait for the next tx_burst, which for a slowly paced stream is a packet interval
 * later (a stamped datagram would then leave milliseconds after its timestamp): remember it,
 * and kick again from the next poll of the queue.
 */
static void tx_kick(struct pg_port_queue *q)
{
	q->tx_kicks++;
	sendto(q->fd, NULL, 0, MSG_DONTWAIT, NULL, 0);
	q->tx_unsent = __atomic_load_n(q->tx.consumer, __ATOMIC_ACQUIRE) != q->tx.cached_prod;
}

static unsigned int afxdp_rx_burst(struct pg_port_queue *q, struct pg_pkt *pkts, unsigned int n)
{
	uint32_t idx = 0, i, got;

	if (q->tx_unsent)
		tx_kick(q);

	got = xsk_ring_cons__peek(&q->rx, n, &idx);
	if (!got) {
		/* The wakeup is a syscall: on a mostly-transmitting queue, do it on every 64th
		 * empty poll only (frames wait in the kernel meanwhile, they are not lost). */
		if ((++q->rx_empty & 63) == 0 && xsk_ring_prod__needs_wakeup(&q->fill)) {
			q->rx_kicks++;
			recvfrom(q->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
		}
		return 0;
	}
	for (i = 0; i < got; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&q->rx, idx + i);

		struct pg_xdp_meta *m;

		pkts[i].data = xsk_umem__get_data(q->area, d->addr);
		pkts[i].len = d->len;
		pkts[i].flags = 0;
		pkts[i].handle = d->addr;
		/* the frame's headroom holds the program's metadata (cleared: frames are reused) */
		m = (struct pg_xdp_meta *)(pkts[i].data - sizeof(*m));
		if (m->magic == PG_XDP_META_MAGIC) {
			pkts[i].rx_ts_ns = m->rx_tai_ns - q->tai_off_ns;
			m->magic = 0;
		} else {
			pkts[i].rx_ts_ns = 0; /* the lcore's TSC time stands in: counted */
			atomic_fetch_add_explicit(&q->rx_no_ts, 1, memory_order_relaxed);
		}
	}
	xsk_ring_cons__release(&q->rx, got);
	return got;
}

static void afxdp_rx_done(struct pg_port_queue *q, const struct pg_pkt *pkts, unsigned int n)
{
	uint32_t idx = 0, i;

	/* The fill ring has room for every RX frame, so this reserve cannot fall short. */
	if (xsk_ring_prod__reserve(&q->fill, n, &idx) != n)
		return;
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&q->fill, idx + i) =
			pkts[i].handle & ~((uint64_t)q->frame_size - 1);
	xsk_ring_prod__submit(&q->fill, n);
}

static void reclaim(struct pg_port_queue *q)
{
	uint32_t idx = 0, i, done = xsk_ring_cons__peek(&q->comp, PG_PORT_BURST * 4, &idx);

	for (i = 0; i < done; i++)
		q->free_tx[q->nb_free++] = *xsk_ring_cons__comp_addr(&q->comp, idx + i);
	if (done) {
		xsk_ring_cons__release(&q->comp, done);
		q->tx_outstanding -= done;
	}
}

static unsigned int afxdp_tx_alloc(struct pg_port_queue *q, struct pg_pkt *pkts, unsigned int n)
{
	unsigned int i;

	if (q->nb_free < n)
		reclaim(q);
	if (n > q->nb_free)
		n = q->nb_free;
	for (i = 0; i < n; i++) {
		uint64_t a = q->free_tx[--q->nb_free];

		pkts[i].data = xsk_umem__get_data(q->area, a);
		pkts[i].len = 0;
		pkts[i].flags = 0;
		pkts[i].handle = a;
	}
	return n;
}

static void afxdp_tx_free(struct pg_port_queue *q, const struct pg_pkt *pkts, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		q->free_tx[q->nb_free++] = pkts[i].handle;
}

static unsigned int afxdp_tx_burst(struct pg_port_queue *q, struct pg_pkt *pkts, unsigned int n)
{
	uint32_t idx = 0, i, k;

	k = xsk_ring_prod__reserve(&q->tx, n, &idx);
	for (i = 0; i < k; i++) {
		struct xdp_desc *d = xsk_ring_prod__tx_desc(&q->tx, idx + i);

		d->addr = pkts[i].handle;
		d->len = pkts[i].len;
	}
	if (k) {
		xsk_ring_prod__submit(&q->tx, k);
		q->tx_outstanding += k;
	}
	/* Copy mode (and zero-copy drivers that ask) transmit only when kicked. */
	if (q->tx_outstanding && xsk_ring_prod__needs_wakeup(&q->tx))
		tx_kick(q);
	reclaim(q);
	return k;
}

/* ------------------------------------------------------------- setup ---- */

static int afxdp_steer(struct pg_port *port, uint8_t ipproto, uint16_t port_no, int on)
{
	struct afxdp_priv *p = port->priv;
	__u32 key = PG_XDP_STEER_KEY(ipproto, port_no), one = 1;

	if (on)
		return bpf_map_update_elem(p->steer_fd, &key, &one, BPF_ANY) ? -errno : 0;
	return bpf_map_delete_elem(p->steer_fd, &key) && errno != ENOENT ? -errno : 0;
}

static int afxdp_resolve(struct pg_port *port, uint32_t dst, uint8_t mac[6], int timeout_ms)
{
	return pg_nl_resolve(port->info.ifindex, port->info.ifname, dst, mac, timeout_ms);
}

static void queue_free(struct pg_port_queue *q)
{
	if (q->xsk)
		xsk_socket__delete(q->xsk);
	if (q->umem)
		xsk_umem__delete(q->umem);
	if (q->area)
		munmap(q->area, q->area_len);
	free(q->free_tx);
	memset(q, 0, sizeof(*q));
}

static void detach(struct pg_port *port)
{
	struct afxdp_priv *p = port->priv;

	if (p->prog) {
		xdp_program__detach(p->prog, port->info.ifindex, p->mode, 0);
		xdp_program__close(p->prog);
		p->prog = NULL;
	}
	if (p->pidfile[0])
		unlink(p->pidfile);
}

static void afxdp_close(struct pg_port *port)
{
	struct afxdp_priv *p = port->priv;
	unsigned int i;

	for (i = 0; i < port->nb_queues; i++)
		queue_free(&p->q[i]);
	detach(port);
	free(p);
	free(port);
}

/* Frames received without the XDP program's RX stamp (their latency used the TSC), and
 * the kernel's drops into the XSK rings. */
static unsigned int afxdp_counters(struct pg_port *port, struct pg_port_counter *out,
				   unsigned int max)
{
	struct afxdp_priv *p = port->priv;
	uint64_t v = 0;
	unsigned int i;

	if (!max)
		return 0;
	for (i = 0; i < port->nb_queues; i++)
		v += atomic_load_explicit(&p->q[i].rx_no_ts, memory_order_relaxed);
	out[0].name = "rx_without_timestamp";
	out[0].value = v;
	if (max < 4)
		return 1;
	{
		/* The kernel's own drops on the way into the XSK rings (XDP_STATISTICS): a full
		 * RX ring or an empty fill ring means the lcore did not keep up (or lost its CPU). */
		uint64_t drop = 0, full = 0, empty = 0;

		for (i = 0; i < port->nb_queues; i++) {
			struct xdp_statistics xs;
			socklen_t sl = sizeof(xs);

			if (p->q[i].xsk && !getsockopt(p->q[i].fd, SOL_XDP, XDP_STATISTICS, &xs, &sl)) {
				drop += xs.rx_dropped;
				full += xs.rx_ring_full;
				empty += xs.rx_fill_ring_empty_descs;
			}
		}
		out[1].name = "rx_xsk_dropped";
		out[1].value = drop;
		out[2].name = "rx_xsk_ring_full";
		out[2].value = full;
		out[3].name = "rx_xsk_fill_ring_empty";
		out[3].value = empty;
	}
	return 4;
}

static const struct pg_port_ops afxdp_ops = {
	.rx_burst = afxdp_rx_burst,
	.rx_done = afxdp_rx_done,
	.tx_alloc = afxdp_tx_alloc,
	.tx_burst = afxdp_tx_burst,
	.tx_free = afxdp_tx_free,
	.steer_l4_port = afxdp_steer,
	.resolve_nexthop = afxdp_resolve,
	.close = afxdp_close,
	.counters = afxdp_counters,
};

static int libxdp_quiet(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	if (level > LIBXDP_WARN || getenv("PERFGEN_XDP_QUIET"))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/*
 * A perfgen program on the interface whose owner (pid file) is gone is a leftover of a
 * killed run: detach it. One owned by a live perfgen is left alone (returns -EBUSY).
 */
static int remove_stale(const char *ifname, int ifindex, const char *pidfile)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	struct xdp_program *prog = NULL;
	int rc = 0;
	FILE *f;
	long pid = 0;

	if (!mp || libxdp_get_error(mp))
		return 0;
	f = fopen(pidfile, "r");
	if (f) {
		if (fscanf(f, "%ld", &pid) != 1)
			pid = 0;
		fclose(f);
	}
	if (xdp_multiprog__is_legacy(mp)) {
		prog = xdp_multiprog__main_prog(mp);
		if (prog && !strcmp(xdp_program__name(prog), PG_XDP_PROG_NAME))
			goto found;
		goto out;
	}
	while ((prog = xdp_multiprog__next_prog(prog, mp)))
		if (!strcmp(xdp_program__name(prog), PG_XDP_PROG_NAME))
			goto found;
	goto out;
found:
	if (pid > 0 && pid != getpid() && kill((pid_t)pid, 0) == 0) {
		rc = -EBUSY;
		goto out;
	}
	fprintf(stderr, "perfgen: %s: removing a stale perfgen XDP program left by an earlier run%s\n",
		ifname, pid > 0 ? " that is gone" : "");
	rc = xdp_program__detach(prog, ifindex, xdp_multiprog__attach_mode(mp), 0);
	unlink(pidfile);
out:
	xdp_multiprog__close(mp);
	return rc;
}

static int queue_open(struct pg_port_queue *q, const struct pg_port_conf *conf, const char *ifname,
		      unsigned int qid, int zerocopy, int skb_mode, char *err, size_t errlen)
{
	struct xsk_umem_config uc = {
		.fill_size = XSK_RING_PROD__DEFAULT_NUM_DESCS * 2,
		.comp_size = XSK_RING_CONS__DEFAULT_NUM_DESCS * 2,
		.frame_size = conf->frame_size ? conf->frame_size : DEF_FRAME_SIZE,
		.frame_headroom = 0,
	};
	struct xsk_socket_config sc = {
		.rx_size = XSK_RING_CONS__DEFAULT_NUM_DESCS * 2,
		.tx_size = XSK_RING_PROD__DEFAULT_NUM_DESCS * 2,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_USE_NEED_WAKEUP | (zerocopy ? XDP_ZEROCOPY : XDP_COPY),
	};
	uint32_t nb = conf->nb_frames ? conf->nb_frames : DEF_FRAMES;
	uint32_t rx_frames = nb / 2, i, idx = 0;
	int rc;

	(void)skb_mode;
	q->frame_size = uc.frame_size;
	q->area_len = (uint64_t)nb * uc.frame_size;
	q->area = mmap(NULL, q->area_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q->area == MAP_FAILED) {
		q->area = NULL;
		snprintf(err, errlen, "AF_XDP: cannot map %llu bytes of UMEM", (unsigned long long)q->area_len);
		return -ENOMEM;
	}
	q->free_tx = calloc(nb, sizeof(*q->free_tx));
	if (!q->free_tx)
		return -ENOMEM;
	rc = xsk_umem__create(&q->umem, q->area, q->area_len, &q->fill, &q->comp, &uc);
	if (rc) {
		snprintf(err, errlen, "AF_XDP: UMEM registration failed: %s", strerror(-rc));
		return rc;
	}
	rc = xsk_socket__create(&q->xsk, ifname, qid, q->umem, &q->rx, &q->tx, &sc);
	if (rc) {
		snprintf(err, errlen, "--dev %s: AF_XDP socket on queue %u failed: %s%s", ifname, qid,
			 strerror(-rc),
			 rc == -EOPNOTSUPP && zerocopy ? " (the driver has no zero-copy: use --xdp-mode native)" :
			 rc == -EINVAL ? " (does the interface have that many queues? ethtool -L)" : "");
		return rc;
	}
	q->fd = xsk_socket__fd(q->xsk);

	/* The first half of the UMEM receives, the second half transmits. */
	if (xsk_ring_prod__reserve(&q->fill, rx_frames, &idx) != rx_frames) {
		snprintf(err, errlen, "AF_XDP: fill ring smaller than %u", rx_frames);
		return -ENOSPC;
	}
	for (i = 0; i < rx_frames; i++)
		*xsk_ring_prod__fill_addr(&q->fill, idx + i) = (uint64_t)i * uc.frame_size;
	xsk_ring_prod__submit(&q->fill, rx_frames);
	for (i = rx_frames; i < nb; i++) {
		uint64_t a = (uint64_t)i * uc.frame_size;

		if (conf->tx_prefill)
			memcpy((uint8_t *)q->area + a, conf->tx_prefill,
			       conf->tx_prefill_len < uc.frame_size ? conf->tx_prefill_len : uc.frame_size);
		q->free_tx[q->nb_free++] = a;
	}
	return 0;
}

static int bpffs_mounted(void)
{
	struct statfs st;

	return !statfs("/sys/fs/bpf", &st) && (unsigned long)st.f_type == 0xcafe4a11ul;
}

struct pg_port *pg_afxdp_open(const struct pg_port_conf *conf, char *err, size_t errlen)
{
	struct pg_port *port = NULL;
	struct afxdp_priv *p = NULL;
	struct pg_nl_ifinfo ii;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	const char *obj = getenv("PERFGEN_BPF_OBJ");
	struct bpf_object *bo;
	struct bpf_map *xsks, *steer;
	unsigned int i;
	int rc, zerocopy = conf->xdp_mode == PG_XDP_MODE_ZEROCOPY;

	if (geteuid() != 0) {
		snprintf(err, errlen, "--dev %s: AF_XDP needs root (CAP_NET_ADMIN, CAP_BPF): run with sudo", conf->ifname);
		errno = EPERM;
		return NULL;
	}
	rc = pg_nl_ifinfo(conf->ifname, &ii);
	if (rc) {
		snprintf(err, errlen, rc == -ENODEV ? "--dev %s: no such interface (ip link shows the names)" :
			 "--dev %s: cannot read the interface: %s", conf->ifname, strerror(-rc));
		errno = -rc;
		return NULL;
	}
	if (!ii.ip4) {
		snprintf(err, errlen, "--dev %s: no IPv4 address; assign one (ip addr add ADDR/PREFIX dev %s)",
			 conf->ifname, conf->ifname);
		errno = EADDRNOTAVAIL;
		return NULL;
	}
	if (!bpffs_mounted()) {
		snprintf(err, errlen, "bpffs not mounted at /sys/fs/bpf (libxdp needs it): run scripts/setup.sh");
		errno = ENOENT;
		return NULL;
	}
	setrlimit(RLIMIT_MEMLOCK, &rl);
	libxdp_set_print(libxdp_quiet);
	libbpf_set_print(NULL);

	port = calloc(1, sizeof(*port));
	p = calloc(1, sizeof(*p));
	if (!port || !p) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		goto fail;
	}
	port->ops = &afxdp_ops;
	port->priv = p;
	snprintf(port->info.ifname, sizeof(port->info.ifname), "%s", conf->ifname);
	port->info.ifindex = ii.ifindex;
	memcpy(port->info.mac, ii.mac, 6);
	port->info.ip4 = ii.ip4;
	port->info.prefix_len = ii.prefix_len;
	port->info.mtu = ii.mtu;
	port->info.frame_size = conf->frame_size ? conf->frame_size : DEF_FRAME_SIZE;
	port->info.rx_frames = (conf->nb_frames ? conf->nb_frames : DEF_FRAMES) / 2; /* fill ring */
	/* A veth hands frames to XDP through a 256-frame ring per queue (VETH_RING_SIZE) and
	 * drops what a burst puts beyond it, before the XSK ring: report twice that, the TCP
	 * engine budgets half of what a port holds. */
	if (pg_if_is_veth(conf->ifname) && port->info.rx_frames > 512)
		port->info.rx_frames = 512;
	port->info.backend = "af_xdp";

	mkdir(PG_RUN_DIR, 0755);
	{
		/* interface names repeat across network namespaces: the file is per namespace */
		struct stat ns;

		if (stat("/proc/self/ns/net", &ns))
			ns.st_ino = 0;
		snprintf(p->pidfile, sizeof(p->pidfile), PG_RUN_DIR "/net%lu-%s.pid",
			 (unsigned long)ns.st_ino, conf->ifname);
	}
	rc = remove_stale(conf->ifname, ii.ifindex, p->pidfile);
	if (rc == -EBUSY) {
		snprintf(err, errlen, "--dev %s: another perfgen (see %s) is using this interface", conf->ifname, p->pidfile);
		p->pidfile[0] = 0;
		errno = EBUSY;
		goto fail;
	}

	p->prog = xdp_program__open_file(obj ? obj : PG_BPF_OBJ_DEFAULT, "xdp", NULL);
	if (libxdp_get_error(p->prog)) {
		rc = (int)libxdp_get_error(p->prog);
		p->prog = NULL;
		snprintf(err, errlen, "cannot open the XDP program %s: %s (set PERFGEN_BPF_OBJ)",
			 obj ? obj : PG_BPF_OBJ_DEFAULT, strerror(-rc));
		errno = -rc;
		goto fail;
	}
	/* native when the driver has it, else generic; or what --xdp-mode asks */
	p->mode = conf->xdp_mode == PG_XDP_MODE_GENERIC ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	rc = xdp_program__attach(p->prog, ii.ifindex, p->mode, 0);
	if (rc && conf->xdp_mode == PG_XDP_MODE_AUTO) {
		p->mode = XDP_MODE_SKB;
		rc = xdp_program__attach(p->prog, ii.ifindex, p->mode, 0);
	}
	if (rc) {
		snprintf(err, errlen, "--dev %s: attaching the XDP program (%s mode) failed: %s", conf->ifname,
			 p->mode == XDP_MODE_SKB ? "generic" : "native", strerror(-rc));
		xdp_program__close(p->prog);
		p->prog = NULL;
		errno = -rc;
		goto fail;
	}
	{
		FILE *f = fopen(p->pidfile, "w");

		if (f) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
	}
	port->info.mode = zerocopy ? "zerocopy" : p->mode == XDP_MODE_SKB ? "generic" : "native";
	port->info.rx_ts_source = "xdp-ktime-tai";
	port->info.rx_ts_res_ns = 1;
	bo = xdp_program__bpf_obj(p->prog);
	xsks = bpf_object__find_map_by_name(bo, "pg_xsks");
	steer = bpf_object__find_map_by_name(bo, "pg_steer");
	if (!xsks || !steer) {
		snprintf(err, errlen, "the XDP program has no pg_xsks/pg_steer maps (wrong object?)");
		errno = ENOENT;
		goto fail;
	}
	p->steer_fd = bpf_map__fd(steer);

	for (i = 0; i < conf->nb_queues; i++) {
		struct pg_port_queue *q = &p->q[i];
		int xfd;

		rc = queue_open(q, conf, conf->ifname, i, zerocopy, p->mode == XDP_MODE_SKB, err, errlen);
		port->nb_queues = i + 1;
		if (rc) {
			errno = -rc;
			goto fail;
		}
		q->tai_off_ns = tai_offset_ns();
		xfd = xsk_socket__fd(q->xsk);
		if (bpf_map_update_elem(bpf_map__fd(xsks), &i, &xfd, BPF_ANY)) {
			snprintf(err, errlen, "cannot register the AF_XDP socket in pg_xsks: %s", strerror(errno));
			goto fail;
		}
		port->queue[i] = q;
	}
	port->nb_queues = conf->nb_queues;
	return port;
fail:
	if (port && p) {
		int e = errno;

		afxdp_close(port);
		errno = e;
	} else {
		free(p);
		free(port);
	}
	return NULL;
}

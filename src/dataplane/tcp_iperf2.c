/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf2 over TCP on a dataplane lcore: the userspace engine (src/proto/tcp.h) runs inside
 * the lcore's poll loop. Client streams connect at staggered times, hand the engine a
 * stream whose bytes are a function of the offset (header, then iperf2's writes), release
 * it in steps ahead of the acknowledged point while the test runs, and close (FIN) at
 * -t / -n. The server accepts on its port, reads the client header from the stream's
 * first bytes, answers the CLIENTHDRACK, and counts the rest without copying it. Counters
 * go to the reporter as deltas, like the UDP loops; nothing here allocates or prints.
 */
#include "dataplane_priv.h"
#include "redirect.h"
#include "capture.h"
#include "frame.h"
#include "tcp.h"
#include "iperf2_tcp.h"
#include "hist.h"
#include "latclock.h"
#include "ring.h"

#include <errno.h>
#include <stdlib.h>

#define STAGGER_NS 5000000ull
#define LEAD_MIN (256u * 1024)
#define LEAD_MAX (16u * 1024 * 1024)

static uint32_t lcore_rand(void *ctx)
{
	struct pg_lcore *lc = ctx;
	uint64_t x = pg_rdtsc() ^ ((uint64_t)lc->idx << 56) ^ (uint64_t)(uintptr_t)lc;

	/* splitmix64: ISNs and ephemeral ports need variety, not secrecy */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)(x ^ (x >> 31));
}

int pg_tcp_lcore_init(struct pg_lcore *lc, unsigned int max_conns, const char *cc)
{
	struct pg_tcp_cfg cfg;
	size_t sz = pg_tcp_stack_memsize(max_conns);
	void *mem;

	memset(&cfg, 0, sizeof(cfg));
	cfg.local_ip = lc->port->info.ip4;
	memcpy(cfg.local_mac, lc->port->info.mac, 6);
	cfg.mtu = (uint16_t)(lc->port->info.mtu ? lc->port->info.mtu : 1500);
	/* The receive window a peer may fill is what the RX ring holds while this lcore is
	 * not polling (descheduled, busy transmitting): half the ring's frames of payload, so
	 * a stalled receiver makes the sender wait instead of overflowing the ring (each
	 * overflow costs the sender a loss recovery). Between 256 KiB and the 4 MiB default;
	 * a veth or LAN path needs far less (BDP = rate x RTT). Concurrent connections share
	 * it (each advertises budget / connections, at least 64 KiB). */
	if (lc->port->info.rx_frames) {
		uint64_t w = (uint64_t)lc->port->info.rx_frames / 2 * (cfg.mtu - 52u);

		cfg.rcv_buf = (uint32_t)(w < (256u << 10) ? (256u << 10) : w > (4u << 20) ? (4u << 20) : w);
		cfg.rx_budget = cfg.rcv_buf; /* shared by the lcore's connections (-P N) */
	}
	/* Frames from veth (and af_packet/AF_XDP copies of locally generated traffic) carry
	 * the kernel's CHECKSUM_PARTIAL value, not a final checksum; NICs verify L4 checksums
	 * themselves. The IPv4 header checksum is still checked. */
	cfg.no_csum_check = 1;
	cfg.rand32 = lcore_rand;
	cfg.rand_ctx = lc;
	cfg.cc = cc ? pg_tcp_cc_find(cc) : NULL;
	if (cc && !cfg.cc)
		return -EINVAL;
	mem = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	if (!mem)
		return -ENOMEM;
	lc->tcp = pg_tcp_stack_init(mem, sz, max_conns, &cfg);
	if (!lc->tcp) {
		int e = errno;

		free(mem);
		return -e;
	}
	return 0;
}

void pg_tcp_lcore_free(struct pg_lcore *lc)
{
	free(lc->tcp); /* the stack lives at the start of its memory block */
	lc->tcp = NULL;
}

/* ------------------------------------------------------------ reporting ---- */

static void post_delta(struct pg_lcore *lc, struct pg_tcp_flow *f, uint64_t t_ns, uint8_t type,
		       int server)
{
	struct pg_msg m;
	struct pg_msg_counters *c = type == PG_MSG_FLOW_END ? &m.u.end.c : &m.u.delta;
	struct pg_tcp_info ti;
	/* iperf 2.1.8 counts every byte of the stream, its header included, at both ends */
	uint64_t tx = f->acked;

	memset(&ti, 0, sizeof(ti));
	if (f->c)
		pg_tcp_conn_info(f->c, &ti);
	if (type == PG_MSG_FLOW_DELTA && tx == f->posted_tx && f->rx_bytes == f->posted_rx &&
	    (uint32_t)ti.retrans_segs == f->posted_retrans)
		return;
	pg_msg_init(&m, type, lc, f->id, f->gen, t_ns);
	memset(&m.u, 0, sizeof(m.u));
	c->tx_bytes = tx - f->posted_tx;
	c->rx_bytes = f->rx_bytes - f->posted_rx;
	c->rx_pkts = c->rx_bytes ? 1 : 0; /* "something arrived" for the reporter's clock */
	c->tx_pkts = c->tx_bytes ? 1 : 0;
	c->retrans = f->c ? (uint32_t)ti.retrans_segs - f->posted_retrans : 0;
	c->cwnd = ti.cwnd;
	c->rtt_us = (uint32_t)(ti.srtt_ns / 1000);
	c->rttvar_us = (uint32_t)(ti.rttvar_ns / 1000);
	if (type == PG_MSG_FLOW_END) {
		m.u.end.first_ns = f->first_ns;
		m.u.end.last_ns = f->last_ns;
		m.u.end.timed_out = (uint8_t)(f->err != 0);
	}
	(void)server;
	if (!pg_post(lc, &m))
		return;
	f->posted_tx = tx;
	f->posted_rx = f->rx_bytes;
	if (f->c)
		f->posted_retrans = (uint32_t)ti.retrans_segs;
	if (type == PG_MSG_FLOW_END)
		f->state = PG_FLOW_DONE;
}

/* --------------------------------------------------------------- client ---- */

static uint64_t lead_of(struct pg_tcp_conn *c)
{
	struct pg_tcp_info ti;
	uint64_t l;

	pg_tcp_conn_info(c, &ti);
	l = 2ull * ti.cwnd;
	l = l < LEAD_MIN ? LEAD_MIN : l > LEAD_MAX ? LEAD_MAX : l;
	return l;
}

/* Trip-times: the released stream may not run further ahead of the acknowledged point
 * than the ring of burst write times reaches back. */
static uint64_t lead_for(struct pg_tcp_flow *f, struct pg_tcp_conn *c)
{
	uint64_t l = lead_of(c), cap;

	if (!f->lc->tcp_trip)
		return l;
	cap = (uint64_t)(PG_TCP_TRIP_RING - 8) * f->lc->tcp_buflen;
	return l < cap ? l : cap;
}

/*
 * Releases the stream to the engine in steps ahead of the acknowledged point; with -b no
 * further than the rate allows since the connection started, plus one write (iperf's
 * writes are rate-limited the same way, on average). -n counts the header too, as iperf's
 * does, and the FIN follows the last byte.
 */
static void cli_feed(struct pg_tcp_flow *f, struct pg_tcp_conn *c)
{
	const struct pg_lcore *lc = f->lc;
	uint64_t n = (f->acked > lc->tcp_hdrlen ? f->acked : lc->tcp_hdrlen) + lead_for(f, c);

	if (f->amount && !f->pace.q) {
		n = UINT64_MAX; /* -n at full speed: all of it at once */
	} else if (f->pace.q) {
		uint64_t b = lc->tcp_hdrlen + lc->tcp_buflen + pg_pace_budget(&f->pace, pg_rdtsc());

		if (n > b)
			n = b;
	}
	if (f->amount) {
		uint64_t end = f->amount > lc->tcp_hdrlen ? f->amount : lc->tcp_hdrlen;

		if (n >= end) {
			f->limit = end;
			pg_tcp_send_limit(c, f->limit);
			pg_tcp_close(c);
			f->state = PG_FLOW_FIN;
			return;
		}
	}
	if (n > f->limit) {
		f->limit = n;
		pg_tcp_send_limit(c, f->limit);
	}
}

static int cli_connected(struct pg_tcp_conn *c, void *arg)
{
	struct pg_tcp_flow *f = arg;

	f->first_ns = f->last_ns = pg_clock_now_ns(&f->lc->clock, pg_rdtsc());
	pg_pace_start(&f->pace, f->lc->tsc, f->lc->tcp_rate, pg_rdtsc());
	if (f->lc->tcp_peer_detect) {
		/* -X: the header alone, then data once the server's CLIENTHDRACK is in */
		f->wait_ack = 1;
		f->limit = f->lc->tcp_hdrlen;
		pg_tcp_send_limit(c, f->limit);
		return 0;
	}
	cli_feed(f, c);
	return 0;
}

static void cli_fill(struct pg_tcp_conn *c, void *arg, uint64_t off, uint8_t *dst, uint32_t len)
{
	struct pg_tcp_flow *f = arg;

	struct pg_lcore *lc = f->lc;

	(void)c;
	if (!lc->tcp_trip) {
		pg_i2_tcp_fill(lc->tcp_img, lc->tcp_hdrlen, lc->tcp_buflen, off, dst, len);
		return;
	}
	if (off + len > lc->tcp_hdrlen) {
		/* First transmission of a burst: now is its write time (one division per call). */
		uint64_t last = (off + len - 1 - lc->tcp_hdrlen) / lc->tcp_buflen;

		if (last >= f->bt_next) {
			uint64_t now = pg_clock_now_ns(&lc->clock, pg_rdtsc());

			for (; f->bt_next <= last; f->bt_next++)
				f->bt[f->bt_next & (PG_TCP_TRIP_RING - 1)] = now;
		}
	}
	pg_i2_tcp_fill_trip(lc->tcp_img, lc->tcp_hdrlen, lc->tcp_buflen, lc->tcp_start_ns, f->bt,
			    PG_TCP_TRIP_RING - 1, off, dst, len);
}

static void cli_acked(struct pg_tcp_conn *c, void *arg, uint64_t acked)
{
	struct pg_tcp_flow *f = arg;

	f->acked = acked;
	f->last_ns = pg_clock_now_ns(&f->lc->clock, pg_rdtsc());
	/* keep the engine fed while the test runs: release up to the lead past what is acked */
	if (f->state == PG_FLOW_RUN && !f->wait_ack && f->limit - acked < LEAD_MIN)
		cli_feed(f, c);
}

static void cli_recv(struct pg_tcp_conn *c, void *arg, const uint8_t *p, uint32_t len, uint64_t off)
{
	struct pg_tcp_flow *f = arg;
	uint32_t vu, vl;
	int rc;

	/* The server's CLIENTHDRACK: iperf 2.1.8's client reads it only with -X. */
	if (!f->wait_ack)
		return;
	while (len && off < sizeof(f->ackbuf) && off == f->ackgot) {
		f->ackbuf[f->ackgot++] = *p++;
		len--;
		off++;
	}
	rc = pg_i2_tcp_parse_ack(f->ackbuf, f->ackgot, &vu, &vl);
	if (rc < 0) {
		atomic_fetch_add_explicit(&f->lc->stats.rx_bad_hdr, 1, memory_order_relaxed);
		pg_tcp_abort(c);
		return;
	}
	if (rc > 0) {
		f->wait_ack = 0;
		cli_feed(f, c);
	}
}

static void cli_closed(struct pg_tcp_conn *c, void *arg, int err)
{
	struct pg_tcp_flow *f = arg;

	(void)c;
	f->err = err;
	f->c = NULL;
	f->state = PG_FLOW_END_PENDING;
}

static const struct pg_tcp_app_ops client_ops = {
	.connected = cli_connected,
	.recv = cli_recv,
	.fill = cli_fill,
	.acked = cli_acked,
	.closed = cli_closed,
};

/* --------------------------------------------------------------- server ---- */

static void srv_start(struct pg_tcp_flow *f, const struct pg_i2_tcp_info *info, uint64_t now_ns)
{
	struct pg_lcore *lc = f->lc;
	struct pg_msg m;

	pg_msg_init(&m, PG_MSG_FLOW_START, lc, f->id, f->gen, now_ns);
	memset(&m.u.start, 0, sizeof(m.u.start));
	pg_tcp_conn_peer(f->c, &m.u.start.peer_ip, &m.u.start.peer_port);
	m.u.start.local_ip = lc->port->info.ip4;
	m.u.start.local_port = lc->tcp_port;
	m.u.start.flags = info->flags;
	m.u.start.upper = info->upper;
	m.u.start.num_threads = info->num_threads;
	m.u.start.amount = info->amount;
	m.u.start.hdrlen = info->hdrlen;
	m.u.start.version_u = info->version_u;
	m.u.start.version_l = info->version_l;
	m.u.start.first_ns = f->first_ns;
	m.u.start.client_start_ns = info->start_ns;
	m.u.start.legacy = info->hdrlen == 0;
	m.u.start.trip_times = f->trip;
	m.u.start.unsupported = info->unsupported;
	while (!pg_post(lc, &m))
		__builtin_ia32_pause();
	f->started = 1;
}

/* Latency histograms (trip-times): the same exchange as the UDP server's, an empty one
 * from the local stash, a filled one to the reporter by pointer. */
static struct pg_hist *hist_get(struct pg_lcore *lc)
{
	if (!lc->nb_hfree && lc->hist_ret)
		lc->nb_hfree = pg_ring_dequeue_burst(lc->hist_ret, lc->hfree, 64);
	return lc->nb_hfree ? lc->hfree[--lc->nb_hfree] : NULL;
}

static int post_hist(struct pg_lcore *lc, struct pg_tcp_flow *f, uint64_t now_ns)
{
	struct pg_msg m;

	if (!f->hist || !pg_hist_count(f->hist))
		return 1;
	pg_msg_init(&m, PG_MSG_HIST, lc, f->id, f->gen, now_ns);
	m.u.hist = f->hist;
	if (!pg_post(lc, &m))
		return 0;
	f->hist = NULL;
	return 1;
}

static void swap_hist(struct pg_lcore *lc, struct pg_tcp_flow *f, uint64_t now_ns)
{
	struct pg_hist *fresh;

	if (f->hist && !pg_hist_count(f->hist))
		return;
	fresh = hist_get(lc);
	if (!fresh)
		return; /* keep recording into the current one */
	if (!post_hist(lc, f, now_ns)) {
		if (lc->nb_hfree < 64)
			lc->hfree[lc->nb_hfree++] = fresh;
		return;
	}
	f->hist = fresh;
}

/*
 * Trip-times bursts (iperf-wire.md 2.3), fed with the stream in order (a trip-times flow
 * is delivered in order): gather each burst's first 52 bytes, then count its body; when
 * its last byte is in, its one-way latency is now - its write time, as iperf 2.1.8's
 * server measures it.
 */
static void burst_rx(struct pg_tcp_flow *f, const uint8_t *p, uint32_t len, uint64_t off)
{
	if (off != f->bexp) {
		f->trip = 0; /* cannot happen in order; stop timing rather than guess */
		return;
	}
	f->bexp = off + len;
	while (len) {
		uint32_t n;

		if (f->bgot < PG_I2_TCP_BURST_PARSE) {
			struct pg_i2_tcp_burst b;

			n = PG_I2_TCP_BURST_PARSE - f->bgot;
			n = n < len ? n : len;
			memcpy(f->bhdr + f->bgot, p, n);
			f->bgot += n;
			if (f->bgot == PG_I2_TCP_BURST_PARSE) {
				if (pg_i2_tcp_parse_burst(f->bhdr, f->bgot, &b)) {
					atomic_fetch_add_explicit(&f->lc->stats.rx_bad_hdr, 1,
								  memory_order_relaxed);
					f->trip = 0;
					return;
				}
				f->bend = f->bpos + b.size;
				f->bwrite_ns = b.write_ns;
			}
		} else {
			uint64_t left = f->bend - off;

			n = left < len ? (uint32_t)left : len;
			if (off + n == f->bend) {
				int64_t lat = (int64_t)(f->last_ns - f->bwrite_ns);
				const struct pg_latclock *lk = f->lc->latclk;

				/* --ptp: our offset (the TCP header has no room for the sender's) */
				if (lk && lk->mode == PG_SYNC_PTP)
					lat -= atomic_load_explicit(&lk->offset_ns, memory_order_relaxed);
				if (f->hist)
					pg_hist_record(f->hist, lat > 0 ? (uint64_t)lat : 0);
				f->bpos = f->bend;
				f->bgot = 0;
			}
		}
		p += n;
		off += n;
		len -= n;
	}
}

static const struct pg_tcp_app_ops server_ops;

static int srv_connected(struct pg_tcp_conn *c, void *arg)
{
	struct pg_lcore *lc = arg;
	unsigned int s;

	for (s = 0; s < PG_SERVER_SLOTS; s++) {
		struct pg_tcp_flow *f = &lc->tflows[s];

		if (f->state != PG_FLOW_FREE)
			continue;
		uint32_t gen = f->gen + 1;

		memset(f, 0, sizeof(*f));
		f->c = c;
		f->lc = lc;
		f->id = (uint16_t)s;
		f->gen = gen;
		f->state = PG_FLOW_RUN;
		f->hneed = 4;
		f->first_ns = f->last_ns = pg_clock_now_ns(&lc->clock, pg_rdtsc());
		pg_tcp_conn_set_app(c, &server_ops, f);
		/* the header must arrive in order; the rest is only counted */
		pg_tcp_set_rcv_inorder(c, sizeof(f->hbuf));
		pg_tcp_attach_sndbuf(c, f->sndbuf, sizeof(f->sndbuf));
		return 0;
	}
	atomic_fetch_add_explicit(&lc->stats.rx_table_full, 1, memory_order_relaxed);
	return -1; /* refused with a RST */
}

static void srv_recv(struct pg_tcp_conn *c, void *arg, const uint8_t *p, uint32_t len, uint64_t off)
{
	struct pg_tcp_flow *f = arg;

	f->rx_bytes += len;
	f->last_ns = pg_clock_now_ns(&f->lc->clock, pg_rdtsc());
	if (f->started) {
		if (f->trip)
			burst_rx(f, p, len, off);
		return;
	}
	if (off >= sizeof(f->hbuf))
		goto maybe_start;
	while (len && f->hgot < f->hneed && off == f->hgot) {
		f->hbuf[f->hgot++] = *p++;
		len--;
		off++;
		if (f->hgot == 4) {
			int need = pg_i2_tcp_hdrlen(f->hbuf);

			f->hneed = need < 4 ? 4 : (uint32_t)need;
		}
	}
maybe_start:
	if (!f->started && (f->hgot >= f->hneed || f->rx_bytes >= sizeof(f->hbuf))) {
		struct pg_i2_tcp_info info;

		if (pg_i2_tcp_parse_hdr(f->hbuf, f->hgot, &info)) {
			atomic_fetch_add_explicit(&f->lc->stats.rx_bad_hdr, 1, memory_order_relaxed);
			memset(&info, 0, sizeof(info));
			info.num_threads = 1;
		}
		if (info.trip_times && f->lc->hist_ret) {
			/* Time the bursts: the rest of the stream in order (out-of-order segments
			 * are dropped and resent by the peer instead of being counted at once). */
			f->trip = 1;
			f->bpos = f->bexp = info.hdrlen;
			f->hist = hist_get(f->lc);
			pg_tcp_set_rcv_inorder(c, UINT64_MAX);
		}
		if (info.send_ack) {
			uint8_t ack[PG_I2_TCP_ACK_LEN_TRIP];
			uint32_t n = info.trip_times ?
					     pg_i2_tcp_server_ack_trip(ack, info.start_ns, f->first_ns,
									f->last_ns) :
					     pg_i2_tcp_server_ack(ack);

			pg_tcp_write(c, ack, n);
		}
		srv_start(f, &info, f->first_ns);
		if (f->trip && len)
			burst_rx(f, p, len, off);
	}
}

static void srv_eof(struct pg_tcp_conn *c, void *arg)
{
	(void)arg;
	pg_tcp_close(c); /* the client shut down its side: the test is over */
}

static void srv_closed(struct pg_tcp_conn *c, void *arg, int err)
{
	struct pg_tcp_flow *f = arg;

	(void)c;
	if (!f)
		return;
	f->err = err;
	f->c = NULL;
	if (!f->started) {
		struct pg_i2_tcp_info info;

		memset(&info, 0, sizeof(info));
		info.num_threads = 1;
		srv_start(f, &info, f->first_ns);
	}
	f->state = PG_FLOW_END_PENDING;
}

static const struct pg_tcp_app_ops server_ops = {
	.recv = srv_recv,
	.eof = srv_eof,
	.closed = srv_closed,
};

/* A finished server flow: its last latencies, then its end (the reporter prints then);
 * the slot is free once both went. */
static void srv_end(struct pg_lcore *lc, struct pg_tcp_flow *f)
{
	if (!post_hist(lc, f, f->last_ns))
		return; /* ring full: next turn */
	post_delta(lc, f, f->last_ns, PG_MSG_FLOW_END, 1);
	if (f->state == PG_FLOW_DONE) {
		if (f->hist && lc->nb_hfree < 64)
			lc->hfree[lc->nb_hfree++] = f->hist;
		f->hist = NULL;
		f->state = PG_FLOW_FREE;
	}
}

/* Until srv_connected adopts a connection it has no flow: only the handshake callback. */
static const struct pg_tcp_app_ops listen_ops = {
	.connected = srv_connected,
};

/* ----------------------------------------------------------------- loop ---- */

static void rx_frame(struct pg_lcore *lc, const uint8_t *data, uint32_t len, uint64_t now_ns,
		     const struct pg_pkt *orig)
{
	int rc = pg_tcp_input(lc->tcp, data, len, now_ns);

	if (rc == -ENOENT) {
		if (orig && lc->port->ops->rx_other)
			lc->port->ops->rx_other(lc->q, orig);
		else
			atomic_fetch_add_explicit(&lc->stats.rx_not_ours, 1, memory_order_relaxed);
	} else if (rc < 0) {
		atomic_fetch_add_explicit(&lc->stats.rx_bad_frame, 1, memory_order_relaxed);
	}
}

/* Frames of TCP connections owned by another lcore go there (redirect.h). */
static int redirect_tcp(struct pg_lcore *lc, const struct pg_pkt *pkt)
{
	unsigned int o = pg_redirect_route(lc->redir, lc->idx, pkt, 0);

	if (o == PG_REDIR_NONE)
		return 0;
	if (pg_redirect_push(lc->redir, lc->idx, o, pkt))
		atomic_fetch_add_explicit(&lc->stats.rx_redirected, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&lc->stats.rx_redirect_full, 1, memory_order_relaxed);
	return 1;
}

/* What the lcore's TCP engine has to send, in bursts of TX frames (both TCP loops). */
unsigned int pg_tcp_tx_pump(struct pg_lcore *lc, uint64_t now_ns)
{
	const struct pg_port_ops *ops = lc->port->ops;
	struct pg_pkt pk[PG_PORT_BURST];
	struct pg_tcp_txbuf tb[PG_PORT_BURST];
	unsigned int got, n, sent, i, total = 0;

	do {
		got = ops->tx_alloc(lc->q, pk, PG_PORT_BURST);
		if (!got)
			break;
		for (i = 0; i < got; i++) {
			tb[i].buf = pk[i].data;
			tb[i].cap = (uint16_t)(lc->port->info.frame_size > 65535 ? 65535 : lc->port->info.frame_size);
			tb[i].len = 0;
		}
		n = pg_tcp_output(lc->tcp, now_ns, tb, got);
		for (i = 0; i < n; i++)
			pk[i].len = tb[i].len;
		sent = n ? ops->tx_burst(lc->q, pk, n) : 0;
		if (lc->cap)
			for (i = 0; i < sent; i++)
				pg_capture_frame(lc->cap, lc->idx, pk[i].data, pk[i].len, now_ns,
						 PG_PCAPNG_DIR_OUT);
		if (sent < got)
			ops->tx_free(lc->q, &pk[sent], got - sent);
		/* frames the engine built but the ring refused are lost: the engine retransmits */
		if (sent < n)
			atomic_fetch_add_explicit(&lc->stats.tx_full, n - sent, memory_order_relaxed);
		total += sent;
	} while (n == got && sent == n);
	return total;
}

static void *tcp_loop(struct pg_lcore *lc, int server)
{
	const struct pg_port_ops *ops = lc->port->ops;
	const struct pg_tsc *tsc = lc->tsc;
	struct pg_pkt rx[PG_PORT_BURST];
	struct pg_backoff bo = { 0, 0 };
	uint64_t now = pg_rdtsc();
	uint64_t tick = pg_ns_to_tsc(tsc, PG_TICK_NS), next_tick = now + tick;
	uint64_t next_anchor = now + pg_ns_to_tsc(tsc, PG_REANCHOR_NS);
	unsigned int i, n, active = server ? 0 : lc->nb_cflows;
	int stopping = 0;

	pg_clock_anchor(&lc->clock, tsc);
	if (!server)
		for (i = 0; i < lc->nb_cflows; i++) {
			struct pg_tcp_flow *f = &lc->tflows[i];

			f->start_tsc = now + pg_ns_to_tsc(tsc, STAGGER_NS * f->id);
			if (f->end_tsc)
				f->end_tsc += f->start_tsc;
		}
	for (;;) {
		uint64_t now_ns;
		unsigned int work = 0, was_active = active;

		now = pg_rdtsc();
		now_ns = pg_clock_now_ns(&lc->clock, now);
		if (server) {
			if (atomic_load_explicit(lc->stop, memory_order_relaxed))
				break;
		} else {
			int stop = atomic_load_explicit(lc->stop, memory_order_relaxed);

			if (!active && !(lc->flows_left && atomic_load_explicit(lc->flows_left,
										memory_order_acquire)))
				break;
			if (stop && !stopping)
				stopping = 1;
			if (stop > 1)
				stopping = 2;
		}

		n = ops->rx_burst(lc->q, rx, PG_PORT_BURST);
		for (i = 0; i < n; i++) {
			if (lc->cap)
				pg_capture_frame(lc->cap, lc->idx, rx[i].data, rx[i].len, now_ns,
						 PG_PCAPNG_DIR_IN);
			if (lc->redir && redirect_tcp(lc, &rx[i]))
				continue;
			rx_frame(lc, rx[i].data, rx[i].len, now_ns, &rx[i]);
		}
		if (n) {
			ops->rx_done(lc->q, rx, n);
			atomic_fetch_add_explicit(&lc->stats.rx_frames, n, memory_order_relaxed);
			work += n;
		}
		if (lc->redir) {
			struct pg_redir_frame in[8];
			unsigned int from, k, m;

			for (from = 0; from < lc->redir->nb; from++) {
				if (from == lc->idx)
					continue;
				m = pg_redirect_pull(lc->redir, from, lc->idx, in, 8);
				for (k = 0; k < m; k++)
					rx_frame(lc, in[k].data, in[k].len, now_ns, NULL);
				work += m;
			}
		}

		if (!server) {
			for (i = 0; i < lc->nb_cflows; i++) {
				struct pg_tcp_flow *f = &lc->tflows[i];

				if (f->state == PG_FLOW_RUN && !f->c && now >= f->start_tsc && !stopping) {
					f->c = pg_tcp_connect(lc->tcp, lc->peer_ip, lc->peer_mac, f->dport,
							      f->sport, &client_ops, f, now_ns);
					if (!f->c) {
						f->err = -errno;
						f->state = PG_FLOW_END_PENDING;
					}
				} else if (f->state == PG_FLOW_RUN && !f->c && stopping) {
					f->state = PG_FLOW_END_PENDING;
				} else if (f->state == PG_FLOW_RUN && f->c &&
					   ((f->end_tsc && now >= f->end_tsc) || stopping)) {
					pg_tcp_close(f->c);
					f->state = PG_FLOW_FIN;
				} else if (f->state == PG_FLOW_RUN && f->c && f->pace.q && !f->wait_ack &&
					   f->limit - f->acked < LEAD_MIN) {
					cli_feed(f, f->c); /* -b: release on time, acked or not */
				} else if (f->state == PG_FLOW_FIN && f->c && stopping == 2) {
					pg_tcp_abort(f->c); /* a second Ctrl-C */
				}
				if (f->state == PG_FLOW_END_PENDING) {
					post_delta(lc, f, f->last_ns ? f->last_ns : now_ns, PG_MSG_FLOW_END, 0);
					if (f->state == PG_FLOW_DONE)
						active--;
				}
			}
		} else {
			for (i = 0; i < PG_SERVER_SLOTS; i++) {
				struct pg_tcp_flow *f = &lc->tflows[i];

				if (f->state == PG_FLOW_END_PENDING)
					srv_end(lc, f);
			}
		}

		work += pg_tcp_tx_pump(lc, now_ns);

		if (now >= next_tick) {
			unsigned int nb = server ? PG_SERVER_SLOTS : lc->nb_cflows;

			for (i = 0; i < nb; i++) {
				struct pg_tcp_flow *f = &lc->tflows[i];

				if ((f->state == PG_FLOW_RUN || f->state == PG_FLOW_FIN) && (!server || f->started)) {
					post_delta(lc, f, f->last_ns ? f->last_ns : now_ns, PG_MSG_FLOW_DELTA,
						   server);
					if (server && f->hist)
						swap_hist(lc, f, f->last_ns);
				}
			}
			next_tick = now + tick;
			if (now >= next_anchor) {
				pg_clock_reanchor(&lc->clock, tsc);
				next_anchor = now + pg_ns_to_tsc(tsc, PG_REANCHOR_NS);
			}
		}
		if (lc->flows_left && active != was_active)
			atomic_fetch_sub_explicit(lc->flows_left, was_active - active, memory_order_release);
		if (work) {
			pg_backoff_busy(&bo);
		} else {
			uint64_t dl = pg_tcp_next_deadline(lc->tcp), sl = 50000;

			if (dl != UINT64_MAX)
				sl = dl > now_ns ? (dl - now_ns < sl ? dl - now_ns : sl) : 0;
			pg_backoff_idle(&bo, lc->idle, sl, &lc->stats);
		}
	}
	{
		struct pg_msg m;

		pg_msg_init(&m, PG_MSG_LCORE_DONE, lc, 0, 0, pg_clock_now_ns(&lc->clock, pg_rdtsc()));
		while (!pg_post(lc, &m))
			pg_backoff_idle(&bo, PG_IDLE_BACKOFF, 100000, &lc->stats);
	}
	atomic_store(&lc->done, 1);
	return NULL;
}

void *pg_tcp_client_main(void *arg)
{
	return tcp_loop(arg, 0);
}

void *pg_tcp_server_main(void *arg)
{
	struct pg_lcore *lc = arg;

	if (pg_tcp_listen(lc->tcp, lc->tcp_port, &listen_ops, lc)) {
		atomic_store(&lc->done, 1);
		return NULL;
	}
	return tcp_loop(lc, 1);
}

int pg_tcp_iperf2_listen(struct pg_lcore *lc)
{
	return pg_tcp_listen(lc->tcp, lc->tcp_port, &listen_ops, lc);
}

void pg_tcp_iperf2_server_poll(struct pg_lcore *lc, uint64_t now_ns, int tick)
{
	unsigned int i;

	for (i = 0; i < PG_SERVER_SLOTS; i++) {
		struct pg_tcp_flow *f = &lc->tflows[i];

		if (f->state == PG_FLOW_END_PENDING) {
			srv_end(lc, f);
		} else if (tick && (f->state == PG_FLOW_RUN || f->state == PG_FLOW_FIN) && f->started) {
			post_delta(lc, f, f->last_ns ? f->last_ns : now_ns, PG_MSG_FLOW_DELTA, 1);
			if (f->hist)
				swap_hist(lc, f, f->last_ns); /* trip-times bursts */
		}
	}
}

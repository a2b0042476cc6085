/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * perfgen analyze, TCP part: every TCP connection to the server ports in a capture is
 * followed passively (src/proto/tcp_track.h), both directions: unique stream bytes,
 * retransmissions, the stream's first bytes. What the connection is follows from those:
 *   - an iperf3 cookie first: the first connection with a cookie is the test's control
 *     connection (its params JSON says -P and -R), later ones with the same cookie are its
 *     data streams; their bytes after the cookie (or, with -R, the server's bytes) are the
 *     stream's, as iperf3's server counts them;
 *   - otherwise iperf2: the client header, then everything is the stream's, header included
 *     (iperf 2.1.8 counts all stream bytes).
 * With udp_mode, iperf3 UDP streams instead: datagrams to the iperf3 port after the connect
 * datagram, accounted as iperf3's server does (pg_iperf3_udp_rx_update; 64-bit counters
 * recognised from the first datagram), grouped by the control connection of the client.
 * The figures go to the reporter as the live TCP server's do (FLOW_START, deltas stamped
 * with capture time on the capture's ticks, FLOW_END at FIN/RST or at the end of the
 * capture), so the report is the one `perfgen -s` prints. Runs on the analysis thread over
 * port_pcap; offline, so waiting for the reporter is fine.
 */
#include "dataplane_priv.h"
#include "frame.h"
#include "iperf2_tcp.h"
#include "iperf3.h"
#include "tcp_track.h"

#include <arpa/inet.h>
#include <stdlib.h>

enum passive_kind { K_UNKNOWN = 0, K_IPERF2, K_I3_CTRL, K_I3_DATA };

struct pg_passive_flow {
	uint8_t state;           /* enum pg_flow_state */
	uint8_t is_udp;          /* an iperf3 UDP stream (udp_mode) */
	uint8_t c64;             /* its 64-bit counters */
	uint8_t started;         /* FLOW_START posted */
	uint8_t kind;            /* enum passive_kind */
	uint8_t reverse;         /* iperf3 -R: the server sends */
	uint16_t cport, sport;   /* client's and server's ports (host order) */
	uint32_t caddr, saddr;   /* BE */
	uint32_t gen;
	uint64_t first_ns, last_ns;
	uint64_t posted_bytes;
	uint32_t posted_retrans;
	struct pg_tcp_track t;   /* client -> server */
	struct pg_tcp_track r;   /* server -> client (r.started once seen) */
	struct pg_iperf3_udp_rx ur; /* is_udp */
	uint64_t posted_pkts, posted_gaps, posted_ooo;
};

struct pg_passive {
	uint16_t ports[2];       /* iperf2's and iperf3's (may be the same: content decides) */
	uint8_t udp_mode;        /* report iperf3 UDP streams (TCP ones are only followed) */
	struct pg_passive_flow f[PG_SERVER_SLOTS];
};

void *pg_tcp_passive_alloc(uint16_t iperf2_port, uint16_t iperf3_port, int udp_mode)
{
	struct pg_passive *p = calloc(1, sizeof(*p));

	if (p) {
		p->ports[0] = iperf2_port;
		p->ports[1] = iperf3_port;
		p->udp_mode = (uint8_t)!!udp_mode;
	}
	return p;
}

static int is_server_port(const struct pg_passive *p, uint16_t port)
{
	return port == p->ports[0] || port == p->ports[1];
}

/* The direction that carries the test's data, and the bytes of it that are the stream's. */
static const struct pg_tcp_track *data_dir(const struct pg_passive_flow *f)
{
	return f->reverse ? &f->r : &f->t;
}

static uint64_t data_bytes(const struct pg_passive_flow *f)
{
	if (f->is_udp)
		return f->ur.bytes;
	if (f->kind == K_I3_DATA && !f->reverse)
		return f->t.bytes > PG_IPERF3_COOKIE_LEN ? f->t.bytes - PG_IPERF3_COOKIE_LEN : 0;
	return data_dir(f)->bytes;
}

/*
 * An integer or boolean value of "key" in the params JSON at the start of a control
 * connection's stream (after the cookie and the 4-byte length); the head may be cut by the
 * snap length, then the default stands. A scan, not a parse: iperf3 writes compact JSON.
 */
static long param_of(const struct pg_passive_flow *ctl, const char *key, long dflt)
{
	const uint8_t *h = ctl->t.head + PG_IPERF3_COOKIE_LEN + 4;
	uint32_t n = ctl->t.head_len > PG_IPERF3_COOKIE_LEN + 4 ? ctl->t.head_len - PG_IPERF3_COOKIE_LEN - 4 : 0;
	size_t kl = strlen(key);
	uint32_t i;

	for (i = 0; i + kl + 3 < n; i++) {
		const uint8_t *v;
		long x = 0;

		if (h[i] != '"' || memcmp(h + i + 1, key, kl) || h[i + 1 + kl] != '"' || h[i + 2 + kl] != ':')
			continue;
		v = h + i + 3 + kl;
		if (v + 4 <= h + n && !memcmp(v, "true", 4))
			return 1;
		if (v + 5 <= h + n && !memcmp(v, "false", 5))
			return 0;
		while (v < h + n && *v >= '0' && *v <= '9' && x < 1000000)
			x = x * 10 + (*v++ - '0');
		return v < h + n ? x : dflt; /* a number cut by the snap length: not known */
	}
	return dflt;
}

static struct pg_passive_flow *control_of(struct pg_passive *p, const struct pg_passive_flow *f)
{
	unsigned int s;

	for (s = 0; s < PG_SERVER_SLOTS; s++) {
		struct pg_passive_flow *c = &p->f[s];

		if (c != f && c->kind == K_I3_CTRL && c->state != PG_FLOW_FREE &&
		    !memcmp(c->t.head, f->t.head, PG_IPERF3_COOKIE_LEN))
			return c;
	}
	return NULL;
}

/* The newest live iperf3 control connection of a client (its UDP streams' test). */
static struct pg_passive_flow *control_of_client(struct pg_passive *p, uint32_t caddr)
{
	struct pg_passive_flow *best = NULL;
	unsigned int s;

	for (s = 0; s < PG_SERVER_SLOTS; s++) {
		struct pg_passive_flow *c = &p->f[s];

		if (c->kind == K_I3_CTRL && c->state == PG_FLOW_RUN && c->caddr == caddr &&
		    (!best || c->first_ns > best->first_ns))
			best = c;
	}
	return best;
}

/* Decides what the connection is once its first bytes are in; 0 while undecided. */
static int classify(struct pg_passive *p, struct pg_passive_flow *f)
{
	struct pg_passive_flow *ctl;

	if (f->kind != K_UNKNOWN)
		return 1;
	if (f->t.head_len < PG_IPERF3_COOKIE_LEN && f->t.bytes < PG_TCP_TRACK_HEAD && !f->t.fin && !f->t.rst)
		return 0;
	if (f->t.head_len < PG_IPERF3_COOKIE_LEN || !pg_iperf3_cookie_valid(f->t.head)) {
		f->kind = K_IPERF2;
		return 1;
	}
	ctl = control_of(p, f);
	if (!ctl) {
		f->kind = K_I3_CTRL;
		return 1;
	}
	f->kind = K_I3_DATA;
	f->reverse = param_of(ctl, "reverse", 0) != 0;
	return 1;
}

static void post_start(struct pg_lcore *lc, struct pg_passive *p, struct pg_passive_flow *f, unsigned int slot)
{
	struct pg_i2_tcp_info info;
	struct pg_msg m;

	memset(&info, 0, sizeof(info));
	info.num_threads = 1;
	if (f->kind == K_IPERF2) {
		int need = f->t.head_len >= 4 ? pg_i2_tcp_hdrlen(f->t.head) : -1;

		if (need < 4 || (uint32_t)need > f->t.head_len ||
		    pg_i2_tcp_parse_hdr(f->t.head, f->t.head_len, &info)) {
			if (need >= 4)
				atomic_fetch_add_explicit(&lc->stats.rx_bad_hdr, 1, memory_order_relaxed);
			memset(&info, 0, sizeof(info));
			info.num_threads = 1;
		}
	} else {
		const struct pg_passive_flow *ctl = f->is_udp ? control_of_client(p, f->caddr) : control_of(p, f);

		info.num_threads = ctl ? (uint32_t)param_of(ctl, "parallel", 1) : 1;
		if (!info.num_threads)
			info.num_threads = 1;
	}
	pg_msg_init(&m, PG_MSG_FLOW_START, lc, (uint16_t)slot, f->gen, f->first_ns);
	memset(&m.u.start, 0, sizeof(m.u.start));
	m.u.start.peer_ip = f->caddr;
	m.u.start.peer_port = f->cport;
	m.u.start.local_ip = f->saddr;
	m.u.start.local_port = f->sport;
	m.u.start.flags = info.flags;
	m.u.start.upper = info.upper;
	m.u.start.num_threads = info.num_threads ? info.num_threads : 1;
	m.u.start.amount = info.amount;
	m.u.start.hdrlen = info.hdrlen;
	m.u.start.version_u = info.version_u;
	m.u.start.version_l = info.version_l;
	m.u.start.first_ns = f->first_ns;
	m.u.start.client_start_ns = info.start_ns;
	m.u.start.legacy = f->kind == K_IPERF2 && info.hdrlen == 0;
	m.u.start.unsupported = info.unsupported;
	while (!pg_post(lc, &m))
		__builtin_ia32_pause();
	f->started = 1;
}

static void post_delta(struct pg_lcore *lc, struct pg_passive *p, struct pg_passive_flow *f,
		       unsigned int slot, uint8_t type)
{
	struct pg_msg m;
	struct pg_msg_counters *c = type == PG_MSG_FLOW_END ? &m.u.end.c : &m.u.delta;
	uint64_t bytes = data_bytes(f);
	uint32_t retrans = data_dir(f)->retrans_segs;

	if (f->is_udp && !f->started) { /* a connect datagram and nothing after it */
		if (type == PG_MSG_FLOW_END)
			f->state = PG_FLOW_DONE;
		return;
	}

	if (f->kind == K_I3_CTRL || f->kind == K_UNKNOWN || p->udp_mode != f->is_udp) {
		if (type != PG_MSG_FLOW_END) /* not a stream of this pass's report */
			return;
		f->state = PG_FLOW_DONE;
		if (f->kind == K_I3_CTRL && p->udp_mode) /* the test is over: so are its UDP streams */
			for (slot = 0; slot < PG_SERVER_SLOTS; slot++)
				if (p->f[slot].is_udp && p->f[slot].state == PG_FLOW_RUN &&
				    p->f[slot].caddr == f->caddr)
					post_delta(lc, p, &p->f[slot], slot, PG_MSG_FLOW_END);
		return;
	}
	if (!f->started)
		post_start(lc, p, f, slot);
	pg_msg_init(&m, type, lc, (uint16_t)slot, f->gen, f->last_ns);
	memset(&m.u, 0, sizeof(m.u));
	c->rx_bytes = bytes - f->posted_bytes;
	c->rx_pkts = c->rx_bytes ? 1 : 0;
	c->retrans = retrans - f->posted_retrans;
	if (f->is_udp) { /* iperf3's receiver figures in the iperf2 server's terms */
		uint64_t gaps = (uint64_t)(f->ur.cnt_error > 0 ? f->ur.cnt_error : 0) + f->ur.outoforder;

		c->rx_pkts = f->ur.datagrams - f->posted_pkts;
		c->gaps = gaps - f->posted_gaps;
		c->outorder = f->ur.outoforder - f->posted_ooo;
		c->jitter_x16 = (int64_t)(f->ur.jitter * 16e9);
		c->last_id = (int64_t)f->ur.packet_count;
		f->posted_pkts = f->ur.datagrams;
		f->posted_gaps = gaps;
		f->posted_ooo = f->ur.outoforder;
	}
	if (type == PG_MSG_FLOW_END) {
		m.u.end.first_ns = f->first_ns;
		m.u.end.last_ns = f->last_ns;
		m.u.end.last_id = c->last_id;
	}
	while (!pg_post(lc, &m))
		__builtin_ia32_pause(); /* offline: waiting for the reporter costs nothing */
	f->posted_bytes = bytes;
	f->posted_retrans = retrans;
	if (type == PG_MSG_FLOW_END)
		f->state = PG_FLOW_DONE;
}

/* The flow of (client, server) in any state but free; NULL when none. */
static struct pg_passive_flow *find(struct pg_passive *p, int udp, uint32_t caddr, uint16_t cport,
				   uint32_t saddr, uint16_t sport, unsigned int *slot, int live_only)
{
	unsigned int s;

	for (s = 0; s < PG_SERVER_SLOTS; s++) {
		struct pg_passive_flow *f = &p->f[s];

		if (f->state == PG_FLOW_FREE || (live_only && f->state != PG_FLOW_RUN))
			continue;
		if (f->cport == cport && f->caddr == caddr && f->saddr == saddr && f->sport == sport &&
		    f->is_udp == udp) {
			*slot = s;
			return f;
		}
	}
	return NULL;
}

/*
 * A free slot, else the oldest finished one (its report has been posted); finished iperf3
 * control connections go last, their cookie may still name data streams to come.
 */
static struct pg_passive_flow *slot_new(struct pg_passive *p, unsigned int *slot)
{
	unsigned int s, best = PG_SERVER_SLOTS;
	int pass;

	for (pass = 0; pass < 2 && best == PG_SERVER_SLOTS; pass++)
		for (s = 0; s < PG_SERVER_SLOTS; s++) {
			const struct pg_passive_flow *f = &p->f[s];

			if (f->state == PG_FLOW_FREE) {
				*slot = s;
				return &p->f[s];
			}
			if (f->state == PG_FLOW_DONE && (pass || f->kind != K_I3_CTRL) &&
			    (best == PG_SERVER_SLOTS || f->last_ns < p->f[best].last_ns))
				best = s;
		}
	if (best == PG_SERVER_SLOTS)
		return NULL;
	*slot = best;
	return &p->f[best];
}

/* A new flow for (client, server) from t_ns on; NULL (counted) when the table is full. */
static struct pg_passive_flow *flow_new(struct pg_lcore *lc, struct pg_passive *p, uint32_t caddr,
					uint16_t cport, uint32_t saddr, uint16_t sport, uint64_t t_ns,
					unsigned int *slot)
{
	struct pg_passive_flow *f = slot_new(p, slot);
	uint32_t gen;

	if (!f) {
		atomic_fetch_add_explicit(&lc->stats.rx_table_full, 1, memory_order_relaxed);
		return NULL;
	}
	gen = f->gen + 1;
	memset(f, 0, sizeof(*f));
	f->gen = gen;
	f->state = PG_FLOW_RUN;
	f->caddr = caddr;
	f->cport = cport;
	f->saddr = saddr;
	f->sport = sport;
	f->first_ns = t_ns;
	return f;
}

/* An iperf3 UDP datagram to the server port (udp_mode). */
static void udp_datagram(struct pg_lcore *lc, struct pg_passive *p, const struct pg_frame *fr, uint64_t t_ns)
{
	struct pg_iperf3_udp_hdr h;
	struct pg_passive_flow *f;
	unsigned int slot;

	if (fr->dport != p->ports[1]) { /* the connect reply, other traffic */
		atomic_fetch_add_explicit(&lc->stats.rx_not_ours, 1, memory_order_relaxed);
		return;
	}
	f = find(p, 1, fr->saddr, fr->sport, fr->daddr, fr->dport, &slot, 1);
	if (!f) {
		/* the connect datagram opens a stream (or data, when the capture began later) */
		if (fr->payload_len != PG_IPERF3_UDP_CONNECT_LEN && fr->payload_len < PG_IPERF3_UDP_HDR_LEN)
			return;
		f = flow_new(lc, p, fr->saddr, fr->sport, fr->daddr, fr->dport, t_ns, &slot);
		if (!f)
			return;
		f->is_udp = 1;
		f->kind = K_I3_DATA;
		pg_iperf3_udp_rx_init(&f->ur);
	}
	if (fr->payload_len < PG_IPERF3_UDP_HDR_LEN)
		return; /* the connect datagram, or a runt */
	if (!f->started) {
		/* 64-bit counters: the first datagram's 32-bit sequence word reads 0 */
		f->c64 = fr->payload_len >= PG_IPERF3_UDP_HDR64_LEN && !fr->payload[8] && !fr->payload[9] &&
			 !fr->payload[10] && !fr->payload[11];
		f->first_ns = t_ns;
		post_start(lc, p, f, slot);
	}
	if (pg_iperf3_udp_parse(fr->payload, fr->payload_len, f->c64, &h))
		return;
	pg_iperf3_udp_rx_update(&f->ur, &h, fr->wire_payload_len, t_ns);
	f->last_ns = t_ns;
}

static int finished(const struct pg_passive_flow *f)
{
	const struct pg_tcp_track *d = data_dir(f);

	if (f->is_udp)
		return 0; /* iperf3 UDP streams end with the test (or the capture) */
	return f->t.rst || f->r.rst || (d->fin && d->bytes >= d->fin_off);
}

static void segment(struct pg_lcore *lc, struct pg_passive *p, const struct pg_pkt *pkt, uint64_t t_ns)
{
	struct pg_frame fr;
	const uint8_t *th;
	unsigned int slot, fl;
	struct pg_passive_flow *f;
	uint32_t seq;
	int to_server;

	if (pg_frame_classify(pkt->data, pkt->len, 0, !(pkt->flags & PG_PKT_F_TRUNCATED), &fr) != PG_FRAME_OK ||
	    (fr.proto != PG_IPPROTO_TCP && !(p->udp_mode && fr.proto == PG_IPPROTO_UDP))) {
		atomic_fetch_add_explicit(&lc->stats.rx_not_ours, 1, memory_order_relaxed);
		return;
	}
	if (fr.proto == PG_IPPROTO_UDP) {
		udp_datagram(lc, p, &fr, t_ns);
		return;
	}
	to_server = is_server_port(p, fr.dport);
	if (!to_server && !is_server_port(p, fr.sport)) {
		atomic_fetch_add_explicit(&lc->stats.rx_not_ours, 1, memory_order_relaxed);
		return;
	}
	th = pkt->data + fr.l4_off;
	seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7];
	fl = th[13] & (PG_TCP_F_FIN | PG_TCP_F_SYN | PG_TCP_F_RST); /* TCP's own bit positions */
	if (!to_server) { /* the server's direction: ACKs, CLIENTHDRACK, iperf3 states, -R data */
		f = find(p, 0, fr.daddr, fr.dport, fr.saddr, fr.sport, &slot, 1);
		if (!f)
			return;
		if (!f->r.started)
			pg_tcp_track_init(&f->r, seq, fl);
		pg_tcp_track_seg(&f->r, seq, fl, fr.payload, fr.payload_len, fr.wire_payload_len);
		f->last_ns = t_ns;
	} else {
		f = find(p, 0, fr.saddr, fr.sport, fr.daddr, fr.dport, &slot, 1);
		if (!f) {
			/* a connection starts with its SYN or (capture begun mid-stream) with data;
			 * the end of one we did not see, or its last ACK, starts nothing */
			if ((fl & (PG_TCP_F_RST | PG_TCP_F_FIN)) || (!(fl & PG_TCP_F_SYN) && !fr.wire_payload_len))
				return;
			f = flow_new(lc, p, fr.saddr, fr.sport, fr.daddr, fr.dport, t_ns, &slot);
			if (!f)
				return;
			pg_tcp_track_init(&f->t, seq, fl);
		}
		f->last_ns = t_ns;
		pg_tcp_track_seg(&f->t, seq, fl, fr.payload, fr.payload_len, fr.wire_payload_len);
	}
	if (!classify(p, f))
		return;
	/* udp_mode: TCP connections are followed only for the control connections */
	if (!p->udp_mode && !f->started && f->kind == K_IPERF2 &&
	    (f->t.head_len >= PG_TCP_TRACK_HEAD || f->t.bytes >= PG_TCP_TRACK_HEAD ||
	     (f->t.head_len >= 4 && pg_i2_tcp_hdrlen(f->t.head) >= 4 &&
	      f->t.head_len >= (uint32_t)pg_i2_tcp_hdrlen(f->t.head))))
		post_start(lc, p, f, slot);
	else if (!p->udp_mode && !f->started && f->kind == K_I3_DATA)
		post_start(lc, p, f, slot);
	if (finished(f))
		post_delta(lc, p, f, slot, PG_MSG_FLOW_END);
}

/*
 * Each time the capture's clock passes a tick boundary (before the frame stamped t is
 * counted): a delta for every flow that moved, stamped with its last segment, so -i
 * intervals split the stream where the capture does; then tell the reporter how far the
 * capture has been read.
 */
static void capture_tick(struct pg_lcore *lc, struct pg_passive *p, uint64_t t, uint64_t *next)
{
	unsigned int s;

	if (t < *next)
		return;
	if (*next)
		for (s = 0; s < PG_SERVER_SLOTS; s++) {
			struct pg_passive_flow *f = &p->f[s];

			if (f->state == PG_FLOW_RUN && f->started &&
			    (data_bytes(f) != f->posted_bytes || data_dir(f)->retrans_segs != f->posted_retrans ||
			     (f->is_udp && f->ur.datagrams != f->posted_pkts)))
				post_delta(lc, p, f, s, PG_MSG_FLOW_DELTA);
		}
	*next = t - t % PG_TICK_NS + PG_TICK_NS;
	atomic_store_explicit(&lc->offline_now_ns, t, memory_order_release);
}

void *pg_tcp_passive_main(void *arg)
{
	struct pg_lcore *lc = arg;
	struct pg_passive *p = lc->passive;
	const struct pg_port_ops *ops = lc->port->ops;
	struct pg_pkt rx[PG_PORT_BURST];
	struct pg_msg m;
	uint64_t next_tick = 0;
	unsigned int s;

	while (!atomic_load_explicit(lc->stop, memory_order_relaxed)) {
		unsigned int n = ops->rx_burst(lc->q, rx, PG_PORT_BURST), i;

		for (i = 0; i < n; i++) {
			capture_tick(lc, p, rx[i].rx_ts_ns, &next_tick);
			segment(lc, p, &rx[i], rx[i].rx_ts_ns);
		}
		if (n) {
			ops->rx_done(lc->q, rx, n);
			atomic_fetch_add_explicit(&lc->stats.rx_frames, n, memory_order_relaxed);
		} else {
			__builtin_ia32_pause();
		}
	}
	/* The capture ended: connections without a FIN end where the capture does. */
	for (s = 0; s < PG_SERVER_SLOTS; s++)
		if (p->f[s].state == PG_FLOW_RUN) {
			if (!p->f[s].is_udp && !classify(p, &p->f[s]) && p->f[s].t.bytes)
				p->f[s].kind = K_IPERF2; /* a few bytes and no cookie */
			post_delta(lc, p, &p->f[s], s, PG_MSG_FLOW_END);
		}
	pg_msg_init(&m, PG_MSG_LCORE_DONE, lc, 0, 0, 0);
	while (!pg_post(lc, &m))
		__builtin_ia32_pause();
	atomic_store(&lc->done, 1);
	return NULL;
}

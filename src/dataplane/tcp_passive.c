/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * perfgen analyze, TCP part: the client-to-server direction of every TCP connection to the
 * server port in a capture is tracked passively (src/proto/tcp_track.h): unique stream
 * bytes, retransmissions, the iperf2 client header from the stream's first bytes. The
 * figures go to the reporter as the live TCP server's do (FLOW_START with the header,
 * deltas stamped with capture time, FLOW_END at FIN/RST or at the end of the capture), so
 * the report is the one `perfgen -s` prints. Runs on the analysis thread over port_pcap.
 */
#include "dataplane_priv.h"
#include "frame.h"
#include "iperf2_tcp.h"
#include "tcp_track.h"

#include <arpa/inet.h>
#include <stdlib.h>

struct pg_passive_flow {
	uint8_t state;           /* enum pg_flow_state */
	uint8_t started;         /* FLOW_START posted */
	uint16_t sport;
	uint32_t saddr, daddr;   /* BE */
	uint32_t gen;
	uint64_t first_ns, last_ns;
	uint64_t posted_bytes;
	uint32_t posted_retrans;
	struct pg_tcp_track t;
};

struct pg_passive {
	struct pg_passive_flow f[PG_SERVER_SLOTS];
};

void *pg_tcp_passive_alloc(void)
{
	return calloc(1, sizeof(struct pg_passive));
}

static void post_start(struct pg_lcore *lc, struct pg_passive_flow *f, unsigned int slot)
{
	struct pg_i2_tcp_info info;
	struct pg_msg m;
	int need = f->t.head_len >= 4 ? pg_i2_tcp_hdrlen(f->t.head) : -1;

	memset(&info, 0, sizeof(info));
	if (need < 4 || (uint32_t)need > f->t.head_len ||
	    pg_i2_tcp_parse_hdr(f->t.head, f->t.head_len, &info)) {
		if (need >= 4)
			atomic_fetch_add_explicit(&lc->stats.rx_bad_hdr, 1, memory_order_relaxed);
		memset(&info, 0, sizeof(info));
		info.num_threads = 1;
	}
	pg_msg_init(&m, PG_MSG_FLOW_START, lc, (uint16_t)slot, f->gen, f->first_ns);
	memset(&m.u.start, 0, sizeof(m.u.start));
	m.u.start.peer_ip = f->saddr;
	m.u.start.peer_port = f->sport;
	m.u.start.local_ip = f->daddr;
	m.u.start.local_port = lc->tcp_port;
	m.u.start.flags = info.flags;
	m.u.start.upper = info.upper;
	m.u.start.num_threads = info.num_threads ? info.num_threads : 1;
	m.u.start.amount = info.amount;
	m.u.start.hdrlen = info.hdrlen;
	m.u.start.version_u = info.version_u;
	m.u.start.version_l = info.version_l;
	m.u.start.first_ns = f->first_ns;
	m.u.start.client_start_ns = info.start_ns;
	m.u.start.legacy = info.hdrlen == 0;
	m.u.start.unsupported = info.unsupported;
	while (!pg_post(lc, &m))
		__builtin_ia32_pause();
	f->started = 1;
}

static void post_delta(struct pg_lcore *lc, struct pg_passive_flow *f, unsigned int slot, uint8_t type)
{
	struct pg_msg m;
	struct pg_msg_counters *c = type == PG_MSG_FLOW_END ? &m.u.end.c : &m.u.delta;

	if (!f->started)
		post_start(lc, f, slot);
	pg_msg_init(&m, type, lc, (uint16_t)slot, f->gen, f->last_ns);
	memset(&m.u, 0, sizeof(m.u));
	c->rx_bytes = f->t.bytes - f->posted_bytes;
	c->rx_pkts = c->rx_bytes ? 1 : 0;
	c->retrans = f->t.retrans_segs - f->posted_retrans;
	if (type == PG_MSG_FLOW_END) {
		m.u.end.first_ns = f->first_ns;
		m.u.end.last_ns = f->last_ns;
	}
	while (!pg_post(lc, &m))
		__builtin_ia32_pause(); /* offline: waiting for the reporter costs nothing */
	f->posted_bytes = f->t.bytes;
	f->posted_retrans = f->t.retrans_segs;
	if (type == PG_MSG_FLOW_END)
		f->state = PG_FLOW_DONE;
}

static struct pg_passive_flow *lookup(struct pg_passive *p, const struct pg_frame *fr, unsigned int *slot,
				      int create)
{
	unsigned int s, free_s = PG_SERVER_SLOTS;

	for (s = 0; s < PG_SERVER_SLOTS; s++) {
		struct pg_passive_flow *f = &p->f[s];

		if (f->state == PG_FLOW_RUN && f->sport == fr->sport && f->saddr == fr->saddr &&
		    f->daddr == fr->daddr) {
			*slot = s;
			return f;
		}
		if (f->state != PG_FLOW_RUN && free_s == PG_SERVER_SLOTS)
			free_s = s;
	}
	if (!create || free_s == PG_SERVER_SLOTS)
		return NULL;
	*slot = free_s;
	return &p->f[free_s];
}

static void segment(struct pg_lcore *lc, struct pg_passive *p, const struct pg_pkt *pkt, uint64_t t_ns)
{
	struct pg_frame fr;
	const uint8_t *th;
	unsigned int slot, fl = 0;
	struct pg_passive_flow *f;
	uint32_t seq;

	if (pg_frame_classify(pkt->data, pkt->len, 0, !(pkt->flags & PG_PKT_F_TRUNCATED), &fr) != PG_FRAME_OK ||
	    fr.proto != PG_IPPROTO_TCP) {
		atomic_fetch_add_explicit(&lc->stats.rx_not_ours, 1, memory_order_relaxed);
		return;
	}
	if (fr.dport != lc->tcp_port) {
		/* the server's direction (ACKs, the CLIENTHDRACK) and other traffic */
		atomic_fetch_add_explicit(&lc->stats.rx_not_ours, 1, memory_order_relaxed);
		return;
	}
	th = pkt->data + fr.l4_off;
	seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7];
	fl = (th[13] & 0x01 ? PG_TCP_F_FIN : 0) | (th[13] & 0x02 ? PG_TCP_F_SYN : 0) |
	     (th[13] & 0x04 ? PG_TCP_F_RST : 0);
	f = lookup(p, &fr, &slot, 1);
	if (!f) {
		atomic_fetch_add_explicit(&lc->stats.rx_table_full, 1, memory_order_relaxed);
		return;
	}
	if (f->state != PG_FLOW_RUN) {
		uint32_t gen = f->gen + 1;

		/* a connection starts with its SYN or (capture begun mid-stream) with data; the
		 * end of a connection we did not see, or its last ACK, starts nothing */
		if ((fl & (PG_TCP_F_RST | PG_TCP_F_FIN)) || (!(fl & PG_TCP_F_SYN) && !fr.wire_payload_len))
			return;
		memset(f, 0, sizeof(*f));
		f->gen = gen;
		f->state = PG_FLOW_RUN;
		f->sport = fr.sport;
		f->saddr = fr.saddr;
		f->daddr = fr.daddr;
		f->first_ns = t_ns;
		pg_tcp_track_init(&f->t, seq, fl);
	}
	f->last_ns = t_ns;
	pg_tcp_track_seg(&f->t, seq, fl, fr.payload, fr.payload_len, fr.wire_payload_len);
	if (!f->started && (f->t.head_len >= PG_TCP_TRACK_HEAD || f->t.bytes >= PG_TCP_TRACK_HEAD ||
			    (f->t.head_len >= 4 && pg_i2_tcp_hdrlen(f->t.head) >= 4 &&
			     f->t.head_len >= (uint32_t)pg_i2_tcp_hdrlen(f->t.head))))
		post_start(lc, f, slot);
	if (f->t.rst || (f->t.fin && f->t.bytes >= f->t.fin_off))
		post_delta(lc, f, slot, PG_MSG_FLOW_END);
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
			    (f->t.bytes != f->posted_bytes || f->t.retrans_segs != f->posted_retrans))
				post_delta(lc, f, s, PG_MSG_FLOW_DELTA);
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
		if (p->f[s].state == PG_FLOW_RUN)
			post_delta(lc, &p->f[s], s, PG_MSG_FLOW_END);
	pg_msg_init(&m, PG_MSG_LCORE_DONE, lc, 0, 0, 0);
	while (!pg_post(lc, &m))
		__builtin_ia32_pause();
	atomic_store(&lc->done, 1);
	return NULL;
}

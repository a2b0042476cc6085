/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf2 UDP server loop: classifies received datagrams into per-client flows (a
 * per-lcore open-addressing table, no allocation), accounts them as iperf2 does
 * (seqstats.h), records one-way latency, answers the FIN with the AckFIN (and repeats it
 * for FIN retries), and posts deltas / events to the reporter.
 */
#include "latclock.h"
#include "pgts.h"
#include "dataplane_priv.h"
#include "frame.h"
#include "hist.h"
#include "capture.h"

#include <math.h>

#define SLOT_MASK (PG_SERVER_SLOTS - 1)
#define DONE_LINGER_NS 2000000000ull  /* keep answering FIN retries this long */
#define ACK_MAX 10
#define TRIP_WINDOW_NS 600000000000ll /* iperf2 ignores trip-times beyond 600 s */

_Static_assert((PG_SERVER_SLOTS & SLOT_MASK) == 0, "slots: power of two");

static inline uint32_t flow_hash(uint32_t saddr, uint16_t sport, uint16_t dport)
{
	uint32_t h = saddr * 0x9e3779b1u;

	h ^= ((uint32_t)sport << 16 | dport) * 0x85ebca6bu;
	return h ^ (h >> 15);
}

/* Slot of the flow, or -1; *free_slot gets the first reusable slot on the probe path. */
static inline int flow_find(struct pg_lcore *lc, const struct pg_frame *fr, int *free_slot)
{
	uint32_t h = flow_hash(fr->saddr, fr->sport, fr->dport);
	unsigned int k;

	*free_slot = -1;
	for (k = 0; k < PG_SERVER_SLOTS; k++) {
		unsigned int s = (h + k) & SLOT_MASK;
		struct pg_server_flow *f = &lc->sflows[s];

		if (f->state == PG_FLOW_FREE) {
			if (*free_slot < 0)
				*free_slot = (int)s;
			if (!f->gen)
				return -1; /* never used: end of the probe chain */
			continue;
		}
		if (f->saddr == fr->saddr && f->sport == fr->sport && f->dport == fr->dport)
			return (int)s;
	}
	return -1;
}

static void post_delta(struct pg_lcore *lc, struct pg_server_flow *f, unsigned int slot,
		       uint64_t now_ns, uint8_t type)
{
	struct pg_msg m;
	struct pg_msg_counters *c = type == PG_MSG_FLOW_END ? &m.u.end.c : &m.u.delta;

	pg_msg_init(&m, type, lc, (uint16_t)slot, f->gen, now_ns);
	memset(&m.u, 0, sizeof(m.u));
	c->rx_pkts = f->st.packets - f->posted_pkts;
	c->rx_bytes = f->st.bytes - f->posted_bytes;
	c->gaps = f->st.gaps - f->posted_gaps;
	c->outorder = f->st.outorder - f->posted_ooo;
	c->dups = f->st.dups - f->posted_dups;
	c->jitter_x16 = f->st.jitter_x16;
	c->last_id = f->st.last_id;
	if (type == PG_MSG_FLOW_END) {
		m.u.end.last_id = f->st.last_id;
		m.u.end.first_ns = f->first_ns;
		m.u.end.last_ns = f->last_ns;
		m.u.end.lat_min_ns = f->lat_min;
		m.u.end.lat_max_ns = f->lat_max;
	} else if (!c->rx_pkts) {
		return;
	}
	if (!pg_post(lc, &m))
		return;
	f->posted_pkts = f->st.packets;
	f->posted_bytes = f->st.bytes;
	f->posted_gaps = f->st.gaps;
	f->posted_ooo = f->st.outorder;
	f->posted_dups = f->st.dups;
	if (type == PG_MSG_FLOW_END)
		f->state = PG_FLOW_DONE;
}

/* An empty histogram from the local stash, refilled from the reporter's return ring. */
static struct pg_hist *hist_get(struct pg_lcore *lc)
{
	if (!lc->nb_hfree)
		lc->nb_hfree = pg_ring_dequeue_burst(lc->hist_ret, lc->hfree, 64);
	return lc->nb_hfree ? lc->hfree[--lc->nb_hfree] : NULL;
}

static void hist_put(struct pg_lcore *lc, struct pg_hist *h)
{
	if (h && lc->nb_hfree < 64)
		lc->hfree[lc->nb_hfree++] = h;
}

/* Hands the flow's filled histogram to the reporter; 1 if it went (or there was none). */
static int post_hist(struct pg_lcore *lc, struct pg_server_flow *f, unsigned int slot,
		     uint64_t now_ns)
{
	struct pg_msg m;

	if (!f->hist || !pg_hist_count(f->hist))
		return 1;
	pg_msg_init(&m, PG_MSG_HIST, lc, (uint16_t)slot, f->gen, now_ns);
	m.u.hist = f->hist;
	if (!pg_post(lc, &m))
		return 0;
	f->hist = NULL;
	return 1;
}

/* Swaps in a fresh histogram so the filled one can go to the reporter. */
static void swap_hist(struct pg_lcore *lc, struct pg_server_flow *f, unsigned int slot,
		      uint64_t now_ns)
{
	struct pg_hist *fresh;

	if (f->hist && !pg_hist_count(f->hist))
		return;
	fresh = hist_get(lc);
	if (!fresh)
		return; /* keep recording into the current one */
	if (!post_hist(lc, f, slot, now_ns)) {
		hist_put(lc, fresh);
		return;
	}
	f->hist = fresh;
}

static void flow_start(struct pg_lcore *lc, struct pg_server_flow *f, unsigned int slot,
		       const struct pg_frame *fr, const struct pg_i2_udp_info *info,
		       uint64_t now_ns)
{
	struct pg_msg m;
	uint32_t gen = f->gen + 1;

	memset(f, 0, sizeof(*f));
	f->gen = gen;
	f->state = PG_FLOW_RUN;
	f->saddr = fr->saddr;
	f->daddr = fr->daddr;
	f->sport = fr->sport;
	f->dport = fr->dport;
	memcpy(f->peer_mac, fr->src_mac, 6);
	f->seq64 = info->seq64;
	f->trip_times = info->trip_times;
	if (info->trip_times && info->start_ns) {
		int64_t skew = (int64_t)(now_ns - info->start_ns);

		if (skew > TRIP_WINDOW_NS || skew < -TRIP_WINDOW_NS)
			f->trip_times = 0;
	}
	f->first_ns = now_ns;
	f->lat_min = INT64_MAX;
	f->lat_max = INT64_MIN;
	pg_seq_stats_init(&f->st);

	pg_msg_init(&m, PG_MSG_FLOW_START, lc, (uint16_t)slot, f->gen, now_ns);
	memset(&m.u.start, 0, sizeof(m.u.start));
	m.u.start.peer_ip = fr->saddr;
	m.u.start.local_ip = fr->daddr;
	m.u.start.peer_port = fr->sport;
	m.u.start.local_port = fr->dport;
	m.u.start.flags = info->flags;
	m.u.start.upper = info->upper;
	m.u.start.num_threads = info->num_threads;
	m.u.start.amount = info->amount;
	m.u.start.hdrlen = info->hdrlen;
	m.u.start.version_u = info->version_u;
	m.u.start.version_l = info->version_l;
	m.u.start.first_ns = now_ns;
	m.u.start.client_start_ns = info->start_ns;
	m.u.start.trip_times = f->trip_times;
	m.u.start.seq64 = info->seq64;
	m.u.start.legacy = info->legacy;
	m.u.start.unsupported = info->unsupported;
	/* START must reach the reporter before any delta: spin-post (rare, ring sized for it). */
	while (!pg_post(lc, &m))
		__builtin_ia32_pause();
	if (f->trip_times)
		swap_hist(lc, f, slot, now_ns);
}

static void build_ack(struct pg_server_flow *f)
{
	struct pg_i2_report r;
	double n = (double)f->lat_cnt;

	memset(&r, 0, sizeof(r));
	r.flags = PG_I2_HEADER_VERSION1 | PG_I2_HEADER_SEQNO64B | PG_I2_SERVER_EXTEND;
	r.bytes = f->st.bytes;
	r.duration_s = (double)(f->last_ns - f->first_ns) / 1e9;
	r.errors = pg_seq_stats_lost(&f->st);
	r.outorder = f->st.outorder;
	r.datagrams = (uint64_t)f->st.last_id;
	r.jitter_s = pg_seq_stats_jitter_s(&f->st);
	if (f->lat_cnt) {
		double mean = (double)f->lat_sum / n;

		r.has_transit = 1;
		r.min_transit_s = (double)f->lat_min / 1e9;
		r.max_transit_s = (double)f->lat_max / 1e9;
		r.sum_transit_s = (double)f->lat_sum / 1e9;
		r.mean_transit_s = mean / 1e9;
		r.m2_transit_s = (double)(f->lat_sumsq - (long double)f->lat_sum * mean) / 1e18;
		if (r.m2_transit_s < 0)
			r.m2_transit_s = 0;
		r.cnt_transit = (uint32_t)f->lat_cnt;
		r.ipg_cnt = r.duration_s > 0 ? (uint32_t)((double)f->st.packets / r.duration_s) : 0;
	}
	pg_i2_ackfin_encode((struct pg_i2_ackfin *)f->ack, &r);
}

static void send_ack(struct pg_lcore *lc, struct pg_server_flow *f)
{
	const struct pg_port_ops *ops = lc->port->ops;
	struct pg_pkt pkt;
	struct pg_ipv4_hdr *ip;
	struct pg_udp_hdr *udp;

	if (f->acks_sent >= ACK_MAX || ops->tx_alloc(lc->q, &pkt, 1) != 1)
		return;
	pg_udp_frame_build(pkt.data, lc->port->info.mac, f->peer_mac, f->daddr, f->saddr,
			   f->dport, f->sport, 0, sizeof(f->ack));
	memcpy(pkt.data + PG_UDP_FRAME_HDR_LEN, f->ack, sizeof(f->ack));
	ip = (struct pg_ipv4_hdr *)(pkt.data + 14);
	udp = (struct pg_udp_hdr *)(pkt.data + 34);
	udp->csum = pg_udp_csum(ip, udp);
	pkt.len = PG_UDP_FRAME_HDR_LEN + sizeof(f->ack);
	if (ops->tx_burst(lc->q, &pkt, 1) == 1) {
		f->acks_sent++;
		if (lc->cap)
			pg_capture_frame(lc->cap, lc->idx, pkt.data, pkt.len,
					 pg_clock_now_ns(&lc->clock, pg_rdtsc()), PG_PCAPNG_DIR_OUT);
	} else {
		ops->tx_free(lc->q, &pkt, 1);
	}
}

#define LAT_LIMIT_NS 1000000000000ll /* beyond +-1000 s a timestamp is garbage, not latency */

static inline void record_latency(struct pg_server_flow *f, int64_t transit)
{
	if (transit > LAT_LIMIT_NS || transit < -LAT_LIMIT_NS)
		return;
	if (transit < f->lat_min)
		f->lat_min = transit;
	if (transit > f->lat_max)
		f->lat_max = transit;
	f->lat_sum += transit;
	f->lat_sumsq += (long double)transit * (long double)transit;
	f->lat_cnt++;
	if (f->hist)
		pg_hist_record(f->hist, transit > 0 ? (uint64_t)transit : 0);
}

static inline int is_server_port(const struct pg_lcore *lc, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < lc->nb_server_ports; i++)
		if (lc->server_ports[i] == port)
			return 1;
	return 0;
}

/*
 * One-way delay as the clocks allow: the sender's nanoseconds below the microsecond when a
 * perfgen sender carries them (pgts.h), and with --ptp on a free-running clock
 * owd = (rx - off_rx) - (tx - off_tx), off_tx from the datagrams (0 when the sender did
 * not send one: its clock is then taken as the grandmaster's).
 */
static inline int64_t trip_transit(struct pg_lcore *lc, struct pg_server_flow *f,
				   const struct pg_frame *fr, int64_t transit, int fin)
{
	struct pg_latclock *lk = lc->latclk;
	struct pg_pgts t;

	if (!fin && pg_pgts_get(fr->payload, fr->payload_len, &t)) {
		transit -= t.tx_ns_frac;
		if (t.bound_ns != PG_PGTS_NO_BOUND) {
			if (lk && (t.bound_ns != f->peer_bound || !f->peer_has)) {
				atomic_store_explicit(&lk->peer_bound_ns, t.bound_ns, memory_order_relaxed);
				atomic_store_explicit(&lk->peer_seen, 1, memory_order_relaxed);
			}
			f->peer_off = t.offset_ns;
			f->peer_has = 1;
			f->peer_bound = t.bound_ns;
		}
	}
	if (lk && lk->mode == PG_SYNC_PTP) {
		transit -= atomic_load_explicit(&lk->offset_ns, memory_order_relaxed);
		if (f->peer_has)
			transit += f->peer_off;
	}
	return transit;
}

static void rx_one(struct pg_lcore *lc, const struct pg_pkt *pkt, uint64_t now_ns, uint64_t now)
{
	struct pg_frame fr;
	struct pg_server_flow *f;
	int slot, free_slot;
	int64_t seq, transit;

	if (pg_frame_classify(pkt->data, pkt->len, 0, !(pkt->flags & PG_PKT_F_TRUNCATED), &fr) != PG_FRAME_OK ||
	    fr.proto != PG_IPPROTO_UDP || !is_server_port(lc, fr.dport)) {
		if (lc->port->ops->rx_other)
			lc->port->ops->rx_other(lc->q, pkt); /* ARP/ICMP when the port owns the NIC */
		else
			atomic_fetch_add_explicit(&lc->stats.rx_not_ours, 1, memory_order_relaxed);
		return;
	}
	if (fr.payload_len < PG_I2_UDP_SEQ_LEN) {
		atomic_fetch_add_explicit(&lc->stats.rx_bad_frame, 1, memory_order_relaxed);
		return;
	}
	slot = flow_find(lc, &fr, &free_slot);
	if (slot < 0) {
		struct pg_i2_udp_info info;

		enum pg_i2_parse_err pe = pg_i2_udp_parse_hdr(fr.payload, fr.payload_len, &info);

		/* A capture's snap length may cut the header short: what precedes the cut
		 * (flags, sequence width, stream count) is still good. */
		if (pe == PG_I2_E_HDRLEN && (pkt->flags & PG_PKT_F_TRUNCATED) && fr.payload_len >= 40)
			pe = PG_I2_OK;
		if (pe != PG_I2_OK) {
			atomic_fetch_add_explicit(&lc->stats.rx_bad_hdr, 1, memory_order_relaxed);
			return;
		}
		if (pg_i2_udp_seq(fr.payload, info.seq64) < 0) {
			/* A stale FIN from a finished run: iperf2 drops these too. */
			atomic_fetch_add_explicit(&lc->stats.rx_stale_fin, 1, memory_order_relaxed);
			return;
		}
		if (free_slot < 0) {
			atomic_fetch_add_explicit(&lc->stats.rx_table_full, 1, memory_order_relaxed);
			return;
		}
		if (info.unsupported)
			atomic_fetch_add_explicit(&lc->stats.rx_unsupported, 1, memory_order_relaxed);
		slot = free_slot;
		flow_start(lc, &lc->sflows[slot], (unsigned int)slot, &fr, &info, now_ns);
	}
	f = &lc->sflows[slot];
	if (f->state != PG_FLOW_RUN) {
		/* FIN retries (or anything) after the end: repeat the report. */
		send_ack(lc, f);
		return;
	}
	seq = pg_i2_udp_seq(fr.payload, f->seq64);
	transit = (int64_t)(now_ns - pg_i2_udp_txtime_ns(fr.payload));
	f->last_ns = now_ns;
	if (f->trip_times)
		transit = trip_transit(lc, f, &fr, transit, seq < 0);
	if (__builtin_expect(seq < 0, 0)) {
		/* The FIN counts as a datagram: its |seq| becomes the total. */
		pg_seq_stats_update(&f->st, -seq, transit, fr.wire_payload_len);
		if (f->trip_times)
			record_latency(f, transit);
		build_ack(f);
		send_ack(lc, f);
		while (!post_hist(lc, f, (unsigned int)slot, now_ns))
			__builtin_ia32_pause();
		f->done_tsc = now;
		post_delta(lc, f, (unsigned int)slot, now_ns, PG_MSG_FLOW_END);
		if (f->state != PG_FLOW_DONE)
			f->state = PG_FLOW_END_PENDING;
		return;
	}
	pg_seq_stats_update(&f->st, seq, transit, fr.wire_payload_len);
	if (f->trip_times)
		record_latency(f, transit);
}

static void tick(struct pg_lcore *lc, uint64_t now, uint64_t linger)
{
	unsigned int s;

	for (s = 0; s < PG_SERVER_SLOTS; s++) {
		struct pg_server_flow *f = &lc->sflows[s];

		switch (f->state) {
		/* Deltas carry the time of the flow's last datagram: the receive clock, which is
		 * capture time under analyze (now_ns is the machine's clock there). */
		case PG_FLOW_RUN:
			post_delta(lc, f, s, f->last_ns, PG_MSG_FLOW_DELTA);
			if (f->trip_times)
				swap_hist(lc, f, s, f->last_ns);
			break;
		case PG_FLOW_END_PENDING:
			post_delta(lc, f, s, f->last_ns, PG_MSG_FLOW_END);
			break;
		case PG_FLOW_DONE:
			if (f->hist) {
				hist_put(lc, f->hist); /* empty: its content went with the FIN */
				f->hist = NULL;
			}
			if (now - f->done_tsc > linger)
				f->state = PG_FLOW_FREE;
			break;
		default:
			break;
		}
	}
}

/*
 * perfgen analyze: a tick each time the capture's clock passes a tick boundary, before the
 * frame stamped t is counted, after waiting until the reporter has room for a tick's worth
 * of messages (offline, waiting costs nothing; a delta slipping to a later tick would move
 * bytes into the wrong -i interval). Then offline_now_ns = t tells the reporter that the
 * capture has been read up to t.
 */
static void offline_tick(struct pg_lcore *lc, uint64_t t, uint64_t *next, uint64_t now, uint64_t linger)
{
	if (t < *next)
		return;
	if (*next) {
		while (pg_ring_free_count(lc->ring) < 2 * PG_SERVER_SLOTS &&
		       !atomic_load_explicit(lc->stop, memory_order_relaxed))
			__builtin_ia32_pause();
		tick(lc, now, linger);
	}
	*next = t - t % PG_TICK_NS + PG_TICK_NS;
	atomic_store_explicit(&lc->offline_now_ns, t, memory_order_release);
}

void pg_udp_server_rx(struct pg_lcore *lc, const struct pg_pkt *pkt, uint64_t now_ns, uint64_t now)
{
	/* the backend's own receive stamp when it has one, as in pg_udp_server_main */
	rx_one(lc, pkt, pkt->rx_ts_ns ? pkt->rx_ts_ns : now_ns, now);
}

void pg_udp_server_tick(struct pg_lcore *lc, uint64_t now)
{
	tick(lc, now, pg_ns_to_tsc(lc->tsc, DONE_LINGER_NS));
}

void *pg_udp_server_main(void *arg)
{
	struct pg_lcore *lc = arg;
	const struct pg_port_ops *ops = lc->port->ops;
	const struct pg_tsc *tsc = lc->tsc;
	struct pg_pkt rx[PG_PORT_BURST];
	struct pg_backoff bo = { 0, 0 };
	uint64_t now = pg_rdtsc();
	uint64_t tick_cyc = pg_ns_to_tsc(tsc, PG_TICK_NS);
	uint64_t next_tick = now + tick_cyc;
	uint64_t next_anchor = now + pg_ns_to_tsc(tsc, PG_REANCHOR_NS);
	uint64_t linger = pg_ns_to_tsc(tsc, DONE_LINGER_NS);
	uint64_t next_cap_tick = 0;

	pg_clock_anchor(&lc->clock, tsc);
	while (!atomic_load_explicit(lc->stop, memory_order_relaxed)) {
		unsigned int n, i;
		uint64_t now_ns;

		n = ops->rx_burst(lc->q, rx, PG_PORT_BURST);
		now = pg_rdtsc();
		now_ns = pg_clock_now_ns(&lc->clock, now);
		if (n) {
			for (i = 0; i < n; i++) {
				uint64_t t = rx[i].rx_ts_ns ? rx[i].rx_ts_ns : now_ns;

				if (lc->offline)
					offline_tick(lc, t, &next_cap_tick, now, linger);

				if (lc->cap)
					pg_capture_frame(lc->cap, lc->idx, rx[i].data, rx[i].len, t,
							 PG_PCAPNG_DIR_IN);
				rx_one(lc, &rx[i], t, now);
			}
			ops->rx_done(lc->q, rx, n);
			atomic_fetch_add_explicit(&lc->stats.rx_frames, n, memory_order_relaxed);
			pg_backoff_busy(&bo);
		} else {
			pg_backoff_idle(&bo, lc->idle, 200000, &lc->stats);
		}
		if (now >= next_tick && !lc->offline) {
			tick(lc, now, linger);
			next_tick = now + tick_cyc;
			if (now >= next_anchor) {
				pg_clock_reanchor(&lc->clock, tsc);
				next_anchor = now + pg_ns_to_tsc(tsc, PG_REANCHOR_NS);
			}
		}
	}
	/* Final deltas for flows still running so the report covers everything received. */
	{
		uint64_t now_ns = pg_clock_now_ns(&lc->clock, pg_rdtsc());
		struct pg_msg m;
		unsigned int s;

		/* stamped with the flow's last datagram: with a capture (analyze) that is capture
		 * time, where the clock now is not */
		for (s = 0; s < PG_SERVER_SLOTS; s++)
			if (lc->sflows[s].state == PG_FLOW_RUN)
				post_delta(lc, &lc->sflows[s], s, lc->sflows[s].last_ns,
					   PG_MSG_FLOW_DELTA);
		pg_msg_init(&m, PG_MSG_LCORE_DONE, lc, 0, 0, now_ns);
		while (!pg_post(lc, &m))
			pg_backoff_idle(&bo, PG_IDLE_BACKOFF, 100000, &lc->stats);
	}
	atomic_store(&lc->done, 1);
	return NULL;
}

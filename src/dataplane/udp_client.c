/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf2 UDP client loop: paced generation of stamped datagrams for this lcore's flows,
 * the FIN / AckFIN exchange at the end, and deltas to the reporter every tick.
 * Hot path: no allocation, printing, locks, or per-packet division.
 */
#include "dataplane_priv.h"
#include "redirect.h"
#include "capture.h"
#include "frame.h"
#include "latclock.h"
#include "pgts.h"

#define FIN_RETRY_NS 10000000ull /* iperf2: resend the FIN every 10 ms ... */
#define FIN_MAX_TRIES 200        /* ... for up to 2 s */
#define MAX_BACKLOG_NS 1000000ull
#define STAGGER_NS 5000000ull

static void post_delta(struct pg_lcore *lc, struct pg_client_flow *f, uint64_t now_ns)
{
	struct pg_msg m;

	if (f->c.tx_pkts == f->posted.tx_pkts && f->c.rx_pkts == f->posted.rx_pkts &&
	    f->c.errs == f->posted.errs)
		return;
	pg_msg_init(&m, PG_MSG_FLOW_DELTA, lc, f->id, 0, now_ns);
	memset(&m.u.delta, 0, sizeof(m.u.delta));
	m.u.delta.tx_pkts = f->c.tx_pkts - f->posted.tx_pkts;
	m.u.delta.tx_bytes = f->c.tx_bytes - f->posted.tx_bytes;
	m.u.delta.rx_pkts = f->c.rx_pkts - f->posted.rx_pkts;
	m.u.delta.rx_bytes = f->c.rx_bytes - f->posted.rx_bytes;
	m.u.delta.errs = f->c.errs - f->posted.errs;
	if (pg_post(lc, &m))
		f->posted = f->c;
}

static int post_end(struct pg_lcore *lc, struct pg_client_flow *f, int timed_out,
		    uint64_t now_ns)
{
	struct pg_msg m;

	post_delta(lc, f, now_ns);
	if (f->c.tx_pkts != f->posted.tx_pkts)
		return 0;
	pg_msg_init(&m, PG_MSG_FLOW_END, lc, f->id, 0, now_ns);
	memset(&m.u.end, 0, sizeof(m.u.end));
	m.u.end.last_id = f->next_seq - 1;
	m.u.end.first_ns = f->first_ns;
	m.u.end.last_ns = f->last_ns;
	m.u.end.timed_out = (uint8_t)timed_out;
	return pg_post(lc, &m);
}

/* Departure clock: integer cycles plus a 32-bit fraction, so any rate paces exactly. */
static inline void pace_advance(struct pg_client_flow *f)
{
	uint64_t fr = (uint64_t)f->next_frac + f->gap_frac;

	f->next_tsc += f->gap_int + (fr >> 32);
	f->next_frac = (uint32_t)fr;
}

static inline void pace_rewind(struct pg_client_flow *f, unsigned int k)
{
	while (k--) {
		uint64_t borrow = f->next_frac < f->gap_frac;

		f->next_frac -= f->gap_frac;
		f->next_tsc -= f->gap_int + borrow;
	}
}

/* Writes one datagram of flow f into pkt: template, stamp, checksum. */
static inline void fill_data(struct pg_client_flow *f, struct pg_pkt *pkt, uint64_t now_ns)
{
	uint8_t *payload = pkt->data + PG_UDP_FRAME_HDR_LEN;
	struct pg_udp_hdr *udp = (struct pg_udp_hdr *)(pkt->data + 34);

	memcpy(pkt->data, f->tmpl, f->copy_len);
	pg_i2_udp_stamp(payload, f->next_seq, now_ns);
	if (__builtin_expect(f->next_seq == 1 && f->first_payload_len != f->payload_len, 0)) {
		struct pg_ipv4_hdr *ip = (struct pg_ipv4_hdr *)(pkt->data + 14);
		uint32_t extra = f->first_payload_len - f->payload_len;

		/* Header area beyond -l: the template holds it, the prefill holds the rest. */
		memcpy(payload, f->tmpl + PG_UDP_FRAME_HDR_LEN,
		       f->first_payload_len < 160 ? f->first_payload_len : 160);
		pg_i2_udp_stamp(payload, f->next_seq, now_ns);
		ip->tot_len = htons((uint16_t)(ntohs(ip->tot_len) + extra));
		ip->csum = 0;
		ip->csum = pg_ipv4_csum(ip);
		udp->len = htons((uint16_t)(8 + f->first_payload_len));
		udp->csum = pg_csum_add_stamp(f->csum0_first, payload);
		pkt->len = PG_UDP_FRAME_HDR_LEN + f->first_payload_len;
	} else {
		udp->csum = pg_csum_add_stamp(f->csum0, payload);
		pkt->len = PG_UDP_FRAME_HDR_LEN + f->payload_len;
	}
	if (f->pgts) {
		/* the template has zeros at 132..148: add the 16 bytes like the stamp */
		pg_pgts_put(payload, (uint32_t)(now_ns % 1000u), f->ptp_off, f->ptp_bound);
		udp->csum = pg_csum_add_stamp(udp->csum, payload + PG_PGTS_OFF + 4);
	}
	f->next_seq++;
}

/* Sends up to n data datagrams; returns how many went out. */
static unsigned int send_data(struct pg_lcore *lc, struct pg_client_flow *f, unsigned int n,
			      uint64_t now_ns)
{
	const struct pg_port_ops *ops = lc->port->ops;
	struct pg_pkt pkts[PG_PORT_BURST];
	unsigned int got, sent, i;

	got = ops->tx_alloc(lc->q, pkts, n);
	if (f->pgts && lc->latclk && lc->latclk->mode == PG_SYNC_PTP) {
		const struct pg_latclock *lk = lc->latclk;
		uint64_t b = atomic_load_explicit(&lk->bound_ns, memory_order_relaxed);

		f->ptp_off = atomic_load_explicit(&lk->offset_ns, memory_order_relaxed);
		f->ptp_bound = atomic_load_explicit(&lk->valid, memory_order_relaxed) && b < PG_PGTS_NO_BOUND
				       ? (uint32_t)b : PG_PGTS_NO_BOUND;
	}
	for (i = 0; i < got; i++)
		fill_data(f, &pkts[i], now_ns);
	sent = ops->tx_burst(lc->q, pkts, got);
	/* Reading a buffer after tx_burst is safe: only this lcore writes it, at its next alloc. */
	if (lc->cap)
		for (i = 0; i < sent; i++)
			pg_capture_frame(lc->cap, lc->idx, pkts[i].data, pkts[i].len, now_ns,
					 PG_PCAPNG_DIR_OUT);
	if (sent < got) {
		/* Give the unsent buffers back and rewind their sequence numbers. */
		ops->tx_free(lc->q, &pkts[sent], got - sent);
		f->next_seq -= got - sent;
	}
	/* A paced flow that found the ring full sends the rest late (the caller rewinds its
	 * departure clock); an unpaced one finds it full all the time, which says nothing. */
	if (sent < n && f->paced)
		atomic_fetch_add_explicit(&lc->stats.tx_full, 1, memory_order_relaxed);
	for (i = 0; i < sent; i++)
		f->c.tx_bytes += pkts[i].len - PG_UDP_FRAME_HDR_LEN;
	f->c.tx_pkts += sent;
	if (sent) {
		if (!f->first_ns)
			f->first_ns = now_ns;
		f->last_ns = now_ns;
	}
	return sent;
}

/* One FIN datagram: sequence -(last + 1 + tries), as iperf2 decrements on every retry. */
static void send_fin(struct pg_lcore *lc, struct pg_client_flow *f, uint64_t now_ns)
{
	const struct pg_port_ops *ops = lc->port->ops;
	struct pg_pkt pkt;
	int64_t keep = f->next_seq;

	if (ops->tx_alloc(lc->q, &pkt, 1) != 1)
		return;
	f->next_seq = -(keep + (int64_t)f->fin_tries);
	memcpy(pkt.data, f->tmpl, f->copy_len);
	pg_i2_udp_stamp(pkt.data + PG_UDP_FRAME_HDR_LEN, f->next_seq, now_ns);
	((struct pg_udp_hdr *)(pkt.data + 34))->csum =
		pg_csum_add_stamp(f->csum0, pkt.data + PG_UDP_FRAME_HDR_LEN);
	pkt.len = PG_UDP_FRAME_HDR_LEN + f->payload_len;
	f->next_seq = keep;
	if (ops->tx_burst(lc->q, &pkt, 1) != 1) {
		ops->tx_free(lc->q, &pkt, 1);
	} else {
		f->fin_tries++;
		if (lc->cap)
			pg_capture_frame(lc->cap, lc->idx, pkt.data, pkt.len, now_ns, PG_PCAPNG_DIR_OUT);
	}
}

/* Handles a datagram from the server to one of our source ports: the AckFIN. */
static void rx_report(struct pg_lcore *lc, const struct pg_frame *fr, uint64_t now_ns,
		      unsigned int *active)
{
	struct pg_client_flow *f;
	struct pg_msg m;
	unsigned int i = (unsigned int)(fr->dport - lc->sport_base);

	if (i >= lc->nb_cflows || fr->saddr != lc->peer_ip) {
		atomic_fetch_add_explicit(&lc->stats.rx_not_ours, 1, memory_order_relaxed);
		return;
	}
	f = &lc->cflows[i];
	f->c.rx_pkts++;
	f->c.rx_bytes += fr->payload_len;
	/* A stale 52-byte CLIENTHDRACK (first word 2) is not a report (iperf-wire.md 2.4). */
	if (fr->payload_len == 52 && fr->payload[3] == 2 && !fr->payload[0])
		return;
	if (f->state != PG_FLOW_FIN || fr->payload_len < 56)
		return;
	pg_msg_init(&m, PG_MSG_SERVER_REPORT, lc, f->id, 0, now_ns);
	memset(m.u.ackfin, 0, sizeof(m.u.ackfin));
	memcpy(m.u.ackfin, fr->payload, fr->payload_len < 128 ? fr->payload_len : 128);
	if (!pg_post(lc, &m))
		return; /* reporter busy: the server repeats its report */
	f->state = PG_FLOW_DONE;
	if (!post_end(lc, f, 0, now_ns))
		f->state = PG_FLOW_END_PENDING; /* end pending */
	(*active)--;
}

/* Return traffic of our flows that arrived on other lcores' queues (redirect.h). */
static unsigned int drain_redirect(struct pg_lcore *lc, uint64_t now_ns, unsigned int *active)
{
	struct pg_redir_frame in[8];
	unsigned int from, i, n, total = 0;

	for (from = 0; from < lc->redir->nb; from++) {
		if (from == lc->idx)
			continue;
		n = pg_redirect_pull(lc->redir, from, lc->idx, in, 8);
		for (i = 0; i < n; i++) {
			struct pg_frame fr;

			if (pg_frame_classify(in[i].data, in[i].len, 0, 1, &fr) == PG_FRAME_OK &&
			    fr.proto == PG_IPPROTO_UDP)
				rx_report(lc, &fr, now_ns, active);
		}
		total += n;
	}
	return total;
}

void *pg_udp_client_main(void *arg)
{
	struct pg_lcore *lc = arg;
	const struct pg_port_ops *ops = lc->port->ops;
	const struct pg_tsc *tsc = lc->tsc;
	struct pg_pkt rx[PG_PORT_BURST];
	struct pg_backoff bo = { 0, 0 };
	unsigned int active = lc->nb_cflows;
	uint64_t now = pg_rdtsc();
	uint64_t tick = pg_ns_to_tsc(tsc, PG_TICK_NS);
	uint64_t next_tick = now + tick;
	uint64_t next_anchor = now + pg_ns_to_tsc(tsc, PG_REANCHOR_NS);
	uint64_t fin_gap = pg_ns_to_tsc(tsc, FIN_RETRY_NS);
	uint64_t backlog = pg_ns_to_tsc(tsc, MAX_BACKLOG_NS);
	unsigned int i, pending_end = 0;
	int stopping = 0;

	pg_clock_anchor(&lc->clock, tsc);
	for (i = 0; i < lc->nb_cflows; i++) {
		struct pg_client_flow *f = &lc->cflows[i];

		/* Streams start STAGGER_NS apart, as iperf's client threads do: an iperf2 server
		 * that sees many new flows in the same instant misattributes their first
		 * datagrams to each other (it counts them as loss and duplicates). */
		f->start_tsc = now + pg_ns_to_tsc(tsc, STAGGER_NS * f->id);
		f->next_tsc = f->start_tsc;
		f->next_frac = 0;
		if (f->end_tsc)
			f->end_tsc += f->start_tsc;
	}

	while (active || pending_end ||
	       (lc->flows_left && atomic_load_explicit(lc->flows_left, memory_order_acquire))) {
		unsigned int was_active = active;

		uint64_t now_ns, sleep_ns = 200000;
		unsigned int n, work = 0;

		now = pg_rdtsc();
		now_ns = pg_clock_now_ns(&lc->clock, now);
		if (stopping == 1 && atomic_load_explicit(lc->stop, memory_order_relaxed) > 1) {
			/* A second Ctrl-C: stop waiting for AckFINs. */
			stopping = 2;
			for (i = 0; i < lc->nb_cflows; i++)
				if (lc->cflows[i].state == PG_FLOW_FIN)
					lc->cflows[i].fin_tries = FIN_MAX_TRIES;
		}
		if (!stopping && atomic_load_explicit(lc->stop, memory_order_relaxed)) {
			stopping = 1;
			for (i = 0; i < lc->nb_cflows; i++)
				if (lc->cflows[i].state == PG_FLOW_RUN) {
					lc->cflows[i].state = PG_FLOW_FIN;
					lc->cflows[i].fin_next_tsc = now;
				}
		}

		pending_end = 0;
		for (i = 0; i < lc->nb_cflows; i++) {
			struct pg_client_flow *f = &lc->cflows[i];

			if (f->state == PG_FLOW_RUN) {
				uint64_t due = PG_PORT_BURST;

				if (now < f->start_tsc) {
					uint64_t wait = pg_tsc_to_ns(tsc, f->start_tsc - now);

					if (wait < sleep_ns)
						sleep_ns = wait;
					continue;
				}

				if ((f->end_tsc && now >= f->end_tsc) ||
				    (f->max_pkts && f->c.tx_pkts >= f->max_pkts)) {
					f->state = PG_FLOW_FIN;
					f->fin_next_tsc = now;
					continue;
				}
				if (f->paced) {
					/* After a sleep, catch up at most MAX_BACKLOG_NS worth. */
					if (now > f->next_tsc + backlog)
						f->next_tsc = now - backlog;
					due = 0;
					while (due < PG_PORT_BURST && f->next_tsc <= now) {
						pace_advance(f);
						due++;
					}
					if (!due) {
						uint64_t wait = pg_tsc_to_ns(tsc, f->next_tsc - now);

						if (wait < sleep_ns)
							sleep_ns = wait;
					}
				}
				if (f->max_pkts && due > f->max_pkts - f->c.tx_pkts)
					due = f->max_pkts - f->c.tx_pkts;
				if (due) {
					n = send_data(lc, f, (unsigned int)due, now_ns);
					if (f->paced && n < due)
						pace_rewind(f, (unsigned int)(due - n));
					work += n;
				}
			} else if (f->state == PG_FLOW_FIN && lc->no_peer) {
				/* a sink answers nothing: the stream ends when it stops sending */
				f->state = PG_FLOW_DONE;
				if (!post_end(lc, f, 0, now_ns))
					f->state = PG_FLOW_END_PENDING;
				active--;
			} else if (f->state == PG_FLOW_FIN) {
				if (now >= f->fin_next_tsc) {
					if (f->fin_tries >= FIN_MAX_TRIES) {
						f->state = PG_FLOW_DONE;
						if (!post_end(lc, f, 1, now_ns))
							f->state = PG_FLOW_END_PENDING;
						active--;
					} else {
						send_fin(lc, f, now_ns);
						f->fin_next_tsc = now + fin_gap;
					}
				}
				sleep_ns = sleep_ns < 1000000 ? sleep_ns : 1000000;
			} else if (f->state == PG_FLOW_END_PENDING) {
				/* END could not be posted (ring full): retry. */
				if (post_end(lc, f, f->fin_tries >= FIN_MAX_TRIES, now_ns))
					f->state = PG_FLOW_DONE;
				else
					pending_end++;
			}
		}

		n = ops->rx_burst(lc->q, rx, PG_PORT_BURST);
		if (n) {
			for (i = 0; i < n; i++) {
				struct pg_frame fr;

				if (lc->cap)
					pg_capture_frame(lc->cap, lc->idx, rx[i].data, rx[i].len,
							 rx[i].rx_ts_ns ? rx[i].rx_ts_ns : now_ns,
							 PG_PCAPNG_DIR_IN);
				if (pg_frame_classify(rx[i].data, rx[i].len, 0, 1, &fr) == PG_FRAME_OK &&
				    fr.proto == PG_IPPROTO_UDP) {
					unsigned int o = lc->redir ? pg_redirect_owner(lc->redir, fr.dport)
								   : PG_REDIR_NONE;

					if (o == PG_REDIR_NONE || o == lc->idx)
						rx_report(lc, &fr, now_ns, &active);
					else if (pg_redirect_push(lc->redir, lc->idx, o, &rx[i]))
						atomic_fetch_add_explicit(&lc->stats.rx_redirected, 1,
									  memory_order_relaxed);
					else
						atomic_fetch_add_explicit(&lc->stats.rx_redirect_full, 1,
									  memory_order_relaxed);
				} else if (ops->rx_other)
					ops->rx_other(lc->q, &rx[i]); /* ARP/ICMP when the port owns the NIC */
				else
					atomic_fetch_add_explicit(&lc->stats.rx_not_ours, 1,
								  memory_order_relaxed);
			}
			ops->rx_done(lc->q, rx, n);
			atomic_fetch_add_explicit(&lc->stats.rx_frames, n, memory_order_relaxed);
			work += n;
		}

		if (lc->redir)
			work += drain_redirect(lc, now_ns, &active);

		if (now >= next_tick) {
			for (i = 0; i < lc->nb_cflows; i++)
				post_delta(lc, &lc->cflows[i], now_ns);
			next_tick = now + tick;
			if (now >= next_anchor) {
				pg_clock_reanchor(&lc->clock, tsc);
				next_anchor = now + pg_ns_to_tsc(tsc, PG_REANCHOR_NS);
			}
		}
		if (lc->flows_left && active != was_active)
			atomic_fetch_sub_explicit(lc->flows_left, was_active - active, memory_order_release);
		if (work)
			pg_backoff_busy(&bo);
		else
			pg_backoff_idle(&bo, lc->idle, sleep_ns, &lc->stats);
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

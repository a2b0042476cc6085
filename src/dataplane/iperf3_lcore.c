/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3 connections on a dataplane lcore (see iperf3_dp.h for the split with the main
 * thread). TCP: the control connection writes through a copy-mode send ring and hands
 * what it receives to the main thread in 240-byte chunks; data streams send a function
 * of the offset (the 37-byte cookie, then a fixed random-looking block), released ahead
 * of the acknowledged point while running, and receivers only count. UDP: the connect
 * handshake ("9876" / "6789") and datagrams stamped with iperf3's 12- or 16-byte header,
 * paced on the TSC; receivers account them as iperf3 does (pg_iperf3_udp_rx_update).
 */
#include "dataplane_priv.h"
#include "iperf3_dp.h"
#include "capture.h"
#include "flow_owner.h"
#include "frame.h"
#include "pkt.h"
#include "redirect.h"
#include "tcp.h"

#include <errno.h>

#define LEAD_MIN (256u * 1024)
#define LEAD_MAX (4u * 1024 * 1024)
#define PAT_LEN 65536u
#define UDP_RETRY_NS 500000000ull
#define UDP_BURST 32

/* The payload every sender repeats: fixed pseudo-random bytes (iperf3 sends random ones). */
static uint8_t pattern[PAT_LEN];

static void pattern_init(void)
{
	uint32_t x = 0x9e3779b9u;
	unsigned int i;

	if (pattern[0] | pattern[1])
		return;
	for (i = 0; i < PAT_LEN; i++) {
		x ^= x << 13; x ^= x >> 17; x ^= x << 5;
		pattern[i] = (uint8_t)x;
	}
}

static struct pg_i3_lcore *I3(struct pg_lcore *lc)
{
	return lc->i3;
}

/* ------------------------------------------------------------- rings ---- */

static int up_post(struct pg_i3_lcore *l, uint8_t type, uint16_t slot, int32_t err,
		   const uint8_t *data, uint16_t len)
{
	struct pg_i3_up u;

	u.type = type;
	u.pad = 0;
	u.len = len;
	u.slot = slot;
	u.pad2 = 0;
	u.err = err;
	u.peer_ip = 0;
	u.peer_port = u.local_port = 0;
	if (len)
		memcpy(u.data, data, len);
	if (pg_ring_enqueue_burst(l->up, &u, 1) == 1)
		return 0;
	atomic_fetch_add_explicit(&l->up_overflow, 1, memory_order_relaxed);
	return -1;
}

/* --------------------------------------------------------- TCP slots ---- */

/* Slots in use are kept in a dense list so the per-pass loops never walk all 512. */
static void act_add(struct pg_i3_lcore *l, struct pg_i3_slot *s)
{
	if (s->in_act)
		return;
	s->in_act = 1;
	s->act_pos = (uint16_t)l->nb_act;
	l->act[l->nb_act++] = s->idx;
}

static void act_del(struct pg_i3_lcore *l, struct pg_i3_slot *s)
{
	uint16_t last;

	if (!s->in_act)
		return;
	last = l->act[--l->nb_act];
	l->act[s->act_pos] = last;
	l->slots[last].act_pos = s->act_pos;
	s->in_act = 0;
}

static void slot_free(struct pg_i3_lcore *l, struct pg_i3_slot *s)
{
	uint32_t gen = s->gen + 1;
	uint16_t idx = s->idx;
	struct pg_lcore *lc = s->lc;

	act_del(l, s);
	if (l->fown && s->kind == PG_I3_USTREAM && l->server)
		pg_flow_owner_remove(l->fown, s->sc.peer_ip, s->sc.dport, s->sc.sport, 1);
	if (s->ctrl_buf >= 0)
		l->ctrl_used[s->ctrl_buf] = 0;
	/* the counters stay readable until the slot is handed out again (slot_reset) */
	memset(s, 0, offsetof(struct pg_i3_slot, cnt));
	s->idx = idx;
	s->lc = lc;
	s->gen = gen;
	s->ctrl_buf = -1;
}

static void slot_reset_counters(struct pg_i3_slot *s)
{
	atomic_store(&s->cnt.bytes, 0);
	atomic_store(&s->cnt.packets, 0);
	atomic_store(&s->cnt.retrans, 0);
	atomic_store(&s->cnt.rx_hi, 0);
	atomic_store(&s->cnt.rx_err, 0);
	atomic_store(&s->cnt.rx_ooo, 0);
	atomic_store(&s->cnt.jitter_ns, 0);
	atomic_store(&s->cnt.cwnd, 0);
	atomic_store(&s->cnt.rtt_us, 0);
	atomic_store(&s->cnt.ctrl_acked, 0);
	atomic_store(&s->cnt.eng_rx, 0);
	atomic_store(&s->cnt.eng_acked, 0);
}

static struct pg_i3_slot *slot_alloc(struct pg_i3_lcore *l)
{
	unsigned int i, k;

	/* round-robin from the last slot handed out, so a slot just freed (whose counters
	 * the main thread may still read) is reused last */
	for (k = 0; k < PG_I3_CONNS; k++) {
		i = (l->next_slot + k) % PG_I3_CONNS;
		if (l->slots[i].kind == PG_I3_FREE && !l->slots[i].c) {
			l->next_slot = (i + 1) % PG_I3_CONNS;
			slot_reset_counters(&l->slots[i]);
			act_add(l, &l->slots[i]);
			return &l->slots[i];
		}
	}
	atomic_fetch_add_explicit(&l->table_full, 1, memory_order_relaxed);
	return NULL;
}

static struct pg_lcore *lc_of(struct pg_i3_slot *s)
{
	return s->lc;
}

static void publish_tcp(struct pg_i3_slot *s)
{
	struct pg_tcp_info ti;

	if (!s->c)
		return;
	pg_tcp_conn_info(s->c, &ti);
	atomic_store_explicit(&s->cnt.retrans, ti.retrans_segs, memory_order_relaxed);
	atomic_store_explicit(&s->cnt.cwnd, ti.cwnd, memory_order_relaxed);
	atomic_store_explicit(&s->cnt.rtt_us, (uint32_t)(ti.srtt_ns / 1000), memory_order_relaxed);
	atomic_store_explicit(&s->cnt.eng_rx, ti.bytes_received, memory_order_relaxed);
	atomic_store_explicit(&s->cnt.eng_acked, ti.bytes_acked, memory_order_relaxed);
}

static uint64_t lead_of(struct pg_tcp_conn *c)
{
	struct pg_tcp_info ti;
	uint64_t v;

	pg_tcp_conn_info(c, &ti);
	v = 2ull * ti.cwnd;
	return v < LEAD_MIN ? LEAD_MIN : v > LEAD_MAX ? LEAD_MAX : v;
}

/*
 * Sender: release more of the stream while running; report when all is acknowledged.
 * With a rate (-b on TCP, as iperf3 throttles its writes) no more than rate x time since
 * RUN, plus one block, is ever released: the engine sends what it holds at once, so the
 * release schedule is the pacing.
 */
static void sender_feed(struct pg_lcore *lc, struct pg_i3_slot *s)
{
	uint64_t end = s->sc.max_bytes ? s->run_off + s->sc.max_bytes : UINT64_MAX;

	if (!s->c)
		return;
	if (s->running && !s->stopped && s->limit < end && s->limit - s->acked < LEAD_MIN) {
		uint64_t n = s->acked + lead_of(s->c);

		if (s->pace.q) {
			uint64_t a = s->run_off + s->sc.blksize + pg_pace_budget(&s->pace, pg_rdtsc());

			if (n > a)
				n = a;
		}
		if (n > end)
			n = end;
		if (n > s->limit) {
			s->limit = n;
			pg_tcp_send_limit(s->c, s->limit);
		}
	}
	if (s->running && !s->drained && s->acked >= s->limit && (s->stopped || s->limit >= end)) {
		s->drained = 1;
		up_post(I3(lc), PG_I3_UP_DRAINED, s->idx, 0, NULL, 0);
	}
}

static int s_connected(struct pg_tcp_conn *c, void *arg)
{
	struct pg_i3_slot *s = arg;
	struct pg_lcore *lc = lc_of(s);

	if (s->kind == PG_I3_CTRL) {
		up_post(I3(lc), PG_I3_UP_CONNECTED, s->idx, 0, NULL, 0);
	} else if (s->kind == PG_I3_TSTREAM) {
		s->limit = PG_IPERF3_COOKIE_LEN;
		s->run_off = PG_IPERF3_COOKIE_LEN;
		pg_tcp_send_limit(c, s->limit);
		if (!s->sc.sender)
			pg_tcp_set_rcv_inorder(c, 0); /* a receiver only counts (-R, --bidir) */
	}
	return 0;
}

static void s_fill(struct pg_tcp_conn *c, void *arg, uint64_t off, uint8_t *dst, uint32_t len)
{
	struct pg_i3_slot *s = arg;
	struct pg_lcore *lc = lc_of(s);
	const uint8_t *ck = I3(lc)->server ? NULL : I3(lc)->cookie;

	(void)c;
	if (s->kind == PG_I3_CLOSING || s->kind == PG_I3_WAIT) {
		memset(dst, 0xff, len); /* DENY: the single byte ACCESS_DENIED */
		return;
	}
	while (len && ck && off < PG_IPERF3_COOKIE_LEN) {
		*dst++ = ck[off++];
		len--;
	}
	while (len) {
		uint32_t p = (uint32_t)(off & (PAT_LEN - 1)), n = PAT_LEN - p;

		if (n > len)
			n = len;
		memcpy(dst, pattern + p, n);
		dst += n;
		off += n;
		len -= n;
	}
}

static void s_acked(struct pg_tcp_conn *c, void *arg, uint64_t acked)
{
	struct pg_i3_slot *s = arg;
	struct pg_lcore *lc = lc_of(s);

	(void)c;
	s->acked = acked;
	if (s->kind == PG_I3_CTRL)
		atomic_store_explicit(&s->cnt.ctrl_acked, acked, memory_order_release);
	if (s->kind != PG_I3_TSTREAM)
		return;
	if (!I3(lc)->server && !s->up_sent && acked >= PG_IPERF3_COOKIE_LEN) {
		s->up_sent = 1;
		up_post(I3(lc), PG_I3_UP_STREAM_UP, s->idx, 0, NULL, 0);
	}
	if (s->sc.sender) {
		if (s->running && acked > s->run_off)
			atomic_store_explicit(&s->cnt.bytes, acked - s->run_off, memory_order_relaxed);
		sender_feed(lc, s);
	}
}

static void ctrl_bytes(struct pg_lcore *lc, struct pg_i3_slot *s, const uint8_t *p, uint32_t len)
{
	struct pg_i3_lcore *l = I3(lc);

	while (len) {
		uint16_t n = (uint16_t)(len > PG_I3_CHUNK ? PG_I3_CHUNK : len);

		if (up_post(l, PG_I3_UP_BYTES, s->idx, 0, p, n)) {
			/* the main thread is far behind: give this connection up, it is counted */
			if (s->c)
				pg_tcp_abort(s->c);
			return;
		}
		p += n;
		len -= n;
	}
}

static void s_recv(struct pg_tcp_conn *c, void *arg, const uint8_t *p, uint32_t len, uint64_t off)
{
	struct pg_i3_slot *s = arg;
	struct pg_lcore *lc = lc_of(s);
	struct pg_i3_lcore *l = I3(lc);

	(void)c;
	switch (s->kind) {
	case PG_I3_PENDING:
		while (len && s->ckgot < PG_IPERF3_COOKIE_LEN && off == s->ckgot) {
			s->ck[s->ckgot++] = *p++;
			len--;
			off++;
		}
		if (s->ckgot < PG_IPERF3_COOKIE_LEN)
			return;
		{
			struct pg_i3_up u;

			memset(&u, 0, sizeof(u));
			u.type = PG_I3_UP_NEWCONN;
			u.slot = s->idx;
			u.len = PG_IPERF3_COOKIE_LEN;
			memcpy(u.data, s->ck, PG_IPERF3_COOKIE_LEN);
			pg_tcp_conn_peer(s->c, &u.peer_ip, &u.peer_port);
			u.local_port = l->port;
			if (pg_ring_enqueue_burst(l->up, &u, 1) != 1) {
				atomic_fetch_add_explicit(&l->up_overflow, 1, memory_order_relaxed);
				pg_tcp_abort(s->c);
				return;
			}
		}
		s->kind = PG_I3_WAIT;
		s->rx_total = PG_IPERF3_COOKIE_LEN + len;
		/* bytes behind the cookie go up too (main sorts them out) */
		if (len)
			ctrl_bytes(lc, s, p, len);
		return;
	case PG_I3_WAIT:
		/* a data stream's first payload may beat the main thread's ATTACH: counted then */
		s->rx_total += len;
		ctrl_bytes(lc, s, p, len);
		return;
	case PG_I3_CTRL:
		ctrl_bytes(lc, s, p, len);
		return;
	case PG_I3_TSTREAM:
		s->rx_total += len;
		if (s->running && !s->stopped) {
			uint64_t b = atomic_load_explicit(&s->cnt.bytes, memory_order_relaxed);

			atomic_store_explicit(&s->cnt.bytes, b + len, memory_order_relaxed);
		}
		return;
	default:
		return;
	}
}

static void s_eof(struct pg_tcp_conn *c, void *arg)
{
	struct pg_i3_slot *s = arg;
	struct pg_lcore *lc = lc_of(s);

	if (s->kind == PG_I3_CTRL || s->kind == PG_I3_WAIT) {
		up_post(I3(lc), PG_I3_UP_EOF, s->idx, 0, NULL, 0);
		return;
	}
	if (s->kind == PG_I3_PENDING) {
		/* a client that closes before its 37 bytes: counted by main as "vanished" */
		up_post(I3(lc), PG_I3_UP_EOF, s->idx, -ENODATA, NULL, 0);
		pg_tcp_close(c);
		return;
	}
	if (s->kind == PG_I3_TSTREAM && !s->sc.sender)
		pg_tcp_close(c); /* the peer is done sending: close our side too */
}

static void s_closed(struct pg_tcp_conn *c, void *arg, int err)
{
	struct pg_i3_slot *s = arg;
	struct pg_lcore *lc = lc_of(s);

	(void)c;
	publish_tcp(s);
	s->c = NULL;
	up_post(I3(lc), PG_I3_UP_CLOSED, s->idx, err, NULL, 0);
	slot_free(I3(lc), s);
}

static const struct pg_tcp_app_ops slot_ops = {
	.connected = s_connected,
	.recv = s_recv,
	.fill = s_fill,
	.acked = s_acked,
	.eof = s_eof,
	.closed = s_closed,
};

/* Server: every new connection gets a slot and is read until its 37 first bytes. */
static int srv_accept(struct pg_tcp_conn *c, void *arg)
{
	struct pg_lcore *lc = arg;
	struct pg_i3_slot *s = slot_alloc(I3(lc));

	if (!s)
		return -1; /* refused with a RST; counted */
	s->c = c;
	s->kind = PG_I3_PENDING;
	s->ckgot = 0;
	s->accept_tsc = pg_rdtsc();
	pg_tcp_conn_set_app(c, &slot_ops, s);
	return 0;
}

static const struct pg_tcp_app_ops listen_ops = {
	.connected = srv_accept,
};

/* Server on several lcores: the engine asks about a segment it does not know. */
static int own_foreign(void *arg, uint32_t raddr, uint16_t rport, uint16_t lport)
{
	struct pg_lcore *lc = arg;
	struct pg_i3_lcore *l = I3(lc);
	unsigned int o;

	if (l->from_redirect || lport != l->port)
		return 0; /* passed here by its owner-to-be's table: ours to answer */
	o = pg_flow_owner_lookup(l->fown, raddr, rport, lport, 0);
	if (o == PG_FOWN_NONE || o == lc->idx)
		return 0;
	l->fown_to = (uint8_t)o;
	return 1;
}

/* A SYN on this lcore's queue: the connection is ours; say so before the SYN-ACK leaves. */
static int own_claim(void *arg, uint32_t raddr, uint16_t rport, uint16_t lport)
{
	struct pg_lcore *lc = arg;
	struct pg_i3_lcore *l = I3(lc);

	if (lport != l->port)
		return 0;
	return pg_flow_owner_insert(l->fown, raddr, rport, lport, 0, lc->idx) == -ENOSPC ? -1 : 0;
}

static void own_release(void *arg, uint32_t raddr, uint16_t rport, uint16_t lport)
{
	struct pg_lcore *lc = arg;
	struct pg_i3_lcore *l = I3(lc);

	if (lport == l->port)
		pg_flow_owner_remove(l->fown, raddr, rport, lport, 0);
}

static const struct pg_tcp_owner_ops owner_ops = {
	.foreign = own_foreign,
	.claim = own_claim,
	.release = own_release,
};

/* Hands pkt, whole, to lcore o (its owner); a full ring drops it, counted. */
static void pass_to(struct pg_lcore *lc, unsigned int o, const struct pg_pkt *pkt)
{
	if (pg_redirect_push_whole(lc->redir, lc->idx, o, pkt))
		atomic_fetch_add_explicit(&lc->stats.rx_redirected, 1, memory_order_relaxed);
	else
		atomic_fetch_add_explicit(&lc->stats.rx_redirect_full, 1, memory_order_relaxed);
}

/* Server: one more UDP connect datagram accepted, from the count of every lcore. */
static int udp_listen_take(struct pg_i3_lcore *l)
{
	if (!l->fown) {
		if (!l->udp_listen)
			return 0;
		l->udp_listen--;
		return 1;
	}
	{
		int v = atomic_load_explicit(&l->fown->udp_listen, memory_order_relaxed);

		while (v > 0)
			if (atomic_compare_exchange_weak_explicit(&l->fown->udp_listen, &v, v - 1,
								  memory_order_relaxed, memory_order_relaxed))
				return 1;
	}
	return 0;
}

/* ------------------------------------------------------------- UDP ---- */

static void udp_template(struct pg_lcore *lc, struct pg_i3_slot *s, uint8_t *frame, uint16_t plen)
{
	struct pg_i3_lcore *l = I3(lc);
	uint32_t dst = l->server ? s->sc.peer_ip : l->peer_ip;
	const uint8_t *dmac = l->server ? s->sc.peer_mac : l->peer_mac;

	/* UDP checksum 0 (none, allowed for IPv4): the payload is never summed */
	pg_udp_frame_build(frame, lc->port->info.mac, dmac, lc->port->info.ip4, dst, s->sc.sport,
			   s->sc.dport, 0, plen);
}

static int udp_send_small(struct pg_lcore *lc, struct pg_i3_slot *s, const uint8_t *pl, uint16_t n)
{
	const struct pg_port_ops *ops = lc->port->ops;
	struct pg_pkt pk;

	if (ops->tx_alloc(lc->q, &pk, 1) != 1)
		return -1;
	udp_template(lc, s, pk.data, n);
	memcpy(pk.data + PG_UDP_FRAME_HDR_LEN, pl, n);
	pk.len = PG_UDP_FRAME_HDR_LEN + n;
	if (ops->tx_burst(lc->q, &pk, 1) != 1) {
		ops->tx_free(lc->q, &pk, 1);
		return -1;
	}
	return 0;
}

/* Paced UDP senders: up to UDP_BURST datagrams per slot per pass. */
/* Paced TCP senders release on time, not only when ACKs come (everything may be acked). */
static void tcp_pace(struct pg_lcore *lc)
{
	struct pg_i3_lcore *l = I3(lc);
	unsigned int i;

	for (i = 0; i < l->nb_act; i++) {
		struct pg_i3_slot *s = &l->slots[l->act[i]];

		if (s->kind == PG_I3_TSTREAM && s->pace.q && s->running && !s->stopped)
			sender_feed(lc, s);
	}
}

static unsigned int udp_tx(struct pg_lcore *lc, uint64_t now, uint64_t now_ns)
{
	struct pg_i3_lcore *l = I3(lc);
	const struct pg_port_ops *ops = lc->port->ops;
	unsigned int i, total = 0;

	for (i = 0; i < l->nb_act; i++) {
		struct pg_i3_slot *s = &l->slots[l->act[i]];
		struct pg_pkt pk[UDP_BURST];
		unsigned int want = 0, got, k, sent;
		uint32_t sec = (uint32_t)(now_ns / 1000000000u), usec = (uint32_t)(now_ns % 1000000000u / 1000u);

		if (s->kind != PG_I3_USTREAM || !s->sc.sender || !s->running || s->stopped)
			continue;
		if (s->sc.max_bytes && s->udp_seq * s->sc.blksize >= s->sc.max_bytes) {
			if (!s->drained) {
				s->drained = 1;
				up_post(l, PG_I3_UP_DRAINED, s->idx, 0, NULL, 0);
			}
			continue;
		}
		if (!s->gap_tsc) {
			want = UDP_BURST;
		} else {
			uint64_t t = s->next_tsc;

			while (want < UDP_BURST && t <= now) {
				want++;
				t += s->gap_tsc;
			}
			/* far behind (descheduled): do not burst to catch up more than a burst */
			if (want == UDP_BURST && t <= now)
				s->next_tsc = now;
		}
		if (s->sc.max_bytes) {
			uint64_t left = (s->sc.max_bytes - s->udp_seq * s->sc.blksize + s->sc.blksize - 1) /
					s->sc.blksize;

			if (want > left)
				want = (unsigned int)left;
		}
		if (!want)
			continue;
		got = ops->tx_alloc(lc->q, pk, want);
		for (k = 0; k < got; k++) {
			udp_template(lc, s, pk[k].data, (uint16_t)s->sc.blksize);
			pg_iperf3_udp_stamp(pk[k].data + PG_UDP_FRAME_HDR_LEN, s->udp_seq + 1 + k, sec, usec,
					    s->sc.counters_64bit);
			pk[k].len = PG_UDP_FRAME_HDR_LEN + s->sc.blksize;
		}
		sent = got ? ops->tx_burst(lc->q, pk, got) : 0;
		if (sent < got)
			ops->tx_free(lc->q, &pk[sent], got - sent);
		if (lc->cap)
			for (k = 0; k < sent; k++)
				pg_capture_frame(lc->cap, lc->idx, pk[k].data, pk[k].len, now_ns,
						 PG_PCAPNG_DIR_OUT);
		s->udp_seq += sent;
		if (s->gap_tsc)
			s->next_tsc += s->gap_tsc * sent;
		atomic_store_explicit(&s->cnt.packets, s->udp_seq, memory_order_relaxed);
		atomic_store_explicit(&s->cnt.bytes, s->udp_seq * s->sc.blksize, memory_order_relaxed);
		total += sent;
	}
	return total;
}

static void udp_rx_account(struct pg_i3_slot *s, const struct pg_frame *fr, uint64_t now_ns)
{
	struct pg_iperf3_udp_hdr h;

	if (!s->running || s->stopped)
		return;
	if (pg_iperf3_udp_parse(fr->payload, fr->payload_len, s->sc.counters_64bit, &h))
		return;
	pg_iperf3_udp_rx_update(&s->urx, &h, fr->wire_payload_len, now_ns);
	atomic_store_explicit(&s->cnt.bytes, s->urx.bytes, memory_order_relaxed);
	atomic_store_explicit(&s->cnt.packets, s->urx.datagrams, memory_order_relaxed);
	atomic_store_explicit(&s->cnt.rx_hi, s->urx.packet_count, memory_order_relaxed);
	atomic_store_explicit(&s->cnt.rx_err, s->urx.cnt_error, memory_order_relaxed);
	atomic_store_explicit(&s->cnt.rx_ooo, s->urx.outoforder, memory_order_relaxed);
	atomic_store_explicit(&s->cnt.jitter_ns, (uint64_t)(s->urx.jitter * 1e9), memory_order_relaxed);
}

/* A UDP frame that TCP did not take. 1 if it was ours (or passed to its owner). */
static int udp_input(struct pg_lcore *lc, const struct pg_pkt *pkt, uint64_t now_ns)
{
	struct pg_i3_lcore *l = I3(lc);
	struct pg_frame fr;
	unsigned int i;

	if (pg_frame_classify(pkt->data, pkt->len, 0, 1, &fr) != PG_FRAME_OK || fr.proto != PG_IPPROTO_UDP ||
	    fr.daddr != lc->port->info.ip4)
		return 0;
	if (!l->server) {
		unsigned int k = (uint16_t)(fr.dport - l->ctrl_sport);
		struct pg_i3_slot *s;

		if (k >= PG_I3_CONNS)
			return 0;
		s = &l->slots[k];
		if (s->kind != PG_I3_USTREAM || fr.sport != l->port)
			return 0;
		if (!s->up_sent) {
			if (pg_iperf3_udp_is_connect_reply(fr.payload, fr.payload_len)) {
				s->up_sent = 1;
				up_post(l, PG_I3_UP_STREAM_UP, s->idx, 0, NULL, 0);
			}
			return 1; /* early data (-R) before the reply: ignored, as iperf3 does */
		}
		udp_rx_account(s, &fr, now_ns);
		return 1;
	}
	if (fr.dport != l->port)
		return 0;
	for (i = 0; i < l->nb_act; i++) {
		struct pg_i3_slot *s = &l->slots[l->act[i]];

		if (s->kind == PG_I3_USTREAM && s->sc.peer_ip == fr.saddr && s->sc.dport == fr.sport) {
			udp_rx_account(s, &fr, now_ns);
			return 1;
		}
	}
	if (l->fown && !l->from_redirect) {
		unsigned int o = pg_flow_owner_lookup(l->fown, fr.saddr, fr.sport, l->port, 1);

		if (o != PG_FOWN_NONE && o != lc->idx) {
			pass_to(lc, o, pkt);
			return 1;
		}
	}
	if (udp_listen_take(l)) {
		struct pg_i3_slot *s = slot_alloc(l);
		struct pg_i3_up u;

		if (!s)
			return 1;
		if (l->fown && pg_flow_owner_insert(l->fown, fr.saddr, fr.sport, l->port, 1, lc->idx) == -ENOSPC) {
			atomic_fetch_add_explicit(&l->table_full, 1, memory_order_relaxed);
			slot_free(l, s);
			return 1;
		}
		s->kind = PG_I3_USTREAM;
		s->sc.peer_ip = fr.saddr;
		s->sc.sport = l->port;
		s->sc.dport = fr.sport;
		memcpy(s->sc.peer_mac, fr.src_mac, 6);
		udp_send_small(lc, s, pg_iperf3_udp_connect_reply, PG_IPERF3_UDP_CONNECT_LEN);
		memset(&u, 0, sizeof(u));
		u.type = PG_I3_UP_UDP_NEW;
		u.slot = s->idx;
		u.peer_ip = fr.saddr;
		u.peer_port = fr.sport;
		u.local_port = l->port;
		if (pg_ring_enqueue_burst(l->up, &u, 1) != 1) {
			atomic_fetch_add_explicit(&l->up_overflow, 1, memory_order_relaxed);
			slot_free(l, s);
		}
		return 1;
	}
	atomic_fetch_add_explicit(&l->udp_unknown, 1, memory_order_relaxed);
	return 1;
}

/* --------------------------------------------------------- commands ---- */

static void ctrl_flush(struct pg_i3_slot *s)
{
	while (s->c && s->wpend_len) {
		int n = pg_tcp_write(s->c, s->wpend + s->wpend_off, s->wpend_len);

		if (n <= 0)
			break;
		s->wpend_off += (uint32_t)n;
		s->wpend_len -= (uint32_t)n;
	}
}

static void make_ctrl(struct pg_i3_lcore *l, struct pg_i3_slot *s)
{
	unsigned int b;

	s->kind = PG_I3_CTRL;
	for (b = 0; l->ctrl_bufs && b < PG_I3_CTRL_BUFS; b++) /* (none on a data-only lcore) */
		if (!l->ctrl_used[b]) {
			l->ctrl_used[b] = 1;
			s->ctrl_buf = (int)b;
			if (s->c)
				pg_tcp_attach_sndbuf(s->c, l->ctrl_bufs[b], PG_I3_CTRL_SNDBUF);
			return;
		}
	atomic_fetch_add_explicit(&l->table_full, 1, memory_order_relaxed);
	if (s->c)
		pg_tcp_abort(s->c);
}

/* Handles down-ring commands; a WRITE is taken only when the slot's pending chunk is out. */
static unsigned int commands(struct pg_lcore *lc, uint64_t now, uint64_t now_ns)
{
	struct pg_i3_lcore *l = I3(lc);
	struct pg_i3_down d;
	unsigned int n = 0;

	for (;;) {
		struct pg_i3_slot *s;

		if (l->have_held) {
			d = l->held;
		} else if (pg_ring_dequeue_burst(l->down, &d, 1) != 1) {
			break;
		}
		l->have_held = 0;
		if (d.slot >= PG_I3_CONNS && d.type != PG_I3_DOWN_UDP_LISTEN)
			continue;
		s = d.slot < PG_I3_CONNS ? &l->slots[d.slot] : NULL;
		n++;
		switch (d.type) {
		case PG_I3_DOWN_WRITE:
			if (s->kind != PG_I3_CTRL)
				break; /* the connection went away */
			if (s->wpend_len || !s->c || pg_tcp_conn_state(s->c) < PG_TCP_ESTABLISHED) {
				if (s->wpend_len)
					ctrl_flush(s);
				if (s->wpend_len || !s->c || pg_tcp_conn_state(s->c) < PG_TCP_ESTABLISHED) {
					l->held = d;
					l->have_held = 1;
					return n;
				}
			}
			memcpy(s->wpend, d.u.data, d.len);
			s->wpend_off = 0;
			s->wpend_len = d.len;
			ctrl_flush(s);
			break;
		case PG_I3_DOWN_CONTROL:
			if (s->kind == PG_I3_WAIT)
				make_ctrl(l, s);
			break;
		case PG_I3_DOWN_OPEN: /* client */
			slot_reset_counters(s);
			act_add(l, s);
			s->sc = d.u.sc;
			/* a receiver counts from the start: the peer sends only after
			 * TEST_RUNNING, which may reach us before this thread's RUN */
			s->running = !d.u.sc.sender;
			if (d.u.sc.udp) {
				s->kind = PG_I3_USTREAM;
				s->retry_tsc = now;
				pg_iperf3_udp_rx_init(&s->urx);
			} else {
				s->kind = PG_I3_TSTREAM;
				s->c = pg_tcp_connect(lc->tcp, l->peer_ip, l->peer_mac, d.u.sc.dport,
						      d.u.sc.sport, &slot_ops, s, now_ns);
				if (!s->c) {
					up_post(l, PG_I3_UP_CLOSED, s->idx, -errno, NULL, 0);
					slot_free(l, s);
				}
			}
			break;
		case PG_I3_DOWN_ATTACH: /* server */
			if (s->kind == PG_I3_WAIT && !d.u.sc.udp) {
				s->kind = PG_I3_TSTREAM;
				s->sc = d.u.sc;
				s->limit = 0;
				s->run_off = 0;
				if (d.u.sc.cc && s->c)
					pg_tcp_conn_set_cc(s->c, d.u.sc.cc == 1 ? &pg_tcp_cc_reno : &pg_tcp_cc_cubic);
				s->running = !d.u.sc.sender;
				if (s->running) {
					atomic_store_explicit(&s->cnt.bytes, s->rx_total - PG_IPERF3_COOKIE_LEN,
							      memory_order_relaxed);
					/* past the cookie a receiver only counts: out-of-order segments
					 * are taken (and SACKed) instead of dropped */
					if (s->c)
						pg_tcp_set_rcv_inorder(s->c, PG_IPERF3_COOKIE_LEN);
				}
			} else if (s->kind == PG_I3_USTREAM && d.u.sc.udp) {
				uint32_t ip = s->sc.peer_ip;
				uint16_t sp = s->sc.sport, dp = s->sc.dport;
				uint8_t mac[6];

				memcpy(mac, s->sc.peer_mac, 6);
				s->sc = d.u.sc;
				s->sc.peer_ip = ip;
				s->sc.sport = sp;
				s->sc.dport = dp;
				memcpy(s->sc.peer_mac, mac, 6);
				pg_iperf3_udp_rx_init(&s->urx);
				s->running = !d.u.sc.sender;
			}
			break;
		case PG_I3_DOWN_RUN:
			if (s->kind != PG_I3_TSTREAM && s->kind != PG_I3_USTREAM)
				break;
			s->running = 1;
			if (s->kind == PG_I3_USTREAM && s->sc.sender && s->sc.rate) {
				/* setup-time division: cycles between datagrams at the rate */
				double g = (double)s->sc.blksize * 8.0 * (double)lc->tsc->hz / (double)s->sc.rate;

				s->gap_tsc = g < 1 ? 1 : (uint64_t)g;
				s->next_tsc = now;
			}
			if (s->kind == PG_I3_TSTREAM && s->sc.sender)
				pg_pace_start(&s->pace, lc->tsc, s->sc.rate, now);
			if (s->kind == PG_I3_TSTREAM && s->sc.sender)
				sender_feed(lc, s);
			break;
		case PG_I3_DOWN_STOP:
			s->stopped = 1;
			if (s->kind == PG_I3_TSTREAM && s->sc.sender)
				sender_feed(lc, s);
			else if (s->kind == PG_I3_USTREAM && s->sc.sender && !s->drained) {
				s->drained = 1;
				up_post(l, PG_I3_UP_DRAINED, s->idx, 0, NULL, 0);
			}
			break;
		case PG_I3_DOWN_CLOSE:
			if (s->c)
				pg_tcp_close(s->c);
			else if (s->kind == PG_I3_USTREAM) {
				slot_free(l, s);
			}
			break;
		case PG_I3_DOWN_ABORT:
			if (s->c)
				pg_tcp_abort(s->c); /* closed() frees the slot */
			else if (s->kind != PG_I3_FREE)
				slot_free(l, s);
			break;
		case PG_I3_DOWN_DENY:
			if (s->c) {
				/* one 0xff byte from fill mode, then FIN */
				s->kind = PG_I3_CLOSING;
				pg_tcp_send_limit(s->c, 1);
				pg_tcp_close(s->c);
			}
			break;
		case PG_I3_DOWN_OMIT_END:
			if (s->kind == PG_I3_USTREAM && !s->sc.sender) {
				pg_iperf3_udp_rx_omit_end(&s->urx);
				atomic_store_explicit(&s->cnt.bytes, 0, memory_order_relaxed);
				atomic_store_explicit(&s->cnt.jitter_ns, 0, memory_order_relaxed);
			}
			break;
		case PG_I3_DOWN_UDP_LISTEN:
			if (l->fown)
				atomic_store_explicit(&l->fown->udp_listen, d.len > 255 ? 255 : d.len,
						      memory_order_relaxed);
			else
				l->udp_listen = (uint8_t)(d.len > 255 ? 255 : d.len);
			break;
		default:
			break;
		}
	}
	return n;
}

/* Client UDP streams resend their connect datagram until the reply comes. */
static void udp_connects(struct pg_lcore *lc, uint64_t now)
{
	struct pg_i3_lcore *l = I3(lc);
	unsigned int i;

	for (i = 0; i < l->nb_act; i++) {
		struct pg_i3_slot *s = &l->slots[l->act[i]];

		if (s->kind != PG_I3_USTREAM || s->up_sent || now < s->retry_tsc)
			continue;
		udp_send_small(lc, s, pg_iperf3_udp_connect_msg, PG_IPERF3_UDP_CONNECT_LEN);
		s->retry_tsc = now + pg_ns_to_tsc(lc->tsc, UDP_RETRY_NS);
	}
}

/* ----------------------------------------------------------------- loop ---- */

/* One received frame: TCP engine, then our UDP streams, then the backend or a count.
 * A frame another lcore passed on (redirected) is never ARP/ICMP (owned ports only), nor
 * passed on again. */
static void rx_frame(struct pg_lcore *lc, const struct pg_pkt *pkt, int redirected, uint64_t now_ns,
		     uint64_t now)
{
	struct pg_i3_lcore *l = I3(lc);
	int rc;

	l->from_redirect = (uint8_t)redirected;
	rc = pg_tcp_input(lc->tcp, pkt->data, pkt->len, now_ns);
	if (rc == -EREMOTE) {
		pass_to(lc, l->fown_to, pkt); /* another lcore's connection (server) */
	} else if (rc == -ENOENT) {
		if (udp_input(lc, pkt, now_ns))
			return;
		if (lc->sflows) /* iperf2 UDP server beside iperf3 */
			pg_udp_server_rx(lc, pkt, now_ns, now);
		else if (lc->port->ops->rx_other && !redirected)
			lc->port->ops->rx_other(lc->q, pkt);
		else
			atomic_fetch_add_explicit(&lc->stats.rx_not_ours, 1, memory_order_relaxed);
	} else if (rc < 0) {
		atomic_fetch_add_explicit(&lc->stats.rx_bad_frame, 1, memory_order_relaxed);
	}
}

/* Client on several lcores: a frame for a local port another lcore owns goes there whole
 * (a -R stream's data as much as an ACK); a server's only such port is iperf2's 5001.
 * 1 if it was passed on or dropped (ring full). */
static int redirect_out(struct pg_lcore *lc, const struct pg_pkt *pkt)
{
	unsigned int o = pg_redirect_route(lc->redir, lc->idx, pkt, 1);

	if (o == PG_REDIR_NONE)
		return 0;
	pass_to(lc, o, pkt);
	return 1;
}

/* Frames the other lcores passed to this one: up to 32 per pass from each. */
static unsigned int redirect_in(struct pg_lcore *lc, struct pg_redir_whole *in, uint64_t now_ns,
				uint64_t now)
{
	unsigned int from, k, work = 0;

	for (from = 0; from < lc->redir->nb; from++) {
		if (from == lc->idx)
			continue;
		for (k = 0; k < PG_PORT_BURST && pg_redirect_pull_whole(lc->redir, from, lc->idx, in); k++) {
			struct pg_pkt pk = { in->data, in->len, in->flags, in->rx_ts_ns, 0 };

			rx_frame(lc, &pk, 1, now_ns, now);
		}
		work += k;
	}
	return work;
}

void *pg_i3_lcore_main(void *arg)
{
	struct pg_lcore *lc = arg;
	struct pg_i3_lcore *l = I3(lc);
	const struct pg_port_ops *ops = lc->port->ops;
	const struct pg_tsc *tsc = lc->tsc;
	struct pg_pkt rx[PG_PORT_BURST];
	struct pg_backoff bo = { 0, 0 };
	struct pg_redir_whole redir_in; /* one redirected frame at a time, taken whole */
	uint64_t now = pg_rdtsc(), tick = pg_ns_to_tsc(tsc, PG_TICK_NS), next_tick = now + tick;
	uint64_t next_anchor = now + pg_ns_to_tsc(tsc, PG_REANCHOR_NS);
	/* owners by local port: a client's every port, a server's iperf2 port only (its
	 * iperf3 connections' owners are found by 4-tuple, and only when the engine asks) */
	int port_redir = lc->redir && lc->redir->nb_owned;
	unsigned int i, n;

	pattern_init();
	pg_clock_anchor(&lc->clock, tsc);
	for (i = 0; i < PG_I3_CONNS; i++) {
		l->slots[i].idx = (uint16_t)i;
		l->slots[i].lc = lc;
		l->slots[i].ctrl_buf = -1;
	}
	if (l->server) {
		if (l->fown)
			pg_tcp_set_owner_ops(lc->tcp, &owner_ops, lc);
		if (pg_tcp_listen(lc->tcp, l->port, &listen_ops, lc) ||
		    (lc->tflows && pg_tcp_iperf2_listen(lc))) {
			up_post(l, PG_I3_UP_CLOSED, 0, -EADDRINUSE, NULL, 0);
			goto out;
		}
	} else if (!l->data_only) {
		struct pg_i3_slot *s = &l->slots[0];

		act_add(l, s);
		make_ctrl(l, s);
		s->c = pg_tcp_connect(lc->tcp, l->peer_ip, l->peer_mac, l->port, l->ctrl_sport, &slot_ops, s,
				      pg_clock_now_ns(&lc->clock, now));
		if (!s->c) {
			up_post(l, PG_I3_UP_CLOSED, 0, -errno, NULL, 0);
			slot_free(l, s);
		} else {
			pg_tcp_attach_sndbuf(s->c, l->ctrl_bufs[s->ctrl_buf], PG_I3_CTRL_SNDBUF);
		}
	}
	/* Ctrl-C is the main thread's to handle (TERMINATE messages, closing in order); it
	 * sets ended when everything is out */
	while (!atomic_load_explicit(&l->ended, memory_order_relaxed)) {
		uint64_t now_ns;
		unsigned int work = 0;

		now = pg_rdtsc();
		now_ns = pg_clock_now_ns(&lc->clock, now);
		n = ops->rx_burst(lc->q, rx, PG_PORT_BURST);
		for (i = 0; i < n; i++) {
			if (lc->cap)
				pg_capture_frame(lc->cap, lc->idx, rx[i].data, rx[i].len, now_ns,
						 PG_PCAPNG_DIR_IN);
			if (port_redir && redirect_out(lc, &rx[i]))
				continue;
			rx_frame(lc, &rx[i], 0, now_ns, now);
		}
		if (n) {
			ops->rx_done(lc->q, rx, n);
			atomic_fetch_add_explicit(&lc->stats.rx_frames, n, memory_order_relaxed);
			work += n;
		}
		if (lc->redir)
			work += redirect_in(lc, &redir_in, now_ns, now);
		work += commands(lc, now, now_ns);
		for (i = 0; i < l->nb_act; i++)
			if (l->slots[l->act[i]].wpend_len)
				ctrl_flush(&l->slots[l->act[i]]);
		if (!l->server)
			udp_connects(lc, now);
		work += udp_tx(lc, now, now_ns);
		tcp_pace(lc);
		if (lc->tflows && l->server)
			pg_tcp_iperf2_server_poll(lc, now_ns, now >= next_tick);
		work += pg_tcp_tx_pump(lc, now_ns);
		if (now >= next_tick) {
			uint64_t silent = pg_ns_to_tsc(tsc, PG_I3_PENDING_NS);

			if (lc->sflows)
				pg_udp_server_tick(lc, now);
			for (i = 0; i < l->nb_act; i++) {
				struct pg_i3_slot *s = &l->slots[l->act[i]];

				if (s->kind == PG_I3_TSTREAM)
					publish_tcp(s);
				else if (s->kind == PG_I3_PENDING && s->c && now > s->accept_tsc &&
					 now - s->accept_tsc > silent) {
					/* (accepted after this pass read the clock: not yet due) */
					struct pg_i3_up u;

					memset(&u, 0, sizeof(u));
					u.type = PG_I3_UP_SILENT;
					u.slot = s->idx;
					pg_tcp_conn_peer(s->c, &u.peer_ip, &u.peer_port);
					pg_ring_enqueue_burst(l->up, &u, 1);
					pg_tcp_abort(s->c);
				}
			}
			next_tick = now + tick;
			if (now >= next_anchor) {
				pg_clock_reanchor(&lc->clock, tsc);
				next_anchor = now + pg_ns_to_tsc(tsc, PG_REANCHOR_NS);
			}
		}
		if (work) {
			pg_backoff_busy(&bo);
		} else {
			uint64_t dl = pg_tcp_next_deadline(lc->tcp), sl = 50000;

			if (dl != UINT64_MAX)
				sl = dl > now_ns ? (dl - now_ns < sl ? dl - now_ns : sl) : 0;
			for (i = 0; i < l->nb_act; i++) {
				const struct pg_i3_slot *s = &l->slots[l->act[i]];

				if (s->kind == PG_I3_USTREAM && s->sc.sender && s->running && !s->stopped)
					sl = 0;
			}
			pg_backoff_idle(&bo, lc->idle, sl, &lc->stats);
		}
	}
out:
	if (lc->sflows || lc->tflows) {
		/* the iperf2 side reports through the reporter: tell it this lcore is done */
		struct pg_msg m;
		int tries = 0;

		pg_msg_init(&m, PG_MSG_LCORE_DONE, lc, 0, 0, pg_clock_now_ns(&lc->clock, pg_rdtsc()));
		while (!pg_post(lc, &m) && tries++ < 1000)
			pg_backoff_idle(&bo, PG_IDLE_BACKOFF, 100000, &lc->stats);
	}
	atomic_store(&lc->done, 1);
	return NULL;
}

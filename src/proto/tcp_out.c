/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP output: decides what each connection sends next (SYN, RFC 6675 NextSeg
 * retransmission, new data within min(cwnd - pipe, peer window), FIN, window probe,
 * pure ACK) and builds Ethernet + IPv4 + TCP frames into caller buffers. Payload comes
 * from the application's fill() or the copy ring, for first sends and retransmissions
 * alike. Hot path: no allocation, no division.
 */
#include <string.h>

#include "pkt.h"
#include "tcp_priv.h"

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Writes Ethernet + IPv4 headers for a TCP segment of tcp_len bytes; returns the TCP header. */
static uint8_t *l3_build(struct pg_tcp_stack *s, uint8_t *f, const uint8_t *dmac, uint32_t daddr,
			 uint32_t tcp_len)
{
	struct pg_eth_hdr *eth = (struct pg_eth_hdr *)f;
	struct pg_ipv4_hdr *ip = (struct pg_ipv4_hdr *)(f + 14);

	memcpy(eth->dst, dmac, 6);
	memcpy(eth->src, s->cfg.local_mac, 6);
	eth->type = htons(PG_ETHERTYPE_IPV4);
	ip->ver_ihl = 0x45;
	ip->tos = 0;
	ip->tot_len = htons((uint16_t)(20 + tcp_len));
	ip->id = htons(s->ip_id++);
	ip->frag_off = htons(PG_IPV4_DF);
	ip->ttl = 64;
	ip->proto = PG_IPPROTO_TCP;
	ip->csum = 0;
	ip->saddr = s->cfg.local_ip;
	ip->daddr = daddr;
	ip->csum = pg_ipv4_csum(ip);
	return f + 34;
}

static void tcp_finish(struct pg_tcp_stack *s, uint8_t *t, uint32_t daddr, uint32_t tcp_len)
{
	uint16_t cs;

	t[16] = t[17] = 0;
	cs = pg_tcp_csum(s->cfg.local_ip, daddr, t, tcp_len);
	wr16(t + 16, cs);
	s->st.tx_frames++;
}

static uint16_t rst_build(struct pg_tcp_stack *s, const struct pg_tcp_rst *r, uint8_t *f)
{
	uint8_t *t = l3_build(s, f, r->rmac, r->raddr, 20);

	memset(t, 0, 20);
	wr16(t, r->lport);
	wr16(t + 2, r->rport);
	wr32(t + 4, r->seq);
	wr32(t + 8, r->ack);
	t[12] = 5 << 4;
	t[13] = r->flags;
	tcp_finish(s, t, r->raddr, 20);
	s->st.rst_out++;
	return 14 + 20 + 20;
}

/* Receive window to advertise now; the right edge never moves left (RFC 9293). */
static uint32_t rcv_space(const struct pg_tcp_conn *c)
{
	uint32_t share = c->stack->rx_share;
	uint32_t space = c->rcv_manual ? c->rcv_buf - c->rcv_unread :
			 c->rcv_buf < share ? c->rcv_buf : share;
	uint32_t cur = c->rcv_adv - c->rcv_nxt;

	/* Receiver SWS avoidance: do not advertise a small increase. */
	if (space > cur && space - cur < c->smss && space < c->rcv_buf)
		space = cur;
	return space > cur ? space : cur;
}

static unsigned int sack_blocks(const struct pg_tcp_conn *c)
{
	unsigned int max = c->ts_ok ? 3 : 4;

	if (!c->sack_ok || !c->nooo)
		return 0;
	return c->nooo < max ? c->nooo : max;
}

/* Payload bytes a segment may carry given the options it will have. */
static uint32_t seg_max(const struct pg_tcp_conn *c)
{
	unsigned int nb = sack_blocks(c);

	return nb ? c->smss - 4u - 8u * nb : c->smss;
}

static void fill_payload(struct pg_tcp_conn *c, uint8_t *dst, uint32_t seq, uint32_t len)
{
	uint64_t off = pg_tcp_seq2off(c, seq);

	if (c->sbuf) {
		uint32_t i;

		for (i = 0; i < len; i++)
			dst[i] = c->sbuf[(off + i) & c->sbuf_mask];
	} else if (c->ops && c->ops->fill) {
		c->ops->fill(c, c->arg, off, dst, len);
	} else {
		memset(dst, 0, len);
	}
}

/*
 * Builds one segment of c into f: flags, sequence number, payload bytes from the stream
 * at seq. Every segment but a SYN carries the ACK, the window and (negotiated) options.
 */
static uint16_t seg_build(struct pg_tcp_conn *c, uint8_t *f, uint8_t flags, uint32_t seq,
			  uint32_t plen, uint64_t now)
{
	struct pg_tcp_stack *s = c->stack;
	uint8_t opt[40], *t;
	unsigned int ol = 0, i, nb;
	uint32_t wnd, tl;

	if (flags & PG_TCP_SYN) {
		int synack = (flags & PG_TCP_ACK) != 0;

		opt[0] = PG_TCPOPT_MSS;
		opt[1] = 4;
		wr16(opt + 2, s->mss_local);
		ol = 4;
		if (synack ? c->sack_ok : !s->cfg.no_sack) {
			opt[ol++] = PG_TCPOPT_SACK_PERM;
			opt[ol++] = 2;
		} else {
			opt[ol++] = PG_TCPOPT_NOP;
			opt[ol++] = PG_TCPOPT_NOP;
		}
		if (synack ? c->ts_ok : !s->cfg.no_ts) {
			opt[ol++] = PG_TCPOPT_TS;
			opt[ol++] = 10;
			wr32(opt + ol, pg_tcp_ts_now(now));
			wr32(opt + ol + 4, synack ? c->ts_recent : 0);
			ol += 8;
		}
		if (synack ? c->ws_ok : !s->cfg.no_ws) {
			opt[ol++] = PG_TCPOPT_NOP;
			opt[ol++] = PG_TCPOPT_WS;
			opt[ol++] = 3;
			opt[ol++] = s->rcv_wscale;
		}
		wnd = c->rcv_buf > 65535 ? 65535 : c->rcv_buf;
		if (SEQ_LT(c->rcv_adv, c->rcv_nxt + wnd))
			c->rcv_adv = c->rcv_nxt + wnd;
	} else {
		if (c->ts_ok) {
			opt[0] = PG_TCPOPT_NOP;
			opt[1] = PG_TCPOPT_NOP;
			opt[2] = PG_TCPOPT_TS;
			opt[3] = 10;
			wr32(opt + 4, pg_tcp_ts_now(now));
			wr32(opt + 8, c->ts_recent);
			ol = 12;
		}
		nb = sack_blocks(c);
		if (nb) {
			opt[ol++] = PG_TCPOPT_NOP;
			opt[ol++] = PG_TCPOPT_NOP;
			opt[ol++] = PG_TCPOPT_SACK;
			opt[ol++] = (uint8_t)(2 + 8 * nb);
			/* RFC 2018: the block holding the latest segment first. */
			wr32(opt + ol, c->ooo[c->ooo_last].l);
			wr32(opt + ol + 4, c->ooo[c->ooo_last].r);
			ol += 8;
			for (i = 0; i < c->nooo && nb > 1; i++) {
				if (i == c->ooo_last)
					continue;
				wr32(opt + ol, c->ooo[i].l);
				wr32(opt + ol + 4, c->ooo[i].r);
				ol += 8;
				nb--;
			}
		}
		wnd = rcv_space(c);
		c->rcv_adv = c->rcv_nxt + wnd;
		wnd >>= c->rcv_wscale;
		if (wnd > 65535)
			wnd = 65535;
	}
	tl = 20 + ol + plen;
	t = l3_build(s, f, c->rmac, c->raddr, tl);
	wr16(t, c->lport);
	wr16(t + 2, c->rport);
	wr32(t + 4, seq);
	wr32(t + 8, (flags & PG_TCP_ACK) ? c->rcv_nxt : 0);
	t[12] = (uint8_t)(((20 + ol) / 4) << 4);
	t[13] = flags;
	wr16(t + 14, (uint16_t)wnd);
	wr16(t + 18, 0);
	memcpy(t + 20, opt, ol);
	if (plen)
		fill_payload(c, t + 20 + ol, seq, plen);
	tcp_finish(s, t, c->raddr, tl);
	if (flags & PG_TCP_ACK) {
		c->ack_now = 0;
		c->wnd_update = 0;
		c->segs_unacked = 0;
		c->t_delack = PG_TCP_NO_TIMER;
	}
	c->segs_out++;
	return (uint16_t)(34 + tl);
}

static void time_segment(struct pg_tcp_conn *c, uint32_t seq, uint64_t now)
{
	if (!c->ts_ok && !c->timed) {
		c->timed = 1;
		c->rtt_seq = seq;
		c->rtt_ts = now;
	}
}

/* Sends [seq, seq + len) again (len in sequence space; may end with the FIN). */
static uint16_t send_rxt(struct pg_tcp_conn *c, uint8_t *f, uint32_t seq, uint32_t len, uint64_t now)
{
	uint32_t plen = pg_tcp_avail(c, seq);
	uint8_t flags = PG_TCP_ACK;
	uint32_t fin_seq = pg_tcp_off2seq(c, c->lim_off);

	if (plen > len)
		plen = len;
	if (c->fin_sent && seq + plen == fin_seq && SEQ_GT(seq + len, fin_seq))
		flags |= PG_TCP_FIN;
	if (!plen && !(flags & PG_TCP_FIN))
		return 0;
	c->high_rxt = seq + plen + ((flags & PG_TCP_FIN) ? 1 : 0);
	if (c->in_rec == REC_FAST && !c->undo_armed && seq == c->undo_seq) {
		c->undo_armed = 1; /* this segment's ACK tells whether it was really lost */
		c->undo_tsval = pg_tcp_ts_now(now);
	}
	c->retrans_segs++;
	c->retrans_bytes += plen;
	if (c->timed && SEQ_LEQ(seq, c->rtt_seq))
		c->timed = 0; /* Karn */
	pg_tcp_rtx_on_send(c, now);
	return seg_build(c, f, flags, seq, plen, now);
}

static uint16_t conn_output_one(struct pg_tcp_conn *c, uint8_t *f, uint64_t now)
{
	uint32_t pipe, cw, wnd_end, avail, len, mx, flight;
	uint8_t flags;

	if (c->syn_pending) {
		c->syn_pending = 0;
		c->snd_max = c->iss + 1;
		if (c->retries == 0)
			time_segment(c, c->iss, now);
		else
			c->timed = 0;
		pg_tcp_rtx_on_send(c, now);
		return seg_build(c, f, c->state == PG_TCP_SYN_SENT ? PG_TCP_SYN : PG_TCP_SYN | PG_TCP_ACK,
				 c->iss, 0, now);
	}
	if (c->state == PG_TCP_SYN_SENT || c->state == PG_TCP_SYN_RCVD || c->state == PG_TCP_CLOSED)
		return 0;
	if (c->state == PG_TCP_TIME_WAIT)
		return c->ack_now ? seg_build(c, f, PG_TCP_ACK, c->snd_max, 0, now) : 0;
	if (c->probe_pending) {
		/* Linux-style probe: an old sequence number makes the receiver ACK with its window. */
		c->probe_pending = 0;
		return seg_build(c, f, PG_TCP_ACK, c->snd_una - 1, 0, now);
	}

	pipe = pg_tcp_pipe(c);
	cw = c->cwnd > pipe ? c->cwnd - pipe : 0;
	mx = seg_max(c);
	if (c->tlp_send) {
		/* RFC 8985 7.3: the probe is a new segment when the peer's window allows one,
		 * whatever cwnd says; otherwise the last segment again. Either draws an ACK
		 * that tells what the tail's lost ACKs (or the tail itself) would have. */
		uint32_t fl = c->snd_max - c->snd_una, un = c->snd_una + c->snd_wnd;

		c->tlp_send = 0;
		if (!c->fin_sent && pg_tcp_avail(c, c->snd_max) && SEQ_GEQ(un, c->snd_max + mx)) {
			if (cw < mx)
				cw = mx;
		} else if (fl) {
			uint32_t l = fl < mx ? fl : mx;

			if ((l = send_rxt(c, f, c->snd_max - l, l, now)))
				return (uint16_t)l;
		}
	}

	/* RFC 6675 NextSeg rule 1: the first lost, unSACKed, not yet retransmitted bytes. */
	if (c->in_rec != REC_NONE && (cw >= mx || c->rxt_first)) {
		uint32_t L = pg_tcp_sack_lost_end(c), hl;
		uint32_t sq = pg_tcp_sack_next_hole(c, seq_max(c->high_rxt, c->snd_una), &hl);

		if (SEQ_LT(sq, L)) {
			len = seq_min(sq + (hl < mx ? hl : mx), L) - sq;
			if (len > mx)
				len = mx;
			len = send_rxt(c, f, sq, len, now);
			if (len) {
				c->rxt_first = 0;
				return (uint16_t)len;
			}
		}
	}

	/* New data (rule 2). */
	flight = c->snd_max - c->snd_una;
	wnd_end = c->snd_una + c->snd_wnd;
	avail = c->fin_sent ? 0 : pg_tcp_avail(c, c->snd_max);
	if (avail) {
		uint32_t usable = SEQ_GT(wnd_end, c->snd_max) ? wnd_end - c->snd_max : 0;

		len = avail < mx ? avail : mx;
		if (len > usable)
			len = usable;
		if (len > cw)
			len = cw;
		/* Sender SWS avoidance: full segments, the last bytes, or an idle pipe. */
		if (len && (len == mx || len == avail || (!flight && len == usable))) {
			uint32_t seq = c->snd_max;

			flags = PG_TCP_ACK;
			if (len == avail) {
				flags |= PG_TCP_PSH;
				if (c->fin_queued && c->lim_off != UINT64_MAX) {
					flags |= PG_TCP_FIN;
					c->fin_sent = 1;
				}
			}
			c->snd_max += len + ((flags & PG_TCP_FIN) ? 1 : 0);
			c->bytes_sent += len;
			time_segment(c, seq, now);
			pg_tcp_rtx_on_send(c, now);
			if (flags & PG_TCP_FIN) {
				if (c->state == PG_TCP_ESTABLISHED)
					c->state = PG_TCP_FIN_WAIT_1;
				else if (c->state == PG_TCP_CLOSE_WAIT)
					c->state = PG_TCP_LAST_ACK;
			}
			return seg_build(c, f, flags, seq, len, now);
		}
		if (!usable && !flight)
			pg_tcp_persist_arm(c, now);
	} else if (c->fin_queued && !c->fin_sent &&
		   (c->state == PG_TCP_ESTABLISHED || c->state == PG_TCP_CLOSE_WAIT)) {
		uint32_t seq = c->snd_max;

		c->fin_sent = 1;
		c->snd_max++;
		c->state = c->state == PG_TCP_ESTABLISHED ? PG_TCP_FIN_WAIT_1 : PG_TCP_LAST_ACK;
		pg_tcp_rtx_on_send(c, now);
		return seg_build(c, f, PG_TCP_ACK | PG_TCP_FIN, seq, 0, now);
	}

	if (c->ack_now || c->wnd_update) {
		uint16_t l = seg_build(c, f, PG_TCP_ACK, c->snd_max, 0, now);

		if (c->dupack_out) {
			c->dupack_out--;
			c->ack_now = 1;
		}
		return l;
	}
	return 0;
}

unsigned int pg_tcp_output(struct pg_tcp_stack *s, uint64_t now, struct pg_tcp_txbuf *tx,
			   unsigned int n)
{
	unsigned int k = 0, idle = 0, i;
	struct pg_tcp_conn *c;

	pg_tcp_poll(s, now);
	while (k < n && s->rstq_n) {
		if (tx[k].cap < 54)
			return k;
		tx[k].len = rst_build(s, &s->rstq[0], tx[k].buf);
		k++;
		for (i = 1; i < s->rstq_n; i++)
			s->rstq[i - 1] = s->rstq[i];
		s->rstq_n--;
	}
	/* Round robin, one segment per connection per turn, until a full turn sends nothing. */
	c = s->rr ? s->rr : s->active;
	while (k < n && c && idle < s->nb_active) {
		struct pg_tcp_conn *nx = c->next ? c->next : s->active;
		uint16_t l;

		if (tx[k].cap < s->cfg.mtu + 14)
			break;
		l = conn_output_one(c, tx[k].buf, now);
		if (l) {
			tx[k++].len = l;
			idle = 0;
		} else {
			idle++;
		}
		c = nx;
	}
	s->rr = c;
	s->next_timer = k < n ? pg_tcp_timers_min(s) : 0;
	return k;
}

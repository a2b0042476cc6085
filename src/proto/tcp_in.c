/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP input: demux, passive open, the RFC 9293 segment-arrival steps with RFC 7323
 * PAWS, RFC 5961 RST/SYN/ACK checks (challenge ACKs), ACK processing (RTT, congestion
 * control, SACK scoreboard, fast retransmit entry, recovery exit), receive-side
 * delivery without copies (see tcp.h for the out-of-order rules), the ACK policy and
 * FIN handling.
 */
#include <errno.h>
#include <string.h>

#include "frame.h"
#include "pkt.h"
#include "tcp_priv.h"

static int gone(const struct pg_tcp_conn *c)
{
	return c->state == PG_TCP_CLOSED;
}

static void syn_options(struct pg_tcp_conn *c, const struct pg_tcp_seg *seg)
{
	const struct pg_tcp_cfg *cfg = &c->stack->cfg;
	uint16_t mss;

	c->ts_ok = seg->has_ts && !cfg->no_ts;
	if (c->ts_ok)
		c->ts_recent = seg->tsval;
	c->sack_ok = seg->sack_perm && !cfg->no_sack;
	c->ws_ok = seg->has_ws && !cfg->no_ws;
	c->snd_wscale = c->ws_ok ? seg->ws : 0;
	c->rcv_wscale = c->ws_ok ? c->stack->rcv_wscale : 0;
	if (!c->ws_ok && c->rcv_buf > 65535)
		c->rcv_buf = 65535;
	c->peer_mss = seg->has_mss ? seg->mss : 536;
	mss = c->peer_mss < c->stack->mss_local ? c->peer_mss : c->stack->mss_local;
	if (mss < 88)
		mss = 88; /* room for options and some payload */
	c->smss = (uint16_t)(mss - (c->ts_ok ? 12 : 0));
}

static void established(struct pg_tcp_conn *c, uint64_t now)
{
	c->state = PG_TCP_ESTABLISHED;
	c->cwnd = c->stack->cfg.init_cwnd * c->smss;
	c->ssthresh = UINT32_MAX >> 1;
	if (c->cc->init)
		c->cc->init(c);
	c->retries = 0;
	c->backoff = 0;
	pg_tcp_rearm_rtx(c, now);
	if (c->passive)
		c->stack->st.conn_accepted++;
	c->detached = 0;
	if (c->ops && c->ops->connected && c->ops->connected(c, c->arg)) {
		pg_tcp_abort(c);
		return;
	}
	if (!gone(c))
		c->stack->next_timer = 0;
}

static void rtt_from_ack(struct pg_tcp_conn *c, const struct pg_tcp_seg *seg, uint64_t now)
{
	if (c->ts_ok && seg->has_ts && seg->tsecr) {
		int32_t d = (int32_t)(pg_tcp_ts_now(now) - seg->tsecr);

		if (d >= 0)
			pg_tcp_rtt_sample(c, (uint64_t)d << 10);
	} else if (c->timed && SEQ_GT(seg->ack, c->rtt_seq)) {
		c->timed = 0;
		pg_tcp_rtt_sample(c, now - c->rtt_ts);
	}
}

/* ---------------------------------------------------------- passive open ---- */

/* A segment of no connection here: a new one, another engine's (-EREMOTE), or a RST. */
static int no_conn(struct pg_tcp_stack *s, const struct pg_frame *fr, const struct pg_tcp_seg *seg,
		   uint64_t now)
{
	const struct pg_tcp_listener *l;
	struct pg_tcp_conn *c;

	l = pg_tcp_listener_find(s, seg->dport);
	/* a retransmitted SYN or a RST is the owner's to judge as much as data */
	if (l && s->owner_ops && s->owner_ops->foreign(s->owner_arg, fr->saddr, seg->sport, seg->dport))
		return -EREMOTE;
	if (seg->flags & PG_TCP_RST)
		return 0;
	if (l && (seg->flags & (PG_TCP_SYN | PG_TCP_ACK | PG_TCP_FIN)) == PG_TCP_SYN) {
		c = pg_tcp_conn_alloc(s);
		if (!c)
			return 0; /* the client retries its SYN */
		c->laddr = s->cfg.local_ip;
		c->raddr = fr->saddr;
		c->lport = seg->dport;
		c->rport = seg->sport;
		memcpy(c->rmac, fr->src_mac, 6);
		c->ops = l->ops;
		c->arg = l->arg;
		c->passive = 1;
		c->detached = 1; /* the application sees it once established */
		pg_tcp_conn_init_seq(c, now);
		c->irs = seg->seq;
		c->rcv_nxt = seg->seq + 1;
		c->rcv_adv = c->rcv_nxt;
		syn_options(c, seg);
		c->snd_wnd = seg->wnd;
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = c->iss;
		c->state = PG_TCP_SYN_RCVD;
		if (pg_tcp_tbl_insert(s, c)) {
			c->state = PG_TCP_CLOSED;
			c->lport = 0;
			pg_tcp_conn_free(c);
			return 0;
		}
		if (s->owner_ops) {
			if (s->owner_ops->claim(s->owner_arg, c->raddr, c->rport, c->lport)) {
				pg_tcp_conn_free(c);
				goto refuse; /* the owner table is full */
			}
			c->claimed = 1;
		}
		c->segs_in++;
		c->syn_pending = 1;
		return 0;
	}
refuse:
	s->st.rx_no_conn++;
	if (seg->flags & PG_TCP_ACK)
		pg_tcp_queue_rst(s, fr->saddr, fr->src_mac, seg->dport, seg->sport, seg->ack, 0,
				 PG_TCP_RST);
	else
		pg_tcp_queue_rst(s, fr->saddr, fr->src_mac, seg->dport, seg->sport, 0,
				 seg->seq + seg->len + ((seg->flags & PG_TCP_SYN) ? 1 : 0) +
					 ((seg->flags & PG_TCP_FIN) ? 1 : 0),
				 PG_TCP_RST | PG_TCP_ACK);
	return 0;
}

/* ----------------------------------------------------------------- ACKs ---- */

void pg_tcp_enter_recovery(struct pg_tcp_conn *c, uint64_t now)
{
	c->prior_cwnd = c->cwnd;
	c->prior_ssthresh = c->ssthresh;
	c->undo_seq = c->snd_una;
	c->undo_armed = 0;
	c->t_reo = PG_TCP_NO_TIMER;
	c->ssthresh = c->cc->on_loss(c, now, 0);
	c->cwnd = c->ssthresh;
	c->in_rec = REC_FAST;
	c->recover = c->snd_max;
	c->high_rxt = c->snd_una;
	c->lost_floor = c->snd_una + c->smss; /* retransmit the first segment at once */
	/* RFC 6675 5 (4.3) / RFC 5681 3.2: that retransmission does not wait for
	 * cwnd - pipe >= SMSS (without SACK blocks the pipe still counts the whole flight). */
	c->rxt_first = 1;
	c->fast_recoveries++;
	c->timed = 0;
}

int pg_tcp_loss_suspected(const struct pg_tcp_conn *c)
{
	return c->in_rec == REC_NONE && c->snd_max != c->snd_una &&
	       (c->dupacks >= PG_TCP_DUPTHRESH ||
		c->sacked_bytes >= (PG_TCP_DUPTHRESH - 1) * (uint32_t)c->smss + 1);
}

/*
 * Eifel detection (RFC 3522) with timestamps: the ACK that covers the first segment
 * retransmitted in this recovery echoes the original transmission's timestamp, older
 * than the retransmission's: the segment was late, not lost. The window reduction is
 * undone (RFC 4015) and, as RACK does (RFC 8985 7.2), the reordering window grows so
 * the next such hole waits a while before it counts as a loss.
 */
static int spurious_recovery(struct pg_tcp_conn *c, const struct pg_tcp_seg *seg)
{
	if (c->in_rec != REC_FAST || !c->undo_armed || !c->ts_ok || !seg->has_ts || !seg->tsecr ||
	    !SEQ_GT(seg->ack, c->undo_seq) || !SEQ_LT(seg->tsecr, c->undo_tsval))
		return 0;
	if (c->cwnd < c->prior_cwnd)
		c->cwnd = c->prior_cwnd;
	c->ssthresh = c->prior_ssthresh;
	c->in_rec = REC_NONE;
	c->rxt_first = 0;
	c->undo_armed = 0;
	c->undos++;
	if (c->reo_mult < 16)
		c->reo_mult++; /* at most SRTT (pg_tcp_reo_wnd) */
	return 1;
}

/* Returns 1 when the connection went away. */
static int process_ack(struct pg_tcp_conn *c, const struct pg_tcp_seg *seg, uint64_t now)
{
	uint32_t acked = seg->ack - c->snd_una, wnd = (uint32_t)seg->wnd << c->snd_wscale;
	/* RFC 7661 / Linux tcp_is_cwnd_limited: cwnd grows only while it limits the flight
	 * (not when the peer's window or the application does), or it balloons unused. */
	int cwnd_limited = c->cwnd < 2u * (c->snd_max - c->snd_una);
	int wnd_changed = 0;

	if (SEQ_LT(c->snd_wl1, seg->seq) ||
	    (c->snd_wl1 == seg->seq && SEQ_LEQ(c->snd_wl2, seg->ack))) {
		wnd_changed = c->snd_wnd != wnd;
		if (wnd > c->snd_wnd && c->persist) {
			c->persist = 0;
			c->backoff = 0;
			c->t_rtx = PG_TCP_NO_TIMER;
		}
		c->snd_wnd = wnd;
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = seg->ack;
		if (wnd > c->max_snd_wnd)
			c->max_snd_wnd = wnd;
	}
	if (c->sack_ok && seg->nsack)
		pg_tcp_sack_update(c, seg);

	if (SEQ_GT(seg->ack, c->snd_una)) {
		int fin_acked = c->fin_sent && seg->ack == c->snd_max;
		uint32_t data = acked - (fin_acked ? 1u : 0u);
		int was_rec = c->in_rec;

		rtt_from_ack(c, seg, now);
		c->una_off += data;
		c->snd_una = seg->ack;
		c->bytes_acked += data;
		pg_tcp_sack_trim(c);
		c->retries = 0;
		c->backoff = 0;
		c->tlp_out = 0;
		if (SEQ_LT(c->high_rxt, c->snd_una))
			c->high_rxt = c->snd_una;
		c->t_reo = PG_TCP_NO_TIMER; /* the hole moved: the window restarts below */
		if (spurious_recovery(c, seg)) {
			c->lost_floor = c->snd_una;
			was_rec = REC_NONE;
		} else if (c->in_rec != REC_NONE && SEQ_GEQ(seg->ack, c->recover)) {
			if (c->in_rec == REC_FAST) {
				c->cwnd = c->ssthresh;
				if (c->cc->on_recovered)
					c->cc->on_recovered(c, now);
			}
			c->in_rec = REC_NONE;
			c->rxt_first = 0;
			c->lost_floor = c->snd_una;
		} else if (c->in_rec == REC_FAST) {
			/* Partial ACK. Without SACK information, NewReno (RFC 6582 3.2 step 5): the
			 * next hole is lost and is retransmitted at once. */
			if (!c->nsack) {
				c->lost_floor = c->snd_una + c->smss;
				c->rxt_first = 1;
			}
		} else if (c->in_rec == REC_LOSS) {
			c->cc->on_ack(c, data, now);
		}
		if (was_rec == REC_NONE && data && cwnd_limited)
			c->cc->on_ack(c, data, now);
		c->dupacks = 0;
		pg_tcp_rearm_rtx(c, now);
		if (data && c->ops && c->ops->acked && !c->detached) {
			c->ops->acked(c, c->arg, c->una_off);
			if (gone(c))
				return 1;
		}
		if (fin_acked) {
			switch (c->state) {
			case PG_TCP_FIN_WAIT_1:
				c->state = PG_TCP_FIN_WAIT_2;
				break;
			case PG_TCP_CLOSING:
				pg_tcp_set_state(c, PG_TCP_TIME_WAIT, now);
				pg_tcp_conn_done(c, 0, now);
				return 0;
			case PG_TCP_LAST_ACK:
				pg_tcp_conn_done(c, 0, now);
				return 1;
			default:
				break;
			}
		}
	} else if (seg->ack == c->snd_una && !seg->len &&
		   !(seg->flags & (PG_TCP_SYN | PG_TCP_FIN)) && !wnd_changed &&
		   c->snd_max != c->snd_una) {
		if (c->dupacks < 255)
			c->dupacks++;
		c->dup_acks_in++;
	}

	if (pg_tcp_loss_suspected(c)) {
		/* Once reordering was seen, a hole is lost only when it outlives the window. */
		if (!c->reo_mult)
			pg_tcp_enter_recovery(c, now);
		else if (c->t_reo == PG_TCP_NO_TIMER)
			pg_tcp_timer_set(c, &c->t_reo, now + pg_tcp_reo_wnd(c));
	}
	return 0;
}

/* ----------------------------------------------------------------- data ---- */

static void deliver(struct pg_tcp_conn *c, const struct pg_tcp_range *cov, unsigned int ncov,
		    uint32_t l, uint32_t r, const uint8_t *p, uint32_t seq0)
{
	while (SEQ_LT(l, r) && !gone(c)) {
		uint32_t n, at = pg_tcp_ooo_uncovered(cov, ncov, l, r, &n);

		if (!n)
			break;
		c->bytes_received += n;
		if (c->rcv_manual)
			c->rcv_unread += n;
		if (c->ops && c->ops->recv)
			c->ops->recv(c, c->arg, p + (at - seq0), n,
				     c->rcv_off + (uint32_t)(at - c->rcv_nxt));
		l = at + n;
	}
}

static void process_data(struct pg_tcp_conn *c, const struct pg_tcp_seg *seg, uint64_t now)
{
	uint32_t l = seg->seq, r = seg->seq + seg->len;

	if (SEQ_LT(l, c->rcv_nxt))
		l = c->rcv_nxt;
	if (SEQ_GT(r, c->rcv_adv))
		r = c->rcv_adv;
	if (!SEQ_LT(l, r)) {
		c->ack_now = 1; /* duplicate, or beyond a closed window */
		return;
	}
	if (seg->len > c->rcv_mss)
		c->rcv_mss = (uint16_t)(seg->len > 65535 ? 65535 : seg->len);

	if (l == c->rcv_nxt) {
		int had_ooo = c->nooo != 0;

		deliver(c, c->ooo, c->nooo, l, r, seg->payload, seg->seq);
		if (gone(c))
			return;
		c->rcv_off += r - c->rcv_nxt;
		c->rcv_nxt = r;
		pg_tcp_ooo_advance(c);
		c->dupack_out = 0;
		if (had_ooo) {
			c->ack_now = 1; /* RFC 5681 4.2: ACK at once when a hole fills */
		} else if (seg->len >= c->rcv_mss) {
			c->segs_unacked++;
			if (c->quickacks) {
				c->quickacks--;
				c->ack_now = 1;
			} else if (c->segs_unacked >= 2) {
				c->ack_now = 1;
			}
		}
		if (!c->ack_now && c->t_delack == PG_TCP_NO_TIMER)
			pg_tcp_timer_set(c, &c->t_delack, now + c->stack->cfg.delack_ns);
		return;
	}

	/* Out of order: RFC 5681 4.2 wants an immediate ACK for each such segment, and a
	 * sender without SACK counts them; one burst of input must not fold them into one. */
	c->ooo_segs_in++;
	if (c->ack_now && c->dupack_out < 64)
		c->dupack_out++;
	c->ack_now = 1;
	if (c->rcv_off + (uint32_t)(l - c->rcv_nxt) < c->inorder_lim) {
		c->stack->st.rx_ooo_drop++;
		return;
	}
	{
		struct pg_tcp_range before[PG_TCP_OOO_MAX];
		unsigned int nb = c->nooo;

		memcpy(before, c->ooo, sizeof(before));
		if (pg_tcp_ooo_add(c, l, r)) {
			c->stack->st.rx_ooo_drop++;
			return;
		}
		deliver(c, before, nb, l, r, seg->payload, seg->seq);
	}
}

static void do_fin(struct pg_tcp_conn *c, uint64_t now)
{
	c->rcv_nxt++;
	c->rcv_fin = 0;
	c->ack_now = 1;
	switch (c->state) {
	case PG_TCP_ESTABLISHED:
		c->state = PG_TCP_CLOSE_WAIT;
		break;
	case PG_TCP_FIN_WAIT_1:
		c->state = PG_TCP_CLOSING;
		break;
	case PG_TCP_FIN_WAIT_2:
		pg_tcp_set_state(c, PG_TCP_TIME_WAIT, now);
		break;
	default:
		return;
	}
	if (c->ops && c->ops->eof && !c->detached)
		c->ops->eof(c, c->arg);
	if (!gone(c) && c->state == PG_TCP_TIME_WAIT)
		pg_tcp_conn_done(c, 0, now);
}

/* ------------------------------------------------------------ segments ---- */

static void conn_input(struct pg_tcp_conn *c, const struct pg_tcp_seg *seg, uint64_t now)
{
	struct pg_tcp_stack *s = c->stack;
	uint32_t seg_end;
	int acceptable;

	c->segs_in++;
	if (c->state == PG_TCP_SYN_SENT) {
		if ((seg->flags & PG_TCP_ACK) && seg->ack != c->iss + 1) {
			if (!(seg->flags & PG_TCP_RST))
				pg_tcp_queue_rst(s, c->raddr, c->rmac, c->lport, c->rport, seg->ack, 0,
						 PG_TCP_RST);
			return;
		}
		if (seg->flags & PG_TCP_RST) {
			if (seg->flags & PG_TCP_ACK)
				pg_tcp_conn_done(c, -ECONNREFUSED, now);
			return;
		}
		if (!(seg->flags & PG_TCP_SYN) || !(seg->flags & PG_TCP_ACK))
			return; /* simultaneous open is not supported */
		c->irs = seg->seq;
		c->rcv_nxt = seg->seq + 1;
		c->rcv_adv = c->rcv_nxt;
		syn_options(c, seg);
		rtt_from_ack(c, seg, now);
		c->snd_una = seg->ack;
		c->snd_wnd = seg->wnd; /* never scaled in a SYN (RFC 7323) */
		c->max_snd_wnd = c->snd_wnd;
		c->snd_wl1 = seg->seq;
		c->snd_wl2 = seg->ack;
		c->ack_now = 1;
		established(c, now);
		return;
	}

	/* PAWS (RFC 7323 5.3). */
	if (c->ts_ok && seg->has_ts && !(seg->flags & PG_TCP_RST) &&
	    SEQ_LT(seg->tsval, c->ts_recent)) {
		s->st.rx_paws_drop++;
		c->ack_now = 1;
		return;
	}

	/* RST (RFC 5961 3.2): exact match resets, in-window draws a challenge ACK. */
	if (seg->flags & PG_TCP_RST) {
		if (seg->seq == c->rcv_nxt) {
			if (c->state == PG_TCP_TIME_WAIT) {
				pg_tcp_conn_free(c);
				return;
			}
			pg_tcp_conn_done(c, -ECONNRESET, now);
		} else if (SEQ_GT(seg->seq, c->rcv_nxt) && SEQ_LT(seg->seq, c->rcv_adv)) {
			c->ack_now = 1;
			s->st.challenge_acks++;
		}
		return;
	}

	seg_end = seg->seq + seg->len + ((seg->flags & PG_TCP_SYN) ? 1 : 0) +
		  ((seg->flags & PG_TCP_FIN) ? 1 : 0);
	acceptable = SEQ_GEQ(seg_end, c->rcv_nxt) && SEQ_LEQ(seg->seq, c->rcv_adv);
	if (seg->len == 0 && !(seg->flags & (PG_TCP_SYN | PG_TCP_FIN)) && seg->seq == c->rcv_nxt)
		acceptable = 1;
	if (!acceptable) {
		c->ack_now = 1;
		return;
	}

	if (seg->flags & PG_TCP_SYN) {
		if (c->state == PG_TCP_SYN_RCVD && seg->seq == c->irs && !(seg->flags & PG_TCP_ACK)) {
			c->syn_pending = 1; /* our SYN-ACK was lost */
			return;
		}
		/* RFC 5961 4.2: any SYN on a synchronized connection gets a challenge ACK. */
		c->ack_now = 1;
		s->st.challenge_acks++;
		return;
	}
	if (!(seg->flags & PG_TCP_ACK))
		return;

	if (c->state == PG_TCP_SYN_RCVD) {
		if (SEQ_GT(seg->ack, c->snd_una) && SEQ_LEQ(seg->ack, c->snd_max)) {
			rtt_from_ack(c, seg, now);
			c->snd_una = seg->ack;
			c->snd_wnd = (uint32_t)seg->wnd << c->snd_wscale;
			c->max_snd_wnd = c->snd_wnd;
			c->snd_wl1 = seg->seq;
			c->snd_wl2 = seg->ack;
			established(c, now);
			if (gone(c))
				return;
		} else {
			pg_tcp_queue_rst(s, c->raddr, c->rmac, c->lport, c->rport, seg->ack, 0, PG_TCP_RST);
			return;
		}
	}

	if (c->state == PG_TCP_TIME_WAIT) {
		if (seg->flags & PG_TCP_FIN) {
			c->ack_now = 1;
			pg_tcp_timer_set(c, &c->t_2msl, now + s->cfg.time_wait_ns);
		}
		return;
	}

	if (SEQ_GT(seg->ack, c->snd_max) ||
	    SEQ_LT(seg->ack, c->snd_una - (c->max_snd_wnd > 65535 ? c->max_snd_wnd : 65535))) {
		c->ack_now = 1; /* RFC 9293 / RFC 5961 5.2: ACK of unsent or ancient data */
		if (SEQ_GT(seg->ack, c->snd_max))
			s->st.challenge_acks++;
		return;
	}
	if (c->ts_ok && seg->has_ts && SEQ_LEQ(seg->seq, c->rcv_nxt))
		c->ts_recent = seg->tsval;
	if (process_ack(c, seg, now) || gone(c) || c->state == PG_TCP_TIME_WAIT)
		return;

	if (seg->len && (c->state == PG_TCP_ESTABLISHED || c->state == PG_TCP_FIN_WAIT_1 ||
			 c->state == PG_TCP_FIN_WAIT_2)) {
		process_data(c, seg, now);
		if (gone(c))
			return;
	}
	if (seg->flags & PG_TCP_FIN) {
		uint32_t fs = seg->seq + seg->len;

		if (c->state == PG_TCP_ESTABLISHED || c->state == PG_TCP_FIN_WAIT_1 ||
		    c->state == PG_TCP_FIN_WAIT_2) {
			if (SEQ_GEQ(fs, c->rcv_nxt) && SEQ_LT(fs, c->rcv_adv + 1)) {
				c->rcv_fin = 1;
				c->fin_seq_in = fs;
			}
		}
		c->ack_now = 1;
	}
	if (c->rcv_fin && c->fin_seq_in == c->rcv_nxt)
		do_fin(c, now);
}

int pg_tcp_input(struct pg_tcp_stack *s, const uint8_t *frame, size_t len, uint64_t now)
{
	struct pg_frame fr;
	struct pg_tcp_seg seg;
	struct pg_tcp_conn *c;
	enum pg_frame_verdict v;
	const uint8_t *t;
	uint32_t tl;

	s->st.rx_frames++;
	v = pg_frame_classify(frame, len, s->cfg.no_csum_check ? 0 : PG_FRAME_CSUM_IP, 1, &fr);
	if (v == PG_FRAME_NOT_IPV4 || v == PG_FRAME_NOT_L4)
		return -ENOENT;
	if (v != PG_FRAME_OK) {
		s->st.rx_bad++;
		return -EINVAL;
	}
	if (fr.proto != PG_IPPROTO_TCP || fr.daddr != s->cfg.local_ip)
		return -ENOENT;
	t = frame + fr.l4_off;
	tl = (uint32_t)(fr.payload - t) + fr.payload_len;
	if ((!s->cfg.no_csum_check && pg_tcp_csum(fr.saddr, fr.daddr, t, tl) != 0) ||
	    pg_tcp_parse(t, tl, &seg)) {
		s->st.rx_bad++;
		return -EINVAL;
	}
	c = pg_tcp_tbl_lookup(s, fr.saddr, seg.dport, seg.sport);
	if (c && c->state == PG_TCP_TIME_WAIT &&
	    (seg.flags & (PG_TCP_SYN | PG_TCP_ACK | PG_TCP_RST)) == PG_TCP_SYN &&
	    (SEQ_GT(seg.seq, c->rcv_nxt) ||
	     (c->ts_ok && seg.has_ts && SEQ_GT(seg.tsval, c->ts_recent)))) {
		/* RFC 6191: a new incarnation may take over a TIME-WAIT tuple. */
		s->st.tw_recycled++;
		pg_tcp_conn_free(c);
		c = NULL;
	}
	if (c) {
		conn_input(c, &seg, now);
	} else if (no_conn(s, &fr, &seg, now)) {
		s->st.rx_frames--; /* counted by the owner */
		return -EREMOTE;
	}
	s->next_timer = 0;
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP timers: RTT estimation and RTO (RFC 6298) with exponential backoff, the tail loss
 * probe (RFC 8985 7), persist (zero-window probes), delayed ACK and TIME-WAIT. Each connection keeps absolute
 * deadlines; the stack keeps a lower bound of all of them so pg_tcp_poll() is a single
 * compare when nothing is due.
 */
#include <errno.h>

#include "tcp_priv.h"

void pg_tcp_timer_set(struct pg_tcp_conn *c, uint64_t *t, uint64_t deadline)
{
	*t = deadline;
	if (deadline < c->stack->next_timer)
		c->stack->next_timer = deadline;
}

static uint64_t rto_backed(const struct pg_tcp_conn *c)
{
	uint64_t max = c->stack->cfg.rto_max_ns, r = c->rto;
	unsigned int i;

	for (i = 0; i < c->backoff && r < max; i++)
		r <<= 1;
	return r < max ? r : max;
}

/* RFC 8985 6.2: reo_wnd = min_RTT / 4 per step seen, at most SRTT. */
uint64_t pg_tcp_reo_wnd(const struct pg_tcp_conn *c)
{
	uint64_t base = c->min_rtt != UINT64_MAX ? c->min_rtt : c->srtt, w;

	w = (base >> 2) * (c->reo_mult ? c->reo_mult : 1);
	if (c->srtt && w > c->srtt)
		w = c->srtt;
	return w ? w : 1000;
}

void pg_tcp_rtt_sample(struct pg_tcp_conn *c, uint64_t rtt)
{
	const struct pg_tcp_cfg *cfg = &c->stack->cfg;
	uint64_t var4;

	if (!rtt)
		rtt = 1;
	if (rtt < c->min_rtt)
		c->min_rtt = rtt;
	if (!c->srtt) {
		c->srtt = rtt;
		c->rttvar = rtt >> 1;
	} else {
		uint64_t d = c->srtt > rtt ? c->srtt - rtt : rtt - c->srtt;

		c->rttvar = c->rttvar - (c->rttvar >> 2) + (d >> 2);
		c->srtt = c->srtt - (c->srtt >> 3) + (rtt >> 3);
	}
	var4 = c->rttvar << 2;
	c->rto = c->srtt + (var4 > 1000 ? var4 : 1000);
	if (c->rto < cfg->rto_min_ns)
		c->rto = cfg->rto_min_ns;
	if (c->rto > cfg->rto_max_ns)
		c->rto = cfg->rto_max_ns;
}

/*
 * RFC 8985 7.2 probe timeout: 2 SRTT, plus the peer's worst-case delayed ACK when one
 * segment is out (its ACK may be held back), never below tlp_min_ns; 0 when no probe is
 * due: no RTT sample yet, in recovery or backoff, a probe already out, or not
 * synchronized.
 */
static uint64_t pto(const struct pg_tcp_conn *c)
{
	const struct pg_tcp_cfg *cfg = &c->stack->cfg;
	uint64_t t;

	if (cfg->no_tlp || !c->srtt || c->in_rec != REC_NONE || c->backoff || c->tlp_out ||
	    c->state == PG_TCP_SYN_SENT || c->state == PG_TCP_SYN_RCVD ||
	    c->state == PG_TCP_TIME_WAIT || c->state == PG_TCP_CLOSED)
		return 0;
	t = 2 * c->srtt;
	if (c->snd_max - c->snd_una <= c->smss)
		t += cfg->rto_min_ns;
	return t > cfg->tlp_min_ns ? t : cfg->tlp_min_ns;
}

/*
 * Data in flight: the timer runs to the probe timeout when that comes first (a tail whose
 * ACKs were lost then costs one probe, not an RTO with cwnd back to one segment), to the
 * RTO otherwise.
 */
void pg_tcp_rearm_rtx(struct pg_tcp_conn *c, uint64_t now)
{
	uint64_t r, p;

	c->persist = 0;
	c->tlp_armed = 0;
	if (c->snd_max == c->snd_una) {
		c->t_rtx = PG_TCP_NO_TIMER;
		return;
	}
	r = rto_backed(c);
	p = pto(c);
	if (p && p < r) {
		c->tlp_armed = 1;
		r = p;
	}
	pg_tcp_timer_set(c, &c->t_rtx, now + r);
}

/*
 * A segment went out: a stopped timer starts (RFC 6298 5.1); a running RTO moves to the
 * probe timeout when that is earlier (the ACK that armed it may have left one segment in
 * flight, before this send filled the window). A running timer is never pushed later.
 */
void pg_tcp_rtx_on_send(struct pg_tcp_conn *c, uint64_t now)
{
	uint64_t p;

	if (c->t_rtx == PG_TCP_NO_TIMER || c->persist) {
		pg_tcp_rearm_rtx(c, now);
		return;
	}
	if (!c->tlp_armed && (p = pto(c)) && now + p < c->t_rtx) {
		c->tlp_armed = 1;
		pg_tcp_timer_set(c, &c->t_rtx, now + p);
	}
}

/* Arms the persist timer (zero window, data waiting, nothing in flight). */
void pg_tcp_persist_arm(struct pg_tcp_conn *c, uint64_t now)
{
	if (c->persist && c->t_rtx != PG_TCP_NO_TIMER)
		return;
	c->persist = 1;
	c->tlp_armed = 0;
	pg_tcp_timer_set(c, &c->t_rtx, now + rto_backed(c));
}

static void rtx_timeout(struct pg_tcp_conn *c, uint64_t now)
{
	const struct pg_tcp_cfg *cfg = &c->stack->cfg;

	c->t_rtx = PG_TCP_NO_TIMER;
	if (c->persist) {
		c->probe_pending = 1;
		c->probes++;
		if (c->backoff < 16)
			c->backoff++;
		pg_tcp_timer_set(c, &c->t_rtx, now + rto_backed(c));
		return;
	}
	if (c->snd_max == c->snd_una && !c->syn_pending)
		return;
	if (c->tlp_armed) {
		/* RFC 8985 7.3: one probe (output sends it), then the RTO runs. */
		c->tlp_armed = 0;
		if (c->in_rec == REC_NONE) {
			c->tlp_send = 1;
			c->tlp_out = 1;
			c->tlp_probes++;
		}
		pg_tcp_timer_set(c, &c->t_rtx, now + rto_backed(c));
		return;
	}
	if (c->state == PG_TCP_SYN_SENT || c->state == PG_TCP_SYN_RCVD) {
		if (++c->retries > cfg->syn_retries) {
			pg_tcp_conn_done(c, -ETIMEDOUT, now);
			return;
		}
		c->syn_pending = 1;
		c->backoff++;
		c->rto_expiries++;
		pg_tcp_timer_set(c, &c->t_rtx, now + rto_backed(c));
		return;
	}
	if (++c->retries > cfg->retries) {
		pg_tcp_queue_rst(c->stack, c->raddr, c->rmac, c->lport, c->rport, c->snd_max, 0,
				 PG_TCP_RST);
		pg_tcp_conn_done(c, -ETIMEDOUT, now);
		return;
	}
	c->rto_expiries++;
	/* RFC 5681: reduce ssthresh once per loss episode, not on each backoff. */
	if (c->backoff == 0 || c->in_rec != REC_LOSS)
		c->ssthresh = c->cc->on_loss(c, now, 1);
	c->cwnd = c->smss;
	c->in_rec = REC_LOSS;
	c->rxt_first = 0;
	c->undo_armed = 0;
	c->t_reo = PG_TCP_NO_TIMER;
	c->recover = c->snd_max;
	c->high_rxt = c->snd_una;
	c->lost_floor = c->snd_max;
	c->dupacks = 0;
	c->timed = 0;
	c->tlp_send = 0;
	/* RFC 2018: after a timeout the receiver may have reneged; forget SACKs. */
	pg_tcp_sack_clear(c);
	if (c->backoff < 16)
		c->backoff++;
	pg_tcp_timer_set(c, &c->t_rtx, now + rto_backed(c));
}

static uint64_t conn_min(const struct pg_tcp_conn *c)
{
	uint64_t m = c->t_rtx;

	if (c->t_delack < m)
		m = c->t_delack;
	if (c->t_2msl < m)
		m = c->t_2msl;
	if (c->t_reo < m)
		m = c->t_reo;
	return m;
}

void pg_tcp_poll(struct pg_tcp_stack *s, uint64_t now)
{
	struct pg_tcp_conn *c, *nx;
	uint64_t next = PG_TCP_NO_TIMER;

	if (now < s->next_timer)
		return;
	for (c = s->active; c; c = nx) {
		nx = c->next;
		if (c->t_2msl <= now) {
			pg_tcp_conn_free(c);
			continue;
		}
		if (c->t_delack <= now) {
			c->t_delack = PG_TCP_NO_TIMER;
			c->ack_now = 1;
		}
		if (c->t_reo <= now) {
			c->t_reo = PG_TCP_NO_TIMER;
			if (pg_tcp_loss_suspected(c))
				pg_tcp_enter_recovery(c, now); /* the hole outlived the window */
		}
		if (c->t_rtx <= now) {
			rtx_timeout(c, now);
			if (c->stack->free_list == c)
				continue; /* freed */
		}
		if (conn_min(c) < next)
			next = conn_min(c);
	}
	/* Output may now be pending (ACKs, retransmissions): pg_tcp_output recomputes. */
	s->next_timer = 0;
	(void)next;
}

uint64_t pg_tcp_timers_min(struct pg_tcp_stack *s)
{
	const struct pg_tcp_conn *c;
	uint64_t next = PG_TCP_NO_TIMER;

	for (c = s->active; c; c = c->next)
		if (conn_min(c) < next)
			next = conn_min(c);
	return next;
}

uint64_t pg_tcp_next_deadline(const struct pg_tcp_stack *s)
{
	return s->next_timer;
}

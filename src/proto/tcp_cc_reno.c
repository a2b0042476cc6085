/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NewReno congestion control (RFC 5681 / RFC 6582 window rules): slow start with
 * byte counting (RFC 3465; see pg_tcp_slow_start for the limit), congestion avoidance adding one
 * SMSS per window of acknowledged bytes (a byte counter, no division), ssthresh =
 * max(FlightSize / 2, 2 SMSS) on loss. Recovery itself lives in tcp_in.c.
 */
#include "tcp_priv.h"

struct reno {
	uint32_t acc; /* bytes acknowledged in congestion avoidance since the last increase */
};
_Static_assert(sizeof(struct reno) <= sizeof(((struct pg_tcp_conn *)0)->cc_priv), "cc_priv");

static void reno_init(struct pg_tcp_conn *c)
{
	struct reno *r = (struct reno *)c->cc_priv;

	r->acc = 0;
}

/*
 * Shared with CUBIC: slow start step; returns bytes left over once ssthresh is reached.
 * cwnd grows by the bytes acknowledged, as Linux does: receivers that coalesce (GRO,
 * perfgen's own burst receive) send one stretch ACK per burst, and RFC 3465's L = 2 SMSS
 * per ACK would then turn slow start into linear growth. After a timeout, when a
 * cumulative ACK can jump over data the receiver already held, L = 2 SMSS still applies.
 */
uint32_t pg_tcp_slow_start(struct pg_tcp_conn *c, uint32_t acked)
{
	uint32_t inc = c->in_rec == REC_LOSS && acked > 2u * c->smss ? 2u * c->smss : acked;

	if (c->cwnd + inc > c->ssthresh) {
		inc = c->ssthresh > c->cwnd ? c->ssthresh - c->cwnd : 0;
		c->cwnd += inc;
		return acked > inc ? acked - inc : 0;
	}
	c->cwnd += inc;
	return 0;
}

static void reno_on_ack(struct pg_tcp_conn *c, uint32_t acked, uint64_t now)
{
	struct reno *r = (struct reno *)c->cc_priv;

	(void)now;
	if (c->cwnd < c->ssthresh) {
		acked = pg_tcp_slow_start(c, acked);
		if (!acked)
			return;
	}
	r->acc += acked;
	if (r->acc >= c->cwnd) {
		r->acc -= c->cwnd;
		c->cwnd += c->smss;
	}
}

static uint32_t reno_on_loss(struct pg_tcp_conn *c, uint64_t now, int rto)
{
	struct reno *r = (struct reno *)c->cc_priv;
	uint32_t half = (c->snd_max - c->snd_una) >> 1;

	(void)now;
	(void)rto;
	r->acc = 0;
	return half > 2u * c->smss ? half : 2u * c->smss;
}

const struct pg_tcp_cc_ops pg_tcp_cc_reno = {
	.name = "reno",
	.init = reno_init,
	.on_ack = reno_on_ack,
	.on_loss = reno_on_loss,
};

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUBIC congestion control (RFC 9438): W(t) = C (t - K)^3 + W_max with C = 0.4 and
 * beta = 0.7, fast convergence, and the Reno-friendly estimate W_est. Integer only:
 * time is counted in units of 2^20 ns (~1.05 ms) so that, with windows in bytes,
 * C * SMSS * (t - K)^3 becomes (SMSS * d^3) >> 31 (C = 0.404, 1% above the RFC's 0.4).
 * K comes from an integer cube root, once per loss. The per-ACK window increment needs
 * one 64-bit division (by cwnd), as Linux's does. No HyStart: slow start is standard.
 */
#include "tcp_priv.h"

struct cubic {
	uint64_t epoch;     /* ns, 0 = start a new epoch at the next ACK */
	uint64_t acc;       /* remainder of (target - cwnd) * acked, in bytes * bytes */
	uint32_t w_max;     /* bytes */
	uint32_t w_last_max;
	uint32_t origin;    /* bytes: the curve's plateau */
	uint32_t k;         /* 2^20 ns units */
	uint32_t w_est;     /* Reno-friendly window, bytes */
	uint32_t est_acc;
};
_Static_assert(sizeof(struct cubic) <= sizeof(((struct pg_tcp_conn *)0)->cc_priv), "cc_priv");

/* floor(cbrt(x)) for 64-bit x: Newton's method from an estimate above the root. */
static uint32_t icbrt(uint64_t x)
{
	uint64_t y, ny;
	int bits = 0;

	if (x < 2)
		return (uint32_t)x;
	while (bits < 64 && (x >> bits))
		bits++;
	y = 1ull << ((bits + 2) / 3); /* >= cbrt(x) */
	for (;;) {
		ny = (2 * y + x / (y * y)) / 3;
		if (ny >= y)
			break;
		y = ny;
	}
	while (y * y * y > x)
		y--;
	return (uint32_t)y;
}

static void cubic_init(struct pg_tcp_conn *c)
{
	struct cubic *k = (struct cubic *)c->cc_priv;

	k->epoch = 0;
	k->acc = 0;
	k->w_max = k->w_last_max = 0;
	k->est_acc = 0;
}

static void cubic_on_ack(struct pg_tcp_conn *c, uint32_t acked, uint64_t now)
{
	struct cubic *k = (struct cubic *)c->cc_priv;
	uint64_t t, d, off, target, inc;

	if (c->cwnd < c->ssthresh) {
		acked = pg_tcp_slow_start(c, acked);
		if (!acked)
			return;
	}
	if (!k->epoch) {
		k->epoch = now ? now : 1;
		k->acc = 0;
		k->est_acc = 0;
		k->w_est = c->cwnd;
		if (k->w_max > c->cwnd) {
			/* K^3 = (W_max - cwnd) / (C * SMSS) in our units = diff * 2^31 / SMSS */
			k->k = icbrt(((uint64_t)(k->w_max - c->cwnd) << 31) / c->smss);
			k->origin = k->w_max;
		} else {
			k->k = 0;
			k->origin = c->cwnd;
		}
	}
	/* RFC 9438 4.2: aim at W(t + RTT). */
	t = (now - k->epoch + c->srtt) >> 20;
	d = t > k->k ? t - k->k : k->k - t;
	if (d > 65535)
		d = 65535;
	off = ((uint64_t)c->smss * d * d * d) >> 31;
	if (t > k->k)
		target = k->origin + off;
	else
		target = off < k->origin ? k->origin - off : 0;
	if (target > c->cwnd + (c->cwnd >> 1))
		target = c->cwnd + (c->cwnd >> 1);

	/* Reno-friendly region: W_est grows alpha = 3 (1 - beta) / (1 + beta) ~ 0.53 SMSS per window. */
	k->est_acc += acked;
	if (k->est_acc >= c->cwnd) {
		k->est_acc -= c->cwnd;
		k->w_est += (c->smss * 542u) >> 10;
	}
	if (k->w_est > target)
		target = k->w_est;

	if (target > c->cwnd) {
		k->acc += (target - c->cwnd) * (uint64_t)acked;
		inc = k->acc / c->cwnd;
		k->acc -= inc * c->cwnd;
		if (inc > acked)
			inc = acked;
		c->cwnd += (uint32_t)inc;
	}
}

static uint32_t cubic_on_loss(struct pg_tcp_conn *c, uint64_t now, int rto)
{
	struct cubic *k = (struct cubic *)c->cc_priv;
	uint32_t ss;

	(void)now;
	(void)rto;
	/* Fast convergence: a flow that lost before reaching its last W_max yields room. */
	if (c->cwnd < k->w_last_max) {
		k->w_last_max = c->cwnd;
		k->w_max = (uint32_t)(((uint64_t)c->cwnd * 870u) >> 10); /* (1 + beta) / 2 */
	} else {
		k->w_last_max = c->cwnd;
		k->w_max = c->cwnd;
	}
	k->epoch = 0;
	ss = (uint32_t)(((uint64_t)c->cwnd * 717u) >> 10); /* beta = 0.7 */
	return ss > 2u * c->smss ? ss : 2u * c->smss;
}

const struct pg_tcp_cc_ops pg_tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_loss = cubic_on_loss,
};

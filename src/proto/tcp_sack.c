/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SACK bookkeeping. Sender: a scoreboard of SACKed ranges above snd_una (no segment
 * list: payload is regenerated, so ranges are all RFC 6675 needs), IsLost by the
 * (DupThresh - 1) * SMSS + 1 bytes rule, the pipe estimate and NextSeg's hole search.
 * Receiver: the out-of-order ranges already delivered to the application.
 * Both are small sorted arrays of disjoint, non-adjacent [l, r) ranges.
 */
#include <errno.h>
#include <string.h>

#include "tcp_priv.h"

/* Adds [l, r) to a sorted range set, merging neighbours. Returns the index of the range
 * that now holds it, or -ENOSPC when it would need a new slot and the set is full. */
static int rs_add(struct pg_tcp_range *a, uint8_t *n, unsigned int max, uint32_t l, uint32_t r)
{
	unsigned int i = 0, j, k;

	while (i < *n && SEQ_LT(a[i].r, l))
		i++;
	/* a[i] is the first range that touches or follows [l, r). */
	j = i;
	while (j < *n && SEQ_LEQ(a[j].l, r)) {
		l = seq_min(l, a[j].l);
		r = seq_max(r, a[j].r);
		j++;
	}
	if (j > i) { /* merge a[i..j) into a[i] */
		a[i].l = l;
		a[i].r = r;
		for (k = i + 1; j + (k - i - 1) < *n; k++)
			a[k] = a[j + (k - i - 1)];
		*n = (uint8_t)(*n - (j - i - 1));
		return (int)i;
	}
	if (*n == max)
		return -ENOSPC;
	memmove(&a[i + 1], &a[i], sizeof(*a) * (*n - i));
	a[i].l = l;
	a[i].r = r;
	(*n)++;
	return (int)i;
}

/* ------------------------------------------------------------- sender ---- */

static void recount(struct pg_tcp_conn *c)
{
	unsigned int i;

	c->sacked_bytes = 0;
	for (i = 0; i < c->nsack; i++)
		c->sacked_bytes += c->sack[i].r - c->sack[i].l;
}

void pg_tcp_sack_update(struct pg_tcp_conn *c, const struct pg_tcp_seg *seg)
{
	unsigned int k;

	for (k = 0; k < seg->nsack; k++) {
		uint32_t l = seg->sack[k][0], r = seg->sack[k][1];

		/* D-SACKs and blocks outside what is in flight carry nothing for recovery. */
		if (!SEQ_LT(l, r) || !SEQ_GT(r, c->snd_una) || SEQ_GT(r, c->snd_max))
			continue;
		l = seq_max(l, c->snd_una);
		if (rs_add(c->sack, &c->nsack, PG_TCP_SACK_MAX, l, r) < 0) {
			/* Full: keep the lowest ranges (they decide what is lost); forget the top. */
			if (SEQ_GT(l, c->sack[c->nsack - 1].l))
				continue;
			c->nsack--;
			rs_add(c->sack, &c->nsack, PG_TCP_SACK_MAX, l, r);
		}
	}
	recount(c);
}

void pg_tcp_sack_trim(struct pg_tcp_conn *c)
{
	unsigned int i = 0, k;

	while (i < c->nsack && SEQ_LEQ(c->sack[i].r, c->snd_una))
		i++;
	if (i) {
		for (k = i; k < c->nsack; k++)
			c->sack[k - i] = c->sack[k];
		c->nsack = (uint8_t)(c->nsack - i);
	}
	if (c->nsack && SEQ_LT(c->sack[0].l, c->snd_una))
		c->sack[0].l = c->snd_una;
	recount(c);
}

void pg_tcp_sack_clear(struct pg_tcp_conn *c)
{
	c->nsack = 0;
	c->sacked_bytes = 0;
}

static uint32_t sacked_in(const struct pg_tcp_conn *c, uint32_t a, uint32_t b)
{
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < c->nsack; i++) {
		uint32_t l = seq_max(c->sack[i].l, a), r = seq_min(c->sack[i].r, b);

		if (SEQ_LT(l, r))
			sum += r - l;
	}
	return sum;
}

uint32_t pg_tcp_sack_lost_end(const struct pg_tcp_conn *c)
{
	uint32_t acc = 0, thresh = (PG_TCP_DUPTHRESH - 1) * (uint32_t)c->smss + 1, l = c->snd_una;
	unsigned int i;

	for (i = c->nsack; i-- > 0;) {
		acc += c->sack[i].r - c->sack[i].l;
		if (acc >= thresh) {
			l = c->sack[i].l;
			break;
		}
	}
	if (c->in_rec != REC_NONE && SEQ_GT(c->lost_floor, l))
		l = seq_min(c->lost_floor, c->snd_max);
	return l;
}

uint32_t pg_tcp_pipe(const struct pg_tcp_conn *c)
{
	uint32_t flight = c->snd_max - c->snd_una, pipe, est;

	if (c->in_rec == REC_NONE) {
		pipe = flight - c->sacked_bytes;
	} else {
		uint32_t L = pg_tcp_sack_lost_end(c);
		uint32_t H = seq_min(seq_max(c->high_rxt, c->snd_una), L);

		pipe = (c->snd_max - L) - sacked_in(c, L, c->snd_max) +
		       (H - c->snd_una) - sacked_in(c, c->snd_una, H);
	}
	/* Without SACK information each duplicate ACK stands for one segment that left. */
	if (!c->nsack && c->dupacks) {
		est = (uint32_t)c->dupacks * c->smss;
		pipe = est < pipe ? pipe - est : 0;
	}
	return pipe;
}

uint32_t pg_tcp_sack_next_hole(const struct pg_tcp_conn *c, uint32_t from, uint32_t *len)
{
	unsigned int i;

	for (i = 0; i < c->nsack; i++) {
		if (SEQ_LEQ(c->sack[i].r, from))
			continue;
		if (SEQ_LEQ(c->sack[i].l, from)) {
			from = c->sack[i].r;
			continue;
		}
		*len = c->sack[i].l - from;
		return from;
	}
	*len = UINT32_MAX;
	return from;
}

/* ------------------------------------------------------------- receiver ---- */

int pg_tcp_ooo_add(struct pg_tcp_conn *c, uint32_t l, uint32_t r)
{
	int i = rs_add(c->ooo, &c->nooo, PG_TCP_OOO_MAX, l, r);

	if (i < 0)
		return i;
	c->ooo_last = (uint8_t)i;
	return 0;
}

uint32_t pg_tcp_ooo_uncovered(const struct pg_tcp_range *a, unsigned int n, uint32_t l, uint32_t r,
			      uint32_t *len)
{
	unsigned int i;

	for (i = 0; i < n && SEQ_LT(l, r); i++) {
		if (SEQ_LEQ(a[i].r, l))
			continue;
		if (SEQ_LEQ(a[i].l, l)) {
			l = a[i].r;
			continue;
		}
		*len = seq_min(a[i].l, r) - l;
		return l;
	}
	*len = SEQ_LT(l, r) ? r - l : 0;
	return l;
}

void pg_tcp_ooo_advance(struct pg_tcp_conn *c)
{
	unsigned int i = 0, k;

	while (i < c->nooo && SEQ_LEQ(c->ooo[i].l, c->rcv_nxt)) {
		if (SEQ_GT(c->ooo[i].r, c->rcv_nxt)) {
			c->rcv_off += c->ooo[i].r - c->rcv_nxt;
			c->rcv_nxt = c->ooo[i].r;
		}
		i++;
	}
	if (!i)
		return;
	for (k = i; k < c->nooo; k++)
		c->ooo[k - i] = c->ooo[k];
	c->nooo = (uint8_t)(c->nooo - i);
	c->ooo_last = c->ooo_last >= i ? (uint8_t)(c->ooo_last - i) : 0;
}

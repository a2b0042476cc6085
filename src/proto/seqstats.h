/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive-side sequence accounting as iperf2's server does it (iperf-wire.md 2.5):
 * gaps counted as errors, a sequence below the expected one as out-of-order, final
 * loss = errors - out-of-order floored at 0, jitter J += (|D| - J)/16 with the previous
 * transit starting at 0. perfgen adds an exact duplicate count from a bitmap of the
 * last PG_SEQ_WINDOW sequences (duplicates still count as out-of-order, as in iperf2,
 * so the iperf2-compatible figures do not change). Hot path: no division, no branches
 * on rare paths beyond the gap/out-of-order cases.
 */
#ifndef PG_SEQSTATS_H
#define PG_SEQSTATS_H

#include <stdint.h>
#include <string.h>

#define PG_SEQ_WINDOW 1024 /* power of two */

struct pg_seq_stats {
	int64_t last_id;       /* highest sequence seen (0 before the first) */
	uint64_t packets;      /* datagrams received */
	uint64_t bytes;        /* payload bytes received */
	uint64_t gaps;         /* iperf2 cntError: sum of forward gaps */
	uint64_t outorder;     /* iperf2 cntOutofOrder (duplicates included) */
	uint64_t dups;         /* exact duplicates within the window */
	int64_t prev_transit;  /* ns; iperf2 starts it at 0 */
	int64_t jitter_x16;    /* jitter in ns, scaled by 16 (RFC 3550 integer form) */
	uint64_t seen[PG_SEQ_WINDOW / 64];
};

static inline void pg_seq_stats_init(struct pg_seq_stats *s)
{
	memset(s, 0, sizeof(*s));
}

static inline int pg_seq_seen_test_set(struct pg_seq_stats *s, int64_t id)
{
	uint64_t bit = (uint64_t)id & (PG_SEQ_WINDOW - 1);
	uint64_t *w = &s->seen[bit >> 6];
	uint64_t m = 1ull << (bit & 63);
	int was = !!(*w & m);

	*w |= m;
	return was;
}

static inline void pg_seq_seen_clear(struct pg_seq_stats *s, int64_t id)
{
	uint64_t bit = (uint64_t)id & (PG_SEQ_WINDOW - 1);

	s->seen[bit >> 6] &= ~(1ull << (bit & 63));
}

/*
 * Accounts one datagram with positive sequence id; transit_ns = rx time - tx time.
 */
static inline void pg_seq_stats_update(struct pg_seq_stats *s, int64_t id, int64_t transit_ns,
				       uint32_t bytes)
{
	int64_t d;

	s->packets++;
	s->bytes += bytes;
	if (__builtin_expect(id - 1 != s->last_id, 0)) { /* id >= 1: no overflow */
		if (id <= s->last_id) {
			s->outorder++;
			if (s->last_id - id < PG_SEQ_WINDOW && pg_seq_seen_test_set(s, id))
				s->dups++;
		} else {
			int64_t gap = id - s->last_id - 1;
			int64_t k, n = gap < PG_SEQ_WINDOW ? gap : PG_SEQ_WINDOW;

			s->gaps += (uint64_t)gap;
			for (k = 1; k <= n; k++)
				pg_seq_seen_clear(s, id - k);
		}
	}
	if (id > s->last_id) {
		pg_seq_seen_test_set(s, id);
		s->last_id = id;
	}
	/* |transit - previous| without signed overflow on hostile timestamps, clamped so the
	 * filter state stays bounded (2^40 ns is about 18 minutes). */
	{
		uint64_t a = (uint64_t)transit_ns, b = (uint64_t)s->prev_transit;
		uint64_t ad = transit_ns >= s->prev_transit ? a - b : b - a;

		d = ad > (1ull << 40) ? (int64_t)(1ull << 40) : (int64_t)ad;
	}
	s->prev_transit = transit_ns;
	s->jitter_x16 += d - ((s->jitter_x16 + 8) >> 4);
}

/* iperf2's final loss: gaps minus out-of-order, floored at 0. */
static inline uint64_t pg_seq_stats_lost(const struct pg_seq_stats *s)
{
	return s->gaps > s->outorder ? s->gaps - s->outorder : 0;
}

static inline double pg_seq_stats_jitter_s(const struct pg_seq_stats *s)
{
	return (double)s->jitter_x16 / 16.0 / 1e9;
}

#endif /* PG_SEQSTATS_H */

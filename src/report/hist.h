/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log-linear latency histogram of uint64 values (nanoseconds), with exactly
 * HdrHistogram's bucket layout (unit_magnitude, sub_bucket_count, bucket_count,
 * counts_len and its counts_index()), so that the counts array can be written
 * as an HdrHistogram interval log (v1.3) and read back by HdrHistogram tools.
 * It owns the counts and the exact summary statistics of what was recorded:
 * count, min, max, sum and sum of squares (in 128-bit integers, so mean and
 * stdev are exact up to the final long double division, not bucket midpoints
 * as in HdrHistogram; the sum of squares wraps beyond 2^128, i.e. after 2.6e13
 * values of one hour each).
 *
 * Values above highest_trackable are recorded in the bucket of highest_trackable
 * and counted in an overflow counter; min/max/mean/stdev still use the real
 * value. Threading: one writer (the lcore that owns it); readers must get it
 * handed over (e.g. through a pg_ring). The struct is visible only so that
 * pg_hist_record() can be inlined: use the accessors.
 */
#ifndef PG_HIST_H
#define PG_HIST_H

#include <stddef.h>
#include <stdint.h>

#ifndef pg_likely
#define pg_likely(x) __builtin_expect(!!(x), 1)
#define pg_unlikely(x) __builtin_expect(!!(x), 0)
#endif

__extension__ typedef unsigned __int128 pg_u128_t_;

struct pg_hist {
	/* hot, read-only after create */
	uint64_t *counts;
	uint64_t sub_bucket_mask;        /* (sub_bucket_count - 1) << unit_magnitude */
	uint64_t highest;                /* highest_trackable_value */
	int32_t unit_magnitude;
	int32_t sub_bucket_half_count_magnitude;
	int32_t sub_bucket_half_count;
	/* hot, written by record */
	uint64_t count;
	uint64_t overflow;
	uint64_t min;                    /* UINT64_MAX when empty */
	uint64_t max;
	pg_u128_t_ sum;
	pg_u128_t_ sumsq;
	/* cold */
	uint64_t lowest;                 /* lowest_discernible_value */
	int32_t sig_figs;
	int32_t sub_bucket_count;
	int32_t bucket_count;
	int32_t counts_len;
};

/*
 * Create an empty histogram covering [0, highest] with sig_figs significant
 * decimal digits of resolution, values below lowest being indistinguishable
 * (HdrHistogram's hdr_init()). perfgen uses (1, 3600e9, 3): 3.3 k buckets, 26 KB.
 * Errors (NULL + errno): EINVAL if lowest < 1, sig_figs outside 1..5,
 * 2 * lowest > highest, or the layout would not fit 64-bit values; ENOMEM.
 */
struct pg_hist *pg_hist_create(uint64_t lowest, uint64_t highest, int sig_figs);

/* Free a histogram (NULL is fine). */
void pg_hist_free(struct pg_hist *h);

/* HdrHistogram's counts_index_for(): the slot of value v (v <= highest). */
static inline uint32_t pg_hist_index_(const struct pg_hist *h, uint64_t v)
{
	/* msb of (v | mask) is >= unit_magnitude + shbcm, so the bucket is >= 0 */
	int32_t msb = 63 - __builtin_clzll(v | h->sub_bucket_mask);
	int32_t bucket = msb - h->unit_magnitude - h->sub_bucket_half_count_magnitude;
	uint32_t sub = (uint32_t)(v >> (bucket + h->unit_magnitude));

	return ((uint32_t)(bucket + 1) << h->sub_bucket_half_count_magnitude) +
	       sub - (uint32_t)h->sub_bucket_half_count;
}

/* Record one value. Hot path: no division, no lock, no failure. */
static inline void pg_hist_record(struct pg_hist *h, uint64_t v)
{
	uint64_t b = v;

	if (pg_unlikely(v > h->highest)) {
		h->overflow++;
		b = h->highest;
	}
	h->counts[pg_hist_index_(h, b)]++;
	h->count++;
	if (pg_unlikely(v < h->min))
		h->min = v;
	if (pg_unlikely(v > h->max))
		h->max = v;
	h->sum += v;
	h->sumsq += (pg_u128_t_)v * v;
}

/* Forget everything recorded; the layout stays. */
void pg_hist_reset(struct pg_hist *h);

/*
 * Add everything recorded in src to dst (src unchanged).
 * Errors: -EINVAL if the two were created with different parameters.
 */
int pg_hist_merge(struct pg_hist *dst, const struct pg_hist *src);

/* Number of values recorded, including overflowed ones. */
uint64_t pg_hist_count(const struct pg_hist *h);
/* Values recorded above highest_trackable (they sit in the top bucket). */
uint64_t pg_hist_overflow(const struct pg_hist *h);
/* Exact smallest / largest value recorded; 0 when empty. */
uint64_t pg_hist_min(const struct pg_hist *h);
uint64_t pg_hist_max(const struct pg_hist *h);
/* Exact mean and population standard deviation of the values; 0 when empty. */
double pg_hist_mean(const struct pg_hist *h);
double pg_hist_stdev(const struct pg_hist *h);

/*
 * HdrHistogram's value_at_percentile(): the highest value equivalent to the
 * recorded value of rank max(1, round(pct/100 * count)) (lowest equivalent
 * value for pct == 0). pct is clamped to [0, 100]. 0 when empty.
 */
uint64_t pg_hist_percentile(const struct pg_hist *h, double pct);

/* Equivalent value range [lo, hi] of the bucket that value v falls into. */
void pg_hist_value_range(const struct pg_hist *h, uint64_t v, uint64_t *lo, uint64_t *hi);

/* Call cb for every non-empty bucket, lowest first, with its value range [lo, hi]. */
void pg_hist_foreach(const struct pg_hist *h,
		     void (*cb)(uint64_t lo, uint64_t hi, uint64_t count, void *arg), void *arg);

/* The raw counts array in HdrHistogram index order, and its length (counts_len). */
const uint64_t *pg_hist_counts(const struct pg_hist *h, size_t *len);

/* Layout parameters, as HdrHistogram names them (for the interval log writer). */
uint64_t pg_hist_lowest_discernible(const struct pg_hist *h);
uint64_t pg_hist_highest_trackable(const struct pg_hist *h);
int pg_hist_sig_figs(const struct pg_hist *h);
int pg_hist_unit_magnitude(const struct pg_hist *h);
int pg_hist_sub_bucket_count(const struct pg_hist *h);
int pg_hist_bucket_count(const struct pg_hist *h);

/* Lowest value that lands in counts[idx] (HdrHistogram's hdr_value_at_index()). */
uint64_t pg_hist_value_at_index(const struct pg_hist *h, size_t idx);

#endif /* PG_HIST_H */

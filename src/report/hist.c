/* SPDX-License-Identifier: BSD-3-Clause */
/* Layout, queries and merging of the log-linear histogram; recording is inline in hist.h. */
#include "hist.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PG_HIST_ALIGN 64

static int floor_log2(uint64_t v)
{
	return 63 - __builtin_clzll(v);
}

/*
 * HdrHistogram's hdr_calculate_bucket_config(), in integers: the sub-bucket
 * count is the smallest power of two >= 2 * 10^sig_figs (so the top half of
 * each bucket resolves 10^sig_figs steps); unit_magnitude is floor(log2(lowest)).
 */
struct pg_hist *pg_hist_create(uint64_t lowest, uint64_t highest, int sig_figs)
{
	struct pg_hist *h = NULL;
	uint64_t single_unit, untrackable;
	int32_t sbc_mag, shbc_mag, unit_mag, buckets;
	size_t bytes;
	int i;

	if (lowest < 1 || sig_figs < 1 || sig_figs > 5 || lowest > highest / 2 ||
	    highest > (uint64_t)INT64_MAX)
		goto einval;

	single_unit = 2;
	for (i = 0; i < sig_figs; i++)
		single_unit *= 10;
	sbc_mag = floor_log2(single_unit);
	if ((1ull << sbc_mag) < single_unit)
		sbc_mag++;
	shbc_mag = (sbc_mag > 1 ? sbc_mag : 1) - 1;
	unit_mag = floor_log2(lowest);
	if (unit_mag + shbc_mag > 61)
		goto einval;

	/* buckets_needed_to_cover_value() */
	untrackable = (uint64_t)(1u << (shbc_mag + 1)) << unit_mag;
	buckets = 1;
	while (untrackable <= highest) {
		if (untrackable > (uint64_t)INT64_MAX / 2) {
			buckets++;
			break;
		}
		untrackable <<= 1;
		buckets++;
	}

	h = calloc(1, sizeof(*h));
	if (!h)
		goto enomem;
	h->lowest = lowest;
	h->highest = highest;
	h->sig_figs = sig_figs;
	h->unit_magnitude = unit_mag;
	h->sub_bucket_half_count_magnitude = shbc_mag;
	h->sub_bucket_count = 1 << (shbc_mag + 1);
	h->sub_bucket_half_count = h->sub_bucket_count / 2;
	h->sub_bucket_mask = (uint64_t)(h->sub_bucket_count - 1) << unit_mag;
	h->bucket_count = buckets;
	h->counts_len = (buckets + 1) * h->sub_bucket_half_count;
	h->min = UINT64_MAX;

	bytes = (size_t)h->counts_len * sizeof(uint64_t);
	bytes = (bytes + PG_HIST_ALIGN - 1) & ~(size_t)(PG_HIST_ALIGN - 1);
	h->counts = aligned_alloc(PG_HIST_ALIGN, bytes);
	if (!h->counts)
		goto enomem;
	memset(h->counts, 0, bytes);
	return h;

enomem:
	free(h);
	errno = ENOMEM;
	return NULL;
einval:
	errno = EINVAL;
	return NULL;
}

void pg_hist_free(struct pg_hist *h)
{
	if (!h)
		return;
	free(h->counts);
	free(h);
}

void pg_hist_reset(struct pg_hist *h)
{
	memset(h->counts, 0, (size_t)h->counts_len * sizeof(uint64_t));
	h->count = 0;
	h->overflow = 0;
	h->min = UINT64_MAX;
	h->max = 0;
	h->sum = 0;
	h->sumsq = 0;
}

int pg_hist_merge(struct pg_hist *dst, const struct pg_hist *src)
{
	int32_t i;

	if (dst->lowest != src->lowest || dst->highest != src->highest ||
	    dst->sig_figs != src->sig_figs)
		return -EINVAL;
	for (i = 0; i < dst->counts_len; i++)
		dst->counts[i] += src->counts[i];
	dst->count += src->count;
	dst->overflow += src->overflow;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	dst->sum += src->sum;
	dst->sumsq += src->sumsq;
	return 0;
}

uint64_t pg_hist_count(const struct pg_hist *h)
{
	return h->count;
}

uint64_t pg_hist_overflow(const struct pg_hist *h)
{
	return h->overflow;
}

uint64_t pg_hist_min(const struct pg_hist *h)
{
	return h->count ? h->min : 0;
}

uint64_t pg_hist_max(const struct pg_hist *h)
{
	return h->max;
}

double pg_hist_mean(const struct pg_hist *h)
{
	if (!h->count)
		return 0.0;
	return (double)((long double)h->sum / (long double)h->count);
}

double pg_hist_stdev(const struct pg_hist *h)
{
	pg_u128_t_ c, d1, d2;
	long double n, var;

	if (!h->count)
		return 0.0;
	/* Shift the exact moments to c = floor(mean) in (modular, hence exact)
	 * 128-bit arithmetic: d1 = sum(x - c) in [0, n), d2 = sum((x - c)^2).
	 * Then the only rounding is converting d2 and d1 to long double, and
	 * nothing cancels, even for 1 ns of spread around 1 hour. Exact while
	 * sum(x^2) < 2^128 (e.g. 2.6e13 values of 1 hour). */
	c = h->sum / h->count;
	d1 = h->sum - c * h->count;
	d2 = h->sumsq - 2 * c * h->sum + c * c * h->count;
	n = (long double)h->count;
	var = ((long double)d2 - (long double)d1 * (long double)d1 / n) / n;
	return var > 0 ? (double)sqrtl(var) : 0.0;
}

/* hdr_value_at_index() plus the size of that slot's equivalent range. */
static uint64_t index_value(const struct pg_hist *h, uint32_t idx, uint64_t *size)
{
	int32_t bucket = (int32_t)(idx >> h->sub_bucket_half_count_magnitude) - 1;
	uint32_t sub = (idx & (uint32_t)(h->sub_bucket_half_count - 1)) +
		       (uint32_t)h->sub_bucket_half_count;

	if (bucket < 0) {
		sub -= (uint32_t)h->sub_bucket_half_count;
		bucket = 0;
	}
	if (size)
		*size = 1ull << (bucket + h->unit_magnitude);
	return (uint64_t)sub << (bucket + h->unit_magnitude);
}

uint64_t pg_hist_value_at_index(const struct pg_hist *h, size_t idx)
{
	return index_value(h, (uint32_t)idx, NULL);
}

void pg_hist_value_range(const struct pg_hist *h, uint64_t v, uint64_t *lo, uint64_t *hi)
{
	uint64_t size, l;

	if (v > h->highest)
		v = h->highest;
	l = index_value(h, pg_hist_index_(h, v), &size);
	if (lo)
		*lo = l;
	if (hi)
		*hi = l + size - 1;
}

uint64_t pg_hist_percentile(const struct pg_hist *h, double pct)
{
	double req = pct < 100.0 ? pct : 100.0;
	uint64_t target, run = 0, lo, size;
	int32_t i;

	if (!h->count)
		return 0;
	if (!(req > 0.0))   /* also catches NaN */
		req = 0.0;
	/* Same expression and rounding as hdr_value_at_percentile(). */
	target = (uint64_t)((req / 100) * (double)h->count + 0.5);
	if (target < 1)
		target = 1;
	for (i = 0; i < h->counts_len; i++) {
		run += h->counts[i];
		if (run >= target)
			break;
	}
	if (i == h->counts_len)   /* cannot happen: counts sum to count */
		return 0;
	lo = index_value(h, (uint32_t)i, &size);
	return req == 0.0 ? lo : lo + size - 1;
}

void pg_hist_foreach(const struct pg_hist *h,
		     void (*cb)(uint64_t lo, uint64_t hi, uint64_t count, void *arg), void *arg)
{
	uint64_t lo, size;
	int32_t i;

	for (i = 0; i < h->counts_len; i++) {
		if (!h->counts[i])
			continue;
		lo = index_value(h, (uint32_t)i, &size);
		cb(lo, lo + size - 1, h->counts[i], arg);
	}
}

const uint64_t *pg_hist_counts(const struct pg_hist *h, size_t *len)
{
	if (len)
		*len = (size_t)h->counts_len;
	return h->counts;
}

uint64_t pg_hist_lowest_discernible(const struct pg_hist *h)
{
	return h->lowest;
}

uint64_t pg_hist_highest_trackable(const struct pg_hist *h)
{
	return h->highest;
}

int pg_hist_sig_figs(const struct pg_hist *h)
{
	return h->sig_figs;
}

int pg_hist_unit_magnitude(const struct pg_hist *h)
{
	return h->unit_magnitude;
}

int pg_hist_sub_bucket_count(const struct pg_hist *h)
{
	return h->sub_bucket_count;
}

int pg_hist_bucket_count(const struct pg_hist *h)
{
	return h->bucket_count;
}

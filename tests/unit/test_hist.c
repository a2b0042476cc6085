/* SPDX-License-Identifier: BSD-3-Clause */
/* pg_hist against brute force: layout parameters (HdrHistogram's), bucket
 * ranges, percentiles, merge, exact statistics and clamping. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hist.h"

static uint64_t rng_state = 0x853c49e6748fea9bull;

static uint64_t rnd64(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* log-uniform over [0, 2^maxbits): exercises every bucket magnitude */
static uint64_t rnd_mag(int maxbits)
{
	int bits = (int)(rnd64() % (uint64_t)(maxbits + 1));

	return bits ? rnd64() >> (64 - bits) : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_create_args(void **state)
{
	(void)state;
	errno = 0;
	assert_null(pg_hist_create(0, 1000, 3));
	assert_int_equal(errno, EINVAL);
	assert_null(pg_hist_create(1, 1000, 0));
	assert_null(pg_hist_create(1, 1000, 6));
	assert_null(pg_hist_create(600, 1000, 3));
	assert_null(pg_hist_create(1, UINT64_MAX, 3));
	assert_null(pg_hist_create(1ull << 50, 1ull << 60, 5));   /* unit + sub magnitude > 61 */
	pg_hist_free(NULL);
}

/* Values hdr_init() computes for these parameters (HdrHistogram_c's own
 * tests and a hand check of hdr_calculate_bucket_config()). */
static void test_layout(void **state)
{
	static const struct {
		uint64_t lo, hi;
		int sf;
		int unit, sbc, buckets, len;
	} cases[] = {
		/* perfgen's default: 2048 sub-buckets, 2^11 << 31 = 2^42 > 3.6e12 */
		{1, 3600000000000ull, 3, 0, 2048, 32, 33 * 1024},
		/* HdrHistogram_c's test_create: (1, 3600 * 1000 * 1000, 3) -> 22, 23552 */
		{1, 3600000000ull, 3, 0, 2048, 22, 23552},
		{1, 100000000000ull, 3, 0, 2048, 27, 28 * 1024},
		{1000, 3600000000000ull, 3, 9, 2048, 23, 24 * 1024},
		{1, 1000, 1, 0, 32, 6, 7 * 16},
		{1, 2, 5, 0, 262144, 1, 2 * 131072},
		{1, (uint64_t)INT64_MAX, 3, 0, 2048, 53, 54 * 1024},
	};
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pg_hist *h = pg_hist_create(cases[i].lo, cases[i].hi, cases[i].sf);

		assert_non_null(h);
		assert_int_equal(pg_hist_unit_magnitude(h), cases[i].unit);
		assert_int_equal(pg_hist_sub_bucket_count(h), cases[i].sbc);
		assert_int_equal(pg_hist_bucket_count(h), cases[i].buckets);
		pg_hist_counts(h, &len);
		assert_int_equal(len, cases[i].len);
		assert_int_equal(pg_hist_lowest_discernible(h), cases[i].lo);
		assert_int_equal(pg_hist_highest_trackable(h), cases[i].hi);
		assert_int_equal(pg_hist_sig_figs(h), cases[i].sf);
		pg_hist_free(h);
	}
}

/* The HdrHistogram index of known values (1,3600e9,3): values below 2048
 * index themselves; above, every bucket adds 1024 slots of doubling width. */
static void test_known_indices(void **state)
{
	struct pg_hist *h = pg_hist_create(1, 3600000000000ull, 3);
	uint64_t lo, hi;

	(void)state;
	assert_int_equal(pg_hist_index_(h, 0), 0);
	assert_int_equal(pg_hist_index_(h, 1), 1);
	assert_int_equal(pg_hist_index_(h, 2047), 2047);
	assert_int_equal(pg_hist_index_(h, 2048), 2048);
	assert_int_equal(pg_hist_index_(h, 2049), 2048);
	assert_int_equal(pg_hist_index_(h, 4095), 3071);
	assert_int_equal(pg_hist_index_(h, 4096), 3072);
	assert_int_equal(pg_hist_value_at_index(h, 3072), 4096);
	assert_int_equal(pg_hist_value_at_index(h, 3071), 4094);
	pg_hist_value_range(h, 1000000, &lo, &hi);   /* bucket 9: width 512 */
	assert_int_equal(lo, 999936);
	assert_int_equal(hi, 1000447);
	pg_hist_free(h);
}

struct fe_ctx {
	uint64_t prev_hi;
	uint64_t total;
	int first;
};

static void fe_cb(uint64_t lo, uint64_t hi, uint64_t count, void *arg)
{
	struct fe_ctx *c = arg;

	assert_true(lo <= hi);
	assert_true(count > 0);
	if (!c->first)
		assert_true(lo > c->prev_hi);
	c->first = 0;
	c->prev_hi = hi;
	c->total += count;
}

/* brute-force HdrHistogram percentile: rank max(1, round(p/100 * n)) */
static uint64_t brute_rank(double p, size_t n)
{
	double req = p < 100.0 ? p : 100.0;
	uint64_t k = (uint64_t)((req / 100) * (double)n + 0.5);

	return k < 1 ? 1 : k;
}

static void check_against_brute(uint64_t lowest, uint64_t highest, int sf, int maxbits, size_t n)
{
	static const double pcts[] = {0.0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 99.999, 100};
	struct pg_hist *h = pg_hist_create(lowest, highest, sf);
	uint64_t *v = malloc(n * sizeof(*v)), lo, hi, max = 0, min = UINT64_MAX;
	long double sum = 0, mean, var = 0;
	struct fe_ctx fe = {0, 0, 1};
	const uint64_t *counts;
	size_t i, len;
	uint32_t idx;

	assert_non_null(h);
	assert_non_null(v);
	counts = pg_hist_counts(h, &len);
	for (i = 0; i < n; i++) {
		v[i] = rnd_mag(maxbits);
		if (v[i] > highest)
			v[i] = highest;   /* clamping is tested separately */
		pg_hist_record(h, v[i]);
		sum += v[i];
		if (v[i] > max)
			max = v[i];
		if (v[i] < min)
			min = v[i];

		/* the value's slot is in range, its range contains it, and the
		 * range's width is within the promised relative precision */
		idx = pg_hist_index_(h, v[i]);
		assert_true(idx < len);
		pg_hist_value_range(h, v[i], &lo, &hi);
		assert_true(lo <= v[i] && v[i] <= hi);
		assert_int_equal(pg_hist_value_at_index(h, idx), lo);
		if (lo >= (uint64_t)pg_hist_sub_bucket_count(h) << pg_hist_unit_magnitude(h))
			assert_true((hi - lo + 1) * (uint64_t)pg_hist_sub_bucket_count(h) <= 2 * lo);
		else
			assert_int_equal(hi - lo + 1, 1ull << pg_hist_unit_magnitude(h));
		/* neighbours: the slot below ends right before lo */
		if (idx > 0) {
			uint64_t plo, phi;

			pg_hist_value_range(h, lo - 1, &plo, &phi);
			assert_int_equal(phi, lo - 1);
			assert_int_equal(pg_hist_index_(h, lo - 1), idx - 1);
		}
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	mean = sum / n;
	for (i = 0; i < n; i++)
		var += ((long double)v[i] - mean) * ((long double)v[i] - mean);
	var /= n;

	assert_int_equal(pg_hist_count(h), n);
	assert_int_equal(pg_hist_min(h), min);
	assert_int_equal(pg_hist_max(h), max);
	assert_true(fabs(pg_hist_mean(h) - (double)mean) <= 1e-9 * (double)mean + 1e-9);
	assert_true(fabs(pg_hist_stdev(h) - (double)sqrtl(var)) <= 1e-7 * (double)sqrtl(var) + 1e-6);
	assert_int_equal(pg_hist_overflow(h), 0);

	for (i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		uint64_t want = v[brute_rank(pcts[i], n) - 1];
		uint64_t got = pg_hist_percentile(h, pcts[i]);

		pg_hist_value_range(h, want, &lo, &hi);
		assert_int_equal(got, pcts[i] == 0.0 ? lo : hi);
	}

	pg_hist_foreach(h, fe_cb, &fe);
	assert_int_equal(fe.total, n);
	{
		uint64_t s = 0;

		for (i = 0; i < len; i++)
			s += counts[i];
		assert_int_equal(s, n);
	}
	free(v);
	pg_hist_free(h);
}

static void test_brute_default(void **state)
{
	(void)state;
	check_against_brute(1, 3600000000000ull, 3, 42, 200000);
}

static void test_brute_other_layouts(void **state)
{
	(void)state;
	check_against_brute(1, 100000000000ull, 2, 40, 50000);
	check_against_brute(1000, 3600000000000ull, 3, 42, 50000);
	check_against_brute(1, 1ull << 20, 5, 21, 50000);
	/* widest layout; values kept where the sum of squares fits 128 bits */
	check_against_brute(1, (uint64_t)INT64_MAX, 1, 52, 50000);
	check_against_brute(3, 1000000, 4, 20, 20000);   /* lowest not a power of two */
}

static void test_small_exact(void **state)
{
	struct pg_hist *h = pg_hist_create(1, 3600000000000ull, 3);

	(void)state;
	assert_int_equal(pg_hist_percentile(h, 50), 0);
	assert_int_equal(pg_hist_min(h), 0);
	assert_int_equal(pg_hist_max(h), 0);
	assert_true(pg_hist_mean(h) == 0.0);
	assert_true(pg_hist_stdev(h) == 0.0);
	pg_hist_record(h, 5);
	pg_hist_record(h, 7);
	pg_hist_record(h, 7);
	pg_hist_record(h, 9);
	assert_int_equal(pg_hist_min(h), 5);
	assert_int_equal(pg_hist_max(h), 9);
	assert_true(pg_hist_mean(h) == 7.0);
	assert_true(fabs(pg_hist_stdev(h) - sqrt(2.0)) < 1e-12);
	assert_int_equal(pg_hist_percentile(h, 50), 7);
	assert_int_equal(pg_hist_percentile(h, 100), 9);
	assert_int_equal(pg_hist_percentile(h, 200), 9);
	assert_int_equal(pg_hist_percentile(h, 0), 5);
	assert_int_equal(pg_hist_percentile(h, -3), 5);
	pg_hist_reset(h);
	assert_int_equal(pg_hist_count(h), 0);
	assert_int_equal(pg_hist_percentile(h, 50), 0);
	assert_int_equal(pg_hist_min(h), 0);
	pg_hist_free(h);
}

/* Large values with a tiny spread: the moments must not cancel to garbage. */
static void test_stdev_cancellation(void **state)
{
	struct pg_hist *h = pg_hist_create(1, 3600000000000ull, 3);
	int i;

	(void)state;
	for (i = 0; i < 1000000; i++)
		pg_hist_record(h, 3000000000000ull + (i & 1 ? 1 : 0) * 2);   /* +-1 around mean */
	assert_true(fabs(pg_hist_mean(h) - 3000000000001.0) < 1e-3);
	assert_true(fabs(pg_hist_stdev(h) - 1.0) < 1e-3);
	pg_hist_free(h);
}

static void test_merge(void **state)
{
	struct pg_hist *a = pg_hist_create(1, 3600000000000ull, 3);
	struct pg_hist *b = pg_hist_create(1, 3600000000000ull, 3);
	struct pg_hist *all = pg_hist_create(1, 3600000000000ull, 3);
	struct pg_hist *other = pg_hist_create(1, 100000000000ull, 3);
	const uint64_t *ca, *cl;
	size_t len, i;

	(void)state;
	for (i = 0; i < 100000; i++) {
		uint64_t v = rnd_mag(43);   /* some above highest: overflow merges too */

		pg_hist_record(i % 3 ? a : b, v);
		pg_hist_record(all, v);
	}
	assert_int_equal(pg_hist_merge(a, other), -EINVAL);
	assert_int_equal(pg_hist_merge(a, b), 0);
	ca = pg_hist_counts(a, &len);
	cl = pg_hist_counts(all, NULL);
	assert_memory_equal(ca, cl, len * sizeof(*ca));
	assert_int_equal(pg_hist_count(a), pg_hist_count(all));
	assert_int_equal(pg_hist_overflow(a), pg_hist_overflow(all));
	assert_true(pg_hist_overflow(a) > 0);
	assert_int_equal(pg_hist_min(a), pg_hist_min(all));
	assert_int_equal(pg_hist_max(a), pg_hist_max(all));
	assert_true(pg_hist_mean(a) == pg_hist_mean(all));
	assert_true(pg_hist_stdev(a) == pg_hist_stdev(all));
	for (i = 0; i <= 1000; i++)
		assert_int_equal(pg_hist_percentile(a, i / 10.0), pg_hist_percentile(all, i / 10.0));
	/* merging an empty histogram changes nothing, into an empty one copies */
	pg_hist_reset(b);
	assert_int_equal(pg_hist_merge(a, b), 0);
	assert_int_equal(pg_hist_min(a), pg_hist_min(all));
	assert_int_equal(pg_hist_merge(b, all), 0);
	assert_int_equal(pg_hist_min(b), pg_hist_min(all));
	assert_int_equal(pg_hist_max(b), pg_hist_max(all));
	pg_hist_free(a);
	pg_hist_free(b);
	pg_hist_free(all);
	pg_hist_free(other);
}

static void test_clamp(void **state)
{
	const uint64_t highest = 1000000;
	struct pg_hist *h = pg_hist_create(1, highest, 3);
	uint64_t lo, hi, top_lo, top_hi;
	const uint64_t *counts;
	size_t len;

	(void)state;
	pg_hist_value_range(h, highest, &top_lo, &top_hi);
	pg_hist_record(h, 10);
	pg_hist_record(h, highest);
	pg_hist_record(h, highest + 1);
	pg_hist_record(h, UINT64_MAX);
	assert_int_equal(pg_hist_count(h), 4);
	assert_int_equal(pg_hist_overflow(h), 2);
	assert_int_equal(pg_hist_max(h), UINT64_MAX);   /* the real value */
	counts = pg_hist_counts(h, &len);
	assert_int_equal(counts[pg_hist_index_(h, highest)], 3);
	pg_hist_value_range(h, UINT64_MAX, &lo, &hi);
	assert_int_equal(lo, top_lo);
	assert_int_equal(hi, top_hi);
	assert_int_equal(pg_hist_percentile(h, 100), top_hi);
	assert_int_equal(pg_hist_percentile(h, 25), 10);
	pg_hist_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_known_indices),
		cmocka_unit_test(test_brute_default),
		cmocka_unit_test(test_brute_other_layouts),
		cmocka_unit_test(test_small_exact),
		cmocka_unit_test(test_stdev_cancellation),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_clamp),
	};

	return cmocka_run_group_tests_name("hist", tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* pg_tsc and pg_clock against the kernel's clocks. Skips (77) without an
 * invariant TSC. Runs pinned to one CPU, as an lcore would. Accuracy bounds
 * only, no timing of our own code. */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tsc.h"

static struct pg_tsc g_tsc;

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void test_calibrate_args(void **state)
{
	struct pg_tsc t;

	(void)state;
	assert_int_equal(pg_tsc_calibrate(NULL, 10), -EINVAL);
	assert_int_equal(pg_tsc_calibrate(&t, 0), -EINVAL);
	memset(&t, 0, sizeof(t));
	assert_int_equal(pg_tsc_refine(&t), -EINVAL);
}

/* After a 200 ms calibration, TSC deltas converted to ns agree with
 * CLOCK_MONOTONIC_RAW within 50 ppm over the next 250 ms. */
static void test_rate_vs_raw(void **state)
{
	struct pg_tsc_sample a, b;
	double ppm;
	uint64_t conv, raw;

	(void)state;
	assert_int_equal(pg_tsc_sample(&a, CLOCK_MONOTONIC_RAW), 0);
	sleep_ms(250);
	assert_int_equal(pg_tsc_sample(&b, CLOCK_MONOTONIC_RAW), 0);
	conv = pg_tsc_to_ns(&g_tsc, b.tsc - a.tsc);
	raw = b.ns - a.ns;
	ppm = ((double)conv - (double)raw) / (double)raw * 1e6;
	print_message("      tsc vs MONOTONIC_RAW over %.1f ms: %+.3f ppm (%+lld ns), sample widths %llu/%llu ns\n",
		      raw / 1e6, ppm, (long long)(conv - raw), (unsigned long long)a.width_ns,
		      (unsigned long long)b.width_ns);
	assert_true(ppm < 50.0 && ppm > -50.0);
}

static void test_refine(void **state)
{
	struct pg_tsc t = g_tsc;
	double before = t.uncertainty_ppm;
	uint64_t hz0 = t.hz;
	int rc;

	(void)state;
	sleep_ms(100);   /* the baseline is now 200 ms + everything since */
	rc = pg_tsc_refine(&t);
	assert_true(rc == 0 || rc == -EAGAIN);
	if (rc == 0) {
		assert_true(t.uncertainty_ppm < before);
		assert_int_equal(t.refines, 1);
	}
	assert_int_equal(t.ns_shift, g_tsc.ns_shift);   /* shifts never change */
	assert_int_equal(t.cyc_shift, g_tsc.cyc_shift);
	assert_true(t.hz > hz0 - hz0 / 10000 && t.hz < hz0 + hz0 / 10000);
	print_message("      refine: rc %d, hz %llu -> %llu (%+.3f ppm), uncertainty %.3f -> %.3f ppm\n", rc,
		      (unsigned long long)hz0, (unsigned long long)t.hz,
		      ((double)t.hz - (double)hz0) / (double)hz0 * 1e6, before, t.uncertainty_ppm);
}

/* Conversions without division: exact enough to round-trip, monotonic,
 * linear, and consistent with hz. */
static void test_roundtrip(void **state)
{
	static const uint64_t ns[] = {0, 1, 7, 999, 1000, 123456, 1000000, 999999999,
				      1000000000, 3600000000000ull, 86400000000000ull * 30};
	uint64_t i, prev = 0, seed = 12345;

	(void)state;
	assert_int_equal(pg_tsc_to_ns(&g_tsc, 0), 0);
	/* one second of cycles is one second, to the rounding of the multiplier */
	assert_true(pg_tsc_to_ns(&g_tsc, g_tsc.hz) >= 999999999ull &&
		    pg_tsc_to_ns(&g_tsc, g_tsc.hz) <= 1000000001ull);
	assert_true(pg_ns_to_tsc(&g_tsc, 1000000000ull) >= g_tsc.hz - 1 &&
		    pg_ns_to_tsc(&g_tsc, 1000000000ull) <= g_tsc.hz + 1);
	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		uint64_t c = pg_ns_to_tsc(&g_tsc, ns[i]);
		uint64_t back = pg_tsc_to_ns(&g_tsc, c);
		/* a cycle is < 1 ns here: back within 1 ns plus 1e-15 relative */
		uint64_t tol = 1 + ns[i] / 1000000000000000ull;

		assert_true(back + tol >= ns[i] && back <= ns[i] + tol);
	}
	for (i = 0; i < 200000; i++) {
		uint64_t c = i * 37;
		uint64_t n = pg_tsc_to_ns(&g_tsc, c);

		assert_true(n >= prev);
		prev = n;
	}
	for (i = 0; i < 100000; i++) {
		uint64_t c, n;
		long double exact;

		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		c = seed >> (seed & 31);   /* cycles up to 2^64 */
		n = pg_tsc_to_ns(&g_tsc, c);
		exact = (long double)c * 1e9L / (long double)g_tsc.hz;
		assert_true((long double)n <= exact + 1 + exact * 1e-15L &&
			    (long double)n >= exact - 1 - exact * 1e-15L);
	}
}

static int64_t timeline_err(const struct pg_clock *c)
{
	struct pg_tsc_sample s;

	assert_int_equal(pg_tsc_sample(&s, CLOCK_REALTIME), 0);
	return (int64_t)(pg_clock_now_ns(c, s.tsc) - s.ns);
}

/* A fresh anchor tracks CLOCK_REALTIME within 20 us for 300 ms without help. */
static void test_anchor_tracks_realtime(void **state)
{
	struct pg_clock c;
	int64_t e, worst = 0;
	int i;

	(void)state;
	pg_clock_anchor(&c, &g_tsc);
	assert_true(llabs(timeline_err(&c)) < 2000);
	for (i = 0; i < 30; i++) {
		sleep_ms(10);
		e = timeline_err(&c);
		if (llabs(e) > llabs(worst))
			worst = e;
	}
	print_message("      anchor vs REALTIME over 300 ms: worst %+lld ns\n", (long long)worst);
	assert_true(llabs(worst) < 20000);
}

/* Re-anchoring slews an induced error away without ever going backward. */
static void slew_case(int64_t induced_ns)
{
	struct pg_clock c;
	uint64_t prev, now, t;
	int64_t e0, e;
	int i, k;

	pg_clock_anchor(&c, &g_tsc);
	c.ns0 += (uint64_t)induced_ns;   /* the timeline is now induced_ns off */
	e0 = timeline_err(&c);
	prev = pg_clock_now_ns(&c, pg_rdtsc());
	for (i = 0; i < 20; i++) {
		/* dense reads across the re-anchor: never backward */
		for (k = 0; k < 2000; k++) {
			t = pg_rdtsc();
			now = pg_clock_now_ns(&c, t);
			assert_true(now >= prev);
			prev = now;
		}
		pg_clock_reanchor(&c, &g_tsc);
		now = pg_clock_now_ns(&c, pg_rdtsc());
		assert_true(now >= prev);
		prev = now;
		sleep_ms(20);
		now = pg_clock_now_ns(&c, pg_rdtsc());
		assert_true(now >= prev);
		prev = now;
	}
	e = timeline_err(&c);
	print_message("      slew %+lld ns: after 20 re-anchors (~450 ms) error %+lld ns, last slew %+.1f ppm, steps %llu\n",
		      (long long)e0, (long long)e, c.slew_ppm, (unsigned long long)c.steps);
	assert_int_equal(c.steps, 0);
	assert_int_equal(c.reanchors, 20);
	/* 500 ppm at most: each 20 ms period removes up to 10 us; the
	 * correction aims to cancel the error over one period */
	assert_true(llabs(e) < 5000);
}

static void test_reanchor_slews_forward(void **state)
{
	(void)state;
	slew_case(-50000);   /* timeline behind: runs fast to catch up */
}

static void test_reanchor_slews_backward(void **state)
{
	(void)state;
	slew_case(50000);    /* timeline ahead: runs slow, still forward */
}

static void test_reanchor_no_error_stays(void **state)
{
	struct pg_clock c;
	int i;

	(void)state;
	pg_clock_anchor(&c, &g_tsc);
	for (i = 0; i < 5; i++) {
		sleep_ms(30);
		pg_clock_reanchor(&c, &g_tsc);
		assert_true(llabs(c.last_err_ns) < 20000);
	}
	assert_true(llabs(timeline_err(&c)) < 5000);
	assert_int_equal(c.steps, 0);
}

static void test_reanchor_steps(void **state)
{
	struct pg_clock c;

	(void)state;
	pg_clock_anchor(&c, &g_tsc);
	c.ns0 += 5000000;   /* 5 ms off: step */
	pg_clock_reanchor(&c, &g_tsc);
	assert_int_equal(c.steps, 1);
	assert_true(c.last_err_ns > 4900000 && c.last_err_ns < 5100000);
	assert_true(llabs(timeline_err(&c)) < 5000);
	c.ns0 -= 3000000;   /* and backward too */
	pg_clock_reanchor(&c, &g_tsc);
	assert_int_equal(c.steps, 2);
	assert_true(llabs(timeline_err(&c)) < 5000);
}

/* A TSC value read before the anchor converts to an earlier time, not to a
 * wrapped-around one. */
static void test_before_anchor(void **state)
{
	struct pg_clock c;
	uint64_t early = pg_rdtsc(), a, b;

	(void)state;
	sleep_ms(1);
	pg_clock_anchor(&c, &g_tsc);
	a = pg_clock_now_ns(&c, early);
	b = pg_clock_now_ns(&c, c.tsc0);
	assert_true(a < b);
	assert_true(b - a >= 1000000 && b - a < 50000000);
}

static int setup(void **state)
{
	cpu_set_t set;
	int cpu = sched_getcpu(), rc;

	(void)state;
	/* an lcore is pinned; so is this test (vCPU TSCs differ by ~100 ns) */
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	rc = pg_tsc_calibrate(&g_tsc, 200);
	if (rc)
		return rc;
	print_message("      calibrated: hz %llu, uncertainty %.3f ppm, advertised %llu (%s), %+.1f ppm vs advertised, "
		      "ns_mult %llu >> %u, cyc_mult %llu >> %u\n",
		      (unsigned long long)g_tsc.hz, g_tsc.uncertainty_ppm,
		      (unsigned long long)g_tsc.advertised_hz, g_tsc.advertised_src, g_tsc.ppm_vs_advertised,
		      (unsigned long long)g_tsc.ns_mult, g_tsc.ns_shift, (unsigned long long)g_tsc.cyc_mult,
		      g_tsc.cyc_shift);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_calibrate_args),
		cmocka_unit_test(test_rate_vs_raw),
		cmocka_unit_test(test_refine),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_anchor_tracks_realtime),
		cmocka_unit_test(test_reanchor_slews_forward),
		cmocka_unit_test(test_reanchor_slews_backward),
		cmocka_unit_test(test_reanchor_no_error_stays),
		cmocka_unit_test(test_reanchor_steps),
		cmocka_unit_test(test_before_anchor),
	};
	struct pg_tsc probe;
	int rc = pg_tsc_calibrate(&probe, 1);

	if (rc == -ENOTSUP) {
		fprintf(stderr, "SKIP: no invariant TSC (constant_tsc/nonstop_tsc): nothing to calibrate\n");
		return 77;
	}
	return cmocka_run_group_tests_name("tsc", tests, setup, NULL);
}

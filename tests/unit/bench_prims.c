/* SPDX-License-Identifier: BSD-3-Clause */
/* Cost of the hot-path primitives in TSC cycles (not a test: nothing is asserted).
 * Usage: bench_prims [iterations] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "hist.h"
#include "ring.h"
#include "tsc.h"

#define BURST 32

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* median of 9 runs, to shrug off the other tenants of a shared machine */
#define RUNS 9

int main(int argc, char **argv)
{
	uint64_t iters = argc > 1 ? strtoull(argv[1], NULL, 0) : 2000000;
	struct pg_hist *h = pg_hist_create(1, 3600000000000ull, 3);
	struct pg_ring *r8 = pg_ring_create(1024, 8);
	struct pg_ring *r192 = pg_ring_create(1024, 192);
	static uint64_t vals[4096], e8[BURST], e192[BURST * 24];
	double res[RUNS], res_e[RUNS], res_d[RUNS], res_e2[RUNS], res_d2[RUNS], res_tsc[RUNS];
	struct pg_tsc tsc;
	uint64_t i, t0, t1, seed = 88172645463325252ull, sink = 0;
	int run, have_tsc;

	if (!h || !r8 || !r192)
		return 1;
	for (i = 0; i < 4096; i++) {
		/* latencies of 1 us .. 1 ms, log-spread like real ones */
		seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
		vals[i] = 1000 + (seed % 1000000 >> (seed >> 60));
	}
	have_tsc = pg_tsc_calibrate(&tsc, 100) == 0;

	for (run = 0; run < RUNS; run++) {
		t0 = pg_rdtsc();
		for (i = 0; i < iters; i++)
			pg_hist_record(h, vals[i & 4095]);
		t1 = pg_rdtsc();
		res[run] = (double)(t1 - t0) / (double)iters;

		/* ring: producer then consumer on one thread, so the numbers are
		 * the instruction cost without cross-core cache traffic */
		{
			uint64_t te = 0, td = 0, te2 = 0, td2 = 0, n = iters / BURST, k;

			for (k = 0; k < n; k++) {
				t0 = pg_rdtsc();
				sink += pg_ring_enqueue_burst(r8, e8, BURST);
				t1 = pg_rdtsc();
				te += t1 - t0;
				sink += pg_ring_dequeue_burst(r8, e8, BURST);
				td += pg_rdtsc() - t1;
			}
			for (k = 0; k < n / 8; k++) {
				t0 = pg_rdtsc();
				sink += pg_ring_enqueue_burst(r192, e192, BURST);
				t1 = pg_rdtsc();
				te2 += t1 - t0;
				sink += pg_ring_dequeue_burst(r192, e192, BURST);
				td2 += pg_rdtsc() - t1;
			}
			res_e[run] = (double)te / (double)n;
			res_d[run] = (double)td / (double)n;
			res_e2[run] = (double)te2 / (double)(n / 8);
			res_d2[run] = (double)td2 / (double)(n / 8);
		}
		res_tsc[run] = 0;
		if (have_tsc) {
			struct pg_clock c;

			pg_clock_anchor(&c, &tsc);
			t0 = pg_rdtsc();
			for (i = 0; i < iters; i++)
				sink += pg_clock_now_ns(&c, pg_rdtsc());
			t1 = pg_rdtsc();
			res_tsc[run] = (double)(t1 - t0) / (double)iters;
		}
	}
	qsort(res, RUNS, sizeof(double), cmp_dbl);
	qsort(res_e, RUNS, sizeof(double), cmp_dbl);
	qsort(res_d, RUNS, sizeof(double), cmp_dbl);
	qsort(res_e2, RUNS, sizeof(double), cmp_dbl);
	qsort(res_d2, RUNS, sizeof(double), cmp_dbl);
	qsort(res_tsc, RUNS, sizeof(double), cmp_dbl);

	printf("median of %d runs, %llu iterations each, TSC cycles\n", RUNS, (unsigned long long)iters);
	if (have_tsc)
		printf("tsc: %llu Hz measured, %+.1f ppm vs advertised %llu (%s)\n",
		       (unsigned long long)tsc.hz, tsc.ppm_vs_advertised,
		       (unsigned long long)tsc.advertised_hz, tsc.advertised_src);
	printf("pg_hist_record:                    %6.2f cycles/value\n", res[RUNS / 2]);
	printf("pg_ring_enqueue_burst(32 x 8 B):   %6.1f cycles/burst\n", res_e[RUNS / 2]);
	printf("pg_ring_dequeue_burst(32 x 8 B):   %6.1f cycles/burst\n", res_d[RUNS / 2]);
	printf("pg_ring_enqueue_burst(32 x 192 B): %6.1f cycles/burst\n", res_e2[RUNS / 2]);
	printf("pg_ring_dequeue_burst(32 x 192 B): %6.1f cycles/burst\n", res_d2[RUNS / 2]);
	if (have_tsc)
		printf("pg_clock_now_ns(pg_rdtsc()):       %6.2f cycles/call\n", res_tsc[RUNS / 2]);
	printf("(sink %llu, hist count %llu)\n", (unsigned long long)(sink & 1),
	       (unsigned long long)pg_hist_count(h));
	pg_hist_free(h);
	pg_ring_free(r8);
	pg_ring_free(r192);
	return 0;
}

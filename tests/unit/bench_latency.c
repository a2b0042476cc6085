/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cost of the latency work on the server's RX path, per packet, in TSC cycles and ns (not a
 * test: nothing is asserted; scripts/bench.sh prints it): one TSC read per burst of 32
 * converted to the REALTIME timeline, then per datagram the sequence read, the send time,
 * the perfgen trip-time block (sub-us send time, sender's PTP offset) and the local offset,
 * the iperf2 sequence accounting (gaps, out-of-order, duplicates, jitter) and the histogram
 * record. Also the TSC calibration error against CLOCK_MONOTONIC_RAW, in ppm.
 * Usage: bench_latency [packets]
 */
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hist.h"
#include "iperf2.h"
#include "latclock.h"
#include "pgts.h"
#include "seqstats.h"
#include "tsc.h"

#define BURST 32
#define RUNS 9
#define NPKT 4096

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	uint64_t iters = argc > 1 ? strtoull(argv[1], NULL, 0) : 4000000;
	static uint8_t pl[NPKT][160];
	static struct pg_seq_stats st;
	struct pg_hist *h = pg_hist_create(1, 100000000000ull, 3);
	struct pg_latclock lk = { .mode = PG_SYNC_PTP };
	struct pg_tsc tsc;
	struct pg_clock clk;
	struct pg_tsc_sample a, b;
	double cyc[RUNS], ppm;
	uint64_t sink = 0, base;
	int run;

	if (!h || pg_tsc_calibrate(&tsc, 200)) {
		fprintf(stderr, "bench_latency: no invariant TSC\n");
		return 77;
	}
	pg_clock_anchor(&clk, &tsc);
	atomic_store(&lk.offset_ns, -350);
	base = pg_clock_now_ns(&clk, pg_rdtsc()) - 2000000;
	for (int i = 0; i < NPKT; i++) {
		/* datagrams 2 ms old, one in 64 out of order, a perfgen sender with --ptp */
		int64_t seq = 1 + i + ((i & 63) == 5 ? 1 : (i & 63) == 6 ? -1 : 0);
		uint32_t magic = htonl(PG_PGTS_MAGIC);

		pg_i2_udp_stamp(pl[i], seq, base + (uint64_t)i * 1000);
		memcpy(pl[i] + PG_PGTS_OFF, &magic, 4);
		pg_pgts_put(pl[i], (uint32_t)(i % 1000), 120, 300);
	}

	for (run = 0; run < RUNS; run++) {
		uint64_t t0, t1, n = 0, k;

		pg_seq_stats_init(&st);
		pg_hist_reset(h);
		t0 = pg_rdtsc();
		for (k = 0; n < iters; k++) {
			uint64_t now = pg_clock_now_ns(&clk, pg_rdtsc()); /* once per burst */
			unsigned int j0 = (unsigned int)(k * BURST) % NPKT;

			for (unsigned int j = 0; j < BURST; j++, n++) {
				const uint8_t *p = pl[j0 + j];
				int64_t seq = pg_i2_udp_seq(p, 1) + (int64_t)(k / (NPKT / BURST)) * NPKT;
				int64_t tr = (int64_t)(now - pg_i2_udp_txtime_ns(p));
				struct pg_pgts t;

				if (pg_pgts_get(p, 160, &t))
					tr = tr - t.tx_ns_frac + t.offset_ns;
				tr -= atomic_load_explicit(&lk.offset_ns, memory_order_relaxed);
				pg_seq_stats_update(&st, seq, tr, 1470);
				pg_hist_record(h, tr > 0 ? (uint64_t)tr : 0);
			}
		}
		t1 = pg_rdtsc();
		cyc[run] = (double)(t1 - t0) / (double)n;
		sink += pg_hist_count(h) + pg_seq_stats_lost(&st);
	}
	qsort(cyc, RUNS, sizeof(cyc[0]), cmp_dbl);
	/* the best run is the cost; the median shows what the machine's other tenants add */
	printf("rx latency path: %.1f cycles/packet = %.2f ns/packet best of %d runs (median %.1f "
	       "cycles = %.2f ns); timestamp per burst of %d, seq check, trip-time block + PTP "
	       "offset, histogram record\n", cyc[0], cyc[0] * 1e9 / (double)tsc.hz, RUNS,
	       cyc[RUNS / 2], cyc[RUNS / 2] * 1e9 / (double)tsc.hz, BURST);

	/* calibration error: the 200 ms calibration's rate against a fresh 1 s window */
	{
		struct timespec ts = { 1, 0 };

		pg_tsc_sample(&a, CLOCK_MONOTONIC_RAW);
		nanosleep(&ts, NULL);
		pg_tsc_sample(&b, CLOCK_MONOTONIC_RAW);
		ppm = ((double)(b.tsc - a.tsc) * 1e9 / (double)(b.ns - a.ns) - (double)tsc.hz) /
		      (double)tsc.hz * 1e6;
		printf("tsc calibration (200 ms) vs CLOCK_MONOTONIC_RAW over the next 1 s: %+.3f ppm "
		       "(hz %llu; the advertised rate is off by %+.0f ppm)\n",
		       -ppm, (unsigned long long)tsc.hz, tsc.ppm_vs_advertised);
	}
	if (sink == 42)
		puts("");
	pg_hist_free(h);
	return 0;
}

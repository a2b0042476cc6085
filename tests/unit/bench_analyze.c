/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where offline analysis spends its time: the same capture read three ways, each timed
 * on one core (the file should be in the page cache; run it twice):
 *   read      pcap/pcapng records only (pcap.c)
 *   classify  + Ethernet/VLAN/IPv4/UDP classification (frame.c)
 *   account   + iperf2 sequence/time decode and the iperf2 accounting (seqstats.h)
 * `perfgen analyze` adds the flow table, latency histograms and the reporter on top.
 * Not a test: prints packets per second for each stage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pcap.h"
#include "frame.h"
#include "iperf2.h"
#include "seqstats.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(const char *path, int stage, double *pps, unsigned long long *n_out)
{
	struct pg_pcap *p = pg_pcap_open(path);
	struct pg_pcap_pkt pk;
	struct pg_seq_stats st;
	unsigned long long n = 0, ok = 0;
	double t0;

	if (!p)
		return -1;
	pg_seq_stats_init(&st);
	t0 = now_s();
	while (pg_pcap_next(p, &pk) == 1) {
		struct pg_frame fr;

		n++;
		if (stage < 1)
			continue;
		if (pg_frame_classify(pk.data, pk.caplen, 0, pk.caplen == pk.wirelen, &fr) != PG_FRAME_OK ||
		    fr.payload_len < PG_I2_UDP_SEQ_LEN)
			continue;
		ok++;
		if (stage < 2)
			continue;
		pg_seq_stats_update(&st, pg_i2_udp_seq(fr.payload, 1),
				    (int64_t)pk.ts_ns - (int64_t)pg_i2_udp_txtime_ns(fr.payload), fr.payload_len);
	}
	*pps = (double)n / (now_s() - t0);
	*n_out = n;
	pg_pcap_close(p);
	(void)ok;
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const names[] = { "read", "classify", "account" };
	int s;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_analyze FILE.pcap\n");
		return 2;
	}
	for (s = 0; s < 3; s++) {
		double pps;
		unsigned long long n;

		if (run(argv[1], s, &pps, &n)) {
			perror(argv[1]);
			return 1;
		}
		printf("%-9s %llu packets  %.2f Mpps  %.1f ns/packet\n", names[s], n, pps / 1e6, 1e9 / pps);
	}
	return 0;
}

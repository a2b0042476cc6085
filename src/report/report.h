/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reporter: the one consumer of every dataplane lcore's ring. It turns counter
 * deltas and flow events into streams grouped by test, cuts them into -i intervals on
 * the main lcore's clock, and prints iperf2 -e style text or iperf3-schema JSON
 * (with perfgen's additions under "perfgen"). It runs on the main lcore between sleeps.
 */
#ifndef PG_REPORT_H
#define PG_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "msg.h"

struct pg_ring;
struct pg_hist;
struct pg_reporter;

enum pg_role { PG_ROLE_CLIENT = 0, PG_ROLE_SERVER };

/* A named counter shown under perfgen.drops (non-zero ones only). */
struct pg_report_counter {
	const char *name;
	uint64_t value;
};

struct pg_report_conf {
	enum pg_role role;
	int json;                 /* -J: one iperf3-schema JSON object per test */
	double interval_s;        /* -i; 0 = no interval reports */
	FILE *out;
	/* client facts for the header and JSON "start" */
	const char *host;
	uint16_t port;
	uint32_t local_ip, peer_ip;  /* BE */
	uint32_t len;                /* -l */
	uint64_t rate;
	int rate_pps;
	double duration_s;
	uint64_t amount_bytes, amount_pkts;
	unsigned int num_streams;
	int trip_times;
	/* facts for "perfgen" */
	const char *backend, *xdp_mode, *ifname, *lcores;
	uint64_t tsc_hz;
	int one_off;                 /* -1: the server exits after its first test */
	int no_peer;                 /* client into a sink: no server reports expected; per-lcore rates */
	int tcp;                     /* iperf2 over TCP: no server report; retransmits, cwnd, RTT */
	int offline;                 /* perfgen analyze: poll()'s now is capture time, and intervals
				      * are cut no further than the data read so far */
	const char *cc;              /* TCP congestion control */
	/* Fills out[0..max) with the dataplane's running drop counters; called whenever a
	 * report is printed (they count since start, over all tests). May be NULL. */
	unsigned int (*counters)(void *arg, struct pg_report_counter *out, unsigned int max);
	void *counters_arg;
	/* trip-time clock: source and bound of every latency figure (NULL: "tsc", unbounded) */
	const struct pg_latclock *latclk;
	/* --histograms, --hdr-log, --csv, loss events, --json-stream (NULL: none) */
	struct pg_export *export;
};

/*
 * Creates a reporter over nb rings (one per dataplane lcore) and their histogram return
 * rings. NULL + errno.
 */
struct pg_reporter *pg_reporter_create(const struct pg_report_conf *conf, struct pg_ring **rings,
				       struct pg_ring **hist_ret, unsigned int nb);

/* Client: declares stream `id` (0-based) sending from sport on lcore `lcore`. 0/-errno. */
int pg_reporter_add_client_stream(struct pg_reporter *r, unsigned int id, uint16_t sport);

/* Marks the test start (client) for interval arithmetic. */
void pg_reporter_start(struct pg_reporter *r, uint64_t now_ns);

/*
 * Drains the rings and prints what is due. Returns the number of lcores that reported
 * LCORE_DONE so far.
 */
unsigned int pg_reporter_poll(struct pg_reporter *r, uint64_t now_ns);

/* Server: 1 once a -1 test has completed. */
int pg_reporter_one_off_done(const struct pg_reporter *r);

/* Prints the final report(s) of what is still open. Returns 0, or 1 when a client
 * stream got no server report (peer stopped) — the caller's exit code. */
int pg_reporter_finish(struct pg_reporter *r, uint64_t now_ns);

/* Tests reported so far. */
unsigned int pg_reporter_tests_done(const struct pg_reporter *r);

/* Prints a report with no streams (only perfgen's counters): analyze found no iperf test. */
void pg_reporter_print_empty(struct pg_reporter *r, uint64_t now_ns);

/* Lcore-wide drop counters to show under perfgen.drops (name, value). */
void pg_reporter_add_counter(struct pg_reporter *r, const char *name, uint64_t value);

void pg_reporter_free(struct pg_reporter *r);

#endif /* PG_REPORT_H */

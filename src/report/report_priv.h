/* SPDX-License-Identifier: BSD-3-Clause */
/* Reporter internals shared by reporter.c (aggregation) and output.c (text and JSON). */
#ifndef PG_REPORT_PRIV_H
#define PG_REPORT_PRIV_H

#include <stdint.h>
#include <stdio.h>

#include "report.h"
#include "msg.h"
#include "iperf2.h"

#define PG_MAX_LCORES_R 64
#define PG_SERVER_SLOTS_R 256
#define PG_GROUP_MAX_STREAMS 128
#define PG_HIST_HIGHEST_NS 100000000000ull /* 100 s */

struct pg_hist;
struct pg_group;

struct pg_stream {
	int used;
	unsigned int id;              /* the [  N] shown in reports */
	uint8_t lcore;
	uint16_t slot;
	uint32_t gen;
	uint32_t local_ip, peer_ip;   /* BE */
	uint16_t local_port, peer_port;
	struct pg_msg_flow_start info; /* server: what the client announced */
	struct pg_msg_counters tot, ivl;
	int64_t last_id;
	uint64_t first_ns, last_ns;
	int ended, timed_out, has_report;
	struct pg_i2_report rep;      /* client: the server's report */
	struct pg_hist *lat, *lat_ivl;
	struct pg_group *g;
};

struct pg_group {
	int used;
	uint64_t t0;
	uint32_t peer_ip;
	unsigned int expected, nstreams, ended, next_ivl;
	struct pg_stream *s[PG_GROUP_MAX_STREAMS];
	void *intervals;              /* json_t array of interval objects */
	double cpu_user_s, cpu_sys_s, wall_s;
};

#define pg_counter_kv pg_report_counter

void *pg_json_intervals_new(void);
void pg_json_intervals_free(void *a);

void pg_print_client_header(FILE *out, const struct pg_report_conf *c,
			    const struct pg_stream *s, unsigned int n);
void pg_print_server_connect(FILE *out, const struct pg_report_conf *c,
			     const struct pg_stream *s);
/* Prints (text) or records (JSON) interval [a, b) s of group g, and resets the interval counters. */
void pg_print_interval(FILE *out, const struct pg_report_conf *c, struct pg_group *g,
		       double a, double b);
void pg_print_final(FILE *out, const struct pg_report_conf *c, struct pg_group *g,
		    const void *counters, unsigned int nb_counters);

/* TCP tests (output_tcp.c): iperf2 -e TCP lines, iperf3's TCP JSON (sender/receiver). */
void pg_print_interval_tcp(FILE *out, const struct pg_report_conf *c, struct pg_group *g,
			   double a, double b);
void pg_print_final_tcp(FILE *out, const struct pg_report_conf *c, struct pg_group *g,
			const struct pg_report_counter *kv, unsigned int nb_counters);

/* JSON pieces shared by the UDP and TCP output (jansson json_t *, as void * here). */
struct json_t;
struct json_t *pg_json_start(const struct pg_report_conf *c, const struct pg_group *g);
struct json_t *pg_json_perfgen(const struct pg_report_conf *c, const struct pg_report_counter *kv,
			       unsigned int n, const struct pg_hist *lat);

/* "1.25 MBytes" (1024-based) and "10.5 Mbits/sec" (1000-based), iperf2 style. */
void pg_fmt_bytes(char *buf, size_t len, double bytes);
/* output_tcp.c: iperf 2.1.8's -e TCP column headers */
extern const char pg_tcp_client_header[];
extern const char pg_tcp_server_trip_header[];
void pg_fmt_bits(char *buf, size_t len, double bps);

#endif /* PG_REPORT_PRIV_H */

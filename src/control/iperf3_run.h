/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3 runs on the main thread: the control-channel state machines
 * (src/proto/iperf3.h) fed from and answered through the iperf3 lcore's rings
 * (src/dataplane/iperf3_dp.h), timers, results from the lcore's stream counters, and
 * iperf3 3.12-style text or -J output. The lcore does all packet work.
 */
#ifndef PG_IPERF3_RUN_H
#define PG_IPERF3_RUN_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

struct pg_opts;
struct pg_lcore;

struct pg_i3_env {
	const struct pg_opts *o;
	struct pg_lcore *lc;          /* the dataplane lcores the test runs on (nb_lc of them;
				       * a client's control connection on lc[0], a server's on any) */
	unsigned int nb_lc;
	atomic_int *stop;             /* Ctrl-C count */
	uint32_t local_ip, peer_ip;   /* BE */
	uint16_t port;                /* server port (client: the one it connects to) */
	uint16_t ctrl_sport;          /* client: control connection's source port; stream i
				       * uses ctrl_sport + 1 + i */
	uint32_t mtu;
	const char *backend, *mode, *ifname, *lcores;
	FILE *out;
	/* starts the lcore (after the cookie is in place); 0 or -errno */
	int (*launch)(void *arg);
	void *launch_arg;
	/* server: the iperf2 side's reporter, called every 20 ms; returns 1 once an iperf2
	 * test completed (for -1). NULL when the server speaks iperf3 only. */
	int (*poll)(void *arg);
	void *poll_arg;
	const char *also;             /* server banner: the iperf2 side, e.g. "iperf2 TCP on 5001" */
};

/* Client: one test against an iperf3 server. Returns the exit code (0 ok, 1 test failed,
 * 2 setup error), having printed a one-line error for failures. */
int pg_i3_client(struct pg_i3_env *e);

/* Server: serves iperf3 clients until *stop (or after one test with -1). Exit code. */
int pg_i3_server(struct pg_i3_env *e);

#endif /* PG_IPERF3_RUN_H */

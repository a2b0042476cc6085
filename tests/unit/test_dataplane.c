/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dataplane loops without a network: an in-memory port (struct pg_port_ops) connects the
 * iperf2 UDP client loop to the server loop, each on its own thread as on real lcores,
 * with the reporter ring in between. Also: option and lcore-list parsing, pacing math,
 * the redirect mesh's whole-frame framing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "dataplane.h"
#include "ring.h"
#include "msg.h"
#include "hist.h"
#include "iperf2.h"
#include "frame.h"
#include "opts.h"
#include "latclock.h"
#include "pgts.h"
#include "redirect.h"
#include "flow_owner.h"

/* ------------------------------------------------------ in-memory port ---- */

#define MEM_FRAMES 512
#define MEM_FRAME_SIZE 2048

struct pg_port_queue {
	uint8_t buf[MEM_FRAMES][MEM_FRAME_SIZE];
	unsigned int free_stack[MEM_FRAMES];
	unsigned int nb_free;
	struct pg_ring *wire_out;  /* frames we send: indexes into peer-visible copies */
	struct pg_ring *wire_in;
	uint64_t sent;
	int drop_every;            /* loss injection: drop every Nth frame sent (0 = none) */
};

struct wire_frame {
	uint32_t len;
	uint8_t data[1532];
	uint32_t pad;
};

static unsigned int mem_rx_burst(struct pg_port_queue *q, struct pg_pkt *pkts, unsigned int n)
{
	struct wire_frame *w[PG_PORT_BURST];
	unsigned int i, got = pg_ring_dequeue_burst(q->wire_in, w, n < PG_PORT_BURST ? n : PG_PORT_BURST);

	for (i = 0; i < got; i++) {
		pkts[i].data = w[i]->data;
		pkts[i].len = w[i]->len;
		pkts[i].rx_ts_ns = 0;
		pkts[i].flags = 0;
		pkts[i].handle = (uintptr_t)w[i];
	}
	return got;
}

static void mem_rx_done(struct pg_port_queue *q, const struct pg_pkt *p, unsigned int n)
{
	(void)q;
	for (unsigned int i = 0; i < n; i++)
		free((void *)p[i].handle);
}

static unsigned int mem_tx_alloc(struct pg_port_queue *q, struct pg_pkt *pkts, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n && q->nb_free; i++) {
		unsigned int k = q->free_stack[--q->nb_free];

		pkts[i].data = q->buf[k];
		pkts[i].handle = k;
		pkts[i].len = 0;
	}
	return i;
}

static void mem_tx_free(struct pg_port_queue *q, const struct pg_pkt *pkts, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		q->free_stack[q->nb_free++] = (unsigned int)pkts[i].handle;
}

static unsigned int mem_tx_burst(struct pg_port_queue *q, struct pg_pkt *pkts, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct wire_frame *w;

		if (pg_ring_free_count(q->wire_out) == 0)
			break;
		q->sent++;
		if (q->drop_every && q->sent % (uint64_t)q->drop_every == 0)
			continue;
		w = malloc(sizeof(*w));
		w->len = pkts[i].len;
		memcpy(w->data, pkts[i].data, pkts[i].len);
		pg_ring_enqueue_burst(q->wire_out, &w, 1);
	}
	mem_tx_free(q, pkts, i);
	return i;
}

static int mem_steer(struct pg_port *p, uint8_t a, uint16_t b, int c)
{
	(void)p; (void)a; (void)b; (void)c;
	return 0;
}

static int mem_resolve(struct pg_port *p, uint32_t ip, uint8_t mac[6], int t)
{
	(void)p; (void)ip; (void)t;
	memset(mac, 0x02, 6);
	return 0;
}

static void mem_close(struct pg_port *p)
{
	(void)p;
}

static const struct pg_port_ops mem_ops = {
	mem_rx_burst, mem_rx_done, mem_tx_alloc, mem_tx_burst, mem_tx_free,
	mem_steer, mem_resolve, mem_close,
};

static struct pg_port_queue *mem_queue(struct pg_ring *out, struct pg_ring *in)
{
	struct pg_port_queue *q = calloc(1, sizeof(*q));
	uint8_t prefill[MEM_FRAME_SIZE];

	pg_dp_tx_prefill(prefill, sizeof(prefill));
	for (unsigned int k = 0; k < MEM_FRAMES; k++) {
		memcpy(q->buf[k], prefill, MEM_FRAME_SIZE);
		q->free_stack[q->nb_free++] = k;
	}
	q->wire_out = out;
	q->wire_in = in;
	return q;
}

static void mem_port(struct pg_port *p, struct pg_port_queue *q, uint32_t ip, uint8_t last)
{
	memset(p, 0, sizeof(*p));
	p->ops = &mem_ops;
	p->nb_queues = 1;
	p->queue[0] = q;
	p->info.ip4 = ip;
	memset(p->info.mac, 0x02, 6);
	p->info.mac[5] = last;
	p->info.mtu = 1500;
	p->info.frame_size = MEM_FRAME_SIZE;
	p->info.backend = "mem";
	p->info.mode = "test";
}

/* ---------------------------------------------- client <-> server loops ---- */

static struct pg_tsc g_tsc;

static int setup_tsc(void **state)
{
	(void)state;
	return pg_tsc_calibrate(&g_tsc, 50) ? -1 : 0;
}

struct run_result {
	uint64_t client_tx, server_rx, server_lost, server_dg, dups;
	int got_report, timed_out;
	struct pg_i2_report rep;
	uint64_t lat_count;
};

static void drain(struct pg_ring *r, struct pg_ring *hret, int server, struct run_result *res)
{
	struct pg_msg m;

	while (pg_ring_dequeue_burst(r, &m, 1) == 1) {
		switch (m.h.type) {
		case PG_MSG_FLOW_DELTA:
			if (server) {
				res->server_rx += m.u.delta.rx_pkts;
				res->dups += m.u.delta.dups;
			} else {
				res->client_tx += m.u.delta.tx_pkts;
			}
			break;
		case PG_MSG_FLOW_END:
			if (server) {
				res->server_rx += m.u.end.c.rx_pkts;
				res->server_dg = (uint64_t)m.u.end.last_id;
				res->server_lost += m.u.end.c.gaps - m.u.end.c.outorder;
			} else {
				res->client_tx += m.u.end.c.tx_pkts;
				res->timed_out = m.u.end.timed_out;
			}
			break;
		case PG_MSG_SERVER_REPORT:
			res->got_report = !pg_i2_ackfin_decode(m.u.ackfin, 128, &res->rep);
			break;
		case PG_MSG_HIST: {
			struct pg_hist *h = m.u.hist;

			res->lat_count += pg_hist_count(h);
			pg_hist_reset(h);
			pg_ring_enqueue_burst(hret, &h, 1);
			break;
		}
		default:
			break;
		}
	}
}

/* trip-time clocks of the client and server lcores (NULL: none), for the PTP test */
static struct pg_latclock *g_lk_client, *g_lk_server;

static void run_pair(uint64_t pkts, uint64_t rate, int trip, int drop_every,
		     struct run_result *res)
{
	struct pg_ring *ab = pg_ring_create(1024, sizeof(void *));
	struct pg_ring *ba = pg_ring_create(1024, sizeof(void *));
	struct pg_port_queue *qa = mem_queue(ab, ba), *qb = mem_queue(ba, ab);
	static struct pg_port pa, pb;
	static struct pg_lcore ca, sb;
	struct pg_client_flow *flow = aligned_alloc(64, sizeof(*flow));
	struct pg_server_flow *slots = aligned_alloc(64, sizeof(*slots) * PG_SERVER_SLOTS);
	struct pg_i2_client_params p;
	atomic_int stop_c = 0, stop_s = 0;
	struct pg_hist *hists[4];

	assert_non_null(ab);
	assert_non_null(qa);
	qa->drop_every = drop_every;
	mem_port(&pa, qa, htonl(0xc6120001), 1);
	mem_port(&pb, qb, htonl(0xc6120002), 2);
	memset(res, 0, sizeof(*res));
	memset(&ca, 0, sizeof(ca));
	memset(&sb, 0, sizeof(sb));
	memset(slots, 0, sizeof(*slots) * PG_SERVER_SLOTS);

	ca.port = &pa; ca.q = qa; ca.tsc = &g_tsc; ca.stop = &stop_c; ca.idle = PG_IDLE_BACKOFF;
	ca.ring = pg_ring_create(4096, PG_MSG_SIZE);
	ca.hist_ret = pg_ring_create(8, sizeof(void *));
	ca.local_ip = pa.info.ip4; ca.peer_ip = pb.info.ip4;
	memcpy(ca.local_mac, pa.info.mac, 6); memcpy(ca.peer_mac, pb.info.mac, 6);
	ca.sport_base = 61000; ca.cflows = flow; ca.nb_cflows = 1;

	sb.port = &pb; sb.q = qb; sb.tsc = &g_tsc; sb.stop = &stop_s; sb.idle = PG_IDLE_BACKOFF;
	sb.ring = pg_ring_create(4096, PG_MSG_SIZE);
	sb.hist_ret = pg_ring_create(8, sizeof(void *));
	sb.sflows = slots; sb.server_ports[0] = 5001; sb.nb_server_ports = 1;
	ca.latclk = g_lk_client;
	sb.latclk = g_lk_server;
	for (int i = 0; i < 4; i++) {
		hists[i] = pg_hist_create(1, 100000000000ull, 3);
		pg_ring_enqueue_burst(sb.hist_ret, &hists[i], 1);
	}

	memset(&p, 0, sizeof(p));
	p.num_threads = 1; p.server_port = 5001; p.rate = rate; p.trip_times = trip;
	p.start_ns = 0;
	assert_int_equal(pg_client_flow_init(flow, &ca, &p, 200, 61000, 5001, rate, 0, pkts, 0), 0);

	ca.cpu = 0; sb.cpu = 0;
	assert_int_equal(pg_lcore_launch(&sb, pg_udp_server_main), 0);
	assert_int_equal(pg_lcore_launch(&ca, pg_udp_client_main), 0);
	while (!atomic_load(&ca.done)) {
		drain(ca.ring, ca.hist_ret, 0, res);
		drain(sb.ring, sb.hist_ret, 1, res);
		struct timespec ts = { 0, 2000000 };
		nanosleep(&ts, NULL);
	}
	pthread_join(ca.thread, NULL);
	{
		struct timespec ts = { 0, 50000000 };
		nanosleep(&ts, NULL);
	}
	atomic_store(&stop_s, 1);
	pthread_join(sb.thread, NULL);
	drain(ca.ring, ca.hist_ret, 0, res);
	drain(sb.ring, sb.hist_ret, 1, res);

	{
		void *w;

		while (pg_ring_dequeue_burst(ab, &w, 1) == 1)
			free(w);
		while (pg_ring_dequeue_burst(ba, &w, 1) == 1)
			free(w);
	}
	pg_ring_free(ab); pg_ring_free(ba); pg_ring_free(ca.ring); pg_ring_free(sb.ring);
	pg_ring_free(ca.hist_ret); pg_ring_free(sb.hist_ret);
	for (int i = 0; i < 4; i++)
		pg_hist_free(hists[i]);
	free(qa); free(qb); free(flow); free(slots);
}

static void test_loop_clean(void **state)
{
	struct run_result r;

	(void)state;
	run_pair(5000, 0, 1, 0, &r);
	assert_int_equal(r.client_tx, 5000);
	assert_true(r.got_report);
	assert_false(r.timed_out);
	/* The server counted every datagram plus the FIN, lost none, and said so in the AckFIN. */
	assert_int_equal(r.server_dg, 5001);
	assert_int_equal(r.server_lost, 0);
	assert_int_equal(r.rep.datagrams, 5001);
	assert_int_equal(r.rep.errors, 0);
	assert_int_equal(r.rep.bytes, 5001 * 200);
	assert_int_equal(r.server_rx, 5001);
	/* trip-times: every datagram's latency was recorded and came back through the ring */
	assert_int_equal(r.lat_count, 5001);
	assert_true(r.rep.has_transit);
}

/*
 * PTP correction end to end through the loops: the client's clock is said to run 5 ms ahead
 * of the grandmaster, the server's 3 ms behind. Both loops read the same clock, so the
 * corrected one-way delay is the raw one + 8 ms: owd = (rx - off_rx) - (tx - off_tx).
 */
static void test_loop_ptp(void **state)
{
	struct pg_latclock lc = { .mode = PG_SYNC_PTP }, ls = { .mode = PG_SYNC_PTP };
	struct run_result raw, cor;

	(void)state;
	run_pair(2000, 0, 1, 0, &raw);
	atomic_store(&lc.offset_ns, 5000000);
	atomic_store(&lc.bound_ns, 700);
	atomic_store(&lc.valid, 1);
	atomic_store(&ls.offset_ns, -3000000);
	atomic_store(&ls.bound_ns, 400);
	atomic_store(&ls.valid, 1);
	g_lk_client = &lc;
	g_lk_server = &ls;
	run_pair(2000, 0, 1, 0, &cor);
	g_lk_client = g_lk_server = NULL;
	assert_true(raw.got_report && cor.got_report && cor.rep.has_transit);
	double rmin = raw.rep.min_transit_s * 1e9, cmin = cor.rep.min_transit_s * 1e9;
	print_message("      min one-way delay: raw %.0f ns, PTP-corrected %.0f ns (+8 ms expected)\n",
		      rmin, cmin);
	assert_true(cmin >= 8000000.0 && cmin < 8000000.0 + 2000000.0);
	assert_true(cor.rep.mean_transit_s * 1e9 > 8000000.0);
	/* the server saw the sender's bound in the datagrams */
	assert_int_equal(atomic_load(&ls.peer_seen), 1);
	assert_int_equal(atomic_load(&ls.peer_bound_ns), 700);
	const char *src;
	uint64_t bound;
	uint32_t res;
	pg_latency_source(&ls, &src, &bound, &res);
	assert_string_equal(src, "tsc+ptp");
	assert_int_equal(bound, 700 + 400 + 1);
}

static void test_loop_loss(void **state)
{
	struct run_result r;

	(void)state;
	/* Drop every 100th frame on the way: 30 of 3000 data datagrams. */
	run_pair(3000, 0, 0, 100, &r);
	assert_int_equal(r.client_tx, 3000);
	assert_true(r.got_report);
	assert_int_equal(r.rep.errors, 30);
	assert_int_equal(r.rep.datagrams, 3001);
}

static void test_loop_paced(void **state)
{
	struct run_result r;

	(void)state;
	/* 400 datagrams of 200 bytes at 3.2 Mbit/s = 2000 pps: about 0.2 s. */
	run_pair(400, 3200000, 0, 0, &r);
	assert_int_equal(r.client_tx, 400);
	assert_true(r.got_report);
	assert_true(r.rep.duration_s > 0.15 && r.rep.duration_s < 0.5);
}

/* --------------------------------------------------------- parsing ---- */

static int parse(struct pg_opts *o, char *err, const char *first, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	const char *a;

	argv[argc++] = (char *)(uintptr_t)"perfgen";
	va_start(ap, first);
	for (a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)(uintptr_t)a;
	va_end(ap);
	argv[argc] = NULL;
	return pg_opts_parse(o, argc, argv, err, 256);
}

static void test_opts(void **state)
{
	struct pg_opts o;
	char err[256];
	uint64_t r;
	int pps;

	(void)state;
	assert_int_equal(pg_parse_rate("100M", &r, &pps), 0); assert_int_equal(r, 100000000); assert_false(pps);
	assert_int_equal(pg_parse_rate("2.5G", &r, &pps), 0); assert_int_equal(r, 2500000000ull);
	assert_int_equal(pg_parse_rate("1000pps", &r, &pps), 0); assert_int_equal(r, 1000); assert_true(pps);
	assert_int_equal(pg_parse_rate("10X", &r, &pps), -EINVAL);
	assert_int_equal(pg_parse_rate("-1M", &r, &pps), -EINVAL);
	assert_int_equal(pg_parse_size("20K", &r), 0); assert_int_equal(r, 20480);

	assert_int_equal(parse(&o, err, "--dev", "vA", "-c", "198.18.0.2", "-u", "-b", "50M", "-P", "4",
			       "-t", "2.5", "-l", "64", "--trip-times", "-J", NULL), 0);
	assert_string_equal(o.dev, "vA");
	assert_string_equal(o.client, "198.18.0.2");
	assert_int_equal(o.rate, 50000000);
	assert_int_equal(o.parallel, 4);
	assert_int_equal(o.len, 64);
	assert_true(o.len_set && o.udp && o.trip_times && o.json);
	assert_true(o.duration > 2.49 && o.duration < 2.51);

	assert_int_equal(parse(&o, err, "--frobnicate", NULL), -EINVAL);
	assert_non_null(strstr(err, "unknown option"));
	assert_int_equal(parse(&o, err, "-P", "0", NULL), -EINVAL);
	assert_non_null(strstr(err, "--parallel 0"));
	assert_int_equal(parse(&o, err, "-l", "abc", NULL), -EINVAL);
	assert_int_equal(parse(&o, err, "-c", NULL), -EINVAL);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(parse(&o, err, "-s", "extra", NULL), -EINVAL);
}

static void test_lcores(void **state)
{
	int cpus[64];
	unsigned int n;
	char err[256];

	(void)state;
	assert_int_equal(pg_lcore_list_parse("0", cpus, 64, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	if (sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
		assert_int_equal(pg_lcore_list_parse("0-1", cpus, 64, &n, err, sizeof(err)), 0);
		assert_int_equal(n, 2);
		assert_int_equal(cpus[1], 1);
		assert_int_equal(pg_lcore_list_parse("1,0", cpus, 64, &n, err, sizeof(err)), 0);
		assert_int_equal(cpus[0], 1);
	}
	/* A CPU may carry several lcores (oversubscription on small machines). */
	assert_int_equal(pg_lcore_list_parse("0,0", cpus, 64, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(pg_lcore_list_parse("0,9999", cpus, 64, &n, err, sizeof(err)), -ERANGE);
	assert_non_null(strstr(err, "does not exist"));
	assert_int_equal(pg_lcore_list_parse("3-1", cpus, 64, &n, err, sizeof(err)), -EINVAL);
	assert_int_equal(pg_lcore_list_parse("a", cpus, 64, &n, err, sizeof(err)), -EINVAL);
	assert_int_equal(pg_lcore_list_parse("", cpus, 64, &n, err, sizeof(err)), -EINVAL);
}

static void test_pacing_math(void **state)
{
	static struct pg_lcore lc;
	static struct pg_port port;
	struct pg_client_flow *f = aligned_alloc(64, sizeof(*f));
	struct pg_i2_client_params p;
	struct pg_tsc t = g_tsc;
	double want;

	(void)state;
	mem_port(&port, NULL, htonl(0xc6120001), 1);
	lc.port = &port;
	lc.tsc = &t;
	memset(&p, 0, sizeof(p));
	/* 100 Mbit/s of 1470-byte datagrams: 8503.4 pps; the gap in cycles is hz / pps. */
	assert_int_equal(pg_client_flow_init(f, &lc, &p, 1470, 61000, 5001, 100000000, 0, 0, 0), 0);
	want = (double)t.hz / (100e6 / (1470 * 8.0));
	assert_true(fabs(((double)f->gap_int + (double)f->gap_frac / 4294967296.0) - want) < 1.0);
	/* 1000 pps */
	assert_int_equal(pg_client_flow_init(f, &lc, &p, 64, 61000, 5001, 1000, 1, 0, 0), 0);
	assert_true(fabs(((double)f->gap_int + (double)f->gap_frac / 4294967296.0) - (double)t.hz / 1000.0) < 1.0);
	/* 64-byte payload: the first datagram carries the whole 76-byte header, as iperf2 does */
	assert_int_equal(f->first_payload_len, 76);
	/* too large for the port's buffers */
	assert_int_equal(pg_client_flow_init(f, &lc, &p, 4000, 61000, 5001, 0, 0, 0, 0), -EMSGSIZE);
	free(f);
}

/* Whole frames through the redirect mesh: every length arrives intact and in order, a
 * ring without room for all of a frame takes none of it, and a frame whose tail elements
 * are not published yet is not handed out. */
static void test_redirect_whole(void **state)
{
	static const uint32_t lens[] = { 60, 240, 241, 496, 497, 1514, 2048, 9014, PG_REDIR_WHOLE_MAX };
	static uint8_t buf[PG_REDIR_WHOLE_MAX + 100];
	static struct pg_redir_whole out;
	struct pg_redirect *r = pg_redirect_create(2, 64);
	struct pg_ring *ring;
	struct pg_pkt pk;
	unsigned int i, pushed = 0, k;

	(void)state;
	assert_non_null(r);
	ring = r->ring[0 * 2 + 1];
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	memset(&pk, 0, sizeof(pk));
	pk.data = buf;
	pk.rx_ts_ns = 1234;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		pk.len = lens[i];
		assert_int_equal(pg_redirect_whole_elems(lens[i]),
				 lens[i] <= 240 ? 1 : 1 + (lens[i] - 240 + 255) / 256);
		if (pg_ring_free_count(ring) < pg_redirect_whole_elems(lens[i]))
			break;
		assert_int_equal(pg_redirect_push_whole(r, 0, 1, &pk), 1);
		pushed++;
	}
	assert_true(pushed >= 6);
	/* no room for the next frame: refused whole, the ring unchanged */
	k = pg_ring_count(ring);
	pk.len = PG_REDIR_WHOLE_MAX;
	if (pg_ring_free_count(ring) < pg_redirect_whole_elems(pk.len)) {
		assert_int_equal(pg_redirect_push_whole(r, 0, 1, &pk), 0);
		assert_int_equal(pg_ring_count(ring), k);
	}
	for (i = 0; i < pushed; i++) {
		memset(&out, 0, sizeof(out));
		assert_int_equal(pg_redirect_pull_whole(r, 0, 1, &out), 1);
		assert_int_equal(out.len, lens[i]);
		assert_int_equal(out.wire_len, lens[i]);
		assert_int_equal(out.rx_ts_ns, 1234);
		assert_int_equal(out.flags & PG_PKT_F_TRUNCATED, 0);
		assert_memory_equal(out.data, buf, lens[i]);
	}
	assert_int_equal(pg_redirect_pull_whole(r, 0, 1, &out), 0);
	/* longer than the mesh carries: its first PG_REDIR_WHOLE_MAX bytes, flagged */
	pk.len = PG_REDIR_WHOLE_MAX + 100;
	assert_int_equal(pg_redirect_push_whole(r, 0, 1, &pk), 1);
	assert_int_equal(pg_redirect_pull_whole(r, 0, 1, &out), 1);
	assert_int_equal(out.len, PG_REDIR_WHOLE_MAX);
	assert_true(out.flags & PG_PKT_F_TRUNCATED);
	/* a head element whose continuation is not there yet stays in the ring */
	{
		struct pg_redir_frame f;

		memset(&f, 0, sizeof(f));
		f.len = 1000;
		assert_int_equal(pg_ring_enqueue_burst(ring, &f, 1), 1);
		assert_int_equal(pg_redirect_pull_whole(r, 0, 1, &out), 0);
		assert_int_equal(pg_ring_count(ring), 1);
	}
	pg_redirect_free(r);
}

/* The server's 4-tuple owner table: TCP and UDP apart, a tuple once, tombstones reused,
 * a full probe window refused and counted. */
static void test_flow_owner_basic(void **state)
{
	struct pg_flow_owner *t = pg_flow_owner_create();
	unsigned int i, ok = 0;

	(void)state;
	assert_non_null(t);
	assert_int_equal(pg_flow_owner_lookup(t, 0x0100a8c0, 40000, 5201, 0), PG_FOWN_NONE);
	assert_int_equal(pg_flow_owner_insert(t, 0x0100a8c0, 40000, 5201, 0, 1), 0);
	assert_int_equal(pg_flow_owner_insert(t, 0x0100a8c0, 40000, 5201, 0, 0), -EEXIST);
	assert_int_equal(pg_flow_owner_lookup(t, 0x0100a8c0, 40000, 5201, 0), 1);
	assert_int_equal(pg_flow_owner_lookup(t, 0x0100a8c0, 40000, 5201, 1), PG_FOWN_NONE);
	assert_int_equal(pg_flow_owner_lookup(t, 0x0100a8c0, 40001, 5201, 0), PG_FOWN_NONE);
	assert_int_equal(pg_flow_owner_insert(t, 0x0100a8c0, 40000, 5201, 1, 0), 0);
	assert_int_equal(pg_flow_owner_lookup(t, 0x0100a8c0, 40000, 5201, 1), 0);
	pg_flow_owner_remove(t, 0x0100a8c0, 40000, 5201, 0);
	assert_int_equal(pg_flow_owner_lookup(t, 0x0100a8c0, 40000, 5201, 0), PG_FOWN_NONE);
	assert_int_equal(pg_flow_owner_lookup(t, 0x0100a8c0, 40000, 5201, 1), 0);
	/* many connections come and go: tombstones are reused, the table never fills */
	for (i = 0; i < 100000; i++) {
		uint16_t port = (uint16_t)(1024 + i % 30000);

		assert_int_equal(pg_flow_owner_insert(t, 0x0200a8c0, port, 5201, 0, i & 1), 0);
		assert_int_equal(pg_flow_owner_lookup(t, 0x0200a8c0, port, 5201, 0), i & 1);
		pg_flow_owner_remove(t, 0x0200a8c0, port, 5201, 0);
	}
	assert_int_equal(atomic_load(&t->full), 0);
	/* more live entries than the table holds: refused, counted, the rest still found */
	for (i = 0; i < PG_FOWN_SIZE + 100; i++)
		ok += pg_flow_owner_insert(t, 0x0300a8c0 + (i << 24), (uint16_t)i, 5201, 0, 0) == 0;
	assert_true(ok < PG_FOWN_SIZE);
	assert_true(atomic_load(&t->full) > 0);
	assert_int_equal(atomic_load(&t->full), PG_FOWN_SIZE + 100 - ok);
	assert_int_equal(pg_flow_owner_lookup(t, 0x0100a8c0, 40000, 5201, 1), 0);
	pg_flow_owner_free(t);
}

struct fown_arg {
	struct pg_flow_owner *t;
	unsigned int me;
	_Atomic int *stop;
	uint64_t wrong;
};

/* Writer: its own tuples in and out, over and over. */
static void *fown_writer(void *p)
{
	struct fown_arg *a = p;
	unsigned int i;

	for (i = 0; i < 200000; i++) {
		uint16_t port = (uint16_t)(i % 500);

		if (pg_flow_owner_insert(a->t, a->me + 1, port, 5201, 0, a->me) == 0) {
			if (pg_flow_owner_lookup(a->t, a->me + 1, port, 5201, 0) != a->me)
				a->wrong++;
			if (i & 1)
				pg_flow_owner_remove(a->t, a->me + 1, port, 5201, 0);
		}
	}
	return NULL;
}

/* Reader: a tuple is never reported as owned by an lcore that did not publish it. */
static void *fown_reader(void *p)
{
	struct fown_arg *a = p;
	unsigned int i = 0;

	while (!atomic_load(a->stop)) {
		unsigned int who = i % 2, o = pg_flow_owner_lookup(a->t, who + 1, (uint16_t)(i % 500), 5201, 0);

		if (o != PG_FOWN_NONE && o != who)
			a->wrong++;
		i++;
	}
	return NULL;
}

static void test_flow_owner_threads(void **state)
{
	struct pg_flow_owner *t = pg_flow_owner_create();
	_Atomic int stop = 0;
	struct fown_arg w0 = { t, 0, &stop, 0 }, w1 = { t, 1, &stop, 0 }, rd = { t, 2, &stop, 0 };
	pthread_t a, b, c;

	(void)state;
	assert_non_null(t);
	assert_int_equal(pthread_create(&c, NULL, fown_reader, &rd), 0);
	assert_int_equal(pthread_create(&a, NULL, fown_writer, &w0), 0);
	assert_int_equal(pthread_create(&b, NULL, fown_writer, &w1), 0);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	atomic_store(&stop, 1);
	pthread_join(c, NULL);
	assert_int_equal(w0.wrong + w1.wrong + rd.wrong, 0);
	assert_int_equal(atomic_load(&t->full), 0);
	pg_flow_owner_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts),
		cmocka_unit_test(test_lcores),
		cmocka_unit_test(test_pacing_math),
		cmocka_unit_test(test_loop_clean),
		cmocka_unit_test(test_loop_ptp),
		cmocka_unit_test(test_loop_loss),
		cmocka_unit_test(test_loop_paced),
		cmocka_unit_test(test_redirect_whole),
		cmocka_unit_test(test_flow_owner_basic),
		cmocka_unit_test(test_flow_owner_threads),
	};

	return cmocka_run_group_tests(tests, setup_tsc, NULL);
}

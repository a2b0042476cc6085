/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP engine on the deterministic simulated link (tcp_sim.h): handshake and option
 * negotiation, exact delivery, loss recovery (fast retransmit, SACK, NewReno, RTO with
 * backoff), zero window and persist, FIN/RST, TIME-WAIT under many short connections,
 * delayed ACKs, NewReno vs CUBIC, random impairments, memory per connection.
 * Every run is reproducible: virtual time, seeded randomness.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tcp_sim.h"

#define PORT 5001

/* --------------------------------------------------------------- helpers ---- */

static void two(struct sim *sim, struct pg_tcp_cfg *a, struct pg_tcp_cfg *b, uint64_t delay,
		uint64_t seed)
{
	sim_init(sim, a, b, 16, seed);
	sim->dir[0].delay_ns = sim->dir[1].delay_ns = delay;
	sim_listen(sim, 1, PORT);
}

static void cfgs(struct pg_tcp_cfg *a, struct pg_tcp_cfg *b)
{
	sim_default_cfg(a, 0);
	sim_default_cfg(b, 1);
}

static int client_connected(struct sim *sim, void *arg)
{
	(void)sim;
	return ((struct sim_flow *)arg)->connected;
}

/* Both ends are done with the connection (closed() ran on each). */
static int both_closed(struct sim *sim, void *arg)
{
	struct sim_flow *cf = arg;

	return cf->closed && sim->ep[1].nflows && sim->ep[1].flows[0].closed;
}

static struct sim_flow *srv(struct sim *sim)
{
	assert_true(sim->ep[1].nflows >= 1);
	return &sim->ep[1].flows[0];
}

/* Client sends len bytes and closes; the server answers the FIN. Returns the client's
 * info captured just before it went away. */
struct xfer {
	struct sim_flow cf;
	struct pg_tcp_info ci;
	int have_ci;
};

static void grab_info(struct sim *sim, int dir, const struct sim_rec *r, void *arg)
{
	struct xfer *x = arg;

	(void)r;
	(void)sim;
	if (dir == 0 && x->cf.c) {
		pg_tcp_conn_info(x->cf.c, &x->ci);
		x->have_ci = 1;
	}
}

static void run_xfer(struct sim *sim, struct xfer *x, uint64_t len, uint64_t limit)
{
	memset(x, 0, sizeof(*x));
	x->cf.send_len = len;
	x->cf.close_after_send = 1;
	sim->ep[1].srv_tmpl.close_on_eof = 1;
	/* A counting sink past the first byte, as the iperf2 server is past its header:
	 * out-of-order segments are delivered and SACKed. */
	if (!sim->ep[1].srv_tmpl.inorder_lim)
		sim->ep[1].srv_tmpl.inorder_lim = 1;
	sim->on_tx = grab_info;
	sim->on_tx_arg = x;
	assert_non_null(sim_connect(sim, &x->cf, PORT, 0));
	assert_int_equal(sim_run(sim, SIM_T0 + limit, both_closed, &x->cf), 0);
	assert_true(x->have_ci);
	x->ci = x->cf.info;
	if (getenv("SIM_DUMP"))
		sim_dump(sim, 0, sim->nlog);
}

static void assert_exact(struct sim_flow *f, uint64_t len)
{
	if (f->rcvd != len || f->bad_bytes || f->dup_bytes || !f->eof)
		printf("flow: rcvd %llu of %llu, bad %llu, dup %llu, ooo %llu, eof %d closed %d err %d\n",
		       (unsigned long long)f->rcvd, (unsigned long long)len,
		       (unsigned long long)f->bad_bytes, (unsigned long long)f->dup_bytes,
		       (unsigned long long)f->ooo_deliveries, f->eof, f->closed, f->err);
	assert_int_equal(f->rcvd, len);
	assert_int_equal(f->bad_bytes, 0);
	assert_int_equal(f->dup_bytes, 0);
	assert_true(f->eof);
}

/* ------------------------------------------------------------- handshake ---- */

static void test_handshake_options(void **state)
{
	struct pg_tcp_cfg a, b;
	struct sim sim;
	struct sim_flow cf = { 0 };
	struct pg_tcp_info ci, si;
	const struct sim_rec *syn, *synack;

	(void)state;
	cfgs(&a, &b);
	two(&sim, &a, &b, 5 * SIM_MS, 1);
	assert_non_null(sim_connect(&sim, &cf, PORT, 0));
	assert_int_equal(sim_run(&sim, SIM_T0 + SIM_S, client_connected, &cf), 0);
	sim_advance(&sim, 20 * SIM_MS);
	syn = &sim.log[0];
	synack = &sim.log[1];
	assert_int_equal(syn->flags, PG_TCP_SYN);
	assert_true(syn->has_mss && syn->mss == 1460 && syn->sack_perm && syn->has_ts && syn->has_ws);
	assert_int_equal(syn->ws, 7); /* 4 MiB window: 4194304 >> 7 fits 16 bits */
	assert_int_equal(synack->flags, PG_TCP_SYN | PG_TCP_ACK);
	assert_int_equal(synack->ack, syn->seq + 1);
	assert_true(synack->has_mss && synack->sack_perm && synack->has_ts && synack->has_ws);
	assert_int_equal(synack->tsecr, syn->tsval);

	pg_tcp_conn_info(cf.c, &ci);
	pg_tcp_conn_info(srv(&sim)->c, &si);
	assert_int_equal(ci.state, PG_TCP_ESTABLISHED);
	assert_int_equal(si.state, PG_TCP_ESTABLISHED);
	assert_true(ci.ts && ci.sack && ci.ws && si.ts && si.sack && si.ws);
	assert_int_equal(ci.snd_wscale, 7);
	assert_int_equal(ci.rcv_wscale, 7);
	assert_int_equal(ci.mss, 1448); /* 1500 - 40 - 12 bytes of timestamps */
	assert_int_equal(ci.cwnd, 10 * 1448);
	/* RFC 6298 2.2 after the first sample R (10 ms, timestamp ticks of 1.024 us):
	 * SRTT = R, RTTVAR = R/2, RTO = max(200 ms floor, SRTT + 4 RTTVAR). */
	assert_true(ci.srtt_ns >= 10 * SIM_MS - 1024 && ci.srtt_ns <= 10 * SIM_MS + 1024);
	assert_int_equal(ci.rttvar_ns, ci.srtt_ns / 2);
	assert_int_equal(ci.rto_ns, 200 * SIM_MS);
	sim_fini(&sim);

	/* One side without timestamps, the other without window scaling or SACK. */
	cfgs(&a, &b);
	a.no_sack = 1;
	b.no_ts = 1;
	b.no_ws = 1;
	two(&sim, &a, &b, 5 * SIM_MS, 2);
	memset(&cf, 0, sizeof(cf));
	assert_non_null(sim_connect(&sim, &cf, PORT, 0));
	assert_int_equal(sim_run(&sim, SIM_T0 + SIM_S, client_connected, &cf), 0);
	sim_advance(&sim, 20 * SIM_MS);
	assert_false(sim.log[0].sack_perm);
	assert_false(sim.log[1].sack_perm || sim.log[1].has_ts || sim.log[1].has_ws);
	pg_tcp_conn_info(cf.c, &ci);
	pg_tcp_conn_info(srv(&sim)->c, &si);
	assert_false(ci.ts || ci.sack || ci.ws || si.ts || si.sack || si.ws);
	assert_int_equal(ci.mss, 1460);
	assert_int_equal(ci.snd_wscale, 0);
	assert_true(ci.rcv_wnd <= 65535 && si.rcv_wnd <= 65535);
	sim_fini(&sim);
}

/* The engine against crafted segments: a bare SYN (MSS 536, no options). */
static void test_handshake_crafted(void **state)
{
	struct pg_tcp_cfg a;
	struct sim sim;
	struct sim_craft cr = { 0 };
	struct pg_tcp_seg out[4];
	uint8_t pl[4][64];
	struct pg_tcp_info si;
	unsigned int n;

	(void)state;
	sim_default_cfg(&a, 0);
	sim_init(&sim, &a, NULL, 4, 3);
	sim_listen(&sim, 0, PORT);
	cr.sport = 40000;
	cr.dport = PORT;
	cr.seq = 1000;
	cr.flags = PG_TCP_SYN;
	cr.wnd = 8192;
	cr.mss = 536;
	assert_int_equal(sim_inject(&sim, &cr), 0);
	n = sim_collect(&sim, out, pl, 4);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].flags, PG_TCP_SYN | PG_TCP_ACK);
	assert_int_equal(out[0].ack, 1001);
	assert_true(out[0].has_mss && out[0].mss == 1460);
	assert_false(out[0].has_ts || out[0].has_ws || out[0].sack_perm);
	assert_int_equal(sim.ep[0].nflows, 0); /* adopted only once established */

	cr.flags = PG_TCP_ACK;
	cr.seq = 1001;
	cr.ack = out[0].seq + 1;
	cr.mss = 0;
	sim.now += SIM_MS;
	assert_int_equal(sim_inject(&sim, &cr), 0);
	assert_int_equal(sim.ep[0].nflows, 1);
	pg_tcp_conn_info(sim.ep[0].flows[0].c, &si);
	assert_int_equal(si.state, PG_TCP_ESTABLISHED);
	assert_int_equal(si.mss, 536);
	assert_int_equal(si.snd_wnd, 8192);
	assert_int_equal(si.rcv_wnd, 65535); /* no window scaling: clamped */

	/* Data in order is delivered; an ACK of data never sent draws an ACK, not a reset. */
	{
		uint8_t d[100];
		unsigned int i;

		for (i = 0; i < sizeof(d); i++)
			d[i] = sim_pattern(i);
		cr.payload = d;
		cr.len = sizeof(d);
		cr.flags = PG_TCP_ACK | PG_TCP_PSH;
		assert_int_equal(sim_inject(&sim, &cr), 0);
		assert_int_equal(sim.ep[0].flows[0].rcvd, 100);
		assert_int_equal(sim.ep[0].flows[0].bad_bytes, 0);
		cr.len = 0;
		cr.seq = 1101;
		cr.ack = out[0].seq + 1000;
		cr.flags = PG_TCP_ACK;
		assert_int_equal(sim_inject(&sim, &cr), 0);
		n = sim_collect(&sim, out, pl, 4);
		assert_int_equal(n, 1);
		assert_int_equal(out[0].flags, PG_TCP_ACK);
		assert_int_equal(out[0].ack, 1101);
	}
	sim_fini(&sim);
}

/* ---------------------------------------------------------- transfers ---- */

static void test_bulk_exact(void **state)
{
	struct pg_tcp_cfg a, b;
	struct sim sim;
	struct xfer x;
	const uint64_t len = 3000000 + 17;

	(void)state;
	cfgs(&a, &b);
	two(&sim, &a, &b, 10 * SIM_MS, 4);
	sim.dir[0].rate_bps = 200000000;
	sim.ep[1].srv_tmpl.seen_len = len;
	run_xfer(&sim, &x, len, 20 * SIM_S);
	assert_exact(srv(&sim), len);
	assert_int_equal(srv(&sim)->ooo_deliveries, 0);
	assert_int_equal(x.cf.err, 0);
	assert_int_equal(srv(&sim)->err, 0);
	assert_int_equal(x.ci.retrans_segs, 0);
	assert_int_equal(x.ci.bytes_acked, len);
	printf("bulk: %llu bytes in %.3f s of virtual time, %zu data segments\n",
	       (unsigned long long)len, (double)(srv(&sim)->t_eof - SIM_T0) / 1e9,
	       sim_count(&sim, 0, sim_is_data));
	sim_fini(&sim);

	/* Copy mode (pg_tcp_write into a 64 KiB ring) delivers the same bytes. */
	cfgs(&a, &b);
	two(&sim, &a, &b, 2 * SIM_MS, 5);
	memset(&x, 0, sizeof(x));
	x.cf.copy_mode = 1;
	x.cf.send_len = 500000;
	x.cf.close_after_send = 1;
	sim.ep[1].srv_tmpl.close_on_eof = 1;
	assert_non_null(sim_connect(&sim, &x.cf, PORT, 0));
	assert_int_equal(sim_run(&sim, SIM_T0 + 20 * SIM_S, both_closed, &x.cf), 0);
	assert_exact(srv(&sim), 500000);
	sim_fini(&sim);
}

static size_t count_off(const struct sim *sim, uint64_t off, uint64_t *times, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < sim->nlog; i++) {
		const struct sim_rec *r = &sim->log[i];

		if (r->dir == 0 && r->len && off >= r->off && off < r->off + r->len) {
			if (n < max)
				times[n] = r->t;
			n++;
		}
	}
	return n;
}

static void test_fast_retransmit(void **state)
{
	struct pg_tcp_cfg a, b;
	struct sim sim;
	struct xfer x;
	const uint64_t len = 1000000, lost = 60 * 1448;
	uint64_t t[4];

	(void)state;
	cfgs(&a, &b);
	two(&sim, &a, &b, 10 * SIM_MS, 6);
	sim.dir[0].drop_off[sim.dir[0].ndrop_off++] = (struct sim_rule){ lost, 1 };
	sim.ep[1].srv_tmpl.seen_len = len;
	run_xfer(&sim, &x, len, 20 * SIM_S);
	assert_exact(srv(&sim), len);

	assert_int_equal(x.ci.fast_recoveries, 1);
	assert_int_equal(x.ci.rto_expiries, 0);
	assert_int_equal(x.ci.retrans_segs, 1);
	assert_int_equal(count_off(&sim, lost, t, 4), 2);
	/* Repaired within about one RTT of the loss (three duplicate ACKs), far below the RTO. */
	assert_true(t[1] - t[0] < 25 * SIM_MS);
	sim_fini(&sim);
}

static void test_sack_recovery(void **state)
{
	static const uint64_t seg[] = { 60, 62, 65, 68 };
	struct pg_tcp_cfg a, b;
	struct sim sim;
	struct xfer x;
	const uint64_t len = 1000000;
	unsigned int i;
	uint64_t t[4];

	(void)state;
	cfgs(&a, &b);
	two(&sim, &a, &b, 10 * SIM_MS, 7);
	for (i = 0; i < 4; i++)
		sim.dir[0].drop_off[sim.dir[0].ndrop_off++] = (struct sim_rule){ seg[i] * 1448, 1 };
	sim.ep[1].srv_tmpl.seen_len = len;
	run_xfer(&sim, &x, len, 20 * SIM_S);
	assert_exact(srv(&sim), len);
	/* Four holes in one window: one recovery episode, each hole sent again exactly once. */
	assert_int_equal(x.ci.fast_recoveries, 1);
	assert_int_equal(x.ci.rto_expiries, 0);
	assert_int_equal(x.ci.retrans_segs, 4);
	for (i = 0; i < 4; i++) {
		uint64_t t0[4];

		assert_int_equal(count_off(&sim, seg[0] * 1448, t0, 4), 2);
		assert_int_equal(count_off(&sim, seg[i] * 1448, t, 4), 2);
		assert_int_equal(t[0], t0[0]); /* the scenario: all four went out in one flight */
	}
	sim_fini(&sim);
}

/* Without SACK, NewReno (RFC 6582) repairs one hole per partial ACK, still without RTO. */
static void test_newreno_partial_acks(void **state)
{
	static const uint64_t seg[] = { 60, 62, 65 };
	struct pg_tcp_cfg a, b;
	struct sim sim;
	struct xfer x;
	const uint64_t len = 1000000;
	unsigned int i;

	(void)state;
	cfgs(&a, &b);
	a.no_sack = 1;
	a.cc = &pg_tcp_cc_reno;
	two(&sim, &a, &b, 10 * SIM_MS, 8);
	for (i = 0; i < 3; i++)
		sim.dir[0].drop_off[sim.dir[0].ndrop_off++] = (struct sim_rule){ seg[i] * 1448, 1 };
	run_xfer(&sim, &x, len, 20 * SIM_S);
	assert_exact(srv(&sim), len);
	assert_int_equal(x.ci.sack, 0);
	assert_int_equal(x.ci.fast_recoveries, 1);
	assert_int_equal(x.ci.rto_expiries, 0);
	assert_int_equal(x.ci.retrans_segs, 3);
	sim_fini(&sim);
}

/* ------------------------------------------------------------------- RTO ---- */

struct rto_watch {
	struct xfer x;
	uint64_t off;
	int n;
	uint64_t t[4];
	struct pg_tcp_info at[4];
};

static void watch_off(struct sim *sim, int dir, const struct sim_rec *r, void *arg)
{
	struct rto_watch *w = arg;

	(void)sim;
	if (dir == 0 && r->len && w->off >= r->off && w->off < r->off + r->len && w->n < 4) {
		w->t[w->n] = r->t;
		pg_tcp_conn_info(w->x.cf.c, &w->at[w->n]);
		w->n++;
	}
}

static uint64_t last_ack_arrival(const struct sim *sim, uint64_t before)
{
	uint64_t t = 0;
	size_t i;

	for (i = 0; i < sim->nlog; i++)
		if (sim->log[i].dir == 1 && sim->log[i].t + sim->dir[1].delay_ns < before)
			t = sim->log[i].t + sim->dir[1].delay_ns;
	return t;
}

static void test_rto_backoff(void **state)
{
	struct pg_tcp_cfg a, b;
	struct sim sim;
	struct rto_watch w;
	const uint64_t len = 40 * 1448;
	uint64_t rto, ta;
	struct pg_tcp_info ci;

	(void)state;
	cfgs(&a, &b);
	a.rto_min_ns = SIM_MS; /* let the RFC 6298 formula show instead of Linux's 200 ms floor */
	a.cc = &pg_tcp_cc_reno;
	a.no_ts = b.no_ts = 1; /* RTT samples in exact nanoseconds */
	two(&sim, &a, &b, 50 * SIM_MS, 9);
	memset(&w, 0, sizeof(w));
	w.off = len - 1;
	/* The tail segment is lost three times: no duplicate ACKs can follow it. */
	sim.dir[0].drop_off[sim.dir[0].ndrop_off++] = (struct sim_rule){ w.off, 3 };
	w.x.cf.send_len = len;
	sim.on_tx = watch_off;
	sim.on_tx_arg = &w;
	assert_non_null(sim_connect(&sim, &w.x.cf, PORT, 0));
	assert_int_equal(sim_run(&sim, SIM_T0 + 30 * SIM_S, NULL, NULL), -ETIMEDOUT);
	assert_int_equal(srv(&sim)->rcvd, len);
	assert_int_equal(srv(&sim)->bad_bytes, 0);
	assert_int_equal(w.n, 4);
	pg_tcp_conn_info(w.x.cf.c, &ci);
	assert_int_equal(ci.rto_expiries, 3);
	assert_int_equal(ci.fast_recoveries, 0);

	/* Every RTT sample was exactly 100 ms: SRTT = 100 ms and RTTVAR decays by 3/4 per
	 * sample from 50 ms; RTO = SRTT + 4 RTTVAR as of the last ACK before the loss, which
	 * is when the timer was armed. */
	assert_int_equal(w.at[1].srtt_ns, 100 * SIM_MS);
	assert_true(w.at[1].rttvar_ns < w.at[0].rttvar_ns && w.at[0].rttvar_ns < 50 * SIM_MS);
	assert_int_equal(w.at[1].rttvar_ns, w.at[0].rttvar_ns - w.at[0].rttvar_ns / 4);
	rto = w.at[1].srtt_ns + 4 * w.at[1].rttvar_ns;
	assert_int_equal(w.at[1].rto_ns, rto);
	ta = last_ack_arrival(&sim, w.t[1]);
	assert_int_equal(w.t[1] - ta, rto);
	/* Backoff doubles the timer each time (RFC 6298 5.5). */
	assert_int_equal(w.t[2] - w.t[1], 2 * rto);
	assert_int_equal(w.t[3] - w.t[2], 4 * rto);
	/* RFC 5681 3.1: after a timeout cwnd is one segment; ssthresh halved once. */
	assert_int_equal(w.at[1].cwnd, ci.mss);
	assert_int_equal(w.at[2].cwnd, ci.mss);
	assert_int_equal(w.at[1].ssthresh, w.at[2].ssthresh);
	assert_int_equal(w.at[1].ssthresh, 2u * ci.mss); /* max(FlightSize / 2, 2 SMSS), 1 segment out */
	printf("rto: srtt %.1f ms rttvar %.3f ms -> rto %.3f ms; retransmissions after %.3f, %.3f, %.3f ms\n",
	       w.at[1].srtt_ns / 1e6, w.at[1].rttvar_ns / 1e6, rto / 1e6, (w.t[1] - ta) / 1e6,
	       (w.t[2] - w.t[1]) / 1e6, (w.t[3] - w.t[2]) / 1e6);
	sim_fini(&sim);
}

static void test_syn_backoff(void **state)
{
	struct pg_tcp_cfg a, b;
	struct sim sim;
	struct sim_flow cf = { 0 };
	uint64_t t[3];
	size_t i, n = 0;

	(void)state;
	cfgs(&a, &b);
	a.no_ts = b.no_ts = 1;
	a.rto_min_ns = SIM_MS;
	two(&sim, &a, &b, 50 * SIM_MS, 10);
	sim.dir[0].drop_nth[sim.dir[0].ndrop_nth++] = 1;
	sim.dir[0].drop_nth[sim.dir[0].ndrop_nth++] = 2;
	assert_non_null(sim_connect(&sim, &cf, PORT, 0));
	assert_int_equal(sim_run(&sim, SIM_T0 + 10 * SIM_S, client_connected, &cf), 0);
	for (i = 0; i < sim.nlog; i++)
		if (sim.log[i].dir == 0 && (sim.log[i].flags & PG_TCP_SYN) && n < 3)
			t[n++] = sim.log[i].t;
	assert_int_equal(n, 3);
	/* Initial RTO 1 s (RFC 6298 2.1), doubled for the second retransmission. */
	assert_int_equal(t[1] - t[0], SIM_S);
	assert_int_equal(t[2] - t[1], 2 * SIM_S);
	sim_fini(&sim);
}

/* ---------------------------------------------------------------- memory ---- */

static void test_memory(void **state)
{
	size_t per = pg_tcp_conn_size(), stack1k = pg_tcp_stack_memsize(1024);

	(void)state;
	printf("memory: %zu bytes per connection; a stack of 1024 connections takes %zu bytes "
	       "(%.0f per connection with its demux slots)\n", per, stack1k, stack1k / 1024.0);
	assert_true(per <= 1024);
	assert_true(stack1k / 1024 <= 1024 + 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_options),
		cmocka_unit_test(test_handshake_crafted),
		cmocka_unit_test(test_bulk_exact),
		cmocka_unit_test(test_fast_retransmit),
		cmocka_unit_test(test_sack_recovery),
		cmocka_unit_test(test_newreno_partial_acks),
		cmocka_unit_test(test_rto_backoff),
		cmocka_unit_test(test_syn_backoff),
		cmocka_unit_test(test_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP engine on the deterministic simulated link (tcp_sim.h): handshake and option
 * negotiation, exact delivery, loss recovery (fast retransmit, SACK, NewReno, RTO with
 * backoff, tail loss probe), zero window and persist, FIN/RST, TIME-WAIT under many short connections,
 * delayed ACKs, NewReno vs CUBIC, random impairments, memory per connection.
 * Every run is reproducible: virtual time, seeded randomness.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tcp_sim.h"
#include "frame.h"
#include "pcap.h"
#include "iperf2_tcp.h"

#ifndef PCAP_DIR
#define PCAP_DIR "tests/pcap/ref"
#endif

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


/* Several engines behind one port (pg_tcp_owner_ops): a segment of another engine's
 * connection is left to the caller (-EREMOTE) with nothing sent, not reset; an unknown one
 * is still reset; a SYN claims its tuple (a refused claim draws a RST and keeps nothing),
 * and the tuple is released when the connection is freed. */
struct own_log {
	unsigned int asked, claimed, released, refuse;
	uint16_t foreign_port, last_rport;
};

static int own_foreign(void *arg, uint32_t raddr, uint16_t rport, uint16_t lport)
{
	struct own_log *o = arg;

	(void)raddr;
	(void)lport;
	o->asked++;
	return rport == o->foreign_port;
}

static int own_claim(void *arg, uint32_t raddr, uint16_t rport, uint16_t lport)
{
	struct own_log *o = arg;

	(void)raddr;
	(void)lport;
	o->claimed++;
	o->last_rport = rport;
	return o->refuse ? -1 : 0;
}

static void own_release(void *arg, uint32_t raddr, uint16_t rport, uint16_t lport)
{
	struct own_log *o = arg;

	(void)raddr;
	(void)lport;
	(void)rport;
	o->released++;
}

static const struct pg_tcp_owner_ops own_ops = { own_foreign, own_claim, own_release };

static void test_owner_hooks(void **state)
{
	struct pg_tcp_cfg a;
	struct sim sim;
	struct sim_craft cr = { 0 };
	struct pg_tcp_seg out[4];
	uint8_t pl[4][64];
	struct own_log o = { 0 };

	(void)state;
	sim_default_cfg(&a, 0);
	sim_init(&sim, &a, NULL, 4, 3);
	sim_listen(&sim, 0, PORT);
	pg_tcp_set_owner_ops(sim.ep[0].s, &own_ops, &o);
	o.foreign_port = 40001;
	/* another engine's connection: data and a RST alike go back to the caller */
	cr.sport = 40001;
	cr.dport = PORT;
	cr.seq = 5000;
	cr.ack = 7000;
	cr.flags = PG_TCP_ACK;
	cr.wnd = 8192;
	assert_int_equal(sim_inject(&sim, &cr), -EREMOTE);
	cr.flags = PG_TCP_RST;
	assert_int_equal(sim_inject(&sim, &cr), -EREMOTE);
	assert_int_equal(sim_collect(&sim, out, pl, 4), 0);
	/* nobody's: reset as before */
	cr.sport = 40002;
	cr.flags = PG_TCP_ACK;
	assert_int_equal(sim_inject(&sim, &cr), 0);
	assert_int_equal(sim_collect(&sim, out, pl, 4), 1);
	assert_true(out[0].flags & PG_TCP_RST);
	assert_int_equal(o.claimed, 0);
	/* a SYN: claimed before the SYN-ACK; released when the connection goes */
	cr.sport = 40000;
	cr.seq = 1000;
	cr.ack = 0;
	cr.flags = PG_TCP_SYN;
	assert_int_equal(sim_inject(&sim, &cr), 0);
	assert_int_equal(o.claimed, 1);
	assert_int_equal(o.last_rport, 40000);
	assert_int_equal(sim_collect(&sim, out, pl, 4), 1);
	assert_int_equal(out[0].flags, PG_TCP_SYN | PG_TCP_ACK);
	cr.flags = PG_TCP_RST;
	cr.seq = 1001;
	assert_int_equal(sim_inject(&sim, &cr), 0);
	assert_int_equal(o.released, 1);
	/* a refused claim: RST+ACK, no connection kept, nothing to release */
	o.refuse = 1;
	cr.sport = 40003;
	cr.seq = 3000;
	cr.flags = PG_TCP_SYN;
	assert_int_equal(sim_inject(&sim, &cr), 0);
	assert_int_equal(o.claimed, 2);
	assert_int_equal(sim_collect(&sim, out, pl, 4), 1);
	assert_int_equal(out[0].flags, PG_TCP_RST | PG_TCP_ACK);
	assert_int_equal(out[0].ack, 3001);
	assert_int_equal(o.released, 1);
	sim_fini(&sim);
}

/* A receiver with an RX budget shares it: each connection advertises budget / connections,
 * so together they never invite more than the ring holds. */
static void test_rx_budget(void **state)
{
	struct pg_tcp_cfg a, b;
	struct sim sim;
	struct sim_flow cf[4];
	struct pg_tcp_info si;
	uint64_t total = 0;
	unsigned int i;

	(void)state;
	cfgs(&a, &b);
	b.rx_budget = 1u << 20;
	two(&sim, &a, &b, SIM_MS, 40);
	memset(cf, 0, sizeof(cf));
	cf[0].send_len = UINT64_MAX;
	sim.ep[1].srv_tmpl.inorder_lim = 1;
	assert_non_null(sim_connect(&sim, &cf[0], PORT, 0));
	sim_advance(&sim, SIM_S);
	pg_tcp_conn_info(srv(&sim)->c, &si);
	printf("rx budget 1 MiB: one connection advertises %u bytes\n", si.rcv_wnd);
	assert_true(si.rcv_wnd > (1u << 19) && si.rcv_wnd <= (1u << 20));
	for (i = 1; i < 4; i++) {
		cf[i].send_len = UINT64_MAX;
		assert_non_null(sim_connect(&sim, &cf[i], PORT, 0));
	}
	sim_advance(&sim, SIM_S);
	assert_int_equal(sim.ep[1].nflows, 4);
	for (i = 0; i < 4; i++) {
		pg_tcp_conn_info(sim.ep[1].flows[i].c, &si);
		printf("  of four: connection %u advertises %u bytes\n", i, si.rcv_wnd);
		assert_true(si.rcv_wnd <= (1u << 18) + 128); /* 2^7 scaling granularity */
		total += si.rcv_wnd;
	}
	assert_true(total <= (1u << 20) + 512);
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

	/* Limited by the peer's 64 KiB window, not by cwnd: cwnd stops growing (RFC 7661). */
	cfgs(&a, &b);
	b.rcv_buf = 65536;
	two(&sim, &a, &b, 2 * SIM_MS, 41);
	run_xfer(&sim, &x, 5000000, 60 * SIM_S);
	assert_exact(srv(&sim), 5000000);
	printf("rwnd-limited: cwnd %u bytes with a 64 KiB peer window\n", x.ci.cwnd);
	assert_true(x.ci.cwnd <= 3 * 65536); /* 2 x flight, plus one ACK of growth */
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
	sim_flow_free(&x.cf); /* the client's flow is the test's, with its copy-mode ring */
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
	a.no_tlp = 1;          /* RTO timing alone (test_tail_loss_probe has the probe) */
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

/*
 * Tail loss probe (RFC 8985 7): every ACK of a flight's tail is lost (what an RX ring that
 * overflowed while its lcore lost the CPU does). Without a probe the sender waits out the
 * 200 ms RTO and restarts from one segment; with it, one probe 2 ms later draws the
 * cumulative ACK. The lost ACKs are those the receiver sends after the last data segment
 * until the sender's next frame.
 */
struct tlp_watch {
	struct sim_flow cf;
	uint64_t len, t_last, t_next;
	int phase;                    /* 0 sending, 1 ACKs blackholed, 2 done */
};

static void tlp_on_tx(struct sim *sim, int dir, const struct sim_rec *r, void *arg)
{
	struct tlp_watch *w = arg;

	if (dir != 0)
		return;
	if (w->phase == 0 && r->len && r->off + r->len == w->len) {
		w->phase = 1;
		w->t_last = r->t;
		sim->dir[1].blackhole = 1;
	} else if (w->phase == 1 && r->t > w->t_last) {
		w->phase = 2;
		w->t_next = r->t;
		sim->dir[1].blackhole = 0;
	}
}

static void tlp_run(int no_tlp, struct tlp_watch *w, struct pg_tcp_info *ci)
{
	struct pg_tcp_cfg a, b;
	struct sim sim;

	cfgs(&a, &b);
	a.no_tlp = (uint8_t)no_tlp;
	two(&sim, &a, &b, 50 * SIM_US, 21);
	memset(w, 0, sizeof(*w));
	w->len = 300 * 1448;
	w->cf.send_len = w->len;
	w->cf.close_after_send = 1;
	sim.ep[1].srv_tmpl.close_on_eof = 1;
	sim.on_tx = tlp_on_tx;
	sim.on_tx_arg = w;
	assert_non_null(sim_connect(&sim, &w->cf, PORT, 0));
	assert_int_equal(sim_run(&sim, SIM_T0 + 10 * SIM_S, both_closed, &w->cf), 0);
	if (getenv("SIM_DUMP"))
		sim_dump(&sim, 0, sim.nlog);
	assert_int_equal(w->phase, 2);
	assert_exact(srv(&sim), w->len);
	*ci = w->cf.info;
	sim_fini(&sim);
}

static void test_tail_loss_probe(void **state)
{
	struct tlp_watch w;
	struct pg_tcp_info on, off;
	uint64_t d_on, d_off;

	(void)state;
	tlp_run(0, &w, &on);
	d_on = w.t_next - w.t_last;
	tlp_run(1, &w, &off);
	d_off = w.t_next - w.t_last;
	printf("tail ACKs lost: next frame after %.3f ms with the probe (%u probe, %u RTO, "
	       "%llu retransmitted), %.3f ms without (%u RTO)\n", d_on / 1e6, on.tlp_probes,
	       on.rto_expiries, (unsigned long long)on.retrans_segs, d_off / 1e6, off.rto_expiries);
	/* with the probe: one probe at the 2 ms floor (2 SRTT is 0.2 ms), no RTO */
	assert_int_equal(on.tlp_probes, 1);
	assert_int_equal(on.rto_expiries, 0);
	assert_true(d_on >= 2 * SIM_MS && d_on < 3 * SIM_MS);
	assert_true(on.retrans_segs <= 1);
	/* without: the RTO (200 ms floor), cwnd back to one segment */
	assert_int_equal(off.tlp_probes, 0);
	assert_int_equal(off.rto_expiries, 1);
	assert_true(d_off >= 200 * SIM_MS);
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


/* ----------------------------------------------------------- zero window ---- */

static int is_probe(const struct sim_rec *r)
{
	/* Linux-style window probe: no payload, one below the next byte the peer expects. */
	return r->dir == 0 && !r->len && r->flags == PG_TCP_ACK;
}

static void test_zero_window_persist(void **state)
{
	struct pg_tcp_cfg a, b;
	struct sim sim;
	struct sim_flow cf = { 0 };
	struct sim_flow *sf;
	struct pg_tcp_info ci;
	const uint64_t len = 300000;
	uint64_t tp[8], t_zero = 0;
	size_t i, np = 0;

	(void)state;
	cfgs(&a, &b);
	b.rcv_buf = 65536;
	two(&sim, &a, &b, 5 * SIM_MS, 11);
	sim.ep[1].srv_tmpl.rcv_manual = 1; /* the server application reads nothing yet */
	sim.ep[1].srv_tmpl.close_on_eof = 1;
	cf.send_len = len;
	cf.close_after_send = 1;
	assert_non_null(sim_connect(&sim, &cf, PORT, 0));
	sim_advance(&sim, 10 * SIM_S);
	sf = srv(&sim);
	/* The window filled and closed: the receive buffer was delivered, less what window
	 * scaling (units of 2 bytes here) cannot express. */
	assert_true(sf->rcvd <= 65536 && sf->rcvd >= 65536 - 2);
	pg_tcp_conn_info(cf.c, &ci);
	assert_int_equal(ci.snd_wnd, 0);
	assert_int_equal(ci.bytes_acked, sf->rcvd);
	assert_true(ci.probes >= 4);
	assert_int_equal(ci.rto_expiries, 0); /* persist, not retransmission timeouts */
	for (i = 0; i < sim.nlog; i++) {
		const struct sim_rec *r = &sim.log[i];

		if (r->dir == 1 && r->wnd == 0 && !t_zero)
			t_zero = r->t;
		if (t_zero && is_probe(r) && r->t > t_zero && np < 8)
			tp[np++] = r->t;
	}
	assert_true(np >= 4);
	/* Probes back off exponentially like the RTO (RFC 9293 3.8.6.1, RFC 6298 5.5). */
	for (i = 2; i < np; i++)
		assert_int_equal(tp[i] - tp[i - 1], 2 * (tp[i - 1] - tp[i - 2]));
	printf("persist: %u probes, intervals %.0f, %.0f, %.0f ms\n", ci.probes,
	       (tp[1] - tp[0]) / 1e6, (tp[2] - tp[1]) / 1e6, (tp[3] - tp[2]) / 1e6);

	/* The application reads: the window update lets the transfer finish. */
	pg_tcp_recved(sf->c, (uint32_t)sf->rcvd);
	while (!sf->eof && sim.now < SIM_T0 + 200 * SIM_S) {
		sim_advance(&sim, 50 * SIM_MS);
		if (sf->c)
			pg_tcp_recved(sf->c, (uint32_t)-1);
	}
	assert_exact(sf, len);
	sim_fini(&sim);
}

/* --------------------------------------------------------------- FIN/RST ---- */

static void test_fin_both_sides(void **state)
{
	struct pg_tcp_cfg a, b;
	struct sim sim;
	struct sim_flow cf = { 0 };
	struct sim_flow *sf;

	(void)state;
	/* Server sends and closes first; the client answers the FIN. The active closer
	 * (server) keeps TIME-WAIT, the passive one (client) goes through LAST-ACK. */
	cfgs(&a, &b);
	two(&sim, &a, &b, 3 * SIM_MS, 12);
	sim.ep[1].srv_tmpl.send_len = 100000;
	sim.ep[1].srv_tmpl.close_after_send = 1;
	sim.ep[1].srv_tmpl.inorder_lim = 0;
	cf.close_on_eof = 1;
	assert_non_null(sim_connect(&sim, &cf, PORT, 0));
	assert_int_equal(sim_run(&sim, SIM_T0 + 10 * SIM_S, both_closed, &cf), 0);
	sf = srv(&sim);
	assert_int_equal(cf.rcvd, 100000);
	assert_int_equal(cf.bad_bytes, 0);
	assert_int_equal(cf.ooo_deliveries, 0);
	assert_true(cf.eof);
	assert_int_equal(cf.err, 0);
	assert_int_equal(sf->err, 0);
	assert_int_equal(cf.info.state, PG_TCP_LAST_ACK);   /* closed when its FIN was acked */
	assert_int_equal(sf->info.state, PG_TCP_TIME_WAIT); /* FIN_WAIT_2 -> TIME_WAIT */
	sim_fini(&sim);

	/* Simultaneous close: both FINs cross; both ends pass through CLOSING. */
	cfgs(&a, &b);
	two(&sim, &a, &b, 3 * SIM_MS, 13);
	memset(&cf, 0, sizeof(cf));
	assert_non_null(sim_connect(&sim, &cf, PORT, 0));
	assert_int_equal(sim_run(&sim, SIM_T0 + SIM_S, client_connected, &cf), 0);
	sim_advance(&sim, 10 * SIM_MS);
	assert_int_equal(pg_tcp_close(cf.c), 0);
	assert_int_equal(pg_tcp_close(srv(&sim)->c), 0);
	assert_int_equal(sim_run(&sim, SIM_T0 + 10 * SIM_S, both_closed, &cf), 0);
	assert_int_equal(cf.err, 0);
	assert_int_equal(srv(&sim)->err, 0);
	assert_int_equal(cf.info.state, PG_TCP_TIME_WAIT);
	assert_int_equal(srv(&sim)->info.state, PG_TCP_TIME_WAIT);
	sim_fini(&sim);
}

static void test_rst_paths(void **state)
{
	struct pg_tcp_cfg a, b;
	struct sim sim;
	struct sim_flow cf = { 0 };
	struct pg_tcp_stats st;

	(void)state;
	/* Abort in the middle of a transfer: the peer sees ECONNRESET. */
	cfgs(&a, &b);
	two(&sim, &a, &b, 3 * SIM_MS, 14);
	cf.send_len = UINT64_MAX;
	assert_non_null(sim_connect(&sim, &cf, PORT, 0));
	sim_advance(&sim, 100 * SIM_MS);
	assert_true(srv(&sim)->rcvd > 0);
	pg_tcp_abort(cf.c);
	assert_int_equal(cf.err, -ECONNABORTED);
	sim_advance(&sim, 100 * SIM_MS);
	assert_int_equal(srv(&sim)->closed, 1);
	assert_int_equal(srv(&sim)->err, -ECONNRESET);
	sim_fini(&sim);

	/* Nobody listens: the SYN draws RST+ACK, connect fails with ECONNREFUSED. */
	cfgs(&a, &b);
	two(&sim, &a, &b, 3 * SIM_MS, 15);
	memset(&cf, 0, sizeof(cf));
	assert_non_null(sim_connect(&sim, &cf, PORT + 1, 0));
	sim_advance(&sim, 100 * SIM_MS);
	assert_int_equal(cf.closed, 1);
	assert_int_equal(cf.err, -ECONNREFUSED);
	pg_tcp_stack_stats(sim.ep[1].s, &st);
	assert_int_equal(st.rst_out, 1);
	sim_fini(&sim);

	/* The server refuses in connected(): the client is reset. */
	cfgs(&a, &b);
	two(&sim, &a, &b, 3 * SIM_MS, 16);
	memset(&cf, 0, sizeof(cf));
	sim.ep[1].refuse = 1;
	assert_non_null(sim_connect(&sim, &cf, PORT, 0));
	sim_advance(&sim, 100 * SIM_MS);
	assert_int_equal(cf.closed, 1);
	assert_int_equal(cf.err, -ECONNRESET);
	sim_fini(&sim);
}

/* RFC 5961 against crafted segments: a RST that is in the window but not exact draws a
 * challenge ACK and changes nothing; the exact one resets. */
static void test_rst_challenge(void **state)
{
	struct pg_tcp_cfg a;
	struct sim sim;
	struct sim_craft cr = { 0 };
	struct pg_tcp_seg out[4];
	struct pg_tcp_stats st;
	uint32_t iss;

	(void)state;
	sim_default_cfg(&a, 0);
	a.no_ts = 1;
	sim_init(&sim, &a, NULL, 4, 17);
	sim_listen(&sim, 0, PORT);
	cr.sport = 40001;
	cr.dport = PORT;
	cr.seq = 5000;
	cr.flags = PG_TCP_SYN;
	cr.wnd = 65535;
	cr.mss = 1460;
	sim_inject(&sim, &cr);
	assert_int_equal(sim_collect(&sim, out, NULL, 4), 1);
	iss = out[0].seq;
	cr.flags = PG_TCP_ACK;
	cr.seq = 5001;
	cr.ack = iss + 1;
	cr.mss = 0;
	sim_inject(&sim, &cr);
	assert_int_equal(sim.ep[0].nflows, 1);

	cr.flags = PG_TCP_RST;
	cr.seq = 5001 + 1000; /* in window, not rcv_nxt */
	sim_inject(&sim, &cr);
	assert_int_equal(sim_collect(&sim, out, NULL, 4), 1);
	assert_int_equal(out[0].flags, PG_TCP_ACK);
	assert_int_equal(out[0].ack, 5001);
	assert_int_equal(sim.ep[0].flows[0].closed, 0);
	pg_tcp_stack_stats(sim.ep[0].s, &st);
	assert_int_equal(st.challenge_acks, 1);

	cr.seq = 5001 + 100000000; /* outside the window: ignored silently */
	sim_inject(&sim, &cr);
	assert_int_equal(sim_collect(&sim, out, NULL, 4), 0);
	assert_int_equal(sim.ep[0].flows[0].closed, 0);

	cr.seq = 5001;
	sim_inject(&sim, &cr);
	assert_int_equal(sim.ep[0].flows[0].closed, 1);
	assert_int_equal(sim.ep[0].flows[0].err, -ECONNRESET);
	/* A SYN on an established connection (RFC 5961 4.2) is challenged too; here the
	 * tuple is free again, so it opens a new connection. */
	sim_fini(&sim);
}

/* ------------------------------------------------------------- TIME-WAIT ---- */

static int all_done(struct sim *sim, void *arg)
{
	struct sim_flow *f = arg;

	(void)sim;
	return f->closed;
}

static void short_connections(int server_closes_first, uint64_t seed)
{
	struct pg_tcp_cfg a, b;
	struct sim sim;
	struct pg_tcp_stats sa, sb;
	const unsigned int nconn = 300;
	unsigned int i, slow = 0;
	uint64_t total = 0;

	cfgs(&a, &b);
	/* 16 ephemeral ports and 8 connection slots on each side, 60 s TIME-WAIT. */
	a.eph_lo = 40000;
	a.eph_hi = 40015;
	sim_init(&sim, &a, &b, 8, seed);
	sim.dir[0].delay_ns = sim.dir[1].delay_ns = SIM_MS;
	sim_listen(&sim, 1, PORT);
	if (server_closes_first) {
		sim.ep[1].srv_tmpl.send_len = 1000;
		sim.ep[1].srv_tmpl.close_after_send = 1;
	} else {
		sim.ep[1].srv_tmpl.close_on_eof = 1;
	}
	for (i = 0; i < nconn; i++) {
		struct sim_flow cf = { 0 };
		uint64_t t0 = sim.now;

		if (server_closes_first) {
			cf.close_on_eof = 1;
		} else {
			cf.send_len = 1000;
			cf.close_after_send = 1;
		}
		sim.ep[1].nflows = 0; /* flows are reused: only the current one matters */
		assert_non_null(sim_connect(&sim, &cf, PORT, 0));
		assert_int_equal(sim_run(&sim, sim.now + 30 * SIM_S, all_done, &cf), 0);
		sim_advance(&sim, 5 * SIM_MS); /* let the last ACK land */
		assert_int_equal(cf.err, 0);
		assert_int_equal(srv(&sim)->err, 0);
		assert_int_equal(server_closes_first ? cf.rcvd : srv(&sim)->rcvd, 1000);
		total += 1000;
		if (sim.now - t0 > 100 * SIM_MS)
			slow++;
	}
	pg_tcp_stack_stats(sim.ep[0].s, &sa);
	pg_tcp_stack_stats(sim.ep[1].s, &sb);
	printf("%u short connections (%s closes first) in %.1f s of virtual time: %llu bytes, "
	       "TIME-WAIT recycled client %llu server %llu, %u slower than 100 ms\n", nconn,
	       server_closes_first ? "server" : "client", (sim.now - SIM_T0) / 1e9,
	       (unsigned long long)total, (unsigned long long)sa.tw_recycled,
	       (unsigned long long)sb.tw_recycled, slow);
	assert_int_equal(sa.conn_opened, nconn);
	assert_int_equal(sb.conn_accepted, nconn);
	/* Far more connections than ports and slots within one TIME-WAIT period. */
	assert_true(sim.now - SIM_T0 < 60 * SIM_S);
	assert_true(sa.tw_recycled + sb.tw_recycled >= nconn - 16);
	/* With timestamps a new SYN takes over the old tuple at once (RFC 6191). */
	assert_int_equal(slow, 0);
	for (i = 0; i < sim.ep[1].nflows; i++)
		sim_flow_free(&sim.ep[1].flows[i]);
	sim.ep[1].nflows = 0;
	sim_fini(&sim);
}

static void test_time_wait_many_short(void **state)
{
	(void)state;
	short_connections(0, 18);
	short_connections(1, 19);
}

/* ------------------------------------------------------------ delayed ACK ---- */

static void test_delayed_ack(void **state)
{
	struct pg_tcp_cfg a, b;
	struct sim sim;
	struct sim_flow cf = { 0 };
	size_t i, data = 0, acks = 0;
	uint64_t t_data = 0, t_ack = 0;

	(void)state;
	/* Past the quick-ACK phase (16 full segments), a lone small segment is acknowledged
	 * when the delayed-ACK timer (40 ms) fires. */
	cfgs(&a, &b);
	two(&sim, &a, &b, 5 * SIM_MS, 20);
	cf.send_len = 40 * 1448;
	assert_non_null(sim_connect(&sim, &cf, PORT, 0));
	sim_advance(&sim, SIM_S);
	assert_int_equal(srv(&sim)->rcvd, 40 * 1448);
	cf.send_len += 100;
	assert_int_equal(pg_tcp_send_limit(cf.c, cf.send_len), 0);
	sim_advance(&sim, SIM_S);
	assert_int_equal(srv(&sim)->rcvd, 40 * 1448 + 100);
	for (i = 0; i < sim.nlog; i++) {
		if (sim.log[i].dir == 0 && sim.log[i].len == 100)
			t_data = sim.log[i].t;
		if (sim.log[i].dir == 1 && t_data && !t_ack && sim_is_pure_ack(&sim.log[i]))
			t_ack = sim.log[i].t;
	}
	assert_true(t_data && t_ack);
	assert_int_equal(t_ack - (t_data + 5 * SIM_MS), 40 * SIM_MS);
	sim_fini(&sim);

	/* Paced full segments (one every 100 us on a 120 Mbit/s link): ACK every segment for
	 * the first 16 (quick ACKs), then every second one (RFC 5681 4.2). */
	cfgs(&a, &b);
	two(&sim, &a, &b, 5 * SIM_MS, 21);
	sim.dir[0].rate_bps = 120000000;
	memset(&cf, 0, sizeof(cf));
	cf.send_len = 400 * 1448;
	assert_non_null(sim_connect(&sim, &cf, PORT, 0));
	sim_advance(&sim, 5 * SIM_S);
	assert_int_equal(srv(&sim)->rcvd, 400 * 1448);
	for (i = 0; i < sim.nlog; i++) {
		if (sim.log[i].dir == 0 && sim.log[i].len)
			data++;
		if (sim.log[i].dir == 1 && sim_is_pure_ack(&sim.log[i]))
			acks++;
	}
	printf("delayed ACK: %zu data segments, %zu ACKs\n", data, acks);
	assert_int_equal(data, 400);
	assert_true(acks >= 16 + (400 - 16) / 2 && acks <= 16 + (400 - 16) / 2 + 2);
	sim_fini(&sim);
}

/* --------------------------------------------------- congestion control ---- */

struct cc_trace {
	struct sim_flow cf;
	uint64_t t[200000];
	uint32_t cwnd[200000];
	uint32_t flight[200000];
	uint32_t ssthresh[200000];
	size_t n;
	uint64_t t_loss;              /* first fast recovery */
	uint32_t cwnd_before, ssthresh_after, flight_at_loss;
	uint32_t last_cwnd, last_flight;
	struct pg_tcp_info end;
};

static void cc_watch(struct sim *sim, int dir, const struct sim_rec *r, void *arg)
{
	struct cc_trace *tr = arg;
	struct pg_tcp_info i;

	if (dir != 0 || !tr->cf.c)
		return;
	(void)r;
	pg_tcp_conn_info(tr->cf.c, &i);
	if (!tr->t_loss && i.fast_recoveries) {
		tr->t_loss = sim->now;
		tr->cwnd_before = tr->last_cwnd;
		tr->flight_at_loss = tr->last_flight;
		tr->ssthresh_after = i.ssthresh;
	}
	tr->last_cwnd = i.cwnd;
	tr->last_flight = (uint32_t)(i.bytes_sent - i.bytes_acked);
	if (tr->n < 200000) {
		tr->t[tr->n] = sim->now;
		tr->cwnd[tr->n] = i.cwnd;
		tr->flight[tr->n] = tr->last_flight;
		tr->ssthresh[tr->n] = i.ssthresh;
		tr->n++;
	}
}

static uint32_t cwnd_at(const struct cc_trace *tr, uint64_t t)
{
	size_t i;
	uint32_t w = 0;

	for (i = 0; i < tr->n && tr->t[i] <= t; i++)
		w = tr->cwnd[i];
	return w;
}

/* 50 Mbit/s, 100 ms RTT (BDP 430 segments) and a queue that never overflows here: one
 * scripted loss in slow start (segment 300), then congestion avoidance undisturbed. */
static void cc_run(struct cc_trace *tr, const struct pg_tcp_cc_ops *cc, uint64_t secs)
{
	struct pg_tcp_cfg a, b;
	struct sim sim;

	cfgs(&a, &b);
	a.cc = cc;
	b.no_csum_check = 1;
	two(&sim, &a, &b, 50 * SIM_MS, 22);
	sim.dir[0].rate_bps = 50000000;
	sim.dir[0].queue_bytes = 3000 * 1514;
	sim.dir[0].drop_off[sim.dir[0].ndrop_off++] = (struct sim_rule){ 300 * 1448, 1 };
	sim.ep[1].srv_tmpl.inorder_lim = 1;
	memset(tr, 0, sizeof(*tr));
	tr->cf.send_len = UINT64_MAX;
	sim.on_tx = cc_watch;
	sim.on_tx_arg = tr;
	assert_non_null(sim_connect(&sim, &tr->cf, PORT, 0));
	sim_advance(&sim, secs * SIM_S);
	assert_true(tr->t_loss > 0);
	assert_int_equal(srv(&sim)->bad_bytes, 0);
	pg_tcp_conn_info(tr->cf.c, &tr->end);
	sim_fini(&sim);
}

/* Congestion avoidance begins: the first time after the loss that cwnd grew past ssthresh. */
static uint64_t ca_start(const struct cc_trace *tr)
{
	size_t i;

	for (i = 0; i < tr->n; i++)
		if (tr->t[i] > tr->t_loss && tr->cwnd[i] > tr->ssthresh[i])
			return tr->t[i];
	fail();
	return 0;
}

/* cwnd growth in segments over [t, t + d). */
static int64_t grow(const struct cc_trace *tr, uint64_t t, uint64_t d)
{
	return ((int64_t)cwnd_at(tr, t + d) - (int64_t)cwnd_at(tr, t)) / 1448;
}

static void test_cc_reno_vs_cubic(void **state)
{
	static struct cc_trace reno, cubic;
	uint64_t tr0, tc0, tk;
	int64_t r1, r2, c1, c2, cx1, cx2;
	const uint32_t mss = 1448;
	double k, wmax;

	(void)state;
	cc_run(&reno, &pg_tcp_cc_reno, 16);
	cc_run(&cubic, &pg_tcp_cc_cubic, 16);
	/* One loss episode each, repaired by fast recovery. */
	assert_int_equal(reno.end.fast_recoveries, 1);
	assert_int_equal(cubic.end.fast_recoveries, 1);
	assert_int_equal(reno.end.rto_expiries + cubic.end.rto_expiries, 0);
	/* Multiplicative decrease: NewReno halves the flight, CUBIC keeps 0.7 of cwnd. */
	printf("reno: loss at %.2f s, cwnd %u flight %u -> ssthresh %u\n",
	       (reno.t_loss - SIM_T0) / 1e9, reno.cwnd_before / mss, reno.flight_at_loss / mss,
	       reno.ssthresh_after / mss);
	printf("cubic: loss at %.2f s, cwnd %u flight %u -> ssthresh %u\n",
	       (cubic.t_loss - SIM_T0) / 1e9, cubic.cwnd_before / mss, cubic.flight_at_loss / mss,
	       cubic.ssthresh_after / mss);
	assert_true(reno.ssthresh_after + mss >= reno.flight_at_loss / 2 &&
		    reno.ssthresh_after <= reno.flight_at_loss / 2 + mss);
	assert_true(cubic.ssthresh_after >= (uint32_t)(cubic.cwnd_before * 0.69) &&
		    cubic.ssthresh_after <= (uint32_t)(cubic.cwnd_before * 0.71));

	/* Growth in congestion avoidance over two 2-second intervals from its start. */
	tr0 = ca_start(&reno);
	tc0 = ca_start(&cubic);
	r1 = grow(&reno, tr0, 2 * SIM_S);
	r2 = grow(&reno, tr0 + 2 * SIM_S, 2 * SIM_S);
	c1 = grow(&cubic, tc0, 2 * SIM_S);
	c2 = grow(&cubic, tc0 + 2 * SIM_S, 2 * SIM_S);
	printf("reno: from %u segments, +%lld then +%lld in two 2 s intervals\n",
	       cwnd_at(&reno, tr0) / mss, (long long)r1, (long long)r2);
	printf("cubic: from %u segments, +%lld then +%lld in two 2 s intervals\n",
	       cwnd_at(&cubic, tc0) / mss, (long long)c1, (long long)c2);
	/* NewReno: linear, one SMSS per RTT (100 ms plus queueing): about 20 per 2 s, the
	 * same in both intervals. */
	assert_true(r1 >= 12 && r1 <= 21 && r2 >= 12 && r2 <= 21);
	assert_true(r2 * 10 >= r1 * 7 && r2 * 10 <= r1 * 13);
	/* CUBIC: concave approach to W_max, much faster than Reno at first, then slowing
	 * (RFC 9438 4.1) ... */
	assert_true(c1 > 2 * r1);
	assert_true(c2 < c1);
	/* ... at W_max after K = cbrt(W_max (1 - beta) / C) seconds, then convex. */
	wmax = cubic.cwnd_before / (double)mss;
	k = cbrt(wmax * 0.3 / 0.4);
	tk = cubic.t_loss + (uint64_t)(k * SIM_S);
	cx1 = grow(&cubic, tk + SIM_S, 2 * SIM_S);
	cx2 = grow(&cubic, tk + 3 * SIM_S, 2 * SIM_S);
	printf("cubic: W_max %.0f, K %.2f s, cwnd at K %u; beyond: +%lld then +%lld in 2 s\n", wmax,
	       k, cwnd_at(&cubic, tk) / mss, (long long)cx1, (long long)cx2);
	assert_true(cwnd_at(&cubic, tk) >= 0.95 * cubic.cwnd_before &&
		    cwnd_at(&cubic, tk) <= 1.05 * cubic.cwnd_before);
	assert_true(cx2 > cx1 && cx1 > 0);
}

/* -------------------------------------------------------- random impairments ---- */

static void impaired(uint64_t seed, int sink, const struct pg_tcp_cc_ops *cc, const char *ccname,
		     int no_sack)
{
	struct pg_tcp_cfg a, b;
	struct sim sim;
	struct xfer x;
	const uint64_t len = 2000000;
	int d;

	cfgs(&a, &b);
	a.cc = cc;
	a.no_sack = (uint8_t)no_sack;
	two(&sim, &a, &b, 5 * SIM_MS, seed);
	for (d = 0; d < 2; d++) {
		sim.dir[d].loss_ppm = 10000;
		sim.dir[d].reorder_ppm = 10000;
		sim.dir[d].reorder_ns = 3 * SIM_MS;
		sim.dir[d].dup_ppm = 5000;
	}
	sim.dir[0].rate_bps = 100000000;
	sim.dir[0].queue_bytes = 200 * 1514;
	sim.ep[1].srv_tmpl.seen_len = len;
	sim.ep[1].srv_tmpl.inorder_lim = sink ? 1 : UINT64_MAX;
	run_xfer(&sim, &x, len, 120 * SIM_S);
	assert_exact(srv(&sim), len);
	if (!sink)
		assert_int_equal(srv(&sim)->ooo_deliveries, 0);
	printf("seed %llu %s %s%s: %.2f s, lost %llu+%llu, retransmitted %llu segs, %u recoveries, "
	       "%u RTOs\n", (unsigned long long)seed, sink ? "sink" : "in-order", ccname,
	       no_sack ? " no-SACK" : "", (srv(&sim)->t_eof - SIM_T0) / 1e9,
	       (unsigned long long)sim.dir[0].lost, (unsigned long long)sim.dir[1].lost,
	       (unsigned long long)x.ci.retrans_segs, x.ci.fast_recoveries, x.ci.rto_expiries);
	assert_true(x.ci.retrans_segs >= sim.dir[0].lost);
	sim_fini(&sim);
}

static void test_random_impairments(void **state)
{
	uint64_t seed;

	(void)state;
	for (seed = 100; seed < 104; seed++)
		impaired(seed, 1, &pg_tcp_cc_cubic, "cubic", 0);
	impaired(104, 1, &pg_tcp_cc_reno, "reno", 0);
	impaired(105, 1, &pg_tcp_cc_reno, "reno", 1);
	impaired(106, 0, &pg_tcp_cc_cubic, "cubic", 0);
	impaired(107, 0, &pg_tcp_cc_cubic, "cubic", 1);
}



/* The impairment of the netns impair variants (loss 1%, 5 ms each way, 2% of frames skip
 * the delay, both directions) on a 1 Gbit/s link: goodput of a 5 s bulk transfer. */
static double impair_run(uint64_t seed, uint32_t loss_ppm, uint32_t reorder_ppm, struct pg_tcp_info *ci)
{
	struct pg_tcp_cfg a, b;
	struct sim sim;
	struct sim_flow cf = { 0 };
	double mbps;
	int d;

	cfgs(&a, &b);
	b.no_csum_check = 1;
	two(&sim, &a, &b, 5 * SIM_MS, seed);
	for (d = 0; d < 2; d++) {
		sim.dir[d].loss_ppm = loss_ppm;
		sim.dir[d].reorder_ppm = reorder_ppm;
		sim.dir[d].rate_bps = 1000000000;
		sim.dir[d].queue_bytes = 1000 * 1514;
	}
	sim.ep[1].srv_tmpl.inorder_lim = 1;
	cf.send_len = UINT64_MAX;
	assert_non_null(sim_connect(&sim, &cf, PORT, 0));
	sim_advance(&sim, 5 * SIM_S);
	assert_int_equal(srv(&sim)->bad_bytes, 0);
	mbps = srv(&sim)->rcvd * 8 / 5e6;
	pg_tcp_conn_info(cf.c, ci);
	sim_fini(&sim);
	return mbps;
}

static void test_impair_goodput(void **state)
{
	struct pg_tcp_info i0, i1, i2;
	double clean, reord, both;

	(void)state;
	clean = impair_run(30, 0, 0, &i0);
	reord = impair_run(31, 0, 20000, &i1);
	both = impair_run(32, 10000, 20000, &i2);
	printf("goodput over 5 ms each way: clean %.1f Mbit/s; 2%% reordering %.1f Mbit/s (%llu retransmitted, "
	       "%u recoveries, %u undone, reordering window %u us); + 1%% loss %.1f Mbit/s (%llu "
	       "retransmitted, %u recoveries, %u undone, %u RTOs)\n",
	       clean, reord, (unsigned long long)i1.retrans_segs, i1.fast_recoveries, i1.spurious_undos,
	       i1.reo_wnd_us, both, (unsigned long long)i2.retrans_segs, i2.fast_recoveries,
	       i2.spurious_undos, i2.rto_expiries);
	/* Reordering alone: recoveries for late segments are detected and undone (Eifel) and
	 * the reordering window grows toward the 5 ms by which reordered frames overtake. */
	assert_true(i1.spurious_undos > 0);
	assert_true(i1.reo_wnd_us >= 2500);
	assert_true(reord > 0.2 * clean);
	/* Loss: every lost frame is sent again. */
	assert_true(i2.retrans_segs > 0 && both > 0);
}

/* ----------------------------------------------- iperf2 TCP trip-times ---- */

/* The client->server stream of iperf2-tcp-triptimes.pcap (iperf 2.1.8 -l 1000
 * --trip-times) is regenerated byte for byte from its header and burst write times. */
static void test_iperf2_trip_stream(void **state)
{
	static uint8_t stream[65536], gen[65536];
	struct pg_pcap *p = pg_pcap_open(PCAP_DIR "/iperf2-tcp-triptimes.pcap");
	struct pg_pcap_pkt pkt;
	struct pg_frame fr;
	struct pg_i2_tcp_info info;
	struct pg_i2_tcp_burst b;
	uint64_t wt[64], k, nb;
	uint32_t n = 0, isn = 0, hl;
	int have_isn = 0;

	(void)state;
	assert_non_null(p);
	while (pg_pcap_next(p, &pkt) == 1) {
		const uint8_t *t;
		uint32_t seq;

		if (pg_frame_classify(pkt.data, pkt.caplen, 0, 1, &fr) != PG_FRAME_OK ||
		    fr.proto != 6 || fr.dport != 5001)
			continue;
		t = pkt.data + fr.l4_off;
		seq = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7];
		if (t[13] & PG_TCP_SYN) {
			isn = seq + 1;
			have_isn = 1;
			continue;
		}
		if (!have_isn || !fr.payload_len || seq - isn + fr.payload_len > sizeof(stream))
			continue;
		memcpy(stream + (seq - isn), fr.payload, fr.payload_len);
		if (seq - isn + fr.payload_len > n)
			n = seq - isn + fr.payload_len;
	}
	pg_pcap_close(p);
	assert_int_equal(n, 80 + 14 * 1000);
	assert_int_equal(pg_i2_tcp_parse_hdr(stream, n, &info), 0);
	assert_true(info.trip_times);
	hl = info.hdrlen;
	assert_int_equal(hl, 80);
	nb = (n - hl) / 1000;
	for (k = 0; k < nb; k++) {
		assert_int_equal(pg_i2_tcp_parse_burst(stream + hl + k * 1000, 1000, &b), 0);
		assert_int_equal(b.id, k + 1);
		assert_int_equal(b.size, 1000);
		wt[k] = b.write_ns;
	}
	pg_i2_tcp_fill_trip(stream, hl, 1000, b.start_ns, wt, 63, 0, gen, n);
	assert_memory_equal(gen, stream, n);
	/* Any piece of the stream comes out the same (retransmissions regenerate it). */
	memset(gen, 0xee, n);
	pg_i2_tcp_fill_trip(stream, hl, 1000, b.start_ns, wt, 63, 1337, gen, 4321);
	assert_memory_equal(gen, stream + 1337, 4321);
	/* Malformed burst headers are refused. */
	memcpy(gen, stream + hl, 92);
	gen[48] = gen[49] = gen[50] = 0;
	gen[51] = 91;
	assert_int_equal(pg_i2_tcp_parse_burst(gen, 92, &b), -EINVAL);
	assert_int_equal(pg_i2_tcp_parse_burst(stream + hl, 51, &b), -EINVAL);
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
		cmocka_unit_test(test_owner_hooks),
		cmocka_unit_test(test_rx_budget),
		cmocka_unit_test(test_bulk_exact),
		cmocka_unit_test(test_fast_retransmit),
		cmocka_unit_test(test_sack_recovery),
		cmocka_unit_test(test_newreno_partial_acks),
		cmocka_unit_test(test_rto_backoff),
		cmocka_unit_test(test_tail_loss_probe),
		cmocka_unit_test(test_syn_backoff),
		cmocka_unit_test(test_zero_window_persist),
		cmocka_unit_test(test_fin_both_sides),
		cmocka_unit_test(test_rst_paths),
		cmocka_unit_test(test_rst_challenge),
		cmocka_unit_test(test_time_wait_many_short),
		cmocka_unit_test(test_delayed_ack),
		cmocka_unit_test(test_cc_reno_vs_cubic),
		cmocka_unit_test(test_random_impairments),
		cmocka_unit_test(test_impair_goodput),
		cmocka_unit_test(test_iperf2_trip_stream),
		cmocka_unit_test(test_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for src/proto/iperf3*: the control state machines replayed against the
 * control bytes of real iperf3 3.12 captures (both roles, byte-exact where iperf3 is
 * deterministic), params/results JSON against the captured ones, strict rejection of
 * bad input, -R / --bidir stream roles with the two state machines wired together, and
 * the UDP header and receive accounting on the captured datagrams.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <math.h>

#include "frame.h"
#include "pcap.h"
#include "iperf3.h"

#ifndef PCAP_DIR
#define PCAP_DIR "tests/pcap/ref"
#endif

/* ------------------------------------------------ capture reassembly (test only) ---- */

#define MAX_FLOWS 8

struct flow {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint8_t proto;
	uint32_t isn;
	int have_isn;
	uint8_t *data;       /* TCP: reassembled by sequence; UDP: unused */
	size_t len, cap;
	unsigned int nb_dgrams; /* UDP */
	uint64_t first_ns;
};

struct capture {
	struct flow f[MAX_FLOWS];
	unsigned int n;
	/* UDP datagrams client -> server on the data port (payload copies) */
	uint8_t *dg[512];
	uint32_t dg_len[512];
	uint64_t dg_ts[512];
	unsigned int nb_dg;
};

static struct flow *flow_get(struct capture *c, const struct pg_frame *fr, uint64_t ts)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		if (c->f[i].saddr == fr->saddr && c->f[i].daddr == fr->daddr &&
		    c->f[i].sport == fr->sport && c->f[i].dport == fr->dport && c->f[i].proto == fr->proto)
			return &c->f[i];
	assert_true(c->n < MAX_FLOWS);
	memset(&c->f[c->n], 0, sizeof(c->f[0]));
	c->f[c->n].saddr = fr->saddr;
	c->f[c->n].daddr = fr->daddr;
	c->f[c->n].sport = fr->sport;
	c->f[c->n].dport = fr->dport;
	c->f[c->n].proto = fr->proto;
	c->f[c->n].first_ns = ts;
	return &c->f[c->n++];
}

static void load_capture(const char *name, struct capture *c)
{
	char path[512];
	struct pg_pcap *p;
	struct pg_pcap_pkt pkt;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/%s", PCAP_DIR, name);
	p = pg_pcap_open(path);
	assert_non_null(p);
	while (pg_pcap_next(p, &pkt) == 1) {
		struct pg_frame fr;
		struct flow *fl;

		if (pg_frame_classify(pkt.data, pkt.caplen, 0, 1, &fr) != PG_FRAME_OK)
			continue;
		fl = flow_get(c, &fr, pkt.ts_ns);
		if (fr.proto == 6) {
			const uint8_t *th = pkt.data + fr.l4_off;
			uint32_t seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7];
			size_t off;

			if (th[13] & 0x02) { /* SYN */
				fl->isn = seq + 1;
				fl->have_isn = 1;
			}
			if (!fr.payload_len || !fl->have_isn)
				continue;
			off = (uint32_t)(seq - fl->isn);
			if (off + fr.payload_len > fl->cap) {
				fl->cap = (off + fr.payload_len) * 2;
				fl->data = realloc(fl->data, fl->cap);
				assert_non_null(fl->data);
			}
			memcpy(fl->data + off, fr.payload, fr.payload_len);
			if (off + fr.payload_len > fl->len)
				fl->len = off + fr.payload_len;
		} else if (fr.proto == 17 && fr.dport == PG_IPERF3_DEFAULT_PORT && c->nb_dg < 512) {
			c->dg[c->nb_dg] = malloc(fr.payload_len);
			memcpy(c->dg[c->nb_dg], fr.payload, fr.payload_len);
			c->dg_len[c->nb_dg] = fr.payload_len;
			c->dg_ts[c->nb_dg++] = pkt.ts_ns;
		}
	}
	pg_pcap_close(p);
}

static void free_capture(struct capture *c)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		free(c->f[i].data);
	for (i = 0; i < c->nb_dg; i++)
		free(c->dg[i]);
}

/* idx-th TCP flow (in first-packet order) towards / from the server port */
static struct flow *tcp_flow(struct capture *c, unsigned int idx, int to_server)
{
	unsigned int i, k = 0;

	for (i = 0; i < c->n; i++) {
		struct flow *f = &c->f[i];

		if (f->proto != 6 || (to_server ? f->dport : f->sport) != PG_IPERF3_DEFAULT_PORT)
			continue;
		if (k++ == idx)
			return f;
	}
	fail_msg("no TCP flow %u", idx);
	return NULL;
}

/* JSON message at byte off of a control stream: returns pointer to the text */
static const char *json_at(const struct flow *f, size_t off, uint32_t *len)
{
	assert_true(off + 4 <= f->len);
	*len = (uint32_t)f->data[off] << 24 | (uint32_t)f->data[off + 1] << 16 |
	       (uint32_t)f->data[off + 2] << 8 | f->data[off + 3];
	assert_true(off + 4 + *len <= f->len);
	return (const char *)f->data + off + 4;
}

/* --------------------------------------------------------------- helpers ---- */

static struct pg_iperf3_ctrl *cli_new(const struct pg_iperf3_params *p, const char *cookie)
{
	struct pg_iperf3_ctrl *c = pg_iperf3_ctrl_new(PG_IPERF3_CLIENT, p, cookie);

	assert_non_null(c);
	return c;
}

static size_t take_output(struct pg_iperf3_ctrl *c, uint8_t *dst, size_t cap)
{
	const uint8_t *d;
	size_t n = pg_iperf3_ctrl_output(c, &d);

	assert_true(n <= cap);
	memcpy(dst, d, n);
	pg_iperf3_ctrl_output_done(c, n);
	return n;
}

static void sample_results(struct pg_iperf3_results *r, unsigned int nb, int sender, uint64_t bytes)
{
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->cpu_util_total = 1.5;
	r->cpu_util_user = 0.5;
	r->cpu_util_system = 1.0;
	r->sender_has_retransmits = sender ? 0 : -1;
	r->nb_streams = nb;
	for (i = 0; i < nb; i++) {
		r->streams[i].id = pg_iperf3_stream_id(i);
		r->streams[i].bytes = bytes + i;
		r->streams[i].retransmits = -1;
		r->streams[i].end_time = 1.0;
	}
}

static const char test_cookie[] = "poh7vwuedc3h7xs4mfpvby5xwyhpsdciefol";

/* ------------------------------------------------------- capture: params ---- */

static void check_params_capture(const char *pcap, const struct pg_iperf3_params *want)
{
	struct capture cap;
	struct flow *c2s;
	struct pg_iperf3_params got;
	uint32_t n;
	const char *js;
	char *ours;
	size_t ol;
	char err[256];

	load_capture(pcap, &cap);
	c2s = tcp_flow(&cap, 0, 1);
	assert_true(pg_iperf3_cookie_valid(c2s->data));
	js = json_at(c2s, PG_IPERF3_COOKIE_LEN, &n);
	/* their params parse strictly and say what the command line said */
	assert_int_equal(pg_iperf3_params_decode(js, n, &got, err, sizeof(err)), 0);
	assert_int_equal(got.udp, want->udp);
	assert_int_equal(got.time, want->time);
	assert_int_equal(got.num, want->num);
	assert_int_equal(got.len, want->len);
	assert_int_equal(got.mss, want->mss);
	assert_int_equal(got.bandwidth, want->bandwidth);
	assert_string_equal(got.client_version, "3.12");
	/* ours are byte-identical to the 3.12 client's */
	ours = pg_iperf3_params_encode(want, &ol);
	assert_non_null(ours);
	assert_int_equal(ol, n);
	assert_memory_equal(ours, js, n);
	free(ours);
	free_capture(&cap);
}

static void test_params_capture(void **state)
{
	struct pg_iperf3_params p;

	(void)state;
	pg_iperf3_params_init(&p);
	p.time = 0;
	p.num = 20480;
	p.len = 1000;
	check_params_capture("iperf3-tcp-n20k.pcap", &p);

	pg_iperf3_params_init(&p);
	p.udp = 1;
	p.time = 1;
	p.len = 200;
	p.bandwidth = 400000;
	check_params_capture("iperf3-udp-b400k.pcap", &p);

	pg_iperf3_params_init(&p);
	p.time = 1;
	p.mss = 10;
	check_params_capture("iperf3-servererror-mss10.pcap", &p);
}

/* ------------------------------------------------------ capture: results ---- */

static void test_results_capture(void **state)
{
	struct capture cap;
	struct flow *c2s, *s2c;
	struct pg_iperf3_results r;
	const struct pg_iperf3_stream_result *s;
	uint32_t n, pn;
	const char *js;
	char err[256];
	char *enc;
	size_t el;
	struct pg_iperf3_results r2;

	(void)state;
	/* TCP -n 20K: client (sender) and server (receiver) results */
	load_capture("iperf3-tcp-n20k.pcap", &cap);
	c2s = tcp_flow(&cap, 0, 1);
	s2c = tcp_flow(&cap, 0, 0);
	json_at(c2s, PG_IPERF3_COOKIE_LEN, &pn);
	/* client stream: cookie, params, TEST_END, results, IPERF_DONE */
	assert_int_equal(c2s->data[PG_IPERF3_COOKIE_LEN + 4 + pn], PG_IPERF3_TEST_END);
	js = json_at(c2s, PG_IPERF3_COOKIE_LEN + 4 + pn + 1, &n);
	assert_int_equal(pg_iperf3_results_decode(js, n, &r, err, sizeof(err)), 0);
	assert_int_equal(r.sender_has_retransmits, 1);
	assert_string_equal(r.congestion_used, "bbr");
	assert_int_equal(r.nb_streams, 1);
	assert_int_equal(r.streams[0].id, 1);
	assert_int_equal(r.streams[0].bytes, 21000);
	assert_int_equal(r.streams[0].retransmits, 0);
	assert_true(fabs(r.streams[0].end_time - 0.000291) < 1e-9);
	/* and our encoding of it decodes to the same numbers (keys 3.12 needs) */
	enc = pg_iperf3_results_encode(&r, &el);
	assert_non_null(enc);
	assert_int_equal(pg_iperf3_results_decode(enc, el, &r2, err, sizeof(err)), 0);
	assert_int_equal(r2.streams[0].bytes, 21000);
	assert_int_equal(r2.sender_has_retransmits, 1);
	assert_non_null(strstr(enc, "\"streams\":[{\"id\":1,\"bytes\":21000,\"retransmits\":0,\"jitter\":"));
	free(enc);
	assert_int_equal(c2s->data[c2s->len - 1], PG_IPERF3_IPERF_DONE);
	/* server stream: 09 0a 01 02 0d results 0e */
	assert_memory_equal(s2c->data, "\x09\x0a\x01\x02\x0d", 5);
	js = json_at(s2c, 5, &n);
	assert_int_equal(pg_iperf3_results_decode(js, n, &r, err, sizeof(err)), 0);
	assert_int_equal(r.sender_has_retransmits, -1); /* 18446744073709551615 */
	assert_int_equal(r.streams[0].retransmits, -1);
	assert_int_equal(r.streams[0].bytes, 21000);
	assert_int_equal(s2c->data[5 + 4 + n], PG_IPERF3_DISPLAY_RESULTS);
	assert_int_equal(s2c->len, 5 + 4 + n + 1);
	free_capture(&cap);

	/* UDP: 250 datagrams of 200 bytes */
	load_capture("iperf3-udp-b400k.pcap", &cap);
	s2c = tcp_flow(&cap, 0, 0);
	js = json_at(s2c, 5, &n);
	assert_int_equal(pg_iperf3_results_decode(js, n, &r, err, sizeof(err)), 0);
	s = pg_iperf3_results_find(&r, 1);
	assert_non_null(s);
	assert_int_equal(s->bytes, 50000);
	assert_int_equal(s->packets, 250);
	assert_int_equal(s->errors, 0);
	assert_true(fabs(s->jitter - 2.9120257663531932e-06) < 1e-15);
	assert_string_equal(r.congestion_used, "");
	free_capture(&cap);
}

/* --------------------------------------------- capture replay: our server ---- */

static void drain_events(struct pg_iperf3_ctrl *c, enum pg_iperf3_ev_type *evs, unsigned int *nb)
{
	enum pg_iperf3_ev_type ev;

	while (pg_iperf3_ctrl_next_event(c, &ev))
		evs[(*nb)++] = ev;
}

static void server_replay(const char *pcap, int udp)
{
	struct capture cap;
	struct flow *c2s, *s2c, *data;
	struct pg_iperf3_ctrl *s;
	struct pg_iperf3_stream_info si;
	struct pg_iperf3_results r;
	enum pg_iperf3_ev_type evs[32];
	unsigned int nev = 0, i;
	uint8_t out[4096];
	size_t on = 0;
	uint32_t pn, rn, their_n;

	load_capture(pcap, &cap);
	c2s = tcp_flow(&cap, 0, 1);
	data = udp ? c2s : tcp_flow(&cap, 1, 1);
	s2c = tcp_flow(&cap, 0, 0);
	s = pg_iperf3_ctrl_new(PG_IPERF3_SERVER, NULL, NULL);
	assert_non_null(s);
	json_at(c2s, PG_IPERF3_COOKIE_LEN, &pn);
	/* cookie + params, fed in 3-byte pieces */
	for (i = 0; i < PG_IPERF3_COOKIE_LEN + 4 + pn; i += 3) {
		size_t k = PG_IPERF3_COOKIE_LEN + 4 + pn - i;

		assert_int_equal(pg_iperf3_ctrl_input(s, c2s->data + i, k < 3 ? k : 3), 0);
	}
	drain_events(s, evs, &nev);
	assert_int_equal(nev, 1);
	assert_int_equal(evs[0], PG_IPERF3_EV_PARAMS);
	assert_int_equal(pg_iperf3_ctrl_params(s)->udp, udp);
	assert_int_equal(pg_iperf3_ctrl_params(s)->num, udp ? 0 : 20480);
	assert_int_equal(pg_iperf3_ctrl_nb_streams(s), 1);
	assert_int_equal(pg_iperf3_ctrl_classify_conn(s), PG_IPERF3_CONN_DENY);
	assert_int_equal(pg_iperf3_ctrl_accept_params(s), 0);
	/* UDP test: streams come as datagrams, any TCP connection is refused */
	assert_int_equal(pg_iperf3_ctrl_classify_conn(s), udp ? PG_IPERF3_CONN_DENY : PG_IPERF3_CONN_STREAM);
	/* a data connection with another cookie is refused, the captured one accepted */
	{
		uint8_t bad[PG_IPERF3_COOKIE_LEN];

		memcpy(bad, data->data, sizeof(bad));
		bad[0] = bad[0] == 'a' ? 'b' : 'a';
		assert_int_equal(pg_iperf3_ctrl_stream_arrived(s, bad, &si), -EACCES);
		/* a UDP stream on a TCP test, a cookie on a UDP test */
		assert_int_equal(pg_iperf3_ctrl_stream_arrived(s, udp ? data->data : NULL, &si), -EACCES);
	}
	assert_int_equal(pg_iperf3_ctrl_stream_arrived(s, udp ? NULL : data->data, &si), 0);
	assert_int_equal(si.id, 1);
	assert_int_equal(si.sender, 0);
	assert_int_equal(pg_iperf3_ctrl_stream_arrived(s, data->data, &si), -EACCES); /* one too many */
	assert_int_equal(pg_iperf3_ctrl_classify_conn(s), PG_IPERF3_CONN_DENY); /* busy */
	assert_true(pg_iperf3_ctrl_running(s));
	nev = 0;
	drain_events(s, evs, &nev);
	assert_int_equal(nev, 2);
	assert_int_equal(evs[0], PG_IPERF3_EV_TEST_START);
	assert_int_equal(evs[1], PG_IPERF3_EV_TEST_RUNNING);
	/* TEST_END */
	assert_int_equal(pg_iperf3_ctrl_input(s, c2s->data + PG_IPERF3_COOKIE_LEN + 4 + pn, 1), 0);
	assert_false(pg_iperf3_ctrl_running(s));
	nev = 0;
	drain_events(s, evs, &nev);
	assert_int_equal(nev, 2);
	assert_int_equal(evs[0], PG_IPERF3_EV_TEST_END);
	assert_int_equal(evs[1], PG_IPERF3_EV_RESULTS_NEEDED);
	sample_results(&r, 1, 0, udp ? 50000 : 21000);
	assert_int_equal(pg_iperf3_ctrl_submit_results(s, &r), 0);
	/* client results then IPERF_DONE, fed whole */
	json_at(c2s, PG_IPERF3_COOKIE_LEN + 4 + pn + 1, &rn);
	assert_int_equal(pg_iperf3_ctrl_input(s, c2s->data + PG_IPERF3_COOKIE_LEN + 4 + pn + 1,
					      c2s->len - (PG_IPERF3_COOKIE_LEN + 4 + pn + 1)), 0);
	nev = 0;
	drain_events(s, evs, &nev);
	assert_int_equal(nev, 2);
	assert_int_equal(evs[0], PG_IPERF3_EV_PEER_RESULTS);
	assert_int_equal(evs[1], PG_IPERF3_EV_DONE);
	assert_int_equal(pg_iperf3_ctrl_peer_results(s)->streams[0].bytes, udp ? 50000 : 21000);
	assert_int_equal(pg_iperf3_ctrl_eof(s), 0);
	/* what we sent has iperf3's shape: 09 0a 01 02 0d <json> 0e, same as the capture's */
	on = take_output(s, out, sizeof(out));
	assert_memory_equal(out, s2c->data, 5);
	json_at(s2c, 5, &their_n);
	{
		uint32_t ourn = (uint32_t)out[5] << 24 | (uint32_t)out[6] << 16 | (uint32_t)out[7] << 8 | out[8];
		struct pg_iperf3_results back;

		assert_int_equal(on, 5 + 4 + ourn + 1);
		assert_int_equal(out[on - 1], PG_IPERF3_DISPLAY_RESULTS);
		assert_int_equal(pg_iperf3_results_decode((char *)out + 9, ourn, &back, NULL, 0), 0);
		assert_int_equal(back.streams[0].bytes, udp ? 50000 : 21000);
	}
	pg_iperf3_ctrl_free(s);
	free_capture(&cap);
}

static void test_server_replay(void **state)
{
	(void)state;
	server_replay("iperf3-tcp-n20k.pcap", 0);
	server_replay("iperf3-udp-b400k.pcap", 1);
}

/* --------------------------------------------- capture replay: our client ---- */

static void test_client_replay(void **state)
{
	struct capture cap;
	struct flow *c2s, *s2c;
	struct pg_iperf3_params p;
	struct pg_iperf3_ctrl *c;
	struct pg_iperf3_results r;
	enum pg_iperf3_ev_type ev;
	uint8_t out[4096];
	size_t on = 0, i;
	uint32_t pn;
	int create = 0, running = 0, done = 0, peer = 0;
	char cookie[PG_IPERF3_COOKIE_LEN];

	(void)state;
	load_capture("iperf3-tcp-n20k.pcap", &cap);
	c2s = tcp_flow(&cap, 0, 1);
	s2c = tcp_flow(&cap, 0, 0);
	memcpy(cookie, c2s->data, sizeof(cookie));
	pg_iperf3_params_init(&p);
	p.time = 0;
	p.num = 20480;
	p.len = 1000;
	c = cli_new(&p, cookie);
	/* the server's bytes one at a time; we act on events like a dataplane would */
	for (i = 0; i < s2c->len; i++) {
		assert_int_equal(pg_iperf3_ctrl_input(c, s2c->data + i, 1), 0);
		while (pg_iperf3_ctrl_next_event(c, &ev)) {
			switch (ev) {
			case PG_IPERF3_EV_CREATE_STREAMS: create++; break;
			case PG_IPERF3_EV_TEST_START: break;
			case PG_IPERF3_EV_TEST_RUNNING:
				running++;
				assert_int_equal(pg_iperf3_ctrl_test_end(c), 0);
				break;
			case PG_IPERF3_EV_RESULTS_NEEDED:
				sample_results(&r, 1, 1, 21000);
				r.sender_has_retransmits = 1;
				snprintf(r.congestion_used, sizeof(r.congestion_used), "bbr");
				r.streams[0].retransmits = 0;
				assert_int_equal(pg_iperf3_ctrl_submit_results(c, &r), 0);
				break;
			case PG_IPERF3_EV_PEER_RESULTS: peer++; break;
			case PG_IPERF3_EV_DONE: done++; break;
			default: fail_msg("unexpected event %d", ev);
			}
		}
	}
	assert_int_equal(create, 1);
	assert_int_equal(running, 1);
	assert_int_equal(peer, 1);
	assert_int_equal(done, 1);
	assert_int_equal(pg_iperf3_ctrl_peer_results(c)->streams[0].retransmits, -1);
	on = take_output(c, out, sizeof(out));
	/* byte-exact up to and including TEST_END: cookie, length, params, 04 */
	json_at(c2s, PG_IPERF3_COOKIE_LEN, &pn);
	assert_memory_equal(out, c2s->data, PG_IPERF3_COOKIE_LEN + 4 + pn + 1);
	assert_int_equal(out[on - 1], PG_IPERF3_IPERF_DONE);
	assert_int_equal(pg_iperf3_ctrl_eof(c), 0);
	pg_iperf3_ctrl_free(c);
	free_capture(&cap);
}

/* -------------------------------------------------- capture: SERVER_ERROR ---- */

static void test_server_error_capture(void **state)
{
	struct capture cap;
	struct flow *c2s, *s2c;
	struct pg_iperf3_params p;
	struct pg_iperf3_ctrl *c, *s;
	enum pg_iperf3_ev_type ev;
	const struct pg_iperf3_error *e;
	uint8_t out[512];
	size_t on;

	(void)state;
	load_capture("iperf3-servererror-mss10.pcap", &cap);
	c2s = tcp_flow(&cap, 0, 1);
	s2c = tcp_flow(&cap, 0, 0);
	assert_int_equal(s2c->len, 1 + 1 + 8);
	pg_iperf3_params_init(&p);
	p.time = 1;
	p.mss = 10;
	c = cli_new(&p, (const char *)c2s->data);
	assert_int_equal(pg_iperf3_ctrl_input(c, s2c->data, s2c->len), -EPROTO);
	assert_true(pg_iperf3_ctrl_next_event(c, &ev));
	assert_int_equal(ev, PG_IPERF3_EV_ERROR);
	e = pg_iperf3_ctrl_error(c);
	assert_int_equal(e->kind, PG_IPERF3_ERR_SERVER_ERROR);
	assert_int_equal(e->i_errno, 123);
	assert_int_equal(e->sys_errno, 22);
	assert_non_null(strstr(e->msg, "unable to set TCP/SCTP MSS: Invalid argument"));
	assert_true(pg_iperf3_ctrl_finished(c));
	/* our client sent exactly what 3.12 sent */
	on = take_output(c, out, sizeof(out));
	assert_int_equal(on, c2s->len);
	assert_memory_equal(out, c2s->data, on);
	pg_iperf3_ctrl_free(c);

	/* our server produces the same bytes when its setup fails that way */
	s = pg_iperf3_ctrl_new(PG_IPERF3_SERVER, NULL, NULL);
	assert_int_equal(pg_iperf3_ctrl_input(s, c2s->data, c2s->len), 0);
	assert_true(pg_iperf3_ctrl_next_event(s, &ev));
	assert_int_equal(ev, PG_IPERF3_EV_PARAMS);
	assert_int_equal(pg_iperf3_ctrl_params(s)->mss, 10);
	assert_int_equal(pg_iperf3_ctrl_server_error(s, PG_IPERF3_IE_SETMSS, 22), 0);
	on = take_output(s, out, sizeof(out));
	assert_int_equal(on, s2c->len);
	assert_memory_equal(out, s2c->data, on);
	assert_true(pg_iperf3_ctrl_finished(s));
	pg_iperf3_ctrl_free(s);
	free_capture(&cap);
}

/* --------------------------------------------------------- error paths ---- */

static struct pg_iperf3_ctrl *client_at_start(void)
{
	struct pg_iperf3_params p;

	pg_iperf3_params_init(&p);
	return cli_new(&p, test_cookie);
}

static void expect_error(struct pg_iperf3_ctrl *c, enum pg_iperf3_err_kind kind, const char *needle)
{
	enum pg_iperf3_ev_type ev = PG_IPERF3_EV_NONE, last = PG_IPERF3_EV_NONE;

	while (pg_iperf3_ctrl_next_event(c, &ev))
		last = ev;
	assert_int_equal(last, PG_IPERF3_EV_ERROR);
	assert_int_equal(pg_iperf3_ctrl_error(c)->kind, kind);
	if (!strstr(pg_iperf3_ctrl_error(c)->msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", pg_iperf3_ctrl_error(c)->msg, needle);
	assert_true(pg_iperf3_ctrl_finished(c));
}

static void test_error_paths(void **state)
{
	struct pg_iperf3_ctrl *c;
	uint8_t b;

	(void)state;
	/* busy server: 0xff right after connect */
	c = client_at_start();
	b = 0xff;
	assert_int_equal(pg_iperf3_ctrl_input(c, &b, 1), -EPROTO);
	expect_error(c, PG_IPERF3_ERR_ACCESS_DENIED, "the server is busy running a test. try again later");
	/* later input is ignored, still an error */
	assert_int_equal(pg_iperf3_ctrl_input(c, &b, 1), -EPROTO);
	pg_iperf3_ctrl_free(c);

	/* SERVER_ERROR in pieces, errno 0 */
	c = client_at_start();
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)"\x09\xfe\x00\x00", 4), 0);
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)"\x00\x8e\x00\x00\x00", 5), 0);
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)"\x00", 1), -EPROTO);
	expect_error(c, PG_IPERF3_ERR_SERVER_ERROR, "test authorization failed");
	assert_int_equal(pg_iperf3_ctrl_error(c)->i_errno, 142);
	pg_iperf3_ctrl_free(c);

	/* SERVER_ERROR cut short by EOF */
	c = client_at_start();
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)"\x09\xfe\x00", 3), 0);
	assert_int_equal(pg_iperf3_ctrl_eof(c), -ECONNRESET);
	expect_error(c, PG_IPERF3_ERR_SERVER_ERROR, "closed before its error code");
	pg_iperf3_ctrl_free(c);

	/* SERVER_TERMINATE while running: the client still says IPERF_DONE */
	c = client_at_start();
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)"\x09\x0a\x01\x02\x0b", 5), -EPROTO);
	expect_error(c, PG_IPERF3_ERR_SERVER_TERMINATE, "the server has terminated");
	{
		const uint8_t *d;
		size_t n = pg_iperf3_ctrl_output(c, &d);

		assert_int_equal(d[n - 1], PG_IPERF3_IPERF_DONE);
	}
	pg_iperf3_ctrl_free(c);

	/* SERVER_ERROR where the results JSON was expected (3.21 servers do that) */
	c = client_at_start();
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)"\x09\x0a\x01\x02", 4), 0);
	assert_int_equal(pg_iperf3_ctrl_test_end(c), 0);
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)"\x0d\xfe\x00\x00\x00\xa0\x00\x00\x00\x00", 10), -EPROTO);
	expect_error(c, PG_IPERF3_ERR_SERVER_ERROR, "exceeded its duration");
	pg_iperf3_ctrl_free(c);

	/* CLIENT_TERMINATE where the params JSON was expected */
	c = pg_iperf3_ctrl_new(PG_IPERF3_SERVER, NULL, NULL);
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)test_cookie, PG_IPERF3_COOKIE_LEN), 0);
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)"\x0c", 1), -EPROTO);
	expect_error(c, PG_IPERF3_ERR_CLIENT_TERMINATE, "the client has terminated");
	pg_iperf3_ctrl_free(c);

	/* out-of-order and unknown messages */
	c = client_at_start();
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)"\x01", 1), -EPROTO);
	expect_error(c, PG_IPERF3_ERR_PROTOCOL, "unexpected control message 1 (TEST_START)");
	pg_iperf3_ctrl_free(c);
	c = client_at_start();
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)"\x09\x63", 2), -EPROTO);
	expect_error(c, PG_IPERF3_ERR_PROTOCOL, "message 99 (unknown)");
	pg_iperf3_ctrl_free(c);

	/* server closes during the test */
	c = client_at_start();
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)"\x09\x0a", 2), 0);
	assert_int_equal(pg_iperf3_ctrl_eof(c), -ECONNRESET);
	expect_error(c, PG_IPERF3_ERR_PEER_CLOSED, "the server has unexpectedly closed the connection");
	pg_iperf3_ctrl_free(c);

	/* server side: bad control cookie */
	c = pg_iperf3_ctrl_new(PG_IPERF3_SERVER, NULL, NULL);
	{
		uint8_t junk[PG_IPERF3_COOKIE_LEN];

		memset(junk, 'A', sizeof(junk));
		assert_int_equal(pg_iperf3_ctrl_input(c, junk, sizeof(junk)), -EPROTO);
		expect_error(c, PG_IPERF3_ERR_PROTOCOL, "bad cookie");
	}
	pg_iperf3_ctrl_free(c);

	/* server side: truncated length prefix then EOF */
	c = pg_iperf3_ctrl_new(PG_IPERF3_SERVER, NULL, NULL);
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)test_cookie, PG_IPERF3_COOKIE_LEN), 0);
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)"\x00\x00", 2), 0);
	assert_int_equal(pg_iperf3_ctrl_eof(c), -ECONNRESET);
	expect_error(c, PG_IPERF3_ERR_PEER_CLOSED, "the client has unexpectedly closed the connection");
	pg_iperf3_ctrl_free(c);

	/* oversize and zero-length params JSON */
	c = pg_iperf3_ctrl_new(PG_IPERF3_SERVER, NULL, NULL);
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)test_cookie, PG_IPERF3_COOKIE_LEN), 0);
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)"\x00\x10\x00\x01", 4), -EPROTO);
	expect_error(c, PG_IPERF3_ERR_PROTOCOL, "parameters JSON of 1048577 bytes");
	pg_iperf3_ctrl_free(c);
	c = pg_iperf3_ctrl_new(PG_IPERF3_SERVER, NULL, NULL);
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)test_cookie, PG_IPERF3_COOKIE_LEN), 0);
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)"\x00\x00\x00\x00", 4), -EPROTO);
	pg_iperf3_ctrl_free(c);

	/* bad params: the server answers SERVER_ERROR (i_errno 114, EINVAL) */
	c = pg_iperf3_ctrl_new(PG_IPERF3_SERVER, NULL, NULL);
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)test_cookie, PG_IPERF3_COOKIE_LEN), 0);
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)"\x00\x00\x00\x0c{\"tcp\":true}", 16), -EPROTO);
	expect_error(c, PG_IPERF3_ERR_PROTOCOL, "missing \"time\"");
	{
		const uint8_t *d;
		size_t n = pg_iperf3_ctrl_output(c, &d);

		assert_int_equal(n, 1 + 1 + 8);
		assert_memory_equal(d, "\x09\xfe\x00\x00\x00\x72\x00\x00\x00\x16", 10);
	}
	pg_iperf3_ctrl_free(c);

	/* client terminate seen by a server; server busy classification afterwards */
	c = pg_iperf3_ctrl_new(PG_IPERF3_SERVER, NULL, NULL);
	assert_int_equal(pg_iperf3_ctrl_classify_conn(NULL), PG_IPERF3_CONN_CONTROL);
	assert_int_equal(pg_iperf3_ctrl_classify_conn(c), PG_IPERF3_CONN_DENY);
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)test_cookie, PG_IPERF3_COOKIE_LEN), 0);
	{
		static const char pj[] = "\x00\x00\x00\x2d{\"tcp\":true,\"time\":1,\"parallel\":1,\"len\":1000}";
		enum pg_iperf3_ev_type ev;

		assert_int_equal(sizeof(pj) - 1, 4 + 0x2d);
		assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)pj, sizeof(pj) - 1), 0);
		assert_true(pg_iperf3_ctrl_next_event(c, &ev));
		assert_int_equal(ev, PG_IPERF3_EV_PARAMS);
		assert_int_equal(pg_iperf3_ctrl_accept_params(c), 0);
	}
	assert_int_equal(pg_iperf3_ctrl_input(c, (const uint8_t *)"\x0c", 1), -EPROTO);
	expect_error(c, PG_IPERF3_ERR_CLIENT_TERMINATE, "the client has terminated");
	assert_int_equal(pg_iperf3_ctrl_classify_conn(c), PG_IPERF3_CONN_CONTROL);
	pg_iperf3_ctrl_free(c);

	/* API misuse is refused, not crashed on */
	c = client_at_start();
	assert_int_equal(pg_iperf3_ctrl_test_end(c), -EINVAL);
	assert_int_equal(pg_iperf3_ctrl_accept_params(c), -EINVAL);
	assert_int_equal(pg_iperf3_ctrl_terminate(c), 0);
	assert_int_equal(pg_iperf3_ctrl_terminate(c), -EINVAL);
	pg_iperf3_ctrl_free(c);
	assert_null(pg_iperf3_ctrl_new(PG_IPERF3_CLIENT, NULL, test_cookie));
}

/* ---------------------------------------------------- strict JSON decoding ---- */

static int pdec(const char *js, char *err)
{
	struct pg_iperf3_params p;

	return pg_iperf3_params_decode(js, strlen(js), &p, err, 256);
}

static void test_params_strict(void **state)
{
	static const struct {
		const char *js;
		int rc;
		const char *needle;
	} cases[] = {
		{ "{\"tcp\":true,\"time\":1,\"parallel\":1,\"len\":1000}", 0, "" },
		{ "{\"udp\":true,\"time\":1,\"parallel\":2,\"len\":100,\"gso\":1,\"mptcp\":true}", 0, "" },
		{ "{\"tcp\":true,\"time\":1,\"len\":1000}", -EINVAL, "missing \"parallel\"" },
		{ "{\"tcp\":true,\"time\":1,\"parallel\":\"2\",\"len\":1000}", -EINVAL, "\"parallel\" is not a number" },
		{ "{\"tcp\":true,\"time\":1,\"parallel\":0,\"len\":1000}", -EINVAL, "out of range" },
		{ "{\"tcp\":true,\"time\":1,\"parallel\":129,\"len\":1000}", -EINVAL, "out of range" },
		{ "{\"tcp\":true,\"time\":1,\"parallel\":1.5,\"len\":1000}", -EINVAL, "not an integer" },
		{ "{\"tcp\":true,\"udp\":true,\"time\":1,\"parallel\":1,\"len\":1000}", -EINVAL, "both" },
		{ "{\"time\":1,\"parallel\":1,\"len\":1000}", -EINVAL, "neither" },
		{ "{\"sctp\":true,\"time\":1,\"parallel\":1,\"len\":1000}", -EPROTONOSUPPORT, "SCTP" },
		{ "{\"tcp\":true,\"time\":1,\"parallel\":1,\"len\":1000,\"authtoken\":\"x\"}", -EPROTONOSUPPORT, "auth" },
		{ "{\"tcp\":true,\"time\":1,\"parallel\":1,\"len\":2000000}", -EINVAL, "\"len\"" },
		{ "{\"udp\":true,\"time\":1,\"parallel\":1,\"len\":8}", -EINVAL, "UDP \"len\"" },
		{ "{\"udp\":true,\"time\":1,\"parallel\":1,\"len\":14,\"udp_counters_64bit\":1}", -EINVAL, "UDP" },
		{ "{\"tcp\":true,\"time\":1,\"parallel\":1,\"len\":1,\"reverse\":true,\"bidirectional\":true}", -EINVAL, "together" },
		{ "{\"tcp\":true,\"time\":-1,\"parallel\":1,\"len\":1000}", -EINVAL, "\"time\"" },
		{ "{\"tcp\":true,\"time\":1,\"parallel\":1,\"len\":1000,\"TOS\":256}", -EINVAL, "TOS" },
		{ "{\"tcp\":true,\"time\":1,\"parallel\":1,\"len\":1000,\"congestion\":7}", -EINVAL, "not a string" },
		{ "{\"tcp\":true,\"time\":1,\"parallel\":1,\"len\":1000,\"congestion\":\"0123456789012345678901234567890123\"}", -EINVAL, "longer" },
		{ "{\"tcp\":\"yes\",\"time\":1,\"parallel\":1,\"len\":1000}", -EINVAL, "neither a boolean" },
		{ "[1,2]", -EINVAL, "not an object" },
		{ "{\"tcp\":true,", -EINVAL, "bad JSON" },
		{ "{\"tcp\":true,\"tcp\":true,\"time\":1,\"parallel\":1,\"len\":1}", -EINVAL, "bad JSON" },
		{ "{\"tcp\":true,\"time\":1,\"parallel\":1,\"len\":1000,\"num\":18446744073709551615}", -EINVAL, "\"num\"" },
	};
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		err[0] = 0;
		rc = pdec(cases[i].js, err);
		if (rc != cases[i].rc || !strstr(err, cases[i].needle))
			fail_msg("case %zu %s: rc %d err \"%s\"", i, cases[i].js, rc, err);
	}
	/* NULL / empty input */
	assert_int_equal(pg_iperf3_params_decode(NULL, 0, NULL, NULL, 0), -EINVAL);
}

static void test_results_strict(void **state)
{
#define HEAD "{\"cpu_util_total\":1,\"cpu_util_user\":0.5,\"cpu_util_system\":0.5,\"sender_has_retransmits\":"
#define S1 "{\"id\":1,\"bytes\":10,\"retransmits\":-1,\"jitter\":0,\"errors\":0,\"packets\":0}"
	static const struct {
		const char *js;
		int rc;
		const char *needle;
	} cases[] = {
		{ HEAD "0,\"streams\":[" S1 "]}", 0, "" },
		{ HEAD "18446744073709551615,\"streams\":[]}", 0, "" },
		{ HEAD "0}", -EINVAL, "\"streams\"" },
		{ "{\"cpu_util_user\":0,\"cpu_util_system\":0,\"sender_has_retransmits\":0,\"streams\":[]}", -EINVAL, "cpu_util_total" },
		{ HEAD "0,\"streams\":[{\"id\":1,\"retransmits\":-1,\"jitter\":0,\"errors\":0,\"packets\":0}]}", -EINVAL, "missing \"bytes\"" },
		{ HEAD "0,\"streams\":[" S1 "," S1 "]}", -EINVAL, "duplicate id" },
		{ HEAD "0,\"streams\":[{\"id\":1,\"bytes\":-5,\"retransmits\":-1,\"jitter\":0,\"errors\":0,\"packets\":0}]}", -EINVAL, "\"bytes\"" },
		{ HEAD "0,\"streams\":[{\"id\":1,\"bytes\":1,\"retransmits\":-1,\"jitter\":-1,\"errors\":0,\"packets\":0}]}", -EINVAL, "negative" },
		{ HEAD "0,\"streams\":[{\"id\":1,\"bytes\":1,\"retransmits\":-1,\"jitter\":\"x\",\"errors\":0,\"packets\":0}]}", -EINVAL, "jitter" },
		{ HEAD "0,\"streams\":[7]}", -EINVAL, "not an object" },
		{ HEAD "0,\"streams\":{}}", -EINVAL, "not an array" },
		{ HEAD "9223372036854775808,\"streams\":[]}", -EINVAL, "bad JSON" },
		{ HEAD "2,\"streams\":[]}", -EINVAL, "sender_has_retransmits" },
		{ HEAD "0,\"server_output_text\":5,\"streams\":[]}", -EINVAL, "server_output_text" },
	};
	struct pg_iperf3_results r;
	char err[256];
	size_t i;
	char *big;
	size_t off;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc;

		err[0] = 0;
		rc = pg_iperf3_results_decode(cases[i].js, strlen(cases[i].js), &r, err, sizeof(err));
		if (rc != cases[i].rc || !strstr(err, cases[i].needle))
			fail_msg("case %zu %s: rc %d err \"%s\"", i, cases[i].js, rc, err);
		if (!rc)
			pg_iperf3_results_release(&r);
	}
	/* the unsigned -1 inside a string is left alone */
	{
		static const char js[] = HEAD "-1,\"server_output_text\":\"x 18446744073709551615\","
			"\"server_output_json\":{\"a\":[1]},\"streams\":[]}";

		assert_int_equal(pg_iperf3_results_decode(js, strlen(js), &r, err, sizeof(err)), 0);
	}
	assert_int_equal(r.sender_has_retransmits, -1);
	assert_string_equal(r.server_output_text, "x 18446744073709551615");
	assert_string_equal(r.server_output_json, "{\"a\":[1]}");
	/* and it goes back out as an object; a non-object is refused */
	{
		size_t l;
		char *s = pg_iperf3_results_encode(&r, &l);

		assert_non_null(s);
		assert_non_null(strstr(s, "\"server_output_json\":{\"a\":[1]}"));
		assert_null(strstr(s, "server_output_text"));
		free(s);
		free(r.server_output_json);
		r.server_output_json = strdup("[1]");
		assert_null(pg_iperf3_results_encode(&r, &l));
		assert_int_equal(errno, EINVAL);
	}
	pg_iperf3_results_release(&r);
	/* 257 streams is over the cap */
	big = malloc(100000);
	off = (size_t)sprintf(big, HEAD "0,\"streams\":[");
	for (i = 0; i < 257; i++)
		off += (size_t)sprintf(big + off, "%s{\"id\":%zu,\"bytes\":1,\"retransmits\":-1,\"jitter\":0,\"errors\":0,\"packets\":0}",
				       i ? "," : "", i + 1);
	off += (size_t)sprintf(big + off, "]}");
	assert_int_equal(pg_iperf3_results_decode(big, off, &r, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "more than 256"));
	free(big);
#undef HEAD
#undef S1
}

/* ------------------------------------- both state machines wired together ---- */

struct pair_stats {
	int streams_created;
	int client_done, server_done;
	int ids_ok;
	uint64_t server_peer_bytes, client_peer_bytes;
};

static void pump(struct pg_iperf3_ctrl *from, struct pg_iperf3_ctrl *to, size_t chunk)
{
	const uint8_t *d;
	size_t n;

	while ((n = pg_iperf3_ctrl_output(from, &d)) > 0) {
		if (n > chunk)
			n = chunk;
		assert_int_equal(pg_iperf3_ctrl_input(to, d, n), 0);
		pg_iperf3_ctrl_output_done(from, n);
	}
}

static int early_submit;

static void run_pair(const struct pg_iperf3_params *p, size_t chunk, struct pair_stats *st)
{
	struct pg_iperf3_ctrl *c = cli_new(p, test_cookie);
	struct pg_iperf3_ctrl *s = pg_iperf3_ctrl_new(PG_IPERF3_SERVER, NULL, NULL);
	unsigned int nb = pg_iperf3_nb_streams(p), i, rounds = 0;
	enum pg_iperf3_ev_type ev;
	struct pg_iperf3_results r;

	memset(st, 0, sizeof(*st));
	st->ids_ok = 1;
	while (!(pg_iperf3_ctrl_finished(c) && pg_iperf3_ctrl_finished(s))) {
		assert_true(rounds++ < 1000);
		pump(c, s, chunk);
		while (pg_iperf3_ctrl_next_event(s, &ev)) {
			switch (ev) {
			case PG_IPERF3_EV_PARAMS:
				assert_int_equal(pg_iperf3_ctrl_accept_params(s), 0);
				break;
			case PG_IPERF3_EV_RESULTS_NEEDED: {
				unsigned int k;

				sample_results(&r, nb, 0, 1000);
				for (k = 0; k < nb; k++) {
					struct pg_iperf3_stream_info si;

					pg_iperf3_ctrl_stream_info(s, k, &si);
					r.streams[k].bytes = 1000 + (uint64_t)si.id;
				}
				assert_int_equal(pg_iperf3_ctrl_submit_results(s, &r), 0);
				break;
			}
			case PG_IPERF3_EV_PEER_RESULTS:
				st->server_peer_bytes = pg_iperf3_ctrl_peer_results(s)->streams[0].bytes;
				break;
			case PG_IPERF3_EV_DONE: st->server_done++; break;
			case PG_IPERF3_EV_ERROR: fail_msg("server: %s", pg_iperf3_ctrl_error(s)->msg); break;
			default: break;
			}
		}
		pump(s, c, chunk);
		while (pg_iperf3_ctrl_next_event(c, &ev)) {
			switch (ev) {
			case PG_IPERF3_EV_CREATE_STREAMS:
				/* the data connections, in order: each side must agree on id and role */
				for (i = 0; i < nb; i++) {
					struct pg_iperf3_stream_info cs, ss;

					assert_int_equal(pg_iperf3_ctrl_stream_info(c, i, &cs), 0);
					assert_int_equal(pg_iperf3_ctrl_stream_arrived(s, p->udp ? NULL :
						(const uint8_t *)pg_iperf3_ctrl_cookie(c), &ss), 0);
					if (cs.id != ss.id || cs.sender == ss.sender)
						st->ids_ok = 0;
					st->streams_created++;
				}
				assert_int_equal(pg_iperf3_ctrl_stream_info(c, nb, NULL), -EINVAL);
				break;
			case PG_IPERF3_EV_TEST_RUNNING:
				assert_int_equal(pg_iperf3_ctrl_test_end(c), 0);
				if (early_submit) {
					/* results handed in before EXCHANGE_RESULTS: kept until asked */
					sample_results(&r, nb, 1, 5000);
					assert_int_equal(pg_iperf3_ctrl_submit_results(c, &r), 0);
					assert_int_equal(pg_iperf3_ctrl_submit_results(c, &r), -EINVAL);
				}
				break;
			case PG_IPERF3_EV_RESULTS_NEEDED:
				sample_results(&r, nb, 1, 5000);
				assert_int_equal(pg_iperf3_ctrl_submit_results(c, &r), 0);
				break;
			case PG_IPERF3_EV_PEER_RESULTS:
				st->client_peer_bytes = pg_iperf3_ctrl_peer_results(c)->streams[0].bytes;
				break;
			case PG_IPERF3_EV_DONE: st->client_done++; break;
			case PG_IPERF3_EV_ERROR: fail_msg("client: %s", pg_iperf3_ctrl_error(c)->msg); break;
			default: break;
			}
		}
	}
	assert_int_equal(pg_iperf3_ctrl_eof(c), 0);
	assert_int_equal(pg_iperf3_ctrl_eof(s), 0);
	pg_iperf3_ctrl_free(c);
	pg_iperf3_ctrl_free(s);
}

static void test_pair_modes(void **state)
{
	struct pg_iperf3_params p;
	struct pair_stats st;
	unsigned int i;
	static const size_t chunks[] = { 1, 7, 65536 };

	(void)state;
	for (i = 0; i < 3; i++) {
		pg_iperf3_params_init(&p);
		run_pair(&p, chunks[i], &st);
		assert_int_equal(st.streams_created, 1);
		assert_true(st.ids_ok);
		assert_int_equal(st.client_done, 1);
		assert_int_equal(st.server_done, 1);
		assert_int_equal(st.server_peer_bytes, 5000);
		assert_int_equal(st.client_peer_bytes, 1001);

		p.reverse = 1;
		p.parallel = 3;
		run_pair(&p, chunks[i], &st);
		assert_int_equal(st.streams_created, 3);
		assert_true(st.ids_ok);
		assert_int_equal(st.client_done + st.server_done, 2);

		p.reverse = 0;
		p.bidir = 1;
		p.parallel = 2;
		p.udp = 1;
		p.len = 1400;
		run_pair(&p, chunks[i], &st);
		assert_int_equal(st.streams_created, 4);
		assert_true(st.ids_ok);
		assert_int_equal(st.client_done + st.server_done, 2);

		early_submit = 1;
		p.bidir = 0;
		p.parallel = 1;
		run_pair(&p, chunks[i], &st);
		early_submit = 0;
		assert_int_equal(st.client_done + st.server_done, 2);
		assert_int_equal(st.server_peer_bytes, 5000);
	}
	/* --bidir -P 2: client sends on the first two (ids 1, 3), server on ids 4, 5 */
	pg_iperf3_params_init(&p);
	p.bidir = 1;
	p.parallel = 2;
	assert_true(pg_iperf3_stream_is_sender(&p, PG_IPERF3_CLIENT, 1));
	assert_false(pg_iperf3_stream_is_sender(&p, PG_IPERF3_CLIENT, 2));
	assert_false(pg_iperf3_stream_is_sender(&p, PG_IPERF3_SERVER, 0));
	assert_true(pg_iperf3_stream_is_sender(&p, PG_IPERF3_SERVER, 3));
	assert_int_equal(pg_iperf3_stream_id(0), 1);
	assert_int_equal(pg_iperf3_stream_id(1), 3);
	assert_int_equal(pg_iperf3_stream_id(3), 5);
}

/* -------------------------------------------------------------- UDP ---- */

static void test_udp_header(void **state)
{
	uint8_t b[64];
	struct pg_iperf3_udp_hdr h = { 0, 0, 0 };
	char ck[PG_IPERF3_COOKIE_LEN];
	uint8_t rnd[36];
	unsigned int i;

	(void)state;
	pg_iperf3_udp_stamp(b, 0x01020304u, 0x134c, 0x84964, 0);
	assert_memory_equal(b, "\x00\x00\x13\x4c\x00\x08\x49\x64\x01\x02\x03\x04", 12);
	assert_int_equal(pg_iperf3_udp_parse(b, 12, 0, &h), 0);
	assert_int_equal(h.seq, 0x01020304u);
	assert_int_equal(h.sec, 0x134c);
	assert_int_equal(h.usec, 0x84964);
	assert_int_equal(pg_iperf3_udp_parse(b, 11, 0, &h), -EINVAL);
	pg_iperf3_udp_stamp(b, 0x0102030405060708ull, 1, 2, 1);
	assert_memory_equal(b + 8, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	assert_int_equal(pg_iperf3_udp_parse(b, 16, 1, &h), 0);
	assert_int_equal(h.seq, 0x0102030405060708ull);
	assert_int_equal(pg_iperf3_udp_parse(b, 15, 1, &h), -EINVAL);
	assert_int_equal(pg_iperf3_udp_hdr_len(1), 16);
	/* connect datagrams: the ASCII strings */
	assert_memory_equal(pg_iperf3_udp_connect_msg, "9876", 4);
	assert_true(pg_iperf3_udp_is_connect_reply((const uint8_t *)"6789", 4));
	assert_true(pg_iperf3_udp_is_connect_reply((const uint8_t *)"\xb1\x68\xde\x3a", 4));
	assert_false(pg_iperf3_udp_is_connect_reply((const uint8_t *)"9876", 4));
	assert_false(pg_iperf3_udp_is_connect_reply((const uint8_t *)"67890", 5));
	/* cookies */
	for (i = 0; i < 36; i++)
		rnd[i] = (uint8_t)(i * 37 + 11);
	pg_iperf3_cookie_make(ck, rnd);
	assert_true(pg_iperf3_cookie_valid((const uint8_t *)ck));
	assert_int_equal(strlen(ck), 36);
	ck[5] = 'A';
	assert_false(pg_iperf3_cookie_valid((const uint8_t *)ck));
}

static void test_udp_accounting(void **state)
{
	struct pg_iperf3_udp_rx rx;
	struct pg_iperf3_udp_hdr h = { 0, 0, 0 };
	struct pg_iperf3_stream_result r;
	static const uint64_t seqs[] = { 1, 2, 4, 3, 5, 8, 8, 9 };
	/* arrival - sent transit (us) per datagram */
	static const int64_t tr[] = { 100, 150, 120, 300, 100, 100, 90, 100 };
	double j = 0, prev = 0;
	unsigned int i;

	(void)state;
	pg_iperf3_udp_rx_init(&rx);
	for (i = 0; i < 8; i++) {
		double t = (double)tr[i] * 1e-6, d;

		h.seq = seqs[i];
		h.sec = 1000 + i;
		h.usec = 0;
		pg_iperf3_udp_rx_update(&rx, &h, 100, (uint64_t)(1000 + i) * 1000000000u + (uint64_t)tr[i] * 1000u);
		if (i == 0)
			prev = t;
		d = fabs(t - prev);
		prev = t;
		j += (d - j) / 16.0;
	}
	assert_int_equal(rx.packet_count, 9);
	/* gaps: 3 (1), 6-7 (2); out of order: 3 and the second 8 each give one back */
	assert_int_equal(rx.cnt_error, 1);
	assert_int_equal(rx.outoforder, 2);
	assert_int_equal(rx.datagrams, 8);
	assert_true(fabs(rx.jitter - j) < 1e-12);
	pg_iperf3_udp_rx_result(&rx, 3, 1.5, &r);
	assert_int_equal(r.id, 3);
	assert_int_equal(r.packets, 9);
	assert_int_equal(r.errors, 1);
	assert_int_equal(r.retransmits, -1);
	assert_int_equal(r.bytes, 800);
	/* -O end: jitter and bytes restart, the next datagram is "first" again */
	pg_iperf3_udp_rx_omit_end(&rx);
	assert_int_equal(rx.bytes, 0);
	assert_true(rx.jitter == 0);
	h.seq = 10;
	h.sec = 5000;
	pg_iperf3_udp_rx_update(&rx, &h, 100, 5000ull * 1000000000u + 777777);
	assert_true(rx.jitter == 0);
	assert_int_equal(rx.omitted_packet_count, 9);
	/* a sender clock ahead of the receiver: |transit| as iperf3 */
	pg_iperf3_udp_rx_init(&rx);
	h.seq = 1;
	h.sec = 10;
	pg_iperf3_udp_rx_update(&rx, &h, 100, 9ull * 1000000000u);
	assert_int_equal(rx.prev_transit_ns, 1000000000);
}

static void test_udp_capture(void **state)
{
	struct capture cap;
	struct pg_iperf3_udp_rx rx;
	unsigned int i, data = 0;

	(void)state;
	load_capture("iperf3-udp-b400k.pcap", &cap);
	pg_iperf3_udp_rx_init(&rx);
	for (i = 0; i < cap.nb_dg; i++) {
		struct pg_iperf3_udp_hdr h = { 0, 0, 0 };

		if (cap.dg_len[i] == PG_IPERF3_UDP_CONNECT_LEN) {
			assert_memory_equal(cap.dg[i], pg_iperf3_udp_connect_msg, 4);
			continue;
		}
		assert_int_equal(pg_iperf3_udp_parse(cap.dg[i], cap.dg_len[i], 0, &h), 0);
		assert_int_equal(h.seq, ++data);
		assert_true(h.sec == 0x134c || h.sec == 0x134d); /* sender's monotonic clock, not epoch */
		pg_iperf3_udp_rx_update(&rx, &h, cap.dg_len[i], cap.dg_ts[i]);
	}
	/* the real server reported 50000 bytes, 250 packets, 0 errors, jitter 2.9 us */
	assert_int_equal(rx.bytes, 50000);
	assert_int_equal(rx.packet_count, 250);
	assert_int_equal(rx.cnt_error, 0);
	assert_int_equal(rx.outoforder, 0);
	assert_true(rx.jitter > 0 && rx.jitter < 50e-6);
	print_message("jitter from capture timestamps: %.3f us (iperf3 server: 2.912 us)\n", rx.jitter * 1e6);
	/* the server's reply came from port 5201 */
	for (i = 0; i < cap.n; i++)
		if (cap.f[i].proto == 17 && cap.f[i].sport == PG_IPERF3_DEFAULT_PORT)
			break;
	assert_true(i < cap.n);
	free_capture(&cap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params_capture),
		cmocka_unit_test(test_results_capture),
		cmocka_unit_test(test_server_replay),
		cmocka_unit_test(test_client_replay),
		cmocka_unit_test(test_server_error_capture),
		cmocka_unit_test(test_error_paths),
		cmocka_unit_test(test_params_strict),
		cmocka_unit_test(test_results_strict),
		cmocka_unit_test(test_pair_modes),
		cmocka_unit_test(test_udp_header),
		cmocka_unit_test(test_udp_accounting),
		cmocka_unit_test(test_udp_capture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

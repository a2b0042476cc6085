/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the iperf3 protocol code. The first byte picks the target and a chunk
 * size; the rest is the input:
 *   target 0: bytes a client sends, into our server state machine (cookie prepended
 *             when bit 7 is set), driven through params, streams, results like a caller
 *   target 1: bytes a server sends, into our client state machine, driven the same way
 *   target 2: the input as params JSON and as results JSON (decode, re-encode, decode)
 *   target 3: the input as UDP datagrams of 12/16-byte headers into the receive accounting
 * Chunk size = ((byte >> 2) & 31) + 1 bytes per pg_iperf3_ctrl_input() call.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "iperf3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ck[] = "poh7vwuedc3h7xs4mfpvby5xwyhpsdciefol";

static void drive(struct pg_iperf3_ctrl *c, int server)
{
	static struct pg_iperf3_results r; /* large: not on the stack */
	enum pg_iperf3_ev_type ev;
	unsigned int i, n;

	while (pg_iperf3_ctrl_next_event(c, &ev)) {
		switch (ev) {
		case PG_IPERF3_EV_PARAMS:
			(void)pg_iperf3_ctrl_accept_params(c);
			n = pg_iperf3_ctrl_nb_streams(c);
			for (i = 0; i < n + 1; i++) {
				struct pg_iperf3_stream_info si;

				(void)pg_iperf3_ctrl_stream_arrived(c, pg_iperf3_ctrl_params(c)->udp ? NULL :
								    (const uint8_t *)pg_iperf3_ctrl_cookie(c), &si);
			}
			break;
		case PG_IPERF3_EV_TEST_RUNNING:
			if (!server)
				(void)pg_iperf3_ctrl_test_end(c);
			break;
		case PG_IPERF3_EV_RESULTS_NEEDED:
			memset(&r, 0, sizeof(r));
			r.nb_streams = pg_iperf3_ctrl_nb_streams(c);
			for (i = 0; i < r.nb_streams; i++)
				r.streams[i].id = pg_iperf3_stream_id(i);
			(void)pg_iperf3_ctrl_submit_results(c, &r);
			break;
		case PG_IPERF3_EV_PEER_RESULTS:
			(void)pg_iperf3_results_find(pg_iperf3_ctrl_peer_results(c), 1);
			break;
		default:
			break;
		}
	}
}

static void ctrl_target(const uint8_t *d, size_t n, size_t chunk, int server, int cookie)
{
	struct pg_iperf3_ctrl *c;
	struct pg_iperf3_params p;
	const uint8_t *o;
	size_t i;

	pg_iperf3_params_init(&p);
	c = server ? pg_iperf3_ctrl_new(PG_IPERF3_SERVER, NULL, NULL) :
		     pg_iperf3_ctrl_new(PG_IPERF3_CLIENT, &p, ck);
	if (!c)
		return;
	if (server && cookie)
		(void)pg_iperf3_ctrl_input(c, (const uint8_t *)ck, sizeof(ck));
	for (i = 0; i < n; i += chunk) {
		size_t k = n - i < chunk ? n - i : chunk;

		(void)pg_iperf3_ctrl_input(c, d + i, k);
		drive(c, server);
		pg_iperf3_ctrl_output_done(c, pg_iperf3_ctrl_output(c, &o));
	}
	(void)pg_iperf3_ctrl_eof(c);
	drive(c, server);
	(void)pg_iperf3_ctrl_error(c)->msg[0];
	pg_iperf3_ctrl_free(c);
}

static void json_target(const uint8_t *d, size_t n)
{
	static struct pg_iperf3_results r, r2;
	struct pg_iperf3_params p, p2;
	char *s;
	size_t l;

	if (!pg_iperf3_params_decode((const char *)d, n, &p, NULL, 0)) {
		s = pg_iperf3_params_encode(&p, &l);
		if (s) {
			(void)pg_iperf3_params_decode(s, l, &p2, NULL, 0);
			free(s);
		}
	}
	if (!pg_iperf3_results_decode((const char *)d, n, &r, NULL, 0)) {
		s = pg_iperf3_results_encode(&r, &l);
		if (s) {
			if (!pg_iperf3_results_decode(s, l, &r2, NULL, 0))
				pg_iperf3_results_release(&r2);
			free(s);
		}
		pg_iperf3_results_release(&r);
	}
}

static void udp_target(const uint8_t *d, size_t n, int wide)
{
	struct pg_iperf3_udp_rx rx;
	struct pg_iperf3_stream_result res;
	size_t i, hl = pg_iperf3_udp_hdr_len(wide);
	uint64_t t = 0;

	pg_iperf3_udp_rx_init(&rx);
	for (i = 0; i + hl <= n; i += hl) {
		struct pg_iperf3_udp_hdr h;

		if (pg_iperf3_udp_parse(d + i, n - i, wide, &h))
			break;
		t += (uint64_t)d[i] << 20;
		pg_iperf3_udp_rx_update(&rx, &h, (uint32_t)hl, t);
		if (d[i] == 0x4f)
			pg_iperf3_udp_rx_omit_end(&rx);
	}
	pg_iperf3_udp_rx_result(&rx, 1, 1.0, &res);
	(void)pg_iperf3_udp_is_connect_reply(d, n);
	if (n >= PG_IPERF3_COOKIE_LEN)
		(void)pg_iperf3_cookie_valid(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t m;
	size_t chunk;

	if (size < 1)
		return 0;
	m = data[0];
	chunk = (size_t)((m >> 2) & 31) + 1;
	data++;
	size--;
	switch (m & 3) {
	case 0: ctrl_target(data, size, chunk, 1, m & 0x80); break;
	case 1: ctrl_target(data, size, chunk, 0, 0); break;
	case 2: json_target(data, size); break;
	default: udp_target(data, size, m & 0x80); break;
	}
	return 0;
}

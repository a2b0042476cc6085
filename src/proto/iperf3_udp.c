/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3 stream-level helpers that are not on the per-packet path: the cookie that
 * opens the control connection and every TCP data stream, the 4-byte UDP "connect"
 * exchange, and the end-of-omit / result steps of the UDP receive accounting
 * (iperf-wire.md 1.2, 1.6). The per-datagram parts are inline in iperf3.h.
 */
#include <string.h>

#include "iperf3.h"

static const char cookie_alphabet[32] = "abcdefghijklmnopqrstuvwxyz234567";

/* 3.12 writes 0x36373839 / 0x39383736 in host order from x86: the wire bytes are the
 * ASCII strings below; 3.17+ write the same bytes on every host. */
const uint8_t pg_iperf3_udp_connect_msg[PG_IPERF3_UDP_CONNECT_LEN] = { '9', '8', '7', '6' };
const uint8_t pg_iperf3_udp_connect_reply[PG_IPERF3_UDP_CONNECT_LEN] = { '6', '7', '8', '9' };
/* pre-3.0 reply 987654321, little-endian as old x86 servers sent it */
static const uint8_t legacy_reply[PG_IPERF3_UDP_CONNECT_LEN] = { 0xb1, 0x68, 0xde, 0x3a };

void pg_iperf3_cookie_make(char cookie[PG_IPERF3_COOKIE_LEN], const uint8_t rnd[36])
{
	int i;

	for (i = 0; i < PG_IPERF3_COOKIE_LEN - 1; i++)
		cookie[i] = cookie_alphabet[rnd[i] & 31];
	cookie[PG_IPERF3_COOKIE_LEN - 1] = 0;
}

int pg_iperf3_cookie_valid(const uint8_t c[PG_IPERF3_COOKIE_LEN])
{
	int i;

	for (i = 0; i < PG_IPERF3_COOKIE_LEN - 1; i++)
		if (!memchr(cookie_alphabet, c[i], sizeof(cookie_alphabet)))
			return 0;
	return c[PG_IPERF3_COOKIE_LEN - 1] == 0;
}

int pg_iperf3_udp_is_connect_reply(const uint8_t *buf, size_t len)
{
	if (len != PG_IPERF3_UDP_CONNECT_LEN)
		return 0;
	return !memcmp(buf, pg_iperf3_udp_connect_reply, len) || !memcmp(buf, legacy_reply, len);
}

void pg_iperf3_udp_rx_omit_end(struct pg_iperf3_udp_rx *s)
{
	/* iperf_reset_stats(): counts are remembered, jitter restarts, and bytes = 0 makes
	 * the next datagram "first" again for the jitter's previous transit */
	s->omitted_packet_count = s->packet_count;
	s->omitted_cnt_error = s->cnt_error;
	s->omitted_outoforder = s->outoforder;
	s->jitter = 0;
	s->bytes = 0;
}

void pg_iperf3_udp_rx_result(const struct pg_iperf3_udp_rx *s, int32_t id, double duration_s,
			     struct pg_iperf3_stream_result *r)
{
	memset(r, 0, sizeof(*r));
	r->id = id;
	r->bytes = s->bytes;
	r->retransmits = -1;
	r->jitter = s->jitter;
	/* 3.12 send_results() reports the raw counters (not net of -O) */
	r->errors = s->cnt_error;
	r->packets = (int64_t)s->packet_count;
	r->outoforder = (int64_t)s->outoforder;
	r->start_time = 0;
	r->end_time = duration_s;
}

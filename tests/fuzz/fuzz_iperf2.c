/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: an Ethernet frame through the classifier, then its UDP payload through the
 * iperf2 header parser, the sequence accounting and the AckFIN decoder, as the server does;
 * the same bytes as a TCP stream start: client header, CLIENTHDRACK, trip-times burst header. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "frame.h"
#include "iperf2.h"
#include "iperf2_tcp.h"
#include "seqstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pg_seq_stats st;
	struct pg_frame fr;
	struct pg_i2_udp_info info;
	struct pg_i2_report rep;
	const uint8_t *pl = data;
	uint32_t len = (uint32_t)size;

	if (pg_frame_classify(data, size, PG_FRAME_CSUM_IP | PG_FRAME_CSUM_L4, 1, &fr) == PG_FRAME_OK) {
		pl = fr.payload;
		len = fr.payload_len;
	}
	if (pg_i2_udp_parse_hdr(pl, len, &info) == PG_I2_OK && len >= PG_I2_UDP_SEQ_LEN) {
		int64_t seq = pg_i2_udp_seq(pl, info.seq64);

		if (seq < 0 && seq != INT64_MIN)
			seq = -seq;
		if (seq > 0)
			pg_seq_stats_update(&st, seq, (int64_t)pg_i2_udp_txtime_ns(pl), len);
		(void)pg_seq_stats_lost(&st);
	}
	if (!pg_i2_ackfin_decode(pl, len, &rep)) {
		struct pg_i2_ackfin a;

		pg_i2_ackfin_encode(&a, &rep);
	}
	{
		struct pg_i2_tcp_info ti;
		struct pg_i2_tcp_burst b;
		uint32_t vu, vl;

		if (len >= 4 && pg_i2_tcp_hdrlen(pl) > 0)
			(void)pg_i2_tcp_parse_hdr(pl, len, &ti);
		(void)pg_i2_tcp_parse_ack(pl, len, &vu, &vl);
		(void)pg_i2_tcp_parse_burst(pl, len, &b);
	}
	return 0;
}

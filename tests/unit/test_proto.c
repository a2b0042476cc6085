/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for src/proto: checksums, frame classification, iperf2 UDP wire format
 * against a real iperf 2.1.8 capture, server accounting, AckFIN, pcap reader. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <math.h>

#include "pkt.h"
#include "frame.h"
#include "iperf2.h"
#include "seqstats.h"
#include "pcap.h"

#ifndef PCAP_DIR
#define PCAP_DIR "tests/pcap/ref"
#endif

/* ------------------------------------------------------------ checksums ---- */

static void build_frame(uint8_t *f, uint16_t plen)
{
	static const uint8_t a[6] = { 2, 0, 0, 0, 0, 1 }, b[6] = { 2, 0, 0, 0, 0, 2 };

	pg_udp_frame_build(f, a, b, htonl(0xc6120001), htonl(0xc6120002), 40000, 5001, 0, plen);
	pg_i2_pattern_fill(f + PG_UDP_FRAME_HDR_LEN, plen);
}

static void test_checksums(void **state)
{
	uint8_t f[1600];
	struct pg_ipv4_hdr *ip = (struct pg_ipv4_hdr *)(f + 14);
	struct pg_udp_hdr *udp = (struct pg_udp_hdr *)(f + 34);
	uint16_t c0, c1;

	(void)state;
	build_frame(f, 1470);
	/* IPv4 header sums to 0xffff when valid. */
	assert_int_equal(pg_csum_fold(pg_csum_partial(ip, 20, 0)), 0);
	udp->csum = pg_udp_csum(ip, udp);
	assert_true(pg_udp_csum_ok(ip, udp));
	/* Corrupt one payload byte: detected. */
	f[100] ^= 0x55;
	assert_false(pg_udp_csum_ok(ip, udp));
	f[100] ^= 0x55;
	/* Incremental update of a 16-bit field equals a full recomputation. */
	c0 = udp->csum;
	{
		uint16_t old, nw = 0xbeef;

		memcpy(&old, f + 60, 2);
		memcpy(f + 60, &nw, 2);
		c1 = pg_udp_csum(ip, udp);
		/* Ones'-complement sums are byte-order independent: raw memory values work. */
		assert_int_equal(c1, pg_csum_update16(c0, old, nw));
		udp->csum = c1;
		assert_true(pg_udp_csum_ok(ip, udp));
	}
	/* Odd lengths. */
	build_frame(f, 17);
	udp->csum = pg_udp_csum(ip, udp);
	assert_true(pg_udp_csum_ok(ip, udp));
}

/* ------------------------------------------------------- classification ---- */

static void test_classify(void **state)
{
	uint8_t f[1600], v[1604];
	struct pg_frame fr;

	(void)state;
	build_frame(f, 100);
	assert_int_equal(pg_frame_classify(f, 142, PG_FRAME_CSUM_IP | PG_FRAME_CSUM_L4, 1, &fr), PG_FRAME_OK);
	assert_int_equal(fr.proto, PG_IPPROTO_UDP);
	assert_int_equal(fr.sport, 40000);
	assert_int_equal(fr.dport, 5001);
	assert_int_equal(fr.payload_len, 100);
	assert_ptr_equal(fr.payload, f + 42);
	/* Truncated at every length below the full frame. */
	for (size_t n = 0; n < 142; n++) {
		enum pg_frame_verdict v2 = pg_frame_classify(f, n, 0, 1, &fr);

		assert_int_not_equal(v2, PG_FRAME_OK);
	}
	/* A snaplen-truncated capture is accepted without the full payload. */
	assert_int_equal(pg_frame_classify(f, 60, 0, 0, &fr), PG_FRAME_OK);
	assert_int_equal(fr.payload_len, 18);
	assert_int_equal(fr.wire_payload_len, 100);
	/* VLAN tag. */
	memcpy(v, f, 12);
	v[12] = 0x81; v[13] = 0x00; v[14] = 0x00; v[15] = 0x2a;
	memcpy(v + 16, f + 12, 142 - 12);
	assert_int_equal(pg_frame_classify(v, 146, 1, 1, &fr), PG_FRAME_OK);
	assert_int_equal(fr.vlan, 42);
	assert_int_equal(fr.dport, 5001);
	/* Bad IP checksum. */
	f[24] ^= 1;
	assert_int_equal(pg_frame_classify(f, 142, PG_FRAME_CSUM_IP | PG_FRAME_CSUM_L4, 1, &fr), PG_FRAME_BAD_CSUM);
	f[24] ^= 1;
	/* UDP length beyond the IP payload. */
	f[38] = 0xff;
	assert_int_equal(pg_frame_classify(f, 142, 0, 1, &fr), PG_FRAME_MALFORMED);
	/* ARP is not ours. */
	f[12] = 0x08; f[13] = 0x06;
	assert_int_equal(pg_frame_classify(f, 142, 0, 1, &fr), PG_FRAME_NOT_IPV4);
}

/* ------------------------------------------ iperf2 UDP vs a real capture ---- */

struct capture {
	int n;
	uint8_t payload[80][256];
	uint32_t len[80];
	uint64_t ts[80];
	uint16_t sport[80];
};

static void load_capture(const char *name, struct capture *c)
{
	char path[512];
	struct pg_pcap *p;
	struct pg_pcap_pkt pkt;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", PCAP_DIR, name);
	p = pg_pcap_open(path);
	assert_non_null(p);
	memset(c, 0, sizeof(*c));
	while ((rc = pg_pcap_next(p, &pkt)) == 1 && c->n < 80) {
		struct pg_frame fr;

		assert_int_equal(pg_frame_classify(pkt.data, pkt.caplen, PG_FRAME_CSUM_IP, 1, &fr), PG_FRAME_OK);
		assert_true(fr.payload_len <= 256);
		memcpy(c->payload[c->n], fr.payload, fr.payload_len);
		c->len[c->n] = fr.payload_len;
		c->ts[c->n] = pkt.ts_ns;
		c->sport[c->n] = fr.sport;
		c->n++;
	}
	assert_int_equal(rc, 0);
	pg_pcap_close(p);
}

static void test_iperf2_udp_capture(void **state)
{
	struct capture c;
	struct pg_i2_udp_info info;
	struct pg_seq_stats st;
	struct pg_i2_report rep;
	int i;

	(void)state;
	load_capture("iperf2-udp-triptimes.pcap", &c);
	assert_int_equal(c.n, 68);

	/* First datagram's client header, as iperf-wire.md documents it. */
	assert_int_equal(pg_i2_udp_parse_hdr(c.payload[0], c.len[0], &info), PG_I2_OK);
	assert_int_equal(info.flags, 0x680100d8);
	assert_int_equal(info.upper, 0x0010);
	assert_int_equal(info.hdrlen, 108);
	assert_true(info.seq64);
	assert_true(info.trip_times);
	assert_int_equal(info.num_threads, 1);
	assert_int_equal(info.amount, -100);
	assert_int_equal(info.buflen, 200);
	assert_int_equal(info.version_u, 0x00020001);
	assert_int_equal(info.version_l, 0x00080003);
	assert_int_equal(info.rate, 102400);
	assert_true(info.start_ns > 0);

	/* Our client header for the same command line is byte-identical (time fields aside). */
	{
		struct pg_i2_client_params p;
		uint8_t hdr[160];

		memset(&p, 0, sizeof(p));
		p.num_threads = 1;
		p.server_port = 5001;
		p.buflen = 200;
		p.duration_cs = 100;
		p.rate = 102400;
		p.trip_times = 1;
		p.start_ns = info.start_ns;
		assert_int_equal(pg_i2_udp_client_hdr(hdr, &p), 108);
		assert_memory_equal(hdr + 16, c.payload[0] + 16, 160 - 16);
	}

	/* Sequence numbers 1..66, then the FIN at -67; the 128-byte AckFIN comes back. */
	pg_seq_stats_init(&st);
	for (i = 0; i < 67; i++) {
		int64_t seq = pg_i2_udp_seq(c.payload[i], 1);
		int64_t transit = (int64_t)(c.ts[i] - pg_i2_udp_txtime_ns(c.payload[i]));

		if (i < 66) {
			assert_int_equal(seq, i + 1);
			pg_seq_stats_update(&st, seq, transit, c.len[i]);
		} else {
			assert_int_equal(seq, -67);
			pg_seq_stats_update(&st, -seq, transit, c.len[i]);
		}
	}
	assert_int_equal(c.len[67], 128);
	assert_int_equal(pg_i2_ackfin_decode(c.payload[67], c.len[67], &rep), 0);
	assert_int_equal(rep.bytes, 13400);
	assert_int_equal(rep.datagrams, 67);
	assert_int_equal(rep.errors, 0);
	assert_int_equal(rep.outorder, 0);
	assert_true(rep.duration_s > 1.0158 && rep.duration_s < 1.0159);

	/* Our accounting of the same datagrams agrees with what iperf2's server sent. */
	assert_int_equal(st.bytes, rep.bytes);
	assert_int_equal(st.last_id, (int64_t)rep.datagrams);
	assert_int_equal(pg_seq_stats_lost(&st), rep.errors);
	assert_int_equal(st.outorder, rep.outorder);
	assert_true(pg_seq_stats_jitter_s(&st) < 0.001);
	/* The server's duration is FIN arrival - first arrival on its clock (capture: +-100 us). */
	assert_true(llabs((long long)(c.ts[66] - c.ts[0]) / 1000 - 1015862) < 100);

	/* Re-encoding the decoded report reproduces the v1 fields byte for byte. */
	{
		struct pg_i2_ackfin a;

		pg_i2_ackfin_encode(&a, &rep);
		assert_memory_equal((uint8_t *)&a + 16, c.payload[67] + 16, 56 - 16 - 8);
	}
}

static void test_iperf2_parse_bad(void **state)
{
	uint8_t b[200];
	struct pg_i2_udp_info info;
	uint32_t w;

	(void)state;
	memset(b, 0, sizeof(b));
	assert_int_equal(pg_i2_udp_parse_hdr(b, 15, &info), PG_I2_E_SHORT);
	assert_int_equal(pg_i2_udp_parse_hdr(b, 16, &info), PG_I2_OK);
	assert_true(info.legacy);
	/* Length bits announce more than the datagram holds. */
	w = htonl(0x48010098); /* len 76 */
	memcpy(b + 16, &w, 4);
	assert_int_equal(pg_i2_udp_parse_hdr(b, 60, &info), PG_I2_E_HDRLEN);
	assert_int_equal(pg_i2_udp_parse_hdr(b, 76, &info), PG_I2_OK);
	/* Impossible length (2 bytes). */
	w = htonl(0x48010004);
	memcpy(b + 16, &w, 4);
	assert_int_equal(pg_i2_udp_parse_hdr(b, 200, &info), PG_I2_E_HDRLEN);
	/* Small trip-times marker. */
	w = htonl(0x00020000);
	memcpy(b + 16, &w, 4);
	assert_int_equal(pg_i2_udp_parse_hdr(b, 64, &info), PG_I2_OK);
	assert_true(info.small_trip);
	/* Dual test (-d) is flagged unsupported, not misread. */
	w = htonl(0xc8010099);
	memcpy(b + 16, &w, 4);
	assert_int_equal(pg_i2_udp_parse_hdr(b, 200, &info), PG_I2_OK);
	assert_true(info.unsupported);
}

/* ---------------------------------------------------------- seq stats ---- */

static void feed(struct pg_seq_stats *s, const int64_t *ids, int n)
{
	for (int i = 0; i < n; i++)
		pg_seq_stats_update(s, ids[i], 1000, 100);
}

static void test_seqstats(void **state)
{
	struct pg_seq_stats s;
	(void)state;

	{
		static const int64_t ids[] = { 1, 2, 3, 4, 5 };
		pg_seq_stats_init(&s);
		feed(&s, ids, 5);
		assert_int_equal(pg_seq_stats_lost(&s), 0);
		assert_int_equal(s.outorder, 0);
		assert_int_equal(s.last_id, 5);
	}
	{	/* loss burst of 3 */
		static const int64_t ids[] = { 1, 2, 6, 7 };
		pg_seq_stats_init(&s);
		feed(&s, ids, 4);
		assert_int_equal(pg_seq_stats_lost(&s), 3);
		assert_int_equal(s.last_id, 7);
	}
	{	/* reorder: 3 arrives after 4 -> one gap, one out-of-order, no loss */
		static const int64_t ids[] = { 1, 2, 4, 3, 5 };
		pg_seq_stats_init(&s);
		feed(&s, ids, 5);
		assert_int_equal(s.gaps, 1);
		assert_int_equal(s.outorder, 1);
		assert_int_equal(pg_seq_stats_lost(&s), 0);
		assert_int_equal(s.dups, 0);
	}
	{	/* duplicates: counted as out-of-order like iperf2, and exactly as dups */
		static const int64_t ids[] = { 1, 2, 2, 3, 3, 3, 4 };
		pg_seq_stats_init(&s);
		feed(&s, ids, 7);
		assert_int_equal(s.dups, 3);
		assert_int_equal(s.outorder, 3);
		assert_int_equal(pg_seq_stats_lost(&s), 0);
	}
	{	/* a late packet after a gap is not a duplicate; a second copy is */
		static const int64_t ids[] = { 1, 5, 3, 3 };
		pg_seq_stats_init(&s);
		feed(&s, ids, 4);
		assert_int_equal(s.gaps, 3);
		assert_int_equal(s.outorder, 2);
		assert_int_equal(s.dups, 1);
		assert_int_equal(pg_seq_stats_lost(&s), 1);
	}
	{	/* sequence across 2^32 (64-bit) */
		int64_t base = (1ll << 32) - 2;
		int64_t ids[4] = { base, base + 1, base + 2, base + 3 };
		pg_seq_stats_init(&s);
		s.last_id = base - 1;
		feed(&s, ids, 4);
		assert_int_equal(pg_seq_stats_lost(&s), 0);
		assert_int_equal(s.last_id, base + 3);
	}
	{	/* jitter: iperf2's J += (|D| - J)/16 with the first transit against 0 */
		double j = 0, prev = 0;
		int64_t tr[] = { 5000, 7000, 4000, 9000, 9000 };

		pg_seq_stats_init(&s);
		for (int i = 0; i < 5; i++) {
			double d = (double)tr[i] - prev;
			prev = (double)tr[i];
			j += ((d < 0 ? -d : d) - j) / 16.0;
			pg_seq_stats_update(&s, i + 1, tr[i], 10);
		}
		assert_true(fabs(pg_seq_stats_jitter_s(&s) * 1e9 - j) < 2.0);
	}
}

/* ---------------------------------------------------------------- pcap ---- */

static void test_pcapng(void **state)
{
	/* SHB + IDB (tsresol 10^-9) + one EPB with a 4-byte packet, little-endian. */
	static const uint8_t ng[] = {
		0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0,
		1, 0, 0, 0, 32, 0, 0, 0, 1, 0, 0, 0, 0, 0, 4, 0, 9, 0, 1, 0, 9, 0, 0, 0,
		0, 0, 0, 0, 32, 0, 0, 0,
		6, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xe8, 3, 0, 0, 4, 0, 0, 0,
		4, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 36, 0, 0, 0,
	};
	FILE *f = fmemopen((void *)(uintptr_t)ng, sizeof(ng), "rb");
	struct pg_pcap *p;
	struct pg_pcap_pkt pkt;

	(void)state;
	assert_non_null(f);
	p = pg_pcap_open_stream(f);
	assert_non_null(p);
	assert_int_equal(pg_pcap_next(p, &pkt), 1);
	assert_int_equal(pkt.caplen, 4);
	assert_int_equal(pkt.ts_ns, 1000);
	assert_int_equal(pkt.data[0], 0xde);
	assert_int_equal(pg_pcap_next(p, &pkt), 0);
	pg_pcap_close(p);
	fclose(f);

	/* Garbage is refused cleanly. */
	f = fmemopen((void *)"not a capture at all....", 24, "rb");
	assert_null(pg_pcap_open_stream(f));
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checksums),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_iperf2_udp_capture),
		cmocka_unit_test(test_iperf2_parse_bad),
		cmocka_unit_test(test_seqstats),
		cmocka_unit_test(test_pcapng),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

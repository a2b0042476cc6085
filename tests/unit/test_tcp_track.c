/* SPDX-License-Identifier: BSD-3-Clause */
/* Passive TCP stream tracking (perfgen analyze): unique bytes, retransmissions, holes, wrap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tcp_track.h"

static uint8_t pat[4096];

static void in_order_from_syn(void **state)
{
	struct pg_tcp_track t;
	uint32_t isn = 1000, seq = isn + 1;
	int i;

	(void)state;
	pg_tcp_track_init(&t, isn, PG_TCP_F_SYN);
	assert_int_equal(pg_tcp_track_seg(&t, isn, PG_TCP_F_SYN, NULL, 0, 0), 0);
	for (i = 0; i < 10; i++, seq += 100)
		assert_int_equal(pg_tcp_track_seg(&t, seq, 0, pat + i * 100, 100, 100), 100);
	pg_tcp_track_seg(&t, seq, PG_TCP_F_FIN, NULL, 0, 0);
	assert_int_equal(t.bytes, 1000);
	assert_int_equal(t.retrans_segs, 0);
	assert_true(t.fin);
	assert_int_equal(t.fin_off, 1000);
	assert_int_equal(t.head_len, PG_TCP_TRACK_HEAD);
	assert_memory_equal(t.head, pat, PG_TCP_TRACK_HEAD);
}

static void retransmission_and_hole(void **state)
{
	struct pg_tcp_track t;

	(void)state;
	pg_tcp_track_init(&t, 0, PG_TCP_F_SYN);
	assert_int_equal(pg_tcp_track_seg(&t, 1, 0, pat, 100, 100), 100);     /* [0,100) */
	assert_int_equal(pg_tcp_track_seg(&t, 201, 0, pat, 100, 100), 100);   /* [200,300): hole */
	assert_int_equal(t.nb_holes, 1);
	assert_int_equal(t.head_len, 100); /* the head stays contiguous from offset 0 */
	assert_int_equal(pg_tcp_track_seg(&t, 1, 0, pat, 100, 100), 0);       /* a retransmission */
	assert_int_equal(t.retrans_segs, 1);
	assert_int_equal(pg_tcp_track_seg(&t, 131, 0, pat, 40, 40), 40);      /* [130,170) splits it */
	assert_int_equal(t.nb_holes, 2);
	assert_int_equal(pg_tcp_track_seg(&t, 101, 0, pat, 200, 200), 60);    /* the rest, + 140 again */
	assert_int_equal(t.nb_holes, 0);
	assert_int_equal(t.bytes, 300);
	assert_int_equal(t.ooo_segs, 2);
	assert_int_equal(t.retrans_segs, 2);
	assert_int_equal(t.retrans_bytes, 100 + 140);
	assert_int_equal(t.head_len, 300); /* the rest came with the repair */
}

static void sequence_wrap(void **state)
{
	struct pg_tcp_track t;
	uint32_t seq = 0xffffff00u;
	uint64_t total = 0;
	int i;

	(void)state;
	pg_tcp_track_init(&t, seq - 1, PG_TCP_F_SYN);
	for (i = 0; i < 5000; i++, seq += 1448) /* ~7.2 MB across the 2^32 wrap */
		total += pg_tcp_track_seg(&t, seq, 0, NULL, 0, 1448);
	assert_int_equal(total, 5000ull * 1448);
	assert_int_equal(t.hi, 5000ull * 1448);
	assert_int_equal(t.retrans_segs, 0);
	/* a retransmission of a segment from before the wrap */
	assert_int_equal(pg_tcp_track_seg(&t, 0xffffff00u, 0, NULL, 0, 1448), 0);
	assert_int_equal(t.retrans_segs, 1);
}

static void mid_stream_and_stray(void **state)
{
	struct pg_tcp_track t;

	(void)state;
	pg_tcp_track_init(&t, 5000, 0); /* capture began mid-connection */
	assert_int_equal(pg_tcp_track_seg(&t, 5000, 0, pat, 10, 1000), 1000); /* snaplen 10 */
	assert_int_equal(t.head_len, 10);
	assert_int_equal(pg_tcp_track_seg(&t, 4999, 0, NULL, 0, 1), 0);       /* keepalive probe */
	assert_int_equal(t.bytes, 1000);
	pg_tcp_track_seg(&t, 6000, PG_TCP_F_RST, NULL, 0, 0);
	assert_true(t.rst);
}

static void many_holes(void **state)
{
	struct pg_tcp_track t;
	uint32_t i;

	(void)state;
	pg_tcp_track_init(&t, 0, PG_TCP_F_SYN);
	/* every other segment missing: more holes than the list keeps */
	for (i = 0; i < 2 * (PG_TCP_TRACK_HOLES + 4); i += 2)
		pg_tcp_track_seg(&t, 1 + i * 100, 0, NULL, 0, 100);
	assert_int_equal(t.nb_holes, PG_TCP_TRACK_HOLES);
	assert_true(t.holes_lost > 0);
	/* repairs: forgotten holes count as retransmissions, the kept ones as data */
	for (i = 1; i < 2 * (PG_TCP_TRACK_HOLES + 4); i += 2)
		pg_tcp_track_seg(&t, 1 + i * 100, 0, NULL, 0, 100);
	assert_int_equal(t.bytes + 100ull * t.holes_lost, 2ull * (PG_TCP_TRACK_HOLES + 4) * 100);
	assert_int_equal(t.nb_holes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_order_from_syn),
		cmocka_unit_test(retransmission_and_hole),
		cmocka_unit_test(sequence_wrap),
		cmocka_unit_test(mid_stream_and_stray),
		cmocka_unit_test(many_holes),
	};
	size_t i;

	for (i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + 3);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

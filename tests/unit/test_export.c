/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exports: iperf 2.1.8's histogram lines against lines a real `iperf -s -u -e --histograms`
 * printed and against brute-force binning of the raw values; the HdrHistogram V2 encoding
 * decoded back here (base64, zlib, ZigZag LEB128) into the same counts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include <cmocka.h>

#include "export.h"
#include "hist.h"

static struct pg_hist *new_hist(void)
{
	struct pg_hist *h = pg_hist_create(1, 100000000000ull, 3);
	assert_non_null(h);
	return h;
}

/* bins "i:n" (1-based, w = 10 us): n values in the middle of bin i */
static void fill_bins(struct pg_hist *h, const unsigned int (*b)[2], size_t nb)
{
	for (size_t i = 0; i < nb; i++)
		for (unsigned int k = 0; k < b[i][1]; k++)
			pg_hist_record(h, (uint64_t)(b[i][0] - 1) * 10000 + 5000);
}

/* Lines printed by iperf 2.1.8 (tests: three intervals of one run, --histograms=10u,1000) */
static void test_iperf2_reference_lines(void **state)
{
	(void)state;
	static const struct {
		unsigned int b[8][2];
		size_t n;
		const char *want;
	} cases[] = {
		{ { { 1, 25 }, { 2, 62 }, { 3, 1 }, { 4, 1 }, { 5, 1 }, { 9, 1 } }, 6,
		  "bin(w=10us):cnt(91)=1:25,2:62,3:1,4:1,5:1,9:1 (5.00/95.00/99.7%=1/2/9,Outliers=1,obl/obu=0/0)" },
		{ { { 1, 74 }, { 2, 14 }, { 3, 1 } }, 3,
		  "bin(w=10us):cnt(89)=1:74,2:14,3:1 (5.00/95.00/99.7%=1/2/3,Outliers=0,obl/obu=0/0)" },
		{ { { 1, 101 }, { 2, 76 }, { 3, 2 }, { 4, 1 }, { 5, 1 }, { 9, 1 } }, 6,
		  "bin(w=10us):cnt(182)=1:101,2:76,3:2,4:1,5:1,9:1 (5.00/95.00/99.7%=1/2/9,Outliers=1,obl/obu=0/0)" },
	};
	char buf[4096];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pg_hist *h = new_hist();
		fill_bins(h, cases[i].b, cases[i].n);
		pg_iperf2_hist_format(buf, sizeof(buf), h, 10000, 1000, 0);
		assert_string_equal(buf, cases[i].want);
		pg_hist_free(h);
	}
}

/* iperf2's rules applied to the raw values, written out independently */
static void brute(char *buf, size_t len, const uint64_t *v, size_t n, uint64_t w, uint32_t bins)
{
	uint64_t *cnt = calloc(bins, sizeof(*cnt)), obu = 0, run = 0, outl = 0;
	uint32_t lo = 0, hi = 0, h3 = 0, f10 = 0, f90 = 0, fence = 0;
	int first = 1;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i] / w >= bins)
			obu++;
		else
			cnt[v[i] / w]++;
	}
	o += (size_t)snprintf(buf + o, len - o, "bin(w=%lluus):cnt(%zu)=", (unsigned long long)(w / 1000), n);
	for (uint32_t b = 0; b < bins; b++) {
		if (!cnt[b])
			continue;
		run += cnt[b];
		float s = (float)run / (float)n;
		if (!lo && s > 0.05)
			lo = b + 1;
		if (s < 0.1)
			f10 = b + 1;
		if (s < 0.9)
			f90 = b + 1;
		else if (!fence)
			fence = f90 + 3 * (f90 - f10);
		else if (b > fence)
			outl += cnt[b];
		if (!hi && s > 0.95)
			hi = b + 1;
		if (!h3 && s > 0.997)
			h3 = b + 1;
		o += (size_t)snprintf(buf + o, len - o, "%s%u:%llu", first ? "" : ",", b + 1,
				      (unsigned long long)cnt[b]);
		first = 0;
	}
	snprintf(buf + o, len - o, " (5.00/95.00/99.7%%=%u/%u/%u,Outliers=%llu,obl/obu=0/%llu)",
		 lo ? lo : bins, hi ? hi : bins, h3 ? h3 : bins, (unsigned long long)outl,
		 (unsigned long long)obu);
	free(cnt);
}

static void test_iperf2_vs_brute(void **state)
{
	(void)state;
	static char a[1 << 20], b[1 << 20];
	srand(42);
	for (int round = 0; round < 50; round++) {
		size_t n = 1 + (size_t)(rand() % 5000);
		uint64_t *v = malloc(n * sizeof(*v));
		struct pg_hist *h = new_hist();
		uint64_t w = (uint64_t)(1 + rand() % 50) * 1000;
		uint32_t bins = (uint32_t)(10 + rand() % 2000);

		for (size_t i = 0; i < n; i++) {
			/* values HdrHistogram holds exactly (lowest equivalent == value), skewed like latency */
			uint64_t m = (uint64_t)(rand() % 2048);
			int sh = rand() % 4 == 0 ? rand() % 12 : 5 + rand() % 3;
			v[i] = m << sh;
			pg_hist_record(h, v[i]);
		}
		pg_iperf2_hist_format(a, sizeof(a), h, w, bins, 0);
		brute(b, sizeof(b), v, n, w, bins);
		assert_string_equal(a, b);
		pg_hist_free(h);
		free(v);
	}
}

static size_t unb64(const char *s, uint8_t *out)
{
	size_t n = 0;
	uint32_t acc = 0;
	int bits = 0;

	for (; *s && *s != '='; s++) {
		const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *p = strchr(tab, *s);
		assert_non_null(p);
		acc = acc << 6 | (uint32_t)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return n;
}

static uint64_t rd(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void test_hdrlog_roundtrip(void **state)
{
	(void)state;
	srand(7);
	for (int round = 0; round < 20; round++) {
		struct pg_hist *h = new_hist();
		size_t n = (size_t)(rand() % 20000), len;
		for (size_t i = 0; i < n; i++)
			pg_hist_record(h, (uint64_t)(rand() % 1000000) * (uint64_t)(1 + rand() % 50));
		if (round == 0)
			pg_hist_record(h, 3ull << 40); /* a huge count index */
		char *enc = pg_hdrlog_encode(h);
		assert_non_null(enc);
		assert_memory_equal(enc, "HISTF", 5);
		uint8_t *bin = malloc(strlen(enc));
		size_t bl = unb64(enc, bin);
		assert_int_equal(rd(bin, 4), 0x1c849314);
		assert_int_equal(rd(bin + 4, 4), bl - 8);
		uLongf rl = 1 << 24;
		uint8_t *raw = malloc(rl);
		assert_int_equal(uncompress(raw, &rl, bin + 8, bl - 8), Z_OK);
		assert_int_equal(rd(raw, 4) & ~0xf0u, 0x1c849303);
		assert_int_equal(rd(raw + 4, 4), rl - 40);
		assert_int_equal(rd(raw + 12, 4), 3);
		assert_int_equal(rd(raw + 16, 8), 1);
		assert_int_equal(rd(raw + 24, 8), 100000000000ull);
		const uint64_t *counts = pg_hist_counts(h, &len);
		size_t idx = 0, p = 40;
		while (p < rl) {
			uint64_t z = 0;
			int shift = 0;
			for (;;) {
				uint8_t c = raw[p++];
				if (shift == 56) {
					z |= (uint64_t)c << 56;
					break;
				}
				z |= (uint64_t)(c & 0x7f) << shift;
				shift += 7;
				if (!(c & 0x80))
					break;
			}
			int64_t v = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
			if (v < 0) {
				for (int64_t k = 0; k < -v; k++)
					assert_int_equal(counts[idx++], 0);
			} else {
				assert_int_equal(counts[idx++], (uint64_t)v);
			}
		}
		for (; idx < len; idx++)
			assert_int_equal(counts[idx], 0);
		free(raw);
		free(bin);
		free(enc);
		pg_hist_free(h);
	}
}

static void test_hist_spec(void **state)
{
	(void)state;
	uint64_t w;
	uint32_t n;
	int ms;
	char err[256];
	assert_int_equal(pg_export_parse_hist_spec("", &w, &n, &ms, err, sizeof(err)), 0);
	assert_true(w == 100000 && n == 10000 && !ms);
	assert_int_equal(pg_export_parse_hist_spec("2m,50", &w, &n, &ms, err, sizeof(err)), 0);
	assert_true(w == 2000000 && n == 50 && ms);
	assert_int_equal(pg_export_parse_hist_spec("10u,1000", &w, &n, &ms, err, sizeof(err)), 0);
	assert_true(w == 10000 && n == 1000);
	const char *bad[] = { "x", "10q", "10u,", "10u,-1", "0", "1.5u", "10u,0", "10u,5x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pg_export_parse_hist_spec(bad[i], &w, &n, &ms, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iperf2_reference_lines),
		cmocka_unit_test(test_iperf2_vs_brute),
		cmocka_unit_test(test_hdrlog_roundtrip),
		cmocka_unit_test(test_hist_spec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf 2.1.8's --histograms line body, from perfgen's HdrHistogram counts. iperf2's rules
 * (observed against its output and its histogram.c): a value v falls in linear bin
 * floor(v / w), printed 1-based as "bin:count"; bins past the last are counted as obu; the
 * figures in brackets are the first bins whose running share exceeds 5%, 95% and 99.7%
 * (compared in single precision, as iperf2 does), and outliers are the samples in bins
 * beyond the 90% fence plus three times the 10%-90% fence distance.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "export.h"
#include "hist.h"

struct bins_acc {
	uint64_t *cnt;
	uint32_t bins;
	uint64_t w;
	uint64_t obu;
};

static void put_bucket(uint64_t lo, uint64_t hi, uint64_t count, void *arg)
{
	struct bins_acc *a = arg;
	uint64_t b = lo / a->w;

	(void)hi;
	if (b >= a->bins)
		a->obu += count;
	else
		a->cnt[b] += count;
}

int pg_iperf2_hist_format(char *buf, size_t len, const struct pg_hist *h, uint64_t binwidth_ns,
			  uint32_t bins, int unit_ms)
{
	struct bins_acc a = { .bins = bins, .w = binwidth_ns ? binwidth_ns : 1 };
	uint64_t pop = pg_hist_count(h), running = 0, outliers = 0;
	uint32_t lowerci = 0, upperci = 0, upper3 = 0, fence_lo = 0, fence_hi = 0, outside = 0, ix;
	size_t n = 0;
	int k;

#define PUT(...)                                                              \
	do {                                                                  \
		k = snprintf(buf + n, n < len ? len - n : 0, __VA_ARGS__);   \
		n += k > 0 ? (size_t)k : 0;                                   \
	} while (0)

	a.cnt = calloc(bins ? bins : 1, sizeof(*a.cnt));
	if (!a.cnt || !pop) {
		free(a.cnt);
		return snprintf(buf, len, "bin(w=%llu%s):cnt(0)=", (unsigned long long)(binwidth_ns / (unit_ms ? 1000000u : 1000u)),
				unit_ms ? "ms" : "us");
	}
	pg_hist_foreach(h, put_bucket, &a);
	PUT("bin(w=%llu%s):cnt(%llu)=", (unsigned long long)(binwidth_ns / (unit_ms ? 1000000u : 1000u)),
	    unit_ms ? "ms" : "us", (unsigned long long)pop);
	for (ix = 0; ix < bins; ix++) {
		uint64_t d = a.cnt[ix];
		float share;

		if (!d)
			continue;
		running += d;
		share = (float)running / (float)pop;
		if (!lowerci && share > 0.05)
			lowerci = ix + 1;
		if (share < 0.1)
			fence_lo = ix + 1;
		if (share < 0.9)
			fence_hi = ix + 1;
		else if (!outside)
			outside = fence_hi + 3 * (fence_hi - fence_lo);
		else if (ix > outside)
			outliers += d;
		if (!upperci && share > 0.95)
			upperci = ix + 1;
		if (!upper3 && share > 0.997)
			upper3 = ix + 1;
		PUT("%s%u:%llu", running == d ? "" : ",", ix + 1, (unsigned long long)d);
	}
	if (!upperci)
		upperci = bins;
	if (!upper3)
		upper3 = bins;
	PUT(" (5.00/95.00/99.7%%=%u/%u/%u,Outliers=%llu,obl/obu=0/%llu)", lowerci, upperci, upper3,
	    (unsigned long long)outliers, (unsigned long long)a.obu);
#undef PUT
	free(a.cnt);
	return (int)n;
}

int pg_export_parse_hist_spec(const char *spec, uint64_t *binwidth_ns, uint32_t *bins,
			      int *unit_ms, char *err, size_t errlen)
{
	char *end;
	double w = 100;
	unsigned long long n = 10000;

	*unit_ms = 0;
	if (spec && *spec) {
		errno = 0;
		w = strtod(spec, &end);
		if (end == spec || errno || !(w > 0) || w > 1e6)
			goto bad;
		if (*end == 'u' || *end == 'U') {
			end++;
		} else if (*end == 'm' || *end == 'M') {
			*unit_ms = 1;
			end++;
		}
		if (*end == ',') {
			const char *b = end + 1;

			n = strtoull(b, &end, 10);
			if (end == b || *b == '-' || n == 0 || n > 1000000)
				goto bad;
		}
		if (*end)
			goto bad;
		if (w != (double)(uint64_t)w)
			goto bad; /* iperf2 prints the width as an integer */
	}
	*binwidth_ns = (uint64_t)w * (*unit_ms ? 1000000u : 1000u);
	*bins = (uint32_t)n;
	return 0;
bad:
	snprintf(err, errlen, "--histograms=%s: expected BINWIDTH[u|m][,BINS], e.g. 100u,10000 or 1m,1000", spec);
	return -EINVAL;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HdrHistogram's V2 compressed histogram encoding (what an interval log line carries):
 *   compressed: cookie 0x1c849314 (V2 compression, word size 1), int32 length, zlib data
 *   inflated:   cookie 0x1c849313 (V2 encoding), int32 payload length, int32 normalizing
 *               index offset (0), int32 significant digits, int64 lowest discernible value,
 *               int64 highest trackable value, double integer-to-double ratio (1.0), then
 *               the counts up to the last non-zero one as ZigZag LEB128 varints, a run of
 *               N empty counts written as -N.
 * All big-endian. pg_hist's counts array has HdrHistogram's index layout, so it is written
 * as it is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "export.h"
#include "hist.h"

#define V2_ENCODING_COOKIE 0x1c849313u
#define V2_COMPRESSION_COOKIE 0x1c849314u
#define V2_HEADER 40

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void be64(uint8_t *p, uint64_t v)
{
	be32(p, (uint32_t)(v >> 32));
	be32(p + 4, (uint32_t)v);
}

/* HdrHistogram's LEB128 variant: 7 bits per byte for 8 bytes, the 9th carries 8 bits. */
static size_t zigzag_put(uint8_t *p, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	size_t n = 0;

	while (n < 8) {
		if (z < 0x80) {
			p[n++] = (uint8_t)z;
			return n;
		}
		p[n++] = (uint8_t)((z & 0x7f) | 0x80);
		z >>= 7;
	}
	p[n++] = (uint8_t)z;
	return n;
}

static char *base64(const uint8_t *in, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		*o++ = tab[w >> 18];
		*o++ = tab[(w >> 12) & 63];
		*o++ = tab[(w >> 6) & 63];
		*o++ = tab[w & 63];
	}
	if (i < n) {
		uint32_t w = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);

		*o++ = tab[w >> 18];
		*o++ = tab[(w >> 12) & 63];
		*o++ = i + 1 < n ? tab[(w >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = 0;
	return out;
}

char *pg_hdrlog_encode(const struct pg_hist *h)
{
	size_t n, limit, i, len = V2_HEADER;
	const uint64_t *counts = pg_hist_counts(h, &n);
	uint8_t *raw, *cmp = NULL;
	uLongf clen;
	double ratio = 1.0;
	uint64_t rbits;
	char *b64 = NULL;

	limit = n;
	while (limit > 0 && counts[limit - 1] == 0)
		limit--;
	raw = malloc(V2_HEADER + limit * 9 + 9);
	if (!raw)
		return NULL;
	for (i = 0; i < limit;) {
		if (counts[i] == 0) {
			int64_t zeros = 0;

			while (i < limit && counts[i] == 0) {
				zeros++;
				i++;
			}
			len += zigzag_put(raw + len, -zeros);
		} else {
			len += zigzag_put(raw + len, (int64_t)counts[i++]);
		}
	}
	memcpy(&rbits, &ratio, sizeof(rbits));
	be32(raw, V2_ENCODING_COOKIE);
	be32(raw + 4, (uint32_t)(len - V2_HEADER));
	be32(raw + 8, 0);
	be32(raw + 12, (uint32_t)pg_hist_sig_figs(h));
	be64(raw + 16, pg_hist_lowest_discernible(h));
	be64(raw + 24, pg_hist_highest_trackable(h));
	be64(raw + 32, rbits);

	clen = compressBound((uLong)len);
	cmp = malloc(8 + clen);
	if (!cmp)
		goto out;
	if (compress(cmp + 8, &clen, raw, (uLong)len) != Z_OK) {
		errno = EIO;
		goto out;
	}
	be32(cmp, V2_COMPRESSION_COOKIE);
	be32(cmp + 4, (uint32_t)clen);
	b64 = base64(cmp, 8 + clen);
out:
	free(raw);
	free(cmp);
	return b64;
}

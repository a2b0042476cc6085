/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: --histograms' "W[u|m][,N]" parser, then the iperf2 histogram line and the
 * HdrHistogram encoding of values taken from the rest of the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "hist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pg_hist *h;
	static char line[1 << 16];
	char spec[64], err[256];
	size_t n = 0;
	uint64_t w;
	uint32_t bins;
	int ms;

	if (!h && !(h = pg_hist_create(1, 100000000000ull, 3)))
		return 0;
	while (n < size && n < sizeof(spec) - 1 && data[n] != '\n') {
		spec[n] = (char)data[n];
		n++;
	}
	spec[n] = 0;
	if (pg_export_parse_hist_spec(spec, &w, &bins, &ms, err, sizeof(err)))
		return 0;
	if (bins > 100000)
		bins = 100000; /* keep a run fast; the parser allows 1e6 */
	pg_hist_reset(h);
	for (size_t i = n + 1; i + 8 <= size; i += 8) {
		uint64_t v;

		memcpy(&v, data + i, 8);
		pg_hist_record(h, v >> (v & 63));
	}
	pg_iperf2_hist_format(line, sizeof(line), h, w, bins, ms);
	free(pg_hdrlog_encode(h));
	return 0;
}

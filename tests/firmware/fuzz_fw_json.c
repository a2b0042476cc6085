/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the firmware's iperf3 control-message parsers: the JSON walker, the
 * params reader (server role) and the results reader (client role). Input: any bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "iperf3_priv.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The platform functions iperf3_common.c links against (not reached by these parsers). */
uint64_t pgfw_port_now_us(void)
{
	return 0;
}

uint32_t pgfw_port_rand(void)
{
	return 4;
}

static void count_cb(const struct pgfw_json_kv *kv, void *ctx)
{
	int64_t v;

	(*(size_t *)ctx)++;
	if (kv->val != NULL) {
		pgfw_json_int(kv, &v);
		pgfw_json_micro(kv, &v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct i3_stream_result st[I3_MAX_STREAMS];
	struct i3_params p;
	size_t n = 0;
	char out[1024];

	pgfw_json_walk((const char *)data, size, count_cb, &n);
	if (i3_params_parse((const char *)data, size, &p) == 0)
		i3_params_write(out, sizeof(out), &p);
	if (i3_results_parse((const char *)data, size, st, I3_MAX_STREAMS) > 0)
		i3_results_write(out, sizeof(out), 0, st, I3_MAX_STREAMS);
	return 0;
}

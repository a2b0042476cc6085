/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "iperf3_priv.h"
#include "json.h"

static void params_cb(const struct pgfw_json_kv *kv, void *ctx)
{
	struct i3_params *p = ctx;
	int64_t v;

	if (kv->depth != 1 || kv->val == NULL || pgfw_json_int(kv, &v) != 0) {
		/* "udp":true and the like are flags by presence; strings are ignored */
		if (kv->depth == 1 && kv->val != NULL && kv->val_len == 4 && memcmp(kv->val, "true", 4) == 0)
			v = 1;
		else
			return;
	}
	if (pgfw_json_key_is(kv, "udp"))
		p->udp = 1;
	else if (pgfw_json_key_is(kv, "reverse"))
		p->reverse = 1;
	else if (pgfw_json_key_is(kv, "bidirectional"))
		p->bidir = 1;
	else if (pgfw_json_key_is(kv, "udp_counters_64bit"))
		p->udp64 = 1;
	else if (pgfw_json_key_is(kv, "time"))
		p->time = v;
	else if (pgfw_json_key_is(kv, "num"))
		p->num = v;
	else if (pgfw_json_key_is(kv, "blockcount"))
		p->blockcount = v;
	else if (pgfw_json_key_is(kv, "parallel"))
		p->parallel = v;
	else if (pgfw_json_key_is(kv, "len"))
		p->len = v;
	else if (pgfw_json_key_is(kv, "bandwidth"))
		p->bandwidth = v;
	else if (pgfw_json_key_is(kv, "MSS"))
		p->mss = v;
}

int i3_params_parse(const char *s, size_t n, struct i3_params *p)
{
	memset(p, 0, sizeof(*p));
	p->parallel = 1;
	if (pgfw_json_walk(s, n, params_cb, p) != 0)
		return -EINVAL;
	if (p->time < 0 || p->num < 0 || p->blockcount < 0 || p->parallel < 1 || p->len < 0 ||
	    p->bandwidth < 0)
		return -EINVAL;
	return 0;
}

int i3_params_write(char *buf, size_t cap, const struct i3_params *p)
{
	int n;

	n = snprintf(buf, cap,
		     "{\"%s\":true,\"omit\":0,\"time\":%lld,\"num\":0,\"blockcount\":0,\"parallel\":%lld"
		     "%s,\"len\":%lld%s%.0lld,\"pacing_timer\":1000,\"client_version\":\"3.12\"}",
		     p->udp ? "udp" : "tcp", (long long)p->time, (long long)p->parallel,
		     p->reverse ? ",\"reverse\":true" : "", (long long)p->len,
		     p->bandwidth ? ",\"bandwidth\":" : "", (long long)p->bandwidth);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

int i3_results_write(char *buf, size_t cap, int sender_has_retransmits,
		     const struct i3_stream_result *st, int nst)
{
	size_t off;
	int i, n;

	n = snprintf(buf, cap,
		     "{\"cpu_util_total\":0,\"cpu_util_user\":0,\"cpu_util_system\":0,"
		     "\"sender_has_retransmits\":%d,\"streams\":[",
		     sender_has_retransmits);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	off = (size_t)n;
	for (i = 0; i < nst; i++) {
		n = snprintf(buf + off, cap - off,
			     "%s{\"id\":%d,\"bytes\":%llu,\"retransmits\":%lld"
			     ",\"jitter\":%llu.%06llu,\"errors\":%lld,\"packets\":%llu"
			     ",\"start_time\":0,\"end_time\":%llu.%06llu}",
			     i ? "," : "", st[i].id, (unsigned long long)st[i].bytes, (long long)st[i].retransmits,
			     (unsigned long long)(st[i].jitter_us / 1000000u),
			     (unsigned long long)(st[i].jitter_us % 1000000u), (long long)st[i].errors,
			     (unsigned long long)st[i].packets, (unsigned long long)(st[i].duration_us / 1000000u),
			     (unsigned long long)(st[i].duration_us % 1000000u));
		if (n < 0 || (size_t)n >= cap - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	if (off + 3 > cap)
		return -ENOSPC;
	memcpy(buf + off, "]}", 3);
	return (int)off + 2;
}

struct results_ctx {
	struct i3_stream_result *st;
	int max, count;
};

static void results_cb(const struct pgfw_json_kv *kv, void *ctx)
{
	struct results_ctx *r = ctx;
	struct i3_stream_result *s;
	int64_t v;

	/* streams[i] members: depth 3 (top object 1, "streams" array 2, stream object 3) */
	if (kv->depth != 3 || kv->index < 0 || kv->index >= r->max || kv->val == NULL)
		return;
	s = &r->st[kv->index];
	if (kv->index + 1 > r->count)
		r->count = kv->index + 1;
	if (pgfw_json_key_is(kv, "jitter")) {
		if (pgfw_json_micro(kv, &v) == 0 && v >= 0)
			s->jitter_us = (uint64_t)v;
		return;
	}
	if (pgfw_json_key_is(kv, "end_time")) {
		if (pgfw_json_micro(kv, &v) == 0 && v >= 0)
			s->duration_us = (uint64_t)v;
		return;
	}
	if (pgfw_json_int(kv, &v) != 0)
		return;
	if (pgfw_json_key_is(kv, "id"))
		s->id = (int)v;
	else if (pgfw_json_key_is(kv, "bytes"))
		s->bytes = (uint64_t)v;
	else if (pgfw_json_key_is(kv, "packets"))
		s->packets = (uint64_t)v;
	else if (pgfw_json_key_is(kv, "errors"))
		s->errors = v;
	else if (pgfw_json_key_is(kv, "retransmits"))
		s->retransmits = v;
}

int i3_results_parse(const char *s, size_t n, struct i3_stream_result *st, int max)
{
	struct results_ctx r = { st, max, 0 };

	memset(st, 0, sizeof(*st) * (size_t)max);
	if (pgfw_json_walk(s, n, results_cb, &r) != 0)
		return -EINVAL;
	return r.count;
}

/* iperf3 stamps UDP datagrams with the sender's monotonic clock. */
void i3_udp_stamp(struct pgfw_udp_tx *tx, uint8_t *hdr, int64_t seq)
{
	uint64_t now = pgfw_port_now_us();

	pgfw_put32(hdr, (uint32_t)(now / 1000000u));
	pgfw_put32(hdr + 4, (uint32_t)(now % 1000000u));
	if (tx->hdr_len >= 16) {
		pgfw_put32(hdr + 8, (uint32_t)((uint64_t)seq >> 32));
		pgfw_put32(hdr + 12, (uint32_t)seq);
	} else {
		pgfw_put32(hdr + 8, (uint32_t)seq);
	}
}

void i3_udp_rx(struct i3_rx *rx, const uint8_t *d, uint32_t n, uint32_t len, int seq64, uint64_t now)
{
	int64_t seq, transit, dd;

	if (n < (seq64 ? 16u : 12u))
		return; /* runt: not an iperf3 datagram */
	seq = seq64 ? (int64_t)((uint64_t)pgfw_get32(d + 8) << 32 | pgfw_get32(d + 12)) : (int64_t)pgfw_get32(d + 8);
	rx->bytes += len;
	if (rx->first_us == 0)
		rx->first_us = now;
	rx->last_us = now;
	if (seq >= rx->packet_count + 1) {
		if (seq > rx->packet_count + 1)
			rx->cnt_error += seq - 1 - rx->packet_count;
		rx->packet_count = seq;
	} else {
		rx->outoforder++;
		if (rx->cnt_error > 0)
			rx->cnt_error--;
	}
	transit = (int64_t)now - ((int64_t)pgfw_get32(d) * 1000000 + (int64_t)pgfw_get32(d + 4));
	if (!rx->have_transit) {
		rx->prev_transit_us = transit;
		rx->have_transit = 1;
	}
	dd = transit - rx->prev_transit_us;
	if (dd < 0)
		dd = -dd;
	rx->prev_transit_us = transit;
	rx->jitter_us_x16 = rx->jitter_us_x16 + (uint64_t)dd - rx->jitter_us_x16 / 16u;
}

void i3_cookie_make(char cookie[I3_COOKIE_LEN])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	int i;

	for (i = 0; i < I3_COOKIE_LEN - 1; i++)
		cookie[i] = alphabet[pgfw_port_rand() & 31u];
	cookie[I3_COOKIE_LEN - 1] = 0;
}

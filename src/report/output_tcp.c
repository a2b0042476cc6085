/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Report output for iperf2 over TCP: text lines like `iperf -e` (client: bytes, rate,
 * retransmits, cwnd/RTT as perfgen's engine sees them; server: bytes, rate) and JSON in
 * iperf3's TCP schema (per-stream "sender"/"receiver", sum_sent/sum_received with
 * retransmits). iperf2 relays nothing back to a TCP client, so a client reports what the
 * server acknowledged, and a server what it received.
 */
#include "report_priv.h"
#include "export.h"
#include "hist.h"

#include <jansson.h>
#include <string.h>

static void line(FILE *out, const struct pg_report_conf *c, const struct pg_stream *s,
		 const struct pg_msg_counters *k, double a, double b)
{
	char id[16], by[32], bi[32];
	double secs = b - a > 1e-9 ? b - a : 1e-9;
	uint64_t bytes = c->role == PG_ROLE_CLIENT ? k->tx_bytes : k->rx_bytes;

	if (s)
		snprintf(id, sizeof(id), "[%3u]", s->id);
	else
		snprintf(id, sizeof(id), "[SUM]");
	pg_fmt_bytes(by, sizeof(by), (double)bytes);
	pg_fmt_bits(bi, sizeof(bi), (double)bytes * 8 / secs);
	if (c->role == PG_ROLE_CLIENT && s)
		fprintf(out, "%s %5.2f-%-5.2f sec  %s  %s  %5u  %uK/%u(%u) us\n", id, a, b, by, bi,
			k->retrans, k->cwnd / 1024, k->rtt_us, k->rttvar_us);
	else if (c->role == PG_ROLE_CLIENT)
		fprintf(out, "%s %5.2f-%-5.2f sec  %s  %s  %5u\n", id, a, b, by, bi, k->retrans);
	else
		fprintf(out, "%s %5.2f-%-5.2f sec  %s  %s\n", id, a, b, by, bi);
}

static json_t *stream_json(const struct pg_report_conf *c, const struct pg_stream *s,
			   const struct pg_msg_counters *k, double a, double b, int sender)
{
	json_t *o = json_object();
	double secs = b - a > 1e-9 ? b - a : 1e-9;
	uint64_t bytes = sender ? k->tx_bytes : k->rx_bytes;

	(void)c;
	if (s)
		json_object_set_new(o, "socket", json_integer(s->id));
	json_object_set_new(o, "start", json_real(a));
	json_object_set_new(o, "end", json_real(b));
	json_object_set_new(o, "seconds", json_real(secs));
	json_object_set_new(o, "bytes", json_integer((json_int_t)bytes));
	json_object_set_new(o, "bits_per_second", json_real((double)bytes * 8 / secs));
	if (sender) {
		json_object_set_new(o, "retransmits", json_integer(k->retrans));
		if (s) {
			json_object_set_new(o, "snd_cwnd", json_integer(k->cwnd));
			json_object_set_new(o, "rtt", json_integer(k->rtt_us));
			json_object_set_new(o, "rttvar", json_integer(k->rttvar_us));
		}
	}
	json_object_set_new(o, "omitted", json_false());
	json_object_set_new(o, "sender", json_boolean(sender));
	return o;
}

static void sum_add(struct pg_msg_counters *sum, const struct pg_msg_counters *k)
{
	sum->tx_bytes += k->tx_bytes;
	sum->rx_bytes += k->rx_bytes;
	sum->retrans += k->retrans;
}

void pg_print_interval_tcp(FILE *out, const struct pg_report_conf *c, struct pg_group *g,
			   double a, double b)
{
	struct pg_msg_counters sum;
	json_t *iv = NULL, *streams = NULL;
	int sender = c->role == PG_ROLE_CLIENT;
	unsigned int i;

	memset(&sum, 0, sizeof(sum));
	if (c->json) {
		iv = json_object();
		streams = json_array();
	}
	for (i = 0; i < g->nstreams; i++) {
		struct pg_stream *s = g->s[i];

		if (c->json)
			json_array_append_new(streams, stream_json(c, s, &s->ivl, a, b, sender));
		else
			line(out, c, s, &s->ivl, a, b);
		sum_add(&sum, &s->ivl);
		pg_export_interval(c->export, out, c, s, g->t0, g->next_ivl, a, b, 0, 0);
		{
			uint32_t cw = s->ivl.cwnd, rtt = s->ivl.rtt_us, rv = s->ivl.rttvar_us;

			memset(&s->ivl, 0, sizeof(s->ivl));
			s->ivl.cwnd = cw;
			s->ivl.rtt_us = rtt;
			s->ivl.rttvar_us = rv;
		}
	}
	if (c->json) {
		json_object_set_new(iv, "streams", streams);
		json_object_set_new(iv, "sum", stream_json(c, NULL, &sum, a, b, sender));
		json_array_append_new(g->intervals, iv);
		pg_json_stream_interval(c, g, iv);
	} else if (g->nstreams > 1) {
		line(out, c, NULL, &sum, a, b);
	}
	fflush(out);
}

void pg_print_final_tcp(FILE *out, const struct pg_report_conf *c, struct pg_group *g,
			const struct pg_report_counter *kv, unsigned int nb_counters)
{
	struct pg_msg_counters sum;
	json_t *root = NULL, *end = NULL, *streams = NULL;
	int sender = c->role == PG_ROLE_CLIENT;
	double secs = 0;
	unsigned int i;

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < g->nstreams; i++) {
		const struct pg_stream *s = g->s[i];
		double e = (double)(s->last_ns > g->t0 ? s->last_ns - g->t0 : 0) / 1e9;

		if (e > secs)
			secs = e;
		sum_add(&sum, &s->tot);
	}
	if (c->json) {
		root = json_object();
		end = json_object();
		streams = json_array();
		json_object_set_new(root, "start", (json_t *)pg_json_start(c, g));
		json_object_set_new(root, "intervals", json_incref(g->intervals));
	}
	for (i = 0; i < g->nstreams; i++) {
		const struct pg_stream *s = g->s[i];
		double ssecs = (double)(s->last_ns > g->t0 ? s->last_ns - g->t0 : 0) / 1e9;

		if (c->json) {
			json_t *se = json_object();

			json_object_set_new(se, sender ? "sender" : "receiver",
					    stream_json(c, s, &s->tot, 0, ssecs, sender));
			if (s->timed_out)
				json_object_set_new(se, "perfgen", json_pack("{s:b}", "error", 1));
			json_array_append_new(streams, se);
		} else {
			line(out, c, s, &s->tot, 0, ssecs);
			if (s->timed_out)
				fprintf(out, "[%3u] WARNING: the connection failed (refused, reset or timed out)\n",
					s->id);
		}
	}
	if (c->json) {
		json_t *pg = (json_t *)pg_json_perfgen(c, kv, nb_counters, NULL);

		json_object_set_new(end, "streams", streams);
		json_object_set_new(end, sender ? "sum_sent" : "sum_received",
				    stream_json(c, NULL, &sum, 0, secs, sender));
		json_object_set_new(pg, "congestion", json_string(c->cc ? c->cc : "cubic"));
		json_object_set_new(end, "perfgen", pg);
		json_object_set_new(root, "end", end);
		json_object_set_new(root, "perfgen", (json_t *)pg_json_perfgen(c, kv, nb_counters, NULL));
		pg_json_emit_root(c, g, root, out);
		json_decref(root);
	} else {
		if (g->nstreams > 1)
			line(out, c, NULL, &sum, 0, secs);
		for (i = 0; i < nb_counters; i++)
			fprintf(out, "perfgen: %s %llu\n", kv[i].name, (unsigned long long)kv[i].value);
	}
	fflush(out);
}

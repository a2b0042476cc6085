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
#include "latclock.h"
#include "hist.h"

#include <jansson.h>
#include <string.h>

/* iperf 2.1.8's -e column headers for TCP (client; server with --trip-times). */
const char pg_tcp_client_header[] =
	"[ ID] Interval            Transfer    Bandwidth       Write/Err  Rtry     Cwnd/RTT(var)        NetPwr\n";
const char pg_tcp_server_trip_header[] =
	"[ ID] Interval            Transfer    Bandwidth    Burst Latency avg/min/max/stdev (cnt/size) inP NetPwr\n";

/* iperf's "writes" of -l bytes that carried the stream up to byte n (the header included). */
static uint64_t writes_upto(const struct pg_report_conf *c, uint64_t n)
{
	uint32_t l = c->len ? c->len : 1;

	return (n + l - 1) / l;
}

/*
 * One report line in iperf 2.1.8's enhanced TCP format. Client: bytes the server
 * acknowledged, writes, retransmitted segments, cwnd/RTT(var) and NetPwr (bytes/s over
 * RTT, x 1e-6) as perfgen's engine sees them. Server: bytes received, and with
 * trip-times the burst latency avg/min/max/stdev (count/burst size), bytes in progress
 * (rate x mean latency) and NetPwr.
 */
static void line(FILE *out, const struct pg_report_conf *c, const struct pg_stream *s,
		 const struct pg_msg_counters *k, uint64_t writes, const struct pg_hist *lat,
		 double a, double b)
{
	char id[16], by[32], bi[32];
	double secs = b - a > 1e-9 ? b - a : 1e-9;
	uint64_t bytes = c->role == PG_ROLE_CLIENT ? k->tx_bytes : k->rx_bytes;
	double bps = (double)bytes / secs;

	if (s)
		snprintf(id, sizeof(id), "[%3u]", s->id);
	else
		snprintf(id, sizeof(id), "[SUM]");
	pg_fmt_bytes(by, sizeof(by), (double)bytes);
	pg_fmt_bits(bi, sizeof(bi), bps * 8);
	if (c->role == PG_ROLE_CLIENT && s)
		fprintf(out, "%s %.4f-%.4f sec  %s  %s  %llu/0 %10u %8uK/%u(%u) us  %.0f\n", id, a, b,
			by, bi, (unsigned long long)writes, k->retrans, k->cwnd / 1024, k->rtt_us,
			k->rttvar_us, k->rtt_us ? bps / (k->rtt_us * 1e-6) * 1e-6 : 0.0);
	else if (c->role == PG_ROLE_CLIENT)
		fprintf(out, "%s %.4f-%.4f sec  %s  %s  %llu/0%10u\n", id, a, b, by, bi,
			(unsigned long long)writes, k->retrans);
	else if (lat && pg_hist_count(lat)) {
		double mean = pg_hist_mean(lat) / 1e9;
		char inp[32];

		pg_fmt_bytes(inp, sizeof(inp), bps * mean);
		fprintf(out, "%s %.4f-%.4f sec  %s  %s  %.3f/%.3f/%.3f/%.3f ms (%llu/%u) %s %.0f\n", id,
			a, b, by, bi, mean * 1e3, (double)pg_hist_min(lat) / 1e6,
			(double)pg_hist_max(lat) / 1e6, pg_hist_stdev(lat) / 1e6,
			(unsigned long long)pg_hist_count(lat), (unsigned int)(bytes / pg_hist_count(lat)),
			inp, mean > 0 ? bps / mean * 1e-6 : 0.0);
	} else
		fprintf(out, "%s %.4f-%.4f sec  %s  %s\n", id, a, b, by, bi);
}

/* Burst latency as JSON (server, trip-times). */
static json_t *latency_json(const struct pg_report_conf *c, const struct pg_hist *h)
{
	const char *src;
	uint64_t bound;
	uint32_t res;

	if (!h || !pg_hist_count(h))
		return NULL;
	/* bursts are timed when the engine delivers their last byte: the lcore's TSC time */
	pg_latency_source_rx(c->latclk, "tsc", &src, &bound, &res);
	return json_pack("{s:s, s:s, s:o, s:i, s:I, s:I, s:f, s:f, s:I, s:I, s:I}", "kind", "burst",
			 "source", src, "bound_ns",
			 bound == PG_BOUND_UNKNOWN ? json_null() : json_integer((json_int_t)bound),
			 "resolution_ns", (int)res,
			 "count", (json_int_t)pg_hist_count(h), "min_ns", (json_int_t)pg_hist_min(h),
			 "mean_ns", pg_hist_mean(h), "stdev_ns", pg_hist_stdev(h),
			 "p50_ns", (json_int_t)pg_hist_percentile(h, 50.0),
			 "p99_ns", (json_int_t)pg_hist_percentile(h, 99.0),
			 "max_ns", (json_int_t)pg_hist_max(h));
}

static json_t *stream_json(const struct pg_report_conf *c, const struct pg_stream *s,
			   const struct pg_msg_counters *k, double a, double b, int sender,
			   const struct pg_hist *lat)
{
	json_t *lj = latency_json(c, lat);
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
	if (lj)
		json_object_set_new(o, "perfgen", json_pack("{s:o}", "latency", lj));
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
	uint64_t sum_w = 0;

	memset(&sum, 0, sizeof(sum));
	if (c->json) {
		iv = json_object();
		streams = json_array();
	}
	for (i = 0; i < g->nstreams; i++) {
		struct pg_stream *s = g->s[i];

		uint64_t w = writes_upto(c, s->tot.tx_bytes) - writes_upto(c, s->tot.tx_bytes - s->ivl.tx_bytes);

		if (c->json)
			json_array_append_new(streams, stream_json(c, s, &s->ivl, a, b, sender, s->lat_ivl));
		else
			line(out, c, s, &s->ivl, w, s->lat_ivl, a, b);
		if (s->lat_ivl)
			pg_hist_reset(s->lat_ivl);
		sum_w += w;
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
		json_object_set_new(iv, "sum", stream_json(c, NULL, &sum, a, b, sender, NULL));
		json_array_append_new(g->intervals, iv);
		pg_json_stream_interval(c, g, iv);
	} else if (g->nstreams > 1) {
		line(out, c, NULL, &sum, sum_w, NULL, a, b);
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
					    stream_json(c, s, &s->tot, 0, ssecs, sender, s->lat));
			if (s->timed_out)
				json_object_set_new(se, "perfgen", json_pack("{s:b}", "error", 1));
			json_array_append_new(streams, se);
		} else {
			if (i == 0 && c->interval_s <= 0)
				fputs(c->role == PG_ROLE_CLIENT ? pg_tcp_client_header :
				      s->lat && pg_hist_count(s->lat) ? pg_tcp_server_trip_header :
				      "[ ID] Interval            Transfer    Bandwidth\n", out);
			line(out, c, s, &s->tot, writes_upto(c, s->tot.tx_bytes), s->lat, 0, ssecs);
			if (s->timed_out)
				fprintf(out, "[%3u] WARNING: the connection failed (refused, reset or timed out)\n",
					s->id);
		}
	}
	if (c->json) {
		json_t *pg = (json_t *)pg_json_perfgen(c, kv, nb_counters, NULL);

		json_object_set_new(end, "streams", streams);
		json_object_set_new(end, sender ? "sum_sent" : "sum_received",
				    stream_json(c, NULL, &sum, 0, secs, sender, NULL));
		json_object_set_new(pg, "congestion", json_string(c->cc ? c->cc : "cubic"));
		json_object_set_new(end, "perfgen", pg);
		json_object_set_new(root, "end", end);
		json_object_set_new(root, "perfgen", (json_t *)pg_json_perfgen(c, kv, nb_counters, NULL));
		pg_json_emit_root(c, g, root, out);
		json_decref(root);
	} else {
		if (g->nstreams > 1)
			line(out, c, NULL, &sum, writes_upto(c, sum.tx_bytes), NULL, 0, secs);
		for (i = 0; i < nb_counters; i++)
			fprintf(out, "perfgen: %s %llu\n", kv[i].name, (unsigned long long)kv[i].value);
	}
	fflush(out);
}

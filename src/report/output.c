/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Report output: iperf2 -e style text, or one iperf3-schema JSON object per test (-J)
 * with perfgen's additions under "perfgen" keys. Runs on the main lcore only.
 */
#include "report_priv.h"
#include "hist.h"
#include "latclock.h"
#include "export.h"

#include <jansson.h>
#include <math.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#ifndef PERFGEN_VERSION
#define PERFGEN_VERSION "0.0"
#endif

void pg_fmt_bytes(char *buf, size_t len, double v)
{
	static const char *const u[] = { "Bytes", "KBytes", "MBytes", "GBytes", "TBytes" };
	int i = 0;

	while (v >= 1024.0 * 0.9995 && i < 4) {
		v /= 1024.0;
		i++;
	}
	snprintf(buf, len, v < 9.995 ? "%4.2f %s" : v < 99.95 ? "%4.1f %s" : "%4.0f %s", v, u[i]);
}

void pg_fmt_bits(char *buf, size_t len, double v)
{
	static const char *const u[] = { "bits/sec", "Kbits/sec", "Mbits/sec", "Gbits/sec",
					 "Tbits/sec" };
	int i = 0;

	while (v >= 1000.0 * 0.9995 && i < 4) {
		v /= 1000.0;
		i++;
	}
	snprintf(buf, len, v < 9.995 ? "%4.2f %s" : v < 99.95 ? "%4.1f %s" : "%4.0f %s", v, u[i]);
}

static const char *ip_str(uint32_t be, char *buf)
{
	struct in_addr a = { .s_addr = be };

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

void *pg_json_intervals_new(void)
{
	return json_array();
}

void pg_json_intervals_free(void *a)
{
	json_decref(a);
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

static uint64_t lost_of(const struct pg_msg_counters *c)
{
	return c->gaps > c->outorder ? c->gaps - c->outorder : 0;
}

/* ---------------------------------------------------------------- text ---- */

static void id_str(char *b, size_t len, const struct pg_stream *s)
{
	if (s)
		snprintf(b, len, "[%3u]", s->id);
	else
		snprintf(b, len, "[SUM]");
}

void pg_print_client_header(FILE *out, const struct pg_report_conf *c,
			    const struct pg_stream *s, unsigned int n)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], rate[32];
	unsigned int i;

	if (c->json) {
		if (n)
			pg_json_stream_start(c, s[0].g);
		return;
	}
	fprintf(out, "------------------------------------------------------------\n");
	fprintf(out, "Client connecting to %s, %s port %u (perfgen %s, iperf2 wire, %s %s on %s, lcores %s)\n",
		c->host, c->tcp ? "TCP" : "UDP", c->port, PERFGEN_VERSION, c->backend, c->xdp_mode,
		c->ifname, c->lcores);
	if (c->tcp) {
		fprintf(out, "Write buffer size: %u Byte, userspace TCP (%s)\n", c->len,
			c->cc ? c->cc : "cubic");
		goto conns;
	}
	if (c->rate_pps)
		snprintf(rate, sizeof(rate), "%llu pps", (unsigned long long)c->rate);
	else if (c->rate)
		pg_fmt_bits(rate, sizeof(rate), (double)c->rate);
	else
		snprintf(rate, sizeof(rate), "unlimited");
	fprintf(out, "Sending %u byte datagrams, rate %s per stream%s\n", c->len, rate,
		c->trip_times ? ", trip-times" : "");
conns:
	fprintf(out, "------------------------------------------------------------\n");
	for (i = 0; i < n; i++)
		fprintf(out, "[%3u] local %s port %u connected with %s port %u\n", s[i].id,
			ip_str(s[i].local_ip, a), s[i].local_port, ip_str(s[i].peer_ip, b),
			s[i].peer_port);
	if (c->interval_s > 0)
		fputs(c->tcp ? pg_tcp_client_header :
			       "[ ID] Interval        Transfer     Bandwidth       Write/Err  PPS\n", out);
	fflush(out);
}

void pg_print_server_connect(FILE *out, const struct pg_report_conf *c, const struct pg_stream *s)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	char peer[48] = "";

	if (c->json) {
		pg_json_stream_start(c, s->g);
		return;
	}
	if (s->info.version_u)
		snprintf(peer, sizeof(peer), " (peer %u.%u.%u)", s->info.version_u >> 16,
			 s->info.version_u & 0xffff, s->info.version_l >> 16);
	fprintf(out, "[%3u] local %s port %u connected with %s port %u%s%s%s\n", s->id,
		ip_str(s->local_ip, a), s->local_port, ip_str(s->peer_ip, b), s->peer_port,
		s->info.trip_times ? " (trip-times)" : "", peer,
		s->info.unsupported ? " (requested mode not supported: served as a plain test)" : "");
	if (c->interval_s > 0 && s->id == 1)
		fputs(c->tcp ? (s->info.trip_times ? pg_tcp_server_trip_header :
						      "[ ID] Interval            Transfer    Bandwidth\n") :
			       "[ ID] Interval        Transfer     Bandwidth        Jitter   Lost/Total  Latency avg/min/max/stdev  PPS\n", out);
	fflush(out);
}

static void lat_text(char *b, size_t len, const struct pg_report_conf *c, const struct pg_hist *h)
{
	const char *src;
	uint64_t bound;
	uint32_t res;
	char bs[32] = "";

	if (!h || !pg_hist_count(h)) {
		b[0] = 0;
		return;
	}
	pg_latency_source(c->latclk, &src, &bound, &res);
	if (bound != PG_BOUND_UNKNOWN)
		snprintf(bs, sizeof(bs), " +-%.3f us", (double)bound / 1e3);
	snprintf(b, len, "  %.3f/%.3f/%.3f/%.3f ms (p50 %.3f p99 %.3f ms, %s%s)",
		 pg_hist_mean(h) / 1e6, (double)pg_hist_min(h) / 1e6, (double)pg_hist_max(h) / 1e6,
		 pg_hist_stdev(h) / 1e6, (double)pg_hist_percentile(h, 50.0) / 1e6,
		 (double)pg_hist_percentile(h, 99.0) / 1e6, src, bs);
}

static void text_line(FILE *out, const struct pg_report_conf *c, const struct pg_stream *s,
		      const struct pg_msg_counters *k, const struct pg_hist *lat, double a,
		      double b, double jitter_s)
{
	char id[16], by[32], bi[32], lt[160];
	double secs = b - a > 1e-9 ? b - a : 1e-9;

	id_str(id, sizeof(id), s);
	if (c->role == PG_ROLE_CLIENT) {
		pg_fmt_bytes(by, sizeof(by), (double)k->tx_bytes);
		pg_fmt_bits(bi, sizeof(bi), (double)k->tx_bytes * 8 / secs);
		fprintf(out, "%s %5.2f-%-5.2f sec  %s  %s  %llu/%llu  %.0f pps\n", id, a, b, by, bi,
			(unsigned long long)k->tx_pkts, (unsigned long long)k->errs,
			(double)k->tx_pkts / secs);
	} else {
		uint64_t lost = lost_of(k);
		uint64_t total = k->rx_pkts + lost;

		pg_fmt_bytes(by, sizeof(by), (double)k->rx_bytes);
		pg_fmt_bits(bi, sizeof(bi), (double)k->rx_bytes * 8 / secs);
		lat_text(lt, sizeof(lt), c, lat);
		fprintf(out, "%s %5.2f-%-5.2f sec  %s  %s  %7.3f ms %llu/%llu (%.2g%%)%s  %.0f pps\n",
			id, a, b, by, bi, jitter_s * 1e3, (unsigned long long)lost,
			(unsigned long long)total, pct(lost, total), lt, (double)k->rx_pkts / secs);
	}
}

/* ---------------------------------------------------------------- JSON ---- */

static json_t *latency_json(const struct pg_report_conf *c, const struct pg_hist *h)
{
	const char *src;
	uint64_t bound;
	uint32_t res;
	json_t *o;

	if (!h || !pg_hist_count(h))
		return NULL;
	o = json_object();
	pg_latency_source(c->latclk, &src, &bound, &res);
	json_object_set_new(o, "source", json_string(src));
	json_object_set_new(o, "bound_ns", bound == PG_BOUND_UNKNOWN ? json_null() :
					   json_integer((json_int_t)bound));
	json_object_set_new(o, "resolution_ns", json_integer(res));
	json_object_set_new(o, "count", json_integer((json_int_t)pg_hist_count(h)));
	json_object_set_new(o, "min_ns", json_integer((json_int_t)pg_hist_min(h)));
	json_object_set_new(o, "mean_ns", json_real(pg_hist_mean(h)));
	json_object_set_new(o, "stdev_ns", json_real(pg_hist_stdev(h)));
	json_object_set_new(o, "p50_ns", json_integer((json_int_t)pg_hist_percentile(h, 50.0)));
	json_object_set_new(o, "p90_ns", json_integer((json_int_t)pg_hist_percentile(h, 90.0)));
	json_object_set_new(o, "p99_ns", json_integer((json_int_t)pg_hist_percentile(h, 99.0)));
	json_object_set_new(o, "p999_ns", json_integer((json_int_t)pg_hist_percentile(h, 99.9)));
	json_object_set_new(o, "p9999_ns", json_integer((json_int_t)pg_hist_percentile(h, 99.99)));
	json_object_set_new(o, "max_ns", json_integer((json_int_t)pg_hist_max(h)));
	return o;
}

static json_t *ivl_stream_json(const struct pg_report_conf *c, const struct pg_stream *s,
			       const struct pg_msg_counters *k, double a, double b)
{
	json_t *o = json_object();
	double secs = b - a > 1e-9 ? b - a : 1e-9;
	int sender = c->role == PG_ROLE_CLIENT;
	uint64_t bytes = sender ? k->tx_bytes : k->rx_bytes;

	if (s)
		json_object_set_new(o, "socket", json_integer(s->id));
	json_object_set_new(o, "start", json_real(a));
	json_object_set_new(o, "end", json_real(b));
	json_object_set_new(o, "seconds", json_real(secs));
	json_object_set_new(o, "bytes", json_integer((json_int_t)bytes));
	json_object_set_new(o, "bits_per_second", json_real((double)bytes * 8 / secs));
	if (sender) {
		json_object_set_new(o, "packets", json_integer((json_int_t)k->tx_pkts));
	} else {
		uint64_t lost = lost_of(k);

		json_object_set_new(o, "jitter_ms", json_real((double)k->jitter_x16 / 16e6));
		json_object_set_new(o, "lost_packets", json_integer((json_int_t)lost));
		json_object_set_new(o, "packets", json_integer((json_int_t)(k->rx_pkts + lost)));
		json_object_set_new(o, "lost_percent", json_real(pct(lost, k->rx_pkts + lost)));
	}
	json_object_set_new(o, "omitted", json_false());
	json_object_set_new(o, "sender", json_boolean(sender));
	return o;
}

void pg_print_interval(FILE *out, const struct pg_report_conf *c, struct pg_group *g, double a,
		       double b)
{
	struct pg_msg_counters sum;
	json_t *iv = NULL, *streams = NULL;
	unsigned int i;
	double jit = 0;

	if (c->tcp) {
		pg_print_interval_tcp(out, c, g, a, b);
		return;
	}
	memset(&sum, 0, sizeof(sum));
	if (c->json) {
		iv = json_object();
		streams = json_array();
	}
	for (i = 0; i < g->nstreams; i++) {
		struct pg_stream *s = g->s[i];
		json_t *sj;

		if (c->json) {
			sj = ivl_stream_json(c, s, &s->ivl, a, b);
			json_t *lat = latency_json(c, s->lat_ivl);

			if (lat) {
				json_t *pg = json_object();

				json_object_set_new(pg, "latency", lat);
				json_object_set_new(sj, "perfgen", pg);
			}
			json_array_append_new(streams, sj);
		} else {
			text_line(out, c, s, &s->ivl, s->lat_ivl, a, b,
				  (double)s->ivl.jitter_x16 / 16e9);
		}
		if (c->export) {
			uint64_t lost = c->role == PG_ROLE_SERVER ? lost_of(&s->ivl) : 0;

			pg_export_interval(c->export, out, c, s, g->t0, g->next_ivl, a, b, lost,
					   s->ivl.rx_pkts + lost);
		}
		sum.tx_pkts += s->ivl.tx_pkts;
		sum.tx_bytes += s->ivl.tx_bytes;
		sum.rx_pkts += s->ivl.rx_pkts;
		sum.rx_bytes += s->ivl.rx_bytes;
		sum.gaps += s->ivl.gaps;
		sum.outorder += s->ivl.outorder;
		sum.errs += s->ivl.errs;
		if ((double)s->ivl.jitter_x16 / 16e9 > jit)
			jit = (double)s->ivl.jitter_x16 / 16e9;
		{
			int64_t j = s->ivl.jitter_x16;

			memset(&s->ivl, 0, sizeof(s->ivl));
			s->ivl.jitter_x16 = j;
		}
		if (s->lat_ivl)
			pg_hist_reset(s->lat_ivl);
	}
	if (c->json) {
		sum.jitter_x16 = (int64_t)(jit * 16e9);
		json_object_set_new(iv, "streams", streams);
		json_object_set_new(iv, "sum", ivl_stream_json(c, NULL, &sum, a, b));
		json_array_append_new(g->intervals, iv);
		pg_json_stream_interval(c, g, iv);
	} else if (g->nstreams > 1) {
		text_line(out, c, NULL, &sum, NULL, a, b, jit);
	}
	fflush(out);
}

static json_t *end_udp_json(const struct pg_report_conf *c, const struct pg_stream *s,
			    const struct pg_msg_counters *k, double secs, double jitter_s,
			    uint64_t lost, uint64_t packets, uint64_t ooo, int sender, uint64_t bytes)
{
	json_t *o = json_object();

	(void)c;
	if (s)
		json_object_set_new(o, "socket", json_integer(s->id));
	json_object_set_new(o, "start", json_real(0));
	json_object_set_new(o, "end", json_real(secs));
	json_object_set_new(o, "seconds", json_real(secs));
	json_object_set_new(o, "bytes", json_integer((json_int_t)bytes));
	json_object_set_new(o, "bits_per_second", json_real(secs > 0 ? (double)bytes * 8 / secs : 0));
	json_object_set_new(o, "jitter_ms", json_real(jitter_s * 1e3));
	json_object_set_new(o, "lost_packets", json_integer((json_int_t)lost));
	json_object_set_new(o, "packets", json_integer((json_int_t)packets));
	json_object_set_new(o, "lost_percent", json_real(pct(lost, packets)));
	if (s)
		json_object_set_new(o, "out_of_order", json_integer((json_int_t)ooo));
	json_object_set_new(o, "sender", json_boolean(sender));
	(void)k;
	return o;
}

static json_t *sum_json(double secs, uint64_t bytes, int sender)
{
	json_t *o = json_object();

	json_object_set_new(o, "start", json_real(0));
	json_object_set_new(o, "end", json_real(secs));
	json_object_set_new(o, "seconds", json_real(secs));
	json_object_set_new(o, "bytes", json_integer((json_int_t)bytes));
	json_object_set_new(o, "bits_per_second", json_real(secs > 0 ? (double)bytes * 8 / secs : 0));
	json_object_set_new(o, "sender", json_boolean(sender));
	return o;
}

json_t *pg_json_start(const struct pg_report_conf *c, const struct pg_group *g)
{
	json_t *st = json_object(), *conn = json_array(), *ts = json_object(), *tst = json_object();
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], tbuf[64];
	struct utsname un;
	time_t now = (time_t)(g->t0 / 1000000000ull);
	unsigned int i;

	for (i = 0; i < g->nstreams; i++) {
		const struct pg_stream *s = g->s[i];
		json_t *o = json_object();

		json_object_set_new(o, "socket", json_integer(s->id));
		json_object_set_new(o, "local_host", json_string(ip_str(s->local_ip, a)));
		json_object_set_new(o, "local_port", json_integer(s->local_port));
		json_object_set_new(o, "remote_host", json_string(ip_str(s->peer_ip, b)));
		json_object_set_new(o, "remote_port", json_integer(s->peer_port));
		json_array_append_new(conn, o);
	}
	json_object_set_new(st, "connected", conn);
	json_object_set_new(st, "version", json_string("perfgen " PERFGEN_VERSION));
	if (!uname(&un)) {
		char sys[512];

		snprintf(sys, sizeof(sys), "%s %s %s %s %s", un.sysname, un.nodename, un.release,
			 un.version, un.machine);
		json_object_set_new(st, "system_info", json_string(sys));
	}
	strftime(tbuf, sizeof(tbuf), "%a, %d %b %Y %H:%M:%S GMT", gmtime(&now));
	json_object_set_new(ts, "time", json_string(tbuf));
	json_object_set_new(ts, "timesecs", json_integer((json_int_t)now));
	json_object_set_new(st, "timestamp", ts);
	if (c->role == PG_ROLE_CLIENT) {
		json_t *ct = json_object();

		json_object_set_new(ct, "host", json_string(c->host));
		json_object_set_new(ct, "port", json_integer(c->port));
		json_object_set_new(st, "connecting_to", ct);
	} else if (g->nstreams) {
		json_t *ac = json_object();

		json_object_set_new(ac, "host", json_string(ip_str(g->s[0]->peer_ip, a)));
		json_object_set_new(ac, "port", json_integer(g->s[0]->peer_port));
		json_object_set_new(st, "accepted_connection", ac);
	}
	json_object_set_new(st, "cookie", json_string(""));
	json_object_set_new(tst, "protocol", json_string(c->tcp ? "TCP" : "UDP"));
	json_object_set_new(tst, "num_streams", json_integer(g->nstreams));
	json_object_set_new(tst, "blksize", json_integer(c->role == PG_ROLE_CLIENT ? c->len : 0));
	json_object_set_new(tst, "omit", json_integer(0));
	json_object_set_new(tst, "duration", json_integer((json_int_t)c->duration_s));
	json_object_set_new(tst, "bytes", json_integer((json_int_t)c->amount_bytes));
	json_object_set_new(tst, "blocks", json_integer((json_int_t)c->amount_pkts));
	json_object_set_new(tst, "reverse", json_integer(0));
	json_object_set_new(tst, "tos", json_integer(0));
	json_object_set_new(st, "test_start", tst);
	return st;
}

/*
 * --no-peer: what each dataplane lcore achieved (the streams it sent), and what that cost
 * in TSC cycles per packet (the lcore polls without pause while it sends unpaced).
 * Prints text lines or returns a JSON array (json != 0).
 */
static json_t *lcore_rates(FILE *out, const struct pg_report_conf *c, const struct pg_group *g,
			   int json)
{
	json_t *arr = json ? json_array() : NULL;
	unsigned int lc, i;

	for (lc = 0; lc < PG_MAX_LCORES_R; lc++) {
		uint64_t pk = 0, by = 0, t0 = UINT64_MAX, t1 = 0;
		double secs, pps, bps, cyc;
		char bb[32];

		for (i = 0; i < g->nstreams; i++) {
			const struct pg_stream *s = g->s[i];

			if (s->lcore != lc || !s->tot.tx_pkts)
				continue;
			pk += s->tot.tx_pkts;
			by += s->tot.tx_bytes;
			if (s->first_ns && s->first_ns < t0)
				t0 = s->first_ns;
			if (s->last_ns > t1)
				t1 = s->last_ns;
		}
		if (!pk || t1 <= t0)
			continue;
		secs = (double)(t1 - t0) / 1e9;
		pps = (double)pk / secs;
		bps = (double)by * 8 / secs;
		cyc = c->tsc_hz ? (double)c->tsc_hz / pps : 0;
		if (json) {
			json_t *o = json_object();

			json_object_set_new(o, "lcore", json_integer(lc));
			json_object_set_new(o, "packets", json_integer((json_int_t)pk));
			json_object_set_new(o, "bytes", json_integer((json_int_t)by));
			json_object_set_new(o, "seconds", json_real(secs));
			json_object_set_new(o, "packets_per_second", json_real(pps));
			json_object_set_new(o, "bits_per_second", json_real(bps));
			json_object_set_new(o, "cycles_per_packet", json_real(cyc));
			json_array_append_new(arr, o);
		} else {
			pg_fmt_bits(bb, sizeof(bb), bps);
			fprintf(out, "[lcore %u] %.2f sec  %llu datagrams  %.3f Mpps  %s  %.0f cycles/pkt\n", lc,
				secs, (unsigned long long)pk, pps / 1e6, bb, cyc);
		}
	}
	return arr;
}

json_t *pg_json_perfgen(const struct pg_report_conf *c, const struct pg_counter_kv *kv,
			unsigned int n, const struct pg_hist *lat)
{
	json_t *o = json_object(), *d = json_object(), *l;
	unsigned int i;

	json_object_set_new(o, "version", json_string(PERFGEN_VERSION));
	json_object_set_new(o, "wire", json_string("iperf2"));
	json_object_set_new(o, "role", json_string(c->role == PG_ROLE_CLIENT ? "client" : "server"));
	json_object_set_new(o, "backend", json_string(c->backend ? c->backend : ""));
	json_object_set_new(o, "mode", json_string(c->xdp_mode ? c->xdp_mode : ""));
	json_object_set_new(o, "dev", json_string(c->ifname ? c->ifname : ""));
	json_object_set_new(o, "lcores", json_string(c->lcores ? c->lcores : ""));
	json_object_set_new(o, "tsc_hz", json_integer((json_int_t)c->tsc_hz));
	for (i = 0; i < n; i++)
		json_object_set_new(d, kv[i].name, json_integer((json_int_t)kv[i].value));
	json_object_set_new(o, "drops", d);
	if (c->latclk)
		json_object_set_new(o, "clock", pg_latclock_json(c->latclk));
	l = latency_json(c, lat);
	if (l)
		json_object_set_new(o, "latency", l);
	return o;
}

void pg_print_final(FILE *out, const struct pg_report_conf *c, struct pg_group *g,
		    const void *counters, unsigned int nb_counters)
{
	const struct pg_counter_kv *kv = counters;
	struct pg_hist *lat_sum = NULL;
	json_t *root = NULL, *end = NULL, *streams = NULL;
	uint64_t tx_b = 0, tx_p = 0, rx_b = 0, rx_p = 0, lost = 0, ooo = 0, dg = 0, rep_b = 0;
	double secs = 0, jit = 0, rep_secs = 0;
	unsigned int i;
	char by[32], bi[32], lt[160];

	if (c->tcp) {
		pg_print_final_tcp(out, c, g, kv, nb_counters);
		return;
	}
	for (i = 0; i < g->nstreams; i++) {
		const struct pg_stream *s = g->s[i];
		double e = (double)(s->last_ns > g->t0 ? s->last_ns - g->t0 : 0) / 1e9;

		if (e > secs)
			secs = e;
		if (s->lat && pg_hist_count(s->lat)) {
			if (!lat_sum)
				lat_sum = pg_hist_create(1, PG_HIST_HIGHEST_NS, 3);
			if (lat_sum)
				pg_hist_merge(lat_sum, s->lat);
		}
	}
	if (c->json) {
		root = json_object();
		end = json_object();
		streams = json_array();
		json_object_set_new(root, "start", pg_json_start(c, g));
		json_object_set_new(root, "intervals", json_incref(g->intervals));
	}

	for (i = 0; i < g->nstreams; i++) {
		const struct pg_stream *s = g->s[i];
		double ssecs = (double)(s->last_ns > g->t0 ? s->last_ns - g->t0 : 0) / 1e9;
		uint64_t slost, sdg;
		double sjit;

		tx_b += s->tot.tx_bytes;
		tx_p += s->tot.tx_pkts;
		rx_b += s->tot.rx_bytes;
		rx_p += s->tot.rx_pkts;
		if (c->role == PG_ROLE_CLIENT) {
			slost = s->has_report ? s->rep.errors : 0;
			sdg = s->has_report ? s->rep.datagrams : 0;
			sjit = s->has_report ? s->rep.jitter_s : 0;
			if (s->has_report) {
				rep_b += s->rep.bytes;
				if (s->rep.duration_s > rep_secs)
					rep_secs = s->rep.duration_s;
				ooo += s->rep.outorder;
			}
		} else {
			slost = lost_of(&s->tot);
			sdg = (uint64_t)(s->last_id > 0 ? s->last_id : 0);
			sjit = (double)s->tot.jitter_x16 / 16e9;
			ooo += s->tot.outorder;
		}
		lost += slost;
		dg += sdg;
		if (sjit > jit)
			jit = sjit;
		pg_export_final(c->export, out, c, s, g->t0, ssecs, slost, sdg);

		if (c->json) {
			json_t *se = json_object(), *u, *pg = json_object(), *l;

			if (c->role == PG_ROLE_CLIENT)
				u = end_udp_json(c, s, &s->tot, ssecs, sjit, slost, s->tot.tx_pkts,
						 s->has_report ? s->rep.outorder : 0, 1, s->tot.tx_bytes);
			else
				u = end_udp_json(c, s, &s->tot, ssecs, sjit, slost, sdg,
						 s->tot.outorder, 0, s->tot.rx_bytes);
			l = latency_json(c, s->lat);
			if (l)
				json_object_set_new(pg, "latency", l);
			if (c->role == PG_ROLE_SERVER)
				json_object_set_new(pg, "duplicates", json_integer((json_int_t)s->tot.dups));
			if (c->role == PG_ROLE_CLIENT) {
				json_object_set_new(pg, "server_report", json_boolean(s->has_report));
				if (s->has_report && s->rep.has_transit) {
					json_t *sl = json_object();

					/* the server's own figures: how it timed them is its business */
					json_object_set_new(sl, "source", json_string("peer-report"));
					json_object_set_new(sl, "bound_ns", json_null());
					json_object_set_new(sl, "mean_ns", json_real(s->rep.mean_transit_s * 1e9));
					json_object_set_new(sl, "min_ns", json_real(s->rep.min_transit_s * 1e9));
					json_object_set_new(sl, "max_ns", json_real(s->rep.max_transit_s * 1e9));
					json_object_set_new(sl, "count", json_integer(s->rep.cnt_transit));
					json_object_set_new(pg, "server_latency", sl);
				}
			}
			json_object_set_new(u, "perfgen", pg);
			json_object_set_new(se, "udp", u);
			json_array_append_new(streams, se);
			continue;
		}

		/* text */
		lat_text(lt, sizeof(lt), c, s->lat);
		if (c->role == PG_ROLE_CLIENT) {
			text_line(out, c, s, &s->tot, NULL, 0, ssecs, 0);
			fprintf(out, "[%3u] Sent %llu datagrams\n", s->id,
				(unsigned long long)(s->tot.tx_pkts + (s->ended ? 1 : 0)));
			if (s->has_report) {
				const struct pg_i2_report *r = &s->rep;
				double d = r->duration_s > 0 ? r->duration_s : 1e-9;
				char l2[96] = "";

				pg_fmt_bytes(by, sizeof(by), (double)r->bytes);
				pg_fmt_bits(bi, sizeof(bi), (double)r->bytes * 8 / d);
				if (r->has_transit && r->cnt_transit > 1)
					snprintf(l2, sizeof(l2), "  %.3f/%.3f/%.3f/%.3f ms",
						 r->mean_transit_s * 1e3, r->min_transit_s * 1e3,
						 r->max_transit_s * 1e3,
						 sqrt(r->m2_transit_s / (r->cnt_transit - 1)) * 1e3);
				fprintf(out, "[%3u] Server Report:\n", s->id);
				fprintf(out, "[%3u] %5.2f-%-5.2f sec  %s  %s  %7.3f ms %llu/%llu (%.2g%%)%s  %llu out-of-order\n",
					s->id, 0.0, r->duration_s, by, bi, r->jitter_s * 1e3,
					(unsigned long long)r->errors, (unsigned long long)r->datagrams,
					pct(r->errors, r->datagrams), l2,
					(unsigned long long)r->outorder);
			} else if (!c->no_peer) {
				fprintf(out, "[%3u] WARNING: no server report: the FIN was not acknowledged within 2 s (peer stopped or unreachable)\n",
					s->id);
			}
		} else {
			text_line(out, c, s, &s->tot, s->lat, 0, ssecs, sjit);
			pg_export_final_text(c->export, out, c, s, ssecs);
			if (s->tot.outorder || s->tot.dups)
				fprintf(out, "[%3u] %llu datagrams received out-of-order, %llu duplicates\n",
					s->id, (unsigned long long)s->tot.outorder,
					(unsigned long long)s->tot.dups);
		}
	}

	if (c->json) {
		double cpu = g->wall_s > 0 ? 100.0 * (g->cpu_user_s + g->cpu_sys_s) / g->wall_s : 0;
		json_t *cpuj = json_object(), *sum, *recv;

		json_object_set_new(end, "streams", streams);
		if (c->role == PG_ROLE_CLIENT) {
			sum = end_udp_json(c, NULL, NULL, secs, jit, lost, tx_p, ooo, 1, tx_b);
			recv = sum_json(rep_secs, rep_b, 0);
			json_object_set_new(recv, "packets", json_integer((json_int_t)dg));
			json_object_set_new(end, "sum", sum);
			json_object_set_new(end, "sum_sent", sum_json(secs, tx_b, 1));
			json_object_set_new(json_object_get(end, "sum_sent"), "packets",
					    json_integer((json_int_t)tx_p));
			json_object_set_new(end, "sum_received", recv);
		} else {
			sum = end_udp_json(c, NULL, NULL, secs, jit, lost, dg, ooo, 0, rx_b);
			json_object_set_new(end, "sum", sum);
			json_object_set_new(end, "sum_sent", sum_json(secs, 0, 1));
			recv = sum_json(secs, rx_b, 0);
			json_object_set_new(recv, "packets", json_integer((json_int_t)dg));
			json_object_set_new(end, "sum_received", recv);
		}
		json_object_set_new(cpuj, "host_total", json_real(cpu));
		json_object_set_new(cpuj, "host_user", json_real(100.0 * g->cpu_user_s / g->wall_s));
		json_object_set_new(cpuj, "host_system", json_real(100.0 * g->cpu_sys_s / g->wall_s));
		json_object_set_new(cpuj, "remote_total", json_real(0));
		json_object_set_new(cpuj, "remote_user", json_real(0));
		json_object_set_new(cpuj, "remote_system", json_real(0));
		json_object_set_new(end, "cpu_utilization_percent", cpuj);
		json_object_set_new(end, "perfgen", pg_json_perfgen(c, kv, nb_counters, lat_sum));
		if (c->no_peer)
			json_object_set_new(json_object_get(end, "perfgen"), "lcores",
					    lcore_rates(out, c, g, 1));
		json_object_set_new(root, "end", end);
		json_object_set_new(root, "perfgen", pg_json_perfgen(c, kv, nb_counters, NULL));
		pg_json_emit_root(c, g, root, out);
		json_decref(root);
	} else {
		if (g->nstreams > 1) {
			struct pg_msg_counters s;

			memset(&s, 0, sizeof(s));
			s.tx_bytes = tx_b;
			s.tx_pkts = tx_p;
			s.rx_bytes = rx_b;
			s.rx_pkts = rx_p;
			if (c->role == PG_ROLE_SERVER) {
				s.gaps = lost;
				text_line(out, c, NULL, &s, lat_sum, 0, secs, jit);
			} else {
				text_line(out, c, NULL, &s, NULL, 0, secs, 0);
				if (rep_b) {
					pg_fmt_bytes(by, sizeof(by), (double)rep_b);
					pg_fmt_bits(bi, sizeof(bi), (double)rep_b * 8 / (rep_secs > 0 ? rep_secs : 1e-9));
					fprintf(out, "[SUM] Server Reports: %5.2f-%-5.2f sec  %s  %s  %llu/%llu (%.2g%%)\n",
						0.0, rep_secs, by, bi, (unsigned long long)lost,
						(unsigned long long)dg, pct(lost, dg));
				}
			}
		}
		if (c->no_peer)
			lcore_rates(out, c, g, 0);
		for (i = 0; i < nb_counters; i++)
			fprintf(out, "perfgen: %s %llu\n", kv[i].name, (unsigned long long)kv[i].value);
	}
	pg_hist_free(lat_sum);
	fflush(out);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* Export files and hooks (see export.h): --hdr-log, --csv, --histograms, loss events,
 * --json-stream. Runs on the main lcore. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export.h"
#include "hist.h"
#include "latclock.h"
#include "report_priv.h"

struct pg_export {
	struct pg_export_conf conf;
	FILE *hlog, *csv;
	int hlog_started;
	uint64_t bin_ns;
	uint32_t bins;
	int unit_ms;
	int loss_text;               /* --loss-threshold / --warmup-intervals given */
	const struct pg_group *started; /* json-stream: group whose "start" went out */
	json_t *pending;             /* json-stream: loss events, sent after their interval */
	uint64_t loss_events;
};

struct pg_export *pg_export_open(const struct pg_export_conf *ec, char *err, size_t errlen)
{
	struct pg_export *e = calloc(1, sizeof(*e));

	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->conf = *ec;
	e->loss_text = ec->warmup_intervals || ec->loss_threshold;
	if (ec->histograms &&
	    pg_export_parse_hist_spec(ec->histograms, &e->bin_ns, &e->bins, &e->unit_ms, err, errlen)) {
		free(e);
		errno = EINVAL;
		return NULL;
	}
	if (ec->hdr_log && !(e->hlog = fopen(ec->hdr_log, "w"))) {
		snprintf(err, errlen, "--hdr-log %s: %s", ec->hdr_log, strerror(errno));
		goto fail;
	}
	if (ec->csv && !(e->csv = fopen(ec->csv, "w"))) {
		snprintf(err, errlen, "--csv %s: %s", ec->csv, strerror(errno));
		goto fail;
	}
	if (e->csv) {
		fprintf(e->csv, "kind,start_s,end_s,stream,role,bytes,bits_per_second,packets,lost,total,"
				"jitter_ms,latency_source,latency_bound_ns,latency_count,latency_min_ns,"
				"latency_mean_ns,latency_stdev_ns,latency_p50_ns,latency_p90_ns,"
				"latency_p99_ns,latency_p999_ns,latency_p9999_ns,latency_max_ns\n");
		fflush(e->csv);
	}
	return e;
fail: {
	int sv = errno;

	pg_export_close(e);
	errno = sv;
	return NULL;
}
}

void pg_export_close(struct pg_export *e)
{
	if (!e)
		return;
	if (e->hlog)
		fclose(e->hlog);
	if (e->csv)
		fclose(e->csv);
	json_decref(e->pending);
	free(e);
}

int pg_export_json_stream(const struct pg_export *e)
{
	return e && e->conf.json_stream;
}

void pg_export_event(struct pg_export *e, const char *name, void *data)
{
	json_t *o = json_object();

	json_object_set_new(o, "event", json_string(name));
	json_object_set_new(o, "data", data ? (json_t *)data : json_object());
	json_dumpf(o, stdout, JSON_COMPACT | JSON_REAL_PRECISION(10));
	fputc('\n', stdout);
	fflush(stdout);
	json_decref(o);
	(void)e;
}

static void hlog_line(struct pg_export *e, const struct pg_stream *s, uint64_t t0_ns, double a,
		      double b, const struct pg_hist *h)
{
	char *enc;

	if (!e->hlog || !h || !pg_hist_count(h))
		return;
	if (!e->hlog_started) {
		time_t t = (time_t)(t0_ns / 1000000000u);
		char date[64];

		strftime(date, sizeof(date), "%a %b %d %H:%M:%S UTC %Y", gmtime(&t));
		fprintf(e->hlog, "#[Logged with perfgen %s: one-way latency in ns, Tag=stream<id>]\n",
			PERFGEN_VERSION);
		fprintf(e->hlog, "#[Histogram log format version 1.3]\n");
		fprintf(e->hlog, "#[StartTime: %.3f (seconds since epoch), %s]\n", (double)t0_ns / 1e9,
			date);
		fprintf(e->hlog, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
				 "\"Interval_Compressed_Histogram\"\n");
		e->hlog_started = 1;
	}
	enc = pg_hdrlog_encode(h);
	if (!enc)
		return;
	/* Interval_Max in the writers' default unit ratio (1e6: ns -> ms) */
	fprintf(e->hlog, "Tag=stream%u,%.3f,%.3f,%.3f,%s\n", s->id, a, b - a,
		(double)pg_hist_max(h) / 1e6, enc);
	fflush(e->hlog);
	free(enc);
}

static void csv_row(struct pg_export *e, const struct pg_report_conf *c, const char *kind,
		    const struct pg_stream *s, const struct pg_msg_counters *k,
		    const struct pg_hist *h, double a, double b, uint64_t lost, uint64_t total)
{
	int sender = c->role == PG_ROLE_CLIENT;
	uint64_t bytes = sender ? k->tx_bytes : k->rx_bytes;
	uint64_t pkts = sender ? k->tx_pkts : k->rx_pkts;
	double secs = b - a > 1e-9 ? b - a : 1e-9;

	if (!e->csv)
		return;
	fprintf(e->csv, "%s,%.6f,%.6f,%u,%s,%llu,%.0f,%llu,", kind, a, b, s->id,
		sender ? "sender" : "receiver", (unsigned long long)bytes, (double)bytes * 8 / secs,
		(unsigned long long)pkts);
	if (sender || c->tcp)
		fprintf(e->csv, ",,,");
	else
		fprintf(e->csv, "%llu,%llu,%.6f,", (unsigned long long)lost,
			(unsigned long long)total, (double)k->jitter_x16 / 16e6);
	if (h && pg_hist_count(h)) {
		const char *src;
		uint64_t bound;
		uint32_t res;

		pg_latency_source(c->latclk, &src, &bound, &res);
		fprintf(e->csv, "%s,", src);
		if (bound != PG_BOUND_UNKNOWN)
			fprintf(e->csv, "%llu", (unsigned long long)bound);
		fprintf(e->csv, ",%llu,%llu,%.1f,%.1f,%llu,%llu,%llu,%llu,%llu,%llu\n",
			(unsigned long long)pg_hist_count(h), (unsigned long long)pg_hist_min(h),
			pg_hist_mean(h), pg_hist_stdev(h),
			(unsigned long long)pg_hist_percentile(h, 50.0),
			(unsigned long long)pg_hist_percentile(h, 90.0),
			(unsigned long long)pg_hist_percentile(h, 99.0),
			(unsigned long long)pg_hist_percentile(h, 99.9),
			(unsigned long long)pg_hist_percentile(h, 99.99),
			(unsigned long long)pg_hist_max(h));
	} else {
		fprintf(e->csv, ",,,,,,,,,,,\n");
	}
	fflush(e->csv);
}

static void hist_text(struct pg_export *e, FILE *out, const struct pg_stream *s, double a,
		      double b, int final, const struct pg_hist *h)
{
	char line[65536];

	if (!e->conf.histograms || !h || !pg_hist_count(h))
		return;
	pg_iperf2_hist_format(line, sizeof(line), h, e->bin_ns, e->bins, e->unit_ms);
	fprintf(out, "[%3u] %4.4f-%4.4f sec T8%s-PDF: %s\n", s->id, a, b, final ? "(f)" : "", line);
}

void pg_export_interval(struct pg_export *e, FILE *out, const struct pg_report_conf *c,
			const struct pg_stream *s, uint64_t t0_ns, unsigned int ivl, double a,
			double b, uint64_t lost, uint64_t total)
{
	if (!e)
		return;
	if (!c->json)
		hist_text(e, out, s, a, b, 0, s->lat_ivl);
	hlog_line(e, s, t0_ns, a, b, s->lat_ivl);
	csv_row(e, c, "interval", s, &s->ivl, s->lat_ivl, a, b, lost, total);
	if (c->role == PG_ROLE_SERVER && !c->tcp && ivl >= e->conf.warmup_intervals &&
	    lost > e->conf.loss_threshold) {
		e->loss_events++;
		if (e->conf.json_stream) {
			json_t *d = json_object();

			json_object_set_new(d, "socket", json_integer(s->id));
			json_object_set_new(d, "interval", json_integer(ivl));
			json_object_set_new(d, "start", json_real(a));
			json_object_set_new(d, "end", json_real(b));
			json_object_set_new(d, "lost_packets", json_integer((json_int_t)lost));
			json_object_set_new(d, "packets", json_integer((json_int_t)total));
			json_object_set_new(d, "lost_percent",
					    json_real(total ? 100.0 * (double)lost / (double)total : 0));
			json_object_set_new(d, "threshold", json_integer((json_int_t)e->conf.loss_threshold));
			if (!e->pending)
				e->pending = json_array();
			json_array_append_new(e->pending, d);
		} else if (e->loss_text && !c->json) {
			fprintf(out, "[%3u] %4.4f-%4.4f sec LOSS %llu/%llu datagrams (above %llu)\n", s->id,
				a, b, (unsigned long long)lost, (unsigned long long)total,
				(unsigned long long)e->conf.loss_threshold);
		}
	}
}

void pg_export_final(struct pg_export *e, FILE *out, const struct pg_report_conf *c,
		     const struct pg_stream *s, uint64_t t0_ns, double secs, uint64_t lost,
		     uint64_t total)
{
	if (!e)
		return;
	(void)out;
	/* with -i the log holds the intervals as reported; without, one line per test */
	if (!(c->interval_s > 0))
		hlog_line(e, s, t0_ns, 0, secs, s->lat);
	csv_row(e, c, "final", s, &s->tot, s->lat, 0, secs, lost, total);
}

void pg_export_final_text(struct pg_export *e, FILE *out, const struct pg_report_conf *c,
			  const struct pg_stream *s, double secs)
{
	if (e && !c->json)
		hist_text(e, out, s, 0, secs, 1, s->lat);
}

void pg_json_stream_start(const struct pg_report_conf *c, struct pg_group *g)
{
	struct pg_export *e = c->export;

	if (!pg_export_json_stream(e) || !g || e->started == g)
		return;
	e->started = g;
	pg_export_event(e, "start", pg_json_start(c, g));
}

void pg_json_stream_interval(const struct pg_report_conf *c, struct pg_group *g, void *iv)
{
	if (!pg_export_json_stream(c->export))
		return;
	struct pg_export *e = c->export;
	size_t i;
	json_t *d;

	pg_json_stream_start(c, g);
	pg_export_event(e, "interval", json_incref((json_t *)iv));
	if (e->pending) {
		json_array_foreach(e->pending, i, d)
			pg_export_event(e, "loss", json_incref(d));
		json_decref(e->pending);
		e->pending = NULL;
	}
}

void pg_json_emit_root(const struct pg_report_conf *c, struct pg_group *g, void *root, FILE *out)
{
	struct pg_export *e = c->export;
	json_t *r = root;

	if (!pg_export_json_stream(e)) {
		json_dumpf(r, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		fputc('\n', out);
		return;
	}
	if (e->started != g)
		pg_export_event(e, "start", json_incref(json_object_get(r, "start")));
	pg_export_event(e, "end", json_incref(json_object_get(r, "end")));
	e->started = NULL;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exports of the reports in the formats other tools read, fed by the reporter at every
 * interval and at the end of a test (main lcore only, never the dataplane):
 *  - --histograms[=W,N]: iperf 2.1.8's latency histogram lines ("T8-PDF: bin(w=..)...")
 *    after each server latency line, rebuilt from the HdrHistogram counts;
 *  - --hdr-log FILE: HdrHistogram interval log v1.3 (V2 compressed, base64), one line per
 *    stream per interval (or per test without -i), tagged "stream<id>";
 *  - --csv FILE: one row per stream per interval and one final row;
 *  - loss events: per-interval losses above --loss-threshold after --warmup-intervals, as a
 *    text line and (with --json-stream) a {"event":"loss"} record;
 *  - --json-stream: one JSON object per line as things happen (iperf3 3.17 style).
 */
#ifndef PG_EXPORT_H
#define PG_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct pg_hist;
struct pg_report_conf;
struct pg_stream;
struct pg_export;

struct pg_export_conf {
	const char *histograms;      /* NULL = off; "" = defaults; "W,N" */
	const char *hdr_log;         /* NULL = off */
	const char *csv;             /* NULL = off */
	int json_stream;
	uint32_t warmup_intervals;
	uint64_t loss_threshold;
};

/*
 * Parses --histograms' "BINWIDTH[,BINS]" (BINWIDTH: number with u or m, no suffix = us;
 * "" = iperf2's defaults 100u,10000). 0 or -EINVAL with a one-line reason in err.
 */
int pg_export_parse_hist_spec(const char *spec, uint64_t *binwidth_ns, uint32_t *bins,
			      int *unit_ms, char *err, size_t errlen);

/* Opens the files. NULL + errno with the reason in err ("--csv /x: Permission denied"). */
struct pg_export *pg_export_open(const struct pg_export_conf *ec, char *err, size_t errlen);
void pg_export_close(struct pg_export *e);

/* The reporter's hooks: stream s's interval [a, b) (index ivl from 0) or its whole test. */
void pg_export_interval(struct pg_export *e, FILE *out, const struct pg_report_conf *c,
			const struct pg_stream *s, uint64_t t0_ns, unsigned int ivl, double a,
			double b, uint64_t lost, uint64_t total);
void pg_export_final(struct pg_export *e, FILE *out, const struct pg_report_conf *c,
		     const struct pg_stream *s, uint64_t t0_ns, double secs, uint64_t lost,
		     uint64_t total);
/* Text mode: the final histogram line of stream s, after its final report line. */
void pg_export_final_text(struct pg_export *e, FILE *out, const struct pg_report_conf *c,
			  const struct pg_stream *s, double secs);

/*
 * --json-stream for the reporter (no-ops without it): the "start" event of group g (once;
 * the streams known by then), an "interval" event (iv: the json_t interval object, not
 * stolen), and the test's root object as a "start" (if not yet sent) and "end" event.
 * Without --json-stream pg_json_emit_root prints root as one indented JSON document.
 */
struct pg_group;
void pg_json_stream_start(const struct pg_report_conf *c, struct pg_group *g);
void pg_json_stream_interval(const struct pg_report_conf *c, struct pg_group *g, void *iv);
void pg_json_emit_root(const struct pg_report_conf *c, struct pg_group *g, void *root, FILE *out);

/* json-stream: one {"event": name, "data": data} line (data is a json_t *, stolen). */
void pg_export_event(struct pg_export *e, const char *name, void *data);
int pg_export_json_stream(const struct pg_export *e);

/*
 * iperf 2.1.8's histogram line body for h: "bin(w=10us):cnt(91)=1:25,2:62 (5.00/95.00/
 * 99.7%=1/2/9,Outliers=1,obl/obu=0/0)". Each HdrHistogram bucket is put in the linear bin
 * of its lowest value, so a sample within 0.1% of a bin edge may land one bin over.
 * Returns the length written (truncated to len like snprintf).
 */
int pg_iperf2_hist_format(char *buf, size_t len, const struct pg_hist *h, uint64_t binwidth_ns,
			  uint32_t bins, int unit_ms);

/*
 * HdrHistogram V2 compressed encoding of h, base64 ("HISTFAAA..."), malloc'd, NUL-ended.
 * NULL + errno (ENOMEM, EIO when zlib fails).
 */
char *pg_hdrlog_encode(const struct pg_hist *h);

#endif /* PG_EXPORT_H */

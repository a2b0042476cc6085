/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3 on the main thread (see iperf3_run.h). One struct test per control connection
 * (the client has one; the server one per client it serves). Control bytes arrive from
 * the lcore's "up" ring and are fed to pg_iperf3_ctrl; its output goes back in chunks
 * through the "down" ring, with the stream commands (open, attach, run, stop, close).
 * Results come from the lcore's per-stream counters (atomics, single writer). A client's
 * streams may run on several lcores (the control connection on the first): a stream is
 * addressed by (lcore, slot), and every lcore's up ring is drained. A server's
 * connections, control ones included, are on whichever lcore their first packet reached:
 * a test keeps its control connection's lcore, each stream its own.
 */
#include "export.h"
#include "flow_owner.h"
#include "iperf3_run.h"
#include "iperf3_dp.h"
#include "dataplane.h"
#include "opts.h"
#include "ring.h"
#include "iperf3.h"
#include "export.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>

#include <jansson.h>

#define MAXS PG_IPERF3_MAX_RESULT_STREAMS
#define DRAIN_TIMEOUT_NS 30000000000ull /* a slow peer takes a while to acknowledge the lead */
#define SETTLE_NS 100000000ull   /* after the senders drained, before TEST_END */
#define QUIET_NS 1000000000ull   /* server: no new bytes for this long after TEST_END (above
                                  * a kernel sender's RTO after two backoffs) */
#define QUIET_MAX_NS 5000000000ull
#define IDLE_CTRL_NS 5000000000ull /* server: a control connection that sends no params for 5 s */
#define MAX_TESTS 64

struct i3_stream {
	int used;
	unsigned int lc;                  /* the dataplane lcore that runs it (env lc[] index) */
	unsigned int slot;                /* on that lcore; also iperf3's "socket" number */
	int32_t id;
	int sender, udp;
	int up, drained, closed;
	uint64_t omit_bytes, omit_pkts;
	uint64_t ivl_bytes, ivl_pkts;     /* at the start of the current interval */
	uint32_t peer_ip;
	uint16_t peer_port, local_port;
};

enum test_phase { T_NEW = 0, T_CTRL, T_RUNNING, T_ENDING, T_SETTLE, T_RESULTS, T_DONE };

struct test {
	int used;
	struct pg_i3_env *e;
	struct pg_iperf3_ctrl *c;
	unsigned int ctrl_lc;             /* the lcore of the control connection */
	unsigned int ctrl_slot;
	int phase;
	int failed;
	int streamed_start;  /* --json-stream: the "start" record went out */
	char cookie[PG_IPERF3_COOKIE_LEN];
	struct pg_iperf3_params p;
	unsigned int ns, nb_expected, next_open;
	struct i3_stream s[MAXS];
	uint64_t t_accept, t_start, t_running, t_end, t_phase, t_last_rx;
	uint64_t last_total;
	uint64_t wr_sent;                /* control bytes handed to the lcore */
	int omit_done;
	double next_ivl;
	json_t *intervals;
	uint32_t peer_ip;
	uint16_t peer_port;
	struct rusage ru0;
	uint64_t cpu_t0;
	struct pg_iperf3_stream_result local[MAXS]; /* our counters when results were made */
	int have_local;
	struct pg_iperf3_results peer;   /* copy of the peer's results (no server output) */
	int have_peer;
	char *server_text;               /* --get-server-output: what the server printed */
	char *server_json;
	char *our_json;                  /* server: our -J report for the client */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* Lcore k of the test. */
static struct pg_i3_lcore *LC(const struct test *t, unsigned int k)
{
	return t->e->lc[k].i3;
}

/* The lcore of the test's control connection. */
static struct pg_i3_lcore *L(const struct test *t)
{
	return LC(t, t->ctrl_lc);
}

/* Sends a command to lcore k; the ring is large and drained every pass, so a full ring
 * only waits. */
static void down_to(struct test *t, unsigned int k, uint8_t type, unsigned int slot, const void *data,
		    uint16_t len)
{
	struct pg_i3_down d;
	int tries = 0;

	memset(&d, 0, sizeof(d));
	d.type = type;
	d.slot = (uint16_t)slot;
	d.len = len;
	if (data && len)
		memcpy(d.u.data, data, len > sizeof(d.u.data) ? sizeof(d.u.data) : len);
	while (pg_ring_enqueue_burst(LC(t, k)->down, &d, 1) != 1 && tries++ < 5000)
		sleep_ms(1);
}

/* A command for the control connection's lcore. */
static void down(struct test *t, uint8_t type, unsigned int slot, const void *data, uint16_t len)
{
	down_to(t, t->ctrl_lc, type, slot, data, len);
}

/* A command for stream s, on its lcore. */
static void down_s(struct test *t, const struct i3_stream *s, uint8_t type)
{
	down_to(t, s->lc, type, s->slot, NULL, 0);
}

static void down_sc(struct test *t, unsigned int k, uint8_t type, unsigned int slot,
		    const struct pg_i3_stream_conf *sc)
{
	struct pg_i3_down d;
	int tries = 0;

	memset(&d, 0, sizeof(d));
	d.type = type;
	d.slot = (uint16_t)slot;
	d.u.sc = *sc;
	while (pg_ring_enqueue_burst(LC(t, k)->down, &d, 1) != 1 && tries++ < 5000)
		sleep_ms(1);
}

/*
 * Control output -> WRITE chunks, never more than the lcore's send ring holds beyond what
 * the peer acknowledged: a WRITE then always fits, so a peer that stops reading its
 * control connection holds up only its own output, not the commands of other tests.
 */
static void flush_ctrl(struct test *t)
{
	const uint8_t *d;
	size_t n;

	if (t->ctrl_slot >= PG_I3_CONNS)
		return;
	while (t->c && (n = pg_iperf3_ctrl_output(t->c, &d)) > 0) {
		size_t k = n > PG_I3_CHUNK ? PG_I3_CHUNK : n;
		uint64_t acked = atomic_load_explicit(&L(t)->slots[t->ctrl_slot].cnt.ctrl_acked,
						      memory_order_acquire);

		if (t->wr_sent + k - acked > PG_I3_CTRL_SNDBUF - PG_I3_CHUNK)
			break; /* again on the next pass, once acknowledged */
		down(t, PG_I3_DOWN_WRITE, t->ctrl_slot, d, (uint16_t)k);
		t->wr_sent += k;
		pg_iperf3_ctrl_output_done(t->c, k);
	}
}

static struct i3_stream *stream_of_slot(struct test *t, unsigned int k, unsigned int slot)
{
	unsigned int i;

	for (i = 0; i < t->ns; i++)
		if (t->s[i].used && t->s[i].lc == k && t->s[i].slot == slot)
			return &t->s[i];
	return NULL;
}

static struct pg_i3_counters *cnt(struct test *t, const struct i3_stream *s)
{
	return &LC(t, s->lc)->slots[s->slot].cnt;
}

static uint64_t ld(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static uint64_t s_bytes(struct test *t, const struct i3_stream *s)
{
	return ld(&cnt(t, s)->bytes) - s->omit_bytes;
}

/* The block count / byte limit of the whole test spread over the sending streams. */
static uint64_t stream_limit(const struct pg_iperf3_params *p, unsigned int k, unsigned int senders)
{
	uint64_t blocks = p->blockcount;

	if (!blocks && p->num)
		blocks = (p->num + p->len - 1) / p->len;
	if (!blocks || !senders)
		return 0;
	return (blocks / senders + (k < blocks % senders)) * p->len;
}

static void stream_conf(const struct test *t, unsigned int i, struct pg_i3_stream_conf *sc)
{
	const struct pg_iperf3_params *p = &t->p;
	unsigned int senders = 0, k = 0, j;
	enum pg_iperf3_role role = t->e->o->server ? PG_IPERF3_SERVER : PG_IPERF3_CLIENT;

	for (j = 0; j < t->nb_expected; j++)
		if (pg_iperf3_stream_is_sender(p, role, j)) {
			if (j < i)
				k++;
			senders++;
		}
	memset(sc, 0, sizeof(*sc));
	sc->sender = (uint8_t)pg_iperf3_stream_is_sender(p, role, i);
	sc->udp = p->udp;
	sc->counters_64bit = p->udp_counters_64bit;
	sc->blksize = p->len;
	sc->rate = p->bandwidth; /* 0 = unlimited (a client that wants 1 Mbit/s says so) */
	/* the client's -C, where perfgen's engine has it (an unknown one is only a warning in
	 * iperf3 too) */
	sc->cc = !strcmp(p->congestion, "reno") ? 1 : !strcmp(p->congestion, "cubic") ? 2 : 0;
	sc->max_bytes = sc->sender ? stream_limit(p, k, senders) : 0;
}

/* ------------------------------------------------------------------ output ---- */

static void local_result(struct test *t, unsigned int i, double dur, struct pg_iperf3_stream_result *r);

/* What ran where, with several dataplane lcores: per lcore, its streams and the bytes they
 * counted (counters written by that lcore only; the figures of the report once results
 * were made), the frames its queue received and how many of those it passed to the
 * owning lcore (or dropped: that ring was full). */
struct lcore_use {
	unsigned int streams;
	uint64_t bytes, rx_frames, redirected, redirect_full;
};

static void lcore_use_of(struct test *t, unsigned int k, struct lcore_use *u)
{
	const struct pg_lcore_stats *st = &t->e->lc[k].stats;
	unsigned int i;

	memset(u, 0, sizeof(*u));
	for (i = 0; i < t->ns; i++)
		if (t->s[i].used && t->s[i].lc == k) {
			struct pg_iperf3_stream_result r;

			local_result(t, i, 0, &r);
			u->streams++;
			u->bytes += r.bytes;
		}
	u->rx_frames = atomic_load_explicit(&st->rx_frames, memory_order_relaxed);
	u->redirected = atomic_load_explicit(&st->rx_redirected, memory_order_relaxed);
	u->redirect_full = atomic_load_explicit(&st->rx_redirect_full, memory_order_relaxed);
}

static json_t *lcores_json(struct test *t)
{
	json_t *a = json_array();
	unsigned int k;

	for (k = 0; k < t->e->nb_lc; k++) {
		struct lcore_use u;

		lcore_use_of(t, k, &u);
		json_array_append_new(a, json_pack("{s:i,s:i,s:i,s:I,s:I,s:I,s:I}", "lcore", (int)k, "cpu",
						   t->e->lc[k].cpu, "streams", (int)u.streams, "stream_bytes",
						   (json_int_t)u.bytes, "rx_frames", (json_int_t)u.rx_frames,
						   "redirected", (json_int_t)u.redirected, "redirect_ring_full",
						   (json_int_t)u.redirect_full));
	}
	return a;
}

/* The same on stderr, one line (the report itself keeps iperf3's form). */
static void print_lcores(struct test *t)
{
	unsigned int k;

	fprintf(stderr, "perfgen: iperf3 streams over %u dataplane lcores:", t->e->nb_lc);
	for (k = 0; k < t->e->nb_lc; k++) {
		struct lcore_use u;

		lcore_use_of(t, k, &u);
		fprintf(stderr, "%s lcore %u (CPU %d) %u streams, %" PRIu64 " bytes, %" PRIu64
			" frames received, %" PRIu64 " passed on, %" PRIu64 " dropped (ring full)",
			k ? ";" : "", k, t->e->lc[k].cpu, u.streams, u.bytes, u.rx_frames, u.redirected,
			u.redirect_full);
	}
	fputc('\n', stderr);
}

static double secs(uint64_t a, uint64_t b)
{
	return b > a ? (double)(b - a) / 1e9 : 0;
}

static double cpu_now_pct(const struct test *t, double *user, double *sys)
{
	struct rusage ru;
	double wall = secs(t->cpu_t0, mono_ns());
	double u, s;

	getrusage(RUSAGE_SELF, &ru);
	u = (double)(ru.ru_utime.tv_sec - t->ru0.ru_utime.tv_sec) +
	    (double)(ru.ru_utime.tv_usec - t->ru0.ru_utime.tv_usec) / 1e6;
	s = (double)(ru.ru_stime.tv_sec - t->ru0.ru_stime.tv_sec) +
	    (double)(ru.ru_stime.tv_usec - t->ru0.ru_stime.tv_usec) / 1e6;
	*user = wall > 0 ? 100.0 * u / wall : 0;
	*sys = wall > 0 ? 100.0 * s / wall : 0;
	return *user + *sys;
}

/*
 * iperf3's adaptive units (units.c): divide by the base until under it, then print four
 * places: "0.00", "5.00", "40.3", "589" - so perfgen's lines read like iperf3 3.12's.
 */
static void fmt_unit(char *b, size_t n, double v, double base, const char *const units[5])
{
	int i = 0;

	while (v >= base && i < 4) {
		v /= base;
		i++;
	}
	if (v < 9.995)
		snprintf(b, n, "%4.2f %s", v, units[i]);
	else if (v < 99.95)
		snprintf(b, n, "%4.1f %s", v, units[i]);
	else
		snprintf(b, n, "%4.0f %s", v, units[i]);
}

static void fmt_bytes(char *b, size_t n, double v)
{
	static const char *const u[5] = { "Bytes", "KBytes", "MBytes", "GBytes", "TBytes" };

	fmt_unit(b, n, v, 1024.0, u);
}

static void fmt_bits(char *b, size_t n, double v)
{
	static const char *const u[5] = { "bits/sec", "Kbits/sec", "Mbits/sec", "Gbits/sec", "Tbits/sec" };

	fmt_unit(b, n, v, 1000.0, u);
}

static json_t *jnum(double v)
{
	return json_real(v);
}

static json_t *range_obj(double a, double b, uint64_t bytes)
{
	return json_pack("{s:o,s:o,s:o,s:I,s:o}", "start", jnum(a), "end", jnum(b), "seconds", jnum(b - a),
			 "bytes", (json_int_t)bytes, "bits_per_second",
			 jnum(b > a ? (double)bytes * 8 / (b - a) : 0));
}

/* One -i interval: streams and sum, like iperf3's. */
static json_t *start_obj(struct test *t);

static void interval(struct test *t, double a, double b)
{
	FILE *out = t->e->out;
	json_t *iv = NULL, *arr = NULL;
	uint64_t sum_b[2] = { 0, 0 }, sum_p[2] = { 0, 0 }, sum_retr[2] = { 0, 0 };
	unsigned int i, g;

	if (t->e->o->json) {
		iv = json_object();
		arr = json_array();
	}
	for (i = 0; i < t->ns; i++) {
		struct i3_stream *s = &t->s[i];
		struct pg_i3_counters *c = cnt(t, s);
		uint64_t by = ld(&c->bytes), pk = ld(&c->packets);
		uint64_t db = by - s->ivl_bytes, dp = pk - s->ivl_pkts;
		char tb[32], bb[32];

		g = t->p.bidir && s->sender != t->s[0].sender;
		s->ivl_bytes = by;
		s->ivl_pkts = pk;
		sum_b[g] += db;
		sum_p[g] += dp;
		if (iv) {
			json_t *o = range_obj(a, b, db);

			json_object_set_new(o, "socket", json_integer((json_int_t)s->slot));
			if (t->p.udp) {
				json_object_set_new(o, "packets", json_integer((json_int_t)dp));
			} else if (s->sender) {
				json_object_set_new(o, "retransmits", json_integer((json_int_t)ld(&c->retrans)));
				json_object_set_new(o, "snd_cwnd", json_integer(atomic_load(&c->cwnd)));
				json_object_set_new(o, "rtt", json_integer(atomic_load(&c->rtt_us)));
				sum_retr[g] += ld(&c->retrans);
			}
			json_object_set_new(o, "omitted", json_boolean(!t->omit_done));
			json_object_set_new(o, "sender", json_boolean(s->sender));
			json_array_append_new(arr, o);
		} else {
			fmt_bytes(tb, sizeof(tb), (double)db);
			fmt_bits(bb, sizeof(bb), b > a ? (double)db * 8 / (b - a) : 0);
			fprintf(out, "[%3u]%s %6.2f-%-6.2f sec  %s  %s%s\n", s->slot,
				t->p.bidir ? (s->sender ? "[TX-C]" : "[RX-C]") : "", a, b, tb, bb,
				t->omit_done ? "" : "  (omitted)");
		}
	}
	if (iv) {
		json_object_set_new(iv, "streams", arr);
		for (g = 0; g < (t->p.bidir ? 2u : 1u); g++) {
			json_t *sum = range_obj(a, b, sum_b[g]);
			int snd = t->ns && (g ? !t->s[0].sender : t->s[0].sender);

			if (t->p.udp)
				json_object_set_new(sum, "packets", json_integer((json_int_t)sum_p[g]));
			else if (snd)
				json_object_set_new(sum, "retransmits", json_integer((json_int_t)sum_retr[g]));
			json_object_set_new(sum, "omitted", json_boolean(!t->omit_done));
			json_object_set_new(sum, "sender", json_boolean(snd));
			json_object_set_new(iv, g ? "sum_bidir_reverse" : "sum", sum);
		}
		json_array_append_new(t->intervals, iv);
		if (t->e->o->json_stream) {
			if (!t->streamed_start) {
				t->streamed_start = 1;
				pg_export_event(NULL, "start", start_obj(t));
			}
			pg_export_event(NULL, "interval", json_incref(iv));
		}
	} else {
		fflush(out);
	}
}

struct side {
	uint64_t bytes;
	int64_t packets, errors, retrans;
	double jitter, dur;
	int64_t ooo;
};

/* Our view of stream i as a results entry. */
static void local_result(struct test *t, unsigned int i, double dur, struct pg_iperf3_stream_result *r)
{
	struct i3_stream *s = &t->s[i];
	struct pg_i3_counters *c = cnt(t, s);

	if (t->have_local) {
		*r = t->local[i];
		return;
	}
	memset(r, 0, sizeof(*r));
	r->id = s->id;
	r->bytes = s_bytes(t, s);
	r->end_time = dur;
	if (s->sender) {
		r->retransmits = t->p.udp ? -1 : (int64_t)ld(&c->retrans);
		r->packets = t->p.udp ? (int64_t)(ld(&c->packets) - s->omit_pkts) : 0;
	} else {
		r->retransmits = -1;
		if (t->p.udp) {
			r->packets = (int64_t)ld(&c->rx_hi);
			r->errors = atomic_load_explicit(&c->rx_err, memory_order_relaxed);
			r->outoforder = (int64_t)ld(&c->rx_ooo);
			r->jitter = (double)ld(&c->jitter_ns) / 1e9;
		}
	}
}

static void fill_results(struct test *t, struct pg_iperf3_results *r)
{
	double dur = secs(t->t_start, t->t_end ? t->t_end : mono_ns());
	double u, s;
	unsigned int i, senders = 0;

	memset(r, 0, sizeof(*r));
	r->cpu_util_total = cpu_now_pct(t, &u, &s);
	r->cpu_util_user = u;
	r->cpu_util_system = s;
	r->nb_streams = t->ns;
	for (i = 0; i < t->ns; i++) {
		local_result(t, i, dur, &r->streams[i]);
		t->local[i] = r->streams[i];
		senders += (unsigned int)t->s[i].sender;
	}
	t->have_local = 1;
	r->sender_has_retransmits = !senders ? -1 : t->p.udp ? 0 : 1;
	if (!t->p.udp)
		snprintf(r->congestion_used, sizeof(r->congestion_used), "%s",
			 !strcmp(t->p.congestion, "reno") || !strcmp(t->p.congestion, "cubic") ?
			 t->p.congestion : t->e->o->cc ? t->e->o->cc : "cubic");
}

static json_t *conn_json(struct test *t, const struct i3_stream *s)
{
	char lh[INET_ADDRSTRLEN], rh[INET_ADDRSTRLEN];
	struct in_addr a;

	a.s_addr = t->e->local_ip;
	inet_ntop(AF_INET, &a, lh, sizeof(lh));
	a.s_addr = s->peer_ip;
	inet_ntop(AF_INET, &a, rh, sizeof(rh));
	return json_pack("{s:i,s:s,s:i,s:s,s:i}", "socket", (int)s->slot, "local_host", lh, "local_port",
			 (int)s->local_port, "remote_host", rh, "remote_port", (int)s->peer_port);
}

/* The "start" object of the -J report (also the first --json-stream record). */
static json_t *start_obj(struct test *t)
{
	const struct pg_iperf3_params *p = &t->p;
	struct pg_i3_env *e = t->e;
	int client = !e->o->server;
	json_t *start;

	start = json_object();
	json_t *conn = json_array();
	unsigned int i;
	for (i = 0; i < t->ns; i++)
		json_array_append_new(conn, conn_json(t, &t->s[i]));
	json_object_set_new(start, "connected", conn);
	json_object_set_new(start, "version", json_string("perfgen " PERFGEN_VERSION " (iperf 3.12 wire)"));
	json_object_set_new(start, "system_info", json_string("perfgen"));
	{
		char buf[64];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
		json_object_set_new(start, "timestamp", json_pack("{s:s,s:I}", "time", buf, "timesecs",
								   (json_int_t)now));
	}
	if (client) {
		json_object_set_new(start, "connecting_to", json_pack("{s:s,s:i}", "host", e->o->client,
								       "port", (int)e->port));
	} else {
		char rh[INET_ADDRSTRLEN];
		struct in_addr a;

		a.s_addr = t->peer_ip;
		inet_ntop(AF_INET, &a, rh, sizeof(rh));
		json_object_set_new(start, "accepted_connection", json_pack("{s:s,s:i}", "host", rh,
									     "port", (int)t->peer_port));
	}
	json_object_set_new(start, "cookie", json_string(t->cookie));
	if (!p->udp)
		json_object_set_new(start, "tcp_mss_default", json_integer((json_int_t)(e->mtu - 52)));
	json_object_set_new(start, "target_bitrate", json_integer((json_int_t)p->bandwidth));
	json_object_set_new(start, "test_start",
			    json_pack("{s:s,s:i,s:I,s:i,s:i,s:I,s:I,s:i,s:i,s:I}", "protocol",
				      p->udp ? "UDP" : "TCP", "num_streams", p->parallel, "blksize",
				      (json_int_t)p->len, "omit", p->omit, "duration", p->time, "bytes",
				      (json_int_t)p->num, "blocks", (json_int_t)p->blockcount, "reverse",
				      p->reverse, "tos", p->tos, "target_bitrate", (json_int_t)p->bandwidth));
	if (p->bidir)
		json_object_set_new(json_object_get(start, "test_start"), "bidir", json_integer(1));
	return start;
}

/* The whole -J report (or the final text lines). Returns the JSON text when asked. */
static char *final_report(struct test *t, int print)
{
	const struct pg_iperf3_params *p = &t->p;
	struct pg_i3_env *e = t->e;
	double dur = secs(t->t_start, t->t_end ? t->t_end : mono_ns());
	json_t *root = NULL, *start, *end, *streams;
	struct side tx[2], rxs[2];
	double u, sy, tot;
	unsigned int i, g, nrx[2] = { 0, 0 };
	char *txt = NULL;
	FILE *out = e->out;
	char tb[32], bb[32];

	memset(tx, 0, sizeof(tx));
	memset(rxs, 0, sizeof(rxs));
	root = json_object();
	start = start_obj(t);
	end = json_object();
	streams = json_array();
	json_object_set_new(root, "start", start);
	json_object_set_new(root, "intervals", t->intervals ? json_incref(t->intervals) : json_array());

	if (print && !e->o->json)
		fprintf(out, "- - - - - - - - - - - - - - - - - - - - - - - - -\n");
	for (i = 0; i < t->ns; i++) {
		struct i3_stream *s = &t->s[i];
		struct pg_iperf3_stream_result mine;
		const struct pg_iperf3_stream_result *peer = t->have_peer ? pg_iperf3_results_find(&t->peer, s->id) : NULL;
		const struct pg_iperf3_stream_result *snd, *rcv;
		struct pg_iperf3_stream_result none, peer_net;
		json_t *so = json_object();

		/* --bidir: group 1 = the streams going the other way than the first */
		g = p->bidir && s->sender != t->s[0].sender;
		memset(&none, 0, sizeof(none));
		local_result(t, i, dur, &mine);
		snd = s->sender ? &mine : peer ? peer : &none;
		rcv = s->sender ? (peer ? peer : &none) : &mine;
		if (p->udp && !s->sender && s->omit_pkts && peer) {
			/* 3.12 senders report raw counts; like iperf3, show them net of what this
			 * receiver left out during -O */
			peer_net = *peer;
			peer_net.packets = peer->packets > (int64_t)s->omit_pkts ?
					   peer->packets - (int64_t)s->omit_pkts : 0;
			snd = &peer_net;
		}
		if (p->udp) {
			/* iperf3's UDP entry: bytes/packets of the sender, loss and jitter of the receiver */
			double lp = snd->packets > 0 ? 100.0 * (double)rcv->errors / (double)snd->packets : 0;
			json_t *o = range_obj(0, dur, s->sender ? snd->bytes : rcv->bytes);

			json_object_set_new(o, "socket", json_integer((json_int_t)s->slot));
			json_object_set_new(o, "jitter_ms", jnum(rcv->jitter * 1e3));
			json_object_set_new(o, "lost_packets", json_integer((json_int_t)rcv->errors));
			json_object_set_new(o, "packets", json_integer((json_int_t)snd->packets));
			json_object_set_new(o, "lost_percent", jnum(lp));
			json_object_set_new(o, "out_of_order", json_integer((json_int_t)(s->sender ? 0 : mine.outoforder)));
			json_object_set_new(o, "sender", json_boolean(s->sender));
			json_object_set_new(so, "udp", o);
			tx[g].bytes += snd->bytes;
			tx[g].packets += snd->packets;
			rxs[g].bytes += rcv->bytes;
			rxs[g].errors += rcv->errors;
			rxs[g].jitter += rcv->jitter;
			rxs[g].packets += rcv->packets;
			rxs[g].ooo += s->sender ? 0 : mine.outoforder;
			nrx[g]++;
			if (print && !e->o->json) {
				fmt_bytes(tb, sizeof(tb), (double)snd->bytes);
				fmt_bits(bb, sizeof(bb), dur > 0 ? (double)snd->bytes * 8 / dur : 0);
				fprintf(out, "[%3u] %6.2f-%-6.2f sec  %s  %s  %.3f ms  %" PRId64 "/%" PRId64 " (%.2g%%)  %s\n",
					s->slot, 0.0, dur, tb, bb, rcv->jitter * 1e3, rcv->errors, snd->packets, lp,
					s->sender ? "sender" : "receiver");
			}
		} else {
			json_t *so_s = range_obj(0, snd->end_time > 0 ? snd->end_time : dur, snd->bytes);
			json_t *so_r = range_obj(0, rcv->end_time > 0 ? rcv->end_time : dur, rcv->bytes);

			json_object_set_new(so_s, "socket", json_integer((json_int_t)s->slot));
			json_object_set_new(so_r, "socket", json_integer((json_int_t)s->slot));
			json_object_set_new(so_s, "retransmits", json_integer((json_int_t)(snd->retransmits < 0 ? 0 : snd->retransmits)));
			if (s->sender) {
				struct pg_i3_counters *c = cnt(t, s);

				json_object_set_new(so_s, "max_snd_cwnd", json_integer(atomic_load(&c->cwnd)));
				json_object_set_new(so_s, "mean_rtt", json_integer(atomic_load(&c->rtt_us)));
			}
			json_object_set_new(so_s, "sender", json_boolean(s->sender));
			json_object_set_new(so_r, "sender", json_boolean(s->sender));
			json_object_set_new(so, "sender", so_s);
			json_object_set_new(so, "receiver", so_r);
			tx[g].bytes += snd->bytes;
			tx[g].retrans += snd->retransmits < 0 ? 0 : snd->retransmits;
			rxs[g].bytes += rcv->bytes;
			if (snd->end_time > tx[g].dur)
				tx[g].dur = snd->end_time;
			if (rcv->end_time > rxs[g].dur)
				rxs[g].dur = rcv->end_time;
			nrx[g]++;
			if (print && !e->o->json) {
				fmt_bytes(tb, sizeof(tb), (double)snd->bytes);
				fmt_bits(bb, sizeof(bb), dur > 0 ? (double)snd->bytes * 8 / dur : 0);
				fprintf(out, "[%3u] %6.2f-%-6.2f sec  %s  %s  %4" PRId64 "  sender\n", s->slot, 0.0,
					dur, tb, bb, snd->retransmits < 0 ? 0 : snd->retransmits);
				fmt_bytes(tb, sizeof(tb), (double)rcv->bytes);
				fmt_bits(bb, sizeof(bb), dur > 0 ? (double)rcv->bytes * 8 / dur : 0);
				fprintf(out, "[%3u] %6.2f-%-6.2f sec  %s  %s        receiver\n", s->slot, 0.0, dur,
					tb, bb);
			}
		}
		json_array_append_new(streams, so);
	}
	json_object_set_new(end, "streams", streams);
	for (g = 0; g < (p->bidir ? 2u : 1u); g++) {
		const char *sfx = g ? "_bidir_reverse" : "";
		char k1[48], k2[48], k3[48];
		int gsend = t->ns && (g ? !t->s[0].sender : t->s[0].sender);

		snprintf(k1, sizeof(k1), "sum%s", sfx);
		snprintf(k2, sizeof(k2), "sum_sent%s", sfx);
		snprintf(k3, sizeof(k3), "sum_received%s", sfx);
		if (p->udp) {
			double lp = tx[g].packets > 0 ? 100.0 * (double)rxs[g].errors / (double)tx[g].packets : 0;
			json_t *sum = range_obj(0, dur, tx[g].bytes), *ss = range_obj(0, dur, tx[g].bytes),
			       *sr = range_obj(0, dur, rxs[g].bytes);
			double jit = nrx[g] ? rxs[g].jitter / nrx[g] * 1e3 : 0;

			json_object_set_new(sum, "jitter_ms", jnum(jit));
			json_object_set_new(sum, "lost_packets", json_integer((json_int_t)rxs[g].errors));
			json_object_set_new(sum, "packets", json_integer((json_int_t)tx[g].packets));
			json_object_set_new(sum, "lost_percent", jnum(lp));
			json_object_set_new(sum, "sender", json_boolean(gsend));
			json_object_set_new(ss, "jitter_ms", jnum(0));
			json_object_set_new(ss, "lost_packets", json_integer(0));
			json_object_set_new(ss, "packets", json_integer((json_int_t)tx[g].packets));
			json_object_set_new(ss, "lost_percent", jnum(0));
			json_object_set_new(ss, "sender", json_true());
			json_object_set_new(sr, "jitter_ms", jnum(jit));
			json_object_set_new(sr, "lost_packets", json_integer((json_int_t)rxs[g].errors));
			json_object_set_new(sr, "packets", json_integer((json_int_t)rxs[g].packets));
			json_object_set_new(sr, "lost_percent", jnum(lp));
			json_object_set_new(sr, "out_of_order", json_integer((json_int_t)rxs[g].ooo));
			json_object_set_new(sr, "sender", json_false());
			json_object_set_new(end, k1, sum);
			json_object_set_new(end, k2, ss);
			json_object_set_new(end, k3, sr);
		} else {
			json_t *ss = range_obj(0, tx[g].dur > 0 ? tx[g].dur : dur, tx[g].bytes);
			json_t *sr = range_obj(0, rxs[g].dur > 0 ? rxs[g].dur : dur, rxs[g].bytes);

			json_object_set_new(ss, "retransmits", json_integer((json_int_t)tx[g].retrans));
			json_object_set_new(ss, "sender", json_boolean(gsend));
			json_object_set_new(sr, "sender", json_boolean(gsend));
			json_object_set_new(end, k2, ss);
			json_object_set_new(end, k3, sr);
		}
	}
	tot = cpu_now_pct(t, &u, &sy);
	json_object_set_new(end, "cpu_utilization_percent",
			    json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "host_total", jnum(tot), "host_user", jnum(u),
				      "host_system", jnum(sy), "remote_total",
				      jnum(t->have_peer ? t->peer.cpu_util_total : 0), "remote_user",
				      jnum(t->have_peer ? t->peer.cpu_util_user : 0), "remote_system",
				      jnum(t->have_peer ? t->peer.cpu_util_system : 0)));
	if (!p->udp) {
		const char *cc = e->o->cc ? e->o->cc : "cubic";
		const char *pc = t->have_peer && t->peer.congestion_used[0] ? t->peer.congestion_used : cc;
		int we_send = t->ns && t->s[0].sender;

		json_object_set_new(end, "sender_tcp_congestion", json_string(we_send ? cc : pc));
		json_object_set_new(end, "receiver_tcp_congestion", json_string(we_send ? pc : cc));
	}
	json_object_set_new(root, "end", end);
	{
		json_t *pg = json_object(), *dr = json_object();
		uint64_t ovf = 0, full = 0, unk = 0;
		unsigned int k;

		for (k = 0; k < e->nb_lc; k++) {
			ovf += ld(&LC(t, k)->up_overflow);
			full += ld(&LC(t, k)->table_full);
			unk += ld(&LC(t, k)->udp_unknown);
		}
		json_object_set_new(pg, "backend", json_string(e->backend));
		json_object_set_new(pg, "mode", json_string(e->mode));
		json_object_set_new(pg, "interface", json_string(e->ifname));
		json_object_set_new(pg, "lcores", json_string(e->lcores));
		json_object_set_new(pg, "wire", json_string("iperf3"));
		json_object_set_new(dr, "ctrl_ring_overflow", json_integer((json_int_t)ovf));
		json_object_set_new(dr, "conn_table_full", json_integer((json_int_t)full));
		json_object_set_new(dr, "udp_unknown", json_integer((json_int_t)unk));
		if (LC(t, 0)->fown) /* a server on several lcores: connections refused, table full */
			json_object_set_new(dr, "flow_owner_full",
					    json_integer((json_int_t)ld(&LC(t, 0)->fown->full)));
		if (e->lc->port && e->lc->port->ops->counters) {
			/* the port's own, all queues (AF_XDP: the kernel's drops into the rings) */
			struct pg_port_counter pc[8];
			unsigned int m = e->lc->port->ops->counters(e->lc->port, pc, 8);

			for (k = 0; k < m; k++)
				json_object_set_new(dr, pc[k].name, json_integer((json_int_t)pc[k].value));
		}
		json_object_set_new(pg, "drops", dr);
		if (e->nb_lc > 1)
			json_object_set_new(pg, "dataplane_lcores", lcores_json(t));
		if (!p->udp) {
			/* the engine's own byte counts beside each stream's (cross-check) */
			json_t *ea = json_array();

			for (i = 0; i < t->ns; i++) {
				struct pg_i3_counters *c = cnt(t, &t->s[i]);

				json_array_append_new(ea, json_pack("{s:i,s:I,s:I,s:I}", "socket", (int)t->s[i].slot,
								    "counted", (json_int_t)ld(&c->bytes),
								    "engine_received", (json_int_t)ld(&c->eng_rx),
								    "engine_acked", (json_int_t)ld(&c->eng_acked)));
			}
			json_object_set_new(pg, "tcp_streams", ea);
		}
		json_object_set_new(root, "perfgen", pg);
	}
	if (t->server_json)
		json_object_set_new(root, "server_output_json", json_loads(t->server_json, 0, NULL));
	else if (t->server_text)
		json_object_set_new(root, "server_output_text", json_string(t->server_text));
	if (print && e->o->json_stream) {
		if (!t->streamed_start)
			pg_export_event(NULL, "start", json_incref(start));
		pg_export_event(NULL, "end", json_incref(end));
	} else if (print && e->o->json) {
		json_dumpf(root, out, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		fputc('\n', out);
	} else if (print) {
		if (t->server_text)
			fprintf(out, "\nServer output:\n%s", t->server_text);
		else if (t->server_json)
			fprintf(out, "\nServer output:\n%s\n", t->server_json);
		fprintf(out, "\niperf Done.\n");
	}
	if (!print)
		txt = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	fflush(out);
	return txt;
}

/* ------------------------------------------------------------------ client ---- */

static void client_open_next(struct test *t)
{
	struct pg_i3_stream_conf sc;
	struct pg_iperf3_stream_info si;
	unsigned int i = t->next_open;

	if (i >= t->nb_expected || pg_iperf3_ctrl_stream_info(t->c, i, &si))
		return;
	stream_conf(t, i, &sc);
	sc.sport = (uint16_t)(t->e->ctrl_sport + 1 + i);
	sc.dport = t->e->port;
	t->s[i].used = 1;
	t->s[i].lc = pg_i3_stream_lcore(i, t->e->nb_lc);
	t->s[i].slot = 1 + i;
	t->s[i].id = si.id;
	t->s[i].sender = si.sender;
	t->s[i].udp = t->p.udp;
	t->s[i].peer_ip = t->e->peer_ip;
	t->s[i].peer_port = t->e->port;
	t->s[i].local_port = sc.sport;
	t->ns = i + 1;
	t->next_open++;
	down_sc(t, t->s[i].lc, PG_I3_DOWN_OPEN, 1 + i, &sc);
}

static void all_streams(struct test *t, uint8_t type)
{
	unsigned int i;

	for (i = 0; i < t->ns; i++)
		if (t->s[i].used && !t->s[i].closed)
			down_s(t, &t->s[i], type);
}

static int senders_drained(struct test *t)
{
	unsigned int i;

	for (i = 0; i < t->ns; i++)
		if (t->s[i].sender && !t->s[i].drained && !t->s[i].closed)
			return 0;
	return 1;
}

static int has_senders(const struct test *t)
{
	unsigned int i;

	for (i = 0; i < t->ns; i++)
		if (t->s[i].sender)
			return 1;
	return 0;
}

static uint64_t total_received(struct test *t)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < t->ns; i++)
		if (!t->s[i].sender)
			v += ld(&cnt(t, &t->s[i])->bytes);
	return v;
}

static uint64_t total_rx_frames(struct test *t)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < t->ns; i++)
		if (!t->s[i].sender)
			v += ld(&cnt(t, &t->s[i])->bytes) + ld(&cnt(t, &t->s[i])->packets);
	return v;
}

static void start_running(struct test *t, uint64_t now)
{
	t->t_running = now;
	t->t_start = now;
	t->cpu_t0 = now;
	getrusage(RUSAGE_SELF, &t->ru0);
	t->phase = T_RUNNING;
	t->omit_done = t->p.omit == 0;
	t->next_ivl = t->e->o->interval > 0 ? t->e->o->interval : 1;
	all_streams(t, PG_I3_DOWN_RUN);
}

static void omit_end(struct test *t, uint64_t now)
{
	unsigned int i;

	for (i = 0; i < t->ns; i++) {
		struct i3_stream *s = &t->s[i];

		s->omit_pkts = ld(&cnt(t, s)->packets);
		s->ivl_pkts = s->omit_pkts;
		if (s->udp && !s->sender) {
			/* the lcore restarts the receiver's bytes and jitter itself */
			down_s(t, s, PG_I3_DOWN_OMIT_END);
			s->omit_bytes = 0;
			s->ivl_bytes = 0;
		} else {
			s->omit_bytes = ld(&cnt(t, s)->bytes);
			s->ivl_bytes = s->omit_bytes;
		}
	}
	t->omit_done = 1;
	t->t_start = now;
	t->next_ivl = t->e->o->interval > 0 ? t->e->o->interval : 1;
}

static void print_client_header(struct test *t)
{
	struct pg_i3_env *e = t->e;

	if (e->o->json)
		return;
	fprintf(e->out, "Connecting to host %s, port %u (perfgen %s, iperf3 wire, %s %s on %s)\n",
		e->o->client, e->port, PERFGEN_VERSION, e->backend, e->mode, e->ifname);
	fflush(e->out);
}

static void print_connected(struct test *t, const struct i3_stream *s)
{
	char lh[INET_ADDRSTRLEN], rh[INET_ADDRSTRLEN];
	struct in_addr a;

	if (t->e->o->json)
		return;
	a.s_addr = t->e->local_ip;
	inet_ntop(AF_INET, &a, lh, sizeof(lh));
	a.s_addr = s->peer_ip;
	inet_ntop(AF_INET, &a, rh, sizeof(rh));
	fprintf(t->e->out, "[%3u] local %s port %u connected to %s port %u\n", s->slot, lh, s->local_port,
		rh, s->peer_port);
	fflush(t->e->out);
}

static void keep_peer_results(struct test *t)
{
	const struct pg_iperf3_results *pr = pg_iperf3_ctrl_peer_results(t->c);

	if (!pr)
		return;
	t->peer = *pr;
	t->peer.server_output_text = NULL;
	t->peer.server_output_json = NULL;
	t->have_peer = 1;
	if (pr->server_output_text)
		t->server_text = strdup(pr->server_output_text);
	if (pr->server_output_json)
		t->server_json = strdup(pr->server_output_json);
}

/* Events of the client's state machine. Returns 1 when the test is over (exit code in *rc). */
static int client_events(struct test *t, uint64_t now, int *rc)
{
	enum pg_iperf3_ev_type ev;
	struct pg_iperf3_results *r;

	while (pg_iperf3_ctrl_next_event(t->c, &ev)) {
		switch (ev) {
		case PG_IPERF3_EV_CREATE_STREAMS:
			t->nb_expected = pg_iperf3_ctrl_nb_streams(t->c);
			client_open_next(t);
			break;
		case PG_IPERF3_EV_TEST_START:
			break;
		case PG_IPERF3_EV_TEST_RUNNING:
			start_running(t, now);
			break;
		case PG_IPERF3_EV_RESULTS_NEEDED:
			r = malloc(sizeof(*r));
			if (!r) {
				pg_iperf3_ctrl_terminate(t->c);
				break;
			}
			fill_results(t, r);
			pg_iperf3_ctrl_submit_results(t->c, r);
			free(r);
			break;
		case PG_IPERF3_EV_PEER_RESULTS:
			keep_peer_results(t);
			break;
		case PG_IPERF3_EV_DONE:
			flush_ctrl(t);
			final_report(t, 1);
			*rc = 0;
			return 1;
		case PG_IPERF3_EV_ERROR:
			flush_ctrl(t);
			if (t->have_peer || t->phase >= T_RUNNING) {
				if (!t->t_end)
					t->t_end = now;
			}
			fprintf(stderr, "perfgen: iperf3: %s\n", pg_iperf3_ctrl_error(t->c)->msg);
			*rc = 1;
			return 1;
		default:
			break;
		}
	}
	return 0;
}

/* Drains lcore k's up ring into the test (client: one test; its control connection is
 * on lcore 0). */
static int client_up(struct test *t, unsigned int k, int *rc)
{
	struct pg_i3_up u;

	while (pg_ring_dequeue_burst(LC(t, k)->up, &u, 1) == 1) {
		struct i3_stream *s;

		if (k && (u.type != PG_I3_UP_CLOSED && u.type != PG_I3_UP_STREAM_UP &&
			  u.type != PG_I3_UP_DRAINED))
			continue; /* a data-only lcore has no control connection */

		switch (u.type) {
		case PG_I3_UP_CONNECTED:
			print_client_header(t);
			break;
		case PG_I3_UP_BYTES:
			if (u.slot == t->ctrl_slot)
				pg_iperf3_ctrl_input(t->c, u.data, u.len);
			break;
		case PG_I3_UP_EOF:
			if (u.slot == t->ctrl_slot)
				pg_iperf3_ctrl_eof(t->c);
			break;
		case PG_I3_UP_CLOSED:
			if (!k && u.slot == t->ctrl_slot) {
				if (pg_iperf3_ctrl_finished(t->c))
					break;
				if (u.err == -ECONNREFUSED)
					fprintf(stderr, "perfgen: -c %s: unable to connect to server: Connection refused (port %u)\n",
						t->e->o->client, t->e->port);
				else
					fprintf(stderr, "perfgen: -c %s: control connection lost: %s\n",
						t->e->o->client, strerror(-u.err ? -u.err : ECONNRESET));
				*rc = 1;
				return 1;
			}
			s = stream_of_slot(t, k, u.slot);
			if (s) {
				s->closed = 1;
				if (t->phase < T_ENDING && !pg_iperf3_ctrl_finished(t->c) && u.err) {
					fprintf(stderr, "perfgen: iperf3 data stream %d failed: %s\n", s->id,
						strerror(-u.err));
					pg_iperf3_ctrl_terminate(t->c);
					flush_ctrl(t);
					*rc = 1;
					return 1;
				}
			}
			break;
		case PG_I3_UP_STREAM_UP:
			s = stream_of_slot(t, k, u.slot);
			if (s && !s->up) {
				s->up = 1;
				print_connected(t, s);
				client_open_next(t);
			}
			break;
		case PG_I3_UP_DRAINED:
			s = stream_of_slot(t, k, u.slot);
			if (s)
				s->drained = 1;
			break;
		default:
			break;
		}
	}
	return 0;
}

/* Senders stop now; receivers keep counting until TEST_END goes out, as 3.12's do. */
static void client_end_test(struct test *t, uint64_t now)
{
	unsigned int i;

	t->t_end = now;
	t->phase = T_ENDING;
	t->t_phase = now;
	for (i = 0; i < t->ns; i++)
		if (t->s[i].sender && !t->s[i].closed)
			down_s(t, &t->s[i], PG_I3_DOWN_STOP);
}

int pg_i3_client(struct pg_i3_env *e)
{
	const struct pg_opts *o = e->o;
	struct test *t = calloc(1, sizeof(*t));
	uint8_t rnd[36];
	char err[200];
	int rc = 2, done = 0;
	uint64_t now, deadline_ns = 0;
	unsigned int nstop = 0, k;
	int stop_up = 0;

	if (!t) {
		fprintf(stderr, "perfgen: out of memory\n");
		return 2;
	}
	t->e = e;
	t->used = 1;
	pg_iperf3_params_init(&t->p);
	t->p.udp = (uint8_t)o->udp;
	t->p.time = (o->bytes || o->pkts) ? 0 : (int32_t)(o->duration + 0.5);
	if (!o->bytes && !o->pkts && t->p.time < 1)
		t->p.time = 1;
	t->p.num = o->bytes;
	t->p.blockcount = o->pkts;
	t->p.parallel = (int32_t)o->parallel;
	t->p.reverse = (uint8_t)o->reverse;
	t->p.bidir = (uint8_t)o->bidir;
	t->p.get_server_output = (uint8_t)o->get_server_output;
	t->p.udp_counters_64bit = (uint8_t)o->udp_counters_64bit;
	t->p.omit = (int32_t)o->omit;
	t->p.mss = (int32_t)o->mss;
	t->p.window = o->window;
	if (o->cc)
		snprintf(t->p.congestion, sizeof(t->p.congestion), "%s", o->cc);
	if (o->udp) {
		/* iperf3's UDP default: the control connection's MSS (1448 at MTU 1500 with timestamps) */
		t->p.len = o->len_set ? o->len : e->mtu - 52;
		t->p.bandwidth = o->rate_set ? o->rate : 1048576;
	} else {
		t->p.len = o->len_set ? o->len : 128 * 1024;
		t->p.bandwidth = o->rate_set ? o->rate : 0;
	}
	if (o->rate_set && o->rate_pps) /* iperf3 has no pps: the same rate in bits/s */
		t->p.bandwidth = o->rate * t->p.len * 8;
	if (pg_iperf3_params_validate(&t->p, err, sizeof(err))) {
		fprintf(stderr, "perfgen: %s\n", err);
		goto out;
	}
	if (o->udp && t->p.len > e->mtu - 28) {
		fprintf(stderr, "perfgen: -l %u: larger than the MTU of %s allows (%u bytes of UDP payload)\n",
			t->p.len, e->ifname, e->mtu - 28);
		goto out;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		fprintf(stderr, "perfgen: getrandom failed: %s\n", strerror(errno));
		goto out;
	}
	pg_iperf3_cookie_make(t->cookie, rnd);
	for (k = 0; k < e->nb_lc; k++)
		memcpy(LC(t, k)->cookie, t->cookie, PG_IPERF3_COOKIE_LEN);
	t->c = pg_iperf3_ctrl_new(PG_IPERF3_CLIENT, &t->p, t->cookie);
	if (!t->c) {
		fprintf(stderr, "perfgen: iperf3 client setup failed: %s\n", strerror(errno));
		goto out;
	}
	t->ctrl_slot = 0;
	t->intervals = json_array();
	if (e->launch(e->launch_arg)) {
		fprintf(stderr, "perfgen: cannot start the dataplane lcore\n");
		goto out;
	}
	flush_ctrl(t);
	rc = 1;
	while (!done) {
		unsigned int st = (unsigned int)atomic_load(e->stop);

		now = mono_ns();
		if (st > nstop) {
			nstop = st;
			if (st == 1 && !pg_iperf3_ctrl_finished(t->c)) {
				pg_iperf3_ctrl_terminate(t->c);
				flush_ctrl(t);
				fprintf(stderr, "perfgen: iperf3: interrupt - the client has terminated\n");
				sleep_ms(50);
				rc = 1;
				break;
			}
			if (st > 1)
				break;
		}
		for (k = 0; k < e->nb_lc && !stop_up; k++)
			stop_up = client_up(t, k, &rc);
		if (stop_up)
			break;
		if (client_events(t, now, &rc))
			break;
		flush_ctrl(t);
		if (t->phase == T_RUNNING) {
			double el = secs(t->t_start, now);

			double step = o->interval > 0 ? o->interval : 1;

			if (!t->omit_done && secs(t->t_running, now) >= t->p.omit) {
				omit_end(t, now);
			} else if (t->omit_done && el >= t->next_ivl &&
				   (!t->p.time || t->next_ivl < t->p.time - 1e-6)) {
				interval(t, t->next_ivl - step, t->next_ivl);
				t->next_ivl += step;
			}
			if (t->omit_done && t->p.time && el >= t->p.time)
				client_end_test(t, t->t_start + (uint64_t)t->p.time * 1000000000ull);
			else if (!t->p.time && (t->p.num || t->p.blockcount)) {
				int has_sender = 0;
				unsigned int i;

				for (i = 0; i < t->ns; i++)
					has_sender |= t->s[i].sender;
				if (has_sender && senders_drained(t))
					client_end_test(t, now);
				else if (!has_sender) {
					uint64_t want = t->p.num ? t->p.num : t->p.blockcount * t->p.len;

					if (total_received(t) >= want)
						client_end_test(t, now);
				}
			}
		}
		if (t->phase == T_ENDING && (senders_drained(t) || now - t->t_phase > DRAIN_TIMEOUT_NS)) {
			double last = t->next_ivl - (o->interval > 0 ? o->interval : 1);
			double el = secs(t->t_start, t->t_end);

			if (el > last + 0.0005)
				interval(t, last, el);
			t->t_end = t->t_end > now ? t->t_end : now;
			t->phase = T_SETTLE;
			t->t_phase = now;
		}
		if (t->phase == T_SETTLE && (now - t->t_phase >= SETTLE_NS || !has_senders(t))) {
			t->phase = T_RESULTS;
			all_streams(t, PG_I3_DOWN_STOP);
			pg_iperf3_ctrl_test_end(t->c);
			flush_ctrl(t);
			deadline_ns = now + 30000000000ull;
		}
		if (deadline_ns && now > deadline_ns) {
			fprintf(stderr, "perfgen: iperf3: no results from the server within 30 s\n");
			break;
		}
		sleep_ms(1);
	}
	(void)total_rx_frames;
	/* close everything: streams, then the control connection */
	all_streams(t, PG_I3_DOWN_CLOSE);
	down(t, PG_I3_DOWN_CLOSE, t->ctrl_slot, NULL, 0);
	sleep_ms(100);
	if (e->nb_lc > 1)
		print_lcores(t);
out:
	for (k = 0; k < e->nb_lc; k++)
		atomic_store(&LC(t, k)->ended, 1);
	if (t->intervals)
		json_decref(t->intervals);
	free(t->server_text);
	free(t->server_json);
	pg_iperf3_ctrl_free(t->c);
	free(t);
	return rc;
}

/* ------------------------------------------------------------------ server ---- */

struct server {
	struct pg_i3_env *e;
	struct test *tests[MAX_TESTS];
	int *slot_test;                  /* [lcore * PG_I3_CONNS + slot]: owning test, -1 none */
	unsigned int active, served;
	/* robustness counters (each case is also logged once, on stderr) */
	uint64_t n_busy, n_bad_cookie, n_vanished, n_protocol, n_idle, n_early_close;
};

static void peer_str(char *b, size_t n, uint32_t ip, uint16_t port)
{
	char h[INET_ADDRSTRLEN];
	struct in_addr a;

	a.s_addr = ip;
	inet_ntop(AF_INET, &a, h, sizeof(h));
	snprintf(b, n, "%s port %u", h, port);
}

static void srv_log(struct server *sv, struct test *t, const char *what)
{
	char p[64];

	(void)sv;
	peer_str(p, sizeof(p), t ? t->peer_ip : 0, t ? t->peer_port : 0);
	fprintf(stderr, "perfgen: iperf3 server: %s: %s\n", p, what);
}

static void test_free(struct server *sv, int k)
{
	struct test *t = sv->tests[k];
	unsigned int i;

	if (!t)
		return;
	for (i = 0; i < sv->e->nb_lc * PG_I3_CONNS; i++)
		if (sv->slot_test[i] == k)
			sv->slot_test[i] = -1;
	if (t->intervals)
		json_decref(t->intervals);
	pg_iperf3_ctrl_free(t->c);
	free(t->server_text);
	free(t->server_json);
	free(t->our_json);
	free(t);
	sv->tests[k] = NULL;
	sv->active--;
}

/* Ends a test for good: close (orderly) or abort every connection it owns. */
static void test_close(struct server *sv, int k, int abort)
{
	struct test *t = sv->tests[k];
	unsigned int i;

	for (i = 0; i < t->ns; i++)
		if (t->s[i].used && !t->s[i].closed)
			down_s(t, &t->s[i], abort ? PG_I3_DOWN_ABORT : PG_I3_DOWN_CLOSE);
	/* the control connection closes in order so what was queued (an error) gets out */
	if (t->ctrl_slot != (unsigned int)-1)
		down(t, PG_I3_DOWN_CLOSE, t->ctrl_slot, NULL, 0);
	if (t->p.udp && t->ns < t->nb_expected)
		down(t, PG_I3_DOWN_UDP_LISTEN, PG_I3_CONNS, NULL, 0);
	test_free(sv, k);
}

static int *slot_test(struct server *sv, unsigned int lc, unsigned int slot)
{
	return &sv->slot_test[lc * PG_I3_CONNS + slot];
}

static int srv_new_test(struct server *sv, unsigned int lc, const struct pg_i3_up *u, uint64_t now)
{
	int k;
	struct test *t;

	for (k = 0; k < MAX_TESTS && sv->tests[k]; k++)
		;
	if (k == MAX_TESTS)
		return -1;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	t->c = pg_iperf3_ctrl_new(PG_IPERF3_SERVER, NULL, NULL);
	if (!t->c) {
		free(t);
		return -1;
	}
	t->used = 1;
	t->e = sv->e;
	t->ctrl_lc = lc;
	t->ctrl_slot = u->slot;
	t->phase = T_CTRL;
	t->t_accept = now;
	t->peer_ip = u->peer_ip;
	t->peer_port = u->peer_port;
	memcpy(t->cookie, u->data, PG_IPERF3_COOKIE_LEN);
	t->cookie[PG_IPERF3_COOKIE_LEN - 1] = 0;
	t->intervals = json_array();
	sv->tests[k] = t;
	*slot_test(sv, lc, u->slot) = k;
	sv->active++;
	down(t, PG_I3_DOWN_CONTROL, u->slot, NULL, 0);
	pg_iperf3_ctrl_input(t->c, u->data, PG_IPERF3_COOKIE_LEN);
	return k;
}

/* srv_log for a connection that belongs to no test yet (named by its peer). */
static void peer_log(struct server *sv, const struct pg_i3_up *u, const char *what)
{
	struct test tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.peer_ip = u->peer_ip;
	tmp.peer_port = u->peer_port;
	srv_log(sv, &tmp, what);
}

/* A command for a connection of no test (yet), on lcore lc. */
static void down_lc(struct server *sv, unsigned int lc, uint8_t type, unsigned int slot)
{
	struct pg_i3_down d;

	memset(&d, 0, sizeof(d));
	d.type = type;
	d.slot = (uint16_t)slot;
	pg_ring_enqueue_burst(sv->e->lc[lc].i3->down, &d, 1);
}

static void deny(struct server *sv, unsigned int lc, unsigned int slot)
{
	down_lc(sv, lc, PG_I3_DOWN_DENY, slot);
}

/* A stream arrived (TCP cookie or UDP connect) for test k, on lcore lc. */
static void srv_stream(struct server *sv, int k, unsigned int lc, const struct pg_i3_up *u,
		       const uint8_t *cookie)
{
	struct test *t = sv->tests[k];
	struct pg_iperf3_stream_info si;
	struct pg_i3_stream_conf sc;
	struct i3_stream *s;

	if (pg_iperf3_ctrl_stream_arrived(t->c, cookie, &si) || si.idx >= MAXS) {
		sv->n_bad_cookie++;
		srv_log(sv, t, "data stream with a wrong cookie or not expected: denied");
		if (cookie)
			deny(sv, lc, u->slot);
		else
			down_to(t, lc, PG_I3_DOWN_ABORT, u->slot, NULL, 0);
		return;
	}
	s = &t->s[si.idx];
	s->used = 1;
	s->lc = lc;
	s->slot = u->slot;
	s->id = si.id;
	s->sender = si.sender;
	s->udp = t->p.udp;
	s->peer_ip = u->peer_ip;
	s->peer_port = u->peer_port;
	s->local_port = t->e->port;
	if (si.idx + 1 > t->ns)
		t->ns = si.idx + 1;
	*slot_test(sv, lc, u->slot) = k;
	stream_conf(t, si.idx, &sc);
	down_sc(t, lc, PG_I3_DOWN_ATTACH, u->slot, &sc);
	if (!t->e->o->json)
		print_connected(t, s);
}

static int find_cookie(struct server *sv, const uint8_t *ck)
{
	int k;

	for (k = 0; k < MAX_TESTS; k++)
		if (sv->tests[k] && !memcmp(sv->tests[k]->cookie, ck, PG_IPERF3_COOKIE_LEN - 1) &&
		    sv->tests[k]->ctrl_slot != (unsigned int)-1)
			return k;
	return -1;
}

static int find_udp_waiting(struct server *sv)
{
	int k;

	for (k = 0; k < MAX_TESTS; k++) {
		struct test *t = sv->tests[k];

		if (t && t->p.udp && t->nb_expected && t->ns < t->nb_expected && t->phase == T_CTRL)
			return k;
	}
	return -1;
}

/* Events from lcore lc's up ring. */
static void srv_up(struct server *sv, unsigned int lc, uint64_t now)
{
	struct pg_i3_up u;
	struct pg_i3_env *e = sv->e;

	while (pg_ring_dequeue_burst(e->lc[lc].i3->up, &u, 1) == 1) {
		int k = u.slot < PG_I3_CONNS ? *slot_test(sv, lc, u.slot) : -1;
		struct test *t = k >= 0 ? sv->tests[k] : NULL;
		struct i3_stream *s;

		switch (u.type) {
		case PG_I3_UP_NEWCONN:
			k = find_cookie(sv, u.data);
			if (k >= 0) {
				srv_stream(sv, k, lc, &u, u.data);
			} else if (!pg_iperf3_cookie_valid(u.data)) {
				sv->n_bad_cookie++;
				peer_log(sv, &u, "connection opened with a malformed cookie: denied");
				deny(sv, lc, u.slot);
			} else if (sv->active >= e->o->max_clients) {
				sv->n_busy++;
				peer_log(sv, &u, "busy (--max-clients reached): denied");
				deny(sv, lc, u.slot);
			} else if (srv_new_test(sv, lc, &u, now) < 0) {
				sv->n_busy++;
				deny(sv, lc, u.slot);
			} else if (!e->o->json) {
				char p[64];

				peer_str(p, sizeof(p), u.peer_ip, u.peer_port);
				fprintf(e->out, "Accepted connection from %s\n", p);
				fflush(e->out);
			}
			break;
		case PG_I3_UP_SILENT:
			sv->n_idle++;
			peer_log(sv, &u, "connection sent nothing within 5 s: dropped");
			break;
		case PG_I3_UP_UDP_NEW:
			k = find_udp_waiting(sv);
			if (k >= 0)
				srv_stream(sv, k, lc, &u, NULL);
			else
				down_lc(sv, lc, PG_I3_DOWN_ABORT, u.slot);
			break;
		case PG_I3_UP_BYTES:
			if (t && t->ctrl_lc == lc && t->ctrl_slot == u.slot && t->c)
				pg_iperf3_ctrl_input(t->c, u.data, u.len);
			break;
		case PG_I3_UP_EOF:
			if (t && t->ctrl_lc == lc && t->ctrl_slot == u.slot)
				pg_iperf3_ctrl_eof(t->c);
			else if (!t && u.err == -ENODATA)
				sv->n_early_close++;
			break;
		case PG_I3_UP_CLOSED:
			if (!t)
				break;
			if (t->ctrl_lc == lc && t->ctrl_slot == u.slot) {
				t->ctrl_slot = (unsigned int)-1;
				*slot_test(sv, lc, u.slot) = -1;
				if (!pg_iperf3_ctrl_finished(t->c)) {
					sv->n_vanished++;
					srv_log(sv, t, "the client has unexpectedly closed the connection; test abandoned");
					t->failed = 1;
				}
			} else {
				s = stream_of_slot(t, lc, u.slot);
				if (s)
					s->closed = 1;
				*slot_test(sv, lc, u.slot) = -1;
			}
			break;
		case PG_I3_UP_DRAINED:
			s = t ? stream_of_slot(t, lc, u.slot) : NULL;
			if (s)
				s->drained = 1;
			break;
		default:
			break;
		}
	}
}

/* Server output for --get-server-output: our -J report, or our text lines. */
static void server_output(struct test *t, struct pg_iperf3_results *r)
{
	if (!t->p.get_server_output)
		return;
	if (t->e->o->json) {
		t->our_json = final_report(t, 0);
		r->server_output_json = t->our_json;
	} else {
		char *buf = NULL;
		size_t n = 0;
		FILE *m = open_memstream(&buf, &n);
		FILE *out = t->e->out;

		if (!m)
			return;
		t->e->out = m;
		final_report(t, 1);
		fclose(m);
		t->e->out = out;
		t->our_json = buf;
		r->server_output_text = buf;
	}
}

static void srv_submit(struct test *t)
{
	struct pg_iperf3_results *r = malloc(sizeof(*r));

	if (!r) {
		pg_iperf3_ctrl_terminate(t->c);
		return;
	}
	all_streams(t, PG_I3_DOWN_STOP);
	fill_results(t, r);
	all_streams(t, PG_I3_DOWN_CLOSE);
	server_output(t, r);
	pg_iperf3_ctrl_submit_results(t->c, r);
	free(r);
	t->phase = T_RESULTS;
}

/* One test's events and timers. Returns 1 when the test is over (freed). */
static int srv_test(struct server *sv, int k, uint64_t now)
{
	struct test *t = sv->tests[k];
	const struct pg_opts *o = sv->e->o;
	enum pg_iperf3_ev_type ev;

	while (t->c && pg_iperf3_ctrl_next_event(t->c, &ev)) {
		switch (ev) {
		case PG_IPERF3_EV_PARAMS:
			t->p = *pg_iperf3_ctrl_params(t->c);
			t->nb_expected = pg_iperf3_nb_streams(&t->p);
			if (t->p.mss && (t->p.mss < 88 || t->p.mss > (int32_t)sv->e->mtu - 40)) {
				/* as a kernel listener refuses TCP_MAXSEG outside its range */
				pg_iperf3_ctrl_server_error(t->c, PG_IPERF3_IE_SETMSS, EINVAL);
				break;
			}
			if (t->p.udp) {
				if (t->p.len > sv->e->mtu - 28) {
					pg_iperf3_ctrl_server_error(t->c, PG_IPERF3_IE_CREATESTREAM, EMSGSIZE);
					break;
				}
				down(t, PG_I3_DOWN_UDP_LISTEN, PG_I3_CONNS, NULL, (uint16_t)t->nb_expected);
			}
			pg_iperf3_ctrl_accept_params(t->c);
			break;
		case PG_IPERF3_EV_TEST_RUNNING:
			start_running(t, now);
			break;
		case PG_IPERF3_EV_TEST_END:
			t->t_end = now;
			t->phase = T_ENDING;
			t->t_phase = now;
			t->t_last_rx = now;
			t->last_total = total_rx_frames(t);
			{
				unsigned int i;

				/* our senders (-R) stop now and close after what they released (a
				 * 3.12 client blocks reading a whole block until EOF); receivers
				 * count until the stream is quiet */
				for (i = 0; i < t->ns; i++)
					if (t->s[i].sender && !t->s[i].closed) {
						down_s(t, &t->s[i], PG_I3_DOWN_STOP);
						down_s(t, &t->s[i], PG_I3_DOWN_CLOSE);
					}
			}
			break;
		case PG_IPERF3_EV_RESULTS_NEEDED:
			if (t->phase != T_ENDING) /* not after TEST_END: submit at once */
				srv_submit(t);
			break;
		case PG_IPERF3_EV_PEER_RESULTS:
			keep_peer_results(t);
			break;
		case PG_IPERF3_EV_DONE:
			flush_ctrl(t);
			{
				double last = t->next_ivl - (o->interval > 0 ? o->interval : 1);
				double el = secs(t->t_start, t->t_end);

				if (el > last + 0.0005)
					interval(t, last, el);
			}
			final_report(t, 1);
			if (sv->e->nb_lc > 1)
				print_lcores(t);
			sv->served++;
			test_close(sv, k, 0);
			return 1;
		case PG_IPERF3_EV_ERROR:
			flush_ctrl(t);
			if (!t->failed) {
				const struct pg_iperf3_error *er = pg_iperf3_ctrl_error(t->c);

				if (er->kind == PG_IPERF3_ERR_PROTOCOL)
					sv->n_protocol++;
				else if (er->kind == PG_IPERF3_ERR_PEER_CLOSED)
					sv->n_vanished++;
				srv_log(sv, t, er->msg);
			}
			sv->served++;
			test_close(sv, k, 1);
			return 1;
		default:
			break;
		}
	}
	flush_ctrl(t);
	if (t->failed) {
		sv->served++;
		test_close(sv, k, 1);
		return 1;
	}
	if (t->phase == T_CTRL && !pg_iperf3_ctrl_running(t->c) && now - t->t_accept > IDLE_CTRL_NS &&
	    pg_iperf3_ctrl_state(t->c) <= PG_IPERF3_PARAM_EXCHANGE) {
		sv->n_idle++;
		srv_log(sv, t, "no parameters within 5 s (a client that sends nothing): dropped");
		test_close(sv, k, 1);
		return 1;
	}
	if (t->phase == T_RUNNING) {
		double el = secs(t->t_start, now), step = o->interval > 0 ? o->interval : 1;
		uint32_t tmo = pg_iperf3_server_timeout_s(&t->p);

		if (!t->omit_done && secs(t->t_running, now) >= t->p.omit) {
			omit_end(t, now);
		} else if (t->omit_done && el >= t->next_ivl) {
			interval(t, t->next_ivl - step, t->next_ivl);
			t->next_ivl += step;
		}
		if (tmo && secs(t->t_running, now) > tmo) {
			sv->n_vanished++;
			srv_log(sv, t, "the test did not end within time + omit + 40 s: abandoned");
			test_close(sv, k, 1);
			return 1;
		}
	}
	if (t->phase == T_ENDING) {
		uint64_t tot = total_rx_frames(t);

		if (tot != t->last_total) {
			t->last_total = tot;
			t->t_last_rx = now;
		}
		if (now - t->t_last_rx >= QUIET_NS || now - t->t_phase >= QUIET_MAX_NS)
			srv_submit(t);
		flush_ctrl(t);
	}
	return 0;
}

int pg_i3_server(struct pg_i3_env *e)
{
	struct server *sv = calloc(1, sizeof(*sv));
	unsigned int i, nstop = 0, polls = 0;
	int k, rc = 0;

	if (!sv) {
		fprintf(stderr, "perfgen: out of memory\n");
		return 2;
	}
	sv->e = e;
	sv->slot_test = malloc(sizeof(*sv->slot_test) * e->nb_lc * PG_I3_CONNS);
	if (!sv->slot_test) {
		fprintf(stderr, "perfgen: out of memory\n");
		free(sv);
		return 2;
	}
	for (i = 0; i < e->nb_lc * PG_I3_CONNS; i++)
		sv->slot_test[i] = -1;
	if (e->launch(e->launch_arg)) {
		fprintf(stderr, "perfgen: cannot start the dataplane lcores\n");
		free(sv->slot_test);
		free(sv);
		return 2;
	}
	if (!e->o->json) {
		fprintf(e->out, "-----------------------------------------------------------\n");
		fprintf(e->out, "Server listening on %u (perfgen %s, iperf3 wire%s%s, %s %s on %s, lcores %s)\n",
			e->port, PERFGEN_VERSION, e->also ? "; also " : "", e->also ? e->also : "",
			e->backend, e->mode, e->ifname, e->lcores);
		fprintf(e->out, "-----------------------------------------------------------\n");
		fflush(e->out);
	}
	for (;;) {
		uint64_t now = mono_ns();
		unsigned int st = (unsigned int)atomic_load(e->stop);

		if (st > nstop) {
			nstop = st;
			/* SERVER_TERMINATE first, then the streams close in order (a client
			 * writing into a reset stream would report that instead) */
			for (k = 0; k < MAX_TESTS; k++)
				if (sv->tests[k]) {
					char m[96];

					snprintf(m, sizeof(m), "interrupted in state %d (phase %d, %u/%u streams)",
						 pg_iperf3_ctrl_state(sv->tests[k]->c), sv->tests[k]->phase,
						 sv->tests[k]->ns, sv->tests[k]->nb_expected);
					srv_log(sv, sv->tests[k], m);
					pg_iperf3_ctrl_terminate(sv->tests[k]->c);
					flush_ctrl(sv->tests[k]);
				}
			sleep_ms(50);
			for (k = 0; k < MAX_TESTS; k++)
				if (sv->tests[k])
					test_close(sv, k, 0);
			break;
		}
		for (i = 0; i < e->nb_lc && !atomic_load(&e->lc[i].done); i++)
			;
		if (i < e->nb_lc) {
			fprintf(stderr, "perfgen: iperf3 server: dataplane lcore %u stopped (port %u in use?)\n", i,
				e->port);
			rc = 2;
			break;
		}
		for (i = 0; i < e->nb_lc; i++)
			srv_up(sv, i, now);
		for (k = 0; k < MAX_TESTS; k++)
			if (sv->tests[k])
				srv_test(sv, k, now);
		if (e->o->one_off && sv->served && !sv->active)
			break;
		if (e->poll && ++polls % 20 == 0 && e->poll(e->poll_arg) && e->o->one_off && !sv->active)
			break;
		sleep_ms(1);
	}
	sleep_ms(300); /* let the lcore send the last FINs and see them answered */
	if (sv->n_busy + sv->n_bad_cookie + sv->n_vanished + sv->n_protocol + sv->n_idle + sv->n_early_close)
		fprintf(stderr, "perfgen: iperf3 server: %u tests; refused busy %" PRIu64 ", bad cookie %" PRIu64
			", vanished %" PRIu64 ", protocol errors %" PRIu64 ", silent %" PRIu64 ", closed early %" PRIu64 "\n",
			sv->served, sv->n_busy, sv->n_bad_cookie, sv->n_vanished, sv->n_protocol, sv->n_idle,
			sv->n_early_close);
	for (i = 0; i < e->nb_lc; i++)
		atomic_store(&e->lc[i].i3->ended, 1);
	free(sv->slot_test);
	free(sv);
	return rc;
}

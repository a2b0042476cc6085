/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reporter (see report.h). Streams are grouped into tests: the client's streams form
 * one test; on a server, flows from one client address join that client's open test until
 * its announced stream count (-P) is reached. Text follows iperf2 -e, JSON iperf3's schema.
 */
#include "report.h"
#include "report_priv.h"
#include "ring.h"
#include "hist.h"
#include "iperf2.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <arpa/inet.h>

#define GRACE_NS 50000000ull  /* wait this long past a boundary for late deltas */
#define MAX_GROUPS 64
#define MAX_COUNTERS 32

struct pg_reporter {
	struct pg_report_conf conf;
	struct pg_ring **rings;
	struct pg_ring **hist_ret;
	unsigned int nb;
	unsigned int lcores_done;
	struct pg_stream *client;          /* client streams, by id */
	unsigned int nb_client;
	struct pg_stream *by_slot[PG_MAX_LCORES_R][PG_SERVER_SLOTS_R];
	struct pg_group groups[MAX_GROUPS];
	struct pg_group *client_group;
	unsigned int next_stream_id;
	unsigned int tests_done;
	struct pg_counter_kv counters[MAX_COUNTERS];
	unsigned int nb_counters;
	struct rusage ru0;
	uint64_t wall0;
};

struct pg_reporter *pg_reporter_create(const struct pg_report_conf *conf, struct pg_ring **rings,
				       struct pg_ring **hist_ret, unsigned int nb)
{
	struct pg_reporter *r;

	if (nb > PG_MAX_LCORES_R) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->conf = *conf;
	if (!r->conf.out)
		r->conf.out = stdout;
	r->rings = rings;
	r->hist_ret = hist_ret;
	r->nb = nb;
	r->next_stream_id = 1;
	getrusage(RUSAGE_SELF, &r->ru0);
	return r;
}

static struct pg_group *group_new(struct pg_reporter *r, uint64_t t0)
{
	unsigned int i;

	for (i = 0; i < MAX_GROUPS; i++) {
		struct pg_group *g = &r->groups[i];

		if (!g->used) {
			memset(g, 0, sizeof(*g));
			g->used = 1;
			g->t0 = t0;
			g->intervals = pg_json_intervals_new();
			return g;
		}
	}
	return NULL;
}

static int stream_init(struct pg_stream *s)
{
	s->lat = pg_hist_create(1, PG_HIST_HIGHEST_NS, 3);
	s->lat_ivl = pg_hist_create(1, PG_HIST_HIGHEST_NS, 3);
	if (!s->lat || !s->lat_ivl) {
		pg_hist_free(s->lat);
		pg_hist_free(s->lat_ivl);
		s->lat = s->lat_ivl = NULL;
		return -ENOMEM;
	}
	return 0;
}

int pg_reporter_add_client_stream(struct pg_reporter *r, unsigned int id, uint16_t sport)
{
	struct pg_stream *s;

	if (id >= r->nb_client) {
		unsigned int n = id + 1;
		struct pg_stream *ns = realloc(r->client, n * sizeof(*ns));

		if (!ns)
			return -ENOMEM;
		memset(ns + r->nb_client, 0, (n - r->nb_client) * sizeof(*ns));
		r->client = ns;
		r->nb_client = n;
	}
	if (!r->client_group) {
		r->client_group = group_new(r, 0);
		if (!r->client_group)
			return -ENOMEM;
		r->client_group->expected = r->conf.num_streams;
	}
	s = &r->client[id];
	s->used = 1;
	s->id = r->next_stream_id++;
	s->local_ip = r->conf.local_ip;
	s->peer_ip = r->conf.peer_ip;
	s->local_port = sport;
	s->peer_port = r->conf.port;
	if (stream_init(s))
		return -ENOMEM;
	return 0;
}

void pg_reporter_start(struct pg_reporter *r, uint64_t now_ns)
{
	r->wall0 = now_ns;
	if (r->client_group) {
		unsigned int i;

		r->client_group->t0 = now_ns;
		/* Client streams live in r->client; the group points at them. */
		for (i = 0; i < r->nb_client && i < PG_GROUP_MAX_STREAMS; i++) {
			r->client_group->s[i] = &r->client[i];
			r->client[i].g = r->client_group;
		}
		r->client_group->nstreams = i;
		pg_print_client_header(r->conf.out, &r->conf, r->client, r->nb_client);
	}
}

void pg_reporter_add_counter(struct pg_reporter *r, const char *name, uint64_t value)
{
	if (r->nb_counters < MAX_COUNTERS && value) {
		r->counters[r->nb_counters].name = name;
		r->counters[r->nb_counters].value = value;
		r->nb_counters++;
	}
}

static void counters_add(struct pg_msg_counters *a, const struct pg_msg_counters *d)
{
	a->tx_pkts += d->tx_pkts;
	a->tx_bytes += d->tx_bytes;
	a->rx_pkts += d->rx_pkts;
	a->rx_bytes += d->rx_bytes;
	a->gaps += d->gaps;
	a->outorder += d->outorder;
	a->dups += d->dups;
	a->errs += d->errs;
	a->jitter_x16 = d->jitter_x16;
	a->retrans += d->retrans;
	if (d->cwnd)
		a->cwnd = d->cwnd;
	if (d->rtt_us) {
		a->rtt_us = d->rtt_us;
		a->rttvar_us = d->rttvar_us;
	}
}

static struct pg_stream *stream_of(struct pg_reporter *r, const struct pg_msg_hdr *h)
{
	struct pg_stream *s;

	if (r->conf.role == PG_ROLE_CLIENT) {
		if (h->slot >= r->nb_client || !r->client[h->slot].used)
			return NULL;
		r->client[h->slot].lcore = h->lcore;
		return &r->client[h->slot];
	}
	if (h->lcore >= PG_MAX_LCORES_R || h->slot >= PG_SERVER_SLOTS_R)
		return NULL;
	s = r->by_slot[h->lcore][h->slot];
	return s && s->gen == h->gen ? s : NULL;
}

static void emit_intervals(struct pg_reporter *r, struct pg_group *g, uint64_t upto_ns)
{
	uint64_t step = (uint64_t)(r->conf.interval_s * 1e9);

	if (!step || !g->t0)
		return;
	while (g->t0 + (g->next_ivl + 1) * step <= upto_ns) {
		double a = g->next_ivl * r->conf.interval_s;

		pg_print_interval(r->conf.out, &r->conf, g, a, a + r->conf.interval_s);
		g->next_ivl++;
	}
}

static void group_finish(struct pg_reporter *r, struct pg_group *g, uint64_t now_ns)
{
	unsigned int i;
	struct rusage ru;
	double cpu_s, wall_s;

	getrusage(RUSAGE_SELF, &ru);
	cpu_s = (double)(ru.ru_utime.tv_sec - r->ru0.ru_utime.tv_sec) +
		(double)(ru.ru_utime.tv_usec - r->ru0.ru_utime.tv_usec) / 1e6;
	g->cpu_user_s = cpu_s;
	g->cpu_sys_s = (double)(ru.ru_stime.tv_sec - r->ru0.ru_stime.tv_sec) +
		       (double)(ru.ru_stime.tv_usec - r->ru0.ru_stime.tv_usec) / 1e6;
	wall_s = (double)(now_ns - (r->wall0 ? r->wall0 : g->t0)) / 1e9;
	g->wall_s = wall_s > 0 ? wall_s : 1e-9;

	/* A partial last interval, as iperf2 prints one when the test does not end on a boundary. */
	if (r->conf.interval_s > 0) {
		uint64_t end = 0;

		for (i = 0; i < g->nstreams; i++)
			if (g->s[i]->last_ns > end)
				end = g->s[i]->last_ns;
		emit_intervals(r, g, end);
		/* A tail shorter than a tenth of an interval is noise, not an interval (as iperf2:
		 * the final line has its data). */
		if (end > g->t0 + (uint64_t)((g->next_ivl + 0.1) * r->conf.interval_s * 1e9)) {
			double a = g->next_ivl * r->conf.interval_s;

			pg_print_interval(r->conf.out, &r->conf, g, a, (double)(end - g->t0) / 1e9);
			g->next_ivl++;
		}
	}
	if (r->conf.counters) {
		struct pg_report_counter c[MAX_COUNTERS];
		unsigned int n = r->conf.counters(r->conf.counters_arg, c, MAX_COUNTERS), k;

		r->nb_counters = 0;
		for (k = 0; k < n; k++)
			pg_reporter_add_counter(r, c[k].name, c[k].value);
	}
	pg_print_final(r->conf.out, &r->conf, g, r->counters, r->nb_counters);
	for (i = 0; i < g->nstreams; i++) {
		struct pg_stream *s = g->s[i];

		if (r->conf.role == PG_ROLE_SERVER) {
			if (s->lcore < PG_MAX_LCORES_R && r->by_slot[s->lcore][s->slot] == s)
				r->by_slot[s->lcore][s->slot] = NULL;
			pg_hist_free(s->lat);
			pg_hist_free(s->lat_ivl);
			free(s);
		}
	}
	pg_json_intervals_free(g->intervals);
	g->used = 0;
	r->tests_done++;
}

static void on_start(struct pg_reporter *r, const struct pg_msg *m)
{
	const struct pg_msg_flow_start *st = &m->u.start;
	struct pg_group *g = NULL;
	struct pg_stream *s;
	unsigned int i;

	if (m->h.lcore >= PG_MAX_LCORES_R || m->h.slot >= PG_SERVER_SLOTS_R)
		return;
	s = calloc(1, sizeof(*s));
	if (!s || stream_init(s)) {
		free(s);
		return;
	}
	s->used = 1;
	s->lcore = m->h.lcore;
	s->slot = m->h.slot;
	s->gen = m->h.gen;
	s->local_ip = st->local_ip;
	s->peer_ip = st->peer_ip;
	s->local_port = st->local_port;
	s->peer_port = st->peer_port;
	s->first_ns = st->first_ns;
	s->info = *st;

	/* Join this client's open test while it still expects streams. */
	for (i = 0; i < MAX_GROUPS; i++) {
		struct pg_group *c = &r->groups[i];

		if (c->used && c->peer_ip == st->peer_ip && c->nstreams < c->expected &&
		    c->nstreams < PG_GROUP_MAX_STREAMS) {
			g = c;
			break;
		}
	}
	if (!g) {
		g = group_new(r, st->first_ns);
		if (!g) {
			pg_hist_free(s->lat);
			pg_hist_free(s->lat_ivl);
			free(s);
			return;
		}
		g->peer_ip = st->peer_ip;
		g->expected = st->num_threads ? st->num_threads : 1;
		if (g->expected > PG_GROUP_MAX_STREAMS)
			g->expected = PG_GROUP_MAX_STREAMS;
	}
	s->id = r->next_stream_id++;
	s->g = g;
	g->s[g->nstreams++] = s;
	r->by_slot[s->lcore][s->slot] = s;
	pg_print_server_connect(r->conf.out, &r->conf, s);
}

static void on_hist(struct pg_reporter *r, const struct pg_msg *m)
{
	struct pg_hist *h = m->u.hist;
	struct pg_stream *s = stream_of(r, &m->h);

	if (s && s->lat) {
		pg_hist_merge(s->lat, h);
		pg_hist_merge(s->lat_ivl, h);
	}
	pg_hist_reset(h);
	if (m->h.lcore < r->nb)
		pg_ring_enqueue_burst(r->hist_ret[m->h.lcore], &h, 1);
}

static void handle(struct pg_reporter *r, const struct pg_msg *m)
{
	struct pg_stream *s;

	if (m->h.type == PG_MSG_LCORE_DONE) {
		r->lcores_done++;
		return;
	}
	if (m->h.type == PG_MSG_FLOW_START) {
		on_start(r, m);
		return;
	}
	if (m->h.type == PG_MSG_HIST) {
		on_hist(r, m);
		return;
	}
	s = stream_of(r, &m->h);
	if (!s)
		return;
	/* Deltas of different streams and lcores arrive a little out of time order: an interval
	 * is cut only once messages are GRACE_NS past its end, as poll() does. */
	if (s->g && m->h.t_ns > GRACE_NS)
		emit_intervals(r, s->g, m->h.t_ns - GRACE_NS);
	switch (m->h.type) {
	case PG_MSG_FLOW_DELTA:
		counters_add(&s->tot, &m->u.delta);
		counters_add(&s->ivl, &m->u.delta);
		if (m->u.delta.last_id > s->last_id)
			s->last_id = m->u.delta.last_id;
		if (m->u.delta.tx_pkts || m->u.delta.rx_pkts)
			s->last_ns = m->h.t_ns;
		break;
	case PG_MSG_FLOW_END:
		counters_add(&s->tot, &m->u.end.c);
		counters_add(&s->ivl, &m->u.end.c);
		s->last_id = m->u.end.last_id;
		if (m->u.end.first_ns)
			s->first_ns = m->u.end.first_ns;
		if (m->u.end.last_ns)
			s->last_ns = m->u.end.last_ns;
		s->timed_out = m->u.end.timed_out;
		if (!s->ended) {
			s->ended = 1;
			if (s->g && ++s->g->ended >= s->g->expected &&
			    r->conf.role == PG_ROLE_SERVER)
				group_finish(r, s->g, m->h.t_ns);
		}
		break;
	case PG_MSG_SERVER_REPORT:
		if (!pg_i2_ackfin_decode(m->u.ackfin, sizeof(m->u.ackfin), &s->rep))
			s->has_report = 1;
		break;
	default:
		break;
	}
}

unsigned int pg_reporter_poll(struct pg_reporter *r, uint64_t now_ns)
{
	struct pg_msg m[32];
	unsigned int i, k, n;

	for (i = 0; i < r->nb; i++) {
		do {
			n = pg_ring_dequeue_burst(r->rings[i], m, 32);
			for (k = 0; k < n; k++)
				handle(r, &m[k]);
		} while (n == 32);
	}
	for (i = 0; i < MAX_GROUPS; i++) {
		struct pg_group *g = &r->groups[i];
		uint64_t upto = now_ns - GRACE_NS;

		if (!g->used || now_ns <= GRACE_NS)
			continue;
		if (r->conf.offline) { /* not past the last datagram read: the capture may end there */
			uint64_t last = 0;
			unsigned int j;

			for (j = 0; j < g->nstreams; j++)
				if (g->s[j]->last_ns > last)
					last = g->s[j]->last_ns;
			if (last < upto)
				upto = last;
		}
		emit_intervals(r, g, upto);
	}
	return r->lcores_done;
}

int pg_reporter_one_off_done(const struct pg_reporter *r)
{
	return r->tests_done > 0;
}

unsigned int pg_reporter_tests_done(const struct pg_reporter *r)
{
	return r->tests_done;
}

void pg_reporter_print_empty(struct pg_reporter *r, uint64_t now_ns)
{
	struct pg_group *g = group_new(r, now_ns);

	if (!g)
		return;
	group_finish(r, g, now_ns);
}

int pg_reporter_finish(struct pg_reporter *r, uint64_t now_ns)
{
	unsigned int i;
	int rc = 0;

	pg_reporter_poll(r, now_ns);
	for (i = 0; i < MAX_GROUPS; i++) {
		struct pg_group *g = &r->groups[i];
		unsigned int k;

		if (!g->used)
			continue;
		if (g == r->client_group)
			for (k = 0; k < g->nstreams; k++)
				if (!g->s[k]->has_report && !r->conf.no_peer &&
				    (!r->conf.tcp || g->s[k]->timed_out))
					rc = 1;
		group_finish(r, g, now_ns);
	}
	return rc;
}

void pg_reporter_free(struct pg_reporter *r)
{
	unsigned int i;

	if (!r)
		return;
	for (i = 0; i < r->nb_client; i++) {
		pg_hist_free(r->client[i].lat);
		pg_hist_free(r->client[i].lat_ivl);
	}
	free(r->client);
	for (i = 0; i < MAX_GROUPS; i++)
		if (r->groups[i].used)
			pg_json_intervals_free(r->groups[i].intervals);
	free(r);
}

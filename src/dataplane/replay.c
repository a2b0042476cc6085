/* SPDX-License-Identifier: BSD-3-Clause */
/* perfgen replay: the feeder thread and the replay lcore (replay.h). */
#include "replay.h"
#include "dataplane_priv.h"
#include "pcap.h"
#include "ring.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#define NB_BUFS 8192          /* frames in flight between feeder and lcore */
#define DESC_EOF UINT32_MAX

struct rdesc {
	uint32_t idx;
	uint32_t len;
	uint64_t t_ns;         /* since the first frame of the first pass */
};

struct rfree {
	uint64_t idx;
};

static void nap(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

/* ------------------------------------------------------------- feeder ---- */

static int take_buf(struct pg_replay *r, uint32_t *idx)
{
	struct rfree f;

	while (pg_ring_dequeue_burst(r->free_ring, &f, 1) != 1) {
		if (atomic_load_explicit(&r->stop, memory_order_relaxed))
			return 0;
		nap(50000);
	}
	*idx = (uint32_t)f.idx;
	return 1;
}

static int put_desc(struct pg_replay *r, const struct rdesc *d)
{
	while (pg_ring_enqueue_burst(r->full, d, 1) != 1) {
		if (atomic_load_explicit(&r->stop, memory_order_relaxed))
			return 0;
		nap(50000);
	}
	return 1;
}

/* One pass over the file; returns frames handed over, -1 when stopped or on error. */
static int64_t feed_pass(struct pg_replay *r, uint64_t offset, uint64_t *span)
{
	const struct pg_replay_conf *c = &r->conf;
	struct pg_pcap *pc = pg_pcap_open(c->path);
	struct pg_pcap_pkt p;
	uint64_t base = 0, prev = 0;
	int64_t n = 0;
	int rc, have_base = 0;

	if (!pc) {
		r->feeder_err = -errno;
		return -1;
	}
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		struct rdesc d;
		uint64_t t;

		rc = pg_pcap_next(pc, &p);
		if (rc == 0)
			break;
		if (rc < 0) {
			r->bad_records++;
			break;
		}
		if (p.linktype != 1) {
			r->skipped_link++;
			continue;
		}
		if (p.caplen > c->frame_size || p.caplen < 14) {
			r->skipped_big++;
			continue;
		}
		if (p.caplen < p.wirelen)
			r->truncated++;
		if (!have_base) {
			base = p.ts_ns;
			have_base = 1;
		}
		t = p.ts_ns > base ? p.ts_ns - base : 0;
		if (t < prev) {
			r->time_backwards++; /* a clock step back: send it right after the previous */
			t = prev;
		}
		prev = t;
		if (!take_buf(r, &d.idx))
			break;
		memcpy(r->pool + (size_t)d.idx * c->frame_size, p.data, p.caplen);
		pg_frame_rewrite(r->pool + (size_t)d.idx * c->frame_size, p.caplen, &c->rw);
		d.len = p.caplen;
		d.t_ns = offset + t;
		if (!put_desc(r, &d))
			break;
		n++;
	}
	pg_pcap_close(pc);
	*span = prev;
	return atomic_load(&r->stop) ? -1 : n;
}

static void *feeder(void *arg)
{
	struct pg_replay *r = arg;
	struct rdesc eof = { DESC_EOF, 0, 0 };
	uint64_t offset = 0, span;
	uint32_t pass;

	for (pass = 0; !r->conf.loops || pass < r->conf.loops; pass++) {
		int64_t n = feed_pass(r, offset, &span);

		if (n <= 0)
			break;
		r->loops_done++;
		/* the next pass starts one mean gap after this one's last frame */
		offset += span + (n > 1 ? span / (uint64_t)(n - 1) : 1000000);
	}
	put_desc(r, &eof);
	atomic_store_explicit(&r->feeder_done, 1, memory_order_release);
	return NULL;
}

/* ----------------------------------------------------------- replay lcore ---- */

void *pg_replay_main(void *arg)
{
	struct pg_lcore *lc = arg;
	struct pg_replay *r = lc->replay;
	const struct pg_port_ops *ops = lc->port->ops;
	const struct pg_tsc *tsc = lc->tsc;
	const struct pg_replay_conf *c = &r->conf;
	struct pg_replay_stats *st = &r->st;
	struct rdesc d[PG_PORT_BURST];
	struct pg_backoff bo = { 0, 0 };
	unsigned int nd = 0, pos = 0;
	uint64_t start = 0, mult = 0, gap_int = 0, next_pps = 0, late_max = 0, late_sum = 0;
	uint32_t gap_frac = 0, frac = 0;

	pg_clock_anchor(&lc->clock, tsc);
	/* departure = start + (t_ns * mult) >> 32: cycles per ns, divided by the speed */
	if (c->timing == PG_REPLAY_CAPTURE)
		mult = (uint64_t)((double)tsc->hz / 1e9 / c->speed * 4294967296.0);
	if (c->timing == PG_REPLAY_PPS) {
		double g = (double)tsc->hz / (double)c->pps;

		gap_int = (uint64_t)g;
		gap_frac = (uint32_t)((g - (double)gap_int) * 4294967296.0);
	}
	while (!atomic_load_explicit(lc->stop, memory_order_relaxed)) {
		struct pg_pkt pk[PG_PORT_BURST];
		struct rfree back[PG_PORT_BURST];
		uint64_t now, due = 0, acc_t;
		uint32_t acc_f;
		unsigned int k = 0, got, sent, i;

		if (pos == nd) {
			nd = pg_ring_dequeue_burst(r->full, d, PG_PORT_BURST);
			pos = 0;
			if (!nd) {
				pg_backoff_idle(&bo, lc->idle, 100000, &lc->stats);
				continue;
			}
		}
		if (d[pos].idx == DESC_EOF)
			break;
		now = pg_rdtsc();
		if (!start) {
			start = now;
			next_pps = now;
		}
		/* the frames due now, in order */
		acc_t = next_pps;
		acc_f = frac;
		while (pos + k < nd && d[pos + k].idx != DESC_EOF) {
			if (c->timing == PG_REPLAY_CAPTURE)
				due = start + (uint64_t)(((unsigned __int128)d[pos + k].t_ns * mult) >> 32);
			else if (c->timing == PG_REPLAY_PPS)
				due = acc_t;
			else
				due = now;
			if (due > now)
				break;
			if (now - due > late_max)
				late_max = now - due;
			late_sum += now - due;
			if (c->timing == PG_REPLAY_PPS) {
				uint64_t f = (uint64_t)acc_f + gap_frac;

				acc_t += gap_int + (f >> 32);
				acc_f = (uint32_t)f;
			}
			k++;
		}
		if (!k) {
			/* early: sleep most of the wait, spin the last few microseconds */
			uint64_t wait_ns = pg_tsc_to_ns(tsc, due - now);

			if (wait_ns > 60000)
				nap((long)(wait_ns - 40000 > 200000 ? 200000 : wait_ns - 40000));
			else
				__builtin_ia32_pause();
			continue;
		}
		got = ops->tx_alloc(lc->q, pk, k);
		for (i = 0; i < got; i++) {
			memcpy(pk[i].data, r->pool + (size_t)d[pos + i].idx * c->frame_size, d[pos + i].len);
			pk[i].len = d[pos + i].len;
		}
		sent = ops->tx_burst(lc->q, pk, got);
		if (sent < got)
			ops->tx_free(lc->q, &pk[sent], got - sent);
		if (!sent) {
			pg_backoff_idle(&bo, PG_IDLE_POLL, 0, &lc->stats);
			continue;
		}
		pg_backoff_busy(&bo);
		{
			uint64_t now_ns = pg_clock_now_ns(&lc->clock, pg_rdtsc());

			if (!st->frames)
				st->first_ns = now_ns;
			st->last_ns = now_ns;
		}
		for (i = 0; i < sent; i++) {
			back[i].idx = d[pos + i].idx;
			st->bytes += d[pos + i].len;
			if (c->timing == PG_REPLAY_PPS) {
				uint64_t f = (uint64_t)frac + gap_frac;

				next_pps += gap_int + (f >> 32);
				frac = (uint32_t)f;
			}
		}
		st->span_ns = d[pos + sent - 1].t_ns;
		st->frames += sent;
		pos += sent;
		/* the feeder sized the ring for every buffer: this cannot fail */
		pg_ring_enqueue_burst(r->free_ring, back, sent);
	}
	st->late_max_ns = pg_tsc_to_ns(tsc, late_max);
	st->late_sum_ns = pg_tsc_to_ns(tsc, late_sum);
	atomic_store(&lc->done, 1);
	return NULL;
}

/* -------------------------------------------------------------- setup ---- */

struct pg_replay *pg_replay_start(const struct pg_replay_conf *conf, char *err, size_t errlen)
{
	struct pg_replay *r;
	struct pg_pcap *probe;
	uint32_t i;
	int e;

	probe = pg_pcap_open(conf->path);
	if (!probe) {
		e = errno;
		snprintf(err, errlen, "replay %s: %s", conf->path,
			 e == EINVAL ? "not a pcap or pcapng file" : strerror(e));
		errno = e;
		return NULL;
	}
	pg_pcap_close(probe);
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->conf = *conf;
	r->nb_bufs = NB_BUFS;
	r->pool = malloc((size_t)NB_BUFS * conf->frame_size);
	r->full = pg_ring_create(NB_BUFS * 2, sizeof(struct rdesc));
	r->free_ring = pg_ring_create(NB_BUFS, sizeof(struct rfree));
	if (!r->pool || !r->full || !r->free_ring) {
		snprintf(err, errlen, "replay: out of memory");
		pg_replay_free(r);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < NB_BUFS; i++) {
		struct rfree f = { i };

		pg_ring_enqueue_burst(r->free_ring, &f, 1);
	}
	e = pthread_create(&r->feeder, NULL, feeder, r);
	if (e) {
		snprintf(err, errlen, "replay: cannot start the reader thread: %s", strerror(e));
		r->feeder = 0;
		pg_replay_free(r);
		errno = e;
		return NULL;
	}
	return r;
}

void pg_replay_free(struct pg_replay *r)
{
	if (!r)
		return;
	if (r->feeder) {
		atomic_store(&r->stop, 1);
		pthread_join(r->feeder, NULL);
	}
	pg_ring_free(r->full);
	pg_ring_free(r->free_ring);
	free(r->pool);
	free(r);
}

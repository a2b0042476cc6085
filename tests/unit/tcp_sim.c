/* SPDX-License-Identifier: BSD-3-Clause */
/* Simulated link and test application for the TCP engine (see tcp_sim.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pkt.h"
#include "tcp_sim.h"

#define TXN 32
#define FRAME_CAP (9216 + 14)

struct sim_pkt {
	uint64_t at, serial;
	int dst;
	uint32_t len;
	uint8_t data[];
};

/* ---------------------------------------------------------------- random ---- */

static uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static uint32_t ep_rand32(void *ctx)
{
	return (uint32_t)(xorshift(ctx) >> 16);
}

static int chance(struct sim *sim, uint32_t ppm)
{
	return ppm && xorshift(&sim->rng) % 1000000u < ppm;
}

/* ------------------------------------------------------------------ heap ---- */

static int pkt_before(const struct sim_pkt *a, const struct sim_pkt *b)
{
	return a->at < b->at || (a->at == b->at && a->serial < b->serial);
}

static void heap_push(struct sim *sim, struct sim_pkt *p)
{
	size_t i;

	if (sim->nheap == sim->capheap) {
		sim->capheap = sim->capheap ? sim->capheap * 2 : 1024;
		sim->heap = realloc(sim->heap, sim->capheap * sizeof(*sim->heap));
		assert_non_null(sim->heap);
	}
	i = sim->nheap++;
	while (i && pkt_before(p, sim->heap[(i - 1) / 2])) {
		sim->heap[i] = sim->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	sim->heap[i] = p;
}

static struct sim_pkt *heap_pop(struct sim *sim)
{
	struct sim_pkt *top = sim->heap[0], *last = sim->heap[--sim->nheap];
	size_t i = 0;

	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct sim_pkt *best = last;

		if (l < sim->nheap && pkt_before(sim->heap[l], best)) {
			best = sim->heap[l];
			m = l;
		}
		if (l + 1 < sim->nheap && pkt_before(sim->heap[l + 1], best))
			m = l + 1;
		if (m == i)
			break;
		sim->heap[i] = sim->heap[m];
		i = m;
	}
	if (sim->nheap)
		sim->heap[i] = last;
	return top;
}

/* ----------------------------------------------------------------- setup ---- */

void sim_default_cfg(struct pg_tcp_cfg *cfg, int idx)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->local_ip = htonl(0xc6126401u + (uint32_t)idx); /* 198.18.100.1 / .2 */
	cfg->local_mac[0] = 0x02;
	cfg->local_mac[5] = (uint8_t)(1 + idx);
	cfg->rand32 = ep_rand32;
}

void sim_init(struct sim *sim, const struct pg_tcp_cfg *cfg_a, const struct pg_tcp_cfg *cfg_b,
	      unsigned int max_conns, uint64_t seed)
{
	const struct pg_tcp_cfg *cfgs[2] = { cfg_a, cfg_b };
	int i;

	memset(sim, 0, sizeof(*sim));
	sim->now = SIM_T0;
	sim->rng = seed * 0x9e3779b97f4a7c15ull + 1;
	for (i = 0; i < 2 && cfgs[i]; i++) {
		struct sim_ep *ep = &sim->ep[i];
		size_t ms = pg_tcp_stack_memsize(max_conns);

		ep->sim = sim;
		ep->idx = i;
		ep->cfg = *cfgs[i];
		ep->rng = seed * 31 + (uint64_t)i * 7919 + 12345;
		ep->cfg.rand_ctx = &ep->rng;
		ep->ip = ep->cfg.local_ip;
		memcpy(ep->mac, ep->cfg.local_mac, 6);
		ep->mem = aligned_alloc(64, (ms + 63) & ~(size_t)63);
		assert_non_null(ep->mem);
		ep->s = pg_tcp_stack_init(ep->mem, ms, max_conns, &ep->cfg);
		assert_non_null(ep->s);
		sim->nep++;
	}
}

void sim_flow_free(struct sim_flow *f)
{
	free(f->seen);
	free(f->sbuf);
	f->seen = NULL;
	f->sbuf = NULL;
}

void sim_fini(struct sim *sim)
{
	int i;
	unsigned int k;

	while (sim->nheap)
		free(heap_pop(sim));
	free(sim->heap);
	free(sim->log);
	for (i = 0; i < sim->nep; i++) {
		for (k = 0; k < sim->ep[i].nflows; k++)
			sim_flow_free(&sim->ep[i].flows[k]);
		free(sim->ep[i].mem);
	}
	memset(sim, 0, sizeof(*sim));
}

/* ----------------------------------------------------------- application ---- */

uint8_t sim_pattern(uint64_t off)
{
	return (uint8_t)(off * 131u + (off >> 9) + (off >> 17));
}

static void flow_push(struct sim_flow *f)
{
	uint8_t tmp[4096];

	if (!f->copy_mode) {
		pg_tcp_send_limit(f->c, f->send_len);
		return;
	}
	while (f->written < f->send_len) {
		uint64_t n = f->send_len - f->written;
		uint32_t i;
		int w;

		if (n > sizeof(tmp))
			n = sizeof(tmp);
		for (i = 0; i < n; i++)
			tmp[i] = sim_pattern(f->written + i);
		w = pg_tcp_write(f->c, tmp, (uint32_t)n);
		if (w <= 0)
			break;
		f->written += (uint64_t)w;
	}
}

static int flow_connected(struct sim_flow *f, struct pg_tcp_conn *c)
{
	f->c = c;
	f->connected = 1;
	f->t_connected = f->ep->sim->now;
	if (f->rcv_manual)
		pg_tcp_set_rcv_manual(c, 1);
	if (f->inorder_lim)
		pg_tcp_set_rcv_inorder(c, f->inorder_lim);
	if (f->copy_mode && !f->sbuf) {
		f->sbuf = malloc(1u << 16);
		assert_non_null(f->sbuf);
		assert_int_equal(pg_tcp_attach_sndbuf(c, f->sbuf, 1u << 16), 0);
	}
	if (f->send_len)
		flow_push(f);
	if (f->close_after_send && (!f->copy_mode || f->written == f->send_len))
		assert_int_equal(pg_tcp_close(c), 0);
	return 0;
}

static int app_connected(struct pg_tcp_conn *c, void *arg)
{
	return flow_connected(arg, c);
}

/* Passive open: the listener's arg is the endpoint; adopt the connection into a flow. */
static int app_accept(struct pg_tcp_conn *c, void *arg)
{
	struct sim_ep *ep = arg;
	struct sim_flow *f;

	if (ep->refuse || ep->nflows == SIM_MAX_FLOWS)
		return -1;
	f = &ep->flows[ep->nflows++];
	*f = ep->srv_tmpl;
	f->seen = NULL;
	f->sbuf = NULL;
	f->ep = ep;
	if (ep->srv_tmpl.seen_len)
		sim_flow_track(f, ep->srv_tmpl.seen_len);
	pg_tcp_conn_set_app(c, &sim_ops, f);
	return flow_connected(f, c);
}

static const struct pg_tcp_app_ops listen_ops = { .connected = app_accept };

static void app_recv(struct pg_tcp_conn *c, void *arg, const uint8_t *p, uint32_t len, uint64_t off)
{
	struct sim_flow *f = arg;
	uint32_t i;

	(void)c;
	if (off != f->next_off)
		f->ooo_deliveries++;
	if (off == f->next_off)
		f->next_off = off + len;
	for (i = 0; i < len; i++) {
		if (p[i] != sim_pattern(off + i))
			f->bad_bytes++;
		if (f->seen && off + i < f->seen_len) {
			uint64_t b = off + i;

			if (f->seen[b >> 3] & (1u << (b & 7)))
				f->dup_bytes++;
			f->seen[b >> 3] |= (uint8_t)(1u << (b & 7));
		}
	}
	f->rcvd += len;
	if (off + len > f->max_end)
		f->max_end = off + len;
}

static void app_fill(struct pg_tcp_conn *c, void *arg, uint64_t off, uint8_t *dst, uint32_t len)
{
	uint32_t i;

	(void)c;
	(void)arg;
	for (i = 0; i < len; i++)
		dst[i] = sim_pattern(off + i);
}

static void app_acked(struct pg_tcp_conn *c, void *arg, uint64_t acked)
{
	struct sim_flow *f = arg;

	(void)c;
	f->acked = acked;
	if (f->copy_mode && f->written < f->send_len) {
		flow_push(f);
		if (f->close_after_send && f->written == f->send_len)
			assert_int_equal(pg_tcp_close(c), 0);
	}
}

static void app_eof(struct pg_tcp_conn *c, void *arg)
{
	struct sim_flow *f = arg;

	f->eof = 1;
	f->t_eof = f->ep->sim->now;
	if (f->close_on_eof)
		pg_tcp_close(c);
}

static void app_closed(struct pg_tcp_conn *c, void *arg, int err)
{
	struct sim_flow *f = arg;

	pg_tcp_conn_info(c, &f->info);
	f->closed++;
	f->err = err;
	f->c = NULL;
	f->t_closed = f->ep->sim->now;
}

const struct pg_tcp_app_ops sim_ops = {
	.connected = app_connected,
	.recv = app_recv,
	.fill = app_fill,
	.acked = app_acked,
	.eof = app_eof,
	.closed = app_closed,
};

void sim_flow_track(struct sim_flow *f, uint64_t len)
{
	f->seen_len = len;
	f->seen = calloc((size_t)(len + 7) / 8, 1);
	assert_non_null(f->seen);
}

struct pg_tcp_conn *sim_connect(struct sim *sim, struct sim_flow *f, uint16_t port, uint16_t sport)
{
	f->ep = &sim->ep[0];
	f->c = pg_tcp_connect(sim->ep[0].s, sim->ep[1].ip, sim->ep[1].mac, port, sport, &sim_ops, f,
			      sim->now);
	return f->c;
}

void sim_listen(struct sim *sim, int idx, uint16_t port)
{
	/* The listener's arg is the endpoint: connected() tells the two apart. */
	assert_int_equal(pg_tcp_listen(sim->ep[idx].s, port, &listen_ops, &sim->ep[idx]), 0);
}

/* ------------------------------------------------------------------ link ---- */

static int parse_frame(const uint8_t *f, uint32_t len, struct pg_tcp_seg *seg)
{
	if (len < 54 || f[12] != 0x08 || f[13] != 0 || f[23] != PG_IPPROTO_TCP)
		return -1;
	return pg_tcp_parse(f + 34, len - 34, seg);
}

static void fill_rec(struct sim_rec *r, const struct pg_tcp_seg *seg)
{
	r->flags = seg->flags;
	r->seq = seg->seq;
	r->ack = seg->ack;
	r->len = seg->len;
	r->wnd = seg->wnd;
	r->nsack = seg->nsack;
	r->tsval = seg->tsval;
	r->tsecr = seg->tsecr;
	r->has_mss = seg->has_mss;
	r->mss = seg->mss;
	r->has_ws = seg->has_ws;
	r->ws = seg->ws;
	r->sack_perm = seg->sack_perm;
	r->has_ts = seg->has_ts;
}

static struct sim_rec *log_add(struct sim *sim)
{
	if (sim->nlog == sim->caplog) {
		sim->caplog = sim->caplog ? sim->caplog * 2 : 4096;
		sim->log = realloc(sim->log, sim->caplog * sizeof(*sim->log));
		assert_non_null(sim->log);
	}
	memset(&sim->log[sim->nlog], 0, sizeof(*sim->log));
	return &sim->log[sim->nlog++];
}

static int scripted_drop(struct sim_dir *d, const struct sim_rec *r)
{
	unsigned int i;

	for (i = 0; i < d->ndrop_nth; i++)
		if (d->drop_nth[i] == d->frames)
			return 1;
	if (!r->len)
		return 0;
	for (i = 0; i < d->ndrop_off; i++) {
		struct sim_rule *ru = &d->drop_off[i];

		if (ru->times > 0 && ru->off >= r->off && ru->off < r->off + r->len) {
			ru->times--;
			return 1;
		}
	}
	return 0;
}

static void link_send(struct sim *sim, int from, const uint8_t *frame, uint32_t len)
{
	struct sim_dir *d = &sim->dir[from];
	struct pg_tcp_seg seg;
	struct sim_rec *r;
	struct sim_pkt *p;
	uint64_t depart, arrive;
	int copies = 1, k;

	assert_int_equal(parse_frame(frame, len, &seg), 0);
	d->frames++;
	r = log_add(sim);
	r->t = sim->now;
	r->dir = (uint8_t)from;
	fill_rec(r, &seg);
	if (seg.flags & PG_TCP_SYN) {
		d->isn = seg.seq;
		d->have_isn = 1;
	}
	r->off = d->have_isn ? (uint32_t)(seg.seq - d->isn - 1) : 0;
	if (sim->on_tx)
		sim->on_tx(sim, from, r, sim->on_tx_arg);
	if (d->blackhole || scripted_drop(d, r)) {
		r->fate = SIM_SCRIPTED;
		d->dropped++;
		return;
	}
	if (chance(sim, d->loss_ppm)) {
		r->fate = SIM_LOSS;
		d->lost++;
		return;
	}
	depart = sim->now;
	if (d->rate_bps) {
		uint64_t start = d->busy_until > sim->now ? d->busy_until : sim->now;
		uint64_t backlog = (start - sim->now) * d->rate_bps / 8 / SIM_S;

		if (d->queue_bytes && backlog + len > d->queue_bytes) {
			r->fate = SIM_QUEUE;
			d->queue_drops++;
			return;
		}
		/* 24 bytes of preamble, SFD, FCS and inter-frame gap per frame on the wire. */
		depart = start + (uint64_t)(len + 24) * 8 * SIM_S / d->rate_bps;
		d->busy_until = depart;
	}
	arrive = depart + d->delay_ns;
	if (chance(sim, d->reorder_ppm)) {
		arrive = d->reorder_ns ? arrive + d->reorder_ns : depart;
		d->reordered++;
	}
	if (chance(sim, d->dup_ppm)) {
		copies = 2;
		d->duplicated++;
	}
	for (k = 0; k < copies; k++) {
		p = malloc(sizeof(*p) + len);
		assert_non_null(p);
		p->at = arrive + (uint64_t)k;
		p->serial = sim->pkt_serial++;
		p->dst = !from;
		p->len = len;
		memcpy(p->data, frame, len);
		heap_push(sim, p);
	}
}

/* Drains an endpoint's output into the link; returns frames sent. */
static unsigned int pump(struct sim *sim, int i)
{
	static uint8_t bufs[TXN][FRAME_CAP];
	struct pg_tcp_txbuf tx[TXN];
	unsigned int n, k, total = 0;

	do {
		for (k = 0; k < TXN; k++) {
			tx[k].buf = bufs[k];
			tx[k].cap = FRAME_CAP;
			tx[k].len = 0;
		}
		n = pg_tcp_output(sim->ep[i].s, sim->now, tx, TXN);
		for (k = 0; k < n; k++)
			link_send(sim, i, tx[k].buf, tx[k].len);
		total += n;
	} while (n == TXN);
	return total;
}

int sim_run(struct sim *sim, uint64_t until, int (*done)(struct sim *sim, void *arg), void *arg)
{
	for (;;) {
		unsigned int progress = 0;
		uint64_t next = UINT64_MAX;
		int i;

		for (i = 0; i < sim->nep; i++)
			progress += pump(sim, i);
		while (sim->nheap && sim->heap[0]->at <= sim->now) {
			struct sim_pkt *p = heap_pop(sim);

			if (p->dst < sim->nep)
				pg_tcp_input(sim->ep[p->dst].s, p->data, p->len, sim->now);
			free(p);
			progress++;
		}
		if (done && done(sim, arg))
			return 0;
		if (progress)
			continue;
		if (sim->nheap)
			next = sim->heap[0]->at;
		for (i = 0; i < sim->nep; i++) {
			uint64_t d = pg_tcp_next_deadline(sim->ep[i].s);

			if (d < next)
				next = d;
		}
		if (next == UINT64_MAX || next > until) {
			if (until > sim->now && until != UINT64_MAX)
				sim->now = until;
			return -ETIMEDOUT;
		}
		sim->now = next > sim->now ? next : sim->now + 1;
	}
}

void sim_advance(struct sim *sim, uint64_t d)
{
	sim_run(sim, sim->now + d, NULL, NULL);
}

/* ------------------------------------------------------- crafted segments ---- */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int sim_inject(struct sim *sim, const struct sim_craft *cr)
{
	uint8_t f[FRAME_CAP], *t = f + 34, opt[40];
	struct pg_ipv4_hdr *ip = (struct pg_ipv4_hdr *)(f + 14);
	unsigned int ol = 0, i;
	uint32_t tl;
	uint32_t peer = htonl(SIM_PEER_IP);

	if (cr->mss > 0) {
		opt[ol++] = PG_TCPOPT_MSS;
		opt[ol++] = 4;
		put16(opt + ol, (uint16_t)cr->mss);
		ol += 2;
	}
	if (cr->sack_perm) {
		opt[ol++] = PG_TCPOPT_SACK_PERM;
		opt[ol++] = 2;
	}
	if (cr->ts) {
		opt[ol++] = PG_TCPOPT_TS;
		opt[ol++] = 10;
		put32(opt + ol, cr->tsval);
		put32(opt + ol + 4, cr->tsecr);
		ol += 8;
	}
	if (cr->ws >= 0 && (cr->flags & PG_TCP_SYN) && cr->ws != 0) {
		opt[ol++] = PG_TCPOPT_NOP;
		opt[ol++] = PG_TCPOPT_WS;
		opt[ol++] = 3;
		opt[ol++] = (uint8_t)cr->ws;
	}
	if (cr->nsack) {
		opt[ol++] = PG_TCPOPT_NOP;
		opt[ol++] = PG_TCPOPT_NOP;
		opt[ol++] = PG_TCPOPT_SACK;
		opt[ol++] = (uint8_t)(2 + 8 * cr->nsack);
		for (i = 0; i < cr->nsack; i++) {
			put32(opt + ol, cr->sack[i][0]);
			put32(opt + ol + 4, cr->sack[i][1]);
			ol += 8;
		}
	}
	while (ol & 3)
		opt[ol++] = PG_TCPOPT_NOP;
	tl = 20 + ol + cr->len;
	memset(f, 0, 34);
	memcpy(f, sim->ep[0].mac, 6);
	f[6] = 0x02;
	f[11] = 0x99;
	f[12] = 0x08;
	ip->ver_ihl = 0x45;
	ip->tot_len = htons((uint16_t)(20 + tl));
	ip->ttl = 64;
	ip->proto = PG_IPPROTO_TCP;
	ip->saddr = peer;
	ip->daddr = sim->ep[0].ip;
	ip->csum = pg_ipv4_csum(ip);
	memset(t, 0, 20);
	put16(t, cr->sport);
	put16(t + 2, cr->dport);
	put32(t + 4, cr->seq);
	put32(t + 8, cr->ack);
	t[12] = (uint8_t)(((20 + ol) / 4) << 4);
	t[13] = cr->flags;
	put16(t + 14, cr->wnd);
	memcpy(t + 20, opt, ol);
	if (cr->len)
		memcpy(t + 20 + ol, cr->payload, cr->len);
	put16(t + 16, pg_tcp_csum(peer, sim->ep[0].ip, t, tl));
	return pg_tcp_input(sim->ep[0].s, f, 34 + tl, sim->now);
}

unsigned int sim_collect(struct sim *sim, struct pg_tcp_seg *out, uint8_t (*payload)[64], unsigned int max)
{
	static uint8_t bufs[TXN][FRAME_CAP];
	struct pg_tcp_txbuf tx[TXN];
	unsigned int n, k;

	if (max > TXN)
		max = TXN;
	for (k = 0; k < max; k++) {
		tx[k].buf = bufs[k];
		tx[k].cap = FRAME_CAP;
	}
	n = pg_tcp_output(sim->ep[0].s, sim->now, tx, max);
	for (k = 0; k < n; k++) {
		struct sim_rec *r = log_add(sim);

		assert_int_equal(parse_frame(tx[k].buf, tx[k].len, &out[k]), 0);
		r->t = sim->now;
		fill_rec(r, &out[k]);
		if (payload) {
			memset(payload[k], 0, 64);
			memcpy(payload[k], out[k].payload, out[k].len < 64 ? out[k].len : 64);
			out[k].payload = payload[k];
		} else {
			out[k].payload = NULL;
		}
	}
	return n;
}

/* -------------------------------------------------------------------- log ---- */

size_t sim_count(const struct sim *sim, int dir, int (*pred)(const struct sim_rec *r))
{
	size_t i, n = 0;

	for (i = 0; i < sim->nlog; i++)
		if (sim->log[i].dir == dir && (!pred || pred(&sim->log[i])))
			n++;
	return n;
}

int sim_is_data(const struct sim_rec *r)
{
	return r->len > 0;
}

int sim_is_pure_ack(const struct sim_rec *r)
{
	return !r->len && (r->flags & (PG_TCP_SYN | PG_TCP_FIN | PG_TCP_RST)) == 0;
}

void sim_dump(const struct sim *sim, size_t from, size_t to)
{
	static const char *const fate[] = { "", " LOST", " DROPPED", " QDROP" };
	size_t i;

	for (i = from; i < to && i < sim->nlog; i++) {
		const struct sim_rec *r = &sim->log[i];

		printf("%9.3f ms %s %s%s%s%s off %llu len %u ack %u wnd %u sack %u%s\n",
		       (double)(r->t - SIM_T0) / 1e6, r->dir ? "B>A" : "A>B",
		       r->flags & PG_TCP_SYN ? "S" : "", r->flags & PG_TCP_FIN ? "F" : "",
		       r->flags & PG_TCP_RST ? "R" : "", r->flags & PG_TCP_ACK ? "." : "",
		       (unsigned long long)r->off, r->len, r->ack, r->wnd, r->nsack, fate[r->fate]);
	}
}

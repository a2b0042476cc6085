/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP stack setup, connection pool, 4-tuple demux table, listeners, application calls. */
#include <errno.h>
#include <string.h>

#include "tcp_priv.h"

static const char *const state_names[PG_TCP_STATE__COUNT] = {
	"CLOSED", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2",
	"CLOSE_WAIT", "CLOSING", "LAST_ACK", "TIME_WAIT",
};

const char *pg_tcp_state_str(enum pg_tcp_state st)
{
	return (unsigned int)st < PG_TCP_STATE__COUNT ? state_names[st] : "?";
}

static unsigned int tbl_size(unsigned int max_conns)
{
	unsigned int n = 16;

	while (n < 2u * max_conns)
		n <<= 1;
	return n;
}

static size_t align64(size_t x)
{
	return (x + 63) & ~(size_t)63;
}

/* Each connection's share of the receive budget, at least 64 KiB (one division per
 * connection opened or closed, none per segment). */
static void share_update(struct pg_tcp_stack *s)
{
	uint32_t n = s->nb_active ? s->nb_active : 1, sh;

	if (!s->cfg.rx_budget) {
		s->rx_share = UINT32_MAX;
		return;
	}
	sh = s->cfg.rx_budget / n;
	s->rx_share = sh < (64u << 10) ? (64u << 10) : sh;
}

size_t pg_tcp_stack_memsize(unsigned int max_conns)
{
	return align64(sizeof(struct pg_tcp_stack)) +
	       align64(sizeof(struct pg_tcp_conn) * max_conns) +
	       align64(sizeof(uint32_t) * tbl_size(max_conns));
}

size_t pg_tcp_conn_size(void)
{
	return sizeof(struct pg_tcp_conn);
}

struct pg_tcp_stack *pg_tcp_stack_init(void *mem, size_t memsize, unsigned int max_conns,
				       const struct pg_tcp_cfg *cfg)
{
	struct pg_tcp_stack *s = mem;
	unsigned int i, ts = tbl_size(max_conns);
	uint32_t wnd;

	if (!mem || !cfg || !cfg->rand32 || max_conns == 0 || max_conns > (1u << 24) ||
	    (cfg->mtu && (cfg->mtu < 576 || cfg->mtu > 9216)) ||
	    (cfg->eph_lo && cfg->eph_hi < cfg->eph_lo)) {
		errno = EINVAL;
		return NULL;
	}
	if (memsize < pg_tcp_stack_memsize(max_conns)) {
		errno = ENOSPC;
		return NULL;
	}
	memset(mem, 0, pg_tcp_stack_memsize(max_conns));
	s->cfg = *cfg;
	if (!s->cfg.mtu)
		s->cfg.mtu = 1500;
	if (!s->cfg.rcv_buf)
		s->cfg.rcv_buf = 4u << 20;
	if (s->cfg.rcv_buf > (1u << 30))
		s->cfg.rcv_buf = 1u << 30;
	if (!s->cfg.init_cwnd)
		s->cfg.init_cwnd = 10;
	if (!s->cfg.rto_init_ns)
		s->cfg.rto_init_ns = 1000000000ull;
	if (!s->cfg.rto_min_ns)
		s->cfg.rto_min_ns = 200000000ull;
	if (!s->cfg.rto_max_ns)
		s->cfg.rto_max_ns = 60000000000ull;
	if (!s->cfg.delack_ns)
		s->cfg.delack_ns = 40000000ull;
	if (!s->cfg.time_wait_ns)
		s->cfg.time_wait_ns = 60000000000ull;
	if (!s->cfg.syn_retries)
		s->cfg.syn_retries = 6;
	if (!s->cfg.retries)
		s->cfg.retries = 15;
	if (!s->cfg.tlp_min_ns)
		s->cfg.tlp_min_ns = 2000000ull;
	if (!s->cfg.quickacks)
		s->cfg.quickacks = 16;
	if (!s->cfg.eph_lo) {
		s->cfg.eph_lo = 32768;
		s->cfg.eph_hi = 60999;
	}
	if (!s->cfg.cc)
		s->cfg.cc = &pg_tcp_cc_cubic;
	s->mss_local = (uint16_t)(s->cfg.mtu - 40);
	wnd = s->cfg.rcv_buf;
	while (s->rcv_wscale < PG_TCP_WS_MAX && (wnd >> s->rcv_wscale) > 65535)
		s->rcv_wscale++;
	s->conns = (struct pg_tcp_conn *)((uint8_t *)mem + align64(sizeof(*s)));
	s->nconns = max_conns;
	s->tbl = (uint32_t *)((uint8_t *)s->conns + align64(sizeof(struct pg_tcp_conn) * max_conns));
	s->tbl_mask = ts - 1;
	for (i = max_conns; i-- > 0;) {
		s->conns[i].next = s->free_list;
		s->free_list = &s->conns[i];
	}
	s->ip_id = (uint16_t)cfg->rand32(cfg->rand_ctx);
	s->eph_next = (uint16_t)(s->cfg.eph_lo +
				 cfg->rand32(cfg->rand_ctx) % (uint32_t)(s->cfg.eph_hi - s->cfg.eph_lo + 1));
	s->next_timer = PG_TCP_NO_TIMER;
	share_update(s);
	return s;
}

/* ----------------------------------------------------------------- demux ---- */

static uint32_t tuple_hash(uint32_t raddr, uint16_t lport, uint16_t rport)
{
	uint64_t h = ((uint64_t)raddr << 32 | (uint32_t)lport << 16 | rport) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> 32);
}

static int conn_match(const struct pg_tcp_conn *c, uint32_t raddr, uint16_t lport, uint16_t rport)
{
	return c->raddr == raddr && c->lport == lport && c->rport == rport;
}

struct pg_tcp_conn *pg_tcp_tbl_lookup(struct pg_tcp_stack *s, uint32_t raddr, uint16_t lport,
				      uint16_t rport)
{
	uint32_t i = tuple_hash(raddr, lport, rport) & s->tbl_mask;

	for (;; i = (i + 1) & s->tbl_mask) {
		uint32_t e = s->tbl[i];
		struct pg_tcp_conn *c;

		if (!e)
			return NULL;
		c = &s->conns[e - 1];
		if (conn_match(c, raddr, lport, rport))
			return c;
	}
}

int pg_tcp_tbl_insert(struct pg_tcp_stack *s, struct pg_tcp_conn *c)
{
	uint32_t i;

	c->hash = tuple_hash(c->raddr, c->lport, c->rport);
	for (i = c->hash & s->tbl_mask; s->tbl[i]; i = (i + 1) & s->tbl_mask)
		if (conn_match(&s->conns[s->tbl[i] - 1], c->raddr, c->lport, c->rport))
			return -EADDRINUSE;
	/* The table has twice as many slots as connections: never full. */
	s->tbl[i] = (uint32_t)(c - s->conns) + 1;
	return 0;
}

/* Linear-probing delete with backward shift: no tombstones, lookups stay short. */
static void tbl_remove(struct pg_tcp_stack *s, struct pg_tcp_conn *c)
{
	uint32_t i = c->hash & s->tbl_mask, want = (uint32_t)(c - s->conns) + 1, j;

	while (s->tbl[i] && s->tbl[i] != want)
		i = (i + 1) & s->tbl_mask;
	if (!s->tbl[i])
		return;
	for (j = i;;) {
		uint32_t home;

		s->tbl[i] = 0;
		for (;;) {
			j = (j + 1) & s->tbl_mask;
			if (!s->tbl[j])
				return;
			home = s->conns[s->tbl[j] - 1].hash & s->tbl_mask;
			/* Move j back to i unless its home lies cyclically in (i, j]. */
			if (i <= j ? (home <= i || home > j) : (home <= i && home > j))
				break;
		}
		s->tbl[i] = s->tbl[j];
		i = j;
	}
}

/* ------------------------------------------------------------------ pool ---- */

static void tw_recycle(struct pg_tcp_conn *c)
{
	c->stack->st.tw_recycled++;
	pg_tcp_conn_free(c);
}

static struct pg_tcp_conn *oldest_tw(struct pg_tcp_stack *s)
{
	struct pg_tcp_conn *c, *best = NULL;

	for (c = s->active; c; c = c->next)
		if (c->state == PG_TCP_TIME_WAIT && (!best || c->t_2msl < best->t_2msl))
			best = c;
	return best;
}

struct pg_tcp_conn *pg_tcp_conn_alloc(struct pg_tcp_stack *s)
{
	struct pg_tcp_conn *c = s->free_list;

	if (!c) {
		/* Pool exhausted: a TIME-WAIT connection is worth less than a new one. */
		c = oldest_tw(s);
		if (!c)
			return NULL;
		tw_recycle(c);
		c = s->free_list;
	}
	s->free_list = c->next;
	memset(c, 0, sizeof(*c));
	c->stack = s;
	c->next = s->active;
	if (s->active)
		s->active->prev = c;
	s->active = c;
	s->nb_active++;
	share_update(s);
	c->t_rtx = c->t_delack = c->t_2msl = c->t_reo = PG_TCP_NO_TIMER;
	c->cc = s->cfg.cc;
	c->inorder_lim = UINT64_MAX;
	c->rcv_buf = s->cfg.rcv_buf;
	c->rcv_wscale = s->rcv_wscale;
	c->quickacks = s->cfg.quickacks;
	c->rto = s->cfg.rto_init_ns;
	c->min_rtt = UINT64_MAX;
	return c;
}

void pg_tcp_conn_free(struct pg_tcp_conn *c)
{
	struct pg_tcp_stack *s = c->stack;

	if (c->claimed) {
		c->claimed = 0;
		s->owner_ops->release(s->owner_arg, c->raddr, c->rport, c->lport);
	}
	if (c->state != PG_TCP_CLOSED || c->lport)
		tbl_remove(s, c);
	if (s->rr == c)
		s->rr = c->next;
	if (c->prev)
		c->prev->next = c->next;
	else
		s->active = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nb_active--;
	share_update(s);
	c->state = PG_TCP_CLOSED;
	c->lport = 0;
	c->stack = s;
	c->next = s->free_list;
	c->prev = NULL;
	s->free_list = c;
}

void pg_tcp_conn_init_seq(struct pg_tcp_conn *c, uint64_t now)
{
	struct pg_tcp_stack *s = c->stack;

	(void)now;
	c->iss = s->cfg.rand32(s->cfg.rand_ctx);
	c->snd_una = c->snd_max = c->iss;
	c->high_rxt = c->recover = c->iss;
	c->smss = (uint16_t)(s->mss_local - (s->cfg.no_ts ? 0 : 12));
	c->peer_mss = 536;
}

void pg_tcp_set_state(struct pg_tcp_conn *c, enum pg_tcp_state st, uint64_t now)
{
	c->state = (uint8_t)st;
	if (st == PG_TCP_TIME_WAIT) {
		c->t_rtx = PG_TCP_NO_TIMER;
		c->t_delack = PG_TCP_NO_TIMER;
		pg_tcp_timer_set(c, &c->t_2msl, now + c->stack->cfg.time_wait_ns);
	}
}

void pg_tcp_conn_done(struct pg_tcp_conn *c, int err, uint64_t now)
{
	(void)now;
	if (!c->detached) {
		c->detached = 1;
		if (c->ops && c->ops->closed)
			c->ops->closed(c, c->arg, err);
	}
	if (c->state != PG_TCP_TIME_WAIT)
		pg_tcp_conn_free(c);
}

void pg_tcp_queue_rst(struct pg_tcp_stack *s, uint32_t raddr, const uint8_t *rmac,
		      uint16_t lport, uint16_t rport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct pg_tcp_rst *r;

	if (s->rstq_n == PG_TCP_RSTQ)
		return; /* a lost RST is re-elicited by the peer's next segment */
	r = &s->rstq[s->rstq_n++];
	r->raddr = raddr;
	memcpy(r->rmac, rmac, 6);
	r->lport = lport;
	r->rport = rport;
	r->seq = seq;
	r->ack = ack;
	r->flags = flags;
	s->next_timer = 0;
}

/* ------------------------------------------------------------- listeners ---- */

void pg_tcp_set_owner_ops(struct pg_tcp_stack *s, const struct pg_tcp_owner_ops *ops, void *arg)
{
	s->owner_ops = ops;
	s->owner_arg = arg;
}

const struct pg_tcp_listener *pg_tcp_listener_find(const struct pg_tcp_stack *s, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < PG_TCP_MAX_LISTEN; i++)
		if (s->lst[i].used && s->lst[i].port == port)
			return &s->lst[i];
	return NULL;
}

int pg_tcp_listen(struct pg_tcp_stack *s, uint16_t port, const struct pg_tcp_app_ops *ops,
		  void *arg)
{
	unsigned int i;

	if (!port)
		return -EINVAL;
	if (pg_tcp_listener_find(s, port))
		return -EADDRINUSE;
	for (i = 0; i < PG_TCP_MAX_LISTEN; i++) {
		if (!s->lst[i].used) {
			s->lst[i].used = 1;
			s->lst[i].port = port;
			s->lst[i].ops = ops;
			s->lst[i].arg = arg;
			return 0;
		}
	}
	return -ENOSPC;
}

int pg_tcp_unlisten(struct pg_tcp_stack *s, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < PG_TCP_MAX_LISTEN; i++) {
		if (s->lst[i].used && s->lst[i].port == port) {
			s->lst[i].used = 0;
			return 0;
		}
	}
	return -ENOENT;
}

/* ----------------------------------------------------------- active open ---- */

static int pick_port(struct pg_tcp_stack *s, uint32_t daddr, uint16_t dport, uint16_t *port)
{
	uint32_t n = (uint32_t)s->cfg.eph_hi - s->cfg.eph_lo + 1, i;
	struct pg_tcp_conn *tw = NULL;

	for (i = 0; i < n; i++) {
		uint16_t p = s->eph_next;
		struct pg_tcp_conn *c;

		s->eph_next = p == s->cfg.eph_hi ? s->cfg.eph_lo : (uint16_t)(p + 1);
		if (pg_tcp_listener_find(s, p))
			continue;
		c = pg_tcp_tbl_lookup(s, daddr, p, dport);
		if (!c) {
			*port = p;
			return 0;
		}
		if (c->state == PG_TCP_TIME_WAIT && (!tw || c->t_2msl < tw->t_2msl))
			tw = c;
	}
	if (!tw)
		return -EADDRNOTAVAIL;
	/* Every port is taken: reuse the oldest TIME-WAIT tuple (as Linux tcp_tw_reuse;
	 * our new ISN is random and timestamps, when on, keep PAWS order at the peer). */
	*port = tw->lport;
	tw_recycle(tw);
	return 0;
}

struct pg_tcp_conn *pg_tcp_connect(struct pg_tcp_stack *s, uint32_t daddr, const uint8_t dmac[6],
				   uint16_t dport, uint16_t sport, const struct pg_tcp_app_ops *ops,
				   void *arg, uint64_t now)
{
	struct pg_tcp_conn *c, *old;
	int rc;

	if (!dport || !daddr) {
		errno = EINVAL;
		return NULL;
	}
	if (!sport) {
		rc = pick_port(s, daddr, dport, &sport);
		if (rc) {
			errno = -rc;
			return NULL;
		}
	} else if ((old = pg_tcp_tbl_lookup(s, daddr, sport, dport))) {
		if (old->state != PG_TCP_TIME_WAIT) {
			errno = EADDRINUSE;
			return NULL;
		}
		tw_recycle(old);
	}
	c = pg_tcp_conn_alloc(s);
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->laddr = s->cfg.local_ip;
	c->raddr = daddr;
	c->lport = sport;
	c->rport = dport;
	memcpy(c->rmac, dmac, 6);
	c->ops = ops;
	c->arg = arg;
	pg_tcp_conn_init_seq(c, now);
	c->state = PG_TCP_SYN_SENT;
	if (pg_tcp_tbl_insert(s, c)) {
		c->state = PG_TCP_CLOSED;
		c->lport = 0;
		pg_tcp_conn_free(c);
		errno = EADDRINUSE;
		return NULL;
	}
	c->syn_pending = 1;
	s->next_timer = 0;
	s->st.conn_opened++;
	return c;
}

/* ------------------------------------------------------- application calls ---- */

void pg_tcp_conn_set_app(struct pg_tcp_conn *c, const struct pg_tcp_app_ops *ops, void *arg)
{
	c->ops = ops;
	c->arg = arg;
}

void pg_tcp_conn_set_cc(struct pg_tcp_conn *c, const struct pg_tcp_cc_ops *cc)
{
	c->cc = cc;
	if (c->state >= PG_TCP_ESTABLISHED && cc->init)
		cc->init(c);
}

static void kick(struct pg_tcp_conn *c)
{
	c->stack->next_timer = 0;
}

int pg_tcp_send_limit(struct pg_tcp_conn *c, uint64_t end)
{
	if (c->fin_queued)
		return -EPIPE;
	if (end > c->lim_off && !c->sbuf) {
		c->lim_off = end;
		kick(c);
	}
	return 0;
}

int pg_tcp_attach_sndbuf(struct pg_tcp_conn *c, uint8_t *buf, uint32_t cap)
{
	if (!buf || cap < 64 || (cap & (cap - 1)) || c->lim_off != c->una_off)
		return -EINVAL;
	c->sbuf = buf;
	c->sbuf_mask = cap - 1;
	return 0;
}

int pg_tcp_write(struct pg_tcp_conn *c, const void *data, uint32_t len)
{
	uint64_t used;
	uint32_t room, n, i;
	const uint8_t *p = data;

	if (c->fin_queued || !c->sbuf)
		return c->fin_queued ? -EPIPE : -EINVAL;
	used = c->lim_off - c->una_off;
	room = c->sbuf_mask + 1 - (uint32_t)used;
	n = len < room ? len : room;
	for (i = 0; i < n; i++)
		c->sbuf[(c->lim_off + i) & c->sbuf_mask] = p[i];
	c->lim_off += n;
	if (n)
		kick(c);
	return (int)n;
}

void pg_tcp_set_rcv_inorder(struct pg_tcp_conn *c, uint64_t n)
{
	if (!c->rcv_manual)
		c->inorder_lim = n;
}

void pg_tcp_set_rcv_manual(struct pg_tcp_conn *c, int on)
{
	c->rcv_manual = !!on;
	if (on)
		c->inorder_lim = UINT64_MAX;
}

void pg_tcp_recved(struct pg_tcp_conn *c, uint32_t n)
{
	uint32_t before = c->rcv_buf - c->rcv_unread;

	if (n > c->rcv_unread)
		n = c->rcv_unread;
	c->rcv_unread -= n;
	/* Tell the peer once the window opened by two segments or half the buffer. */
	if (before < c->rcv_buf / 2 || c->rcv_buf - c->rcv_unread - before >= 2u * c->smss) {
		c->wnd_update = 1;
		kick(c);
	}
}

int pg_tcp_close(struct pg_tcp_conn *c)
{
	switch (c->state) {
	case PG_TCP_SYN_SENT:
		pg_tcp_conn_done(c, 0, 0);
		return 0;
	case PG_TCP_SYN_RCVD:
	case PG_TCP_ESTABLISHED:
	case PG_TCP_CLOSE_WAIT:
		if (c->fin_queued)
			return 0;
		/* An endless stream ends after what was sent so far. */
		if (c->lim_off == UINT64_MAX)
			c->lim_off = c->state == PG_TCP_SYN_RCVD ? 0 : pg_tcp_seq2off(c, c->snd_max);
		c->fin_queued = 1;
		c->app_closed = 1;
		kick(c);
		return 0;
	default:
		return c->fin_queued ? 0 : -ENOTCONN;
	}
}

void pg_tcp_abort(struct pg_tcp_conn *c)
{
	if (c->state != PG_TCP_SYN_SENT && c->state != PG_TCP_TIME_WAIT)
		pg_tcp_queue_rst(c->stack, c->raddr, c->rmac, c->lport, c->rport, c->snd_max, 0,
				 PG_TCP_RST);
	c->state = PG_TCP_CLOSED; /* still in the table (lport set): freed below */
	pg_tcp_conn_done(c, -ECONNABORTED, 0);
}

/* ------------------------------------------------------------------- info ---- */

enum pg_tcp_state pg_tcp_conn_state(const struct pg_tcp_conn *c)
{
	return (enum pg_tcp_state)c->state;
}

void pg_tcp_conn_info(const struct pg_tcp_conn *c, struct pg_tcp_info *i)
{
	memset(i, 0, sizeof(*i));
	i->state = c->state;
	i->ts = c->ts_ok;
	i->sack = c->sack_ok;
	i->ws = c->ws_ok;
	i->snd_wscale = c->snd_wscale;
	i->rcv_wscale = c->rcv_wscale;
	i->mss = c->smss;
	i->cwnd = c->cwnd;
	i->ssthresh = c->ssthresh;
	i->snd_wnd = c->snd_wnd;
	i->rcv_wnd = c->rcv_adv - c->rcv_nxt;
	i->srtt_ns = c->srtt;
	i->rttvar_ns = c->rttvar;
	i->min_rtt_ns = c->min_rtt == UINT64_MAX ? 0 : c->min_rtt;
	i->rto_ns = c->rto;
	i->bytes_acked = c->bytes_acked;
	i->bytes_sent = c->bytes_sent;
	i->bytes_received = c->bytes_received;
	i->segs_out = c->segs_out;
	i->segs_in = c->segs_in;
	i->retrans_segs = c->retrans_segs;
	i->retrans_bytes = c->retrans_bytes;
	i->fast_recoveries = c->fast_recoveries;
	i->rto_expiries = c->rto_expiries;
	i->tlp_probes = c->tlp_probes;
	i->probes = c->probes;
	i->dup_acks_in = c->dup_acks_in;
	i->ooo_segs_in = c->ooo_segs_in;
	i->spurious_undos = c->undos;
	i->reo_wnd_us = c->reo_mult ? (uint32_t)(pg_tcp_reo_wnd(c) / 1000) : 0;
}

void pg_tcp_stack_stats(const struct pg_tcp_stack *s, struct pg_tcp_stats *st)
{
	*st = s->st;
}

const struct pg_tcp_cc_ops *pg_tcp_cc_find(const char *name)
{
	if (!name)
		return NULL;
	if (!strcmp(name, "reno") || !strcmp(name, "newreno"))
		return &pg_tcp_cc_reno;
	if (!strcmp(name, "cubic"))
		return &pg_tcp_cc_cubic;
	return NULL;
}

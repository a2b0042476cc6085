/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP engine internals shared by tcp*.c (not part of the API). */
#ifndef PG_TCP_PRIV_H
#define PG_TCP_PRIV_H

#include <stdint.h>

#include "tcp.h"
#include "tcp_wire.h"

#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((a) - (b)) >= 0)

#define PG_TCP_DUPTHRESH 3
#define PG_TCP_RSTQ 16
#define PG_TCP_NO_TIMER UINT64_MAX

static inline uint32_t seq_max(uint32_t a, uint32_t b)
{
	return SEQ_GT(a, b) ? a : b;
}

static inline uint32_t seq_min(uint32_t a, uint32_t b)
{
	return SEQ_LT(a, b) ? a : b;
}

/* Congestion control. cwnd/ssthresh live in the connection; ops keep extra state in
 * c->cc_priv. on_ack runs for every ACK that advances snd_una outside fast recovery. */
struct pg_tcp_cc_ops {
	const char *name;
	void (*init)(struct pg_tcp_conn *c);
	void (*on_ack)(struct pg_tcp_conn *c, uint32_t acked, uint64_t now);
	/* Loss detected (fast retransmit, or rto = 1): returns the new ssthresh. */
	uint32_t (*on_loss)(struct pg_tcp_conn *c, uint64_t now, int rto);
	/* Fast recovery finished (cwnd already set to ssthresh). */
	void (*on_recovered)(struct pg_tcp_conn *c, uint64_t now);
};

struct pg_tcp_range {
	uint32_t l, r; /* [l, r) in sequence space */
};

enum { REC_NONE = 0, REC_FAST, REC_LOSS };

struct pg_tcp_conn {
	struct pg_tcp_conn *next, *prev;      /* active list, or free list via next */
	struct pg_tcp_stack *stack;
	const struct pg_tcp_app_ops *ops;
	void *arg;
	const struct pg_tcp_cc_ops *cc;

	/* identity */
	uint32_t laddr, raddr;                /* network order */
	uint16_t lport, rport;                /* host order */
	uint8_t rmac[6];
	uint8_t state;
	uint8_t ts_ok : 1, sack_ok : 1, ws_ok : 1, app_closed : 1, fin_queued : 1,
		fin_sent : 1, syn_pending : 1, ack_now : 1;
	uint8_t passive : 1, rcv_manual : 1, rcv_fin : 1, probe_pending : 1,
		wnd_update : 1, persist : 1, detached : 1, timed : 1;
	uint8_t claimed : 1;                  /* passive: published through owner_ops */
	uint8_t rxt_first : 1;                /* fast retransmit due regardless of pipe */
	uint8_t undo_armed : 1;               /* undo_tsval holds the episode's first rxt */
	uint8_t tlp_armed : 1;                /* t_rtx holds a probe timeout, not the RTO */
	uint8_t tlp_send : 1;                 /* the probe timeout fired: output owes a probe */
	uint8_t tlp_out : 1;                  /* a probe is out, snd_una has not moved since */
	uint8_t dupack_out;                   /* extra duplicate ACKs owed (one per OOO segment) */
	uint8_t reo_mult;                     /* reordering window in min_rtt/4 steps; 0 = none seen */
	/* Spurious fast retransmit detection (Eifel, RFC 3522/4015, with timestamps) */
	uint32_t prior_cwnd, prior_ssthresh, undo_seq, undo_tsval;
	uint32_t undos;
	uint8_t snd_wscale, rcv_wscale;
	uint8_t backoff, quickacks;
	uint16_t peer_mss;                    /* from the SYN (option bytes not deducted) */
	uint16_t smss;                        /* payload per full segment we send */
	uint16_t rcv_mss;                     /* largest payload seen (ACK-every-2nd rule) */
	uint8_t segs_unacked;
	uint8_t dupacks;
	uint8_t nsack, nooo, ooo_last;
	uint8_t in_rec;                       /* REC_* */
	uint32_t hash;

	/* send sequence space */
	uint32_t iss, snd_una, snd_max, snd_wnd, snd_wl1, snd_wl2, max_snd_wnd;
	uint32_t recover, high_rxt, lost_floor;
	uint32_t rtt_seq;                     /* timed segment when no timestamps */
	uint32_t cwnd, ssthresh;
	uint32_t sacked_bytes;                /* bytes in sack[] */
	uint64_t una_off;                     /* stream offset of snd_una (SYN excluded) */
	uint64_t lim_off;                     /* application data ends here */
	uint64_t rtt_ts;
	struct pg_tcp_range sack[PG_TCP_SACK_MAX];

	/* receive sequence space */
	uint32_t irs, rcv_nxt, rcv_adv;       /* rcv_adv: right edge advertised */
	uint32_t rcv_buf, rcv_unread;
	uint32_t ts_recent, fin_seq_in;
	uint64_t rcv_off;                     /* stream offset of rcv_nxt */
	uint64_t inorder_lim;
	struct pg_tcp_range ooo[PG_TCP_OOO_MAX];

	/* send buffer (copy mode) */
	uint8_t *sbuf;
	uint32_t sbuf_mask;

	/* timers (absolute ns, PG_TCP_NO_TIMER = off) */
	uint64_t t_rtx;                       /* retransmission or persist */
	uint64_t t_delack;
	uint64_t t_2msl;
	uint64_t t_reo;                       /* loss declared when this expires (RFC 8985 reo_wnd) */
	uint64_t rto;
	uint64_t srtt, rttvar, min_rtt;       /* ns; srtt 0 = no sample yet */

	uint64_t cc_priv[8];

	/* counters */
	uint64_t bytes_acked, bytes_sent, bytes_received;
	uint64_t segs_out, segs_in, retrans_segs, retrans_bytes;
	uint32_t fast_recoveries, rto_expiries, probes, dup_acks_in, ooo_segs_in, tlp_probes;
	uint8_t retries;
};

struct pg_tcp_listener {
	uint16_t port;
	uint8_t used;
	const struct pg_tcp_app_ops *ops;
	void *arg;
};

struct pg_tcp_rst {
	uint32_t raddr;
	uint16_t lport, rport;
	uint32_t seq, ack;
	uint8_t flags;
	uint8_t rmac[6];
};

struct pg_tcp_stack {
	struct pg_tcp_cfg cfg;
	uint16_t mss_local;                   /* mtu - 40 */
	uint8_t rcv_wscale;
	struct pg_tcp_conn *conns;
	unsigned int nconns;
	struct pg_tcp_conn *free_list;
	struct pg_tcp_conn *active;           /* doubly linked via next/prev */
	struct pg_tcp_conn *rr;               /* output round-robin cursor */
	uint32_t *tbl;                        /* conn index + 1, 0 = empty; linear probing */
	uint32_t tbl_mask;
	uint16_t ip_id;
	uint16_t eph_next;
	uint32_t nb_active;
	uint32_t rx_share;                    /* rx_budget / connections (UINT32_MAX = none) */
	uint64_t next_timer;                  /* lower bound of all conn timers */
	const struct pg_tcp_owner_ops *owner_ops;
	void *owner_arg;
	struct pg_tcp_listener lst[PG_TCP_MAX_LISTEN];
	struct pg_tcp_rst rstq[PG_TCP_RSTQ];
	unsigned int rstq_n;
	struct pg_tcp_stats st;
};

/* tcp.c */
struct pg_tcp_conn *pg_tcp_conn_alloc(struct pg_tcp_stack *s);
void pg_tcp_conn_free(struct pg_tcp_conn *c);
int pg_tcp_tbl_insert(struct pg_tcp_stack *s, struct pg_tcp_conn *c);
struct pg_tcp_conn *pg_tcp_tbl_lookup(struct pg_tcp_stack *s, uint32_t raddr, uint16_t lport,
				      uint16_t rport);
void pg_tcp_conn_init_seq(struct pg_tcp_conn *c, uint64_t now);
void pg_tcp_set_state(struct pg_tcp_conn *c, enum pg_tcp_state st, uint64_t now);
/* Ends the application's view of c (closed callback once); frees it unless TIME-WAIT. */
void pg_tcp_conn_done(struct pg_tcp_conn *c, int err, uint64_t now);
void pg_tcp_queue_rst(struct pg_tcp_stack *s, uint32_t raddr, const uint8_t *rmac,
		      uint16_t lport, uint16_t rport, uint32_t seq, uint32_t ack, uint8_t flags);
const struct pg_tcp_listener *pg_tcp_listener_find(const struct pg_tcp_stack *s, uint16_t port);
/* Stream offset <-> sequence number (offset 0 is the byte after the SYN). */
static inline uint32_t pg_tcp_off2seq(const struct pg_tcp_conn *c, uint64_t off)
{
	return c->iss + 1u + (uint32_t)off;
}

static inline uint64_t pg_tcp_seq2off(const struct pg_tcp_conn *c, uint32_t seq)
{
	return c->una_off + (uint32_t)(seq - pg_tcp_off2seq(c, c->una_off));
}

/* Application bytes available at and after seq (capped at 1 GiB). */
static inline uint32_t pg_tcp_avail(const struct pg_tcp_conn *c, uint32_t seq)
{
	uint64_t off = pg_tcp_seq2off(c, seq);

	if (off >= c->lim_off)
		return 0;
	return c->lim_off - off > (1u << 30) ? (1u << 30) : (uint32_t)(c->lim_off - off);
}


/* tcp_cc_reno.c: slow start step shared by the CCs; returns acked bytes left over. */
uint32_t pg_tcp_slow_start(struct pg_tcp_conn *c, uint32_t acked);

/* tcp_in.c: the dupthresh / SACK loss condition holds (recovery is due, or the
 * reordering window is running). */
int pg_tcp_loss_suspected(const struct pg_tcp_conn *c);
void pg_tcp_enter_recovery(struct pg_tcp_conn *c, uint64_t now);

/* tcp_timer.c */
uint64_t pg_tcp_reo_wnd(const struct pg_tcp_conn *c);
void pg_tcp_persist_arm(struct pg_tcp_conn *c, uint64_t now);
uint64_t pg_tcp_timers_min(struct pg_tcp_stack *s);
void pg_tcp_rtt_sample(struct pg_tcp_conn *c, uint64_t rtt);
void pg_tcp_rearm_rtx(struct pg_tcp_conn *c, uint64_t now);
/* A segment went out: start the timer, or move it to the probe timeout when earlier. */
void pg_tcp_rtx_on_send(struct pg_tcp_conn *c, uint64_t now);
void pg_tcp_timer_set(struct pg_tcp_conn *c, uint64_t *t, uint64_t deadline);
static inline uint32_t pg_tcp_ts_now(uint64_t now)
{
	return (uint32_t)(now >> 10); /* ~1.024 us ticks */
}

/* tcp_sack.c: sender scoreboard */
void pg_tcp_sack_update(struct pg_tcp_conn *c, const struct pg_tcp_seg *seg);
void pg_tcp_sack_trim(struct pg_tcp_conn *c);     /* drop ranges below snd_una */
void pg_tcp_sack_clear(struct pg_tcp_conn *c);
uint32_t pg_tcp_sack_lost_end(const struct pg_tcp_conn *c);
uint32_t pg_tcp_pipe(const struct pg_tcp_conn *c);
/* First unSACKed seq >= from; *len bounds the bytes until the next SACKed range. */
uint32_t pg_tcp_sack_next_hole(const struct pg_tcp_conn *c, uint32_t from, uint32_t *len);
/* tcp_sack.c: receiver out-of-order ranges */
int pg_tcp_ooo_add(struct pg_tcp_conn *c, uint32_t l, uint32_t r);
/* First seq in [l, r) not covered by ranges a[0..n); *len = run length (0: none). */
uint32_t pg_tcp_ooo_uncovered(const struct pg_tcp_range *a, unsigned int n, uint32_t l, uint32_t r,
			      uint32_t *len);
void pg_tcp_ooo_advance(struct pg_tcp_conn *c);

#endif /* PG_TCP_PRIV_H */

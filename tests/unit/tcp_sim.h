/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Deterministic in-memory harness for the TCP engine: two perfgen stacks (or one stack
 * and the test itself, crafting segments) joined by a simulated link, on a virtual
 * clock. Each direction of the link has a propagation delay, a serialization rate with a
 * drop-tail queue, random loss / duplication / reordering from a seeded generator, and
 * scripted drops (the k-th frame, or the segment carrying a given stream offset the
 * first n times it is sent). Every frame that enters the link is logged (time, parsed
 * header, what the link did with it) so tests can check what went on the wire and when.
 * Nothing here reads a real clock or the network: the same seed gives the same run.
 */
#ifndef PG_TCP_SIM_H
#define PG_TCP_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "tcp.h"
#include "tcp_wire.h"

#define SIM_MS 1000000ull
#define SIM_US 1000ull
#define SIM_S 1000000000ull
#define SIM_T0 SIM_S /* virtual time starts at 1 s (a zero timestamp means "none" in TCP) */
#define SIM_MAX_FLOWS 64
#define SIM_MAX_RULES 16

/* One connection as the test application sees it (the callbacks' arg). */
struct sim_flow {
	struct pg_tcp_conn *c;        /* NULL once closed() ran */
	struct sim_ep *ep;
	uint64_t send_len;            /* stream length to send once connected (0 = none) */
	int close_after_send;         /* FIN after send_len */
	int close_on_eof;             /* answer the peer's FIN with ours */
	int copy_mode;                /* send through pg_tcp_write instead of fill() */
	int rcv_manual;               /* the application reads only when the test says */
	uint64_t inorder_lim;         /* pg_tcp_set_rcv_inorder (0 = default) */
	uint8_t *sbuf;                /* copy-mode ring */
	uint64_t written;
	uint64_t rcvd, next_off, acked, max_end;
	uint64_t ooo_deliveries;      /* deliveries not at the next expected offset */
	uint64_t bad_bytes;           /* bytes that do not match the pattern */
	uint64_t dup_bytes;           /* bytes delivered twice (only with a bitmap) */
	uint8_t *seen;                /* optional bitmap of delivered offsets */
	uint64_t seen_len;
	int connected, eof, closed, err;
	struct pg_tcp_info info;      /* as closed() found the connection */
	uint64_t t_connected, t_eof, t_closed;
};

struct sim_ep {
	struct sim *sim;
	int idx;
	void *mem;
	struct pg_tcp_stack *s;
	struct pg_tcp_cfg cfg;
	uint32_t ip;                  /* network order */
	uint8_t mac[6];
	uint64_t rng;
	/* server side: flows adopted by connected() */
	struct sim_flow flows[SIM_MAX_FLOWS];
	unsigned int nflows;
	struct sim_flow srv_tmpl;     /* settings copied into each accepted flow */
	int refuse;                   /* connected() refuses new connections */
};

struct sim_rule {
	uint64_t off;                 /* drop the data segment carrying this stream offset */
	int times;                    /* ... this many more times */
};

struct sim_dir {                      /* frames sent by ep[i] travel in dir[i] */
	uint64_t delay_ns;
	uint64_t rate_bps;            /* 0 = no serialization */
	uint32_t queue_bytes;         /* drop-tail limit of the bottleneck queue; 0 = none */
	uint32_t loss_ppm, dup_ppm, reorder_ppm;
	uint64_t reorder_ns;          /* extra delay of a reordered frame; 0: it skips the
				       * propagation delay instead (impair's and netem's meaning) */
	struct sim_rule drop_off[SIM_MAX_RULES];
	unsigned int ndrop_off;
	uint64_t drop_nth[SIM_MAX_RULES]; /* 1-based frame numbers in this direction */
	unsigned int ndrop_nth;
	int blackhole;                /* drop everything */
	/* state */
	uint64_t busy_until;
	uint64_t frames;
	uint32_t isn;
	int have_isn;
	uint64_t dropped, lost, queue_drops, duplicated, reordered;
};

enum { SIM_PASS = 0, SIM_LOSS, SIM_SCRIPTED, SIM_QUEUE };

struct sim_rec {
	uint64_t t;
	uint8_t dir, flags, fate, nsack;
	uint16_t wnd;
	uint32_t seq, ack, len;
	uint64_t off;                 /* stream offset of seq (data segments) */
	uint32_t tsval, tsecr;
	uint8_t has_mss, has_ws, ws, sack_perm, has_ts;
	uint16_t mss;
};

struct sim_pkt;

struct sim {
	uint64_t now;
	struct sim_ep ep[2];
	int nep;
	struct sim_dir dir[2];
	uint64_t rng;
	struct sim_pkt **heap;
	size_t nheap, capheap;
	uint64_t pkt_serial;
	struct sim_rec *log;
	size_t nlog, caplog;
	/* called for every frame an endpoint emits, before the link sees it */
	void (*on_tx)(struct sim *sim, int dir, const struct sim_rec *r, void *arg);
	void *on_tx_arg;
};

/* A cfg with the harness's addresses and deterministic ISNs; tune fields, then sim_init. */
void sim_default_cfg(struct pg_tcp_cfg *cfg, int idx);
/* Two stacks (cfg_b NULL: one stack, the test crafts the other side). Asserts on failure. */
void sim_init(struct sim *sim, const struct pg_tcp_cfg *cfg_a, const struct pg_tcp_cfg *cfg_b,
	      unsigned int max_conns, uint64_t seed);
void sim_fini(struct sim *sim);

/* The test application. */
extern const struct pg_tcp_app_ops sim_ops;
uint8_t sim_pattern(uint64_t off);
/* ep[0] connects to ep[1]:port; f is the client's flow (fields preset by the caller). */
struct pg_tcp_conn *sim_connect(struct sim *sim, struct sim_flow *f, uint16_t port, uint16_t sport);
void sim_listen(struct sim *sim, int idx, uint16_t port);
/* Tracks delivered offsets [0, len) in a bitmap (exactly-once check). */
void sim_flow_track(struct sim_flow *f, uint64_t len);
void sim_flow_free(struct sim_flow *f);

/* Runs until done() says so (0), or until virtual time `until` / the link and all timers go
 * idle (-ETIMEDOUT). */
int sim_run(struct sim *sim, uint64_t until, int (*done)(struct sim *sim, void *arg), void *arg);
/* Runs for d ns of virtual time. */
void sim_advance(struct sim *sim, uint64_t d);

/* ---- endpoint vs crafted segments (sim_init with cfg_b NULL) ---- */
struct sim_craft {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd;
	int mss, ws, sack_perm;       /* -1 / 0 = absent */
	int ts;                       /* 1: timestamps with tsval/tsecr */
	uint32_t tsval, tsecr;
	uint32_t sack[4][2];
	unsigned int nsack;
	const uint8_t *payload;
	uint32_t len;
};
#define SIM_PEER_IP 0xc6126402u  /* 198.18.100.2: the crafted peer (host order) */
/* Builds the frame and hands it to ep[0]; returns pg_tcp_input's result. */
int sim_inject(struct sim *sim, const struct sim_craft *cr);
/* Collects up to max segments ep[0] emits now (timers run first). */
unsigned int sim_collect(struct sim *sim, struct pg_tcp_seg *out, uint8_t (*payload)[64], unsigned int max);

/* Log helpers. */
void sim_dump(const struct sim *sim, size_t from, size_t to);
size_t sim_count(const struct sim *sim, int dir, int (*pred)(const struct sim_rec *r));
int sim_is_data(const struct sim_rec *r);
int sim_is_pure_ack(const struct sim_rec *r);

#endif /* PG_TCP_SIM_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software redirect between dataplane lcores: the documented fallback for devices whose
 * RSS cannot be made to deliver a flow's return traffic to the queue of the lcore that
 * owns it (veth, af_packet fanout, single-hash NICs). Every lcore that receives a frame
 * for a local L4 port owned by another lcore copies its first PG_REDIR_DATA bytes into
 * an SPSC ring toward the owner (one ring per ordered lcore pair), and each lcore drains
 * the rings toward it once per loop. It carries the return traffic of generator flows
 * (iperf2 AckFINs, ACKs): frames longer than PG_REDIR_DATA arrive flagged
 * PG_PKT_F_TRUNCATED. Server flows need no redirect: whatever queue a flow hashes to
 * owns it.
 */
#ifndef PG_REDIRECT_H
#define PG_REDIRECT_H

#include <stdint.h>
#include <string.h>

#include "port.h"
#include "ring.h"

#define PG_REDIR_DATA 240
#define PG_REDIR_NONE 0xff

struct pg_redir_frame {
	uint16_t len;        /* bytes in data */
	uint16_t wire_len;   /* length as received */
	uint32_t flags;      /* PG_PKT_F_* */
	uint64_t rx_ts_ns;
	uint8_t data[PG_REDIR_DATA];
};
_Static_assert(sizeof(struct pg_redir_frame) == 256, "one ring element");

struct pg_redirect {
	unsigned int nb;                 /* lcores in the mesh */
	struct pg_ring **ring;           /* ring[from * nb + to], NULL on the diagonal */
	uint8_t owner[65536];            /* local L4 port -> lcore, PG_REDIR_NONE = nobody */
};

/* A mesh for nb lcores with slots elements per ring (power of two). NULL + errno. */
struct pg_redirect *pg_redirect_create(unsigned int nb, unsigned int slots);
void pg_redirect_free(struct pg_redirect *r);

/* Setup: local port `port` belongs to lcore `lcore`. */
static inline void pg_redirect_set_owner(struct pg_redirect *r, uint16_t port, unsigned int lcore)
{
	r->owner[port] = (uint8_t)lcore;
}

/* Owner of a local port, or PG_REDIR_NONE. */
static inline unsigned int pg_redirect_owner(const struct pg_redirect *r, uint16_t port)
{
	return r->owner[port];
}

/* Copies pkt toward lcore `to`. 1 when queued, 0 when that ring is full (caller counts). */
static inline int pg_redirect_push(struct pg_redirect *r, unsigned int from, unsigned int to,
				   const struct pg_pkt *pkt)
{
	struct pg_redir_frame f;
	uint32_t n = pkt->len < PG_REDIR_DATA ? pkt->len : PG_REDIR_DATA;

	f.len = (uint16_t)n;
	f.wire_len = (uint16_t)(pkt->len > 0xffff ? 0xffff : pkt->len);
	f.flags = pkt->flags | (n < pkt->len ? PG_PKT_F_TRUNCATED : 0);
	f.rx_ts_ns = pkt->rx_ts_ns;
	memcpy(f.data, pkt->data, n);
	return pg_ring_enqueue_burst(r->ring[from * r->nb + to], &f, 1) == 1;
}

/* Takes up to n frames sent toward lcore `to` from lcore `from`. */
static inline unsigned int pg_redirect_pull(struct pg_redirect *r, unsigned int from,
					    unsigned int to, struct pg_redir_frame *out, unsigned int n)
{
	return pg_ring_dequeue_burst(r->ring[from * r->nb + to], out, n);
}

#endif /* PG_REDIRECT_H */

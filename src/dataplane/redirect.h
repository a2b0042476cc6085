/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software redirect between dataplane lcores: the documented fallback for devices whose
 * RSS cannot be made to deliver a flow's return traffic to the queue of the lcore that
 * owns it (veth, af_packet fanout, single-hash NICs). Every lcore that receives a frame
 * for a local L4 port owned by another lcore copies its first PG_REDIR_DATA bytes into
 * an SPSC ring toward the owner (one ring per ordered lcore pair), and each lcore drains
 * the rings toward it once per loop. It carries the return traffic of generator flows
 * (iperf2 AckFINs, ACKs): frames longer than PG_REDIR_DATA arrive flagged
 * PG_PKT_F_TRUNCATED. iperf2 server flows need no redirect: whatever queue a flow hashes
 * to owns it.
 *
 * The iperf3 client also receives data (-R, --bidir), so its mesh carries whole frames
 * (pg_redirect_push_whole / pg_redirect_pull_whole): a frame longer than PG_REDIR_DATA
 * continues in the next ring elements, 256 bytes each. A mesh is used with one of the two
 * framings only; the iperf2 loops keep the one-element copy of the first 240 bytes. An
 * iperf3 server uses the whole-frame mesh too, its owners found by 4-tuple
 * (flow_owner.h), plus the port-owner entry of the iperf2 port it serves on lcore 0.
 */
#ifndef PG_REDIRECT_H
#define PG_REDIRECT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "frame.h"
#include "pkt.h"
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
	unsigned int nb_owned;           /* ports given an owner (0: owners are found otherwise) */
	uint8_t owner[65536];            /* local L4 port -> lcore, PG_REDIR_NONE = nobody */
};

/* A mesh for nb lcores with slots elements per ring (power of two). NULL + errno. */
struct pg_redirect *pg_redirect_create(unsigned int nb, unsigned int slots);
void pg_redirect_free(struct pg_redirect *r);

/* Setup: local port `port` belongs to lcore `lcore`. */
static inline void pg_redirect_set_owner(struct pg_redirect *r, uint16_t port, unsigned int lcore)
{
	r->nb_owned += r->owner[port] == PG_REDIR_NONE;
	r->owner[port] = (uint8_t)lcore;
}

/* Owner of a local port, or PG_REDIR_NONE. */
static inline unsigned int pg_redirect_owner(const struct pg_redirect *r, uint16_t port)
{
	return r->owner[port];
}

/* The lcore other than self that owns pkt's local port (TCP; UDP too when udp), or
 * PG_REDIR_NONE: not TCP/UDP, malformed, nobody's, or self's. */
static inline unsigned int pg_redirect_route(const struct pg_redirect *r, unsigned int self,
					     const struct pg_pkt *pkt, int udp)
{
	struct pg_frame fr;
	unsigned int o;

	if (pg_frame_classify(pkt->data, pkt->len, 0, 1, &fr) != PG_FRAME_OK ||
	    (fr.proto != PG_IPPROTO_TCP && !(udp && fr.proto == PG_IPPROTO_UDP)))
		return PG_REDIR_NONE;
	o = pg_redirect_owner(r, fr.dport);
	return o == self ? PG_REDIR_NONE : o;
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

/* ------------------------------------------------------------------ whole frames ---- */

#define PG_REDIR_ELEM 256u
#define PG_REDIR_WHOLE_MAX (PG_REDIR_DATA + 38u * PG_REDIR_ELEM) /* 9968: a 9000-MTU frame */

/* A whole frame as pulled: the head element's layout, its data running on. */
struct pg_redir_whole {
	uint16_t len;        /* bytes in data (the whole frame up to PG_REDIR_WHOLE_MAX) */
	uint16_t wire_len;
	uint32_t flags;
	uint64_t rx_ts_ns;
	uint8_t data[PG_REDIR_WHOLE_MAX];
};
_Static_assert(offsetof(struct pg_redir_whole, data) == offsetof(struct pg_redir_frame, data),
	       "same head layout");
_Static_assert(sizeof(struct pg_redir_whole) % PG_REDIR_ELEM == 0, "whole elements");

/* Ring elements a frame of len bytes takes. */
static inline unsigned int pg_redirect_whole_elems(uint32_t len)
{
	return len <= PG_REDIR_DATA ? 1 : 1 + (len - PG_REDIR_DATA + PG_REDIR_ELEM - 1) / PG_REDIR_ELEM;
}

/*
 * Copies the whole of pkt toward lcore `to` (frames above PG_REDIR_WHOLE_MAX: its first
 * PG_REDIR_WHOLE_MAX bytes, flagged truncated). 1 when queued, 0 when the ring has no room
 * for all of it (nothing queued; the caller counts). Never blocks.
 */
static inline int pg_redirect_push_whole(struct pg_redirect *r, unsigned int from, unsigned int to,
					 const struct pg_pkt *pkt)
{
	struct pg_ring *ring = r->ring[from * r->nb + to];
	uint32_t n = pkt->len < PG_REDIR_WHOLE_MAX ? pkt->len : PG_REDIR_WHOLE_MAX;
	unsigned int need = pg_redirect_whole_elems(n);
	struct pg_redir_frame f;

	if (pg_ring_free_count(ring) < need)
		return 0;
	f.len = (uint16_t)n;
	f.wire_len = (uint16_t)(pkt->len > 0xffff ? 0xffff : pkt->len);
	f.flags = pkt->flags | (n < pkt->len ? PG_PKT_F_TRUNCATED : 0);
	f.rx_ts_ns = pkt->rx_ts_ns;
	memcpy(f.data, pkt->data, n < PG_REDIR_DATA ? n : PG_REDIR_DATA);
	pg_ring_enqueue_burst(ring, &f, 1);
	if (n > PG_REDIR_DATA) {
		uint32_t rest = n - PG_REDIR_DATA, full = rest / PG_REDIR_ELEM, tail = rest % PG_REDIR_ELEM;
		const uint8_t *p = pkt->data + PG_REDIR_DATA;

		/* full elements straight from the frame; the last one through a copy, so the
		 * ring never reads past the end of the receive buffer */
		if (full)
			pg_ring_enqueue_burst(ring, p, full);
		if (tail) {
			uint8_t last[PG_REDIR_ELEM];

			memcpy(last, p + (size_t)full * PG_REDIR_ELEM, tail);
			pg_ring_enqueue_burst(ring, last, 1);
		}
	}
	return 1;
}

/*
 * Takes the next whole frame sent toward lcore `to` from lcore `from` into *out. 1, or 0
 * when there is none yet (a frame whose tail elements are still being written counts as
 * none: the producer is a few copies from done).
 */
static inline unsigned int pg_redirect_pull_whole(struct pg_redirect *r, unsigned int from,
						  unsigned int to, struct pg_redir_whole *out)
{
	struct pg_ring *ring = r->ring[from * r->nb + to];
	unsigned int need;

	if (!pg_ring_peek(ring, out))
		return 0;
	need = pg_redirect_whole_elems(out->len);
	if (need > 1 && pg_ring_count(ring) < need)
		return 0;
	return pg_ring_dequeue_burst(ring, out, need) == need;
}

#endif /* PG_REDIRECT_H */

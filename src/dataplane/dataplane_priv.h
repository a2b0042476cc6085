/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the client and server loops (hot path, inline). */
#ifndef PG_DATAPLANE_PRIV_H
#define PG_DATAPLANE_PRIV_H

#include "dataplane.h"
#include "ring.h"
#include "msg.h"
#include "iperf2.h"

#include <string.h>

#define PG_TICK_NS 10000000ull     /* deltas to the reporter every 10 ms */
#define PG_REANCHOR_NS 1000000000ull

static inline void pg_msg_init(struct pg_msg *m, uint8_t type, const struct pg_lcore *lc,
			       uint16_t slot, uint32_t gen, uint64_t t_ns)
{
	memset(&m->h, 0, sizeof(m->h));
	m->h.type = type;
	m->h.lcore = (uint8_t)lc->idx;
	m->h.slot = slot;
	m->h.gen = gen;
	m->h.t_ns = t_ns;
}

/* 1 when the reporter's ring took the message; 0 when full (caller retries later). */
static inline int pg_post(struct pg_lcore *lc, const struct pg_msg *m)
{
	return pg_ring_enqueue_burst(lc->ring, m, 1) == 1;
}

/* Adds the eight 16-bit words of a freshly stamped seq/time block to a zero-block checksum. */
static inline uint16_t pg_csum_add_stamp(uint16_t csum0_be, const uint8_t *p)
{
	uint32_t s = (uint16_t)~ntohs(csum0_be);
	int i;

	for (i = 0; i < 16; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	s = (uint16_t)~s;
	return htons((uint16_t)(s ? s : 0xffff));
}

#endif /* PG_DATAPLANE_PRIV_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/* Setup and introspection of the SPSC ring; the burst functions are inline in ring.h. */
#include "ring.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

_Static_assert(offsetof(struct pg_ring, cons) - offsetof(struct pg_ring, prod) >= PG_RING_CACHE_LINE,
	       "producer and consumer indices share a cache line");
_Static_assert(offsetof(struct pg_ring, prod) >= PG_RING_CACHE_LINE,
	       "producer index shares the read-only cache line");

struct pg_ring *pg_ring_create(unsigned int count, unsigned int elem_size)
{
	struct pg_ring *r;
	size_t hdr, bytes;

	if (count < 2 || count > (1u << 31) || (count & (count - 1)) ||
	    elem_size == 0 || elem_size % 8 || elem_size > PG_RING_ELEM_MAX) {
		errno = EINVAL;
		return NULL;
	}
	/* Slots start on a cache line of their own, right after the struct. */
	hdr = (sizeof(*r) + PG_RING_CACHE_LINE - 1) & ~(size_t)(PG_RING_CACHE_LINE - 1);
	bytes = hdr + (size_t)count * elem_size;
	bytes = (bytes + PG_RING_CACHE_LINE - 1) & ~(size_t)(PG_RING_CACHE_LINE - 1);
	r = aligned_alloc(PG_RING_CACHE_LINE, bytes);
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	memset(r, 0, hdr);
	r->slots = (unsigned char *)r + hdr;
	r->size = count;
	r->mask = count - 1;
	r->esize = elem_size;
	atomic_init(&r->prod.tail, 0);
	atomic_init(&r->cons.head, 0);
	r->prod.cons_cache = 0;
	r->cons.prod_cache = 0;
	return r;
}

void pg_ring_free(struct pg_ring *r)
{
	free(r);
}

unsigned int pg_ring_count(const struct pg_ring *r)
{
	/* Read the consumer side first: both indices only grow, so reading the
	 * producer last can only overestimate, and the clamp bounds that. */
	uint32_t head = atomic_load_explicit(&r->cons.head, memory_order_acquire);
	uint32_t tail = atomic_load_explicit(&r->prod.tail, memory_order_acquire);
	uint32_t n = tail - head;

	return n > r->size ? r->size : n;
}

unsigned int pg_ring_free_count(const struct pg_ring *r)
{
	return r->size - pg_ring_count(r);
}

unsigned int pg_ring_capacity(const struct pg_ring *r)
{
	return r->size;
}

unsigned int pg_ring_elem_size(const struct pg_ring *r)
{
	return r->esize;
}

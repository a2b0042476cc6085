/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Single-producer/single-consumer ring of fixed-size elements: the only channel
 * between a dataplane lcore and the reporter (and back, for recycled buffers).
 * It owns a power-of-two array of slots and two free-running 32-bit indices,
 * each on its own cache line with its writer's cached copy of the other side's
 * index, so that in steady state a burst touches the shared line of the other
 * side only when the cached view says the ring looks full (producer) or empty
 * (consumer). Capacity is the full count (free-running indices tell full from
 * empty), unlike rte_ring's default count - 1.
 *
 * Threading: exactly one thread may call pg_ring_enqueue_burst() and exactly
 * one (other) thread pg_ring_dequeue_burst() at a time; pg_ring_count() and
 * pg_ring_free_count() may be called from any thread and return a snapshot.
 * The struct is visible only so the hot path can be inlined: do not touch
 * its fields.
 */
#ifndef PG_RING_H
#define PG_RING_H

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#define PG_RING_CACHE_LINE 64
#define PG_RING_ELEM_MAX 256u

#ifndef pg_likely
#define pg_likely(x) __builtin_expect(!!(x), 1)
#define pg_unlikely(x) __builtin_expect(!!(x), 0)
#endif

struct pg_ring {
	/* read-only after create */
	unsigned char *slots;
	uint32_t size;      /* number of slots, power of two */
	uint32_t mask;      /* size - 1 */
	uint32_t esize;     /* element size in bytes */

	/* written by the producer only */
	struct {
		_Atomic uint32_t tail;   /* next slot to fill; published with release */
		uint32_t cons_cache;     /* last consumer index the producer saw */
	} prod __attribute__((aligned(PG_RING_CACHE_LINE)));

	/* written by the consumer only */
	struct {
		_Atomic uint32_t head;   /* next slot to drain; published with release */
		uint32_t prod_cache;     /* last producer index the consumer saw */
	} cons __attribute__((aligned(PG_RING_CACHE_LINE)));
};

/*
 * Create a ring of count slots of elem_size bytes each.
 * Errors (NULL + errno): EINVAL if count is not a power of two in [2, 2^31]
 * or elem_size is 0, not a multiple of 8, or above 256; ENOMEM.
 */
struct pg_ring *pg_ring_create(unsigned int count, unsigned int elem_size);

/* Free a ring (NULL is fine). No thread may be using it. */
void pg_ring_free(struct pg_ring *r);

/* Copy n elements starting at slot index idx out of / into the ring, wrapping. */
static inline void pg_ring_copy_in_(struct pg_ring *r, uint32_t idx, const void *src, uint32_t n)
{
	uint32_t off = idx & r->mask;
	uint32_t first = r->size - off;

	if (pg_likely(n <= first)) {
		memcpy(r->slots + (size_t)off * r->esize, src, (size_t)n * r->esize);
	} else {
		memcpy(r->slots + (size_t)off * r->esize, src, (size_t)first * r->esize);
		memcpy(r->slots, (const unsigned char *)src + (size_t)first * r->esize,
		       (size_t)(n - first) * r->esize);
	}
}

static inline void pg_ring_copy_out_(const struct pg_ring *r, uint32_t idx, void *dst, uint32_t n)
{
	uint32_t off = idx & r->mask;
	uint32_t first = r->size - off;

	if (pg_likely(n <= first)) {
		memcpy(dst, r->slots + (size_t)off * r->esize, (size_t)n * r->esize);
	} else {
		memcpy(dst, r->slots + (size_t)off * r->esize, (size_t)first * r->esize);
		memcpy((unsigned char *)dst + (size_t)first * r->esize, r->slots,
		       (size_t)(n - first) * r->esize);
	}
}

/*
 * Producer only. Copy up to n elements from elems (n * elem_size bytes) into the
 * ring. Returns how many were enqueued: always a prefix of elems, 0 when full.
 */
static inline unsigned int pg_ring_enqueue_burst(struct pg_ring *r, const void *elems, unsigned int n)
{
	/* Only this thread writes tail, so a relaxed read of it is exact. */
	uint32_t tail = atomic_load_explicit(&r->prod.tail, memory_order_relaxed);
	uint32_t room = r->size - (tail - r->prod.cons_cache);

	if (room < n) {
		/* Acquire pairs with the consumer's release: its copies out of the
		 * slots we are about to reuse are finished. */
		r->prod.cons_cache = atomic_load_explicit(&r->cons.head, memory_order_acquire);
		room = r->size - (tail - r->prod.cons_cache);
		if (n > room)
			n = room;
		if (n == 0)
			return 0;
	}
	pg_ring_copy_in_(r, tail, elems, n);
	atomic_store_explicit(&r->prod.tail, tail + n, memory_order_release);
	return n;
}

/*
 * Consumer only. Copy up to n elements out of the ring into elems. Returns how
 * many were dequeued (0 when empty), in the order they were enqueued.
 */
static inline unsigned int pg_ring_dequeue_burst(struct pg_ring *r, void *elems, unsigned int n)
{
	uint32_t head = atomic_load_explicit(&r->cons.head, memory_order_relaxed);
	uint32_t avail = r->cons.prod_cache - head;

	if (avail < n) {
		/* Acquire pairs with the producer's release: slot contents are visible. */
		r->cons.prod_cache = atomic_load_explicit(&r->prod.tail, memory_order_acquire);
		avail = r->cons.prod_cache - head;
		if (n > avail)
			n = avail;
		if (n == 0)
			return 0;
	}
	pg_ring_copy_out_(r, head, elems, n);
	atomic_store_explicit(&r->cons.head, head + n, memory_order_release);
	return n;
}

/*
 * Consumer only. Copy the oldest element into elem without removing it. Returns 1, or 0
 * when the ring is empty. For records that span several elements (redirect.h): read the
 * first, and dequeue the record once pg_ring_count() says all of it is there.
 */
static inline unsigned int pg_ring_peek(struct pg_ring *r, void *elem)
{
	uint32_t head = atomic_load_explicit(&r->cons.head, memory_order_relaxed);

	if (r->cons.prod_cache == head) {
		r->cons.prod_cache = atomic_load_explicit(&r->prod.tail, memory_order_acquire);
		if (r->cons.prod_cache == head)
			return 0;
	}
	pg_ring_copy_out_(r, head, elem, 1);
	return 1;
}

/* Number of elements in the ring (a snapshot when called from a third thread). */
unsigned int pg_ring_count(const struct pg_ring *r);

/* Number of free slots (a snapshot when called from a third thread). */
unsigned int pg_ring_free_count(const struct pg_ring *r);

/* Capacity in elements, and element size in bytes. */
unsigned int pg_ring_capacity(const struct pg_ring *r);
unsigned int pg_ring_elem_size(const struct pg_ring *r);

#endif /* PG_RING_H */

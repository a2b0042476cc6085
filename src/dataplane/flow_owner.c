/* SPDX-License-Identifier: BSD-3-Clause */
/* The server's 4-tuple -> owning lcore table (flow_owner.h). */
#include "flow_owner.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { K_EMPTY = 0, K_BUSY, K_LIVE, K_TOMB };

#define ST(seq, kind, udp, owner) (((seq) << 12) | ((uint32_t)(kind) << 10) | ((uint32_t)(udp) << 9) | (owner))
#define ST_SEQ(s) ((s) >> 12)
#define ST_KIND(s) (((s) >> 10) & 3u)
#define ST_UDP(s) (((s) >> 9) & 1u)
#define ST_OWNER(s) ((s) & 0xffu)

static uint64_t key_of(uint32_t ip, uint16_t pport, uint16_t lport)
{
	return (uint64_t)ip << 32 | (uint64_t)pport << 16 | lport;
}

static unsigned int home(uint64_t key, int udp)
{
	return (unsigned int)(((key ^ (uint64_t)udp) * 0x9e3779b97f4a7c15ull) >> 40) & (PG_FOWN_SIZE - 1);
}

struct pg_flow_owner *pg_flow_owner_create(void)
{
	struct pg_flow_owner *t = aligned_alloc(64, sizeof(*t));

	if (!t) {
		errno = ENOMEM;
		return NULL;
	}
	memset(t, 0, sizeof(*t));
	return t;
}

void pg_flow_owner_free(struct pg_flow_owner *t)
{
	free(t);
}

int pg_flow_owner_insert(struct pg_flow_owner *t, uint32_t peer_ip, uint16_t peer_port,
			 uint16_t local_port, int udp, unsigned int owner)
{
	uint64_t key = key_of(peer_ip, peer_port, local_port);
	unsigned int h = home(key, udp), i;

	udp = !!udp;
	for (i = 0; i < PG_FOWN_PROBE; i++) {
		struct pg_fown_entry *e = &t->e[(h + i) & (PG_FOWN_SIZE - 1)];
		uint32_t st = atomic_load_explicit(&e->state, memory_order_acquire);

		if (ST_KIND(st) == K_LIVE) {
			if ((int)ST_UDP(st) == udp &&
			    atomic_load_explicit(&e->key, memory_order_relaxed) == key)
				return -EEXIST;
			continue;
		}
		if (ST_KIND(st) == K_BUSY)
			continue;
		/* empty or a tombstone: claim it, write the key, then publish */
		if (!atomic_compare_exchange_strong_explicit(&e->state, &st, ST(ST_SEQ(st) + 1, K_BUSY, 0, 0),
							     memory_order_acq_rel, memory_order_acquire)) {
			i--; /* another lcore took it meanwhile: look at it again */
			continue;
		}
		atomic_store_explicit(&e->key, key, memory_order_relaxed);
		atomic_store_explicit(&e->state, ST((ST_SEQ(st) + 1) & 0xfffffu, K_LIVE, udp, owner & 0xffu),
				      memory_order_release);
		atomic_fetch_add_explicit(&t->inserted, 1, memory_order_relaxed);
		return 0;
	}
	atomic_fetch_add_explicit(&t->full, 1, memory_order_relaxed);
	return -ENOSPC;
}

/* The entry holding the tuple, with its state word; NULL when absent. */
static struct pg_fown_entry *find(struct pg_flow_owner *t, uint64_t key, int udp, uint32_t *stp)
{
	unsigned int h = home(key, udp), i;

	for (i = 0; i < PG_FOWN_PROBE; i++) {
		struct pg_fown_entry *e = &t->e[(h + i) & (PG_FOWN_SIZE - 1)];
		uint32_t st = atomic_load_explicit(&e->state, memory_order_acquire);
		uint64_t k;

		if (ST_KIND(st) == K_EMPTY)
			return NULL;
		if (ST_KIND(st) != K_LIVE || (int)ST_UDP(st) != udp)
			continue;
		k = atomic_load_explicit(&e->key, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		/* the same state after the key: the key belongs to that publication */
		if (k == key && atomic_load_explicit(&e->state, memory_order_relaxed) == st) {
			*stp = st;
			return e;
		}
	}
	return NULL;
}

void pg_flow_owner_remove(struct pg_flow_owner *t, uint32_t peer_ip, uint16_t peer_port,
			  uint16_t local_port, int udp)
{
	uint32_t st;
	struct pg_fown_entry *e = find(t, key_of(peer_ip, peer_port, local_port), !!udp, &st);

	if (!e)
		return;
	atomic_store_explicit(&e->state, ST(ST_SEQ(st), K_TOMB, 0, 0), memory_order_release);
	atomic_fetch_add_explicit(&t->removed, 1, memory_order_relaxed);
}

unsigned int pg_flow_owner_lookup(struct pg_flow_owner *t, uint32_t peer_ip, uint16_t peer_port,
				  uint16_t local_port, int udp)
{
	uint32_t st;

	return find(t, key_of(peer_ip, peer_port, local_port), !!udp, &st) ? ST_OWNER(st) : PG_FOWN_NONE;
}

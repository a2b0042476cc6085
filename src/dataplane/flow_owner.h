/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which lcore owns a server connection, by its 4-tuple: a server's connections all have
 * the same local port (5201), so the owner of a frame cannot be told from its local port
 * as a client's can (redirect.h). The lcore that accepted the connection (the queue its
 * SYN, or its UDP connect datagram, arrived on) publishes (peer IP, peer port, local
 * port, protocol) -> lcore here; an lcore that receives a frame its own engine does not
 * know looks the tuple up and, when another lcore owns it, passes the frame whole through
 * the redirect mesh. Lock-free: open addressing over a fixed table; an insert claims an
 * entry with a CAS, writes its key and publishes it with a release store of its state, a
 * reader checks the state again after reading the key (a sequence number in the state
 * word tells an entry reused meanwhile). Removal by the owner leaves a tombstone that a
 * later insert reuses. Bounded: a full table refuses the insert (the caller counts and
 * refuses the connection). No allocation after create.
 */
#ifndef PG_FLOW_OWNER_H
#define PG_FLOW_OWNER_H

#include <stdatomic.h>
#include <stdint.h>

#define PG_FOWN_SIZE 4096u          /* entries (power of two) */
#define PG_FOWN_PROBE 64u           /* longest probe sequence */
#define PG_FOWN_NONE 0xffu

struct pg_fown_entry {
	_Atomic uint32_t state;      /* seq << 12 | kind << 10 | proto_udp << 9 | owner (8 bits) */
	uint32_t pad;
	_Atomic uint64_t key;        /* peer IP (BE) << 32 | peer port << 16 | local port */
};

struct pg_flow_owner {
	_Atomic uint64_t full;       /* inserts refused: no free entry within PG_FOWN_PROBE */
	_Atomic uint64_t inserted, removed;
	_Atomic int udp_listen;      /* iperf3 server: UDP connect datagrams still expected (any lcore) */
	struct pg_fown_entry e[PG_FOWN_SIZE] __attribute__((aligned(64)));
};

/* A table for one run. NULL + errno (ENOMEM). */
struct pg_flow_owner *pg_flow_owner_create(void);
void pg_flow_owner_free(struct pg_flow_owner *t);

/* Publishes tuple -> owner. 0, -EEXIST (already there: its owner stays), -ENOSPC (full;
 * counted). Any lcore may insert concurrently with others. */
int pg_flow_owner_insert(struct pg_flow_owner *t, uint32_t peer_ip, uint16_t peer_port,
			 uint16_t local_port, int udp, unsigned int owner);

/* Withdraws the tuple (by its owner, when the connection is freed); no-op if absent. */
void pg_flow_owner_remove(struct pg_flow_owner *t, uint32_t peer_ip, uint16_t peer_port,
			  uint16_t local_port, int udp);

/* The owning lcore, or PG_FOWN_NONE. Lock-free, any thread. */
unsigned int pg_flow_owner_lookup(struct pg_flow_owner *t, uint32_t peer_ip, uint16_t peer_port,
				  uint16_t local_port, int udp);

#endif /* PG_FLOW_OWNER_H */

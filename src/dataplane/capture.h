/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --pcap-out: what perfgen sent and received, written as pcapng by a writer thread that is
 * not a dataplane lcore. A dataplane lcore copies the first --pcap-snaplen bytes of a frame
 * (with its time and direction) into its own SPSC ring; a full ring drops the record and
 * counts it (the dataplane never waits for the disk). The writer keeps at most --pcap-ring
 * MB on disk: when FILE reaches half of it, FILE becomes FILE.1 (replacing the older one)
 * and a new FILE starts, so FILE.1 + FILE always hold the most recent traffic.
 */
#ifndef PG_CAPTURE_H
#define PG_CAPTURE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ring.h"
#include "pcapng_write.h"

#define PG_CAP_DATA 232
#define PG_CAP_MAX_LCORES 64

struct pg_cap_rec {
	uint64_t ts_ns;
	uint32_t wire_len;
	uint16_t cap_len;
	uint8_t dir;           /* enum pg_pcapng_dir */
	uint8_t lcore;
	uint8_t data[PG_CAP_DATA];
};
_Static_assert(sizeof(struct pg_cap_rec) == 248, "ring element");

struct pg_capture {
	unsigned int nb;
	uint32_t snaplen;
	struct pg_ring *ring[PG_CAP_MAX_LCORES];
	_Atomic uint64_t dropped[PG_CAP_MAX_LCORES]; /* written by lcore i only */
	/* writer side */
	char path[4096];
	char ifname[33];
	uint64_t max_bytes;      /* per file: half of --pcap-ring */
	FILE *f;
	uint64_t file_bytes, frames, rotations;
	int error;               /* -errno of the first write error; writing stops */
	pthread_t thread;
	atomic_int stop;
};

/*
 * Opens FILE (truncating it), makes one ring per lcore and starts the writer thread.
 * snaplen 16..PG_CAP_DATA, ring_mb >= 1. NULL + errno with a reason in err.
 */
struct pg_capture *pg_capture_start(const char *path, const char *ifname, unsigned int nb_lcores,
				    uint32_t snaplen, uint32_t ring_mb, char *err, size_t errlen);

/* Drains every ring, closes the file and frees. Safe on NULL. */
void pg_capture_stop(struct pg_capture *c);

/* Hot path: one frame seen by lcore `lcore`. Never blocks; counts a drop when full. */
static inline void pg_capture_frame(struct pg_capture *c, unsigned int lcore, const uint8_t *data,
				    uint32_t len, uint64_t ts_ns, enum pg_pcapng_dir dir)
{
	struct pg_cap_rec r;
	uint32_t n = len < c->snaplen ? len : c->snaplen;

	r.ts_ns = ts_ns;
	r.wire_len = len;
	r.cap_len = (uint16_t)n;
	r.dir = (uint8_t)dir;
	r.lcore = (uint8_t)lcore;
	memcpy(r.data, data, n);
	if (pg_ring_enqueue_burst(c->ring[lcore], &r, 1) != 1)
		atomic_fetch_add_explicit(&c->dropped[lcore], 1, memory_order_relaxed);
}

/* Records dropped because a ring was full, over all lcores. */
uint64_t pg_capture_dropped(const struct pg_capture *c);

#endif /* PG_CAPTURE_H */

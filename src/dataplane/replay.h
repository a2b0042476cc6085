/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * perfgen replay: a capture sent through a port, in order, honouring its timing by default
 * (or --speed Nx, --pps R, --topspeed), --loop N times, with optional MAC/IP rewrite.
 *
 * A feeder thread (not a dataplane lcore: it reads the file) streams records into fixed
 * buffers of a pool and hands them over through an SPSC ring of descriptors {buffer,
 * length, time since the first frame}; the replay lcore copies each frame into a TX buffer
 * at its departure time (TSC, no division per frame) and returns the buffer through a
 * second ring. The capture is never loaded whole.
 */
#ifndef PG_REPLAY_H
#define PG_REPLAY_H

#include <stdatomic.h>
#include <stdint.h>
#include <pthread.h>

#include "rewrite.h"

struct pg_lcore;
struct pg_ring;

enum pg_replay_timing { PG_REPLAY_CAPTURE = 0, PG_REPLAY_PPS, PG_REPLAY_TOPSPEED };

struct pg_replay_conf {
	const char *path;
	enum pg_replay_timing timing;
	double speed;            /* PG_REPLAY_CAPTURE: 1.0 = as captured, 2.0 = twice as fast */
	uint64_t pps;            /* PG_REPLAY_PPS */
	uint32_t loops;          /* times through the file; 0 = until stopped */
	struct pg_rewrite rw;
	uint32_t frame_size;     /* the port's TX buffer size: longer frames are skipped */
};

struct pg_replay_stats {
	uint64_t frames, bytes;                /* sent */
	uint64_t first_ns, last_ns;            /* departure of the first / last frame */
	uint64_t span_ns;                      /* capture time from first to last frame sent */
	uint64_t late_max_ns, late_sum_ns;     /* how far behind schedule frames left */
	uint64_t skipped_big, skipped_link, truncated, time_backwards, bad_records;
	uint32_t loops_done;
};

struct pg_replay {
	struct pg_replay_conf conf;
	struct pg_ring *full, *free_ring;
	uint8_t *pool;
	uint32_t nb_bufs;
	pthread_t feeder;
	atomic_int stop;             /* main -> feeder */
	atomic_int feeder_done;
	int feeder_err;              /* -errno when the file could not be read */
	/* written by the feeder only, read after it is done */
	uint64_t skipped_big, skipped_link, truncated, time_backwards, bad_records;
	uint32_t loops_done;
	/* written by the replay lcore only, read after it is done */
	struct pg_replay_stats st;
};

/* Checks the file, allocates the pool and starts the feeder. NULL + errno, reason in err. */
struct pg_replay *pg_replay_start(const struct pg_replay_conf *conf, char *err, size_t errlen);

/* The replay lcore (pthread-shaped; arg is the struct pg_lcore, lc->replay set). */
void *pg_replay_main(void *arg);

/* Stops the feeder, frees everything; the lcore must have returned. Safe on NULL. */
void pg_replay_free(struct pg_replay *r);

#endif /* PG_REPLAY_H */

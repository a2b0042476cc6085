/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How one-way (trip-time) latency is measured in this run: the receive timestamp source
 * and the clock correction, with the error bound that goes with every latency figure.
 * Owned by main; written by the PTP client thread (offset, bound) and by server lcores
 * (what the sender's datagrams carried); read by the lcores (offset, once per datagram)
 * and by the reporter (source, bound). All fields are relaxed atomics: a datagram may see
 * an offset one filter update old, which is within the bound.
 */
#ifndef PG_LATCLOCK_H
#define PG_LATCLOCK_H

#include <stdatomic.h>
#include <stdint.h>

enum pg_sync_mode {
	PG_SYNC_NONE = 0,       /* no --ptp: sender's and receiver's REALTIME taken as they are */
	PG_SYNC_PTP,            /* --ptp, free-running clock: correct by ptp4l's offsets */
	PG_SYNC_DISCIPLINED,    /* --ptp, but the kernel clock is disciplined (phc2sys, NTP):
				 * no correction, the clock already follows the grandmaster */
};

#define PG_BOUND_UNKNOWN UINT64_MAX

struct pg_latclock {
	const char *rx_source;          /* "tsc", "xdp-ktime-tai", "pcap-kernel", ... */
	uint32_t rx_resolution_ns;
	enum pg_sync_mode mode;
	_Atomic int64_t offset_ns;      /* local clock - grandmaster (filtered); 0 unless PTP */
	_Atomic uint64_t bound_ns;      /* uncertainty of offset_ns; PG_BOUND_UNKNOWN if none */
	_Atomic uint32_t valid;         /* offset_ns is current (ptp4l sees a grandmaster) */
	_Atomic uint32_t peer_seen;     /* server: datagrams carried the sender's offset */
	_Atomic uint64_t peer_bound_ns; /* server: the latest sender's bound seen */
	_Atomic uint64_t disc_esterror_ns; /* disciplined: the kernel's estimated error */
};

/*
 * What a latency figure printed now rests on: source ("tsc", "tsc+ptp" when both ends'
 * offsets are known, "tsc+ptp-rx" when only ours is, "tsc+disciplined"), its error bound
 * (PG_BOUND_UNKNOWN when nothing bounds it, e.g. two clocks not known to agree) and the
 * receive timestamp's resolution. lk may be NULL (no trip-time clock facts: "tsc").
 */
void pg_latency_source(const struct pg_latclock *lk, const char **source, uint64_t *bound_ns,
		       uint32_t *resolution_ns);

/* The same for figures whose receive time is not the port's stamp but rx (e.g. "tsc" for
 * TCP bursts, timed when the engine delivers them) and that carry no sender offset. */
void pg_latency_source_rx(const struct pg_latclock *lk, const char *rx, const char **source,
			  uint64_t *bound_ns, uint32_t *resolution_ns);

/* The "clock" object of perfgen's JSON: sync mode, rx source, offset and bounds. */
struct json_t;
struct json_t *pg_latclock_json(const struct pg_latclock *lk);

/* "none", "ptp" or "disciplined". */
const char *pg_sync_mode_name(enum pg_sync_mode m);

#endif /* PG_LATCLOCK_H */

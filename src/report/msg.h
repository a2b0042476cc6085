/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Messages a dataplane lcore posts to the reporter through its SPSC ring. Fixed-size
 * elements (PG_MSG_SIZE bytes) so the ring copies them without allocation. Counters in
 * FLOW_DELTA are deltas since the previous message for that flow; jitter is the current
 * value. Latency histograms travel by pointer (PG_MSG_HIST) and come back to the lcore
 * through its return ring once merged.
 */
#ifndef PG_MSG_H
#define PG_MSG_H

#include <stdint.h>

enum pg_msg_type {
	PG_MSG_FLOW_START = 1, /* server: a new client flow appeared */
	PG_MSG_FLOW_DELTA,     /* counters since the last delta */
	PG_MSG_FLOW_END,       /* the flow finished (FIN seen / sent) */
	PG_MSG_SERVER_REPORT,  /* client: the AckFIN the server sent back */
	PG_MSG_HIST,           /* a filled latency histogram for the flow */
	PG_MSG_LCORE_DONE,     /* the lcore has no more work and exits */
};

#define PG_MSG_SIZE 192

struct pg_msg_hdr {
	uint8_t type;
	uint8_t lcore;
	uint16_t slot;    /* flow slot on that lcore */
	uint32_t gen;     /* slot generation, so a reused slot is a new flow */
	uint64_t t_ns;    /* CLOCK_REALTIME when posted / when the event happened */
};

struct pg_msg_counters {
	uint64_t tx_pkts, tx_bytes;
	uint64_t rx_pkts, rx_bytes;
	uint64_t gaps, outorder, dups;
	int64_t jitter_x16;  /* current, ns x 16 */
	int64_t last_id;     /* current highest sequence (server) */
	uint64_t errs;       /* TX ring full / drops attributable to the flow */
	/* TCP: retransmitted segments (delta); congestion window and smoothed RTT (current) */
	uint32_t retrans;
	uint32_t cwnd;
	uint32_t rtt_us, rttvar_us;
};

struct pg_msg_flow_start {
	uint32_t peer_ip, local_ip;   /* BE */
	uint16_t peer_port, local_port;
	uint32_t flags;
	uint16_t upper;
	uint16_t pad;
	uint32_t num_threads;
	int32_t amount;
	uint32_t hdrlen;
	uint32_t version_u, version_l;
	uint64_t first_ns;            /* arrival of the first datagram */
	uint64_t client_start_ns;
	uint8_t trip_times, seq64, legacy, unsupported;
};

struct pg_msg_flow_end {
	struct pg_msg_counters c;  /* final delta, like FLOW_DELTA */
	int64_t last_id;           /* highest sequence (datagrams incl. FIN) */
	uint64_t first_ns, last_ns;
	uint8_t timed_out;         /* client: no AckFIN in time */
	uint8_t pad[7];
	int64_t lat_min_ns, lat_max_ns;
};

struct pg_msg {
	struct pg_msg_hdr h;
	union {
		struct pg_msg_counters delta;
		struct pg_msg_flow_start start;
		struct pg_msg_flow_end end;
		uint8_t ackfin[128];
		void *hist;
		uint8_t raw[PG_MSG_SIZE - sizeof(struct pg_msg_hdr)];
	} u;
};
_Static_assert(sizeof(struct pg_msg) == PG_MSG_SIZE, "message size");

#endif /* PG_MSG_H */

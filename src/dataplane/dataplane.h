/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dataplane lcores: the polled loops that generate and receive iperf2 UDP traffic on one
 * port queue each. Each lcore owns its flows, counters and histograms (single writer,
 * cache-aligned), and talks to the reporter only through its SPSC ring (msg.h). Setup
 * (pg_dp_*_setup, pg_lcore_*) allocates; the loops in udp_client.c / udp_server.c never
 * allocate, print, lock or divide per packet.
 */
#ifndef PG_DATAPLANE_H
#define PG_DATAPLANE_H

#include <stdatomic.h>
#include <stdint.h>
#include <pthread.h>

#include "port.h"
#include "tsc.h"
#include "seqstats.h"
#include "pkt.h"

struct pg_ring;
struct pg_hist;
struct pg_latclock;
struct pg_redirect;
struct pg_capture;
struct pg_replay;
struct pg_i3_lcore;

#define PG_MAX_LCORES 64
#define PG_CACHE_LINE 64
#define PG_CLIENT_MAX_FLOWS 128
#define PG_SERVER_SLOTS 256       /* concurrent client flows per lcore */
#define PG_SERVER_MAX_PORTS 4

enum pg_idle_mode { PG_IDLE_BACKOFF = 0, PG_IDLE_POLL };

enum pg_flow_state { PG_FLOW_FREE = 0, PG_FLOW_RUN, PG_FLOW_FIN, PG_FLOW_DONE, PG_FLOW_END_PENDING };

/* Counters the lcore keeps per flow; deltas against 'posted' go to the reporter. */
struct pg_flow_counters {
	uint64_t tx_pkts, tx_bytes, rx_pkts, rx_bytes, errs;
};

/* Client side of one iperf2 UDP stream (-P N gives N of these). */
struct pg_client_flow {
	uint16_t id;               /* stream index, 0-based across all lcores */
	uint8_t state;
	uint8_t trip_times;
	uint16_t sport, dport;
	uint32_t payload_len;      /* -l */
	uint32_t first_payload_len; /* first datagram carries the whole header (iperf2) */
	uint32_t copy_len;         /* template bytes rewritten per packet */
	uint16_t csum0, csum0_first; /* UDP checksum with zero seq/time */
	int64_t next_seq;          /* sequence of the next data datagram (starts at 1) */
	/* pacing: next departure in TSC cycles plus a 2^-32 fraction; gap 0 = unpaced */
	uint64_t next_tsc, gap_int;
	uint32_t next_frac, gap_frac;
	uint8_t paced;
	uint64_t start_tsc;        /* first departure (staggered per stream) */
	uint64_t end_tsc;          /* -t; 0 = none */
	uint64_t max_pkts;         /* -n/-k; 0 = none */
	/* FIN / AckFIN exchange */
	uint32_t fin_tries;
	uint64_t fin_next_tsc;
	struct pg_flow_counters c, posted;
	uint64_t first_ns, last_ns;
	uint8_t tmpl[PG_UDP_FRAME_HDR_LEN + 160];
	/* perfgen-to-perfgen trip-time block (pgts.h): ns below the us, our PTP offset */
	uint8_t pgts;
	int64_t ptp_off;           /* refreshed once per burst from the lcore's latclock */
	uint32_t ptp_bound;
} __attribute__((aligned(PG_CACHE_LINE)));

/* Server side of one client flow, in a per-lcore table keyed by the 4-tuple. */
struct pg_server_flow {
	uint8_t state;
	uint8_t trip_times;
	uint8_t seq64;
	uint8_t acks_sent;
	uint32_t gen;
	uint32_t saddr, daddr;     /* BE: client, us */
	uint16_t sport, dport;     /* host order */
	uint8_t peer_mac[6];
	uint64_t first_ns, last_ns;
	uint64_t done_tsc;         /* when the FIN was answered; slot freed later */
	struct pg_seq_stats st;
	uint64_t posted_pkts, posted_bytes, posted_gaps, posted_ooo, posted_dups;
	int64_t lat_min, lat_max, lat_sum;
	long double lat_sumsq;
	uint64_t lat_cnt;
	int64_t peer_off;          /* the sender's PTP offset (pgts.h), when peer_has */
	uint32_t peer_bound;
	uint8_t peer_has;
	struct pg_hist *hist;      /* current latency histogram, NULL when none free */
	uint8_t ack[128];          /* the AckFIN, kept to answer FIN retries */
} __attribute__((aligned(PG_CACHE_LINE)));

/* One iperf2 TCP stream on the userspace TCP engine (tcp_iperf2.c): client or server. */
struct pg_tcp_conn;
struct pg_tcp_stack;
struct pg_tcp_flow {
	struct pg_tcp_conn *c;
	struct pg_lcore *lc;
	uint16_t id;               /* client: stream index; server: slot */
	uint8_t state;             /* enum pg_flow_state */
	uint8_t started;           /* server: header seen and FLOW_START posted */
	uint32_t gen;
	uint16_t sport, dport;     /* client: ours, the server's */
	uint64_t start_tsc, end_tsc; /* client: first connect, -t (0 = none) */
	uint64_t amount;           /* client: -n data bytes (0 = time-limited) */
	uint64_t limit;            /* client: stream bytes released to the engine */
	struct pg_pace pace;       /* client: -b, from the connection's start */
	uint64_t acked, rx_bytes;  /* stream bytes acknowledged / received */
	uint64_t posted_tx, posted_rx;
	uint32_t posted_retrans;
	uint64_t first_ns, last_ns;
	int err;
	/* server: the client header (the stream's first bytes) */
	uint32_t hgot, hneed;
	uint8_t hbuf[128];
	uint8_t sndbuf[64];        /* the CLIENTHDRACK goes out through the engine's copy mode */
	/* --trip-times. Client: burst write times, a ring indexed by burst number (retransmitted
	 * bursts are regenerated with their first write time). Server: the current burst. */
	uint64_t *bt;
	uint64_t bt_next;
	uint8_t trip;              /* server: bursts are being timed */
	uint8_t wait_ack;          /* client -X: data waits for the server's CLIENTHDRACK */
	uint8_t ackgot;
	uint8_t ackbuf[20];
	uint32_t bgot;
	uint64_t bpos, bend, bexp, bwrite_ns;
	uint8_t bhdr[52];
	struct pg_hist *hist;      /* server: burst latencies, swapped to the reporter */
} __attribute__((aligned(PG_CACHE_LINE)));

#define PG_TCP_TRIP_RING 1024      /* client: burst write times kept per stream */

struct pg_lcore_stats {        /* lcore-wide drop counters, read by the reporter at exit */
	_Atomic uint64_t rx_frames, rx_not_ours, rx_bad_frame, rx_bad_hdr, rx_stale_fin;
	_Atomic uint64_t rx_table_full, tx_full, idle_sleeps, rx_unsupported;
	_Atomic uint64_t rx_redirected, rx_redirect_full;
};

struct pg_lcore {
	unsigned int idx;          /* 0-based dataplane lcore index */
	int cpu;
	pthread_t thread;
	struct pg_port *port;
	struct pg_port_queue *q;
	struct pg_ring *ring;      /* lcore -> reporter */
	struct pg_ring *hist_ret;  /* reporter -> lcore: merged histograms to reuse */
	const struct pg_tsc *tsc;
	struct pg_clock clock;
	enum pg_idle_mode idle;
	atomic_int *stop;          /* set by main on Ctrl-C / end */
	atomic_int done;
	uint64_t tick_cyc;         /* post deltas every tick */
	/* perfgen analyze: ticks follow the capture's clock (so -i intervals are the capture's),
	 * the loop waits for the reporter instead of letting a delta slip to a later tick, and
	 * offline_now_ns tells the reporter how far the capture has been read */
	uint8_t offline;
	_Atomic uint64_t offline_now_ns;
	struct pg_redirect *redir; /* frames for flows of other lcores; NULL with one lcore */
	struct pg_capture *cap;    /* --pcap-out; NULL when off */
	struct pg_replay *replay;  /* perfgen replay */
	atomic_uint *flows_left;   /* with redir: client flows still open on all lcores (an lcore
				    * keeps polling its queue for the others until it is 0) */

	/* client */
	struct pg_client_flow *cflows;
	unsigned int nb_cflows;
	uint32_t local_ip, peer_ip; /* BE */
	uint16_t sport_base;        /* flow i of this lcore sends from sport_base + i */
	uint8_t no_peer;            /* streams end without the FIN exchange (sink) */
	uint8_t local_mac[6], peer_mac[6];

	/* TCP (iperf2 over the userspace engine) */
	struct pg_tcp_stack *tcp;
	struct pg_tcp_flow *tflows;     /* client: nb_cflows; server: PG_SERVER_SLOTS */
	const uint8_t *tcp_img;         /* client: one write (header + pattern) */
	uint32_t tcp_hdrlen, tcp_buflen;
	uint8_t tcp_trip, tcp_peer_detect;  /* client: --trip-times bursts, -X */
	uint64_t tcp_start_ns;          /* client: test start in the header (trip-times) */
	uint64_t tcp_rate;              /* client: -b bits/s per stream; 0 = unlimited */
	uint16_t tcp_port;              /* server: listening port */
	void *passive;                  /* perfgen analyze: passive TCP flows (tcp_passive.c) */

	/* iperf3 (iperf3_lcore.c): connections, streams and the rings to the main thread */
	struct pg_i3_lcore *i3;

	/* server */
	struct pg_server_flow *sflows;  /* PG_SERVER_SLOTS */
	uint16_t server_ports[PG_SERVER_MAX_PORTS];
	unsigned int nb_server_ports;
	struct pg_hist *hfree[64];      /* local stash of empty histograms */
	unsigned int nb_hfree;

	struct pg_latclock *latclk;     /* trip-time clock correction (--ptp); NULL = none */

	struct pg_lcore_stats stats;
} __attribute__((aligned(PG_CACHE_LINE)));

/* Thread bodies (pthread start routines); arg is the struct pg_lcore. */
void *pg_udp_client_main(void *arg);
void *pg_udp_server_main(void *arg);
void *pg_tcp_client_main(void *arg);
void *pg_tcp_server_main(void *arg);
/* perfgen analyze over a capture: iperf2 and iperf3 TCP streams, tracked passively */
/* udp_mode: report iperf3 UDP streams (TCP connections are then only followed for the
 * control connections that group them) */
void *pg_tcp_passive_alloc(uint16_t iperf2_port, uint16_t iperf3_port, int udp_mode);
void *pg_tcp_passive_main(void *arg);

/*
 * The iperf2 servers as parts of another loop (the iperf3 lcore serves both protocols):
 * a frame for the UDP server, its 10 ms tick; the TCP server's listener on lc->tcp_port
 * (0 / -errno) and its per-pass work (flow ends, deltas on tick). Hot path: no allocation.
 */
void pg_udp_server_rx(struct pg_lcore *lc, const struct pg_pkt *pkt, uint64_t now_ns, uint64_t now);
void pg_udp_server_tick(struct pg_lcore *lc, uint64_t now);
int pg_tcp_iperf2_listen(struct pg_lcore *lc);
void pg_tcp_iperf2_server_poll(struct pg_lcore *lc, uint64_t now_ns, int tick);

/*
 * Sets up lc->tcp on the lcore's port (memory for max_conns connections, our MAC/IPv4,
 * the port's MTU, congestion control "cubic" or "reno"). Setup-time; 0 or -errno.
 */
int pg_tcp_lcore_init(struct pg_lcore *lc, unsigned int max_conns, const char *cc);
void pg_tcp_lcore_free(struct pg_lcore *lc);
/* Sends what the lcore's TCP engine has ready; returns frames sent (tx_full counts refusals). */
unsigned int pg_tcp_tx_pump(struct pg_lcore *lc, uint64_t now_ns);

/*
 * Prepares a client flow: frame template, checksums, pacing (rate in bits/s or pps),
 * limits. Setup-time; 0 or -EINVAL.
 */
struct pg_i2_client_params;
int pg_client_flow_init(struct pg_client_flow *f, const struct pg_lcore *lc,
			const struct pg_i2_client_params *p, uint32_t payload_len,
			uint16_t sport, uint16_t dport, uint64_t rate, int rate_pps,
			uint64_t max_pkts, uint64_t duration_ns);

/* The frame every TX buffer is prefilled with: headers zero, then iperf2's pattern. */
void pg_dp_tx_prefill(uint8_t *buf, uint32_t len);

/*
 * Parses an lcore list in DPDK syntax ("2-5", "0,2,4", "1-3,6"), in order, and checks
 * each CPU is online and allowed. A CPU may appear more than once (several lcores share
 * it, as EAL's lcore@cpu allows; useful on small machines with the idle back-off). 0 or -EINVAL/-ERANGE with a
 * reason in err.
 */
int pg_lcore_list_parse(const char *s, int *cpus, unsigned int max, unsigned int *n,
			char *err, size_t errlen);

/* Starts fn on a thread pinned to lc->cpu. 0 or -errno. */
int pg_lcore_launch(struct pg_lcore *lc, void *(*fn)(void *));

/* Idle back-off between empty polls; resets when work is seen. */
struct pg_backoff {
	uint32_t empty;
	uint32_t sleep_ns;
};
void pg_backoff_idle(struct pg_backoff *b, enum pg_idle_mode mode, uint64_t max_sleep_ns,
		     struct pg_lcore_stats *st);
static inline void pg_backoff_busy(struct pg_backoff *b)
{
	b->empty = 0;
	b->sleep_ns = 0;
}

#endif /* PG_DATAPLANE_H */

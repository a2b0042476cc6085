/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3 on a dataplane lcore (iperf3_lcore.c): the control connection and the data
 * streams (TCP on the userspace engine, UDP with iperf3's datagram header) of one or
 * more tests. The lcore owns the connections and the per-stream counters; the
 * control-channel state machine (src/proto/iperf3_ctrl.c, which allocates: JSON) runs on
 * the main thread (src/control/iperf3_run.c). The two talk only through two SPSC rings
 * of fixed-size elements: "up" (lcore -> main: control bytes received, connection
 * events, stream readiness) and "down" (main -> lcore: control bytes to write, open /
 * attach / run / stop / close a stream). Per-stream counters are single-writer (the
 * lcore) and read by the main thread with C11 atomics. Nothing on the lcore allocates,
 * blocks or prints.
 *
 * A client may run on several lcores, each with its own queue, engine, rings and slots:
 * the control connection is slot 0 of lcore 0, stream i is slot 1 + i (local port
 * ctrl_sport + 1 + i) of lcore pg_i3_stream_lcore(i). Return traffic that the device
 * hands to another lcore's queue is passed to the owner, looked up by the local port,
 * through a redirect mesh of whole frames (redirect.h).
 *
 * A server may run on several lcores too: every lcore listens, and a connection belongs
 * to the lcore whose queue its SYN (or UDP connect datagram) arrived on, which publishes
 * its 4-tuple in the run's flow-owner table (flow_owner.h). A frame that an lcore's engine
 * does not know is looked up there and, when another lcore owns it, passed whole to it
 * through the same redirect mesh; a non-owner never answers it. Control connections may
 * live on any lcore: the main thread drains every up ring.
 */
#ifndef PG_IPERF3_DP_H
#define PG_IPERF3_DP_H

#include <stdatomic.h>
#include <stdint.h>

#include "iperf3.h"
#include "tsc.h"

#define PG_I3_CONNS 512             /* connection slots per lcore (control + streams) */
#define PG_I3_CHUNK 232             /* control bytes per ring element */
#define PG_I3_CTRL_BUFS 64          /* control connections with a send ring, per lcore */
#define PG_I3_CTRL_SNDBUF (64u * 1024)
#define PG_I3_RING 4096
#define PG_I3_PENDING_NS 5000000000ull /* a new connection must send its cookie within this */

/* lcore -> main */
enum pg_i3_up_type {
	PG_I3_UP_CONNECTED = 1, /* client: control connection established */
	PG_I3_UP_BYTES,         /* control bytes (len in data) */
	PG_I3_UP_EOF,           /* control: the peer closed its side */
	PG_I3_UP_CLOSED,        /* connection gone (err: 0 or -errno) */
	PG_I3_UP_STREAM_UP,     /* client: stream slot is ready (cookie acked / UDP reply) */
	PG_I3_UP_NEWCONN,       /* server: a new TCP connection sent its 37 first bytes (data) */
	PG_I3_UP_DRAINED,       /* sender stream: every released byte is acknowledged */
	PG_I3_UP_UDP_NEW,       /* server: a UDP connect datagram from a new peer (slot given) */
	PG_I3_UP_SILENT,        /* server: a connection sent no 37 bytes in time: aborted */
};

struct pg_i3_up {
	uint8_t type;
	uint8_t pad;
	uint16_t len;
	uint16_t slot;
	uint16_t pad2;
	int32_t err;
	uint32_t peer_ip;           /* NEWCONN / UDP_NEW: BE */
	uint16_t peer_port, local_port;
	uint8_t data[PG_I3_CHUNK];
	uint8_t pad3[4];
};
_Static_assert(sizeof(struct pg_i3_up) == 256, "up element");

/* main -> lcore */
enum pg_i3_down_type {
	PG_I3_DOWN_WRITE = 1,   /* control bytes to send on slot */
	PG_I3_DOWN_OPEN,        /* client: open stream slot (TCP connect + cookie / UDP connect) */
	PG_I3_DOWN_ATTACH,      /* server: slot becomes a data stream (sender or receiver) */
	PG_I3_DOWN_RUN,         /* slot: count (and send) from now on */
	PG_I3_DOWN_STOP,        /* slot: stop sending and counting (test end) */
	PG_I3_DOWN_CLOSE,       /* slot: orderly close (FIN) */
	PG_I3_DOWN_ABORT,       /* slot: RST / forget */
	PG_I3_DOWN_DENY,        /* server: write 0xff on slot and close it */
	PG_I3_DOWN_CONTROL,     /* server: slot is a control connection: forward its bytes */
	PG_I3_DOWN_UDP_LISTEN,  /* server: accept UDP connect datagrams on port for a test */
	PG_I3_DOWN_OMIT_END,    /* UDP receiver: end of -O (bytes and jitter restart, as 3.12) */
};

/* What a stream is asked to do (OPEN / ATTACH). */
struct pg_i3_stream_conf {
	uint8_t sender;
	uint8_t udp;
	uint8_t counters_64bit;
	uint8_t cc;                 /* TCP: 0 = the engine's default, 1 = reno, 2 = cubic (-C) */
	uint32_t blksize;           /* TCP block / UDP payload length */
	uint64_t rate;              /* bits/s; 0 = unlimited */
	uint64_t max_bytes;         /* sender: bytes to send after the cookie; 0 = until STOP */
	uint16_t sport, dport;      /* client: ours, the server's */
	uint32_t peer_ip;           /* UDP server: the client (BE) */
	uint8_t peer_mac[6];
};

struct pg_i3_down {
	uint8_t type;
	uint8_t pad;
	uint16_t len;
	uint16_t slot;
	uint16_t port;
	union {
		uint8_t data[PG_I3_CHUNK];
		struct pg_i3_stream_conf sc;
	} u;
};
_Static_assert(sizeof(struct pg_i3_down) <= 256 && sizeof(struct pg_i3_down) % 8 == 0, "down element");

enum pg_i3_kind {
	PG_I3_FREE = 0,
	PG_I3_PENDING,   /* server: new TCP connection, reading its first 37 bytes */
	PG_I3_WAIT,      /* server: first bytes posted, waiting for main's verdict */
	PG_I3_CTRL,
	PG_I3_TSTREAM,
	PG_I3_USTREAM,
	PG_I3_CLOSING,   /* waiting for the engine's closed() */
};

/* Counters of one stream, written by the lcore only, read by main with atomics. */
struct pg_i3_counters {
	_Atomic uint64_t bytes;       /* payload sent (acknowledged) / received while running */
	_Atomic uint64_t packets;     /* UDP: datagrams sent / received while running */
	_Atomic uint64_t retrans;     /* TCP sender: retransmitted segments */
	_Atomic uint64_t rx_hi;       /* UDP receiver: highest seq (packet_count) */
	_Atomic int64_t rx_err;       /* UDP receiver: cnt_error */
	_Atomic uint64_t rx_ooo;      /* UDP receiver: out of order */
	_Atomic uint64_t jitter_ns;   /* UDP receiver: jitter */
	_Atomic uint32_t cwnd, rtt_us;
	_Atomic uint64_t eng_rx, eng_acked; /* TCP: the engine's own counts (bytes_received,
				       * bytes_acked), for cross-checking the stream's counters */
	_Atomic uint64_t ctrl_acked;  /* control: bytes of ours the peer acknowledged (the main
				       * thread writes at most a send ring's worth beyond it) */
};

struct pg_lcore;
struct pg_tcp_conn;

struct pg_i3_slot {
	struct pg_tcp_conn *c;
	struct pg_lcore *lc;
	uint8_t kind;                 /* enum pg_i3_kind */
	uint8_t running, stopped, drained, up_sent, closed_sent, in_act;
	uint16_t idx;
	uint16_t act_pos;             /* index in the lcore's active list */
	uint32_t gen;
	struct pg_i3_stream_conf sc;
	uint64_t limit;               /* TCP sender: bytes released to the engine */
	uint64_t acked;               /* TCP sender: stream offset acknowledged */
	uint64_t run_off;             /* TCP: stream offset where counting began */
	uint64_t rx_total;            /* TCP receiver: stream bytes seen */
	uint64_t udp_seq;             /* UDP sender: next seq */
	uint64_t next_tsc, gap_tsc;   /* UDP sender pacing */
	struct pg_pace pace;          /* TCP sender at a rate (-b) */
	uint64_t retry_tsc;           /* UDP client: next connect datagram */
	uint64_t accept_tsc;          /* server: when the connection was accepted */
	uint32_t ckgot;
	uint8_t ck[PG_IPERF3_COOKIE_LEN];
	int ctrl_buf;                 /* control: index of its send ring, -1 none */
	uint32_t wpend_off, wpend_len; /* control: chunk being written */
	uint8_t wpend[PG_I3_CHUNK];
	struct pg_iperf3_udp_rx urx;
	struct pg_i3_counters cnt;
} __attribute__((aligned(64)));

struct pg_ring;
struct pg_flow_owner;

struct pg_i3_lcore {
	struct pg_ring *up, *down;
	int server;
	uint8_t data_only;            /* client: a further lcore, data streams only (no control
				       * connection, no ctrl_bufs) */
	uint16_t port;                /* server: listening TCP/UDP port; client: the server's */
	uint16_t ctrl_sport;          /* client: our control connection's port */
	uint32_t peer_ip;             /* client: the server (BE) */
	uint8_t peer_mac[6];
	uint8_t cookie[PG_IPERF3_COOKIE_LEN]; /* client */
	_Atomic int ended;            /* main: everything is closed, leave the loop */
	uint16_t next_slot;           /* server: where the next slot search starts */
	unsigned int nb_act;          /* slots in use, listed in act[] */
	uint16_t act[PG_I3_CONNS];
	uint8_t udp_listen;           /* server: a test waits for UDP connect datagrams */
	struct pg_flow_owner *fown;   /* server on several lcores: who owns which connection
				       * (its udp_listen replaces ours); NULL with one lcore */
	uint8_t from_redirect;        /* the frame in hand came from another lcore */
	uint8_t fown_to;              /* the owner that the engine's foreign() found */
	uint8_t up_full;              /* a control chunk did not fit: the connection is aborted */
	_Atomic uint64_t up_overflow, bad_cookie_len, table_full, udp_unknown;
	int have_held;                /* a WRITE waits for its slot's previous chunk */
	struct pg_i3_down held;
	uint8_t ctrl_used[PG_I3_CTRL_BUFS];
	uint8_t (*ctrl_bufs)[PG_I3_CTRL_SNDBUF];
	struct pg_i3_slot slots[PG_I3_CONNS];
};

/* Client: the lcore that runs stream i (0-based) of nb_lcores: round-robin, so -P 4 on two
 * lcores puts two streams on each and --bidir mixes both directions on every lcore. */
static inline unsigned int pg_i3_stream_lcore(unsigned int i, unsigned int nb_lcores)
{
	return nb_lcores > 1 ? i % nb_lcores : 0;
}

/* Thread body of an iperf3 lcore (client or server, per lc->i3->server). */
void *pg_i3_lcore_main(void *arg);

#endif /* PG_IPERF3_DP_H */

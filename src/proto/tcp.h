/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Userspace TCP engine (sans-IO). This module owns TCP connection state: the
 * three-way handshake (active and passive), option negotiation (MSS, window scale,
 * timestamps, SACK), sequence and window accounting, retransmission (RFC 6298 RTO with
 * backoff, fast retransmit, RFC 6675-style SACK recovery, NewReno without SACK),
 * pluggable congestion control (NewReno, CUBIC), delayed ACKs, zero-window probing,
 * FIN/RST handling and TIME-WAIT, plus the 4-tuple demux table and listeners.
 * It does not own I/O, threads, clocks or memory: the caller passes `now` (ns, any
 * monotonic origin; virtual in tests) to every call, hands received Ethernet frames to
 * pg_tcp_input(), lends TX buffers to pg_tcp_output(), and provides one memory block
 * sized by pg_tcp_stack_memsize(). No call allocates, prints or sleeps; one stack is
 * driven by one thread.
 *
 * Send side: data is never queued by the engine. The application declares how far the
 * stream goes (pg_tcp_send_limit) and a fill(conn, offset, dst, len) callback produces
 * the bytes for any stream offset, at first transmission and again at each
 * retransmission (a generator's payload is a function of the offset). Applications that
 * write real data attach a small ring (pg_tcp_attach_sndbuf + pg_tcp_write) instead;
 * bytes stay in it until acknowledged.
 *
 * Receive side: payload is handed to recv(conn, ptr, len, offset) straight from the
 * frame, never copied. Stream offsets below the connection's "in-order limit"
 * (pg_tcp_set_rcv_inorder; default: the whole stream) are delivered strictly in order
 * and out-of-order segments there are dropped (the peer retransmits them). Beyond the
 * limit the receiver acts as a counting sink: an out-of-order segment is delivered at
 * once with its offset, its sequence range is recorded (at most PG_TCP_OOO_MAX ranges)
 * and SACKed; when the hole before it fills, rcv_nxt jumps over the recorded range and
 * the ACK covers it. Every byte is delivered exactly once, but past the limit not
 * necessarily in order. No payload is stored, so the window never costs memory: an
 * iperf2 server sets the limit to its header length, an iperf3 control connection
 * keeps the default.
 *
 * Limits: per-connection state is pg_tcp_conn_size() bytes (592 on x86-64, < 1 KiB);
 * PG_TCP_SACK_MAX SACKed ranges are remembered per sender (more are forgotten, which
 * only costs a needless retransmission); PG_TCP_OOO_MAX out-of-order ranges per
 * receiver (a segment that would need another range is dropped); PG_TCP_MAX_LISTEN
 * listening ports; IPv4 only, no IP options, no urgent data, no Nagle, no keepalive,
 * no simultaneous open, no SYN cookies, no challenge-ACK rate limit, no D-SACK, no
 * RACK loss detection, PRR or pacing, TCP checksum computed in software. A tail loss
 * probe (RFC 8985 7) goes out after max(2 SRTT, 2 ms) without an ACK, before the RTO. Reordering: a fast retransmit
 * that turns out spurious (timestamps, RFC 3522) is undone and later holes wait a
 * reordering window (RFC 8985 style) before they count as lost.
 */
#ifndef PG_TCP_H
#define PG_TCP_H

#include <stddef.h>
#include <stdint.h>

#define PG_TCP_SACK_MAX 8
#define PG_TCP_OOO_MAX 8
#define PG_TCP_MAX_LISTEN 8
#define PG_TCP_FRAME_HDR_MAX (14 + 20 + 60)

enum pg_tcp_state {
	PG_TCP_CLOSED = 0,
	PG_TCP_SYN_SENT,
	PG_TCP_SYN_RCVD,
	PG_TCP_ESTABLISHED,
	PG_TCP_FIN_WAIT_1,
	PG_TCP_FIN_WAIT_2,
	PG_TCP_CLOSE_WAIT,
	PG_TCP_CLOSING,
	PG_TCP_LAST_ACK,
	PG_TCP_TIME_WAIT,
	PG_TCP_STATE__COUNT
};

struct pg_tcp_stack;
struct pg_tcp_conn;

/*
 * Application callbacks (any may be NULL). They run inside pg_tcp_input/output/poll
 * and may call pg_tcp_send_limit, pg_tcp_write, pg_tcp_close and pg_tcp_abort on
 * their own connection.
 */
struct pg_tcp_app_ops {
	/* Handshake done. For a passive open this is where a server adopts the connection
	 * (pg_tcp_conn_set_app); returning non-zero refuses it with a RST. */
	int (*connected)(struct pg_tcp_conn *c, void *arg);
	/* Payload at stream offset off (0 = first byte after the SYN); ptr is only valid
	 * during the call. */
	void (*recv)(struct pg_tcp_conn *c, void *arg, const uint8_t *ptr, uint32_t len,
		     uint64_t off);
	/* Produce len bytes of the stream starting at offset off (fill mode only). */
	void (*fill)(struct pg_tcp_conn *c, void *arg, uint64_t off, uint8_t *dst, uint32_t len);
	/* The peer acknowledged the stream up to offset acked (exclusive). */
	void (*acked)(struct pg_tcp_conn *c, void *arg, uint64_t acked);
	/* The peer sent FIN after all its data (delivered). */
	void (*eof)(struct pg_tcp_conn *c, void *arg);
	/* The connection is over for the application: err 0 (orderly, possibly still in
	 * TIME-WAIT inside the engine), -ECONNRESET, -ECONNREFUSED, -ETIMEDOUT or
	 * -ECONNABORTED (pg_tcp_abort). c must not be used after this returns. */
	void (*closed)(struct pg_tcp_conn *c, void *arg, int err);
};

struct pg_tcp_cc_ops;

struct pg_tcp_cfg {
	uint32_t local_ip;          /* network byte order */
	uint8_t local_mac[6];
	uint16_t mtu;               /* IP MTU; 0 = 1500 */
	uint32_t rcv_buf;           /* receive window per connection; 0 = 4 MiB */
	uint32_t rx_budget;         /* bytes the receive path holds for all connections (an RX
				     * ring): each advertises at most its share; 0 = no limit */
	uint32_t init_cwnd;         /* segments; 0 = 10 */
	uint64_t rto_init_ns;       /* 0 = 1 s */
	uint64_t rto_min_ns;        /* 0 = 200 ms (Linux) */
	uint64_t rto_max_ns;        /* 0 = 60 s */
	uint64_t delack_ns;         /* 0 = 40 ms */
	uint64_t time_wait_ns;      /* 0 = 60 s */
	uint8_t syn_retries;        /* 0 = 6 */
	uint8_t retries;            /* 0 = 15 */
	uint8_t quickacks;          /* ACK every segment for the first N; 0 = 16 */
	uint8_t no_ts, no_sack, no_ws; /* do not offer/accept the option */
	uint8_t no_tlp;             /* no tail loss probe (RTO only, RFC 6298 timing) */
	uint64_t tlp_min_ns;        /* shortest probe timeout; 0 = 2 ms (Linux: 2 jiffies) */
	uint8_t no_csum_check;      /* trust RX checksums (NIC validated them) */
	uint16_t eph_lo, eph_hi;    /* ephemeral ports; 0 = 32768..60999 */
	const struct pg_tcp_cc_ops *cc; /* default for new connections; NULL = CUBIC */
	uint32_t (*rand32)(void *ctx);  /* ISNs and port hints; required */
	void *rand_ctx;
};

/* Bytes of caller memory for a stack of max_conns connections (demux table included). */
size_t pg_tcp_stack_memsize(unsigned int max_conns);

/* Carves a stack out of mem (memsize bytes, 64-byte aligned). NULL + errno: EINVAL
 * (bad cfg, no rand32, mtu outside 576..9216), ENOSPC (mem too small). */
struct pg_tcp_stack *pg_tcp_stack_init(void *mem, size_t memsize, unsigned int max_conns,
				       const struct pg_tcp_cfg *cfg);

/* Accepts connections to port; new connections start with ops/arg. 0, -EADDRINUSE, -ENOSPC. */
int pg_tcp_listen(struct pg_tcp_stack *s, uint16_t port, const struct pg_tcp_app_ops *ops,
		  void *arg);
int pg_tcp_unlisten(struct pg_tcp_stack *s, uint16_t port);

/*
 * Several engines behind one listening port (one per lcore, each fed by its own queue):
 * the caller's table of who owns which passive connection. Only segments that match no
 * connection of this engine, for a listening port, ask foreign(); claim() and release()
 * bracket the life of each passive connection (from its SYN to its free, TIME-WAIT
 * included). No hooks (the default): one engine owns everything.
 */
struct pg_tcp_owner_ops {
	/* nonzero: another engine owns (raddr, rport, lport); pg_tcp_input sends nothing and
	 * returns -EREMOTE, for the caller to pass the frame on */
	int (*foreign)(void *arg, uint32_t raddr, uint16_t rport, uint16_t lport);
	/* a SYN made a connection here; nonzero refuses it (RST, nothing kept) */
	int (*claim)(void *arg, uint32_t raddr, uint16_t rport, uint16_t lport);
	void (*release)(void *arg, uint32_t raddr, uint16_t rport, uint16_t lport);
};
void pg_tcp_set_owner_ops(struct pg_tcp_stack *s, const struct pg_tcp_owner_ops *ops, void *arg);

/* Active open to daddr:dport (network-order address, host-order port) via next-hop
 * dmac; sport 0 picks an ephemeral port (reusing the oldest TIME-WAIT tuple when all
 * are taken). NULL + errno: ENOMEM (pool full), EADDRINUSE, EADDRNOTAVAIL. */
struct pg_tcp_conn *pg_tcp_connect(struct pg_tcp_stack *s, uint32_t daddr, const uint8_t dmac[6],
				   uint16_t dport, uint16_t sport, const struct pg_tcp_app_ops *ops,
				   void *arg, uint64_t now);

void pg_tcp_conn_set_app(struct pg_tcp_conn *c, const struct pg_tcp_app_ops *ops, void *arg);
/* Congestion control for this connection (before or right after connect/accept). */
void pg_tcp_conn_set_cc(struct pg_tcp_conn *c, const struct pg_tcp_cc_ops *cc);

/* Fill mode: the stream has bytes up to offset end (exclusive); UINT64_MAX = endless.
 * The limit only grows. 0 or -EPIPE after close. */
int pg_tcp_send_limit(struct pg_tcp_conn *c, uint64_t end);

/* Copy mode: buf (cap a power of two) holds written, unacknowledged bytes. 0, -EINVAL. */
int pg_tcp_attach_sndbuf(struct pg_tcp_conn *c, uint8_t *buf, uint32_t cap);
/* Appends up to len bytes to the ring; returns bytes taken (0 when full) or -EPIPE. */
int pg_tcp_write(struct pg_tcp_conn *c, const void *data, uint32_t len);

/* Stream offsets [0, n) are delivered in order; beyond n the sink rules above apply. */
void pg_tcp_set_rcv_inorder(struct pg_tcp_conn *c, uint64_t n);
/* Manual receive window: delivered bytes occupy the window until pg_tcp_recved()
 * (implies in-order delivery of the whole stream). Default: auto (window never closes). */
void pg_tcp_set_rcv_manual(struct pg_tcp_conn *c, int on);
void pg_tcp_recved(struct pg_tcp_conn *c, uint32_t n);

/* Orderly close: FIN after the data up to the send limit. 0 or -ENOTCONN. */
int pg_tcp_close(struct pg_tcp_conn *c);
/* RST now; closed(-ECONNABORTED) runs before this returns. */
void pg_tcp_abort(struct pg_tcp_conn *c);

/* One received Ethernet frame. 0 = consumed by TCP; -ENOENT = not TCP to our address
 * (the caller's other handlers may want it); -EINVAL = malformed or bad checksum;
 * -EREMOTE = another engine owns its connection (pg_tcp_owner_ops). */
int pg_tcp_input(struct pg_tcp_stack *s, const uint8_t *frame, size_t len, uint64_t now);

struct pg_tcp_txbuf {
	uint8_t *buf;   /* in: frame buffer */
	uint16_t cap;   /* in: its size (>= mtu + 14) */
	uint16_t len;   /* out: frame length */
};

/* Runs due timers, then writes up to n frames (round-robin over connections) into tx.
 * Returns the number written. */
unsigned int pg_tcp_output(struct pg_tcp_stack *s, uint64_t now, struct pg_tcp_txbuf *tx,
			   unsigned int n);

/* Runs due timers (retransmission, delayed ACK, persist, TIME-WAIT). */
void pg_tcp_poll(struct pg_tcp_stack *s, uint64_t now);
/* Earliest pending timer (UINT64_MAX = none); 0 when output is already pending. */
uint64_t pg_tcp_next_deadline(const struct pg_tcp_stack *s);

/* Counters and estimates for reporting (iperf2 -e: Retr, Cwnd, RTT). */
struct pg_tcp_info {
	uint8_t state;          /* enum pg_tcp_state */
	uint8_t ts, sack, ws;   /* negotiated */
	uint8_t snd_wscale, rcv_wscale;
	uint16_t mss;           /* payload bytes per full segment (options excluded) */
	uint32_t cwnd, ssthresh, snd_wnd, rcv_wnd; /* bytes */
	uint64_t srtt_ns, rttvar_ns, min_rtt_ns, rto_ns;
	uint64_t bytes_acked, bytes_sent, bytes_received;
	uint64_t segs_out, segs_in, retrans_segs, retrans_bytes;
	uint32_t fast_recoveries, rto_expiries, probes, dup_acks_in, ooo_segs_in;
	uint32_t tlp_probes;       /* tail loss probes sent (RFC 8985 7) */
	uint32_t spurious_undos;   /* recoveries undone: the "lost" segment was only late */
	uint32_t reo_wnd_us;       /* current reordering window (0: none seen yet) */
};
void pg_tcp_conn_info(const struct pg_tcp_conn *c, struct pg_tcp_info *info);
enum pg_tcp_state pg_tcp_conn_state(const struct pg_tcp_conn *c);
/* The peer's address (network order) and port (host order). tcp_peer.c */
void pg_tcp_conn_peer(const struct pg_tcp_conn *c, uint32_t *ip, uint16_t *port);
size_t pg_tcp_conn_size(void);

const char *pg_tcp_state_str(enum pg_tcp_state st);

/* Congestion control: "reno" or "cubic"; NULL when unknown. */
const struct pg_tcp_cc_ops *pg_tcp_cc_find(const char *name);
extern const struct pg_tcp_cc_ops pg_tcp_cc_reno;
extern const struct pg_tcp_cc_ops pg_tcp_cc_cubic;

/* Stack-wide counters. */
struct pg_tcp_stats {
	uint64_t rx_frames, rx_bad, rx_no_conn, rx_paws_drop, rx_ooo_drop;
	uint64_t tx_frames, rst_out, challenge_acks, tw_recycled, conn_opened, conn_accepted;
};
void pg_tcp_stack_stats(const struct pg_tcp_stack *s, struct pg_tcp_stats *st);

#endif /* PG_TCP_H */

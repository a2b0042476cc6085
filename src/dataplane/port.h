/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port interface: what a dataplane lcore sees of a NIC queue, whatever the backend.
 *
 * A backend (native AF_XDP in port_afxdp.c, DPDK ethdev later) fills one struct
 * pg_port_ops, chosen once at start; the lcore loops call the burst functions through
 * it with no per-packet backend branch. A struct pg_port_queue is used by exactly one
 * lcore; nothing in the burst functions blocks, allocates or prints.
 *
 * Buffer ownership:
 *  - rx_burst hands out up to n received frames; the caller returns every one of them
 *    with rx_done (in any grouping) before they are reused.
 *  - tx_alloc hands out up to n empty TX buffers of pg_port_info.frame_size bytes; their
 *    bytes [0, conf.tx_prefill_len) already hold conf.tx_prefill (the backend writes it
 *    once into every TX buffer at setup and never touches buffer contents afterwards, so
 *    a generator only rewrites headers). The caller sets pkt->len and fills the frame.
 *  - tx_burst queues pkts[0..n) for transmission and returns how many it took (a prefix);
 *    the caller still owns pkts[ret..n) and either retries them or gives them back with
 *    tx_free. tx_burst also kicks the device if needed and reclaims completed buffers.
 */
#ifndef PG_PORT_H
#define PG_PORT_H

#include <stdint.h>
#include <stddef.h>

#define PG_PORT_MAX_QUEUES 16
#define PG_PORT_BURST 32

struct pg_port_queue; /* backend-private, one per dataplane lcore */

/* The frame was cut short by a capture's snap length (len < its length on the wire). */
#define PG_PKT_F_TRUNCATED 1u

struct pg_pkt {
	uint8_t *data;      /* first byte of the Ethernet frame */
	uint32_t len;       /* frame length in bytes */
	uint32_t flags;     /* PG_PKT_F_*; backends that never set any leave it 0 */
	uint64_t rx_ts_ns;  /* backend RX timestamp, CLOCK_REALTIME ns; 0 = none */
	uintptr_t handle;   /* backend cookie (UMEM address, mbuf pointer); do not touch */
};

enum pg_xdp_mode {
	PG_XDP_MODE_AUTO = 0, /* native when the driver has it, else generic */
	PG_XDP_MODE_NATIVE,
	PG_XDP_MODE_GENERIC,
	PG_XDP_MODE_ZEROCOPY, /* native + XDP_ZEROCOPY bind */
};

struct pg_port_conf {
	const char *ifname;        /* kernel interface (AF_XDP) */
	unsigned int nb_queues;    /* one per dataplane lcore; queue i = NIC queue i */
	enum pg_xdp_mode xdp_mode;
	uint32_t frame_size;       /* 0 = backend default (2048 for AF_XDP) */
	uint32_t nb_frames;        /* per queue; 0 = backend default (4096) */
	const uint8_t *tx_prefill; /* written into every TX buffer at setup; may be NULL */
	uint32_t tx_prefill_len;
};

struct pg_port_info {
	char ifname[32];
	int ifindex;
	uint8_t mac[6];
	uint32_t ip4;             /* network byte order; 0 if the interface has none */
	uint8_t prefix_len;
	uint32_t mtu;
	uint32_t frame_size;      /* usable bytes per TX/RX buffer */
	uint32_t rx_frames;       /* RX buffers per queue: what can wait while nobody polls
				   * (0 = unknown); the TCP engine sizes its window by it */
	const char *backend;      /* "af_xdp", "dpdk" */
	const char *mode;         /* "native", "generic", "zerocopy", ... (for the report) */
	const char *rx_ts_source; /* what fills pg_pkt.rx_ts_ns ("xdp-ktime-tai", ...); NULL: none */
	uint32_t rx_ts_res_ns;    /* its resolution */
};

struct pg_port;

struct pg_port_counter {
	const char *name;
	uint64_t value;
};

struct pg_port_ops {
	unsigned int (*rx_burst)(struct pg_port_queue *q, struct pg_pkt *pkts, unsigned int n);
	void (*rx_done)(struct pg_port_queue *q, const struct pg_pkt *pkts, unsigned int n);
	unsigned int (*tx_alloc)(struct pg_port_queue *q, struct pg_pkt *pkts, unsigned int n);
	unsigned int (*tx_burst)(struct pg_port_queue *q, struct pg_pkt *pkts, unsigned int n);
	void (*tx_free)(struct pg_port_queue *q, const struct pg_pkt *pkts, unsigned int n);

	/* Setup-time (not hot path). 0 or -errno. */
	int (*steer_l4_port)(struct pg_port *port, uint8_t ipproto, uint16_t port_no, int on);
	int (*resolve_nexthop)(struct pg_port *port, uint32_t dst_ip4, uint8_t mac[6],
			       int timeout_ms);
	void (*close)(struct pg_port *port);

	/*
	 * Optional (NULL when the kernel keeps the slow path, as with AF_XDP):
	 * rx_other is handed frames the loops do not account (ARP, ICMP, ...) on the lcore
	 * that received them, so a backend that owns the NIC can answer them;
	 * launch/join run a dataplane function on an lcore the backend manages (DPDK's
	 * EAL lcores) instead of a plain pinned thread. 0 or -errno.
	 */
	void (*rx_other)(struct pg_port_queue *q, const struct pg_pkt *pkt);
	int (*launch)(struct pg_port *port, unsigned int dp_idx, void *(*fn)(void *), void *arg);
	void (*join)(struct pg_port *port, unsigned int dp_idx);
	/* Optional: the device's own loss counters (missed, errors, no buffer), for the
	 * report. Fills up to max entries, returns how many. Not hot path. */
	unsigned int (*counters)(struct pg_port *port, struct pg_port_counter *out,
				 unsigned int max);
};

struct pg_port {
	const struct pg_port_ops *ops;
	struct pg_port_info info;
	unsigned int nb_queues;
	struct pg_port_queue *queue[PG_PORT_MAX_QUEUES];
	void *priv;
};

/*
 * Opens IFACE as a native AF_XDP port: loads bpf/pg_xdp.bpf.o through libxdp's
 * dispatcher (replacing a stale perfgen program left by a killed run), binds one XSK per
 * queue, reads the interface's MAC/IPv4/MTU. Returns NULL with errno set and a one-line
 * reason in err (errlen bytes) on failure ("--dev eth9: no such interface").
 */
struct pg_port *pg_afxdp_open(const struct pg_port_conf *conf, char *err, size_t errlen);

/* Convenience wrappers for setup code. */
static inline int pg_port_steer(struct pg_port *p, uint8_t ipproto, uint16_t port_no, int on)
{
	return p->ops->steer_l4_port(p, ipproto, port_no, on);
}

static inline int pg_port_resolve(struct pg_port *p, uint32_t dst_ip4, uint8_t mac[6],
				  int timeout_ms)
{
	return p->ops->resolve_nexthop(p, dst_ip4, mac, timeout_ms);
}

/* Detaches the XDP program, frees UMEM and sockets. Safe on NULL. */
static inline void pg_port_close(struct pg_port *p)
{
	if (p)
		p->ops->close(p);
}

#endif /* PG_PORT_H */

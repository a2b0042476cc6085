/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pgfw: the perfgen firmware peer. An iperf2 / iperf3 peer on lwIP's raw API (NO_SYS=1),
 * callback-driven, zero-copy on TCP transmit (a const pattern buffer written with
 * TCP_WRITE_FLAG_MORE, refilled from the sent callback). Owns: the iperf2 TCP/UDP server
 * (port 5001) and client, the iperf3 server (port 5201, TCP and UDP streams, -R) and
 * client, a line-oriented console, and a blocking test API in the spirit of MicroPython's
 * iperf3_lwip module. Port-independent: a port (host tap, QEMU an547, STM32N6) brings up
 * lwIP and one netif, provides the functions of pgfw_port.h, and calls pgfw_init() once and
 * pgfw_poll() from its main loop.
 */
#ifndef PGFW_H
#define PGFW_H

#include <stdint.h>

#define PGFW_IPERF2_PORT 5001
#define PGFW_IPERF3_PORT 5201

/* Starts the iperf2 and iperf3 servers. Returns 0 or -errno (-ENOMEM: no pcb). */
int pgfw_init(void);

/* Work that is not driven by a packet: UDP pacing, test deadlines. Cheap; call it every
 * main-loop iteration. */
void pgfw_poll(void);

/* Result of one client test. */
struct pgfw_result {
	int err;               /* 0, or -errno (-ECONNREFUSED, -ETIMEDOUT, -EPROTO, ...) */
	uint64_t bytes;        /* payload bytes this end sent (send tests) or received */
	uint64_t duration_us;  /* from the first to the last byte of the data phase */
	uint64_t peer_bytes;   /* what the peer reported (iperf3 results, iperf2 AckFIN); 0 if none */
	uint64_t packets;      /* UDP: datagrams this end sent or received */
	uint64_t peer_packets; /* UDP: the peer's count */
	uint64_t lost;         /* UDP: lost datagrams as the receiving end counted them */
	uint32_t jitter_us;    /* UDP: receiver's jitter */
};

/* Test API (iperf3 client role against an `iperf3 -s`). They run the port's poll loop until
 * the test ends, so call them from the main loop's context, never from a callback.
 * server is a dotted IPv4 address. rate_bps 0 = iperf3's UDP default (1 Mbit/s).
 * Returns 0 or -errno; *res is filled in either case. */
int tcp_send_test(const char *server, uint16_t port, uint32_t duration_ms, uint32_t buffer_size,
		  struct pgfw_result *res);
int tcp_recv_test(const char *server, uint16_t port, uint32_t duration_ms, uint32_t buffer_size,
		  struct pgfw_result *res);
int udp_send_test(const char *server, uint16_t port, uint32_t duration_ms, uint32_t buffer_size,
		  uint64_t rate_bps, struct pgfw_result *res);
int udp_recv_test(const char *server, uint16_t port, uint32_t duration_ms, uint32_t buffer_size,
		  uint64_t rate_bps, struct pgfw_result *res);
/* iperf2 client role against `iperf -s [-u]`. */
int iperf2_tcp_send_test(const char *server, uint16_t port, uint32_t duration_ms,
			 uint32_t buffer_size, struct pgfw_result *res);
int iperf2_udp_send_test(const char *server, uint16_t port, uint32_t duration_ms,
			 uint32_t buffer_size, uint64_t rate_bps, struct pgfw_result *res);

/* Console: executes one command line ("help" lists them). Output goes through pgfw_log().
 * Returns 0 on success, 1 when the command failed (a test error or a bad line), 2 for "quit". */
int pgfw_console_line(const char *line);

#endif /* PGFW_H */

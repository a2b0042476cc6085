/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared between the app's modules: the pattern buffer, logging, the per-tick hooks. */
#ifndef PGFW_PRIV_H
#define PGFW_PRIV_H

#include <stdint.h>

#include "lwip/ip_addr.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "pgfw.h"
#include "pgfw_port.h"

/* Const ASCII digit pattern ('0' + i % 10) that TCP writes reference without copying.
 * Its length is a multiple of 10 so consecutive writes keep the digit phase. */
#define PGFW_PATTERN_LEN 8190u
extern const uint8_t pgfw_pattern[PGFW_PATTERN_LEN + 10];

void pgfw_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Fills a TCP pcb's send buffer from the pattern with TCP_WRITE_FLAG_MORE (zero copy),
 * at most *left bytes (UINT64_MAX = unbounded); decrements *left and adds to *queued.
 * Returns ERR_OK, or the lwIP error that stopped it (ERR_MEM is not an error). */
err_t pgfw_tcp_fill(struct tcp_pcb *pcb, uint64_t *left, uint64_t *queued);

/* Received data of less than a full segment is likely the tail of a write that the sender's
 * Nagle holds until it sees an ACK: acknowledge it at once instead of after lwIP's delayed-ACK
 * timer, so the end of a test is not stuck behind 250 ms of delay. */
void pgfw_tcp_ack_tail(struct tcp_pcb *pcb, uint16_t len);

/* Brings *total up to the peer's cumulative acknowledgement (pcb->lastack), from *last.
 * Counting from the sequence space rather than summing sent-callback lengths: with the
 * peer's FIN in flight (full duplex) lwIP was seen to retire acknowledged segments without a
 * sent callback for all of them. */
static inline void pgfw_tcp_acked(const struct tcp_pcb *pcb, uint32_t *last, uint64_t *total)
{
	uint32_t la = pcb->lastack;

	*total += (uint32_t)(la - *last);
	*last = la;
}

/* Big-endian 32-bit fields of the iperf wire formats. */
static inline void pgfw_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint32_t pgfw_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A server's TCP listener and UDP socket on port (iperf2 5001, iperf3 5201). 0 or -errno. */
int pgfw_serve_port(uint16_t port, tcp_accept_fn accept, struct udp_pcb **udp, udp_recv_fn recv);
/* Clears pcb's callbacks (its session is going away); NULL: nothing. */
void pgfw_tcp_unhook(struct tcp_pcb *pcb);
/* Closes pcb (NULL: nothing); ERR_ABRT when it had to abort it (a caller inside an lwIP
 * callback must then return ERR_ABRT). */
err_t pgfw_tcp_close(struct tcp_pcb *pcb);

void pgfw_iperf2_poll(uint64_t now);
void pgfw_iperf3_poll(uint64_t now);
void pgfw_client_poll(uint64_t now);
int pgfw_iperf2_server_init(void);
int pgfw_iperf3_server_init(void);

/* Client sessions (iperf2 and iperf3), run by the test API. */
struct pgfw_client_req {
	int iperf3;            /* 1 = iperf3 client, 0 = iperf2 */
	int udp;
	int reverse;           /* iperf3 -R */
	ip_addr_t server;
	uint16_t port;
	uint32_t duration_ms;
	uint32_t len;          /* TCP write size / UDP datagram size */
	uint64_t rate_bps;     /* UDP */
	int trip_times;        /* iperf2 UDP: --trip-times (wall-clock one-way latency at the server) */
};
int pgfw_client_run(const struct pgfw_client_req *req, struct pgfw_result *res);

/* Rate pacing for UDP senders: how many datagrams are due at now. */
struct pgfw_pacer {
	uint64_t start_us;
	uint64_t sent;
	uint64_t ns_per_pkt;   /* 0 = unpaced */
};
static inline void pgfw_pacer_init(struct pgfw_pacer *p, uint64_t now, uint64_t rate_bps, uint32_t len)
{
	p->start_us = now;
	p->sent = 0;
	p->ns_per_pkt = rate_bps ? (uint64_t)len * 8u * 1000000000u / rate_bps : 0;
}
static inline uint32_t pgfw_pacer_due(const struct pgfw_pacer *p, uint64_t now, uint32_t cap)
{
	uint64_t due;

	if (p->ns_per_pkt == 0)
		return cap;
	due = (now - p->start_us) * 1000u / p->ns_per_pkt + 1;
	if (due <= p->sent)
		return 0;
	return due - p->sent > cap ? cap : (uint32_t)(due - p->sent);
}

#endif /* PGFW_PRIV_H */

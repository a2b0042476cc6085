/* SPDX-License-Identifier: BSD-3-Clause */
/* A paced UDP datagram sender shared by the iperf2 and iperf3 roles: a per-datagram header
 * (built by the caller's stamp function) chained to a by-reference slice of the pattern. */
#ifndef PGFW_UDP_TX_H
#define PGFW_UDP_TX_H

#include "lwip/udp.h"
#include "pgfw_priv.h"

#define PGFW_UDP_MAX_LEN 8000u
#define PGFW_UDP_HDR_MAX 160u

struct pgfw_udp_tx;
/* Writes the per-datagram header (hdr_len bytes at hdr) for sequence number seq (> 0, or
 * negative for an iperf2 FIN). */
typedef void (*pgfw_udp_stamp_fn)(struct pgfw_udp_tx *tx, uint8_t *hdr, int64_t seq);

struct pgfw_udp_tx {
	struct udp_pcb *pcb;
	ip_addr_t dst;
	uint16_t dport;
	uint32_t len;          /* datagram payload size */
	uint32_t hdr_len;      /* leading bytes built by stamp (<= len, <= PGFW_UDP_HDR_MAX) */
	pgfw_udp_stamp_fn stamp;
	uint8_t tmpl[PGFW_UDP_HDR_MAX]; /* the caller's constant header bytes */
	struct pgfw_pacer pacer;
	uint64_t deadline_us;  /* stop sending data at this time */
	uint64_t left;         /* or after this many bytes (UINT64_MAX = by time) */
	int64_t seq;           /* last data sequence sent */
	uint64_t bytes;        /* payload bytes sent, FIN excluded */
	uint64_t first_us, last_us;
	uint32_t send_errors;  /* datagrams lwIP could not send (no pbuf, no route) */
	int running;
};

/* Sends one datagram with sequence seq. Returns 0 or -ENOMEM/-EIO. */
int pgfw_udp_tx_one(struct pgfw_udp_tx *tx, int64_t seq);
/* Sends the datagrams due at now; clears running when the time or byte budget is spent.
 * Returns the number sent. */
uint32_t pgfw_udp_tx_run(struct pgfw_udp_tx *tx, uint64_t now);

#endif /* PGFW_UDP_TX_H */

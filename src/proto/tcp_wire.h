/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP wire format: the header, option kinds, and a parser that turns a TCP header plus
 * options into host-order fields (used by the engine, the tests and the fuzz target).
 */
#ifndef PG_TCP_WIRE_H
#define PG_TCP_WIRE_H

#include <stddef.h>
#include <stdint.h>

struct pg_tcp_hdr {
	uint16_t sport;   /* BE */
	uint16_t dport;   /* BE */
	uint32_t seq;     /* BE */
	uint32_t ack;     /* BE */
	uint8_t doff;     /* data offset in the top 4 bits */
	uint8_t flags;
	uint16_t wnd;     /* BE */
	uint16_t csum;
	uint16_t urp;     /* BE */
} __attribute__((packed));
_Static_assert(sizeof(struct pg_tcp_hdr) == 20, "tcp header");

#define PG_TCP_FIN 0x01
#define PG_TCP_SYN 0x02
#define PG_TCP_RST 0x04
#define PG_TCP_PSH 0x08
#define PG_TCP_ACK 0x10
#define PG_TCP_URG 0x20

#define PG_TCPOPT_EOL 0
#define PG_TCPOPT_NOP 1
#define PG_TCPOPT_MSS 2
#define PG_TCPOPT_WS 3
#define PG_TCPOPT_SACK_PERM 4
#define PG_TCPOPT_SACK 5
#define PG_TCPOPT_TS 8

#define PG_TCP_WS_MAX 14

/* A parsed segment; seq/ack/wnd in host order, options decoded. */
struct pg_tcp_seg {
	uint32_t seq, ack;
	uint16_t sport, dport;
	uint16_t wnd;          /* raw (unscaled) */
	uint8_t flags;
	uint8_t hdr_len;
	/* options */
	uint8_t has_mss, has_ws, sack_perm, has_ts;
	uint8_t ws;            /* clamped to PG_TCP_WS_MAX */
	uint8_t nsack;
	uint16_t mss;
	uint32_t tsval, tsecr;
	uint32_t sack[4][2];   /* left, right edges */
	const uint8_t *payload;
	uint32_t len;          /* payload bytes */
};

/*
 * Parses the TCP header at tcp[0..len) (len = TCP header + payload). Options with a
 * bad length end option parsing (the segment is still valid, as in Linux); unknown
 * options are skipped. 0 or -EINVAL (shorter than 20 bytes or than its data offset).
 */
int pg_tcp_parse(const uint8_t *tcp, size_t len, struct pg_tcp_seg *seg);

/* TCP checksum over the IPv4 pseudo-header (addresses in network order) and tcp[0..len),
 * in host order (store with htons); 0 when verifying a segment whose checksum is right. */
uint16_t pg_tcp_csum(uint32_t saddr, uint32_t daddr, const void *tcp, uint32_t len);

#endif /* PG_TCP_WIRE_H */

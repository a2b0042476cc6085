/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf 2.1.8 wire formats (see shared reference iperf-wire.md section 2): the UDP
 * datagram header area, the TCP client header and ack, and the 128-byte UDP server
 * report (AckFIN). All fields big-endian. Shared with firmware/.
 */
#ifndef PG_IPERF2_WIRE_H
#define PG_IPERF2_WIRE_H

#include <stdint.h>

#define PG_IPERF2_PORT 5001

/* 32-bit flags word (UDP offset 16, TCP offset 0). */
#define PG_I2_HEADER_VERSION1 0x80000000u
#define PG_I2_HEADER_EXTEND 0x40000000u
#define PG_I2_HEADER_UDPTESTS 0x20000000u
#define PG_I2_HEADER_KEYCHECK 0x10000000u
#define PG_I2_HEADER_SEQNO64B 0x08000000u
#define PG_I2_HEADER_VERSION2 0x04000000u
#define PG_I2_HEADER_V2PEERDETECT 0x02000000u
#define PG_I2_HEADER_BOUNCEBACK 0x00800000u
#define PG_I2_HEADER32_SMALL_TRIPTIMES 0x00020000u
#define PG_I2_HEADER_LEN_BIT 0x00010000u
#define PG_I2_HEADER_LEN_MASK 0x000001feu
#define PG_I2_RUN_NOW 0x00000001u

/* 16-bit upper flags. */
#define PG_I2_U_ISOCH 0x0001
#define PG_I2_U_NOUDPFIN 0x0008
#define PG_I2_U_TRIPTIME 0x0010
#define PG_I2_U_UNITS_PPS 0x0080
#define PG_I2_U_BWSET 0x0100
#define PG_I2_U_REVERSE 0x0400
#define PG_I2_U_FULLDUPLEX 0x0800

/* AckFIN flags. */
#define PG_I2_SERVER_EXTEND 0x40000000u

#define PG_I2_VERSION_U 0x00020001u /* 2.1 */
#define PG_I2_VERSION_L 0x00080003u /* .8 final */

/* UDP datagram: 16-byte seq/time block, then the client header at 16. */
struct pg_i2_udp_hdr {
	uint32_t id;       /* low 32 bits of the 64-bit sequence */
	uint32_t tv_sec;   /* send time, CLOCK_REALTIME */
	uint32_t tv_usec;
	uint32_t id2;      /* high 32 bits of the sequence */
	/* client_hdr_v1 */
	uint32_t flags;
	uint32_t num_threads;
	uint32_t mport;
	uint32_t buflen;
	uint32_t winband;
	int32_t amount;    /* < 0: -duration in 10 ms units; >= 0: bytes */
	/* extension */
	uint32_t ext_type;
	uint32_t ext_len;
	uint16_t upperflags;
	uint16_t lowerflags;
	uint32_t version_u;
	uint32_t version_l;
	uint16_t reserved;
	uint16_t tos;
	uint32_t rate_l;
	uint32_t rate_u;   /* (rate >> 32) << 8 */
	uint32_t tcp_wp;
	uint32_t isoch[8];
	/* start / fq block (trip-times) */
	uint32_t start_reserved;
	uint32_t start_tv_sec;
	uint32_t start_tv_usec;
	uint32_t fqrate_l;
	uint32_t fqrate_u;
	uint32_t isoch_settings[8];
} __attribute__((packed));
_Static_assert(sizeof(struct pg_i2_udp_hdr) == 160, "iperf2 UDP header area is 160 bytes");

/* Header lengths as iperf 2.1.8 announces them in the LEN bits (counted from offset 0). */
#define PG_I2_UDP_HDRLEN_BASE 76
#define PG_I2_UDP_HDRLEN_TRIP 108
#define PG_I2_UDP_SEQ_LEN 16

/* 128-byte server report (UDP payload, server -> client). */
struct pg_i2_ackfin {
	uint32_t id, tv_sec, tv_usec, id2; /* zeros */
	uint32_t flags;
	uint32_t total_len1; /* bytes, high 32 */
	uint32_t total_len2; /* bytes, low 32 */
	uint32_t stop_sec;
	uint32_t stop_usec;
	uint32_t error_cnt;
	uint32_t outorder_cnt;
	uint32_t datagrams;
	uint32_t jitter1;    /* seconds */
	uint32_t jitter2;    /* microseconds */
	uint32_t min_transit1, min_transit2;
	uint32_t max_transit1, max_transit2;
	uint32_t sum_transit1, sum_transit2;
	uint32_t mean_transit1, mean_transit2;
	uint32_t m2_transit1, m2_transit2;
	uint32_t vd_transit1, vd_transit2;
	uint32_t cnt_transit;
	uint32_t cnt_ipg;
	uint32_t ipg_sum;
	uint32_t error_cnt2;
	uint32_t outorder_cnt2;
	uint32_t datagrams2;
} __attribute__((packed));
_Static_assert(sizeof(struct pg_i2_ackfin) == 128, "iperf2 AckFIN is 128 bytes");

#endif /* PG_IPERF2_WIRE_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf2 over TCP (iperf-wire.md 2.3): the client header that is the stream's first
 * bytes, its decoding on the server, the server's CLIENTHDRACK, and the payload pattern
 * as a function of the stream offset (so a userspace TCP can regenerate any byte for a
 * retransmission instead of storing it).
 */
#ifndef PG_IPERF2_TCP_H
#define PG_IPERF2_TCP_H

#include <stdint.h>

#include "iperf2.h"

#define PG_I2_TCP_HDRLEN 60        /* flags ... extension, as 2.1.8 announces it */
#define PG_I2_TCP_HDRLEN_TRIP 80   /* + start/fq block */
#define PG_I2_TCP_HDR_MAX 128      /* longest header perfgen accepts */
#define PG_I2_TCP_ACK_LEN 28
#define PG_I2_TCP_DEFAULT_BUFLEN (128 * 1024)

/* Writes the header for -P/-n/-t/-b/--trip-times into hdr; returns its length (60/80). */
uint32_t pg_i2_tcp_client_hdr(uint8_t hdr[PG_I2_TCP_HDR_MAX], const struct pg_i2_client_params *p);

struct pg_i2_tcp_info {
	uint32_t flags;
	uint16_t upper;
	uint32_t hdrlen;       /* bytes of header at the start of the stream */
	uint32_t num_threads;
	int32_t amount;
	uint32_t buflen;
	uint32_t version_u, version_l;
	uint64_t start_ns;     /* trip-times: client's start */
	unsigned trip_times : 1;
	unsigned send_ack : 1; /* the client expects (or tolerates) a CLIENTHDRACK */
	unsigned unsupported : 1; /* -r/-d/-R/--full-duplex/bounceback */
};

/*
 * Header length announced by the stream's first 4 bytes (>= 4), so a server knows how much
 * to wait for; 4 when the flags carry no length (a plain or -C client: no header at all,
 * the bytes are data). -1 for impossible lengths.
 */
int pg_i2_tcp_hdrlen(const uint8_t first4[4]);

/* Decodes hdr[0..len) (len >= the announced length). 0 or -EINVAL. */
int pg_i2_tcp_parse_hdr(const uint8_t *hdr, uint32_t len, struct pg_i2_tcp_info *info);

/* The server's CLIENTHDRACK (28 bytes; no trip-times part). Returns its length. */
uint32_t pg_i2_tcp_server_ack(uint8_t out[PG_I2_TCP_ACK_LEN]);

/*
 * One write of the client: buflen bytes, the header (a stale copy of it, as iperf 2.1.8
 * writes) then the digit pattern. img must hold buflen >= hdrlen bytes.
 */
void pg_i2_tcp_write_image(uint8_t *img, uint32_t buflen, const uint8_t *hdr, uint32_t hdrlen);

/* Client stream bytes [off, off + len): the header, then writes of img. */
void pg_i2_tcp_fill(const uint8_t *img, uint32_t hdrlen, uint32_t buflen, uint64_t off,
		    uint8_t *dst, uint32_t len);

#endif /* PG_IPERF2_TCP_H */

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
#define PG_I2_TCP_ACK_LEN_TRIP 52  /* + client start, server accept, server send times */
#define PG_I2_TCP_BURST_HDR 92     /* --trip-times: each burst (write) starts with one */
#define PG_I2_TCP_BURST_PARSE 52   /* bytes of it a server needs (times, id, size) */
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
/* The same with the trip-times part (52 bytes): the client's start time echoed, the
 * server's accept and send times (CLOCK_REALTIME ns). Returns its length. */
uint32_t pg_i2_tcp_server_ack_trip(uint8_t out[PG_I2_TCP_ACK_LEN_TRIP], uint64_t client_start_ns,
				   uint64_t accept_ns, uint64_t send_ns);
/* Checks a CLIENTHDRACK's first bytes (type 2, length 28 or 52). Returns its length, or
 * 0 when len is too short to tell, or -EINVAL. Version words go to *version_u/l. */
int pg_i2_tcp_parse_ack(const uint8_t *p, uint32_t len, uint32_t *version_u, uint32_t *version_l);

/*
 * --trip-times over TCP (iperf-wire.md 2.3): after the header the stream is a sequence of
 * bursts of burst_size bytes (-l), each starting with a 92-byte burst header that carries
 * its write time. As iperf 2.1.8 sends it, a burst is [burst header][the same 92 bytes
 * again (the stale start of its write buffer)][zeros up to byte 336]['0' + (i - 92) % 10].
 */
struct pg_i2_tcp_burst {
	uint64_t start_ns;     /* test start */
	uint64_t write_ns;     /* when the burst was written: the one-way latency reference */
	uint32_t id;           /* 1, 2, 3 ... */
	uint32_t size;         /* bytes in the burst, its header included */
};

/* Decodes the first PG_I2_TCP_BURST_PARSE bytes of a burst. 0 or -EINVAL (short, size
 * below 92 or above 1 GiB, microseconds out of range). */
int pg_i2_tcp_parse_burst(const uint8_t *b, uint32_t len, struct pg_i2_tcp_burst *out);

/*
 * Client stream bytes [off, off + len) with trip-times: the header (hdr, hdrlen bytes),
 * then bursts of bsize bytes; burst k (0-based) was written at wt[k & wt_mask]. Stale
 * fields of the burst headers come from hdr, as iperf 2.1.8's do.
 */
void pg_i2_tcp_fill_trip(const uint8_t *hdr, uint32_t hdrlen, uint32_t bsize, uint64_t start_ns,
			 const uint64_t *wt, uint32_t wt_mask, uint64_t off, uint8_t *dst,
			 uint32_t len);

/*
 * One write of the client: buflen bytes, the header (a stale copy of it, as iperf 2.1.8
 * writes) then the digit pattern. img must hold buflen >= hdrlen bytes.
 */
void pg_i2_tcp_write_image(uint8_t *img, uint32_t buflen, const uint8_t *hdr, uint32_t hdrlen);

/* Client stream bytes [off, off + len): the header, then writes of img. */
void pg_i2_tcp_fill(const uint8_t *img, uint32_t hdrlen, uint32_t buflen, uint64_t off,
		    uint8_t *dst, uint32_t len);

#endif /* PG_IPERF2_TCP_H */

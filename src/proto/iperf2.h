/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf2 UDP test logic that does not depend on any port: building the client header
 * template, stamping sequence and send time, parsing a received datagram, and encoding
 * and decoding the AckFIN server report. Wire layout in iperf2_wire.h.
 */
#ifndef PG_IPERF2_H
#define PG_IPERF2_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>

#include "iperf2_wire.h"

struct pg_i2_client_params {
	uint32_t num_threads;   /* -P */
	uint16_t server_port;   /* mPort: the port the server listens on */
	uint32_t buflen;        /* -l if the user gave it, else 0 (as iperf 2.1.8 sends) */
	uint64_t amount_bytes;  /* -n; 0 = time-limited */
	uint32_t duration_cs;   /* -t in 10 ms units when time-limited */
	uint64_t rate;          /* -b in bits/s, or packets/s with rate_pps */
	int rate_pps;
	int trip_times;         /* --trip-times */
	int peer_detect;        /* TCP -X: the client waits for the server's CLIENTHDRACK */
	uint8_t tos;
	uint64_t start_ns;      /* test start, CLOCK_REALTIME (trip-times) */
};

/*
 * Writes the 160-byte header area of every datagram (zeros where unused, seq/time 0)
 * into hdr and returns the header length announced in the flags (76 or 108 bytes).
 */
uint32_t pg_i2_udp_client_hdr(uint8_t hdr[160], const struct pg_i2_client_params *p);

/* iperf2's payload: 160 header-area bytes, then '0' + (i mod 10) at byte i. */
void pg_i2_pattern_fill(uint8_t *payload, uint32_t len);

/* Stamps a datagram's 16-byte seq/time block: 64-bit seq (low @0, high @12), send time. */
static inline void pg_i2_udp_stamp(uint8_t *payload, int64_t seq, uint64_t realtime_ns)
{
	uint32_t w[4];
	uint64_t sec = realtime_ns / 1000000000u;

	w[0] = htonl((uint32_t)(uint64_t)seq);
	w[1] = htonl((uint32_t)sec);
	w[2] = htonl((uint32_t)((realtime_ns - sec * 1000000000u) / 1000u));
	w[3] = htonl((uint32_t)((uint64_t)seq >> 32));
	memcpy(payload, w, sizeof(w));
}

/* What the server learns from a flow's first datagram. */
struct pg_i2_udp_info {
	uint32_t flags;
	uint16_t upper;
	uint32_t hdrlen;       /* 0 when the datagram carries no length bits */
	uint32_t num_threads;
	int32_t amount;
	uint32_t buflen;
	uint64_t rate;
	uint32_t version_u, version_l;
	uint64_t start_ns;     /* client's test start (trip-times), 0 if absent */
	unsigned seq64 : 1;
	unsigned trip_times : 1;
	unsigned small_trip : 1;
	unsigned has_ext : 1;
	unsigned legacy : 1;   /* no client header: 32-bit seq, plain test */
	unsigned unsupported : 1; /* asks for a mode perfgen does not serve (-d/-r, bounceback) */
};

enum pg_i2_parse_err {
	PG_I2_OK = 0,
	PG_I2_E_SHORT,     /* under the 16-byte seq/time block */
	PG_I2_E_HDRLEN,    /* length bits disagree with the datagram or are impossible */
	PG_I2_E_FLAGS,     /* flags that no iperf2 sends */
};

/* Decodes the client header of a datagram; PG_I2_OK or an error above. */
enum pg_i2_parse_err pg_i2_udp_parse_hdr(const uint8_t *payload, uint32_t len,
					 struct pg_i2_udp_info *info);

/* Sequence number of a datagram (payload >= 16 bytes), 64-bit or legacy 32-bit signed. */
static inline int64_t pg_i2_udp_seq(const uint8_t *payload, int seq64)
{
	uint32_t id, id2;

	memcpy(&id, payload, 4);
	memcpy(&id2, payload + 12, 4);
	if (seq64)
		return (int64_t)(((uint64_t)ntohl(id2) << 32) | ntohl(id));
	return (int64_t)(int32_t)ntohl(id);
}

/* Send time carried by a datagram, CLOCK_REALTIME ns. */
static inline uint64_t pg_i2_udp_txtime_ns(const uint8_t *payload)
{
	uint32_t s, us;

	memcpy(&s, payload + 4, 4);
	memcpy(&us, payload + 8, 4);
	return (uint64_t)ntohl(s) * 1000000000u + (uint64_t)ntohl(us) * 1000u;
}

/* The server report, as numbers. Times in seconds. */
struct pg_i2_report {
	uint32_t flags;
	uint64_t bytes;
	double duration_s;
	uint64_t errors;      /* lost (already net of out-of-order) */
	uint64_t outorder;
	uint64_t datagrams;   /* highest sequence, FIN included */
	double jitter_s;
	int has_transit;
	/* m2 = sum of squared deviations (Welford), in s^2 here, us^2 on the wire */
	double min_transit_s, max_transit_s, sum_transit_s, mean_transit_s, m2_transit_s;
	double vd_transit_s;
	uint32_t cnt_transit;
	uint32_t ipg_cnt;
};

void pg_i2_ackfin_encode(struct pg_i2_ackfin *a, const struct pg_i2_report *r);

/* Decodes a report; -EINVAL when len is under the 56-byte v1 report. */
int pg_i2_ackfin_decode(const uint8_t *buf, size_t len, struct pg_i2_report *r);

#endif /* PG_IPERF2_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * perfgen-to-perfgen trip-time block inside iperf2's UDP header area (payload offset 128,
 * 20 bytes, big-endian). iperf 2.1.8 announces at most 108 header bytes for UDP
 * trip-times and reads nothing past them unless isochronous mode is on (its isoch
 * settings sit at 128), so a real iperf2 server ignores this; perfgen's server uses it:
 *   128  4  magic "PGT1"
 *   132  4  tx_ns_frac: the send time's nanoseconds below the microsecond (0..999)
 *   136  8  sender's PTP offset, ns (sender clock - grandmaster), signed
 *   144  4  sender's offset bound, ns (0xffffffff = none: no --ptp on the sender)
 * Only written when the datagram payload is at least 148 bytes and -u --trip-times.
 */
#ifndef PG_PGTS_H
#define PG_PGTS_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#define PG_PGTS_OFF 128
#define PG_PGTS_LEN 20
#define PG_PGTS_MIN_PAYLOAD (PG_PGTS_OFF + PG_PGTS_LEN)
#define PG_PGTS_MAGIC 0x50475431u /* "PGT1" */
#define PG_PGTS_NO_BOUND 0xffffffffu

struct pg_pgts {
	uint32_t tx_ns_frac;
	int64_t offset_ns;
	uint32_t bound_ns;
};

/* Writes the 16 varying bytes (132..148); the magic lives in the flow's template. */
static inline void pg_pgts_put(uint8_t *payload, uint32_t frac, int64_t off, uint32_t bound)
{
	uint32_t w[4];

	w[0] = htonl(frac);
	w[1] = htonl((uint32_t)((uint64_t)off >> 32));
	w[2] = htonl((uint32_t)(uint64_t)off);
	w[3] = htonl(bound);
	memcpy(payload + PG_PGTS_OFF + 4, w, sizeof(w));
}

/* 1 and *t filled when the payload carries a valid block, else 0. */
static inline int pg_pgts_get(const uint8_t *payload, uint32_t len, struct pg_pgts *t)
{
	uint32_t w[5];

	if (len < PG_PGTS_MIN_PAYLOAD)
		return 0;
	memcpy(w, payload + PG_PGTS_OFF, sizeof(w));
	if (ntohl(w[0]) != PG_PGTS_MAGIC || ntohl(w[1]) > 999)
		return 0;
	t->tx_ns_frac = ntohl(w[1]);
	t->offset_ns = (int64_t)(((uint64_t)ntohl(w[2]) << 32) | ntohl(w[3]));
	t->bound_ns = ntohl(w[4]);
	return 1;
}

#endif /* PG_PGTS_H */

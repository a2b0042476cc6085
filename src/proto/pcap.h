/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Streaming reader for classic pcap (micro- and nanosecond, either byte order) and
 * pcapng (SHB / IDB / EPB / SPB, per-interface if_tsresol), one packet at a time with a
 * bounded buffer, so large captures are never loaded whole. Malformed input gives an
 * error, never a crash.
 */
#ifndef PG_PCAP_H
#define PG_PCAP_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#define PG_PCAP_MAX_SNAP 262144
#define PG_PCAP_MAX_IF 16

struct pg_pcap_pkt {
	const uint8_t *data;
	uint32_t caplen;      /* bytes present */
	uint32_t wirelen;     /* bytes on the wire */
	uint64_t ts_ns;       /* capture time, ns since the epoch */
	uint32_t linktype;    /* 1 = Ethernet */
};

struct pg_pcap {
	FILE *f;
	int own;
	int ng;
	int swap;
	int nsec;
	uint32_t linktype;
	/* pcapng interfaces */
	uint32_t nb_if;
	uint32_t if_link[PG_PCAP_MAX_IF];
	uint64_t if_tick_ps[PG_PCAP_MAX_IF]; /* picoseconds per timestamp unit; 0 = unsupported */
	uint8_t *buf;
	size_t buflen;
	uint64_t bad_records;
};

/* Opens path ("-" = stdin). NULL + errno (EINVAL: not a pcap/pcapng file). */
struct pg_pcap *pg_pcap_open(const char *path);

/* Reads from a caller-owned stream (fuzzing, pipes). NULL + errno. */
struct pg_pcap *pg_pcap_open_stream(FILE *f);

/* Next packet: 1, 0 at the end, -EINVAL on a malformed record (reading stops). */
int pg_pcap_next(struct pg_pcap *p, struct pg_pcap_pkt *pkt);

void pg_pcap_close(struct pg_pcap *p);

#endif /* PG_PCAP_H */

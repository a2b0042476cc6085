/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Minimal pcapng writer: one Section Header, one Ethernet interface with nanosecond
 * timestamps (if_tsresol 9) and Enhanced Packet Blocks carrying the direction
 * (epb_flags inbound/outbound), which pcap files cannot. Read back by pcap.h, tshark,
 * scapy. Little-endian (the host's order on every target perfgen runs on).
 */
#ifndef PG_PCAPNG_WRITE_H
#define PG_PCAPNG_WRITE_H

#include <stdint.h>
#include <stdio.h>

enum pg_pcapng_dir { PG_PCAPNG_DIR_UNKNOWN = 0, PG_PCAPNG_DIR_IN = 1, PG_PCAPNG_DIR_OUT = 2 };

/* Section header + interface description. Bytes written, or -errno. */
long pg_pcapng_write_header(FILE *f, uint32_t snaplen, const char *ifname);

/* One frame (caplen bytes of a wirelen-byte frame). Bytes written, or -errno. */
long pg_pcapng_write_packet(FILE *f, uint64_t ts_ns, const uint8_t *data, uint32_t caplen,
			    uint32_t wirelen, enum pg_pcapng_dir dir);

#endif /* PG_PCAPNG_WRITE_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A port whose receive side is a capture file: `perfgen analyze` runs the dataplane's own
 * server loop over it, so offline analysis and live reports come from the same code. Each
 * frame carries its capture timestamp as rx_ts_ns. Frames the loop transmits (AckFINs)
 * are counted and dropped.
 */
#ifndef PG_PORT_PCAP_H
#define PG_PORT_PCAP_H

#include <stddef.h>
#include <stdatomic.h>

#include "port.h"

/* NULL + errno and a one-line reason in err. */
struct pg_port *pg_pcap_port_open(const char *path, char *err, size_t errlen);

/* 1 once every frame of the capture has been handed out (and released). */
int pg_pcap_port_eof(const struct pg_port *port);

/* Frames read, frames skipped (not Ethernet, or malformed records). */
void pg_pcap_port_counts(const struct pg_port *port, uint64_t *frames, uint64_t *skipped,
			 uint64_t *bad_records);

#endif /* PG_PORT_PCAP_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header rewrite for replaying a capture into another lab: Ethernet source/destination
 * MAC and IPv4 source/destination address, with the IPv4 header checksum and the TCP/UDP
 * checksum patched incrementally (RFC 1624), through VLAN/QinQ tags, or recomputed whole
 * (fix_csum) when the frame is complete. Frames it cannot parse far enough are left as
 * they are (only the MACs change).
 */
#ifndef PG_REWRITE_H
#define PG_REWRITE_H

#include <stdint.h>

struct pg_rewrite {
	uint8_t set_smac, set_dmac, set_sip, set_dip;
	uint8_t fix_csum;      /* recompute IPv4 and TCP/UDP checksums (captures taken on the
				* sending host carry partial, offloaded ones) */
	uint8_t smac[6], dmac[6];
	uint32_t sip, dip;     /* network byte order */
};

/* Rewrites frame[0..len) in place. Returns 1 if an IPv4 header was rewritten, else 0. */
int pg_frame_rewrite(uint8_t *frame, uint32_t len, const struct pg_rewrite *rw);

#endif /* PG_REWRITE_H */

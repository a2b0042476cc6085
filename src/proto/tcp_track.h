/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Passive TCP byte-stream tracking for offline analysis (perfgen analyze): one direction of
 * a connection seen in a capture, taken on either end. It counts the stream's unique bytes
 * (what the application wrote and the receiver got), tells retransmissions from first
 * transmissions, keeps the stream's first bytes (the iperf2 client header), and notes
 * FIN/RST. Holes (a segment missing in the capture or on the wire, repaired later) are
 * kept in a small fixed list so a late repair counts as data, not as a retransmission.
 * No allocation; sequence numbers are unwrapped to 64-bit offsets from the ISN.
 */
#ifndef PG_TCP_TRACK_H
#define PG_TCP_TRACK_H

#include <stdint.h>

#define PG_TCP_TRACK_HOLES 16
#define PG_TCP_TRACK_HEAD 512 /* stream bytes kept from the start: the iperf2 header, or the
			       * iperf3 cookie and params JSON of a control connection */

#define PG_TCP_F_FIN 0x01
#define PG_TCP_F_SYN 0x02
#define PG_TCP_F_RST 0x04

struct pg_tcp_track {
	uint32_t isn;           /* sequence number of stream offset 0 (SYN + 1) */
	uint64_t last_seq64;    /* unwrapped sequence of the last segment (for wrap tracking) */
	uint64_t hi;            /* stream offset just past the highest byte seen */
	uint64_t bytes;         /* unique stream bytes seen */
	uint64_t retrans_bytes; /* bytes seen again (retransmitted or duplicated) */
	uint32_t retrans_segs;
	uint32_t ooo_segs;      /* segments that filled a hole (arrived after later data) */
	uint32_t holes_lost;    /* holes dropped when the hole list overflowed */
	uint32_t nb_holes;
	struct { uint64_t lo, hi; } hole[PG_TCP_TRACK_HOLES];
	uint32_t head_len;      /* contiguous bytes kept in head[] from offset 0 */
	uint8_t head[PG_TCP_TRACK_HEAD];
	uint8_t started;        /* isn known */
	uint8_t syn_seen;
	uint8_t fin;
	uint8_t rst;
	uint64_t fin_off;       /* stream offset of the FIN */
};

/*
 * Starts tracking. seq: the segment's sequence number; flags PG_TCP_F_*. With a SYN the
 * stream starts at seq + 1; without one (capture started mid-connection) at seq itself.
 */
void pg_tcp_track_init(struct pg_tcp_track *t, uint32_t seq, unsigned int flags);

/*
 * One segment of this direction: payload [seq, seq + len) (data may be truncated by the
 * snaplen: cap <= len bytes present), flags PG_TCP_F_*. Returns the number of new unique
 * bytes this segment brought (0 for a pure retransmission or an empty segment).
 */
uint64_t pg_tcp_track_seg(struct pg_tcp_track *t, uint32_t seq, unsigned int flags,
			  const uint8_t *data, uint32_t cap, uint32_t len);

#endif /* PG_TCP_TRACK_H */

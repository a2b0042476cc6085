/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame classifier: finds the IPv4 UDP/TCP flow and payload in an Ethernet frame
 * (optionally VLAN / QinQ tagged), validating every length against what was captured.
 * Shared by the dataplane RX loops and the offline pcap analyzer.
 */
#ifndef PG_FRAME_H
#define PG_FRAME_H

#include <stdint.h>
#include <stddef.h>

enum pg_frame_verdict {
	PG_FRAME_OK = 0,
	PG_FRAME_NOT_IPV4,   /* ARP, IPv6, LLDP, ...: not ours, pass/skip */
	PG_FRAME_NOT_L4,     /* IPv4 but neither UDP nor TCP */
	PG_FRAME_FRAGMENT,   /* IPv4 fragment: not reassembled */
	PG_FRAME_TRUNCATED,  /* shorter than its headers say */
	PG_FRAME_MALFORMED,  /* impossible header values */
	PG_FRAME_BAD_CSUM,   /* IPv4 header or UDP checksum wrong */
	PG_FRAME__COUNT
};

struct pg_frame {
	uint16_t vlan;          /* outermost VLAN id, 0 = untagged */
	uint8_t proto;          /* PG_IPPROTO_UDP / PG_IPPROTO_TCP */
	uint8_t tos;
	uint32_t saddr, daddr;  /* network byte order */
	uint16_t sport, dport;  /* host byte order */
	uint16_t l3_off;        /* offset of the IPv4 header in the frame */
	uint16_t l4_off;        /* offset of the UDP/TCP header */
	const uint8_t *payload; /* L4 payload */
	uint32_t payload_len;   /* bytes of L4 payload present in the frame */
	uint32_t wire_payload_len; /* L4 payload length the headers announce */
	const uint8_t *src_mac;
};

#define PG_FRAME_CSUM_IP 1 /* verify the IPv4 header checksum */
#define PG_FRAME_CSUM_L4 2 /* verify a non-zero UDP checksum (not on veth: the kernel
			    * leaves it partial when offloading, and captures show that) */

/*
 * Classifies frame[0..len). check_csum is a mask of PG_FRAME_CSUM_*. captured_ok = 1 when len is the full frame; 0 for a truncated
 * capture (snaplen), in which case payload_len < wire_payload_len is allowed and the
 * checksum is not checked. Returns a verdict; f is filled only for PG_FRAME_OK.
 */
enum pg_frame_verdict pg_frame_classify(const uint8_t *frame, size_t len, int check_csum,
					int captured_ok, struct pg_frame *f);

const char *pg_frame_verdict_str(enum pg_frame_verdict v);

#endif /* PG_FRAME_H */

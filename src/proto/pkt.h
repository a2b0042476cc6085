/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet / IPv4 / UDP wire headers and checksums. Packed structs with explicit
 * big-endian fields; shared unchanged with bpf/ and firmware/.
 */
#ifndef PG_PKT_H
#define PG_PKT_H

#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>

#define PG_ETH_ALEN 6
#define PG_ETHERTYPE_IPV4 0x0800
#define PG_ETHERTYPE_ARP 0x0806
#define PG_ETHERTYPE_VLAN 0x8100
#define PG_ETHERTYPE_QINQ 0x88a8
#define PG_IPPROTO_TCP 6
#define PG_IPPROTO_UDP 17

struct pg_eth_hdr {
	uint8_t dst[PG_ETH_ALEN];
	uint8_t src[PG_ETH_ALEN];
	uint16_t type; /* BE */
} __attribute__((packed));
_Static_assert(sizeof(struct pg_eth_hdr) == 14, "eth header");

struct pg_vlan_hdr {
	uint16_t tci;  /* BE */
	uint16_t type; /* BE, inner ethertype */
} __attribute__((packed));
_Static_assert(sizeof(struct pg_vlan_hdr) == 4, "vlan header");

struct pg_ipv4_hdr {
	uint8_t ver_ihl;
	uint8_t tos;
	uint16_t tot_len;  /* BE */
	uint16_t id;       /* BE */
	uint16_t frag_off; /* BE, flags in the top 3 bits */
	uint8_t ttl;
	uint8_t proto;
	uint16_t csum;
	uint32_t saddr; /* BE */
	uint32_t daddr; /* BE */
} __attribute__((packed));
_Static_assert(sizeof(struct pg_ipv4_hdr) == 20, "ipv4 header");

#define PG_IPV4_DF 0x4000
#define PG_IPV4_MF 0x2000
#define PG_IPV4_OFFMASK 0x1fff

struct pg_udp_hdr {
	uint16_t sport; /* BE */
	uint16_t dport; /* BE */
	uint16_t len;   /* BE, header + payload */
	uint16_t csum;
} __attribute__((packed));
_Static_assert(sizeof(struct pg_udp_hdr) == 8, "udp header");

/* Untagged Ethernet + IPv4 (no options) + UDP: what perfgen transmits. */
#define PG_UDP_FRAME_HDR_LEN (14 + 20 + 8)

/* Ones'-complement sum of len bytes, folded to 16 bits, not inverted. */
uint32_t pg_csum_partial(const void *buf, size_t len, uint32_t sum);

static inline uint16_t pg_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* IPv4 header checksum of a header of ihl*4 bytes (field must be 0 or is ignored). */
uint16_t pg_ipv4_csum(const struct pg_ipv4_hdr *ip);

/* UDP checksum over pseudo-header + UDP header + payload (udp->csum taken as 0). */
uint16_t pg_udp_csum(const struct pg_ipv4_hdr *ip, const struct pg_udp_hdr *udp);

/* Checks a received UDP checksum; 0 in the field means "none" for IPv4 and passes. */
int pg_udp_csum_ok(const struct pg_ipv4_hdr *ip, const struct pg_udp_hdr *udp);

/*
 * Incremental checksum update (RFC 1624): a 16-bit field changed from old to new.
 * Used on the TX hot path so a template's checksum is patched, not recomputed.
 */
static inline uint16_t pg_csum_update16(uint16_t csum, uint16_t old, uint16_t new_)
{
	uint32_t sum = (uint16_t)~csum + (uint16_t)~old + (uint32_t)new_;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Writes Ethernet + IPv4 + UDP headers for a frame with payload_len bytes of UDP payload.
 * The UDP checksum is left 0; callers fill it (pg_udp_csum) once the payload is in place.
 */
void pg_udp_frame_build(uint8_t *frame, const uint8_t src_mac[6], const uint8_t dst_mac[6],
			uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
			uint8_t tos, uint16_t payload_len);

#endif /* PG_PKT_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/* Internet checksums (RFC 1071) and frame header construction. */
#include "pkt.h"

uint32_t pg_csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;

	/* Sum 32-bit words into a 64-bit accumulator; fold once at the end. */
	while (len >= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		acc += ntohl(w);
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		acc += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)p[0] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

uint16_t pg_ipv4_csum(const struct pg_ipv4_hdr *ip)
{
	size_t hl = (size_t)(ip->ver_ihl & 0x0f) * 4;
	uint32_t sum = pg_csum_partial(ip, 10, 0);

	/* Skip the checksum field itself. */
	sum = pg_csum_partial((const uint8_t *)ip + 12, hl - 12, sum);
	return htons(pg_csum_fold(sum));
}

static uint32_t pseudo_sum(const struct pg_ipv4_hdr *ip, uint16_t l4len)
{
	uint32_t sum = 0;

	sum = pg_csum_partial(&ip->saddr, 8, sum);
	sum += PG_IPPROTO_UDP;
	sum += l4len;
	return sum;
}

uint16_t pg_udp_csum(const struct pg_ipv4_hdr *ip, const struct pg_udp_hdr *udp)
{
	uint16_t l4len = ntohs(udp->len);
	uint32_t sum = pseudo_sum(ip, l4len);
	uint16_t c;

	sum = pg_csum_partial(udp, 6, sum);
	sum = pg_csum_partial((const uint8_t *)udp + 8, (size_t)l4len - 8, sum);
	c = pg_csum_fold(sum);
	/* RFC 768: a computed 0 is sent as all ones (0 means "no checksum"). */
	return htons(c ? c : 0xffff);
}

int pg_udp_csum_ok(const struct pg_ipv4_hdr *ip, const struct pg_udp_hdr *udp)
{
	uint16_t l4len = ntohs(udp->len);
	uint32_t sum;

	if (udp->csum == 0)
		return 1;
	sum = pseudo_sum(ip, l4len);
	sum = pg_csum_partial(udp, l4len, sum);
	return pg_csum_fold(sum) == 0;
}

void pg_udp_frame_build(uint8_t *frame, const uint8_t src_mac[6], const uint8_t dst_mac[6],
			uint32_t saddr, uint32_t daddr, uint16_t sport, uint16_t dport,
			uint8_t tos, uint16_t payload_len)
{
	struct pg_eth_hdr *eth = (struct pg_eth_hdr *)frame;
	struct pg_ipv4_hdr *ip = (struct pg_ipv4_hdr *)(frame + 14);
	struct pg_udp_hdr *udp = (struct pg_udp_hdr *)(frame + 34);

	memcpy(eth->dst, dst_mac, 6);
	memcpy(eth->src, src_mac, 6);
	eth->type = htons(PG_ETHERTYPE_IPV4);

	ip->ver_ihl = 0x45;
	ip->tos = tos;
	ip->tot_len = htons((uint16_t)(20 + 8 + payload_len));
	ip->id = 0;
	ip->frag_off = htons(PG_IPV4_DF);
	ip->ttl = 64;
	ip->proto = PG_IPPROTO_UDP;
	ip->csum = 0;
	ip->saddr = saddr;
	ip->daddr = daddr;
	ip->csum = pg_ipv4_csum(ip);

	udp->sport = htons(sport);
	udp->dport = htons(dport);
	udp->len = htons((uint16_t)(8 + payload_len));
	udp->csum = 0;
}

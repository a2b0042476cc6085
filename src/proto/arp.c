/* SPDX-License-Identifier: BSD-3-Clause */
#include "arp.h"
#include "pkt.h"

#include <string.h>

struct arp_eth_ipv4 {
	uint16_t htype, ptype;
	uint8_t hlen, plen;
	uint16_t op;
	uint8_t sha[6];
	uint8_t spa[4];
	uint8_t tha[6];
	uint8_t tpa[4];
} __attribute__((packed));
_Static_assert(sizeof(struct arp_eth_ipv4) == 28, "arp");

#define ARP_REQUEST 1
#define ARP_REPLY 2

static const struct arp_eth_ipv4 *arp_of(const uint8_t *f, size_t len)
{
	const struct arp_eth_ipv4 *a;

	if (len < 14 + sizeof(*a) || f[12] != 0x08 || f[13] != 0x06)
		return NULL;
	a = (const struct arp_eth_ipv4 *)(f + 14);
	if (a->htype != htons(1) || a->ptype != htons(PG_ETHERTYPE_IPV4) || a->hlen != 6 ||
	    a->plen != 4)
		return NULL;
	return a;
}

static size_t arp_build(uint8_t *out, const uint8_t *dst, uint16_t op, const uint8_t sha[6],
			uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
	struct pg_eth_hdr *e = (struct pg_eth_hdr *)out;
	struct arp_eth_ipv4 *a = (struct arp_eth_ipv4 *)(out + 14);

	memset(out, 0, PG_ARP_FRAME_LEN);
	memcpy(e->dst, dst, 6);
	memcpy(e->src, sha, 6);
	e->type = htons(PG_ETHERTYPE_ARP);
	a->htype = htons(1);
	a->ptype = htons(PG_ETHERTYPE_IPV4);
	a->hlen = 6;
	a->plen = 4;
	a->op = htons(op);
	memcpy(a->sha, sha, 6);
	memcpy(a->spa, &spa, 4);
	memcpy(a->tha, tha, 6);
	memcpy(a->tpa, &tpa, 4);
	return PG_ARP_FRAME_LEN;
}

size_t pg_arp_request(uint8_t *out, const uint8_t my_mac[6], uint32_t my_ip, uint32_t target)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[6];

	return arp_build(out, bcast, ARP_REQUEST, my_mac, my_ip, zero, target);
}

size_t pg_arp_answer(const uint8_t *frame, size_t len, uint32_t my_ip, const uint8_t my_mac[6],
		     uint8_t *out)
{
	const struct arp_eth_ipv4 *a = arp_of(frame, len);
	uint32_t tpa, spa;

	if (!a || a->op != htons(ARP_REQUEST))
		return 0;
	memcpy(&tpa, a->tpa, 4);
	memcpy(&spa, a->spa, 4);
	if (tpa != my_ip)
		return 0;
	return arp_build(out, a->sha, ARP_REPLY, my_mac, my_ip, a->sha, spa);
}

int pg_arp_learn(const uint8_t *frame, size_t len, uint32_t ip, uint8_t mac[6])
{
	const struct arp_eth_ipv4 *a = arp_of(frame, len);
	uint32_t spa;

	if (!a)
		return 0;
	memcpy(&spa, a->spa, 4);
	if (spa != ip)
		return 0;
	memcpy(mac, a->sha, 6);
	return 1;
}

size_t pg_icmp_echo_answer(const uint8_t *frame, size_t len, uint32_t my_ip,
			   const uint8_t my_mac[6], uint8_t *out, size_t outlen)
{
	const struct pg_ipv4_hdr *ip;
	struct pg_ipv4_hdr *oip;
	size_t ihl, tot;
	uint8_t *icmp;

	if (len < 14 + 20 + 8 || frame[12] != 0x08 || frame[13] != 0x00)
		return 0;
	ip = (const struct pg_ipv4_hdr *)(frame + 14);
	ihl = (size_t)(ip->ver_ihl & 0x0f) * 4;
	tot = ntohs(ip->tot_len);
	if ((ip->ver_ihl >> 4) != 4 || ihl < 20 || tot < ihl + 8 || 14 + tot > len ||
	    ip->proto != 1 || ip->daddr != my_ip || frame[14 + ihl] != 8 /* echo request */ ||
	    (ntohs(ip->frag_off) & (PG_IPV4_MF | PG_IPV4_OFFMASK)) || 14 + tot > outlen)
		return 0;
	memcpy(out, frame, 14 + tot);
	memcpy(out, frame + 6, 6);
	memcpy(out + 6, my_mac, 6);
	oip = (struct pg_ipv4_hdr *)(out + 14);
	oip->daddr = ip->saddr;
	oip->saddr = my_ip;
	oip->ttl = 64;
	oip->csum = 0;
	oip->csum = pg_ipv4_csum(oip);
	icmp = out + 14 + ihl;
	icmp[0] = 0; /* echo reply */
	icmp[2] = icmp[3] = 0;
	{
		uint16_t c = pg_csum_fold(pg_csum_partial(icmp, tot - ihl, 0));

		c = htons(c);
		memcpy(icmp + 2, &c, 2);
	}
	return 14 + tot;
}

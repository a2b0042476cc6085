/* SPDX-License-Identifier: BSD-3-Clause */
#include "frame.h"
#include "pkt.h"

#include <string.h>

static const char *const verdict_names[PG_FRAME__COUNT] = {
	[PG_FRAME_OK] = "ok",
	[PG_FRAME_NOT_IPV4] = "not_ipv4",
	[PG_FRAME_NOT_L4] = "not_udp_tcp",
	[PG_FRAME_FRAGMENT] = "fragment",
	[PG_FRAME_TRUNCATED] = "truncated",
	[PG_FRAME_MALFORMED] = "malformed",
	[PG_FRAME_BAD_CSUM] = "bad_checksum",
};

const char *pg_frame_verdict_str(enum pg_frame_verdict v)
{
	return (unsigned)v < PG_FRAME__COUNT ? verdict_names[v] : "unknown";
}

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

enum pg_frame_verdict pg_frame_classify(const uint8_t *frame, size_t len, int check_csum,
					int captured_ok, struct pg_frame *f)
{
	size_t off = 12;
	uint16_t type;
	uint16_t vlan = 0;
	const struct pg_ipv4_hdr *ip;
	size_t ihl, tot, l4len, l4hdr;
	int tags = 0;

	if (len < 14)
		return PG_FRAME_TRUNCATED;
	type = rd16(frame + off);
	off += 2;
	while (type == PG_ETHERTYPE_VLAN || type == PG_ETHERTYPE_QINQ) {
		if (++tags > 2)
			return PG_FRAME_MALFORMED;
		if (len < off + 4)
			return PG_FRAME_TRUNCATED;
		if (!vlan)
			vlan = rd16(frame + off) & 0x0fff;
		type = rd16(frame + off + 2);
		off += 4;
	}
	if (type != PG_ETHERTYPE_IPV4)
		return PG_FRAME_NOT_IPV4;
	if (len < off + sizeof(*ip))
		return PG_FRAME_TRUNCATED;
	ip = (const struct pg_ipv4_hdr *)(frame + off);
	if ((ip->ver_ihl >> 4) != 4)
		return PG_FRAME_MALFORMED;
	ihl = (size_t)(ip->ver_ihl & 0x0f) * 4;
	tot = ntohs(ip->tot_len);
	if (ihl < 20 || tot < ihl)
		return PG_FRAME_MALFORMED;
	if (len < off + ihl)
		return PG_FRAME_TRUNCATED;
	if (captured_ok && len < off + tot)
		return PG_FRAME_TRUNCATED;
	if ((check_csum & PG_FRAME_CSUM_IP) && pg_csum_fold(pg_csum_partial(ip, ihl, 0)) != 0)
		return PG_FRAME_BAD_CSUM;
	if (ntohs(ip->frag_off) & (PG_IPV4_MF | PG_IPV4_OFFMASK))
		return PG_FRAME_FRAGMENT;

	memset(f, 0, sizeof(*f));
	f->vlan = vlan;
	f->tos = ip->tos;
	f->saddr = ip->saddr;
	f->daddr = ip->daddr;
	f->proto = ip->proto;
	f->l3_off = (uint16_t)off;
	f->l4_off = (uint16_t)(off + ihl);
	f->src_mac = frame + 6;
	l4len = tot - ihl;

	if (ip->proto == PG_IPPROTO_UDP) {
		const struct pg_udp_hdr *udp;
		size_t ulen;

		if (len < f->l4_off + sizeof(*udp))
			return PG_FRAME_TRUNCATED;
		udp = (const struct pg_udp_hdr *)(frame + f->l4_off);
		ulen = ntohs(udp->len);
		if (ulen < 8 || ulen > l4len)
			return PG_FRAME_MALFORMED;
		l4hdr = 8;
		l4len = ulen;
		f->sport = ntohs(udp->sport);
		f->dport = ntohs(udp->dport);
		if ((check_csum & PG_FRAME_CSUM_L4) && captured_ok && !pg_udp_csum_ok(ip, udp))
			return PG_FRAME_BAD_CSUM;
	} else if (ip->proto == PG_IPPROTO_TCP) {
		const uint8_t *t = frame + f->l4_off;

		if (len < (size_t)f->l4_off + 20)
			return PG_FRAME_TRUNCATED;
		l4hdr = (size_t)(t[12] >> 4) * 4;
		if (l4hdr < 20 || l4hdr > l4len)
			return PG_FRAME_MALFORMED;
		if (len < f->l4_off + l4hdr)
			return PG_FRAME_TRUNCATED;
		f->sport = rd16(t);
		f->dport = rd16(t + 2);
	} else {
		return PG_FRAME_NOT_L4;
	}

	f->payload = frame + f->l4_off + l4hdr;
	f->wire_payload_len = (uint32_t)(l4len - l4hdr);
	{
		size_t have = len - (f->l4_off + l4hdr);
		f->payload_len = (uint32_t)(have < f->wire_payload_len ? have : f->wire_payload_len);
	}
	return PG_FRAME_OK;
}

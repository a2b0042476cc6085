/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP header and option parsing; the checksum. */
#include <errno.h>
#include <string.h>

#include "pkt.h"
#include "tcp_wire.h"

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void parse_opts(const uint8_t *o, unsigned int n, struct pg_tcp_seg *seg)
{
	unsigned int i = 0;

	while (i < n) {
		uint8_t kind = o[i], olen;

		if (kind == PG_TCPOPT_EOL)
			break;
		if (kind == PG_TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n)
			break;
		olen = o[i + 1];
		if (olen < 2 || i + olen > n)
			break;
		switch (kind) {
		case PG_TCPOPT_MSS:
			if (olen == 4 && (seg->flags & PG_TCP_SYN)) {
				seg->has_mss = 1;
				seg->mss = rd16(o + i + 2);
			}
			break;
		case PG_TCPOPT_WS:
			if (olen == 3 && (seg->flags & PG_TCP_SYN)) {
				seg->has_ws = 1;
				seg->ws = o[i + 2] > PG_TCP_WS_MAX ? PG_TCP_WS_MAX : o[i + 2];
			}
			break;
		case PG_TCPOPT_SACK_PERM:
			if (olen == 2 && (seg->flags & PG_TCP_SYN))
				seg->sack_perm = 1;
			break;
		case PG_TCPOPT_TS:
			if (olen == 10) {
				seg->has_ts = 1;
				seg->tsval = rd32(o + i + 2);
				seg->tsecr = rd32(o + i + 6);
			}
			break;
		case PG_TCPOPT_SACK:
			if (olen >= 10 && (olen - 2) % 8 == 0) {
				unsigned int k, nb = (olen - 2u) / 8u;

				for (k = 0; k < nb && seg->nsack < 4; k++) {
					seg->sack[seg->nsack][0] = rd32(o + i + 2 + 8 * k);
					seg->sack[seg->nsack][1] = rd32(o + i + 6 + 8 * k);
					seg->nsack++;
				}
			}
			break;
		default:
			break;
		}
		i += olen;
	}
}

int pg_tcp_parse(const uint8_t *tcp, size_t len, struct pg_tcp_seg *seg)
{
	unsigned int hl;

	if (len < 20)
		return -EINVAL;
	hl = (unsigned int)(tcp[12] >> 4) * 4u;
	if (hl < 20 || hl > len)
		return -EINVAL;
	memset(seg, 0, sizeof(*seg));
	seg->sport = rd16(tcp);
	seg->dport = rd16(tcp + 2);
	seg->seq = rd32(tcp + 4);
	seg->ack = rd32(tcp + 8);
	seg->flags = tcp[13];
	seg->wnd = rd16(tcp + 14);
	seg->hdr_len = (uint8_t)hl;
	parse_opts(tcp + 20, hl - 20, seg);
	seg->payload = tcp + hl;
	seg->len = (uint32_t)(len - hl);
	return 0;
}

uint16_t pg_tcp_csum(uint32_t saddr, uint32_t daddr, const void *tcp, uint32_t len)
{
	uint32_t sum;
	uint8_t ph[12];

	memcpy(ph, &saddr, 4);
	memcpy(ph + 4, &daddr, 4);
	ph[8] = 0;
	ph[9] = PG_IPPROTO_TCP;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	sum = pg_csum_partial(ph, sizeof(ph), 0);
	sum = pg_csum_partial(tcp, len, sum);
	return pg_csum_fold(sum);
}

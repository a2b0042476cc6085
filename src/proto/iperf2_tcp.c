/* SPDX-License-Identifier: BSD-3-Clause */
#include "iperf2_tcp.h"

#include <errno.h>
#include <string.h>

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t pg_i2_tcp_client_hdr(uint8_t hdr[PG_I2_TCP_HDR_MAX], const struct pg_i2_client_params *p)
{
	uint8_t udp[160];
	uint32_t len = p->trip_times ? PG_I2_TCP_HDRLEN_TRIP : PG_I2_TCP_HDRLEN;
	uint32_t flags = PG_I2_HEADER_EXTEND | PG_I2_HEADER_LEN_BIT | len << 1;
	struct pg_i2_client_params q = *p;

	/* The TCP header is the UDP one without the 16-byte seq/time block, with its own
	 * flags; the start block follows the extension directly (no isoch part). */
	q.trip_times = 0;
	q.buflen = p->buflen;
	pg_i2_udp_client_hdr(udp, &q);
	memset(hdr, 0, PG_I2_TCP_HDR_MAX);
	memcpy(hdr, udp + 16, 60);
	put32(hdr, flags);
	if (p->amount_bytes)
		put32(hdr + 20, (uint32_t)(p->amount_bytes & 0x7fffffffu));
	if (p->trip_times) {
		hdr[32] = 0;
		hdr[33] = PG_I2_U_TRIPTIME;
		put32(hdr + 64, (uint32_t)(p->start_ns / 1000000000u));
		put32(hdr + 68, (uint32_t)(p->start_ns % 1000000000u / 1000u));
	}
	return len;
}

int pg_i2_tcp_hdrlen(const uint8_t first4[4])
{
	uint32_t flags = get32(first4), len;

	if (!(flags & PG_I2_HEADER_LEN_BIT) || !(flags & PG_I2_HEADER_EXTEND))
		return 4;
	len = (flags & PG_I2_HEADER_LEN_MASK) >> 1;
	return len >= 24 && len <= PG_I2_TCP_HDR_MAX ? (int)len : -1;
}

int pg_i2_tcp_parse_hdr(const uint8_t *hdr, uint32_t len, struct pg_i2_tcp_info *info)
{
	memset(info, 0, sizeof(*info));
	if (len < 4)
		return -EINVAL;
	info->flags = get32(hdr);
	if (pg_i2_tcp_hdrlen(hdr) < 0)
		return -EINVAL;
	info->hdrlen = (uint32_t)pg_i2_tcp_hdrlen(hdr);
	if (info->hdrlen == 4) {
		info->hdrlen = 0; /* no header: every byte is data */
		info->num_threads = 1;
		return 0;
	}
	if (len < info->hdrlen || info->hdrlen < 24)
		return -EINVAL;
	info->num_threads = get32(hdr + 4);
	info->buflen = get32(hdr + 12);
	info->amount = (int32_t)get32(hdr + 20);
	if (info->hdrlen >= 44) {
		info->upper = (uint16_t)(hdr[32] << 8 | hdr[33]);
		info->version_u = get32(hdr + 36);
		info->version_l = get32(hdr + 40);
	}
	if ((info->upper & PG_I2_U_TRIPTIME) && info->hdrlen >= 72) {
		info->trip_times = 1;
		info->start_ns = (uint64_t)get32(hdr + 64) * 1000000000u + (uint64_t)get32(hdr + 68) * 1000u;
	}
	if (info->flags & (PG_I2_HEADER_VERSION1 | PG_I2_HEADER_BOUNCEBACK) ||
	    info->upper & (PG_I2_U_REVERSE | PG_I2_U_FULLDUPLEX))
		info->unsupported = 1;
	info->send_ack = ((info->flags & PG_I2_HEADER_EXTEND) && !(info->flags & PG_I2_HEADER_VERSION2)) ||
			 (info->flags & PG_I2_HEADER_V2PEERDETECT);
	if (!info->num_threads)
		info->num_threads = 1;
	return 0;
}

uint32_t pg_i2_tcp_server_ack(uint8_t out[PG_I2_TCP_ACK_LEN])
{
	memset(out, 0, PG_I2_TCP_ACK_LEN);
	put32(out, 2);                       /* CLIENTHDRACK */
	put32(out + 4, PG_I2_TCP_ACK_LEN);
	put32(out + 12, PG_I2_VERSION_U);
	put32(out + 16, PG_I2_VERSION_L);
	return PG_I2_TCP_ACK_LEN;
}

void pg_i2_tcp_write_image(uint8_t *img, uint32_t buflen, const uint8_t *hdr, uint32_t hdrlen)
{
	uint32_t i;

	for (i = 0; i < buflen; i++)
		img[i] = (uint8_t)('0' + i % 10);
	memcpy(img, hdr, hdrlen < buflen ? hdrlen : buflen);
}

void pg_i2_tcp_fill(const uint8_t *img, uint32_t hdrlen, uint32_t buflen, uint64_t off,
		    uint8_t *dst, uint32_t len)
{
	while (len) {
		uint32_t n;

		if (off < hdrlen) {
			n = (uint32_t)(hdrlen - off);
			if (n > len)
				n = len;
			memcpy(dst, img + off, n); /* the image starts with the header */
		} else {
			uint32_t o = (uint32_t)((off - hdrlen) % buflen); /* once per segment */

			n = buflen - o;
			if (n > len)
				n = len;
			memcpy(dst, img + o, n);
		}
		dst += n;
		off += n;
		len -= n;
	}
}

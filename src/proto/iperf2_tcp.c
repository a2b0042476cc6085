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
	if (p->peer_detect)
		flags |= PG_I2_HEADER_V2PEERDETECT;
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

static void put_time(uint8_t *p, uint64_t ns)
{
	put32(p, (uint32_t)(ns / 1000000000u));
	put32(p + 4, (uint32_t)(ns % 1000000000u / 1000u));
}

static int get_time(const uint8_t *p, uint64_t *ns)
{
	uint32_t usec = get32(p + 4);

	if (usec >= 1000000u)
		return -EINVAL;
	*ns = (uint64_t)get32(p) * 1000000000u + (uint64_t)usec * 1000u;
	return 0;
}

uint32_t pg_i2_tcp_server_ack_trip(uint8_t out[PG_I2_TCP_ACK_LEN_TRIP], uint64_t client_start_ns,
				   uint64_t accept_ns, uint64_t send_ns)
{
	memset(out, 0, PG_I2_TCP_ACK_LEN_TRIP);
	pg_i2_tcp_server_ack(out);
	put32(out + 4, PG_I2_TCP_ACK_LEN_TRIP);
	put_time(out + 28, client_start_ns);
	put_time(out + 36, accept_ns);
	put_time(out + 44, send_ns);
	return PG_I2_TCP_ACK_LEN_TRIP;
}

int pg_i2_tcp_parse_ack(const uint8_t *p, uint32_t len, uint32_t *version_u, uint32_t *version_l)
{
	uint32_t l;

	if (len < 8)
		return 0;
	l = get32(p + 4);
	if (get32(p) != 2 || (l != PG_I2_TCP_ACK_LEN && l != PG_I2_TCP_ACK_LEN_TRIP))
		return -EINVAL;
	if (len < 20)
		return 0;
	*version_u = get32(p + 12);
	*version_l = get32(p + 16);
	return (int)l;
}

int pg_i2_tcp_parse_burst(const uint8_t *b, uint32_t len, struct pg_i2_tcp_burst *out)
{
	if (len < PG_I2_TCP_BURST_PARSE)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (get_time(b + 12, &out->start_ns) || get_time(b + 20, &out->write_ns))
		return -EINVAL;
	out->id = get32(b + 44);
	out->size = get32(b + 48);
	if (out->size < PG_I2_TCP_BURST_HDR || out->size > (1u << 30))
		return -EINVAL;
	return 0;
}

/* Burst k's 92-byte header: stale header bytes, then its fields (capture-verified). */
static void burst_hdr(uint8_t bh[PG_I2_TCP_BURST_HDR], const uint8_t *hdr, uint32_t hdrlen,
		      uint32_t bsize, uint64_t start_ns, uint64_t write_ns, uint64_t k)
{
	memset(bh, 0, PG_I2_TCP_BURST_HDR);
	memcpy(bh, hdr, hdrlen < 80 ? hdrlen : 80);
	put_time(bh + 12, start_ns);
	put_time(bh + 20, write_ns);
	put32(bh + 44, (uint32_t)(k + 1));
	put32(bh + 48, bsize);
	/* Running counter, unused by servers; 2.1.8 sends (k + 1) * size + 2 (as captured). */
	put32(bh + 52, (uint32_t)((k + 1) * bsize + 2));
	put32(bh + 56, (uint32_t)(((k + 1) * bsize + 2) >> 32));
	memset(bh + 60, 0, 4);
}

void pg_i2_tcp_fill_trip(const uint8_t *hdr, uint32_t hdrlen, uint32_t bsize, uint64_t start_ns,
			 const uint64_t *wt, uint32_t wt_mask, uint64_t off, uint8_t *dst,
			 uint32_t len)
{
	uint8_t bh[PG_I2_TCP_BURST_HDR];
	uint64_t hk = UINT64_MAX;

	while (len) {
		uint32_t n, pos, i;
		uint64_t k;

		if (off < hdrlen) {
			n = (uint32_t)(hdrlen - off);
			if (n > len)
				n = len;
			memcpy(dst, hdr + off, n);
			goto next;
		}
		k = (off - hdrlen) / bsize; /* once per burst piece */
		pos = (uint32_t)(off - hdrlen - k * bsize);
		n = bsize - pos;
		if (n > len)
			n = len;
		if (k != hk) {
			burst_hdr(bh, hdr, hdrlen, bsize, start_ns, wt[k & wt_mask], k);
			hk = k;
		}
		for (i = 0; i < n && pos + i < 2 * PG_I2_TCP_BURST_HDR; i++)
			dst[i] = bh[(pos + i) % PG_I2_TCP_BURST_HDR];
		for (; i < n && pos + i < 336; i++)
			dst[i] = 0;
		if (i < n) {
			uint8_t d = (uint8_t)((pos + i - 92) % 10);

			for (; i < n; i++) {
				dst[i] = (uint8_t)('0' + d);
				d = d == 9 ? 0 : (uint8_t)(d + 1);
			}
		}
next:
		dst += n;
		off += n;
		len -= n;
	}
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

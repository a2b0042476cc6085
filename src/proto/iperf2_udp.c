/* SPDX-License-Identifier: BSD-3-Clause */
#include "iperf2.h"

#include <errno.h>
#include <math.h>

static inline void put32(uint8_t *p, uint32_t v)
{
	v = htonl(v);
	memcpy(p, &v, 4);
}

static inline uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t pg_i2_udp_client_hdr(uint8_t hdr[160], const struct pg_i2_client_params *p)
{
	struct pg_i2_udp_hdr h;
	uint32_t flags = PG_I2_HEADER_EXTEND | PG_I2_HEADER_SEQNO64B | PG_I2_HEADER_LEN_BIT;
	uint16_t upper = 0;
	uint32_t hdrlen = PG_I2_UDP_HDRLEN_BASE;
	int32_t amount;

	memset(&h, 0, sizeof(h));
	if (p->trip_times && p->buflen && p->buflen < 128) {
		/* iperf 2.1.8's "small trip-times": only 0x0002 at offset 16, the server takes the
		 * first datagram's send time as the start (iperf-wire.md 2.1) */
		memcpy(hdr, &h, sizeof(h));
		hdr[16] = 0;
		hdr[17] = 2;
		return PG_I2_UDP_SEQ_LEN + 4;
	}
	if (p->trip_times) {
		flags |= PG_I2_HEADER_UDPTESTS;
		upper |= PG_I2_U_TRIPTIME;
		hdrlen = PG_I2_UDP_HDRLEN_TRIP;
		h.start_tv_sec = htonl((uint32_t)(p->start_ns / 1000000000u));
		h.start_tv_usec = htonl((uint32_t)(p->start_ns % 1000000000u / 1000u));
	}
	if (p->rate_pps)
		upper |= PG_I2_U_UNITS_PPS;
	flags |= hdrlen << 1;

	if (p->amount_bytes)
		amount = (int32_t)(p->amount_bytes & 0x7fffffffu);
	else
		amount = -(int32_t)(p->duration_cs > 0x7fffffffu ? 0x7fffffffu : p->duration_cs);

	h.flags = htonl(flags);
	h.num_threads = htonl(p->num_threads);
	h.mport = htonl(p->server_port);
	h.buflen = htonl(p->buflen);
	h.amount = (int32_t)htonl((uint32_t)amount);
	h.upperflags = htons(upper);
	h.version_u = htonl(PG_I2_VERSION_U);
	h.version_l = htonl(PG_I2_VERSION_L);
	h.tos = htons(p->tos);
	h.rate_l = htonl((uint32_t)p->rate);
	h.rate_u = htonl((uint32_t)((p->rate >> 32) << 8));
	memcpy(hdr, &h, sizeof(h));
	return hdrlen;
}

void pg_i2_pattern_fill(uint8_t *payload, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len && i < 160; i++)
		payload[i] = 0;
	for (; i < len; i++)
		payload[i] = (uint8_t)('0' + i % 10);
}

enum pg_i2_parse_err pg_i2_udp_parse_hdr(const uint8_t *payload, uint32_t len,
					 struct pg_i2_udp_info *info)
{
	uint32_t flags;

	memset(info, 0, sizeof(*info));
	if (len < PG_I2_UDP_SEQ_LEN)
		return PG_I2_E_SHORT;
	if (len < 20) {
		info->legacy = 1;
		return PG_I2_OK;
	}
	flags = get32(payload + 16);
	info->flags = flags;

	/* "Small trip-times": only 0x0002 in bytes 16..17, nothing else follows. */
	if ((flags & 0xffff0000u) == PG_I2_HEADER32_SMALL_TRIPTIMES) {
		info->small_trip = 1;
		info->trip_times = 1;
		info->seq64 = 0;
		return PG_I2_OK;
	}
	if (flags == 0) {
		info->legacy = 1;
		return PG_I2_OK;
	}
	if (len < 40)
		return PG_I2_E_HDRLEN;
	info->num_threads = get32(payload + 20);
	info->buflen = get32(payload + 28);
	info->amount = (int32_t)get32(payload + 36);
	info->seq64 = !!(flags & PG_I2_HEADER_SEQNO64B);
	if (flags & (PG_I2_HEADER_VERSION1 | PG_I2_HEADER_BOUNCEBACK | PG_I2_HEADER_VERSION2))
		info->unsupported = 1;
	if (flags & PG_I2_HEADER_LEN_BIT) {
		info->hdrlen = (flags & PG_I2_HEADER_LEN_MASK) >> 1;
		/* Headers iperf2 announces are 16 + 24 at the least and fit the 160-byte area. */
		if (info->hdrlen < 40 || info->hdrlen > 160 || info->hdrlen > len)
			return PG_I2_E_HDRLEN;
	}
	if (flags & PG_I2_HEADER_EXTEND) {
		if (len < PG_I2_UDP_HDRLEN_BASE)
			return PG_I2_E_HDRLEN;
		info->has_ext = 1;
		info->upper = get16(payload + 48);
		info->version_u = get32(payload + 52);
		info->version_l = get32(payload + 56);
		info->rate = get32(payload + 64) | ((uint64_t)(get32(payload + 68) >> 8) << 32);
		if (info->upper & PG_I2_U_TRIPTIME) {
			if (len < PG_I2_UDP_HDRLEN_TRIP)
				return PG_I2_E_HDRLEN;
			info->trip_times = 1;
			/* The start time sits past the announced 108 bytes (at 112..119);
			 * iperf2 sends it whenever the datagram is long enough. */
			if (len >= 120)
				info->start_ns = (uint64_t)get32(payload + 112) * 1000000000u +
						 (uint64_t)get32(payload + 116) * 1000u;
		}
		if (info->upper & (PG_I2_U_REVERSE | PG_I2_U_FULLDUPLEX))
			info->unsupported = 1;
	}
	return PG_I2_OK;
}

/* Seconds as (whole, microseconds) 32-bit pair at p, as iperf2 writes them. */
static void put_s(uint8_t *p, double v)
{
	double w;

	/* Clamp to what the 32-bit wire field holds (and NaN to 0). */
	if (!(v > -2147483648.0))
		v = v != v ? 0 : -2147483648.0;
	if (v > 2147483647.0)
		v = 2147483647.0;
	w = floor(v);

	put32(p, (uint32_t)(int32_t)w);
	put32(p + 4, (uint32_t)(int32_t)((v - w) * 1e6));
}

void pg_i2_ackfin_encode(struct pg_i2_ackfin *a, const struct pg_i2_report *r)
{
	uint8_t *b = (uint8_t *)a;

	memset(a, 0, sizeof(*a));
	put32(b + 16, r->flags);
	put32(b + 20, (uint32_t)(r->bytes >> 32));
	put32(b + 24, (uint32_t)r->bytes);
	put_s(b + 28, r->duration_s);
	put32(b + 36, (uint32_t)r->errors);
	put32(b + 40, (uint32_t)r->outorder);
	put32(b + 44, (uint32_t)r->datagrams);
	put_s(b + 48, r->jitter_s);
	if (r->has_transit) {
		put_s(b + 56, r->min_transit_s);
		put_s(b + 64, r->max_transit_s);
		put_s(b + 72, r->sum_transit_s);
		put_s(b + 80, r->mean_transit_s);
		put_s(b + 88, r->m2_transit_s * 1e12); /* iperf2 sends M2 in us^2 */
		put_s(b + 96, r->vd_transit_s);
		put32(b + 104, r->cnt_transit);
		put32(b + 108, r->ipg_cnt);
		put32(b + 112, 1);
	}
	put32(b + 116, (uint32_t)(r->errors >> 32));
	put32(b + 120, (uint32_t)(r->outorder >> 32));
	put32(b + 124, (uint32_t)(r->datagrams >> 32));
}

static double join_s(const uint8_t *p)
{
	return (double)(int32_t)get32(p) + (double)(int32_t)get32(p + 4) / 1e6;
}

int pg_i2_ackfin_decode(const uint8_t *buf, size_t len, struct pg_i2_report *r)
{
	memset(r, 0, sizeof(*r));
	if (len < 56)
		return -EINVAL;
	r->flags = get32(buf + 16);
	r->bytes = (uint64_t)get32(buf + 20) << 32 | get32(buf + 24);
	r->duration_s = join_s(buf + 28);
	r->errors = get32(buf + 36);
	r->outorder = get32(buf + 40);
	r->datagrams = get32(buf + 44);
	r->jitter_s = join_s(buf + 48);
	if (len >= 116 && (r->flags & PG_I2_SERVER_EXTEND)) {
		r->has_transit = 1;
		r->min_transit_s = join_s(buf + 56);
		r->max_transit_s = join_s(buf + 64);
		r->sum_transit_s = join_s(buf + 72);
		r->mean_transit_s = join_s(buf + 80);
		r->m2_transit_s = join_s(buf + 88) / 1e12;
		r->vd_transit_s = join_s(buf + 96);
		r->cnt_transit = get32(buf + 104);
		r->ipg_cnt = get32(buf + 108);
	}
	if (len >= 128 && (r->flags & PG_I2_HEADER_SEQNO64B)) {
		r->errors |= (uint64_t)get32(buf + 116) << 32;
		r->outorder |= (uint64_t)get32(buf + 120) << 32;
		r->datagrams |= (uint64_t)get32(buf + 124) << 32;
	}
	return 0;
}

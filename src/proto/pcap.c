/* SPDX-License-Identifier: BSD-3-Clause */
#include "pcap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define NG_SHB 0x0A0D0D0Au
#define NG_IDB 0x00000001u
#define NG_SPB 0x00000003u
#define NG_EPB 0x00000006u
#define NG_BOM 0x1A2B3C4Du

static uint32_t sw32(uint32_t v, int swap)
{
	return swap ? __builtin_bswap32(v) : v;
}

static uint16_t sw16(uint16_t v, int swap)
{
	return swap ? __builtin_bswap16(v) : v;
}

/* One reader per stream: no stdio locking (two reads per record are the hot path). */
static int read_exact(FILE *f, void *b, size_t n)
{
	return fread_unlocked(b, 1, n, f) == n ? 0 : -1;
}

static int ensure_buf(struct pg_pcap *p, size_t n)
{
	uint8_t *b;

	if (n <= p->buflen)
		return 0;
	b = realloc(p->buf, n);
	if (!b)
		return -ENOMEM;
	p->buf = b;
	p->buflen = n;
	return 0;
}

/* Parses an IDB body: link type and if_tsresol (option 9). */
static void ng_idb(struct pg_pcap *p, const uint8_t *b, size_t len)
{
	uint16_t lt;
	size_t off = 8;
	uint64_t tick_ps = 1000000; /* default 10^-6 s */

	if (len < 8 || p->nb_if >= PG_PCAP_MAX_IF) {
		p->bad_records++;
		return;
	}
	memcpy(&lt, b, 2);
	lt = sw16(lt, p->swap);
	while (off + 4 <= len) {
		uint16_t code, olen;

		memcpy(&code, b + off, 2);
		memcpy(&olen, b + off + 2, 2);
		code = sw16(code, p->swap);
		olen = sw16(olen, p->swap);
		off += 4;
		if (code == 0 || off + olen > len)
			break;
		if (code == 9 && olen >= 1) {
			uint8_t r = b[off];
			unsigned int e = r & 0x7f;
			uint64_t ps = 0;

			if (!(r & 0x80) && e <= 12) {
				ps = 1000000000000ull;
				while (e--)
					ps /= 10;
			} else if ((r & 0x80) && e <= 40) {
				/* 2^-e s: only resolutions down to 1 ps are representable */
				ps = (uint64_t)(1000000000000.0 / (double)(1ull << (e > 40 ? 40 : e)));
			}
			tick_ps = ps;
		}
		off += (size_t)(olen + 3) & ~(size_t)3;
	}
	p->if_link[p->nb_if] = lt;
	p->if_tick_ps[p->nb_if] = tick_ps;
	p->nb_if++;
}

static struct pg_pcap *open_common(FILE *f, int own)
{
	struct pg_pcap *p = calloc(1, sizeof(*p));
	uint32_t magic;
	uint8_t hdr[24];

	if (!p)
		return NULL;
	p->f = f;
	p->own = own;
	if (read_exact(f, &magic, 4))
		goto bad;
	if (magic == NG_SHB) {
		uint32_t blen, bom;

		p->ng = 1;
		if (read_exact(f, &blen, 4) || read_exact(f, &bom, 4))
			goto bad;
		if (bom == NG_BOM)
			p->swap = 0;
		else if (bom == __builtin_bswap32(NG_BOM))
			p->swap = 1;
		else
			goto bad;
		blen = sw32(blen, p->swap);
		if (blen < 28 || blen > PG_PCAP_MAX_SNAP || (blen & 3))
			goto bad;
		if (ensure_buf(p, blen) || read_exact(f, p->buf, blen - 12))
			goto bad;
		return p;
	}
	memcpy(hdr, &magic, 4);
	if (read_exact(f, hdr + 4, 20))
		goto bad;
	switch (magic) {
	case 0xa1b2c3d4: break;
	case 0xd4c3b2a1: p->swap = 1; break;
	case 0xa1b23c4d: p->nsec = 1; break;
	case 0x4d3cb2a1: p->swap = 1; p->nsec = 1; break;
	default: goto bad;
	}
	{
		uint32_t lt;

		memcpy(&lt, hdr + 20, 4);
		p->linktype = sw32(lt, p->swap) & 0x0fffffff;
	}
	if (ensure_buf(p, 65536))
		goto bad;
	return p;
bad:
	free(p->buf);
	free(p);
	errno = EINVAL;
	return NULL;
}

struct pg_pcap *pg_pcap_open(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	struct pg_pcap *p;

	if (!f)
		return NULL;
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	p = open_common(f, f != stdin);
	if (!p && f != stdin) {
		int e = errno;

		fclose(f);
		errno = e;
	}
	return p;
}

struct pg_pcap *pg_pcap_open_stream(FILE *f)
{
	return open_common(f, 0);
}

static int next_classic(struct pg_pcap *p, struct pg_pcap_pkt *pkt)
{
	uint32_t h[4];
	size_t got = fread_unlocked(h, 1, sizeof(h), p->f);

	if (got == 0)
		return 0;
	if (got != sizeof(h))
		return -EINVAL;
	pkt->caplen = sw32(h[2], p->swap);
	pkt->wirelen = sw32(h[3], p->swap);
	if (pkt->caplen > PG_PCAP_MAX_SNAP)
		return -EINVAL;
	if (ensure_buf(p, pkt->caplen ? pkt->caplen : 1) || read_exact(p->f, p->buf, pkt->caplen))
		return -EINVAL;
	pkt->data = p->buf;
	pkt->linktype = p->linktype;
	pkt->ts_ns = (uint64_t)sw32(h[0], p->swap) * 1000000000ull +
		     (uint64_t)sw32(h[1], p->swap) * (p->nsec ? 1u : 1000u);
	return 1;
}

static int next_ng(struct pg_pcap *p, struct pg_pcap_pkt *pkt)
{
	for (;;) {
		uint32_t h[2], type, blen, body;
		size_t got = fread_unlocked(h, 1, sizeof(h), p->f);

		if (got == 0)
			return 0;
		if (got != sizeof(h))
			return -EINVAL;
		type = sw32(h[0], p->swap);
		blen = sw32(h[1], p->swap);
		if (blen < 12 || (blen & 3) || blen > PG_PCAP_MAX_SNAP + 64)
			return -EINVAL;
		body = blen - 12;
		if (ensure_buf(p, (size_t)blen) || read_exact(p->f, p->buf, body + 4))
			return -EINVAL;
		if (type == NG_SHB) {
			/* A new section: byte order and interfaces start over. */
			uint32_t bom;

			if (body < 16)
				return -EINVAL;
			memcpy(&bom, p->buf, 4);
			if (bom == NG_BOM)
				p->swap = 0;
			else if (bom == __builtin_bswap32(NG_BOM))
				p->swap = 1;
			else
				return -EINVAL;
			p->nb_if = 0;
			continue;
		}
		if (type == NG_IDB) {
			ng_idb(p, p->buf, body);
			continue;
		}
		if (type == NG_EPB) {
			uint32_t w[5], ifc;
			uint64_t ts;

			if (body < 20)
				return -EINVAL;
			memcpy(w, p->buf, 20);
			ifc = sw32(w[0], p->swap);
			pkt->caplen = sw32(w[3], p->swap);
			pkt->wirelen = sw32(w[4], p->swap);
			if (ifc >= p->nb_if || pkt->caplen > body - 20 || !p->if_tick_ps[ifc]) {
				p->bad_records++;
				continue;
			}
			ts = (uint64_t)sw32(w[1], p->swap) << 32 | sw32(w[2], p->swap);
			pkt->ts_ns = (uint64_t)((unsigned __int128)ts * p->if_tick_ps[ifc] / 1000u);
			pkt->data = p->buf + 20;
			pkt->linktype = p->if_link[ifc];
			return 1;
		}
		if (type == NG_SPB) {
			uint32_t w;

			if (body < 4 || !p->nb_if) {
				p->bad_records++;
				continue;
			}
			memcpy(&w, p->buf, 4);
			pkt->wirelen = sw32(w, p->swap);
			pkt->caplen = pkt->wirelen < body - 4 ? pkt->wirelen : body - 4;
			pkt->ts_ns = 0;
			pkt->data = p->buf + 4;
			pkt->linktype = p->if_link[0];
			return 1;
		}
		/* Other blocks (NRB, ISB, custom): skipped. */
	}
}

int pg_pcap_next(struct pg_pcap *p, struct pg_pcap_pkt *pkt)
{
	return p->ng ? next_ng(p, pkt) : next_classic(p, pkt);
}

void pg_pcap_close(struct pg_pcap *p)
{
	if (!p)
		return;
	if (p->own)
		fclose(p->f);
	free(p->buf);
	free(p);
}

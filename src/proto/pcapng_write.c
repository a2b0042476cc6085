/* SPDX-License-Identifier: BSD-3-Clause */
#include "pcapng_write.h"

#include <errno.h>
#include <string.h>

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u

static long put(FILE *f, const void *p, size_t n)
{
	return fwrite(p, 1, n, f) == n ? (long)n : -EIO;
}

static uint32_t pad4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

long pg_pcapng_write_header(FILE *f, uint32_t snaplen, const char *ifname)
{
	uint8_t b[128];
	uint32_t v, len, namelen = (uint32_t)(ifname ? strlen(ifname) : 0), off;
	uint16_t h;
	uint64_t sec_len = UINT64_MAX; /* unknown */
	long rc, total;

	if (namelen > 32)
		namelen = 32;
	/* SHB: type, len, magic, version 1.0, section length, (no options), len */
	len = 28;
	off = 0;
	v = BT_SHB; memcpy(b + off, &v, 4); off += 4;
	memcpy(b + off, &len, 4); off += 4;
	v = 0x1A2B3C4D; memcpy(b + off, &v, 4); off += 4;
	h = 1; memcpy(b + off, &h, 2); off += 2;
	h = 0; memcpy(b + off, &h, 2); off += 2;
	memcpy(b + off, &sec_len, 8); off += 8;
	memcpy(b + off, &len, 4); off += 4;
	rc = put(f, b, off);
	if (rc < 0)
		return rc;
	total = rc;

	/* IDB: linktype 1, snaplen, options if_name (2), if_tsresol (9) = 9, opt_endofopt */
	len = 20 + 4 + 4 + (namelen ? 4 + pad4(namelen) : 0) + 4;
	off = 0;
	memset(b, 0, sizeof(b));
	v = BT_IDB; memcpy(b + off, &v, 4); off += 4;
	memcpy(b + off, &len, 4); off += 4;
	h = 1; memcpy(b + off, &h, 2); off += 2;     /* LINKTYPE_ETHERNET */
	h = 0; memcpy(b + off, &h, 2); off += 2;
	memcpy(b + off, &snaplen, 4); off += 4;
	if (namelen) {
		h = 2; memcpy(b + off, &h, 2); off += 2;
		h = (uint16_t)namelen; memcpy(b + off, &h, 2); off += 2;
		memcpy(b + off, ifname, namelen);
		off += pad4(namelen);
	}
	h = 9; memcpy(b + off, &h, 2); off += 2;     /* if_tsresol */
	h = 1; memcpy(b + off, &h, 2); off += 2;
	b[off] = 9; off += 4;                        /* 10^-9 s, padded */
	off += 4;                                    /* opt_endofopt */
	memcpy(b + off, &len, 4); off += 4;
	rc = put(f, b, off);
	return rc < 0 ? rc : total + rc;
}

long pg_pcapng_write_packet(FILE *f, uint64_t ts_ns, const uint8_t *data, uint32_t caplen,
			    uint32_t wirelen, enum pg_pcapng_dir dir)
{
	uint8_t hdr[28], tail[16];
	uint32_t v, len, tl = 0;
	uint16_t h;
	static const uint8_t zero[4];
	long rc;

	if (caplen > wirelen)
		wirelen = caplen;
	len = 28 + pad4(caplen) + (dir ? 12 : 0) + 4;
	v = BT_EPB; memcpy(hdr, &v, 4);
	memcpy(hdr + 4, &len, 4);
	v = 0; memcpy(hdr + 8, &v, 4);               /* interface 0 */
	v = (uint32_t)(ts_ns >> 32); memcpy(hdr + 12, &v, 4);
	v = (uint32_t)ts_ns; memcpy(hdr + 16, &v, 4);
	memcpy(hdr + 20, &caplen, 4);
	memcpy(hdr + 24, &wirelen, 4);
	if (dir) {
		h = 2; memcpy(tail, &h, 2);          /* epb_flags */
		h = 4; memcpy(tail + 2, &h, 2);
		v = (uint32_t)dir; memcpy(tail + 4, &v, 4);
		v = 0; memcpy(tail + 8, &v, 4);       /* opt_endofopt */
		tl = 12;
	}
	memcpy(tail + tl, &len, 4);
	tl += 4;
	if ((rc = put(f, hdr, sizeof(hdr))) < 0 || (rc = put(f, data, caplen)) < 0 ||
	    (rc = put(f, zero, pad4(caplen) - caplen)) < 0 || (rc = put(f, tail, tl)) < 0)
		return rc;
	return (long)len;
}

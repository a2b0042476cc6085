/* SPDX-License-Identifier: BSD-3-Clause */
#include "rewrite.h"
#include "pkt.h"

#include <string.h>

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Patches the checksum at csum for a 32-bit field that changes from old to new (BE). */
static void patch32(uint8_t *csum, const uint8_t *old, const uint8_t *new_)
{
	uint16_t c = get16(csum);

	c = pg_csum_update16(c, get16(old), get16(new_));
	c = pg_csum_update16(c, get16(old + 2), get16(new_ + 2));
	put16(csum, c);
}

static void set_addr(uint8_t *frame, uint32_t len, uint32_t ip_off, uint32_t l4_off, int l4_csum,
		     uint32_t field, uint32_t addr_be)
{
	uint8_t *a = frame + ip_off + field;
	uint8_t n[4];

	memcpy(n, &addr_be, 4);
	if (!memcmp(a, n, 4))
		return;
	patch32(frame + ip_off + 10, a, n);
	if (l4_csum && l4_off + (uint32_t)l4_csum + 2 <= len) {
		uint8_t *c = frame + l4_off + l4_csum;

		/* UDP checksum 0 means "none"; a result of 0 is sent as 0xffff */
		if (l4_csum != 6 || get16(c) != 0) {
			patch32(c, a, n);
			if (l4_csum == 6 && get16(c) == 0)
				put16(c, 0xffff);
		}
	}
	memcpy(a, n, 4);
}

/* Recomputes the IPv4 header checksum and, for a complete unfragmented TCP/UDP datagram,
 * its checksum over the pseudo-header. */
static void fix_csums(uint8_t *frame, uint32_t len, uint32_t off, uint32_t ihl, int l4_csum)
{
	uint32_t tot = get16(frame + off + 2), l4len, sum;
	uint8_t *c;

	put16(frame + off + 10, 0);
	put16(frame + off + 10, pg_csum_fold(pg_csum_partial(frame + off, ihl, 0)));
	if (!l4_csum || tot < ihl || off + tot > len || (get16(frame + off + 6) & 0x2000))
		return;
	l4len = tot - ihl;
	if (l4len < (uint32_t)l4_csum + 2)
		return;
	c = frame + off + ihl + l4_csum;
	put16(c, 0);
	sum = pg_csum_partial(frame + off + 12, 8, 0);          /* addresses */
	sum += frame[off + 9] + l4len;                           /* zero, proto, length */
	sum = pg_csum_partial(frame + off + ihl, l4len, sum);
	put16(c, pg_csum_fold(sum));
	if (l4_csum == 6 && get16(c) == 0)
		put16(c, 0xffff);
}

int pg_frame_rewrite(uint8_t *frame, uint32_t len, const struct pg_rewrite *rw)
{
	uint32_t off = 12, ihl, l4_off;
	uint16_t et;
	int l4_csum = 0;

	if (len < 14)
		return 0;
	if (rw->set_dmac)
		memcpy(frame, rw->dmac, 6);
	if (rw->set_smac)
		memcpy(frame + 6, rw->smac, 6);
	if (!rw->set_sip && !rw->set_dip && !rw->fix_csum)
		return 0;
	et = get16(frame + off);
	while ((et == 0x8100 || et == 0x88a8) && off + 6 <= len) {
		off += 4;
		et = get16(frame + off);
	}
	off += 2;
	if (et != 0x0800 || off + 20 > len || (frame[off] >> 4) != 4)
		return 0;
	ihl = (uint32_t)(frame[off] & 0x0f) * 4;
	if (ihl < 20 || off + ihl > len)
		return 0;
	l4_off = off + ihl;
	/* only the first fragment carries the L4 header */
	if ((get16(frame + off + 6) & 0x1fff) == 0) {
		if (frame[off + 9] == 17)
			l4_csum = 6;
		else if (frame[off + 9] == 6)
			l4_csum = 16;
	}
	if (rw->set_sip)
		set_addr(frame, len, off, l4_off, l4_csum, 12, rw->sip);
	if (rw->set_dip)
		set_addr(frame, len, off, l4_off, l4_csum, 16, rw->dip);
	if (rw->fix_csum)
		fix_csums(frame, len, off, ihl, l4_csum);
	return 1;
}

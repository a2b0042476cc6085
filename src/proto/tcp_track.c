/* SPDX-License-Identifier: BSD-3-Clause */
#include "tcp_track.h"

#include <string.h>

void pg_tcp_track_init(struct pg_tcp_track *t, uint32_t seq, unsigned int flags)
{
	memset(t, 0, sizeof(*t));
	t->syn_seen = !!(flags & PG_TCP_F_SYN);
	t->isn = t->syn_seen ? seq + 1 : seq;
	t->last_seq64 = 0;
	t->started = 1;
}

/*
 * Offset of seq, unwrapped near the last segment's offset (windows are far below 2^31).
 * -1 for bytes before the stream's start (a keepalive probe, a stray segment).
 */
static int64_t unwrap(const struct pg_tcp_track *t, uint32_t seq)
{
	uint32_t rel = seq - t->isn;
	int32_t d = (int32_t)(rel - (uint32_t)t->last_seq64);
	int64_t o = (int64_t)t->last_seq64 + d;

	return o < 0 ? -1 : o;
}

static void hole_add(struct pg_tcp_track *t, uint64_t lo, uint64_t hi)
{
	if (t->nb_holes == PG_TCP_TRACK_HOLES) {
		/* forget the oldest hole: a later repair of it counts as a retransmission */
		memmove(&t->hole[0], &t->hole[1], sizeof(t->hole[0]) * (PG_TCP_TRACK_HOLES - 1));
		t->nb_holes--;
		t->holes_lost++;
	}
	t->hole[t->nb_holes].lo = lo;
	t->hole[t->nb_holes].hi = hi;
	t->nb_holes++;
}

/* Bytes of [lo, hi) that fill holes; the holes shrink or split accordingly. */
static uint64_t fill_holes(struct pg_tcp_track *t, uint64_t lo, uint64_t hi)
{
	uint64_t got = 0;
	uint32_t i = 0;

	while (i < t->nb_holes) {
		uint64_t hl = t->hole[i].lo, hh = t->hole[i].hi;
		uint64_t a = lo > hl ? lo : hl, b = hi < hh ? hi : hh;

		if (a >= b) {
			i++;
			continue;
		}
		got += b - a;
		if (a == hl && b == hh) { /* filled */
			memmove(&t->hole[i], &t->hole[i + 1], sizeof(t->hole[0]) * (t->nb_holes - i - 1));
			t->nb_holes--;
			continue;
		}
		if (a == hl) {
			t->hole[i].lo = b;
		} else if (b == hh) {
			t->hole[i].hi = a;
		} else { /* split: keep [hl, a), add [b, hh) */
			t->hole[i].hi = a;
			hole_add(t, b, hh);
		}
		i++;
	}
	return got;
}

static void keep_head(struct pg_tcp_track *t, uint64_t off, const uint8_t *data, uint32_t cap)
{
	uint64_t end = off + cap;

	if (!data || off > t->head_len || t->head_len >= PG_TCP_TRACK_HEAD || end <= t->head_len)
		return;
	if (end > PG_TCP_TRACK_HEAD)
		end = PG_TCP_TRACK_HEAD;
	memcpy(t->head + t->head_len, data + (t->head_len - off), (size_t)(end - t->head_len));
	t->head_len = (uint32_t)end;
}

uint64_t pg_tcp_track_seg(struct pg_tcp_track *t, uint32_t seq, unsigned int flags,
			  const uint8_t *data, uint32_t cap, uint32_t len)
{
	uint64_t off, end, fresh = 0;
	int64_t o;

	if (flags & PG_TCP_F_RST)
		t->rst = 1;
	if (flags & PG_TCP_F_SYN) {
		if (!t->syn_seen && !t->bytes) { /* the SYN after a mid-stream start: restart */
			pg_tcp_track_init(t, seq, flags);
		}
		seq++; /* the SYN takes one sequence number */
	}
	o = unwrap(t, seq);
	if (o < 0) {
		if (len) {
			t->retrans_segs++;
			t->retrans_bytes += len;
		}
		return 0;
	}
	off = (uint64_t)o;
	if (off > t->last_seq64)
		t->last_seq64 = off;
	if (cap > len)
		cap = len;
	end = off + len;
	if (len) {
		keep_head(t, off, data, cap);
		if (off >= t->hi) {
			if (off > t->hi)
				hole_add(t, t->hi, off);
			fresh = len;
			t->hi = end;
		} else {
			uint64_t above = end > t->hi ? end - t->hi : 0;
			uint64_t filled = fill_holes(t, off, end < t->hi ? end : t->hi);

			if (above)
				t->hi = end;
			fresh = above + filled;
			if (filled)
				t->ooo_segs++;
			if (fresh < len) {
				t->retrans_segs++;
				t->retrans_bytes += len - fresh;
			}
		}
		t->bytes += fresh;
	}
	if ((flags & PG_TCP_F_FIN) && !t->fin) {
		t->fin = 1;
		t->fin_off = end;
	}
	return fresh;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the TCP engine's input path (header and option parser, demux, passive and
 * active open, every state's segment handling, SACK scoreboard, timers) fed with a
 * sequence of segments. Each record: [ctl][dt][len][tcp header + payload, len bytes].
 * ctl bit 0: make seq/ack relative to what the stack last sent (so the fuzzer reaches
 * synchronized states without guessing ISNs); bit 1: raw pg_tcp_parse only; bit 2: run
 * output before the segment. dt advances the virtual clock by dt^3 us (fires timers).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pkt.h"
#include "tcp.h"
#include "tcp_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NCONN 4

static uint32_t rnd(void *ctx)
{
	uint32_t *s = ctx;

	*s = *s * 1103515245u + 12345u;
	return *s;
}

static void fill(struct pg_tcp_conn *c, void *arg, uint64_t off, uint8_t *dst, uint32_t len)
{
	(void)c;
	(void)arg;
	memset(dst, (int)(off & 0xff), len);
}

static void recv_cb(struct pg_tcp_conn *c, void *arg, const uint8_t *p, uint32_t len, uint64_t off)
{
	volatile uint8_t sink = 0;
	uint32_t i;

	(void)c;
	(void)arg;
	(void)off;
	for (i = 0; i < len; i++) /* touch every byte: ASan checks the bounds */
		sink ^= p[i];
	(void)sink;
}

static int connected_cb(struct pg_tcp_conn *c, void *arg)
{
	(void)arg;
	pg_tcp_send_limit(c, 100000);
	return 0;
}

static void eof_cb(struct pg_tcp_conn *c, void *arg)
{
	(void)arg;
	pg_tcp_close(c);
}

static const struct pg_tcp_app_ops ops = {
	.connected = connected_cb, .recv = recv_cb, .fill = fill, .eof = eof_cb,
};

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t txb[8][1600];
	struct pg_tcp_txbuf tx[8];
	struct pg_tcp_cfg cfg;
	struct pg_tcp_stack *s;
	struct pg_tcp_seg seg;
	uint8_t peer_mac[6] = { 2, 0, 0, 0, 0, 2 };
	uint32_t seed = 1, last_seq = 0, last_ack = 0, peer = htonl(0xc6126402u);
	uint64_t now = 1000000000ull;
	size_t pos = 0, ms = pg_tcp_stack_memsize(NCONN);
	void *mem = aligned_alloc(64, (ms + 63) & ~(size_t)63);
	unsigned int k, n;

	if (!mem)
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	cfg.local_ip = htonl(0xc6126401u);
	cfg.local_mac[0] = 2;
	cfg.rand32 = rnd;
	cfg.rand_ctx = &seed;
	cfg.no_csum_check = 1; /* the fuzzer's bytes reach the parser without a checksum gate */
	s = pg_tcp_stack_init(mem, ms, NCONN, &cfg);
	if (!s)
		goto out;
	pg_tcp_listen(s, 5001, &ops, NULL);
	pg_tcp_connect(s, peer, peer_mac, 5201, 40000, &ops, NULL, now);
	for (k = 0; k < 8; k++) {
		tx[k].buf = txb[k];
		tx[k].cap = sizeof(txb[k]);
	}
	while (pos + 4 <= size) {
		uint8_t ctl = data[pos], dt = data[pos + 1], f[1600];
		uint16_t len = (uint16_t)(data[pos + 2] << 8 | data[pos + 3]);
		struct pg_ipv4_hdr *ip = (struct pg_ipv4_hdr *)(f + 14);

		pos += 4;
		if (len > size - pos)
			len = (uint16_t)(size - pos);
		if (len > sizeof(f) - 34)
			len = (uint16_t)(sizeof(f) - 34);
		now += (uint64_t)dt * dt * dt * 1000u;
		if (ctl & 2) {
			(void)pg_tcp_parse(data + pos, len, &seg);
			pos += len;
			continue;
		}
		memset(f, 0, 34);
		f[0] = 2;
		memcpy(f + 6, peer_mac, 6);
		f[12] = 0x08;
		ip->ver_ihl = 0x45;
		ip->tot_len = htons((uint16_t)(20 + len));
		ip->ttl = 64;
		ip->proto = PG_IPPROTO_TCP;
		ip->saddr = peer;
		ip->daddr = cfg.local_ip;
		ip->csum = pg_ipv4_csum(ip);
		memcpy(f + 34, data + pos, len);
		pos += len;
		if ((ctl & 1) && len >= 12) {
			wr32(f + 38, last_ack + rd32(f + 38) % 70000u);
			wr32(f + 42, last_seq + rd32(f + 42) % 70000u);
		}
		if (ctl & 4)
			pg_tcp_poll(s, now);
		(void)pg_tcp_input(s, f, 34u + len, now);
		n = pg_tcp_output(s, now, tx, 8);
		for (k = 0; k < n; k++) {
			if (tx[k].len >= 54 && !pg_tcp_parse(tx[k].buf + 34, tx[k].len - 34u, &seg) &&
			    !(seg.flags & PG_TCP_RST)) {
				last_seq = seg.seq;
				last_ack = seg.ack;
			}
		}
	}
	(void)pg_tcp_next_deadline(s);
out:
	free(mem);
	return 0;
}

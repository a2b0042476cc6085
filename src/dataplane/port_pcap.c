/* SPDX-License-Identifier: BSD-3-Clause */
#include "port_pcap.h"
#include "pcap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCAP_FRAME 65536

struct pg_port_queue {
	struct pg_pcap *pc;
	uint8_t *rx[PG_PORT_BURST];   /* copies: a burst outlives the reader's buffer */
	uint8_t *tx;                  /* scratch for frames the loop sends */
	atomic_int eof;
	unsigned int outstanding;
	uint64_t frames, skipped, tx_dropped;
};

static unsigned int pcap_rx_burst(struct pg_port_queue *q, struct pg_pkt *pkts, unsigned int n)
{
	unsigned int got = 0;

	if (q->outstanding || atomic_load_explicit(&q->eof, memory_order_relaxed))
		return 0;
	while (got < n && got < PG_PORT_BURST) {
		struct pg_pcap_pkt p;
		int rc = pg_pcap_next(q->pc, &p);

		if (rc != 1) {
			if (!got)
				atomic_store(&q->eof, 1);
			break;
		}
		if (p.linktype != 1 || p.caplen > PCAP_FRAME) {
			q->skipped++;
			continue;
		}
		memcpy(q->rx[got], p.data, p.caplen);
		pkts[got].data = q->rx[got];
		pkts[got].len = p.caplen;
		/* 0 means "no timestamp" to the loops; a capture at the epoch is not real. */
		pkts[got].rx_ts_ns = p.ts_ns ? p.ts_ns : 1;
		pkts[got].flags = p.caplen < p.wirelen ? PG_PKT_F_TRUNCATED : 0;
		pkts[got].handle = got;
		got++;
	}
	q->frames += got;
	q->outstanding = got;
	return got;
}

static void pcap_rx_done(struct pg_port_queue *q, const struct pg_pkt *p, unsigned int n)
{
	(void)p;
	q->outstanding = n > q->outstanding ? 0 : q->outstanding - n;
}

static unsigned int pcap_tx_alloc(struct pg_port_queue *q, struct pg_pkt *pkts, unsigned int n)
{
	if (!n)
		return 0;
	pkts[0].data = q->tx;
	pkts[0].len = 0;
	pkts[0].handle = 0;
	return 1;
}

static unsigned int pcap_tx_burst(struct pg_port_queue *q, struct pg_pkt *pkts, unsigned int n)
{
	(void)pkts;
	q->tx_dropped += n;
	return n;
}

static void pcap_tx_free(struct pg_port_queue *q, const struct pg_pkt *pkts, unsigned int n)
{
	(void)q; (void)pkts; (void)n;
}

static int pcap_steer(struct pg_port *port, uint8_t proto, uint16_t p, int on)
{
	(void)port; (void)proto; (void)p; (void)on;
	return 0;
}

static int pcap_resolve(struct pg_port *port, uint32_t ip, uint8_t mac[6], int t)
{
	(void)port; (void)ip; (void)mac; (void)t;
	return -ENOTSUP;
}

static void pcap_close(struct pg_port *port)
{
	struct pg_port_queue *q = port->queue[0];
	unsigned int i;

	pg_pcap_close(q->pc);
	for (i = 0; i < PG_PORT_BURST; i++)
		free(q->rx[i]);
	free(q->tx);
	free(q);
	free(port);
}

static const struct pg_port_ops pcap_ops = {
	.rx_burst = pcap_rx_burst,
	.rx_done = pcap_rx_done,
	.tx_alloc = pcap_tx_alloc,
	.tx_burst = pcap_tx_burst,
	.tx_free = pcap_tx_free,
	.steer_l4_port = pcap_steer,
	.resolve_nexthop = pcap_resolve,
	.close = pcap_close,
};

struct pg_port *pg_pcap_port_open(const char *path, char *err, size_t errlen)
{
	struct pg_port *port = calloc(1, sizeof(*port));
	struct pg_port_queue *q = calloc(1, sizeof(*q));
	unsigned int i;

	if (!port || !q)
		goto nomem;
	q->pc = pg_pcap_open(path);
	if (!q->pc) {
		snprintf(err, errlen, "%s: %s", path,
			 errno == EINVAL ? "not a pcap or pcapng capture" : strerror(errno));
		free(q);
		free(port);
		return NULL;
	}
	for (i = 0; i < PG_PORT_BURST; i++)
		if (!(q->rx[i] = malloc(PCAP_FRAME)))
			goto nomem;
	q->tx = malloc(PCAP_FRAME);
	if (!q->tx)
		goto nomem;
	port->ops = &pcap_ops;
	port->nb_queues = 1;
	port->queue[0] = q;
	snprintf(port->info.ifname, sizeof(port->info.ifname), "%.31s", path);
	port->info.mtu = 65535;
	port->info.frame_size = PCAP_FRAME;
	port->info.backend = "pcap";
	port->info.mode = "offline";
	port->info.rx_ts_source = "capture"; /* the capture's own timestamps */
	port->info.rx_ts_res_ns = 1;
	return port;
nomem:
	snprintf(err, errlen, "out of memory");
	if (q) {
		pg_pcap_close(q->pc);
		for (i = 0; i < PG_PORT_BURST; i++)
			free(q->rx[i]);
		free(q->tx);
	}
	free(q);
	free(port);
	errno = ENOMEM;
	return NULL;
}

int pg_pcap_port_eof(const struct pg_port *port)
{
	return atomic_load(&port->queue[0]->eof) != 0;
}

void pg_pcap_port_counts(const struct pg_port *port, uint64_t *frames, uint64_t *skipped,
			 uint64_t *bad_records)
{
	const struct pg_port_queue *q = port->queue[0];

	*frames = q->frames;
	*skipped = q->skipped;
	*bad_records = q->pc->bad_records;
}

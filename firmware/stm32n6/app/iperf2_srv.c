/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf 2.1.8 server on port 5001, TCP and UDP, continuous (serves tests one after another
 * and several at once). TCP: reads the client header (length from its flags), answers the
 * CLIENTHDRACK when the client expects one, counts data; -R and --full-duplex send the
 * pattern back on the same connection, -r/-d (legacy dual) connect back to the client's
 * port. UDP: per-flow sequence/loss/jitter accounting, the 128-byte AckFIN (server report)
 * repeated while the client retries its FIN; -R sends paced datagrams back from port 5001.
 * Wire reference: iperf-wire.md section 2.
 */
#include <errno.h>
#include <string.h>

#include "iperf2_wire.h"
#include "lwip/udp.h"
#include "pgfw_priv.h"
#include "udp_tx.h"

#define I2_TCP_SESSIONS 8
#define I2_UDP_FLOWS 4
#define I2_UDP_DEFAULT_LEN 1470u
#define I2_ACKFIN_SENDS 9
#define I2_ACKFIN_LINGER_US 250000u
#define I2_UDP_IDLE_US 3000000u /* a flow silent this long ended without a FIN */

enum i2_tx_mode { I2_TX_NONE, I2_TX_REVERSE, I2_TX_FULLDUPLEX, I2_TX_BACK };

struct i2_tcp {
	int used;
	struct tcp_pcb *pcb;
	enum i2_tx_mode tx_mode;
	uint8_t hdr[PGFW_UDP_HDR_MAX]; /* TCP header stored at offset 16 (UDP layout) */
	uint32_t hdr_have, hdr_need;
	int hdr_done;
	uint32_t flags;
	uint16_t upper;
	int32_t amount;
	uint16_t mport;
	ip_addr_t peer;
	uint16_t peer_port;
	uint64_t rx_bytes, rx_first_us, rx_last_us;
	int rx_eof;
	/* transmit side (reverse, full duplex, dual back-connection) */
	int tx_on, tx_stopped, tx_done;
	uint64_t tx_left, tx_queued, tx_acked, tx_deadline_us, tx_first_us, tx_last_us;
	uint32_t tx_lastack;   /* pcb->lastack when tx_acked was last brought up to date */
};

enum i2_flow_state { I2_FLOW_FREE, I2_FLOW_RX, I2_FLOW_DONE, I2_FLOW_TX };

struct i2_flow {
	enum i2_flow_state state;
	ip_addr_t peer;
	uint16_t peer_port;
	int seq64;
	int64_t max_seq;
	uint64_t bytes, packets, lost, ooo;
	int64_t prev_transit_us;
	int have_transit;
	uint64_t jitter_us_x16; /* jitter in microseconds, scaled by 16 (integer RFC 1889 filter) */
	uint64_t first_us, last_us;
	uint32_t ackfin_sends;
	uint64_t ackfin_last_us;
	struct pg_i2_ackfin report;
	struct pgfw_udp_tx tx; /* -R */
	int fin_sent;
};

static struct i2_tcp tcp_sess[I2_TCP_SESSIONS];
static struct i2_flow flows[I2_UDP_FLOWS];
static struct udp_pcb *udp_srv;

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

static uint64_t amount_to_us(int32_t amount)
{
	return amount < 0 ? (uint64_t)(-(int64_t)amount) * 10000u : 0;
}

/* ---------------------------------------------------------------- TCP */

static void tcp_sess_free(struct i2_tcp *s)
{
	pgfw_tcp_unhook(s->pcb);
	memset(s, 0, sizeof(*s));
}

/* Closes the connection; returns ERR_ABRT when it had to abort (callers in lwIP callbacks
 * must then return ERR_ABRT). */
static err_t tcp_sess_close(struct i2_tcp *s)
{
	struct tcp_pcb *pcb = s->pcb;

	tcp_sess_free(s);
	return pgfw_tcp_close(pcb);
}

static void report_tcp(const struct i2_tcp *s, const char *dir, uint64_t bytes, uint64_t t0, uint64_t t1)
{
	pgfw_log("iperf2 tcp %s peer=%s:%u bytes=%llu us=%llu", dir, ipaddr_ntoa(&s->peer), s->peer_port,
		 (unsigned long long)bytes, (unsigned long long)(t1 > t0 ? t1 - t0 : 0));
}

/* Both directions finished: close. */
static err_t tcp_sess_maybe_close(struct i2_tcp *s)
{
	int rx_needed = s->tx_mode == I2_TX_NONE || s->tx_mode == I2_TX_FULLDUPLEX;

	if ((rx_needed && !s->rx_eof) || (s->tx_on && !s->tx_done))
		return ERR_OK;
	return tcp_sess_close(s);
}

static void tx_check_done(struct i2_tcp *s)
{
	if (!s->tx_on || s->tx_done || !s->tx_stopped)
		return;
	if (s->pcb->unsent != NULL || s->pcb->unacked != NULL)
		return;
	pgfw_tcp_acked(s->pcb, &s->tx_lastack, &s->tx_acked);
	s->tx_done = 1;
	report_tcp(s, "tx", s->tx_acked, s->tx_first_us, s->tx_last_us);
	if (s->tx_mode == I2_TX_FULLDUPLEX)
		tcp_shutdown(s->pcb, 0, 1);
}

static err_t tx_pump(struct i2_tcp *s, uint64_t now)
{
	err_t err = ERR_OK;

	if (!s->tx_on || s->tx_stopped)
		return ERR_OK;
	if (now >= s->tx_deadline_us || s->tx_left == 0) {
		s->tx_stopped = 1;
		tcp_output(s->pcb);
		tx_check_done(s);
		return ERR_OK;
	}
	err = pgfw_tcp_fill(s->pcb, &s->tx_left, &s->tx_queued);
	if (s->tx_left == 0)
		s->tx_stopped = 1;
	return err;
}

static err_t i2_tcp_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct i2_tcp *s = arg;
	uint64_t now = pgfw_port_now_us();

	(void)pcb;
	if (s == NULL)
		return ERR_OK;
	(void)len;
	pgfw_tcp_acked(s->pcb, &s->tx_lastack, &s->tx_acked);
	s->tx_last_us = now;
	if (tx_pump(s, now) != ERR_OK)
		return ERR_OK;
	tx_check_done(s);
	if (s->tx_done)
		return tcp_sess_maybe_close(s);
	return ERR_OK;
}

static void tx_start(struct i2_tcp *s, enum i2_tx_mode mode)
{
	uint64_t now = pgfw_port_now_us();

	s->tx_mode = mode;
	s->tx_on = 1;
	s->tx_lastack = s->pcb->lastack;
	s->tx_first_us = s->tx_last_us = now;
	if (s->amount < 0) {
		s->tx_left = UINT64_MAX;
		s->tx_deadline_us = now + amount_to_us(s->amount);
	} else {
		s->tx_left = (uint64_t)(s->amount & 0x7fffffff);
		s->tx_deadline_us = UINT64_MAX;
	}
	tcp_sent(s->pcb, i2_tcp_sent);
	tx_pump(s, now);
}

static void send_hdr_ack(struct i2_tcp *s)
{
	uint8_t ack[52];
	uint32_t n = (s->upper & PG_I2_U_TRIPTIME) ? 52 : 28;
	uint32_t sec, usec;

	memset(ack, 0, sizeof(ack));
	wr32(ack, 2);
	wr32(ack + 4, n);
	wr32(ack + 12, PG_I2_VERSION_U);
	wr32(ack + 16, PG_I2_VERSION_L);
	if (n == 52) {
		pgfw_port_wall(&sec, &usec);
		memcpy(ack + 28, s->hdr + 16 + 64, 8); /* client start time, echoed */
		wr32(ack + 36, sec);
		wr32(ack + 40, usec);
		wr32(ack + 44, sec);
		wr32(ack + 48, usec);
	}
	tcp_write(s->pcb, ack, (u16_t)n, TCP_WRITE_FLAG_COPY);
	tcp_output(s->pcb);
}

static err_t i2_tcp_connected(void *arg, struct tcp_pcb *pcb, err_t err);
static void i2_tcp_err(void *arg, err_t err);

/* -r / -d: the server opens a new connection to the client's listening port. */
static void dual_connect_back(const struct i2_tcp *s)
{
	struct i2_tcp *b = NULL;
	struct tcp_pcb *pcb;
	int i;

	for (i = 0; i < I2_TCP_SESSIONS && b == NULL; i++)
		if (!tcp_sess[i].used)
			b = &tcp_sess[i];
	if (b == NULL || (pcb = tcp_new()) == NULL) {
		pgfw_log("iperf2 tcp dual: no session free, back-connection to %s:%u dropped",
			 ipaddr_ntoa(&s->peer), s->mport);
		return;
	}
	memset(b, 0, sizeof(*b));
	b->used = 1;
	b->pcb = pcb;
	b->peer = s->peer;
	b->peer_port = s->mport;
	b->amount = s->amount;
	b->tx_mode = I2_TX_BACK;
	tcp_arg(pcb, b);
	tcp_err(pcb, i2_tcp_err);
	if (tcp_connect(pcb, &b->peer, b->peer_port, i2_tcp_connected) != ERR_OK) {
		pgfw_log("iperf2 tcp dual: connect to %s:%u failed", ipaddr_ntoa(&s->peer), s->mport);
		tcp_sess_free(b);
		tcp_abort(pcb);
	}
}

static void header_done(struct i2_tcp *s)
{
	const struct pg_i2_udp_hdr *h = (const void *)s->hdr;

	s->hdr_done = 1;
	s->flags = lwip_ntohl(h->flags);
	s->upper = (s->hdr_need >= 36) ? lwip_ntohs(h->upperflags) : 0;
	s->amount = (int32_t)lwip_ntohl((uint32_t)h->amount);
	s->mport = (uint16_t)lwip_ntohl(h->mport);
	if (((s->flags & PG_I2_HEADER_EXTEND) && !(s->flags & PG_I2_HEADER_VERSION2)) ||
	    (s->flags & PG_I2_HEADER_V2PEERDETECT))
		send_hdr_ack(s);
	if (s->flags & PG_I2_HEADER_VERSION2) {
		if (s->upper & PG_I2_U_FULLDUPLEX)
			tx_start(s, I2_TX_FULLDUPLEX);
		else if (s->upper & PG_I2_U_REVERSE)
			tx_start(s, I2_TX_REVERSE);
	} else if ((s->flags & PG_I2_HEADER_VERSION1) && (s->flags & PG_I2_RUN_NOW)) {
		dual_connect_back(s);
	}
}

/* Consumes header bytes at the front of the stream; returns how many it took. */
static uint32_t header_eat(struct i2_tcp *s, const uint8_t *d, uint32_t n)
{
	uint32_t take, need = s->hdr_need ? s->hdr_need : 4;

	take = need - s->hdr_have;
	if (take > n)
		take = n;
	memcpy(s->hdr + 16 + s->hdr_have, d, take);
	s->hdr_have += take;
	if (s->hdr_need == 0 && s->hdr_have == 4) {
		uint32_t flags = rd32(s->hdr + 16);

		if (!(flags & PG_I2_HEADER_LEN_BIT) || (flags & PG_I2_HEADER_BOUNCEBACK)) {
			/* No header (-C compat): everything is data. */
			s->hdr_need = 4;
			memset(s->hdr + 16, 0, 4);
			s->hdr_done = 1;
			s->amount = 0;
			return take;
		}
		need = (flags & PG_I2_HEADER_LEN_MASK) >> 1;
		if (need < 24)
			need = 24;
		if (need > PGFW_UDP_HDR_MAX - 16)
			need = PGFW_UDP_HDR_MAX - 16; /* longer (isoch, permit-key): rest is data */
		s->hdr_need = need;
	}
	if (s->hdr_need && s->hdr_have == s->hdr_need)
		header_done(s);
	return take;
}

static err_t i2_tcp_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct i2_tcp *s = arg;
	uint64_t now = pgfw_port_now_us();
	struct pbuf *q;

	if (s == NULL) {
		if (p != NULL) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (p == NULL || err != ERR_OK) {
		if (p != NULL)
			pbuf_free(p);
		if (!s->rx_eof) {
			s->rx_eof = 1;
			if (s->tx_mode != I2_TX_REVERSE && s->tx_mode != I2_TX_BACK)
				report_tcp(s, "rx", s->rx_bytes, s->rx_first_us, s->rx_last_us);
			if ((s->flags & PG_I2_HEADER_VERSION1) && !(s->flags & PG_I2_RUN_NOW) &&
			    !(s->flags & PG_I2_HEADER_VERSION2))
				dual_connect_back(s);
		}
		if (s->tx_mode == I2_TX_REVERSE && s->tx_on && !s->tx_done)
			return ERR_OK; /* -R: the client shut its side after the header */
		return tcp_sess_maybe_close(s);
	}
	if (s->rx_first_us == 0)
		s->rx_first_us = now;
	s->rx_last_us = now;
	s->rx_bytes += p->tot_len;
	for (q = p; q != NULL && !s->hdr_done; q = q->next) {
		uint32_t off = 0;

		while (off < q->len && !s->hdr_done)
			off += header_eat(s, (const uint8_t *)q->payload + off, q->len - off);
	}
	tcp_recved(pcb, p->tot_len);
	pgfw_tcp_ack_tail(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static void i2_tcp_err(void *arg, err_t err)
{
	struct i2_tcp *s = arg;

	if (s == NULL)
		return;
	pgfw_log("iperf2 tcp error peer=%s:%u err=%d rx_bytes=%llu tx_bytes=%llu", ipaddr_ntoa(&s->peer),
		 s->peer_port, err, (unsigned long long)s->rx_bytes, (unsigned long long)s->tx_acked);
	s->pcb = NULL; /* lwIP already freed it */
	tcp_sess_free(s);
}

static err_t i2_tcp_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct i2_tcp *s = arg;

	if (s == NULL || err != ERR_OK)
		return ERR_OK;
	tcp_recv(pcb, i2_tcp_recv);
	s->hdr_done = 1; /* the back-flow carries no header */
	s->rx_eof = 1;
	tx_start(s, I2_TX_BACK);
	return ERR_OK;
}

static err_t i2_tcp_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct i2_tcp *s = NULL;
	int i;

	(void)arg;
	if (err != ERR_OK || pcb == NULL)
		return ERR_VAL;
	for (i = 0; i < I2_TCP_SESSIONS && s == NULL; i++)
		if (!tcp_sess[i].used)
			s = &tcp_sess[i];
	if (s == NULL) {
		pgfw_log("iperf2 tcp: %d sessions busy, refusing %s", I2_TCP_SESSIONS,
			 ipaddr_ntoa(&pcb->remote_ip));
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	memset(s, 0, sizeof(*s));
	s->used = 1;
	s->pcb = pcb;
	ip_addr_copy(s->peer, pcb->remote_ip);
	s->peer_port = pcb->remote_port;
	tcp_arg(pcb, s);
	tcp_recv(pcb, i2_tcp_recv);
	tcp_err(pcb, i2_tcp_err);
	tcp_nagle_disable(pcb);
	return ERR_OK;
}

/* ---------------------------------------------------------------- UDP */

static struct i2_flow *flow_find(const ip_addr_t *addr, uint16_t port)
{
	int i;

	for (i = 0; i < I2_UDP_FLOWS; i++)
		if (flows[i].state != I2_FLOW_FREE && flows[i].peer_port == port &&
		    ip_addr_cmp(&flows[i].peer, addr))
			return &flows[i];
	return NULL;
}

static void flow_report(struct i2_flow *f, uint64_t stop_us)
{
	struct pg_i2_ackfin *r = &f->report;
	uint64_t dur = stop_us - f->first_us;
	uint64_t errs = f->lost > f->ooo ? f->lost - f->ooo : 0;
	uint64_t jit = f->jitter_us_x16 / 16u;

	memset(r, 0, sizeof(*r));
	r->flags = lwip_htonl(PG_I2_HEADER_VERSION1 | PG_I2_HEADER_SEQNO64B);
	r->total_len1 = lwip_htonl((uint32_t)(f->bytes >> 32));
	r->total_len2 = lwip_htonl((uint32_t)f->bytes);
	r->stop_sec = lwip_htonl((uint32_t)(dur / 1000000u));
	r->stop_usec = lwip_htonl((uint32_t)(dur % 1000000u));
	r->error_cnt = lwip_htonl((uint32_t)errs);
	r->outorder_cnt = lwip_htonl((uint32_t)f->ooo);
	r->datagrams = lwip_htonl((uint32_t)f->packets);
	r->jitter1 = lwip_htonl((uint32_t)(jit / 1000000u));
	r->jitter2 = lwip_htonl((uint32_t)(jit % 1000000u));
	r->error_cnt2 = lwip_htonl((uint32_t)(errs >> 32));
	r->outorder_cnt2 = lwip_htonl((uint32_t)(f->ooo >> 32));
	r->datagrams2 = lwip_htonl((uint32_t)(f->packets >> 32));
	pgfw_log("iperf2 udp rx peer=%s:%u bytes=%llu packets=%llu lost=%llu ooo=%llu jitter_us=%llu us=%llu",
		 ipaddr_ntoa(&f->peer), f->peer_port, (unsigned long long)f->bytes,
		 (unsigned long long)f->packets, (unsigned long long)errs, (unsigned long long)f->ooo,
		 (unsigned long long)jit, (unsigned long long)dur);
}

static void ackfin_send(struct i2_flow *f, uint64_t now)
{
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, sizeof(f->report), PBUF_RAM);

	if (p == NULL)
		return;
	memcpy(p->payload, &f->report, sizeof(f->report));
	udp_sendto(udp_srv, p, &f->peer, f->peer_port);
	pbuf_free(p);
	f->ackfin_sends++;
	f->ackfin_last_us = now;
}

static void i2_rev_stamp(struct pgfw_udp_tx *tx, uint8_t *hdr, int64_t seq)
{
	uint32_t sec, usec;

	(void)tx;
	pgfw_port_wall(&sec, &usec);
	memset(hdr, 0, tx->hdr_len);
	wr32(hdr, (uint32_t)(uint64_t)seq);
	wr32(hdr + 4, sec);
	wr32(hdr + 8, usec);
	wr32(hdr + 12, (uint32_t)((uint64_t)seq >> 32));
}

static void flow_start_reverse(struct i2_flow *f, const struct pg_i2_udp_hdr *h, uint64_t now)
{
	struct pgfw_udp_tx *tx = &f->tx;
	uint32_t len = lwip_ntohl(h->buflen);
	int32_t amount = (int32_t)lwip_ntohl((uint32_t)h->amount);
	uint64_t rate = (uint64_t)lwip_ntohl(h->rate_l) | ((uint64_t)(lwip_ntohl(h->rate_u) >> 8) << 32);

	if (len == 0)
		len = I2_UDP_DEFAULT_LEN;
	if (len < PG_I2_UDP_SEQ_LEN)
		len = PG_I2_UDP_SEQ_LEN;
	if (len > PGFW_UDP_MAX_LEN)
		len = PGFW_UDP_MAX_LEN;
	memset(tx, 0, sizeof(*tx));
	tx->pcb = udp_srv;
	tx->dst = f->peer;
	tx->dport = f->peer_port;
	tx->len = len;
	tx->hdr_len = PG_I2_UDP_SEQ_LEN;
	tx->stamp = i2_rev_stamp;
	pgfw_pacer_init(&tx->pacer, now, rate ? rate : 1048576u, len);
	tx->left = amount < 0 ? UINT64_MAX : (uint64_t)(amount & 0x7fffffff);
	tx->deadline_us = amount < 0 ? now + amount_to_us(amount) : UINT64_MAX;
	tx->running = 1;
	f->state = I2_FLOW_TX;
	f->fin_sent = 0;
}

static void i2_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	uint8_t b[PGFW_UDP_HDR_MAX];
	const struct pg_i2_udp_hdr *h = (const void *)b;
	uint64_t now = pgfw_port_now_us();
	struct i2_flow *f;
	uint32_t n, flags = 0;
	int64_t seq;
	int i;

	(void)arg;
	(void)pcb;
	n = pbuf_copy_partial(p, b, sizeof(b), 0);
	if (n < PG_I2_UDP_SEQ_LEN) {
		pbuf_free(p);
		return; /* too short for an iperf2 datagram: dropped */
	}
	memset(b + n, 0, sizeof(b) - n);
	if (n >= 20)
		flags = lwip_ntohl(h->flags);
	f = flow_find(addr, port);
	if (f == NULL || f->state == I2_FLOW_DONE) {
		int seq64 = (flags & PG_I2_HEADER_SEQNO64B) != 0;

		seq = seq64 ? (int64_t)((uint64_t)lwip_ntohl(h->id2) << 32 | lwip_ntohl(h->id))
			    : (int32_t)lwip_ntohl(h->id);
		if (f != NULL) {
			/* The client is still retrying its FIN: answer again. */
			if (seq < 0 && f->ackfin_sends < I2_ACKFIN_SENDS)
				ackfin_send(f, now);
			if (seq < 0) {
				pbuf_free(p);
				return;
			}
			f->state = I2_FLOW_FREE; /* a new test from the same port */
		}
		if (seq < 0) {
			pbuf_free(p); /* stale FIN of an old run */
			return;
		}
		for (i = 0; i < I2_UDP_FLOWS && f == NULL; i++)
			if (flows[i].state == I2_FLOW_FREE)
				f = &flows[i];
		if (f == NULL) {
			pbuf_free(p); /* all flows busy: counted by the client as loss */
			return;
		}
		memset(f, 0, sizeof(*f));
		f->state = I2_FLOW_RX;
		ip_addr_copy(f->peer, *addr);
		f->peer_port = port;
		f->seq64 = seq64;
		f->first_us = now;
		if ((flags & PG_I2_HEADER_VERSION2) && n >= 52 &&
		    (lwip_ntohs(h->upperflags) & PG_I2_U_REVERSE)) {
			flow_start_reverse(f, h, now);
			pbuf_free(p);
			return;
		}
	}
	if (f->state != I2_FLOW_RX) {
		pbuf_free(p); /* -R: only the header datagram is expected */
		return;
	}
	seq = f->seq64 ? (int64_t)((uint64_t)lwip_ntohl(h->id2) << 32 | lwip_ntohl(h->id))
		       : (int32_t)lwip_ntohl(h->id);
	f->bytes += p->tot_len;
	f->last_us = now;
	{
		/* RFC 1889 jitter on transit = arrival (wall) - send stamp, in microseconds. */
		uint32_t sec, usec;
		int64_t transit, d;

		pgfw_port_wall(&sec, &usec);
		transit = ((int64_t)sec - (int64_t)lwip_ntohl(h->tv_sec)) * 1000000 +
			  ((int64_t)usec - (int64_t)lwip_ntohl(h->tv_usec));
		if (f->have_transit) {
			d = transit - f->prev_transit_us;
			if (d < 0)
				d = -d;
			/* J += (|D| - J) / 16, kept as 16*J */
			f->jitter_us_x16 = f->jitter_us_x16 + (uint64_t)d - f->jitter_us_x16 / 16u;
		}
		f->prev_transit_us = transit;
		f->have_transit = 1;
	}
	if (seq < 0) {
		uint64_t last = (uint64_t)(-seq);

		if (last > (uint64_t)f->max_seq + 1)
			f->lost += last - (uint64_t)f->max_seq - 1;
		f->packets = last > (uint64_t)f->max_seq ? last : (uint64_t)f->max_seq;
		f->state = I2_FLOW_DONE;
		flow_report(f, now);
		ackfin_send(f, now);
	} else if (seq > f->max_seq) {
		if (seq > f->max_seq + 1)
			f->lost += (uint64_t)(seq - f->max_seq - 1);
		f->max_seq = seq;
		f->packets = (uint64_t)seq;
	} else {
		f->ooo++;
	}
	pbuf_free(p);
}

void pgfw_iperf2_poll(uint64_t now)
{
	int i;

	for (i = 0; i < I2_TCP_SESSIONS; i++) {
		struct i2_tcp *s = &tcp_sess[i];

		if (s->used && s->tx_on && !s->tx_stopped && now >= s->tx_deadline_us) {
			tx_pump(s, now);
			if (s->tx_done && tcp_sess_maybe_close(s) != ERR_OK)
				continue;
		}
	}
	for (i = 0; i < I2_UDP_FLOWS; i++) {
		struct i2_flow *f = &flows[i];

		if (f->state == I2_FLOW_DONE && now - f->ackfin_last_us > I2_ACKFIN_LINGER_US)
			f->state = I2_FLOW_FREE;
		if (f->state == I2_FLOW_RX && now - f->last_us > I2_UDP_IDLE_US && f->last_us != 0) {
			pgfw_log("iperf2 udp: flow from %s:%u ended without a FIN", ipaddr_ntoa(&f->peer),
				 f->peer_port);
			flow_report(f, f->last_us);
			f->state = I2_FLOW_FREE;
		}
		if (f->state == I2_FLOW_TX) {
			pgfw_udp_tx_run(&f->tx, now);
			if (!f->tx.running && !f->fin_sent) {
				pgfw_udp_tx_one(&f->tx, -(f->tx.seq + 1));
				f->fin_sent = 1;
				pgfw_log("iperf2 udp tx peer=%s:%u bytes=%llu packets=%lld us=%llu",
					 ipaddr_ntoa(&f->peer), f->peer_port,
					 (unsigned long long)f->tx.bytes, (long long)f->tx.seq,
					 (unsigned long long)(f->tx.last_us - f->tx.first_us));
				f->ackfin_last_us = now;
				f->ackfin_sends = I2_ACKFIN_SENDS; /* no AckFIN in -R */
				f->state = I2_FLOW_DONE;
			}
		}
	}
}

int pgfw_iperf2_server_init(void)
{
	return pgfw_serve_port(PGFW_IPERF2_PORT, i2_tcp_accept, &udp_srv, i2_udp_recv);
}

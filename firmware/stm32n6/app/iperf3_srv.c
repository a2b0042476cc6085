/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3 3.12 server on port 5201: one test at a time (a second control connection gets
 * ACCESS_DENIED), control channel per iperf-wire.md 1.3-1.4, TCP streams (cookie-checked)
 * and UDP streams ("9876"/"6789" connect), forward and -R, up to I3_MAX_STREAMS streams,
 * results exchange. --bidir is refused with SERVER_ERROR (i_errno 114, not implemented here).
 */
#include <errno.h>
#include <string.h>

#include "iperf3_priv.h"
#include "lwip/udp.h"
#include "pgfw_priv.h"

enum i3_state {
	I3_IDLE, I3_WAIT_COOKIE, I3_WAIT_PARAMS, I3_CREATING, I3_RUNNING, I3_WAIT_RESULTS, I3_WAIT_DONE,
};

enum conn_kind { C_FREE, C_PENDING, C_CTRL, C_DATA };

struct i3_conn {
	enum conn_kind kind;
	struct tcp_pcb *pcb;
	char cookie[I3_COOKIE_LEN];
	uint32_t have;
	int stream;            /* C_DATA: index into test.st */
};

struct i3_stream {
	int used;
	int id;
	struct i3_conn *conn;  /* TCP */
	ip_addr_t peer;        /* UDP */
	uint16_t peer_port;
	struct i3_rx rx;       /* forward: what we receive */
	/* reverse (we send) */
	struct pgfw_udp_tx utx;
	uint64_t tx_left, tx_queued, tx_acked, tx_first_us, tx_last_us;
	int tx_on;
};

static struct {
	enum i3_state state;
	struct i3_conn *ctrl;
	char cookie[I3_COOKIE_LEN];
	uint8_t buf[I3_CTRL_BUF];
	uint32_t have;
	struct i3_params p;
	int nst;
	struct i3_stream st[I3_MAX_STREAMS];
	uint64_t start_us, end_us;
} t;

#define I3_CONNS (I3_MAX_STREAMS + 4)
static struct i3_conn conns[I3_CONNS];
static struct udp_pcb *udp3;

static void conn_detach(struct i3_conn *c)
{
	pgfw_tcp_unhook(c->pcb);
	memset(c, 0, sizeof(*c));
}

static err_t conn_close(struct i3_conn *c)
{
	struct tcp_pcb *pcb = c->pcb;

	conn_detach(c);
	return pgfw_tcp_close(pcb);
}

static void ctrl_send(const void *d, uint32_t n)
{
	if (t.ctrl == NULL)
		return;
	tcp_write(t.ctrl->pcb, d, (u16_t)n, TCP_WRITE_FLAG_COPY);
	tcp_output(t.ctrl->pcb);
}

static void ctrl_state(uint8_t s)
{
	ctrl_send(&s, 1);
}

static void ctrl_json(const char *j, uint32_t n)
{
	uint8_t len[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };

	if (t.ctrl == NULL)
		return;
	tcp_write(t.ctrl->pcb, len, 4, TCP_WRITE_FLAG_COPY | TCP_WRITE_FLAG_MORE);
	/* results can exceed one write: lwIP splits it into segments */
	tcp_write(t.ctrl->pcb, j, (u16_t)n, TCP_WRITE_FLAG_COPY);
	tcp_output(t.ctrl->pcb);
}

/* Ends the test and frees everything; the control connection is closed when close_ctrl. */
static err_t test_reset(int close_ctrl)
{
	err_t rc = ERR_OK;
	int i;

	for (i = 0; i < I3_CONNS; i++) {
		if (conns[i].kind == C_DATA || conns[i].kind == C_PENDING)
			conn_close(&conns[i]);
		else if (conns[i].kind == C_CTRL && close_ctrl)
			rc = conn_close(&conns[i]);
	}
	memset(&t, 0, sizeof(t));
	return rc;
}

static void stream_results(struct i3_stream_result *r, int *has_retr)
{
	int i;

	*has_retr = -1;
	for (i = 0; i < t.nst; i++) {
		struct i3_stream *s = &t.st[i];

		memset(&r[i], 0, sizeof(r[i]));
		r[i].id = s->id;
		r[i].retransmits = -1;
		if (t.p.reverse) {
			*has_retr = 0;
			if (t.p.udp) {
				r[i].bytes = s->utx.bytes;
				r[i].packets = (uint64_t)s->utx.seq;
			} else {
				r[i].bytes = s->tx_queued;
			}
		} else {
			r[i].bytes = s->rx.bytes;
			r[i].packets = (uint64_t)s->rx.packet_count;
			r[i].errors = s->rx.cnt_error;
			r[i].jitter_us = s->rx.jitter_us_x16 / 16u;
		}
		r[i].duration_us = t.end_us - t.start_us;
	}
}

static void log_results(void)
{
	struct i3_stream_result r[I3_MAX_STREAMS];
	uint64_t bytes = 0, packets = 0;
	int64_t errors = 0;
	int i, hr;

	stream_results(r, &hr);
	for (i = 0; i < t.nst; i++) {
		bytes += r[i].bytes;
		packets += r[i].packets;
		errors += r[i].errors;
	}
	pgfw_log("iperf3 %s %s streams=%d bytes=%llu packets=%llu lost=%lld jitter_us=%llu us=%llu",
		 t.p.udp ? "udp" : "tcp", t.p.reverse ? "tx" : "rx", t.nst, (unsigned long long)bytes,
		 (unsigned long long)packets, (long long)errors,
		 (unsigned long long)(t.nst ? r[0].jitter_us : 0), (unsigned long long)(t.end_us - t.start_us));
}

static void streams_stop(void)
{
	int i;

	t.end_us = pgfw_port_now_us();
	for (i = 0; i < t.nst; i++) {
		struct i3_stream *s = &t.st[i];

		s->utx.running = 0;
		s->tx_on = 0;
		/* We send (-R): graceful close, queued data still reaches the client, which keeps
		 * draining. We receive: keep counting until the results are exchanged, since the
		 * client's last writes can arrive after its TEST_END on the other connection. */
		if (s->conn != NULL && t.p.reverse) {
			conn_close(s->conn);
			s->conn = NULL;
		}
	}
}

static void streams_close(void)
{
	int i;

	for (i = 0; i < t.nst; i++) {
		if (t.st[i].conn != NULL) {
			conn_close(t.st[i].conn);
			t.st[i].conn = NULL;
		}
	}
}

static void tcp_tx_pump(struct i3_stream *s)
{
	if (s->tx_on && s->conn != NULL)
		pgfw_tcp_fill(s->conn->pcb, &s->tx_left, &s->tx_queued);
}

static err_t data_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	struct i3_conn *c = arg;

	(void)pcb;
	if (c == NULL || c->kind != C_DATA)
		return ERR_OK;
	t.st[c->stream].tx_acked += len;
	t.st[c->stream].tx_last_us = pgfw_port_now_us();
	tcp_tx_pump(&t.st[c->stream]);
	return ERR_OK;
}

static void test_start(void)
{
	uint64_t now = pgfw_port_now_us();
	int i;

	ctrl_state(I3_TEST_START);
	ctrl_state(I3_TEST_RUNNING);
	t.state = I3_RUNNING;
	t.start_us = now;
	if (!t.p.reverse)
		return;
	for (i = 0; i < t.nst; i++) {
		struct i3_stream *s = &t.st[i];

		if (t.p.udp) {
			s->utx.running = 1;
			pgfw_pacer_init(&s->utx.pacer, now, (uint64_t)t.p.bandwidth, s->utx.len);
		} else {
			s->tx_on = 1;
			s->tx_left = t.p.num ? (uint64_t)t.p.num : UINT64_MAX;
			s->tx_first_us = now;
			tcp_sent(s->conn->pcb, data_sent);
			tcp_tx_pump(s);
		}
	}
}

static int next_stream_id(void)
{
	return t.nst == 0 ? 1 : t.nst + 2; /* 1, 3, 4, 5, ... */
}

static void server_error(uint32_t ierr, uint32_t eno)
{
	uint8_t m[9] = { I3_SERVER_ERROR, (uint8_t)(ierr >> 24), (uint8_t)(ierr >> 16), (uint8_t)(ierr >> 8),
			 (uint8_t)ierr, (uint8_t)(eno >> 24), (uint8_t)(eno >> 16), (uint8_t)(eno >> 8),
			 (uint8_t)eno };

	ctrl_send(m, sizeof(m));
}

/* Consumes control bytes; returns ERR_ABRT if it aborted the control pcb. */
static err_t ctrl_process(void)
{
	for (;;) {
		uint32_t used = 0;

		if (t.state == I3_WAIT_COOKIE) {
			if (t.have < I3_COOKIE_LEN)
				return ERR_OK;
			memcpy(t.cookie, t.buf, I3_COOKIE_LEN);
			t.cookie[I3_COOKIE_LEN - 1] = 0;
			used = I3_COOKIE_LEN;
			t.state = I3_WAIT_PARAMS;
			ctrl_state(I3_PARAM_EXCHANGE);
		} else if (t.state == I3_WAIT_PARAMS || t.state == I3_WAIT_RESULTS) {
			uint32_t len;

			if (t.have < 4)
				return ERR_OK;
			len = (uint32_t)t.buf[0] << 24 | (uint32_t)t.buf[1] << 16 | (uint32_t)t.buf[2] << 8 | t.buf[3];
			if (len > sizeof(t.buf) - 4) {
				pgfw_log("iperf3: control JSON of %lu bytes exceeds %u, test dropped",
					 (unsigned long)len, (unsigned)sizeof(t.buf) - 4);
				return test_reset(1);
			}
			if (t.have < 4 + len)
				return ERR_OK;
			used = 4 + len;
			if (t.state == I3_WAIT_PARAMS) {
				if (i3_params_parse((const char *)t.buf + 4, len, &t.p) != 0) {
					pgfw_log("iperf3: malformed parameter JSON, test refused");
					server_error(114, 0);
					return test_reset(1);
				}
				if (t.p.bidir || t.p.parallel > I3_MAX_STREAMS) {
					pgfw_log("iperf3: %s not supported by this peer, test refused",
						 t.p.bidir ? "--bidir" : "-P above 4");
					server_error(t.p.bidir ? 114 : 200, 0);
					return test_reset(1);
				}
				if (t.p.len == 0)
					t.p.len = t.p.udp ? I3_UDP_DEFAULT_LEN : I3_TCP_DEFAULT_LEN;
				if (t.p.udp && t.p.len > (int64_t)PGFW_UDP_MAX_LEN)
					t.p.len = PGFW_UDP_MAX_LEN;
				if (t.p.udp && t.p.bandwidth == 0)
					t.p.bandwidth = 1048576;
				t.state = I3_CREATING;
				ctrl_state(I3_CREATE_STREAMS);
			} else {
				struct i3_stream_result r[I3_MAX_STREAMS];
				char out[1024];
				int hr, n;

				n = i3_results_parse((const char *)t.buf + 4, len, r, I3_MAX_STREAMS);
				if (n < 0)
					pgfw_log("iperf3: client results JSON malformed (ignored)");
				else if (n > 0)
					pgfw_log("iperf3 client reported bytes=%llu packets=%llu",
						 (unsigned long long)r[0].bytes, (unsigned long long)r[0].packets);
				streams_close();
				stream_results(r, &hr);
				n = i3_results_write(out, sizeof(out), hr, r, t.nst);
				if (n < 0) {
					pgfw_log("iperf3: results do not fit, test dropped");
					return test_reset(1);
				}
				ctrl_json(out, (uint32_t)n);
				ctrl_state(I3_DISPLAY_RESULTS);
				log_results();
				t.state = I3_WAIT_DONE;
			}
		} else {
			uint8_t m;

			if (t.have < 1)
				return ERR_OK;
			m = t.buf[0];
			used = 1;
			if (m == I3_TEST_END && t.state == I3_RUNNING) {
				streams_stop();
				t.state = I3_WAIT_RESULTS;
				ctrl_state(I3_EXCHANGE_RESULTS);
			} else if (m == I3_IPERF_DONE) {
				return test_reset(1);
			} else if (m == I3_CLIENT_TERMINATE) {
				pgfw_log("iperf3: client terminated the test");
				return test_reset(1);
			} else {
				pgfw_log("iperf3: unexpected control byte %u in state %d, test dropped", m, t.state);
				return test_reset(1);
			}
		}
		memmove(t.buf, t.buf + used, t.have - used);
		t.have -= used;
	}
}

static err_t conn_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);

static void conn_err(void *arg, err_t err)
{
	struct i3_conn *c = arg;

	if (c == NULL)
		return;
	c->pcb = NULL;
	if (c->kind == C_CTRL) {
		pgfw_log("iperf3: control connection lost (err %d), test reset", err);
		conn_detach(c);
		test_reset(0);
		return;
	}
	if (c->kind == C_DATA)
		t.st[c->stream].conn = NULL;
	conn_detach(c);
}

static err_t pending_cookie_done(struct i3_conn *c)
{
	struct i3_stream *s;

	if (t.state != I3_CREATING || t.p.udp || t.nst >= t.p.parallel ||
	    memcmp(c->cookie, t.cookie, I3_COOKIE_LEN - 1) != 0) {
		uint8_t deny = I3_ACCESS_DENIED;

		tcp_write(c->pcb, &deny, 1, TCP_WRITE_FLAG_COPY);
		return conn_close(c);
	}
	s = &t.st[t.nst];
	memset(s, 0, sizeof(*s));
	s->used = 1;
	s->id = next_stream_id();
	s->conn = c;
	c->kind = C_DATA;
	c->stream = t.nst++;
	if (t.nst == t.p.parallel)
		test_start();
	return ERR_OK;
}

static err_t conn_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	struct i3_conn *c = arg;
	uint64_t now = pgfw_port_now_us();

	if (c == NULL) {
		if (p != NULL) {
			tcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (p == NULL || err != ERR_OK) {
		if (p != NULL)
			pbuf_free(p);
		if (c->kind == C_CTRL) {
			if (t.state != I3_IDLE && t.state != I3_WAIT_DONE)
				pgfw_log("iperf3: the client closed the control connection unexpectedly");
			return test_reset(1);
		}
		if (c->kind == C_DATA)
			t.st[c->stream].conn = NULL;
		return conn_close(c);
	}
	tcp_recved(pcb, p->tot_len);
	if (c->kind == C_CTRL) {
		uint16_t n = p->tot_len;

		if (t.have + n > sizeof(t.buf)) {
			pbuf_free(p);
			pgfw_log("iperf3: control buffer overflow, test dropped");
			return test_reset(1);
		}
		pbuf_copy_partial(p, t.buf + t.have, n, 0);
		t.have += n;
		pbuf_free(p);
		return ctrl_process();
	}
	if (c->kind == C_PENDING) {
		uint16_t off = 0, take = (uint16_t)(I3_COOKIE_LEN - c->have);

		if (take > p->tot_len)
			take = p->tot_len;
		pbuf_copy_partial(p, c->cookie + c->have, take, 0);
		c->have += take;
		off = take;
		if (c->have == I3_COOKIE_LEN) {
			err_t rc = pending_cookie_done(c);

			if (rc != ERR_OK || c->kind != C_DATA) {
				pbuf_free(p);
				return rc;
			}
			if (p->tot_len > off && t.state == I3_RUNNING) {
				struct i3_stream *s = &t.st[c->stream];

				s->rx.bytes += p->tot_len - off;
				s->rx.first_us = s->rx.first_us ? s->rx.first_us : now;
				s->rx.last_us = now;
			}
		}
		pbuf_free(p);
		return ERR_OK;
	}
	if (c->kind == C_DATA && (t.state == I3_RUNNING || t.state == I3_WAIT_RESULTS)) {
		struct i3_stream *s = &t.st[c->stream];

		pgfw_tcp_ack_tail(pcb, p->tot_len);
		s->rx.bytes += p->tot_len;
		if (s->rx.first_us == 0)
			s->rx.first_us = now;
		s->rx.last_us = now;
	}
	pbuf_free(p);
	return ERR_OK;
}

static err_t i3_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct i3_conn *c = NULL;
	int i;

	(void)arg;
	if (err != ERR_OK || pcb == NULL)
		return ERR_VAL;
	for (i = 0; i < I3_CONNS && c == NULL; i++)
		if (conns[i].kind == C_FREE)
			c = &conns[i];
	if (c == NULL || (t.state != I3_IDLE && t.state != I3_CREATING)) {
		/* Busy: iperf3 answers ACCESS_DENIED without reading the cookie. */
		uint8_t deny = I3_ACCESS_DENIED;

		pgfw_tcp_unhook(pcb);
		tcp_write(pcb, &deny, 1, TCP_WRITE_FLAG_COPY);
		return pgfw_tcp_close(pcb);
	}
	memset(c, 0, sizeof(*c));
	c->pcb = pcb;
	tcp_arg(pcb, c);
	tcp_recv(pcb, conn_recv);
	tcp_err(pcb, conn_err);
	if (t.state == I3_IDLE) {
		c->kind = C_CTRL;
		t.ctrl = c;
		t.state = I3_WAIT_COOKIE;
		t.have = 0;
		tcp_nagle_disable(pcb);
	} else {
		c->kind = C_PENDING;
	}
	return ERR_OK;
}

static void i3_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	uint8_t h[16];
	uint32_t n;
	uint64_t now = pgfw_port_now_us();
	int i;

	(void)arg;
	(void)pcb;
	n = pbuf_copy_partial(p, h, sizeof(h), 0);
	for (i = 0; i < t.nst; i++) {
		struct i3_stream *s = &t.st[i];

		if (s->peer_port == port && ip_addr_cmp(&s->peer, addr)) {
			/* counted until the results go out: the last datagrams can trail TEST_END */
			if ((t.state == I3_RUNNING || t.state == I3_WAIT_RESULTS) && !t.p.reverse)
				i3_udp_rx(&s->rx, h, n, p->tot_len, t.p.udp64, now);
			pbuf_free(p);
			return;
		}
	}
	if (t.state == I3_CREATING && t.p.udp && t.nst < t.p.parallel) {
		struct i3_stream *s = &t.st[t.nst];
		struct pbuf *r = pbuf_alloc(PBUF_TRANSPORT, 4, PBUF_RAM);

		memset(s, 0, sizeof(*s));
		s->used = 1;
		s->id = next_stream_id();
		ip_addr_copy(s->peer, *addr);
		s->peer_port = port;
		s->utx.pcb = udp3;
		s->utx.dst = *addr;
		s->utx.dport = port;
		s->utx.len = (uint32_t)t.p.len;
		s->utx.hdr_len = t.p.udp64 ? 16 : 12;
		s->utx.stamp = i3_udp_stamp;
		s->utx.deadline_us = UINT64_MAX;
		s->utx.left = t.p.num ? (uint64_t)t.p.num : UINT64_MAX;
		t.nst++;
		if (r != NULL) {
			memcpy(r->payload, "6789", 4);
			udp_sendto(udp3, r, addr, port);
			pbuf_free(r);
		}
		if (t.nst == t.p.parallel)
			test_start();
	}
	pbuf_free(p);
}

void pgfw_iperf3_poll(uint64_t now)
{
	int i;

	if (t.state != I3_RUNNING || !t.p.reverse || !t.p.udp)
		return;
	for (i = 0; i < t.nst; i++)
		pgfw_udp_tx_run(&t.st[i].utx, now);
}

int pgfw_iperf3_server_init(void)
{
	return pgfw_serve_port(PGFW_IPERF3_PORT, i3_accept, &udp3, i3_udp_recv);
}

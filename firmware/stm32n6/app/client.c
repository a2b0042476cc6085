/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client roles, one test at a time, run to completion by pgfw_client_run() (the blocking
 * test API spins the port's main loop): the iperf3 client (control channel, one TCP or
 * UDP stream, forward or -R, results exchange) and the iperf2 client (TCP with the 60-byte
 * header, UDP with the 160-byte header area, FIN retries and the AckFIN server report).
 */
#include <errno.h>
#include <string.h>

#include "iperf2_wire.h"
#include "iperf3_priv.h"
#include "lwip/udp.h"
#include "pgfw_priv.h"

#define CL_GRACE_US 10000000u   /* setup and teardown allowance beyond the test duration */
#define I2_FIN_INTERVAL_US 10000u
#define I2_FIN_TRIES 200
#define I3_UDP_DRAIN_US 50000u

enum cl_phase { CL_IDLE, CL_CONNECTING, CL_CTRL, CL_RESULTS_JSON, CL_ERROR_DETAIL, CL_DONE };

static struct {
	struct pgfw_client_req req;
	struct pgfw_result *res;
	enum cl_phase phase;
	int done;
	uint64_t give_up_us;
	/* iperf3 control */
	struct tcp_pcb *ctrl;
	uint8_t buf[I3_CTRL_BUF];
	uint32_t have;
	char cookie[I3_COOKIE_LEN];
	/* data */
	struct tcp_pcb *data;
	struct udp_pcb *udp;
	struct pgfw_udp_tx utx;
	struct i3_rx rx;
	int udp_connected;
	int running, sending_stopped, end_sent;
	uint64_t t_start, deadline, tx_left, tx_queued, tx_acked, tx_last_us;
	uint32_t tx_hdr;       /* cookie or iperf2 header bytes at the front of tx_acked */
	uint32_t tx_lastack;
	/* iperf2 UDP FIN */
	uint32_t fin_tries;
	uint64_t fin_last_us;
} cl;

static void close_tcp(struct tcp_pcb **pp)
{
	pgfw_tcp_unhook(*pp);
	pgfw_tcp_close(*pp);
	*pp = NULL;
}

static void finish(int err)
{
	if (cl.done)
		return;
	if (cl.res->err == 0)
		cl.res->err = err;
	cl.done = 1;
	cl.phase = CL_DONE;
	close_tcp(&cl.data);
	close_tcp(&cl.ctrl);
	if (cl.udp != NULL) {
		udp_remove(cl.udp);
		cl.udp = NULL;
	}
}

/* ------------------------------------------------------------ iperf3 client */

static void ctrl_write(const void *d, uint32_t n)
{
	if (cl.ctrl == NULL)
		return;
	tcp_write(cl.ctrl, d, (u16_t)n, TCP_WRITE_FLAG_COPY);
	tcp_output(cl.ctrl);
}

static void ctrl_byte(uint8_t b)
{
	ctrl_write(&b, 1);
}

static void ctrl_json(const char *j, int n)
{
	uint8_t len[4];

	pgfw_put32(len, (uint32_t)n);
	ctrl_write(len, 4);
	ctrl_write(j, (uint32_t)n);
}

static void tx_fill(void)
{
	if (cl.data != NULL && cl.running && !cl.sending_stopped)
		pgfw_tcp_fill(cl.data, &cl.tx_left, &cl.tx_queued);
}

static err_t data_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)arg;
	(void)len;
	pgfw_tcp_acked(pcb, &cl.tx_lastack, &cl.tx_acked);
	cl.tx_last_us = pgfw_port_now_us();
	tx_fill();
	return ERR_OK;
}

static err_t data_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	uint64_t now = pgfw_port_now_us();

	(void)arg;
	if (p == NULL || err != ERR_OK) {
		if (p != NULL)
			pbuf_free(p);
		if (cl.data == pcb)
			cl.data = NULL;
		pgfw_tcp_unhook(pcb);
		if (tcp_close(pcb) != ERR_OK) {
			tcp_abort(pcb);
			return ERR_ABRT;
		}
		return ERR_OK;
	}
	if (cl.running) {
		cl.rx.bytes += p->tot_len;
		if (cl.rx.first_us == 0)
			cl.rx.first_us = now;
		cl.rx.last_us = now;
	}
	tcp_recved(pcb, p->tot_len);
	pbuf_free(p);
	return ERR_OK;
}

static void data_err(void *arg, err_t err)
{
	(void)arg;
	cl.data = NULL;
	if (!cl.end_sent) {
		pgfw_log("client: data connection failed (lwIP err %d)", err);
		finish(err == ERR_RST ? -ECONNRESET : -ECONNABORTED);
	}
}

static err_t data_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK)
		return ERR_OK;
	cl.tx_lastack = pcb->lastack;
	tcp_recv(pcb, data_recv);
	tcp_sent(pcb, data_sent);
	if (cl.req.iperf3) {
		tcp_write(pcb, cl.cookie, I3_COOKIE_LEN, TCP_WRITE_FLAG_COPY);
		tcp_output(pcb);
		cl.tx_hdr = I3_COOKIE_LEN;
		return ERR_OK;
	}
	{
		/* iperf2: the 60-byte client header, then pattern until the deadline. */
		struct pg_i2_udp_hdr h;
		uint64_t now = pgfw_port_now_us();

		memset(&h, 0, sizeof(h));
		h.flags = lwip_htonl(PG_I2_HEADER_EXTEND | PG_I2_HEADER_LEN_BIT | (60u << 1));
		h.num_threads = lwip_htonl(1);
		h.mport = lwip_htonl(cl.req.port);
		h.amount = (int32_t)lwip_htonl((uint32_t)-(int32_t)(cl.req.duration_ms / 10u));
		h.version_u = lwip_htonl(PG_I2_VERSION_U);
		h.version_l = lwip_htonl(PG_I2_VERSION_L);
		tcp_write(pcb, (const uint8_t *)&h + 16, 60, TCP_WRITE_FLAG_COPY | TCP_WRITE_FLAG_MORE);
		cl.tx_queued = 60; /* iperf2 counts its header as sent bytes: so do we */
		cl.tx_left = UINT64_MAX;
		cl.running = 1;
		cl.t_start = now;
		cl.deadline = now + (uint64_t)cl.req.duration_ms * 1000u;
		tx_fill();
	}
	return ERR_OK;
}

static int open_tcp_data(void)
{
	cl.data = tcp_new();
	if (cl.data == NULL)
		return -ENOMEM;
	tcp_err(cl.data, data_err);
	if (tcp_connect(cl.data, &cl.req.server, cl.req.port, data_connected) != ERR_OK) {
		tcp_abort(cl.data);
		cl.data = NULL;
		return -EIO;
	}
	return 0;
}

static void client_udp_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	uint8_t b[128];
	uint32_t n = pbuf_copy_partial(p, b, sizeof(b), 0);
	uint64_t now = pgfw_port_now_us();

	(void)arg;
	(void)pcb;
	(void)addr;
	(void)port;
	if (cl.req.iperf3) {
		if (!cl.udp_connected && p->tot_len == 4) {
			cl.udp_connected = 1;
		} else if (cl.running && cl.req.reverse) {
			i3_udp_rx(&cl.rx, b, n, p->tot_len, 0, now);
		}
	} else if (cl.sending_stopped && n >= 60 && !(p->tot_len == 52 && pgfw_get32(b) == 2)) {
		/* iperf2 AckFIN: the server report */
		cl.res->peer_bytes = (uint64_t)pgfw_get32(b + 20) << 32 | pgfw_get32(b + 24);
		cl.res->peer_packets = (uint64_t)pgfw_get32(b + 44) | (n >= 128 ? (uint64_t)pgfw_get32(b + 124) << 32 : 0);
		cl.res->lost = pgfw_get32(b + 36);
		cl.res->jitter_us = pgfw_get32(b + 48) * 1000000u + pgfw_get32(b + 52);
		finish(0);
	}
	pbuf_free(p);
}

static int open_udp(void)
{
	cl.udp = udp_new();
	if (cl.udp == NULL)
		return -ENOMEM;
	udp_recv(cl.udp, client_udp_recv, NULL);
	if (udp_connect(cl.udp, &cl.req.server, cl.req.port) != ERR_OK)
		return -EIO;
	cl.utx.pcb = cl.udp;
	cl.utx.dst = cl.req.server;
	cl.utx.dport = cl.req.port;
	cl.utx.len = cl.req.len;
	cl.utx.left = UINT64_MAX;
	cl.utx.deadline_us = UINT64_MAX;
	return 0;
}

static void results_send(void)
{
	struct i3_stream_result r;
	char out[512];
	int n;

	memset(&r, 0, sizeof(r));
	r.id = 1;
	r.retransmits = -1;
	if (cl.req.reverse) {
		r.bytes = cl.rx.bytes;
		r.packets = (uint64_t)cl.rx.packet_count;
		r.errors = cl.rx.cnt_error;
		r.jitter_us = cl.rx.jitter_us_x16 / 16u;
	} else if (cl.req.udp) {
		r.bytes = cl.utx.bytes;
		r.packets = (uint64_t)cl.utx.seq;
	} else {
		r.bytes = cl.tx_acked - cl.tx_hdr;
	}
	r.duration_us = (cl.deadline > cl.t_start) ? cl.deadline - cl.t_start : 0;
	n = i3_results_write(out, sizeof(out), cl.req.reverse ? -1 : 0, &r, 1);
	if (n > 0)
		ctrl_json(out, n);
}

static void test_running(void)
{
	uint64_t now = pgfw_port_now_us();

	cl.running = 1;
	cl.t_start = now;
	cl.deadline = now + (uint64_t)cl.req.duration_ms * 1000u;
	if (cl.req.reverse)
		return;
	if (cl.req.udp) {
		pgfw_pacer_init(&cl.utx.pacer, now, cl.req.rate_bps, cl.utx.len);
		cl.utx.running = 1;
	} else {
		cl.tx_left = UINT64_MAX;
		tx_fill();
	}
}

static void ctrl_process(void)
{
	for (;;) {
		uint32_t used;

		if (cl.done)
			return;
		if (cl.phase == CL_RESULTS_JSON) {
			struct i3_stream_result r[I3_MAX_STREAMS];
			uint32_t len;
			int n;

			if (cl.have < 4)
				return;
			len = pgfw_get32(cl.buf);
			if (len > sizeof(cl.buf) - 4) {
				pgfw_log("iperf3 client: server results of %lu bytes too large", (unsigned long)len);
				finish(-EMSGSIZE);
				return;
			}
			if (cl.have < 4 + len)
				return;
			n = i3_results_parse((const char *)cl.buf + 4, len, r, I3_MAX_STREAMS);
			if (n <= 0) {
				pgfw_log("iperf3 client: server results malformed");
				finish(-EPROTO);
				return;
			}
			cl.res->peer_bytes = r[0].bytes;
			cl.res->peer_packets = r[0].packets;
			if (!cl.req.reverse) {
				cl.res->lost = r[0].errors > 0 ? (uint64_t)r[0].errors : 0;
				cl.res->jitter_us = (uint32_t)r[0].jitter_us;
			}
			used = 4 + len;
			cl.phase = CL_CTRL;
		} else if (cl.phase == CL_ERROR_DETAIL) {
			if (cl.have < 8)
				return;
			pgfw_log("iperf3 client: server error i_errno=%ld errno=%ld", (long)(int32_t)pgfw_get32(cl.buf),
				 (long)(int32_t)pgfw_get32(cl.buf + 4));
			finish(-EPROTO);
			return;
		} else {
			uint8_t m;

			if (cl.have < 1)
				return;
			m = cl.buf[0];
			used = 1;
			switch (m) {
			case I3_PARAM_EXCHANGE: {
				struct i3_params p;
				char j[256];
				int n;

				memset(&p, 0, sizeof(p));
				p.udp = cl.req.udp;
				p.reverse = cl.req.reverse;
				p.parallel = 1;
				p.time = (cl.req.duration_ms + 999u) / 1000u;
				p.len = cl.req.len;
				p.bandwidth = cl.req.udp ? (int64_t)cl.req.rate_bps : 0;
				n = i3_params_write(j, sizeof(j), &p);
				if (n > 0)
					ctrl_json(j, n);
				break;
			}
			case I3_CREATE_STREAMS:
				if (cl.req.udp) {
					if (open_udp() != 0) {
						finish(-ENOMEM);
						return;
					}
					cl.utx.hdr_len = 12;
					cl.utx.stamp = i3_udp_stamp;
					{
						struct pbuf *q = pbuf_alloc(PBUF_TRANSPORT, 4, PBUF_RAM);

						if (q != NULL) {
							memcpy(q->payload, "9876", 4);
							udp_send(cl.udp, q);
							pbuf_free(q);
						}
					}
				} else if (open_tcp_data() != 0) {
					finish(-ENOMEM);
					return;
				}
				break;
			case I3_TEST_START:
				break;
			case I3_TEST_RUNNING:
				test_running();
				break;
			case I3_EXCHANGE_RESULTS:
				results_send();
				cl.phase = CL_RESULTS_JSON;
				break;
			case I3_DISPLAY_RESULTS:
				ctrl_byte(I3_IPERF_DONE);
				finish(0);
				return;
			case I3_ACCESS_DENIED:
				pgfw_log("iperf3 client: the server is busy");
				finish(-EBUSY);
				return;
			case I3_SERVER_ERROR:
				cl.phase = CL_ERROR_DETAIL;
				break;
			case I3_SERVER_TERMINATE:
				pgfw_log("iperf3 client: the server terminated the test");
				finish(-ECONNABORTED);
				return;
			default:
				pgfw_log("iperf3 client: unexpected control byte %u", m);
				finish(-EPROTO);
				return;
			}
		}
		memmove(cl.buf, cl.buf + used, cl.have - used);
		cl.have -= used;
	}
}

static err_t ctrl_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)arg;
	if (p == NULL || err != ERR_OK) {
		if (p != NULL)
			pbuf_free(p);
		if (!cl.done) {
			pgfw_log("iperf3 client: server closed the control connection");
			finish(-ECONNRESET);
		}
		return ERR_OK;
	}
	tcp_recved(pcb, p->tot_len);
	if (cl.have + p->tot_len > sizeof(cl.buf)) {
		pbuf_free(p);
		finish(-EMSGSIZE);
		return ERR_OK;
	}
	pbuf_copy_partial(p, cl.buf + cl.have, p->tot_len, 0);
	cl.have += p->tot_len;
	pbuf_free(p);
	ctrl_process();
	return ERR_OK;
}

static void ctrl_err(void *arg, err_t err)
{
	(void)arg;
	cl.ctrl = NULL;
	if (!cl.done) {
		pgfw_log("client: cannot reach %s:%u (lwIP err %d)", ipaddr_ntoa(&cl.req.server), cl.req.port, err);
		finish(err == ERR_RST ? -ECONNREFUSED : -ECONNABORTED);
	}
}

static err_t ctrl_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)arg;
	if (err != ERR_OK)
		return ERR_OK;
	cl.phase = CL_CTRL;
	tcp_nagle_disable(pcb);
	tcp_recv(pcb, ctrl_recv);
	i3_cookie_make(cl.cookie);
	ctrl_write(cl.cookie, I3_COOKIE_LEN);
	return ERR_OK;
}

/* ------------------------------------------------------------ iperf2 UDP */

static void i2_stamp(struct pgfw_udp_tx *tx, uint8_t *hdr, int64_t seq)
{
	uint32_t sec, usec;

	pgfw_port_wall(&sec, &usec);
	memcpy(hdr + 16, tx->tmpl + 16, tx->hdr_len - 16);
	pgfw_put32(hdr, (uint32_t)(uint64_t)seq);
	pgfw_put32(hdr + 4, sec);
	pgfw_put32(hdr + 8, usec);
	pgfw_put32(hdr + 12, (uint32_t)((uint64_t)seq >> 32));
}

static int i2_udp_start(void)
{
	struct pg_i2_udp_hdr *h = (struct pg_i2_udp_hdr *)cl.utx.tmpl;
	uint64_t now = pgfw_port_now_us();
	int rc = open_udp();

	if (rc)
		return rc;
	if (cl.utx.len < 76)
		cl.utx.len = 76;
	memset(h, 0, sizeof(*h));
	if (cl.req.trip_times) {
		/* as iperf 2.1.8 -u --trip-times: UDPTESTS + TRIPTIME, 108-byte header, and the
		 * test's wall-clock start time so the server can compute one-way latency */
		uint32_t sec, usec;

		pgfw_port_wall(&sec, &usec);
		h->flags = lwip_htonl(PG_I2_HEADER_EXTEND | PG_I2_HEADER_UDPTESTS | PG_I2_HEADER_SEQNO64B |
				      PG_I2_HEADER_LEN_BIT | (PG_I2_UDP_HDRLEN_TRIP << 1));
		h->upperflags = lwip_htons(PG_I2_U_TRIPTIME);
		h->start_tv_sec = lwip_htonl(sec);
		h->start_tv_usec = lwip_htonl(usec);
		if (cl.utx.len < PG_I2_UDP_HDRLEN_TRIP + 12)
			cl.utx.len = PG_I2_UDP_HDRLEN_TRIP + 12;
	} else {
		h->flags = lwip_htonl(PG_I2_HEADER_EXTEND | PG_I2_HEADER_SEQNO64B | PG_I2_HEADER_LEN_BIT |
				      (PG_I2_UDP_HDRLEN_BASE << 1));
	}
	h->num_threads = lwip_htonl(1);
	h->mport = lwip_htonl(cl.req.port);
	h->buflen = lwip_htonl(cl.req.len);
	h->amount = (int32_t)lwip_htonl((uint32_t)-(int32_t)(cl.req.duration_ms / 10u));
	h->version_u = lwip_htonl(PG_I2_VERSION_U);
	h->version_l = lwip_htonl(PG_I2_VERSION_L);
	h->rate_l = lwip_htonl((uint32_t)cl.req.rate_bps);
	h->rate_u = lwip_htonl((uint32_t)(cl.req.rate_bps >> 32) << 8);
	cl.utx.hdr_len = cl.utx.len < PGFW_UDP_HDR_MAX ? cl.utx.len : PGFW_UDP_HDR_MAX;
	cl.utx.stamp = i2_stamp;
	pgfw_pacer_init(&cl.utx.pacer, now, cl.req.rate_bps, cl.utx.len);
	cl.utx.running = 1;
	cl.running = 1;
	cl.t_start = now;
	cl.deadline = now + (uint64_t)cl.req.duration_ms * 1000u;
	cl.utx.deadline_us = cl.deadline;
	return 0;
}

/* ------------------------------------------------------------ driver */

void pgfw_client_poll(uint64_t now)
{
	if (cl.phase == CL_IDLE || cl.done)
		return;
	if (now > cl.give_up_us) {
		pgfw_log("client: test did not finish in time");
		finish(-ETIMEDOUT);
		return;
	}
	if (!cl.running)
		return;
	if (cl.req.udp && cl.utx.running)
		pgfw_udp_tx_run(&cl.utx, now);
	if (now < cl.deadline)
		return;
	if (!cl.sending_stopped) {
		cl.sending_stopped = 1;
		cl.utx.running = 0;
		if (cl.data != NULL)
			tcp_output(cl.data);
	}
	if (!cl.req.iperf3) {
		if (cl.req.udp) {
			if (cl.fin_tries < I2_FIN_TRIES && now - cl.fin_last_us >= I2_FIN_INTERVAL_US) {
				cl.fin_tries++;
				cl.fin_last_us = now;
				pgfw_udp_tx_one(&cl.utx, -(cl.utx.seq + (int64_t)cl.fin_tries));
			} else if (cl.fin_tries >= I2_FIN_TRIES && now - cl.fin_last_us >= I2_FIN_INTERVAL_US) {
				pgfw_log("iperf2 client: no server report after %d FIN tries", I2_FIN_TRIES);
				finish(-ETIMEDOUT);
			}
		} else if (cl.data != NULL && cl.data->unsent == NULL && cl.data->unacked == NULL) {
			pgfw_tcp_acked(cl.data, &cl.tx_lastack, &cl.tx_acked);
			close_tcp(&cl.data);
			finish(0);
		}
		return;
	}
	/* iperf3: TEST_END once our data is acknowledged (TCP) or has had time to arrive (UDP,
	 * whose last datagrams would otherwise race the control message), so the server
	 * counts all of it. */
	if (!cl.end_sent &&
	    ((cl.req.udp && !cl.req.reverse && now >= cl.deadline + I3_UDP_DRAIN_US) ||
	     (!cl.req.udp && !cl.req.reverse &&
	      (cl.data == NULL || (cl.data->unsent == NULL && cl.data->unacked == NULL))) ||
	     cl.req.reverse)) {
		if (cl.data != NULL && !cl.req.reverse && !cl.req.udp)
			pgfw_tcp_acked(cl.data, &cl.tx_lastack, &cl.tx_acked);
		cl.end_sent = 1;
		ctrl_byte(I3_TEST_END);
	}
}

int pgfw_client_run(const struct pgfw_client_req *req, struct pgfw_result *res)
{
	uint64_t now = pgfw_port_now_us();
	int rc = 0;

	memset(res, 0, sizeof(*res));
	if (cl.phase != CL_IDLE && !cl.done) {
		res->err = -EBUSY;
		return -EBUSY;
	}
	memset(&cl, 0, sizeof(cl));
	cl.req = *req;
	cl.res = res;
	cl.phase = CL_CONNECTING;
	cl.give_up_us = now + (uint64_t)req->duration_ms * 1000u + CL_GRACE_US;
	if (req->udp && (req->len < 16 || req->len > PGFW_UDP_MAX_LEN)) {
		pgfw_log("client: UDP length %lu outside 16..%u", (unsigned long)req->len, PGFW_UDP_MAX_LEN);
		rc = -EINVAL;
	} else if (req->iperf3) {
		cl.ctrl = tcp_new();
		if (cl.ctrl == NULL) {
			rc = -ENOMEM;
		} else {
			tcp_err(cl.ctrl, ctrl_err);
			if (tcp_connect(cl.ctrl, &cl.req.server, cl.req.port, ctrl_connected) != ERR_OK) {
				tcp_abort(cl.ctrl);
				cl.ctrl = NULL;
				rc = -EIO;
			}
		}
	} else if (req->udp) {
		rc = i2_udp_start();
	} else {
		rc = open_tcp_data();
	}
	if (rc) {
		finish(rc);
	}
	while (!cl.done)
		pgfw_port_poll();
	/* bytes this end moved */
	if (req->reverse) {
		res->bytes = cl.rx.bytes;
		res->packets = (uint64_t)cl.rx.packet_count;
		res->duration_us = cl.rx.last_us > cl.rx.first_us ? cl.rx.last_us - cl.rx.first_us : 0;
		if (req->udp) {
			res->lost = (uint64_t)(cl.rx.cnt_error > 0 ? cl.rx.cnt_error : 0);
			res->jitter_us = (uint32_t)(cl.rx.jitter_us_x16 / 16u);
		}
	} else if (req->udp) {
		res->bytes = cl.utx.bytes;
		res->packets = (uint64_t)cl.utx.seq;
		res->duration_us = cl.utx.last_us > cl.utx.first_us ? cl.utx.last_us - cl.utx.first_us : 0;
	} else {
		res->bytes = cl.tx_acked - cl.tx_hdr;
		res->duration_us = cl.tx_last_us > cl.t_start ? cl.tx_last_us - cl.t_start : 0;
	}
	cl.phase = CL_IDLE;
	return res->err;
}

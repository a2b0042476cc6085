/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3 control-channel state machine, client and server, sans-IO: bytes in through
 * pg_iperf3_ctrl_input(), bytes out through an output buffer the caller drains, and a
 * queue of events the caller acts on (open streams, start, stop, hand in results).
 * Sequence (iperf-wire.md 1.4):
 *   C: cookie            S: PARAM_EXCHANGE   C: params JSON    S: CREATE_STREAMS
 *   (streams)            S: TEST_START, TEST_RUNNING           C: TEST_END
 *   S: EXCHANGE_RESULTS  C: results JSON     S: results JSON, DISPLAY_RESULTS
 *   C: IPERF_DONE
 * A client accepts ACCESS_DENIED, SERVER_ERROR (+8 bytes) and SERVER_TERMINATE in any
 * state; a server accepts CLIENT_TERMINATE in any state. Anything else out of order is
 * a protocol error. Allocation only when a JSON message is received or queued.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iperf3.h"

enum phase {
	/* client */
	C_WAIT_PARAM_EXCHANGE,
	C_WAIT_CREATE,
	C_WAIT_START,
	C_WAIT_RUNNING,
	C_RUNNING,
	C_WAIT_EXCHANGE,
	C_WAIT_PEER_RESULTS,
	C_WAIT_DISPLAY,
	/* server */
	S_WAIT_COOKIE,
	S_WAIT_PARAMS,
	S_PARAMS_PENDING,
	S_WAIT_STREAMS,
	S_RUNNING,
	S_WAIT_SUBMIT,
	S_WAIT_PEER_RESULTS,
	S_WAIT_DONE,
	/* both */
	P_DONE,
	P_ERROR,
};

enum rx_expect {
	RX_COOKIE,     /* 37 bytes */
	RX_MSG,        /* 1 byte */
	RX_ERRDETAIL,  /* 8 bytes after SERVER_ERROR */
	RX_JSON_LEN,   /* 4 bytes */
	RX_JSON_BODY,
	RX_IGNORE,
};

#define EVQ 64

struct pg_iperf3_ctrl {
	enum pg_iperf3_role role;
	enum phase phase;
	int last_msg;
	int running;
	struct pg_iperf3_params params;
	char cookie[PG_IPERF3_COOKIE_LEN];
	unsigned int nb_streams, nb_arrived;

	enum rx_expect rx;
	uint8_t small[PG_IPERF3_COOKIE_LEN];
	uint32_t small_have;
	char *json;
	uint32_t json_len, json_have;

	uint8_t *out;
	size_t out_off, out_len, out_cap;

	enum pg_iperf3_ev_type evq[EVQ];
	unsigned int ev_head, ev_tail;

	char *local_results;      /* encoded, waiting to be sent */
	size_t local_results_len;
	int results_wanted;       /* the protocol is waiting for our results */

	struct pg_iperf3_results peer;
	int have_peer;
	struct pg_iperf3_error err;
};

static void push_ev(struct pg_iperf3_ctrl *c, enum pg_iperf3_ev_type ev)
{
	/* at most a handful per input call; a full queue means the caller never polls */
	if (c->ev_tail - c->ev_head < EVQ)
		c->evq[c->ev_tail++ % EVQ] = ev;
}

static int out_put(struct pg_iperf3_ctrl *c, const void *p, size_t n)
{
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 256;
		uint8_t *nb;

		while (cap < c->out_len + n)
			cap *= 2;
		nb = realloc(c->out, cap);
		if (!nb)
			return -ENOMEM;
		c->out = nb;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	return 0;
}

static int send_msg(struct pg_iperf3_ctrl *c, int msg)
{
	int8_t b = (int8_t)msg;
	int rc = out_put(c, &b, 1);

	if (!rc)
		c->last_msg = msg;
	return rc;
}

static int send_json(struct pg_iperf3_ctrl *c, const char *s, size_t n)
{
	uint8_t l[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
	int rc = out_put(c, l, 4);

	return rc ? rc : out_put(c, s, n);
}

static int set_error(struct pg_iperf3_ctrl *c, enum pg_iperf3_err_kind kind, int rc,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int set_error(struct pg_iperf3_ctrl *c, enum pg_iperf3_err_kind kind, int rc,
		     const char *fmt, ...)
{
	va_list ap;

	if (c->phase == P_ERROR)
		return rc;
	c->err.kind = kind;
	va_start(ap, fmt);
	vsnprintf(c->err.msg, sizeof(c->err.msg), fmt, ap);
	va_end(ap);
	c->phase = P_ERROR;
	c->rx = RX_IGNORE;
	c->running = 0;
	free(c->json);
	c->json = NULL;
	push_ev(c, PG_IPERF3_EV_ERROR);
	return rc;
}

static const char *peer_name(const struct pg_iperf3_ctrl *c)
{
	return c->role == PG_IPERF3_CLIENT ? "server" : "client";
}

struct pg_iperf3_ctrl *pg_iperf3_ctrl_new(enum pg_iperf3_role role,
					  const struct pg_iperf3_params *params,
					  const char *cookie)
{
	struct pg_iperf3_ctrl *c;

	if (role == PG_IPERF3_CLIENT &&
	    (!params || !cookie || pg_iperf3_params_validate(params, NULL, 0) ||
	     !pg_iperf3_cookie_valid((const uint8_t *)cookie))) {
		errno = EINVAL;
		return NULL;
	}
	if (role != PG_IPERF3_CLIENT && role != PG_IPERF3_SERVER) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		errno = ENOMEM;
		return NULL;
	}
	c->role = role;
	if (role == PG_IPERF3_CLIENT) {
		c->params = *params;
		memcpy(c->cookie, cookie, PG_IPERF3_COOKIE_LEN);
		c->nb_streams = pg_iperf3_nb_streams(params);
		c->phase = C_WAIT_PARAM_EXCHANGE;
		c->rx = RX_MSG;
		if (out_put(c, c->cookie, PG_IPERF3_COOKIE_LEN)) {
			pg_iperf3_ctrl_free(c);
			errno = ENOMEM;
			return NULL;
		}
	} else {
		pg_iperf3_params_init(&c->params);
		c->phase = S_WAIT_COOKIE;
		c->rx = RX_COOKIE;
	}
	return c;
}

void pg_iperf3_ctrl_free(struct pg_iperf3_ctrl *c)
{
	if (!c)
		return;
	free(c->json);
	free(c->out);
	free(c->local_results);
	pg_iperf3_results_release(&c->peer);
	free(c);
}

/* Sends our stored results when both the protocol wants them and the caller gave them. */
static int flush_results(struct pg_iperf3_ctrl *c)
{
	int rc;

	if (!c->results_wanted || !c->local_results)
		return 0;
	if (c->role == PG_IPERF3_SERVER && c->phase == S_WAIT_SUBMIT) {
		/* the server stopped its streams: ask for the client's results first */
		rc = send_msg(c, PG_IPERF3_EXCHANGE_RESULTS);
		if (rc)
			return rc;
		c->phase = S_WAIT_PEER_RESULTS;
		c->rx = RX_JSON_LEN;
		return 0;
	}
	if (c->role == PG_IPERF3_SERVER && c->phase == S_WAIT_DONE) {
		rc = send_json(c, c->local_results, c->local_results_len);
		if (!rc)
			rc = send_msg(c, PG_IPERF3_DISPLAY_RESULTS);
	} else {
		rc = send_json(c, c->local_results, c->local_results_len);
	}
	if (rc)
		return rc;
	free(c->local_results);
	c->local_results = NULL;
	c->results_wanted = 0;
	return 0;
}

static int check_peer_ids(struct pg_iperf3_ctrl *c)
{
	uint32_t i;

	for (i = 0; i < c->peer.nb_streams; i++) {
		int32_t id = c->peer.streams[i].id;

		if (id != 1 && (id < 3 || id >= (int32_t)c->nb_streams + 2))
			return set_error(c, PG_IPERF3_ERR_PROTOCOL, -EPROTO,
					 "unable to receive results: stream has an invalid id (%d)", id);
	}
	return 0;
}

static int on_json(struct pg_iperf3_ctrl *c)
{
	char e[256];
	int rc;

	e[0] = 0;
	if (c->phase == S_WAIT_PARAMS) {
		rc = pg_iperf3_params_decode(c->json, c->json_len, &c->params, e, sizeof(e));
		if (rc) {
			int32_t ie = rc == -EPROTONOSUPPORT ?
				(strstr(e, "auth") ? PG_IPERF3_IE_AUTHTEST : PG_IPERF3_IE_PROTOCOL) :
				PG_IPERF3_IE_RECVPARAMS;

			/* tell the client why before closing (3.12 would just close) */
			if (!send_msg(c, PG_IPERF3_SERVER_ERROR)) {
				uint8_t d[8] = { (uint8_t)(ie >> 24), (uint8_t)(ie >> 16),
						 (uint8_t)(ie >> 8), (uint8_t)ie, 0, 0, 0, 22 };

				out_put(c, d, 8);
			}
			return set_error(c, PG_IPERF3_ERR_PROTOCOL, -EPROTO,
					 "unable to receive parameters from client: %s", e);
		}
		c->nb_streams = pg_iperf3_nb_streams(&c->params);
		c->phase = S_PARAMS_PENDING;
		c->rx = RX_MSG;
		push_ev(c, PG_IPERF3_EV_PARAMS);
		return 0;
	}
	/* results, either side */
	pg_iperf3_results_release(&c->peer);
	rc = pg_iperf3_results_decode(c->json, c->json_len, &c->peer, e, sizeof(e));
	if (rc == -ENOMEM)
		return set_error(c, PG_IPERF3_ERR_LOCAL, rc, "out of memory decoding the %s's results",
				 peer_name(c));
	if (rc)
		return set_error(c, PG_IPERF3_ERR_PROTOCOL, -EPROTO, "unable to receive results: %s", e);
	rc = check_peer_ids(c);
	if (rc)
		return rc;
	c->have_peer = 1;
	c->rx = RX_MSG;
	push_ev(c, PG_IPERF3_EV_PEER_RESULTS);
	if (c->phase == C_WAIT_PEER_RESULTS) {
		c->phase = C_WAIT_DISPLAY;
		return 0;
	}
	/* server: now ours, then DISPLAY_RESULTS */
	c->phase = S_WAIT_DONE;
	c->results_wanted = 1;
	rc = flush_results(c);
	return rc ? set_error(c, PG_IPERF3_ERR_LOCAL, rc, "out of memory queueing results") : 0;
}

static const char *msg_name(int m)
{
	switch (m) {
	case PG_IPERF3_TEST_START: return "TEST_START";
	case PG_IPERF3_TEST_RUNNING: return "TEST_RUNNING";
	case 3: return "RESULT_REQUEST";
	case PG_IPERF3_TEST_END: return "TEST_END";
	case PG_IPERF3_PARAM_EXCHANGE: return "PARAM_EXCHANGE";
	case PG_IPERF3_CREATE_STREAMS: return "CREATE_STREAMS";
	case PG_IPERF3_SERVER_TERMINATE: return "SERVER_TERMINATE";
	case PG_IPERF3_CLIENT_TERMINATE: return "CLIENT_TERMINATE";
	case PG_IPERF3_EXCHANGE_RESULTS: return "EXCHANGE_RESULTS";
	case PG_IPERF3_DISPLAY_RESULTS: return "DISPLAY_RESULTS";
	case PG_IPERF3_IPERF_DONE: return "IPERF_DONE";
	case PG_IPERF3_ACCESS_DENIED: return "ACCESS_DENIED";
	case PG_IPERF3_SERVER_ERROR: return "SERVER_ERROR";
	default: return "unknown";
	}
}

static int unexpected(struct pg_iperf3_ctrl *c, int m)
{
	return set_error(c, PG_IPERF3_ERR_PROTOCOL, -EPROTO,
			 "received an unexpected control message %d (%s) from the %s after %s",
			 m, msg_name(m), peer_name(c), msg_name(c->last_msg));
}

/* The one message each client phase accepts (besides the any-state ones). */
static const int client_expect[C_WAIT_DISPLAY + 1] = {
	[C_WAIT_PARAM_EXCHANGE] = PG_IPERF3_PARAM_EXCHANGE,
	[C_WAIT_CREATE] = PG_IPERF3_CREATE_STREAMS,
	[C_WAIT_START] = PG_IPERF3_TEST_START,
	[C_WAIT_RUNNING] = PG_IPERF3_TEST_RUNNING,
	[C_RUNNING] = 1000,
	[C_WAIT_EXCHANGE] = PG_IPERF3_EXCHANGE_RESULTS,
	[C_WAIT_PEER_RESULTS] = 1000,
	[C_WAIT_DISPLAY] = PG_IPERF3_DISPLAY_RESULTS,
};

static int client_msg(struct pg_iperf3_ctrl *c, int m)
{
	int rc = 0;

	switch (m) {
	case PG_IPERF3_ACCESS_DENIED:
		c->err.i_errno = PG_IPERF3_IE_ACCESSDENIED;
		return set_error(c, PG_IPERF3_ERR_ACCESS_DENIED, -EPROTO, "%s",
				 pg_iperf3_ierr_str(PG_IPERF3_IE_ACCESSDENIED));
	case PG_IPERF3_SERVER_ERROR:
		c->rx = RX_ERRDETAIL;
		c->small_have = 0;
		return 0;
	case PG_IPERF3_SERVER_TERMINATE:
		/* the 3.12 client still says IPERF_DONE before closing */
		send_msg(c, PG_IPERF3_IPERF_DONE);
		return set_error(c, PG_IPERF3_ERR_SERVER_TERMINATE, -EPROTO, "the server has terminated");
	}
	if (c->phase > C_WAIT_DISPLAY || m != client_expect[c->phase])
		return unexpected(c, m);
	c->last_msg = m;
	switch (c->phase) {
	case C_WAIT_PARAM_EXCHANGE:
		{
			size_t n;
			char *s = pg_iperf3_params_encode(&c->params, &n);

			if (!s)
				return set_error(c, PG_IPERF3_ERR_LOCAL, -ENOMEM, "unable to send parameters to server");
			rc = send_json(c, s, n);
			free(s);
		}
		c->phase = C_WAIT_CREATE;
		break;
	case C_WAIT_CREATE:
		c->phase = C_WAIT_START;
		push_ev(c, PG_IPERF3_EV_CREATE_STREAMS);
		break;
	case C_WAIT_START:
		c->phase = C_WAIT_RUNNING;
		push_ev(c, PG_IPERF3_EV_TEST_START);
		break;
	case C_WAIT_RUNNING:
		c->phase = C_RUNNING;
		c->running = 1;
		push_ev(c, PG_IPERF3_EV_TEST_RUNNING);
		break;
	case C_WAIT_EXCHANGE:
		c->phase = C_WAIT_PEER_RESULTS;
		c->rx = RX_JSON_LEN;
		c->results_wanted = 1;
		if (c->local_results)
			rc = flush_results(c);
		else
			push_ev(c, PG_IPERF3_EV_RESULTS_NEEDED);
		break;
	case C_WAIT_DISPLAY:
		rc = send_msg(c, PG_IPERF3_IPERF_DONE);
		c->phase = P_DONE;
		c->rx = RX_IGNORE;
		push_ev(c, PG_IPERF3_EV_DONE);
		break;
	default:
		return unexpected(c, m);
	}
	return rc ? set_error(c, PG_IPERF3_ERR_LOCAL, rc, "out of memory queueing a control message") : 0;
}

static int server_msg(struct pg_iperf3_ctrl *c, int m)
{
	if (m == PG_IPERF3_CLIENT_TERMINATE) {
		c->last_msg = m;
		return set_error(c, PG_IPERF3_ERR_CLIENT_TERMINATE, -EPROTO, "the client has terminated");
	}
	if (m == PG_IPERF3_TEST_START)
		return 0; /* ignored by 3.12 servers too */
	switch (c->phase) {
	case S_RUNNING:
		if (m != PG_IPERF3_TEST_END)
			return unexpected(c, m);
		c->last_msg = m;
		c->running = 0;
		c->phase = S_WAIT_SUBMIT;
		c->results_wanted = 1;
		push_ev(c, PG_IPERF3_EV_TEST_END);
		if (c->local_results) {
			if (flush_results(c))
				return set_error(c, PG_IPERF3_ERR_LOCAL, -ENOMEM, "out of memory");
		} else {
			push_ev(c, PG_IPERF3_EV_RESULTS_NEEDED);
		}
		return 0;
	case S_WAIT_DONE:
		if (m != PG_IPERF3_IPERF_DONE || c->results_wanted)
			return unexpected(c, m);
		c->last_msg = m;
		c->phase = P_DONE;
		c->rx = RX_IGNORE;
		push_ev(c, PG_IPERF3_EV_DONE);
		return 0;
	default:
		return unexpected(c, m);
	}
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Collects want bytes into c->small; returns bytes taken from buf. */
static size_t gather(struct pg_iperf3_ctrl *c, const uint8_t *buf, size_t len, uint32_t want)
{
	size_t n = want - c->small_have;

	if (n > len)
		n = len;
	memcpy(c->small + c->small_have, buf, n);
	c->small_have += (uint32_t)n;
	return n;
}

int pg_iperf3_ctrl_input(struct pg_iperf3_ctrl *c, const uint8_t *buf, size_t len)
{
	size_t n;
	int rc;

	while (len > 0) {
		switch (c->rx) {
		case RX_IGNORE:
			if (c->phase == P_ERROR)
				return -EPROTO;
			return 0; /* after DONE: nothing more is expected; ignore */
		case RX_COOKIE:
			n = gather(c, buf, len, PG_IPERF3_COOKIE_LEN);
			buf += n;
			len -= n;
			if (c->small_have < PG_IPERF3_COOKIE_LEN)
				break;
			c->small_have = 0;
			if (!pg_iperf3_cookie_valid(c->small))
				return set_error(c, PG_IPERF3_ERR_PROTOCOL, -EPROTO,
						 "bad cookie on the control connection (not an iperf3 client?)");
			memcpy(c->cookie, c->small, PG_IPERF3_COOKIE_LEN);
			if (send_msg(c, PG_IPERF3_PARAM_EXCHANGE))
				return set_error(c, PG_IPERF3_ERR_LOCAL, -ENOMEM, "out of memory");
			c->phase = S_WAIT_PARAMS;
			c->rx = RX_JSON_LEN;
			break;
		case RX_MSG:
			rc = (c->role == PG_IPERF3_CLIENT ? client_msg : server_msg)(c, (int8_t)buf[0]);
			buf++;
			len--;
			if (rc)
				return rc;
			break;
		case RX_ERRDETAIL:
			n = gather(c, buf, len, 8);
			buf += n;
			len -= n;
			if (c->small_have < 8)
				break;
			c->err.i_errno = (int32_t)be32(c->small);
			c->err.sys_errno = (int32_t)be32(c->small + 4);
			if (c->err.sys_errno)
				return set_error(c, PG_IPERF3_ERR_SERVER_ERROR, -EPROTO,
						 "the server reported an error: %s: %s (iperf3 error %d, errno %d)",
						 pg_iperf3_ierr_str(c->err.i_errno), strerror(c->err.sys_errno),
						 c->err.i_errno, c->err.sys_errno);
			return set_error(c, PG_IPERF3_ERR_SERVER_ERROR, -EPROTO,
					 "the server reported an error: %s (iperf3 error %d)",
					 pg_iperf3_ierr_str(c->err.i_errno), c->err.i_errno);
		case RX_JSON_LEN: {
			uint32_t cap = c->phase == S_WAIT_PARAMS ? PG_IPERF3_PARAMS_MAX : PG_IPERF3_RESULTS_MAX;

			/*
			 * Lengths are under 2^24, so a non-zero first byte is a control message
			 * sent instead of the JSON: SERVER_ERROR / ACCESS_DENIED / SERVER_TERMINATE
			 * (3.21 servers send SERVER_ERROR in any state), CLIENT_TERMINATE.
			 */
			if (c->small_have == 0 && buf[0] != 0) {
				rc = (c->role == PG_IPERF3_CLIENT ? client_msg : server_msg)(c, (int8_t)buf[0]);
				buf++;
				len--;
				if (rc)
					return rc;
				break;
			}
			n = gather(c, buf, len, 4);
			buf += n;
			len -= n;
			if (c->small_have < 4)
				break;
			c->small_have = 0;
			c->json_len = be32(c->small);
			if (c->json_len == 0 || c->json_len > cap)
				return set_error(c, PG_IPERF3_ERR_PROTOCOL, -EPROTO,
						 "%s JSON of %u bytes from the %s (accepted: 1..%u)",
						 c->phase == S_WAIT_PARAMS ? "parameters" : "results",
						 c->json_len, peer_name(c), cap);
			c->json = malloc(c->json_len);
			if (!c->json)
				return set_error(c, PG_IPERF3_ERR_LOCAL, -ENOMEM, "out of memory for a %u-byte JSON",
						 c->json_len);
			c->json_have = 0;
			c->rx = RX_JSON_BODY;
			break;
		}
		case RX_JSON_BODY:
			n = c->json_len - c->json_have;
			if (n > len)
				n = len;
			memcpy(c->json + c->json_have, buf, n);
			c->json_have += (uint32_t)n;
			buf += n;
			len -= n;
			if (c->json_have < c->json_len)
				break;
			rc = on_json(c);
			free(c->json);
			c->json = NULL;
			if (rc)
				return rc;
			break;
		}
	}
	return c->phase == P_ERROR ? -EPROTO : 0;
}

int pg_iperf3_ctrl_eof(struct pg_iperf3_ctrl *c)
{
	if (c->phase == P_DONE)
		return 0;
	if (c->phase == P_ERROR)
		return -ECONNRESET;
	if (c->rx == RX_ERRDETAIL)
		return set_error(c, PG_IPERF3_ERR_SERVER_ERROR, -ECONNRESET,
				 "the server reported an error but closed before its error code");
	return set_error(c, PG_IPERF3_ERR_PEER_CLOSED, -ECONNRESET,
			 "the %s has unexpectedly closed the connection", peer_name(c));
}

size_t pg_iperf3_ctrl_output(const struct pg_iperf3_ctrl *c, const uint8_t **data)
{
	if (!c->out) { /* nothing was ever queued (a server before the cookie) */
		*data = NULL;
		return 0;
	}
	*data = c->out + c->out_off;
	return c->out_len - c->out_off;
}

void pg_iperf3_ctrl_output_done(struct pg_iperf3_ctrl *c, size_t n)
{
	if (n > c->out_len - c->out_off)
		n = c->out_len - c->out_off;
	c->out_off += n;
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
}

int pg_iperf3_ctrl_next_event(struct pg_iperf3_ctrl *c, enum pg_iperf3_ev_type *ev)
{
	if (c->ev_head == c->ev_tail)
		return 0;
	*ev = c->evq[c->ev_head++ % EVQ];
	return 1;
}

int pg_iperf3_ctrl_accept_params(struct pg_iperf3_ctrl *c)
{
	if (c->role != PG_IPERF3_SERVER || c->phase != S_PARAMS_PENDING)
		return -EINVAL;
	if (send_msg(c, PG_IPERF3_CREATE_STREAMS))
		return set_error(c, PG_IPERF3_ERR_LOCAL, -ENOMEM, "out of memory");
	c->phase = S_WAIT_STREAMS;
	c->nb_arrived = 0;
	return 0;
}

int pg_iperf3_ctrl_server_error(struct pg_iperf3_ctrl *c, int32_t i_errno, int32_t sys_errno)
{
	uint8_t d[8];
	int i;

	if (c->role != PG_IPERF3_SERVER || c->phase == P_DONE || c->phase == P_ERROR)
		return -EINVAL;
	for (i = 0; i < 4; i++) {
		d[i] = (uint8_t)((uint32_t)i_errno >> (24 - 8 * i));
		d[4 + i] = (uint8_t)((uint32_t)sys_errno >> (24 - 8 * i));
	}
	if (send_msg(c, PG_IPERF3_SERVER_ERROR) || out_put(c, d, 8))
		return set_error(c, PG_IPERF3_ERR_LOCAL, -ENOMEM, "out of memory");
	c->err.i_errno = i_errno;
	c->err.sys_errno = sys_errno;
	set_error(c, PG_IPERF3_ERR_LOCAL, 0, "sent SERVER_ERROR to the client: %s (iperf3 error %d, errno %d)",
		  pg_iperf3_ierr_str(i_errno), i_errno, sys_errno);
	return 0;
}

int pg_iperf3_ctrl_stream_info(const struct pg_iperf3_ctrl *c, unsigned int idx,
			       struct pg_iperf3_stream_info *si)
{
	if (idx >= c->nb_streams)
		return -EINVAL;
	si->idx = idx;
	si->id = pg_iperf3_stream_id(idx);
	si->sender = pg_iperf3_stream_is_sender(&c->params, c->role, idx);
	return 0;
}

int pg_iperf3_ctrl_stream_arrived(struct pg_iperf3_ctrl *c, const uint8_t *cookie,
				  struct pg_iperf3_stream_info *si)
{
	if (c->role != PG_IPERF3_SERVER || c->phase != S_WAIT_STREAMS ||
	    c->nb_arrived >= c->nb_streams)
		return -EACCES;
	if (c->params.udp != !cookie)
		return -EACCES;
	if (cookie && memcmp(cookie, c->cookie, PG_IPERF3_COOKIE_LEN))
		return -EACCES;
	pg_iperf3_ctrl_stream_info(c, c->nb_arrived++, si);
	if (c->nb_arrived == c->nb_streams) {
		if (send_msg(c, PG_IPERF3_TEST_START) || send_msg(c, PG_IPERF3_TEST_RUNNING))
			return set_error(c, PG_IPERF3_ERR_LOCAL, -ENOMEM, "out of memory");
		c->phase = S_RUNNING;
		c->running = 1;
		push_ev(c, PG_IPERF3_EV_TEST_START);
		push_ev(c, PG_IPERF3_EV_TEST_RUNNING);
	}
	return 0;
}

int pg_iperf3_ctrl_test_end(struct pg_iperf3_ctrl *c)
{
	if (c->role != PG_IPERF3_CLIENT || (c->phase != C_RUNNING && c->phase != C_WAIT_RUNNING))
		return -EINVAL;
	if (send_msg(c, PG_IPERF3_TEST_END))
		return set_error(c, PG_IPERF3_ERR_LOCAL, -ENOMEM, "out of memory");
	c->running = 0;
	c->phase = C_WAIT_EXCHANGE;
	return 0;
}

int pg_iperf3_ctrl_submit_results(struct pg_iperf3_ctrl *c, const struct pg_iperf3_results *r)
{
	size_t n;
	char *s;
	int rc;

	if (c->phase == P_DONE || c->phase == P_ERROR || c->local_results)
		return -EINVAL;
	if (c->role == PG_IPERF3_SERVER ? c->phase != S_WAIT_SUBMIT && c->phase != S_RUNNING :
	    c->phase < C_RUNNING || c->phase > C_WAIT_PEER_RESULTS)
		return -EINVAL;
	if (c->phase == C_WAIT_PEER_RESULTS && !c->results_wanted)
		return -EINVAL; /* already sent */
	s = pg_iperf3_results_encode(r, &n);
	if (!s)
		return -errno;
	c->local_results = s;
	c->local_results_len = n;
	rc = flush_results(c);
	return rc ? set_error(c, PG_IPERF3_ERR_LOCAL, rc, "out of memory queueing results") : 0;
}

int pg_iperf3_ctrl_terminate(struct pg_iperf3_ctrl *c)
{
	int rc;

	if (c->phase == P_DONE || c->phase == P_ERROR)
		return -EINVAL;
	rc = send_msg(c, c->role == PG_IPERF3_CLIENT ? PG_IPERF3_CLIENT_TERMINATE :
		      PG_IPERF3_SERVER_TERMINATE);
	set_error(c, PG_IPERF3_ERR_LOCAL, 0, "test interrupted locally");
	return rc;
}

enum pg_iperf3_conn_kind pg_iperf3_ctrl_classify_conn(const struct pg_iperf3_ctrl *active)
{
	if (!active || active->phase == P_DONE || active->phase == P_ERROR)
		return PG_IPERF3_CONN_CONTROL;
	if (active->phase == S_WAIT_STREAMS && !active->params.udp)
		return PG_IPERF3_CONN_STREAM;
	return PG_IPERF3_CONN_DENY;
}

const struct pg_iperf3_params *pg_iperf3_ctrl_params(const struct pg_iperf3_ctrl *c)
{
	return &c->params;
}

const struct pg_iperf3_results *pg_iperf3_ctrl_peer_results(const struct pg_iperf3_ctrl *c)
{
	return c->have_peer ? &c->peer : NULL;
}

const struct pg_iperf3_error *pg_iperf3_ctrl_error(const struct pg_iperf3_ctrl *c)
{
	return &c->err;
}

const char *pg_iperf3_ctrl_cookie(const struct pg_iperf3_ctrl *c)
{
	return c->cookie;
}

unsigned int pg_iperf3_ctrl_nb_streams(const struct pg_iperf3_ctrl *c)
{
	return c->nb_streams;
}

int pg_iperf3_ctrl_state(const struct pg_iperf3_ctrl *c)
{
	return c->last_msg;
}

int pg_iperf3_ctrl_finished(const struct pg_iperf3_ctrl *c)
{
	return c->phase == P_DONE || c->phase == P_ERROR;
}

int pg_iperf3_ctrl_running(const struct pg_iperf3_ctrl *c)
{
	return c->running;
}

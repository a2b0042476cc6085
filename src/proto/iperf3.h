/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3 (3.12 wire level) protocol, sans-IO: the control-channel state machine for
 * both roles, the parameter and results JSON, the 37-byte cookie that opens every TCP
 * connection, the UDP "connect" handshake, the UDP datagram header and the receiver's
 * UDP accounting exactly as iperf3 does it. Nothing here opens a socket, reads a clock
 * or draws random numbers: the caller moves the bytes (kernel sockets in the tests,
 * the userspace TCP in perfgen), passes times and randomness in, and polls events.
 * Wire reference: /work/shared/reference/iperf-wire.md section 1.
 *
 * Control path (allocation allowed: JSON): pg_iperf3_ctrl_*, pg_iperf3_params_*,
 * pg_iperf3_results_*. Data path (no allocation, no division, no syscall):
 * pg_iperf3_udp_stamp(), pg_iperf3_udp_parse(), pg_iperf3_udp_rx_update().
 */
#ifndef PG_IPERF3_H
#define PG_IPERF3_H

#include <errno.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#define PG_IPERF3_DEFAULT_PORT 5201
#define PG_IPERF3_COOKIE_LEN 37           /* 36 chars of [a-z2-7] + NUL */
#define PG_IPERF3_MAX_STREAMS 128         /* -P limit, per direction (iperf3 MAX_STREAMS) */
#define PG_IPERF3_MAX_RESULT_STREAMS (2 * PG_IPERF3_MAX_STREAMS) /* --bidir */
#define PG_IPERF3_PARAMS_MAX (64u * 1024)       /* largest params JSON accepted */
#define PG_IPERF3_RESULTS_MAX (16u * 1024 * 1024 - 1) /* largest results JSON (server output);
						     * both caps keep the first length byte 0 */
#define PG_IPERF3_MAX_TIME 86400
#define PG_IPERF3_MAX_BLOCKSIZE (1024 * 1024)   /* TCP -l */
#define PG_IPERF3_MAX_UDP_BLOCKSIZE 65507
#define PG_IPERF3_UDP_HDR_LEN 12          /* sec, usec, 32-bit seq */
#define PG_IPERF3_UDP_HDR64_LEN 16        /* sec, usec, 64-bit seq (udp_counters_64bit) */
#define PG_IPERF3_UDP_CONNECT_LEN 4

/* Control messages: one signed byte each (iperf3 "states"). */
enum pg_iperf3_msg {
	PG_IPERF3_TEST_START = 1,
	PG_IPERF3_TEST_RUNNING = 2,
	PG_IPERF3_TEST_END = 4,
	PG_IPERF3_PARAM_EXCHANGE = 9,
	PG_IPERF3_CREATE_STREAMS = 10,
	PG_IPERF3_SERVER_TERMINATE = 11,
	PG_IPERF3_CLIENT_TERMINATE = 12,
	PG_IPERF3_EXCHANGE_RESULTS = 13,
	PG_IPERF3_DISPLAY_RESULTS = 14,
	PG_IPERF3_IPERF_DONE = 16,
	PG_IPERF3_ACCESS_DENIED = -1,  /* byte 0xff: busy server, or bad data-stream cookie */
	PG_IPERF3_SERVER_ERROR = -2,   /* byte 0xfe, then i_errno and errno (4 bytes BE each) */
};

/* iperf3 i_errno values a server sends with SERVER_ERROR (iperf_api.h of 3.12). */
enum pg_iperf3_ierr {
	PG_IPERF3_IE_RECVPARAMS = 114,
	PG_IPERF3_IE_ACCESSDENIED = 121,
	PG_IPERF3_IE_SETNODELAY = 122,
	PG_IPERF3_IE_SETMSS = 123,
	PG_IPERF3_IE_SETBUF = 124,
	PG_IPERF3_IE_SETTOS = 125,
	PG_IPERF3_IE_SETWINDOWSIZE = 130,
	PG_IPERF3_IE_PROTOCOL = 131,
	PG_IPERF3_IE_SETCONGESTION = 134,
	PG_IPERF3_IE_AUTHTEST = 142,
	PG_IPERF3_IE_CREATESTREAM = 200,
	PG_IPERF3_IE_STREAMID = 208,
};

/* iperf3's text for an i_errno ("unable to set TCP/SCTP MSS"); a generic text if unknown. */
const char *pg_iperf3_ierr_str(int32_t i_errno);

enum pg_iperf3_role { PG_IPERF3_CLIENT = 0, PG_IPERF3_SERVER = 1 };

/* ---------------------------------------------------------------------------------- */
/* Parameters (client -> server JSON)                                                 */

struct pg_iperf3_params {
	uint8_t udp;                /* 0 = "tcp":true, 1 = "udp":true */
	uint8_t reverse;            /* -R */
	uint8_t bidir;              /* --bidir */
	uint8_t nodelay;            /* -N */
	uint8_t get_server_output;  /* --get-server-output */
	uint8_t udp_counters_64bit; /* --udp-counters-64bit */
	uint8_t repeating_payload;  /* --repeating-payload */
	uint8_t dont_fragment;      /* --dont-fragment */
	int32_t zerocopy;           /* -Z (0 = absent) */
	int32_t omit;               /* -O seconds */
	int32_t time;               /* -t seconds (0 with -n / -k) */
	uint64_t num;               /* -n bytes, 0 = unset */
	uint64_t blockcount;        /* -k blocks, 0 = unset */
	int32_t mss;                /* -M, 0 = unset */
	int32_t parallel;           /* -P, 1..PG_IPERF3_MAX_STREAMS */
	uint64_t window;            /* -w bytes, 0 = unset */
	uint32_t len;               /* -l bytes */
	uint64_t bandwidth;         /* -b bits/s, 0 = unset (unlimited TCP) */
	uint64_t fqrate;            /* --fq-rate bits/s, 0 = unset */
	int32_t pacing_timer;       /* --pacing-timer us */
	int32_t burst;              /* -b X/burst, 0 = unset */
	int32_t tos;                /* -S, 0 = unset */
	int32_t flowlabel;          /* -L, 0 = unset */
	int32_t server_affinity;    /* -A ,n ; -1 = unset */
	char congestion[32];        /* -C, "" = unset */
	char title[256];            /* -T, "" = unset */
	char extra_data[256];       /* --extra-data, "" = unset */
	char client_version[32];    /* "3.12" by default: the wire level implemented */
};

/* iperf3 3.12 client defaults: TCP, -t 10, -P 1, -l 128K, --pacing-timer 1000. */
void pg_iperf3_params_init(struct pg_iperf3_params *p);

/*
 * Encodes p as compact JSON in 3.12's key order (byte-identical to a 3.12 client for
 * the same options). Returns a malloc'ed NUL-terminated string and its length in *len;
 * NULL + errno (EINVAL: p fails validation, ENOMEM).
 */
char *pg_iperf3_params_encode(const struct pg_iperf3_params *p, size_t *len);

/*
 * Strictly decodes a params JSON of len bytes (no NUL needed): wrong types, missing
 * "tcp"/"udp"/"parallel"/"len" or out-of-range values give -EINVAL, sctp and auth give
 * -EPROTONOSUPPORT; unknown keys are ignored like iperf3 does. err (may be NULL) gets a
 * message naming the field. 0 on success.
 */
int pg_iperf3_params_decode(const char *json, size_t len, struct pg_iperf3_params *p,
			    char *err, size_t errlen);

/* Range checks shared by encode and decode; 0 or -EINVAL with a message in err. */
int pg_iperf3_params_validate(const struct pg_iperf3_params *p, char *err, size_t errlen);

/* Number of data streams the client opens: parallel, twice that with --bidir. */
static inline unsigned int pg_iperf3_nb_streams(const struct pg_iperf3_params *p)
{
	return (unsigned int)p->parallel * (p->bidir ? 2u : 1u);
}

/*
 * Seconds after TEST_START at which a server abandons a test that did not end, as the
 * 3.12 server's timer does (time + omit + 40 s grace); 0 = no timer (-n / -k tests).
 */
static inline uint32_t pg_iperf3_server_timeout_s(const struct pg_iperf3_params *p)
{
	return p->time ? (uint32_t)(p->time + p->omit + 40) : 0;
}

/* Stream id of the idx-th data stream (0-based creation/accept order): 1, 3, 4, 5, ... */
static inline int32_t pg_iperf3_stream_id(unsigned int idx)
{
	return idx == 0 ? 1 : (int32_t)idx + 2;
}

/* 1 if the idx-th stream sends data on this side (bidir: client senders first). */
static inline int pg_iperf3_stream_is_sender(const struct pg_iperf3_params *p,
					     enum pg_iperf3_role role, unsigned int idx)
{
	if (p->bidir) {
		int first_half = idx < (unsigned int)p->parallel;

		return role == PG_IPERF3_CLIENT ? first_half : !first_half;
	}
	return role == PG_IPERF3_CLIENT ? !p->reverse : p->reverse;
}

/* ---------------------------------------------------------------------------------- */
/* Results (exchanged both ways after TEST_END)                                       */

/*
 * One stream's counters, filled by the caller from its dataplane counters (or from
 * pg_iperf3_udp_rx_result()). Sender: bytes sent minus those sent during -O, packets =
 * datagrams sent (UDP), retransmits from the TCP sender, jitter/errors 0. Receiver:
 * bytes received after -O, packets = highest seq, errors = lost, jitter in seconds,
 * retransmits -1. start_time is 0 and end_time the stream's duration, in seconds.
 */
struct pg_iperf3_stream_result {
	int32_t id;
	uint64_t bytes;
	int64_t retransmits;
	double jitter;
	int64_t errors;
	int64_t packets;
	double start_time;
	double end_time;
	int64_t outoforder;         /* not on the wire in 3.12; local accounting only */
};

struct pg_iperf3_results {
	double cpu_util_total, cpu_util_user, cpu_util_system;
	int32_t sender_has_retransmits; /* 1 TCP sender with tcp_info, 0 UDP/none, -1 receiver */
	char congestion_used[32];       /* "" = absent (UDP) */
	uint32_t nb_streams;
	struct pg_iperf3_stream_result streams[PG_IPERF3_MAX_RESULT_STREAMS];
	/*
	 * Server output for --get-server-output. Encode: caller-owned strings, sent as
	 * "server_output_json" (must hold a JSON object: the server's -J report) or else
	 * "server_output_text" when non-NULL. Decode: malloc'ed copies (text, or the
	 * compact dump of "server_output_json"), freed by pg_iperf3_results_release().
	 */
	char *server_output_text;
	char *server_output_json;
};

/* Compact results JSON; malloc'ed string + length, NULL + errno (EINVAL, ENOMEM). */
char *pg_iperf3_results_encode(const struct pg_iperf3_results *r, size_t *len);

/*
 * Strict decode (the keys 3.12's get_results() requires must be present and numeric;
 * 3.12's unsigned printing of -1, 18446744073709551615, is read as -1). 0, -EINVAL
 * (message in err), -ENOMEM. On success call pg_iperf3_results_release() later.
 */
int pg_iperf3_results_decode(const char *json, size_t len, struct pg_iperf3_results *r,
			     char *err, size_t errlen);

void pg_iperf3_results_release(struct pg_iperf3_results *r);

/* Entry with this id, or NULL. */
const struct pg_iperf3_stream_result *pg_iperf3_results_find(const struct pg_iperf3_results *r,
							      int32_t id);

/* ---------------------------------------------------------------------------------- */
/* Cookie, UDP handshake, UDP datagram header and receive accounting                  */

/* Builds a cookie ([a-z2-7]{36} + NUL) from 36 caller-provided random bytes. */
void pg_iperf3_cookie_make(char cookie[PG_IPERF3_COOKIE_LEN], const uint8_t rnd[36]);

/* 1 if c is shaped like a cookie (36 chars of the alphabet and a NUL). */
int pg_iperf3_cookie_valid(const uint8_t c[PG_IPERF3_COOKIE_LEN]);

/* UDP connect: client -> server "9876", server -> client "6789" (legacy reply accepted). */
extern const uint8_t pg_iperf3_udp_connect_msg[PG_IPERF3_UDP_CONNECT_LEN];
extern const uint8_t pg_iperf3_udp_connect_reply[PG_IPERF3_UDP_CONNECT_LEN];

/* 1 if a client-side datagram is the server's reply (current or legacy value). */
int pg_iperf3_udp_is_connect_reply(const uint8_t *buf, size_t len);

/* Header length for the stream: 12, or 16 with udp_counters_64bit. */
static inline uint32_t pg_iperf3_udp_hdr_len(int counters_64bit)
{
	return counters_64bit ? PG_IPERF3_UDP_HDR64_LEN : PG_IPERF3_UDP_HDR_LEN;
}

/* Writes sec/usec (sender's monotonic clock) and seq at the front of a datagram. */
static inline void pg_iperf3_udp_stamp(uint8_t *pl, uint64_t seq, uint32_t sec, uint32_t usec,
				       int counters_64bit)
{
	uint8_t *p = pl;
	int i;

	p[0] = (uint8_t)(sec >> 24); p[1] = (uint8_t)(sec >> 16); p[2] = (uint8_t)(sec >> 8); p[3] = (uint8_t)sec;
	p[4] = (uint8_t)(usec >> 24); p[5] = (uint8_t)(usec >> 16); p[6] = (uint8_t)(usec >> 8); p[7] = (uint8_t)usec;
	if (counters_64bit) {
		for (i = 0; i < 8; i++)
			p[8 + i] = (uint8_t)(seq >> (56 - 8 * i));
	} else {
		p[8] = (uint8_t)(seq >> 24); p[9] = (uint8_t)(seq >> 16); p[10] = (uint8_t)(seq >> 8); p[11] = (uint8_t)seq;
	}
}

struct pg_iperf3_udp_hdr {
	uint32_t sec, usec;
	uint64_t seq;
};

/* Parses a datagram's header; 0, or -EINVAL when len is under the header length. */
static inline int pg_iperf3_udp_parse(const uint8_t *pl, size_t len, int counters_64bit,
				      struct pg_iperf3_udp_hdr *h)
{
	uint64_t s = 0;
	unsigned int i, n = counters_64bit ? 8 : 4;

	if (len < 8 + n)
		return -EINVAL;
	h->sec = (uint32_t)pl[0] << 24 | (uint32_t)pl[1] << 16 | (uint32_t)pl[2] << 8 | pl[3];
	h->usec = (uint32_t)pl[4] << 24 | (uint32_t)pl[5] << 16 | (uint32_t)pl[6] << 8 | pl[7];
	for (i = 0; i < n; i++)
		s = s << 8 | pl[8 + i];
	h->seq = s;
	return 0;
}

/*
 * Receiver accounting of one UDP stream, as iperf_udp_recv() of 3.12: packet_count is
 * the highest seq seen, a forward gap adds to cnt_error, a seq at or below it is
 * out-of-order and takes one back from cnt_error; transit = |arrival - sent| and
 * jitter += (|transit - prev_transit| - jitter) / 16, prev_transit starting at the
 * first datagram's transit. Only update while the test is running (TEST_RUNNING).
 */
struct pg_iperf3_udp_rx {
	uint64_t bytes;             /* received since the start or the end of -O */
	uint64_t datagrams;         /* received datagrams (local figure, not on the wire) */
	uint64_t packet_count;      /* highest seq */
	int64_t cnt_error;
	uint64_t outoforder;
	double jitter;              /* seconds */
	int64_t prev_transit_ns;
	uint64_t omitted_packet_count, omitted_outoforder;
	int64_t omitted_cnt_error;
};

static inline void pg_iperf3_udp_rx_init(struct pg_iperf3_udp_rx *s)
{
	memset(s, 0, sizeof(*s));
}

/*
 * Accounts one datagram of len bytes with header h, arrived at arrival_ns on the
 * receiver's monotonic clock (the sender's clock only needs the same rate).
 */
static inline void pg_iperf3_udp_rx_update(struct pg_iperf3_udp_rx *s,
					   const struct pg_iperf3_udp_hdr *h, uint32_t len,
					   uint64_t arrival_ns)
{
	int first = s->bytes == 0;
	/* unsigned: a hostile header must not overflow anything */
	uint64_t sent_ns = (uint64_t)h->sec * 1000000000u + (uint64_t)h->usec * 1000u;
	uint64_t tr = arrival_ns >= sent_ns ? arrival_ns - sent_ns : sent_ns - arrival_ns;
	int64_t transit = tr > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)tr;
	int64_t d;

	s->bytes += len;
	s->datagrams++;
	if (h->seq >= s->packet_count + 1) {
		if (h->seq > s->packet_count + 1)
			s->cnt_error = (int64_t)((uint64_t)s->cnt_error + (h->seq - 1 - s->packet_count));
		s->packet_count = h->seq;
	} else {
		s->outoforder++;
		if (s->cnt_error > 0)
			s->cnt_error--;
	}
	if (first)
		s->prev_transit_ns = transit;
	d = transit - s->prev_transit_ns;
	if (d < 0)
		d = -d;
	s->prev_transit_ns = transit;
	s->jitter += ((double)d * 1e-9 - s->jitter) * 0.0625;
}

/* End of the -O period: iperf3's reset (jitter and bytes restart, counts remembered). */
void pg_iperf3_udp_rx_omit_end(struct pg_iperf3_udp_rx *s);

/* Fills a receiver's result entry (bytes, packets, errors, jitter, retransmits -1). */
void pg_iperf3_udp_rx_result(const struct pg_iperf3_udp_rx *s, int32_t id, double duration_s,
			     struct pg_iperf3_stream_result *r);

/* ---------------------------------------------------------------------------------- */
/* Control channel                                                                    */

enum pg_iperf3_ev_type {
	PG_IPERF3_EV_NONE = 0,
	/* server: params received and valid (pg_iperf3_ctrl_params()). Set up the data
	 * listener, then pg_iperf3_ctrl_accept_params() or pg_iperf3_ctrl_server_error(). */
	PG_IPERF3_EV_PARAMS,
	/* client: open pg_iperf3_ctrl_nb_streams() data streams now, in index order
	 * (TCP: connect + pg_iperf3_ctrl_cookie(); UDP: connect datagram, wait reply). */
	PG_IPERF3_EV_CREATE_STREAMS,
	PG_IPERF3_EV_TEST_START,     /* all streams are up; start -t / -O timers */
	PG_IPERF3_EV_TEST_RUNNING,   /* data flows and is counted from now on */
	PG_IPERF3_EV_TEST_END,       /* server: the client ended the test: stop, close streams */
	/* local results wanted: pg_iperf3_ctrl_submit_results() (client: on EXCHANGE_RESULTS,
	 * after draining; server: after TEST_END) */
	PG_IPERF3_EV_RESULTS_NEEDED,
	PG_IPERF3_EV_PEER_RESULTS,   /* pg_iperf3_ctrl_peer_results() is valid */
	PG_IPERF3_EV_DONE,           /* normal end: flush output, close everything */
	PG_IPERF3_EV_ERROR,          /* fatal: pg_iperf3_ctrl_error(); flush output, close */
};

enum pg_iperf3_err_kind {
	PG_IPERF3_ERR_NONE = 0,
	PG_IPERF3_ERR_PROTOCOL,        /* malformed or unexpected bytes from the peer */
	PG_IPERF3_ERR_ACCESS_DENIED,   /* server busy (0xff) */
	PG_IPERF3_ERR_SERVER_ERROR,    /* 0xfe + i_errno + errno */
	PG_IPERF3_ERR_SERVER_TERMINATE,
	PG_IPERF3_ERR_CLIENT_TERMINATE,
	PG_IPERF3_ERR_PEER_CLOSED,     /* control connection closed before the end */
	PG_IPERF3_ERR_LOCAL,           /* we aborted (terminate, server_error, no memory) */
};

struct pg_iperf3_error {
	enum pg_iperf3_err_kind kind;
	int32_t i_errno;   /* SERVER_ERROR: iperf3 error code */
	int32_t sys_errno; /* SERVER_ERROR: errno on the server (0 if none) */
	char msg[320];     /* iperf3-like one-line message, e.g. "the server is busy ..." */
};

struct pg_iperf3_ctrl;

/*
 * New control context. Client: params (validated, copied) and its cookie (from
 * pg_iperf3_cookie_make()); the cookie is queued for output at once. Server: both NULL.
 * NULL + errno (EINVAL, ENOMEM).
 */
struct pg_iperf3_ctrl *pg_iperf3_ctrl_new(enum pg_iperf3_role role,
					  const struct pg_iperf3_params *params,
					  const char *cookie);
void pg_iperf3_ctrl_free(struct pg_iperf3_ctrl *c);

/*
 * Feeds bytes received on the control connection (any split). Returns 0, or -EPROTO /
 * -ENOMEM after a fatal error (an EV_ERROR is queued; later input is ignored).
 */
int pg_iperf3_ctrl_input(struct pg_iperf3_ctrl *c, const uint8_t *buf, size_t len);

/* The control connection reached EOF: 0 if the exchange was complete, else -ECONNRESET
 * with an EV_ERROR ("the server has unexpectedly closed the connection"). */
int pg_iperf3_ctrl_eof(struct pg_iperf3_ctrl *c);

/* Bytes waiting to be written on the control connection: count and pointer. */
size_t pg_iperf3_ctrl_output(const struct pg_iperf3_ctrl *c, const uint8_t **data);
/* n bytes of that output were written. */
void pg_iperf3_ctrl_output_done(struct pg_iperf3_ctrl *c, size_t n);

/* Next event into ev: 1, or 0 when none is queued. */
int pg_iperf3_ctrl_next_event(struct pg_iperf3_ctrl *c, enum pg_iperf3_ev_type *ev);

/* Server: after EV_PARAMS, the listener is ready: sends CREATE_STREAMS. 0 / -EINVAL. */
int pg_iperf3_ctrl_accept_params(struct pg_iperf3_ctrl *c);

/* Server: setup failed: sends SERVER_ERROR with i_errno / errno and ends. 0 / -EINVAL. */
int pg_iperf3_ctrl_server_error(struct pg_iperf3_ctrl *c, int32_t i_errno, int32_t sys_errno);

/* Where a new data stream stands. */
struct pg_iperf3_stream_info {
	unsigned int idx;   /* creation/accept order */
	int32_t id;         /* iperf3 stream id: 1, 3, 4, ... */
	int sender;         /* 1 if this side sends on it */
};

/*
 * Server: a data stream arrived. TCP: cookie = its first 37 bytes; UDP: cookie = NULL
 * (after the connect datagram; reply with pg_iperf3_udp_connect_reply before flushing
 * the control output). 0 with si filled; -EACCES if the cookie is wrong or no stream
 * is expected (write the single byte 0xff and close that connection). After the last
 * expected stream TEST_START and TEST_RUNNING are queued.
 */
int pg_iperf3_ctrl_stream_arrived(struct pg_iperf3_ctrl *c, const uint8_t *cookie,
				  struct pg_iperf3_stream_info *si);

/* Both: the idx-th stream's id and direction; -EINVAL if idx is out of range. */
int pg_iperf3_ctrl_stream_info(const struct pg_iperf3_ctrl *c, unsigned int idx,
			       struct pg_iperf3_stream_info *si);

/* Client: the test is over (-t/-n/-k reached): sends TEST_END. 0 / -EINVAL. */
int pg_iperf3_ctrl_test_end(struct pg_iperf3_ctrl *c);

/* Local results, after EV_RESULTS_NEEDED (or before: kept until needed). 0 / -EINVAL /
 * -ENOMEM. The server_output_text pointer is read during this call only. */
int pg_iperf3_ctrl_submit_results(struct pg_iperf3_ctrl *c, const struct pg_iperf3_results *r);

/* Local interruption (SIGINT): sends CLIENT_TERMINATE / SERVER_TERMINATE and ends. */
int pg_iperf3_ctrl_terminate(struct pg_iperf3_ctrl *c);

/* Server-side demux of a new TCP connection on the listening port. */
enum pg_iperf3_conn_kind {
	PG_IPERF3_CONN_CONTROL = 0,  /* no test running: a new control connection */
	PG_IPERF3_CONN_STREAM,       /* streams expected: read 37 bytes, stream_arrived() */
	PG_IPERF3_CONN_DENY,         /* busy: write 0xff and close, without reading */
};
enum pg_iperf3_conn_kind pg_iperf3_ctrl_classify_conn(const struct pg_iperf3_ctrl *active);

const struct pg_iperf3_params *pg_iperf3_ctrl_params(const struct pg_iperf3_ctrl *c);
const struct pg_iperf3_results *pg_iperf3_ctrl_peer_results(const struct pg_iperf3_ctrl *c);
const struct pg_iperf3_error *pg_iperf3_ctrl_error(const struct pg_iperf3_ctrl *c);
const char *pg_iperf3_ctrl_cookie(const struct pg_iperf3_ctrl *c);
unsigned int pg_iperf3_ctrl_nb_streams(const struct pg_iperf3_ctrl *c);
/* The last control message received or sent (an enum pg_iperf3_msg value, 0 at start). */
int pg_iperf3_ctrl_state(const struct pg_iperf3_ctrl *c);
/* 1 once EV_DONE or EV_ERROR was queued. */
int pg_iperf3_ctrl_finished(const struct pg_iperf3_ctrl *c);
/* 1 while data is to be counted (after TEST_RUNNING, before TEST_END). */
int pg_iperf3_ctrl_running(const struct pg_iperf3_ctrl *c);

#endif /* PG_IPERF3_H */

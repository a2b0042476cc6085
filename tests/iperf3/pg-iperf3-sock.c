/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test harness only: drives the sans-IO iperf3 state machines (src/proto/iperf3.h) over
 * ordinary kernel sockets, so that they can be checked against the real iperf3 binary
 * on loopback. perfgen itself plugs the same API onto its userspace TCP; nothing here
 * is dataplane code (payload is zeros, pacing is a 1 ms poll loop).
 *
 *   pg-iperf3-sock server -p PORT                 one test, then exit (like iperf3 -s -1)
 *   pg-iperf3-sock client -c HOST -p PORT [-u] [-R] [--bidir] [-P N] [-t S] [-n BYTES]
 *                  [-k BLOCKS] [-l LEN] [-b BPS] [-M MSS] [-O S] [--udp-counters-64bit]
 *                  [--get-server-output]
 *
 * Exit 0 after a complete exchange, 1 with "pg-iperf3-sock: error - <message>" on
 * stderr otherwise. The last stdout line is a JSON summary the test script checks:
 * {"role":..,"sent":..,"received":..,"udp_packets_sent":..,"udp_rx_packets":..,
 *  "udp_rx_errors":..,"peer_sent":..,"peer_received":..,"peer_streams":..}
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "iperf3.h"

#define MAXS (2 * PG_IPERF3_MAX_STREAMS)

struct stream {
	int fd;
	int sender;
	int32_t id;
	uint64_t bytes;       /* sent or received while running */
	uint64_t dgrams;      /* UDP datagrams sent */
	uint64_t omit_bytes;  /* sent during -O, not reported */
	struct pg_iperf3_udp_rx rx;
};

static struct {
	enum pg_iperf3_role role;
	const char *host;
	int port;
	struct pg_iperf3_params p;
	struct pg_iperf3_ctrl *c;
	int ctrl_fd, lfd, ufd;
	struct stream s[MAXS];
	unsigned int ns;
	uint64_t t_start;     /* TEST_START, monotonic ns */
	uint64_t t_end;
	int running, omit_done;
	uint8_t *buf;
	size_t buflen;
} g = { .ctrl_fd = -1, .lfd = -1, .ufd = -1 };

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	interrupted = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *msg)
{
	fprintf(stderr, "pg-iperf3-sock: error - %s\n", msg);
	exit(1);
}

static void die_errno(const char *what)
{
	char m[256];

	snprintf(m, sizeof(m), "%s: %s", what, strerror(errno));
	die(m);
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static void flush_ctrl(void)
{
	const uint8_t *d;
	size_t n;

	while ((n = pg_iperf3_ctrl_output(g.c, &d)) > 0) {
		ssize_t w = send(g.ctrl_fd, d, n, MSG_NOSIGNAL);

		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd pf = { .fd = g.ctrl_fd, .events = POLLOUT };

			poll(&pf, 1, 1000);
			continue;
		}
		if (w <= 0)
			return; /* peer gone: the next read reports it */
		pg_iperf3_ctrl_output_done(g.c, (size_t)w);
	}
}

/* Reads exactly n bytes with a timeout (handshakes only). */
static int read_full(int fd, uint8_t *b, size_t n, int timeout_ms)
{
	size_t have = 0;

	while (have < n) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&pf, 1, timeout_ms) <= 0)
			return -ETIMEDOUT;
		r = recv(fd, b + have, n - have, 0);
		if (r <= 0)
			return -EIO;
		have += (size_t)r;
	}
	return 0;
}

static int udp_socket_bound(int port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	if (fd < 0)
		die_errno("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		die_errno("bind UDP");
	return fd;
}

static void add_stream(int fd, const struct pg_iperf3_stream_info *si)
{
	struct stream *s = &g.s[g.ns++];

	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->sender = si->sender;
	s->id = si->id;
	pg_iperf3_udp_rx_init(&s->rx);
	if (g.p.window) {
		int w = (int)g.p.window;

		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &w, sizeof(w));
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &w, sizeof(w));
	}
	set_nonblock(fd);
}

/* ------------------------------------------------------------------ client ---- */

static int tcp_connect(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)g.port) };

	if (fd < 0)
		die_errno("socket");
	if (inet_pton(AF_INET, g.host, &a.sin_addr) != 1)
		die("-c: not an IPv4 address");
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die_errno("unable to connect to server");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void client_create_streams(void)
{
	unsigned int i, n = pg_iperf3_ctrl_nb_streams(g.c);

	for (i = 0; i < n; i++) {
		struct pg_iperf3_stream_info si;
		int fd;

		pg_iperf3_ctrl_stream_info(g.c, i, &si);
		if (!g.p.udp) {
			fd = tcp_connect();
			if (send(fd, pg_iperf3_ctrl_cookie(g.c), PG_IPERF3_COOKIE_LEN, 0) != PG_IPERF3_COOKIE_LEN)
				die_errno("unable to send cookie on a data stream");
		} else {
			struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)g.port) };
			uint8_t b[65536];
			int tries = 0;

			fd = socket(AF_INET, SOCK_DGRAM, 0);
			inet_pton(AF_INET, g.host, &a.sin_addr);
			if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
				die_errno("UDP connect");
			if (send(fd, pg_iperf3_udp_connect_msg, PG_IPERF3_UDP_CONNECT_LEN, 0) < 0)
				die_errno("UDP connect datagram");
			for (;;) {
				struct pollfd pf = { .fd = fd, .events = POLLIN };
				ssize_t r;

				if (poll(&pf, 1, 30000) <= 0)
					die("no reply to the UDP connect datagram in 30 s");
				r = recv(fd, b, sizeof(b), 0);
				if (r < 0)
					die_errno("unable to read from stream socket");
				if (pg_iperf3_udp_is_connect_reply(b, (size_t)r))
					break;
				if (++tries > 2) /* iperf3 tolerates 2 early data datagrams (-R) */
					die("bad reply to the UDP connect datagram");
			}
		}
		add_stream(fd, &si);
	}
}

/* ------------------------------------------------------------------ server ---- */

static void server_accept_params(void)
{
	const struct pg_iperf3_params *p = pg_iperf3_ctrl_params(g.c);

	g.p = *p;
	if (p->mss) {
		/* as iperf3: the listener is re-created with the MSS; a bad one is an error */
		int fd = socket(AF_INET, SOCK_STREAM, 0), m = p->mss;

		if (setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &m, sizeof(m))) {
			int e = errno;

			close(fd);
			pg_iperf3_ctrl_server_error(g.c, PG_IPERF3_IE_SETMSS, e);
			return;
		}
		close(fd);
	}
	if (p->udp)
		g.ufd = udp_socket_bound(g.port);
	pg_iperf3_ctrl_accept_params(g.c);
}

static void server_udp_stream(void)
{
	struct sockaddr_in peer;
	socklen_t pl = sizeof(peer);
	uint8_t b[64];
	struct pg_iperf3_stream_info si;
	int fd = g.ufd;

	if (recvfrom(fd, b, sizeof(b), 0, (struct sockaddr *)&peer, &pl) < 0)
		return;
	if (connect(fd, (struct sockaddr *)&peer, pl))
		die_errno("connect UDP stream");
	if (pg_iperf3_ctrl_stream_arrived(g.c, NULL, &si)) {
		close(fd);
		g.ufd = udp_socket_bound(g.port);
		return;
	}
	/* the next stream's datagram must find a socket: bind it before replying */
	g.ufd = pg_iperf3_ctrl_running(g.c) ? -1 : udp_socket_bound(g.port);
	if (send(fd, pg_iperf3_udp_connect_reply, PG_IPERF3_UDP_CONNECT_LEN, 0) < 0)
		die_errno("UDP connect reply");
	add_stream(fd, &si);
}

static void server_tcp_conn(void)
{
	int fd = accept(g.lfd, NULL, NULL), one = 1;
	uint8_t ck[PG_IPERF3_COOKIE_LEN];
	struct pg_iperf3_stream_info si;
	static const uint8_t denied = 0xff;

	if (fd < 0)
		return;
	switch (pg_iperf3_ctrl_classify_conn(g.c)) {
	case PG_IPERF3_CONN_CONTROL:
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		g.ctrl_fd = fd;
		g.c = pg_iperf3_ctrl_new(PG_IPERF3_SERVER, NULL, NULL);
		if (!g.c)
			die_errno("pg_iperf3_ctrl_new");
		return;
	case PG_IPERF3_CONN_STREAM:
		if (read_full(fd, ck, sizeof(ck), 5000) == 0 && pg_iperf3_ctrl_stream_arrived(g.c, ck, &si) == 0) {
			add_stream(fd, &si);
			return;
		}
		/* wrong cookie */
		__attribute__((fallthrough));
	case PG_IPERF3_CONN_DENY:
		fprintf(stderr, "pg-iperf3-sock: refusing a connection (busy or bad cookie)\n");
		if (send(fd, &denied, 1, MSG_NOSIGNAL) < 0)
			(void)0;
		close(fd);
		return;
	}
}

/* ------------------------------------------------------------------ common ---- */

static void close_streams(void)
{
	unsigned int i;

	for (i = 0; i < g.ns; i++)
		if (g.s[i].fd >= 0) {
			close(g.s[i].fd);
			g.s[i].fd = -1;
		}
}

static void fill_results(struct pg_iperf3_results *r)
{
	double dur = (double)((g.t_end ? g.t_end : now_ns()) - g.t_start) * 1e-9;
	unsigned int i, senders = 0;

	memset(r, 0, sizeof(*r));
	r->nb_streams = g.ns;
	for (i = 0; i < g.ns; i++) {
		struct stream *s = &g.s[i];
		struct pg_iperf3_stream_result *sr = &r->streams[i];

		if (s->sender) {
			senders++;
			memset(sr, 0, sizeof(*sr));
			sr->id = s->id;
			sr->bytes = s->bytes - s->omit_bytes;
			sr->retransmits = -1;
			sr->packets = g.p.udp ? (int64_t)s->dgrams : 0;
			sr->end_time = dur;
		} else if (g.p.udp) {
			pg_iperf3_udp_rx_result(&s->rx, s->id, dur, sr);
		} else {
			memset(sr, 0, sizeof(*sr));
			sr->id = s->id;
			sr->bytes = s->bytes;
			sr->retransmits = -1;
			sr->end_time = dur;
		}
	}
	r->sender_has_retransmits = senders ? 0 : -1;
	if (g.role == PG_IPERF3_SERVER && g.p.get_server_output)
		r->server_output_text = (char *)"pg-iperf3-sock server: test finished\n";
}

static void summary(void)
{
	const struct pg_iperf3_results *peer = pg_iperf3_ctrl_peer_results(g.c);
	uint64_t sent = 0, rcvd = 0, psent = 0, prcvd = 0, dg = 0, rxp = 0;
	int64_t rxe = 0;
	unsigned int i;

	for (i = 0; i < g.ns; i++) {
		if (g.s[i].sender) {
			sent += g.s[i].bytes - g.s[i].omit_bytes;
			dg += g.s[i].dgrams;
		} else {
			rcvd += g.s[i].bytes;
			rxp += g.s[i].rx.packet_count - g.s[i].rx.omitted_packet_count;
			rxe += g.s[i].rx.cnt_error;
		}
	}
	if (peer) {
		/* like the iperf3 client: the peer's view of each stream */
		for (i = 0; i < peer->nb_streams; i++) {
			const struct pg_iperf3_stream_result *ps = &peer->streams[i];
			unsigned int k;
			int we_send = 0;

			for (k = 0; k < g.ns; k++)
				if (g.s[k].id == ps->id)
					we_send = g.s[k].sender;
			printf("[%3d] peer %s %llu bytes in %.3f s, packets %lld, errors %lld, jitter %.3f ms\n",
			       ps->id, we_send ? "received" : "sent", (unsigned long long)ps->bytes,
			       ps->end_time - ps->start_time, (long long)ps->packets, (long long)ps->errors,
			       ps->jitter * 1e3);
			if (we_send)
				prcvd += ps->bytes;
			else
				psent += ps->bytes;
		}
		if (peer->server_output_text)
			printf("Server output:\n%s", peer->server_output_text);
		if (peer->server_output_json)
			printf("Server JSON output: %s\n", peer->server_output_json);
	}
	printf("{\"role\":\"%s\",\"sent\":%llu,\"received\":%llu,\"udp_packets_sent\":%llu,"
	       "\"udp_rx_packets\":%llu,\"udp_rx_errors\":%lld,\"peer_sent\":%llu,\"peer_received\":%llu,"
	       "\"peer_streams\":%u}\n",
	       g.role == PG_IPERF3_CLIENT ? "client" : "server", (unsigned long long)sent,
	       (unsigned long long)rcvd, (unsigned long long)dg, (unsigned long long)rxp, (long long)rxe,
	       (unsigned long long)psent, (unsigned long long)prcvd, peer ? peer->nb_streams : 0);
	fflush(stdout);
}

/* Sends what the test allows now. */
static void send_data(void)
{
	uint64_t t = now_ns(), el = t - g.t_start;
	unsigned int i;
	uint64_t total = 0;

	for (i = 0; i < g.ns; i++)
		total += g.s[i].sender ? g.s[i].bytes : 0;
	for (i = 0; i < g.ns; i++) {
		struct stream *s = &g.s[i];

		if (!s->sender || s->fd < 0)
			continue;
		if (g.p.udp) {
			uint64_t bw = g.p.bandwidth ? g.p.bandwidth : 1048576;
			/* datagrams due: elapsed * rate / bits per datagram */
			uint64_t due = (uint64_t)((double)el * 1e-9 * (double)bw / (8.0 * g.p.len)) + 1;

			while (s->dgrams < due) {
				struct timespec ts;

				clock_gettime(CLOCK_MONOTONIC, &ts);
				pg_iperf3_udp_stamp(g.buf, s->dgrams + 1, (uint32_t)ts.tv_sec,
						    (uint32_t)(ts.tv_nsec / 1000), g.p.udp_counters_64bit);
				if (send(s->fd, g.buf, g.p.len, 0) < 0)
					break;
				s->dgrams++;
				s->bytes += g.p.len;
			}
		} else {
			size_t n = g.p.len;
			ssize_t w;

			if (g.p.num && g.role == PG_IPERF3_CLIENT && total >= g.p.num)
				break;
			w = send(s->fd, g.buf, n, MSG_NOSIGNAL);
			if (w > 0) {
				s->bytes += (uint64_t)w;
				total += (uint64_t)w;
				s->dgrams++;
			}
		}
	}
}

static int client_test_over(void)
{
	uint64_t sent = 0, blocks = 0;
	unsigned int i;

	for (i = 0; i < g.ns; i++) {
		sent += g.s[i].sender ? g.s[i].bytes : 0;
		blocks += g.s[i].sender ? g.s[i].dgrams : 0;
	}
	if (g.p.num)
		return sent >= g.p.num;
	if (g.p.blockcount)
		return blocks >= g.p.blockcount;
	return now_ns() - g.t_start >= (uint64_t)(g.p.time + g.p.omit) * 1000000000u;
}

/* Reads what the stream holds; counts it while the test runs, or when `all` (the data
 * the peer wrote before its TEST_END, still queued here). */
static void recv_data(struct stream *s, int all)
{
	for (;;) {
		ssize_t r = recv(s->fd, g.buf, g.buflen, 0);

		if (r <= 0) {
			if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
				if (!g.p.udp) {
					close(s->fd);
					s->fd = -1;
				}
			}
			return;
		}
		if (!all && !pg_iperf3_ctrl_running(g.c))
			continue;
		if (g.p.udp) {
			struct pg_iperf3_udp_hdr h;

			if (pg_iperf3_udp_parse(g.buf, (size_t)r, g.p.udp_counters_64bit, &h) == 0)
				pg_iperf3_udp_rx_update(&s->rx, &h, (uint32_t)r, now_ns());
			s->bytes += (uint64_t)r;
		} else {
			s->bytes += (uint64_t)r;
		}
	}
}

static int handle_events(void)
{
	enum pg_iperf3_ev_type ev;
	struct pg_iperf3_results r;

	while (pg_iperf3_ctrl_next_event(g.c, &ev)) {
		switch (ev) {
		case PG_IPERF3_EV_PARAMS:
			server_accept_params();
			break;
		case PG_IPERF3_EV_CREATE_STREAMS:
			flush_ctrl();
			client_create_streams();
			break;
		case PG_IPERF3_EV_TEST_START:
			g.t_start = now_ns();
			break;
		case PG_IPERF3_EV_TEST_RUNNING:
			g.running = 1;
			break;
		case PG_IPERF3_EV_TEST_END:
			/* server: stop and close the data streams, having counted what arrived
			 * before TEST_END (a fast -n sender's whole test can sit in the socket
			 * buffers when its TEST_END is read) */
			g.t_end = now_ns();
			g.running = 0;
			{
				unsigned int i;

				for (i = 0; i < g.ns; i++)
					if (g.s[i].fd >= 0 && !g.s[i].sender)
						recv_data(&g.s[i], 1);
			}
			close_streams();
			break;
		case PG_IPERF3_EV_RESULTS_NEEDED:
			fill_results(&r);
			if (pg_iperf3_ctrl_submit_results(g.c, &r))
				die("cannot encode our results");
			break;
		case PG_IPERF3_EV_PEER_RESULTS:
			break;
		case PG_IPERF3_EV_DONE:
			flush_ctrl();
			return 1;
		case PG_IPERF3_EV_ERROR:
			flush_ctrl();
			summary();
			die(pg_iperf3_ctrl_error(g.c)->msg);
			break;
		default:
			break;
		}
	}
	return 0;
}

static int run(void)
{
	for (;;) {
		struct pollfd pf[MAXS + 3];
		struct stream *map[MAXS + 3];
		unsigned int n = 0, i;
		int timeout = 50, any_tcp_sender = 0;

		if (g.c) {
			flush_ctrl();
			if (handle_events())
				break;
			flush_ctrl();
		}
		if (g.c && g.running && !pg_iperf3_ctrl_running(g.c))
			g.running = 0;
		if (interrupted && !g.c)
			die("interrupt - no test was running");
		if (interrupted && g.c) {
			/* like iperf3 on SIGINT: tell the peer, then leave */
			pg_iperf3_ctrl_terminate(g.c);
			flush_ctrl();
			/* let the peer read it before our data sockets reset */
			usleep(300000);
			die("interrupt - the test was terminated");
		}
		if (g.running && g.p.omit && !g.omit_done &&
		    now_ns() - g.t_start >= (uint64_t)g.p.omit * 1000000000u) {
			/* end of -O: what was counted so far is not reported (iperf_reset_stats) */
			for (i = 0; i < g.ns; i++) {
				g.s[i].omit_bytes = g.s[i].sender ? g.s[i].bytes : 0;
				if (!g.s[i].sender) {
					g.s[i].bytes = 0;
					pg_iperf3_udp_rx_omit_end(&g.s[i].rx);
				}
			}
			g.omit_done = 1;
		}
		if (g.role == PG_IPERF3_CLIENT && g.running && client_test_over()) {
			g.t_end = now_ns();
			g.running = 0;
			pg_iperf3_ctrl_test_end(g.c);
			continue;
		}
		if (g.running)
			send_data();
		if (g.ctrl_fd >= 0) {
			pf[n].fd = g.ctrl_fd;
			pf[n].events = POLLIN;
			map[n++] = NULL;
		}
		if (g.lfd >= 0) {
			pf[n].fd = g.lfd;
			pf[n].events = POLLIN;
			map[n++] = NULL;
		}
		if (g.ufd >= 0 && g.c && !pg_iperf3_ctrl_running(g.c)) {
			pf[n].fd = g.ufd;
			pf[n].events = POLLIN;
			map[n++] = NULL;
		}
		for (i = 0; i < g.ns; i++) {
			struct stream *s = &g.s[i];

			if (s->fd < 0)
				continue;
			/* a receiver reads only while the test runs, as iperf3 does: earlier data
			 * waits in the socket (reading it now would throw it away), later data is
			 * drained at TEST_END */
			if (!s->sender && !(g.c && pg_iperf3_ctrl_running(g.c)))
				continue;
			pf[n].fd = s->fd;
			pf[n].events = POLLIN;
			if (s->sender && g.running && !g.p.udp) {
				pf[n].events |= POLLOUT;
				any_tcp_sender = 1;
			}
			map[n++] = s;
		}
		if (g.running && g.p.udp)
			timeout = 1;
		(void)any_tcp_sender;
		if (poll(pf, n, timeout) < 0 && errno != EINTR)
			die_errno("poll");
		for (i = 0; i < n; i++) {
			if (!pf[i].revents)
				continue;
			if (map[i]) {
				if (pf[i].revents & (POLLIN | POLLHUP | POLLERR))
					recv_data(map[i], 0);
			} else if (pf[i].fd == g.ctrl_fd) {
				uint8_t b[65536];
				ssize_t r = recv(g.ctrl_fd, b, sizeof(b), 0);

				if (r > 0) {
					pg_iperf3_ctrl_input(g.c, b, (size_t)r);
				} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
					if (pg_iperf3_ctrl_eof(g.c) == 0)
						return 0;
					close(g.ctrl_fd);
					g.ctrl_fd = -1;
				}
			} else if (pf[i].fd == g.lfd) {
				server_tcp_conn();
			} else if (pf[i].fd == g.ufd) {
				server_udp_stream();
			}
		}
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: pg-iperf3-sock server -p PORT | client -c HOST -p PORT [-u] [-R] [--bidir] "
		"[-P N] [-t S] [-n B] [-k N] [-l LEN] [-b BPS] [-M MSS] [-O S] [-w B] "
		"[--udp-counters-64bit] [--get-server-output]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int i, len_set = 0;
	char cookie[PG_IPERF3_COOKIE_LEN];
	uint8_t rnd[36];

	if (argc < 2)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGINT, on_sigint);
	signal(SIGTERM, on_sigint);
	pg_iperf3_params_init(&g.p);
	g.port = PG_IPERF3_DEFAULT_PORT;
	g.role = !strcmp(argv[1], "server") ? PG_IPERF3_SERVER :
		 !strcmp(argv[1], "client") ? PG_IPERF3_CLIENT : (usage(), PG_IPERF3_CLIENT);
	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV() do { if (!v) usage(); i++; } while (0)
		if (!strcmp(a, "-p")) { NEEDV(); g.port = atoi(v); }
		else if (!strcmp(a, "-c")) { NEEDV(); g.host = v; }
		else if (!strcmp(a, "-u")) g.p.udp = 1;
		else if (!strcmp(a, "-R")) g.p.reverse = 1;
		else if (!strcmp(a, "--bidir")) g.p.bidir = 1;
		else if (!strcmp(a, "--udp-counters-64bit")) g.p.udp_counters_64bit = 1;
		else if (!strcmp(a, "--get-server-output")) g.p.get_server_output = 1;
		else if (!strcmp(a, "-P")) { NEEDV(); g.p.parallel = atoi(v); }
		else if (!strcmp(a, "-t")) { NEEDV(); g.p.time = atoi(v); }
		else if (!strcmp(a, "-O")) { NEEDV(); g.p.omit = atoi(v); }
		else if (!strcmp(a, "-n")) { NEEDV(); g.p.num = strtoull(v, NULL, 0); g.p.time = 0; }
		else if (!strcmp(a, "-k")) { NEEDV(); g.p.blockcount = strtoull(v, NULL, 0); g.p.time = 0; }
		else if (!strcmp(a, "-l")) { NEEDV(); g.p.len = (uint32_t)atoi(v); len_set = 1; }
		else if (!strcmp(a, "-b")) { NEEDV(); g.p.bandwidth = strtoull(v, NULL, 0); }
		else if (!strcmp(a, "-M")) { NEEDV(); g.p.mss = atoi(v); }
		else if (!strcmp(a, "-w")) { NEEDV(); g.p.window = strtoull(v, NULL, 0); }
		else usage();
#undef NEEDV
	}
	if (g.p.udp && !len_set)
		g.p.len = 1448;
	if (g.p.udp && !g.p.bandwidth)
		g.p.bandwidth = 1048576;
	g.buflen = 1024 * 1024 + 65536;
	g.buf = calloc(1, g.buflen);
	if (!g.buf)
		die("out of memory");

	if (g.role == PG_IPERF3_SERVER) {
		int one = 1;
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)g.port) };

		g.lfd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(g.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(g.lfd, (struct sockaddr *)&a, sizeof(a)) || listen(g.lfd, 16))
			die_errno("listen");
		printf("Server listening on %d\n", g.port);
		run();
	} else {
		if (!g.host)
			usage();
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			die_errno("getrandom");
		pg_iperf3_cookie_make(cookie, rnd);
		g.c = pg_iperf3_ctrl_new(PG_IPERF3_CLIENT, &g.p, cookie);
		if (!g.c)
			die("invalid test parameters");
		g.ctrl_fd = tcp_connect();
		run();
	}
	summary();
	close_streams();
	if (g.ctrl_fd >= 0)
		close(g.ctrl_fd);
	pg_iperf3_ctrl_free(g.c);
	free(g.buf);
	return 0;
}

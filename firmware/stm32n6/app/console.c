/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test API (blocking client tests) and the line-oriented console. Every command prints
 * one result line that scripts can parse: "result: ok key=value ..." or "result: error ...".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgfw_priv.h"

static int trip_next; /* the console's "trip" flag for the next iperf2 UDP run */

static int run(int iperf3, int udp, int reverse, const char *server, uint16_t port, uint32_t duration_ms,
	       uint32_t len, uint64_t rate, struct pgfw_result *res)
{
	struct pgfw_client_req req;

	memset(&req, 0, sizeof(req));
	memset(res, 0, sizeof(*res));
	if (!ipaddr_aton(server, &req.server)) {
		pgfw_log("client: %s is not an IPv4 address", server);
		res->err = -EINVAL;
		return -EINVAL;
	}
	req.iperf3 = iperf3;
	req.udp = udp;
	req.reverse = reverse;
	req.port = port;
	req.duration_ms = duration_ms;
	req.len = len;
	req.rate_bps = rate;
	req.trip_times = trip_next;
	trip_next = 0;
	return pgfw_client_run(&req, res);
}

int tcp_send_test(const char *server, uint16_t port, uint32_t duration_ms, uint32_t buffer_size,
		  struct pgfw_result *res)
{
	return run(1, 0, 0, server, port, duration_ms, buffer_size ? buffer_size : 131072u, 0, res);
}

int tcp_recv_test(const char *server, uint16_t port, uint32_t duration_ms, uint32_t buffer_size,
		  struct pgfw_result *res)
{
	return run(1, 0, 1, server, port, duration_ms, buffer_size ? buffer_size : 131072u, 0, res);
}

int udp_send_test(const char *server, uint16_t port, uint32_t duration_ms, uint32_t buffer_size,
		  uint64_t rate_bps, struct pgfw_result *res)
{
	return run(1, 1, 0, server, port, duration_ms, buffer_size ? buffer_size : 1460u,
		   rate_bps ? rate_bps : 1048576u, res);
}

int udp_recv_test(const char *server, uint16_t port, uint32_t duration_ms, uint32_t buffer_size,
		  uint64_t rate_bps, struct pgfw_result *res)
{
	return run(1, 1, 1, server, port, duration_ms, buffer_size ? buffer_size : 1460u,
		   rate_bps ? rate_bps : 1048576u, res);
}

int iperf2_tcp_send_test(const char *server, uint16_t port, uint32_t duration_ms, uint32_t buffer_size,
			 struct pgfw_result *res)
{
	return run(0, 0, 0, server, port, duration_ms, buffer_size ? buffer_size : 131072u, 0, res);
}

int iperf2_udp_send_test(const char *server, uint16_t port, uint32_t duration_ms, uint32_t buffer_size,
			 uint64_t rate_bps, struct pgfw_result *res)
{
	return run(0, 1, 0, server, port, duration_ms, buffer_size ? buffer_size : 1470u,
		   rate_bps ? rate_bps : 1048576u, res);
}

static void print_result(const char *what, int rc, const struct pgfw_result *r)
{
	uint64_t mbps_x100 = r->duration_us ? r->bytes * 800u / r->duration_us : 0;

	if (rc != 0) {
		pgfw_log("result: error %s err=%d bytes=%llu", what, rc, (unsigned long long)r->bytes);
		return;
	}
	pgfw_log("result: ok %s bytes=%llu us=%llu mbps=%llu.%02llu peer_bytes=%llu packets=%llu "
		 "peer_packets=%llu lost=%llu jitter_us=%lu",
		 what, (unsigned long long)r->bytes, (unsigned long long)r->duration_us,
		 (unsigned long long)(mbps_x100 / 100u), (unsigned long long)(mbps_x100 % 100u),
		 (unsigned long long)r->peer_bytes, (unsigned long long)r->packets,
		 (unsigned long long)r->peer_packets, (unsigned long long)r->lost, (unsigned long)r->jitter_us);
}

static const char help[] =
	"commands (times in ms, sizes in bytes, rates in bit/s):\n"
	"  tcp_send_test IP PORT MS BUF         iperf3 client, TCP, we send\n"
	"  tcp_recv_test IP PORT MS BUF         iperf3 client, TCP -R, we receive\n"
	"  udp_send_test IP PORT MS BUF RATE    iperf3 client, UDP, we send\n"
	"  udp_recv_test IP PORT MS BUF RATE    iperf3 client, UDP -R, we receive\n"
	"  iperf2_tcp IP PORT MS BUF            iperf2 client, TCP\n"
	"  iperf2_udp IP PORT MS BUF RATE [trip] iperf2 client, UDP (server report; trip = --trip-times)\n"
	"  help | quit\n"
	"servers: iperf2 on 5001 (TCP, UDP), iperf3 on 5201 (TCP, UDP, -R)";

/* Parses an unsigned decimal with an optional K/M/G suffix (x1000). */
static int parse_num(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	v = strtoull(s, &end, 10);
	if (*end == 'K' || *end == 'k')
		v *= 1000u, end++;
	else if (*end == 'M' || *end == 'm')
		v *= 1000000u, end++;
	else if (*end == 'G' || *end == 'g')
		v *= 1000000000u, end++;
	if (*end != 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int pgfw_console_line(const char *line)
{
	char buf[160], *argv[8], *save = NULL, *tok;
	uint64_t port, ms, len, rate = 0;
	struct pgfw_result r;
	int argc = 0, rc;

	if (strlen(line) >= sizeof(buf)) {
		pgfw_log("result: error line longer than %u characters", (unsigned)sizeof(buf) - 1);
		return 1;
	}
	strcpy(buf, line);
	for (tok = strtok_r(buf, " \t\r\n", &save); tok != NULL && argc < 8; tok = strtok_r(NULL, " \t\r\n", &save))
		argv[argc++] = tok;
	if (argc == 0)
		return 0;
	if (strcmp(argv[0], "help") == 0) {
		pgfw_log("%s", help);
		return 0;
	}
	if (strcmp(argv[0], "quit") == 0)
		return 2;
	{
		static const struct {
			const char *name;
			int iperf3, udp, reverse;
		} cmds[] = {
			{ "tcp_send_test", 1, 0, 0 }, { "tcp_recv_test", 1, 0, 1 }, { "udp_send_test", 1, 1, 0 },
			{ "udp_recv_test", 1, 1, 1 }, { "iperf2_tcp", 0, 0, 0 },    { "iperf2_udp", 0, 1, 0 },
		};
		unsigned int i;

		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
			if (strcmp(argv[0], cmds[i].name) != 0)
				continue;
			int trip = !cmds[i].iperf3 && cmds[i].udp && argc == 7 && strcmp(argv[6], "trip") == 0;

			if (argc != (cmds[i].udp ? 6 : 5) + trip || parse_num(argv[2], 65535, &port) != 0 || port == 0 ||
			    parse_num(argv[3], 3600000, &ms) != 0 || ms == 0 ||
			    parse_num(argv[4], 1u << 20, &len) != 0 ||
			    (cmds[i].udp && parse_num(argv[5], 100000000000ull, &rate) != 0)) {
				pgfw_log("result: error usage: %s IP PORT MS BUF%s", cmds[i].name,
					 cmds[i].udp ? " RATE" : "");
				return 1;
			}
			if (len == 0)
				len = cmds[i].udp ? (cmds[i].iperf3 ? 1460u : 1470u) : 131072u;
			if (cmds[i].udp && rate == 0)
				rate = 1048576u;
			trip_next = trip;
			rc = run(cmds[i].iperf3, cmds[i].udp, cmds[i].reverse, argv[1], (uint16_t)port,
				 (uint32_t)ms, (uint32_t)len, rate, &r);
			print_result(cmds[i].name, rc, &r);
			return rc == 0 ? 0 : 1;
		}
	}
	pgfw_log("result: error unknown command '%s' (try help)", argv[0]);
	return 1;
}

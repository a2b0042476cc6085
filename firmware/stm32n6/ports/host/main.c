/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pgfw-host: the firmware peer on Linux, over a tap interface through Debian's lwIP tapif
 * port, with a poll loop in place of a board's main loop. Serves iperf2 on 5001 and iperf3
 * on 5201 until stopped; console commands come from stdin or --run.
 *
 *   pgfw-host --tap TAP --ip ADDR/PREFIX [--gw ADDR] [--run CMD]...
 *
 * With --run the commands execute in order after start-up and the program exits with 0 when
 * every one succeeded, 1 otherwise.
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "netif/tapif.h"
#include "pgfw.h"
#include "pgfw_port.h"

#define MAX_RUN 16

static struct netif netif;
static int tap_fd = -1;
static atomic_int stop_sig;
static char line[256];
static size_t line_len;
static int stdin_open = 1;
static int stdin_ready;

uint64_t pgfw_port_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void pgfw_port_wall(uint32_t *sec, uint32_t *usec)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = (uint32_t)ts.tv_sec;
	*usec = (uint32_t)(ts.tv_nsec / 1000);
}

void pgfw_port_write(const char *s, size_t len)
{
	fwrite(s, 1, len, stdout);
	fflush(stdout);
}

uint32_t pgfw_port_rand(void)
{
	return (uint32_t)random();
}

/* lwIP's clock (NO_SYS). */
u32_t sys_now(void)
{
	return (u32_t)(pgfw_port_now_us() / 1000u);
}

/* Reads what stdin has (poll said it is readable) and runs complete lines. Returns 1 on quit. */
static int console_poll(void)
{
	char chunk[256];
	ssize_t n, i;

	if (!stdin_ready)
		return 0;
	stdin_ready = 0;
	n = read(STDIN_FILENO, chunk, sizeof(chunk));
	if (n <= 0) {
		stdin_open = 0; /* EOF (or /dev/null): keep serving */
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (chunk[i] == '\n') {
			line[line_len] = 0;
			line_len = 0;
			if (pgfw_console_line(line) == 2)
				return 1;
		} else if (line_len < sizeof(line) - 1) {
			line[line_len++] = chunk[i];
		}
	}
	return 0;
}

/* One main-loop iteration: at most one frame (tapif reads one per call), timers, app. */
void pgfw_port_poll(void)
{
	struct pollfd fds[2] = { { tap_fd, POLLIN, 0 }, { STDIN_FILENO, POLLIN, 0 } };
	int n = poll(fds, stdin_open ? 2 : 1, 1);

	if (n > 0 && (fds[0].revents & POLLIN))
		tapif_poll(&netif);
	if (n > 0 && stdin_open && (fds[1].revents & (POLLIN | POLLHUP)))
		stdin_ready = 1;
	sys_check_timeouts();
	pgfw_poll();
}

static void on_signal(int sig)
{
	atomic_store(&stop_sig, sig);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: pgfw-host --tap TAP --ip ADDR/PREFIX [--gw ADDR] [--run CMD]...\n"
		   "  serves iperf2 on 5001 (TCP, UDP) and iperf3 on 5201 over lwIP on the tap;\n"
		   "  console commands on stdin or --run (then exits with their verdict); 'help' lists them\n");
}

int main(int argc, char **argv)
{
	const char *tap = NULL, *ipp = NULL, *gw = NULL, *runs[MAX_RUN];
	ip4_addr_t ip, mask, gwa;
	char ipbuf[64], *slash;
	long prefix;
	int nrun = 0, i, failed = 0;
	struct sigaction sa;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--tap") == 0 && i + 1 < argc) {
			tap = argv[++i];
		} else if (strcmp(argv[i], "--ip") == 0 && i + 1 < argc) {
			ipp = argv[++i];
		} else if (strcmp(argv[i], "--gw") == 0 && i + 1 < argc) {
			gw = argv[++i];
		} else if (strcmp(argv[i], "--run") == 0 && i + 1 < argc) {
			if (nrun == MAX_RUN) {
				fprintf(stderr, "pgfw-host: --run: at most %d commands\n", MAX_RUN);
				return 2;
			}
			runs[nrun++] = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "pgfw-host: unknown or incomplete option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (tap == NULL || ipp == NULL) {
		fprintf(stderr, "pgfw-host: --tap and --ip are required\n");
		usage(stderr);
		return 2;
	}
	if (strlen(tap) >= IFNAMSIZ || if_nametoindex(tap) == 0) {
		fprintf(stderr, "pgfw-host: --tap %s: no such interface (create it: ip tuntap add %s mode tap)\n",
			tap, tap);
		return 2;
	}
	if (strlen(ipp) >= sizeof(ipbuf) || (slash = strchr(strcpy(ipbuf, ipp), '/')) == NULL) {
		fprintf(stderr, "pgfw-host: --ip %s: expected ADDR/PREFIX, e.g. 198.18.70.2/24\n", ipp);
		return 2;
	}
	*slash = 0;
	prefix = strtol(slash + 1, &slash, 10);
	if (*slash != 0 || prefix < 1 || prefix > 32 || !ip4addr_aton(ipbuf, &ip)) {
		fprintf(stderr, "pgfw-host: --ip %s: expected ADDR/PREFIX with PREFIX 1..32\n", ipp);
		return 2;
	}
	ip4_addr_set_u32(&mask, lwip_htonl(prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix)));
	ip4_addr_set_zero(&gwa);
	if (gw != NULL && !ip4addr_aton(gw, &gwa)) {
		fprintf(stderr, "pgfw-host: --gw %s: not an IPv4 address\n", gw);
		return 2;
	}

	srandom((unsigned)(pgfw_port_now_us() ^ (uint64_t)getpid()));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Debian's tapif attaches to an existing tap of this name and runs no ifconfig. */
	setenv("PRECONFIGURED_TAPIF", tap, 1);
	lwip_init();
	if (netif_add(&netif, &ip, &mask, &gwa, NULL, tapif_init, ethernet_input) == NULL) {
		fprintf(stderr, "pgfw-host: --tap %s: cannot attach\n", tap);
		return 1;
	}
	/* tapif keeps its fd as the first member of its private state */
	tap_fd = *(const int *)netif.state;
	netif_set_default(&netif);
	netif_set_up(&netif);
	if (pgfw_init() != 0) {
		fprintf(stderr, "pgfw-host: cannot start the servers\n");
		return 1;
	}
	printf("pgfw-host: %s on %s, mac %02x:%02x:%02x:%02x:%02x:%02x\n", ipp, tap, netif.hwaddr[0],
	       netif.hwaddr[1], netif.hwaddr[2], netif.hwaddr[3], netif.hwaddr[4], netif.hwaddr[5]);
	fflush(stdout);

	if (nrun > 0) {
		stdin_open = 0;
		for (i = 0; i < nrun && !atomic_load(&stop_sig); i++)
			if (pgfw_console_line(runs[i]) == 1)
				failed = 1;
		/* let the last FIN/ACK exchanges finish */
		{
			uint64_t until = pgfw_port_now_us() + 200000u;

			while (pgfw_port_now_us() < until)
				pgfw_port_poll();
		}
		return failed;
	}
	while (!atomic_load(&stop_sig)) {
		pgfw_port_poll();
		if (stdin_open && console_poll())
			break;
	}
	printf("pgfw-host: stopped\n");
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * an547 port: QEMU's mps3-an547 (Cortex-M55) running the firmware peer on lwIP over the
 * board's LAN9118, console and verdict through semihosting. The semihosting command line
 * (QEMU -semihosting-config arg=...) configures it:
 *   --ip ADDR/PREFIX [--gw ADDR] [--run "CMD[;CMD...]"]
 * Without --run it serves iperf2/iperf3 until QEMU is stopped; with --run it executes the
 * console commands and exits with 0 when all succeeded (QEMU's exit status).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cm55.h"
#include "lan9118.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "pgfw.h"
#include "pgfw_port.h"
#include "semihost.h"

#define AN547_SYSCLK_HZ 32000000u        /* MPS3 FPGA system clock (QEMU models the same) */
#define AN547_LAN9118_S 0x51400000u      /* secure alias: we run in the Secure state */

static struct netif netif;

void pgfw_port_write(const char *s, size_t len)
{
	sh_write(s, len);
}

void pgfw_port_poll(void)
{
	lan9118_poll(&netif, 16);
	sys_check_timeouts();
	pgfw_poll();
}

void board_early_init(void)
{
}

void board_exit(int status)
{
	sh_exit(status);
}

static int parse_ip(const char *s, ip4_addr_t *ip, ip4_addr_t *mask)
{
	char buf[40], *slash;
	long prefix;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash == NULL)
		return -1;
	*slash = 0;
	prefix = strtol(slash + 1, NULL, 10);
	if (prefix < 1 || prefix > 32 || !ip4addr_aton(buf, ip))
		return -1;
	ip4_addr_set_u32(mask, lwip_htonl(prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix)));
	return 0;
}

int board_main(void)
{
	static char cmdline[512];
	char *tok, *run = NULL, *save = NULL;
	const char *ipp = "198.18.73.2/24";
	ip4_addr_t ip, mask, gw;
	int failed = 0;

	cm55_systick_start(AN547_SYSCLK_HZ);
	cm55_rand_seed((uint32_t)SYST_CVR);
	ip4_addr_set_zero(&gw);
	if (sh_cmdline(cmdline, sizeof(cmdline)) < 0)
		cmdline[0] = 0;
	/* --run takes the rest of the line */
	run = strstr(cmdline, "--run ");
	if (run != NULL) {
		*run = 0;
		run += 6;
	}
	for (tok = strtok_r(cmdline, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		if (strcmp(tok, "--ip") == 0 && (tok = strtok_r(NULL, " ", &save)) != NULL) {
			ipp = tok;
		} else if (strcmp(tok, "--gw") == 0 && (tok = strtok_r(NULL, " ", &save)) != NULL) {
			if (!ip4addr_aton(tok, &gw)) {
				pgfw_port_write("pgfw: --gw: not an IPv4 address\n", 32);
				return 2;
			}
		}
		/* anything else (QEMU may pass the image name first) is ignored */
	}
	if (parse_ip(ipp, &ip, &mask) != 0) {
		pgfw_port_write("pgfw: --ip: expected ADDR/PREFIX\n", 33);
		return 2;
	}
	lwip_init();
	if (netif_add(&netif, &ip, &mask, &gw, (void *)(uintptr_t)AN547_LAN9118_S, lan9118_netif_init,
		      ethernet_input) == NULL)
		return 1;
	netif_set_default(&netif);
	netif_set_up(&netif);
	if (pgfw_init() != 0)
		return 1;
	{
		char msg[96];
		int n = snprintf(msg, sizeof(msg), "pgfw-an547: %s, mac %02x:%02x:%02x:%02x:%02x:%02x\n", ipp,
				 netif.hwaddr[0], netif.hwaddr[1], netif.hwaddr[2], netif.hwaddr[3],
				 netif.hwaddr[4], netif.hwaddr[5]);

		pgfw_port_write(msg, (size_t)n);
	}
	if (run == NULL) {
		for (;;)
			pgfw_port_poll();
	}
	/* give the peer time to learn our MAC (gratuitous ARP is off): a short settle */
	{
		uint64_t until = cm55_now_us() + 100000u;

		while (cm55_now_us() < until)
			pgfw_port_poll();
	}
	for (tok = strtok_r(run, ";", &save); tok != NULL; tok = strtok_r(NULL, ";", &save))
		if (pgfw_console_line(tok) != 0)
			failed = 1;
	{
		uint64_t until = cm55_now_us() + 200000u;

		while (cm55_now_us() < until)
			pgfw_port_poll();
	}
	return failed;
}

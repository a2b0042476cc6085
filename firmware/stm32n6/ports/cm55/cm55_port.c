/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The port hooks (pgfw_port.h, lwIP's sys_now and assertion) that are the same on every
 * Cortex-M55 board: time from SysTick, a xorshift random source the board seeds, and the
 * panic path through the board's console and exit. A board supplies pgfw_port_write,
 * pgfw_port_poll and the cm55.h hooks.
 */
#include <string.h>

#include "arch/cc.h"
#include "cm55.h"
#include "lwip/sys.h"
#include "pgfw_port.h"

static uint32_t rng = 0x9e3779b9u;

void cm55_rand_seed(uint32_t seed)
{
	rng ^= seed;
	if (!rng)
		rng = 0x9e3779b9u;
}

uint64_t pgfw_port_now_us(void)
{
	return cm55_now_us();
}

void pgfw_port_wall(uint32_t *sec, uint32_t *usec)
{
	uint64_t t = cm55_now_us();

	*sec = (uint32_t)(t / 1000000u);
	*usec = (uint32_t)(t % 1000000u);
}

uint32_t pgfw_port_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

void pgfw_port_panic(const char *msg)
{
	pgfw_port_write("pgfw: assertion: ", 17);
	pgfw_port_write(msg, strlen(msg));
	pgfw_port_write("\n", 1);
	board_exit(4);
}

u32_t sys_now(void)
{
	return (u32_t)(cm55_now_us() / 1000u);
}

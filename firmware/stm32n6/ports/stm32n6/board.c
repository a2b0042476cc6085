/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * stm32n6 port: the firmware peer as a first-stage boot image (FSBL) for NUCLEO-N657X0-Q
 * (default) or STM32N6570-DK (-DPGFW_BOARD_DK). Board bring-up: RAM banks powered, MPU with
 * a non-cacheable region for the Ethernet DMA, I/D caches, RIF attributes so ETH1's DMA is a
 * secure privileged CID1 master, pins, USART1 console at 115200 8N1, ETH1. The CPU runs from
 * PLL1 through IC1 at PGFW_N6_CPU_MHZ (600 by default, the most the nominal core voltage
 * allows; 800 needs the overdrive supply, which is board-specific); if PLL1 does not lock the
 * CPU stays on HSI 64 MHz and says so. The buses stay on HSI. Console commands arrive on
 * USART1, one per line.
 */
#include <stdio.h>

#include "cm55.h"
#include "eth.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "pgfw.h"
#include "pgfw_port.h"
#include "stm32n6_regs.h"

#define BOOT_CLK_HZ 64000000u   /* HSI after the boot ROM; the buses and USART1 stay on it */
#ifndef PGFW_N6_CPU_MHZ
#define PGFW_N6_CPU_MHZ 600     /* 0: leave the CPU on HSI */
#endif
#define PLL_TIMEOUT 1000000u
#define CONSOLE_BAUD 115200u

#ifndef PGFW_IP
#define PGFW_IP "198.18.70.2"
#endif
#ifndef PGFW_NETMASK
#define PGFW_NETMASK "255.255.255.0"
#endif

/* Armv8-M MPU (PMSAv8) and cache maintenance registers. */
#define MPU_CTRL CM55_REG(0xE000ED94u)
#define MPU_RNR CM55_REG(0xE000ED98u)
#define MPU_RBAR CM55_REG(0xE000ED9Cu)
#define MPU_RLAR CM55_REG(0xE000EDA0u)
#define MPU_MAIR0 CM55_REG(0xE000EDC0u)
#define SCB_CSSELR CM55_REG(0xE000ED84u)
#define SCB_CCSIDR CM55_REG(0xE000ED80u)
#define SCB_ICIALLU CM55_REG(0xE000EF50u)
#define SCB_DCISW CM55_REG(0xE000EF60u)
#define SCB_CCR_DC (1u << 16)
#define SCB_CCR_IC (1u << 17)

extern uint8_t __nocache_start[], __nocache_end[];

static struct netif netif;
static uint32_t cpu_hz = BOOT_CLK_HZ;
static char line[160];
static unsigned line_len;

void pgfw_port_write(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n') {
			while (!(USART_ISR & USART_ISR_TXE))
				;
			USART_TDR = '\r';
		}
		while (!(USART_ISR & USART_ISR_TXE))
			;
		USART_TDR = (uint8_t)s[i];
	}
}

void pgfw_port_poll(void)
{
	eth_poll(&netif, 16);
	sys_check_timeouts();
	pgfw_poll();
}

/* MPU region 0: the .nocache section, Normal memory, non-cacheable (MAIR attr 0 = 0x44),
 * read-write, execute-never; the rest of the map keeps the default (PRIVDEFENA). */
static void mpu_setup(void)
{
	uint32_t base = (uint32_t)(uintptr_t)__nocache_start & ~31u;
	uint32_t limit = ((uint32_t)(uintptr_t)__nocache_end - 1u) & ~31u;

	MPU_CTRL = 0;
	MPU_MAIR0 = (MPU_MAIR0 & ~0xffu) | 0x44u;
	MPU_RNR = 0;
	MPU_RBAR = base | (1u << 1) /* AP: RW any privilege */ | 1u /* XN */;
	MPU_RLAR = limit | (0u << 1) /* AttrIndx 0 */ | 1u /* EN */;
	MPU_CTRL = (1u << 2) /* PRIVDEFENA */ | 1u;
	__asm volatile("dsb\nisb" ::: "memory");
}

static void caches_enable(void)
{
	uint32_t ccsidr, sets, ways, s, w, wshift = 0;

	SCB_ICIALLU = 0;
	SCB_CSSELR = 0; /* level 1 data cache */
	__asm volatile("dsb" ::: "memory");
	ccsidr = SCB_CCSIDR;
	sets = ((ccsidr >> 13) & 0x7fffu) + 1u;
	ways = ((ccsidr >> 3) & 0x3ffu) + 1u;
	while ((1u << wshift) < ways)
		wshift++;
	for (s = 0; s < sets; s++)
		for (w = 0; w < ways; w++)
			SCB_DCISW = (w << (32u - wshift)) | (s << 5); /* 32-byte lines */
	__asm volatile("dsb" ::: "memory");
	SCB_CCR |= SCB_CCR_IC | SCB_CCR_DC;
	__asm volatile("dsb\nisb" ::: "memory");
}

/* ETH1's DMA must be a secure, privileged master with CID 1 to reach secure RAM, and the
 * peripheral itself secure and privileged (RIF, reference manual "RIFSC"). */
static void rif_setup(void)
{
	RIFSC_RIMC_ATTR(RIF_ETH1_MASTER) = RIMC_ATTR_MCID(1) | RIMC_ATTR_MSEC | RIMC_ATTR_MPRIV;
	RIFSC_RISC_SECCFGR(RIF_ETH1_PERIPH_REG) |= RIF_ETH1_PERIPH_BIT;
	RIFSC_RISC_PRIVCFGR(RIF_ETH1_PERIPH_REG) |= RIF_ETH1_PERIPH_BIT;
}

static void gpio_af(uint32_t base, uint32_t pin, uint32_t af)
{
	GPIO_MODER(base) = (GPIO_MODER(base) & ~(3u << (2 * pin))) | (2u << (2 * pin));
	GPIO_OSPEEDR(base) |= 3u << (2 * pin);
	GPIO_PUPDR(base) &= ~(3u << (2 * pin));
	GPIO_AFR(base, pin) = (GPIO_AFR(base, pin) & ~(0xfu << (4 * (pin & 7)))) | (af << (4 * (pin & 7)));
}

static void pins_setup(void)
{
	static const uint8_t pf[] = { 4, 5, 7, 10, 11, 12, 13, 14, 15 };
	unsigned i;

	RCC_AHB4ENSR = RCC_AHB4EN_GPIOE | RCC_AHB4EN_GPIOF | RCC_AHB4EN_GPIOG;
	RCC_APB2ENSR = RCC_APB2EN_USART1;
	gpio_af(GPIOE_BASE, 5, 7); /* USART1 TX */
	gpio_af(GPIOE_BASE, 6, 7); /* USART1 RX */
	for (i = 0; i < sizeof(pf); i++)
		gpio_af(GPIOF_BASE, pf[i], 11); /* ETH1 RMII / MDIO */
	gpio_af(GPIOG_BASE, 10, 11);
	gpio_af(GPIOG_BASE, 11, 11);
}

static void console_setup(void)
{
	USART_CR1 = 0;
	USART_BRR = (BOOT_CLK_HZ + CONSOLE_BAUD / 2u) / CONSOLE_BAUD;
	USART_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
}

/* PLL1 from HSI: 64 MHz / M 4 = 16 MHz reference, x N -> VCO = 2 x the CPU clock, post
 * dividers 1/1, IC1 divides by 2. The CPU switches to IC1 only once PLL1 is locked. */
static void cpu_clock_setup(void)
{
	uint32_t n = PGFW_N6_CPU_MHZ * 2u / 16u, i;

	if (PGFW_N6_CPU_MHZ == 0)
		return;
	RCC_CCR = RCC_CR_PLL1ON;
	for (i = 0; i < PLL_TIMEOUT && (RCC_SR & RCC_SR_PLL1RDY); i++)
		;
	RCC_PLL1CFGR1 = RCC_PLL1CFGR1_SEL_HSI | RCC_PLL1CFGR1_DIVM(4) | RCC_PLL1CFGR1_DIVN(n);
	RCC_PLL1CFGR2 = 0;
	RCC_PLL1CFGR3 = RCC_PLL1CFGR3_MODSSRST | RCC_PLL1CFGR3_MODSSDIS | RCC_PLL1CFGR3_PDIV1(1) |
			RCC_PLL1CFGR3_PDIV2(1) | RCC_PLL1CFGR3_PDIVEN;
	RCC_CSR = RCC_CR_PLL1ON;
	for (i = 0; i < PLL_TIMEOUT && !(RCC_SR & RCC_SR_PLL1RDY); i++)
		;
	if (!(RCC_SR & RCC_SR_PLL1RDY))
		return; /* stays on HSI; board_main reports it */
	RCC_IC1CFGR = RCC_IC1CFGR_SEL_PLL1 | RCC_IC1CFGR_INT(2);
	RCC_DIVENSR = RCC_DIVEN_IC1;
	RCC_CFGR1 = (RCC_CFGR1 & ~(3u << RCC_CFGR1_CPUSW_SHIFT)) | (RCC_CPUSW_IC1 << RCC_CFGR1_CPUSW_SHIFT);
	for (i = 0; i < PLL_TIMEOUT && ((RCC_CFGR1 >> RCC_CFGR1_CPUSWS_SHIFT) & 3u) != RCC_CPUSW_IC1; i++)
		;
	if (((RCC_CFGR1 >> RCC_CFGR1_CPUSWS_SHIFT) & 3u) == RCC_CPUSW_IC1)
		cpu_hz = PGFW_N6_CPU_MHZ * 1000000u;
}

void board_early_init(void)
{
	/* AXISRAM banks beyond the boot ones are powered down at reset */
	RCC_MEMENSR = RCC_MEMEN_AXISRAM1_2 | RCC_MEMEN_AXISRAM3_6;
	mpu_setup();
	caches_enable();
}

void board_exit(int status)
{
	(void)status;
	for (;;)
		__asm volatile("wfi");
}

int board_main(void)
{
	ip4_addr_t ip, mask, gw;
	char msg[128];
	int n;

	cpu_clock_setup();
	cm55_systick_start(cpu_hz); /* SysTick counts CPU cycles */
	pins_setup();
	console_setup();
	rif_setup();
	ip4addr_aton(PGFW_IP, &ip);
	ip4addr_aton(PGFW_NETMASK, &mask);
	ip4_addr_set_zero(&gw);
	lwip_init();
	if (netif_add(&netif, &ip, &mask, &gw, NULL, eth_netif_init, ethernet_input) == NULL)
		return 1;
	netif_set_default(&netif);
	netif_set_up(&netif);
	if (pgfw_init() != 0)
		return 1;
	n = snprintf(msg, sizeof(msg), "pgfw-stm32n6: %s/%s, CPU %lu MHz%s, ETH1 MAC version %08lx\n", PGFW_IP,
		     PGFW_NETMASK, (unsigned long)(cpu_hz / 1000000u),
		     cpu_hz == BOOT_CLK_HZ && PGFW_N6_CPU_MHZ ? " (PLL1 did not lock)" : "", (unsigned long)ETH_MACVR);
	pgfw_port_write(msg, (size_t)n);
	for (;;) {
		pgfw_port_poll();
		if (USART_ISR & USART_ISR_RXNE) {
			char c = (char)USART_RDR;

			if (c == '\r' || c == '\n') {
				line[line_len] = 0;
				line_len = 0;
				pgfw_console_line(line);
			} else if (line_len < sizeof(line) - 1) {
				line[line_len++] = c;
			}
		}
	}
}

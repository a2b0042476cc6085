/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Common Cortex-M55 reset path and vector table (own code, no CMSIS): enable the FPU and
 * MVE (CPACR CP10/CP11) before any C code can touch an FP or vector register, let the board
 * set up clocks and memories, copy .data, clear .bss, run board_main() and hand its status
 * to board_exit(). Faults print their status registers and exit non-zero.
 */
#include <stdint.h>
#include <string.h>

#include "cm55.h"
#include "pgfw_port.h"

extern uint32_t __stack_top[];
extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[];

void cm55_reset(void);
void cm55_c_start(void);
void cm55_fault(void);
void cm55_default(void);
void cm55_systick(void);

static volatile uint32_t ticks_ms;
static uint32_t ticks_per_ms;

__attribute__((naked, noreturn)) void cm55_reset(void)
{
	/* CPACR |= CP10|CP11 full access, then into C with a valid stack. */
	__asm volatile("ldr r0, =0xE000ED88\n"
		       "ldr r1, [r0]\n"
		       "orr r1, r1, #(0xF << 20)\n"
		       "str r1, [r0]\n"
		       "dsb\n"
		       "isb\n"
		       "ldr r0, =__stack_top\n"
		       "msr msp, r0\n"
		       "b cm55_c_start\n");
}

__attribute__((noreturn, used)) void cm55_c_start(void)
{
	uint32_t *src = __data_load, *dst = __data_start;

	board_early_init();
	while (dst < __data_end)
		*dst++ = *src++;
	for (dst = __bss_start; dst < __bss_end;)
		*dst++ = 0;
	board_exit(board_main());
}

void cm55_fault(void)
{
	char buf[96];
	static const char hex[] = "0123456789abcdef";
	uint32_t v[2] = { SCB_CFSR, SCB_HFSR };
	int i, j, n = 0;

	memcpy(buf, "pgfw: fault cfsr=", 17);
	n = 17;
	for (j = 0; j < 2; j++) {
		for (i = 7; i >= 0; i--)
			buf[n++] = hex[(v[j] >> (i * 4)) & 15u];
		if (j == 0) {
			memcpy(buf + n, " hfsr=", 6);
			n += 6;
		}
	}
	buf[n++] = '\n';
	pgfw_port_write(buf, (size_t)n);
	board_exit(3);
}

void cm55_default(void)
{
	pgfw_port_write("pgfw: unexpected interrupt\n", 27);
	board_exit(3);
}

void cm55_systick(void)
{
	ticks_ms++;
}

void cm55_systick_start(uint32_t hz)
{
	ticks_per_ms = hz / 1000u;
	SYST_RVR = ticks_per_ms - 1u;
	SYST_CVR = 0;
	SYST_CSR = 7u; /* processor clock, interrupt, enable */
}

uint64_t cm55_now_us(void)
{
	static uint64_t last;
	uint64_t t;
	uint32_t ms, cv, pend;

	/* re-read if the millisecond tick moved while we sampled the counter; a reload whose
	 * interrupt is still pending counts as the next millisecond */
	do {
		ms = ticks_ms;
		cv = SYST_CVR;
		pend = SCB_ICSR & SCB_ICSR_PENDSTSET;
	} while (ms != ticks_ms);
	if (pend && cv > ticks_per_ms / 2u)
		ms++;
	t = (uint64_t)ms * 1000u + (uint64_t)(ticks_per_ms - 1u - cv) * 1000u / ticks_per_ms;
	/* never step back (the app subtracts timestamps) */
	if (t < last)
		t = last;
	last = t;
	return t;
}

/* Exceptions 0..15 of Armv8-M; board interrupts are not used (the drivers poll). */
__attribute__((section(".vectors"), used)) void (*const cm55_vectors[16])(void) = {
	(void (*)(void))(uintptr_t)__stack_top,
	cm55_reset,
	cm55_fault,   /* NMI */
	cm55_fault,   /* HardFault */
	cm55_fault,   /* MemManage */
	cm55_fault,   /* BusFault */
	cm55_fault,   /* UsageFault */
	cm55_fault,   /* SecureFault */
	0, 0, 0,
	cm55_default, /* SVCall */
	cm55_default, /* DebugMonitor */
	0,
	cm55_default, /* PendSV */
	cm55_systick,
};

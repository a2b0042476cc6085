/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cortex-M55 core pieces shared by the an547 and stm32n6 ports: the system control block
 * registers they touch, SysTick time keeping, and the hooks a board supplies to the common
 * startup (cm55_startup.c). Register addresses are the Armv8-M architecture's (ARM DDI 0553).
 */
#ifndef PGFW_CM55_H
#define PGFW_CM55_H

#include <stdint.h>

#define CM55_REG(a) (*(volatile uint32_t *)(uintptr_t)(a))
#define SCB_CPACR CM55_REG(0xE000ED88u)
#define SCB_ICSR CM55_REG(0xE000ED04u)
#define SCB_ICSR_PENDSTSET (1u << 26)
#define SCB_VTOR CM55_REG(0xE000ED08u)
#define SCB_CCR CM55_REG(0xE000ED14u)
#define SCB_SHCSR CM55_REG(0xE000ED24u)
#define SCB_CFSR CM55_REG(0xE000ED28u)
#define SCB_HFSR CM55_REG(0xE000ED2Cu)
#define SCB_AIRCR CM55_REG(0xE000ED0Cu)
#define SYST_CSR CM55_REG(0xE000E010u)
#define SYST_RVR CM55_REG(0xE000E014u)
#define SYST_CVR CM55_REG(0xE000E018u)

/* Starts a 1 kHz SysTick from the processor clock (hz). */
void cm55_systick_start(uint32_t hz);
/* Microseconds since cm55_systick_start. */
uint64_t cm55_now_us(void);

/* Mixes seed into the random source behind pgfw_port_rand (cm55_port.c). */
void cm55_rand_seed(uint32_t seed);

/* Board hooks called by the common reset handler, in order. */
void board_early_init(void);  /* clocks, MPU, memories: before .data/.bss are set up */
int board_main(void);         /* returns the exit status */
void board_exit(int status) __attribute__((noreturn));

#endif /* PGFW_CM55_H */

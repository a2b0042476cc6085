/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The STM32N657 registers this port touches, written from the reference manual's register
 * map (addresses and bit positions as ST documents them; no vendor header is used or
 * committed). Secure aliases: the first-stage boot image runs Secure.
 */
#ifndef PGFW_STM32N6_REGS_H
#define PGFW_STM32N6_REGS_H

#include <stdint.h>

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))

/* RCC (AHB4, secure 0x56028000). Enable registers have SET aliases at +0x800. */
#define RCC_BASE 0x56028000u
#define RCC_SR REG32(RCC_BASE + 0x004)
#define RCC_SR_PLL1RDY (1u << 8)
#define RCC_CFGR1 REG32(RCC_BASE + 0x020)
#define RCC_CFGR1_CPUSW_SHIFT 16                /* CPU clock: 00 HSI, 11 IC1 */
#define RCC_CFGR1_CPUSWS_SHIFT 20               /* status of the switch */
#define RCC_CPUSW_IC1 3u
#define RCC_PLL1CFGR1 REG32(RCC_BASE + 0x080)
#define RCC_PLL1CFGR1_DIVN(n) ((uint32_t)(n) << 8)   /* bits 19:8 */
#define RCC_PLL1CFGR1_DIVM(m) ((uint32_t)(m) << 20)  /* bits 25:20 */
#define RCC_PLL1CFGR1_SEL_HSI (0u << 28)
#define RCC_PLL1CFGR2 REG32(RCC_BASE + 0x084)        /* fractional part */
#define RCC_PLL1CFGR3 REG32(RCC_BASE + 0x088)
#define RCC_PLL1CFGR3_MODSSRST (1u << 0)
#define RCC_PLL1CFGR3_MODSSDIS (1u << 2)
#define RCC_PLL1CFGR3_PDIV2(d) ((uint32_t)(d) << 24)
#define RCC_PLL1CFGR3_PDIV1(d) ((uint32_t)(d) << 27)
#define RCC_PLL1CFGR3_PDIVEN (1u << 30)
#define RCC_IC1CFGR REG32(RCC_BASE + 0x0C4)
#define RCC_IC1CFGR_INT(div) ((uint32_t)((div) - 1u) << 16) /* divider 1..256 */
#define RCC_IC1CFGR_SEL_PLL1 (0u << 28)
#define RCC_CSR REG32(RCC_BASE + 0x800)               /* control SET register */
#define RCC_CCR REG32(RCC_BASE + 0x1000)              /* control CLEAR register */
#define RCC_CR_PLL1ON (1u << 8)
#define RCC_DIVENSR REG32(RCC_BASE + 0xA40)
#define RCC_DIVEN_IC1 (1u << 0)
#define RCC_CCIPR2 REG32(RCC_BASE + 0x148)
#define RCC_CCIPR2_ETH1SEL_SHIFT 16          /* ETH1 PHY interface: bits 18:16 */
#define RCC_CCIPR2_ETH1SEL_MASK (7u << 16)
#define RCC_ETH1SEL_RMII 4u                  /* bit 18 */
#define RCC_ETH1SEL_RGMII 1u
#define RCC_MEMENSR REG32(RCC_BASE + 0xA4C)
#define RCC_MEMEN_AXISRAM3_6 0xFu            /* bits 3:0: AXISRAM3..6, off at reset */
#define RCC_MEMEN_AXISRAM1_2 (3u << 7)
#define RCC_AHB4ENSR REG32(RCC_BASE + 0xA5C)
#define RCC_AHB4EN_GPIOE (1u << 4)
#define RCC_AHB4EN_GPIOF (1u << 5)
#define RCC_AHB4EN_GPIOG (1u << 6)
#define RCC_AHB5ENSR REG32(RCC_BASE + 0xA60)
#define RCC_AHB5EN_ETH1 (0xFu << 22)          /* ETH1MAC, ETH1TX, ETH1RX, ETH1 */
#define RCC_AHB5RSTSR REG32(RCC_BASE + 0xA20)
#define RCC_AHB5RSTCR REG32(RCC_BASE + 0x1220)
#define RCC_APB2ENSR REG32(RCC_BASE + 0xA6C)
#define RCC_APB2EN_USART1 (1u << 4)

/* GPIO (AHB4): MODER, OTYPER, OSPEEDR, PUPDR, AFRL, AFRH. */
#define GPIOE_BASE 0x56021000u
#define GPIOF_BASE 0x56021400u
#define GPIOG_BASE 0x56021800u
#define GPIO_MODER(b) REG32((b) + 0x00)
#define GPIO_OSPEEDR(b) REG32((b) + 0x08)
#define GPIO_PUPDR(b) REG32((b) + 0x0C)
#define GPIO_AFR(b, n) REG32((b) + 0x20 + 4u * ((n) >> 3))

/* USART1 (APB2). */
#define USART1_BASE 0x52001000u
#define USART_CR1 REG32(USART1_BASE + 0x00)
#define USART_BRR REG32(USART1_BASE + 0x0C)
#define USART_ISR REG32(USART1_BASE + 0x1C)
#define USART_RDR REG32(USART1_BASE + 0x24)
#define USART_TDR REG32(USART1_BASE + 0x28)
#define USART_CR1_UE (1u << 0)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_ISR_RXNE (1u << 5)
#define USART_ISR_TXE (1u << 7)

/* RIFSC (AHB3): ETH1 is RISC peripheral 28 of register set 1, RIMC master 6. */
#define RIFSC_BASE 0x54024000u
#define RIFSC_RISC_SECCFGR(x) REG32(RIFSC_BASE + 0x010 + 4u * (x))
#define RIFSC_RISC_PRIVCFGR(x) REG32(RIFSC_BASE + 0x030 + 4u * (x))
#define RIFSC_RIMC_ATTR(x) REG32(RIFSC_BASE + 0xC10 + 4u * (x))
#define RIF_ETH1_PERIPH_REG 1
#define RIF_ETH1_PERIPH_BIT (1u << 28)
#define RIF_ETH1_MASTER 6
#define RIMC_ATTR_MCID(c) ((uint32_t)(c) << 4)
#define RIMC_ATTR_MSEC (1u << 8)
#define RIMC_ATTR_MPRIV (1u << 9)

/* ETH1: Synopsys DWC Ethernet QoS (AHB5, secure 0x58036000). */
#define ETH_BASE 0x58036000u
#define ETH_MACCR REG32(ETH_BASE + 0x0000)
#define ETH_MACPFR REG32(ETH_BASE + 0x0008)
#define ETH_MACRXQC0R REG32(ETH_BASE + 0x00A0)
#define ETH_MACVR REG32(ETH_BASE + 0x0110)
#define ETH_MACMDIOAR REG32(ETH_BASE + 0x0200)
#define ETH_MACMDIODR REG32(ETH_BASE + 0x0204)
#define ETH_MACA0HR REG32(ETH_BASE + 0x0300)
#define ETH_MACA0LR REG32(ETH_BASE + 0x0304)
#define ETH_MTLTXQOMR REG32(ETH_BASE + 0x0D00)
#define ETH_MTLRXQOMR REG32(ETH_BASE + 0x0D30)
#define ETH_DMAMR REG32(ETH_BASE + 0x1000)
#define ETH_DMASBMR REG32(ETH_BASE + 0x1004)
#define ETH_DMACCR REG32(ETH_BASE + 0x1100)
#define ETH_DMACTXCR REG32(ETH_BASE + 0x1104)
#define ETH_DMACRXCR REG32(ETH_BASE + 0x1108)
#define ETH_DMACTXDLAR REG32(ETH_BASE + 0x1114)
#define ETH_DMACRXDLAR REG32(ETH_BASE + 0x111C)
#define ETH_DMACTXDTPR REG32(ETH_BASE + 0x1120)
#define ETH_DMACRXDTPR REG32(ETH_BASE + 0x1128)
#define ETH_DMACTXRLR REG32(ETH_BASE + 0x112C)
#define ETH_DMACRXRLR REG32(ETH_BASE + 0x1130)
#define ETH_DMACSR REG32(ETH_BASE + 0x1160)
#define ETH_DMACMFCR REG32(ETH_BASE + 0x1164)

#define ETH_MACCR_RE (1u << 0)
#define ETH_MACCR_TE (1u << 1)
#define ETH_MACCR_DM (1u << 13)
#define ETH_MACCR_FES (1u << 14)
#define ETH_MACCR_PS (1u << 15)
#define ETH_MACCR_IPC (1u << 27)
#define ETH_MACRXQC0R_RXQ0EN_DCB (2u << 0)
#define ETH_MDIO_GB (1u << 0)
#define ETH_MDIO_GOC_READ (3u << 2)
#define ETH_MDIO_GOC_WRITE (1u << 2)
#define ETH_MDIO_CR_DIV124 (5u << 8)          /* CSR clock 250-300 MHz (and slower) */
#define ETH_MDIO_RDA(r) ((uint32_t)(r) << 16)
#define ETH_MDIO_PA(a) ((uint32_t)(a) << 21)
#define ETH_MTLTXQOMR_TSF (1u << 1)
#define ETH_MTLTXQOMR_TXQEN (2u << 2)
#define ETH_MTLRXQOMR_RSF (1u << 5)
#define ETH_MTLRXQOMR_RQS_SHIFT 20
#define ETH_DMAMR_SWR (1u << 0)
#define ETH_DMASBMR_FB (1u << 0)
#define ETH_DMASBMR_BLEN4 (1u << 1)
#define ETH_DMASBMR_BLEN8 (1u << 2)
#define ETH_DMASBMR_BLEN16 (1u << 3)
#define ETH_DMASBMR_BLEN32 (1u << 4)
#define ETH_DMASBMR_AAL (1u << 12)
#define ETH_DMASBMR_RD_OSR(n) ((uint32_t)(n) << 16)
#define ETH_DMASBMR_WR_OSR(n) ((uint32_t)(n) << 24)
#define ETH_DMACTXCR_ST (1u << 0)
#define ETH_DMACTXCR_PBL(n) ((uint32_t)(n) << 16)
#define ETH_DMACRXCR_SR (1u << 0)
#define ETH_DMACRXCR_RBSZ(n) ((uint32_t)(n) << 1)
#define ETH_DMACRXCR_PBL(n) ((uint32_t)(n) << 16)

#endif /* PGFW_STM32N6_REGS_H */

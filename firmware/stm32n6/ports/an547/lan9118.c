/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "lan9118.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"
#include "pgfw_port.h"

/* Direct registers (byte offsets). */
#define RX_DATA_FIFO 0x00
#define TX_DATA_FIFO 0x20
#define RX_STATUS_FIFO 0x40
#define TX_STATUS_FIFO 0x48
#define ID_REV 0x50
#define IRQ_CFG 0x54
#define INT_STS 0x58
#define INT_EN 0x5c
#define BYTE_TEST 0x64
#define RX_CFG 0x6c
#define TX_CFG 0x70
#define HW_CFG 0x74
#define RX_DP_CTRL 0x78
#define RX_FIFO_INF 0x7c
#define TX_FIFO_INF 0x80
#define PMT_CTRL 0x84
#define MAC_CSR_CMD 0xa4
#define MAC_CSR_DATA 0xa8
#define AFC_CFG 0xac

/* MAC CSRs (indirect, through MAC_CSR_CMD/DATA). */
#define MAC_CR 1
#define MAC_ADDRH 2
#define MAC_ADDRL 3

#define MAC_CR_RXEN (1u << 2)
#define MAC_CR_TXEN (1u << 3)
#define MAC_CR_FDPX (1u << 20)
#define CSR_BUSY (1u << 31)
#define CSR_READ (1u << 30)
#define HW_CFG_SRST 1u
#define PMT_READY 1u
#define TX_CFG_ON (1u << 1)
#define TX_CFG_SAO (1u << 2) /* let the TX status FIFO overrun: we never read it */
#define TXA_FIRST (1u << 13)
#define TXA_LAST (1u << 12)
#define RXS_ES (1u << 15)
#define RX_DP_FFWD (1u << 31)

#define LAN_BYTE_TEST 0x87654321u
#define FRAME_MAX 1536

static volatile uint32_t *lan_base;
static uint32_t rx_words[FRAME_MAX / 4 + 1];

static inline uint32_t rd(uint32_t off)
{
	return lan_base[off / 4];
}

static inline void wr(uint32_t off, uint32_t v)
{
	lan_base[off / 4] = v;
}

static uint32_t mac_read(uint32_t reg)
{
	while (rd(MAC_CSR_CMD) & CSR_BUSY)
		;
	wr(MAC_CSR_CMD, CSR_BUSY | CSR_READ | reg);
	while (rd(MAC_CSR_CMD) & CSR_BUSY)
		;
	return rd(MAC_CSR_DATA);
}

static void mac_write(uint32_t reg, uint32_t v)
{
	while (rd(MAC_CSR_CMD) & CSR_BUSY)
		;
	wr(MAC_CSR_DATA, v);
	wr(MAC_CSR_CMD, CSR_BUSY | reg);
	while (rd(MAC_CSR_CMD) & CSR_BUSY)
		;
}

static err_t lan_output(struct netif *netif, struct pbuf *p)
{
	uint32_t word = 0, nb = 0;
	struct pbuf *q;

	(void)netif;
	if (p->tot_len > FRAME_MAX)
		return ERR_IF;
	/* Wait for room in the TX data FIFO (the emulated one drains at once). */
	while ((rd(TX_FIFO_INF) & 0xffffu) < (uint32_t)p->tot_len + 16u)
		;
	/* One buffer per frame: command A (first+last, size), command B (tag, length). */
	wr(TX_DATA_FIFO, TXA_FIRST | TXA_LAST | p->tot_len);
	wr(TX_DATA_FIFO, ((uint32_t)p->tot_len << 16) | p->tot_len);
	for (q = p; q != NULL; q = q->next) {
		const uint8_t *d = q->payload;
		uint16_t i;

		for (i = 0; i < q->len; i++) {
			word |= (uint32_t)d[i] << (8 * nb);
			if (++nb == 4) {
				wr(TX_DATA_FIFO, word);
				word = 0;
				nb = 0;
			}
		}
	}
	if (nb)
		wr(TX_DATA_FIFO, word);
	return ERR_OK;
}

int lan9118_poll(struct netif *netif, int budget)
{
	int n = 0;

	while (n < budget && ((rd(RX_FIFO_INF) >> 16) & 0xffu) != 0) {
		uint32_t st = rd(RX_STATUS_FIFO);
		uint32_t len = (st >> 16) & 0x3fffu; /* includes the 4-byte FCS */
		uint32_t words = (len + 3u) / 4u, i;
		struct pbuf *p = NULL;

		n++;
		if (!(st & RXS_ES) && len > 4 && len <= FRAME_MAX)
			p = pbuf_alloc(PBUF_RAW, (u16_t)(len - 4), PBUF_POOL);
		if (p == NULL) {
			/* error frame or no buffer: fast-forward past its data */
			if (words >= 4) {
				wr(RX_DP_CTRL, RX_DP_FFWD);
				while (rd(RX_DP_CTRL) & RX_DP_FFWD)
					;
			} else {
				for (i = 0; i < words; i++)
					(void)rd(RX_DATA_FIFO);
			}
			continue;
		}
		/* PIO: the FIFO hands out little-endian words; gather them, then one copy. */
		for (i = 0; i < words; i++)
			rx_words[i] = rd(RX_DATA_FIFO);
		pbuf_take(p, rx_words, (u16_t)(len - 4));
		if (netif->input(p, netif) != ERR_OK)
			pbuf_free(p);
	}
	return n;
}

err_t lan9118_netif_init(struct netif *netif)
{
	uint32_t lo, hi, i;

	lan_base = (volatile uint32_t *)netif->state;
	if (rd(BYTE_TEST) != LAN_BYTE_TEST) {
		pgfw_port_write("lan9118: no controller (BYTE_TEST)\n", 35);
		return ERR_IF;
	}
	wr(HW_CFG, HW_CFG_SRST);
	for (i = 0; i < 100000 && (rd(HW_CFG) & HW_CFG_SRST); i++)
		;
	for (i = 0; i < 100000 && !(rd(PMT_CTRL) & PMT_READY); i++)
		;
	wr(INT_EN, 0);
	wr(INT_STS, 0xffffffffu);
	wr(IRQ_CFG, 0);
	/* keep the MAC address the board (QEMU) configured */
	lo = mac_read(MAC_ADDRL);
	hi = mac_read(MAC_ADDRH);
	netif->hwaddr[0] = (uint8_t)lo;
	netif->hwaddr[1] = (uint8_t)(lo >> 8);
	netif->hwaddr[2] = (uint8_t)(lo >> 16);
	netif->hwaddr[3] = (uint8_t)(lo >> 24);
	netif->hwaddr[4] = (uint8_t)hi;
	netif->hwaddr[5] = (uint8_t)(hi >> 8);
	netif->hwaddr_len = 6;
	mac_write(MAC_CR, MAC_CR_TXEN | MAC_CR_RXEN | MAC_CR_FDPX);
	wr(TX_CFG, TX_CFG_ON | TX_CFG_SAO);
	netif->name[0] = 'l';
	netif->name[1] = 'n';
	netif->mtu = 1500;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	netif->output = etharp_output;
	netif->linkoutput = lan_output;
	return ERR_OK;
}

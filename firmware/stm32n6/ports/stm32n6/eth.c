/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "cm55.h"
#include "dwc_ring.h"
#include "eth.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"
#include "pgfw_port.h"
#include "stm32n6_regs.h"

#define TX_DESCS 32
#define RX_DESCS 16
#define RX_BUF 1536                  /* a whole frame per descriptor */
#define TX_MAX_SEGS 8
#define PHY_ADDR 0
#define MDIO_TIMEOUT 100000u

/* Tuning knobs (doc/firmware.md): AXI burst and outstanding requests. The published
 * STM32N6 receive collapse was fixed with longer RX bursts and bus request limits. */
#ifndef PGFW_ETH_PBL
#define PGFW_ETH_PBL 32
#endif
#ifndef PGFW_ETH_OSR
#define PGFW_ETH_OSR 3
#endif

/* Descriptors and RX buffers live in the MPU non-cacheable section (link.ld .nocache). */
static struct dwc_desc tx_desc[TX_DESCS] __attribute__((section(".nocache"), aligned(32)));
static struct dwc_desc rx_desc[RX_DESCS] __attribute__((section(".nocache"), aligned(32)));
static uint8_t rx_buf[RX_DESCS][RX_BUF] __attribute__((section(".nocache"), aligned(32)));
#define TX_BOUNCE 4
static uint8_t tx_bounce[TX_BOUNCE][RX_BUF] __attribute__((section(".nocache"), aligned(32)));
static uint32_t bounce_busy; /* bit i: bounce buffer i is waiting for the DMA */
static void *tx_cookie[TX_DESCS];
static void *rx_cookie[RX_DESCS];
static uint32_t rx_addr[RX_DESCS];
static struct dwc_tx_ring txr;
static struct dwc_rx_ring rxr;
static struct eth_stats st;

static void dmb(void)
{
	__asm volatile("dmb" ::: "memory");
}

/* Clean the D-cache over [p, p+len) so the DMA reads what the CPU wrote. */
static void dcache_clean(const void *p, uint32_t len)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)31, end = (uintptr_t)p + len;

	__asm volatile("dsb" ::: "memory");
	for (; a < end; a += 32)
		CM55_REG(0xE000EF68u) = (uint32_t)a; /* DCCMVAC */
	__asm volatile("dsb" ::: "memory");
}

static int mdio_wait(void)
{
	uint32_t i;

	for (i = 0; i < MDIO_TIMEOUT; i++)
		if (!(ETH_MACMDIOAR & ETH_MDIO_GB))
			return 0;
	return -1;
}

static int phy_read(uint32_t reg, uint16_t *v)
{
	if (mdio_wait())
		return -1;
	ETH_MACMDIOAR = ETH_MDIO_PA(PHY_ADDR) | ETH_MDIO_RDA(reg) | ETH_MDIO_CR_DIV124 | ETH_MDIO_GOC_READ | ETH_MDIO_GB;
	if (mdio_wait())
		return -1;
	*v = (uint16_t)ETH_MACMDIODR;
	return 0;
}

static int phy_write(uint32_t reg, uint16_t v)
{
	if (mdio_wait())
		return -1;
	ETH_MACMDIODR = v;
	ETH_MACMDIOAR = ETH_MDIO_PA(PHY_ADDR) | ETH_MDIO_RDA(reg) | ETH_MDIO_CR_DIV124 | ETH_MDIO_GOC_WRITE | ETH_MDIO_GB;
	return mdio_wait();
}

/* Clause-22 bring-up common to LAN8742A and RTL8211: reset, autonegotiate, read the result
 * from the standard registers. Returns the MACCR speed/duplex bits, or 0 without link. */
static uint32_t phy_link(void)
{
	uint16_t bmcr, bmsr = 0, anar = 0, anlpar = 0, gstat = 0;
	uint64_t t0;

	if (phy_write(0, 0x8000) != 0)
		return 0;
	t0 = cm55_now_us();
	do {
		if (phy_read(0, &bmcr) != 0)
			return 0;
	} while ((bmcr & 0x8000) && cm55_now_us() - t0 < 500000u);
	phy_write(0, 0x1200); /* autonegotiation enable + restart */
	t0 = cm55_now_us();
	do {
		phy_read(1, &bmsr);
	} while ((bmsr & 0x0024) != 0x0024 && cm55_now_us() - t0 < 5000000u);
	if ((bmsr & 0x0024) != 0x0024)
		return 0;
	phy_read(4, &anar);
	phy_read(5, &anlpar);
#ifdef PGFW_BOARD_DK
	phy_read(10, &gstat); /* 1000BASE-T status: link partner 1000FD */
	if (gstat & 0x0800)
		return ETH_MACCR_DM; /* PS=0: gigabit port */
#endif
	(void)gstat;
	anlpar &= anar;
	if (anlpar & 0x0100)
		return ETH_MACCR_PS | ETH_MACCR_FES | ETH_MACCR_DM;
	if (anlpar & 0x0080)
		return ETH_MACCR_PS | ETH_MACCR_FES;
	if (anlpar & 0x0040)
		return ETH_MACCR_PS | ETH_MACCR_DM;
	return ETH_MACCR_PS;
}

/* Cookies 1..TX_BOUNCE name a bounce buffer; anything else is a pbuf. */
static void tx_release(void *cookie)
{
	uintptr_t c = (uintptr_t)cookie;

	if (c >= 1 && c <= TX_BOUNCE)
		bounce_busy &= ~(1u << (c - 1));
	else
		pbuf_free(cookie);
}

static err_t eth_output(struct netif *netif, struct pbuf *p)
{
	struct dwc_seg seg[TX_MAX_SEGS];
	uint32_t n = 0, spin;
	struct pbuf *q;
	void *cookie = p;
	int rc;

	(void)netif;
	dwc_tx_reclaim(&txr, tx_release, &st.tx_errors);
	for (q = p; q != NULL && n < TX_MAX_SEGS; q = q->next) {
		if (q->len == 0)
			continue;
		seg[n].addr = (uint32_t)(uintptr_t)q->payload;
		seg[n].len = q->len;
		dcache_clean(q->payload, q->len);
		n++;
	}
	if (q != NULL || p->tot_len > RX_BUF) {
		/* longer chain than the ring takes per frame: one copy into a free bounce buffer */
		uint32_t k;

		if (p->tot_len > RX_BUF)
			return ERR_IF;
		for (spin = 0; bounce_busy == (1u << TX_BOUNCE) - 1u && spin < 100000u; spin++)
			dwc_tx_reclaim(&txr, tx_release, &st.tx_errors);
		for (k = 0; k < TX_BOUNCE && (bounce_busy & (1u << k)); k++)
			;
		if (k == TX_BOUNCE) {
			st.tx_ring_full++;
			return ERR_MEM;
		}
		bounce_busy |= 1u << k;
		pbuf_copy_partial(p, tx_bounce[k], p->tot_len, 0);
		seg[0].addr = (uint32_t)(uintptr_t)tx_bounce[k];
		seg[0].len = p->tot_len;
		n = 1;
		cookie = (void *)(uintptr_t)(k + 1);
	}
	if (cookie == p)
		pbuf_ref(p); /* held until the DMA has read it */
	for (spin = 0; (rc = dwc_tx_post(&txr, seg, n, 1, cookie)) == -ENOBUFS && spin < 100000u; spin++)
		dwc_tx_reclaim(&txr, tx_release, &st.tx_errors);
	if (rc != 0) {
		st.tx_ring_full++;
		tx_release(cookie);
		return ERR_MEM;
	}
	ETH_DMACTXDTPR = (uint32_t)(uintptr_t)&tx_desc[dwc_tx_tail_index(&txr)];
	st.tx_frames++;
	return ERR_OK;
}

int eth_poll(struct netif *netif, int budget)
{
	struct dwc_rx_frame f;
	int n = 0;

	dwc_tx_reclaim(&txr, tx_release, &st.tx_errors);
	while (n < budget && dwc_rx_poll(&rxr, &f)) {
		struct pbuf *p = NULL;

		if (f.error || f.csum_bad) {
			st.rx_errors++;
		} else if ((p = pbuf_alloc(PBUF_RAW, (u16_t)f.len, PBUF_POOL)) == NULL) {
			st.rx_nobuf++;
		} else {
			pbuf_take(p, f.cookie, (u16_t)f.len);
			st.rx_frames++;
		}
		/* the DMA buffer goes straight back to the ring (it is non-cacheable) */
		dwc_rx_refill(&rxr, f.index, f.cookie, rx_addr[f.index]);
		ETH_DMACRXDTPR = (uint32_t)(uintptr_t)&rx_desc[f.index];
		if (p != NULL && netif->input(p, netif) != ERR_OK)
			pbuf_free(p);
		n++;
	}
	return n;
}

void eth_get_stats(struct eth_stats *s)
{
	st.rx_missed += ETH_DMACMFCR & 0x7ffu;
	*s = st;
}

err_t eth_netif_init(struct netif *netif)
{
	void *bufs[RX_DESCS];
	uint32_t addrs[RX_DESCS], i, speed;

	/* Interface select before the MAC leaves reset, then clocks and reset pulse. */
	RCC_CCIPR2 = (RCC_CCIPR2 & ~RCC_CCIPR2_ETH1SEL_MASK) |
#ifdef PGFW_BOARD_DK
		     (RCC_ETH1SEL_RGMII << RCC_CCIPR2_ETH1SEL_SHIFT);
#else
		     (RCC_ETH1SEL_RMII << RCC_CCIPR2_ETH1SEL_SHIFT);
#endif
	RCC_AHB5ENSR = RCC_AHB5EN_ETH1;
	RCC_AHB5RSTSR = RCC_AHB5EN_ETH1;
	RCC_AHB5RSTCR = RCC_AHB5EN_ETH1;
	ETH_DMAMR |= ETH_DMAMR_SWR;
	for (i = 0; i < 1000000u && (ETH_DMAMR & ETH_DMAMR_SWR); i++)
		;
	if (ETH_DMAMR & ETH_DMAMR_SWR) {
		pgfw_port_write("eth: DMA reset did not complete (no PHY clock?)\n", 49);
		return ERR_IF;
	}

	/* Bus: address-aligned bursts up to PGFW_ETH_PBL beats, bounded outstanding requests. */
	ETH_DMASBMR = ETH_DMASBMR_AAL | ETH_DMASBMR_BLEN4 | ETH_DMASBMR_BLEN8 | ETH_DMASBMR_BLEN16 |
		      (PGFW_ETH_PBL >= 32 ? ETH_DMASBMR_BLEN32 : 0) | ETH_DMASBMR_RD_OSR(PGFW_ETH_OSR) |
		      ETH_DMASBMR_WR_OSR(PGFW_ETH_OSR);
	ETH_DMACCR = 0; /* descriptors back to back (skip length 0) */
	ETH_DMACTXCR = ETH_DMACTXCR_PBL(PGFW_ETH_PBL);
	ETH_DMACRXCR = ETH_DMACRXCR_PBL(PGFW_ETH_PBL) | ETH_DMACRXCR_RBSZ(RX_BUF);
	/* Store-and-forward both ways: needed for checksum offload on TX and RX. */
	ETH_MTLTXQOMR = ETH_MTLTXQOMR_TSF | ETH_MTLTXQOMR_TXQEN;
	ETH_MTLRXQOMR = (ETH_MTLRXQOMR & ~(0xFu << ETH_MTLRXQOMR_RQS_SHIFT)) | ETH_MTLRXQOMR_RSF |
			(0xFu << ETH_MTLRXQOMR_RQS_SHIFT); /* 4 KB receive FIFO: (4096 / 256) - 1 */
	ETH_MACRXQC0R = ETH_MACRXQC0R_RXQ0EN_DCB;

	dwc_tx_init(&txr, tx_desc, tx_cookie, TX_DESCS, dmb);
	for (i = 0; i < RX_DESCS; i++) {
		bufs[i] = rx_buf[i];
		addrs[i] = (uint32_t)(uintptr_t)rx_buf[i];
	}
	dwc_rx_init(&rxr, rx_desc, rx_cookie, rx_addr, RX_DESCS, RX_BUF, bufs, addrs, dmb);
	ETH_DMACTXDLAR = (uint32_t)(uintptr_t)tx_desc;
	ETH_DMACRXDLAR = (uint32_t)(uintptr_t)rx_desc;
	ETH_DMACTXRLR = TX_DESCS - 1;
	ETH_DMACRXRLR = RX_DESCS - 1;
	ETH_DMACTXDTPR = (uint32_t)(uintptr_t)&tx_desc[0];
	ETH_DMACRXDTPR = (uint32_t)(uintptr_t)&rx_desc[RX_DESCS - 1];

	/* A locally administered address derived from nothing secret; boards may override. */
	netif->hwaddr[0] = 0x02;
	netif->hwaddr[1] = 0x80;
	netif->hwaddr[2] = 0xe1;
	netif->hwaddr[3] = 0x4e;
	netif->hwaddr[4] = 0x36;
	netif->hwaddr[5] = 0x01;
	netif->hwaddr_len = 6;
	ETH_MACA0HR = (uint32_t)netif->hwaddr[4] | (uint32_t)netif->hwaddr[5] << 8;
	ETH_MACA0LR = (uint32_t)netif->hwaddr[0] | (uint32_t)netif->hwaddr[1] << 8 |
		      (uint32_t)netif->hwaddr[2] << 16 | (uint32_t)netif->hwaddr[3] << 24;
	ETH_MACPFR = 0; /* own address and broadcast */

	speed = phy_link();
	if (speed == 0)
		pgfw_port_write("eth: no link (PHY autonegotiation did not complete)\n", 52);
	ETH_MACCR = speed | ETH_MACCR_IPC | ETH_MACCR_TE | ETH_MACCR_RE;
	ETH_DMACTXCR |= ETH_DMACTXCR_ST;
	ETH_DMACRXCR |= ETH_DMACRXCR_SR;

	netif->name[0] = 'e';
	netif->name[1] = 't';
	netif->mtu = 1500;
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET |
		       (speed ? NETIF_FLAG_LINK_UP : 0);
	netif->output = etharp_output;
	netif->linkoutput = eth_output;
	return ERR_OK;
}

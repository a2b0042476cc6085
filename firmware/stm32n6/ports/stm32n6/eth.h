/* SPDX-License-Identifier: BSD-3-Clause */
/* STM32N6 ETH1 (DWC Ethernet QoS) as an lwIP netif: polled, descriptor rings in
 * MPU-non-cacheable RAM, zero-copy transmit of pbufs (D-cache cleaned first), RX copied out
 * of fixed DMA buffers into pool pbufs. RMII + LAN8742A (NUCLEO-N657X0-Q) or RGMII + RTL8211
 * (STM32N6570-DK, -DPGFW_BOARD_DK). */
#ifndef PGFW_STM32N6_ETH_H
#define PGFW_STM32N6_ETH_H

#include "lwip/netif.h"

err_t eth_netif_init(struct netif *netif);
/* Moves received frames to lwIP and reclaims sent ones; returns frames received. */
int eth_poll(struct netif *netif, int budget);
/* Counters for the console's status line. */
struct eth_stats {
	uint32_t rx_frames, rx_errors, rx_nobuf, tx_frames, tx_errors, tx_ring_full, rx_missed;
};
void eth_get_stats(struct eth_stats *s);

#endif

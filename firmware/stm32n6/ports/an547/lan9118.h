/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SMSC LAN9118 Ethernet controller (as QEMU emulates it on mps3-an547) for lwIP: polled,
 * PIO through the TX/RX data FIFOs, no interrupts. Own driver from the LAN9118 datasheet's
 * register map.
 */
#ifndef PGFW_LAN9118_H
#define PGFW_LAN9118_H

#include <stdint.h>

#include "lwip/netif.h"

/* netif init function for netif_add(); state = (void *)base address. */
err_t lan9118_netif_init(struct netif *netif);
/* Moves up to budget received frames into lwIP; returns how many. */
int lan9118_poll(struct netif *netif, int budget);

#endif

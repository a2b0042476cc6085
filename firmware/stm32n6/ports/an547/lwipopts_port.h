/* SPDX-License-Identifier: BSD-3-Clause */
/* an547 (QEMU): the emulated LAN9118 RX FIFO holds ~11 KB, so the advertised window stays at
 * 6 segments (a larger one only overflows the FIFO and costs retransmissions). */
#ifndef PGFW_LWIPOPTS_PORT_H
#define PGFW_LWIPOPTS_PORT_H
#define PGFW_WND_SCALE 0
#define PGFW_RCV_SCALE 0
#define PGFW_TCP_WND_SEGS 6
#define PGFW_TCP_SND_SEGS 16
#define PGFW_PBUF_POOL 32
#define PGFW_MEM_SIZE (64 * 1024)
#define LWIP_NOASSERT 1
#endif

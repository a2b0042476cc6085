/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * STM32N6 (first-stage boot image, 256 KB RAM): a 16-segment window and a send buffer that
 * keeps a gigabit link with ~0.1 ms RTT busy (16 * 1460 B / 0.1 ms = 1.9 Gbit/s); checksums
 * in the MAC (software RX checksumming was one cause of the ~50 Mbit/s TCP receive collapse
 * reported on this part).
 */
#ifndef PGFW_LWIPOPTS_PORT_H
#define PGFW_LWIPOPTS_PORT_H
#define PGFW_WND_SCALE 0
#define PGFW_RCV_SCALE 0
#define PGFW_TCP_WND_SEGS 16
#define PGFW_TCP_SND_SEGS 24
#define PGFW_PBUF_POOL 40
#define PGFW_MEM_SIZE (48 * 1024)
#define PGFW_HW_CHECKSUM 1
#define LWIP_NOASSERT 1
#endif

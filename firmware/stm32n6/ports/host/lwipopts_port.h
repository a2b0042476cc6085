/* SPDX-License-Identifier: BSD-3-Clause */
/* Host (tap) port: memory is plentiful; a scaled 1 MiB-class window keeps a veth/tap path busy. */
#ifndef PGFW_LWIPOPTS_PORT_H
#define PGFW_LWIPOPTS_PORT_H
#define PGFW_WND_SCALE 1
#define PGFW_RCV_SCALE 4
#define PGFW_TCP_WND_SEGS 512
#define PGFW_TCP_SND_SEGS 512
#define PGFW_PBUF_POOL 1024
#define PGFW_MEM_SIZE (4 * 1024 * 1024)
#define PGFW_MEM_ALIGNMENT 8
#endif

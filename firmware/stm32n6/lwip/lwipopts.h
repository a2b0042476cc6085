/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lwIP options of the firmware peer (all ports): NO_SYS=1 raw API only, IPv4, TCP and UDP,
 * sized for throughput. A port's lwipopts_port.h (found first on its include path) sets the
 * memory budget: PGFW_TCP_WND_SEGS, PGFW_TCP_SND_SEGS, PGFW_PBUF_POOL, PGFW_MEM_SIZE.
 */
#ifndef PGFW_LWIPOPTS_H
#define PGFW_LWIPOPTS_H

#include "lwipopts_port.h"

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define LWIP_RAW 0
#define LWIP_STATS 0
#define LWIP_NETIF_API 0
#define LWIP_HAVE_LOOPIF 0
#define LWIP_NETIF_LOOPBACK 0
#define IP_REASSEMBLY 1
#define IP_FRAG 1
#define ETHARP_SUPPORT_STATIC_ENTRIES 0
#define ARP_QUEUEING 1

/* Memory: the heap carries TCP_WRITE_FLAG_COPY data (control messages) and UDP headers;
 * the pool carries received frames; segments reference the const pattern (PBUF_ROM). */
/* pointers are 8 bytes on the 64-bit host: its pools must be 8-aligned */
#ifndef PGFW_MEM_ALIGNMENT
#define PGFW_MEM_ALIGNMENT 4
#endif
#define MEM_ALIGNMENT PGFW_MEM_ALIGNMENT
#define MEM_SIZE PGFW_MEM_SIZE
#define PBUF_POOL_SIZE PGFW_PBUF_POOL
#define PBUF_POOL_BUFSIZE LWIP_MEM_ALIGN_SIZE(TCP_MSS + 40 + PBUF_LINK_ENCAPSULATION_HLEN + PBUF_LINK_HLEN)
#define MEMP_NUM_PBUF (2 * PGFW_TCP_SND_SEGS + 64)
#define MEMP_NUM_TCP_PCB 16
#define MEMP_NUM_TCP_PCB_LISTEN 4
#define MEMP_NUM_UDP_PCB 8
#define MEMP_NUM_TCP_SEG (2 * PGFW_TCP_SND_SEGS + 32)
#define MEMP_NUM_REASSDATA 4
#define MEMP_NUM_FRAG_PBUF 16
#define MEMP_NUM_ARP_QUEUE 16

/* TCP tuned for throughput: a full-MSS window of PGFW_TCP_WND_SEGS, a send buffer that keeps
 * the pipe full, no delayed-ACK penalty for the peer's bulk sends. */
#define TCP_MSS 1460
#define TCP_WND (PGFW_TCP_WND_SEGS * TCP_MSS)
#define TCP_SND_BUF (PGFW_TCP_SND_SEGS * TCP_MSS)
#define TCP_SND_QUEUELEN (2 * PGFW_TCP_SND_SEGS + 16)
/* u16_t in lwIP: at least 4*MSS below 0xffff */
#define TCP_SNDLOWAT LWIP_MIN(LWIP_MAX(((TCP_SND_BUF) / 4), (2 * TCP_MSS) + 1), LWIP_MIN((TCP_SND_BUF)-1, 0xffff - 4 * TCP_MSS - 1))
#define TCP_SNDQUEUELOWAT LWIP_MAX(((TCP_SND_QUEUELEN) / 4), 5)
#define TCP_QUEUE_OOSEQ 1
#define TCP_OOSEQ_MAX_PBUFS (PGFW_TCP_WND_SEGS)
#define LWIP_TCP_SACK_OUT 0
#define LWIP_WND_SCALE PGFW_WND_SCALE
#define TCP_RCV_SCALE PGFW_RCV_SCALE
#define LWIP_TCP_TIMESTAMPS 0
#define TCP_OVERSIZE TCP_MSS
#define LWIP_TCP_KEEPALIVE 0
#define TCP_LISTEN_BACKLOG 1
#define LWIP_CALLBACK_API 1

/* Checksums: generated and checked in software here; a port with offload turns them off in
 * lwipopts_port.h (the STM32N6 MAC inserts and verifies them). */
#ifndef PGFW_HW_CHECKSUM
#define PGFW_HW_CHECKSUM 0
#endif
#if PGFW_HW_CHECKSUM
#define CHECKSUM_GEN_IP 0
#define CHECKSUM_GEN_UDP 0
#define CHECKSUM_GEN_TCP 0
#define CHECKSUM_CHECK_IP 0
#define CHECKSUM_CHECK_UDP 0
#define CHECKSUM_CHECK_TCP 0
#endif

#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_SINGLE_NETIF 1
#define LWIP_DEBUG_TIMERNAMES 0
#ifndef LWIP_NOASSERT
#define LWIP_NOASSERT 0
#endif

#endif /* PGFW_LWIPOPTS_H */

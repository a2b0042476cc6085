/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK ethdev backend of the port interface (port.h): any PCI device or vdev
 * (net_af_xdp, net_af_packet, net_tap, net_memif, net_pcap, net_null, ...). DPDK owns the
 * port, so perfgen answers ARP and ICMP echo for its --ip and resolves the next hop itself.
 */
#ifndef PG_PORT_DPDK_H
#define PG_PORT_DPDK_H

#include <stddef.h>
#include <stdint.h>

#include "port.h"

struct pg_dpdk_conf {
	const char *const *devargs; /* "0000:01:00.0" or "net_af_xdp0,iface=vA" ... */
	unsigned int nb_devs;    /* 1: queue i of it per lcore; else one device per lcore */
	const char *lcores;      /* EAL --lcores map "0@c0,1@c1,...": 0 is the main lcore */
	const char *eal_extra;   /* --eal "..." (split on spaces) */
	unsigned int nb_queues;  /* one RX/TX queue pair per dataplane lcore */
	uint32_t ip4;            /* --ip (BE) */
	int no_ip;               /* replay: no address, nothing answered */
	uint8_t prefix_len;
	uint32_t gw4;            /* --gw (BE), 0 = none */
	const uint8_t *tx_prefill;
	uint32_t tx_prefill_len;
};

/*
 * Initialises the EAL (own --file-prefix and --in-memory, so concurrent perfgens and
 * killed runs leave nothing that blocks the next start) and starts the device. NULL with
 * errno and a one-line reason in err on failure.
 */
struct pg_port *pg_dpdk_open(const struct pg_dpdk_conf *conf, char *err, size_t errlen);

#endif /* PG_PORT_DPDK_H */

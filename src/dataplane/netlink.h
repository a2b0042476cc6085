/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the kernel knows about an interface and its neighbours, read through rtnetlink:
 * the interface's MAC, IPv4 address, MTU; the next hop the kernel's routing picks for a
 * destination; and that hop's MAC from the neighbour table (triggering ARP when missing).
 */
#ifndef PG_NETLINK_H
#define PG_NETLINK_H

#include <stdint.h>
#include <stddef.h>

struct pg_nl_ifinfo {
	int ifindex;
	uint8_t mac[6];
	uint32_t ip4;        /* BE, first IPv4 address; 0 if none */
	uint8_t prefix_len;
	uint32_t mtu;
};

/* 0, -ENODEV (no such interface) or -errno. */
int pg_nl_ifinfo(const char *ifname, struct pg_nl_ifinfo *info);

/*
 * MAC of the next hop towards dst (BE) out of ifindex: the route's gateway, or dst when
 * on-link. Asks the kernel to resolve it (an empty datagram to the discard port) when the
 * neighbour table has no usable entry, and waits up to timeout_ms.
 * 0, -ENETUNREACH (no route through ifindex), -EHOSTUNREACH (no ARP answer) or -errno.
 */
int pg_nl_resolve(int ifindex, const char *ifname, uint32_t dst, uint8_t mac[6], int timeout_ms);

/* 1 if ifname is a veth (its driver as ethtool -i reports it), else 0. */
int pg_if_is_veth(const char *ifname);

#endif /* PG_NETLINK_H */

/* SPDX-License-Identifier: BSD-3-Clause */
#include "netlink.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/ethtool.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

int pg_nl_ifinfo(const char *ifname, struct pg_nl_ifinfo *info)
{
	struct ifaddrs *ifa = NULL, *a;
	struct ifreq ifr;
	int fd, rc = 0;

	memset(info, 0, sizeof(*info));
	if (strlen(ifname) >= IFNAMSIZ)
		return -ENODEV;
	info->ifindex = (int)if_nametoindex(ifname);
	if (!info->ifindex)
		return -ENODEV;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		rc = -errno;
		goto out;
	}
	memcpy(info->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
		rc = -errno;
		goto out;
	}
	info->mtu = (uint32_t)ifr.ifr_mtu;
	if (getifaddrs(&ifa) < 0) {
		rc = -errno;
		goto out;
	}
	for (a = ifa; a; a = a->ifa_next) {
		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || strcmp(a->ifa_name, ifname))
			continue;
		info->ip4 = ((struct sockaddr_in *)(void *)a->ifa_addr)->sin_addr.s_addr;
		if (a->ifa_netmask)
			info->prefix_len = (uint8_t)__builtin_popcount(
				((struct sockaddr_in *)(void *)a->ifa_netmask)->sin_addr.s_addr);
		break;
	}
out:
	if (ifa)
		freeifaddrs(ifa);
	close(fd);
	return rc;
}

struct nl_req {
	struct nlmsghdr nh;
	struct rtmsg rt;
	char attrs[64];
};

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { 1, 0 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* The kernel's own route lookup (like `ip route get DST`): gateway (0 = on-link) and oif. */
static int route_get(uint32_t dst, uint32_t *gw, int *oif)
{
	struct nl_req req;
	char buf[8192];
	struct rtattr *rta;
	ssize_t n;
	int fd = nl_open(), rc = -ENETUNREACH;

	if (fd < 0)
		return fd;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
	req.nh.nlmsg_type = RTM_GETROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.rt.rtm_family = AF_INET;
	req.rt.rtm_dst_len = 32;
	rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
	rta->rta_type = RTA_DST;
	rta->rta_len = RTA_LENGTH(4);
	memcpy(RTA_DATA(rta), &dst, 4);
	req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_LENGTH(4);
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		rc = -errno;
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		rc = -errno;
		goto out;
	}
	for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (unsigned int)n);
	     nh = NLMSG_NEXT(nh, n)) {
		struct rtmsg *rt;
		int len;

		if (nh->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(nh);

			rc = e->error ? e->error : -ENETUNREACH;
			break;
		}
		if (nh->nlmsg_type != RTM_NEWROUTE)
			continue;
		rt = NLMSG_DATA(nh);
		len = (int)RTM_PAYLOAD(nh);
		*gw = 0;
		*oif = 0;
		for (rta = RTM_RTA(rt); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
			if (rta->rta_type == RTA_GATEWAY)
				memcpy(gw, RTA_DATA(rta), 4);
			else if (rta->rta_type == RTA_OIF)
				memcpy(oif, RTA_DATA(rta), 4);
		}
		rc = 0;
		break;
	}
out:
	close(fd);
	return rc;
}

/* Looks ip up in the neighbour table of ifindex; 1 with a usable MAC, 0 if none. */
static int neigh_get(int ifindex, uint32_t ip, uint8_t mac[6])
{
	struct {
		struct nlmsghdr nh;
		struct ndmsg nd;
	} req;
	char buf[32768];
	int fd = nl_open(), found = 0, done = 0;

	if (fd < 0)
		return 0;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
	req.nh.nlmsg_type = RTM_GETNEIGH;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nd.ndm_family = AF_INET;
	req.nd.ndm_ifindex = ifindex;
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		goto out;
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n <= 0)
			break;
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (unsigned int)n);
		     nh = NLMSG_NEXT(nh, n)) {
			struct ndmsg *nd;
			struct rtattr *rta;
			int len;
			uint32_t dst = 0;
			uint8_t ll[6];
			int have_ll = 0;

			if (nh->nlmsg_type == NLMSG_DONE || nh->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			if (nh->nlmsg_type != RTM_NEWNEIGH)
				continue;
			nd = NLMSG_DATA(nh);
			if (nd->ndm_ifindex != ifindex ||
			    !(nd->ndm_state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE |
					       NUD_PERMANENT | NUD_NOARP)))
				continue;
			len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*nd)));
			for (rta = (struct rtattr *)((char *)nd + NLMSG_ALIGN(sizeof(*nd)));
			     RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
				if (rta->rta_type == NDA_DST && RTA_PAYLOAD(rta) == 4)
					memcpy(&dst, RTA_DATA(rta), 4);
				else if (rta->rta_type == NDA_LLADDR && RTA_PAYLOAD(rta) == 6) {
					memcpy(ll, RTA_DATA(rta), 6);
					have_ll = 1;
				}
			}
			if (dst == ip && have_ll) {
				memcpy(mac, ll, 6);
				found = 1;
			}
		}
	}
out:
	close(fd);
	return found;
}

/* Makes the kernel ARP for ip: one empty datagram to its discard port out of ifname. */
static void neigh_kick(const char *ifname, uint32_t ip)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(9) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname));
	sa.sin_addr.s_addr = ip;
	sendto(fd, "", 0, MSG_DONTWAIT, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
}

int pg_nl_resolve(int ifindex, const char *ifname, uint32_t dst, uint8_t mac[6], int timeout_ms)
{
	uint32_t gw = 0, hop;
	int oif = 0, rc, waited = 0;

	rc = route_get(dst, &gw, &oif);
	if (rc)
		return rc;
	if (oif != ifindex)
		return -ENETUNREACH;
	hop = gw ? gw : dst;
	while (!neigh_get(ifindex, hop, mac)) {
		struct timespec ts = { 0, 20 * 1000000L };

		if (waited >= timeout_ms)
			return -EHOSTUNREACH;
		if (waited % 500 == 0)
			neigh_kick(ifname, hop);
		nanosleep(&ts, NULL);
		waited += 20;
	}
	return 0;
}

int pg_if_is_veth(const char *ifname)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc;

	if (fd < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&di;
	rc = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	return rc == 0 && !strcmp(di.driver, "veth");
}

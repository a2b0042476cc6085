// SPDX-License-Identifier: GPL-2.0
/*
 * perfgen's XDP program: redirect IPv4 UDP/TCP frames whose destination port perfgen has
 * registered (pg_steer) to the AF_XDP socket of the receiving queue (pg_xsks); pass
 * everything else to the kernel, so ARP, ICMP, SSH and other traffic keep working.
 * Loaded through libxdp's dispatcher so it coexists with other XDP programs.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xdp/xdp_helpers.h>

#include "pg_xdp.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, PG_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} pg_xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PG_XDP_MAX_STEER);
	__type(key, __u32);
	__type(value, __u32);
} pg_steer SEC(".maps");

/* Frames redirected / passed, per CPU, for the user side's counters. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} pg_stats SEC(".maps");

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

static __always_inline int count(__u32 what, int verdict)
{
	__u64 *c = bpf_map_lookup_elem(&pg_stats, &what);

	if (c)
		(*c)++;
	return verdict;
}

SEC("xdp")
int pg_xdp_steer(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	__u16 proto;
	__u8 *l4;
	__u32 key;
	int i;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	proto = eth->h_proto;
	data = eth + 1;
#pragma unroll
	for (i = 0; i < 2; i++) {
		struct vlan_hdr *v = data;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(v + 1) > end)
			return XDP_PASS;
		proto = v->proto;
		data = v + 1;
	}
	if (proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = data;
	if ((void *)(ip + 1) > end || ip->ihl < 5)
		return XDP_PASS;
	/* Fragments carry no ports: the kernel reassembles them. */
	if (ip->frag_off & bpf_htons(0x3fff))
		return XDP_PASS;
	if (ip->protocol != IPPROTO_UDP && ip->protocol != IPPROTO_TCP)
		return XDP_PASS;
	l4 = (__u8 *)ip + ip->ihl * 4;
	if ((void *)(l4 + 4) > end)
		return XDP_PASS;
	key = PG_XDP_STEER_KEY(ip->protocol, (__u32)l4[2] << 8 | l4[3]);
	if (!bpf_map_lookup_elem(&pg_steer, &key))
		return count(1, XDP_PASS);
	/* the receive time, as early as software sees the frame (drivers without room for
	 * metadata refuse the adjustment: the frame goes without, user space falls back) */
	if (bpf_xdp_adjust_meta(ctx, -(int)sizeof(struct pg_xdp_meta)) == 0) {
		struct pg_xdp_meta *m = (void *)(long)ctx->data_meta;

		if ((void *)(m + 1) <= (void *)(long)ctx->data) {
			m->rx_tai_ns = bpf_ktime_get_tai_ns();
			m->magic = PG_XDP_META_MAGIC;
			m->reserved = 0;
		}
	}
	return count(0, bpf_redirect_map(&pg_xsks, ctx->rx_queue_index, XDP_PASS));
}

struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(pg_xdp_steer);

char _license[] SEC("license") = "GPL";

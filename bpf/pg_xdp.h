/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Definitions shared by bpf/pg_xdp.bpf.c and the AF_XDP port in user space: map names
 * and the steering key. perfgen fills pg_steer with the L4 ports of its own flows; only
 * those frames are redirected to the AF_XDP socket of their RX queue.
 */
#ifndef PG_XDP_H
#define PG_XDP_H

#include <linux/types.h>

#define PG_XDP_PROG_NAME "pg_xdp_steer"
#define PG_XDP_MAX_QUEUES 64
#define PG_XDP_MAX_STEER 1024

/*
 * RX metadata the program puts in front of every redirected frame (bpf_xdp_adjust_meta):
 * the kernel's software receive time, CLOCK_TAI ns (bpf_ktime_get_tai_ns), taken before
 * the copy to the AF_XDP ring and before the lcore polls it. User space finds it at
 * data - sizeof(struct pg_xdp_meta) and checks the magic (clearing it after use).
 */
#define PG_XDP_META_MAGIC 0x50475453u /* "PGTS" */
struct pg_xdp_meta {
	__u64 rx_tai_ns;
	__u32 magic;
	__u32 reserved;
};

/* Key of pg_steer: (ipproto << 16) | destination port (host order). */
#define PG_XDP_STEER_KEY(proto, port) (((__u32)(proto) << 16) | (__u32)(port))

#endif /* PG_XDP_H */

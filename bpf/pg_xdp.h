/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Definitions shared by bpf/pg_xdp.bpf.c and the AF_XDP port in user space: map names
 * and the steering key. perfgen fills pg_steer with the L4 ports of its own flows; only
 * those frames are redirected to the AF_XDP socket of their RX queue.
 */
#ifndef PG_XDP_H
#define PG_XDP_H

#define PG_XDP_PROG_NAME "pg_xdp_steer"
#define PG_XDP_MAX_QUEUES 64
#define PG_XDP_MAX_STEER 1024

/* Key of pg_steer: (ipproto << 16) | destination port (host order). */
#define PG_XDP_STEER_KEY(proto, port) (((__u32)(proto) << 16) | (__u32)(port))

#endif /* PG_XDP_H */

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --ptp UDS_PATH: perfgen's own ptp4l management client (no pmc process). A control thread
 * asks ptp4l for TIME_STATUS_NP 16 times a second and PORT_DATA_SET once a second over its
 * UNIX datagram socket, keeps the median of the last 9 fresh offsets and publishes it, with
 * its bound, in the run's struct pg_latclock for the lcores and the reporter. When the kernel
 * clock is disciplined (adjtimex: STA_UNSYNC clear, i.e. phc2sys/NTP steer it) it publishes
 * no correction and says so. Never on the dataplane; never adjusts a clock.
 */
#ifndef PG_PTP_H
#define PG_PTP_H

#include <stddef.h>
#include <stdint.h>

struct pg_latclock;
struct pg_ptp;

/*
 * Connects to ptp4l's uds_address and checks it answers a PORT_DATA_SET within 1 s.
 * NULL + errno on failure, with a one-line reason in err ("--ptp /x: no answer ...").
 */
struct pg_ptp *pg_ptp_open(const char *uds_path, struct pg_latclock *lc, char *err, size_t errlen);

/*
 * Starts the polling thread and waits up to wait_ms for a usable offset (a grandmaster
 * seen and at least 5 fresh samples, or this port is the master). 0, or -ETIMEDOUT /
 * -errno with the reason in err.
 */
int pg_ptp_start(struct pg_ptp *p, unsigned int wait_ms, char *err, size_t errlen);

/* Stops the thread and closes the socket (NULL is fine). */
void pg_ptp_free(struct pg_ptp *p);

/* One line for the text header: port state, grandmaster, offset, bound, clock mode. */
void pg_ptp_describe(struct pg_ptp *p, char *buf, size_t len);

/* Counters for the JSON: samples taken, replies missed. */
void pg_ptp_stats(struct pg_ptp *p, uint64_t *samples, uint64_t *missed, const char **port_state);

#endif /* PG_PTP_H */

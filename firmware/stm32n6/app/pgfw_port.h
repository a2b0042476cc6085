/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a port provides to the port-independent app: clocks, console output and one
 * iteration of its main loop (so the blocking test API can wait without threads).
 */
#ifndef PGFW_PORT_H
#define PGFW_PORT_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic microseconds since an arbitrary origin (never steps). */
uint64_t pgfw_port_now_us(void);
/* Wall clock (iperf2 stamps its datagrams with it); a board without an RTC returns the
 * monotonic clock: only differences then mean something. */
void pgfw_port_wall(uint32_t *sec, uint32_t *usec);
/* Writes len bytes of console text (no newline added). */
void pgfw_port_write(const char *s, size_t len);
/* One iteration of the main loop: receive what the netif has, run lwIP timers, pgfw_poll().
 * May sleep up to about 1 ms when idle. */
void pgfw_port_poll(void);
/* A 32-bit random number (cookies, ISNs). */
uint32_t pgfw_port_rand(void);

#endif /* PGFW_PORT_H */

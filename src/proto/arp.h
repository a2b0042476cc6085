/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP and ICMP echo for ports that own the NIC (DPDK): answering for perfgen's address
 * and resolving the next hop. Pure functions over frame buffers; no I/O.
 */
#ifndef PG_ARP_H
#define PG_ARP_H

#include <stddef.h>
#include <stdint.h>

#define PG_ARP_FRAME_LEN 60 /* 42 bytes of ARP, padded to the Ethernet minimum */

/* Writes a broadcast who-has for target (BE) into out (>= 60 bytes); returns its length. */
size_t pg_arp_request(uint8_t *out, const uint8_t my_mac[6], uint32_t my_ip, uint32_t target);

/*
 * If frame is an ARP request for my_ip, writes the reply into out (>= 60 bytes) and
 * returns its length; 0 otherwise.
 */
size_t pg_arp_answer(const uint8_t *frame, size_t len, uint32_t my_ip, const uint8_t my_mac[6],
		     uint8_t *out);

/* If frame is an ARP reply (or request) from ip, copies the sender's MAC; 1 if so, else 0. */
int pg_arp_learn(const uint8_t *frame, size_t len, uint32_t ip, uint8_t mac[6]);

/*
 * If frame is an ICMP echo request to my_ip, writes the echo reply into out (outlen bytes)
 * and returns its length; 0 otherwise (also when it does not fit).
 */
size_t pg_icmp_echo_answer(const uint8_t *frame, size_t len, uint32_t my_ip,
			   const uint8_t my_mac[6], uint8_t *out, size_t outlen);

#endif /* PG_ARP_H */

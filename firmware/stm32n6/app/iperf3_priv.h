/* SPDX-License-Identifier: BSD-3-Clause */
/* iperf3 pieces shared by the server and the client: UDP datagram stamping and receive
 * accounting (iperf-wire.md 1.6), results JSON (1.7), the parameter subset we act on. */
#ifndef PGFW_IPERF3_PRIV_H
#define PGFW_IPERF3_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "udp_tx.h"

#define I3_COOKIE_LEN 37
#define I3_MAX_STREAMS 4
#define I3_CTRL_BUF 4096
#define I3_TCP_DEFAULT_LEN 131072u
#define I3_UDP_DEFAULT_LEN 1460u

enum {
	I3_TEST_START = 1, I3_TEST_RUNNING = 2, I3_TEST_END = 4, I3_PARAM_EXCHANGE = 9,
	I3_CREATE_STREAMS = 10, I3_SERVER_TERMINATE = 11, I3_CLIENT_TERMINATE = 12,
	I3_EXCHANGE_RESULTS = 13, I3_DISPLAY_RESULTS = 14, I3_IPERF_DONE = 16,
	I3_ACCESS_DENIED = 0xff, I3_SERVER_ERROR = 0xfe,
};

struct i3_params {
	int udp, reverse, bidir, udp64;
	int64_t time, num, blockcount, parallel, len, bandwidth, mss;
};

/* Receiver accounting of one UDP stream, exactly as iperf3 counts. */
struct i3_rx {
	uint64_t bytes;
	int64_t packet_count, cnt_error, outoforder;
	int64_t prev_transit_us;
	uint64_t jitter_us_x16;
	int have_transit;
	uint64_t first_us, last_us;
};

struct i3_stream_result {
	int id;
	uint64_t bytes, packets;
	int64_t errors, retransmits;
	uint64_t jitter_us;
	uint64_t duration_us;
};

/* Parses a params JSON. Returns 0 or -EINVAL. */
int i3_params_parse(const char *s, size_t n, struct i3_params *p);
/* Writes the client's params JSON; returns its length or -ENOSPC. */
int i3_params_write(char *buf, size_t cap, const struct i3_params *p);
/* Writes a results JSON; sender_has_retransmits per iperf-wire 1.7. Returns length or -ENOSPC. */
int i3_results_write(char *buf, size_t cap, int sender_has_retransmits,
		     const struct i3_stream_result *st, int n);
/* Parses the peer's results JSON into up to max streams; returns how many or -EINVAL. */
int i3_results_parse(const char *s, size_t n, struct i3_stream_result *st, int max);

void i3_udp_stamp(struct pgfw_udp_tx *tx, uint8_t *hdr, int64_t seq);
void i3_udp_rx(struct i3_rx *rx, const uint8_t *d, uint32_t n, uint32_t len, int seq64, uint64_t now);
void i3_cookie_make(char cookie[I3_COOKIE_LEN]);

#endif /* PGFW_IPERF3_PRIV_H */

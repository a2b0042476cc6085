/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command-line options: one table (name, kind, field, range, help) drives parsing,
 * validation, --help and the dump of the effective configuration.
 */
#ifndef PG_OPTS_H
#define PG_OPTS_H

#include <stdint.h>
#include <stdio.h>

struct pg_opts {
	const char *dev;
	const char *dpdk;     /* --dpdk DEVARGS (the first) */
#define PG_OPTS_MAX_DEVS 16
	const char *dpdk_list[PG_OPTS_MAX_DEVS]; /* every --dpdk, in order */
	unsigned int nb_dpdk;
	const char *ip;       /* --ip ADDR/PREFIX (DPDK) */
	const char *gw;       /* --gw ADDR (DPDK) */
	const char *eal;      /* --eal "EXTRA EAL ARGS" */
	const char *lcores;
	const char *xdp_mode;
	const char *idle;
	const char *wire;
	const char *client;       /* -c HOST */
	int server;         /* -s */
	int udp;            /* -u */
	const char *cc;     /* -C */
	const char *rate_str;     /* -b as given */
	uint64_t rate;      /* bits/s, or pps when rate_pps */
	int rate_pps;
	uint32_t len;       /* -l */
	int len_set;
	double duration;    /* -t */
	uint64_t bytes;     /* -n */
	uint64_t pkts;      /* -k */
	uint32_t parallel;  /* -P */
	double interval;    /* -i */
	int trip_times;
	int peer_detect;    /* -X (TCP client) */
	const char *ptp;    /* --ptp UDS_PATH */
	const char *histograms; /* --histograms[=W,N]: NULL off, "" defaults */
	const char *hdr_log, *csv;
	int json_stream;
	uint32_t warmup_intervals;
	uint64_t loss_threshold;
	int json;
	int one_off;        /* -1 */
	int no_peer;        /* --no-peer */
	/* perfgen replay */
	double speed;
	uint64_t replay_pps;
	int topspeed;
	uint32_t loops;
	const char *rw_smac, *rw_dmac, *rw_sip, *rw_dip;
	int rw_csum;
	const char *pcap_out;
	uint32_t pcap_snaplen, pcap_ring_mb;
	const char *dst_mac; /* --dst-mac */
	uint32_t port;      /* -p */
	int enhanced;       /* -e: accepted; output is always enhanced */
	int rate_set, wire_set;
	/* iperf3 */
	int reverse, bidir, get_server_output, udp_counters_64bit;
	uint32_t omit, mss, max_clients;
	uint64_t window;    /* -w */
	uint32_t resolve_ms;
	int help, version;
};

/*
 * Parses argv into o (defaults first). 0 on success; -EINVAL with a one-line message in
 * err ("-b 10X: bad rate ...") otherwise.
 */
int pg_opts_parse(struct pg_opts *o, int argc, char **argv, char *err, size_t errlen);

void pg_opts_usage(FILE *out, const char *prog);

/* Parses "100M", "1.5G", "1000pps" (1000-based bits/s). 0 or -EINVAL. */
int pg_parse_rate(const char *s, uint64_t *rate, int *pps);

/* Parses "20K", "10M" (1024-based, as iperf's -n). 0 or -EINVAL. */
int pg_parse_size(const char *s, uint64_t *v);

#endif /* PG_OPTS_H */

/* SPDX-License-Identifier: BSD-3-Clause */
#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum opt_kind { K_FLAG, K_STR, K_U32, K_DOUBLE, K_RATE, K_SIZE, K_U64, K_OPTSTR };

struct opt_def {
	const char *name;
	char short_name;
	enum opt_kind kind;
	size_t off;
	double min, max;
	const char *arg;
	const char *help;
};

#define F(x) offsetof(struct pg_opts, x)

static const struct opt_def defs[] = {
	{ "client", 'c', K_STR, F(client), 0, 0, "HOST", "run as client, sending to HOST" },
	{ "server", 's', K_FLAG, F(server), 0, 0, NULL, "run as server" },
	{ "udp", 'u', K_FLAG, F(udp), 0, 0, NULL, "UDP test (default: TCP, on perfgen's userspace TCP engine)" },
	{ "bandwidth", 'b', K_RATE, F(rate), 0, 0, "RATE", "rate per stream: bits/s with K/M/G (1000-based) or NNNpps; 0 = unlimited (default 1M)" },
	{ "len", 'l', K_U32, F(len), 16, 65507, "BYTES", "UDP payload length (default 1470)" },
	{ "time", 't', K_DOUBLE, F(duration), 0.01, 86400.0 * 365, "SEC", "test duration (default 10)" },
	{ "num", 'n', K_SIZE, F(bytes), 1, 1e15, "BYTES", "bytes to send per stream (K/M/G, 1024-based)" },
	{ "blockcount", 'k', K_U64, F(pkts), 1, 1e15, "PKTS", "datagrams to send per stream" },
	{ "parallel", 'P', K_U32, F(parallel), 1, 128, "N", "parallel streams (default 1)" },
	{ "interval", 'i', K_DOUBLE, F(interval), 0, 3600, "SEC", "interval reports every SEC (0 = none)" },
	{ "port", 'p', K_U32, F(port), 1, 65535, "PORT", "server port (default 5201 for iperf3, 5001 for iperf2; a server without -p answers both)" },
	{ "reverse", 'R', K_FLAG, F(reverse), 0, 0, NULL, "iperf3: the server sends, the client receives" },
	{ "bidir", 0, K_FLAG, F(bidir), 0, 0, NULL, "iperf3: both directions at once (-P streams each way)" },
	{ "window", 'w', K_SIZE, F(window), 1, 1073741824.0, "BYTES", "iperf3: socket buffer size the client asks the server for (K/M, 1024-based)" },
	{ "omit", 'O', K_U32, F(omit), 0, 86400, "SEC", "iperf3: leave the first SEC seconds out of the results" },
	{ "set-mss", 'M', K_U32, F(mss), 0, 9216, "BYTES", "iperf3: MSS the client asks the server to use" },
	{ "get-server-output", 0, K_FLAG, F(get_server_output), 0, 0, NULL, "iperf3: print the server's report of the test too" },
	{ "udp-counters-64bit", 0, K_FLAG, F(udp_counters_64bit), 0, 0, NULL, "iperf3: 64-bit sequence numbers in UDP datagrams" },
	{ "max-clients", 0, K_U32, F(max_clients), 1, 64, "N", "iperf3 server: tests served at once; more get the busy answer (default 8)" },
	{ "congestion", 'C', K_STR, F(cc), 0, 0, "ALGO", "TCP congestion control of the userspace engine: cubic (default) or reno" },
	{ "trip-times", 0, K_FLAG, F(trip_times), 0, 0, NULL, "stamp send time for one-way latency (clocks must be synced)" },
	{ "peer-detect", 'X', K_FLAG, F(peer_detect), 0, 0, NULL, "TCP client: wait for the server's header ack before sending data (iperf2 -X)" },
	{ "histograms", 0, K_OPTSTR, F(histograms), 0, 0, "[=W,N]", "server: iperf2-style latency histogram lines per interval and at the end; bin width W with u or m (default 100u), N bins (default 10000)" },
	{ "hdr-log", 0, K_STR, F(hdr_log), 0, 0, "FILE", "write latency histograms to FILE as an HdrHistogram interval log (v1.3, compressed): one line per stream per interval (per test without -i), values in ns" },
	{ "csv", 0, K_STR, F(csv), 0, 0, "FILE", "write one CSV row per stream per interval and a final one (throughput, loss, jitter, latency percentiles)" },
	{ "json-stream", 0, K_FLAG, F(json_stream), 0, 0, NULL, "JSON as it happens: one object per line, {\"event\":\"start\"|\"interval\"|\"loss\"|\"end\",\"data\":...} (iperf3 3.17 style)" },
	{ "warmup-intervals", 0, K_U32, F(warmup_intervals), 0, 1000000, "N", "server: no loss events for the first N intervals" },
	{ "loss-threshold", 0, K_U64, F(loss_threshold), 0, 1e15, "N", "server: a loss event needs more than N datagrams lost in an interval (default 0)" },
	{ "ptp", 0, K_STR, F(ptp), 0, 0, "UDS_PATH", "with --trip-times: read ptp4l's offset from its management socket (uds_address) and correct one-way delays by it when the clock is free-running" },
	{ "json", 'J', K_FLAG, F(json), 0, 0, NULL, "JSON output in iperf3's schema" },
	{ "one-off", '1', K_FLAG, F(one_off), 0, 0, NULL, "server: exit after the first test" },
	{ "pcap-out", 0, K_STR, F(pcap_out), 0, 0, "FILE", "write what perfgen sends and receives to FILE (pcapng, from a writer thread; see --pcap-snaplen, --pcap-ring)" },
	{ "pcap-snaplen", 0, K_U32, F(pcap_snaplen), 16, 232, "BYTES", "bytes kept per frame with --pcap-out (default 192: headers and the whole iperf2 header, so analyze sees trip-times)" },
	{ "pcap-ring", 0, K_U32, F(pcap_ring_mb), 1, 1048576, "MB", "disk bound for --pcap-out: FILE and FILE.1 hold the last MB of traffic (default 64)" },
	{ "speed", 0, K_DOUBLE, F(speed), 0.001, 1e6, "N", "replay: N times the captured rate (default 1: the capture's own timing)" },
	{ "pps", 0, K_U64, F(replay_pps), 1, 1e10, "RATE", "replay: evenly spaced at RATE frames/s instead of the capture's timing" },
	{ "topspeed", 0, K_FLAG, F(topspeed), 0, 0, NULL, "replay: as fast as the port takes them" },
	{ "loop", 0, K_U32, F(loops), 0, 4294967295.0, "N", "replay: times through the file (default 1; 0 = until Ctrl-C)" },
	{ "rewrite-smac", 0, K_STR, F(rw_smac), 0, 0, "MAC", "replay: source MAC (\"port\" = the port's own)" },
	{ "rewrite-dmac", 0, K_STR, F(rw_dmac), 0, 0, "MAC", "replay: destination MAC" },
	{ "rewrite-sip", 0, K_STR, F(rw_sip), 0, 0, "ADDR", "replay: IPv4 source (checksums patched)" },
	{ "rewrite-dip", 0, K_STR, F(rw_dip), 0, 0, "ADDR", "replay: IPv4 destination (checksums patched)" },
	{ "rewrite-csum", 0, K_FLAG, F(rw_csum), 0, 0, NULL, "replay: recompute IPv4/TCP/UDP checksums (captures from the sending host carry offloaded, partial ones)" },
	{ "no-peer", 0, K_FLAG, F(no_peer), 0, 0, NULL, "client: pure generation into a sink (net_null, a port with no peer): iperf2 framing, no ARP, no FIN exchange; reports pps and bits/s per lcore" },
	{ "dst-mac", 0, K_STR, F(dst_mac), 0, 0, "MAC", "client: destination MAC instead of ARP (default with --no-peer: 02:00:00:00:00:01)" },
	{ "enhanced", 'e', K_FLAG, F(enhanced), 0, 0, NULL, "accepted for iperf2 compatibility (output is always enhanced)" },
	{ "wire", 0, K_STR, F(wire), 0, 0, "iperf2|iperf3", "protocol the client speaks (default iperf3; a server answers both unless -p)" },
	{ "dev", 0, K_STR, F(dev), 0, 0, "IFACE", "kernel interface for the native AF_XDP port" },
	{ "dpdk", 0, K_STR, F(dpdk), 0, 0, "DEVARGS", "DPDK port instead: a PCI address or a vdev (net_af_xdp0,iface=IF, net_af_packet0,iface=IF, net_tap0, net_null0, ...); repeat it to give each dataplane lcore its own device" },
	{ "ip", 0, K_STR, F(ip), 0, 0, "ADDR/PREFIX", "with --dpdk: perfgen's IPv4 address (it answers ARP and ping for it)" },
	{ "gw", 0, K_STR, F(gw), 0, 0, "ADDR", "with --dpdk: next hop for destinations outside the --ip subnet" },
	{ "eal", 0, K_STR, F(eal), 0, 0, "\"ARGS\"", "with --dpdk: extra EAL arguments (e.g. \"--no-huge\")" },
	{ "lcores", 0, K_STR, F(lcores), 0, 0, "LIST", "CPUs as in DPDK (2-5, 0,2,4): first = main/reporter, rest = dataplane" },
	{ "xdp-mode", 0, K_STR, F(xdp_mode), 0, 0, "MODE", "native|generic|zerocopy (default: native when the driver has it)" },
	{ "idle", 0, K_STR, F(idle), 0, 0, "MODE", "backoff (default) or poll: what an idle dataplane lcore does" },
	{ "resolve-timeout", 0, K_U32, F(resolve_ms), 10, 60000, "MS", "next-hop resolution timeout (default 3000)" },
	{ "help", 'h', K_FLAG, F(help), 0, 0, NULL, "this help" },
	{ "version", 'v', K_FLAG, F(version), 0, 0, NULL, "print the version" },
};

#define NB_DEFS (sizeof(defs) / sizeof(defs[0]))

int pg_parse_rate(const char *s, uint64_t *rate, int *pps)
{
	char *end;
	double v;
	size_t n = strlen(s);

	*pps = 0;
	if (n > 3 && !strcasecmp(s + n - 3, "pps"))
		*pps = 1;
	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0 || !isfinite(v))
		return -EINVAL;
	if (*pps) {
		if (end != s + n - 3)
			return -EINVAL;
	} else {
		switch (*end) {
		case 'k': case 'K': v *= 1e3; end++; break;
		case 'm': case 'M': v *= 1e6; end++; break;
		case 'g': case 'G': v *= 1e9; end++; break;
		case 't': case 'T': v *= 1e12; end++; break;
		default: break;
		}
		if (*end)
			return -EINVAL;
	}
	if (v > 1e15)
		return -ERANGE;
	*rate = (uint64_t)llround(v);
	return 0;
}

int pg_parse_size(const char *s, uint64_t *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno || v < 0 || !isfinite(v))
		return -EINVAL;
	switch (*end) {
	case 'k': case 'K': v *= 1024.0; end++; break;
	case 'm': case 'M': v *= 1048576.0; end++; break;
	case 'g': case 'G': v *= 1073741824.0; end++; break;
	default: break;
	}
	if (*end || v > 1e15)
		return -EINVAL;
	*out = (uint64_t)v;
	return 0;
}

static int set_value(struct pg_opts *o, const struct opt_def *d, const char *arg, char *err,
		     size_t errlen)
{
	char *p = (char *)o + d->off;
	char *end;
	double v;

	switch (d->kind) {
	case K_FLAG:
		*(int *)p = 1;
		return 0;
	case K_OPTSTR:
		*(const char **)p = arg ? arg : "";
		return 0;
	case K_STR:
		if (d->off == F(dpdk)) {
			/* repeatable: one device per dataplane lcore (e.g. one net_af_xdp per queue) */
			if (o->nb_dpdk == PG_OPTS_MAX_DEVS) {
				snprintf(err, errlen, "--dpdk: at most %d devices", PG_OPTS_MAX_DEVS);
				return -EINVAL;
			}
			o->dpdk_list[o->nb_dpdk++] = arg;
			if (o->dpdk)
				return 0;
		}
		*(const char **)p = arg;
		if (d->off == F(wire))
			o->wire_set = 1;
		return 0;
	case K_RATE:
		o->rate_str = arg;
		o->rate_set = 1;
		if (pg_parse_rate(arg, &o->rate, &o->rate_pps)) {
			snprintf(err, errlen, "--%s %s: bad rate (examples: 100M, 2.5G, 1000pps)", d->name, arg);
			return -EINVAL;
		}
		return 0;
	case K_SIZE:
		if (pg_parse_size(arg, (uint64_t *)p) || *(uint64_t *)p < d->min) {
			snprintf(err, errlen, "--%s %s: bad size (examples: 20K, 10M, 1G)", d->name, arg);
			return -EINVAL;
		}
		return 0;
	default:
		break;
	}
	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end || errno || !isfinite(v) || v < d->min || v > d->max ||
	    (d->kind != K_DOUBLE && v != floor(v))) {
		snprintf(err, errlen, "--%s %s: expected a %s from %g to %g", d->name, arg,
			 d->kind == K_DOUBLE ? "number" : "whole number", d->min, d->max);
		return -EINVAL;
	}
	if (d->kind == K_U32)
		*(uint32_t *)p = (uint32_t)v;
	else if (d->kind == K_U64)
		*(uint64_t *)p = (uint64_t)v;
	else
		*(double *)p = v;
	if (d->kind == K_U32 && d->off == F(len))
		o->len_set = 1;
	return 0;
}

int pg_opts_parse(struct pg_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	struct option lopts[NB_DEFS + 1];
	char sopts[NB_DEFS * 2 + 2];
	size_t i, k = 0;
	int c, idx;

	memset(o, 0, sizeof(*o));
	o->rate = 1000000; /* iperf2's UDP default is 1 Mbit/s (1048576); perfgen uses SI units */
	o->len = 1470;
	o->duration = 10;
	o->parallel = 1;
	o->resolve_ms = 3000;
	o->pcap_snaplen = 192;
	o->loops = 1;
	o->pcap_ring_mb = 64;
	o->wire = "iperf3";
	o->max_clients = 8;

	sopts[k++] = ':';
	for (i = 0; i < NB_DEFS; i++) {
		lopts[i].name = defs[i].name;
		lopts[i].has_arg = defs[i].kind == K_FLAG ? no_argument :
				   defs[i].kind == K_OPTSTR ? optional_argument : required_argument;
		lopts[i].flag = NULL;
		lopts[i].val = 256 + (int)i;
		if (defs[i].short_name) {
			sopts[k++] = defs[i].short_name;
			if (defs[i].kind != K_FLAG)
				sopts[k++] = ':';
		}
	}
	sopts[k] = 0;
	memset(&lopts[NB_DEFS], 0, sizeof(lopts[0]));

	optind = 0; /* 0, not 1: GNU getopt fully re-initialises (parse may run twice) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, sopts, lopts, &idx)) != -1) {
		const struct opt_def *d = NULL;

		if (c == '?') {
			if (optopt)
				snprintf(err, errlen, "unknown option -%c (see --help)", optopt);
			else
				snprintf(err, errlen, "unknown option %s (see --help)", argv[optind - 1]);
			return -EINVAL;
		}
		if (c == ':') {
			snprintf(err, errlen, "option %s needs a value (see --help)", argv[optind - 1]);
			return -EINVAL;
		}
		if (c >= 256)
			d = &defs[c - 256];
		else
			for (i = 0; i < NB_DEFS; i++)
				if (defs[i].short_name == c)
					d = &defs[i];
		if (!d || set_value(o, d, optarg, err, errlen))
			return -EINVAL;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

void pg_opts_usage(FILE *out, const char *prog)
{
	size_t i;

	fprintf(out, "usage: %s (--dev IFACE | --dpdk DEVARGS --ip ADDR/PREFIX) (-c HOST | -s) -u [options]\n\n", prog);
	for (i = 0; i < NB_DEFS; i++) {
		char lhs[64];

		if (defs[i].short_name)
			snprintf(lhs, sizeof(lhs), "-%c, --%s%s%s", defs[i].short_name, defs[i].name,
				 defs[i].arg ? " " : "", defs[i].arg ? defs[i].arg : "");
		else
			snprintf(lhs, sizeof(lhs), "    --%s%s%s", defs[i].name,
				 defs[i].arg && defs[i].kind != K_OPTSTR ? " " : "",
				 defs[i].arg ? defs[i].arg : "");
		fprintf(out, "  %-32s %s\n", lhs, defs[i].help);
	}
	fprintf(out, "\nexample: %s --dev eth1 --lcores 0-1 -c 198.18.0.2 -u -b 100M -t 10 -i 1\n", prog);
}

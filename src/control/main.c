/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * perfgen entry point: options, port and lcore setup, the main lcore's reporter loop,
 * and the only exit() in the program.
 */
#include "opts.h"
#include "dataplane.h"
#include "redirect.h"
#include "flow_owner.h"
#include "capture.h"
#include "replay.h"
#include "iperf2_tcp.h"
#include "iperf3_dp.h"
#include "iperf3_run.h"
#include "tcp.h"
#include "report.h"
#include "ring.h"
#include "hist.h"
#include "iperf2.h"
#include "iperf3.h"
#include "msg.h"
#include "port_pcap.h"
#include "latclock.h"
#include "ptp.h"
#include "export.h"
#ifdef PG_HAVE_DPDK
#include "port_dpdk.h"
#endif

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <arpa/inet.h>

#include <jansson.h>

#define RING_SIZE 4096
#define HISTS_PER_LCORE 64
#define POLL_NS 20000000L

static atomic_int g_stop;

static void on_signal(int sig)
{
	(void)sig;
	/* Second Ctrl-C while finishing: give up on the FIN exchange. */
	atomic_fetch_add(&g_stop, 1);
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

/* Prints "perfgen: <one line>" to stderr; returns the exit code for setup failures. */
__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
	va_list ap;

	fputs("perfgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

struct run {
	struct pg_opts o;
	struct pg_tsc tsc;
	struct pg_port *port;
	int cpus[PG_MAX_LCORES + 1];
	unsigned int nb_cpus, nb_dp;
	struct pg_lcore *lc;       /* nb_dp */
	struct pg_ring *rings[PG_MAX_LCORES];
	struct pg_ring *hret[PG_MAX_LCORES];
	struct pg_hist **hists;
	unsigned int nb_hists;
	struct pg_reporter *rep;
	struct pg_redirect *redir;  /* client with several lcores */
	struct pg_flow_owner *fown; /* iperf3 server with several lcores */
	struct pg_capture *cap;     /* --pcap-out */
	struct pg_replay *replay;   /* perfgen replay */
	uint8_t *tcp_img;           /* TCP client: one write of the stream */
	uint64_t *tcp_bt;           /* TCP client --trip-times: burst write-time rings */
	const char *replay_path;
	atomic_uint flows_left;
	int i3_launched;
	char lcore_str[64];
	struct pg_report_counter extra[4]; /* counters from outside the lcores (analyze) */
	unsigned int nb_extra;
	struct pg_latclock latclk;  /* trip-time clock facts (--ptp) */
	struct pg_ptp *ptp;
	struct pg_export *export;   /* --histograms, --hdr-log, --csv, --json-stream */
};

static int setup_lcores(struct run *r)
{
	char err[256];
	unsigned int i;

	if (r->o.lcores) {
		if (pg_lcore_list_parse(r->o.lcores, r->cpus, PG_MAX_LCORES + 1, &r->nb_cpus, err,
					sizeof(err)))
			return fail("%s", err);
		snprintf(r->lcore_str, sizeof(r->lcore_str), "%s", r->o.lcores);
	} else {
		cpu_set_t set;
		int c;

		/* Default: the first two allowed CPUs (main + one dataplane lcore). */
		sched_getaffinity(0, sizeof(set), &set);
		for (c = 0; c < CPU_SETSIZE && r->nb_cpus < 2; c++)
			if (CPU_ISSET(c, &set))
				r->cpus[r->nb_cpus++] = c;
		if (r->nb_cpus == 1)
			r->cpus[r->nb_cpus++] = r->cpus[0];
		snprintf(r->lcore_str, sizeof(r->lcore_str), "%d,%d", r->cpus[0], r->cpus[1]);
	}
	if (r->nb_cpus < 2)
		return fail("--lcores %s: needs at least two CPUs (main + one dataplane lcore)",
			    r->o.lcores);
	r->nb_dp = r->nb_cpus - 1;
	r->lc = aligned_alloc(PG_CACHE_LINE, sizeof(*r->lc) * r->nb_dp);
	if (!r->lc)
		return fail("%s", "out of memory");
	memset(r->lc, 0, sizeof(*r->lc) * r->nb_dp);
	for (i = 0; i < r->nb_dp; i++) {
		struct pg_lcore *lc = &r->lc[i];

		lc->idx = i;
		lc->cpu = r->cpus[i + 1];
		lc->tsc = &r->tsc;
		lc->stop = &g_stop;
		lc->idle = r->o.idle && !strcmp(r->o.idle, "poll") ? PG_IDLE_POLL : PG_IDLE_BACKOFF;
		r->rings[i] = pg_ring_create(RING_SIZE, PG_MSG_SIZE);
		r->hret[i] = pg_ring_create(HISTS_PER_LCORE * 2, sizeof(void *));
		if (!r->rings[i] || !r->hret[i])
			return fail("%s", "out of memory for lcore rings");
		lc->ring = r->rings[i];
		lc->hist_ret = r->hret[i];
		lc->latclk = &r->latclk;
	}
	return 0;
}

/*
 * libxdp keeps its dispatcher state in bpffs. `ip netns exec` gives the command a fresh
 * /sys without /sys/fs/bpf, so mount one there when it is missing (the mount lives only in
 * this process's mount namespace when run that way). Best effort: libxdp reports what it
 * cannot do itself.
 */
static void ensure_bpffs(void)
{
	struct statfs st;

	if (!statfs("/sys/fs/bpf", &st) && (unsigned long)st.f_type == 0xcafe4a11ul /* BPF_FS_MAGIC */)
		return;
	mkdir("/sys/fs/bpf", 0700);
	mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700");
}

/* Parses "A.B.C.D/N" (N defaults to 32). 0 or -EINVAL. */
static int parse_cidr(const char *s, uint32_t *ip, uint8_t *prefix)
{
	char buf[64], *slash;
	struct in_addr a;
	long n = 32;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash) {
		char *end;

		*slash = 0;
		n = strtol(slash + 1, &end, 10);
		if (*end || n < 1 || n > 32)
			return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	*ip = a.s_addr;
	*prefix = (uint8_t)n;
	return 0;
}

static int open_port(struct run *r)
{
	static uint8_t prefill[4096];
	char err[320] = "";

	pg_dp_tx_prefill(prefill, sizeof(prefill));
	ensure_bpffs();
	if (r->o.dpdk) {
#ifdef PG_HAVE_DPDK
		struct pg_dpdk_conf dc;
		struct in_addr gw;

		memset(&dc, 0, sizeof(dc));
		if (r->replay_path && !r->o.ip)
			dc.no_ip = 1; /* a replay answers nothing */
		else if (!r->o.ip || parse_cidr(r->o.ip, &dc.ip4, &dc.prefix_len))
			return fail("--dpdk %s: needs --ip ADDR/PREFIX (e.g. --ip 198.18.0.1/24): DPDK owns the port, so perfgen answers ARP for it",
				    r->o.dpdk);
		if (r->o.gw) {
			if (inet_pton(AF_INET, r->o.gw, &gw) != 1)
				return fail("--gw %s: not an IPv4 address", r->o.gw);
			dc.gw4 = gw.s_addr;
		}
		{
			static char map[512];
			size_t off = 0;
			unsigned int i;

			/* EAL lcore i runs on CPU cpus[i]; a CPU may carry several lcores. */
			for (i = 0; i < r->nb_cpus && off < sizeof(map) - 16; i++)
				off += (size_t)snprintf(map + off, sizeof(map) - off, "%s%u@%d",
							i ? "," : "", i, r->cpus[i]);
			dc.lcores = map;
		}
		dc.devargs = r->o.dpdk_list;
		dc.nb_devs = r->o.nb_dpdk;
		dc.eal_extra = r->o.eal;
		dc.nb_queues = r->nb_dp;
		dc.tx_prefill = prefill;
		dc.tx_prefill_len = 2048;
		r->port = pg_dpdk_open(&dc, err, sizeof(err));
		if (!r->port)
			return fail("%s", err[0] ? err : strerror(errno));
		return 0;
#else
		return fail("--dpdk %s: this perfgen was built without DPDK (install libdpdk-dev: scripts/setup.sh, then rebuild)",
			    r->o.dpdk);
#endif
	}
	{
		struct pg_port_conf pc;

		memset(&pc, 0, sizeof(pc));
		pc.ifname = r->o.dev;
		pc.nb_queues = r->nb_dp;
		pc.xdp_mode = PG_XDP_MODE_AUTO;
		if (r->o.xdp_mode) {
			if (!strcmp(r->o.xdp_mode, "native"))
				pc.xdp_mode = PG_XDP_MODE_NATIVE;
			else if (!strcmp(r->o.xdp_mode, "generic"))
				pc.xdp_mode = PG_XDP_MODE_GENERIC;
			else if (!strcmp(r->o.xdp_mode, "zerocopy"))
				pc.xdp_mode = PG_XDP_MODE_ZEROCOPY;
			else
				return fail("--xdp-mode %s: expected native, generic or zerocopy", r->o.xdp_mode);
		}
		pc.tx_prefill = prefill;
		pc.tx_prefill_len = 2048;
#ifdef PG_HAVE_AFXDP
		r->port = pg_afxdp_open(&pc, err, sizeof(err));
#else
		snprintf(err, sizeof(err), "--dev %s: this perfgen was built without AF_XDP (install libbpf-dev and libxdp-dev: scripts/setup.sh, then rebuild)", pc.ifname);
		errno = ENOTSUP;
#endif
		if (!r->port)
			return fail("%s", err[0] ? err : strerror(errno));
	}
	return 0;
}

/* Dataplane lcores run where the backend wants them (EAL lcores for DPDK). */
static int launch(struct run *r, struct pg_lcore *lc, void *(*fn)(void *))
{
	if (r->port->ops->launch)
		return r->port->ops->launch(r->port, lc->idx, fn, lc);
	return pg_lcore_launch(lc, fn);
}

static void join(struct run *r, struct pg_lcore *lc)
{
	if (r->port->ops->join)
		r->port->ops->join(r->port, lc->idx);
	else
		pthread_join(lc->thread, NULL);
}

/* A UDP server lcore's flow table, listening on port. 0 or -ENOMEM. */
static int server_flows(struct pg_lcore *lc, uint16_t port)
{
	lc->server_ports[0] = port;
	lc->nb_server_ports = 1;
	free(lc->sflows);
	lc->sflows = aligned_alloc(PG_CACHE_LINE, sizeof(*lc->sflows) * PG_SERVER_SLOTS);
	if (!lc->sflows)
		return -ENOMEM;
	memset(lc->sflows, 0, sizeof(*lc->sflows) * PG_SERVER_SLOTS);
	return 0;
}

static int alloc_hists(struct run *r)
{
	unsigned int i, k;

	r->hists = calloc((size_t)r->nb_dp * HISTS_PER_LCORE, sizeof(*r->hists));
	if (!r->hists)
		return -ENOMEM;
	for (i = 0; i < r->nb_dp; i++)
		for (k = 0; k < HISTS_PER_LCORE; k++) {
			struct pg_hist *h = pg_hist_create(1, 100000000000ull, 3);

			if (!h)
				return -ENOMEM;
			r->hists[r->nb_hists++] = h;
			pg_ring_enqueue_burst(r->hret[i], &h, 1);
		}
	return 0;
}

/* The dataplane's drop counters, summed over lcores (reporter callback). */
static unsigned int read_counters(void *arg, struct pg_report_counter *out, unsigned int max)
{
	static const char *const names[] = { "rx_not_ours", "rx_bad_frame", "rx_bad_iperf2_header",
		"rx_stale_fin", "rx_flow_table_full", "tx_ring_full", "rx_unsupported_mode",
		"rx_redirect_ring_full", "pcap_out_dropped" };
	struct run *r = arg;
	uint64_t v[9] = { 0 };
	unsigned int i, n = 0;

	for (i = 0; i < r->nb_dp; i++) {
		struct pg_lcore_stats *s = &r->lc[i].stats;

		v[0] += atomic_load(&s->rx_not_ours);
		v[1] += atomic_load(&s->rx_bad_frame);
		v[2] += atomic_load(&s->rx_bad_hdr);
		v[3] += atomic_load(&s->rx_stale_fin);
		v[4] += atomic_load(&s->rx_table_full);
		v[5] += atomic_load(&s->tx_full);
		v[6] += atomic_load(&s->rx_unsupported);
		v[7] += atomic_load(&s->rx_redirect_full);
	}
	v[8] = pg_capture_dropped(r->cap);
	for (i = 0; i < 9 && n < max; i++) {
		out[n].name = names[i];
		out[n++].value = v[i];
	}
	for (i = 0; i < r->nb_extra && n < max; i++)
		out[n++] = r->extra[i];
	if (r->port && r->port->ops->counters && n < max) {
		struct pg_port_counter pc[8];
		unsigned int k, m = r->port->ops->counters(r->port, pc, 8);

		for (k = 0; k < m && n < max; k++) {
			out[n].name = pc[k].name;
			out[n++].value = pc[k].value;
		}
	}
	return n;
}

static void report_conf(struct run *r, struct pg_report_conf *rc, enum pg_role role)
{
	memset(rc, 0, sizeof(*rc));
	rc->role = role;
	rc->json = r->o.json;
	rc->interval_s = r->o.interval;
	rc->out = stdout;
	rc->host = r->o.client;
	rc->port = (uint16_t)(r->o.port ? r->o.port : PG_IPERF2_PORT);
	rc->len = r->o.udp || r->o.len_set ? r->o.len : PG_I2_TCP_DEFAULT_BUFLEN;
	rc->rate = r->o.rate;
	rc->rate_pps = r->o.rate_pps;
	rc->duration_s = (r->o.bytes || r->o.pkts) ? 0 : r->o.duration;
	rc->amount_bytes = r->o.bytes;
	rc->amount_pkts = r->o.pkts;
	rc->num_streams = r->o.parallel;
	rc->trip_times = r->o.trip_times;
	rc->backend = r->port->info.backend;
	rc->xdp_mode = r->port->info.mode;
	rc->ifname = r->port->info.ifname;
	rc->lcores = r->lcore_str;
	rc->tsc_hz = r->tsc.hz;
	rc->one_off = r->o.one_off;
	rc->no_peer = r->o.no_peer;
	rc->tcp = !r->o.udp;
	rc->cc = r->o.cc ? r->o.cc : "cubic";
	rc->counters = read_counters;
	rc->counters_arg = r;
	rc->latclk = &r->latclk;
	rc->export = r->export;
}

/* Trip-time clock: receive timestamp source, and --ptp's client thread. */
static int setup_latclock(struct run *r)
{
	char err[512];

	r->latclk.rx_source = "tsc";
	r->latclk.rx_resolution_ns = (uint32_t)((1000000000ull + r->tsc.hz - 1) / r->tsc.hz);
	if (r->port && r->port->info.rx_ts_source) {
		/* the backend stamps frames itself (frames without a stamp fall back to the TSC) */
		r->latclk.rx_source = r->port->info.rx_ts_source;
		r->latclk.rx_resolution_ns = r->port->info.rx_ts_res_ns;
	}
	atomic_store(&r->latclk.bound_ns, PG_BOUND_UNKNOWN);
	if (r->o.histograms || r->o.hdr_log || r->o.csv || r->o.json_stream ||
	    r->o.warmup_intervals || r->o.loss_threshold) {
		struct pg_export_conf ec = {
			.histograms = r->o.histograms, .hdr_log = r->o.hdr_log, .csv = r->o.csv,
			.json_stream = r->o.json_stream, .warmup_intervals = r->o.warmup_intervals,
			.loss_threshold = r->o.loss_threshold,
		};

		r->export = pg_export_open(&ec, err, sizeof(err));
		if (!r->export)
			return fail("%s", err);
	}
	if (!r->o.ptp)
		return 0;
	if (r->o.client && (!r->o.trip_times || !r->o.udp))
		return fail("--ptp %s: goes with -u --trip-times (it corrects one-way delays)", r->o.ptp);
	r->ptp = pg_ptp_open(r->o.ptp, &r->latclk, err, sizeof(err));
	if (!r->ptp)
		return fail("%s", err);
	if (pg_ptp_start(r->ptp, 5000, err, sizeof(err)))
		return fail("%s", err);
	pg_ptp_describe(r->ptp, err, sizeof(err));
	fprintf(r->o.json || r->o.json_stream ? stderr : stdout, "%s\n", err);
	return 0;
}

/*
 * TCP client: one engine per dataplane lcore, the stream image (header + one write of the
 * pattern) shared by all streams, each lcore's streams sending from its block of ports.
 */
static int tcp_client_setup(struct run *r, uint16_t dport, uint64_t dur_ns)
{
	struct pg_i2_client_params p;
	uint8_t hdr[PG_I2_TCP_HDR_MAX];
	uint32_t buflen = r->o.len_set ? r->o.len : PG_I2_TCP_DEFAULT_BUFLEN, hdrlen;
	unsigned int i, k, bt_used = 0;

	memset(&p, 0, sizeof(p));
	p.num_threads = r->o.parallel;
	p.server_port = dport;
	p.buflen = r->o.len_set ? r->o.len : 0;
	p.amount_bytes = r->o.bytes;
	p.duration_cs = (uint32_t)(r->o.duration * 100);
	p.trip_times = r->o.trip_times;
	p.peer_detect = r->o.peer_detect;
	p.start_ns = realtime_ns();
	hdrlen = pg_i2_tcp_client_hdr(hdr, &p);
	if (buflen < hdrlen)
		buflen = hdrlen;
	if (p.trip_times && buflen < PG_I2_TCP_BURST_HDR)
		buflen = PG_I2_TCP_BURST_HDR; /* a burst holds at least its header */
	if (p.trip_times) {
		unsigned int nf = 0;

		for (i = 0; i < r->nb_dp; i++)
			nf += r->lc[i].nb_cflows;
		r->tcp_bt = calloc((size_t)nf * PG_TCP_TRIP_RING, sizeof(*r->tcp_bt));
		if (!r->tcp_bt)
			return fail("%s", "out of memory");
	}
	r->tcp_img = malloc(buflen);
	if (!r->tcp_img)
		return fail("%s", "out of memory");
	pg_i2_tcp_write_image(r->tcp_img, buflen, hdr, hdrlen);
	for (i = 0; i < r->nb_dp; i++) {
		struct pg_lcore *lc = &r->lc[i];
		int e;

		lc->tcp_img = r->tcp_img;
		lc->tcp_hdrlen = hdrlen;
		lc->tcp_buflen = buflen;
		lc->tcp_trip = (uint8_t)p.trip_times;
		lc->tcp_peer_detect = (uint8_t)p.peer_detect;
		lc->tcp_start_ns = p.start_ns;
		/* -b on TCP only when given (iperf2's TCP default is unlimited); NNNpps: writes */
		lc->tcp_rate = !r->o.rate_set ? 0 : r->o.rate_pps ? r->o.rate * buflen * 8 : r->o.rate;
		e = pg_tcp_lcore_init(lc, lc->nb_cflows + 4, r->o.cc);
		if (e)
			return fail("TCP engine setup failed: %s", strerror(-e));
		lc->tflows = lc->nb_cflows ? aligned_alloc(PG_CACHE_LINE, sizeof(*lc->tflows) * lc->nb_cflows) : NULL;
		if (lc->nb_cflows && !lc->tflows)
			return fail("%s", "out of memory");
		for (k = 0; k < lc->nb_cflows; k++) {
			struct pg_tcp_flow *f = &lc->tflows[k];

			memset(f, 0, sizeof(*f));
			f->lc = lc;
			f->id = lc->cflows[k].id;
			f->sport = (uint16_t)(lc->sport_base + k);
			f->dport = dport;
			f->state = PG_FLOW_RUN;
			f->amount = r->o.bytes;
			f->end_tsc = r->o.bytes ? 0 : pg_ns_to_tsc(&r->tsc, dur_ns);
			if (r->tcp_bt)
				f->bt = r->tcp_bt + (size_t)(bt_used++) * PG_TCP_TRIP_RING;
		}
	}
	return 0;
}

static int run_client(struct run *r)
{
	struct pg_report_conf rc;
	struct in_addr dst;
	uint8_t mac[6];
	unsigned int i, f = 0, per, extra;
	uint16_t base = (uint16_t)(61000 + (getpid() % 30) * 128);
	int rc_code;
	uint64_t dur_ns = (r->o.bytes || r->o.pkts) ? 0 : (uint64_t)(r->o.duration * 1e9);
	uint16_t dport = (uint16_t)(r->o.port ? r->o.port : PG_IPERF2_PORT);
	uint32_t mtu_payload = r->port->info.mtu - 28;

	if (inet_pton(AF_INET, r->o.client, &dst) != 1)
		return fail("-c %s: not an IPv4 address (host names are not resolved)", r->o.client);
	if (r->o.udp && r->o.len > mtu_payload) {
		char b[160];

		snprintf(b, sizeof(b), "-l %u: larger than the MTU of %s allows (%u bytes of UDP payload)",
			 r->o.len, r->port->info.ifname, mtu_payload);
		return fail("%s", b);
	}
	if (r->o.dst_mac || r->o.no_peer) {
		const char *m = r->o.dst_mac ? r->o.dst_mac : "02:00:00:00:00:01";

		if (sscanf(m, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx", &mac[0], &mac[1], &mac[2], &mac[3],
			   &mac[4], &mac[5]) != 6 || strlen(m) != 17)
			return fail("--dst-mac %s: expected six hex bytes, e.g. 02:00:00:00:00:01", m);
	} else {
		int e = pg_port_resolve(r->port, dst.s_addr, mac, (int)r->o.resolve_ms);

		if (e) {
			char b[200];

			snprintf(b, sizeof(b), "-c %s: no answer to ARP from the next hop on %s within %u ms (%s); check the address and the link",
				 r->o.client, r->port->info.ifname, r->o.resolve_ms, strerror(-e));
			return fail("%s", b);
		}
	}
	for (i = 0; i < r->o.parallel; i++) {
		int e = pg_port_steer(r->port, r->o.udp ? PG_IPPROTO_UDP : PG_IPPROTO_TCP,
				      (uint16_t)(base + i), 1);

		if (e)
			return fail("steering UDP port to the AF_XDP socket failed: %s", strerror(-e));
	}

	report_conf(r, &rc, PG_ROLE_CLIENT);
	rc.local_ip = r->port->info.ip4;
	rc.peer_ip = dst.s_addr;
	r->rep = pg_reporter_create(&rc, r->rings, r->hret, r->nb_dp);
	if (!r->rep)
		return fail("%s", "out of memory");

	/* The server's reports reach whichever queue the device hashes them to: with several
	 * lcores, the one that receives a report hands it to the stream's owner. */
	if (r->nb_dp > 1) {
		r->redir = pg_redirect_create(r->nb_dp, 256);
		if (!r->redir)
			return fail("%s", "out of memory");
	}
	/* Streams spread over the dataplane lcores in contiguous blocks. */
	per = r->o.parallel / r->nb_dp;
	extra = r->o.parallel % r->nb_dp;
	for (i = 0; i < r->nb_dp; i++) {
		struct pg_lcore *lc = &r->lc[i];
		unsigned int n = per + (i < extra), k;
		struct pg_i2_client_params p;

		lc->port = r->port;
		lc->q = r->port->queue[i];
		lc->local_ip = r->port->info.ip4;
		lc->peer_ip = dst.s_addr;
		memcpy(lc->local_mac, r->port->info.mac, 6);
		memcpy(lc->peer_mac, mac, 6);
		lc->sport_base = (uint16_t)(base + f);
		lc->redir = r->redir;
		lc->no_peer = (uint8_t)r->o.no_peer;
		lc->flows_left = r->redir ? &r->flows_left : NULL;
		lc->nb_cflows = n;
		lc->cflows = n ? aligned_alloc(PG_CACHE_LINE, sizeof(*lc->cflows) * n) : NULL;
		if (n && !lc->cflows)
			return fail("%s", "out of memory");
		memset(&p, 0, sizeof(p));
		p.num_threads = r->o.parallel;
		p.server_port = dport;
		p.buflen = r->o.len_set ? r->o.len : 0;
		p.amount_bytes = r->o.bytes;
		p.duration_cs = (uint32_t)(r->o.duration * 100);
		p.rate = r->o.rate;
		p.rate_pps = r->o.rate_pps;
		p.trip_times = r->o.trip_times;
		p.start_ns = realtime_ns();
		for (k = 0; k < n; k++, f++) {
			uint64_t max_pkts = r->o.pkts;
			int e;

			if (r->o.bytes)
				max_pkts = (r->o.bytes + r->o.len - 1) / r->o.len;
			e = r->o.udp ? pg_client_flow_init(&lc->cflows[k], lc, &p, r->o.len, (uint16_t)(base + f),
							   dport, r->o.rate, r->o.rate_pps, max_pkts, dur_ns) : 0;
			if (e)
				return fail("stream setup failed: %s", strerror(-e));
			lc->cflows[k].id = (uint16_t)f;
			if (r->redir)
				pg_redirect_set_owner(r->redir, (uint16_t)(base + f), i);
			if (pg_reporter_add_client_stream(r->rep, f, (uint16_t)(base + f)))
				return fail("%s", "out of memory");
		}
	}

	if (!r->o.udp) {
		int e = tcp_client_setup(r, dport, dur_ns);

		if (e)
			return e;
	}
	atomic_store(&r->flows_left, r->o.parallel);
	pg_reporter_start(r->rep, realtime_ns());
	for (i = 0; i < r->nb_dp; i++) {
		int e = launch(r, &r->lc[i], r->o.udp ? pg_udp_client_main : pg_tcp_client_main);

		if (e)
			return fail("cannot start dataplane lcore: %s", strerror(-e));
	}
	while (pg_reporter_poll(r->rep, realtime_ns()) < r->nb_dp)
		sleep_ns(POLL_NS);
	for (i = 0; i < r->nb_dp; i++)
		join(r, &r->lc[i]);
	rc_code = pg_reporter_finish(r->rep, realtime_ns());
	return rc_code;
}

static int run_server(struct run *r)
{
	struct pg_report_conf rc;
	unsigned int i;
	uint16_t port = (uint16_t)(r->o.port ? r->o.port : PG_IPERF2_PORT);
	int e;

	e = pg_port_steer(r->port, r->o.udp ? PG_IPPROTO_UDP : PG_IPPROTO_TCP, port, 1);
	if (e)
		return fail("steering the server port to the AF_XDP socket failed: %s", strerror(-e));
	report_conf(r, &rc, PG_ROLE_SERVER);
	r->rep = pg_reporter_create(&rc, r->rings, r->hret, r->nb_dp);
	if (!r->rep || alloc_hists(r))
		return fail("%s", "out of memory");
	if (!r->o.json) {
		printf("------------------------------------------------------------\n");
		printf("Server listening on %s port %u (perfgen %s, iperf2 wire, %s %s on %s, lcores %s)\n",
		       r->o.udp ? "UDP" : "TCP", port, PERFGEN_VERSION, r->port->info.backend, r->port->info.mode,
		       r->port->info.ifname, r->lcore_str);
		printf("------------------------------------------------------------\n");
		fflush(stdout);
	}
	for (i = 0; i < r->nb_dp; i++) {
		struct pg_lcore *lc = &r->lc[i];

		lc->port = r->port;
		lc->q = r->port->queue[i];
		if (server_flows(lc, port))
			return fail("%s", "out of memory");
		if (!r->o.udp) {
			lc->tcp_port = port;
			e = pg_tcp_lcore_init(lc, PG_SERVER_SLOTS, r->o.cc);
			if (e)
				return fail("TCP engine setup failed: %s", strerror(-e));
			lc->tflows = aligned_alloc(PG_CACHE_LINE, sizeof(*lc->tflows) * PG_SERVER_SLOTS);
			if (!lc->tflows)
				return fail("%s", "out of memory");
			memset(lc->tflows, 0, sizeof(*lc->tflows) * PG_SERVER_SLOTS);
		}
	}
	pg_reporter_start(r->rep, 0);
	for (i = 0; i < r->nb_dp; i++) {
		e = launch(r, &r->lc[i], r->o.udp ? pg_udp_server_main : pg_tcp_server_main);
		if (e)
			return fail("cannot start dataplane lcore: %s", strerror(-e));
	}
	while (!atomic_load(&g_stop)) {
		pg_reporter_poll(r->rep, realtime_ns());
		if (r->o.one_off && pg_reporter_one_off_done(r->rep))
			atomic_store(&g_stop, 1);
		sleep_ns(POLL_NS);
	}
	atomic_store(&g_stop, 1);
	for (i = 0; i < r->nb_dp; i++)
		join(r, &r->lc[i]);
	pg_reporter_finish(r->rep, realtime_ns());
	return 0;
}

/*
 * perfgen analyze FILE: the server loops themselves run over the capture (port_pcap.c), so
 * the figures are the ones a live perfgen -s would have printed for that traffic, with
 * receive times taken from the capture. Up to three passes over the file: iperf2 UDP (the
 * UDP server loop), then TCP (iperf2 and iperf3 connections followed passively,
 * tcp_passive.c), then iperf3 UDP (the same, datagrams accounted as iperf3 does); each
 * prints the report of the tests it found.
 */
enum analyze_pass { PASS_UDP2, PASS_TCP, PASS_UDP3 };

static int analyze_pass(struct run *r, const char *path, enum analyze_pass pass, int *found,
			uint64_t *frames)
{
	int tcp = pass == PASS_TCP;
	static const char *const names[] = { "iperf2 UDP", "TCP", "iperf3 UDP" };

	struct pg_report_conf rc;
	struct pg_lcore *lc = &r->lc[0];
	uint16_t port = (uint16_t)(r->o.port ? r->o.port : PG_IPERF2_PORT);
	uint64_t skipped, bad, t0, t1;
	char err[320];
	int e;

	r->port = pg_pcap_port_open(path, err, sizeof(err));
	if (!r->port)
		return fail("analyze %s", err);
	r->o.udp = !tcp;
	report_conf(r, &rc, PG_ROLE_SERVER);
	rc.offline = 1;
	r->rep = pg_reporter_create(&rc, r->rings, r->hret, 1);
	if (!r->rep || (!r->hists && alloc_hists(r)))
		return fail("%s", "out of memory");
	memset(&lc->stats, 0, sizeof(lc->stats));
	atomic_store(&lc->done, 0);
	atomic_store(&g_stop, 0);
	lc->port = r->port;
	lc->q = r->port->queue[0];
	lc->offline = 1;
	atomic_store(&lc->offline_now_ns, 0);
	if (pass != PASS_UDP2) {
		free(lc->passive);
		lc->passive = pg_tcp_passive_alloc(port, r->o.port ? port : PG_IPERF3_DEFAULT_PORT,
						   pass == PASS_UDP3);
		if (!lc->passive)
			return fail("%s", "out of memory");
	} else {
		if (server_flows(lc, port))
			return fail("%s", "out of memory");
	}
	pg_reporter_start(r->rep, 0);
	t0 = realtime_ns();
	e = pg_lcore_launch(lc, pass == PASS_UDP2 ? pg_udp_server_main : pg_tcp_passive_main);
	if (e)
		return fail("cannot start the analysis thread: %s", strerror(-e));
	while (!pg_pcap_port_eof(r->port) && !atomic_load(&g_stop)) {
		pg_reporter_poll(r->rep, atomic_load_explicit(&lc->offline_now_ns, memory_order_acquire));
		sleep_ns(1000000); /* 1 ms: also the resolution of the rate printed below */
	}
	t1 = realtime_ns();
	sleep_ns(3 * POLL_NS); /* let the loop post what it counted last */
	atomic_store(&g_stop, 1);
	pthread_join(lc->thread, NULL);
	pg_pcap_port_counts(r->port, frames, &skipped, &bad);
	/* the rate of the pass itself (start-up and TSC calibration excluded): the benchmark */
	fprintf(stderr, "perfgen: analyze %s pass: %llu frames in %.1f ms (%.2f Mpps on one core)\n",
		names[pass], (unsigned long long)*frames, (double)(t1 - t0) / 1e6,
		t1 > t0 ? (double)*frames * 1e3 / (double)(t1 - t0) : 0.0);
	r->extra[0].name = "pcap_not_ethernet";
	r->extra[0].value = skipped;
	r->extra[1].name = "pcap_bad_records";
	r->extra[1].value = bad;
	r->nb_extra = 2;
	/* prints the tests the pass found; a pass that found none prints nothing */
	pg_reporter_finish(r->rep, realtime_ns());
	*found = pg_reporter_tests_done(r->rep) > 0;
	return 0;
}

static int run_analyze(struct run *r, const char *path)
{
	struct pg_reporter *keep_rep = NULL;
	struct pg_port *keep_port = NULL;
	uint64_t frames = 0;
	int found_any = 0, found = 0, rc;
	enum analyze_pass pass;

	for (pass = PASS_UDP2; pass <= PASS_UDP3; pass++) {
		rc = analyze_pass(r, path, pass, &found, &frames);
		if (rc)
			return rc;
		found_any |= found;
		/* keep one pass's reporter and port for the empty report and for cleanup() */
		if (!keep_rep) {
			keep_rep = r->rep;
			keep_port = r->port;
		} else {
			pg_reporter_free(r->rep);
			pg_port_close(r->port);
		}
		r->rep = NULL;
		r->port = NULL;
		/* every frame was iperf2 UDP to the port: nothing for the other passes */
		if (pass == PASS_UDP2 && !r->lc[0].stats.rx_not_ours)
			break;
	}
	r->rep = keep_rep;
	r->port = keep_port;
	if (!found_any) {
		if (!r->o.json)
			printf("no iperf2 or iperf3 test found in %llu frames of %s\n", (unsigned long long)frames, path);
		pg_reporter_print_empty(r->rep, realtime_ns());
	}
	return 0;
}

/* --pcap-out: the writer thread and one record ring per dataplane lcore. */
static int start_capture(struct run *r)
{
	char err[256];
	unsigned int i;

	if (!r->o.pcap_out)
		return 0;
	r->cap = pg_capture_start(r->o.pcap_out, r->port->info.ifname, r->nb_dp, r->o.pcap_snaplen,
				  r->o.pcap_ring_mb, err, sizeof(err));
	if (!r->cap)
		return fail("%s", err);
	for (i = 0; i < r->nb_dp; i++)
		r->lc[i].cap = r->cap;
	return 0;
}

static void stop_capture(struct run *r)
{
	if (!r->cap)
		return;
	if (r->cap->error)
		fprintf(stderr, "perfgen: --pcap-out %s: writing stopped: %s\n", r->o.pcap_out,
			strerror(-r->cap->error));
	pg_capture_stop(r->cap);
	r->cap = NULL;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	return strlen(s) == 17 && sscanf(s, "%2hhx:%2hhx:%2hhx:%2hhx:%2hhx:%2hhx", &mac[0], &mac[1],
					 &mac[2], &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -EINVAL;
}

static void print_replay(const struct run *r, const struct pg_replay *rp, const char *ifname)
{
	const struct pg_replay_stats *st = &rp->st;
	double secs = st->last_ns > st->first_ns ? (double)(st->last_ns - st->first_ns) / 1e9 : 0;
	double want = (double)st->span_ns / 1e9 / (r->o.speed > 0 ? r->o.speed : 1);
	double err_pct = want > 0 ? 100.0 * (secs - want) / want : 0;
	double pps = secs > 0 ? (double)(st->frames - 1) / secs : 0;
	double bps = secs > 0 ? (double)st->bytes * 8 / secs : 0;
	const char *timing = r->o.topspeed ? "topspeed" : r->o.replay_pps ? "pps" : "capture";

	if (r->o.json) {
		json_t *o = json_object(), *sk = json_object(), *root = json_object();

		json_object_set_new(o, "file", json_string(r->replay_path));
		json_object_set_new(o, "dev", json_string(ifname));
		json_object_set_new(o, "timing", json_string(timing));
		json_object_set_new(o, "speed", json_real(r->o.speed > 0 ? r->o.speed : 1));
		json_object_set_new(o, "frames", json_integer((json_int_t)st->frames));
		json_object_set_new(o, "bytes", json_integer((json_int_t)st->bytes));
		json_object_set_new(o, "seconds", json_real(secs));
		json_object_set_new(o, "capture_seconds", json_real((double)st->span_ns / 1e9));
		if (!r->o.topspeed && !r->o.replay_pps)
			json_object_set_new(o, "timing_error_percent", json_real(err_pct));
		json_object_set_new(o, "packets_per_second", json_real(pps));
		json_object_set_new(o, "bits_per_second", json_real(bps));
		json_object_set_new(o, "late_max_ns", json_integer((json_int_t)st->late_max_ns));
		json_object_set_new(o, "late_mean_ns",
				    json_integer((json_int_t)(st->frames ? st->late_sum_ns / st->frames : 0)));
		json_object_set_new(o, "loops", json_integer(rp->loops_done));
		json_object_set_new(sk, "too_big", json_integer((json_int_t)rp->skipped_big));
		json_object_set_new(sk, "not_ethernet", json_integer((json_int_t)rp->skipped_link));
		json_object_set_new(sk, "bad_records", json_integer((json_int_t)rp->bad_records));
		json_object_set_new(o, "skipped", sk);
		json_object_set_new(o, "truncated", json_integer((json_int_t)rp->truncated));
		json_object_set_new(o, "time_backwards", json_integer((json_int_t)rp->time_backwards));
		json_object_set_new(root, "replay", o);
		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
		fputc('\n', stdout);
		json_decref(root);
		return;
	}
	printf("replayed %llu frames (%llu bytes) in %.3f s: %.0f pps, %.3f Mbits/sec\n",
	       (unsigned long long)st->frames, (unsigned long long)st->bytes, secs, pps, bps / 1e6);
	if (!r->o.topspeed && !r->o.replay_pps)
		printf("timing: capture span %.3f s at %gx -> %.3f s expected, %+.3f%%; late max %.1f us, mean %.1f us\n",
		       (double)st->span_ns / 1e9, r->o.speed > 0 ? r->o.speed : 1, want, err_pct,
		       (double)st->late_max_ns / 1e3,
		       st->frames ? (double)st->late_sum_ns / (double)st->frames / 1e3 : 0);
	if (rp->skipped_big || rp->skipped_link || rp->bad_records || rp->truncated || rp->time_backwards)
		printf("skipped: %llu longer than the port's buffers, %llu not Ethernet, %llu malformed records; %llu truncated by the capture (sent as captured), %llu with time going back\n",
		       (unsigned long long)rp->skipped_big, (unsigned long long)rp->skipped_link,
		       (unsigned long long)rp->bad_records, (unsigned long long)rp->truncated,
		       (unsigned long long)rp->time_backwards);
}

/* perfgen replay FILE --dev IF | --dpdk DEV: one dataplane lcore keeps the frames' order. */
static int run_replay(struct run *r)
{
	struct pg_replay_conf rc;
	char err[320];
	struct in_addr a;
	int e;

	if (r->nb_dp != 1)
		return fail("replay: one dataplane lcore (frames keep their order); --lcores %s gives %u",
			    r->lcore_str, r->nb_dp);
	memset(&rc, 0, sizeof(rc));
	rc.path = r->replay_path;
	rc.speed = r->o.speed > 0 ? r->o.speed : 1;
	rc.timing = r->o.topspeed ? PG_REPLAY_TOPSPEED : r->o.replay_pps ? PG_REPLAY_PPS : PG_REPLAY_CAPTURE;
	rc.pps = r->o.replay_pps;
	rc.loops = r->o.loops;
	rc.frame_size = r->port->info.frame_size;
	if (r->o.rw_smac) {
		if (!strcmp(r->o.rw_smac, "port"))
			memcpy(rc.rw.smac, r->port->info.mac, 6);
		else if (parse_mac(r->o.rw_smac, rc.rw.smac))
			return fail("--rewrite-smac %s: expected six hex bytes or \"port\"", r->o.rw_smac);
		rc.rw.set_smac = 1;
	}
	if (r->o.rw_dmac) {
		if (parse_mac(r->o.rw_dmac, rc.rw.dmac))
			return fail("--rewrite-dmac %s: expected six hex bytes, e.g. 02:00:00:00:00:01", r->o.rw_dmac);
		rc.rw.set_dmac = 1;
	}
	if (r->o.rw_sip) {
		if (inet_pton(AF_INET, r->o.rw_sip, &a) != 1)
			return fail("--rewrite-sip %s: not an IPv4 address", r->o.rw_sip);
		rc.rw.sip = a.s_addr;
		rc.rw.set_sip = 1;
	}
	if (r->o.rw_dip) {
		if (inet_pton(AF_INET, r->o.rw_dip, &a) != 1)
			return fail("--rewrite-dip %s: not an IPv4 address", r->o.rw_dip);
		rc.rw.dip = a.s_addr;
		rc.rw.set_dip = 1;
	}
	rc.rw.fix_csum = (uint8_t)r->o.rw_csum;
	r->replay = pg_replay_start(&rc, err, sizeof(err));
	if (!r->replay)
		return fail("%s", err);
	r->lc[0].port = r->port;
	r->lc[0].q = r->port->queue[0];
	r->lc[0].replay = r->replay;
	if (!r->o.json)
		printf("Replaying %s through %s %s on %s (lcores %s): %s\n", r->replay_path,
		       r->port->info.backend, r->port->info.mode, r->port->info.ifname, r->lcore_str,
		       r->o.topspeed ? "top speed" : r->o.replay_pps ? "evenly spaced" : "capture timing");
	e = launch(r, &r->lc[0], pg_replay_main);
	if (e)
		return fail("cannot start the replay lcore: %s", strerror(-e));
	while (!atomic_load(&r->lc[0].done))
		sleep_ns(POLL_NS);
	join(r, &r->lc[0]);
	if (r->replay->feeder_err)
		return fail("replay %s: %s", r->replay_path, strerror(-r->replay->feeder_err));
	print_replay(r, r->replay, r->port->info.ifname);
	return 0;
}

/* The iperf2 side of a two-protocol server: its reporter, polled by the iperf3 loop. */
static int i3_poll_iperf2(void *arg)
{
	struct run *r = arg;

	pg_reporter_poll(r->rep, realtime_ns());
	return pg_reporter_one_off_done(r->rep);
}

/* Starts every iperf3 lcore; the ones started are joined at the end even if one fails. */
static int i3_launch(void *arg)
{
	struct run *r = arg;
	unsigned int i;

	for (i = 0; i < r->nb_dp; i++) {
		int e = launch(r, &r->lc[i], pg_i3_lcore_main);

		if (e)
			return e;
		r->i3_launched = (int)i + 1;
	}
	return 0;
}

/* An iperf3 lcore's state: its rings, TCP engine and, where control connections may be
 * (a client's first lcore, every lcore of a server), the control send buffers. 0 or -errno. */
static int i3_lcore_setup(struct run *r, struct pg_lcore *lc, uint16_t port)
{
	struct pg_i3_lcore *l;

	lc->port = r->port;
	lc->q = r->port->queue[lc->idx];
	l = aligned_alloc(PG_CACHE_LINE, (sizeof(*l) + PG_CACHE_LINE - 1) & ~(size_t)(PG_CACHE_LINE - 1));
	if (!l)
		return -ENOMEM;
	memset(l, 0, sizeof(*l));
	lc->i3 = l;
	l->data_only = r->o.client && lc->idx > 0;
	l->ctrl_bufs = l->data_only ? NULL : malloc((size_t)PG_I3_CTRL_BUFS * PG_I3_CTRL_SNDBUF);
	l->up = pg_ring_create(PG_I3_RING, sizeof(struct pg_i3_up));
	l->down = pg_ring_create(PG_I3_RING, sizeof(struct pg_i3_down));
	if ((!l->data_only && !l->ctrl_bufs) || !l->up || !l->down)
		return -ENOMEM;
	l->port = port;
	return pg_tcp_lcore_init(lc, PG_I3_CONNS, r->o.cc);
}

/*
 * iperf3: the dataplane lcores own the connections (iperf3_lcore.c); this thread runs the
 * control protocol (iperf3_run.c) through each lcore's two rings. A client spreads its
 * streams over all dataplane lcores (the control connection on the first); a server
 * listens on all of them, each connection owned by the lcore whose queue it arrived on
 * (a 4-tuple owner table), and keeps the iperf2 side of the dual server on the first.
 */
static int run_iperf3(struct run *r)
{
	struct pg_lcore *lc = &r->lc[0];
	struct pg_i3_lcore *l;
	struct pg_i3_env env;
	struct in_addr dst = { 0 };
	uint16_t port = (uint16_t)(r->o.port ? r->o.port : PG_IPERF3_DEFAULT_PORT);
	uint16_t base = (uint16_t)(33000 + (getpid() % 80) * 300);
	unsigned int i, nports = 0, nb_lc = r->nb_dp;
	int e, rc;

	if (r->o.no_peer)
		return fail("%s", "--no-peer: iperf3 needs a server to talk to; use --wire iperf2 --no-peer for pure generation");
	if (r->o.peer_detect || r->o.trip_times)
		return fail("%s: an iperf2 option (iperf3 has no such mode); add --wire iperf2",
			    r->o.peer_detect ? "-X" : "--trip-times");
	memset(&env, 0, sizeof(env));
	if (r->o.client && inet_pton(AF_INET, r->o.client, &dst) != 1)
		return fail("-c %s: not an IPv4 address (host names are not resolved)", r->o.client);
	if (r->o.bidir && r->o.reverse)
		return fail("%s", "-R and --bidir are exclusive (--bidir already sends both ways)");
	for (i = 0; i < nb_lc; i++) {
		e = i3_lcore_setup(r, &r->lc[i], port);
		if (e == -ENOMEM)
			return fail("%s", "out of memory");
		if (e)
			return fail("TCP engine setup failed: %s", strerror(-e));
	}
	l = lc->i3;
	if (r->o.client) {
		int err = pg_port_resolve(r->port, dst.s_addr, l->peer_mac, (int)r->o.resolve_ms);

		if (err)
			return fail("-c %s: no answer to ARP from the next hop on %s within %u ms (%s); check the address and the link",
				    r->o.client, r->port->info.ifname, r->o.resolve_ms, strerror(-err));
		nports = 1 + r->o.parallel * (r->o.bidir ? 2 : 1); /* -P <= 128: fits PG_I3_CONNS */
		/* A device may hash a stream's return traffic to any queue (veth, af_packet
		 * fanout): the lcore that gets it passes it to the stream's owner, whole. */
		if (nb_lc > 1) {
			r->redir = pg_redirect_create(nb_lc, 4096);
			if (!r->redir)
				return fail("%s", "out of memory");
			pg_redirect_set_owner(r->redir, base, 0);
			for (i = 1; i < nports; i++)
				pg_redirect_set_owner(r->redir, (uint16_t)(base + i), pg_i3_stream_lcore(i - 1, nb_lc));
		}
		for (i = 0; i < nb_lc; i++) {
			struct pg_i3_lcore *li = r->lc[i].i3;

			li->peer_ip = dst.s_addr;
			memcpy(li->peer_mac, l->peer_mac, 6);
			li->ctrl_sport = base;
			r->lc[i].redir = r->redir;
		}
		for (i = 0; i < nports; i++) {
			e = pg_port_steer(r->port, PG_IPPROTO_TCP, (uint16_t)(base + i), 1);
			if (!e)
				e = pg_port_steer(r->port, PG_IPPROTO_UDP, (uint16_t)(base + i), 1);
			if (e)
				return fail("steering port %u to the AF_XDP socket failed: %s", base + i, strerror(-e));
		}
	} else {
		/* Every lcore listens; a connection is the lcore's whose queue its SYN (or UDP
		 * connect datagram) reached, published by 4-tuple for the others, which pass
		 * its frames on whole. */
		for (i = 0; i < nb_lc; i++)
			r->lc[i].i3->server = 1;
		if (nb_lc > 1) {
			r->fown = pg_flow_owner_create();
			r->redir = pg_redirect_create(nb_lc, 4096);
			if (!r->fown || !r->redir)
				return fail("%s", "out of memory");
			for (i = 0; i < nb_lc; i++) {
				r->lc[i].i3->fown = r->fown;
				r->lc[i].redir = r->redir;
			}
		}
		e = pg_port_steer(r->port, PG_IPPROTO_TCP, port, 1);
		if (!e)
			e = pg_port_steer(r->port, PG_IPPROTO_UDP, port, 1);
		if (e)
			return fail("steering the server port to the AF_XDP socket failed: %s", strerror(-e));
		if (!r->o.wire_set && !r->o.port) {
			/* also the iperf2 server on 5001, on the first lcore and its TCP engine;
			 * the other lcores pass port 5001's frames to it whole */
			struct pg_report_conf rpc;

			if (r->redir)
				pg_redirect_set_owner(r->redir, PG_IPERF2_PORT, 0);

			e = pg_port_steer(r->port, r->o.udp ? PG_IPPROTO_UDP : PG_IPPROTO_TCP, PG_IPERF2_PORT, 1);
			if (e)
				return fail("steering port %u to the AF_XDP socket failed: %s", PG_IPERF2_PORT, strerror(-e));
			report_conf(r, &rpc, PG_ROLE_SERVER);
			rpc.port = PG_IPERF2_PORT;
			r->rep = pg_reporter_create(&rpc, r->rings, r->hret, 1);
			if (!r->rep || alloc_hists(r))
				return fail("%s", "out of memory");
			if (r->o.udp) {
				if (server_flows(lc, PG_IPERF2_PORT))
					return fail("%s", "out of memory");
			} else {
				lc->tcp_port = PG_IPERF2_PORT;
				lc->tflows = aligned_alloc(PG_CACHE_LINE, sizeof(*lc->tflows) * PG_SERVER_SLOTS);
				if (!lc->tflows)
					return fail("%s", "out of memory");
				memset(lc->tflows, 0, sizeof(*lc->tflows) * PG_SERVER_SLOTS);
			}
			pg_reporter_start(r->rep, 0);
			env.poll = i3_poll_iperf2;
			env.poll_arg = r;
			env.also = r->o.udp ? "iperf2 UDP on 5001" : "iperf2 TCP on 5001";
		}
	}
	env.o = &r->o;
	env.lc = lc;
	env.nb_lc = nb_lc;
	env.stop = &g_stop;
	env.local_ip = r->port->info.ip4;
	env.peer_ip = dst.s_addr;
	env.port = port;
	env.ctrl_sport = base;
	env.mtu = r->port->info.mtu ? r->port->info.mtu : 1500;
	env.backend = r->port->info.backend;
	env.mode = r->port->info.mode;
	env.ifname = r->port->info.ifname;
	env.lcores = r->lcore_str;
	env.out = stdout;
	env.launch = i3_launch;
	env.launch_arg = r;
	rc = r->o.client ? pg_i3_client(&env) : pg_i3_server(&env);
	for (i = 0; i < nb_lc; i++)
		atomic_store(&r->lc[i].i3->ended, 1);
	for (i = 0; i < (unsigned int)r->i3_launched; i++)
		join(r, &r->lc[i]);
	if (r->i3_launched && l->server) {
		unsigned int used = 0, k;

		/* everything was closed or aborted on the way out: a slot still taken is a leak */
		for (k = 0; k < nb_lc; k++)
			for (i = 0; i < PG_I3_CONNS; i++)
				used += r->lc[k].i3->slots[i].kind != PG_I3_FREE;
		fprintf(stderr, "perfgen: iperf3 server: %u connection slots in use at exit\n", used);
		if (r->fown)
			fprintf(stderr, "perfgen: iperf3 server: flow-owner table: %" PRIu64 " published, %" PRIu64
				" withdrawn, %" PRIu64 " refused (full)\n", atomic_load(&r->fown->inserted),
				atomic_load(&r->fown->removed), atomic_load(&r->fown->full));
	}
	r->i3_launched = 0;
	if (r->rep) {
		pg_reporter_poll(r->rep, realtime_ns());
		pg_reporter_finish(r->rep, realtime_ns());
	}
	return rc;
}

static void cleanup(struct run *r)
{
	unsigned int i;

	stop_capture(r);
	pg_ptp_free(r->ptp);
	r->ptp = NULL;
	pg_export_close(r->export);
	r->export = NULL;
	if (r->replay)
		atomic_store(&r->replay->stop, 1);
	pg_port_close(r->port);
	pg_replay_free(r->replay);
	pg_reporter_free(r->rep);
	pg_redirect_free(r->redir);
	pg_flow_owner_free(r->fown);
	free(r->tcp_img);
	free(r->tcp_bt);
	for (i = 0; i < r->nb_dp && r->lc; i++) {
		if (r->lc[i].i3) {
			pg_ring_free(r->lc[i].i3->up);
			pg_ring_free(r->lc[i].i3->down);
			free(r->lc[i].i3->ctrl_bufs);
			free(r->lc[i].i3);
		}
		free(r->lc[i].cflows);
		free(r->lc[i].sflows);
		free(r->lc[i].tflows);
		free(r->lc[i].passive);
		if (r->lc[i].tcp)
			pg_tcp_lcore_free(&r->lc[i]);
		pg_ring_free(r->rings[i]);
		pg_ring_free(r->hret[i]);
	}
	for (i = 0; i < r->nb_hists; i++)
		pg_hist_free(r->hists[i]);
	free(r->hists);
	free(r->lc);
}

int main(int argc, char **argv)
{
	static struct run r;
	struct sigaction sa;
	char err[256];
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "analyze")) {
		/* perfgen analyze FILE [options]: argv[2] takes getopt's program-name slot. */
		if (argc < 3 || argv[2][0] == '-') {
			fprintf(stderr, "perfgen: usage: perfgen analyze FILE.pcap|pcapng [-J] [-i SEC] [-p PORT]\n");
			return 2;
		}
		if (pg_opts_parse(&r.o, argc - 2, argv + 2, err, sizeof(err))) {
			fprintf(stderr, "perfgen: analyze: %s\n", err);
			return 2;
		}
		if (r.o.json_stream)
			r.o.json = 1;
		r.o.server = 1;
		rc = setup_lcores(&r);
		if (!rc) {
			pg_tsc_calibrate(&r.tsc, 50);
			rc = setup_latclock(&r);
		}
		if (!rc)
			rc = run_analyze(&r, argv[2]);
		cleanup(&r);
		return rc;
	}
	if (argc >= 2 && !strcmp(argv[1], "replay")) {
		/* perfgen replay FILE (--dev IF | --dpdk DEV) [options] */
		if (argc < 3 || argv[2][0] == '-') {
			fprintf(stderr, "perfgen: usage: perfgen replay FILE.pcap|pcapng (--dev IF | --dpdk DEVARGS) [--speed N | --pps R | --topspeed] [--loop N] [--rewrite-...]\n");
			return 2;
		}
		if (pg_opts_parse(&r.o, argc - 2, argv + 2, err, sizeof(err))) {
			fprintf(stderr, "perfgen: replay: %s\n", err);
			return 2;
		}
		r.replay_path = argv[2];
		if (!r.o.dev == !r.o.dpdk)
			return fail("%s", "replay: give one port: --dev IFACE (native AF_XDP) or --dpdk DEVARGS (DPDK)");
		if (r.o.client || r.o.server)
			return fail("%s", "replay: -c/-s do not apply (the capture says where frames go; see --rewrite-*)");
		if ((r.o.topspeed != 0) + (r.o.replay_pps != 0) + (r.o.speed > 0) > 1)
			return fail("%s", "replay: --speed, --pps and --topspeed are exclusive");
		rc = setup_lcores(&r);
		if (!rc)
			rc = pg_tsc_calibrate(&r.tsc, 200);
		if (!rc)
			rc = open_port(&r);
		if (!rc) {
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = on_signal;
			sigaction(SIGINT, &sa, NULL);
			sigaction(SIGTERM, &sa, NULL);
			rc = run_replay(&r);
		}
		cleanup(&r);
		return rc;
	}
	if (pg_opts_parse(&r.o, argc, argv, err, sizeof(err))) {
		fprintf(stderr, "perfgen: %s\n", err);
		return 2;
	}
	if (r.o.help) {
		pg_opts_usage(stdout, "perfgen");
		return 0;
	}
	if (r.o.version) {
		printf("perfgen %s\n", PERFGEN_VERSION);
		return 0;
	}
	if (!r.o.client == !r.o.server)
		return fail("%s", "give exactly one of -c HOST (client) or -s (server); see --help");
	if (r.o.json_stream)
		r.o.json = 1; /* the same reports, streamed as events */
	if (strcmp(r.o.wire, "iperf2") && strcmp(r.o.wire, "iperf3"))
		return fail("--wire %s: expected iperf2 or iperf3", r.o.wire);
	/* A server without --wire answers iperf3 on 5201 and iperf2 on 5001 (TCP, or UDP with
	 * -u); -p narrows it to one: 5001 = iperf2, anything else iperf3. */
	if (r.o.server && !r.o.wire_set && r.o.port == PG_IPERF2_PORT)
		r.o.wire = "iperf2";
	if (!strcmp(r.o.wire, "iperf2") && (r.o.reverse || r.o.bidir || r.o.omit || r.o.mss ||
					   r.o.get_server_output || r.o.udp_counters_64bit || r.o.window))
		return fail("%s", "-R, --bidir, -O, -M, -w, --get-server-output and --udp-counters-64bit are iperf3 options: drop --wire iperf2");
	if (!strcmp(r.o.wire, "iperf3") && r.o.trip_times)
		return fail("%s", "--trip-times is an iperf2 option (iperf3 has no trip times): add --wire iperf2");
	if (!strcmp(r.o.wire, "iperf3") && r.o.client && r.o.udp && r.o.cc)
		return fail("%s", "-C applies to TCP tests (drop -u)");
	/* pure generation has no peer to hold an iperf3 control connection: iperf2 framing */
	if (r.o.no_peer && !r.o.wire_set)
		r.o.wire = "iperf2";
	if (r.o.cc && strcmp(r.o.cc, "cubic") && strcmp(r.o.cc, "reno"))
		return fail("-C %s: expected cubic or reno", r.o.cc);
	if (r.o.cc && r.o.udp)
		return fail("%s", "-C applies to TCP tests (drop -u)");
	if (!r.o.dev == !r.o.dpdk)
		return fail("%s", "give one port: --dev IFACE (native AF_XDP) or --dpdk DEVARGS (DPDK)");
	if (r.o.dev && (r.o.ip || r.o.gw || r.o.eal))
		return fail("%s", "--ip, --gw and --eal go with --dpdk; with --dev the kernel's address is used");
	if (r.o.idle && strcmp(r.o.idle, "poll") && strcmp(r.o.idle, "backoff"))
		return fail("--idle %s: expected poll or backoff", r.o.idle);
	if (r.o.bytes && r.o.pkts)
		return fail("%s", "-n and -k are exclusive: give one limit");

	rc = setup_lcores(&r);
	if (rc)
		goto out;
	rc = pg_tsc_calibrate(&r.tsc, 200);
	if (rc) {
		rc = fail("TSC calibration failed (%s): perfgen needs an invariant TSC", strerror(-rc));
		goto out;
	}
	rc = open_port(&r);
	if (!rc)
		rc = start_capture(&r);
	if (!rc)
		rc = setup_latclock(&r);
	if (rc)
		goto out;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!strcmp(r.o.wire, "iperf3"))
		rc = run_iperf3(&r);
	else
		rc = r.o.client ? run_client(&r) : run_server(&r);
out:
	cleanup(&r);
	return rc;
}

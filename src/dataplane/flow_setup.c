/* SPDX-License-Identifier: BSD-3-Clause */
/* Setup of client flows: frame templates, checksums and pacing (never on the hot path). */
#include "dataplane_priv.h"

#include <errno.h>

#include "latclock.h"
#include "pgts.h"

void pg_dp_tx_prefill(uint8_t *buf, uint32_t len)
{
	memset(buf, 0, len < PG_UDP_FRAME_HDR_LEN ? len : PG_UDP_FRAME_HDR_LEN);
	if (len > PG_UDP_FRAME_HDR_LEN)
		pg_i2_pattern_fill(buf + PG_UDP_FRAME_HDR_LEN, len - PG_UDP_FRAME_HDR_LEN);
}

static uint16_t template_csum(const struct pg_client_flow *f, const struct pg_lcore *lc,
			      uint32_t payload_len)
{
	uint8_t frame[PG_UDP_FRAME_HDR_LEN + 65536];

	pg_udp_frame_build(frame, lc->local_mac, lc->peer_mac, lc->local_ip, lc->peer_ip,
			   f->sport, f->dport, 0, (uint16_t)payload_len);
	pg_i2_pattern_fill(frame + PG_UDP_FRAME_HDR_LEN, payload_len);
	memcpy(frame + PG_UDP_FRAME_HDR_LEN, f->tmpl + PG_UDP_FRAME_HDR_LEN,
	       payload_len < 160 ? payload_len : 160);
	return pg_udp_csum((const struct pg_ipv4_hdr *)(frame + 14),
			   (const struct pg_udp_hdr *)(frame + 34));
}

int pg_client_flow_init(struct pg_client_flow *f, const struct pg_lcore *lc,
			const struct pg_i2_client_params *p, uint32_t payload_len,
			uint16_t sport, uint16_t dport, uint64_t rate, int rate_pps,
			uint64_t max_pkts, uint64_t duration_ns)
{
	uint8_t hdr[160];
	uint32_t hdrlen;

	if (payload_len < PG_I2_UDP_SEQ_LEN || payload_len > 65507 - 0)
		return -EINVAL;
	if (PG_UDP_FRAME_HDR_LEN + payload_len > lc->port->info.frame_size)
		return -EMSGSIZE;

	memset(f, 0, sizeof(*f));
	f->sport = sport;
	f->dport = dport;
	f->trip_times = (uint8_t)p->trip_times;
	f->payload_len = payload_len;
	f->next_seq = 1;
	f->state = PG_FLOW_RUN;

	hdrlen = pg_i2_udp_client_hdr(hdr, p);
	/* iperf2 sends the first datagram at the header's length when -l is shorter. */
	f->first_payload_len = payload_len < hdrlen ? hdrlen : payload_len;
	if (PG_UDP_FRAME_HDR_LEN + f->first_payload_len > lc->port->info.frame_size)
		return -EMSGSIZE;

	pg_udp_frame_build(f->tmpl, lc->local_mac, lc->peer_mac, lc->local_ip, lc->peer_ip,
			   sport, dport, p->tos, (uint16_t)payload_len);
	memcpy(f->tmpl + PG_UDP_FRAME_HDR_LEN, hdr, sizeof(hdr));
	/* perfgen's trip-time block where iperf2 reads nothing (pgts.h) */
	f->pgts = p->trip_times && payload_len >= PG_PGTS_MIN_PAYLOAD;
	f->ptp_bound = PG_PGTS_NO_BOUND;
	if (f->pgts) {
		uint32_t magic = htonl(PG_PGTS_MAGIC);

		memcpy(f->tmpl + PG_UDP_FRAME_HDR_LEN + PG_PGTS_OFF, &magic, 4);
	}
	f->copy_len = PG_UDP_FRAME_HDR_LEN + (payload_len < 160 ? payload_len : 160);
	f->csum0 = template_csum(f, lc, payload_len);
	f->csum0_first = template_csum(f, lc, f->first_payload_len);

	if (rate) {
		double bits = rate_pps ? 1.0 : (double)payload_len * 8.0;
		double gap = (double)lc->tsc->hz * bits / (double)rate; /* cycles per datagram */

		f->gap_int = (uint64_t)gap;
		f->gap_frac = (uint32_t)((gap - (double)f->gap_int) * 4294967296.0);
		f->paced = 1;
	}
	f->max_pkts = max_pkts;
	/* end_tsc is relative here; the loop adds its start time. */
	f->end_tsc = duration_ns ? pg_ns_to_tsc(lc->tsc, duration_ns) : 0;
	return 0;
}

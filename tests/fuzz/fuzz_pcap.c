/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the pcap / pcapng reader, the frame classifier on every packet it yields, and
 * the passive TCP tracker (perfgen analyze) on every TCP segment, all in one connection.
 */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include "pcap.h"
#include "frame.h"
#include "tcp_track.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f;
	struct pg_pcap *p;
	struct pg_pcap_pkt pkt;
	static struct pg_tcp_track t;
	int n = 0, tracking = 0;

	if (!size)
		return 0;
	f = fmemopen((void *)(uintptr_t)data, size, "rb");
	if (!f)
		return 0;
	p = pg_pcap_open_stream(f);
	if (p) {
		while (n++ < 10000 && pg_pcap_next(p, &pkt) == 1) {
			struct pg_frame fr;

			if (pkt.linktype == 1 &&
			    pg_frame_classify(pkt.data, pkt.caplen, PG_FRAME_CSUM_IP,
					      pkt.caplen == pkt.wirelen, &fr) == PG_FRAME_OK &&
			    fr.proto == 6) {
				const uint8_t *th = pkt.data + fr.l4_off;
				uint32_t seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 |
					       (uint32_t)th[6] << 8 | th[7];
				unsigned int fl = th[13] & 7u;

				if (!tracking++)
					pg_tcp_track_init(&t, seq, fl);
				(void)pg_tcp_track_seg(&t, seq, fl, fr.payload, fr.payload_len,
						       fr.wire_payload_len);
			}
		}
		pg_pcap_close(p);
	}
	fclose(f);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the pcap / pcapng reader and the frame classifier on every packet it yields. */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>

#include "pcap.h"
#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f;
	struct pg_pcap *p;
	struct pg_pcap_pkt pkt;
	int n = 0;

	if (!size)
		return 0;
	f = fmemopen((void *)(uintptr_t)data, size, "rb");
	if (!f)
		return 0;
	p = pg_pcap_open_stream(f);
	if (p) {
		while (n++ < 10000 && pg_pcap_next(p, &pkt) == 1) {
			struct pg_frame fr;

			if (pkt.linktype == 1)
				(void)pg_frame_classify(pkt.data, pkt.caplen, PG_FRAME_CSUM_IP,
							pkt.caplen == pkt.wirelen, &fr);
		}
		pg_pcap_close(p);
	}
	fclose(f);
	return 0;
}

/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "udp_tx.h"

int pgfw_udp_tx_one(struct pgfw_udp_tx *tx, int64_t seq)
{
	uint32_t hl = tx->hdr_len < tx->len ? tx->hdr_len : tx->len;
	struct pbuf *h, *r;
	err_t err;

	h = pbuf_alloc(PBUF_TRANSPORT, (u16_t)hl, PBUF_RAM);
	if (h == NULL)
		return -ENOMEM;
	tx->stamp(tx, h->payload, seq);
	if (tx->len > hl) {
		/* The rest of the datagram points into the const pattern: no copy. */
		r = pbuf_alloc(PBUF_RAW, (u16_t)(tx->len - hl), PBUF_REF);
		if (r == NULL) {
			pbuf_free(h);
			return -ENOMEM;
		}
		r->payload = (void *)(uintptr_t)(pgfw_pattern + hl % 10u);
		pbuf_cat(h, r);
	}
	err = udp_sendto(tx->pcb, h, &tx->dst, tx->dport);
	pbuf_free(h);
	return err == ERR_OK ? 0 : (err == ERR_MEM || err == ERR_BUF) ? -ENOMEM : -EIO;
}

uint32_t pgfw_udp_tx_run(struct pgfw_udp_tx *tx, uint64_t now)
{
	uint32_t n, i, sent = 0;

	if (!tx->running)
		return 0;
	if (now >= tx->deadline_us || tx->left == 0) {
		tx->running = 0;
		return 0;
	}
	/* a late poll catches up in bursts of at most 16, gentler on the receiver's buffers */
	n = pgfw_pacer_due(&tx->pacer, now, 16);
	for (i = 0; i < n; i++) {
		if (pgfw_udp_tx_one(tx, tx->seq + 1) != 0) {
			/* Out of buffers: try again on the next poll (counts as pacing slip). */
			tx->send_errors++;
			break;
		}
		tx->seq++;
		tx->pacer.sent++;
		tx->bytes += tx->len;
		if (tx->left != UINT64_MAX)
			tx->left = tx->left > tx->len ? tx->left - tx->len : 0;
		if (tx->first_us == 0)
			tx->first_us = now;
		tx->last_us = now;
		sent++;
		if (tx->left == 0) {
			tx->running = 0;
			break;
		}
	}
	return sent;
}

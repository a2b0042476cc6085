/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "dwc_ring.h"

static void no_barrier(void)
{
}

void dwc_tx_init(struct dwc_tx_ring *r, struct dwc_desc *desc, void **cookie, uint32_t n, dwc_barrier_fn b)
{
	uint32_t i;

	r->desc = desc;
	r->cookie = cookie;
	r->n = n;
	r->head = r->tail = r->used = 0;
	r->barrier = b != NULL ? b : no_barrier;
	for (i = 0; i < n; i++) {
		desc[i].des[0] = desc[i].des[1] = desc[i].des[2] = desc[i].des[3] = 0;
		cookie[i] = NULL;
	}
}

int dwc_tx_post(struct dwc_tx_ring *r, const struct dwc_seg *seg, uint32_t nseg, int csum_offload, void *cookie)
{
	uint32_t i, idx, first = r->head, frame_len = 0;

	if (nseg == 0)
		return -EINVAL;
	for (i = 0; i < nseg; i++) {
		if (seg[i].len == 0 || seg[i].len > DWC_TDES2_B1L_MASK)
			return -EINVAL;
		frame_len += seg[i].len;
	}
	if (frame_len > DWC_TDES3_FL_MASK)
		return -EINVAL;
	if (r->used + nseg > r->n)
		return -ENOBUFS;
	for (i = 0, idx = first; i < nseg; i++) {
		struct dwc_desc *d = &r->desc[idx];
		uint32_t d3 = frame_len & DWC_TDES3_FL_MASK;

		if (i == 0)
			d3 |= DWC_TDES3_FD;
		if (i == nseg - 1)
			d3 |= DWC_TDES3_LD;
		if (csum_offload)
			d3 |= DWC_TDES3_CIC_FULL;
		d->des[0] = seg[i].addr;
		d->des[1] = 0;
		d->des[2] = (seg[i].len & DWC_TDES2_B1L_MASK) | (i == nseg - 1 ? DWC_TDES2_IOC : 0);
		/* the first descriptor is handed over last */
		d->des[3] = i == 0 ? d3 : d3 | DWC_TDES3_OWN;
		/* the frame's cookie sits on its last descriptor: released once the whole frame is done */
		r->cookie[idx] = i == nseg - 1 ? cookie : NULL;
		idx = idx + 1 == r->n ? 0 : idx + 1;
	}
	r->barrier();
	r->desc[first].des[3] |= DWC_TDES3_OWN;
	r->barrier();
	r->head = idx;
	r->used += nseg;
	return 0;
}

uint32_t dwc_tx_reclaim(struct dwc_tx_ring *r, void (*release)(void *cookie), uint32_t *errors)
{
	uint32_t frames = 0;

	while (r->used > 0) {
		struct dwc_desc *d = &r->desc[r->tail];
		uint32_t d3 = d->des[3];
		void *c;

		if (d3 & DWC_TDES3_OWN)
			break;
		/* write-back: LD and ES are meaningful on the last descriptor of a frame */
		c = r->cookie[r->tail];
		r->cookie[r->tail] = NULL;
		if (c != NULL) {
			if ((d3 & DWC_TDES3_WB_ES) && errors != NULL)
				(*errors)++;
			if (release != NULL)
				release(c);
			frames++;
		}
		d->des[3] = 0;
		r->tail = r->tail + 1 == r->n ? 0 : r->tail + 1;
		r->used--;
	}
	return frames;
}

void dwc_rx_init(struct dwc_rx_ring *r, struct dwc_desc *desc, void **cookie, uint32_t *addr, uint32_t n,
		 uint32_t buf_len, void *const *bufs, const uint32_t *addrs, dwc_barrier_fn b)
{
	uint32_t i;

	r->desc = desc;
	r->cookie = cookie;
	r->addr = addr;
	r->n = n;
	r->next = 0;
	r->buf_len = buf_len;
	r->barrier = b != NULL ? b : no_barrier;
	for (i = 0; i < n; i++)
		dwc_rx_refill(r, i, bufs[i], addrs[i]);
}

int dwc_rx_poll(struct dwc_rx_ring *r, struct dwc_rx_frame *f)
{
	struct dwc_desc *d = &r->desc[r->next];
	uint32_t d3 = d->des[3], d1, len;

	if (d3 & DWC_RDES3_OWN)
		return 0;
	d1 = d->des[1];
	len = d3 & DWC_RDES3_WB_PL_MASK;
	f->index = r->next;
	f->cookie = r->cookie[r->next];
	/* Buffers are sized for a whole frame: one spanning descriptors (FD without LD, or LD
	 * without FD) means a giant or a lost start, and is dropped piece by piece. */
	f->error = (d3 & DWC_RDES3_WB_ES) || !(d3 & DWC_RDES3_WB_FD) || !(d3 & DWC_RDES3_WB_LD) || len < 4 ||
		   len > r->buf_len;
	f->len = f->error ? 0 : len - 4; /* the FCS */
	f->csum_bad = (d1 & (DWC_RDES1_WB_IPCE | DWC_RDES1_WB_IPHE)) != 0;
	r->cookie[r->next] = NULL;
	r->next = r->next + 1 == r->n ? 0 : r->next + 1;
	return 1;
}

void dwc_rx_refill(struct dwc_rx_ring *r, uint32_t index, void *cookie, uint32_t addr)
{
	struct dwc_desc *d = &r->desc[index];

	r->cookie[index] = cookie;
	r->addr[index] = addr;
	d->des[0] = addr;
	d->des[1] = 0;
	d->des[2] = 0;
	r->barrier();
	d->des[3] = DWC_RDES3_OWN | DWC_RDES3_IOC | DWC_RDES3_BUF1V;
	r->barrier();
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Descriptor-ring management for the Synopsys DWC Ethernet QoS DMA (STM32N6 ETH1, like the
 * H7/H5 ones): 4-word normal descriptors, one TX and one RX ring. Portable and free of
 * register access so the host unit tests drive it against a simulated DMA engine; the board
 * driver (ports/stm32n6/eth.c) only moves tail pointers and hands buffers to lwIP.
 *
 * Ownership: a descriptor with OWN set belongs to the DMA. The driver fills a frame's
 * descriptors with OWN on every one but the first, then sets the first's OWN last, so the
 * engine never starts a half-written frame. Completed descriptors are reclaimed in order.
 */
#ifndef PGFW_DWC_RING_H
#define PGFW_DWC_RING_H

#include <stddef.h>
#include <stdint.h>

struct dwc_desc {
	volatile uint32_t des[4];
};
_Static_assert(sizeof(struct dwc_desc) == 16, "DWC QoS normal descriptor is 4 words");

/* TX, read format (driver -> DMA) */
#define DWC_TDES2_IOC (1u << 31)
#define DWC_TDES2_B1L_MASK 0x3fffu            /* buffer 1 length, bits 13:0 */
#define DWC_TDES3_OWN (1u << 31)
#define DWC_TDES3_FD (1u << 29)
#define DWC_TDES3_LD (1u << 28)
#define DWC_TDES3_CIC_FULL (3u << 16)          /* IP header + payload checksum insertion */
#define DWC_TDES3_FL_MASK 0x7fffu              /* frame length, bits 14:0 */
/* TX, write-back */
#define DWC_TDES3_WB_ES (1u << 15)             /* error summary */
/* RX, read format */
#define DWC_RDES3_OWN (1u << 31)
#define DWC_RDES3_IOC (1u << 30)
#define DWC_RDES3_BUF1V (1u << 24)
/* RX, write-back */
#define DWC_RDES3_WB_FD (1u << 29)
#define DWC_RDES3_WB_LD (1u << 28)
#define DWC_RDES3_WB_ES (1u << 15)
#define DWC_RDES3_WB_PL_MASK 0x7fffu           /* packet length incl. FCS, bits 14:0 */
#define DWC_RDES1_WB_IPCE (1u << 7)            /* IP payload checksum error */
#define DWC_RDES1_WB_IPHE (1u << 3)            /* IP header error */

/* Memory-ordering hook: the board makes descriptor writes visible before the next ones
 * (DMB on the M55; the ring memory itself is MPU non-cacheable). */
typedef void (*dwc_barrier_fn)(void);

struct dwc_tx_ring {
	struct dwc_desc *desc;
	void **cookie;      /* per descriptor: what to release when its frame completes */
	uint32_t n;
	uint32_t head;      /* next descriptor to fill */
	uint32_t tail;      /* next descriptor to reclaim */
	uint32_t used;      /* descriptors owned by the DMA or awaiting reclaim */
	dwc_barrier_fn barrier;
};

struct dwc_seg {
	uint32_t addr;      /* bus address of the buffer */
	uint32_t len;       /* 1..DWC_TDES2_B1L_MASK */
};

struct dwc_rx_ring {
	struct dwc_desc *desc;
	void **cookie;      /* per descriptor: the buffer's owner (a pbuf) */
	uint32_t *addr;     /* per descriptor: the buffer's bus address */
	uint32_t n;
	uint32_t next;      /* next descriptor to look at */
	uint32_t buf_len;
	dwc_barrier_fn barrier;
};

struct dwc_rx_frame {
	void *cookie;       /* the buffer holding the frame */
	uint32_t len;       /* frame length without FCS */
	uint32_t index;     /* descriptor to refill */
	int error;          /* 1: errored frame (or one spanning buffers): drop it */
	int csum_bad;       /* hardware saw a bad IP header/payload checksum */
};

/* Sets up an empty TX ring (all descriptors driver-owned). */
void dwc_tx_init(struct dwc_tx_ring *r, struct dwc_desc *desc, void **cookie, uint32_t n, dwc_barrier_fn b);
/* Posts one frame of nseg buffers; cookie is returned by reclaim when it completes.
 * Returns 0, -EINVAL (no segment, a bad length) or -ENOBUFS (ring full: retry later). */
int dwc_tx_post(struct dwc_tx_ring *r, const struct dwc_seg *seg, uint32_t nseg, int csum_offload, void *cookie);
/* Releases completed frames in order through release(cookie); returns how many, and adds
 * frames the DMA flagged with an error to *errors. */
uint32_t dwc_tx_reclaim(struct dwc_tx_ring *r, void (*release)(void *cookie), uint32_t *errors);
/* Index of the descriptor the tail pointer register must point at after posting. */
static inline uint32_t dwc_tx_tail_index(const struct dwc_tx_ring *r)
{
	return r->head;
}

/* Arms every RX descriptor with a buffer: bufs[i]/addrs[i], each buf_len bytes. */
void dwc_rx_init(struct dwc_rx_ring *r, struct dwc_desc *desc, void **cookie, uint32_t *addr, uint32_t n,
		 uint32_t buf_len, void *const *bufs, const uint32_t *addrs, dwc_barrier_fn b);
/* Takes the next completed descriptor. Returns 1 and fills *f, or 0 if the DMA still owns
 * it. Every returned descriptor must be given back with dwc_rx_refill (same or new buffer). */
int dwc_rx_poll(struct dwc_rx_ring *r, struct dwc_rx_frame *f);
/* Re-arms descriptor index with a buffer and hands it to the DMA. */
void dwc_rx_refill(struct dwc_rx_ring *r, uint32_t index, void *cookie, uint32_t addr);

#endif /* PGFW_DWC_RING_H */

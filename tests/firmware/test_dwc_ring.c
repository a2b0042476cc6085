/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host unit tests of the STM32N6 Ethernet driver's descriptor rings (firmware/stm32n6/
 * drivers/dwc_ring.c) against a simulated DWC Ethernet QoS DMA engine that follows the
 * descriptor contract: it consumes OWN descriptors strictly in order, checks FD/LD framing
 * and lengths, writes back (clears OWN, sets status), and never reads a descriptor the
 * driver has not handed over.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dwc_ring.h"

#define TXN 8
#define RXN 4
#define BUF 1536

/* ------------------------------------------------------------ simulated TX DMA */

static struct dwc_desc txd[TXN];
static void *txc[TXN];
static struct dwc_tx_ring tx;
static uint32_t dma_tx_pos;      /* the engine's current descriptor */
static uint32_t dma_frames, dma_bytes;
static uint32_t dma_in_frame, dma_frame_len, dma_frame_sum;
static int dma_error_next;       /* write ES back on the next frame's last descriptor */
static int dma_budget = 1 << 30; /* descriptors the engine may consume per run */

static void dma_tx_run(void)
{
	int budget = dma_budget;

	while (budget-- > 0) {
		struct dwc_desc *d = &txd[dma_tx_pos];
		uint32_t d3 = d->des[3];

		if (!(d3 & DWC_TDES3_OWN))
			return; /* suspended until the tail pointer moves (here: next run) */
		if (d3 & DWC_TDES3_FD) {
			assert_int_equal(dma_in_frame, 0);
			dma_in_frame = 1;
			dma_frame_len = d3 & DWC_TDES3_FL_MASK;
			dma_frame_sum = 0;
		}
		assert_int_equal(dma_in_frame, 1); /* never a descriptor outside a frame */
		dma_frame_sum += d->des[2] & DWC_TDES2_B1L_MASK;
		if (d3 & DWC_TDES3_LD) {
			assert_int_equal(dma_frame_sum, dma_frame_len);
			assert_true(d->des[2] & DWC_TDES2_IOC);
			dma_in_frame = 0;
			dma_frames++;
			dma_bytes += dma_frame_len;
			d->des[3] = (d3 & ~DWC_TDES3_OWN) | (dma_error_next ? DWC_TDES3_WB_ES : 0);
			dma_error_next = 0;
		} else {
			d->des[3] = d3 & ~DWC_TDES3_OWN;
		}
		dma_tx_pos = (dma_tx_pos + 1) % TXN;
	}
}

/* The ring's barrier hook: the engine may run between any two ordered writes. */
static void barrier_runs_dma(void)
{
	dma_tx_run();
}

static uintptr_t released[4096];
static uint32_t nreleased;

static void release(void *c)
{
	released[nreleased++] = (uintptr_t)c;
}

static void tx_reset(dwc_barrier_fn b)
{
	dwc_tx_init(&tx, txd, txc, TXN, b);
	dma_tx_pos = 0;
	dma_frames = dma_bytes = 0;
	dma_in_frame = 0;
	dma_error_next = 0;
	dma_budget = 1 << 30;
	nreleased = 0;
}

static void test_tx_wraps_in_order(void **state)
{
	uint32_t posted = 0, bytes = 0, errors = 0, i;

	(void)state;
	tx_reset(barrier_runs_dma);
	for (i = 1; i <= 3000; i++) {
		struct dwc_seg s[3] = { { 0x1000, 14 + i % 50 }, { 0x2000, 1 + i % 1400 }, { 0x3000, 7 } };
		uint32_t nseg = 1 + i % 3, k;
		int rc = dwc_tx_post(&tx, s, nseg, i & 1, (void *)(uintptr_t)i);

		if (rc == -ENOBUFS) {
			/* the engine is allowed to be slow: reclaim and retry */
			dwc_tx_reclaim(&tx, release, &errors);
			rc = dwc_tx_post(&tx, s, nseg, i & 1, (void *)(uintptr_t)i);
		}
		assert_int_equal(rc, 0);
		posted++;
		for (k = 0; k < nseg; k++)
			bytes += s[k].len;
		if (i % 7 == 0)
			dwc_tx_reclaim(&tx, release, &errors);
		/* the engine sometimes lags several frames behind */
		dma_budget = (int)(i % 5);
		dma_tx_run();
		dma_budget = 1 << 30;
	}
	dma_tx_run();
	dwc_tx_reclaim(&tx, release, &errors);
	assert_int_equal(dma_frames, posted);
	assert_int_equal(dma_bytes, bytes);
	assert_int_equal(nreleased, posted);
	for (i = 0; i < nreleased; i++)
		assert_int_equal(released[i], i + 1); /* completion order = post order */
	assert_int_equal(tx.used, 0);
	assert_int_equal(errors, 0);
}

static void test_tx_full_and_partial_completion(void **state)
{
	struct dwc_seg s[2] = { { 0x1000, 100 }, { 0x2000, 200 } };
	uint32_t errors = 0;

	(void)state;
	tx_reset(NULL);
	/* 8 descriptors: four 2-segment frames fill the ring */
	assert_int_equal(dwc_tx_post(&tx, s, 2, 0, (void *)1), 0);
	assert_int_equal(dwc_tx_post(&tx, s, 2, 0, (void *)2), 0);
	assert_int_equal(dwc_tx_post(&tx, s, 2, 0, (void *)3), 0);
	assert_int_equal(dwc_tx_post(&tx, s, 2, 0, (void *)4), 0);
	assert_int_equal(dwc_tx_post(&tx, s, 1, 0, (void *)5), -ENOBUFS);
	assert_int_equal(dwc_tx_reclaim(&tx, release, &errors), 0); /* the DMA owns all of them */
	/* the engine finishes one frame and half of the next, the second with an error flag */
	dma_budget = 3;
	dma_error_next = 0;
	dma_tx_run();
	assert_int_equal(dwc_tx_reclaim(&tx, release, &errors), 1);
	/* frame 1 (2 descriptors) and the done first half of frame 2 are back: 5 in use */
	assert_int_equal(tx.used, 5);
	assert_int_equal(nreleased, 1);
	assert_int_equal(dwc_tx_post(&tx, s, 2, 0, (void *)5), 0);
	assert_int_equal(dwc_tx_post(&tx, s, 2, 0, (void *)6), -ENOBUFS);
	assert_int_equal(dwc_tx_post(&tx, s, 1, 0, (void *)6), 0);
	dma_budget = 1 << 30;
	dma_error_next = 1; /* frame 2's last descriptor reports an error */
	dma_tx_run();
	assert_int_equal(dwc_tx_reclaim(&tx, release, &errors), 5);
	assert_int_equal(errors, 1);
	assert_int_equal(nreleased, 6);
	assert_int_equal(released[5], 6);
	assert_int_equal(tx.used, 0);
	assert_int_equal(dwc_tx_tail_index(&tx), 3); /* 11 descriptors used: wrapped once */
}

static void test_tx_rejects_bad_frames(void **state)
{
	struct dwc_seg big = { 0x1000, DWC_TDES2_B1L_MASK + 1 }, zero = { 0x1000, 0 };

	(void)state;
	tx_reset(NULL);
	assert_int_equal(dwc_tx_post(&tx, &big, 1, 0, NULL), -EINVAL);
	assert_int_equal(dwc_tx_post(&tx, &zero, 1, 0, NULL), -EINVAL);
	assert_int_equal(dwc_tx_post(&tx, &zero, 0, 0, NULL), -EINVAL);
	assert_int_equal(tx.used, 0);
}

static void test_tx_csum_and_ownership_bits(void **state)
{
	struct dwc_seg s[2] = { { 0xaaaa0000, 60 }, { 0xbbbb0000, 40 } };

	(void)state;
	tx_reset(NULL);
	assert_int_equal(dwc_tx_post(&tx, s, 2, 1, (void *)9), 0);
	assert_int_equal(txd[0].des[0], 0xaaaa0000);
	assert_int_equal(txd[0].des[3] & (DWC_TDES3_OWN | DWC_TDES3_FD | DWC_TDES3_LD),
			 DWC_TDES3_OWN | DWC_TDES3_FD);
	assert_int_equal(txd[0].des[3] & DWC_TDES3_CIC_FULL, DWC_TDES3_CIC_FULL);
	assert_int_equal(txd[0].des[3] & DWC_TDES3_FL_MASK, 100);
	assert_int_equal(txd[1].des[3] & (DWC_TDES3_OWN | DWC_TDES3_LD), DWC_TDES3_OWN | DWC_TDES3_LD);
	assert_int_equal(txd[1].des[2], 40u | DWC_TDES2_IOC);
	assert_int_equal(txd[0].des[2] & DWC_TDES2_IOC, 0);
}

/* ------------------------------------------------------------ simulated RX DMA */

static struct dwc_desc rxd[RXN];
static void *rxc[RXN];
static uint32_t rxa[RXN];
static struct dwc_rx_ring rx;
static uint8_t pool[16][BUF];
static uint32_t dma_rx_pos;

/* Delivers one frame (len without FCS) into the next descriptor; 0 if the ring is full. */
static int dma_rx_deliver(uint32_t len, uint32_t extra_flags, uint32_t clear_flags, uint8_t fill)
{
	struct dwc_desc *d = &rxd[dma_rx_pos];

	if (!(d->des[3] & DWC_RDES3_OWN))
		return 0;
	assert_true(d->des[3] & DWC_RDES3_BUF1V);
	memset(pool[d->des[0]], fill, len < BUF ? len : BUF);
	d->des[1] = extra_flags & (DWC_RDES1_WB_IPCE | DWC_RDES1_WB_IPHE);
	d->des[3] = (((len + 4) & DWC_RDES3_WB_PL_MASK) | DWC_RDES3_WB_FD | DWC_RDES3_WB_LD |
		     (extra_flags & DWC_RDES3_WB_ES)) & ~clear_flags;
	dma_rx_pos = (dma_rx_pos + 1) % RXN;
	return 1;
}

static void rx_reset(void)
{
	void *bufs[RXN];
	uint32_t addrs[RXN], i;

	for (i = 0; i < RXN; i++) {
		bufs[i] = pool[i];
		addrs[i] = i; /* "bus address" = pool index */
	}
	dwc_rx_init(&rx, rxd, rxc, rxa, RXN, BUF, bufs, addrs, NULL);
	dma_rx_pos = 0;
}

static void test_rx_wraps_and_refills(void **state)
{
	uint32_t delivered = 0, got = 0, spare = RXN, i;
	struct dwc_rx_frame f;

	(void)state;
	rx_reset();
	for (i = 0; i < 2000; i++) {
		uint32_t len = 60 + (i * 37) % 1450;

		if (dma_rx_deliver(len, 0, 0, (uint8_t)i))
			delivered++;
		else
			assert_int_equal(dwc_rx_poll(&rx, &f) == 0, 0); /* full ring: the driver has work */
		if (i % 3 == 0) {
			while (dwc_rx_poll(&rx, &f)) {
				assert_int_equal(f.error, 0);
				assert_true(f.len >= 60 && f.len < 1510);
				assert_int_equal(((uint8_t *)f.cookie)[0], ((uint8_t *)f.cookie)[f.len - 1]);
				got++;
				/* rotate buffers through a spare pool, like pbufs would */
				dwc_rx_refill(&rx, f.index, pool[spare], spare);
				spare = spare + 1 == 16 ? RXN : spare + 1;
				(void)f.cookie;
			}
		}
	}
	while (dwc_rx_poll(&rx, &f)) {
		got++;
		dwc_rx_refill(&rx, f.index, f.cookie, rxa[f.index]);
	}
	assert_int_equal(got, delivered);
	assert_true(delivered > 1000);
}

static void test_rx_errors_are_dropped_and_rearmed(void **state)
{
	struct dwc_rx_frame f;

	(void)state;
	rx_reset();
	assert_int_equal(dwc_rx_poll(&rx, &f), 0); /* nothing yet */
	assert_true(dma_rx_deliver(100, DWC_RDES3_WB_ES, 0, 1));            /* CRC error */
	assert_true(dma_rx_deliver(1500, 0, DWC_RDES3_WB_LD, 2));           /* spans buffers */
	assert_true(dma_rx_deliver(200, DWC_RDES1_WB_IPCE, 0, 3));          /* bad checksum */
	assert_true(dma_rx_deliver(64, 0, 0, 4));
	assert_false(dma_rx_deliver(64, 0, 0, 5));                           /* ring full */
	assert_int_equal(dwc_rx_poll(&rx, &f), 1);
	assert_int_equal(f.error, 1);
	dwc_rx_refill(&rx, f.index, f.cookie, rxa[f.index]);
	assert_int_equal(dwc_rx_poll(&rx, &f), 1);
	assert_int_equal(f.error, 1);
	dwc_rx_refill(&rx, f.index, f.cookie, rxa[f.index]);
	assert_int_equal(dwc_rx_poll(&rx, &f), 1);
	assert_int_equal(f.error, 0);
	assert_int_equal(f.csum_bad, 1);
	assert_int_equal(f.len, 200);
	dwc_rx_refill(&rx, f.index, f.cookie, rxa[f.index]);
	assert_int_equal(dwc_rx_poll(&rx, &f), 1);
	assert_int_equal(f.len, 64);
	assert_int_equal(((uint8_t *)f.cookie)[0], 4);
	dwc_rx_refill(&rx, f.index, f.cookie, rxa[f.index]);
	assert_int_equal(dwc_rx_poll(&rx, &f), 0);
	/* all re-armed: the engine can fill the whole ring again */
	assert_true(dma_rx_deliver(64, 0, 0, 6));
	assert_true(dma_rx_deliver(64, 0, 0, 7));
	assert_true(dma_rx_deliver(64, 0, 0, 8));
	assert_true(dma_rx_deliver(64, 0, 0, 9));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tx_wraps_in_order),
		cmocka_unit_test(test_tx_full_and_partial_completion),
		cmocka_unit_test(test_tx_rejects_bad_frames),
		cmocka_unit_test(test_tx_csum_and_ownership_bits),
		cmocka_unit_test(test_rx_wraps_and_refills),
		cmocka_unit_test(test_rx_errors_are_dropped_and_rearmed),
	};

	return cmocka_run_group_tests_name("dwc_ring", tests, NULL, NULL);
}

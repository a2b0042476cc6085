/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TSC time base. It owns two things:
 *  - struct pg_tsc: the TSC rate measured against CLOCK_MONOTONIC_RAW (advertised
 *    rates, such as DPDK's rte_get_tsc_hz(), are off by ~1900 ppm on the VMs we
 *    run on) and division-free fixed-point conversions between cycles and ns.
 *    Calibrated once at start; the reporter refines it in place about once a
 *    second from the same start sample, so its error shrinks as 1/elapsed.
 *  - struct pg_clock: one lcore's timeline from its TSC to CLOCK_REALTIME ns.
 *    vCPUs' TSCs disagree by ~100 ns, so each lcore anchors on its own CPU and
 *    re-anchors about once a second by slewing (a bounded rate change, never a
 *    backward jump), stepping only when off by more than 1 ms.
 *
 * Threading: pg_tsc is written by pg_tsc_calibrate() before any lcore starts and
 * then only by pg_tsc_refine() on one thread; the fields the conversions read
 * are accessed with relaxed atomics, and the shifts never change after
 * calibration, so lcores may convert while the reporter refines. A pg_clock is
 * owned by one lcore (single writer and reader).
 */
#ifndef PG_TSC_H
#define PG_TSC_H

#include <stdint.h>
#include <time.h>

#ifndef pg_likely
#define pg_likely(x) __builtin_expect(!!(x), 1)
#define pg_unlikely(x) __builtin_expect(!!(x), 0)
#endif

/* One (TSC, clock) correspondence, taken as the tightest of a few
 * (clock, tsc, clock) triplets; ns is the middle of the two clock reads. */
struct pg_tsc_sample {
	uint64_t tsc;
	uint64_t ns;
	uint64_t width_ns;   /* distance between the two clock reads: the uncertainty */
};

struct pg_tsc {
	uint64_t hz;                 /* measured TSC rate */
	uint64_t ns_mult;            /* ns = (cycles * ns_mult) >> ns_shift (128-bit product) */
	uint32_t ns_shift;
	uint64_t cyc_mult;           /* cycles = (ns * cyc_mult) >> cyc_shift */
	uint32_t cyc_shift;
	uint64_t advertised_hz;      /* what DPDK's rte_get_tsc_hz() would say, see advertised_src */
	const char *advertised_src;  /* "cpuid-0x15", "cpuid-0x16", "hypervisor", "10MHz-rounded" */
	double ppm_vs_advertised;    /* (advertised - measured) / measured * 1e6 */
	double uncertainty_ppm;      /* bound on hz error from the two samples' widths */
	struct pg_tsc_sample start;  /* baseline start, kept for pg_tsc_refine() */
	struct pg_tsc_sample last;   /* latest baseline end */
	unsigned int refines;        /* accepted refinements */
};

/* Per-lcore TSC -> CLOCK_REALTIME timeline: now = ns0 + (tsc - tsc0) * slope. */
struct pg_clock {
	uint64_t tsc0;
	uint64_t ns0;
	uint64_t mult;               /* slope in ns per cycle, fixed point, >> shift */
	uint32_t shift;
	/* for re-anchoring (cold) */
	uint64_t base_tsc;           /* REALTIME rate baseline: first sample after last step */
	uint64_t base_ns;
	int64_t last_err_ns;         /* timeline - REALTIME measured at the last (re)anchor */
	uint64_t reanchors;
	uint64_t steps;              /* times the error exceeded PG_CLOCK_STEP_NS */
	double slew_ppm;             /* phase correction currently applied */
};

#define PG_CLOCK_STEP_NS 1000000ull   /* above this error, step instead of slewing */
#define PG_CLOCK_MAX_SLEW_PPM 500.0   /* bound on the phase correction rate */

/* Read the TSC (not serialising: DPDK's rte_rdtsc()). */
static inline uint64_t pg_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

__extension__ typedef unsigned __int128 pg_tsc_u128_t_;

/* Convert a TSC delta to ns. No division. */
static inline uint64_t pg_tsc_to_ns(const struct pg_tsc *t, uint64_t cycles)
{
	uint64_t m = __atomic_load_n(&t->ns_mult, __ATOMIC_RELAXED);

	return (uint64_t)(((pg_tsc_u128_t_)cycles * m) >> t->ns_shift);
}

/* Convert ns to a TSC delta. No division. */
static inline uint64_t pg_ns_to_tsc(const struct pg_tsc *t, uint64_t ns)
{
	uint64_t m = __atomic_load_n(&t->cyc_mult, __ATOMIC_RELAXED);

	return (uint64_t)(((pg_tsc_u128_t_)ns * m) >> t->cyc_shift);
}

/*
 * A byte budget growing at a rate from a start on the TSC (TCP with -b: a sender releases
 * no more than rate x elapsed to its engine). q: bytes per cycle, 32.32 fixed point; 0 =
 * no rate. The one division is at the start.
 */
struct pg_pace {
	uint64_t t0, q;
};

static inline void pg_pace_start(struct pg_pace *p, const struct pg_tsc *t, uint64_t bits_per_s,
				 uint64_t now)
{
	double q = (double)bits_per_s / 8.0 * 4294967296.0 / (double)t->hz;

	p->t0 = now;
	p->q = !bits_per_s ? 0 : q < 1 ? 1 : (uint64_t)q;
}

/* Bytes the rate allows from the start to now. */
static inline uint64_t pg_pace_budget(const struct pg_pace *p, uint64_t now)
{
	return (uint64_t)(((pg_tsc_u128_t_)(now - p->t0) * p->q) >> 32);
}

/*
 * Measure the TSC rate against CLOCK_MONOTONIC_RAW over ms milliseconds
 * (slept, not spun), keeping the start sample for pg_tsc_refine(). 200 ms
 * gives ~1 ppm here; more is better.
 * Errors: -ENOTSUP if the TSC is not invariant (no constant_tsc + nonstop_tsc,
 * no CPUID invariant-TSC bit) or not x86; -EINVAL if ms is 0 or t is NULL;
 * -EIO if the clock or TSC misbehaves (no progress, clock_gettime failing).
 */
int pg_tsc_calibrate(struct pg_tsc *t, unsigned int ms);

/*
 * Re-measure hz from the calibration start sample to now and update t in
 * place (hz, mults, uncertainty; shifts stay). Call on one thread only, e.g.
 * the reporter once a second: lcores converting concurrently see either the
 * old or the new multiplier. A new end sample whose window gives a larger
 * uncertainty than the current one is ignored.
 * Errors: -EINVAL if t was not calibrated; -EAGAIN if the sample was too noisy
 * (preempted) or the estimate moved by more than 1000 ppm (not applied).
 */
int pg_tsc_refine(struct pg_tsc *t);

/* Take a min-latency (clock, tsc) sample of clock clk on the calling CPU.
 * Errors: -EINVAL if clock_gettime(clk) fails. */
int pg_tsc_sample(struct pg_tsc_sample *s, clockid_t clk);

/*
 * Anchor c to CLOCK_REALTIME on the calling CPU, which must be the CPU whose
 * TSC values will be converted (the owning lcore). The initial slope is t's
 * rate corrected by the kernel's NTP frequency for REALTIME.
 */
void pg_clock_anchor(struct pg_clock *c, const struct pg_tsc *t);

/* Current timeline value (REALTIME ns) for a TSC value read on the owning CPU. */
static inline uint64_t pg_clock_now_ns(const struct pg_clock *c, uint64_t tsc)
{
	uint64_t d = tsc - c->tsc0;

	if (pg_unlikely((int64_t)d < 0))   /* a TSC read before the last re-anchor */
		return c->ns0 - (uint64_t)(((pg_tsc_u128_t_)(0 - d) * c->mult) >> c->shift);
	return c->ns0 + (uint64_t)(((pg_tsc_u128_t_)d * c->mult) >> c->shift);
}

/*
 * Re-anchor about once a second from the owning lcore: measure the timeline's
 * error against REALTIME and continue from the current timeline value with a
 * slope that removes the error over the next second (at most
 * PG_CLOCK_MAX_SLEW_PPM away from the measured REALTIME rate), so later
 * TSC values never map to earlier times. If the error exceeds PG_CLOCK_STEP_NS
 * (someone set the clock), step to REALTIME and count it in c->steps.
 */
void pg_clock_reanchor(struct pg_clock *c, const struct pg_tsc *t);

#endif /* PG_TSC_H */

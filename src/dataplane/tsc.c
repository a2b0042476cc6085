/* SPDX-License-Identifier: BSD-3-Clause */
/* TSC calibration against CLOCK_MONOTONIC_RAW and per-lcore REALTIME timelines. */
#include "tsc.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/timex.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define PG_TSC_X86 1
#endif

#define SAMPLE_TRIES 32            /* triplets per sample; ~2 us in all */
#define SAMPLE_RETRIES 8           /* samples tried when all triplets were preempted */
#define SAMPLE_MAX_WIDTH_NS 20000  /* a sample wider than this was preempted */
#define REFINE_MAX_JUMP_PPM 1000.0
#define MULT_LIMIT (1ull << 63)    /* headroom so refinement never overflows a mult */

__extension__ typedef unsigned __int128 u128;

/* rdtsc that neither starts before earlier loads nor lets later ones pass it,
 * so it really sits between the two clock reads of a triplet. */
static inline uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline int clock_ns(clockid_t clk, uint64_t *ns)
{
	struct timespec ts;

	if (clock_gettime(clk, &ts))
		return -1;
	*ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return 0;
}

static int sample_once(struct pg_tsc_sample *s, clockid_t clk)
{
	uint64_t a, b, c, best = UINT64_MAX;
	int i;

	for (i = 0; i < SAMPLE_TRIES; i++) {
		if (clock_ns(clk, &a))
			return -EINVAL;
		c = rdtsc_ordered();
		if (clock_ns(clk, &b))
			return -EINVAL;
		if (b < a || b - a >= best)
			continue;
		best = b - a;
		s->tsc = c;
		s->ns = a + best / 2;
		s->width_ns = best;
	}
	return best == UINT64_MAX ? -EIO : 0;
}

int pg_tsc_sample(struct pg_tsc_sample *s, clockid_t clk)
{
	int i, rc = 0;

	for (i = 0; i < SAMPLE_RETRIES; i++) {
		rc = sample_once(s, clk);
		if (rc || s->width_ns <= SAMPLE_MAX_WIDTH_NS)
			return rc;
	}
	return 0;   /* keep the last, wide sample: its width says how bad it is */
}

#ifdef PG_TSC_X86
static int cpuinfo_has_flag(const char *flag)
{
	char line[4096];
	size_t fl = strlen(flag);
	int found = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		const char *p = line;

		if (strncmp(line, "flags", 5))
			continue;
		while ((p = strstr(p, flag))) {
			if (p[-1] == ' ' && (p[fl] == ' ' || p[fl] == '\n' || p[fl] == '\0')) {
				found = 1;
				break;
			}
			p += fl;
		}
		break;   /* the first CPU's flags are enough */
	}
	fclose(f);
	return found;
}

static int tsc_invariant(void)
{
	unsigned int a, b, c, d;

	/* CPUID 0x80000007 EDX bit 8: invariant TSC (hypervisors may hide it) */
	if ((unsigned int)__get_cpuid_max(0x80000000, NULL) >= 0x80000007u) {
		__cpuid(0x80000007, a, b, c, d);
		if (d & (1u << 8))
			return 1;
	}
	return cpuinfo_has_flag("constant_tsc") && cpuinfo_has_flag("nonstop_tsc");
}

/* What DPDK's rte_get_tsc_hz() would report: CPUID's stated rate when the CPU or
 * hypervisor states one, otherwise DPDK's Linux fallback, a measurement rounded
 * to the nearest 10 MHz (which is where the ~1900 ppm error here comes from). */
static uint64_t advertised_hz(uint64_t measured, const char **src)
{
	unsigned int a, b, c, d, max = (unsigned int)__get_cpuid_max(0, NULL);

	if (max >= 0x15) {
		__cpuid(0x15, a, b, c, d);
		if (a && b && c) {
			*src = "cpuid-0x15";
			return (uint64_t)c * b / a;
		}
	}
	if (max >= 0x16) {
		__cpuid(0x16, a, b, c, d);
		if (a) {
			*src = "cpuid-0x16";
			return (uint64_t)a * 1000000ull;
		}
	}
	__cpuid(0x40000000, a, b, c, d);
	if (a >= 0x40000010) {
		__cpuid(0x40000010, a, b, c, d);
		if (a) {
			*src = "hypervisor";
			return (uint64_t)a * 1000ull;
		}
	}
	*src = "10MHz-rounded";
	return (measured + 5000000ull) / 10000000ull * 10000000ull;
}
#endif

/* Smallest-error fixed point: the largest shift (<= 64) whose multiplier is
 * below 2^63, so the product with any 64-bit value fits in 128 bits. */
static uint32_t pick_shift(uint64_t num, uint64_t den)
{
	uint32_t shift = 64;

	while (shift > 0 && (((u128)num << shift) + den / 2) / den >= MULT_LIMIT)
		shift--;
	return shift;
}

static uint64_t fixed_mult(uint64_t num, uint64_t den, uint32_t shift)
{
	return (uint64_t)((((u128)num << shift) + den / 2) / den);
}

/* hz from two samples; 0 if they make no sense */
static uint64_t hz_between(const struct pg_tsc_sample *s0, const struct pg_tsc_sample *s1,
			   double *unc_ppm)
{
	uint64_t dt, dn;

	if (s1->tsc <= s0->tsc || s1->ns <= s0->ns)
		return 0;
	dt = s1->tsc - s0->tsc;
	dn = s1->ns - s0->ns;
	if (unc_ppm)
		*unc_ppm = ((double)s0->width_ns + (double)s1->width_ns) / 2.0 / (double)dn * 1e6;
	return (uint64_t)(((u128)dt * 1000000000ull + dn / 2) / dn);
}

static void set_rate(struct pg_tsc *t, uint64_t hz)
{
	__atomic_store_n(&t->ns_mult, fixed_mult(1000000000ull, hz, t->ns_shift), __ATOMIC_RELAXED);
	__atomic_store_n(&t->cyc_mult, fixed_mult(hz, 1000000000ull, t->cyc_shift), __ATOMIC_RELAXED);
	__atomic_store_n(&t->hz, hz, __ATOMIC_RELAXED);
	if (t->advertised_hz)
		t->ppm_vs_advertised = ((double)t->advertised_hz - (double)hz) / (double)hz * 1e6;
}

int pg_tsc_calibrate(struct pg_tsc *t, unsigned int ms)
{
#ifdef PG_TSC_X86
	struct pg_tsc_sample s0, s1;
	struct timespec req, rem;
	double unc;
	uint64_t hz;
	int rc;

	if (!t || !ms)
		return -EINVAL;
	if (!tsc_invariant())
		return -ENOTSUP;
	memset(t, 0, sizeof(*t));

	rc = pg_tsc_sample(&s0, CLOCK_MONOTONIC_RAW);
	if (rc)
		return -EIO;
	req.tv_sec = ms / 1000;
	req.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&req, &rem) && errno == EINTR)
		req = rem;
	rc = pg_tsc_sample(&s1, CLOCK_MONOTONIC_RAW);
	if (rc)
		return -EIO;
	hz = hz_between(&s0, &s1, &unc);
	if (hz < 1000000ull)   /* also 0: the TSC or the clock did not advance */
		return -EIO;

	t->ns_shift = pick_shift(1000000000ull, hz);
	t->cyc_shift = pick_shift(hz, 1000000000ull);
	t->advertised_hz = advertised_hz(hz, &t->advertised_src);
	set_rate(t, hz);
	t->uncertainty_ppm = unc;
	t->start = s0;
	t->last = s1;
	return 0;
#else
	(void)t;
	(void)ms;
	return -ENOTSUP;
#endif
}

int pg_tsc_refine(struct pg_tsc *t)
{
	struct pg_tsc_sample s1;
	uint64_t hz, cur;
	double unc;

	if (!t || !t->hz || !t->start.tsc)
		return -EINVAL;
	if (pg_tsc_sample(&s1, CLOCK_MONOTONIC_RAW))
		return -EAGAIN;
	hz = hz_between(&t->start, &s1, &unc);
	cur = t->hz;
	if (!hz || unc >= t->uncertainty_ppm)
		return -EAGAIN;
	if (((double)hz - (double)cur) / (double)cur * 1e6 > REFINE_MAX_JUMP_PPM ||
	    ((double)cur - (double)hz) / (double)cur * 1e6 > REFINE_MAX_JUMP_PPM)
		return -EAGAIN;
	set_rate(t, hz);
	t->uncertainty_ppm = unc;
	t->last = s1;
	t->refines++;
	return 0;
}

/* REALTIME advances at (tick / nominal tick) * (1 + freq) times MONOTONIC_RAW's
 * rate while NTP (or anyone using adjtimex) disciplines it; PLL phase slewing
 * on top of that is left to re-anchoring. */
static long double realtime_rate(void)
{
	struct timex tx;
	long hz = sysconf(_SC_CLK_TCK);
	long double r = 1.0L;

	memset(&tx, 0, sizeof(tx));
	if (adjtimex(&tx) < 0)
		return r;
	if (hz > 0 && tx.tick > 0)
		r *= (long double)tx.tick / (1000000.0L / hz);
	r *= 1.0L + (long double)tx.freq / 65536.0L / 1e6L;
	return r;
}

static uint64_t scaled_mult(uint64_t mult, long double factor)
{
	long double m = (long double)mult * factor;

	return m >= 18446744073709551615.0L ? UINT64_MAX : (uint64_t)(m + 0.5L);
}

void pg_clock_anchor(struct pg_clock *c, const struct pg_tsc *t)
{
	struct pg_tsc_sample s;

	memset(c, 0, sizeof(*c));
	if (pg_tsc_sample(&s, CLOCK_REALTIME))
		memset(&s, 0, sizeof(s));   /* cannot happen for CLOCK_REALTIME */
	c->shift = t->ns_shift;
	c->mult = scaled_mult(__atomic_load_n(&t->ns_mult, __ATOMIC_RELAXED), realtime_rate());
	c->tsc0 = s.tsc;
	c->ns0 = s.ns;
	c->base_tsc = s.tsc;
	c->base_ns = s.ns;
}

void pg_clock_reanchor(struct pg_clock *c, const struct pg_tsc *t)
{
	struct pg_tsc_sample s;
	uint64_t now, rate, dt, dn, since;
	int64_t err;
	long double horizon, corr;

	if (pg_tsc_sample(&s, CLOCK_REALTIME))
		return;
	now = pg_clock_now_ns(c, s.tsc);
	err = (int64_t)(now - s.ns);
	c->last_err_ns = err;
	c->reanchors++;

	if (err > (int64_t)PG_CLOCK_STEP_NS || err < -(int64_t)PG_CLOCK_STEP_NS) {
		/* Too far to slew in reasonable time: someone set the clock. */
		c->mult = scaled_mult(__atomic_load_n(&t->ns_mult, __ATOMIC_RELAXED), realtime_rate());
		c->tsc0 = s.tsc;
		c->ns0 = s.ns;
		c->base_tsc = s.tsc;
		c->base_ns = s.ns;
		c->slew_ppm = 0;
		c->steps++;
		return;
	}

	/* REALTIME's rate per cycle over the whole baseline since the last step:
	 * exact up to the two samples' widths, and it includes NTP's frequency. */
	dt = s.tsc - c->base_tsc;
	dn = s.ns - c->base_ns;
	if ((int64_t)dt > 0 && (int64_t)dn > 0 &&
	    pg_tsc_to_ns(t, dt) >= 100000000ull)
		rate = (uint64_t)((((u128)dn << c->shift) + dt / 2) / dt);
	else
		rate = scaled_mult(__atomic_load_n(&t->ns_mult, __ATOMIC_RELAXED), realtime_rate());

	/* Remove the error over about one re-anchor period (the last one). */
	since = pg_tsc_to_ns(t, s.tsc - c->tsc0);
	horizon = (long double)since;
	if (horizon < 1e8L)
		horizon = 1e8L;
	if (horizon > 1e10L)
		horizon = 1e10L;
	corr = -(long double)err / horizon * 1e6L;   /* ppm */
	if (corr > PG_CLOCK_MAX_SLEW_PPM)
		corr = PG_CLOCK_MAX_SLEW_PPM;
	if (corr < -PG_CLOCK_MAX_SLEW_PPM)
		corr = -PG_CLOCK_MAX_SLEW_PPM;
	c->slew_ppm = (double)corr;
	c->mult = scaled_mult(rate, 1.0L + corr / 1e6L);
	/* Continue from where the timeline is now: no jump at the anchor. */
	c->tsc0 = s.tsc;
	c->ns0 = now;
}

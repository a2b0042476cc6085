/* SPDX-License-Identifier: BSD-3-Clause */
/* Lcore list parsing, pinned thread launch and the idle back-off (setup and cold paths). */
#include "dataplane.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>

static int cpu_usable(int cpu, const cpu_set_t *allowed)
{
	return cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, allowed);
}

int pg_lcore_list_parse(const char *s, int *cpus, unsigned int max, unsigned int *n,
			char *err, size_t errlen)
{
	cpu_set_t allowed;
	const char *p = s;
	unsigned int cnt = 0;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		CPU_ZERO(&allowed);
	if (!s || !*s) {
		snprintf(err, errlen, "--lcores: empty list (example: --lcores 0-1)");
		return -EINVAL;
	}
	while (*p) {
		char *end;
		long a, b;

		errno = 0;
		a = strtol(p, &end, 10);
		if (end == p || errno || a < 0) {
			snprintf(err, errlen, "--lcores %s: expected CPU numbers like 2-5 or 0,2,4", s);
			return -EINVAL;
		}
		b = a;
		p = end;
		if (*p == '-') {
			p++;
			b = strtol(p, &end, 10);
			if (end == p || b < a) {
				snprintf(err, errlen, "--lcores %s: bad range (use LOW-HIGH)", s);
				return -EINVAL;
			}
			p = end;
		}
		for (long c = a; c <= b; c++) {
			if (!cpu_usable((int)c, &allowed)) {
				snprintf(err, errlen,
					 "--lcores %s: CPU %ld does not exist or is not allowed (this machine has CPUs 0-%ld)",
					 s, c, sysconf(_SC_NPROCESSORS_ONLN) - 1);
				return -ERANGE;
			}
			if (cnt == max) {
				snprintf(err, errlen, "--lcores %s: more than %u lcores", s, max);
				return -ERANGE;
			}
			cpus[cnt++] = (int)c;
		}
		if (*p == ',')
			p++;
		else if (*p) {
			snprintf(err, errlen, "--lcores %s: unexpected '%c'", s, *p);
			return -EINVAL;
		}
	}
	*n = cnt;
	return 0;
}

int pg_lcore_launch(struct pg_lcore *lc, void *(*fn)(void *))
{
	pthread_attr_t attr;
	cpu_set_t set;
	int rc;

	pthread_attr_init(&attr);
	CPU_ZERO(&set);
	CPU_SET(lc->cpu, &set);
	rc = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
	if (!rc)
		rc = pthread_create(&lc->thread, &attr, fn, lc);
	pthread_attr_destroy(&attr);
	return -rc;
}

void pg_backoff_idle(struct pg_backoff *b, enum pg_idle_mode mode, uint64_t max_sleep_ns,
		     struct pg_lcore_stats *st)
{
	struct timespec ts;

	if (mode == PG_IDLE_POLL) {
		__builtin_ia32_pause();
		return;
	}
	/* Spin briefly first: a busy flow refills within microseconds. */
	if (++b->empty < 64) {
		__builtin_ia32_pause();
		return;
	}
	if (b->sleep_ns == 0) {
		/* 1 us timer slack so short sleeps stay short (the default is 50 us). */
		prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
		b->sleep_ns = 1000;
	} else if (b->sleep_ns < 200000) {
		b->sleep_ns *= 2;
	}
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(b->sleep_ns < max_sleep_ns ? b->sleep_ns : max_sleep_ns);
	if (ts.tv_nsec < 1000)
		ts.tv_nsec = 1000;
	nanosleep(&ts, NULL);
	atomic_fetch_add_explicit(&st->idle_sleeps, 1, memory_order_relaxed);
}

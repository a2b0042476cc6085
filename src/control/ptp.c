/* SPDX-License-Identifier: BSD-3-Clause */
/* ptp4l management client thread and offset filter (see ptp.h). */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timex.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "latclock.h"
#include "ptp.h"
#include "ptp_mgmt.h"

#define PTP_POLL_NS 62500000ull   /* 16 Hz: ptp4l's fast settings sync at 16 Hz */
#define PTP_REPLY_MS 250
#define PTP_WINDOW 9
#define PTP_MIN_SAMPLES 5
#define PTP_STALE_NS 2000000000ull /* no new Sync for 2 s: the offset is not current */

struct pg_ptp {
	int fd;
	char path[108];
	struct pg_latclock *lc;
	struct pg_ptp_port_id self;
	uint16_t seq;
	pthread_t thread;
	int running;
	atomic_int stop;
	pthread_mutex_t mu;          /* guards the status below for describe/stats */
	uint8_t port_state;
	int gm_present;
	uint8_t gm[8];
	int64_t last_offset;
	int64_t last_ingress;
	uint64_t last_fresh_ns;      /* CLOCK_MONOTONIC of the last new ingress_time */
	int64_t win[PTP_WINDOW];
	unsigned int nwin, wpos;
	uint64_t samples, missed;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Sends a GET for id and waits for its RESPONSE. 0, -ETIMEDOUT, -EPROTO, -errno. */
static int query(struct pg_ptp *p, uint16_t id, struct pg_ptp_mgmt_msg *m, uint8_t *buf)
{
	uint16_t seq = p->seq++;
	int len = pg_ptp_mgmt_encode_get(buf, PG_PTP_MGMT_MAX_LEN, id, seq, &p->self);
	uint64_t deadline;

	if (len < 0)
		return len;
	if (send(p->fd, buf, (size_t)len, 0) != len)
		return -errno;
	deadline = mono_ns() + PTP_REPLY_MS * 1000000ull;
	for (;;) {
		struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
		uint64_t now = mono_ns();
		ssize_t n;
		int rc;

		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)((deadline - now) / 1000000u) + 1) <= 0)
			continue;
		n = recv(p->fd, buf, PG_PTP_MGMT_MAX_LEN, MSG_DONTWAIT);
		if (n < 0)
			continue;
		rc = pg_ptp_mgmt_decode(buf, (size_t)n, m);
		if ((rc == 0 || rc == -EPROTO) && m->sequence_id == seq && m->mgmt_id == id &&
		    (rc == -EPROTO || m->action == PG_PTP_ACTION_RESPONSE))
			return rc;
		/* anything else (a late reply, a push notification): keep waiting */
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Median of the window; bound = half the spread once the highest and lowest sample are
 * dropped (one outlier of the tens-of-us kind software timestamping shows does not
 * widen it), never below 1 ns.
 */
static void filter(const struct pg_ptp *p, int64_t *median, uint64_t *bound)
{
	int64_t s[PTP_WINDOW];
	unsigned int n = p->nwin;

	memcpy(s, p->win, n * sizeof(s[0]));
	qsort(s, n, sizeof(s[0]), cmp_i64);
	*median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	if (n >= 3)
		*bound = (uint64_t)(s[n - 2] - s[1]) / 2;
	else
		*bound = (uint64_t)(s[n - 1] - s[0]);
	if (*bound == 0)
		*bound = 1;
}

static int clock_disciplined(uint64_t *esterror_ns)
{
	struct timex tx = { .modes = 0 };

	if (adjtimex(&tx) < 0)
		return 0;
	*esterror_ns = (uint64_t)(tx.esterror > 0 ? tx.esterror : 0) * 1000u;
	return !(tx.status & STA_UNSYNC);
}

/* One poll round: TIME_STATUS_NP always, PORT_DATA_SET when asked. */
static void poll_once(struct pg_ptp *p, int want_port, uint8_t *buf)
{
	struct pg_ptp_mgmt_msg m;
	struct pg_latclock *lc = p->lc;
	uint64_t now = mono_ns();
	int64_t med;
	uint64_t bound;

	pthread_mutex_lock(&p->mu);
	if (want_port) {
		if (query(p, PG_PTP_MGMT_PORT_DATA_SET, &m, buf) == 0)
			p->port_state = m.u.pds.port_state;
		else
			p->missed++;
	}
	if (query(p, PG_PTP_MGMT_TIME_STATUS_NP, &m, buf) != 0) {
		p->missed++;
	} else {
		p->gm_present = m.u.ts.gm_present;
		memcpy(p->gm, m.u.ts.gm_identity, 8);
		p->last_offset = m.u.ts.master_offset_ns;
		if (m.u.ts.ingress_time_ns != 0 && m.u.ts.ingress_time_ns != p->last_ingress) {
			p->last_ingress = m.u.ts.ingress_time_ns;
			p->last_fresh_ns = now;
			p->win[p->wpos] = m.u.ts.master_offset_ns;
			p->wpos = (p->wpos + 1) % PTP_WINDOW;
			if (p->nwin < PTP_WINDOW)
				p->nwin++;
			p->samples++;
		}
	}
	if (lc->mode == PG_SYNC_DISCIPLINED) {
		uint64_t est = 0;

		clock_disciplined(&est);
		atomic_store_explicit(&lc->disc_esterror_ns, est, memory_order_relaxed);
		atomic_store_explicit(&lc->bound_ns, est ? est : PG_BOUND_UNKNOWN, memory_order_relaxed);
		atomic_store_explicit(&lc->valid, 1, memory_order_relaxed);
	} else if (p->port_state == PG_PTP_PS_MASTER) {
		/* this clock is the grandmaster: the reference itself */
		atomic_store_explicit(&lc->offset_ns, 0, memory_order_relaxed);
		atomic_store_explicit(&lc->bound_ns, 0, memory_order_relaxed);
		atomic_store_explicit(&lc->valid, 1, memory_order_relaxed);
	} else if ((p->port_state == PG_PTP_PS_SLAVE || p->port_state == PG_PTP_PS_UNCALIBRATED) &&
		   p->gm_present && p->nwin >= PTP_MIN_SAMPLES && now - p->last_fresh_ns < PTP_STALE_NS) {
		/* free_running keeps the port UNCALIBRATED: the offset is measured all the same */
		filter(p, &med, &bound);
		atomic_store_explicit(&lc->offset_ns, med, memory_order_relaxed);
		atomic_store_explicit(&lc->bound_ns, bound, memory_order_relaxed);
		atomic_store_explicit(&lc->valid, 1, memory_order_relaxed);
	} else {
		atomic_store_explicit(&lc->valid, 0, memory_order_relaxed);
	}
	pthread_mutex_unlock(&p->mu);
}

static void *ptp_thread(void *arg)
{
	struct pg_ptp *p = arg;
	uint8_t buf[PG_PTP_MGMT_MAX_LEN];
	unsigned int round = 0;

	while (!atomic_load(&p->stop)) {
		struct timespec ts = { 0, (long)PTP_POLL_NS };

		poll_once(p, round++ % 16 == 0, buf);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

struct pg_ptp *pg_ptp_open(const char *uds_path, struct pg_latclock *lc, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pg_ptp_mgmt_msg m;
	uint8_t buf[PG_PTP_MGMT_MAX_LEN];
	struct pg_ptp *p;
	uint64_t est = 0;
	int rc, e = 0;

	if (strlen(uds_path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "--ptp %s: path too long for a UNIX socket", uds_path);
		errno = ENAMETOOLONG;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "--ptp: out of memory");
		return NULL;
	}
	pthread_mutex_init(&p->mu, NULL);
	p->fd = -1;
	p->lc = lc;
	p->self.port = (uint16_t)getpid();
	snprintf(p->path, sizeof(p->path), "%s", uds_path);
	strcpy(sa.sun_path, uds_path);
	p->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		e = errno;
		snprintf(err, errlen, "--ptp %s: socket: %s", uds_path, strerror(e));
		goto fail;
	}
	/* autobind: an abstract address of our own for ptp4l to answer to, no file left */
	struct sockaddr_un self = { .sun_family = AF_UNIX };
	if (bind(p->fd, (struct sockaddr *)&self, sizeof(sa_family_t)) < 0 ||
	    connect(p->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		snprintf(err, errlen, "--ptp %s: %s (is ptp4l running with uds_address %s?)",
			 uds_path, strerror(e), uds_path);
		goto fail;
	}
	rc = query(p, PG_PTP_MGMT_PORT_DATA_SET, &m, buf);
	if (rc == -ETIMEDOUT)
		rc = query(p, PG_PTP_MGMT_PORT_DATA_SET, &m, buf);
	if (rc) {
		e = -rc;
		snprintf(err, errlen, "--ptp %s: %s", uds_path,
			 rc == -ETIMEDOUT ? "no answer from ptp4l to a PORT_DATA_SET GET" :
			 rc == -EPROTO ? "ptp4l refused the PORT_DATA_SET GET" : strerror(e));
		goto fail;
	}
	p->port_state = m.u.pds.port_state;
	lc->mode = clock_disciplined(&est) ? PG_SYNC_DISCIPLINED : PG_SYNC_PTP;
	atomic_store(&lc->bound_ns, PG_BOUND_UNKNOWN);
	return p;
fail:
	pg_ptp_free(p);
	errno = e ? e : EIO;
	return NULL;
}

int pg_ptp_start(struct pg_ptp *p, unsigned int wait_ms, char *err, size_t errlen)
{
	uint64_t deadline = mono_ns() + (uint64_t)wait_ms * 1000000u;
	int rc = pthread_create(&p->thread, NULL, ptp_thread, p);

	if (rc) {
		snprintf(err, errlen, "--ptp: cannot start its thread: %s", strerror(rc));
		return -rc;
	}
	p->running = 1;
	while (!atomic_load(&p->lc->valid)) {
		if (mono_ns() >= deadline) {
			pthread_mutex_lock(&p->mu);
			snprintf(err, errlen,
				 "--ptp %s: no usable offset after %u ms (port %s, %s, %llu samples): "
				 "is ptp4l's port seeing a master?", p->path, wait_ms,
				 pg_ptp_port_state_name(p->port_state),
				 p->gm_present ? "grandmaster present" : "no grandmaster",
				 (unsigned long long)p->samples);
			pthread_mutex_unlock(&p->mu);
			return -ETIMEDOUT;
		}
		usleep(20000);
	}
	return 0;
}

void pg_ptp_free(struct pg_ptp *p)
{
	if (!p)
		return;
	if (p->running) {
		atomic_store(&p->stop, 1);
		pthread_join(p->thread, NULL);
	}
	if (p->fd >= 0)
		close(p->fd);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

void pg_ptp_describe(struct pg_ptp *p, char *buf, size_t len)
{
	const struct pg_latclock *lc = p->lc;
	uint64_t b = atomic_load_explicit(&lc->bound_ns, memory_order_relaxed);
	const uint8_t *g;

	pthread_mutex_lock(&p->mu);
	g = p->gm;
	snprintf(buf, len,
		 "ptp %s: port %s, grandmaster %02x%02x%02x.%02x%02x.%02x%02x%02x%s, offset %lld ns "
		 "(filtered %lld +- %lld ns), clock %s",
		 p->path, pg_ptp_port_state_name(p->port_state), g[0], g[1], g[2], g[3], g[4], g[5],
		 g[6], g[7], p->gm_present ? "" : " (none)", (long long)p->last_offset,
		 (long long)atomic_load_explicit(&lc->offset_ns, memory_order_relaxed),
		 b == PG_BOUND_UNKNOWN ? -1ll : (long long)b,
		 lc->mode == PG_SYNC_DISCIPLINED ? "disciplined (no correction applied)" :
						   "free-running (trip times corrected)");
	pthread_mutex_unlock(&p->mu);
}

void pg_ptp_stats(struct pg_ptp *p, uint64_t *samples, uint64_t *missed, const char **port_state)
{
	pthread_mutex_lock(&p->mu);
	*samples = p->samples;
	*missed = p->missed;
	*port_state = pg_ptp_port_state_name(p->port_state);
	pthread_mutex_unlock(&p->mu);
}

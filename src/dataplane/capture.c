/* SPDX-License-Identifier: BSD-3-Clause */
/* The --pcap-out writer thread (capture.h). Not a dataplane lcore: it may block on disk. */
#include "capture.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#define RING_SLOTS 4096

static int open_file(struct pg_capture *c)
{
	long rc;

	c->f = fopen(c->path, "wb");
	if (!c->f)
		return -errno;
	setvbuf(c->f, NULL, _IOFBF, 1 << 20);
	rc = pg_pcapng_write_header(c->f, c->snaplen, c->ifname);
	if (rc < 0)
		return (int)rc;
	c->file_bytes = (uint64_t)rc;
	return 0;
}

static int rotate(struct pg_capture *c)
{
	char old[sizeof(c->path) + 4];

	if (fclose(c->f))
		return -errno;
	c->f = NULL;
	snprintf(old, sizeof(old), "%s.1", c->path);
	if (rename(c->path, old))
		return -errno;
	c->rotations++;
	return open_file(c);
}

/* Writes what the rings hold now; returns the number of records. */
static unsigned int drain(struct pg_capture *c)
{
	struct pg_cap_rec r[32];
	unsigned int i, k, n, total = 0;

	for (i = 0; i < c->nb; i++) {
		while ((n = pg_ring_dequeue_burst(c->ring[i], r, 32)) > 0) {
			total += n;
			for (k = 0; k < n && !c->error; k++) {
				long w = pg_pcapng_write_packet(c->f, r[k].ts_ns, r[k].data, r[k].cap_len,
								r[k].wire_len, (enum pg_pcapng_dir)r[k].dir);

				if (w < 0) {
					c->error = (int)w;
					break;
				}
				c->file_bytes += (uint64_t)w;
				c->frames++;
				if (c->file_bytes >= c->max_bytes) {
					int e = rotate(c);

					if (e)
						c->error = e;
				}
			}
		}
	}
	return total;
}

static void *writer(void *arg)
{
	struct pg_capture *c = arg;
	struct timespec ts = { 0, 1000000 };

	while (!atomic_load_explicit(&c->stop, memory_order_acquire)) {
		if (!drain(c)) {
			if (c->f)
				fflush(c->f);
			nanosleep(&ts, NULL);
		}
	}
	drain(c);
	return NULL;
}

struct pg_capture *pg_capture_start(const char *path, const char *ifname, unsigned int nb_lcores,
				    uint32_t snaplen, uint32_t ring_mb, char *err, size_t errlen)
{
	struct pg_capture *c;
	unsigned int i;
	int e;

	if (!nb_lcores || nb_lcores > PG_CAP_MAX_LCORES || snaplen < 16 || snaplen > PG_CAP_DATA ||
	    !ring_mb) {
		snprintf(err, errlen, "--pcap-snaplen: 16 to %d bytes; --pcap-ring: at least 1 MB",
			 PG_CAP_DATA);
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->nb = nb_lcores;
	c->snaplen = snaplen;
	c->max_bytes = (uint64_t)ring_mb * 1048576 / 2;
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(c->ifname, sizeof(c->ifname), "%s", ifname ? ifname : "");
	for (i = 0; i < nb_lcores; i++) {
		c->ring[i] = pg_ring_create(RING_SLOTS, sizeof(struct pg_cap_rec));
		if (!c->ring[i]) {
			snprintf(err, errlen, "--pcap-out: out of memory");
			goto fail;
		}
	}
	e = open_file(c);
	if (e) {
		snprintf(err, errlen, "--pcap-out %s: %s", path, strerror(-e));
		errno = -e;
		goto fail;
	}
	e = pthread_create(&c->thread, NULL, writer, c);
	if (e) {
		snprintf(err, errlen, "--pcap-out: cannot start the writer thread: %s", strerror(e));
		errno = e;
		goto fail;
	}
	return c;
fail:
	e = errno;
	if (c->f)
		fclose(c->f);
	for (i = 0; i < nb_lcores; i++)
		pg_ring_free(c->ring[i]);
	free(c);
	errno = e;
	return NULL;
}

uint64_t pg_capture_dropped(const struct pg_capture *c)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; c && i < c->nb; i++)
		n += atomic_load(&c->dropped[i]);
	return n;
}

void pg_capture_stop(struct pg_capture *c)
{
	unsigned int i;

	if (!c)
		return;
	atomic_store_explicit(&c->stop, 1, memory_order_release);
	pthread_join(c->thread, NULL);
	if (c->f)
		fclose(c->f);
	for (i = 0; i < c->nb; i++)
		pg_ring_free(c->ring[i]);
	free(c);
}

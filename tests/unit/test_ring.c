/* SPDX-License-Identifier: BSD-3-Clause */
/* pg_ring: argument checks, FIFO order, wrap-around, full/empty, and a two-thread
 * stress run (also built with -fsanitize=thread as test 'ring-tsan'). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ring.h"

struct elem24 {
	uint64_t seq;
	uint64_t a, b;
};

static void test_create_args(void **state)
{
	static const unsigned int bad_count[] = {0, 1, 3, 6, 1000, 0x80000001u};
	static const unsigned int bad_size[] = {0, 4, 12, 260, 264, 512};
	struct pg_ring *r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_count) / sizeof(bad_count[0]); i++) {
		errno = 0;
		assert_null(pg_ring_create(bad_count[i], 8));
		assert_int_equal(errno, EINVAL);
	}
	for (i = 0; i < sizeof(bad_size) / sizeof(bad_size[0]); i++) {
		errno = 0;
		assert_null(pg_ring_create(16, bad_size[i]));
		assert_int_equal(errno, EINVAL);
	}
	r = pg_ring_create(2, 256);
	assert_non_null(r);
	assert_int_equal(pg_ring_capacity(r), 2);
	assert_int_equal(pg_ring_elem_size(r), 256);
	assert_int_equal(((uintptr_t)&r->cons - (uintptr_t)&r->prod) % 64, 0);
	assert_true((uintptr_t)&r->cons - (uintptr_t)&r->prod >= 64);
	assert_int_equal((uintptr_t)r->slots % 64, 0);
	pg_ring_free(r);
	pg_ring_free(NULL);
}

static void test_basic(void **state)
{
	struct pg_ring *r = pg_ring_create(8, sizeof(struct elem24));
	struct elem24 in[8], out[8];
	unsigned int i;

	(void)state;
	assert_non_null(r);
	assert_int_equal(pg_ring_count(r), 0);
	assert_int_equal(pg_ring_free_count(r), 8);
	assert_int_equal(pg_ring_dequeue_burst(r, out, 8), 0);
	for (i = 0; i < 8; i++)
		in[i] = (struct elem24){i, i * 3, ~(uint64_t)i};

	assert_int_equal(pg_ring_enqueue_burst(r, in, 3), 3);
	assert_int_equal(pg_ring_count(r), 3);
	assert_int_equal(pg_ring_free_count(r), 5);
	assert_int_equal(pg_ring_dequeue_burst(r, out, 2), 2);
	assert_memory_equal(out, in, 2 * sizeof(in[0]));
	assert_int_equal(pg_ring_count(r), 1);
	/* asking for more than is there returns what is there */
	assert_int_equal(pg_ring_dequeue_burst(r, out, 8), 1);
	assert_memory_equal(out, &in[2], sizeof(in[0]));
	assert_int_equal(pg_ring_dequeue_burst(r, out, 1), 0);
	assert_int_equal(pg_ring_enqueue_burst(r, in, 0), 0);
	assert_int_equal(pg_ring_dequeue_burst(r, out, 0), 0);
	pg_ring_free(r);
}

static void test_full_empty(void **state)
{
	struct pg_ring *r = pg_ring_create(16, 8);
	uint64_t in[40], out[40];
	unsigned int i;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < 40; i++)
		in[i] = 1000 + i;
	/* a burst larger than the room enqueues a prefix */
	assert_int_equal(pg_ring_enqueue_burst(r, in, 40), 16);
	assert_int_equal(pg_ring_count(r), 16);
	assert_int_equal(pg_ring_free_count(r), 0);
	assert_int_equal(pg_ring_enqueue_burst(r, &in[16], 1), 0);
	assert_int_equal(pg_ring_dequeue_burst(r, out, 5), 5);
	assert_int_equal(pg_ring_enqueue_burst(r, &in[16], 24), 5);
	assert_int_equal(pg_ring_dequeue_burst(r, &out[5], 40), 16);
	for (i = 0; i < 21; i++)
		assert_int_equal(out[i], 1000 + i);
	assert_int_equal(pg_ring_count(r), 0);
	assert_int_equal(pg_ring_free_count(r), 16);
	pg_ring_free(r);
}

/* Every offset and burst size across many laps, with an element size that is
 * not a power of two, checked against a model queue. */
static void test_wrap(void **state)
{
	struct pg_ring *r = pg_ring_create(16, 24);
	struct elem24 in[20], out[20];
	uint64_t next_in = 0, next_out = 0;
	unsigned int lap, n, got, i;

	(void)state;
	assert_non_null(r);
	for (lap = 0; lap < 2000; lap++) {
		unsigned int want = 1 + lap % 17;

		for (i = 0; i < want; i++)
			in[i] = (struct elem24){next_in + i, (next_in + i) * 7, lap};
		n = pg_ring_enqueue_burst(r, in, want);
		assert_int_equal(n, want < 16 - (next_in - next_out) ? want : 16 - (next_in - next_out));
		next_in += n;
		assert_int_equal(pg_ring_count(r), next_in - next_out);
		got = pg_ring_dequeue_burst(r, out, 1 + (lap * 7) % 13);
		for (i = 0; i < got; i++) {
			assert_int_equal(out[i].seq, next_out + i);
			assert_int_equal(out[i].a, (next_out + i) * 7);
		}
		next_out += got;
	}
	got = pg_ring_dequeue_burst(r, out, 20);
	next_out += got;
	assert_int_equal(next_out, next_in);
	assert_true(next_in > 16 * 100);
	pg_ring_free(r);
}

/* Indices are free-running 32-bit counters: start them near the wrap. */
static void test_index_overflow(void **state)
{
	struct pg_ring *r = pg_ring_create(4, 8);
	uint64_t v[4], o[4];
	unsigned int i, k;

	(void)state;
	assert_non_null(r);
	atomic_store(&r->prod.tail, UINT32_MAX - 5);
	atomic_store(&r->cons.head, UINT32_MAX - 5);
	r->prod.cons_cache = UINT32_MAX - 5;
	r->cons.prod_cache = UINT32_MAX - 5;
	for (k = 0; k < 20; k++) {
		for (i = 0; i < 3; i++)
			v[i] = k * 10 + i;
		assert_int_equal(pg_ring_enqueue_burst(r, v, 3), 3);
		assert_int_equal(pg_ring_count(r), 3);
		assert_int_equal(pg_ring_free_count(r), 1);
		assert_int_equal(pg_ring_dequeue_burst(r, o, 4), 3);
		assert_memory_equal(v, o, 3 * sizeof(v[0]));
	}
	pg_ring_free(r);
}

#define STRESS_N 10000000ull
#define STRESS_BURST 64

struct stress {
	struct pg_ring *r;
	uint64_t n;
	uint64_t bad;    /* first out-of-order sequence number + 1, 0 if none */
	uint64_t seen;
	uint64_t sum;
};

/* xorshift: cheap burst sizes that differ between the two threads */
static inline uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)*s;
}

static void *producer(void *arg)
{
	struct stress *st = arg;
	uint64_t buf[STRESS_BURST], next = 0, seed = 0x9e3779b97f4a7c15ull;
	unsigned int i, want, n;

	while (next < st->n) {
		want = 1 + rnd(&seed) % STRESS_BURST;
		if (want > st->n - next)
			want = (unsigned int)(st->n - next);
		for (i = 0; i < want; i++)
			buf[i] = next + i;
		n = pg_ring_enqueue_burst(st->r, buf, want);
		next += n;
		if (!n)
			sched_yield();   /* 2 vCPUs shared with others: do not spin hard */
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct stress *st = arg;
	uint64_t buf[STRESS_BURST], expect = 0, seed = 0x243f6a8885a308d3ull;
	unsigned int i, n;

	while (expect < st->n) {
		n = pg_ring_dequeue_burst(st->r, buf, 1 + rnd(&seed) % STRESS_BURST);
		if (!n) {
			sched_yield();
			continue;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] != expect && !st->bad)
				st->bad = expect + 1;
			st->sum += buf[i];
			expect++;
		}
	}
	st->seen = expect;
	return NULL;
}

static void test_stress(void **state)
{
	struct stress st = {0};
	pthread_t p, c;
	const char *env = getenv("PG_RING_STRESS_N");

	(void)state;
	st.n = env ? strtoull(env, NULL, 0) : STRESS_N;
	st.r = pg_ring_create(1024, 8);
	assert_non_null(st.r);
	assert_int_equal(pthread_create(&c, NULL, consumer, &st), 0);
	assert_int_equal(pthread_create(&p, NULL, producer, &st), 0);
	assert_int_equal(pthread_join(p, NULL), 0);
	assert_int_equal(pthread_join(c, NULL), 0);
	assert_int_equal(st.bad, 0);
	assert_int_equal(st.seen, st.n);
	assert_true(st.sum == st.n * (st.n - 1) / 2);
	assert_int_equal(pg_ring_count(st.r), 0);
	pg_ring_free(st.r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_args),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_full_empty),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_index_overflow),
		cmocka_unit_test(test_stress),
	};

	/* 'stress' runs only the two-thread test (the TSan build) */
	if (argc > 1 && !strcmp(argv[1], "stress")) {
		const struct CMUnitTest only[] = {cmocka_unit_test(test_stress)};

		return cmocka_run_group_tests_name("ring-stress", only, NULL, NULL);
	}
	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}

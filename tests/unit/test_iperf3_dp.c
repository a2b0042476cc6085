/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3 on the dataplane without a network: perfgen's iperf3 client and server (the
 * main-thread control code of src/control/iperf3_run.c and the lcore loop of
 * src/dataplane/iperf3_lcore.c, each lcore on its own thread) joined by an in-memory
 * port with optional loss. Checks that both -J reports agree: TCP bytes exactly (also
 * with every 53rd frame lost), UDP packets and loss, -R and --bidir.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <jansson.h>

#include "dataplane.h"
#include "iperf3_dp.h"
#include "iperf3_run.h"
#include "opts.h"
#include "ring.h"

#define MEM_FRAMES 1024
#define MEM_FRAME_SIZE 2048

struct pg_port_queue {
	uint8_t buf[MEM_FRAMES][MEM_FRAME_SIZE];
	unsigned int free_stack[MEM_FRAMES];
	unsigned int nb_free;
	struct pg_ring *out, *in; /* struct wframe * */
	uint64_t sent;
	unsigned int drop_every;  /* lose every Nth frame sent (0 = none) */
};

struct wframe {
	uint32_t len;
	uint8_t data[1600];
};

static unsigned int m_rx(struct pg_port_queue *q, struct pg_pkt *p, unsigned int n)
{
	struct wframe *w[PG_PORT_BURST];
	unsigned int i, got = pg_ring_dequeue_burst(q->in, w, n < PG_PORT_BURST ? n : PG_PORT_BURST);

	for (i = 0; i < got; i++) {
		memset(&p[i], 0, sizeof(p[i]));
		p[i].data = w[i]->data;
		p[i].len = w[i]->len;
		p[i].handle = (uintptr_t)w[i];
	}
	return got;
}

static void m_rx_done(struct pg_port_queue *q, const struct pg_pkt *p, unsigned int n)
{
	(void)q;
	for (unsigned int i = 0; i < n; i++)
		free((void *)p[i].handle);
}

static unsigned int m_alloc(struct pg_port_queue *q, struct pg_pkt *p, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n && q->nb_free; i++) {
		unsigned int k = q->free_stack[--q->nb_free];

		p[i].data = q->buf[k];
		p[i].handle = k;
		p[i].len = 0;
	}
	return i;
}

static void m_free(struct pg_port_queue *q, const struct pg_pkt *p, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		q->free_stack[q->nb_free++] = (unsigned int)p[i].handle;
}

static unsigned int m_tx(struct pg_port_queue *q, struct pg_pkt *p, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct wframe *w;

		if (pg_ring_free_count(q->out) == 0)
			break;
		q->sent++;
		if (q->drop_every && q->sent % q->drop_every == 0)
			continue;
		w = malloc(sizeof(*w));
		assert_non_null(w);
		w->len = p[i].len;
		memcpy(w->data, p[i].data, p[i].len);
		pg_ring_enqueue_burst(q->out, &w, 1);
	}
	m_free(q, p, i);
	return i;
}

static int m_steer(struct pg_port *p, uint8_t a, uint16_t b, int c)
{
	(void)p; (void)a; (void)b; (void)c;
	return 0;
}

static int m_resolve(struct pg_port *p, uint32_t ip, uint8_t mac[6], int t)
{
	(void)p; (void)ip; (void)t;
	memset(mac, 0x02, 6);
	return 0;
}

static void m_close(struct pg_port *p)
{
	(void)p;
}

static const struct pg_port_ops m_ops = {
	m_rx, m_rx_done, m_alloc, m_tx, m_free, m_steer, m_resolve, m_close,
};

static struct pg_tsc g_tsc;

struct side {
	struct pg_port port;
	struct pg_port_queue *q;
	struct pg_lcore *lc;
	struct pg_opts o;
	struct pg_i3_env env;
	atomic_int stop;
	char *out;
	size_t outlen;
	int rc;
};

static int launch(void *arg)
{
	struct side *s = arg;

	return pg_lcore_launch(s->lc, pg_i3_lcore_main);
}

static void side_init(struct side *s, struct pg_ring *out, struct pg_ring *in, uint32_t ip, uint8_t last,
		      int cpu, char **argv, int argc)
{
	char err[256];
	struct pg_i3_lcore *l;
	int e;

	memset(s, 0, sizeof(*s));
	assert_int_equal(pg_opts_parse(&s->o, argc, argv, err, sizeof(err)), 0);
	s->q = calloc(1, sizeof(*s->q));
	assert_non_null(s->q);
	for (unsigned int k = 0; k < MEM_FRAMES; k++)
		s->q->free_stack[s->q->nb_free++] = k;
	s->q->out = out;
	s->q->in = in;
	s->port.ops = &m_ops;
	s->port.nb_queues = 1;
	s->port.queue[0] = s->q;
	s->port.info.ip4 = ip;
	memset(s->port.info.mac, 0x02, 6);
	s->port.info.mac[5] = last;
	s->port.info.mtu = 1500;
	s->port.info.frame_size = MEM_FRAME_SIZE;
	s->port.info.backend = "mem";
	s->port.info.mode = "test";
	snprintf(s->port.info.ifname, sizeof(s->port.info.ifname), "mem%u", last);
	s->lc = aligned_alloc(64, (sizeof(*s->lc) + 63) & ~(size_t)63);
	assert_non_null(s->lc);
	memset(s->lc, 0, sizeof(*s->lc));
	s->lc->cpu = cpu;
	s->lc->port = &s->port;
	s->lc->q = s->q;
	s->lc->tsc = &g_tsc;
	s->lc->stop = &s->stop;
	s->lc->idle = PG_IDLE_BACKOFF;
	l = aligned_alloc(64, (sizeof(*l) + 63) & ~(size_t)63);
	assert_non_null(l);
	memset(l, 0, sizeof(*l));
	l->ctrl_bufs = malloc((size_t)PG_I3_CTRL_BUFS * PG_I3_CTRL_SNDBUF);
	l->up = pg_ring_create(PG_I3_RING, sizeof(struct pg_i3_up));
	l->down = pg_ring_create(PG_I3_RING, sizeof(struct pg_i3_down));
	assert_true(l->ctrl_bufs && l->up && l->down);
	s->lc->i3 = l;
	e = pg_tcp_lcore_init(s->lc, PG_I3_CONNS, NULL);
	assert_int_equal(e, 0);
	s->env.o = &s->o;
	s->env.lc = s->lc;
	s->env.nb_lc = 1;
	s->env.stop = &s->stop;
	s->env.local_ip = ip;
	s->env.port = PG_IPERF3_DEFAULT_PORT;
	s->env.ctrl_sport = 40000;
	s->env.mtu = 1500;
	s->env.backend = "mem";
	s->env.mode = "test";
	s->env.ifname = s->port.info.ifname;
	s->env.lcores = "test";
	s->env.out = open_memstream(&s->out, &s->outlen);
	s->env.launch = launch;
	s->env.launch_arg = s;
}

static void side_free(struct side *s)
{
	pthread_join(s->lc->thread, NULL);
	pg_tcp_lcore_free(s->lc);
	pg_ring_free(s->lc->i3->up);
	pg_ring_free(s->lc->i3->down);
	free(s->lc->i3->ctrl_bufs);
	free(s->lc->i3);
	free(s->lc);
	free(s->q);
	free(s->out);
}

static void *server_thread(void *arg)
{
	struct side *s = arg;

	s->rc = pg_i3_server(&s->env);
	fclose(s->env.out);
	return NULL;
}

static void drain_ring(struct pg_ring *r)
{
	struct wframe *w;

	while (pg_ring_dequeue_burst(r, &w, 1) == 1)
		free(w);
}

/* Runs perfgen -c ARGS against perfgen -s -1 in memory; returns both -J reports. */
static void run(char **cargs, int cargc, unsigned int drop_every, json_t **cj, json_t **sj)
{
	static char *sargs[] = { "perfgen", "-s", "-1", "-J", "--wire", "iperf3" };
	struct pg_ring *ab = pg_ring_create(4096, sizeof(void *)), *ba = pg_ring_create(4096, sizeof(void *));
	uint32_t ipa = htonl(0xc6125001), ipb = htonl(0xc6125002); /* 198.18.80.1 / .2 */
	struct side *c = malloc(sizeof(*c)), *s = malloc(sizeof(*s));
	pthread_t st;
	json_error_t je;

	assert_true(ab && ba && c && s);
	side_init(s, ba, ab, ipb, 2, 1, sargs, 6);
	side_init(c, ab, ba, ipa, 1, 0, cargs, cargc);
	c->q->drop_every = drop_every;
	s->q->drop_every = drop_every;
	c->env.peer_ip = ipb;
	c->lc->i3->peer_ip = ipb;
	memset(c->lc->i3->peer_mac, 0x02, 6);
	c->lc->i3->peer_mac[5] = 2;
	c->lc->i3->ctrl_sport = 40000;
	c->lc->i3->port = PG_IPERF3_DEFAULT_PORT;
	s->lc->i3->server = 1;
	s->lc->i3->port = PG_IPERF3_DEFAULT_PORT;
	assert_int_equal(pthread_create(&st, NULL, server_thread, s), 0);
	c->rc = pg_i3_client(&c->env);
	fclose(c->env.out);
	pthread_join(st, NULL);
	assert_int_equal(c->rc, 0);
	assert_int_equal(s->rc, 0);
	*cj = json_loads(c->out, 0, &je);
	if (!*cj)
		print_error("client output: %s\n%s\n", je.text, c->out);
	*sj = json_loads(s->out, 0, &je);
	if (!*sj)
		print_error("server output: %s\n%s\n", je.text, s->out);
	assert_non_null(*cj);
	assert_non_null(*sj);
	side_free(c);
	side_free(s);
	free(c);
	free(s);
	drain_ring(ab);
	drain_ring(ba);
	pg_ring_free(ab);
	pg_ring_free(ba);
}

static json_int_t jget(json_t *root, const char *a, const char *b)
{
	json_t *v = json_object_get(json_object_get(json_object_get(root, "end"), a), b);

	assert_non_null(v);
	return json_integer_value(v);
}

static void test_tcp(void **state)
{
	static char *a[] = { "perfgen", "-c", "198.18.80.2", "-n", "4M", "-J" };
	json_t *c, *s;

	(void)state;
	run(a, 6, 0, &c, &s);
	assert_int_equal(jget(c, "sum_sent", "bytes"), 4 * 1024 * 1024);
	assert_int_equal(jget(s, "sum_received", "bytes"), 4 * 1024 * 1024);
	json_decref(c);
	json_decref(s);
}

static void test_tcp_loss(void **state)
{
	static char *a[] = { "perfgen", "-c", "198.18.80.2", "-n", "2M", "-P", "2", "-J" };
	json_t *c, *s;

	(void)state;
	run(a, 8, 53, &c, &s);
	assert_int_equal(jget(c, "sum_sent", "bytes"), jget(s, "sum_received", "bytes"));
	assert_int_equal(jget(c, "sum_sent", "bytes"), 2 * 1024 * 1024);
	assert_true(jget(c, "sum_sent", "retransmits") > 0);
	json_decref(c);
	json_decref(s);
}

static void test_udp(void **state)
{
	static char *a[] = { "perfgen", "-c", "198.18.80.2", "-u", "-b", "20M", "-k", "500", "-l", "1000", "-J" };
	json_t *c, *s;

	(void)state;
	run(a, 11, 0, &c, &s);
	assert_int_equal(jget(c, "sum", "packets"), 500);
	assert_int_equal(jget(s, "sum", "packets"), 500);
	assert_int_equal(jget(c, "sum", "lost_packets"), jget(s, "sum", "lost_packets"));
	assert_int_equal(jget(s, "sum_received", "bytes"), 500 * 1000);
	json_decref(c);
	json_decref(s);
}

static void test_udp_loss(void **state)
{
	static char *a[] = { "perfgen", "-c", "198.18.80.2", "-u", "-b", "20M", "-k", "1000", "-l", "500", "-J" };
	json_t *c, *s;

	(void)state;
	run(a, 11, 10, &c, &s);
	/* every 10th frame of each direction is lost; control frames are TCP and come back */
	assert_int_equal(jget(c, "sum", "packets"), 1000);
	assert_true(jget(s, "sum", "lost_packets") > 0);
	assert_int_equal(jget(c, "sum", "lost_packets"), jget(s, "sum", "lost_packets"));
	json_decref(c);
	json_decref(s);
}

static void test_bidir(void **state)
{
	static char *a[] = { "perfgen", "-c", "198.18.80.2", "--bidir", "-n", "3M", "-J" };
	json_t *c, *s;

	(void)state;
	run(a, 7, 0, &c, &s);
	assert_int_equal(jget(c, "sum_sent", "bytes"), jget(s, "sum_received", "bytes"));
	assert_true(jget(c, "sum_received_bidir_reverse", "bytes") > 0);
	assert_true(jget(c, "sum_received_bidir_reverse", "bytes") <=
		    jget(s, "sum_sent_bidir_reverse", "bytes"));
	json_decref(c);
	json_decref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_tcp_loss),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_udp_loss),
		cmocka_unit_test(test_bidir),
	};

	if (pg_tsc_calibrate(&g_tsc, 50))
		return 77;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

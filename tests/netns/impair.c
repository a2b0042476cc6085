/* impair: a userspace netem for the netns suite.
 *
 * This kernel has no sch_netem, so tests that need delay, jitter, loss, reordering or
 * duplication put a middle namespace between the two peers and run this forwarder in it:
 *
 *   A (vA) <-veth-> (mA) M (mB) <-veth-> (vB) B
 *
 * Every frame received on one interface of M is sent out of the other after the configured
 * delay (plus uniform jitter), unless the seeded generator drops it; it may be duplicated, or
 * (reordering, netem's meaning) sent at once instead of after the delay so it overtakes the
 * frames held back. Frames travel through AF_PACKET sockets with a virtio-net header so GSO
 * super-frames and partial checksums cross unchanged (tests usually turn offloads off anyway,
 * so loss applies per wire frame).
 *
 * Departure times are kept in a min-heap; the loop sleeps in ppoll() until ~50 us before the
 * earliest departure (timer slack set to 1 ns) and polls the sockets for the rest, so frames
 * leave within ~10 us of their due time on an idle machine. SIGTERM/SIGINT print one line
 * of counters per direction and exit 0.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME (65536 + sizeof(struct virtio_net_hdr))
#define MAX_PENDING 65536
#define SPIN_NS 50000 /* poll instead of sleeping this close to a departure */

struct frame {
	uint64_t due_ns;
	uint64_t arr_real_ns; /* the kernel's receive time (SO_TIMESTAMPNS, CLOCK_REALTIME) */
	uint64_t order; /* arrival order: equal due times leave first-in first-out */
	int out;        /* index of the socket to send on */
	uint32_t len;
	unsigned char *data;
};

#define HOLD_SAMPLES 65536

/* hold: how long each forwarded frame was in the box, kernel receive to send (ns), the
 * delay actually applied (the asked-for one plus the box's own lateness); a test compares
 * what it measures with this */
struct dir_stats {
	uint64_t rx, fwd, lost, dup, reord, txerr, overflow;
	uint32_t nhold;
	uint64_t *hold;
};

struct impair {
	int fd[2];
	const char *name[2];
	uint64_t delay_ns, jitter_ns;
	uint64_t loss_thr, reorder_thr, dup_thr; /* probability * 2^64, 0 = never */
	uint64_t rng;
	struct frame *heap;
	size_t n;
	uint64_t order;
	struct dir_stats st[2]; /* st[i]: frames received on interface i */
};

static atomic_int stop;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop, 1);
}

static uint64_t real_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* splitmix64: tiny, seedable, good enough for test impairments */
static uint64_t rng_next(struct impair *im)
{
	uint64_t z = (im->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static int chance(struct impair *im, uint64_t thr)
{
	return thr != 0 && rng_next(im) < thr;
}

static int pct_threshold(const char *arg, const char *what, uint64_t *thr)
{
	char *end;
	double p = strtod(arg, &end);
	if (end == arg || *end != '\0' || !(p >= 0.0 && p <= 100.0)) {
		fprintf(stderr, "impair: --%s %s: expected a percentage 0..100\n", what, arg);
		return -EINVAL;
	}
	*thr = p >= 100.0 ? UINT64_MAX : (uint64_t)(p / 100.0 * 18446744073709551616.0);
	return 0;
}

static int parse_u64(const char *arg, const char *what, uint64_t max, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(arg, &end, 0);
	if (end == arg || *end != '\0' || errno || x > max || arg[0] == '-') {
		fprintf(stderr, "impair: --%s %s: expected an integer 0..%llu\n", what, arg,
			(unsigned long long)max);
		return -EINVAL;
	}
	*v = x;
	return 0;
}

static int heap_less(const struct frame *a, const struct frame *b)
{
	return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->order < b->order);
}

static void heap_push(struct impair *im, struct frame f)
{
	size_t i = im->n++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!heap_less(&f, &im->heap[p]))
			break;
		im->heap[i] = im->heap[p];
		i = p;
	}
	im->heap[i] = f;
}

static struct frame heap_pop(struct impair *im)
{
	struct frame top = im->heap[0];
	struct frame last = im->heap[--im->n];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= im->n)
			break;
		if (c + 1 < im->n && heap_less(&im->heap[c + 1], &im->heap[c]))
			c++;
		if (!heap_less(&im->heap[c], &last))
			break;
		im->heap[i] = im->heap[c];
		i = c;
	}
	if (im->n > 0)
		im->heap[i] = last;
	return top;
}

static int open_if(const char *ifname)
{
	unsigned idx = if_nametoindex(ifname);
	if (idx == 0) {
		fprintf(stderr, "impair: %s: no such interface in this namespace\n", ifname);
		return -1;
	}
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0) {
		fprintf(stderr, "impair: AF_PACKET socket: %s (needs root)\n", strerror(errno));
		return -1;
	}
	int one = 1, buf = 8 << 20;
	if (setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0) {
		fprintf(stderr, "impair: %s: packet socket options: %s\n", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = (int)idx,
	};
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "impair: bind %s: %s\n", ifname, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void transmit(struct impair *im, struct frame *f, int from)
{
	struct dir_stats *st = &im->st[from];

	if (send(im->fd[f->out], f->data, f->len, 0) == (ssize_t)f->len) {
		st->fwd++;
		if (st->hold && st->nhold < HOLD_SAMPLES) {
			uint64_t t = real_ns();
			st->hold[st->nhold++] = t > f->arr_real_ns ? t - f->arr_real_ns : 0;
		}
	} else {
		st->txerr++;
	}
}

static void flush_due(struct impair *im, uint64_t now)
{
	while (im->n > 0 && im->heap[0].due_ns <= now) {
		struct frame f = heap_pop(im);
		transmit(im, &f, !f.out);
		free(f.data);
	}
}

static void enqueue(struct impair *im, int from, const unsigned char *buf, uint32_t len,
		    uint64_t due, uint64_t arr_real)
{
	if (im->n >= MAX_PENDING) {
		im->st[from].overflow++;
		return;
	}
	struct frame f = { .due_ns = due, .arr_real_ns = arr_real, .order = im->order++, .out = !from,
			   .len = len };
	f.data = malloc(len);
	if (f.data == NULL) {
		im->st[from].overflow++;
		return;
	}
	memcpy(f.data, buf, len);
	heap_push(im, f);
}

static void receive(struct impair *im, int from, unsigned char *buf)
{
	for (int burst = 0; burst < 64; burst++) {
		char cbuf[CMSG_SPACE(sizeof(struct timespec))];
		struct iovec iov = { .iov_base = buf, .iov_len = MAX_FRAME };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		ssize_t len = recvmsg(im->fd[from], &mh, MSG_DONTWAIT | MSG_TRUNC);
		if (len < 0)
			return;
		if ((size_t)len > MAX_FRAME || (size_t)len <= sizeof(struct virtio_net_hdr))
			continue;
		uint64_t now = now_ns();
		uint64_t arr_real = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
				struct timespec ts;
				memcpy(&ts, CMSG_DATA(c), sizeof(ts));
				arr_real = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
			}
		if (!arr_real)
			arr_real = real_ns();
		struct dir_stats *st = &im->st[from];
		st->rx++;
		if (chance(im, im->loss_thr)) {
			st->lost++;
			continue;
		}
		int copies = 1 + chance(im, im->dup_thr);
		st->dup += (uint64_t)(copies - 1);
		for (int c = 0; c < copies; c++) {
			uint64_t d = im->delay_ns;
			if (im->jitter_ns) {
				uint64_t j = rng_next(im) % (2 * im->jitter_ns + 1);
				d = d + j >= im->jitter_ns ? d + j - im->jitter_ns : 0;
			}
			if (d > 0 && chance(im, im->reorder_thr)) {
				st->reord++;
				d = 0;
			}
			enqueue(im, from, buf, (uint32_t)len, now + d, arr_real);
		}
	}
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: impair IF_A IF_B [--delay-us N] [--jitter-us N] [--loss PCT] [--reorder PCT]\n"
		"              [--dup PCT] [--seed N]\n"
		"Forwards every frame between IF_A and IF_B (AF_PACKET) with a fixed delay plus\n"
		"uniform jitter, seeded random loss, duplication and reordering (a reordered frame\n"
		"skips the delay). SIGTERM prints the counters per direction.\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "delay-us", required_argument, NULL, 'd' },
		{ "jitter-us", required_argument, NULL, 'j' },
		{ "loss", required_argument, NULL, 'l' },
		{ "reorder", required_argument, NULL, 'r' },
		{ "dup", required_argument, NULL, 'u' },
		{ "seed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct impair im = { .fd = { -1, -1 }, .rng = 1 };
	uint64_t v;
	int c, rc = 1;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_u64(optarg, "delay-us", 10000000, &v))
				return 2;
			im.delay_ns = v * 1000;
			break;
		case 'j':
			if (parse_u64(optarg, "jitter-us", 10000000, &v))
				return 2;
			im.jitter_ns = v * 1000;
			break;
		case 'l':
			if (pct_threshold(optarg, "loss", &im.loss_thr))
				return 2;
			break;
		case 'r':
			if (pct_threshold(optarg, "reorder", &im.reorder_thr))
				return 2;
			break;
		case 'u':
			if (pct_threshold(optarg, "dup", &im.dup_thr))
				return 2;
			break;
		case 's':
			if (parse_u64(optarg, "seed", UINT64_MAX, &im.rng))
				return 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	im.name[0] = argv[optind];
	im.name[1] = argv[optind + 1];

	unsigned char *buf = malloc(MAX_FRAME);
	im.heap = calloc(MAX_PENDING, sizeof(*im.heap));
	im.st[0].hold = calloc(HOLD_SAMPLES, sizeof(uint64_t));
	im.st[1].hold = calloc(HOLD_SAMPLES, sizeof(uint64_t));
	if (buf == NULL || im.heap == NULL || !im.st[0].hold || !im.st[1].hold) {
		fprintf(stderr, "impair: out of memory\n");
		goto out;
	}
	for (int i = 0; i < 2; i++)
		if ((im.fd[i] = open_if(im.name[i])) < 0)
			goto out;

	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	sigset_t block, orig;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &orig);
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	printf("impair: ready %s<->%s delay %llu us jitter %llu us\n", im.name[0], im.name[1],
	       (unsigned long long)(im.delay_ns / 1000), (unsigned long long)(im.jitter_ns / 1000));
	fflush(stdout);

	struct pollfd pfd[2] = { { .fd = im.fd[0], .events = POLLIN },
				 { .fd = im.fd[1], .events = POLLIN } };
	while (!atomic_load(&stop)) {
		flush_due(&im, now_ns());
		receive(&im, 0, buf);
		receive(&im, 1, buf);
		uint64_t now = now_ns();
		flush_due(&im, now);
		if (im.n > 0 && im.heap[0].due_ns <= now + SPIN_NS)
			continue; /* close to a departure: keep polling the sockets */
		struct timespec ts, *tmo = NULL;
		if (im.n > 0) {
			uint64_t wait = im.heap[0].due_ns - now - SPIN_NS;
			ts.tv_sec = (time_t)(wait / 1000000000u);
			ts.tv_nsec = (long)(wait % 1000000000u);
			tmo = &ts;
		}
		ppoll(pfd, 2, tmo, &orig);
	}

	for (int i = 0; i < 2; i++) {
		struct dir_stats *s = &im.st[i];
		double p50 = 0;
		if (s->nhold) {
			qsort(s->hold, s->nhold, sizeof(s->hold[0]), cmp_u64);
			p50 = (double)s->hold[s->nhold / 2] / 1e3;
		}
		printf("impair: %s->%s rx %llu fwd %llu lost %llu dup %llu reord %llu txerr %llu "
		       "overflow %llu pending %zu hold_p50_us %.1f\n",
		       im.name[i], im.name[!i], (unsigned long long)s->rx,
		       (unsigned long long)s->fwd, (unsigned long long)s->lost,
		       (unsigned long long)s->dup, (unsigned long long)s->reord,
		       (unsigned long long)s->txerr, (unsigned long long)s->overflow, im.n, p50);
	}
	rc = 0;
out:
	for (int i = 0; i < 2; i++)
		if (im.fd[i] >= 0)
			close(im.fd[i]);
	while (im.heap != NULL && im.n > 0)
		free(heap_pop(&im).data);
	free(im.heap);
	free(im.st[0].hold);
	free(im.st[1].hold);
	free(buf);
	return rc;
}

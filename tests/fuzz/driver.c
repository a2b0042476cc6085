/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Standalone driver for the fuzz targets when libFuzzer is not linked (gcc builds, the
 * ASan+UBSan build): replays the seed corpus, then feeds random mutations of it (bit
 * flips, byte sets, truncation, extension, splices) for a bounded time. Not coverage
 * guided; tests/fuzz/run-libfuzzer.sh runs the same targets under clang's libFuzzer.
 * Usage: fuzz-X [-t SECONDS] [-s SEED] CORPUS_DIR...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEEDS 256
#define MAX_LEN 65536

static uint8_t *seeds[MAX_SEEDS];
static size_t seed_len[MAX_SEEDS];
static unsigned int nb_seeds;

static void load_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) && nb_seeds < MAX_SEEDS) {
		char p[4096];
		FILE *f;
		uint8_t *b;
		size_t n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		f = fopen(p, "rb");
		if (!f)
			continue;
		b = malloc(MAX_LEN);
		n = b ? fread(b, 1, MAX_LEN, f) : 0;
		fclose(f);
		if (!b)
			continue;
		seeds[nb_seeds] = b;
		seed_len[nb_seeds++] = n;
	}
	closedir(d);
}

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	double secs = 5;
	uint8_t *buf = malloc(MAX_LEN);
	unsigned long iters = 0;
	struct timespec t0, t;
	int c, i;

	while ((c = getopt(argc, argv, "t:s:")) != -1) {
		if (c == 't')
			secs = atof(optarg);
		else if (c == 's')
			rng = strtoull(optarg, NULL, 0) | 1;
	}
	for (i = optind; i < argc; i++)
		load_dir(argv[i]);
	if (!buf)
		return 1;
	for (unsigned int k = 0; k < nb_seeds; k++) {
		/* Exact-size copies so ASan sees reads past the end. */
		uint8_t *cp = malloc(seed_len[k] ? seed_len[k] : 1);

		memcpy(cp, seeds[k], seed_len[k]);
		LLVMFuzzerTestOneInput(cp, seed_len[k]);
		free(cp);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int burst = 0; burst < 256; burst++) {
			size_t n = 0;
			uint8_t *cp;
			int muts = 1 + (int)(rnd() % 8);

			if (nb_seeds && rnd() % 8) {
				unsigned int k = (unsigned int)(rnd() % nb_seeds);

				n = seed_len[k];
				memcpy(buf, seeds[k], n);
			} else {
				n = rnd() % 512;
				for (size_t j = 0; j < n; j++)
					buf[j] = (uint8_t)rnd();
			}
			while (muts--) {
				switch (rnd() % 6) {
				case 0: if (n) buf[rnd() % n] ^= (uint8_t)(1u << (rnd() % 8)); break;
				case 1: if (n) buf[rnd() % n] = (uint8_t)rnd(); break;
				case 2: if (n) n = rnd() % n; break;
				case 3: if (n + 16 < MAX_LEN) { for (int j = 0; j < 16; j++) buf[n++] = (uint8_t)rnd(); } break;
				case 4: if (n >= 4) { size_t o = rnd() % (n - 3); static const uint8_t v[][4] = { {0xff,0xff,0xff,0xff}, {0,0,0,0}, {0x80,0,0,0}, {0x7f,0xff,0xff,0xff} }; memcpy(buf + o, v[rnd() % 4], 4); } break;
				case 5: if (nb_seeds && n) { unsigned int k = (unsigned int)(rnd() % nb_seeds); size_t o = rnd() % n; size_t l = seed_len[k] < n - o ? seed_len[k] : n - o; memcpy(buf + o, seeds[k], l); } break;
				}
			}
			cp = malloc(n ? n : 1);
			memcpy(cp, buf, n);
			LLVMFuzzerTestOneInput(cp, n);
			free(cp);
			iters++;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
	printf("%lu inputs from %u seeds in %.1f s, no crash\n", iters, nb_seeds, secs);
	for (unsigned int k = 0; k < nb_seeds; k++)
		free(seeds[k]);
	free(buf);
	return 0;
}

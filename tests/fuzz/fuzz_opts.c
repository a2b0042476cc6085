/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: the command-line parser and the lcore list parser (argv = NUL-split input). */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "dataplane.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	char *argv[64];
	int argc = 1;
	size_t i, start = 0;
	struct pg_opts o;
	char err[256];
	int cpus[64];
	unsigned int n;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	argv[0] = (char *)"perfgen";
	for (i = 0; i <= size && argc < 63; i++)
		if (buf[i] == 0) {
			argv[argc++] = buf + start;
			start = i + 1;
		}
	argv[argc] = NULL;
	(void)pg_opts_parse(&o, argc, argv, err, sizeof(err));
	(void)pg_lcore_list_parse(buf, cpus, 64, &n, err, sizeof(err));
	free(buf);
	return 0;
}

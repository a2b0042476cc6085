/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdint.h>

#include "semihost.h"

#define SYS_GET_CMDLINE 0x15
#define SYS_EXIT 0x18
#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static uintptr_t sh_call(uintptr_t op, const void *arg)
{
	register uintptr_t r0 __asm__("r0") = op;
	register const void *r1 __asm__("r1") = arg;

	__asm volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
	return r0;
}

void sh_write(const char *s, size_t len)
{
	/* SYS_WRITE0 needs a NUL; write in chunks through a small buffer instead. */
	char buf[129];

	while (len > 0) {
		size_t n = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1, i;

		for (i = 0; i < n; i++)
			buf[i] = s[i];
		buf[n] = 0;
		sh_call(0x04 /* SYS_WRITE0 */, buf);
		s += n;
		len -= n;
	}
}

int sh_cmdline(char *buf, size_t cap)
{
	struct {
		char *buf;
		uintptr_t len;
	} a = { buf, cap };

	if (sh_call(SYS_GET_CMDLINE, &a) != 0)
		return -1;
	return (int)a.len;
}

void sh_exit(int status)
{
	/* Extended exit carries the status; plain exit (QEMU maps the reason to 0) is the
	 * fallback for a host without the extension. */
	uintptr_t ext[2] = { ADP_STOPPED_APPLICATION_EXIT, (uintptr_t)status };

	sh_call(SYS_EXIT_EXTENDED, ext);
	sh_call(SYS_EXIT, (const void *)(uintptr_t)(status == 0 ? ADP_STOPPED_APPLICATION_EXIT : 0x20023u));
	for (;;)
		__asm volatile("wfi");
}

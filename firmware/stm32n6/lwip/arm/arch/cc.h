/* SPDX-License-Identifier: BSD-3-Clause */
/* lwIP compiler/platform glue for the bare-metal Cortex-M55 ports (newlib). */
#ifndef PGFW_ARCH_CC_H
#define PGFW_ARCH_CC_H

#include <stdint.h>
#include <stdlib.h>

#define LWIP_ERRNO_INCLUDE <errno.h>
#define LWIP_ERRNO_STDINCLUDE 1
#define LWIP_TIMEVAL_PRIVATE 0

uint32_t pgfw_port_rand(void);
void pgfw_port_panic(const char *msg) __attribute__((noreturn));
#define LWIP_RAND() pgfw_port_rand()
#define LWIP_PLATFORM_DIAG(x) do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) pgfw_port_panic(x)

#endif /* PGFW_ARCH_CC_H */

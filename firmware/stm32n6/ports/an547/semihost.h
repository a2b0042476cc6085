/* SPDX-License-Identifier: BSD-3-Clause */
/* Arm semihosting (BKPT 0xAB on M-profile): console output, command line, exit status. */
#ifndef PGFW_SEMIHOST_H
#define PGFW_SEMIHOST_H

#include <stddef.h>

void sh_write(const char *s, size_t len);
/* Copies the command line (QEMU -semihosting-config arg=...) into buf; returns its length
 * or -1 when the host gives none. */
int sh_cmdline(char *buf, size_t cap);
void sh_exit(int status) __attribute__((noreturn));

#endif

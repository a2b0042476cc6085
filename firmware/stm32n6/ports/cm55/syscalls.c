/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The newlib system hooks for a bare-metal board: a bounded heap for newlib's own buffers,
 * console writes through the port, and failing stubs for what a board has no use for (files,
 * signals). Full newlib (not nano) is linked because the reports print 64-bit counters.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "cm55.h"
#include "pgfw_port.h"

extern char __heap_start[], __heap_end[];

void *_sbrk(ptrdiff_t incr);
void _init(void);
void _fini(void);
void _exit(int status);
int _kill(int pid, int sig);
int _getpid(void);
int _write(int fd, const void *buf, size_t len);
int _read(int fd, void *buf, size_t len);
int _close(int fd);
int _fstat(int fd, struct stat *st);
int _isatty(int fd);
int _lseek(int fd, int off, int whence);

void *_sbrk(ptrdiff_t incr)
{
	static char *brk = __heap_start;
	char *prev = brk;

	if (incr < 0 || brk + incr > __heap_end) {
		errno = ENOMEM;
		return (void *)-1;
	}
	brk += incr;
	return prev;
}

void _init(void)
{
}

void _fini(void)
{
}

void _exit(int status)
{
	board_exit(status);
}

int _kill(int pid, int sig)
{
	(void)pid;
	(void)sig;
	errno = ENOSYS;
	return -1;
}

int _getpid(void)
{
	return 1;
}

int _write(int fd, const void *buf, size_t len)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	pgfw_port_write(buf, len);
	return (int)len;
}

int _read(int fd, void *buf, size_t len)
{
	(void)fd;
	(void)buf;
	(void)len;
	errno = ENOSYS;
	return -1;
}

int _close(int fd)
{
	(void)fd;
	errno = EBADF;
	return -1;
}

int _fstat(int fd, struct stat *st)
{
	(void)fd;
	st->st_mode = S_IFCHR;
	return 0;
}

int _isatty(int fd)
{
	(void)fd;
	return 1;
}

int _lseek(int fd, int off, int whence)
{
	(void)fd;
	(void)off;
	(void)whence;
	errno = ESPIPE;
	return -1;
}

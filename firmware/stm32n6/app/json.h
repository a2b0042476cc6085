/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small, allocation-free JSON reader for iperf3's control messages: walks one document
 * and reports every "key": value pair with its nesting depth, so the caller picks the keys
 * it knows (params at depth 1, per-stream results at depth 3) and ignores the rest.
 * Strict enough to reject malformed text; numbers are returned as text.
 */
#ifndef PGFW_JSON_H
#define PGFW_JSON_H

#include <stddef.h>
#include <stdint.h>

struct pgfw_json_kv {
	const char *key;   /* not NUL-terminated, no quotes, escapes left as they are */
	size_t key_len;
	const char *val;   /* scalar value text (a string keeps its quotes); NULL for {} / [] */
	size_t val_len;
	int depth;         /* 1 = member of the top-level object */
	int index;         /* position of the enclosing object in its array, else -1 */
};

typedef void (*pgfw_json_cb)(const struct pgfw_json_kv *kv, void *ctx);

/* Walks s[0..n). Returns 0, or -EINVAL (malformed, or nested deeper than 8). */
int pgfw_json_walk(const char *s, size_t n, pgfw_json_cb cb, void *ctx);
/* 1 if kv's key is exactly name. */
int pgfw_json_key_is(const struct pgfw_json_kv *kv, const char *name);
/* Integer value: true/false as 1/0, a fraction truncated, values >= 2^63 (iperf3 3.12's
 * unsigned print of -1) as -1. Returns 0 or -EINVAL. */
int pgfw_json_int(const struct pgfw_json_kv *kv, int64_t *out);
/* Fixed-point value scaled by 10^6 (jitter in seconds -> microseconds). */
int pgfw_json_micro(const struct pgfw_json_kv *kv, int64_t *out);

#endif /* PGFW_JSON_H */

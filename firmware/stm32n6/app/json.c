/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "json.h"

#define JSON_MAX_DEPTH 8

struct walker {
	const char *s;
	size_t n, i;
	pgfw_json_cb cb;
	void *ctx;
};

static void skip_ws(struct walker *w)
{
	while (w->i < w->n && (w->s[w->i] == ' ' || w->s[w->i] == '\t' || w->s[w->i] == '\n' ||
			       w->s[w->i] == '\r'))
		w->i++;
}

static int scan_string(struct walker *w)
{
	if (w->i >= w->n || w->s[w->i] != '"')
		return -EINVAL;
	for (w->i++; w->i < w->n; w->i++) {
		unsigned char c = (unsigned char)w->s[w->i];

		if (c == '\\') {
			w->i++;
			if (w->i >= w->n)
				return -EINVAL;
		} else if (c == '"') {
			w->i++;
			return 0;
		} else if (c < 0x20) {
			return -EINVAL;
		}
	}
	return -EINVAL;
}

static int scan_scalar(struct walker *w)
{
	size_t start = w->i;

	if (w->i < w->n && w->s[w->i] == '"')
		return scan_string(w);
	while (w->i < w->n) {
		char c = w->s[w->i];

		if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || (c >= 'a' && c <= 'z') ||
		    c == 'E')
			w->i++;
		else
			break;
	}
	return w->i == start ? -EINVAL : 0;
}

static int walk_value(struct walker *w, int depth, int index, const char *key, size_t key_len);

static int walk_obj(struct walker *w, int depth, int index)
{
	w->i++; /* '{' */
	skip_ws(w);
	if (w->i < w->n && w->s[w->i] == '}') {
		w->i++;
		return 0;
	}
	for (;;) {
		size_t k0, k1;
		int rc;

		skip_ws(w);
		k0 = w->i + 1;
		rc = scan_string(w);
		if (rc)
			return rc;
		k1 = w->i - 1;
		skip_ws(w);
		if (w->i >= w->n || w->s[w->i] != ':')
			return -EINVAL;
		w->i++;
		skip_ws(w);
		rc = walk_value(w, depth, index, w->s + k0, k1 - k0);
		if (rc)
			return rc;
		skip_ws(w);
		if (w->i >= w->n)
			return -EINVAL;
		if (w->s[w->i] == '}') {
			w->i++;
			return 0;
		}
		if (w->s[w->i] != ',')
			return -EINVAL;
		w->i++;
	}
}

static int walk_arr(struct walker *w, int depth)
{
	int idx = 0;

	w->i++; /* '[' */
	skip_ws(w);
	if (w->i < w->n && w->s[w->i] == ']') {
		w->i++;
		return 0;
	}
	for (;; idx++) {
		int rc;

		skip_ws(w);
		rc = walk_value(w, depth, idx, NULL, 0);
		if (rc)
			return rc;
		skip_ws(w);
		if (w->i >= w->n)
			return -EINVAL;
		if (w->s[w->i] == ']') {
			w->i++;
			return 0;
		}
		if (w->s[w->i] != ',')
			return -EINVAL;
		w->i++;
	}
}

/* depth: of the container that holds this value; key NULL inside arrays. */
static int walk_value(struct walker *w, int depth, int index, const char *key, size_t key_len)
{
	struct pgfw_json_kv kv = { key, key_len, NULL, 0, depth, index };
	size_t v0;
	int rc;

	if (w->i >= w->n)
		return -EINVAL;
	if (w->s[w->i] == '{' || w->s[w->i] == '[') {
		if (depth >= JSON_MAX_DEPTH)
			return -EINVAL;
		if (key != NULL && depth > 0)
			w->cb(&kv, w->ctx);
		/* an object inside an array keeps the array position as its index */
		return w->s[w->i] == '{' ? walk_obj(w, depth + 1, key == NULL ? index : -1)
					 : walk_arr(w, depth + 1);
	}
	v0 = w->i;
	rc = scan_scalar(w);
	if (rc)
		return rc;
	if (key != NULL) {
		kv.val = w->s + v0;
		kv.val_len = w->i - v0;
		w->cb(&kv, w->ctx);
	}
	return 0;
}

int pgfw_json_walk(const char *s, size_t n, pgfw_json_cb cb, void *ctx)
{
	struct walker w = { s, n, 0, cb, ctx };
	int rc;

	skip_ws(&w);
	if (w.i >= w.n || w.s[w.i] != '{')
		return -EINVAL;
	rc = walk_value(&w, 0, -1, NULL, 0);
	if (rc)
		return rc;
	skip_ws(&w);
	return w.i == w.n ? 0 : -EINVAL;
}

int pgfw_json_key_is(const struct pgfw_json_kv *kv, const char *name)
{
	size_t l = strlen(name);

	return kv->key != NULL && kv->key_len == l && memcmp(kv->key, name, l) == 0;
}

/* Parses [-]digits[.digits][e...] into an integer part and 6 fractional digits. */
static int parse_fixed(const struct pgfw_json_kv *kv, int64_t *ipart, int64_t *micro, int *big)
{
	const char *p = kv->val, *e = kv->val + kv->val_len;
	uint64_t v = 0;
	int64_t f = 0;
	int neg = 0, digits = 0, fd = 0;

	*big = 0;
	if (p == NULL || p == e)
		return -EINVAL;
	if (e - p == 4 && memcmp(p, "true", 4) == 0) {
		*ipart = 1;
		*micro = 0;
		return 0;
	}
	if (e - p == 5 && memcmp(p, "false", 5) == 0) {
		*ipart = 0;
		*micro = 0;
		return 0;
	}
	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (; p < e && *p >= '0' && *p <= '9'; p++, digits++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (digits == 0)
		return -EINVAL;
	if (p < e && *p == '.') {
		for (p++; p < e && *p >= '0' && *p <= '9'; p++) {
			if (fd < 6) {
				f = f * 10 + (*p - '0');
				fd++;
			}
		}
	}
	for (; fd < 6; fd++)
		f *= 10;
	if (p < e && (*p == 'e' || *p == 'E')) {
		/* exponents: only small negative ones matter (jitter); treat as 0 */
		v = 0;
		f = 0;
		p = e;
	}
	if (p != e)
		return -EINVAL;
	if (v >= (uint64_t)1 << 63) {
		*big = 1;
		v = 1;
		neg = 1;
	}
	*ipart = neg ? -(int64_t)v : (int64_t)v;
	*micro = neg ? -f : f;
	return 0;
}

int pgfw_json_int(const struct pgfw_json_kv *kv, int64_t *out)
{
	int64_t i, m;
	int big, rc = parse_fixed(kv, &i, &m, &big);

	if (rc == 0)
		*out = i;
	return rc;
}

int pgfw_json_micro(const struct pgfw_json_kv *kv, int64_t *out)
{
	int64_t i, m;
	int big, rc = parse_fixed(kv, &i, &m, &big);

	if (rc)
		return rc;
	if (i > INT64_MAX / 1000000 || i < -(INT64_MAX / 1000000))
		return -EINVAL;
	*out = i * 1000000 + m;
	return 0;
}

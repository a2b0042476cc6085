/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * iperf3 parameter and results JSON with jansson. Encoding follows 3.12's key order so
 * our params are byte-identical to a 3.12 client's; decoding is strict about what the
 * 3.12 peer always sends (types, ranges, required keys) and ignores unknown keys, as
 * newer iperf3 versions add some (iperf-wire.md 1.5, 1.7, 1.9).
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "iperf3.h"

#define REAL_FMT JSON_REAL_PRECISION(15)

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

void pg_iperf3_params_init(struct pg_iperf3_params *p)
{
	memset(p, 0, sizeof(*p));
	p->time = 10;
	p->parallel = 1;
	p->len = 128 * 1024;
	p->pacing_timer = 1000;
	p->server_affinity = -1;
	snprintf(p->client_version, sizeof(p->client_version), "3.12");
}

int pg_iperf3_params_validate(const struct pg_iperf3_params *p, char *err, size_t errlen)
{
	if (p->time < 0 || p->time > PG_IPERF3_MAX_TIME)
		return fail(err, errlen, -EINVAL, "params: \"time\" %" PRId32 " out of range 0..%d",
			    p->time, PG_IPERF3_MAX_TIME);
	if (p->omit < 0 || p->omit > PG_IPERF3_MAX_TIME)
		return fail(err, errlen, -EINVAL, "params: \"omit\" %" PRId32 " out of range", p->omit);
	if (p->parallel < 1 || p->parallel > PG_IPERF3_MAX_STREAMS)
		return fail(err, errlen, -EINVAL, "params: \"parallel\" %" PRId32 " out of range 1..%d",
			    p->parallel, PG_IPERF3_MAX_STREAMS);
	if (p->udp) {
		if (p->len < pg_iperf3_udp_hdr_len(p->udp_counters_64bit) ||
		    p->len > PG_IPERF3_MAX_UDP_BLOCKSIZE)
			return fail(err, errlen, -EINVAL,
				    "params: UDP \"len\" %" PRIu32 " out of range %" PRIu32 "..%d",
				    p->len, pg_iperf3_udp_hdr_len(p->udp_counters_64bit),
				    PG_IPERF3_MAX_UDP_BLOCKSIZE);
	} else if (p->len < 1 || p->len > PG_IPERF3_MAX_BLOCKSIZE) {
		return fail(err, errlen, -EINVAL, "params: TCP \"len\" %" PRIu32 " out of range 1..%d",
			    p->len, PG_IPERF3_MAX_BLOCKSIZE);
	}
	if (p->reverse && p->bidir)
		return fail(err, errlen, -EINVAL, "params: \"reverse\" and \"bidirectional\" together");
	if (p->mss < 0 || p->mss > 9 * 1024)
		return fail(err, errlen, -EINVAL, "params: \"MSS\" %" PRId32 " out of range 0..9216", p->mss);
	if (p->window > 512ull * 1024 * 1024)
		return fail(err, errlen, -EINVAL, "params: \"window\" %" PRIu64 " over 512 MiB", p->window);
	if (p->burst < 0 || p->burst > 1000)
		return fail(err, errlen, -EINVAL, "params: \"burst\" %" PRId32 " out of range 0..1000", p->burst);
	if (p->tos < 0 || p->tos > 255)
		return fail(err, errlen, -EINVAL, "params: \"TOS\" %" PRId32 " out of range 0..255", p->tos);
	if (p->pacing_timer < 0)
		return fail(err, errlen, -EINVAL, "params: negative \"pacing_timer\"");
	if (p->flowlabel < 0 || p->flowlabel > 0xfffff)
		return fail(err, errlen, -EINVAL, "params: \"flowlabel\" out of range");
	if (p->server_affinity < -1)
		return fail(err, errlen, -EINVAL, "params: bad \"server_affinity\"");
	if ((int64_t)p->num < 0 || (int64_t)p->blockcount < 0 || (int64_t)p->bandwidth < 0 ||
	    (int64_t)p->fqrate < 0)
		return fail(err, errlen, -EINVAL, "params: a counter is over 2^63");
	return 0;
}

static int add(json_t *o, const char *k, json_t *v)
{
	return v ? json_object_set_new(o, k, v) : -1;
}

static char *dump(json_t *o, size_t *len)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | REAL_FMT);

	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	if (len)
		*len = strlen(s);
	return s;
}

char *pg_iperf3_params_encode(const struct pg_iperf3_params *p, size_t *len)
{
	json_t *o;
	char *s = NULL;
	int r = 0;

	if (pg_iperf3_params_validate(p, NULL, 0)) {
		errno = EINVAL;
		return NULL;
	}
	o = json_object();
	if (!o) {
		errno = ENOMEM;
		return NULL;
	}
	/* 3.12 send_parameters() order */
	r |= add(o, p->udp ? "udp" : "tcp", json_true());
	r |= add(o, "omit", json_integer(p->omit));
	if (p->server_affinity != -1)
		r |= add(o, "server_affinity", json_integer(p->server_affinity));
	r |= add(o, "time", json_integer(p->time));
	r |= add(o, "num", json_integer((json_int_t)p->num));
	r |= add(o, "blockcount", json_integer((json_int_t)p->blockcount));
	if (p->mss)
		r |= add(o, "MSS", json_integer(p->mss));
	if (p->nodelay)
		r |= add(o, "nodelay", json_true());
	r |= add(o, "parallel", json_integer(p->parallel));
	if (p->reverse)
		r |= add(o, "reverse", json_true());
	if (p->bidir)
		r |= add(o, "bidirectional", json_true());
	if (p->window)
		r |= add(o, "window", json_integer((json_int_t)p->window));
	r |= add(o, "len", json_integer(p->len));
	if (p->bandwidth)
		r |= add(o, "bandwidth", json_integer((json_int_t)p->bandwidth));
	if (p->fqrate)
		r |= add(o, "fqrate", json_integer((json_int_t)p->fqrate));
	if (p->pacing_timer)
		r |= add(o, "pacing_timer", json_integer(p->pacing_timer));
	if (p->burst)
		r |= add(o, "burst", json_integer(p->burst));
	if (p->tos)
		r |= add(o, "TOS", json_integer(p->tos));
	if (p->flowlabel)
		r |= add(o, "flowlabel", json_integer(p->flowlabel));
	if (p->title[0])
		r |= add(o, "title", json_string(p->title));
	if (p->extra_data[0])
		r |= add(o, "extra_data", json_string(p->extra_data));
	if (p->congestion[0])
		r |= add(o, "congestion", json_string(p->congestion));
	if (p->get_server_output)
		r |= add(o, "get_server_output", json_integer(1));
	if (p->udp_counters_64bit)
		r |= add(o, "udp_counters_64bit", json_integer(1));
	if (p->repeating_payload)
		r |= add(o, "repeating_payload", json_integer(1));
	if (p->zerocopy)
		r |= add(o, "zerocopy", json_integer(p->zerocopy));
	if (p->dont_fragment)
		r |= add(o, "dont_fragment", json_integer(1));
	r |= add(o, "client_version", json_string(p->client_version[0] ? p->client_version : "3.12"));
	if (r)
		errno = EINVAL; /* a string that is not UTF-8 */
	else
		s = dump(o, len);
	json_decref(o);
	return s;
}

/*
 * 3.12 prints negative integers as unsigned 64-bit (-1 = 18446744073709551615), which
 * jansson rejects as too big. Rewrite such 20-digit tokens outside strings to their
 * signed value, padded with spaces, in a copy. Returns the copy (malloc'ed), NULL on
 * ENOMEM; tokens 2^63..10^19-1 have no same-length signed form and stay (jansson then
 * reports them as too big).
 */
static char *fix_unsigned(const char *in, size_t len)
{
	char *s = malloc(len + 1);
	size_t i = 0;
	int in_str = 0;

	if (!s)
		return NULL;
	memcpy(s, in, len);
	s[len] = 0;
	while (i < len) {
		char ch = s[i];

		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = 0;
			i++;
			continue;
		}
		if (ch == '"') {
			in_str = 1;
			i++;
			continue;
		}
		/* a number token starts after ':', '[', ',' or white space (not in 1.5e19) */
		if (ch >= '0' && ch <= '9' && (i == 0 || strchr(":[, \t\r\n", s[i - 1]))) {
			size_t j = i;
			uint64_t v = 0;
			int over = 0;

			while (j < len && s[j] >= '0' && s[j] <= '9') {
				unsigned int d = (unsigned int)(s[j] - '0');

				if (v > (UINT64_MAX - d) / 10)
					over = 1;
				v = v * 10 + d;
				j++;
			}
			if (!over && j - i == 20 && (j == len || (s[j] != '.' && s[j] != 'e' && s[j] != 'E')) &&
			    v > (uint64_t)INT64_MAX) {
				char tmp[32];
				int n = snprintf(tmp, sizeof(tmp), "%" PRId64, (int64_t)v);

				if (n > 0 && (size_t)n <= j - i) {
					memset(s + i, ' ', j - i);
					memcpy(s + i, tmp, (size_t)n);
				}
			}
			i = j;
			continue;
		}
		i++;
	}
	return s;
}

static json_t *load(const char *json, size_t len, char *err, size_t errlen, int *rc)
{
	json_error_t je;
	json_t *o;
	char *s;

	*rc = 0;
	if (!json || len == 0) {
		*rc = fail(err, errlen, -EINVAL, "empty JSON");
		return NULL;
	}
	s = fix_unsigned(json, len);
	if (!s) {
		*rc = -ENOMEM;
		return NULL;
	}
	o = json_loadb(s, len, JSON_REJECT_DUPLICATES, &je);
	free(s);
	if (!o) {
		*rc = fail(err, errlen, -EINVAL, "bad JSON at byte %d: %s", je.position, je.text);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		*rc = fail(err, errlen, -EINVAL, "JSON is not an object");
		return NULL;
	}
	return o;
}

/* Integer member in [min, max]; integral reals accepted (other encoders print 1e+06).
 * Returns 1 found, 0 absent (error if required), <0 error. */
static int get_int(json_t *o, const char *what, const char *k, int required, int64_t min,
		   int64_t max, int64_t *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, k);
	int64_t x;

	if (!v) {
		if (required)
			return fail(err, errlen, -EINVAL, "%s: missing \"%s\"", what, k);
		return 0;
	}
	if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else if (json_is_real(v)) {
		double d = json_real_value(v);

		if (!(d >= -9.2e18 && d <= 9.2e18) || floor(d) != d)
			return fail(err, errlen, -EINVAL, "%s: \"%s\" is not an integer", what, k);
		x = (int64_t)d;
	} else {
		return fail(err, errlen, -EINVAL, "%s: \"%s\" is not a number", what, k);
	}
	if (x < min || x > max)
		return fail(err, errlen, -EINVAL, "%s: \"%s\" = %" PRId64 " out of range %" PRId64 "..%" PRId64,
			    what, k, x, min, max);
	*out = x;
	return 1;
}

static int get_num(json_t *o, const char *what, const char *k, int required, double *out,
		   char *err, size_t errlen)
{
	json_t *v = json_object_get(o, k);

	if (!v) {
		if (required)
			return fail(err, errlen, -EINVAL, "%s: missing \"%s\"", what, k);
		return 0;
	}
	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return fail(err, errlen, -EINVAL, "%s: \"%s\" is not a number", what, k);
	*out = json_number_value(v);
	return 1;
}

/* Keys 3.12 tests by presence: true or a number; false/0 mean unset here. */
static int get_flag(json_t *o, const char *k, uint8_t *out, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, k);

	if (!v)
		return 0;
	if (json_is_boolean(v))
		*out = json_is_true(v);
	else if (json_is_integer(v))
		*out = json_integer_value(v) != 0;
	else
		return fail(err, errlen, -EINVAL, "params: \"%s\" is neither a boolean nor a number", k);
	return 1;
}

static int get_str(json_t *o, const char *what, const char *k, char *dst, size_t cap,
		   char *err, size_t errlen)
{
	json_t *v = json_object_get(o, k);
	size_t n;

	if (!v)
		return 0;
	if (!json_is_string(v))
		return fail(err, errlen, -EINVAL, "%s: \"%s\" is not a string", what, k);
	n = json_string_length(v);
	if (n >= cap || memchr(json_string_value(v), 0, n))
		return fail(err, errlen, -EINVAL, "%s: \"%s\" is longer than %zu bytes or has a NUL",
			    what, k, cap - 1);
	memcpy(dst, json_string_value(v), n + 1);
	return 1;
}

int pg_iperf3_params_decode(const char *json, size_t len, struct pg_iperf3_params *p,
			    char *err, size_t errlen)
{
	static const char W[] = "params";
	uint8_t tcp = 0, udp = 0, flag;
	int64_t v;
	int rc;
	json_t *o = load(json, len, err, errlen, &rc);

	if (!o)
		return rc;
	pg_iperf3_params_init(p);
	p->client_version[0] = 0;
	p->time = 0;
#define INT(key, req, lo, hi, field) \
	do { \
		rc = get_int(o, W, key, req, lo, hi, &v, err, errlen); \
		if (rc < 0) \
			goto out; \
		if (rc > 0) \
			field = v; \
	} while (0)
#define FLAG(key, field) \
	do { \
		flag = 0; \
		if ((rc = get_flag(o, key, &flag, err, errlen)) < 0) \
			goto out; \
		field = flag; \
	} while (0)

	if (json_object_get(o, "sctp")) {
		rc = fail(err, errlen, -EPROTONOSUPPORT, "params: SCTP is not supported");
		goto out;
	}
	if (json_object_get(o, "authtoken")) {
		rc = fail(err, errlen, -EPROTONOSUPPORT,
			  "params: authentication (--username) is not supported");
		goto out;
	}
	FLAG("tcp", tcp);
	FLAG("udp", udp);
	if (tcp == udp) {
		rc = fail(err, errlen, -EINVAL, tcp ? "params: both \"tcp\" and \"udp\"" :
			  "params: neither \"tcp\" nor \"udp\"");
		goto out;
	}
	p->udp = udp;
	INT("omit", 0, 0, PG_IPERF3_MAX_TIME, p->omit);
	INT("server_affinity", 0, -1, INT32_MAX, p->server_affinity);
	INT("time", 1, 0, PG_IPERF3_MAX_TIME, p->time);
	INT("num", 0, 0, INT64_MAX, p->num);
	INT("blockcount", 0, 0, INT64_MAX, p->blockcount);
	INT("MSS", 0, 0, 9 * 1024, p->mss);
	FLAG("nodelay", p->nodelay);
	INT("parallel", 1, 1, PG_IPERF3_MAX_STREAMS, p->parallel);
	FLAG("reverse", p->reverse);
	FLAG("bidirectional", p->bidir);
	INT("window", 0, 0, 512ll * 1024 * 1024, p->window);
	INT("len", 1, 1, PG_IPERF3_MAX_BLOCKSIZE, p->len);
	INT("bandwidth", 0, 0, INT64_MAX, p->bandwidth);
	INT("fqrate", 0, 0, INT64_MAX, p->fqrate);
	p->pacing_timer = 0;
	INT("pacing_timer", 0, 0, INT32_MAX, p->pacing_timer);
	INT("burst", 0, 0, 1000, p->burst);
	INT("TOS", 0, 0, 255, p->tos);
	INT("flowlabel", 0, 0, 0xfffff, p->flowlabel);
	INT("zerocopy", 0, INT32_MIN, INT32_MAX, p->zerocopy);
	FLAG("get_server_output", p->get_server_output);
	FLAG("udp_counters_64bit", p->udp_counters_64bit);
	FLAG("repeating_payload", p->repeating_payload);
	FLAG("dont_fragment", p->dont_fragment);
	if ((rc = get_str(o, W, "title", p->title, sizeof(p->title), err, errlen)) < 0 ||
	    (rc = get_str(o, W, "extra_data", p->extra_data, sizeof(p->extra_data), err, errlen)) < 0 ||
	    (rc = get_str(o, W, "congestion", p->congestion, sizeof(p->congestion), err, errlen)) < 0 ||
	    (rc = get_str(o, W, "client_version", p->client_version, sizeof(p->client_version),
			  err, errlen)) < 0)
		goto out;
	rc = pg_iperf3_params_validate(p, err, errlen);
#undef INT
#undef FLAG
out:
	json_decref(o);
	return rc < 0 ? rc : 0;
}

/* ---------------------------------------------------------------------------------- */

char *pg_iperf3_results_encode(const struct pg_iperf3_results *r, size_t *len)
{
	json_t *o, *arr;
	char *s = NULL;
	uint32_t i;
	int e = 0;

	if (r->nb_streams > PG_IPERF3_MAX_RESULT_STREAMS) {
		errno = EINVAL;
		return NULL;
	}
	o = json_object();
	arr = json_array();
	if (!o || !arr) {
		json_decref(o);
		json_decref(arr);
		errno = ENOMEM;
		return NULL;
	}
	e |= add(o, "cpu_util_total", json_real(r->cpu_util_total));
	e |= add(o, "cpu_util_user", json_real(r->cpu_util_user));
	e |= add(o, "cpu_util_system", json_real(r->cpu_util_system));
	e |= add(o, "sender_has_retransmits", json_integer(r->sender_has_retransmits));
	if (r->congestion_used[0])
		e |= add(o, "congestion_used", json_string(r->congestion_used));
	if (r->server_output_json) {
		/* a server running with -J hands its whole JSON report to the client */
		json_t *so = json_loads(r->server_output_json, 0, NULL);

		e |= json_is_object(so) ? json_object_set_new(o, "server_output_json", so) : -1;
		if (so && !json_is_object(so))
			json_decref(so);
	} else if (r->server_output_text) {
		e |= add(o, "server_output_text", json_string(r->server_output_text));
	}
	for (i = 0; i < r->nb_streams && !e; i++) {
		const struct pg_iperf3_stream_result *sr = &r->streams[i];
		json_t *so = json_object();

		if (!so || json_array_append_new(arr, so)) {
			e = -1;
			break;
		}
		e |= add(so, "id", json_integer(sr->id));
		e |= add(so, "bytes", json_integer((json_int_t)sr->bytes));
		e |= add(so, "retransmits", json_integer(sr->retransmits));
		e |= add(so, "jitter", json_real(sr->jitter));
		e |= add(so, "errors", json_integer(sr->errors));
		e |= add(so, "packets", json_integer(sr->packets));
		e |= add(so, "start_time", json_real(sr->start_time));
		e |= add(so, "end_time", json_real(sr->end_time));
	}
	if (!e)
		e = json_object_set(o, "streams", arr);
	if (e)
		errno = EINVAL; /* non-finite double, non-UTF-8 text or no memory */
	else
		s = dump(o, len);
	json_decref(arr);
	json_decref(o);
	return s;
}

void pg_iperf3_results_release(struct pg_iperf3_results *r)
{
	free(r->server_output_text);
	free(r->server_output_json);
	r->server_output_text = NULL;
	r->server_output_json = NULL;
}

const struct pg_iperf3_stream_result *pg_iperf3_results_find(const struct pg_iperf3_results *r,
							      int32_t id)
{
	uint32_t i;

	for (i = 0; i < r->nb_streams; i++)
		if (r->streams[i].id == id)
			return &r->streams[i];
	return NULL;
}

int pg_iperf3_results_decode(const char *json, size_t len, struct pg_iperf3_results *r,
			     char *err, size_t errlen)
{
	static const char W[] = "results";
	json_t *o, *arr, *v;
	int64_t x;
	size_t i, n;
	int rc;

	memset(r, 0, offsetof(struct pg_iperf3_results, streams));
	r->server_output_text = NULL;
	r->server_output_json = NULL;
	o = load(json, len, err, errlen, &rc);
	if (!o)
		return rc;
	if ((rc = get_num(o, W, "cpu_util_total", 1, &r->cpu_util_total, err, errlen)) < 0 ||
	    (rc = get_num(o, W, "cpu_util_user", 1, &r->cpu_util_user, err, errlen)) < 0 ||
	    (rc = get_num(o, W, "cpu_util_system", 1, &r->cpu_util_system, err, errlen)) < 0)
		goto out;
	if ((rc = get_int(o, W, "sender_has_retransmits", 1, -1, 1, &x, err, errlen)) < 0)
		goto out;
	r->sender_has_retransmits = (int32_t)x;
	if ((rc = get_str(o, W, "congestion_used", r->congestion_used, sizeof(r->congestion_used),
			  err, errlen)) < 0)
		goto out;
	arr = json_object_get(o, "streams");
	if (!json_is_array(arr)) {
		rc = fail(err, errlen, -EINVAL, "results: \"streams\" missing or not an array");
		goto out;
	}
	n = json_array_size(arr);
	if (n > PG_IPERF3_MAX_RESULT_STREAMS) {
		rc = fail(err, errlen, -EINVAL, "results: %zu streams, more than %d", n,
			  PG_IPERF3_MAX_RESULT_STREAMS);
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct pg_iperf3_stream_result *sr = &r->streams[i];
		json_t *so = json_array_get(arr, i);
		char what[32];

		snprintf(what, sizeof(what), "results stream %zu", i);
		memset(sr, 0, sizeof(*sr));
		if (!json_is_object(so)) {
			rc = fail(err, errlen, -EINVAL, "%s: not an object", what);
			goto out;
		}
		if ((rc = get_int(so, what, "id", 1, 1, INT32_MAX, &x, err, errlen)) < 0)
			goto out;
		sr->id = (int32_t)x;
		if (pg_iperf3_results_find(r, sr->id) != NULL && r->nb_streams > 0) {
			rc = fail(err, errlen, -EINVAL, "%s: duplicate id %" PRId32, what, sr->id);
			goto out;
		}
		if ((rc = get_int(so, what, "bytes", 1, 0, INT64_MAX, &x, err, errlen)) < 0)
			goto out;
		sr->bytes = (uint64_t)x;
		if ((rc = get_int(so, what, "retransmits", 1, -1, INT64_MAX, &sr->retransmits, err, errlen)) < 0 ||
		    (rc = get_num(so, what, "jitter", 1, &sr->jitter, err, errlen)) < 0 ||
		    (rc = get_int(so, what, "errors", 1, INT64_MIN, INT64_MAX, &sr->errors, err, errlen)) < 0 ||
		    (rc = get_int(so, what, "packets", 1, -1, INT64_MAX, &sr->packets, err, errlen)) < 0 ||
		    (rc = get_num(so, what, "start_time", 0, &sr->start_time, err, errlen)) < 0 ||
		    (rc = get_num(so, what, "end_time", 0, &sr->end_time, err, errlen)) < 0)
			goto out;
		if (sr->jitter < 0) {
			rc = fail(err, errlen, -EINVAL, "%s: negative \"jitter\"", what);
			goto out;
		}
		r->nb_streams = (uint32_t)i + 1;
	}
	v = json_object_get(o, "server_output_text");
	if (v) {
		if (!json_is_string(v)) {
			rc = fail(err, errlen, -EINVAL, "results: \"server_output_text\" is not a string");
			goto out;
		}
		r->server_output_text = strndup(json_string_value(v), json_string_length(v));
		if (!r->server_output_text) {
			rc = -ENOMEM;
			goto out;
		}
	}
	v = json_object_get(o, "server_output_json");
	if (v) {
		if (!json_is_object(v)) {
			rc = fail(err, errlen, -EINVAL, "results: \"server_output_json\" is not an object");
			goto out;
		}
		r->server_output_json = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | REAL_FMT);
		if (!r->server_output_json) {
			rc = -ENOMEM;
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(o);
	if (rc < 0)
		pg_iperf3_results_release(r);
	return rc < 0 ? rc : 0;
}

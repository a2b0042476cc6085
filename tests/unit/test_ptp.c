/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ptp4l management codec against bytes captured from a real `pmc -u -b 0` talking to a
 * real ptp4l (linuxptp 3.1.1, software timestamping, free_running) in two namespaces
 * (tests/unit/vectors/ptp/capture.sh). The GET we encode must equal pmc's bytes; the
 * RESPONSE we decode must give the values pmc printed (pmc-*.txt, captured in the same run).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ptp_mgmt.h"

static size_t load(const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", VEC_DIR, name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* The value after `key` on its line in pmc's printout */
static const char *pmc_field(const char *file, const char *key, char *val, size_t cap)
{
	char path[512], line[256];
	snprintf(path, sizeof(path), "%s/%s", VEC_DIR, file);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	val[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		char k[64], v[128];
		if (sscanf(line, " %63s %127s", k, v) == 2 && strcmp(k, key) == 0) {
			snprintf(val, cap, "%s", v);
			break;
		}
	}
	fclose(f);
	assert_true(val[0] != '\0');
	return val;
}

/* GET encodes to pmc's bytes (pmc's source port is its pid, sequence 0) */
static void check_get(const char *file, uint16_t id)
{
	uint8_t ref[256], out[256];
	size_t n = load(file, ref, sizeof(ref));
	struct pg_ptp_port_id src = { .port = (uint16_t)((ref[28] << 8) | ref[29]) };
	memcpy(src.clock, ref + 20, 8);
	int len = pg_ptp_mgmt_encode_get(out, sizeof(out), id, 0, &src);
	assert_int_equal(len, (int)n);
	assert_memory_equal(out, ref, n);
	/* and our own GET decodes back */
	struct pg_ptp_mgmt_msg m;
	assert_int_equal(pg_ptp_mgmt_decode(out, (size_t)len, &m), 0);
	assert_int_equal(m.action, PG_PTP_ACTION_GET);
	assert_int_equal(m.mgmt_id, id);
	assert_int_equal(m.source.port, src.port);
	assert_int_equal(pg_ptp_mgmt_encode_get(out, (size_t)len - 1, id, 0, &src), -ENOSPC);
}

static void test_encode_get(void **state)
{
	(void)state;
	check_get("time_status_np.get.bin", PG_PTP_MGMT_TIME_STATUS_NP);
	check_get("port_data_set.get.bin", PG_PTP_MGMT_PORT_DATA_SET);
	check_get("current_data_set.get.bin", PG_PTP_MGMT_CURRENT_DATA_SET);
	uint8_t out[256];
	struct pg_ptp_port_id src = { .port = 1 };
	assert_int_equal(pg_ptp_mgmt_encode_get(out, sizeof(out), 0x1234, 0, &src), -ENOTSUP);
}

static void test_decode_time_status(void **state)
{
	(void)state;
	uint8_t buf[256];
	char v[128];
	size_t n = load("time_status_np.resp.bin", buf, sizeof(buf));
	struct pg_ptp_mgmt_msg m;
	assert_int_equal(pg_ptp_mgmt_decode(buf, n, &m), 0);
	assert_int_equal(m.action, PG_PTP_ACTION_RESPONSE);
	assert_int_equal(m.mgmt_id, PG_PTP_MGMT_TIME_STATUS_NP);
	assert_int_equal(m.data_len, 50);
	const char *f = "pmc-TIME_STATUS_NP.txt";
	assert_int_equal(m.u.ts.master_offset_ns, strtoll(pmc_field(f, "master_offset", v, sizeof(v)), NULL, 10));
	assert_int_equal(m.u.ts.ingress_time_ns, strtoll(pmc_field(f, "ingress_time", v, sizeof(v)), NULL, 10));
	assert_int_equal(m.u.ts.gm_present, strcmp(pmc_field(f, "gmPresent", v, sizeof(v)), "true") == 0);
	char gm[32];
	const uint8_t *g = m.u.ts.gm_identity;
	snprintf(gm, sizeof(gm), "%02x%02x%02x.%02x%02x.%02x%02x%02x", g[0], g[1], g[2], g[3], g[4],
		 g[5], g[6], g[7]);
	assert_string_equal(gm, pmc_field(f, "gmIdentity", v, sizeof(v)));
	/* the reply goes to pmc's port identity, sequence 0 */
	uint8_t get[256];
	load("time_status_np.get.bin", get, sizeof(get));
	assert_memory_equal(m.target.clock, get + 20, 8);
	assert_int_equal(m.target.port, (get[28] << 8) | get[29]);
	assert_int_equal(m.sequence_id, 0);
}

static void check_port_ds(const char *bin, const char *txt)
{
	uint8_t buf[256];
	char v[128];
	size_t n = load(bin, buf, sizeof(buf));
	struct pg_ptp_mgmt_msg m;
	assert_int_equal(pg_ptp_mgmt_decode(buf, n, &m), 0);
	assert_int_equal(m.mgmt_id, PG_PTP_MGMT_PORT_DATA_SET);
	assert_string_equal(pg_ptp_port_state_name(m.u.pds.port_state), pmc_field(txt, "portState", v, sizeof(v)));
	assert_int_equal(m.u.pds.log_sync_interval, atoi(pmc_field(txt, "logSyncInterval", v, sizeof(v))));
	assert_int_equal(m.u.pds.log_announce_interval, atoi(pmc_field(txt, "logAnnounceInterval", v, sizeof(v))));
	assert_int_equal(m.u.pds.announce_receipt_timeout, atoi(pmc_field(txt, "announceReceiptTimeout", v, sizeof(v))));
	assert_int_equal(m.u.pds.log_min_delay_req_interval, atoi(pmc_field(txt, "logMinDelayReqInterval", v, sizeof(v))));
	assert_int_equal(m.u.pds.delay_mechanism, atoi(pmc_field(txt, "delayMechanism", v, sizeof(v))));
	assert_int_equal(m.u.pds.version_number, atoi(pmc_field(txt, "versionNumber", v, sizeof(v))));
	assert_int_equal(m.u.pds.port_identity.port, 1);
}

static void test_decode_port_ds(void **state)
{
	(void)state;
	check_port_ds("port_data_set.resp.bin", "pmc-PORT_DATA_SET.txt");
	check_port_ds("port_data_set_master.resp.bin", "pmc-PORT_DATA_SET-master.txt");
}

static void test_decode_current_ds(void **state)
{
	(void)state;
	uint8_t buf[256];
	char v[128];
	size_t n = load("current_data_set.resp.bin", buf, sizeof(buf));
	struct pg_ptp_mgmt_msg m;
	const char *f = "pmc-CURRENT_DATA_SET.txt";
	assert_int_equal(pg_ptp_mgmt_decode(buf, n, &m), 0);
	assert_int_equal(m.u.cds.steps_removed, atoi(pmc_field(f, "stepsRemoved", v, sizeof(v))));
	assert_true(m.u.cds.offset_from_master / 65536.0 == strtod(pmc_field(f, "offsetFromMaster", v, sizeof(v)), NULL));
	assert_true(m.u.cds.mean_path_delay / 65536.0 == strtod(pmc_field(f, "meanPathDelay", v, sizeof(v)), NULL));
}

/* Every truncation is refused; a MANAGEMENT_ERROR_STATUS is reported as such */
static void test_malformed(void **state)
{
	(void)state;
	uint8_t buf[256];
	struct pg_ptp_mgmt_msg m;
	size_t n = load("time_status_np.resp.bin", buf, sizeof(buf));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(pg_ptp_mgmt_decode(buf, i, &m), -EBADMSG);
	uint8_t bad[256];
	memcpy(bad, buf, n);
	bad[0] = 0x00; /* a Sync, not management */
	assert_int_equal(pg_ptp_mgmt_decode(bad, n, &m), -EBADMSG);
	memcpy(bad, buf, n);
	bad[51] = 0xff; /* TLV longer than the message */
	assert_int_equal(pg_ptp_mgmt_decode(bad, n, &m), -EBADMSG);
	memcpy(bad, buf, n);
	bad[51] = 10; /* dataset shorter than TIME_STATUS_NP */
	assert_int_equal(pg_ptp_mgmt_decode(bad, n, &m), -EBADMSG);
	/* error status: NOT_SUPPORTED (0x0006) for TIME_STATUS_NP */
	memcpy(bad, buf, n);
	const uint8_t err[] = { 0x00, 0x02, 0x00, 0x08, 0x00, 0x06, 0xc0, 0x00, 0, 0, 0, 0 };
	memcpy(bad + 48, err, sizeof(err));
	bad[2] = 0;
	bad[3] = 60;
	assert_int_equal(pg_ptp_mgmt_decode(bad, 60, &m), -EPROTO);
	assert_int_equal(m.error_id, 6);
	assert_int_equal(m.mgmt_id, PG_PTP_MGMT_TIME_STATUS_NP);
	assert_string_equal(pg_ptp_port_state_name(0), "?");
	assert_string_equal(pg_ptp_port_state_name(200), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_get),
		cmocka_unit_test(test_decode_time_status),
		cmocka_unit_test(test_decode_port_ds),
		cmocka_unit_test(test_decode_current_ds),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

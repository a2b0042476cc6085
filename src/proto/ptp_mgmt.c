/* SPDX-License-Identifier: BSD-3-Clause */
/* IEEE 1588 management GET encoder and RESPONSE decoder (see ptp_mgmt.h). */
#include <errno.h>
#include <string.h>

#include "ptp_mgmt.h"

#define MSG_MANAGEMENT 0xD
#define PTP_VERSION 2
#define CTL_MANAGEMENT 0x04
#define TLV_MANAGEMENT 0x0001
#define TLV_MANAGEMENT_ERROR_STATUS 0x0002

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t get64(const uint8_t *p)
{
	return ((uint64_t)get32(p) << 32) | get32(p + 4);
}

static void get_port_id(const uint8_t *p, struct pg_ptp_port_id *id)
{
	memcpy(id->clock, p, 8);
	id->port = get16(p + 8);
}

int pg_ptp_mgmt_data_size(uint16_t mgmt_id)
{
	switch (mgmt_id) {
	case PG_PTP_MGMT_TIME_STATUS_NP:
		return 50;
	case PG_PTP_MGMT_PORT_DATA_SET:
		return 26;
	case PG_PTP_MGMT_CURRENT_DATA_SET:
		return 18;
	default:
		return -ENOTSUP;
	}
}

int pg_ptp_mgmt_encode_get(uint8_t *buf, size_t cap, uint16_t mgmt_id, uint16_t seq,
			   const struct pg_ptp_port_id *source)
{
	int dlen = pg_ptp_mgmt_data_size(mgmt_id);
	size_t len;

	if (dlen < 0)
		return dlen;
	len = PG_PTP_MGMT_DATA_OFF + (size_t)dlen;
	if (cap < len)
		return -ENOSPC;
	memset(buf, 0, len);
	buf[0] = MSG_MANAGEMENT;
	buf[1] = PTP_VERSION;
	put16(buf + 2, (uint16_t)len);
	memcpy(buf + 20, source->clock, 8);
	put16(buf + 28, source->port);
	put16(buf + 30, seq);
	buf[32] = CTL_MANAGEMENT;
	buf[33] = 0x7f; /* logMessageInterval: management messages use 0x7F */
	memset(buf + 34, 0xff, 10); /* target: all clocks, all ports */
	buf[46] = PG_PTP_ACTION_GET;
	put16(buf + 48, TLV_MANAGEMENT);
	put16(buf + 50, (uint16_t)(2 + dlen));
	put16(buf + 52, mgmt_id);
	return (int)len;
}

static int decode_dataset(struct pg_ptp_mgmt_msg *m)
{
	const uint8_t *d = m->data;
	int want = pg_ptp_mgmt_data_size(m->mgmt_id);

	if (want < 0)
		return 0; /* not ours to decode: the caller has the raw data */
	if (m->data_len < want)
		return -EBADMSG;
	switch (m->mgmt_id) {
	case PG_PTP_MGMT_TIME_STATUS_NP:
		m->u.ts.master_offset_ns = (int64_t)get64(d);
		m->u.ts.ingress_time_ns = (int64_t)get64(d + 8);
		m->u.ts.cumulative_scaled_rate_offset = (int32_t)get32(d + 16);
		m->u.ts.scaled_last_gm_phase_change = (int32_t)get32(d + 20);
		m->u.ts.gm_time_base_indicator = get16(d + 24);
		/* d + 26: lastGmPhaseChange (12 bytes), not used */
		m->u.ts.gm_present = (int32_t)get32(d + 38);
		memcpy(m->u.ts.gm_identity, d + 42, 8);
		break;
	case PG_PTP_MGMT_PORT_DATA_SET:
		get_port_id(d, &m->u.pds.port_identity);
		m->u.pds.port_state = d[10];
		m->u.pds.log_min_delay_req_interval = (int8_t)d[11];
		m->u.pds.peer_mean_path_delay = (int64_t)get64(d + 12);
		m->u.pds.log_announce_interval = (int8_t)d[20];
		m->u.pds.announce_receipt_timeout = d[21];
		m->u.pds.log_sync_interval = (int8_t)d[22];
		m->u.pds.delay_mechanism = d[23];
		m->u.pds.log_min_pdelay_req_interval = (int8_t)d[24];
		m->u.pds.version_number = d[25];
		break;
	case PG_PTP_MGMT_CURRENT_DATA_SET:
		m->u.cds.steps_removed = get16(d);
		m->u.cds.offset_from_master = (int64_t)get64(d + 2);
		m->u.cds.mean_path_delay = (int64_t)get64(d + 10);
		break;
	}
	return 0;
}

int pg_ptp_mgmt_decode(const uint8_t *buf, size_t len, struct pg_ptp_mgmt_msg *out)
{
	size_t msg_len, tlv_len;

	memset(out, 0, sizeof(*out));
	if (len < PG_PTP_MGMT_DATA_OFF)
		return -EBADMSG;
	if ((buf[0] & 0x0f) != MSG_MANAGEMENT || (buf[1] & 0x0f) != PTP_VERSION)
		return -EBADMSG;
	msg_len = get16(buf + 2);
	if (msg_len < PG_PTP_MGMT_DATA_OFF || msg_len > len)
		return -EBADMSG;
	get_port_id(buf + 20, &out->source);
	out->sequence_id = get16(buf + 30);
	get_port_id(buf + 34, &out->target);
	out->action = buf[46] & 0x0f;
	out->tlv_type = get16(buf + 48);
	tlv_len = get16(buf + 50);
	if (tlv_len < 2 || PG_PTP_MGMT_HDR_LEN + 4 + tlv_len > msg_len)
		return -EBADMSG;
	if (out->tlv_type == TLV_MANAGEMENT_ERROR_STATUS) {
		/* managementErrorId, managementId, reserved(4), displayData */
		if (tlv_len < 8)
			return -EBADMSG;
		out->error_id = get16(buf + 52);
		out->mgmt_id = get16(buf + 54);
		return -EPROTO;
	}
	if (out->tlv_type != TLV_MANAGEMENT)
		return -EBADMSG;
	out->mgmt_id = get16(buf + 52);
	out->data = buf + PG_PTP_MGMT_DATA_OFF;
	out->data_len = (uint16_t)(tlv_len - 2);
	if (out->action != PG_PTP_ACTION_RESPONSE)
		return 0;
	return decode_dataset(out);
}

const char *pg_ptp_port_state_name(uint8_t state)
{
	static const char *const names[] = {
		[PG_PTP_PS_INITIALIZING] = "INITIALIZING", [PG_PTP_PS_FAULTY] = "FAULTY",
		[PG_PTP_PS_DISABLED] = "DISABLED",         [PG_PTP_PS_LISTENING] = "LISTENING",
		[PG_PTP_PS_PRE_MASTER] = "PRE_MASTER",     [PG_PTP_PS_MASTER] = "MASTER",
		[PG_PTP_PS_PASSIVE] = "PASSIVE",           [PG_PTP_PS_UNCALIBRATED] = "UNCALIBRATED",
		[PG_PTP_PS_SLAVE] = "SLAVE",
	};

	if (state < sizeof(names) / sizeof(names[0]) && names[state])
		return names[state];
	return "?";
}

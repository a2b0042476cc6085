/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IEEE 1588 management messages as ptp4l (linuxptp 3.1.1) speaks them on its UNIX
 * datagram socket (uds_address): encode a GET for one management id, decode the
 * RESPONSE (or a MANAGEMENT_ERROR_STATUS). Sans-IO: no socket here, so the unit test
 * compares against bytes captured from a real `pmc -u` and the fuzz target feeds it
 * anything. Layout (all big-endian): 34-byte common header (messageType 0xD), target
 * port identity (10), startingBoundaryHops, boundaryHops, actionField, reserved, then
 * one TLV: type (1 = MANAGEMENT, 2 = MANAGEMENT_ERROR_STATUS), length, managementId,
 * data. A GET carries a zero-filled data field of the dataset's size, as pmc sends it.
 */
#ifndef PG_PTP_MGMT_H
#define PG_PTP_MGMT_H

#include <stddef.h>
#include <stdint.h>

#define PG_PTP_MGMT_CURRENT_DATA_SET 0x2001
#define PG_PTP_MGMT_PORT_DATA_SET 0x2004
#define PG_PTP_MGMT_TIME_STATUS_NP 0xC000

#define PG_PTP_ACTION_GET 0
#define PG_PTP_ACTION_SET 1
#define PG_PTP_ACTION_RESPONSE 2
#define PG_PTP_ACTION_COMMAND 3
#define PG_PTP_ACTION_ACKNOWLEDGE 4

/* portState values (IEEE 1588-2008 8.2.5.3.1) */
enum pg_ptp_port_state {
	PG_PTP_PS_INITIALIZING = 1,
	PG_PTP_PS_FAULTY,
	PG_PTP_PS_DISABLED,
	PG_PTP_PS_LISTENING,
	PG_PTP_PS_PRE_MASTER,
	PG_PTP_PS_MASTER,
	PG_PTP_PS_PASSIVE,
	PG_PTP_PS_UNCALIBRATED,
	PG_PTP_PS_SLAVE,
};

#define PG_PTP_HDR_LEN 34
#define PG_PTP_MGMT_HDR_LEN 48   /* common header + management fields */
#define PG_PTP_MGMT_DATA_OFF 54  /* + TLV type, length, managementId */
#define PG_PTP_MGMT_MAX_LEN 1500

struct pg_ptp_port_id {
	uint8_t clock[8];
	uint16_t port;
};

/* TIME_STATUS_NP (linuxptp extension, 50 bytes) */
struct pg_ptp_time_status {
	int64_t master_offset_ns;   /* local clock - master clock */
	int64_t ingress_time_ns;    /* local time of the last Sync; 0 when none yet */
	int32_t cumulative_scaled_rate_offset;
	int32_t scaled_last_gm_phase_change;
	uint16_t gm_time_base_indicator;
	int32_t gm_present;
	uint8_t gm_identity[8];
};

/* PORT_DATA_SET (26 bytes) */
struct pg_ptp_port_ds {
	struct pg_ptp_port_id port_identity;
	uint8_t port_state;
	int8_t log_min_delay_req_interval;
	int64_t peer_mean_path_delay;     /* TimeInterval: ns << 16 */
	int8_t log_announce_interval;
	uint8_t announce_receipt_timeout;
	int8_t log_sync_interval;
	uint8_t delay_mechanism;
	int8_t log_min_pdelay_req_interval;
	uint8_t version_number;
};

/* CURRENT_DATA_SET (18 bytes) */
struct pg_ptp_current_ds {
	uint16_t steps_removed;
	int64_t offset_from_master;       /* TimeInterval: ns << 16 */
	int64_t mean_path_delay;          /* TimeInterval: ns << 16 */
};

struct pg_ptp_mgmt_msg {
	struct pg_ptp_port_id source;
	struct pg_ptp_port_id target;
	uint16_t sequence_id;
	uint8_t action;
	uint16_t tlv_type;
	uint16_t mgmt_id;
	uint16_t error_id;               /* MANAGEMENT_ERROR_STATUS only */
	const uint8_t *data;             /* points into the decoded buffer */
	uint16_t data_len;
	union {
		struct pg_ptp_time_status ts;
		struct pg_ptp_port_ds pds;
		struct pg_ptp_current_ds cds;
	} u;
};

/* Size of the dataset of mgmt_id (the data field a GET carries), or -ENOTSUP. */
int pg_ptp_mgmt_data_size(uint16_t mgmt_id);

/*
 * Write a GET for mgmt_id into buf (boundary hops 0, target all ones, as `pmc -b 0`).
 * Returns the message length, -ENOTSUP for an id this codec does not know, -ENOSPC
 * if cap is too small.
 */
int pg_ptp_mgmt_encode_get(uint8_t *buf, size_t cap, uint16_t mgmt_id, uint16_t seq,
			   const struct pg_ptp_port_id *source);

/*
 * Decode a management message. Fills out (out->data points into buf). For a RESPONSE
 * of a known id, the dataset is decoded into out->u. Returns 0, -EBADMSG for anything
 * malformed (short, wrong message type or version, TLV past the end, dataset of the
 * wrong size), -EPROTO for a MANAGEMENT_ERROR_STATUS (out->error_id set).
 */
int pg_ptp_mgmt_decode(const uint8_t *buf, size_t len, struct pg_ptp_mgmt_msg *out);

/* "SLAVE", "UNCALIBRATED", ...; "?" for anything else. */
const char *pg_ptp_port_state_name(uint8_t state);

#endif /* PG_PTP_MGMT_H */

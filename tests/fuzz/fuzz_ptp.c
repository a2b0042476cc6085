/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: whatever arrives on the ptp4l management socket, through the decoder. */
#include <stddef.h>
#include <stdint.h>

#include "ptp_mgmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_ptp_mgmt_msg m;
	uint8_t out[PG_PTP_MGMT_MAX_LEN];

	if (pg_ptp_mgmt_decode(data, size, &m) == 0 && m.action == PG_PTP_ACTION_RESPONSE)
		(void)pg_ptp_mgmt_encode_get(out, sizeof(out), m.mgmt_id, m.sequence_id, &m.source);
	(void)pg_ptp_port_state_name(size ? data[0] : 0);
	return 0;
}

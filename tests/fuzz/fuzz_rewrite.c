/* SPDX-License-Identifier: BSD-3-Clause */
/* Fuzz target: replay's header rewrite (MACs, IPv4 addresses, checksum patch and recompute)
 * on arbitrary frames; byte 0 chooses the options. */
#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "rewrite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pg_rewrite rw;
	uint8_t *frame;

	if (size < 1 || size > 65536)
		return 0;
	memset(&rw, 0, sizeof(rw));
	rw.set_smac = data[0] & 1;
	rw.set_dmac = (data[0] >> 1) & 1;
	rw.set_sip = (data[0] >> 2) & 1;
	rw.set_dip = (data[0] >> 3) & 1;
	rw.fix_csum = (data[0] >> 4) & 1;
	memset(rw.smac, 0x02, 6);
	memset(rw.dmac, 0x04, 6);
	rw.sip = 0x010112c6;
	rw.dip = 0x020112c6;
	/* an exact-size heap copy, so ASan sees any read or write past the frame */
	frame = malloc(size - 1 ? size - 1 : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 1, size - 1);
	(void)pg_frame_rewrite(frame, (uint32_t)(size - 1), &rw);
	free(frame);
	return 0;
}

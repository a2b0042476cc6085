/* SPDX-License-Identifier: BSD-3-Clause */
/* Source and error bound of the latency figures (latclock.h). */
#include <jansson.h>

#include "latclock.h"
#include "report_priv.h"

const char *pg_sync_mode_name(enum pg_sync_mode m)
{
	switch (m) {
	case PG_SYNC_PTP:
		return "ptp";
	case PG_SYNC_DISCIPLINED:
		return "disciplined";
	default:
		return "none";
	}
}

void pg_latency_source(const struct pg_latclock *lk, const char **source, uint64_t *bound_ns,
		       uint32_t *resolution_ns)
{
	pg_latency_source_rx(lk, NULL, source, bound_ns, resolution_ns);
}

void pg_latency_source_rx(const struct pg_latclock *lk, const char *rx, const char **source,
			  uint64_t *bound_ns, uint32_t *resolution_ns)
{
	static char buf[64];
	uint64_t own, peer;

	*bound_ns = PG_BOUND_UNKNOWN;
	*resolution_ns = lk && lk->rx_resolution_ns && !rx ? lk->rx_resolution_ns : 1;
	*source = rx ? rx : lk && lk->rx_source ? lk->rx_source : "tsc";
	if (!lk || lk->mode == PG_SYNC_NONE)
		return;
	own = atomic_load_explicit(&lk->bound_ns, memory_order_relaxed);
	if (lk->mode == PG_SYNC_DISCIPLINED) {
		snprintf(buf, sizeof(buf), "%s+disciplined", *source);
		*source = buf;
		*bound_ns = own;
		return;
	}
	if (!rx && atomic_load_explicit(&lk->peer_seen, memory_order_relaxed)) {
		snprintf(buf, sizeof(buf), "%s+ptp", *source);
		peer = atomic_load_explicit(&lk->peer_bound_ns, memory_order_relaxed);
		if (own != PG_BOUND_UNKNOWN)
			*bound_ns = own + peer + *resolution_ns;
	} else {
		/* the sender's clock is taken as the grandmaster's: nothing bounds that */
		snprintf(buf, sizeof(buf), "%s+ptp-rx", *source);
	}
	*source = buf;
}

json_t *pg_latclock_json(const struct pg_latclock *lk)
{
	json_t *o = json_object();
	uint64_t b = atomic_load_explicit(&lk->bound_ns, memory_order_relaxed);

	json_object_set_new(o, "sync", json_string(pg_sync_mode_name(lk->mode)));
	json_object_set_new(o, "rx_source", json_string(lk->rx_source ? lk->rx_source : "tsc"));
	json_object_set_new(o, "resolution_ns", json_integer(lk->rx_resolution_ns));
	if (lk->mode != PG_SYNC_NONE) {
		json_object_set_new(o, "offset_ns", json_integer(atomic_load_explicit(
							    &lk->offset_ns, memory_order_relaxed)));
		json_object_set_new(o, "offset_bound_ns", b == PG_BOUND_UNKNOWN ? json_null() :
								 json_integer((json_int_t)b));
		if (atomic_load_explicit(&lk->peer_seen, memory_order_relaxed))
			json_object_set_new(o, "peer_bound_ns", json_integer((json_int_t)atomic_load_explicit(
									&lk->peer_bound_ns, memory_order_relaxed)));
	}
	return o;
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * vmb_slice_store()/vmb_slice_load() against the raw __atomic builtin, for
 * every width and ordering. Both loops are atomics.c's: one per (width,
 * ordering), the ordering a constant as at a real call site, the same
 * loop shape (an opaque address fixed before the loop, the stored value
 * the loop counter, a loaded value consumed by vmb_bench_use()); the raw
 * one is a bare __atomic_store_n/__atomic_load_n with nothing of the
 * project in it.
 *
 * The read-modify-write rows (fetch_add, cmpxchg; SPEC A1-A2) pair the
 * same way against __atomic_fetch_add and __atomic_compare_exchange_n.
 *
 * Names: peer/atomic/<store|load>/<u8|u16|u32|u64>/<relaxed|release|acquire|seq_cst>
 *        peer/atomic/<fetch_add|cmpxchg>/<u8|u16|u32|u64>/<relaxed|seq_cst>
 */
#include "peers/peers.h"

void register_peer_atomic(const struct bench_mode *m)
{
	size_t n;
	const struct atomic_fn *fns = atomic_fns(&n);

	if (m->tune)
		return;
	/* Rows come in (api, raw) pairs. */
	for (size_t i = 0; i + 1 < n; i += 2) {
		void *a = atomic_ctx_new(), *r = atomic_ctx_new();
		struct side sa = {fns[i].loop, a, NULL, atomic_ctx_failed};
		struct side sr = {fns[i + 1].loop, r, NULL, NULL};

		register_pair(sa, sr, "peer/atomic/%s/%s/%s", fns[i].op, fns[i].width, fns[i].order);
	}
}

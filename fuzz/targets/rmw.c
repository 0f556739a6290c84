/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Fuzz target "rmw": the guest target's layouts (up to 8 regions with
 * holes, touching regions, starts near UINT64_MAX) with the
 * read-modify-write atomics (fetch_add ... swap, cmpxchg; SPEC A1-A5)
 * among every other op, so that the oracle checks each old value, what is
 * left in memory, the dirty pages and the errors of G8's terms.
 */
#include "fuzz.h"

static const struct vmbf_profile profile = {
	.name = "rmw",
	.container = VMBO_SETUP_REGION,
	.max_regions = 8,
	.faults = true,
	.bitmaps = true,
	.max_len = 0x3000,
	.max_ops = 48,
	.nkinds = 22,
};

VMBF_SCRIPT_TARGET(profile)

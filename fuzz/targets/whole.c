/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Fuzz target "whole": the guest target's layouts (up to 8 regions with
 * holes, touching regions, starts near UINT64_MAX) with the all-or-nothing
 * write_whole and read_whole (W1-W4) among the ops, so that the oracle sees
 * a failed one leave memory and the dirty bitmaps as they were.
 */
#include "fuzz.h"

static const struct vmbf_profile profile = {
	.name = "whole",
	.container = VMBO_SETUP_REGION,
	.max_regions = 8,
	.faults = true,
	.bitmaps = true,
	.max_len = 0x3000,
	.max_ops = 48,
	.nkinds = 15,
};

VMBF_SCRIPT_TARGET(profile)

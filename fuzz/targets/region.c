/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* Fuzz target "region": one guest region (anonymous or memfd) at boundary-biased starts. */
#include "fuzz.h"

static const struct vmbf_profile profile = {
	.name = "region",
	.container = VMBO_SETUP_REGION,
	.max_regions = 1,
	.faults = false,
	.bitmaps = true,
	.max_len = 0x3000,
	.max_ops = 48,
};

VMBF_SCRIPT_TARGET(profile)

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* Fuzz target "guest": up to 8 regions with holes, touching regions, starts near UINT64_MAX. */
#include "fuzz.h"

static const struct vmbf_profile profile = {
	.name = "guest",
	.container = VMBO_SETUP_REGION,
	.max_regions = 8,
	.faults = true,
	.bitmaps = true,
	.max_len = 0x3000,
	.max_ops = 48,
};

VMBF_SCRIPT_TARGET(profile)

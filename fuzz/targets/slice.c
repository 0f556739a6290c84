/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* Fuzz target "slice": op sequences checked against the shadow model. */
#include "fuzz.h"

static const struct vmbf_profile profile = {
	.name = "slice",
	.container = VMBO_SETUP_SLICE,
	.max_regions = 1,
	.faults = true,
	.bitmaps = true,
	.max_len = 8192,
	.max_ops = 48,
};

VMBF_SCRIPT_TARGET(profile)

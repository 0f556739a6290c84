/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* Fuzz target "io": volatile I/O through fault-injecting sources and sinks (I2, S7, S8). */
#include "fuzz.h"

static const struct vmbf_profile profile = {
	.name = "io",
	.container = VMBO_SETUP_REGION,
	.max_regions = 3,
	.faults = true,
	.bitmaps = true,
	.max_len = 4096,
	.max_ops = 32,
};

VMBF_SCRIPT_TARGET(profile)

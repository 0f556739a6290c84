/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* Fuzz target "datafile": the pread/pwrite container (D1); lengths cross the 16 KiB call limit. */
#include "fuzz.h"

static const struct vmbf_profile profile = {
	.name = "datafile",
	.container = VMBO_SETUP_FILE,
	.max_regions = 1,
	.faults = true,
	.bitmaps = false,
	.max_len = 20000,
	.max_ops = 48,
};

VMBF_SCRIPT_TARGET(profile)

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * A test-only fuzz target with a planted crash, for the minimization test
 * (fuzz/tests/minimize.py): the slice target's decoder and oracle, and an
 * abort() when the script holds a write_obj of the u64 VMBF_PLANTED_VALUE.
 * It is built only as fuzz_planted*, never into a product target.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

#define VMBF_PLANTED_VALUE 0x5ca1ab1e0ddba115ull

static const struct vmbf_profile profile = {
	.name = "planted",
	.container = VMBO_SETUP_SLICE,
	.max_regions = 1,
	.faults = true,
	.bitmaps = true,
	.max_len = 8192,
	.max_ops = 48,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmbo_script s;
	size_t nops;

	vmbf_decode(&profile, data, size, &s);
	/* The ops before the planted one run through the oracle as usual. */
	for (nops = 0; nops < s.nops; nops++)
		if (s.ops[nops].kind == VMBO_WRITE_OBJ && s.ops[nops].width == 8 &&
		    s.ops[nops].value == VMBF_PLANTED_VALUE)
			break;
	size_t all = s.nops;

	s.nops = nops;
	vmbf_check_script(&s, NULL, NULL);
	s.nops = all;
	vmbo_script_free(&s);
	if (nops < all) {
		fprintf(stderr, "==planted== the planted crash, at op %zu\n", nops + 1);
		abort();
	}
	return 0;
}

void vmbf_target_decode(const uint8_t *data, size_t size, struct vmbo_text *out)
{
	vmbf_print_profile(&profile, data, size, out);
}

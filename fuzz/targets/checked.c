/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Fuzz target "checked": the checked-arithmetic helpers against 128-bit
 * arithmetic, on operands biased to 0, 1, powers of two and MAX - k.
 */
#include <inttypes.h>

#include "fuzz.h"

static uint64_t operand(struct vmbf_producer *d)
{
	uint8_t mode = vmbf_u8(d);

	switch (mode % 5) {
	case 0:
		return mode >> 3;
	case 1:
		return UINT64_MAX - (mode >> 3);
	case 2:
		return (uint64_t)1 << (mode >> 2 & 63);
	case 3:
		return ((uint64_t)1 << (mode >> 2 & 63)) - 1;
	default:
		return vmbf_u64(d);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmbf_producer d;

	vmbf_producer_init(&d, data, size);
	while (!vmbf_done(&d)) {
		uint64_t a = operand(&d), b = operand(&d), r;
		unsigned __int128 wa = a, wb = b;
		bool o;

		o = vmb_add_overflow_u64(a, b, &r);
		VMBF_CHECK("checked", o == (wa + wb > UINT64_MAX) && r == (uint64_t)(wa + wb),
			   "add 0x%lx 0x%lx", (unsigned long)a, (unsigned long)b);
		o = vmb_sub_overflow_u64(a, b, &r);
		VMBF_CHECK("checked", o == (b > a) && r == a - b, "sub 0x%lx 0x%lx", (unsigned long)a,
			   (unsigned long)b);
		o = vmb_mul_overflow_u64(a, b, &r);
		VMBF_CHECK("checked", o == (wa * wb > UINT64_MAX) && r == (uint64_t)(wa * wb),
			   "mul 0x%lx 0x%lx", (unsigned long)a, (unsigned long)b);
		/* S5's subtraction form agrees with the exact sum. */
		uint64_t len = operand(&d);

		VMBF_CHECK("S5", vmb_range_fits(a, b, len) == (wa + wb <= len),
			   "range_fits 0x%lx 0x%lx 0x%lx", (unsigned long)a, (unsigned long)b,
			   (unsigned long)len);
		VMBF_CHECK("checked", vmb_is_pow2(b) == (b != 0 && __builtin_popcountll(b) == 1),
			   "is_pow2 0x%lx", (unsigned long)b);
		o = vmb_align_up_overflow(a, b, &r);
		if (b != 0 && __builtin_popcountll(b) == 1) {
			unsigned __int128 up = (wa + wb - 1) / wb * wb;

			VMBF_CHECK("checked", o == (up > UINT64_MAX) && (o || r == (uint64_t)up),
				   "align_up 0x%lx 0x%lx", (unsigned long)a, (unsigned long)b);
		} else {
			VMBF_CHECK("checked", o, "align_up accepted alignment 0x%lx", (unsigned long)b);
		}
	}
	return 0;
}

void vmbf_target_decode(const uint8_t *data, size_t size, struct vmbo_text *out)
{
	struct vmbf_producer d;

	vmbf_producer_init(&d, data, size);
	vmbo_text_printf(out, "# checked target: a b len\n");
	while (!vmbf_done(&d)) {
		uint64_t a = operand(&d), b = operand(&d), len = operand(&d);

		if (d.ran_out)
			vmbo_text_printf(out, VMBF_RAN_OUT_LINE);
		vmbo_text_printf(out, "0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 "\n", a, b, len);
	}
}

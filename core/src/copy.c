/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The out-of-line halves of the copy entry point. Above 8 bytes S10 does
 * not constrain the strategy; libc's memcpy is the default until the copy
 * strategies of core/src/copy/ take over.
 */
#include <string.h>

#include "internal.h"

void vmb__copy_large(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}

void vmb__move_large(void *dst, const void *src, size_t n)
{
	memmove(dst, src, n);
}

void vmb_move(void *dst, const void *src, size_t n)
{
	if (n > VMB_SINGLE_ACCESS_MAX) {
		vmb__move_large(dst, src, n);
		return;
	}
	/*
	 * S10 with overlap: load every unit into a register-sized buffer
	 * first, then store them all. Each unit is still one load (from
	 * @src) and one store (to @dst) of its natural width, because the
	 * buffer is 8-aligned and leaves the unit sizes to @src and @dst.
	 */
	_Alignas(8) uint8_t tmp[VMB_SINGLE_ACCESS_MAX];
	uintptr_t g = vmb__common_align(dst, src);
	const uint8_t *s = (const uint8_t *)src;
	uint8_t *d = (uint8_t *)dst;
	size_t i = 0;

	/* The same unit sequence as vmb_copy_small(), done twice. */
	while (i < n) {
		size_t left = n - i;
		size_t u = (g >= 8 && left >= 8) ? 8 : (g >= 4 && left >= 4) ? 4 : (g >= 2 && left >= 2) ? 2 : 1;

		vmb_copy_small(tmp + i, s + i, u);
		i += u;
	}
	i = 0;
	while (i < n) {
		size_t left = n - i;
		size_t u = (g >= 8 && left >= 8) ? 8 : (g >= 4 && left >= 4) ? 4 : (g >= 2 && left >= 2) ? 2 : 1;

		vmb_copy_small(d + i, tmp + i, u);
		i += u;
	}
}

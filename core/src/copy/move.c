/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * vmb_move(): copies whose source and destination may overlap. Up to 8
 * bytes in S10 units (each one load and one store of its natural width),
 * above that memmove.
 */
#include "copy/strategy.h"

void vmb__move_large(void *dst, const void *src, size_t n)
{
	memmove(dst, src, n);
}

/* The S10 unit for @left bytes at the common alignment @g (a power of
 * two): the widest of 8, 4, 2 that both allow, else 1. */
static inline size_t s10_unit(uintptr_t g, size_t left)
{
	if (g >= 8 && left >= 8)
		return 8;
	if (g >= 4 && left >= 4)
		return 4;
	return g >= 2 && left >= 2 ? 2 : 1;
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

	/* The same unit sequence as vmb_copy_small(), done twice. */
	for (size_t u, i = 0; i < n; i += u) {
		u = s10_unit(g, n - i);
		vmb_copy_small(tmp + i, s + i, u);
	}
	for (size_t u, j = 0; j < n; j += u) {
		u = s10_unit(g, n - j);
		vmb_copy_small(d + j, tmp + j, u);
	}
}

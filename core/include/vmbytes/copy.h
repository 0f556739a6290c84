/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The one copy entry point for guest memory. Every path that moves bytes
 * into or out of a container goes through vmb_copy() (or vmb_move() where
 * the two ranges may overlap), so a strategy is swapped in one place.
 *
 * S10 (single-access rule): a copy of at most 8 bytes is done in naturally
 * aligned units; with g = min(align(src), align(dst)) it moves 8-byte units
 * while g >= 8 and 8 bytes remain, then 4, 2 and 1, each unit one load and
 * one store. An aligned u16/u32/u64 is therefore never torn.
 */
#ifndef VMBYTES_COPY_H
#define VMBYTES_COPY_H

#include <stdint.h>

#include "common.h"

/* Copies of at most this many bytes follow S10. */
#define VMB_SINGLE_ACCESS_MAX 8

/* The largest power of two, at most 8, that divides both addresses. */
VMB_INLINE uintptr_t vmb__common_align(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)a | (uintptr_t)b | 8;

	return x & (~x + 1);
}

/*
 * One S10 unit: a relaxed atomic load and store of @T. Relaxed atomics
 * compile to one plain mov each on x86-64 and keep the compiler from
 * splitting, merging or eliding the access; the sanitizers see them as the
 * atomic accesses they are.
 */
#define VMB__UNIT(T, d, s)                                                             \
	__atomic_store_n((T *)(void *)(d),                                             \
			 __atomic_load_n((const T *)(const void *)(s), __ATOMIC_RELAXED),      \
			 __ATOMIC_RELAXED)

/**
 * vmb_copy_small() - S10 copy of @n <= 8 bytes between non-overlapping
 * ranges.
 * @dst: destination, valid for @n bytes.
 * @src: source, valid for @n bytes.
 * @n:   at most VMB_SINGLE_ACCESS_MAX.
 */
VMB_INLINE void vmb_copy_small(void *dst, const void *src, size_t n)
{
	uint8_t *d = (uint8_t *)dst;
	const uint8_t *s = (const uint8_t *)src;
	uintptr_t g = vmb__common_align(d, s);

	/* At this point: d and s are both aligned to g, and n <= 8. */
	if (g >= 8 && n == 8) {
		VMB__UNIT(uint64_t, d, s);
		return;
	}
	/* At this point: fewer than 8 bytes remain or g < 8. */
	while (g >= 4 && n >= 4) {
		VMB__UNIT(uint32_t, d, s);
		d += 4, s += 4, n -= 4;
	}
	/* At this point: d and s keep the alignment min(g, 4). */
	while (g >= 2 && n >= 2) {
		VMB__UNIT(uint16_t, d, s);
		d += 2, s += 2, n -= 2;
	}
	/* At this point: only single bytes, or g == 1. */
	while (n > 0) {
		VMB__UNIT(uint8_t, d, s);
		d += 1, s += 1, n -= 1;
	}
}

/* Copies of more than 8 bytes; defined in core/src/copy.c. */
VMB_API void vmb__copy_large(void *dst, const void *src, size_t n);
VMB_API void vmb__move_large(void *dst, const void *src, size_t n);

/**
 * vmb_copy() - copy @n bytes between non-overlapping ranges, honouring S10.
 * @dst: destination, valid for @n bytes (may be NULL only when @n is 0).
 * @src: source, valid for @n bytes (may be NULL only when @n is 0).
 * @n:   byte count.
 *
 * Implements S10. Cannot fail.
 */
VMB_INLINE void vmb_copy(void *dst, const void *src, size_t n)
{
	if (VMB_LIKELY(n <= VMB_SINGLE_ACCESS_MAX))
		vmb_copy_small(dst, src, n);
	else
		vmb__copy_large(dst, src, n);
}

/**
 * vmb_move() - copy @n bytes between ranges that may overlap, honouring
 * S10 (slice-to-slice copies, which the reference does with memmove).
 * @dst: destination, valid for @n bytes.
 * @src: source, valid for @n bytes.
 * @n:   byte count.
 *
 * Implements S10 [diverges]. Cannot fail.
 */
VMB_API void vmb_move(void *dst, const void *src, size_t n);

#endif /* VMBYTES_COPY_H */

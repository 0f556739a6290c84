/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Checked arithmetic over __builtin_*_overflow. Every address or size that
 * came from a caller is combined through these, never with a bare + or -.
 * Each helper stores the (possibly wrapped) result in *@r and returns true
 * when the exact result did not fit: the caller must look at it.
 */
#ifndef VMBYTES_CHECKED_H
#define VMBYTES_CHECKED_H

#include <stdbool.h>

#include "common.h"

VMB_BEGIN_DECLS

VMB_NODISCARD VMB_INLINE bool vmb_add_overflow_u64(uint64_t a, uint64_t b, uint64_t *r)
{
	return __builtin_add_overflow(a, b, r);
}

VMB_NODISCARD VMB_INLINE bool vmb_sub_overflow_u64(uint64_t a, uint64_t b, uint64_t *r)
{
	return __builtin_sub_overflow(a, b, r);
}

VMB_NODISCARD VMB_INLINE bool vmb_mul_overflow_u64(uint64_t a, uint64_t b, uint64_t *r)
{
	return __builtin_mul_overflow(a, b, r);
}

VMB_NODISCARD VMB_INLINE bool vmb_add_overflow_size(size_t a, size_t b, size_t *r)
{
	return __builtin_add_overflow(a, b, r);
}

VMB_NODISCARD VMB_INLINE bool vmb_sub_overflow_size(size_t a, size_t b, size_t *r)
{
	return __builtin_sub_overflow(a, b, r);
}

VMB_NODISCARD VMB_INLINE bool vmb_mul_overflow_size(size_t a, size_t b, size_t *r)
{
	return __builtin_mul_overflow(a, b, r);
}

/*
 * vmb_range_fits() - true when [@off, @off + @n) lies inside [0, @len),
 * in subtraction form so that nothing can wrap.
 */
VMB_INLINE bool vmb_range_fits(uint64_t off, uint64_t n, uint64_t len)
{
	return off <= len && n <= len - off;
}

/* vmb_is_pow2() - true for 1, 2, 4, ...; false for 0. */
VMB_INLINE bool vmb_is_pow2(uint64_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/*
 * vmb_align_up_overflow() - round @x up to a multiple of @align (a power of
 * two). Returns true, like the others, when the result does not fit or
 * @align is not a power of two.
 */
VMB_NODISCARD VMB_INLINE bool vmb_align_up_overflow(uint64_t x, uint64_t align, uint64_t *r)
{
	if (!vmb_is_pow2(align))
		return true;
	if (vmb_add_overflow_u64(x, align - 1, r))
		return true;
	*r &= ~(align - 1);
	return false;
}

VMB_END_DECLS

#endif /* VMBYTES_CHECKED_H */

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Memory orderings for store/load (S9) and the raw single-access helpers
 * the copy path and the atomics share.
 */
#ifndef VMBYTES_ATOMIC_H
#define VMBYTES_ATOMIC_H

#include <stdbool.h>

#include "common.h"

VMB_BEGIN_DECLS

/* Orderings, as the C11 / Rust memory model names them. */
enum vmb_order {
	VMB_RELAXED = 0,
	VMB_ACQUIRE = 1,
	VMB_RELEASE = 2,
	VMB_ACQ_REL = 3,
	VMB_SEQ_CST = 4,
};

/* S9: a store may not acquire; valid: relaxed, release, seq_cst. */
VMB_INLINE bool vmb_order_valid_for_store(int o)
{
	return o == VMB_RELAXED || o == VMB_RELEASE || o == VMB_SEQ_CST;
}

/* S9: a load may not release; valid: relaxed, acquire, seq_cst. */
VMB_INLINE bool vmb_order_valid_for_load(int o)
{
	return o == VMB_RELAXED || o == VMB_ACQUIRE || o == VMB_SEQ_CST;
}

/* S9: the widths an atomic access may have. */
VMB_INLINE bool vmb_width_valid(unsigned width)
{
	return width == 1 || width == 2 || width == 4 || width == 8;
}

/*
 * vmb_atomic_store_raw() - one hardware store of @width bytes at @p.
 * @p must be aligned to @width, @width and @o valid (checked by callers).
 * The switch folds away when @width and @o are constants.
 */
#define VMB__STORE_ORDERED(T, p, v, o)                                                 \
	do {                                                                           \
		switch (o) {                                                           \
		case VMB_RELEASE:                                                      \
			__atomic_store_n((T *)(p), (T)(v), __ATOMIC_RELEASE);          \
			break;                                                         \
		case VMB_SEQ_CST:                                                      \
			__atomic_store_n((T *)(p), (T)(v), __ATOMIC_SEQ_CST);          \
			break;                                                         \
		default:                                                               \
			__atomic_store_n((T *)(p), (T)(v), __ATOMIC_RELAXED);          \
			break;                                                         \
		}                                                                      \
	} while (0)

#define VMB__LOAD_ORDERED(T, p, o, out)                                                \
	do {                                                                           \
		switch (o) {                                                           \
		case VMB_ACQUIRE:                                                      \
			(out) = __atomic_load_n((T *)(p), __ATOMIC_ACQUIRE);           \
			break;                                                         \
		case VMB_SEQ_CST:                                                      \
			(out) = __atomic_load_n((T *)(p), __ATOMIC_SEQ_CST);           \
			break;                                                         \
		default:                                                               \
			(out) = __atomic_load_n((T *)(p), __ATOMIC_RELAXED);           \
			break;                                                         \
		}                                                                      \
	} while (0)

VMB_INLINE void vmb_atomic_store_raw(void *p, unsigned width, uint64_t v, int o)
{
	/*
	 * Who observes what: a release store publishes every earlier write of
	 * this thread to a thread that acquire-loads this value; seq_cst adds
	 * the single total order. Relaxed only promises the access is whole.
	 */
	switch (width) {
	case 1:
		VMB__STORE_ORDERED(uint8_t, p, v, o);
		break;
	case 2:
		VMB__STORE_ORDERED(uint16_t, p, v, o);
		break;
	case 4:
		VMB__STORE_ORDERED(uint32_t, p, v, o);
		break;
	default:
		VMB__STORE_ORDERED(uint64_t, p, v, o);
		break;
	}
}

VMB_INLINE uint64_t vmb_atomic_load_raw(const void *p, unsigned width, int o)
{
	uint64_t v;

	/* The mirror of vmb_atomic_store_raw(): acquire pairs with release. */
	switch (width) {
	case 1: {
		uint8_t x;
		VMB__LOAD_ORDERED(const uint8_t, p, o, x);
		v = x;
		break;
	}
	case 2: {
		uint16_t x;
		VMB__LOAD_ORDERED(const uint16_t, p, o, x);
		v = x;
		break;
	}
	case 4: {
		uint32_t x;
		VMB__LOAD_ORDERED(const uint32_t, p, o, x);
		v = x;
		break;
	}
	default:
		VMB__LOAD_ORDERED(const uint64_t, p, o, v);
		break;
	}
	return v;
}

VMB_END_DECLS

#endif /* VMBYTES_ATOMIC_H */

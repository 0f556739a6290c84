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

/* Orderings, as the C11 / Rust memory model names them. The values are
 * ABI (they travel inside struct vmb_ordering) and never change. */
enum vmb_order {
	VMB_ORDER_RELAXED = 0,
	VMB_ORDER_ACQUIRE = 1,
	VMB_ORDER_RELEASE = 2,
	VMB_ORDER_ACQ_REL = 3,
	VMB_ORDER_SEQ_CST = 4,
};

/*
 * struct vmb_ordering - the ordering argument of every store and load.
 *
 * Every store/load takes (target, addr, width, order, value, err): the
 * ordering before the value in both, the value a uint64_t for a store
 * and a uint64_t * for a load. The enum is wrapped in a one-member struct
 * because C checks nothing between integers: an enum parameter silently
 * accepts a uint64_t and a uint64_t parameter an enum constant, so a
 * store written in the old (v, order) order would still compile. A struct
 * is not convertible to or from any integer, so a swapped or old-order
 * store, a load given its value and ordering the other way round, or a
 * bare int ordering are compile errors in C and C++ alike. Passed by
 * value it travels in one register, as the int did, and the inline fast
 * paths fold it away when it is a constant.
 *
 * Write the constants below (VMB_RELAXED ... VMB_SEQ_CST); an ordering
 * known only at run time (parsed, fuzzed) goes through vmb_ordering_of().
 * Whatever it holds is checked at run time: an ordering a store or load
 * may not have is InvalidArgument (S9).
 */
struct vmb_ordering {
	enum vmb_order order;
};

static const struct vmb_ordering VMB_RELAXED = { VMB_ORDER_RELAXED };
static const struct vmb_ordering VMB_ACQUIRE = { VMB_ORDER_ACQUIRE };
static const struct vmb_ordering VMB_RELEASE = { VMB_ORDER_RELEASE };
static const struct vmb_ordering VMB_ACQ_REL = { VMB_ORDER_ACQ_REL };
static const struct vmb_ordering VMB_SEQ_CST = { VMB_ORDER_SEQ_CST };

/* vmb_ordering_of() - the ordering argument for a value known at run
 * time; any @o is accepted here and checked by the store or load (S9). */
VMB_INLINE struct vmb_ordering vmb_ordering_of(int o)
{
	struct vmb_ordering r;

	r.order = (enum vmb_order)o;
	return r;
}

/* S9: a store may not acquire; valid: relaxed, release, seq_cst. */
VMB_INLINE bool vmb_order_valid_for_store(struct vmb_ordering o)
{
	return o.order == VMB_ORDER_RELAXED || o.order == VMB_ORDER_RELEASE ||
	       o.order == VMB_ORDER_SEQ_CST;
}

/* S9: a load may not release; valid: relaxed, acquire, seq_cst. */
VMB_INLINE bool vmb_order_valid_for_load(struct vmb_ordering o)
{
	return o.order == VMB_ORDER_RELAXED || o.order == VMB_ORDER_ACQUIRE ||
	       o.order == VMB_ORDER_SEQ_CST;
}

/* S9: the widths an atomic access may have. */
VMB_INLINE bool vmb_width_valid(unsigned width)
{
	return width == 1 || width == 2 || width == 4 || width == 8;
}

/*
 * vmb_atomic_store_raw() - one hardware store of @width bytes at @p.
 * @p must be aligned to @width, @width and @o valid (checked by callers;
 * an invalid @o is taken as relaxed). Arguments in the store/load order.
 * The switch folds away when @width and @o are constants.
 */
#define VMB__STORE_ORDERED(T, p, v, o)                                                 \
	do {                                                                           \
		switch ((o).order) {                                                           \
		case VMB_ORDER_RELEASE:                                                      \
			__atomic_store_n((T *)(p), (T)(v), __ATOMIC_RELEASE);          \
			break;                                                         \
		case VMB_ORDER_SEQ_CST:                                                      \
			__atomic_store_n((T *)(p), (T)(v), __ATOMIC_SEQ_CST);          \
			break;                                                         \
		default:                                                               \
			__atomic_store_n((T *)(p), (T)(v), __ATOMIC_RELAXED);          \
			break;                                                         \
		}                                                                      \
	} while (0)

#define VMB__LOAD_ORDERED(T, p, o, out)                                                \
	do {                                                                           \
		switch ((o).order) {                                                           \
		case VMB_ORDER_ACQUIRE:                                                      \
			(out) = __atomic_load_n((T *)(p), __ATOMIC_ACQUIRE);           \
			break;                                                         \
		case VMB_ORDER_SEQ_CST:                                                      \
			(out) = __atomic_load_n((T *)(p), __ATOMIC_SEQ_CST);           \
			break;                                                         \
		default:                                                               \
			(out) = __atomic_load_n((T *)(p), __ATOMIC_RELAXED);           \
			break;                                                         \
		}                                                                      \
	} while (0)

VMB_INLINE void vmb_atomic_store_raw(void *p, unsigned width, struct vmb_ordering o,
				      uint64_t v)
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

VMB_INLINE uint64_t vmb_atomic_load_raw(const void *p, unsigned width, struct vmb_ordering o)
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

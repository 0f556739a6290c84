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

/*
 * Read-modify-write operations (SPEC A1-A5): fetch_add, fetch_sub,
 * fetch_and, fetch_or, fetch_xor and swap return the value before and
 * store its combination with the operand (arithmetic wraps modulo 2^(8 *
 * width)); cmpxchg stores its desired value only when the value found
 * equals the expected one, and returns the value found.
 */
enum vmb_rmw_op {
	VMB_RMW_ADD = 0,
	VMB_RMW_SUB = 1,
	VMB_RMW_AND = 2,
	VMB_RMW_OR = 3,
	VMB_RMW_XOR = 4,
	VMB_RMW_SWAP = 5,
	VMB_RMW_CMPXCHG = 6,
};

/*
 * One read-modify-write request, as the container table's rmw operation
 * takes it: @op; @order (for cmpxchg the ordering on success) and
 * @failure (cmpxchg only: the ordering of the load when the values
 * differ); @v the operand (cmpxchg: the desired value); @expected (cmpxchg
 * only). Values wider than the access are cut to its width.
 */
struct vmb_rmw {
	enum vmb_rmw_op op;
	struct vmb_ordering order;
	struct vmb_ordering failure;
	uint64_t v;
	uint64_t expected;
};

/* A1: an operation that reads and writes takes any of the five orderings. */
VMB_INLINE bool vmb_order_valid_for_rmw(struct vmb_ordering o)
{
	return (unsigned)o.order <= (unsigned)VMB_ORDER_SEQ_CST;
}

/* A2: the failure ordering of cmpxchg orders a load: never release. */
VMB_INLINE bool vmb_order_valid_for_failure(struct vmb_ordering o)
{
	return vmb_order_valid_for_load(o);
}

/* A1, A2: whether @r names an operation with orderings it may take. */
VMB_INLINE bool vmb_rmw_valid(const struct vmb_rmw *r)
{
	return r != NULL && (unsigned)r->op <= (unsigned)VMB_RMW_CMPXCHG &&
	       vmb_order_valid_for_rmw(r->order) &&
	       (r->op != VMB_RMW_CMPXCHG || vmb_order_valid_for_failure(r->failure));
}

#define VMB__RMW_OP(T, p, op, v, mo, out)                                              \
	do {                                                                           \
		switch (op) {                                                          \
		case VMB_RMW_ADD:                                                      \
			(out) = __atomic_fetch_add((T *)(p), (T)(v), mo);              \
			break;                                                         \
		case VMB_RMW_SUB:                                                      \
			(out) = __atomic_fetch_sub((T *)(p), (T)(v), mo);              \
			break;                                                         \
		case VMB_RMW_AND:                                                      \
			(out) = __atomic_fetch_and((T *)(p), (T)(v), mo);              \
			break;                                                         \
		case VMB_RMW_OR:                                                       \
			(out) = __atomic_fetch_or((T *)(p), (T)(v), mo);               \
			break;                                                         \
		case VMB_RMW_XOR:                                                      \
			(out) = __atomic_fetch_xor((T *)(p), (T)(v), mo);              \
			break;                                                         \
		default:                                                               \
			(out) = __atomic_exchange_n((T *)(p), (T)(v), mo);             \
			break;                                                         \
		}                                                                      \
	} while (0)

#define VMB__RMW_ORDERED(T, p, op, v, o, out)                                          \
	do {                                                                           \
		switch ((o).order) {                                                   \
		case VMB_ORDER_ACQUIRE:                                                \
			VMB__RMW_OP(T, p, op, v, __ATOMIC_ACQUIRE, out);               \
			break;                                                         \
		case VMB_ORDER_RELEASE:                                                \
			VMB__RMW_OP(T, p, op, v, __ATOMIC_RELEASE, out);               \
			break;                                                         \
		case VMB_ORDER_ACQ_REL:                                                \
			VMB__RMW_OP(T, p, op, v, __ATOMIC_ACQ_REL, out);               \
			break;                                                         \
		case VMB_ORDER_SEQ_CST:                                                \
			VMB__RMW_OP(T, p, op, v, __ATOMIC_SEQ_CST, out);               \
			break;                                                         \
		default:                                                               \
			VMB__RMW_OP(T, p, op, v, __ATOMIC_RELAXED, out);               \
			break;                                                         \
		}                                                                      \
	} while (0)

/*
 * vmb_atomic_fetch_raw() - one hardware read-modify-write of @width bytes
 * at @p (aligned, @op not cmpxchg, @o valid: checked by the caller);
 * returns the value before, zero-extended.
 */
VMB_INLINE uint64_t vmb_atomic_fetch_raw(void *p, unsigned width, enum vmb_rmw_op op,
					 struct vmb_ordering o, uint64_t v)
{
	switch (width) {
	case 1: {
		uint8_t x;
		VMB__RMW_ORDERED(uint8_t, p, op, v, o, x);
		return x;
	}
	case 2: {
		uint16_t x;
		VMB__RMW_ORDERED(uint16_t, p, op, v, o, x);
		return x;
	}
	case 4: {
		uint32_t x;
		VMB__RMW_ORDERED(uint32_t, p, op, v, o, x);
		return x;
	}
	default: {
		uint64_t x;
		VMB__RMW_ORDERED(uint64_t, p, op, v, o, x);
		return x;
	}
	}
}

/* One strong compare-exchange at the orderings' compile-time constants. */
#define VMB__CAS(T, p, exp, des, so, fo)                                               \
	__atomic_compare_exchange_n((T *)(p), (exp), (T)(des), false, so, fo)

/*
 * A2: the ordering pairs the hardware operation takes. A failure ordering
 * stronger than the success one (allowed, as in Rust since 1.64) makes
 * the success ordering strong enough to include it: relaxed or release
 * with an acquire failure become acquire or acq_rel; anything with a
 * seq_cst failure becomes seq_cst.
 */
#define VMB__CAS_ORDERED(T, p, exp, des, so, fo, ok)                                   \
	do {                                                                           \
		if ((fo).order == VMB_ORDER_SEQ_CST)                                   \
			(ok) = VMB__CAS(T, p, exp, des, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
		else if ((fo).order == VMB_ORDER_ACQUIRE) {                            \
			switch ((so).order) {                                          \
			case VMB_ORDER_SEQ_CST:                                        \
				(ok) = VMB__CAS(T, p, exp, des, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE); \
				break;                                                 \
			case VMB_ORDER_RELEASE:                                        \
			case VMB_ORDER_ACQ_REL:                                        \
				(ok) = VMB__CAS(T, p, exp, des, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE); \
				break;                                                 \
			default:                                                       \
				(ok) = VMB__CAS(T, p, exp, des, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE); \
				break;                                                 \
			}                                                              \
		} else {                                                               \
			switch ((so).order) {                                          \
			case VMB_ORDER_ACQUIRE:                                        \
				(ok) = VMB__CAS(T, p, exp, des, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED); \
				break;                                                 \
			case VMB_ORDER_RELEASE:                                        \
				(ok) = VMB__CAS(T, p, exp, des, __ATOMIC_RELEASE, __ATOMIC_RELAXED); \
				break;                                                 \
			case VMB_ORDER_ACQ_REL:                                        \
				(ok) = VMB__CAS(T, p, exp, des, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED); \
				break;                                                 \
			case VMB_ORDER_SEQ_CST:                                        \
				(ok) = VMB__CAS(T, p, exp, des, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED); \
				break;                                                 \
			default:                                                       \
				(ok) = VMB__CAS(T, p, exp, des, __ATOMIC_RELAXED, __ATOMIC_RELAXED); \
				break;                                                 \
			}                                                              \
		}                                                                      \
	} while (0)

/*
 * vmb_atomic_cmpxchg_raw() - one strong compare-exchange of @width bytes at
 * @p (aligned, orderings valid for it: checked by the caller); returns
 * the value found, zero-extended: it equals @expected (cut to @width)
 * exactly when @desired was stored.
 */
VMB_INLINE uint64_t vmb_atomic_cmpxchg_raw(void *p, unsigned width, struct vmb_ordering success,
					   struct vmb_ordering failure, uint64_t expected,
					   uint64_t desired)
{
	bool ok;

	switch (width) {
	case 1: {
		uint8_t e = (uint8_t)expected;
		VMB__CAS_ORDERED(uint8_t, p, &e, desired, success, failure, ok);
		(void)ok;
		return e;
	}
	case 2: {
		uint16_t e = (uint16_t)expected;
		VMB__CAS_ORDERED(uint16_t, p, &e, desired, success, failure, ok);
		(void)ok;
		return e;
	}
	case 4: {
		uint32_t e = (uint32_t)expected;
		VMB__CAS_ORDERED(uint32_t, p, &e, desired, success, failure, ok);
		(void)ok;
		return e;
	}
	default: {
		uint64_t e = expected;
		VMB__CAS_ORDERED(uint64_t, p, &e, desired, success, failure, ok);
		(void)ok;
		return e;
	}
	}
}

/*
 * vmb_atomic_rmw_raw() - @r on @width bytes at @p (aligned, vmb_rmw_valid()
 * checked by the caller); returns the value before (cmpxchg: found).
 */
VMB_INLINE uint64_t vmb_atomic_rmw_raw(void *p, unsigned width, const struct vmb_rmw *r)
{
	if (r->op == VMB_RMW_CMPXCHG)
		return vmb_atomic_cmpxchg_raw(p, width, r->order, r->failure, r->expected, r->v);
	return vmb_atomic_fetch_raw(p, width, r->op, r->order, r->v);
}

/* The values a @width-byte access holds: its low 8 * @width bits. */
VMB_INLINE uint64_t vmb__width_mask(unsigned width)
{
	return width >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * width)) - 1);
}

/* A2, A3: whether a cmpxchg that found @found stored (its values cut to @width). */
VMB_INLINE bool vmb__cmpxchg_matched(unsigned width, uint64_t expected, uint64_t found)
{
	return found == (expected & vmb__width_mask(width));
}

/* A3: whether @r, which returned @old, wrote (cmpxchg writes only on a match). */
VMB_INLINE bool vmb_rmw_wrote(const struct vmb_rmw *r, unsigned width, uint64_t old)
{
	return r->op != VMB_RMW_CMPXCHG || vmb__cmpxchg_matched(width, r->expected, old);
}

/* The request of the _fetch forms: @op with operand @v; a cmpxchg, which
 * has its own call and an expected value, is made an unknown op that
 * vmb_rmw_valid() refuses. */
VMB_INLINE struct vmb_rmw vmb__fetch_request(enum vmb_rmw_op op, struct vmb_ordering order,
					     uint64_t v)
{
	struct vmb_rmw r = { op, order, VMB_RELAXED, v, 0 };

	if (op == VMB_RMW_CMPXCHG)
		r.op = (enum vmb_rmw_op)-1;
	return r;
}

VMB_END_DECLS

#endif /* VMBYTES_ATOMIC_H */

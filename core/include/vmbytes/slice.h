/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Volatile slice: a host pointer and a length, the smallest container, with
 * the whole Bytes contract (SPEC section 2). A slice is a small value
 * struct passed by value; it owns nothing. Offsets are relative to the
 * slice, and errors never carry a host address (S6 [diverges]).
 */
#ifndef VMBYTES_SLICE_H
#define VMBYTES_SLICE_H

#include "atomic.h"
#include "bitmap.h"
#include "bytes.h"
#include "checked.h"
#include "common.h"
#include "copy.h"
#include "error.h"
#include "io.h"

VMB_BEGIN_DECLS

struct vmb_slice {
	uint8_t *base;              /* may be NULL only when len == 0 */
	size_t len;
	struct vmb_bitmap *bitmap;  /* dirty tracking (S11), or NULL */
	size_t bitmap_offset;       /* where base sits in the bitmap's range */
};

/**
 * vmb_slice_init() - make *@s cover @len bytes at @base, with no bitmap.
 * @s:    receives the slice.
 * @base: host memory; NULL only when @len is 0.
 * @len:  byte count.
 *
 * Return: 0; InvalidArgument for a NULL @s, a NULL @base with @len > 0, or
 * a range that wraps the address space.
 */
VMB_NODISCARD
VMB_API int vmb_slice_init(struct vmb_slice *s, void *base, size_t len);

/**
 * vmb_slice_set_bitmap() - attach @bm (or detach with NULL) so that writes
 * mark pages @offset + a onwards (S11).
 * Return: 0; InvalidArgument for a NULL @s.
 */
VMB_NODISCARD
VMB_API int vmb_slice_set_bitmap(struct vmb_slice *s, struct vmb_bitmap *bm, size_t offset);

/**
 * vmb_slice_subslice() - the @n bytes at @off, sharing the bitmap.
 * @out: receives the slice; untouched on failure.
 *
 * Return: 0; Overflow{base=@off, offset=@n} when @off + @n wraps;
 * OutOfBounds{addr=@off+@n} when past the end; InvalidArgument for a NULL
 * @out. subslice(L, 0) is a valid empty slice. S5.
 */
VMB_NODISCARD
VMB_API int vmb_slice_subslice(struct vmb_slice s, size_t off, size_t n, struct vmb_slice *out,
			       struct vmb_error *err);

/* vmb_slice_get_slice() - the reference's name for subslice. S5. */
VMB_NODISCARD
VMB_API int vmb_slice_get_slice(struct vmb_slice s, size_t off, size_t n, struct vmb_slice *out,
				struct vmb_error *err);

/**
 * vmb_slice_get_array() - the @nelem elements of @elem_size bytes at @off.
 * Return: 0; TooBig{nelements, size} when @nelem * @elem_size overflows;
 * then as vmb_slice_subslice(). S5.
 */
VMB_NODISCARD
VMB_API int vmb_slice_get_array(struct vmb_slice s, size_t off, size_t nelem, size_t elem_size,
				struct vmb_slice *out, struct vmb_error *err);

/**
 * vmb_slice_offset() - everything from @c on: subslice(c, L - c).
 * Return: 0; OutOfBounds{addr=@c} when @c > L (relative, S6 [diverges]);
 * then as vmb_slice_subslice() (InvalidArgument for a NULL @out). S6.
 */
VMB_NODISCARD
VMB_API int vmb_slice_offset(struct vmb_slice s, size_t c, struct vmb_slice *out,
			     struct vmb_error *err);

/**
 * vmb_slice_split_at() - (subslice(0, m), offset(m)); @m == L is valid.
 * Return: 0; OutOfBounds{addr=@m} when @m > L; InvalidArgument for NULL
 * outputs. S6.
 */
VMB_NODISCARD
VMB_API int vmb_slice_split_at(struct vmb_slice s, size_t m, struct vmb_slice *head,
			       struct vmb_slice *tail, struct vmb_error *err);

/**
 * vmb_slice_write() - copy up to @len bytes of @buf to offset @addr.
 * @done: receives the count copied, min(@len, L - @addr); may be NULL.
 *
 * Return: 0 (ok 0 for @len == 0 before any check, S1); OutOfBounds{addr}
 * when @addr >= L (S2); InvalidArgument for NULL @buf with @len > 0.
 * S1-S3, S10, S11.
 */
VMB_NODISCARD
VMB_API int vmb_slice_write(struct vmb_slice s, size_t addr, const void *buf, size_t len,
			    size_t *done, struct vmb_error *err);

/* vmb_slice_read() - the mirror of vmb_slice_write(); never marks. S1-S3. */
VMB_NODISCARD
VMB_API int vmb_slice_read(struct vmb_slice s, size_t addr, void *buf, size_t len, size_t *done,
			   struct vmb_error *err);

/* vmb_slice_write_obj() - write_slice of an object's @size bytes. S4, S10. */
VMB_NODISCARD
VMB_API int vmb_slice_write_obj(struct vmb_slice s, size_t addr, const void *obj, size_t size,
				struct vmb_error *err);

/* vmb_slice_read_obj() - read_slice of an object's @size bytes. S4, S10. */
VMB_NODISCARD
VMB_API int vmb_slice_read_obj(struct vmb_slice s, size_t addr, void *obj, size_t size,
			       struct vmb_error *err);

/**
 * vmb_slice_read_volatile_from() - one read from @src into offset @addr.
 * @n:    requested count, clamped to L - @addr.
 * @done: receives the count moved, possibly short; may be NULL.
 *
 * Return: 0; OutOfBounds{addr} when @addr > L (@addr == L clamps to 0);
 * IO{errno} for a source error (EINTR is retried); InvalidArgument for a
 * NULL @src. S7, S11.
 */
VMB_NODISCARD
VMB_API int vmb_slice_read_volatile_from(struct vmb_slice s, size_t addr, struct vmb_source *src,
					 size_t n, size_t *done, struct vmb_error *err);

/**
 * vmb_slice_read_exact_volatile_from() - fill all of get_slice(@addr, @n).
 * Return: 0; S5's errors, before anything moves; IO{UnexpectedEof} when
 * the source ends first (a buffer source fails without copying, I3);
 * IO{errno}. S8, S11.
 */
VMB_NODISCARD
VMB_API int vmb_slice_read_exact_volatile_from(struct vmb_slice s, size_t addr,
					       struct vmb_source *src, size_t n,
					       struct vmb_error *err);

/* vmb_slice_write_volatile_to() - one write of up to @n bytes. S7. */
VMB_NODISCARD
VMB_API int vmb_slice_write_volatile_to(struct vmb_slice s, size_t addr, struct vmb_sink *dst,
					size_t n, size_t *done, struct vmb_error *err);

/* vmb_slice_write_all_volatile_to() - drain all of get_slice(@addr, @n);
 * IO{WriteZero} for a sink that takes 0. S8. */
VMB_NODISCARD
VMB_API int vmb_slice_write_all_volatile_to(struct vmb_slice s, size_t addr,
					    struct vmb_sink *dst, size_t n,
					    struct vmb_error *err);

/*
 * Out-of-line halves of the inline functions below: they redo every check
 * in SPEC order and fill @err. Cold, and given the slice by value (see
 * VMB__SLICE_COPY()): a pointer made the compiler keep the slice in
 * memory, stored again on every pass of a caller's loop, which cost the
 * inline fast paths 2-3x.
 */
VMB_NODISCARD
VMB_API int vmb__slice_write_slice_slow(struct vmb_slice s, size_t addr, const void *buf,
					size_t len, struct vmb_error *err)
	__attribute__((cold, noinline));
VMB_NODISCARD
VMB_API int vmb__slice_read_slice_slow(struct vmb_slice s, size_t addr, void *buf, size_t len,
				       struct vmb_error *err) __attribute__((cold, noinline));
VMB_NODISCARD
VMB_API int vmb__slice_store_slow(struct vmb_slice s, size_t addr, unsigned width,
				  struct vmb_ordering order, uint64_t v, struct vmb_error *err)
	__attribute__((cold, noinline));
VMB_NODISCARD
VMB_API int vmb__slice_load_slow(struct vmb_slice s, size_t addr, unsigned width,
				 struct vmb_ordering order, uint64_t *v, struct vmb_error *err)
	__attribute__((cold, noinline));

/*
 * For the inline fast paths: true unless [@addr, @addr + @n) lies inside
 * @s at a host address aligned to @align (a power of two). Each term is a
 * plain comparison joined with '|', not '&&', so that the compiler makes
 * one branch of it, and hoists all of it out of a caller's loop when the
 * operands do not change there.
 */
VMB_INLINE bool vmb__slice_misfit(struct vmb_slice s, size_t addr, size_t n, size_t align)
{
	return (addr > s.len) | (n > s.len - addr) |
	       ((((uintptr_t)s.base + addr) & (align - 1)) != 0);
}

/* A fresh copy of @s for a slow-path call: passing @s itself made the
 * compiler store it on every pass of a loop, needed or not. */
#ifdef __cplusplus
#define VMB__SLICE_COPY(s) (vmb_slice{(s).base, (s).len, (s).bitmap, (s).bitmap_offset})
#else
#define VMB__SLICE_COPY(s) ((struct vmb_slice){(s).base, (s).len, (s).bitmap, (s).bitmap_offset})
#endif

/**
 * vmb_slice_write_slice() - write all @len bytes or fail.
 * Return: as vmb_slice_write(), plus PartialBuffer{expected=@len,
 * completed=n} after writing the n bytes that fit. S4.
 *
 * Inline: a write that fits a slice without a bitmap is one vmb_copy();
 * everything else (errors, short writes, dirty marking) goes out of line.
 */
VMB_NODISCARD
VMB_INLINE int vmb_slice_write_slice(struct vmb_slice s, size_t addr, const void *buf, size_t len,
				     struct vmb_error *err)
{
	if (VMB_LIKELY(!(vmb__slice_misfit(s, addr, len, 1) | (buf == NULL) | (len == 0) |
			 (s.bitmap != NULL)))) {
		vmb_copy(s.base + addr, buf, len);
		return 0;
	}
	return vmb__slice_write_slice_slow(VMB__SLICE_COPY(s), addr, buf, len, err);
}

/* vmb_slice_read_slice() - read all @len bytes or fail. S4. Inline as
 * vmb_slice_write_slice(). */
VMB_NODISCARD
VMB_INLINE int vmb_slice_read_slice(struct vmb_slice s, size_t addr, void *buf, size_t len,
				    struct vmb_error *err)
{
	if (VMB_LIKELY(!(vmb__slice_misfit(s, addr, len, 1) | (buf == NULL) | (len == 0)))) {
		vmb_copy(buf, s.base + addr, len);
		return 0;
	}
	return vmb__slice_read_slice_slow(VMB__SLICE_COPY(s), addr, buf, len, err);
}

/**
 * vmb_slice_store() - one atomic store of @width bytes at offset @addr.
 * @width: 1, 2, 4 or 8.
 * @order: VMB_RELAXED, VMB_RELEASE or VMB_SEQ_CST (struct vmb_ordering:
 *         see atomic.h for why it is not a plain enum).
 * @v:     the value (its low @width bytes, host byte order).
 *
 * Return: 0; InvalidArgument for an invalid @order or @width (checked
 * first, touching nothing, S9 [diverges]); Overflow or OutOfBounds of
 * get_slice(@addr, @width) (S5); Misaligned{addr, alignment=@width} when
 * the host address is not aligned (S9). Marks the page dirty (S11).
 */
VMB_NODISCARD
VMB_INLINE int vmb_slice_store(struct vmb_slice s, size_t addr, unsigned width,
			       struct vmb_ordering order, uint64_t v, struct vmb_error *err)
{
	if (VMB_LIKELY(vmb_order_valid_for_store(order) && vmb_width_valid(width) &&
		       !(vmb__slice_misfit(s, addr, width, width) | (s.bitmap != NULL)))) {
		vmb_atomic_store_raw(s.base + addr, width, order, v);
		return 0;
	}
	return vmb__slice_store_slow(VMB__SLICE_COPY(s), addr, width, order, v, err);
}

/**
 * vmb_slice_load() - one atomic load of @width bytes at offset @addr.
 * @order: VMB_RELAXED, VMB_ACQUIRE or VMB_SEQ_CST.
 * @v:     receives the value, zero-extended.
 *
 * Return: as vmb_slice_store(); InvalidArgument for a NULL @v. Never
 * marks. S9.
 */
VMB_NODISCARD
VMB_INLINE int vmb_slice_load(struct vmb_slice s, size_t addr, unsigned width,
			      struct vmb_ordering order, uint64_t *v, struct vmb_error *err)
{
	if (VMB_LIKELY(vmb_order_valid_for_load(order) && vmb_width_valid(width) &&
		       !(vmb__slice_misfit(s, addr, width, width) | (v == NULL)))) {
		*v = vmb_atomic_load_raw(s.base + addr, width, order);
		return 0;
	}
	return vmb__slice_load_slow(VMB__SLICE_COPY(s), addr, width, order, v, err);
}

/**
 * vmb_slice_rmw() - one atomic read-modify-write of @width bytes at offset
 * @addr (SPEC A1-A4): @r->op is fetch_add, fetch_sub, fetch_and, fetch_or,
 * fetch_xor, swap or cmpxchg, with its orderings and operands.
 * @old: receives the value before (cmpxchg: the value found; the exchange
 *       happened exactly when it equals @r->expected cut to @width).
 *
 * Return: 0; InvalidArgument for a NULL @r or @old, an unknown op, an
 * invalid @width, an ordering out of range or a cmpxchg failure ordering
 * of release or acq_rel (checked first, touching nothing, A1/A2); then
 * S9's Overflow or OutOfBounds of get_slice(@addr, @width) and
 * Misaligned{addr, alignment=@width}. Marks the page dirty when it wrote
 * (every op but a cmpxchg that did not match, A3).
 */
VMB_NODISCARD
VMB_API int vmb_slice_rmw(struct vmb_slice s, size_t addr, unsigned width, const struct vmb_rmw *r,
			  uint64_t *old, struct vmb_error *err);

/* vmb_slice_fetch() - vmb_slice_rmw() of @op (not cmpxchg) with operand @v. */
VMB_NODISCARD
VMB_INLINE int vmb_slice_fetch(struct vmb_slice s, size_t addr, unsigned width, enum vmb_rmw_op op,
			       struct vmb_ordering order, uint64_t v, uint64_t *old,
			       struct vmb_error *err)
{
	/* Inline when all is well (as vmb_slice_store()): one hardware RMW. */
	if (VMB_LIKELY((unsigned)op <= (unsigned)VMB_RMW_SWAP && vmb_order_valid_for_rmw(order) &&
		       vmb_width_valid(width) &&
		       !(vmb__slice_misfit(s, addr, width, width) | (s.bitmap != NULL) | (old == NULL)))) {
		*old = vmb_atomic_fetch_raw(s.base + addr, width, op, order, v);
		return 0;
	}

	struct vmb_rmw r = vmb__fetch_request(op, order, v);

	return vmb_slice_rmw(VMB__SLICE_COPY(s), addr, width, &r, old, err);
}

/* vmb_slice_cmpxchg() - vmb_slice_rmw() of a strong compare-exchange. */
VMB_NODISCARD
VMB_INLINE int vmb_slice_cmpxchg(struct vmb_slice s, size_t addr, unsigned width, uint64_t expected,
				 uint64_t desired, struct vmb_ordering success,
				 struct vmb_ordering failure, uint64_t *old, struct vmb_error *err)
{
	if (VMB_LIKELY(vmb_order_valid_for_rmw(success) && vmb_order_valid_for_failure(failure) &&
		       vmb_width_valid(width) &&
		       !(vmb__slice_misfit(s, addr, width, width) | (s.bitmap != NULL) | (old == NULL)))) {
		*old = vmb_atomic_cmpxchg_raw(s.base + addr, width, success, failure, expected, desired);
		return 0;
	}

	struct vmb_rmw r = { VMB_RMW_CMPXCHG, success, failure, desired, expected };

	return vmb_slice_rmw(VMB__SLICE_COPY(s), addr, width, &r, old, err);
}

/**
 * vmb_slice_copy_to() - copy min(len(src), len(dst)) bytes from @src to
 * @dst; the two may overlap.
 * @done: receives the count; may be NULL.
 *
 * Return: 0. S10 [diverges] (no memmove for small copies), S11 (marks
 * @dst).
 */
VMB_API int vmb_slice_copy_to(struct vmb_slice src, struct vmb_slice dst, size_t *done);

/**
 * vmb_slice_copy_to_array() - copy min(@nelem, L / @elem_size) elements of
 * @elem_size bytes from the start of @s to @buf.
 * @copied: receives the element count; may be NULL.
 * Return: 0; InvalidArgument for a zero @elem_size or NULL @buf with
 * @nelem > 0. S10 per element.
 */
VMB_NODISCARD
VMB_API int vmb_slice_copy_to_array(struct vmb_slice s, void *buf, size_t nelem, size_t elem_size,
				    size_t *copied);

/* vmb_slice_copy_from_array() - the mirror: @buf into the slice's start;
 * marks what it wrote (S11). */
VMB_NODISCARD
VMB_API int vmb_slice_copy_from_array(struct vmb_slice s, const void *buf, size_t nelem,
				      size_t elem_size, size_t *copied);

/**
 * vmb_slice_bytes() - @s seen through the generic interface. The slice
 * must outlive the returned handle.
 */
VMB_API struct vmb_bytes vmb_slice_bytes(struct vmb_slice *s);

/* The slice's table of operations. */
VMB_API extern const struct vmb_bytes_ops vmb_slice_ops;

VMB_END_DECLS

#endif /* VMBYTES_SLICE_H */

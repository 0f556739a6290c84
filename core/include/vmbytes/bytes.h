/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The generic Bytes interface: one table of operations that every container
 * (slice, guest region, guest memory, data file, remote process) provides,
 * and the operations derived from it, written once for all containers.
 *
 * A container implements six required operations plus check_range. The
 * generic layer has already done, before it calls them:
 *   - NULL checks on buffers, sources, sinks and out-parameters;
 *   - S1/G5: a zero-length write/read returns ok 0 without calling them;
 *   - S9: an invalid ordering or width is InvalidArgument.
 * Everything else (bounds, alignment, dirty marking, errno) is theirs.
 *
 * A new container therefore looks like this:
 *
 *     static const struct vmb_bytes_ops my_ops = {
 *             .name = "mine", .exact = VMB_EXACT_LOOP,
 *             .write = my_write, .read = my_read,
 *             .read_volatile_from = my_read_from,
 *             .write_volatile_to = my_write_to,
 *             .store = my_store, .load = my_load,
 *             .check_range = my_check_range,
 *     };
 *     struct vmb_bytes b = { &my_ops, &my_state };
 *     vmb_bytes_write_obj(b, ...);   // and every other operation
 */
#ifndef VMBYTES_BYTES_H
#define VMBYTES_BYTES_H

#include "atomic.h"
#include "common.h"
#include "error.h"
#include "io.h"

VMB_BEGIN_DECLS

/* How the exact I/O forms (read_exact_volatile_from, write_all_volatile_to)
 * are derived for a container. */
enum vmb_exact_style {
	/*
	 * S8: check_range(a, n) first, then call the one-shot operation until
	 * n bytes moved; a source at its end gives IO{UnexpectedEof}, a sink
	 * that takes 0 gives IO{WriteZero}. For single-range containers.
	 */
	VMB_EXACT_LOOP = 0,
	/*
	 * G7: call the one-shot operation once (it walks every chunk) and
	 * compare: a short total is PartialBuffer{n, total}. For guest memory.
	 */
	VMB_EXACT_COMPARE = 1,
};

struct vmb_bytes_ops {
	const char *name;
	enum vmb_exact_style exact;
	/* S1-S3 / G4-G6: copy up to @len bytes; *@done = bytes copied. */
	int (*write)(void *self, uint64_t addr, const void *buf, size_t len, size_t *done,
		     struct vmb_error *err);
	int (*read)(void *self, uint64_t addr, void *buf, size_t len, size_t *done,
		    struct vmb_error *err);
	/* S7 / G7: the one-shot volatile I/O forms; @n may be 0. */
	int (*read_volatile_from)(void *self, uint64_t addr, struct vmb_source *src, size_t n,
				  size_t *done, struct vmb_error *err);
	int (*write_volatile_to)(void *self, uint64_t addr, struct vmb_sink *dst, size_t n,
				 size_t *done, struct vmb_error *err);
	/* S9 / G8: @width in 1, 2, 4, 8 and @order valid, already checked. */
	int (*store)(void *self, uint64_t addr, unsigned width, struct vmb_ordering order,
		     uint64_t v, struct vmb_error *err);
	int (*load)(void *self, uint64_t addr, unsigned width, struct vmb_ordering order,
		    uint64_t *v, struct vmb_error *err);
	/*
	 * S5: the errors of get_slice(addr, n), for VMB_EXACT_LOOP containers
	 * (the exact I/O forms and W3 call it). For VMB_EXACT_COMPARE ones it
	 * is optional and W2's check of the whole range (0, or the error of
	 * its first unreachable byte); NULL makes write_whole/read_whole
	 * Unsupported there. It moves nothing.
	 */
	int (*check_range)(void *self, uint64_t addr, size_t n, struct vmb_error *err);
	/*
	 * A1-A5: one atomic read-modify-write; @r valid for @width and @old
	 * non-NULL, already checked. Optional: NULL (a data file, a remote
	 * process, a container that cannot do it atomically) is Unsupported.
	 */
	int (*rmw)(void *self, uint64_t addr, unsigned width, const struct vmb_rmw *r,
		   uint64_t *old, struct vmb_error *err);
};

/* A container seen through the generic interface; passed by value. */
struct vmb_bytes {
	const struct vmb_bytes_ops *ops;
	void *self;
};

/**
 * vmb_bytes_write() - write up to @len bytes of @buf at @addr.
 * @b:    the container.
 * @addr: container address.
 * @buf:  the bytes; may be NULL only when @len is 0.
 * @len:  byte count.
 * @done: receives the count written (also on failure); may be NULL.
 * @err:  receives the detail of a failure; may be NULL.
 *
 * Return: 0 (a short count is not an error, S3); the container's errors:
 * OutOfBounds (S2), InvalidGuestAddress (G4), GuestAddressOverflow (G4),
 * InvalidBackendAddress (G9), IO (D1, R1); InvalidArgument for a NULL
 * @buf with @len > 0 or an empty @b. S1-S3, G4-G6.
 */
VMB_NODISCARD
VMB_API int vmb_bytes_write(struct vmb_bytes b, uint64_t addr, const void *buf, size_t len,
			    size_t *done, struct vmb_error *err);

/* vmb_bytes_read() - the mirror of vmb_bytes_write(). S1-S3, G4-G6. */
VMB_NODISCARD
VMB_API int vmb_bytes_read(struct vmb_bytes b, uint64_t addr, void *buf, size_t len,
			   size_t *done, struct vmb_error *err);

/**
 * vmb_bytes_write_slice() - write all @len bytes or fail.
 *
 * Return: as vmb_bytes_write(), plus PartialBuffer{expected=@len,
 * completed=n} when only n < @len bytes fit (those n WERE written). S4, G6.
 */
VMB_NODISCARD
VMB_API int vmb_bytes_write_slice(struct vmb_bytes b, uint64_t addr, const void *buf, size_t len,
				  struct vmb_error *err);

/* vmb_bytes_read_slice() - read all @len bytes or fail. S4, G6. */
VMB_NODISCARD
VMB_API int vmb_bytes_read_slice(struct vmb_bytes b, uint64_t addr, void *buf, size_t len,
				 struct vmb_error *err);

/* vmb_bytes_write_obj() - write an object of @size bytes: write_slice. S4. */
/**
 * vmb_bytes_write_whole() - all or nothing: write the @len bytes of @buf at
 * @addr only if every one of them can be written (W1-W4). The range is
 * checked before any byte moves; on an error nothing was written and no
 * page was marked dirty.
 * Return: 0 (all @len bytes written; @len == 0 is 0 at any address);
 * InvalidArgument for a NULL container, or a NULL @buf with @len > 0;
 * the range's error: on guest memory InvalidGuestAddress{addr} naming the
 * first byte in no region (W2), on a single-range container S5's Overflow
 * or OutOfBounds (W3); Unsupported for a container without the check.
 * A data file or remote process whose I/O fails after the check reports
 * IO{errno} with the bytes before it written (W4).
 */
VMB_NODISCARD
VMB_API int vmb_bytes_write_whole(struct vmb_bytes b, uint64_t addr, const void *buf, size_t len,
				  struct vmb_error *err);

/* vmb_bytes_read_whole() - all or nothing, as vmb_bytes_write_whole(): on an
 * error @buf is untouched. W1-W4. */
VMB_NODISCARD
VMB_API int vmb_bytes_read_whole(struct vmb_bytes b, uint64_t addr, void *buf, size_t len,
				 struct vmb_error *err);

VMB_NODISCARD
VMB_API int vmb_bytes_write_obj(struct vmb_bytes b, uint64_t addr, const void *obj, size_t size,
				struct vmb_error *err);

/* vmb_bytes_read_obj() - read an object of @size bytes: read_slice. S4. */
VMB_NODISCARD
VMB_API int vmb_bytes_read_obj(struct vmb_bytes b, uint64_t addr, void *obj, size_t size,
			       struct vmb_error *err);

/**
 * vmb_bytes_read_volatile_from() - fill up to @n bytes at @addr from @src
 * with one read per contiguous chunk.
 * @done: receives the count moved (may be short); may be NULL.
 *
 * Return: 0; OutOfBounds{addr} when @addr is past the end (S7); IO{errno}
 * for a source error other than EINTR (retried); the walk errors of G4;
 * InvalidArgument for a NULL @src. S7, G7.
 */
VMB_NODISCARD
VMB_API int vmb_bytes_read_volatile_from(struct vmb_bytes b, uint64_t addr,
					 struct vmb_source *src, size_t n, size_t *done,
					 struct vmb_error *err);

/**
 * vmb_bytes_read_exact_volatile_from() - fill exactly @n bytes at @addr.
 *
 * Return: 0; the range errors of S5 (single-range containers, checked
 * before anything moves); IO{UnexpectedEof} when the source ends first
 * (S8, I3); PartialBuffer{n, total} on guest memory (G7); IO{errno}.
 * Bytes moved before a failure stay moved.
 */
VMB_NODISCARD
VMB_API int vmb_bytes_read_exact_volatile_from(struct vmb_bytes b, uint64_t addr,
					       struct vmb_source *src, size_t n,
					       struct vmb_error *err);

/**
 * vmb_bytes_write_volatile_to() - drain up to @n bytes at @addr into @dst.
 * Return: as vmb_bytes_read_volatile_from(). S7, G7.
 */
VMB_NODISCARD
VMB_API int vmb_bytes_write_volatile_to(struct vmb_bytes b, uint64_t addr, struct vmb_sink *dst,
					size_t n, size_t *done, struct vmb_error *err);

/**
 * vmb_bytes_write_all_volatile_to() - drain exactly @n bytes.
 * Return: as vmb_bytes_read_exact_volatile_from(), with IO{WriteZero} for
 * a sink that accepts 0 bytes. S8, G7.
 */
VMB_NODISCARD
VMB_API int vmb_bytes_write_all_volatile_to(struct vmb_bytes b, uint64_t addr,
					    struct vmb_sink *dst, size_t n,
					    struct vmb_error *err);

/**
 * vmb_bytes_store() - one atomic store of @width bytes.
 * @width: 1, 2, 4 or 8.
 * @order: VMB_RELAXED, VMB_RELEASE or VMB_SEQ_CST (see atomic.h).
 * @v:     the value (its low @width bytes, host byte order).
 *
 * Return: 0; InvalidArgument for an invalid @order or @width, checked
 * before anything else (S9 [diverges]); OutOfBounds/Overflow (S5) then
 * Misaligned (S9); InvalidGuestAddress or InvalidBackendAddress (G8);
 * Unsupported (R1). S9, G8.
 */
VMB_NODISCARD
VMB_API int vmb_bytes_store(struct vmb_bytes b, uint64_t addr, unsigned width,
			    struct vmb_ordering order, uint64_t v, struct vmb_error *err);

/**
 * vmb_bytes_load() - one atomic load of @width bytes into *@v.
 * @order: VMB_RELAXED, VMB_ACQUIRE or VMB_SEQ_CST.
 * Return: as vmb_bytes_store(); InvalidArgument for a NULL @v. S9, G8.
 */
VMB_NODISCARD
VMB_API int vmb_bytes_load(struct vmb_bytes b, uint64_t addr, unsigned width,
			   struct vmb_ordering order, uint64_t *v, struct vmb_error *err);

/* Typed object helpers: the size comes from the object. */
/**
 * vmb_bytes_rmw() - one atomic read-modify-write (SPEC A1-A5), as
 * vmb_slice_rmw() on every container that has one.
 * Return: 0 with *@old the value before; InvalidArgument for a NULL
 * container, @r or @old, or a request vmb_rmw_valid() refuses, or an
 * invalid @width (first); Unsupported for a container without the
 * operation (data file, remote process: A5); else the container's errors
 * for the access, as its store has them (S9, G8, G9).
 */
VMB_NODISCARD
VMB_API int vmb_bytes_rmw(struct vmb_bytes b, uint64_t addr, unsigned width, const struct vmb_rmw *r,
			  uint64_t *old, struct vmb_error *err);

/* vmb_bytes_fetch() - vmb_bytes_rmw() of @op (not cmpxchg) with operand @v. */
VMB_NODISCARD
VMB_INLINE int vmb_bytes_fetch(struct vmb_bytes b, uint64_t addr, unsigned width, enum vmb_rmw_op op,
			       struct vmb_ordering order, uint64_t v, uint64_t *old,
			       struct vmb_error *err)
{
	struct vmb_rmw r = vmb__fetch_request(op, order, v);

	return vmb_bytes_rmw(b, addr, width, &r, old, err);
}

/* vmb_bytes_cmpxchg() - vmb_bytes_rmw() of a strong compare-exchange. */
VMB_NODISCARD
VMB_INLINE int vmb_bytes_cmpxchg(struct vmb_bytes b, uint64_t addr, unsigned width, uint64_t expected,
				 uint64_t desired, struct vmb_ordering success,
				 struct vmb_ordering failure, uint64_t *old, struct vmb_error *err)
{
	struct vmb_rmw r = { VMB_RMW_CMPXCHG, success, failure, desired, expected };

	return vmb_bytes_rmw(b, addr, width, &r, old, err);
}

#define vmb_bytes_write_val(b, addr, objp, err) vmb_bytes_write_obj((b), (addr), (objp), sizeof(*(objp)), (err))
#define vmb_bytes_read_val(b, addr, objp, err) vmb_bytes_read_obj((b), (addr), (objp), sizeof(*(objp)), (err))

VMB_END_DECLS

#endif /* VMBYTES_BYTES_H */

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Library-internal helpers: filling struct vmb_error and small shared
 * pieces of the containers. Not installed.
 */
#ifndef VMBYTES_INTERNAL_H
#define VMBYTES_INTERNAL_H

#include <string.h>

#include "vmbytes.h"

static inline int vmb__fail(struct vmb_error *e, int code)
{
	if (e) {
		memset(e, 0, sizeof(*e));
		e->code = code;
	}
	return code;
}

static inline int vmb__fail_oob(struct vmb_error *e, uint64_t addr)
{
	if (e) {
		vmb__fail(e, VMB_EOUT_OF_BOUNDS);
		e->addr = addr;
	}
	return VMB_EOUT_OF_BOUNDS;
}

static inline int vmb__fail_overflow(struct vmb_error *e, uint64_t base, uint64_t offset)
{
	if (e) {
		vmb__fail(e, VMB_EOVERFLOW);
		e->base = base;
		e->offset = offset;
	}
	return VMB_EOVERFLOW;
}

static inline int vmb__fail_too_big(struct vmb_error *e, uint64_t nelements, uint64_t size)
{
	if (e) {
		vmb__fail(e, VMB_ETOO_BIG);
		e->nelements = nelements;
		e->size = size;
	}
	return VMB_ETOO_BIG;
}

static inline int vmb__fail_misaligned(struct vmb_error *e, uint64_t addr, uint64_t alignment)
{
	if (e) {
		vmb__fail(e, VMB_EMISALIGNED);
		e->addr = addr;
		e->alignment = alignment;
	}
	return VMB_EMISALIGNED;
}

static inline int vmb__fail_errno(struct vmb_error *e, int errnum)
{
	if (e) {
		vmb__fail(e, VMB_EIO);
		e->io_kind = VMB_IO_ERRNO;
		e->errnum = errnum;
	}
	return VMB_EIO;
}

static inline int vmb__fail_io_kind(struct vmb_error *e, int kind)
{
	if (e) {
		vmb__fail(e, VMB_EIO);
		e->io_kind = kind;
	}
	return VMB_EIO;
}

static inline int vmb__fail_partial(struct vmb_error *e, uint64_t expected, uint64_t completed)
{
	if (e) {
		vmb__fail(e, VMB_EPARTIAL_BUFFER);
		e->expected = expected;
		e->completed = completed;
	}
	return VMB_EPARTIAL_BUFFER;
}

static inline int vmb__fail_guest_addr(struct vmb_error *e, uint64_t addr)
{
	if (e) {
		vmb__fail(e, VMB_EINVALID_GUEST_ADDRESS);
		e->addr = addr;
	}
	return VMB_EINVALID_GUEST_ADDRESS;
}

/*
 * G9: a slice-level error seen from a region or guest memory. Address
 * errors become InvalidBackendAddress (their fields would be offsets into
 * a backend the caller never sees); IO and PartialBuffer pass through.
 */
static inline int vmb__map_backend_error(struct vmb_error *e, int code)
{
	switch (code) {
	case VMB_EOUT_OF_BOUNDS:
	case VMB_EOVERFLOW:
	case VMB_ETOO_BIG:
	case VMB_EMISALIGNED:
		return vmb__fail(e, VMB_EINVALID_BACKEND_ADDRESS);
	default:
		return code;
	}
}

static inline void vmb__set_done(size_t *done, size_t n)
{
	if (done)
		*done = n;
}

/* The host page size, cached. */
size_t vmb__page_size(void);

/*
 * The S5 range check shared by every single-range container: Overflow when
 * @off + @n wraps, OutOfBounds{off + n} when it passes @len.
 */
static inline int vmb__check_range(uint64_t off, uint64_t n, uint64_t len, struct vmb_error *e)
{
	uint64_t end;

	/* S5: off + n may wrap. */
	if (vmb_add_overflow_u64(off, n, &end))
		return vmb__fail_overflow(e, off, n);
	if (end > len)
		return vmb__fail_oob(e, end);
	return 0;
}

/*
 * S2/S3 for every single-range container: the count of @len bytes that fits
 * at @addr in an @size-byte range, or OutOfBounds{addr} when no byte is there.
 */
static inline int vmb__clamp(uint64_t addr, size_t len, uint64_t size, size_t *n,
			     struct vmb_error *err)
{
	if (addr >= size)
		return vmb__fail_oob(err, addr);
	*n = len < size - addr ? len : (size_t)(size - addr);
	return 0;
}

/*
 * S7: the count a one-shot volatile I/O call may move at @addr, at most
 * @limit (a bounce buffer's size); @addr == size is allowed and gives 0.
 */
static inline int vmb__clamp_io(uint64_t addr, size_t n, uint64_t size, size_t limit, size_t *k,
				struct vmb_error *err)
{
	if (addr > size)
		return vmb__fail_oob(err, addr);
	*k = n < size - addr ? n : (size_t)(size - addr);
	if (*k > limit)
		*k = limit;
	return 0;
}

/*
 * S7: exactly one read from @src of at most @k > 0 bytes, repeated while
 * it is interrupted. *@got is the count; IO{errno} for an error, and
 * CallbackOutOfRange for a source that claims more than it was asked for.
 */
int vmb__source_read_once(struct vmb_source *src, void *dst, size_t k, size_t *got,
			  struct vmb_error *err);

/* S7: the sink twin of vmb__source_read_once(). */
int vmb__sink_write_once(struct vmb_sink *dst, const void *from, size_t k, size_t *put,
			 struct vmb_error *err);

/*
 * S4, the one rule of every exact form: after a one-shot copy that returned
 * @rc and moved @n of @len bytes, a shortfall is PartialBuffer{len, n}.
 * (Call the copy first, in its own statement: C leaves the order in which
 * arguments are evaluated open, so n must not be read in the same call.)
 */
static inline int vmb__exact_result(int rc, size_t n, size_t len, struct vmb_error *err)
{
	if (rc != 0)
		return rc;
	return n < len ? vmb__fail_partial(err, len, n) : 0;
}

/* Marks [addr, addr + n) of @s dirty when it tracks (S11). */
static inline void vmb__slice_mark(const struct vmb_slice *s, size_t addr, size_t n)
{
	if (s->bitmap && n > 0)
		vmb_bitmap_mark(s->bitmap, s->bitmap_offset + addr, n);
}

/*
 * write_all_volatile_to (S8, G7) that also reports the count drained, also
 * on failure: guest memory drains each chunk with it (G7) and must report
 * what reached the sink (SPEC section 1).
 */
int vmb__bytes_write_all(struct vmb_bytes b, uint64_t addr, struct vmb_sink *dst, size_t n,
			 size_t *done, struct vmb_error *err);

/* vmb__region_config_check() - what vmb_region_new() refuses before it
 * maps anything (InvalidArgument, G1's InvalidGuestRegion); 0 if none. */
int vmb__region_config_check(const struct vmb_region_config *cfg, struct vmb_error *err);
/* vmb__guest_check_pair() - G2 for a region [@ps, @pl] followed by one that
 * starts at @ns: UnsortedMemoryRegions, then MemoryRegionOverlap; else 0. */
int vmb__guest_check_pair(uint64_t ps, uint64_t pl, uint64_t ns, struct vmb_error *err);
/* Region ownership by a guest memory (guest.c sets it, region.c reads it). */
bool vmb__region_owned(const struct vmb_region *r);
void vmb__region_set_owned(struct vmb_region *r, bool owned);
/* The whole region as a slice, without copying the struct. */
const struct vmb_slice *vmb__region_slice(const struct vmb_region *r);

/* vmb__diag() - one line of the start-up report (diag.c): "vmbytes: " and
 * the formatted text, "vmbytes: warning: " for a @warning; printed to
 * stderr only under VMB_DIAG. For the load-time constructors only. */
__attribute__((format(printf, 2, 3))) void vmb__diag(bool warning, const char *fmt, ...);

#endif /* VMBYTES_INTERNAL_H */

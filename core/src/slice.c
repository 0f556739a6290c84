/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* Volatile slice: SPEC section 2. */
#include <errno.h>

#include "internal.h"

int vmb_slice_init(struct vmb_slice *s, void *base, size_t len)
{
	uintptr_t end;

	if (s == NULL || (base == NULL && len > 0) ||
	    __builtin_add_overflow((uintptr_t)base, len, &end))
		return VMB_EINVALID_ARGUMENT;
	s->base = base;
	s->len = len;
	s->bitmap = NULL;
	s->bitmap_offset = 0;
	return 0;
}

int vmb_slice_set_bitmap(struct vmb_slice *s, struct vmb_bitmap *bm, size_t offset)
{
	if (s == NULL)
		return VMB_EINVALID_ARGUMENT;
	s->bitmap = bm;
	s->bitmap_offset = bm ? offset : 0;
	return 0;
}

int vmb_slice_subslice(struct vmb_slice s, size_t off, size_t n, struct vmb_slice *out,
		       struct vmb_error *err)
{
	if (out == NULL)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);

	/* S5: Overflow when off + n wraps, OutOfBounds{off + n} past the end. */
	int rc = vmb__check_range(off, n, s.len, err);

	if (rc != 0)
		return rc;
	out->base = s.base + off;
	out->len = n;
	out->bitmap = s.bitmap;
	/* The sub-slice marks the same bitmap pages its bytes sit in. */
	out->bitmap_offset = s.bitmap ? s.bitmap_offset + off : 0;
	return 0;
}

int vmb_slice_get_slice(struct vmb_slice s, size_t off, size_t n, struct vmb_slice *out,
			struct vmb_error *err)
{
	return vmb_slice_subslice(s, off, n, out, err);
}

int vmb_slice_get_array(struct vmb_slice s, size_t off, size_t nelem, size_t elem_size,
			struct vmb_slice *out, struct vmb_error *err)
{
	size_t bytes;

	if (vmb_mul_overflow_size(nelem, elem_size, &bytes))
		return vmb__fail_too_big(err, nelem, elem_size);
	return vmb_slice_subslice(s, off, bytes, out, err);
}

int vmb_slice_offset(struct vmb_slice s, size_t c, struct vmb_slice *out, struct vmb_error *err)
{
	/* S6 [diverges]: report the relative offset, never a host address. */
	if (c > s.len)
		return vmb__fail_oob(err, c);
	return vmb_slice_subslice(s, c, s.len - c, out, err);
}

int vmb_slice_split_at(struct vmb_slice s, size_t m, struct vmb_slice *head,
		       struct vmb_slice *tail, struct vmb_error *err)
{
	struct vmb_slice h, t;
	int rc;

	if (head == NULL || tail == NULL)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	/* S6: m == L is valid, m > L is OutOfBounds{m}. */
	if (m > s.len)
		return vmb__fail_oob(err, m);
	rc = vmb_slice_subslice(s, 0, m, &h, err);
	if (rc == 0)
		rc = vmb_slice_offset(s, m, &t, err);
	if (rc != 0)
		return rc;
	*head = h;
	*tail = t;
	return 0;
}

/*
 * The bodies of write/read and of write_slice/read_slice, inlined into each
 * so that the slice stays where the caller's by-value argument put it:
 * handing it on by value from one public function to the next stored it
 * again on every call, and the 4 KiB write_slice measured 1.5x a bare
 * vmb_copy().
 */
VMB_INLINE int slice_write(const struct vmb_slice *s, size_t addr, const void *buf, size_t len,
			   size_t *n, struct vmb_error *err)
{
	/* S1: an empty buffer is ok 0 before any other check. */
	if (len == 0)
		return 0;
	if (buf == NULL)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	/* S2: no byte at addr; S3: a short copy is not an error. */
	int rc = vmb__clamp(addr, len, s->len, n, err);

	if (rc != 0)
		return rc;
	vmb_copy(s->base + addr, buf, *n);
	vmb__slice_mark(s, addr, *n);
	return 0;
}

VMB_INLINE int slice_read(const struct vmb_slice *s, size_t addr, void *buf, size_t len,
			  size_t *n, struct vmb_error *err)
{
	/* S1. */
	if (len == 0)
		return 0;
	if (buf == NULL)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	int rc = vmb__clamp(addr, len, s->len, n, err);

	if (rc != 0)
		return rc;
	vmb_copy(buf, s->base + addr, *n);
	return 0;
}

int vmb_slice_write(struct vmb_slice s, size_t addr, const void *buf, size_t len, size_t *done,
		    struct vmb_error *err)
{
	size_t n = 0;
	int rc = slice_write(&s, addr, buf, len, &n, err);

	vmb__set_done(done, n);
	return rc;
}

int vmb_slice_read(struct vmb_slice s, size_t addr, void *buf, size_t len, size_t *done,
		   struct vmb_error *err)
{
	size_t n = 0;
	int rc = slice_read(&s, addr, buf, len, &n, err);

	vmb__set_done(done, n);
	return rc;
}


int vmb_slice_read_volatile_from(struct vmb_slice s, size_t addr, struct vmb_source *src,
				 size_t n, size_t *done, struct vmb_error *err)
{
	size_t k, got;
	int rc;

	vmb__set_done(done, 0);
	if (src == NULL || src->read == NULL)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	/* S7: addr == L is allowed and clamps to 0. */
	rc = vmb__clamp_io(addr, n, s.len, SIZE_MAX, &k, err);
	if (rc != 0 || k == 0)
		return rc;
	rc = vmb__source_read_once(src, s.base + addr, k, &got, err);
	if (rc != 0)
		return rc;
	vmb__slice_mark(&s, addr, got);
	vmb__set_done(done, got);
	return 0;
}

int vmb_slice_write_volatile_to(struct vmb_slice s, size_t addr, struct vmb_sink *dst, size_t n,
				size_t *done, struct vmb_error *err)
{
	size_t k, put;
	int rc;

	vmb__set_done(done, 0);
	if (dst == NULL || dst->write == NULL)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	rc = vmb__clamp_io(addr, n, s.len, SIZE_MAX, &k, err);
	if (rc != 0 || k == 0)
		return rc;
	rc = vmb__sink_write_once(dst, s.base + addr, k, &put, err);
	if (rc == 0)
		vmb__set_done(done, put);
	return rc;
}

/* S9: the place of an atomic access: S5's bounds errors, then Misaligned
 * for a host address that is not @width-aligned. */
static int atomic_place(struct vmb_slice s, size_t addr, unsigned width, struct vmb_error *err)
{
	int rc = vmb__check_range(addr, width, s.len, err);

	if (rc != 0)
		return rc;
	if (((uintptr_t)s.base + addr) & (width - 1))
		return vmb__fail_misaligned(err, addr, width);
	return 0;
}

int vmb__slice_store_slow(struct vmb_slice s, size_t addr, unsigned width,
			  struct vmb_ordering order, uint64_t v, struct vmb_error *err)
{
	int rc;

	/* S9 [diverges]: the ordering first, touching nothing. */
	if (!vmb_order_valid_for_store(order) || !vmb_width_valid(width))
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	rc = atomic_place(s, addr, width, err);
	if (rc != 0)
		return rc;
	vmb_atomic_store_raw(s.base + addr, width, order, v);
	vmb__slice_mark(&s, addr, width);
	return 0;
}

int vmb__slice_load_slow(struct vmb_slice s, size_t addr, unsigned width,
			 struct vmb_ordering order, uint64_t *v, struct vmb_error *err)
{
	int rc;

	/* S9 [diverges]. */
	if (!vmb_order_valid_for_load(order) || !vmb_width_valid(width) || v == NULL)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	rc = atomic_place(s, addr, width, err);
	if (rc != 0)
		return rc;
	*v = vmb_atomic_load_raw(s.base + addr, width, order);
	return 0;
}

int vmb_slice_rmw(struct vmb_slice s, size_t addr, unsigned width, const struct vmb_rmw *r,
		  uint64_t *old, struct vmb_error *err)
{
	int rc;

	/* A1, A2 (S9 [diverges]): the request first, touching nothing. */
	if (!vmb_rmw_valid(r) || !vmb_width_valid(width) || old == NULL)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	rc = atomic_place(s, addr, width, err);
	if (rc != 0)
		return rc;
	uint64_t v = vmb_atomic_rmw_raw(s.base + addr, width, r);

	/* A3: dirty when it wrote. */
	if (vmb_rmw_wrote(r, width, v))
		vmb__slice_mark(&s, addr, width);
	*old = v;
	return 0;
}

int vmb_slice_copy_to(struct vmb_slice src, struct vmb_slice dst, size_t *done)
{
	size_t n = src.len < dst.len ? src.len : dst.len;

	/* S10 [diverges]: small copies keep the single-access rule. */
	vmb_move(dst.base, src.base, n);
	vmb__slice_mark(&dst, 0, n);
	vmb__set_done(done, n);
	return 0;
}

/* Element-wise so that each element of at most 8 bytes is one access (S10). */
static void copy_elements(uint8_t *d, const uint8_t *s, size_t nelem, size_t elem_size)
{
	if (elem_size > VMB_SINGLE_ACCESS_MAX) {
		vmb_copy(d, s, nelem * elem_size);
		return;
	}
	for (size_t i = 0; i < nelem; i++)
		vmb_copy_small(d + i * elem_size, s + i * elem_size, elem_size);
}

int vmb_slice_copy_to_array(struct vmb_slice s, void *buf, size_t nelem, size_t elem_size,
			    size_t *copied)
{
	vmb__set_done(copied, 0);
	if (elem_size == 0 || (buf == NULL && nelem > 0))
		return VMB_EINVALID_ARGUMENT;

	size_t n = s.len / elem_size < nelem ? s.len / elem_size : nelem;

	copy_elements(buf, s.base, n, elem_size);
	vmb__set_done(copied, n);
	return 0;
}

int vmb_slice_copy_from_array(struct vmb_slice s, const void *buf, size_t nelem, size_t elem_size,
			      size_t *copied)
{
	vmb__set_done(copied, 0);
	if (elem_size == 0 || (buf == NULL && nelem > 0))
		return VMB_EINVALID_ARGUMENT;

	size_t n = s.len / elem_size < nelem ? s.len / elem_size : nelem;

	copy_elements(s.base, buf, n, elem_size);
	vmb__slice_mark(&s, 0, n * elem_size);
	vmb__set_done(copied, n);
	return 0;
}

/* The slice as a container: addresses above SIZE_MAX cannot occur on the
 * 64-bit hosts vmbytes supports, so they pass straight through. */
static int ops_write(void *self, uint64_t addr, const void *buf, size_t len, size_t *done,
		     struct vmb_error *err)
{
	return vmb_slice_write(*(struct vmb_slice *)self, addr, buf, len, done, err);
}

static int ops_read(void *self, uint64_t addr, void *buf, size_t len, size_t *done,
		    struct vmb_error *err)
{
	return vmb_slice_read(*(struct vmb_slice *)self, addr, buf, len, done, err);
}

static int ops_read_from(void *self, uint64_t addr, struct vmb_source *src, size_t n,
			 size_t *done, struct vmb_error *err)
{
	return vmb_slice_read_volatile_from(*(struct vmb_slice *)self, addr, src, n, done, err);
}

static int ops_write_to(void *self, uint64_t addr, struct vmb_sink *dst, size_t n, size_t *done,
			struct vmb_error *err)
{
	return vmb_slice_write_volatile_to(*(struct vmb_slice *)self, addr, dst, n, done, err);
}

static int ops_store(void *self, uint64_t addr, unsigned width,
		     struct vmb_ordering order, uint64_t v, struct vmb_error *err)
{
	return vmb_slice_store(*(struct vmb_slice *)self, addr, width, order, v, err);
}

static int ops_load(void *self, uint64_t addr, unsigned width,
		    struct vmb_ordering order, uint64_t *v, struct vmb_error *err)
{
	return vmb_slice_load(*(struct vmb_slice *)self, addr, width, order, v, err);
}

static int ops_check_range(void *self, uint64_t addr, size_t n, struct vmb_error *err)
{
	return vmb__check_range(addr, n, ((struct vmb_slice *)self)->len, err);
}

static int ops_rmw(void *self, uint64_t addr, unsigned width, const struct vmb_rmw *r,
		   uint64_t *old, struct vmb_error *err)
{
	struct vmb_slice s = *(struct vmb_slice *)self;

	/* The inline forms, as ops_store() takes vmb_slice_store(). */
	if (r->op == VMB_RMW_CMPXCHG)
		return vmb_slice_cmpxchg(s, addr, width, r->expected, r->v, r->order, r->failure, old,
					 err);
	return vmb_slice_fetch(s, addr, width, r->op, r->order, r->v, old, err);
}

_Static_assert(sizeof(size_t) == sizeof(uint64_t), "vmbytes supports 64-bit hosts");

const struct vmb_bytes_ops vmb_slice_ops = {
	.name = "slice",
	.exact = VMB_EXACT_LOOP,
	.write = ops_write,
	.read = ops_read,
	.read_volatile_from = ops_read_from,
	.write_volatile_to = ops_write_to,
	.store = ops_store,
	.load = ops_load,
	.check_range = ops_check_range,
	.rmw = ops_rmw,
};

struct vmb_bytes vmb_slice_bytes(struct vmb_slice *s)
{
	struct vmb_bytes b = { s ? &vmb_slice_ops : NULL, s };

	return b;
}

/* S4 on top of S1-S3: a short transfer is PartialBuffer{expected, completed}. */
int vmb__slice_write_slice_slow(struct vmb_slice s, size_t addr, const void *buf, size_t len,
				struct vmb_error *err)
{
	size_t n = 0;
	int rc = slice_write(&s, addr, buf, len, &n, err);

	return vmb__exact_result(rc, n, len, err);
}

int vmb__slice_read_slice_slow(struct vmb_slice s, size_t addr, void *buf, size_t len,
			       struct vmb_error *err)
{
	size_t n = 0;
	int rc = slice_read(&s, addr, buf, len, &n, err);

	return vmb__exact_result(rc, n, len, err);
}

int vmb_slice_write_obj(struct vmb_slice s, size_t addr, const void *obj, size_t size,
			struct vmb_error *err)
{
	return vmb_slice_write_slice(s, addr, obj, size, err);
}

int vmb_slice_read_obj(struct vmb_slice s, size_t addr, void *obj, size_t size,
		       struct vmb_error *err)
{
	return vmb_slice_read_slice(s, addr, obj, size, err);
}

int vmb_slice_read_exact_volatile_from(struct vmb_slice s, size_t addr, struct vmb_source *src,
				       size_t n, struct vmb_error *err)
{
	return vmb_bytes_read_exact_volatile_from(vmb_slice_bytes(&s), addr, src, n, err);
}

int vmb_slice_write_all_volatile_to(struct vmb_slice s, size_t addr, struct vmb_sink *dst,
				    size_t n, struct vmb_error *err)
{
	return vmb_bytes_write_all_volatile_to(vmb_slice_bytes(&s), addr, dst, n, err);
}

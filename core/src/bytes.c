/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The generic Bytes layer: argument checks every container shares, and the
 * operations derived from a container's required ones. Nothing here is
 * per container.
 */
#include "internal.h"

static int bad_arg(struct vmb_error *err)
{
	return vmb__fail(err, VMB_EINVALID_ARGUMENT);
}

/*
 * B1-B3: what a container answered, verified before anything is derived
 * from it. Its table may be anyone's: a status that is not 0 or a VMB_E*
 * code (B2), a count past what it was asked (B1) and a value wider than
 * the access (B3) are CallbackOutOfRange; nothing of such an answer is
 * passed on.
 */
static int lied(struct vmb_error *err)
{
	return vmb__fail(err, VMB_ECALLBACK_OUT_OF_RANGE);
}

static int answer(int rc, struct vmb_error *err)
{
	return rc == 0 || (rc < 0 && rc > -VMB_STATUS_COUNT) ? rc : lied(err);
}

/* B1: the status and count of a call asked for @asked; *@done is set only
 * when the count is believable. */
static int counted(int rc, size_t got, size_t asked, size_t *done, struct vmb_error *err)
{
	rc = answer(rc, err);
	if (rc == VMB_ECALLBACK_OUT_OF_RANGE || got > asked)
		return lied(err);
	vmb__set_done(done, got);
	return rc;
}

/* B3: a value that fits @width bytes. */
static int valued(int rc, uint64_t got, unsigned width, uint64_t *out, struct vmb_error *err)
{
	rc = answer(rc, err);
	if (rc != 0)
		return rc;
	if (width < 8 && (got >> (8 * width)) != 0)
		return lied(err);
	*out = got;
	return 0;
}

int vmb_bytes_write(struct vmb_bytes b, uint64_t addr, const void *buf, size_t len, size_t *done,
		    struct vmb_error *err)
{
	vmb__set_done(done, 0);
	if (b.ops == NULL)
		return bad_arg(err);
	/* S1, G5: an empty buffer is ok 0 before any other check. */
	if (len == 0)
		return 0;
	if (buf == NULL)
		return bad_arg(err);

	size_t got = 0;
	int rc = b.ops->write(b.self, addr, buf, len, &got, err);

	return counted(rc, got, len, done, err);
}

int vmb_bytes_read(struct vmb_bytes b, uint64_t addr, void *buf, size_t len, size_t *done,
		   struct vmb_error *err)
{
	vmb__set_done(done, 0);
	if (b.ops == NULL)
		return bad_arg(err);
	/* S1, G5. */
	if (len == 0)
		return 0;
	if (buf == NULL)
		return bad_arg(err);

	size_t got = 0;
	int rc = b.ops->read(b.self, addr, buf, len, &got, err);

	return counted(rc, got, len, done, err);
}

int vmb_bytes_write_slice(struct vmb_bytes b, uint64_t addr, const void *buf, size_t len,
			  struct vmb_error *err)
{
	size_t n = 0;

	/* S4: the first n bytes were written; the shortfall is the error. */
	int rc = vmb_bytes_write(b, addr, buf, len, &n, err);

	return vmb__exact_result(rc, n, len, err);
}

int vmb_bytes_read_slice(struct vmb_bytes b, uint64_t addr, void *buf, size_t len,
			 struct vmb_error *err)
{
	size_t n = 0;

	/* S4. */
	int rc = vmb_bytes_read(b, addr, buf, len, &n, err);

	return vmb__exact_result(rc, n, len, err);
}

/*
 * W1-W3: the check of the whole range, before anything moves. 1 when the
 * operation has nothing to do (len == 0), 0 to go on, else the error.
 */
static int whole_check(struct vmb_bytes b, uint64_t addr, const void *buf, size_t len,
		       struct vmb_error *err)
{
	if (b.ops == NULL)
		return bad_arg(err);
	/* W1: an empty range is ok at any address. */
	if (len == 0)
		return 1;
	if (buf == NULL)
		return bad_arg(err);
	if (b.ops->check_range == NULL)
		return vmb__fail(err, VMB_EUNSUPPORTED);
	/* B2: a positive answer would read as "nothing to do". */
	return answer(b.ops->check_range(b.self, addr, len, err), err);
}

int vmb_bytes_write_whole(struct vmb_bytes b, uint64_t addr, const void *buf, size_t len,
			  struct vmb_error *err)
{
	int rc = whole_check(b, addr, buf, len, err);

	if (rc != 0)
		return rc > 0 ? 0 : rc;
	/* W4: the range holds; only the medium can fail from here on. */
	return vmb_bytes_write_slice(b, addr, buf, len, err);
}

int vmb_bytes_read_whole(struct vmb_bytes b, uint64_t addr, void *buf, size_t len,
			 struct vmb_error *err)
{
	int rc = whole_check(b, addr, buf, len, err);

	if (rc != 0)
		return rc > 0 ? 0 : rc;
	return vmb_bytes_read_slice(b, addr, buf, len, err);
}

int vmb_bytes_write_obj(struct vmb_bytes b, uint64_t addr, const void *obj, size_t size,
			struct vmb_error *err)
{
	return vmb_bytes_write_slice(b, addr, obj, size, err);
}

int vmb_bytes_read_obj(struct vmb_bytes b, uint64_t addr, void *obj, size_t size,
		       struct vmb_error *err)
{
	return vmb_bytes_read_slice(b, addr, obj, size, err);
}

int vmb_bytes_read_volatile_from(struct vmb_bytes b, uint64_t addr, struct vmb_source *src,
				 size_t n, size_t *done, struct vmb_error *err)
{
	vmb__set_done(done, 0);
	if (b.ops == NULL || src == NULL || src->read == NULL)
		return bad_arg(err);

	size_t got = 0;
	int rc = b.ops->read_volatile_from(b.self, addr, src, n, &got, err);

	return counted(rc, got, n, done, err);
}

int vmb_bytes_write_volatile_to(struct vmb_bytes b, uint64_t addr, struct vmb_sink *dst, size_t n,
				size_t *done, struct vmb_error *err)
{
	vmb__set_done(done, 0);
	if (b.ops == NULL || dst == NULL || dst->write == NULL)
		return bad_arg(err);

	size_t got = 0;
	int rc = b.ops->write_volatile_to(b.self, addr, dst, n, &got, err);

	return counted(rc, got, n, done, err);
}

int vmb_bytes_read_exact_volatile_from(struct vmb_bytes b, uint64_t addr, struct vmb_source *src,
				       size_t n, struct vmb_error *err)
{
	size_t total = 0, got;
	int rc;

	if (b.ops == NULL || src == NULL || src->read == NULL)
		return bad_arg(err);
	if (b.ops->exact == VMB_EXACT_COMPARE) {
		/* G7: one walk, then compare. */
		got = 0;
		rc = b.ops->read_volatile_from(b.self, addr, src, n, &got, err);
		rc = counted(rc, got, n, &total, err);
		if (rc != 0)
			return rc;
		return total == n ? 0 : vmb__fail_partial(err, n, total);
	}
	/* S8: the whole range must exist before anything moves. */
	rc = answer(b.ops->check_range(b.self, addr, n, err), err);
	if (rc != 0)
		return rc;
	/* I3: a source that knows it holds too little fails without copying. */
	if (src->available != NULL && src->available(src) < n)
		return vmb__fail_io_kind(err, VMB_IO_UNEXPECTED_EOF);
	while (total < n) {
		/* At this point: [addr, addr + total) is filled; no wrap, by check_range. */
		size_t one = 0;

		got = 0;
		/* B1: a call's count is at most what is left. */
		rc = b.ops->read_volatile_from(b.self, addr + total, src, n - total, &one, err);
		rc = counted(rc, one, n - total, &got, err);
		if (rc != 0)
			return rc;
		if (got == 0)
			return vmb__fail_io_kind(err, VMB_IO_UNEXPECTED_EOF);
		total += got;
	}
	return 0;
}

int vmb_bytes_write_all_volatile_to(struct vmb_bytes b, uint64_t addr, struct vmb_sink *dst,
				    size_t n, struct vmb_error *err)
{
	size_t done;

	return vmb__bytes_write_all(b, addr, dst, n, &done, err);
}

int vmb__bytes_write_all(struct vmb_bytes b, uint64_t addr, struct vmb_sink *dst, size_t n,
			 size_t *done, struct vmb_error *err)
{
	size_t total = 0, put;
	int rc;

	*done = 0;
	if (b.ops == NULL || dst == NULL || dst->write == NULL)
		return bad_arg(err);
	if (b.ops->exact == VMB_EXACT_COMPARE) {
		/* G7. */
		put = 0;
		rc = b.ops->write_volatile_to(b.self, addr, dst, n, &put, err);
		rc = counted(rc, put, n, &total, err);
		*done = total;
		if (rc != 0)
			return rc;
		return total == n ? 0 : vmb__fail_partial(err, n, total);
	}
	/* S8. */
	rc = answer(b.ops->check_range(b.self, addr, n, err), err);
	if (rc != 0)
		return rc;
	while (total < n) {
		size_t one = 0;

		/* At this point: [addr, addr + total) has been drained. */
		put = 0;
		/* B1: a call's count is at most what is left. */
		rc = b.ops->write_volatile_to(b.self, addr + total, dst, n - total, &one, err);
		rc = counted(rc, one, n - total, &put, err);
		total += put;
		*done = total;
		if (rc != 0)
			return rc;
		if (put == 0)
			return vmb__fail_io_kind(err, VMB_IO_WRITE_ZERO);
	}
	return 0;
}

int vmb_bytes_rmw(struct vmb_bytes b, uint64_t addr, unsigned width, const struct vmb_rmw *r,
		  uint64_t *old, struct vmb_error *err)
{
	/* A1, A2: the request first, touching nothing; then A5. */
	if (b.ops == NULL || !vmb_rmw_valid(r) || !vmb_width_valid(width) || old == NULL)
		return bad_arg(err);
	if (b.ops->rmw == NULL)
		return vmb__fail(err, VMB_EUNSUPPORTED);

	uint64_t got = 0;
	int rc = b.ops->rmw(b.self, addr, width, r, &got, err);

	return valued(rc, got, width, old, err);
}

int vmb_bytes_store(struct vmb_bytes b, uint64_t addr, unsigned width,
		    struct vmb_ordering order, uint64_t v, struct vmb_error *err)
{
	/* S9 [diverges]: the ordering is checked before anything else. */
	if (b.ops == NULL || !vmb_order_valid_for_store(order) || !vmb_width_valid(width))
		return bad_arg(err);
	return answer(b.ops->store(b.self, addr, width, order, v, err), err);
}

int vmb_bytes_load(struct vmb_bytes b, uint64_t addr, unsigned width,
		   struct vmb_ordering order, uint64_t *v, struct vmb_error *err)
{
	/* S9 [diverges]. */
	if (b.ops == NULL || !vmb_order_valid_for_load(order) || !vmb_width_valid(width) ||
	    v == NULL)
		return bad_arg(err);

	uint64_t got = 0;
	int rc = b.ops->load(b.self, addr, width, order, &got, err);

	return valued(rc, got, width, v, err);
}

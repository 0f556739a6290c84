/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The shadow model's sources and sinks: how an op's fault plan (I2) makes
 * each call behave.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* ---- sources and sinks, as the op's fault plan makes them behave ----------- */

static struct vmb_fault next_fault(const struct vmbo_op *op, size_t *step)
{
	struct vmb_fault pass = { VMB_FAULT_PASS, 0 };

	return *step < op->nfaults ? op->faults[(*step)++] : pass;
}

/*
 * What the op's fault plan does to the next call of @n bytes: a negative
 * errno or 0 (end of data) to return as it is, or 1 with *@n cut to what
 * the call may move (I2).
 */
static long fault_step(const struct vmbo_op *op, size_t *step, size_t *n)
{
	struct vmb_fault f = next_fault(op, step);

	switch (f.kind) {
	case VMB_FAULT_EINTR:
		return -EINTR;
	case VMB_FAULT_EAGAIN:
		return -EAGAIN;
	case VMB_FAULT_EIO:
		return -EIO;
	case VMB_FAULT_EOF:
		return 0;
	case VMB_FAULT_SHORT:
		if (f.arg < *n)
			*n = f.arg;
		return 1;
	default:
		return 1;
	}
}

/* One call on the source: >= 0 bytes (from op->data + *from), or -errno. */
static long src_call(struct msrc *s, size_t n, size_t *from)
{
	long r = fault_step(s->op, &s->step, &n);
	size_t k;

	if (r != 1)
		return r;
	k = s->op->len - s->pos < n ? s->op->len - s->pos : n;
	*from = s->pos;
	s->pos += k;
	return (long)k;
}

/* S7: one read, repeated while interrupted. */
long vmbf__src_read_once(struct msrc *s, size_t n, size_t *from)
{
	long r;

	do
		r = src_call(s, n, from);
	while (r == -EINTR);
	return r;
}

/* One call on the sink, taking bytes [off, off + n) of region @r. */
static long sink_call(struct msink *s, const struct mregion *r, uint64_t off, size_t n)
{
	long rc = fault_step(s->op, &s->step, &n);
	size_t k;

	if (rc != 1)
		return rc;
	k = s->op->cap - s->len < n ? s->op->cap - s->len : n;
	memcpy(s->buf + s->len, r->bytes + off, k);
	memcpy(s->known + s->len, r->known + off, k);
	s->len += k;
	return (long)k;
}

long vmbf__sink_write_once(struct msink *s, const struct mregion *r, uint64_t off, size_t n)
{
	long w;

	do
		w = sink_call(s, r, off, n);
	while (w == -EINTR);
	return w;
}

const char *vmbf__errno_name(long e)
{
	return e == EAGAIN ? "EAGAIN" : e == EIO ? "EIO" : e == EINTR ? "EINTR" : "EUNKNOWN";
}

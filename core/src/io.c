/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* Sources and sinks (SPEC section 4). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

#define container_of(p, T, m) ((T *)(void *)((char *)(p) - offsetof(T, m)))

static ssize_t fd_read(struct vmb_source *self, void *dst, size_t n)
{
	ssize_t r = read(container_of(self, struct vmb_fd_source, base)->fd, dst, n);

	return r < 0 ? -errno : r;
}

static ssize_t fd_write(struct vmb_sink *self, const void *src, size_t n)
{
	ssize_t r = write(container_of(self, struct vmb_fd_sink, base)->fd, src, n);

	return r < 0 ? -errno : r;
}

int vmb_fd_source_init(struct vmb_fd_source *s, int fd)
{
	if (s == NULL || fd < 0)
		return VMB_EINVALID_ARGUMENT;
	s->base.read = fd_read;
	s->base.available = NULL; /* I3: an fd copies what it gets, then fails */
	s->fd = fd;
	return 0;
}

int vmb_fd_sink_init(struct vmb_fd_sink *s, int fd)
{
	if (s == NULL || fd < 0)
		return VMB_EINVALID_ARGUMENT;
	s->base.write = fd_write;
	s->fd = fd;
	return 0;
}

static ssize_t buf_read(struct vmb_source *self, void *dst, size_t n)
{
	struct vmb_buf_source *s = container_of(self, struct vmb_buf_source, base);
	size_t left = s->len - s->pos;
	size_t k = n < left ? n : left;

	if (k == 0)
		return 0; /* end of data; data may be NULL for an empty source */
	/* dst is guest memory: S10 through the one copy entry point. */
	vmb_copy(dst, s->data + s->pos, k);
	s->pos += k;
	return (ssize_t)k;
}

static size_t buf_available(const struct vmb_source *self)
{
	const struct vmb_buf_source *s =
		container_of((struct vmb_source *)(uintptr_t)self, struct vmb_buf_source, base);

	return s->len - s->pos;
}

static ssize_t buf_write(struct vmb_sink *self, const void *src, size_t n)
{
	struct vmb_buf_sink *s = container_of(self, struct vmb_buf_sink, base);
	size_t left = s->cap - s->len;
	size_t k = n < left ? n : left;

	if (k == 0)
		return 0; /* full; data may be NULL for a zero-capacity sink */
	vmb_copy(s->data + s->len, src, k);
	s->len += k;
	return (ssize_t)k;
}

static ssize_t vec_write(struct vmb_sink *self, const void *src, size_t n)
{
	struct vmb_vec_sink *s = container_of(self, struct vmb_vec_sink, base);
	size_t left = s->max - s->len;
	size_t k = n < left ? n : left;

	if (k == 0)
		return 0; /* I4: full */
	if (k > s->cap - s->len) {
		/* At this point: len + k <= max, so want cannot wrap. */
		size_t want = s->len + k, cap = s->cap ? s->cap : 64;

		while (cap < want)
			cap = cap > SIZE_MAX / 2 ? want : cap * 2;
		if (cap > s->max)
			cap = s->max;
		uint8_t *p = realloc(s->data, cap);

		if (p == NULL)
			return -ENOMEM;
		s->data = p;
		s->cap = cap;
	}
	vmb_copy(s->data + s->len, src, k);
	s->len += k;
	return (ssize_t)k;
}

int vmb_vec_sink_init(struct vmb_vec_sink *s, size_t max)
{
	if (s == NULL)
		return VMB_EINVALID_ARGUMENT;
	s->base.write = vec_write;
	s->data = NULL;
	s->len = 0;
	s->cap = 0;
	/* A write returns its count as an ssize_t. */
	s->max = max > (size_t)SSIZE_MAX ? (size_t)SSIZE_MAX : max;
	return 0;
}

void vmb_vec_sink_free(struct vmb_vec_sink *s)
{
	if (s == NULL)
		return;
	free(s->data);
	s->data = NULL;
	s->len = 0;
	s->cap = 0;
}

int vmb_buf_source_init(struct vmb_buf_source *s, const void *data, size_t len)
{
	if (s == NULL || (data == NULL && len > 0))
		return VMB_EINVALID_ARGUMENT;
	s->base.read = buf_read;
	s->base.available = buf_available;
	s->data = data;
	s->len = len;
	s->pos = 0;
	return 0;
}

int vmb_buf_sink_init(struct vmb_buf_sink *s, void *data, size_t cap)
{
	if (s == NULL || (data == NULL && cap > 0))
		return VMB_EINVALID_ARGUMENT;
	s->base.write = buf_write;
	s->data = data;
	s->cap = cap;
	s->len = 0;
	return 0;
}

static bool plan_valid(const struct vmb_fault *plan, size_t nplan)
{
	if (plan == NULL && nplan > 0)
		return false;
	for (size_t i = 0; i < nplan; i++) {
		if ((unsigned)plan[i].kind > VMB_FAULT_EOF)
			return false;
		if (plan[i].kind == VMB_FAULT_SHORT && plan[i].arg == 0)
			return false;
	}
	return true;
}

/* The step for this call, advancing the schedule. */
static struct vmb_fault next_step(const struct vmb_fault *plan, size_t nplan, size_t *step,
				  bool cycle)
{
	struct vmb_fault pass = { VMB_FAULT_PASS, 0 };

	if (nplan == 0)
		return pass;
	if (*step >= nplan) {
		if (!cycle)
			return pass;
		*step = 0;
	}
	return plan[(*step)++];
}

/* -errno for the failing kinds, 0 for end of data, 1 to go on. */
static ssize_t fault_outcome(struct vmb_fault f, size_t *n)
{
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

static ssize_t fault_read(struct vmb_source *self, void *dst, size_t n)
{
	struct vmb_fault_source *s = container_of(self, struct vmb_fault_source, base);
	ssize_t r = fault_outcome(next_step(s->plan, s->nplan, &s->step, s->cycle), &n);

	return r == 1 ? s->inner->read(s->inner, dst, n) : r;
}

static ssize_t fault_write(struct vmb_sink *self, const void *src, size_t n)
{
	struct vmb_fault_sink *s = container_of(self, struct vmb_fault_sink, base);
	ssize_t r = fault_outcome(next_step(s->plan, s->nplan, &s->step, s->cycle), &n);

	return r == 1 ? s->inner->write(s->inner, src, n) : r;
}

int vmb_fault_source_init(struct vmb_fault_source *s, struct vmb_source *inner,
			  const struct vmb_fault *plan, size_t nplan, bool cycle)
{
	if (s == NULL || inner == NULL || inner->read == NULL || !plan_valid(plan, nplan))
		return VMB_EINVALID_ARGUMENT;
	s->base.read = fault_read;
	/* A fault plan may end the data early: nothing is certain. */
	s->base.available = NULL;
	s->inner = inner;
	s->plan = plan;
	s->nplan = nplan;
	s->step = 0;
	s->cycle = cycle;
	return 0;
}

int vmb_fault_sink_init(struct vmb_fault_sink *s, struct vmb_sink *inner,
			const struct vmb_fault *plan, size_t nplan, bool cycle)
{
	if (s == NULL || inner == NULL || inner->write == NULL || !plan_valid(plan, nplan))
		return VMB_EINVALID_ARGUMENT;
	s->base.write = fault_write;
	s->inner = inner;
	s->plan = plan;
	s->nplan = nplan;
	s->step = 0;
	s->cycle = cycle;
	return 0;
}

int vmb__source_read_once(struct vmb_source *src, void *dst, size_t k, size_t *got,
			  struct vmb_error *err)
{
	ssize_t r;

	*got = 0;
	/* S7: one call, repeated while it is interrupted. */
	do
		r = src->read(src, dst, k);
	while (r == -EINTR);
	if (r < 0)
		return vmb__fail_errno(err, (int)-r);
	if ((size_t)r > k)
		return vmb__fail(err, VMB_ECALLBACK_OUT_OF_RANGE);
	*got = (size_t)r;
	return 0;
}

int vmb__sink_write_once(struct vmb_sink *dst, const void *from, size_t k, size_t *put,
			 struct vmb_error *err)
{
	ssize_t r;

	*put = 0;
	do
		r = dst->write(dst, from, k);
	while (r == -EINTR);
	if (r < 0)
		return vmb__fail_errno(err, (int)-r);
	if ((size_t)r > k)
		return vmb__fail(err, VMB_ECALLBACK_OUT_OF_RANGE);
	*put = (size_t)r;
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* Data file: pread/pwrite on a file descriptor (SPEC D1). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

/* Bytes moved through the stack per volatile I/O call; more is a short count (S7). */
#define BOUNCE 16384

struct vmb_datafile {
	int fd;
	uint64_t len;
};

int vmb_datafile_new(int fd, uint64_t len, struct vmb_datafile **out, struct vmb_error *err)
{
	if (fd < 0 || out == NULL || len > (uint64_t)INT64_MAX)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);

	struct vmb_datafile *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return vmb__fail_errno(err, ENOMEM);
	f->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (f->fd < 0) {
		int rc = vmb__fail_errno(err, errno);

		free(f);
		return rc;
	}
	f->len = len;
	*out = f;
	return 0;
}

void vmb_datafile_free(struct vmb_datafile *f)
{
	if (f == NULL)
		return;
	close(f->fd);
	free(f);
}

uint64_t vmb_datafile_len(const struct vmb_datafile *f)
{
	return f ? f->len : 0;
}

/*
 * D1: pwrite all @n bytes at @off, retrying EINTR and short transfers.
 * *@done counts what reached the file, also on failure.
 */
static int pwrite_all(int fd, const uint8_t *p, size_t n, uint64_t off, size_t *done,
		      struct vmb_error *err)
{
	size_t total = 0;

	while (total < n) {
		ssize_t r = pwrite(fd, p + total, n - total, (off_t)(off + total));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*done = total;
			return vmb__fail_errno(err, errno);
		}
		if (r == 0) {
			*done = total;
			return vmb__fail_io_kind(err, VMB_IO_WRITE_ZERO);
		}
		total += (size_t)r;
	}
	*done = total;
	return 0;
}

/* D1: pread up to @n bytes; stops early only at the end of the file. */
static int pread_all(int fd, uint8_t *p, size_t n, uint64_t off, size_t *done,
		     struct vmb_error *err)
{
	size_t total = 0;

	while (total < n) {
		ssize_t r = pread(fd, p + total, n - total, (off_t)(off + total));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*done = total;
			return vmb__fail_errno(err, errno);
		}
		if (r == 0)
			break;
		total += (size_t)r;
	}
	*done = total;
	return 0;
}

static int df_write(void *self, uint64_t addr, const void *buf, size_t len, size_t *done,
		    struct vmb_error *err)
{
	struct vmb_datafile *f = self;
	size_t n;
	/* S2, S3 by D1. */
	int rc = vmb__clamp(addr, len, f->len, &n, err);

	return rc ? rc : pwrite_all(f->fd, buf, n, addr, done, err);
}

static int df_read(void *self, uint64_t addr, void *buf, size_t len, size_t *done,
		   struct vmb_error *err)
{
	struct vmb_datafile *f = self;
	size_t n;
	int rc = vmb__clamp(addr, len, f->len, &n, err);

	return rc ? rc : pread_all(f->fd, buf, n, addr, done, err);
}

static int df_read_from(void *self, uint64_t addr, struct vmb_source *src, size_t n,
			size_t *done, struct vmb_error *err)
{
	struct vmb_datafile *f = self;
	uint8_t bounce[BOUNCE];
	size_t k, got;
	/* S7 by D1: the stack buffer bounds one call; more is a short count. */
	int rc = vmb__clamp_io(addr, n, f->len, BOUNCE, &k, err);

	if (rc != 0 || k == 0)
		return rc;
	rc = vmb__source_read_once(src, bounce, k, &got, err);
	if (rc != 0)
		return rc;
	return pwrite_all(f->fd, bounce, got, addr, done, err);
}

static int df_write_to(void *self, uint64_t addr, struct vmb_sink *dst, size_t n, size_t *done,
		       struct vmb_error *err)
{
	struct vmb_datafile *f = self;
	uint8_t bounce[BOUNCE];
	size_t k, got, put;
	int rc = vmb__clamp_io(addr, n, f->len, BOUNCE, &k, err);

	if (rc != 0 || k == 0)
		return rc;
	rc = pread_all(f->fd, bounce, k, addr, &got, err);
	if (rc != 0 || got == 0)
		return rc;
	rc = vmb__sink_write_once(dst, bounce, got, &put, err);
	if (rc == 0)
		vmb__set_done(done, put);
	return rc;
}

/* S9 by D1: bounds, then alignment of the file offset. */
static int check_atomic(const struct vmb_datafile *f, uint64_t addr, unsigned width,
			struct vmb_error *err)
{
	int rc = vmb__check_range(addr, width, f->len, err);

	if (rc != 0)
		return rc;
	if (addr & (width - 1))
		return vmb__fail_misaligned(err, addr, width);
	return 0;
}

static int df_store(void *self, uint64_t addr, unsigned width,
		    struct vmb_ordering order, uint64_t v, struct vmb_error *err)
{
	struct vmb_datafile *f = self;
	int rc = check_atomic(f, addr, width, err);
	ssize_t r;

	(void)order; /* one pwrite is all the file offers; the kernel orders it */
	if (rc != 0)
		return rc;
	/* D1: a single pwrite of the low @width bytes (host order). */
	do
		r = pwrite(f->fd, &v, width, (off_t)addr);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return vmb__fail_errno(err, errno);
	if ((size_t)r != width)
		return vmb__fail_io_kind(err, VMB_IO_WRITE_ZERO);
	return 0;
}

static int df_load(void *self, uint64_t addr, unsigned width,
		   struct vmb_ordering order, uint64_t *v, struct vmb_error *err)
{
	struct vmb_datafile *f = self;
	uint64_t x = 0;
	int rc = check_atomic(f, addr, width, err);
	ssize_t r;

	(void)order;
	if (rc != 0)
		return rc;
	/* D1: a single pread. */
	do
		r = pread(f->fd, &x, width, (off_t)addr);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return vmb__fail_errno(err, errno);
	if ((size_t)r != width)
		return vmb__fail_io_kind(err, VMB_IO_UNEXPECTED_EOF);
	*v = x;
	return 0;
}

static int df_check_range(void *self, uint64_t addr, size_t n, struct vmb_error *err)
{
	return vmb__check_range(addr, n, ((struct vmb_datafile *)self)->len, err);
}

static const struct vmb_bytes_ops datafile_ops = {
	.name = "file",
	.exact = VMB_EXACT_LOOP,
	.write = df_write,
	.read = df_read,
	.read_volatile_from = df_read_from,
	.write_volatile_to = df_write_to,
	.store = df_store,
	.load = df_load,
	.check_range = df_check_range,
};

struct vmb_bytes vmb_datafile_bytes(struct vmb_datafile *f)
{
	struct vmb_bytes b = { f ? &datafile_ops : NULL, f };

	return b;
}

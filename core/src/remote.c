/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* Remote process: process_vm_readv/writev (SPEC R1). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/uio.h>

#include "internal.h"

#define BOUNCE 16384

struct vmb_remote {
	pid_t pid;
	uint64_t base;
	uint64_t len;
};

int vmb_remote_new(pid_t pid, uint64_t base, uint64_t len, struct vmb_remote **out,
		   struct vmb_error *err)
{
	uint64_t end;

	if (pid <= 0 || out == NULL || vmb_add_overflow_u64(base, len, &end))
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	/* A dead pid is a clear error now rather than at the first access. */
	if (kill(pid, 0) != 0 && errno == ESRCH)
		return vmb__fail_errno(err, ESRCH);

	struct vmb_remote *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return vmb__fail_errno(err, ENOMEM);
	r->pid = pid;
	r->base = base;
	r->len = len;
	*out = r;
	return 0;
}

void vmb_remote_free(struct vmb_remote *r)
{
	free(r);
}

/*
 * One process_vm_* transfer of @n bytes at offset @off. R1: a partial
 * transfer is a short count; a range the process unmapped is IO{EFAULT}.
 */
static int xfer(const struct vmb_remote *r, bool to_remote, void *local, size_t n, uint64_t off,
		size_t *done, struct vmb_error *err)
{
	struct iovec l = { local, n };
	struct iovec rem = { (void *)(uintptr_t)(r->base + off), n };
	ssize_t got;

	do
		got = to_remote ? process_vm_writev(r->pid, &l, 1, &rem, 1, 0)
				: process_vm_readv(r->pid, &l, 1, &rem, 1, 0);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return vmb__fail_errno(err, errno);
	vmb__set_done(done, (size_t)got);
	return 0;
}

static int rp_write(void *self, uint64_t addr, const void *buf, size_t len, size_t *done,
		    struct vmb_error *err)
{
	size_t n;
	/* S2, S3. */
	int rc = vmb__clamp(addr, len, ((struct vmb_remote *)self)->len, &n, err);

	return rc ? rc : xfer(self, true, (void *)(uintptr_t)buf, n, addr, done, err);
}

static int rp_read(void *self, uint64_t addr, void *buf, size_t len, size_t *done,
		   struct vmb_error *err)
{
	size_t n;
	int rc = vmb__clamp(addr, len, ((struct vmb_remote *)self)->len, &n, err);

	return rc ? rc : xfer(self, false, buf, n, addr, done, err);
}

static int rp_read_from(void *self, uint64_t addr, struct vmb_source *src, size_t n, size_t *done,
			struct vmb_error *err)
{
	uint8_t bounce[BOUNCE];
	size_t k, got;
	/* S7: the stack buffer bounds one call; more is a short count. */
	int rc = vmb__clamp_io(addr, n, ((struct vmb_remote *)self)->len, BOUNCE, &k, err);

	if (rc != 0 || k == 0)
		return rc;
	rc = vmb__source_read_once(src, bounce, k, &got, err);
	if (rc != 0 || got == 0)
		return rc;
	return xfer(self, true, bounce, got, addr, done, err);
}

static int rp_write_to(void *self, uint64_t addr, struct vmb_sink *dst, size_t n, size_t *done,
		       struct vmb_error *err)
{
	uint8_t bounce[BOUNCE];
	size_t k, got = 0, put;
	int rc = vmb__clamp_io(addr, n, ((struct vmb_remote *)self)->len, BOUNCE, &k, err);

	if (rc != 0 || k == 0)
		return rc;
	rc = xfer(self, false, bounce, k, addr, &got, err);
	if (rc != 0 || got == 0)
		return rc;
	rc = vmb__sink_write_once(dst, bounce, got, &put, err);
	if (rc == 0)
		vmb__set_done(done, put);
	return rc;
}

/* R1: no atomic access across processes. */
static int rp_store(void *self, uint64_t addr, unsigned width,
		    struct vmb_ordering order, uint64_t v, struct vmb_error *err)
{
	(void)self, (void)addr, (void)width, (void)v, (void)order;
	return vmb__fail(err, VMB_EUNSUPPORTED);
}

static int rp_load(void *self, uint64_t addr, unsigned width,
		   struct vmb_ordering order, uint64_t *v, struct vmb_error *err)
{
	(void)self, (void)addr, (void)width, (void)order, (void)v;
	return vmb__fail(err, VMB_EUNSUPPORTED);
}

static int rp_check_range(void *self, uint64_t addr, size_t n, struct vmb_error *err)
{
	return vmb__check_range(addr, n, ((struct vmb_remote *)self)->len, err);
}

static const struct vmb_bytes_ops remote_ops = {
	.name = "remote",
	.exact = VMB_EXACT_LOOP,
	.write = rp_write,
	.read = rp_read,
	.read_volatile_from = rp_read_from,
	.write_volatile_to = rp_write_to,
	.store = rp_store,
	.load = rp_load,
	.check_range = rp_check_range,
};

struct vmb_bytes vmb_remote_bytes(struct vmb_remote *r)
{
	struct vmb_bytes b = { r ? &remote_ops : NULL, r };

	return b;
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* Guest region: one mapping (SPEC G1, G9, G11). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

struct vmb_region {
	uint64_t start;
	uint64_t len;
	enum vmb_region_kind kind;
	int fd;                 /* owned; -1 for anonymous memory */
	uint64_t file_offset;
	void *map_base;         /* the whole mapping, guards included */
	size_t map_len;
	struct vmb_bitmap *bitmap;
	struct vmb_slice slice; /* the region's bytes, bitmap attached */
	bool owned;             /* by a guest memory */
};

size_t vmb__page_size(void)
{
	static size_t cached;
	size_t p = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (p == 0) {
		long v = sysconf(_SC_PAGESIZE);

		p = v > 0 ? (size_t)v : 4096;
		/* Relaxed: every thread computes the same value. */
		__atomic_store_n(&cached, p, __ATOMIC_RELAXED);
	}
	return p;
}

/* G1: len > 0 and start + len must not overflow. */
static bool range_valid(uint64_t start, uint64_t len)
{
	uint64_t end;

	return len > 0 && !vmb_add_overflow_u64(start, len, &end);
}

static int fail_errno_now(struct vmb_error *err)
{
	return vmb__fail_errno(err, errno);
}

/* Open the file side: a fresh memfd, or a dup of the caller's file after
 * the G11 length check. Returns the fd or a negative status. */
static int open_backing(const struct vmb_region_config *cfg, struct vmb_error *err)
{
	int fd;

	if (cfg->kind == VMB_REGION_MEMFD) {
		fd = memfd_create("vmbytes-region", MFD_CLOEXEC);
		if (fd < 0)
			return fail_errno_now(err);
		if (ftruncate(fd, (off_t)cfg->len) != 0) {
			int rc = fail_errno_now(err);

			close(fd);
			return rc;
		}
		return fd;
	}

	struct stat st;
	uint64_t need;

	if (fstat(cfg->fd, &st) != 0)
		return fail_errno_now(err);
	/* G11 [diverges]: a short file would SIGBUS on access; refuse it now. */
	if (vmb_add_overflow_u64(cfg->file_offset, cfg->len, &need) ||
	    (S_ISREG(st.st_mode) && (uint64_t)st.st_size < need))
		return vmb__fail(err, VMB_EINVALID_GUEST_REGION);
	fd = fcntl(cfg->fd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return fail_errno_now(err);
	return fd;
}

static int map_region(struct vmb_region *r, const struct vmb_region_config *cfg, size_t body,
		      struct vmb_error *err)
{
	size_t page = vmb__page_size();
	bool guard = cfg->flags & VMB_REGION_GUARD;
	int prot = PROT_READ | PROT_WRITE;
	int flags = r->fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE : MAP_SHARED;
	uint8_t *body_at;

	if (guard) {
		/* Reserve body + 2 pages inaccessible, then map the body inside. */
		r->map_len = body + 2 * page;
		r->map_base = mmap(NULL, r->map_len, PROT_NONE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (r->map_base == MAP_FAILED)
			return fail_errno_now(err);
		body_at = mmap((uint8_t *)r->map_base + page, body, prot, flags | MAP_FIXED, r->fd,
			       (off_t)r->file_offset);
	} else {
		r->map_len = body;
		body_at = mmap(NULL, body, prot, flags, r->fd, (off_t)r->file_offset);
		r->map_base = body_at;
	}
	if (body_at == MAP_FAILED) {
		int rc = fail_errno_now(err);

		if (guard)
			munmap(r->map_base, r->map_len);
		r->map_base = NULL;
		return rc;
	}
	r->slice.base = body_at;
	r->slice.len = (size_t)r->len;
	return 0;
}

int vmb__region_config_check(const struct vmb_region_config *cfg, struct vmb_error *err)
{
	uint64_t rounded;

	if (cfg == NULL || (cfg->flags & ~VMB_REGION_GUARD) ||
	    (unsigned)cfg->kind > VMB_REGION_FILE ||
	    (cfg->kind == VMB_REGION_FILE && cfg->fd < 0) ||
	    (cfg->dirty_page_size != 0 && !vmb_is_pow2(cfg->dirty_page_size)))
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	if (!range_valid(cfg->start, cfg->len))
		return vmb__fail(err, VMB_EINVALID_GUEST_REGION);
	/* The host must be able to map the whole body plus two guard pages. */
	if (vmb_align_up_overflow(cfg->len, vmb__page_size(), &rounded) ||
	    rounded > (uint64_t)SIZE_MAX / 2 || cfg->file_offset > (uint64_t)INT64_MAX)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	return 0;
}

int vmb_region_new(const struct vmb_region_config *cfg, struct vmb_region **out,
		   struct vmb_error *err)
{
	size_t body;
	uint64_t rounded;
	int rc;

	if (cfg == NULL || out == NULL)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	rc = vmb__region_config_check(cfg, err);
	if (rc != 0)
		return rc;
	/* The check passed, so the rounded len neither overflows nor exceeds
	 * SIZE_MAX / 2. */
	if (vmb_align_up_overflow(cfg->len, vmb__page_size(), &rounded))
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	body = (size_t)rounded;

	struct vmb_region *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return vmb__fail_errno(err, ENOMEM);
	r->start = cfg->start;
	r->len = cfg->len;
	r->kind = cfg->kind;
	r->fd = -1;
	r->file_offset = cfg->kind == VMB_REGION_FILE ? cfg->file_offset : 0;
	if (cfg->kind != VMB_REGION_ANON) {
		rc = open_backing(cfg, err);
		if (rc < 0)
			goto fail;
		r->fd = rc;
	}
	rc = map_region(r, cfg, body, err);
	if (rc != 0)
		goto fail;
	if (cfg->dirty_page_size != 0) {
		rc = vmb_bitmap_new((size_t)r->len, cfg->dirty_page_size, &r->bitmap);
		if (rc != 0) {
			rc = vmb__fail_errno(err, ENOMEM);
			goto fail;
		}
		/* S11: region bitmaps are region-relative. */
		r->slice.bitmap = r->bitmap;
		r->slice.bitmap_offset = 0;
	}
	*out = r;
	return 0;
fail:
	/* No partial state: everything made so far goes. */
	vmb_region_free(r);
	return rc;
}

void vmb_region_free(struct vmb_region *r)
{
	if (r == NULL)
		return;
	if (r->map_base != NULL)
		munmap(r->map_base, r->map_len);
	if (r->fd >= 0)
		close(r->fd);
	vmb_bitmap_free(r->bitmap);
	free(r);
}

uint64_t vmb_region_start(const struct vmb_region *r)
{
	return r ? r->start : 0;
}

uint64_t vmb_region_len(const struct vmb_region *r)
{
	return r ? r->len : 0;
}

uint64_t vmb_region_last_addr(const struct vmb_region *r)
{
	/* G1: len > 0 and no overflow, so this cannot wrap. */
	return r ? r->start + (r->len - 1) : 0;
}

enum vmb_region_kind vmb_region_kind(const struct vmb_region *r)
{
	return r ? r->kind : VMB_REGION_ANON;
}

int vmb_region_fd(const struct vmb_region *r)
{
	return r ? r->fd : -1;
}

uint64_t vmb_region_file_offset(const struct vmb_region *r)
{
	return r ? r->file_offset : 0;
}

struct vmb_bitmap *vmb_region_bitmap(const struct vmb_region *r)
{
	return r ? r->bitmap : NULL;
}

void *vmb_region_host_base(const struct vmb_region *r)
{
	return r ? r->slice.base : NULL;
}

int vmb_region_set_start(struct vmb_region *r, uint64_t start, struct vmb_error *err)
{
	if (r == NULL || r->owned)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	if (!range_valid(start, r->len))
		return vmb__fail(err, VMB_EINVALID_GUEST_REGION);
	r->start = start;
	return 0;
}

int vmb_region_as_slice(const struct vmb_region *r, struct vmb_slice *out)
{
	if (r == NULL || out == NULL)
		return VMB_EINVALID_ARGUMENT;
	*out = r->slice;
	return 0;
}

int vmb_region_get_slice(const struct vmb_region *r, uint64_t off, uint64_t n,
			 struct vmb_slice *out, struct vmb_error *err)
{
	if (r == NULL || out == NULL)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	/* G9: a slice error seen from the region. */
	return vmb__map_backend_error(err, vmb_slice_subslice(r->slice, off, n, out, err));
}

bool vmb__region_owned(const struct vmb_region *r)
{
	return r->owned;
}

void vmb__region_set_owned(struct vmb_region *r, bool owned)
{
	r->owned = owned;
}

const struct vmb_slice *vmb__region_slice(const struct vmb_region *r)
{
	return &r->slice;
}

/* The region as a container: the slice's operations with G9 mapping. */
#define SLICE(self) ((void *)&((struct vmb_region *)(self))->slice)

static int r_write(void *self, uint64_t addr, const void *buf, size_t len, size_t *done,
		   struct vmb_error *err)
{
	return vmb__map_backend_error(err, vmb_slice_ops.write(SLICE(self), addr, buf, len, done, err));
}

static int r_read(void *self, uint64_t addr, void *buf, size_t len, size_t *done,
		  struct vmb_error *err)
{
	return vmb__map_backend_error(err, vmb_slice_ops.read(SLICE(self), addr, buf, len, done, err));
}

static int r_read_from(void *self, uint64_t addr, struct vmb_source *src, size_t n, size_t *done,
		       struct vmb_error *err)
{
	return vmb__map_backend_error(
		err, vmb_slice_ops.read_volatile_from(SLICE(self), addr, src, n, done, err));
}

static int r_write_to(void *self, uint64_t addr, struct vmb_sink *dst, size_t n, size_t *done,
		      struct vmb_error *err)
{
	return vmb__map_backend_error(
		err, vmb_slice_ops.write_volatile_to(SLICE(self), addr, dst, n, done, err));
}

static int r_store(void *self, uint64_t addr, unsigned width, struct vmb_ordering order,
		   uint64_t v, struct vmb_error *err)
{
	return vmb__map_backend_error(err, vmb_slice_ops.store(SLICE(self), addr, width, order, v, err));
}

static int r_load(void *self, uint64_t addr, unsigned width, struct vmb_ordering order,
		  uint64_t *v, struct vmb_error *err)
{
	return vmb__map_backend_error(err, vmb_slice_ops.load(SLICE(self), addr, width, order, v, err));
}

static int r_check_range(void *self, uint64_t addr, size_t n, struct vmb_error *err)
{
	return vmb__map_backend_error(err, vmb_slice_ops.check_range(SLICE(self), addr, n, err));
}

static int r_rmw(void *self, uint64_t addr, unsigned width, const struct vmb_rmw *req,
		 uint64_t *old, struct vmb_error *err)
{
	return vmb__map_backend_error(err, vmb_slice_ops.rmw(SLICE(self), addr, width, req, old, err));
}

static const struct vmb_bytes_ops region_ops = {
	.name = "region",
	.exact = VMB_EXACT_LOOP,
	.write = r_write,
	.read = r_read,
	.read_volatile_from = r_read_from,
	.write_volatile_to = r_write_to,
	.store = r_store,
	.load = r_load,
	.check_range = r_check_range,
	.rmw = r_rmw,
};

struct vmb_bytes vmb_region_bytes(struct vmb_region *r)
{
	struct vmb_bytes b = { r ? &region_ops : NULL, r };

	return b;
}

/* G12: the reference's region address helpers. */
bool vmb_region_address_in_range(const struct vmb_region *r, uint64_t off)
{
	return r != NULL && off < r->len;
}

int vmb_region_checked_offset(const struct vmb_region *r, uint64_t base, uint64_t offset,
			      uint64_t *out, struct vmb_error *err)
{
	uint64_t a;

	if (r == NULL || out == NULL)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	if (vmb_add_overflow_u64(base, offset, &a))
		return vmb__fail_overflow(err, base, offset);
	if (a >= r->len)
		return vmb__fail_oob(err, a);
	*out = a;
	return 0;
}

int vmb_region_to_region_addr(const struct vmb_region *r, uint64_t addr, uint64_t *off,
			      struct vmb_error *err)
{
	if (r == NULL || off == NULL)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	/* G1 keeps start + len - 1 from wrapping. */
	if (addr < r->start || addr - r->start >= r->len)
		return vmb__fail_guest_addr(err, addr);
	*off = addr - r->start;
	return 0;
}

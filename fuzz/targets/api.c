/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Fuzz target "api": the rest of the public API against small models.
 * Slice views (S5, S6: subslice, offset, split_at, get_array), slice to
 * slice copies and array copies (S10, S11), vmb_move, region-relative
 * Bytes and region views (G9), the get_slices walk, check_range and host
 * addresses (G10), file-backed regions (G11), fd sources and sinks (I2),
 * copy strategies and tuning. Bad arguments that no input chooses are unit
 * tests (core/tests/badinput.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/api.h"

uint8_t vmbf__api_shadow[MEM];
uint8_t *vmbf__api_mem; /* page-aligned, MEM bytes */

/* Test data: byte i of @p is i * @mul + @add (a harness loop, see VMBF_NO_FEEDBACK). */
VMBF_NO_FEEDBACK __attribute__((noinline)) void vmbf__api_fill(uint8_t *p, size_t n, unsigned mul,
							     size_t add)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * mul + add);
}

/*
 * @m's memfd made @len bytes of zeros for a use: cheaper than a new memfd
 * every step. What the last use may have written, [0, dirty), is
 * overwritten with zeros and the length set with one ftruncate, which
 * keeps the file's pages; emptying the file and growing it again freed
 * them for this use to fault back in. Bytes past @len are cut off by the
 * ftruncate and read as zeros if the file grows again.
 */
int vmbf__api_fresh_memfd(struct kept_memfd *m, const char *name, uint64_t len)
{
	static const uint8_t zeros[4096];
	uint64_t clear = m->dirty < len ? m->dirty : len;

	if (m->fd < 0 && (m->fd = memfd_create(name, MFD_CLOEXEC)) < 0)
		vmbf_fail("harness", "memfd_create: %s", strerror(errno));
	for (uint64_t at = 0; at < clear;) {
		size_t k = clear - at < sizeof(zeros) ? (size_t)(clear - at) : sizeof(zeros);
		ssize_t w = pwrite(m->fd, zeros, k, (off_t)at);

		if (w <= 0)
			vmbf_fail("harness", "clearing a memfd: %s", strerror(errno));
		at += (uint64_t)w;
	}
	if (ftruncate(m->fd, (off_t)len) != 0)
		vmbf_fail("harness", "memfd of %lu bytes", (unsigned long)len);
	m->dirty = 0;
	return m->fd;
}

VMBF_WRAPS static uint64_t pick(struct vmbf_producer *d, uint64_t len)
{
	switch (vmbf_u8(d) % 5) {
	case 0:
		return len + (uint64_t)(vmbf_s8(d) % 3);
	case 1:
		return UINT64_MAX - vmbf_u8(d) % 4;
	case 2:
		return vmbf_u8(d) % 8;
	default:
		return vmbf_range(d, 0, len + 1);
	}
}

/* S5: what subslice(off, n) of an L-byte slice must say. */
static int want_sub(uint64_t off, uint64_t n, uint64_t len, uint64_t *addr)
{
	if (off + n < off)
		return VMB_EOVERFLOW;
	*addr = off + n;
	return off + n > len ? VMB_EOUT_OF_BOUNDS : 0;
}

static void check_views(struct vmbf_producer *d, struct vmb_slice s)
{
	uint64_t off = pick(d, s.len), n = pick(d, s.len), addr = 0;
	struct vmb_slice a, b;
	struct vmb_error e;
	int rc = vmb_slice_subslice(s, off, n, &a, &e), want = want_sub(off, n, s.len, &addr);

	VMBF_CHECK("S5", rc == want, "subslice(%lu, %lu) of %zu: %s", (unsigned long)off,
		   (unsigned long)n, s.len, vmb_error_name(rc));
	if (rc == VMB_EOUT_OF_BOUNDS)
		VMBF_CHECK("S5", e.addr == addr, "OutOfBounds addr");
	if (rc == VMB_EOVERFLOW)
		VMBF_CHECK("S5", e.base == off && e.offset == n, "Overflow fields");
	if (rc == 0)
		VMBF_CHECK("S5", a.base == s.base + off && a.len == n, "subslice view");
	rc = vmb_slice_get_slice(s, off, n, &b, NULL);
	VMBF_CHECK("S5", rc == want, "get_slice differs from subslice");
	/* S6: offset(c) and split_at(m). */
	rc = vmb_slice_offset(s, off, &a, &e);
	VMBF_CHECK("S6", (rc == 0) == (off <= s.len), "offset(%lu) of %zu", (unsigned long)off, s.len);
	if (rc == 0)
		VMBF_CHECK("S6", a.len == s.len - off && a.base == s.base + off, "offset view");
	else
		VMBF_CHECK("S6", e.code == VMB_EOUT_OF_BOUNDS && e.addr == off, "offset error is relative");
	rc = vmb_slice_split_at(s, off, &a, &b, &e);
	VMBF_CHECK("S6", (rc == 0) == (off <= s.len), "split_at(%lu)", (unsigned long)off);
	if (rc == 0)
		VMBF_CHECK("S6", a.len == off && b.len == s.len - off && b.base == s.base + off, "split");
	/* S5: get_array checks the product first. */
	uint64_t esz = 1 + vmbf_u8(d) % 9, nel = vmbf_bool(d) ? UINT64_MAX / (esz - (esz > 1)) : n;
	uint64_t bytes;
	bool big = __builtin_mul_overflow(nel, esz, &bytes);

	rc = vmb_slice_get_array(s, off, nel, esz, &a, &e);
	if (big)
		VMBF_CHECK("S5", rc == VMB_ETOO_BIG && e.nelements == nel && e.size == esz, "TooBig");
	else
		VMBF_CHECK("S5", rc == want_sub(off, bytes, s.len, &addr), "get_array");
}

static void check_copies(struct vmbf_producer *d, struct vmb_slice s, struct vmb_bitmap *bm)
{
	uint64_t so = vmbf_range(d, 0, MEM), sn = vmbf_range(d, 0, MEM - so);
	uint64_t dof = vmbf_range(d, 0, MEM), dn = vmbf_range(d, 0, MEM - dof);
	struct vmb_slice src, dst;
	size_t done = 0;

	if (vmb_slice_subslice(s, so, sn, &src, NULL) || vmb_slice_subslice(s, dof, dn, &dst, NULL))
		vmbf_fail("S5", "in-range subslice refused");
	vmb_bitmap_reset(bm);
	/* S10 [diverges]: overlapping copies behave as memmove. */
	vmb_slice_copy_to(src, dst, &done);
	size_t n = sn < dn ? sn : dn;

	memmove(vmbf__api_shadow + dof, vmbf__api_shadow + so, n);
	VMBF_CHECK("S10", done == n && memcmp(vmbf__api_mem, vmbf__api_shadow, MEM) == 0, "copy_to %lu->%lu n=%zu",
		   (unsigned long)so, (unsigned long)dof, n);
	/* S11: the destination's pages, and only those, are dirty. */
	for (uint64_t p = 0; p < MEM / 16; p++) {
		bool want = n > 0 && p >= dof / 16 && p <= (dof + n - 1) / 16;

		VMBF_CHECK("S11", vmb_bitmap_is_page_dirty(bm, p) == want, "page %lu after copy_to",
			   (unsigned long)p);
	}
	/* Arrays of 1..9-byte elements. */
	uint8_t buf[MEM];
	size_t esz = 1 + vmbf_u8(d) % 9, nel = vmbf_range(d, 0, 80), copied = 0;
	size_t fit = dst.len / esz < nel ? dst.len / esz : nel;

	vmbf__api_fill(buf, sizeof(buf), 13, nel);
	int rc = vmb_slice_copy_from_array(dst, buf, nel, esz, &copied);

	memcpy(vmbf__api_shadow + dof, buf, fit * esz);
	VMBF_CHECK("S10", rc == 0 && copied == fit && memcmp(vmbf__api_mem, vmbf__api_shadow, MEM) == 0, "copy_from_array");
	memset(buf, 0, sizeof(buf));
	rc = vmb_slice_copy_to_array(src, buf, nel, esz, &copied);
	fit = src.len / esz < nel ? src.len / esz : nel;
	VMBF_CHECK("S10", rc == 0 && copied == fit && memcmp(buf, vmbf__api_shadow + so, fit * esz) == 0, "copy_to_array");
	/* S10 small copies into a slice that ends at an inaccessible page. */
	static uint8_t *edge;

	if (edge == NULL) {
		edge = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (edge == MAP_FAILED || mprotect(edge + 4096, 4096, PROT_NONE) != 0)
			abort();
	}
	size_t en = vmbf_range(d, 0, 8), ea = vmbf_range(d, 0, 8);
	struct vmb_slice from, to;

	for (size_t i = 0; i < 16; i++)
		edge[i] = (uint8_t)(i + 1);
	if (vmb_slice_init(&from, edge + ea, en) || vmb_slice_init(&to, edge + 4096 - en, en))
		abort();
	vmb_slice_copy_to(from, to, &done);
	VMBF_CHECK("S10", done == en && memcmp(edge + 4096 - en, edge + ea, en) == 0,
		   "small copy_to at a page edge");
	/* vmb_move on the raw memory. */
	size_t mn = vmbf_range(d, 0, 24), mf = vmbf_range(d, 0, MEM - 24), mt = vmbf_range(d, 0, MEM - 24);

	vmb_move(vmbf__api_mem + mt, vmbf__api_mem + mf, mn);
	memmove(vmbf__api_shadow + mt, vmbf__api_shadow + mf, mn);
	VMBF_CHECK("S10", memcmp(vmbf__api_mem, vmbf__api_shadow, MEM) == 0, "vmb_move %zu->%zu n=%zu", mf, mt, mn);
}

/* A region of any kind; G9 through its own Bytes, views and accessors. */
static void check_region(struct vmbf_producer *d)
{
	static const enum vmb_region_kind kinds[] = { VMB_REGION_ANON, VMB_REGION_MEMFD,
						      VMB_REGION_FILE };
	static struct kept_memfd file = { -1, 0 };
	struct vmb_region_config cfg = { 0 };
	uint64_t flen;
	int fd = -1, rc;

	cfg.kind = kinds[vmbf_u8(d) % 3];
	cfg.start = vmbf_bool(d) ? vmbf_u64(d) : vmbf_u16(d);
	cfg.len = vmbf_range(d, 0, 0x3000);
	cfg.flags = vmbf_bool(d) ? VMB_REGION_GUARD : 0;
	cfg.dirty_page_size = vmbf_bool(d) ? (size_t)1 << (vmbf_u8(d) % 13) : 0;
	flen = cfg.len;
	if (cfg.kind == VMB_REGION_FILE) {
		cfg.file_offset = vmbf_bool(d) ? 0x1000 : (vmbf_bool(d) ? 1 : 0);
		flen = cfg.len + cfg.file_offset;
		if (flen > 0 && vmbf_bool(d))
			flen--; /* one byte short: G11 must refuse it */
		/* The region keeps its own dup of the fd. */
		fd = vmbf__api_fresh_memfd(&file, "vmbytes-api", flen);
		cfg.fd = fd;
	}
	struct vmb_region *r = NULL;
	bool g1 = cfg.len > 0 && cfg.start + cfg.len > cfg.start;

	rc = vmb_region_new(&cfg, &r, NULL);
	if (!g1) {
		VMBF_CHECK("G1", rc == VMB_EINVALID_GUEST_REGION, "region len %lu accepted",
			   (unsigned long)cfg.len);
	} else if (cfg.kind == VMB_REGION_FILE && flen < cfg.file_offset + cfg.len) {
		VMBF_CHECK("G11", rc == VMB_EINVALID_GUEST_REGION, "short file accepted");
	} else if (cfg.kind == VMB_REGION_FILE && cfg.file_offset % 4096) {
		VMBF_CHECK("G11", rc == VMB_EIO, "unaligned file offset: %s", vmb_error_name(rc));
	} else {
		VMBF_CHECK("G1", rc == 0, "region refused: %s", vmb_error_name(rc));
	}
	if (rc != 0)
		return;
	VMBF_CHECK("G1", vmb_region_start(r) == cfg.start && vmb_region_len(r) == cfg.len &&
				 vmb_region_last_addr(r) == cfg.start + cfg.len - 1 &&
				 vmb_region_kind(r) == cfg.kind &&
				 (vmb_region_fd(r) >= 0) == (cfg.kind != VMB_REGION_ANON) &&
				 (vmb_region_bitmap(r) != NULL) == (cfg.dirty_page_size != 0),
		   "region accessors");
	/* Region-relative Bytes: slice rules with G9's mapping. */
	struct vmb_bytes b = vmb_region_bytes(r);
	uint64_t off = pick(d, cfg.len), v = vmbf_u64(d), got = 0;
	unsigned w = 1u << (vmbf_u8(d) % 4);
	struct vmb_error e;
	bool fits = off <= cfg.len && w <= cfg.len - off;

	/* A file region's Bytes write below off + 8 only (a store, a 4-byte read_exact). */
	if (cfg.kind == VMB_REGION_FILE && off < cfg.len)
		file.dirty = cfg.file_offset + off + 8;

	rc = vmb_bytes_store(b, off, w, VMB_SEQ_CST, v, &e);
	VMBF_CHECK("G9", rc == (fits && off % w == 0 ? 0 : VMB_EINVALID_BACKEND_ADDRESS),
		   "region store at %lu: %s", (unsigned long)off, vmb_error_name(rc));
	if (rc == 0) {
		rc = vmb_bytes_load(b, off, w, VMB_ACQUIRE, &got, NULL);
		VMBF_CHECK("S9", rc == 0 && got == (w == 8 ? v : v & (((uint64_t)1 << (8 * w)) - 1)),
			   "region load after store");
	}
	rc = vmb_bytes_read_obj(b, off, &got, w, &e);
	VMBF_CHECK("G9", rc == (off >= cfg.len ? VMB_EINVALID_BACKEND_ADDRESS
				: fits ? 0 : VMB_EPARTIAL_BUFFER), "region read_obj: %s", vmb_error_name(rc));
	struct vmb_buf_source src;
	uint8_t data[16] = { 1, 2, 3 };

	vmb_buf_source_init(&src, data, sizeof(data));
	rc = vmb_bytes_read_exact_volatile_from(b, off, &src.base, 4, NULL);
	VMBF_CHECK("G9", rc == (off <= cfg.len && cfg.len - off >= 4 ? 0 : VMB_EINVALID_BACKEND_ADDRESS),
		   "region read_exact: %s", vmb_error_name(rc));
	struct vmb_slice s;

	rc = vmb_region_get_slice(r, off, w, &s, NULL);
	VMBF_CHECK("G9", rc == (fits ? 0 : VMB_EINVALID_BACKEND_ADDRESS), "region get_slice");
	VMBF_CHECK("G9", vmb_region_as_slice(r, &s) == 0 && s.len == cfg.len &&
				 s.base == vmb_region_host_base(r), "as_slice");
	/* Moving a region nobody owns (G1 still holds). */
	uint64_t to = vmbf_u64(d);

	rc = vmb_region_set_start(r, to, NULL);
	VMBF_CHECK("G1", rc == (to + cfg.len > to ? 0 : VMB_EINVALID_GUEST_REGION), "set_start");
	vmb_region_free(r);
}

/*
 * G10: get_slices yields the G4 chunks; check_range agrees; host addresses.
 * These are rules about the layout, not the mapping (check_region tests
 * that), so the regions come from the fuzz suite's pool when it has one of
 * the length, moved into place, and go back to it: a mapping and an unmapping
 * for each of three regions cost more than the walk.
 */
static void check_walks(struct vmbf_producer *d)
{
	struct vmb_region *regs[3];
	uint64_t start = vmbf_bool(d) ? UINT64_MAX - 0x4000 : 0x1000, starts[3], lens[3];
	struct vmb_guest *g = NULL;

	for (int i = 0; i < 3; i++) {
		struct vmb_region_config cfg = { .start = start, .len = 1 + vmbf_u16(d) % 0x800 };

		starts[i] = start;
		lens[i] = cfg.len;
		regs[i] = vmbf_pool_region(cfg.len, false, 0);
		if (regs[i] != NULL ? vmb_region_set_start(regs[i], start, NULL) != 0
				    : vmb_region_new(&cfg, &regs[i], NULL) != 0)
			vmbf_fail("G1", "walk region refused");
		start += cfg.len + (vmbf_bool(d) ? 0 : 1 + vmbf_u8(d)); /* touching or a hole */
	}
	if (vmb_guest_new(regs, 3, &g, NULL) != 0)
		vmbf_fail("G2", "walk layout refused");
	/* The region's index is read first, the offset second (as clang-built fuzzers did). */
	uint64_t a = starts[vmbf_u8(d) % 3];
	int off = vmbf_s8(d) % 5; /* -4 .. 4: no start is within 4 of either end */

	a = off < 0 ? a - (uint64_t)-off : a + (uint64_t)off;
	uint64_t cur = a;
	size_t n = vmbf_range(d, 0, 0x1000), left = n, seen = 0;
	struct vmb_slices_iter it;
	struct vmb_slice s;
	struct vmb_error e;
	int rc;

	vmb_guest_slices_init(&it, g, a, n);
	while ((rc = vmb_guest_slices_next(&it, &s, &e)) == 1) {
		int k = -1;

		for (int i = 0; i < 3; i++)
			if (cur >= starts[i] && cur - starts[i] < lens[i])
				k = i;
		VMBF_CHECK("G10", k >= 0, "slice yielded in a hole at 0x%lx", (unsigned long)cur);
		size_t want = starts[k] + lens[k] - cur < left ? starts[k] + lens[k] - cur : left;

		VMBF_CHECK("G10", s.len == want, "chunk length");
		void *host;

		VMBF_CHECK("G3", vmb_guest_get_host_address(g, cur, &host, NULL) == 0 && host == s.base,
			   "host address of a chunk");
		cur += s.len;
		left -= s.len;
		seen += s.len;
	}
	if (rc < 0)
		VMBF_CHECK("G10", e.code == VMB_EINVALID_GUEST_ADDRESS && e.addr == cur, "hole error");
	/* The model's walk: how far from a the regions reach without a hole. */
	uint64_t reach = a, want_seen;

	for (int i = 0; i < 3; i++)
		if (reach >= starts[i] && reach - starts[i] < lens[i])
			reach = starts[i] + lens[i];
	want_seen = reach - a < n ? reach - a : n;
	VMBF_CHECK("G10", seen == want_seen && (rc < 0) == (want_seen < n),
		   "get_slices yielded %zu bytes at 0x%lx, want %lu", seen, (unsigned long)a,
		   (unsigned long)want_seen);
	VMBF_CHECK("G10", vmb_guest_slices_next(&it, &s, NULL) == 0, "the walk is fused");
	VMBF_CHECK("G10", vmb_guest_check_range(g, a, n) == (seen == n), "check_range");
	rc = vmb_guest_get_slice(g, a, n, &s, &e);
	VMBF_CHECK("G9", rc == 0 || rc == VMB_EINVALID_GUEST_ADDRESS || rc == VMB_EINVALID_BACKEND_ADDRESS,
		   "get_slice");
	VMBF_CHECK("G3", vmb_guest_region_at(g, 3) == NULL && vmb_guest_num_regions(g) == 3 &&
				 vmb_guest_last_addr(g) == starts[2] + lens[2] - 1, "accessors");
	/* The guest memory owns its regions: they leave it before going back. */
	for (int i = 0; i < 3; i++) {
		struct vmb_region *r = NULL;

		VMBF_CHECK("G2", vmb_guest_remove(g, starts[i], lens[i], &r, NULL) == 0 && r == regs[i],
			   "removing walk region %d", i);
		vmbf_pool_release(r);
	}
	vmb_guest_free(g);
}

/* I2: an fd source and sink through a slice, over a pipe. */
static void check_fds(struct vmbf_producer *d, struct vmb_slice s)
{
	int p[2];
	uint8_t msg[64];
	size_t n = vmbf_range(d, 0, sizeof(msg)), done = 0;
	struct vmb_fd_source src;
	struct vmb_fd_sink sink;

	if (pipe2(p, O_NONBLOCK) != 0)
		abort();
	for (size_t i = 0; i < n; i++)
		msg[i] = (uint8_t)(i ^ n);
	if (write(p[1], msg, n) != (ssize_t)n)
		abort();
	vmb_fd_source_init(&src, p[0]);
	int rc = vmb_slice_read_volatile_from(s, 0, &src.base, sizeof(msg), &done, NULL);

	if (n == 0) /* an empty non-blocking pipe: EAGAIN is not retried */
		VMBF_CHECK("S7", rc == VMB_EIO && done == 0, "empty pipe: %s", vmb_error_name(rc));
	else
		VMBF_CHECK("S7", rc == 0 && done == n && memcmp(vmbf__api_mem, msg, n) == 0, "fd source");
	memcpy(vmbf__api_shadow, vmbf__api_mem, MEM);
	vmb_fd_sink_init(&sink, p[1]);
	rc = vmb_slice_write_all_volatile_to(s, 0, &sink.base, n, NULL);
	VMBF_CHECK("S8", rc == 0, "fd sink");
	close(p[1]);
	struct vmb_error e;

	rc = vmb_slice_read_exact_volatile_from(s, 0, &src.base, n + 1, &e);
	VMBF_CHECK("S8", rc == VMB_EIO && e.io_kind == VMB_IO_UNEXPECTED_EOF,
		   "exact read past the pipe's end: %s", vmb_error_name(rc));
	memcpy(vmbf__api_shadow, vmbf__api_mem, MEM);
	close(p[0]);
}


static void check_wrappers(struct vmbf_producer *d, struct vmb_slice s)
{
	uint64_t a = pick(d, s.len);
	uint32_t v = (uint32_t)vmbf_u64(d), got = 0;
	struct vmb_error e;
	int rc = vmb_slice_write_obj(s, a, &v, 4, &e);
	int want = a >= s.len ? VMB_EOUT_OF_BOUNDS : s.len - a < 4 ? VMB_EPARTIAL_BUFFER : 0;

	VMBF_CHECK("S4", rc == want, "slice write_obj at %lu", (unsigned long)a);
	if (rc != VMB_EOUT_OF_BOUNDS)
		memcpy(vmbf__api_shadow + a, &v, s.len - a < 4 ? s.len - a : 4);
	VMBF_CHECK("S4", vmb_slice_read_obj(s, a, &got, 4, NULL) == want && (want || got == v),
		   "slice read_obj");
	VMBF_CHECK("S4", vmb_slice_write_slice(s, a, &v, 2, NULL) ==
				 (a >= s.len ? VMB_EOUT_OF_BOUNDS : s.len - a < 2 ? VMB_EPARTIAL_BUFFER : 0),
		   "slice write_slice");
	if (a < s.len)
		memcpy(vmbf__api_shadow + a, &v, s.len - a < 2 ? s.len - a : 2);
	VMBF_CHECK("S4", vmb_slice_read_slice(s, a, &got, 2, NULL) ==
				 (a >= s.len ? VMB_EOUT_OF_BOUNDS : s.len - a < 2 ? VMB_EPARTIAL_BUFFER : 0),
		   "slice read_slice");
	VMBF_CHECK("S4", memcmp(vmbf__api_mem, vmbf__api_shadow, MEM) == 0, "slice wrappers wrote elsewhere");
	/* Errors print with every field (SPEC 7). */
	char text[96];

	VMBF_CHECK("S5", vmb_slice_get_array(s, 0, SIZE_MAX, 4, &s, &e) == VMB_ETOO_BIG,
		   "get_array of SIZE_MAX elements");
	vmb_error_format(&e, text, sizeof(text));
	VMBF_CHECK("S5", strcmp(text, "too_big nelements=18446744073709551615 size=4") == 0, "%s", text);
	/* Region Bytes write paths and accessors. */
	struct vmb_region_config cfg = { .start = 0x1000, .len = 64, .dirty_page_size = 8 };
	static struct vmb_region *r; /* one for the process: only return codes are checked */
	struct vmb_buf_sink sink;
	uint8_t out[128];
	size_t done = 0;

	if (r == NULL && vmb_region_new(&cfg, &r, NULL) != 0)
		vmbf_fail("G1", "small region refused");
	struct vmb_bytes b = vmb_region_bytes(r);

	rc = vmb_bytes_write(b, a, &v, 4, &done, NULL);
	VMBF_CHECK("G9", rc == (a >= 64 ? VMB_EINVALID_BACKEND_ADDRESS : 0), "region write");
	vmb_buf_sink_init(&sink, out, sizeof(out));
	rc = vmb_bytes_write_volatile_to(b, a, &sink.base, 8, &done, NULL);
	VMBF_CHECK("G9", rc == (a > 64 ? VMB_EINVALID_BACKEND_ADDRESS : 0), "region write_to");
	VMBF_CHECK("G11", vmb_region_file_offset(r) == 0 &&
				  vmb_bitmap_page_size(vmb_region_bitmap(r)) == 8, "region accessors");
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmbf_producer d;
	struct vmb_slice s;
	struct vmb_bitmap *bm = NULL;

	if (vmbf__api_mem == NULL) {
		vmbf__api_mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (vmbf__api_mem == MAP_FAILED)
			abort();
	}
	vmbf_producer_init(&d, data, size);
	vmbf__api_tuning_steps = 0;
	vmbf__api_fill(vmbf__api_mem, MEM, 7, 0);
	memcpy(vmbf__api_shadow, vmbf__api_mem, MEM);
	if (vmb_slice_init(&s, vmbf__api_mem, MEM) != 0 || vmb_bitmap_new(MEM, 16, &bm) != 0 ||
	    vmb_slice_set_bitmap(&s, bm, 0) != 0)
		abort();
	for (int steps = 0; steps < 8 && !vmbf_done(&d); steps++) {
		uint8_t step = vmbf_u8(&d);

		/* 255 is the tuning step: added later, it takes one value only,
		 * so that the corpus's inputs keep meaning what they meant. */
		switch (step == 255 ? 10 : step % 10) {
		case 0:
			check_views(&d, s);
			break;
		case 1:
			check_copies(&d, s, bm);
			break;
		case 2:
			check_region(&d);
			break;
		case 3:
			check_walks(&d);
			break;
		case 4:
			check_fds(&d, s);
			break;
		case 5:
			vmbf__api_check_faults(&d);
			break;
		case 6:
			check_wrappers(&d, s);
			break;
		case 8:
			vmbf__api_check_strategies(&d);
			break;
		case 10:
			vmbf__api_check_tuning(&d);
			break;
		default:
			/*
			 * 7 and 9 were the bad-argument checks, which read no
			 * input: they are unit tests now (core/tests/badinput.c).
			 * The values stay taken, so that the corpus's inputs keep
			 * meaning what they meant.
			 */
			break;
		}
	}
	vmb_bitmap_free(bm);
	return 0;
}

void vmbf_target_decode(const uint8_t *data, size_t size, struct vmbo_text *out)
{
	static const char *const steps[] = { "views", "copies", "region", "walks",
					     "fds",   "faults", "wrappers", "bad-matrix", "strategies",
					     "bad-input", "tuning" };
	struct vmbf_producer d;

	/* The step kinds only: each step's operands follow from the bytes. */
	vmbf_producer_init(&d, data, size);
	uint8_t first = vmbf_u8(&d);

	if (d.ran_out)
		vmbo_text_printf(out, VMBF_RAN_OUT_LINE);
	vmbo_text_printf(out, "# api target: first step %s\n", steps[first == 255 ? 10 : first % 10]);
}


/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Fuzz target "api": the rest of the public API against small models.
 * Slice views (S5, S6: subslice, offset, split_at, get_array), slice to
 * slice copies and array copies (S10, S11), vmb_move, region-relative
 * Bytes and region views (G9), the get_slices walk, check_range and host
 * addresses (G10), file-backed regions (G11), fd sources and sinks (I2),
 * and bad input: NULL pointers and impossible sizes must give
 * InvalidArgument, never a crash.
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

#include "fuzz.h"

#define MEM 512

static uint8_t shadow[MEM];
static uint8_t *mem; /* page-aligned, MEM bytes */

/* Test data: byte i of @p is i * @mul + @add (a harness loop, see VMBF_NO_FEEDBACK). */
VMBF_NO_FEEDBACK __attribute__((noinline)) static void fill(uint8_t *p, size_t n, unsigned mul,
							     size_t add)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * mul + add);
}

/* A memfd kept for the process; its user sets @dirty after each use. */
struct kept_memfd {
	int fd;
	uint64_t dirty; /* every byte the last use may have written is below it */
};

/*
 * @m's memfd made @len bytes of zeros for a use: cheaper than a new memfd
 * every step. What the last use may have written, [0, dirty), is
 * overwritten with zeros and the length set with one ftruncate, which
 * keeps the file's pages; emptying the file and growing it again freed
 * them for this use to fault back in. Bytes past @len are cut off by the
 * ftruncate and read as zeros if the file grows again.
 */
static int fresh_memfd(struct kept_memfd *m, const char *name, uint64_t len)
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

	memmove(shadow + dof, shadow + so, n);
	VMBF_CHECK("S10", done == n && memcmp(mem, shadow, MEM) == 0, "copy_to %lu->%lu n=%zu",
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

	fill(buf, sizeof(buf), 13, nel);
	int rc = vmb_slice_copy_from_array(dst, buf, nel, esz, &copied);

	memcpy(shadow + dof, buf, fit * esz);
	VMBF_CHECK("S10", rc == 0 && copied == fit && memcmp(mem, shadow, MEM) == 0, "copy_from_array");
	memset(buf, 0, sizeof(buf));
	rc = vmb_slice_copy_to_array(src, buf, nel, esz, &copied);
	fit = src.len / esz < nel ? src.len / esz : nel;
	VMBF_CHECK("S10", rc == 0 && copied == fit && memcmp(buf, shadow + so, fit * esz) == 0, "copy_to_array");
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

	vmb_move(mem + mt, mem + mf, mn);
	memmove(shadow + mt, shadow + mf, mn);
	VMBF_CHECK("S10", memcmp(mem, shadow, MEM) == 0, "vmb_move %zu->%zu n=%zu", mf, mt, mn);
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
		fd = fresh_memfd(&file, "vmbytes-api", flen);
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

	rc = vmb_bytes_store(b, off, w, v, VMB_SEQ_CST, &e);
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
		VMBF_CHECK("S7", rc == 0 && done == n && memcmp(mem, msg, n) == 0, "fd source");
	memcpy(shadow, mem, MEM);
	vmb_fd_sink_init(&sink, p[1]);
	rc = vmb_slice_write_all_volatile_to(s, 0, &sink.base, n, NULL);
	VMBF_CHECK("S8", rc == 0, "fd sink");
	close(p[1]);
	struct vmb_error e;

	rc = vmb_slice_read_exact_volatile_from(s, 0, &src.base, n + 1, &e);
	VMBF_CHECK("S8", rc == VMB_EIO && e.io_kind == VMB_IO_UNEXPECTED_EOF,
		   "exact read past the pipe's end: %s", vmb_error_name(rc));
	memcpy(shadow, mem, MEM);
	close(p[0]);
}


/* A source and a sink that claim more than they were asked for. */
static ssize_t liar_read(struct vmb_source *self, void *dst, size_t n)
{
	(void)self, (void)dst;
	return (ssize_t)n + 1;
}

static ssize_t liar_write(struct vmb_sink *self, const void *src, size_t n)
{
	(void)self, (void)src;
	return (ssize_t)n + 1;
}

/* True while @pid is a child of this process that has exited and not been reaped. */
static bool is_zombie_child(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return pid > 0 && waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	       si.si_pid == pid;
}

/*
 * A process that is gone, for R1: a child that has exited and is never
 * reaped. A zombie keeps its pid, so the kernel cannot give that pid to
 * another process while the check runs; a reaped child's pid is free for
 * the next fork anywhere on the machine, and a check on a remembered,
 * reaped pid blamed the library for the kernel's reuse. Made again when
 * something else reaped it.
 */
static pid_t dead_child(void)
{
	static pid_t dead;
	struct sigaction sa;
	siginfo_t si;

	if (is_zombie_child(dead))
		return dead;
	/* Children reaped by the kernel leave no zombie: not for this one. */
	if (sigaction(SIGCHLD, NULL, &sa) == 0 &&
	    ((!(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_IGN) ||
	     (sa.sa_flags & SA_NOCLDWAIT))) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGCHLD, &sa, NULL);
	}
	dead = fork();
	if (dead < 0)
		vmbf_fail("harness", "fork: %s", strerror(errno));
	if (dead == 0)
		_exit(0);
	/* Until it has exited, without reaping it. */
	while (waitid(P_PID, (id_t)dead, &si, WEXITED | WNOWAIT) != 0)
		if (errno != EINTR)
			vmbf_fail("harness", "waitid: %s", strerror(errno));
	return dead;
}

/* D1 and R1 where the operating system says no, and misbehaving callbacks. */
static void check_faults(struct vmbf_producer *d)
{
	static uint8_t *noaccess; /* a page of this process no access reaches */
	struct vmb_source liar_src = { liar_read, NULL };
	struct vmb_sink liar_sink = { liar_write };
	struct vmb_datafile *f = NULL;
	struct vmb_remote *r = NULL;
	struct vmb_bytes b;
	struct vmb_slice s;
	struct vmb_error e;
	char path[64];
	uint8_t buf[32] = { 0 };
	uint64_t v = 0;
	size_t done;
	/* One file for the process, opened read-only and write-only once. */
	static struct kept_memfd file = { -1, 0 };
	static int ro = -1, wo = -1;
	int fd;
	uint64_t flen = vmbf_range(d, 0, 16);
	int rc;

	fd = fresh_memfd(&file, "vmbytes-api-df", flen);
	/* The data files below write at most 16 bytes, from 0. */
	file.dirty = 16;
	if (ro < 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ro = open(path, O_RDONLY | O_CLOEXEC);
		wo = open(path, O_WRONLY | O_CLOEXEC);
		if (ro < 0 || wo < 0)
			vmbf_fail("harness", "reopening a memfd: %s", strerror(errno));
	}
	/* D1 over a read-only fd: every write fails with the kernel's errno. */
	if (vmb_datafile_new(ro, 16, &f, NULL) != 0)
		vmbf_fail("D1", "datafile over a read-only fd refused");
	b = vmb_datafile_bytes(f);
	rc = vmb_bytes_write(b, 0, buf, 8, &done, &e);
	VMBF_CHECK("D1", rc == VMB_EIO && e.errnum == EBADF, "write to a read-only file");
	rc = vmb_bytes_store(b, 0, 8, 1, VMB_RELAXED, &e);
	VMBF_CHECK("D1", rc == VMB_EIO && e.errnum == EBADF, "store to a read-only file");
	/* A file shorter than L: reads end early, a load past the end is EOF. */
	rc = vmb_bytes_read(b, 0, buf, 16, &done, NULL);
	VMBF_CHECK("D1", rc == 0 && done == flen, "short file read: %zu of %lu", done,
		   (unsigned long)flen);
	rc = vmb_bytes_load(b, 8, 8, VMB_RELAXED, &v, &e);
	VMBF_CHECK("D1", flen >= 16 ? rc == 0 : rc == VMB_EIO, "load past the file's end");
	rc = vmb_bytes_read_volatile_from(b, 0, &liar_src, 4, &done, NULL);
	VMBF_CHECK("S7", rc == VMB_ECALLBACK_OUT_OF_RANGE, "lying source on a data file");
	vmb_datafile_free(f);
	/* D1 over a write-only fd: reads fail. */
	if (vmb_datafile_new(wo, 16, &f, NULL) != 0)
		vmbf_fail("D1", "datafile over a write-only fd refused");
	b = vmb_datafile_bytes(f);
	VMBF_CHECK("D1", vmb_bytes_read(b, 0, buf, 4, &done, NULL) == VMB_EIO &&
				 vmb_bytes_load(b, 0, 4, VMB_RELAXED, &v, NULL) == VMB_EIO &&
				 vmb_bytes_write_volatile_to(b, 0, &liar_sink, 4, &done, NULL) == VMB_EIO,
		   "reads from a write-only file");
	rc = vmb_bytes_write(b, 0, buf, 4, &done, NULL);
	VMBF_CHECK("D1", rc == 0 && done == 4, "write to a write-only file");
	vmb_datafile_free(f);
	/* R1: no such process: a pid above the kernel's limit (PID_MAX_LIMIT, 1 << 22). */
	rc = vmb_remote_new(INT_MAX, 0x10000, 16, &r, &e);
	VMBF_CHECK("R1", rc == VMB_EIO && e.errnum == ESRCH, "remote on a pid that cannot exist");
	/*
	 * A process that has exited: its pid still names it (a zombie), so
	 * the container may be made; every access is IO{ESRCH}. The verdict
	 * counts only while the pid stayed ours throughout.
	 */
	for (int tries = 0;; tries++) {
		pid_t dead = dead_child();
		int rw = 0, ww = 0;
		struct vmb_error re = { 0 }, we = { 0 };

		r = NULL;
		rc = vmb_remote_new(dead, 0x10000, 16, &r, &e);
		if (rc == 0) {
			b = vmb_remote_bytes(r);
			rw = vmb_bytes_read(b, 0, buf, 8, &done, &re);
			ww = vmb_bytes_write(b, 0, buf, 8, &done, &we);
			vmb_remote_free(r);
		}
		if (!is_zombie_child(dead)) {
			if (tries < 3)
				continue;
			vmbf_fail("harness", "the dead child %d was reaped by someone else", (int)dead);
		}
		VMBF_CHECK("R1", rc == 0 || (rc == VMB_EIO && e.errnum == ESRCH),
			   "remote on a dead process: %s", vmb_error_name(rc));
		VMBF_CHECK("R1", rc != 0 || (rw == VMB_EIO && re.errnum == ESRCH && ww == VMB_EIO &&
					     we.errnum == ESRCH),
			   "access to a dead process: read %s errno %d, write %s errno %d",
			   vmb_error_name(rw), re.errnum, vmb_error_name(ww), we.errnum);
		break;
	}
	/* And a range of this process that no access reaches (kept for the process). */
	if (noaccess == NULL) {
		noaccess = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (noaccess == MAP_FAILED)
			vmbf_fail("harness", "mmap: %s", strerror(errno));
	}
	if (vmb_remote_new(getpid(), (uint64_t)(uintptr_t)noaccess, 16, &r, NULL) != 0)
		vmbf_fail("R1", "remote on this process refused");
	b = vmb_remote_bytes(r);
	rc = vmb_bytes_read(b, 0, buf, 8, &done, &e);
	VMBF_CHECK("R1", rc == VMB_EIO && e.errnum == EFAULT, "unreachable remote range: %s",
		   vmb_error_name(rc));
	VMBF_CHECK("S7", vmb_bytes_read_volatile_from(b, 0, &liar_src, 4, &done, NULL) ==
				 VMB_ECALLBACK_OUT_OF_RANGE, "lying source on a remote");
	vmb_remote_free(r);
	/* S7 on a slice. */
	if (vmb_slice_init(&s, mem, 16) != 0)
		abort();
	VMBF_CHECK("S7", vmb_slice_read_volatile_from(s, 0, &liar_src, 4, &done, NULL) ==
				 VMB_ECALLBACK_OUT_OF_RANGE &&
				 vmb_slice_write_volatile_to(s, 0, &liar_sink, 4, &done, NULL) ==
					 VMB_ECALLBACK_OUT_OF_RANGE,
		   "lying callbacks on a slice");
	memcpy(shadow, mem, MEM);
	/* I2: fault plans are validated; cycling plans start over. */
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	struct vmb_fault bad[2] = { { VMB_FAULT_SHORT, 0 }, { (enum vmb_fault_kind)9, 0 } };
	struct vmb_fault cyc[1] = { { VMB_FAULT_SHORT, 1 } };

	vmb_buf_source_init(&bs, buf, sizeof(buf));
	VMBF_CHECK("I2", vmb_fault_source_init(&fs, &bs.base, bad, 1, false) == VMB_EINVALID_ARGUMENT &&
				 vmb_fault_source_init(&fs, &bs.base, bad + 1, 1, false) ==
					 VMB_EINVALID_ARGUMENT &&
				 vmb_fault_source_init(&fs, &bs.base, NULL, 1, false) == VMB_EINVALID_ARGUMENT,
		   "bad fault plans");
	vmb_fault_source_init(&fs, &bs.base, cyc, 1, true);
	for (int i = 0; i < 3; i++)
		VMBF_CHECK("I2", fs.base.read(&fs.base, mem, 4) == 1, "a cycling SHORT 1 plan");
	memcpy(shadow, mem, MEM);
}

/* The direct slice and region entry points (not through vmb_bytes). */
static void check_wrappers(struct vmbf_producer *d, struct vmb_slice s)
{
	uint64_t a = pick(d, s.len);
	uint32_t v = (uint32_t)vmbf_u64(d), got = 0;
	struct vmb_error e;
	int rc = vmb_slice_write_obj(s, a, &v, 4, &e);
	int want = a >= s.len ? VMB_EOUT_OF_BOUNDS : s.len - a < 4 ? VMB_EPARTIAL_BUFFER : 0;

	VMBF_CHECK("S4", rc == want, "slice write_obj at %lu", (unsigned long)a);
	if (rc != VMB_EOUT_OF_BOUNDS)
		memcpy(shadow + a, &v, s.len - a < 4 ? s.len - a : 4);
	VMBF_CHECK("S4", vmb_slice_read_obj(s, a, &got, 4, NULL) == want && (want || got == v),
		   "slice read_obj");
	VMBF_CHECK("S4", vmb_slice_write_slice(s, a, &v, 2, NULL) ==
				 (a >= s.len ? VMB_EOUT_OF_BOUNDS : s.len - a < 2 ? VMB_EPARTIAL_BUFFER : 0),
		   "slice write_slice");
	if (a < s.len)
		memcpy(shadow + a, &v, s.len - a < 2 ? s.len - a : 2);
	VMBF_CHECK("S4", vmb_slice_read_slice(s, a, &got, 2, NULL) ==
				 (a >= s.len ? VMB_EOUT_OF_BOUNDS : s.len - a < 2 ? VMB_EPARTIAL_BUFFER : 0),
		   "slice read_slice");
	VMBF_CHECK("S4", memcmp(mem, shadow, MEM) == 0, "slice wrappers wrote elsewhere");
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


/*
 * Bad input, one argument at a time: every condition of every argument
 * check must be able to say no on its own.
 */
static void check_bad_matrix(void)
{
	/*
	 * Nothing here depends on the input or on earlier steps, and it makes
	 * some thirty system calls (regions, a guest memory, files): once per
	 * process finds all it can find.
	 */
	static bool done_once;

	if (done_once)
		return;
	done_once = true;

	struct vmb_bitmap *bm = NULL;
	struct vmb_region *r = NULL, *r2 = NULL, *out = NULL;
	struct vmb_guest *g = NULL, *g2 = NULL;
	struct vmb_region_config cfg = { .start = 0, .len = 16 };
	struct vmb_source nosrc = { NULL, NULL };
	struct vmb_sink nosink = { NULL };
	struct vmb_fd_source fds;
	struct vmb_fd_sink fdk;
	struct vmb_fault_source fs;
	struct vmb_fault_sink fk;
	struct vmb_buf_sink bk;
	struct vmb_slices_iter it;
	struct vmb_slice sl;
	struct vmb_datafile *f = NULL;
	struct vmb_remote *rp = NULL;
	uint64_t words[1], v;
	uint8_t byte = 0;
	void *host;
	int bad = VMB_EINVALID_ARGUMENT;

	/* S11: bitmaps. */
	VMBF_CHECK("S11", vmb_bitmap_new(1, 4, NULL) == bad && vmb_bitmap_new(1, 0, &bm) == bad &&
				  vmb_bitmap_new(100, 4, &bm) == 0, "bitmap_new arguments");
	vmb_bitmap_mark(NULL, 0, 1);
	vmb_bitmap_mark(bm, 0, 0);
	vmb_bitmap_mark(bm, SIZE_MAX, 2);
	vmb_bitmap_mark(bm, 1000, 1);
	vmb_bitmap_reset_range(NULL, 0, 1);
	vmb_bitmap_reset(NULL);
	VMBF_CHECK("S11", !vmb_bitmap_is_page_dirty(NULL, 0) && !vmb_bitmap_is_page_dirty(bm, 25) &&
				  !vmb_bitmap_is_dirty(NULL, 0) && vmb_bitmap_page_size(NULL) == 0 &&
				  vmb_bitmap_get_and_reset(bm, NULL, 1) == bad &&
				  vmb_bitmap_get_and_reset(bm, words, 0) == bad &&
				  vmb_bitmap_get_and_reset(bm, words, 1) == 0 && words[0] == 0 &&
				  vmb_bitmap_enlarge(bm, 50) == bad && vmb_bitmap_enlarge(bm, 100) == 0,
		   "bitmap arguments");
	vmb_bitmap_free(bm);
	/* I2: sources and sinks. */
	VMBF_CHECK("I2", vmb_fd_source_init(&fds, 0) == 0 && vmb_fd_sink_init(&fdk, 0) == 0,
		   "fd 0 is a file descriptor like any other");
	VMBF_CHECK("I2", vmb_fd_source_init(&fds, -1) == bad && vmb_fd_sink_init(&fdk, -1) == bad &&
				 vmb_buf_source_init((struct vmb_buf_source *)&fds, NULL, 1) == bad &&
				 vmb_buf_sink_init(&bk, NULL, 1) == bad &&
				 vmb_fault_source_init(&fs, NULL, NULL, 0, false) == bad &&
				 vmb_fault_source_init(&fs, &nosrc, NULL, 0, false) == bad &&
				 vmb_fault_sink_init(&fk, NULL, NULL, 0, false) == bad &&
				 vmb_fault_sink_init(&fk, &nosink, NULL, 0, false) == bad,
		   "source and sink arguments");
	vmb_buf_sink_init(&bk, &byte, 1);
	VMBF_CHECK("I2", vmb_fault_sink_init(&fk, &bk.base, (struct vmb_fault[]){ { VMB_FAULT_SHORT, 0 } },
					     1, false) == bad, "sink plan with SHORT 0");
	/* The generic layer: sources and sinks without a function. */
	if (vmb_slice_init(&sl, mem, 16) != 0)
		abort();
	struct vmb_bytes b = vmb_slice_bytes(&sl);

	VMBF_CHECK("S7", vmb_bytes_read_volatile_from(b, 0, &nosrc, 1, NULL, NULL) == bad &&
				 vmb_bytes_write_volatile_to(b, 0, &nosink, 1, NULL, NULL) == bad &&
				 vmb_bytes_read_exact_volatile_from(b, 0, &nosrc, 1, NULL) == bad &&
				 vmb_bytes_write_all_volatile_to(b, 0, &nosink, 1, NULL) == bad &&
				 vmb_bytes_read_exact_volatile_from(b, 0, NULL, 1, NULL) == bad &&
				 vmb_bytes_write_all_volatile_to(b, 0, NULL, 1, NULL) == bad &&
				 vmb_bytes_read_volatile_from(b, 0, NULL, 1, NULL, NULL) == bad &&
				 vmb_bytes_write_volatile_to(b, 0, NULL, 1, NULL, NULL) == bad &&
				 vmb_bytes_load(b, 0, 3, VMB_RELAXED, &v, NULL) == bad &&
				 vmb_bytes_load(b, 0, 4, VMB_RELAXED, NULL, NULL) == bad &&
				 vmb_bytes_store(b, 0, 3, 0, VMB_RELAXED, NULL) == bad &&
				 vmb_bytes_write(b, 0, NULL, 1, NULL, NULL) == bad &&
				 vmb_bytes_read(b, 0, NULL, 1, NULL, NULL) == bad &&
				 vmb_slice_read_volatile_from(sl, 0, &nosrc, 1, NULL, NULL) == bad &&
				 vmb_slice_write_volatile_to(sl, 0, &nosink, 1, NULL, NULL) == bad &&
				 vmb_slice_split_at(sl, 0, &sl, NULL, NULL) == bad &&
				 vmb_slice_copy_to_array(sl, &byte, 1, 0, NULL) == bad &&
				 vmb_slice_copy_to_array(sl, NULL, 0, 1, NULL) == 0 &&
				 vmb_slice_copy_from_array(sl, NULL, 0, 1, NULL) == 0 &&
				 vmb_slice_copy_from_array(sl, NULL, 1, 1, NULL) == bad,
		   "generic arguments");
	/* G1, G11: region configurations. */
	struct vmb_region_config bad_cfgs[] = {
		{ .len = 16, .flags = 2 },
		{ .len = 16, .kind = (enum vmb_region_kind)7 },
		{ .len = 16, .kind = VMB_REGION_FILE, .fd = -1 },
		{ .len = 16, .dirty_page_size = 3 },
		{ .len = (uint64_t)1 << 63 },
		{ .len = 16, .kind = VMB_REGION_FILE, .fd = 0, .file_offset = UINT64_MAX },
	};
	for (size_t i = 0; i < sizeof(bad_cfgs) / sizeof(bad_cfgs[0]); i++)
		VMBF_CHECK("G1", vmb_region_new(&bad_cfgs[i], &r, NULL) != 0, "bad region config %zu", i);
	VMBF_CHECK("G1", vmb_region_new(&cfg, NULL, NULL) == bad, "region without out");
	/* G2, G3, G10: guest memory. */
	if (vmb_region_new(&cfg, &r, NULL) != 0)
		vmbf_fail("G1", "region refused");
	struct vmb_region *none[1] = { NULL };

	VMBF_CHECK("G2", vmb_guest_new(NULL, 1, &g, NULL) == bad && vmb_guest_new(none, 1, &g, NULL) == bad &&
				 vmb_guest_new(&r, 1, NULL, NULL) == bad && vmb_guest_new(&r, 1, &g, NULL) == 0 &&
				 vmb_guest_new(&r, 1, &g2, NULL) == bad && vmb_guest_insert(g, NULL, NULL) == bad &&
				 vmb_guest_insert(g, r, NULL) == bad && vmb_guest_remove(g, 0, 16, NULL, NULL) == bad &&
				 vmb_region_set_start(r, 0, NULL) == bad,
		   "guest arguments");
	VMBF_CHECK("G3", vmb_guest_get_host_address(g, 0, NULL, NULL) == bad &&
				 vmb_guest_get_host_address(g, 99, &host, NULL) == VMB_EINVALID_GUEST_ADDRESS &&
				 vmb_guest_get_slice(g, 0, 1, NULL, NULL) == bad &&
				 vmb_guest_region_at(NULL, 0) == NULL && vmb_guest_last_addr(NULL) == 0,
		   "guest lookups");
	vmb_guest_slices_init(NULL, g, 0, 1);
	vmb_guest_slices_init(&it, g, 0, 1);
	VMBF_CHECK("G10", vmb_guest_slices_next(&it, NULL, NULL) == bad, "slices_next without out");
	vmb_guest_slices_init(&it, NULL, 0, 1);
	VMBF_CHECK("G10", vmb_guest_slices_next(&it, &sl, NULL) == 0, "a walk of no guest");
	/* Inserting grows the set past its first capacity; removing the last leaves it empty. */
	for (uint64_t i = 1; i <= 6; i++) {
		struct vmb_region_config c = { .start = 0x100 * i, .len = 16 };

		if (vmb_region_new(&c, &r2, NULL) != 0 || vmb_guest_insert(g, r2, NULL) != 0)
			vmbf_fail("G2", "insert %lu", (unsigned long)i);
	}
	for (uint64_t i = 0; i <= 6; i++) {
		VMBF_CHECK("G2", vmb_guest_remove(g, 0x100 * i, 16, &out, NULL) == 0, "remove %lu",
			   (unsigned long)i);
		vmb_region_free(out);
	}
	VMBF_CHECK("G2", vmb_guest_num_regions(g) == 0 && vmb_guest_last_addr(g) == 0 &&
				 vmb_bytes_write(vmb_guest_bytes(g), 0, &byte, 1, NULL, NULL) ==
					 VMB_EINVALID_GUEST_ADDRESS,
		   "an empty guest memory");
	vmb_guest_free(g);
	/* D1, R1. */
	/*
	 * fd 0 is a file descriptor too: duplicated when it is open, IO{EBADF}
	 * when the process was started without one (which is not the target's
	 * to choose).
	 */
	struct vmb_error fe = { 0 };
	bool fd0 = fcntl(0, F_GETFD) >= 0;
	int frc = vmb_datafile_new(0, 16, &f, &fe);

	VMBF_CHECK("D1", fd0 ? frc == 0 : frc == VMB_EIO && fe.errnum == EBADF,
		   "datafile over fd 0 (%s): %s", fd0 ? "open" : "closed", vmb_error_name(frc));
	vmb_datafile_free(f);
	f = NULL;
	/* S1 on the direct slice entry points: empty is ok 0 before any check. */
	size_t done = 1;

	VMBF_CHECK("S1", vmb_slice_write(sl, 99, &byte, 0, &done, NULL) == 0 && done == 0 &&
				 vmb_slice_read(sl, 99, &byte, 0, &done, NULL) == 0 && done == 0,
		   "empty direct slice access past the end");
	VMBF_CHECK("D1", vmb_datafile_new(0, 16, NULL, NULL) == bad &&
				 vmb_datafile_new(0, UINT64_MAX, &f, NULL) == bad &&
				 /* an fd this process does not have: known, not assumed */
				 (fcntl(9999, F_GETFD) >= 0 ||
				  vmb_datafile_new(9999, 16, &f, NULL) == VMB_EIO) &&
				 vmb_datafile_bytes(NULL).ops == NULL,
		   "datafile arguments");
	VMBF_CHECK("R1", vmb_remote_new(getpid(), 0, 16, NULL, NULL) == bad &&
				 vmb_remote_new(getpid(), UINT64_MAX, 16, &rp, NULL) == bad &&
				 vmb_remote_bytes(NULL).ops == NULL,
		   "remote arguments");
	/* SPEC 7: snprintf's convention, no buffer needed to measure. */
	struct vmb_error e = { .code = VMB_EIO, .errnum = 4095 };

	VMBF_CHECK("SPEC7", vmb_error_format(&e, NULL, 0) > 0, "format length");
}


/* S10 and every copy strategy: any size, any alignment, against memcpy;
 * the dispatcher under random thresholds; the strategy API's bad input. */
static void check_strategies(struct vmbf_producer *d)
{
	static uint8_t *src, *dst;
	enum { BIG = 3 << 16 };
	struct vmb_copy_tuning saved, t;

	if (src == NULL) {
		if ((src = malloc(BIG + 64)) == NULL || (dst = malloc(BIG + 64)) == NULL)
			abort();
		/* Filled once: refilling up to 192 KiB per input cost more than the copies. */
		fill(src, BIG + 64, 131, 0);
	}
	int st = vmbf_u8(d) % (VMB_COPY_STRATEGY_COUNT + 1);
	size_t n = vmbf_bool(d) ? vmbf_range(d, 0, 300) : vmbf_range(d, 0, BIG);
	size_t so = vmbf_u8(d) % 64, dof = vmbf_u8(d) % 64;

	/*
	 * The byte-at-a-time strategy runs the same loop at 16 KiB as at
	 * 192 KiB, at a coverage callback per byte: most of the fuzzer's time
	 * went there. It keeps one large size in thirty-two. The streaming
	 * copy's sizes that matter (its 4 KiB switch, its 128-byte loop and
	 * the tail) all lie below 16 KiB; past that it only writes around the
	 * cache, and it keeps one large size in eight.
	 */
	if (n > 0x4000 && ((st == VMB_COPY_BYTES && n % 32 != 0) ||
			   (st == VMB_COPY_NT && n % 8 != 0)))
		n %= 0x4001;

	memset(dst, 0xee, n + dof + 1);
	if (st == VMB_COPY_STRATEGY_COUNT) {
		/* The dispatcher, with thresholds from the input. */
		vmb_copy_get_tuning(&saved);
		t = saved;
		t.movsb_min = vmbf_range(d, 0, 9000);
		t.movsb_max = t.movsb_min + vmbf_range(d, 0, 70000);
		t.nt_min = vmbf_bool(d) ? SIZE_MAX : vmbf_range(d, 0, BIG);
		t.block = vmbf_bool(d) ? VMB_COPY_LIBC : saved.block;
		int rc = vmb_copy_set_tuning(&t);

		VMBF_CHECK("S10", rc == 0 || !vmb_copy_strategy_available(VMB_COPY_REP_MOVSB) ||
					  !vmb_copy_strategy_available(VMB_COPY_NT), "set_tuning refused");
		vmb_copy(dst + dof, src + so, n);
		vmb_copy_set_tuning(&saved);
	} else if (vmb_copy_strategy_available((enum vmb_copy_strategy)st)) {
		VMBF_CHECK("S10", vmb_copy_strategy_copy((enum vmb_copy_strategy)st, dst + dof, src + so, n) == 0,
			   "strategy %s refused", vmb_copy_strategy_name((enum vmb_copy_strategy)st));
	} else {
		VMBF_CHECK("S10", vmb_copy_strategy_copy((enum vmb_copy_strategy)st, dst, src, 1) ==
					  VMB_EINVALID_ARGUMENT, "an unavailable strategy ran");
		return;
	}
	VMBF_CHECK("S10", memcmp(dst + dof, src + so, n) == 0 && dst[dof + n] == 0xee &&
				  (dof == 0 || dst[dof - 1] == 0xee),
		   "strategy %d: n=%zu src+%zu dst+%zu", st, n, so, dof);
	/* The strategy API's arguments. */
	t.movsb_min = 2, t.movsb_max = 1, t.block = VMB_COPY_AVX2, t.nt_min = SIZE_MAX;
	VMBF_CHECK("S10", vmb_copy_set_tuning(NULL) == VMB_EINVALID_ARGUMENT &&
				  vmb_copy_set_tuning(&t) == VMB_EINVALID_ARGUMENT &&
				  vmb_copy_strategy_copy(VMB_COPY_LIBC, NULL, src, 1) == VMB_EINVALID_ARGUMENT &&
				  vmb_copy_strategy_copy(VMB_COPY_LIBC, dst, NULL, 1) == VMB_EINVALID_ARGUMENT &&
				  vmb_copy_strategy_copy(VMB_COPY_LIBC, NULL, NULL, 0) == 0 &&
				  vmb_copy_force((enum vmb_copy_strategy)VMB_COPY_STRATEGY_COUNT) ==
					  VMB_EINVALID_ARGUMENT,
		   "strategy API arguments");
}

/*
 * Tuning files (vmb_copy_load_tuning) built line by line from the input, so
 * that whether each line is good is known by construction: comments of any
 * length, blank lines, each key with good and bad values, over-long lines.
 * A file is put in force exactly when every line is good and the tuning is
 * one this CPU can run; a refused one changes nothing. Then the size
 * classes (vmb_copy_strategy_for) against a model of the dispatcher.
 */
static unsigned tuning_steps; /* of this input: LLVMFuzzerTestOneInput() resets it */

static void check_tuning(struct vmbf_producer *d)
{
	static int fd = -1;
	static const char *const blocks[] = { "avx512", "avx2", "libc_dispatched", "bytes", "default", "AVX2",
					      "" };
	static char path[64];
	struct vmb_copy_tuning saved, want, got;
	char text[2048];
	size_t len = 0;
	bool good = true;

	vmb_copy_get_tuning(&saved);
	/* This CPU's key first: a file without one is refused whatever else
	 * it holds (core/tests/copy.c tests the keys). */
	if (vmb_copy_host_cpu(text, 96) != 0)
		vmbf_fail("harness", "vmb_copy_host_cpu failed");
	/*
	 * The built-ins that keys left out keep: the measured AVX-512 classes
	 * on AMD family 1Ah (26) with AVX-512, streaming stores and rep movsb;
	 * memcpy itself (libc, no large class) on any other CPU.
	 */
	bool known = strncmp(text, "AuthenticAMD/26/", 16) == 0 &&
		     vmb_copy_strategy_available(VMB_COPY_AVX512) &&
		     vmb_copy_strategy_available(VMB_COPY_NT) &&
		     vmb_copy_strategy_available(VMB_COPY_REP_MOVSB);

	want.block = known ? VMB_COPY_AVX512 : VMB_COPY_LIBC;
	want.movsb_min = known ? (size_t)24 << 10 : 0;
	want.movsb_max = known ? (size_t)8 << 20 : 0;
	want.nt_min = known ? (size_t)8 << 20 : SIZE_MAX;
	memmove(text + 4, text, strlen(text) + 1);
	memcpy(text, "cpu=", 4);
	len = strlen(text);
	text[len++] = '\n';
	for (int lines = vmbf_u8(d) % 7; lines > 0 && len < sizeof(text) - 600; lines--) {
		unsigned kind = vmbf_u8(d) % 8;
		uint64_t v = vmbf_bool(d) ? vmbf_range(d, 0, 1 << 17) : vmbf_u64(d);
		int k = 0;

		switch (kind) {
		case 0: { /* a comment, up to 3x the loader's line buffer */
			size_t n = vmbf_range(d, 1, 400);

			text[len] = '#';
			memset(text + len + 1, 'c', n - 1);
			k = (int)n;
			text[len + (size_t)k++] = '\n';
			break;
		}
		case 1:
			k = snprintf(text + len, 600, "\n");
			break;
		case 2: {
			size_t b = vmbf_u8(d) % (sizeof(blocks) / sizeof(blocks[0]));
			int id = vmb_copy_strategy_from_name(blocks[b]);

			k = snprintf(text + len, 600, "block=%s\n", blocks[b]);
			if (id < 0)
				good = false;
			else
				want.block = (enum vmb_copy_strategy)id;
			break;
		}
		case 3:
		case 4:
		case 5: {
			static const char *const keys[] = { "movsb_min", "movsb_max", "nt_min" };
			const char *key = keys[kind - 3];
			size_t *field = kind == 3 ? &want.movsb_min : kind == 4 ? &want.movsb_max
									: &want.nt_min;

			switch (vmbf_u8(d) % 5) {
			case 0:
				k = snprintf(text + len, 600, "%s=%lu\n", key, (unsigned long)v);
				*field = (size_t)v;
				break;
			case 1:
				k = snprintf(text + len, 600, " %s = 0x%lx\n", key, (unsigned long)v);
				*field = (size_t)v;
				break;
			case 2: /* only nt_min may say never */
				k = snprintf(text + len, 600, "%s=never\n", key);
				if (kind == 5)
					*field = SIZE_MAX;
				else
					good = false;
				break;
			case 3:
				k = snprintf(text + len, 600, "%s=-%lu\n", key, (unsigned long)v);
				good = false;
				break;
			default: /* a number too long for one line of the loader */
				k = snprintf(text + len, 600, "%s=%0140lu\n", key, (unsigned long)v);
				good = false;
				break;
			}
			break;
		}
		case 6:
			k = snprintf(text + len, 600, "colour=%lu\n", (unsigned long)v);
			good = false;
			break;
		default:
			k = snprintf(text + len, 600, "just words\n");
			good = false;
			break;
		}
		len += (size_t)k;
	}
	/* What vmb_copy_set_tuning() accepts. */
	bool settable = want.movsb_min <= want.movsb_max &&
			(want.block == VMB_COPY_AVX512 || want.block == VMB_COPY_AVX2 ||
			 want.block == VMB_COPY_LIBC) &&
			vmb_copy_strategy_available(want.block) &&
			(want.movsb_min == want.movsb_max ||
			 vmb_copy_strategy_available(VMB_COPY_REP_MOVSB)) &&
			(want.nt_min == SIZE_MAX || vmb_copy_strategy_available(VMB_COPY_NT));
	int rc;

	good = good && settable;
	/*
	 * The loader opens the file by its path, /proc/self/fd/N, and that
	 * open cost more than the rest of the step: the file goes through it
	 * on an input's first tuning step and one in four after (counted per
	 * input, so that which path runs depends on the input alone, not on
	 * how many inputs the process ran before it). On the others a
	 * settable tuning goes in with vmb_copy_set_tuning(), so the size
	 * classes below still run under thresholds from the input.
	 */
	if (tuning_steps++ % 4 == 0) {
		/*
		 * One memfd for the process: the text goes over the last one
		 * and the length cuts off what is left of it. At offset 0:
		 * the memfd's file offset stays where the loader's reads left it.
		 */
		if (fd < 0) {
			if ((fd = memfd_create("vmbytes-api-tuning", MFD_CLOEXEC)) < 0)
				vmbf_fail("harness", "memfd_create: %s", strerror(errno));
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		}
		if (pwrite(fd, text, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) != 0)
			vmbf_fail("harness", "writing a tuning file: %s", strerror(errno));
		rc = vmb_copy_load_tuning(path);
		VMBF_CHECK("S10", rc == (good ? 0 : VMB_EINVALID_ARGUMENT),
			   "load_tuning gave %d for:\n%.*s", rc, (int)len, text);
		if (!good)
			want = saved;
	} else {
		rc = vmb_copy_set_tuning(&want);
		VMBF_CHECK("S10", rc == (settable ? 0 : VMB_EINVALID_ARGUMENT),
			   "set_tuning gave %d", rc);
		if (!settable)
			want = saved;
	}
	vmb_copy_get_tuning(&got);
	VMBF_CHECK("S10", got.block == want.block && got.movsb_min == want.movsb_min &&
				  got.movsb_max == want.movsb_max && got.nt_min == want.nt_min,
		   "tuning in force after loading or setting it (rc %d)", rc);
	/* The size classes under the thresholds in force. */
	for (int i = 0; i < 4; i++) {
		size_t n = vmbf_bool(d) ? vmbf_range(d, 0, 1 << 17) : (size_t)vmbf_u64(d);
		enum vmb_copy_strategy forced = vmb_copy_forced(); /* VMB_COPY_STRATEGY */
		/* vmb_copy() moves 9..63 bytes itself, the AVX-512 and AVX2
		 * dispatchers their head and tail blocks to 512 and 256. */
		size_t own = got.block == VMB_COPY_AVX512 ? 512 : got.block == VMB_COPY_AVX2 ? 256 : 63;
		enum vmb_copy_strategy c = n <= 8 ? VMB_COPY_DEFAULT
					   : forced != VMB_COPY_DEFAULT ? forced
					   : n <= own ? VMB_COPY_DEFAULT
					   : got.nt_min != SIZE_MAX && n >= got.nt_min ? VMB_COPY_NT
					   : n >= got.movsb_min && n < got.movsb_max ? VMB_COPY_REP_MOVSB
										    : got.block;

		VMBF_CHECK("S10", vmb_copy_strategy_for(n) == c, "strategy_for(%zu) = %s, want %s", n,
			   vmb_copy_strategy_name(vmb_copy_strategy_for(n)), vmb_copy_strategy_name(c));
	}
	VMBF_CHECK("S10", vmb_copy_load_tuning(NULL) == VMB_EINVALID_ARGUMENT, "load_tuning(NULL)");
	vmb_copy_set_tuning(&saved);
}

/* Bad input: an error code, never a crash. */
static void check_bad_input(void)
{
	struct vmb_slice s = { 0 };
	struct vmb_bytes none = { NULL, NULL };
	char buf[8];
	uint64_t v;

	VMBF_CHECK("S6", vmb_slice_init(NULL, mem, 1) == VMB_EINVALID_ARGUMENT &&
				 vmb_slice_init(&s, NULL, 1) == VMB_EINVALID_ARGUMENT &&
				 vmb_slice_init(&s, (void *)(uintptr_t)UINTPTR_MAX, 2) ==
					 VMB_EINVALID_ARGUMENT &&
				 vmb_slice_set_bitmap(NULL, NULL, 0) == VMB_EINVALID_ARGUMENT &&
				 vmb_slice_subslice(s, 0, 0, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_slice_split_at(s, 0, NULL, &s, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_slice_write(s, 0, NULL, 1, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_slice_read(s, 0, NULL, 1, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_slice_read_volatile_from(s, 0, NULL, 1, NULL, NULL) ==
					 VMB_EINVALID_ARGUMENT &&
				 vmb_slice_write_volatile_to(s, 0, NULL, 1, NULL, NULL) ==
					 VMB_EINVALID_ARGUMENT &&
				 vmb_slice_copy_to_array(s, NULL, 1, 1, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_slice_copy_from_array(s, buf, 1, 0, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_slice_load(s, 0, 4, VMB_RELAXED, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_slice_store(s, 0, 3, 0, VMB_RELAXED, NULL) == VMB_EINVALID_ARGUMENT,
		   "slice bad input");
	VMBF_CHECK("S1", vmb_bytes_write(none, 0, buf, 1, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_bytes_read(none, 0, buf, 1, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_bytes_read_volatile_from(none, 0, NULL, 1, NULL, NULL) ==
					 VMB_EINVALID_ARGUMENT &&
				 vmb_bytes_write_volatile_to(none, 0, NULL, 1, NULL, NULL) ==
					 VMB_EINVALID_ARGUMENT &&
				 vmb_bytes_read_exact_volatile_from(none, 0, NULL, 1, NULL) ==
					 VMB_EINVALID_ARGUMENT &&
				 vmb_bytes_write_all_volatile_to(none, 0, NULL, 1, NULL) ==
					 VMB_EINVALID_ARGUMENT &&
				 vmb_bytes_store(none, 0, 4, 0, VMB_RELAXED, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_bytes_load(none, 0, 4, VMB_RELAXED, &v, NULL) == VMB_EINVALID_ARGUMENT,
		   "generic bad input");
	VMBF_CHECK("G2", vmb_region_new(NULL, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_guest_new(NULL, 1, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_guest_insert(NULL, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_guest_remove(NULL, 0, 1, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_guest_get_host_address(NULL, 0, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_guest_get_slice(NULL, 0, 0, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_guest_slices_next(NULL, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
				 !vmb_guest_check_range(NULL, 0, 0) && vmb_guest_find_region(NULL, 0) == NULL &&
				 vmb_region_set_start(NULL, 0, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_region_as_slice(NULL, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_region_get_slice(NULL, 0, 0, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_datafile_new(-1, 0, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_remote_new(0, 0, 0, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_bitmap_new(1, 3, NULL) == VMB_EINVALID_ARGUMENT &&
				 vmb_bitmap_get_and_reset(NULL, NULL, 0) == VMB_EINVALID_ARGUMENT &&
				 vmb_bitmap_enlarge(NULL, 0) == VMB_EINVALID_ARGUMENT &&
				 vmb_fd_source_init(NULL, 0) == VMB_EINVALID_ARGUMENT &&
				 vmb_fd_sink_init(NULL, 0) == VMB_EINVALID_ARGUMENT &&
				 vmb_buf_source_init(NULL, NULL, 0) == VMB_EINVALID_ARGUMENT &&
				 vmb_buf_sink_init(NULL, NULL, 0) == VMB_EINVALID_ARGUMENT &&
				 vmb_fault_source_init(NULL, NULL, NULL, 0, false) == VMB_EINVALID_ARGUMENT &&
				 vmb_fault_sink_init(NULL, NULL, NULL, 0, false) == VMB_EINVALID_ARGUMENT &&
				 vmb_error_format(NULL, NULL, 1) == VMB_EINVALID_ARGUMENT,
		   "handle bad input");
	/* NULL handles are no-ops and read as empty. */
	vmb_region_free(NULL);
	vmb_guest_free(NULL);
	vmb_datafile_free(NULL);
	vmb_remote_free(NULL);
	vmb_bitmap_free(NULL);
	VMBF_CHECK("G2", vmb_guest_num_regions(NULL) == 0 && vmb_region_len(NULL) == 0 &&
				 vmb_region_fd(NULL) == -1 && vmb_bitmap_pages(NULL) == 0 &&
				 vmb_datafile_len(NULL) == 0 && vmb_slice_bytes(NULL).ops == NULL &&
				 vmb_guest_bytes(NULL).ops == NULL && vmb_region_bytes(NULL).ops == NULL,
		   "NULL handles");
	/* SPEC 6: every code has a name and a message; unknown ones too. */
	for (int c = -VMB_STATUS_COUNT - 1; c <= 1; c++)
		VMBF_CHECK("SPEC6", vmb_strerror(c) && vmb_error_name(c) && vmb_error_format(NULL, buf, sizeof(buf)) > 0,
			   "names for code %d", c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmbf_producer d;
	struct vmb_slice s;
	struct vmb_bitmap *bm = NULL;

	if (mem == NULL) {
		mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			abort();
	}
	vmbf_producer_init(&d, data, size);
	tuning_steps = 0;
	fill(mem, MEM, 7, 0);
	memcpy(shadow, mem, MEM);
	if (vmb_slice_init(&s, mem, MEM) != 0 || vmb_bitmap_new(MEM, 16, &bm) != 0 ||
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
			check_faults(&d);
			break;
		case 6:
			check_wrappers(&d, s);
			break;
		case 7:
			check_bad_matrix();
			break;
		case 8:
			check_strategies(&d);
			break;
		case 10:
			check_tuning(&d);
			break;
		default:
			check_bad_input();
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

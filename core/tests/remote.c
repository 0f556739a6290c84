/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Remote process container (remote.h, R1): S1-S8 on memory of a forked
 * child, reached by pid. The child maps the memory and then serves
 * commands on a pipe (peek, poke, unmap, quit), so every effect is checked
 * in the child's own address space, independently of the container. It
 * waits on the pipe, never on a timer.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Starts a child with @pages mapped pages; one more, unmapped, follows,
 * where partial transfers end (core/tools/child.h). Returns false (and
 * skips the case) when this host does not let us use process_vm_readv on
 * it. */
static bool child_start(struct vmbo_child *c, size_t pages)
{
	if (!vmbt_child_start(c, pages * page_size()))
		return false;

	/* Can we reach it at all? */
	uint8_t probe;
	struct iovec l = { &probe, 1 }, r = { (void *)(uintptr_t)c->base, 1 };

	if (process_vm_readv(c->pid, &l, 1, &r, 1, 0) != 1) {
		if (errno == EPERM || errno == ENOSYS) {
			vmbt_skip("process_vm_readv is not permitted here");
			return false;
		}
		CHECK(!"process_vm_readv probe");
		return false;
	}
	return true;
}

static void unmap_in_child(struct vmbo_child *c, uint64_t off, size_t n)
{
	if (!vmbo_child_unmap(c, off, n))
		vmbt_fail(__FILE__, __LINE__, "unmap failed");
}

static void expect_child(struct vmbo_child *c, uint64_t off, const void *want, size_t n, int line)
{
	uint8_t *got = malloc(n ? n : 1);

	if (got == NULL)
		abort();
	vmbt_child_peek(c, off, got, n);
	if (memcmp(got, want, n) != 0)
		vmbt_fail(__FILE__, line, "child bytes at 0x%" PRIx64 " (+%zu) differ", off, n);
	free(got);
}
#define EXPECT_CHILD(c, off, want, n) expect_child((c), (off), (want), (n), __LINE__)

static void expect_child_zero(struct vmbo_child *c, uint64_t off, size_t n, int line)
{
	uint8_t *z = calloc(1, n ? n : 1);

	if (z == NULL)
		abort();
	expect_child(c, off, z, n, line);
	free(z);
}
#define EXPECT_CHILD_ZERO(c, off, n) expect_child_zero((c), (off), (n), __LINE__)

/* A child plus a container over @len bytes of its mapping. */
struct rp {
	struct vmbo_child c;
	struct vmb_remote *r;
	struct vmb_bytes b;
};

static bool rp_open(struct rp *p, size_t pages, uint64_t len)
{
	p->r = NULL;
	if (!child_start(&p->c, pages)) {
		vmbt_child_stop(&p->c);
		return false;
	}
	CHECK_RC(vmb_remote_new(p->c.pid, p->c.base, len, &p->r, NULL), 0);
	p->b = vmb_remote_bytes(p->r);
	if (p->r == NULL) {
		vmbt_child_stop(&p->c);
		return false;
	}
	return true;
}

static void rp_close(struct rp *p)
{
	vmb_remote_free(p->r);
	vmbt_child_stop(&p->c);
}

/* R1: creation errors; a pid that is gone is IO{ESRCH} at creation. */
TEST(R1_new_errors)
{
	struct vmb_remote *r = (struct vmb_remote *)(uintptr_t)0x5a5a5a50;
	struct vmb_remote *const sentinel = r;
	struct vmb_error e;

	CHECK_RC(vmb_remote_new(0, 0x1000, 0x10, &r, &e), VMB_EINVALID_ARGUMENT);
	CHECK_ERR(e, "invalid_argument");
	CHECK_RC(vmb_remote_new(-1, 0x1000, 0x10, &r, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_remote_new(getpid(), UINT64_MAX, 2, &r, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_remote_new(getpid(), 2, UINT64_MAX, &r, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_remote_new(getpid(), 0x1000, 0x10, NULL, &e), VMB_EINVALID_ARGUMENT);
	CHECK(r == sentinel);

	/* A child that has exited and been reaped. */
	fflush(NULL);
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	CHECK(pid > 0);
	CHECK_EQ(waitpid(pid, NULL, 0), pid);
	CHECK_RC(vmb_remote_new(pid, 0x1000, 0x10, &r, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=ESRCH");
	CHECK(r == sentinel);
	vmb_remote_free(NULL);

	/* A NULL container is an empty interface. */
	uint8_t b = 0;
	size_t done = 9;

	CHECK_RC(vmb_bytes_read(vmb_remote_bytes(NULL), 0, &b, 1, &done, &e),
		 VMB_EINVALID_ARGUMENT);
	CHECK_EQ(done, 0);
}

/* S1 by R1: an empty buffer is ok 0 anywhere. */
TEST(R1_S1_zero_length)
{
	struct rp p;
	uint8_t buf[1] = { 0x55 };

	if (!rp_open(&p, 1, 0x100))
		return;
	const uint64_t addrs[] = { 0, 0xff, 0x100, 0x101, UINT64_MAX };

	for (size_t i = 0; i < NELEM(addrs); i++) {
		size_t done = 9;

		CHECK_RC(vmb_bytes_write(p.b, addrs[i], buf, 0, &done, NULL), 0);
		CHECK_EQ(done, 0);
		done = 9;
		CHECK_RC(vmb_bytes_read(p.b, addrs[i], buf, 0, &done, NULL), 0);
		CHECK_EQ(done, 0);
		CHECK_RC(vmb_bytes_write_slice(p.b, addrs[i], buf, 0, NULL), 0);
		CHECK_RC(vmb_bytes_read_obj(p.b, addrs[i], buf, 0, NULL), 0);
	}
	CHECK_EQ(buf[0], 0x55);
	EXPECT_CHILD_ZERO(&p.c, 0, 0x100);
	rp_close(&p);

	/* L == 0 too. */
	if (!rp_open(&p, 1, 0))
		return;
	size_t done = 9;

	CHECK_RC(vmb_bytes_write(p.b, 0, buf, 0, &done, NULL), 0);
	CHECK_EQ(done, 0);
	rp_close(&p);
}

/* S2 by R1. */
TEST(R1_S2_out_of_bounds)
{
	struct rp p;
	struct vmb_error e;
	uint8_t buf[4] = { 1, 2, 3, 4 };
	size_t done = 9;

	if (!rp_open(&p, 1, 0x100))
		return;
	CHECK_RC(vmb_bytes_write(p.b, 0x100, buf, 1, &done, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x100");
	CHECK_EQ(done, 0);
	CHECK_RC(vmb_bytes_write(p.b, UINT64_MAX, buf, 4, &done, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0xffffffffffffffff");
	CHECK_RC(vmb_bytes_read(p.b, 0x101, buf, 4, &done, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x101");
	/* The mapping goes on past L: nothing was written there. */
	EXPECT_CHILD_ZERO(&p.c, 0, 0x200);
	CHECK_EQ(buf[0], 1);
	rp_close(&p);
}

/* S3 by R1: clamped copies, round trips checked in the child. */
TEST(R1_S3_short_copy_round_trip)
{
	size_t pg = page_size();
	struct rp p;
	uint8_t *buf = malloc(3 * pg), *got = malloc(3 * pg);
	size_t done = 0;

	if (buf == NULL || got == NULL || !rp_open(&p, 3, 3 * pg)) {
		free(buf);
		free(got);
		return;
	}
	vmbt_fill_pattern(buf, 3 * pg, 1);
	CHECK_RC(vmb_bytes_write(p.b, 3 * pg - 2, buf, 4, &done, NULL), 0);
	CHECK_EQ(done, 2);
	EXPECT_CHILD(&p.c, 3 * pg - 2, buf, 2);

	CHECK_RC(vmb_bytes_write(p.b, 0, buf, 3 * pg + 10, &done, NULL), 0);
	CHECK_EQ(done, 3 * pg);
	EXPECT_CHILD(&p.c, 0, buf, 3 * pg);

	vmbt_fill_pattern(buf, 3 * pg, 2);
	vmbt_child_poke(&p.c, 0, buf, 3 * pg);
	memset(got, 0, 3 * pg);
	CHECK_RC(vmb_bytes_read(p.b, 0, got, 3 * pg, &done, NULL), 0);
	CHECK_EQ(done, 3 * pg);
	CHECK_MEM(got, buf, 3 * pg);
	CHECK_RC(vmb_bytes_read(p.b, pg + 7, got, 3 * pg, &done, NULL), 0);
	CHECK_EQ(done, 2 * pg - 7);
	CHECK_MEM(got, buf + pg + 7, 2 * pg - 7);
	rp_close(&p);
	free(buf);
	free(got);
}

/* S4 by R1. */
TEST(R1_S4_exact_forms)
{
	struct rp p;
	struct vmb_error e;
	uint64_t v = 0x1122334455667788ull, got = 0;

	if (!rp_open(&p, 1, 0x40))
		return;
	CHECK_RC(vmb_bytes_write_obj(p.b, 0x3c, &v, 8, &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=8 completed=4");
	EXPECT_CHILD(&p.c, 0x3c, &v, 4);
	EXPECT_CHILD_ZERO(&p.c, 0x40, 4);
	CHECK_RC(vmb_bytes_read_obj(p.b, 0x3c, &got, 8, &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=8 completed=4");
	CHECK_RC(vmb_bytes_write_obj(p.b, SIZE_MAX, &v, 2, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0xffffffffffffffff");
	CHECK_RC(vmb_bytes_write_obj(p.b, 0x8, &v, 8, &e), 0);
	EXPECT_CHILD(&p.c, 0x8, &v, 8);
	CHECK_RC(vmb_bytes_read_obj(p.b, 0x8, &got, 8, &e), 0);
	CHECK_EQ(got, v);
	CHECK_RC(vmb_bytes_write_slice(p.b, 0x20, &v, 8, &e), 0);
	CHECK_RC(vmb_bytes_read_slice(p.b, 0x20, &got, 8, &e), 0);
	CHECK_EQ(got, v);
	rp_close(&p);
}

/* S5 by R1, through the range check of the exact forms: nothing moves. */
TEST(R1_S5_range_errors)
{
	static const struct {
		uint64_t a;
		size_t n;
		const char *want;
	} cases[] = {
		{ 100, 0, NULL },
		{ 100, 1, "out_of_bounds addr=0x65" },
		{ 99, 2, "out_of_bounds addr=0x65" },
		{ 0, 101, "out_of_bounds addr=0x65" },
		{ 101, 0, "out_of_bounds addr=0x65" },
		{ 101, 1, "out_of_bounds addr=0x66" },
		{ SIZE_MAX, 2, "overflow base=0xffffffffffffffff offset=0x2" },
		{ 2, SIZE_MAX, "overflow base=0x2 offset=0xffffffffffffffff" },
	};
	struct rp p;
	uint8_t data[200];

	if (!rp_open(&p, 1, 100))
		return;
	vmbt_fill_pattern(data, sizeof(data), 5);
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct vmb_buf_source bs;
		struct vmb_buf_sink bk;
		struct vmbt_spy_source src;
		uint8_t out[200];
		struct vmb_error e;
		int rc;

		vmb_buf_source_init(&bs, data, sizeof(data));
		vmbt_spy_source_init(&src, &bs.base);
		vmb_buf_sink_init(&bk, out, sizeof(out));
		rc = vmb_bytes_read_exact_volatile_from(p.b, cases[i].a, &src.base, cases[i].n, &e);
		if (cases[i].want == NULL) {
			CHECK_RC(rc, 0);
		} else {
			CHECK(rc != 0);
			CHECK_ERR(e, cases[i].want);
			CHECK_EQ(src.calls, 0);
		}
		rc = vmb_bytes_write_all_volatile_to(p.b, cases[i].a, &bk.base, cases[i].n, &e);
		if (cases[i].want == NULL) {
			CHECK_RC(rc, 0);
		} else {
			CHECK(rc != 0);
			CHECK_ERR(e, cases[i].want);
			CHECK_EQ(bk.len, 0);
		}
	}
	EXPECT_CHILD_ZERO(&p.c, 0, 200);
	rp_close(&p);
}

/* S7 by R1: one source read / sink write, clamped; a == L ok 0; EINTR
 * retried; errors are IO{errno}. */
TEST(R1_S7_one_shot_io)
{
	struct rp p;
	struct vmb_error e;
	uint8_t data[0x100], out[0x100];
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	struct vmbt_spy_source src;
	size_t done;

	if (!rp_open(&p, 1, 0x100))
		return;
	vmbt_fill_pattern(data, sizeof(data), 7);
	vmb_buf_source_init(&bs, data, sizeof(data));
	vmbt_spy_source_init(&src, &bs.base);
	done = 9;
	CHECK_RC(vmb_bytes_read_volatile_from(p.b, 0x100, &src.base, 8, &done, &e), 0);
	CHECK_EQ(done, 0);
	CHECK_EQ(src.calls, 0);
	CHECK_RC(vmb_bytes_read_volatile_from(p.b, 0x101, &src.base, 8, &done, &e),
		 VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x101");
	CHECK_RC(vmb_bytes_read_volatile_from(p.b, 0xf0, &src.base, 0x40, &done, &e), 0);
	CHECK_EQ(done, 0x10);
	CHECK_EQ(src.calls, 1);
	CHECK_EQ(src.last_asked, 0x10);
	EXPECT_CHILD(&p.c, 0xf0, data, 0x10);
	EXPECT_CHILD_ZERO(&p.c, 0x100, 0x10);

	static const struct vmb_fault short3[] = { { VMB_FAULT_SHORT, 3 } };
	static const struct vmb_fault intr[] = { { VMB_FAULT_EINTR, 0 }, { VMB_FAULT_EINTR, 0 } };
	static const struct vmb_fault eio[] = { { VMB_FAULT_EIO, 0 } };

	vmb_buf_source_init(&bs, data, sizeof(data));
	vmb_fault_source_init(&fs, &bs.base, short3, 1, false);
	CHECK_RC(vmb_bytes_read_volatile_from(p.b, 0x20, &fs.base, 0x10, &done, &e), 0);
	CHECK_EQ(done, 3);
	EXPECT_CHILD(&p.c, 0x20, data, 3);
	EXPECT_CHILD_ZERO(&p.c, 0x23, 0xd);
	vmb_fault_source_init(&fs, &bs.base, intr, 2, false);
	CHECK_RC(vmb_bytes_read_volatile_from(p.b, 0x40, &fs.base, 0x10, &done, &e), 0);
	CHECK_EQ(done, 0x10);
	vmb_fault_source_init(&fs, &bs.base, eio, 1, false);
	CHECK_RC(vmb_bytes_read_volatile_from(p.b, 0x60, &fs.base, 0x10, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EIO");
	EXPECT_CHILD_ZERO(&p.c, 0x60, 0x10);

	/* The sink side. */
	struct vmb_buf_sink bk;
	struct vmb_fault_sink fk;

	vmbt_child_poke(&p.c, 0, data, sizeof(data));
	vmb_buf_sink_init(&bk, out, sizeof(out));
	CHECK_RC(vmb_bytes_write_volatile_to(p.b, 0x100, &bk.base, 8, &done, &e), 0);
	CHECK_EQ(done, 0);
	CHECK_EQ(bk.len, 0);
	CHECK_RC(vmb_bytes_write_volatile_to(p.b, 0x101, &bk.base, 8, &done, &e),
		 VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x101");
	CHECK_RC(vmb_bytes_write_volatile_to(p.b, 0xf8, &bk.base, 0x40, &done, &e), 0);
	CHECK_EQ(done, 8);
	CHECK_MEM(out, data + 0xf8, 8);
	vmb_buf_sink_init(&bk, out, sizeof(out));
	vmb_fault_sink_init(&fk, &bk.base, short3, 1, false);
	CHECK_RC(vmb_bytes_write_volatile_to(p.b, 0x10, &fk.base, 0x10, &done, &e), 0);
	CHECK_EQ(done, 3);
	CHECK_MEM(out, data + 0x10, 3);
	vmb_fault_sink_init(&fk, &bk.base, eio, 1, false);
	CHECK_RC(vmb_bytes_write_volatile_to(p.b, 0x10, &fk.base, 0x10, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EIO");
	rp_close(&p);
}

/* S8 by R1: exact forms loop; UnexpectedEof, WriteZero; moved bytes stay. */
TEST(R1_S8_exact_io)
{
	size_t pg = page_size();
	size_t L = 24 * pg; /* more than one internal transfer */
	struct rp p;
	struct vmb_error e;
	uint8_t *data = malloc(L), *out = malloc(L);

	if (data == NULL || out == NULL || !rp_open(&p, 24, L)) {
		free(data);
		free(out);
		return;
	}
	vmbt_fill_pattern(data, L, 9);

	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	static const struct vmb_fault short3[] = { { VMB_FAULT_SHORT, 3 } };

	vmb_buf_source_init(&bs, data, L);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(p.b, 0, &bs.base, L, &e), 0);
	EXPECT_CHILD(&p.c, 0, data, L);
	vmb_buf_source_init(&bs, data + 0x100, 0x100);
	vmb_fault_source_init(&fs, &bs.base, short3, 1, true);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(p.b, 0x10, &fs.base, 0x40, &e), 0);
	EXPECT_CHILD(&p.c, 0x10, data + 0x100, 0x40);

	/* An fd source that ends early: its bytes stay, then UnexpectedEof. */
	int pp[2];
	struct vmb_fd_source fds;

	CHECK_EQ(pipe(pp), 0);
	CHECK_EQ(write(pp[1], data + 0x200, 5), 5);
	close(pp[1]);
	vmb_fd_source_init(&fds, pp[0]);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(p.b, 0x1000, &fds.base, 8, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=unexpected_eof");
	EXPECT_CHILD(&p.c, 0x1000, data + 0x200, 5);
	EXPECT_CHILD(&p.c, 0x1005, data + 0x1005, 3);
	close(pp[0]);

	/* A buffer source that holds too little fails without copying (I3). */
	uint8_t few[4] = { 0xa, 0xb, 0xc, 0xd };

	vmb_buf_source_init(&bs, few, sizeof(few));
	CHECK_RC(vmb_bytes_read_exact_volatile_from(p.b, 0x2000, &bs.base, 8, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=unexpected_eof");
	EXPECT_CHILD(&p.c, 0x2000, data + 0x2000, 8);

	/* write_all: whole range out; a 7-byte sink for 8 bytes is WriteZero. */
	struct vmb_buf_sink bk;
	size_t done = 0;

	vmbt_fill_pattern(data, L, 10);
	vmbt_child_poke(&p.c, 0, data, L);
	vmb_buf_sink_init(&bk, out, L);
	CHECK_RC(vmb_bytes_write_all_volatile_to(p.b, 0, &bk.base, L, &e), 0);
	CHECK_EQ(bk.len, L);
	CHECK_MEM(out, data, L);
	vmb_buf_sink_init(&bk, out, 7);
	CHECK_RC(vmb_bytes_write_all_volatile_to(p.b, 0x30, &bk.base, 8, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=write_zero");
	CHECK_EQ(bk.len, 7);
	CHECK_MEM(out, data + 0x30, 7);

	/* One-shot calls over the whole range may be short but move at least
	 * one byte, in one call. */
	struct vmbt_spy_source src;

	vmb_buf_source_init(&bs, data, L);
	vmbt_spy_source_init(&src, &bs.base);
	CHECK_RC(vmb_bytes_read_volatile_from(p.b, 0, &src.base, L, &done, &e), 0);
	CHECK(done > 0 && done <= L);
	CHECK_EQ(src.calls, 1);
	vmb_buf_sink_init(&bk, out, L);
	CHECK_RC(vmb_bytes_write_volatile_to(p.b, 0, &bk.base, L, &done, &e), 0);
	CHECK(done > 0 && done <= L);
	CHECK_EQ(bk.len, done);
	rp_close(&p);
	free(data);
	free(out);
}

/* R1: a transfer that runs into memory the process does not have mapped is
 * a short count; one that starts there is IO{EFAULT}. Also after the
 * process unmaps memory inside the range. */
TEST(R1_unmapped_range_efault)
{
	size_t pg = page_size();
	struct rp p;
	struct vmb_error e;
	uint8_t buf[16], got[16];
	size_t done = 0;

	/* Two mapped pages, then the child's hole: L covers all three. */
	if (!rp_open(&p, 2, 3 * pg))
		return;
	vmbt_fill_pattern(buf, sizeof(buf), 3);
	CHECK_RC(vmb_bytes_write(p.b, 2 * pg - 4, buf, 8, &done, &e), 0);
	CHECK_EQ(done, 4);
	EXPECT_CHILD(&p.c, 2 * pg - 4, buf, 4);
	CHECK_RC(vmb_bytes_read(p.b, 2 * pg - 4, got, 8, &done, &e), 0);
	CHECK_EQ(done, 4);
	CHECK_MEM(got, buf, 4);
	CHECK_RC(vmb_bytes_write_slice(p.b, 2 * pg - 4, buf, 8, &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=8 completed=4");

	CHECK_RC(vmb_bytes_write(p.b, 2 * pg, buf, 8, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EFAULT");
	CHECK_RC(vmb_bytes_read(p.b, 2 * pg + 8, got, 8, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EFAULT");
	struct vmb_buf_sink bk;

	vmb_buf_sink_init(&bk, got, sizeof(got));
	CHECK_RC(vmb_bytes_write_volatile_to(p.b, 2 * pg, &bk.base, 8, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EFAULT");
	CHECK_EQ(bk.len, 0);

	/* The child unmaps its first page while we hold the container. */
	CHECK_RC(vmb_bytes_write(p.b, 0x10, buf, 8, &done, &e), 0);
	unmap_in_child(&p.c, 0, pg);
	CHECK_RC(vmb_bytes_read(p.b, 0x10, got, 8, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EFAULT");
	CHECK_RC(vmb_bytes_write(p.b, 0x10, buf, 8, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EFAULT");
	/* The second page is still there. */
	CHECK_RC(vmb_bytes_read(p.b, pg, got, 8, &done, &e), 0);
	CHECK_EQ(done, 8);
	rp_close(&p);
}

/* R1: a process that is gone after creation gives IO{ESRCH}. */
TEST(R1_process_gone)
{
	struct rp p;
	struct vmb_error e;
	uint8_t buf[8] = { 0 };
	size_t done = 9;

	if (!rp_open(&p, 1, 0x100))
		return;
	CHECK_RC(vmb_bytes_write(p.b, 0, buf, 8, &done, &e), 0);
	vmbt_child_stop(&p.c); /* exits and is reaped */
	CHECK_RC(vmb_bytes_write(p.b, 0, buf, 8, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=ESRCH");
	CHECK_RC(vmb_bytes_read(p.b, 0, buf, 8, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=ESRCH");
	vmb_remote_free(p.r);
}

/* R1: store/load cannot be atomic across processes: Unsupported, nothing
 * written; an invalid ordering is still InvalidArgument (checked first). */
TEST(R1_store_load_unsupported)
{
	static const unsigned widths[] = { 1, 2, 4, 8 };
	static const int store_orders[] = { VMB_ORDER_RELAXED, VMB_ORDER_RELEASE, VMB_ORDER_SEQ_CST };
	static const int load_orders[] = { VMB_ORDER_RELAXED, VMB_ORDER_ACQUIRE, VMB_ORDER_SEQ_CST };
	struct rp p;
	struct vmb_error e;
	uint64_t v = 77;

	if (!rp_open(&p, 1, 0x100))
		return;
	for (size_t i = 0; i < NELEM(widths); i++) {
		for (size_t o = 0; o < 3; o++) {
			CHECK_RC(vmb_bytes_store(p.b, 0, widths[i], vmb_ordering_of(store_orders[o]), UINT64_MAX, &e),
				 VMB_EUNSUPPORTED);
			CHECK_ERR(e, "unsupported");
			CHECK_RC(vmb_bytes_load(p.b, 0, widths[i], vmb_ordering_of(load_orders[o]), &v, &e),
				 VMB_EUNSUPPORTED);
			CHECK_ERR(e, "unsupported");
		}
	}
	CHECK_EQ(v, 77);
	CHECK_RC(vmb_bytes_store(p.b, 0, 4, VMB_ACQUIRE, 1, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_load(p.b, 0, 4, VMB_RELEASE, &v, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_store(p.b, 0, 3, VMB_RELAXED, 1, &e), VMB_EINVALID_ARGUMENT);
	EXPECT_CHILD_ZERO(&p.c, 0, 0x100);
	rp_close(&p);
}

/* R1: pid 1 is a process id like any other (init is always alive): only
 * pids <= 0 are refused as arguments. */
TEST(R1_pid_1_is_a_valid_pid)
{
	struct vmb_remote *r = NULL;

	CHECK_RC(vmb_remote_new(1, 0x1000, 0x1000, &r, NULL), 0);
	CHECK(r != NULL);
	vmb_remote_free(r);
}

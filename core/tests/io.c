/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Sources and sinks (SPEC section 4, I1-I3), driven directly and through a
 * volatile slice's one-shot (S7) and exact (S8) I/O forms.
 *
 * Guest memory in these tests is a guarded buffer: a slice covers its first
 * bytes and the last byte, just before a PROT_NONE page, is a sentinel that
 * no operation may touch.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ---------------------------------------------------------- */

/* A source that claims to have moved one byte more than it was asked for. */
static ssize_t lying_read(struct vmb_source *self, void *dst, size_t n)
{
	(void)self;
	(void)dst;
	return (ssize_t)n + 1;
}

/* Guest memory: @len bytes plus one sentinel byte at a page edge. */
struct mem {
	struct vmbt_guarded g;
	struct vmb_slice s;
};

static void mem_init(struct mem *m, size_t len, uint8_t fill)
{
	vmbt_guarded_alloc(&m->g, len + 1, false);
	memset(m->g.p, fill, len + 1);
	CHECK_RC(vmb_slice_init(&m->s, m->g.p, len), 0);
}

static void mem_free(struct mem *m)
{
	vmbt_guarded_free(&m->g);
}

/* A memfd holding @n bytes of @data, positioned at 0. */
static int file_with(const void *data, size_t n)
{
	int fd = vmbt_temp_file(0);

	CHECK_EQ(pwrite(fd, data, n, 0), n);
	return fd;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* ---- I1/I2: the sources and sinks on their own ----------------------- */

TEST(I2_fd_init_rejects_bad_arguments)
{
	struct vmb_fd_source src;
	struct vmb_fd_sink dst;

	CHECK_RC(vmb_fd_source_init(NULL, 0), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_fd_source_init(&src, -1), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_fd_sink_init(NULL, 1), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_fd_sink_init(&dst, -1), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_fd_source_init(&src, 0), 0);
	CHECK_RC(vmb_fd_sink_init(&dst, 1), 0);
	CHECK(src.base.read != NULL);
	CHECK(dst.base.write != NULL);
}

TEST(I2_fd_source_pipe_then_eof)
{
	int p[2];
	uint8_t in[6], out[16];
	struct vmb_fd_source src;

	CHECK_RC(pipe(p), 0);
	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	CHECK_EQ(write(p[1], in, sizeof(in)), sizeof(in));
	CHECK_RC(vmb_fd_source_init(&src, p[0]), 0);
	/* I2: one read(2) per call; a pipe gives what it holds. */
	memset(out, 0, sizeof(out));
	CHECK_EQ(src.base.read(&src.base, out, 4), 4);
	CHECK_MEM(out, in, 4);
	CHECK_EQ(src.base.read(&src.base, out, sizeof(out)), 2);
	CHECK_MEM(out, in + 4, 2);
	/* I1: with the write end closed and the pipe drained, 0 is end of data. */
	close(p[1]);
	CHECK_EQ(src.base.read(&src.base, out, sizeof(out)), 0);
	close(p[0]);
}

/* I1: end of data is 0 whatever errno held before: only a failed read(2)
 * sets errno, so a leftover value must not turn EOF into an error. */
TEST(I1_fd_source_eof_ignores_a_stale_errno)
{
	int p[2];
	uint8_t out[4];
	struct vmb_fd_source src;

	CHECK_RC(pipe(p), 0);
	close(p[1]);
	CHECK_RC(vmb_fd_source_init(&src, p[0]), 0);
	errno = EIO;
	CHECK_EQ(src.base.read(&src.base, out, sizeof(out)), 0);
	close(p[0]);
}

TEST(I2_fd_source_errno_is_negative)
{
	int p[2];
	uint8_t out[4];
	struct vmb_fd_source src;

	/* I1: an empty non-blocking pipe fails with EAGAIN, as -errno. */
	CHECK_RC(pipe2(p, O_NONBLOCK), 0);
	CHECK_RC(vmb_fd_source_init(&src, p[0]), 0);
	CHECK_EQ(src.base.read(&src.base, out, sizeof(out)), -EAGAIN);
	/* Reading the write end of a pipe is EBADF. */
	CHECK_RC(vmb_fd_source_init(&src, p[1]), 0);
	CHECK_EQ(src.base.read(&src.base, out, sizeof(out)), -EBADF);
	close(p[0]);
	close(p[1]);
}

TEST(I2_fd_sink_pipe_and_errno)
{
	int p[2];
	uint8_t in[5], out[8];
	struct vmb_fd_sink dst;

	CHECK_RC(pipe(p), 0);
	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	CHECK_RC(vmb_fd_sink_init(&dst, p[1]), 0);
	CHECK_EQ(dst.base.write(&dst.base, in, sizeof(in)), sizeof(in));
	CHECK_EQ(read(p[0], out, sizeof(out)), sizeof(in));
	CHECK_MEM(out, in, sizeof(in));
	/* Writing the read end of a pipe is EBADF. */
	CHECK_RC(vmb_fd_sink_init(&dst, p[0]), 0);
	CHECK_EQ(dst.base.write(&dst.base, in, sizeof(in)), -EBADF);
	close(p[0]);
	close(p[1]);
}

TEST(I2_fd_file_source_and_sink)
{
	uint8_t in[10], out[10];
	int fd = vmbt_temp_file(0);
	struct vmb_fd_sink dst;
	struct vmb_fd_source src;
	struct stat st;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	CHECK_RC(vmb_fd_sink_init(&dst, fd), 0);
	CHECK_EQ(dst.base.write(&dst.base, in, sizeof(in)), sizeof(in));
	CHECK_RC(fstat(fd, &st), 0);
	CHECK_EQ(st.st_size, sizeof(in));
	/* The fd's own file position is the cursor: rewind, then read. */
	CHECK_EQ(lseek(fd, 3, SEEK_SET), 3);
	CHECK_RC(vmb_fd_source_init(&src, fd), 0);
	memset(out, 0, sizeof(out));
	CHECK_EQ(src.base.read(&src.base, out, sizeof(out)), sizeof(in) - 3);
	CHECK_MEM(out, in + 3, sizeof(in) - 3);
	CHECK_EQ(src.base.read(&src.base, out, sizeof(out)), 0);
	close(fd);
}

TEST(I2_fd_source_dev_zero)
{
	uint8_t out[64];
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	struct vmb_fd_source src;

	if (fd < 0) {
		vmbt_skip("no /dev/zero");
		return;
	}
	memset(out, 0x5a, sizeof(out));
	CHECK_RC(vmb_fd_source_init(&src, fd), 0);
	CHECK_EQ(src.base.read(&src.base, out, sizeof(out)), sizeof(out));
	CHECK(all_bytes(out, sizeof(out), 0));
	close(fd);
}

TEST(I2_buf_init_rejects_bad_arguments)
{
	struct vmb_buf_source src;
	struct vmb_buf_sink dst;
	uint8_t b[1] = { 0 };

	CHECK_RC(vmb_buf_source_init(NULL, b, 1), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_buf_source_init(&src, NULL, 1), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_buf_sink_init(NULL, b, 1), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_buf_sink_init(&dst, NULL, 1), VMB_EINVALID_ARGUMENT);
	/* An empty buffer may be NULL. */
	CHECK_RC(vmb_buf_source_init(&src, NULL, 0), 0);
	CHECK_EQ(src.base.available(&src.base), 0);
	CHECK_EQ(src.base.read(&src.base, b, 1), 0);
	CHECK_RC(vmb_buf_sink_init(&dst, NULL, 0), 0);
	CHECK_EQ(dst.base.write(&dst.base, b, 1), 0);
}

TEST(I2_buf_source_cursor)
{
	uint8_t in[7], out[8];
	struct vmb_buf_source src;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	CHECK_RC(vmb_buf_source_init(&src, in, sizeof(in)), 0);
	CHECK(src.base.available != NULL);
	CHECK_EQ(src.base.available(&src.base), 7);
	/* A read consumes what it returns, and available() follows. */
	memset(out, 0, sizeof(out));
	CHECK_EQ(src.base.read(&src.base, out, 4), 4);
	CHECK_MEM(out, in, 4);
	CHECK_EQ(src.base.available(&src.base), 3);
	memset(out, 0, sizeof(out));
	CHECK_EQ(src.base.read(&src.base, out, sizeof(out)), 3);
	CHECK_MEM(out, in + 4, 3);
	CHECK_EQ(out[3], 0);
	CHECK_EQ(src.base.available(&src.base), 0);
	/* I1: past the end, 0 is end of data, every time. */
	CHECK_EQ(src.base.read(&src.base, out, sizeof(out)), 0);
	CHECK_EQ(src.base.read(&src.base, out, 1), 0);
	/* The source never copies from its caller's buffer. */
	uint8_t again[7];

	vmbt_fill_pattern(again, sizeof(again), 0x9f);
	CHECK_MEM(in, again, sizeof(in));
}

TEST(I2_buf_sink_appends_up_to_cap)
{
	uint8_t store[8], in[5];
	struct vmb_buf_sink dst;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	memset(store, 0xee, sizeof(store));
	CHECK_RC(vmb_buf_sink_init(&dst, store, 7), 0);
	CHECK_EQ(dst.base.write(&dst.base, in, 4), 4);
	CHECK_EQ(dst.len, 4);
	/* 3 of the next 5 fit. */
	CHECK_EQ(dst.base.write(&dst.base, in, 5), 3);
	CHECK_EQ(dst.len, 7);
	CHECK_MEM(store, in, 4);
	CHECK_MEM(store + 4, in, 3);
	/* Full: it accepts 0, and byte 7 (past cap) is untouched. */
	CHECK_EQ(dst.base.write(&dst.base, in, 5), 0);
	CHECK_EQ(dst.len, 7);
	CHECK_EQ(store[7], 0xee);
}

/* Every kind, once each, on a source over 20 pattern bytes. */
TEST(I2_fault_source_every_kind)
{
	static const struct vmb_fault plan[] = {
		{ VMB_FAULT_PASS, 0 },  { VMB_FAULT_SHORT, 3 }, { VMB_FAULT_EINTR, 0 },
		{ VMB_FAULT_EAGAIN, 0 }, { VMB_FAULT_EIO, 0 },  { VMB_FAULT_EOF, 0 },
		{ VMB_FAULT_SHORT, 50 },
	};
	uint8_t in[20], out[20];
	struct vmb_buf_source inner;
	struct vmb_fault_source f;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	CHECK_RC(vmb_buf_source_init(&inner, in, sizeof(in)), 0);
	CHECK_RC(vmb_fault_source_init(&f, &inner.base, plan, 7, false), 0);
	memset(out, 0, sizeof(out));
	/* PASS: forwarded unchanged. */
	CHECK_EQ(f.base.read(&f.base, out, 2), 2);
	CHECK_MEM(out, in, 2);
	/* SHORT 3: at most 3 of the 5 asked. */
	CHECK_EQ(f.base.read(&f.base, out + 2, 5), 3);
	CHECK_MEM(out, in, 5);
	/* EINTR, EAGAIN, EIO: fail and move nothing (the inner cursor stays). */
	CHECK_EQ(f.base.read(&f.base, out + 5, 5), -EINTR);
	CHECK_EQ(f.base.read(&f.base, out + 5, 5), -EAGAIN);
	CHECK_EQ(f.base.read(&f.base, out + 5, 5), -EIO);
	/* EOF: 0, moving nothing. */
	CHECK_EQ(f.base.read(&f.base, out + 5, 5), 0);
	CHECK_EQ(inner.pos, 5);
	CHECK(all_bytes(out + 5, sizeof(out) - 5, 0));
	/* SHORT larger than the request changes nothing. */
	CHECK_EQ(f.base.read(&f.base, out + 5, 4), 4);
	CHECK_MEM(out, in, 9);
	/* Past a one-shot plan: pass-through to the end of the inner data. */
	CHECK_EQ(f.base.read(&f.base, out + 9, 11), 11);
	CHECK_MEM(out, in, 20);
	CHECK_EQ(f.base.read(&f.base, out, 1), 0);
}

TEST(I2_fault_sink_every_kind)
{
	static const struct vmb_fault plan[] = {
		{ VMB_FAULT_PASS, 0 },  { VMB_FAULT_SHORT, 3 }, { VMB_FAULT_EINTR, 0 },
		{ VMB_FAULT_EAGAIN, 0 }, { VMB_FAULT_EIO, 0 },  { VMB_FAULT_EOF, 0 },
	};
	uint8_t in[20], store[20];
	struct vmb_buf_sink inner;
	struct vmb_fault_sink f;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	memset(store, 0, sizeof(store));
	CHECK_RC(vmb_buf_sink_init(&inner, store, sizeof(store)), 0);
	CHECK_RC(vmb_fault_sink_init(&f, &inner.base, plan, 6, false), 0);
	CHECK_EQ(f.base.write(&f.base, in, 2), 2);
	CHECK_EQ(f.base.write(&f.base, in + 2, 5), 3);
	CHECK_EQ(f.base.write(&f.base, in + 5, 5), -EINTR);
	CHECK_EQ(f.base.write(&f.base, in + 5, 5), -EAGAIN);
	CHECK_EQ(f.base.write(&f.base, in + 5, 5), -EIO);
	/* EOF on a sink: 0 bytes accepted. */
	CHECK_EQ(f.base.write(&f.base, in + 5, 5), 0);
	CHECK_EQ(inner.len, 5);
	CHECK_MEM(store, in, 5);
	CHECK(all_bytes(store + 5, sizeof(store) - 5, 0));
	/* Past the plan: pass-through. */
	CHECK_EQ(f.base.write(&f.base, in + 5, 15), 15);
	CHECK_MEM(store, in, 20);
}

TEST(I2_fault_cycle_repeats_plan)
{
	static const struct vmb_fault plan[] = {
		{ VMB_FAULT_SHORT, 1 },
		{ VMB_FAULT_EAGAIN, 0 },
	};
	uint8_t in[8], out[8];
	struct vmb_buf_source inner;
	struct vmb_fault_source f;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	CHECK_RC(vmb_buf_source_init(&inner, in, sizeof(in)), 0);
	CHECK_RC(vmb_fault_source_init(&f, &inner.base, plan, 2, true), 0);
	memset(out, 0, sizeof(out));
	/* SHORT 1, EAGAIN, SHORT 1, EAGAIN, ... for as long as we call. */
	for (size_t i = 0; i < 4; i++) {
		CHECK_EQ(f.base.read(&f.base, out + i, 8 - i), 1);
		CHECK_EQ(f.base.read(&f.base, out + i + 1, 8 - i - 1), -EAGAIN);
	}
	CHECK_MEM(out, in, 4);
	CHECK_EQ(inner.pos, 4);
}

TEST(I2_fault_sink_cycle_repeats_plan)
{
	static const struct vmb_fault plan[] = {
		{ VMB_FAULT_EINTR, 0 },
		{ VMB_FAULT_SHORT, 2 },
	};
	uint8_t in[8], store[8];
	struct vmb_buf_sink inner;
	struct vmb_fault_sink f;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	memset(store, 0, sizeof(store));
	CHECK_RC(vmb_buf_sink_init(&inner, store, sizeof(store)), 0);
	CHECK_RC(vmb_fault_sink_init(&f, &inner.base, plan, 2, true), 0);
	for (size_t i = 0; i < 8; i += 2) {
		CHECK_EQ(f.base.write(&f.base, in + i, 8 - i), -EINTR);
		CHECK_EQ(f.base.write(&f.base, in + i, 8 - i), 2);
	}
	CHECK_MEM(store, in, 8);
}

TEST(I2_fault_empty_plan_passes_through)
{
	uint8_t in[4], out[4];
	struct vmb_buf_source inner;
	struct vmb_fault_source f;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	CHECK_RC(vmb_buf_source_init(&inner, in, sizeof(in)), 0);
	/* A NULL plan of 0 steps, cycling or not, never injects anything. */
	CHECK_RC(vmb_fault_source_init(&f, &inner.base, NULL, 0, true), 0);
	CHECK_EQ(f.base.read(&f.base, out, 4), 4);
	CHECK_MEM(out, in, 4);
	CHECK_EQ(f.base.read(&f.base, out, 4), 0);
}

TEST(I2_fault_invalid_plans_rejected)
{
	static const struct vmb_fault zero_short[] = { { VMB_FAULT_PASS, 0 }, { VMB_FAULT_SHORT, 0 } };
	static const struct vmb_fault ok_plan[] = { { VMB_FAULT_EIO, 0 } };
	struct vmb_fault bad_kind[] = { { VMB_FAULT_PASS, 0 }, { VMB_FAULT_EOF, 0 } };
	uint8_t b[1] = { 0 };
	struct vmb_buf_source inner;
	struct vmb_buf_sink sinner;
	struct vmb_source no_read = { NULL, NULL };
	struct vmb_sink no_write = { NULL };
	struct vmb_fault_source f;
	struct vmb_fault_sink g;

	/* An unknown kind: one past the last. */
	bad_kind[1].kind = (enum vmb_fault_kind)(VMB_FAULT_EOF + 1);
	CHECK_RC(vmb_buf_source_init(&inner, b, 1), 0);
	CHECK_RC(vmb_buf_sink_init(&sinner, b, 1), 0);

	CHECK_RC(vmb_fault_source_init(NULL, &inner.base, ok_plan, 1, false), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_fault_source_init(&f, NULL, ok_plan, 1, false), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_fault_source_init(&f, &no_read, ok_plan, 1, false), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_fault_source_init(&f, &inner.base, NULL, 1, false), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_fault_source_init(&f, &inner.base, zero_short, 2, false), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_fault_source_init(&f, &inner.base, bad_kind, 2, true), VMB_EINVALID_ARGUMENT);

	CHECK_RC(vmb_fault_sink_init(NULL, &sinner.base, ok_plan, 1, false), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_fault_sink_init(&g, NULL, ok_plan, 1, false), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_fault_sink_init(&g, &no_write, ok_plan, 1, false), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_fault_sink_init(&g, &sinner.base, NULL, 1, false), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_fault_sink_init(&g, &sinner.base, zero_short, 2, false), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_fault_sink_init(&g, &sinner.base, bad_kind, 2, true), VMB_EINVALID_ARGUMENT);

	/* The bad step is found wherever it sits; the good plan is accepted. */
	CHECK_RC(vmb_fault_source_init(&f, &inner.base, ok_plan, 1, false), 0);
	CHECK_RC(vmb_fault_sink_init(&g, &sinner.base, ok_plan, 1, false), 0);
}

/* ---- S7: the one-shot forms through a slice --------------------------- */

/* Reference io.rs test_read_volatile: sources of 2, 4, 5 bytes into a
 * 4-byte slice of 5 bytes; the fifth byte is never written. */
TEST(S7_ref_test_read_volatile)
{
	static const size_t sizes[] = { 2, 4, 5 };

	for (size_t t = 0; t < 3; t++) {
		size_t n = sizes[t], want = n < 4 ? n : 4;
		uint8_t in[5], expect[5] = { 0 };
		struct mem m;
		struct vmb_buf_source bs;
		struct vmb_fd_source fs;
		struct vmb_error e;
		size_t done = 99;
		int fd;

		vmbt_fill_pattern(in, n, 0x9f);
		memcpy(expect, in, want);

		/* A memory buffer. */
		mem_init(&m, 4, 0);
		CHECK_RC(vmb_buf_source_init(&bs, in, n), 0);
		CHECK_RC(vmb_slice_read_volatile_from(m.s, 0, &bs.base, 4, &done, &e), 0);
		CHECK_EQ(done, want);
		CHECK_MEM(m.g.p, expect, 5);
		/* Exact: a 2-byte buffer cannot fill 4 and copies nothing (I3). */
		memset(m.g.p, 0, 5);
		CHECK_RC(vmb_buf_source_init(&bs, in, n), 0);
		if (n < 4) {
			CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 0, &bs.base, 4, &e), VMB_EIO);
			CHECK_ERR(e, "io kind=unexpected_eof");
			CHECK(all_bytes(m.g.p, 5, 0));
		} else {
			CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 0, &bs.base, 4, &e), 0);
			CHECK_MEM(m.g.p, expect, 5);
		}

		/* A file. */
		memset(m.g.p, 0, 5);
		fd = file_with(in, n);
		CHECK_RC(vmb_fd_source_init(&fs, fd), 0);
		CHECK_RC(vmb_slice_read_volatile_from(m.s, 0, &fs.base, 4, &done, &e), 0);
		CHECK_EQ(done, want);
		CHECK_MEM(m.g.p, expect, 5);
		/* Exact: a short file fails after copying what it had (I3). */
		memset(m.g.p, 0, 5);
		CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
		if (n < 4) {
			CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 0, &fs.base, 4, &e), VMB_EIO);
			CHECK_ERR(e, "io kind=unexpected_eof");
		} else {
			CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 0, &fs.base, 4, &e), 0);
		}
		CHECK_MEM(m.g.p, expect, 5);
		close(fd);
		mem_free(&m);
	}
}

/* Reference io.rs test_write_volatile: a 4-byte sink, and a file that gets
 * exactly the bytes of the slice. */
TEST(S7_ref_test_write_volatile)
{
	static const size_t sizes[] = { 2, 4, 5 };

	for (size_t t = 0; t < 3; t++) {
		size_t n = sizes[t], want = n < 4 ? n : 4;
		uint8_t store[5], expect[5] = { 0 }, back[8];
		struct mem m;
		struct vmb_buf_sink bs;
		struct vmb_fd_sink fs;
		struct vmb_error e;
		struct stat st;
		size_t done = 99;
		int fd;

		mem_init(&m, n, 0);
		vmbt_fill_pattern(m.g.p, n, 0x9f);
		memcpy(expect, m.g.p, want);

		memset(store, 0, sizeof(store));
		CHECK_RC(vmb_buf_sink_init(&bs, store, 4), 0);
		CHECK_RC(vmb_slice_write_volatile_to(m.s, 0, &bs.base, n, &done, &e), 0);
		CHECK_EQ(done, want);
		CHECK_MEM(store, expect, 5);

		/* write_all: 5 bytes into 4 is WriteZero after 4 bytes went. */
		memset(store, 0, sizeof(store));
		CHECK_RC(vmb_buf_sink_init(&bs, store, 4), 0);
		if (n > 4) {
			CHECK_RC(vmb_slice_write_all_volatile_to(m.s, 0, &bs.base, n, &e), VMB_EIO);
			CHECK_ERR(e, "io kind=write_zero");
		} else {
			CHECK_RC(vmb_slice_write_all_volatile_to(m.s, 0, &bs.base, n, &e), 0);
		}
		CHECK_MEM(store, expect, 5);

		/* A file gets the n bytes and nothing more, both ways. */
		for (int all = 0; all < 2; all++) {
			fd = vmbt_temp_file(0);
			CHECK_RC(vmb_fd_sink_init(&fs, fd), 0);
			if (all) {
				CHECK_RC(vmb_slice_write_all_volatile_to(m.s, 0, &fs.base, n, &e), 0);
			} else {
				CHECK_RC(vmb_slice_write_volatile_to(m.s, 0, &fs.base, n, &done, &e), 0);
				CHECK_EQ(done, n);
			}
			CHECK_RC(fstat(fd, &st), 0);
			CHECK_EQ(st.st_size, n);
			CHECK_EQ(pread(fd, back, sizeof(back), 0), n);
			CHECK_MEM(back, m.g.p, n);
			close(fd);
		}
		mem_free(&m);
	}
}

/* Reference io.rs test_read_volatile_for_cursor. */
TEST(S7_ref_read_volatile_for_cursor)
{
	const uint8_t in[7] = { 1, 2, 3, 4, 5, 6, 7 };
	struct mem m;
	struct vmb_buf_source src;
	struct vmb_error e;
	size_t done;

	mem_init(&m, 4, 0);
	CHECK_RC(vmb_buf_source_init(&src, in, sizeof(in)), 0);
	/* 4 bytes: limited by the slice. */
	CHECK_RC(vmb_slice_read_volatile_from(m.s, 0, &src.base, 4, &done, &e), 0);
	CHECK_EQ(done, 4);
	CHECK_MEM(m.g.p, ((const uint8_t[]){ 1, 2, 3, 4, 0 }), 5);
	/* 3 bytes: limited by what the cursor has left. */
	CHECK_RC(vmb_slice_read_volatile_from(m.s, 0, &src.base, 4, &done, &e), 0);
	CHECK_EQ(done, 3);
	CHECK_MEM(m.g.p, ((const uint8_t[]){ 5, 6, 7, 4, 0 }), 5);
	/* Rewind the cursor: an exact read of 4 works... */
	src.pos = 0;
	CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 0, &src.base, 4, &e), 0);
	CHECK_MEM(m.g.p, ((const uint8_t[]){ 1, 2, 3, 4, 0 }), 5);
	/* ...and then fails on the 3 left, leaving memory as it was (I3). */
	CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 0, &src.base, 4, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=unexpected_eof");
	CHECK_MEM(m.g.p, ((const uint8_t[]){ 1, 2, 3, 4, 0 }), 5);
	mem_free(&m);
}

/* Reference io.rs test_write_volatile_for_cursor and _for_vec. */
TEST(S7_ref_write_volatile_for_cursor_and_vec)
{
	uint8_t store[8], big[64];
	struct mem m;
	struct vmb_buf_sink dst;
	struct vmb_error e;
	size_t done;

	mem_init(&m, 4, 0);
	memcpy(m.g.p, ((const uint8_t[]){ 1, 2, 3, 4 }), 4);
	memset(store, 0, sizeof(store));
	CHECK_RC(vmb_buf_sink_init(&dst, store, 7), 0);
	CHECK_RC(vmb_slice_write_volatile_to(m.s, 0, &dst.base, 4, &done, &e), 0);
	CHECK_EQ(done, 4);
	CHECK_MEM(store, ((const uint8_t[]){ 1, 2, 3, 4, 0, 0, 0, 0 }), 8);
	CHECK_RC(vmb_slice_write_volatile_to(m.s, 0, &dst.base, 4, &done, &e), 0);
	CHECK_EQ(done, 3);
	CHECK_MEM(store, ((const uint8_t[]){ 1, 2, 3, 4, 1, 2, 3, 0 }), 8);

	/* A roomy sink behaves like a growing vector: it appends. */
	CHECK_RC(vmb_buf_sink_init(&dst, big, sizeof(big)), 0);
	CHECK_RC(vmb_slice_write_volatile_to(m.s, 0, &dst.base, 4, &done, &e), 0);
	CHECK_EQ(done, 4);
	CHECK_EQ(dst.len, 4);
	CHECK_MEM(big, m.g.p, 4);
	mem_free(&m);
}

/* Reference volatile_memory.rs test_read_from_exceeds_size: 32 asked from
 * a 20-byte source into a 32-byte slice gives 20. */
TEST(S7_ref_read_from_exceeds_size)
{
	uint8_t in[20];
	struct mem m;
	struct vmb_buf_source src;
	struct vmb_error e;
	size_t done;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	mem_init(&m, 32, 0);
	CHECK_RC(vmb_buf_source_init(&src, in, sizeof(in)), 0);
	CHECK_RC(vmb_slice_read_volatile_from(m.s, 0, &src.base, 32, &done, &e), 0);
	CHECK_EQ(done, 20);
	CHECK_MEM(m.g.p, in, 20);
	CHECK(all_bytes(m.g.p + 20, 13, 0));
	mem_free(&m);
}

TEST(S7_count_clamped_and_addr_checked)
{
	uint8_t in[16];
	struct mem m;
	struct vmb_buf_source bs;
	struct vmbt_spy_source cs;
	uint8_t store[16];
	struct vmb_buf_sink bk;
	struct vmbt_spy_sink ck;
	struct vmb_error e;
	size_t done;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	mem_init(&m, 8, 0x11);
	CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
	vmbt_spy_source_init_available(&cs, &bs.base);
	/* From 5, at most L - 5 = 3 of the 10 asked. */
	CHECK_RC(vmb_slice_read_volatile_from(m.s, 5, &cs.base, 10, &done, &e), 0);
	CHECK_EQ(done, 3);
	CHECK_MEM(m.g.p + 5, in, 3);
	CHECK(all_bytes(m.g.p, 5, 0x11));
	CHECK_EQ(m.g.p[8], 0x11);
	CHECK_EQ(cs.calls, 1);
	/* a == L: allowed, clamps to 0, and the source is not called with 0. */
	done = 99;
	CHECK_RC(vmb_slice_read_volatile_from(m.s, 8, &cs.base, 10, &done, &e), 0);
	CHECK_EQ(done, 0);
	CHECK_EQ(cs.zero_calls, 0);
	/* n == 0 likewise. */
	CHECK_RC(vmb_slice_read_volatile_from(m.s, 2, &cs.base, 0, &done, &e), 0);
	CHECK_EQ(done, 0);
	CHECK_EQ(cs.zero_calls, 0);
	/* a > L: OutOfBounds{a}, nothing read. */
	unsigned before = cs.calls;

	CHECK_RC(vmb_slice_read_volatile_from(m.s, 9, &cs.base, 1, &done, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x9");
	CHECK_EQ(done, 0);
	CHECK_RC(vmb_slice_read_volatile_from(m.s, SIZE_MAX, &cs.base, 1, &done, &e),
		 VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0xffffffffffffffff");
	CHECK_EQ(cs.calls, before);

	/* The sink side, the same way. */
	memset(store, 0, sizeof(store));
	CHECK_RC(vmb_buf_sink_init(&bk, store, sizeof(store)), 0);
	vmbt_spy_sink_init(&ck, &bk.base);
	CHECK_RC(vmb_slice_write_volatile_to(m.s, 6, &ck.base, 10, &done, &e), 0);
	CHECK_EQ(done, 2);
	CHECK_MEM(store, m.g.p + 6, 2);
	CHECK_RC(vmb_slice_write_volatile_to(m.s, 8, &ck.base, 10, &done, &e), 0);
	CHECK_EQ(done, 0);
	CHECK_RC(vmb_slice_write_volatile_to(m.s, 9, &ck.base, 0, &done, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x9");
	CHECK_EQ(ck.calls, 1);
	CHECK_EQ(ck.zero_calls, 0);
	CHECK_EQ(bk.len, 2);
	mem_free(&m);
}

TEST(S7_null_source_or_sink_rejected)
{
	struct mem m;
	struct vmb_error e;
	struct vmb_source no_read = { NULL, NULL };
	struct vmb_sink no_write = { NULL };
	size_t done = 99;

	mem_init(&m, 4, 0);
	CHECK_RC(vmb_slice_read_volatile_from(m.s, 0, NULL, 4, &done, &e), VMB_EINVALID_ARGUMENT);
	CHECK_EQ(done, 0);
	CHECK_RC(vmb_slice_read_volatile_from(m.s, 0, &no_read, 4, &done, &e),
		 VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_slice_write_volatile_to(m.s, 0, NULL, 4, &done, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_slice_write_volatile_to(m.s, 0, &no_write, 4, &done, &e),
		 VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 0, NULL, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_slice_write_all_volatile_to(m.s, 0, NULL, 4, &e), VMB_EINVALID_ARGUMENT);
	mem_free(&m);
}

TEST(S7_one_call_returns_short_count)
{
	static const struct vmb_fault plan[] = { { VMB_FAULT_SHORT, 3 } };
	uint8_t in[16], store[16];
	struct mem m;
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	struct vmbt_spy_source cs;
	struct vmb_buf_sink bk;
	struct vmb_fault_sink fk;
	struct vmbt_spy_sink ck;
	struct vmb_error e;
	size_t done;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	mem_init(&m, 10, 0);
	CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
	/* Cycle: every call is short, so only one call happened if we get 3. */
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, plan, 1, true), 0);
	vmbt_spy_source_init_available(&cs, &fs.base);
	CHECK_RC(vmb_slice_read_volatile_from(m.s, 0, &cs.base, 10, &done, &e), 0);
	CHECK_EQ(done, 3);
	CHECK_EQ(cs.calls, 1);
	CHECK_MEM(m.g.p, in, 3);
	CHECK(all_bytes(m.g.p + 3, 8, 0));

	memset(store, 0, sizeof(store));
	CHECK_RC(vmb_buf_sink_init(&bk, store, sizeof(store)), 0);
	CHECK_RC(vmb_fault_sink_init(&fk, &bk.base, plan, 1, true), 0);
	vmbt_spy_sink_init(&ck, &fk.base);
	CHECK_RC(vmb_slice_write_volatile_to(m.s, 0, &ck.base, 10, &done, &e), 0);
	CHECK_EQ(done, 3);
	CHECK_EQ(ck.calls, 1);
	CHECK_EQ(bk.len, 3);
	CHECK_MEM(store, in, 3);
	mem_free(&m);
}

TEST(S7_eintr_retried)
{
	static const struct vmb_fault plan[] = {
		{ VMB_FAULT_EINTR, 0 }, { VMB_FAULT_EINTR, 0 }, { VMB_FAULT_EINTR, 0 },
	};
	uint8_t in[8], store[8];
	struct mem m;
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	struct vmbt_spy_source cs;
	struct vmb_buf_sink bk;
	struct vmb_fault_sink fk;
	struct vmbt_spy_sink ck;
	struct vmb_error e;
	size_t done;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	mem_init(&m, 8, 0);
	CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, plan, 3, false), 0);
	vmbt_spy_source_init_available(&cs, &fs.base);
	/* Three interruptions, then the one real read. */
	CHECK_RC(vmb_slice_read_volatile_from(m.s, 0, &cs.base, 8, &done, &e), 0);
	CHECK_EQ(done, 8);
	CHECK_EQ(cs.calls, 4);
	CHECK_MEM(m.g.p, in, 8);

	memset(store, 0, sizeof(store));
	CHECK_RC(vmb_buf_sink_init(&bk, store, sizeof(store)), 0);
	CHECK_RC(vmb_fault_sink_init(&fk, &bk.base, plan, 3, false), 0);
	vmbt_spy_sink_init(&ck, &fk.base);
	CHECK_RC(vmb_slice_write_volatile_to(m.s, 0, &ck.base, 8, &done, &e), 0);
	CHECK_EQ(done, 8);
	CHECK_EQ(ck.calls, 4);
	CHECK_MEM(store, in, 8);
	mem_free(&m);
}

/* EAGAIN and EIO are not retried: they surface as IO{errno}, count 0. */
TEST(S7_errors_surface_as_io_errno)
{
	static const struct {
		enum vmb_fault_kind kind;
		const char *text;
	} cases[] = {
		{ VMB_FAULT_EAGAIN, "io errno=EAGAIN" },
		{ VMB_FAULT_EIO, "io errno=EIO" },
	};

	for (size_t t = 0; t < 2; t++) {
		const struct vmb_fault plan[] = { { cases[t].kind, 0 } };
		uint8_t in[4], store[4];
		struct mem m;
		struct vmb_buf_source bs;
		struct vmb_fault_source fs;
		struct vmbt_spy_source cs;
		struct vmb_buf_sink bk;
		struct vmb_fault_sink fk;
		struct vmbt_spy_sink ck;
		struct vmb_error e;
		size_t done = 99;

		vmbt_fill_pattern(in, sizeof(in), 0x9f);
		mem_init(&m, 4, 0x33);
		CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
		CHECK_RC(vmb_fault_source_init(&fs, &bs.base, plan, 1, false), 0);
		vmbt_spy_source_init_available(&cs, &fs.base);
		CHECK_RC(vmb_slice_read_volatile_from(m.s, 0, &cs.base, 4, &done, &e), VMB_EIO);
		CHECK_ERR(e, cases[t].text);
		CHECK_EQ(done, 0);
		CHECK_EQ(cs.calls, 1);
		CHECK(all_bytes(m.g.p, 5, 0x33));

		memset(store, 0, sizeof(store));
		CHECK_RC(vmb_buf_sink_init(&bk, store, sizeof(store)), 0);
		CHECK_RC(vmb_fault_sink_init(&fk, &bk.base, plan, 1, false), 0);
		vmbt_spy_sink_init(&ck, &fk.base);
		done = 99;
		CHECK_RC(vmb_slice_write_volatile_to(m.s, 0, &ck.base, 4, &done, &e), VMB_EIO);
		CHECK_ERR(e, cases[t].text);
		CHECK_EQ(done, 0);
		CHECK_EQ(ck.calls, 1);
		CHECK_EQ(bk.len, 0);
		mem_free(&m);
	}
}

TEST(S7_fd_errno_surfaces)
{
	int p[2];
	struct mem m;
	struct vmb_fd_source src;
	struct vmb_fd_sink dst;
	struct vmb_error e;
	size_t done;

	mem_init(&m, 4, 0);
	CHECK_RC(pipe2(p, O_NONBLOCK), 0);
	CHECK_RC(vmb_fd_source_init(&src, p[0]), 0);
	CHECK_RC(vmb_slice_read_volatile_from(m.s, 0, &src.base, 4, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EAGAIN");
	/* The exact form does not retry EAGAIN either. */
	CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 0, &src.base, 4, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EAGAIN");
	CHECK_RC(vmb_fd_sink_init(&dst, p[0]), 0);
	CHECK_RC(vmb_slice_write_volatile_to(m.s, 0, &dst.base, 4, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EBADF");
	close(p[0]);
	close(p[1]);
	mem_free(&m);
}

/* I1: an end-of-data source is not an error for the one-shot form. */
TEST(S7_eof_is_ok_zero)
{
	static const struct vmb_fault plan[] = { { VMB_FAULT_EOF, 0 } };
	uint8_t in[4], store[4];
	struct mem m;
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	struct vmb_buf_sink bk;
	struct vmb_fault_sink fk;
	struct vmb_error e;
	size_t done = 99;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	mem_init(&m, 4, 0);
	CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, plan, 1, false), 0);
	CHECK_RC(vmb_slice_read_volatile_from(m.s, 0, &fs.base, 4, &done, &e), 0);
	CHECK_EQ(done, 0);
	CHECK(all_bytes(m.g.p, 5, 0));
	/* An exhausted buffer, likewise. */
	CHECK_RC(vmb_buf_source_init(&bs, in, 0), 0);
	done = 99;
	CHECK_RC(vmb_slice_read_volatile_from(m.s, 0, &bs.base, 4, &done, &e), 0);
	CHECK_EQ(done, 0);

	/* A sink that accepts 0: also ok 0 for the one-shot form. */
	CHECK_RC(vmb_buf_sink_init(&bk, store, sizeof(store)), 0);
	CHECK_RC(vmb_fault_sink_init(&fk, &bk.base, plan, 1, false), 0);
	done = 99;
	CHECK_RC(vmb_slice_write_volatile_to(m.s, 0, &fk.base, 4, &done, &e), 0);
	CHECK_EQ(done, 0);
	mem_free(&m);
}

TEST(I1_source_overclaim_rejected)
{
	struct mem m;
	struct vmb_source liar = { lying_read, NULL };
	struct vmb_error e;
	size_t done = 99;

	mem_init(&m, 4, 0x44);
	/* A source may never claim more than it was asked for. */
	CHECK(vmb_slice_read_volatile_from(m.s, 0, &liar, 4, &done, &e) != 0);
	CHECK_EQ(done, 0);
	CHECK_EQ(m.g.p[4], 0x44);
	mem_free(&m);
}

/* S11: the one-shot read marks exactly the bytes it moved. */
TEST(S11_read_from_marks_bytes_moved)
{
	static const struct vmb_fault plan[] = { { VMB_FAULT_SHORT, 3 } };
	uint8_t in[32];
	struct mem m;
	struct vmb_bitmap *bm = NULL;
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	struct vmb_error e;
	size_t done;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	mem_init(&m, 16, 0);
	CHECK_RC(vmb_bitmap_new(16, 1, &bm), 0);
	CHECK_RC(vmb_slice_set_bitmap(&m.s, bm, 0), 0);
	CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, plan, 1, false), 0);
	CHECK_RC(vmb_slice_read_volatile_from(m.s, 4, &fs.base, 8, &done, &e), 0);
	CHECK_EQ(done, 3);
	for (size_t i = 0; i < 16; i++)
		CHECK_EQ(vmb_bitmap_is_page_dirty(bm, i), i >= 4 && i < 7);
	/* A failed read marks nothing. */
	static const struct vmb_fault eio[] = { { VMB_FAULT_EIO, 0 } };

	vmb_bitmap_reset(bm);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, eio, 1, false), 0);
	CHECK_RC(vmb_slice_read_volatile_from(m.s, 0, &fs.base, 8, &done, &e), VMB_EIO);
	for (size_t i = 0; i < 16; i++)
		CHECK(!vmb_bitmap_is_page_dirty(bm, i));
	/* Writing to a sink only reads guest memory: no marks. */
	uint8_t store[16];
	struct vmb_buf_sink bk;

	CHECK_RC(vmb_buf_sink_init(&bk, store, sizeof(store)), 0);
	CHECK_RC(vmb_slice_write_all_volatile_to(m.s, 0, &bk.base, 16, &e), 0);
	for (size_t i = 0; i < 16; i++)
		CHECK(!vmb_bitmap_is_page_dirty(bm, i));
	vmb_bitmap_free(bm);
	mem_free(&m);
}

/* ---- S8: the exact forms through a slice ------------------------------ */

TEST(S8_read_exact_loops_over_short_reads)
{
	static const struct vmb_fault plan[] = { { VMB_FAULT_SHORT, 3 }, { VMB_FAULT_EINTR, 0 } };
	uint8_t in[10];
	struct mem m;
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	struct vmbt_spy_source cs;
	struct vmb_error e;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	mem_init(&m, 10, 0);
	CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, plan, 2, true), 0);
	vmbt_spy_source_init_available(&cs, &fs.base);
	/* 3 + 3 + 3 + 1, with an EINTR between each: 7 calls. */
	CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 0, &cs.base, 10, &e), 0);
	CHECK_MEM(m.g.p, in, 10);
	CHECK_EQ(m.g.p[10], 0);
	CHECK_EQ(cs.calls, 7);
	CHECK_EQ(cs.zero_calls, 0);
	mem_free(&m);
}

TEST(S8_write_all_loops_over_short_writes)
{
	static const struct vmb_fault plan[] = { { VMB_FAULT_EINTR, 0 }, { VMB_FAULT_SHORT, 4 } };
	uint8_t store[16];
	struct mem m;
	struct vmb_buf_sink bk;
	struct vmb_fault_sink fk;
	struct vmbt_spy_sink ck;
	struct vmb_error e;

	mem_init(&m, 10, 0);
	vmbt_fill_pattern(m.g.p, 10, 0x9f);
	memset(store, 0, sizeof(store));
	CHECK_RC(vmb_buf_sink_init(&bk, store, sizeof(store)), 0);
	CHECK_RC(vmb_fault_sink_init(&fk, &bk.base, plan, 2, true), 0);
	vmbt_spy_sink_init(&ck, &fk.base);
	/* 4 + 4 + 2 from offset 0, each after an EINTR: 6 calls. */
	CHECK_RC(vmb_slice_write_all_volatile_to(m.s, 0, &ck.base, 10, &e), 0);
	CHECK_EQ(bk.len, 10);
	CHECK_MEM(store, m.g.p, 10);
	CHECK_EQ(ck.calls, 6);
	CHECK_EQ(ck.zero_calls, 0);
	mem_free(&m);
}

/* S8: a source that ends first: UnexpectedEof, and the bytes moved stay. */
TEST(S8_read_exact_eof_keeps_moved_bytes)
{
	static const struct vmb_fault plan[] = {
		{ VMB_FAULT_SHORT, 3 }, { VMB_FAULT_SHORT, 2 }, { VMB_FAULT_EOF, 0 },
	};
	uint8_t in[16];
	struct mem m;
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	struct vmb_error e;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	mem_init(&m, 10, 0x55);
	CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, plan, 3, false), 0);
	CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 1, &fs.base, 8, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=unexpected_eof");
	CHECK_EQ(m.g.p[0], 0x55);
	CHECK_MEM(m.g.p + 1, in, 5);
	CHECK(all_bytes(m.g.p + 6, 5, 0x55));
	mem_free(&m);
}

/* S8: EAGAIN and EIO end the loop with IO{errno}; the bytes moved stay. */
TEST(S8_exact_errors_keep_moved_bytes)
{
	static const enum vmb_fault_kind kinds[] = { VMB_FAULT_EAGAIN, VMB_FAULT_EIO };
	static const char *const texts[] = { "io errno=EAGAIN", "io errno=EIO" };

	for (size_t t = 0; t < 2; t++) {
		const struct vmb_fault plan[] = { { VMB_FAULT_SHORT, 3 }, { kinds[t], 0 } };
		uint8_t in[16], store[16];
		struct mem m;
		struct vmb_buf_source bs;
		struct vmb_fault_source fs;
		struct vmb_buf_sink bk;
		struct vmb_fault_sink fk;
		struct vmb_error e;

		vmbt_fill_pattern(in, sizeof(in), 0x9f);
		mem_init(&m, 8, 0x66);
		CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
		CHECK_RC(vmb_fault_source_init(&fs, &bs.base, plan, 2, false), 0);
		CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 0, &fs.base, 8, &e), VMB_EIO);
		CHECK_ERR(e, texts[t]);
		CHECK_MEM(m.g.p, in, 3);
		CHECK(all_bytes(m.g.p + 3, 6, 0x66));

		vmbt_fill_pattern(m.g.p, 8, 0x9f);
		memset(store, 0, sizeof(store));
		CHECK_RC(vmb_buf_sink_init(&bk, store, sizeof(store)), 0);
		CHECK_RC(vmb_fault_sink_init(&fk, &bk.base, plan, 2, false), 0);
		CHECK_RC(vmb_slice_write_all_volatile_to(m.s, 0, &fk.base, 8, &e), VMB_EIO);
		CHECK_ERR(e, texts[t]);
		CHECK_EQ(bk.len, 3);
		CHECK_MEM(store, m.g.p, 3);
		mem_free(&m);
	}
}

/* S8: a sink that accepts 0 mid-way gives WriteZero after the bytes that went. */
TEST(S8_write_all_write_zero)
{
	static const struct vmb_fault plan[] = { { VMB_FAULT_SHORT, 2 }, { VMB_FAULT_EOF, 0 } };
	uint8_t store[16];
	struct mem m;
	struct vmb_buf_sink bk;
	struct vmb_fault_sink fk;
	struct vmb_error e;

	mem_init(&m, 8, 0);
	vmbt_fill_pattern(m.g.p, 8, 0x9f);
	CHECK_RC(vmb_buf_sink_init(&bk, store, sizeof(store)), 0);
	CHECK_RC(vmb_fault_sink_init(&fk, &bk.base, plan, 2, false), 0);
	CHECK_RC(vmb_slice_write_all_volatile_to(m.s, 2, &fk.base, 6, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=write_zero");
	CHECK_EQ(bk.len, 2);
	CHECK_MEM(store, m.g.p + 2, 2);
	/* A full buffer sink, from the start. */
	CHECK_RC(vmb_buf_sink_init(&bk, store, 0), 0);
	CHECK_RC(vmb_slice_write_all_volatile_to(m.s, 0, &bk.base, 1, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=write_zero");
	mem_free(&m);
}

/* S8: the range is get_slice(a, n): S5's errors, before anything moves. */
TEST(S8_exact_range_errors_first)
{
	static const struct {
		size_t a, n;
		int want;
		const char *text;
	} cases[] = {
		{ 8, 1, VMB_EOUT_OF_BOUNDS, "out_of_bounds addr=0x9" },
		{ 0, 9, VMB_EOUT_OF_BOUNDS, "out_of_bounds addr=0x9" },
		{ 7, 2, VMB_EOUT_OF_BOUNDS, "out_of_bounds addr=0x9" },
		{ 9, 0, VMB_EOUT_OF_BOUNDS, "out_of_bounds addr=0x9" },
		{ 9, 1, VMB_EOUT_OF_BOUNDS, "out_of_bounds addr=0xa" },
		{ SIZE_MAX, 2, VMB_EOVERFLOW, "overflow base=0xffffffffffffffff offset=0x2" },
		{ 2, SIZE_MAX, VMB_EOVERFLOW, "overflow base=0x2 offset=0xffffffffffffffff" },
	};
	uint8_t in[32], store[32];
	struct mem m;
	struct vmb_buf_source bs;
	struct vmbt_spy_source cs;
	struct vmb_buf_sink bk;
	struct vmbt_spy_sink ck;
	struct vmb_error e;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	mem_init(&m, 8, 0x77);
	CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
	vmbt_spy_source_init_available(&cs, &bs.base);
	CHECK_RC(vmb_buf_sink_init(&bk, store, sizeof(store)), 0);
	vmbt_spy_sink_init(&ck, &bk.base);
	for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
		int want = cases[t].want;

		CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, cases[t].a, &cs.base, cases[t].n, &e),
			 want);
		CHECK_ERR(e, cases[t].text);
		CHECK_RC(vmb_slice_write_all_volatile_to(m.s, cases[t].a, &ck.base, cases[t].n, &e),
			 want);
		CHECK_ERR(e, cases[t].text);
	}
	CHECK_EQ(cs.calls, 0);
	CHECK_EQ(ck.calls, 0);
	CHECK(all_bytes(m.g.p, 9, 0x77));
	/* The edges that are valid: get_slice(L, 0) and a full range. */
	CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 8, &cs.base, 0, &e), 0);
	CHECK_RC(vmb_slice_write_all_volatile_to(m.s, 8, &ck.base, 0, &e), 0);
	CHECK_EQ(cs.calls, 0);
	CHECK_EQ(ck.calls, 0);
	CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 0, &cs.base, 8, &e), 0);
	CHECK_MEM(m.g.p, in, 8);
	CHECK_EQ(m.g.p[8], 0x77);
	mem_free(&m);
}

/* I3: a buffer source that holds too little fails without copying or
 * consuming; an fd source copies what it got, then fails. */
TEST(I3_exact_short_buffer_vs_fd)
{
	uint8_t in[6];
	struct mem m;
	struct vmb_buf_source bs;
	struct vmbt_spy_source cs;
	struct vmb_fd_source fs;
	struct vmb_error e;
	int p[2];

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	mem_init(&m, 8, 0x12);
	CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
	vmbt_spy_source_init_available(&cs, &bs.base);
	CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 0, &cs.base, 8, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=unexpected_eof");
	CHECK(all_bytes(m.g.p, 9, 0x12));
	CHECK_EQ(cs.calls, 0);
	CHECK_EQ(bs.base.available(&bs.base), 6);

	/* The same 6 bytes through a pipe: they land, then end of data. */
	CHECK_RC(pipe(p), 0);
	CHECK_EQ(write(p[1], in, sizeof(in)), sizeof(in));
	close(p[1]);
	CHECK_RC(vmb_fd_source_init(&fs, p[0]), 0);
	CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 0, &fs.base, 8, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=unexpected_eof");
	CHECK_MEM(m.g.p, in, 6);
	CHECK(all_bytes(m.g.p + 6, 3, 0x12));
	close(p[0]);
	mem_free(&m);
}

/* A fault injector wrapping a buffer knows nothing for certain (a plan may
 * end the data early), so the exact read copies and then fails. */
TEST(I3_fault_wrapped_buffer_copies_then_fails)
{
	static const struct vmb_fault plan[] = { { VMB_FAULT_SHORT, 4 }, { VMB_FAULT_EOF, 0 } };
	uint8_t in[16];
	struct mem m;
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	struct vmb_error e;

	vmbt_fill_pattern(in, sizeof(in), 0x9f);
	mem_init(&m, 8, 0);
	CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, plan, 2, false), 0);
	CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 0, &fs.base, 8, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=unexpected_eof");
	CHECK_MEM(m.g.p, in, 4);
	CHECK(all_bytes(m.g.p + 4, 5, 0));
	mem_free(&m);
}

/* Reference volatile_memory.rs mem_read_and_write and mmap
 * read_to_and_write_from_mem: /dev/zero fills exactly; an empty file is
 * UnexpectedEof; write_all to a buffer gets every byte. */
TEST(S8_ref_dev_zero_and_empty_file)
{
	uint8_t store[32];
	struct mem m;
	struct vmb_fd_source fs;
	struct vmb_buf_sink bk;
	struct vmb_error e;
	int zero = open("/dev/zero", O_RDONLY | O_CLOEXEC), empty;

	if (zero < 0) {
		vmbt_skip("no /dev/zero");
		return;
	}
	mem_init(&m, 32, 0xff);
	CHECK_RC(vmb_fd_source_init(&fs, zero), 0);
	CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 4, &fs.base, 24, &e), 0);
	CHECK(all_bytes(m.g.p, 4, 0xff));
	CHECK(all_bytes(m.g.p + 4, 24, 0));
	CHECK(all_bytes(m.g.p + 28, 5, 0xff));

	memset(store, 0x99, sizeof(store));
	CHECK_RC(vmb_buf_sink_init(&bk, store, sizeof(store)), 0);
	CHECK_RC(vmb_slice_write_all_volatile_to(m.s, 0, &bk.base, 32, &e), 0);
	CHECK_MEM(store, m.g.p, 32);

	empty = vmbt_temp_file(0);
	CHECK_RC(vmb_fd_source_init(&fs, empty), 0);
	CHECK_RC(vmb_slice_read_exact_volatile_from(m.s, 0, &fs.base, 4, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=unexpected_eof");
	close(empty);
	close(zero);
	mem_free(&m);
}

/* Reference bytes.rs test_byte_valued_io: an 8-byte object read exactly
 * from a 7-byte source is UnexpectedEof; from 8 bytes it fills both fields;
 * written whole to a growing sink it round-trips; into a 7-byte sink it is
 * WriteZero. */
TEST(S8_ref_test_byte_valued_io)
{
	struct obj {
		uint32_t a, b;
	} s;
	const uint8_t bytes[8] = { 0, 0, 0, 0, 1, 1, 1, 1 };
	uint8_t out[16], small[7];
	struct vmb_slice sl;
	struct vmb_buf_source src;
	struct vmb_buf_sink dst;
	struct vmb_error e;

	memset(&s, 0xab, sizeof(s));
	CHECK_RC(vmb_slice_init(&sl, &s, sizeof(s)), 0);
	CHECK_RC(vmb_buf_source_init(&src, bytes + 1, 7), 0);
	CHECK_RC(vmb_slice_read_exact_volatile_from(sl, 0, &src.base, sizeof(s), &e), VMB_EIO);
	CHECK_ERR(e, "io kind=unexpected_eof");

	CHECK_RC(vmb_buf_source_init(&src, bytes, 8), 0);
	CHECK_RC(vmb_slice_read_exact_volatile_from(sl, 0, &src.base, sizeof(s), &e), 0);
	CHECK_EQ(s.a, 0);
	CHECK_EQ(s.b, 0x01010101);

	CHECK_RC(vmb_buf_sink_init(&dst, out, sizeof(out)), 0);
	CHECK_RC(vmb_slice_write_all_volatile_to(sl, 0, &dst.base, sizeof(s), &e), 0);
	CHECK_EQ(dst.len, 8);
	CHECK_MEM(out, bytes, 8);

	CHECK_RC(vmb_buf_sink_init(&dst, small, sizeof(small)), 0);
	CHECK_RC(vmb_slice_write_all_volatile_to(sl, 0, &dst.base, sizeof(s), &e), VMB_EIO);
	CHECK_ERR(e, "io kind=write_zero");
	CHECK_MEM(small, bytes, 7);
}

/* I4: the growable sink takes what it is given, growing, up to its max. */
TEST(I4_vec_sink_grows_up_to_max)
{
	struct vmb_vec_sink s;
	uint8_t chunk[1000];
	size_t total = 0;

	CHECK_RC(vmb_vec_sink_init(NULL, 10), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_vec_sink_init(&s, 5000), 0);
	CHECK(s.data == NULL && s.len == 0);
	for (int round = 0; round < 6; round++) {
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = (uint8_t)(round * 31 + i);
		ssize_t k = s.base.write(&s.base, chunk, sizeof(chunk));

		CHECK_EQ(k, round < 5 ? 1000 : 0);
		if (k > 0) {
			CHECK_MEM(s.data + total, chunk, (size_t)k);
			total += (size_t)k;
		}
	}
	CHECK_EQ(s.len, 5000);
	CHECK(s.cap >= s.len && s.cap <= 5000);
	/* The first rounds are still there after the buffer moved. */
	CHECK_EQ(s.data[0], 0);
	CHECK_EQ(s.data[1999], (uint8_t)(31 + 999));
	vmb_vec_sink_free(&s);
	CHECK(s.data == NULL && s.len == 0);
	vmb_vec_sink_free(NULL);
}

/* I4 through guest memory: write_all_volatile_to drains a walk into it;
 * a full one is WriteZero (S8), keeping what it took. */
TEST(I4_vec_sink_under_write_all)
{
	struct vmb_region_config cfg = { .start = 0, .len = 0x3000, .kind = VMB_REGION_ANON, .fd = -1 };
	struct vmb_region *r = NULL;
	struct vmb_guest *g = NULL;
	struct vmb_vec_sink s;
	uint8_t pat[0x3000];
	struct vmb_error e;

	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 13);
	CHECK_RC(vmb_region_new(&cfg, &r, NULL), 0);
	CHECK_RC(vmb_guest_new(&r, 1, &g, NULL), 0);
	CHECK_RC(vmb_guest_write_slice(g, 0, pat, sizeof(pat), NULL), 0);
	CHECK_RC(vmb_vec_sink_init(&s, SIZE_MAX), 0);
	CHECK_RC(vmb_bytes_write_all_volatile_to(vmb_guest_bytes(g), 0x10, &s.base, 0x2ff0, &e), 0);
	CHECK_EQ(s.len, 0x2ff0);
	CHECK_MEM(s.data, pat + 0x10, 0x2ff0);
	vmb_vec_sink_free(&s);
	CHECK_RC(vmb_vec_sink_init(&s, 0x100), 0);
	CHECK_RC(vmb_bytes_write_all_volatile_to(vmb_slice_bytes(&(struct vmb_slice){ pat, sizeof(pat), NULL, 0 }),
						 0, &s.base, 0x200, &e),
		 VMB_EIO);
	CHECK_ERR(e, "io kind=write_zero");
	CHECK_EQ(s.len, 0x100);
	CHECK_MEM(s.data, pat, 0x100);
	vmb_vec_sink_free(&s);
	vmb_guest_free(g);
}

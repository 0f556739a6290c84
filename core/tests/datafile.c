/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Data file container (datafile.h, D1): the slice rules S1-S9 hold with
 * pread/pwrite doing the copies. Every effect is checked on the file
 * itself with pread, never only through the container.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct df {
	int fd; /* ours, for checking with pread */
	struct vmb_datafile *f;
	struct vmb_bytes b;
};

/* A data file of @len bytes over a fresh file of @file_len bytes. */
static bool df_open(struct df *d, uint64_t len, size_t file_len)
{
	d->fd = vmbt_disk_file(file_len);
	d->f = NULL;
	CHECK_RC(vmb_datafile_new(d->fd, len, &d->f, NULL), 0);
	d->b = vmb_datafile_bytes(d->f);
	return d->f != NULL;
}

static void df_close(struct df *d)
{
	vmb_datafile_free(d->f);
	close(d->fd);
}

static off_t file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_size : -1;
}

/* Checks that file bytes [off, off + n) equal @want. */
static void expect_file(int fd, uint64_t off, const void *want, size_t n, int line)
{
	uint8_t *got = malloc(n ? n : 1);

	if (got == NULL)
		abort();
	if (pread(fd, got, n, (off_t)off) != (ssize_t)n || memcmp(got, want, n) != 0)
		vmbt_fail(__FILE__, line, "file bytes at 0x%" PRIx64 " (+%zu) differ", off, n);
	free(got);
}
#define EXPECT_FILE(fd, off, want, n) expect_file((fd), (off), (want), (n), __LINE__)

static void expect_file_zero(int fd, uint64_t off, size_t n, int line)
{
	uint8_t *z = calloc(1, n ? n : 1);

	if (z == NULL)
		abort();
	expect_file(fd, off, z, n, line);
	free(z);
}
#define EXPECT_FILE_ZERO(fd, off, n) expect_file_zero((fd), (off), (n), __LINE__)

/* D1: creation errors, the length, and the container's own descriptor. */
TEST(D1_new_errors_and_len)
{
	struct vmb_datafile *f = (struct vmb_datafile *)(uintptr_t)0x5a5a5a50;
	struct vmb_datafile *const sentinel = f;
	struct vmb_error e;
	int fd = vmbt_disk_file(0x100);

	CHECK_RC(vmb_datafile_new(-1, 0x100, &f, &e), VMB_EINVALID_ARGUMENT);
	CHECK_ERR(e, "invalid_argument");
	CHECK_RC(vmb_datafile_new(fd, 0x100, NULL, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_datafile_new(fd, (uint64_t)INT64_MAX + 1, &f, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_datafile_new(fd, UINT64_MAX, &f, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_datafile_new(1000, 0x100, &f, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EBADF");
	CHECK(f == sentinel);

	CHECK_RC(vmb_datafile_new(fd, 0x100, &f, &e), 0);
	CHECK_EQ(vmb_datafile_len(f), 0x100);
	CHECK_EQ(vmb_datafile_len(NULL), 0);

	/* The container keeps its own dup: closing ours changes nothing. */
	int again = dup(fd);

	close(fd);
	uint32_t v = 0xfeedf00d;

	CHECK_RC(vmb_bytes_write_obj(vmb_datafile_bytes(f), 0x10, &v, 4, NULL), 0);
	EXPECT_FILE(again, 0x10, &v, 4);
	vmb_datafile_free(f);
	vmb_datafile_free(NULL);
	close(again);

	/* A NULL data file gives an empty interface: InvalidArgument, no crash. */
	struct vmb_bytes none = vmb_datafile_bytes(NULL);
	size_t done = 9;

	CHECK_RC(vmb_bytes_write(none, 0, &v, 4, &done, &e), VMB_EINVALID_ARGUMENT);
	CHECK_EQ(done, 0);

	/* L may be larger than the file, and 0. */
	fd = vmbt_disk_file(0);
	CHECK_RC(vmb_datafile_new(fd, 0, &f, NULL), 0);
	vmb_datafile_free(f);
	CHECK_RC(vmb_datafile_new(fd, (uint64_t)INT64_MAX, &f, NULL), 0);
	vmb_datafile_free(f);
	close(fd);
}

/* S1 by D1: an empty buffer is ok 0 anywhere, even when L == 0. */
TEST(D1_S1_zero_length)
{
	static const uint64_t lens[] = { 0, 0x100 };

	for (size_t l = 0; l < NELEM(lens); l++) {
		struct df d;
		uint64_t L = lens[l];
		const uint64_t addrs[] = { 0, L, L + 1, UINT64_MAX };
		uint8_t buf[1] = { 0x77 };

		if (!df_open(&d, L, (size_t)L))
			continue;
		for (size_t i = 0; i < NELEM(addrs); i++) {
			size_t done = 99;

			CHECK_RC(vmb_bytes_write(d.b, addrs[i], buf, 0, &done, NULL), 0);
			CHECK_EQ(done, 0);
			done = 99;
			CHECK_RC(vmb_bytes_read(d.b, addrs[i], buf, 0, &done, NULL), 0);
			CHECK_EQ(done, 0);
			CHECK_RC(vmb_bytes_write_slice(d.b, addrs[i], buf, 0, NULL), 0);
			CHECK_RC(vmb_bytes_read_obj(d.b, addrs[i], buf, 0, NULL), 0);
		}
		CHECK_EQ(buf[0], 0x77);
		CHECK_EQ(file_size(d.fd), (off_t)L);
		EXPECT_FILE_ZERO(d.fd, 0, (size_t)L);
		df_close(&d);
	}
}

/* S2 by D1: a >= L is OutOfBounds{a}; nothing reaches the file. */
TEST(D1_S2_out_of_bounds)
{
	struct df d;
	struct vmb_error e;
	uint8_t buf[4] = { 1, 2, 3, 4 };
	size_t done;

	if (!df_open(&d, 0x100, 0x100))
		return;
	done = 9;
	CHECK_RC(vmb_bytes_write(d.b, 0x100, buf, 1, &done, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x100");
	CHECK_EQ(done, 0);
	CHECK_RC(vmb_bytes_write(d.b, 0x101, buf, 4, &done, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x101");
	CHECK_RC(vmb_bytes_write(d.b, UINT64_MAX, buf, 4, &done, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0xffffffffffffffff");
	CHECK_RC(vmb_bytes_read(d.b, 0x100, buf, 1, &done, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x100");
	CHECK_RC(vmb_bytes_read_slice(d.b, 0x200, buf, 4, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x200");
	CHECK_EQ(file_size(d.fd), 0x100);
	EXPECT_FILE_ZERO(d.fd, 0, 0x100);
	CHECK_EQ(buf[0], 1);
	df_close(&d);

	/* L == 0: every non-empty access is out of bounds at its address. */
	if (!df_open(&d, 0, 0x10))
		return;
	CHECK_RC(vmb_bytes_write(d.b, 0, buf, 1, &done, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x0");
	EXPECT_FILE_ZERO(d.fd, 0, 0x10);
	df_close(&d);
}

/* S3 by D1, test_write_past_end: a copy is clamped to L - a; the file does
 * not grow past L. */
TEST(D1_S3_short_copy)
{
	struct df d;
	uint8_t buf[6] = { 1, 2, 3, 4, 5, 6 }, got[6];
	size_t done = 0;

	if (!df_open(&d, 5, 5))
		return;
	CHECK_RC(vmb_bytes_write(d.b, 0, buf, 6, &done, NULL), 0);
	CHECK_EQ(done, 5);
	EXPECT_FILE(d.fd, 0, buf, 5);
	CHECK_EQ(file_size(d.fd), 5);
	memset(got, 0, sizeof(got));
	CHECK_RC(vmb_bytes_read(d.b, 0, got, 6, &done, NULL), 0);
	CHECK_EQ(done, 5);
	CHECK_MEM(got, buf, 5);
	CHECK_EQ(got[5], 0);
	CHECK_RC(vmb_bytes_write(d.b, 3, buf, 4, &done, NULL), 0);
	CHECK_EQ(done, 2);
	EXPECT_FILE(d.fd, 3, buf, 2);
	CHECK_RC(vmb_bytes_read(d.b, 4, got, 6, &done, NULL), 0);
	CHECK_EQ(done, 1);
	CHECK_EQ(got[0], 2);
	df_close(&d);

	/* A file shorter than L: a read stops at its end with a short count. */
	uint8_t big[0x40];

	if (!df_open(&d, 0x100, 0x10))
		return;
	CHECK_EQ(pwrite(d.fd, buf, 6, 0), 6);
	CHECK_RC(vmb_bytes_read(d.b, 0, big, sizeof(big), &done, NULL), 0);
	CHECK_EQ(done, 0x10);
	CHECK_MEM(big, buf, 6);
	df_close(&d);
}

/* S4 by D1, obj_read_and_write: a 5-byte file. */
TEST(D1_S4_exact_forms)
{
	struct df d;
	struct vmb_error e;
	uint16_t v = 0xbbaa, got = 0;
	uint8_t five[5] = { 9, 8, 7, 6, 5 }, back[5];

	if (!df_open(&d, 5, 5))
		return;
	CHECK_RC(vmb_bytes_write_obj(d.b, 4, &v, 2, &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=2 completed=1");
	EXPECT_FILE(d.fd, 4, "\xaa", 1);
	CHECK_EQ(file_size(d.fd), 5);
	CHECK_RC(vmb_bytes_write_obj(d.b, SIZE_MAX, &v, 2, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0xffffffffffffffff");
	CHECK_RC(vmb_bytes_read_obj(d.b, 4, &got, 2, &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=2 completed=1");
	CHECK_RC(vmb_bytes_read_obj(d.b, 5, &got, 2, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x5");

	CHECK_RC(vmb_bytes_write_slice(d.b, 0, five, 5, &e), 0);
	EXPECT_FILE(d.fd, 0, five, 5);
	CHECK_RC(vmb_bytes_read_slice(d.b, 0, back, 5, &e), 0);
	CHECK_MEM(back, five, 5);
	CHECK_RC(vmb_bytes_write_obj(d.b, 3, &v, 2, &e), 0);
	CHECK_RC(vmb_bytes_read_obj(d.b, 3, &got, 2, &e), 0);
	CHECK_EQ(got, 0xbbaa);
	CHECK_RC(vmb_bytes_write_slice(d.b, 1, five, 5, &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=5 completed=4");
	EXPECT_FILE(d.fd, 1, five, 4);
	df_close(&d);
}

/* S5 by D1, through the range check of the exact I/O forms: slice_subslice's
 * table on a 100-byte file; nothing is moved and no source or sink called. */
TEST(D1_S5_range_errors)
{
	static const struct {
		uint64_t a;
		size_t n;
		const char *want; /* NULL: ok */
	} cases[] = {
		{ 100, 0, NULL },
		{ 0, 100, NULL },
		{ 100, 1, "out_of_bounds addr=0x65" },
		{ 99, 2, "out_of_bounds addr=0x65" },
		{ 0, 101, "out_of_bounds addr=0x65" },
		{ 101, 0, "out_of_bounds addr=0x65" },
		{ 101, 1, "out_of_bounds addr=0x66" },
		{ 55, 50, "out_of_bounds addr=0x69" },
		{ SIZE_MAX, 2, "overflow base=0xffffffffffffffff offset=0x2" },
		{ 2, SIZE_MAX, "overflow base=0x2 offset=0xffffffffffffffff" },
	};
	struct df d;
	uint8_t data[100];

	if (!df_open(&d, 100, 100))
		return;
	vmbt_fill_pattern(data, sizeof(data), 3);
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct vmb_buf_source bs;
		struct vmb_buf_sink bk;
		struct vmbt_spy_source src;
		struct vmbt_spy_sink dst;
		uint8_t out[100];
		struct vmb_error e;
		int rc;

		vmb_buf_source_init(&bs, data, sizeof(data));
		vmb_buf_sink_init(&bk, out, sizeof(out));
		vmbt_spy_source_init(&src, &bs.base);
		vmbt_spy_sink_init(&dst, &bk.base);
		rc = vmb_bytes_read_exact_volatile_from(d.b, cases[i].a, &src.base, cases[i].n, &e);
		if (cases[i].want == NULL) {
			CHECK_RC(rc, 0);
		} else {
			CHECK(rc != 0);
			CHECK_ERR(e, cases[i].want);
			CHECK_EQ(src.calls, 0);
		}
		rc = vmb_bytes_write_all_volatile_to(d.b, cases[i].a, &dst.base, cases[i].n, &e);
		if (cases[i].want == NULL) {
			CHECK_RC(rc, 0);
			CHECK_EQ(bk.len, cases[i].n);
		} else {
			CHECK(rc != 0);
			CHECK_ERR(e, cases[i].want);
			CHECK_EQ(dst.calls, 0);
		}
	}
	/* Only the (0, 100) case wrote: the whole file is the pattern. */
	EXPECT_FILE(d.fd, 0, data, 100);
	df_close(&d);
}

/* S7 by D1: one source read or sink write, clamped; a == L is ok 0; EINTR
 * is retried; other errors are IO{errno}; short counts are not errors. */
TEST(D1_S7_one_shot_io)
{
	struct df d;
	struct vmb_error e;
	uint8_t data[0x100], out[0x100];
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	struct vmbt_spy_source src;
	size_t done;

	if (!df_open(&d, 0x100, 0x100))
		return;
	vmbt_fill_pattern(data, sizeof(data), 7);

	/* a == L: ok 0 without calling the source; a > L: OutOfBounds{a}. */
	vmb_buf_source_init(&bs, data, sizeof(data));
	vmbt_spy_source_init(&src, &bs.base);
	done = 9;
	CHECK_RC(vmb_bytes_read_volatile_from(d.b, 0x100, &src.base, 8, &done, &e), 0);
	CHECK_EQ(done, 0);
	CHECK_EQ(src.calls, 0);
	CHECK_RC(vmb_bytes_read_volatile_from(d.b, 0x101, &src.base, 8, &done, &e),
		 VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x101");
	CHECK_RC(vmb_bytes_read_volatile_from(d.b, 0x101, &src.base, 0, &done, &e),
		 VMB_EOUT_OF_BOUNDS);
	CHECK_EQ(src.calls, 0);

	/* Clamped to L - a, in one call. */
	CHECK_RC(vmb_bytes_read_volatile_from(d.b, 0xf0, &src.base, 0x40, &done, &e), 0);
	CHECK_EQ(done, 0x10);
	CHECK_EQ(src.calls, 1);
	CHECK_EQ(src.last_asked, 0x10);
	EXPECT_FILE(d.fd, 0xf0, data, 0x10);

	/* A short read is a short count; only those bytes reach the file. */
	static const struct vmb_fault short3[] = { { VMB_FAULT_SHORT, 3 } };

	vmb_buf_source_init(&bs, data, sizeof(data));
	vmb_fault_source_init(&fs, &bs.base, short3, 1, false);
	CHECK_RC(vmb_bytes_read_volatile_from(d.b, 0x20, &fs.base, 0x10, &done, &e), 0);
	CHECK_EQ(done, 3);
	EXPECT_FILE(d.fd, 0x20, data, 3);
	EXPECT_FILE_ZERO(d.fd, 0x23, 0x0d);

	/* EINTR twice, then the data. */
	static const struct vmb_fault intr[] = { { VMB_FAULT_EINTR, 0 }, { VMB_FAULT_EINTR, 0 } };

	vmb_buf_source_init(&bs, data, sizeof(data));
	vmb_fault_source_init(&fs, &bs.base, intr, 2, false);
	CHECK_RC(vmb_bytes_read_volatile_from(d.b, 0x40, &fs.base, 0x10, &done, &e), 0);
	CHECK_EQ(done, 0x10);
	EXPECT_FILE(d.fd, 0x40, data, 0x10);

	/* Errors and end of data. */
	static const struct vmb_fault eio[] = { { VMB_FAULT_EIO, 0 } };
	static const struct vmb_fault eagain[] = { { VMB_FAULT_EAGAIN, 0 } };
	static const struct vmb_fault eof[] = { { VMB_FAULT_EOF, 0 } };

	vmb_fault_source_init(&fs, &bs.base, eio, 1, false);
	CHECK_RC(vmb_bytes_read_volatile_from(d.b, 0x60, &fs.base, 0x10, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EIO");
	vmb_fault_source_init(&fs, &bs.base, eagain, 1, false);
	CHECK_RC(vmb_bytes_read_volatile_from(d.b, 0x60, &fs.base, 0x10, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EAGAIN");
	vmb_fault_source_init(&fs, &bs.base, eof, 1, false);
	CHECK_RC(vmb_bytes_read_volatile_from(d.b, 0x60, &fs.base, 0x10, &done, &e), 0);
	CHECK_EQ(done, 0);
	EXPECT_FILE_ZERO(d.fd, 0x60, 0x10);

	/* The sink side. */
	struct vmb_buf_sink bk;
	struct vmb_fault_sink fk;
	struct vmbt_spy_sink dst;

	CHECK_EQ(pwrite(d.fd, data, sizeof(data), 0), (ssize_t)sizeof(data));
	vmb_buf_sink_init(&bk, out, sizeof(out));
	vmbt_spy_sink_init(&dst, &bk.base);
	CHECK_RC(vmb_bytes_write_volatile_to(d.b, 0x100, &dst.base, 8, &done, &e), 0);
	CHECK_EQ(done, 0);
	CHECK_EQ(dst.calls, 0);
	CHECK_RC(vmb_bytes_write_volatile_to(d.b, 0x101, &dst.base, 8, &done, &e),
		 VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x101");
	CHECK_RC(vmb_bytes_write_volatile_to(d.b, 0xf8, &dst.base, 0x40, &done, &e), 0);
	CHECK_EQ(done, 8);
	CHECK_EQ(dst.calls, 1);
	CHECK_EQ(dst.last_asked, 8);
	CHECK_MEM(out, data + 0xf8, 8);

	vmb_buf_sink_init(&bk, out, sizeof(out));
	vmb_fault_sink_init(&fk, &bk.base, short3, 1, false);
	CHECK_RC(vmb_bytes_write_volatile_to(d.b, 0x10, &fk.base, 0x10, &done, &e), 0);
	CHECK_EQ(done, 3);
	CHECK_EQ(bk.len, 3);
	vmb_fault_sink_init(&fk, &bk.base, intr, 2, false);
	CHECK_RC(vmb_bytes_write_volatile_to(d.b, 0x10, &fk.base, 0x10, &done, &e), 0);
	CHECK_EQ(done, 0x10);
	vmb_fault_sink_init(&fk, &bk.base, eio, 1, false);
	CHECK_RC(vmb_bytes_write_volatile_to(d.b, 0x10, &fk.base, 0x10, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EIO");
	df_close(&d);
}

/* S8 by D1: the exact forms loop until n bytes moved; UnexpectedEof and
 * WriteZero; bytes moved before a failure stay moved (test_byte_valued_io,
 * mem_read_and_write). */
TEST(D1_S8_exact_io)
{
	struct df d;
	struct vmb_error e;
	uint8_t data[0x100], out[0x100];

	if (!df_open(&d, 0x100, 0x100))
		return;
	vmbt_fill_pattern(data, sizeof(data), 11);

	/* A source that hands out 3 bytes per call still fills everything. */
	static const struct vmb_fault short3[] = { { VMB_FAULT_SHORT, 3 } };
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;

	vmb_buf_source_init(&bs, data, sizeof(data));
	vmb_fault_source_init(&fs, &bs.base, short3, 1, true);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(d.b, 0x10, &fs.base, 0x40, &e), 0);
	EXPECT_FILE(d.fd, 0x10, data, 0x40);

	/* An fd source that ends early: its bytes stay, then UnexpectedEof. */
	int p[2];

	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(write(p[1], data, 5), 5);
	close(p[1]);
	struct vmb_fd_source fds;

	vmb_fd_source_init(&fds, p[0]);
	CHECK_EQ(ftruncate(d.fd, 0), 0);
	CHECK_EQ(ftruncate(d.fd, 0x100), 0);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(d.b, 0x80, &fds.base, 8, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=unexpected_eof");
	EXPECT_FILE(d.fd, 0x80, data, 5);
	EXPECT_FILE_ZERO(d.fd, 0x85, 3);
	close(p[0]);

	/* A buffer source that holds too little fails without copying (I3). */
	vmb_buf_source_init(&bs, data, 4);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(d.b, 0xa0, &bs.base, 8, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=unexpected_eof");
	EXPECT_FILE_ZERO(d.fd, 0xa0, 8);

	/* /dev/zero fills exactly (mem_read_and_write). */
	int z = open("/dev/zero", O_RDONLY | O_CLOEXEC);

	CHECK(z >= 0);
	if (z >= 0) {
		CHECK_EQ(pwrite(d.fd, data, 0x20, 0xc0), 0x20);
		vmb_fd_source_init(&fds, z);
		CHECK_RC(vmb_bytes_read_exact_volatile_from(d.b, 0xc0, &fds.base, 0x20, &e), 0);
		EXPECT_FILE_ZERO(d.fd, 0xc0, 0x20);
		close(z);
	}
	/* An empty file as a source: end of data at once. */
	int empty = vmbt_disk_file(0);

	vmb_fd_source_init(&fds, empty);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(d.b, 0, &fds.base, 1, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=unexpected_eof");
	close(empty);

	/* write_all: a 7-byte sink for 8 bytes gives WriteZero after 7. */
	struct vmb_buf_sink bk;

	CHECK_EQ(pwrite(d.fd, data, sizeof(data), 0), (ssize_t)sizeof(data));
	vmb_buf_sink_init(&bk, out, 7);
	CHECK_RC(vmb_bytes_write_all_volatile_to(d.b, 0x30, &bk.base, 8, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=write_zero");
	CHECK_EQ(bk.len, 7);
	CHECK_MEM(out, data + 0x30, 7);

	/* A sink that takes 3 bytes per call gets everything, in order. */
	struct vmb_fault_sink fk;

	vmb_buf_sink_init(&bk, out, sizeof(out));
	vmb_fault_sink_init(&fk, &bk.base, short3, 1, true);
	CHECK_RC(vmb_bytes_write_all_volatile_to(d.b, 0x0, &fk.base, 0x100, &e), 0);
	CHECK_EQ(bk.len, 0x100);
	CHECK_MEM(out, data, 0x100);
	df_close(&d);
}

/* S7/S8 by D1 with counts larger than one internal transfer: a one-shot
 * call may be short (it is one read), the exact form is not. */
TEST(D1_S8_large_transfers)
{
	enum { L = 0x30000 };
	struct df d;
	struct vmb_error e;
	uint8_t *data = malloc(L), *out = malloc(L);
	size_t done = 0;

	if (data == NULL || out == NULL || !df_open(&d, L, L)) {
		free(data);
		free(out);
		return;
	}
	vmbt_fill_pattern(data, L, 13);

	struct vmb_buf_source bs;
	struct vmbt_spy_source src;

	vmb_buf_source_init(&bs, data, L);
	vmbt_spy_source_init(&src, &bs.base);
	CHECK_RC(vmb_bytes_read_volatile_from(d.b, 0, &src.base, L, &done, &e), 0);
	CHECK(done > 0 && done <= L);
	CHECK_EQ(src.calls, 1);
	EXPECT_FILE(d.fd, 0, data, done);

	vmb_buf_source_init(&bs, data, L);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(d.b, 0, &bs.base, L, &e), 0);
	EXPECT_FILE(d.fd, 0, data, L);

	struct vmb_buf_sink bk;

	vmb_buf_sink_init(&bk, out, L);
	CHECK_RC(vmb_bytes_write_volatile_to(d.b, 0, &bk.base, L, &done, &e), 0);
	CHECK(done > 0 && done <= L);
	CHECK_MEM(out, data, done);
	vmb_buf_sink_init(&bk, out, L);
	CHECK_RC(vmb_bytes_write_all_volatile_to(d.b, 0, &bk.base, L, &e), 0);
	CHECK_EQ(bk.len, L);
	CHECK_MEM(out, data, L);

	/* write/read of the whole file in one call. */
	vmbt_fill_pattern(data, L, 17);
	CHECK_RC(vmb_bytes_write(d.b, 0, data, L, &done, &e), 0);
	CHECK_EQ(done, L);
	EXPECT_FILE(d.fd, 0, data, L);
	CHECK_RC(vmb_bytes_read_slice(d.b, 0, out, L, &e), 0);
	CHECK_MEM(out, data, L);
	df_close(&d);
	free(data);
	free(out);
}

/* S9 by D1: store/load of every width at aligned offsets, in host byte
 * order; bounds before alignment; orderings checked first. */
TEST(D1_S9_store_load)
{
	static const unsigned widths[] = { 1, 2, 4, 8 };
	static const int store_orders[] = { VMB_ORDER_RELAXED, VMB_ORDER_RELEASE, VMB_ORDER_SEQ_CST };
	static const int load_orders[] = { VMB_ORDER_RELAXED, VMB_ORDER_ACQUIRE, VMB_ORDER_SEQ_CST };
	struct df d;
	struct vmb_error e;
	uint64_t v;

	if (!df_open(&d, 0x100, 0x100))
		return;
	for (size_t i = 0; i < NELEM(widths); i++) {
		unsigned w = widths[i];
		uint64_t val = 0x8877665544332211ull;
		uint64_t mask = w == 8 ? UINT64_MAX : (((uint64_t)1 << (8 * w)) - 1);

		for (size_t o = 0; o < 3; o++) {
			uint64_t at = 0x40 * i + 8 * o;

			CHECK_RC(vmb_bytes_store(d.b, at, w, vmb_ordering_of(store_orders[o]), val + o, &e), 0);
			uint64_t want = (val + o) & mask;

			EXPECT_FILE(d.fd, at, &want, w); /* host order (little-endian) */
			v = 0;
			CHECK_RC(vmb_bytes_load(d.b, at, w, vmb_ordering_of(load_orders[o]), &v, &e), 0);
			CHECK_EQ(v, want);
		}
		/* The last aligned slot; one past it. */
		CHECK_RC(vmb_bytes_store(d.b, 0x100 - w, w, VMB_RELAXED, val, &e), 0);
		CHECK_RC(vmb_bytes_load(d.b, 0x100 - w, w, VMB_RELAXED, &v, &e), 0);
		CHECK_EQ(v, val & mask);
		CHECK_RC(vmb_bytes_store(d.b, 0x100, w, VMB_RELAXED, val, &e), VMB_EOUT_OF_BOUNDS);
		CHECK_EQ(e.addr, 0x100 + w);
	}
	/* A value the file holds is what load returns. */
	uint32_t raw = 0xcafebabe;

	CHECK_EQ(pwrite(d.fd, &raw, 4, 0x80), 4);
	CHECK_RC(vmb_bytes_load(d.b, 0x80, 4, VMB_ACQUIRE, &v, &e), 0);
	CHECK_EQ(v, 0xcafebabe);

	/* Misaligned offsets. */
	CHECK_RC(vmb_bytes_store(d.b, 2, 4, VMB_RELAXED, 1, &e), VMB_EMISALIGNED);
	CHECK_ERR(e, "misaligned addr=0x2 alignment=4");
	CHECK_RC(vmb_bytes_load(d.b, 0x11, 2, VMB_RELAXED, &v, &e), VMB_EMISALIGNED);
	CHECK_ERR(e, "misaligned addr=0x11 alignment=2");
	CHECK_RC(vmb_bytes_load(d.b, 0x84, 8, VMB_RELAXED, &v, &e), VMB_EMISALIGNED);
	CHECK_ERR(e, "misaligned addr=0x84 alignment=8");
	/* Bounds come first: u16 at 0xff is OutOfBounds, not Misaligned. */
	CHECK_RC(vmb_bytes_store(d.b, 0xff, 2, VMB_RELAXED, 1, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x101");
	CHECK_RC(vmb_bytes_load(d.b, SIZE_MAX - 1, 4, VMB_RELAXED, &v, &e), VMB_EOVERFLOW);
	CHECK_ERR(e, "overflow base=0xfffffffffffffffe offset=0x4");
	df_close(&d);

	/* misaligned_atomic: an 8-byte file, u64 at 1 is OutOfBounds{9}. */
	if (!df_open(&d, 8, 8))
		return;
	CHECK_RC(vmb_bytes_store(d.b, 1, 8, VMB_RELAXED, 1, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x9");
	CHECK_RC(vmb_bytes_store(d.b, 0, 8, VMB_SEQ_CST, UINT64_MAX, &e), 0);
	CHECK_RC(vmb_bytes_load(d.b, 0, 8, VMB_SEQ_CST, &v, &e), 0);
	CHECK_EQ(v, UINT64_MAX);

	/* Invalid orderings and widths: InvalidArgument, nothing written. */
	CHECK_RC(vmb_bytes_store(d.b, 0, 8, VMB_ACQUIRE, 0, &e), VMB_EINVALID_ARGUMENT);
	CHECK_ERR(e, "invalid_argument");
	CHECK_RC(vmb_bytes_store(d.b, 0, 8, VMB_ACQ_REL, 0, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_store(d.b, 0, 3, VMB_RELAXED, 0, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_store(d.b, 99, 8, VMB_ACQUIRE, 0, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_load(d.b, 0, 8, VMB_RELEASE, &v, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_load(d.b, 0, 8, VMB_ACQ_REL, &v, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_load(d.b, 0, 8, VMB_RELAXED, NULL, &e), VMB_EINVALID_ARGUMENT);
	uint64_t ones = UINT64_MAX;

	EXPECT_FILE(d.fd, 0, &ones, 8);
	df_close(&d);
}

/* D1: errors of the file itself come back as IO{errno}. */
TEST(D1_file_errors_are_io)
{
	int fd = vmbt_disk_file(0x100);
	char path[64];
	struct vmb_datafile *ro = NULL, *wo = NULL;
	struct vmb_error e;
	uint8_t buf[8] = { 1 };
	size_t done = 9;
	uint64_t v;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int rfd = open(path, O_RDONLY | O_CLOEXEC);
	int wfd = open(path, O_WRONLY | O_CLOEXEC);

	CHECK(rfd >= 0 && wfd >= 0);
	CHECK_RC(vmb_datafile_new(rfd, 0x100, &ro, NULL), 0);
	CHECK_RC(vmb_datafile_new(wfd, 0x100, &wo, NULL), 0);
	if (ro != NULL) {
		CHECK_RC(vmb_bytes_write(vmb_datafile_bytes(ro), 0, buf, 8, &done, &e), VMB_EIO);
		CHECK_ERR(e, "io errno=EBADF");
		CHECK_EQ(done, 0);
		CHECK_RC(vmb_bytes_store(vmb_datafile_bytes(ro), 0, 4, VMB_RELAXED, 1, &e), VMB_EIO);
		CHECK_ERR(e, "io errno=EBADF");
		CHECK_RC(vmb_bytes_read(vmb_datafile_bytes(ro), 0, buf, 8, &done, &e), 0);
		CHECK_EQ(done, 8);
	}
	if (wo != NULL) {
		CHECK_RC(vmb_bytes_read(vmb_datafile_bytes(wo), 0, buf, 8, &done, &e), VMB_EIO);
		CHECK_ERR(e, "io errno=EBADF");
		CHECK_RC(vmb_bytes_load(vmb_datafile_bytes(wo), 0, 4, VMB_RELAXED, &v, &e), VMB_EIO);
		CHECK_ERR(e, "io errno=EBADF");
		struct vmb_buf_sink bk;
		uint8_t out[8];

		vmb_buf_sink_init(&bk, out, sizeof(out));
		CHECK_RC(vmb_bytes_write_volatile_to(vmb_datafile_bytes(wo), 0, &bk.base, 8, &done,
						     &e),
			 VMB_EIO);
		CHECK_ERR(e, "io errno=EBADF");
		CHECK_EQ(bk.len, 0);
	}
	EXPECT_FILE_ZERO(fd, 0, 0x100);
	vmb_datafile_free(ro);
	vmb_datafile_free(wo);
	close(rfd);
	close(wfd);
	close(fd);
}

/*
 * D1: fd 0 is an fd like any other. In a child with stdin closed, the data
 * file's own dup of the file lands on 0; reads and writes must still
 * reach the file.
 */
TEST(D1_works_when_its_dup_is_fd_0)
{
	int fd = vmbt_disk_file(4096);

	fflush(NULL);
	pid_t pid = fork();

	if (pid == 0) {
		struct vmb_datafile *f = NULL;
		uint32_t v = 0x5eed1e55, back = 0;

		close(0);
		if (vmb_datafile_new(fd, 4096, &f, NULL) != 0)
			_exit(2);
		struct vmb_bytes b = vmb_datafile_bytes(f);

		if (vmb_bytes_write_obj(b, 0x100, &v, sizeof(v), NULL) != 0 ||
		    vmb_bytes_read_obj(b, 0x100, &back, sizeof(back), NULL) != 0 || back != v)
			_exit(3);
		vmb_datafile_free(f);
		_exit(0);
	}
	CHECK(pid > 0);
	CHECK_EQ(vmbt_wait_exit(pid), 0);

	uint32_t seen = 0;

	CHECK_EQ(pread(fd, &seen, sizeof(seen), 0x100), (ssize_t)sizeof(seen));
	CHECK_EQ(seen, 0x5eed1e55);
	close(fd);
}

/*
 * D1: a read that reaches the end of a file shorter than the container
 * stops there, whatever errno held: only a failed pread(2) sets errno, so
 * a stale EINTR must not make a pread that returned 0 look interrupted
 * (retried, that pread returns 0 for ever).
 */
TEST(D1_end_of_file_with_a_stale_EINTR)
{
	struct df d;
	uint8_t buf[8];
	size_t done = 99;

	if (!df_open(&d, 0x100, 0x10))
		return;
	errno = EINTR;
	CHECK_RC(vmb_bytes_read(d.b, 0xc, buf, sizeof(buf), &done, NULL), 0);
	CHECK_EQ(done, 4);
	/* A load past the end of the file: UnexpectedEof, not a retry. */
	uint64_t v = 0;
	struct vmb_error e;

	errno = EINTR;
	CHECK_RC(vmb_bytes_load(d.b, 0x20, 4, VMB_RELAXED, &v, &e), VMB_EIO);
	CHECK_EQ(e.io_kind, VMB_IO_UNEXPECTED_EOF);
	df_close(&d);
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Guest regions (region.h): creation rules (G1, G11), the three backings,
 * guard pages, region-relative dirty tracking (S11) and the region as a
 * container with the slice errors mapped by G9.
 *
 * Covers by intent the mmap/mod.rs and mmap/unix.rs tests of the reference
 * that concern a single region; the case comments name them.
 */
/* The experimental tier (vmbytes/experimental.h): tuning, forcing and
 * test hooks. */
#define VMB_EXPERIMENTAL
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* The number of open file descriptors of this process. */
static size_t count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	if (d == NULL) {
		perror("opendir /proc/self/fd");
		abort();
	}
	while (readdir(d) != NULL)
		n++;
	closedir(d);
	return n;
}

/* The number of mappings of this process (lines of /proc/self/maps). */
static size_t count_maps(void)
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	char buf[4096];
	size_t n = 0;
	ssize_t r;

	if (fd < 0) {
		perror("open /proc/self/maps");
		abort();
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < r; i++)
			n += buf[i] == '\n';
	close(fd);
	return n;
}

/*
 * The line of /proc/self/smaps (@smaps) or /proc/self/maps for the mapping
 * that holds @addr: copies its "rw-p"-style permissions into @perms and,
 * from smaps, its VmFlags line into @vmflags. Returns false if not found.
 */
static bool mapping_info(const void *addr, char perms[5], char *vmflags, size_t cap)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	bool in = false, found = false;
	uintptr_t a = (uintptr_t)addr;

	if (f == NULL)
		return false;
	vmflags[0] = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		char p[5];

		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, p) == 3) {
			if (in)
				break;
			in = a >= lo && a < hi;
			if (in) {
				memcpy(perms, p, 5);
				found = true;
			}
			continue;
		}
		if (in && strncmp(line, "VmFlags:", 8) == 0) {
			size_t k = strnlen(line + 8, cap - 1);

			memcpy(vmflags, line + 8, k);
			vmflags[k] = '\0';
		}
	}
	fclose(f);
	return found;
}

/* Creates a region of @kind; a file region gets a fresh file of @len bytes
 * that the region then keeps open on its own. */
static struct vmb_region *new_region(enum vmb_region_kind kind, uint64_t start, uint64_t len,
				     unsigned flags, size_t dirty_page)
{
	struct vmb_region_config cfg = {
		.start = start, .len = len, .kind = kind, .fd = -1, .flags = flags,
		.dirty_page_size = dirty_page,
	};
	struct vmb_region *r = NULL;
	struct vmb_error e;
	int rc;

	if (kind == VMB_REGION_FILE)
		cfg.fd = vmbt_disk_file((size_t)len);
	rc = vmb_region_new(&cfg, &r, &e);
	CHECK_RC(rc, 0);
	if (cfg.fd >= 0)
		close(cfg.fd);
	return r;
}

static const enum vmb_region_kind all_kinds[] = { VMB_REGION_ANON, VMB_REGION_MEMFD,
						   VMB_REGION_FILE };
#define NKINDS (sizeof(all_kinds) / sizeof(all_kinds[0]))

/* A sentinel for "the out-parameter was left alone". */
static struct vmb_region *const untouched = (struct vmb_region *)(uintptr_t)0x5a5a5a50;

/*
 * Expects vmb_region_new(@cfg) to fail with @want, leave *out alone, and
 * leave no fd open or mapping behind. Repeats the call so that a leak of
 * one fd or one mapping per call cannot hide in noise.
 */
static void expect_refused(const struct vmb_region_config *cfg, int want, const char *text)
{
	struct vmb_region *r = untouched;
	struct vmb_error e;
	int rc;

	/* A first call warms up whatever the allocator maps on first use. */
	CHECK_RC(vmb_region_new(cfg, &r, NULL), want);

	size_t fds = count_fds(), maps = count_maps();

	for (int i = 0; i < 32; i++) {
		memset(&e, 0, sizeof(e));
		rc = vmb_region_new(cfg, &r, &e);
		CHECK_RC(rc, want);
		if (text != NULL)
			CHECK_ERR(e, text);
		CHECK(r == untouched);
	}
	CHECK_EQ(count_fds(), fds);
	CHECK(count_maps() <= maps);
}

/* basic_map, test_mmap_region_new (size, no file offset),
 * test_retrieve_fd_backing_memory_region,
 * test_retrieve_offset_from_fd_backing_memory_region. */
TEST(G1_region_new_accessors)
{
	size_t pg = page_size();

	for (size_t k = 0; k < NKINDS; k++) {
		struct vmb_region *r = new_region(all_kinds[k], 0x10000, 1024, 0, 0);

		if (r == NULL)
			continue;
		CHECK_EQ(vmb_region_start(r), 0x10000);
		CHECK_EQ(vmb_region_len(r), 1024);
		CHECK_EQ(vmb_region_last_addr(r), 0x10000 + 1023);
		CHECK_EQ(vmb_region_kind(r), all_kinds[k]);
		CHECK_EQ(vmb_region_file_offset(r), 0);
		CHECK(vmb_region_bitmap(r) == NULL);
		CHECK(vmb_region_host_base(r) != NULL);
		CHECK_EQ((uintptr_t)vmb_region_host_base(r) % pg, 0);
		if (all_kinds[k] == VMB_REGION_ANON)
			CHECK_EQ(vmb_region_fd(r), -1);
		else
			CHECK(vmb_region_fd(r) >= 0);

		struct vmb_slice s;

		CHECK_RC(vmb_region_as_slice(r, &s), 0);
		CHECK(s.base == vmb_region_host_base(r));
		CHECK_EQ(s.len, 1024);
		vmb_region_free(r);
	}

	/* A file region at a page-aligned offset reports that offset. */
	int fd = vmbt_disk_file(0x1400);
	struct vmb_region_config cfg = { .start = 0, .len = 0x400, .kind = VMB_REGION_FILE,
					 .fd = fd, .file_offset = 0x1000 };
	struct vmb_region *r = NULL;

	if (pg == 0x1000) {
		CHECK_RC(vmb_region_new(&cfg, &r, NULL), 0);
		CHECK_EQ(vmb_region_file_offset(r), 0x1000);
		CHECK_EQ(vmb_region_start(r), 0);
		CHECK(vmb_region_fd(r) >= 0 && vmb_region_fd(r) != fd);
		vmb_region_free(r);
	}
	close(fd);

	/* NULL handles. */
	CHECK_EQ(vmb_region_start(NULL), 0);
	CHECK_EQ(vmb_region_len(NULL), 0);
	CHECK_EQ(vmb_region_fd(NULL), -1);
	CHECK(vmb_region_host_base(NULL) == NULL);
	CHECK(vmb_region_bitmap(NULL) == NULL);
	vmb_region_free(NULL);
}

/* test_mmap_region_new: size 0 is refused (G1 makes it InvalidGuestRegion). */
TEST(G1_zero_len_refused)
{
	int fd = vmbt_disk_file(0x2000);

	for (size_t k = 0; k < NKINDS; k++) {
		for (unsigned flags = 0; flags <= VMB_REGION_GUARD; flags++) {
			struct vmb_region_config cfg = { .start = 0x1000, .len = 0,
							 .kind = all_kinds[k], .fd = fd,
							 .flags = flags };

			expect_refused(&cfg, VMB_EINVALID_GUEST_REGION, "invalid_guest_region");
			cfg.start = 0;
			expect_refused(&cfg, VMB_EINVALID_GUEST_REGION, "invalid_guest_region");
			cfg.start = UINT64_MAX;
			expect_refused(&cfg, VMB_EINVALID_GUEST_REGION, "invalid_guest_region");
		}
	}
	close(fd);
}

/* G1: start + len must not overflow, so no region holds UINT64_MAX; a
 * region that ends exactly at UINT64_MAX (exclusive) is fine. */
TEST(G1_end_overflow_refused)
{
	size_t pg = page_size();
	int fd = vmbt_disk_file(2 * pg);
	static const struct {
		uint64_t start, len;
	} bad[] = {
		{ UINT64_MAX, 1 },
		{ UINT64_MAX - 0xfff, 0x1000 },      /* sum is exactly 2^64 */
		{ UINT64_MAX - 0xfff, 0x1001 },
		{ 1, UINT64_MAX },
		{ UINT64_MAX, UINT64_MAX },
		{ 0x8000000000000000ull, 0x8000000000000000ull },
	};

	for (size_t k = 0; k < NKINDS; k++) {
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct vmb_region_config cfg = { .start = bad[i].start, .len = bad[i].len,
							 .kind = all_kinds[k], .fd = fd,
							 .flags = VMB_REGION_GUARD };

			expect_refused(&cfg, VMB_EINVALID_GUEST_REGION, "invalid_guest_region");
		}

		/* The highest region G1 allows: last address UINT64_MAX - 1. */
		struct vmb_region *r = new_region(all_kinds[k], UINT64_MAX - 0x1000, 0x1000, 0, 0);

		if (r != NULL) {
			CHECK_EQ(vmb_region_last_addr(r), UINT64_MAX - 1);
			vmb_region_free(r);
		}
		r = new_region(all_kinds[k], UINT64_MAX - 1, 1, 0, 0);
		if (r != NULL) {
			CHECK_EQ(vmb_region_last_addr(r), UINT64_MAX - 1);
			vmb_region_free(r);
		}
	}
	close(fd);
}

/* Bad configurations are InvalidArgument and leave *out alone. */
TEST(G1_invalid_config_arguments)
{
	struct vmb_region_config ok = { .start = 0, .len = 0x1000, .kind = VMB_REGION_ANON,
					.fd = -1 };
	struct vmb_region *r = untouched;
	struct vmb_error e;

	CHECK_RC(vmb_region_new(NULL, &r, &e), VMB_EINVALID_ARGUMENT);
	CHECK_ERR(e, "invalid_argument");
	CHECK_RC(vmb_region_new(&ok, NULL, &e), VMB_EINVALID_ARGUMENT);
	CHECK(r == untouched);

	struct vmb_region_config c = ok;

	c.kind = (enum vmb_region_kind)7;
	expect_refused(&c, VMB_EINVALID_ARGUMENT, "invalid_argument");
	c = ok;
	c.flags = 2;
	expect_refused(&c, VMB_EINVALID_ARGUMENT, "invalid_argument");
	c = ok;
	c.kind = VMB_REGION_FILE;
	c.fd = -1;
	expect_refused(&c, VMB_EINVALID_ARGUMENT, "invalid_argument");
	c = ok;
	c.dirty_page_size = 3;
	expect_refused(&c, VMB_EINVALID_ARGUMENT, "invalid_argument");
	c.dirty_page_size = 0x1001;
	expect_refused(&c, VMB_EINVALID_ARGUMENT, "invalid_argument");
	/* A length the host cannot map with its two guard pages: refused as
	 * an argument before any mmap (which would say ENOMEM). */
	c = ok;
	c.len = (uint64_t)1 << 63;
	expect_refused(&c, VMB_EINVALID_ARGUMENT, "invalid_argument");

	/* A NULL error pointer is allowed. */
	CHECK_RC(vmb_region_new(&c, &r, NULL), VMB_EINVALID_ARGUMENT);
	CHECK(r == untouched);
}

/* G11 [diverges]: a file shorter than file_offset + len is refused at
 * creation instead of faulting with SIGBUS on access. */
TEST(G11_file_shorter_than_range_refused)
{
	size_t pg = page_size();
	int fd = vmbt_disk_file(2 * pg);
	struct vmb_region_config cfg = { .start = 0, .kind = VMB_REGION_FILE, .fd = fd };
	struct vmb_region *r = NULL;

	for (unsigned flags = 0; flags <= VMB_REGION_GUARD; flags++) {
		cfg.flags = flags;
		cfg.file_offset = 0;
		cfg.len = 2 * pg + 1;
		expect_refused(&cfg, VMB_EINVALID_GUEST_REGION, "invalid_guest_region");
		cfg.file_offset = pg;
		cfg.len = pg + 1;
		expect_refused(&cfg, VMB_EINVALID_GUEST_REGION, "invalid_guest_region");
		cfg.file_offset = 2 * pg;
		cfg.len = 1;
		expect_refused(&cfg, VMB_EINVALID_GUEST_REGION, "invalid_guest_region");
		cfg.file_offset = 4 * pg;
		cfg.len = 1;
		expect_refused(&cfg, VMB_EINVALID_GUEST_REGION, "invalid_guest_region");

		/* Exactly as long as needed is fine. */
		cfg.file_offset = pg;
		cfg.len = pg;
		CHECK_RC(vmb_region_new(&cfg, &r, NULL), 0);
		vmb_region_free(r);
		cfg.file_offset = 0;
		cfg.len = 2 * pg;
		CHECK_RC(vmb_region_new(&cfg, &r, NULL), 0);
		vmb_region_free(r);
	}

	/* An empty file cannot back anything. */
	int empty = vmbt_disk_file(0);

	cfg.fd = empty;
	cfg.file_offset = 0;
	cfg.len = 1;
	cfg.flags = 0;
	expect_refused(&cfg, VMB_EINVALID_GUEST_REGION, "invalid_guest_region");
	close(empty);
	close(fd);
}

/* test_mmap_region_build: an offset that is not page-aligned is EINVAL from
 * mmap; nothing is left open or mapped, with or without guard pages. */
TEST(G11_file_offset_unaligned_io_einval)
{
	size_t pg = page_size();
	int fd = vmbt_disk_file(10 * 1024 + 2 * pg);
	struct vmb_region_config cfg = { .start = 0, .len = 1000, .kind = VMB_REGION_FILE,
					 .fd = fd };

	for (unsigned flags = 0; flags <= VMB_REGION_GUARD; flags++) {
		cfg.flags = flags;
		cfg.file_offset = pg - 1;
		expect_refused(&cfg, VMB_EIO, "io errno=EINVAL");
		cfg.file_offset = 1;
		expect_refused(&cfg, VMB_EIO, "io errno=EINVAL");
		cfg.file_offset = pg + pg / 2;
		expect_refused(&cfg, VMB_EIO, "io errno=EINVAL");

		/* The aligned offset next to it works (test_mmap_region_build). */
		struct vmb_region *r = NULL;

		cfg.file_offset = pg;
		CHECK_RC(vmb_region_new(&cfg, &r, NULL), 0);
		CHECK_EQ(vmb_region_len(r), 1000);
		CHECK_EQ(vmb_region_file_offset(r), pg);
		vmb_region_free(r);
	}
	close(fd);
}

/* test_mmap_region_build: offset u64::MAX (offset + len overflows) is
 * refused. SPEC does not name the kind; it must fail cleanly. */
TEST(G11_file_offset_overflow_refused)
{
	size_t pg = page_size();
	int fd = vmbt_disk_file(10 * 1024);
	uint64_t offsets[] = { UINT64_MAX, UINT64_MAX & ~(uint64_t)(pg - 1),
			       (uint64_t)INT64_MAX + 1 };

	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		struct vmb_region_config cfg = { .start = 0, .len = 1000, .kind = VMB_REGION_FILE,
						 .fd = fd, .file_offset = offsets[i] };
		struct vmb_region *r = untouched;
		int rc = vmb_region_new(&cfg, &r, NULL);

		CHECK(rc == VMB_EINVALID_GUEST_REGION || rc == VMB_EINVALID_ARGUMENT ||
		      rc == VMB_EIO);
		CHECK(r == untouched);
		expect_refused(&cfg, rc, NULL);
	}
	close(fd);
}

/* A descriptor that cannot be mapped (a pipe) is an IO error, and the dup
 * the region took is closed again. */
TEST(G11_unmappable_fd_io_error)
{
	int p[2];

	CHECK_EQ(pipe(p), 0);
	for (unsigned flags = 0; flags <= VMB_REGION_GUARD; flags++) {
		struct vmb_region_config cfg = { .start = 0, .len = 0x1000,
						 .kind = VMB_REGION_FILE, .fd = p[0],
						 .flags = flags };

		expect_refused(&cfg, VMB_EIO, NULL);
	}
	close(p[0]);
	close(p[1]);

	/* A descriptor that is not open at all. */
	struct vmb_region_config bad = { .start = 0, .len = 0x1000, .kind = VMB_REGION_FILE,
					 .fd = 1000 };

	expect_refused(&bad, VMB_EIO, "io errno=EBADF");
}

/* mapped_file_read, test_mmap_region_from_file: the region shows the
 * file's bytes; a read longer than the region is short (S3). */
TEST(G11_file_region_contents)
{
	static const uint8_t sample[5] = { 1, 2, 3, 4, 5 };
	int fd = vmbt_disk_file(0);

	CHECK_EQ(pwrite(fd, sample, sizeof(sample), 0), (ssize_t)sizeof(sample));

	struct vmb_region_config cfg = { .start = 0, .len = sizeof(sample),
					 .kind = VMB_REGION_FILE, .fd = fd };
	struct vmb_region *r = NULL;

	CHECK_RC(vmb_region_new(&cfg, &r, NULL), 0);
	close(fd); /* the region keeps its own descriptor */
	if (r == NULL)
		return;

	uint8_t buf[16];
	size_t done = 99;
	struct vmb_slice s;

	memset(buf, 0xee, sizeof(buf));
	CHECK_RC(vmb_region_as_slice(r, &s), 0);
	CHECK_RC(vmb_slice_read(s, 0, buf, sizeof(buf), &done, NULL), 0);
	CHECK_EQ(done, sizeof(sample));
	CHECK_MEM(buf, sample, sizeof(sample));
	CHECK_EQ(buf[5], 0xee);
	CHECK_MEM(vmb_region_host_base(r), sample, sizeof(sample));

	done = 99;
	CHECK_RC(vmb_bytes_read(vmb_region_bytes(r), 0, buf, sizeof(buf), &done, NULL), 0);
	CHECK_EQ(done, sizeof(sample));
	vmb_region_free(r);
}

/* G11: a file region is shared both ways: writes through the region reach
 * the file, writes to the file show in the region. */
TEST(G11_file_region_writes_reach_file)
{
	size_t pg = page_size();
	int fd = vmbt_disk_file(3 * pg);
	struct vmb_region_config cfg = { .start = 0x40000, .len = pg, .kind = VMB_REGION_FILE,
					 .fd = fd, .file_offset = pg };
	struct vmb_region *r = NULL;
	uint8_t pat[64], got[64];
	size_t done = 0;

	CHECK_RC(vmb_region_new(&cfg, &r, NULL), 0);
	if (r == NULL)
		return;
	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(0x80 + i);

	/* Region offset 0x10 is file offset page + 0x10. */
	CHECK_RC(vmb_bytes_write(vmb_region_bytes(r), 0x10, pat, sizeof(pat), &done, NULL), 0);
	CHECK_EQ(done, sizeof(pat));
	memset(got, 0, sizeof(got));
	CHECK_EQ(pread(fd, got, sizeof(got), (off_t)(pg + 0x10)), (ssize_t)sizeof(got));
	CHECK_MEM(got, pat, sizeof(pat));
	/* Nothing landed at the same offset of the first file page. */
	CHECK_EQ(pread(fd, got, sizeof(got), 0x10), (ssize_t)sizeof(got));
	for (size_t i = 0; i < sizeof(got); i++)
		CHECK_EQ(got[i], 0);

	/* The last byte of the region is the last byte of file page 1. */
	uint8_t b = 0x7e;

	CHECK_RC(vmb_bytes_write_obj(vmb_region_bytes(r), pg - 1, &b, 1, NULL), 0);
	CHECK_EQ(pread(fd, got, 1, (off_t)(2 * pg - 1)), 1);
	CHECK_EQ(got[0], 0x7e);

	/* And the other way round. */
	CHECK_EQ(pwrite(fd, "\xde\xad\xbe\xef", 4, (off_t)(pg + 0x200)), 4);
	uint32_t v = 0;

	CHECK_RC(vmb_bytes_read_obj(vmb_region_bytes(r), 0x200, &v, sizeof(v), NULL), 0);
	CHECK_EQ(v, 0xefbeadde);

	/* The region's descriptor is its own dup: closing ours changes nothing. */
	close(fd);
	CHECK_RC(vmb_bytes_write_obj(vmb_region_bytes(r), 0x300, &b, 1, NULL), 0);
	CHECK_EQ(pread(vmb_region_fd(r), got, 1, (off_t)(pg + 0x300)), 1);
	CHECK_EQ(got[0], 0x7e);
	vmb_region_free(r);
}

/* G11: a memfd region is shared: what is written reaches the memfd. */
TEST(G11_memfd_region_writes_reach_fd)
{
	size_t len = 0x2345;
	struct vmb_region *r = new_region(VMB_REGION_MEMFD, 0x1000, len, 0, 0);
	uint8_t pat[100], got[100];
	struct stat st;

	if (r == NULL)
		return;
	int fd = vmb_region_fd(r);

	CHECK(fd >= 0);
	CHECK_EQ(fstat(fd, &st), 0);
	CHECK(S_ISREG(st.st_mode));
	CHECK((uint64_t)st.st_size >= len);

	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 7 + 1);
	/* The tail: the write is short (S3) and the file holds what fitted. */
	size_t done = 0;

	CHECK_RC(vmb_bytes_write(vmb_region_bytes(r), len - 40, pat, sizeof(pat), &done, NULL),
		 0);
	CHECK_EQ(done, 40);
	CHECK_EQ(pread(fd, got, 40, (off_t)(len - 40)), 40);
	CHECK_MEM(got, pat, 40);

	CHECK_RC(vmb_bytes_write_slice(vmb_region_bytes(r), 0, pat, sizeof(pat), NULL), 0);
	CHECK_EQ(pread(fd, got, sizeof(got), 0), (ssize_t)sizeof(got));
	CHECK_MEM(got, pat, sizeof(pat));

	CHECK_EQ(pwrite(fd, "xyz", 3, 0x1000), 3);
	CHECK_MEM((uint8_t *)vmb_region_host_base(r) + 0x1000, "xyz", 3);
	vmb_region_free(r);
}

/* G11: an anonymous region starts zero-filled. */
TEST(G11_anon_zero_filled)
{
	size_t len = 3 * page_size() + 0x123;
	struct vmb_region *r = new_region(VMB_REGION_ANON, 0, len, VMB_REGION_GUARD, 0);
	uint8_t *buf = malloc(len);
	size_t done = 0;

	if (r == NULL || buf == NULL)
		goto out;
	memset(buf, 0xff, len);
	CHECK_RC(vmb_bytes_read(vmb_region_bytes(r), 0, buf, len, &done, NULL), 0);
	CHECK_EQ(done, len);
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != 0) {
			CHECK_EQ(buf[i], 0);
			break;
		}
	}
	/* Memfd and file regions start zero-filled too (fresh files). */
	for (size_t k = 1; k < NKINDS; k++) {
		struct vmb_region *z = new_region(all_kinds[k], 0, len, 0, 0);
		size_t nz = 0;

		if (z == NULL)
			continue;
		for (size_t i = 0; i < len; i++)
			nz += ((uint8_t *)vmb_region_host_base(z))[i] != 0;
		CHECK_EQ(nz, 0);
		vmb_region_free(z);
	}
out:
	free(buf);
	vmb_region_free(r);
}

/*
 * G11: anonymous regions are private, memfd and file regions shared. A
 * forked child writes through its copy of the region; the parent sees the
 * write only for the shared kinds.
 */
TEST(G11_anon_private_memfd_file_shared_across_fork)
{
	for (size_t k = 0; k < NKINDS; k++) {
		struct vmb_region *r = new_region(all_kinds[k], 0, 0x1000, 0, 0);

		if (r == NULL)
			continue;
		fflush(NULL);
		pid_t pid = fork();

		if (pid == 0) {
			uint32_t v = 0xc0ffee;
			int rc = vmb_bytes_write_obj(vmb_region_bytes(r), 0x40, &v, sizeof(v), NULL);

			_exit(rc == 0 ? 0 : 1);
		}
		CHECK(pid > 0);
		CHECK_EQ(vmbt_wait_exit(pid), 0);

		uint32_t seen = 1;

		CHECK_RC(vmb_bytes_read_obj(vmb_region_bytes(r), 0x40, &seen, sizeof(seen), NULL), 0);
		if (all_kinds[k] == VMB_REGION_ANON)
			CHECK_EQ(seen, 0);
		else
			CHECK_EQ(seen, 0xc0ffee);
		vmb_region_free(r);
	}
}

/* test_mmap_region_new / test_mmap_region_from_file: read-write, private
 * and MAP_NORESERVE for anonymous memory, shared for the file kinds. */
TEST(G11_mapping_flags)
{
	for (size_t k = 0; k < NKINDS; k++) {
		for (unsigned flags = 0; flags <= VMB_REGION_GUARD; flags++) {
			struct vmb_region *r = new_region(all_kinds[k], 0, 0x3000, flags, 0);
			char perms[5] = "", vmflags[256] = "";

			if (r == NULL)
				continue;
			CHECK(mapping_info(vmb_region_host_base(r), perms, vmflags,
					   sizeof(vmflags)));
			CHECK(perms[0] == 'r' && perms[1] == 'w');
			if (all_kinds[k] == VMB_REGION_ANON) {
				CHECK(perms[3] == 'p');
				/* The kernel honours MAP_NORESERVE only outside strict
				 * overcommit (mode 2); then VmFlags shows "nr". */
				FILE *f = fopen("/proc/sys/vm/overcommit_memory", "re");
				int mode = -1;

				if (f) {
					if (fscanf(f, "%d", &mode) != 1)
						mode = -1;
					fclose(f);
				}
				if (mode == 0 || mode == 1)
					CHECK(strstr(vmflags, " nr") != NULL);
			} else {
				CHECK(perms[3] == 's');
			}
			vmb_region_free(r);
		}
	}
}

static bool exited_ok(int status)
{
	return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* VMB_REGION_GUARD: the byte before and the byte after the region fault. */
TEST(G11_guard_pages_fault)
{
	size_t pg = page_size();

	for (size_t k = 0; k < NKINDS; k++) {
		struct vmb_region *r = new_region(all_kinds[k], 0x100000, 2 * pg, VMB_REGION_GUARD,
						  0);

		if (r == NULL)
			continue;
		volatile uint8_t *base = vmb_region_host_base(r);
		size_t len = (size_t)vmb_region_len(r);

		/* Control: the first and last bytes are fine. */
		CHECK(exited_ok(vmbt_touch_in_child(base, true)));
		CHECK(exited_ok(vmbt_touch_in_child(base + len - 1, true)));
		CHECK(exited_ok(vmbt_touch_in_child(base + len - 1, false)));
		/* The guards. */
		CHECK(vmbt_died_of_segv(vmbt_touch_in_child(base - 1, false)));
		CHECK(vmbt_died_of_segv(vmbt_touch_in_child(base - 1, true)));
		CHECK(vmbt_died_of_segv(vmbt_touch_in_child(base + len, false)));
		CHECK(vmbt_died_of_segv(vmbt_touch_in_child(base + len, true)));
		CHECK(vmbt_died_of_segv(vmbt_touch_in_child(base - pg, false)));
		CHECK(vmbt_died_of_segv(vmbt_touch_in_child(base + len + pg - 1, false)));
		vmb_region_free(r);
	}
}

/* With a length that is not a page multiple the guard sits after the
 * rounded-up body: the byte before faults, the page end faults. */
TEST(G11_guard_pages_unaligned_len)
{
	size_t pg = page_size();

	for (size_t k = 0; k < NKINDS; k++) {
		struct vmb_region *r = new_region(all_kinds[k], 0, pg + 10, VMB_REGION_GUARD, 0);

		if (r == NULL)
			continue;
		volatile uint8_t *base = vmb_region_host_base(r);

		CHECK(exited_ok(vmbt_touch_in_child(base + pg + 9, false)));
		CHECK(vmbt_died_of_segv(vmbt_touch_in_child(base - 1, false)));
		CHECK(vmbt_died_of_segv(vmbt_touch_in_child(base + 2 * pg, false)));
		vmb_region_free(r);
	}
}

/* Pages of @bm that are dirty, as a bit mask (at most 64 pages). */
static uint64_t dirty_mask(struct vmb_bitmap *bm)
{
	uint64_t m = 0;

	for (size_t i = 0; i < vmb_bitmap_pages(bm) && i < 64; i++)
		if (vmb_bitmap_is_page_dirty(bm, i))
			m |= (uint64_t)1 << i;
	return m;
}

/* S11: a region's bitmap counts pages from the region's first byte, not
 * from guest address 0; reads never mark. */
TEST(S11_region_bitmap_region_relative)
{
	for (size_t k = 0; k < NKINDS; k++) {
		/* Guest start 0x1_2345_0000: pages are still region offsets / 0x100. */
		struct vmb_region *r = new_region(all_kinds[k], 0x123450000ull, 0x1000, 0, 0x100);
		struct vmb_bytes b;
		uint8_t buf[32] = { 0 };
		size_t done;

		if (r == NULL)
			continue;
		b = vmb_region_bytes(r);
		struct vmb_bitmap *bm = vmb_region_bitmap(r);

		CHECK(bm != NULL);
		CHECK_EQ(vmb_bitmap_pages(bm), 0x10);
		CHECK_EQ(vmb_bitmap_page_size(bm), 0x100);
		CHECK_EQ(dirty_mask(bm), 0);

		/* 16 bytes at 0x1f8 touch pages 1 and 2. */
		CHECK_RC(vmb_bytes_write(b, 0x1f8, buf, 16, &done, NULL), 0);
		CHECK_EQ(dirty_mask(bm), 0x6);
		vmb_bitmap_reset(bm);

		/* Reads and loads never mark. */
		uint64_t v;

		CHECK_RC(vmb_bytes_read(b, 0, buf, sizeof(buf), &done, NULL), 0);
		CHECK_RC(vmb_bytes_read_slice(b, 0xff0, buf, 16, NULL), 0);
		CHECK_RC(vmb_bytes_load(b, 0x800, 8, VMB_SEQ_CST, &v, NULL), 0);
		struct vmb_buf_sink sink;
		uint8_t out[64];

		CHECK_RC(vmb_buf_sink_init(&sink, out, sizeof(out)), 0);
		CHECK_RC(vmb_bytes_write_all_volatile_to(b, 0x300, &sink.base, 64, NULL), 0);
		CHECK_EQ(dirty_mask(bm), 0);

		/* store marks its page; write_obj its pages. */
		CHECK_RC(vmb_bytes_store(b, 0x508, 8, VMB_RELAXED, 1, NULL), 0);
		CHECK_EQ(dirty_mask(bm), 1u << 5);
		uint32_t w = 7;

		CHECK_RC(vmb_bytes_write_obj(b, 0xffe, &w, sizeof(w), NULL), VMB_EPARTIAL_BUFFER);
		/* The 2 bytes that were written mark the last page. */
		CHECK_EQ(dirty_mask(bm), (1u << 5) | (1u << 15));
		vmb_bitmap_reset(bm);

		/* read_volatile_from marks what it actually moved. */
		static const struct vmb_fault short3[] = { { VMB_FAULT_SHORT, 3 } };
		struct vmb_buf_source src;
		struct vmb_fault_source fs;
		uint8_t data[0x200];

		memset(data, 0xab, sizeof(data));
		CHECK_RC(vmb_buf_source_init(&src, data, sizeof(data)), 0);
		CHECK_RC(vmb_fault_source_init(&fs, &src.base, short3, 1, false), 0);
		CHECK_RC(vmb_bytes_read_volatile_from(b, 0x3fe, &fs.base, 0x100, &done, NULL), 0);
		CHECK_EQ(done, 3);
		CHECK_EQ(dirty_mask(bm), (1u << 3) | (1u << 4));
		vmb_bitmap_reset(bm);
		CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0x700, &src.base, 0x100, NULL), 0);
		CHECK_EQ(dirty_mask(bm), 1u << 7);

		/* A failed write marks nothing. */
		vmb_bitmap_reset(bm);
		CHECK_RC(vmb_bytes_write(b, 0x1000, buf, 1, &done, NULL),
			 VMB_EINVALID_BACKEND_ADDRESS);
		CHECK_RC(vmb_bytes_store(b, 0x101, 4, VMB_RELAXED, 1, NULL),
			 VMB_EINVALID_BACKEND_ADDRESS);
		CHECK_EQ(dirty_mask(bm), 0);

		/* A sub-slice shares the bitmap at its own offset. */
		struct vmb_slice s;

		CHECK_RC(vmb_region_get_slice(r, 0x900, 0x100, &s, NULL), 0);
		CHECK_RC(vmb_slice_write(s, 0x10, buf, 4, &done, NULL), 0);
		CHECK_EQ(dirty_mask(bm), 1u << 9);
		vmb_region_free(r);
	}
}

/*
 * test_dirty_tracking (mmap/unix.rs, test_volatile_memory) and the region
 * half of test_guest_memory_and_region (test_guest_memory_region,
 * test_bytes): page size 0x1000, a 0x10000-byte region.
 */
TEST(S11_region_dirty_tracking_ref)
{
	struct vmb_region *r = new_region(VMB_REGION_ANON, 0, 0x10000, 0, 0x1000);
	struct vmb_bitmap *bm;
	struct vmb_bytes b;
	struct vmb_slice whole, s2;
	uint64_t val = 123;
	uint8_t buf[1024];
	size_t done;

	if (r == NULL)
		return;
	bm = vmb_region_bitmap(r);
	b = vmb_region_bytes(r);
	CHECK_EQ(dirty_mask(bm), 0);

	/* test_guest_memory_region: write_obj at 0 dirties [0, 8). */
	CHECK_RC(vmb_region_get_slice(r, 0, 8, &s2, NULL), 0);
	CHECK(!vmb_bitmap_is_dirty(s2.bitmap, s2.bitmap_offset));
	CHECK_RC(vmb_bytes_write_obj(b, 0, &val, sizeof(val), NULL), 0);
	CHECK(vmb_bitmap_is_dirty(bm, 0) && vmb_bitmap_is_dirty(bm, 7));
	CHECK(vmb_bitmap_is_dirty(s2.bitmap, s2.bitmap_offset + 7));

	/* test_bytes: write, write_slice, write_obj, store, 0x1000 apart. */
	memset(buf, 1, sizeof(buf));
	CHECK(!vmb_bitmap_is_dirty(bm, 0x1000));
	CHECK_RC(vmb_bytes_write(b, 0x1000, buf, sizeof(buf), &done, NULL), 0);
	CHECK_EQ(done, sizeof(buf));
	CHECK(vmb_bitmap_is_dirty(bm, 0x1000) && vmb_bitmap_is_dirty(bm, 0x13ff));
	CHECK(!vmb_bitmap_is_dirty(bm, 0x2000));
	CHECK_RC(vmb_bytes_write_slice(b, 0x2000, buf, sizeof(buf), NULL), 0);
	CHECK(vmb_bitmap_is_dirty(bm, 0x2000) && vmb_bitmap_is_dirty(bm, 0x23ff));
	CHECK(!vmb_bitmap_is_dirty(bm, 0x3000));
	CHECK_RC(vmb_bytes_write_obj(b, 0x3000, &val, sizeof(val), NULL), 0);
	CHECK(vmb_bitmap_is_dirty(bm, 0x3000) && vmb_bitmap_is_dirty(bm, 0x33ff));
	CHECK(!vmb_bitmap_is_dirty(bm, 0x4000));
	CHECK_RC(vmb_bytes_store(b, 0x4000, 8, VMB_RELAXED, val, NULL), 0);
	CHECK(vmb_bitmap_is_dirty(bm, 0x4000) && vmb_bitmap_is_dirty(bm, 0x43ff));
	CHECK_EQ(dirty_mask(bm), 0x1f);

	/* test_volatile_memory: the whole slice and a sub-slice agree. */
	vmb_bitmap_reset(bm);
	CHECK_RC(vmb_region_as_slice(r, &whole), 0);
	CHECK_RC(vmb_region_get_slice(r, 0x1000, 8, &s2, NULL), 0);
	CHECK(!vmb_bitmap_is_dirty(s2.bitmap, s2.bitmap_offset));
	CHECK_RC(vmb_slice_write_obj(whole, 0x1000, &val, sizeof(val), NULL), 0);
	CHECK(vmb_bitmap_is_dirty(whole.bitmap, 0x1000));
	CHECK(vmb_bitmap_is_dirty(s2.bitmap, s2.bitmap_offset));
	CHECK(!vmb_bitmap_is_dirty(bm, 0x2000));
	CHECK_RC(vmb_slice_store(whole, 0x2000, 8, VMB_RELAXED, val, NULL), 0);
	CHECK(vmb_bitmap_is_dirty(bm, 0x2000));
	struct vmb_slice arr;

	CHECK(!vmb_bitmap_is_dirty(bm, 0x3000));
	CHECK_RC(vmb_slice_get_array(whole, 0x3000, 1, 8, &arr, NULL), 0);
	CHECK_RC(vmb_slice_store(arr, 0, 8, VMB_RELAXED, val, NULL), 0);
	CHECK(vmb_bitmap_is_dirty(bm, 0x3000));
	CHECK_EQ(dirty_mask(bm), 0xe);
	vmb_region_free(r);
}

/* G9 through vmb_region_bytes(): region-relative addresses; slice address
 * errors become InvalidBackendAddress, PartialBuffer and IO pass through. */
TEST(G9_region_bytes_error_mapping)
{
	for (size_t k = 0; k < NKINDS; k++) {
		/* Start at 0x1000 so that a guest-absolute address would be wrong. */
		struct vmb_region *r = new_region(all_kinds[k], 0x1000, 0x400, 0, 0);
		struct vmb_bytes b;
		struct vmb_error e;
		uint8_t buf[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
		uint8_t *host;
		size_t done;
		uint64_t v;

		if (r == NULL)
			continue;
		b = vmb_region_bytes(r);
		host = vmb_region_host_base(r);

		/* S1: empty is ok 0 anywhere. */
		CHECK_RC(vmb_bytes_write(b, UINT64_MAX, buf, 0, &done, &e), 0);
		CHECK_EQ(done, 0);
		/* S3 at the tail; region offset 0x3ff is host byte 0x3ff. */
		CHECK_RC(vmb_bytes_write(b, 0x3ff, buf, 2, &done, &e), 0);
		CHECK_EQ(done, 1);
		CHECK_EQ(host[0x3ff], 1);
		/* S2 -> G9. */
		done = 99;
		CHECK_RC(vmb_bytes_write(b, 0x400, buf, 1, &done, &e),
			 VMB_EINVALID_BACKEND_ADDRESS);
		CHECK_ERR(e, "invalid_backend_address");
		CHECK_EQ(done, 0);
		CHECK_RC(vmb_bytes_read(b, 0x1000, buf, 1, &done, &e),
			 VMB_EINVALID_BACKEND_ADDRESS);
		CHECK_RC(vmb_bytes_read(b, UINT64_MAX, buf, 1, &done, &e),
			 VMB_EINVALID_BACKEND_ADDRESS);
		/* S4 PartialBuffer passes through. */
		CHECK_RC(vmb_bytes_write_slice(b, 0x3ff, buf, 2, &e), VMB_EPARTIAL_BUFFER);
		CHECK_ERR(e, "partial_buffer expected=2 completed=1");
		v = 0x1122334455667788ull;
		CHECK_RC(vmb_bytes_write_obj(b, 0x3fc, &v, 8, &e), VMB_EPARTIAL_BUFFER);
		CHECK_ERR(e, "partial_buffer expected=8 completed=4");
		CHECK_EQ(host[0x3fc], 0x88);
		CHECK_EQ(host[0x3ff], 0x55);
		CHECK_RC(vmb_bytes_read_obj(b, 0x3fc, &v, 8, &e), VMB_EPARTIAL_BUFFER);
		CHECK_ERR(e, "partial_buffer expected=8 completed=4");
		CHECK_RC(vmb_bytes_write_obj(b, UINT64_MAX, &v, 2, &e),
			 VMB_EINVALID_BACKEND_ADDRESS);

		/* S9 -> G8/G9: straddling, past the end, misaligned, wrapping. */
		CHECK_RC(vmb_bytes_store(b, 0x3fe, 4, VMB_RELAXED, 1, &e),
			 VMB_EINVALID_BACKEND_ADDRESS);
		CHECK_ERR(e, "invalid_backend_address");
		CHECK_RC(vmb_bytes_store(b, 0x201, 4, VMB_RELAXED, 1, &e),
			 VMB_EINVALID_BACKEND_ADDRESS);
		CHECK_RC(vmb_bytes_load(b, 0x202, 8, VMB_RELAXED, &v, &e),
			 VMB_EINVALID_BACKEND_ADDRESS);
		CHECK_RC(vmb_bytes_load(b, UINT64_MAX - 1, 4, VMB_RELAXED, &v, &e),
			 VMB_EINVALID_BACKEND_ADDRESS);
		/* An invalid ordering stays InvalidArgument. */
		CHECK_RC(vmb_bytes_store(b, 0x200, 4, VMB_ACQUIRE, 1, &e), VMB_EINVALID_ARGUMENT);
		CHECK_RC(vmb_bytes_load(b, 0x200, 4, VMB_RELEASE, &v, &e), VMB_EINVALID_ARGUMENT);

		/* S7: a == L clamps to 0, a > L is an address error. */
		struct vmb_buf_source src;
		uint8_t data[32] = { 0 };

		CHECK_RC(vmb_buf_source_init(&src, data, sizeof(data)), 0);
		CHECK_RC(vmb_bytes_read_volatile_from(b, 0x400, &src.base, 8, &done, &e), 0);
		CHECK_EQ(done, 0);
		CHECK_RC(vmb_bytes_read_volatile_from(b, 0x401, &src.base, 8, &done, &e),
			 VMB_EINVALID_BACKEND_ADDRESS);
		/* S8's range check, mapped. */
		CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0x3f0, &src.base, 0x20, &e),
			 VMB_EINVALID_BACKEND_ADDRESS);
		CHECK_RC(vmb_bytes_read_exact_volatile_from(b, UINT64_MAX, &src.base, 2, &e),
			 VMB_EINVALID_BACKEND_ADDRESS);

		/* IO passes through with its errno or kind. */
		static const struct vmb_fault eio[] = { { VMB_FAULT_EIO, 0 } };
		struct vmb_fault_source fs;

		CHECK_RC(vmb_fault_source_init(&fs, &src.base, eio, 1, false), 0);
		CHECK_RC(vmb_bytes_read_volatile_from(b, 0, &fs.base, 8, &done, &e), VMB_EIO);
		CHECK_ERR(e, "io errno=EIO");
		CHECK_RC(vmb_buf_source_init(&src, data, 4), 0);
		CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0, &src.base, 8, &e), VMB_EIO);
		CHECK_ERR(e, "io kind=unexpected_eof");
		struct vmb_buf_sink sink;
		uint8_t out[7];

		CHECK_RC(vmb_buf_sink_init(&sink, out, sizeof(out)), 0);
		CHECK_RC(vmb_bytes_write_all_volatile_to(b, 0, &sink.base, 8, &e), VMB_EIO);
		CHECK_ERR(e, "io kind=write_zero");
		CHECK_EQ(sink.len, 7);
		vmb_region_free(r);
	}
}

/* test_guest_memory_mmap_get_slice, slice_addr,
 * test_guest_memory_mmap_as_volatile_slice. */
TEST(G9_region_get_slice)
{
	struct vmb_region *r = new_region(VMB_REGION_ANON, 0, 0x400, 0, 0);
	struct vmb_slice s;
	struct vmb_error e;
	uint64_t v = 0;

	if (r == NULL)
		return;
	CHECK_RC(vmb_region_get_slice(r, 0x100, 0x200, &s, &e), 0);
	CHECK_EQ(s.len, 0x200);
	CHECK(s.base == (uint8_t *)vmb_region_host_base(r) + 0x100);
	CHECK_RC(vmb_region_get_slice(r, 0x200, 0, &s, &e), 0);
	CHECK_EQ(s.len, 0);
	CHECK_RC(vmb_region_get_slice(r, 0x400, 0, &s, &e), 0);
	CHECK_EQ(s.len, 0);
	CHECK_RC(vmb_region_get_slice(r, 0x300, 0x200, &s, &e), VMB_EINVALID_BACKEND_ADDRESS);
	CHECK_ERR(e, "invalid_backend_address");
	CHECK_RC(vmb_region_get_slice(r, 0x401, 0, &s, &e), VMB_EINVALID_BACKEND_ADDRESS);
	CHECK_RC(vmb_region_get_slice(r, UINT64_MAX, 2, &s, &e), VMB_EINVALID_BACKEND_ADDRESS);
	CHECK_RC(vmb_region_get_slice(r, 2, UINT64_MAX, &s, &e), VMB_EINVALID_BACKEND_ADDRESS);
	CHECK_RC(vmb_region_get_slice(r, 0, 0, NULL, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_region_get_slice(NULL, 0, 0, &s, &e), VMB_EINVALID_ARGUMENT);

	/* slice_addr: get_slice(2, 3) starts 2 bytes into the mapping. */
	CHECK_RC(vmb_region_get_slice(r, 2, 3, &s, &e), 0);
	CHECK(s.base == (uint8_t *)vmb_region_host_base(r) + 2);
	CHECK_EQ(s.len, 3);

	/* as_volatile_slice: the whole length; a u32 stored at 0x200 loads back. */
	CHECK_RC(vmb_region_as_slice(r, &s), 0);
	CHECK_EQ(s.len, 0x400);
	CHECK_RC(vmb_slice_store(s, 0x200, 4, VMB_RELEASE, 0x12345678, NULL), 0);
	CHECK_RC(vmb_slice_load(s, 0x200, 4, VMB_ACQUIRE, &v, NULL), 0);
	CHECK_EQ(v, 0x12345678);
	CHECK_RC(vmb_region_as_slice(r, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_region_as_slice(NULL, &s), VMB_EINVALID_ARGUMENT);
	vmb_region_free(r);
}

/* test_atomic_accesses (mmap/mod.rs): check_atomic_accesses on a region,
 * good offset 0, bad offset 0x1000 (the length). Every width, every kind. */
TEST(S9_region_atomic_accesses)
{
	static const unsigned widths[] = { 1, 2, 4, 8 };

	for (size_t k = 0; k < NKINDS; k++) {
		struct vmb_region *r = new_region(all_kinds[k], 0, 0x1000, 0, 0);
		struct vmb_bytes b;
		uint64_t v = 1;

		if (r == NULL)
			continue;
		b = vmb_region_bytes(r);
		CHECK_RC(vmb_bytes_load(b, 0, 4, VMB_RELAXED, &v, NULL), 0);
		CHECK_EQ(v, 0);
		CHECK_RC(vmb_bytes_store(b, 0, 4, VMB_RELAXED, 100, NULL), 0);
		CHECK_RC(vmb_bytes_load(b, 0, 4, VMB_RELAXED, &v, NULL), 0);
		CHECK_EQ(v, 100);
		CHECK(vmb_bytes_load(b, 0x1000, 4, VMB_RELAXED, &v, NULL) != 0);
		CHECK(vmb_bytes_store(b, 0x1000, 4, VMB_RELAXED, 100, NULL) != 0);

		for (size_t i = 0; i < 4; i++) {
			unsigned w = widths[i];
			uint64_t mask = w == 8 ? UINT64_MAX : (((uint64_t)1 << (8 * w)) - 1);
			uint64_t want = 0xa1b2c3d4e5f60718ull & mask;
			uint64_t at = 0x1000 - w;

			CHECK_RC(vmb_bytes_store(b, at, w, VMB_SEQ_CST, 0xa1b2c3d4e5f60718ull, NULL),
				 0);
			CHECK_RC(vmb_bytes_load(b, at, w, VMB_SEQ_CST, &v, NULL), 0);
			CHECK_EQ(v, want);
			CHECK_RC(vmb_bytes_load(b, at + w, w, VMB_RELAXED, &v, NULL),
				 VMB_EINVALID_BACKEND_ADDRESS);
		}
		vmb_region_free(r);
	}
}

/* G1 for set_start, and test_change_region_addr's region half: a region no
 * guest owns may move anywhere G1 allows. */
TEST(G1_set_start)
{
	struct vmb_region *r = new_region(VMB_REGION_ANON, 0x1000, 0x1000, 0, 0);
	struct vmb_error e;

	if (r == NULL)
		return;
	CHECK_RC(vmb_region_set_start(r, 0x2000, &e), 0);
	CHECK_EQ(vmb_region_start(r), 0x2000);
	CHECK_EQ(vmb_region_last_addr(r), 0x2fff);
	CHECK_EQ(vmb_region_len(r), 0x1000);

	/* start + len == 2^64 overflows: refused, nothing changes. */
	CHECK_RC(vmb_region_set_start(r, UINT64_MAX - 0xfff, &e), VMB_EINVALID_GUEST_REGION);
	CHECK_ERR(e, "invalid_guest_region");
	CHECK_RC(vmb_region_set_start(r, UINT64_MAX, &e), VMB_EINVALID_GUEST_REGION);
	CHECK_EQ(vmb_region_start(r), 0x2000);

	/* Ending exactly at UINT64_MAX (exclusive) is fine. */
	CHECK_RC(vmb_region_set_start(r, UINT64_MAX - 0x1000, &e), 0);
	CHECK_EQ(vmb_region_last_addr(r), UINT64_MAX - 1);
	CHECK_RC(vmb_region_set_start(r, 0, &e), 0);
	CHECK_EQ(vmb_region_last_addr(r), 0xfff);

	/* Moving keeps the bytes: addresses are region-relative. */
	uint8_t b = 0x42, got = 0;

	CHECK_RC(vmb_bytes_write_obj(vmb_region_bytes(r), 0x10, &b, 1, NULL), 0);
	CHECK_RC(vmb_region_set_start(r, 0x7000, &e), 0);
	CHECK_RC(vmb_bytes_read_obj(vmb_region_bytes(r), 0x10, &got, 1, NULL), 0);
	CHECK_EQ(got, 0x42);

	CHECK_RC(vmb_region_set_start(NULL, 0, &e), VMB_EINVALID_ARGUMENT);

	/* A region a guest owns cannot move; once removed it can. */
	struct vmb_guest *g = NULL;
	struct vmb_region *back = NULL;

	CHECK_RC(vmb_guest_new(&r, 1, &g, NULL), 0);
	CHECK_RC(vmb_region_set_start(r, 0x9000, &e), VMB_EINVALID_ARGUMENT);
	CHECK_EQ(vmb_region_start(r), 0x7000);
	CHECK_RC(vmb_guest_remove(g, 0x7000, 0x1000, &back, NULL), 0);
	CHECK(back == r);
	CHECK_RC(vmb_region_set_start(r, 0x9000, &e), 0);
	CHECK_EQ(vmb_region_start(r), 0x9000);
	vmb_guest_free(g);
	vmb_region_free(r);
}

/*
 * G11: a memfd region whose memfd is fd 0 (stdin closed in a child) is a
 * shared mapping of that memfd like any other: what is written through
 * the region is in the memfd.
 */
TEST(G11_memfd_region_on_fd_0_is_shared)
{
	fflush(NULL);
	pid_t pid = fork();

	if (pid == 0) {
		struct vmb_region_config cfg = { .len = 0x1000, .kind = VMB_REGION_MEMFD };
		struct vmb_region *r = NULL;
		uint32_t v = 0xfd0fd0, seen = 0;

		close(0);
		if (vmb_region_new(&cfg, &r, NULL) != 0)
			_exit(2);
		if (vmb_region_fd(r) != 0)
			_exit(3);
		if (vmb_bytes_write_obj(vmb_region_bytes(r), 0x40, &v, sizeof(v), NULL) != 0)
			_exit(4);
		if (pread(0, &seen, sizeof(seen), 0x40) != (ssize_t)sizeof(seen) || seen != v)
			_exit(5);
		vmb_region_free(r);
		/* Freeing closes the region's own fd, 0 included. */
		if (fcntl(0, F_GETFD) != -1 || errno != EBADF)
			_exit(6);
		_exit(0);
	}
	CHECK(pid > 0);
	CHECK_EQ(vmbt_wait_exit(pid), 0);
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * vmb_guest_from_ranges() (core/src/guest_ranges.c): GR1-GR3, with G1, G2
 * and G11 through it. "Nothing leaks" is checked by counting the process's
 * open descriptors and its mappings before and after each failing call (and
 * by LeakSanitizer in the asan preset for the heap). The mappings are
 * counted where nothing else maps memory behind the test's back (dev,
 * ubsan, portable, aarch64): under ASan, MSan and TSan the sanitizer's own
 * allocator maps memory as it goes, so there the count is not compared.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "vmbytes.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || \
	__has_feature(thread_sanitizer)
#define SANITIZER_MAPS 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZER_MAPS 1
#endif

/* The lines of /proc/self/maps: one per mapping; 0 under a sanitizer that
 * maps memory of its own (see the top), so that before and after agree. */
static size_t count_maps(void)
{
#ifdef SANITIZER_MAPS
	return 0;
#endif
	FILE *f = fopen("/proc/self/maps", "r");
	size_t n = 0;
	int c;

	CHECK(f != NULL);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* The open descriptors of this process. */
static size_t count_fds(void)
{
	size_t n = 0;

	for (int fd = 0; fd < 4096; fd++)
		n += fcntl(fd, F_GETFD) != -1;
	return n;
}

static const struct vmb_guest_ranges_config anon = { .kind = VMB_REGION_ANON };

/* Calls vmb_guest_from_ranges(), expects @want, and that nothing stayed:
 * no new mapping or descriptor, *out untouched. */
static void expect_refused(const struct vmb_range *r, size_t n,
			   const struct vmb_guest_ranges_config *cfg, int want)
{
	struct vmb_guest *sentinel = (struct vmb_guest *)(uintptr_t)0x1234, *g = sentinel;
	struct vmb_error e;
	size_t maps = count_maps(), fds = count_fds();

	CHECK_RC(vmb_guest_from_ranges(r, n, cfg, &g, &e), want);
	CHECK_EQ(e.code, want);
	CHECK(g == sentinel);
	CHECK_EQ(count_maps(), maps);
	CHECK_EQ(count_fds(), fds);
}

TEST(GR1_null_arguments_and_a_bad_config_are_invalid_argument)
{
	const struct vmb_range r[1] = { { 0x1000, 0x1000, 0 } };
	struct vmb_guest *g = NULL;
	struct vmb_guest_ranges_config bad;

	expect_refused(r, 1, NULL, VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_guest_from_ranges(r, 1, &anon, NULL, NULL), VMB_EINVALID_ARGUMENT);
	expect_refused(NULL, 1, &anon, VMB_EINVALID_ARGUMENT);
	expect_refused(NULL, SIZE_MAX, &anon, VMB_EINVALID_ARGUMENT);
	bad = anon;
	bad.kind = (enum vmb_region_kind)3;
	expect_refused(r, 1, &bad, VMB_EINVALID_ARGUMENT);
	bad = anon;
	bad.flags = 2;
	expect_refused(r, 1, &bad, VMB_EINVALID_ARGUMENT);
	bad = anon;
	bad.dirty_page_size = 3;
	expect_refused(r, 1, &bad, VMB_EINVALID_ARGUMENT);
	bad = anon;
	bad.kind = VMB_REGION_FILE;
	bad.fd = -1;
	expect_refused(r, 1, &bad, VMB_EINVALID_ARGUMENT);
	/* A bad config is refused even with no ranges (checked first). */
	expect_refused(r, 0, &bad, VMB_EINVALID_ARGUMENT);
	CHECK(g == NULL);
}

TEST(GR1_no_ranges_is_no_memory_region)
{
	const struct vmb_range r[1] = { { 0, 0x1000, 0 } };

	expect_refused(NULL, 0, &anon, VMB_ENO_MEMORY_REGION);
	expect_refused(r, 0, &anon, VMB_ENO_MEMORY_REGION);
}

TEST(GR2_G1_a_bad_range_is_refused_before_anything_is_mapped)
{
	/* A len of 0 in the middle. */
	const struct vmb_range zero[3] = { { 0, 0x1000, 0 }, { 0x1000, 0, 0 }, { 0x2000, 0x1000, 0 } };
	/* The last one ends at exactly 2^64: start + len wraps to 0. */
	const struct vmb_range wrap[2] = { { 0, 0x1000, 0 }, { UINT64_MAX - 0xfff, 0x1000, 0 } };
	/* A len past what the host can map. */
	const struct vmb_range huge[2] = { { 0, 0x1000, 0 }, { 0x1000, UINT64_MAX / 2, 0 } };
	/* G1 of every range comes before G2 of any pair: pair 0 overlaps,
	 * range 2 has no bytes. */
	const struct vmb_range both[3] = { { 0, 0x2000, 0 }, { 0x1000, 0x1000, 0 }, { 0x9000, 0, 0 } };

	expect_refused(zero, 3, &anon, VMB_EINVALID_GUEST_REGION);
	expect_refused(wrap, 2, &anon, VMB_EINVALID_GUEST_REGION);
	expect_refused(huge, 2, &anon, VMB_EINVALID_ARGUMENT);
	expect_refused(both, 3, &anon, VMB_EINVALID_GUEST_REGION);
}

TEST(GR2_G2_unsorted_and_overlapping_ranges_are_refused_unmapped)
{
	const struct vmb_range unsorted[3] = { { 0, 0x1000, 0 },
					       { 0x3000, 0x1000, 0 },
					       { 0x2000, 0x1000, 0 } };
	const struct vmb_range overlap[2] = { { 0, 0x1001, 0 }, { 0x1000, 0x1000, 0 } };
	const struct vmb_range twice[2] = { { 0x1000, 0x1000, 0 }, { 0x1000, 0x1000, 0 } };
	/* Pairs in given order: pair 0 overlaps before pair 1 is unsorted. */
	const struct vmb_range first[3] = { { 0, 0x2000, 0 },
					    { 0x1000, 0x2000, 0 },
					    { 0, 0x1000, 0 } };

	expect_refused(unsorted, 3, &anon, VMB_EUNSORTED_MEMORY_REGIONS);
	expect_refused(overlap, 2, &anon, VMB_EMEMORY_REGION_OVERLAP);
	expect_refused(twice, 2, &anon, VMB_EMEMORY_REGION_OVERLAP);
	expect_refused(first, 3, &anon, VMB_EMEMORY_REGION_OVERLAP);
}

/* Each range became one region with the range's start and length. */
static void check_layout(struct vmb_guest *g, const struct vmb_range *r, size_t n,
			 enum vmb_region_kind kind)
{
	CHECK_EQ(vmb_guest_num_regions(g), n);
	for (size_t i = 0; i < n; i++) {
		struct vmb_region *reg = vmb_guest_region_at(g, i);

		CHECK_EQ(vmb_region_start(reg), r[i].start);
		CHECK_EQ(vmb_region_len(reg), r[i].len);
		CHECK_EQ(vmb_region_kind(reg), kind);
	}
}

TEST(GR3_anon_ranges_with_guards_and_dirty_bitmaps)
{
	/* Touching, a hole, and one that ends at UINT64_MAX (last address
	 * UINT64_MAX - 1, G1). */
	const struct vmb_range r[4] = { { 0, 0x1000, 0 },
					{ 0x1000, 0x2000, 0 },
					{ 0x10000, 0x1800, 0 },
					{ UINT64_MAX - 0x1000, 0x1000, 0 } };
	const struct vmb_guest_ranges_config cfg = { .kind = VMB_REGION_ANON,
						     .flags = VMB_REGION_GUARD,
						     .dirty_page_size = 0x1000 };
	struct vmb_guest *g = NULL;
	struct vmb_error e;
	uint64_t v = 0;
	uint8_t buf[0x20];
	size_t done = 0;

	CHECK_RC(vmb_guest_from_ranges(r, 4, &cfg, &g, &e), 0);
	check_layout(g, r, 4, VMB_REGION_ANON);
	/* G4 across the touching pair: one write, two regions. */
	memset(buf, 0xab, sizeof(buf));
	CHECK_RC(vmb_guest_write(g, 0xff0, buf, sizeof(buf), &done, &e), 0);
	CHECK_EQ(done, sizeof(buf));
	CHECK_RC(vmb_guest_store(g, UINT64_MAX - 8, 8, VMB_RELEASE, 0x1122334455667788u, &e), 0);
	CHECK_RC(vmb_guest_load(g, UINT64_MAX - 8, 8, VMB_ACQUIRE, &v, &e), 0);
	CHECK_EQ(v, 0x1122334455667788u);
	/* S11: every region got a bitmap, marked region-relative. */
	for (size_t i = 0; i < 4; i++)
		CHECK(vmb_region_bitmap(vmb_guest_region_at(g, i)) != NULL);
	CHECK(vmb_bitmap_is_page_dirty(vmb_region_bitmap(vmb_guest_region_at(g, 0)), 0));
	CHECK(vmb_bitmap_is_page_dirty(vmb_region_bitmap(vmb_guest_region_at(g, 1)), 0));
	CHECK(!vmb_bitmap_is_page_dirty(vmb_region_bitmap(vmb_guest_region_at(g, 2)), 0));
	/* Guard pages: the byte before and the page after region 2 fault. */
	uint8_t *host = vmb_region_host_base(vmb_guest_region_at(g, 2));

	CHECK(vmbt_died_of_segv(vmbt_touch_in_child(host - 1, true)));
	CHECK(vmbt_died_of_segv(vmbt_touch_in_child(host + 0x2000, true)));
	vmb_guest_free(g);
}

TEST(GR3_memfd_and_file_ranges_are_shared)
{
	const struct vmb_range r[3] = { { 0x1000, 0x1000, 0x2000 },
					{ 0x4000, 0x1000, 0 },
					{ 0x5000, 0x2000, 0x1000 } };
	struct vmb_guest_ranges_config cfg = { .kind = VMB_REGION_MEMFD };
	struct vmb_guest *g = NULL;
	struct vmb_error e;
	uint8_t got[4];

	/* One memfd per range: writes reach each region's own file. */
	CHECK_RC(vmb_guest_from_ranges(r, 3, &cfg, &g, &e), 0);
	check_layout(g, r, 3, VMB_REGION_MEMFD);
	CHECK_RC(vmb_guest_write_slice(g, 0x4010, "abcd", 4, &e), 0);
	CHECK(pread(vmb_region_fd(vmb_guest_region_at(g, 1)), got, 4, 0x10) == 4);
	CHECK_MEM(got, "abcd", 4);
	CHECK(vmb_region_fd(vmb_guest_region_at(g, 0)) != vmb_region_fd(vmb_guest_region_at(g, 1)));
	vmb_guest_free(g);

	/* One file, each range at its own offset (G11). */
	int fd = vmbt_temp_file(0x3000);

	cfg.kind = VMB_REGION_FILE;
	cfg.fd = fd;
	CHECK_RC(vmb_guest_from_ranges(r, 3, &cfg, &g, &e), 0);
	check_layout(g, r, 3, VMB_REGION_FILE);
	CHECK_EQ(vmb_region_file_offset(vmb_guest_region_at(g, 0)), 0x2000);
	CHECK_RC(vmb_guest_write_slice(g, 0x1004, "wxyz", 4, &e), 0);
	CHECK_RC(vmb_guest_write_slice(g, 0x5ffe, "1234", 4, &e), 0);
	CHECK(pread(fd, got, 4, 0x2004) == 4);
	CHECK_MEM(got, "wxyz", 4);
	CHECK(pread(fd, got, 4, 0x1ffe) == 4);
	CHECK_MEM(got, "1234", 4);
	vmb_guest_free(g);
	close(fd);
}

TEST(GR3_a_failure_while_mapping_undoes_the_ranges_made_so_far)
{
	/* G11: the third range needs the file up to 0x5000, which has 0x3000:
	 * two regions are made, then undone. */
	const struct vmb_range r[3] = { { 0, 0x1000, 0 },
					{ 0x1000, 0x1000, 0x1000 },
					{ 0x2000, 0x1000, 0x4000 } };
	int fd = vmbt_temp_file(0x3000);
	struct vmb_guest_ranges_config cfg = { .kind = VMB_REGION_FILE,
					       .fd = fd,
					       .flags = VMB_REGION_GUARD,
					       .dirty_page_size = 0x1000 };

	expect_refused(r, 3, &cfg, VMB_EINVALID_GUEST_REGION);
	/* A descriptor that cannot be mapped shared read-write: mmap fails
	 * EACCES on the first range, after the fstat and dup. */
	char path[64];
	int wo;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	wo = open(path, O_WRONLY | O_CLOEXEC);
	CHECK(wo >= 0);
	cfg.fd = wo;
	cfg.dirty_page_size = 0;
	expect_refused(r, 2, &cfg, VMB_EIO);
	close(wo);
	close(fd);
}

TEST(GR3_a_failing_mmap_in_the_middle_leaves_nothing)
{
	/* In a child: an address-space limit lets the first ranges map and
	 * makes the mmap of the last one fail with ENOMEM. */
#ifdef SANITIZER_MAPS
	vmbt_skip("a sanitizer's shadow memory does not fit under RLIMIT_AS");
	return;
#endif
#ifdef VMBT_EMULATED
	vmbt_skip("under qemu-user RLIMIT_AS bounds the emulator's address space, not the guest's");
	return;
#endif
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		const struct vmb_range r[3] = { { 0, 0x100000, 0 },
						{ 0x100000, 0x100000, 0 },
						{ 0x1000000, (uint64_t)1 << 40, 0 } };
		const struct vmb_guest_ranges_config cfg = { .kind = VMB_REGION_ANON,
							     .flags = VMB_REGION_GUARD };
		struct rlimit lim;
		struct vmb_guest *g = NULL;
		struct vmb_error e;
		size_t maps;
		int rc;

		/* The current size plus 64 MiB: room for the first two. */
		FILE *f = fopen("/proc/self/statm", "r");
		unsigned long pages = 0;

		if (f == NULL || fscanf(f, "%lu", &pages) != 1)
			_exit(3);
		fclose(f);
		lim.rlim_cur = lim.rlim_max = pages * (rlim_t)sysconf(_SC_PAGESIZE) + (64u << 20);
		if (setrlimit(RLIMIT_AS, &lim) != 0)
			_exit(4);
		maps = count_maps();
		rc = vmb_guest_from_ranges(r, 3, &cfg, &g, &e);
		if (rc != VMB_EIO || e.errnum != ENOMEM || g != NULL)
			_exit(5);
		if (count_maps() != maps)
			_exit(6);
		/* The same first two ranges alone still fit: the limit was not
		 * eaten by a leak. */
		rc = vmb_guest_from_ranges(r, 2, &cfg, &g, &e);
		if (rc != 0 || vmb_guest_num_regions(g) != 2)
			_exit(7);
		vmb_guest_free(g);
		_exit(count_maps() == maps ? 0 : 8);
	}
	CHECK_EQ(vmbt_wait_exit(pid), 0);
}

TEST(GR3_many_ranges_and_free)
{
	struct vmb_range r[64];
	struct vmb_guest *g = NULL;
	size_t maps = count_maps();

	for (size_t i = 0; i < 64; i++)
		r[i] = (struct vmb_range){ i * 0x3000, 0x1000 + (i % 3) * 0x1000, 0 };
	CHECK_RC(vmb_guest_from_ranges(r, 64, &anon, &g, NULL), 0);
	check_layout(g, r, 64, VMB_REGION_ANON);
	for (size_t i = 0; i < 64; i++)
		CHECK(vmb_guest_find_region(g, r[i].start + r[i].len - 1) ==
		      vmb_guest_region_at(g, i));
	CHECK(vmb_guest_find_region(g, 0x2fff) == NULL);
	vmb_guest_free(g);
	CHECK_EQ(count_maps(), maps);
}

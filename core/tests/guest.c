/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Guest memory (guest.h): building the region set (G2), finding regions
 * (G3), the multi-region walk (G4-G7), atomics (G8), error mapping (G9),
 * get_slices and check_range (G10) and per-region dirty tracking (S11).
 *
 * Covers by intent the guest_memory.rs, region.rs and mmap/mod.rs tests of
 * the reference; the case comments name them.
 */
/* The experimental tier (vmbytes/experimental.h): tuning, forcing and
 * test hooks. */
#define VMB_EXPERIMENTAL
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

static struct vmb_region *region_of(enum vmb_region_kind kind, uint64_t start, uint64_t len,
				    size_t dirty_page)
{
	struct vmb_region_config cfg = { .start = start, .len = len, .kind = kind, .fd = -1,
					 .dirty_page_size = dirty_page };
	struct vmb_region *r = NULL;
	struct vmb_error e;
	int rc;

	if (kind == VMB_REGION_FILE)
		cfg.fd = vmbt_disk_file((size_t)len);
	rc = vmb_region_new(&cfg, &r, &e);
	if (rc != 0)
		vmbt_fail(__FILE__, __LINE__, "region (0x%" PRIx64 ", 0x%" PRIx64 "): %s", start, len,
			  vmb_error_name(rc));
	if (cfg.fd >= 0)
		close(cfg.fd);
	return r;
}

static struct vmb_region *anon(uint64_t start, uint64_t len)
{
	return region_of(VMB_REGION_ANON, start, len, 0);
}

struct range {
	uint64_t start, len;
};

/* A guest over @n ranges of @kind, in one call (GR3): files are one
 * temporary file with each range at its own page-aligned offset; NULL (and
 * a recorded failure) if it cannot be built. */
static struct vmb_guest *guest_kind(const struct range *rs, size_t n, enum vmb_region_kind kind,
				    size_t dirty_page)
{
	struct vmb_guest_ranges_config cfg = { .kind = kind, .fd = -1,
					       .dirty_page_size = dirty_page };
	struct vmb_range *v = calloc(n, sizeof(*v));
	struct vmb_guest *g = NULL;
	struct vmb_error e;
	uint64_t at = 0;
	int rc;

	if (v == NULL)
		abort();
	for (size_t i = 0; i < n; i++) {
		v[i] = (struct vmb_range){ rs[i].start, rs[i].len, at };
		at += (rs[i].len + 0xfff) & ~(uint64_t)0xfff;
	}
	if (kind == VMB_REGION_FILE)
		cfg.fd = vmbt_disk_file((size_t)at);
	rc = vmb_guest_from_ranges(v, n, &cfg, &g, &e);
	if (rc != 0)
		vmbt_fail(__FILE__, __LINE__, "guest_from_ranges: %s", vmb_error_name(rc));
	if (cfg.fd >= 0)
		close(cfg.fd);
	free(v);
	return g;
}

static struct vmb_guest *guest(const struct range *rs, size_t n)
{
	return guest_kind(rs, n, VMB_REGION_ANON, 0);
}

static const enum vmb_region_kind all_kinds[] = { VMB_REGION_ANON, VMB_REGION_MEMFD,
						   VMB_REGION_FILE };
#define NKINDS (sizeof(all_kinds) / sizeof(all_kinds[0]))
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The layout of SPEC G4 and of the reference's check_range tests. */
static const struct range spec3[] = { { 0, 0x400 }, { 0x800, 0x400 }, { 0xc00, 0x400 } };

static struct vmb_guest *const g_untouched = (struct vmb_guest *)(uintptr_t)0x5a5a5a50;

/* Expects vmb_guest_new() over @rs to fail with @want; the caller keeps
 * the regions and can build a valid guest from them afterwards. */
static void expect_new_fails(const struct range *rs, size_t n, int want, const char *text)
{
	struct vmb_region *regs[8];
	struct vmb_guest *g = g_untouched;
	struct vmb_error e;

	for (size_t i = 0; i < n; i++)
		regs[i] = anon(rs[i].start, rs[i].len);
	CHECK_RC(vmb_guest_new(regs, n, &g, &e), want);
	CHECK_ERR(e, text);
	CHECK(g == g_untouched);
	/* Still the caller's: each alone makes a valid guest. */
	for (size_t i = 0; i < n; i++) {
		g = NULL;
		CHECK_RC(vmb_guest_new(&regs[i], 1, &g, NULL), 0);
		vmb_guest_free(g);
	}
}

/* test_no_memory_region. */
TEST(G2_no_memory_region)
{
	struct vmb_guest *g = g_untouched;
	struct vmb_region *none[1] = { NULL };
	struct vmb_error e;

	CHECK_RC(vmb_guest_new(NULL, 0, &g, &e), VMB_ENO_MEMORY_REGION);
	CHECK_ERR(e, "no_memory_region");
	CHECK_RC(vmb_guest_new(none, 0, &g, &e), VMB_ENO_MEMORY_REGION);
	CHECK(g == g_untouched);
	CHECK_RC(vmb_guest_new(none, 1, &g, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_guest_new(NULL, 1, &g, &e), VMB_EINVALID_ARGUMENT);
	CHECK(g == g_untouched);
	vmb_guest_free(NULL);
	CHECK_EQ(vmb_guest_num_regions(NULL), 0);
	CHECK(vmb_guest_find_region(NULL, 0) == NULL);
}

/* test_overlapping_memory_regions. */
TEST(G2_overlapping_regions)
{
	static const struct range a[] = { { 0, 100 }, { 99, 100 } };
	static const struct range b[] = { { 0, 100 }, { 0, 100 } };
	static const struct range c[] = { { 0x1000, 0x1000 }, { 0x1800, 0x10 } };
	static const struct range d[] = { { 0, 0x10 }, { 0x10, 0x10 }, { 0x1f, 0x10 } };

	expect_new_fails(a, 2, VMB_EMEMORY_REGION_OVERLAP, "memory_region_overlap");
	expect_new_fails(b, 2, VMB_EMEMORY_REGION_OVERLAP, "memory_region_overlap");
	expect_new_fails(c, 2, VMB_EMEMORY_REGION_OVERLAP, "memory_region_overlap");
	expect_new_fails(d, 3, VMB_EMEMORY_REGION_OVERLAP, "memory_region_overlap");

	/* The same region twice can never be owned twice. */
	struct vmb_region *r = anon(0, 0x1000);
	struct vmb_region *twice[2] = { r, r };
	struct vmb_guest *g = g_untouched;
	int rc = vmb_guest_new(twice, 2, &g, NULL);

	CHECK(rc == VMB_EMEMORY_REGION_OVERLAP || rc == VMB_EINVALID_ARGUMENT);
	CHECK(g == g_untouched);
	vmb_region_free(r);
}

/* test_unsorted_memory_regions. */
TEST(G2_unsorted_regions)
{
	static const struct range a[] = { { 100, 100 }, { 0, 100 } };
	static const struct range b[] = { { 0, 0x10 }, { 0x2000, 0x10 }, { 0x1000, 0x10 } };

	expect_new_fails(a, 2, VMB_EUNSORTED_MEMORY_REGIONS, "unsorted_memory_regions");
	expect_new_fails(b, 3, VMB_EUNSORTED_MEMORY_REGIONS, "unsorted_memory_regions");
}

/* G2: "prev.start > next.start" is checked before "prev.last >=
 * next.start", and the pairs in the order given. */
TEST(G2_unsorted_checked_before_overlap)
{
	/* Both unsorted and overlapping: unsorted wins. */
	static const struct range a[] = { { 0x1000, 0x1000 }, { 0x800, 0x1000 } };
	static const struct range b[] = { { 0x1000, 0x1000 }, { 0xfff, 0x10 } };
	/* First pair overlaps, second pair is unsorted: the first pair decides. */
	static const struct range c[] = { { 0, 100 }, { 50, 100 }, { 0, 10 } };
	/* First pair unsorted, second overlaps. */
	static const struct range d[] = { { 200, 100 }, { 0, 100 }, { 50, 100 } };

	expect_new_fails(a, 2, VMB_EUNSORTED_MEMORY_REGIONS, "unsorted_memory_regions");
	expect_new_fails(b, 2, VMB_EUNSORTED_MEMORY_REGIONS, "unsorted_memory_regions");
	expect_new_fails(c, 3, VMB_EMEMORY_REGION_OVERLAP, "memory_region_overlap");
	expect_new_fails(d, 3, VMB_EUNSORTED_MEMORY_REGIONS, "unsorted_memory_regions");
}

/* test_valid_memory_regions, test_iter: touching regions are fine. */
TEST(G2_touching_regions_ok)
{
	static const struct range rs[] = { { 0, 100 }, { 100, 100 } };
	struct vmb_guest *g = guest(rs, 2);

	if (g == NULL)
		return;
	CHECK_EQ(vmb_guest_num_regions(g), 2);
	CHECK_EQ(vmb_guest_last_addr(g), 199);
	for (size_t i = 0; i < 2; i++) {
		struct vmb_region *r = vmb_guest_region_at(g, i);

		CHECK(r != NULL);
		CHECK_EQ(vmb_region_start(r), rs[i].start);
		CHECK_EQ(vmb_region_len(r), rs[i].len);
		CHECK(vmb_guest_find_region(g, rs[i].start) == r);
	}
	CHECK(vmb_guest_region_at(g, 2) == NULL);
	CHECK(vmb_guest_find_region(g, 99) == vmb_guest_region_at(g, 0));
	CHECK(vmb_guest_find_region(g, 100) == vmb_guest_region_at(g, 1));
	CHECK(vmb_guest_find_region(g, 200) == NULL);
	vmb_guest_free(g);

	/* test_iter: iteration order is address order. */
	static const struct range it[] = { { 0, 0x400 }, { 0x1000, 0x400 } };

	g = guest(it, 2);
	if (g == NULL)
		return;
	for (size_t i = 0; i < vmb_guest_num_regions(g); i++) {
		CHECK_EQ(vmb_region_start(vmb_guest_region_at(g, i)), it[i].start);
		CHECK_EQ(vmb_region_len(vmb_guest_region_at(g, i)), 0x400);
	}
	vmb_guest_free(g);
}

static void expect_starts(struct vmb_guest *g, const uint64_t *starts, size_t n)
{
	CHECK_EQ(vmb_guest_num_regions(g), n);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(vmb_region_start(vmb_guest_region_at(g, i)), starts[i]);
}

/* test_mmap_insert_region: inserts keep the set sorted; a duplicate is an
 * overlap and leaves the guest as it was. */
TEST(G2_insert_sorted)
{
	static const struct range rs[] = { { 0, 0x1000 }, { 0x100000, 0x1000 } };
	static const uint64_t news[] = { 0x8000, 0x4000, 0xc000 };
	static const uint64_t want[] = { 0, 0x4000, 0x8000, 0xc000, 0x100000 };
	struct vmb_guest *g = guest(rs, 2);
	struct vmb_error e;

	if (g == NULL)
		return;
	for (size_t i = 0; i < NELEM(news); i++)
		CHECK_RC(vmb_guest_insert(g, anon(news[i], 0x1000), &e), 0);
	expect_starts(g, want, 5);

	struct vmb_region *dup = anon(0xc000, 0x1000);

	CHECK_RC(vmb_guest_insert(g, dup, &e), VMB_EMEMORY_REGION_OVERLAP);
	CHECK_ERR(e, "memory_region_overlap");
	expect_starts(g, want, 5);
	vmb_region_free(dup); /* still ours */

	/* A region the guest already owns cannot be inserted again. */
	CHECK_RC(vmb_guest_insert(g, vmb_guest_region_at(g, 1), &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_guest_insert(g, NULL, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_guest_insert(NULL, NULL, &e), VMB_EINVALID_ARGUMENT);
	expect_starts(g, want, 5);

	/* Touching on both sides fits into the hole exactly. */
	CHECK_RC(vmb_guest_insert(g, anon(0x1000, 0x3000), &e), 0);
	CHECK_EQ(vmb_guest_num_regions(g), 6);
	CHECK_EQ(vmb_region_start(vmb_guest_region_at(g, 1)), 0x1000);
	CHECK(vmb_guest_find_region(g, 0x3fff) == vmb_guest_region_at(g, 1));
	CHECK(vmb_guest_find_region(g, 0x4000) == vmb_guest_region_at(g, 2));
	vmb_guest_free(g);

	/* Insert before the first region and after the last. */
	static const struct range mid[] = { { 0x10000, 0x1000 } };
	static const uint64_t ends[] = { 0x1000, 0x10000, 0x20000 };

	g = guest(mid, 1);
	if (g == NULL)
		return;
	CHECK_RC(vmb_guest_insert(g, anon(0x20000, 0x1000), &e), 0);
	CHECK_RC(vmb_guest_insert(g, anon(0x1000, 0x1000), &e), 0);
	expect_starts(g, ends, 3);
	CHECK_EQ(vmb_guest_last_addr(g), 0x20fff);
	vmb_guest_free(g);
}

/* G2: every kind of overlap with a neighbour is refused and changes
 * nothing; the refused region stays the caller's. */
TEST(G2_insert_overlap_leaves_guest_unchanged)
{
	static const struct range rs[] = { { 0x1000, 0x1000 }, { 0x4000, 0x1000 } };
	static const struct range bad[] = {
		{ 0x1000, 0x1000 }, /* identical */
		{ 0x0, 0x1001 },    /* reaches into the first */
		{ 0x1fff, 0x10 },   /* starts at the first's last byte */
		{ 0x1800, 0x10 },   /* inside the first */
		{ 0x0, 0x10000 },   /* covers both */
		{ 0x3000, 0x1001 }, /* reaches the second's first byte */
		{ 0x4fff, 1 },      /* the second's last byte */
		{ 0x1fff, 0x2002 }, /* from the first's last to the second's first */
	};
	static const uint64_t want[] = { 0x1000, 0x4000 };
	struct vmb_guest *g = guest(rs, 2);

	if (g == NULL)
		return;
	struct vmb_region *first = vmb_guest_region_at(g, 0), *second = vmb_guest_region_at(g, 1);

	for (size_t i = 0; i < NELEM(bad); i++) {
		struct vmb_region *r = anon(bad[i].start, bad[i].len);
		struct vmb_error e;

		CHECK_RC(vmb_guest_insert(g, r, &e), VMB_EMEMORY_REGION_OVERLAP);
		expect_starts(g, want, 2);
		CHECK(vmb_guest_region_at(g, 0) == first && vmb_guest_region_at(g, 1) == second);
		CHECK(vmb_guest_find_region(g, 0x1fff) == first);
		CHECK(vmb_guest_find_region(g, 0x4000) == second);
		CHECK(vmb_guest_find_region(g, 0x3000) == NULL);
		/* Not owned: set_start works and free is ours. */
		CHECK_RC(vmb_region_set_start(r, 0x100000, NULL), 0);
		vmb_region_free(r);
	}
	/* The touching neighbours on each side are fine. */
	CHECK_RC(vmb_guest_insert(g, anon(0x2000, 0x2000), NULL), 0);
	CHECK_RC(vmb_guest_insert(g, anon(0x0, 0x1000), NULL), 0);
	CHECK_RC(vmb_guest_insert(g, anon(0x5000, 0x1), NULL), 0);
	CHECK_EQ(vmb_guest_num_regions(g), 5);
	vmb_guest_free(g);
}

/* test_mmap_remove_region: only an exact (start, len) match is removed. */
TEST(G2_remove_exact_only)
{
	static const struct range rs[] = { { 0, 0x1000 }, { 0x100000, 0x1000 } };
	struct vmb_guest *g = guest(rs, 2);
	struct vmb_region *out = (struct vmb_region *)(uintptr_t)0x5a5a5a50;
	struct vmb_region *const sentinel = out;
	struct vmb_error e;

	if (g == NULL)
		return;
	CHECK_RC(vmb_guest_remove(g, 0, 128, &out, &e), VMB_ENO_MEMORY_REGION);
	CHECK_ERR(e, "no_memory_region");
	CHECK_RC(vmb_guest_remove(g, 0x4000, 128, &out, &e), VMB_ENO_MEMORY_REGION);
	CHECK_RC(vmb_guest_remove(g, 0x100001, 0xfff, &out, &e), VMB_ENO_MEMORY_REGION);
	CHECK_RC(vmb_guest_remove(g, 0x100000, 0x1001, &out, &e), VMB_ENO_MEMORY_REGION);
	CHECK_RC(vmb_guest_remove(g, 0xfff, 0x1000, &out, &e), VMB_ENO_MEMORY_REGION);
	CHECK_RC(vmb_guest_remove(g, 0x100000, 0x1000, NULL, &e), VMB_EINVALID_ARGUMENT);
	CHECK(out == sentinel);
	CHECK_EQ(vmb_guest_num_regions(g), 2);

	CHECK_RC(vmb_guest_remove(g, 0x100000, 0x1000, &out, &e), 0);
	CHECK_EQ(vmb_guest_num_regions(g), 1);
	CHECK_EQ(vmb_region_start(vmb_guest_region_at(g, 0)), 0);
	CHECK_EQ(vmb_region_start(out), 0x100000);
	CHECK(vmb_guest_find_region(g, 0x100000) == NULL);
	vmb_region_free(out);

	/* Removing the last region leaves an empty guest memory. */
	CHECK_RC(vmb_guest_remove(g, 0, 0x1000, &out, &e), 0);
	CHECK_EQ(vmb_guest_num_regions(g), 0);
	CHECK(vmb_guest_find_region(g, 0) == NULL);
	uint8_t b = 1;
	size_t done = 9;

	CHECK_RC(vmb_bytes_write(vmb_guest_bytes(g), 0, &b, 1, &done, &e),
		 VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x0");
	CHECK_EQ(done, 0);
	CHECK(!vmb_guest_check_range(g, 0, 1));
	CHECK(vmb_guest_check_range(g, 0, 0));
	CHECK_RC(vmb_guest_remove(g, 0, 0x1000, &out, &e), VMB_ENO_MEMORY_REGION);

	/* It takes new regions again. */
	CHECK_RC(vmb_guest_insert(g, out, &e), 0);
	CHECK(vmb_guest_find_region(g, 0x10) == out);
	vmb_guest_free(g);
}

/* test_change_region_addr: remove, move, insert again. */
TEST(G2_change_region_addr)
{
	static const struct range rs[] = { { 0x1000, 0x1000 } };
	struct vmb_guest *g = guest(rs, 1);
	struct vmb_region *r = NULL;

	if (g == NULL)
		return;
	CHECK(vmb_guest_find_region(g, 0x1000) != NULL);
	CHECK(vmb_guest_find_region(g, 0x2000) == NULL);
	CHECK_RC(vmb_guest_remove(g, 0x1000, 0x1000, &r, NULL), 0);
	CHECK(vmb_guest_find_region(g, 0x1000) == NULL);
	CHECK(vmb_guest_find_region(g, 0x2000) == NULL);
	CHECK_RC(vmb_region_set_start(r, 0x2000, NULL), 0);
	CHECK_RC(vmb_guest_insert(g, r, NULL), 0);
	CHECK(vmb_guest_find_region(g, 0x1000) == NULL);
	CHECK(vmb_guest_find_region(g, 0x2000) == r);
	vmb_guest_free(g);
}

/* Linear reference for find_region over a table. */
static long find_linear(const struct range *rs, size_t n, uint64_t a)
{
	for (size_t i = 0; i < n; i++)
		if (a >= rs[i].start && a - rs[i].start < rs[i].len)
			return (long)i;
	return -1;
}

static void check_find(struct vmb_guest *g, const struct range *rs, size_t n, uint64_t a)
{
	long want = find_linear(rs, n, a);
	struct vmb_region *got = vmb_guest_find_region(g, a);

	if (want < 0) {
		if (got != NULL)
			vmbt_fail(__FILE__, __LINE__, "n=%zu: find(0x%" PRIx64 ") found a region in a hole",
				  n, a);
	} else if (got != vmb_guest_region_at(g, (size_t)want)) {
		vmbt_fail(__FILE__, __LINE__, "n=%zu: find(0x%" PRIx64 ") is not region %ld", n, a,
			  want);
	}
}

/* G3: the search over 1..4097 regions (past 1024 the index switches from
 * counting to a binary search over its blocks) with holes and touching
 * pairs, probed at every boundary address. CTest runs it once per search
 * implementation (VMB_GUEST_SEARCH). */
TEST(G3_find_region_many)
{
	static const size_t counts[] = { 1,  2,  3,   4,   5,   7,   8,   9,   15,  16,
					 17, 31, 32,  33,  63,  64,  65,  127, 128, 129,
					 255, 256, 257, 511, 512, 513, 1023, 1024, 1025, 1040,
					 2048, 4097 };
	struct range *rs = calloc(4097, sizeof(*rs));

	if (rs == NULL)
		abort();
	for (size_t c = 0; c < NELEM(counts); c++) {
		size_t n = counts[c];
		uint64_t cur = (c & 1) ? 0 : 0x1000;

		for (size_t i = 0; i < n; i++) {
			rs[i].start = cur;
			rs[i].len = 0x100 * (1 + (i * 7) % 5);
			/* Every third region touches the next; the others leave a hole. */
			cur += rs[i].len + ((i % 3 == 0) ? 0 : 0x100 * (1 + i % 4));
		}
		struct vmb_guest *g = guest(rs, n);

		if (g == NULL)
			break;
		CHECK_EQ(vmb_guest_num_regions(g), n);
		for (size_t i = 0; i < n; i++) {
			uint64_t s = rs[i].start, last = s + rs[i].len - 1;

			if (s > 0)
				check_find(g, rs, n, s - 1);
			check_find(g, rs, n, s);
			check_find(g, rs, n, s + 1);
			check_find(g, rs, n, s + rs[i].len / 2);
			check_find(g, rs, n, last - 1);
			check_find(g, rs, n, last);
			check_find(g, rs, n, last + 1);
			check_find(g, rs, n, last + 0x80);
		}
		check_find(g, rs, n, 0);
		check_find(g, rs, n, UINT64_MAX);
		check_find(g, rs, n, cur + 0x100000);
		CHECK_EQ(vmb_guest_last_addr(g), rs[n - 1].start + rs[n - 1].len - 1);
		vmb_guest_free(g);
	}
	free(rs);
}

/* G1/G3 at the top of the address space: no region holds UINT64_MAX. */
TEST(G3_regions_near_uint64_max)
{
	static const struct range rs[] = { { 0, 0x1000 },
					   { UINT64_MAX - 0x2000, 0x1000 },
					   { UINT64_MAX - 0x1000, 0x1000 } };
	struct vmb_guest *g = guest(rs, 3);
	struct vmb_error e;
	uint8_t buf[0x40];
	size_t done;

	if (g == NULL)
		return;
	struct vmb_bytes b = vmb_guest_bytes(g);

	CHECK_EQ(vmb_guest_last_addr(g), UINT64_MAX - 1);
	CHECK(vmb_guest_find_region(g, UINT64_MAX) == NULL);
	CHECK(vmb_guest_find_region(g, UINT64_MAX - 1) == vmb_guest_region_at(g, 2));
	CHECK(vmb_guest_find_region(g, UINT64_MAX - 0x1001) == vmb_guest_region_at(g, 1));
	CHECK(vmb_guest_find_region(g, UINT64_MAX - 0x2001) == NULL);

	/* Across the two top regions. */
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	CHECK_RC(vmb_bytes_write(b, UINT64_MAX - 0x1020, buf, sizeof(buf), &done, &e), 0);
	CHECK_EQ(done, sizeof(buf));
	CHECK_MEM((uint8_t *)vmb_region_host_base(vmb_guest_region_at(g, 1)) + 0xfe0, buf, 0x20);
	CHECK_MEM(vmb_region_host_base(vmb_guest_region_at(g, 2)), buf + 0x20, 0x20);

	/* The walk ends at UINT64_MAX (in no region) without wrapping to 0. */
	CHECK_RC(vmb_bytes_write(b, UINT64_MAX - 0x10, buf, sizeof(buf), &done, &e), 0);
	CHECK_EQ(done, 0x10);
	CHECK_EQ(((uint8_t *)vmb_region_host_base(vmb_guest_region_at(g, 0)))[0], 0);
	CHECK_RC(vmb_bytes_read(b, UINT64_MAX, buf, 1, &done, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0xffffffffffffffff");
	uint64_t v = UINT64_MAX;

	CHECK_RC(vmb_bytes_write_obj(b, UINT64_MAX - 4, &v, 8, &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=8 completed=4");
	CHECK_RC(vmb_bytes_store(b, UINT64_MAX - 1, 1, VMB_SEQ_CST, 0x5a, &e), 0);
	CHECK_RC(vmb_bytes_load(b, UINT64_MAX - 1, 1, VMB_SEQ_CST, &v, &e), 0);
	CHECK_EQ(v, 0x5a);
	CHECK_RC(vmb_bytes_store(b, UINT64_MAX - 1, 2, VMB_SEQ_CST, 0, &e),
		 VMB_EINVALID_BACKEND_ADDRESS);

	/* A huge count from a small source ends at the top too. */
	struct vmb_buf_source src;

	CHECK_RC(vmb_buf_source_init(&src, buf, sizeof(buf)), 0);
	CHECK_RC(vmb_bytes_read_volatile_from(b, UINT64_MAX - 0x10, &src.base, SIZE_MAX, &done,
					      &e),
		 0);
	CHECK_EQ(done, 0x10);

	/* get_slices and check_range agree. */
	struct vmb_slices_iter it;
	struct vmb_slice s;

	vmb_guest_slices_init(&it, g, UINT64_MAX - 0x10, 0x20);
	CHECK_EQ(vmb_guest_slices_next(&it, &s, &e), 1);
	CHECK_EQ(s.len, 0x10);
	CHECK_RC(vmb_guest_slices_next(&it, &s, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0xffffffffffffffff");
	CHECK_EQ(vmb_guest_slices_next(&it, &s, &e), 0);
	CHECK(vmb_guest_check_range(g, UINT64_MAX - 0x10, 0x10));
	CHECK(!vmb_guest_check_range(g, UINT64_MAX - 0x10, 0x11));
	CHECK(vmb_guest_check_range(g, UINT64_MAX - 0x2000, 0x2000 - 1));
	CHECK(!vmb_guest_check_range(g, UINT64_MAX - 0x2000, SIZE_MAX));
	vmb_guest_free(g);
}

/* test_get_host_address, test_to_region_addr, test_address_in_range,
 * test_check_address: anonymous and file-backed. */
TEST(G3_get_host_address)
{
	static const struct range rs[] = { { 0, 0x400 }, { 0x800, 0x400 } };

	for (size_t k = 0; k < NKINDS; k++) {
		struct vmb_guest *g = guest_kind(rs, 2, all_kinds[k], 0);
		struct vmb_error e;
		void *p0 = NULL, *p1 = NULL, *p = (void *)(uintptr_t)1;

		if (g == NULL)
			continue;
		CHECK_RC(vmb_guest_get_host_address(g, 0x600, &p, &e), VMB_EINVALID_GUEST_ADDRESS);
		CHECK_ERR(e, "invalid_guest_address addr=0x600");
		CHECK(p == (void *)(uintptr_t)1);
		CHECK_RC(vmb_guest_get_host_address(g, 0xc00, &p, &e), VMB_EINVALID_GUEST_ADDRESS);
		CHECK_ERR(e, "invalid_guest_address addr=0xc00");
		CHECK_RC(vmb_guest_get_host_address(g, 0x800, &p0, &e), 0);
		CHECK_RC(vmb_guest_get_host_address(g, 0xa00, &p1, &e), 0);
		CHECK(p0 == vmb_region_host_base(vmb_guest_find_region(g, 0x800)));
		CHECK((uint8_t *)p1 == (uint8_t *)p0 + 0x200);
		CHECK_RC(vmb_guest_get_host_address(g, 0x3ff, &p, &e), 0);
		CHECK((uint8_t *)p == (uint8_t *)vmb_region_host_base(vmb_guest_region_at(g, 0)) + 0x3ff);
		CHECK_RC(vmb_guest_get_host_address(NULL, 0, &p, &e), VMB_EINVALID_ARGUMENT);
		CHECK_RC(vmb_guest_get_host_address(g, 0, NULL, &e), VMB_EINVALID_ARGUMENT);

		/* to_region_addr: 0x600 is a hole, 0x800 and 0xa00 share a region. */
		CHECK(vmb_guest_find_region(g, 0x600) == NULL);
		CHECK(vmb_guest_find_region(g, 0x800) == vmb_guest_find_region(g, 0xa00));
		CHECK(vmb_guest_find_region(g, 0x200) != NULL);
		CHECK(vmb_guest_find_region(g, 0xc00) == NULL);
		vmb_guest_free(g);
	}
}

static uint8_t *host_at(struct vmb_guest *g, uint64_t a)
{
	void *p = NULL;

	if (vmb_guest_get_host_address(g, a, &p, NULL) != 0)
		return NULL;
	return p;
}

/* G4's example: regions [0,0x400),[0x800,0xc00),[0xc00,0x1000). */
TEST(G4_walk_spec_example)
{
	struct vmb_guest *g = guest(spec3, 3);
	struct vmb_error e;
	uint8_t buf[0x500], got[0x500];
	size_t done;

	if (g == NULL)
		return;
	struct vmb_bytes b = vmb_guest_bytes(g);

	vmbt_fill_pattern(buf, sizeof(buf), 1);
	/* write(0x500 bytes, 0): the hole at 0x400 ends the walk: ok 0x400. */
	CHECK_RC(vmb_bytes_write(b, 0, buf, 0x500, &done, &e), 0);
	CHECK_EQ(done, 0x400);
	CHECK_MEM(host_at(g, 0), buf, 0x400);
	/* The exact form reports the shortfall; the 0x400 bytes were written. */
	vmbt_fill_pattern(buf, sizeof(buf), 2);
	CHECK_RC(vmb_bytes_write_slice(b, 0, buf, 0x500, &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=1280 completed=1024");
	CHECK_MEM(host_at(g, 0), buf, 0x400);
	/* The mirrors. */
	memset(got, 0, sizeof(got));
	CHECK_RC(vmb_bytes_read(b, 0, got, 0x500, &done, &e), 0);
	CHECK_EQ(done, 0x400);
	CHECK_MEM(got, buf, 0x400);
	CHECK_RC(vmb_bytes_read_slice(b, 0, got, 0x500, &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=1280 completed=1024");

	/* At 0xa00, 0x400 bytes span 0x200 + 0x200 over two touching regions. */
	vmbt_fill_pattern(buf, sizeof(buf), 3);
	CHECK_RC(vmb_bytes_write(b, 0xa00, buf, 0x400, &done, &e), 0);
	CHECK_EQ(done, 0x400);
	CHECK_MEM(host_at(g, 0xa00), buf, 0x200);
	CHECK_MEM(host_at(g, 0xc00), buf + 0x200, 0x200);
	CHECK_RC(vmb_bytes_read_slice(b, 0xa00, got, 0x400, &e), 0);
	CHECK_MEM(got, buf, 0x400);

	/* Starting in a hole, or past the end, is InvalidGuestAddress{a}. */
	done = 7;
	CHECK_RC(vmb_bytes_write(b, 0x600, buf, 0x10, &done, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x600");
	CHECK_EQ(done, 0);
	CHECK_RC(vmb_bytes_read(b, 0x400, got, 0x10, &done, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x400");
	CHECK_RC(vmb_bytes_write_slice(b, 0x1000, buf, 1, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x1000");
	/* Two touching regions read as one range; a write running off the end
	 * stops there. */
	CHECK_RC(vmb_bytes_read(b, 0x800, got, 0x500, &done, &e), 0);
	CHECK_EQ(done, 0x500);
	CHECK_RC(vmb_bytes_write(b, 0xe00, buf, 0x400, &done, &e), 0);
	CHECK_EQ(done, 0x200);
	vmb_guest_free(g);
}

/* A model of the G4 walk over a table, for the cross-check below. */
static int model_walk(const struct range *rs, size_t n, uint64_t a, size_t len, size_t *total)
{
	uint64_t cur = a;

	*total = 0;
	if (len == 0)
		return 0;
	while (*total < len) {
		long i = find_linear(rs, n, cur);

		if (i < 0)
			return *total == 0 ? VMB_EINVALID_GUEST_ADDRESS : 0;
		uint64_t room = rs[i].start + rs[i].len - cur;
		size_t chunk = room < len - *total ? (size_t)room : len - *total;

		*total += chunk;
		cur += chunk;
	}
	return 0;
}

/* G4/G6 against the model: random accesses over regions with holes and
 * touching pairs; contents checked against a shadow copy. */
TEST(G4_walk_model_cross_check)
{
	static const struct range rs[] = { { 0x0, 0x1000 },    { 0x1000, 0x800 },
					   { 0x2000, 0x1000 }, { 0x3000, 0x10 },
					   { 0x3010, 0x1ff0 }, { 0x8000, 0x100 },
					   { 0x8100, 0x1 },    { 0x8200, 0x3 } };
	enum { SPACE = 0x9000 };
	uint8_t *shadow = calloc(SPACE, 1), *buf = malloc(0x3000), *got = malloc(0x3000);
	struct vmb_guest *g = guest(rs, NELEM(rs));
	uint64_t x = 0x9e3779b97f4a7c15ull;

	if (g == NULL || shadow == NULL || buf == NULL || got == NULL)
		goto out;
	struct vmb_bytes b = vmb_guest_bytes(g);

	for (int iter = 0; iter < 4000; iter++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t a = x % SPACE;
		size_t len = (size_t)((x >> 20) % 0x3000);

		if ((x >> 40) % 8 == 0)
			len = (size_t)((x >> 44) % 16);
		size_t want_total, done = 12345;
		int want = model_walk(rs, NELEM(rs), a, len, &want_total);
		struct vmb_error e;
		int rc;

		vmbt_fill_pattern(buf, len, (unsigned)iter);
		if (iter & 1) {
			rc = vmb_bytes_write(b, a, buf, len, &done, &e);
		} else {
			/* The exact form: a short walk is PartialBuffer{len, total}. */
			int want_exact = want == 0 && want_total < len ? VMB_EPARTIAL_BUFFER : want;

			rc = vmb_bytes_write_slice(b, a, buf, len, &e);
			CHECK_RC(rc, want_exact);
			if (rc == VMB_EPARTIAL_BUFFER) {
				CHECK_EQ(e.expected, len);
				CHECK_EQ(e.completed, want_total);
			}
			rc = rc == want_exact ? want : rc;
			done = want_total; /* reported in the error, checked above */
		}
		if (rc != want || done != want_total) {
			vmbt_fail(__FILE__, __LINE__,
				  "write(0x%" PRIx64 ", %zu): %s %zu, model %s %zu", a, len,
				  vmb_error_name(rc), done, vmb_error_name(want), want_total);
			break;
		}
		if (want == VMB_EINVALID_GUEST_ADDRESS)
			CHECK_EQ(e.addr, a);
		memcpy(shadow + a, buf, want_total);

		/* Read back a random window through the guest and the model. */
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		a = x % SPACE;
		len = (size_t)((x >> 20) % 0x3000);
		want = model_walk(rs, NELEM(rs), a, len, &want_total);
		rc = vmb_bytes_read(b, a, got, len, &done, &e);
		CHECK_RC(rc, want);
		CHECK_EQ(done, want_total);
		if (rc == 0 && done == want_total && memcmp(got, shadow + a, done) != 0) {
			vmbt_fail(__FILE__, __LINE__, "read(0x%" PRIx64 ", %zu) differs from shadow", a,
				  len);
			break;
		}
	}
out:
	vmb_guest_free(g);
	free(shadow);
	free(buf);
	free(got);
}

/* test_access_cross_boundary, test_deref, write_and_read, for every
 * backing kind. */
TEST(G4_access_cross_boundary)
{
	static const uint8_t sample[5] = { 1, 2, 3, 4, 5 };
	static const struct range two[] = { { 0, 0x1000 }, { 0x1000, 0x1000 } };
	static const struct range one[] = { { 0x1000, 0x400 } };

	for (size_t k = 0; k < NKINDS; k++) {
		struct vmb_guest *g = guest_kind(two, 2, all_kinds[k], 0);
		uint8_t buf[5];
		size_t done;

		if (g == NULL)
			continue;
		struct vmb_bytes b = vmb_guest_bytes(g);

		CHECK_RC(vmb_bytes_write(b, 0xffc, sample, 5, &done, NULL), 0);
		CHECK_EQ(done, 5);
		memset(buf, 0, sizeof(buf));
		CHECK_RC(vmb_bytes_read(b, 0xffc, buf, 5, &done, NULL), 0);
		CHECK_EQ(done, 5);
		CHECK_MEM(buf, sample, 5);
		CHECK_EQ(host_at(g, 0x1000)[0], 5);

		/* test_deref: visible through the region's own slice. */
		struct vmb_slice s;

		CHECK_RC(vmb_bytes_write(b, 0, sample, 5, &done, NULL), 0);
		CHECK_RC(vmb_region_as_slice(vmb_guest_find_region(g, 0), &s), 0);
		memset(buf, 0, sizeof(buf));
		CHECK_RC(vmb_slice_read(s, 0, buf, 5, &done, NULL), 0);
		CHECK_EQ(done, 5);
		CHECK_MEM(buf, sample, 5);
		vmb_guest_free(g);

		/* write_and_read: the region tail takes one byte. */
		g = guest_kind(one, 1, all_kinds[k], 0);
		if (g == NULL)
			continue;
		b = vmb_guest_bytes(g);
		CHECK_RC(vmb_bytes_write(b, 0x1000, sample, 5, &done, NULL), 0);
		CHECK_EQ(done, 5);
		CHECK_RC(vmb_bytes_read(b, 0x1000, buf, 5, &done, NULL), 0);
		CHECK_EQ(done, 5);
		CHECK_MEM(buf, sample, 5);
		CHECK_RC(vmb_bytes_write(b, 0x13ff, sample, 5, &done, NULL), 0);
		CHECK_EQ(done, 1);
		buf[0] = 0;
		CHECK_RC(vmb_bytes_read(b, 0x13ff, buf, 5, &done, NULL), 0);
		CHECK_EQ(done, 1);
		CHECK_EQ(buf[0], sample[0]);
		vmb_guest_free(g);
	}
}

/* G5, test_zero_length_accesses: n == 0 is ok 0 at any address, mapped or
 * not, and no source or sink is called. */
TEST(G5_zero_length_any_address)
{
	static const struct range rs[] = { { 0x1000, 0x1000 } };
	static const uint64_t addrs[] = { 0x1000, 0x1fff, 0x2000, 0x500, 0, UINT64_MAX };
	struct vmb_guest *g = guest(rs, 1);
	uint8_t buf[1] = { 0 };

	if (g == NULL)
		return;
	struct vmb_bytes b = vmb_guest_bytes(g);

	for (size_t i = 0; i < NELEM(addrs); i++) {
		uint64_t a = addrs[i];
		struct vmbt_spy_source src;
		struct vmbt_spy_sink dst;
		size_t done = 99;

		vmbt_spy_source_init(&src, NULL);
		vmbt_spy_sink_init(&dst, NULL);
		CHECK_RC(vmb_bytes_write(b, a, buf, 0, &done, NULL), 0);
		CHECK_EQ(done, 0);
		done = 99;
		CHECK_RC(vmb_bytes_read(b, a, buf, 0, &done, NULL), 0);
		CHECK_EQ(done, 0);
		CHECK_RC(vmb_bytes_write(b, a, NULL, 0, &done, NULL), 0);
		CHECK_RC(vmb_bytes_write_slice(b, a, buf, 0, NULL), 0);
		CHECK_RC(vmb_bytes_read_slice(b, a, buf, 0, NULL), 0);
		CHECK_RC(vmb_bytes_write_obj(b, a, buf, 0, NULL), 0);
		CHECK_RC(vmb_bytes_read_obj(b, a, buf, 0, NULL), 0);
		done = 99;
		CHECK_RC(vmb_bytes_read_volatile_from(b, a, &src.base, 0, &done, NULL), 0);
		CHECK_EQ(done, 0);
		CHECK_RC(vmb_bytes_read_exact_volatile_from(b, a, &src.base, 0, NULL), 0);
		done = 99;
		CHECK_RC(vmb_bytes_write_volatile_to(b, a, &dst.base, 0, &done, NULL), 0);
		CHECK_EQ(done, 0);
		CHECK_RC(vmb_bytes_write_all_volatile_to(b, a, &dst.base, 0, NULL), 0);
		CHECK_EQ(src.calls, 0);
		CHECK_EQ(dst.calls, 0);
		CHECK(vmb_guest_check_range(g, a, 0));
	}
	CHECK_EQ(buf[0], 0);
	vmb_guest_free(g);
}

/* G6, test_read_u64: two 0x1000 regions, every backing kind. */
TEST(G6_read_u64)
{
	static const struct range rs[] = { { 0, 0x1000 }, { 0x1000, 0x1000 } };

	for (size_t k = 0; k < NKINDS; k++) {
		struct vmb_guest *g = guest_kind(rs, 2, all_kinds[k], 0);
		struct vmb_error e;
		uint64_t val1 = 0xaa55aa55aa55aa55ull, val2 = 0x55aa55aa55aa55aaull, num = 0;

		if (g == NULL)
			continue;
		struct vmb_bytes b = vmb_guest_bytes(g);

		CHECK_RC(vmb_bytes_write_obj(b, 0x2001, &val1, 8, &e), VMB_EINVALID_GUEST_ADDRESS);
		CHECK_ERR(e, "invalid_guest_address addr=0x2001");
		CHECK_RC(vmb_bytes_write_obj(b, 0x1ffc, &val1, 8, &e), VMB_EPARTIAL_BUFFER);
		CHECK_ERR(e, "partial_buffer expected=8 completed=4");
		/* The first four bytes (little-endian low half) were written. */
		CHECK_MEM(host_at(g, 0x1ffc), &val1, 4);
		CHECK_RC(vmb_bytes_read_obj(b, 0x1ffc, &num, 8, &e), VMB_EPARTIAL_BUFFER);
		CHECK_ERR(e, "partial_buffer expected=8 completed=4");
		CHECK_RC(vmb_bytes_read_obj(b, 0x2000, &num, 8, &e), VMB_EINVALID_GUEST_ADDRESS);
		CHECK_ERR(e, "invalid_guest_address addr=0x2000");

		CHECK_RC(vmb_bytes_write_obj(b, 0x500, &val1, 8, &e), 0);
		CHECK_RC(vmb_bytes_write_obj(b, 0x1000 + 32, &val2, 8, &e), 0);
		CHECK_RC(vmb_bytes_read_obj(b, 0x500, &num, 8, &e), 0);
		CHECK_EQ(num, val1);
		CHECK_RC(vmb_bytes_read_obj(b, 0x1000 + 32, &num, 8, &e), 0);
		CHECK_EQ(num, val2);
		/* An object across the two regions is whole. */
		CHECK_RC(vmb_bytes_write_obj(b, 0xffd, &val2, 8, &e), 0);
		CHECK_RC(vmb_bytes_read_obj(b, 0xffd, &num, 8, &e), 0);
		CHECK_EQ(num, val2);
		vmb_guest_free(g);
	}
}

/* A pipe that holds @n bytes of @data and then ends; returns the read end. */
static int pipe_with(const void *data, size_t n)
{
	int p[2];

	if (pipe(p) != 0 || (n > 0 && write(p[1], data, n) != (ssize_t)n)) {
		perror("pipe");
		abort();
	}
	close(p[1]);
	return p[0];
}

/* checked_read_from (guest_memory.rs): regions [0,0x40),[0x40,0x80);
 * 0x20 bytes at 0x30 come in two reads of 0x10, contiguous. */
TEST(G7_read_from_one_read_per_chunk)
{
	static const struct range rs[] = { { 0, 0x40 }, { 0x40, 0x40 } };
	struct vmb_guest *g = guest(rs, 2);
	uint8_t image[0x80];
	struct vmb_buf_source bs;
	struct vmbt_spy_source spy;
	size_t done = 0;

	if (g == NULL)
		return;
	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)i;
	CHECK_RC(vmb_buf_source_init(&bs, image, sizeof(image)), 0);
	vmbt_spy_source_init(&spy, &bs.base);
	CHECK_RC(vmb_bytes_read_volatile_from(vmb_guest_bytes(g), 0x30, &spy.base, 0x20, &done,
					      NULL),
		 0);
	CHECK_EQ(done, 0x20);
	CHECK_EQ(spy.calls, 2);
	CHECK_EQ(spy.asked[0], 0x10);
	CHECK_EQ(spy.asked[1], 0x10);
	CHECK_MEM(host_at(g, 0x30), image, 0x10);
	CHECK_MEM(host_at(g, 0x40), image + 0x10, 0x10);
	CHECK_EQ(host_at(g, 0x50)[0], 0);
	vmb_guest_free(g);
}

/* G7 [diverges]: a short read ends the walk, so the data is contiguous and
 * the next chunk is not read into. */
TEST(G7_read_from_stops_at_short_read)
{
	static const struct range rs[] = { { 0, 0x40 }, { 0x40, 0x40 } };
	static const struct vmb_fault short4[] = { { VMB_FAULT_SHORT, 4 } };
	struct vmb_guest *g = guest(rs, 2);
	uint8_t image[0x80];
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	struct vmbt_spy_source spy;
	size_t done = 0;

	if (g == NULL)
		return;
	struct vmb_bytes b = vmb_guest_bytes(g);

	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(0x80 | i);
	CHECK_RC(vmb_buf_source_init(&bs, image, sizeof(image)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, short4, 1, false), 0);
	vmbt_spy_source_init(&spy, &fs.base);
	CHECK_RC(vmb_bytes_read_volatile_from(b, 0x30, &spy.base, 0x20, &done, NULL), 0);
	CHECK_EQ(done, 4);
	CHECK_EQ(spy.calls, 1);
	CHECK_MEM(host_at(g, 0x30), image, 4);
	CHECK_EQ(host_at(g, 0x34)[0], 0);
	CHECK_EQ(host_at(g, 0x40)[0], 0);

	/* The exact form compares: PartialBuffer{n, total}. */
	CHECK_RC(vmb_buf_source_init(&bs, image, sizeof(image)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, short4, 1, false), 0);
	struct vmb_error e;

	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0x30, &fs.base, 0x20, &e),
		 VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=32 completed=4");

	/* A short read in the second chunk: the first stays, total is 0x10 + 3. */
	static const struct vmb_fault second_short[] = { { VMB_FAULT_PASS, 0 },
							 { VMB_FAULT_SHORT, 3 } };

	CHECK_RC(vmb_buf_source_init(&bs, image, sizeof(image)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, second_short, 2, false), 0);
	CHECK_RC(vmb_bytes_read_volatile_from(b, 0x30, &fs.base, 0x20, &done, NULL), 0);
	CHECK_EQ(done, 0x13);
	CHECK_MEM(host_at(g, 0x30), image, 0x10);
	CHECK_MEM(host_at(g, 0x40), image + 0x10, 3);
	CHECK_EQ(host_at(g, 0x43)[0], 0);

	/* End of data in the second chunk. */
	int fd = pipe_with(image, 0x18);
	struct vmb_fd_source fds;

	CHECK_RC(vmb_fd_source_init(&fds, fd), 0);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0x30, &fds.base, 0x20, &e),
		 VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=32 completed=24");
	close(fd);
	vmb_guest_free(g);
}

/* G7 with an I/O error in the second chunk: the error passes through (G9)
 * and the count of what did land is reported. EINTR is retried. */
TEST(G7_read_from_error_midway)
{
	static const struct range rs[] = { { 0, 0x40 }, { 0x40, 0x40 } };
	static const struct vmb_fault plan[] = { { VMB_FAULT_PASS, 0 }, { VMB_FAULT_EIO, 0 } };
	static const struct vmb_fault intr[] = { { VMB_FAULT_EINTR, 0 }, { VMB_FAULT_PASS, 0 },
						 { VMB_FAULT_EINTR, 0 } };
	struct vmb_guest *g = guest(rs, 2);
	uint8_t image[0x80];
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	struct vmb_error e;
	size_t done = 0;

	if (g == NULL)
		return;
	struct vmb_bytes b = vmb_guest_bytes(g);

	vmbt_fill_pattern(image, sizeof(image), 9);
	CHECK_RC(vmb_buf_source_init(&bs, image, sizeof(image)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, plan, 2, false), 0);
	CHECK_RC(vmb_bytes_read_volatile_from(b, 0x30, &fs.base, 0x20, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EIO");
	CHECK_EQ(done, 0x10);
	CHECK_MEM(host_at(g, 0x30), image, 0x10);

	CHECK_RC(vmb_buf_source_init(&bs, image, sizeof(image)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, plan, 2, false), 0);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0x30, &fs.base, 0x20, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EIO");

	CHECK_RC(vmb_buf_source_init(&bs, image, sizeof(image)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, intr, 3, false), 0);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0x30, &fs.base, 0x20, &e), 0);
	CHECK_MEM(host_at(g, 0x30), image, 0x10);
	CHECK_MEM(host_at(g, 0x40), image + 0x10, 0x10);
	vmb_guest_free(g);
}

/* G7: write_volatile_to writes each chunk whole, even through a sink that
 * takes a few bytes at a time. */
TEST(G7_write_to_chunks_whole)
{
	static const struct range rs[] = { { 0, 0x40 }, { 0x40, 0x40 } };
	static const struct vmb_fault short3[] = { { VMB_FAULT_SHORT, 3 } };
	struct vmb_guest *g = guest(rs, 2);
	uint8_t image[0x80], out[0x100];
	struct vmb_buf_sink bsink;
	struct vmb_fault_sink fsink;
	struct vmbt_spy_sink spy;
	struct vmb_error e;
	size_t done = 0;

	if (g == NULL)
		return;
	struct vmb_bytes b = vmb_guest_bytes(g);

	vmbt_fill_pattern(image, sizeof(image), 5);
	CHECK_RC(vmb_bytes_write_slice(b, 0, image, sizeof(image), NULL), 0);

	CHECK_RC(vmb_buf_sink_init(&bsink, out, sizeof(out)), 0);
	CHECK_RC(vmb_fault_sink_init(&fsink, &bsink.base, short3, 1, false), 0);
	vmbt_spy_sink_init(&spy, &fsink.base);
	CHECK_RC(vmb_bytes_write_volatile_to(b, 0x30, &spy.base, 0x20, &done, &e), 0);
	CHECK_EQ(done, 0x20);
	CHECK_EQ(bsink.len, 0x20);
	CHECK_MEM(out, image + 0x30, 0x20);
	/* 3 bytes, the other 13 of chunk one, then chunk two in one go. */
	CHECK_EQ(spy.calls, 3);
	CHECK_EQ(spy.asked[0], 0x10);
	CHECK_EQ(spy.asked[1], 0x10 - 3);
	CHECK_EQ(spy.asked[2], 0x10);

	/* write_all: the same, and exact. */
	CHECK_RC(vmb_buf_sink_init(&bsink, out, sizeof(out)), 0);
	CHECK_RC(vmb_fault_sink_init(&fsink, &bsink.base, short3, 1, true), 0);
	CHECK_RC(vmb_bytes_write_all_volatile_to(b, 0x10, &fsink.base, 0x60, &e), 0);
	CHECK_EQ(bsink.len, 0x60);
	CHECK_MEM(out, image + 0x10, 0x60);

	/* A sink that fills up in the second chunk: WriteZero passes through. */
	CHECK_RC(vmb_buf_sink_init(&bsink, out, 0x18), 0);
	CHECK_RC(vmb_bytes_write_volatile_to(b, 0x30, &bsink.base, 0x20, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=write_zero");
	CHECK_MEM(out, image + 0x30, 0x18);

	/* A failing sink: IO{errno}. */
	vmbt_spy_sink_init(&spy, NULL);
	CHECK_RC(vmb_bytes_write_volatile_to(b, 0x30, &spy.base, 0x20, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EIO");
	vmb_guest_free(g);
}

/*
 * G7 with SPEC section 1 ("a count is always reported, even on failure,
 * where the operation copied anything"): when the sink gives up inside a
 * chunk, the count says how many bytes left guest memory for the sink,
 * including the part of the failing chunk it did take.
 */
TEST(G7_write_to_count_on_sink_failure)
{
	static const struct range rs[] = { { 0, 0x40 }, { 0x40, 0x40 } };
	struct vmb_guest *g = guest(rs, 2);
	uint8_t image[0x80], out[0x20];
	struct vmb_buf_sink bsink;
	struct vmb_error e;
	size_t done = 0;

	if (g == NULL)
		return;
	struct vmb_bytes b = vmb_guest_bytes(g);

	vmbt_fill_pattern(image, sizeof(image), 6);
	CHECK_RC(vmb_bytes_write_slice(b, 0, image, sizeof(image), NULL), 0);
	/* 0x10 bytes of chunk one, then 8 of chunk two, then the sink is full. */
	CHECK_RC(vmb_buf_sink_init(&bsink, out, 0x18), 0);
	CHECK_RC(vmb_bytes_write_volatile_to(b, 0x30, &bsink.base, 0x20, &done, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=write_zero");
	CHECK_EQ(bsink.len, 0x18);
	CHECK_EQ(done, bsink.len);
	/* Within the first chunk. */
	CHECK_RC(vmb_buf_sink_init(&bsink, out, 5), 0);
	done = 0;
	CHECK_RC(vmb_bytes_write_volatile_to(b, 0x30, &bsink.base, 0x20, &done, &e), VMB_EIO);
	CHECK_EQ(bsink.len, 5);
	CHECK_EQ(done, bsink.len);
	vmb_guest_free(g);
}

/* G7: the exact forms compare the total with n: a hole after the first
 * chunk is PartialBuffer, a hole first is InvalidGuestAddress. */
TEST(G7_exact_forms_partial_buffer)
{
	static const struct range rs[] = { { 0, 0x40 }, { 0x40, 0x40 } };
	struct vmb_guest *g = guest(rs, 2);
	uint8_t image[0x40], out[0x40];
	struct vmb_buf_sink sink;
	struct vmb_fd_source fds;
	struct vmb_error e;
	size_t done;

	if (g == NULL)
		return;
	struct vmb_bytes b = vmb_guest_bytes(g);

	vmbt_fill_pattern(image, sizeof(image), 11);
	int fd = pipe_with(image, sizeof(image));

	CHECK_RC(vmb_fd_source_init(&fds, fd), 0);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0x70, &fds.base, 0x20, &e),
		 VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=32 completed=16");
	CHECK_MEM(host_at(g, 0x70), image, 0x10);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0x90, &fds.base, 0x20, &e),
		 VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x90");
	close(fd);

	CHECK_RC(vmb_buf_sink_init(&sink, out, sizeof(out)), 0);
	CHECK_RC(vmb_bytes_write_volatile_to(b, 0x70, &sink.base, 0x20, &done, &e), 0);
	CHECK_EQ(done, 0x10);
	CHECK_RC(vmb_buf_sink_init(&sink, out, sizeof(out)), 0);
	CHECK_RC(vmb_bytes_write_all_volatile_to(b, 0x70, &sink.base, 0x20, &e),
		 VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=32 completed=16");
	CHECK_RC(vmb_bytes_write_all_volatile_to(b, 0x80, &sink.base, 1, &e),
		 VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x80");
	/* A read from a hole. */
	CHECK_RC(vmb_bytes_write_volatile_to(b, 0x1000, &sink.base, 4, &done, &e),
		 VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x1000");
	vmb_guest_free(g);
}

/* read_to_and_write_from_mem: /dev/zero into a u32 that was all ones, then
 * the u32 out to a 4-byte sink. Anonymous and file-backed. */
TEST(G7_read_to_and_write_from_mem)
{
	static const struct range rs[] = { { 0x1000, 0x400 } };

	for (size_t k = 0; k < NKINDS; k++) {
		struct vmb_guest *g = guest_kind(rs, 1, all_kinds[k], 0);
		int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
		uint32_t ones = UINT32_MAX, v = 1;
		uint8_t sink_buf[4] = { 9, 9, 9, 9 }, zero[4] = { 0 };
		struct vmb_fd_source src;
		struct vmb_buf_sink sink;

		if (g == NULL || fd < 0) {
			vmb_guest_free(g);
			if (fd >= 0)
				close(fd);
			CHECK(fd >= 0);
			continue;
		}
		struct vmb_bytes b = vmb_guest_bytes(g);

		CHECK_RC(vmb_bytes_write_obj(b, 0x1010, &ones, 4, NULL), 0);
		CHECK_RC(vmb_fd_source_init(&src, fd), 0);
		CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0x1010, &src.base, 4, NULL), 0);
		CHECK_RC(vmb_bytes_read_obj(b, 0x1010, &v, 4, NULL), 0);
		CHECK_EQ(v, 0);
		CHECK_RC(vmb_buf_sink_init(&sink, sink_buf, sizeof(sink_buf)), 0);
		CHECK_RC(vmb_bytes_write_all_volatile_to(b, 0x1010, &sink.base, 4, NULL), 0);
		CHECK_MEM(sink_buf, zero, 4);
		close(fd);
		vmb_guest_free(g);
	}
}

/* G8, test_atomic_accesses (guest_memory.rs): the first chunk only. */
TEST(G8_store_load)
{
	static const struct range one[] = { { 0x1000, 0x1000 } };
	struct vmb_guest *g = guest(one, 1);
	struct vmb_error e;
	uint64_t v = 1;

	if (g == NULL)
		return;
	struct vmb_bytes b = vmb_guest_bytes(g);

	CHECK_RC(vmb_bytes_load(b, 0x1000, 4, VMB_RELAXED, &v, &e), 0);
	CHECK_EQ(v, 0);
	CHECK_RC(vmb_bytes_store(b, 0x1000, 4, VMB_RELAXED, 100, &e), 0);
	CHECK_RC(vmb_bytes_load(b, 0x1000, 4, VMB_RELAXED, &v, &e), 0);
	CHECK_EQ(v, 100);
	CHECK_RC(vmb_bytes_load(b, 0x2000, 4, VMB_RELAXED, &v, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x2000");
	CHECK_RC(vmb_bytes_store(b, 0x2000, 4, VMB_RELAXED, 100, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x2000");
	CHECK_RC(vmb_bytes_store(b, 0xfff, 1, VMB_RELAXED, 1, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0xfff");
	/* Misaligned within the region. */
	CHECK_RC(vmb_bytes_store(b, 0x1001, 4, VMB_RELAXED, 1, &e), VMB_EINVALID_BACKEND_ADDRESS);
	CHECK_ERR(e, "invalid_backend_address");
	CHECK_RC(vmb_bytes_load(b, 0x1002, 8, VMB_SEQ_CST, &v, &e), VMB_EINVALID_BACKEND_ADDRESS);
	/* An invalid ordering is InvalidArgument before any lookup. */
	CHECK_RC(vmb_bytes_store(b, 0x5000, 4, VMB_ACQ_REL, 1, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_load(b, 0x5000, 4, VMB_RELEASE, &v, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_store(b, 0x1000, 3, VMB_RELAXED, 1, &e), VMB_EINVALID_ARGUMENT);
	vmb_guest_free(g);

	/* Straddling a region end is InvalidBackendAddress even when the next
	 * region is right there. */
	static const struct range two[] = { { 0, 0x1000 }, { 0x1000, 0x1000 } };

	g = guest(two, 2);
	if (g == NULL)
		return;
	b = vmb_guest_bytes(g);
	CHECK_RC(vmb_bytes_store(b, 0xffc, 8, VMB_RELAXED, 1, &e), VMB_EINVALID_BACKEND_ADDRESS);
	CHECK_ERR(e, "invalid_backend_address");
	CHECK_RC(vmb_bytes_load(b, 0xffe, 4, VMB_RELAXED, &v, &e), VMB_EINVALID_BACKEND_ADDRESS);
	CHECK_EQ(host_at(g, 0xffc)[0], 0);
	/* Every width at the last slot of each region. */
	static const unsigned widths[] = { 1, 2, 4, 8 };

	for (size_t i = 0; i < 4; i++) {
		unsigned w = widths[i];
		uint64_t mask = w == 8 ? UINT64_MAX : (((uint64_t)1 << (8 * w)) - 1);

		for (uint64_t at = 0x1000 - w; at < 0x2000; at += 0x1000) {
			CHECK_RC(vmb_bytes_store(b, at, w, VMB_RELEASE,
						 0x0102030405060708ull * (i + 1), &e),
				 0);
			CHECK_RC(vmb_bytes_load(b, at, w, VMB_ACQUIRE, &v, &e), 0);
			CHECK_EQ(v, (0x0102030405060708ull * (i + 1)) & mask);
		}
	}
	CHECK_RC(vmb_bytes_load(b, 0x2000, 1, VMB_RELAXED, &v, &e), VMB_EINVALID_GUEST_ADDRESS);
	vmb_guest_free(g);
}

/* G9, test_guest_memory_get_slice. */
TEST(G9_get_slice)
{
	static const struct range rs[] = { { 0, 0x400 }, { 0x800, 0x400 }, { 0xc00, 0x400 } };
	struct vmb_guest *g = guest(rs, 3);
	struct vmb_slice s;
	struct vmb_error e;

	if (g == NULL)
		return;
	CHECK_RC(vmb_guest_get_slice(g, 0x100, 0x200, &s, &e), 0);
	CHECK_EQ(s.len, 0x200);
	CHECK(s.base == host_at(g, 0x100));
	CHECK_RC(vmb_guest_get_slice(g, 0x800, 0x400, &s, &e), 0);
	CHECK_EQ(s.len, 0x400);
	CHECK_RC(vmb_guest_get_slice(g, 0x900, 0, &s, &e), 0);
	CHECK_EQ(s.len, 0);
	CHECK_RC(vmb_guest_get_slice(g, 0, 0x500, &s, &e), VMB_EINVALID_BACKEND_ADDRESS);
	CHECK_ERR(e, "invalid_backend_address");
	CHECK_RC(vmb_guest_get_slice(g, 0x600, 0x100, &s, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x600");
	CHECK_RC(vmb_guest_get_slice(g, 0x1000, 0x100, &s, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x1000");
	/* One slice never spans two regions, even touching ones. */
	CHECK_RC(vmb_guest_get_slice(g, 0xa00, 0x400, &s, &e), VMB_EINVALID_BACKEND_ADDRESS);
	CHECK_RC(vmb_guest_get_slice(g, 0xbff, SIZE_MAX, &s, &e), VMB_EINVALID_BACKEND_ADDRESS);
	CHECK_RC(vmb_guest_get_slice(g, 0, 0, NULL, &e), VMB_EINVALID_ARGUMENT);
	vmb_guest_free(g);
}

/* Walks get_slices and checks each step: lens[i] > 0 a slice of that
 * length at host_at(addr so far), then @err_addr (or none) and 0. */
static void expect_slices(struct vmb_guest *g, uint64_t a, size_t n, const size_t *lens,
			  size_t nlens, bool err, uint64_t err_addr)
{
	struct vmb_slices_iter it;
	struct vmb_slice s;
	struct vmb_error e;
	uint64_t cur = a;

	vmb_guest_slices_init(&it, g, a, n);
	for (size_t i = 0; i < nlens; i++) {
		CHECK_EQ(vmb_guest_slices_next(&it, &s, &e), 1);
		CHECK_EQ(s.len, lens[i]);
		CHECK(s.base == host_at(g, cur));
		cur += lens[i];
	}
	if (err) {
		CHECK_RC(vmb_guest_slices_next(&it, &s, &e), VMB_EINVALID_GUEST_ADDRESS);
		CHECK_EQ(e.code, VMB_EINVALID_GUEST_ADDRESS);
		CHECK_EQ(e.addr, err_addr);
	}
	/* Fused: nothing more, however often it is asked. */
	CHECK_EQ(vmb_guest_slices_next(&it, &s, &e), 0);
	CHECK_EQ(vmb_guest_slices_next(&it, &s, &e), 0);
}

/* G10, test_guest_memory_get_slices. */
TEST(G10_get_slices)
{
	struct vmb_guest *g = guest(spec3, 3);
	static const size_t l200[] = { 0x200 }, l400[] = { 0x400 }, frag[] = { 0x200, 0x200 },
			    span[] = { 0x100, 0x400, 0x100 };

	if (g == NULL)
		return;
	expect_slices(g, 0x100, 0x200, l200, 1, false, 0);
	expect_slices(g, 0x800, 0x400, l400, 1, false, 0);
	expect_slices(g, 0x900, 0, NULL, 0, false, 0);
	expect_slices(g, 0x600, 0, NULL, 0, false, 0);
	/* A hole after the first chunk, a hole first, the end. */
	expect_slices(g, 0, 0x500, l400, 1, true, 0x400);
	expect_slices(g, 0x600, 0x100, NULL, 0, true, 0x600);
	expect_slices(g, 0x1000, 0x100, NULL, 0, true, 0x1000);
	/* Fragmented across touching regions. */
	expect_slices(g, 0xa00, 0x400, frag, 2, false, 0);
	expect_slices(g, 0xb00, 0x600, span, 2, true, 0x1000);
	vmb_guest_free(g);

	/* Three touching regions in one walk. */
	static const struct range t3[] = { { 0, 0x100 }, { 0x100, 0x400 }, { 0x500, 0x200 } };

	g = guest(t3, 3);
	if (g == NULL)
		return;
	expect_slices(g, 0x0, 0x600, span, 3, false, 0);
	vmb_guest_free(g);

	/* A NULL out-parameter is InvalidArgument. */
	struct vmb_slices_iter it;

	vmb_guest_slices_init(&it, NULL, 0, 1);
	CHECK_RC(vmb_guest_slices_next(&it, NULL, NULL), VMB_EINVALID_ARGUMENT);
}

/* G10, test_check_range (and test_checked_offset's intent). */
TEST(G10_check_range)
{
	struct vmb_guest *g = guest(spec3, 3);

	if (g == NULL)
		return;
	CHECK(vmb_guest_check_range(g, 0, 0));
	CHECK(vmb_guest_check_range(g, 0, 0x200));
	CHECK(vmb_guest_check_range(g, 0, 0x400));
	CHECK(!vmb_guest_check_range(g, 0, 0x401));
	CHECK(!vmb_guest_check_range(g, 0, 0xa00));
	CHECK(vmb_guest_check_range(g, 0x800, 0x7ff));
	CHECK(vmb_guest_check_range(g, 0x800, 0x800));
	CHECK(!vmb_guest_check_range(g, 0x800, 0x801));
	CHECK(!vmb_guest_check_range(g, 0x800, 0xc00));
	CHECK(!vmb_guest_check_range(g, 0, SIZE_MAX));
	CHECK(!vmb_guest_check_range(g, 0x800, SIZE_MAX));
	CHECK(vmb_guest_check_range(g, 0x3ff, 1));
	CHECK(!vmb_guest_check_range(g, 0x3ff, 2));
	CHECK(!vmb_guest_check_range(g, 0x400, 1));
	CHECK(vmb_guest_check_range(g, 0x600, 0));
	CHECK(vmb_guest_check_range(g, UINT64_MAX, 0));
	CHECK(!vmb_guest_check_range(g, UINT64_MAX, 1));
	CHECK(vmb_guest_check_range(g, 0xfff, 1));
	CHECK(!vmb_guest_check_range(g, 0xfff, 2));
	CHECK(!vmb_guest_check_range(NULL, 0, 1));
	vmb_guest_free(g);
}

static bool all_dirty(struct vmb_bitmap *bm, size_t off, size_t n)
{
	for (size_t i = off; i < off + n; i++)
		if (!vmb_bitmap_is_dirty(bm, i))
			return false;
	return true;
}

static bool all_clean(struct vmb_bitmap *bm, size_t off, size_t n)
{
	for (size_t i = off; i < off + n; i++)
		if (vmb_bitmap_is_dirty(bm, i))
			return false;
	return true;
}

/* Clean/dirty over guest range [a, a + n) via get_slices (the reference's
 * check_range closure of test_guest_memory_and_region). */
static bool guest_range_is(struct vmb_guest *g, uint64_t a, size_t n, bool dirty)
{
	struct vmb_slices_iter it;
	struct vmb_slice s;
	bool ok = true;
	int rc;

	vmb_guest_slices_init(&it, g, a, n);
	while ((rc = vmb_guest_slices_next(&it, &s, NULL)) == 1)
		ok = ok && (dirty ? all_dirty(s.bitmap, s.bitmap_offset, s.len)
				  : all_clean(s.bitmap, s.bitmap_offset, s.len));
	return ok && rc == 0;
}

/* S11 per region: test_dirty_tracking (mmap/mod.rs) through
 * test_guest_memory_and_region, then region-relative pages across two
 * regions. */
TEST(S11_guest_dirty_tracking_per_region)
{
	static const struct range big[] = { { 0, 0x10000 } };
	struct vmb_guest *g = guest_kind(big, 1, VMB_REGION_ANON, 0x1000);
	uint64_t val = 123;
	uint8_t buf[1024];
	size_t done;

	if (g == NULL)
		return;
	struct vmb_bytes b = vmb_guest_bytes(g);
	struct vmb_region *r = vmb_guest_find_region(g, 0x1000);
	struct vmb_bitmap *bm = vmb_region_bitmap(r);
	struct vmb_slices_iter it;
	struct vmb_slice s;

	vmb_guest_slices_init(&it, g, 0x1000, 8);
	CHECK_EQ(vmb_guest_slices_next(&it, &s, NULL), 1);
	CHECK_EQ(vmb_guest_slices_next(&it, &s, NULL), 0);
	CHECK(all_clean(bm, 0, 0x10000));
	CHECK(all_clean(s.bitmap, s.bitmap_offset, 8));
	CHECK_RC(vmb_bytes_write_obj(b, 0x1000, &val, 8, NULL), 0);
	CHECK(all_dirty(bm, 0x1000, 8));
	CHECK(all_dirty(s.bitmap, s.bitmap_offset, 8));

	/* test_bytes through the guest, 0x1000 apart after the first dirty page. */
	memset(buf, 1, sizeof(buf));
	CHECK(guest_range_is(g, 0x2000, sizeof(buf), false));
	CHECK_RC(vmb_bytes_write(b, 0x2000, buf, sizeof(buf), &done, NULL), 0);
	CHECK(guest_range_is(g, 0x2000, sizeof(buf), true));
	CHECK(guest_range_is(g, 0x3000, sizeof(buf), false));
	CHECK_RC(vmb_bytes_write_slice(b, 0x3000, buf, sizeof(buf), NULL), 0);
	CHECK(guest_range_is(g, 0x3000, sizeof(buf), true));
	CHECK(guest_range_is(g, 0x4000, sizeof(buf), false));
	CHECK_RC(vmb_bytes_write_obj(b, 0x4000, &val, 8, NULL), 0);
	CHECK(guest_range_is(g, 0x4000, sizeof(buf), true));
	CHECK(guest_range_is(g, 0x5000, sizeof(buf), false));
	CHECK_RC(vmb_bytes_store(b, 0x5000, 8, VMB_RELAXED, val, NULL), 0);
	CHECK(guest_range_is(g, 0x5000, sizeof(buf), true));
	CHECK(guest_range_is(g, 0x6000, 0xa000, false));
	vmb_guest_free(g);

	/* Two regions, each with its own region-relative bitmap. */
	static const struct range two[] = { { 0x10000, 0x2000 }, { 0x12000, 0x2000 } };

	g = guest_kind(two, 2, VMB_REGION_MEMFD, 0x1000);
	if (g == NULL)
		return;
	b = vmb_guest_bytes(g);
	struct vmb_bitmap *b0 = vmb_region_bitmap(vmb_guest_region_at(g, 0));
	struct vmb_bitmap *b1 = vmb_region_bitmap(vmb_guest_region_at(g, 1));

	CHECK_RC(vmb_bytes_write(b, 0x11ff8, buf, 16, &done, NULL), 0);
	CHECK_EQ(done, 16);
	CHECK(!vmb_bitmap_is_page_dirty(b0, 0) && vmb_bitmap_is_page_dirty(b0, 1));
	CHECK(vmb_bitmap_is_page_dirty(b1, 0) && !vmb_bitmap_is_page_dirty(b1, 1));
	vmb_bitmap_reset(b0);
	vmb_bitmap_reset(b1);

	/* Reads never mark; store marks one page; read_volatile_from what moved. */
	CHECK_RC(vmb_bytes_read(b, 0x10000, buf, sizeof(buf), &done, NULL), 0);
	uint64_t v;

	CHECK_RC(vmb_bytes_load(b, 0x13000, 8, VMB_RELAXED, &v, NULL), 0);
	CHECK(all_clean(b0, 0, 0x2000) && all_clean(b1, 0, 0x2000));
	CHECK_RC(vmb_bytes_store(b, 0x13008, 8, VMB_RELAXED, 1, NULL), 0);
	CHECK(all_clean(b0, 0, 0x2000));
	CHECK(!vmb_bitmap_is_page_dirty(b1, 0) && vmb_bitmap_is_page_dirty(b1, 1));
	vmb_bitmap_reset(b1);

	struct vmb_buf_source src;

	CHECK_RC(vmb_buf_source_init(&src, buf, sizeof(buf)), 0);
	CHECK_RC(vmb_bytes_read_volatile_from(b, 0x10ff0, &src.base, 0x20, &done, NULL), 0);
	CHECK_EQ(done, 0x20);
	CHECK(vmb_bitmap_is_page_dirty(b0, 0) && vmb_bitmap_is_page_dirty(b0, 1));
	CHECK(all_clean(b1, 0, 0x2000));
	vmb_guest_free(g);
}

/*
 * S10 through guest memory, test_non_atomic_access: an object whose first
 * field ends one region is rewritten with all bits flipped while another
 * thread reads it back; the field must never be seen torn.
 */
struct tear_ctx {
	struct vmb_guest *g;
	uint64_t at;
	unsigned width;
	int stop;
	int torn;
	int errors;
};

static void *tear_reader(void *arg)
{
	struct tear_ctx *c = arg;
	/* Aligned like the field, so that S10 applies on this side too. */
	union {
		uint64_t align;
		uint8_t b[16];
	} obj;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		if (vmb_bytes_read_obj(vmb_guest_bytes(c->g), c->at, obj.b, c->width + 8, NULL) != 0) {
			__atomic_store_n(&c->errors, 1, __ATOMIC_RELAXED);
			break;
		}
		for (unsigned i = 1; i < c->width; i++)
			if (obj.b[i] != obj.b[0])
				__atomic_store_n(&c->torn, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

TEST(S10_cross_region_object_not_torn)
{
	static const struct range two[] = { { 0, 0x1000 }, { 0x1000, 0x1000 } };
	static const unsigned widths[] = { 2, 4, 8 };
	struct vmb_guest *g = guest(two, 2);

	if (g == NULL)
		return;
	for (size_t w = 0; w < NELEM(widths); w++) {
		/* The field in the last bytes of region one, 8 more bytes in region two. */
		struct tear_ctx c = { .g = g, .at = 0x1000 - widths[w], .width = widths[w] };
		union {
			uint64_t align;
			uint8_t b[16];
		} obj;
		pthread_t t;

		memset(&obj, 0, sizeof(obj));
		for (int i = 0; i < 8; i++)
			obj.b[widths[w] + (unsigned)i] = (uint8_t)(1u << i);
		CHECK_RC(vmb_bytes_write_obj(vmb_guest_bytes(g), c.at, obj.b, c.width + 8, NULL), 0);
		if (pthread_create(&t, NULL, tear_reader, &c) != 0) {
			CHECK(!"pthread_create");
			break;
		}
		for (int i = 0; i < 200000; i++) {
			memset(obj.b, (i & 1) ? 0xff : 0x00, c.width);
			if (vmb_bytes_write_obj(vmb_guest_bytes(g), c.at, obj.b, c.width + 8, NULL) != 0) {
				c.errors = 1;
				break;
			}
		}
		__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
		pthread_join(t, NULL);
		CHECK_EQ(c.torn, 0);
		CHECK_EQ(c.errors, 0);
	}
	vmb_guest_free(g);
}

/*
 * G2/G3 across the index threshold: insert regions one at a time from 1 to
 * 200 (the index appears above 64 and is rebuilt as the set grows), then
 * remove every other one (it goes again below 65), checking every region's
 * edges against a linear scan after each change.
 */
TEST(G3_find_region_through_inserts_and_removes)
{
	enum { N = 200 };
	struct range rs[N];
	struct vmb_guest *g = NULL;
	size_t n = 0;

	/* Inserted in a shuffled order: region i is at 0x10000 + i * 0x3000. */
	for (size_t k = 0; k < N; k++) {
		size_t i = (k * 77) % N;
		uint64_t start = 0x10000 + i * 0x3000;
		struct vmb_region *r = anon(start, 0x2000);

		if (r == NULL)
			return;
		if (g == NULL)
			CHECK_RC(vmb_guest_new(&r, 1, &g, NULL), 0);
		else
			CHECK_RC(vmb_guest_insert(g, r, NULL), 0);
		/* rs stays sorted by start. */
		size_t at = 0;

		while (at < n && rs[at].start < start)
			at++;
		memmove(&rs[at + 1], &rs[at], (n - at) * sizeof(rs[0]));
		rs[at] = (struct range){ start, 0x2000 };
		n++;
		for (size_t j = 0; j < n; j++) {
			check_find(g, rs, n, rs[j].start);
			check_find(g, rs, n, rs[j].start + 0x1fff);
			check_find(g, rs, n, rs[j].start + 0x2000);
		}
	}
	for (size_t i = 0; i < N; i += 2) {
		struct vmb_region *out = NULL;
		uint64_t start = 0x10000 + i * 0x3000;
		size_t at = 0;

		CHECK_RC(vmb_guest_remove(g, start, 0x2000, &out, NULL), 0);
		vmb_region_free(out);
		while (rs[at].start != start)
			at++;
		memmove(&rs[at], &rs[at + 1], (n - at - 1) * sizeof(rs[0]));
		n--;
		for (size_t j = 0; j < n; j++) {
			check_find(g, rs, n, rs[j].start - 1);
			check_find(g, rs, n, rs[j].start);
			check_find(g, rs, n, rs[j].start + 0x2000);
		}
		check_find(g, rs, n, start);
	}
	CHECK_EQ(vmb_guest_num_regions(g), n);
	vmb_guest_free(g);
}

/* G12: a region's address helpers (the reference's address_in_range,
 * checked_offset and to_region_addr of GuestMemoryRegion). */
TEST(G12_region_address_helpers)
{
	struct vmb_region *r = anon(0x1000, 0x400);
	uint64_t out = 77;
	struct vmb_error e;

	CHECK(vmb_region_address_in_range(r, 0) && vmb_region_address_in_range(r, 0x3ff));
	CHECK(!vmb_region_address_in_range(r, 0x400) && !vmb_region_address_in_range(NULL, 0));
	CHECK_RC(vmb_region_checked_offset(r, 0x100, 0x2ff, &out, &e), 0);
	CHECK_EQ(out, 0x3ff);
	CHECK_RC(vmb_region_checked_offset(r, 0x100, 0x300, &out, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x400");
	CHECK_RC(vmb_region_checked_offset(r, UINT64_MAX, 2, &out, &e), VMB_EOVERFLOW);
	CHECK_ERR(e, "overflow base=0xffffffffffffffff offset=0x2");
	CHECK_EQ(out, 0x3ff);
	CHECK_RC(vmb_region_checked_offset(NULL, 0, 0, &out, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_region_checked_offset(r, 0, 0, NULL, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_region_to_region_addr(r, 0x13ff, &out, &e), 0);
	CHECK_EQ(out, 0x3ff);
	CHECK_RC(vmb_region_to_region_addr(r, 0x1400, &out, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x1400");
	CHECK_RC(vmb_region_to_region_addr(r, 0xfff, &out, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_RC(vmb_region_to_region_addr(r, 0x1000, NULL, &e), VMB_EINVALID_ARGUMENT);
	vmb_region_free(r);
}

/* G13: guest memory's address helpers: test_address_in_range,
 * test_check_address, test_checked_offset and to_region_addr of the
 * reference's guest_memory tests, on a layout with a hole. */
TEST(G13_guest_address_helpers)
{
	static const struct range rs[] = { { 0, 0x400 }, { 0x800, 0x400 } };
	struct vmb_guest *g = guest(rs, NELEM(rs));
	struct vmb_region *r = NULL;
	uint64_t out = 77, off = 77;
	struct vmb_error e;

	CHECK(vmb_guest_address_in_range(g, 0) && vmb_guest_address_in_range(g, 0xbff));
	CHECK(!vmb_guest_address_in_range(g, 0x400) && !vmb_guest_address_in_range(g, 0xc00));
	CHECK(!vmb_guest_address_in_range(NULL, 0));
	CHECK_RC(vmb_guest_checked_offset(g, 0x300, 0x500, &out, &e), 0);
	CHECK_EQ(out, 0x800);
	CHECK_RC(vmb_guest_checked_offset(g, 0x300, 0x100, &out, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x400");
	CHECK_RC(vmb_guest_checked_offset(g, UINT64_MAX, 1, &out, &e), VMB_EGUEST_ADDRESS_OVERFLOW);
	CHECK_EQ(out, 0x800);
	CHECK_RC(vmb_guest_checked_offset(NULL, 0, 0, &out, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_guest_to_region_addr(g, 0x9ff, &r, &off, &e), 0);
	CHECK(r == vmb_guest_region_at(g, 1));
	CHECK_EQ(off, 0x1ff);
	CHECK_RC(vmb_guest_to_region_addr(g, 0x7ff, &r, &off, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x7ff");
	CHECK_EQ(off, 0x1ff);
	CHECK_RC(vmb_guest_to_region_addr(g, 0, NULL, &off, &e), VMB_EINVALID_ARGUMENT);
	vmb_guest_free(g);
}

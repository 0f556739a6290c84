/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * All-or-nothing access (W1-W4): vmb_guest_write_whole/read_whole and
 * vmb_bytes_write_whole/read_whole check the whole range before a byte
 * moves. Each case sets up the state a failed access must leave alone
 * (memory contents, dirty bitmaps, the caller's buffer) and checks it is
 * left alone, next to what G6's write_slice does with the same arguments.
 */
#include "harness.h"

#include <stdlib.h>
#include <unistd.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Guest memory over (start, len) pairs, anonymous, dirty pages of 0x100. */
static struct vmb_guest *guest_of(const struct vmb_range *rs, size_t n)
{
	struct vmb_guest_ranges_config cfg = { .kind = VMB_REGION_ANON, .fd = -1,
					       .dirty_page_size = 0x100 };
	struct vmb_guest *g = NULL;
	int rc = vmb_guest_from_ranges(rs, n, &cfg, &g, NULL);

	if (rc != 0)
		vmbt_fail(__FILE__, __LINE__, "guest_from_ranges: %s", vmb_error_name(rc));
	return g;
}

/* SPEC G4's layout: a hole at [0x400, 0x800), touching regions after it. */
static const struct vmb_range spec3[] = { { 0, 0x400, 0 }, { 0x800, 0x400, 0 }, { 0xc00, 0x400, 0 } };

/* True when no page of any region of @g is dirty. */
static bool all_clean(struct vmb_guest *g)
{
	for (size_t i = 0; i < vmb_guest_num_regions(g); i++) {
		struct vmb_bitmap *bm = vmb_region_bitmap(vmb_guest_region_at(g, i));

		for (uint64_t a = 0; a < vmb_region_len(vmb_guest_region_at(g, i)); a += 0x100)
			if (vmb_bitmap_is_dirty(bm, a))
				return false;
	}
	return true;
}

static bool region_dirty(struct vmb_guest *g, size_t i, uint64_t off)
{
	return vmb_bitmap_is_dirty(vmb_region_bitmap(vmb_guest_region_at(g, i)), off);
}

/* The bytes [a, a + n) of @g read with G6's read_slice. */
static void peek(struct vmb_guest *g, uint64_t a, uint8_t *out, size_t n)
{
	CHECK_RC(vmb_guest_read_slice(g, a, out, n, NULL), 0);
}

TEST(W1_empty_is_ok_anywhere)
{
	struct vmb_guest *g = guest_of(spec3, NELEM(spec3));
	struct vmb_bytes b = vmb_guest_bytes(g);
	uint8_t x = 0x5a;
	uint64_t addrs[] = { 0, 0x500, 0x1000, UINT64_MAX };

	for (size_t i = 0; i < NELEM(addrs); i++) {
		CHECK_RC(vmb_guest_write_whole(g, addrs[i], NULL, 0, NULL), 0);
		CHECK_RC(vmb_guest_read_whole(g, addrs[i], NULL, 0, NULL), 0);
		CHECK_RC(vmb_bytes_write_whole(b, addrs[i], &x, 0, NULL), 0);
		CHECK_RC(vmb_bytes_read_whole(b, addrs[i], &x, 0, NULL), 0);
	}
	CHECK_EQ(x, 0x5a);
	CHECK(all_clean(g));
	vmb_guest_free(g);
}

TEST(W1_arguments)
{
	struct vmb_guest *g = guest_of(spec3, NELEM(spec3));
	struct vmb_bytes none = { NULL, NULL };
	struct vmb_error e;
	uint8_t x[4] = { 0 };

	CHECK_RC(vmb_guest_write_whole(NULL, 0, x, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_guest_read_whole(NULL, 0, x, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_guest_write_whole(NULL, 0, NULL, 0, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_guest_write_whole(g, 0, NULL, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_guest_read_whole(g, 0, NULL, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_write_whole(none, 0, x, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_read_whole(none, 0, x, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_write_whole(vmb_guest_bytes(g), 0, NULL, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_read_whole(vmb_guest_bytes(g), 0, NULL, 4, &e), VMB_EINVALID_ARGUMENT);
	/* A NULL error pointer is allowed on every path. */
	CHECK_RC(vmb_guest_write_whole(g, 0x500, x, 4, NULL), VMB_EINVALID_GUEST_ADDRESS);
	CHECK(all_clean(g));
	vmb_guest_free(g);
}

/*
 * The cloud-hypervisor rng case: a buffer that runs from RAM into a hole.
 * write_slice (G6) writes up to the hole and reports PartialBuffer;
 * write_whole writes nothing and names the hole's first address.
 */
TEST(W2_a_buffer_into_a_hole_writes_nothing)
{
	struct vmb_guest *g = guest_of(spec3, NELEM(spec3));
	uint8_t buf[0x200], got[0x100], zero[0x100] = { 0 };
	struct vmb_error e;

	memset(buf, 0xa5, sizeof(buf));
	CHECK_RC(vmb_guest_write_whole(g, 0x300, buf, sizeof(buf), &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x400");
	peek(g, 0x300, got, sizeof(got));
	CHECK_MEM(got, zero, sizeof(got));
	CHECK(all_clean(g));
	/* The generic interface says the same and also writes nothing. */
	CHECK_RC(vmb_bytes_write_whole(vmb_guest_bytes(g), 0x300, buf, sizeof(buf), &e),
		 VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x400");
	peek(g, 0x300, got, sizeof(got));
	CHECK_MEM(got, zero, sizeof(got));
	CHECK(all_clean(g));
	/* What G6 does instead, with the same arguments. */
	CHECK_RC(vmb_guest_write_slice(g, 0x300, buf, sizeof(buf), &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=512 completed=256");
	peek(g, 0x300, got, sizeof(got));
	CHECK_MEM(got, buf, sizeof(got));
	CHECK(region_dirty(g, 0, 0x300));
	vmb_guest_free(g);
}

TEST(W2_first_byte_unmapped_names_it)
{
	struct vmb_guest *g = guest_of(spec3, NELEM(spec3));
	uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct vmb_error e;

	CHECK_RC(vmb_guest_write_whole(g, 0x500, buf, 8, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x500");
	CHECK_RC(vmb_guest_read_whole(g, 0x7ff, buf, 8, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x7ff");
	CHECK_EQ(buf[0], 1);
	CHECK(all_clean(g));
	vmb_guest_free(g);
}

/* Past the end of RAM, and a read: the caller's buffer stays as it was. */
TEST(W2_past_the_end_reads_nothing)
{
	struct vmb_guest *g = guest_of(spec3, NELEM(spec3));
	uint8_t fill[0x200], buf[0x200], want[0x200];
	struct vmb_error e;

	memset(fill, 0x3c, sizeof(fill));
	CHECK_RC(vmb_guest_write_slice(g, 0xe00, fill, 0x200, NULL), 0);
	memset(buf, 0xee, sizeof(buf));
	memcpy(want, buf, sizeof(buf));
	CHECK_RC(vmb_guest_read_whole(g, 0xf00, buf, sizeof(buf), &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x1000");
	CHECK_MEM(buf, want, sizeof(buf));
	CHECK_RC(vmb_bytes_read_whole(vmb_guest_bytes(g), 0xf00, buf, sizeof(buf), &e),
		 VMB_EINVALID_GUEST_ADDRESS);
	CHECK_MEM(buf, want, sizeof(buf));
	/* read_slice (G6) fills the first 0x100 bytes before it reports. */
	CHECK_RC(vmb_guest_read_slice(g, 0xf00, buf, sizeof(buf), &e), VMB_EPARTIAL_BUFFER);
	CHECK_MEM(buf, fill, 0x100);
	vmb_guest_free(g);
}

/* Touching regions are one range: the access spans them, all of it lands. */
TEST(W2_touching_regions_are_one_range)
{
	struct vmb_guest *g = guest_of(spec3, NELEM(spec3));
	uint8_t buf[0x500], back[0x500];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	CHECK_RC(vmb_guest_write_whole(g, 0x900, buf, sizeof(buf), NULL), 0);
	CHECK(region_dirty(g, 1, 0x100) && region_dirty(g, 1, 0x3ff));
	CHECK(region_dirty(g, 2, 0) && region_dirty(g, 2, 0x1ff) && !region_dirty(g, 2, 0x200));
	CHECK(!region_dirty(g, 0, 0) && !region_dirty(g, 1, 0));
	memset(back, 0, sizeof(back));
	CHECK_RC(vmb_guest_read_whole(g, 0x900, back, sizeof(back), NULL), 0);
	CHECK_MEM(back, buf, sizeof(buf));
	memset(back, 0, sizeof(back));
	CHECK_RC(vmb_bytes_read_whole(vmb_guest_bytes(g), 0x900, back, sizeof(back), NULL), 0);
	CHECK_MEM(back, buf, sizeof(buf));
	vmb_guest_free(g);
}

/*
 * The top of the address space: no region holds UINT64_MAX (G1), so a
 * range that reaches it fails there, and one whose end wraps is refused
 * the same way, never as a wrap to address 0 (where a region is mapped).
 */
TEST(W2_the_top_of_the_address_space)
{
	const struct vmb_range top[] = { { 0, 0x1000, 0 }, { UINT64_MAX - 0x1000, 0x1000, 0 } };
	struct vmb_guest *g = guest_of(top, NELEM(top));
	uint8_t buf[0x40], zero[0x40] = { 0 }, got[0x40];
	struct vmb_error e;

	memset(buf, 0x77, sizeof(buf));
	CHECK_RC(vmb_guest_write_whole(g, UINT64_MAX - 0x20, buf, sizeof(buf), &e),
		 VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0xffffffffffffffff");
	peek(g, UINT64_MAX - 0x20, got, 0x20);
	CHECK_MEM(got, zero, 0x20);
	peek(g, 0, got, sizeof(got));
	CHECK_MEM(got, zero, sizeof(got));
	CHECK(all_clean(g));
	/* Ending at the last mapped byte is fine. */
	CHECK_RC(vmb_guest_write_whole(g, UINT64_MAX - 0x40, buf, sizeof(buf), NULL), 0);
	peek(g, UINT64_MAX - 0x40, got, sizeof(got));
	CHECK_MEM(got, buf, sizeof(got));
	vmb_guest_free(g);
}

/* Many regions: the check walks each of them, and a hole after the last
 * of 64 touching regions still writes nothing. */
TEST(W2_a_long_walk)
{
	struct vmb_range rs[64];
	struct vmb_guest *g;
	uint8_t *buf = malloc(64 * 0x100 + 1), *got = malloc(64 * 0x100);
	struct vmb_error e;

	CHECK(buf != NULL && got != NULL);
	for (size_t i = 0; i < NELEM(rs); i++)
		rs[i] = (struct vmb_range){ 0x10000 + i * 0x100, 0x100, 0 };
	g = guest_of(rs, NELEM(rs));
	memset(buf, 0x42, 64 * 0x100 + 1);
	CHECK_RC(vmb_guest_write_whole(g, 0x10000, buf, 64 * 0x100 + 1, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x14000");
	CHECK(all_clean(g));
	CHECK_RC(vmb_guest_write_whole(g, 0x10000, buf, 64 * 0x100, NULL), 0);
	CHECK_RC(vmb_guest_read_whole(g, 0x10000, got, 64 * 0x100, NULL), 0);
	CHECK_MEM(got, buf, 64 * 0x100);
	CHECK(region_dirty(g, 63, 0));
	free(buf);
	free(got);
	vmb_guest_free(g);
}

/* W3: a slice is checked by S5 (OutOfBounds{a + n}, Overflow{a, n}); write_slice would clamp. */
TEST(W3_single_range_containers)
{
	_Alignas(8) static uint8_t mem[100];
	struct vmb_slice s;
	struct vmb_bitmap *bm = NULL;
	uint8_t buf[20], zero[20] = { 0 };
	struct vmb_error e;

	CHECK_RC(vmb_slice_init(&s, mem, sizeof(mem)), 0);
	CHECK_RC(vmb_bitmap_new(sizeof(mem), 8, &bm), 0);
	CHECK_RC(vmb_slice_set_bitmap(&s, bm, 0), 0);
	struct vmb_bytes b = vmb_slice_bytes(&s);

	memset(buf, 0x99, sizeof(buf));
	CHECK_RC(vmb_bytes_write_whole(b, 90, buf, sizeof(buf), &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x6e");
	CHECK_MEM(mem + 80, zero, 20);
	CHECK(!vmb_bitmap_is_dirty(bm, 90));
	CHECK_RC(vmb_bytes_write_whole(b, UINT64_MAX, buf, 2, &e), VMB_EOVERFLOW);
	CHECK_ERR(e, "overflow base=0xffffffffffffffff offset=0x2");
	CHECK_RC(vmb_bytes_read_whole(b, 81, buf, sizeof(buf), &e), VMB_EOUT_OF_BOUNDS);
	CHECK_EQ(buf[0], 0x99);
	CHECK_RC(vmb_bytes_write_whole(b, 80, buf, sizeof(buf), NULL), 0);
	CHECK_MEM(mem + 80, buf, 20);
	CHECK(vmb_bitmap_is_dirty(bm, 80) && vmb_bitmap_is_dirty(bm, 99) && !vmb_bitmap_is_dirty(bm, 79));
	/* S1's order: empty first, even past the end. */
	CHECK_RC(vmb_bytes_write_whole(b, 1000, buf, 0, NULL), 0);
	/* G9 on a region seen alone: the slice's errors mapped up. */
	struct vmb_region_config cfg = { .start = 0x1000, .len = 0x1000, .kind = VMB_REGION_ANON, .fd = -1 };
	struct vmb_region *r = NULL;

	CHECK_RC(vmb_region_new(&cfg, &r, NULL), 0);
	CHECK_RC(vmb_bytes_write_whole(vmb_region_bytes(r), 0xff0, buf, sizeof(buf), &e),
		 VMB_EINVALID_BACKEND_ADDRESS);
	CHECK_RC(vmb_bytes_write_whole(vmb_region_bytes(r), 0xfe0, buf, sizeof(buf), NULL), 0);
	vmb_region_free(r);
	memset(mem, 0, sizeof(mem));
	CHECK_RC(vmb_slice_set_bitmap(&s, NULL, 0), 0);
	vmb_bitmap_free(bm);
}

/* A data file: S5 on the file's length, through pwrite. */
TEST(W3_data_file)
{
	int fd = vmbt_disk_file(64);
	struct vmb_datafile *f = NULL;
	uint8_t buf[16], got[16], zero[16] = { 0 };
	struct vmb_error e;

	CHECK_RC(vmb_datafile_new(fd, 64, &f, NULL), 0);
	memset(buf, 0x61, sizeof(buf));
	CHECK_RC(vmb_bytes_write_whole(vmb_datafile_bytes(f), 56, buf, sizeof(buf), &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x48");
	CHECK_EQ(pread(fd, got, 8, 56), 8);
	CHECK_MEM(got, zero, 8);
	CHECK_RC(vmb_bytes_write_whole(vmb_datafile_bytes(f), 48, buf, sizeof(buf), NULL), 0);
	CHECK_RC(vmb_bytes_read_whole(vmb_datafile_bytes(f), 48, got, sizeof(got), NULL), 0);
	CHECK_MEM(got, buf, sizeof(got));
	vmb_datafile_free(f);
	close(fd);
}

/* A container of the compare style without the check: Unsupported, and the
 * container is never asked to move a byte. */
static int calls;

static int c_write(void *self, uint64_t addr, const void *buf, size_t len, size_t *done,
		   struct vmb_error *err)
{
	(void)self, (void)addr, (void)buf, (void)err;
	calls++;
	*done = len;
	return 0;
}

static int c_read(void *self, uint64_t addr, void *buf, size_t len, size_t *done,
		  struct vmb_error *err)
{
	(void)self, (void)addr, (void)buf, (void)err;
	calls++;
	*done = len;
	return 0;
}

TEST(W3_a_container_without_the_check_is_unsupported)
{
	static const struct vmb_bytes_ops ops = { .name = "nocheck",
						  .exact = VMB_EXACT_COMPARE,
						  .write = c_write,
						  .read = c_read };
	struct vmb_bytes b = { &ops, NULL };
	uint8_t x[4] = { 0 };
	struct vmb_error e;

	CHECK_RC(vmb_bytes_write_whole(b, 0, x, 4, &e), VMB_EUNSUPPORTED);
	CHECK_RC(vmb_bytes_read_whole(b, 0, x, 4, &e), VMB_EUNSUPPORTED);
	CHECK_RC(vmb_bytes_write_whole(b, 0, x, 0, &e), 0);
	CHECK_EQ(calls, 0);
	/* The ordinary forms still reach it. */
	CHECK_RC(vmb_bytes_write_slice(b, 0, x, 4, &e), 0);
	CHECK_EQ(calls, 1);
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Volatile slice (SPEC section 2, rules S1-S9 and S11; S10's copy entry
 * points functionally). Every slice under test sits in a guarded buffer, so
 * a one-byte overrun faults instead of passing silently. Expected values
 * come from docs/SPEC.md; where it is silent, from the reference's tests in
 * volatile_memory.rs, io.rs and bitmap/mod.rs, whose names the cases carry.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* The error every EXPECT fills; primed with an impossible code first. */
static struct vmb_error E;

static void prime_error(void)
{
	memset(&E, 0, sizeof(E));
	E.code = 12345;
}

/* @call (which passes &E) fails with @code, and E prints as @text. */
#define EXPECT(call, code, text)                                                       \
	do {                                                                           \
		prime_error();                                                         \
		CHECK_RC((call), (code));                                              \
		CHECK_ERR(E, (text));                                                  \
	} while (0)

#define SMAX_HEX "0xffffffffffffffff"

static struct vmb_slice guarded_slice(struct vmbt_guarded *g, size_t len, bool at_start)
{
	struct vmb_slice s;

	vmbt_guarded_alloc(g, len, at_start);
	memset(&s, 0, sizeof(s));
	CHECK_RC(vmb_slice_init(&s, g->p, len), 0);
	return s;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* True when bit i of @bm is set exactly for the pages listed in @pages. */
static bool only_pages_dirty(const struct vmb_bitmap *bm, const size_t *pages, size_t npages)
{
	for (size_t i = 0; i < vmb_bitmap_pages(bm); i++) {
		bool want = false;

		for (size_t k = 0; k < npages; k++)
			want = want || pages[k] == i;
		if (vmb_bitmap_is_page_dirty(bm, i) != want) {
			fprintf(stderr, "page %zu: dirty=%d, want %d\n", i,
				vmb_bitmap_is_page_dirty(bm, i), want);
			return false;
		}
	}
	return true;
}

static size_t dirty_count(const struct vmb_bitmap *bm)
{
	size_t n = 0;

	for (size_t i = 0; i < vmb_bitmap_pages(bm); i++)
		n += vmb_bitmap_is_page_dirty(bm, i);
	return n;
}

/* Every byte of [start, start+len) is in a dirty page (the reference's
 * range_is_dirty), or none is (range_is_clean). */
static bool range_dirty(const struct vmb_bitmap *bm, size_t start, size_t len)
{
	for (size_t a = start; a < start + len; a++)
		if (!vmb_bitmap_is_dirty(bm, a))
			return false;
	return true;
}

static bool range_clean(const struct vmb_bitmap *bm, size_t start, size_t len)
{
	for (size_t a = start; a < start + len; a++)
		if (vmb_bitmap_is_dirty(bm, a))
			return false;
	return true;
}

/* ---- set-up and argument checks ---------------------------------------- */

TEST(S5_init_rejects_bad_arguments)
{
	struct vmb_slice s;
	uint8_t byte = 0;

	CHECK_RC(vmb_slice_init(NULL, &byte, 1), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_slice_init(&s, NULL, 1), VMB_EINVALID_ARGUMENT);
	/* A range that wraps the address space cannot be a slice. */
	CHECK_RC(vmb_slice_init(&s, (void *)(uintptr_t)(UINTPTR_MAX - 3), 8),
		 VMB_EINVALID_ARGUMENT);
	/* NULL with length 0 is the empty slice. */
	CHECK_RC(vmb_slice_init(&s, NULL, 0), 0);
	CHECK_EQ(s.len, 0);
	CHECK(s.bitmap == NULL);
	CHECK_RC(vmb_slice_init(&s, &byte, 1), 0);
	CHECK(s.base == &byte);
	CHECK_EQ(s.len, 1);
	CHECK(s.bitmap == NULL);
	CHECK_RC(vmb_slice_set_bitmap(NULL, NULL, 0), VMB_EINVALID_ARGUMENT);
}

TEST(S3_null_buffer_is_invalid_argument)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 8, false);
	size_t done = 99;

	memset(g.p, 0x5a, 8);
	EXPECT(vmb_slice_write(s, 0, NULL, 4, &done, &E), VMB_EINVALID_ARGUMENT, "invalid_argument");
	CHECK_EQ(done, 0);
	done = 99;
	EXPECT(vmb_slice_read(s, 0, NULL, 4, &done, &E), VMB_EINVALID_ARGUMENT, "invalid_argument");
	CHECK_EQ(done, 0);
	EXPECT(vmb_slice_write_slice(s, 0, NULL, 4, &E), VMB_EINVALID_ARGUMENT, "invalid_argument");
	EXPECT(vmb_slice_read_slice(s, 0, NULL, 4, &E), VMB_EINVALID_ARGUMENT, "invalid_argument");
	EXPECT(vmb_slice_write_obj(s, 0, NULL, 2, &E), VMB_EINVALID_ARGUMENT, "invalid_argument");
	EXPECT(vmb_slice_read_obj(s, 0, NULL, 2, &E), VMB_EINVALID_ARGUMENT, "invalid_argument");
	CHECK(all_bytes(g.p, 8, 0x5a));
	/* A NULL error pointer is allowed everywhere. */
	CHECK_RC(vmb_slice_write(s, 9, "x", 1, NULL, NULL), VMB_EOUT_OF_BOUNDS);
	vmbt_guarded_free(&g);
}

TEST(S7_null_source_or_sink_is_invalid_argument)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 8, false);
	struct vmb_source no_read = { NULL, NULL };
	struct vmb_sink no_write = { NULL };
	size_t done = 99;

	EXPECT(vmb_slice_read_volatile_from(s, 0, NULL, 4, &done, &E), VMB_EINVALID_ARGUMENT,
	       "invalid_argument");
	CHECK_EQ(done, 0);
	EXPECT(vmb_slice_read_volatile_from(s, 0, &no_read, 4, &done, &E), VMB_EINVALID_ARGUMENT,
	       "invalid_argument");
	EXPECT(vmb_slice_write_volatile_to(s, 0, NULL, 4, &done, &E), VMB_EINVALID_ARGUMENT,
	       "invalid_argument");
	EXPECT(vmb_slice_write_volatile_to(s, 0, &no_write, 4, &done, &E), VMB_EINVALID_ARGUMENT,
	       "invalid_argument");
	EXPECT(vmb_slice_read_exact_volatile_from(s, 0, NULL, 4, &E), VMB_EINVALID_ARGUMENT,
	       "invalid_argument");
	EXPECT(vmb_slice_write_all_volatile_to(s, 0, NULL, 4, &E), VMB_EINVALID_ARGUMENT,
	       "invalid_argument");
	vmbt_guarded_free(&g);
}

TEST(S5_null_outputs_are_invalid_argument)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 8, false), h;

	EXPECT(vmb_slice_subslice(s, 0, 1, NULL, &E), VMB_EINVALID_ARGUMENT, "invalid_argument");
	EXPECT(vmb_slice_get_slice(s, 0, 1, NULL, &E), VMB_EINVALID_ARGUMENT, "invalid_argument");
	EXPECT(vmb_slice_get_array(s, 0, 1, 2, NULL, &E), VMB_EINVALID_ARGUMENT,
	       "invalid_argument");
	EXPECT(vmb_slice_offset(s, 0, NULL, &E), VMB_EINVALID_ARGUMENT, "invalid_argument");
	EXPECT(vmb_slice_split_at(s, 0, NULL, &h, &E), VMB_EINVALID_ARGUMENT, "invalid_argument");
	EXPECT(vmb_slice_split_at(s, 0, &h, NULL, &E), VMB_EINVALID_ARGUMENT, "invalid_argument");
	vmbt_guarded_free(&g);
}

/* ---- S1-S3: write and read --------------------------------------------- */

TEST(S1_empty_buffer_is_ok_zero_anywhere)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 5, false), empty;
	uint8_t buf[1] = { 0x77 };
	size_t done;
	const size_t addrs[] = { 0, 4, 5, 100, SIZE_MAX };

	memset(g.p, 0x11, 5);
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		done = 99;
		CHECK_RC(vmb_slice_write(s, addrs[i], buf, 0, &done, &E), 0);
		CHECK_EQ(done, 0);
		done = 99;
		CHECK_RC(vmb_slice_read(s, addrs[i], buf, 0, &done, &E), 0);
		CHECK_EQ(done, 0);
		/* S1 comes before the NULL check too. */
		CHECK_RC(vmb_slice_write(s, addrs[i], NULL, 0, &done, &E), 0);
		CHECK_RC(vmb_slice_read(s, addrs[i], NULL, 0, &done, &E), 0);
		/* S4: as S1, then n == len(buf), so no PartialBuffer. */
		CHECK_RC(vmb_slice_write_slice(s, addrs[i], buf, 0, &E), 0);
		CHECK_RC(vmb_slice_read_slice(s, addrs[i], buf, 0, &E), 0);
		CHECK_RC(vmb_slice_write_obj(s, addrs[i], buf, 0, &E), 0);
		CHECK_RC(vmb_slice_read_obj(s, addrs[i], buf, 0, &E), 0);
	}
	CHECK_EQ(buf[0], 0x77);
	CHECK(all_bytes(g.p, 5, 0x11));

	/* Even on an empty slice (slice_read_and_write). */
	CHECK_RC(vmb_slice_init(&empty, NULL, 0), 0);
	done = 99;
	CHECK_RC(vmb_slice_write(empty, 1, buf, 0, &done, &E), 0);
	CHECK_EQ(done, 0);
	done = 99;
	CHECK_RC(vmb_slice_read(empty, 1, buf, 0, &done, &E), 0);
	CHECK_EQ(done, 0);
	vmbt_guarded_free(&g);
}

TEST(S2_address_at_or_past_end_is_out_of_bounds)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 5, false), empty;
	const uint8_t sample[3] = { 1, 2, 3 };
	uint8_t buf[3] = { 9, 9, 9 };
	size_t done;

	memset(g.p, 0, 5);
	done = 99;
	EXPECT(vmb_slice_write(s, 5, sample, 3, &done, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x5");
	CHECK_EQ(done, 0);
	done = 99;
	EXPECT(vmb_slice_read(s, 5, buf, 3, &done, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x5");
	CHECK_EQ(done, 0);
	EXPECT(vmb_slice_write(s, 6, sample, 1, NULL, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x6");
	EXPECT(vmb_slice_write(s, SIZE_MAX, sample, 3, NULL, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=" SMAX_HEX);
	EXPECT(vmb_slice_read(s, SIZE_MAX, buf, 3, NULL, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=" SMAX_HEX);
	CHECK(all_bytes(g.p, 5, 0));
	CHECK(all_bytes(buf, 3, 9));

	/* An empty slice has no byte at 0. */
	CHECK_RC(vmb_slice_init(&empty, NULL, 0), 0);
	EXPECT(vmb_slice_write(empty, 0, sample, 1, NULL, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x0");
	EXPECT(vmb_slice_read(empty, 0, buf, 1, NULL, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x0");
	vmbt_guarded_free(&g);
}

TEST(S3_ref_test_write_past_end_short_copy_is_ok)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 5, false);
	const uint8_t six[6] = { 1, 2, 3, 4, 5, 6 };
	uint8_t out[6] = { 0 };
	size_t done = 0;

	memset(g.p, 0, 5);
	CHECK_RC(vmb_slice_write(s, 0, six, 6, &done, &E), 0);
	CHECK_EQ(done, 5);
	CHECK_MEM(g.p, six, 5);
	CHECK_RC(vmb_slice_read(s, 0, out, 6, &done, &E), 0);
	CHECK_EQ(done, 5);
	CHECK_MEM(out, six, 5);
	CHECK_EQ(out[5], 0);
	/* Starting inside: min(len, L - a). */
	CHECK_RC(vmb_slice_write(s, 3, six + 3, 3, &done, &E), 0);
	CHECK_EQ(done, 2);
	CHECK_EQ(g.p[3], 4);
	CHECK_EQ(g.p[4], 5);
	CHECK_RC(vmb_slice_read(s, 4, out, 6, &done, &E), 0);
	CHECK_EQ(done, 1);
	CHECK_EQ(out[0], 5);
	/* The last byte alone, and a NULL count pointer. */
	CHECK_RC(vmb_slice_write(s, 4, six + 5, 1, NULL, &E), 0);
	CHECK_EQ(g.p[4], 6);
	vmbt_guarded_free(&g);
}

TEST(S3_ref_slice_read_and_write)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 5, false);
	const uint8_t sample[3] = { 1, 2, 3 };
	uint8_t buf[3] = { 0 };
	size_t done = 0;

	memset(g.p, 0, 5);
	EXPECT(vmb_slice_write(s, 5, sample, 3, &done, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x5");
	CHECK_RC(vmb_slice_write(s, 2, sample, 3, &done, &E), 0);
	CHECK_EQ(done, 3);
	EXPECT(vmb_slice_read(s, 5, buf, 3, &done, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x5");
	CHECK_RC(vmb_slice_read_slice(s, 2, buf, 3, &E), 0);
	CHECK_MEM(buf, sample, 3);
	CHECK_EQ(g.p[0], 0);
	CHECK_EQ(g.p[1], 0);
	vmbt_guarded_free(&g);
}

/* ---- S4: the exact forms ----------------------------------------------- */

TEST(S4_write_obj_partial_buffer)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 5, false);
	uint16_t v = 0xa55a, got = 0;
	uint8_t vb[2];

	memcpy(vb, &v, 2); /* host byte order, SPEC section 7 */
	memset(g.p, 0, 5);
	/* The SPEC example: byte 4 is written, then PartialBuffer{2,1}. */
	EXPECT(vmb_slice_write_obj(s, 4, &v, sizeof(v), &E), VMB_EPARTIAL_BUFFER,
	       "partial_buffer expected=2 completed=1");
	CHECK_EQ(g.p[4], vb[0]);
	CHECK(all_bytes(g.p, 4, 0));
	EXPECT(vmb_slice_write_obj(s, SIZE_MAX, &v, sizeof(v), &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=" SMAX_HEX);
	EXPECT(vmb_slice_write_obj(s, 5, &v, sizeof(v), &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x5");
	CHECK_RC(vmb_slice_write_obj(s, 2, &v, sizeof(v), &E), 0);
	CHECK_MEM(g.p + 2, vb, 2);
	CHECK_RC(vmb_slice_read_obj(s, 2, &got, sizeof(got), &E), 0);
	CHECK_EQ(got, v);
	vmbt_guarded_free(&g);
}

TEST(S4_ref_obj_read_and_write)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 5, false);
	uint16_t v = 55, got;
	uint8_t gotb[2];

	memset(g.p, 0, 5);
	g.p[4] = 0xc3;
	EXPECT(vmb_slice_write_obj(s, 4, &v, sizeof(v), &E), VMB_EPARTIAL_BUFFER,
	       "partial_buffer expected=2 completed=1");
	EXPECT(vmb_slice_write_obj(s, SIZE_MAX, &v, sizeof(v), &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=" SMAX_HEX);
	CHECK_RC(vmb_slice_write_obj(s, 2, &v, sizeof(v), &E), 0);
	got = 0;
	CHECK_RC(vmb_slice_read_obj(s, 2, &got, sizeof(got), &E), 0);
	CHECK_EQ(got, 55);
	/* The read's first n bytes WERE copied into the object. */
	g.p[4] = 0xc3;
	gotb[0] = 0;
	gotb[1] = 0xee;
	EXPECT(vmb_slice_read_obj(s, 4, gotb, sizeof(gotb), &E), VMB_EPARTIAL_BUFFER,
	       "partial_buffer expected=2 completed=1");
	CHECK_EQ(gotb[0], 0xc3);
	CHECK_EQ(gotb[1], 0xee);
	EXPECT(vmb_slice_read_obj(s, SIZE_MAX, &got, sizeof(got), &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=" SMAX_HEX);
	vmbt_guarded_free(&g);
}

TEST(S4_write_slice_read_slice_partial_buffer)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 5, false);
	const uint8_t four[4] = { 0xa1, 0xa2, 0xa3, 0xa4 };
	uint8_t out[4];

	memset(g.p, 0, 5);
	EXPECT(vmb_slice_write_slice(s, 3, four, 4, &E), VMB_EPARTIAL_BUFFER,
	       "partial_buffer expected=4 completed=2");
	CHECK_EQ(g.p[3], 0xa1);
	CHECK_EQ(g.p[4], 0xa2);
	CHECK(all_bytes(g.p, 3, 0));
	memset(out, 0xee, sizeof(out));
	EXPECT(vmb_slice_read_slice(s, 3, out, 4, &E), VMB_EPARTIAL_BUFFER,
	       "partial_buffer expected=4 completed=2");
	CHECK_EQ(out[0], 0xa1);
	CHECK_EQ(out[1], 0xa2);
	CHECK_EQ(out[2], 0xee);
	CHECK_EQ(out[3], 0xee);
	EXPECT(vmb_slice_write_slice(s, 5, four, 4, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x5");
	EXPECT(vmb_slice_read_slice(s, 5, out, 4, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x5");
	/* Exactly fitting at the end is fine. */
	CHECK_RC(vmb_slice_write_slice(s, 1, four, 4, &E), 0);
	CHECK_MEM(g.p + 1, four, 4);
	memset(out, 0, sizeof(out));
	CHECK_RC(vmb_slice_read_slice(s, 1, out, 4, &E), 0);
	CHECK_MEM(out, four, 4);
	vmbt_guarded_free(&g);
}

TEST(S4_ref_unaligned_read_and_write)
{
	/* The reference's plain (non-atomic) refs are read_obj/write_obj here. */
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 7, true);
	const uint8_t first[7] = { 1, 2, 0xaa, 0xaa, 0xaa, 0xaa, 4 };
	const uint8_t second[7] = { 1, 2, 0x55, 0x55, 0x55, 0x55, 4 };
	uint8_t buf[7];
	uint32_t v = 0;

	CHECK_RC(vmb_slice_write_slice(s, 0, first, 7, &E), 0);
	CHECK_RC(vmb_slice_read_obj(s, 2, &v, sizeof(v), &E), 0);
	CHECK_EQ(v, 0xaaaaaaaau);
	v = 0x55555555u;
	CHECK_RC(vmb_slice_write_obj(s, 2, &v, sizeof(v), &E), 0);
	CHECK_RC(vmb_slice_read_slice(s, 0, buf, 7, &E), 0);
	CHECK_MEM(buf, second, 7);
	vmbt_guarded_free(&g);
}

TEST(S4_generic_interface_matches_slice)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 5, false);
	struct vmb_bytes b = vmb_slice_bytes(&s);
	uint16_t v = 0x1234;
	size_t done = 0;

	memset(g.p, 0, 5);
	CHECK(b.ops == &vmb_slice_ops);
	EXPECT(vmb_bytes_write_obj(b, 4, &v, sizeof(v), &E), VMB_EPARTIAL_BUFFER,
	       "partial_buffer expected=2 completed=1");
	EXPECT(vmb_bytes_write(b, 5, &v, 2, &done, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x5");
	CHECK_RC(vmb_bytes_write(b, 3, &v, 2, &done, &E), 0);
	CHECK_EQ(done, 2);
	CHECK_MEM(g.p + 3, &v, 2);
	vmbt_guarded_free(&g);
}

/* ---- S5, S6: sub-slices ------------------------------------------------- */

TEST(S5_subslice_table)
{
	static const struct {
		size_t off, n;
		const char *err; /* NULL: ok */
	} rows[] = {
		{ 0, 0, NULL },
		{ 0, 100, NULL },
		{ 99, 0, NULL },
		{ 99, 1, NULL },
		{ 100, 0, NULL },
		{ 50, 50, NULL },
		{ 100, 1, "out_of_bounds addr=0x65" },
		{ 99, 2, "out_of_bounds addr=0x65" },
		{ 0, 101, "out_of_bounds addr=0x65" },
		{ 101, 0, "out_of_bounds addr=0x65" },
		{ 101, 1, "out_of_bounds addr=0x66" },
		{ 55, 50, "out_of_bounds addr=0x69" }, /* slice_oob_error */
		{ SIZE_MAX, 2, "overflow base=" SMAX_HEX " offset=0x2" },
		{ 2, SIZE_MAX, "overflow base=0x2 offset=" SMAX_HEX },
		{ SIZE_MAX, 0, "out_of_bounds addr=" SMAX_HEX },
		{ 1, SIZE_MAX, "overflow base=0x1 offset=" SMAX_HEX },
		{ 0, SIZE_MAX, "out_of_bounds addr=" SMAX_HEX },
	};
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 100, false);

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (int fn = 0; fn < 2; fn++) {
			struct vmb_slice out, before;
			int rc;

			memset(&out, 0xab, sizeof(out));
			before = out;
			prime_error();
			rc = fn == 0 ? vmb_slice_subslice(s, rows[i].off, rows[i].n, &out, &E)
				     : vmb_slice_get_slice(s, rows[i].off, rows[i].n, &out, &E);
			if (rows[i].err == NULL) {
				if (rc != 0)
					fprintf(stderr, "row %zu fn %d\n", i, fn);
				CHECK_RC(rc, 0);
				CHECK(out.base == s.base + rows[i].off);
				CHECK_EQ(out.len, rows[i].n);
			} else {
				if (rc == 0)
					fprintf(stderr, "row %zu fn %d\n", i, fn);
				CHECK(rc == VMB_EOUT_OF_BOUNDS || rc == VMB_EOVERFLOW);
				CHECK_ERR(E, rows[i].err);
				/* The output is untouched on failure. */
				CHECK_MEM(&out, &before, sizeof(out));
			}
		}
	}
	vmbt_guarded_free(&g);
}

TEST(S5_ref_slice_overflow_error)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 1, false), out;

	EXPECT(vmb_slice_get_slice(s, SIZE_MAX, 1, &out, &E), VMB_EOVERFLOW,
	       "overflow base=" SMAX_HEX " offset=0x1");
	vmbt_guarded_free(&g);
}

TEST(S5_ref_test_compute_end_offset)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 5, false), out;

	/* Every valid (base, len) pair, including len 0 and base 5. */
	for (size_t len = 0; len <= 5; len++)
		for (size_t base = 0; base + len <= 5; base++) {
			CHECK_RC(vmb_slice_get_slice(s, base, len, &out, &E), 0);
			CHECK_EQ(out.len, len);
			CHECK(out.base == g.p + base);
		}
	EXPECT(vmb_slice_get_slice(s, 5, 1, &out, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x6");
	EXPECT(vmb_slice_get_slice(s, 6, 0, &out, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x6");
	vmbt_guarded_free(&g);
}

TEST(S5_ref_slice_len_and_mem_is_empty)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 100, false), a, b, c, empty;

	CHECK(s.len != 0);
	CHECK_RC(vmb_slice_get_slice(s, 0, 27, &a, &E), 0);
	CHECK_EQ(a.len, 27);
	CHECK_RC(vmb_slice_get_slice(s, 34, 27, &b, &E), 0);
	CHECK_EQ(b.len, 27);
	/* Nested: offsets are relative to the sub-slice. */
	CHECK_RC(vmb_slice_get_slice(b, 20, 5, &c, &E), 0);
	CHECK_EQ(c.len, 5);
	CHECK(c.base == g.p + 54);
	EXPECT(vmb_slice_get_slice(b, 20, 8, &c, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x1c");
	CHECK_RC(vmb_slice_get_slice(s, 34, 0, &c, &E), 0);
	CHECK_EQ(c.len, 0);
	CHECK_RC(vmb_slice_init(&empty, NULL, 0), 0);
	CHECK_EQ(empty.len, 0);
	vmbt_guarded_free(&g);
}

TEST(S5_ref_slice_subslice_content)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 100, false), sub;
	uint8_t ones[80], buf[80];
	size_t done = 0;

	memset(g.p, 0, 100);
	memset(ones, 1, sizeof(ones));
	CHECK_RC(vmb_slice_write(s, 10, ones, 80, &done, &E), 0);
	CHECK_EQ(done, 80);
	CHECK_RC(vmb_slice_subslice(s, 10, 80, &sub, &E), 0);
	CHECK_EQ(sub.len, 80);
	memset(buf, 0, sizeof(buf));
	CHECK_RC(vmb_slice_read(sub, 0, buf, 80, &done, &E), 0);
	CHECK_EQ(done, 80);
	CHECK(all_bytes(buf, 80, 1));
	/* The sub-slice's own bounds hold: its end is 80, not 100. */
	EXPECT(vmb_slice_write(sub, 80, ones, 1, &done, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x50");
	CHECK_RC(vmb_slice_write(sub, 79, ones, 5, &done, &E), 0);
	CHECK_EQ(done, 1);
	CHECK(all_bytes(g.p + 90, 10, 0));
	vmbt_guarded_free(&g);
}

TEST(S5_get_array)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 5, false), out;

	/* ref_to_slice: the array view is the same address and length. */
	CHECK_RC(vmb_slice_get_array(s, 1, 1, 4, &out, &E), 0);
	CHECK(out.base == g.p + 1);
	CHECK_EQ(out.len, 4);
	CHECK_RC(vmb_slice_get_array(s, 1, 4, 1, &out, &E), 0);
	CHECK_EQ(out.len, 4);
	CHECK_RC(vmb_slice_get_array(s, 5, 0, 8, &out, &E), 0);
	CHECK_EQ(out.len, 0);
	/* ref_array_overflow: the element count times size overflows. */
	EXPECT(vmb_slice_get_array(s, 4, SIZE_MAX, 4, &out, &E), VMB_ETOO_BIG,
	       "too_big nelements=18446744073709551615 size=4");
	EXPECT(vmb_slice_get_array(s, 0, SIZE_MAX / 2 + 1, 2, &out, &E), VMB_ETOO_BIG,
	       "too_big nelements=9223372036854775808 size=2");
	/* Then the S5 checks of the byte range. */
	EXPECT(vmb_slice_get_array(s, 0, 2, 4, &out, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x8");
	EXPECT(vmb_slice_get_array(s, SIZE_MAX, 1, 2, &out, &E), VMB_EOVERFLOW,
	       "overflow base=" SMAX_HEX " offset=0x2");
	vmbt_guarded_free(&g);
}

TEST(S6_ref_slice_offset)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 100, false), out;
	uint8_t ones[80], buf[90];

	memset(g.p, 0, 100);
	memset(ones, 1, sizeof(ones));
	CHECK_RC(vmb_slice_write_slice(s, 10, ones, 80, &E), 0);
	/* S6 [diverges]: the relative offset, never the host address. */
	EXPECT(vmb_slice_offset(s, 101, &out, &E), VMB_EOUT_OF_BOUNDS, "out_of_bounds addr=0x65");
	EXPECT(vmb_slice_offset(s, SIZE_MAX, &out, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=" SMAX_HEX);
	CHECK_RC(vmb_slice_offset(s, 10, &out, &E), 0);
	CHECK_EQ(out.len, 90);
	CHECK(out.base == g.p + 10);
	CHECK_RC(vmb_slice_read_slice(out, 0, buf, 90, &E), 0);
	CHECK(all_bytes(buf, 80, 1));
	CHECK(all_bytes(buf + 80, 10, 0));
	CHECK_RC(vmb_slice_offset(s, 0, &out, &E), 0);
	CHECK_EQ(out.len, 100);
	CHECK_RC(vmb_slice_offset(s, 100, &out, &E), 0);
	CHECK_EQ(out.len, 0);
	vmbt_guarded_free(&g);
}

TEST(S6_ref_split_at)
{
	static const size_t ms[] = { 0, 8, 31, 32 };
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 32, false), h, t;

	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		CHECK_RC(vmb_slice_split_at(s, ms[i], &h, &t, &E), 0);
		CHECK(h.base == g.p);
		CHECK_EQ(h.len, ms[i]);
		CHECK(t.base == g.p + ms[i]);
		CHECK_EQ(t.len, 32 - ms[i]);
	}
	memset(&h, 0xab, sizeof(h));
	memset(&t, 0xcd, sizeof(t));
	EXPECT(vmb_slice_split_at(s, 33, &h, &t, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x21");
	EXPECT(vmb_slice_split_at(s, SIZE_MAX, &h, &t, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=" SMAX_HEX);
	vmbt_guarded_free(&g);
}

/* ---- S7: one-shot volatile I/O ----------------------------------------- */

TEST(S7_ref_test_read_volatile_buffer_sources)
{
	/* Sources of 2, 4 and 5 bytes into 4 bytes of a 5-byte slice. */
	static const uint8_t data[5] = { 0x10, 0x20, 0x30, 0x40, 0x50 };
	static const size_t lens[] = { 2, 4, 5 };
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 5, false);

	for (size_t i = 0; i < 3; i++) {
		struct vmb_buf_source src;
		size_t done = 99, want = lens[i] < 4 ? lens[i] : 4;

		memset(g.p, 0xee, 5);
		CHECK_RC(vmb_buf_source_init(&src, data, lens[i]), 0);
		CHECK_RC(vmb_slice_read_volatile_from(s, 1, &src.base, 4, &done, &E), 0);
		CHECK_EQ(done, want);
		CHECK_EQ(g.p[0], 0xee);
		CHECK_MEM(g.p + 1, data, want);
		CHECK(all_bytes(g.p + 1 + want, 4 - want, 0xee));
	}
	vmbt_guarded_free(&g);
}

TEST(S7_ref_test_read_from_exceeds_size)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 32, false);
	uint8_t image[20];
	struct vmb_buf_source src;
	size_t done = 0;

	memset(image, 1, sizeof(image));
	memset(g.p, 0, 32);
	CHECK_RC(vmb_buf_source_init(&src, image, sizeof(image)), 0);
	CHECK_RC(vmb_slice_read_volatile_from(s, 0, &src.base, 32, &done, &E), 0);
	CHECK_EQ(done, 20);
	CHECK(all_bytes(g.p, 20, 1));
	CHECK(all_bytes(g.p + 20, 12, 0));
	vmbt_guarded_free(&g);
}

TEST(S7_count_clamps_to_slice_and_end_is_allowed)
{
	static const uint8_t data[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 5, false);
	struct vmb_buf_source buf;
	struct vmbt_spy_source src;
	size_t done = 99;

	memset(g.p, 0, 5);
	CHECK_RC(vmb_buf_source_init(&buf, data, sizeof(data)), 0);
	vmbt_spy_source_init(&src, &buf.base);
	/* n = 10 at 3: min(n, L - a) = 2. */
	CHECK_RC(vmb_slice_read_volatile_from(s, 3, &src.base, 10, &done, &E), 0);
	CHECK_EQ(done, 2);
	CHECK_EQ(g.p[3], 1);
	CHECK_EQ(g.p[4], 2);
	CHECK_EQ(src.calls, 1);
	/* a == L: the count clamps to 0, and no 0-byte read reaches the source. */
	done = 99;
	CHECK_RC(vmb_slice_read_volatile_from(s, 5, &src.base, 10, &done, &E), 0);
	CHECK_EQ(done, 0);
	/* n == 0 anywhere inside. */
	CHECK_RC(vmb_slice_read_volatile_from(s, 0, &src.base, 0, &done, &E), 0);
	CHECK_EQ(done, 0);
	CHECK_EQ(src.zero_calls, 0);
	CHECK_EQ(buf.pos, 2);
	/* a > L. */
	done = 99;
	EXPECT(vmb_slice_read_volatile_from(s, 6, &src.base, 1, &done, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x6");
	CHECK_EQ(done, 0);
	EXPECT(vmb_slice_read_volatile_from(s, SIZE_MAX, &src.base, 0, &done, &E),
	       VMB_EOUT_OF_BOUNDS, "out_of_bounds addr=" SMAX_HEX);
	CHECK_EQ(buf.pos, 2);
	vmbt_guarded_free(&g);
}

TEST(S7_exactly_one_call_retrying_eintr)
{
	static const uint8_t data[16] = { 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
					   0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff };
	const struct vmb_fault short3[] = { { VMB_FAULT_SHORT, 3 } };
	const struct vmb_fault intr[] = { { VMB_FAULT_EINTR, 0 }, { VMB_FAULT_EINTR, 0 },
					  { VMB_FAULT_SHORT, 2 } };
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 8, false);
	struct vmb_buf_source buf;
	struct vmb_fault_source fault;
	struct vmbt_spy_source src;
	size_t done = 0;

	/* A short read is the result: no second call to fill the rest. */
	memset(g.p, 0, 8);
	CHECK_RC(vmb_buf_source_init(&buf, data, sizeof(data)), 0);
	CHECK_RC(vmb_fault_source_init(&fault, &buf.base, short3, 1, false), 0);
	vmbt_spy_source_init(&src, &fault.base);
	CHECK_RC(vmb_slice_read_volatile_from(s, 0, &src.base, 8, &done, &E), 0);
	CHECK_EQ(done, 3);
	CHECK_EQ(src.calls, 1);
	CHECK_MEM(g.p, data, 3);
	CHECK(all_bytes(g.p + 3, 5, 0));

	/* EINTR is retried, and only EINTR. */
	memset(g.p, 0, 8);
	CHECK_RC(vmb_buf_source_init(&buf, data, sizeof(data)), 0);
	CHECK_RC(vmb_fault_source_init(&fault, &buf.base, intr, 3, false), 0);
	vmbt_spy_source_init(&src, &fault.base);
	CHECK_RC(vmb_slice_read_volatile_from(s, 0, &src.base, 8, &done, &E), 0);
	CHECK_EQ(done, 2);
	CHECK_EQ(src.calls, 3);
	CHECK_MEM(g.p, data, 2);
	vmbt_guarded_free(&g);
}

TEST(S7_source_and_sink_errors_are_io_errno)
{
	static const uint8_t data[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	const struct vmb_fault eio[] = { { VMB_FAULT_EIO, 0 } };
	const struct vmb_fault eagain[] = { { VMB_FAULT_EAGAIN, 0 } };
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 8, false);
	struct vmb_buf_source buf;
	struct vmb_fault_source fs;
	struct vmbt_spy_source src;
	uint8_t out[8];
	struct vmb_buf_sink bsink;
	struct vmb_fault_sink fk;
	struct vmbt_spy_sink sink;
	size_t done;

	memset(g.p, 0, 8);
	CHECK_RC(vmb_buf_source_init(&buf, data, sizeof(data)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &buf.base, eio, 1, false), 0);
	vmbt_spy_source_init(&src, &fs.base);
	done = 99;
	EXPECT(vmb_slice_read_volatile_from(s, 0, &src.base, 8, &done, &E), VMB_EIO,
	       "io errno=EIO");
	CHECK_EQ(done, 0);
	CHECK_EQ(src.calls, 1);
	CHECK(all_bytes(g.p, 8, 0));

	/* EAGAIN is not retried: it is an I/O error like any other. */
	CHECK_RC(vmb_fault_source_init(&fs, &buf.base, eagain, 1, false), 0);
	vmbt_spy_source_init(&src, &fs.base);
	EXPECT(vmb_slice_read_volatile_from(s, 0, &src.base, 8, &done, &E), VMB_EIO,
	       "io errno=EAGAIN");
	CHECK_EQ(src.calls, 1);

	memset(out, 0, sizeof(out));
	CHECK_RC(vmb_buf_sink_init(&bsink, out, sizeof(out)), 0);
	CHECK_RC(vmb_fault_sink_init(&fk, &bsink.base, eio, 1, false), 0);
	vmbt_spy_sink_init(&sink, &fk.base);
	done = 99;
	EXPECT(vmb_slice_write_volatile_to(s, 0, &sink.base, 8, &done, &E), VMB_EIO,
	       "io errno=EIO");
	CHECK_EQ(done, 0);
	CHECK_EQ(sink.calls, 1);
	CHECK_EQ(bsink.len, 0);
	vmbt_guarded_free(&g);
}

TEST(S7_ref_test_write_volatile_buffer_sink)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 5, false);
	uint8_t out[7];
	struct vmb_buf_sink sink;
	struct vmbt_spy_sink cs;
	size_t done = 0;

	vmbt_fill_pattern(g.p, 5, 0x31);
	/* A 4-byte sink takes 4 of 5, then 0 once full. */
	memset(out, 0, sizeof(out));
	CHECK_RC(vmb_buf_sink_init(&sink, out, 4), 0);
	CHECK_RC(vmb_slice_write_volatile_to(s, 0, &sink.base, 5, &done, &E), 0);
	CHECK_EQ(done, 4);
	CHECK_MEM(out, g.p, 4);
	CHECK_RC(vmb_slice_write_volatile_to(s, 4, &sink.base, 1, &done, &E), 0);
	CHECK_EQ(done, 0);
	CHECK_EQ(out[4], 0);

	/* test_write_volatile_for_cursor: 4 bytes, then 3 (capacity 7). */
	memset(out, 0, sizeof(out));
	CHECK_RC(vmb_buf_sink_init(&sink, out, 7), 0);
	vmbt_spy_sink_init(&cs, &sink.base);
	CHECK_RC(vmb_slice_write_volatile_to(s, 0, &cs.base, 4, &done, &E), 0);
	CHECK_EQ(done, 4);
	CHECK_RC(vmb_slice_write_volatile_to(s, 1, &cs.base, 4, &done, &E), 0);
	CHECK_EQ(done, 3);
	CHECK_MEM(out, g.p, 4);
	CHECK_MEM(out + 4, g.p + 1, 3);
	CHECK_EQ(cs.calls, 2);

	/* The count clamps at the slice end; a == L moves nothing; a > L fails. */
	CHECK_RC(vmb_buf_sink_init(&sink, out, 7), 0);
	vmbt_spy_sink_init(&cs, &sink.base);
	CHECK_RC(vmb_slice_write_volatile_to(s, 3, &cs.base, 100, &done, &E), 0);
	CHECK_EQ(done, 2);
	CHECK_RC(vmb_slice_write_volatile_to(s, 5, &cs.base, 100, &done, &E), 0);
	CHECK_EQ(done, 0);
	done = 99;
	CHECK_RC(vmb_slice_write_volatile_to(s, 0, &cs.base, 0, &done, &E), 0);
	CHECK_EQ(done, 0);
	CHECK_EQ(cs.zero_calls, 0);
	EXPECT(vmb_slice_write_volatile_to(s, 6, &cs.base, 1, &done, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x6");
	CHECK_EQ(sink.len, 2);
	vmbt_guarded_free(&g);
}

TEST(S7_fd_pipe_short_read_and_end_of_data)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 8, false);
	struct vmb_fd_source src;
	int p[2];
	size_t done = 99;

	memset(g.p, 0, 8);
	CHECK(pipe2(p, O_NONBLOCK) == 0);
	CHECK_RC(vmb_fd_source_init(&src, p[0]), 0);
	/* a == L asks nothing of the fd (an empty non-blocking pipe would
	 * answer EAGAIN). */
	CHECK_RC(vmb_slice_read_volatile_from(s, 8, &src.base, 4, &done, &E), 0);
	CHECK_EQ(done, 0);
	/* An empty pipe with a writer: EAGAIN, reported as IO. */
	EXPECT(vmb_slice_read_volatile_from(s, 0, &src.base, 4, &done, &E), VMB_EIO,
	       "io errno=EAGAIN");
	CHECK(write(p[1], "abc", 3) == 3);
	/* One read: the three bytes there are, short of the 8 asked. */
	CHECK_RC(vmb_slice_read_volatile_from(s, 0, &src.base, 8, &done, &E), 0);
	CHECK_EQ(done, 3);
	CHECK_MEM(g.p, "abc", 3);
	close(p[1]);
	/* End of data is ok 0 for the one-shot form. */
	done = 99;
	CHECK_RC(vmb_slice_read_volatile_from(s, 3, &src.base, 5, &done, &E), 0);
	CHECK_EQ(done, 0);
	close(p[0]);
	vmbt_guarded_free(&g);
}

TEST(S7_fd_errors_are_io_errno)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 8, false);
	struct vmb_fd_source src;
	struct vmb_fd_sink sink;
	int p[2];
	size_t done = 99;

	CHECK_RC(vmb_fd_source_init(NULL, 0), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_fd_source_init(&src, -1), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_fd_sink_init(&sink, -1), VMB_EINVALID_ARGUMENT);
	CHECK(pipe(p) == 0);
	/* Reading the write end and writing the read end are EBADF. */
	CHECK_RC(vmb_fd_source_init(&src, p[1]), 0);
	EXPECT(vmb_slice_read_volatile_from(s, 0, &src.base, 4, &done, &E), VMB_EIO,
	       "io errno=EBADF");
	CHECK_EQ(done, 0);
	CHECK_RC(vmb_fd_sink_init(&sink, p[0]), 0);
	EXPECT(vmb_slice_write_volatile_to(s, 0, &sink.base, 4, &done, &E), VMB_EIO,
	       "io errno=EBADF");
	CHECK_EQ(done, 0);
	close(p[0]);
	close(p[1]);
	vmbt_guarded_free(&g);
}

TEST(S7_ref_test_write_volatile_fd_file)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 64, false);
	struct vmb_fd_sink sink;
	uint8_t back[64];
	int fd = vmbt_temp_file(0);
	size_t done = 0;

	vmbt_fill_pattern(g.p, 64, 3);
	CHECK_RC(vmb_fd_sink_init(&sink, fd), 0);
	CHECK_RC(vmb_slice_write_volatile_to(s, 16, &sink.base, 40, &done, &E), 0);
	CHECK_EQ(done, 40);
	/* The file got exactly those bytes. */
	CHECK_EQ(lseek(fd, 0, SEEK_END), 40);
	CHECK(pread(fd, back, 40, 0) == 40);
	CHECK_MEM(back, g.p + 16, 40);
	close(fd);
	vmbt_guarded_free(&g);
}

/* ---- S8: exact volatile I/O --------------------------------------------- */

TEST(S8_range_errors_before_anything_moves)
{
	static const uint8_t data[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 8, false);
	struct vmb_buf_source buf;
	struct vmbt_spy_source src;
	uint8_t out[16];
	struct vmb_buf_sink bsink;
	struct vmbt_spy_sink sink;

	memset(g.p, 0, 8);
	CHECK_RC(vmb_buf_source_init(&buf, data, sizeof(data)), 0);
	vmbt_spy_source_init(&src, &buf.base);
	EXPECT(vmb_slice_read_exact_volatile_from(s, 4, &src.base, 8, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0xc");
	EXPECT(vmb_slice_read_exact_volatile_from(s, 9, &src.base, 0, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x9");
	EXPECT(vmb_slice_read_exact_volatile_from(s, SIZE_MAX, &src.base, 2, &E), VMB_EOVERFLOW,
	       "overflow base=" SMAX_HEX " offset=0x2");
	CHECK_EQ(src.calls, 0);
	CHECK(all_bytes(g.p, 8, 0));
	/* get_slice(L, 0) and (a, 0) are fine and move nothing. */
	CHECK_RC(vmb_slice_read_exact_volatile_from(s, 8, &src.base, 0, &E), 0);
	CHECK_RC(vmb_slice_read_exact_volatile_from(s, 3, &src.base, 0, &E), 0);
	CHECK_EQ(src.zero_calls, 0);
	CHECK_EQ(buf.pos, 0);

	memset(out, 0, sizeof(out));
	CHECK_RC(vmb_buf_sink_init(&bsink, out, sizeof(out)), 0);
	vmbt_spy_sink_init(&sink, &bsink.base);
	EXPECT(vmb_slice_write_all_volatile_to(s, 4, &sink.base, 8, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0xc");
	EXPECT(vmb_slice_write_all_volatile_to(s, 2, &sink.base, SIZE_MAX, &E), VMB_EOVERFLOW,
	       "overflow base=0x2 offset=" SMAX_HEX);
	CHECK_RC(vmb_slice_write_all_volatile_to(s, 8, &sink.base, 0, &E), 0);
	CHECK_EQ(sink.calls, 0);
	CHECK_EQ(bsink.len, 0);
	vmbt_guarded_free(&g);
}

TEST(S8_I3_buffer_source_short_fails_without_copying)
{
	/* test_read_volatile_for_cursor: 4 bytes, then 3, then a short exact
	 * read fails and leaves the slice as it was. */
	static const uint8_t data[7] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6 };
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 5, false);
	struct vmb_buf_source src;
	uint8_t before[5];
	size_t done = 0;

	memset(g.p, 0, 5);
	CHECK_RC(vmb_buf_source_init(&src, data, sizeof(data)), 0);
	CHECK_RC(vmb_slice_read_volatile_from(s, 0, &src.base, 4, &done, &E), 0);
	CHECK_EQ(done, 4);
	CHECK_RC(vmb_slice_read_volatile_from(s, 0, &src.base, 4, &done, &E), 0);
	CHECK_EQ(done, 3);
	CHECK_MEM(g.p, data + 4, 3);
	CHECK_EQ(g.p[3], data[3]);

	memcpy(before, g.p, 5);
	CHECK_RC(vmb_buf_source_init(&src, data, 2), 0);
	EXPECT(vmb_slice_read_exact_volatile_from(s, 1, &src.base, 4, &E), VMB_EIO,
	       "io kind=unexpected_eof");
	CHECK_MEM(g.p, before, 5);
	/* An exhausted source. */
	CHECK_RC(vmb_buf_source_init(&src, data, 0), 0);
	EXPECT(vmb_slice_read_exact_volatile_from(s, 0, &src.base, 1, &E), VMB_EIO,
	       "io kind=unexpected_eof");
	CHECK_MEM(g.p, before, 5);
	/* Enough data: exact. */
	CHECK_RC(vmb_buf_source_init(&src, data, 7), 0);
	CHECK_RC(vmb_slice_read_exact_volatile_from(s, 1, &src.base, 4, &E), 0);
	CHECK_MEM(g.p + 1, data, 4);
	vmbt_guarded_free(&g);
}

TEST(S8_I3_fd_source_copies_what_it_got_then_fails)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 8, false);
	struct vmb_fd_source src;
	int fd = vmbt_temp_file(0), p[2];

	/* A file holding 2 bytes: both land, then UnexpectedEof. */
	memset(g.p, 0, 8);
	CHECK(write(fd, "\x5a\xa5", 2) == 2);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
	CHECK_RC(vmb_fd_source_init(&src, fd), 0);
	EXPECT(vmb_slice_read_exact_volatile_from(s, 1, &src.base, 4, &E), VMB_EIO,
	       "io kind=unexpected_eof");
	CHECK_EQ(g.p[0], 0);
	CHECK_EQ(g.p[1], 0x5a);
	CHECK_EQ(g.p[2], 0xa5);
	CHECK(all_bytes(g.p + 3, 5, 0));
	close(fd);

	/* A pipe delivering 3 bytes in two writes, then closed. */
	memset(g.p, 0, 8);
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "xy", 2) == 2);
	CHECK(write(p[1], "z", 1) == 1);
	close(p[1]);
	CHECK_RC(vmb_fd_source_init(&src, p[0]), 0);
	EXPECT(vmb_slice_read_exact_volatile_from(s, 0, &src.base, 8, &E), VMB_EIO,
	       "io kind=unexpected_eof");
	CHECK_MEM(g.p, "xyz", 3);
	CHECK(all_bytes(g.p + 3, 5, 0));
	close(p[0]);
	vmbt_guarded_free(&g);
}

TEST(S8_ref_mem_read_and_write)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 5, false), sub;
	struct vmb_fd_source zero, empty;
	struct vmb_buf_sink sink;
	uint32_t ones = ~0u, v = 1;
	uint8_t out[4] = { 9, 9, 9, 9 };
	int zfd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	int efd = vmbt_temp_file(0);

	CHECK(zfd >= 0);
	memset(g.p, 0x77, 5);
	CHECK_RC(vmb_slice_write_obj(s, 1, &ones, sizeof(ones), &E), 0);
	CHECK_RC(vmb_fd_source_init(&zero, zfd), 0);
	CHECK_RC(vmb_slice_get_slice(s, 1, 4, &sub, &E), 0);
	CHECK_RC(vmb_slice_read_exact_volatile_from(sub, 0, &zero.base, 4, &E), 0);
	/* An empty file cannot fill 4 bytes. */
	CHECK_RC(vmb_fd_source_init(&empty, efd), 0);
	EXPECT(vmb_slice_read_exact_volatile_from(sub, 0, &empty.base, 4, &E), VMB_EIO,
	       "io kind=unexpected_eof");
	CHECK_RC(vmb_slice_read_obj(s, 1, &v, sizeof(v), &E), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(g.p[0], 0x77);
	CHECK_RC(vmb_buf_sink_init(&sink, out, 4), 0);
	CHECK_RC(vmb_slice_write_all_volatile_to(sub, 0, &sink.base, 4, &E), 0);
	CHECK(all_bytes(out, 4, 0));
	CHECK_EQ(sink.len, 4);
	close(zfd);
	close(efd);
	vmbt_guarded_free(&g);
}

TEST(S8_read_exact_loops_over_short_reads_and_eintr)
{
	static const uint8_t data[8] = { 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88 };
	const struct vmb_fault plan[] = { { VMB_FAULT_SHORT, 1 }, { VMB_FAULT_EINTR, 0 },
					  { VMB_FAULT_SHORT, 2 }, { VMB_FAULT_EINTR, 0 } };
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 8, false);
	struct vmb_buf_source buf;
	struct vmb_fault_source fault;
	struct vmbt_spy_source src;

	memset(g.p, 0, 8);
	CHECK_RC(vmb_buf_source_init(&buf, data, sizeof(data)), 0);
	CHECK_RC(vmb_fault_source_init(&fault, &buf.base, plan, 4, false), 0);
	vmbt_spy_source_init(&src, &fault.base);
	CHECK_RC(vmb_slice_read_exact_volatile_from(s, 0, &src.base, 8, &E), 0);
	CHECK_MEM(g.p, data, 8);
	/* 1 + EINTR + 2 + EINTR + the remaining 5 in one pass. */
	CHECK_EQ(src.calls, 5);
	CHECK_EQ(src.zero_calls, 0);
	vmbt_guarded_free(&g);
}

TEST(S8_read_exact_error_keeps_moved_bytes)
{
	static const uint8_t data[8] = { 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98 };
	const struct vmb_fault plan[] = { { VMB_FAULT_SHORT, 3 }, { VMB_FAULT_EIO, 0 } };
	const struct vmb_fault eof[] = { { VMB_FAULT_SHORT, 2 }, { VMB_FAULT_EOF, 0 } };
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 8, false);
	struct vmb_buf_source buf;
	struct vmb_fault_source fault;

	memset(g.p, 0, 8);
	CHECK_RC(vmb_buf_source_init(&buf, data, sizeof(data)), 0);
	CHECK_RC(vmb_fault_source_init(&fault, &buf.base, plan, 2, false), 0);
	EXPECT(vmb_slice_read_exact_volatile_from(s, 0, &fault.base, 8, &E), VMB_EIO,
	       "io errno=EIO");
	CHECK_MEM(g.p, data, 3);
	CHECK(all_bytes(g.p + 3, 5, 0));

	memset(g.p, 0, 8);
	CHECK_RC(vmb_buf_source_init(&buf, data, sizeof(data)), 0);
	CHECK_RC(vmb_fault_source_init(&fault, &buf.base, eof, 2, false), 0);
	EXPECT(vmb_slice_read_exact_volatile_from(s, 2, &fault.base, 6, &E), VMB_EIO,
	       "io kind=unexpected_eof");
	CHECK_MEM(g.p + 2, data, 2);
	CHECK(all_bytes(g.p + 4, 4, 0));
	vmbt_guarded_free(&g);
}

TEST(S8_ref_write_all_sink_write_zero)
{
	/* test_write_volatile / test_byte_valued_io: a 7-byte sink takes 7 of
	 * 8, then accepts 0: WriteZero, and the 7 stay written. */
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 8, false);
	uint8_t out[8] = { 0 };
	struct vmb_buf_sink sink;

	vmbt_fill_pattern(g.p, 8, 0x40);
	CHECK_RC(vmb_buf_sink_init(&sink, out, 7), 0);
	EXPECT(vmb_slice_write_all_volatile_to(s, 0, &sink.base, 8, &E), VMB_EIO,
	       "io kind=write_zero");
	CHECK_EQ(sink.len, 7);
	CHECK_MEM(out, g.p, 7);
	CHECK_EQ(out[7], 0);
	vmbt_guarded_free(&g);
}

TEST(S8_write_all_loops_over_short_writes_and_eintr)
{
	const struct vmb_fault plan[] = { { VMB_FAULT_EINTR, 0 }, { VMB_FAULT_SHORT, 1 },
					  { VMB_FAULT_SHORT, 2 }, { VMB_FAULT_EINTR, 0 } };
	const struct vmb_fault eio[] = { { VMB_FAULT_SHORT, 3 }, { VMB_FAULT_EIO, 0 } };
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 8, false);
	uint8_t out[16];
	struct vmb_buf_sink bsink;
	struct vmb_fault_sink fault;
	struct vmbt_spy_sink sink;

	vmbt_fill_pattern(g.p, 8, 0x60);
	memset(out, 0, sizeof(out));
	CHECK_RC(vmb_buf_sink_init(&bsink, out, sizeof(out)), 0);
	CHECK_RC(vmb_fault_sink_init(&fault, &bsink.base, plan, 4, false), 0);
	vmbt_spy_sink_init(&sink, &fault.base);
	CHECK_RC(vmb_slice_write_all_volatile_to(s, 1, &sink.base, 7, &E), 0);
	CHECK_EQ(bsink.len, 7);
	CHECK_MEM(out, g.p + 1, 7);
	CHECK_EQ(sink.calls, 5);
	CHECK_EQ(sink.zero_calls, 0);

	memset(out, 0, sizeof(out));
	CHECK_RC(vmb_buf_sink_init(&bsink, out, sizeof(out)), 0);
	CHECK_RC(vmb_fault_sink_init(&fault, &bsink.base, eio, 2, false), 0);
	EXPECT(vmb_slice_write_all_volatile_to(s, 0, &fault.base, 8, &E), VMB_EIO,
	       "io errno=EIO");
	CHECK_EQ(bsink.len, 3);
	CHECK_MEM(out, g.p, 3);
	vmbt_guarded_free(&g);
}

TEST(S8_write_all_to_pipe)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 300, false);
	struct vmb_fd_sink sink;
	uint8_t back[300];
	int p[2];

	vmbt_fill_pattern(g.p, 300, 0x13);
	CHECK(pipe(p) == 0);
	CHECK_RC(vmb_fd_sink_init(&sink, p[1]), 0);
	CHECK_RC(vmb_slice_write_all_volatile_to(s, 44, &sink.base, 256, &E), 0);
	close(p[1]);
	CHECK(read(p[0], back, sizeof(back)) == 256);
	CHECK_MEM(back, g.p + 44, 256);
	close(p[0]);
	vmbt_guarded_free(&g);
}

/* ---- S9: store and load ------------------------------------------------- */

TEST(S9_store_load_every_width_and_ordering)
{
	static const unsigned widths[] = { 1, 2, 4, 8 };
	static const int sorders[] = { VMB_ORDER_RELAXED, VMB_ORDER_RELEASE, VMB_ORDER_SEQ_CST };
	static const int lorders[] = { VMB_ORDER_RELAXED, VMB_ORDER_ACQUIRE, VMB_ORDER_SEQ_CST };
	const uint64_t pattern = 0x8877665544332211ull;
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 24, true);

	for (size_t w = 0; w < 4; w++) {
		unsigned width = widths[w];
		uint64_t mask = width == 8 ? ~0ull : (1ull << (8 * width)) - 1;

		for (size_t so = 0; so < 3; so++) {
			uint64_t v = (pattern + so) & mask;
			uint8_t want[8];

			/* The value in host byte order, truncated to the width. */
			switch (width) {
			case 1: { uint8_t x = (uint8_t)v; memcpy(want, &x, 1); break; }
			case 2: { uint16_t x = (uint16_t)v; memcpy(want, &x, 2); break; }
			case 4: { uint32_t x = (uint32_t)v; memcpy(want, &x, 4); break; }
			default: memcpy(want, &v, 8); break;
			}
			memset(g.p, 0xcc, 24);
			/* Bits above the width are ignored. */
			CHECK_RC(vmb_slice_store(s, 8, width, vmb_ordering_of(sorders[so]), v | ~mask, &E), 0);
			CHECK_MEM(g.p + 8, want, width);
			CHECK(all_bytes(g.p, 8, 0xcc));
			CHECK(all_bytes(g.p + 8 + width, 16 - width, 0xcc));
			for (size_t lo = 0; lo < 3; lo++) {
				uint64_t got = 0xdeadbeefdeadbeefull;

				CHECK_RC(vmb_slice_load(s, 8, width, vmb_ordering_of(lorders[lo]), &got, &E), 0);
				CHECK_EQ(got, v);
			}
		}
	}
	/* Signed twins: the low bytes of a negative value, zero-extended back. */
	{
		uint64_t got = 0;

		CHECK_RC(vmb_slice_store(s, 2, 2, VMB_SEQ_CST, (uint64_t)(int64_t)-2, &E), 0);
		CHECK_RC(vmb_slice_load(s, 2, 2, VMB_SEQ_CST, &got, &E), 0);
		CHECK_EQ(got, 0xfffe);
		CHECK_EQ((int16_t)got, -2);
		CHECK_RC(vmb_slice_store(s, 16, 8, VMB_RELAXED, (uint64_t)INT64_MIN, &E), 0);
		CHECK_RC(vmb_slice_load(s, 16, 8, VMB_RELAXED, &got, &E), 0);
		CHECK_EQ((int64_t)got, INT64_MIN);
	}
	vmbt_guarded_free(&g);
}

TEST(S9_invalid_ordering_is_invalid_argument_touching_nothing)
{
	static const int bad_store[] = { VMB_ORDER_ACQUIRE, VMB_ORDER_ACQ_REL, 5, -1, 100 };
	static const int bad_load[] = { VMB_ORDER_RELEASE, VMB_ORDER_ACQ_REL, 5, -1, 100 };
	static const unsigned bad_width[] = { 0, 3, 5, 16 };
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 16, true);
	struct vmb_bitmap *bm = NULL;

	CHECK_RC(vmb_bitmap_new(16, 4, &bm), 0);
	CHECK_RC(vmb_slice_set_bitmap(&s, bm, 0), 0);
	memset(g.p, 0x3c, 16);
	for (size_t i = 0; i < 5; i++) {
		uint64_t v = 0x1111;

		/* Also where bounds or alignment would fail: the ordering comes first. */
		EXPECT(vmb_slice_store(s, 0, 4, vmb_ordering_of(bad_store[i]), 0xffffffff, &E),
		       VMB_EINVALID_ARGUMENT, "invalid_argument");
		EXPECT(vmb_slice_store(s, 15, 8, vmb_ordering_of(bad_store[i]), 0xffffffff, &E),
		       VMB_EINVALID_ARGUMENT, "invalid_argument");
		EXPECT(vmb_slice_store(s, 1, 4, vmb_ordering_of(bad_store[i]), 0xffffffff, &E),
		       VMB_EINVALID_ARGUMENT, "invalid_argument");
		EXPECT(vmb_slice_load(s, 0, 4, vmb_ordering_of(bad_load[i]), &v, &E), VMB_EINVALID_ARGUMENT,
		       "invalid_argument");
		EXPECT(vmb_slice_load(s, SIZE_MAX, 8, vmb_ordering_of(bad_load[i]), &v, &E), VMB_EINVALID_ARGUMENT,
		       "invalid_argument");
		CHECK_EQ(v, 0x1111);
		/* The generic interface agrees. */
		EXPECT(vmb_bytes_store(vmb_slice_bytes(&s), 0, 4, vmb_ordering_of(bad_store[i]), 0, &E),
		       VMB_EINVALID_ARGUMENT, "invalid_argument");
		EXPECT(vmb_bytes_load(vmb_slice_bytes(&s), 0, 4, vmb_ordering_of(bad_load[i]), &v, &E),
		       VMB_EINVALID_ARGUMENT, "invalid_argument");
	}
	for (size_t i = 0; i < 4; i++) {
		uint64_t v = 0x2222;

		EXPECT(vmb_slice_store(s, 0, bad_width[i], VMB_RELAXED, 0, &E),
		       VMB_EINVALID_ARGUMENT, "invalid_argument");
		EXPECT(vmb_slice_load(s, 0, bad_width[i], VMB_RELAXED, &v, &E),
		       VMB_EINVALID_ARGUMENT, "invalid_argument");
		CHECK_EQ(v, 0x2222);
	}
	EXPECT(vmb_slice_load(s, 0, 4, VMB_RELAXED, NULL, &E), VMB_EINVALID_ARGUMENT,
	       "invalid_argument");
	CHECK(all_bytes(g.p, 16, 0x3c));
	CHECK_EQ(dirty_count(bm), 0);
	vmb_bitmap_free(bm);
	vmbt_guarded_free(&g);
}

TEST(S9_bounds_before_alignment)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 8, true);
	uint64_t v = 7;

	memset(g.p, 0, 8);
	/* misaligned_atomic: u64 at 1 of an 8-byte slice is out of bounds first. */
	EXPECT(vmb_slice_store(s, 1, 8, VMB_RELAXED, 1, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x9");
	EXPECT(vmb_slice_load(s, 1, 8, VMB_RELAXED, &v, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x9");
	EXPECT(vmb_slice_store(s, 7, 2, VMB_RELAXED, 1, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x9");
	EXPECT(vmb_slice_load(s, 8, 8, VMB_ACQUIRE, &v, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x10");
	EXPECT(vmb_slice_load(s, 8, 1, VMB_ACQUIRE, &v, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x9");
	EXPECT(vmb_slice_store(s, SIZE_MAX, 8, VMB_RELAXED, 1, &E), VMB_EOVERFLOW,
	       "overflow base=" SMAX_HEX " offset=0x8");
	EXPECT(vmb_slice_load(s, SIZE_MAX - 1, 4, VMB_RELAXED, &v, &E), VMB_EOVERFLOW,
	       "overflow base=0xfffffffffffffffe offset=0x4");
	CHECK_EQ(v, 7);
	CHECK(all_bytes(g.p, 8, 0));
	/* The u64 at 0 is fine. */
	CHECK_RC(vmb_slice_store(s, 0, 8, VMB_RELAXED, 0x0102030405060708ull, &E), 0);
	CHECK_RC(vmb_slice_load(s, 0, 8, VMB_RELAXED, &v, &E), 0);
	CHECK_EQ(v, 0x0102030405060708ull);
	vmbt_guarded_free(&g);
}

TEST(S9_misaligned_reports_relative_offset)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 16, true), sub;
	uint64_t v = 5;

	memset(g.p, 0, 16);
	EXPECT(vmb_slice_store(s, 1, 2, VMB_RELAXED, 1, &E), VMB_EMISALIGNED,
	       "misaligned addr=0x1 alignment=2");
	EXPECT(vmb_slice_store(s, 2, 4, VMB_RELAXED, 1, &E), VMB_EMISALIGNED,
	       "misaligned addr=0x2 alignment=4");
	EXPECT(vmb_slice_store(s, 4, 8, VMB_SEQ_CST, 1, &E), VMB_EMISALIGNED,
	       "misaligned addr=0x4 alignment=8");
	EXPECT(vmb_slice_load(s, 7, 8, VMB_SEQ_CST, &v, &E), VMB_EMISALIGNED,
	       "misaligned addr=0x7 alignment=8");
	EXPECT(vmb_slice_load(s, 13, 2, VMB_RELAXED, &v, &E), VMB_EMISALIGNED,
	       "misaligned addr=0xd alignment=2");
	CHECK_EQ(v, 5);
	CHECK(all_bytes(g.p, 16, 0));
	/* Alignment is of the host address: a sub-slice at 1 shifts it, and the
	 * error still names the sub-slice's own offset. */
	CHECK_RC(vmb_slice_subslice(s, 1, 15, &sub, &E), 0);
	EXPECT(vmb_slice_store(sub, 0, 2, VMB_RELAXED, 1, &E), VMB_EMISALIGNED,
	       "misaligned addr=0x0 alignment=2");
	EXPECT(vmb_slice_load(sub, 5, 4, VMB_RELAXED, &v, &E), VMB_EMISALIGNED,
	       "misaligned addr=0x5 alignment=4");
	CHECK_RC(vmb_slice_store(sub, 1, 2, VMB_RELAXED, 0xbeef, &E), 0);
	CHECK_RC(vmb_slice_store(sub, 7, 8, VMB_RELEASE, 0x1122334455667788ull, &E), 0);
	CHECK_RC(vmb_slice_load(s, 2, 2, VMB_RELAXED, &v, &E), 0);
	CHECK_EQ(v, 0xbeef);
	CHECK_RC(vmb_slice_load(s, 8, 8, VMB_ACQUIRE, &v, &E), 0);
	CHECK_EQ(v, 0x1122334455667788ull);
	vmbt_guarded_free(&g);
}

TEST(S9_ref_alignment)
{
	/* The reference's alignment() values, seen as which widths a store
	 * accepts at host offsets 9, 30, 12 and 8 of a 32-aligned base. */
	static const struct {
		size_t off;
		unsigned widest;
	} rows[] = { { 9, 1 }, { 30, 2 }, { 12, 4 }, { 8, 8 }, { 0, 8 }, { 32, 8 } };
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 64, true);

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		for (unsigned w = 1; w <= 8; w *= 2) {
			int rc = vmb_slice_store(s, rows[i].off, w, VMB_RELAXED, 0, NULL);

			CHECK_RC(rc, w <= rows[i].widest ? 0 : VMB_EMISALIGNED);
		}
	vmbt_guarded_free(&g);
}

TEST(S9_ref_misaligned_ref)
{
	/* Whatever the base, exactly one of offsets 0 and 1 is u16-aligned. */
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 3, false);
	uint64_t v;
	int r0, r1;

	memset(g.p, 0, 3);
	r0 = vmb_slice_load(s, 0, 2, VMB_RELAXED, &v, NULL);
	r1 = vmb_slice_load(s, 1, 2, VMB_RELAXED, &v, NULL);
	CHECK((r0 == 0) != (r1 == 0));
	CHECK(r0 == VMB_EMISALIGNED || r1 == VMB_EMISALIGNED);
	r0 = vmb_slice_store(s, 0, 2, VMB_RELAXED, 0, NULL);
	r1 = vmb_slice_store(s, 1, 2, VMB_RELAXED, 0, NULL);
	CHECK((r0 == 0) != (r1 == 0));
	vmbt_guarded_free(&g);
}

TEST(S9_ref_atomic_store_and_load)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 8, false);
	uint64_t raw, v = 0;

	memset(g.p, 0, 8);
	CHECK_RC(vmb_slice_store(s, 0, 8, VMB_RELAXED, 2, &E), 0);
	memcpy(&raw, g.p, 8);
	CHECK_EQ(raw, 2);
	raw = 5;
	memcpy(g.p, &raw, 8);
	CHECK_RC(vmb_slice_load(s, 0, 8, VMB_RELAXED, &v, &E), 0);
	CHECK_EQ(v, 5);
	/* ref_store / ref_load: the one-byte forms. */
	CHECK_RC(vmb_slice_store(s, 7, 1, VMB_RELAXED, 2, &E), 0);
	CHECK_EQ(g.p[7], 2);
	g.p[3] = 5;
	CHECK_RC(vmb_slice_load(s, 3, 1, VMB_RELAXED, &v, &E), 0);
	CHECK_EQ(v, 5);
	vmbt_guarded_free(&g);
}

TEST(S9_ref_slice_store)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 5, true);
	uint16_t got = 0;

	memset(g.p, 0, 5);
	CHECK_RC(vmb_slice_store(s, 2, 2, VMB_RELAXED, 9, &E), 0);
	CHECK_RC(vmb_slice_read_obj(s, 2, &got, sizeof(got), &E), 0);
	CHECK_EQ(got, 9);
	vmbt_guarded_free(&g);
}

TEST(S9_ref_oob_and_overflow_errors)
{
	struct vmbt_guarded g100, g1, g3;
	struct vmb_slice s100 = guarded_slice(&g100, 100, true);
	struct vmb_slice s1 = guarded_slice(&g1, 1, true);
	struct vmb_slice s3 = guarded_slice(&g3, 3, true);
	uint64_t v;

	/* ref_oob_error. */
	CHECK_RC(vmb_slice_load(s100, 99, 1, VMB_RELAXED, &v, &E), 0);
	EXPECT(vmb_slice_load(s100, 99, 2, VMB_RELAXED, &v, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x65");
	/* ref_overflow_error. */
	EXPECT(vmb_slice_load(s1, SIZE_MAX, 1, VMB_RELAXED, &v, &E), VMB_EOVERFLOW,
	       "overflow base=" SMAX_HEX " offset=0x1");
	/* ref_oob_too_large. */
	EXPECT(vmb_slice_load(s3, 0, 4, VMB_RELAXED, &v, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x4");
	vmbt_guarded_free(&g100);
	vmbt_guarded_free(&g1);
	vmbt_guarded_free(&g3);
}

TEST(S9_ref_test_atomic_accesses)
{
	/* check_atomic_accesses(slice, 0, 0x1000). */
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 0x1000, true);
	uint64_t v = 1;

	memset(g.p, 0, 0x1000);
	CHECK_RC(vmb_slice_load(s, 0, 4, VMB_RELAXED, &v, &E), 0);
	CHECK_EQ(v, 0);
	CHECK_RC(vmb_slice_store(s, 0, 4, VMB_RELAXED, 100, &E), 0);
	CHECK_RC(vmb_slice_load(s, 0, 4, VMB_RELAXED, &v, &E), 0);
	CHECK_EQ(v, 100);
	EXPECT(vmb_slice_load(s, 0x1000, 4, VMB_RELAXED, &v, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x1004");
	EXPECT(vmb_slice_store(s, 0x1000, 4, VMB_RELAXED, 100, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x1004");
	/* The last aligned u32 is in range. */
	CHECK_RC(vmb_slice_store(s, 0xffc, 4, VMB_SEQ_CST, 0xabcd, &E), 0);
	CHECK_RC(vmb_slice_load(s, 0xffc, 4, VMB_SEQ_CST, &v, &E), 0);
	CHECK_EQ(v, 0xabcd);
	vmbt_guarded_free(&g);
}

TEST(S9_ref_array_ref_store_and_load)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 5, false), arr;
	static const uint8_t init[5] = { 0, 0, 2, 3, 10 };
	static const uint8_t stored[5] = { 0, 0, 2, 4, 6 };
	uint64_t v;

	/* ref_array_load: elements 1..3 of a 4-element u8 array at 1. */
	memcpy(g.p, init, 5);
	CHECK_RC(vmb_slice_get_array(s, 1, 4, 1, &arr, &E), 0);
	CHECK_RC(vmb_slice_load(arr, 1, 1, VMB_RELAXED, &v, &E), 0);
	CHECK_EQ(v, 2);
	CHECK_RC(vmb_slice_load(arr, 2, 1, VMB_RELAXED, &v, &E), 0);
	CHECK_EQ(v, 3);
	CHECK_RC(vmb_slice_load(arr, 3, 1, VMB_RELAXED, &v, &E), 0);
	CHECK_EQ(v, 10);
	CHECK_RC(vmb_slice_load(arr, 0, 1, VMB_RELAXED, &v, &E), 0);
	CHECK_EQ(v, 0);
	EXPECT(vmb_slice_load(arr, 4, 1, VMB_RELAXED, &v, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x5");

	/* ref_array_store. */
	memset(g.p, 0, 5);
	CHECK_RC(vmb_slice_store(arr, 1, 1, VMB_RELAXED, 2, &E), 0);
	CHECK_RC(vmb_slice_store(arr, 2, 1, VMB_RELAXED, 4, &E), 0);
	CHECK_RC(vmb_slice_store(arr, 3, 1, VMB_RELAXED, 6, &E), 0);
	CHECK_MEM(g.p, stored, 5);

	/* ref_array_from_slice: element i of the whole slice is byte i. */
	{
		static const uint8_t a[5] = { 2, 4, 6, 8, 10 };

		memcpy(g.p, a, 5);
		CHECK_RC(vmb_slice_get_array(s, 0, 5, 1, &arr, &E), 0);
		for (size_t i = 0; i < 5; i++) {
			CHECK_RC(vmb_slice_load(arr, i, 1, VMB_RELAXED, &v, &E), 0);
			CHECK_EQ(v, a[i]);
		}
	}
	vmbt_guarded_free(&g);
}

struct mutate_ctx {
	struct vmb_slice s;
	pthread_barrier_t barrier;
	int rc;
};

static void *mutate_thread(void *arg)
{
	struct mutate_ctx *c = arg;

	pthread_barrier_wait(&c->barrier);
	c->rc = vmb_slice_store(c->s, 0, 1, VMB_RELEASE, 0, NULL);
	pthread_barrier_wait(&c->barrier);
	return NULL;
}

TEST(S9_ref_observe_mutate)
{
	struct vmbt_guarded g;
	struct mutate_ctx c;
	pthread_t t;
	uint64_t v = 0;

	c.s = guarded_slice(&g, 1, false);
	c.rc = -100;
	CHECK(pthread_barrier_init(&c.barrier, NULL, 2) == 0);
	CHECK_RC(vmb_slice_store(c.s, 0, 1, VMB_RELAXED, 99, &E), 0);
	CHECK(pthread_create(&t, NULL, mutate_thread, &c) == 0);
	CHECK_RC(vmb_slice_load(c.s, 0, 1, VMB_RELAXED, &v, &E), 0);
	CHECK_EQ(v, 99);
	pthread_barrier_wait(&c.barrier);
	pthread_barrier_wait(&c.barrier);
	CHECK_RC(vmb_slice_load(c.s, 0, 1, VMB_ACQUIRE, &v, &E), 0);
	CHECK_EQ(v, 0);
	pthread_join(t, NULL);
	CHECK_RC(c.rc, 0);
	pthread_barrier_destroy(&c.barrier);
	vmbt_guarded_free(&g);
}

/* ---- slice-to-slice and array copies ----------------------------------- */

TEST(S10_ref_slice_copy_to_volatile_slice)
{
	static const uint8_t a[5] = { 2, 4, 6, 8, 10 };
	struct vmbt_guarded ga, gb;
	struct vmb_slice sa = guarded_slice(&ga, 5, false), sb = guarded_slice(&gb, 4, false);
	size_t done = 0;

	memcpy(ga.p, a, 5);
	memset(gb.p, 0, 4);
	CHECK_RC(vmb_slice_copy_to(sa, sb, &done), 0);
	CHECK_EQ(done, 4);
	CHECK_MEM(gb.p, a, 4);
	/* The other way: min(4, 5) = 4, byte 4 untouched. */
	memset(ga.p, 0, 5);
	CHECK_RC(vmb_slice_copy_to(sb, sa, &done), 0);
	CHECK_EQ(done, 4);
	CHECK_MEM(ga.p, a, 4);
	CHECK_EQ(ga.p[4], 0);
	/* An empty side copies nothing; done may be NULL. */
	{
		struct vmb_slice empty;

		CHECK_RC(vmb_slice_init(&empty, NULL, 0), 0);
		CHECK_RC(vmb_slice_copy_to(empty, sa, &done), 0);
		CHECK_EQ(done, 0);
		CHECK_RC(vmb_slice_copy_to(sa, empty, NULL), 0);
	}
	vmbt_guarded_free(&ga);
	vmbt_guarded_free(&gb);
}

/* Copies within one buffer of 300 bytes, source at @so, destination at @dso. */
static void check_overlap(struct vmb_slice whole, uint8_t *p, size_t so, size_t dso, size_t n)
{
	struct vmb_slice src, dst;
	uint8_t want[300];
	size_t done = 0;

	vmbt_fill_pattern(p, 300, 1);
	memcpy(want, p, 300);
	memmove(want + dso, want + so, n);
	CHECK_RC(vmb_slice_subslice(whole, so, n, &src, &E), 0);
	CHECK_RC(vmb_slice_subslice(whole, dso, n, &dst, &E), 0);
	CHECK_RC(vmb_slice_copy_to(src, dst, &done), 0);
	CHECK_EQ(done, n);
	if (memcmp(p, want, 300) != 0)
		fprintf(stderr, "overlap copy %zu -> %zu, %zu bytes, differs\n", so, dso, n);
	CHECK_MEM(p, want, 300);
}

TEST(S10_slice_copy_to_overlap)
{
	static const size_t ns[] = { 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 31, 64, 100, 200 };
	static const size_t shifts[] = { 1, 2, 3, 4, 7, 8, 9, 33 };
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 300, false);

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
		for (size_t k = 0; k < sizeof(shifts) / sizeof(shifts[0]); k++) {
			if (ns[i] + shifts[k] + 40 > 300)
				continue;
			/* Forward (destination after source) and backward. */
			check_overlap(s, g.p, 40, 40 + shifts[k], ns[i]);
			check_overlap(s, g.p, 40 + shifts[k], 40, ns[i]);
		}
	/* Right up to the guard page. */
	check_overlap(s, g.p, 0, 100, 200);
	check_overlap(s, g.p, 100, 0, 200);
	/* The same range onto itself. */
	check_overlap(s, g.p, 50, 50, 100);
	vmbt_guarded_free(&g);
}

TEST(S10_ref_slice_copy_to_and_from_u8)
{
	static const uint8_t a[5] = { 2, 4, 6, 8, 10 };
	struct vmbt_guarded g, gb, gc;
	struct vmb_slice s = guarded_slice(&g, 5, false);
	uint8_t b[4] = { 0 }, c[6] = { 0 };
	size_t copied = 0;

	memcpy(g.p, a, 5);
	CHECK_RC(vmb_slice_copy_to_array(s, b, 4, 1, &copied), 0);
	CHECK_EQ(copied, 4);
	CHECK_MEM(b, a, 4);
	CHECK_RC(vmb_slice_copy_to_array(s, c, 6, 1, &copied), 0);
	CHECK_EQ(copied, 5);
	CHECK_MEM(c, a, 5);
	CHECK_EQ(c[5], 0);

	/* copy_from: a 4-byte and a 6-byte slice take min(5, len). */
	{
		struct vmb_slice sb = guarded_slice(&gb, 4, false);
		struct vmb_slice sc = guarded_slice(&gc, 6, false);

		memset(gb.p, 0, 4);
		memset(gc.p, 0, 6);
		CHECK_RC(vmb_slice_copy_from_array(sb, a, 5, 1, &copied), 0);
		CHECK_EQ(copied, 4);
		CHECK_MEM(gb.p, a, 4);
		CHECK_RC(vmb_slice_copy_from_array(sc, a, 5, 1, &copied), 0);
		CHECK_EQ(copied, 5);
		CHECK_MEM(gc.p, a, 5);
		CHECK_EQ(gc.p[5], 0);
		vmbt_guarded_free(&gb);
		vmbt_guarded_free(&gc);
	}
	vmbt_guarded_free(&g);
}

TEST(S10_ref_slice_copy_to_and_from_u16)
{
	/* A 9-byte slice holds 4 whole u16 elements. */
	const uint16_t a[5] = { 0x0101, 0x0202, 0x0303, 0x0404, 0x0505 };
	struct vmbt_guarded g, g8;
	struct vmb_slice s = guarded_slice(&g, 9, false);
	uint16_t b[4] = { 0 }, c[6] = { 0 };
	size_t copied = 0;

	memcpy(g.p, a, 9);
	CHECK_RC(vmb_slice_copy_to_array(s, b, 4, 2, &copied), 0);
	CHECK_EQ(copied, 4);
	CHECK_MEM(b, a, 8);
	CHECK_RC(vmb_slice_copy_to_array(s, c, 6, 2, &copied), 0);
	CHECK_EQ(copied, 4);
	CHECK_MEM(c, a, 8);
	CHECK_EQ(c[4], 0);
	CHECK_EQ(c[5], 0);

	/* copy_from into 8 and 9 bytes: 4 elements each, byte 8 untouched. */
	{
		struct vmb_slice s8 = guarded_slice(&g8, 8, false);

		memset(g8.p, 0, 8);
		CHECK_RC(vmb_slice_copy_from_array(s8, a, 5, 2, &copied), 0);
		CHECK_EQ(copied, 4);
		CHECK_MEM(g8.p, a, 8);
		vmbt_guarded_free(&g8);
	}
	memset(g.p, 0xee, 9);
	CHECK_RC(vmb_slice_copy_from_array(s, a, 5, 2, &copied), 0);
	CHECK_EQ(copied, 4);
	CHECK_MEM(g.p, a, 8);
	CHECK_EQ(g.p[8], 0xee);
	vmbt_guarded_free(&g);
}

TEST(S10_copy_array_bad_arguments)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 8, false);
	uint8_t buf[8] = { 0 };
	size_t copied = 99;

	memset(g.p, 0x42, 8);
	CHECK_RC(vmb_slice_copy_to_array(s, buf, 8, 0, &copied), VMB_EINVALID_ARGUMENT);
	CHECK_EQ(copied, 0);
	copied = 99;
	CHECK_RC(vmb_slice_copy_from_array(s, buf, 8, 0, &copied), VMB_EINVALID_ARGUMENT);
	CHECK_EQ(copied, 0);
	CHECK_RC(vmb_slice_copy_to_array(s, NULL, 1, 1, &copied), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_slice_copy_from_array(s, NULL, 1, 1, &copied), VMB_EINVALID_ARGUMENT);
	CHECK(all_bytes(g.p, 8, 0x42));
	/* Zero elements with a NULL buffer is fine. */
	CHECK_RC(vmb_slice_copy_to_array(s, NULL, 0, 4, &copied), 0);
	CHECK_EQ(copied, 0);
	CHECK_RC(vmb_slice_copy_from_array(s, NULL, 0, 4, NULL), 0);
	/* Elements larger than the slice: none fits. */
	CHECK_RC(vmb_slice_copy_to_array(s, buf, 1, 16, &copied), 0);
	CHECK_EQ(copied, 0);
	vmbt_guarded_free(&g);
}

/* ---- S11: dirty tracking ------------------------------------------------ */

TEST(S11_every_writing_path_marks)
{
	/* One path per page of 0x1000 bytes; each marks its own page only. */
	const size_t page = 0x1000, len = 0x10000;
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, len, true), sub;
	struct vmb_bitmap *bm = NULL;
	uint8_t buf[1024], arr[16];
	uint64_t val = 1;
	struct vmb_buf_source src;
	size_t done = 0, copied = 0, marked[16], nm = 0;

	memset(buf, 1, sizeof(buf));
	memset(arr, 2, sizeof(arr));
	memset(g.p, 0, len);
	CHECK_RC(vmb_bitmap_new(len, page, &bm), 0);
	CHECK_RC(vmb_slice_set_bitmap(&s, bm, 0), 0);
	CHECK(s.bitmap == bm);
	CHECK_EQ(dirty_count(bm), 0);

	/* write (test_bytes). */
	CHECK(range_clean(bm, 0x1000, 1024));
	CHECK_RC(vmb_slice_write(s, 0x1000, buf, 1024, &done, &E), 0);
	CHECK_EQ(done, 1024);
	CHECK(range_dirty(bm, 0x1000, 1024));
	marked[nm++] = 1;
	CHECK(only_pages_dirty(bm, marked, nm));
	/* write_slice. */
	CHECK_RC(vmb_slice_write_slice(s, 0x2000, buf, 1024, &E), 0);
	marked[nm++] = 2;
	CHECK(only_pages_dirty(bm, marked, nm));
	/* write_obj. */
	CHECK_RC(vmb_slice_write_obj(s, 0x3000, &val, sizeof(val), &E), 0);
	marked[nm++] = 3;
	CHECK(only_pages_dirty(bm, marked, nm));
	/* store, every width. */
	CHECK_RC(vmb_slice_store(s, 0x4000, 8, VMB_RELAXED, val, &E), 0);
	marked[nm++] = 4;
	CHECK(only_pages_dirty(bm, marked, nm));
	CHECK_RC(vmb_slice_store(s, 0x4ffe, 2, VMB_SEQ_CST, val, &E), 0);
	CHECK_RC(vmb_slice_store(s, 0x5000, 1, VMB_RELEASE, val, &E), 0);
	marked[nm++] = 5;
	CHECK(only_pages_dirty(bm, marked, nm));
	CHECK_RC(vmb_slice_store(s, 0x6004, 4, VMB_RELAXED, val, &E), 0);
	marked[nm++] = 6;
	CHECK(only_pages_dirty(bm, marked, nm));
	/* read_volatile_from. */
	CHECK_RC(vmb_buf_source_init(&src, buf, 64), 0);
	CHECK_RC(vmb_slice_read_volatile_from(s, 0x7000, &src.base, 64, &done, &E), 0);
	CHECK_EQ(done, 64);
	marked[nm++] = 7;
	CHECK(only_pages_dirty(bm, marked, nm));
	/* read_exact_volatile_from. */
	CHECK_RC(vmb_buf_source_init(&src, buf, 64), 0);
	CHECK_RC(vmb_slice_read_exact_volatile_from(s, 0x8000, &src.base, 64, &E), 0);
	marked[nm++] = 8;
	CHECK(only_pages_dirty(bm, marked, nm));
	/* Slice-to-slice copy marks the destination (its own bitmap view). */
	CHECK_RC(vmb_slice_subslice(s, 0x9000, 16, &sub, &E), 0);
	{
		struct vmb_slice from;
		struct vmbt_guarded gf;

		from = guarded_slice(&gf, 16, false);
		memset(gf.p, 9, 16);
		CHECK_RC(vmb_slice_copy_to(from, sub, &done), 0);
		CHECK_EQ(done, 16);
		vmbt_guarded_free(&gf);
	}
	marked[nm++] = 9;
	CHECK(only_pages_dirty(bm, marked, nm));
	/* copy_from_array, through a sub-slice at 0xa000. */
	CHECK_RC(vmb_slice_subslice(s, 0xa000, 16, &sub, &E), 0);
	CHECK_RC(vmb_slice_copy_from_array(sub, arr, 4, 4, &copied), 0);
	CHECK_EQ(copied, 4);
	marked[nm++] = 10;
	CHECK(only_pages_dirty(bm, marked, nm));
	/* Through the generic interface too. */
	CHECK_RC(vmb_bytes_write_obj(vmb_slice_bytes(&s), 0xb000, &val, sizeof(val), &E), 0);
	marked[nm++] = 11;
	CHECK(only_pages_dirty(bm, marked, nm));
	CHECK_RC(vmb_bytes_store(vmb_slice_bytes(&s), 0xc000, 4, VMB_RELAXED, 1, &E), 0);
	marked[nm++] = 12;
	CHECK(only_pages_dirty(bm, marked, nm));
	vmb_bitmap_free(bm);
	vmbt_guarded_free(&g);
}

TEST(S11_reads_never_mark)
{
	const size_t len = 256;
	struct vmbt_guarded g, gd;
	struct vmb_slice s = guarded_slice(&g, len, true), dst = guarded_slice(&gd, 64, false);
	struct vmb_bitmap *bm = NULL;
	uint8_t buf[64], out[256];
	uint64_t v;
	struct vmb_buf_sink sink;
	size_t done, copied;

	vmbt_fill_pattern(g.p, len, 5);
	CHECK_RC(vmb_bitmap_new(len, 16, &bm), 0);
	CHECK_RC(vmb_slice_set_bitmap(&s, bm, 0), 0);
	CHECK_RC(vmb_slice_read(s, 0, buf, 64, &done, &E), 0);
	CHECK_RC(vmb_slice_read_slice(s, 64, buf, 64, &E), 0);
	CHECK_RC(vmb_slice_read_obj(s, 128, &v, sizeof(v), &E), 0);
	for (unsigned w = 1; w <= 8; w *= 2)
		CHECK_RC(vmb_slice_load(s, 136, w, VMB_ACQUIRE, &v, &E), 0);
	CHECK_RC(vmb_buf_sink_init(&sink, out, sizeof(out)), 0);
	CHECK_RC(vmb_slice_write_volatile_to(s, 144, &sink.base, 16, &done, &E), 0);
	CHECK_RC(vmb_slice_write_all_volatile_to(s, 160, &sink.base, 16, &E), 0);
	CHECK_RC(vmb_slice_copy_to_array(s, out, 8, 4, &copied), 0);
	/* The source side of a slice-to-slice copy. */
	CHECK_RC(vmb_slice_copy_to(s, dst, &done), 0);
	CHECK_EQ(done, 64);
	CHECK_EQ(dirty_count(bm), 0);
	vmb_bitmap_free(bm);
	vmbt_guarded_free(&g);
	vmbt_guarded_free(&gd);
}

TEST(S11_marks_exactly_the_bytes_written)
{
	/* Page 16 on 64 bytes: 4 pages, so page arithmetic shows. */
	const uint8_t data[40] = { 1 };
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 64, true);
	struct vmb_bitmap *bm = NULL;
	uint64_t words[1];
	size_t done;

	memset(g.p, 0, 64);
	CHECK_RC(vmb_bitmap_new(64, 16, &bm), 0);
	CHECK_EQ(vmb_bitmap_pages(bm), 4);
	CHECK_RC(vmb_slice_set_bitmap(&s, bm, 0), 0);

	/* Within one page, then across a page edge. */
	CHECK_RC(vmb_slice_write(s, 18, data, 2, &done, &E), 0);
	CHECK(only_pages_dirty(bm, (const size_t[]){ 1 }, 1));
	vmb_bitmap_reset(bm);
	CHECK_RC(vmb_slice_write(s, 15, data, 2, &done, &E), 0);
	CHECK(only_pages_dirty(bm, (const size_t[]){ 0, 1 }, 2));
	vmb_bitmap_reset(bm);
	/* Last byte of a page only. */
	CHECK_RC(vmb_slice_write(s, 31, data, 1, &done, &E), 0);
	CHECK(only_pages_dirty(bm, (const size_t[]){ 1 }, 1));
	vmb_bitmap_reset(bm);
	/* n == 0 marks nothing. */
	CHECK_RC(vmb_slice_write(s, 20, data, 0, &done, &E), 0);
	CHECK_RC(vmb_slice_read_volatile_from(s, 64, NULL, 0, &done, &E), VMB_EINVALID_ARGUMENT);
	CHECK_EQ(dirty_count(bm), 0);
	/* A short write marks what it wrote: 40 bytes at 60 write 4. */
	CHECK_RC(vmb_slice_write(s, 60, data, 40, &done, &E), 0);
	CHECK_EQ(done, 4);
	CHECK(only_pages_dirty(bm, (const size_t[]){ 3 }, 1));
	vmb_bitmap_reset(bm);
	/* PartialBuffer still marks the part written. */
	EXPECT(vmb_slice_write_slice(s, 47, data, 20, &E), VMB_EPARTIAL_BUFFER,
	       "partial_buffer expected=20 completed=17");
	CHECK(only_pages_dirty(bm, (const size_t[]){ 2, 3 }, 2));
	vmb_bitmap_reset(bm);
	/* Failures that write nothing mark nothing. */
	EXPECT(vmb_slice_write(s, 64, data, 1, &done, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x40");
	EXPECT(vmb_slice_store(s, 62, 4, VMB_RELAXED, 1, &E), VMB_EOUT_OF_BOUNDS,
	       "out_of_bounds addr=0x42");
	EXPECT(vmb_slice_store(s, 1, 4, VMB_RELAXED, 1, &E), VMB_EMISALIGNED,
	       "misaligned addr=0x1 alignment=4");
	CHECK_EQ(dirty_count(bm), 0);
	/* A store straddles no page: it marks its one page. */
	CHECK_RC(vmb_slice_store(s, 40, 8, VMB_RELAXED, 1, &E), 0);
	CHECK(only_pages_dirty(bm, (const size_t[]){ 2 }, 1));
	/* get_and_reset hands back bit 2 and clears it (SPEC 7's layout). */
	CHECK_RC(vmb_bitmap_get_and_reset(bm, words, 1), 0);
	CHECK_EQ(words[0], 1u << 2);
	CHECK_EQ(dirty_count(bm), 0);
	vmb_bitmap_free(bm);
	vmbt_guarded_free(&g);
}

TEST(S11_volatile_io_marks_bytes_moved)
{
	static const uint8_t data[40] = { 7 };
	const struct vmb_fault plan[] = { { VMB_FAULT_SHORT, 5 }, { VMB_FAULT_EOF, 0 } };
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 64, true);
	struct vmb_bitmap *bm = NULL;
	struct vmb_buf_source buf;
	struct vmb_fault_source fault;
	size_t done;

	memset(g.p, 0, 64);
	CHECK_RC(vmb_bitmap_new(64, 16, &bm), 0);
	CHECK_RC(vmb_slice_set_bitmap(&s, bm, 0), 0);
	/* A 3-byte source asked for 40 at 10: only [10, 13) is written. */
	CHECK_RC(vmb_buf_source_init(&buf, data, 3), 0);
	CHECK_RC(vmb_slice_read_volatile_from(s, 10, &buf.base, 40, &done, &E), 0);
	CHECK_EQ(done, 3);
	CHECK(only_pages_dirty(bm, (const size_t[]){ 0 }, 1));
	vmb_bitmap_reset(bm);
	/* An exact read that fails after 5 bytes at 30 marks [30, 35). */
	CHECK_RC(vmb_buf_source_init(&buf, data, sizeof(data)), 0);
	CHECK_RC(vmb_fault_source_init(&fault, &buf.base, plan, 2, false), 0);
	EXPECT(vmb_slice_read_exact_volatile_from(s, 30, &fault.base, 20, &E), VMB_EIO,
	       "io kind=unexpected_eof");
	CHECK(only_pages_dirty(bm, (const size_t[]){ 1, 2 }, 2));
	vmb_bitmap_reset(bm);
	/* A buffer source that fails without copying marks nothing (I3). */
	CHECK_RC(vmb_buf_source_init(&buf, data, 3), 0);
	EXPECT(vmb_slice_read_exact_volatile_from(s, 0, &buf.base, 20, &E), VMB_EIO,
	       "io kind=unexpected_eof");
	CHECK_EQ(dirty_count(bm), 0);
	vmb_bitmap_free(bm);
	vmbt_guarded_free(&g);
}

TEST(S11_subslices_share_the_bitmap_at_their_offset)
{
	const size_t page = 0x1000, len = 0x8000;
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, len, true), sub, head, tail, arr;
	struct vmb_bitmap *bm = NULL;
	uint64_t val = 123;

	memset(g.p, 0, len);
	CHECK_RC(vmb_bitmap_new(len, page, &bm), 0);
	CHECK_RC(vmb_slice_set_bitmap(&s, bm, 0), 0);

	CHECK_RC(vmb_slice_subslice(s, 0x1008, 16, &sub, &E), 0);
	CHECK(sub.bitmap == bm);
	CHECK_RC(vmb_slice_write_obj(sub, 0, &val, sizeof(val), &E), 0);
	CHECK(only_pages_dirty(bm, (const size_t[]){ 1 }, 1));
	/* A sub-slice of a sub-slice: offsets add up. */
	CHECK_RC(vmb_slice_subslice(s, 0x1800, 0x1000, &sub, &E), 0);
	CHECK_RC(vmb_slice_subslice(sub, 0x900, 0x10, &arr, &E), 0);
	CHECK_RC(vmb_slice_store(arr, 0, 8, VMB_RELAXED, val, &E), 0);
	CHECK(only_pages_dirty(bm, (const size_t[]){ 1, 2 }, 2));
	/* split_at: the tail starts at m. */
	CHECK_RC(vmb_slice_split_at(s, 0x3000, &head, &tail, &E), 0);
	CHECK_RC(vmb_slice_write_obj(tail, 0, &val, sizeof(val), &E), 0);
	CHECK(only_pages_dirty(bm, (const size_t[]){ 1, 2, 3 }, 3));
	CHECK_RC(vmb_slice_write_obj(head, 0x2ff8, &val, sizeof(val), &E), 0);
	CHECK(only_pages_dirty(bm, (const size_t[]){ 1, 2, 3 }, 3));
	/* offset: everything from c on. */
	CHECK_RC(vmb_slice_offset(s, 0x4008, &tail, &E), 0);
	CHECK_RC(vmb_slice_write_obj(tail, 0xff8, &val, sizeof(val), &E), 0);
	CHECK(only_pages_dirty(bm, (const size_t[]){ 1, 2, 3, 5 }, 4));
	/* get_array, with a store through it. */
	CHECK_RC(vmb_slice_get_array(s, 0x6000, 4, 8, &arr, &E), 0);
	CHECK_RC(vmb_slice_store(arr, 24, 8, VMB_RELAXED, val, &E), 0);
	CHECK(only_pages_dirty(bm, (const size_t[]){ 1, 2, 3, 5, 6 }, 5));
	vmb_bitmap_free(bm);
	vmbt_guarded_free(&g);
}

TEST(S11_bitmap_offset_and_bits_past_the_end)
{
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, 0x3000, true), plain;
	struct vmb_bitmap *bm = NULL, *small = NULL;
	uint64_t val = 1;

	memset(g.p, 0, 0x3000);
	/* The slice sits at 0x2000 of the bitmap's range. */
	CHECK_RC(vmb_bitmap_new(0x6000, 0x1000, &bm), 0);
	CHECK_RC(vmb_slice_set_bitmap(&s, bm, 0x2000), 0);
	CHECK_RC(vmb_slice_write_obj(s, 0x1000, &val, sizeof(val), &E), 0);
	CHECK(only_pages_dirty(bm, (const size_t[]){ 3 }, 1));
	/* Detaching stops marking. */
	plain = s;
	CHECK_RC(vmb_slice_set_bitmap(&plain, NULL, 0), 0);
	CHECK(plain.bitmap == NULL);
	CHECK_RC(vmb_slice_write_obj(plain, 0, &val, sizeof(val), &E), 0);
	CHECK_RC(vmb_slice_store(plain, 0x2000, 8, VMB_RELAXED, val, &E), 0);
	CHECK(only_pages_dirty(bm, (const size_t[]){ 3 }, 1));
	/* A bitmap smaller than the slice: bits past its end are ignored. */
	CHECK_RC(vmb_bitmap_new(0x1000, 0x1000, &small), 0);
	CHECK_RC(vmb_slice_set_bitmap(&s, small, 0), 0);
	CHECK_RC(vmb_slice_write_obj(s, 0x2000, &val, sizeof(val), &E), 0);
	CHECK_RC(vmb_slice_store(s, 0x1008, 8, VMB_RELAXED, val, &E), 0);
	CHECK_EQ(dirty_count(small), 0);
	CHECK_RC(vmb_slice_write_obj(s, 0xff8, &val, sizeof(val), &E), 0);
	CHECK(only_pages_dirty(small, (const size_t[]){ 0 }, 1));
	vmb_bitmap_free(bm);
	vmb_bitmap_free(small);
	vmbt_guarded_free(&g);
}

TEST(S11_ref_test_volatile_slice_dirty_tracking)
{
	const size_t page = 0x1000, len = 0x10000, dirty_offset = 0x1000;
	struct vmbt_guarded g;
	struct vmb_slice s1 = guarded_slice(&g, len, true), s2, s3, a, b;
	struct vmb_bitmap *bm1 = NULL, *bm2 = NULL, *bm3 = NULL;
	uint64_t val = 123;
	uint8_t *bytes = malloc(dirty_offset);
	uint32_t *words = malloc(dirty_offset);
	size_t done = 0, copied = 0;

	CHECK(bytes != NULL && words != NULL);
	memset(g.p, 0, len);
	CHECK_RC(vmb_bitmap_new(len, page, &bm1), 0);
	CHECK_RC(vmb_bitmap_new(len, page, &bm2), 0);
	CHECK_RC(vmb_bitmap_new(len, page, &bm3), 0);
	/* Three views of the same memory, each with its own bitmap. */
	s2 = s1;
	s3 = s1;
	CHECK_RC(vmb_slice_set_bitmap(&s1, bm1, 0), 0);
	CHECK_RC(vmb_slice_set_bitmap(&s2, bm2, 0), 0);
	CHECK_RC(vmb_slice_set_bitmap(&s3, bm3, 0), 0);
	CHECK(range_clean(bm1, 0, len));
	CHECK(range_clean(bm2, 0, len));

	CHECK_RC(vmb_slice_write_obj(s1, dirty_offset, &val, sizeof(val), &E), 0);
	CHECK(range_dirty(bm1, dirty_offset, sizeof(val)));

	/* Copying all of s1 onto s2 dirties all of s2. */
	CHECK_RC(vmb_slice_copy_to(s1, s2, &done), 0);
	CHECK_EQ(done, len);
	CHECK(range_dirty(bm2, 0, len));

	CHECK_RC(vmb_slice_split_at(s1, dirty_offset, &a, &b, &E), 0);
	CHECK(range_clean(a.bitmap, a.bitmap_offset, a.len));
	CHECK(range_dirty(b.bitmap, b.bitmap_offset, sizeof(val)));
	CHECK_RC(vmb_slice_subslice(s1, dirty_offset, sizeof(val), &a, &E), 0);
	CHECK(range_dirty(a.bitmap, a.bitmap_offset, a.len));
	CHECK_RC(vmb_slice_offset(s1, dirty_offset, &a, &E), 0);
	CHECK(range_dirty(a.bitmap, a.bitmap_offset, sizeof(val)));

	/* copy_from with 1-byte elements. */
	memset(bytes, 1, dirty_offset);
	CHECK(range_clean(bm1, 0, dirty_offset));
	CHECK_RC(vmb_slice_copy_from_array(s1, bytes, dirty_offset, 1, &copied), 0);
	CHECK_EQ(copied, dirty_offset);
	CHECK(range_dirty(bm1, 0, dirty_offset));

	/* copy_from with 4-byte elements. */
	for (size_t i = 0; i < dirty_offset / 4; i++)
		words[i] = 1;
	CHECK(range_clean(bm3, 0, dirty_offset));
	CHECK_RC(vmb_slice_copy_from_array(s3, words, dirty_offset / 4, 4, &copied), 0);
	CHECK_EQ(copied, dirty_offset / 4);
	CHECK(range_dirty(bm3, 0, dirty_offset));
	CHECK(range_clean(bm3, dirty_offset, len - dirty_offset));

	free(bytes);
	free(words);
	vmb_bitmap_free(bm1);
	vmb_bitmap_free(bm2);
	vmb_bitmap_free(bm3);
	vmbt_guarded_free(&g);
}

TEST(S11_ref_test_volatile_memory)
{
	/* test_volatile_memory: a write through the whole slice shows in a
	 * sub-slice's view; a u64 store and a one-element array store mark. */
	const size_t len = 0x8000;
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, len, true), s2, arr;
	struct vmb_bitmap *bm = NULL;
	uint64_t val = 123;

	memset(g.p, 0, len);
	CHECK_RC(vmb_bitmap_new(len, 0x1000, &bm), 0);
	CHECK_RC(vmb_slice_set_bitmap(&s, bm, 0), 0);
	CHECK_RC(vmb_slice_get_slice(s, 0x1000, 8, &s2, &E), 0);
	CHECK(range_clean(bm, 0, len));
	CHECK_RC(vmb_slice_write_obj(s, 0x1000, &val, sizeof(val), &E), 0);
	CHECK(range_dirty(bm, 0x1000, 8));
	CHECK(range_dirty(s2.bitmap, s2.bitmap_offset, 8));
	CHECK(range_clean(bm, 0x2000, 8));
	CHECK_RC(vmb_slice_store(s, 0x2000, 8, VMB_RELAXED, val, &E), 0);
	CHECK(range_dirty(bm, 0x2000, 8));
	CHECK_RC(vmb_slice_get_array(s, 0x3000, 1, 8, &arr, &E), 0);
	CHECK(range_clean(bm, 0x3000, 8));
	CHECK_RC(vmb_slice_store(arr, 0, 8, VMB_RELAXED, val, &E), 0);
	CHECK(range_dirty(bm, 0x3000, 8));
	CHECK_EQ(dirty_count(bm), 3);
	vmb_bitmap_free(bm);
	vmbt_guarded_free(&g);
}

TEST(S11_ref_test_volatile_array_ref_dirty_tracking)
{
	/* 0x1001 u64 elements: a store at index 0x1000 dirties its page; a
	 * copy of all elements dirties all pages, for u8 and u64 elements. */
	const size_t index = 0x1000, n = index + 1;
	struct vmbt_guarded g;
	struct vmb_slice s = guarded_slice(&g, n * 8, true), arr;
	struct vmb_bitmap *bm = NULL;
	uint64_t *vals = malloc(n * 8);
	uint8_t *bytes = malloc(n);
	size_t copied = 0;

	CHECK(vals != NULL && bytes != NULL);
	for (size_t i = 0; i < n; i++) {
		vals[i] = 123;
		bytes[i] = 123;
	}
	memset(g.p, 0, n * 8);
	CHECK_RC(vmb_bitmap_new(n * 8, 0x1000, &bm), 0);
	CHECK_RC(vmb_slice_set_bitmap(&s, bm, 0), 0);
	CHECK_RC(vmb_slice_get_array(s, 0, n, 8, &arr, &E), 0);
	CHECK(range_clean(bm, 0, n * 8));
	CHECK_RC(vmb_slice_store(arr, index * 8, 8, VMB_RELAXED, 123, &E), 0);
	CHECK(range_dirty(bm, index * 8, 8));
	CHECK_EQ(dirty_count(bm), 1);

	vmb_bitmap_reset(bm);
	CHECK_RC(vmb_slice_copy_from_array(arr, vals, n, 8, &copied), 0);
	CHECK_EQ(copied, n);
	CHECK(range_dirty(bm, 0, n * 8));

	vmb_bitmap_reset(bm);
	CHECK_RC(vmb_slice_get_array(s, 0, n, 1, &arr, &E), 0);
	CHECK_RC(vmb_slice_copy_from_array(arr, bytes, n, 1, &copied), 0);
	CHECK_EQ(copied, n);
	CHECK(range_dirty(bm, 0, n));
	CHECK(range_clean(bm, 0x2000, n * 8 - 0x2000));
	free(vals);
	free(bytes);
	vmb_bitmap_free(bm);
	vmbt_guarded_free(&g);
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Checked arithmetic (core/include/vmbytes/checked.h): edge-value tables
 * for every helper in the manner of Linux's overflow_kunit.c (0, 1, MAX-1,
 * MAX and powers of two), each row checked in both operand orders where
 * the operation commutes. The S5 range checks and the G4 address walk are
 * built on these, so the cases carry those rule ids. The reference's
 * address.rs tests (GuestAddress arithmetic) map onto the u64 helpers.
 *
 * Every expected result below is worked out by hand from the arithmetic,
 * modulo 2^64 for the wrapped value.
 */
#include "harness.h"

#define U64MAX UINT64_MAX
#define P32 (1ull << 32)
#define P63 (1ull << 63)

struct row {
	uint64_t a, b;
	uint64_t r;    /* the exact result, or the wrapped one */
	bool overflow; /* the exact result does not fit */
};

static const struct row add_rows[] = {
	{ 0, 0, 0, false },
	{ 0, 1, 1, false },
	{ 1, 1, 2, false },
	{ 10, 10, 20, false },
	{ 0, U64MAX, U64MAX, false },
	{ 1, U64MAX - 1, U64MAX, false },
	{ U64MAX - 1, 1, U64MAX, false },
	{ 1, U64MAX, 0, true },
	{ U64MAX, 1, 0, true },
	{ U64MAX - 1, 2, 0, true },
	{ U64MAX - 1, U64MAX - 1, U64MAX - 3, true },
	{ U64MAX, U64MAX, U64MAX - 1, true },
	{ P32, P32, 1ull << 33, false },
	{ P32 - 1, 1, P32, false },
	{ P63, P63 - 1, U64MAX, false },
	{ P63, P63, 0, true },
	{ P63, U64MAX, P63 - 1, true },
	{ 0x100, 0x50, 0x150, false },
};

static const struct row sub_rows[] = {
	{ 0, 0, 0, false },
	{ 1, 0, 1, false },
	{ 1, 1, 0, false },
	{ 20, 10, 10, false },
	{ 0x150, 0x100, 0x50, false },
	{ 0x100, 0x150, (uint64_t)-0x50, true },
	{ 0, 1, U64MAX, true },
	{ 0, U64MAX, 1, true },
	{ 1, U64MAX, 2, true },
	{ U64MAX, 0, U64MAX, false },
	{ U64MAX, 1, U64MAX - 1, false },
	{ U64MAX, U64MAX, 0, false },
	{ U64MAX - 1, U64MAX, U64MAX, true },
	{ U64MAX, U64MAX - 1, 1, false },
	{ P63, P63 + 1, U64MAX, true },
	{ P63, 1, P63 - 1, false },
	{ P32, P32 + 1, U64MAX, true },
	{ P32, 1, P32 - 1, false },
};

static const struct row mul_rows[] = {
	{ 0, 0, 0, false },
	{ 0, 1, 0, false },
	{ 1, 1, 1, false },
	{ 0, U64MAX, 0, false },
	{ 1, U64MAX, U64MAX, false },
	{ 2, U64MAX, U64MAX - 1, true },
	{ U64MAX, U64MAX, 1, true },
	{ U64MAX - 1, U64MAX - 1, 4, true },
	{ P32, P32, 0, true },
	{ P32, P32 - 1, U64MAX - P32 + 1, false },
	{ P32 - 1, P32 + 1, U64MAX, false },
	{ P63, 1, P63, false },
	{ P63, 2, 0, true },
	{ P63, 3, P63, true },
	{ U64MAX / 4, 4, U64MAX - 3, false },
	{ U64MAX / 4 + 1, 4, 0, true },
};

#define NROWS(t) (sizeof(t) / sizeof((t)[0]))

static void report(const char *op, const struct row *r)
{
	fprintf(stderr, "  in row %s(0x%" PRIx64 ", 0x%" PRIx64 ")\n", op, r->a, r->b);
}

TEST(G4_add_overflow_u64_table)
{
	for (size_t i = 0; i < NROWS(add_rows); i++) {
		const struct row *t = &add_rows[i];
		uint64_t r = 0x5a5a5a5a5a5a5a5aull;
		bool o = vmb_add_overflow_u64(t->a, t->b, &r);

		CHECK_EQ(o, t->overflow);
		CHECK_EQ(r, t->r);
		/* Addition commutes. */
		r = 0x5a5a5a5a5a5a5a5aull;
		o = vmb_add_overflow_u64(t->b, t->a, &r);
		CHECK_EQ(o, t->overflow);
		CHECK_EQ(r, t->r);
		if (o != t->overflow || r != t->r)
			report("add", t);
	}
}

TEST(S5_add_overflow_size_table)
{
	_Static_assert(sizeof(size_t) == sizeof(uint64_t), "the tables are 64-bit");
	for (size_t i = 0; i < NROWS(add_rows); i++) {
		const struct row *t = &add_rows[i];
		size_t r = 0x5a5a5a5a;
		bool o = vmb_add_overflow_size((size_t)t->a, (size_t)t->b, &r);

		CHECK_EQ(o, t->overflow);
		CHECK_EQ(r, t->r);
		r = 0x5a5a5a5a;
		o = vmb_add_overflow_size((size_t)t->b, (size_t)t->a, &r);
		CHECK_EQ(o, t->overflow);
		CHECK_EQ(r, t->r);
		if (o != t->overflow || r != t->r)
			report("add_size", t);
	}
	/* The S5 example rows: SIZE_MAX + 2 and 2 + SIZE_MAX wrap. */
	{
		size_t r;

		CHECK(vmb_add_overflow_size(SIZE_MAX, 2, &r));
		CHECK(vmb_add_overflow_size(2, SIZE_MAX, &r));
		CHECK(!vmb_add_overflow_size(101, 0, &r));
		CHECK_EQ(r, 101);
	}
}

TEST(G4_sub_overflow_u64_table)
{
	for (size_t i = 0; i < NROWS(sub_rows); i++) {
		const struct row *t = &sub_rows[i];
		uint64_t r = 0x5a5a5a5a5a5a5a5aull;
		bool o = vmb_sub_overflow_u64(t->a, t->b, &r);

		CHECK_EQ(o, t->overflow);
		CHECK_EQ(r, t->r);
		if (o != t->overflow || r != t->r)
			report("sub", t);
	}
}

TEST(S5_sub_overflow_size_table)
{
	for (size_t i = 0; i < NROWS(sub_rows); i++) {
		const struct row *t = &sub_rows[i];
		size_t r = 0x5a5a5a5a;
		bool o = vmb_sub_overflow_size((size_t)t->a, (size_t)t->b, &r);

		CHECK_EQ(o, t->overflow);
		CHECK_EQ(r, t->r);
		if (o != t->overflow || r != t->r)
			report("sub_size", t);
	}
}

TEST(G4_mul_overflow_u64_table)
{
	for (size_t i = 0; i < NROWS(mul_rows); i++) {
		const struct row *t = &mul_rows[i];
		uint64_t r = 0x5a5a5a5a5a5a5a5aull;
		bool o = vmb_mul_overflow_u64(t->a, t->b, &r);

		CHECK_EQ(o, t->overflow);
		CHECK_EQ(r, t->r);
		r = 0x5a5a5a5a5a5a5a5aull;
		o = vmb_mul_overflow_u64(t->b, t->a, &r);
		CHECK_EQ(o, t->overflow);
		CHECK_EQ(r, t->r);
		if (o != t->overflow || r != t->r)
			report("mul", t);
	}
}

TEST(S5_mul_overflow_size_table)
{
	for (size_t i = 0; i < NROWS(mul_rows); i++) {
		const struct row *t = &mul_rows[i];
		size_t r = 0x5a5a5a5a;
		bool o = vmb_mul_overflow_size((size_t)t->a, (size_t)t->b, &r);

		CHECK_EQ(o, t->overflow);
		CHECK_EQ(r, t->r);
		r = 0x5a5a5a5a;
		o = vmb_mul_overflow_size((size_t)t->b, (size_t)t->a, &r);
		CHECK_EQ(o, t->overflow);
		CHECK_EQ(r, t->r);
		if (o != t->overflow || r != t->r)
			report("mul_size", t);
	}
	/* get_array's TooBig{SIZE_MAX, 4}. */
	{
		size_t r;

		CHECK(vmb_mul_overflow_size(SIZE_MAX, 4, &r));
	}
}

TEST(S5_range_fits_table)
{
	static const struct {
		uint64_t off, n, len;
		bool fits;
	} rows[] = {
		{ 0, 0, 0, true },        /* the empty range of an empty container */
		{ 0, 1, 0, false },
		{ 1, 0, 0, false },
		{ 0, 100, 100, true },
		{ 100, 0, 100, true },    /* subslice(L, 0) */
		{ 99, 1, 100, true },
		{ 100, 1, 100, false },
		{ 99, 2, 100, false },
		{ 0, 101, 100, false },
		{ 101, 0, 100, false },
		{ 50, 50, 100, true },
		{ 55, 50, 100, false },
		{ U64MAX, 2, 100, false },
		{ 2, U64MAX, 100, false },  /* 2 + MAX wraps to 1: must not fit */
		{ U64MAX, 1, U64MAX, false },
		{ U64MAX, 0, U64MAX, true },
		{ 0, U64MAX, U64MAX, true },
		{ 1, U64MAX, U64MAX, false }, /* wraps to 0 */
		{ 1, U64MAX - 1, U64MAX, true },
		{ U64MAX - 1, 1, U64MAX, true },
		{ U64MAX - 1, 2, U64MAX, false },
		{ U64MAX, U64MAX, U64MAX, false },
		{ P63, P63, U64MAX, false }, /* wraps to 0 */
		{ P63, P63 - 1, U64MAX, true },
		{ P32, P32, 1ull << 33, true },
		{ P32, P32 + 1, 1ull << 33, false },
	};

	for (size_t i = 0; i < NROWS(rows); i++) {
		bool got = vmb_range_fits(rows[i].off, rows[i].n, rows[i].len);

		if (got != rows[i].fits)
			fprintf(stderr, "  in row range_fits(0x%" PRIx64 ", 0x%" PRIx64
				", 0x%" PRIx64 ")\n", rows[i].off, rows[i].n, rows[i].len);
		CHECK_EQ(got, rows[i].fits);
	}
}

TEST(S11_is_pow2_table)
{
	static const struct {
		uint64_t x;
		bool pow2;
	} rows[] = {
		{ 0, false }, { 1, true }, { 2, true }, { 3, false }, { 4, true },
		{ 6, false }, { 12, false }, { 0x1000, true }, { 0x1001, false },
		{ 0xfff, false }, { P32 - 1, false }, { P32, true }, { P32 + 1, false },
		{ P63 - 1, false }, { P63, true }, { P63 + 1, false },
		{ U64MAX - 1, false }, { U64MAX, false },
	};

	for (size_t i = 0; i < NROWS(rows); i++) {
		if (vmb_is_pow2(rows[i].x) != rows[i].pow2)
			fprintf(stderr, "  in row is_pow2(0x%" PRIx64 ")\n", rows[i].x);
		CHECK_EQ(vmb_is_pow2(rows[i].x), rows[i].pow2);
	}
	/* Every single bit is a power of two; every pair of bits is not. */
	for (unsigned b = 0; b < 64; b++) {
		CHECK(vmb_is_pow2(1ull << b));
		for (unsigned c = b + 1; c < 64; c++)
			CHECK(!vmb_is_pow2((1ull << b) | (1ull << c)));
	}
}

TEST(G4_align_up_overflow_table)
{
	static const struct {
		uint64_t x, align;
		uint64_t r;
		bool fails; /* overflow or an alignment that is not a power of two */
	} rows[] = {
		{ 0x128, 8, 0x128, false },  /* test_checked_align_up */
		{ 0x128, 16, 0x130, false },
		{ U64MAX - 0x3fff, 0x10000, 0, true },
		{ 0x128, 12, 0, true },      /* test_checked_align_up_invalid */
		{ 0x128, 0, 0, true },
		{ 0x128, 3, 0, true },
		{ 0x128, U64MAX, 0, true },
		{ 0, 1, 0, false },
		{ 0, 0x1000, 0, false },
		{ 0, P63, 0, false },
		{ 1, 1, 1, false },
		{ 1, 2, 2, false },
		{ 1, 0x1000, 0x1000, false },
		{ 0x1000, 0x1000, 0x1000, false },
		{ 0x1001, 0x1000, 0x2000, false },
		{ 0xfff, 0x1000, 0x1000, false },
		{ U64MAX, 1, U64MAX, false },
		{ U64MAX - 1, 2, U64MAX - 1, false },
		{ U64MAX, 2, 0, true },
		{ U64MAX - 0xfff, 0x1000, U64MAX - 0xfff, false },
		{ U64MAX - 0xffe, 0x1000, 0, true },
		{ 1, P63, P63, false },
		{ P63, P63, P63, false },
		{ P63 + 1, P63, 0, true },
	};

	for (size_t i = 0; i < NROWS(rows); i++) {
		uint64_t r = 0x5a5a5a5a5a5a5a5aull;
		bool fails = vmb_align_up_overflow(rows[i].x, rows[i].align, &r);

		if (fails != rows[i].fails || (!fails && r != rows[i].r))
			fprintf(stderr, "  in row align_up(0x%" PRIx64 ", 0x%" PRIx64 ")\n",
				rows[i].x, rows[i].align);
		CHECK_EQ(fails, rows[i].fails);
		/* The result is only defined when the call succeeds. */
		if (!rows[i].fails)
			CHECK_EQ(r, rows[i].r);
	}
}

TEST(G4_ref_test_add)
{
	uint64_t r;

	/* 10 + 10; MAX-1 + 1 reaches MAX; MAX + 1 overflows to 0. */
	CHECK(!vmb_add_overflow_u64(10, 10, &r));
	CHECK_EQ(r, 20);
	CHECK(!vmb_add_overflow_u64(U64MAX - 1, 1, &r));
	CHECK_EQ(r, U64MAX);
	CHECK(vmb_add_overflow_u64(U64MAX, 1, &r));
	CHECK_EQ(r, 0);
}

TEST(G4_ref_test_sub_and_offset_from)
{
	uint64_t r;

	/* 20 - 10; 1 - 1; 0 - 1 underflows to MAX. */
	CHECK(!vmb_sub_overflow_u64(20, 10, &r));
	CHECK_EQ(r, 10);
	CHECK(!vmb_sub_overflow_u64(1, 1, &r));
	CHECK_EQ(r, 0);
	CHECK(vmb_sub_overflow_u64(0, 1, &r));
	CHECK_EQ(r, U64MAX);
	/* test_offset_from: 0x150 - 0x100 = 0x50; the reverse has no offset. */
	CHECK(!vmb_sub_overflow_u64(0x150, 0x100, &r));
	CHECK_EQ(r, 0x50);
	CHECK(vmb_sub_overflow_u64(0x100, 0x150, &r));
}

TEST(G4_ref_test_new_extremes_round_trip)
{
	/* test_new: 0 and MAX are representable addresses; adding or
	 * subtracting 0 leaves them as they are. */
	static const uint64_t vals[] = { 0, 1, U64MAX - 1, U64MAX };
	uint64_t r;

	for (size_t i = 0; i < NROWS(vals); i++) {
		CHECK(!vmb_add_overflow_u64(vals[i], 0, &r));
		CHECK_EQ(r, vals[i]);
		CHECK(!vmb_sub_overflow_u64(vals[i], 0, &r));
		CHECK_EQ(r, vals[i]);
		CHECK(!vmb_mul_overflow_u64(vals[i], 1, &r));
		CHECK_EQ(r, vals[i]);
		CHECK(!vmb_align_up_overflow(vals[i], 1, &r));
		CHECK_EQ(r, vals[i]);
	}
}

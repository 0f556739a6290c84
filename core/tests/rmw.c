/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Read-modify-write atomics (SPEC A1-A5): fetch_add, fetch_sub, fetch_and,
 * fetch_or, fetch_xor, swap and cmpxchg on slices, regions, guest memory
 * and the generic interface; the request checked before anything (A1,
 * A2), S9's bounds-then-alignment, dirty marking only when written (A3),
 * no update lost between threads (A4), Unsupported where a container
 * cannot do it atomically (A5).
 */
#include "harness.h"

#include <pthread.h>
#include <unistd.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const unsigned widths[] = { 1, 2, 4, 8 };
static const struct vmb_ordering orders[] = { { VMB_ORDER_RELAXED }, { VMB_ORDER_ACQUIRE },
					       { VMB_ORDER_RELEASE }, { VMB_ORDER_ACQ_REL },
					       { VMB_ORDER_SEQ_CST } };

static uint64_t mask_of(unsigned width)
{
	return width == 8 ? UINT64_MAX : ((uint64_t)1 << (8 * width)) - 1;
}

/* What @op leaves, by plain arithmetic modulo 2^(8 * width): it wraps on
 * purpose (the ubsan preset checks unsigned wraps everywhere else). */
#if defined(__clang__)
__attribute__((no_sanitize("unsigned-integer-overflow")))
#endif
static uint64_t apply(enum vmb_rmw_op op, uint64_t cur, uint64_t v, unsigned width)
{
	switch (op) {
	case VMB_RMW_ADD:
		return (cur + v) & mask_of(width);
	case VMB_RMW_SUB:
		return (cur - v) & mask_of(width);
	case VMB_RMW_AND:
		return cur & v & mask_of(width);
	case VMB_RMW_OR:
		return (cur | v) & mask_of(width);
	case VMB_RMW_XOR:
		return (cur ^ v) & mask_of(width);
	default:
		return v & mask_of(width);
	}
}

/* Every fetch op, width and ordering: the old value back, the new one stored. */
TEST(A1_every_op_width_and_ordering)
{
	_Alignas(8) static uint8_t mem[64];
	struct vmb_slice s;
	const uint64_t start = 0x8877665544332211ull, operand = 0xf0e1d2c3b4a59687ull;

	CHECK_RC(vmb_slice_init(&s, mem, sizeof(mem)), 0);
	for (size_t w = 0; w < NELEM(widths); w++) {
		for (int op = VMB_RMW_ADD; op <= VMB_RMW_SWAP; op++) {
			for (size_t o = 0; o < NELEM(orders); o++) {
				unsigned width = widths[w];
				uint64_t old = 0, now = 0;

				CHECK_RC(vmb_slice_store(s, 8, width, VMB_RELAXED, start, NULL), 0);
				CHECK_RC(vmb_slice_fetch(s, 8, width, (enum vmb_rmw_op)op, orders[o], operand,
							 &old, NULL),
					 0);
				CHECK_EQ(old, start & mask_of(width));
				CHECK_RC(vmb_slice_load(s, 8, width, VMB_RELAXED, &now, NULL), 0);
				CHECK_EQ(now, apply((enum vmb_rmw_op)op, start & mask_of(width), operand, width));
				/* Neighbours untouched: one access of @width bytes. */
				CHECK_EQ(mem[8 + width], 0);
				CHECK_EQ(mem[7], 0);
			}
		}
	}
}

/* A1, A2: the request is refused before the range is looked at. */
TEST(A1_the_request_is_checked_first)
{
	_Alignas(8) static uint8_t mem[16];
	struct vmb_slice s;
	struct vmb_rmw r = { VMB_RMW_ADD, { VMB_ORDER_RELAXED }, { VMB_ORDER_RELAXED }, 1, 0 };
	uint64_t old = 0x77;
	struct vmb_error e;

	CHECK_RC(vmb_slice_init(&s, mem, sizeof(mem)), 0);
	r.order.order = (enum vmb_order)5;
	CHECK_RC(vmb_slice_rmw(s, 1000, 8, &r, &old, &e), VMB_EINVALID_ARGUMENT);
	r.order = VMB_SEQ_CST;
	r.op = (enum vmb_rmw_op)7;
	CHECK_RC(vmb_slice_rmw(s, 1000, 8, &r, &old, &e), VMB_EINVALID_ARGUMENT);
	r.op = VMB_RMW_ADD;
	CHECK_RC(vmb_slice_rmw(s, 0, 3, &r, &old, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_slice_rmw(s, 0, 8, NULL, &old, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_slice_rmw(s, 0, 8, &r, NULL, &e), VMB_EINVALID_ARGUMENT);
	/* cmpxchg's failure ordering orders a load: never release. */
	CHECK_RC(vmb_slice_cmpxchg(s, 1000, 8, 0, 1, VMB_SEQ_CST, VMB_RELEASE, &old, &e),
		 VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_slice_cmpxchg(s, 0, 8, 0, 1, VMB_ACQ_REL, VMB_ACQ_REL, &old, &e),
		 VMB_EINVALID_ARGUMENT);
	/* The fetch form does not take cmpxchg (it has no expected value). */
	CHECK_RC(vmb_slice_fetch(s, 0, 8, VMB_RMW_CMPXCHG, VMB_SEQ_CST, 1, &old, &e),
		 VMB_EINVALID_ARGUMENT);
	CHECK_EQ(old, 0x77);
	for (size_t i = 0; i < sizeof(mem); i++)
		CHECK_EQ(mem[i], 0);
}

TEST(A2_cmpxchg_match_and_mismatch)
{
	_Alignas(8) static uint8_t mem[16];
	struct vmb_slice s;

	CHECK_RC(vmb_slice_init(&s, mem, sizeof(mem)), 0);
	for (size_t w = 0; w < NELEM(widths); w++) {
		unsigned width = widths[w];
		uint64_t old = 0, now = 0;

		CHECK_RC(vmb_slice_store(s, 8, width, VMB_RELAXED, 5, NULL), 0);
		/* No match: the value found, nothing stored. */
		CHECK_RC(vmb_slice_cmpxchg(s, 8, width, 6, 9, VMB_SEQ_CST, VMB_SEQ_CST, &old, NULL), 0);
		CHECK_EQ(old, 5);
		CHECK_RC(vmb_slice_load(s, 8, width, VMB_RELAXED, &now, NULL), 0);
		CHECK_EQ(now, 5);
		/* A match; the expected value is cut to the width as the operand is. */
		CHECK_RC(vmb_slice_cmpxchg(s, 8, width, 5 | ~mask_of(width), 0x1234567890abcdefull,
					   VMB_ACQ_REL, VMB_ACQUIRE, &old, NULL),
			 0);
		CHECK_EQ(old, 5);
		CHECK_RC(vmb_slice_load(s, 8, width, VMB_RELAXED, &now, NULL), 0);
		CHECK_EQ(now, 0x1234567890abcdefull & mask_of(width));
		/* A failure ordering stronger than the success one is allowed. */
		for (size_t so = 0; so < NELEM(orders); so++) {
			static const struct vmb_ordering fails[] = { { VMB_ORDER_RELAXED },
								     { VMB_ORDER_ACQUIRE },
								     { VMB_ORDER_SEQ_CST } };

			for (size_t fo = 0; fo < NELEM(fails); fo++) {
				CHECK_RC(vmb_slice_store(s, 8, width, VMB_RELAXED, 1, NULL), 0);
				CHECK_RC(vmb_slice_cmpxchg(s, 8, width, 2, 3, orders[so], fails[fo], &old, NULL), 0);
				CHECK_EQ(old, 1);
				CHECK_RC(vmb_slice_cmpxchg(s, 8, width, 1, 3, orders[so], fails[fo], &old, NULL), 0);
				CHECK_EQ(old, 1);
				CHECK_RC(vmb_slice_load(s, 8, width, VMB_RELAXED, &now, NULL), 0);
				CHECK_EQ(now, 3);
			}
		}
	}
}

/* S9's order for RMW too: bounds (S5) before alignment. */
TEST(A1_S9_bounds_before_alignment)
{
	_Alignas(8) static uint8_t mem[8];
	struct vmb_slice s;
	uint64_t old;
	struct vmb_error e;

	CHECK_RC(vmb_slice_init(&s, mem, sizeof(mem)), 0);
	CHECK_RC(vmb_slice_fetch(s, 1, 8, VMB_RMW_ADD, VMB_RELAXED, 1, &old, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x9");
	CHECK_RC(vmb_slice_fetch(s, 2, 4, VMB_RMW_OR, VMB_RELAXED, 1, &old, &e), VMB_EMISALIGNED);
	CHECK_ERR(e, "misaligned addr=0x2 alignment=4");
	CHECK_RC(vmb_slice_cmpxchg(s, SIZE_MAX, 2, 0, 1, VMB_RELAXED, VMB_RELAXED, &old, &e),
		 VMB_EOVERFLOW);
	CHECK_ERR(e, "overflow base=0xffffffffffffffff offset=0x2");
	for (size_t i = 0; i < sizeof(mem); i++)
		CHECK_EQ(mem[i], 0);
}

/* A3: every fetch op writes (even one that leaves the value as it was); a
 * cmpxchg writes only when it matched. */
TEST(A3_dirty_when_written)
{
	_Alignas(8) static uint8_t mem[64];
	struct vmb_slice s;
	struct vmb_bitmap *bm = NULL;
	uint64_t old;

	CHECK_RC(vmb_slice_init(&s, mem, sizeof(mem)), 0);
	CHECK_RC(vmb_bitmap_new(sizeof(mem), 8, &bm), 0);
	CHECK_RC(vmb_slice_set_bitmap(&s, bm, 0), 0);
	CHECK_RC(vmb_slice_fetch(s, 16, 8, VMB_RMW_OR, VMB_RELAXED, 0, &old, NULL), 0);
	CHECK(vmb_bitmap_is_dirty(bm, 16) && !vmb_bitmap_is_dirty(bm, 8) && !vmb_bitmap_is_dirty(bm, 24));
	CHECK_RC(vmb_slice_cmpxchg(s, 32, 4, 1, 2, VMB_SEQ_CST, VMB_SEQ_CST, &old, NULL), 0);
	CHECK(!vmb_bitmap_is_dirty(bm, 32));
	CHECK_RC(vmb_slice_cmpxchg(s, 32, 4, 0, 2, VMB_SEQ_CST, VMB_SEQ_CST, &old, NULL), 0);
	CHECK(vmb_bitmap_is_dirty(bm, 32));
	/* Errors mark nothing. */
	CHECK_RC(vmb_slice_fetch(s, 41, 2, VMB_RMW_ADD, VMB_RELAXED, 1, &old, NULL), VMB_EMISALIGNED);
	CHECK(!vmb_bitmap_is_dirty(bm, 40));
	CHECK_RC(vmb_slice_set_bitmap(&s, NULL, 0), 0);
	vmb_bitmap_free(bm);
	memset(mem, 0, sizeof(mem));
}

/* A4: concurrent fetch_add and cmpxchg loops from two threads lose no update. */
#define ROUNDS 200000

struct racer {
	struct vmb_slice s;
	int failures;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	uint64_t old;

	for (int i = 0; i < ROUNDS; i++) {
		r->failures += vmb_slice_fetch(r->s, 0, 4, VMB_RMW_ADD, VMB_RELAXED, 1, &old, NULL) != 0;
		r->failures += vmb_slice_fetch(r->s, 4, 2, VMB_RMW_SUB, VMB_ACQ_REL, 1, &old, NULL) != 0;
		/* An increment by compare-exchange: retry until it matched. */
		uint64_t seen;

		r->failures += vmb_slice_load(r->s, 8, 8, VMB_RELAXED, &seen, NULL) != 0;
		for (;;) {
			r->failures += vmb_slice_cmpxchg(r->s, 8, 8, seen, seen + 3, VMB_SEQ_CST, VMB_RELAXED,
							 &old, NULL) != 0;
			if (old == seen)
				break;
			seen = old;
		}
	}
	return NULL;
}

TEST(A4_no_update_is_lost)
{
	_Alignas(8) static uint8_t mem[16];
	struct racer a = { .failures = 0 }, b = { .failures = 0 };
	pthread_t t;
	uint64_t v;

	CHECK_RC(vmb_slice_init(&a.s, mem, sizeof(mem)), 0);
	b.s = a.s;
	CHECK(pthread_create(&t, NULL, race, &a) == 0);
	race(&b);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK_EQ(a.failures + b.failures, 0);
	CHECK_RC(vmb_slice_load(a.s, 0, 4, VMB_ACQUIRE, &v, NULL), 0);
	CHECK_EQ(v, 2 * ROUNDS);
	CHECK_RC(vmb_slice_load(a.s, 4, 2, VMB_ACQUIRE, &v, NULL), 0);
	CHECK_EQ(v, (uint64_t)(-2 * ROUNDS) & 0xffff);
	CHECK_RC(vmb_slice_load(a.s, 8, 8, VMB_ACQUIRE, &v, NULL), 0);
	CHECK_EQ(v, 6ull * ROUNDS);
}

/* A5 and G8's terms: guest memory, a region alone, the generic interface. */
TEST(A5_guest_memory_and_regions)
{
	static const struct vmb_range rs[] = { { 0, 0x1000, 0 }, { 0x2000, 0x1000, 0 } };
	struct vmb_guest_ranges_config cfg = { .kind = VMB_REGION_ANON, .fd = -1, .dirty_page_size = 0x100 };
	struct vmb_guest *g = NULL;
	uint64_t old = 0, now = 0;
	struct vmb_error e;

	CHECK_RC(vmb_guest_from_ranges(rs, NELEM(rs), &cfg, &g, NULL), 0);
	CHECK_RC(vmb_guest_fetch(g, 0x2008, 8, VMB_RMW_ADD, VMB_SEQ_CST, 41, &old, NULL), 0);
	CHECK_RC(vmb_guest_fetch(g, 0x2008, 8, VMB_RMW_ADD, VMB_SEQ_CST, 1, &old, NULL), 0);
	CHECK_EQ(old, 41);
	CHECK_RC(vmb_guest_load(g, 0x2008, 8, VMB_ACQUIRE, &now, NULL), 0);
	CHECK_EQ(now, 42);
	CHECK(vmb_bitmap_is_dirty(vmb_region_bitmap(vmb_guest_region_at(g, 1)), 8));
	CHECK_RC(vmb_guest_fetch(g, 0x1000, 4, VMB_RMW_ADD, VMB_RELAXED, 1, &old, &e),
		 VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x1000");
	CHECK_RC(vmb_guest_cmpxchg(g, 0xffc, 8, 0, 1, VMB_RELAXED, VMB_RELAXED, &old, &e),
		 VMB_EINVALID_BACKEND_ADDRESS);
	CHECK_RC(vmb_guest_fetch(g, 0x2001, 2, VMB_RMW_XOR, VMB_RELAXED, 1, &old, &e),
		 VMB_EINVALID_BACKEND_ADDRESS);
	CHECK_RC(vmb_guest_rmw(NULL, 0, 8, &(struct vmb_rmw){ VMB_RMW_ADD, { VMB_ORDER_RELAXED },
							      { VMB_ORDER_RELAXED }, 1, 0 },
			       &old, &e),
		 VMB_EINVALID_ARGUMENT);
	/* The generic interface says the same. */
	struct vmb_bytes b = vmb_guest_bytes(g);

	CHECK_RC(vmb_bytes_cmpxchg(b, 0x2008, 8, 42, 7, VMB_ACQ_REL, VMB_ACQUIRE, &old, NULL), 0);
	CHECK_EQ(old, 42);
	CHECK_RC(vmb_bytes_fetch(b, 0x2008, 8, VMB_RMW_SWAP, VMB_RELAXED, 9, &old, NULL), 0);
	CHECK_EQ(old, 7);
	CHECK_RC(vmb_bytes_fetch(b, 0x1000, 4, VMB_RMW_ADD, VMB_RELAXED, 1, &old, &e),
		 VMB_EINVALID_GUEST_ADDRESS);
	CHECK_RC(vmb_bytes_fetch(b, 0xffc, 8, VMB_RMW_ADD, VMB_RELAXED, 1, &old, &e),
		 VMB_EINVALID_BACKEND_ADDRESS);
	/* A region alone maps its slice's errors (G9). */
	struct vmb_bytes rb = vmb_region_bytes(vmb_guest_region_at(g, 0));

	CHECK_RC(vmb_bytes_fetch(rb, 0xffc, 8, VMB_RMW_ADD, VMB_RELAXED, 1, &old, &e),
		 VMB_EINVALID_BACKEND_ADDRESS);
	CHECK_RC(vmb_bytes_fetch(rb, 0x10, 2, VMB_RMW_ADD, VMB_RELAXED, 0xffff, &old, NULL), 0);
	CHECK_RC(vmb_bytes_fetch(rb, 0x10, 2, VMB_RMW_ADD, VMB_RELAXED, 2, &old, NULL), 0);
	CHECK_EQ(old, 0xffff);
	CHECK_RC(vmb_guest_load(g, 0x10, 2, VMB_RELAXED, &now, NULL), 0);
	CHECK_EQ(now, 1);
	vmb_guest_free(g);
}

/* A5: the data file and the remote process cannot do it atomically, nor
 * a custom table without the operation. */
static int c_store(void *self, uint64_t addr, unsigned width, struct vmb_ordering order, uint64_t v,
		   struct vmb_error *err)
{
	(void)self, (void)addr, (void)width, (void)order, (void)v, (void)err;
	return 0;
}

TEST(A5_unsupported_containers)
{
	int fd = vmbt_disk_file(64);
	struct vmb_datafile *f = NULL;
	struct vmb_remote *rp = NULL;
	static _Alignas(8) uint8_t there[64];
	static const struct vmb_bytes_ops none = { .name = "norwm", .store = c_store };
	uint64_t old = 0x55;
	struct vmb_error e;

	CHECK_RC(vmb_datafile_new(fd, 64, &f, NULL), 0);
	CHECK_RC(vmb_bytes_fetch(vmb_datafile_bytes(f), 0, 8, VMB_RMW_ADD, VMB_RELAXED, 1, &old, &e),
		 VMB_EUNSUPPORTED);
	vmb_datafile_free(f);
	close(fd);
	CHECK_RC(vmb_remote_new(getpid(), (uintptr_t)there, sizeof(there), &rp, NULL), 0);
	CHECK_RC(vmb_bytes_cmpxchg(vmb_remote_bytes(rp), 0, 8, 0, 1, VMB_RELAXED, VMB_RELAXED, &old, &e),
		 VMB_EUNSUPPORTED);
	vmb_remote_free(rp);
	CHECK_RC(vmb_bytes_fetch((struct vmb_bytes){ &none, NULL }, 0, 8, VMB_RMW_ADD, VMB_RELAXED, 1,
				 &old, &e),
		 VMB_EUNSUPPORTED);
	/* A bad request is InvalidArgument before Unsupported. */
	CHECK_RC(vmb_bytes_fetch((struct vmb_bytes){ &none, NULL }, 0, 3, VMB_RMW_ADD, VMB_RELAXED, 1,
				 &old, &e),
		 VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_fetch((struct vmb_bytes){ NULL, NULL }, 0, 8, VMB_RMW_ADD, VMB_RELAXED, 1,
				 &old, &e),
		 VMB_EINVALID_ARGUMENT);
	CHECK_EQ(old, 0x55);
	CHECK_EQ(there[0], 0);
}

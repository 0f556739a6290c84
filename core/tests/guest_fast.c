/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The typed inline guest API of guest.h (vmb_guest_read, _write, ...)
 * against the generic interface on the same layout: every result, count,
 * error field, byte and dirty bit must be the same (G4-G9, S4, S9, S11).
 * And the hot region it caches: reset by insert and remove, never
 * trusted for an address it does not hold.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <vmbytes.h>

#include "harness.h"

struct range {
	uint64_t start, len;
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE 0x1000u

/* Holes, touching regions, regions of a few bytes (G4's layouts). */
static const struct range layout[] = { { 0x0, 0x1000 },    { 0x1000, 0x800 },
				       { 0x2000, 0x1000 }, { 0x3000, 0x10 },
				       { 0x3010, 0x1ff0 }, { 0x8000, 0x100 },
				       { 0x8100, 0x1 },    { 0x8200, 0x3 } };
enum { SPACE = 0x9000 };

/* A guest over @n anonymous ranges (GR3), dirty tracking by @dirty_page. */
static struct vmb_guest *make(const struct range *rs, size_t n, size_t dirty_page)
{
	const struct vmb_guest_ranges_config cfg = { .kind = VMB_REGION_ANON,
						     .dirty_page_size = dirty_page };
	struct vmb_range *v = calloc(n, sizeof(*v));
	struct vmb_guest *g = NULL;

	if (v == NULL)
		abort();
	for (size_t i = 0; i < n; i++)
		v[i] = (struct vmb_range){ .start = rs[i].start, .len = rs[i].len };
	if (vmb_guest_from_ranges(v, n, &cfg, &g, NULL) != 0) {
		vmbt_fail(__FILE__, __LINE__, "cannot make the guest memory");
		g = NULL;
	}
	free(v);
	return g;
}

static uint64_t next(uint64_t *x)
{
	*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
	return *x;
}

/* Same status, and the same error fields when it failed. */
static void same_result(int rc_typed, const struct vmb_error *et, int rc_generic,
			const struct vmb_error *eg, const char *op, uint64_t a, size_t n)
{
	if (rc_typed != rc_generic || (rc_typed != 0 && memcmp(et, eg, sizeof(*et)) != 0))
		vmbt_fail(__FILE__, __LINE__, "%s(0x%" PRIx64 ", %zu): typed %s, generic %s", op, a,
			  n, vmb_error_name(rc_typed), vmb_error_name(rc_generic));
}

/* Every region's bytes and dirty bits the same in @t and @g. */
static void same_state(struct vmb_guest *t, struct vmb_guest *g)
{
	for (size_t i = 0; i < vmb_guest_num_regions(g); i++) {
		struct vmb_region *rt = vmb_guest_region_at(t, i), *rg = vmb_guest_region_at(g, i);
		struct vmb_bitmap *bt = vmb_region_bitmap(rt), *bg = vmb_region_bitmap(rg);
		size_t len = (size_t)vmb_region_len(rg);

		CHECK(memcmp(vmb_region_host_base(rt), vmb_region_host_base(rg), len) == 0);
		for (size_t p = 0; bg != NULL && p < vmb_bitmap_pages(bg); p++)
			CHECK_EQ(vmb_bitmap_is_page_dirty(bt, p), vmb_bitmap_is_page_dirty(bg, p));
	}
}

/* One random op both ways; @k picks the op. */
static void one_op(struct vmb_guest *t, struct vmb_guest *g, uint64_t *x, uint8_t *in,
		   uint8_t *out_t, uint8_t *out_g)
{
	struct vmb_bytes b = vmb_guest_bytes(g);
	struct vmb_error et, eg;
	uint64_t a = next(x) % SPACE, vt = 7, vg = 7, val = next(x);
	size_t n = (size_t)(next(x) % 0x1800), dt = 99, dg = 99;
	unsigned k = (unsigned)(next(x) % 8), width = 1u << (next(x) % 5);
	int order = (int)(next(x) % 6) - 1; /* -1 and 5 are invalid */
	int rt, rg;

	if (next(x) % 4 == 0)
		n = (size_t)(next(x) % 17);
	/* Near a region end, often: the fast path's edge. */
	if (next(x) % 3 == 0) {
		const struct range *r = &layout[next(x) % NELEM(layout)];

		a = r->start + r->len - (next(x) % 12);
	}
	memset(&et, 0x5a, sizeof(et));
	memset(&eg, 0x5a, sizeof(eg));
	for (size_t i = 0; i < n; i++)
		in[i] = (uint8_t)next(x);
	switch (k) {
	case 0:
		rt = vmb_guest_write(t, a, in, n, &dt, &et);
		rg = vmb_bytes_write(b, a, in, n, &dg, &eg);
		same_result(rt, &et, rg, &eg, "write", a, n);
		CHECK_EQ(dt, dg);
		break;
	case 1:
		rt = vmb_guest_read(t, a, out_t, n, &dt, &et);
		rg = vmb_bytes_read(b, a, out_g, n, &dg, &eg);
		same_result(rt, &et, rg, &eg, "read", a, n);
		CHECK_EQ(dt, dg);
		CHECK(memcmp(out_t, out_g, dg) == 0);
		break;
	case 2:
		rt = vmb_guest_write_slice(t, a, in, n, &et);
		rg = vmb_bytes_write_slice(b, a, in, n, &eg);
		same_result(rt, &et, rg, &eg, "write_slice", a, n);
		break;
	case 3:
		rt = vmb_guest_read_slice(t, a, out_t, n, &et);
		rg = vmb_bytes_read_slice(b, a, out_g, n, &eg);
		same_result(rt, &et, rg, &eg, "read_slice", a, n);
		if (rg == 0)
			CHECK(memcmp(out_t, out_g, n) == 0);
		break;
	case 4:
		n = n % 9;
		rt = vmb_guest_write_obj(t, a, in, n, &et);
		rg = vmb_bytes_write_obj(b, a, in, n, &eg);
		same_result(rt, &et, rg, &eg, "write_obj", a, n);
		break;
	case 5:
		n = n % 9;
		vt = vg = 0;
		rt = vmb_guest_read_obj(t, a, &vt, n, &et);
		rg = vmb_bytes_read_obj(b, a, &vg, n, &eg);
		same_result(rt, &et, rg, &eg, "read_obj", a, n);
		CHECK_EQ(vt, vg);
		break;
	case 6:
		rt = vmb_guest_store(t, a, width, vmb_ordering_of(order), val, &et);
		rg = vmb_bytes_store(b, a, width, vmb_ordering_of(order), val, &eg);
		same_result(rt, &et, rg, &eg, "store", a, width);
		break;
	default:
		rt = vmb_guest_load(t, a, width, vmb_ordering_of(order), &vt, &et);
		rg = vmb_bytes_load(b, a, width, vmb_ordering_of(order), &vg, &eg);
		same_result(rt, &et, rg, &eg, "load", a, width);
		CHECK_EQ(vt, vg);
		break;
	}
}

static void typed_against_generic(size_t dirty_page)
{
	struct vmb_guest *t = make(layout, NELEM(layout), dirty_page);
	struct vmb_guest *g = make(layout, NELEM(layout), dirty_page);
	uint8_t *in = malloc(0x1800), *out_t = malloc(0x1800), *out_g = malloc(0x1800);
	uint64_t x = 0x9e3779b97f4a7c15ull;

	if (t != NULL && g != NULL && in != NULL && out_t != NULL && out_g != NULL) {
		for (int i = 0; i < 20000; i++) {
			one_op(t, g, &x, in, out_t, out_g);
			if (i % 1000 == 999)
				same_state(t, g);
		}
		same_state(t, g);
	}
	vmb_guest_free(t);
	vmb_guest_free(g);
	free(in);
	free(out_t);
	free(out_g);
}

TEST(G6_typed_matches_generic)
{
	typed_against_generic(0);
}

TEST(S11_typed_matches_generic_dirty)
{
	typed_against_generic(PAGE);
}

/* G5, S9, InvalidArgument: the argument checks the slow path keeps. */
TEST(G5_typed_arguments)
{
	static const struct range one[] = { { 0x1000, 0x1000 } };
	struct vmb_guest *g = make(one, 1, 0);
	uint64_t v = 0;
	size_t done = 9;
	uint8_t buf[16] = { 0 };

	if (g == NULL)
		return;
	CHECK_RC(vmb_guest_write(NULL, 0x1000, buf, 8, &done, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_EQ(done, 0);
	CHECK_RC(vmb_guest_read(NULL, 0x1000, buf, 8, NULL, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_guest_write_slice(NULL, 0x1000, buf, 0, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_guest_read_obj(NULL, 0x1000, &v, 8, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_guest_store(NULL, 0x1000, 8, VMB_RELAXED, 1, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_guest_load(NULL, 0x1000, 8, VMB_RELAXED, &v, NULL), VMB_EINVALID_ARGUMENT);
	/* G5: a zero length is ok 0 anywhere, even with no buffer. */
	CHECK_RC(vmb_guest_write(g, 0, NULL, 0, &done, NULL), 0);
	CHECK_EQ(done, 0);
	CHECK_RC(vmb_guest_read_slice(g, 0x1000, NULL, 0, NULL), 0);
	/* A NULL buffer with bytes to move, inside the region. */
	CHECK_RC(vmb_guest_write(g, 0x1000, NULL, 8, &done, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_guest_read_slice(g, 0x1000, NULL, 8, NULL), VMB_EINVALID_ARGUMENT);
	/* S9: ordering and width first, NULL out-parameter. */
	CHECK_RC(vmb_guest_store(g, 0x1000, 8, VMB_ACQUIRE, 1, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_guest_load(g, 0x1000, 8, VMB_RELEASE, &v, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_guest_store(g, 0x1000, 3, VMB_RELAXED, 1, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_guest_load(g, 0x1000, 8, VMB_RELAXED, NULL, NULL), VMB_EINVALID_ARGUMENT);
	/* G8: misaligned and straddling the end. */
	CHECK_RC(vmb_guest_store(g, 0x1001, 8, VMB_RELAXED, 1, NULL), VMB_EINVALID_BACKEND_ADDRESS);
	CHECK_RC(vmb_guest_load(g, 0x1ffc, 8, VMB_RELAXED, &v, NULL), VMB_EINVALID_BACKEND_ADDRESS);
	/* An access that wraps past 2^64 from inside the region. */
	CHECK_RC(vmb_guest_read(g, 0x1ff0, buf, SIZE_MAX, &done, NULL), 0);
	CHECK_EQ(done, 0x10);
	vmb_guest_free(g);
}

/* G2, G3: the hot region is dropped when the regions change. */
TEST(G2_hot_region_follows_insert_and_remove)
{
	static const struct range two[] = { { 0x0, 0x1000 }, { 0x4000, 0x1000 } };
	struct vmb_guest *g = make(two, 2, 0);
	struct vmb_region *r = NULL, *moved = NULL;
	struct vmb_error e;
	uint64_t v = 0x1122334455667788u, got = 0;

	if (g == NULL)
		return;
	/* The second region becomes the hot one. */
	CHECK_RC(vmb_guest_write_obj(g, 0x4008, &v, 8, NULL), 0);
	CHECK_RC(vmb_guest_read_obj(g, 0x4008, &got, 8, NULL), 0);
	CHECK_EQ(got, v);
	CHECK_RC(vmb_guest_remove(g, 0x4000, 0x1000, &r, NULL), 0);
	CHECK_RC(vmb_guest_read_obj(g, 0x4008, &got, 8, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_EQ(e.addr, 0x4008);
	/* Back at another address: the old one is a hole. */
	CHECK_RC(vmb_region_set_start(r, 0x8000, NULL), 0);
	CHECK_RC(vmb_guest_insert(g, r, NULL), 0);
	CHECK_RC(vmb_guest_read_obj(g, 0x4008, &got, 8, &e), VMB_EINVALID_GUEST_ADDRESS);
	got = 0;
	CHECK_RC(vmb_guest_read_obj(g, 0x8008, &got, 8, NULL), 0);
	CHECK_EQ(got, v);
	CHECK(vmb_guest_find_region(g, 0x8008) == r);
	CHECK(vmb_guest_find_region(g, 0x4008) == NULL);
	/* Every region removed: each access is InvalidGuestAddress. */
	CHECK_RC(vmb_guest_remove(g, 0x8000, 0x1000, &moved, NULL), 0);
	vmb_region_free(moved);
	CHECK_RC(vmb_guest_remove(g, 0x0, 0x1000, &moved, NULL), 0);
	vmb_region_free(moved);
	CHECK_RC(vmb_guest_read_obj(g, 0x8, &got, 8, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_RC(vmb_guest_store(g, 0x8, 8, VMB_RELAXED, 1, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK(vmb_guest_find_region(g, 0x8) == NULL);
	vmb_guest_free(g);
}

/* G3: find_region over rising, falling and scattered addresses, where the
 * hot slot and the one after it are right, wrong, or in a hole. */
TEST(G3_find_region_hot_and_next)
{
	struct range rs[12];
	struct vmb_guest *g;
	uint64_t x = 12345;

	for (size_t i = 0; i < NELEM(rs); i++) {
		rs[i].start = i * 0x3000 + (i % 3 == 0 ? 0 : 0x1000 * (i % 2));
		rs[i].len = i % 4 == 1 ? 0x2000 : 0x1000;
	}
	g = make(rs, NELEM(rs), 0);
	if (g == NULL)
		return;
	for (int k = 0; k < 20000; k++) {
		uint64_t a = k < 10000 ? (uint64_t)k * 0x400 % (NELEM(rs) * 0x3000 + 0x1000)
					   : next(&x) % (NELEM(rs) * 0x3000 + 0x1000);
		struct vmb_region *want = NULL;

		for (size_t i = 0; i < NELEM(rs); i++)
			if (a >= rs[i].start && a - rs[i].start < rs[i].len)
				want = vmb_guest_region_at(g, i);
		CHECK(vmb_guest_find_region(g, a) == want);
	}
	vmb_guest_free(g);
}

/* G3 with the bucket table: many regions (the table comes with the
 * index), of even and uneven sizes, with and without holes, through
 * inserts and removes; every lookup against a scan of the layout. */
TEST(G3_find_region_bucket_table)
{
	enum { N = 200 };
	static struct range rs[N];
	uint64_t x = 777;

	for (int layout_kind = 0; layout_kind < 3; layout_kind++) {
		uint64_t at = layout_kind == 2 ? UINT64_MAX / 2 : 0x1000;

		for (size_t i = 0; i < N; i++) {
			uint64_t len = layout_kind == 0 ? 0x10000 : 0x10000 * (1 + next(&x) % 4);
			uint64_t gap = layout_kind == 0 ? 0 : 0x1000 * (next(&x) % 3);

			if (layout_kind == 2 && i % 50 == 0)
				gap = 0x100000000ull; /* a few wide holes: too many steps, no table */
			rs[i].start = at + gap;
			rs[i].len = len;
			at = rs[i].start + len;
		}
		struct vmb_guest *g = make(rs, N, 0);

		if (g == NULL)
			return;
		for (int round = 0; round < 2; round++) {
			for (int k = 0; k < 20000; k++) {
				uint64_t a;

				if (k % 2)
					a = rs[0].start - 2 + next(&x) % (at - rs[0].start + 4);
				else {
					const struct range *r = &rs[next(&x) % N];

					a = r->start + r->len - 2 + next(&x) % 4;
				}
				struct vmb_region *want = NULL;

				for (size_t i = 0; i < vmb_guest_num_regions(g); i++) {
					struct vmb_region *ri = vmb_guest_region_at(g, i);

					if (a >= vmb_region_start(ri) && a <= vmb_region_last_addr(ri))
						want = ri;
				}
				if (vmb_guest_find_region(g, a) != want) {
					vmbt_fail(__FILE__, __LINE__, "layout %d round %d: find_region(0x%" PRIx64 ")",
						  layout_kind, round, a);
					break;
				}
			}
			/* Take out every third region and look again. */
			for (size_t i = 0; round == 0 && i < N; i += 3) {
				struct vmb_region *out = NULL;

				CHECK_RC(vmb_guest_remove(g, rs[i].start, rs[i].len, &out, NULL), 0);
				vmb_region_free(out);
			}
		}
		vmb_guest_free(g);
	}
}

/* Two threads on one guest memory, each in its own region: the hot slot
 * flips between them on every access, and every value each thread reads
 * back is its own last write (the cache is a hint, never trusted; TSan
 * sees only relaxed atomics on it). */
struct hot_worker {
	struct vmb_guest *g;
	uint64_t base;
	int bad;
};

static void *hot_worker_run(void *arg)
{
	struct hot_worker *w = arg;

	for (uint64_t i = 1; i <= 20000; i++) {
		uint64_t a = w->base + (i % 64) * 8, got = 0;

		w->bad += vmb_guest_write_val(w->g, a, &i, NULL) != 0;
		w->bad += vmb_guest_read_val(w->g, a, &got, NULL) != 0;
		w->bad += got != i;
		w->bad += vmb_guest_store(w->g, a, 8, VMB_RELEASE, i, NULL) != 0;
		w->bad += vmb_guest_load(w->g, a, 8, VMB_ACQUIRE, &got, NULL) != 0 || got != i;
		w->bad += vmb_guest_find_region(w->g, a) == NULL;
	}
	return NULL;
}

TEST(G3_hot_region_two_threads)
{
	static const struct range two[] = { { 0x0, 0x1000 }, { 0x10000, 0x1000 } };
	struct vmb_guest *g = make(two, 2, 0);
	struct hot_worker w[2] = { { g, 0x100, 0 }, { g, 0x10100, 0 } };
	pthread_t t;

	if (g == NULL)
		return;
	if (pthread_create(&t, NULL, hot_worker_run, &w[1]) != 0) {
		vmbt_fail(__FILE__, __LINE__, "pthread_create");
		vmb_guest_free(g);
		return;
	}
	hot_worker_run(&w[0]);
	pthread_join(t, NULL);
	CHECK_EQ(w[0].bad, 0);
	CHECK_EQ(w[1].bad, 0);
	vmb_guest_free(g);
}

/*
 * G4, S11: accesses across the boundary of two touching regions (the
 * walk's two-chunk case), split at every kind of chunk size (S10 units,
 * vmb_copy()'s inline sizes, the resolved function's) and with every
 * copy forced through one strategy too: the bytes land on both sides,
 * read back whole, and each side marks its own first or last page.
 */
TEST(G4_S11_two_region_crossing)
{
	static const struct range two[] = { { 0x0, 0x1000 }, { 0x1000, 0x1000 } };
	static const size_t firsts[] = { 1, 3, 8, 9, 63, 64, 65, 256, 300 };
	static const size_t seconds[] = { 1, 8, 9, 63, 64, 256, 700 };
	static const enum vmb_copy_strategy forced[] = { VMB_COPY_DEFAULT, VMB_COPY_BYTES };
	struct vmb_guest *g = make(two, NELEM(two), PAGE);
	uint8_t in[1024], out[1024];

	if (g == NULL)
		return;
	struct vmb_region *r0 = vmb_guest_find_region(g, 0), *r1 = vmb_guest_find_region(g, 0x1000);
	uint8_t *h0 = vmb_region_host_base(r0), *h1 = vmb_region_host_base(r1);

	for (size_t f = 0; f < NELEM(forced); f++) {
		CHECK_EQ(vmb_copy_force(forced[f]), 0);
		for (size_t i = 0; i < NELEM(firsts); i++) {
			for (size_t j = 0; j < NELEM(seconds); j++) {
				size_t a = firsts[i], b = seconds[j], n = a + b, done = 0;
				uint64_t addr = 0x1000 - a;

				for (size_t k = 0; k < n; k++)
					in[k] = (uint8_t)(k * 7 + i + 13 * j + f);
				vmb_bitmap_reset(vmb_region_bitmap(r0));
				vmb_bitmap_reset(vmb_region_bitmap(r1));
				CHECK_EQ(vmb_guest_write(g, addr, in, n, &done, NULL), 0);
				CHECK_EQ(done, n);
				CHECK(memcmp(h0 + 0x1000 - a, in, a) == 0);
				CHECK(memcmp(h1, in + a, b) == 0);
				CHECK(vmb_bitmap_is_page_dirty(vmb_region_bitmap(r0), 0));
				CHECK(vmb_bitmap_is_page_dirty(vmb_region_bitmap(r1), 0));
				memset(out, 0, sizeof(out));
				done = 0;
				CHECK_EQ(vmb_guest_read(g, addr, out, n, &done, NULL), 0);
				CHECK_EQ(done, n);
				CHECK(memcmp(out, in, n) == 0);
				memset(out, 0, sizeof(out));
				CHECK_EQ(vmb_guest_read_slice(g, addr, out, n, NULL), 0);
				CHECK(memcmp(out, in, n) == 0);
				vmb_bitmap_reset(vmb_region_bitmap(r1));
				CHECK_EQ(vmb_guest_write_slice(g, addr, out, n, NULL), 0);
				CHECK(vmb_bitmap_is_page_dirty(vmb_region_bitmap(r1), 0));
			}
		}
	}
	CHECK_EQ(vmb_copy_force(VMB_COPY_DEFAULT), 0);
	vmb_guest_free(g);
}

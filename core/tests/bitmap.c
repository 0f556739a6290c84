/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The dirty-page bitmap (S11): page arithmetic, marking, clearing,
 * collection, growth, and marks racing with collection.
 */
#include "harness.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

/* ceil(pages / 64): the words vmb_bitmap_get_and_reset() fills. */
static size_t words_of(size_t pages)
{
	return (pages + 63) / 64;
}

static bool word_bit(const uint64_t *w, size_t page)
{
	return (w[page / 64] >> (page % 64)) & 1;
}

static struct vmb_bitmap *make(size_t len, size_t page)
{
	struct vmb_bitmap *b = NULL;

	CHECK_RC(vmb_bitmap_new(len, page, &b), 0);
	CHECK(b != NULL);
	return b;
}

/* True when pages [first, last] are set and every other page is clear. */
static bool only_pages(const struct vmb_bitmap *b, size_t first, size_t last)
{
	for (size_t i = 0; i < vmb_bitmap_pages(b); i++)
		if (vmb_bitmap_is_page_dirty(b, i) != (i >= first && i <= last))
			return false;
	return true;
}

static bool none_dirty(const struct vmb_bitmap *b)
{
	for (size_t i = 0; i < vmb_bitmap_pages(b); i++)
		if (vmb_bitmap_is_page_dirty(b, i))
			return false;
	return true;
}

/* ---- sizes and arguments ---------------------------------------------- */

TEST(S11_pages_round_up)
{
	static const struct {
		size_t len, page, pages;
	} cases[] = {
		{ 1025, 128, 9 }, { 1024, 128, 8 }, { 1023, 128, 8 }, { 129, 128, 2 },
		{ 128, 128, 1 },  { 1, 128, 1 },    { 0, 128, 0 },    { 1024, 1, 1024 },
		{ 8192, 128, 64 }, { 0x800, 4096, 1 }, { SIZE_MAX, (size_t)1 << 63, 2 },
	};

	for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
		struct vmb_bitmap *b = make(cases[t].len, cases[t].page);

		CHECK_EQ(vmb_bitmap_pages(b), cases[t].pages);
		CHECK_EQ(vmb_bitmap_page_size(b), cases[t].page);
		CHECK(none_dirty(b));
		vmb_bitmap_free(b);
	}
}

TEST(S11_page_size_must_be_power_of_two)
{
	static const size_t bad[] = { 0, 3, 6, 100, 129, 4095, 4097, SIZE_MAX, ((size_t)1 << 63) + 1 };
	static const size_t good[] = { 1, 2, 4, 64, 128, 4096, (size_t)1 << 21, (size_t)1 << 63 };
	static char sentinel;
	struct vmb_bitmap *const untouched = (struct vmb_bitmap *)(void *)&sentinel;
	struct vmb_bitmap *b;

	for (size_t t = 0; t < sizeof(bad) / sizeof(bad[0]); t++) {
		b = untouched; /* a failed call must leave *out alone */
		CHECK_RC(vmb_bitmap_new(1024, bad[t], &b), VMB_EINVALID_ARGUMENT);
		CHECK(b == untouched);
	}
	for (size_t t = 0; t < sizeof(good) / sizeof(good[0]); t++) {
		b = NULL;
		CHECK_RC(vmb_bitmap_new(1024, good[t], &b), 0);
		CHECK(b != NULL);
		vmb_bitmap_free(b);
	}
	CHECK_RC(vmb_bitmap_new(1024, 128, NULL), VMB_EINVALID_ARGUMENT);
}

TEST(S11_null_bitmap_is_harmless)
{
	uint64_t w[1] = { 0 };

	vmb_bitmap_free(NULL);
	vmb_bitmap_mark(NULL, 0, 10);
	vmb_bitmap_reset_range(NULL, 0, 10);
	vmb_bitmap_reset(NULL);
	CHECK(!vmb_bitmap_is_dirty(NULL, 0));
	CHECK(!vmb_bitmap_is_page_dirty(NULL, 0));
	CHECK_EQ(vmb_bitmap_pages(NULL), 0);
	CHECK_EQ(vmb_bitmap_page_size(NULL), 0);
	CHECK_RC(vmb_bitmap_get_and_reset(NULL, w, 1), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bitmap_enlarge(NULL, 10), VMB_EINVALID_ARGUMENT);
}

/* ---- marking ----------------------------------------------------------- */

/* Reference atomic_bitmap.rs test_bitmap_basic. */
TEST(S11_ref_bitmap_basic)
{
	struct vmb_bitmap *b = make(1025, 128);
	uint64_t w[1];

	CHECK_EQ(vmb_bitmap_pages(b), 9);
	/* Bytes 128..256: page 1 (128..255) and page 2 (byte 256). */
	vmb_bitmap_mark(b, 128, 129);
	CHECK(!vmb_bitmap_is_dirty(b, 0));
	CHECK(!vmb_bitmap_is_dirty(b, 127));
	CHECK(vmb_bitmap_is_dirty(b, 128));
	CHECK(vmb_bitmap_is_dirty(b, 256));
	CHECK(vmb_bitmap_is_dirty(b, 383));
	CHECK(!vmb_bitmap_is_dirty(b, 384));
	CHECK(only_pages(b, 1, 2));

	vmb_bitmap_reset(b);
	CHECK(none_dirty(b));

	vmb_bitmap_mark(b, 128, 129);
	w[0] = 0xdead;
	CHECK_RC(vmb_bitmap_get_and_reset(b, w, 1), 0);
	CHECK_EQ(w[0], 0x6); /* 0b110: pages 1 and 2 */
	CHECK(none_dirty(b));
	/* A second collection finds nothing. */
	CHECK_RC(vmb_bitmap_get_and_reset(b, w, 1), 0);
	CHECK_EQ(w[0], 0);
	vmb_bitmap_free(b);
}

/* S11: pages a/page ..= (a+n-1)/page, for ranges at and across page edges. */
TEST(S11_mark_page_span_table)
{
	static const struct {
		size_t a, n, first, last;
	} cases[] = {
		{ 0, 1, 0, 0 },       { 127, 1, 0, 0 },     { 127, 2, 0, 1 },
		{ 128, 128, 1, 1 },   { 128, 129, 1, 2 },   { 255, 2, 1, 2 },
		{ 0, 1152, 0, 8 },    { 1024, 1, 8, 8 },    { 1151, 1, 8, 8 },
		{ 100, 300, 0, 3 },
	};

	for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
		struct vmb_bitmap *b = make(1152, 128);

		vmb_bitmap_mark(b, cases[t].a, cases[t].n);
		if (!only_pages(b, cases[t].first, cases[t].last))
			vmbt_fail(__FILE__, __LINE__, "mark(%zu, %zu): want pages %zu..=%zu",
				  cases[t].a, cases[t].n, cases[t].first, cases[t].last);
		vmb_bitmap_free(b);
	}
}

TEST(S11_zero_length_marks_nothing)
{
	struct vmb_bitmap *b = make(1024, 128);

	vmb_bitmap_mark(b, 0, 0);
	vmb_bitmap_mark(b, 128, 0);
	vmb_bitmap_mark(b, 1023, 0);
	vmb_bitmap_mark(b, SIZE_MAX, 0);
	CHECK(none_dirty(b));
	vmb_bitmap_free(b);
}

/* Reference atomic_bitmap.rs test_bitmap_out_of_range: page size 1. */
TEST(S11_ref_bitmap_out_of_range)
{
	struct vmb_bitmap *b = make(1024, 1);
	uint64_t w[16];

	/* [768, 1280) runs 256 bytes past the end: only 768..1023 are set. */
	vmb_bitmap_mark(b, 768, 512);
	CHECK(vmb_bitmap_is_dirty(b, 768));
	CHECK(vmb_bitmap_is_dirty(b, 1023));
	CHECK(!vmb_bitmap_is_dirty(b, 767));
	CHECK(!vmb_bitmap_is_dirty(b, 1024));
	CHECK(!vmb_bitmap_is_dirty(b, 1152));
	CHECK(!vmb_bitmap_is_page_dirty(b, 1024));
	/* Ranges wholly past the end set nothing. */
	vmb_bitmap_mark(b, 1024, 1);
	vmb_bitmap_mark(b, 5000, 100);
	CHECK_RC(vmb_bitmap_get_and_reset(b, w, 16), 0);
	for (size_t i = 0; i < 12; i++)
		CHECK_EQ(w[i], 0);
	for (size_t i = 12; i < 16; i++)
		CHECK_EQ(w[i], UINT64_MAX);
	vmb_bitmap_free(b);
}

/* Bits past the end inside the last word are never set either. */
TEST(S11_no_bits_past_end_in_last_word)
{
	struct vmb_bitmap *b = make(1025, 128); /* 9 pages, one word */
	uint64_t w[1];

	vmb_bitmap_mark(b, 0, SIZE_MAX / 2);
	vmb_bitmap_mark(b, 1100, 10000);
	CHECK_RC(vmb_bitmap_get_and_reset(b, w, 1), 0);
	CHECK_EQ(w[0], 0x1ff);
	CHECK(!vmb_bitmap_is_page_dirty(b, 9));
	CHECK(!vmb_bitmap_is_page_dirty(b, 63));
	CHECK(!vmb_bitmap_is_dirty(b, 9 * 128));
	vmb_bitmap_free(b);
}

/*
 * A range whose end wraps is ignored. To see the difference from clipping
 * the start must be inside the bitmap, so this one covers nearly the whole
 * address space in two pages of 2^63 bytes.
 */
TEST(S11_wrapping_range_ignored)
{
	const size_t half = (size_t)1 << 63;
	struct vmb_bitmap *b = make(SIZE_MAX, half);

	CHECK_EQ(vmb_bitmap_pages(b), 2);
	vmb_bitmap_mark(b, 2, SIZE_MAX);        /* last byte would be 2^64 */
	vmb_bitmap_mark(b, half + 5, half);     /* wraps to 4 */
	vmb_bitmap_mark(b, SIZE_MAX, SIZE_MAX); /* wraps almost fully */
	CHECK(none_dirty(b));
	/* No wrap: the last byte is SIZE_MAX itself, in page 1. */
	vmb_bitmap_mark(b, SIZE_MAX, 1);
	CHECK(only_pages(b, 1, 1));
	vmb_bitmap_reset(b);
	vmb_bitmap_mark(b, 0, SIZE_MAX);
	CHECK(only_pages(b, 0, 1));
	/* reset_range follows the same rule: a wrapping range clears nothing. */
	vmb_bitmap_reset_range(b, 2, SIZE_MAX);
	CHECK(only_pages(b, 0, 1));
	/* ...and one that ends exactly at SIZE_MAX clears what it touches. */
	vmb_bitmap_reset_range(b, 1, SIZE_MAX);
	CHECK(none_dirty(b));
	vmb_bitmap_free(b);
}

/* get_and_reset puts page i in bit i % 64 of word i / 64. */
TEST(S11_get_and_reset_word_layout)
{
	static const size_t marked[] = { 0, 63, 64, 130, 199 };
	struct vmb_bitmap *b = make(200 * 64, 64); /* 200 pages, 4 words */
	uint64_t w[5];

	for (size_t i = 0; i < 5; i++)
		vmb_bitmap_mark(b, marked[i] * 64 + 7, 1);
	w[4] = 0x1234;
	CHECK_RC(vmb_bitmap_get_and_reset(b, w, 5), 0);
	CHECK_EQ(w[0], 1 | (UINT64_C(1) << 63));
	CHECK_EQ(w[1], 1);
	CHECK_EQ(w[2], UINT64_C(1) << 2);
	CHECK_EQ(w[3], UINT64_C(1) << 7);
	CHECK(none_dirty(b));

	/* One range across word edges: pages 60..=130. */
	vmb_bitmap_mark(b, 60 * 64, (130 - 60 + 1) * 64);
	CHECK_RC(vmb_bitmap_get_and_reset(b, w, 4), 0);
	CHECK_EQ(w[0], UINT64_C(0xf) << 60);
	CHECK_EQ(w[1], UINT64_MAX);
	CHECK_EQ(w[2], 0x7);
	CHECK_EQ(w[3], 0);
	for (size_t i = 0; i < 200; i++)
		CHECK(!word_bit(w, i) || (i >= 60 && i <= 130));
	vmb_bitmap_free(b);
}

TEST(S11_get_and_reset_arguments)
{
	struct vmb_bitmap *b = make(200 * 64, 64); /* needs 4 words */
	uint64_t w[4];

	vmb_bitmap_mark(b, 0, 1);
	CHECK_RC(vmb_bitmap_get_and_reset(b, NULL, 4), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bitmap_get_and_reset(b, w, 3), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bitmap_get_and_reset(b, w, 0), VMB_EINVALID_ARGUMENT);
	/* A rejected call takes nothing. */
	CHECK(vmb_bitmap_is_page_dirty(b, 0));
	CHECK_RC(vmb_bitmap_get_and_reset(b, w, 4), 0);
	CHECK_EQ(w[0], 1);
	vmb_bitmap_free(b);
}

/* ---- clearing ---------------------------------------------------------- */

/* Reference atomic_bitmap.rs test_bitmap_reset. */
TEST(S11_ref_bitmap_reset)
{
	struct vmb_bitmap *b = make(1024, 128);

	CHECK_EQ(vmb_bitmap_pages(b), 8);
	vmb_bitmap_mark(b, 128, 129);
	CHECK(only_pages(b, 1, 2));
	vmb_bitmap_reset_range(b, 128, 129);
	CHECK(none_dirty(b));
	vmb_bitmap_free(b);
}

/* reset_range clears the pages its range touches, and only those. */
TEST(S11_reset_range_touches_pages)
{
	struct vmb_bitmap *b = make(1024, 128);

	vmb_bitmap_mark(b, 0, 1024);
	/* One byte of page 3 clears all of page 3. */
	vmb_bitmap_reset_range(b, 3 * 128 + 5, 1);
	CHECK(!vmb_bitmap_is_page_dirty(b, 3));
	CHECK(vmb_bitmap_is_page_dirty(b, 2));
	CHECK(vmb_bitmap_is_page_dirty(b, 4));
	/* Two bytes across the 5|6 edge clear both. */
	vmb_bitmap_reset_range(b, 6 * 128 - 1, 2);
	CHECK(!vmb_bitmap_is_page_dirty(b, 5));
	CHECK(!vmb_bitmap_is_page_dirty(b, 6));
	CHECK(vmb_bitmap_is_page_dirty(b, 7));
	/* n == 0 clears nothing; past the end clears nothing. */
	vmb_bitmap_reset_range(b, 0, 0);
	vmb_bitmap_reset_range(b, 1024, 128);
	CHECK(vmb_bitmap_is_page_dirty(b, 0));
	CHECK(vmb_bitmap_is_page_dirty(b, 7));
	/* A range running past the end clears up to the end. */
	vmb_bitmap_reset_range(b, 7 * 128, 4096);
	CHECK(!vmb_bitmap_is_page_dirty(b, 7));
	for (size_t i = 0; i < 8; i++)
		CHECK_EQ(vmb_bitmap_is_page_dirty(b, i), i <= 2 || i == 4);
	vmb_bitmap_free(b);
}

/* ---- growth ------------------------------------------------------------ */

/* Reference atomic_bitmap.rs test_bitmap_enlarge (the reference grows by
 * an amount; vmbytes takes the new total length). */
TEST(S11_ref_bitmap_enlarge)
{
	struct vmb_bitmap *b = make(8 * 1024, 128);

	CHECK_EQ(vmb_bitmap_pages(b), 64);
	vmb_bitmap_mark(b, 128, 129);
	CHECK(only_pages(b, 1, 2));
	vmb_bitmap_reset_range(b, 128, 129);
	CHECK(none_dirty(b));
	vmb_bitmap_mark(b, 128, 129);

	CHECK_RC(vmb_bitmap_enlarge(b, 16 * 1024), 0);
	CHECK_EQ(vmb_bitmap_pages(b), 128);
	CHECK_EQ(vmb_bitmap_page_size(b), 128);
	/* The old bits survive, the new ones are clear. */
	CHECK(only_pages(b, 1, 2));

	vmb_bitmap_mark(b, 55 * 128, 1);
	CHECK(vmb_bitmap_is_page_dirty(b, 55));
	for (size_t i = 65; i < 128; i++)
		vmb_bitmap_mark(b, i * 128, 1);
	for (size_t i = 65; i < 128; i++)
		CHECK(vmb_bitmap_is_page_dirty(b, i));
	CHECK(!vmb_bitmap_is_page_dirty(b, 64));
	vmb_bitmap_reset_range(b, 0, 16 * 1024);
	CHECK(none_dirty(b));
	vmb_bitmap_free(b);
}

TEST(S11_enlarge_rules)
{
	struct vmb_bitmap *b = make(1025, 128); /* 9 pages */
	uint64_t w[2];

	vmb_bitmap_mark(b, 0, 1025);
	CHECK(only_pages(b, 0, 8));
	/* Shrinking is refused and changes nothing. */
	CHECK_RC(vmb_bitmap_enlarge(b, 1024), VMB_EINVALID_ARGUMENT);
	CHECK_EQ(vmb_bitmap_pages(b), 9);
	CHECK(only_pages(b, 0, 8));
	/* The same length is fine. */
	CHECK_RC(vmb_bitmap_enlarge(b, 1025), 0);
	CHECK_EQ(vmb_bitmap_pages(b), 9);
	/* Within the same word, then into a second one: new pages clear. */
	CHECK_RC(vmb_bitmap_enlarge(b, 20 * 128), 0);
	CHECK_EQ(vmb_bitmap_pages(b), 20);
	CHECK(only_pages(b, 0, 8));
	CHECK_RC(vmb_bitmap_enlarge(b, 70 * 128 + 1), 0);
	CHECK_EQ(vmb_bitmap_pages(b), 71);
	CHECK(only_pages(b, 0, 8));
	/* Marks now reach the new end, and collection needs two words. */
	vmb_bitmap_mark(b, 70 * 128, 1);
	CHECK_RC(vmb_bitmap_get_and_reset(b, w, 1), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bitmap_get_and_reset(b, w, 2), 0);
	CHECK_EQ(w[0], 0x1ff);
	CHECK_EQ(w[1], UINT64_C(1) << (70 - 64));
	/* From empty. */
	vmb_bitmap_free(b);
	b = make(0, 64);
	CHECK_EQ(vmb_bitmap_pages(b), 0);
	vmb_bitmap_mark(b, 0, 100);
	CHECK_RC(vmb_bitmap_enlarge(b, 64 * 64), 0);
	CHECK_EQ(vmb_bitmap_pages(b), 64);
	CHECK(none_dirty(b));
	vmb_bitmap_free(b);
}

/* ---- views: the bitmap seen from a slice at an offset ------------------ */

/* Reference bitmap/mod.rs test_bitmap via atomic_bitmap.rs test_bitmap_impl
 * and bitmap/backend/slice.rs test_slice: a 0x800-byte range in pages of
 * 128; marking 0x100 bytes at 0x400 makes each of those bytes dirty, seen
 * directly and through a slice whose bitmap view starts at 0x400. */
TEST(S11_ref_test_bitmap_and_slice_view)
{
	struct vmbt_guarded g;
	struct vmb_slice whole, view;
	struct vmb_bitmap *b = make(0x800, 128);
	uint8_t buf[0x100];
	struct vmb_error e;
	size_t done;

	for (size_t i = 0; i < 0x800; i++)
		CHECK(!vmb_bitmap_is_dirty(b, i));
	vmb_bitmap_mark(b, 0x400, 0x100);
	for (size_t i = 0; i < 0x800; i++)
		CHECK_EQ(vmb_bitmap_is_dirty(b, i), i >= 0x400 && i < 0x500);

	/* The same through slices: one over the whole range, one at 0x400. */
	vmb_bitmap_reset(b);
	vmbt_guarded_alloc(&g, 0x800, true);
	CHECK_RC(vmb_slice_init(&whole, g.p, 0x800), 0);
	CHECK_RC(vmb_slice_set_bitmap(&whole, b, 0), 0);
	CHECK_RC(vmb_slice_init(&view, g.p + 0x400, 0x400), 0);
	CHECK_RC(vmb_slice_set_bitmap(&view, b, 0x400), 0);
	memset(buf, 1, sizeof(buf));
	CHECK_RC(vmb_slice_write(view, 0, buf, sizeof(buf), &done, &e), 0);
	CHECK_EQ(done, sizeof(buf));
	for (size_t i = 0; i < 0x800; i++)
		CHECK_EQ(vmb_bitmap_is_dirty(b, i), i >= 0x400 && i < 0x500);
	/* A write through the whole slice at 0x10 marks page 0 only. */
	CHECK_RC(vmb_slice_write(whole, 0x10, buf, 1, &done, &e), 0);
	for (size_t i = 0; i < 16; i++)
		CHECK_EQ(vmb_bitmap_is_page_dirty(b, i), i == 0 || i == 8 || i == 9);
	/* Reads never mark. */
	vmb_bitmap_reset(b);
	CHECK_RC(vmb_slice_read(view, 0, buf, sizeof(buf), &done, &e), 0);
	CHECK_RC(vmb_slice_read(whole, 0, buf, sizeof(buf), &done, &e), 0);
	CHECK(none_dirty(b));
	vmbt_guarded_free(&g);
	vmb_bitmap_free(b);
}

/* ---- concurrency ------------------------------------------------------- */

/*
 * Writer A marks pages [0, 3 * Q), writer B pages [2 * Q, 4 * Q): the
 * middle quarter is marked by both, the last pages by neither. Each writer
 * marks each of its pages exactly once, in runs of varying length that
 * cross word edges, while a collector keeps taking the bits. Every mark
 * must show up in some collection: a page marked once is collected exactly
 * once, a page marked by both once or twice, and an unmarked page never.
 */
#define RACE_Q 16384
#define RACE_PAGES (4 * RACE_Q + 100)
#define RACE_PAGE 64
#define RACE_PACE 64 /* marks between forced collections */

struct race {
	struct vmb_bitmap *b;
	pthread_barrier_t start;
	int writers_done; /* atomic */
	unsigned *seen;   /* collector-only */
	size_t beyond;    /* collector-only: bits past the last page */
	size_t rounds;    /* atomic: collections done, written by the collector */
};

struct writer {
	struct race *r;
	size_t first, end; /* pages [first, end) */
	size_t stride;     /* varies the run lengths */
	size_t runs;       /* out: how many marks it made */
};

/*
 * Waits (spinning, yielding the CPU) until the collector has finished a
 * collection after @seen. This forces collections to interleave with the
 * marks whatever the scheduler does, without any sleep.
 */
static size_t wait_for_collection(struct race *r, size_t seen)
{
	size_t now;

	while ((now = __atomic_load_n(&r->rounds, __ATOMIC_ACQUIRE)) <= seen)
		sched_yield();
	return now;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	size_t p = w->first, k = 0, seen = 0;

	pthread_barrier_wait(&w->r->start);
	while (p < w->end) {
		if (k % RACE_PACE == 0)
			seen = wait_for_collection(w->r, seen);
		/*
		 * Mostly single pages, so the writers take long enough for the
		 * collector to go round many times; every eighth run is 1..97
		 * pages long and often straddles a word edge.
		 */
		size_t run = k % 8 == 0 ? 1 + (k * w->stride) % 97 : 1;

		if (run > w->end - p)
			run = w->end - p;
		vmb_bitmap_mark(w->r->b, p * RACE_PAGE, run * RACE_PAGE);
		p += run;
		k++;
	}
	w->runs = k;
	__atomic_fetch_add(&w->r->writers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void collect(struct race *r, uint64_t *words, size_t nwords)
{
	CHECK_RC(vmb_bitmap_get_and_reset(r->b, words, nwords), 0);
	for (size_t i = 0; i < nwords; i++) {
		for (uint64_t m = words[i]; m != 0; m &= m - 1) {
			size_t page = i * 64 + (size_t)__builtin_ctzll(m);

			if (page < RACE_PAGES)
				r->seen[page]++;
			else
				r->beyond++;
		}
	}
	/* Release: nothing to publish but the count; writers only pace on it. */
	__atomic_fetch_add(&r->rounds, 1, __ATOMIC_RELEASE);
}

static void *collector_main(void *arg)
{
	struct race *r = arg;
	size_t nwords = words_of(RACE_PAGES);
	uint64_t *words = calloc(nwords, sizeof(uint64_t));

	CHECK(words != NULL);
	pthread_barrier_wait(&r->start);
	while (__atomic_load_n(&r->writers_done, __ATOMIC_ACQUIRE) < 2)
		collect(r, words, nwords);
	/* The writers are done: whatever is left is taken now. */
	collect(r, words, nwords);
	free(words);
	return NULL;
}

TEST(S11_concurrent_marks_never_lost)
{
	for (int iter = 0; iter < 20; iter++) {
		struct race r = { 0 };
		struct writer wa, wb;
		pthread_t ta, tb, tc;

		r.b = make(RACE_PAGES * RACE_PAGE, RACE_PAGE);
		r.seen = calloc(RACE_PAGES, sizeof(unsigned));
		CHECK(r.seen != NULL);
		CHECK_RC(pthread_barrier_init(&r.start, NULL, 3), 0);
		wa = (struct writer){ &r, 0, 3 * RACE_Q, 7 + (size_t)iter, 0 };
		wb = (struct writer){ &r, 2 * RACE_Q, 4 * RACE_Q, 13 + 2 * (size_t)iter, 0 };
		CHECK_RC(pthread_create(&tc, NULL, collector_main, &r), 0);
		CHECK_RC(pthread_create(&ta, NULL, writer_main, &wa), 0);
		CHECK_RC(pthread_create(&tb, NULL, writer_main, &wb), 0);
		pthread_join(ta, NULL);
		pthread_join(tb, NULL);
		pthread_join(tc, NULL);

		size_t bad = 0;

		for (size_t i = 0; i < RACE_PAGES; i++) {
			bool by_a = i < 3 * RACE_Q, by_b = i >= 2 * RACE_Q && i < 4 * RACE_Q;
			unsigned lo = by_a || by_b, hi = (unsigned)by_a + (unsigned)by_b;

			if (r.seen[i] < lo || r.seen[i] > hi) {
				if (bad++ < 5)
					vmbt_fail(__FILE__, __LINE__,
						  "iter %d page %zu collected %u times, want %u..%u",
						  iter, i, r.seen[i], lo, hi);
			}
		}
		CHECK_EQ(bad, 0);
		CHECK_EQ(r.beyond, 0);
		/* Each writer waited for a fresh collection every RACE_PACE marks. */
		CHECK(r.rounds >= (wa.runs + RACE_PACE - 1) / RACE_PACE);
		CHECK(r.rounds >= (wb.runs + RACE_PACE - 1) / RACE_PACE);
		/* Nothing is left behind after the last collection. */
		CHECK(none_dirty(r.b));
		pthread_barrier_destroy(&r.start);
		free(r.seen);
		vmb_bitmap_free(r.b);
	}
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Fuzz target "bitmap": the dirty bitmap (S11) against a flag-per-page
 * model: mark, reset_range, is_dirty, get_and_reset and enlarge.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

enum { B_MARK, B_RESET_RANGE, B_IS_DIRTY, B_GET_AND_RESET, B_RESET, B_ENLARGE, B_COUNT };
static const char *const names[] = { "mark", "reset_range", "is_dirty", "get_and_reset", "reset",
				     "enlarge" };

struct bstep {
	int kind;
	uint64_t addr, n;
};

/* The interesting addresses: page edges, the end, and the top of size_t. */
VMBF_WRAPS static uint64_t pick(struct vmbf_producer *d, uint64_t len, uint64_t page)
{
	switch (vmbf_u8(d) % 6) {
	case 0:
		return vmbf_range(d, 0, len + 2 * page);
	case 1: {
		uint64_t at = vmbf_u16(d) % 300; /* read first, as clang-built fuzzers did */

		return at * page + (uint64_t)(vmbf_s8(d) % 3);
	}
	case 2:
		return len - 1 + vmbf_u8(d) % 3;
	case 3:
		return UINT64_MAX - vmbf_u8(d) % 8;
	case 4:
		return vmbf_u64(d);
	default:
		return vmbf_u8(d);
	}
}

/* The input's bitmap and steps; the return value is the first line
 * (bitmap_new is line 0, then a line per step) that read past the end of
 * the input, or SIZE_MAX. */
static size_t decode(const uint8_t *data, size_t size, uint64_t *len, uint64_t *page,
		     struct bstep *steps, size_t *nsteps)
{
	struct vmbf_producer d;
	size_t complete = SIZE_MAX;

	vmbf_producer_init(&d, data, size);
	*page = (uint64_t)1 << (vmbf_u8(&d) % 13);
	*len = vmbf_range(&d, 0, 300 * *page + 3);
	*nsteps = 0;
	if (d.ran_out)
		complete = 0;
	while (!vmbf_done(&d) && *nsteps < 64) {
		struct bstep s = { vmbf_u8(&d) % B_COUNT, 0, 0 };

		s.addr = pick(&d, *len, *page);
		s.n = vmbf_bool(&d) ? vmbf_u8(&d) % 4 : pick(&d, *len, *page);
		steps[(*nsteps)++] = s;
		if (d.ran_out && complete == SIZE_MAX)
			complete = *nsteps;
	}
	return complete;
}

static bool model_dirty(const uint8_t *flags, uint64_t pages, uint64_t p)
{
	return p < pages && flags[p];
}

/* The most pages a bitmap reaches: 300 pages and 3 bytes (page 1), then enlarged. */
#define MAX_PAGES (303 + 64 * 64 + 64)

/*
 * The whole bitmap equals the model after step @s (NULL: none yet). Its
 * state is taken with get_and_reset, compared word by word (bits past the
 * last page must be clear too), then put back with one mark per run of
 * dirty pages; the next check sees whether mark put it back right. Asking
 * is_page_dirty page by page cost pages x steps library calls per input.
 * These loops, and the model's, are the harness's own: a coverage callback
 * each gives the fuzzer nothing new, so they are not instrumented.
 */
VMBF_NO_FEEDBACK __attribute__((noinline)) static void
check_all(struct vmb_bitmap *b, const uint8_t *flags, uint64_t pages, uint64_t page,
	  const struct bstep *s)
{
	uint64_t w[MAX_PAGES / 64 + 2] = { 0 };
	size_t nw = pages / 64 + 1;

	if (vmb_bitmap_get_and_reset(b, w, nw) != 0)
		vmbf_fail("S11", "get_and_reset of %lu pages failed", (unsigned long)pages);
	for (uint64_t p = 0; p < nw * 64; p++) {
		bool got = (w[p / 64] >> (p % 64)) & 1, want = p < pages && flags[p];

		if (got != want)
			vmbf_fail("S11", "page %lu is %d after %s 0x%lx 0x%lx", (unsigned long)p, got,
				  s ? names[s->kind] : "bitmap_new", s ? (unsigned long)s->addr : 0ul,
				  s ? (unsigned long)s->n : 0ul);
	}
	for (uint64_t p = 0, q; p < pages; p = q) {
		for (q = p; q < pages && flags[q] == flags[p]; q++)
			;
		if (flags[p])
			vmb_bitmap_mark(b, p * page, (q - p) * page);
	}
}

/* S11: mark or clear pages [first, last] of the model, clipped to @pages. */
VMBF_NO_FEEDBACK __attribute__((noinline)) static void
model_set(uint8_t *flags, uint64_t pages, uint64_t first, uint64_t last, bool dirty)
{
	for (uint64_t p = first; p <= last && p < pages; p++)
		flags[p] = dirty;
}

/* get_and_reset's words against the model, which is then clean. */
VMBF_NO_FEEDBACK __attribute__((noinline)) static void
check_words(const uint64_t *w, uint8_t *flags, uint64_t pages)
{
	for (uint64_t p = 0; p < pages; p++) {
		bool got = (w[p / 64] >> (p % 64)) & 1;

		if (got != (flags[p] != 0))
			vmbf_fail("S11", "page %lu is %d, want %d", (unsigned long)p, got, flags[p]);
		flags[p] = 0;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bstep steps[64];
	size_t nsteps;
	uint64_t len, page, pages, cap;
	struct vmb_bitmap *b;
	uint8_t *flags;

	decode(data, size, &len, &page, steps, &nsteps);
	if (vmb_bitmap_new(len, page, &b) != 0)
		vmbf_fail("S11", "bitmap_new(%lu, %lu) failed", (unsigned long)len, (unsigned long)page);
	pages = (len + page - 1) / page;
	cap = pages + 64 * 64 + 64; /* room for enlarging, at most MAX_PAGES */
	flags = calloc(cap, 1);
	VMBF_CHECK("S11", vmb_bitmap_pages(b) == pages, "pages %zu, want %lu", vmb_bitmap_pages(b),
		   (unsigned long)pages);
	for (size_t i = 0; i < nsteps; i++) {
		const struct bstep *s = &steps[i];
		uint64_t end = 0; /* the last byte, when there is one below 2^64 */
		bool wraps = s->n == 0 || __builtin_add_overflow(s->addr, s->n - 1, &end);

		switch (s->kind) {
		case B_MARK:
		case B_RESET_RANGE:
			if (s->kind == B_MARK)
				vmb_bitmap_mark(b, s->addr, s->n);
			else
				vmb_bitmap_reset_range(b, s->addr, s->n);
			/* S11: pages a/page ..= (a+n-1)/page; n == 0 and wraps touch nothing. */
			if (!wraps)
				model_set(flags, pages, s->addr / page, end / page, s->kind == B_MARK);
			break;
		case B_IS_DIRTY: {
			bool want = model_dirty(flags, pages, s->addr / page);

			VMBF_CHECK("S11", vmb_bitmap_is_dirty(b, s->addr) == want,
				   "is_dirty(0x%lx) is %d, want %d", (unsigned long)s->addr, !want, want);
			break;
		}
		case B_GET_AND_RESET: {
			size_t nw = pages / 64 + 1;
			uint64_t *w = calloc(nw, sizeof(*w));

			VMBF_CHECK("S11", vmb_bitmap_get_and_reset(b, w, nw) == 0, "get_and_reset failed");
			check_words(w, flags, pages);
			free(w);
			break;
		}
		case B_RESET:
			vmb_bitmap_reset(b);
			memset(flags, 0, cap);
			break;
		case B_ENLARGE: {
			uint64_t to = len + s->n % (64 * page);
			uint64_t np = (to + page - 1) / page;

			if (np >= cap)
				break;
			VMBF_CHECK("S11", vmb_bitmap_enlarge(b, to) == 0, "enlarge to %lu failed",
				   (unsigned long)to);
			len = to;
			pages = np; /* new bits are clear: flags past the old end are 0 */
			VMBF_CHECK("S11", vmb_bitmap_pages(b) == pages, "pages after enlarge");
			break;
		}
		}
		/* After every step the whole bitmap equals the model. */
		check_all(b, flags, pages, page, s);
	}
	vmb_bitmap_free(b);
	free(flags);
	return 0;
}

void vmbf_target_decode(const uint8_t *data, size_t size, struct vmbo_text *out)
{
	struct bstep steps[64];
	size_t nsteps;
	uint64_t len, page;

	size_t complete = decode(data, size, &len, &page, steps, &nsteps);

	vmbo_text_printf(out, "# bitmap target\n");
	if (complete == 0)
		vmbo_text_printf(out, VMBF_RAN_OUT_LINE);
	vmbo_text_printf(out, "bitmap_new len=0x%" PRIx64 " page=0x%" PRIx64 "\n", len, page);
	for (size_t i = 0; i < nsteps; i++) {
		if (i + 1 == complete)
			vmbo_text_printf(out, VMBF_RAN_OUT_LINE);
		vmbo_text_printf(out, "%s 0x%" PRIx64 " 0x%" PRIx64 "\n", names[steps[i].kind],
				 steps[i].addr, steps[i].n);
	}
}

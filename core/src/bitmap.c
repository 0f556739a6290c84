/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

struct vmb_bitmap {
	uint64_t *words;
	size_t nwords;
	size_t pages;
	size_t page_size;
	unsigned page_shift;
	size_t len;
};

static size_t words_for(size_t pages)
{
	return pages / 64 + (pages % 64 != 0);
}

static size_t pages_for(size_t len, unsigned shift)
{
	size_t pages = len >> shift;

	return pages + ((len & (((size_t)1 << shift) - 1)) != 0);
}

int vmb_bitmap_new(size_t len, size_t page_size, struct vmb_bitmap **out)
{
	if (out == NULL || !vmb_is_pow2(page_size))
		return VMB_EINVALID_ARGUMENT;

	struct vmb_bitmap *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return VMB_EIO;
	b->page_size = page_size;
	b->page_shift = (unsigned)__builtin_ctzll(page_size);
	b->len = len;
	b->pages = pages_for(len, b->page_shift);
	b->nwords = words_for(b->pages);
	b->words = calloc(b->nwords ? b->nwords : 1, sizeof(uint64_t));
	if (b->words == NULL) {
		free(b);
		return VMB_EIO;
	}
	*out = b;
	return 0;
}

void vmb_bitmap_free(struct vmb_bitmap *b)
{
	if (b == NULL)
		return;
	free(b->words);
	free(b);
}

size_t vmb_bitmap_page_size(const struct vmb_bitmap *b)
{
	return b ? b->page_size : 0;
}

size_t vmb_bitmap_pages(const struct vmb_bitmap *b)
{
	return b ? b->pages : 0;
}

/*
 * The pages [*first, *last] that [addr, addr + n) touches, clipped to the
 * bitmap. False when nothing is left to touch.
 */
static bool page_span(const struct vmb_bitmap *b, size_t addr, size_t n, size_t *first,
		      size_t *last)
{
	size_t end;

	/* S11: n == 0 marks nothing; a wrapping end is past every bit anyway. */
	if (b == NULL || n == 0 || vmb_add_overflow_size(addr, n - 1, &end))
		return false;
	*first = addr >> b->page_shift;
	*last = end >> b->page_shift;
	if (*first >= b->pages)
		return false;
	if (*last >= b->pages)
		*last = b->pages - 1;
	return true;
}

/* The bits [lo, hi] of one word, lo <= hi < 64. */
static uint64_t word_mask(size_t lo, size_t hi)
{
	uint64_t upto = hi == 63 ? ~(uint64_t)0 : (((uint64_t)1 << (hi + 1)) - 1);

	return upto & ~(((uint64_t)1 << lo) - 1);
}

void vmb_bitmap_mark(struct vmb_bitmap *b, size_t addr, size_t n)
{
	size_t first, last;

	if (!page_span(b, addr, n, &first, &last))
		return;
	for (size_t w = first / 64; w <= last / 64; w++) {
		size_t lo = w == first / 64 ? first % 64 : 0;
		size_t hi = w == last / 64 ? last % 64 : 63;

		/*
		 * Release: whoever takes this bit with get_and_reset (an
		 * acquire exchange) also sees the data written before it.
		 */
		__atomic_fetch_or(&b->words[w], word_mask(lo, hi), __ATOMIC_RELEASE);
	}
}

void vmb_bitmap_reset_range(struct vmb_bitmap *b, size_t addr, size_t n)
{
	size_t first, last;

	if (!page_span(b, addr, n, &first, &last))
		return;
	for (size_t w = first / 64; w <= last / 64; w++) {
		size_t lo = w == first / 64 ? first % 64 : 0;
		size_t hi = w == last / 64 ? last % 64 : 63;

		/* Relaxed: clearing publishes nothing to anyone. */
		__atomic_fetch_and(&b->words[w], ~word_mask(lo, hi), __ATOMIC_RELAXED);
	}
}

bool vmb_bitmap_is_page_dirty(const struct vmb_bitmap *b, size_t page)
{
	if (b == NULL || page >= b->pages)
		return false;
	/* Acquire pairs with the release in vmb_bitmap_mark(). */
	return (__atomic_load_n(&b->words[page / 64], __ATOMIC_ACQUIRE) >> (page % 64)) & 1;
}

bool vmb_bitmap_is_dirty(const struct vmb_bitmap *b, size_t addr)
{
	return b != NULL && vmb_bitmap_is_page_dirty(b, addr >> b->page_shift);
}

int vmb_bitmap_get_and_reset(struct vmb_bitmap *b, uint64_t *words, size_t nwords)
{
	if (b == NULL || (words == NULL && b->nwords > 0) || nwords < b->nwords)
		return VMB_EINVALID_ARGUMENT;
	for (size_t w = 0; w < b->nwords; w++) {
		/*
		 * Acquire: the data written before each mark we take is
		 * visible to the caller. A mark racing with the exchange lands
		 * either before it (returned now) or after it (kept).
		 */
		words[w] = __atomic_exchange_n(&b->words[w], 0, __ATOMIC_ACQUIRE);
	}
	return 0;
}

void vmb_bitmap_reset(struct vmb_bitmap *b)
{
	if (b == NULL)
		return;
	for (size_t w = 0; w < b->nwords; w++)
		__atomic_store_n(&b->words[w], 0, __ATOMIC_RELAXED);
}

int vmb_bitmap_enlarge(struct vmb_bitmap *b, size_t len)
{
	if (b == NULL || len < b->len)
		return VMB_EINVALID_ARGUMENT;

	size_t pages = pages_for(len, b->page_shift);
	size_t nwords = words_for(pages);

	if (nwords > b->nwords) {
		uint64_t *w = realloc(b->words, nwords * sizeof(uint64_t));

		if (w == NULL)
			return VMB_EIO;
		for (size_t i = b->nwords; i < nwords; i++)
			w[i] = 0;
		b->words = w;
		b->nwords = nwords;
	}
	b->len = len;
	b->pages = pages;
	return 0;
}

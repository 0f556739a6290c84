/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Dirty-page bitmap (S11): one atomic bit per page of a tracked range.
 * Writers mark pages concurrently; a collector (live migration, say) takes
 * and clears the bits with vmb_bitmap_get_and_reset().
 */
#ifndef VMBYTES_BITMAP_H
#define VMBYTES_BITMAP_H

#include <stdbool.h>

#include "common.h"

VMB_BEGIN_DECLS

struct vmb_bitmap;

/**
 * vmb_bitmap_new() - a bitmap covering @len bytes in pages of @page_size.
 * @len:       bytes tracked; the bitmap has ceil(@len / @page_size) bits
 *             (0 is allowed and tracks nothing).
 * @page_size: a power of two.
 * @out:       receives the new handle.
 *
 * Return: 0; VMB_EINVALID_ARGUMENT for a NULL @out or a @page_size that is
 * not a power of two; VMB_EIO (ENOMEM) when memory is short. S11.
 */
VMB_NODISCARD
VMB_API int vmb_bitmap_new(size_t len, size_t page_size, struct vmb_bitmap **out);

/* vmb_bitmap_free() - release a bitmap; NULL is a no-op. */
VMB_API void vmb_bitmap_free(struct vmb_bitmap *b);

/* vmb_bitmap_page_size() - the page size; 0 for NULL. */
VMB_API size_t vmb_bitmap_page_size(const struct vmb_bitmap *b);

/* vmb_bitmap_pages() - the number of bits (pages); 0 for NULL. */
VMB_API size_t vmb_bitmap_pages(const struct vmb_bitmap *b);

/**
 * vmb_bitmap_mark() - mark pages @addr/page ..= (@addr+@n-1)/page dirty.
 * @b:    the bitmap; NULL marks nothing.
 * @addr: first byte written, relative to the tracked range.
 * @n:    bytes written; 0 marks nothing. Bits past the end are ignored,
 *        and so is a range whose end would wrap.
 *
 * Implements S11. Safe to call from many threads at once.
 */
VMB_API void vmb_bitmap_mark(struct vmb_bitmap *b, size_t addr, size_t n);

/**
 * vmb_bitmap_reset_range() - clear the pages that [@addr, @addr+@n) touches.
 * @b: the bitmap; NULL does nothing. Same page rule as vmb_bitmap_mark().
 */
VMB_API void vmb_bitmap_reset_range(struct vmb_bitmap *b, size_t addr, size_t n);

/**
 * vmb_bitmap_is_dirty() - true when the page holding byte @addr is marked.
 * @b: the bitmap; NULL and addresses past the end give false.
 */
VMB_API bool vmb_bitmap_is_dirty(const struct vmb_bitmap *b, size_t addr);

/**
 * vmb_bitmap_is_page_dirty() - true when bit @page is set (false past the end).
 */
VMB_API bool vmb_bitmap_is_page_dirty(const struct vmb_bitmap *b, size_t page);

/**
 * vmb_bitmap_get_and_reset() - take every bit and clear it, word by word.
 * @b:      the bitmap.
 * @words:  receives the bits: page i in bit (i % 64) of word (i / 64).
 * @nwords: capacity of @words; must be at least ceil(pages / 64).
 *
 * Each word is exchanged atomically, so a mark racing with the call is
 * either returned now or kept for the next call, never lost.
 *
 * Return: 0; VMB_EINVALID_ARGUMENT for NULL arguments or a short @words.
 */
VMB_NODISCARD
VMB_API int vmb_bitmap_get_and_reset(struct vmb_bitmap *b, uint64_t *words, size_t nwords);

/* vmb_bitmap_reset() - clear every bit. NULL does nothing. */
VMB_API void vmb_bitmap_reset(struct vmb_bitmap *b);

/**
 * vmb_bitmap_enlarge() - grow the tracked range to @len bytes; new bits are
 * clear. Not safe against concurrent use of @b: the caller must hold every
 * writer off while it runs.
 *
 * Return: 0; VMB_EINVALID_ARGUMENT for NULL or a smaller @len; VMB_EIO
 * (ENOMEM) when memory is short, leaving @b as it was.
 */
VMB_NODISCARD
VMB_API int vmb_bitmap_enlarge(struct vmb_bitmap *b, size_t len);

VMB_END_DECLS

#endif /* VMBYTES_BITMAP_H */

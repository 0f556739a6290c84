/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Library-internal: the guest search index (guest_index.c) and the lookup
 * over it, written once here and instantiated per count: plain C in
 * guest_index.c, AVX2 and AVX-512 in core/src/arch/x86_64/guest_search.c.
 */
#ifndef VMBYTES_GUEST_INDEX_H
#define VMBYTES_GUEST_INDEX_H

#include "guest_internal.h"

/*
 * The search index (G3), kept up to date with the slots: the starts as
 * signed keys (start ^ 2^63, so that a signed compare orders them as
 * unsigned), in blocks of KEY_BLOCK padded with INT64_MAX, and top[j], the
 * first key of block j, padded to a multiple of 8.
 *
 * A lookup counts the blocks whose first key is <= the address (up to
 * TOP_LINEAR blocks, all at once: independent compares, 8 to an AVX-512
 * or 4 to an AVX2 instruction; above that a binary search over top keeps
 * O(log n)), then the keys <= the address in that one block. A binary
 * search over 1024 slots took 2.1-2.3x its time over 16 (ten dependent
 * steps against four); counting keeps the steps independent.
 *
 * The index exists only above SMALL_SEARCH regions: below, the binary
 * search over the slots is as fast, and a guest memory of a few regions,
 * the common case, pays nothing to keep it (keeping it for every guest
 * memory cut the layout fuzz target from 27k to 13k execs/s). It is an
 * accelerator only: when memory for it cannot be had, lookups use the
 * binary search.
 */
#define KEY_BLOCK 32
#define TOP_LINEAR 64
#define SMALL_SEARCH 64

static inline size_t vmb__round_up(size_t x, size_t m)
{
	return (x + m - 1) / m * m;
}

static inline int64_t vmb__key_of(uint64_t start)
{
	return (int64_t)(start ^ ((uint64_t)1 << 63));
}

/* How many of @v[0, @m) are <= @a; @m a multiple of 8. */
typedef size_t (*vmb__count_le_fn)(const int64_t *v, size_t m, int64_t a);

/*
 * The lookup over the index: the last slot whose start is <= @addr, or n.
 * Always inlined, with a constant @count, into a function compiled for
 * that count's instruction set, so that the count inlines too.
 */
VMB_INLINE size_t vmb__gindex_lookup(const struct vmb_guest *g, uint64_t addr, vmb__count_le_fn count)
{
	int64_t a = vmb__key_of(addr);
	size_t j;

	if (g->n == 0 || g->top[0] > a)
		return g->n;
	if (g->blocks <= TOP_LINEAR) {
		/* Padding counts only for the largest address: cap it. */
		j = count(g->top, vmb__round_up(g->blocks, 8), a);
		j = (j < g->blocks ? j : g->blocks) - 1;
	} else {
		/* At this point: top[base] <= a; the answer is in [base, base + m). */
		size_t base = 0, m = g->blocks;

		while (m > 1) {
			size_t half = m / 2;

			base = g->top[base + half] <= a ? base + half : base;
			m -= half;
		}
		j = base;
	}
	/* At this point: keys[j * KEY_BLOCK] <= a, so k >= 1. */
	size_t first = j * KEY_BLOCK, in_block = g->n - first < KEY_BLOCK ? g->n - first : KEY_BLOCK;
	size_t k = count(g->keys + first, KEY_BLOCK, a);

	return first + (k < in_block ? k : in_block) - 1;
}

/* The SIMD lookups (arch/x86_64/guest_search.c; x86-64 builds only). */
size_t vmb__gindex_lookup_avx512(const struct vmb_guest *g, uint64_t addr);
size_t vmb__gindex_lookup_avx2(const struct vmb_guest *g, uint64_t addr);

#endif /* VMBYTES_GUEST_INDEX_H */

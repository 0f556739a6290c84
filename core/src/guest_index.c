/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The guest search index (G3; guest_index.h says how it is laid out and
 * searched): kept up to date with the slots of guest.c, the plain-C
 * lookup, the binary search below SMALL_SEARCH regions, and the start-up
 * choice of search (VMB_GUEST_SEARCH, VMB_GUEST_INDEX).
 */
#include <stdlib.h>
#include <string.h>

#include "arch/cpu.h"
#include "guest_index.h"

/* The index arrays' lengths for @cap slots. */
static size_t keys_len(size_t cap)
{
	return vmb__round_up(cap ? cap : 1, KEY_BLOCK);
}

static size_t top_len(size_t cap)
{
	return vmb__round_up(keys_len(cap) / KEY_BLOCK, 8);
}

/* top[from..] again from the keys: O(n / KEY_BLOCK). */
static void retop(struct vmb_guest *g, size_t from)
{
	size_t len = top_len(g->cap);

	g->blocks = vmb__round_up(g->n, KEY_BLOCK) / KEY_BLOCK;
	for (size_t j = from; j < g->blocks; j++)
		g->top[j] = g->keys[j * KEY_BLOCK];
	for (size_t j = from > g->blocks ? from : g->blocks; j < len; j++)
		g->top[j] = INT64_MAX;
}

/* The whole index from the slots (a new guest memory). */
static void reindex(struct vmb_guest *g)
{
	size_t len = keys_len(g->cap);

	for (size_t i = 0; i < g->n; i++)
		g->keys[i] = vmb__key_of(g->head.slots[i].start);
	for (size_t i = g->n; i < len; i++)
		g->keys[i] = INT64_MAX;
	retop(g, 0);
}

void vmb__gindex_drop(struct vmb_guest *g)
{
	free(g->keys);
	free(g->top);
	g->keys = NULL;
	g->top = NULL;
}

/* Above this many regions a guest memory keeps the index: SMALL_SEARCH,
 * or 0 under VMB_GUEST_INDEX=always (set at start, see guest_init()). */
static size_t index_min = SMALL_SEARCH;

/* An index for the slots, when there are enough of them to want one. */
void vmb__gindex_build(struct vmb_guest *g)
{
	if (g->n <= index_min)
		return;
	g->keys = malloc(keys_len(g->cap) * sizeof(*g->keys));
	g->top = malloc(top_len(g->cap) * sizeof(*g->top));
	if (g->keys == NULL || g->top == NULL) {
		vmb__gindex_drop(g);
	} else {
		reindex(g);
	}
}

static size_t count_le_plain(const int64_t *v, size_t m, int64_t a)
{
	size_t c = 0;

	for (size_t i = 0; i < m; i++)
		c += v[i] <= a;
	return c;
}

/*
 * The search this CPU runs best; VMB_GUEST_SEARCH=plain|avx2|avx512 picks
 * one at start (for tests, which run each on a CPU that has them all). A
 * name this CPU cannot run is ignored with a warning. VMB_GUEST_INDEX=always
 * keeps the index for every guest memory, however few its regions, so
 * that inputs of a few regions (the fuzz targets make at most 12) drive
 * the index too; "auto" (or unset) is the default, anything else is
 * ignored with a warning.
 */
static int search_simd; /* 2: AVX-512 counts, 1: AVX2, 0: plain C */
/* False under VMB_GUEST_SEARCH (a valid one) or VMB_GUEST_INDEX=always:
 * lookups then always run the search they name (guest_table.c skipped). */
static bool use_table = true;

__attribute__((constructor)) static void guest_init(void)
{
	/* A constructor runs before main, on one thread: getenv is safe here. */
	const char *want = getenv("VMB_GUEST_SEARCH"); /* NOLINT(concurrency-mt-unsafe) */
	const char *keep = getenv("VMB_GUEST_INDEX");   /* NOLINT(concurrency-mt-unsafe) */
	int best = vmb__cpu_guest_search();

	search_simd = best;
	if (keep != NULL && strcmp(keep, "always") == 0) {
		index_min = 0, use_table = false;
		vmb__diag(false, "VMB_GUEST_INDEX=always: the index at any number of regions");
	} else if (keep != NULL && *keep != '\0' && strcmp(keep, "auto") != 0) {
		vmb__diag(true, "VMB_GUEST_INDEX=%s is not always or auto; using auto", keep);
	}
	if (want == NULL || *want == '\0')
		return;
	int w = strcmp(want, "plain") == 0 ? 0 : strcmp(want, "avx2") == 0 ? 1
					       : strcmp(want, "avx512") == 0 ? 2
										  : -1;

	if (w < 0 || w > best) {
		vmb__diag(true, "VMB_GUEST_SEARCH=%s is not a search this CPU has; using the best one",
			  want);
	} else {
		search_simd = w, use_table = false;
		vmb__diag(false, "VMB_GUEST_SEARCH=%s in use", want);
	}
}

static size_t lookup_plain(const struct vmb_guest *g, uint64_t addr)
{
	return vmb__gindex_lookup(g, addr, count_le_plain);
}

/* The binary search over the slots (no index): branch-free, since random
 * addresses would mispredict half the steps. */
static size_t slot_search(const struct vmb_guest *g, uint64_t addr)
{
	const struct vmb__guest_rslot *base = g->head.slots;
	size_t n = g->n;

	if (n == 0 || base[0].start > addr)
		return g->n;
	/* At this point: base[0].start <= addr; the answer is in [base, base + n). */
	while (n > 1) {
		size_t half = n / 2;

		base = base[half].start <= addr ? base + half : base;
		n -= half;
	}
	return (size_t)(base - g->head.slots);
}

/* The index of the last region with start <= addr, or n when none. */
size_t vmb__gindex_upper(const struct vmb_guest *g, uint64_t addr)
{
	if (g->keys == NULL)
		return slot_search(g, addr);
#if VMB_ARCH_X86_64
	if (search_simd == 2)
		return vmb__gindex_lookup_avx512(g, addr);
	if (search_simd == 1)
		return vmb__gindex_lookup_avx2(g, addr);
#endif
	return lookup_plain(g, addr);
}

bool vmb__gindex_table_wanted(void)
{
	return use_table;
}

void vmb__gindex_inserted(struct vmb_guest *g, size_t at)
{
	if (g->keys == NULL) {
		vmb__gindex_build(g);
		return;
	}
	/* The keys move with the slots; past n they stay INT64_MAX. */
	memmove(g->keys + at + 1, g->keys + at, (g->n - 1 - at) * sizeof(*g->keys));
	g->keys[at] = vmb__key_of(g->head.slots[at].start);
	retop(g, at / KEY_BLOCK);
}

void vmb__gindex_removed(struct vmb_guest *g, size_t i)
{
	if (g->n <= index_min) {
		vmb__gindex_drop(g);
	} else if (g->keys != NULL) {
		memmove(g->keys + i, g->keys + i + 1, (g->n - i) * sizeof(*g->keys));
		g->keys[g->n] = INT64_MAX;
		retop(g, i / KEY_BLOCK);
	}
}

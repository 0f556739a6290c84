/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* Guest memory: many regions, one address space (SPEC G2-G10). */
#include <errno.h>
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>

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

/* struct vmb_guest: guest_internal.h. */

static size_t round_up(size_t x, size_t m)
{
	return (x + m - 1) / m * m;
}

static int64_t key_of(uint64_t start)
{
	return (int64_t)(start ^ ((uint64_t)1 << 63));
}

/* The index arrays' lengths for @cap slots. */
static size_t keys_len(size_t cap)
{
	return round_up(cap ? cap : 1, KEY_BLOCK);
}

static size_t top_len(size_t cap)
{
	return round_up(keys_len(cap) / KEY_BLOCK, 8);
}

/* top[from..] again from the keys: O(n / KEY_BLOCK). */
static void retop(struct vmb_guest *g, size_t from)
{
	size_t len = top_len(g->cap);

	g->blocks = round_up(g->n, KEY_BLOCK) / KEY_BLOCK;
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
		g->keys[i] = key_of(g->head.slots[i].start);
	for (size_t i = g->n; i < len; i++)
		g->keys[i] = INT64_MAX;
	retop(g, 0);
}

static void drop_index(struct vmb_guest *g)
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
static void build_index(struct vmb_guest *g)
{
	if (g->n <= index_min)
		return;
	g->keys = malloc(keys_len(g->cap) * sizeof(*g->keys));
	g->top = malloc(top_len(g->cap) * sizeof(*g->top));
	if (g->keys == NULL || g->top == NULL) {
		drop_index(g);
	} else {
		reindex(g);
	}
}

/* How many of @v[0, @m) are <= @a; @m a multiple of 8. */
__attribute__((target("avx512f,popcnt"))) static size_t count_le_avx512(const int64_t *v,
									  size_t m, int64_t a)
{
	__m512i x = _mm512_set1_epi64(a);
	size_t le = 0;

	for (size_t i = 0; i < m; i += 8) {
		__mmask8 k = _mm512_cmple_epi64_mask(_mm512_loadu_si512((const void *)(v + i)), x);

		le += (size_t)__builtin_popcount((unsigned)k);
	}
	return le;
}

/* The same, 4 keys at a time. */
__attribute__((target("avx2,popcnt"))) static size_t count_le_avx2(const int64_t *v, size_t m,
								     int64_t a)
{
	__m256i x = _mm256_set1_epi64x(a);
	size_t gt = 0;

	for (size_t i = 0; i < m; i += 4) {
		__m256i k = _mm256_loadu_si256((const __m256i *)(const void *)(v + i));
		int mask = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(k, x)));

		gt += (size_t)__builtin_popcount((unsigned)mask);
	}
	return m - gt;
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
	bool popcnt = __builtin_cpu_supports("popcnt");
	int best = !popcnt ? 0 : __builtin_cpu_supports("avx512f") ? 2
			      : __builtin_cpu_supports("avx2")    ? 1
								   : 0;

	search_simd = best;
	if (keep != NULL && strcmp(keep, "always") == 0)
		index_min = 0, use_table = false;
	else if (keep != NULL && *keep != '\0' && strcmp(keep, "auto") != 0)
		(void)fprintf(stderr, "vmbytes: VMB_GUEST_INDEX=%s is not always or auto; "
				"using auto\n", keep);
	if (want == NULL || *want == '\0')
		return;
	int w = strcmp(want, "plain") == 0 ? 0 : strcmp(want, "avx2") == 0 ? 1
					       : strcmp(want, "avx512") == 0 ? 2
										  : -1;

	if (w < 0 || w > best)
		(void)fprintf(stderr, "vmbytes: VMB_GUEST_SEARCH=%s is not a search this CPU has; "
				"using the best one\n", want);
	else
		search_simd = w, use_table = false;
}

/* The bucket table for @g's slots, unless a test asked for the search. */
static void build_table(struct vmb_guest *g)
{
	if (use_table)
		vmb__guest_table_build(g);
}

static struct vmb__guest_rslot slot_of(struct vmb_region *r)
{
	struct vmb__guest_rslot s = { vmb_region_start(r), vmb_region_last_addr(r), r };

	return s;
}

static struct vmb__guest_slot fast_of(struct vmb_region *r)
{
	struct vmb__guest_slot f = { vmb_region_start(r), vmb_region_len(r),
				     vmb_region_host_base(r), vmb_region_bitmap(r) };

	return f;
}

/* The hot slot of a guest memory without regions: no access fits it. */
static const struct vmb__guest_slot no_slot = { 1, 0, NULL, NULL };

/*
 * Makes @s the hot slot (guest.h). Relaxed, as the loads: the cache is a
 * hint, every reader checks the range it gets. Stored only when it
 * changes, so that threads reading one region do not write its line.
 */
static void set_hot(const struct vmb_guest *g, const struct vmb__guest_slot *s)
{
	struct vmb__guest_head *h = (struct vmb__guest_head *)(uintptr_t)&g->head;

	if (__atomic_load_n(&h->hot, __ATOMIC_RELAXED) != s)
		__atomic_store_n(&h->hot, s, __ATOMIC_RELAXED);
}

/* After the slots moved (insert, remove): a slot of the new array. */
static void reset_hot(struct vmb_guest *g)
{
	__atomic_store_n(&g->head.hot, g->n ? &g->fast[0] : &no_slot, __ATOMIC_RELAXED);
}

/* G2: the pairwise checks, in the reference's order. */
int vmb__guest_check_pair(uint64_t ps, uint64_t pl, uint64_t ns, struct vmb_error *err)
{
	if (ps > ns)
		return vmb__fail(err, VMB_EUNSORTED_MEMORY_REGIONS);
	if (pl >= ns)
		return vmb__fail(err, VMB_EMEMORY_REGION_OVERLAP);
	return 0;
}

static int check_pair(const struct vmb_region *prev, const struct vmb_region *next,
		      struct vmb_error *err)
{
	return vmb__guest_check_pair(vmb_region_start(prev), vmb_region_last_addr(prev),
				     vmb_region_start(next), err);
}

int vmb_guest_new(struct vmb_region *const *regions, size_t n, struct vmb_guest **out,
		  struct vmb_error *err)
{
	int rc;

	if (out == NULL || (regions == NULL && n > 0))
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	if (n == 0)
		return vmb__fail(err, VMB_ENO_MEMORY_REGION);
	for (size_t i = 0; i < n; i++) {
		if (regions[i] == NULL || vmb__region_owned(regions[i]))
			return vmb__fail(err, VMB_EINVALID_ARGUMENT);
		if (i > 0 && (rc = check_pair(regions[i - 1], regions[i], err)) != 0)
			return rc;
	}

	struct vmb_guest *g = calloc(1, sizeof(*g));

	if (g == NULL || (g->head.slots = calloc(n, sizeof(*g->head.slots))) == NULL ||
	    (g->fast = calloc(n, sizeof(*g->fast))) == NULL) {
		if (g != NULL)
			free(g->head.slots);
		free(g);
		return vmb__fail_errno(err, ENOMEM);
	}
	for (size_t i = 0; i < n; i++) {
		g->head.slots[i] = slot_of(regions[i]);
		g->fast[i] = fast_of(regions[i]);
		vmb__region_set_owned(regions[i], true);
	}
	g->n = g->cap = n;
	build_index(g);
	build_table(g);
	reset_hot(g);
	*out = g;
	return 0;
}

void vmb_guest_free(struct vmb_guest *g)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < g->n; i++)
		vmb_region_free(g->head.slots[i].r);
	free(g->head.slots);
	free(g->fast);
	vmb__guest_table_free(g);
	free(g->keys);
	free(g->top);
	free(g);
}

/*
 * The lookup, written once and instantiated twice below: with AVX2 counts
 * (the whole lookup compiled for AVX2, so that the counts inline) and with
 * plain ones. @avx2 is a constant at each instantiation.
 */
VMB_INLINE size_t count_le(int simd, const int64_t *v, size_t m, int64_t a)
{
	return simd == 2 ? count_le_avx512(v, m, a) : simd == 1 ? count_le_avx2(v, m, a)
							  : count_le_plain(v, m, a);
}

VMB_INLINE size_t index_of(const struct vmb_guest *g, uint64_t addr, int simd)
{
	int64_t a = key_of(addr);
	size_t j;

	if (g->n == 0 || g->top[0] > a)
		return g->n;
	if (g->blocks <= TOP_LINEAR) {
		/* Padding counts only for the largest address: cap it. */
		j = count_le(simd, g->top, round_up(g->blocks, 8), a);
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
	size_t k = count_le(simd, g->keys + first, KEY_BLOCK, a);

	return first + (k < in_block ? k : in_block) - 1;
}

__attribute__((target("avx512f,popcnt"))) static size_t index_avx512(const struct vmb_guest *g,
								     uint64_t addr)
{
	return index_of(g, addr, 2);
}

__attribute__((target("avx2,popcnt"))) static size_t index_avx2(const struct vmb_guest *g,
								  uint64_t addr)
{
	return index_of(g, addr, 1);
}

static size_t index_plain(const struct vmb_guest *g, uint64_t addr)
{
	return index_of(g, addr, 0);
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
static size_t upper_index(const struct vmb_guest *g, uint64_t addr)
{
	if (g->keys == NULL)
		return slot_search(g, addr);
	return search_simd == 2 ? index_avx512(g, addr) : search_simd == 1 ? index_avx2(g, addr)
									   : index_plain(g, addr);
}

/* True when @s holds @addr; `addr - start` wraps below the region, to at
 * least len. */
static bool holds(const struct vmb__guest_slot *s, uint64_t addr)
{
	uint64_t off;

	return !vmb_sub_overflow_u64(addr, s->start, &off) && off < s->len;
}

/* G3: the index of the slot that holds @addr, or n; O(log regions), O(1)
 * with the bucket table. */
static size_t search(const struct vmb_guest *g, uint64_t addr)
{
	if (g->head.table != NULL)
		return vmb__guest_table_find(g, addr);

	size_t i = upper_index(g, addr);

	return i == g->n || addr > g->head.slots[i].last ? g->n : i;
}

size_t vmb__guest_index_slow(const struct vmb_guest *g, uint64_t addr)
{
	const struct vmb__guest_slot *h = vmb__guest_hot(g);

	/* The hot slot (again: another thread may have moved it), then the one
	 * after it (accesses over rising addresses). */
	if (holds(h, addr))
		return (size_t)(h - g->fast);
	if (h != &no_slot) {
		size_t next = (size_t)(h - g->fast) + 1;

		if (next < g->n && holds(&g->fast[next], addr)) {
			set_hot(g, &g->fast[next]);
			return next;
		}
	}

	size_t i = search(g, addr);

	if (i < g->n)
		set_hot(g, &g->fast[i]);
	return i;
}

/*
 * No cache here: tried first, the hot slot and the next one cost random
 * lookups over 16 or 1024 regions 1.3x their time (mispredicted when they
 * hit), and keeping it up to date 1.7-2x (each lookup then waited for the
 * previous one's store).
 */
struct vmb_region *vmb__guest_find_region_slow(const struct vmb_guest *g, uint64_t addr)
{
	if (g == NULL)
		return NULL;

	size_t i = search(g, addr);

	return i == g->n ? NULL : g->head.slots[i].r;
}

int vmb_guest_insert(struct vmb_guest *g, struct vmb_region *r, struct vmb_error *err)
{
	if (g == NULL || r == NULL || vmb__region_owned(r))
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);

	/* The insertion point: after every region that starts at or before r. */
	size_t i = upper_index(g, vmb_region_start(r));
	size_t at = i == g->n ? 0 : i + 1;

	/* G2: touching neighbours are fine, overlapping ones are not. */
	if (at > 0 && g->head.slots[at - 1].last >= vmb_region_start(r))
		return vmb__fail(err, VMB_EMEMORY_REGION_OVERLAP);
	if (at < g->n && vmb_region_last_addr(r) >= g->head.slots[at].start)
		return vmb__fail(err, VMB_EMEMORY_REGION_OVERLAP);
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 4;
		struct vmb__guest_rslot *grown = realloc(g->head.slots, cap * sizeof(*grown));

		if (grown == NULL)
			return vmb__fail_errno(err, ENOMEM);
		/* The larger slots are kept (cap counts the smaller of the two). */
		g->head.slots = grown;

		struct vmb__guest_slot *fast = realloc(g->fast, cap * sizeof(*fast));

		if (fast == NULL)
			return vmb__fail_errno(err, ENOMEM);
		g->fast = fast;
		g->cap = cap;
		drop_index(g); /* built again below, at the new capacity */
	}
	for (size_t k = g->n; k > at; k--) {
		g->head.slots[k] = g->head.slots[k - 1];
		g->fast[k] = g->fast[k - 1];
	}
	g->head.slots[at] = slot_of(r);
	g->fast[at] = fast_of(r);
	g->n++;
	if (g->keys == NULL) {
		build_index(g);
	} else {
		/* The keys move with the slots; past n they stay INT64_MAX. */
		memmove(g->keys + at + 1, g->keys + at, (g->n - 1 - at) * sizeof(*g->keys));
		g->keys[at] = key_of(g->head.slots[at].start);
		retop(g, at / KEY_BLOCK);
	}
	build_table(g);
	reset_hot(g);
	vmb__region_set_owned(r, true);
	return 0;
}

int vmb_guest_remove(struct vmb_guest *g, uint64_t start, uint64_t len, struct vmb_region **out,
		     struct vmb_error *err)
{
	if (g == NULL || out == NULL)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);

	size_t i = upper_index(g, start);

	/* G2: only an exact (start, len) match is removed. */
	if (i == g->n || g->head.slots[i].start != start || vmb_region_len(g->head.slots[i].r) != len)
		return vmb__fail(err, VMB_ENO_MEMORY_REGION);
	*out = g->head.slots[i].r;
	vmb__region_set_owned(*out, false);
	for (size_t k = i; k + 1 < g->n; k++) {
		g->head.slots[k] = g->head.slots[k + 1];
		g->fast[k] = g->fast[k + 1];
	}
	g->n--;
	if (g->n <= index_min) {
		drop_index(g);
	} else if (g->keys != NULL) {
		memmove(g->keys + i, g->keys + i + 1, (g->n - i) * sizeof(*g->keys));
		g->keys[g->n] = INT64_MAX;
		retop(g, i / KEY_BLOCK);
	}
	build_table(g);
	reset_hot(g);
	return 0;
}

size_t vmb_guest_num_regions(const struct vmb_guest *g)
{
	return g ? g->n : 0;
}

struct vmb_region *vmb_guest_region_at(const struct vmb_guest *g, size_t i)
{
	return g && i < g->n ? g->head.slots[i].r : NULL;
}

uint64_t vmb_guest_last_addr(const struct vmb_guest *g)
{
	return g && g->n ? g->head.slots[g->n - 1].last : 0;
}

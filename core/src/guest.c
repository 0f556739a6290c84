/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* Guest memory: many regions, one address space (SPEC G2-G10). */
#include <errno.h>
#include <stdlib.h>

#include "guest_internal.h"

/* The bucket table for @g's slots, unless a test asked for the search. */
static void build_table(struct vmb_guest *g)
{
	if (vmb__gindex_table_wanted())
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
	vmb__gindex_build(g);
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
	vmb__gindex_drop(g);
	free(g);
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

	size_t i = vmb__gindex_upper(g, addr);

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
	size_t i = vmb__gindex_upper(g, vmb_region_start(r));
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
		vmb__gindex_drop(g); /* built again below, at the new capacity */
	}
	for (size_t k = g->n; k > at; k--) {
		g->head.slots[k] = g->head.slots[k - 1];
		g->fast[k] = g->fast[k - 1];
	}
	g->head.slots[at] = slot_of(r);
	g->fast[at] = fast_of(r);
	g->n++;
	vmb__gindex_inserted(g, at);
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

	size_t i = vmb__gindex_upper(g, start);

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
	vmb__gindex_removed(g, i);
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

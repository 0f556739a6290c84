/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Guest memory inside the library: the set of regions (guest.c) and the
 * access paths over it (guest_access.c) share this. Not installed.
 */
#ifndef VMBYTES_GUEST_INTERNAL_H
#define VMBYTES_GUEST_INTERNAL_H

#include "internal.h"

/*
 * The search index (G3), kept up to date with the slots: the starts as
 * signed keys (start ^ 2^63, so that a signed compare orders them as
 * unsigned), in blocks of KEY_BLOCK padded with INT64_MAX, and top[j], the
 * first key of block j, padded to a multiple of 8. See guest_index.h.
 */
/* A region's start cannot change while a guest memory owns it, so its
 * slots (guest.h) stay as they were made. */

struct vmb_guest {
	/* First: the inline paths of guest.h read it. The slots, the hot one
	 * and the bucket table are there. */
	struct vmb__guest_head head;
	/* fast[i]: what an access to slots[i] needs (guest.h); apart, so that
	 * the search walks slots of 24 bytes. */
	struct vmb__guest_slot *fast;
	int64_t *keys;      /* round_up(cap, KEY_BLOCK), or NULL: no index */
	int64_t *top;       /* round_up(blocks of cap, 8), or NULL */
	size_t n;
	size_t cap;
	size_t blocks;      /* ceil(n / KEY_BLOCK) */
};

/* The search index (guest_index.c), kept by guest.c's set-up, insert and
 * remove: built when there are enough slots to want one, dropped, and
 * moved with the slots after slots[at] was inserted or slots[i] removed
 * (n already counts it). */
void vmb__gindex_build(struct vmb_guest *g);
void vmb__gindex_drop(struct vmb_guest *g);
void vmb__gindex_inserted(struct vmb_guest *g, size_t at);
void vmb__gindex_removed(struct vmb_guest *g, size_t i);
/* vmb__gindex_upper() - the index of the last slot with start <= @addr,
 * or n when none: the index, or the binary search without one. */
size_t vmb__gindex_upper(const struct vmb_guest *g, uint64_t addr);
/* vmb__gindex_table_wanted() - false when VMB_GUEST_SEARCH or
 * VMB_GUEST_INDEX=always asked for the search itself (no bucket table). */
bool vmb__gindex_table_wanted(void);

/* The starts after a bucket's slot a lookup may step over; guest.h's
 * inline vmb_guest_find_region() makes the same two steps. */
#define TABLE_STEPS 2

/* vmb__guest_table_build() - the bucket table for the slots as they are
 * now, or none (table NULL) when the layout needs more steps or memory
 * runs out; frees the old one. */
void vmb__guest_table_build(struct vmb_guest *g);
/* vmb__guest_table_free() - drop the bucket table. */
void vmb__guest_table_free(struct vmb_guest *g);

/* The slot that holds @addr by the bucket table (g->head.table set), or n. */
static inline size_t vmb__guest_table_find(const struct vmb_guest *g, uint64_t addr)
{
	uint64_t off;

	/* G3: below the first region or past the last is no region. */
	if (vmb_sub_overflow_u64(addr, g->head.table_lo, &off) || off > g->head.table_span)
		return g->n;

	size_t i = g->head.table[off >> g->head.table_shift];

	/* At this point: starts[i] <= addr, and at most TABLE_STEPS starts
	 * after it are <= addr, the first ones (the starts are sorted); both
	 * compares load from i at once. starts[n] and starts[n + 1] are
	 * UINT64_MAX, above any addr here. */
	i += (size_t)(g->head.starts[i + 1] <= addr) + (size_t)(g->head.starts[i + 2] <= addr);
	return addr > g->head.slots[i].last ? g->n : i;
}

/* vmb__guest_index_slow() - vmb__guest_index() past the hot slot: the
 * slot after it, then the search; the slot found becomes the hot one. */
size_t vmb__guest_index_slow(const struct vmb_guest *g, uint64_t addr);

/*
 * vmb__guest_index() - the index of the slot that holds @addr, or g->n
 * when @addr is in a hole (G3), for the access paths: the hot slot first,
 * inline; find_region only searches (guest.c says why).
 */
static inline size_t vmb__guest_index(const struct vmb_guest *g, uint64_t addr)
{
	const struct vmb__guest_slot *h = vmb__guest_hot(g);
	uint64_t off;

	/* `addr - start` wraps below the slot; the empty slot holds nothing. */
	if (!vmb_sub_overflow_u64(addr, h->start, &off) && off < h->len)
		return (size_t)(h - g->fast);
	return vmb__guest_index_slow(g, addr);
}

#endif /* VMBYTES_GUEST_INTERNAL_H */

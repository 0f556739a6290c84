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
 * first key of block j, padded to a multiple of 8. See guest.c.
 */
/* One region of a guest memory, with its bounds beside the pointer, for
 * the search (G3). A region's start cannot change while a guest memory
 * owns it. */
struct slot {
	uint64_t start, last;
	struct vmb_region *r;
};

struct vmb_guest {
	struct vmb__guest_head head; /* first: the inline paths of guest.h read it */
	struct slot *slots; /* sorted by start, pairwise disjoint */
	/* fast[i]: what an access to slots[i] needs (guest.h); apart, so that
	 * the search walks slots of 24 bytes. */
	struct vmb__guest_slot *fast;
	int64_t *keys;      /* round_up(cap, KEY_BLOCK), or NULL: no index */
	int64_t *top;       /* round_up(blocks of cap, 8), or NULL */
	size_t n;
	size_t cap;
	size_t blocks;      /* ceil(n / KEY_BLOCK) */
};

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

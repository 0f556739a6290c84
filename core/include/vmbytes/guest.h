/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Guest memory: a sorted set of guest regions, possibly with holes, seen
 * as one guest-physical address space (SPEC section 3). An access walks
 * the regions chunk by chunk and stops at the first hole (G4). The access
 * path allocates nothing. A guest memory is not locked: inserting or
 * removing regions while another thread accesses it is the caller's race.
 */
#ifndef VMBYTES_GUEST_H
#define VMBYTES_GUEST_H

#include <stdbool.h>

#include "bytes.h"
#include "common.h"
#include "error.h"
#include "region.h"
#include "slice.h"

struct vmb_guest;

/**
 * vmb_guest_new() - guest memory over @n regions, given in ascending order.
 * @regions: the regions; on success the guest owns them (vmb_guest_free()
 *           frees them), on failure the caller still does.
 * @out:     receives the handle; untouched on failure.
 *
 * Return: 0; NoMemoryRegion for @n == 0; UnsortedMemoryRegions when a
 * region starts before its predecessor (checked first), MemoryRegionOverlap
 * when it starts at or before its predecessor's last address (touching is
 * fine; the same region given twice overlaps itself); InvalidArgument for
 * NULL pointers or a region another guest memory owns; IO (ENOMEM). G2.
 */
VMB_API int vmb_guest_new(struct vmb_region *const *regions, size_t n, struct vmb_guest **out,
			  struct vmb_error *err);

/* vmb_guest_free() - free the guest and every region it owns; NULL is a no-op. */
VMB_API void vmb_guest_free(struct vmb_guest *g);

/**
 * vmb_guest_insert() - add @r, keeping the set sorted; the guest owns @r on
 * success.
 * Return: 0; MemoryRegionOverlap when @r overlaps a region;
 * InvalidArgument for NULL or an owned @r; IO (ENOMEM). G2.
 */
VMB_API int vmb_guest_insert(struct vmb_guest *g, struct vmb_region *r, struct vmb_error *err);

/**
 * vmb_guest_remove() - take out the region that is exactly
 * (@start, @len) and hand it back to the caller through @out.
 * Return: 0; NoMemoryRegion when no region matches exactly (as the
 * reference); InvalidArgument for NULL. Removing the last region leaves an
 * empty guest memory in which every access is InvalidGuestAddress. G2.
 */
VMB_API int vmb_guest_remove(struct vmb_guest *g, uint64_t start, uint64_t len,
			     struct vmb_region **out, struct vmb_error *err);

/* vmb_guest_num_regions() - how many regions (0 for NULL). */
VMB_API size_t vmb_guest_num_regions(const struct vmb_guest *g);

/* vmb_guest_region_at() - the @i-th region in address order, or NULL. */
VMB_API struct vmb_region *vmb_guest_region_at(const struct vmb_guest *g, size_t i);

/* vmb_guest_last_addr() - the last address of the highest region. */
VMB_API uint64_t vmb_guest_last_addr(const struct vmb_guest *g);

/**
 * vmb_guest_find_region() - the region with start <= @addr <= last, or NULL
 * when @addr is in a hole; O(log regions). G3. Up to 64 regions a binary
 * search; above, an index of the starts counted with AVX-512, AVX2 or
 * plain C, whichever the CPU has (VMB_GUEST_SEARCH=plain|avx2|avx512 at
 * start picks one, and VMB_GUEST_INDEX=always keeps the index at any
 * number of regions: for tests and coverage).
 */
VMB_API struct vmb_region *vmb_guest_find_region(const struct vmb_guest *g, uint64_t addr);

/**
 * vmb_guest_get_host_address() - the host address that backs @addr.
 * Return: 0; InvalidGuestAddress{addr} for an address in no region;
 * InvalidArgument for NULL. G3.
 */
VMB_API int vmb_guest_get_host_address(const struct vmb_guest *g, uint64_t addr, void **host,
				       struct vmb_error *err);

/**
 * vmb_guest_check_range() - true when all of [@addr, @addr + @n) is mapped
 * (@n == 0 is true). G10.
 */
VMB_API bool vmb_guest_check_range(const struct vmb_guest *g, uint64_t addr, size_t n);

/**
 * vmb_guest_get_slice() - one slice for [@addr, @addr + @n), which must lie
 * in one region.
 * Return: 0; InvalidArgument for NULL @g or @out (checked first);
 * InvalidGuestAddress{addr} when @addr is unmapped (also for @n == 0);
 * InvalidBackendAddress when the range runs past the region's end. G9.
 */
VMB_API int vmb_guest_get_slice(const struct vmb_guest *g, uint64_t addr, size_t n,
				struct vmb_slice *out, struct vmb_error *err);

/* The state of a get_slices walk (G10); treat as opaque. */
struct vmb_slices_iter {
	const struct vmb_guest *g;
	uint64_t cur;
	size_t remaining;
	bool fused;
};

/* vmb_guest_slices_init() - start walking [@addr, @addr + @n); a NULL @it
 * does nothing, a NULL @g is a walk that yields nothing. G10. */
VMB_API void vmb_guest_slices_init(struct vmb_slices_iter *it, const struct vmb_guest *g,
				   uint64_t addr, size_t n);

/**
 * vmb_guest_slices_next() - the next chunk of the walk.
 * Return: 1 with *@out set; 0 when all bytes were yielded, and for good
 * after an error; a negative code for the error that ends the walk:
 * InvalidGuestAddress{addr} with the address of the hole where a chunk
 * would start (at the first chunk or a later one, as the reference),
 * GuestAddressOverflow; InvalidArgument for a NULL @it or @out. G4, G10.
 */
VMB_API int vmb_guest_slices_next(struct vmb_slices_iter *it, struct vmb_slice *out,
				  struct vmb_error *err);

/* vmb_guest_bytes() - the guest memory as a container (guest-physical
 * addresses): every operation of bytes.h, by G4-G9. */
VMB_API struct vmb_bytes vmb_guest_bytes(struct vmb_guest *g);

#endif /* VMBYTES_GUEST_H */

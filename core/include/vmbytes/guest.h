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

#include "atomic.h"
#include "bitmap.h"
#include "bytes.h"
#include "common.h"
#include "copy.h"
#include "error.h"
#include "region.h"
#include "slice.h"

VMB_BEGIN_DECLS

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
VMB_NODISCARD
VMB_API int vmb_guest_new(struct vmb_region *const *regions, size_t n, struct vmb_guest **out,
			  struct vmb_error *err);

/* One guest-physical range for vmb_guest_from_ranges(). */
struct vmb_range {
	uint64_t start;       /* guest address of the first byte */
	uint64_t len;         /* bytes, > 0 */
	uint64_t file_offset; /* VMB_REGION_FILE: where in the file it begins */
};

/* How vmb_guest_from_ranges() backs every range (as a vmb_region_config). */
struct vmb_guest_ranges_config {
	enum vmb_region_kind kind; /* anon; memfd (one per range); file */
	int fd;                    /* VMB_REGION_FILE: the file every range maps */
	unsigned flags;            /* VMB_REGION_GUARD: guard pages around each */
	size_t dirty_page_size;    /* 0: no dirty tracking; else a power of two */
};

/**
 * vmb_guest_from_ranges() - guest memory with one new region per range, in
 * one call (the reference's GuestMemoryMmap::from_ranges and
 * from_ranges_with_files). For ranges of different kinds, make the regions
 * with vmb_region_new() and call vmb_guest_new().
 * @ranges: @n ranges in ascending order of start.
 * @cfg:    the backing of every range: a region of kind @cfg->kind over
 *          each range, with @cfg->fd at the range's file_offset for files,
 *          @cfg->flags and @cfg->dirty_page_size as vmb_region_new() reads
 *          them.
 * @out:    receives the handle; untouched on failure.
 *
 * All or nothing: on any failure nothing stays mapped, open or allocated.
 * The checks, in this order, come before anything is mapped, so that a list
 * the guest memory would refuse costs no mapping (GR1, GR2):
 * Return: 0; InvalidArgument for a NULL @cfg or @out, a NULL @ranges with
 * @n > 0, or a @cfg vmb_region_new() refuses (unknown kind or flag, a
 * negative fd for a file, a dirty page size that is not a power of two);
 * NoMemoryRegion for @n == 0; then, range by range, InvalidGuestRegion for
 * a len of 0 or a start + len that overflows (G1), InvalidArgument for a
 * len the host cannot map; then, pair by pair, UnsortedMemoryRegions and
 * MemoryRegionOverlap as vmb_guest_new() (G2). Then the ranges are mapped
 * in order, and the first failure is returned after everything made so far
 * is undone (GR3): IO{errno} from mmap, memfd_create or fstat, or
 * InvalidGuestRegion for a file shorter than a range's file_offset + len
 * (G11); IO (ENOMEM). GR1-GR3, G1, G2, G11.
 */
VMB_NODISCARD
VMB_API int vmb_guest_from_ranges(const struct vmb_range *ranges, size_t n,
				  const struct vmb_guest_ranges_config *cfg,
				  struct vmb_guest **out, struct vmb_error *err);

/* vmb_guest_free() - free the guest and every region it owns; NULL is a no-op. */
VMB_API void vmb_guest_free(struct vmb_guest *g);

/**
 * vmb_guest_insert() - add @r, keeping the set sorted; the guest owns @r on
 * success.
 * Return: 0; MemoryRegionOverlap when @r overlaps a region;
 * InvalidArgument for NULL or an owned @r; IO (ENOMEM). G2.
 */
VMB_NODISCARD
VMB_API int vmb_guest_insert(struct vmb_guest *g, struct vmb_region *r, struct vmb_error *err);

/**
 * vmb_guest_remove() - take out the region that is exactly
 * (@start, @len) and hand it back to the caller through @out.
 * Return: 0; NoMemoryRegion when no region matches exactly (as the
 * reference); InvalidArgument for NULL. Removing the last region leaves an
 * empty guest memory in which every access is InvalidGuestAddress. G2.
 */
VMB_NODISCARD
VMB_API int vmb_guest_remove(struct vmb_guest *g, uint64_t start, uint64_t len,
			     struct vmb_region **out, struct vmb_error *err);

/* vmb_guest_num_regions() - how many regions (0 for NULL). */
VMB_API size_t vmb_guest_num_regions(const struct vmb_guest *g);

/* vmb_guest_region_at() - the @i-th region in address order, or NULL. */
VMB_API struct vmb_region *vmb_guest_region_at(const struct vmb_guest *g, size_t i);

/* vmb_guest_last_addr() - the last address of the highest region. */
VMB_API uint64_t vmb_guest_last_addr(const struct vmb_guest *g);


/**
 * vmb_guest_get_host_address() - the host address that backs @addr.
 * Return: 0; InvalidGuestAddress{addr} for an address in no region;
 * InvalidArgument for NULL. G3.
 */
VMB_NODISCARD
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
VMB_NODISCARD
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
VMB_NODISCARD
VMB_API int vmb_guest_slices_next(struct vmb_slices_iter *it, struct vmb_slice *out,
				  struct vmb_error *err);

/**
 * vmb_guest_address_in_range() - true when @addr is in a region (the
 * reference's address_in_range); false for a NULL @g. G13.
 */
VMB_API bool vmb_guest_address_in_range(const struct vmb_guest *g, uint64_t addr);

/**
 * vmb_guest_checked_offset() - guest address @base + @offset, when it is in
 * a region (the reference's checked_offset). G13.
 * Return: 0 with *@out set; GuestAddressOverflow when the sum wraps;
 * InvalidGuestAddress{addr=the sum} when no region holds it;
 * InvalidArgument for a NULL @g or @out. [diverges] the reference answers
 * None for both.
 */
VMB_NODISCARD
VMB_API int vmb_guest_checked_offset(const struct vmb_guest *g, uint64_t base, uint64_t offset,
				     uint64_t *out, struct vmb_error *err);

/**
 * vmb_guest_to_region_addr() - the region holding @addr and the offset of
 * @addr in it (the reference's to_region_addr). G13.
 * Return: 0 with *@r and *@off set; InvalidGuestAddress{addr} when no
 * region holds @addr; InvalidArgument for a NULL @g, @r or @off.
 */
VMB_NODISCARD
VMB_API int vmb_guest_to_region_addr(const struct vmb_guest *g, uint64_t addr, struct vmb_region **r,
				     uint64_t *off, struct vmb_error *err);

/* vmb_guest_bytes() - the guest memory as a container (guest-physical
 * addresses): every operation of bytes.h, by G4-G9. */
VMB_API struct vmb_bytes vmb_guest_bytes(struct vmb_guest *g);

/*
 * Typed access to guest memory (SPEC G4-G9): the operations of bytes.h on
 * vmb_guest_bytes(@g), with the same results and errors in every case,
 * but inline. An access that lies in one region, the region the guest
 * memory found last (its "hot" region), is one vmb_copy() (one atomic
 * access for store/load) in the caller's code, with no table of
 * operations, no walk and no call; everything else (other regions,
 * boundaries, holes, errors, zero lengths, NULL arguments) goes to the
 * out-of-line walk, which makes the region it found first the hot one.
 * Writes mark the region's dirty bitmap (S11) on both paths. A NULL @g
 * is InvalidArgument, as vmb_guest_bytes(NULL) is.
 *
 * The hot region is a cache, kept per guest memory and read and written
 * with relaxed atomics: threads that access one guest memory at once
 * each see a whole slot of the guest memory (possibly another thread's
 * hot one, which the range check then refuses). Inserting or removing a
 * region resets it; doing so while another thread accesses the guest
 * memory stays the caller's race, as for every operation.
 */

/* One region of a guest memory as the fast paths see it; treat as opaque.
 * A slot does not change while its guest memory owns the region. */
struct vmb__guest_slot {
	uint64_t start;             /* the region's guest address */
	uint64_t len;               /* its length; 0 only in the empty slot */
	uint8_t *host;              /* its host address */
	struct vmb_bitmap *bitmap;  /* its dirty bitmap (region-relative), or NULL */
};

/* A region as the search sees it (G3); treat as opaque. */
struct vmb__guest_rslot {
	uint64_t start, last;
	struct vmb_region *r;
};

/* The first member of every struct vmb_guest; treat as opaque. */
struct vmb__guest_head {
	/* A slot of this guest memory, or an empty one (len 0) that no access
	 * fits; never NULL. */
	const struct vmb__guest_slot *hot;
	struct vmb__guest_rslot *slots; /* sorted by start, pairwise disjoint */
	/*
	 * The bucket table (core/src/guest_table.c), or NULL: table[b] is the
	 * last slot that starts at or before table_lo + b * 2^table_shift,
	 * and no bucket holds more than two other starts; starts[] are the
	 * slots' starts, padded with two UINT64_MAX.
	 */
	uint32_t *table;
	uint64_t *starts;
	uint64_t table_lo, table_span;
	unsigned table_shift;
};

/* find_region without the bucket table: the search of guest.c. */
VMB_API struct vmb_region *vmb__guest_find_region_slow(const struct vmb_guest *g, uint64_t addr)
	__attribute__((noinline));


/* The out-of-line halves: each is the bytes.h operation on
 * vmb_guest_bytes(@g), checks in SPEC order, results and errors as there. */
VMB_NODISCARD
VMB_API int vmb__guest_write_slow(struct vmb_guest *g, uint64_t addr, const void *buf,
				  size_t len, size_t *done, struct vmb_error *err)
	__attribute__((noinline));
VMB_NODISCARD
VMB_API int vmb__guest_read_slow(struct vmb_guest *g, uint64_t addr, void *buf, size_t len,
				 size_t *done, struct vmb_error *err) __attribute__((noinline));
VMB_NODISCARD
VMB_API int vmb__guest_write_slice_slow(struct vmb_guest *g, uint64_t addr, const void *buf,
					size_t len, struct vmb_error *err)
	__attribute__((noinline));
VMB_NODISCARD
VMB_API int vmb__guest_read_slice_slow(struct vmb_guest *g, uint64_t addr, void *buf,
				       size_t len, struct vmb_error *err)
	__attribute__((noinline));
VMB_NODISCARD
VMB_API int vmb__guest_write_whole_slow(struct vmb_guest *g, uint64_t addr, const void *buf,
					size_t len, struct vmb_error *err);
VMB_NODISCARD
VMB_API int vmb__guest_read_whole_slow(struct vmb_guest *g, uint64_t addr, void *buf, size_t len,
				       struct vmb_error *err);
VMB_NODISCARD
VMB_API int vmb__guest_store_slow(struct vmb_guest *g, uint64_t addr, unsigned width,
				  struct vmb_ordering order, uint64_t v, struct vmb_error *err)
	__attribute__((noinline));
VMB_NODISCARD
VMB_API int vmb__guest_load_slow(struct vmb_guest *g, uint64_t addr, unsigned width,
				 struct vmb_ordering order, uint64_t *v, struct vmb_error *err)
	__attribute__((noinline));

/* The hot slot of a non-NULL @g. */
VMB_INLINE const struct vmb__guest_slot *vmb__guest_hot(const struct vmb_guest *g)
{
	/*
	 * Relaxed: the slot pointed to was written before any access could
	 * start (inserting and removing regions exclude accesses, by the
	 * caller), so only the pointer itself is shared, and any value of it
	 * is a whole slot.
	 */
	return __atomic_load_n(&((const struct vmb__guest_head *)(const void *)g)->hot,
			       __ATOMIC_RELAXED);
}

/*
 * For the fast paths: true unless [@addr, @addr + @n), @n >= 1, lies in
 * slot @s at a host address aligned to @align (a power of two); *@off is
 * @addr's offset in the region. One branch, as vmb__slice_misfit():
 * `addr - start` wraps when @addr is below the region, and is then at
 * least len; `n - 1` wraps for @n == 0, which is then refused (G5 goes to
 * the slow path); `len - off` and `host + off` wrap only when the first
 * term is already true.
 */
VMB_INLINE bool vmb__guest_misfit(const struct vmb__guest_slot *s, uint64_t addr, size_t n,
				  size_t align, uint64_t *off)
{
	uint64_t o = addr - s->start;

	*off = o;
	return (o >= s->len) | ((uint64_t)n - 1 >= s->len - o) |
	       ((((uintptr_t)s->host + o) & (align - 1)) != 0);
}

/*
 * The fast halves of every guest write and read: true when @g is not NULL,
 * @buf is not NULL and [@addr, @addr + @len), @len >= 1, lies in the hot
 * slot; the bytes were then copied (and, for a write, marked dirty: S11,
 * the bitmap is region-relative). False: nothing was done, the caller
 * takes its slow path, which checks in SPEC order.
 */
VMB_INLINE bool vmb__guest_write_fast(struct vmb_guest *g, uint64_t addr, const void *buf,
				      size_t len)
{
	if (VMB_UNLIKELY(g == NULL))
		return false;
	const struct vmb__guest_slot *s = vmb__guest_hot(g);
	uint64_t off;

	if (VMB_UNLIKELY(vmb__guest_misfit(s, addr, len, 1, &off) | (buf == NULL)))
		return false;
	vmb_copy(s->host + off, buf, len);
	if (s->bitmap != NULL)
		vmb_bitmap_mark(s->bitmap, (size_t)off, len);
	return true;
}

VMB_INLINE bool vmb__guest_read_fast(struct vmb_guest *g, uint64_t addr, void *buf, size_t len)
{
	if (VMB_UNLIKELY(g == NULL))
		return false;
	const struct vmb__guest_slot *s = vmb__guest_hot(g);
	uint64_t off;

	if (VMB_UNLIKELY(vmb__guest_misfit(s, addr, len, 1, &off) | (buf == NULL)))
		return false;
	vmb_copy(buf, s->host + off, len);
	return true;
}

/**
 * vmb_guest_write() - vmb_bytes_write() on guest memory, inline.
 * @done: receives the count written (also on failure); may be NULL.
 * Return: as vmb_bytes_write() on vmb_guest_bytes(@g). G4-G6, S11.
 */
VMB_NODISCARD
VMB_INLINE int vmb_guest_write(struct vmb_guest *g, uint64_t addr, const void *buf, size_t len,
			       size_t *done, struct vmb_error *err)
{
	if (VMB_LIKELY(vmb__guest_write_fast(g, addr, buf, len))) {
		if (done != NULL)
			*done = len;
		return 0;
	}
	return vmb__guest_write_slow(g, addr, buf, len, done, err);
}

/* vmb_guest_read() - vmb_bytes_read() on guest memory, inline. G4-G6. */
VMB_NODISCARD
VMB_INLINE int vmb_guest_read(struct vmb_guest *g, uint64_t addr, void *buf, size_t len,
			      size_t *done, struct vmb_error *err)
{
	if (VMB_LIKELY(vmb__guest_read_fast(g, addr, buf, len))) {
		if (done != NULL)
			*done = len;
		return 0;
	}
	return vmb__guest_read_slow(g, addr, buf, len, done, err);
}

/**
 * vmb_guest_write_slice() - vmb_bytes_write_slice() on guest memory,
 * inline: all @len bytes or PartialBuffer (those that fit were written).
 * G4-G6, S4, S11.
 */
VMB_NODISCARD
VMB_INLINE int vmb_guest_write_slice(struct vmb_guest *g, uint64_t addr, const void *buf,
				     size_t len, struct vmb_error *err)
{
	if (VMB_LIKELY(vmb__guest_write_fast(g, addr, buf, len)))
		return 0;
	return vmb__guest_write_slice_slow(g, addr, buf, len, err);
}

/* vmb_guest_read_slice() - vmb_bytes_read_slice() on guest memory, inline.
 * G4-G6, S4. */
VMB_NODISCARD
VMB_INLINE int vmb_guest_read_slice(struct vmb_guest *g, uint64_t addr, void *buf, size_t len,
				    struct vmb_error *err)
{
	if (VMB_LIKELY(vmb__guest_read_fast(g, addr, buf, len)))
		return 0;
	return vmb__guest_read_slice_slow(g, addr, buf, len, err);
}

/* vmb_guest_write_obj() - write an object of @size bytes: write_slice.
 * An object of at most 8 bytes in one region is one access (S10). S4. */
VMB_NODISCARD
VMB_INLINE int vmb_guest_write_obj(struct vmb_guest *g, uint64_t addr, const void *obj,
				   size_t size, struct vmb_error *err)
{
	return vmb_guest_write_slice(g, addr, obj, size, err);
}

/* vmb_guest_read_obj() - read an object of @size bytes: read_slice. S4. */
VMB_NODISCARD
VMB_INLINE int vmb_guest_read_obj(struct vmb_guest *g, uint64_t addr, void *obj, size_t size,
				  struct vmb_error *err)
{
	return vmb_guest_read_slice(g, addr, obj, size, err);
}

/**
 * vmb_guest_store() - vmb_bytes_store() on guest memory, inline: one
 * atomic store of @width bytes (1, 2, 4, 8) with @order (relaxed,
 * release, seq_cst).
 * Return: as vmb_bytes_store() on vmb_guest_bytes(@g). G8, S9, S11.
 */
VMB_NODISCARD
VMB_INLINE int vmb_guest_store(struct vmb_guest *g, uint64_t addr, unsigned width,
			       struct vmb_ordering order, uint64_t v, struct vmb_error *err)
{
	if (VMB_LIKELY((g != NULL) && vmb_order_valid_for_store(order) && vmb_width_valid(width))) {
		const struct vmb__guest_slot *s = vmb__guest_hot(g);
		uint64_t off;

		if (VMB_LIKELY(!vmb__guest_misfit(s, addr, width, width, &off))) {
			vmb_atomic_store_raw(s->host + off, width, order, v);
			/* S11. */
			if (s->bitmap != NULL)
				vmb_bitmap_mark(s->bitmap, (size_t)off, width);
			return 0;
		}
	}
	return vmb__guest_store_slow(g, addr, width, order, v, err);
}

/**
 * vmb_guest_write_whole() - all or nothing: write the @len bytes of @buf at
 * @addr only if every byte of [@addr, @addr + @len) is in a region (W1,
 * W2, W4). The whole range is walked before any byte moves, so a buffer
 * that runs into a hole or past the end of RAM writes nothing (G6's
 * write_slice writes up to the hole, then reports PartialBuffer).
 * Return: 0 (@len == 0 is 0 at any address); InvalidArgument for a NULL
 * @g, or a NULL @buf with @len > 0; InvalidGuestAddress{addr} with the
 * first address of the range that is in no region (@addr itself when it
 * is unmapped). On an error no byte was written and no page marked dirty.
 */
VMB_NODISCARD
VMB_INLINE int vmb_guest_write_whole(struct vmb_guest *g, uint64_t addr, const void *buf,
				     size_t len, struct vmb_error *err)
{
	/* Inside the hot region the whole range is RAM: write_slice's fast half. */
	if (VMB_LIKELY(vmb__guest_write_fast(g, addr, buf, len)))
		return 0;
	return vmb__guest_write_whole_slow(g, addr, buf, len, err);
}

/* vmb_guest_read_whole() - all or nothing, as vmb_guest_write_whole(): on
 * an error @buf is untouched. W1, W2, W4. */
VMB_NODISCARD
VMB_INLINE int vmb_guest_read_whole(struct vmb_guest *g, uint64_t addr, void *buf, size_t len,
				    struct vmb_error *err)
{
	if (VMB_LIKELY(vmb__guest_read_fast(g, addr, buf, len)))
		return 0;
	return vmb__guest_read_whole_slow(g, addr, buf, len, err);
}

/**
 * vmb_guest_rmw() - one atomic read-modify-write at guest address @addr
 * (SPEC A1-A4 on G8's terms): the first chunk only.
 * Return: 0 with *@old the value before; InvalidArgument for a NULL @g,
 * @r or @old or a request vmb_rmw_valid() refuses, or an invalid @width
 * (first); InvalidGuestAddress{addr} when @addr is in no region;
 * InvalidBackendAddress when the object straddles its region's end or is
 * misaligned (G9). Marks the page dirty when it wrote (A3).
 */
VMB_NODISCARD
VMB_API int vmb_guest_rmw(struct vmb_guest *g, uint64_t addr, unsigned width, const struct vmb_rmw *r,
			  uint64_t *old, struct vmb_error *err);


/**
 * vmb_guest_load() - vmb_bytes_load() on guest memory, inline: one atomic
 * load of @width bytes with @order (relaxed, acquire, seq_cst) into *@v.
 * Return: as vmb_bytes_load() on vmb_guest_bytes(@g). G8, S9.
 */
VMB_NODISCARD
VMB_INLINE int vmb_guest_load(struct vmb_guest *g, uint64_t addr, unsigned width,
			      struct vmb_ordering order, uint64_t *v, struct vmb_error *err)
{
	if (VMB_LIKELY((g != NULL) && (v != NULL) && vmb_order_valid_for_load(order) &&
		       vmb_width_valid(width))) {
		const struct vmb__guest_slot *s = vmb__guest_hot(g);
		uint64_t off;

		if (VMB_LIKELY(!vmb__guest_misfit(s, addr, width, width, &off))) {
			*v = vmb_atomic_load_raw(s->host + off, width, order);
			return 0;
		}
	}
	return vmb__guest_load_slow(g, addr, width, order, v, err);
}

/*
 * vmb_guest_fetch() - vmb_guest_rmw() of @op (not cmpxchg) with operand @v;
 * inline inside the hot region (as vmb_guest_store()).
 */
VMB_NODISCARD
VMB_INLINE int vmb_guest_fetch(struct vmb_guest *g, uint64_t addr, unsigned width, enum vmb_rmw_op op,
			       struct vmb_ordering order, uint64_t v, uint64_t *old,
			       struct vmb_error *err)
{
	if (VMB_LIKELY((g != NULL) && (unsigned)op <= (unsigned)VMB_RMW_SWAP &&
		       vmb_order_valid_for_rmw(order) && vmb_width_valid(width) && old != NULL)) {
		const struct vmb__guest_slot *s = vmb__guest_hot(g);
		uint64_t off;

		if (VMB_LIKELY(!vmb__guest_misfit(s, addr, width, width, &off))) {
			*old = vmb_atomic_fetch_raw(s->host + off, width, op, order, v);
			/* A3. */
			if (s->bitmap != NULL)
				vmb_bitmap_mark(s->bitmap, (size_t)off, width);
			return 0;
		}
	}

	struct vmb_rmw r = vmb__fetch_request(op, order, v);

	return vmb_guest_rmw(g, addr, width, &r, old, err);
}

/* vmb_guest_cmpxchg() - vmb_guest_rmw() of a strong compare-exchange; inline
 * inside the hot region. */
VMB_NODISCARD
VMB_INLINE int vmb_guest_cmpxchg(struct vmb_guest *g, uint64_t addr, unsigned width, uint64_t expected,
				 uint64_t desired, struct vmb_ordering success,
				 struct vmb_ordering failure, uint64_t *old, struct vmb_error *err)
{
	if (VMB_LIKELY((g != NULL) && vmb_order_valid_for_rmw(success) &&
		       vmb_order_valid_for_failure(failure) && vmb_width_valid(width) && old != NULL)) {
		const struct vmb__guest_slot *s = vmb__guest_hot(g);
		uint64_t off;

		if (VMB_LIKELY(!vmb__guest_misfit(s, addr, width, width, &off))) {
			uint64_t found = vmb_atomic_cmpxchg_raw(s->host + off, width, success, failure,
								expected, desired);

			/* A3: marked only when it stored. */
			if (s->bitmap != NULL && vmb__cmpxchg_matched(width, expected, found))
				vmb_bitmap_mark(s->bitmap, (size_t)off, width);
			*old = found;
			return 0;
		}
	}

	struct vmb_rmw r = { VMB_RMW_CMPXCHG, success, failure, desired, expected };

	return vmb_guest_rmw(g, addr, width, &r, old, err);
}


/**
 * vmb_guest_find_region() - the region with start <= @addr <= last, or NULL
 * when @addr is in a hole; O(log regions), O(1) with the bucket table. G3.
 * The bucket table (a few buckets per region, when
 * no bucket holds more than two region starts) gives the answer in one
 * load and two compares; without it, up to 64 regions a binary search,
 * above, an index of the starts counted with AVX-512, AVX2 or plain C,
 * whichever the CPU has (VMB_GUEST_SEARCH=plain|avx2|avx512 at start
 * picks one, and VMB_GUEST_INDEX=always keeps the index at any number of
 * regions; either turns the bucket table off: experimental knobs for
 * tests and coverage, see experimental.h).
 * Inline: a lookup in the table is done in the caller's code; the rest
 * goes to vmb__guest_find_region_slow().
 */
VMB_INLINE struct vmb_region *vmb_guest_find_region(const struct vmb_guest *g, uint64_t addr)
{
	if (VMB_LIKELY(g != NULL)) {
		const struct vmb__guest_head *h = (const struct vmb__guest_head *)(const void *)g;
		uint64_t off;

		if (VMB_LIKELY(h->table != NULL) && !__builtin_sub_overflow(addr, h->table_lo, &off) &&
		    off <= h->table_span) {
			size_t i = h->table[off >> h->table_shift];

			/* At most two starts after slot i are <= addr, the first ones;
			 * starts[n] and starts[n + 1] are UINT64_MAX, above addr. */
			i += (size_t)(h->starts[i + 1] <= addr) + (size_t)(h->starts[i + 2] <= addr);
			return addr > h->slots[i].last ? NULL : h->slots[i].r;
		}
	}
	return vmb__guest_find_region_slow(g, addr);
}

/* Typed object helpers: the size comes from the object. */
#define vmb_guest_write_val(g, addr, objp, err) vmb_guest_write_obj((g), (addr), (objp), sizeof(*(objp)), (err))
#define vmb_guest_read_val(g, addr, objp, err) vmb_guest_read_obj((g), (addr), (objp), sizeof(*(objp)), (err))

VMB_END_DECLS

#endif /* VMBYTES_GUEST_H */

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Guest region: one host mapping that backs [start, start + len) of guest
 * address space (SPEC section 3). Anonymous regions are private,
 * zero-filled and MAP_NORESERVE; memfd and file regions are shared, so
 * writes reach the file (G11).
 */
#ifndef VMBYTES_REGION_H
#define VMBYTES_REGION_H

#include "bytes.h"
#include "common.h"
#include "error.h"
#include "slice.h"

VMB_BEGIN_DECLS

struct vmb_region;

enum vmb_region_kind {
	VMB_REGION_ANON = 0,
	VMB_REGION_MEMFD = 1,
	VMB_REGION_FILE = 2,
};

/* Put a PROT_NONE page right before and right after the mapping. */
#define VMB_REGION_GUARD 1u

struct vmb_region_config {
	uint64_t start;          /* guest address of the first byte */
	uint64_t len;            /* bytes, > 0 */
	enum vmb_region_kind kind;
	int fd;                  /* VMB_REGION_FILE: the file; the region keeps a dup */
	uint64_t file_offset;    /* VMB_REGION_FILE: a multiple of the page size */
	unsigned flags;          /* VMB_REGION_GUARD */
	size_t dirty_page_size;  /* 0: no dirty tracking; else a power of two */
};

/**
 * vmb_region_new() - map a region.
 * @cfg: what to map.
 * @out: receives the handle; untouched on failure, and nothing is left
 *       mapped or open.
 *
 * Return: 0; InvalidGuestRegion for len == 0, a start + len that overflows
 * (so no region holds address UINT64_MAX), or a file shorter than
 * file_offset + len (G1,
 * G11 [diverges]); InvalidArgument for NULL pointers, an unknown kind or
 * flag, a negative fd, a len the host cannot map, or a dirty page size that
 * is not a power of two; IO{errno} when mmap, memfd_create or fstat fail
 * (a file_offset that is not page-aligned gives IO{EINVAL}). G1, G11.
 */
VMB_NODISCARD
VMB_API int vmb_region_new(const struct vmb_region_config *cfg, struct vmb_region **out,
			   struct vmb_error *err);

/* vmb_region_free() - unmap and close; NULL is a no-op. Never call it on a
 * region a guest memory owns. */
VMB_API void vmb_region_free(struct vmb_region *r);

/* vmb_region_start() - guest address of the first byte (0 for NULL). */
VMB_API uint64_t vmb_region_start(const struct vmb_region *r);
/* vmb_region_len() - length in bytes (0 for NULL). */
VMB_API uint64_t vmb_region_len(const struct vmb_region *r);
/* vmb_region_last_addr() - start + len - 1, the last guest address (G1). */
VMB_API uint64_t vmb_region_last_addr(const struct vmb_region *r);
/* vmb_region_kind() - how it is backed. */
VMB_API enum vmb_region_kind vmb_region_kind(const struct vmb_region *r);
/* vmb_region_fd() - the region's own fd (memfd or a dup of the file), -1 for
 * anonymous memory. */
VMB_API int vmb_region_fd(const struct vmb_region *r);
/* vmb_region_file_offset() - offset of the mapping in its file (0 if none). */
VMB_API uint64_t vmb_region_file_offset(const struct vmb_region *r);
/* vmb_region_bitmap() - the dirty bitmap, region-relative (S11), or NULL. */
VMB_API struct vmb_bitmap *vmb_region_bitmap(const struct vmb_region *r);
/* vmb_region_host_base() - the host address of the first byte. */
VMB_API void *vmb_region_host_base(const struct vmb_region *r);

/**
 * vmb_region_as_slice() - the whole region as a volatile slice, with the
 * region's bitmap attached.
 * Return: 0; InvalidArgument for NULL arguments.
 */
VMB_NODISCARD
VMB_API int vmb_region_as_slice(const struct vmb_region *r, struct vmb_slice *out);

/**
 * vmb_region_address_in_range() - true when region offset @off is inside
 * the region (@off < its length); false for a NULL @r. G12.
 */
VMB_API bool vmb_region_address_in_range(const struct vmb_region *r, uint64_t off);

/**
 * vmb_region_checked_offset() - region offset @base + @offset, when it is
 * inside the region. G12.
 * Return: 0 with *@out set; Overflow{base, offset} when the sum wraps;
 * OutOfBounds{addr=the sum} when it is past the region; InvalidArgument
 * for a NULL @r or @out. [diverges] the reference answers None for both.
 */
VMB_NODISCARD
VMB_API int vmb_region_checked_offset(const struct vmb_region *r, uint64_t base, uint64_t offset,
				      uint64_t *out, struct vmb_error *err);

/**
 * vmb_region_to_region_addr() - the region offset of guest address @addr.
 * G12.
 * Return: 0 with *@off = @addr - start; InvalidGuestAddress{addr} when
 * @addr is not in the region; InvalidArgument for a NULL @r or @off.
 */
VMB_NODISCARD
VMB_API int vmb_region_to_region_addr(const struct vmb_region *r, uint64_t addr, uint64_t *off,
				      struct vmb_error *err);

/**
 * vmb_region_get_slice() - the @n bytes at region offset @off.
 * Return: 0; InvalidBackendAddress when the range is not inside the region
 * (the slice error mapped by G9); InvalidArgument for NULL arguments. G9.
 */
VMB_NODISCARD
VMB_API int vmb_region_get_slice(const struct vmb_region *r, uint64_t off, uint64_t n,
				 struct vmb_slice *out, struct vmb_error *err);

/**
 * vmb_region_bytes() - the region as a container with region-relative
 * addresses. Slice errors are mapped by G9 (OutOfBounds becomes
 * InvalidBackendAddress, IO and PartialBuffer pass through).
 */
VMB_API struct vmb_bytes vmb_region_bytes(struct vmb_region *r);

VMB_END_DECLS

#endif /* VMBYTES_REGION_H */

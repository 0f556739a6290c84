/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The split virtqueue (virtio 1.x, section 2.7) over vmbytes guest memory,
 * device side: a separate library (libvmbytes_virtq) built only on the
 * public vmbytes API. The layout it follows:
 *
 *     descriptor table  16 * size bytes, 16-aligned: { le64 addr; le32 len;
 *                       le16 flags; le16 next; } per entry
 *     available ring    2-aligned: le16 flags, le16 idx, le16 ring[size],
 *                       le16 used_event (EVENT_IDX only)
 *     used ring         4-aligned: le16 flags, le16 idx, { le32 id; le32 len; }
 *                       ring[size], le16 avail_event (EVENT_IDX only)
 *
 * Who observes what: the driver writes descriptors and an avail ring entry,
 * then stores avail idx with release; the device loads avail idx with
 * acquire (vmb_virtq_avail_idx()) before it reads the entry and the chain.
 * The device writes the used element, then stores used idx with release
 * (vmb_virtq_add_used()), so a driver that acquire-loads used idx sees the
 * element whole.
 *
 * A pop walks one chain and reads each descriptor exactly once (no double
 * fetch: what was checked is what is returned), with a bounded number of
 * reads. The buffers come back as (addr, len, flags); their bytes are
 * reached as vmbytes slices through vmb_virtq_buf_slices() (G10), so a
 * buffer spanning adjacent regions is several slices and one reaching a
 * hole fails there.
 *
 * A queue is not locked: one device thread uses it; the driver is the
 * other side of the guest memory.
 */
#ifndef VMBYTES_VIRTQ_H
#define VMBYTES_VIRTQ_H

#include <stdbool.h>

#include "vmbytes/bytes.h"
#include "vmbytes/common.h"
#include "vmbytes/error.h"
#include "vmbytes/guest.h"

VMB_BEGIN_DECLS

#define VMB_VIRTQ_MAX_SIZE 32768u

/* Descriptor flags (virtio 2.7.5). */
#define VMB_VIRTQ_DESC_F_NEXT 1u
#define VMB_VIRTQ_DESC_F_WRITE 2u
#define VMB_VIRTQ_DESC_F_INDIRECT 4u
/* avail->flags: the driver asks for no interrupt (without EVENT_IDX). */
#define VMB_VIRTQ_AVAIL_F_NO_INTERRUPT 1u
/* used->flags: the device asks for no notification (without EVENT_IDX). */
#define VMB_VIRTQ_USED_F_NO_NOTIFY 1u

/* Queue flags (struct vmb_virtq_config.flags). */
#define VMB_VIRTQ_EVENT_IDX 1u /* VIRTIO_F_EVENT_IDX negotiated */
/* QEMU's extra rules in pop: no zero-length buffer, no readable buffer
 * after a writable one, and a chain that outruns its read budget (a loop)
 * is an error instead of being cut there. */
#define VMB_VIRTQ_STRICT 2u

/* An indirect table holds at most this many descriptors. */
#define VMB_VIRTQ_INDIRECT_MAX 65535u

/* The pop errors, beside the vmbytes codes of the accesses themselves. */
enum vmb_virtq_status {
	/* avail idx is more than the queue size ahead of the device. */
	VMB_VIRTQ_EAVAIL_INDEX = -64,
	/* a head or next index outside its table; err->addr is the index. */
	VMB_VIRTQ_EINDEX = -65,
	/* an indirect table of 0 bytes, not a multiple of 16, of more than
	 * VMB_VIRTQ_INDIRECT_MAX entries, or past the end of the address space. */
	VMB_VIRTQ_EINDIRECT = -66,
	/* an indirect descriptor inside an indirect table. */
	VMB_VIRTQ_ENESTED = -67,
	/* the chain's buffers total 2^32 bytes or more (virtio 2.7.5.2). */
	VMB_VIRTQ_ELENGTH = -68,
	/* more buffers than the caller's array holds. */
	VMB_VIRTQ_ECAPACITY = -69,
	/* strict: a buffer of 0 bytes. */
	VMB_VIRTQ_EZERO_LENGTH = -70,
	/* strict: a device-readable buffer after a device-writable one. */
	VMB_VIRTQ_EORDER = -71,
	/* strict: the chain is longer than its read budget (a loop). */
	VMB_VIRTQ_ELOOP = -72,
};

/* One descriptor, host order. */
struct vmb_virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vmb_virtq_config {
	uint32_t size;          /* a power of two, 1 .. VMB_VIRTQ_MAX_SIZE */
	uint64_t desc, avail, used; /* guest addresses of the three areas */
	unsigned flags;         /* VMB_VIRTQ_EVENT_IDX, VMB_VIRTQ_STRICT */
};

/* The device's state of one queue; fields read-only for callers. */
struct vmb_virtq {
	struct vmb_guest *guest;  /* where the buffers are */
	struct vmb_bytes mem;     /* how rings and descriptors are accessed */
	uint64_t desc, avail, used;
	uint32_t size;
	unsigned flags;
	uint16_t next_avail;      /* the next avail ring entry to pop */
	uint16_t next_used;       /* the next used ring entry to fill */
	uint16_t num_added;       /* add_used calls since the last needs_notification */
	uint64_t steps;           /* descriptors read by every pop so far */
};

/* One popped chain; the buffers are in the caller's array. */
struct vmb_virtq_chain {
	uint16_t head;            /* the descriptor index to give add_used */
	uint32_t nbufs;           /* buffers in bufs[] */
	struct vmb_virtq_desc *bufs; /* in chain order; an indirect descriptor is
				      * replaced by its table's buffers */
	uint32_t readable_len;    /* bytes of device-readable buffers */
	uint32_t writable_len;    /* bytes of device-writable buffers */
	bool truncated;           /* not strict: the read budget cut the chain */
};

/**
 * vmb_virtq_init() - set up @q for the queue @cfg describes in @guest.
 * @q:     the queue state to fill.
 * @guest: the guest memory; the queue accesses it through
 *         vmb_guest_bytes(@guest) until vmb_virtq_set_bytes().
 * @cfg:   size, the three areas, flags.
 *
 * Each area must be mapped in full (vmb_guest_check_range(); once vmbytes
 * has access permissions, the descriptor table and the avail ring will be
 * checked for reading and the used ring for writing). next_avail and
 * next_used start at 0.
 *
 * Return: 0; InvalidArgument for NULL pointers, a size that is not a power
 * of two in 1 .. 32768, or an unknown flag; Misaligned{addr, alignment}
 * for a descriptor table not 16-aligned, an avail ring not 2-aligned or a
 * used ring not 4-aligned (checked in that order); InvalidGuestAddress{addr}
 * with the area's address for an area that is not mapped in full (in the
 * same order).
 */
VMB_NODISCARD
VMB_API int vmb_virtq_init(struct vmb_virtq *q, struct vmb_guest *guest,
			   const struct vmb_virtq_config *cfg, struct vmb_error *err);

/**
 * vmb_virtq_set_bytes() - access rings and descriptors through @mem, a
 * container that shows the same guest-physical addresses as the queue's
 * guest memory (a wrapper that counts or logs accesses, say).
 * Return: 0; InvalidArgument for a NULL @q or a @mem without operations.
 */
VMB_NODISCARD
VMB_API int vmb_virtq_set_bytes(struct vmb_virtq *q, struct vmb_bytes mem);

/**
 * vmb_virtq_restore() - continue a queue at @next_avail and @next_used (a
 * device restored after migration, or a driver that did not start at 0).
 * Return: 0; InvalidArgument for a NULL @q.
 */
VMB_NODISCARD
VMB_API int vmb_virtq_restore(struct vmb_virtq *q, uint16_t next_avail, uint16_t next_used);

/**
 * vmb_virtq_avail_idx() - the driver's avail idx, one acquire load: the
 * ring entries and descriptors it publishes are visible after it.
 * Return: 0; InvalidArgument for NULL; the load's errors (G8).
 */
VMB_NODISCARD
VMB_API int vmb_virtq_avail_idx(struct vmb_virtq *q, uint16_t *idx, struct vmb_error *err);

/**
 * vmb_virtq_pop() - take the next available chain and walk it.
 * @q:     the queue.
 * @chain: receives the head and the buffers.
 * @bufs:  room for the buffers.
 * @cap:   entries of @bufs.
 *
 * The walk reads each descriptor once with read_obj (16 bytes), at most
 * the queue size of them from the descriptor table and at most the table's
 * entries from an indirect table (which may stand anywhere in the chain;
 * its own NEXT and WRITE flags are ignored, and the table's chain starts at
 * its entry 0). Outside strict mode a chain that outruns that budget ends
 * there (@chain->truncated), as in vm-virtio. Once a head was taken,
 * next_avail has moved past it and @chain->head is set, also on an error,
 * so the device can return the chain or stop the queue.
 *
 * Return: 1 with @chain filled; 0 when no chain is available; AvailIndex
 * (nothing taken); Index, Indirect, Nested, Length, Capacity, and in strict
 * mode ZeroLength, Order, Loop; the errors of reading the rings and
 * descriptors (a descriptor in a hole: InvalidGuestAddress or
 * PartialBuffer); InvalidArgument for NULL pointers or a NULL @bufs with
 * @cap > 0.
 */
VMB_NODISCARD
VMB_API int vmb_virtq_pop(struct vmb_virtq *q, struct vmb_virtq_chain *chain,
			  struct vmb_virtq_desc *bufs, size_t cap, struct vmb_error *err);

/**
 * vmb_virtq_buf_slices() - start a get_slices walk over @buf's bytes:
 * vmb_guest_slices_next() yields one slice per region it touches and fails
 * at a hole (G10).
 * Return: 0; InvalidArgument for NULL pointers.
 */
VMB_NODISCARD
VMB_API int vmb_virtq_buf_slices(const struct vmb_virtq *q, const struct vmb_virtq_desc *buf,
				 struct vmb_slices_iter *it);

/**
 * vmb_virtq_add_used() - return chain @head with @len bytes written: the
 * 8-byte used element, then a release store of the 2-byte used idx (and
 * nothing else is written).
 * Return: 0; Index for @head >= size; InvalidArgument for NULL; the
 * errors of the two accesses (G6, G8).
 */
VMB_NODISCARD
VMB_API int vmb_virtq_add_used(struct vmb_virtq *q, uint16_t head, uint32_t len,
			       struct vmb_error *err);

/**
 * vmb_virtq_needs_notification() - whether the driver wants an interrupt
 * for the chains added since the last call: with EVENT_IDX, when used_event
 * lies in the used entries added since then (vring_need_event's test);
 * without, unless avail->flags has NO_INTERRUPT. A full fence comes first,
 * so the used idx store is ordered before the read.
 * Return: 0 with *@notify set; InvalidArgument for NULL; the load's errors.
 */
VMB_NODISCARD
VMB_API int vmb_virtq_needs_notification(struct vmb_virtq *q, bool *notify,
					 struct vmb_error *err);

/**
 * vmb_virtq_enable_notification() - ask the driver to notify again: with
 * EVENT_IDX, avail_event = next_avail; without, clear used->flags'
 * NO_NOTIFY. Then, after a full fence, *@more says whether chains arrived
 * meanwhile (poll again before sleeping when it is true).
 * Return: 0; InvalidArgument for NULL; the accesses' errors.
 */
VMB_NODISCARD
VMB_API int vmb_virtq_enable_notification(struct vmb_virtq *q, bool *more,
					  struct vmb_error *err);

/**
 * vmb_virtq_disable_notification() - ask the driver not to notify: sets
 * used->flags' NO_NOTIFY without EVENT_IDX; with EVENT_IDX nothing is
 * written (avail_event stays where it was, so the driver notifies at most
 * once more).
 * Return: 0; InvalidArgument for NULL; the store's errors.
 */
VMB_NODISCARD
VMB_API int vmb_virtq_disable_notification(struct vmb_virtq *q, struct vmb_error *err);

/* vmb_virtq_error_name() - "avail_index", "index", ... for the codes above,
 * vmb_error_name() for every other code. */
VMB_API const char *vmb_virtq_error_name(int code);

VMB_END_DECLS

#endif /* VMBYTES_VIRTQ_H */

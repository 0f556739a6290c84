/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The split virtqueue, device side (virtq.h). Only the public vmbytes API:
 * rings and descriptors through the queue's struct vmb_bytes, buffers
 * through get_slices.
 */
#include <string.h>

#include "vmbytes/endian.h"
#include "vmbytes/virtq.h"

/* Offsets inside the rings (virtio 2.7.6 and 2.7.8). */
#define RING_FLAGS 0u
#define RING_IDX 2u
#define RING_ENTRIES 4u
#define DESC_SIZE 16u
#define USED_ELEM_SIZE 8u

static int fail(struct vmb_error *err, int code)
{
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		err->code = code;
	}
	return code;
}

static int fail_addr(struct vmb_error *err, int code, uint64_t addr)
{
	fail(err, code);
	if (err != NULL)
		err->addr = addr;
	return code;
}

/* The bytes of each area: the event words only with EVENT_IDX. */
static uint64_t avail_bytes(uint32_t size, unsigned flags)
{
	return RING_ENTRIES + 2ull * size + ((flags & VMB_VIRTQ_EVENT_IDX) ? 2u : 0u);
}

static uint64_t used_bytes(uint32_t size, unsigned flags)
{
	return RING_ENTRIES + (uint64_t)USED_ELEM_SIZE * size +
	       ((flags & VMB_VIRTQ_EVENT_IDX) ? 2u : 0u);
}

int vmb_virtq_init(struct vmb_virtq *q, struct vmb_guest *guest,
		   const struct vmb_virtq_config *cfg, struct vmb_error *err)
{
	if (q == NULL || guest == NULL || cfg == NULL)
		return fail(err, VMB_EINVALID_ARGUMENT);
	if (cfg->size == 0 || cfg->size > VMB_VIRTQ_MAX_SIZE || (cfg->size & (cfg->size - 1)) != 0 ||
	    (cfg->flags & ~(VMB_VIRTQ_EVENT_IDX | VMB_VIRTQ_STRICT)) != 0)
		return fail(err, VMB_EINVALID_ARGUMENT);

	const uint64_t addr[3] = { cfg->desc, cfg->avail, cfg->used };
	const uint64_t align[3] = { 16, 2, 4 };
	const uint64_t len[3] = { (uint64_t)DESC_SIZE * cfg->size, avail_bytes(cfg->size, cfg->flags),
				  used_bytes(cfg->size, cfg->flags) };

	for (int i = 0; i < 3; i++) {
		if ((addr[i] & (align[i] - 1)) != 0) {
			fail_addr(err, VMB_EMISALIGNED, addr[i]);
			if (err != NULL)
				err->alignment = align[i];
			return VMB_EMISALIGNED;
		}
	}
	/*
	 * Each area mapped in full (G10; a range that wraps past 2^64 is not).
	 * Once vmbytes has permissions, the table and the avail ring are to be
	 * checked for reading, the used ring for writing.
	 */
	for (int i = 0; i < 3; i++)
		if (!vmb_guest_check_range(guest, addr[i], (size_t)len[i]))
			return fail_addr(err, VMB_EINVALID_GUEST_ADDRESS, addr[i]);

	memset(q, 0, sizeof(*q));
	q->guest = guest;
	q->mem = vmb_guest_bytes(guest);
	q->desc = cfg->desc;
	q->avail = cfg->avail;
	q->used = cfg->used;
	q->size = cfg->size;
	q->flags = cfg->flags;
	return 0;
}

int vmb_virtq_set_bytes(struct vmb_virtq *q, struct vmb_bytes mem)
{
	if (q == NULL || mem.ops == NULL)
		return VMB_EINVALID_ARGUMENT;
	q->mem = mem;
	return 0;
}

int vmb_virtq_restore(struct vmb_virtq *q, uint16_t next_avail, uint16_t next_used)
{
	if (q == NULL)
		return VMB_EINVALID_ARGUMENT;
	q->next_avail = next_avail;
	q->next_used = next_used;
	q->num_added = 0;
	return 0;
}

static int load16(struct vmb_virtq *q, uint64_t addr, struct vmb_ordering order, uint16_t *out,
		  struct vmb_error *err)
{
	uint64_t v = 0;
	int rc = vmb_bytes_load(q->mem, addr, 2, order, &v, err);

	/* The rings are little-endian (virtio 1.x); a load is host order. */
	*out = vmb_le16_to((vmb_le16){ (uint16_t)v });
	return rc;
}

static int store16(struct vmb_virtq *q, uint64_t addr, uint16_t v, struct vmb_ordering order,
		   struct vmb_error *err)
{
	return vmb_bytes_store(q->mem, addr, 2, order, vmb_le16_from(v).raw, err);
}

int vmb_virtq_avail_idx(struct vmb_virtq *q, uint16_t *idx, struct vmb_error *err)
{
	if (q == NULL || idx == NULL)
		return fail(err, VMB_EINVALID_ARGUMENT);
	/* Acquire pairs with the driver's release store of avail idx: the
	 * ring entries and descriptors published before it are visible. */
	return load16(q, q->avail + RING_IDX, VMB_ACQUIRE, idx, err);
}

/* The walk of one chain: which table, where in it, how many reads left. */
struct walk {
	uint64_t table;
	uint32_t entries;
	uint32_t budget;
	uint32_t index;
	bool indirect;
};

/* One 16-byte descriptor, read once (what is checked is what is used). */
static int read_desc(struct vmb_virtq *q, const struct walk *w, struct vmb_virtq_desc *d,
		     struct vmb_error *err)
{
	struct {
		vmb_le64 addr;
		vmb_le32 len;
		vmb_le16 flags, next;
	} raw;
	VMB_STATIC_ASSERT(sizeof(raw) == DESC_SIZE, "a descriptor is 16 bytes");

	/* w->index < w->entries, and the table fits below 2^64 (switch_table). */
	int rc = vmb_bytes_read_obj(q->mem, w->table + (uint64_t)DESC_SIZE * w->index, &raw,
				    sizeof(raw), err);

	q->steps++;
	if (rc != 0)
		return rc;
	d->addr = vmb_le64_to(raw.addr);
	d->len = vmb_le32_to(raw.len);
	d->flags = vmb_le16_to(raw.flags);
	d->next = vmb_le16_to(raw.next);
	return 0;
}

/* Continue the walk in the indirect table @d names. */
static int switch_table(struct walk *w, const struct vmb_virtq_desc *d, struct vmb_error *err)
{
	if (w->indirect)
		return fail(err, VMB_VIRTQ_ENESTED);
	/* A table must hold whole descriptors, at least one, and end by 2^64. */
	if (d->len == 0 || d->len % DESC_SIZE != 0 || d->len / DESC_SIZE > VMB_VIRTQ_INDIRECT_MAX ||
	    d->len - 1 > UINT64_MAX - d->addr)
		return fail_addr(err, VMB_VIRTQ_EINDIRECT, d->addr);
	w->table = d->addr;
	w->entries = d->len / DESC_SIZE;
	w->budget = w->entries;
	w->index = 0;
	w->indirect = true;
	return 0;
}

/* Account for buffer @d in @c (the checks of virtio 2.7.5.2 and strict mode). */
static int add_buf(struct vmb_virtq *q, struct vmb_virtq_chain *c, struct vmb_virtq_desc *bufs,
		   size_t cap, const struct vmb_virtq_desc *d, struct vmb_error *err)
{
	bool writable = (d->flags & VMB_VIRTQ_DESC_F_WRITE) != 0;
	uint32_t total = c->readable_len + c->writable_len;

	/* virtio 2.7.5.2: a chain of 2^32 bytes or more is the driver's error. */
	if (d->len > UINT32_MAX - total)
		return fail(err, VMB_VIRTQ_ELENGTH);
	if (q->flags & VMB_VIRTQ_STRICT) {
		if (d->len == 0)
			return fail(err, VMB_VIRTQ_EZERO_LENGTH);
		/* Zero lengths are refused above, so writable bytes mean a
		 * writable buffer came before. */
		if (!writable && c->writable_len > 0)
			return fail(err, VMB_VIRTQ_EORDER);
	}
	if (c->nbufs >= cap)
		return fail(err, VMB_VIRTQ_ECAPACITY);
	bufs[c->nbufs++] = *d;
	if (writable)
		c->writable_len += d->len;
	else
		c->readable_len += d->len;
	return 0;
}

int vmb_virtq_pop(struct vmb_virtq *q, struct vmb_virtq_chain *chain,
		  struct vmb_virtq_desc *bufs, size_t cap, struct vmb_error *err)
{
	uint16_t avail, head;
	int rc;

	if (q == NULL || chain == NULL || (bufs == NULL && cap > 0))
		return fail(err, VMB_EINVALID_ARGUMENT);
	rc = vmb_virtq_avail_idx(q, &avail, err);
	if (rc != 0)
		return rc;
	/* The driver never has more than size chains outstanding (vm-virtio's
	 * check): a bigger distance is a broken or hostile idx. */
	uint16_t pending = (uint16_t)(avail - q->next_avail);

	if (pending == 0)
		return 0;
	if (pending > q->size)
		return fail_addr(err, VMB_VIRTQ_EAVAIL_INDEX, avail);
	/* Relaxed: the acquire load of avail idx ordered this entry. */
	rc = load16(q, q->avail + RING_ENTRIES + 2ull * (q->next_avail & (q->size - 1)), VMB_RELAXED,
		    &head, err);
	if (rc != 0)
		return rc;
	q->next_avail++;
	memset(chain, 0, sizeof(*chain));
	chain->head = head;
	chain->bufs = bufs;
	if (head >= q->size)
		return fail_addr(err, VMB_VIRTQ_EINDEX, head);

	struct walk w = { q->desc, q->size, q->size, head, false };

	for (;;) {
		struct vmb_virtq_desc d;

		if (w.budget == 0) {
			/* Only a loop (or an indirect table's overlong chain) gets here. */
			if (q->flags & VMB_VIRTQ_STRICT)
				return fail(err, VMB_VIRTQ_ELOOP);
			chain->truncated = true;
			return 1;
		}
		w.budget--;
		rc = read_desc(q, &w, &d, err);
		if (rc != 0)
			return rc;
		if (d.flags & VMB_VIRTQ_DESC_F_INDIRECT) {
			rc = switch_table(&w, &d, err);
			if (rc != 0)
				return rc;
			continue;
		}
		rc = add_buf(q, chain, bufs, cap, &d, err);
		if (rc != 0)
			return rc;
		if (!(d.flags & VMB_VIRTQ_DESC_F_NEXT))
			return 1;
		if (d.next >= w.entries)
			return fail_addr(err, VMB_VIRTQ_EINDEX, d.next);
		w.index = d.next;
	}
}

int vmb_virtq_buf_slices(const struct vmb_virtq *q, const struct vmb_virtq_desc *buf,
			 struct vmb_slices_iter *it)
{
	if (q == NULL || buf == NULL || it == NULL)
		return VMB_EINVALID_ARGUMENT;
	vmb_guest_slices_init(it, q->guest, buf->addr, buf->len);
	return 0;
}

int vmb_virtq_add_used(struct vmb_virtq *q, uint16_t head, uint32_t len, struct vmb_error *err)
{
	if (q == NULL)
		return fail(err, VMB_EINVALID_ARGUMENT);
	if (head >= q->size)
		return fail_addr(err, VMB_VIRTQ_EINDEX, head);

	struct {
		vmb_le32 id, len;
	} elem = { vmb_le32_from(head), vmb_le32_from(len) };
	uint64_t at = q->used + RING_ENTRIES + (uint64_t)USED_ELEM_SIZE * (q->next_used & (q->size - 1));
	int rc = vmb_bytes_write_obj(q->mem, at, &elem, sizeof(elem), err);

	if (rc != 0)
		return rc;
	/* Release: a driver that acquire-loads used idx sees the element whole. */
	rc = store16(q, q->used + RING_IDX, (uint16_t)(q->next_used + 1), VMB_RELEASE, err);
	if (rc != 0)
		return rc;
	q->next_used++;
	q->num_added++;
	return 0;
}

int vmb_virtq_needs_notification(struct vmb_virtq *q, bool *notify, struct vmb_error *err)
{
	uint16_t v;
	int rc;

	if (q == NULL || notify == NULL)
		return fail(err, VMB_EINVALID_ARGUMENT);
	/* The used idx store before the read of the driver's wish: else both
	 * sides can miss each other's update (virtio 2.7.10). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (q->flags & VMB_VIRTQ_EVENT_IDX) {
		rc = load16(q, q->avail + RING_ENTRIES + 2ull * q->size, VMB_RELAXED, &v, err);
		if (rc != 0)
			return rc;
		uint16_t old = (uint16_t)(q->next_used - q->num_added);

		/* vring_need_event: used_event among the entries old .. next_used - 1. */
		*notify = (uint16_t)(q->next_used - v - 1) < (uint16_t)(q->next_used - old);
		q->num_added = 0;
		return 0;
	}
	rc = load16(q, q->avail + RING_FLAGS, VMB_RELAXED, &v, err);
	if (rc != 0)
		return rc;
	*notify = !(v & VMB_VIRTQ_AVAIL_F_NO_INTERRUPT);
	q->num_added = 0;
	return 0;
}

int vmb_virtq_enable_notification(struct vmb_virtq *q, bool *more, struct vmb_error *err)
{
	uint16_t avail;
	int rc;

	if (q == NULL || more == NULL)
		return fail(err, VMB_EINVALID_ARGUMENT);
	if (q->flags & VMB_VIRTQ_EVENT_IDX)
		rc = store16(q, q->used + RING_ENTRIES + (uint64_t)USED_ELEM_SIZE * q->size,
			     q->next_avail, VMB_RELAXED, err);
	else
		rc = store16(q, q->used + RING_FLAGS, 0, VMB_RELAXED, err);
	if (rc != 0)
		return rc;
	/* The wish before the re-check of avail idx: a chain the driver added
	 * without seeing the wish is found here. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	rc = vmb_virtq_avail_idx(q, &avail, err);
	if (rc != 0)
		return rc;
	*more = avail != q->next_avail;
	return 0;
}

int vmb_virtq_disable_notification(struct vmb_virtq *q, struct vmb_error *err)
{
	if (q == NULL)
		return fail(err, VMB_EINVALID_ARGUMENT);
	if (q->flags & VMB_VIRTQ_EVENT_IDX)
		return 0;
	return store16(q, q->used + RING_FLAGS, VMB_VIRTQ_USED_F_NO_NOTIFY, VMB_RELAXED, err);
}

const char *vmb_virtq_error_name(int code)
{
	static const char *const names[] = { "avail_index", "index",       "indirect",
					     "nested",      "length",      "capacity",
					     "zero_length", "order",       "loop" };

	if (code <= VMB_VIRTQ_EAVAIL_INDEX && code >= VMB_VIRTQ_ELOOP)
		return names[VMB_VIRTQ_EAVAIL_INDEX - code];
	return vmb_error_name(code);
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Guest memory access (SPEC G4-G10): the walk over the regions, the
 * container of bytes.h, and the out-of-line halves of guest.h's inline
 * access paths. The set of regions itself is guest.c.
 */
#include "guest_internal.h"

int vmb_guest_get_host_address(const struct vmb_guest *g, uint64_t addr, void **host,
			       struct vmb_error *err)
{
	if (g == NULL || host == NULL)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);

	struct vmb_region *r = vmb_guest_find_region(g, addr);

	if (r == NULL)
		return vmb__fail_guest_addr(err, addr);
	*host = (uint8_t *)vmb_region_host_base(r) + (addr - vmb_region_start(r));
	return 0;
}

/*
 * The G4 walk. One chunk: the bytes from @cur to the end of its region, at
 * most @left. Returns 1 with the chunk, 0 when @cur is in a hole.
 */
static int chunk_at(const struct vmb_guest *g, uint64_t cur, size_t left, struct vmb_region **r,
		    uint64_t *off, size_t *len)
{
	size_t i = vmb__guest_index(g, cur);

	if (i == g->n)
		return 0;
	*r = g->head.slots[i].r;
	*off = cur - g->fast[i].start;
	/* At this point: off < region len, so cap >= 1. */
	uint64_t cap = g->fast[i].len - *off;

	*len = cap < left ? (size_t)cap : left;
	return 1;
}

/* G4: advance past a chunk; a wrap to exactly 0 is allowed, others are not. */
static int advance(uint64_t *cur, size_t chunk, struct vmb_error *err)
{
	if (vmb_add_overflow_u64(*cur, chunk, cur) && *cur != 0)
		return vmb__fail(err, VMB_EGUEST_ADDRESS_OVERFLOW);
	return 0;
}

/* The volatile I/O operations; write and read have copy_walk(). */
enum op { OP_READ_FROM, OP_WRITE_TO };

struct op_args {
	enum op op;
	struct vmb_source *src; /* OP_READ_FROM */
	struct vmb_sink *dst;   /* OP_WRITE_TO */
};

/* One chunk of one operation: @len bytes at offset @off of region @r;
 * *moved = bytes moved. */
static int do_chunk(const struct op_args *a, const struct vmb_region *r, uint64_t off,
		    size_t len, size_t *moved, struct vmb_error *err)
{
	const struct vmb_slice *whole = vmb__region_slice(r);

	*moved = 0;
	switch (a->op) {
	case OP_READ_FROM:
		/* G7: one read per chunk. */
		return vmb_slice_read_volatile_from(*whole, off, a->src, len, moved, err);
	case OP_WRITE_TO: {
		/* G7: a sink may have side effects, so each chunk goes whole. */
		struct vmb_slice chunk = *whole;

		return vmb__bytes_write_all(vmb_slice_bytes(&chunk), off, a->dst, len, moved, err);
	}
	}
	return vmb__fail(err, VMB_EINVALID_ARGUMENT);
}

/* One chunk of copy_walk(): @len bytes at offset @off of slot @s. */
VMB_INLINE void copy_chunk(const struct vmb__guest_slot *s, uint64_t off, uint8_t *buf,
			   size_t len, bool to_guest)
{
	if (to_guest) {
		vmb_copy(s->host + off, buf, len);
		/* S11: region-relative. */
		if (s->bitmap != NULL)
			vmb_bitmap_mark(s->bitmap, (size_t)off, len);
	} else {
		vmb_copy(buf, s->host + off, len);
	}
}

/*
 * G4 for write and read, the walk with nothing but copies (@to_guest a
 * constant at each use): the first chunk's slot from the hot one or the
 * search, each later chunk in the next slot or nowhere.
 */
VMB_INLINE int copy_walk(const struct vmb_guest *g, uint64_t addr, uint8_t *buf, size_t n,
			 bool to_guest, size_t *done, struct vmb_error *err)
{
	size_t i = vmb__guest_index(g, addr), total = 0;
	int rc = 0;

	/* G4: a hole first is an error. */
	if (i == g->n) {
		vmb__set_done(done, 0);
		return vmb__fail_guest_addr(err, addr);
	}

	const struct vmb__guest_slot *s = &g->fast[i], *end = g->fast + g->n;
	uint64_t off = addr - s->start, first = s->len - off;

	/*
	 * The common crossing first, without the loop's bookkeeping: the rest
	 * fits in the next slot and that slot starts where this one ends.
	 * `start + len` needs no overflow check here: the slots are sorted and
	 * disjoint, so a sum that wrapped (to 0 or not) is below s[1].start.
	 */
	if (first < n && s + 1 != end && s[1].start == s->start + s->len &&
	    n - first <= s[1].len) {
		size_t second = n - (size_t)first;

		if (first > VMB__COPY_INLINE_MAX && second > VMB__COPY_INLINE_MAX) {
			/* Both above what vmb_copy() does inline: straight to
			 * the function it would call. */
			vmb__copy_fn f = __atomic_load_n(&vmb__copy_large, __ATOMIC_RELAXED);

			if (to_guest) {
				f(s->host + off, buf, (size_t)first);
				f(s[1].host, buf + first, second);
			} else {
				f(buf, s->host + off, (size_t)first);
				f(buf + first, s[1].host, second);
			}
			if (to_guest && s->bitmap != NULL)
				vmb_bitmap_mark(s->bitmap, (size_t)off, (size_t)first);
			if (to_guest && s[1].bitmap != NULL)
				vmb_bitmap_mark(s[1].bitmap, 0, second);
		} else {
			copy_chunk(s, off, buf, (size_t)first, to_guest);
			copy_chunk(s + 1, 0, buf + first, second, to_guest);
		}
		vmb__set_done(done, n);
		return 0;
	}

	/* At this point: [addr, addr + total) is done, s holds addr + total at
	 * offset off, and total < n. */
	for (;;) {
		uint64_t cap = s->len - off, next;
		size_t len = cap < n - total ? (size_t)cap : n - total;

		copy_chunk(s, off, buf + total, len, to_guest);
		total += len;
		if (total == n)
			break;
		/* G4: the chunk ran to the region's end; a wrap to exactly 0 is
		 * allowed, others are not (G1 leaves none). */
		if (vmb_add_overflow_u64(s->start, s->len, &next) && next != 0) {
			rc = vmb__fail(err, VMB_EGUEST_ADDRESS_OVERFLOW);
			break;
		}
		/* G4: only the next slot can hold the next address (the slots are
		 * sorted and disjoint); else it is a hole and the walk ends. */
		if (++s == end || s->start != next)
			break;
		off = 0;
	}
	vmb__set_done(done, total);
	return rc;
}

VMB_INLINE int write_walk(const struct vmb_guest *g, uint64_t addr, const void *buf, size_t n,
		      size_t *done, struct vmb_error *err)
{
	/* The walk only reads buf on this path. */
	return copy_walk(g, addr, (uint8_t *)(uintptr_t)buf, n, true, done, err);
}

VMB_INLINE int read_walk(const struct vmb_guest *g, uint64_t addr, void *buf, size_t n,
		     size_t *done, struct vmb_error *err)
{
	return copy_walk(g, addr, buf, n, false, done, err);
}

static int walk(const struct vmb_guest *g, uint64_t addr, size_t n, const struct op_args *a,
		size_t *done, struct vmb_error *err)
{
	uint64_t cur = addr;
	size_t total = 0;
	int rc = 0;

	vmb__set_done(done, 0);
	/* G5: nothing to move is ok 0 at any address. */
	if (n == 0)
		return 0;

	size_t i = vmb__guest_index(g, addr);

	/* G4: a hole first is an error. */
	if (i == g->n)
		return vmb__fail_guest_addr(err, addr);
	/* At this point: [addr, cur) is done, total == cur - addr (mod 2^64),
	 * and slot i holds cur. */
	for (;;) {
		const struct vmb__guest_slot *s = &g->fast[i];
		uint64_t off = cur - s->start;
		/* At this point: off < len, so cap >= 1. */
		uint64_t cap = s->len - off;
		size_t len = cap < n - total ? (size_t)cap : n - total, moved;

		rc = do_chunk(a, g->head.slots[i].r, off, len, &moved, err);
		total += moved;
		if (rc != 0) {
			/* G9: what the slice said, as guest memory says it. */
			rc = vmb__map_backend_error(err, rc);
			break;
		}
		/* G7 [diverges]: a short chunk ends the walk, no gap is left. */
		if (moved < len)
			break;
		rc = advance(&cur, len, err);
		if (rc != 0 || total == n)
			break;
		/*
		 * G4: cur is one past slot i's last address, so only slot i + 1
		 * can hold it (the slots are sorted and disjoint); if it does
		 * not, cur is in a hole and the walk ends with what it moved.
		 */
		if (++i == g->n || g->fast[i].start != cur)
			break;
	}
	vmb__set_done(done, total);
	return rc;
}

bool vmb_guest_check_range(const struct vmb_guest *g, uint64_t addr, size_t n)
{
	struct vmb_slices_iter it;
	struct vmb_slice s;
	size_t seen = 0;

	if (g == NULL)
		return false;
	/* G10: true when every chunk is mapped; n == 0 is true. */
	vmb_guest_slices_init(&it, g, addr, n);
	while (vmb_guest_slices_next(&it, &s, NULL) == 1)
		seen += s.len;
	return seen == n;
}

int vmb_guest_get_slice(const struct vmb_guest *g, uint64_t addr, size_t n, struct vmb_slice *out,
			struct vmb_error *err)
{
	if (g == NULL || out == NULL)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);

	struct vmb_region *r = vmb_guest_find_region(g, addr);

	if (r == NULL)
		return vmb__fail_guest_addr(err, addr);
	return vmb_region_get_slice(r, addr - vmb_region_start(r), n, out, err);
}

void vmb_guest_slices_init(struct vmb_slices_iter *it, const struct vmb_guest *g, uint64_t addr,
			   size_t n)
{
	if (it == NULL)
		return;
	it->g = g;
	it->cur = addr;
	it->remaining = n;
	it->fused = g == NULL;
}

int vmb_guest_slices_next(struct vmb_slices_iter *it, struct vmb_slice *out,
			  struct vmb_error *err)
{
	struct vmb_region *r;
	uint64_t off;
	size_t len;
	int rc;

	if (it == NULL || out == NULL)
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	if (it->fused || it->remaining == 0)
		return 0;
	if (!chunk_at(it->g, it->cur, it->remaining, &r, &off, &len)) {
		/* G10: a hole is an error, after which the walk stops for good. */
		it->fused = true;
		return vmb__fail_guest_addr(err, it->cur);
	}
	rc = vmb_slice_subslice(*vmb__region_slice(r), off, len, out, err);
	if (rc == 0)
		rc = advance(&it->cur, len, err);
	if (rc != 0) {
		it->fused = true;
		return vmb__map_backend_error(err, rc);
	}
	it->remaining -= len;
	return 1;
}

/* The guest memory as a container. */
static int g_write(void *self, uint64_t addr, const void *buf, size_t len, size_t *done,
		   struct vmb_error *err)
{
	/* G5: the generic layer returned for len == 0. */
	return write_walk(self, addr, buf, len, done, err);
}

static int g_read(void *self, uint64_t addr, void *buf, size_t len, size_t *done,
		  struct vmb_error *err)
{
	return read_walk(self, addr, buf, len, done, err);
}

static int g_read_from(void *self, uint64_t addr, struct vmb_source *src, size_t n, size_t *done,
		       struct vmb_error *err)
{
	struct op_args a = { .op = OP_READ_FROM, .src = src };

	return walk(self, addr, n, &a, done, err);
}

static int g_write_to(void *self, uint64_t addr, struct vmb_sink *dst, size_t n, size_t *done,
		      struct vmb_error *err)
{
	struct op_args a = { .op = OP_WRITE_TO, .dst = dst };

	return walk(self, addr, n, &a, done, err);
}

static int g_store(void *self, uint64_t addr, unsigned width, struct vmb_ordering order,
		   uint64_t v, struct vmb_error *err)
{
	struct vmb_region *r = vmb_guest_find_region(self, addr);

	/* G8: the first chunk only; its region's slice errors mapped by G9. */
	if (r == NULL)
		return vmb__fail_guest_addr(err, addr);
	return vmb__map_backend_error(err, vmb_slice_store(*vmb__region_slice(r),
							   addr - vmb_region_start(r), width, order,
							   v, err));
}

static int g_load(void *self, uint64_t addr, unsigned width, struct vmb_ordering order,
		  uint64_t *v, struct vmb_error *err)
{
	struct vmb_region *r = vmb_guest_find_region(self, addr);

	/* G8. */
	if (r == NULL)
		return vmb__fail_guest_addr(err, addr);
	return vmb__map_backend_error(err, vmb_slice_load(*vmb__region_slice(r),
							  addr - vmb_region_start(r), width, order,
							  v, err));
}

/*
 * W2: 0 when every byte of [addr, addr + n) is in a region, else
 * InvalidGuestAddress naming the first byte that is not. The G4 walk
 * without the copies; n > 0.
 */
static int whole_range(const struct vmb_guest *g, uint64_t addr, size_t n, struct vmb_error *err)
{
	size_t i = vmb__guest_index(g, addr), left = n;
	uint64_t cur = addr;

	if (i == g->n)
		return vmb__fail_guest_addr(err, addr);
	for (;;) {
		const struct vmb__guest_slot *s = &g->fast[i];
		/* At this point: cur is in slot i, so cap >= 1. */
		uint64_t cap = s->len - (cur - s->start);

		if (cap >= left)
			return 0;
		left -= (size_t)cap;
		/* G1: a region ends at or below UINT64_MAX, so this cannot wrap;
		 * no region holds UINT64_MAX, so a range past it fails below. */
		cur += cap;
		if (++i == g->n || g->fast[i].start != cur)
			return vmb__fail_guest_addr(err, cur);
	}
}

static int g_check_whole(void *self, uint64_t addr, size_t n, struct vmb_error *err)
{
	return n == 0 ? 0 : whole_range(self, addr, n, err);
}

static int g_rmw(void *self, uint64_t addr, unsigned width, const struct vmb_rmw *req,
		 uint64_t *old, struct vmb_error *err)
{
	struct vmb_region *r = vmb_guest_find_region(self, addr);

	/* G8's terms: the first chunk only; its region's slice errors mapped by G9. */
	if (r == NULL)
		return vmb__fail_guest_addr(err, addr);
	return vmb__map_backend_error(err, vmb_slice_rmw(*vmb__region_slice(r),
							 addr - vmb_region_start(r), width, req, old,
							 err));
}

static const struct vmb_bytes_ops guest_ops = {
	.name = "guest",
	.exact = VMB_EXACT_COMPARE,
	.write = g_write,
	.read = g_read,
	.read_volatile_from = g_read_from,
	.write_volatile_to = g_write_to,
	.store = g_store,
	.load = g_load,
	.check_range = g_check_whole,
	.rmw = g_rmw,
};

struct vmb_bytes vmb_guest_bytes(struct vmb_guest *g)
{
	struct vmb_bytes b = { g ? &guest_ops : NULL, g };

	return b;
}

/* The out-of-line halves of guest.h: vmb_bytes_write() and the others on
 * vmb_guest_bytes(g), with the table of operations known. */
static int bad_arg(struct vmb_error *err)
{
	return vmb__fail(err, VMB_EINVALID_ARGUMENT);
}

/*
 * The checks of a write or read in SPEC order, then the walk. G5: an empty
 * buffer is ok 0 before any other check. The walk sets *@done on each of
 * its returns; *@done is stored once, at the end (a store at entry cost
 * the 512 B crossings 10-15%). Always inline: each caller gets its own
 * walk (an outlined shared part cost the 512 B crossings a call).
 */
__attribute__((always_inline)) static inline int
write_checked(struct vmb_guest *g, uint64_t addr, const void *buf, size_t len, size_t *done,
	      struct vmb_error *err)
{
	if (g == NULL || len == 0 || buf == NULL) {
		vmb__set_done(done, 0);
		return g != NULL && len == 0 ? 0 : bad_arg(err);
	}
	return write_walk(g, addr, buf, len, done, err);
}

__attribute__((always_inline)) static inline int
read_checked(struct vmb_guest *g, uint64_t addr, void *buf, size_t len, size_t *done,
	     struct vmb_error *err)
{
	if (g == NULL || len == 0 || buf == NULL) {
		vmb__set_done(done, 0);
		return g != NULL && len == 0 ? 0 : bad_arg(err);
	}
	return read_walk(g, addr, buf, len, done, err);
}

int vmb__guest_write_slow(struct vmb_guest *g, uint64_t addr, const void *buf, size_t len,
			  size_t *done, struct vmb_error *err)
{
	return write_checked(g, addr, buf, len, done, err);
}

int vmb__guest_read_slow(struct vmb_guest *g, uint64_t addr, void *buf, size_t len,
			 size_t *done, struct vmb_error *err)
{
	return read_checked(g, addr, buf, len, done, err);
}

/* S4, G6: the first n bytes were written (read); the shortfall is the error. */
int vmb__guest_write_slice_slow(struct vmb_guest *g, uint64_t addr, const void *buf, size_t len,
				struct vmb_error *err)
{
	size_t n = 0;
	int rc = write_checked(g, addr, buf, len, &n, err);

	return vmb__exact_result(rc, n, len, err);
}

int vmb__guest_read_slice_slow(struct vmb_guest *g, uint64_t addr, void *buf, size_t len,
			       struct vmb_error *err)
{
	size_t n = 0;
	int rc = read_checked(g, addr, buf, len, &n, err);

	return vmb__exact_result(rc, n, len, err);
}

int vmb__guest_store_slow(struct vmb_guest *g, uint64_t addr, unsigned width,
			  struct vmb_ordering order, uint64_t v, struct vmb_error *err)
{
	/* S9 [diverges]: the ordering is checked before anything else. */
	if (g == NULL || !vmb_order_valid_for_store(order) || !vmb_width_valid(width))
		return bad_arg(err);
	return g_store(g, addr, width, order, v, err);
}

int vmb__guest_load_slow(struct vmb_guest *g, uint64_t addr, unsigned width,
			 struct vmb_ordering order, uint64_t *v, struct vmb_error *err)
{
	/* S9 [diverges]. */
	if (g == NULL || !vmb_order_valid_for_load(order) || !vmb_width_valid(width) || v == NULL)
		return bad_arg(err);
	return g_load(g, addr, width, order, v, err);
}

/* W1, W2, W4: the whole range checked, then G6's copy, which cannot stop short. */
int vmb__guest_write_whole_slow(struct vmb_guest *g, uint64_t addr, const void *buf, size_t len,
				struct vmb_error *err)
{
	if (g == NULL || (len > 0 && buf == NULL))
		return bad_arg(err);
	if (len == 0)
		return 0;
	int rc = whole_range(g, addr, len, err);

	return rc != 0 ? rc : vmb__guest_write_slice_slow(g, addr, buf, len, err);
}

int vmb__guest_read_whole_slow(struct vmb_guest *g, uint64_t addr, void *buf, size_t len,
			       struct vmb_error *err)
{
	if (g == NULL || (len > 0 && buf == NULL))
		return bad_arg(err);
	if (len == 0)
		return 0;
	int rc = whole_range(g, addr, len, err);

	return rc != 0 ? rc : vmb__guest_read_slice_slow(g, addr, buf, len, err);
}

int vmb_guest_rmw(struct vmb_guest *g, uint64_t addr, unsigned width, const struct vmb_rmw *r,
		  uint64_t *old, struct vmb_error *err)
{
	/* A1, A2: the request first, touching nothing. */
	if (g == NULL || !vmb_rmw_valid(r) || !vmb_width_valid(width) || old == NULL)
		return bad_arg(err);
	return g_rmw(g, addr, width, r, old, err);
}

/* G13: the reference's address helpers over the region set. */
bool vmb_guest_address_in_range(const struct vmb_guest *g, uint64_t addr)
{
	return vmb_guest_find_region(g, addr) != NULL;
}

int vmb_guest_checked_offset(const struct vmb_guest *g, uint64_t base, uint64_t offset,
			     uint64_t *out, struct vmb_error *err)
{
	uint64_t a;

	if (g == NULL || out == NULL)
		return bad_arg(err);
	if (vmb_add_overflow_u64(base, offset, &a))
		return vmb__fail(err, VMB_EGUEST_ADDRESS_OVERFLOW);
	if (vmb_guest_find_region(g, a) == NULL)
		return vmb__fail_guest_addr(err, a);
	*out = a;
	return 0;
}

int vmb_guest_to_region_addr(const struct vmb_guest *g, uint64_t addr, struct vmb_region **r,
			     uint64_t *off, struct vmb_error *err)
{
	if (g == NULL || r == NULL || off == NULL)
		return bad_arg(err);

	struct vmb_region *f = vmb_guest_find_region(g, addr);

	if (f == NULL)
		return vmb__fail_guest_addr(err, addr);
	*r = f;
	*off = addr - vmb_region_start(f);
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* Guest memory: many regions, one address space (SPEC G2-G10). */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

/*
 * One region of a guest memory, with its bounds beside the pointer: the
 * search reads only this array (no region struct, no call per step), which
 * kept find_region over 1024 regions at under 2x its time over 16. A
 * region's start cannot change while a guest memory owns it.
 */
struct slot {
	uint64_t start, last;
	struct vmb_region *r;
};

struct vmb_guest {
	struct slot *slots; /* sorted by start, pairwise disjoint */
	size_t n;
	size_t cap;
};

static struct slot slot_of(struct vmb_region *r)
{
	struct slot s = { vmb_region_start(r), vmb_region_last_addr(r), r };

	return s;
}

/* G2: the pairwise checks, in the reference's order. */
static int check_pair(const struct vmb_region *prev, const struct vmb_region *next,
		      struct vmb_error *err)
{
	if (vmb_region_start(prev) > vmb_region_start(next))
		return vmb__fail(err, VMB_EUNSORTED_MEMORY_REGIONS);
	if (vmb_region_last_addr(prev) >= vmb_region_start(next))
		return vmb__fail(err, VMB_EMEMORY_REGION_OVERLAP);
	return 0;
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

	if (g == NULL || (g->slots = calloc(n, sizeof(*g->slots))) == NULL) {
		free(g);
		return vmb__fail_errno(err, ENOMEM);
	}
	for (size_t i = 0; i < n; i++) {
		g->slots[i] = slot_of(regions[i]);
		vmb__region_set_owned(regions[i], true);
	}
	g->n = g->cap = n;
	*out = g;
	return 0;
}

void vmb_guest_free(struct vmb_guest *g)
{
	if (g == NULL)
		return;
	for (size_t i = 0; i < g->n; i++)
		vmb_region_free(g->slots[i].r);
	free(g->slots);
	free(g);
}

/* The index of the last region with start <= addr, or n when none. */
static size_t upper_index(const struct vmb_guest *g, uint64_t addr)
{
	const struct slot *base = g->slots;
	size_t n = g->n;

	if (n == 0 || base[0].start > addr)
		return g->n;
	/*
	 * At this point: base[0].start <= addr, and the answer is in
	 * [base, base + n). Halve n keeping both; the step is a conditional
	 * move, not a branch, since random addresses would mispredict half
	 * the time.
	 */
	while (n > 1) {
		size_t half = n / 2;

		base = base[half].start <= addr ? base + half : base;
		n -= half;
	}
	return (size_t)(base - g->slots);
}

struct vmb_region *vmb_guest_find_region(const struct vmb_guest *g, uint64_t addr)
{
	if (g == NULL)
		return NULL;

	/* G3: binary search, O(log regions). */
	size_t i = upper_index(g, addr);

	if (i == g->n || addr > g->slots[i].last)
		return NULL;
	return g->slots[i].r;
}

int vmb_guest_insert(struct vmb_guest *g, struct vmb_region *r, struct vmb_error *err)
{
	if (g == NULL || r == NULL || vmb__region_owned(r))
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);

	/* The insertion point: after every region that starts at or before r. */
	size_t i = upper_index(g, vmb_region_start(r));
	size_t at = i == g->n ? 0 : i + 1;

	/* G2: touching neighbours are fine, overlapping ones are not. */
	if (at > 0 && g->slots[at - 1].last >= vmb_region_start(r))
		return vmb__fail(err, VMB_EMEMORY_REGION_OVERLAP);
	if (at < g->n && vmb_region_last_addr(r) >= g->slots[at].start)
		return vmb__fail(err, VMB_EMEMORY_REGION_OVERLAP);
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 4;
		struct slot *grown = realloc(g->slots, cap * sizeof(*grown));

		if (grown == NULL)
			return vmb__fail_errno(err, ENOMEM);
		g->slots = grown;
		g->cap = cap;
	}
	for (size_t k = g->n; k > at; k--)
		g->slots[k] = g->slots[k - 1];
	g->slots[at] = slot_of(r);
	g->n++;
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
	if (i == g->n || g->slots[i].start != start || vmb_region_len(g->slots[i].r) != len)
		return vmb__fail(err, VMB_ENO_MEMORY_REGION);
	*out = g->slots[i].r;
	vmb__region_set_owned(*out, false);
	for (size_t k = i; k + 1 < g->n; k++)
		g->slots[k] = g->slots[k + 1];
	g->n--;
	return 0;
}

size_t vmb_guest_num_regions(const struct vmb_guest *g)
{
	return g ? g->n : 0;
}

struct vmb_region *vmb_guest_region_at(const struct vmb_guest *g, size_t i)
{
	return g && i < g->n ? g->slots[i].r : NULL;
}

uint64_t vmb_guest_last_addr(const struct vmb_guest *g)
{
	return g && g->n ? g->slots[g->n - 1].last : 0;
}

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
	struct vmb_region *reg = vmb_guest_find_region(g, cur);

	if (reg == NULL)
		return 0;
	*r = reg;
	*off = cur - vmb_region_start(reg);
	/* At this point: off < region len, so cap >= 1. */
	uint64_t cap = vmb_region_len(reg) - *off;

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

enum op { OP_WRITE, OP_READ, OP_READ_FROM, OP_WRITE_TO };

struct op_args {
	enum op op;
	const uint8_t *in;      /* OP_WRITE */
	uint8_t *out;           /* OP_READ */
	struct vmb_source *src; /* OP_READ_FROM */
	struct vmb_sink *dst;   /* OP_WRITE_TO */
};

/* One chunk of one operation on a region's slice; *moved = bytes moved. */
static int do_chunk(const struct op_args *a, struct vmb_region *r, uint64_t off, size_t len,
		    size_t total, size_t *moved, struct vmb_error *err)
{
	const struct vmb_slice *s = vmb__region_slice(r);

	*moved = 0;
	switch (a->op) {
	case OP_WRITE:
		return vmb_slice_write(*s, off, a->in + total, len, moved, err);
	case OP_READ:
		return vmb_slice_read(*s, off, a->out + total, len, moved, err);
	case OP_READ_FROM:
		/* G7: one read per chunk. */
		return vmb_slice_read_volatile_from(*s, off, a->src, len, moved, err);
	case OP_WRITE_TO: {
		/* G7: a sink may have side effects, so each chunk goes whole. */
		struct vmb_slice chunk = *s;

		return vmb__bytes_write_all(vmb_slice_bytes(&chunk), off, a->dst, len, moved, err);
	}
	}
	return vmb__fail(err, VMB_EINVALID_ARGUMENT);
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
	/* At this point: [addr, cur) is done and total == cur - addr (mod 2^64). */
	while (total < n) {
		struct vmb_region *r;
		uint64_t off;
		size_t len, moved;

		if (!chunk_at(g, cur, n - total, &r, &off, &len)) {
			/* G4: a hole first is an error, a hole later ends the walk. */
			if (total == 0)
				rc = vmb__fail_guest_addr(err, addr);
			break;
		}
		rc = do_chunk(a, r, off, len, total, &moved, err);
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
		if (rc != 0)
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
	struct op_args a = { .op = OP_WRITE, .in = buf };

	return walk(self, addr, len, &a, done, err);
}

static int g_read(void *self, uint64_t addr, void *buf, size_t len, size_t *done,
		  struct vmb_error *err)
{
	struct op_args a = { .op = OP_READ, .out = buf };

	return walk(self, addr, len, &a, done, err);
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

static int g_store(void *self, uint64_t addr, unsigned width, uint64_t v, int order,
		   struct vmb_error *err)
{
	struct vmb_region *r = vmb_guest_find_region(self, addr);

	/* G8: the first chunk only; its region's slice errors mapped by G9. */
	if (r == NULL)
		return vmb__fail_guest_addr(err, addr);
	return vmb__map_backend_error(err, vmb_slice_store(*vmb__region_slice(r),
							   addr - vmb_region_start(r), width, v,
							   order, err));
}

static int g_load(void *self, uint64_t addr, unsigned width, int order, uint64_t *v,
		  struct vmb_error *err)
{
	struct vmb_region *r = vmb_guest_find_region(self, addr);

	/* G8. */
	if (r == NULL)
		return vmb__fail_guest_addr(err, addr);
	return vmb__map_backend_error(err, vmb_slice_load(*vmb__region_slice(r),
							  addr - vmb_region_start(r), width, order,
							  v, err));
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
	.check_range = NULL,
};

struct vmb_bytes vmb_guest_bytes(struct vmb_guest *g)
{
	struct vmb_bytes b = { g ? &guest_ops : NULL, g };

	return b;
}

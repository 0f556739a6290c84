/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The decoder: fuzz input bytes to an op script. The first bytes choose the
 * layout (container length, or regions with holes, touching regions and
 * starts near UINT64_MAX); the rest is a sequence of operations whose
 * operands are biased to the places where off-by-one bugs live.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Lengths that sit on interesting boundaries. */
static const uint64_t edge_lens[] = { 1,     2,     3,     7,     8,     9,     15,   16,
				      17,    0x3ff, 0x400, 0x401, 0xfff, 0x1000, 0x1001, 0x2000 };
#define NEDGE (sizeof(edge_lens) / sizeof(edge_lens[0]))

/* The bounded length of one region or container. */
static uint64_t pick_len(struct vmbf_producer *d, uint64_t max)
{
	uint64_t len;

	if (vmbf_bool(d))
		len = edge_lens[vmbf_u8(d) % NEDGE];
	else
		len = vmbf_range(d, 1, max);
	return len > max ? max : len;
}

struct layout {
	uint64_t start[64], end[64]; /* the ranges ops aim at; end may wrap to 0 */
	size_t n;
	uint64_t prev;               /* the last address used */
};

VMBF_WRAPS static void add_range(struct layout *l, uint64_t start, uint64_t len)
{
	if (l->n < 64) {
		l->start[l->n] = start;
		l->end[l->n] = start + len; /* may wrap: the decoder also makes bad layouts */
		l->n++;
	}
}

/*
 * Once the input has run out, note the line being decoded (set-up lines
 * first, then ops, counted from 0) as the first one that read past its end.
 */
static void checkpoint(const struct vmbf_producer *d, const struct vmbo_script *out,
		       size_t *complete)
{
	size_t lines = out->nsetup + out->nops;

	if (d->ran_out && *complete == SIZE_MAX && lines > 0)
		*complete = lines - 1;
}

VMBF_WRAPS static void decode_regions(const struct vmbf_profile *prof, struct vmbf_producer *d,
				      struct vmbo_script *out, struct layout *l, size_t *complete)
{
	unsigned n = prof->max_regions <= 1 ? 1 : 1 + vmbf_u8(d) % prof->max_regions;
	uint8_t style = vmbf_u8(d) % 8;
	uint64_t lens[64], total = 0, cur;

	if (n > 64) /* no profile asks for more (guest: 8) */
		n = 64;
	for (unsigned i = 0; i < n; i++) {
		lens[i] = pick_len(d, prof->max_len);
		total += lens[i];
	}
	/* Where the first region starts. */
	switch (style) {
	case 0:
	case 1:
	case 2:
		cur = vmbf_bool(d) ? 0 : vmbf_u16(d);
		break;
	case 3: /* the top of the address space: the last region ends at 2^64 - k */
		cur = UINT64_MAX - total - n * 0x1000 - vmbf_range(d, 0, 0x20);
		break;
	case 4: /* around 1 << 63 */
		cur = ((uint64_t)1 << 63) - vmbf_u16(d);
		break;
	default:
		cur = vmbf_u64(d) & ~(uint64_t)0xfff;
		break;
	}
	for (unsigned i = 0; i < n; i++) {
		struct vmbo_setup st = { .kind = VMBO_SETUP_REGION, .start = cur, .len = lens[i] };
		uint8_t gap = vmbf_u8(d);

		st.memfd = gap & 0x80;
		/* Rarely, a layout that set-up must refuse (G1, G2). */
		if (style == 7 && (gap & 0x40))
			st.len = (gap & 1) ? 0 : UINT64_MAX - st.start + 1;
		if (style == 6 && (gap & 0x40) && i > 0)
			st.start = out->setup[out->nsetup - 1].start + (gap & 0x3f);
		vmbo_script_add_setup(out, &st);
		checkpoint(d, out, complete);
		add_range(l, st.start, st.len);
		/* Touching, a small hole, a page-sized hole or a large one. */
		switch (gap & 3) {
		case 0:
			cur = st.start + st.len;
			break;
		case 1:
			cur = st.start + st.len + 1 + (gap >> 2 & 0xf);
			break;
		case 2:
			cur = st.start + st.len + 0x1000;
			break;
		default:
			cur = st.start + st.len + vmbf_u16(d) + 1;
			break;
		}
	}
}

VMBF_WRAPS static uint64_t pick_addr(struct vmbf_producer *d, struct layout *l)
{
	uint8_t mode = vmbf_u8(d);
	size_t r = l->n ? vmbf_u8(d) % l->n : 0;
	uint64_t start = l->n ? l->start[r] : 0, end = l->n ? l->end[r] : 0;
	int64_t delta = (int64_t)((mode >> 4) ^ 8) - 8; /* the high nibble as -8 .. 7 */
	uint64_t a;

	switch (mode % 12) {
	case 0:
	case 1:
		a = start + (uint64_t)delta;
		break;
	case 2:
	case 3:
		a = end + (uint64_t)delta;
		break;
	case 4:
		a = UINT64_MAX - (mode >> 3);
		break;
	case 5:
		a = ((uint64_t)1 << 63) + (uint64_t)delta;
		break;
	case 6:
		a = vmbf_u64(d);
		break;
	case 7:
	case 8:
		a = start + (end > start ? vmbf_range(d, 0, end - start - 1) : 0);
		break;
	case 9:
		a = l->prev + (uint64_t)delta;
		break;
	case 10:
		a = (mode >> 4);
		break;
	default:
		a = end + vmbf_u8(d); /* into the hole after the range */
		break;
	}
	l->prev = a;
	return a;
}

VMBF_WRAPS static uint64_t pick_count(struct vmbf_producer *d, struct layout *l)
{
	uint8_t mode = vmbf_u8(d);
	size_t r = l->n ? mode % l->n : 0;

	switch ((mode >> 4) % 5) {
	case 0:
		return vmbf_u8(d) % 17;
	case 1: /* about a region's length */
		if (l->n == 0)
			return 0;
		return ((l->end[r] - l->start[r]) + (uint64_t)(vmbf_s8(d) % 4)) & 0x3fff;
	case 2:
		return edge_lens[vmbf_u8(d) % NEDGE];
	case 3:
		return vmbf_u16(d) & 0x1fff;
	default:
		return vmbf_u8(d);
	}
}

/*
 * Bytes [from, to) of the filler pattern, 0xa5 ^ (i mod 256) at index i.
 * Copied from a table a period at a time: a byte loop costs a coverage
 * callback per byte.
 */
static void fill_pattern(uint8_t *p, uint64_t from, uint64_t to)
{
	static uint8_t period[256];

	if (period[0] == 0)
		for (unsigned i = 0; i < 256; i++)
			period[i] = (uint8_t)(0xa5 ^ i);
	while (from < to) {
		uint64_t at = from % 256, n = 256 - at < to - from ? 256 - at : to - from;

		memcpy(p + from, period + at, n);
		from += n;
	}
}

static void pick_data(struct vmbf_producer *d, struct vmbo_op *op, uint64_t len)
{
	if (len == 0) {
		op->data = NULL;
		op->len = 0;
		return;
	}
	op->data = malloc(len);
	if (op->data == NULL)
		abort();
	op->len = len;
	/* From the input while it lasts, then a pattern that is never all zeros. */
	size_t left = d->left;

	vmbf_take(d, op->data, len);
	fill_pattern(op->data, len < left ? len : left, len);
}

static void pick_faults(struct vmbf_producer *d, struct vmbo_op *op)
{
	uint8_t n = vmbf_u8(d) % 6;

	op->nfaults = 0;
	for (uint8_t i = 0; i < n && op->nfaults < VMBO_MAX_FAULTS; i++) {
		uint8_t b = vmbf_u8(d);
		struct vmb_fault f = { (enum vmb_fault_kind)(b % 6), 0 };

		if (f.kind == VMB_FAULT_SHORT)
			f.arg = 1 + (b >> 3) % 9;
		op->faults[op->nfaults++] = f;
	}
}

static const unsigned widths[] = { 1, 2, 4, 8 };

/*
 * The op kinds in the order the input's kind byte picks them (byte % 13,
 * or byte % the profile's .nkinds). Fixed here, not taken from enum
 * vmbo_kind: a kind added to the engine must not change what the
 * committed corpus means, so a new kind goes at the end and only a
 * profile that asks for it reaches it.
 */
static const enum vmbo_kind kinds[] = {
	VMBO_WRITE, VMBO_READ, VMBO_WRITE_SLICE, VMBO_READ_SLICE, VMBO_WRITE_OBJ,
	VMBO_READ_OBJ, VMBO_STORE, VMBO_LOAD, VMBO_READ_FROM, VMBO_READ_EXACT_FROM,
	VMBO_WRITE_TO, VMBO_WRITE_ALL_TO, VMBO_DIRTY,
	/* 15: the whole target */
	VMBO_WRITE_WHOLE, VMBO_READ_WHOLE,
	/* 22: the rmw target */
	VMBO_FETCH_ADD, VMBO_FETCH_SUB, VMBO_FETCH_AND, VMBO_FETCH_OR, VMBO_FETCH_XOR, VMBO_SWAP,
	VMBO_CMPXCHG,
};
#define NKINDS_FIRST 13u
_Static_assert(sizeof(kinds) / sizeof(kinds[0]) == 22, "13 kinds, 15 with whole, 22 with rmw");

static unsigned nkinds_of(const struct vmbf_profile *prof)
{
	unsigned n = prof->nkinds;

	return n == 0 || n > sizeof(kinds) / sizeof(kinds[0]) ? NKINDS_FIRST : n;
}


size_t vmbf_decode(const struct vmbf_profile *prof, const uint8_t *data, size_t size,
		   struct vmbo_script *out)
{
	struct vmbf_producer d;
	struct layout l = { .n = 0 };
	size_t complete = SIZE_MAX;
	uint8_t flags;

	memset(out, 0, sizeof(*out));
	/* Room for every op at once: growing the array copies ops of 300 bytes. */
	out->ops = malloc(prof->max_ops * sizeof(*out->ops));
	out->cap_ops = out->ops ? prof->max_ops : 0;
	vmbf_producer_init(&d, data, size);
	flags = vmbf_u8(&d);
	if (prof->container == VMBO_SETUP_REGION) {
		decode_regions(prof, &d, out, &l, &complete);
	} else {
		struct vmbo_setup st = { .kind = prof->container };

		st.len = (flags & 0x40) ? edge_lens[vmbf_u8(&d) % NEDGE] : vmbf_range(&d, 0, prof->max_len);
		vmbo_script_add_setup(out, &st);
		add_range(&l, 0, st.len);
		checkpoint(&d, out, &complete);
	}
	if (prof->bitmaps && (flags & 1)) {
		static const uint64_t pages[] = { 1, 2, 0x10, 0x100, 0x1000, 0x40, 8, 3 };
		struct vmbo_setup st = { .kind = VMBO_SETUP_BITMAP, .len = pages[(flags >> 1) % 8] };

		vmbo_script_add_setup(out, &st);
		checkpoint(&d, out, &complete);
	}
	for (unsigned i = 0; i < prof->max_ops && !vmbf_done(&d); i++) {
		struct vmbo_op op = { .kind = kinds[vmbf_u8(&d) % nkinds_of(prof)] };

		op.width = widths[vmbf_u8(&d) % 4];
		switch (op.kind) {
		case VMBO_WRITE:
		case VMBO_WRITE_SLICE:
		case VMBO_WRITE_WHOLE:
			op.addr = pick_addr(&d, &l);
			pick_data(&d, &op, pick_count(&d, &l));
			break;
		case VMBO_READ:
		case VMBO_READ_SLICE:
		case VMBO_READ_WHOLE:
			op.addr = pick_addr(&d, &l);
			op.n = pick_count(&d, &l);
			break;
		case VMBO_WRITE_OBJ:
		case VMBO_STORE:
			op.addr = pick_addr(&d, &l);
			op.value = vmbf_u64(&d);
			if (op.width < 8)
				op.value &= ((uint64_t)1 << (8 * op.width)) - 1;
			op.order = vmbf_u8(&d) % 5;
			break;
		case VMBO_READ_OBJ:
		case VMBO_LOAD:
			op.addr = pick_addr(&d, &l);
			op.order = vmbf_u8(&d) % 5;
			break;
		case VMBO_FETCH_ADD:
		case VMBO_FETCH_SUB:
		case VMBO_FETCH_AND:
		case VMBO_FETCH_OR:
		case VMBO_FETCH_XOR:
		case VMBO_SWAP:
		case VMBO_CMPXCHG: {
			uint64_t mask = op.width == 8 ? UINT64_MAX : ((uint64_t)1 << (8 * op.width)) - 1;

			op.addr = pick_addr(&d, &l);
			op.value = vmbf_u64(&d) & mask;
			op.order = vmbf_u8(&d) % 5;
			if (op.kind == VMBO_CMPXCHG) {
				/* A2: small expected values match fresh and rewritten memory often. */
				op.expected = (vmbf_bool(&d) ? vmbf_u8(&d) % 4 : vmbf_u64(&d)) & mask;
				op.failure = vmbf_u8(&d) % 5;
			}
			break;
		}
		case VMBO_READ_FROM:
		case VMBO_READ_EXACT_FROM:
			op.addr = pick_addr(&d, &l);
			op.n = pick_count(&d, &l);
			/* S5/S8: counts whose end wraps. */
			if ((op.n & 0xf) == 0xf && vmbf_bool(&d))
				op.n = UINT64_MAX - vmbf_u8(&d);
			pick_data(&d, &op, vmbf_bool(&d) && op.n <= 0x4000 ? op.n : pick_count(&d, &l));
			if (prof->faults)
				pick_faults(&d, &op);
			break;
		case VMBO_WRITE_TO:
		case VMBO_WRITE_ALL_TO:
			op.addr = pick_addr(&d, &l);
			op.n = pick_count(&d, &l);
			if ((op.n & 0xf) == 0xf && vmbf_bool(&d))
				op.n = UINT64_MAX - vmbf_u8(&d);
			op.cap = vmbf_bool(&d) && op.n <= 0x4000 ? op.n : pick_count(&d, &l);
			if (prof->faults)
				pick_faults(&d, &op);
			break;
		default:
			break;
		}
		if (vmbo_script_take_op(out, &op) != 0)
			free(op.data);
		else
			checkpoint(&d, out, &complete);
	}
	return complete;
}

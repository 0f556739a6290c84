/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The shadow model (fuzz/model/): docs/SPEC.md written as the plainest code
 * that can predict every result line, byte by byte, independent of
 * core/src. Each prediction carries the id of the rule that decided it, so
 * that a mismatch names the rule the library broke. Its parts, one a file:
 * expect.c (the predicted line), regions.c (set-up and the model's
 * memory), io.c (sources and sinks under a fault plan), single.c (slice,
 * data file, remote), guest.c (guest memory) and step.c (one op). This
 * header is what they share; the oracle sees only fuzz.h.
 */
#ifndef VMBYTES_FUZZ_MODEL_H
#define VMBYTES_FUZZ_MODEL_H

#include <stdint.h>
#include <string.h>

#include "fuzz.h"

/* The per-call limit of the bounce-buffer containers (data file, remote). */
#define BOUNCE 16384

struct mregion {
	uint64_t start, len;
	uint8_t *bytes;
	uint8_t *known;  /* 0: a fault made the byte's value uncertain */
	uint8_t *dirty;  /* one flag per page */
	uint64_t pages;
};

struct vmbf_model {
	enum vmbo_setup_kind kind;
	struct mregion *r;
	size_t n;
	uint64_t page; /* 0: no bitmap */
};


struct msrc {
	const struct vmbo_op *op;
	size_t pos;  /* bytes consumed */
	size_t step; /* fault plan position */
};

struct msink {
	const struct vmbo_op *op;
	uint8_t *buf; /* what the sink received */
	uint8_t *known;
	size_t len;
	size_t step;
};

/* ---- effects, shared by both families --------------------------------------- */

/* S11: pages off/page ..= (off + n - 1)/page of a region. */
static inline void model_mark(struct vmbf_model *m, struct mregion *r, uint64_t off, uint64_t n)
{
	if (m->page == 0 || n == 0)
		return;
	for (uint64_t p = off / m->page; p <= (off + n - 1) / m->page && p < r->pages; p++)
		r->dirty[p] = 1;
}

static inline void model_put(struct vmbf_model *m, struct mregion *r, uint64_t off, const uint8_t *src,
		size_t n)
{
	memcpy(r->bytes + off, src, n);
	memset(r->known + off, 1, n);
	model_mark(m, r, off, n);
}

/* Objects and atomics are in host byte order, little-endian here (SPEC 7). */
static inline void model_value_bytes(const struct vmbo_op *op, uint8_t *obj)
{
	for (unsigned i = 0; i < op->width; i++)
		obj[i] = (uint8_t)(op->value >> (8 * i));
}

static inline uint64_t model_bytes_value(const uint8_t *p, unsigned width)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}


static inline uint64_t model_min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* ---- expectations (expect.c) ---------------------------------------------- */

/* The prediction: an outcome of each shape, decided by @rule. */
void vmbf__expect_ok(struct vmbf_expect *e, const char *rule);
void vmbf__expect_count(struct vmbf_expect *e, const char *rule, uint64_t n);
void vmbf__expect_value(struct vmbf_expect *e, const char *rule, uint64_t v);
/* OK_HEX or OK_COUNT_HEX: @n bytes at @bytes (kept until the next step), @known per byte. */
void vmbf__expect_bytes(struct vmbf_expect *e, const char *rule, enum vmbo_shape shape,
			uint64_t count, const uint8_t *bytes, const uint8_t *known, size_t n);
/* Errors: the code alone, or with the fields its kind prints. */
void vmbf__expect_err(struct vmbf_expect *e, const char *rule, int code);
void vmbf__expect_addr(struct vmbf_expect *e, const char *rule, int code, uint64_t a);
void vmbf__expect_oob(struct vmbf_expect *e, const char *rule, uint64_t a);
void vmbf__expect_overflow(struct vmbf_expect *e, const char *rule, uint64_t base, uint64_t offset);
void vmbf__expect_misaligned(struct vmbf_expect *e, const char *rule, uint64_t a, uint64_t align);
void vmbf__expect_partial(struct vmbf_expect *e, const char *rule, uint64_t expected,
			  uint64_t completed);
void vmbf__expect_io(struct vmbf_expect *e, const char *rule, int io_kind, int errnum);
/* Scratch buffer @i (0 or 1) of at least @n bytes, kept for the next op. */
uint8_t *vmbf__scratch(int i, size_t n);

/* ---- read-modify-write (A1-A3), shared by both families ------------------- */

/*
 * A1, A2: what an RMW op leaves where it found @cur (both @op->width
 * wide), by plain arithmetic modulo 2^(8 * width); *@wrote is false for a
 * cmpxchg that did not match (A3).
 */
/* Wraps on purpose: fetch_add and fetch_sub are modulo 2^(8 * width). */
VMBF_WRAPS static inline uint64_t model_rmw(const struct vmbo_op *op, uint64_t cur, bool *wrote)
{
	uint64_t mask = op->width == 8 ? UINT64_MAX : ((uint64_t)1 << (8 * op->width)) - 1, v = op->value;

	*wrote = true;
	switch (op->kind) {
	case VMBO_FETCH_ADD:
		return (cur + v) & mask;
	case VMBO_FETCH_SUB:
		return (cur - v) & mask;
	case VMBO_FETCH_AND:
		return cur & v & mask;
	case VMBO_FETCH_OR:
		return (cur | v) & mask;
	case VMBO_FETCH_XOR:
		return (cur ^ v) & mask;
	case VMBO_SWAP:
		return v & mask;
	default: /* cmpxchg */
		if (cur != (op->expected & mask)) {
			*wrote = false;
			return cur;
		}
		return v & mask;
	}
}

/* Apply an RMW op at @off of @r; predicts ok OLD. */
static inline void model_apply_rmw(struct vmbf_model *m, struct mregion *r, uint64_t off,
				   const struct vmbo_op *op, struct vmbf_expect *e, const char *rule)
{
	uint64_t old = model_bytes_value(r->bytes + off, op->width);
	bool wrote;
	uint64_t now = model_rmw(op, old, &wrote);

	if (wrote) {
		uint8_t obj[8];

		for (unsigned i = 0; i < op->width; i++)
			obj[i] = (uint8_t)(now >> (8 * i));
		model_put(m, r, off, obj, op->width);
	}
	vmbf__expect_value(e, rule, old);
}

/* ---- sources and sinks (io.c) --------------------------------------------- */

/* S7: one read of at most @n bytes, repeated while interrupted; -errno or bytes. */
long vmbf__src_read_once(struct msrc *s, size_t n, size_t *from);
/* One write of [off, off + n) of @r, repeated while interrupted; -errno or bytes. */
long vmbf__sink_write_once(struct msink *s, const struct mregion *r, uint64_t off, size_t n);

/* ---- the two families (single.c, guest.c) ---------------------------------- */

void vmbf__step_single(struct vmbf_model *m, const struct vmbo_op *op, struct vmbf_expect *e,
		       struct msrc *src, struct msink *sink);
void vmbf__step_guest(struct vmbf_model *m, const struct vmbo_op *op, struct vmbf_expect *e,
		      struct msrc *src, struct msink *sink);

#endif /* VMBYTES_FUZZ_MODEL_H */

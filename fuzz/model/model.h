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

/* The predicted line, at most 255 characters, and the rule that decided it. */
void vmbf__expect(struct vmbf_expect *e, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vmbf__expect_oob(struct vmbf_expect *e, const char *rule, uint64_t a);
/* Room for @more characters and the terminator at the end of @t. */
void vmbf__reserve(struct vmbo_text *t, size_t more);
/* Hex of @n model bytes from @off, "??" for the unknown ones, as the engine prints them. */
void vmbf__hex_known(struct vmbo_text *t, const struct mregion *r, uint64_t off, size_t n,
		     const uint8_t *bytes, const uint8_t *known);
/* Scratch buffer @i (0 or 1) of at least @n bytes, kept for the next op. */
uint8_t *vmbf__scratch(int i, size_t n);

/* ---- sources and sinks (io.c) --------------------------------------------- */

/* S7: one read of at most @n bytes, repeated while interrupted; -errno or bytes. */
long vmbf__src_read_once(struct msrc *s, size_t n, size_t *from);
/* One write of [off, off + n) of @r, repeated while interrupted; -errno or bytes. */
long vmbf__sink_write_once(struct msink *s, const struct mregion *r, uint64_t off, size_t n);
/* The name the engine prints for errno @e ("EIO"). */
const char *vmbf__errno_name(long e);

/* ---- the two families (single.c, guest.c) ---------------------------------- */

void vmbf__step_single(struct vmbf_model *m, const struct vmbo_op *op, struct vmbf_expect *e,
		       struct msrc *src, struct msink *sink);
void vmbf__step_guest(struct vmbf_model *m, const struct vmbo_op *op, struct vmbf_expect *e,
		      struct msrc *src, struct msink *sink);

#endif /* VMBYTES_FUZZ_MODEL_H */

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* The shadow model of guest memory (G3-G9): the region walk. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* ---- guest memory (G4-G9) ------------------------------------------------- */

static struct mregion *find(struct vmbf_model *m, uint64_t a)
{
	/* G3, the slow and obvious way. */
	for (size_t i = 0; i < m->n; i++)
		if (a >= m->r[i].start && a - m->r[i].start < m->r[i].len)
			return &m->r[i];
	return NULL;
}

/* What one chunk of a walk does; returns bytes moved, -1 on error. */
typedef long (*chunk_fn)(struct vmbf_model *m, struct mregion *r, uint64_t off, uint64_t len,
			 uint64_t total, const struct vmbo_op *op, void *ctx, struct vmbf_expect *e);

/* G4: returns the total, or -1 with the expectation set. */
static long walk(struct vmbf_model *m, uint64_t a, uint64_t n, chunk_fn fn, const struct vmbo_op *op,
		 void *ctx, struct vmbf_expect *e)
{
	uint64_t cur = a, total = 0;

	if (n == 0)
		return 0; /* G5 */
	while (total < n) {
		struct mregion *r = find(m, cur);

		if (r == NULL) {
			if (total == 0) {
				vmbf__expect_addr(e, "G4", VMB_EINVALID_GUEST_ADDRESS, a);
				return -1;
			}
			break;
		}
		uint64_t off = cur - r->start, len = model_min64(r->len - off, n - total);
		long got = fn(m, r, off, len, total, op, ctx, e);

		if (got < 0)
			return -1;
		total += (uint64_t)got;
		/* G7 [diverges]: a short chunk ends the walk. */
		if ((uint64_t)got < len)
			break;
		cur += len; /* G1 keeps this below 2^64 */
	}
	return (long)total;
}

static long c_write(struct vmbf_model *m, struct mregion *r, uint64_t off, uint64_t len,
		    uint64_t total, const struct vmbo_op *op, void *ctx, struct vmbf_expect *e)
{
	(void)e;
	model_put(m, r, off, (const uint8_t *)ctx + total, (size_t)len);
	(void)op;
	return (long)len;
}

static long c_read(struct vmbf_model *m, struct mregion *r, uint64_t off, uint64_t len,
		   uint64_t total, const struct vmbo_op *op, void *ctx, struct vmbf_expect *e)
{
	uint8_t **out = ctx;

	(void)m, (void)op, (void)e;
	memcpy(out[0] + total, r->bytes + off, len);
	memcpy(out[1] + total, r->known + off, len);
	return (long)len;
}

static long c_read_from(struct vmbf_model *m, struct mregion *r, uint64_t off, uint64_t len,
			uint64_t total, const struct vmbo_op *op, void *ctx, struct vmbf_expect *e)
{
	struct msrc *s = ctx;
	size_t from = 0;
	long got = vmbf__src_read_once(s, len, &from);

	(void)total, (void)op;
	/* G7: one read per chunk; G9: IO passes through. */
	if (got < 0) {
		vmbf__expect_io(e, "G7", VMB_IO_ERRNO, (int)-got);
		return -1;
	}
	if (got > 0)
		model_put(m, r, off, s->op->data + from, (size_t)got);
	return got;
}

static long c_write_to(struct vmbf_model *m, struct mregion *r, uint64_t off, uint64_t len,
		       uint64_t total, const struct vmbo_op *op, void *ctx, struct vmbf_expect *e)
{
	struct msink *s = ctx;
	uint64_t done = 0;

	(void)m, (void)total, (void)op;
	/* G7: each chunk goes whole to the sink (write_all, S8). */
	while (done < len) {
		long w = vmbf__sink_write_once(s, r, off + done, (size_t)(len - done));

		if (w < 0) {
			vmbf__expect_io(e, "G7", VMB_IO_ERRNO, (int)-w);
			return -1;
		}
		if (w == 0) {
			vmbf__expect_io(e, "G7", VMB_IO_WRITE_ZERO, 0);
			return -1;
		}
		done += (uint64_t)w;
	}
	return (long)len;
}

/*
 * W2: the first byte of [a, a + n) in no region, or -1 (as a uint64_t
 * flag in *@bad) when all are mapped. Byte by byte in effect: a region at
 * a time, from the address each one ends at.
 */
static bool first_hole(struct vmbf_model *m, uint64_t a, uint64_t n, uint64_t *bad)
{
	uint64_t cur = a, left = n;

	while (left > 0) {
		struct mregion *r = find(m, cur);

		if (r == NULL) {
			*bad = cur;
			return true;
		}
		uint64_t in = r->start + r->len - cur;

		if (in >= left)
			return false;
		left -= in;
		cur += in; /* G1: at most UINT64_MAX, which no region holds */
	}
	return false;
}

void vmbf__step_guest(struct vmbf_model *m, const struct vmbo_op *op, struct vmbf_expect *e,
		       struct msrc *src, struct msink *sink)
{
	uint8_t obj[8];
	long got;

	if (vmbo_is_rmw(op->kind)) {
		struct mregion *r = find(m, op->addr);

		/* A4 on G8's terms: the first chunk only. */
		if (r == NULL) {
			vmbf__expect_addr(e, "A4", VMB_EINVALID_GUEST_ADDRESS, op->addr);
			return;
		}
		uint64_t off = op->addr - r->start;

		if (r->len - off < op->width || off % op->width) {
			vmbf__expect_err(e, "A4", VMB_EINVALID_BACKEND_ADDRESS);
			return;
		}
		model_apply_rmw(m, r, off, op, e, "A4");
		return;
	}
	switch (op->kind) {
	case VMBO_WRITE_WHOLE:
	case VMBO_READ_WHOLE: {
		uint64_t n = op->kind == VMBO_WRITE_WHOLE ? op->len : op->n, bad;
		uint8_t *bufs[2] = { vmbf__scratch(0, n + 1), vmbf__scratch(1, n + 1) };

		/* W1, then W2: the whole range or nothing. */
		if (n > 0 && first_hole(m, op->addr, n, &bad)) {
			vmbf__expect_addr(e, "W2", VMB_EINVALID_GUEST_ADDRESS, bad);
			return;
		}
		if (op->kind == VMBO_WRITE_WHOLE) {
			got = walk(m, op->addr, n, c_write, op, (void *)op->data, e);
			vmbf__expect_ok(e, "W4");
		} else {
			got = walk(m, op->addr, n, c_read, op, bufs, e);
			vmbf__expect_bytes(e, "W4", VMBO_OK_HEX, 0, bufs[0], bufs[1], (size_t)n);
		}
		(void)got;
		return;
	}
	case VMBO_WRITE:
	case VMBO_WRITE_SLICE:
	case VMBO_WRITE_OBJ: {
		const uint8_t *p = op->data;
		uint64_t n = op->len;

		if (op->kind == VMBO_WRITE_OBJ) {
			model_value_bytes(op, obj);
			p = obj;
			n = op->width;
		}
		got = walk(m, op->addr, n, c_write, op, (void *)p, e);
		if (got < 0)
			return;
		if (op->kind == VMBO_WRITE)
			vmbf__expect_count(e, "G6", (uint64_t)got);
		else if ((uint64_t)got < n)
			vmbf__expect_partial(e, "G6", n, (uint64_t)got);
		else
			vmbf__expect_ok(e, "G6");
		return;
	}
	case VMBO_READ:
	case VMBO_READ_SLICE:
	case VMBO_READ_OBJ: {
		uint64_t n = op->kind == VMBO_READ_OBJ ? op->width : op->n;
		uint8_t *bufs[2] = { vmbf__scratch(0, n + 1), vmbf__scratch(1, n + 1) };

		got = walk(m, op->addr, n, c_read, op, bufs, e);
		if (got >= 0) {
			if (op->kind == VMBO_READ) {
				vmbf__expect_bytes(e, "G6", VMBO_OK_COUNT_HEX, (uint64_t)got, bufs[0], bufs[1],
						   (size_t)got);
			} else if ((uint64_t)got < n) {
				vmbf__expect_partial(e, "G6", n, (uint64_t)got);
			} else if (op->kind == VMBO_READ_SLICE) {
				vmbf__expect_bytes(e, "G6", VMBO_OK_HEX, 0, bufs[0], bufs[1], (size_t)n);
			} else {
				uint64_t v = model_bytes_value(bufs[0], op->width);
				vmbf__expect_value(e, "G6", v);
			}
		}
		return;
	}
	case VMBO_STORE:
	case VMBO_LOAD: {
		struct mregion *r = find(m, op->addr);

		/* G8: the first chunk only. */
		if (r == NULL) {
			vmbf__expect_addr(e, "G8", VMB_EINVALID_GUEST_ADDRESS, op->addr);
			return;
		}
		uint64_t off = op->addr - r->start;

		if (r->len - off < op->width || off % op->width) {
			vmbf__expect_err(e, "G8", VMB_EINVALID_BACKEND_ADDRESS);
			return;
		}
		if (op->kind == VMBO_STORE) {
			model_value_bytes(op, obj);
			model_put(m, r, off, obj, op->width);
			vmbf__expect_ok(e, "G8");
		} else {
			uint64_t v = model_bytes_value(r->bytes + off, op->width);
			vmbf__expect_value(e, "G8", v);
		}
		return;
	}
	case VMBO_READ_FROM:
	case VMBO_READ_EXACT_FROM:
		got = walk(m, op->addr, op->n, c_read_from, op, src, e);
		if (got < 0)
			return;
		if (op->kind == VMBO_READ_FROM)
			vmbf__expect_count(e, "G7", (uint64_t)got);
		else if ((uint64_t)got != op->n)
			vmbf__expect_partial(e, "G7", op->n, (uint64_t)got);
		else
			vmbf__expect_ok(e, "G7");
		return;
	case VMBO_WRITE_TO:
	case VMBO_WRITE_ALL_TO:
		got = walk(m, op->addr, op->n, c_write_to, op, sink, e);
		if (got < 0)
			return;
		if (op->kind == VMBO_WRITE_ALL_TO && (uint64_t)got != op->n) {
			vmbf__expect_partial(e, "G7", op->n, (uint64_t)got);
			return;
		}
		vmbf__expect_bytes(e, "G7", op->kind == VMBO_WRITE_TO ? VMBO_OK_COUNT_HEX : VMBO_OK_HEX,
				   (uint64_t)got, sink->buf, sink->known, sink->len);
		return;
	default:
		return;
	}
}

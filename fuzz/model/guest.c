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
				vmbf__expect(e, "G4", "err invalid_guest_address addr=0x%" PRIx64, a);
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
		vmbf__expect(e, "G7", "err io errno=%s", vmbf__errno_name(-got));
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
			vmbf__expect(e, "G7", "err io errno=%s", vmbf__errno_name(-w));
			return -1;
		}
		if (w == 0) {
			vmbf__expect(e, "G7", "err io kind=write_zero");
			return -1;
		}
		done += (uint64_t)w;
	}
	return (long)len;
}

void vmbf__step_guest(struct vmbf_model *m, const struct vmbo_op *op, struct vmbf_expect *e,
		       struct msrc *src, struct msink *sink)
{
	uint8_t obj[8];
	long got;

	switch (op->kind) {
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
			vmbf__expect(e, "G6", "ok %ld", got);
		else if ((uint64_t)got < n)
			vmbf__expect(e, "G6", "err partial_buffer expected=%" PRIu64 " completed=%ld", n, got);
		else
			vmbf__expect(e, "G6", "ok");
		return;
	}
	case VMBO_READ:
	case VMBO_READ_SLICE:
	case VMBO_READ_OBJ: {
		uint64_t n = op->kind == VMBO_READ_OBJ ? op->width : op->n;
		uint8_t *bufs[2] = { vmbf__scratch(0, n + 1), vmbf__scratch(1, n + 1) };

		got = walk(m, op->addr, n, c_read, op, bufs, e);
		if (got >= 0) {
			vmbo_text_clear(&e->line);
			e->rule = "G6";
			if (op->kind == VMBO_READ) {
				vmbo_text_printf(&e->line, "ok %ld ", got);
				vmbf__hex_known(&e->line, NULL, 0, (size_t)got, bufs[0], bufs[1]);
			} else if ((uint64_t)got < n) {
				vmbf__expect(e, "G6", "err partial_buffer expected=%" PRIu64 " completed=%ld", n,
				       got);
			} else if (op->kind == VMBO_READ_SLICE) {
				vmbo_text_printf(&e->line, "ok ");
				vmbf__hex_known(&e->line, NULL, 0, (size_t)n, bufs[0], bufs[1]);
			} else {
				uint64_t v = model_bytes_value(bufs[0], op->width);
				vmbo_text_printf(&e->line, "ok 0x%" PRIx64, v);
			}
		}
		return;
	}
	case VMBO_STORE:
	case VMBO_LOAD: {
		struct mregion *r = find(m, op->addr);

		/* G8: the first chunk only. */
		if (r == NULL) {
			vmbf__expect(e, "G8", "err invalid_guest_address addr=0x%" PRIx64, op->addr);
			return;
		}
		uint64_t off = op->addr - r->start;

		if (r->len - off < op->width || off % op->width) {
			vmbf__expect(e, "G8", "err invalid_backend_address");
			return;
		}
		if (op->kind == VMBO_STORE) {
			model_value_bytes(op, obj);
			model_put(m, r, off, obj, op->width);
			vmbf__expect(e, "G8", "ok");
		} else {
			uint64_t v = model_bytes_value(r->bytes + off, op->width);
			vmbf__expect(e, "G8", "ok 0x%" PRIx64, v);
		}
		return;
	}
	case VMBO_READ_FROM:
	case VMBO_READ_EXACT_FROM:
		got = walk(m, op->addr, op->n, c_read_from, op, src, e);
		if (got < 0)
			return;
		if (op->kind == VMBO_READ_FROM)
			vmbf__expect(e, "G7", "ok %ld", got);
		else if ((uint64_t)got != op->n)
			vmbf__expect(e, "G7", "err partial_buffer expected=%" PRIu64 " completed=%ld", op->n,
			       got);
		else
			vmbf__expect(e, "G7", "ok");
		return;
	case VMBO_WRITE_TO:
	case VMBO_WRITE_ALL_TO:
		got = walk(m, op->addr, op->n, c_write_to, op, sink, e);
		if (got < 0)
			return;
		if (op->kind == VMBO_WRITE_ALL_TO && (uint64_t)got != op->n) {
			vmbf__expect(e, "G7", "err partial_buffer expected=%" PRIu64 " completed=%ld", op->n,
			       got);
			return;
		}
		vmbo_text_clear(&e->line);
		e->rule = "G7";
		if (op->kind == VMBO_WRITE_TO)
			vmbo_text_printf(&e->line, "ok %ld ", got);
		else
			vmbo_text_printf(&e->line, "ok ");
		vmbf__hex_known(&e->line, NULL, 0, sink->len, sink->buf, sink->known);
		return;
	default:
		return;
	}
}

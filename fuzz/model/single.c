/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The shadow model of the single-range containers: slice, data file and
 * remote process (S, D1, R1).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* ---- single-range containers: slice, data file, remote (S, D1, R1) -------- */

/* The per-call limit of one-shot volatile I/O for this container. */
static uint64_t io_limit(const struct vmbf_model *m)
{
	return m->kind == VMBO_SETUP_SLICE ? UINT64_MAX : BOUNCE;
}

/* S5 for [a, a + n): "" when fine, else the expectation is set. */
static bool range_err(struct vmbf_expect *e, const char *rule, uint64_t a, uint64_t n,
		      uint64_t len)
{
	if (n > UINT64_MAX - a) { /* a + n wraps */
		vmbf__expect(e, rule, "err overflow base=0x%" PRIx64 " offset=0x%" PRIx64, a, n);
		return true;
	}
	if (a + n > len) {
		vmbf__expect_oob(e, rule, a + n);
		return true;
	}
	return false;
}

/* S7 one-shot read_volatile_from at @a; returns bytes moved or -1 on error. */
static long one_read_from(struct vmbf_model *m, struct mregion *r, uint64_t a, uint64_t n,
			  struct msrc *s, struct vmbf_expect *e)
{
	size_t from = 0;
	uint64_t k;
	long got;

	if (a > r->len) {
		vmbf__expect_oob(e, "S7", a);
		return -1;
	}
	k = model_min64(model_min64(n, r->len - a), io_limit(m));
	if (k == 0)
		return 0;
	got = vmbf__src_read_once(s, k, &from);
	if (got < 0) {
		vmbf__expect(e, "S7", "err io errno=%s", vmbf__errno_name(-got));
		return -1;
	}
	if (got > 0)
		model_put(m, r, a, s->op->data + from, (size_t)got);
	return got;
}

/* S7 one-shot write_volatile_to at @a. */
static long one_write_to(struct vmbf_model *m, struct mregion *r, uint64_t a, uint64_t n,
			 struct msink *s, struct vmbf_expect *e)
{
	uint64_t k;
	long w;

	if (a > r->len) {
		vmbf__expect_oob(e, "S7", a);
		return -1;
	}
	k = model_min64(model_min64(n, r->len - a), io_limit(m));
	if (k == 0)
		return 0;
	w = vmbf__sink_write_once(s, r, a, k);
	if (w < 0) {
		vmbf__expect(e, "S7", "err io errno=%s", vmbf__errno_name(-w));
		return -1;
	}
	return w;
}

void vmbf__step_single(struct vmbf_model *m, const struct vmbo_op *op, struct vmbf_expect *e,
			struct msrc *src, struct msink *sink)
{
	struct mregion *r = &m->r[0];
	uint64_t a = op->addr, n;
	long got;

	switch (op->kind) {
	case VMBO_WRITE:
	case VMBO_WRITE_SLICE:
	case VMBO_WRITE_OBJ: {
		uint8_t obj[8];
		const uint8_t *p = op->data;

		n = op->len;
		if (op->kind == VMBO_WRITE_OBJ) {
			model_value_bytes(op, obj);
			p = obj;
			n = op->width;
		}
		/* S1: empty is ok 0 first; S2: no byte at a; S3: clamp. */
		if (n == 0) {
			vmbf__expect(e, "S1", op->kind == VMBO_WRITE ? "ok 0" : "ok");
			return;
		}
		if (a >= r->len) {
			vmbf__expect_oob(e, "S2", a);
			return;
		}
		uint64_t k = model_min64(n, r->len - a);

		model_put(m, r, a, p, (size_t)k);
		if (op->kind == VMBO_WRITE)
			vmbf__expect(e, "S3", "ok %" PRIu64, k);
		else if (k < n)
			vmbf__expect(e, "S4", "err partial_buffer expected=%" PRIu64 " completed=%" PRIu64, n, k);
		else
			vmbf__expect(e, "S4", "ok");
		return;
	}
	case VMBO_READ:
	case VMBO_READ_SLICE:
	case VMBO_READ_OBJ: {
		n = op->kind == VMBO_READ_OBJ ? op->width : op->n;
		if (n == 0) {
			vmbf__expect(e, "S1", op->kind == VMBO_READ ? "ok 0 -" : "ok -");
			return;
		}
		if (a >= r->len) {
			vmbf__expect_oob(e, "S2", a);
			return;
		}
		uint64_t k = model_min64(n, r->len - a);

		vmbo_text_clear(&e->line);
		e->rule = "S3";
		if (op->kind == VMBO_READ) {
			vmbo_text_printf(&e->line, "ok %" PRIu64 " ", k);
			vmbf__hex_known(&e->line, r, a, k, r->bytes, r->known);
		} else if (k < n) {
			vmbf__expect(e, "S4", "err partial_buffer expected=%" PRIu64 " completed=%" PRIu64, n, k);
		} else if (op->kind == VMBO_READ_SLICE) {
			e->rule = "S4";
			vmbo_text_printf(&e->line, "ok ");
			vmbf__hex_known(&e->line, r, a, k, r->bytes, r->known);
		} else {
			e->rule = "S4";
			vmbo_text_printf(&e->line, "ok 0x%" PRIx64, model_bytes_value(r->bytes + a, op->width));
		}
		return;
	}
	case VMBO_STORE:
	case VMBO_LOAD:
		if (m->kind == VMBO_SETUP_REMOTE) {
			vmbf__expect(e, "R1", "err unsupported");
			return;
		}
		/* S9: bounds (S5's errors), then alignment (base is page-aligned). */
		if (range_err(e, "S9", a, op->width, r->len))
			return;
		if (a % op->width) {
			vmbf__expect(e, "S9", "err misaligned addr=0x%" PRIx64 " alignment=%u", a, op->width);
			return;
		}
		if (op->kind == VMBO_STORE) {
			uint8_t obj[8];

			model_value_bytes(op, obj);
			model_put(m, r, a, obj, op->width);
			vmbf__expect(e, "S9", "ok");
		} else {
			uint64_t v = model_bytes_value(r->bytes + a, op->width);
			vmbf__expect(e, "S9", "ok 0x%" PRIx64, v);
		}
		return;
	case VMBO_READ_FROM:
		got = one_read_from(m, r, a, op->n, src, e);
		if (got >= 0)
			vmbf__expect(e, "S7", "ok %ld", got);
		return;
	case VMBO_READ_EXACT_FROM: {
		uint64_t total = 0;

		if (range_err(e, "S8", a, op->n, r->len))
			return;
		/* I3: a plain buffer source that holds too little copies nothing. */
		if (op->nfaults == 0 && op->len < op->n) {
			vmbf__expect(e, "I3", "err io kind=unexpected_eof");
			return;
		}
		while (total < op->n) {
			got = one_read_from(m, r, a + total, op->n - total, src, e);
			if (got < 0)
				return;
			if (got == 0) {
				vmbf__expect(e, "S8", "err io kind=unexpected_eof");
				return;
			}
			total += (uint64_t)got;
		}
		vmbf__expect(e, "S8", "ok");
		return;
	}
	case VMBO_WRITE_TO:
		got = one_write_to(m, r, a, op->n, sink, e);
		if (got >= 0) {
			vmbo_text_clear(&e->line);
			e->rule = "S7";
			vmbo_text_printf(&e->line, "ok %ld ", got);
			vmbf__hex_known(&e->line, r, 0, sink->len, sink->buf, sink->known);
		}
		return;
	case VMBO_WRITE_ALL_TO: {
		uint64_t total = 0;

		if (range_err(e, "S8", a, op->n, r->len))
			return;
		while (total < op->n) {
			got = one_write_to(m, r, a + total, op->n - total, sink, e);
			if (got < 0)
				return;
			if (got == 0) {
				vmbf__expect(e, "S8", "err io kind=write_zero");
				return;
			}
			total += (uint64_t)got;
		}
		vmbo_text_clear(&e->line);
		e->rule = "S8";
		vmbo_text_printf(&e->line, "ok ");
		vmbf__hex_known(&e->line, r, 0, sink->len, sink->buf, sink->known);
		return;
	}
	default:
		return;
	}
}

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
		vmbf__expect_overflow(e, rule, a, n);
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
		vmbf__expect_io(e, "S7", VMB_IO_ERRNO, (int)-got);
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
		vmbf__expect_io(e, "S7", VMB_IO_ERRNO, (int)-w);
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

	if (vmbo_is_rmw(op->kind)) {
		/* A5: no atomic read-modify-write through pread/pwrite or process_vm_*. */
		if (m->kind != VMBO_SETUP_SLICE) {
			vmbf__expect_err(e, "A5", VMB_EUNSUPPORTED);
			return;
		}
		/* A1: S9's bounds, then alignment. */
		if (range_err(e, "A1", a, op->width, r->len))
			return;
		if (a % op->width) {
			vmbf__expect_misaligned(e, "A1", a, op->width);
			return;
		}
		model_apply_rmw(m, r, a, op, e, "A1");
		return;
	}
	switch (op->kind) {
	case VMBO_WRITE_WHOLE:
	case VMBO_READ_WHOLE:
		n = op->kind == VMBO_WRITE_WHOLE ? op->len : op->n;
		/* W1: empty is ok first; W3: S5's range check, nothing moved on error. */
		if (n > 0 && range_err(e, "W3", a, n, r->len))
			return;
		if (op->kind == VMBO_WRITE_WHOLE) {
			if (n > 0)
				model_put(m, r, a, op->data, (size_t)n);
			vmbf__expect_ok(e, "W4");
		} else {
			vmbf__expect_bytes(e, "W4", VMBO_OK_HEX, 0, n ? r->bytes + a : NULL,
					   n ? r->known + a : NULL, (size_t)n);
		}
		return;
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
			if (op->kind == VMBO_WRITE)
				vmbf__expect_count(e, "S1", 0);
			else
				vmbf__expect_ok(e, "S1");
			return;
		}
		if (a >= r->len) {
			vmbf__expect_oob(e, "S2", a);
			return;
		}
		uint64_t k = model_min64(n, r->len - a);

		model_put(m, r, a, p, (size_t)k);
		if (op->kind == VMBO_WRITE)
			vmbf__expect_count(e, "S3", k);
		else if (k < n)
			vmbf__expect_partial(e, "S4", n, k);
		else
			vmbf__expect_ok(e, "S4");
		return;
	}
	case VMBO_READ:
	case VMBO_READ_SLICE:
	case VMBO_READ_OBJ: {
		n = op->kind == VMBO_READ_OBJ ? op->width : op->n;
		if (n == 0) {
			vmbf__expect_bytes(e, "S1", op->kind == VMBO_READ ? VMBO_OK_COUNT_HEX : VMBO_OK_HEX,
					   0, NULL, NULL, 0);
			return;
		}
		if (a >= r->len) {
			vmbf__expect_oob(e, "S2", a);
			return;
		}
		uint64_t k = model_min64(n, r->len - a);

		if (op->kind == VMBO_READ) {
			vmbf__expect_bytes(e, "S3", VMBO_OK_COUNT_HEX, k, r->bytes + a, r->known + a,
					   (size_t)k);
		} else if (k < n) {
			vmbf__expect_partial(e, "S4", n, k);
		} else if (op->kind == VMBO_READ_SLICE) {
			vmbf__expect_bytes(e, "S4", VMBO_OK_HEX, 0, r->bytes + a, r->known + a, (size_t)k);
		} else {
			vmbf__expect_value(e, "S4", model_bytes_value(r->bytes + a, op->width));
		}
		return;
	}
	case VMBO_STORE:
	case VMBO_LOAD:
		if (m->kind == VMBO_SETUP_REMOTE) {
			vmbf__expect_err(e, "R1", VMB_EUNSUPPORTED);
			return;
		}
		/* S9: bounds (S5's errors), then alignment (base is page-aligned). */
		if (range_err(e, "S9", a, op->width, r->len))
			return;
		if (a % op->width) {
			vmbf__expect_misaligned(e, "S9", a, op->width);
			return;
		}
		if (op->kind == VMBO_STORE) {
			uint8_t obj[8];

			model_value_bytes(op, obj);
			model_put(m, r, a, obj, op->width);
			vmbf__expect_ok(e, "S9");
		} else {
			uint64_t v = model_bytes_value(r->bytes + a, op->width);
			vmbf__expect_value(e, "S9", v);
		}
		return;
	case VMBO_READ_FROM:
		got = one_read_from(m, r, a, op->n, src, e);
		if (got >= 0)
			vmbf__expect_count(e, "S7", (uint64_t)got);
		return;
	case VMBO_READ_EXACT_FROM: {
		uint64_t total = 0;

		if (range_err(e, "S8", a, op->n, r->len))
			return;
		/* I3: a plain buffer source that holds too little copies nothing. */
		if (op->nfaults == 0 && op->len < op->n) {
			vmbf__expect_io(e, "I3", VMB_IO_UNEXPECTED_EOF, 0);
			return;
		}
		while (total < op->n) {
			got = one_read_from(m, r, a + total, op->n - total, src, e);
			if (got < 0)
				return;
			if (got == 0) {
				vmbf__expect_io(e, "S8", VMB_IO_UNEXPECTED_EOF, 0);
				return;
			}
			total += (uint64_t)got;
		}
		vmbf__expect_ok(e, "S8");
		return;
	}
	case VMBO_WRITE_TO:
		got = one_write_to(m, r, a, op->n, sink, e);
		if (got >= 0) {
			vmbf__expect_bytes(e, "S7", VMBO_OK_COUNT_HEX, (uint64_t)got, sink->buf, sink->known,
					   sink->len);
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
				vmbf__expect_io(e, "S8", VMB_IO_WRITE_ZERO, 0);
				return;
			}
			total += (uint64_t)got;
		}
		vmbf__expect_bytes(e, "S8", VMBO_OK_HEX, 0, sink->buf, sink->known, sink->len);
		return;
	}
	default:
		return;
	}
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* The shadow model's one step: an op's prediction, dirty bitmaps (S11). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* ---- one step ------------------------------------------------------------ */

static void step_dirty(struct vmbf_model *m, struct vmbf_expect *e)
{
	/* SPEC 7: one bitmap per region, page i in bit i%8 of byte i/8; then clear. */
	if (m->page == 0) {
		vmbf__expect(e, "S11", "err invalid_argument");
		return;
	}
	vmbo_text_clear(&e->line);
	e->rule = "S11";
	vmbo_text_put(&e->line, "ok", 2);
	for (size_t i = 0; i < m->n; i++) {
		struct mregion *r = &m->r[i];
		uint64_t nbytes = (r->pages + 7) / 8;

		char *out;

		vmbo_text_put(&e->line, nbytes ? " " : " -", nbytes ? 1 : 2);
		/* Bitmaps of byte-sized pages reach thousands of digits: written in place. */
		vmbf__reserve(&e->line, 2 * (size_t)nbytes);
		out = e->line.s + e->line.len;
		for (uint64_t b = 0; b < nbytes; b++, out += 2) {
			unsigned v = 0;

			for (unsigned bit = 0; bit < 8 && b * 8 + bit < r->pages; bit++)
				v |= (unsigned)r->dirty[b * 8 + bit] << bit;
			out[0] = "0123456789abcdef"[v >> 4];
			out[1] = "0123456789abcdef"[v & 15];
		}
		*out = '\0';
		e->line.len += 2 * (size_t)nbytes;
		memset(r->dirty, 0, r->pages ? r->pages : 1);
	}
}

void vmbf_model_step(struct vmbf_model *m, const struct vmbo_op *op, struct vmbf_expect *e)
{
	/* S9 [diverges]: an invalid ordering is refused before anything else. */
	if ((op->kind == VMBO_STORE && (op->order == VMB_ORDER_ACQUIRE || op->order == VMB_ORDER_ACQ_REL)) ||
	    (op->kind == VMBO_LOAD && (op->order == VMB_ORDER_RELEASE || op->order == VMB_ORDER_ACQ_REL))) {
		vmbf__expect(e, "S9", "err invalid_argument");
		return;
	}
	if (op->kind == VMBO_DIRTY) {
		step_dirty(m, e);
		return;
	}

	struct msrc src = { .op = op };
	struct msink sink = { .op = op };

	if (op->kind == VMBO_WRITE_TO || op->kind == VMBO_WRITE_ALL_TO) {
		sink.buf = vmbf__scratch(0, op->cap + 1);
		sink.known = vmbf__scratch(1, op->cap + 1);
	}
	/* G5/S1: zero-length read/write short-circuit happens inside each family. */
	if (m->kind == VMBO_SETUP_REGION)
		vmbf__step_guest(m, op, e, &src, &sink);
	else
		vmbf__step_single(m, op, e, &src, &sink);
}

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
	static uint8_t *all;
	static size_t cap, *parts, parts_cap;
	size_t used = 0;

	/* SPEC 7: one bitmap per region, page i in bit i%8 of byte i/8; then clear. */
	if (m->page == 0) {
		vmbf__expect_err(e, "S11", VMB_EINVALID_ARGUMENT);
		return;
	}
	for (size_t i = 0; i < m->n; i++)
		used += (size_t)((m->r[i].pages + 7) / 8);
	/* Allocated even when no region has a page (an empty slice's bitmap). */
	if (used > cap || all == NULL) {
		free(all);
		cap = used > 4096 ? used : 4096;
		all = malloc(cap);
	}
	if (m->n > parts_cap || parts == NULL) {
		free(parts);
		parts_cap = m->n > 16 ? m->n : 16;
		parts = malloc(parts_cap * sizeof(*parts));
	}
	if (all == NULL || parts == NULL)
		abort();
	vmbf__expect_bytes(e, "S11", VMBO_OK_BITMAPS, 0, all, NULL, used);
	e->res.parts = parts;
	e->res.nparts = m->n;
	used = 0;
	for (size_t i = 0; i < m->n; i++) {
		struct mregion *r = &m->r[i];
		size_t nbytes = (size_t)((r->pages + 7) / 8);

		for (size_t b = 0; b < nbytes; b++) {
			unsigned v = 0;

			for (unsigned bit = 0; bit < 8 && b * 8 + bit < r->pages; bit++)
				v |= (unsigned)r->dirty[b * 8 + bit] << bit;
			all[used + b] = (uint8_t)v;
		}
		parts[i] = nbytes;
		used += nbytes;
		memset(r->dirty, 0, r->pages ? r->pages : 1);
	}
}

void vmbf_model_step(struct vmbf_model *m, const struct vmbo_op *op, struct vmbf_expect *e)
{
	/* S9 [diverges]: an invalid ordering is refused before anything else. */
	if ((op->kind == VMBO_STORE && (op->order == VMB_ORDER_ACQUIRE || op->order == VMB_ORDER_ACQ_REL)) ||
	    (op->kind == VMBO_LOAD && (op->order == VMB_ORDER_RELEASE || op->order == VMB_ORDER_ACQ_REL))) {
		vmbf__expect_err(e, "S9", VMB_EINVALID_ARGUMENT);
		return;
	}
	/* A2 [diverges]: cmpxchg's failure ordering orders a load, never a release. */
	if (op->kind == VMBO_CMPXCHG && (op->failure == VMB_ORDER_RELEASE || op->failure == VMB_ORDER_ACQ_REL)) {
		vmbf__expect_err(e, "A2", VMB_EINVALID_ARGUMENT);
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

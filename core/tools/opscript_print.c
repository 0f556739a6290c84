/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* The op-script engine's printer: a parsed line back to script text. */
#include "opscript_internal.h"

#include <inttypes.h>


void vmbo_format_setup(struct vmbo_text *t, const struct vmbo_setup *st)
{
	static const char *const names[] = { "slice", "region", "file", "remote", "bitmap" };

	if (st->kind == VMBO_SETUP_REGION)
		vmbo_text_printf(t, "region 0x%" PRIx64 " 0x%" PRIx64 "%s", st->start, st->len,
				 st->memfd ? " memfd" : "");
	else
		vmbo_text_printf(t, "%s 0x%" PRIx64, names[st->kind], st->len);
}

void vmbo_format_op(struct vmbo_text *t, const struct vmbo_op *op)
{
	static const char *const types[] = { "", "u8", "u16", "", "u32", "", "", "", "u64" };
	const char *shape = (unsigned)op->kind < VMBO_KIND_COUNT ? vmbo__shapes[op->kind] : "";

	vmbo_text_printf(t, "%s", vmbo_kind_name(op->kind));
	for (size_t i = 0; shape[i]; i++) {
		switch (shape[i]) {
		case 'A':
			vmbo_text_printf(t, " 0x%" PRIx64, op->addr);
			break;
		case 'N':
			vmbo_text_printf(t, " %" PRIu64, op->n);
			break;
		case 'C':
			vmbo_text_printf(t, " %" PRIu64, op->cap);
			break;
		case 'V':
			vmbo_text_printf(t, " 0x%" PRIx64, op->value);
			break;
		case 'T':
			vmbo_text_printf(t, " %s", op->width <= 8 ? types[op->width] : "?");
			break;
		case 'E':
			vmbo_text_printf(t, " 0x%" PRIx64, op->expected);
			break;
		case 'O':
			vmbo_text_printf(t, " %s", vmbo_order_name(op->order));
			break;
		case 'F':
			vmbo_text_printf(t, " %s", vmbo_order_name(op->failure));
			break;
		case 'H':
			vmbo_text_printf(t, " ");
			vmbo_text_hex(t, op->data, op->len);
			break;
		}
	}
	for (size_t i = 0; i < op->nfaults; i++) {
		const struct vmb_fault *f = &op->faults[i];
		static const char *const steps[] = { ".", "p", "i", "a", "e", "z" };

		vmbo_text_printf(t, "%s%s", i == 0 ? " faults=" : ",",
				 (unsigned)f->kind <= VMB_FAULT_EOF ? steps[f->kind] : "?");
		if (f->kind == VMB_FAULT_SHORT)
			vmbo_text_printf(t, "%zu", f->arg);
	}
}


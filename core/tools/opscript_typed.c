/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The op-script engine's second way into guest memory: guest.h's typed
 * inline entry points, which vmbo_exec() takes for every other op on a
 * guest memory, so that the fuzz oracle and the conformance replay hold
 * them to the same expected lines as the generic interface.
 */
#include "opscript.h"

/*
 * The typed guest API (guest.h) for the ops it has: true with *@rc (and
 * @buf, *@v, *@done, @e filled as the generic path fills them) when it
 * ran @op, false for an op it has no entry point for.
 */
bool vmbo_typed_guest_op(struct vmb_guest *g, const struct vmbo_op *op, uint8_t *buf,
			 uint64_t *v, size_t *done, int *rc, struct vmb_error *e)
{
	/* The inline forms: their fast halves run in the caller's code. */
	if (op->kind == VMBO_CMPXCHG) {
		*rc = vmb_guest_cmpxchg(g, op->addr, op->width, op->expected, op->value,
					vmb_ordering_of(op->order), vmb_ordering_of(op->failure), v, e);
		return true;
	}
	if (vmbo_is_rmw(op->kind)) {
		struct vmb_rmw r = vmbo_rmw_of(op);

		*rc = vmb_guest_fetch(g, op->addr, op->width, r.op, r.order, r.v, v, e);
		return true;
	}
	switch (op->kind) {
	case VMBO_WRITE:
		*rc = vmb_guest_write(g, op->addr, op->data, op->len, done, e);
		return true;
	case VMBO_READ:
		*rc = vmb_guest_read(g, op->addr, buf, op->n, done, e);
		return true;
	case VMBO_WRITE_SLICE:
		*rc = vmb_guest_write_slice(g, op->addr, op->data, op->len, e);
		return true;
	case VMBO_READ_SLICE:
		*rc = vmb_guest_read_slice(g, op->addr, buf, op->n, e);
		return true;
	case VMBO_WRITE_WHOLE:
		*rc = vmb_guest_write_whole(g, op->addr, op->data, op->len, e);
		return true;
	case VMBO_READ_WHOLE:
		*rc = vmb_guest_read_whole(g, op->addr, buf, op->n, e);
		return true;
	case VMBO_WRITE_OBJ:
		*v = op->value;
		*rc = vmb_guest_write_obj(g, op->addr, v, op->width, e);
		return true;
	case VMBO_READ_OBJ:
		*rc = vmb_guest_read_obj(g, op->addr, v, op->width, e);
		return true;
	case VMBO_STORE:
		*rc = vmb_guest_store(g, op->addr, op->width, vmb_ordering_of(op->order), op->value, e);
		return true;
	case VMBO_LOAD:
		*rc = vmb_guest_load(g, op->addr, op->width, vmb_ordering_of(op->order), v, e);
		return true;
	default:
		return false;
	}
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The shadow model's expectations: the result it predicts (struct
 * vmbo_result, the engine's own type) and the rule that decided it.
 * Predicted bytes point into the model's memory or its scratch buffers,
 * with the model's known mask: nothing is copied and nothing is text.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"

static void expect_shape(struct vmbf_expect *e, const char *rule, enum vmbo_shape shape)
{
	memset(&e->res, 0, sizeof(e->res));
	e->res.shape = shape;
	e->rule = rule;
}

void vmbf__expect_ok(struct vmbf_expect *e, const char *rule)
{
	expect_shape(e, rule, VMBO_OK);
}

void vmbf__expect_count(struct vmbf_expect *e, const char *rule, uint64_t n)
{
	expect_shape(e, rule, VMBO_OK_COUNT);
	e->res.count = n;
}

void vmbf__expect_value(struct vmbf_expect *e, const char *rule, uint64_t v)
{
	expect_shape(e, rule, VMBO_OK_VALUE);
	e->res.value = v;
}

void vmbf__expect_bytes(struct vmbf_expect *e, const char *rule, enum vmbo_shape shape,
			uint64_t count, const uint8_t *bytes, const uint8_t *known, size_t n)
{
	expect_shape(e, rule, shape);
	e->res.count = count;
	e->res.bytes = bytes;
	e->res.known = known;
	e->res.nbytes = n;
}

void vmbf__expect_err(struct vmbf_expect *e, const char *rule, int code)
{
	expect_shape(e, rule, VMBO_ERR);
	e->res.err.code = code;
}

void vmbf__expect_addr(struct vmbf_expect *e, const char *rule, int code, uint64_t a)
{
	vmbf__expect_err(e, rule, code);
	e->res.err.addr = a;
}

void vmbf__expect_oob(struct vmbf_expect *e, const char *rule, uint64_t a)
{
	vmbf__expect_addr(e, rule, VMB_EOUT_OF_BOUNDS, a);
}

void vmbf__expect_overflow(struct vmbf_expect *e, const char *rule, uint64_t base, uint64_t offset)
{
	vmbf__expect_err(e, rule, VMB_EOVERFLOW);
	e->res.err.base = base;
	e->res.err.offset = offset;
}

void vmbf__expect_misaligned(struct vmbf_expect *e, const char *rule, uint64_t a, uint64_t align)
{
	vmbf__expect_addr(e, rule, VMB_EMISALIGNED, a);
	e->res.err.alignment = align;
}

void vmbf__expect_partial(struct vmbf_expect *e, const char *rule, uint64_t expected,
			  uint64_t completed)
{
	vmbf__expect_err(e, rule, VMB_EPARTIAL_BUFFER);
	e->res.err.expected = expected;
	e->res.err.completed = completed;
}

void vmbf__expect_io(struct vmbf_expect *e, const char *rule, int io_kind, int errnum)
{
	vmbf__expect_err(e, rule, VMB_EIO);
	e->res.err.io_kind = io_kind;
	e->res.err.errnum = errnum;
}

/*
 * Scratch buffer @i (0 or 1) of at least @n bytes, kept for the next op:
 * the data of one op's read or sink, whose contents need no clearing.
 */
uint8_t *vmbf__scratch(int i, size_t n)
{
	static uint8_t *buf[2];
	static size_t cap[2];

	if (n > cap[i]) {
		free(buf[i]);
		cap[i] = n > 4096 ? n : 4096;
		buf[i] = malloc(cap[i]);
		if (buf[i] == NULL)
			abort();
	}
	return buf[i];
}

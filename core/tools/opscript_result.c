/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * An op's result as data (struct vmbo_result): its one line of SPEC
 * section 7, and whether two results say the same thing. The fuzz oracle
 * compares the engine's result with the shadow model's field by field and
 * prints lines only to report a difference; the replay tool prints them.
 */
#include "opscript.h"

#include <string.h>

/* @n bytes as hex, "??" where @known (if any) says a byte is not known. */
static void hex_known(struct vmbo_text *t, const uint8_t *p, const uint8_t *known, size_t n)
{
	if (known == NULL || n == 0) {
		vmbo_text_hex(t, p, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (known[i])
			vmbo_text_hex(t, p + i, 1);
		else
			vmbo_text_put(t, "??", 2);
	}
}

void vmbo_format_result(struct vmbo_text *t, const struct vmbo_result *r)
{
	size_t at = 0;

	switch (r->shape) {
	case VMBO_ERR:
		vmbo_text_err(t, r->err.code, &r->err);
		return;
	case VMBO_OK_COUNT:
		vmbo_text_printf(t, "ok %llu", (unsigned long long)r->count);
		return;
	case VMBO_OK_COUNT_HEX:
		vmbo_text_printf(t, "ok %llu ", (unsigned long long)r->count);
		hex_known(t, r->bytes, r->known, r->nbytes);
		return;
	case VMBO_OK_HEX:
		vmbo_text_put(t, "ok ", 3);
		hex_known(t, r->bytes, r->known, r->nbytes);
		return;
	case VMBO_OK_VALUE:
		vmbo_text_printf(t, "ok 0x%llx", (unsigned long long)r->value);
		return;
	case VMBO_OK_BITMAPS:
		vmbo_text_put(t, "ok", 2);
		for (size_t i = 0; i < r->nparts; i++) {
			vmbo_text_put(t, " ", 1);
			hex_known(t, r->bytes ? r->bytes + at : NULL, r->known ? r->known + at : NULL,
				  r->parts[i]);
			at += r->parts[i];
		}
		return;
	default:
		vmbo_text_put(t, "ok", 2);
		return;
	}
}

/* What an IO error line shows: its kind when it has one, else its errno. */
static bool io_kind_shown(int kind)
{
	return kind == VMB_IO_UNEXPECTED_EOF || kind == VMB_IO_WRITE_ZERO;
}

/* The fields vmb_error_format() prints for the code both errors have. */
static bool error_matches(const struct vmb_error *x, const struct vmb_error *y)
{
	if (x->code != y->code)
		return false;
	switch (x->code) {
	case VMB_EOUT_OF_BOUNDS:
	case VMB_EINVALID_GUEST_ADDRESS:
		return x->addr == y->addr;
	case VMB_EOVERFLOW:
		return x->base == y->base && x->offset == y->offset;
	case VMB_ETOO_BIG:
		return x->nelements == y->nelements && x->size == y->size;
	case VMB_EMISALIGNED:
		return x->addr == y->addr && x->alignment == y->alignment;
	case VMB_EPARTIAL_BUFFER:
		return x->expected == y->expected && x->completed == y->completed;
	case VMB_EIO:
		if (io_kind_shown(x->io_kind) || io_kind_shown(y->io_kind))
			return x->io_kind == y->io_kind;
		return x->errnum == y->errnum;
	default:
		return true;
	}
}

/* @n bytes of @a and @b agree wherever @known (if any) knows the byte. */
static bool bytes_match(const uint8_t *a, const uint8_t *known, const uint8_t *b, size_t n)
{
	if (n == 0)
		return true;
	if (known == NULL || memchr(known, 0, n) == NULL)
		return memcmp(a, b, n) == 0;
	for (size_t i = 0; i < n; i++)
		if (known[i] && a[i] != b[i])
			return false;
	return true;
}

bool vmbo_result_matches(const struct vmbo_result *expected, const struct vmbo_result *actual)
{
	const struct vmbo_result *x = expected, *y = actual;

	if (x->shape != y->shape)
		return false;
	switch (x->shape) {
	case VMBO_ERR:
		return error_matches(&x->err, &y->err);
	case VMBO_OK_COUNT:
		return x->count == y->count;
	case VMBO_OK_VALUE:
		return x->value == y->value;
	case VMBO_OK_BITMAPS:
		if (x->nparts != y->nparts)
			return false;
		for (size_t i = 0; i < x->nparts; i++)
			if (x->parts[i] != y->parts[i])
				return false;
		return x->nbytes == y->nbytes && bytes_match(x->bytes, x->known, y->bytes, x->nbytes);
	case VMBO_OK_COUNT_HEX:
		if (x->count != y->count)
			return false;
		return x->nbytes == y->nbytes && bytes_match(x->bytes, x->known, y->bytes, x->nbytes);
	case VMBO_OK_HEX:
		return x->nbytes == y->nbytes && bytes_match(x->bytes, x->known, y->bytes, x->nbytes);
	default:
		return true;
	}
}

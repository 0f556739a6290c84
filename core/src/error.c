/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

struct kind_info {
	const char *name;
	const char *message;
};

/* Indexed by -code. Append only: the values are ABI. */
static const struct kind_info kinds[VMB_STATUS_COUNT] = {
	{ "ok", "success" },
	{ "out_of_bounds", "address out of bounds" },
	{ "overflow", "address computation overflows" },
	{ "too_big", "object count times size overflows" },
	{ "misaligned", "address not aligned for the access" },
	{ "io", "I/O error" },
	{ "partial_buffer", "only part of the buffer was transferred" },
	{ "invalid_guest_address", "guest address is not in any region" },
	{ "invalid_backend_address", "access is outside the backing region" },
	{ "guest_address_overflow", "guest address computation overflows" },
	{ "host_address_not_available", "no host address for this guest address" },
	{ "callback_out_of_range", "access callback returned an out-of-range count" },
	{ "invalid_guest_region", "invalid guest region" },
	{ "no_memory_region", "no memory region" },
	{ "memory_region_overlap", "memory regions overlap" },
	{ "unsorted_memory_regions", "memory regions are not sorted" },
	{ "invalid_argument", "invalid argument" },
	{ "unsupported", "operation not supported by this container" },
};

static const struct kind_info *kind_of(int code)
{
	if (code > 0 || code <= -VMB_STATUS_COUNT)
		return NULL;
	return &kinds[-code];
}

const char *vmb_strerror(int code)
{
	const struct kind_info *k = kind_of(code);

	return k ? k->message : "unknown error";
}

const char *vmb_error_name(int code)
{
	const struct kind_info *k = kind_of(code);

	return k ? k->name : "unknown";
}

static const char *errno_name(int errnum)
{
	const char *n = strerrorname_np(errnum);

	return n ? n : "EUNKNOWN";
}

int vmb_error_format(const struct vmb_error *e, char *buf, size_t cap)
{
	if (buf == NULL && cap > 0)
		return VMB_EINVALID_ARGUMENT;
	if (e == NULL)
		return snprintf(buf, cap, "%s", vmb_error_name(VMB_EINVALID_ARGUMENT));

	const char *name = vmb_error_name(e->code);

	/* Fields in the order of SPEC section 6, formats of section 7. */
	switch (e->code) {
	case VMB_EOUT_OF_BOUNDS:
	case VMB_EINVALID_GUEST_ADDRESS:
		return snprintf(buf, cap, "%s addr=0x%" PRIx64, name, e->addr);
	case VMB_EOVERFLOW:
		return snprintf(buf, cap, "%s base=0x%" PRIx64 " offset=0x%" PRIx64, name, e->base,
				e->offset);
	case VMB_ETOO_BIG:
		return snprintf(buf, cap, "%s nelements=%" PRIu64 " size=%" PRIu64, name,
				e->nelements, e->size);
	case VMB_EMISALIGNED:
		return snprintf(buf, cap, "%s addr=0x%" PRIx64 " alignment=%" PRIu64, name, e->addr,
				e->alignment);
	case VMB_EPARTIAL_BUFFER:
		return snprintf(buf, cap, "%s expected=%" PRIu64 " completed=%" PRIu64, name,
				e->expected, e->completed);
	case VMB_EIO:
		switch (e->io_kind) {
		case VMB_IO_UNEXPECTED_EOF:
			return snprintf(buf, cap, "%s kind=unexpected_eof", name);
		case VMB_IO_WRITE_ZERO:
			return snprintf(buf, cap, "%s kind=write_zero", name);
		default:
			return snprintf(buf, cap, "%s errno=%s", name, errno_name(e->errnum));
		}
	default:
		return snprintf(buf, cap, "%s", name);
	}
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The data producer: parameters from the front of the input. Its only
 * branch is "input used up", which the decoder's own branches already
 * report; called once per input byte, it carries no coverage callbacks.
 *
 * What an input means is defined by its bytes alone: every multi-byte
 * value is little-endian, read one byte per statement (C leaves the order
 * of two calls in one expression unspecified, and gcc under
 * -fsanitize=undefined calls them the other way round from clang), and
 * nothing depends on the host's integer sizes or char signedness.
 */
#include <string.h>

#include "fuzz.h"

VMBF_NO_FEEDBACK void vmbf_producer_init(struct vmbf_producer *d, const uint8_t *data, size_t size)
{
	d->p = data;
	d->left = data ? size : 0;
	d->ran_out = false;
}

VMBF_NO_FEEDBACK uint8_t vmbf_u8(struct vmbf_producer *d)
{
	if (d->left == 0) {
		d->ran_out = true;
		return 0;
	}
	d->left--;
	return *d->p++;
}

VMBF_NO_FEEDBACK int vmbf_s8(struct vmbf_producer *d)
{
	int b = vmbf_u8(d);

	return b < 0x80 ? b : b - 0x100;
}

VMBF_NO_FEEDBACK uint16_t vmbf_u16(struct vmbf_producer *d)
{
	/* The first byte is the low one: how clang-built fuzzers read the corpus. */
	uint16_t lo = vmbf_u8(d);
	uint16_t hi = vmbf_u8(d);

	return (uint16_t)(lo | hi << 8);
}

VMBF_NO_FEEDBACK uint64_t vmbf_u64(struct vmbf_producer *d)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)vmbf_u8(d) << (8 * i);
	return v;
}

VMBF_NO_FEEDBACK uint64_t vmbf_range(struct vmbf_producer *d, uint64_t lo, uint64_t hi)
{
	uint64_t span = hi - lo, v;

	if (span == 0)
		return lo;
	/* As few bytes as the span needs, so short inputs stay meaningful. */
	if (span < 0x100)
		v = vmbf_u8(d);
	else if (span < 0x10000)
		v = vmbf_u16(d);
	else
		v = vmbf_u64(d);
	return span == UINT64_MAX ? v : lo + v % (span + 1);
}

VMBF_NO_FEEDBACK bool vmbf_bool(struct vmbf_producer *d)
{
	return vmbf_u8(d) & 1;
}

VMBF_NO_FEEDBACK bool vmbf_done(const struct vmbf_producer *d)
{
	return d->left == 0;
}

VMBF_NO_FEEDBACK void vmbf_take(struct vmbf_producer *d, uint8_t *out, size_t n)
{
	size_t take = n < d->left ? n : d->left;

	if (take > 0) { /* d->p may be NULL when nothing is left */
		memcpy(out, d->p, take);
		d->p += take;
		d->left -= take;
	}
	if (take < n)
		d->ran_out = true;
}

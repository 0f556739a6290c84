/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Endian types (core/include/vmbytes/endian.h): a value kept in a fixed
 * byte order. The reference's endian.rs test, per type: size and
 * alignment are the native integer's, the stored form is the named byte
 * order (swapped on a host of the other order), and the conversion round
 * trips. Here the stored bytes are checked in memory, byte by byte, which
 * holds on either host. The types exist to be written with write_obj and
 * read with read_obj (S4), so the cases carry that rule id, and one case
 * goes through a guarded slice.
 */
#include "harness.h"

/* The byte string of @n bytes of the object at @p. */
static void bytes_of(const void *p, size_t n, uint8_t *out)
{
	memcpy(out, p, n);
}

TEST(S4_endian_size_and_alignment)
{
	CHECK_EQ(sizeof(vmb_le16), sizeof(uint16_t));
	CHECK_EQ(sizeof(vmb_le32), sizeof(uint32_t));
	CHECK_EQ(sizeof(vmb_le64), sizeof(uint64_t));
	CHECK_EQ(sizeof(vmb_be16), sizeof(uint16_t));
	CHECK_EQ(sizeof(vmb_be32), sizeof(uint32_t));
	CHECK_EQ(sizeof(vmb_be64), sizeof(uint64_t));
	CHECK_EQ(_Alignof(vmb_le16), _Alignof(uint16_t));
	CHECK_EQ(_Alignof(vmb_le32), _Alignof(uint32_t));
	CHECK_EQ(_Alignof(vmb_le64), _Alignof(uint64_t));
	CHECK_EQ(_Alignof(vmb_be16), _Alignof(uint16_t));
	CHECK_EQ(_Alignof(vmb_be32), _Alignof(uint32_t));
	CHECK_EQ(_Alignof(vmb_be64), _Alignof(uint64_t));
}

TEST(S4_endian_le16_bytes_and_round_trip)
{
	static const uint16_t vals[] = { 0, 1, 0x00ff, 0xff00, 0x0123, 0xcdef, 0x7fff, 0x8000,
					 0xfffe, 0xffff };

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		vmb_le16 e = vmb_le16_from(vals[i]);
		uint8_t b[2];

		bytes_of(&e, 2, b);
		CHECK_EQ(b[0], vals[i] & 0xff);
		CHECK_EQ(b[1], vals[i] >> 8);
		CHECK_EQ(vmb_le16_to(e), vals[i]);
	}
}

TEST(S4_endian_be16_bytes_and_round_trip)
{
	static const uint16_t vals[] = { 0, 1, 0x00ff, 0xff00, 0x0123, 0xcdef, 0x7fff, 0x8000,
					 0xfffe, 0xffff };

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		vmb_be16 e = vmb_be16_from(vals[i]);
		uint8_t b[2];

		bytes_of(&e, 2, b);
		CHECK_EQ(b[0], vals[i] >> 8);
		CHECK_EQ(b[1], vals[i] & 0xff);
		CHECK_EQ(vmb_be16_to(e), vals[i]);
	}
}

TEST(S4_endian_le32_bytes_and_round_trip)
{
	static const uint32_t vals[] = { 0, 1, 0x01234567, 0x89abcdef, 0x000000ff, 0xff000000,
					 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff };

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		vmb_le32 e = vmb_le32_from(vals[i]);
		uint8_t b[4];

		bytes_of(&e, 4, b);
		for (unsigned k = 0; k < 4; k++)
			CHECK_EQ(b[k], (vals[i] >> (8 * k)) & 0xff);
		CHECK_EQ(vmb_le32_to(e), vals[i]);
	}
}

TEST(S4_endian_be32_bytes_and_round_trip)
{
	static const uint32_t vals[] = { 0, 1, 0x01234567, 0x89abcdef, 0x000000ff, 0xff000000,
					 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff };

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		vmb_be32 e = vmb_be32_from(vals[i]);
		uint8_t b[4];

		bytes_of(&e, 4, b);
		for (unsigned k = 0; k < 4; k++)
			CHECK_EQ(b[k], (vals[i] >> (8 * (3 - k))) & 0xff);
		CHECK_EQ(vmb_be32_to(e), vals[i]);
	}
}

TEST(S4_endian_le64_bytes_and_round_trip)
{
	static const uint64_t vals[] = { 0, 1, 0x0123456789abcdefull, 0xfedcba9876543210ull,
					 0xffull, 0xff00000000000000ull, INT64_MAX,
					 0x8000000000000000ull, UINT64_MAX - 1, UINT64_MAX };

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		vmb_le64 e = vmb_le64_from(vals[i]);
		uint8_t b[8];

		bytes_of(&e, 8, b);
		for (unsigned k = 0; k < 8; k++)
			CHECK_EQ(b[k], (vals[i] >> (8 * k)) & 0xff);
		CHECK_EQ(vmb_le64_to(e), vals[i]);
	}
}

TEST(S4_endian_be64_bytes_and_round_trip)
{
	static const uint64_t vals[] = { 0, 1, 0x0123456789abcdefull, 0xfedcba9876543210ull,
					 0xffull, 0xff00000000000000ull, INT64_MAX,
					 0x8000000000000000ull, UINT64_MAX - 1, UINT64_MAX };

	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		vmb_be64 e = vmb_be64_from(vals[i]);
		uint8_t b[8];

		bytes_of(&e, 8, b);
		for (unsigned k = 0; k < 8; k++)
			CHECK_EQ(b[k], (vals[i] >> (8 * (7 - k))) & 0xff);
		CHECK_EQ(vmb_be64_to(e), vals[i]);
	}
}

TEST(S4_endian_ref_test_endian_type)
{
	/*
	 * The reference's value 0x0123_4567_89AB_CDEF, cut to each width.
	 * The raw member matches the native integer on a host of the same
	 * byte order and is its byte swap on the other.
	 */
	const uint64_t v = 0x0123456789abcdefull;
	const uint16_t v16 = (uint16_t)v;
	const uint32_t v32 = (uint32_t)v;
	const uint8_t one16[2] = { 0x01, 0x00 };
	uint16_t probe;
	bool host_le;

	/* The host's order, found without endian.h. */
	memcpy(&probe, one16, 2);
	host_le = probe == 1;
	CHECK_EQ(host_le, VMB_HOST_LE);

	CHECK_EQ(vmb_le16_from(v16).raw, host_le ? v16 : __builtin_bswap16(v16));
	CHECK_EQ(vmb_le32_from(v32).raw, host_le ? v32 : __builtin_bswap32(v32));
	CHECK_EQ(vmb_le64_from(v).raw, host_le ? v : __builtin_bswap64(v));
	CHECK_EQ(vmb_be16_from(v16).raw, host_le ? __builtin_bswap16(v16) : v16);
	CHECK_EQ(vmb_be32_from(v32).raw, host_le ? __builtin_bswap32(v32) : v32);
	CHECK_EQ(vmb_be64_from(v).raw, host_le ? __builtin_bswap64(v) : v);

	CHECK_EQ(vmb_le16_to(vmb_le16_from(v16)), v16);
	CHECK_EQ(vmb_le32_to(vmb_le32_from(v32)), v32);
	CHECK_EQ(vmb_le64_to(vmb_le64_from(v)), v);
	CHECK_EQ(vmb_be16_to(vmb_be16_from(v16)), v16);
	CHECK_EQ(vmb_be32_to(vmb_be32_from(v32)), v32);
	CHECK_EQ(vmb_be64_to(vmb_be64_from(v)), v);
}

TEST(S4_endian_bswap_helpers)
{
	CHECK_EQ(vmb_bswap16(0x0102), 0x0201);
	CHECK_EQ(vmb_bswap16(0x00ff), 0xff00);
	CHECK_EQ(vmb_bswap32(0x01020304u), 0x04030201u);
	CHECK_EQ(vmb_bswap32(0x000000ffu), 0xff000000u);
	CHECK_EQ(vmb_bswap64(0x0102030405060708ull), 0x0807060504030201ull);
	CHECK_EQ(vmb_bswap64(0xffull), 0xff00000000000000ull);
	CHECK_EQ(vmb_bswap64(vmb_bswap64(0x0123456789abcdefull)), 0x0123456789abcdefull);
}

TEST(S4_endian_write_obj_puts_named_order_in_memory)
{
	/* Guest memory sees the named order whatever the host: a be32 at 0,
	 * an le32 at 4, a be16 at 8, an le64 at 16 of a guarded slice. */
	static const uint8_t want[24] = {
		0x12, 0x34, 0x56, 0x78, /* be32 0x12345678 */
		0x78, 0x56, 0x34, 0x12, /* le32 0x12345678 */
		0xab, 0xcd,             /* be16 0xabcd */
		0, 0, 0, 0, 0, 0,
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, /* le64 */
	};
	struct vmbt_guarded g;
	struct vmb_slice s;
	vmb_be32 b32 = vmb_be32_from(0x12345678u), rb32;
	vmb_le32 l32 = vmb_le32_from(0x12345678u), rl32;
	vmb_be16 b16 = vmb_be16_from(0xabcd), rb16;
	vmb_le64 l64 = vmb_le64_from(0x0102030405060708ull), rl64;
	vmb_be64 rb64;

	vmbt_guarded_alloc(&g, sizeof(want), false);
	memset(g.p, 0, sizeof(want));
	CHECK_RC(vmb_slice_init(&s, g.p, sizeof(want)), 0);
	CHECK_RC(vmb_slice_write_obj(s, 0, &b32, sizeof(b32), NULL), 0);
	CHECK_RC(vmb_slice_write_obj(s, 4, &l32, sizeof(l32), NULL), 0);
	CHECK_RC(vmb_slice_write_obj(s, 8, &b16, sizeof(b16), NULL), 0);
	CHECK_RC(vmb_slice_write_obj(s, 16, &l64, sizeof(l64), NULL), 0);
	CHECK_MEM(g.p, want, sizeof(want));

	CHECK_RC(vmb_slice_read_obj(s, 0, &rb32, sizeof(rb32), NULL), 0);
	CHECK_EQ(vmb_be32_to(rb32), 0x12345678u);
	CHECK_RC(vmb_slice_read_obj(s, 4, &rl32, sizeof(rl32), NULL), 0);
	CHECK_EQ(vmb_le32_to(rl32), 0x12345678u);
	CHECK_RC(vmb_slice_read_obj(s, 8, &rb16, sizeof(rb16), NULL), 0);
	CHECK_EQ(vmb_be16_to(rb16), 0xabcd);
	CHECK_RC(vmb_slice_read_obj(s, 16, &rl64, sizeof(rl64), NULL), 0);
	CHECK_EQ(vmb_le64_to(rl64), 0x0102030405060708ull);
	/* The same bytes read as big-endian give the swapped value. */
	CHECK_RC(vmb_slice_read_obj(s, 16, &rb64, sizeof(rb64), NULL), 0);
	CHECK_EQ(vmb_be64_to(rb64), 0x0807060504030201ull);
	vmbt_guarded_free(&g);
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Endian types: a value kept in a fixed byte order inside guest memory.
 * Each is a struct with one member so that the compiler refuses to mix it
 * with a native integer; convert with vmb_<type>_from() and vmb_<type>_to().
 * They have the size and alignment of the native integer, so they can be
 * stored with write_obj and read with read_obj as they are.
 */
#ifndef VMBYTES_ENDIAN_H
#define VMBYTES_ENDIAN_H

#include "common.h"

VMB_BEGIN_DECLS

#if !defined(__BYTE_ORDER__) || (__BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__ && __BYTE_ORDER__ != __ORDER_BIG_ENDIAN__)
#error "vmbytes needs a little- or big-endian host"
#endif

#define VMB_HOST_LE (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)

VMB_INLINE uint16_t vmb_bswap16(uint16_t x) { return __builtin_bswap16(x); }
VMB_INLINE uint32_t vmb_bswap32(uint32_t x) { return __builtin_bswap32(x); }
VMB_INLINE uint64_t vmb_bswap64(uint64_t x) { return __builtin_bswap64(x); }

typedef struct { uint16_t raw; } vmb_le16;
/* vmb_le16_from() - store native @x in le byte order. */
VMB_INLINE vmb_le16 vmb_le16_from(uint16_t x)
{
	vmb_le16 r = { VMB_HOST_LE ? x : vmb_bswap16(x) };
	return r;
}
/* vmb_le16_to() - the native value of @x. */
VMB_INLINE uint16_t vmb_le16_to(vmb_le16 x)
{
	return VMB_HOST_LE ? x.raw : vmb_bswap16(x.raw);
}

typedef struct { uint32_t raw; } vmb_le32;
/* vmb_le32_from() - store native @x in le byte order. */
VMB_INLINE vmb_le32 vmb_le32_from(uint32_t x)
{
	vmb_le32 r = { VMB_HOST_LE ? x : vmb_bswap32(x) };
	return r;
}
/* vmb_le32_to() - the native value of @x. */
VMB_INLINE uint32_t vmb_le32_to(vmb_le32 x)
{
	return VMB_HOST_LE ? x.raw : vmb_bswap32(x.raw);
}

typedef struct { uint64_t raw; } vmb_le64;
/* vmb_le64_from() - store native @x in le byte order. */
VMB_INLINE vmb_le64 vmb_le64_from(uint64_t x)
{
	vmb_le64 r = { VMB_HOST_LE ? x : vmb_bswap64(x) };
	return r;
}
/* vmb_le64_to() - the native value of @x. */
VMB_INLINE uint64_t vmb_le64_to(vmb_le64 x)
{
	return VMB_HOST_LE ? x.raw : vmb_bswap64(x.raw);
}

typedef struct { uint16_t raw; } vmb_be16;
/* vmb_be16_from() - store native @x in be byte order. */
VMB_INLINE vmb_be16 vmb_be16_from(uint16_t x)
{
	vmb_be16 r = { !VMB_HOST_LE ? x : vmb_bswap16(x) };
	return r;
}
/* vmb_be16_to() - the native value of @x. */
VMB_INLINE uint16_t vmb_be16_to(vmb_be16 x)
{
	return !VMB_HOST_LE ? x.raw : vmb_bswap16(x.raw);
}

typedef struct { uint32_t raw; } vmb_be32;
/* vmb_be32_from() - store native @x in be byte order. */
VMB_INLINE vmb_be32 vmb_be32_from(uint32_t x)
{
	vmb_be32 r = { !VMB_HOST_LE ? x : vmb_bswap32(x) };
	return r;
}
/* vmb_be32_to() - the native value of @x. */
VMB_INLINE uint32_t vmb_be32_to(vmb_be32 x)
{
	return !VMB_HOST_LE ? x.raw : vmb_bswap32(x.raw);
}

typedef struct { uint64_t raw; } vmb_be64;
/* vmb_be64_from() - store native @x in be byte order. */
VMB_INLINE vmb_be64 vmb_be64_from(uint64_t x)
{
	vmb_be64 r = { !VMB_HOST_LE ? x : vmb_bswap64(x) };
	return r;
}
/* vmb_be64_to() - the native value of @x. */
VMB_INLINE uint64_t vmb_be64_to(vmb_be64 x)
{
	return !VMB_HOST_LE ? x.raw : vmb_bswap64(x.raw);
}

VMB_STATIC_ASSERT(sizeof(vmb_le64) == 8 && VMB_ALIGNOF(vmb_le64) == 8, "endian types keep the native layout");
VMB_STATIC_ASSERT(sizeof(vmb_be16) == 2 && VMB_ALIGNOF(vmb_be16) == 2, "endian types keep the native layout");

VMB_END_DECLS

#endif /* VMBYTES_ENDIAN_H */

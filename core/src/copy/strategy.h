/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Library-internal: the copy strategies of core/src/copy/, one family per
 * file, in LLVM libc's memory_utils manner (head/tail blocks, a block loop
 * and its tail). Each takes n > 8: vmb_copy() has already done S10 for
 * small copies, and a strategy called directly for n <= 8 hands back to
 * vmb_copy_small() so that S10 holds whatever path is forced.
 */
#ifndef VMBYTES_COPY_STRATEGY_H
#define VMBYTES_COPY_STRATEGY_H

#include <string.h>

#include "vmbytes/copy.h"

/* The strategies: any n, and each returns @dst (the shape of memcpy, so
 * that memcpy itself can be what vmb__copy_large points to). */
void *vmb__copy_libc(void *dst, const void *src, size_t n);
void *vmb__copy_bytes(void *dst, const void *src, size_t n);
void *vmb__copy_words(void *dst, const void *src, size_t n);
void *vmb__copy_reference(void *dst, const void *src, size_t n);
/* x86-64 only (arch/x86_64/copy.c): */
void *vmb__copy_rep_movsb(void *dst, const void *src, size_t n);
void *vmb__copy_avx2(void *dst, const void *src, size_t n);
void *vmb__copy_avx512(void *dst, const void *src, size_t n);
void *vmb__copy_nt(void *dst, const void *src, size_t n);

/*
 * The default path's size classes for n > 8 (arch/x86_64/copy.c), one function per
 * block strategy: head and tail blocks up to VMB__AVX512_INLINE_MAX
 * (VMB__AVX2_INLINE_MAX) bytes in straight-line code, then the block loop
 * below vmb__copy_large_min, and vmb__copy_classes() from there.
 */
#define VMB__AVX512_INLINE_MAX 512
#define VMB__AVX2_INLINE_MAX 256
void *vmb__dispatch_avx512(void *dst, const void *src, size_t n);
void *vmb__dispatch_avx2(void *dst, const void *src, size_t n);

/* The first size of the tuned large classes (rep movsb window, streaming
 * stores), or SIZE_MAX; read relaxed by the dispatchers (copy.c). */
extern size_t vmb__copy_large_min;

/* vmb__copy_classes() - the tuned large classes for n >= the first of
 * them: streaming from nt_min, rep movsb in its window, else the block
 * strategy (copy.c). */
void *vmb__copy_classes(void *dst, const void *src, size_t n);

/* The built-in thresholds for this CPU (copy/tuning.c). */
void vmb__copy_default_tuning(struct vmb_copy_tuning *t);

/* Unaligned 8-byte load and store, as plain moves. */
static inline uint64_t vmb__load64(const void *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, 8);
	return v;
}

static inline void vmb__store64(void *p, uint64_t v)
{
	__builtin_memcpy(p, &v, 8);
}

#endif /* VMBYTES_COPY_STRATEGY_H */

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * x86-64 strategies: rep movsb, AVX2 and AVX-512 block copies, and
 * non-temporal stores for copies larger than the caches. Each is compiled
 * for its own target and only ever called when the CPU has the feature
 * (vmb_copy_strategy_available()).
 */
#include <immintrin.h>
#include <stdbool.h>

#include "copy/strategy.h"

#if defined(__has_feature)
#if __has_feature(memory_sanitizer)
#include <sanitizer/msan_interface.h>
#define VMB_UNDER_MSAN 1
#endif
#endif

void *vmb__copy_rep_movsb(void *dst, const void *src, size_t n)
{
	void *ret = dst;

	if (n <= VMB_SINGLE_ACCESS_MAX) {
		vmb_copy_small(dst, src, n);
		return dst;
	}
#ifdef VMB_UNDER_MSAN
	/* MSan cannot see into the asm: carry the shadow across by hand. */
	__msan_copy_shadow(dst, src, n);
#endif
	/* ERMS/FSRM: the microcode copy; rdi, rsi and rcx are consumed. */
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
	return ret;
}

/* Unaligned vector loads and stores, by pointer to bytes. */
#define LD32(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define ST32(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))
#define LD64(p) _mm512_loadu_si512((const void *)(p))
#define ST64(p, v) _mm512_storeu_si512((void *)(p), (v))

/*
 * Head and tail blocks: 2k blocks of b bytes cover any length in
 * [k * b, 2k * b], the first k from the start and the last k from the
 * end, overlapping in the middle. All loads come before any store, as in
 * glibc's memcpy at these sizes; no loop.
 */
#define HT8(d, s, n)                                                                   \
	do {                                                                           \
		uint64_t a_ = vmb__load64(s), b_ = vmb__load64((s) + (n) - 8);         \
		vmb__store64(d, a_);                                                   \
		vmb__store64((d) + (n) - 8, b_);                                       \
	} while (0)
#define HT16(d, s, n)                                                                  \
	do {                                                                           \
		__m128i a_ = _mm_loadu_si128((const __m128i *)(const void *)(s));      \
		__m128i b_ = _mm_loadu_si128((const __m128i *)(const void *)((s) + (n) - 16)); \
		_mm_storeu_si128((__m128i *)(void *)(d), a_);                          \
		_mm_storeu_si128((__m128i *)(void *)((d) + (n) - 16), b_);             \
	} while (0)
#define HT32(d, s, n)                                                                  \
	do {                                                                           \
		__m256i a_ = LD32(s), b_ = LD32((s) + (n) - 32);                       \
		ST32(d, a_);                                                           \
		ST32((d) + (n) - 32, b_);                                              \
	} while (0)

/* heads_avx2() - copy 8 < n <= VMB__AVX2_INLINE_MAX bytes as head and
 * tail blocks and return true; false (nothing copied) for larger n. */
__attribute__((target("avx2"), always_inline)) static inline bool
heads_avx2(uint8_t *d, const uint8_t *s, size_t n)
{
	if (n <= 16) {
		HT8(d, s, n);
	} else if (n <= 32) {
		HT16(d, s, n);
	} else if (n <= 64) {
		HT32(d, s, n);
	} else if (n <= 128) {
		__m256i a = LD32(s), b = LD32(s + 32), c = LD32(s + n - 64), e = LD32(s + n - 32);

		ST32(d, a);
		ST32(d + 32, b);
		ST32(d + n - 64, c);
		ST32(d + n - 32, e);
	} else if (n <= 256) {
		__m256i a = LD32(s), b = LD32(s + 32), c = LD32(s + 64), e = LD32(s + 96);
		__m256i f = LD32(s + n - 128), g = LD32(s + n - 96), h = LD32(s + n - 64);
		__m256i k = LD32(s + n - 32);

		ST32(d, a);
		ST32(d + 32, b);
		ST32(d + 64, c);
		ST32(d + 96, e);
		ST32(d + n - 128, f);
		ST32(d + n - 96, g);
		ST32(d + n - 64, h);
		ST32(d + n - 32, k);
	} else {
		return false;
	}
	return true;
}

/*
 * The 32-byte block loop shared by the AVX2 and the streaming copy: the
 * head block, then aligned stores from the next 32-aligned destination,
 * then the tail block (loaded before anything was stored). @stream picks
 * non-temporal stores; it is a constant at each call, so the branch folds.
 */
__attribute__((target("avx2"), always_inline)) static inline void
blocks_32(uint8_t *d, const uint8_t *s, size_t n, bool stream)
{
	__m256i head = _mm256_loadu_si256((const __m256i *)(const void *)s);
	__m256i tail = _mm256_loadu_si256((const __m256i *)(const void *)(s + n - 32));
	size_t skew = 32 - ((uintptr_t)d & 31);
	uint8_t *end = d + n - 32;

	_mm256_storeu_si256((__m256i *)(void *)d, head);
	d += skew, s += skew;
	/* At this point: d is 32-aligned and [d, end + 32) is left to copy. */
	for (; d + 128 <= end; d += 128, s += 128) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)s);
		__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(s + 32));
		__m256i c = _mm256_loadu_si256((const __m256i *)(const void *)(s + 64));
		__m256i e = _mm256_loadu_si256((const __m256i *)(const void *)(s + 96));

		if (stream) {
			_mm256_stream_si256((__m256i *)(void *)d, a);
			_mm256_stream_si256((__m256i *)(void *)(d + 32), b);
			_mm256_stream_si256((__m256i *)(void *)(d + 64), c);
			_mm256_stream_si256((__m256i *)(void *)(d + 96), e);
		} else {
			_mm256_store_si256((__m256i *)(void *)d, a);
			_mm256_store_si256((__m256i *)(void *)(d + 32), b);
			_mm256_store_si256((__m256i *)(void *)(d + 64), c);
			_mm256_store_si256((__m256i *)(void *)(d + 96), e);
		}
	}
	for (; d < end; d += 32, s += 32) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)s);

		if (stream)
			_mm256_stream_si256((__m256i *)(void *)d, a);
		else
			_mm256_store_si256((__m256i *)(void *)d, a);
	}
	/*
	 * Streaming stores are weakly ordered: the fence makes them visible
	 * before anything this thread publishes afterwards (a release store
	 * of a ring index, say).
	 */
	if (stream)
		_mm_sfence();
	_mm256_storeu_si256((__m256i *)(void *)end, tail);
}

__attribute__((target("avx2"))) void *vmb__copy_avx2(void *dst, const void *src, size_t n)
{
	if (n <= VMB_SINGLE_ACCESS_MAX) {
		vmb_copy_small(dst, src, n);
		return dst;
	}
	if (!heads_avx2(dst, src, n))
		blocks_32(dst, src, n, false);
	return dst;
}

/* heads_avx512() - heads_avx2() with 64-byte blocks from 64 bytes, to
 * VMB__AVX512_INLINE_MAX. 64..128 bytes first: the dispatcher's commonest
 * call (vmb_copy() does 9..63 inline). The range test is written without
 * a wrap (the ubsan preset traps unsigned overflow); gcc and clang fold it
 * to one subtract and one unsigned compare all the same. */
__attribute__((target("avx512f,avx512bw,avx512vl,avx2"), always_inline)) static inline bool
heads_avx512(uint8_t *d, const uint8_t *s, size_t n)
{
	if (VMB_LIKELY(n >= 64 && n <= 128)) {
		__m512i a = LD64(s), b = LD64(s + n - 64);

		ST64(d, a);
		ST64(d + n - 64, b);
		return true;
	}
	if (n < 64) {
		if (n <= 16)
			HT8(d, s, n);
		else if (n <= 32)
			HT16(d, s, n);
		else
			HT32(d, s, n);
		return true;
	}
	/* At this point: n > 128. */
	__m512i a0 = LD64(s);

	if (n <= 256) {
		__m512i b = LD64(s + 64), c = LD64(s + n - 128), e = LD64(s + n - 64);

		ST64(d, a0);
		ST64(d + 64, b);
		ST64(d + n - 128, c);
		ST64(d + n - 64, e);
		return true;
	}
	if (n <= 512) {
		__m512i b = LD64(s + 64), c = LD64(s + 128), e = LD64(s + 192);
		__m512i f = LD64(s + n - 256), g = LD64(s + n - 192), h = LD64(s + n - 128);
		__m512i k = LD64(s + n - 64);

		ST64(d, a0);
		ST64(d + 64, b);
		ST64(d + 128, c);
		ST64(d + 192, e);
		ST64(d + n - 256, f);
		ST64(d + n - 192, g);
		ST64(d + n - 128, h);
		ST64(d + n - 64, k);
		return true;
	}
	return false;
}

/*
 * More than 512 bytes in 64-byte blocks, four per iteration with aligned
 * stores from the next 64-aligned destination. The four blocks at the far
 * end are stored after it, unaligned, so the loop needs no single-block
 * tail. They are loaded after the loop too, not before it as glibc's
 * memmove must: the ranges of a copy do not overlap, and the source is
 * then read as one forward stream (cold 4 KiB: 1.04-1.07x direct memcpy's
 * time before, 1.005-1.04x after; hot 2112 B no worse). Always forward:
 * running backward where the destination is a little ahead of the source modulo a
 * page (4K aliasing, as glibc's memmove checks) gained 10-15% hot at
 * 2-16 KiB but lost 20% cold at 4 KiB, where the prefetchers follow a
 * forward stream better; a software prefetch did not help cold copies.
 */
__attribute__((target("avx512f,avx512bw,avx512vl,avx2"), always_inline)) static inline void
loop_avx512(uint8_t *d, const uint8_t *s, size_t n)
{
	__m512i h = LD64(s);
	const uint8_t *src4 = s + n - 256;
	uint8_t *last4 = d + n - 256;
	size_t skew = 64 - ((uintptr_t)d & 63);

	ST64(d, h);
	d += skew, s += skew;
	/* At this point: d is 64-aligned, [.., d) is copied and [last4, ..)
	 * is left to the four blocks at src4. */
	for (; d < last4; d += 256, s += 256) {
		__m512i w = LD64(s), x = LD64(s + 64), y = LD64(s + 128), z = LD64(s + 192);

		_mm512_store_si512((void *)d, w);
		_mm512_store_si512((void *)(d + 64), x);
		_mm512_store_si512((void *)(d + 128), y);
		_mm512_store_si512((void *)(d + 192), z);
	}
	__m512i a = LD64(src4), b = LD64(src4 + 64), c = LD64(src4 + 128), f = LD64(src4 + 192);

	ST64(last4, a);
	ST64(last4 + 64, b);
	ST64(last4 + 128, c);
	ST64(last4 + 192, f);
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx2"))) void *vmb__copy_avx512(void *dst,
										  const void *src,
										  size_t n)
{
	if (n <= VMB_SINGLE_ACCESS_MAX) {
		vmb_copy_small(dst, src, n);
		return dst;
	}
	if (!heads_avx512(dst, src, n))
		loop_avx512(dst, src, n);
	return dst;
}

/*
 * The default path for n > 8 on a CPU with AVX-512: the blocks of the
 * avx512 strategy up to 512 bytes with no load of any threshold, then
 * one relaxed load of the first tuned large class. Racing a retune, a
 * copy sees the old or the new threshold; both are correct copies.
 */
__attribute__((target("avx512f,avx512bw,avx512vl,avx2"))) void *
vmb__dispatch_avx512(void *dst, const void *src, size_t n)
{
	if (heads_avx512(dst, src, n))
		return dst;
	if (VMB_LIKELY(n < __atomic_load_n(&vmb__copy_large_min, __ATOMIC_RELAXED))) {
		loop_avx512(dst, src, n);
		return dst;
	}
	return vmb__copy_classes(dst, src, n);
}

/* The same for a CPU with AVX2 (or an AVX2 tuning): blocks to 256 bytes. */
__attribute__((target("avx2"))) void *vmb__dispatch_avx2(void *dst, const void *src, size_t n)
{
	if (heads_avx2(dst, src, n))
		return dst;
	if (VMB_LIKELY(n < __atomic_load_n(&vmb__copy_large_min, __ATOMIC_RELAXED))) {
		blocks_32(dst, src, n, false);
		return dst;
	}
	return vmb__copy_classes(dst, src, n);
}

__attribute__((target("avx2"))) void *vmb__copy_nt(void *dst, const void *src, size_t n)
{
	/* Below a few KiB streaming stores only lose: the block copy does it. */
	if (n < 4096)
		return vmb__copy_avx2(dst, src, n);
	blocks_32(dst, src, n, true);
	return dst;
}

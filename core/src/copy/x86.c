/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * x86-64 strategies: rep movsb, AVX2 and AVX-512 block copies, and
 * non-temporal stores for copies larger than the caches. Each is compiled
 * for its own target and only ever called when the CPU has the feature
 * (vmb_copy_strategy_available()).
 */
#include <immintrin.h>
#include <stdbool.h>

#include "strategy.h"

#if defined(__has_feature)
#if __has_feature(memory_sanitizer)
#include <sanitizer/msan_interface.h>
#define VMB_UNDER_MSAN 1
#endif
#endif

void vmb__copy_rep_movsb(void *dst, const void *src, size_t n)
{
	if (n <= VMB_SINGLE_ACCESS_MAX) {
		vmb_copy_small(dst, src, n);
		return;
	}
#ifdef VMB_UNDER_MSAN
	/* MSan cannot see into the asm: carry the shadow across by hand. */
	__msan_copy_shadow(dst, src, n);
#endif
	/* ERMS/FSRM: the microcode copy; rdi, rsi and rcx are consumed. */
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

/* 9..64 bytes: two overlapping blocks cover any length in [k, 2k]. */
__attribute__((target("avx2"))) static inline void small_9_64(uint8_t *d, const uint8_t *s,
							       size_t n)
{
	if (n <= 16) {
		uint64_t a = vmb__load64(s), b = vmb__load64(s + n - 8);

		vmb__store64(d, a);
		vmb__store64(d + n - 8, b);
	} else if (n <= 32) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)s);
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + n - 16));

		_mm_storeu_si128((__m128i *)(void *)d, a);
		_mm_storeu_si128((__m128i *)(void *)(d + n - 16), b);
	} else {
		__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)s);
		__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(s + n - 32));

		_mm256_storeu_si256((__m256i *)(void *)d, a);
		_mm256_storeu_si256((__m256i *)(void *)(d + n - 32), b);
	}
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

__attribute__((target("avx2"))) void vmb__copy_avx2(void *dst, const void *src, size_t n)
{
	if (n <= VMB_SINGLE_ACCESS_MAX) {
		vmb_copy_small(dst, src, n);
		return;
	}
	if (n <= 64) {
		small_9_64(dst, src, n);
		return;
	}
	blocks_32(dst, src, n, false);
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx2"))) void vmb__copy_avx512(void *dst,
										 const void *src,
										 size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (n <= VMB_SINGLE_ACCESS_MAX) {
		vmb_copy_small(dst, src, n);
		return;
	}
	if (n <= 64) {
		small_9_64(d, s, n);
		return;
	}
	if (n <= 128) {
		__m512i a = _mm512_loadu_si512((const void *)s);
		__m512i b = _mm512_loadu_si512((const void *)(s + n - 64));

		_mm512_storeu_si512((void *)d, a);
		_mm512_storeu_si512((void *)(d + n - 64), b);
		return;
	}
	__m512i head = _mm512_loadu_si512((const void *)s);
	__m512i tail = _mm512_loadu_si512((const void *)(s + n - 64));
	size_t skew = 64 - ((uintptr_t)d & 63);
	uint8_t *end = d + n - 64;

	_mm512_storeu_si512((void *)d, head);
	d += skew, s += skew;
	/* At this point: d is 64-aligned and [d, end + 64) is left to copy. */
	for (; d + 256 <= end; d += 256, s += 256) {
		__m512i a = _mm512_loadu_si512((const void *)s);
		__m512i b = _mm512_loadu_si512((const void *)(s + 64));
		__m512i c = _mm512_loadu_si512((const void *)(s + 128));
		__m512i e = _mm512_loadu_si512((const void *)(s + 192));

		_mm512_store_si512((void *)d, a);
		_mm512_store_si512((void *)(d + 64), b);
		_mm512_store_si512((void *)(d + 128), c);
		_mm512_store_si512((void *)(d + 192), e);
	}
	for (; d < end; d += 64, s += 64)
		_mm512_store_si512((void *)d, _mm512_loadu_si512((const void *)s));
	_mm512_storeu_si512((void *)end, tail);
}

__attribute__((target("avx2"))) void vmb__copy_nt(void *dst, const void *src, size_t n)
{
	/* Below a few KiB streaming stores only lose: the block copy does it. */
	if (n < 4096) {
		vmb__copy_avx2(dst, src, n);
		return;
	}
	blocks_32(dst, src, n, true);
}

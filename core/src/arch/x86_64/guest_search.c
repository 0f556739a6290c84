/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The guest search index's counts with AVX-512 and AVX2 compares, and the
 * lookups compiled for each (guest_index.h); guest_index.c calls them
 * when the CPU has the instructions (vmb__cpu_guest_search()).
 */
#include <immintrin.h>

#include "arch/cpu.h"
#include "guest_index.h"

/* How many of @v[0, @m) are <= @a; @m a multiple of 8. */
__attribute__((target("avx512f,popcnt"))) static inline size_t count_le_avx512(const int64_t *v,
									  size_t m, int64_t a)
{
	__m512i x = _mm512_set1_epi64(a);
	size_t le = 0;

	for (size_t i = 0; i < m; i += 8) {
		__mmask8 k = _mm512_cmple_epi64_mask(_mm512_loadu_si512((const void *)(v + i)), x);

		le += (size_t)__builtin_popcount((unsigned)k);
	}
	return le;
}

/* The same, 4 keys at a time. */
__attribute__((target("avx2,popcnt"))) static inline size_t count_le_avx2(const int64_t *v, size_t m,
								     int64_t a)
{
	__m256i x = _mm256_set1_epi64x(a);
	size_t gt = 0;

	for (size_t i = 0; i < m; i += 4) {
		__m256i k = _mm256_loadu_si256((const __m256i *)(const void *)(v + i));
		int mask = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(k, x)));

		gt += (size_t)__builtin_popcount((unsigned)mask);
	}
	return m - gt;
}

__attribute__((target("avx512f,popcnt"))) size_t vmb__gindex_lookup_avx512(const struct vmb_guest *g,
									  uint64_t addr)
{
	return vmb__gindex_lookup(g, addr, count_le_avx512);
}

__attribute__((target("avx2,popcnt"))) size_t vmb__gindex_lookup_avx2(const struct vmb_guest *g,
								      uint64_t addr)
{
	return vmb__gindex_lookup(g, addr, count_le_avx2);
}

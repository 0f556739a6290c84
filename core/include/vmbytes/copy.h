/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The one copy entry point for guest memory. Every path that moves bytes
 * into or out of a container goes through vmb_copy() (or vmb_move() where
 * the two ranges may overlap), so a strategy is swapped in one place.
 *
 * S10 (single-access rule): a copy of at most 8 bytes is done in naturally
 * aligned units; with g = min(align(src), align(dst)) it moves 8-byte units
 * while g >= 8 and 8 bytes remain, then 4, 2 and 1, each unit one load and
 * one store. An aligned u16/u32/u64 is therefore never torn.
 */
#ifndef VMBYTES_COPY_H
#define VMBYTES_COPY_H

#include <stdbool.h>
#include <stdint.h>

#include "common.h"

VMB_BEGIN_DECLS

/* Copies of at most this many bytes follow S10. */
#define VMB_SINGLE_ACCESS_MAX 8

/* The largest power of two, at most 8, that divides both addresses. */
VMB_INLINE uintptr_t vmb__common_align(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)a | (uintptr_t)b | 8;

	return x & (~x + 1);
}

/*
 * One S10 unit: a relaxed atomic load and store of @T. Relaxed atomics
 * compile to one plain mov each on x86-64 and keep the compiler from
 * splitting, merging or eliding the access; the sanitizers see them as the
 * atomic accesses they are.
 */
#define VMB__UNIT(T, d, s)                                                             \
	__atomic_store_n((T *)(void *)(d),                                             \
			 __atomic_load_n((const T *)(const void *)(s), __ATOMIC_RELAXED),      \
			 __ATOMIC_RELAXED)

/* gcc at -O0 keeps the branches a constant @n rules out and warns that
 * they would overflow a small object (-Wstringop-overflow): a false
 * positive that broke -Werror builds of programs using the headers. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#endif
/**
 * vmb_copy_small() - S10 copy of @n <= 8 bytes between non-overlapping
 * ranges.
 * @dst: destination, valid for @n bytes.
 * @src: source, valid for @n bytes.
 * @n:   at most VMB_SINGLE_ACCESS_MAX.
 */
VMB_INLINE void vmb_copy_small(void *dst, const void *src, size_t n)
{
	uint8_t *d = (uint8_t *)dst;
	const uint8_t *s = (const uint8_t *)src;
	uintptr_t g = vmb__common_align(d, s);

	/* At this point: d and s are both aligned to g, and n <= 8. */
	if (g >= 8 && n == 8) {
		VMB__UNIT(uint64_t, d, s);
		return;
	}
	/* At this point: fewer than 8 bytes remain or g < 8. */
	while (g >= 4 && n >= 4) {
		VMB__UNIT(uint32_t, d, s);
		d += 4, s += 4, n -= 4;
	}
	/* At this point: d and s keep the alignment min(g, 4). */
	while (g >= 2 && n >= 2) {
		VMB__UNIT(uint16_t, d, s);
		d += 2, s += 2, n -= 2;
	}
	/* At this point: only single bytes, or g == 1. */
	while (n > 0) {
		VMB__UNIT(uint8_t, d, s);
		d += 1, s += 1, n -= 1;
	}
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/*
 * Copy strategies (core/src/copy/). Every one honours S10 for copies of at
 * most 8 bytes; above that each moves bytes its own way. The default is a
 * dispatcher by size class whose thresholds come from `./vmbytes tune`.
 */
enum vmb_copy_strategy {
	VMB_COPY_DEFAULT = 0,   /* the dispatcher */
	VMB_COPY_LIBC = 1,      /* libc memcpy */
	VMB_COPY_BYTES = 2,     /* one volatile byte at a time */
	VMB_COPY_WORDS = 3,     /* volatile 8-byte words after an aligning head */
	VMB_COPY_REFERENCE = 4, /* vm-memory's scheme: S10 units, then memcpy */
	VMB_COPY_REP_MOVSB = 5, /* x86 rep movsb (ERMS/FSRM) */
	VMB_COPY_AVX2 = 6,      /* 32-byte blocks: overlapping head and tail, aligned loop */
	VMB_COPY_AVX512 = 7,    /* 64-byte blocks, the same scheme */
	VMB_COPY_NT = 8,        /* non-temporal (streaming) stores from 4 KiB */
	VMB_COPY_STRATEGY_COUNT = 9,
};

/*
 * The dispatcher's size classes, for n > 8: the vector block strategy up to
 * @movsb_min, rep movsb in [@movsb_min, @movsb_max) when the CPU has ERMS,
 * the block strategy again up to @nt_min, non-temporal stores from @nt_min.
 */
struct vmb_copy_tuning {
	enum vmb_copy_strategy block; /* VMB_COPY_AVX512, VMB_COPY_AVX2 or VMB_COPY_LIBC */
	size_t movsb_min;             /* 0: no rep movsb class */
	size_t movsb_max;
	size_t nt_min;                /* SIZE_MAX: never non-temporal */
};

/* vmb_copy_strategy_name() - "avx2" etc.; "?" for an unknown value. */
VMB_API const char *vmb_copy_strategy_name(enum vmb_copy_strategy s);

/* vmb_copy_strategy_from_name() - the strategy called @name, or -1 (also
 * for a NULL @name). */
VMB_API int vmb_copy_strategy_from_name(const char *name);

/* vmb_copy_strategy_available() - true when this CPU can run @s. */
VMB_API bool vmb_copy_strategy_available(enum vmb_copy_strategy s);

/**
 * vmb_copy_strategy_copy() - copy with one named strategy (benchmarks).
 * @s: an available strategy; VMB_COPY_DEFAULT is the dispatcher.
 * Return: 0; VMB_EINVALID_ARGUMENT (-16) for an unknown or unavailable
 * strategy, NULL pointers with @n > 0. S10.
 */
VMB_API int vmb_copy_strategy_copy(enum vmb_copy_strategy s, void *dst, const void *src, size_t n);

/**
 * vmb_copy_strategy_for() - the strategy vmb_copy() uses for @n bytes with
 * the thresholds and the forced strategy now in force.
 * Return: VMB_COPY_DEFAULT when vmb_copy() copies inline (at most 8 bytes,
 * under S10; 9 to 64 bytes in the dispatcher unless a strategy is forced),
 * else the strategy it calls.
 */
VMB_API enum vmb_copy_strategy vmb_copy_strategy_for(size_t n);

/**
 * vmb_copy_force() - route every vmb_copy() of more than 8 bytes through
 * @s (VMB_COPY_DEFAULT restores the dispatcher). For tests and fuzzing;
 * the environment variable VMB_COPY_STRATEGY=name does the same at start.
 * Return: 0; VMB_EINVALID_ARGUMENT for an unknown or unavailable strategy.
 */
VMB_API int vmb_copy_force(enum vmb_copy_strategy s);

/* vmb_copy_forced() - the strategy vmb_copy_force() set, or VMB_COPY_DEFAULT. */
VMB_API enum vmb_copy_strategy vmb_copy_forced(void);

/**
 * vmb_copy_set_tuning() - replace the dispatcher's thresholds. The
 * environment variable VMB_COPY_TUNING=FILE loads them at start from a
 * file of `key=value` lines (block, movsb_min, movsb_max, nt_min) that
 * `./vmbytes tune` writes.
 * Return: 0; VMB_EINVALID_ARGUMENT for NULL, an unavailable block
 * strategy or movsb_min > movsb_max.
 */
VMB_API int vmb_copy_set_tuning(const struct vmb_copy_tuning *t);

/* vmb_copy_get_tuning() - the thresholds in force; a NULL @t does nothing. */
VMB_API void vmb_copy_get_tuning(struct vmb_copy_tuning *t);

/**
 * vmb_copy_load_tuning() - read a tuning file (what `./vmbytes tune`
 * writes, and VMB_COPY_TUNING names at start) and put it in force.
 * @path: a file of `key=value` lines (cpu, block, movsb_min, movsb_max,
 *        nt_min; nt_min may be `never`), `#` comment lines and blank lines.
 *        Keys left out keep the built-in thresholds. `cpu` is the CPU the
 *        file was made on, as vmb_copy_host_cpu() gives it, or `any`.
 *
 * Return: 0; VMB_EIO when the file cannot be read; VMB_EINVALID_ARGUMENT
 * for a NULL @path, an unknown or repeated key, a bad value, a line over
 * 127 characters that is not a comment, or a tuning this CPU cannot run;
 * VMB_EUNSUPPORTED for a well-formed file whose `cpu` is not this CPU's
 * or that has no `cpu` line (a tuning measured elsewhere). On failure the
 * thresholds in force do not change. At start, a refused VMB_COPY_TUNING
 * is a warning on stderr and the built-in thresholds apply.
 */
VMB_API int vmb_copy_load_tuning(const char *path);

/**
 * vmb_copy_host_cpu() - this CPU's key for tuning files:
 * vendor/family/model/flags, e.g. `GenuineIntel/6/167/erms,fsrm,avx2,
 * avx512f,avx512bw,avx512vl` (without the spaces; family and model in
 * decimal; of erms, fsrm, avx2, avx512f, avx512bw, avx512vl those the CPU
 * has, in that order).
 * @buf: receives the key, NUL-terminated.
 * @len: size of @buf; 96 always suffices.
 * Return: 0; VMB_EINVALID_ARGUMENT for a NULL @buf or a @len too small.
 */
VMB_API int vmb_copy_host_cpu(char *buf, size_t len);

/* Copies of more than 8 bytes; defined in core/src/copy.c. */
VMB_API void vmb__copy_large(void *dst, const void *src, size_t n);
VMB_API void vmb__move_large(void *dst, const void *src, size_t n);

/**
 * vmb_copy() - copy @n bytes between non-overlapping ranges, honouring S10.
 * @dst: destination, valid for @n bytes (may be NULL only when @n is 0).
 * @src: source, valid for @n bytes (may be NULL only when @n is 0).
 * @n:   byte count.
 *
 * Implements S10. Cannot fail.
 */
VMB_INLINE void vmb_copy(void *dst, const void *src, size_t n)
{
	if (VMB_LIKELY(n <= VMB_SINGLE_ACCESS_MAX))
		vmb_copy_small(dst, src, n);
	else
		vmb__copy_large(dst, src, n);
}

/**
 * vmb_move() - copy @n bytes between ranges that may overlap, honouring
 * S10 (slice-to-slice copies, which the reference does with memmove).
 * @dst: destination, valid for @n bytes.
 * @src: source, valid for @n bytes.
 * @n:   byte count.
 *
 * Implements S10 [diverges]. Cannot fail.
 */
VMB_API void vmb_move(void *dst, const void *src, size_t n);

VMB_END_DECLS

#endif /* VMBYTES_COPY_H */

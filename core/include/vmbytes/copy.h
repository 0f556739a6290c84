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
 * ranges, in straight-line code: no loop, at most one branch per unit.
 * @dst: destination, valid for @n bytes.
 * @src: source, valid for @n bytes.
 * @n:   at most VMB_SINGLE_ACCESS_MAX.
 */
VMB_INLINE void vmb_copy_small(void *dst, const void *src, size_t n)
{
	uint8_t *d = (uint8_t *)dst;
	const uint8_t *s = (const uint8_t *)src;
	uintptr_t g = vmb__common_align(d, s);

	if (g >= 4) {
		/* At this point: both 4-aligned, so n == 8 is one u64 (g == 8)
		 * or two u32, and n < 8 is at most one u32, u16 and u8 each. */
		if (n == 8) {
			if (g == 8) {
				VMB__UNIT(uint64_t, d, s);
			} else {
				VMB__UNIT(uint32_t, d, s);
				VMB__UNIT(uint32_t, d + 4, s + 4);
			}
			return;
		}
		if (n & 4)
			VMB__UNIT(uint32_t, d, s);
		if (n & 2)
			VMB__UNIT(uint16_t, d + (n & 4), s + (n & 4));
		if (n & 1)
			VMB__UNIT(uint8_t, d + n - 1, s + n - 1);
		return;
	}
	if (g == 2) {
		/* At this point: both 2-aligned: n / 2 u16 units, then a byte. */
		size_t k = n >> 1;

		/* Entered at case k, falling through: ascending addresses. */
		switch (k) {
		case 4:
			VMB__UNIT(uint16_t, d, s);
			/* fall through */
		case 3:
			VMB__UNIT(uint16_t, d + 2 * k - 6, s + 2 * k - 6);
			/* fall through */
		case 2:
			VMB__UNIT(uint16_t, d + 2 * k - 4, s + 2 * k - 4);
			/* fall through */
		case 1:
			VMB__UNIT(uint16_t, d + 2 * k - 2, s + 2 * k - 2);
			/* fall through */
		default:
			break;
		}
		if (n & 1)
			VMB__UNIT(uint8_t, d + n - 1, s + n - 1);
		return;
	}
	/* At this point: g == 1, so every unit is a single byte; entered at
	 * case n and falling through, in ascending addresses. */
	switch (n) {
	case 8:
		VMB__UNIT(uint8_t, d, s);
		/* fall through */
	case 7:
		VMB__UNIT(uint8_t, d + n - 7, s + n - 7);
		/* fall through */
	case 6:
		VMB__UNIT(uint8_t, d + n - 6, s + n - 6);
		/* fall through */
	case 5:
		VMB__UNIT(uint8_t, d + n - 5, s + n - 5);
		/* fall through */
	case 4:
		VMB__UNIT(uint8_t, d + n - 4, s + n - 4);
		/* fall through */
	case 3:
		VMB__UNIT(uint8_t, d + n - 3, s + n - 3);
		/* fall through */
	case 2:
		VMB__UNIT(uint8_t, d + n - 2, s + n - 2);
		/* fall through */
	case 1:
		VMB__UNIT(uint8_t, d + n - 1, s + n - 1);
		/* fall through */
	default:
		break;
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
 * The dispatcher's size classes, for n > 63: the vector block strategy
 * (its head and tail blocks, then its loop; libc: memcpy itself) up to
 * @movsb_min, rep movsb in [@movsb_min, @movsb_max) when the CPU has ERMS,
 * the block strategy again up to @nt_min, non-temporal stores from @nt_min
 * (the large classes start above the block's head and tail sizes).
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
 * Return: VMB_COPY_DEFAULT when vmb_copy() or the dispatcher copies the
 * bytes itself (at most 8 bytes under S10; unless a strategy is forced,
 * 9 to 63 bytes inline and, with an AVX-512 or AVX2 block, head and tail
 * blocks to 512 or 256 bytes), else the strategy it calls (libc_dispatched
 * for memcpy itself).
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
 * is a warning in vmb_startup_report() (on stderr only under VMB_DIAG=1)
 * and the built-in thresholds apply.
 */
VMB_API int vmb_copy_load_tuning(const char *path);

/**
 * vmb_copy_host_cpu() - this CPU's key for tuning files:
 * vendor/family/model/flags, e.g. `GenuineIntel/6/167/erms,fsrm,avx2,
 * avx512f,avx512bw,avx512vl` (without the spaces; family and model in
 * decimal; of erms, fsrm, avx2, avx512f, avx512bw, avx512vl those the CPU
 * has, in that order); `aarch64/implementer/part/` from MIDR_EL1 on
 * aarch64 (0/0 where Linux shows none).
 * @buf: receives the key, NUL-terminated.
 * @len: size of @buf; 96 always suffices.
 * Return: 0; VMB_EINVALID_ARGUMENT for a NULL @buf or a @len too small.
 */
VMB_API int vmb_copy_host_cpu(char *buf, size_t len);

/*
 * Copies of more than 8 bytes: the function resolved for this CPU at load
 * time (core/src/copy.c), which vmb_copy() calls directly. It is the
 * default path's size classes for this CPU, libc's memcpy itself where
 * the built-in defaults know nothing better, or the forced strategy. It
 * changes only when a tuning or a forced strategy is put in force; a
 * copy racing that change runs the old or the new function, both correct.
 */
typedef void *(*vmb__copy_fn)(void *dst, const void *src, size_t n);
VMB_API extern vmb__copy_fn vmb__copy_large;

/*
 * The largest copy vmb_copy() does inline as overlapping head and tail
 * moves: VMB__COPY_INLINE_MAX, or 8 (none) while a strategy is
 * forced, so that a forced strategy sees every copy above 8 bytes. Read
 * only for n <= VMB__COPY_INLINE_MAX; written with vmb__copy_large.
 */
#define VMB__COPY_INLINE_MAX 63
VMB_API extern size_t vmb__copy_inline_max;

/* 9 to 63 bytes as overlapping head and tail moves of 8 (to 16 bytes) or
 * 16 bytes (two to 32, four to 63), all loads before any store: what
 * glibc's memcpy does at these sizes, without the call. Plain moves that
 * every x86-64 has. Not 64: four 16-byte stores measured 8-14% slower
 * than glibc's one 64-byte store on a cold destination line. */
VMB_INLINE void vmb__copy_9_63(void *dst, const void *src, size_t n)
{
	uint8_t *d = (uint8_t *)dst;
	const uint8_t *s = (const uint8_t *)src;

	if (n <= 16) {
		uint64_t a, b;

		__builtin_memcpy(&a, s, 8);
		__builtin_memcpy(&b, s + n - 8, 8);
		__builtin_memcpy(d, &a, 8);
		__builtin_memcpy(d + n - 8, &b, 8);
	} else if (n <= 32) {
		struct {
			uint64_t lo, hi;
		} a, b;

		__builtin_memcpy(&a, s, 16);
		__builtin_memcpy(&b, s + n - 16, 16);
		__builtin_memcpy(d, &a, 16);
		__builtin_memcpy(d + n - 16, &b, 16);
	} else {
		struct {
			uint64_t lo, hi;
		} a, b, c, e;

		__builtin_memcpy(&a, s, 16);
		__builtin_memcpy(&b, s + 16, 16);
		__builtin_memcpy(&c, s + n - 32, 16);
		__builtin_memcpy(&e, s + n - 16, 16);
		__builtin_memcpy(d, &a, 16);
		__builtin_memcpy(d + 16, &b, 16);
		__builtin_memcpy(d + n - 32, &c, 16);
		__builtin_memcpy(d + n - 16, &e, 16);
	}
}

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
	else if (n <= VMB__COPY_INLINE_MAX &&
		 n <= __atomic_load_n(&vmb__copy_inline_max, __ATOMIC_RELAXED))
		vmb__copy_9_63(dst, src, n);
	else
		__atomic_load_n(&vmb__copy_large, __ATOMIC_RELAXED)(dst, src, n);
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

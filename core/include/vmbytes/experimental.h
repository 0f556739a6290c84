/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The experimental tier: tuning, forcing and test hooks. Not part of the
 * stable API: these declarations may change or go in any release, with a
 * note in CHANGES.md but without a deprecation period, and are declared
 * only when the including code defines VMB_EXPERIMENTAL first (as zstd's
 * ZSTD_STATIC_LINKING_ONLY):
 *
 *     #define VMB_EXPERIMENTAL
 *     #include <vmbytes.h>
 *
 * Without it this header declares nothing, so the umbrella header can
 * include it. The project's own tests, fuzz targets and benchmarks define
 * it; the library defines it for itself (VMB_BUILDING_LIBRARY). The symbols
 * stay exported from the shared library (core/abi/symbols.txt), so a
 * program that uses them links with the same library as any other.
 *
 * What is here: the copy strategies by name, forcing one for every copy,
 * copying with one explicitly, the dispatcher's thresholds (set, get, load
 * from a tuning file, the CPU key those files carry), and moving a region
 * that no guest memory owns (the fuzz targets' region pool).
 *
 * Also experimental, read once at load time by the library whether or
 * not this header is used (vmb_startup_report() says what they did):
 *   VMB_COPY_STRATEGY=name   vmb_copy_force(name) before main;
 *   VMB_COPY_TUNING=FILE     vmb_copy_load_tuning(FILE) before main;
 *   VMB_GUEST_SEARCH=plain|avx2|avx512, VMB_GUEST_INDEX=always
 *                            the guest search implementation, and the
 *                            search index at any number of regions.
 */
#if defined(VMB_EXPERIMENTAL) || defined(VMB_BUILDING_LIBRARY)
/* A guard of its own inside the define (as zstd's static section): a
 * translation unit that saw this header once without the define still
 * gets the declarations when it defines VMB_EXPERIMENTAL later. */
#ifndef VMBYTES_EXPERIMENTAL_H
#define VMBYTES_EXPERIMENTAL_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"
#include "copy.h"
#include "error.h"
#include "region.h"

VMB_BEGIN_DECLS

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
VMB_NODISCARD
VMB_API int vmb_copy_strategy_from_name(const char *name);

/* vmb_copy_strategy_available() - true when this CPU can run @s. */
VMB_API bool vmb_copy_strategy_available(enum vmb_copy_strategy s);

/**
 * vmb_copy_strategy_copy() - copy with one named strategy (benchmarks).
 * @s: an available strategy; VMB_COPY_DEFAULT is the dispatcher.
 * Return: 0; VMB_EINVALID_ARGUMENT (-16) for an unknown or unavailable
 * strategy, NULL pointers with @n > 0. S10.
 */
VMB_NODISCARD
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
VMB_NODISCARD
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
VMB_NODISCARD
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
VMB_NODISCARD
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
VMB_NODISCARD
VMB_API int vmb_copy_host_cpu(char *buf, size_t len);

/**
 * vmb_region_set_start() - move a region that no guest memory owns (the
 * fuzz targets keep a pool of regions and move them instead of mapping
 * new ones).
 * Return: 0; InvalidGuestRegion when the new range breaks G1;
 * InvalidArgument for NULL or a region that a guest memory owns.
 */
VMB_NODISCARD
VMB_API int vmb_region_set_start(struct vmb_region *r, uint64_t start, struct vmb_error *err);

VMB_END_DECLS

#endif /* VMBYTES_EXPERIMENTAL_H */
#endif /* VMB_EXPERIMENTAL || VMB_BUILDING_LIBRARY */

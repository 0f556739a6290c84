/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * What the benchmark families share: the run mode, buffers and the
 * registration of each family (one file per family).
 */
#ifndef VMBYTES_BENCH_H
#define VMBYTES_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shim/shim.h"

#define KIB ((size_t)1 << 10)
#define MIB ((size_t)1 << 20)

/* What main() was asked to register. */
struct bench_mode {
	bool quick; /* the few-minutes subset */
	bool tune;  /* only the tune/ sweep that `./vmbytes tune` reads */
};

/*
 * Buffers. One arena per (thread, side): big enough for a hot copy of the
 * largest grid size at any offset, and for two cold copies of it. Arenas
 * are mapped on first use with transparent huge pages, filled once (so
 * that no page fault lands in a timed loop) and kept for the process.
 */
#define ARENA_MAX_COPY ((size_t)256 * MIB)
#define ARENA_SIZE (2 * (ARENA_MAX_COPY + 2 * MIB))
#define ARENA_THREADS 2

enum arena_side { ARENA_SRC = 0, ARENA_DST = 1 };

/* arena() - the arena of @thread for @side, 2 MiB aligned; NULL if mapping
 * failed. Safe to call from several threads. */
uint8_t *arena(int thread, enum arena_side side);

struct vmb_slice;

/* slice_4k_setup() - the 4 KiB slice benchmarks' buffers: *@s over the
 * first 64 KiB of thread 0's destination arena, *@buf its source arena,
 * and the dispatcher unforced. Return: the number of steps that failed. */
int slice_4k_setup(struct vmb_slice *s, uint8_t **buf);

/*
 * A cold walk: copies land in slots spread over the whole arena, visited in
 * a pseudo-random order that no prefetcher follows, so that (for sizes well
 * below the arena) every copy starts from memory the caches have evicted.
 */
struct cold_walk {
	size_t stride; /* bytes between slots, a multiple of 4 KiB */
	size_t mask;   /* slot count - 1, a power of two minus one */
	size_t slot;
};

void cold_walk_init(struct cold_walk *w, size_t size);

/* cold_walk_next() - the byte offset of the next slot. A full-period
 * linear congruential step modulo the slot count (a = 5, c = 1). */
static inline size_t cold_walk_next(struct cold_walk *w)
{
	w->slot = (w->slot * 5 + 1) & w->mask;
	return w->slot * w->stride;
}

/* batch_for() - inner iterations per batch for a body of @bytes: about a
 * microsecond of work, so the shim's call per batch is noise. */
uint64_t batch_for(size_t bytes);

/*
 * Paired measurements (pairs.c): two pieces of work timed alternately in
 * the same loop, batches of some 20 us each, in A B B A order, so that
 * whatever the machine does (frequency, a neighbour, a slow phase) lands
 * on both. Reported counters: a_ns and b_ns (per repetition of the work),
 * time_ratio (the median over the rounds of A's batch time / B's, robust
 * to a preemption that hits one batch) and time_ratio_sum = a_ns / b_ns.
 */
struct side {
	void (*run)(void *ctx, uint64_t n); /* do the work @n times */
	void *ctx;
	void (*prepare)(void *ctx);         /* untimed, before each batch; or NULL */
	bool (*failed)(void *ctx);          /* true after a failure; or NULL */
};

void register_pair(struct side a, struct side b, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Size distributions (distributions.c): a table of DIST_TABLE copies drawn
 * from one distribution, each with its size and source and destination
 * offsets below DIST_WINDOW; sizes are at most 4096, so a pass copies
 * between two windows of 2 * DIST_WINDOW bytes.
 */
#define DIST_TABLE 1024
#define DIST_WINDOW 4096

struct dist {
	const char *name;
	uint16_t size[DIST_TABLE];
	uint16_t src_off[DIST_TABLE];
	uint16_t dst_off[DIST_TABLE];
	uint64_t total; /* bytes over one pass of the table */
};

/* distributions() - every distribution, read and drawn on the first call;
 * exits naming the file when one cannot be read. */
const struct dist *const *distributions(size_t *count);

/* dist_quick_ranked() - true for the distributions --quick ranks the
 * strategies on (and runs the readback variants of). */
bool dist_quick_ranked(const struct dist *d);

/* dist_readback() - read the @n bytes just copied to @d, one load per
 * 64-byte line and the last byte, as a consumer of the copy would. */
static inline uint64_t dist_readback(const uint8_t *d, size_t n)
{
	uint64_t x = 0;

	for (size_t k = 0; k < n; k += 64)
		x += d[k];
	return n ? x + d[n - 1] : x;
}

/* Families (bench/<family>.c). */
void register_copy(const struct bench_mode *m);
void register_distributions(const struct bench_mode *m);
void register_atomics(const struct bench_mode *m);
void register_containers(const struct bench_mode *m);
void register_virtq(const struct bench_mode *m);
void register_canary(const struct bench_mode *m);

/* The atomic loops (atomics.c), in (api, raw) pairs of rows: the peers
 * (bench/peers/atomic.c) time each pair against each other. */
typedef void (*atomic_loop)(void *ctx, uint64_t n);

struct atomic_fn {
	const char *impl, *op, *width, *order;
	atomic_loop loop;
};

const struct atomic_fn *atomic_fns(size_t *count);
void *atomic_ctx_new(void);           /* one thread, alone */
bool atomic_ctx_failed(void *ctx);    /* an API access failed */

/* reg() - register with a printf-formatted name; aborts on failure (a
 * benchmark set with holes in it is worse than none). */
void reg(vmb_bench_body body, void *arg, int threads, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* xmalloc() - calloc that aborts. */
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);

#endif /* VMBYTES_BENCH_H */

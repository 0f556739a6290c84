/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The C face of Google Benchmark. Benchmark bodies are C functions; this
 * header is all they see. shim.cc, the only C++ in bench/, registers them
 * and forwards each call to benchmark::State.
 *
 * A body runs its timed loop in batches, so that the one call into C++
 * per batch costs nothing next to the work:
 *
 *     static void body(struct vmb_bench *b, void *arg)
 *     {
 *             // untimed setup here
 *             while (vmb_bench_keep_running_batch(b, 256))
 *                     for (int i = 0; i < 256; i++)
 *                             work();
 *             vmb_bench_set_bytes(b, vmb_bench_iterations(b) * n);
 *     }
 *     vmb_bench_register("family/case/64", body, arg, 1);
 *
 * Names are the caller's: Google Benchmark appends only "/threads:N" and
 * "/real_time" to a benchmark registered with more than one thread.
 */
#ifndef VMBYTES_BENCH_SHIM_H
#define VMBYTES_BENCH_SHIM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One running benchmark (one thread of it): a benchmark::State. */
struct vmb_bench;

typedef void (*vmb_bench_body)(struct vmb_bench *b, void *arg);

/**
 * vmb_bench_register() - add a benchmark.
 * @name:    its full name; copied.
 * @body:    the C body, called once per run (Google Benchmark runs a body
 *           several times while it settles the iteration count).
 * @arg:     handed to @body; must outlive the run.
 * @threads: 1, or N > 1 to run @body on N threads at once, timed in wall
 *           clock time (bytes and items are then summed over threads).
 * Return: 0; -1 for a NULL name or body or @threads < 1.
 */
int vmb_bench_register(const char *name, vmb_bench_body body, void *arg, int threads);

/*
 * vmb_bench_keep_running() - true while the body should run one more
 * iteration. One call into C++ per iteration: fine above ~50 ns.
 */
bool vmb_bench_keep_running(struct vmb_bench *b);

/*
 * vmb_bench_keep_running_batch() - true while the body should run @n more
 * iterations (the timed loop may overshoot by up to @n - 1). Use it for
 * nanosecond-scale bodies.
 */
bool vmb_bench_keep_running_batch(struct vmb_bench *b, uint64_t n);

/* vmb_bench_iterations() - iterations completed so far by this thread. */
uint64_t vmb_bench_iterations(const struct vmb_bench *b);

/* vmb_bench_thread_index() - 0 .. vmb_bench_threads() - 1. */
int vmb_bench_thread_index(const struct vmb_bench *b);
int vmb_bench_threads(const struct vmb_bench *b);

/* Stop and restart the clock around untimed work inside the loop. */
void vmb_bench_pause(struct vmb_bench *b);
void vmb_bench_resume(struct vmb_bench *b);

/* Bytes and items this thread processed; reported as rates (per second). */
void vmb_bench_set_bytes(struct vmb_bench *b, uint64_t bytes);
void vmb_bench_set_items(struct vmb_bench *b, uint64_t items);

enum vmb_bench_counter_kind {
	VMB_COUNTER_VALUE = 0,         /* reported as given (summed over threads) */
	VMB_COUNTER_RATE = 1,          /* divided by the run time */
	VMB_COUNTER_PER_ITERATION = 2, /* divided by the iteration count */
	VMB_COUNTER_AVG_THREADS = 3,   /* averaged over threads */
};

/* vmb_bench_counter() - a custom counter, reported beside the timings. */
void vmb_bench_counter(struct vmb_bench *b, const char *name, double value,
		       enum vmb_bench_counter_kind kind);

/* vmb_bench_label() - a free-text label for this run. */
void vmb_bench_label(struct vmb_bench *b, const char *label);

/* vmb_bench_skip() - end this benchmark with an error message. The body
 * must return without entering (or continuing) its timed loop. */
void vmb_bench_skip(struct vmb_bench *b, const char *msg);

/* vmb_bench_context() - a key/value pair for the report's context. */
void vmb_bench_context(const char *key, const char *value);

/**
 * vmb_bench_main() - parse the benchmark flags in @argv, run what the
 * filter selects, print to the console (and to --benchmark_out).
 * Return: 0; 2 for an argument Google Benchmark does not know.
 */
int vmb_bench_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

/*
 * Keeping the optimiser honest, in plain C. Each is an empty asm statement,
 * so it costs no instruction: it only tells the compiler what it may no
 * longer assume.
 */

/* vmb_bench_use() - @v is needed: its computation must happen. */
static inline __attribute__((always_inline)) void vmb_bench_use(uint64_t v)
{
	__asm__ volatile("" : : "r"(v));
}

/* vmb_bench_escape() - memory at @p may be read or written by anyone now,
 * so earlier stores to it must happen and later loads must reload. */
static inline __attribute__((always_inline)) void vmb_bench_escape(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* vmb_bench_clobber() - all memory may have changed: no store may be
 * dropped or moved across this point. */
static inline __attribute__((always_inline)) void vmb_bench_clobber(void)
{
	__asm__ volatile("" : : : "memory");
}

/* vmb_bench_opaque_*() - the value comes back unknown to the compiler, so
 * nothing computed from it can be folded or hoisted out of a loop. */
static inline __attribute__((always_inline)) uint64_t vmb_bench_opaque_u64(uint64_t v)
{
	__asm__ volatile("" : "+r"(v));
	return v;
}

static inline __attribute__((always_inline)) void *vmb_bench_opaque_ptr(void *p)
{
	__asm__ volatile("" : "+r"(p));
	return p;
}

#endif /* VMBYTES_BENCH_SHIM_H */

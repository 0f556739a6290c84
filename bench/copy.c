/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The copy grid: every available strategy and the default path, over
 * sizes from 1 B to 256 MiB, source and destination offsets, hot and cold
 * caches, one and two threads. Also the tune/ sweep `./vmbytes tune`
 * reads.
 *
 * Every strategy is measured through the same entry point as the default,
 * vmb_copy(), with the strategy forced (vmb_copy_force()): the S10 inline
 * path for n <= 8, then one out-of-line call. So a ratio between two
 * strategies compares the strategies, not two ways of calling them.
 *
 * Names: copy/<strategy>/<hot|cold>/<1t|2t>/src<o>/dst<o>/<bytes>
 *        tune/<strategy>/<bytes>
 */
/* The experimental tier (vmbytes/experimental.h): tuning, forcing and
 * test hooks. */
#define VMB_EXPERIMENTAL
#include <stdio.h>
#include <string.h>

#include <vmbytes/copy.h>
#include <vmbytes/experimental.h>

#include "bench.h"

struct copy_case {
	enum vmb_copy_strategy strategy;
	bool cold;
	size_t size;
	size_t src_off, dst_off;
};

static const size_t grid_sizes[] = {
	1, 2, 3, 4, 5, 7, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 2111, 2112, 2113,
	4 * KIB, 8 * KIB, 16 * KIB, 32 * KIB, 64 * KIB, 128 * KIB, 256 * KIB, 512 * KIB,
	MIB - 1, MIB, MIB + 1, 2 * MIB, 4 * MIB, 8 * MIB, 16 * MIB, 32 * MIB, 64 * MIB,
	128 * MIB, 256 * MIB,
};

/* The handful of sizes --quick runs: one per size class of the dispatcher
 * and of glibc (S10, vector, rep movsb, L2, past the caches). */
static const size_t quick_sizes[] = {
	3, 16, 64, 256, 2112, 4 * KIB, 64 * KIB, MIB, 32 * MIB,
};

static const size_t offsets[] = {0, 1, 7, 8, 15, 32, 63};

/* Sizes at which the full grid crosses every source offset with every
 * destination offset (hot, one thread). */
static const size_t offset_sizes[] = {16, 256, 2112, 4 * KIB, 64 * KIB, MIB};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* set_strategy() - route vmb_copy() through @s; false (and the benchmark
 * skipped) when this CPU cannot. */
static bool set_strategy(struct vmb_bench *b, enum vmb_copy_strategy s)
{
	if (vmb_copy_force(s) != 0) {
		vmb_bench_skip(b, "strategy not available");
		return false;
	}
	return true;
}

static void copy_body(struct vmb_bench *b, void *arg)
{
	const struct copy_case *c = arg;
	int t = vmb_bench_thread_index(b);
	uint8_t *src = arena(t, ARENA_SRC), *dst = arena(t, ARENA_DST);
	size_t n = c->size;

	if (src == NULL || dst == NULL) {
		vmb_bench_skip(b, "cannot map the arenas");
		return;
	}
	if (!set_strategy(b, c->strategy))
		return;
	if (!c->cold) {
		const uint8_t *s = src + c->src_off;
		uint8_t *d = dst + c->dst_off;
		uint64_t batch = batch_for(n);

		while (vmb_bench_keep_running_batch(b, batch)) {
			for (uint64_t i = 0; i < batch; i++) {
				vmb_copy(d, s, n);
				/* The copy must happen every time. */
				vmb_bench_clobber();
			}
		}
	} else {
		struct cold_walk w;

		cold_walk_init(&w, n);
		while (vmb_bench_keep_running(b)) {
			size_t at = cold_walk_next(&w);

			vmb_copy(dst + at + c->dst_off, src + at + c->src_off, n);
			vmb_bench_clobber();
		}
	}
	vmb_bench_set_bytes(b, vmb_bench_iterations(b) * n);
}

/*
 * One side of a paired copy measurement: @size bytes, hot and aligned,
 * through vmb_copy() with @strategy forced. The two sides work in
 * different halves of the arenas at any one time, and, unless one of them
 * streams, swap halves at every batch: with fixed halves the same copy
 * measured 0.5% apart in the two, a bias that decided the 1 MiB
 * comparison against libc_dispatched. A side facing non-temporal stores keeps its
 * half: taking over a half that streaming stores have just evicted from
 * the caches made the default look 10% slower than them at 1 MiB.
 */
struct copy_side {
	enum vmb_copy_strategy strategy;
	size_t size;
	int half;   /* the half of the next batch */
	bool swap;  /* swap halves at every batch */
	uint8_t *src_base, *dst_base;
	uint8_t *src, *dst;
	bool bad;
};

static void copy_side_prepare(void *arg)
{
	struct copy_side *c = arg;

	if (c->src_base == NULL) {
		c->src_base = arena(0, ARENA_SRC);
		c->dst_base = arena(0, ARENA_DST);
		if (c->src_base == NULL || c->dst_base == NULL) {
			c->bad = true;
			return;
		}
	}
	/* A B, B A, A B, ... (pairs.c): with each side swapping at its every
	 * batch, the two never share a half within a round. */
	c->src = c->src_base + (size_t)c->half * (ARENA_SIZE / 2);
	c->dst = c->dst_base + (size_t)c->half * (ARENA_SIZE / 2);
	c->half ^= c->swap;
	if (vmb_copy_force(c->strategy) != 0)
		c->bad = true;
}

static void copy_side_run(void *arg, uint64_t reps)
{
	struct copy_side *c = arg;

	if (c->bad)
		return;
	for (uint64_t i = 0; i < reps; i++) {
		vmb_copy(c->dst, c->src, c->size);
		vmb_bench_clobber();
	}
}

static bool copy_side_failed(void *arg)
{
	return ((struct copy_side *)arg)->bad;
}

/* copy_side() - side @half (0 or 1) of a pair of @s against @rival. */
static struct side copy_side(enum vmb_copy_strategy s, enum vmb_copy_strategy rival, size_t size,
			     int half)
{
	struct copy_side *c = xcalloc(1, sizeof(*c));
	struct side sd = {copy_side_run, c, copy_side_prepare, copy_side_failed};

	c->strategy = s;
	c->size = size;
	c->half = half;
	c->swap = s != VMB_COPY_NT && rival != VMB_COPY_NT;
	return sd;
}

/*
 * The default path against each strategy that can be the fastest (bytes
 * and words never are), hot and aligned: the copy ratios.
 *
 * Not between 4 and 16 MiB: there one side's source and destination fit
 * the last-level cache (the cliff is at 16-32 MiB on these machines) but
 * two sides' do not, so a pair would measure a copy evicted by its
 * partner, not a hot one. The report uses the separate medians there.
 */
static bool pair_size_ok(size_t size)
{
	return size <= 4 * MIB || size >= 16 * MIB;
}

static void register_copy_pairs(const size_t *sizes, size_t nsizes, bool quick)
{
	static const enum vmb_copy_strategy rivals[] = {
		VMB_COPY_LIBC, VMB_COPY_REFERENCE, VMB_COPY_REP_MOVSB, VMB_COPY_AVX2,
		VMB_COPY_AVX512, VMB_COPY_NT,
	};

	for (size_t z = 0; z < nsizes; z++)
		for (size_t i = 0; i < COUNT(rivals); i++)
			/* --quick: not reference, which is libc_dispatched above 8 B. */
			if (pair_size_ok(sizes[z]) && vmb_copy_strategy_available(rivals[i]) &&
			    !(quick && rivals[i] == VMB_COPY_REFERENCE))
				register_pair(copy_side(VMB_COPY_DEFAULT, rivals[i], sizes[z], 0),
					      copy_side(rivals[i], VMB_COPY_DEFAULT, sizes[z], 1), "pair/copy/default/%s/%zu",
					      vmb_copy_strategy_name(rivals[i]), sizes[z]);
}

static const char *strategy_name(enum vmb_copy_strategy s)
{
	return vmb_copy_strategy_name(s);
}

static void add_case(enum vmb_copy_strategy s, bool cold, int threads, size_t size,
		     size_t so, size_t d_o)
{
	struct copy_case *c = xcalloc(1, sizeof(*c));

	c->strategy = s;
	c->cold = cold;
	c->size = size;
	c->src_off = so;
	c->dst_off = d_o;
	reg(copy_body, c, threads, "copy/%s/%s/%dt/src%zu/dst%zu/%zu", strategy_name(s),
	    cold ? "cold" : "hot", threads, so, d_o, size);
}

/* The strategies to measure: the default first, then those this CPU has. */
static size_t strategies(enum vmb_copy_strategy *out)
{
	size_t k = 0;

	out[k++] = VMB_COPY_DEFAULT;
	for (int s = 1; s < VMB_COPY_STRATEGY_COUNT; s++)
		if (vmb_copy_strategy_available((enum vmb_copy_strategy)s))
			out[k++] = (enum vmb_copy_strategy)s;
	return k;
}

/* The separate half of the tune/ sweep (see register_tune()). */
static void register_tune_separate(void)
{
	static const enum vmb_copy_strategy cands[] = {
		VMB_COPY_DEFAULT, VMB_COPY_LIBC, VMB_COPY_AVX2, VMB_COPY_AVX512,
		VMB_COPY_REP_MOVSB, VMB_COPY_NT,
	};

	for (size_t p = 32; p <= ARENA_MAX_COPY; p *= 2) {
		size_t sizes[2] = {p, p + p / 2};

		for (size_t k = 0; k < 2; k++) {
			if (sizes[k] > ARENA_MAX_COPY)
				continue;
			for (size_t i = 0; i < COUNT(cands); i++) {
				if (!vmb_copy_strategy_available(cands[i]))
					continue;
				struct copy_case *c = xcalloc(1, sizeof(*c));

				c->strategy = cands[i];
				c->size = sizes[k];
				reg(copy_body, c, 1, "tune/%s/%zu", strategy_name(cands[i]),
				    sizes[k]);
			}
		}
	}
}

/*
 * The tune/ sweep: the candidates of each dispatcher size class, hot and
 * aligned, on a finer size ladder (powers of two and halfway points).
 * Separately (tune/<strategy>/<size>, for throughput) and paired against
 * the reference block strategy (pair/tune/<candidate>/<reference>/<size>,
 * for the decisions): separate medians drift by 5-30% here, a paired
 * ratio by well under 1%, and rep movsb against AVX-512 at 1 MiB is a
 * difference of about 1%.
 */
static void register_tune(void)
{
	static const enum vmb_copy_strategy rivals[] = {
		VMB_COPY_AVX2, VMB_COPY_LIBC, VMB_COPY_REP_MOVSB, VMB_COPY_NT,
	};
	enum vmb_copy_strategy ref = vmb_copy_strategy_available(VMB_COPY_AVX512) ? VMB_COPY_AVX512
										 : VMB_COPY_AVX2;

	for (size_t p = 32; p <= ARENA_MAX_COPY; p *= 2) {
		size_t sizes[2] = {p, p + p / 2};

		for (size_t k = 0; k < 2; k++) {
			if (sizes[k] > ARENA_MAX_COPY || !pair_size_ok(sizes[k]))
				continue;
			for (size_t i = 0; i < COUNT(rivals); i++)
				if (rivals[i] != ref && vmb_copy_strategy_available(rivals[i]))
					register_pair(copy_side(rivals[i], ref, sizes[k], 0),
						      copy_side(ref, rivals[i], sizes[k], 1), "pair/tune/%s/%s/%zu",
						      vmb_copy_strategy_name(rivals[i]),
						      vmb_copy_strategy_name(ref), sizes[k]);
		}
	}
	register_tune_separate();
}

void register_copy(const struct bench_mode *m)
{
	enum vmb_copy_strategy ss[VMB_COPY_STRATEGY_COUNT];
	size_t ns = strategies(ss);

	if (m->tune) {
		register_tune();
		return;
	}
	if (m->quick) {
		/* Not bytes and words, which are never the fastest. */
		for (size_t z = 0; z < COUNT(quick_sizes); z++)
			for (size_t i = 0; i < ns; i++)
				if (ss[i] != VMB_COPY_BYTES && ss[i] != VMB_COPY_WORDS)
					add_case(ss[i], false, 1, quick_sizes[z], 0, 0);
		register_copy_pairs(quick_sizes, COUNT(quick_sizes), true);
		return;
	}
	/* Aligned: every size, hot and cold, one and two threads. */
	for (int threads = 1; threads <= 2; threads++)
		for (int cold = 0; cold <= 1; cold++)
			for (size_t z = 0; z < COUNT(grid_sizes); z++)
				for (size_t i = 0; i < ns; i++)
					add_case(ss[i], cold, threads, grid_sizes[z], 0, 0);
	register_copy_pairs(grid_sizes, COUNT(grid_sizes), false);
	/* Every other offset pair at the alignment sizes, hot, one thread. */
	for (size_t z = 0; z < COUNT(offset_sizes); z++)
		for (size_t so = 0; so < COUNT(offsets); so++)
			for (size_t d_o = 0; d_o < COUNT(offsets); d_o++) {
				if (offsets[so] == 0 && offsets[d_o] == 0)
					continue;
				for (size_t i = 0; i < ns; i++)
					add_case(ss[i], false, 1, offset_sizes[z], offsets[so],
						 offsets[d_o]);
			}
}

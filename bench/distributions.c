/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Copies whose sizes follow a distribution, for every strategy and the
 * default path (hot caches, one thread):
 *
 *   MemcpyGoogle<X>  the nine production workloads LLVM libc publishes
 *                    (bench/distributions/, read at run time);
 *   virtio_mix       16 B descriptors (40%), 64 B headers (25%), 1500 B
 *                    frames (25%) and 4 KiB blocks (10%);
 *   uniform_0_256    every size from 0 to 256 bytes equally likely.
 *
 * Sizes are drawn once, from a fixed seed, by inverting the cumulative
 * distribution, into a table of DIST_TABLE copies with a source and a
 * destination offset each (below 4 KiB, so alignments vary). The table
 * (6 KiB) and the two 8 KiB windows it copies between stay in L1; the
 * timed loop walks the table, so the branch predictor sees a sequence of
 * DIST_TABLE sizes, not one size.
 *
 * The readback variant reads one byte per 64-byte line of the destination
 * after each copy, as a consumer of the copy would: streaming stores
 * leave those lines in memory, not in the cache.
 *
 * Names: dist/<strategy>/<distribution>[/readback]; bytes and items
 * (copies) processed. memcpy called directly: bench/peers/dist.c.
 */
/* The experimental tier (vmbytes/experimental.h): tuning, forcing and
 * test hooks. */
#define VMB_EXPERIMENTAL
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmbytes/copy.h>
#include <vmbytes/experimental.h>

#include "bench.h"

#ifndef VMB_BENCH_DIST_DIR
#define VMB_BENCH_DIST_DIR "bench/distributions"
#endif

#define MAX_SIZE 4096

static const char *const google[] = {"A", "B", "D", "L", "M", "Q", "S", "U", "W"};

#define NDIST (sizeof(google) / sizeof(google[0]) + 2)

static struct dist *all[NDIST];
static size_t nall;

/* xorshift64: a fixed sequence, the same on every run. */
static uint64_t next_random(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void die(const char *what, const char *path)
{
	fprintf(stderr, "vmbytes-bench: %s %s%s%s\n", what, path, errno ? ": " : "",
		errno ? strerror(errno) : "");
	exit(1);
}

/* read_weights() - the comma-separated weights of @path into @w (MAX_SIZE
 * + 1 of them, the rest zero); exits naming the file on any error. */
static void read_weights(const char *path, double *w)
{
	FILE *f = fopen(path, "re");
	size_t i = 0;

	errno = 0;
	if (f == NULL)
		die("cannot read", path);
	for (;;) {
		double v;
		int c;

		if (fscanf(f, " %lf", &v) != 1 || v < 0 || i > MAX_SIZE) {
			fclose(f);
			errno = 0;
			die("not a distribution (comma-separated probabilities of sizes 0..4096):", path);
		}
		w[i++] = v;
		c = fgetc(f);
		if (c != ',')
			break;
	}
	fclose(f);
}

/* make() - a table drawn from the weights @w of sizes 0..MAX_SIZE. */
static struct dist *make(const char *name, const double *w)
{
	struct dist *d = xcalloc(1, sizeof(*d));
	double *cum = xcalloc(MAX_SIZE + 1, sizeof(*cum)), sum = 0;
	uint64_t x = 0x9e3779b97f4a7c15u;

	for (size_t i = 0; i <= MAX_SIZE; i++)
		cum[i] = sum += w[i];
	if (!(sum > 0)) {
		fprintf(stderr, "vmbytes-bench: distribution %s has no weight\n", name);
		exit(1);
	}
	d->name = name;
	for (size_t k = 0; k < DIST_TABLE; k++) {
		/* 53 random bits: a uniform point of [0, sum). */
		double r = (double)(next_random(&x) >> 11) / 9007199254740992.0 * sum;
		size_t lo = 0, hi = MAX_SIZE;

		/* The first size whose cumulative weight exceeds r. */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (cum[mid] > r)
				hi = mid;
			else
				lo = mid + 1;
		}
		d->size[k] = (uint16_t)lo;
		d->src_off[k] = (uint16_t)(next_random(&x) % DIST_WINDOW);
		d->dst_off[k] = (uint16_t)(next_random(&x) % DIST_WINDOW);
		d->total += lo;
	}
	free(cum);
	return d;
}

const struct dist *const *distributions(size_t *count)
{
	if (nall == 0) {
		const char *dir = getenv("VMB_BENCH_DISTRIBUTIONS");
		double *w = xcalloc(MAX_SIZE + 1, sizeof(*w));
		char path[4096];

		if (dir == NULL || *dir == '\0')
			dir = VMB_BENCH_DIST_DIR;
		for (size_t g = 0; g < sizeof(google) / sizeof(google[0]); g++) {
			char *name = xcalloc(1, 32);

			snprintf(name, 32, "MemcpyGoogle%s", google[g]);
			if (snprintf(path, sizeof(path), "%s/%s.csv", dir, name) >= (int)sizeof(path))
				die("path too long:", dir);
			memset(w, 0, (MAX_SIZE + 1) * sizeof(*w));
			read_weights(path, w);
			all[nall++] = make(name, w);
		}
		memset(w, 0, (MAX_SIZE + 1) * sizeof(*w));
		w[16] = 40, w[64] = 25, w[1500] = 25, w[4096] = 10;
		all[nall++] = make("virtio_mix", w);
		memset(w, 0, (MAX_SIZE + 1) * sizeof(*w));
		for (size_t i = 0; i <= 256; i++)
			w[i] = 1;
		all[nall++] = make("uniform_0_256", w);
		free(w);
	}
	*count = nall;
	return (const struct dist *const *)all;
}

struct dist_case {
	enum vmb_copy_strategy strategy;
	bool readback;
	const struct dist *d;
};

static void dist_body(struct vmb_bench *b, void *arg)
{
	const struct dist_case *c = arg;
	const struct dist *d = c->d;
	uint8_t *src = arena(0, ARENA_SRC), *dst = arena(0, ARENA_DST);

	if (src == NULL || dst == NULL || vmb_copy_force(c->strategy) != 0) {
		vmb_bench_skip(b, "no arena or strategy not available");
		return;
	}
	/* One batch is one pass over the table. */
	while (vmb_bench_keep_running_batch(b, DIST_TABLE)) {
		if (c->readback) {
			uint64_t sink = 0;

			for (size_t i = 0; i < DIST_TABLE; i++) {
				vmb_copy(dst + d->dst_off[i], src + d->src_off[i], d->size[i]);
				vmb_bench_clobber();
				sink += dist_readback(dst + d->dst_off[i], d->size[i]);
			}
			vmb_bench_use(sink);
		} else {
			for (size_t i = 0; i < DIST_TABLE; i++) {
				vmb_copy(dst + d->dst_off[i], src + d->src_off[i], d->size[i]);
				vmb_bench_clobber();
			}
		}
	}
	/* Iterations are copies; whole passes only, so bytes are exact. */
	uint64_t copies = vmb_bench_iterations(b);

	vmb_bench_set_items(b, copies);
	vmb_bench_set_bytes(b, copies / DIST_TABLE * d->total);
	/* The dispatcher is always available: restoring it cannot fail. */
	if (vmb_copy_force(VMB_COPY_DEFAULT) != 0)
		abort();
}

bool dist_quick_ranked(const struct dist *d)
{
	return strcmp(d->name, "MemcpyGoogleA") == 0 || strcmp(d->name, "virtio_mix") == 0;
}

/* --quick ranks on two of the distributions (the paired peer/dist/...
 * cover them all), leaves out the strategies that are never the fastest
 * (bytes, words) and reads back only after the default and streaming
 * stores. */
static bool in_quick(enum vmb_copy_strategy s, bool readback, const struct dist *d)
{
	if (s == VMB_COPY_BYTES || s == VMB_COPY_WORDS || !dist_quick_ranked(d))
		return false;
	return !readback || s == VMB_COPY_DEFAULT || s == VMB_COPY_NT;
}

void register_distributions(const struct bench_mode *m)
{
	size_t n;
	const struct dist *const *ds;

	if (m->tune)
		return;
	ds = distributions(&n);
	for (int s = 0; s < VMB_COPY_STRATEGY_COUNT; s++) {
		if (!vmb_copy_strategy_available((enum vmb_copy_strategy)s))
			continue;
		for (int rb = 0; rb <= 1; rb++) {
			for (size_t k = 0; k < n; k++) {
				if (m->quick && !in_quick((enum vmb_copy_strategy)s, rb, ds[k]))
					continue;
				struct dist_case *c = xcalloc(1, sizeof(*c));

				c->strategy = (enum vmb_copy_strategy)s;
				c->readback = rb;
				c->d = ds[k];
				reg(dist_body, c, 1, "dist/%s/%s%s", vmb_copy_strategy_name(c->strategy),
				    ds[k]->name, rb ? "/readback" : "");
			}
		}
	}
}

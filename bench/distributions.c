/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Copies whose sizes follow a distribution, the way a device model sees
 * them, for every strategy and the default path (hot caches, one thread).
 *
 *   uniform_0_256  every size from 0 to 256 bytes equally likely;
 *   virtio_mix     a virtio-like mix: 16 B descriptors (40%), 64 B headers
 *                  (25%), 1500 B frames (25%) and 4 KiB blocks (10%).
 *
 * Sizes are drawn once from a fixed seed into a table that the timed loop
 * walks in order; consecutive copies start at different offsets of a
 * 64 KiB window so that the mix also varies alignment.
 *
 * Names: dist/<strategy>/<distribution>; bytes and items (copies) processed.
 */
#include <vmbytes/copy.h>

#include "bench.h"

#define TABLE 4096 /* a power of two */

struct dist {
	const char *name;
	uint32_t size[TABLE];
	uint32_t off[TABLE];
	uint64_t total; /* bytes over one pass of the table */
};

struct dist_case {
	enum vmb_copy_strategy strategy;
	const struct dist *d;
};

/* xorshift64: a fixed sequence, the same on every run. */
static uint64_t next_random(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static size_t draw_uniform(uint64_t r)
{
	return (size_t)(r % 257);
}

static size_t draw_virtio(uint64_t r)
{
	unsigned p = (unsigned)(r % 100);

	return p < 40 ? 16 : p < 65 ? 64 : p < 90 ? 1500 : 4096;
}

static struct dist *make(const char *name, size_t (*draw)(uint64_t))
{
	struct dist *d = xcalloc(1, sizeof(*d));
	uint64_t x = 0x9e3779b97f4a7c15u;

	d->name = name;
	for (size_t i = 0; i < TABLE; i++) {
		d->size[i] = (uint32_t)draw(next_random(&x));
		d->off[i] = (uint32_t)(next_random(&x) % (64 * KIB));
		d->total += d->size[i];
	}
	return d;
}

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
	while (vmb_bench_keep_running_batch(b, TABLE)) {
		for (size_t i = 0; i < TABLE; i++) {
			vmb_copy(dst + d->off[i], src + d->off[i], d->size[i]);
			vmb_bench_clobber();
		}
	}
	/* Iterations are copies; whole passes only, so bytes are exact. */
	uint64_t copies = vmb_bench_iterations(b);

	vmb_bench_set_items(b, copies);
	vmb_bench_set_bytes(b, copies / TABLE * d->total);
}

void register_distributions(const struct bench_mode *m)
{
	struct dist *ds[2];

	if (m->tune)
		return;
	ds[0] = make("uniform_0_256", draw_uniform);
	ds[1] = make("virtio_mix", draw_virtio);
	for (int s = 0; s < VMB_COPY_STRATEGY_COUNT; s++) {
		if (!vmb_copy_strategy_available((enum vmb_copy_strategy)s))
			continue;
		for (size_t k = 0; k < 2; k++) {
			struct dist_case *c = xcalloc(1, sizeof(*c));

			c->strategy = (enum vmb_copy_strategy)s;
			c->d = ds[k];
			reg(dist_body, c, 1, "dist/%s/%s", vmb_copy_strategy_name(c->strategy),
			    ds[k]->name);
		}
	}
}

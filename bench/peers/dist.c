/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The size distributions (distributions.c) copied by memcpy called
 * directly (built with -fno-builtin-memcpy: `call memcpy@plt`): alone, for
 * the ranking beside every strategy, and paired with the default
 * vmb_copy() over the same table, for the ratio the issue bounds.
 *
 * Names: dist/memcpy/<distribution>[/readback]  (as dist/<strategy>/...)
 *        peer/dist/<distribution>[/readback]    A = vmb_copy(), B = memcpy;
 *        a repetition is one pass over the table, so 1 / time_ratio is the
 *        ratio of copies per second.
 */
/* The experimental tier (vmbytes/experimental.h): tuning, forcing and
 * test hooks. */
#define VMB_EXPERIMENTAL
#include <string.h>

#include <vmbytes/copy.h>
#include <vmbytes/experimental.h>

#include "peers/peers.h"

struct dist_peer {
	const struct dist *d;
	bool vmb, readback;
	uint8_t *src, *dst;
	bool bad;
};

static void dist_prepare(void *arg)
{
	struct dist_peer *c = arg;

	if (c->src == NULL) {
		c->src = arena(0, ARENA_SRC);
		c->dst = arena(0, ARENA_DST);
		c->bad = c->src == NULL || c->dst == NULL;
	}
	if (vmb_copy_force(VMB_COPY_DEFAULT) != 0)
		c->bad = true;
}

static bool dist_failed(void *arg)
{
	return ((struct dist_peer *)arg)->bad;
}

/* One loop per (copy, readback): the choice is not in the timed loop. */
#define PASS(COPY, RB)                                                                 \
	for (uint64_t r = 0; r < reps; r++)                                            \
		for (size_t i = 0; i < DIST_TABLE; i++) {                              \
			COPY(dst + d->dst_off[i], src + d->src_off[i], d->size[i]);    \
			vmb_bench_clobber();                                           \
			if (RB)                                                        \
				sink += dist_readback(dst + d->dst_off[i], d->size[i]); \
		}

static void dist_run(void *arg, uint64_t reps)
{
	struct dist_peer *c = arg;
	const struct dist *d = c->d;
	uint8_t *src = vmb_bench_opaque_ptr(c->src), *dst = vmb_bench_opaque_ptr(c->dst);
	uint64_t sink = 0;

	if (c->bad)
		return;
	if (c->vmb && c->readback)
		PASS(vmb_copy, 1)
	else if (c->vmb)
		PASS(vmb_copy, 0)
	else if (c->readback)
		PASS(memcpy, 1)
	else
		PASS(memcpy, 0)
	vmb_bench_use(sink);
}

static struct side dist_side(const struct dist *d, bool vmb, bool readback)
{
	struct dist_peer *c = xcalloc(1, sizeof(*c));
	struct side s = {dist_run, c, dist_prepare, dist_failed};

	c->d = d;
	c->vmb = vmb;
	c->readback = readback;
	return s;
}

static void memcpy_body(struct vmb_bench *b, void *arg)
{
	struct side *s = arg;
	const struct dist *d = ((struct dist_peer *)s->ctx)->d;

	s->prepare(s->ctx);
	if (s->failed(s->ctx)) {
		vmb_bench_skip(b, "cannot map the arenas");
		return;
	}
	while (vmb_bench_keep_running_batch(b, DIST_TABLE))
		s->run(s->ctx, 1);
	uint64_t copies = vmb_bench_iterations(b);

	vmb_bench_set_items(b, copies);
	vmb_bench_set_bytes(b, copies / DIST_TABLE * d->total);
}

void register_peer_dist(const struct bench_mode *m)
{
	size_t n;
	const struct dist *const *ds;

	if (m->tune)
		return;
	ds = distributions(&n);
	for (int rb = 0; rb <= 1; rb++)
		for (size_t k = 0; k < n; k++) {
			struct side *s = xcalloc(1, sizeof(*s));
			const char *tail = rb ? "/readback" : "";

			if (rb && m->quick && !dist_quick_ranked(ds[k]))
				continue;

			*s = dist_side(ds[k], false, rb);
			/* --quick ranks on two distributions (distributions.c). */
			if (!m->quick || dist_quick_ranked(ds[k]))
				reg(memcpy_body, s, 1, "dist/memcpy/%s%s", ds[k]->name, tail);
			register_pair(dist_side(ds[k], true, rb), dist_side(ds[k], false, rb),
				      "peer/dist/%s%s", ds[k]->name, tail);
		}
}

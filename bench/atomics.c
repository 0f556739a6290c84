/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Atomic stores and loads: every width and ordering, once through the API
 * (the inline vmb_slice_store()/vmb_slice_load(), with their checks) and
 * once as the bare __atomic builtin, so the cost of the checks shows as a
 * ratio. Alone on one thread, then on two threads: on the same variable
 * (contended), on neighbouring variables of one cache line (false
 * sharing), and on variables a line apart (padded, the control).
 *
 * Read-modify-write (SPEC A1-A2) the same way: fetch_add and cmpxchg
 * through vmb_slice_fetch()/vmb_slice_cmpxchg() (out of line: one call
 * plus the checks) against __atomic_fetch_add and
 * __atomic_compare_exchange_n. The cmpxchg loop always matches (it
 * expects the value it stored last), as an uncontended increment does.
 *
 * Names: atomic/<api|raw>/<store|load|fetch_add|cmpxchg>/<u8|u16|u32|u64>/<order>
 *        atomic/<api|raw>/<op>/<width>/<order>/<contended|false_sharing|padded>
 * Items processed: accesses. The API-against-raw pairs are peers
 * (bench/peers/atomic.c).
 */
#include <stdio.h>

#include <vmbytes/slice.h>

#include "bench.h"

#define BATCH 512

enum sharing { SOLO, CONTENDED, FALSE_SHARING, PADDED };

static const char *const sharing_names[] = {"", "contended", "false_sharing", "padded"};

/* The variables: one 64-byte-aligned area, shared by every benchmark. */
static _Alignas(4096) uint8_t area[4096];

/* Where thread @t works, by sharing mode. */
static size_t offset_for(enum sharing m, int t)
{
	switch (m) {
	case FALSE_SHARING:
		return (size_t)t * 8; /* same line, distinct variables */
	case PADDED:
		return (size_t)t * 128; /* distinct lines (and line pairs) */
	default:
		return 0;
	}
}

/*
 * The API sees a slice it cannot know anything about at compile time (as
 * in a real caller, which got it from a region), so its checks stay in the
 * loop; the raw loop has none.
 */
static struct vmb_slice opaque_slice(void)
{
	struct vmb_slice s;

	s.base = vmb_bench_opaque_ptr(area);
	s.len = (size_t)vmb_bench_opaque_u64(sizeof(area));
	s.bitmap = vmb_bench_opaque_ptr(NULL);
	s.bitmap_offset = 0;
	return s;
}

/* What one loop works on: its variable and a count of loops in which an
 * API call failed. Failures are or-ed in without a branch: a branch to a
 * counter made gcc leave the loop unaligned, and where a one-store loop
 * falls (across a 64-byte fetch line or not) moved it by 2x here. */
struct atomic_ctx {
	enum sharing mode;
	int thread;
	uint64_t bad;
};

/*
 * One loop per (implementation, operation, width, ordering), so that the
 * width and the ordering are constants, as they are at a real call site.
 * Values stored vary; values loaded are consumed without a dependency
 * chain (vmb_bench_use()), so the loop measures the accesses.
 */
#define DEFINE_LOOPS(T, W, ORD, ONAME, VORD)                                           \
	static void raw_store_##W##_##ONAME(void *arg, uint64_t n)                     \
	{                                                                              \
		struct atomic_ctx *c = arg;                                            \
		T *p = (T *)vmb_bench_opaque_ptr(area + offset_for(c->mode, c->thread)); \
		for (uint64_t i = 0; i < n; i++)                                       \
			/* Ordering as named: the benchmark measures it. */            \
			__atomic_store_n(p, (T)i, ORD);                                \
	}                                                                              \
	static void raw_load_##W##_##ONAME(void *arg, uint64_t n)                      \
	{                                                                              \
		struct atomic_ctx *c = arg;                                            \
		const T *p = (const T *)vmb_bench_opaque_ptr(area + offset_for(c->mode, c->thread)); \
		for (uint64_t i = 0; i < n; i++)                                       \
			vmb_bench_use(__atomic_load_n(p, ORD == __ATOMIC_RELEASE ? __ATOMIC_ACQUIRE : ORD)); \
	}                                                                              \
	static void api_store_##W##_##ONAME(void *arg, uint64_t n)                     \
	{                                                                              \
		struct atomic_ctx *c = arg;                                            \
		struct vmb_slice s = opaque_slice();                                   \
		size_t off = offset_for(c->mode, c->thread);                           \
		uint64_t bad = 0;                                                      \
		for (uint64_t i = 0; i < n; i++)                                       \
			bad |= (uint64_t)(vmb_slice_store(s, off, sizeof(T), vmb_ordering_of(VORD), i, NULL) != 0); \
		c->bad += bad;                                                         \
	}                                                                              \
	static void api_load_##W##_##ONAME(void *arg, uint64_t n)                      \
	{                                                                              \
		struct atomic_ctx *c = arg;                                            \
		struct vmb_slice s = opaque_slice();                                   \
		size_t off = offset_for(c->mode, c->thread);                           \
		uint64_t bad = 0, x = 0;                                               \
		for (uint64_t i = 0; i < n; i++) {                                     \
			bad |= (uint64_t)(vmb_slice_load(s, off, sizeof(T),             \
					vmb_ordering_of(VORD == VMB_ORDER_RELEASE ? VMB_ORDER_ACQUIRE : VORD), \
					&x, NULL) != 0);                                       \
			vmb_bench_use(x);                                              \
		}                                                                      \
		c->bad += bad;                                                         \
	}

#define DEFINE_RMW_LOOPS(T, W, ORD, ONAME, VORD)                                       \
	static void raw_fetch_add_##W##_##ONAME(void *arg, uint64_t n)                 \
	{                                                                              \
		struct atomic_ctx *c = arg;                                            \
		T *p = (T *)vmb_bench_opaque_ptr(area + offset_for(c->mode, c->thread)); \
		for (uint64_t i = 0; i < n; i++)                                       \
			vmb_bench_use(__atomic_fetch_add(p, (T)i, ORD));                \
	}                                                                              \
	static void api_fetch_add_##W##_##ONAME(void *arg, uint64_t n)                 \
	{                                                                              \
		struct atomic_ctx *c = arg;                                            \
		struct vmb_slice s = opaque_slice();                                   \
		size_t off = offset_for(c->mode, c->thread);                           \
		uint64_t bad = 0, x = 0;                                               \
		for (uint64_t i = 0; i < n; i++) {                                     \
			bad |= (uint64_t)(vmb_slice_fetch(s, off, sizeof(T), VMB_RMW_ADD, \
					vmb_ordering_of(VORD), i, &x, NULL) != 0);     \
			vmb_bench_use(x);                                              \
		}                                                                      \
		c->bad += bad;                                                         \
	}                                                                              \
	static void raw_cmpxchg_##W##_##ONAME(void *arg, uint64_t n)                   \
	{                                                                              \
		struct atomic_ctx *c = arg;                                            \
		T *p = (T *)vmb_bench_opaque_ptr(area + offset_for(c->mode, c->thread)); \
		T e = __atomic_load_n(p, __ATOMIC_RELAXED);                            \
		for (uint64_t i = 0; i < n; i++) {                                     \
			T want = e;                                                    \
			vmb_bench_use(__atomic_compare_exchange_n(p, &want, (T)(e + 1), false, \
								  ORD, __ATOMIC_RELAXED)); \
			e = (T)(want + 1);                                             \
		}                                                                      \
	}                                                                              \
	static void api_cmpxchg_##W##_##ONAME(void *arg, uint64_t n)                   \
	{                                                                              \
		struct atomic_ctx *c = arg;                                            \
		struct vmb_slice s = opaque_slice();                                   \
		size_t off = offset_for(c->mode, c->thread);                           \
		uint64_t bad = 0, e = 0, old = 0;                                      \
		bad |= (uint64_t)(vmb_slice_load(s, off, sizeof(T), VMB_RELAXED, &e, NULL) != 0); \
		for (uint64_t i = 0; i < n; i++) {                                     \
			bad |= (uint64_t)(vmb_slice_cmpxchg(s, off, sizeof(T), e, e + 1, \
					vmb_ordering_of(VORD), VMB_RELAXED, &old, NULL) != 0); \
			vmb_bench_use(old);                                            \
			e = (old + 1) & (sizeof(T) == 8 ? UINT64_MAX : (((uint64_t)1 << (8 * sizeof(T))) - 1)); \
		}                                                                      \
		c->bad += bad;                                                         \
	}

/* Orderings by store name; a load at "release" strength is an acquire. */
#define DEFINE_WIDTH(T, W)                                                             \
	DEFINE_LOOPS(T, W, __ATOMIC_RELAXED, relaxed, VMB_ORDER_RELAXED)                     \
	DEFINE_LOOPS(T, W, __ATOMIC_RELEASE, release, VMB_ORDER_RELEASE)                     \
	DEFINE_LOOPS(T, W, __ATOMIC_SEQ_CST, seq_cst, VMB_ORDER_SEQ_CST)

DEFINE_WIDTH(uint8_t, u8)
DEFINE_WIDTH(uint16_t, u16)
DEFINE_WIDTH(uint32_t, u32)
DEFINE_WIDTH(uint64_t, u64)

#define DEFINE_RMW_WIDTH(T, W)                                                         \
	DEFINE_RMW_LOOPS(T, W, __ATOMIC_RELAXED, relaxed, VMB_ORDER_RELAXED)                 \
	DEFINE_RMW_LOOPS(T, W, __ATOMIC_SEQ_CST, seq_cst, VMB_ORDER_SEQ_CST)

DEFINE_RMW_WIDTH(uint8_t, u8)
DEFINE_RMW_WIDTH(uint16_t, u16)
DEFINE_RMW_WIDTH(uint32_t, u32)
DEFINE_RMW_WIDTH(uint64_t, u64)


/* @ONAME names the body, @label the ordering as the benchmark shows it. */
#define ROW(impl, op, W, ONAME, label) {#impl, #op, #W, label, impl##_##op##_##W##_##ONAME}
#define ROWS_FOR(W)                                                                    \
	ROW(api, store, W, relaxed, "relaxed"), ROW(raw, store, W, relaxed, "relaxed"), \
	ROW(api, store, W, release, "release"), ROW(raw, store, W, release, "release"), \
	ROW(api, store, W, seq_cst, "seq_cst"), ROW(raw, store, W, seq_cst, "seq_cst"), \
	ROW(api, load, W, relaxed, "relaxed"), ROW(raw, load, W, relaxed, "relaxed"),   \
	ROW(api, load, W, release, "acquire"), ROW(raw, load, W, release, "acquire"),   \
	ROW(api, load, W, seq_cst, "seq_cst"), ROW(raw, load, W, seq_cst, "seq_cst")

#define RMW_ROWS_FOR(W)                                                                \
	ROW(api, fetch_add, W, relaxed, "relaxed"), ROW(raw, fetch_add, W, relaxed, "relaxed"), \
	ROW(api, fetch_add, W, seq_cst, "seq_cst"), ROW(raw, fetch_add, W, seq_cst, "seq_cst"), \
	ROW(api, cmpxchg, W, relaxed, "relaxed"), ROW(raw, cmpxchg, W, relaxed, "relaxed"), \
	ROW(api, cmpxchg, W, seq_cst, "seq_cst"), ROW(raw, cmpxchg, W, seq_cst, "seq_cst")

static const struct atomic_fn fns[] = {ROWS_FOR(u8), ROWS_FOR(u16), ROWS_FOR(u32), ROWS_FOR(u64),
				       RMW_ROWS_FOR(u8), RMW_ROWS_FOR(u16), RMW_ROWS_FOR(u32),
				       RMW_ROWS_FOR(u64)};

const struct atomic_fn *atomic_fns(size_t *count)
{
	*count = sizeof(fns) / sizeof(fns[0]);
	return fns;
}

void *atomic_ctx_new(void)
{
	struct atomic_ctx *c = xcalloc(1, sizeof(*c));

	c->mode = SOLO;
	return c;
}

bool atomic_ctx_failed(void *ctx)
{
	return ((struct atomic_ctx *)ctx)->bad != 0;
}

struct atomic_case {
	atomic_loop loop;
	enum sharing mode;
};

static void atomic_body(struct vmb_bench *b, void *arg)
{
	const struct atomic_case *k = arg;
	struct atomic_ctx c = {k->mode, vmb_bench_thread_index(b), 0};

	while (vmb_bench_keep_running_batch(b, BATCH))
		k->loop(&c, BATCH);
	if (c.bad != 0)
		vmb_bench_skip(b, "an API access failed");
	vmb_bench_set_items(b, vmb_bench_iterations(b));
}

static const enum sharing modes[] = {SOLO, CONTENDED, FALSE_SHARING, PADDED};

void register_atomics(const struct bench_mode *m)
{
	if (m->tune)
		return;
	/* --quick: none; the peers (bench/peers/atomic.c) time the same loops
	 * paired, which is what the report's verdict reads. */
	for (size_t k = 0; k < sizeof(modes) / sizeof(modes[0]) && !m->quick; k++) {
		for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
			const struct atomic_fn *f = &fns[i];
			struct atomic_case *c = xcalloc(1, sizeof(*c));

			c->loop = f->loop;
			c->mode = modes[k];
			if (modes[k] == SOLO)
				reg(atomic_body, c, 1, "atomic/%s/%s/%s/%s", f->impl, f->op, f->width,
				    f->order);
			else
				reg(atomic_body, c, 2, "atomic/%s/%s/%s/%s/%s", f->impl, f->op,
				    f->width, f->order, sharing_names[modes[k]]);
		}
	}
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * vmb_copy() against glibc's memcpy called the way a user calls it: a call
 * through the PLT to the libc symbol with a size the compiler cannot see.
 * This file is built with -fno-builtin-memcpy -fno-builtin-memmove (see
 * bench/CMakeLists.txt), so no memcpy below is expanded inline or
 * specialised for a size: each is `call memcpy@plt`, which the dynamic
 * linker binds to the variant glibc's resolver picks for this CPU.
 *
 * Side A is always vmbytes (the dispatcher, no strategy forced), side B the
 * peer; time_ratio = A / B, below 1 when vmbytes is faster.
 *
 * Names: peer/copy/<hot|cold>/dst<0|1|7|15>/<bytes>
 *        peer/copy_small/<aligned|odd>/<1..8>
 *        peer/move/hot/<bytes>   (vmb_move() against memmove(), overlapping)
 *        peer/slice/<write_slice|read_slice>/4096
 */
/* The experimental tier (vmbytes/experimental.h): tuning, forcing and
 * test hooks. */
#define VMB_EXPERIMENTAL
#include <string.h>

#include <vmbytes/copy.h>
#include <vmbytes/experimental.h>
#include <vmbytes/slice.h>

#include "bench.h"
#include "peers/peers.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define HALF (ARENA_SIZE / 2)

enum peer_op {
	VMB_COPY,    /* vmb_copy() */
	LIBC_MEMCPY, /* memcpy() */
	VMB_MOVE,    /* vmb_move(), overlapping */
	LIBC_MEMMOVE, /* memmove(), overlapping */
	SLICE_WRITE, /* vmb_slice_write_slice() */
	SLICE_READ,  /* vmb_slice_read_slice() */
	MEMCPY_IN,   /* memcpy() into the slice's memory */
	MEMCPY_OUT,  /* memcpy() out of it */
};

/*
 * One side. Hot: the same source and destination every time, in one half
 * of the arenas; the two sides swap halves at every batch (as copy.c's
 * pairs do), so neither keeps a half the other has warmed, except where
 * vmb_copy() streams (non-temporal stores): the side after it would take
 * over a half just evicted from the caches, a cost of the peer's that is
 * vmbytes' doing, so there each keeps its half. Cold: a walk
 * over slots spread across the side's half, in an order no prefetcher
 * follows.
 */
struct peer_side {
	enum peer_op op;
	bool cold;
	size_t size, dst_off, src_off;
	int half;
	bool swap;
	uint8_t *src_base, *dst_base;
	uint8_t *src, *dst;
	size_t stride, mask, slot;
	bool bad;
};

static void peer_prepare(void *arg)
{
	struct peer_side *c = arg;

	if (c->src_base == NULL) {
		c->src_base = arena(0, ARENA_SRC);
		c->dst_base = arena(0, ARENA_DST);
		if (c->src_base == NULL || c->dst_base == NULL) {
			c->bad = true;
			return;
		}
	}
	c->src = c->src_base + (size_t)c->half * HALF;
	c->dst = c->dst_base + (size_t)c->half * HALF;
	c->half ^= c->swap;
	/* Another benchmark may have left a strategy forced. */
	if (vmb_copy_force(VMB_COPY_DEFAULT) != 0)
		c->bad = true;
}

static bool peer_failed(void *arg)
{
	return ((struct peer_side *)arg)->bad;
}

static void hot_run(void *arg, uint64_t reps)
{
	struct peer_side *c = arg;
	uint8_t *d = vmb_bench_opaque_ptr(c->dst + c->dst_off);
	const uint8_t *s = vmb_bench_opaque_ptr(c->src + c->src_off);
	size_t n = (size_t)vmb_bench_opaque_u64(c->size);

	if (c->bad)
		return;
	switch (c->op) {
	case VMB_COPY:
		for (uint64_t i = 0; i < reps; i++) {
			vmb_copy(d, s, n);
			vmb_bench_clobber();
		}
		break;
	case LIBC_MEMCPY:
		for (uint64_t i = 0; i < reps; i++) {
			memcpy(d, s, n);
			vmb_bench_clobber();
		}
		break;
	case VMB_MOVE: /* within the source buffer: the ranges overlap */
		for (uint64_t i = 0; i < reps; i++) {
			vmb_move((uint8_t *)s + c->dst_off, s, n);
			vmb_bench_clobber();
		}
		break;
	default:
		for (uint64_t i = 0; i < reps; i++) {
			memmove((uint8_t *)s + c->dst_off, s, n);
			vmb_bench_clobber();
		}
		break;
	}
}

static void cold_run(void *arg, uint64_t reps)
{
	struct peer_side *c = arg;
	uint8_t *d = vmb_bench_opaque_ptr(c->dst + c->dst_off);
	const uint8_t *s = vmb_bench_opaque_ptr(c->src);
	size_t n = (size_t)vmb_bench_opaque_u64(c->size);
	size_t slot = c->slot, stride = c->stride, mask = c->mask;

	if (c->bad)
		return;
	/*
	 * A full-period step modulo the slot count (bench.h). The walk's
	 * parameters are locals: read through @c after each clobber, they
	 * were loads from the heap behind every copy's stores, and where a
	 * side's context sat at the destination's offset modulo 4 KiB those
	 * loads waited for the cold stores (4K aliasing): 2.7x memcpy's
	 * time at 9 B, destination offset 7, an accident of malloc.
	 */
	if (c->op == VMB_COPY) {
		for (uint64_t i = 0; i < reps; i++) {
			slot = (slot * 5 + 1) & mask;
			vmb_copy(d + slot * stride, s + slot * stride, n);
			vmb_bench_clobber();
		}
	} else {
		for (uint64_t i = 0; i < reps; i++) {
			slot = (slot * 5 + 1) & mask;
			memcpy(d + slot * stride, s + slot * stride, n);
			vmb_bench_clobber();
		}
	}
	c->slot = slot;
}

static struct side peer_side(enum peer_op op, bool cold, size_t size, size_t src_off,
			     size_t dst_off, int half)
{
	struct peer_side *c = xcalloc(1, sizeof(*c));
	struct side sd = {cold ? cold_run : hot_run, c, peer_prepare, peer_failed};

	c->op = op;
	c->cold = cold;
	c->size = size;
	c->src_off = src_off;
	c->dst_off = dst_off;
	c->half = half;
	/* The thresholds in force at registration are those of the run. */
	c->swap = vmb_copy_strategy_for(size) != VMB_COPY_NT;
	if (cold) {
		/* Slots of whole pages with room for the offset, within a half. */
		size_t stride = (size + 64 + 4095) & ~(size_t)4095, p2 = 1;

		while (p2 * 2 * stride <= HALF)
			p2 *= 2;
		c->stride = stride;
		c->mask = p2 - 1;
	}
	return sd;
}

static const size_t full_sizes[] = {
	9, 16, 31, 48, 64, 100, 128, 256, 512, 2112, 4096, 65536,
	MIB, 16 * MIB, 128 * MIB, 256 * MIB,
};

/* --quick: every size hot and aligned; a size per class misaligned and
 * cold. */
static const size_t quick_sizes[] = {
	9, 16, 31, 48, 64, 100, 128, 256, 512, 2112, 4096, 65536, MIB, 16 * MIB, 128 * MIB,
};
static const size_t quick_other_sizes[] = {16, 256, 4096, 65536, MIB};

static const size_t dst_offs[] = {0, 1, 7, 15};

static void reg_copy(bool cold, size_t off, size_t size)
{
	register_pair(peer_side(VMB_COPY, cold, size, 0, off, 0),
		      peer_side(LIBC_MEMCPY, cold, size, 0, off, 1), "peer/copy/%s/dst%zu/%zu",
		      cold ? "cold" : "hot", off, size);
}

static void register_copy_peers(bool quick)
{
	if (quick) {
		for (size_t z = 0; z < COUNT(quick_sizes); z++)
			reg_copy(false, 0, quick_sizes[z]);
		for (size_t z = 0; z < COUNT(quick_other_sizes); z++) {
			reg_copy(false, 7, quick_other_sizes[z]);
			reg_copy(true, 0, quick_other_sizes[z]);
		}
		return;
	}
	for (int cold = 0; cold <= 1; cold++)
		for (size_t o = 0; o < COUNT(dst_offs); o++)
			for (size_t z = 0; z < COUNT(full_sizes); z++)
				reg_copy(cold, dst_offs[o], full_sizes[z]);
}

/* ---- overlapping moves: vmb_move() against memmove() ---- */

static const size_t move_sizes[] = {16, 256, 4096, 65536};

static void register_move_peers(void)
{
	/* The destination 64 bytes above the source: from 64 bytes on the
	 * ranges overlap and a forward copy would be wrong. */
	for (size_t z = 0; z < COUNT(move_sizes); z++)
		register_pair(peer_side(VMB_MOVE, false, move_sizes[z], 0, 64, 0),
			      peer_side(LIBC_MEMMOVE, false, move_sizes[z], 0, 64, 1),
			      "peer/move/hot/%zu", move_sizes[z]);
}

/* ---- n <= 8: the S10 units against memcpy of the same bytes ---- */

static void register_small_peers(void)
{
	for (size_t n = 1; n <= VMB_SINGLE_ACCESS_MAX; n++) {
		/* aligned: both at 64-byte boundaries; odd: the destination one
		 * byte off, so S10 moves single bytes. */
		register_pair(peer_side(VMB_COPY, false, n, 0, 0, 0),
			      peer_side(LIBC_MEMCPY, false, n, 0, 0, 1), "peer/copy_small/aligned/%zu", n);
		register_pair(peer_side(VMB_COPY, false, n, 0, 1, 0),
			      peer_side(LIBC_MEMCPY, false, n, 0, 1, 1), "peer/copy_small/odd/%zu", n);
	}
}

/* ---- a slice's write_slice/read_slice of 4 KiB against memcpy ---- */

struct slice_peer {
	enum peer_op op;
	struct vmb_slice s;
	uint8_t *buf;
	uint64_t bad;
};

static void slice_prepare(void *arg)
{
	struct slice_peer *x = arg;

	x->bad += (uint64_t)slice_4k_setup(&x->s, &x->buf);
}

static void slice_run(void *arg, uint64_t reps)
{
	struct slice_peer *x = arg;
	struct vmb_slice s = x->s;
	size_t off = (size_t)vmb_bench_opaque_u64(8 * KIB);
	size_t len = (size_t)vmb_bench_opaque_u64(4096);
	uint8_t *buf = vmb_bench_opaque_ptr(x->buf);
	uint8_t *mem = vmb_bench_opaque_ptr(s.base);
	uint64_t bad = 0;

	if (x->bad)
		return;
	switch (x->op) {
	case SLICE_WRITE:
		for (uint64_t i = 0; i < reps; i++) {
			bad += vmb_slice_write_slice(s, off, buf, len, NULL) != 0;
			vmb_bench_clobber();
		}
		break;
	case SLICE_READ:
		for (uint64_t i = 0; i < reps; i++) {
			bad += vmb_slice_read_slice(s, off, buf, len, NULL) != 0;
			vmb_bench_clobber();
		}
		break;
	case MEMCPY_IN: /* as write_slice */
		for (uint64_t i = 0; i < reps; i++) {
			memcpy(mem + off, buf, len);
			vmb_bench_clobber();
		}
		break;
	default: /* MEMCPY_OUT, as read_slice */
		for (uint64_t i = 0; i < reps; i++) {
			memcpy(buf, mem + off, len);
			vmb_bench_clobber();
		}
		break;
	}
	x->bad += bad;
}

static bool slice_failed(void *arg)
{
	return ((struct slice_peer *)arg)->bad != 0;
}

static struct side slice_peer(enum peer_op op)
{
	struct slice_peer *x = xcalloc(1, sizeof(*x));
	struct side sd = {slice_run, x, slice_prepare, slice_failed};

	x->op = op;
	return sd;
}

static void register_slice_peers(void)
{
	register_pair(slice_peer(SLICE_WRITE), slice_peer(MEMCPY_IN), "peer/slice/write_slice/4096");
	register_pair(slice_peer(SLICE_READ), slice_peer(MEMCPY_OUT), "peer/slice/read_slice/4096");
}

void register_peer_copy(const struct bench_mode *m)
{
	register_copy_peers(m->quick);
	register_move_peers();
	register_small_peers();
	register_slice_peers();
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Benchmark buffers: per-thread arenas, cold walks and batch sizes.
 */
/* The experimental tier (vmbytes/experimental.h): tuning, forcing and
 * test hooks. */
#define VMB_EXPERIMENTAL
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <vmbytes/copy.h>
#include <vmbytes/experimental.h>
#include <vmbytes/slice.h>

#include "bench.h"

static pthread_mutex_t arena_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *arenas[ARENA_THREADS][2];

static uint8_t *map_arena(void)
{
	/* Over-map by 2 MiB so the arena can start on a huge-page boundary. */
	size_t len = ARENA_SIZE + 2 * MIB;
	uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	uint8_t *a = (uint8_t *)(((uintptr_t)p + 2 * MIB - 1) & ~(uintptr_t)(2 * MIB - 1));

	/* Huge pages keep TLB misses out of the cold and large copies. */
	(void)madvise(a, ARENA_SIZE, MADV_HUGEPAGE);
	/* Touch every page now: a page fault inside a timed loop would be
	 * measured as a slow copy. Non-zero so that no page stays shared. */
	memset(a, 0x5a, ARENA_SIZE);
	return a;
}

uint8_t *arena(int thread, enum arena_side side)
{
	uint8_t *a;

	if (thread < 0 || thread >= ARENA_THREADS)
		return NULL;
	/* The lock is taken outside every timed loop. */
	pthread_mutex_lock(&arena_lock);
	if (arenas[thread][side] == NULL)
		arenas[thread][side] = map_arena();
	a = arenas[thread][side];
	pthread_mutex_unlock(&arena_lock);
	return a;
}

void cold_walk_init(struct cold_walk *w, size_t size)
{
	/* Room for the copy, its offsets (< 64) and a guard line, in pages. */
	size_t stride = (size + 128 + 4095) & ~(size_t)4095;
	size_t slots = ARENA_SIZE / stride;
	size_t p2 = 1;

	while (p2 * 2 <= slots)
		p2 *= 2;
	w->stride = stride;
	w->mask = p2 - 1;
	w->slot = 0;
}

uint64_t batch_for(size_t bytes)
{
	/* About 4 KiB of copying per batch, at least one copy, at most 256. */
	if (bytes >= 4096)
		return 1;
	if (bytes < 16)
		return 256;
	return 4096 / bytes;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL) {
		fprintf(stderr, "vmbytes-bench: out of memory\n");
		abort();
	}
	return p;
}

void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size);

	if (q == NULL) {
		fprintf(stderr, "vmbytes-bench: out of memory\n");
		abort();
	}
	return q;
}

int slice_4k_setup(struct vmb_slice *s, uint8_t **buf)
{
	int bad = 0;

	if (*buf == NULL) {
		uint8_t *mem = arena(0, ARENA_DST);

		*buf = arena(0, ARENA_SRC);
		if (mem == NULL || *buf == NULL || vmb_slice_init(s, mem, 64 * KIB) != 0)
			bad++;
	}
	if (vmb_copy_force(VMB_COPY_DEFAULT) != 0)
		bad++;
	return bad;
}

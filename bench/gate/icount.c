/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The instruction-count driver: a fixed number of copies per (strategy,
 * size), each case measured alone by callgrind through its client
 * requests. Run it under `valgrind --tool=callgrind --collect-atstart=no`;
 * icount.py turns the dumps into counts per copy and gates them. Outside
 * valgrind it just runs (and checks each copy), which keeps it honest.
 *
 * Under valgrind the CPU reports no AVX-512, so that strategy is skipped,
 * and glibc picks another memcpy: compare a strategy only with itself
 * across commits, never strategies with each other.
 */
/* The experimental tier (vmbytes/experimental.h): tuning, forcing and
 * test hooks. */
#define VMB_EXPERIMENTAL
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/callgrind.h>

#include "vmbytes.h"

static const size_t sizes[] = { 1, 3, 8, 16, 33, 64, 256, 2113, 4096, 65536 };

/* About 256 KiB moved per case, and at least 16 copies. */
static unsigned iterations(size_t n)
{
	size_t it = ((size_t)256 << 10) / n;

	return it < 16 ? 16 : it > 4096 ? 4096 : (unsigned)it;
}

/* measure() - @it copies of @n bytes by strategy @st (VMB_COPY_DEFAULT:
 * vmb_copy() with what is in force) as one callgrind dump named
 * @label/@n/@it; 0, or 1 when the bytes are wrong. */
static int measure(const char *label, enum vmb_copy_strategy st, uint8_t *dst, const uint8_t *src,
		   size_t n)
{
	int (*copy)(enum vmb_copy_strategy, void *, const void *, size_t) = vmb_copy_strategy_copy;
	unsigned it = iterations(n);
	char name[64];

	snprintf(name, sizeof(name), "%s/%zu/%u", label, n, it);
	memset(dst, 0, n);
	/* The status once, outside the measured loop; inside it, through a
	 * pointer without the must-use attribute, which the compiler turns
	 * back into the same direct call (the counted instructions are those
	 * of the copies alone, as before). */
	if (vmb_copy_strategy_copy(st, dst, src, n) != 0) {
		fprintf(stderr, "icount: %s: strategy refused\n", name);
		return 1;
	}
	memset(dst, 0, n);
	/* Collection is off outside these loops (--collect-atstart=no). */
	CALLGRIND_ZERO_STATS;
	CALLGRIND_TOGGLE_COLLECT;
	for (unsigned i = 0; i < it; i++)
		(void)copy(st, dst, src + (i & 1), n);
	CALLGRIND_TOGGLE_COLLECT;
	CALLGRIND_DUMP_STATS_AT(name);
	/* The copies are real: the last one must have landed. */
	if (memcmp(dst, src + ((it - 1) & 1), n) != 0) {
		fprintf(stderr, "icount: %s copied wrong bytes\n", name);
		return 1;
	}
	printf("%s\n", name);
	return 0;
}

int main(int argc, char **argv)
{
	size_t max = sizes[sizeof(sizes) / sizeof(sizes[0]) - 1];
	uint8_t *src = aligned_alloc(64, max + 64), *dst = aligned_alloc(64, max + 64);
	const char *only = argc > 1 ? argv[1] : NULL;

	if (argc > 2 || src == NULL || dst == NULL) {
		fprintf(stderr, "usage: %s [STRATEGY]\n", argv[0]);
		return 2;
	}
	for (size_t i = 0; i < max + 64; i++)
		src[i] = (uint8_t)(i * 31 + 7);
	for (int s = 0; s < VMB_COPY_STRATEGY_COUNT; s++) {
		enum vmb_copy_strategy st = (enum vmb_copy_strategy)s;

		if (!vmb_copy_strategy_available(st) ||
		    (only && strcmp(only, vmb_copy_strategy_name(st)) != 0))
			continue;
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
			if (measure(vmb_copy_strategy_name(st), st, dst, src, sizes[k]) != 0)
				return 1;
	}
	/*
	 * The default path with the AVX2 size classes in force: under
	 * valgrind the CPU is not one the built-ins were measured on, so
	 * `default` above is memcpy itself, and this keeps the dispatcher's
	 * own code counted.
	 */
	struct vmb_copy_tuning saved, t = {VMB_COPY_AVX2, 0, 0, SIZE_MAX};

	vmb_copy_get_tuning(&saved);
	if ((!only || strcmp(only, "default_avx2") == 0) && vmb_copy_set_tuning(&t) == 0) {
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
			if (measure("default_avx2", VMB_COPY_DEFAULT, dst, src, sizes[k]) != 0)
				return 1;
		if (vmb_copy_set_tuning(&saved) != 0)
			return 1; /* the thresholds it started with were refused */
	}
	free(src);
	free(dst);
	return 0;
}

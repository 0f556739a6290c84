/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The out-of-line half of the copy entry point: the size-class dispatcher
 * over the strategies of core/src/copy/, CPU feature detection, forcing a
 * strategy, and the tuned thresholds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "copy/strategy.h"
#include "internal.h"

static const char *const names[VMB_COPY_STRATEGY_COUNT] = {
	"default", "libc_dispatched", "bytes", "words", "reference", "rep_movsb", "avx2", "avx512", "nt",
};

typedef void (*copy_fn)(void *dst, const void *src, size_t n);

static const copy_fn fns[VMB_COPY_STRATEGY_COUNT] = {
	NULL,
	vmb__copy_libc,
	vmb__copy_bytes,
	vmb__copy_words,
	vmb__copy_reference,
	vmb__copy_rep_movsb,
	vmb__copy_avx2,
	vmb__copy_avx512,
	vmb__copy_nt,
};

/*
 * What the dispatcher reads on every large copy. Written at start and by
 * the set functions; each field is read and written with relaxed atomics:
 * a copy racing a retune or a force uses the old or the new class, or a
 * mix of the two, and every strategy is a correct copy.
 *
 * The first three are derived by publish(): a copy of n bytes is done
 * inline when n <= small_max, by block when n <= block_last, and by the
 * large classes (nt_min, the rep movsb window) above. A forced strategy
 * is block with small_max = 0 and block_last = SIZE_MAX, so that
 * the forced and the default paths run the same instructions up to the
 * strategy (the default measured 0.90x a forced AVX-512 at 256 B when it
 * checked for a forced strategy first and the size classes after).
 */
/* The largest copy done inline by the dispatcher (copy_9_64()). */
#define SMALL_MAX 64

static struct {
	size_t small_max, block_last;
	copy_fn block;
	size_t movsb_min, movsb_max, nt_min;
	int block_id, forced_id;
} cfg = {
	/* Until copy_init() has run (another constructor copying): libc. */
	.small_max = SMALL_MAX,
	.block_last = SIZE_MAX,
	.block = vmb__copy_libc,
	.nt_min = SIZE_MAX,
	.block_id = VMB_COPY_LIBC,
};

static bool cpu_has(enum vmb_copy_strategy s)
{
	unsigned a, b, c, d;

	switch (s) {
	case VMB_COPY_REP_MOVSB:
		/* CPUID.7.0:EBX bit 9 is ERMS. */
		__asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
		return (b >> 9) & 1;
	case VMB_COPY_AVX2:
	case VMB_COPY_NT:
		return __builtin_cpu_supports("avx2");
	case VMB_COPY_AVX512:
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		       __builtin_cpu_supports("avx512vl");
	default:
		return (unsigned)s < VMB_COPY_STRATEGY_COUNT;
	}
}

/* Bit s set when the CPU can run strategy s; CPUID is slow, so ask once. */
static unsigned available_mask(void)
{
	static unsigned mask;
	unsigned m = __atomic_load_n(&mask, __ATOMIC_RELAXED);

	if (m == 0) {
		for (int s = 0; s < VMB_COPY_STRATEGY_COUNT; s++)
			if (cpu_has((enum vmb_copy_strategy)s))
				m |= 1u << s;
		/* Relaxed: every thread computes the same mask. */
		__atomic_store_n(&mask, m, __ATOMIC_RELAXED);
	}
	return m;
}

bool vmb_copy_strategy_available(enum vmb_copy_strategy s)
{
	return (unsigned)s < VMB_COPY_STRATEGY_COUNT && ((available_mask() >> s) & 1);
}

const char *vmb_copy_strategy_name(enum vmb_copy_strategy s)
{
	return (unsigned)s < VMB_COPY_STRATEGY_COUNT ? names[s] : "?";
}

int vmb_copy_strategy_from_name(const char *name)
{
	for (int i = 0; name && i < VMB_COPY_STRATEGY_COUNT; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

#define LOAD(f) __atomic_load_n(&cfg.f, __ATOMIC_RELAXED)
#define STORE(f, v) __atomic_store_n(&cfg.f, (v), __ATOMIC_RELAXED)

/*
 * 9 to 64 bytes in the dispatcher itself, as two overlapping blocks from
 * each end (all loads before any store), with 8- and 16-byte moves that
 * every x86-64 has. At these sizes the call into a strategy cost as much
 * as the copy: the default path measured 0.89x a forced AVX-512 at 16 B.
 */
static inline void copy_9_64(uint8_t *d, const uint8_t *s, size_t n)
{
	typedef struct {
		uint64_t lo, hi;
	} b16;
	if (n <= 16) {
		uint64_t a = vmb__load64(s), b = vmb__load64(s + n - 8);

		vmb__store64(d, a);
		vmb__store64(d + n - 8, b);
	} else if (n <= 32) {
		b16 a, b;

		__builtin_memcpy(&a, s, 16);
		__builtin_memcpy(&b, s + n - 16, 16);
		__builtin_memcpy(d, &a, 16);
		__builtin_memcpy(d + n - 16, &b, 16);
	} else {
		b16 a, b, c, e;

		__builtin_memcpy(&a, s, 16);
		__builtin_memcpy(&b, s + 16, 16);
		__builtin_memcpy(&c, s + n - 32, 16);
		__builtin_memcpy(&e, s + n - 16, 16);
		__builtin_memcpy(d, &a, 16);
		__builtin_memcpy(d + 16, &b, 16);
		__builtin_memcpy(d + n - 32, &c, 16);
		__builtin_memcpy(d + n - 16, &e, 16);
	}
}

/* The strategy for n above block_last: streaming stores from nt_min, rep
 * movsb in its window, else the block strategy. Shared by the dispatcher
 * and vmb_copy_strategy_for(), so the two cannot disagree. */
static enum vmb_copy_strategy large_class(size_t n)
{
	if (n >= LOAD(nt_min))
		return VMB_COPY_NT;
	if (n >= LOAD(movsb_min) && n < LOAD(movsb_max))
		return VMB_COPY_REP_MOVSB;
	return (enum vmb_copy_strategy)LOAD(block_id);
}

/* Out of line, so that the classes above stay a leaf that tail-calls (the
 * inline version gave every small copy a stack frame: +10 instructions). */
__attribute__((noinline)) static void copy_large_class(void *dst, const void *src, size_t n)
{
	fns[large_class(n)](dst, src, n);
}

void vmb__copy_large(void *dst, const void *src, size_t n)
{
	/* At this point: n > 8, so S10 does not constrain the strategy. */
	if (n <= LOAD(small_max)) {
		copy_9_64(dst, src, n);
		return;
	}
	if (VMB_LIKELY(n <= LOAD(block_last))) {
		LOAD(block)(dst, src, n);
		return;
	}
	/* At this point: not forced, and n is in a large class or between
	 * the rep movsb window and nt_min. */
	copy_large_class(dst, src, n);
}

enum vmb_copy_strategy vmb_copy_strategy_for(size_t n)
{
	if (n <= VMB_SINGLE_ACCESS_MAX || n <= LOAD(small_max))
		return VMB_COPY_DEFAULT;
	if (n <= LOAD(block_last)) {
		int forced = LOAD(forced_id);

		return (enum vmb_copy_strategy)(forced != VMB_COPY_DEFAULT ? forced : LOAD(block_id));
	}
	return large_class(n);
}

/* publish() - derive the dispatcher's first three fields from the tuning
 * and the forced strategy (VMB_COPY_DEFAULT: none). */
static void publish(void)
{
	int forced = LOAD(forced_id);

	if (forced != VMB_COPY_DEFAULT) {
		STORE(small_max, 0);
		STORE(block_last, SIZE_MAX);
		STORE(block, fns[forced]);
		return;
	}
	size_t lo = LOAD(movsb_min) < LOAD(movsb_max) ? LOAD(movsb_min) : SIZE_MAX;
	size_t nt = LOAD(nt_min);

	STORE(block, fns[LOAD(block_id)]);
	size_t first_large = lo < nt ? lo : nt;

	STORE(block_last, first_large > 0 ? first_large - 1 : 0);
	STORE(small_max, SMALL_MAX);
}

void vmb__move_large(void *dst, const void *src, size_t n)
{
	memmove(dst, src, n);
}

int vmb_copy_strategy_copy(enum vmb_copy_strategy s, void *dst, const void *src, size_t n)
{
	if (!vmb_copy_strategy_available(s) || ((dst == NULL || src == NULL) && n > 0))
		return VMB_EINVALID_ARGUMENT;
	if (s == VMB_COPY_DEFAULT)
		vmb_copy(dst, src, n);
	else
		fns[s](dst, src, n);
	return 0;
}

int vmb_copy_force(enum vmb_copy_strategy s)
{
	if (!vmb_copy_strategy_available(s))
		return VMB_EINVALID_ARGUMENT;
	STORE(forced_id, (int)s);
	publish();
	return 0;
}

enum vmb_copy_strategy vmb_copy_forced(void)
{
	return (enum vmb_copy_strategy)LOAD(forced_id);
}

int vmb_copy_set_tuning(const struct vmb_copy_tuning *t)
{
	if (t == NULL || t->movsb_min > t->movsb_max ||
	    (t->block != VMB_COPY_AVX512 && t->block != VMB_COPY_AVX2 && t->block != VMB_COPY_LIBC) ||
	    !vmb_copy_strategy_available(t->block) ||
	    (t->movsb_min < t->movsb_max && !vmb_copy_strategy_available(VMB_COPY_REP_MOVSB)) ||
	    (t->nt_min != SIZE_MAX && !vmb_copy_strategy_available(VMB_COPY_NT)))
		return VMB_EINVALID_ARGUMENT;
	STORE(block_id, (int)t->block);
	STORE(movsb_min, t->movsb_min);
	STORE(movsb_max, t->movsb_max);
	STORE(nt_min, t->nt_min);
	publish();
	return 0;
}

void vmb_copy_get_tuning(struct vmb_copy_tuning *t)
{
	if (t == NULL)
		return;
	t->block = (enum vmb_copy_strategy)LOAD(block_id);
	t->movsb_min = LOAD(movsb_min);
	t->movsb_max = LOAD(movsb_max);
	t->nt_min = LOAD(nt_min);
}

/* The built-in thresholds: measured on the project's machines (Zen 5,
 * MACHINE-FACTS.md), where wide vector blocks beat rep movsb at every size
 * that fits the caches and streaming stores win from about 16 MiB. */
void vmb__copy_default_tuning(struct vmb_copy_tuning *t)
{
	t->block = cpu_has(VMB_COPY_AVX512) ? VMB_COPY_AVX512
		 : cpu_has(VMB_COPY_AVX2)   ? VMB_COPY_AVX2
					     : VMB_COPY_LIBC;
	t->movsb_min = 0;
	t->movsb_max = 0;
	t->nt_min = cpu_has(VMB_COPY_NT) ? (size_t)16 << 20 : SIZE_MAX;
}

__attribute__((constructor)) static void copy_init(void)
{
	struct vmb_copy_tuning t;
	/* A constructor runs before main, on one thread: getenv is safe here. */
	const char *path = getenv("VMB_COPY_TUNING");       /* NOLINT(concurrency-mt-unsafe) */
	const char *force = getenv("VMB_COPY_STRATEGY");    /* NOLINT(concurrency-mt-unsafe) */

	vmb__copy_default_tuning(&t);
	(void)vmb_copy_set_tuning(&t); /* the defaults only name available strategies */
	if (path && *path)
		vmb__copy_tuning_from_env(path); /* core/src/copy/tuning.c */
	if (force && *force) {
		int s = vmb_copy_strategy_from_name(force);

		if (s < 0 || vmb_copy_force((enum vmb_copy_strategy)s) != 0)
			(void)fprintf(stderr, "vmbytes: VMB_COPY_STRATEGY=%s is not a strategy this CPU has; "
					"using the dispatcher\n", force);
	}
}

/* The S10 unit for @left bytes at the common alignment @g (a power of
 * two): the widest of 8, 4, 2 that both allow, else 1. */
static inline size_t s10_unit(uintptr_t g, size_t left)
{
	if (g >= 8 && left >= 8)
		return 8;
	if (g >= 4 && left >= 4)
		return 4;
	return g >= 2 && left >= 2 ? 2 : 1;
}

void vmb_move(void *dst, const void *src, size_t n)
{
	if (n > VMB_SINGLE_ACCESS_MAX) {
		vmb__move_large(dst, src, n);
		return;
	}
	/*
	 * S10 with overlap: load every unit into a register-sized buffer
	 * first, then store them all. Each unit is still one load (from
	 * @src) and one store (to @dst) of its natural width, because the
	 * buffer is 8-aligned and leaves the unit sizes to @src and @dst.
	 */
	_Alignas(8) uint8_t tmp[VMB_SINGLE_ACCESS_MAX];
	uintptr_t g = vmb__common_align(dst, src);
	const uint8_t *s = (const uint8_t *)src;
	uint8_t *d = (uint8_t *)dst;

	/* The same unit sequence as vmb_copy_small(), done twice. */
	for (size_t u, i = 0; i < n; i += u) {
		u = s10_unit(g, n - i);
		vmb_copy_small(tmp + i, s + i, u);
	}
	for (size_t u, j = 0; j < n; j += u) {
		u = s10_unit(g, n - j);
		vmb_copy_small(d + j, tmp + j, u);
	}
}

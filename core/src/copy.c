/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The dispatcher: the out-of-line half of the copy entry point, by size
 * class over the strategies of core/src/copy/ and core/src/arch/, forcing
 * a strategy, and the thresholds in force. What the CPU can run comes from
 * core/src/arch/ (cpu.h); the built-in thresholds, tuning files and the
 * start-up environment from copy/tuning.c; vmb_move() is copy/move.c.
 */
#include <string.h>

#include "arch/cpu.h"
#include "copy/strategy.h"
#include "internal.h"

static const char *const names[VMB_COPY_STRATEGY_COUNT] = {
	"default", "libc_dispatched", "bytes", "words", "reference", "rep_movsb", "avx2", "avx512", "nt",
};

typedef vmb__copy_fn copy_fn;

/* The strategies as vmb_copy_strategy_copy() runs them: any n, S10 for
 * n <= 8 inside each. NULL: not in this build (never available). */
static const copy_fn fns[VMB_COPY_STRATEGY_COUNT] = {
	NULL,
	vmb__copy_libc,
	vmb__copy_bytes,
	vmb__copy_words,
	vmb__copy_reference,
#if VMB_ARCH_X86_64
	vmb__copy_rep_movsb,
	vmb__copy_avx2,
	vmb__copy_avx512,
	vmb__copy_nt,
#endif
};

/*
 * What vmb_copy() calls for n > 8, resolved when the tuning or the forced
 * strategy changes (publish()), never per copy: the size classes of the
 * block strategy in one function (vmb__dispatch_avx512 and _avx2, which
 * read no threshold below 512 and 256 bytes), or memcpy itself when libc
 * is the block and no large class is tuned, or the forced strategy (libc
 * forced is memcpy itself too). Until copy_init() has run (another
 * constructor copying): memcpy.
 *
 * It and everything below are read and written with relaxed atomics: a
 * copy racing a retune or a force uses the old or the new function and
 * thresholds, or a mix of the two, and every combination is a correct
 * copy.
 */
vmb__copy_fn vmb__copy_large = memcpy;
size_t vmb__copy_inline_max = VMB__COPY_INLINE_MAX;

/* The first size of the large classes (SIZE_MAX: none); the dispatchers
 * read it above their inline sizes. */
size_t vmb__copy_large_min = SIZE_MAX;

static struct {
	size_t movsb_min, movsb_max, nt_min;
	int block_id, forced_id;
} cfg = {
	.nt_min = SIZE_MAX,
	.block_id = VMB_COPY_LIBC,
};

/* Bit s set when the CPU can run strategy s and the build has it; CPUID
 * is slow, so ask once. */
static unsigned available_mask(void)
{
	static unsigned mask;
	unsigned m = __atomic_load_n(&mask, __ATOMIC_RELAXED);

	if (m == 0) {
		m = vmb__cpu_copy_mask();
		for (int s = 0; s < VMB_COPY_STRATEGY_COUNT; s++)
			if (s != VMB_COPY_DEFAULT && fns[s] == NULL)
				m &= ~(1u << s);
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

/* The strategy for n at or above vmb__copy_large_min: streaming stores
 * from nt_min, rep movsb in its window, else the block strategy. Shared by
 * the dispatchers and vmb_copy_strategy_for(), so the two cannot
 * disagree. */
static enum vmb_copy_strategy large_class(size_t n)
{
	if (n >= LOAD(nt_min))
		return VMB_COPY_NT;
	if (n >= LOAD(movsb_min) && n < LOAD(movsb_max))
		return VMB_COPY_REP_MOVSB;
	return (enum vmb_copy_strategy)LOAD(block_id);
}

void *vmb__copy_classes(void *dst, const void *src, size_t n)
{
	return fns[large_class(n)](dst, src, n);
}

/* The default path with libc as the block strategy and a large class
 * tuned: memcpy below the first of them. */
static void *dispatch_libc(void *dst, const void *src, size_t n)
{
	if (VMB_LIKELY(n < __atomic_load_n(&vmb__copy_large_min, __ATOMIC_RELAXED)))
		return memcpy(dst, src, n);
	return vmb__copy_classes(dst, src, n);
}

/* The largest n > 8 that the dispatcher of @block copies itself, in head
 * and tail blocks (8: none; vmb_copy() does 9..63 inline anyway). */
static size_t inline_max(int block)
{
	return block == VMB_COPY_AVX512 ? VMB__AVX512_INLINE_MAX
	     : block == VMB_COPY_AVX2	? VMB__AVX2_INLINE_MAX
					: VMB_SINGLE_ACCESS_MAX;
}

enum vmb_copy_strategy vmb_copy_strategy_for(size_t n)
{
	int forced = LOAD(forced_id), block = LOAD(block_id);

	if (n <= VMB_SINGLE_ACCESS_MAX)
		return VMB_COPY_DEFAULT;
	if (forced != VMB_COPY_DEFAULT)
		return (enum vmb_copy_strategy)forced;
	if (n <= VMB__COPY_INLINE_MAX || n <= inline_max(block))
		return VMB_COPY_DEFAULT;
	if (n >= __atomic_load_n(&vmb__copy_large_min, __ATOMIC_RELAXED))
		return large_class(n);
	return (enum vmb_copy_strategy)block;
}

/* publish() - resolve vmb__copy_large and the first large class from the
 * tuning and the forced strategy (VMB_COPY_DEFAULT: none). */
static void publish(void)
{
	int forced = LOAD(forced_id), block = LOAD(block_id);
	size_t lo = LOAD(movsb_min) < LOAD(movsb_max) ? LOAD(movsb_min) : SIZE_MAX;
	size_t nt = LOAD(nt_min);
	size_t first_large = lo < nt ? lo : nt;
	copy_fn f;

	__atomic_store_n(&vmb__copy_large_min, first_large, __ATOMIC_RELAXED);
	if (forced != VMB_COPY_DEFAULT)
		f = forced == VMB_COPY_LIBC ? memcpy : fns[forced];
#if VMB_ARCH_X86_64
	else if (block == VMB_COPY_AVX512)
		f = vmb__dispatch_avx512;
	else if (block == VMB_COPY_AVX2)
		f = vmb__dispatch_avx2;
#endif
	else
		f = first_large == SIZE_MAX ? memcpy : dispatch_libc;
	__atomic_store_n(&vmb__copy_large, f, __ATOMIC_RELAXED);
	__atomic_store_n(&vmb__copy_inline_max,
			 forced != VMB_COPY_DEFAULT ? (size_t)VMB_SINGLE_ACCESS_MAX : (size_t)VMB__COPY_INLINE_MAX,
			 __ATOMIC_RELAXED);
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

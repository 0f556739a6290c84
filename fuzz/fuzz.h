/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The shared pieces of the fuzz suite: a data producer that splits input
 * bytes into parameters, the decoder that turns them into an op script
 * (SPEC section 7), the shadow model that predicts every result, and
 * the oracle that runs a script against the library and the model and
 * aborts on the first difference, naming the SPEC rule.
 */
#ifndef VMBYTES_FUZZ_H
#define VMBYTES_FUZZ_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "opscript.h"

/* ---- data producer ------------------------------------------------------- */

struct vmbf_producer {
	const uint8_t *p;
	size_t left;
	bool ran_out; /* a read found the input used up */
};

/*
 * Decoding is defined by the bytes alone, the same under every compiler:
 * multi-byte values are little-endian, and two reads never share one
 * expression (C leaves the order of the calls open). Bytes appended to an
 * input change nothing its own bytes decoded to: a reader that runs out
 * sets ran_out, and only what was read after that can change.
 */
void vmbf_producer_init(struct vmbf_producer *d, const uint8_t *data, size_t size);
/* Each takes bytes from the front; an exhausted producer yields zeros. */
uint8_t vmbf_u8(struct vmbf_producer *d);
/* One byte as two's complement, -128 .. 127. */
int vmbf_s8(struct vmbf_producer *d);
uint16_t vmbf_u16(struct vmbf_producer *d);
uint64_t vmbf_u64(struct vmbf_producer *d);
/* A value in [lo, hi]. */
uint64_t vmbf_range(struct vmbf_producer *d, uint64_t lo, uint64_t hi);
bool vmbf_bool(struct vmbf_producer *d);
bool vmbf_done(const struct vmbf_producer *d);
/* vmbf_take() - the next @n bytes into @out, as many as are left; the caller
 * fills the rest (sets ran_out when there were fewer). */
void vmbf_take(struct vmbf_producer *d, uint8_t *out, size_t n);

/* ---- decoder ------------------------------------------------------------- */

/* What a script target's inputs decode to. */
struct vmbf_profile {
	const char *name;
	enum vmbo_setup_kind container; /* SLICE, REGION (guest memory), FILE, REMOTE */
	unsigned max_regions;           /* REGION: 1 for the region target */
	bool faults;                    /* fault plans on volatile I/O ops */
	bool bitmaps;                   /* may add a bitmap line */
	uint64_t max_len;               /* bytes per container or region */
	unsigned max_ops;
	/*
	 * How many kinds the input's kind byte picks from (decode.c's table):
	 * 0 or 13 for the targets whose corpus predates the later kinds, 15
	 * adds write_whole and read_whole (W1-W4), 22 the read-modify-write
	 * atomics (A1-A5) too.
	 */
	unsigned nkinds;
};

/**
 * vmbf_decode() - turn fuzz input into an op script for @prof. Addresses
 * reach region starts and ends +/- a few bytes, holes, UINT64_MAX - k,
 * 1 << 63 and wild values; lengths reach chunk and region boundaries.
 * Bytes appended to @data leave the script's lines before the returned
 * index as they are (the ops they decode to come after).
 *
 * Return: the index of the first line (set-up lines, then ops, from 0) that
 * read past the end of @data and was completed with zeros or the filler
 * pattern, or SIZE_MAX when none did.
 */
size_t vmbf_decode(const struct vmbf_profile *prof, const uint8_t *data, size_t size,
		   struct vmbo_script *out);

/* The comment line a decode printer puts before the first line that read
 * past the end of the input. */
#define VMBF_RAN_OUT_LINE "# the input ends here: what follows read zeros past its end\n"

/* ---- model and oracle ---------------------------------------------------- */

struct vmbf_model;

/* A prediction: the expected result (bytes the model cannot know are marked
 * unknown in res.known) and the SPEC rule that decided it. */
struct vmbf_expect {
	struct vmbo_result res;
	const char *rule;
};

/* vmbf_model_open() - the model of @s's set-up; on a failing set-up the
 * expected error is in @exp and NULL is returned. */
struct vmbf_model *vmbf_model_open(const struct vmbo_script *s, struct vmbf_expect *exp);
void vmbf_model_free(struct vmbf_model *m);
/* vmbf_model_step() - predict @op's result into @exp (its bytes point into the
 * model, valid until the next step) and apply the op's effects. */
void vmbf_model_step(struct vmbf_model *m, const struct vmbo_op *op, struct vmbf_expect *exp);

/**
 * vmbf_check_script() - run @s through the library and the model; on the
 * first difference print the rule, the op, both lines and the script so
 * far, then abort(). @env_hook may swap in a prepared container (the remote
 * target keeps one child for the whole process); NULL for the default.
 */
typedef int (*vmbf_env_open_fn)(struct vmbo_env *env, const struct vmbo_script *s,
				struct vmbo_text *out);
typedef void (*vmbf_env_close_fn)(struct vmbo_env *env);
void vmbf_check_script(const struct vmbo_script *s, vmbf_env_open_fn open_fn,
		       vmbf_env_close_fn close_fn);

/* vmbf_fail() - the oracle's assertion, on in every build: prints and aborts. */
__attribute__((noreturn, format(printf, 2, 3))) void vmbf_fail(const char *rule, const char *fmt,
							      ...);

/*
 * vmbf_set_fail_check() - before vmbf_fail() reports, @check says whether
 * the harness could still make its conditions (a target's helper process
 * died, say): a reason, and the failure is reported as rule "harness"
 * (the reason, then the check that failed), not as the rule's; or NULL.
 */
void vmbf_set_fail_check(const char *(*check)(void));

/* ---- region pool --------------------------------------------------------- */

/**
 * vmbf_pool_open() - vmbo_env_open() for guest-memory set-ups, with regions
 * kept from earlier inputs (same length, backing and bitmap page size),
 * zero-filled and clean as new ones, and for data files, over one memfd
 * emptied for each input; anything else goes to the engine.
 * Return: as vmbo_env_open().
 */
int vmbf_pool_open(struct vmbo_env *env, const struct vmbo_script *s, struct vmbo_text *out);
/* vmbf_pool_close() - vmbo_env_close(), giving a guest memory's regions to the pool. */
void vmbf_pool_close(struct vmbo_env *env);
/*
 * vmbf_pool_region() - an idle region of the pool @len bytes long, of the
 * backing @memfd and bitmap page size @page (0: none), zero-filled and
 * clean, or NULL when the pool has none; move it with vmb_region_set_start().
 */
struct vmb_region *vmbf_pool_region(uint64_t len, bool memfd, size_t page);
/* vmbf_pool_release() - give @r, which no guest memory holds, to the pool. */
void vmbf_pool_release(struct vmb_region *r);

/* ---- targets ------------------------------------------------------------- */

/* Script targets: decode, check. */
int vmbf_run_profile(const struct vmbf_profile *prof, const uint8_t *data, size_t size);

/* The op script an input decodes to, one line each, for `vmbytes fuzz decode`. */
void vmbf_print_profile(const struct vmbf_profile *prof, const uint8_t *data, size_t size,
			struct vmbo_text *out);

/* Every target defines this for `vmbytes fuzz decode`: print @data as text
 * (an op script for script targets). */
void vmbf_target_decode(const uint8_t *data, size_t size, struct vmbo_text *out);

/* The libFuzzer entry point every target defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Declares a script target: the entry point and the decode printer. */
#define VMBF_SCRIPT_TARGET(prof)                                                       \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                   \
	{                                                                              \
		return vmbf_run_profile(&(prof), data, size);                          \
	}                                                                              \
	void vmbf_target_decode(const uint8_t *data, size_t size, struct vmbo_text *out) \
	{                                                                              \
		vmbf_print_profile(&(prof), data, size, out);                          \
	}

/*
 * For a harness loop that only compares the library against a model: its
 * own branches give the fuzzer no feedback worth a callback each (the
 * library calls inside it stay instrumented).
 */
#if defined(__clang__)
#define VMBF_NO_FEEDBACK __attribute__((no_sanitize("coverage")))
#else
#define VMBF_NO_FEEDBACK
#endif

/*
 * For decoder functions whose address arithmetic wraps modulo 2^64 on
 * purpose (ranges that end past UINT64_MAX, offsets of -8 .. 7 from a
 * region's edge, layouts set-up must refuse): UBSan's optional
 * unsigned-integer-overflow check stays on everywhere else.
 */
#if defined(__clang__)
#define VMBF_WRAPS __attribute__((no_sanitize("unsigned-integer-overflow")))
#else
#define VMBF_WRAPS
#endif

#define VMBF_CHECK(rule, cond, ...)                                                    \
	do {                                                                           \
		if (!(cond))                                                           \
			vmbf_fail((rule), __VA_ARGS__);                                \
	} while (0)

/*
 * vmbf_skip_without_remote() - under CTest's VMB_REPLAY_NEEDS_REMOTE=1
 * (set for the targets that open remote containers in a cross build run
 * under qemu-user), whether process_vm_readv is missing here (ENOSYS on
 * a read of this process itself); if so it says why on stderr and the
 * caller exits 77 (skipped). Natively it always returns false.
 */
static inline bool vmbf_skip_without_remote(void)
{
	const char *need = getenv("VMB_REPLAY_NEEDS_REMOTE"); /* NOLINT(concurrency-mt-unsafe) */
	char from = 1, to = 0;
	struct iovec l = { &to, 1 }, r = { &from, 1 };

	if (need == NULL || strcmp(need, "1") != 0)
		return false;
	if (process_vm_readv(getpid(), &l, 1, &r, 1, 0) == 1 || errno != ENOSYS)
		return false;
	fprintf(stderr, "skipped: process_vm_readv is not implemented here (ENOSYS: qemu-user "
		"has no such syscall), and this target's remote containers need it\n");
	return true;
}

#endif /* VMBYTES_FUZZ_H */

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Op scripts (docs/SPEC.md section 7): the text form of a test case. This
 * engine parses scripts, prints them back, builds the containers their
 * set-up lines describe and runs each operation through the generic Bytes
 * interface. Data flows one way: parse (opscript_parse.c) -> set up
 * (opscript_setup.c) -> run (opscript_exec.c) -> a struct vmbo_result,
 * which the replay tool prints as the one result line SPEC section 7
 * defines (opscript_result.c) and the fuzz oracle compares field by field
 * with the shadow model's prediction.
 */
#ifndef VMBYTES_OPSCRIPT_H
#define VMBYTES_OPSCRIPT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "child.h"
#include "vmbytes.h"

/*
 * Limits of the replay engine. Past any of them a parsed script is a usage
 * error that names its line (the replay tool exits 2, as SPEC section 7
 * has it for a line that does not parse), never an `err` result line: they
 * bound this tool, not the library, and `err` lines are the library's
 * verdicts, which the reference's results are compared with. Together they
 * keep the peak RSS of any script under 256 MiB (core/tests/replay_limits.py
 * measures it): 128 MiB of containers, 16 MiB of operand bytes, 64 Ki ops
 * of about 330 bytes, a 16 MiB read printed as 32 MiB of hex, and 2 MiB of
 * dirty bitmaps. The fuzz decoder's profiles stay far below all of them.
 */
#define VMBO_MAX_CONTAINER (128u << 20) /* bytes in one slice, region, file or remote */
#define VMBO_MAX_MAPPED (128u << 20)    /* bytes of all containers together, in pages */
#define VMBO_MAX_COUNT (16u << 20)      /* N of read/read_slice, CAP, bytes of one HEX */
#define VMBO_MAX_DATA (16u << 20)       /* HEX bytes of all operations together */
#define VMBO_MAX_REGIONS 4096u
#define VMBO_MAX_BITMAP (2u << 20)      /* bytes of all dirty bitmaps together */
#define VMBO_MAX_OPS 65536u             /* operation lines in one script */
#define VMBO_MAX_LINE (2 * VMBO_MAX_COUNT + 4096) /* bytes in one line, newline excluded */
#define VMBO_MAX_FAULTS 16

enum vmbo_setup_kind {
	VMBO_SETUP_SLICE,
	VMBO_SETUP_REGION,
	VMBO_SETUP_FILE,
	VMBO_SETUP_REMOTE,
	VMBO_SETUP_BITMAP,
};

struct vmbo_setup {
	enum vmbo_setup_kind kind;
	uint64_t start; /* region */
	uint64_t len;   /* slice, region, file, remote; page size for bitmap */
	bool memfd;     /* region */
};

enum vmbo_kind {
	VMBO_WRITE,
	VMBO_READ,
	VMBO_WRITE_SLICE,
	VMBO_READ_SLICE,
	VMBO_WRITE_OBJ,
	VMBO_READ_OBJ,
	VMBO_STORE,
	VMBO_LOAD,
	VMBO_READ_FROM,
	VMBO_READ_EXACT_FROM,
	VMBO_WRITE_TO,
	VMBO_WRITE_ALL_TO,
	VMBO_DIRTY,
	VMBO_WRITE_WHOLE, /* W1-W4: all or nothing */
	VMBO_READ_WHOLE,
	VMBO_FETCH_ADD, /* A1-A5: read-modify-write atomics */
	VMBO_FETCH_SUB,
	VMBO_FETCH_AND,
	VMBO_FETCH_OR,
	VMBO_FETCH_XOR,
	VMBO_SWAP,
	VMBO_CMPXCHG,
	VMBO_KIND_COUNT,
};

struct vmbo_op {
	enum vmbo_kind kind;
	uint64_t addr;
	uint64_t n;      /* read, read_slice, read_whole, *_from, *_to */
	uint64_t cap;    /* write_to, write_all_to */
	uint64_t value;  /* write_obj, store, the RMW operand (cmpxchg: desired) */
	uint64_t expected; /* cmpxchg */
	unsigned width;  /* T: 1, 2, 4, 8 */
	int order;       /* enum vmb_order; may be invalid on purpose */
	int failure;     /* cmpxchg's failure ordering; may be invalid on purpose */
	uint8_t *data;   /* HEX (write, write_slice, write_whole, source contents); owned */
	size_t len;
	/*
	 * vmbytes extension to SPEC section 7: an optional last operand
	 * `faults=STEP,STEP,...` on read_from, read_exact_from, write_to and
	 * write_all_to wraps the source or sink in a fault injector (I2).
	 * STEP is pN (at most N bytes), i (EINTR), a (EAGAIN), e (EIO), z (end
	 * of data / 0 accepted) or . (pass). Past the plan, calls pass.
	 */
	struct vmb_fault faults[VMBO_MAX_FAULTS];
	size_t nfaults;
};

struct vmbo_script {
	struct vmbo_setup *setup;
	size_t nsetup;
	struct vmbo_op *ops;
	size_t nops;
	size_t cap_setup, cap_ops;
	uint64_t data_len; /* HEX bytes of all ops, for VMBO_MAX_DATA */
};

/* A growable text buffer for result lines. */
struct vmbo_text {
	char *s;
	size_t len, cap;
};

/* Whether @k is one of the read-modify-write ops, fetch_add ... cmpxchg (A1-A5). */
static inline bool vmbo_is_rmw(enum vmbo_kind k)
{
	return k >= VMBO_FETCH_ADD && k <= VMBO_CMPXCHG;
}

/* The read-modify-write request of an RMW op (fetch_add ... cmpxchg). */
static inline struct vmb_rmw vmbo_rmw_of(const struct vmbo_op *op)
{
	struct vmb_rmw r;

	r.op = op->kind == VMBO_CMPXCHG ? VMB_RMW_CMPXCHG
				       : (enum vmb_rmw_op)(VMB_RMW_ADD + (op->kind - VMBO_FETCH_ADD));
	r.order = vmb_ordering_of(op->order);
	r.failure = vmb_ordering_of(op->failure);
	r.v = op->value;
	r.expected = op->expected;
	return r;
}

/* The name of an op kind as scripts spell it ("write_obj"). */
const char *vmbo_kind_name(enum vmbo_kind k);

/* The name of an ordering ("acq_rel"), or "?" for a value out of range. */
const char *vmbo_order_name(int order);

/**
 * vmbo_parse_line() - add one line of a script to @s.
 * @line: the text, without its newline; comments and blank lines add nothing.
 * @why:  on failure, receives a short reason.
 *
 * Return: 0; -1 for a usage error (unknown word, a value wider than its
 * type, odd hex, a set-up line after an operation, a control character
 * other than tab, CR or a final newline, a VMBO_MAX_* limit exceeded).
 */
int vmbo_parse_line(struct vmbo_script *s, const char *line, char *why, size_t why_cap);

/**
 * vmbo_parse_file() - parse a whole script; stops at a "----" line (the
 * start of the expected results in a hand-written case). A line may hold
 * tabs and CRs (white space, so CRLF files read as LF ones) but no other
 * control character: a NUL, say, would cut the line short unseen. A line
 * longer than VMBO_MAX_LINE is refused before it is read whole.
 * @bad_line: on failure, the 1-based number of the offending line.
 * Return: 0; -1 for a usage error (with @why), -2 when @f cannot be read.
 */
int vmbo_parse_file(struct vmbo_script *s, FILE *f, size_t *bad_line, char *why, size_t why_cap);

/* vmbo_script_add_op() - append @op (its data is copied). Return 0 or -1. */
int vmbo_script_add_op(struct vmbo_script *s, const struct vmbo_op *op);

/* vmbo_script_take_op() - append @op, taking over its data (op->data is
 * NULL afterwards). Return 0 or -1 (then @op still owns its data). */
int vmbo_script_take_op(struct vmbo_script *s, struct vmbo_op *op);

/* vmbo_script_add_setup() - append a set-up line. Return 0 or -1. */
int vmbo_script_add_setup(struct vmbo_script *s, const struct vmbo_setup *st);

/* vmbo_script_free() - release everything @s holds and zero it. */
void vmbo_script_free(struct vmbo_script *s);

/* vmbo_format_setup(), vmbo_format_op() - one script line, no newline. */
void vmbo_format_setup(struct vmbo_text *t, const struct vmbo_setup *st);
void vmbo_format_op(struct vmbo_text *t, const struct vmbo_op *op);

/* The containers a script's set-up lines describe. */
struct vmbo_env {
	enum vmbo_setup_kind kind; /* SLICE, REGION (guest memory), FILE or REMOTE */
	struct vmb_bytes bytes;
	/* slice */
	struct vmb_slice slice;
	void *slice_map;
	size_t slice_map_len;
	struct vmb_bitmap *slice_bitmap;
	/* guest memory */
	struct vmb_guest *guest;
	/* data file */
	struct vmb_datafile *file;
	int file_fd;
	/* remote */
	struct vmb_remote *remote;
	struct vmbo_child child; /* zeroed: none */
	bool has_bitmap;
	/* Ops run so far: on guest memory every other one goes through the
	 * typed inline API of guest.h instead of the generic interface, so
	 * both are held to the same expected lines. */
	uint64_t ops_run;
};

/**
 * vmbo_setup_check_limits() - whether @s's set-up lines fit the replay
 * limits: VMBO_MAX_CONTAINER, VMBO_MAX_MAPPED, VMBO_MAX_REGIONS and
 * VMBO_MAX_BITMAP. Regions G1 refuses (empty, or whose end passes 2^64)
 * map nothing and are not counted; nor are bitmaps whose page size S11
 * refuses: the library's own errors for those are the verdict.
 * Return: 0, or -1 with the limit named in @why.
 */
int vmbo_setup_check_limits(const struct vmbo_script *s, char *why, size_t why_cap);

/**
 * vmbo_env_open() - build the containers of @s's set-up lines.
 * @out: on a set-up failure, receives the one "err ..." line to print.
 * Return: 0; -1 when the set-up failed as SPEC says it can (print @out);
 * -2 for a usage error in the set-up, a limit included (message in @out).
 */
int vmbo_env_open(struct vmbo_env *env, const struct vmbo_script *s, struct vmbo_text *out);

/* vmbo_env_close() - free the containers and reap a remote child. */
void vmbo_env_close(struct vmbo_env *env);

/* What a result line (SPEC section 7) says after "ok", or that it is "err". */
enum vmbo_shape {
	VMBO_OK,           /* "ok" */
	VMBO_OK_COUNT,     /* "ok N" */
	VMBO_OK_COUNT_HEX, /* "ok N HEX" */
	VMBO_OK_HEX,       /* "ok HEX" */
	VMBO_OK_VALUE,     /* "ok 0xV" */
	VMBO_OK_BITMAPS,   /* "ok HEX HEX ...": dirty, one bitmap per region */
	VMBO_ERR,          /* "err KIND FIELDS" */
};

/*
 * One op's result as data: the engine's outcome, or the shadow model's
 * prediction of it. Nothing is text until a line is wanted (the replay
 * tool, a mismatch report): vmbo_format_result() prints it.
 */
struct vmbo_result {
	enum vmbo_shape shape;
	struct vmb_error err;  /* ERR: the code, and the fields its kind prints */
	uint64_t count;        /* OK_COUNT, OK_COUNT_HEX */
	uint64_t value;        /* OK_VALUE */
	const uint8_t *bytes;  /* the HEX bytes; BITMAPS: all bitmaps, one after another */
	const uint8_t *known;  /* per byte, 0: a byte of any value (the model's); NULL: all known */
	size_t nbytes;
	const size_t *parts;   /* BITMAPS: the bytes of each bitmap */
	size_t nparts;
};

/*
 * vmbo_format_result() - append @r's line (no newline) to @t, "??" for a
 * byte @r does not know.
 */
void vmbo_format_result(struct vmbo_text *t, const struct vmbo_result *r);

/*
 * vmbo_result_matches() - whether @actual says what @expected says: the
 * same shape, count, value and known bytes, or the same error kind with
 * the fields that kind prints (SPEC sections 6 and 7); the fields a line
 * does not show are not compared.
 */
bool vmbo_result_matches(const struct vmbo_result *expected, const struct vmbo_result *actual);

/**
 * vmbo_run() - run one operation and describe its outcome in @res. Not
 * reentrant: the buffers @res points into (what a read or sink filled, the
 * dirty bitmaps) are kept until the next call.
 * Return: the operation's status (0 or a VMB_E* code).
 */
int vmbo_run(struct vmbo_env *env, const struct vmbo_op *op, struct vmbo_result *res);

/**
 * vmbo_exec() - vmbo_run(), then append the result line (no newline) to
 * @out. Return: as vmbo_run().
 */
int vmbo_exec(struct vmbo_env *env, const struct vmbo_op *op, struct vmbo_text *out);

/*
 * vmbo_typed_guest_op() - @op through guest.h's typed API on @g, for the
 * ops it has (opscript_typed.c): true with *@rc, and @buf, *@v, *@done,
 * @e filled as vmbo_exec() fills them; false for any other op.
 */
bool vmbo_typed_guest_op(struct vmb_guest *g, const struct vmbo_op *op, uint8_t *buf,
			 uint64_t *v, size_t *done, int *rc, struct vmb_error *e);

/*
 * Text helpers. vmbo_text_printf() appends what vsnprintf would print;
 * vmbo_text_put() appends @n characters, vmbo_text_hex() two digits a
 * byte, or "-" for no bytes. Lines are printed only by the replay tool, the
 * decoder and a failure report, never per op in the fuzzers' loop (the
 * oracle compares struct vmbo_result), so libc's formatter is fast enough.
 */
void vmbo_text_printf(struct vmbo_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void vmbo_text_vprintf(struct vmbo_text *t, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void vmbo_text_put(struct vmbo_text *t, const char *s, size_t n);
void vmbo_text_hex(struct vmbo_text *t, const uint8_t *p, size_t n);
/* vmbo_text_err() - "err KIND fields..." for status @rc with details @e; a
 * function that returned @rc without filling @e still prints its kind. */
void vmbo_text_err(struct vmbo_text *t, int rc, const struct vmb_error *e);
void vmbo_text_clear(struct vmbo_text *t);
void vmbo_text_free(struct vmbo_text *t);

#endif /* VMBYTES_OPSCRIPT_H */

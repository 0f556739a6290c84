/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * A small test harness: one runner executable per area, each test a named
 * case. `runner` runs every case, `runner NAME` one, `runner --list` names
 * them (CTest registers one test per case). A skipped case exits 77.
 *
 *     TEST(S5_subslice_table) { CHECK_EQ(...); }
 *
 * Checks record a failure and go on, so one run shows every broken check.
 */
#ifndef VMBYTES_TEST_HARNESS_H
#define VMBYTES_TEST_HARNESS_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "child.h"
#include "vmbytes.h"

typedef void (*vmbt_fn)(void);

void vmbt_register(const char *name, vmbt_fn fn);
void vmbt_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Marks the running case skipped (exit 77 when run alone). */
void vmbt_skip(const char *why);

#define TEST(name)                                                                     \
	static void vmbt_##name(void);                                                 \
	__attribute__((constructor)) static void vmbt_reg_##name(void)                 \
	{                                                                              \
		vmbt_register(#name, vmbt_##name);                                     \
	}                                                                              \
	static void vmbt_##name(void)

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond))                                                           \
			vmbt_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);             \
	} while (0)

#define CHECK_EQ(a, b)                                                                 \
	do {                                                                           \
		uint64_t vmbt_a = (uint64_t)(a), vmbt_b = (uint64_t)(b);               \
		if (vmbt_a != vmbt_b)                                                  \
			vmbt_fail(__FILE__, __LINE__, "%s == %s: 0x%" PRIx64 " != 0x%" PRIx64, \
				  #a, #b, vmbt_a, vmbt_b);                             \
	} while (0)

/* A status code, printed by name. */
#define CHECK_RC(rc, want)                                                             \
	do {                                                                           \
		int vmbt_rc = (rc), vmbt_want = (want);                                \
		if (vmbt_rc != vmbt_want)                                              \
			vmbt_fail(__FILE__, __LINE__, "%s: got %s, want %s", #rc,      \
				  vmb_error_name(vmbt_rc), vmb_error_name(vmbt_want));  \
	} while (0)

/* An error as SPEC section 7 prints it, e.g. "out_of_bounds addr=0x5". */
#define CHECK_ERR(e, text)                                                             \
	do {                                                                           \
		char vmbt_buf[200];                                                    \
		vmb_error_format(&(e), vmbt_buf, sizeof(vmbt_buf));                    \
		if (strcmp(vmbt_buf, (text)) != 0)                                     \
			vmbt_fail(__FILE__, __LINE__, "error is '%s', want '%s'",      \
				  vmbt_buf, (text));                                   \
	} while (0)

#define CHECK_MEM(a, b, n)                                                             \
	do {                                                                           \
		if (memcmp((a), (b), (n)) != 0)                                        \
			vmbt_fail(__FILE__, __LINE__, "memory %s != %s (%zu bytes)", #a, #b, \
				  (size_t)(n));                                        \
	} while (0)

/*
 * Guarded buffers (LLVM libc's ProtectedPages): @len bytes that end exactly
 * at a PROT_NONE page, so a one-byte overrun faults. With @at_start the
 * bytes start at a page boundary instead (and a guard page sits before).
 */
struct vmbt_guarded {
	uint8_t *p;
	size_t len;
	void *map;
	size_t map_len;
};

void vmbt_guarded_alloc(struct vmbt_guarded *g, size_t len, bool at_start);
void vmbt_guarded_free(struct vmbt_guarded *g);

/*
 * Test data: byte i is seed + 1 + 31 i + i / 256 (mod 256). Neighbours
 * always differ, two seeds (mod 256) differ at every index, and a block
 * moved by a multiple of 256 bytes does not match itself.
 */
void vmbt_fill_pattern(uint8_t *p, size_t n, unsigned seed);

/*
 * A source and a sink that record how they are called and pass each call
 * on to @inner (every call fails with EIO when @inner is NULL). The
 * source's available() is NULL (unknown, I3) unless made with
 * vmbt_spy_source_init_available(), which answers as @inner does.
 */
struct vmbt_spy_source {
	struct vmb_source base; /* first member: the interface */
	struct vmb_source *inner;
	size_t calls;
	size_t zero_calls; /* calls with n == 0, which I1 forbids */
	size_t last_asked; /* n of the last call */
	size_t asked[8];   /* n of the first 8 calls */
};

struct vmbt_spy_sink {
	struct vmb_sink base;
	struct vmb_sink *inner;
	size_t calls;
	size_t zero_calls;
	size_t last_asked;
	size_t asked[8];
};

void vmbt_spy_source_init(struct vmbt_spy_source *s, struct vmb_source *inner);
void vmbt_spy_source_init_available(struct vmbt_spy_source *s, struct vmb_source *inner);
void vmbt_spy_sink_init(struct vmbt_spy_sink *s, struct vmb_sink *inner);

/*
 * A child process holding @len bytes for a remote container
 * (core/tools/child.h), checked: a child that does not start fails the
 * case (false). vmbt_child_stop() checks that it served every command
 * (exit status 0); peek and poke fail the case when the child does not
 * answer (a failed peek leaves 0xee bytes).
 */
bool vmbt_child_start(struct vmbo_child *c, size_t len);
void vmbt_child_stop(struct vmbo_child *c);
void vmbt_child_peek(struct vmbo_child *c, uint64_t off, void *buf, size_t n);
void vmbt_child_poke(struct vmbo_child *c, uint64_t off, const void *buf, size_t n);

/* Waits for the child @pid: its exit status, or -1 when waitpid fails or
 * the child did not exit (a signal). */
int vmbt_wait_exit(pid_t pid);

/* A memfd-backed temporary file of @len zero bytes; returns the fd. */
int vmbt_temp_file(size_t len);

/* A real, unlinked file on disk (O_TMPFILE in /tmp, else mkstemp) of @len
 * zero bytes, not a memfd; returns the fd. */
int vmbt_disk_file(size_t len);

/* Touches *@p (a store when @write) in a forked child with the default
 * SIGSEGV/SIGBUS action and no core dump, so that a sanitizer's handler
 * cannot turn the fault into an exit code; returns the child's wait
 * status (-1 when fork or waitpid fails). */
int vmbt_touch_in_child(volatile uint8_t *p, bool write);

/* True when @status (from vmbt_touch_in_child()) is a death by SIGSEGV. */
bool vmbt_died_of_segv(int status);

#endif /* VMBYTES_TEST_HARNESS_H */

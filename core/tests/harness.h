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

/* All @n bytes through a pipe or file, retrying EINTR and short counts;
 * false on error or end of file. For test children and their parents. */
bool vmbt_read_full(int fd, void *p, size_t n);
bool vmbt_write_full(int fd, const void *p, size_t n);

/* Waits for the child @pid: its exit status, or -1 when waitpid fails or
 * the child did not exit (a signal). */
int vmbt_wait_exit(pid_t pid);

/* A memfd-backed temporary file of @len zero bytes; returns the fd. */
int vmbt_temp_file(size_t len);

#endif /* VMBYTES_TEST_HARNESS_H */

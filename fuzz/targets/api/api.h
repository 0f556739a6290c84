/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * What the api target's files share: fuzz/targets/api.c (the target, and
 * the slice, region and walk families), api/faults.c and api/copy.c.
 */
#ifndef VMBYTES_FUZZ_TARGET_API_H
#define VMBYTES_FUZZ_TARGET_API_H

#include <stddef.h>
#include <stdint.h>

#include "fuzz.h"

/* The slice the families share (api.c): MEM page-aligned bytes, and what
 * they must hold. */
#define MEM 512
extern uint8_t *vmbf__api_mem;
extern uint8_t vmbf__api_shadow[MEM];

/* A memfd kept for the process; its user sets @dirty after each use. */
struct kept_memfd {
	int fd;
	uint64_t dirty; /* every byte the last use may have written is below it */
};

/* @m's memfd made @len bytes of zeros for a use (api.c). Return: the fd. */
int vmbf__api_fresh_memfd(struct kept_memfd *m, const char *name, uint64_t len);
/* Test data: byte i of @p is i * @mul + @add (api.c). */
void vmbf__api_fill(uint8_t *p, size_t n, unsigned mul, size_t add);

/* Tuning steps taken by this input; LLVMFuzzerTestOneInput() resets it. */
extern unsigned vmbf__api_tuning_steps;

/* The families in their own files: step 5, step 8 and step 255 (tuning). */
void vmbf__api_check_faults(struct vmbf_producer *d);
void vmbf__api_check_strategies(struct vmbf_producer *d);
void vmbf__api_check_tuning(struct vmbf_producer *d);

#endif /* VMBYTES_FUZZ_TARGET_API_H */

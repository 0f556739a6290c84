/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Library-internal: what the code above core/src/arch/ asks of the CPU.
 * One implementation is compiled in: core/src/arch/x86_64/cpu.c on x86-64,
 * core/src/arch/generic/cpu.c everywhere else and in a portable build
 * (-DVMB_PORTABLE=ON), which has no architecture-specific code at all.
 */
#ifndef VMBYTES_ARCH_CPU_H
#define VMBYTES_ARCH_CPU_H

#include <stdbool.h>
#include <stddef.h>

/* VMB_ARCH_X86_64: 1 when the x86-64 code (core/src/arch/x86_64/) is
 * built; VMB_PORTABLE (a CMake option) turns it off on x86-64 too. */
#if defined(__x86_64__) && !defined(VMB_PORTABLE)
#define VMB_ARCH_X86_64 1
#else
#define VMB_ARCH_X86_64 0
#endif

/* The strategies every build has, whatever the CPU: bits of enum
 * vmb_copy_strategy (default, libc, bytes, words, reference). */
#define VMB__COPY_PORTABLE_MASK 0x1fu

/* vmb__cpu_copy_mask() - bit s set when this CPU can run copy strategy s;
 * never more than the strategies the build has. */
unsigned vmb__cpu_copy_mask(void);

/* vmb__cpu_measured() - whether this is a CPU the built-in size classes
 * were measured on (core/src/copy/tuning.c uses them only there). */
bool vmb__cpu_measured(void);

/* vmb__cpu_key() - this CPU's tuning-file key, vendor/family/model/flags,
 * in @buf (@len > 0); false when it does not fit. */
bool vmb__cpu_key(char *buf, size_t len);

/* vmb__cpu_guest_search() - the widest guest search index count this CPU
 * runs: 2 AVX-512, 1 AVX2, 0 plain C (core/src/guest_index.c). */
int vmb__cpu_guest_search(void);

#endif /* VMBYTES_ARCH_CPU_H */

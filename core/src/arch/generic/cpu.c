/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * CPU detection where the build has no architecture-specific code
 * (aarch64 and every other non-x86-64 target, and x86-64 with
 * -DVMB_PORTABLE=ON): the portable strategies only, the plain guest
 * search, no measured built-in thresholds, and a tuning-file key that
 * names the architecture (and, on aarch64 Linux, the CPU's MIDR).
 */
#include "arch/cpu.h"

#if !VMB_ARCH_X86_64
#include <stdio.h>

unsigned vmb__cpu_copy_mask(void)
{
	return VMB__COPY_PORTABLE_MASK;
}

bool vmb__cpu_measured(void)
{
	return false;
}

/* The build's architecture; "-portable" marks an x86-64 CPU seen by a
 * portable build, whose strategies differ from the x86-64 build's. */
#if defined(__aarch64__)
#define ARCH_NAME "aarch64"
#elif defined(__x86_64__)
#define ARCH_NAME "x86_64-portable"
#else
#define ARCH_NAME "unknown"
#endif

/*
 * The key: ARCH_NAME/implementer/part/, implementer and part from the
 * MIDR_EL1 value Linux shows in sysfs (decimal), 0/0 when it shows none
 * (another architecture, or a user-mode emulator on a non-Arm host).
 */
bool vmb__cpu_key(char *buf, size_t len)
{
	unsigned long long midr = 0;
#if defined(__aarch64__)
	FILE *f = fopen("/sys/devices/system/cpu/cpu0/regs/identification/midr_el1", "re");

	if (f != NULL) {
		if (fscanf(f, "%llx", &midr) != 1)
			midr = 0;
		(void)fclose(f); /* read-only */
	}
#endif
	int n = snprintf(buf, len, "%s/%llu/%llu/", ARCH_NAME, (midr >> 24) & 0xff,
			 (midr >> 4) & 0xfff);

	return n >= 0 && (size_t)n < len;
}

int vmb__cpu_guest_search(void)
{
	return 0;
}
#endif /* !VMB_ARCH_X86_64 */

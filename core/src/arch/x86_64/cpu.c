/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * x86-64 CPU detection: which copy strategies and guest searches this CPU
 * runs, whether it is the CPU the built-in thresholds were measured on,
 * and its key for tuning files. All from CPUID.
 */
#include "arch/cpu.h"

#if VMB_ARCH_X86_64
#include <cpuid.h>
#include <stdio.h>
#include <string.h>

#include "vmbytes/copy.h"

static bool has(enum vmb_copy_strategy s)
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

unsigned vmb__cpu_copy_mask(void)
{
	unsigned m = 0;

	for (int s = 0; s < VMB_COPY_STRATEGY_COUNT; s++)
		if (has((enum vmb_copy_strategy)s))
			m |= 1u << s;
	return m;
}

/*
 * AMD family 1Ah (Zen 5) with AVX-512, where the dispatcher beat glibc's
 * memcpy at every size (docs/MACHINE-FACTS.md; the table in bench/README.md).
 * CPUID leaf 0 gives the vendor, leaf 1 the family (base + extended).
 */
bool vmb__cpu_measured(void)
{
	unsigned a, b, c, d, family;

	__asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	/* "AuthenticAMD" in EBX, EDX, ECX. */
	if (b != 0x68747541u || d != 0x69746e65u || c != 0x444d4163u)
		return false;
	__asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	family = (a >> 8) & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	return family == 0x1a && has(VMB_COPY_AVX512) && has(VMB_COPY_NT) &&
	       has(VMB_COPY_REP_MOVSB);
}

/* Vendor from leaf 0, family and model (base plus extended fields) from
 * leaf 1, of the flags the strategies depend on those leaf 7 sets. */
bool vmb__cpu_key(char *buf, size_t len)
{
	char vendor[13] = "unknown";
	unsigned family = 0, model = 0, a = 0, b = 0, c = 0, d = 0, max = 0;
	char flags[64] = "";

	if (__get_cpuid(0, &max, &b, &c, &d)) {
		memcpy(vendor, &b, 4);
		memcpy(vendor + 4, &d, 4);
		memcpy(vendor + 8, &c, 4);
		vendor[12] = '\0';
	}
	if (max >= 1 && __get_cpuid(1, &a, &b, &c, &d)) {
		unsigned base = (a >> 8) & 0xf, m = (a >> 4) & 0xf;

		family = base == 0xf ? base + ((a >> 20) & 0xff) : base;
		model = base == 0x6 || base == 0xf ? m + (((a >> 16) & 0xf) << 4) : m;
	}
	if (max >= 7 && __get_cpuid_count(7, 0, &a, &b, &c, &d)) {
		static const struct {
			const char *name;
			int reg; /* 0: EBX, 1: EDX of leaf 7 */
			int bit;
		} fl[] = {
			{"erms", 0, 9}, {"fsrm", 1, 4}, {"avx2", 0, 5},
			{"avx512f", 0, 16}, {"avx512bw", 0, 30}, {"avx512vl", 0, 31},
		};

		for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
			if ((((fl[i].reg ? d : b) >> fl[i].bit) & 1) != 0) {
				if (flags[0])
					strcat(flags, ",");
				strcat(flags, fl[i].name);
			}
	}
	int n = snprintf(buf, len, "%s/%u/%u/%s", vendor, family, model, flags);

	return n >= 0 && (size_t)n < len;
}

int vmb__cpu_guest_search(void)
{
	if (!__builtin_cpu_supports("popcnt"))
		return 0;
	return __builtin_cpu_supports("avx512f") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
}
#endif /* VMB_ARCH_X86_64 */

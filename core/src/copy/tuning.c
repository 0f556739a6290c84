/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Tuning files: what `./vmbytes tune` writes and VMB_COPY_TUNING names at
 * start. A file records the CPU it was measured on (`cpu=` line) and is
 * applied only on that CPU: thresholds measured on one machine were 20-40%
 * off on another (docs/MACHINE-FACTS.md), so a file from elsewhere, or one that
 * does not say where it was made, leaves the built-in thresholds in force.
 *
 * The key: vendor/family/model/flags, e.g.
 *   cpu=AuthenticAMD/26/2/erms,fsrm,avx2,avx512f,avx512bw,avx512vl
 * with family and model as the CPU reports them (base plus extended
 * fields, in decimal) and, of the flags the strategies depend on, those the
 * CPU has, in that fixed order. `cpu=any` marks a hand-written tuning that
 * is meant for every CPU (the tests use one); `./vmbytes tune` never
 * writes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "copy/strategy.h"
#include "internal.h"

int vmb_copy_host_cpu(char *buf, size_t len)
{
	char vendor[13] = "unknown";
	unsigned family = 0, model = 0, a = 0, b = 0, c = 0, d = 0;
	char flags[64] = "";

	if (buf == NULL || len == 0)
		return VMB_EINVALID_ARGUMENT;
#if defined(__x86_64__) || defined(__i386__)
	unsigned max = 0;

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
#endif
	int n = snprintf(buf, len, "%s/%u/%u/%s", vendor, family, model, flags);

	return n < 0 || (size_t)n >= len ? VMB_EINVALID_ARGUMENT : 0;
}

/*
 * `key=value` lines over the built-in thresholds; unknown keys, bad values
 * and over-long lines are refused as a whole. A comment line may be of any
 * length: the rest of a long one is skipped. The `cpu=` value goes to @cpu
 * (empty when the file has none).
 */
static int parse_tuning_file(FILE *f, struct vmb_copy_tuning *t, char *cpu, size_t cpu_len)
{
	char line[128], key[32], val[96];

	cpu[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		bool whole = strchr(line, '\n') != NULL || feof(f);

		if (line[0] == '#') {
			/* Skip the rest of a long comment. */
			while (!whole && fgets(line, sizeof(line), f))
				whole = strchr(line, '\n') != NULL;
			continue;
		}
		if (!whole)
			return VMB_EINVALID_ARGUMENT;
		if (line[0] == '\n')
			continue;
		if (sscanf(line, " %31[a-z_] = %95s", key, val) != 2)
			return VMB_EINVALID_ARGUMENT;
		char *end;
		unsigned long long v = strtoull(val, &end, 0);
		bool num = *end == '\0' && val[0] != '-';

		if (strcmp(key, "cpu") == 0 && cpu[0] == '\0' && strlen(val) < cpu_len) {
			strcpy(cpu, val);
		} else if (strcmp(key, "block") == 0) {
			int b = vmb_copy_strategy_from_name(val);

			if (b < 0)
				return VMB_EINVALID_ARGUMENT;
			t->block = (enum vmb_copy_strategy)b;
		} else if (strcmp(key, "movsb_min") == 0 && num) {
			t->movsb_min = (size_t)v;
		} else if (strcmp(key, "movsb_max") == 0 && num) {
			t->movsb_max = (size_t)v;
		} else if (strcmp(key, "nt_min") == 0 && (num || strcmp(val, "never") == 0)) {
			t->nt_min = num ? (size_t)v : SIZE_MAX;
		} else {
			return VMB_EINVALID_ARGUMENT;
		}
	}
	return 0;
}

/* load() - vmb_copy_load_tuning(), with the file's `cpu=` value in @cpu. */
static int load(const char *path, char *cpu, size_t cpu_len)
{
	struct vmb_copy_tuning t;
	char host[96];
	FILE *f;
	int rc;

	cpu[0] = '\0';
	if (path == NULL)
		return VMB_EINVALID_ARGUMENT;
	f = fopen(path, "re");
	if (f == NULL)
		return VMB_EIO;
	vmb__copy_default_tuning(&t);
	rc = parse_tuning_file(f, &t, cpu, cpu_len);
	if (rc == 0 && ferror(f))
		rc = VMB_EIO;
	(void)fclose(f); /* read-only: nothing is lost if closing fails */
	if (rc != 0)
		return rc;
	/* At this point: the file is well formed. Is it for this CPU? */
	if (strcmp(cpu, "any") != 0 &&
	    (vmb_copy_host_cpu(host, sizeof(host)) != 0 || strcmp(cpu, host) != 0))
		return VMB_EUNSUPPORTED;
	return vmb_copy_set_tuning(&t);
}

int vmb_copy_load_tuning(const char *path)
{
	char cpu[96];

	return load(path, cpu, sizeof(cpu));
}

void vmb__copy_tuning_from_env(const char *path)
{
	char cpu[96], host[96];
	int rc = load(path, cpu, sizeof(cpu));

	if (rc == VMB_EUNSUPPORTED) {
		if (vmb_copy_host_cpu(host, sizeof(host)) != 0)
			strcpy(host, "?");
		(void)fprintf(stderr, "vmbytes: warning: VMB_COPY_TUNING=%s was made on %s, this CPU "
				"is %s; using the built-in thresholds\n", path,
				cpu[0] ? cpu : "a CPU it does not record", host);
	} else if (rc != 0) {
		(void)fprintf(stderr, "vmbytes: VMB_COPY_TUNING=%s %s; using the built-in "
				"thresholds\n", path, rc == VMB_EIO ? "cannot be read"
				: "is not a tuning file for this CPU");
	}
}

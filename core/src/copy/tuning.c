/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The dispatcher's thresholds: the built-in ones, tuning files (what
 * `./vmbytes tune` writes and VMB_COPY_TUNING names at start), and the
 * start-up environment (VMB_COPY_TUNING, VMB_COPY_STRATEGY). A file
 * records the CPU it was measured on (`cpu=` line) and is applied only on
 * that CPU: thresholds measured on one machine were 20-40%
 * off on another (docs/MACHINE-FACTS.md), so a file from elsewhere, or one that
 * does not say where it was made, leaves the built-in thresholds in force.
 *
 * The key (vmb__cpu_key(), core/src/arch/): vendor/family/model/flags,
 * e.g. cpu=AuthenticAMD/26/2/erms,fsrm,avx2,avx512f,avx512bw,avx512vl
 * with family and model as the CPU reports them (base plus extended
 * fields, in decimal) and, of the flags the strategies depend on, those the
 * CPU has, in that fixed order; aarch64/implementer/part/ from MIDR_EL1
 * on aarch64. `cpu=any` marks a hand-written tuning that
 * is meant for every CPU (the tests use one); `./vmbytes tune` never
 * writes it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/cpu.h"
#include "copy/strategy.h"
#include "internal.h"

/*
 * The built-in thresholds. On a CPU they were measured on (vmb__cpu_measured(),
 * core/src/arch/): the AVX-512 dispatcher, whose loop beat glibc
 * (rep movsb there) while source and destination fit L1 (0.6x at
 * 16-24 KiB) and lost to rep movsb from 28 KiB (1.3-1.6x), so rep movsb
 * from 24 KiB, which also beat glibc's vector loop at 1-8 MiB; streaming
 * stores from 8 MiB, 0.7-0.9x glibc there at any destination offset
 * (paired, hot; bench/README.md). On any other CPU, and on every CPU of a
 * build without x86-64 code, they cannot know better, so they choose what
 * is never slower than memcpy: memcpy itself for every copy above the 63
 * bytes vmb_copy() does inline (vmb__copy_large is then libc's memcpy,
 * one indirect call as a PLT call is). `./vmbytes tune` measures the rest.
 */
void vmb__copy_default_tuning(struct vmb_copy_tuning *t)
{
	bool known = vmb__cpu_measured();

	t->block = known ? VMB_COPY_AVX512 : VMB_COPY_LIBC;
	t->movsb_min = known ? (size_t)24 << 10 : 0;
	t->movsb_max = known ? (size_t)8 << 20 : 0;
	t->nt_min = known ? (size_t)8 << 20 : SIZE_MAX;
}

int vmb_copy_host_cpu(char *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return VMB_EINVALID_ARGUMENT;
	if (!vmb__cpu_key(buf, len)) {
		buf[0] = '\0';
		return VMB_EINVALID_ARGUMENT;
	}
	return 0;
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

/* VMB_COPY_TUNING at start: applied, or a warning and the built-ins. */
static void tuning_from_env(const char *path)
{
	char cpu[96], host[96];
	int rc = load(path, cpu, sizeof(cpu));

	if (rc == 0) {
		vmb__diag(false, "VMB_COPY_TUNING=%s applied", path);
	} else if (rc == VMB_EUNSUPPORTED) {
		if (vmb_copy_host_cpu(host, sizeof(host)) != 0)
			strcpy(host, "?");
		vmb__diag(true, "VMB_COPY_TUNING=%s was made on %s, this CPU is %s; using the "
			  "built-in thresholds", path, cpu[0] ? cpu : "a CPU it does not record", host);
	} else {
		vmb__diag(true, "VMB_COPY_TUNING=%s %s; using the built-in thresholds", path,
			  rc == VMB_EIO ? "cannot be read" : "is not a tuning file for this CPU");
	}
}

void vmb__copy_start(void)
{
	struct vmb_copy_tuning t;
	/* Called from a constructor, before main, on one thread: getenv is safe here. */
	const char *path = getenv("VMB_COPY_TUNING");       /* NOLINT(concurrency-mt-unsafe) */
	const char *force = getenv("VMB_COPY_STRATEGY");    /* NOLINT(concurrency-mt-unsafe) */

	vmb__copy_default_tuning(&t);
	/* The defaults name only available strategies, so this cannot fail;
	 * were it to, the report says so and the dispatcher keeps memcpy. */
	if (vmb_copy_set_tuning(&t) != 0)
		vmb__diag(true, "the built-in thresholds were refused; copies above 63 bytes use memcpy");
	if (path && *path)
		tuning_from_env(path);
	if (force && *force) {
		int s = vmb_copy_strategy_from_name(force);

		if (s < 0 || vmb_copy_force((enum vmb_copy_strategy)s) != 0)
			vmb__diag(true, "VMB_COPY_STRATEGY=%s is not a strategy this CPU has; using "
				  "the dispatcher", force);
		else
			vmb__diag(false, "VMB_COPY_STRATEGY=%s forced", force);
	}
}

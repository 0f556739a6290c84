/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * vmbytes-bench: registers every family, records what the numbers depend
 * on in the report's context, and hands over to Google Benchmark.
 *
 * Own flags (taken out before Google Benchmark sees the rest):
 *   --vmb-quick   the few-minutes subset (hot aligned grid at a handful of
 *                 sizes, one thread)
 *   --vmb-tune    only the tune/ sweep
 */
/* The experimental tier (vmbytes/experimental.h): tuning, forcing and
 * test hooks. */
#define VMB_EXPERIMENTAL
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmbytes/copy.h>
#include <vmbytes/error.h>
#include <vmbytes/experimental.h>

#include "bench.h"
#include "peers/peers.h"

#ifndef VMB_BENCH_CFLAGS
#define VMB_BENCH_CFLAGS "unknown"
#endif

void reg(vmb_bench_body body, void *arg, int threads, const char *fmt, ...)
{
	char name[256];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(name) || vmb_bench_register(name, body, arg, threads)) {
		fprintf(stderr, "vmbytes-bench: cannot register '%s'\n", name);
		abort();
	}
}

static void context_size(const char *key, size_t v)
{
	char buf[32];

	if (v == SIZE_MAX)
		snprintf(buf, sizeof(buf), "never");
	else
		snprintf(buf, sizeof(buf), "%zu", v);
	vmb_bench_context(key, buf);
}

/*
 * Where libc's memcpy really is. memcpy is an IFUNC: looking it up through
 * the dynamic linker runs the resolver and gives the variant this CPU
 * gets. The variant's own name is not exported; the offset lets the
 * runner name it from libc's debug symbols, when they are installed.
 */
static void context_memcpy(void)
{
	void *p = dlsym(RTLD_DEFAULT, "memcpy");
	Dl_info info;
	char buf[64];

	if (p == NULL || dladdr(p, &info) == 0 || info.dli_fname == NULL) {
		vmb_bench_context("vmb_memcpy_object", "unknown");
		return;
	}
	snprintf(buf, sizeof(buf), "0x%lx", (unsigned long)((uintptr_t)p - (uintptr_t)info.dli_fbase));
	vmb_bench_context("vmb_memcpy_object", info.dli_fname);
	vmb_bench_context("vmb_memcpy_offset", buf);
}

static void context(const struct bench_mode *m)
{
	struct vmb_copy_tuning t;
	char list[256] = "";
	const char *file = getenv("VMB_COPY_TUNING");

	vmb_copy_get_tuning(&t);
	vmb_bench_context("vmb_mode", m->tune ? "tune" : m->quick ? "quick" : "full");
	vmb_bench_context("vmb_compiler", "gcc " __VERSION__);
	vmb_bench_context("vmb_cflags", VMB_BENCH_CFLAGS);
	char cpu[96];

	vmb_bench_context("vmb_tuning_file", file && *file ? file : "(none: built-in thresholds)");
	/* Whether the start-up applied it: loading it again gives the same. */
	if (file && *file) {
		int rc = vmb_copy_load_tuning(file);

		vmb_bench_context("vmb_tuning_file_status",
				  rc == 0 ? "applied" : rc == VMB_EUNSUPPORTED
				  ? "refused: made on another CPU; built-in thresholds"
				  : "refused: unreadable or malformed; built-in thresholds");
	}
	if (vmb_copy_host_cpu(cpu, sizeof(cpu)) == 0)
		vmb_bench_context("vmb_cpu_key", cpu);
	vmb_bench_context("vmb_tuning_block", vmb_copy_strategy_name(t.block));
	context_size("vmb_tuning_movsb_min", t.movsb_min);
	context_size("vmb_tuning_movsb_max", t.movsb_max);
	context_size("vmb_tuning_nt_min", t.nt_min);
	for (int s = 1; s < VMB_COPY_STRATEGY_COUNT; s++) {
		if (!vmb_copy_strategy_available((enum vmb_copy_strategy)s))
			continue;
		if (list[0])
			strcat(list, ",");
		strcat(list, vmb_copy_strategy_name((enum vmb_copy_strategy)s));
	}
	vmb_bench_context("vmb_strategies", list);
	context_memcpy();
}

int main(int argc, char **argv)
{
	struct bench_mode m = {false, false};
	int kept = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--vmb-quick") == 0)
			m.quick = true;
		else if (strcmp(argv[i], "--vmb-tune") == 0)
			m.tune = true;
		else
			argv[kept++] = argv[i];
	}
	argc = kept;
	argv[argc] = NULL;
	/* A forced strategy would silently turn every "default" into it. */
	if (vmb_copy_forced() != VMB_COPY_DEFAULT) {
		fprintf(stderr, "vmbytes-bench: VMB_COPY_STRATEGY is set; unset it to measure the "
				"dispatcher\n");
		return 2;
	}
	context(&m);
	register_copy(&m);
	register_distributions(&m);
	register_atomics(&m);
	register_containers(&m);
	register_virtq(&m);
	register_canary(&m);
	if (!m.tune) {
		register_peer_copy(&m);
		register_peer_atomic(&m);
		register_peer_dist(&m);
	}
	return vmb_bench_main(argc, argv);
}

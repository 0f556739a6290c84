/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The canary: a fixed integer loop that no change to vmbytes can make
 * faster or slower. The time gate (bench/gate/timegate.py) reads how much
 * its repetitions spread to tell a noisy machine from a slower library.
 */
#include "bench.h"

static void canary(struct vmb_bench *b, void *arg)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)arg;
	while (vmb_bench_keep_running_batch(b, 64)) {
		/* A chain of dependent multiplies: latency-bound, no memory. */
		for (int i = 0; i < 64; i++)
			x = vmb_bench_opaque_u64(x * 0x2545f4914f6cdd1dull + 1);
	}
	vmb_bench_use(x);
	vmb_bench_set_items(b, vmb_bench_iterations(b));
}

void register_canary(const struct bench_mode *m)
{
	(void)m;
	vmb_bench_register("gate/canary", canary, NULL, 1);
}

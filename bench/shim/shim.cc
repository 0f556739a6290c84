// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//
// The only C++ in bench/: shim.h's C functions over Google Benchmark.
// A struct vmb_bench * is a benchmark::State * seen from C.
#include "shim.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

// Where to report each finished run of a body (VMB_BENCH_PROGRESS_FD), or
// -1. With random interleaving Google Benchmark prints a benchmark only
// once all its repetitions ran, so its console output cannot show progress.
int progress_fd = -1;

benchmark::State &state(struct vmb_bench *b)
{
	return *reinterpret_cast<benchmark::State *>(b);
}

const benchmark::State &state(const struct vmb_bench *b)
{
	return *reinterpret_cast<const benchmark::State *>(b);
}

}  // namespace

// The definitions of shim.h's functions: C linkage comes from their
// declarations there (inside its extern "C"), so no block of its own here.

int vmb_bench_register(const char *name, vmb_bench_body body, void *arg, int threads)
{
	if (name == nullptr || body == nullptr || threads < 1)
		return -1;
	std::string label(name);
	benchmark::internal::Benchmark *bm = benchmark::RegisterBenchmark(
		name, [body, arg, label](benchmark::State &st) {
			auto t0 = std::chrono::steady_clock::now();

			body(reinterpret_cast<struct vmb_bench *>(&st), arg);
			// After the timed loop: one line per run, from one thread.
			if (progress_fd >= 0 && st.thread_index() == 0) {
				std::chrono::duration<double> d = std::chrono::steady_clock::now() - t0;

				dprintf(progress_fd, "%s\t%lld\t%.6f\n", label.c_str(),
					static_cast<long long>(st.iterations()), d.count());
			}
		});
	// Several threads share the machine: only the wall clock says how
	// long the work took; CPU time would add the threads up.
	if (threads > 1)
		bm->Threads(threads)->UseRealTime();
	return 0;
}

bool vmb_bench_keep_running(struct vmb_bench *b)
{
	return state(b).KeepRunning();
}

bool vmb_bench_keep_running_batch(struct vmb_bench *b, uint64_t n)
{
	return state(b).KeepRunningBatch(static_cast<benchmark::IterationCount>(n));
}

uint64_t vmb_bench_iterations(const struct vmb_bench *b)
{
	return static_cast<uint64_t>(state(b).iterations());
}

int vmb_bench_thread_index(const struct vmb_bench *b)
{
	return state(b).thread_index();
}

int vmb_bench_threads(const struct vmb_bench *b)
{
	return state(b).threads();
}

void vmb_bench_pause(struct vmb_bench *b)
{
	state(b).PauseTiming();
}

void vmb_bench_resume(struct vmb_bench *b)
{
	state(b).ResumeTiming();
}

void vmb_bench_set_bytes(struct vmb_bench *b, uint64_t bytes)
{
	state(b).SetBytesProcessed(static_cast<int64_t>(bytes));
}

void vmb_bench_set_items(struct vmb_bench *b, uint64_t items)
{
	state(b).SetItemsProcessed(static_cast<int64_t>(items));
}

void vmb_bench_counter(struct vmb_bench *b, const char *name, double value,
		       enum vmb_bench_counter_kind kind)
{
	benchmark::Counter::Flags f = benchmark::Counter::kDefaults;

	switch (kind) {
	case VMB_COUNTER_RATE:
		f = benchmark::Counter::kIsRate;
		break;
	case VMB_COUNTER_PER_ITERATION:
		f = benchmark::Counter::kAvgIterations;
		break;
	case VMB_COUNTER_AVG_THREADS:
		f = benchmark::Counter::kAvgThreads;
		break;
	case VMB_COUNTER_VALUE:
		break;
	}
	state(b).counters[name] = benchmark::Counter(value, f);
}

void vmb_bench_label(struct vmb_bench *b, const char *label)
{
	state(b).SetLabel(label);
}

void vmb_bench_skip(struct vmb_bench *b, const char *msg)
{
	state(b).SkipWithError(msg);
}

void vmb_bench_context(const char *key, const char *value)
{
	benchmark::AddCustomContext(key, value);
}

int vmb_bench_main(int argc, char **argv)
{
	const char *fd = std::getenv("VMB_BENCH_PROGRESS_FD");

	if (fd != nullptr && *fd != '\0')
		progress_fd = std::atoi(fd);
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 2;
	size_t ran = benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return ran > 0 ? 0 : 3;
}


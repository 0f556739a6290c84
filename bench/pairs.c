/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Paired measurements: the ratios the issue sets bounds on, taken the way
 * that survives this machine's noise. Two separate benchmarks, even
 * interleaved repetition by repetition, see different seconds of a machine
 * whose speed drifts by tens of percent; two pieces of work that alternate
 * every few tens of microseconds see the same ones.
 *
 * Names: pair/<family>/... (the families choose); counters a_ns, b_ns,
 * time_ratio.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bench.h"

/* A batch lasts at least this long: long enough that the clock reads
 * (some 20 ns each) are noise, short enough to interleave finely. */
#define BATCH_NS 20000.0

struct pair {
	struct side a, b;
	uint64_t n; /* repetitions per batch, calibrated on first run */
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static double timed(const struct side *s, uint64_t n)
{
	if (s->prepare)
		s->prepare(s->ctx);
	double t0 = now_ns();

	s->run(s->ctx, n);
	return now_ns() - t0;
}

static double least_of_3(const struct side *s, uint64_t n)
{
	double t = timed(s, n);

	for (int i = 0; i < 2; i++) {
		double u = timed(s, n);

		t = u < t ? u : t;
	}
	return t;
}

/* calibrate() - the smallest power of two of repetitions whose batch takes
 * BATCH_NS on the slower side. */
static uint64_t calibrate(const struct pair *p)
{
	uint64_t n = 1;

	while (n < ((uint64_t)1 << 30)) {
		/* The least of three: a first touch of a page or a preemption
		 * in one short batch stopped the calibration at n = 1, and the
		 * pair then timed the clock (some 30 ns) instead of the work. */
		double ta = least_of_3(&p->a, n), tb = least_of_3(&p->b, n);

		if (ta >= BATCH_NS || tb >= BATCH_NS)
			break;
		n *= 2;
	}
	return n;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/*
 * The ratio of one repetition: the median over its rounds of the ratio of
 * the round's two batches (A and B, some 40 us apart), not the ratio of the
 * summed times. A round in which one side was preempted, or a neighbour's
 * burst hit one batch and not the other, is then one outlier among a
 * thousand instead of a part of the sum (A against A spread by +-15% per
 * repetition on the loaded machine with sums); the vm-memory peer does the
 * same with its samples.
 */
static void pair_body(struct vmb_bench *b, void *arg)
{
	struct pair *p = arg;
	double ta = 0, tb = 0, *ratios = NULL;
	uint64_t rounds = 0, cap = 0;

	if (p->n == 0)
		p->n = calibrate(p);
	while (vmb_bench_keep_running(b)) {
		double x, y;

		/* A B, then B A: a drift within a round falls on both sides. */
		if (rounds & 1) {
			y = timed(&p->b, p->n);
			x = timed(&p->a, p->n);
		} else {
			x = timed(&p->a, p->n);
			y = timed(&p->b, p->n);
		}
		if (rounds == cap) {
			cap = cap ? 2 * cap : 1024;
			ratios = xrealloc(ratios, cap * sizeof(*ratios));
		}
		ratios[rounds++] = y > 0 ? x / y : 0;
		ta += x;
		tb += y;
	}
	if ((p->a.failed && p->a.failed(p->a.ctx)) || (p->b.failed && p->b.failed(p->b.ctx))) {
		vmb_bench_skip(b, "a side failed");
		free(ratios);
		return;
	}
	double reps = (double)rounds * (double)p->n;

	if (rounds == 0 || tb <= 0) {
		free(ratios);
		return;
	}
	qsort(ratios, rounds, sizeof(*ratios), cmp_double);
	vmb_bench_counter(b, "a_ns", ta / reps, VMB_COUNTER_VALUE);
	vmb_bench_counter(b, "b_ns", tb / reps, VMB_COUNTER_VALUE);
	vmb_bench_counter(b, "time_ratio", rounds & 1 ? ratios[rounds / 2]
				: (ratios[rounds / 2 - 1] + ratios[rounds / 2]) / 2, VMB_COUNTER_VALUE);
	vmb_bench_counter(b, "time_ratio_sum", ta / tb, VMB_COUNTER_VALUE);
	free(ratios);
}

void register_pair(struct side a, struct side b, const char *fmt, ...)
{
	struct pair *p = xcalloc(1, sizeof(*p));
	char name[256];
	va_list ap;
	int len;

	p->a = a;
	p->b = b;
	va_start(ap, fmt);
	len = vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(name)) {
		fprintf(stderr, "vmbytes-bench: pair name too long\n");
		abort();
	}
	reg(pair_body, p, 1, "%s", name);
}

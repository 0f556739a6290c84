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

static void pair_body(struct vmb_bench *b, void *arg)
{
	struct pair *p = arg;
	double ta = 0, tb = 0;
	uint64_t rounds = 0;

	if (p->n == 0)
		p->n = calibrate(p);
	while (vmb_bench_keep_running(b)) {
		/* A B, then B A: a drift within a round falls on both sides. */
		if (rounds & 1) {
			tb += timed(&p->b, p->n);
			ta += timed(&p->a, p->n);
		} else {
			ta += timed(&p->a, p->n);
			tb += timed(&p->b, p->n);
		}
		rounds++;
	}
	if ((p->a.failed && p->a.failed(p->a.ctx)) || (p->b.failed && p->b.failed(p->b.ctx))) {
		vmb_bench_skip(b, "a side failed");
		return;
	}
	double reps = (double)rounds * (double)p->n;

	if (rounds == 0 || tb <= 0)
		return;
	vmb_bench_counter(b, "a_ns", ta / reps, VMB_COUNTER_VALUE);
	vmb_bench_counter(b, "b_ns", tb / reps, VMB_COUNTER_VALUE);
	vmb_bench_counter(b, "time_ratio", ta / tb, VMB_COUNTER_VALUE);
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

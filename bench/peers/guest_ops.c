/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * vmb-peer-vmbytes: the operations of vm-memory 0.10's own benchmarks,
 * timed through vmbytes' public API (guest.h's typed vmb_guest_*()) as a
 * user calls it. Its twin, bench/peers/vm-memory/src/main.rs, times the
 * same operations on vm-memory; both print the same lines, and
 * bench/peers/vmmemory.py runs them alternately and compares.
 *
 * The guest memory is the reference benchmark's: 8 anonymous regions of
 * 2 GiB that touch (MAP_NORESERVE: only the pages an access touches get
 * memory). Accesses of 512 B, 8 B (two u32), 96 B (twelve u64) and one u64
 * at four places: the start of the first region, across the boundary of
 * regions 0 and 1, across the boundary of regions 6 and 7 (half the access
 * on each side), and the start of the last region. find_region looks up
 * the start of each of 256 touching 1 MiB regions.
 *
 * Output, one JSON line per operation in the twin's order:
 *   {"peer":"vmbytes","op":NAME,"ns":NS,"iters":N,"digest":HEX}
 * ns: the median over the passes of one sample's time per operation (per
 * lookup for find_region), in CPU time of the thread; digest: FNV-1a over
 * what the operation reads back after the timed passes.
 *
 * With --serve it takes its samples when told, for a driver that alternates
 * it with its twin sample by sample: it prints "ready" once the samples are
 * sized, then reads lines "s I" (take one sample of operation I, print its
 * ns) until "e" (print the result lines, end).
 *
 * The buffers sit at fixed offsets of a page of their own (image at 0x400,
 * buf at 0x800) in both programs, so that where they fall against the guest
 * pages (4 KiB aliasing) is the same for both and for every run.
 *
 * usage: vmb-peer-vmbytes [--passes N] [--sample-ms MS] [--serve]
 */
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <vmbytes/bytes.h>
#include <vmbytes/guest.h>
#include <vmbytes/region.h>

#define REGION_SIZE 0x80000000ull
#define REGIONS 8u
#define ACCESS 512u
#define FIND_REGION_SIZE 0x100000ull
#define FIND_REGIONS 256u
#define MAX_PASSES 1000u

struct small {
	uint32_t a, b;
};

struct big {
	uint64_t e[12];
};

/* Hide a value from the optimiser (the twin's opaque()): it must be in a
 * register, and may have changed afterwards. */
#define OPAQUE(x) __asm__ volatile("" : "+r"(x))
/* The compiler must assume any memory was read and written here. */
#define CLOBBER() __asm__ volatile("" ::: "memory")

enum kind {
	READ_SLICE, READ, READ_SMALL, READ_BIG, READ_U64,
	WRITE_SLICE, WRITE, WRITE_SMALL, WRITE_BIG,
	FIND_REGION,
};

static const struct {
	const char *name;
	enum kind kind;
	size_t size;
} kinds[] = {
	{ "read_slice/512", READ_SLICE, ACCESS },
	{ "read/512", READ, ACCESS },
	{ "read_obj/8", READ_SMALL, sizeof(struct small) },
	{ "read_obj/96", READ_BIG, sizeof(struct big) },
	{ "read_obj/u64", READ_U64, sizeof(uint64_t) },
	{ "write_slice/512", WRITE_SLICE, ACCESS },
	{ "write/512", WRITE, ACCESS },
	{ "write_obj/8", WRITE_SMALL, sizeof(struct small) },
	{ "write_obj/96", WRITE_BIG, sizeof(struct big) },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* The reference benchmark's places: InRegion(i) or CrossRegion(i). */
static const struct {
	const char *name;
	int across;
	uint64_t region;
} places[] = {
	{ "inside_first", 0, 0 },
	{ "boundary_first", 1, 0 },
	{ "boundary_last", 1, REGIONS - 2 },
	{ "inside_last", 0, REGIONS - 1 },
};
#define NPLACES (sizeof(places) / sizeof(places[0]))
#define NOPS (NPLACES * NKINDS + 1)

struct op {
	char name[64];
	enum kind kind;
	size_t size;
	uint64_t addr;
	uint64_t iters;
	unsigned count;
	double ns[MAX_PASSES];
};

/* The buffers at the twin's page offsets: image at 0x400, buf at 0x800. */
struct fixture {
	_Alignas(4096) uint8_t pad0[0x400];
	uint8_t image[ACCESS];
	uint8_t pad1[0x200];
	uint8_t buf[ACCESS];
	uint8_t pad2[0x600];
	struct vmb_guest *mem;
	struct vmb_guest *few;
	struct small small;
	struct big big;
};
_Static_assert(offsetof(struct fixture, image) == 0x400 && offsetof(struct fixture, buf) == 0x800,
	       "the buffers' page offsets are the twin's");

static __attribute__((noreturn)) void die(const char *what, int rc)
{
	fprintf(stderr, "vmb-peer-vmbytes: %s: %s\n", what, rc ? vmb_strerror(rc) : "failed");
	exit(1);
}

static struct vmb_guest *guest(uint64_t len, unsigned count)
{
	static const struct vmb_guest_ranges_config anon = { .kind = VMB_REGION_ANON };
	struct vmb_range rs[FIND_REGIONS];
	struct vmb_guest *g = NULL;
	int rc;

	for (unsigned i = 0; i < count; i++)
		rs[i] = (struct vmb_range){ .start = i * len, .len = len };
	rc = vmb_guest_from_ranges(rs, count, &anon, &g, NULL);
	if (rc != 0)
		die("cannot map the guest memory", rc);
	return g;
}

/* now() - CPU time of this thread, in seconds: time the scheduler gives to
 * other processes (this machine is shared) does not count. */
static double now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		die("clock_gettime(CLOCK_THREAD_CPUTIME_ID)", 0);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * time_access() - @n calls of one operation; returns seconds, and adds the
 * count of failed calls (which must stay 0) to *@bad. One loop per
 * operation, chosen outside it; not inlined, as the twin's.
 */
static __attribute__((noinline)) double time_access(struct fixture *f, enum kind kind,
						     uint64_t at, uint64_t n, uint64_t *bad)
{
	struct vmb_guest *g = f->mem;
	uint64_t failed = 0;
	double t0 = now();

	/* Each iteration: the guest memory and the address unknown to the
	 * compiler (the twin's opaque(&memory), opaque(addr)), one call,
	 * its status counted, the buffers assumed read and changed. The
	 * calls are guest.h's typed entry points, what a user holding a
	 * guest memory calls (vmb_bytes_*() on vmb_guest_bytes() is the
	 * generic interface, for code written for any container). */
#define TIMED(call)                                   \
	for (uint64_t i = 0; i < n; i++) {            \
		uint64_t a = at;                      \
		OPAQUE(g);                            \
		OPAQUE(a);                            \
		failed += (call) != 0;                \
		CLOBBER();                            \
	}
	size_t done;
	struct small vs;
	struct big vb;
	uint64_t v64;

	switch (kind) {
	case READ_SLICE:
		TIMED(vmb_guest_read_slice(g, a, f->buf, ACCESS, NULL));
		break;
	case READ:
		TIMED(vmb_guest_read(g, a, f->buf, ACCESS, &done, NULL));
		break;
	case READ_SMALL:
		TIMED(vmb_guest_read_val(g, a, &vs, NULL));
		break;
	case READ_BIG:
		TIMED(vmb_guest_read_val(g, a, &vb, NULL));
		break;
	case READ_U64:
		TIMED(vmb_guest_read_val(g, a, &v64, NULL));
		break;
	case WRITE_SLICE:
		TIMED(vmb_guest_write_slice(g, a, f->image, ACCESS, NULL));
		break;
	case WRITE:
		TIMED(vmb_guest_write(g, a, f->image, ACCESS, &done, NULL));
		break;
	case WRITE_SMALL:
		TIMED(vmb_guest_write_val(g, a, &f->small, NULL));
		break;
	default:
		TIMED(vmb_guest_write_val(g, a, &f->big, NULL));
		break;
	}
#undef TIMED
	double t = now() - t0;

	*bad += failed;
	return t;
}

/* time_find_region() - @n rounds of find_region at the start of each of
 * the 256 regions. */
static __attribute__((noinline)) double time_find_region(struct fixture *f, uint64_t n,
							  uint64_t *bad)
{
	uint64_t failed = 0;
	double t0 = now();

	for (uint64_t i = 0; i < n; i++) {
		const struct vmb_guest *g = f->few;

		OPAQUE(g);
		for (uint64_t r = 0; r < FIND_REGIONS; r++) {
			uint64_t a = r * FIND_REGION_SIZE;
			struct vmb_region *hit;

			OPAQUE(a);
			hit = vmb_guest_find_region(g, a);
			failed += hit == NULL;
			OPAQUE(hit);
		}
	}
	double t = now() - t0;

	*bad += failed;
	return t;
}

static double sample(struct fixture *f, const struct op *op, uint64_t n, uint64_t *bad)
{
	return op->kind == FIND_REGION ? time_find_region(f, n, bad)
				       : time_access(f, op->kind, op->addr, n, bad);
}

/* calibrate() - iterations that make one sample last about @ms ms: double
 * until a run lasts half of it, then scale by the fastest of three runs of
 * that length (the twin's rule). */
static uint64_t calibrate(struct fixture *f, const struct op *op, double ms, uint64_t *bad)
{
	const uint64_t cap = (uint64_t)1 << 40;
	uint64_t n = 1;

	for (;;) {
		double t = sample(f, op, n, bad);

		if (t >= ms * 0.5e-3 || n >= cap) {
			t = fmin(t, fmin(sample(f, op, n, bad), sample(f, op, n, bad)));
			double want = ceil((double)n * ms * 1e-3 / (t > 1e-9 ? t : 1e-9));

			return want < 1 ? 1 : want > (double)cap ? cap : (uint64_t)want;
		}
		n *= 2;
	}
}

static void fnv1a(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		*h ^= b[i];
		*h *= 0x100000001b3ull;
	}
}

#define FNV_START 0xcbf29ce484222325ull

static void put_le64(uint8_t out[8], uint64_t v)
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(v >> (8 * i));
}

/*
 * digest() - after the timed passes: the operation once more, then FNV-1a
 * over what it read (a read) or over what the guest then holds at its
 * bytes (a write); read and write also hash the count they return. The
 * twin computes the same bytes the same way.
 */
static uint64_t digest(struct fixture *f, const struct op *op)
{
	struct vmb_bytes m = vmb_guest_bytes(f->mem);
	uint8_t out[ACCESS] = { 0 }, le[8];
	uint64_t h = FNV_START;
	size_t done = 0;
	int rc;

	switch (op->kind) {
	case READ_SLICE:
		rc = vmb_bytes_read_slice(m, op->addr, out, ACCESS, NULL);
		break;
	case READ:
		rc = vmb_bytes_read(m, op->addr, out, ACCESS, &done, NULL);
		put_le64(le, done);
		fnv1a(&h, le, 8);
		break;
	case READ_SMALL:
	case READ_BIG:
		rc = vmb_bytes_read_obj(m, op->addr, out, op->size, NULL);
		break;
	case READ_U64: {
		uint64_t v = 0;

		rc = vmb_bytes_read_val(m, op->addr, &v, NULL);
		put_le64(out, v);
		break;
	}
	case WRITE:
		rc = vmb_bytes_write(m, op->addr, f->image, ACCESS, &done, NULL);
		put_le64(le, done);
		fnv1a(&h, le, 8);
		break;
	case WRITE_SLICE:
		rc = vmb_bytes_write_slice(m, op->addr, f->image, ACCESS, NULL);
		break;
	case WRITE_SMALL:
		rc = vmb_bytes_write_val(m, op->addr, &f->small, NULL);
		break;
	default:
		rc = vmb_bytes_write_val(m, op->addr, &f->big, NULL);
		break;
	}
	if (rc == 0 && op->kind >= WRITE_SLICE)
		rc = vmb_bytes_read_slice(m, op->addr, out, op->size, NULL);
	if (rc != 0)
		die(op->name, rc);
	fnv1a(&h, out, op->size);
	return h;
}

static uint64_t digest_find_region(struct fixture *f)
{
	uint64_t h = FNV_START;
	uint8_t le[8];

	for (uint64_t r = 0; r < FIND_REGIONS; r++) {
		struct vmb_region *hit = vmb_guest_find_region(f->few, r * FIND_REGION_SIZE);

		put_le64(le, hit ? vmb_region_start(hit) : UINT64_MAX);
		fnv1a(&h, le, 8);
	}
	return h;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(const char *msg)
{
	fprintf(stderr, "vmb-peer-vmbytes: %s\n"
		"usage: vmb-peer-vmbytes [--passes N (1-1000)] [--sample-ms MS (0.1-1000)] [--serve]\n",
		msg);
	exit(2);
}

static void parse_args(int argc, char **argv, unsigned *passes, double *ms, bool *serve)
{
	char msg[160];

	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (strcmp(a, "--serve") == 0) {
			*serve = true;
			i--;
			continue;
		}
		if (strcmp(a, "--passes") != 0 && strcmp(a, "--sample-ms") != 0) {
			snprintf(msg, sizeof(msg), "unknown argument '%s'", a);
			usage(msg);
		}
		if (v == NULL) {
			snprintf(msg, sizeof(msg), "'%s' needs a value", a);
			usage(msg);
		}
		errno = 0;
		if (strcmp(a, "--passes") == 0) {
			unsigned long p = strtoul(v, &end, 10);

			if (errno || end == v || *end || v[0] == '-' || p < 1 || p > MAX_PASSES) {
				snprintf(msg, sizeof(msg),
					 "--passes: '%s' is not a whole number from 1 to 1000", v);
				usage(msg);
			}
			*passes = (unsigned)p;
		} else {
			double d = strtod(v, &end);

			if (errno || end == v || *end || !(d >= 0.1 && d <= 1000)) {
				snprintf(msg, sizeof(msg),
					 "--sample-ms: '%s' is not a number from 0.1 to 1000", v);
				usage(msg);
			}
			*ms = d;
		}
	}
}

/* take() - one sample of @op, kept in its ns[] (ns per operation). */
static double take(struct fixture *f, struct op *op, uint64_t *bad)
{
	double per = (double)op->iters * (op->kind == FIND_REGION ? FIND_REGIONS : 1);
	double ns = sample(f, op, op->iters, bad) / per * 1e9;

	if (op->count == MAX_PASSES) {
		fprintf(stderr, "vmb-peer-vmbytes: more than %u samples of %s\n", MAX_PASSES, op->name);
		exit(1);
	}
	op->ns[op->count++] = ns;
	return ns;
}

/* serve_samples() - the --serve loop: "s I" takes one sample of operation I
 * and prints its ns; "e" ends. */
static void serve_samples(struct fixture *f, struct op *ops, size_t n, uint64_t *bad)
{
	char line[64];

	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		char *end = line;
		unsigned long i;

		if (strcmp(line, "e\n") == 0)
			return;
		errno = 0;
		i = strncmp(line, "s ", 2) == 0 ? strtoul(line + 2, &end, 10) : n;
		if (i >= n || errno || *end != '\n') {
			fprintf(stderr, "vmb-peer-vmbytes: --serve: bad command '%.*s'\n",
				(int)strcspn(line, "\n"), line);
			exit(2);
		}
		printf("%.4f\n", take(f, &ops[i], bad));
		fflush(stdout);
	}
	fprintf(stderr, "vmb-peer-vmbytes: --serve: input ended before \"e\"\n");
	exit(1);
}

int main(int argc, char **argv)
{
	static struct fixture f;
	static struct op ops[NOPS];
	unsigned passes = 5;
	double ms = 10;
	uint64_t bad = 0;
	bool serve = false;
	size_t n = 0;

	parse_args(argc, argv, &passes, &ms, &serve);
	f.mem = guest(REGION_SIZE, REGIONS);
	f.few = guest(FIND_REGION_SIZE, FIND_REGIONS);
	for (size_t i = 0; i < ACCESS; i++)
		f.image[i] = (uint8_t)(i * 7 + 1);
	f.small = (struct small){ 0x11112222u, 0x33334444u };
	for (size_t i = 0; i < 12; i++)
		f.big.e[i] = 0x1111222233334444ull;
	if (vmb_guest_last_addr(f.mem) != REGION_SIZE * REGIONS - 1)
		die("the guest memory's last address", 0);

	/* The operations in the twin's order; the last is find_region. */
	for (size_t p = 0; p < NPLACES; p++) {
		for (size_t k = 0; k < NKINDS; k++, n++) {
			uint64_t base = REGION_SIZE * places[p].region;

			snprintf(ops[n].name, sizeof(ops[n].name), "%s/%s", kinds[k].name,
				 places[p].name);
			ops[n].kind = kinds[k].kind;
			ops[n].size = kinds[k].size;
			ops[n].addr = places[p].across ? base + REGION_SIZE - kinds[k].size / 2 : base;
		}
	}
	snprintf(ops[n].name, sizeof(ops[n].name), "find_region/%u", FIND_REGIONS);
	ops[n++].kind = FIND_REGION;

	/* Warm up and size every operation's sample (this also faults in the
	 * pages the accesses touch). */
	for (size_t i = 0; i < n; i++)
		ops[i].iters = calibrate(&f, &ops[i], ms, &bad);
	if (serve)
		serve_samples(&f, ops, n, &bad);
	else
		for (unsigned p = 0; p < passes; p++)
			for (size_t i = 0; i < n; i++)
				take(&f, &ops[i], &bad);
	for (size_t i = 0; i < n; i++)
		if (ops[i].count == 0) {
			fprintf(stderr, "vmb-peer-vmbytes: --serve: no sample of %s was asked for\n",
				ops[i].name);
			return 1;
		}
	if (bad != 0) {
		fprintf(stderr, "vmb-peer-vmbytes: %" PRIu64 " timed operations returned an error\n",
			bad);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t d = ops[i].kind == FIND_REGION ? digest_find_region(&f) : digest(&f, &ops[i]);

		printf("{\"peer\":\"vmbytes\",\"op\":\"%s\",\"ns\":%.4f,\"iters\":%" PRIu64
		       ",\"digest\":\"%016" PRIx64 "\"}\n",
		       ops[i].name, median(ops[i].ns, ops[i].count), ops[i].iters, d);
	}
	vmb_guest_free(f.mem);
	vmb_guest_free(f.few);
	return fflush(stdout) == 0 ? 0 : 1;
}

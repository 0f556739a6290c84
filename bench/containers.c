/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Container operations, after the reference's own benchmarks: small (8 B)
 * and big (96 B) objects read and written, 512 B slices inside a region
 * and across a region boundary, volatile I/O from and to file descriptors,
 * find_region over 1 to 1024 regions, and writes with dirty tracking on
 * and off. Plus the cost of the slice layer itself: write_slice and
 * read_slice of 4 KiB on a slice next to a bare vmb_copy() of 4 KiB.
 *
 * container/<op> goes through the generic interface (vmb_bytes_*() on
 * vmb_guest_bytes()), container/typed/<op> through guest.h's inline
 * vmb_guest_*(), the entry points a user who holds a guest memory calls.
 * find_region looks up random addresses in regions with holes between
 * them; /in_order looks up each region's start in turn, as the
 * reference's own benchmark does (256 touching 1 MiB regions there).
 *
 * The guest memory here is two 1 MiB anonymous regions that touch at
 * 1 MiB: "inside" accesses sit at 0x1000, "boundary" ones straddle 1 MiB,
 * half in each region.
 *
 * Names: container/<op>/<object|bytes>/<inside|boundary>
 *        container/typed/<op>/<object|bytes>/<inside|boundary>
 *        container/find_region/<regions>
 *        container/find_region/<regions>/in_order
 *        container/dirty/<on|off>/<op>/<bytes>
 *        container/slice/<write_slice|read_slice|vmb_copy>/4096
 *        container/[typed/]<write_whole|read_whole>/512/<inside|boundary>
 *
 * The all-or-nothing forms (SPEC W1-W4) are write_slice/read_slice after a
 * walk of the whole range: their rows next to container/[typed/]
 * <write_slice|read_slice>/512 at the same place are the cost of the check
 * (a regression gate of vmbytes against itself, not a peer comparison).
 */
/* The experimental tier (vmbytes/experimental.h): tuning, forcing and
 * test hooks. */
#define VMB_EXPERIMENTAL
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <vmbytes/copy.h>
#include <vmbytes/experimental.h>
#include <vmbytes/guest.h>
#include <vmbytes/io.h>
#include <vmbytes/region.h>
#include <vmbytes/slice.h>

#include "bench.h"

#define REGION_LEN MIB
#define INSIDE 0x1000u
#define BOUNDARY(n) (REGION_LEN - (n) / 2)

static struct vmb_guest *make_guest(size_t nregions, uint64_t len, uint64_t gap, size_t dirty)
{
	const struct vmb_guest_ranges_config cfg = { .kind = VMB_REGION_ANON,
						     .dirty_page_size = dirty };
	struct vmb_range *rs = xcalloc(nregions, sizeof(*rs));
	struct vmb_guest *g = NULL;

	for (size_t i = 0; i < nregions; i++)
		rs[i] = (struct vmb_range){ .start = i * (len + gap), .len = len };
	if (vmb_guest_from_ranges(rs, nregions, &cfg, &g, NULL) != 0)
		g = NULL;
	free(rs);
	return g;
}

/* The two-region guest memories, dirty tracking off [0] and on [1]; made
 * on first use and kept (benchmarks of this file run on one thread). */
static struct vmb_guest *guests[2];

static struct vmb_guest *two_regions(bool dirty)
{
	if (guests[dirty] == NULL) {
		guests[dirty] = make_guest(2, REGION_LEN, 0, dirty ? 4096 : 0);
		if (guests[dirty] != NULL) {
			/* Touch every page once so no timed access faults. */
			static uint8_t ones[4096];
			struct vmb_bytes bb = vmb_guest_bytes(guests[dirty]);

			memset(ones, 1, sizeof(ones));
			for (uint64_t a = 0; a < 2 * REGION_LEN; a += sizeof(ones))
				if (vmb_bytes_write_slice(bb, a, ones, sizeof(ones), NULL) != 0)
					abort();
		}
	}
	return guests[dirty];
}

enum op {
	READ_OBJ, WRITE_OBJ, READ_SLICE, WRITE_SLICE,
	READ_FROM, READ_EXACT_FROM, WRITE_TO, WRITE_ALL_TO, STORE_U64,
	READ_WHOLE, WRITE_WHOLE,
};

static const char *const op_names[] = {
	"read_obj", "write_obj", "read_slice", "write_slice", "read_volatile_from",
	"read_exact_volatile_from", "write_volatile_to", "write_all_volatile_to", "store",
	"read_whole", "write_whole",
};

struct op_case {
	enum op op;
	size_t size;
	uint64_t addr;
	bool dirty;
	bool typed; /* guest.h's vmb_guest_*() rather than vmb_bytes_*() */
};

/* Batches for the copying operations; the I/O ones make a system call each
 * and run one per iteration. */
#define OP_BATCH 64

static void op_body(struct vmb_bench *b, void *arg)
{
	const struct op_case *c = arg;
	struct vmb_guest *g = two_regions(c->dirty);
	static _Alignas(64) uint8_t buf[64 * KIB];
	struct vmb_fd_source zero;
	struct vmb_fd_sink null;
	int zfd = -1, nfd = -1;
	uint64_t bad = 0;

	if (g == NULL || vmb_copy_force(VMB_COPY_DEFAULT) != 0) {
		vmb_bench_skip(b, "cannot make the guest memory");
		return;
	}
	struct vmb_bytes m = vmb_guest_bytes(g);
	uint64_t addr = vmb_bench_opaque_u64(c->addr);
	size_t n = (size_t)vmb_bench_opaque_u64(c->size);

	switch (c->op) {
	case READ_OBJ:
	case WRITE_OBJ:
	case READ_SLICE:
	case WRITE_SLICE:
	case STORE_U64:
	case READ_WHOLE:
	case WRITE_WHOLE:
		while (vmb_bench_keep_running_batch(b, OP_BATCH)) {
			for (int i = 0; i < OP_BATCH; i++) {
				int rc;

				if (c->typed) {
					switch (c->op) {
					case READ_OBJ:
						rc = vmb_guest_read_obj(g, addr, buf, n, NULL);
						break;
					case WRITE_OBJ:
						rc = vmb_guest_write_obj(g, addr, buf, n, NULL);
						break;
					case READ_SLICE:
						rc = vmb_guest_read_slice(g, addr, buf, n, NULL);
						break;
					case WRITE_SLICE:
						rc = vmb_guest_write_slice(g, addr, buf, n, NULL);
						break;
					case READ_WHOLE:
						rc = vmb_guest_read_whole(g, addr, buf, n, NULL);
						break;
					case WRITE_WHOLE:
						rc = vmb_guest_write_whole(g, addr, buf, n, NULL);
						break;
					default:
						rc = vmb_guest_store(g, addr, 8, VMB_RELEASE,
								     (uint64_t)i, NULL);
						break;
					}
					bad += rc != 0;
					vmb_bench_clobber();
					continue;
				}
				switch (c->op) {
				case READ_OBJ:
					rc = vmb_bytes_read_obj(m, addr, buf, n, NULL);
					break;
				case WRITE_OBJ:
					rc = vmb_bytes_write_obj(m, addr, buf, n, NULL);
					break;
				case READ_SLICE:
					rc = vmb_bytes_read_slice(m, addr, buf, n, NULL);
					break;
				case WRITE_SLICE:
					rc = vmb_bytes_write_slice(m, addr, buf, n, NULL);
					break;
				case READ_WHOLE:
					rc = vmb_bytes_read_whole(m, addr, buf, n, NULL);
					break;
				case WRITE_WHOLE:
					rc = vmb_bytes_write_whole(m, addr, buf, n, NULL);
					break;
				default:
					rc = vmb_bytes_store(m, addr, 8, VMB_RELEASE, (uint64_t)i,
							     NULL);
					break;
				}
				bad += rc != 0;
				vmb_bench_clobber();
			}
		}
		break;
	default:
		zfd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
		nfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (zfd < 0 || nfd < 0 || vmb_fd_source_init(&zero, zfd) != 0 ||
		    vmb_fd_sink_init(&null, nfd) != 0) {
			vmb_bench_skip(b, "cannot open /dev/zero or /dev/null");
			break;
		}
		while (vmb_bench_keep_running(b)) {
			size_t done = 0;
			int rc;

			switch (c->op) {
			case READ_FROM:
				rc = vmb_bytes_read_volatile_from(m, addr, &zero.base, n, &done, NULL);
				break;
			case READ_EXACT_FROM:
				rc = vmb_bytes_read_exact_volatile_from(m, addr, &zero.base, n, NULL);
				break;
			case WRITE_TO:
				rc = vmb_bytes_write_volatile_to(m, addr, &null.base, n, &done, NULL);
				break;
			default:
				rc = vmb_bytes_write_all_volatile_to(m, addr, &null.base, n, NULL);
				break;
			}
			bad += rc != 0;
			vmb_bench_use(done);
		}
		break;
	}
	if (zfd >= 0)
		close(zfd);
	if (nfd >= 0)
		close(nfd);
	if (bad != 0) {
		vmb_bench_skip(b, "an operation failed");
		return;
	}
	vmb_bench_set_bytes(b, vmb_bench_iterations(b) * c->size);
	vmb_bench_set_items(b, vmb_bench_iterations(b));
}

/* ---- find_region ---- */

#define LOOKUPS 4096 /* a power of two */

struct find_case {
	size_t nregions;
	bool in_order; /* each region's start in turn, touching 1 MiB regions */
	struct vmb_guest *g;
	uint64_t *addr; /* LOOKUPS addresses, each in some region */
};

static void find_setup(struct find_case *c)
{
	c->addr = xcalloc(LOOKUPS, sizeof(*c->addr));
	if (c->in_order) {
		/* The reference's: region starts in rising order, again and again. */
		c->g = make_guest(c->nregions, MIB, 0, 0);
		for (size_t i = 0; i < LOOKUPS; i++)
			c->addr[i] = (i % c->nregions) * MIB;
		return;
	}
	/* 64 KiB regions with 64 KiB holes between them. */
	c->g = make_guest(c->nregions, 64 * KIB, 64 * KIB, 0);
	uint64_t x = 0x2545f4914f6cdd1du;

	for (size_t i = 0; i < LOOKUPS; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint64_t r = (x >> 20) % c->nregions, off = x % (64 * KIB);

		c->addr[i] = r * 128 * KIB + off;
	}
}

static void find_body(struct vmb_bench *b, void *arg)
{
	struct find_case *c = arg;

	if (c->g == NULL)
		find_setup(c);
	if (c->g == NULL) {
		vmb_bench_skip(b, "cannot make the guest memory");
		return;
	}
	/* Lookups of addresses spread over every region, in an order the
	 * branch predictors cannot learn: the search's real cost. */
	uint64_t missing = 0;

	while (vmb_bench_keep_running_batch(b, LOOKUPS))
		for (size_t i = 0; i < LOOKUPS; i++) {
			struct vmb_region *r = vmb_guest_find_region(c->g, c->addr[i]);

			missing += r == NULL;
			vmb_bench_use((uintptr_t)r);
		}
	if (missing != 0) {
		vmb_bench_skip(b, "an address was not found");
		return;
	}
	vmb_bench_set_items(b, vmb_bench_iterations(b));
}

/* ---- the slice layer against a bare copy ---- */

enum slice_op { SLICE_WRITE, SLICE_READ, BARE_COPY };

static void slice_body(struct vmb_bench *b, void *arg)
{
	enum slice_op op = *(const enum slice_op *)arg;
	uint8_t *mem = arena(0, ARENA_DST), *buf = arena(0, ARENA_SRC);
	struct vmb_slice s;
	const size_t n = 4096;
	uint64_t bad = 0;

	if (mem == NULL || buf == NULL || vmb_slice_init(&s, mem, 64 * KIB) != 0 ||
	    vmb_copy_force(VMB_COPY_DEFAULT) != 0) {
		vmb_bench_skip(b, "cannot set up the slice");
		return;
	}
	/* Same addresses for all three: page-aligned, hot. */
	size_t off = (size_t)vmb_bench_opaque_u64(8 * KIB);
	size_t len = (size_t)vmb_bench_opaque_u64(n);

	while (vmb_bench_keep_running_batch(b, 16))
		for (int i = 0; i < 16; i++) {
			switch (op) {
			case SLICE_WRITE:
				bad += vmb_slice_write_slice(s, off, buf, len, NULL) != 0;
				break;
			case SLICE_READ:
				bad += vmb_slice_read_slice(s, off, buf, len, NULL) != 0;
				break;
			default:
				vmb_copy(s.base + off, buf, len);
				break;
			}
			vmb_bench_clobber();
		}
	if (bad != 0) {
		vmb_bench_skip(b, "a slice access failed");
		return;
	}
	vmb_bench_set_bytes(b, vmb_bench_iterations(b) * n);
}

/* Sides of the paired measurements. */
struct find_side {
	struct find_case *c;
	uint64_t missing;
};

static void find_side_prepare(void *arg)
{
	struct find_side *f = arg;

	if (f->c->g == NULL)
		find_setup(f->c);
}

static void find_side_run(void *arg, uint64_t reps)
{
	struct find_side *f = arg;

	if (f->c->g == NULL) {
		f->missing++;
		return;
	}
	for (uint64_t k = 0; k < reps; k++) {
		struct vmb_region *r = vmb_guest_find_region(f->c->g, f->c->addr[k & (LOOKUPS - 1)]);

		f->missing += r == NULL;
		vmb_bench_use((uintptr_t)r);
	}
}

static bool find_side_failed(void *arg)
{
	return ((struct find_side *)arg)->missing != 0;
}

struct slice_side {
	enum slice_op op;
	struct vmb_slice s;
	uint8_t *buf;
	uint64_t bad;
};

static void slice_side_prepare(void *arg)
{
	struct slice_side *x = arg;

	x->bad += (uint64_t)slice_4k_setup(&x->s, &x->buf);
}

static void slice_side_run(void *arg, uint64_t reps)
{
	struct slice_side *x = arg;
	struct vmb_slice s = x->s;
	size_t off = (size_t)vmb_bench_opaque_u64(8 * KIB);
	size_t len = (size_t)vmb_bench_opaque_u64(4096);
	uint64_t bad = 0;

	if (x->bad)
		return;
	for (uint64_t i = 0; i < reps; i++) {
		switch (x->op) {
		case SLICE_WRITE:
			bad += vmb_slice_write_slice(s, off, x->buf, len, NULL) != 0;
			break;
		case SLICE_READ:
			bad += vmb_slice_read_slice(s, off, x->buf, len, NULL) != 0;
			break;
		default:
			vmb_copy(s.base + off, x->buf, len);
			break;
		}
		vmb_bench_clobber();
	}
	x->bad += bad;
}

static bool slice_side_failed(void *arg)
{
	return ((struct slice_side *)arg)->bad != 0;
}

static struct side slice_side(enum slice_op op)
{
	struct slice_side *x = xcalloc(1, sizeof(*x));
	struct side sd = {slice_side_run, x, slice_side_prepare, slice_side_failed};

	x->op = op;
	return sd;
}

static enum slice_op slice_ops[] = {SLICE_WRITE, SLICE_READ, BARE_COPY};
static const char *const slice_names[] = {"write_slice", "read_slice", "vmb_copy"};

static void reg_op(enum op op, size_t size, uint64_t addr, bool dirty, const char *name)
{
	struct op_case *c = xcalloc(1, sizeof(*c));

	c->typed = strncmp(name, "container/typed/", 16) == 0;
	c->op = op;
	c->size = size;
	c->addr = addr;
	c->dirty = dirty;
	reg(op_body, c, 1, "%s", name);
}

void register_containers(const struct bench_mode *m)
{
	static const struct {
		const char *label;
		size_t size;
	} objs[] = {{"small", 8}, {"big", 96}};
	char name[128];

	if (m->tune)
		return;
	/* Objects and 512-byte slices, inside a region and across a boundary. */
	for (int where = 0; where < 2; where++) {
		const char *w = where ? "boundary" : "inside";

		for (size_t k = 0; k < 2; k++) {
			uint64_t a = where ? BOUNDARY(objs[k].size) : INSIDE;

			snprintf(name, sizeof(name), "container/read_obj/%s/%s", objs[k].label, w);
			reg_op(READ_OBJ, objs[k].size, a, false, name);
			snprintf(name, sizeof(name), "container/write_obj/%s/%s", objs[k].label, w);
			reg_op(WRITE_OBJ, objs[k].size, a, false, name);
		}
		uint64_t a = where ? BOUNDARY(512) : INSIDE;

		for (enum op op = READ_SLICE; op <= WRITE_ALL_TO; op++) {
			snprintf(name, sizeof(name), "container/%s/512/%s", op_names[op], w);
			reg_op(op, 512, a, false, name);
		}
		/* The same through guest.h's typed inline entry points. */
		for (size_t k = 0; k < 2; k++) {
			uint64_t ao = where ? BOUNDARY(objs[k].size) : INSIDE;

			snprintf(name, sizeof(name), "container/typed/read_obj/%s/%s", objs[k].label, w);
			reg_op(READ_OBJ, objs[k].size, ao, false, name);
			snprintf(name, sizeof(name), "container/typed/write_obj/%s/%s", objs[k].label, w);
			reg_op(WRITE_OBJ, objs[k].size, ao, false, name);
		}
		for (enum op op = READ_SLICE; op <= WRITE_SLICE; op++) {
			snprintf(name, sizeof(name), "container/typed/%s/512/%s", op_names[op], w);
			reg_op(op, 512, a, false, name);
		}
		/* W1-W4: the same 512 bytes, all or nothing. */
		for (enum op op = READ_WHOLE; op <= WRITE_WHOLE; op++) {
			snprintf(name, sizeof(name), "container/%s/512/%s", op_names[op], w);
			reg_op(op, 512, a, false, name);
			snprintf(name, sizeof(name), "container/typed/%s/512/%s", op_names[op], w);
			reg_op(op, 512, a, false, name);
		}
	}
	/* Dirty tracking off and on, same operations, inside one region. */
	for (int dirty = 0; dirty < 2; dirty++) {
		const char *d = dirty ? "on" : "off";

		snprintf(name, sizeof(name), "container/dirty/%s/write_obj/8", d);
		reg_op(WRITE_OBJ, 8, INSIDE, dirty, name);
		snprintf(name, sizeof(name), "container/dirty/%s/write_slice/512", d);
		reg_op(WRITE_SLICE, 512, INSIDE, dirty, name);
		snprintf(name, sizeof(name), "container/dirty/%s/write_slice/65536", d);
		reg_op(WRITE_SLICE, 65536, INSIDE, dirty, name);
		snprintf(name, sizeof(name), "container/dirty/%s/store/8", d);
		reg_op(STORE_U64, 8, INSIDE, dirty, name);
		snprintf(name, sizeof(name), "container/typed/dirty/%s/write_obj/8", d);
		reg_op(WRITE_OBJ, 8, INSIDE, dirty, name);
		snprintf(name, sizeof(name), "container/typed/dirty/%s/store/8", d);
		reg_op(STORE_U64, 8, INSIDE, dirty, name);
	}
	/* find_region over 1 .. 1024 regions. */
	struct find_case *f16 = NULL, *f1024 = NULL;

	for (size_t n = 1; n <= 1024; n *= 2) {
		struct find_case *c = xcalloc(1, sizeof(*c));

		c->nregions = n;
		reg(find_body, c, 1, "container/find_region/%zu", n);
		if (n == 16)
			f16 = c;
		if (n == 1024)
			f1024 = c;
	}
	struct find_case *seq = xcalloc(1, sizeof(*seq));

	seq->nregions = 256;
	seq->in_order = true;
	reg(find_body, seq, 1, "container/find_region/256/in_order");
	for (size_t k = 0; k < 3; k++)
		reg(slice_body, &slice_ops[k], 1, "container/slice/%s/4096", slice_names[k]);
	/* The bounded ratios, interleaved in one loop (pairs.c). */
	struct find_side *fa = xcalloc(1, sizeof(*fa)), *fb = xcalloc(1, sizeof(*fb));

	fa->c = f1024;
	fb->c = f16;
	register_pair((struct side){find_side_run, fa, find_side_prepare, find_side_failed},
		      (struct side){find_side_run, fb, find_side_prepare, find_side_failed},
		      "pair/container/find_region/1024/16");
	register_pair(slice_side(SLICE_WRITE), slice_side(BARE_COPY),
		      "pair/container/slice/write_slice/vmb_copy/4096");
	register_pair(slice_side(SLICE_READ), slice_side(BARE_COPY),
		      "pair/container/slice/read_slice/vmb_copy/4096");
}

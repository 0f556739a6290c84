/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * One table of container-level cases, run against every backend through
 * the generic interface (liburing's FOR_ALL_TEST_CONFIGS): a volatile
 * slice, anonymous / memfd / file regions, a guest memory of one region,
 * a data file and a remote process, all L = 0x2000 bytes long.
 *
 * Each case names the result it expects per container family, in the text
 * form of SPEC section 7, because the families report address errors
 * differently (SPEC G9): the slice, the data file and the remote process
 * say OutOfBounds / Overflow / Misaligned; a region maps those to
 * InvalidBackendAddress; guest memory says InvalidGuestAddress when an
 * access starts outside every region and turns short exact I/O into
 * PartialBuffer (G7). The remote process cannot do atomics (R1).
 *
 * After every case the whole container is read back independently of the
 * interface under test (host pointer, pread, or the remote child itself),
 * so a stray or missing byte fails the case too.
 */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define L 0x2000u
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

enum fam { F_SLICE, F_REGION, F_GUEST, F_FILE, F_REMOTE, NFAM };

enum op {
	WRITE,
	READ,
	WRITE_SLICE,
	READ_SLICE,
	WRITE_OBJ,
	READ_OBJ,
	READ_FROM,
	READ_EXACT_FROM,
	WRITE_TO,
	WRITE_ALL_TO,
	STORE,
	LOAD,
};

static const char *const op_names[] = { "write",     "read",        "write_slice",
					"read_slice", "write_obj",  "read_obj",
					"read_from", "read_exact_from", "write_to",
					"write_all_to", "store",    "load" };

struct ccase {
	enum op op;
	uint64_t addr;
	size_t n;     /* bytes; the width for store/load, the size for objects */
	size_t io;    /* bytes the source holds / the sink takes (read_from...) */
	int order;    /* store/load */
	const char *want[NFAM];
};

/* Same result for every family. */
#define ALL(x) { x, x, x, x, x }
/* Address errors: slice-like text, then region, guest, file, remote. */
#define ADDR(slice, guest) { slice, "err invalid_backend_address", guest, slice, slice }
/* Atomics: as ADDR, but the remote process cannot do them at all (R1). */
#define ATOM(slice, region, guest) { slice, region, guest, slice, "err unsupported" }
#define OOB(a) "err out_of_bounds addr=" #a
#define IGA(a) "err invalid_guest_address addr=" #a
#define IBA "err invalid_backend_address"

static const struct ccase table[] = {
	/* S1/G5: empty buffers are ok 0 anywhere. */
	{ WRITE, 0, 0, 0, 0, ALL("ok 0") },
	{ WRITE, L, 0, 0, 0, ALL("ok 0") },
	{ WRITE, L + 1, 0, 0, 0, ALL("ok 0") },
	{ WRITE, SIZE_MAX, 0, 0, 0, ALL("ok 0") },
	{ READ, SIZE_MAX, 0, 0, 0, ALL("ok 0") },
	{ WRITE_SLICE, L + 1, 0, 0, 0, ALL("ok") },
	{ READ_OBJ, SIZE_MAX, 0, 0, 0, ALL("ok") },
	/* S2/S3/G4: boundaries at 0, L-1, L, L+1, SIZE_MAX. */
	{ WRITE, 0, 1, 0, 0, ALL("ok 1") },
	{ WRITE, L - 1, 1, 0, 0, ALL("ok 1") },
	{ WRITE, L - 1, 2, 0, 0, ALL("ok 1") },
	{ WRITE, 0, L, 0, 0, ALL("ok 8192") },
	{ WRITE, 0, L + 1, 0, 0, ALL("ok 8192") },
	{ WRITE, 0x123, L, 0, 0, ALL("ok 7901") },
	{ WRITE, L, 1, 0, 0, ADDR(OOB(0x2000), IGA(0x2000)) },
	{ WRITE, L + 1, 4, 0, 0, ADDR(OOB(0x2001), IGA(0x2001)) },
	{ WRITE, SIZE_MAX, 4, 0, 0, ADDR(OOB(0xffffffffffffffff), IGA(0xffffffffffffffff)) },
	{ READ, 0, 1, 0, 0, ALL("ok 1") },
	{ READ, L - 1, 2, 0, 0, ALL("ok 1") },
	{ READ, 0, L + 1, 0, 0, ALL("ok 8192") },
	{ READ, 0x1fff - 0x10, 0x100, 0, 0, ALL("ok 17") },
	{ READ, L, 1, 0, 0, ADDR(OOB(0x2000), IGA(0x2000)) },
	{ READ, SIZE_MAX, 1, 0, 0, ADDR(OOB(0xffffffffffffffff), IGA(0xffffffffffffffff)) },
	/* S4/G6: the exact forms. */
	{ WRITE_SLICE, 0, L, 0, 0, ALL("ok") },
	{ WRITE_SLICE, L - 1, 2, 0, 0, ALL("err partial_buffer expected=2 completed=1") },
	{ WRITE_SLICE, 0x100, L, 0, 0, ALL("err partial_buffer expected=8192 completed=7936") },
	{ WRITE_SLICE, L, 1, 0, 0, ADDR(OOB(0x2000), IGA(0x2000)) },
	{ READ_SLICE, L - 4, 8, 0, 0, ALL("err partial_buffer expected=8 completed=4") },
	{ READ_SLICE, 0x10, 0x20, 0, 0, ALL("ok") },
	{ READ_SLICE, L + 1, 1, 0, 0, ADDR(OOB(0x2001), IGA(0x2001)) },
	{ WRITE_OBJ, L - 1, 2, 0, 0, ALL("err partial_buffer expected=2 completed=1") },
	{ WRITE_OBJ, L - 4, 8, 0, 0, ALL("err partial_buffer expected=8 completed=4") },
	{ WRITE_OBJ, L - 8, 8, 0, 0, ALL("ok") },
	{ WRITE_OBJ, 3, 8, 0, 0, ALL("ok") },
	{ WRITE_OBJ, SIZE_MAX, 2, 0, 0, ADDR(OOB(0xffffffffffffffff), IGA(0xffffffffffffffff)) },
	{ READ_OBJ, L - 4, 8, 0, 0, ALL("err partial_buffer expected=8 completed=4") },
	{ READ_OBJ, 5, 4, 0, 0, ALL("ok") },
	{ READ_OBJ, L, 4, 0, 0, ADDR(OOB(0x2000), IGA(0x2000)) },
	/* S7/G7: one-shot reads from a source holding `io` bytes. */
	{ READ_FROM, 0, 0x10, 0x10, 0, ALL("ok 16") },
	{ READ_FROM, L - 8, 0x10, 0x10, 0, ALL("ok 8") },
	{ READ_FROM, 0, 0x10, 4, 0, ALL("ok 4") },
	{ READ_FROM, 0, L, L, 0, ALL("ok 8192") },
	{ READ_FROM, 0x40, SIZE_MAX, 0x10, 0, ALL("ok 16") },
	{ READ_FROM, 0, 0x10, 0, 0, ALL("ok 0") },
	/* a == L: the slice clamps to 0, guest memory finds no region. */
	{ READ_FROM, L, 0x10, 0x10, 0, { "ok 0", "ok 0", IGA(0x2000), "ok 0", "ok 0" } },
	{ READ_FROM, L + 1, 8, 8, 0, ADDR(OOB(0x2001), IGA(0x2001)) },
	/* n == 0 past L: S7 still checks a, G5 does not. */
	{ READ_FROM, L + 1, 0, 0, 0, { OOB(0x2001), IBA, "ok 0", OOB(0x2001), OOB(0x2001) } },
	/* S8/G7: exact reads. */
	{ READ_EXACT_FROM, 0x100, 0x10, 0x10, 0, ALL("ok") },
	{ READ_EXACT_FROM, 0, L, L, 0, ALL("ok") },
	{ READ_EXACT_FROM, L, 0, 0, 0, ALL("ok") },
	{ READ_EXACT_FROM, L - 1, 2, 2, 0,
	  { OOB(0x2001), IBA, "err partial_buffer expected=2 completed=1", OOB(0x2001),
	    OOB(0x2001) } },
	{ READ_EXACT_FROM, L + 1, 0, 0, 0, { OOB(0x2001), IBA, "ok", OOB(0x2001), OOB(0x2001) } },
	{ READ_EXACT_FROM, SIZE_MAX, 2, 2, 0,
	  ADDR("err overflow base=0xffffffffffffffff offset=0x2", IGA(0xffffffffffffffff)) },
	/* The source ends after 5 bytes: they stay written. */
	{ READ_EXACT_FROM, 0x20, 0x10, 5, 0,
	  { "err io kind=unexpected_eof", "err io kind=unexpected_eof",
	    "err partial_buffer expected=16 completed=5", "err io kind=unexpected_eof",
	    "err io kind=unexpected_eof" } },
	/* S7/G7: one-shot writes to a sink taking at most `io` bytes. */
	{ WRITE_TO, L - 8, 0x10, 0x100, 0, ALL("ok 8") },
	{ WRITE_TO, 0, L, L, 0, ALL("ok 8192") },
	{ WRITE_TO, L, 8, 8, 0, { "ok 0", "ok 0", IGA(0x2000), "ok 0", "ok 0" } },
	{ WRITE_TO, L + 1, 8, 8, 0, ADDR(OOB(0x2001), IGA(0x2001)) },
	{ WRITE_TO, L + 1, 0, 0, 0, { OOB(0x2001), IBA, "ok 0", OOB(0x2001), OOB(0x2001) } },
	/* A sink that takes 3 of 16: short for one write, but guest memory
	 * writes each chunk whole (G7) and so meets WriteZero. */
	{ WRITE_TO, 0, 0x10, 3, 0, { "ok 3", "ok 3", "err io kind=write_zero", "ok 3", "ok 3" } },
	/* S8/G7: exact writes. */
	{ WRITE_ALL_TO, 0x100, 0x10, 0x10, 0, ALL("ok") },
	{ WRITE_ALL_TO, 0, 8, 7, 0, ALL("err io kind=write_zero") },
	{ WRITE_ALL_TO, L - 1, 2, 2, 0,
	  { OOB(0x2001), IBA, "err partial_buffer expected=2 completed=1", OOB(0x2001),
	    OOB(0x2001) } },
	{ WRITE_ALL_TO, SIZE_MAX, 2, 2, 0,
	  ADDR("err overflow base=0xffffffffffffffff offset=0x2", IGA(0xffffffffffffffff)) },
	/* S9/G8/R1: atomics. */
	{ STORE, 0, 4, 0, VMB_ORDER_RELAXED, ATOM("ok", "ok", "ok") },
	{ STORE, L - 8, 8, 0, VMB_ORDER_SEQ_CST, ATOM("ok", "ok", "ok") },
	{ STORE, L - 1, 1, 0, VMB_ORDER_RELEASE, ATOM("ok", "ok", "ok") },
	{ STORE, L - 2, 4, 0, VMB_ORDER_RELAXED, ATOM(OOB(0x2002), IBA, IBA) },
	{ STORE, L, 4, 0, VMB_ORDER_RELAXED, ATOM(OOB(0x2004), IBA, IGA(0x2000)) },
	{ STORE, 2, 4, 0, VMB_ORDER_RELAXED, ATOM("err misaligned addr=0x2 alignment=4", IBA, IBA) },
	{ STORE, 1, 2, 0, VMB_ORDER_RELAXED, ATOM("err misaligned addr=0x1 alignment=2", IBA, IBA) },
	{ STORE, SIZE_MAX - 3, 8, 0, VMB_ORDER_RELAXED,
	  ATOM("err overflow base=0xfffffffffffffffc offset=0x8", IBA, IGA(0xfffffffffffffffc)) },
	{ STORE, 0, 4, 0, VMB_ORDER_ACQUIRE, ALL("err invalid_argument") },
	{ STORE, 0, 3, 0, VMB_ORDER_RELAXED, ALL("err invalid_argument") },
	{ LOAD, 8, 8, 0, VMB_ORDER_ACQUIRE, ATOM("ok", "ok", "ok") },
	{ LOAD, L - 2, 2, 0, VMB_ORDER_SEQ_CST, ATOM("ok", "ok", "ok") },
	{ LOAD, L - 1, 2, 0, VMB_ORDER_RELAXED, ATOM(OOB(0x2001), IBA, IBA) },
	{ LOAD, L, 1, 0, VMB_ORDER_RELAXED, ATOM(OOB(0x2001), IBA, IGA(0x2000)) },
	{ LOAD, 4, 8, 0, VMB_ORDER_RELAXED, ATOM("err misaligned addr=0x4 alignment=8", IBA, IBA) },
	{ LOAD, 0, 4, 0, VMB_ORDER_RELEASE, ALL("err invalid_argument") },
	{ LOAD, 0, 4, 0, VMB_ORDER_ACQ_REL, ALL("err invalid_argument") },
};

/* ---- backends ---- */

struct inst {
	const struct backend *be;
	struct vmb_bytes b;
	struct vmbt_guarded ga;
	struct vmb_slice s;
	struct vmb_region *r;
	struct vmb_guest *g;
	struct vmb_datafile *df;
	int fd;
	struct vmbo_child c; /* the remote backend's (core/tools/child.h) */
	struct vmb_remote *rm;
};

struct backend {
	const char *name;
	enum fam fam;
	bool (*setup)(struct inst *t);
	void (*teardown)(struct inst *t);
	/* Direct access, not through the interface under test. */
	void (*peek)(struct inst *t, void *buf);       /* all L bytes */
	void (*poke)(struct inst *t, const void *buf); /* all L bytes */
};

static bool slice_setup(struct inst *t)
{
	vmbt_guarded_alloc(&t->ga, L, true); /* page-aligned, ends at a guard */
	CHECK_RC(vmb_slice_init(&t->s, t->ga.p, L), 0);
	t->b = vmb_slice_bytes(&t->s);
	return true;
}

static void slice_teardown(struct inst *t)
{
	vmbt_guarded_free(&t->ga);
}

static void host_peek(struct inst *t, void *buf)
{
	memcpy(buf, t->s.base, L);
}

static void host_poke(struct inst *t, const void *buf)
{
	memcpy(t->s.base, buf, L);
}

static bool region_setup_kind(struct inst *t, enum vmb_region_kind kind)
{
	struct vmb_region_config cfg = { .start = 0x40000, .len = L, .kind = kind, .fd = -1,
					 .flags = VMB_REGION_GUARD };

	if (kind == VMB_REGION_FILE)
		cfg.fd = vmbt_disk_file(L);
	CHECK_RC(vmb_region_new(&cfg, &t->r, NULL), 0);
	if (cfg.fd >= 0)
		close(cfg.fd);
	if (t->r == NULL)
		return false;
	/* Peek and poke through the host mapping. */
	CHECK_RC(vmb_region_as_slice(t->r, &t->s), 0);
	t->b = vmb_region_bytes(t->r);
	return true;
}

static bool anon_setup(struct inst *t)
{
	return region_setup_kind(t, VMB_REGION_ANON);
}

static bool memfd_setup(struct inst *t)
{
	return region_setup_kind(t, VMB_REGION_MEMFD);
}

static bool file_region_setup(struct inst *t)
{
	return region_setup_kind(t, VMB_REGION_FILE);
}

static void region_teardown(struct inst *t)
{
	vmb_region_free(t->r);
}

static bool guest_setup(struct inst *t)
{
	struct vmb_region_config cfg = { .start = 0, .len = L, .kind = VMB_REGION_ANON, .fd = -1,
					 .flags = VMB_REGION_GUARD };
	struct vmb_region *r = NULL;

	CHECK_RC(vmb_region_new(&cfg, &r, NULL), 0);
	if (r == NULL)
		return false;
	CHECK_RC(vmb_guest_new(&r, 1, &t->g, NULL), 0);
	if (t->g == NULL) {
		vmb_region_free(r);
		return false;
	}
	CHECK_RC(vmb_region_as_slice(r, &t->s), 0);
	t->b = vmb_guest_bytes(t->g);
	return true;
}

static void guest_teardown(struct inst *t)
{
	vmb_guest_free(t->g);
}

static bool datafile_setup(struct inst *t)
{
	t->fd = vmbt_disk_file(L);
	CHECK_RC(vmb_datafile_new(t->fd, L, &t->df, NULL), 0);
	t->b = vmb_datafile_bytes(t->df);
	return t->df != NULL;
}

static void datafile_teardown(struct inst *t)
{
	vmb_datafile_free(t->df);
	close(t->fd);
}

static void file_peek(struct inst *t, void *buf)
{
	CHECK_EQ(pread(t->fd, buf, L, 0), L);
}

static void file_poke(struct inst *t, const void *buf)
{
	CHECK_EQ(pwrite(t->fd, buf, L, 0), L);
}

static bool remote_setup(struct inst *t)
{
	if (!vmbt_child_start(&t->c, L))
		return false;
	struct vmb_error e;
	int rc = vmb_remote_new(t->c.pid, t->c.base, L, &t->rm, &e);

	CHECK_RC(rc, 0);
	if (rc != 0) {
		vmbt_child_stop(&t->c);
		return false;
	}
	t->b = vmb_remote_bytes(t->rm);

	/* Is process_vm_* allowed here at all? */
	uint8_t probe;
	size_t done;

	if (vmb_bytes_read(t->b, 0, &probe, 1, &done, &e) != 0) {
		if (e.code == VMB_EIO && (e.errnum == EPERM || e.errnum == ENOSYS)) {
			vmbt_skip("process_vm_readv is not permitted here");
		} else {
			CHECK(!"remote probe read");
		}
		vmb_remote_free(t->rm);
		vmbt_child_stop(&t->c);
		return false;
	}
	return true;
}

static void remote_teardown(struct inst *t)
{
	vmb_remote_free(t->rm);
	vmbt_child_stop(&t->c);
}

static void remote_peek(struct inst *t, void *buf)
{
	vmbt_child_peek(&t->c, 0, buf, L);
}

static void remote_poke(struct inst *t, const void *buf)
{
	vmbt_child_poke(&t->c, 0, buf, L);
}

static const struct backend backends[] = {
	{ "slice", F_SLICE, slice_setup, slice_teardown, host_peek, host_poke },
	{ "region_anon", F_REGION, anon_setup, region_teardown, host_peek, host_poke },
	{ "region_memfd", F_REGION, memfd_setup, region_teardown, host_peek, host_poke },
	{ "region_file", F_REGION, file_region_setup, region_teardown, host_peek, host_poke },
	{ "guest", F_GUEST, guest_setup, guest_teardown, host_peek, host_poke },
	{ "datafile", F_FILE, datafile_setup, datafile_teardown, file_peek, file_poke },
	{ "remote", F_REMOTE, remote_setup, remote_teardown, remote_peek, remote_poke },
};

/* ---- running one case ---- */

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)((i * 7 + seed) ^ (i >> 8) ^ (seed << 4));
}

/* The text of a result, as SPEC section 7 prints it. */
static void result_text(char *out, size_t cap, int rc, const struct vmb_error *e, bool counted,
			size_t count)
{
	char err[160];

	if (rc == 0) {
		if (counted)
			snprintf(out, cap, "ok %zu", count);
		else
			snprintf(out, cap, "ok");
		return;
	}
	vmb_error_format(e, err, sizeof(err));
	snprintf(out, cap, "err %s", err);
}

/* How many bytes the expected result says moved. */
static size_t moved_by(const char *want, const struct ccase *c)
{
	const char *p;

	if (strncmp(want, "ok ", 3) == 0)
		return (size_t)strtoull(want + 3, NULL, 10);
	if (strcmp(want, "ok") == 0)
		return c->n;
	if ((p = strstr(want, "completed=")) != NULL)
		return (size_t)strtoull(p + 10, NULL, 10);
	/* S8: what the source had, or what the sink took, did move. */
	if (strstr(want, "unexpected_eof") || strstr(want, "write_zero"))
		return c->io;
	return 0;
}

/* A pipe holding @n bytes of @data, closed for writing. */
static int pipe_with(const uint8_t *data, size_t n)
{
	int p[2];

	if (pipe(p) != 0) {
		perror("pipe");
		abort();
	}
	if (n > 0 && !vmbo_write_full(p[1], data, n)) {
		perror("pipe write");
		abort();
	}
	close(p[1]);
	return p[0];
}

static void run_case(struct inst *t, const struct ccase *c, size_t idx, uint8_t *base,
		     uint8_t *mem, uint8_t *data, uint8_t *buf)
{
	const char *want = c->want[t->be->fam];
	struct vmb_error e;
	char got[200];
	size_t done = 0, moved = moved_by(want, c);
	uint64_t v = 0;
	int rc = 0, fd = -1;
	bool counted = false, writes = false;
	struct vmb_fd_source src;
	struct vmb_buf_sink sink;
	size_t nbuf = c->n <= 2 * L ? c->n : 0;

	/* Fresh contents for every case. */
	pattern(base, L, (unsigned)idx + 1);
	t->be->poke(t, base);
	pattern(data, 2 * L + 16, (unsigned)idx + 101);
	memset(buf, 0xee, 2 * L + 16);
	memset(&e, 0, sizeof(e));

	switch (c->op) {
	case WRITE:
		rc = vmb_bytes_write(t->b, c->addr, data, nbuf, &done, &e);
		counted = writes = true;
		break;
	case READ:
		rc = vmb_bytes_read(t->b, c->addr, buf, nbuf, &done, &e);
		counted = true;
		break;
	case WRITE_SLICE:
		rc = vmb_bytes_write_slice(t->b, c->addr, data, nbuf, &e);
		writes = true;
		break;
	case READ_SLICE:
		rc = vmb_bytes_read_slice(t->b, c->addr, buf, nbuf, &e);
		break;
	case WRITE_OBJ:
		rc = vmb_bytes_write_obj(t->b, c->addr, data, nbuf, &e);
		writes = true;
		break;
	case READ_OBJ:
		rc = vmb_bytes_read_obj(t->b, c->addr, buf, nbuf, &e);
		break;
	case READ_FROM:
	case READ_EXACT_FROM:
		fd = pipe_with(data, c->io);
		vmb_fd_source_init(&src, fd);
		if (c->op == READ_FROM) {
			rc = vmb_bytes_read_volatile_from(t->b, c->addr, &src.base, c->n, &done, &e);
			counted = true;
		} else {
			rc = vmb_bytes_read_exact_volatile_from(t->b, c->addr, &src.base, c->n, &e);
		}
		close(fd);
		writes = true;
		break;
	case WRITE_TO:
		vmb_buf_sink_init(&sink, buf, c->io);
		rc = vmb_bytes_write_volatile_to(t->b, c->addr, &sink.base, c->n, &done, &e);
		counted = true;
		break;
	case WRITE_ALL_TO:
		vmb_buf_sink_init(&sink, buf, c->io);
		rc = vmb_bytes_write_all_volatile_to(t->b, c->addr, &sink.base, c->n, &e);
		break;
	case STORE:
		v = 0x8a7b6c5d4e3f2011ull;
		memcpy(data, &v, sizeof(v)); /* host order: what lands */
		rc = vmb_bytes_store(t->b, c->addr, (unsigned)c->n, vmb_ordering_of(c->order), v, &e);
		writes = true;
		break;
	case LOAD:
		v = 0x5555;
		rc = vmb_bytes_load(t->b, c->addr, (unsigned)c->n, vmb_ordering_of(c->order), &v, &e);
		break;
	}
	result_text(got, sizeof(got), rc, &e, counted, done);
	if (strcmp(got, want) != 0) {
		vmbt_fail(__FILE__, __LINE__, "%s: case %zu %s(0x%" PRIx64 ", n=%zu, io=%zu): '%s', want '%s'",
			  t->be->name, idx, op_names[c->op], c->addr, c->n, c->io, got, want);
		return;
	}

	/* The effect on the container: exactly the moved bytes changed. */
	t->be->peek(t, mem);
	if (writes && moved > 0)
		memcpy(base + c->addr, data, moved);
	if (memcmp(mem, base, L) != 0) {
		size_t i = 0;

		while (i < L && mem[i] == base[i])
			i++;
		vmbt_fail(__FILE__, __LINE__, "%s: case %zu %s(0x%" PRIx64 ", n=%zu): contents differ at 0x%zx",
			  t->be->name, idx, op_names[c->op], c->addr, c->n, i);
		return;
	}

	/* What came out: read buffers, sink contents, loaded values. */
	switch (c->op) {
	case READ:
	case READ_SLICE:
	case READ_OBJ:
		if (moved > 0 && memcmp(buf, base + c->addr, moved) != 0)
			vmbt_fail(__FILE__, __LINE__, "%s: case %zu: read bytes differ", t->be->name, idx);
		if (buf[moved] != 0xee)
			vmbt_fail(__FILE__, __LINE__, "%s: case %zu: read past the count", t->be->name,
				  idx);
		break;
	case WRITE_TO:
	case WRITE_ALL_TO:
		if (sink.len != moved || (moved > 0 && memcmp(buf, base + c->addr, moved) != 0))
			vmbt_fail(__FILE__, __LINE__, "%s: case %zu: sink got %zu bytes, want %zu",
				  t->be->name, idx, sink.len, moved);
		break;
	case LOAD:
		if (rc == 0) {
			uint64_t want_v = 0;

			memcpy(&want_v, base + c->addr, c->n);
			CHECK_EQ(v, want_v);
		} else {
			CHECK_EQ(v, 0x5555);
		}
		break;
	default:
		break;
	}
}

static void run_table(const char *name)
{
	const struct backend *be = NULL;
	struct inst t;
	uint8_t *base = malloc(L), *mem = malloc(L);
	uint8_t *data = malloc(2 * L + 16), *buf = malloc(2 * L + 16);

	for (size_t i = 0; i < NELEM(backends); i++)
		if (strcmp(backends[i].name, name) == 0)
			be = &backends[i];
	memset(&t, 0, sizeof(t));
	t.be = be;
	t.fd = -1;
	if (be == NULL || base == NULL || mem == NULL || data == NULL || buf == NULL) {
		CHECK(!"setup");
	} else if (be->setup(&t)) {
		for (size_t i = 0; i < NELEM(table); i++)
			run_case(&t, &table[i], i, base, mem, data, buf);
		be->teardown(&t);
	}
	free(base);
	free(mem);
	free(data);
	free(buf);
}

TEST(S1_S9_table_slice)
{
	run_table("slice");
}

TEST(G9_table_region_anon)
{
	run_table("region_anon");
}

TEST(G9_table_region_memfd)
{
	run_table("region_memfd");
}

TEST(G9_table_region_file)
{
	run_table("region_file");
}

TEST(G4_table_guest)
{
	run_table("guest");
}

TEST(D1_table_datafile)
{
	run_table("datafile");
}

TEST(R1_table_remote)
{
	run_table("remote");
}

/*
 * S3 round trips on every backend: writes of random lengths at random
 * offsets, each checked by a direct peek and by a read through the
 * interface, against a shadow copy.
 */
TEST(S3_round_trip_all_backends)
{
	uint8_t *shadow = malloc(L), *mem = malloc(L), *buf = malloc(L + 64), *got = malloc(L + 64);

	if (shadow == NULL || mem == NULL || buf == NULL || got == NULL)
		abort();
	for (size_t k = 0; k < NELEM(backends); k++) {
		struct inst t;
		uint64_t x = 0x243f6a8885a308d3ull + k;

		memset(&t, 0, sizeof(t));
		t.be = &backends[k];
		t.fd = -1;
		if (!t.be->setup(&t))
			continue;
		memset(shadow, 0, L);
		t.be->poke(&t, shadow);
		for (int i = 0; i < 200; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			size_t a = (size_t)(x % L);
			size_t n = (size_t)((x >> 24) % (L + 64));
			size_t want = n < L - a ? n : L - a, done = 0;

			pattern(buf, n, (unsigned)i);
			CHECK_RC(vmb_bytes_write(t.b, a, buf, n, &done, NULL), 0);
			CHECK_EQ(done, n == 0 ? 0 : want);
			memcpy(shadow + a, buf, n == 0 ? 0 : want);
			if (i % 16 == 0) {
				t.be->peek(&t, mem);
				if (memcmp(mem, shadow, L) != 0)
					vmbt_fail(__FILE__, __LINE__, "%s: contents differ after %d writes",
						  t.be->name, i + 1);
			}
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			a = (size_t)(x % L);
			n = (size_t)((x >> 24) % (L + 64));
			want = n < L - a ? n : L - a;
			CHECK_RC(vmb_bytes_read(t.b, a, got, n, &done, NULL), 0);
			CHECK_EQ(done, n == 0 ? 0 : want);
			if (n > 0 && memcmp(got, shadow + a, want) != 0)
				vmbt_fail(__FILE__, __LINE__, "%s: read at 0x%zx differs", t.be->name, a);
		}
		/* Objects of every small size at every alignment. */
		for (size_t size = 1; size <= 16; size++) {
			for (size_t a = 0; a < 16; a++) {
				uint8_t obj[16], back[16];

				pattern(obj, size, (unsigned)(size * 16 + a));
				CHECK_RC(vmb_bytes_write_obj(t.b, 0x1000 + a, obj, size, NULL), 0);
				CHECK_RC(vmb_bytes_read_obj(t.b, 0x1000 + a, back, size, NULL), 0);
				CHECK_MEM(back, obj, size);
				memcpy(shadow + 0x1000 + a, obj, size);
			}
		}
		t.be->peek(&t, mem);
		CHECK_MEM(mem, shadow, L);
		t.be->teardown(&t);
	}
	free(shadow);
	free(mem);
	free(buf);
	free(got);
}

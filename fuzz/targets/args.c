/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Fuzz target "args": bad arguments to every public function, inline ones
 * included, from the input: NULL pointers, zero, wrapping and huge
 * lengths, invalid widths and orderings, invalid orderings of regions. An
 * input is a list of calls; each picks a function, then each of its
 * arguments from a few classes (NULL or a real pointer; 0, 1, L - 1, L,
 * L + 1, 2^63, SIZE_MAX - k or any value). The result is checked against
 * the header's `Return:` line (and SPEC section 6: a NULL pointer, an
 * invalid ordering or a size that cannot be represented is
 * InvalidArgument, never a crash). Where a header lists errors without
 * saying which comes first, the order is the one bytes.h gives for the
 * generic layer: a missing container first, then S1's empty access, then
 * NULL buffers, sources and sinks, then ranges.
 *
 * A call that crashes (a NULL dereference where the check is missing) is
 * reported as SPEC rule SPEC6 with the call, before the sanitizer's report.
 *
 * Nothing carries over from one input to the next that a check reads:
 * every object a call uses is made for that input (or, for the regions
 * the guest-memory calls arrange, moved into place and emptied first).
 */
/* The experimental tier (vmbytes/experimental.h): tuning, forcing and
 * test hooks. */
#define VMB_EXPERIMENTAL
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

#define MEM 64
#define MAX_CALLS 24

static uint8_t *page;            /* page-aligned, 4096 bytes; mem is its start */
static uint8_t pattern[4 * MEM]; /* what writes write */
static char call[256];           /* the call being made, for reports */
static int trace_fd = -1;        /* vmbf_target_decode(): each call's line goes here */
static const struct vmbf_producer *trace_d; /* and the input, to mark where it ran out */
static bool trace_marked;

static const int BAD = VMB_EINVALID_ARGUMENT;

/* ---- reporting ------------------------------------------------------------ */

static struct sigaction old_segv, old_bus;

/*
 * A crash inside a call: name the call and SPEC 6, then let the handler
 * that was there (the sanitizer's, libFuzzer's or the default) report it,
 * when the faulting instruction runs again.
 */
static void on_fault(int sig)
{
	static const char head[] = "\n==vmbytes oracle== SPEC rule SPEC6 violated\n"
				   "bad input crashed the library (a NULL pointer or an "
				   "impossible size is InvalidArgument, never a crash): ";

	if (write(2, head, sizeof(head) - 1) < 0 || write(2, call, strlen(call)) < 0 ||
	    write(2, "\n", 1) < 0)
		_exit(134);
	sigaction(sig, sig == SIGSEGV ? &old_segv : &old_bus, NULL);
}

__attribute__((format(printf, 1, 2))) static void calling(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(call, sizeof(call), fmt, ap);
	va_end(ap);
	if (trace_fd >= 0) {
		size_t n = strlen(call);

		/* What follows read zeros past the input's end (decode.prefix). */
		if (trace_d && trace_d->ran_out && !trace_marked) {
			trace_marked = true;
			if (write(trace_fd, VMBF_RAN_OUT_LINE, sizeof(VMBF_RAN_OUT_LINE) - 1) !=
			    (ssize_t)(sizeof(VMBF_RAN_OUT_LINE) - 1))
				_exit(1);
		}

		call[n] = '\n';
		if (write(trace_fd, call, n + 1) != (ssize_t)(n + 1))
			_exit(1);
		call[n] = '\0';
	}
}

/* The result @got of the current call must be @want (and *@e its details). */
static void result(const char *rule, int got, int want)
{
	if (got != want)
		vmbf_fail(rule, "%s\n  returned %s (%d), documented: %s (%d)", call,
			  vmb_error_name(got), got, vmb_error_name(want), want);
}

static void detail(const char *rule, bool ok, const char *what)
{
	if (!ok)
		vmbf_fail(rule, "%s\n  %s", call, what);
}

/* @e's fields for the documented error @rc. */
static void fields(const char *rule, const struct vmb_error *e, int rc, uint64_t a, uint64_t b)
{
	switch (rc) {
	case VMB_EOUT_OF_BOUNDS:
	case VMB_EINVALID_GUEST_ADDRESS:
		detail(rule, e->code == rc && e->addr == a, "error address");
		break;
	case VMB_EOVERFLOW:
		detail(rule, e->code == rc && e->base == a && e->offset == b, "Overflow fields");
		break;
	case VMB_ETOO_BIG:
		detail(rule, e->code == rc && e->nelements == a && e->size == b, "TooBig fields");
		break;
	case VMB_EMISALIGNED:
		detail(rule, e->code == rc && e->addr == a && e->alignment == b, "Misaligned fields");
		break;
	case VMB_EPARTIAL_BUFFER:
		detail(rule, e->code == rc && e->expected == a && e->completed == b,
		       "PartialBuffer fields");
		break;
	case 0:
		break;
	default:
		detail(rule, e->code == rc, "error code in the details");
	}
}

/* ---- argument classes ------------------------------------------------------ */

/* A count or an offset around a container of @len bytes. */
static uint64_t size_arg(struct vmbf_producer *d, uint64_t len)
{
	switch (vmbf_u8(d) % 9) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return len - (len > 0);
	case 3:
		return len;
	case 4:
		return len + 1;
	case 5:
		return (uint64_t)1 << 63;
	case 6:
		return UINT64_MAX - vmbf_u8(d) % 9;
	case 7:
		return vmbf_u64(d);
	default:
		return vmbf_range(d, 0, len + 8);
	}
}

/* A pointer argument: NULL or @p. */
static void *ptr_arg(struct vmbf_producer *d, void *p)
{
	return vmbf_u8(d) % 3 == 0 ? NULL : p;
}

static int order_arg(struct vmbf_producer *d)
{
	static const int orders[] = { VMB_ORDER_RELAXED, VMB_ORDER_ACQUIRE, VMB_ORDER_RELEASE,
				      VMB_ORDER_ACQ_REL, VMB_ORDER_SEQ_CST, -1,
				      5,                 INT_MIN };

	return orders[vmbf_u8(d) % 8];
}

static unsigned width_arg(struct vmbf_producer *d)
{
	static const unsigned widths[] = { 1, 2, 4, 8, 0, 3, 16, UINT_MAX };

	return widths[vmbf_u8(d) % 8];
}

static const char *p(const void *q)
{
	return q ? "ptr" : "NULL";
}

/* ---- the documented results ------------------------------------------------ */

/* S5: get_slice(a, n) of an L-byte container. */
/* Wraps on purpose: the oracle computes where a wrapping range ends (ubsan preset). */
VMBF_WRAPS static int want_range(uint64_t a, uint64_t n, uint64_t L, uint64_t *f1, uint64_t *f2)
{
	*f1 = a, *f2 = n;
	if (a + n < a)
		return VMB_EOVERFLOW;
	*f1 = a + n;
	return a + n > L ? VMB_EOUT_OF_BOUNDS : 0;
}

/* S1-S3 with the NULL check: write/read of @len at @a, *@n the count. */
static int want_rw(uint64_t a, const void *buf, uint64_t len, uint64_t L, uint64_t *n)
{
	*n = 0;
	if (len == 0)
		return 0;
	if (buf == NULL)
		return BAD;
	if (a >= L)
		return VMB_EOUT_OF_BOUNDS;
	*n = len < L - a ? len : L - a;
	return 0;
}

/* S9: store (load when @load) of @w bytes at @a, host address @host. */
static int want_atomic(bool load, int order, unsigned w, const void *v, uint64_t a, uint64_t L,
		       uintptr_t host, uint64_t *f1, uint64_t *f2)
{
	bool ok = load ? vmb_order_valid_for_load(vmb_ordering_of(order)) : vmb_order_valid_for_store(vmb_ordering_of(order));

	if (!ok || !(w == 1 || w == 2 || w == 4 || w == 8) || (load && v == NULL))
		return BAD;
	int rc = want_range(a, w, L, f1, f2);

	if (rc != 0)
		return rc;
	*f1 = a, *f2 = w;
	return (host + a) % w ? VMB_EMISALIGNED : 0;
}

/* ---- the input's containers ------------------------------------------------ */

struct ctx {
	struct vmbf_producer *d;
	struct vmb_slice s;        /* L bytes of the page, maybe misaligned, maybe a bitmap */
	struct vmb_bitmap *bm;
	size_t bm_len;             /* the bytes it tracks: 4096, unless enlarged */
	struct vmb_guest *g;       /* one 64-byte region at 0x1000 */
	struct vmb_region *spare;  /* a region no guest memory owns, at 0x2000 */
};

/* ---- slices: constructors and views ----------------------------------------- */

static void c_slice_init(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	struct vmb_slice out = { 0 }, *s = ptr_arg(d, &out);
	unsigned k = vmbf_u8(d) % 3;
	uint8_t *base = k == 0 ? NULL : k == 1 ? page : (uint8_t *)(UINTPTR_MAX - vmbf_u8(d) % 64);
	uint64_t len = size_arg(d, MEM);
	uintptr_t end;
	int want = s == NULL || (base == NULL && len > 0) ||
			   __builtin_add_overflow((uintptr_t)base, (uintptr_t)len, &end)
		   ? BAD : 0;

	/* The base by name, not by value: a decoding must not depend on where page is. */
	char bname[32];

	if (k == 2)
		snprintf(bname, sizeof(bname), "UINTPTR_MAX - %lu",
			 (unsigned long)(UINTPTR_MAX - (uintptr_t)base));
	calling("vmb_slice_init(%s, %s, %lu)", p(s), k == 0 ? "NULL" : k == 1 ? "page" : bname,
		(unsigned long)len);
	result("S6", vmb_slice_init(s, base, len), want);
	if (want == 0)
		detail("S6", out.base == base && out.len == len && out.bitmap == NULL, "the slice");
	calling("vmb_slice_set_bitmap(%s, bm, 3)", p(s));
	result("S11", vmb_slice_set_bitmap(s, c->bm, 3), s ? 0 : BAD);
	if (s)
		detail("S11", out.bitmap == c->bm, "the bitmap attached");
	calling("vmb_slice_bytes(%s)", p(s));
	detail("S6", (vmb_slice_bytes(s).ops == NULL) == (s == NULL), "bytes of a NULL slice");
}

static void c_views(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	struct vmb_slice s = c->s, a = { (uint8_t *)1, 7, NULL, 0 }, b = a, keep = a;
	struct vmb_slice *out = ptr_arg(d, &a), *tail = ptr_arg(d, &b);
	uint64_t off = size_arg(d, s.len), n = size_arg(d, s.len), f1 = 0, f2 = 0;
	struct vmb_error e = { 0 };
	int want, rc;

	switch (vmbf_u8(d) % 4) {
	case 0: {
		bool get = vmbf_bool(d);

		want = out == NULL ? BAD : want_range(off, n, s.len, &f1, &f2);
		calling("vmb_slice_%s(L=%zu, %lu, %lu, %s)", get ? "get_slice" : "subslice", s.len,
			(unsigned long)off, (unsigned long)n, p(out));
		rc = get ? vmb_slice_get_slice(s, off, n, out, &e) : vmb_slice_subslice(s, off, n, out, &e);
		result("S5", rc, want);
		fields("S5", &e, want, f1, f2);
		if (want == 0)
			detail("S5", a.base == s.base + off && a.len == n, "the view");
		break;
	}
	case 1: {
		/* TooBig first, then as subslice (a NULL @out, then S5). */
		uint64_t esz = vmbf_bool(d) ? size_arg(d, 8) : 1u + vmbf_u8(d) % 9u, bytes;

		if (__builtin_mul_overflow(n, esz, &bytes))
			want = VMB_ETOO_BIG, f1 = n, f2 = esz;
		else
			want = out == NULL ? BAD : want_range(off, bytes, s.len, &f1, &f2);
		calling("vmb_slice_get_array(L=%zu, %lu, %lu, %lu, %s)", s.len, (unsigned long)off,
			(unsigned long)n, (unsigned long)esz, p(out));
		result("S5", vmb_slice_get_array(s, off, n, esz, out, &e), want);
		fields("S5", &e, want, f1, f2);
		break;
	}
	case 2:
		/* S6: c > L first (relative address), then subslice(c, L - c). */
		want = off > s.len ? VMB_EOUT_OF_BOUNDS : out == NULL ? BAD : 0;
		calling("vmb_slice_offset(L=%zu, %lu, %s)", s.len, (unsigned long)off, p(out));
		result("S6", vmb_slice_offset(s, off, out, &e), want);
		fields("S6", &e, want, off, 0);
		if (want == 0)
			detail("S6", a.base == s.base + off && a.len == s.len - off, "the view");
		break;
	default:
		want = out == NULL || tail == NULL ? BAD : off > s.len ? VMB_EOUT_OF_BOUNDS : 0;
		calling("vmb_slice_split_at(L=%zu, %lu, %s, %s)", s.len, (unsigned long)off, p(out),
			p(tail));
		result("S6", vmb_slice_split_at(s, off, out, tail, &e), want);
		fields("S6", &e, want, off, 0);
		if (want == 0)
			detail("S6", a.len == off && b.len == s.len - off && b.base == s.base + off,
			       "the halves");
		break;
	}
	/* Outputs are untouched on failure. */
	if (want != 0)
		detail("S5", memcmp(&a, &keep, sizeof(a)) == 0 && memcmp(&b, &keep, sizeof(b)) == 0,
		       "an output written by a failing call");
}

/* ---- slices: data ------------------------------------------------------------ */

static void c_slice_rw(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	struct vmb_slice s = c->s;
	uint8_t buf[4 * MEM];
	unsigned kind = vmbf_u8(d) % 8;
	bool is_read = kind & 1;
	void *b = ptr_arg(d, buf);
	uint64_t a = size_arg(d, s.len), len = size_arg(d, s.len), n;
	size_t done = 77, *pdone = ptr_arg(d, &done);
	struct vmb_error e = { 0 };
	int want = want_rw(a, b, len, s.len, &n), rc;
	static const char *const names[] = { "write", "read", "write_slice", "read_slice",
					     "write_obj", "read_obj", "write_slice (inline)",
					     "read_slice (inline)" };

	memcpy(buf, pattern, sizeof(buf));
	memset(page, 0x5a, MEM + 8);
	if (kind >= 2 && want == 0 && n < len)
		want = VMB_EPARTIAL_BUFFER;
	calling("vmb_slice_%s(L=%zu%s, %lu, %s, %lu)", names[kind], s.len, s.bitmap ? " bitmap" : "",
		(unsigned long)a, p(b), (unsigned long)len);
	switch (kind) {
	case 0:
		rc = vmb_slice_write(s, a, b, len, pdone, &e);
		break;
	case 1:
		rc = vmb_slice_read(s, a, b, len, pdone, &e);
		break;
	case 2:
	case 6:
		rc = vmb_slice_write_slice(s, a, b, len, &e);
		break;
	case 3:
	case 7:
		rc = vmb_slice_read_slice(s, a, b, len, &e);
		break;
	case 4:
		rc = vmb_slice_write_obj(s, a, b, len, &e);
		break;
	default:
		rc = vmb_slice_read_obj(s, a, b, len, &e);
		break;
	}
	result("S4", rc, want);
	fields("S4", &e, want, want == VMB_EPARTIAL_BUFFER ? len : a, n);
	if (kind < 2 && pdone)
		detail("S3", done == n, "the count");
	if (n > 0)
		detail("S3", is_read ? memcmp(buf, s.base + a, n) == 0 : memcmp(s.base + a, pattern, n) == 0,
		       "the bytes copied");
}

static void c_slice_io(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	struct vmb_slice s = c->s;
	uint8_t data[MEM];
	struct vmb_buf_source bs;
	struct vmb_buf_sink bk;
	struct vmb_source nofn = { NULL, NULL };
	struct vmb_sink nosink = { NULL };
	unsigned kind = vmbf_u8(d) % 4, which = vmbf_u8(d) % 3;
	uint64_t a = size_arg(d, s.len), n = size_arg(d, s.len), f1 = 0, f2 = 0;
	size_t have = vmbf_range(d, 0, MEM), done = 77;
	struct vmb_error e = { 0 };
	int want, rc;

	memcpy(data, pattern, sizeof(data));
	VMBF_CHECK("I2", vmb_buf_source_init(&bs, data, have) == 0,
		   "vmb_buf_source_init: set-up refused");
	VMBF_CHECK("I2", vmb_buf_sink_init(&bk, data, have) == 0,
		   "vmb_buf_sink_init: set-up refused");
	struct vmb_source *src = which == 0 ? NULL : which == 1 ? &nofn : &bs.base;
	struct vmb_sink *dst = which == 0 ? NULL : which == 1 ? &nosink : &bk.base;
	uint64_t k = a <= s.len ? (n < s.len - a ? n : s.len - a) : 0;

	if (kind < 2) {
		/* S7: one call, clamped; a > L is OutOfBounds{a}. */
		want = which < 2 ? BAD : a > s.len ? VMB_EOUT_OF_BOUNDS : 0;
		f1 = a;
		calling("vmb_slice_%s(L=%zu, %lu, %s, %lu) holding %zu",
			kind ? "write_volatile_to" : "read_volatile_from", s.len, (unsigned long)a,
			which == 0 ? "NULL" : which == 1 ? "no function" : "buffer", (unsigned long)n, have);
		rc = kind ? vmb_slice_write_volatile_to(s, a, dst, n, &done, &e)
			  : vmb_slice_read_volatile_from(s, a, src, n, &done, &e);
		result("S7", rc, want);
		fields("S7", &e, want, f1, 0);
		detail("S7", done == (want ? 0 : k < have ? k : have), "the count");
	} else {
		/* S8: the range first (S5), then I3 / WriteZero. */
		want = which < 2 ? BAD : want_range(a, n, s.len, &f1, &f2);
		if (want == 0 && n > have)
			want = VMB_EIO;
		calling("vmb_slice_%s(L=%zu, %lu, %s, %lu) holding %zu",
			kind == 3 ? "write_all_volatile_to" : "read_exact_volatile_from", s.len,
			(unsigned long)a, which == 0 ? "NULL" : which == 1 ? "no function" : "buffer",
			(unsigned long)n, have);
		rc = kind == 3 ? vmb_slice_write_all_volatile_to(s, a, dst, n, &e)
			       : vmb_slice_read_exact_volatile_from(s, a, src, n, &e);
		result("S8", rc, want);
		if (want == VMB_EIO)
			detail("S8", e.io_kind == (kind == 3 ? VMB_IO_WRITE_ZERO : VMB_IO_UNEXPECTED_EOF),
			       "the I/O kind");
		else
			fields("S8", &e, want, f1, f2);
	}
}

static void c_slice_atomic(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	struct vmb_slice s = c->s;
	bool load = vmbf_bool(d);
	int order = order_arg(d);
	unsigned w = width_arg(d);
	uint64_t a = size_arg(d, s.len), v = 0x0102030405060708u, got = 99, f1 = 0, f2 = 0;
	uint64_t *pv = ptr_arg(d, &got);
	struct vmb_error e = { 0 };
	int want = want_atomic(load, order, w, pv, a, s.len, (uintptr_t)s.base, &f1, &f2);

	calling("vmb_slice_%s(L=%zu, %lu, width %u, order %d, %s)", load ? "load" : "store", s.len,
		(unsigned long)a, w, order, p(pv));
	result("S9", load ? vmb_slice_load(s, a, w, vmb_ordering_of(order), pv, &e) : vmb_slice_store(s, a, w, vmb_ordering_of(order), v, &e),
	       want);
	fields("S9", &e, want, f1, f2);
}

static void c_slice_copies(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	struct vmb_slice s = c->s, empty;
	uint8_t buf[4 * MEM];
	void *b = ptr_arg(d, buf);
	uint64_t nel = size_arg(d, s.len), esz = vmbf_bool(d) ? size_arg(d, 8) : vmbf_range(d, 0, 9);
	size_t copied = 77, *pc = ptr_arg(d, &copied), fit;
	bool from = vmbf_bool(d);
	int want = esz == 0 || (b == NULL && nel > 0) ? BAD : 0;

	if (esz == 0)
		fit = 0;
	else
		fit = s.len / esz < nel ? s.len / esz : nel;
	calling("vmb_slice_copy_%s_array(L=%zu, %s, %lu, %lu, %s)", from ? "from" : "to", s.len, p(b),
		(unsigned long)nel, (unsigned long)esz, p(pc));
	result("S10", from ? vmb_slice_copy_from_array(s, b, nel, esz, pc)
			   : vmb_slice_copy_to_array(s, b, nel, esz, pc), want);
	if (pc)
		detail("S10", copied == (want ? 0 : fit), "the element count");
	/* copy_to with an empty slice on either side, NULL-based. */
	if (vmb_slice_init(&empty, NULL, 0) != 0)
		vmbf_fail("harness", "cannot make an empty slice");
	calling("vmb_slice_copy_to(L=%zu, empty, %s)", s.len, p(pc));
	result("S10", vmb_slice_copy_to(vmbf_bool(d) ? s : empty, empty, pc), 0);
	if (pc)
		detail("S10", copied == 0, "the count of an empty copy");
}

/* ---- the generic interface ------------------------------------------------------ */

/* Wraps on purpose: addresses past 2^64 - 1 are among its bad arguments (ubsan preset). */
VMBF_WRAPS static void c_bytes(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	struct vmb_slice s = c->s;
	unsigned which = vmbf_u8(d) % 3, op = vmbf_u8(d) % 8;
	struct vmb_bytes b = which == 0 ? vmb_slice_bytes(&s)
			     : which == 1 ? vmb_guest_bytes(c->g) : (struct vmb_bytes){ NULL, NULL };
	/* The guest memory is one region of MEM bytes at 0x1000 (G4-G8). */
	uint64_t base = which == 1 ? 0x1000 : 0, L = which == 1 ? MEM : s.len;
	uint64_t a = base + size_arg(d, L), n = size_arg(d, L), cnt = 0, f1 = 0, f2 = 0;
	uint8_t buf[4 * MEM];
	void *pb = ptr_arg(d, buf);
	struct vmb_buf_source bs;
	struct vmb_buf_sink bk;
	size_t done = 77;
	struct vmb_error e = { 0 };
	int want, rc;
	const char *rule = which == 1 ? "G5" : "S1";

	memcpy(buf, pattern, sizeof(buf));
	VMBF_CHECK("I2", vmb_buf_source_init(&bs, pattern, sizeof(pattern)) == 0,
		   "vmb_buf_source_init: set-up refused");
	VMBF_CHECK("I2", vmb_buf_sink_init(&bk, buf, sizeof(buf)) == 0,
		   "vmb_buf_sink_init: set-up refused");
	calling("vmb_bytes op %u on %s (L=%lu) at 0x%lx, %s, n %lu", op,
		which == 0 ? "a slice" : which == 1 ? "guest memory" : "no container", (unsigned long)L,
		(unsigned long)a, p(pb), (unsigned long)n);
	switch (op) {
	case 0:
	case 1:
	case 2:
	case 3:
		/* write, read, write_slice, read_slice: no container, S1/G5, NULL, then the walk. */
		if (which == 2)
			want = BAD;
		else if (n == 0)
			want = 0;
		else if (pb == NULL)
			want = BAD;
		else if (a - base >= L || a < base)
			want = which == 1 ? VMB_EINVALID_GUEST_ADDRESS : VMB_EOUT_OF_BOUNDS, f1 = a;
		else {
			want = 0;
			cnt = n < L - (a - base) ? n : L - (a - base);
			if (op >= 2 && cnt < n)
				want = VMB_EPARTIAL_BUFFER, f1 = n, f2 = cnt;
		}
		/* write_obj/read_obj are write_slice/read_slice (bytes.h). */
		if (op >= 2 && vmbf_bool(d))
			rc = op == 2 ? vmb_bytes_write_obj(b, a, pb, n, &e) : vmb_bytes_read_obj(b, a, pb, n, &e);
		else
			rc = op == 0 ? vmb_bytes_write(b, a, pb, n, &done, &e)
			     : op == 1 ? vmb_bytes_read(b, a, pb, n, &done, &e)
			     : op == 2 ? vmb_bytes_write_slice(b, a, pb, n, &e)
					: vmb_bytes_read_slice(b, a, pb, n, &e);
		result(rule, rc, want);
		fields(rule, &e, want, f1, f2);
		if (op < 2)
			detail(rule, done == cnt, "the count");
		break;
	case 4:
	case 5: {
		/* One-shot volatile I/O: no container or no source/sink first. */
		bool none = vmbf_bool(d);

		if (which == 2 || none)
			want = BAD;
		else if (n == 0 && which == 1)
			want = 0; /* G5 */
		else if (which == 0 && a > L)
			want = VMB_EOUT_OF_BOUNDS, f1 = a;
		else if (which == 1 && (a < base || a - base >= L))
			want = VMB_EINVALID_GUEST_ADDRESS, f1 = a;
		else
			want = 0, cnt = n < L - (a - base) ? n : L - (a - base);
		rc = op == 4 ? vmb_bytes_read_volatile_from(b, a, none ? NULL : &bs.base, n, &done, &e)
			     : vmb_bytes_write_volatile_to(b, a, none ? NULL : &bk.base, n, &done, &e);
		result(which == 1 ? "G7" : "S7", rc, want);
		fields("S7", &e, want, f1, f2);
		detail("S7", done == cnt, "the count");
		break;
	}
	case 6: {
		bool load = vmbf_bool(d);
		int order = order_arg(d);
		unsigned w = width_arg(d);
		uint64_t v = 0, *pv = ptr_arg(d, &v);

		if (which == 2) {
			want = BAD;
		} else if (which == 0) {
			want = want_atomic(load, order, w, pv, a, L, (uintptr_t)s.base, &f1, &f2);
		} else {
			/* G8: the ordering and width first, then the first chunk. */
			want = want_atomic(load, order, w, pv, 0, 8, 0, &f1, &f2);
			if (want == 0 && (a < base || a - base >= L))
				want = VMB_EINVALID_GUEST_ADDRESS, f1 = a;
			else if (want == 0 && (w > L - (a - base) || a % w))
				want = VMB_EINVALID_BACKEND_ADDRESS;
		}
		rc = load ? vmb_bytes_load(b, a, w, vmb_ordering_of(order), pv, &e) : vmb_bytes_store(b, a, w, vmb_ordering_of(order), 1, &e);
		result(which == 1 ? "G8" : "S9", rc, want);
		fields("S9", &e, want, f1, f2);
		break;
	}
	default: {
		/* The exact forms with a NULL source or sink, or none at all. */
		bool none = vmbf_bool(d);

		rc = vmbf_bool(d) ? vmb_bytes_read_exact_volatile_from(b, a, none ? NULL : &bs.base, n, &e)
				  : vmb_bytes_write_all_volatile_to(b, a, none ? NULL : &bk.base, n, &e);
		if (which == 2 || none)
			result("S8", rc, BAD);
		else
			detail("S8", rc != BAD, "InvalidArgument for valid arguments");
		break;
	}
	}
}

/* ---- guest memory and regions ------------------------------------------------------ */

static void c_guest_new(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	struct vmb_region *regs[3] = { NULL, NULL, NULL }, *const *list;
	struct vmb_guest *g = (struct vmb_guest *)1, **out = ptr_arg(d, &g);
	size_t n = vmbf_u8(d) % 4;
	unsigned shape = vmbf_u8(d) % 6;
	struct vmb_error e = { 0 };
	int want;

	/* The list: NULL, or the spare region and/or a NULL or owned entry. */
	regs[0] = shape == 4 ? NULL : c->spare;
	regs[1] = shape == 1 ? c->spare : shape == 2 ? vmb_guest_region_at(c->g, 0) : NULL;
	list = shape == 5 ? NULL : regs;
	if (out == NULL || (list == NULL && n > 0))
		want = BAD;
	else if (n == 0)
		want = VMB_ENO_MEMORY_REGION; /* G2: no regions, whatever the list */
	else if (regs[0] == NULL)
		want = BAD;
	else if (n == 1)
		want = 0;
	else if (shape == 1)
		want = VMB_EMEMORY_REGION_OVERLAP; /* the same region twice overlaps itself */
	else
		want = BAD; /* a NULL entry, or a region another guest memory owns */
	calling("vmb_guest_new(%s, %zu, %s) [list shape %u]", list ? "list" : "NULL", n, p(out), shape);
	result("G2", vmb_guest_new(list, n, out, &e), want);
	if (want == 0) {
		struct vmb_region *r = NULL;

		detail("G2", vmb_guest_num_regions(g) == 1, "one region");
		if (vmb_guest_remove(g, 0x2000, MEM, &r, NULL) != 0 || r != c->spare)
			vmbf_fail("G2", "%s\n  cannot take the region back", call);
		vmb_guest_free(g);
	} else {
		detail("G2", g == (struct vmb_guest *)1, "the output written by a failing call");
	}
}

/* Wraps on purpose: the oracle computes where a wrapping range ends (ubsan preset). */
VMBF_WRAPS static void c_guest_calls(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	struct vmb_guest *g = ptr_arg(d, c->g);
	uint64_t a = 0x1000 + size_arg(d, MEM), n = size_arg(d, MEM);
	bool in;

	if (vmbf_bool(d))
		a -= 0x1000;
	in = a >= 0x1000 && a < 0x1000 + MEM;
	struct vmb_error e = { 0 };
	void *host = NULL, **ph = ptr_arg(d, &host);
	struct vmb_slice sl, *ps = ptr_arg(d, &sl);
	struct vmb_region *r = NULL, **pr = ptr_arg(d, &r);
	struct vmb_slices_iter it, *pit = ptr_arg(d, &it);
	int want;

	switch (vmbf_u8(d) % 6) {
	case 0:
		want = g == NULL || ph == NULL ? BAD : in ? 0 : VMB_EINVALID_GUEST_ADDRESS;
		calling("vmb_guest_get_host_address(%s, 0x%lx, %s)", p(g), (unsigned long)a, p(ph));
		result("G3", vmb_guest_get_host_address(g, a, ph, &e), want);
		fields("G3", &e, want, a, 0);
		if (want == 0)
			detail("G3", host == (uint8_t *)vmb_region_host_base(vmb_guest_region_at(g, 0)) +
						     (a - 0x1000), "the host address");
		break;
	case 1:
		want = g == NULL || ps == NULL ? BAD : !in ? VMB_EINVALID_GUEST_ADDRESS
			: n > 0x1000 + MEM - a ? VMB_EINVALID_BACKEND_ADDRESS : 0;
		calling("vmb_guest_get_slice(%s, 0x%lx, %lu, %s)", p(g), (unsigned long)a,
			(unsigned long)n, p(ps));
		result("G9", vmb_guest_get_slice(g, a, n, ps, &e), want);
		fields("G9", &e, want, a, 0);
		break;
	case 2: {
		calling("vmb_guest_check_range(%s, 0x%lx, %lu)", p(g), (unsigned long)a, (unsigned long)n);
		bool want_ok = g != NULL && (n == 0 || (in && n <= 0x1000 + MEM - a));

		detail("G10", vmb_guest_check_range(g, a, n) == want_ok, "check_range");
		calling("vmb_guest_find_region(%s, 0x%lx)", p(g), (unsigned long)a);
		detail("G3", (vmb_guest_find_region(g, a) != NULL) == (g && in), "find_region");
		calling("accessors of %s", p(g));
		detail("G3", vmb_guest_num_regions(g) == (g ? 1u : 0u) &&
				     vmb_guest_region_at(g, 1) == NULL &&
				     (vmb_guest_region_at(g, 0) != NULL) == (g != NULL) &&
				     vmb_guest_last_addr(g) == (g ? 0x1000u + MEM - 1 : 0),
		       "accessors");
		break;
	}
	case 3: {
		/* G10: init with NULLs is a no-op; next with NULLs is InvalidArgument. */
		calling("vmb_guest_slices_init(%s, %s, 0x%lx, %lu) + next(%s, %s)", p(pit), p(g),
			(unsigned long)a, (unsigned long)n, p(pit), p(ps));
		vmb_guest_slices_init(pit, g, a, n);
		int rc = vmb_guest_slices_next(pit, ps, &e);

		if (pit == NULL || ps == NULL)
			result("G10", rc, BAD);
		else if (g == NULL || n == 0)
			result("G10", rc, 0);
		else if (!in)
			result("G10", rc, VMB_EINVALID_GUEST_ADDRESS);
		else
			result("G10", rc, 1);
		break;
	}
	case 4:
		/* Remove with a NULL out, or a range that is not exactly the region's. */
		want = g == NULL || pr == NULL ? BAD : VMB_ENO_MEMORY_REGION;
		calling("vmb_guest_remove(%s, 0x%lx, %lu, %s)", p(g), (unsigned long)a,
			(unsigned long)n, p(pr));
		if (a == 0x1000 && n == MEM)
			n++; /* never the region itself */
		result("G2", vmb_guest_remove(g, a, n, pr, &e), want);
		break;
	default: {
		/* Insert: NULL, the owned region again, or the spare one overlapping or not. */
		struct vmb_region *ins = vmbf_bool(d) ? vmb_guest_region_at(c->g, 0) : c->spare;
		uint64_t at = a;

		if (ins == c->spare && vmb_region_set_start(ins, at, NULL) != 0 &&
		    (at = 0x2000, vmb_region_set_start(ins, at, NULL)) != 0)
			vmbf_fail("harness", "cannot place the spare region");
		ins = ptr_arg(d, ins);
		bool overlap = ins == c->spare && at < 0x1000 + MEM && at + MEM > 0x1000;

		want = g == NULL || ins == NULL || ins != c->spare ? BAD
		       : overlap ? VMB_EMEMORY_REGION_OVERLAP : 0;
		calling("vmb_guest_insert(%s, %s at 0x%lx)", p(g),
			ins == NULL ? "NULL" : ins == c->spare ? "a free region" : "an owned region",
			(unsigned long)at);
		result("G2", vmb_guest_insert(g, ins, &e), want);
		if (want == 0 && (vmb_guest_remove(g, at, MEM, &r, NULL) != 0 || r != c->spare))
			vmbf_fail("G2", "%s\n  cannot take the region back", call);
		if (vmb_region_set_start(c->spare, 0x2000, NULL) != 0)
			vmbf_fail("harness", "cannot move the spare region back");
		break;
	}
	}
}

/*
 * guest.h's typed entry points (vmb_guest_read, _write, _slice, _obj,
 * store, load): each must return what the generic call on
 * vmb_guest_bytes() returns for the same arguments, with the same count,
 * error details and bytes, NULL and huge arguments included. G4-G9, S9.
 */
VMBF_WRAPS static void c_guest_typed(struct ctx *c)
{
	static uint8_t got_t[4 * MEM], got_g[4 * MEM];
	struct vmbf_producer *d = c->d;
	struct vmb_guest *g = ptr_arg(d, c->g);
	/* Around the region [0x1000, 0x1000 + MEM), or anywhere. */
	uint64_t a = vmbf_bool(d) ? 0x1000 + size_arg(d, MEM) - vmbf_u8(d) % 4 : size_arg(d, 0x1000);
	uint64_t n = size_arg(d, MEM), vt = 0, vg = 0, v = vmbf_u64(d);
	unsigned w = width_arg(d);
	int order = order_arg(d), rt, rg;
	bool nobuf = vmbf_u8(d) % 4 == 0, nodone = vmbf_bool(d);
	struct vmb_bytes b = vmb_guest_bytes(g);
	struct vmb_error et, eg;
	size_t dt = 7, dg = 7, *pdt = nodone ? NULL : &dt, *pdg = nodone ? NULL : &dg;
	const char *what;

	memset(&et, 0x5a, sizeof(et));
	memset(&eg, 0x5a, sizeof(eg));
	memset(got_t, 0, sizeof(got_t));
	memset(got_g, 0, sizeof(got_g));
	/* Reads fill at most the region's MEM bytes, writes take at most that. */
	const void *src = nobuf ? NULL : pattern;
	uint8_t *bt = nobuf ? NULL : got_t, *bg = nobuf ? NULL : got_g;

	switch (vmbf_u8(d) % 8) {
	case 0:
		what = "write";
		rt = vmb_guest_write(g, a, src, n, pdt, &et);
		rg = vmb_bytes_write(b, a, src, n, pdg, &eg);
		break;
	case 1:
		what = "read";
		rt = vmb_guest_read(g, a, bt, n, pdt, &et);
		rg = vmb_bytes_read(b, a, bg, n, pdg, &eg);
		break;
	case 2:
		what = "write_slice";
		rt = vmb_guest_write_slice(g, a, src, n, &et);
		rg = vmb_bytes_write_slice(b, a, src, n, &eg);
		break;
	case 3:
		what = "read_slice";
		rt = vmb_guest_read_slice(g, a, bt, n, &et);
		rg = vmb_bytes_read_slice(b, a, bg, n, &eg);
		break;
	case 4:
		what = "write_obj";
		n %= 17;
		rt = vmb_guest_write_obj(g, a, src, n, &et);
		rg = vmb_bytes_write_obj(b, a, src, n, &eg);
		break;
	case 5:
		what = "read_obj";
		n %= 17;
		rt = vmb_guest_read_obj(g, a, bt, n, &et);
		rg = vmb_bytes_read_obj(b, a, bg, n, &eg);
		break;
	case 6:
		what = "store";
		rt = vmb_guest_store(g, a, w, vmb_ordering_of(order), v, &et);
		rg = vmb_bytes_store(b, a, w, vmb_ordering_of(order), v, &eg);
		break;
	default:
		what = "load";
		rt = vmb_guest_load(g, a, w, vmb_ordering_of(order), nobuf ? NULL : &vt, &et);
		rg = vmb_bytes_load(b, a, w, vmb_ordering_of(order), nobuf ? NULL : &vg, &eg);
		break;
	}
	calling("vmb_guest_%s(%s, 0x%lx, %s, %lu, width %u, order %d)", what, p(g),
		(unsigned long)a, nobuf ? "NULL" : "ptr", (unsigned long)n, w, order);
	result("G6", rt, rg);
	detail("G6", rt == 0 || memcmp(&et, &eg, sizeof(et)) == 0, "error details unlike the generic call's");
	detail("G6", dt == dg && vt == vg && memcmp(got_t, got_g, sizeof(got_t)) == 0,
	       "count, value or bytes unlike the generic call's");
}

/* Wraps on purpose: the oracle computes where a wrapping range ends (ubsan preset). */
VMBF_WRAPS static void c_region(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	struct vmb_region *r = ptr_arg(d, c->spare), *made = NULL, **out = ptr_arg(d, &made);
	uint64_t off = size_arg(d, MEM), n = size_arg(d, MEM), f1 = 0, f2 = 0;
	struct vmb_slice sl, *ps = ptr_arg(d, &sl);
	struct vmb_region_config cfg = { .start = 0x3000 }, *pcfg;

	if (vmbf_bool(d))
		cfg.start = vmbf_u64(d);
	cfg.len = size_arg(d, MEM);
	pcfg = ptr_arg(d, &cfg);
	struct vmb_error e = { 0 };
	int want;

	switch (vmbf_u8(d) % 4) {
	case 0:
		want = r == NULL || ps == NULL ? BAD : want_range(off, n, MEM, &f1, &f2) ? VMB_EINVALID_BACKEND_ADDRESS : 0;
		calling("vmb_region_get_slice(%s, %lu, %lu, %s)", p(r), (unsigned long)off,
			(unsigned long)n, p(ps));
		result("G9", vmb_region_get_slice(r, off, n, ps, &e), want);
		calling("vmb_region_as_slice(%s, %s)", p(r), p(ps));
		result("G9", vmb_region_as_slice(r, ps), r && ps ? 0 : BAD);
		break;
	case 1:
		/* Only lengths that G1 refuses, or a NULL: nothing is mapped. */
		if (pcfg && cfg.len > 0 && cfg.start + cfg.len >= cfg.start)
			cfg.len = 0;
		want = pcfg == NULL || out == NULL ? BAD : VMB_EINVALID_GUEST_REGION;
		calling("vmb_region_new(%s start 0x%lx len %lu, %s)", p(pcfg), (unsigned long)cfg.start,
			(unsigned long)cfg.len, p(out));
		result("G1", vmb_region_new(pcfg, out, &e), want);
		detail("G1", made == NULL, "an output written by a failing call");
		break;
	case 2: {
		uint64_t to = vmbf_bool(d) ? UINT64_MAX - vmbf_u8(d) % (2 * MEM) : vmbf_u16(d);

		want = r == NULL ? BAD : to + MEM < to ? VMB_EINVALID_GUEST_REGION : 0;
		calling("vmb_region_set_start(%s, 0x%lx)", p(r), (unsigned long)to);
		result("G1", vmb_region_set_start(r, to, &e), want);
		if (vmb_region_set_start(c->spare, 0x2000, NULL) != 0)
			vmbf_fail("harness", "cannot move the spare region back");
		/* The owned one: InvalidArgument. */
		calling("vmb_region_set_start(an owned region, 0x%lx)", (unsigned long)to);
		result("G1", vmb_region_set_start(vmb_guest_region_at(c->g, 0), to, &e), BAD);
		break;
	}
	default:
		calling("region accessors of %s", p(r));
		detail("G1", vmb_region_len(r) == (r ? MEM : 0) && vmb_region_start(r) == (r ? 0x2000 : 0) &&
				     vmb_region_fd(r) < 0 && vmb_region_file_offset(r) == 0 &&
				     vmb_region_bitmap(r) == NULL &&
				     (vmb_region_host_base(r) != NULL) == (r != NULL) &&
				     vmb_region_last_addr(r) == (r ? 0x2000u + MEM - 1 : 0) &&
				     (r == NULL || vmb_region_kind(r) == VMB_REGION_ANON) &&
				     (vmb_region_bytes(r).ops != NULL) == (r != NULL),
		       "accessors");
		/* Freeing nothing is a no-op. */
		calling("vmb_*_free(NULL)");
		vmb_region_free(NULL);
		vmb_guest_free(NULL);
		vmb_bitmap_free(NULL);
		vmb_datafile_free(NULL);
		vmb_remote_free(NULL);
		break;
	}
}

/* ---- bitmaps, sources and sinks, errors ---------------------------------------------- */

/* Wraps on purpose: the oracle computes where a wrapping range ends (ubsan preset). */
VMBF_WRAPS static void c_bitmap(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	struct vmb_bitmap *b = ptr_arg(d, c->bm), *made = NULL, **out = ptr_arg(d, &made);
	uint64_t len = size_arg(d, 4096), page_size = vmbf_bool(d) ? size_arg(d, 16) : 16;
	uint64_t a = size_arg(d, 4096), n = size_arg(d, 4096);
	uint64_t words[8] = { 7, 7 }, *pw = ptr_arg(d, words);
	size_t nw = vmbf_u8(d) % 9, need = (vmb_bitmap_pages(c->bm) + 63) / 64;
	int want;

	switch (vmbf_u8(d) % 3) {
	case 0:
		/* Only sizes whose bitmap stays small are made. */
		if (len > 1 << 20)
			len %= 1 << 20;
		want = out == NULL || page_size == 0 || (page_size & (page_size - 1)) ? BAD : 0;
		calling("vmb_bitmap_new(%lu, %lu, %s)", (unsigned long)len, (unsigned long)page_size, p(out));
		result("S11", vmb_bitmap_new(len, page_size, out), want);
		if (want == 0)
			detail("S11", vmb_bitmap_page_size(made) == page_size &&
					      vmb_bitmap_pages(made) == (len + page_size - 1) / page_size,
			       "the new bitmap");
		vmb_bitmap_free(made);
		break;
	case 1: {
		/* Marks over any range: bits past the end are ignored, nothing wraps. */
		calling("vmb_bitmap_mark/reset_range(%s, %lu, %lu)", p(b), (unsigned long)a,
			(unsigned long)n);
		vmb_bitmap_reset(c->bm);
		vmb_bitmap_mark(b, a, n);
		/* A range whose last byte would wrap marks nothing (bitmap.h). */
		bool wraps = n > 0 && a + (n - 1) < a;
		uint64_t last = a + n - 1;

		for (uint64_t pg = 0; pg < 4096 / 16; pg++) {
			bool want_dirty = b && n > 0 && !wraps && pg >= a / 16 && pg <= last / 16;

			detail("S11", vmb_bitmap_is_page_dirty(c->bm, pg) == want_dirty, "a page's bit");
		}
		vmb_bitmap_reset_range(b, a, n);
		detail("S11", !vmb_bitmap_is_dirty(c->bm, a) && !vmb_bitmap_is_dirty(NULL, a) &&
				      !vmb_bitmap_is_page_dirty(NULL, a) &&
				      vmb_bitmap_page_size(NULL) == 0 && vmb_bitmap_pages(NULL) == 0,
		       "reset_range");
		break;
	}
	default: {
		/* A word per 64 pages of the input's bitmap (it may have grown). */
		want = b == NULL || pw == NULL || nw < need ? BAD : 0;
		calling("vmb_bitmap_get_and_reset(%s, %s, %zu) of %zu pages", p(b), p(pw), nw,
			vmb_bitmap_pages(c->bm));
		result("S11", vmb_bitmap_get_and_reset(b, pw, nw), want);
		if (len > 1 << 16)
			len = 4096 + len % (1 << 16);
		want = b == NULL || len < c->bm_len ? BAD : 0;
		calling("vmb_bitmap_enlarge(%s, %lu) of %zu bytes", p(b), (unsigned long)len, c->bm_len);
		result("S11", vmb_bitmap_enlarge(b, len), want);
		if (want == 0)
			c->bm_len = len;
		break;
	}
	}
}

static void c_io(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	struct vmb_fd_source fs, *pfs = ptr_arg(d, &fs);
	struct vmb_fd_sink fk, *pfk = ptr_arg(d, &fk);
	struct vmb_buf_source bs, *pbs = ptr_arg(d, &bs);
	struct vmb_buf_sink bk, *pbk = ptr_arg(d, &bk);
	struct vmb_fault_source qs, *pqs = ptr_arg(d, &qs);
	struct vmb_fault_sink qk, *pqk = ptr_arg(d, &qk);
	uint8_t data[8];
	void *pd = ptr_arg(d, data);
	uint64_t len = size_arg(d, sizeof(data));
	int fd = vmbf_bool(d) ? -1 - vmbf_u8(d) % 2 : vmbf_u8(d) % 3;
	struct vmb_fault plan[2] = { { VMB_FAULT_PASS, 0 }, { VMB_FAULT_PASS, 0 } }, *pplan;

	plan[0].kind = (enum vmb_fault_kind)(vmbf_u8(d) % 8);
	plan[0].arg = vmbf_u8(d) % 3;
	pplan = ptr_arg(d, plan);
	size_t np = vmbf_u8(d) % 3;
	bool plan_ok = pplan ? plan[0].kind <= VMB_FAULT_EOF &&
				       !(plan[0].kind == VMB_FAULT_SHORT && plan[0].arg == 0)
			     : np == 0;
	struct vmb_buf_source inner_src;
	struct vmb_buf_sink inner_sink;
	struct vmb_source *in_s = ptr_arg(d, &inner_src.base);
	struct vmb_sink *in_k = ptr_arg(d, &inner_sink.base);

	if (np == 0)
		plan_ok = true;
	VMBF_CHECK("I2", vmb_buf_source_init(&inner_src, data, 0) == 0,
		   "vmb_buf_source_init: set-up refused");
	VMBF_CHECK("I2", vmb_buf_sink_init(&inner_sink, data, 0) == 0,
		   "vmb_buf_sink_init: set-up refused");
	calling("vmb_fd_source_init(%s, %d) / vmb_fd_sink_init(%s, %d)", p(pfs), fd, p(pfk), fd);
	result("I2", vmb_fd_source_init(pfs, fd), pfs && fd >= 0 ? 0 : BAD);
	result("I2", vmb_fd_sink_init(pfk, fd), pfk && fd >= 0 ? 0 : BAD);
	calling("vmb_buf_source_init(%s, %s, %lu) / vmb_buf_sink_init(%s, %s, %lu)", p(pbs), p(pd),
		(unsigned long)len, p(pbk), p(pd), (unsigned long)len);
	result("I2", vmb_buf_source_init(pbs, pd, len), pbs && (pd || len == 0) ? 0 : BAD);
	result("I2", vmb_buf_sink_init(pbk, pd, len), pbk && (pd || len == 0) ? 0 : BAD);
	calling("vmb_fault_source_init(%s, %s, %s [kind %d arg %zu], %zu)", p(pqs), p(in_s), p(pplan),
		(int)plan[0].kind, plan[0].arg, np);
	/* A plan of one step or two: the second is PASS. */
	result("I2", vmb_fault_source_init(pqs, in_s, pplan, np, vmbf_bool(d)),
	       pqs && in_s && plan_ok ? 0 : BAD);
	calling("vmb_fault_sink_init(%s, %s, %s [kind %d arg %zu], %zu)", p(pqk), p(in_k), p(pplan),
		(int)plan[0].kind, plan[0].arg, np);
	result("I2", vmb_fault_sink_init(pqk, in_k, pplan, np, vmbf_bool(d)),
	       pqk && in_k && plan_ok ? 0 : BAD);
}

static void c_errors(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	int code = vmbf_bool(d) ? -(int)(vmbf_u8(d) % 24) : (int)(int32_t)vmbf_u64(d);
	struct vmb_error e = { .code = code }, *pe;

	e.errnum = (int)(int32_t)vmbf_u64(d);
	e.io_kind = vmbf_u8(d) % 4 - 1;
	e.addr = vmbf_u64(d);
	pe = ptr_arg(d, &e);
	char buf[48], *pb = ptr_arg(d, buf);
	size_t cap = vmbf_bool(d) ? 0 : vmbf_range(d, 0, sizeof(buf));
	char full[256];

	calling("vmb_strerror/vmb_error_name(%d)", code);
	detail("SPEC6", vmb_strerror(code) != NULL && vmb_error_name(code) != NULL, "a NULL name");
	calling("vmb_error_format(%s code %d, %s, %zu)", p(pe), code, p(pb), cap);
	int n = vmb_error_format(pe, pb, cap), whole = vmb_error_format(pe, full, sizeof(full));

	if (pb == NULL && cap > 0) {
		result("SPEC6", n, BAD);
	} else {
		detail("SPEC7", n == whole && whole > 0 && (size_t)whole < sizeof(full), "the length");
		if (pb && cap > 0)
			detail("SPEC7", strlen(pb) == ((size_t)n < cap ? (size_t)n : cap - 1) &&
						strncmp(pb, full, strlen(pb)) == 0,
			       "the text, cut to the buffer");
	}
}

/* ---- copies, and the inline helpers --------------------------------------------------- */

static void c_copy(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	int st = (int)vmbf_u8(d) % (VMB_COPY_STRATEGY_COUNT + 3) - 1;
	uint8_t src[64], dst[64];
	void *pd = ptr_arg(d, dst), *ps = ptr_arg(d, src);
	uint64_t n = vmbf_bool(d) ? 0 : vmbf_range(d, 1, sizeof(dst));
	bool known = st >= 0 && st < VMB_COPY_STRATEGY_COUNT;
	bool avail = known && vmb_copy_strategy_available((enum vmb_copy_strategy)st);

	memcpy(src, pattern, sizeof(src));
	calling("vmb_copy_strategy_copy(%d, %s, %s, %lu)", st, p(pd), p(ps), (unsigned long)n);
	result("S10", vmb_copy_strategy_copy((enum vmb_copy_strategy)st, pd, ps, n),
	       avail && ((pd && ps) || n == 0) ? 0 : BAD);
	calling("vmb_copy_strategy_name(%d) / from_name", st);
	detail("S10", vmb_copy_strategy_name((enum vmb_copy_strategy)st) != NULL &&
			      vmb_copy_strategy_from_name(NULL) < 0 &&
			      vmb_copy_strategy_from_name("no such strategy") < 0 &&
			      (!known || vmb_copy_strategy_from_name(vmb_copy_strategy_name(
					 (enum vmb_copy_strategy)st)) == st),
	       "strategy names");
	calling("vmb_copy_force(%d) of an unknown strategy, set_tuning(NULL), load_tuning(NULL)", st);
	if (!known)
		result("S10", vmb_copy_force((enum vmb_copy_strategy)st), BAD);
	calling("vmb_copy_strategy_available(%d), strategy_for(%lu), get_tuning(NULL)", st,
		(unsigned long)(n ? UINT64_MAX - n : 0));
	detail("S10", known || !vmb_copy_strategy_available((enum vmb_copy_strategy)st),
	       "an unknown strategy is available");
	enum vmb_copy_strategy f = vmb_copy_strategy_for(n ? SIZE_MAX - n : 0);

	detail("S10", (unsigned)f < VMB_COPY_STRATEGY_COUNT && (unsigned)vmb_copy_forced() <
								       VMB_COPY_STRATEGY_COUNT,
	       "strategy_for gave no strategy");
	vmb_copy_get_tuning(NULL);
	result("S10", vmb_copy_set_tuning(NULL), BAD);
	result("S10", vmb_copy_load_tuning(NULL), BAD);
	/* Empty copies and moves may name no memory at all. */
	calling("vmb_copy/vmb_move/vmb_copy_small(%s, %s, 0)", p(pd), p(ps));
	vmb_copy(pd, ps, 0);
	vmb_move(pd, ps, 0);
	vmb_copy_small(pd, ps, 0);
}

/* Wraps on purpose: the oracle computes where a wrapping range ends (ubsan preset). */
VMBF_WRAPS static void c_helpers(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	uint64_t a = size_arg(d, MEM), n = size_arg(d, MEM), len = size_arg(d, MEM), r;
	int order = order_arg(d);
	unsigned w = width_arg(d);

	calling("vmb_range_fits(%lu, %lu, %lu)", (unsigned long)a, (unsigned long)n, (unsigned long)len);
	detail("S5", vmb_range_fits(a, n, len) == (a + n >= a && a + n <= len), "range_fits");
	calling("vmb_is_pow2(%lu)", (unsigned long)n);
	detail("S11", vmb_is_pow2(n) == (n != 0 && (n & (n - 1)) == 0), "is_pow2");
	calling("vmb_add/mul_overflow_u64(%lu, %lu)", (unsigned long)a, (unsigned long)n);
	detail("S5", vmb_add_overflow_u64(a, n, &r) == (a + n < a) && r == a + n &&
			     vmb_sub_overflow_u64(a, n, &r) == (a < n) && r == a - n &&
			     vmb_mul_overflow_size(a, n, &r) == (a != 0 && (a * n) / a != n) &&
			     vmb_align_up_overflow(a, n, &r) ==
				     (!vmb_is_pow2(n) || a + (n - 1) < a),
	       "checked arithmetic");
	calling("vmb_order_valid_for_store/load(%d), vmb_width_valid(%u)", order, w);
	detail("S9", vmb_order_valid_for_store(vmb_ordering_of(order)) ==
			     (order == VMB_ORDER_RELAXED || order == VMB_ORDER_RELEASE || order == VMB_ORDER_SEQ_CST) &&
			     vmb_order_valid_for_load(vmb_ordering_of(order)) ==
				     (order == VMB_ORDER_RELAXED || order == VMB_ORDER_ACQUIRE || order == VMB_ORDER_SEQ_CST) &&
			     vmb_width_valid(w) == (w == 1 || w == 2 || w == 4 || w == 8),
	       "validity");
	calling("endian round trips of 0x%lx", (unsigned long)a);
	detail("S9", vmb_bswap64(vmb_bswap64(a)) == a && vmb_le64_to(vmb_le64_from(a)) == a &&
			     vmb_be64_to(vmb_be64_from(a)) == a &&
			     vmb_be32_to(vmb_be32_from((uint32_t)a)) == (uint32_t)a &&
			     vmb_le16_to(vmb_le16_from((uint16_t)a)) == (uint16_t)a &&
			     vmb_bswap32(vmb_bswap32((uint32_t)a)) == (uint32_t)a &&
			     vmb_bswap16((uint16_t)a) == (uint16_t)(((uint16_t)a >> 8) | ((uint16_t)a << 8)),
	       "endian");
}

/* Wraps on purpose: the oracle computes where a wrapping range ends (ubsan preset). */
VMBF_WRAPS static void c_files(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	struct vmb_datafile *f = NULL, **pf = ptr_arg(d, &f);
	struct vmb_remote *rm = NULL, **pr = ptr_arg(d, &rm);
	int fd = vmbf_bool(d) ? -1 - vmbf_u8(d) % 2 : INT_MIN;
	uint64_t len = vmbf_bool(d) ? (uint64_t)INT64_MAX + 1 + vmbf_u8(d) : 16;
	pid_t pid = vmbf_bool(d) ? -(pid_t)(vmbf_u8(d) % 2) : getpid();
	uint64_t base = vmbf_bool(d) ? UINT64_MAX - vmbf_u8(d) % 16 : (uint64_t)(uintptr_t)page;
	uint64_t rlen = size_arg(d, MEM);

	/* Only bad calls: a negative fd, a NULL out or a length past off_t. */
	calling("vmb_datafile_new(%d, %lu, %s)", fd, (unsigned long)len, p(pf));
	result("D1", vmb_datafile_new(fd, len, pf, NULL), BAD);
	detail("D1", f == NULL && vmb_datafile_len(NULL) == 0 && vmb_datafile_bytes(NULL).ops == NULL,
	       "a failing datafile_new");
	bool wraps = base + rlen < base;

	/* Our pid and the page by name: a decoding must not depend on the run. */
	char pname[16], bname[32];

	snprintf(pname, sizeof(pname), "%d", (int)pid);
	snprintf(bname, sizeof(bname), "0x%lx", (unsigned long)base);
	calling("vmb_remote_new(%s, %s, %lu, %s)", pid == getpid() ? "self" : pname,
		base == (uint64_t)(uintptr_t)page ? "page" : bname, (unsigned long)rlen, p(pr));
	int want = pid <= 0 || pr == NULL || wraps ? BAD : 0;

	result("R1", vmb_remote_new(pid, base, rlen, pr, NULL), want);
	detail("R1", (rm != NULL) == (want == 0) && vmb_remote_bytes(NULL).ops == NULL,
	       "remote_new's output");
	vmb_remote_free(rm);
}

/* ---- the target ---------------------------------------------------------------------- */

static void (*const calls[])(struct ctx *) = {
	c_slice_init, c_views, c_slice_rw, c_slice_io, c_slice_atomic, c_slice_copies, c_bytes,
	c_guest_new,  c_guest_calls, c_guest_typed, c_region, c_bitmap, c_io, c_errors, c_copy, c_helpers, c_files,
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

static void setup(void)
{
	struct sigaction sa;

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		vmbf_fail("harness", "mmap: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = (uint8_t)(i * 7 + 1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_NODEFER;
	if (sigaction(SIGSEGV, &sa, &old_segv) != 0 || sigaction(SIGBUS, &sa, &old_bus) != 0)
		vmbf_fail("harness", "sigaction: %s", strerror(errno));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmbf_producer d;
	struct ctx c = { .d = &d, .bm_len = 4096 };
	struct vmb_region *r = NULL;
	/* The guest memory's region is the page's second half, 0x1000 + [0, MEM). */
	static struct vmb_region_config gcfg = { .start = 0x1000, .len = MEM };
	static struct vmb_region_config scfg = { .start = 0x2000, .len = MEM };

	if (page == NULL)
		setup();
	vmbf_producer_init(&d, data, size);
	if (trace_fd >= 0) {
		trace_d = &d;
		trace_marked = false;
	}
	/* The slice: L bytes at a misalignment of 0-7, with or without a bitmap. */
	size_t mis = vmbf_u8(&d) % 8, L = vmbf_range(&d, 0, MEM);
	bool with_bm = vmbf_bool(&d);

	memset(page, 0, 4096);
	if (vmb_bitmap_new(4096, 16, &c.bm) != 0 || vmb_slice_init(&c.s, page + mis, L) != 0 ||
	    (with_bm && vmb_slice_set_bitmap(&c.s, c.bm, mis) != 0))
		vmbf_fail("harness", "the input's slice");
	/* Regions over memory this target owns would need a file; anonymous ones, made per input. */
	if (vmb_region_new(&gcfg, &r, NULL) != 0 || vmb_guest_new(&r, 1, &c.g, NULL) != 0 ||
	    vmb_region_new(&scfg, &c.spare, NULL) != 0)
		vmbf_fail("harness", "the input's guest memory");
	for (int i = 0; i < MAX_CALLS && !vmbf_done(&d); i++)
		calls[vmbf_u8(&d) % NCALLS](&c);
	vmb_region_free(c.spare);
	vmb_guest_free(c.g);
	vmb_bitmap_free(c.bm);
	call[0] = '\0';
	return 0;
}

/*
 * The calls as they run, one line each with its argument classes. A
 * child process runs them and writes each line before its call, so that
 * an input that fails (the oracle's abort, a crash) still decodes up to
 * and including the failing call.
 */
void vmbf_target_decode(const uint8_t *data, size_t size, struct vmbo_text *out)
{
	char buf[4096];
	int fds[2], st = 0;
	ssize_t n;
	pid_t child;

	vmbo_text_printf(out, "# args target\n");
	fflush(NULL);
	if (pipe(fds) != 0 || (child = fork()) < 0)
		vmbf_fail("harness", "pipe/fork: %s", strerror(errno));
	if (child == 0) {
		close(fds[0]);
		trace_fd = fds[1];
		LLVMFuzzerTestOneInput(data, size);
		_exit(0);
	}
	close(fds[1]);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			vmbo_text_put(out, buf, (size_t)n);
	close(fds[0]);
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		vmbo_text_printf(out, "# the input fails at the call above (%s %d): run it for the report\n",
				 WIFSIGNALED(st) ? "signal" : "exit status",
				 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* The args target's calls: slices: constructors, views, data, volatile I/O, atomics, copies (S1-S11). */
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

#include "args.h"

/* ---- slices: constructors and views ----------------------------------------- */

void vmbf__args_c_slice_init(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	struct vmb_slice out = { 0 }, *s = ptr_arg(d, &out);
	unsigned k = vmbf_u8(d) % 3;
	uint8_t *base = k == 0 ? NULL : k == 1 ? vmbf__args_page : (uint8_t *)(UINTPTR_MAX - vmbf_u8(d) % 64);
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
	vmbf__args_calling("vmb_slice_init(%s, %s, %lu)", p(s), k == 0 ? "NULL" : k == 1 ? "page" : bname,
		(unsigned long)len);
	vmbf__args_result("S6", vmb_slice_init(s, base, len), want);
	if (want == 0)
		vmbf__args_detail("S6", out.base == base && out.len == len && out.bitmap == NULL, "the slice");
	vmbf__args_calling("vmb_slice_set_bitmap(%s, bm, 3)", p(s));
	vmbf__args_result("S11", vmb_slice_set_bitmap(s, c->bm, 3), s ? 0 : BAD);
	if (s)
		vmbf__args_detail("S11", out.bitmap == c->bm, "the bitmap attached");
	vmbf__args_calling("vmb_slice_bytes(%s)", p(s));
	vmbf__args_detail("S6", (vmb_slice_bytes(s).ops == NULL) == (s == NULL), "bytes of a NULL slice");
}

void vmbf__args_c_views(struct ctx *c)
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
		vmbf__args_calling("vmb_slice_%s(L=%zu, %lu, %lu, %s)", get ? "get_slice" : "subslice", s.len,
			(unsigned long)off, (unsigned long)n, p(out));
		rc = get ? vmb_slice_get_slice(s, off, n, out, &e) : vmb_slice_subslice(s, off, n, out, &e);
		vmbf__args_result("S5", rc, want);
		vmbf__args_fields("S5", &e, want, f1, f2);
		if (want == 0)
			vmbf__args_detail("S5", a.base == s.base + off && a.len == n, "the view");
		break;
	}
	case 1: {
		/* TooBig first, then as subslice (a NULL @out, then S5). */
		uint64_t esz = vmbf_bool(d) ? size_arg(d, 8) : 1u + vmbf_u8(d) % 9u, bytes;

		if (__builtin_mul_overflow(n, esz, &bytes))
			want = VMB_ETOO_BIG, f1 = n, f2 = esz;
		else
			want = out == NULL ? BAD : want_range(off, bytes, s.len, &f1, &f2);
		vmbf__args_calling("vmb_slice_get_array(L=%zu, %lu, %lu, %lu, %s)", s.len, (unsigned long)off,
			(unsigned long)n, (unsigned long)esz, p(out));
		vmbf__args_result("S5", vmb_slice_get_array(s, off, n, esz, out, &e), want);
		vmbf__args_fields("S5", &e, want, f1, f2);
		break;
	}
	case 2:
		/* S6: c > L first (relative address), then subslice(c, L - c). */
		want = off > s.len ? VMB_EOUT_OF_BOUNDS : out == NULL ? BAD : 0;
		vmbf__args_calling("vmb_slice_offset(L=%zu, %lu, %s)", s.len, (unsigned long)off, p(out));
		vmbf__args_result("S6", vmb_slice_offset(s, off, out, &e), want);
		vmbf__args_fields("S6", &e, want, off, 0);
		if (want == 0)
			vmbf__args_detail("S6", a.base == s.base + off && a.len == s.len - off, "the view");
		break;
	default:
		want = out == NULL || tail == NULL ? BAD : off > s.len ? VMB_EOUT_OF_BOUNDS : 0;
		vmbf__args_calling("vmb_slice_split_at(L=%zu, %lu, %s, %s)", s.len, (unsigned long)off, p(out),
			p(tail));
		vmbf__args_result("S6", vmb_slice_split_at(s, off, out, tail, &e), want);
		vmbf__args_fields("S6", &e, want, off, 0);
		if (want == 0)
			vmbf__args_detail("S6", a.len == off && b.len == s.len - off && b.base == s.base + off,
			       "the halves");
		break;
	}
	/* Outputs are untouched on failure. */
	if (want != 0)
		vmbf__args_detail("S5", memcmp(&a, &keep, sizeof(a)) == 0 && memcmp(&b, &keep, sizeof(b)) == 0,
		       "an output written by a failing call");
}

/* ---- slices: data ------------------------------------------------------------ */

void vmbf__args_c_slice_rw(struct ctx *c)
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

	memcpy(buf, vmbf__args_pattern, sizeof(buf));
	memset(vmbf__args_page, 0x5a, MEM + 8);
	if (kind >= 2 && want == 0 && n < len)
		want = VMB_EPARTIAL_BUFFER;
	vmbf__args_calling("vmb_slice_%s(L=%zu%s, %lu, %s, %lu)", names[kind], s.len, s.bitmap ? " bitmap" : "",
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
	vmbf__args_result("S4", rc, want);
	vmbf__args_fields("S4", &e, want, want == VMB_EPARTIAL_BUFFER ? len : a, n);
	if (kind < 2 && pdone)
		vmbf__args_detail("S3", done == n, "the count");
	if (n > 0)
		vmbf__args_detail("S3", is_read ? memcmp(buf, s.base + a, n) == 0 : memcmp(s.base + a, vmbf__args_pattern, n) == 0,
		       "the bytes copied");
}

void vmbf__args_c_slice_io(struct ctx *c)
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

	memcpy(data, vmbf__args_pattern, sizeof(data));
	vmb_buf_source_init(&bs, data, have);
	vmb_buf_sink_init(&bk, data, have);
	struct vmb_source *src = which == 0 ? NULL : which == 1 ? &nofn : &bs.base;
	struct vmb_sink *dst = which == 0 ? NULL : which == 1 ? &nosink : &bk.base;
	uint64_t k = a <= s.len ? (n < s.len - a ? n : s.len - a) : 0;

	if (kind < 2) {
		/* S7: one call, clamped; a > L is OutOfBounds{a}. */
		want = which < 2 ? BAD : a > s.len ? VMB_EOUT_OF_BOUNDS : 0;
		f1 = a;
		vmbf__args_calling("vmb_slice_%s(L=%zu, %lu, %s, %lu) holding %zu",
			kind ? "write_volatile_to" : "read_volatile_from", s.len, (unsigned long)a,
			which == 0 ? "NULL" : which == 1 ? "no function" : "buffer", (unsigned long)n, have);
		rc = kind ? vmb_slice_write_volatile_to(s, a, dst, n, &done, &e)
			  : vmb_slice_read_volatile_from(s, a, src, n, &done, &e);
		vmbf__args_result("S7", rc, want);
		vmbf__args_fields("S7", &e, want, f1, 0);
		vmbf__args_detail("S7", done == (want ? 0 : k < have ? k : have), "the count");
	} else {
		/* S8: the range first (S5), then I3 / WriteZero. */
		want = which < 2 ? BAD : want_range(a, n, s.len, &f1, &f2);
		if (want == 0 && n > have)
			want = VMB_EIO;
		vmbf__args_calling("vmb_slice_%s(L=%zu, %lu, %s, %lu) holding %zu",
			kind == 3 ? "write_all_volatile_to" : "read_exact_volatile_from", s.len,
			(unsigned long)a, which == 0 ? "NULL" : which == 1 ? "no function" : "buffer",
			(unsigned long)n, have);
		rc = kind == 3 ? vmb_slice_write_all_volatile_to(s, a, dst, n, &e)
			       : vmb_slice_read_exact_volatile_from(s, a, src, n, &e);
		vmbf__args_result("S8", rc, want);
		if (want == VMB_EIO)
			vmbf__args_detail("S8", e.io_kind == (kind == 3 ? VMB_IO_WRITE_ZERO : VMB_IO_UNEXPECTED_EOF),
			       "the I/O kind");
		else
			vmbf__args_fields("S8", &e, want, f1, f2);
	}
}

void vmbf__args_c_slice_atomic(struct ctx *c)
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

	vmbf__args_calling("vmb_slice_%s(L=%zu, %lu, width %u, order %d, %s)", load ? "load" : "store", s.len,
		(unsigned long)a, w, order, p(pv));
	vmbf__args_result("S9", load ? vmb_slice_load(s, a, w, vmb_ordering_of(order), pv, &e) : vmb_slice_store(s, a, w, vmb_ordering_of(order), v, &e),
	       want);
	vmbf__args_fields("S9", &e, want, f1, f2);
}

void vmbf__args_c_slice_copies(struct ctx *c)
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
	vmbf__args_calling("vmb_slice_copy_%s_array(L=%zu, %s, %lu, %lu, %s)", from ? "from" : "to", s.len, p(b),
		(unsigned long)nel, (unsigned long)esz, p(pc));
	vmbf__args_result("S10", from ? vmb_slice_copy_from_array(s, b, nel, esz, pc)
			   : vmb_slice_copy_to_array(s, b, nel, esz, pc), want);
	if (pc)
		vmbf__args_detail("S10", copied == (want ? 0 : fit), "the element count");
	/* copy_to with an empty slice on either side, NULL-based. */
	if (vmb_slice_init(&empty, NULL, 0) != 0)
		vmbf_fail("harness", "cannot make an empty slice");
	vmbf__args_calling("vmb_slice_copy_to(L=%zu, empty, %s)", s.len, p(pc));
	vmbf__args_result("S10", vmb_slice_copy_to(vmbf_bool(d) ? s : empty, empty, pc), 0);
	if (pc)
		vmbf__args_detail("S10", copied == 0, "the count of an empty copy");
}

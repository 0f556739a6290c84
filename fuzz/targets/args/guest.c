/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* The args target's calls: the generic interface (vmb_bytes), guest memory and regions (G1-G11). */
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

/* ---- the generic interface ------------------------------------------------------ */

/* Wraps on purpose: addresses past 2^64 - 1 are among its bad arguments (ubsan preset). */
VMBF_WRAPS void vmbf__args_c_bytes(struct ctx *c)
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

	memcpy(buf, vmbf__args_pattern, sizeof(buf));
	vmb_buf_source_init(&bs, vmbf__args_pattern, sizeof(vmbf__args_pattern));
	vmb_buf_sink_init(&bk, buf, sizeof(buf));
	vmbf__args_calling("vmb_bytes op %u on %s (L=%lu) at 0x%lx, %s, n %lu", op,
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
		vmbf__args_result(rule, rc, want);
		vmbf__args_fields(rule, &e, want, f1, f2);
		if (op < 2)
			vmbf__args_detail(rule, done == cnt, "the count");
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
		vmbf__args_result(which == 1 ? "G7" : "S7", rc, want);
		vmbf__args_fields("S7", &e, want, f1, f2);
		vmbf__args_detail("S7", done == cnt, "the count");
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
		vmbf__args_result(which == 1 ? "G8" : "S9", rc, want);
		vmbf__args_fields("S9", &e, want, f1, f2);
		break;
	}
	default: {
		/* The exact forms with a NULL source or sink, or none at all. */
		bool none = vmbf_bool(d);

		rc = vmbf_bool(d) ? vmb_bytes_read_exact_volatile_from(b, a, none ? NULL : &bs.base, n, &e)
				  : vmb_bytes_write_all_volatile_to(b, a, none ? NULL : &bk.base, n, &e);
		if (which == 2 || none)
			vmbf__args_result("S8", rc, BAD);
		else
			vmbf__args_detail("S8", rc != BAD, "InvalidArgument for valid arguments");
		break;
	}
	}
}

/* ---- guest memory and regions ------------------------------------------------------ */

void vmbf__args_c_guest_new(struct ctx *c)
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
	vmbf__args_calling("vmb_guest_new(%s, %zu, %s) [list shape %u]", list ? "list" : "NULL", n, p(out), shape);
	vmbf__args_result("G2", vmb_guest_new(list, n, out, &e), want);
	if (want == 0) {
		struct vmb_region *r = NULL;

		vmbf__args_detail("G2", vmb_guest_num_regions(g) == 1, "one region");
		if (vmb_guest_remove(g, 0x2000, MEM, &r, NULL) != 0 || r != c->spare)
			vmbf__args_detail("G2", false, "cannot take the region back");
		vmb_guest_free(g);
	} else {
		vmbf__args_detail("G2", g == (struct vmb_guest *)1, "the output written by a failing call");
	}
}

/* Wraps on purpose: the oracle computes where a wrapping range ends (ubsan preset). */
VMBF_WRAPS void vmbf__args_c_guest_calls(struct ctx *c)
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
		vmbf__args_calling("vmb_guest_get_host_address(%s, 0x%lx, %s)", p(g), (unsigned long)a, p(ph));
		vmbf__args_result("G3", vmb_guest_get_host_address(g, a, ph, &e), want);
		vmbf__args_fields("G3", &e, want, a, 0);
		if (want == 0)
			vmbf__args_detail("G3", host == (uint8_t *)vmb_region_host_base(vmb_guest_region_at(g, 0)) +
						     (a - 0x1000), "the host address");
		break;
	case 1:
		want = g == NULL || ps == NULL ? BAD : !in ? VMB_EINVALID_GUEST_ADDRESS
			: n > 0x1000 + MEM - a ? VMB_EINVALID_BACKEND_ADDRESS : 0;
		vmbf__args_calling("vmb_guest_get_slice(%s, 0x%lx, %lu, %s)", p(g), (unsigned long)a,
			(unsigned long)n, p(ps));
		vmbf__args_result("G9", vmb_guest_get_slice(g, a, n, ps, &e), want);
		vmbf__args_fields("G9", &e, want, a, 0);
		break;
	case 2: {
		vmbf__args_calling("vmb_guest_check_range(%s, 0x%lx, %lu)", p(g), (unsigned long)a, (unsigned long)n);
		bool want_ok = g != NULL && (n == 0 || (in && n <= 0x1000 + MEM - a));

		vmbf__args_detail("G10", vmb_guest_check_range(g, a, n) == want_ok, "check_range");
		vmbf__args_calling("vmb_guest_find_region(%s, 0x%lx)", p(g), (unsigned long)a);
		vmbf__args_detail("G3", (vmb_guest_find_region(g, a) != NULL) == (g && in), "find_region");
		vmbf__args_calling("accessors of %s", p(g));
		vmbf__args_detail("G3", vmb_guest_num_regions(g) == (g ? 1u : 0u) &&
				     vmb_guest_region_at(g, 1) == NULL &&
				     (vmb_guest_region_at(g, 0) != NULL) == (g != NULL) &&
				     vmb_guest_last_addr(g) == (g ? 0x1000u + MEM - 1 : 0),
		       "accessors");
		break;
	}
	case 3: {
		/* G10: init with NULLs is a no-op; next with NULLs is InvalidArgument. */
		vmbf__args_calling("vmb_guest_slices_init(%s, %s, 0x%lx, %lu) + next(%s, %s)", p(pit), p(g),
			(unsigned long)a, (unsigned long)n, p(pit), p(ps));
		vmb_guest_slices_init(pit, g, a, n);
		int rc = vmb_guest_slices_next(pit, ps, &e);

		if (pit == NULL || ps == NULL)
			vmbf__args_result("G10", rc, BAD);
		else if (g == NULL || n == 0)
			vmbf__args_result("G10", rc, 0);
		else if (!in)
			vmbf__args_result("G10", rc, VMB_EINVALID_GUEST_ADDRESS);
		else
			vmbf__args_result("G10", rc, 1);
		break;
	}
	case 4:
		/* Remove with a NULL out, or a range that is not exactly the region's. */
		want = g == NULL || pr == NULL ? BAD : VMB_ENO_MEMORY_REGION;
		vmbf__args_calling("vmb_guest_remove(%s, 0x%lx, %lu, %s)", p(g), (unsigned long)a,
			(unsigned long)n, p(pr));
		if (a == 0x1000 && n == MEM)
			n++; /* never the region itself */
		vmbf__args_result("G2", vmb_guest_remove(g, a, n, pr, &e), want);
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
		vmbf__args_calling("vmb_guest_insert(%s, %s at 0x%lx)", p(g),
			ins == NULL ? "NULL" : ins == c->spare ? "a free region" : "an owned region",
			(unsigned long)at);
		vmbf__args_result("G2", vmb_guest_insert(g, ins, &e), want);
		if (want == 0 && (vmb_guest_remove(g, at, MEM, &r, NULL) != 0 || r != c->spare))
			vmbf__args_detail("G2", false, "cannot take the region back");
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
VMBF_WRAPS void vmbf__args_c_guest_typed(struct ctx *c)
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
	const void *src = nobuf ? NULL : vmbf__args_pattern;
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
	vmbf__args_calling("vmb_guest_%s(%s, 0x%lx, %s, %lu, width %u, order %d)", what, p(g),
		(unsigned long)a, nobuf ? "NULL" : "ptr", (unsigned long)n, w, order);
	vmbf__args_result("G6", rt, rg);
	vmbf__args_detail("G6", rt == 0 || memcmp(&et, &eg, sizeof(et)) == 0, "error details unlike the generic call's");
	vmbf__args_detail("G6", dt == dg && vt == vg && memcmp(got_t, got_g, sizeof(got_t)) == 0,
	       "count, value or bytes unlike the generic call's");
}

/* Wraps on purpose: the oracle computes where a wrapping range ends (ubsan preset). */
VMBF_WRAPS void vmbf__args_c_region(struct ctx *c)
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
		vmbf__args_calling("vmb_region_get_slice(%s, %lu, %lu, %s)", p(r), (unsigned long)off,
			(unsigned long)n, p(ps));
		vmbf__args_result("G9", vmb_region_get_slice(r, off, n, ps, &e), want);
		vmbf__args_calling("vmb_region_as_slice(%s, %s)", p(r), p(ps));
		vmbf__args_result("G9", vmb_region_as_slice(r, ps), r && ps ? 0 : BAD);
		break;
	case 1:
		/* Only lengths that G1 refuses, or a NULL: nothing is mapped. */
		if (pcfg && cfg.len > 0 && cfg.start + cfg.len >= cfg.start)
			cfg.len = 0;
		want = pcfg == NULL || out == NULL ? BAD : VMB_EINVALID_GUEST_REGION;
		vmbf__args_calling("vmb_region_new(%s start 0x%lx len %lu, %s)", p(pcfg), (unsigned long)cfg.start,
			(unsigned long)cfg.len, p(out));
		vmbf__args_result("G1", vmb_region_new(pcfg, out, &e), want);
		vmbf__args_detail("G1", made == NULL, "an output written by a failing call");
		break;
	case 2: {
		uint64_t to = vmbf_bool(d) ? UINT64_MAX - vmbf_u8(d) % (2 * MEM) : vmbf_u16(d);

		want = r == NULL ? BAD : to + MEM < to ? VMB_EINVALID_GUEST_REGION : 0;
		vmbf__args_calling("vmb_region_set_start(%s, 0x%lx)", p(r), (unsigned long)to);
		vmbf__args_result("G1", vmb_region_set_start(r, to, &e), want);
		if (vmb_region_set_start(c->spare, 0x2000, NULL) != 0)
			vmbf_fail("harness", "cannot move the spare region back");
		/* The owned one: InvalidArgument. */
		vmbf__args_calling("vmb_region_set_start(an owned region, 0x%lx)", (unsigned long)to);
		vmbf__args_result("G1", vmb_region_set_start(vmb_guest_region_at(c->g, 0), to, &e), BAD);
		break;
	}
	default:
		vmbf__args_calling("region accessors of %s", p(r));
		vmbf__args_detail("G1", vmb_region_len(r) == (r ? MEM : 0) && vmb_region_start(r) == (r ? 0x2000 : 0) &&
				     vmb_region_fd(r) < 0 && vmb_region_file_offset(r) == 0 &&
				     vmb_region_bitmap(r) == NULL &&
				     (vmb_region_host_base(r) != NULL) == (r != NULL) &&
				     vmb_region_last_addr(r) == (r ? 0x2000u + MEM - 1 : 0) &&
				     (r == NULL || vmb_region_kind(r) == VMB_REGION_ANON) &&
				     (vmb_region_bytes(r).ops != NULL) == (r != NULL),
		       "accessors");
		/* Freeing nothing is a no-op. */
		vmbf__args_calling("vmb_*_free(NULL)");
		vmb_region_free(NULL);
		vmb_guest_free(NULL);
		vmb_bitmap_free(NULL);
		vmb_datafile_free(NULL);
		vmb_remote_free(NULL);
		break;
	}
}

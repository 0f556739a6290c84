/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* The args target's calls: bitmaps, sources and sinks, error formatting (S11, I2, SPEC 6). */
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

/* ---- bitmaps, sources and sinks, errors ---------------------------------------------- */

/* Wraps on purpose: the oracle computes where a wrapping range ends (ubsan preset). */
VMBF_WRAPS void vmbf__args_c_bitmap(struct ctx *c)
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
		vmbf__args_calling("vmb_bitmap_new(%lu, %lu, %s)", (unsigned long)len, (unsigned long)page_size, p(out));
		vmbf__args_result("S11", vmb_bitmap_new(len, page_size, out), want);
		if (want == 0)
			vmbf__args_detail("S11", vmb_bitmap_page_size(made) == page_size &&
					      vmb_bitmap_pages(made) == (len + page_size - 1) / page_size,
			       "the new bitmap");
		vmb_bitmap_free(made);
		break;
	case 1: {
		/* Marks over any range: bits past the end are ignored, nothing wraps. */
		vmbf__args_calling("vmb_bitmap_mark/reset_range(%s, %lu, %lu)", p(b), (unsigned long)a,
			(unsigned long)n);
		vmb_bitmap_reset(c->bm);
		vmb_bitmap_mark(b, a, n);
		/* A range whose last byte would wrap marks nothing (bitmap.h). */
		bool wraps = n > 0 && a + (n - 1) < a;
		uint64_t last = a + n - 1;

		for (uint64_t pg = 0; pg < 4096 / 16; pg++) {
			bool want_dirty = b && n > 0 && !wraps && pg >= a / 16 && pg <= last / 16;

			vmbf__args_detail("S11", vmb_bitmap_is_page_dirty(c->bm, pg) == want_dirty, "a page's bit");
		}
		vmb_bitmap_reset_range(b, a, n);
		vmbf__args_detail("S11", !vmb_bitmap_is_dirty(c->bm, a) && !vmb_bitmap_is_dirty(NULL, a) &&
				      !vmb_bitmap_is_page_dirty(NULL, a) &&
				      vmb_bitmap_page_size(NULL) == 0 && vmb_bitmap_pages(NULL) == 0,
		       "reset_range");
		break;
	}
	default: {
		/* A word per 64 pages of the input's bitmap (it may have grown). */
		want = b == NULL || pw == NULL || nw < need ? BAD : 0;
		vmbf__args_calling("vmb_bitmap_get_and_reset(%s, %s, %zu) of %zu pages", p(b), p(pw), nw,
			vmb_bitmap_pages(c->bm));
		vmbf__args_result("S11", vmb_bitmap_get_and_reset(b, pw, nw), want);
		if (len > 1 << 16)
			len = 4096 + len % (1 << 16);
		want = b == NULL || len < c->bm_len ? BAD : 0;
		vmbf__args_calling("vmb_bitmap_enlarge(%s, %lu) of %zu bytes", p(b), (unsigned long)len, c->bm_len);
		vmbf__args_result("S11", vmb_bitmap_enlarge(b, len), want);
		if (want == 0)
			c->bm_len = len;
		break;
	}
	}
}

void vmbf__args_c_io(struct ctx *c)
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
	vmb_buf_source_init(&inner_src, data, 0);
	vmb_buf_sink_init(&inner_sink, data, 0);
	vmbf__args_calling("vmb_fd_source_init(%s, %d) / vmb_fd_sink_init(%s, %d)", p(pfs), fd, p(pfk), fd);
	vmbf__args_result("I2", vmb_fd_source_init(pfs, fd), pfs && fd >= 0 ? 0 : BAD);
	vmbf__args_result("I2", vmb_fd_sink_init(pfk, fd), pfk && fd >= 0 ? 0 : BAD);
	vmbf__args_calling("vmb_buf_source_init(%s, %s, %lu) / vmb_buf_sink_init(%s, %s, %lu)", p(pbs), p(pd),
		(unsigned long)len, p(pbk), p(pd), (unsigned long)len);
	vmbf__args_result("I2", vmb_buf_source_init(pbs, pd, len), pbs && (pd || len == 0) ? 0 : BAD);
	vmbf__args_result("I2", vmb_buf_sink_init(pbk, pd, len), pbk && (pd || len == 0) ? 0 : BAD);
	vmbf__args_calling("vmb_fault_source_init(%s, %s, %s [kind %d arg %zu], %zu)", p(pqs), p(in_s), p(pplan),
		(int)plan[0].kind, plan[0].arg, np);
	/* A plan of one step or two: the second is PASS. */
	vmbf__args_result("I2", vmb_fault_source_init(pqs, in_s, pplan, np, vmbf_bool(d)),
	       pqs && in_s && plan_ok ? 0 : BAD);
	vmbf__args_calling("vmb_fault_sink_init(%s, %s, %s [kind %d arg %zu], %zu)", p(pqk), p(in_k), p(pplan),
		(int)plan[0].kind, plan[0].arg, np);
	vmbf__args_result("I2", vmb_fault_sink_init(pqk, in_k, pplan, np, vmbf_bool(d)),
	       pqk && in_k && plan_ok ? 0 : BAD);
}

void vmbf__args_c_errors(struct ctx *c)
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

	vmbf__args_calling("vmb_strerror/vmb_error_name(%d)", code);
	vmbf__args_detail("SPEC6", vmb_strerror(code) != NULL && vmb_error_name(code) != NULL, "a NULL name");
	vmbf__args_calling("vmb_error_format(%s code %d, %s, %zu)", p(pe), code, p(pb), cap);
	int n = vmb_error_format(pe, pb, cap), whole = vmb_error_format(pe, full, sizeof(full));

	if (pb == NULL && cap > 0) {
		vmbf__args_result("SPEC6", n, BAD);
	} else {
		vmbf__args_detail("SPEC7", n == whole && whole > 0 && (size_t)whole < sizeof(full), "the length");
		if (pb && cap > 0)
			vmbf__args_detail("SPEC7", strlen(pb) == ((size_t)n < cap ? (size_t)n : cap - 1) &&
						strncmp(pb, full, strlen(pb)) == 0,
			       "the text, cut to the buffer");
	}
}

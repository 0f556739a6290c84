/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * What the args target's files share: fuzz/targets/args.c (the target,
 * its reporting and trace) and the calls, by family, in args/slice.c,
 * args/guest.c, args/bitmap_io.c and args/copy.c. The argument classes
 * and the documented results are small and pure: inline here.
 */
#ifndef VMBYTES_FUZZ_TARGET_ARGS_H
#define VMBYTES_FUZZ_TARGET_ARGS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "fuzz.h"

#define MEM 64

enum { BAD = VMB_EINVALID_ARGUMENT };

extern uint8_t *vmbf__args_page;            /* page-aligned, 4096 bytes */
extern uint8_t vmbf__args_pattern[4 * MEM]; /* what writes write */

/* ---- reporting (args.c) ---------------------------------------------------- */

/* The call about to be made, for reports and the decode trace. */
__attribute__((format(printf, 1, 2))) void vmbf__args_calling(const char *fmt, ...);
/* The result @got of the current call must be @want. */
void vmbf__args_result(const char *rule, int got, int want);
/* @ok must hold for the current call; @what names it. */
void vmbf__args_detail(const char *rule, bool ok, const char *what);
/* @e's fields for the documented error @rc. */
void vmbf__args_fields(const char *rule, const struct vmb_error *e, int rc, uint64_t a, uint64_t b);

/* ---- argument classes ------------------------------------------------------ */

/* A count or an offset around a container of @len bytes. */
static inline uint64_t size_arg(struct vmbf_producer *d, uint64_t len)
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
static inline void *ptr_arg(struct vmbf_producer *d, void *p)
{
	return vmbf_u8(d) % 3 == 0 ? NULL : p;
}

static inline int order_arg(struct vmbf_producer *d)
{
	static const int orders[] = { VMB_ORDER_RELAXED, VMB_ORDER_ACQUIRE, VMB_ORDER_RELEASE,
				      VMB_ORDER_ACQ_REL, VMB_ORDER_SEQ_CST, -1,
				      5,                 INT_MIN };

	return orders[vmbf_u8(d) % 8];
}

static inline unsigned width_arg(struct vmbf_producer *d)
{
	static const unsigned widths[] = { 1, 2, 4, 8, 0, 3, 16, UINT_MAX };

	return widths[vmbf_u8(d) % 8];
}

static inline const char *p(const void *q)
{
	return q ? "ptr" : "NULL";
}

/* ---- the documented results ------------------------------------------------ */

/* S5: get_slice(a, n) of an L-byte container. */
/* Wraps on purpose: the oracle computes where a wrapping range ends (ubsan preset). */
VMBF_WRAPS static inline int want_range(uint64_t a, uint64_t n, uint64_t L, uint64_t *f1, uint64_t *f2)
{
	*f1 = a, *f2 = n;
	if (a + n < a)
		return VMB_EOVERFLOW;
	*f1 = a + n;
	return a + n > L ? VMB_EOUT_OF_BOUNDS : 0;
}

/* S1-S3 with the NULL check: write/read of @len at @a, *@n the count. */
static inline int want_rw(uint64_t a, const void *buf, uint64_t len, uint64_t L, uint64_t *n)
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
static inline int want_atomic(bool load, int order, unsigned w, const void *v, uint64_t a, uint64_t L,
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

/* args/slice.c */
void vmbf__args_c_slice_init(struct ctx *c);
void vmbf__args_c_views(struct ctx *c);
void vmbf__args_c_slice_rw(struct ctx *c);
void vmbf__args_c_slice_io(struct ctx *c);
void vmbf__args_c_slice_atomic(struct ctx *c);
void vmbf__args_c_slice_copies(struct ctx *c);
/* args/guest.c */
void vmbf__args_c_bytes(struct ctx *c);
void vmbf__args_c_guest_new(struct ctx *c);
void vmbf__args_c_guest_calls(struct ctx *c);
void vmbf__args_c_guest_typed(struct ctx *c);
void vmbf__args_c_region(struct ctx *c);
/* args/bitmap_io.c */
void vmbf__args_c_bitmap(struct ctx *c);
void vmbf__args_c_io(struct ctx *c);
void vmbf__args_c_errors(struct ctx *c);
/* args/copy.c */
void vmbf__args_c_copy(struct ctx *c);
void vmbf__args_c_helpers(struct ctx *c);
void vmbf__args_c_files(struct ctx *c);

#endif /* VMBYTES_FUZZ_TARGET_ARGS_H */

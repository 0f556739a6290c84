/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* The args target's calls: copies, the inline helpers, data files and remote processes (S10, D1, R1). */
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

/* ---- copies, and the inline helpers --------------------------------------------------- */

void vmbf__args_c_copy(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	int st = (int)vmbf_u8(d) % (VMB_COPY_STRATEGY_COUNT + 3) - 1;
	uint8_t src[64], dst[64];
	void *pd = ptr_arg(d, dst), *ps = ptr_arg(d, src);
	uint64_t n = vmbf_bool(d) ? 0 : vmbf_range(d, 1, sizeof(dst));
	bool known = st >= 0 && st < VMB_COPY_STRATEGY_COUNT;
	bool avail = known && vmb_copy_strategy_available((enum vmb_copy_strategy)st);

	memcpy(src, vmbf__args_pattern, sizeof(src));
	vmbf__args_calling("vmb_copy_strategy_copy(%d, %s, %s, %lu)", st, p(pd), p(ps), (unsigned long)n);
	vmbf__args_result("S10", vmb_copy_strategy_copy((enum vmb_copy_strategy)st, pd, ps, n),
	       avail && ((pd && ps) || n == 0) ? 0 : BAD);
	vmbf__args_calling("vmb_copy_strategy_name(%d) / from_name", st);
	vmbf__args_detail("S10", vmb_copy_strategy_name((enum vmb_copy_strategy)st) != NULL &&
			      vmb_copy_strategy_from_name(NULL) < 0 &&
			      vmb_copy_strategy_from_name("no such strategy") < 0 &&
			      (!known || vmb_copy_strategy_from_name(vmb_copy_strategy_name(
					 (enum vmb_copy_strategy)st)) == st),
	       "strategy names");
	vmbf__args_calling("vmb_copy_force(%d) of an unknown strategy, set_tuning(NULL), load_tuning(NULL)", st);
	if (!known)
		vmbf__args_result("S10", vmb_copy_force((enum vmb_copy_strategy)st), BAD);
	vmbf__args_calling("vmb_copy_strategy_available(%d), strategy_for(%lu), get_tuning(NULL)", st,
		(unsigned long)(n ? UINT64_MAX - n : 0));
	vmbf__args_detail("S10", known || !vmb_copy_strategy_available((enum vmb_copy_strategy)st),
	       "an unknown strategy is available");
	enum vmb_copy_strategy f = vmb_copy_strategy_for(n ? SIZE_MAX - n : 0);

	vmbf__args_detail("S10", (unsigned)f < VMB_COPY_STRATEGY_COUNT && (unsigned)vmb_copy_forced() <
								       VMB_COPY_STRATEGY_COUNT,
	       "strategy_for gave no strategy");
	vmb_copy_get_tuning(NULL);
	vmbf__args_result("S10", vmb_copy_set_tuning(NULL), BAD);
	vmbf__args_result("S10", vmb_copy_load_tuning(NULL), BAD);
	/* Empty copies and moves may name no memory at all. */
	vmbf__args_calling("vmb_copy/vmb_move/vmb_copy_small(%s, %s, 0)", p(pd), p(ps));
	vmb_copy(pd, ps, 0);
	vmb_move(pd, ps, 0);
	vmb_copy_small(pd, ps, 0);
}

/* Wraps on purpose: the oracle computes where a wrapping range ends (ubsan preset). */
VMBF_WRAPS void vmbf__args_c_helpers(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	uint64_t a = size_arg(d, MEM), n = size_arg(d, MEM), len = size_arg(d, MEM), r;
	int order = order_arg(d);
	unsigned w = width_arg(d);

	vmbf__args_calling("vmb_range_fits(%lu, %lu, %lu)", (unsigned long)a, (unsigned long)n, (unsigned long)len);
	vmbf__args_detail("S5", vmb_range_fits(a, n, len) == (a + n >= a && a + n <= len), "range_fits");
	vmbf__args_calling("vmb_is_pow2(%lu)", (unsigned long)n);
	vmbf__args_detail("S11", vmb_is_pow2(n) == (n != 0 && (n & (n - 1)) == 0), "is_pow2");
	vmbf__args_calling("vmb_add/mul_overflow_u64(%lu, %lu)", (unsigned long)a, (unsigned long)n);
	vmbf__args_detail("S5", vmb_add_overflow_u64(a, n, &r) == (a + n < a) && r == a + n &&
			     vmb_sub_overflow_u64(a, n, &r) == (a < n) && r == a - n &&
			     vmb_mul_overflow_size(a, n, &r) == (a != 0 && (a * n) / a != n) &&
			     vmb_align_up_overflow(a, n, &r) ==
				     (!vmb_is_pow2(n) || a + (n - 1) < a),
	       "checked arithmetic");
	vmbf__args_calling("vmb_order_valid_for_store/load(%d), vmb_width_valid(%u)", order, w);
	vmbf__args_detail("S9", vmb_order_valid_for_store(vmb_ordering_of(order)) ==
			     (order == VMB_ORDER_RELAXED || order == VMB_ORDER_RELEASE || order == VMB_ORDER_SEQ_CST) &&
			     vmb_order_valid_for_load(vmb_ordering_of(order)) ==
				     (order == VMB_ORDER_RELAXED || order == VMB_ORDER_ACQUIRE || order == VMB_ORDER_SEQ_CST) &&
			     vmb_width_valid(w) == (w == 1 || w == 2 || w == 4 || w == 8),
	       "validity");
	vmbf__args_calling("endian round trips of 0x%lx", (unsigned long)a);
	vmbf__args_detail("S9", vmb_bswap64(vmb_bswap64(a)) == a && vmb_le64_to(vmb_le64_from(a)) == a &&
			     vmb_be64_to(vmb_be64_from(a)) == a &&
			     vmb_be32_to(vmb_be32_from((uint32_t)a)) == (uint32_t)a &&
			     vmb_le16_to(vmb_le16_from((uint16_t)a)) == (uint16_t)a &&
			     vmb_bswap32(vmb_bswap32((uint32_t)a)) == (uint32_t)a &&
			     vmb_bswap16((uint16_t)a) == (uint16_t)(((uint16_t)a >> 8) | ((uint16_t)a << 8)),
	       "endian");
}

/* Wraps on purpose: the oracle computes where a wrapping range ends (ubsan preset). */
VMBF_WRAPS void vmbf__args_c_files(struct ctx *c)
{
	struct vmbf_producer *d = c->d;
	struct vmb_datafile *f = NULL, **pf = ptr_arg(d, &f);
	struct vmb_remote *rm = NULL, **pr = ptr_arg(d, &rm);
	int fd = vmbf_bool(d) ? -1 - vmbf_u8(d) % 2 : INT_MIN;
	uint64_t len = vmbf_bool(d) ? (uint64_t)INT64_MAX + 1 + vmbf_u8(d) : 16;
	pid_t pid = vmbf_bool(d) ? -(pid_t)(vmbf_u8(d) % 2) : getpid();
	uint64_t base = vmbf_bool(d) ? UINT64_MAX - vmbf_u8(d) % 16 : (uint64_t)(uintptr_t)vmbf__args_page;
	uint64_t rlen = size_arg(d, MEM);

	/* Only bad calls: a negative fd, a NULL out or a length past off_t. */
	vmbf__args_calling("vmb_datafile_new(%d, %lu, %s)", fd, (unsigned long)len, p(pf));
	vmbf__args_result("D1", vmb_datafile_new(fd, len, pf, NULL), BAD);
	vmbf__args_detail("D1", f == NULL && vmb_datafile_len(NULL) == 0 && vmb_datafile_bytes(NULL).ops == NULL,
	       "a failing datafile_new");
	bool wraps = base + rlen < base;

	/* Our pid and the page by name: a decoding must not depend on the run. */
	char pname[16], bname[32];

	snprintf(pname, sizeof(pname), "%d", (int)pid);
	snprintf(bname, sizeof(bname), "0x%lx", (unsigned long)base);
	vmbf__args_calling("vmb_remote_new(%s, %s, %lu, %s)", pid == getpid() ? "self" : pname,
		base == (uint64_t)(uintptr_t)vmbf__args_page ? "page" : bname, (unsigned long)rlen, p(pr));
	int want = pid <= 0 || pr == NULL || wraps ? BAD : 0;

	vmbf__args_result("R1", vmb_remote_new(pid, base, rlen, pr, NULL), want);
	vmbf__args_detail("R1", (rm != NULL) == (want == 0) && vmb_remote_bytes(NULL).ops == NULL,
	       "remote_new's output");
	vmb_remote_free(rm);
}

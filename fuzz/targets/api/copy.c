/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The api target's copy family (S10): every copy strategy against memcpy,
 * the dispatcher under random thresholds, and tuning files.
 */
/* The experimental tier (vmbytes/experimental.h): tuning, forcing and
 * test hooks. */
#define VMB_EXPERIMENTAL
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api.h"

/* S10 and every copy strategy: any size, any alignment, against memcpy;
 * the dispatcher under random thresholds; the strategy API's bad input. */
void vmbf__api_check_strategies(struct vmbf_producer *d)
{
	static uint8_t *src, *dst;
	enum { BIG = 3 << 16 };
	struct vmb_copy_tuning saved, t;

	if (src == NULL) {
		if ((src = malloc(BIG + 64)) == NULL || (dst = malloc(BIG + 64)) == NULL)
			abort();
		/* Filled once: refilling up to 192 KiB per input cost more than the copies. */
		vmbf__api_fill(src, BIG + 64, 131, 0);
	}
	int st = vmbf_u8(d) % (VMB_COPY_STRATEGY_COUNT + 1);
	size_t n = vmbf_bool(d) ? vmbf_range(d, 0, 300) : vmbf_range(d, 0, BIG);
	size_t so = vmbf_u8(d) % 64, dof = vmbf_u8(d) % 64;

	/*
	 * The byte-at-a-time strategy runs the same loop at 16 KiB as at
	 * 192 KiB, at a coverage callback per byte: most of the fuzzer's time
	 * went there. It keeps one large size in thirty-two. The streaming
	 * copy's sizes that matter (its 4 KiB switch, its 128-byte loop and
	 * the tail) all lie below 16 KiB; past that it only writes around the
	 * cache, and it keeps one large size in eight.
	 */
	if (n > 0x4000 && ((st == VMB_COPY_BYTES && n % 32 != 0) ||
			   (st == VMB_COPY_NT && n % 8 != 0)))
		n %= 0x4001;

	memset(dst, 0xee, n + dof + 1);
	if (st == VMB_COPY_STRATEGY_COUNT) {
		/* The dispatcher, with thresholds from the input. */
		vmb_copy_get_tuning(&saved);
		t = saved;
		t.movsb_min = vmbf_range(d, 0, 9000);
		t.movsb_max = t.movsb_min + vmbf_range(d, 0, 70000);
		t.nt_min = vmbf_bool(d) ? SIZE_MAX : vmbf_range(d, 0, BIG);
		t.block = vmbf_bool(d) ? VMB_COPY_LIBC : saved.block;
		int rc = vmb_copy_set_tuning(&t);

		VMBF_CHECK("S10", rc == 0 || !vmb_copy_strategy_available(VMB_COPY_REP_MOVSB) ||
					  !vmb_copy_strategy_available(VMB_COPY_NT), "set_tuning refused");
		vmb_copy(dst + dof, src + so, n);
		VMBF_CHECK("S10", vmb_copy_set_tuning(&saved) == 0, "the saved tuning was refused");
	} else if (vmb_copy_strategy_available((enum vmb_copy_strategy)st)) {
		VMBF_CHECK("S10", vmb_copy_strategy_copy((enum vmb_copy_strategy)st, dst + dof, src + so, n) == 0,
			   "strategy %s refused", vmb_copy_strategy_name((enum vmb_copy_strategy)st));
	} else {
		VMBF_CHECK("S10", vmb_copy_strategy_copy((enum vmb_copy_strategy)st, dst, src, 1) ==
					  VMB_EINVALID_ARGUMENT, "an unavailable strategy ran");
		return;
	}
	VMBF_CHECK("S10", memcmp(dst + dof, src + so, n) == 0 && dst[dof + n] == 0xee &&
				  (dof == 0 || dst[dof - 1] == 0xee),
		   "strategy %d: n=%zu src+%zu dst+%zu", st, n, so, dof);
	/* The strategy API's arguments. */
	t.movsb_min = 2, t.movsb_max = 1, t.block = VMB_COPY_AVX2, t.nt_min = SIZE_MAX;
	VMBF_CHECK("S10", vmb_copy_set_tuning(NULL) == VMB_EINVALID_ARGUMENT &&
				  vmb_copy_set_tuning(&t) == VMB_EINVALID_ARGUMENT &&
				  vmb_copy_strategy_copy(VMB_COPY_LIBC, NULL, src, 1) == VMB_EINVALID_ARGUMENT &&
				  vmb_copy_strategy_copy(VMB_COPY_LIBC, dst, NULL, 1) == VMB_EINVALID_ARGUMENT &&
				  vmb_copy_strategy_copy(VMB_COPY_LIBC, NULL, NULL, 0) == 0 &&
				  vmb_copy_force((enum vmb_copy_strategy)VMB_COPY_STRATEGY_COUNT) ==
					  VMB_EINVALID_ARGUMENT,
		   "strategy API arguments");
}

/*
 * Tuning files (vmb_copy_load_tuning) built line by line from the input, so
 * that whether each line is good is known by construction: comments of any
 * length, blank lines, each key with good and bad values, over-long lines.
 * A file is put in force exactly when every line is good and the tuning is
 * one this CPU can run; a refused one changes nothing. Then the size
 * classes (vmb_copy_strategy_for) against a model of the dispatcher.
 */
unsigned vmbf__api_tuning_steps; /* of this input: LLVMFuzzerTestOneInput() resets it */

void vmbf__api_check_tuning(struct vmbf_producer *d)
{
	static int fd = -1;
	static const char *const blocks[] = { "avx512", "avx2", "libc_dispatched", "bytes", "default", "AVX2",
					      "" };
	static char path[64];
	struct vmb_copy_tuning saved, want, got;
	char text[2048];
	size_t len = 0;
	bool good = true;

	vmb_copy_get_tuning(&saved);
	/* This CPU's key first: a file without one is refused whatever else
	 * it holds (core/tests/copy.c tests the keys). */
	if (vmb_copy_host_cpu(text, 96) != 0)
		vmbf_fail("harness", "vmb_copy_host_cpu failed");
	/*
	 * The built-ins that keys left out keep: the measured AVX-512 classes
	 * on AMD family 1Ah (26) with AVX-512, streaming stores and rep movsb;
	 * memcpy itself (libc, no large class) on any other CPU.
	 */
	bool known = strncmp(text, "AuthenticAMD/26/", 16) == 0 &&
		     vmb_copy_strategy_available(VMB_COPY_AVX512) &&
		     vmb_copy_strategy_available(VMB_COPY_NT) &&
		     vmb_copy_strategy_available(VMB_COPY_REP_MOVSB);

	want.block = known ? VMB_COPY_AVX512 : VMB_COPY_LIBC;
	want.movsb_min = known ? (size_t)24 << 10 : 0;
	want.movsb_max = known ? (size_t)8 << 20 : 0;
	want.nt_min = known ? (size_t)8 << 20 : SIZE_MAX;
	memmove(text + 4, text, strlen(text) + 1);
	memcpy(text, "cpu=", 4);
	len = strlen(text);
	text[len++] = '\n';
	for (int lines = vmbf_u8(d) % 7; lines > 0 && len < sizeof(text) - 600; lines--) {
		unsigned kind = vmbf_u8(d) % 8;
		uint64_t v = vmbf_bool(d) ? vmbf_range(d, 0, 1 << 17) : vmbf_u64(d);
		int k = 0;

		switch (kind) {
		case 0: { /* a comment, up to 3x the loader's line buffer */
			size_t n = vmbf_range(d, 1, 400);

			text[len] = '#';
			memset(text + len + 1, 'c', n - 1);
			k = (int)n;
			text[len + (size_t)k++] = '\n';
			break;
		}
		case 1:
			k = snprintf(text + len, 600, "\n");
			break;
		case 2: {
			size_t b = vmbf_u8(d) % (sizeof(blocks) / sizeof(blocks[0]));
			int id = vmb_copy_strategy_from_name(blocks[b]);

			k = snprintf(text + len, 600, "block=%s\n", blocks[b]);
			if (id < 0)
				good = false;
			else
				want.block = (enum vmb_copy_strategy)id;
			break;
		}
		case 3:
		case 4:
		case 5: {
			static const char *const keys[] = { "movsb_min", "movsb_max", "nt_min" };
			const char *key = keys[kind - 3];
			size_t *field = kind == 3 ? &want.movsb_min : kind == 4 ? &want.movsb_max
									: &want.nt_min;

			switch (vmbf_u8(d) % 5) {
			case 0:
				k = snprintf(text + len, 600, "%s=%lu\n", key, (unsigned long)v);
				*field = (size_t)v;
				break;
			case 1:
				k = snprintf(text + len, 600, " %s = 0x%lx\n", key, (unsigned long)v);
				*field = (size_t)v;
				break;
			case 2: /* only nt_min may say never */
				k = snprintf(text + len, 600, "%s=never\n", key);
				if (kind == 5)
					*field = SIZE_MAX;
				else
					good = false;
				break;
			case 3:
				k = snprintf(text + len, 600, "%s=-%lu\n", key, (unsigned long)v);
				good = false;
				break;
			default: /* a number too long for one line of the loader */
				k = snprintf(text + len, 600, "%s=%0140lu\n", key, (unsigned long)v);
				good = false;
				break;
			}
			break;
		}
		case 6:
			k = snprintf(text + len, 600, "colour=%lu\n", (unsigned long)v);
			good = false;
			break;
		default:
			k = snprintf(text + len, 600, "just words\n");
			good = false;
			break;
		}
		len += (size_t)k;
	}
	/* What vmb_copy_set_tuning() accepts. */
	bool settable = want.movsb_min <= want.movsb_max &&
			(want.block == VMB_COPY_AVX512 || want.block == VMB_COPY_AVX2 ||
			 want.block == VMB_COPY_LIBC) &&
			vmb_copy_strategy_available(want.block) &&
			(want.movsb_min == want.movsb_max ||
			 vmb_copy_strategy_available(VMB_COPY_REP_MOVSB)) &&
			(want.nt_min == SIZE_MAX || vmb_copy_strategy_available(VMB_COPY_NT));
	int rc;

	good = good && settable;
	/*
	 * The loader opens the file by its path, /proc/self/fd/N, and that
	 * open cost more than the rest of the step: the file goes through it
	 * on an input's first tuning step and one in four after (counted per
	 * input, so that which path runs depends on the input alone, not on
	 * how many inputs the process ran before it). On the others a
	 * settable tuning goes in with vmb_copy_set_tuning(), so the size
	 * classes below still run under thresholds from the input.
	 */
	if (vmbf__api_tuning_steps++ % 4 == 0) {
		/*
		 * One memfd for the process: the text goes over the last one
		 * and the length cuts off what is left of it. At offset 0:
		 * the memfd's file offset stays where the loader's reads left it.
		 */
		if (fd < 0) {
			if ((fd = memfd_create("vmbytes-api-tuning", MFD_CLOEXEC)) < 0)
				vmbf_fail("harness", "memfd_create: %s", strerror(errno));
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		}
		if (pwrite(fd, text, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) != 0)
			vmbf_fail("harness", "writing a tuning file: %s", strerror(errno));
		rc = vmb_copy_load_tuning(path);
		VMBF_CHECK("S10", rc == (good ? 0 : VMB_EINVALID_ARGUMENT),
			   "load_tuning gave %d for:\n%.*s", rc, (int)len, text);
		if (!good)
			want = saved;
	} else {
		rc = vmb_copy_set_tuning(&want);
		VMBF_CHECK("S10", rc == (settable ? 0 : VMB_EINVALID_ARGUMENT),
			   "set_tuning gave %d", rc);
		if (!settable)
			want = saved;
	}
	vmb_copy_get_tuning(&got);
	VMBF_CHECK("S10", got.block == want.block && got.movsb_min == want.movsb_min &&
				  got.movsb_max == want.movsb_max && got.nt_min == want.nt_min,
		   "tuning in force after loading or setting it (rc %d)", rc);
	/* The size classes under the thresholds in force. */
	for (int i = 0; i < 4; i++) {
		size_t n = vmbf_bool(d) ? vmbf_range(d, 0, 1 << 17) : (size_t)vmbf_u64(d);
		enum vmb_copy_strategy forced = vmb_copy_forced(); /* VMB_COPY_STRATEGY */
		/* vmb_copy() moves 9..63 bytes itself, the AVX-512 and AVX2
		 * dispatchers their head and tail blocks to 512 and 256. */
		size_t own = got.block == VMB_COPY_AVX512 ? 512 : got.block == VMB_COPY_AVX2 ? 256 : 63;
		enum vmb_copy_strategy c = n <= 8 ? VMB_COPY_DEFAULT
					   : forced != VMB_COPY_DEFAULT ? forced
					   : n <= own ? VMB_COPY_DEFAULT
					   : got.nt_min != SIZE_MAX && n >= got.nt_min ? VMB_COPY_NT
					   : n >= got.movsb_min && n < got.movsb_max ? VMB_COPY_REP_MOVSB
										    : got.block;

		VMBF_CHECK("S10", vmb_copy_strategy_for(n) == c, "strategy_for(%zu) = %s, want %s", n,
			   vmb_copy_strategy_name(vmb_copy_strategy_for(n)), vmb_copy_strategy_name(c));
	}
	VMBF_CHECK("S10", vmb_copy_load_tuning(NULL) == VMB_EINVALID_ARGUMENT, "load_tuning(NULL)");
	VMBF_CHECK("S10", vmb_copy_set_tuning(&saved) == 0, "the saved tuning was refused");
}

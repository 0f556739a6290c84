/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Fuzz target "remote": the process_vm_readv/writev container (R1). One
 * child per fuzzing process holds the memory; each input zeroes the range
 * it uses first, so inputs stay independent. The child is never reaped
 * while in use, so its pid cannot pass to another process: if it dies (a
 * kill from outside, the OOM killer), every access fails with ESRCH, and
 * a failure then is reported as the harness's (fail_check()); the next
 * input starts a new child.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "fuzz.h"

#define REMOTE_MAX 0x8000

static const struct vmbf_profile profile = {
	.name = "remote",
	.container = VMBO_SETUP_REMOTE,
	.max_regions = 1,
	.faults = true,
	.bitmaps = false,
	.max_len = REMOTE_MAX,
	.max_ops = 48,
};

/* The child lives as long as the fuzzing process: its pipe stays open. */
static struct vmbo_child child;

/* True once the child has exited (it stays a zombie until reaped below). */
static bool child_gone(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)child.pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 ||
	       si.si_pid == child.pid;
}

static const char *fail_check(void)
{
	return child.pid != 0 && child_gone() ? "the child holding the remote memory has died" : NULL;
}

static void start_child(void)
{
	if (vmbo_child_start(&child, REMOTE_MAX) != 0)
		abort();
	vmbf_set_fail_check(fail_check);
}

static int open_remote(struct vmbo_env *env, const struct vmbo_script *s, struct vmbo_text *out)
{
	static uint8_t zeros[REMOTE_MAX];
	uint64_t len = s->setup[0].len;

	if (s->nsetup != 1 || s->setup[0].kind != VMBO_SETUP_REMOTE || len > REMOTE_MAX)
		return vmbo_env_open(env, s, out);
	if (child.pid != 0 && child_gone())
		vmbo_child_stop(&child); /* reaped: no input holds its pid any more */
	if (child.pid == 0)
		start_child();
	memset(env, 0, sizeof(*env));
	env->file_fd = -1;
	env->kind = VMBO_SETUP_REMOTE;

	/* A new container starts zero-filled: its len bytes, all it can reach (R1). */
	struct iovec l = { zeros, len }, r = { (void *)(uintptr_t)child.base, len };

	if (len > 0 && process_vm_writev(child.pid, &l, 1, &r, 1, 0) != (ssize_t)len)
		vmbf_fail("harness", "zeroing the child's memory: %s", strerror(errno));
	if (vmb_remote_new(child.pid, child.base, len, &env->remote, NULL) != 0)
		vmbf_fail("R1", "remote on a live child refused");
	env->bytes = vmb_remote_bytes(env->remote);
	return 0;
}

static void close_remote(struct vmbo_env *env)
{
	vmb_remote_free(env->remote);
	memset(env, 0, sizeof(*env));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmbo_script s;

	vmbf_decode(&profile, data, size, &s);
	vmbf_check_script(&s, open_remote, close_remote);
	vmbo_script_free(&s);
	return 0;
}

void vmbf_target_decode(const uint8_t *data, size_t size, struct vmbo_text *out)
{
	vmbf_print_profile(&profile, data, size, out);
}

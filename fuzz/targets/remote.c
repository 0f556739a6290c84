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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

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

static pid_t child;
static uint64_t child_base;

/* True once the child has exited (it stays a zombie until child_gone_reap()). */
static bool child_gone(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_PID, (id_t)child, &si, WEXITED | WNOHANG | WNOWAIT) != 0 ||
	       si.si_pid == child;
}

static const char *fail_check(void)
{
	return child != 0 && child_gone() ? "the child holding the remote memory has died" : NULL;
}

static void start_child(void)
{
	int fds[2];
	void *p = mmap(NULL, REMOTE_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED || pipe(fds) != 0)
		abort();
	child = fork();
	if (child < 0)
		abort();
	if (child == 0) {
		char c;

		/* The child lives as long as the fuzzing process, blocked here. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[1]);
		while (read(fds[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(fds[0]); /* the write end stays open until this process exits */
	child_base = (uint64_t)(uintptr_t)p;
	munmap(p, REMOTE_MAX);
	vmbf_set_fail_check(fail_check);
}

static int open_remote(struct vmbo_env *env, const struct vmbo_script *s, struct vmbo_text *out)
{
	static uint8_t zeros[REMOTE_MAX];
	uint64_t len = s->setup[0].len;

	if (s->nsetup != 1 || s->setup[0].kind != VMBO_SETUP_REMOTE || len > REMOTE_MAX)
		return vmbo_env_open(env, s, out);
	if (child != 0 && child_gone()) {
		waitpid(child, NULL, 0); /* no input holds its pid any more */
		child = 0;
	}
	if (child == 0)
		start_child();
	memset(env, 0, sizeof(*env));
	env->file_fd = -1;
	env->child_pipe = -1;
	env->kind = VMBO_SETUP_REMOTE;

	/* A new container starts zero-filled: its len bytes, all it can reach (R1). */
	struct iovec l = { zeros, len }, r = { (void *)(uintptr_t)child_base, len };

	if (len > 0 && process_vm_writev(child, &l, 1, &r, 1, 0) != (ssize_t)len)
		vmbf_fail("harness", "zeroing the child's memory: %s", strerror(errno));
	if (vmb_remote_new(child, child_base, len, &env->remote, NULL) != 0)
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

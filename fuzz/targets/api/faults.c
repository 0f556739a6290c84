/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The api target's fault family (I2, S7, S8, R1): sources and sinks that
 * lie about their counts, fault plans, fd sources and sinks over pipes and
 * files, and a remote process that has died.
 */
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

/* A source and a sink that claim more than they were asked for. */
static ssize_t liar_read(struct vmb_source *self, void *dst, size_t n)
{
	(void)self, (void)dst;
	return (ssize_t)n + 1;
}

static ssize_t liar_write(struct vmb_sink *self, const void *src, size_t n)
{
	(void)self, (void)src;
	return (ssize_t)n + 1;
}

/* True while @pid is a child of this process that has exited and not been reaped. */
static bool is_zombie_child(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return pid > 0 && waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	       si.si_pid == pid;
}

/*
 * A process that is gone, for R1: a child that has exited and is never
 * reaped. A zombie keeps its pid, so the kernel cannot give that pid to
 * another process while the check runs; a reaped child's pid is free for
 * the next fork anywhere on the machine, and a check on a remembered,
 * reaped pid blamed the library for the kernel's reuse. Made again when
 * something else reaped it.
 */
static pid_t dead_child(void)
{
	static pid_t dead;
	struct sigaction sa;
	siginfo_t si;

	if (is_zombie_child(dead))
		return dead;
	/* Children reaped by the kernel leave no zombie: not for this one. */
	if (sigaction(SIGCHLD, NULL, &sa) == 0 &&
	    ((!(sa.sa_flags & SA_SIGINFO) && sa.sa_handler == SIG_IGN) ||
	     (sa.sa_flags & SA_NOCLDWAIT))) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGCHLD, &sa, NULL);
	}
	dead = fork();
	if (dead < 0)
		vmbf_fail("harness", "fork: %s", strerror(errno));
	if (dead == 0)
		_exit(0);
	/* Until it has exited, without reaping it. */
	while (waitid(P_PID, (id_t)dead, &si, WEXITED | WNOWAIT) != 0)
		if (errno != EINTR)
			vmbf_fail("harness", "waitid: %s", strerror(errno));
	return dead;
}

/* D1 and R1 where the operating system says no, and misbehaving callbacks. */
void vmbf__api_check_faults(struct vmbf_producer *d)
{
	static uint8_t *noaccess; /* a page of this process no access reaches */
	struct vmb_source liar_src = { liar_read, NULL };
	struct vmb_sink liar_sink = { liar_write };
	struct vmb_datafile *f = NULL;
	struct vmb_remote *r = NULL;
	struct vmb_bytes b;
	struct vmb_slice s;
	struct vmb_error e;
	char path[64];
	uint8_t buf[32] = { 0 };
	uint64_t v = 0;
	size_t done;
	/* One file for the process, opened read-only and write-only once. */
	static struct kept_memfd file = { -1, 0 };
	static int ro = -1, wo = -1;
	int fd;
	uint64_t flen = vmbf_range(d, 0, 16);
	int rc;

	fd = vmbf__api_fresh_memfd(&file, "vmbytes-api-df", flen);
	/* The data files below write at most 16 bytes, from 0. */
	file.dirty = 16;
	if (ro < 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		ro = open(path, O_RDONLY | O_CLOEXEC);
		wo = open(path, O_WRONLY | O_CLOEXEC);
		if (ro < 0 || wo < 0)
			vmbf_fail("harness", "reopening a memfd: %s", strerror(errno));
	}
	/* D1 over a read-only fd: every write fails with the kernel's errno. */
	if (vmb_datafile_new(ro, 16, &f, NULL) != 0)
		vmbf_fail("D1", "datafile over a read-only fd refused");
	b = vmb_datafile_bytes(f);
	rc = vmb_bytes_write(b, 0, buf, 8, &done, &e);
	VMBF_CHECK("D1", rc == VMB_EIO && e.errnum == EBADF, "write to a read-only file");
	rc = vmb_bytes_store(b, 0, 8, VMB_RELAXED, 1, &e);
	VMBF_CHECK("D1", rc == VMB_EIO && e.errnum == EBADF, "store to a read-only file");
	/* A file shorter than L: reads end early, a load past the end is EOF. */
	rc = vmb_bytes_read(b, 0, buf, 16, &done, NULL);
	VMBF_CHECK("D1", rc == 0 && done == flen, "short file read: %zu of %lu", done,
		   (unsigned long)flen);
	rc = vmb_bytes_load(b, 8, 8, VMB_RELAXED, &v, &e);
	VMBF_CHECK("D1", flen >= 16 ? rc == 0 : rc == VMB_EIO, "load past the file's end");
	rc = vmb_bytes_read_volatile_from(b, 0, &liar_src, 4, &done, NULL);
	VMBF_CHECK("S7", rc == VMB_ECALLBACK_OUT_OF_RANGE, "lying source on a data file");
	vmb_datafile_free(f);
	/* D1 over a write-only fd: reads fail. */
	if (vmb_datafile_new(wo, 16, &f, NULL) != 0)
		vmbf_fail("D1", "datafile over a write-only fd refused");
	b = vmb_datafile_bytes(f);
	VMBF_CHECK("D1", vmb_bytes_read(b, 0, buf, 4, &done, NULL) == VMB_EIO &&
				 vmb_bytes_load(b, 0, 4, VMB_RELAXED, &v, NULL) == VMB_EIO &&
				 vmb_bytes_write_volatile_to(b, 0, &liar_sink, 4, &done, NULL) == VMB_EIO,
		   "reads from a write-only file");
	rc = vmb_bytes_write(b, 0, buf, 4, &done, NULL);
	VMBF_CHECK("D1", rc == 0 && done == 4, "write to a write-only file");
	vmb_datafile_free(f);
	/* R1: no such process: a pid above the kernel's limit (PID_MAX_LIMIT, 1 << 22). */
	rc = vmb_remote_new(INT_MAX, 0x10000, 16, &r, &e);
	VMBF_CHECK("R1", rc == VMB_EIO && e.errnum == ESRCH, "remote on a pid that cannot exist");
	/*
	 * A process that has exited: its pid still names it (a zombie), so
	 * the container may be made; every access is IO{ESRCH}. The verdict
	 * counts only while the pid stayed ours throughout.
	 */
	for (int tries = 0;; tries++) {
		pid_t dead = dead_child();
		int rw = 0, ww = 0;
		struct vmb_error re = { 0 }, we = { 0 };

		r = NULL;
		rc = vmb_remote_new(dead, 0x10000, 16, &r, &e);
		if (rc == 0) {
			b = vmb_remote_bytes(r);
			rw = vmb_bytes_read(b, 0, buf, 8, &done, &re);
			ww = vmb_bytes_write(b, 0, buf, 8, &done, &we);
			vmb_remote_free(r);
		}
		if (!is_zombie_child(dead)) {
			if (tries < 3)
				continue;
			vmbf_fail("harness", "the dead child %d was reaped by someone else", (int)dead);
		}
		VMBF_CHECK("R1", rc == 0 || (rc == VMB_EIO && e.errnum == ESRCH),
			   "remote on a dead process: %s", vmb_error_name(rc));
		VMBF_CHECK("R1", rc != 0 || (rw == VMB_EIO && re.errnum == ESRCH && ww == VMB_EIO &&
					     we.errnum == ESRCH),
			   "access to a dead process: read %s errno %d, write %s errno %d",
			   vmb_error_name(rw), re.errnum, vmb_error_name(ww), we.errnum);
		break;
	}
	/* And a range of this process that no access reaches (kept for the process). */
	if (noaccess == NULL) {
		noaccess = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (noaccess == MAP_FAILED)
			vmbf_fail("harness", "mmap: %s", strerror(errno));
	}
	if (vmb_remote_new(getpid(), (uint64_t)(uintptr_t)noaccess, 16, &r, NULL) != 0)
		vmbf_fail("R1", "remote on this process refused");
	b = vmb_remote_bytes(r);
	rc = vmb_bytes_read(b, 0, buf, 8, &done, &e);
	VMBF_CHECK("R1", rc == VMB_EIO && e.errnum == EFAULT, "unreachable remote range: %s",
		   vmb_error_name(rc));
	VMBF_CHECK("S7", vmb_bytes_read_volatile_from(b, 0, &liar_src, 4, &done, NULL) ==
				 VMB_ECALLBACK_OUT_OF_RANGE, "lying source on a remote");
	vmb_remote_free(r);
	/* S7 on a slice. */
	if (vmb_slice_init(&s, vmbf__api_mem, 16) != 0)
		abort();
	VMBF_CHECK("S7", vmb_slice_read_volatile_from(s, 0, &liar_src, 4, &done, NULL) ==
				 VMB_ECALLBACK_OUT_OF_RANGE &&
				 vmb_slice_write_volatile_to(s, 0, &liar_sink, 4, &done, NULL) ==
					 VMB_ECALLBACK_OUT_OF_RANGE,
		   "lying callbacks on a slice");
	memcpy(vmbf__api_shadow, vmbf__api_mem, MEM);
	/* I2: fault plans are validated; cycling plans start over. */
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	struct vmb_fault bad[2] = { { VMB_FAULT_SHORT, 0 }, { (enum vmb_fault_kind)9, 0 } };
	struct vmb_fault cyc[1] = { { VMB_FAULT_SHORT, 1 } };

	vmb_buf_source_init(&bs, buf, sizeof(buf));
	VMBF_CHECK("I2", vmb_fault_source_init(&fs, &bs.base, bad, 1, false) == VMB_EINVALID_ARGUMENT &&
				 vmb_fault_source_init(&fs, &bs.base, bad + 1, 1, false) ==
					 VMB_EINVALID_ARGUMENT &&
				 vmb_fault_source_init(&fs, &bs.base, NULL, 1, false) == VMB_EINVALID_ARGUMENT,
		   "bad fault plans");
	vmb_fault_source_init(&fs, &bs.base, cyc, 1, true);
	for (int i = 0; i < 3; i++)
		VMBF_CHECK("I2", fs.base.read(&fs.base, vmbf__api_mem, 4) == 1, "a cycling SHORT 1 plan");
	memcpy(vmbf__api_shadow, vmbf__api_mem, MEM);
}

/* The direct slice and region entry points (not through vmb_bytes). */

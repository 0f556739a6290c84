/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The api target's dead-process check against the kernel reusing pids
 * (SPEC R1; issue 10, item 9). The target runs in a pid namespace of its
 * own, where nothing else forks, so that pid allocation is deterministic:
 * after one input of its faults step, every pid that step handed out is
 * offered to a new process (ns_last_pid set back, then forks until a pid
 * past them comes out), and the step runs again. A target that reaped its
 * dead child and kept the pid saw a live process there and blamed the
 * library ("SPEC rule R1 violated: remote on a dead pid"); one that keeps
 * the child a zombie holds the pid, so no process can take it.
 *
 * Exit status: 0 pass, 1 fail, 77 skip (no pid namespace here).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

#define SKIP 77
#define MAX_IMPOSTORS 64

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, text, strlen(text));
		close(fd);
	}
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static long last_pid(void)
{
	char buf[32] = { 0 };
	int fd = open("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/* Status of a waited-for child as this test's exit status. */
static int status_of(pid_t pid, const char *who)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	fprintf(stderr, "FAIL: %s killed by signal %d\n", who, WTERMSIG(st));
	return 1;
}

/* Pid 2 of the namespace: the fuzz target's process. */
static int run_target(void)
{
	static const uint8_t faults[] = { 5 }; /* the api target's step 5: check_faults */
	pid_t impostor[MAX_IMPOSTORS];
	int pipes[2], reused = 0, n = 0;
	long before = last_pid(), after;
	char text[32];

	if (before < 0 || pipe(pipes) != 0)
		return SKIP;
	LLVMFuzzerTestOneInput(faults, sizeof(faults));
	after = last_pid();
	if (after <= before) {
		fprintf(stderr, "FAIL: the faults step made no child process (pids %ld..%ld)\n",
			before, after);
		return 1;
	}
	/* Every pid in (before, after] that is free again goes to an impostor. */
	snprintf(text, sizeof(text), "%ld", before);
	if (write_file("/proc/sys/kernel/ns_last_pid", text) != 0) {
		fprintf(stderr, "SKIP: cannot set ns_last_pid: %s\n", strerror(errno));
		return SKIP;
	}
	for (;;) {
		pid_t p = fork();
		char c;

		if (p < 0)
			return 1;
		if (p == 0) {
			close(pipes[1]);
			while (read(pipes[0], &c, 1) < 0 && errno == EINTR)
				;
			_exit(0);
		}
		impostor[n++] = p;
		if (p > after || n == MAX_IMPOSTORS)
			break;
		/* A sanitizer's helper may have come and gone here too. */
		reused++;
		fprintf(stderr, "pid %d, freed since the step ran, went to a new process\n", (int)p);
	}
	/* The check again, with those pids alive: it must still hold. */
	LLVMFuzzerTestOneInput(faults, sizeof(faults));
	/* The dead child is still there, a zombie holding a pid from the step. */
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	int zombie = waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0 ? (int)si.si_pid : 0;

	close(pipes[1]);
	for (int i = 0; i < n; i++)
		status_of(impostor[i], "an impostor");
	if (zombie <= before || zombie > after) {
		fprintf(stderr, "FAIL: the target kept no zombie from its faults step (%d pid(s) "
				"were reused): its dead process was reaped, so the check depended on "
				"the kernel\n", reused);
		return 1;
	}
	printf("PASS: pid %d stayed held by the target's dead child (%d freed pid(s) reused "
	       "meanwhile); the check held\n", zombie, reused);
	return 0;
}

/*
 * The namespaces' maker: a child of the test, because a process that
 * unshares CLONE_NEWPID can fork no more once that namespace's init has
 * exited (LeakSanitizer forks at exit).
 */
static int in_namespace(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];

	if (unshare(CLONE_NEWPID) != 0) {
		/* Not privileged: a user namespace of our own gives the right. */
		if (unshare(CLONE_NEWUSER | CLONE_NEWPID) != 0) {
			fprintf(stderr, "SKIP: no pid namespace: %s\n", strerror(errno));
			return SKIP;
		}
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		if (write_file("/proc/self/setgroups", "deny") != 0 ||
		    write_file("/proc/self/uid_map", map) != 0) {
			fprintf(stderr, "SKIP: cannot map our uid in a user namespace\n");
			return SKIP;
		}
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		if (write_file("/proc/self/gid_map", map) != 0) {
			fprintf(stderr, "SKIP: cannot map our gid in a user namespace\n");
			return SKIP;
		}
	}
	fflush(NULL);
	pid_t init = fork();

	if (init < 0)
		return 1;
	if (init == 0) {
		/* Pid 1 of the namespace only waits: the target runs as pid 2. */
		pid_t worker = fork();

		if (worker < 0)
			_exit(1);
		if (worker == 0) {
			int rc = run_target();

			fflush(NULL);
			_exit(rc);
		}
		_exit(status_of(worker, "the fuzz target's process"));
	}
	return status_of(init, "the namespace's init");
}

int main(void)
{
	pid_t maker;

	if (vmbf_skip_without_remote())
		return SKIP;
	fflush(NULL);
	maker = fork();
	if (maker < 0)
		return 1;
	if (maker == 0) {
		int rc = in_namespace();

		fflush(NULL);
		_exit(rc);
	}
	return status_of(maker, "the namespace's maker");
}

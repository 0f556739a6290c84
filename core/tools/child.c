/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The child process behind every remote container the tools, the fuzz
 * targets and the tests make (child.h).
 */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* One command on the pipe; padding zeroed so that no uninitialised byte
 * goes down it (MSan). */
struct cmd {
	char op; /* 'r' peek, 'w' poke, 'u' unmap */
	uint64_t off, len;
};

/* read(2) or write(2) until @n bytes moved, retrying EINTR; false on an
 * error or end of file. */
static bool xfer_full(int fd, uint8_t *p, size_t n, bool to_fd)
{
	while (n > 0) {
		ssize_t r = to_fd ? write(fd, p, n) : read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		p += r;
		n -= (size_t)r;
	}
	return true;
}

bool vmbo_read_full(int fd, void *p, size_t n)
{
	return xfer_full(fd, p, n, false);
}

bool vmbo_write_full(int fd, const void *p, size_t n)
{
	/* Only write(2) reads through the pointer when to_fd is set. */
	return xfer_full(fd, (uint8_t *)(uintptr_t)p, n, true);
}

/* The child: serves commands on @cmd until the parent closes it. Every
 * command was range-checked by the parent. */
static void serve(uint8_t *m, int cmd, int res)
{
	struct cmd c;
	uint8_t ack = 1;

	while (vmbo_read_full(cmd, &c, sizeof(c))) {
		switch (c.op) {
		case 'r':
			if (!vmbo_write_full(res, m + c.off, c.len))
				_exit(4);
			break;
		case 'w':
			if (!vmbo_read_full(cmd, m + c.off, c.len) || !vmbo_write_full(res, &ack, 1))
				_exit(5);
			break;
		case 'u':
			if (munmap(m + c.off, c.len) != 0 || !vmbo_write_full(res, &ack, 1))
				_exit(6);
			break;
		default:
			_exit(7);
		}
	}
	_exit(0);
}

int vmbo_child_start(struct vmbo_child *c, size_t len)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	size_t body = len <= pg ? pg : (len + pg - 1) / pg * pg;
	int to[2] = { -1, -1 }, from[2] = { -1, -1 }, err;
	uint8_t *m;

	memset(c, 0, sizeof(*c));
	if (len > SIZE_MAX - 2 * pg)
		return -ENOMEM;
	m = mmap(NULL, body + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -errno;
	/* The page after the memory is a hole in the child too. */
	munmap(m + body, pg);
	if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0)
		goto fail;
	fflush(NULL);
	c->pid = fork();
	if (c->pid < 0)
		goto fail;
	if (c->pid == 0) {
		int lo = to[0] < from[1] ? to[0] : from[1], hi = to[0] ^ from[1] ^ lo;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Every other descriptor goes, the write ends of earlier
		 * children's pipes too: held here, they would keep those
		 * children from seeing their parent close them. */
		close_range(3, (unsigned)lo - 1, 0);
		close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
		close_range((unsigned)hi + 1, ~0U, 0);
		serve(m, to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	/* The parent's copy is not the container; the child's is. */
	munmap(m, body);
	c->cmd = to[1];
	c->res = from[0];
	c->base = (uint64_t)(uintptr_t)m;
	c->len = body;
	return 0;
fail:
	err = -errno;
	for (int i = 0; i < 2; i++) {
		if (to[i] >= 0)
			close(to[i]);
		if (from[i] >= 0)
			close(from[i]);
	}
	munmap(m, body);
	memset(c, 0, sizeof(*c));
	return err;
}

int vmbo_child_stop(struct vmbo_child *c)
{
	int status = 0, rc = 0;

	if (c->pid > 0) {
		close(c->cmd);
		close(c->res);
		while (waitpid(c->pid, &status, 0) < 0)
			if (errno != EINTR) {
				status = -1;
				break;
			}
		rc = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	memset(c, 0, sizeof(*c));
	return rc;
}

/* Sends one command for [@off, @off + @n), after checking the range. */
static bool send(struct vmbo_child *c, char op, uint64_t off, size_t n)
{
	struct cmd m;

	if (c->pid <= 0 || off > c->len || n > c->len - off)
		return false;
	memset(&m, 0, sizeof(m));
	m.op = op;
	m.off = off;
	m.len = n;
	return vmbo_write_full(c->cmd, &m, sizeof(m));
}

bool vmbo_child_peek(struct vmbo_child *c, uint64_t off, void *buf, size_t n)
{
	return send(c, 'r', off, n) && vmbo_read_full(c->res, buf, n);
}

bool vmbo_child_poke(struct vmbo_child *c, uint64_t off, const void *buf, size_t n)
{
	uint8_t ack;

	return send(c, 'w', off, n) && vmbo_write_full(c->cmd, buf, n) && vmbo_read_full(c->res, &ack, 1);
}

bool vmbo_child_unmap(struct vmbo_child *c, uint64_t off, size_t n)
{
	uint8_t ack;

	return send(c, 'u', off, n) && vmbo_read_full(c->res, &ack, 1);
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * A child process that holds memory for a remote container (R1): the one
 * way the replay tool, the fuzz targets and the unit tests make the other
 * process a `vmb_remote` reads and writes.
 *
 * The parent maps the pages before it forks, so it knows their address in
 * the child without asking; then it unmaps its own copy, so the child's is
 * the only one. One unmapped page follows the mapping in the child, so an
 * access past the end faults there instead of reaching a neighbour. The
 * child serves peek, poke and unmap commands on a pipe (the tests' direct
 * view of its memory, past the container under test) and exits with
 * status 0 when the parent closes the pipe. It is killed when its parent
 * dies (PR_SET_PDEATHSIG), so a crashed fuzzer leaves no child behind.
 */
#ifndef VMBYTES_TOOLS_CHILD_H
#define VMBYTES_TOOLS_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* All zero is "no child" (pid 0), so a zeroed struct needs no set-up. */
struct vmbo_child {
	pid_t pid;     /* > 0 while the child runs (and until it is reaped) */
	int cmd;       /* parent -> child commands */
	int res;       /* child -> parent answers */
	uint64_t base; /* the memory's address in the child */
	size_t len;    /* mapped bytes, whole pages, at least one */
};

/**
 * vmbo_child_start() - fork a child holding @len zero bytes (rounded up to
 * whole pages, at least one) followed by an unmapped page.
 * @c: the child; on failure all zero.
 * @len: bytes the child maps.
 *
 * Return: 0, or a negative errno (mmap, pipe or fork failed).
 */
int vmbo_child_start(struct vmbo_child *c, size_t len);

/**
 * vmbo_child_stop() - close the child's pipes and reap it; a no-op on a
 * zeroed @c. Leaves @c zeroed.
 * @c: the child.
 *
 * Return: the child's exit status (0 when it served every command), -1
 * when it did not exit normally or could not be reaped, 0 for no child.
 */
int vmbo_child_stop(struct vmbo_child *c);

/**
 * vmbo_child_peek() - copy the child's bytes [@off, @off + @n) into @buf,
 * read by the child itself (not through process_vm_readv).
 * @c: a running child.
 * @off: offset into its memory; @off + @n must lie within c->len.
 * @buf: @n bytes.
 * @n: byte count.
 *
 * Return: true, or false when the child did not answer or the range is
 * outside its memory.
 */
bool vmbo_child_peek(struct vmbo_child *c, uint64_t off, void *buf, size_t n);

/* Write @n bytes of @buf at @off in the child, by the child; as above. */
bool vmbo_child_poke(struct vmbo_child *c, uint64_t off, const void *buf, size_t n);

/* Unmap [@off, @off + @n) in the child (whole pages); as above. */
bool vmbo_child_unmap(struct vmbo_child *c, uint64_t off, size_t n);

/* All @n bytes through a pipe or file, retrying EINTR and short counts;
 * false on an error or end of file. The child's protocol runs on them;
 * the tests use them for their pipes too. */
bool vmbo_read_full(int fd, void *p, size_t n);
bool vmbo_write_full(int fd, const void *p, size_t n);

#endif /* VMBYTES_TOOLS_CHILD_H */

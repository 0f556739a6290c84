/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Remote process: a container over [base, base + L) of another process's
 * virtual memory, through process_vm_readv/process_vm_writev (R1). The
 * caller needs ptrace access to that process (a parent reaching its own
 * child has it).
 */
#ifndef VMBYTES_REMOTE_H
#define VMBYTES_REMOTE_H

#include <sys/types.h>

#include "bytes.h"
#include "common.h"
#include "error.h"

VMB_BEGIN_DECLS

struct vmb_remote;

/**
 * vmb_remote_new() - a container over @len bytes at @base in process @pid.
 * Return: 0; InvalidArgument for @pid <= 0, NULL @out, or a range that
 * wraps; IO{ESRCH} when no such process exists; IO (ENOMEM). R1.
 * A process that has exited but is not yet reaped (a zombie) still
 * exists: the container is made, and every access gives IO{ESRCH}.
 */
VMB_NODISCARD
VMB_API int vmb_remote_new(pid_t pid, uint64_t base, uint64_t len, struct vmb_remote **out,
			   struct vmb_error *err);

/* vmb_remote_free() - NULL is a no-op. */
VMB_API void vmb_remote_free(struct vmb_remote *r);

/**
 * vmb_remote_bytes() - the range as a container: S1-S8 hold, partial
 * transfers are short counts, a range the process unmapped gives
 * IO{EFAULT}, a process that is gone IO{ESRCH}; store/load give
 * Unsupported (they cannot be atomic across processes). R1.
 */
VMB_API struct vmb_bytes vmb_remote_bytes(struct vmb_remote *r);

VMB_END_DECLS

#endif /* VMBYTES_REMOTE_H */

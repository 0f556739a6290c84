/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Data file: a container over a file descriptor with pread/pwrite and no
 * mapping (D1). Addresses are file offsets in [0, L) for the L given at
 * open. A file shorter than L reads as end of data past its end.
 */
#ifndef VMBYTES_DATAFILE_H
#define VMBYTES_DATAFILE_H

#include "bytes.h"
#include "common.h"
#include "error.h"

VMB_BEGIN_DECLS

struct vmb_datafile;

/**
 * vmb_datafile_new() - a data file of @len bytes over @fd (the container
 * keeps its own dup of @fd).
 * Return: 0; InvalidArgument for a negative @fd, NULL @out or a @len that
 * does not fit off_t; IO{errno} when the fd cannot be duplicated. D1.
 */
VMB_NODISCARD
VMB_API int vmb_datafile_new(int fd, uint64_t len, struct vmb_datafile **out,
			     struct vmb_error *err);

/* vmb_datafile_free() - close the dup; NULL is a no-op. */
VMB_API void vmb_datafile_free(struct vmb_datafile *f);

/* vmb_datafile_len() - L. */
VMB_API uint64_t vmb_datafile_len(const struct vmb_datafile *f);

/**
 * vmb_datafile_bytes() - the file as a container. Copies retry EINTR and
 * short transfers; a read that meets the end of the file early returns
 * the short count. store/load are single pread/pwrite calls and reject
 * misaligned offsets with Misaligned (S9 by offset). D1.
 */
VMB_API struct vmb_bytes vmb_datafile_bytes(struct vmb_datafile *f);

VMB_END_DECLS

#endif /* VMBYTES_DATAFILE_H */

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The version of these headers (VMB_VERSION_*) and of the library a
 * program runs with (vmb_version()), and what that library read from the
 * environment when it was loaded (vmb_startup_report()). The versions differ when a program built
 * against one release runs with another's shared library; CHANGES.md says
 * what each release changed in the API and the ABI.
 *
 * The numbers equal project(VERSION) in the top CMakeLists.txt (the test
 * abi.version_macros checks it).
 */
#ifndef VMBYTES_VERSION_H
#define VMBYTES_VERSION_H

#include "common.h"

VMB_BEGIN_DECLS

#define VMB_VERSION_MAJOR 0
#define VMB_VERSION_MINOR 1
#define VMB_VERSION_PATCH 0

/* The three numbers in one comparable integer: 0x00MMmmpp. */
#define VMB_VERSION_NUMBER ((VMB_VERSION_MAJOR << 16) | (VMB_VERSION_MINOR << 8) | VMB_VERSION_PATCH)

/**
 * vmb_version() - the library's version as "MAJOR.MINOR.PATCH".
 *
 * Return: a static string (never NULL) of the library actually linked or
 * loaded, which may differ from VMB_VERSION_* of the headers a program was
 * compiled with.
 */
VMB_API const char *vmb_version(void);

/**
 * vmb_startup_report() - what the library read from the environment when
 * it was loaded (VMB_COPY_TUNING, VMB_COPY_STRATEGY, VMB_GUEST_SEARCH,
 * VMB_GUEST_INDEX) and what it did with it, one line each, `vmbytes: `
 * first; a value it refused is a line `vmbytes: warning: ...` (the
 * defaults then apply). The library itself prints nothing; with the
 * environment variable VMB_DIAG=1 it prints these lines to stderr as it
 * loads.
 * @buf: receives the lines, NUL-terminated ("" when nothing was set).
 * @len: size of @buf; 2048 always suffices.
 * @nwarnings: receives the number of warnings; may be NULL.
 * Return: 0; VMB_EINVALID_ARGUMENT for a NULL @buf or a @len too small
 * (@buf and @nwarnings are then untouched).
 */
VMB_API int vmb_startup_report(char *buf, size_t len, unsigned *nwarnings);

VMB_END_DECLS

#endif /* VMBYTES_VERSION_H */

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The version of these headers (VMB_VERSION_*) and of the library a
 * program runs with (vmb_version()). They differ when a program built
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

VMB_END_DECLS

#endif /* VMBYTES_VERSION_H */

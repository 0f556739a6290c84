/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Macros shared by every public header: symbol visibility, inlining,
 * result checking, and what lets C++ include the headers (C linkage,
 * static assertions). Every public header compiles as C11/C17 and as
 * C++11/17/20 (core/tests/headers.cmake checks it with gcc and clang).
 */
#ifndef VMBYTES_COMMON_H
#define VMBYTES_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Declarations with C linkage when a C++ compiler reads the headers. */
#ifdef __cplusplus
#define VMB_BEGIN_DECLS extern "C" {
#define VMB_END_DECLS }
#else
#define VMB_BEGIN_DECLS
#define VMB_END_DECLS
#endif

/* A compile-time check and an alignment query in either language. */
#ifdef __cplusplus
#define VMB_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#define VMB_ALIGNOF(type) alignof(type)
#else
#define VMB_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define VMB_ALIGNOF(type) _Alignof(type)
#endif

#if defined(VMB_BUILDING_LIBRARY) && defined(__GNUC__)
#define VMB_API __attribute__((visibility("default")))
#else
#define VMB_API
#endif

/* Hot, tiny operations live in headers through this one macro. */
#define VMB_INLINE static inline __attribute__((always_inline))

/* A status that must be looked at: on every function that can fail
 * (CHANGES.md lists the exceptions). gcc warns even through a (void)
 * cast, so test the status or keep it in a variable. */
#define VMB_NODISCARD __attribute__((warn_unused_result))

#define VMB_LIKELY(x) __builtin_expect(!!(x), 1)
#define VMB_UNLIKELY(x) __builtin_expect(!!(x), 0)

#endif /* VMBYTES_COMMON_H */

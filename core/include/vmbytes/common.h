/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Macros shared by every public header: symbol visibility, inlining and
 * result checking.
 */
#ifndef VMBYTES_COMMON_H
#define VMBYTES_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(VMB_BUILDING_LIBRARY) && defined(__GNUC__)
#define VMB_API __attribute__((visibility("default")))
#else
#define VMB_API
#endif

/* Hot, tiny operations live in headers through this one macro. */
#define VMB_INLINE static inline __attribute__((always_inline))

/* A status that must be looked at. */
#define VMB_NODISCARD __attribute__((warn_unused_result))

#define VMB_LIKELY(x) __builtin_expect(!!(x), 1)
#define VMB_UNLIKELY(x) __builtin_expect(!!(x), 0)

#endif /* VMBYTES_COMMON_H */

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * What the op-script engine's modules share and nothing else sees: the
 * operand shapes of the grammar (opscript_parse.c, read by the printer,
 * opscript_print.c) and the usage-error helper of the parser and the
 * set-up's limits (opscript_setup.c).
 */
#ifndef VMBYTES_OPSCRIPT_INTERNAL_H
#define VMBYTES_OPSCRIPT_INTERNAL_H

#include <stdio.h>

#include "opscript.h"

/*
 * The operands each op takes after its name, a letter each: A address,
 * N count, C sink capacity, V value, T type, O ordering, H hex bytes.
 */
extern const char *const vmbo__shapes[VMBO_KIND_COUNT];

/* A usage error: the reason into why/why_cap (in scope), and -1. */
#define WHY(...) (snprintf(why, why_cap, __VA_ARGS__), -1)

#endif /* VMBYTES_OPSCRIPT_INTERNAL_H */

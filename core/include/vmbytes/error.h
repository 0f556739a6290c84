/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Status codes and detailed errors (docs/SPEC.md section 6).
 *
 * Every fallible function returns 0 or one negative VMB_E* code. The values
 * are part of the ABI: they never change once released, new kinds are only
 * ever appended. Details (addresses, counts, errno) go into an optional
 * struct vmb_error the caller may pass as NULL.
 */
#ifndef VMBYTES_ERROR_H
#define VMBYTES_ERROR_H

#include "common.h"

VMB_BEGIN_DECLS

enum vmb_status {
	VMB_OK = 0,
	VMB_EOUT_OF_BOUNDS = -1,           /* {addr} */
	VMB_EOVERFLOW = -2,                /* {base, offset} */
	VMB_ETOO_BIG = -3,                 /* {nelements, size} */
	VMB_EMISALIGNED = -4,              /* {addr, alignment} */
	VMB_EIO = -5,                      /* {errno} or an I/O kind */
	VMB_EPARTIAL_BUFFER = -6,          /* {expected, completed} */
	VMB_EINVALID_GUEST_ADDRESS = -7,   /* {addr} */
	VMB_EINVALID_BACKEND_ADDRESS = -8,
	VMB_EGUEST_ADDRESS_OVERFLOW = -9,
	VMB_EHOST_ADDRESS_NOT_AVAILABLE = -10,
	VMB_ECALLBACK_OUT_OF_RANGE = -11,
	VMB_EINVALID_GUEST_REGION = -12,
	VMB_ENO_MEMORY_REGION = -13,
	VMB_EMEMORY_REGION_OVERLAP = -14,
	VMB_EUNSORTED_MEMORY_REGIONS = -15,
	VMB_EINVALID_ARGUMENT = -16,
	VMB_EUNSUPPORTED = -17,
};

/* The number of status codes, VMB_OK included. */
#define VMB_STATUS_COUNT 18

/* What an VMB_EIO error is about: an errno, or one of S8's end conditions. */
enum vmb_io_kind {
	VMB_IO_ERRNO = 0,
	VMB_IO_UNEXPECTED_EOF = 1, /* S8: the source ended before n bytes. */
	VMB_IO_WRITE_ZERO = 2,     /* S8: the sink accepted 0 bytes. */
};

/*
 * struct vmb_error - the detail of one failure.
 * Only the fields that docs/SPEC.md section 6 names for @code are meaningful;
 * the others are zero.
 */
struct vmb_error {
	int code;                /* a VMB_E* value, or VMB_OK */
	int io_kind;             /* enum vmb_io_kind, for VMB_EIO */
	int errnum;              /* errno, for VMB_EIO with VMB_IO_ERRNO */
	uint64_t addr;           /* OutOfBounds, Misaligned, InvalidGuestAddress */
	uint64_t base, offset;   /* Overflow */
	uint64_t nelements, size; /* TooBig */
	uint64_t alignment;      /* Misaligned */
	uint64_t expected, completed; /* PartialBuffer */
};

/**
 * vmb_strerror() - a human-readable message for a status code.
 * @code: any int; unknown codes give "unknown error".
 *
 * Return: a static string, never NULL.
 */
VMB_API const char *vmb_strerror(int code);

/**
 * vmb_error_name() - the snake_case kind name of a status code, as op
 * scripts print it (SPEC section 7), e.g. "out_of_bounds".
 * @code: any int; unknown codes give "unknown".
 *
 * Return: a static string, never NULL.
 */
VMB_API const char *vmb_error_name(int code);

/**
 * vmb_error_format() - print an error in SPEC section 7 form without the
 * leading "err ", e.g. "partial_buffer expected=8 completed=4".
 * @e:   the error; NULL prints "invalid_argument".
 * @buf: where the text goes, NUL-terminated; may be NULL when @cap is 0.
 * @cap: size of @buf in bytes.
 *
 * Return: the length the full text has (snprintf's convention), so a
 * return >= @cap means the text was cut; VMB_EINVALID_ARGUMENT when @buf is
 * NULL with @cap > 0.
 */
VMB_API int vmb_error_format(const struct vmb_error *e, char *buf, size_t cap);

VMB_END_DECLS

#endif /* VMBYTES_ERROR_H */

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Status codes and error text (core/include/vmbytes/error.h; SPEC sections
 * 6 and 7). Sections 6 and 7 carry no rule ids, so these cases are named
 * SEC6_ (the kinds, their values and messages) and SEC7_ (the printed
 * form); the cases that print one rule's error carry that rule's id.
 */
#include "harness.h"

#include <errno.h>
#include <limits.h>

/* Every status code with its documented value and section 7 name. */
static const struct {
	int code;
	int value;
	const char *name;
} kinds[] = {
	{ VMB_OK, 0, NULL },
	{ VMB_EOUT_OF_BOUNDS, -1, "out_of_bounds" },
	{ VMB_EOVERFLOW, -2, "overflow" },
	{ VMB_ETOO_BIG, -3, "too_big" },
	{ VMB_EMISALIGNED, -4, "misaligned" },
	{ VMB_EIO, -5, "io" },
	{ VMB_EPARTIAL_BUFFER, -6, "partial_buffer" },
	{ VMB_EINVALID_GUEST_ADDRESS, -7, "invalid_guest_address" },
	{ VMB_EINVALID_BACKEND_ADDRESS, -8, "invalid_backend_address" },
	{ VMB_EGUEST_ADDRESS_OVERFLOW, -9, "guest_address_overflow" },
	{ VMB_EHOST_ADDRESS_NOT_AVAILABLE, -10, "host_address_not_available" },
	{ VMB_ECALLBACK_OUT_OF_RANGE, -11, "callback_out_of_range" },
	{ VMB_EINVALID_GUEST_REGION, -12, "invalid_guest_region" },
	{ VMB_ENO_MEMORY_REGION, -13, "no_memory_region" },
	{ VMB_EMEMORY_REGION_OVERLAP, -14, "memory_region_overlap" },
	{ VMB_EUNSORTED_MEMORY_REGIONS, -15, "unsorted_memory_regions" },
	{ VMB_EINVALID_ARGUMENT, -16, "invalid_argument" },
	{ VMB_EUNSUPPORTED, -17, "unsupported" },
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static const int unknown_codes[] = { 1, 2, 100, -18, -19, -1000, INT_MAX, INT_MIN };

#define NUNKNOWN (sizeof(unknown_codes) / sizeof(unknown_codes[0]))

/* The formatted text of @e, through a roomy buffer. */
static const char *fmt(const struct vmb_error *e)
{
	static char buf[256];
	int n;

	memset(buf, 0x7f, sizeof(buf));
	n = vmb_error_format(e, buf, sizeof(buf));
	CHECK(n >= 0 && (size_t)n < sizeof(buf));
	if (n >= 0 && (size_t)n < sizeof(buf))
		CHECK_EQ(strlen(buf), (size_t)n);
	return buf;
}

/* An error of @code with every field set to junk, so that a kind's text
 * shows only its own fields. */
static struct vmb_error junk_error(int code)
{
	struct vmb_error e;

	memset(&e, 0, sizeof(e));
	e.code = code;
	e.io_kind = VMB_IO_ERRNO;
	e.errnum = EPERM;
	e.addr = 0x1111;
	e.base = 0x2222;
	e.offset = 0x3333;
	e.nelements = 4444;
	e.size = 5555;
	e.alignment = 6666;
	e.expected = 7777;
	e.completed = 8888;
	return e;
}

#define CHECK_TEXT(got, want)                                                          \
	do {                                                                           \
		const char *vmbt_got = (got);                                          \
		if (strcmp(vmbt_got, (want)) != 0)                                     \
			vmbt_fail(__FILE__, __LINE__, "text is '%s', want '%s'", vmbt_got, \
				  (want));                                             \
	} while (0)

TEST(SEC6_codes_have_their_documented_values)
{
	/* The values are ABI: they never change once released. */
	CHECK_EQ(VMB_STATUS_COUNT, 18);
	CHECK_EQ(NKINDS, VMB_STATUS_COUNT);
	for (size_t i = 0; i < NKINDS; i++) {
		CHECK_EQ((int64_t)kinds[i].code, (int64_t)kinds[i].value);
		for (size_t k = 0; k < i; k++)
			CHECK(kinds[i].code != kinds[k].code);
	}
	CHECK_EQ(VMB_IO_ERRNO, 0);
	CHECK_EQ(VMB_IO_UNEXPECTED_EOF, 1);
	CHECK_EQ(VMB_IO_WRITE_ZERO, 2);
	/* The orderings are ABI too (op scripts and callers pass them). */
	CHECK_EQ(VMB_ORDER_RELAXED, 0);
	CHECK_EQ(VMB_ORDER_ACQUIRE, 1);
	CHECK_EQ(VMB_ORDER_RELEASE, 2);
	CHECK_EQ(VMB_ORDER_ACQ_REL, 3);
	CHECK_EQ(VMB_ORDER_SEQ_CST, 4);
}

TEST(SEC7_error_name_for_every_code)
{
	for (size_t i = 0; i < NKINDS; i++) {
		const char *n = vmb_error_name(kinds[i].code);

		CHECK(n != NULL);
		if (n == NULL)
			continue;
		CHECK(n[0] != '\0');
		CHECK(strcmp(n, "unknown") != 0);
		if (kinds[i].name != NULL)
			CHECK_TEXT(n, kinds[i].name);
		/* Distinct names. */
		for (size_t k = 0; k < i; k++)
			CHECK(strcmp(n, vmb_error_name(kinds[k].code)) != 0);
		/* Stable: the same pointer or at least the same text each time. */
		CHECK_TEXT(vmb_error_name(kinds[i].code), n);
	}
}

TEST(SEC6_strerror_for_every_code)
{
	for (size_t i = 0; i < NKINDS; i++) {
		const char *m = vmb_strerror(kinds[i].code);

		CHECK(m != NULL);
		if (m == NULL)
			continue;
		CHECK(m[0] != '\0');
		CHECK(strcmp(m, "unknown error") != 0);
		for (size_t k = 0; k < i; k++)
			CHECK(strcmp(m, vmb_strerror(kinds[k].code)) != 0);
	}
}

TEST(SEC6_unknown_codes)
{
	for (size_t i = 0; i < NUNKNOWN; i++) {
		const char *n = vmb_error_name(unknown_codes[i]);
		const char *m = vmb_strerror(unknown_codes[i]);

		CHECK(n != NULL && m != NULL);
		if (n == NULL || m == NULL)
			continue;
		CHECK_TEXT(n, "unknown");
		CHECK_TEXT(m, "unknown error");
	}
}

TEST(S2_format_out_of_bounds)
{
	struct vmb_error e = junk_error(VMB_EOUT_OF_BOUNDS);

	e.addr = 5;
	CHECK_TEXT(fmt(&e), "out_of_bounds addr=0x5");
	e.addr = 0;
	CHECK_TEXT(fmt(&e), "out_of_bounds addr=0x0");
	e.addr = UINT64_MAX;
	CHECK_TEXT(fmt(&e), "out_of_bounds addr=0xffffffffffffffff");
	e.addr = 0xabcdef;
	CHECK_TEXT(fmt(&e), "out_of_bounds addr=0xabcdef");
}

TEST(S5_format_overflow_and_too_big)
{
	struct vmb_error e = junk_error(VMB_EOVERFLOW);

	e.base = UINT64_MAX;
	e.offset = 2;
	CHECK_TEXT(fmt(&e), "overflow base=0xffffffffffffffff offset=0x2");
	e.base = 2;
	e.offset = UINT64_MAX;
	CHECK_TEXT(fmt(&e), "overflow base=0x2 offset=0xffffffffffffffff");

	e = junk_error(VMB_ETOO_BIG);
	e.nelements = UINT64_MAX;
	e.size = 4;
	CHECK_TEXT(fmt(&e), "too_big nelements=18446744073709551615 size=4");
	e.nelements = 10;
	e.size = 16;
	CHECK_TEXT(fmt(&e), "too_big nelements=10 size=16");
}

TEST(S9_format_misaligned)
{
	struct vmb_error e = junk_error(VMB_EMISALIGNED);

	e.addr = 1;
	e.alignment = 8;
	CHECK_TEXT(fmt(&e), "misaligned addr=0x1 alignment=8");
	e.addr = 0x1ffe;
	e.alignment = 16;
	CHECK_TEXT(fmt(&e), "misaligned addr=0x1ffe alignment=16");
}

TEST(S4_format_partial_buffer)
{
	struct vmb_error e = junk_error(VMB_EPARTIAL_BUFFER);

	e.expected = 8;
	e.completed = 4;
	CHECK_TEXT(fmt(&e), "partial_buffer expected=8 completed=4");
	e.expected = 0x500;
	e.completed = 0x400;
	CHECK_TEXT(fmt(&e), "partial_buffer expected=1280 completed=1024");
}

TEST(G4_format_invalid_guest_address)
{
	struct vmb_error e = junk_error(VMB_EINVALID_GUEST_ADDRESS);

	e.addr = 0x2001;
	CHECK_TEXT(fmt(&e), "invalid_guest_address addr=0x2001");
}

TEST(S7_format_io_errno)
{
	static const struct {
		int errnum;
		const char *text;
	} rows[] = {
		{ EIO, "io errno=EIO" },
		{ EINTR, "io errno=EINTR" },
		{ EAGAIN, "io errno=EAGAIN" },
		{ EBADF, "io errno=EBADF" },
		{ EFAULT, "io errno=EFAULT" },
		{ ENOMEM, "io errno=ENOMEM" },
		{ ENOSPC, "io errno=ENOSPC" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct vmb_error e = junk_error(VMB_EIO);

		e.errnum = rows[i].errnum;
		CHECK_TEXT(fmt(&e), rows[i].text);
	}
	/* An errno with no name still prints an io line. */
	{
		struct vmb_error e = junk_error(VMB_EIO);
		const char *t;

		e.errnum = 99999;
		t = fmt(&e);
		CHECK(strncmp(t, "io errno=", 9) == 0);
		CHECK(strlen(t) > 9);
	}
}

TEST(S8_format_io_end_conditions)
{
	struct vmb_error e = junk_error(VMB_EIO);

	e.io_kind = VMB_IO_UNEXPECTED_EOF;
	CHECK_TEXT(fmt(&e), "io kind=unexpected_eof");
	e.io_kind = VMB_IO_WRITE_ZERO;
	CHECK_TEXT(fmt(&e), "io kind=write_zero");
	/* The errno is not part of these two. */
	e.errnum = 0;
	CHECK_TEXT(fmt(&e), "io kind=write_zero");
}

TEST(SEC7_format_kinds_without_fields)
{
	/* Every kind that section 6 lists without fields prints its name alone. */
	static const struct {
		int code;
		const char *text;
	} bare[] = {
		{ VMB_EINVALID_BACKEND_ADDRESS, "invalid_backend_address" },
		{ VMB_EGUEST_ADDRESS_OVERFLOW, "guest_address_overflow" },
		{ VMB_EHOST_ADDRESS_NOT_AVAILABLE, "host_address_not_available" },
		{ VMB_ECALLBACK_OUT_OF_RANGE, "callback_out_of_range" },
		{ VMB_EINVALID_GUEST_REGION, "invalid_guest_region" },
		{ VMB_ENO_MEMORY_REGION, "no_memory_region" },
		{ VMB_EMEMORY_REGION_OVERLAP, "memory_region_overlap" },
		{ VMB_EUNSORTED_MEMORY_REGIONS, "unsorted_memory_regions" },
		{ VMB_EINVALID_ARGUMENT, "invalid_argument" },
		{ VMB_EUNSUPPORTED, "unsupported" },
	};

	for (size_t i = 0; i < sizeof(bare) / sizeof(bare[0]); i++) {
		struct vmb_error e = junk_error(bare[i].code);

		CHECK_TEXT(fmt(&e), bare[i].text);
	}
}

TEST(SEC7_format_every_kind_starts_with_its_name)
{
	for (size_t i = 1; i < NKINDS; i++) {
		struct vmb_error e = junk_error(kinds[i].code);
		const char *t = fmt(&e);
		size_t n = strlen(kinds[i].name);

		CHECK(strncmp(t, kinds[i].name, n) == 0);
		CHECK(t[n] == '\0' || t[n] == ' ');
	}
	/* An unknown code prints the unknown name. */
	for (size_t i = 0; i < NUNKNOWN; i++) {
		struct vmb_error e = junk_error(unknown_codes[i]);

		CHECK_TEXT(fmt(&e), "unknown");
	}
}

TEST(SEC7_format_null_error_is_invalid_argument)
{
	char buf[64];

	CHECK_EQ(vmb_error_format(NULL, buf, sizeof(buf)), strlen("invalid_argument"));
	CHECK_TEXT(buf, "invalid_argument");
}

TEST(SEC7_format_truncation_returns_full_length)
{
	const char *full = "partial_buffer expected=8 completed=4";
	const int len = (int)strlen(full);
	struct vmb_error e = junk_error(VMB_EPARTIAL_BUFFER);
	char buf[64];

	e.expected = 8;
	e.completed = 4;
	/* A size query: no buffer at all. */
	CHECK_EQ(vmb_error_format(&e, NULL, 0), len);
	/* cap 0 with a buffer touches nothing. */
	memset(buf, 'x', sizeof(buf));
	CHECK_EQ(vmb_error_format(&e, buf, 0), len);
	CHECK_EQ(buf[0], 'x');
	/* Short buffers: the prefix that fits, NUL-terminated, and the full length. */
	for (size_t cap = 1; cap <= (size_t)len + 1; cap++) {
		memset(buf, 'x', sizeof(buf));
		CHECK_EQ(vmb_error_format(&e, buf, cap), len);
		CHECK_EQ(strlen(buf), cap - 1);
		CHECK(strncmp(buf, full, cap - 1) == 0);
		/* Nothing past cap is written. */
		CHECK_EQ(buf[cap], 'x');
	}
	/* Exactly enough room. */
	memset(buf, 'x', sizeof(buf));
	CHECK_EQ(vmb_error_format(&e, buf, (size_t)len + 1), len);
	CHECK_TEXT(buf, full);
	/* The same for a NULL error. */
	CHECK_EQ(vmb_error_format(NULL, buf, 4), strlen("invalid_argument"));
	CHECK_TEXT(buf, "inv");
}

TEST(SEC7_format_null_buffer_with_room_is_invalid_argument)
{
	struct vmb_error e = junk_error(VMB_EOUT_OF_BOUNDS);

	CHECK_RC(vmb_error_format(&e, NULL, 1), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_error_format(&e, NULL, 64), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_error_format(NULL, NULL, 64), VMB_EINVALID_ARGUMENT);
	CHECK_EQ(vmb_error_format(NULL, NULL, 0), strlen("invalid_argument"));
}

TEST(SEC7_format_of_real_failures)
{
	/* Errors filled by the library print as section 7 says. */
	struct vmbt_guarded g;
	uint16_t v = 55;
	struct vmb_slice s;
	struct vmb_error e;

	vmbt_guarded_alloc(&g, 5, false);
	memset(g.p, 0, 5);
	CHECK_RC(vmb_slice_init(&s, g.p, 5), 0);
	memset(&e, 0, sizeof(e));
	CHECK_RC(vmb_slice_write_obj(s, 4, &v, sizeof(v), &e), VMB_EPARTIAL_BUFFER);
	CHECK_EQ(e.code, VMB_EPARTIAL_BUFFER);
	CHECK_EQ(e.expected, 2);
	CHECK_EQ(e.completed, 1);
	CHECK_TEXT(fmt(&e), "partial_buffer expected=2 completed=1");
	memset(&e, 0, sizeof(e));
	CHECK_RC(vmb_slice_write_obj(s, SIZE_MAX, &v, sizeof(v), &e), VMB_EOUT_OF_BOUNDS);
	CHECK_EQ(e.code, VMB_EOUT_OF_BOUNDS);
	CHECK_EQ(e.addr, UINT64_MAX);
	CHECK_TEXT(fmt(&e), "out_of_bounds addr=0xffffffffffffffff");
	vmbt_guarded_free(&g);
}

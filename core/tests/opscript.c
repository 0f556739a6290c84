/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The op-script engine's text helpers (core/tools/opscript_text.c):
 * result lines are a contract (SPEC section 7), so the engine's formatter
 * (appending to a line) and hex printer must print exactly what snprintf
 * and a byte-at-a-time loop print.
 */
#include "harness.h"

#include <limits.h>
#include <stdlib.h>

#include "opscript.h"

static struct vmbo_text text;
static char want[512];

/* vmbo_text_printf() against snprintf() for one format and its arguments. */
#define SAME(...)                                                                      \
	do {                                                                           \
		vmbo_text_clear(&text);                                                \
		vmbo_text_printf(&text, __VA_ARGS__);                                  \
		snprintf(want, sizeof(want), __VA_ARGS__);                             \
		if (strcmp(text.s, want) != 0 || text.len != strlen(want))             \
			vmbt_fail(__FILE__, __LINE__, "%s: '%s' != '%s'", #__VA_ARGS__, \
				  text.s, want);                                       \
	} while (0)

/* 0, 1, MAX - 1, MAX and the powers of two with their neighbours. */
static const uint64_t edges[] = {
	0, 1, 2, 9, 10, 15, 16, 99, 100, 255, 256, 4095, 4096,
	(uint64_t)INT32_MAX, (uint64_t)INT32_MAX + 1, UINT32_MAX - 1, UINT32_MAX,
	(uint64_t)UINT32_MAX + 1, (uint64_t)INT64_MAX, (uint64_t)INT64_MAX + 1,
	UINT64_MAX - 1, UINT64_MAX,
};

TEST(SEC7_text_printf_integers)
{
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		uint64_t v = edges[i];

		SAME("ok %" PRIu64, v);
		SAME("ok 0x%" PRIx64, v);
		SAME("%" PRId64 "|%" PRIi64, (int64_t)v, (int64_t)v);
		SAME("%zu %zd", (size_t)v, (ssize_t)v);
		SAME("%lu %ld %lx", (unsigned long)v, (long)v, (unsigned long)v);
		SAME("%llu %lld %llx", (unsigned long long)v, (long long)v, (unsigned long long)v);
		SAME("%u %d %x %i", (unsigned)v, (int)v, (unsigned)v, (int)v);
		SAME("%02x %08x %016" PRIx64 " %04u %0d", (unsigned)(v & 0xff), (unsigned)v, v,
		     (unsigned)v, (int)(v & 0x7fffffff));
	}
	SAME("%d %ld %lld", INT_MIN, LONG_MIN, LLONG_MIN);
}

TEST(SEC7_text_printf_strings_and_fallback)
{
	SAME("err %s", "out_of_bounds addr=0x10");
	SAME("%s%s%c%%", "", "a", 'b');
	SAME("plain text, no conversions");
	SAME("%s", "");
	/* Any conversion, after part of the line. */
	SAME("ok %d %.3s", 5, "abcdef");
	SAME("%5s|%-4d|%+d|%hu|%#x", "ab", 7, 3, (unsigned short)7, 255u);
	SAME("%3d %-3u", -1, 2u);
	SAME("%04d", -5);
	SAME("%.300s", "x");
	SAME("%p", (void *)0);
	/* A line built in pieces keeps what came before. */
	vmbo_text_clear(&text);
	vmbo_text_printf(&text, "ok %u", 1u);
	vmbo_text_printf(&text, " %5s", "x");
	vmbo_text_printf(&text, "%s", "");
	CHECK(strcmp(text.s, "ok 1     x") == 0);
	CHECK_EQ(text.len, 10);
	vmbo_text_free(&text);
	vmbo_text_printf(&text, "%s", "");
	CHECK(text.s != NULL && text.s[0] == '\0' && text.len == 0);
	vmbo_text_free(&text);
}

TEST(SEC7_text_hex_every_byte_length_and_alignment)
{
	uint8_t bytes[256 + 16];
	char ref[2 * sizeof(bytes) + 1];

	for (size_t i = 0; i < sizeof(bytes); i++)
		bytes[i] = (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i < 256; i++)
		bytes[i] = (uint8_t)i;
	for (size_t off = 0; off < 9; off++) {
		for (size_t n = 0; off + n <= sizeof(bytes); n += n < 40 ? 1 : 37) {
			for (size_t i = 0; i < n; i++)
				snprintf(ref + 2 * i, 3, "%02x", bytes[off + i]);
			if (n == 0)
				strcpy(ref, "-");
			vmbo_text_clear(&text);
			vmbo_text_put(&text, "ok ", 3);
			vmbo_text_hex(&text, bytes + off, n);
			if (strncmp(text.s, "ok ", 3) != 0 || strcmp(text.s + 3, ref) != 0 ||
			    text.len != 3 + strlen(ref))
				vmbt_fail(__FILE__, __LINE__, "off %zu n %zu: '%s' != 'ok %s'", off, n,
					  text.s, ref);
		}
	}
	vmbo_text_free(&text);
}

/*
 * An empty HEX operand is held as (NULL, 0): printing it must not do
 * pointer arithmetic on NULL (C11 6.5.6; UBSan's "applying zero offset to
 * null pointer"), whether alone or through the op printer.
 */
TEST(SEC7_text_hex_null_empty)
{
	struct vmbo_op op = { .kind = VMBO_WRITE, .addr = 0x10, .data = NULL, .len = 0 };

	vmbo_text_clear(&text);
	vmbo_text_hex(&text, NULL, 0);
	CHECK(text.s != NULL && strcmp(text.s, "-") == 0);
	vmbo_text_clear(&text);
	vmbo_format_op(&text, &op);
	CHECK(strcmp(text.s, "write 0x10 -") == 0);
	vmbo_text_free(&text);
}

/* A control character in a line is a usage error, named with its column. */
TEST(SEC7_parse_refuses_control_characters)
{
	static const char *const bad[] = {
		"write_obj u8 0 30\0010", "read_obj\x0bu8 0", "\x1b", "# comment \x7f", "dirty\x0c",
		"read 0 1\n\n",
	};
	struct vmbo_script s = { 0 };
	char why[160];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		CHECK(vmbo_parse_line(&s, bad[i], why, sizeof(why)) == -1);
		CHECK(strstr(why, "control character") != NULL);
	}
	CHECK_EQ(s.nops, 0);
	/* Tab and CR are white space, and a final newline is allowed. */
	CHECK(vmbo_parse_line(&s, "slice\t16\r", why, sizeof(why)) == 0);
	CHECK(vmbo_parse_line(&s, "write_obj u8 0\t30\r\n", why, sizeof(why)) == 0);
	CHECK_EQ(s.nops, 1);
	CHECK_EQ(s.ops[0].value, 30);
	vmbo_script_free(&s);
}

/* The set-up limits, as the parser applies them line by line. */
TEST(SEC7_parse_setup_limits)
{
	struct vmbo_script s = { 0 };
	char why[160], line[64];

	CHECK(vmbo_parse_line(&s, "region 0 0x7fff000", why, sizeof(why)) == 0);
	CHECK(vmbo_parse_line(&s, "region 0x10000000 0x1000", why, sizeof(why)) == 0);
	/* One page more than VMBO_MAX_MAPPED in all. */
	CHECK(vmbo_parse_line(&s, "region 0x20000000 0x1", why, sizeof(why)) == -1);
	CHECK(strstr(why, "mapped") != NULL);
	vmbo_script_free(&s);
	/* Regions G1 refuses map nothing: not counted. */
	CHECK(vmbo_parse_line(&s, "region 0xfffffffffffff000 0x1000", why, sizeof(why)) == 0);
	CHECK(vmbo_parse_line(&s, "region 0x1000 0xfffffffffffff000", why, sizeof(why)) == 0);
	CHECK(vmbo_parse_line(&s, "region 0 0x8000000", why, sizeof(why)) == 0);
	vmbo_script_free(&s);
	/* A bitmap page size S11 refuses is the library's error, not a limit. */
	CHECK(vmbo_parse_line(&s, "slice 0x8000000", why, sizeof(why)) == 0);
	CHECK(vmbo_parse_line(&s, "bitmap 3", why, sizeof(why)) == 0);
	vmbo_script_free(&s);
	CHECK(vmbo_parse_line(&s, "slice 0x8000000", why, sizeof(why)) == 0);
	CHECK(vmbo_parse_line(&s, "bitmap 8", why, sizeof(why)) == 0); /* 2 MiB exactly */
	vmbo_script_free(&s);
	CHECK(vmbo_parse_line(&s, "slice 0x8000000", why, sizeof(why)) == 0);
	CHECK(vmbo_parse_line(&s, "bitmap 4", why, sizeof(why)) == -1);
	CHECK(strstr(why, "bitmap") != NULL);
	vmbo_script_free(&s);
	for (unsigned i = 0; i <= VMBO_MAX_REGIONS; i++) {
		snprintf(line, sizeof(line), "region 0x%x 0x10", i * 0x1000);
		CHECK(vmbo_parse_line(&s, line, why, sizeof(why)) == (i < VMBO_MAX_REGIONS ? 0 : -1));
	}
	CHECK(strstr(why, "regions") != NULL);
	vmbo_script_free(&s);
}

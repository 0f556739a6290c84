/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The op-script engine's text buffer and formatter: every line the engine,
 * the shadow model and the replay tool print is built here.
 */
#include "opscript.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void text_reserve(struct vmbo_text *t, size_t more)
{
	if (t->len + more + 1 <= t->cap)
		return;
	size_t cap = t->cap ? t->cap : 256;

	while (cap < t->len + more + 1)
		cap *= 2;
	char *s = realloc(t->s, cap);

	if (s == NULL)
		abort(); /* a test tool out of memory has nothing better to do */
	t->s = s;
	t->cap = cap;
}

void vmbo_text_put(struct vmbo_text *t, const char *s, size_t n)
{
	text_reserve(t, n);
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

/*
 * @v in base 10 or 16 (lower case), at least @width digits with leading
 * zeros, as printf's %0*llu and %0*llx print it.
 */
static void text_number(struct vmbo_text *t, uint64_t v, unsigned base, unsigned width)
{
	char buf[24], *p = buf + sizeof(buf);

	do {
		*--p = "0123456789abcdef"[v % base];
		v /= base;
	} while (v != 0);
	while ((size_t)(buf + sizeof(buf) - p) < width && p > buf)
		*--p = '0';
	vmbo_text_put(t, p, (size_t)(buf + sizeof(buf) - p));
}

void vmbo_text_u64(struct vmbo_text *t, uint64_t v)
{
	text_number(t, v, 10, 0);
}

void vmbo_text_x64(struct vmbo_text *t, uint64_t v)
{
	vmbo_text_put(t, "0x", 2);
	text_number(t, v, 16, 0);
}

/*
 * The conversions result lines use, formatted without vsnprintf: under
 * ASan its interceptor re-parses each format and checks each argument,
 * which made it a tenth of a script fuzzer's time. Handles %%, %s, %c and
 * d, i, u, x with an optional 0 flag, a width below 20 and an l, ll or z
 * length; anything else returns false having consumed part of @ap, and
 * the caller formats the whole line again with vsnprintf.
 */
static bool text_format(struct vmbo_text *t, const char *fmt, va_list ap)
{
	const char *p = fmt;

	while (*p != '\0') {
		const char *lit = p;
		unsigned width = 0, longs = 0;
		bool size = false, zero = false;
		uint64_t v;

		while (*p != '\0' && *p != '%')
			p++;
		if (p > lit)
			vmbo_text_put(t, lit, (size_t)(p - lit));
		if (*p == '\0')
			break;
		p++;
		if (*p == '0') {
			zero = true;
			p++;
		}
		while (*p >= '0' && *p <= '9' && width < 20)
			width = width * 10 + (unsigned)(*p++ - '0');
		if (width >= 20 || (width > 0 && !zero))
			return false;
		if (*p == 'z') {
			size = true;
			p++;
		} else {
			while (*p == 'l' && longs < 2) {
				longs++;
				p++;
			}
		}
		switch (*p++) {
		case '%':
			if (zero || width || longs || size)
				return false;
			vmbo_text_put(t, "%", 1);
			continue;
		case 's': {
			const char *s = zero || width || longs || size ? NULL : va_arg(ap, const char *);

			if (s == NULL)
				return false;
			vmbo_text_put(t, s, strlen(s));
			continue;
		}
		case 'c': {
			char c;

			if (zero || width || longs || size)
				return false;
			c = (char)va_arg(ap, int);
			vmbo_text_put(t, &c, 1);
			continue;
		}
		case 'd':
		case 'i': {
			int64_t s = size ? (int64_t)va_arg(ap, ssize_t)
				: longs == 2 ? (int64_t)va_arg(ap, long long)
				: longs == 1 ? (int64_t)va_arg(ap, long)
					     : (int64_t)va_arg(ap, int);

			if (s < 0 && width)
				return false; /* the sign goes before the zeros: not needed here */
			if (s < 0)
				vmbo_text_put(t, "-", 1);
			/* |s| without wrapping: ~x + 1 of a negative x is at most 2^63. */
			v = s < 0 ? ~(uint64_t)s + 1 : (uint64_t)s;
			text_number(t, v, 10, width);
			continue;
		}
		case 'u':
		case 'x':
			v = size ? (uint64_t)va_arg(ap, size_t)
			  : longs == 2 ? (uint64_t)va_arg(ap, unsigned long long)
			  : longs == 1 ? (uint64_t)va_arg(ap, unsigned long)
				       : (uint64_t)va_arg(ap, unsigned);
			text_number(t, v, p[-1] == 'u' ? 10 : 16, width);
			continue;
		default:
			return false;
		}
	}
	return true;
}

void vmbo_text_vprintf(struct vmbo_text *t, const char *fmt, va_list ap)
{
	size_t mark = t->len;
	va_list sizing, again;
	int n;

	/* Even an empty line leaves a terminated string, as vsnprintf would. */
	text_reserve(t, 0);
	t->s[t->len] = '\0';
	va_copy(sizing, ap);
	va_copy(again, ap);
	if (!text_format(t, fmt, ap)) {
		/* A conversion the fast path does not know: the whole line from libc. */
		t->len = mark;
		t->s[t->len] = '\0';
		n = vsnprintf(NULL, 0, fmt, sizing);
		if (n > 0) {
			text_reserve(t, (size_t)n);
			vsnprintf(t->s + t->len, (size_t)n + 1, fmt, again);
			t->len += (size_t)n;
		}
	}
	va_end(sizing);
	va_end(again);
}

void vmbo_text_printf(struct vmbo_text *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmbo_text_vprintf(t, fmt, ap);
	va_end(ap);
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/*
 * The eight hex digits of the four bytes of @x (as loaded from memory, on
 * a little-endian host), ready to be stored in the same order.
 */
static uint64_t hex4(uint32_t x)
{
	uint64_t d = x;

	/* Byte i to the low byte of 16-bit lane i. */
	d = (d | d << 16) & 0x0000ffff0000ffffu;
	d = (d | d << 8) & 0x00ff00ff00ff00ffu;
	/* Byte 2i: the high nibble of byte i; byte 2i + 1: its low nibble. */
	d = (d >> 4 & 0x000f000f000f000fu) | (d & 0x000f000f000f000fu) << 8;
	/* '0' + d, and 'a' - '0' - 10 more where d > 9 (there d + 6 sets bit 4). */
	return d + 0x3030303030303030u + ((d + 0x0606060606060606u) >> 4 & 0x0101010101010101u) * 39;
}
#define HEX_BLOCKS 1
#endif

void vmbo_text_hex(struct vmbo_text *t, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *end;
	char *out;

	/* No bytes may come as (NULL, 0): no pointer arithmetic before this test. */
	if (n == 0) {
		vmbo_text_put(t, "-", 1);
		return;
	}
	end = p + n;
	text_reserve(t, 2 * n);
	out = t->s + t->len;
	/*
	 * Read results reach 16 KiB: eight bytes at a time, one load and two
	 * stores, each a single sanitizer check, instead of three per byte.
	 */
#ifdef HEX_BLOCKS
	for (; end - p >= 8; p += 8, out += 16) {
		uint32_t w[2];
		uint64_t h[2];

		memcpy(w, p, 8);
		h[0] = hex4(w[0]);
		h[1] = hex4(w[1]);
		memcpy(out, h, 16);
	}
#endif
	for (; p < end; p++, out += 2) {
		out[0] = digits[*p >> 4];
		out[1] = digits[*p & 15];
	}
	*out = '\0';
	t->len += 2 * n;
}

void vmbo_text_clear(struct vmbo_text *t)
{
	t->len = 0;
	if (t->s)
		t->s[0] = '\0';
}

void vmbo_text_free(struct vmbo_text *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

void vmbo_text_err(struct vmbo_text *out, int rc, const struct vmb_error *e)
{
	char buf[160];
	struct vmb_error fixed;

	/* A function that returned a code without details still prints its kind. */
	if (e->code != rc) {
		memset(&fixed, 0, sizeof(fixed));
		fixed.code = rc;
		e = &fixed;
	}
	vmb_error_format(e, buf, sizeof(buf));
	vmbo_text_printf(out, "err %s", buf);
}

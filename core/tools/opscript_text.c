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

void vmbo_text_vprintf(struct vmbo_text *t, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	/* Even an empty line leaves a terminated string, as vsnprintf would. */
	text_reserve(t, 0);
	t->s[t->len] = '\0';
	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n > 0) {
		text_reserve(t, (size_t)n);
		vsnprintf(t->s + t->len, (size_t)n + 1, fmt, again);
		t->len += (size_t)n;
	}
	va_end(again);
}

void vmbo_text_printf(struct vmbo_text *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmbo_text_vprintf(t, fmt, ap);
	va_end(ap);
}

void vmbo_text_hex(struct vmbo_text *t, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char *out;

	/* No bytes may come as (NULL, 0): no pointer arithmetic before this test. */
	if (n == 0) {
		vmbo_text_put(t, "-", 1);
		return;
	}
	text_reserve(t, 2 * n);
	out = t->s + t->len;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
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

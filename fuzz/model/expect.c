/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The shadow model's expectations: the line it predicts, formatted for
 * the oracle's comparison, and the wildcard match of a line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* Room for @more characters and the terminator at the end of @t. */
void vmbf__reserve(struct vmbo_text *t, size_t more)
{
	if (t->len + more + 1 <= t->cap)
		return;
	size_t cap = t->cap ? t->cap : 256;

	while (cap < t->len + more + 1)
		cap *= 2;
	char *p = realloc(t->s, cap);

	if (p == NULL)
		abort();
	t->s = p;
	t->cap = cap;
}

void vmbf__expect(struct vmbf_expect *e, const char *rule, const char *fmt, ...)
{
	va_list ap;

	/* Every expectation is one short line: at most 255 characters. */
	vmbo_text_clear(&e->line);
	va_start(ap, fmt);
	vmbo_text_vprintf(&e->line, fmt, ap);
	va_end(ap);
	if (e->line.len > 255) {
		e->line.len = 255;
		e->line.s[255] = '\0';
	}
	e->rule = rule;
}

void vmbf__expect_oob(struct vmbf_expect *e, const char *rule, uint64_t a)
{
	vmbf__expect(e, rule, "err out_of_bounds addr=0x%" PRIx64, a);
}

/*
 * Hex of model bytes, with '??' for the unknown ones, as the engine prints
 * them. Written here from a table of digit pairs, eight known bytes at a
 * time: read results reach 16 KiB, and the engine's printer, called per
 * read, was a tenth of the fuzzers' time.
 */
void vmbf__hex_known(struct vmbo_text *t, const struct mregion *r, uint64_t off, size_t n,
		      const uint8_t *bytes, const uint8_t *known)
{
	static uint16_t pairs[256];
	static const uint64_t all_known = 0x0101010101010101u;
	const uint8_t *b = bytes + off, *k = known + off;
	char *out;
	size_t i = 0;

	(void)r;
	if (n == 0) {
		vmbo_text_put(t, "-", 1);
		return;
	}
	if (pairs[0] == 0)
		for (unsigned v = 0; v < 256; v++) {
			char two[2] = { "0123456789abcdef"[v >> 4], "0123456789abcdef"[v & 15] };

			memcpy(&pairs[v], two, 2);
		}
	vmbf__reserve(t, 2 * n);
	out = t->s + t->len;
	while (i < n) {
		uint64_t kw = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		if (n - i >= 8)
			memcpy(&kw, k + i, 8);
#endif
		if (kw == all_known) {
			/* Built in two registers: little-endian, pair j at byte 2j. */
			uint64_t lo = 0, hi = 0;

			for (unsigned j = 0; j < 4; j++) {
				lo |= (uint64_t)pairs[b[i + j]] << (16 * j);
				hi |= (uint64_t)pairs[b[i + 4 + j]] << (16 * j);
			}
			memcpy(out, &lo, 8);
			memcpy(out + 8, &hi, 8);
			i += 8;
			out += 16;
			continue;
		}
		/* A block with unknown bytes, or the last few. */
		for (size_t stop = n - i >= 8 ? i + 8 : n; i < stop; i++, out += 2) {
			if (k[i])
				memcpy(out, &pairs[b[i]], 2);
			else
				out[0] = out[1] = '?';
		}
	}
	*out = '\0';
	t->len += 2 * n;
}

/*
 * Scratch buffer @i (0 or 1) of at least @n bytes, kept for the next op:
 * the data of one op's read or sink, whose contents need no clearing.
 */
uint8_t *vmbf__scratch(int i, size_t n)
{
	static uint8_t *buf[2];
	static size_t cap[2];

	if (n > cap[i]) {
		free(buf[i]);
		cap[i] = n > 4096 ? n : 4096;
		buf[i] = malloc(cap[i]);
		if (buf[i] == NULL)
			abort();
	}
	return buf[i];
}

bool vmbf_line_matches(const char *expected, const char *actual)
{
	size_t n = strlen(expected);

	/* A '?' stands for one digit: lines of different lengths never match. */
	if (strlen(actual) != n)
		return false;
	/* Lines without wildcards, nearly all of them, in one comparison. */
	if (memchr(expected, '?', n) == NULL)
		return memcmp(expected, actual, n) == 0;
	for (; *expected && *actual; expected++, actual++) {
		char c = *actual;

		if (*expected != c &&
		    !(*expected == '?' && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))))
			return false;
	}
	return *expected == *actual;
}

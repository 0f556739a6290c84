/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* The op-script engine: parse, print, set up, execute (SPEC section 7). */
#include "opscript.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char *const kind_names[VMBO_KIND_COUNT] = {
	[VMBO_WRITE] = "write",
	[VMBO_READ] = "read",
	[VMBO_WRITE_SLICE] = "write_slice",
	[VMBO_READ_SLICE] = "read_slice",
	[VMBO_WRITE_OBJ] = "write_obj",
	[VMBO_READ_OBJ] = "read_obj",
	[VMBO_STORE] = "store",
	[VMBO_LOAD] = "load",
	[VMBO_READ_FROM] = "read_from",
	[VMBO_READ_EXACT_FROM] = "read_exact_from",
	[VMBO_WRITE_TO] = "write_to",
	[VMBO_WRITE_ALL_TO] = "write_all_to",
	[VMBO_DIRTY] = "dirty",
};

static const char *const order_names[] = { "relaxed", "acquire", "release", "acq_rel", "seq_cst" };

const char *vmbo_kind_name(enum vmbo_kind k)
{
	return (unsigned)k < VMBO_KIND_COUNT ? kind_names[k] : "?";
}

const char *vmbo_order_name(int order)
{
	return order >= 0 && order < 5 ? order_names[order] : "?";
}

/* ---- text ---------------------------------------------------------------- */

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

/* ---- parsing ------------------------------------------------------------- */

static bool parse_u64(const char *tok, uint64_t *v)
{
	uint64_t x = 0;
	unsigned base = 10;
	const char *p = tok;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (*p == '\0')
		return false;
	for (; *p; p++) {
		unsigned d;

		if (isdigit((unsigned char)*p))
			d = (unsigned)(*p - '0');
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = (unsigned)(tolower((unsigned char)*p) - 'a' + 10);
		else
			return false;
		if (__builtin_mul_overflow(x, base, &x) || __builtin_add_overflow(x, d, &x))
			return false;
	}
	*v = x;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool parse_hex(const char *tok, uint8_t **data, size_t *len)
{
	size_t n = strlen(tok);

	*data = NULL;
	*len = 0;
	if (strcmp(tok, "-") == 0)
		return true;
	if (n == 0 || n % 2 != 0 || n / 2 > VMBO_MAX_COUNT)
		return false;
	uint8_t *d = malloc(n / 2);

	if (d == NULL)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(tok[2 * i]), lo = hexval(tok[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(d);
			return false;
		}
		d[i] = (uint8_t)(hi << 4 | lo);
	}
	*data = d;
	*len = n / 2;
	return true;
}

static bool parse_type(const char *tok, unsigned *width)
{
	static const char *const names[] = { "u8", "u16", "u32", "u64" };

	for (unsigned i = 0; i < 4; i++) {
		if (strcmp(tok, names[i]) == 0) {
			*width = 1u << i;
			return true;
		}
	}
	return false;
}

static bool parse_order(const char *tok, int *order)
{
	for (int i = 0; i < 5; i++) {
		if (strcmp(tok, order_names[i]) == 0) {
			*order = i;
			return true;
		}
	}
	return false;
}

static bool fits_width(uint64_t v, unsigned width)
{
	return width == 8 || v < ((uint64_t)1 << (8 * width));
}

#define MAX_TOKENS 8

static size_t tokenize(char *line, char **tok)
{
	size_t n = 0;
	char *p = strchr(line, '#');

	if (p)
		*p = '\0';
	for (p = strtok(line, " \t\r\n"); p && n < MAX_TOKENS; p = strtok(NULL, " \t\r\n"))
		tok[n++] = p;
	return p ? MAX_TOKENS + 1 : n;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap * 2 : 16;

	while (c < need)
		c *= 2;
	void *a = realloc(*arr, c * elem);

	if (a == NULL)
		return -1;
	*arr = a;
	*cap = c;
	return 0;
}

int vmbo_script_add_setup(struct vmbo_script *s, const struct vmbo_setup *st)
{
	if (grow((void **)&s->setup, &s->cap_setup, s->nsetup + 1, sizeof(*s->setup)) != 0)
		return -1;
	s->setup[s->nsetup++] = *st;
	return 0;
}

int vmbo_script_add_op(struct vmbo_script *s, const struct vmbo_op *op)
{
	struct vmbo_op copy = *op;

	if (grow((void **)&s->ops, &s->cap_ops, s->nops + 1, sizeof(*s->ops)) != 0)
		return -1;
	if (op->len > 0) {
		copy.data = malloc(op->len);
		if (copy.data == NULL)
			return -1;
		memcpy(copy.data, op->data, op->len);
	} else {
		copy.data = NULL;
	}
	s->ops[s->nops++] = copy;
	s->data_len += op->len;
	return 0;
}

int vmbo_script_take_op(struct vmbo_script *s, struct vmbo_op *op)
{
	if (grow((void **)&s->ops, &s->cap_ops, s->nops + 1, sizeof(*s->ops)) != 0)
		return -1;
	s->ops[s->nops++] = *op;
	s->data_len += op->len;
	op->data = NULL;
	op->len = 0;
	return 0;
}

void vmbo_script_free(struct vmbo_script *s)
{
	for (size_t i = 0; i < s->nops; i++)
		free(s->ops[i].data);
	free(s->ops);
	free(s->setup);
	memset(s, 0, sizeof(*s));
}

#define WHY(...) (snprintf(why, why_cap, __VA_ARGS__), -1)

static int parse_setup(struct vmbo_script *s, char **tok, size_t n, char *why, size_t why_cap)
{
	struct vmbo_setup st = { 0 };

	if (s->nops > 0)
		return WHY("set-up line '%s' after an operation", tok[0]);
	if (strcmp(tok[0], "slice") == 0 || strcmp(tok[0], "file") == 0 ||
	    strcmp(tok[0], "remote") == 0 || strcmp(tok[0], "bitmap") == 0) {
		if (n != 2 || !parse_u64(tok[1], &st.len))
			return WHY("expected '%s LEN'", tok[0]);
		st.kind = tok[0][0] == 's' ? VMBO_SETUP_SLICE
			: tok[0][0] == 'f' ? VMBO_SETUP_FILE
			: tok[0][0] == 'r' ? VMBO_SETUP_REMOTE
					   : VMBO_SETUP_BITMAP;
	} else {
		st.kind = VMBO_SETUP_REGION;
		if ((n != 3 && n != 4) || !parse_u64(tok[1], &st.start) ||
		    !parse_u64(tok[2], &st.len) || (n == 4 && strcmp(tok[3], "memfd") != 0))
			return WHY("expected 'region START LEN [memfd]'");
		st.memfd = n == 4;
	}
	if (vmbo_script_add_setup(s, &st) != 0)
		return WHY("out of memory");
	/* Named at the line that crosses a limit, before anything is mapped. */
	return vmbo_setup_check_limits(s, why, why_cap);
}

static int find_kind(const char *word)
{
	for (int k = 0; k < VMBO_KIND_COUNT; k++)
		if (strcmp(word, kind_names[k]) == 0)
			return k;
	return -1;
}

/* The operands each op takes, after its name: a letter per operand. */
static const char *const shapes[VMBO_KIND_COUNT] = {
	[VMBO_WRITE] = "AH",     [VMBO_READ] = "AN",       [VMBO_WRITE_SLICE] = "AH",
	[VMBO_READ_SLICE] = "AN", [VMBO_WRITE_OBJ] = "TAV", [VMBO_READ_OBJ] = "TA",
	[VMBO_STORE] = "TAVO",   [VMBO_LOAD] = "TAO",      [VMBO_READ_FROM] = "ANH",
	[VMBO_READ_EXACT_FROM] = "ANH", [VMBO_WRITE_TO] = "ANC", [VMBO_WRITE_ALL_TO] = "ANC",
	[VMBO_DIRTY] = "",
};

static bool takes_faults(int kind)
{
	return kind == VMBO_READ_FROM || kind == VMBO_READ_EXACT_FROM || kind == VMBO_WRITE_TO ||
	       kind == VMBO_WRITE_ALL_TO;
}

/* `faults=p3,i,e`: the fault plan of the vmbytes extension. */
static bool parse_faults(const char *tok, struct vmbo_op *op)
{
	char buf[256], *save = NULL, *step;

	if (strncmp(tok, "faults=", 7) != 0 || strlen(tok + 7) >= sizeof(buf))
		return false;
	strcpy(buf, tok + 7);
	op->nfaults = 0;
	for (step = strtok_r(buf, ",", &save); step; step = strtok_r(NULL, ",", &save)) {
		struct vmb_fault f = { VMB_FAULT_PASS, 0 };
		uint64_t k;

		if (op->nfaults == VMBO_MAX_FAULTS)
			return false;
		if (step[0] == 'p' && parse_u64(step + 1, &k) && k >= 1 && k <= VMBO_MAX_COUNT)
			f.kind = VMB_FAULT_SHORT, f.arg = (size_t)k;
		else if (strcmp(step, "i") == 0)
			f.kind = VMB_FAULT_EINTR;
		else if (strcmp(step, "a") == 0)
			f.kind = VMB_FAULT_EAGAIN;
		else if (strcmp(step, "e") == 0)
			f.kind = VMB_FAULT_EIO;
		else if (strcmp(step, "z") == 0)
			f.kind = VMB_FAULT_EOF;
		else if (strcmp(step, ".") != 0)
			return false;
		op->faults[op->nfaults++] = f;
	}
	return op->nfaults > 0;
}

static int parse_op(struct vmbo_script *s, int kind, char **tok, size_t n, char *why,
		    size_t why_cap)
{
	const char *shape = shapes[kind];
	struct vmbo_op op = { .kind = (enum vmbo_kind)kind, .width = 1 };
	int rc;

	if (takes_faults(kind) && n - 1 == strlen(shape) + 1) {
		if (!parse_faults(tok[n - 1], &op))
			return WHY("bad fault plan '%s'", tok[n - 1]);
		n--;
	}
	if (n - 1 != strlen(shape))
		return WHY("'%s' takes %zu operands", tok[0], strlen(shape));
	if (s->nops >= VMBO_MAX_OPS)
		return WHY("more than %u operations (the replay limit)", VMBO_MAX_OPS);
	for (size_t i = 0; shape[i]; i++) {
		const char *t = tok[i + 1];
		bool ok = true;

		switch (shape[i]) {
		case 'A':
			ok = parse_u64(t, &op.addr);
			break;
		case 'N':
			/* Only read and read_slice allocate N bytes; the I/O forms take any count. */
			ok = parse_u64(t, &op.n) &&
			     (op.n <= VMBO_MAX_COUNT || (kind != VMBO_READ && kind != VMBO_READ_SLICE));
			break;
		case 'C':
			ok = parse_u64(t, &op.cap) && op.cap <= VMBO_MAX_COUNT;
			break;
		case 'V':
			/* SPEC 7: a value wider than its type is a usage error. */
			ok = parse_u64(t, &op.value) && fits_width(op.value, op.width);
			break;
		case 'T':
			ok = parse_type(t, &op.width);
			break;
		case 'O':
			ok = parse_order(t, &op.order);
			break;
		case 'H':
			free(op.data);
			ok = parse_hex(t, &op.data, &op.len);
			break;
		}
		if (!ok) {
			free(op.data);
			return WHY("bad operand '%s'", t);
		}
	}
	if (op.len > VMBO_MAX_DATA - s->data_len) {
		free(op.data);
		return WHY("more than %u bytes of HEX operands in all (the replay limit)",
			   VMBO_MAX_DATA);
	}
	/* Taken, not copied: a 16 MiB operand is not held twice. */
	rc = vmbo_script_take_op(s, &op);
	free(op.data);
	return rc == 0 ? 0 : WHY("out of memory");
}

/*
 * A byte no script line may hold: a C0 control character or DEL, except
 * tab and CR (white space to the tokenizer) and a newline at the end.
 */
static bool bad_control(unsigned char c, bool last)
{
	if (c == '\t' || c == '\r' || (c == '\n' && last))
		return false;
	return c < 0x20 || c == 0x7f;
}

int vmbo_parse_line(struct vmbo_script *s, const char *line, char *why, size_t why_cap)
{
	char buf[4096], *dyn = NULL, *copy = buf, *tok[MAX_TOKENS];
	size_t n, len = strlen(line);
	int rc, kind;

	if (len > VMBO_MAX_LINE)
		return WHY("line longer than %u bytes (the replay limit)", VMBO_MAX_LINE);
	for (size_t i = 0; i < len; i++)
		if (bad_control((unsigned char)line[i], i + 1 == len))
			return WHY("control character 0x%02x at column %zu", (unsigned char)line[i],
				   i + 1);
	if (len >= sizeof(buf)) {
		dyn = malloc(len + 1);
		if (dyn == NULL)
			return WHY("out of memory");
		copy = dyn;
	}
	memcpy(copy, line, len + 1);
	n = tokenize(copy, tok);
	if (n == 0)
		rc = 0;
	else if (n > MAX_TOKENS)
		rc = WHY("too many words");
	else if (strcmp(tok[0], "slice") == 0 || strcmp(tok[0], "region") == 0 ||
		 strcmp(tok[0], "file") == 0 || strcmp(tok[0], "remote") == 0 ||
		 strcmp(tok[0], "bitmap") == 0)
		rc = parse_setup(s, tok, n, why, why_cap);
	else if ((kind = find_kind(tok[0])) >= 0)
		rc = parse_op(s, kind, tok, n, why, why_cap);
	else
		rc = WHY("unknown word '%s'", tok[0]);
	free(dyn);
	return rc;
}

/*
 * The next line of @f into *@line (NUL-terminated, newline dropped), read
 * a byte at a time so that a line past @max is refused when its @max + 1st
 * byte arrives, not after it has filled memory. Return: its length; -1 at
 * the end of the file; -2 for a line longer than @max (the rest of the
 * file is not read); -3 for a read error or no memory.
 */
static ssize_t read_line(FILE *f, char **line, size_t *cap, size_t max)
{
	size_t len = 0;
	int c = EOF;

	flockfile(f);
	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		if (len == max) {
			funlockfile(f);
			return -2;
		}
		if (len + 1 >= *cap) {
			size_t ncap = *cap ? 2 * *cap : 256;
			char *p = realloc(*line, ncap);

			if (p == NULL) {
				funlockfile(f);
				return -3;
			}
			*line = p;
			*cap = ncap;
		}
		(*line)[len++] = (char)c;
	}
	funlockfile(f);
	if (ferror(f))
		return -3;
	if (c == EOF && len == 0)
		return -1;
	if (*line == NULL && (*line = malloc(*cap = 1)) == NULL)
		return -3;
	(*line)[len] = '\0';
	return (ssize_t)len;
}

int vmbo_parse_file(struct vmbo_script *s, FILE *f, size_t *bad_line, char *why, size_t why_cap)
{
	char *line = NULL;
	size_t cap = 0, no = 0;
	ssize_t got;
	int rc = 0;

	while ((got = read_line(f, &line, &cap, VMBO_MAX_LINE)) >= 0) {
		no++;
		/* A NUL would end the C string early: look at every byte read. */
		for (size_t i = 0; i < (size_t)got && rc == 0; i++) {
			if (bad_control((unsigned char)line[i], false)) {
				snprintf(why, why_cap, "control character 0x%02x at column %zu",
					 (unsigned char)line[i], i + 1);
				rc = -1;
			}
		}
		if (rc == 0 && strncmp(line, "----", 4) == 0)
			break;
		if (rc == 0 && vmbo_parse_line(s, line, why, why_cap) != 0)
			rc = -1;
		if (rc != 0) {
			*bad_line = no;
			break;
		}
	}
	if (got == -2) {
		*bad_line = no + 1;
		snprintf(why, why_cap, "line longer than %u bytes (the replay limit)", VMBO_MAX_LINE);
		rc = -1;
	} else if (got == -3) {
		snprintf(why, why_cap, "%s", ferror(f) ? strerror(errno) : "out of memory");
		rc = -2;
	}
	free(line);
	return rc;
}

/* ---- printing ------------------------------------------------------------ */

void vmbo_format_setup(struct vmbo_text *t, const struct vmbo_setup *st)
{
	static const char *const names[] = { "slice", "region", "file", "remote", "bitmap" };

	if (st->kind == VMBO_SETUP_REGION)
		vmbo_text_printf(t, "region 0x%" PRIx64 " 0x%" PRIx64 "%s", st->start, st->len,
				 st->memfd ? " memfd" : "");
	else
		vmbo_text_printf(t, "%s 0x%" PRIx64, names[st->kind], st->len);
}

void vmbo_format_op(struct vmbo_text *t, const struct vmbo_op *op)
{
	static const char *const types[] = { "", "u8", "u16", "", "u32", "", "", "", "u64" };
	const char *shape = (unsigned)op->kind < VMBO_KIND_COUNT ? shapes[op->kind] : "";

	vmbo_text_printf(t, "%s", vmbo_kind_name(op->kind));
	for (size_t i = 0; shape[i]; i++) {
		switch (shape[i]) {
		case 'A':
			vmbo_text_printf(t, " 0x%" PRIx64, op->addr);
			break;
		case 'N':
			vmbo_text_printf(t, " %" PRIu64, op->n);
			break;
		case 'C':
			vmbo_text_printf(t, " %" PRIu64, op->cap);
			break;
		case 'V':
			vmbo_text_printf(t, " 0x%" PRIx64, op->value);
			break;
		case 'T':
			vmbo_text_printf(t, " %s", op->width <= 8 ? types[op->width] : "?");
			break;
		case 'O':
			vmbo_text_printf(t, " %s", vmbo_order_name(op->order));
			break;
		case 'H':
			vmbo_text_printf(t, " ");
			vmbo_text_hex(t, op->data, op->len);
			break;
		}
	}
	for (size_t i = 0; i < op->nfaults; i++) {
		const struct vmb_fault *f = &op->faults[i];
		static const char *const steps[] = { ".", "p", "i", "a", "e", "z" };

		vmbo_text_printf(t, "%s%s", i == 0 ? " faults=" : ",",
				 (unsigned)f->kind <= VMB_FAULT_EOF ? steps[f->kind] : "?");
		if (f->kind == VMB_FAULT_SHORT)
			vmbo_text_printf(t, "%zu", f->arg);
	}
}

/* ---- set-up -------------------------------------------------------------- */

static size_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (size_t)p : 4096;
}

static size_t round_pages(uint64_t len)
{
	size_t p = page_size();

	return (size_t)((len + p - 1) / p * p);
}

static void err_line(struct vmbo_text *out, int rc, const struct vmb_error *e)
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

/*
 * A page-aligned slice with an inaccessible page right after it. Fuzzing
 * opens thousands of these a second: a few mappings are kept, one per body
 * size, and handed out again zero-filled, which saves the mmap, mprotect,
 * munmap and fresh page faults of each one.
 */
#define SLICE_CACHE 8

static struct {
	void *map;
	size_t body;
	bool busy;
} slice_cache[SLICE_CACHE];

static int open_slice(struct vmbo_env *env, uint64_t len)
{
	size_t body = round_pages(len);

	for (int i = 0; i < SLICE_CACHE; i++) {
		if (slice_cache[i].map && !slice_cache[i].busy && slice_cache[i].body == body) {
			slice_cache[i].busy = true;
			/* A new container starts zero-filled. */
			memset(slice_cache[i].map, 0, body);
			env->slice_map = slice_cache[i].map;
			env->slice_map_len = body + page_size();
			return vmb_slice_init(&env->slice, env->slice_map, (size_t)len);
		}
	}
	env->slice_map_len = body + page_size();
	env->slice_map = mmap(NULL, env->slice_map_len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (env->slice_map == MAP_FAILED) {
		env->slice_map = NULL;
		return VMB_EIO;
	}
	if (mprotect((uint8_t *)env->slice_map + body, page_size(), PROT_NONE) != 0)
		return VMB_EIO;
	for (int i = 0; i < SLICE_CACHE; i++) {
		if (slice_cache[i].map == NULL) {
			slice_cache[i].map = env->slice_map;
			slice_cache[i].body = body;
			slice_cache[i].busy = true;
			break;
		}
	}
	return vmb_slice_init(&env->slice, env->slice_map, (size_t)len);
}

/* Give a slice mapping back to the cache, or unmap it. */
static void close_slice(struct vmbo_env *env)
{
	for (int i = 0; i < SLICE_CACHE; i++) {
		if (slice_cache[i].map == env->slice_map) {
			slice_cache[i].busy = false;
			return;
		}
	}
	munmap(env->slice_map, env->slice_map_len);
}

static int open_file(struct vmbo_env *env, uint64_t len, struct vmb_error *e)
{
	env->file_fd = memfd_create("vmbytes-replay-file", MFD_CLOEXEC);
	if (env->file_fd < 0 || ftruncate(env->file_fd, (off_t)len) != 0) {
		e->code = VMB_EIO;
		e->errnum = errno;
		return VMB_EIO;
	}
	return vmb_datafile_new(env->file_fd, len, &env->file, e);
}

/* A child that holds @len zero bytes (child.h). */
static int open_remote(struct vmbo_env *env, uint64_t len, struct vmb_error *e)
{
	int rc = len > SIZE_MAX ? -ENOMEM : vmbo_child_start(&env->child, (size_t)len);

	if (rc != 0) {
		e->code = VMB_EIO;
		e->errnum = -rc;
		return VMB_EIO;
	}
	return vmb_remote_new(env->child.pid, env->child.base, len, &env->remote, e);
}

static int open_guest(struct vmbo_env *env, const struct vmbo_script *s, uint64_t page,
		      struct vmb_error *e)
{
	struct vmb_region **regions = calloc(s->nsetup, sizeof(*regions));
	size_t n = 0;
	int rc = 0;

	if (regions == NULL)
		return VMB_EIO;
	/* Every region first (G1), as the reference builds them, then the set (G2). */
	for (size_t i = 0; i < s->nsetup && rc == 0; i++) {
		const struct vmbo_setup *st = &s->setup[i];

		if (st->kind != VMBO_SETUP_REGION)
			continue;
		struct vmb_region_config cfg = {
			.start = st->start,
			.len = st->len,
			.kind = st->memfd ? VMB_REGION_MEMFD : VMB_REGION_ANON,
			.dirty_page_size = (size_t)page,
		};
		rc = vmb_region_new(&cfg, &regions[n], e);
		if (rc == 0)
			n++;
	}
	if (rc == 0)
		rc = vmb_guest_new(regions, n, &env->guest, e);
	if (rc != 0)
		for (size_t i = 0; i < n; i++)
			vmb_region_free(regions[i]);
	free(regions);
	return rc;
}

/* Regions G1 refuses: vmb_region_new reports them, and they map nothing. */
static bool region_invalid(const struct vmbo_setup *st)
{
	return st->kind == VMBO_SETUP_REGION && (st->len == 0 || st->len > UINT64_MAX - st->start);
}

int vmbo_setup_check_limits(const struct vmbo_script *s, char *why, size_t why_cap)
{
	uint64_t mapped = 0, page = 0, bitmap = 0;
	size_t regions = 0;
	bool has_bitmap = false;

	for (size_t i = 0; i < s->nsetup; i++) {
		const struct vmbo_setup *st = &s->setup[i];

		if (st->kind == VMBO_SETUP_BITMAP) {
			has_bitmap = true;
			page = st->len;
			continue;
		}
		if (st->kind == VMBO_SETUP_REGION && ++regions > VMBO_MAX_REGIONS)
			return WHY("more than %u regions (the replay limit)", VMBO_MAX_REGIONS);
		if (region_invalid(st))
			continue;
		if (st->len > VMBO_MAX_CONTAINER)
			return WHY("container length 0x%" PRIx64 " is over the replay limit (0x%x)",
				   st->len, VMBO_MAX_CONTAINER);
		/* Each at most VMBO_MAX_CONTAINER, at most 4096 + 1 of them: no wrap. */
		mapped += round_pages(st->kind == VMBO_SETUP_REMOTE && st->len == 0 ? 1 : st->len);
		if (mapped > VMBO_MAX_MAPPED)
			return WHY("more than 0x%x bytes mapped by all containers (the replay limit)",
				   VMBO_MAX_MAPPED);
	}
	/* Bitmaps: slices and regions take them, one bit a page, in 64-bit words. */
	for (size_t i = 0; has_bitmap && vmb_is_pow2(page) && i < s->nsetup; i++) {
		const struct vmbo_setup *st = &s->setup[i];

		if ((st->kind != VMBO_SETUP_SLICE && st->kind != VMBO_SETUP_REGION) ||
		    region_invalid(st))
			continue;
		bitmap += (st->len / page + (st->len % page != 0) + 63) / 64 * 8;
		if (bitmap > VMBO_MAX_BITMAP)
			return WHY("dirty bitmaps of more than 0x%x bytes in all (the replay limit)",
				   VMBO_MAX_BITMAP);
	}
	return 0;
}

int vmbo_env_open(struct vmbo_env *env, const struct vmbo_script *s, struct vmbo_text *out)
{
	struct vmb_error e = { 0 };
	size_t containers = 0, bitmaps = 0;
	uint64_t page = 0, len = 0;
	char why[160];
	int rc;

	memset(env, 0, sizeof(*env));
	env->file_fd = -1;
	for (size_t i = 0; i < s->nsetup; i++) {
		const struct vmbo_setup *st = &s->setup[i];

		if (st->kind == VMBO_SETUP_BITMAP) {
			bitmaps++;
			page = st->len;
			continue;
		}
		if (containers > 0 && st->kind != env->kind) {
			vmbo_text_printf(out, "set-up mixes container kinds");
			return -2;
		}
		env->kind = st->kind;
		containers++;
		len = st->len;
	}
	/* The parser checked these line by line; scripts built in memory come here too. */
	if (vmbo_setup_check_limits(s, why, sizeof(why)) != 0) {
		vmbo_text_printf(out, "%s", why);
		return -2;
	}
	if (containers == 0 || bitmaps > 1 || (env->kind != VMBO_SETUP_REGION && containers > 1)) {
		vmbo_text_printf(out, "set-up needs one slice, file or remote line, or region lines, "
				      "and at most one bitmap line");
		return -2;
	}
	/* S11: a bitmap page size must be a power of two. */
	if (bitmaps && !vmb_is_pow2(page)) {
		err_line(out, VMB_EINVALID_ARGUMENT, &e);
		return -1;
	}
	/* Data files and remote processes take no bitmap (SPEC section 7). */
	env->has_bitmap = bitmaps && (env->kind == VMBO_SETUP_SLICE || env->kind == VMBO_SETUP_REGION);
	switch (env->kind) {
	case VMBO_SETUP_SLICE:
		rc = open_slice(env, len);
		if (rc == 0 && env->has_bitmap) {
			rc = vmb_bitmap_new((size_t)len, (size_t)page, &env->slice_bitmap);
			if (rc == 0)
				rc = vmb_slice_set_bitmap(&env->slice, env->slice_bitmap, 0);
		}
		env->bytes = vmb_slice_bytes(&env->slice);
		break;
	case VMBO_SETUP_FILE:
		rc = open_file(env, len, &e);
		env->bytes = vmb_datafile_bytes(env->file);
		break;
	case VMBO_SETUP_REMOTE:
		rc = open_remote(env, len, &e);
		env->bytes = vmb_remote_bytes(env->remote);
		break;
	default:
		rc = open_guest(env, s, env->has_bitmap ? page : 0, &e);
		env->bytes = vmb_guest_bytes(env->guest);
		break;
	}
	if (rc != 0) {
		err_line(out, rc, &e);
		vmbo_env_close(env);
		return -1;
	}
	return 0;
}

void vmbo_env_close(struct vmbo_env *env)
{
	vmb_guest_free(env->guest);
	vmb_datafile_free(env->file);
	vmb_remote_free(env->remote);
	vmb_bitmap_free(env->slice_bitmap);
	if (env->slice_map)
		close_slice(env);
	if (env->file_fd >= 0)
		close(env->file_fd);
	vmbo_child_stop(&env->child);
	memset(env, 0, sizeof(*env));
	env->file_fd = -1;
}

/* ---- execution ----------------------------------------------------------- */

/* SPEC 7: one bitmap per region (or one for the slice), then clear them. */
static int exec_dirty(struct vmbo_env *env, struct vmbo_text *out)
{
	struct vmb_bitmap *one[1] = { env->slice_bitmap };
	size_t n = env->guest ? vmb_guest_num_regions(env->guest) : 1;

	if (!env->has_bitmap) {
		vmbo_text_printf(out, "err %s", vmb_error_name(VMB_EINVALID_ARGUMENT));
		return VMB_EINVALID_ARGUMENT;
	}
	vmbo_text_printf(out, "ok");
	for (size_t i = 0; i < n; i++) {
		struct vmb_bitmap *b = env->guest ? vmb_region_bitmap(vmb_guest_region_at(env->guest, i))
						  : one[0];
		size_t pages = vmb_bitmap_pages(b), nwords = pages / 64 + 1;
		uint64_t *words = calloc(nwords, sizeof(uint64_t));
		uint8_t *bytes = calloc(pages / 8 + 1, 1);

		if (words == NULL || bytes == NULL || vmb_bitmap_get_and_reset(b, words, nwords) != 0)
			abort();
		/* Page i is bit (i mod 8) of byte (i div 8). */
		for (size_t p = 0; p < pages; p++)
			if ((words[p / 64] >> (p % 64)) & 1)
				bytes[p / 8] |= (uint8_t)(1u << (p % 8));
		vmbo_text_printf(out, " ");
		vmbo_text_hex(out, bytes, (pages + 7) / 8);
		free(words);
		free(bytes);
	}
	return 0;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OP_BUFFER_ASAN 1
#endif
#if __has_feature(memory_sanitizer)
#define OP_BUFFER_MSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(OP_BUFFER_ASAN)
#define OP_BUFFER_ASAN 1
#endif
#ifdef OP_BUFFER_ASAN
#include <sanitizer/asan_interface.h>
#endif
#ifdef OP_BUFFER_MSAN
#include <sanitizer/msan_interface.h>
#endif

/*
 * The buffer a read or a sink fills: @n bytes, kept from one op to the
 * next, since fuzzing runs thousands of ops a second. It is handed out at
 * the start of its allocation and, under ASan, everything past @n is
 * poisoned, so an access outside the op's @n bytes faults as it would in a
 * buffer of exactly @n; under MSan the @n bytes start uninitialised, as
 * malloc's would.
 */
static uint8_t *op_buffer(size_t n)
{
	static uint8_t *buf;
	static size_t cap;

	if (n > cap || buf == NULL) {
#ifdef OP_BUFFER_ASAN
		ASAN_UNPOISON_MEMORY_REGION(buf, cap);
#endif
		free(buf);
		cap = n > 4096 ? n : 4096;
		buf = malloc(cap);
		if (buf == NULL)
			abort();
	}
#ifdef OP_BUFFER_ASAN
	ASAN_UNPOISON_MEMORY_REGION(buf, n);
	ASAN_POISON_MEMORY_REGION(buf + n, cap - n);
#endif
#ifdef OP_BUFFER_MSAN
	__msan_allocated_memory(buf, n);
#endif
	return buf;
}

/* "ok N", "ok N HEX" and "ok 0xV": the lines most ops print. */
static void ok_count(struct vmbo_text *out, uint64_t done)
{
	vmbo_text_put(out, "ok ", 3);
	vmbo_text_u64(out, done);
}

static void ok_count_hex(struct vmbo_text *out, uint64_t done, const uint8_t *p, size_t n)
{
	ok_count(out, done);
	vmbo_text_put(out, " ", 1);
	vmbo_text_hex(out, p, n);
}

static void ok_value(struct vmbo_text *out, uint64_t v)
{
	vmbo_text_put(out, "ok ", 3);
	vmbo_text_x64(out, v);
}

/* The ok line of an op vmbo_typed_guest_op() ran, as vmbo_exec() prints it. */
static void ok_line(struct vmbo_text *out, const struct vmbo_op *op, const uint8_t *buf,
		    uint64_t v, size_t done)
{
	switch (op->kind) {
	case VMBO_WRITE:
		ok_count(out, done);
		break;
	case VMBO_READ:
		ok_count_hex(out, done, buf, done);
		break;
	case VMBO_READ_SLICE:
		vmbo_text_put(out, "ok ", 3);
		vmbo_text_hex(out, buf, op->n);
		break;
	case VMBO_READ_OBJ:
	case VMBO_LOAD:
		ok_value(out, v);
		break;
	default:
		vmbo_text_put(out, "ok", 2);
		break;
	}
}

int vmbo_exec(struct vmbo_env *env, const struct vmbo_op *op, struct vmbo_text *out)
{
	struct vmb_bytes b = env->bytes;
	struct vmb_error e = { 0 };
	struct vmb_buf_source bsrc;
	struct vmb_buf_sink bsink;
	struct vmb_fault_source fsrc;
	struct vmb_fault_sink fsink;
	struct vmb_source *src = &bsrc.base;
	struct vmb_sink *sink = &bsink.base;
	uint8_t *buf = NULL;
	uint64_t v = 0;
	size_t done = 0;
	int rc = 0;

	/* Host byte order: the low op->width bytes of the value (little-endian). */
	if (op->kind == VMBO_READ || op->kind == VMBO_READ_SLICE || op->kind == VMBO_WRITE_TO ||
	    op->kind == VMBO_WRITE_ALL_TO) {
		size_t need = op->kind == VMBO_READ || op->kind == VMBO_READ_SLICE ? op->n : op->cap;

		buf = op_buffer(need ? need : 1);
	}
	/* Each op gets a fresh source and sink, behind its fault plan if any
	 * (the parser made the plan valid, so I2 refuses none of them). */
	if (vmb_buf_source_init(&bsrc, op->data, op->len) != 0 ||
	    vmb_buf_sink_init(&bsink, buf, buf ? op->cap : 0) != 0 ||
	    (op->nfaults > 0 &&
	     (vmb_fault_source_init(&fsrc, &bsrc.base, op->faults, op->nfaults, false) != 0 ||
	      vmb_fault_sink_init(&fsink, &bsink.base, op->faults, op->nfaults, false) != 0))) {
		e.code = rc = VMB_EINVALID_ARGUMENT;
		err_line(out, rc, &e);
		return rc;
	}
	if (op->nfaults > 0) {
		src = &fsrc.base;
		sink = &fsink.base;
	}
	if (env->guest != NULL && (env->ops_run++ & 1) != 0 &&
	    vmbo_typed_guest_op(env->guest, op, buf, &v, &done, &rc, &e)) {
		if (rc == 0)
			ok_line(out, op, buf, v, done);
		else
			err_line(out, rc, &e);
		return rc;
	}
	switch (op->kind) {
	case VMBO_WRITE:
		rc = vmb_bytes_write(b, op->addr, op->data, op->len, &done, &e);
		if (rc == 0)
			ok_count(out, done);
		break;
	case VMBO_READ:
		rc = vmb_bytes_read(b, op->addr, buf, op->n, &done, &e);
		if (rc == 0)
			ok_count_hex(out, done, buf, done);
		break;
	case VMBO_WRITE_SLICE:
		rc = vmb_bytes_write_slice(b, op->addr, op->data, op->len, &e);
		if (rc == 0)
			vmbo_text_put(out, "ok", 2);
		break;
	case VMBO_READ_SLICE:
		rc = vmb_bytes_read_slice(b, op->addr, buf, op->n, &e);
		if (rc == 0) {
			vmbo_text_put(out, "ok ", 3);
			vmbo_text_hex(out, buf, op->n);
		}
		break;
	case VMBO_WRITE_OBJ:
		v = op->value;
		rc = vmb_bytes_write_obj(b, op->addr, &v, op->width, &e);
		if (rc == 0)
			vmbo_text_put(out, "ok", 2);
		break;
	case VMBO_READ_OBJ:
		rc = vmb_bytes_read_obj(b, op->addr, &v, op->width, &e);
		if (rc == 0)
			ok_value(out, v);
		break;
	case VMBO_STORE:
		rc = vmb_bytes_store(b, op->addr, op->width, vmb_ordering_of(op->order), op->value, &e);
		if (rc == 0)
			vmbo_text_put(out, "ok", 2);
		break;
	case VMBO_LOAD:
		rc = vmb_bytes_load(b, op->addr, op->width, vmb_ordering_of(op->order), &v, &e);
		if (rc == 0)
			ok_value(out, v);
		break;
	case VMBO_READ_FROM:
		rc = vmb_bytes_read_volatile_from(b, op->addr, src, op->n, &done, &e);
		if (rc == 0)
			ok_count(out, done);
		break;
	case VMBO_READ_EXACT_FROM:
		rc = vmb_bytes_read_exact_volatile_from(b, op->addr, src, op->n, &e);
		if (rc == 0)
			vmbo_text_put(out, "ok", 2);
		break;
	case VMBO_WRITE_TO:
		rc = vmb_bytes_write_volatile_to(b, op->addr, sink, op->n, &done, &e);
		if (rc == 0)
			ok_count_hex(out, done, buf, bsink.len);
		break;
	case VMBO_WRITE_ALL_TO:
		rc = vmb_bytes_write_all_volatile_to(b, op->addr, sink, op->n, &e);
		if (rc == 0) {
			vmbo_text_put(out, "ok ", 3);
			vmbo_text_hex(out, buf, bsink.len);
		}
		break;
	case VMBO_DIRTY:
		return exec_dirty(env, out);
	default:
		rc = VMB_EINVALID_ARGUMENT;
		e.code = rc;
		break;
	}
	if (rc != 0)
		err_line(out, rc, &e);
	return rc;
}

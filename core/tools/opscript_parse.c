/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The op-script engine's tokenizer and parser (SPEC section 7): script
 * text to struct vmbo_script, with the replay limits checked line by line.
 */
#include "opscript_internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
	[VMBO_WRITE_WHOLE] = "write_whole",
	[VMBO_READ_WHOLE] = "read_whole",
	[VMBO_FETCH_ADD] = "fetch_add",
	[VMBO_FETCH_SUB] = "fetch_sub",
	[VMBO_FETCH_AND] = "fetch_and",
	[VMBO_FETCH_OR] = "fetch_or",
	[VMBO_FETCH_XOR] = "fetch_xor",
	[VMBO_SWAP] = "swap",
	[VMBO_CMPXCHG] = "cmpxchg",
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
const char *const vmbo__shapes[VMBO_KIND_COUNT] = {
	[VMBO_WRITE] = "AH",     [VMBO_READ] = "AN",       [VMBO_WRITE_SLICE] = "AH",
	[VMBO_READ_SLICE] = "AN", [VMBO_WRITE_OBJ] = "TAV", [VMBO_READ_OBJ] = "TA",
	[VMBO_STORE] = "TAVO",   [VMBO_LOAD] = "TAO",      [VMBO_READ_FROM] = "ANH",
	[VMBO_READ_EXACT_FROM] = "ANH", [VMBO_WRITE_TO] = "ANC", [VMBO_WRITE_ALL_TO] = "ANC",
	[VMBO_DIRTY] = "",
	[VMBO_WRITE_WHOLE] = "AH", [VMBO_READ_WHOLE] = "AN",
	[VMBO_FETCH_ADD] = "TAVO", [VMBO_FETCH_SUB] = "TAVO", [VMBO_FETCH_AND] = "TAVO",
	[VMBO_FETCH_OR] = "TAVO", [VMBO_FETCH_XOR] = "TAVO", [VMBO_SWAP] = "TAVO",
	[VMBO_CMPXCHG] = "TAEVOF",
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
	const char *shape = vmbo__shapes[kind];
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
			/* Only the reads allocate N bytes; the I/O forms take any count. */
			ok = parse_u64(t, &op.n) &&
			     (op.n <= VMBO_MAX_COUNT || (kind != VMBO_READ && kind != VMBO_READ_SLICE &&
							 kind != VMBO_READ_WHOLE));
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
		case 'E':
			ok = parse_u64(t, &op.expected) && fits_width(op.expected, op.width);
			break;
		case 'O':
			ok = parse_order(t, &op.order);
			break;
		case 'F':
			ok = parse_order(t, &op.failure);
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


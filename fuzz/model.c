/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The shadow model: docs/SPEC.md written as the plainest code that can predict
 * every result line, byte by byte, independent of core/src. Each
 * prediction carries the id of the rule that decided it, so that a
 * mismatch names the rule the library broke.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* The per-call limit of the bounce-buffer containers (data file, remote). */
#define BOUNCE 16384

struct mregion {
	uint64_t start, len;
	uint8_t *bytes;
	uint8_t *known;  /* 0: a fault made the byte's value uncertain */
	uint8_t *dirty;  /* one flag per page */
	uint64_t pages;
};

struct vmbf_model {
	enum vmbo_setup_kind kind;
	struct mregion *r;
	size_t n;
	uint64_t page; /* 0: no bitmap */
};

/* ---- expectations -------------------------------------------------------- */

static void expect(struct vmbf_expect *e, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Room for @more characters and the terminator at the end of @t. */
static void reserve(struct vmbo_text *t, size_t more)
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

static void expect(struct vmbf_expect *e, const char *rule, const char *fmt, ...)
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

static void expect_oob(struct vmbf_expect *e, const char *rule, uint64_t a)
{
	expect(e, rule, "err out_of_bounds addr=0x%" PRIx64, a);
}

/*
 * Hex of model bytes, with '??' for the unknown ones, as the engine prints
 * them. Written here from a table of digit pairs, eight known bytes at a
 * time: read results reach 16 KiB, and the engine's printer, called per
 * read, was a tenth of the fuzzers' time.
 */
static void hex_known(struct vmbo_text *t, const struct mregion *r, uint64_t off, size_t n,
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
	reserve(t, 2 * n);
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
static uint8_t *scratch(int i, size_t n)
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

/* ---- set-up -------------------------------------------------------------- */

static bool pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/*
 * The buffers of the first few model regions stay allocated from one
 * script to the next (one model is open at a time); they are cleared here
 * as a new container is.
 */
#define KEPT 8

static struct kept {
	uint8_t *bytes, *known, *dirty;
	size_t cap, pcap;
	bool busy;
} kept[KEPT];

static void *grow_buf(void *p, size_t n)
{
	free(p);
	p = malloc(n);
	if (p == NULL)
		abort();
	return p;
}

static void region_init(struct mregion *r, size_t k, uint64_t start, uint64_t len, uint64_t page)
{
	size_t n = len ? len : 1;
	struct kept *b = k < KEPT && !kept[k].busy ? &kept[k] : NULL;

	r->start = start;
	r->len = len;
	r->pages = page ? (len + page - 1) / page : 0;
	if (b == NULL) {
		r->bytes = calloc(n, 1);
		r->known = malloc(n);
		r->dirty = calloc(r->pages ? r->pages : 1, 1);
		if (!r->bytes || !r->known || !r->dirty)
			abort();
	} else {
		if (b->cap < n) {
			b->cap = n > 4096 ? n : 4096;
			b->bytes = grow_buf(b->bytes, b->cap);
			b->known = grow_buf(b->known, b->cap);
		}
		if (b->pcap < (r->pages ? r->pages : 1)) {
			b->pcap = r->pages > 512 ? r->pages : 512;
			b->dirty = grow_buf(b->dirty, b->pcap);
		}
		b->busy = true;
		r->bytes = b->bytes;
		r->known = b->known;
		r->dirty = b->dirty;
		memset(r->bytes, 0, n);
		memset(r->dirty, 0, r->pages ? r->pages : 1);
	}
	memset(r->known, 1, n);
}

struct vmbf_model *vmbf_model_open(const struct vmbo_script *s, struct vmbf_expect *exp)
{
	struct vmbf_model *m = calloc(1, sizeof(*m));
	size_t nbitmap = 0;

	if (m == NULL)
		abort();
	for (size_t i = 0; i < s->nsetup; i++) {
		if (s->setup[i].kind == VMBO_SETUP_BITMAP) {
			m->page = s->setup[i].len;
			nbitmap++;
		} else {
			m->kind = s->setup[i].kind;
			m->n++;
		}
	}
	/* S11: a bitmap page size is a power of two. */
	if (nbitmap && !pow2(m->page)) {
		expect(exp, "S11", "err invalid_argument");
		free(m);
		return NULL;
	}
	/* Data files and remote processes take no bitmap (SPEC 7). */
	if (m->kind == VMBO_SETUP_FILE || m->kind == VMBO_SETUP_REMOTE)
		m->page = 0;
	if (m->kind == VMBO_SETUP_REGION) {
		const struct vmbo_setup *prev = NULL;

		/* G1: every region on its own, in order. */
		for (size_t i = 0; i < s->nsetup; i++) {
			const struct vmbo_setup *st = &s->setup[i];

			if (st->kind != VMBO_SETUP_REGION)
				continue;
			if (st->len == 0 || st->len > UINT64_MAX - st->start) { /* end past 2^64 */
				expect(exp, "G1", "err invalid_guest_region");
				free(m);
				return NULL;
			}
		}
		/* G2: pairwise, unsorted checked before overlap. */
		for (size_t i = 0; i < s->nsetup; i++) {
			const struct vmbo_setup *st = &s->setup[i];

			if (st->kind != VMBO_SETUP_REGION)
				continue;
			if (prev && prev->start > st->start) {
				expect(exp, "G2", "err unsorted_memory_regions");
				free(m);
				return NULL;
			}
			if (prev && prev->start + prev->len - 1 >= st->start) {
				expect(exp, "G2", "err memory_region_overlap");
				free(m);
				return NULL;
			}
			prev = st;
		}
	}
	m->r = calloc(m->n, sizeof(*m->r));
	if (m->r == NULL)
		abort();
	for (size_t i = 0, k = 0; i < s->nsetup; i++) {
		const struct vmbo_setup *st = &s->setup[i];

		if (st->kind == VMBO_SETUP_BITMAP)
			continue;
		region_init(&m->r[k], k, st->kind == VMBO_SETUP_REGION ? st->start : 0, st->len,
			    m->page);
		k++;
	}
	return m;
}

void vmbf_model_free(struct vmbf_model *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++) {
		if (i < KEPT && kept[i].busy && m->r[i].bytes == kept[i].bytes) {
			kept[i].busy = false;
			continue;
		}
		free(m->r[i].bytes);
		free(m->r[i].known);
		free(m->r[i].dirty);
	}
	free(m->r);
	free(m);
}

/* ---- sources and sinks, as the op's fault plan makes them behave ----------- */

struct msrc {
	const struct vmbo_op *op;
	size_t pos;  /* bytes consumed */
	size_t step; /* fault plan position */
};

struct msink {
	const struct vmbo_op *op;
	uint8_t *buf; /* what the sink received */
	uint8_t *known;
	size_t len;
	size_t step;
};

static struct vmb_fault next_fault(const struct vmbo_op *op, size_t *step)
{
	struct vmb_fault pass = { VMB_FAULT_PASS, 0 };

	return *step < op->nfaults ? op->faults[(*step)++] : pass;
}

/*
 * What the op's fault plan does to the next call of @n bytes: a negative
 * errno or 0 (end of data) to return as it is, or 1 with *@n cut to what
 * the call may move (I2).
 */
static long fault_step(const struct vmbo_op *op, size_t *step, size_t *n)
{
	struct vmb_fault f = next_fault(op, step);

	switch (f.kind) {
	case VMB_FAULT_EINTR:
		return -EINTR;
	case VMB_FAULT_EAGAIN:
		return -EAGAIN;
	case VMB_FAULT_EIO:
		return -EIO;
	case VMB_FAULT_EOF:
		return 0;
	case VMB_FAULT_SHORT:
		if (f.arg < *n)
			*n = f.arg;
		return 1;
	default:
		return 1;
	}
}

/* One call on the source: >= 0 bytes (from op->data + *from), or -errno. */
static long src_call(struct msrc *s, size_t n, size_t *from)
{
	long r = fault_step(s->op, &s->step, &n);
	size_t k;

	if (r != 1)
		return r;
	k = s->op->len - s->pos < n ? s->op->len - s->pos : n;
	*from = s->pos;
	s->pos += k;
	return (long)k;
}

/* S7: one read, repeated while interrupted. */
static long src_read_once(struct msrc *s, size_t n, size_t *from)
{
	long r;

	do
		r = src_call(s, n, from);
	while (r == -EINTR);
	return r;
}

/* One call on the sink, taking bytes [off, off + n) of region @r. */
static long sink_call(struct msink *s, const struct mregion *r, uint64_t off, size_t n)
{
	long rc = fault_step(s->op, &s->step, &n);
	size_t k;

	if (rc != 1)
		return rc;
	k = s->op->cap - s->len < n ? s->op->cap - s->len : n;
	memcpy(s->buf + s->len, r->bytes + off, k);
	memcpy(s->known + s->len, r->known + off, k);
	s->len += k;
	return (long)k;
}

static long sink_write_once(struct msink *s, const struct mregion *r, uint64_t off, size_t n)
{
	long w;

	do
		w = sink_call(s, r, off, n);
	while (w == -EINTR);
	return w;
}

static const char *errno_name(long e)
{
	return e == EAGAIN ? "EAGAIN" : e == EIO ? "EIO" : e == EINTR ? "EINTR" : "EUNKNOWN";
}

/* ---- effects ----------------------------------------------------------- */

/* S11: pages off/page ..= (off + n - 1)/page of a region. */
static void mark(struct vmbf_model *m, struct mregion *r, uint64_t off, uint64_t n)
{
	if (m->page == 0 || n == 0)
		return;
	for (uint64_t p = off / m->page; p <= (off + n - 1) / m->page && p < r->pages; p++)
		r->dirty[p] = 1;
}

static void put(struct vmbf_model *m, struct mregion *r, uint64_t off, const uint8_t *src,
		size_t n)
{
	memcpy(r->bytes + off, src, n);
	memset(r->known + off, 1, n);
	mark(m, r, off, n);
}

/* Objects and atomics are in host byte order, little-endian here (SPEC 7). */
static void value_bytes(const struct vmbo_op *op, uint8_t *obj)
{
	for (unsigned i = 0; i < op->width; i++)
		obj[i] = (uint8_t)(op->value >> (8 * i));
}

static uint64_t bytes_value(const uint8_t *p, unsigned width)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < width; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* ---- single-range containers: slice, data file, remote (S, D1, R1) -------- */

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The per-call limit of one-shot volatile I/O for this container. */
static uint64_t io_limit(const struct vmbf_model *m)
{
	return m->kind == VMBO_SETUP_SLICE ? UINT64_MAX : BOUNCE;
}

/* S5 for [a, a + n): "" when fine, else the expectation is set. */
static bool range_err(struct vmbf_expect *e, const char *rule, uint64_t a, uint64_t n,
		      uint64_t len)
{
	if (n > UINT64_MAX - a) { /* a + n wraps */
		expect(e, rule, "err overflow base=0x%" PRIx64 " offset=0x%" PRIx64, a, n);
		return true;
	}
	if (a + n > len) {
		expect_oob(e, rule, a + n);
		return true;
	}
	return false;
}

/* S7 one-shot read_volatile_from at @a; returns bytes moved or -1 on error. */
static long one_read_from(struct vmbf_model *m, struct mregion *r, uint64_t a, uint64_t n,
			  struct msrc *s, struct vmbf_expect *e)
{
	size_t from = 0;
	uint64_t k;
	long got;

	if (a > r->len) {
		expect_oob(e, "S7", a);
		return -1;
	}
	k = min64(min64(n, r->len - a), io_limit(m));
	if (k == 0)
		return 0;
	got = src_read_once(s, k, &from);
	if (got < 0) {
		expect(e, "S7", "err io errno=%s", errno_name(-got));
		return -1;
	}
	if (got > 0)
		put(m, r, a, s->op->data + from, (size_t)got);
	return got;
}

/* S7 one-shot write_volatile_to at @a. */
static long one_write_to(struct vmbf_model *m, struct mregion *r, uint64_t a, uint64_t n,
			 struct msink *s, struct vmbf_expect *e)
{
	uint64_t k;
	long w;

	if (a > r->len) {
		expect_oob(e, "S7", a);
		return -1;
	}
	k = min64(min64(n, r->len - a), io_limit(m));
	if (k == 0)
		return 0;
	w = sink_write_once(s, r, a, k);
	if (w < 0) {
		expect(e, "S7", "err io errno=%s", errno_name(-w));
		return -1;
	}
	return w;
}

static void step_single(struct vmbf_model *m, const struct vmbo_op *op, struct vmbf_expect *e,
			struct msrc *src, struct msink *sink)
{
	struct mregion *r = &m->r[0];
	uint64_t a = op->addr, n;
	long got;

	switch (op->kind) {
	case VMBO_WRITE:
	case VMBO_WRITE_SLICE:
	case VMBO_WRITE_OBJ: {
		uint8_t obj[8];
		const uint8_t *p = op->data;

		n = op->len;
		if (op->kind == VMBO_WRITE_OBJ) {
			value_bytes(op, obj);
			p = obj;
			n = op->width;
		}
		/* S1: empty is ok 0 first; S2: no byte at a; S3: clamp. */
		if (n == 0) {
			expect(e, "S1", op->kind == VMBO_WRITE ? "ok 0" : "ok");
			return;
		}
		if (a >= r->len) {
			expect_oob(e, "S2", a);
			return;
		}
		uint64_t k = min64(n, r->len - a);

		put(m, r, a, p, (size_t)k);
		if (op->kind == VMBO_WRITE)
			expect(e, "S3", "ok %" PRIu64, k);
		else if (k < n)
			expect(e, "S4", "err partial_buffer expected=%" PRIu64 " completed=%" PRIu64, n, k);
		else
			expect(e, "S4", "ok");
		return;
	}
	case VMBO_READ:
	case VMBO_READ_SLICE:
	case VMBO_READ_OBJ: {
		n = op->kind == VMBO_READ_OBJ ? op->width : op->n;
		if (n == 0) {
			expect(e, "S1", op->kind == VMBO_READ ? "ok 0 -" : "ok -");
			return;
		}
		if (a >= r->len) {
			expect_oob(e, "S2", a);
			return;
		}
		uint64_t k = min64(n, r->len - a);

		vmbo_text_clear(&e->line);
		e->rule = "S3";
		if (op->kind == VMBO_READ) {
			vmbo_text_printf(&e->line, "ok %" PRIu64 " ", k);
			hex_known(&e->line, r, a, k, r->bytes, r->known);
		} else if (k < n) {
			expect(e, "S4", "err partial_buffer expected=%" PRIu64 " completed=%" PRIu64, n, k);
		} else if (op->kind == VMBO_READ_SLICE) {
			e->rule = "S4";
			vmbo_text_printf(&e->line, "ok ");
			hex_known(&e->line, r, a, k, r->bytes, r->known);
		} else {
			e->rule = "S4";
			vmbo_text_printf(&e->line, "ok 0x%" PRIx64, bytes_value(r->bytes + a, op->width));
		}
		return;
	}
	case VMBO_STORE:
	case VMBO_LOAD:
		if (m->kind == VMBO_SETUP_REMOTE) {
			expect(e, "R1", "err unsupported");
			return;
		}
		/* S9: bounds (S5's errors), then alignment (base is page-aligned). */
		if (range_err(e, "S9", a, op->width, r->len))
			return;
		if (a % op->width) {
			expect(e, "S9", "err misaligned addr=0x%" PRIx64 " alignment=%u", a, op->width);
			return;
		}
		if (op->kind == VMBO_STORE) {
			uint8_t obj[8];

			value_bytes(op, obj);
			put(m, r, a, obj, op->width);
			expect(e, "S9", "ok");
		} else {
			uint64_t v = bytes_value(r->bytes + a, op->width);
			expect(e, "S9", "ok 0x%" PRIx64, v);
		}
		return;
	case VMBO_READ_FROM:
		got = one_read_from(m, r, a, op->n, src, e);
		if (got >= 0)
			expect(e, "S7", "ok %ld", got);
		return;
	case VMBO_READ_EXACT_FROM: {
		uint64_t total = 0;

		if (range_err(e, "S8", a, op->n, r->len))
			return;
		/* I3: a plain buffer source that holds too little copies nothing. */
		if (op->nfaults == 0 && op->len < op->n) {
			expect(e, "I3", "err io kind=unexpected_eof");
			return;
		}
		while (total < op->n) {
			got = one_read_from(m, r, a + total, op->n - total, src, e);
			if (got < 0)
				return;
			if (got == 0) {
				expect(e, "S8", "err io kind=unexpected_eof");
				return;
			}
			total += (uint64_t)got;
		}
		expect(e, "S8", "ok");
		return;
	}
	case VMBO_WRITE_TO:
		got = one_write_to(m, r, a, op->n, sink, e);
		if (got >= 0) {
			vmbo_text_clear(&e->line);
			e->rule = "S7";
			vmbo_text_printf(&e->line, "ok %ld ", got);
			hex_known(&e->line, r, 0, sink->len, sink->buf, sink->known);
		}
		return;
	case VMBO_WRITE_ALL_TO: {
		uint64_t total = 0;

		if (range_err(e, "S8", a, op->n, r->len))
			return;
		while (total < op->n) {
			got = one_write_to(m, r, a + total, op->n - total, sink, e);
			if (got < 0)
				return;
			if (got == 0) {
				expect(e, "S8", "err io kind=write_zero");
				return;
			}
			total += (uint64_t)got;
		}
		vmbo_text_clear(&e->line);
		e->rule = "S8";
		vmbo_text_printf(&e->line, "ok ");
		hex_known(&e->line, r, 0, sink->len, sink->buf, sink->known);
		return;
	}
	default:
		return;
	}
}

/* ---- guest memory (G4-G9) ------------------------------------------------- */

static struct mregion *find(struct vmbf_model *m, uint64_t a)
{
	/* G3, the slow and obvious way. */
	for (size_t i = 0; i < m->n; i++)
		if (a >= m->r[i].start && a - m->r[i].start < m->r[i].len)
			return &m->r[i];
	return NULL;
}

/* What one chunk of a walk does; returns bytes moved, -1 on error. */
typedef long (*chunk_fn)(struct vmbf_model *m, struct mregion *r, uint64_t off, uint64_t len,
			 uint64_t total, const struct vmbo_op *op, void *ctx, struct vmbf_expect *e);

/* G4: returns the total, or -1 with the expectation set. */
static long walk(struct vmbf_model *m, uint64_t a, uint64_t n, chunk_fn fn, const struct vmbo_op *op,
		 void *ctx, struct vmbf_expect *e)
{
	uint64_t cur = a, total = 0;

	if (n == 0)
		return 0; /* G5 */
	while (total < n) {
		struct mregion *r = find(m, cur);

		if (r == NULL) {
			if (total == 0) {
				expect(e, "G4", "err invalid_guest_address addr=0x%" PRIx64, a);
				return -1;
			}
			break;
		}
		uint64_t off = cur - r->start, len = min64(r->len - off, n - total);
		long got = fn(m, r, off, len, total, op, ctx, e);

		if (got < 0)
			return -1;
		total += (uint64_t)got;
		/* G7 [diverges]: a short chunk ends the walk. */
		if ((uint64_t)got < len)
			break;
		cur += len; /* G1 keeps this below 2^64 */
	}
	return (long)total;
}

static long c_write(struct vmbf_model *m, struct mregion *r, uint64_t off, uint64_t len,
		    uint64_t total, const struct vmbo_op *op, void *ctx, struct vmbf_expect *e)
{
	(void)e;
	put(m, r, off, (const uint8_t *)ctx + total, (size_t)len);
	(void)op;
	return (long)len;
}

static long c_read(struct vmbf_model *m, struct mregion *r, uint64_t off, uint64_t len,
		   uint64_t total, const struct vmbo_op *op, void *ctx, struct vmbf_expect *e)
{
	uint8_t **out = ctx;

	(void)m, (void)op, (void)e;
	memcpy(out[0] + total, r->bytes + off, len);
	memcpy(out[1] + total, r->known + off, len);
	return (long)len;
}

static long c_read_from(struct vmbf_model *m, struct mregion *r, uint64_t off, uint64_t len,
			uint64_t total, const struct vmbo_op *op, void *ctx, struct vmbf_expect *e)
{
	struct msrc *s = ctx;
	size_t from = 0;
	long got = src_read_once(s, len, &from);

	(void)total, (void)op;
	/* G7: one read per chunk; G9: IO passes through. */
	if (got < 0) {
		expect(e, "G7", "err io errno=%s", errno_name(-got));
		return -1;
	}
	if (got > 0)
		put(m, r, off, s->op->data + from, (size_t)got);
	return got;
}

static long c_write_to(struct vmbf_model *m, struct mregion *r, uint64_t off, uint64_t len,
		       uint64_t total, const struct vmbo_op *op, void *ctx, struct vmbf_expect *e)
{
	struct msink *s = ctx;
	uint64_t done = 0;

	(void)m, (void)total, (void)op;
	/* G7: each chunk goes whole to the sink (write_all, S8). */
	while (done < len) {
		long w = sink_write_once(s, r, off + done, (size_t)(len - done));

		if (w < 0) {
			expect(e, "G7", "err io errno=%s", errno_name(-w));
			return -1;
		}
		if (w == 0) {
			expect(e, "G7", "err io kind=write_zero");
			return -1;
		}
		done += (uint64_t)w;
	}
	return (long)len;
}

static void step_guest(struct vmbf_model *m, const struct vmbo_op *op, struct vmbf_expect *e,
		       struct msrc *src, struct msink *sink)
{
	uint8_t obj[8];
	long got;

	switch (op->kind) {
	case VMBO_WRITE:
	case VMBO_WRITE_SLICE:
	case VMBO_WRITE_OBJ: {
		const uint8_t *p = op->data;
		uint64_t n = op->len;

		if (op->kind == VMBO_WRITE_OBJ) {
			value_bytes(op, obj);
			p = obj;
			n = op->width;
		}
		got = walk(m, op->addr, n, c_write, op, (void *)p, e);
		if (got < 0)
			return;
		if (op->kind == VMBO_WRITE)
			expect(e, "G6", "ok %ld", got);
		else if ((uint64_t)got < n)
			expect(e, "G6", "err partial_buffer expected=%" PRIu64 " completed=%ld", n, got);
		else
			expect(e, "G6", "ok");
		return;
	}
	case VMBO_READ:
	case VMBO_READ_SLICE:
	case VMBO_READ_OBJ: {
		uint64_t n = op->kind == VMBO_READ_OBJ ? op->width : op->n;
		uint8_t *bufs[2] = { scratch(0, n + 1), scratch(1, n + 1) };

		got = walk(m, op->addr, n, c_read, op, bufs, e);
		if (got >= 0) {
			vmbo_text_clear(&e->line);
			e->rule = "G6";
			if (op->kind == VMBO_READ) {
				vmbo_text_printf(&e->line, "ok %ld ", got);
				hex_known(&e->line, NULL, 0, (size_t)got, bufs[0], bufs[1]);
			} else if ((uint64_t)got < n) {
				expect(e, "G6", "err partial_buffer expected=%" PRIu64 " completed=%ld", n,
				       got);
			} else if (op->kind == VMBO_READ_SLICE) {
				vmbo_text_printf(&e->line, "ok ");
				hex_known(&e->line, NULL, 0, (size_t)n, bufs[0], bufs[1]);
			} else {
				uint64_t v = bytes_value(bufs[0], op->width);
				vmbo_text_printf(&e->line, "ok 0x%" PRIx64, v);
			}
		}
		return;
	}
	case VMBO_STORE:
	case VMBO_LOAD: {
		struct mregion *r = find(m, op->addr);

		/* G8: the first chunk only. */
		if (r == NULL) {
			expect(e, "G8", "err invalid_guest_address addr=0x%" PRIx64, op->addr);
			return;
		}
		uint64_t off = op->addr - r->start;

		if (r->len - off < op->width || off % op->width) {
			expect(e, "G8", "err invalid_backend_address");
			return;
		}
		if (op->kind == VMBO_STORE) {
			value_bytes(op, obj);
			put(m, r, off, obj, op->width);
			expect(e, "G8", "ok");
		} else {
			uint64_t v = bytes_value(r->bytes + off, op->width);
			expect(e, "G8", "ok 0x%" PRIx64, v);
		}
		return;
	}
	case VMBO_READ_FROM:
	case VMBO_READ_EXACT_FROM:
		got = walk(m, op->addr, op->n, c_read_from, op, src, e);
		if (got < 0)
			return;
		if (op->kind == VMBO_READ_FROM)
			expect(e, "G7", "ok %ld", got);
		else if ((uint64_t)got != op->n)
			expect(e, "G7", "err partial_buffer expected=%" PRIu64 " completed=%ld", op->n,
			       got);
		else
			expect(e, "G7", "ok");
		return;
	case VMBO_WRITE_TO:
	case VMBO_WRITE_ALL_TO:
		got = walk(m, op->addr, op->n, c_write_to, op, sink, e);
		if (got < 0)
			return;
		if (op->kind == VMBO_WRITE_ALL_TO && (uint64_t)got != op->n) {
			expect(e, "G7", "err partial_buffer expected=%" PRIu64 " completed=%ld", op->n,
			       got);
			return;
		}
		vmbo_text_clear(&e->line);
		e->rule = "G7";
		if (op->kind == VMBO_WRITE_TO)
			vmbo_text_printf(&e->line, "ok %ld ", got);
		else
			vmbo_text_printf(&e->line, "ok ");
		hex_known(&e->line, NULL, 0, sink->len, sink->buf, sink->known);
		return;
	default:
		return;
	}
}

/* ---- one step ------------------------------------------------------------ */

static void step_dirty(struct vmbf_model *m, struct vmbf_expect *e)
{
	/* SPEC 7: one bitmap per region, page i in bit i%8 of byte i/8; then clear. */
	if (m->page == 0) {
		expect(e, "S11", "err invalid_argument");
		return;
	}
	vmbo_text_clear(&e->line);
	e->rule = "S11";
	vmbo_text_put(&e->line, "ok", 2);
	for (size_t i = 0; i < m->n; i++) {
		struct mregion *r = &m->r[i];
		uint64_t nbytes = (r->pages + 7) / 8;

		char *out;

		vmbo_text_put(&e->line, nbytes ? " " : " -", nbytes ? 1 : 2);
		/* Bitmaps of byte-sized pages reach thousands of digits: written in place. */
		reserve(&e->line, 2 * (size_t)nbytes);
		out = e->line.s + e->line.len;
		for (uint64_t b = 0; b < nbytes; b++, out += 2) {
			unsigned v = 0;

			for (unsigned bit = 0; bit < 8 && b * 8 + bit < r->pages; bit++)
				v |= (unsigned)r->dirty[b * 8 + bit] << bit;
			out[0] = "0123456789abcdef"[v >> 4];
			out[1] = "0123456789abcdef"[v & 15];
		}
		*out = '\0';
		e->line.len += 2 * (size_t)nbytes;
		memset(r->dirty, 0, r->pages ? r->pages : 1);
	}
}

void vmbf_model_step(struct vmbf_model *m, const struct vmbo_op *op, struct vmbf_expect *e)
{
	/* S9 [diverges]: an invalid ordering is refused before anything else. */
	if ((op->kind == VMBO_STORE && (op->order == VMB_ORDER_ACQUIRE || op->order == VMB_ORDER_ACQ_REL)) ||
	    (op->kind == VMBO_LOAD && (op->order == VMB_ORDER_RELEASE || op->order == VMB_ORDER_ACQ_REL))) {
		expect(e, "S9", "err invalid_argument");
		return;
	}
	if (op->kind == VMBO_DIRTY) {
		step_dirty(m, e);
		return;
	}

	struct msrc src = { .op = op };
	struct msink sink = { .op = op };

	if (op->kind == VMBO_WRITE_TO || op->kind == VMBO_WRITE_ALL_TO) {
		sink.buf = scratch(0, op->cap + 1);
		sink.known = scratch(1, op->cap + 1);
	}
	/* G5/S1: zero-length read/write short-circuit happens inside each family. */
	if (m->kind == VMBO_SETUP_REGION)
		step_guest(m, op, e, &src, &sink);
	else
		step_single(m, op, e, &src, &sink);
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

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Fuzz target "hostile": a container whose every answer the input chooses
 * (statuses: 0, a code of SPEC 6, positive or unknown negative ones;
 * counts: 0, short, exact, one past, far past, SIZE_MAX; values that fit
 * their width or do not), driven through every derived operation of
 * bytes.h in both exact styles. The oracle is an independent reading of
 * SPEC B1-B4 (with S4, S8, G7, W1-W4, A1): the status, the count or value
 * the caller gets, PartialBuffer's fields, and the number of calls the
 * layer made (none after an error). The caller's buffers are heap blocks
 * of exactly their length, and the container touches all it is given, so
 * ASan sees a length passed on past a buffer.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "fuzz.h"

#define MAX_ANSWERS 8
#define MAX_LEN 64

struct answer {
	int rc;
	uint64_t count; /* or the value of a load or rmw */
};

struct hostile {
	struct answer a[MAX_ANSWERS];
	unsigned n, next, calls;
};

static struct answer take(struct hostile *h)
{
	struct answer none = { 0, 0 };

	h->calls++;
	return h->next < h->n ? h->a[h->next++] : none;
}

/* The container touches every byte it was handed: a length past the buffer shows. */
static void touch(const void *buf, size_t len)
{
	const volatile uint8_t *p = buf;
	uint8_t x = 0;

	for (size_t i = 0; i < len; i++)
		x ^= p[i];
	(void)x;
}

static int h_write(void *self, uint64_t addr, const void *buf, size_t len, size_t *done,
		   struct vmb_error *err)
{
	struct answer x = take(self);

	(void)addr, (void)err;
	touch(buf, len);
	*done = (size_t)x.count;
	return x.rc;
}

static int h_read(void *self, uint64_t addr, void *buf, size_t len, size_t *done,
		  struct vmb_error *err)
{
	struct answer x = take(self);

	(void)addr, (void)err;
	memset(buf, 0xa5, len);
	*done = (size_t)x.count;
	return x.rc;
}

static int h_read_from(void *self, uint64_t addr, struct vmb_source *src, size_t n, size_t *done,
		       struct vmb_error *err)
{
	struct answer x = take(self);

	(void)addr, (void)src, (void)n, (void)err;
	*done = (size_t)x.count;
	return x.rc;
}

static int h_write_to(void *self, uint64_t addr, struct vmb_sink *dst, size_t n, size_t *done,
		      struct vmb_error *err)
{
	struct answer x = take(self);

	(void)addr, (void)dst, (void)n, (void)err;
	*done = (size_t)x.count;
	return x.rc;
}

static int h_store(void *self, uint64_t addr, unsigned width, struct vmb_ordering order, uint64_t v,
		   struct vmb_error *err)
{
	(void)addr, (void)width, (void)order, (void)v, (void)err;
	return take(self).rc;
}

static int h_load(void *self, uint64_t addr, unsigned width, struct vmb_ordering order, uint64_t *v,
		  struct vmb_error *err)
{
	struct answer x = take(self);

	(void)addr, (void)width, (void)order, (void)err;
	*v = x.count;
	return x.rc;
}

static int h_check(void *self, uint64_t addr, size_t n, struct vmb_error *err)
{
	(void)addr, (void)n, (void)err;
	return take(self).rc;
}

static int h_rmw(void *self, uint64_t addr, unsigned width, const struct vmb_rmw *r, uint64_t *old,
		 struct vmb_error *err)
{
	struct answer x = take(self);

	(void)addr, (void)width, (void)r, (void)err;
	*old = x.count;
	return x.rc;
}

static const struct vmb_bytes_ops tables[2] = {
	{ .name = "hostile-loop", .exact = VMB_EXACT_LOOP, .write = h_write, .read = h_read,
	  .read_volatile_from = h_read_from, .write_volatile_to = h_write_to, .store = h_store,
	  .load = h_load, .check_range = h_check, .rmw = h_rmw },
	{ .name = "hostile-compare", .exact = VMB_EXACT_COMPARE, .write = h_write, .read = h_read,
	  .read_volatile_from = h_read_from, .write_volatile_to = h_write_to, .store = h_store,
	  .load = h_load, .check_range = h_check, .rmw = h_rmw },
};

enum dop {
	D_WRITE, D_READ, D_WRITE_SLICE, D_READ_SLICE, D_READ_FROM, D_WRITE_TO, D_READ_EXACT,
	D_WRITE_ALL, D_STORE, D_LOAD, D_RMW, D_WRITE_WHOLE, D_READ_WHOLE, D_COUNT,
};

static const char *const dop_names[D_COUNT] = {
	"write", "read", "write_slice", "read_slice", "read_volatile_from", "write_volatile_to",
	"read_exact_volatile_from", "write_all_volatile_to", "store", "load", "rmw", "write_whole",
	"read_whole",
};

struct step {
	enum dop op;
	unsigned style; /* 0: loop, 1: compare */
	size_t len;     /* bytes, or n of the volatile I/O forms */
	unsigned width;
	size_t held;    /* bytes the buffer source holds (I3) */
	struct hostile h;
};

static const unsigned widths[] = { 1, 2, 4, 8 };

/* A status: 0 most often, a code of SPEC 6, or no code at all (B2). */
static int pick_rc(struct vmbf_producer *d)
{
	uint8_t k = vmbf_u8(d);

	switch (k % 8) {
	case 0:
		return -1 - (int)(vmbf_u8(d) % (VMB_STATUS_COUNT - 1));
	case 1:
		return 1 + (int)(vmbf_u8(d) % 4);
	case 2:
		return -VMB_STATUS_COUNT - (int)(vmbf_u8(d) % 4);
	case 3:
		return (int)(int8_t)vmbf_u8(d) * 1000;
	default:
		return 0;
	}
}

/* A count around @asked: short, exact, one past, far past (B1, B4). */
static uint64_t pick_count(struct vmbf_producer *d, size_t asked)
{
	uint8_t k = vmbf_u8(d);

	switch (k % 8) {
	case 0:
		return 0;
	case 1:
		return asked ? vmbf_u8(d) % asked : 0;
	case 2:
		return asked + 1;
	case 3:
		return SIZE_MAX;
	case 4:
		return asked + vmbf_u8(d);
	case 5:
		return vmbf_u64(d);
	default:
		return asked;
	}
}

static void decode_step(struct vmbf_producer *d, struct step *s)
{
	memset(s, 0, sizeof(*s));
	s->op = (enum dop)(vmbf_u8(d) % D_COUNT);
	s->style = vmbf_u8(d) & 1;
	s->len = vmbf_u8(d) % (MAX_LEN + 1);
	s->width = widths[vmbf_u8(d) % 4];
	s->held = vmbf_bool(d) ? s->len : vmbf_u8(d) % (MAX_LEN + 1);
	s->h.n = 1 + vmbf_u8(d) % MAX_ANSWERS;
	for (unsigned i = 0; i < s->h.n; i++) {
		s->h.a[i].rc = pick_rc(d);
		/* Counts are taken against the whole length; a loop's later calls see less asked. */
		s->h.a[i].count = pick_count(d, s->op == D_LOAD || s->op == D_RMW ? 0xff : s->len);
		if (s->op == D_LOAD || s->op == D_RMW)
			s->h.a[i].count = vmbf_bool(d) ? vmbf_u64(d) : vmbf_u64(d) & 0xff;
	}
}

/* ---- the oracle: SPEC B1-B4 read plainly --------------------------------- */

struct outcome {
	int rc;
	uint64_t count;    /* done, or the value */
	bool has_count;
	uint64_t expected, completed; /* PartialBuffer */
	unsigned calls;
};

/* One call asked for @asked: its status as the layer must see it (B1, B2). */
static int judged(const struct answer *a, uint64_t asked, bool counts)
{
	bool known = a->rc == 0 || (a->rc < 0 && a->rc > -VMB_STATUS_COUNT);

	if (!known || (counts && a->count > asked))
		return VMB_ECALLBACK_OUT_OF_RANGE;
	return a->rc;
}

static struct answer next(const struct step *s, unsigned *used)
{
	struct answer none = { 0, 0 };

	return *used < s->h.n ? s->h.a[(*used)++] : none;
}

static void partial_or_ok(struct outcome *o, uint64_t want, uint64_t got)
{
	if (got < want) {
		o->rc = VMB_EPARTIAL_BUFFER;
		o->expected = want;
		o->completed = got;
	}
}

static struct outcome predict(const struct step *s)
{
	struct outcome o = { 0 };
	unsigned used = 0;
	struct answer a;
	uint64_t total = 0, mask = s->width == 8 ? UINT64_MAX : ((uint64_t)1 << (8 * s->width)) - 1;

	switch (s->op) {
	case D_WRITE:
	case D_READ:
	case D_WRITE_SLICE:
	case D_READ_SLICE:
		if (s->len == 0) { /* S1: no call */
			o.has_count = s->op <= D_READ;
			break;
		}
		a = next(s, &used);
		o.calls = 1;
		o.rc = judged(&a, s->len, true);
		if (s->op <= D_READ) {
			/* A believable count is reported with an error too (SPEC's notation). */
			o.has_count = true;
			o.count = o.rc == VMB_ECALLBACK_OUT_OF_RANGE ? 0 : a.count;
		} else if (o.rc == 0) {
			partial_or_ok(&o, s->len, a.count);
		}
		break;
	case D_READ_FROM:
	case D_WRITE_TO:
		a = next(s, &used);
		o.calls = 1;
		o.rc = judged(&a, s->len, true);
		o.has_count = true;
		o.count = o.rc == VMB_ECALLBACK_OUT_OF_RANGE ? 0 : a.count;
		break;
	case D_READ_EXACT:
	case D_WRITE_ALL:
		if (s->style == 1) { /* G7: one call, then compare */
			a = next(s, &used);
			o.calls = 1;
			o.rc = judged(&a, s->len, true);
			if (o.rc == 0)
				partial_or_ok(&o, s->len, a.count);
			break;
		}
		/* S8: the range check, I3, then the loop. */
		a = next(s, &used);
		o.calls = 1;
		o.rc = judged(&a, 0, false);
		if (o.rc != 0)
			break;
		if (s->op == D_READ_EXACT && s->held < s->len) {
			o.rc = VMB_EIO; /* I3: UnexpectedEof, nothing asked of the container */
			break;
		}
		while (total < s->len) {
			a = next(s, &used);
			o.calls++;
			o.rc = judged(&a, s->len - total, true);
			if (o.rc != 0)
				break;
			if (a.count == 0) {
				o.rc = VMB_EIO; /* UnexpectedEof / WriteZero */
				break;
			}
			total += a.count;
		}
		break;
	case D_STORE:
		a = next(s, &used);
		o.calls = 1;
		o.rc = judged(&a, 0, false);
		break;
	case D_LOAD:
	case D_RMW:
		a = next(s, &used);
		o.calls = 1;
		o.rc = judged(&a, 0, false);
		if (o.rc == 0 && (a.count & ~mask) != 0)
			o.rc = VMB_ECALLBACK_OUT_OF_RANGE; /* B3 */
		o.has_count = o.rc == 0;
		o.count = o.rc == 0 ? a.count : 0;
		break;
	case D_WRITE_WHOLE:
	case D_READ_WHOLE:
		if (s->len == 0) /* W1: no call */
			break;
		a = next(s, &used);
		o.calls = 1;
		o.rc = judged(&a, 0, false);
		if (o.rc != 0)
			break;
		a = next(s, &used);
		o.calls = 2;
		o.rc = judged(&a, s->len, true);
		if (o.rc == 0)
			partial_or_ok(&o, s->len, a.count);
		break;
	default:
		break;
	}
	return o;
}

/* ---- the library --------------------------------------------------------- */

static struct outcome run(struct step *s)
{
	struct outcome o = { 0 };
	struct vmb_bytes b = { &tables[s->style], &s->h };
	/* Exactly the caller's lengths: one byte more than asked is ASan's to see. */
	uint8_t *buf = malloc(s->len ? s->len : 1), *held = malloc(s->held ? s->held : 1);
	struct vmb_buf_source src;
	struct vmb_buf_sink sink;
	struct vmb_rmw rq = { VMB_RMW_ADD, { VMB_ORDER_SEQ_CST }, { VMB_ORDER_RELAXED }, 1, 0 };
	struct vmb_error e = { 0 };
	size_t done = 77;
	uint64_t v = 77;

	if (buf == NULL || held == NULL)
		abort();
	memset(buf, 0x3c, s->len ? s->len : 1);
	memset(held, 0x4b, s->held ? s->held : 1);
	VMBF_CHECK("I2", vmb_buf_source_init(&src, held, s->held) == 0 &&
				 vmb_buf_sink_init(&sink, buf, s->len) == 0,
		   "hostile: set-up refused");
	switch (s->op) {
	case D_WRITE:
		o.rc = vmb_bytes_write(b, 0, buf, s->len, &done, &e);
		break;
	case D_READ:
		o.rc = vmb_bytes_read(b, 0, buf, s->len, &done, &e);
		break;
	case D_WRITE_SLICE:
		o.rc = vmb_bytes_write_slice(b, 0, buf, s->len, &e);
		break;
	case D_READ_SLICE:
		o.rc = vmb_bytes_read_slice(b, 0, buf, s->len, &e);
		break;
	case D_READ_FROM:
		o.rc = vmb_bytes_read_volatile_from(b, 0, &src.base, s->len, &done, &e);
		break;
	case D_WRITE_TO:
		o.rc = vmb_bytes_write_volatile_to(b, 0, &sink.base, s->len, &done, &e);
		break;
	case D_READ_EXACT:
		o.rc = vmb_bytes_read_exact_volatile_from(b, 0, &src.base, s->len, &e);
		break;
	case D_WRITE_ALL:
		o.rc = vmb_bytes_write_all_volatile_to(b, 0, &sink.base, s->len, &e);
		break;
	case D_STORE:
		o.rc = vmb_bytes_store(b, 0, s->width, VMB_RELEASE, 1, &e);
		break;
	case D_LOAD:
		o.rc = vmb_bytes_load(b, 0, s->width, VMB_ACQUIRE, &v, &e);
		break;
	case D_RMW:
		o.rc = vmb_bytes_rmw(b, 0, s->width, &rq, &v, &e);
		break;
	case D_WRITE_WHOLE:
		o.rc = vmb_bytes_write_whole(b, 0, buf, s->len, &e);
		break;
	case D_READ_WHOLE:
		o.rc = vmb_bytes_read_whole(b, 0, buf, s->len, &e);
		break;
	default:
		break;
	}
	if (s->op <= D_READ || s->op == D_READ_FROM || s->op == D_WRITE_TO) {
		o.has_count = true;
		o.count = done;
	} else if (s->op == D_LOAD || s->op == D_RMW) {
		o.has_count = o.rc == 0;
		o.count = o.rc == 0 ? v : 0;
		VMBF_CHECK("B3", o.rc == 0 || v == 77, "%s: a failed call changed the value to 0x%" PRIx64,
			   dop_names[s->op], v);
	}
	if (o.rc == VMB_EPARTIAL_BUFFER) {
		o.expected = e.expected;
		o.completed = e.completed;
	}
	o.calls = s->h.calls;
	free(buf);
	free(held);
	return o;
}

static void describe(const struct step *s, struct vmbo_text *out)
{
	vmbo_text_printf(out, "%s %s len=%zu width=%u held=%zu answers", dop_names[s->op],
			 s->style ? "compare" : "loop", s->len, s->width, s->held);
	for (unsigned i = 0; i < s->h.n; i++)
		vmbo_text_printf(out, " %d/0x%" PRIx64, s->h.a[i].rc, s->h.a[i].count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmbf_producer d;

	vmbf_producer_init(&d, data, size);
	for (int i = 0; i < 32 && !vmbf_done(&d); i++) {
		struct step s;

		decode_step(&d, &s);
		struct outcome want = predict(&s), got = run(&s);

		if (want.rc != got.rc || want.calls != got.calls || want.has_count != got.has_count ||
		    (want.has_count && want.count != got.count) ||
		    (want.rc == VMB_EPARTIAL_BUFFER &&
		     (want.expected != got.expected || want.completed != got.completed))) {
			struct vmbo_text t = { 0 };

			describe(&s, &t);
			vmbf_fail("B1-B4", "%s: got %s count 0x%" PRIx64 " partial %" PRIu64 "/%" PRIu64
					" after %u calls, want %s count 0x%" PRIx64 " partial %" PRIu64
					"/%" PRIu64 " after %u calls",
				  t.s ? t.s : "?", vmb_error_name(got.rc), got.count, got.expected,
				  got.completed, got.calls, vmb_error_name(want.rc), want.count,
				  want.expected, want.completed, want.calls);
		}
	}
	return 0;
}

void vmbf_target_decode(const uint8_t *data, size_t size, struct vmbo_text *out)
{
	struct vmbf_producer d;

	vmbf_producer_init(&d, data, size);
	vmbo_text_printf(out, "# hostile target: op style len width held answers (status/count)\n");
	for (int i = 0; i < 32 && !vmbf_done(&d); i++) {
		struct step s;

		decode_step(&d, &s);
		if (d.ran_out)
			vmbo_text_printf(out, VMBF_RAN_OUT_LINE);
		describe(&s, out);
		vmbo_text_printf(out, "\n");
	}
}

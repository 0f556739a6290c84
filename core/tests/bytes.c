/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The generic Bytes interface (bytes.h), tested on a mock container that
 * lives only here: its own table of operations over a plain array, with
 * only the required operations. Every derived operation (write_slice,
 * read_slice, write_obj, read_obj, the exact I/O forms, the typed helpers)
 * must then behave per SPEC on it, and the generic layer's own checks
 * (S1/G5 zero length, NULL arguments, S9 ordering and width) must happen
 * before the container is called: the mock counts its calls to prove it.
 */
#include "harness.h"

#include <errno.h>

#define MOCK_CAP 64
#define MOCK_TRACE 32

/* One call of a one-shot I/O operation, as the mock saw it. */
struct mock_io {
	uint64_t addr;
	size_t n;
};

struct mock {
	_Alignas(8) uint8_t mem[MOCK_CAP];
	size_t len; /* L: the container's length, <= MOCK_CAP */
	/* Calls per operation. */
	unsigned n_write, n_read, n_read_from, n_write_to, n_store, n_load, n_check;
	/* Calls that broke what the generic layer promises to have checked. */
	unsigned broken;
	struct mock_io trace[MOCK_TRACE];
	size_t ntrace;
	unsigned last_width;
	int last_order;
};

static unsigned mock_calls(const struct mock *m)
{
	return m->n_write + m->n_read + m->n_read_from + m->n_write_to + m->n_store + m->n_load +
	       m->n_check;
}

/* The mock fills errors itself: it may use only the public header. */
static int fail(struct vmb_error *e, int code)
{
	if (e) {
		memset(e, 0, sizeof(*e));
		e->code = code;
	}
	return code;
}

static int fail_oob(struct vmb_error *e, uint64_t addr)
{
	fail(e, VMB_EOUT_OF_BOUNDS);
	if (e)
		e->addr = addr;
	return VMB_EOUT_OF_BOUNDS;
}

static int fail_errno(struct vmb_error *e, int errnum)
{
	fail(e, VMB_EIO);
	if (e) {
		e->io_kind = VMB_IO_ERRNO;
		e->errnum = errnum;
	}
	return VMB_EIO;
}

static void set_done(size_t *done, size_t n)
{
	if (done)
		*done = n;
}

/* S1-S3 for a single range; the generic layer has done S1 already. */
static int mock_write(void *self, uint64_t addr, const void *buf, size_t len, size_t *done,
		      struct vmb_error *err)
{
	struct mock *m = self;

	m->n_write++;
	if (len == 0 || buf == NULL)
		m->broken++;
	set_done(done, 0);
	if (addr >= m->len)
		return fail_oob(err, addr);
	size_t n = len < m->len - addr ? len : m->len - addr;

	memcpy(m->mem + addr, buf, n);
	set_done(done, n);
	return 0;
}

static int mock_read(void *self, uint64_t addr, void *buf, size_t len, size_t *done,
		     struct vmb_error *err)
{
	struct mock *m = self;

	m->n_read++;
	if (len == 0 || buf == NULL)
		m->broken++;
	set_done(done, 0);
	if (addr >= m->len)
		return fail_oob(err, addr);
	size_t n = len < m->len - addr ? len : m->len - addr;

	memcpy(buf, m->mem + addr, n);
	set_done(done, n);
	return 0;
}

static void trace(struct mock *m, uint64_t addr, size_t n)
{
	if (m->ntrace < MOCK_TRACE)
		m->trace[m->ntrace++] = (struct mock_io){ addr, n };
}

/* S7: one call on the source (EINTR retried), count clamped to L - addr. */
static int mock_read_from(void *self, uint64_t addr, struct vmb_source *src, size_t n,
			  size_t *done, struct vmb_error *err)
{
	struct mock *m = self;
	ssize_t r;

	m->n_read_from++;
	trace(m, addr, n);
	if (src == NULL || src->read == NULL)
		m->broken++;
	set_done(done, 0);
	if (addr > m->len)
		return fail_oob(err, addr);
	size_t k = n < m->len - addr ? n : m->len - addr;

	if (k == 0)
		return 0;
	do
		r = src->read(src, m->mem + addr, k);
	while (r == -EINTR);
	if (r < 0)
		return fail_errno(err, (int)-r);
	set_done(done, (size_t)r);
	return 0;
}

static int mock_write_to(void *self, uint64_t addr, struct vmb_sink *dst, size_t n, size_t *done,
			 struct vmb_error *err)
{
	struct mock *m = self;
	ssize_t r;

	m->n_write_to++;
	trace(m, addr, n);
	if (dst == NULL || dst->write == NULL)
		m->broken++;
	set_done(done, 0);
	if (addr > m->len)
		return fail_oob(err, addr);
	size_t k = n < m->len - addr ? n : m->len - addr;

	if (k == 0)
		return 0;
	do
		r = dst->write(dst, m->mem + addr, k);
	while (r == -EINTR);
	if (r < 0)
		return fail_errno(err, (int)-r);
	set_done(done, (size_t)r);
	return 0;
}

/* S9, simplified: bounds, then alignment of the offset (mem is 8-aligned). */
static int mock_atomic_check(struct mock *m, uint64_t addr, unsigned width,
			     struct vmb_error *err)
{
	if (addr > m->len || width > m->len - addr)
		return fail_oob(err, addr + width);
	if (addr % width != 0) {
		fail(err, VMB_EMISALIGNED);
		if (err) {
			err->addr = addr;
			err->alignment = width;
		}
		return VMB_EMISALIGNED;
	}
	return 0;
}

static int mock_store(void *self, uint64_t addr, unsigned width, struct vmb_ordering order,
		      uint64_t v, struct vmb_error *err)
{
	struct mock *m = self;
	int rc;

	m->n_store++;
	m->last_width = width;
	m->last_order = (int)order.order;
	if (!vmb_width_valid(width) || !vmb_order_valid_for_store(order))
		m->broken++;
	rc = mock_atomic_check(m, addr, width, err);
	if (rc != 0)
		return rc;
	/* Little-endian host: the low @width bytes of v. */
	memcpy(m->mem + addr, &v, width);
	return 0;
}

static int mock_load(void *self, uint64_t addr, unsigned width, struct vmb_ordering order,
		     uint64_t *v, struct vmb_error *err)
{
	struct mock *m = self;
	int rc;

	m->n_load++;
	m->last_width = width;
	m->last_order = (int)order.order;
	if (!vmb_width_valid(width) || !vmb_order_valid_for_load(order) || v == NULL)
		m->broken++;
	rc = mock_atomic_check(m, addr, width, err);
	if (rc != 0)
		return rc;
	*v = 0;
	memcpy(v, m->mem + addr, width);
	return 0;
}

/* S5: the errors of get_slice(addr, n). */
static int mock_check_range(void *self, uint64_t addr, size_t n, struct vmb_error *err)
{
	struct mock *m = self;
	uint64_t end;

	m->n_check++;
	if (__builtin_add_overflow(addr, n, &end)) {
		fail(err, VMB_EOVERFLOW);
		if (err) {
			err->base = addr;
			err->offset = n;
		}
		return VMB_EOVERFLOW;
	}
	if (end > m->len)
		return fail_oob(err, end);
	return 0;
}

static const struct vmb_bytes_ops mock_loop_ops = {
	.name = "mock-loop",
	.exact = VMB_EXACT_LOOP,
	.write = mock_write,
	.read = mock_read,
	.read_volatile_from = mock_read_from,
	.write_volatile_to = mock_write_to,
	.store = mock_store,
	.load = mock_load,
	.check_range = mock_check_range,
};

/* The compare style needs no check_range: leaving it NULL proves it is
 * never called. */
static const struct vmb_bytes_ops mock_compare_ops = {
	.name = "mock-compare",
	.exact = VMB_EXACT_COMPARE,
	.write = mock_write,
	.read = mock_read,
	.read_volatile_from = mock_read_from,
	.write_volatile_to = mock_write_to,
	.store = mock_store,
	.load = mock_load,
	.check_range = NULL,
};

static struct vmb_bytes mock_init(struct mock *m, size_t len, const struct vmb_bytes_ops *ops)
{
	memset(m, 0, sizeof(*m));
	m->len = len;
	return (struct vmb_bytes){ ops, m };
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* ---- S1/G5: zero length --------------------------------------------- */

TEST(S1_zero_length_never_reaches_container)
{
	static const uint64_t addrs[] = { 0, 5, 10, 11, UINT64_MAX };
	static const size_t lens[] = { 0, 10 };
	uint8_t buf[1] = { 0 };

	for (size_t l = 0; l < 2; l++) {
		for (size_t a = 0; a < 5; a++) {
			struct mock m;
			struct vmb_bytes b = mock_init(&m, lens[l], &mock_loop_ops);
			struct vmb_error e;
			size_t done = 99;
			uint64_t addr = addrs[a];

			memset(&e, 0, sizeof(e));
			CHECK_RC(vmb_bytes_write(b, addr, buf, 0, &done, &e), 0);
			CHECK_EQ(done, 0);
			done = 99;
			CHECK_RC(vmb_bytes_read(b, addr, buf, 0, &done, &e), 0);
			CHECK_EQ(done, 0);
			/* Even a NULL buffer: length comes first. */
			CHECK_RC(vmb_bytes_write(b, addr, NULL, 0, &done, &e), 0);
			CHECK_RC(vmb_bytes_read(b, addr, NULL, 0, NULL, NULL), 0);
			CHECK_RC(vmb_bytes_write_slice(b, addr, buf, 0, &e), 0);
			CHECK_RC(vmb_bytes_read_slice(b, addr, buf, 0, &e), 0);
			CHECK_RC(vmb_bytes_write_obj(b, addr, buf, 0, &e), 0);
			CHECK_RC(vmb_bytes_read_obj(b, addr, NULL, 0, &e), 0);
			CHECK_EQ(mock_calls(&m), 0);
			CHECK_EQ(e.code, 0);
		}
	}
}

/* The generic layer passes the container's results through untouched. */
TEST(S3_short_copy_and_errors_pass_through)
{
	struct mock m;
	struct vmb_bytes b = mock_init(&m, 10, &mock_loop_ops);
	uint8_t in[6], out[6];
	struct vmb_error e;
	size_t done;

	vmbt_fill_pattern(in, sizeof(in), 0x30);
	/* S3: 6 bytes at 5 of 10: 5 copied, not an error. */
	CHECK_RC(vmb_bytes_write(b, 5, in, 6, &done, &e), 0);
	CHECK_EQ(done, 5);
	CHECK_MEM(m.mem + 5, in, 5);
	CHECK_EQ(m.mem[10], 0);
	memset(out, 0, sizeof(out));
	CHECK_RC(vmb_bytes_read(b, 5, out, 6, &done, &e), 0);
	CHECK_EQ(done, 5);
	CHECK_MEM(out, in, 5);
	CHECK_EQ(out[5], 0);
	/* S2: at L or past, OutOfBounds{a}, as the container reported it. */
	done = 99;
	CHECK_RC(vmb_bytes_write(b, 10, in, 1, &done, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0xa");
	CHECK_EQ(done, 0);
	CHECK_RC(vmb_bytes_read(b, UINT64_MAX, out, 1, &done, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0xffffffffffffffff");
	CHECK_EQ(m.n_write, 2);
	CHECK_EQ(m.n_read, 2);
	CHECK_EQ(m.broken, 0);
}

/* ---- S4: the exact forms of write/read -------------------------------- */

/* SPEC S4's example on a 5-byte container. */
TEST(S4_write_obj_partial_buffer)
{
	struct mock m;
	struct vmb_bytes b = mock_init(&m, 5, &mock_loop_ops);
	uint16_t v = 0xbeef, r = 0;
	struct vmb_error e;

	CHECK_RC(vmb_bytes_write_obj(b, 4, &v, sizeof(v), &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=2 completed=1");
	/* The first byte WAS written (little-endian: the low byte). */
	CHECK_EQ(m.mem[4], 0xef);
	CHECK_EQ(m.mem[5], 0);
	CHECK_RC(vmb_bytes_write_obj(b, SIZE_MAX, &v, sizeof(v), &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0xffffffffffffffff");
	/* read_obj, the same way: one byte lands in the object. */
	CHECK_RC(vmb_bytes_read_obj(b, 4, &r, sizeof(r), &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=2 completed=1");
	CHECK_EQ(r, 0xef);
	CHECK_RC(vmb_bytes_read_obj(b, 5, &r, sizeof(r), &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x5");
	CHECK_EQ(m.broken, 0);
}

TEST(S4_write_slice_read_slice_table)
{
	static const struct {
		uint64_t addr;
		size_t len;
		int rc;
		const char *text;
		size_t moved;
	} cases[] = {
		{ 0, 10, 0, NULL, 10 },
		{ 0, 1, 0, NULL, 1 },
		{ 9, 1, 0, NULL, 1 },
		{ 8, 4, VMB_EPARTIAL_BUFFER, "partial_buffer expected=4 completed=2", 2 },
		{ 0, 11, VMB_EPARTIAL_BUFFER, "partial_buffer expected=11 completed=10", 10 },
		{ 9, 16, VMB_EPARTIAL_BUFFER, "partial_buffer expected=16 completed=1", 1 },
		{ 10, 1, VMB_EOUT_OF_BOUNDS, "out_of_bounds addr=0xa", 0 },
		{ 11, 4, VMB_EOUT_OF_BOUNDS, "out_of_bounds addr=0xb", 0 },
	};
	uint8_t in[16], out[16];

	vmbt_fill_pattern(in, sizeof(in), 0x30);
	for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
		struct mock m;
		struct vmb_bytes b = mock_init(&m, 10, &mock_loop_ops);
		struct vmb_error e;
		uint64_t a = cases[t].addr;
		size_t mv = cases[t].moved;

		memset(m.mem, 0xcc, sizeof(m.mem));
		CHECK_RC(vmb_bytes_write_slice(b, a, in, cases[t].len, &e), cases[t].rc);
		if (cases[t].text)
			CHECK_ERR(e, cases[t].text);
		/* The first `moved` bytes were written, nothing else. */
		if (mv)
			CHECK_MEM(m.mem + a, in, mv);
		for (size_t i = 0; i < MOCK_CAP; i++)
			if (i < a || i >= a + mv)
				CHECK_EQ(m.mem[i], 0xcc);

		memset(out, 0xdd, sizeof(out));
		CHECK_RC(vmb_bytes_read_slice(b, a, out, cases[t].len, &e), cases[t].rc);
		if (cases[t].text)
			CHECK_ERR(e, cases[t].text);
		if (mv)
			CHECK_MEM(out, in, mv);
		CHECK(all_bytes(out + mv, sizeof(out) - mv, 0xdd));
		CHECK_EQ(m.n_write, 1);
		CHECK_EQ(m.n_read, 1);
		CHECK_EQ(m.broken, 0);
	}
}

/* The generic layer's derived forms agree with the slice's on every
 * (addr, len) around the edges. */
TEST(S4_mock_agrees_with_slice)
{
	uint8_t in[12], out_m[12], out_s[12];
	uint8_t smem[8];

	vmbt_fill_pattern(in, sizeof(in), 0x30);
	for (uint64_t a = 0; a <= 10; a++) {
		for (size_t n = 0; n <= 10; n++) {
			struct mock m;
			struct vmb_bytes bm = mock_init(&m, 8, &mock_loop_ops);
			struct vmb_slice s;
			struct vmb_error em, es;
			char tm[200], ts[200];
			int rm, rs;

			memset(smem, 0, sizeof(smem));
			CHECK_RC(vmb_slice_init(&s, smem, sizeof(smem)), 0);
			memset(&em, 0, sizeof(em));
			memset(&es, 0, sizeof(es));
			rm = vmb_bytes_write_slice(bm, a, in, n, &em);
			rs = vmb_bytes_write_slice(vmb_slice_bytes(&s), a, in, n, &es);
			CHECK_RC(rm, rs);
			vmb_error_format(&em, tm, sizeof(tm));
			vmb_error_format(&es, ts, sizeof(ts));
			if (rm != 0 && strcmp(tm, ts) != 0)
				vmbt_fail(__FILE__, __LINE__, "write_slice(%" PRIu64 ", %zu): %s vs %s",
					  a, n, tm, ts);
			CHECK_MEM(m.mem, smem, sizeof(smem));

			memset(out_m, 0, sizeof(out_m));
			memset(out_s, 0, sizeof(out_s));
			rm = vmb_bytes_read_obj(bm, a, out_m, n, &em);
			rs = vmb_bytes_read_obj(vmb_slice_bytes(&s), a, out_s, n, &es);
			CHECK_RC(rm, rs);
			vmb_error_format(&em, tm, sizeof(tm));
			vmb_error_format(&es, ts, sizeof(ts));
			if (rm != 0 && strcmp(tm, ts) != 0)
				vmbt_fail(__FILE__, __LINE__, "read_obj(%" PRIu64 ", %zu): %s vs %s", a,
					  n, tm, ts);
			CHECK_MEM(out_m, out_s, sizeof(out_m));
		}
	}
}

/* Reference bytes.rs test_bytes: a u64 round-trips at 0 of a 10-byte
 * container; at 10 (= L) both directions fail. */
TEST(S4_ref_test_bytes)
{
	struct mock m;
	struct vmb_bytes b = mock_init(&m, 10, &mock_loop_ops);
	uint64_t v = UINT64_MAX, r = 0;
	struct vmb_error e;

	CHECK_RC(vmb_bytes_write_val(b, 0, &v, &e), 0);
	CHECK_RC(vmb_bytes_read_val(b, 0, &r, &e), 0);
	CHECK_EQ(r, UINT64_MAX);
	CHECK(all_bytes(m.mem, 8, 0xff));
	CHECK(all_bytes(m.mem + 8, MOCK_CAP - 8, 0));
	CHECK_RC(vmb_bytes_write_val(b, 10, &v, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0xa");
	CHECK_RC(vmb_bytes_read_val(b, 10, &r, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0xa");
	/* And one byte short of fitting: partial. */
	CHECK_RC(vmb_bytes_write_val(b, 3, &v, &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=8 completed=7");
}

struct pair {
	uint32_t a, b;
};

/* The typed helpers take their size from the object. */
TEST(S4_typed_helpers_use_object_size)
{
	struct mock m;
	struct vmb_bytes b = mock_init(&m, 16, &mock_loop_ops);
	uint8_t u8 = 0x5a, r8 = 0;
	uint16_t u16 = 0x1234, r16 = 0;
	uint32_t u32 = 0x89abcdef, r32 = 0;
	struct pair p = { 0x01020304, 0x05060708 }, rp = { 0, 0 };
	struct vmb_error e;

	CHECK_RC(vmb_bytes_write_val(b, 0, &u8, &e), 0);
	CHECK_RC(vmb_bytes_write_val(b, 1, &u16, &e), 0);
	CHECK_RC(vmb_bytes_write_val(b, 3, &u32, &e), 0);
	CHECK_RC(vmb_bytes_write_val(b, 7, &p, &e), 0);
	/* Host (little-endian) byte order, packed back to back, 15 bytes. */
	CHECK_MEM(m.mem, ((const uint8_t[]){ 0x5a, 0x34, 0x12, 0xef, 0xcd, 0xab, 0x89, 0x04, 0x03,
					     0x02, 0x01, 0x08, 0x07, 0x06, 0x05, 0x00 }),
		  16);
	CHECK_RC(vmb_bytes_read_val(b, 0, &r8, &e), 0);
	CHECK_RC(vmb_bytes_read_val(b, 1, &r16, &e), 0);
	CHECK_RC(vmb_bytes_read_val(b, 3, &r32, &e), 0);
	CHECK_RC(vmb_bytes_read_val(b, 7, &rp, &e), 0);
	CHECK_EQ(r8, u8);
	CHECK_EQ(r16, u16);
	CHECK_EQ(r32, u32);
	CHECK_EQ(rp.a, p.a);
	CHECK_EQ(rp.b, p.b);
	/* An 8-byte struct at 12 of 16: PartialBuffer{8, 4}. */
	CHECK_RC(vmb_bytes_write_val(b, 12, &p, &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=8 completed=4");
	CHECK_EQ(m.mem[12], 0x04);
	CHECK_EQ(m.mem[15], 0x01);
	CHECK_EQ(m.mem[16], 0);
}

/* Reference bytes.rs byte_valued_slice: bytes [0,0,0,0,1,1,1,1] make a
 * struct with a = 0 and b = 0x01010101, and back. */
TEST(S4_ref_byte_valued_slice)
{
	struct mock m;
	struct vmb_bytes b = mock_init(&m, 8, &mock_loop_ops);
	const uint8_t raw[8] = { 0, 0, 0, 0, 1, 1, 1, 1 };
	struct pair p = { 7, 7 };
	uint8_t back[8];
	struct vmb_error e;

	CHECK_RC(vmb_bytes_write_slice(b, 0, raw, sizeof(raw), &e), 0);
	CHECK_RC(vmb_bytes_read_val(b, 0, &p, &e), 0);
	CHECK_EQ(p.a, 0);
	CHECK_EQ(p.b, 0x01010101);
	memset(m.mem, 0, sizeof(m.mem));
	CHECK_RC(vmb_bytes_write_val(b, 0, &p, &e), 0);
	CHECK_RC(vmb_bytes_read_slice(b, 0, back, sizeof(back), &e), 0);
	CHECK_MEM(back, raw, 8);
}

/* Reference bytes.rs test_byte_valued_zeroed: a new container is zero, so
 * an object read from it is all zero bytes, whatever it held before. */
TEST(S4_ref_byte_valued_zeroed)
{
	struct mock m;
	struct vmb_bytes b = mock_init(&m, 32, &mock_loop_ops);
	struct {
		uint64_t x;
		uint32_t y;
		uint8_t z[12];
	} obj;
	struct vmb_error e;

	memset(&obj, 0xa5, sizeof(obj));
	CHECK_RC(vmb_bytes_read_val(b, 4, &obj, &e), 0);
	CHECK(all_bytes((const uint8_t *)&obj, sizeof(obj), 0));
}

/* ---- arguments the generic layer rejects ------------------------------ */

TEST(S1_null_buffer_rejected_before_container)
{
	struct mock m;
	struct vmb_bytes b = mock_init(&m, 10, &mock_loop_ops);
	struct vmb_error e;
	size_t done = 99;

	CHECK_RC(vmb_bytes_write(b, 0, NULL, 1, &done, &e), VMB_EINVALID_ARGUMENT);
	CHECK_ERR(e, "invalid_argument");
	CHECK_EQ(done, 0);
	done = 99;
	CHECK_RC(vmb_bytes_read(b, 0, NULL, 4, &done, &e), VMB_EINVALID_ARGUMENT);
	CHECK_EQ(done, 0);
	CHECK_RC(vmb_bytes_write_slice(b, 0, NULL, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_read_slice(b, 0, NULL, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_write_obj(b, 0, NULL, 8, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_read_obj(b, 0, NULL, 8, &e), VMB_EINVALID_ARGUMENT);
	/* Even at an address the container would refuse: argument first. */
	CHECK_RC(vmb_bytes_write(b, 100, NULL, 1, NULL, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_read(b, 100, NULL, 1, NULL, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_EQ(mock_calls(&m), 0);
}

TEST(S7_null_source_sink_rejected_before_container)
{
	struct mock m;
	struct vmb_bytes b = mock_init(&m, 10, &mock_loop_ops);
	struct vmb_source no_read = { NULL, NULL };
	struct vmb_sink no_write = { NULL };
	struct vmb_error e;
	size_t done = 99;

	CHECK_RC(vmb_bytes_read_volatile_from(b, 0, NULL, 4, &done, &e), VMB_EINVALID_ARGUMENT);
	CHECK_ERR(e, "invalid_argument");
	CHECK_EQ(done, 0);
	done = 99;
	CHECK_RC(vmb_bytes_read_volatile_from(b, 0, &no_read, 4, &done, &e), VMB_EINVALID_ARGUMENT);
	CHECK_EQ(done, 0);
	done = 99;
	CHECK_RC(vmb_bytes_write_volatile_to(b, 0, NULL, 4, &done, &e), VMB_EINVALID_ARGUMENT);
	CHECK_EQ(done, 0);
	CHECK_RC(vmb_bytes_write_volatile_to(b, 0, &no_write, 4, &done, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0, NULL, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0, &no_read, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_write_all_volatile_to(b, 0, NULL, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_write_all_volatile_to(b, 0, &no_write, 4, &e), VMB_EINVALID_ARGUMENT);
	/* Before the range check too: an out-of-range exact call with a NULL
	 * source is InvalidArgument, and check_range is never asked. */
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 100, NULL, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_write_all_volatile_to(b, 100, NULL, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_EQ(mock_calls(&m), 0);
}

/* A handle with no table is InvalidArgument for every operation. */
TEST(S1_empty_handle_rejected)
{
	struct vmb_bytes none = { NULL, NULL };
	uint8_t buf[4] = { 0 };
	uint64_t v = 0;
	struct vmb_buf_source src;
	struct vmb_buf_sink dst;
	struct vmb_error e;
	size_t done = 99;

	CHECK_RC(vmb_buf_source_init(&src, buf, sizeof(buf)), 0);
	CHECK_RC(vmb_buf_sink_init(&dst, buf, sizeof(buf)), 0);
	CHECK_RC(vmb_bytes_write(none, 0, buf, 4, &done, &e), VMB_EINVALID_ARGUMENT);
	CHECK_EQ(done, 0);
	CHECK_RC(vmb_bytes_read(none, 0, buf, 4, &done, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_write_slice(none, 0, buf, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_read_slice(none, 0, buf, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_write_obj(none, 0, buf, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_read_obj(none, 0, buf, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_read_volatile_from(none, 0, &src.base, 4, &done, &e),
		 VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_write_volatile_to(none, 0, &dst.base, 4, &done, &e),
		 VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(none, 0, &src.base, 4, &e),
		 VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_write_all_volatile_to(none, 0, &dst.base, 4, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_store(none, 0, 4, VMB_RELAXED, 1, &e), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_bytes_load(none, 0, 4, VMB_RELAXED, &v, &e), VMB_EINVALID_ARGUMENT);
	CHECK_ERR(e, "invalid_argument");
	/* Nothing was consumed or appended. */
	CHECK_EQ(src.pos, 0);
	CHECK_EQ(dst.len, 0);
}

/* S9 [diverges]: an ordering invalid for the operation, or a width that is
 * not 1, 2, 4 or 8, is InvalidArgument before anything else. */
TEST(S9_invalid_order_or_width_rejected_before_container)
{
	static const int bad_store_orders[] = { VMB_ORDER_ACQUIRE, VMB_ORDER_ACQ_REL, -1, 5, 100 };
	static const int bad_load_orders[] = { VMB_ORDER_RELEASE, VMB_ORDER_ACQ_REL, -1, 5, 100 };
	static const unsigned bad_widths[] = { 0, 3, 5, 6, 7, 9, 16, 32, UINT32_MAX };
	struct mock m;
	struct vmb_bytes b = mock_init(&m, 16, &mock_loop_ops);
	struct vmb_error e;
	uint64_t v = 77;

	memset(m.mem, 0x42, MOCK_CAP);
	for (size_t i = 0; i < 5; i++) {
		/* At a good address and at one the container would refuse. */
		CHECK_RC(vmb_bytes_store(b, 0, 4, vmb_ordering_of(bad_store_orders[i]), 1, &e), VMB_EINVALID_ARGUMENT);
		CHECK_ERR(e, "invalid_argument");
		CHECK_RC(vmb_bytes_store(b, 99, 4, vmb_ordering_of(bad_store_orders[i]), 1, &e), VMB_EINVALID_ARGUMENT);
		CHECK_RC(vmb_bytes_store(b, 1, 4, vmb_ordering_of(bad_store_orders[i]), 1, &e), VMB_EINVALID_ARGUMENT);
		CHECK_RC(vmb_bytes_load(b, 0, 4, vmb_ordering_of(bad_load_orders[i]), &v, &e), VMB_EINVALID_ARGUMENT);
		CHECK_RC(vmb_bytes_load(b, 99, 4, vmb_ordering_of(bad_load_orders[i]), &v, &e), VMB_EINVALID_ARGUMENT);
	}
	for (size_t i = 0; i < sizeof(bad_widths) / sizeof(bad_widths[0]); i++) {
		CHECK_RC(vmb_bytes_store(b, 0, bad_widths[i], VMB_SEQ_CST, 1, &e),
			 VMB_EINVALID_ARGUMENT);
		CHECK_RC(vmb_bytes_load(b, 0, bad_widths[i], VMB_SEQ_CST, &v, &e),
			 VMB_EINVALID_ARGUMENT);
	}
	CHECK_RC(vmb_bytes_load(b, 0, 8, VMB_ACQUIRE, NULL, &e), VMB_EINVALID_ARGUMENT);
	CHECK_EQ(mock_calls(&m), 0);
	CHECK(all_bytes(m.mem, MOCK_CAP, 0x42));
	CHECK_EQ(v, 77);
}

/* Every valid (width, order) reaches the container unchanged, and a store
 * then a load round-trips. */
TEST(S9_valid_atomics_reach_container)
{
	static const unsigned widths[] = { 1, 2, 4, 8 };
	static const int store_orders[] = { VMB_ORDER_RELAXED, VMB_ORDER_RELEASE, VMB_ORDER_SEQ_CST };
	static const int load_orders[] = { VMB_ORDER_RELAXED, VMB_ORDER_ACQUIRE, VMB_ORDER_SEQ_CST };
	struct mock m;
	struct vmb_bytes b = mock_init(&m, 16, &mock_loop_ops);
	struct vmb_error e;

	for (size_t w = 0; w < 4; w++) {
		for (size_t o = 0; o < 3; o++) {
			unsigned width = widths[w];
			/* The low `width` bytes of the value stored. */
			uint64_t want = width == 8 ? UINT64_C(0x8877665544332211)
						   : UINT64_C(0x8877665544332211) &
							     ((UINT64_C(1) << (8 * width)) - 1);
			uint64_t v = 0;

			memset(m.mem, 0, MOCK_CAP);
			CHECK_RC(vmb_bytes_store(b, 8, width, vmb_ordering_of(store_orders[o]),
						 UINT64_C(0x8877665544332211), &e),
				 0);
			CHECK_EQ(m.last_width, width);
			CHECK_EQ(m.last_order, store_orders[o]);
			CHECK_RC(vmb_bytes_load(b, 8, width, vmb_ordering_of(load_orders[o]), &v, &e), 0);
			CHECK_EQ(m.last_width, width);
			CHECK_EQ(m.last_order, load_orders[o]);
			CHECK_EQ(v, want);
		}
	}
	CHECK_EQ(m.n_store, 12);
	CHECK_EQ(m.n_load, 12);
	CHECK_EQ(m.broken, 0);
	/* The container's own errors pass through: bounds, then alignment. */
	uint64_t v;

	CHECK_RC(vmb_bytes_store(b, 12, 8, VMB_RELAXED, 1, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x14");
	CHECK_RC(vmb_bytes_load(b, 2, 4, VMB_RELAXED, &v, &e), VMB_EMISALIGNED);
	CHECK_ERR(e, "misaligned addr=0x2 alignment=4");
}

/* Reference bytes.rs check_atomic_accesses on the mock: a zeroed u32 loads
 * 0, stores 100 and loads it back; a bad address fails both ways. */
TEST(S9_ref_check_atomic_accesses)
{
	struct mock m;
	struct vmb_bytes b = mock_init(&m, 16, &mock_loop_ops);
	struct vmb_error e;
	uint64_t v = 1;

	CHECK_RC(vmb_bytes_load(b, 4, 4, VMB_RELAXED, &v, &e), 0);
	CHECK_EQ(v, 0);
	CHECK_RC(vmb_bytes_store(b, 4, 4, VMB_RELAXED, 100, &e), 0);
	CHECK_RC(vmb_bytes_load(b, 4, 4, VMB_RELAXED, &v, &e), 0);
	CHECK_EQ(v, 100);
	CHECK(vmb_bytes_load(b, 16, 4, VMB_RELAXED, &v, &e) != 0);
	CHECK(vmb_bytes_store(b, 16, 4, VMB_RELAXED, 100, &e) != 0);
}

/* ---- S8: exact I/O forms in the loop style ----------------------------- */

TEST(S8_loop_range_checked_first)
{
	static const struct {
		uint64_t a;
		size_t n;
		int rc;
		const char *text;
	} cases[] = {
		{ 0, 11, VMB_EOUT_OF_BOUNDS, "out_of_bounds addr=0xb" },
		{ 8, 3, VMB_EOUT_OF_BOUNDS, "out_of_bounds addr=0xb" },
		{ 11, 0, VMB_EOUT_OF_BOUNDS, "out_of_bounds addr=0xb" },
		{ UINT64_MAX, 2, VMB_EOVERFLOW, "overflow base=0xffffffffffffffff offset=0x2" },
	};
	uint8_t in[16], store[16];

	vmbt_fill_pattern(in, sizeof(in), 0x30);
	for (size_t t = 0; t < sizeof(cases) / sizeof(cases[0]); t++) {
		struct mock m;
		struct vmb_bytes b = mock_init(&m, 10, &mock_loop_ops);
		struct vmb_buf_source src;
		struct vmb_buf_sink dst;
		struct vmb_error e;

		CHECK_RC(vmb_buf_source_init(&src, in, sizeof(in)), 0);
		CHECK_RC(vmb_buf_sink_init(&dst, store, sizeof(store)), 0);
		CHECK_RC(vmb_bytes_read_exact_volatile_from(b, cases[t].a, &src.base, cases[t].n, &e),
			 cases[t].rc);
		CHECK_ERR(e, cases[t].text);
		CHECK_RC(vmb_bytes_write_all_volatile_to(b, cases[t].a, &dst.base, cases[t].n, &e),
			 cases[t].rc);
		CHECK_ERR(e, cases[t].text);
		/* check_range was asked, nothing else; nothing moved. */
		CHECK_EQ(m.n_check, 2);
		CHECK_EQ(m.n_read_from + m.n_write_to, 0);
		CHECK_EQ(src.pos, 0);
		CHECK_EQ(dst.len, 0);
		CHECK(all_bytes(m.mem, MOCK_CAP, 0));
	}
}

/* S8: the one-shot form is called until n bytes moved, each time at the
 * next address for what is left. */
TEST(S8_loop_calls_until_done)
{
	static const struct vmb_fault three[] = { { VMB_FAULT_SHORT, 3 } };
	uint8_t in[16], store[16];
	struct mock m;
	struct vmb_bytes b = mock_init(&m, 16, &mock_loop_ops);
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	struct vmb_buf_sink bk;
	struct vmb_fault_sink fk;
	struct vmb_error e;

	vmbt_fill_pattern(in, sizeof(in), 0x30);
	CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, three, 1, true), 0);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 2, &fs.base, 10, &e), 0);
	CHECK_MEM(m.mem + 2, in, 10);
	CHECK_EQ(m.mem[1], 0);
	CHECK_EQ(m.mem[12], 0);
	CHECK_EQ(m.n_check, 1);
	CHECK_EQ(m.n_read_from, 4);
	CHECK_EQ(m.ntrace, 4);
	for (size_t i = 0; i < 4; i++) {
		CHECK_EQ(m.trace[i].addr, 2 + 3 * i);
		CHECK_EQ(m.trace[i].n, 10 - 3 * i);
	}

	m.ntrace = 0;
	memset(store, 0, sizeof(store));
	CHECK_RC(vmb_buf_sink_init(&bk, store, sizeof(store)), 0);
	CHECK_RC(vmb_fault_sink_init(&fk, &bk.base, three, 1, true), 0);
	CHECK_RC(vmb_bytes_write_all_volatile_to(b, 2, &fk.base, 10, &e), 0);
	CHECK_EQ(bk.len, 10);
	CHECK_MEM(store, in, 10);
	CHECK_EQ(m.n_check, 2);
	CHECK_EQ(m.n_write_to, 4);
	for (size_t i = 0; i < 4; i++) {
		CHECK_EQ(m.trace[i].addr, 2 + 3 * i);
		CHECK_EQ(m.trace[i].n, 10 - 3 * i);
	}
	CHECK_EQ(m.broken, 0);
}

/* S8 end conditions, and that bytes moved before them stay moved. */
TEST(S8_loop_eof_write_zero_and_errors)
{
	static const struct vmb_fault eof_after_4[] = { { VMB_FAULT_SHORT, 4 }, { VMB_FAULT_EOF, 0 } };
	static const struct vmb_fault eio_after_4[] = { { VMB_FAULT_SHORT, 4 }, { VMB_FAULT_EIO, 0 } };
	uint8_t in[16], store[16];
	struct mock m;
	struct vmb_bytes b = mock_init(&m, 16, &mock_loop_ops);
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	struct vmb_buf_sink bk;
	struct vmb_fault_sink fk;
	struct vmb_error e;

	vmbt_fill_pattern(in, sizeof(in), 0x30);
	CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, eof_after_4, 2, false), 0);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0, &fs.base, 10, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=unexpected_eof");
	CHECK_MEM(m.mem, in, 4);
	CHECK(all_bytes(m.mem + 4, MOCK_CAP - 4, 0));
	CHECK_EQ(m.n_read_from, 2);

	memset(m.mem, 0, MOCK_CAP);
	CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, eio_after_4, 2, false), 0);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0, &fs.base, 10, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EIO");
	CHECK_MEM(m.mem, in, 4);
	CHECK(all_bytes(m.mem + 4, MOCK_CAP - 4, 0));

	vmbt_fill_pattern(m.mem, 16, 0x30);
	memset(store, 0, sizeof(store));
	CHECK_RC(vmb_buf_sink_init(&bk, store, sizeof(store)), 0);
	CHECK_RC(vmb_fault_sink_init(&fk, &bk.base, eof_after_4, 2, false), 0);
	CHECK_RC(vmb_bytes_write_all_volatile_to(b, 0, &fk.base, 10, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=write_zero");
	CHECK_EQ(bk.len, 4);
	CHECK_MEM(store, in, 4);

	CHECK_RC(vmb_buf_sink_init(&bk, store, sizeof(store)), 0);
	CHECK_RC(vmb_fault_sink_init(&fk, &bk.base, eio_after_4, 2, false), 0);
	CHECK_RC(vmb_bytes_write_all_volatile_to(b, 0, &fk.base, 10, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EIO");
	CHECK_EQ(bk.len, 4);
	CHECK_EQ(m.broken, 0);
}

/* I3: a source that knows it holds too little fails before the container
 * moves anything; with n == 0 nothing is asked of the source at all. */
TEST(I3_loop_short_buffer_fails_without_copying)
{
	uint8_t in[6];
	struct mock m;
	struct vmb_bytes b = mock_init(&m, 16, &mock_loop_ops);
	struct vmb_buf_source src;
	struct vmb_error e;

	vmbt_fill_pattern(in, sizeof(in), 0x30);
	CHECK_RC(vmb_buf_source_init(&src, in, sizeof(in)), 0);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0, &src.base, 7, &e), VMB_EIO);
	CHECK_ERR(e, "io kind=unexpected_eof");
	CHECK_EQ(m.n_read_from, 0);
	CHECK(all_bytes(m.mem, MOCK_CAP, 0));
	CHECK_EQ(src.pos, 0);
	/* Exactly what it holds is fine. */
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0, &src.base, 6, &e), 0);
	CHECK_MEM(m.mem, in, 6);
	/* n == 0 at L: a valid empty range; the container moves nothing. */
	unsigned before = m.n_read_from + m.n_write_to;
	uint8_t store[4];
	struct vmb_buf_sink dst;

	CHECK_RC(vmb_buf_sink_init(&dst, store, sizeof(store)), 0);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 16, &src.base, 0, &e), 0);
	CHECK_RC(vmb_bytes_write_all_volatile_to(b, 16, &dst.base, 0, &e), 0);
	CHECK_EQ(m.n_read_from + m.n_write_to, before);
	CHECK_EQ(dst.len, 0);
}

/* ---- G7: exact I/O forms in the compare style -------------------------- */

TEST(G7_compare_one_call_then_partial_buffer)
{
	static const struct vmb_fault three[] = { { VMB_FAULT_SHORT, 3 } };
	uint8_t in[16], store[16];
	struct mock m;
	struct vmb_bytes b = mock_init(&m, 16, &mock_compare_ops);
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	struct vmb_buf_sink bk;
	struct vmb_error e;

	vmbt_fill_pattern(in, sizeof(in), 0x30);
	/* A short read is not retried: one call, then PartialBuffer{n, total}. */
	CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, three, 1, true), 0);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 1, &fs.base, 10, &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=10 completed=3");
	CHECK_EQ(m.n_read_from, 1);
	CHECK_EQ(m.trace[0].addr, 1);
	CHECK_EQ(m.trace[0].n, 10);
	CHECK_MEM(m.mem + 1, in, 3);
	CHECK_EQ(m.mem[4], 0);
	/* A full read: ok. */
	CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0, &bs.base, 16, &e), 0);
	CHECK_MEM(m.mem, in, 16);
	CHECK_EQ(m.n_read_from, 2);
	/* The compare style does not use available(): the 6-byte source is
	 * read, and the shortfall is a PartialBuffer. */
	memset(m.mem, 0, MOCK_CAP);
	CHECK_RC(vmb_buf_source_init(&bs, in, 6), 0);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0, &bs.base, 8, &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=8 completed=6");
	CHECK_MEM(m.mem, in, 6);
	/* An end-of-data source: completed=0. */
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0, &bs.base, 8, &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=8 completed=0");

	/* The sink side: a 4-byte sink takes 4 of 10. */
	vmbt_fill_pattern(m.mem, 16, 0x30);
	CHECK_RC(vmb_buf_sink_init(&bk, store, 4), 0);
	CHECK_RC(vmb_bytes_write_all_volatile_to(b, 0, &bk.base, 10, &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=10 completed=4");
	CHECK_MEM(store, in, 4);
	CHECK_EQ(m.n_write_to, 1);
	CHECK_RC(vmb_buf_sink_init(&bk, store, sizeof(store)), 0);
	CHECK_RC(vmb_bytes_write_all_volatile_to(b, 0, &bk.base, 16, &e), 0);
	CHECK_MEM(store, in, 16);
	/* check_range is NULL in this table: never called. */
	CHECK_EQ(m.n_check, 0);
	CHECK_EQ(m.broken, 0);
}

TEST(G7_compare_errors_pass_through)
{
	static const struct vmb_fault eio[] = { { VMB_FAULT_EIO, 0 } };
	uint8_t in[16], store[16];
	struct mock m;
	struct vmb_bytes b = mock_init(&m, 16, &mock_compare_ops);
	struct vmb_buf_source bs;
	struct vmb_fault_source fs;
	struct vmb_buf_sink bk;
	struct vmb_fault_sink fk;
	struct vmb_error e;

	vmbt_fill_pattern(in, sizeof(in), 0x30);
	CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
	CHECK_RC(vmb_fault_source_init(&fs, &bs.base, eio, 1, false), 0);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 0, &fs.base, 8, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EIO");
	CHECK_RC(vmb_buf_sink_init(&bk, store, sizeof(store)), 0);
	CHECK_RC(vmb_fault_sink_init(&fk, &bk.base, eio, 1, false), 0);
	CHECK_RC(vmb_bytes_write_all_volatile_to(b, 0, &fk.base, 8, &e), VMB_EIO);
	CHECK_ERR(e, "io errno=EIO");
	/* The container's address error, not a PartialBuffer. */
	CHECK_RC(vmb_bytes_read_exact_volatile_from(b, 17, &bs.base, 1, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x11");
	CHECK_RC(vmb_bytes_write_all_volatile_to(b, 17, &bk.base, 1, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x11");
	CHECK_EQ(m.n_read_from, 2);
	CHECK_EQ(m.n_write_to, 2);
	CHECK_EQ(m.n_check, 0);
}

/* ---- S7: the one-shot forms pass through ------------------------------ */

TEST(S7_one_shot_forms_pass_through)
{
	uint8_t in[16], store[16];
	struct mock m;
	struct vmb_bytes b = mock_init(&m, 8, &mock_loop_ops);
	struct vmb_buf_source bs;
	struct vmb_buf_sink bk;
	struct vmb_error e;
	size_t done;

	vmbt_fill_pattern(in, sizeof(in), 0x30);
	CHECK_RC(vmb_buf_source_init(&bs, in, sizeof(in)), 0);
	CHECK_RC(vmb_bytes_read_volatile_from(b, 5, &bs.base, 10, &done, &e), 0);
	CHECK_EQ(done, 3);
	CHECK_MEM(m.mem + 5, in, 3);
	CHECK_EQ(m.trace[0].addr, 5);
	CHECK_EQ(m.trace[0].n, 10);
	CHECK_RC(vmb_buf_sink_init(&bk, store, sizeof(store)), 0);
	CHECK_RC(vmb_bytes_write_volatile_to(b, 6, &bk.base, 10, &done, &e), 0);
	CHECK_EQ(done, 2);
	CHECK_MEM(store, m.mem + 6, 2);
	done = 99;
	CHECK_RC(vmb_bytes_read_volatile_from(b, 9, &bs.base, 1, &done, &e), VMB_EOUT_OF_BOUNDS);
	CHECK_ERR(e, "out_of_bounds addr=0x9");
	CHECK_EQ(done, 0);
	CHECK_EQ(m.n_read_from, 2);
	CHECK_EQ(m.n_write_to, 1);
	CHECK_EQ(m.broken, 0);
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The generic layer against a container that lies (SPEC B1-B4): counts
 * larger than asked, statuses that are no VMB_E* code, values wider than
 * the access, through every derived operation. A scripted table answers
 * each call from a list; the derived layer must turn each lie into
 * CallbackOutOfRange, never into a success or a total past the range
 * (RUSTSEC-2023-0056 was a derived operation trusting a custom
 * container's answer).
 */
#include "harness.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* One scripted answer: the status, the count (or value) it reports. */
struct answer {
	int rc;
	uint64_t count;
};

struct liar {
	const struct answer *a;
	size_t n, next;
	size_t calls;
};

static struct answer take(struct liar *l)
{
	struct answer none = { 0, 0 };

	l->calls++;
	return l->next < l->n ? l->a[l->next++] : none;
}

static int l_write(void *self, uint64_t addr, const void *buf, size_t len, size_t *done,
		   struct vmb_error *err)
{
	struct answer x = take(self);

	(void)addr, (void)buf, (void)len, (void)err;
	*done = (size_t)x.count;
	return x.rc;
}

static int l_read(void *self, uint64_t addr, void *buf, size_t len, size_t *done,
		  struct vmb_error *err)
{
	struct answer x = take(self);

	(void)addr, (void)err;
	/* It fills what it was asked for, no more: the lie is only in the count. */
	memset(buf, 0x5a, len);
	*done = (size_t)x.count;
	return x.rc;
}

static int l_read_from(void *self, uint64_t addr, struct vmb_source *src, size_t n, size_t *done,
		       struct vmb_error *err)
{
	struct answer x = take(self);

	(void)addr, (void)src, (void)n, (void)err;
	*done = (size_t)x.count;
	return x.rc;
}

static int l_write_to(void *self, uint64_t addr, struct vmb_sink *dst, size_t n, size_t *done,
		      struct vmb_error *err)
{
	struct answer x = take(self);

	(void)addr, (void)dst, (void)n, (void)err;
	*done = (size_t)x.count;
	return x.rc;
}

static int l_store(void *self, uint64_t addr, unsigned width, struct vmb_ordering order, uint64_t v,
		   struct vmb_error *err)
{
	struct answer x = take(self);

	(void)addr, (void)width, (void)order, (void)v, (void)err;
	return x.rc;
}

static int l_load(void *self, uint64_t addr, unsigned width, struct vmb_ordering order, uint64_t *v,
		  struct vmb_error *err)
{
	struct answer x = take(self);

	(void)addr, (void)width, (void)order, (void)err;
	*v = x.count;
	return x.rc;
}

static int l_check(void *self, uint64_t addr, size_t n, struct vmb_error *err)
{
	struct answer x = take(self);

	(void)addr, (void)n, (void)err;
	return x.rc;
}

static int l_rmw(void *self, uint64_t addr, unsigned width, const struct vmb_rmw *r, uint64_t *old,
		 struct vmb_error *err)
{
	struct answer x = take(self);

	(void)addr, (void)width, (void)r, (void)err;
	*old = x.count;
	return x.rc;
}

static const struct vmb_bytes_ops loop_ops = {
	.name = "liar-loop", .exact = VMB_EXACT_LOOP, .write = l_write, .read = l_read,
	.read_volatile_from = l_read_from, .write_volatile_to = l_write_to, .store = l_store,
	.load = l_load, .check_range = l_check, .rmw = l_rmw,
};

static const struct vmb_bytes_ops compare_ops = {
	.name = "liar-compare", .exact = VMB_EXACT_COMPARE, .write = l_write, .read = l_read,
	.read_volatile_from = l_read_from, .write_volatile_to = l_write_to, .store = l_store,
	.load = l_load, .check_range = l_check, .rmw = l_rmw,
};

#define LIAR(name, ...)                                                                \
	static const struct answer name##_a[] = { __VA_ARGS__ };                       \
	struct liar name = { name##_a, NELEM(name##_a), 0, 0 }

static struct vmb_bytes on(const struct vmb_bytes_ops *ops, struct liar *l)
{
	struct vmb_bytes b = { ops, l };

	return b;
}

static const uint8_t src8[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

/* B1: a count larger than asked is CallbackOutOfRange, and no count is passed on. */
TEST(B1_write_and_read_counts_past_the_request)
{
	uint8_t buf[8];
	size_t done = 77;
	struct vmb_error e;
	LIAR(w, { 0, 9 });
	LIAR(r, { 0, SIZE_MAX });
	LIAR(ws, { 0, 9 });
	LIAR(ro, { 0, 16 });

	CHECK_RC(vmb_bytes_write(on(&loop_ops, &w), 0, src8, 8, &done, &e), VMB_ECALLBACK_OUT_OF_RANGE);
	CHECK_ERR(e, "callback_out_of_range");
	CHECK_EQ(done, 0);
	done = 77;
	CHECK_RC(vmb_bytes_read(on(&compare_ops, &r), 0, buf, 8, &done, &e), VMB_ECALLBACK_OUT_OF_RANGE);
	CHECK_EQ(done, 0);
	CHECK_RC(vmb_bytes_write_slice(on(&loop_ops, &ws), 0, src8, 8, &e), VMB_ECALLBACK_OUT_OF_RANGE);
	CHECK_RC(vmb_bytes_read_obj(on(&loop_ops, &ro), 0, buf, 8, &e), VMB_ECALLBACK_OUT_OF_RANGE);
}

/* B1 in the exact loops (S8): one call's count past what is left ends the loop. */
TEST(B1_exact_loops_never_pass_the_range)
{
	uint8_t data[16] = { 0 }, out[16];
	struct vmb_buf_source bs;
	struct vmb_buf_sink bk;
	struct vmb_error e;
	LIAR(rx, { 0, 0 }, { 0, 10 }, { 0, 10 });
	LIAR(wa, { 0, 0 }, { 0, 4 }, { 0, 13 });

	CHECK_RC(vmb_buf_source_init(&bs, data, sizeof(data)), 0);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(on(&loop_ops, &rx), 0, &bs.base, 16, &e),
		 VMB_ECALLBACK_OUT_OF_RANGE);
	CHECK_EQ(rx.calls, 3); /* check_range, then 10, then 10 of the 6 left */
	CHECK_RC(vmb_buf_sink_init(&bk, out, sizeof(out)), 0);
	CHECK_RC(vmb_bytes_write_all_volatile_to(on(&loop_ops, &wa), 0, &bk.base, 16, &e),
		 VMB_ECALLBACK_OUT_OF_RANGE);
	CHECK_EQ(wa.calls, 3);
}

/* B1 in the compare style (G7): a total past n is no PartialBuffer. */
TEST(B1_compare_totals_past_the_request)
{
	uint8_t data[16] = { 0 }, out[16];
	struct vmb_buf_source bs;
	struct vmb_buf_sink bk;
	size_t done = 77;
	struct vmb_error e;
	LIAR(rf, { 0, 17 });
	LIAR(rx, { 0, 17 });
	LIAR(wa, { 0, 20 });
	LIAR(wt, { 0, 17 });

	CHECK_RC(vmb_buf_source_init(&bs, data, sizeof(data)), 0);
	CHECK_RC(vmb_bytes_read_volatile_from(on(&compare_ops, &rf), 0, &bs.base, 16, &done, &e),
		 VMB_ECALLBACK_OUT_OF_RANGE);
	CHECK_EQ(done, 0);
	CHECK_RC(vmb_bytes_read_exact_volatile_from(on(&compare_ops, &rx), 0, &bs.base, 16, &e),
		 VMB_ECALLBACK_OUT_OF_RANGE);
	CHECK_RC(vmb_buf_sink_init(&bk, out, sizeof(out)), 0);
	CHECK_RC(vmb_bytes_write_all_volatile_to(on(&compare_ops, &wa), 0, &bk.base, 16, &e),
		 VMB_ECALLBACK_OUT_OF_RANGE);
	done = 77;
	CHECK_RC(vmb_bytes_write_volatile_to(on(&compare_ops, &wt), 0, &bk.base, 16, &done, &e),
		 VMB_ECALLBACK_OUT_OF_RANGE);
	CHECK_EQ(done, 0);
}

/* B2: a status that is no VMB_E* code; a known code passes through. */
TEST(B2_statuses_that_are_no_code)
{
	uint8_t buf[8];
	uint64_t v;
	struct vmb_error e;
	LIAR(pos, { 3, 0 });
	LIAR(neg, { -1000, 0 });
	LIAR(st, { 1, 0 });
	LIAR(ld, { -VMB_STATUS_COUNT, 0 });
	LIAR(cr, { 2, 0 });
	LIAR(ok, { VMB_EINVALID_GUEST_ADDRESS, 0 });

	CHECK_RC(vmb_bytes_write(on(&loop_ops, &pos), 0, src8, 8, NULL, &e), VMB_ECALLBACK_OUT_OF_RANGE);
	CHECK_RC(vmb_bytes_read_slice(on(&loop_ops, &neg), 0, buf, 8, &e), VMB_ECALLBACK_OUT_OF_RANGE);
	CHECK_RC(vmb_bytes_store(on(&loop_ops, &st), 0, 8, VMB_RELAXED, 1, &e), VMB_ECALLBACK_OUT_OF_RANGE);
	CHECK_RC(vmb_bytes_load(on(&loop_ops, &ld), 0, 8, VMB_RELAXED, &v, &e), VMB_ECALLBACK_OUT_OF_RANGE);
	CHECK_RC(vmb_bytes_write_whole(on(&loop_ops, &cr), 0, src8, 8, &e), VMB_ECALLBACK_OUT_OF_RANGE);
	CHECK_EQ(cr.calls, 1); /* the check lied: nothing is written after it */
	CHECK_RC(vmb_bytes_write(on(&loop_ops, &ok), 0, src8, 8, NULL, &e), VMB_EINVALID_GUEST_ADDRESS);
}

/* B3: a value wider than the access is not handed on. */
TEST(B3_values_wider_than_the_access)
{
	uint64_t v = 77;
	struct vmb_error e;
	LIAR(ld, { 0, 0x100 });
	LIAR(rm, { 0, 0x10000 });
	LIAR(fine, { 0, 0xff }, { 0, 0xffff });

	CHECK_RC(vmb_bytes_load(on(&loop_ops, &ld), 0, 1, VMB_RELAXED, &v, &e), VMB_ECALLBACK_OUT_OF_RANGE);
	CHECK_EQ(v, 77);
	CHECK_RC(vmb_bytes_fetch(on(&loop_ops, &rm), 0, 2, VMB_RMW_ADD, VMB_RELAXED, 1, &v, &e),
		 VMB_ECALLBACK_OUT_OF_RANGE);
	CHECK_EQ(v, 77);
	CHECK_RC(vmb_bytes_load(on(&loop_ops, &fine), 0, 1, VMB_RELAXED, &v, &e), 0);
	CHECK_EQ(v, 0xff);
	CHECK_RC(vmb_bytes_fetch(on(&loop_ops, &fine), 0, 2, VMB_RMW_ADD, VMB_RELAXED, 1, &v, &e), 0);
	CHECK_EQ(v, 0xffff);
}

/* B4: a count below the request with status 0 is a short count, not a lie. */
TEST(B4_short_counts_are_short_counts)
{
	size_t done = 0;
	struct vmb_error e;
	LIAR(w, { 0, 5 });
	LIAR(ws, { 0, 5 });
	LIAR(ex, { 0, 8 });

	CHECK_RC(vmb_bytes_write(on(&loop_ops, &w), 0, src8, 8, &done, &e), 0);
	CHECK_EQ(done, 5);
	CHECK_RC(vmb_bytes_write_slice(on(&loop_ops, &ws), 0, src8, 8, &e), VMB_EPARTIAL_BUFFER);
	CHECK_ERR(e, "partial_buffer expected=8 completed=5");
	CHECK_RC(vmb_bytes_write_slice(on(&loop_ops, &ex), 0, src8, 8, &e), 0);
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Tests of the split virtqueue (virtq.h): set-up validation, chain walks
 * (direct, indirect, every error), buffers as slices across adjacent
 * regions and holes, add_used's exact writes, EVENT_IDX suppression.
 */
#include "harness.h"
#include "vmbytes/virtq.h"

/* A guest memory of up to four regions { start, len } (len 0 ends the list),
 * with byte-sized dirty pages so a test can see exactly what was written. */
static struct vmb_guest *mkguest(const uint64_t (*rs)[2])
{
	struct vmb_region *regs[4];
	struct vmb_guest *g = NULL;
	size_t n = 0;

	for (; n < 4 && rs[n][1] != 0; n++) {
		struct vmb_region_config cfg = { .start = rs[n][0], .len = rs[n][1],
						 .kind = VMB_REGION_ANON, .dirty_page_size = 1 };

		if (vmb_region_new(&cfg, &regs[n], NULL) != 0)
			vmbt_fail(__FILE__, __LINE__, "region_new");
	}
	if (vmb_guest_new(regs, n, &g, NULL) != 0)
		vmbt_fail(__FILE__, __LINE__, "guest_new");
	return g;
}

/* The standard queue: size 8 at desc 0x1000, avail 0x2000, used 0x3000. */
#define DESC 0x1000u
#define AVAIL 0x2000u
#define USED 0x3000u

static const uint64_t one_region[][2] = { { 0, 0x10000 }, { 0, 0 } };

static void put_desc(struct vmb_guest *g, uint64_t table, unsigned i, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	struct vmb_virtq_desc d = { addr, len, flags, next };

	CHECK_RC(vmb_bytes_write_obj(vmb_guest_bytes(g), table + 16u * i, &d, 16, NULL), 0);
}

/* The driver's side: ring entry, then avail idx with release. */
static void publish(struct vmb_guest *g, uint64_t avail, uint32_t size, uint16_t idx, uint16_t head)
{
	struct vmb_bytes b = vmb_guest_bytes(g);

	CHECK_RC(vmb_bytes_store(b, avail + 4 + 2u * (idx % size), 2, VMB_RELAXED, head, NULL), 0);
	CHECK_RC(vmb_bytes_store(b, avail + 2, 2, VMB_RELEASE, (uint16_t)(idx + 1), NULL), 0);
}

static struct vmb_virtq queue(struct vmb_guest *g, uint32_t size, unsigned flags)
{
	struct vmb_virtq q;
	struct vmb_virtq_config cfg = { size, DESC, AVAIL, USED, flags };

	CHECK_RC(vmb_virtq_init(&q, g, &cfg, NULL), 0);
	return q;
}

TEST(VQ_init_validation)
{
	struct vmb_guest *g = mkguest(one_region);
	struct vmb_virtq q;
	struct vmb_error e;
	static const struct {
		uint32_t size;
		int rc;
	} sizes[] = { { 0, VMB_EINVALID_ARGUMENT },     { 1, 0 },
		      { 2, 0 },                         { 3, VMB_EINVALID_ARGUMENT },
		      { 256, 0 },                       { 32767, VMB_EINVALID_ARGUMENT },
		      { 65536, VMB_EINVALID_ARGUMENT }, { UINT32_MAX, VMB_EINVALID_ARGUMENT } };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct vmb_virtq_config cfg = { sizes[i].size, DESC, AVAIL, USED, 0 };

		CHECK_RC(vmb_virtq_init(&q, g, &cfg, &e), sizes[i].rc);
	}
	struct vmb_virtq_config cfg = { 8, DESC + 8, AVAIL, USED, 0 };

	CHECK_RC(vmb_virtq_init(&q, g, &cfg, &e), VMB_EMISALIGNED);
	CHECK_ERR(e, "misaligned addr=0x1008 alignment=16");
	cfg.desc = DESC;
	cfg.avail = AVAIL + 1;
	CHECK_RC(vmb_virtq_init(&q, g, &cfg, &e), VMB_EMISALIGNED);
	CHECK_EQ(e.alignment, 2);
	cfg.avail = AVAIL;
	cfg.used = USED + 2;
	CHECK_RC(vmb_virtq_init(&q, g, &cfg, &e), VMB_EMISALIGNED);
	CHECK_EQ(e.alignment, 4);
	/* Areas that run past the region's end: the last byte counts. */
	cfg = (struct vmb_virtq_config){ 8, 0x10000 - 128, AVAIL, USED, 0 };
	CHECK_RC(vmb_virtq_init(&q, g, &cfg, NULL), 0);
	cfg.desc = 0x10000 - 112;
	CHECK_RC(vmb_virtq_init(&q, g, &cfg, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0xff90");
	cfg = (struct vmb_virtq_config){ 8, DESC, 0x10000 - 20, USED, 0 };
	CHECK_RC(vmb_virtq_init(&q, g, &cfg, NULL), 0);
	cfg.flags = VMB_VIRTQ_EVENT_IDX; /* used_event: 2 more bytes */
	CHECK_RC(vmb_virtq_init(&q, g, &cfg, NULL), VMB_EINVALID_GUEST_ADDRESS);
	cfg = (struct vmb_virtq_config){ 8, DESC, AVAIL, 0x10000 - 68, 0 };
	CHECK_RC(vmb_virtq_init(&q, g, &cfg, NULL), 0);
	cfg.flags = VMB_VIRTQ_EVENT_IDX;
	CHECK_RC(vmb_virtq_init(&q, g, &cfg, NULL), VMB_EINVALID_GUEST_ADDRESS);
	cfg.flags = 4;
	CHECK_RC(vmb_virtq_init(&q, g, &cfg, NULL), VMB_EINVALID_ARGUMENT);
	cfg = (struct vmb_virtq_config){ 32768, 0, AVAIL, USED, 0 }; /* 512 KiB table */
	CHECK_RC(vmb_virtq_init(&q, g, &cfg, NULL), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_RC(vmb_virtq_init(NULL, g, &cfg, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_virtq_init(&q, NULL, &cfg, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_virtq_init(&q, g, NULL, NULL), VMB_EINVALID_ARGUMENT);
	vmb_guest_free(g);
}

TEST(VQ_pop_chain_and_add_used)
{
	struct vmb_guest *g = mkguest(one_region);
	struct vmb_virtq q = queue(g, 8, 0);
	struct vmb_virtq_desc bufs[4];
	struct vmb_virtq_chain c;
	struct vmb_bytes b = vmb_guest_bytes(g);
	uint64_t v;

	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 4, NULL), 0); /* empty */
	put_desc(g, DESC, 5, 0x4000, 100, VMB_VIRTQ_DESC_F_NEXT, 2);
	put_desc(g, DESC, 2, 0x5000, 200, VMB_VIRTQ_DESC_F_NEXT | VMB_VIRTQ_DESC_F_WRITE, 7);
	put_desc(g, DESC, 7, 0x6000, 300, VMB_VIRTQ_DESC_F_WRITE, 0);
	publish(g, AVAIL, 8, 0, 5);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 4, NULL), 1);
	CHECK_EQ(c.head, 5);
	CHECK_EQ(c.nbufs, 3);
	CHECK_EQ(c.readable_len, 100);
	CHECK_EQ(c.writable_len, 500);
	CHECK_EQ(bufs[1].addr, 0x5000);
	CHECK_EQ(bufs[2].len, 300);
	CHECK_EQ(q.steps, 3);
	CHECK_EQ(q.next_avail, 1);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 4, NULL), 0);

	/* add_used: the element, then used idx, and no other byte. */
	struct vmb_bitmap *bm = vmb_region_bitmap(vmb_guest_region_at(g, 0));

	vmb_bitmap_reset_range(bm, 0, 0x10000);
	CHECK_RC(vmb_virtq_add_used(&q, c.head, 500, NULL), 0);
	for (size_t a = 0; a < 0x10000; a++) {
		bool want = (a >= USED + 2 && a < USED + 4) || (a >= USED + 4 && a < USED + 12);

		if (vmb_bitmap_is_dirty(bm, a) != want)
			vmbt_fail(__FILE__, __LINE__, "byte 0x%zx dirty=%d", a, !want);
	}
	CHECK_RC(vmb_bytes_load(b, USED + 2, 2, VMB_ACQUIRE, &v, NULL), 0);
	CHECK_EQ(v, 1);
	CHECK_RC(vmb_bytes_load(b, USED + 4, 4, VMB_RELAXED, &v, NULL), 0);
	CHECK_EQ(v, 5);
	CHECK_RC(vmb_bytes_load(b, USED + 8, 4, VMB_RELAXED, &v, NULL), 0);
	CHECK_EQ(v, 500);
	CHECK_RC(vmb_virtq_add_used(&q, 8, 0, NULL), VMB_VIRTQ_EINDEX);
	/* Capacity: the same chain into an array of 2. */
	publish(g, AVAIL, 8, 1, 5);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 2, NULL), VMB_VIRTQ_ECAPACITY);
	CHECK_EQ(c.head, 5);
	CHECK_RC(vmb_virtq_pop(NULL, &c, bufs, 2, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_virtq_pop(&q, &c, NULL, 2, NULL), VMB_EINVALID_ARGUMENT);
	vmb_guest_free(g);
}

TEST(VQ_indirect)
{
	struct vmb_guest *g = mkguest(one_region);
	struct vmb_virtq q = queue(g, 4, 0);
	struct vmb_virtq_desc bufs[8];
	struct vmb_virtq_chain c;
	struct vmb_error e;

	/* A direct buffer, then an indirect table of 3 (its NEXT is ignored). */
	put_desc(g, DESC, 0, 0x4000, 10, VMB_VIRTQ_DESC_F_NEXT, 1);
	put_desc(g, DESC, 1, 0x8000, 48, VMB_VIRTQ_DESC_F_INDIRECT | VMB_VIRTQ_DESC_F_NEXT, 3);
	put_desc(g, 0x8000, 0, 0x4100, 20, VMB_VIRTQ_DESC_F_NEXT, 2);
	put_desc(g, 0x8000, 2, 0x4200, 30, VMB_VIRTQ_DESC_F_WRITE | VMB_VIRTQ_DESC_F_NEXT, 1);
	put_desc(g, 0x8000, 1, 0x4300, 40, VMB_VIRTQ_DESC_F_WRITE, 0);
	publish(g, AVAIL, 4, 0, 0);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 8, NULL), 1);
	CHECK_EQ(c.nbufs, 4);
	CHECK_EQ(bufs[1].addr, 0x4100);
	CHECK_EQ(bufs[2].addr, 0x4200);
	CHECK_EQ(bufs[3].addr, 0x4300);
	CHECK_EQ(c.readable_len, 30);
	CHECK_EQ(c.writable_len, 70);
	CHECK_EQ(q.steps, 5);
	/* Next index past the table's 3 entries. */
	put_desc(g, 0x8000, 1, 0x4300, 40, VMB_VIRTQ_DESC_F_WRITE | VMB_VIRTQ_DESC_F_NEXT, 3);
	publish(g, AVAIL, 4, 1, 0);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 8, &e), VMB_VIRTQ_EINDEX);
	CHECK_EQ(e.addr, 3);
	/* Nested. */
	put_desc(g, 0x8000, 1, 0x9000, 16, VMB_VIRTQ_DESC_F_INDIRECT, 0);
	publish(g, AVAIL, 4, 2, 0);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 8, NULL), VMB_VIRTQ_ENESTED);
	/* Bad table lengths and a table past 2^64. */
	static const struct {
		uint64_t addr;
		uint32_t len;
	} bad[] = { { 0x8000, 0 }, { 0x8000, 24 }, { 0x8000, 16u * 65536 }, { UINT64_MAX - 15, 32 } };
	for (unsigned i = 0; i < 4; i++) {
		put_desc(g, DESC, 3, bad[i].addr, bad[i].len, VMB_VIRTQ_DESC_F_INDIRECT, 0);
		publish(g, AVAIL, 4, (uint16_t)(3 + i), 3);
		CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 8, NULL), VMB_VIRTQ_EINDIRECT);
	}
	/* A table of 16 B at the very top is fine as a table; reading it fails. */
	put_desc(g, DESC, 3, UINT64_MAX - 15, 16, VMB_VIRTQ_DESC_F_INDIRECT, 0);
	publish(g, AVAIL, 4, 7, 3);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 8, &e), VMB_EINVALID_GUEST_ADDRESS);
	vmb_guest_free(g);
}

TEST(VQ_bounds_length_and_loops)
{
	struct vmb_guest *g = mkguest(one_region);
	struct vmb_virtq q = queue(g, 4, 0);
	struct vmb_virtq_desc bufs[8];
	struct vmb_virtq_chain c;
	struct vmb_error e;

	publish(g, AVAIL, 4, 0, 4); /* head past the table */
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 8, &e), VMB_VIRTQ_EINDEX);
	CHECK_EQ(c.head, 4);
	CHECK_EQ(q.steps, 0);
	put_desc(g, DESC, 0, 0x4000, 1, VMB_VIRTQ_DESC_F_NEXT, 4);
	publish(g, AVAIL, 4, 1, 0);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 8, &e), VMB_VIRTQ_EINDEX);
	CHECK_EQ(e.addr, 4);
	/* 32-bit total: 2^32 - 1 is fine, 2^32 is not. */
	put_desc(g, DESC, 0, 0x4000, UINT32_MAX - 1, VMB_VIRTQ_DESC_F_NEXT, 1);
	put_desc(g, DESC, 1, 0x4000, 1, 0, 0);
	publish(g, AVAIL, 4, 2, 0);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 8, NULL), 1);
	CHECK_EQ(c.readable_len, UINT32_MAX);
	put_desc(g, DESC, 1, 0x4000, 2, 0, 0);
	publish(g, AVAIL, 4, 3, 0);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 8, NULL), VMB_VIRTQ_ELENGTH);
	/* A loop 0 -> 1 -> 0: cut after size reads, not an error. */
	put_desc(g, DESC, 1, 0x4000, 2, VMB_VIRTQ_DESC_F_NEXT, 0);
	put_desc(g, DESC, 0, 0x4000, 2, VMB_VIRTQ_DESC_F_NEXT, 1);
	uint64_t before = q.steps;

	publish(g, AVAIL, 4, 4, 0);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 8, NULL), 1);
	CHECK(c.truncated);
	CHECK_EQ(c.nbufs, 4);
	CHECK_EQ(q.steps - before, 4);
	/* The same under strict mode: Loop. */
	q.flags |= VMB_VIRTQ_STRICT;
	publish(g, AVAIL, 4, 5, 0);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 8, NULL), VMB_VIRTQ_ELOOP);
	/* A chain of exactly size descriptors is whole. */
	for (unsigned i = 0; i < 4; i++)
		put_desc(g, DESC, i, 0x4000, 1, i < 3 ? VMB_VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	publish(g, AVAIL, 4, 6, 0);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 8, NULL), 1);
	CHECK(!c.truncated);
	CHECK_EQ(c.nbufs, 4);
	/* avail idx more than size ahead: nothing taken. */
	CHECK_RC(vmb_bytes_store(vmb_guest_bytes(g), AVAIL + 2, 2, VMB_RELEASE, 7 + 5, NULL), 0);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 8, &e), VMB_VIRTQ_EAVAIL_INDEX);
	CHECK_EQ(q.next_avail, 7);
	vmb_guest_free(g);
}

TEST(VQ_strict_rules)
{
	struct vmb_guest *g = mkguest(one_region);
	struct vmb_virtq q = queue(g, 4, VMB_VIRTQ_STRICT);
	struct vmb_virtq_desc bufs[8];
	struct vmb_virtq_chain c;

	put_desc(g, DESC, 0, 0x4000, 8, VMB_VIRTQ_DESC_F_NEXT | VMB_VIRTQ_DESC_F_WRITE, 1);
	put_desc(g, DESC, 1, 0x5000, 8, 0, 0); /* readable after writable */
	publish(g, AVAIL, 4, 0, 0);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 8, NULL), VMB_VIRTQ_EORDER);
	q.flags = 0;
	publish(g, AVAIL, 4, 1, 0);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 8, NULL), 1);
	q.flags = VMB_VIRTQ_STRICT;
	put_desc(g, DESC, 1, 0x5000, 0, VMB_VIRTQ_DESC_F_WRITE, 0); /* zero length */
	publish(g, AVAIL, 4, 2, 0);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 8, NULL), VMB_VIRTQ_EZERO_LENGTH);
	CHECK(strcmp(vmb_virtq_error_name(VMB_VIRTQ_EZERO_LENGTH), "zero_length") == 0);
	CHECK(strcmp(vmb_virtq_error_name(VMB_VIRTQ_ELOOP), "loop") == 0);
	CHECK(strcmp(vmb_virtq_error_name(VMB_EIO), "io") == 0);
	vmb_guest_free(g);
}

TEST(VQ_buffers_as_slices)
{
	/* RAM [0, 0x8000), RAM [0x8000, 0x9000) adjacent, hole, RAM [0xa000, ..). */
	static const uint64_t rs[][2] = { { 0, 0x8000 }, { 0x8000, 0x1000 }, { 0xa000, 0x1000 }, { 0, 0 } };
	struct vmb_guest *g = mkguest(rs);
	struct vmb_virtq q = queue(g, 2, 0);
	struct vmb_virtq_desc bufs[2];
	struct vmb_virtq_chain c;
	struct vmb_slices_iter it;
	struct vmb_slice s;
	struct vmb_error e;

	put_desc(g, DESC, 0, 0x7ff0, 0x20, VMB_VIRTQ_DESC_F_NEXT | VMB_VIRTQ_DESC_F_WRITE, 1);
	put_desc(g, DESC, 1, 0x8ff0, 0x20, VMB_VIRTQ_DESC_F_WRITE, 0);
	publish(g, AVAIL, 2, 0, 0);
	CHECK_RC(vmb_virtq_pop(&q, &c, bufs, 2, NULL), 1);
	CHECK_RC(vmb_virtq_buf_slices(&q, &bufs[0], &it), 0);
	CHECK_RC(vmb_guest_slices_next(&it, &s, NULL), 1);
	CHECK_EQ(s.len, 0x10);
	CHECK_RC(vmb_guest_slices_next(&it, &s, NULL), 1);
	CHECK_EQ(s.len, 0x10);
	CHECK_RC(vmb_guest_slices_next(&it, &s, NULL), 0);
	CHECK_RC(vmb_virtq_buf_slices(&q, &bufs[1], &it), 0);
	CHECK_RC(vmb_guest_slices_next(&it, &s, NULL), 1);
	CHECK_RC(vmb_guest_slices_next(&it, &s, &e), VMB_EINVALID_GUEST_ADDRESS);
	CHECK_ERR(e, "invalid_guest_address addr=0x9000");
	CHECK_RC(vmb_virtq_buf_slices(NULL, &bufs[1], &it), VMB_EINVALID_ARGUMENT);
	vmb_guest_free(g);
}

TEST(VQ_event_idx)
{
	struct vmb_guest *g = mkguest(one_region);
	struct vmb_virtq q = queue(g, 8, VMB_VIRTQ_EVENT_IDX);
	struct vmb_bytes b = vmb_guest_bytes(g);
	bool notify, more;
	uint64_t v;

	/* used_event = 1: notify when used idx passes 1 -> 2. */
	CHECK_RC(vmb_bytes_store(b, AVAIL + 4 + 16, 2, VMB_RELAXED, 1, NULL), 0);
	CHECK_RC(vmb_virtq_add_used(&q, 0, 0, NULL), 0);
	CHECK_RC(vmb_virtq_needs_notification(&q, &notify, NULL), 0);
	CHECK(!notify);
	CHECK_RC(vmb_virtq_add_used(&q, 0, 0, NULL), 0);
	CHECK_RC(vmb_virtq_needs_notification(&q, &notify, NULL), 0);
	CHECK(notify);
	CHECK_RC(vmb_virtq_add_used(&q, 0, 0, NULL), 0);
	CHECK_RC(vmb_virtq_needs_notification(&q, &notify, NULL), 0);
	CHECK(!notify);
	/* Two added at once, used_event among them. */
	CHECK_RC(vmb_bytes_store(b, AVAIL + 4 + 16, 2, VMB_RELAXED, 3, NULL), 0);
	CHECK_RC(vmb_virtq_add_used(&q, 0, 0, NULL), 0);
	CHECK_RC(vmb_virtq_add_used(&q, 0, 0, NULL), 0);
	CHECK_RC(vmb_virtq_needs_notification(&q, &notify, NULL), 0);
	CHECK(notify);
	/* enable: avail_event = next_avail, and a chain already there is seen. */
	publish(g, AVAIL, 8, 0, 0);
	CHECK_RC(vmb_virtq_enable_notification(&q, &more, NULL), 0);
	CHECK(more);
	CHECK_RC(vmb_bytes_load(b, USED + 4 + 64, 2, VMB_RELAXED, &v, NULL), 0);
	CHECK_EQ(v, 0);
	CHECK_RC(vmb_virtq_disable_notification(&q, NULL), 0);
	CHECK_RC(vmb_bytes_load(b, USED, 2, VMB_RELAXED, &v, NULL), 0);
	CHECK_EQ(v, 0);

	/* Without EVENT_IDX: the flags words. */
	q.flags = 0;
	CHECK_RC(vmb_virtq_needs_notification(&q, &notify, NULL), 0);
	CHECK(notify);
	CHECK_RC(vmb_bytes_store(b, AVAIL, 2, VMB_RELAXED, VMB_VIRTQ_AVAIL_F_NO_INTERRUPT, NULL), 0);
	CHECK_RC(vmb_virtq_needs_notification(&q, &notify, NULL), 0);
	CHECK(!notify);
	CHECK_RC(vmb_virtq_disable_notification(&q, NULL), 0);
	CHECK_RC(vmb_bytes_load(b, USED, 2, VMB_RELAXED, &v, NULL), 0);
	CHECK_EQ(v, VMB_VIRTQ_USED_F_NO_NOTIFY);
	CHECK_RC(vmb_virtq_enable_notification(&q, &more, NULL), 0);
	CHECK_RC(vmb_bytes_load(b, USED, 2, VMB_RELAXED, &v, NULL), 0);
	CHECK_EQ(v, 0);
	CHECK_RC(vmb_virtq_needs_notification(NULL, &notify, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_virtq_enable_notification(&q, NULL, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_virtq_disable_notification(NULL, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_virtq_avail_idx(&q, NULL, NULL), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_virtq_set_bytes(&q, (struct vmb_bytes){ NULL, NULL }), VMB_EINVALID_ARGUMENT);
	vmb_guest_free(g);
}

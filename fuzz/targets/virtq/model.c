/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The virtq target's guest memory (regions from the fuzz pool, a logging
 * container in front of it, a shadow copy), the model of the queue and the
 * checks. The model is the virtio split-ring rules written out a second
 * time, against the shadow: 64-bit sums instead of the library's
 * subtraction form, a seen-writable flag instead of byte counts, its own
 * bounds arithmetic. It knows nothing of the library's code.
 */
/* The experimental tier (vmbytes/experimental.h): vmb_region_set_start(). */
#define VMB_EXPERIMENTAL
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "target.h"

#define TOP (UINT64_MAX - 0x10fffu) /* + 0x10fff bytes ends at 2^64 - 1 */

static const char *const layout_names[VQF_LAYOUTS] = { "one_region", "after_hole",
							"ram_hole_ram", "adjacent", "top" };

void vqf_layout(unsigned kind, struct vqf_layout *l)
{
	static const struct {
		unsigned n;
		uint64_t s[3], len[3], qbase;
	} t[VQF_LAYOUTS] = {
		{ 1, { 0x10000 }, { 0x10000 }, 0x10000 },
		{ 2, { 0, 0x40000 }, { 0x1000, 0x10000 }, 0x40000 },
		{ 2, { 0x10000, 0x19000 }, { 0x8000, 0x8000 }, 0x10000 },
		{ 3, { 0x10000, 0x14000, 0x18000 }, { 0x4000, 0x4000, 0x8000 }, 0x13800 },
		{ 2, { 0, TOP }, { 0x1000, 0x10fff }, UINT64_MAX - 0xfff },
	};

	memset(l, 0, sizeof(*l));
	l->kind = kind;
	l->n = t[kind].n;
	for (unsigned i = 0; i < l->n; i++) {
		l->start[i] = t[kind].s[i];
		l->len[i] = t[kind].len[i];
	}
	l->qbase = t[kind].qbase;
}

const char *vqf_layout_name(const struct vqf_layout *l)
{
	return layout_names[l->kind];
}

/* ---- the logging container ------------------------------------------------------- */

static void note(struct vqf_mem *m, unsigned kind, uint64_t addr, uint64_t len, int order)
{
	if (!m->logging)
		return;
	if (m->nlog == VQF_MAXLOG)
		vmbf_fail("VQ-budget", "more than %d accesses in one call", VQF_MAXLOG);
	m->log[m->nlog++] = (struct vqf_log){ kind, addr, len, order };
}

/* Failure injection: true when this access is to fail (with *@rc set). */
static bool injected(struct vqf_mem *m, int *rc, struct vmb_error *err)
{
	if (!m->inject)
		return false;
	if (m->countdown > 0) {
		m->countdown--;
		return false;
	}
	*rc = VMB_EIO;
	if (err != NULL) {
		memset(err, 0, sizeof(*err));
		err->code = VMB_EIO;
		err->errnum = 5;
	}
	return true;
}

static int l_write(void *self, uint64_t addr, const void *buf, size_t len, size_t *done,
		   struct vmb_error *err)
{
	struct vqf_mem *m = self;
	int rc;

	note(m, VQF_WRITE, addr, len, VMB_ORDER_RELAXED);
	if (injected(m, &rc, err))
		return rc;
	if (m->inject) {
		*done = len;
		return 0;
	}
	return m->inner.ops->write(m->inner.self, addr, buf, len, done, err);
}

static int l_read(void *self, uint64_t addr, void *buf, size_t len, size_t *done,
		  struct vmb_error *err)
{
	struct vqf_mem *m = self;
	int rc;

	note(m, VQF_READ, addr, len, VMB_ORDER_RELAXED);
	if (injected(m, &rc, err))
		return rc;
	return m->inner.ops->read(m->inner.self, addr, buf, len, done, err);
}

static int l_read_from(void *self, uint64_t addr, struct vmb_source *src, size_t n, size_t *done,
		       struct vmb_error *err)
{
	(void)self, (void)addr, (void)src, (void)n, (void)done, (void)err;
	vmbf_fail("VQ-api", "the queue used read_volatile_from");
}

static int l_write_to(void *self, uint64_t addr, struct vmb_sink *dst, size_t n, size_t *done,
		      struct vmb_error *err)
{
	(void)self, (void)addr, (void)dst, (void)n, (void)done, (void)err;
	vmbf_fail("VQ-api", "the queue used write_volatile_to");
}

static int l_store(void *self, uint64_t addr, unsigned width, struct vmb_ordering order,
		   uint64_t v, struct vmb_error *err)
{
	struct vqf_mem *m = self;
	int rc;

	note(m, VQF_STORE, addr, width, (int)order.order);
	if (injected(m, &rc, err))
		return rc;
	if (m->inject)
		return 0;
	return m->inner.ops->store(m->inner.self, addr, width, order, v, err);
}

static int l_load(void *self, uint64_t addr, unsigned width, struct vmb_ordering order, uint64_t *v,
		  struct vmb_error *err)
{
	struct vqf_mem *m = self;
	int rc;

	note(m, VQF_LOAD, addr, width, (int)order.order);
	if (injected(m, &rc, err))
		return rc;
	return m->inner.ops->load(m->inner.self, addr, width, order, v, err);
}

static int l_check_range(void *self, uint64_t addr, size_t n, struct vmb_error *err)
{
	struct vqf_mem *m = self;

	return m->inner.ops->check_range(m->inner.self, addr, n, err);
}

static const struct vmb_bytes_ops logged_ops = {
	.name = "virtq-log",
	.exact = VMB_EXACT_COMPARE,
	.write = l_write,
	.read = l_read,
	.read_volatile_from = l_read_from,
	.write_volatile_to = l_write_to,
	.store = l_store,
	.load = l_load,
	.check_range = l_check_range,
};

void vqf_mem_open(struct vqf_mem *m, const struct vqf_layout *l)
{
	memset(m, 0, sizeof(*m));
	m->lay = l;
	for (unsigned i = 0; i < l->n; i++) {
		struct vmb_region_config cfg = { .start = l->start[i], .len = l->len[i],
						 .kind = VMB_REGION_ANON, .dirty_page_size = 1 };

		m->r[i] = vmbf_pool_region(l->len[i], false, 1);
		if (m->r[i] != NULL ? vmb_region_set_start(m->r[i], l->start[i], NULL) != 0
				    : vmb_region_new(&cfg, &m->r[i], NULL) != 0)
			vmbf_fail("harness", "cannot make region %u", i);
		m->shadow[i] = calloc(1, l->len[i]);
		if (m->shadow[i] == NULL)
			vmbf_fail("harness", "out of memory");
	}
	if (vmb_guest_new(m->r, l->n, &m->g, NULL) != 0)
		vmbf_fail("harness", "cannot make the guest memory");
	m->inner = vmb_guest_bytes(m->g);
}

void vqf_mem_close(struct vqf_mem *m)
{
	for (unsigned i = 0; i < m->lay->n; i++) {
		struct vmb_region *r;

		if (vmb_guest_remove(m->g, m->lay->start[i], m->lay->len[i], &r, NULL) != 0)
			vmbf_fail("harness", "cannot take region %u back", i);
		vmbf_pool_release(r);
		free(m->shadow[i]);
	}
	vmb_guest_free(m->g);
}

struct vmb_guest *vqf_guest(struct vqf_mem *m)
{
	return m->g;
}

struct vmb_bytes vqf_logged_bytes(struct vqf_mem *m)
{
	return (struct vmb_bytes){ &logged_ops, m };
}

void vqf_log_start(struct vqf_mem *m)
{
	m->nlog = 0;
	m->logging = true;
}

void vqf_log_stop(struct vqf_mem *m)
{
	m->logging = false;
}

/* ---- the shadow ---------------------------------------------------------------------- */

/* The region holding @addr, or -1. */
static int region_of(const struct vqf_mem *m, uint64_t addr)
{
	for (unsigned i = 0; i < m->lay->n; i++)
		if (addr >= m->lay->start[i] && addr - m->lay->start[i] < m->lay->len[i])
			return (int)i;
	return -1;
}

uint64_t vqf_chunk(struct vqf_mem *m, uint64_t addr, uint64_t n, uint8_t **host)
{
	int i = region_of(m, addr);

	if (i < 0 || n == 0)
		return 0;
	uint64_t off = addr - m->lay->start[i];
	uint64_t room = m->lay->len[i] - off;

	*host = (uint8_t *)vmb_region_host_base(m->r[i]) + off;
	return n < room ? n : room;
}

/* Bytes mapped contiguously from @addr, at most @n, across adjacent regions. */
static uint64_t mapped(const struct vqf_mem *m, uint64_t addr, uint64_t n)
{
	uint64_t got = 0;

	while (got < n) {
		int i = region_of(m, addr + got);

		if (i < 0)
			break;
		uint64_t room = m->lay->start[i] + m->lay->len[i] - (addr + got);

		got += room < n - got ? room : n - got;
	}
	return got;
}

static uint8_t *shadow_byte(const struct vqf_mem *m, uint64_t addr)
{
	int i = region_of(m, addr);

	return i < 0 ? NULL : &m->shadow[i][addr - m->lay->start[i]];
}

void vqf_poke(struct vqf_mem *m, uint64_t addr, const uint8_t *b, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		uint8_t *s = shadow_byte(m, addr + k), *host;

		if (s == NULL)
			continue;
		*s = b[k];
		if (vqf_chunk(m, addr + k, 1, &host) == 1)
			*host = b[k];
	}
}

/* A little-endian value of @n bytes from the shadow (all mapped). */
static uint64_t peek(const struct vqf_mem *m, uint64_t addr, unsigned n)
{
	uint64_t v = 0;

	for (unsigned k = 0; k < n; k++)
		v |= (uint64_t)*shadow_byte(m, addr + k) << (8 * k);
	return v;
}

static void shadow_put(struct vqf_mem *m, uint64_t addr, uint64_t v, unsigned n)
{
	for (unsigned k = 0; k < n; k++)
		*shadow_byte(m, addr + k) = (uint8_t)(v >> (8 * k));
}

/* ---- the model ---------------------------------------------------------------------- */

static void expect(struct vqf_expect *x, unsigned kind, uint64_t addr, uint64_t len, int order)
{
	if (x->nlog < VQF_MAXLOG)
		x->log[x->nlog++] = (struct vqf_log){ kind, addr, len, order };
}

static void reset(struct vqf_expect *x)
{
	memset(x, 0, offsetof(struct vqf_expect, log));
}

void vqf_model_init(struct vqf_model *q, struct vqf_mem *m, const struct vmb_virtq_config *cfg,
		    struct vqf_expect *x)
{
	bool ev = (cfg->flags & VMB_VIRTQ_EVENT_IDX) != 0;
	const uint64_t at[3] = { cfg->desc, cfg->avail, cfg->used };
	const uint64_t al[3] = { 16, 2, 4 };
	const uint64_t len[3] = { 16ull * cfg->size, 4 + 2ull * cfg->size + (ev ? 2 : 0),
				  4 + 8ull * cfg->size + (ev ? 2 : 0) };

	reset(x);
	memset(q, 0, sizeof(*q));
	q->size = cfg->size;
	q->flags = cfg->flags;
	q->desc = cfg->desc;
	q->avail = cfg->avail;
	q->used = cfg->used;
	m->avail_idx_at = cfg->avail + 2;
	m->used_idx_at = cfg->used + 2;
	for (int i = 0; i < 3 && x->rc == 0; i++)
		if (at[i] % al[i] != 0) {
			x->rc = VMB_EMISALIGNED;
			x->err_addr = at[i];
		}
	for (int i = 0; i < 3 && x->rc == 0; i++)
		if (mapped(m, at[i], len[i]) != len[i]) {
			x->rc = VMB_EINVALID_GUEST_ADDRESS;
			x->err_addr = at[i];
		}
}

static void stop(struct vqf_expect *x, int rc, uint64_t addr)
{
	x->rc = rc;
	x->err_addr = addr;
}

VMBF_WRAPS void vqf_model_pop(struct vqf_model *q, struct vqf_mem *m, unsigned cap,
			      struct vqf_chain *c, struct vqf_expect *x)
{
	reset(x);
	memset(c, 0, sizeof(*c));
	expect(x, VQF_LOAD, q->avail + 2, 2, VMB_ORDER_ACQUIRE);
	uint16_t idx = (uint16_t)peek(m, q->avail + 2, 2);
	unsigned pending = (uint16_t)(idx - q->next_avail);

	if (pending == 0)
		return;
	if (pending > q->size)
		return stop(x, VMB_VIRTQ_EAVAIL_INDEX, idx);
	uint64_t entry = q->avail + 4 + 2ull * (q->next_avail % q->size);

	expect(x, VQF_LOAD, entry, 2, VMB_ORDER_RELAXED);
	c->head = (uint16_t)peek(m, entry, 2);
	q->next_avail++;
	x->took_head = true;
	if (c->head >= q->size)
		return stop(x, VMB_VIRTQ_EINDEX, c->head);

	uint64_t table = q->desc, entries = q->size, left = q->size, total = 0;
	bool in_table = false, seen_writable = false;
	unsigned at = c->head;

	for (;;) {
		if (left == 0) {
			if (q->flags & VMB_VIRTQ_STRICT)
				return stop(x, VMB_VIRTQ_ELOOP, 0);
			c->truncated = true;
			x->rc = 1;
			return;
		}
		left--;
		uint64_t a = table + 16ull * at;
		uint64_t have = mapped(m, a, 16);

		expect(x, VQF_READ, a, 16, VMB_ORDER_RELAXED);
		x->steps++;
		if (have == 0)
			return stop(x, VMB_EINVALID_GUEST_ADDRESS, a);
		if (have < 16) {
			x->completed = have;
			return stop(x, VMB_EPARTIAL_BUFFER, 0);
		}
		struct vqf_desc d = { 0, peek(m, a, 8), (uint32_t)peek(m, a + 8, 4),
				      (uint16_t)peek(m, a + 12, 2), (uint16_t)peek(m, a + 14, 2) };

		if (d.flags & VMB_VIRTQ_DESC_F_INDIRECT) {
			if (in_table)
				return stop(x, VMB_VIRTQ_ENESTED, 0);
			/* Whole descriptors, 1 .. 65535 of them, the last byte below 2^64. */
			if (d.len == 0 || d.len % 16 != 0 || d.len / 16 > 65535 ||
			    d.addr > UINT64_MAX - (d.len - 1))
				return stop(x, VMB_VIRTQ_EINDIRECT, d.addr);
			table = d.addr;
			entries = left = d.len / 16;
			at = 0;
			in_table = true;
			continue;
		}
		total += d.len;
		if (total > UINT32_MAX)
			return stop(x, VMB_VIRTQ_ELENGTH, 0);
		bool w = (d.flags & VMB_VIRTQ_DESC_F_WRITE) != 0;

		if ((q->flags & VMB_VIRTQ_STRICT) && d.len == 0)
			return stop(x, VMB_VIRTQ_EZERO_LENGTH, 0);
		if ((q->flags & VMB_VIRTQ_STRICT) && seen_writable && !w)
			return stop(x, VMB_VIRTQ_EORDER, 0);
		if (c->n == cap)
			return stop(x, VMB_VIRTQ_ECAPACITY, 0);
		c->b[c->n++] = d;
		seen_writable |= w;
		if (w)
			c->writable += d.len;
		else
			c->readable += d.len;
		if (!(d.flags & VMB_VIRTQ_DESC_F_NEXT)) {
			x->rc = 1;
			return;
		}
		if (d.next >= entries)
			return stop(x, VMB_VIRTQ_EINDEX, d.next);
		at = d.next;
	}
}

void vqf_model_add_used(struct vqf_model *q, struct vqf_mem *m, uint16_t head, uint32_t len,
			struct vqf_expect *x)
{
	reset(x);
	if (head >= q->size)
		return stop(x, VMB_VIRTQ_EINDEX, head);
	uint64_t elem = q->used + 4 + 8ull * (q->next_used % q->size);

	expect(x, VQF_WRITE, elem, 8, VMB_ORDER_RELAXED);
	expect(x, VQF_STORE, q->used + 2, 2, VMB_ORDER_RELEASE);
	shadow_put(m, elem, head, 4);
	shadow_put(m, elem + 4, len, 4);
	q->next_used++;
	q->num_added++;
	shadow_put(m, q->used + 2, q->next_used, 2);
}

void vqf_model_notify(struct vqf_model *q, struct vqf_mem *m, int what, struct vqf_expect *x)
{
	bool ev = (q->flags & VMB_VIRTQ_EVENT_IDX) != 0;

	reset(x);
	if (what == 2) {
		uint64_t at = ev ? q->avail + 4 + 2ull * q->size : q->avail;
		uint16_t v = (uint16_t)peek(m, at, 2);

		expect(x, VQF_LOAD, at, 2, VMB_ORDER_RELAXED);
		if (ev) {
			/* Notify when the entry at used_event was among those added:
			 * next_used - num_added <= used_event < next_used, mod 2^16. */
			uint16_t since = (uint16_t)(v - (uint16_t)(q->next_used - q->num_added));

			x->flag = since < q->num_added;
		} else {
			x->flag = (v & VMB_VIRTQ_AVAIL_F_NO_INTERRUPT) == 0;
		}
		q->num_added = 0;
		return;
	}
	if (what == 0) {
		if (!ev) {
			expect(x, VQF_STORE, q->used, 2, VMB_ORDER_RELAXED);
			shadow_put(m, q->used, VMB_VIRTQ_USED_F_NO_NOTIFY, 2);
		}
		return;
	}
	uint64_t at = ev ? q->used + 4 + 8ull * q->size : q->used;

	expect(x, VQF_STORE, at, 2, VMB_ORDER_RELAXED);
	shadow_put(m, at, ev ? q->next_avail : 0, 2);
	expect(x, VQF_LOAD, q->avail + 2, 2, VMB_ORDER_ACQUIRE);
	x->flag = (uint16_t)peek(m, q->avail + 2, 2) != q->next_avail;
}

/* ---- the checks ------------------------------------------------------------------------ */

static const char *const kind_names[] = { "read", "write", "load", "store" };

/* How many READ entries of @log[0 .. @n) overlap [@addr, @addr + @len). */
static unsigned overlaps(const struct vqf_log *log, unsigned n, uint64_t addr, uint64_t len)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		k += log[i].kind == VQF_READ && log[i].addr < addr + len && addr < log[i].addr + log[i].len;
	return k;
}

/*
 * No byte is read more often than the walk visits it: once per pop, except
 * for the descriptors of a loop that the budget cuts (each visit is one
 * read). A check read apart from its use shows as a second read.
 */
void vqf_check_no_double_read(const struct vqf_mem *m, const struct vqf_expect *x)
{
	for (unsigned i = 0; i < m->nlog; i++) {
		const struct vqf_log *a = &m->log[i];

		if (a->kind != VQF_READ)
			continue;
		unsigned got = overlaps(m->log, m->nlog, a->addr, a->len);
		unsigned want = overlaps(x->log, x->nlog, a->addr, a->len);

		VMBF_CHECK("VQ-double-fetch", got <= want,
			   "one pop read 0x%" PRIx64 "+%" PRIu64 " (access %u) %u times, the walk "
			   "visits it %u times", a->addr, a->len, i, got, want);
	}
}

void vqf_check_orders(const struct vqf_mem *m)
{
	for (unsigned i = 0; i < m->nlog; i++) {
		const struct vqf_log *a = &m->log[i];

		if (a->kind == VQF_LOAD && a->addr == m->avail_idx_at)
			VMBF_CHECK("VQ-acquire", a->order == VMB_ORDER_ACQUIRE || a->order == VMB_ORDER_SEQ_CST,
				   "avail idx loaded with ordering %d", a->order);
		if (a->kind == VQF_STORE && a->addr == m->used_idx_at)
			VMBF_CHECK("VQ-release", a->order == VMB_ORDER_RELEASE || a->order == VMB_ORDER_SEQ_CST,
				   "used idx stored with ordering %d", a->order);
	}
}

void vqf_check_error(int rc, const struct vmb_error *e, const struct vqf_expect *x)
{
	if (rc >= 0 || rc != x->rc)
		return;
	switch (rc) {
	case VMB_VIRTQ_EINDEX:
	case VMB_VIRTQ_EAVAIL_INDEX:
	case VMB_VIRTQ_EINDIRECT:
	case VMB_EINVALID_GUEST_ADDRESS:
	case VMB_EMISALIGNED:
		VMBF_CHECK("VQ-error", e->code == rc && e->addr == x->err_addr,
			   "%s addr=0x%" PRIx64 ", model addr=0x%" PRIx64, vmb_virtq_error_name(rc),
			   e->addr, x->err_addr);
		break;
	case VMB_EPARTIAL_BUFFER:
		VMBF_CHECK("VQ-error", e->expected == 16 && e->completed == x->completed,
			   "partial_buffer completed=%" PRIu64 ", model %" PRIu64, e->completed,
			   x->completed);
		break;
	default:
		VMBF_CHECK("VQ-error", e->code == rc, "error detail code %d for %d", e->code, rc);
	}
}

void vqf_check_log(const struct vqf_mem *m, const struct vqf_expect *x)
{
	unsigned n = m->nlog < x->nlog ? m->nlog : x->nlog;

	for (unsigned i = 0; i < n; i++) {
		const struct vqf_log *a = &m->log[i], *b = &x->log[i];

		VMBF_CHECK("VQ-access", a->kind == b->kind && a->addr == b->addr && a->len == b->len &&
					      a->order == b->order,
			   "access %u: %s 0x%" PRIx64 "+%" PRIu64 " order %d, model %s 0x%" PRIx64
			   "+%" PRIu64 " order %d", i, kind_names[a->kind], a->addr, a->len, a->order,
			   kind_names[b->kind], b->addr, b->len, b->order);
	}
	VMBF_CHECK("VQ-access", m->nlog == x->nlog, "%u accesses, model %u", m->nlog, x->nlog);
}

void vqf_dirty_reset(struct vqf_mem *m)
{
	vqf_check_dirty(m, NULL, UINT32_MAX);
}

/* @n == UINT32_MAX: only reset. */
void vqf_check_dirty(struct vqf_mem *m, const struct vqf_log *log, unsigned n)
{
	static uint64_t words[0x11000 / 64 + 1];
	uint64_t want = 0, seen = 0;

	for (unsigned k = 0; n != UINT32_MAX && k < n; k++)
		want += log[k].len;
	for (unsigned i = 0; i < m->lay->n; i++) {
		struct vmb_bitmap *bm = vmb_region_bitmap(m->r[i]);
		size_t nw = (vmb_bitmap_pages(bm) + 63) / 64;

		if (vmb_bitmap_get_and_reset(bm, words, nw) != 0)
			vmbf_fail("harness", "bitmap get_and_reset");
		for (size_t w = 0; n != UINT32_MAX && w < nw; w++)
			for (uint64_t bits = words[w]; bits != 0; bits &= bits - 1) {
				uint64_t addr = m->lay->start[i] + 64 * w + (uint64_t)__builtin_ctzll(bits);
				bool ok = false;

				for (unsigned k = 0; k < n; k++)
					ok |= addr >= log[k].addr && addr - log[k].addr < log[k].len;
				VMBF_CHECK("VQ-used-bytes", ok, "add_used dirtied 0x%" PRIx64, addr);
				seen++;
			}
	}
	VMBF_CHECK("VQ-used-bytes", n == UINT32_MAX || seen == want,
		   "add_used dirtied %" PRIu64 " bytes, want %" PRIu64, seen, want);
}

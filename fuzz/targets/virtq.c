/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Fuzz target "virtq": the split virtqueue (virtq/) over guest-memory
 * layouts with holes, adjacent regions and a region ending at 2^64 - 1,
 * against an independent model of the walk (a shadow of guest memory and
 * the virtio rules written out again). An input is a layout, a queue, up
 * to 16 descriptors, an indirect table and a sequence of driver and device
 * actions with at most one chain walk. Checked: the result, the error, the
 * chain, every ring and descriptor access in order with its ordering (the
 * queue's accesses go through a logging container), that no byte is read
 * twice by one pop (double fetch), the step counter, and that add_used
 * dirties exactly its 8 + 2 bytes. One input in eight is the concurrency
 * profile instead (virtq/race.c): a driver thread against the device.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "virtq/target.h"

/* ---- decoding --------------------------------------------------------------- */

VMBF_WRAPS static uint64_t pick_addr(struct vmbf_producer *d, const struct vqf_input *in,
				     bool may_table)
{
	const struct vqf_layout *l = &in->lay;
	uint8_t m = vmbf_u8(d);
	unsigned r = (m >> 3) % l->n;
	int delta = (int)(m >> 5) - 4;

	switch (m % 8) {
	case 0:
		return l->start[r] + (uint64_t)(int64_t)delta;
	case 1:
		return l->start[r] + l->len[r] - 16 + (uint64_t)(int64_t)(2 * delta);
	case 2:
		return l->qbase + 16u * vmbf_u8(d);
	case 3:
		return UINT64_MAX - 15 - 16u * (m >> 3);
	case 4:
		return vmbf_u64(d);
	case 5:
		if (may_table)
			return in->itable;
		/* fall through */
	default:
		return l->start[r] + vmbf_u16(d) % l->len[r];
	}
}

static uint32_t pick_len(struct vmbf_producer *d)
{
	uint8_t m = vmbf_u8(d);

	switch (m % 8) {
	case 0:
		return 0;
	case 1:
		return vmbf_u8(d);
	case 2:
		return 16u * (1 + (m >> 3) % 8);
	case 3:
		return UINT32_MAX - (m >> 3);
	case 4:
		return 0x80000000u;
	case 5:
		return vmbf_u16(d);
	case 6:
		return (uint32_t)vmbf_u64(d);
	default:
		return 1 + (m >> 3) % 16;
	}
}

static void pick_desc(struct vmbf_producer *d, const struct vqf_input *in, uint32_t entries,
		      struct vqf_desc *o)
{
	uint8_t f, nx;

	o->addr = pick_addr(d, in, true);
	o->len = pick_len(d);
	f = vmbf_u8(d);
	o->flags = (uint16_t)((f & 7) | ((f & 0x80) ? 0x100 : 0)); /* 0x100: an unknown flag */
	nx = vmbf_u8(d);
	o->next = (nx & 3) == 0 ? vmbf_u16(d) : (uint16_t)((nx >> 2) % (entries + 2));
}

VMBF_WRAPS static void place_queue(struct vmbf_producer *d, struct vqf_input *in)
{
	uint8_t x = vmbf_u8(d), y = vmbf_u8(d), z = vmbf_u8(d);

	in->desc = in->lay.qbase + 16u * (x % 64) + (x >= 0xf8 ? (x & 7) : 0);
	in->avail = in->desc + 16ull * in->size + 2u * (y % 32) + (y >= 0xfc ? 1 : 0);
	in->used = ((in->avail + 6 + 2ull * in->size + 3) & ~3ull) + 4u * (z % 32) +
		   (z >= 0xfc ? 2 : 0);
}

void vqf_decode(const uint8_t *data, size_t size, struct vqf_input *in)
{
	struct vmbf_producer d;
	size_t line = 0;

	vmbf_producer_init(&d, data, size);
	memset(in, 0, sizeof(*in));
	in->complete = SIZE_MAX;
#define LINE_DONE()                                                                    \
	do {                                                                           \
		if (d.ran_out && in->complete == SIZE_MAX)                             \
			in->complete = line;                                           \
		line++;                                                                \
	} while (0)
	uint8_t b0 = vmbf_u8(&d);

	in->race = (b0 & 0xe0) == 0xe0;
	in->strict = (b0 & 0x08) != 0;
	in->event_idx = (b0 & 0x10) != 0;
	vqf_layout(b0 % 8 % VQF_LAYOUTS, &in->lay);
	in->size = 1u << (vmbf_u8(&d) % 9);
	in->cap = 1 + vmbf_u8(&d) % 24;
	place_queue(&d, in);
	in->itable = pick_addr(&d, in, false);
	LINE_DONE(); /* line 0: the set-up */
	in->ndesc = vmbf_u8(&d) % (VQF_MAXDESC + 1);
	in->nind = vmbf_u8(&d) % (VQF_MAXIND + 1);
	LINE_DONE();
	for (unsigned i = 0; i < in->ndesc; i++) {
		in->d[i].index = (uint16_t)(vmbf_u8(&d) % in->size);
		pick_desc(&d, in, in->size, &in->d[i]);
		LINE_DONE();
	}
	for (unsigned i = 0; i < in->nind; i++) {
		in->ind[i].index = (uint16_t)i;
		pick_desc(&d, in, in->nind, &in->ind[i]);
		LINE_DONE();
	}
	while (!vmbf_done(&d) && in->nact < VQF_MAXACT) {
		struct vqf_act *a = &in->act[in->nact++];
		uint8_t m = vmbf_u8(&d);

		a->kind = m % VQF_ACTS;
		switch (a->kind) {
		case VQF_PUBLISH:
		case VQF_ADD_USED: {
			uint8_t h = vmbf_u8(&d);

			a->a = (h & 7) == 7 ? vmbf_u16(&d) : (uint16_t)((h >> 3) % in->size);
			if (a->kind == VQF_ADD_USED)
				a->b = pick_len(&d);
			break;
		}
		case VQF_AVAIL_RAW:
		case VQF_DRIVER_WORD:
			a->a = m >> 7;
			a->b = vmbf_u16(&d);
			break;
		case VQF_NOTIFY_ONOFF:
			a->a = m >> 7;
			break;
		default:
			break;
		}
		LINE_DONE();
	}
#undef LINE_DONE
}

/* ---- the decode printer -------------------------------------------------------- */

static const char *const act_names[] = { "publish",    "avail_idx", "pop",    "add_used",
					 "needs_notify", "notify",  "driver", "slices", "args" };

void vmbf_target_decode(const uint8_t *data, size_t size, struct vmbo_text *out)
{
	struct vqf_input *in = malloc(sizeof(*in));
	size_t line = 0;

	if (in == NULL)
		abort();
	vqf_decode(data, size, in);
#define RAN_OUT()                                                                      \
	do {                                                                           \
		if (line++ == in->complete)                                            \
			vmbo_text_printf(out, "%s", VMBF_RAN_OUT_LINE);                \
	} while (0)
	RAN_OUT();
	if (in->race) {
		vmbo_text_printf(out, "race size=%" PRIu32 " (the concurrency profile)\n", in->size);
		free(in);
		return;
	}
	vmbo_text_printf(out, "layout %s size=%" PRIu32 " desc=0x%" PRIx64 " avail=0x%" PRIx64
			      " used=0x%" PRIx64 " strict=%d event_idx=%d cap=%u itable=0x%" PRIx64 "\n",
			 vqf_layout_name(&in->lay), in->size, in->desc, in->avail, in->used, in->strict,
			 in->event_idx, in->cap, in->itable);
	RAN_OUT();
	vmbo_text_printf(out, "descriptors %u indirect %u\n", in->ndesc, in->nind);
	for (unsigned i = 0; i < in->ndesc + in->nind; i++) {
		const struct vqf_desc *e = i < in->ndesc ? &in->d[i] : &in->ind[i - in->ndesc];

		RAN_OUT();
		vmbo_text_printf(out, "%s[%u] addr=0x%" PRIx64 " len=0x%" PRIx32 " flags=0x%x next=%u\n",
				 i < in->ndesc ? "desc" : "itable", e->index, e->addr, e->len,
				 e->flags, e->next);
	}
	for (unsigned i = 0; i < in->nact; i++) {
		RAN_OUT();
		vmbo_text_printf(out, "%s a=0x%" PRIx64 " b=0x%" PRIx64 "\n", act_names[in->act[i].kind],
				 in->act[i].a, in->act[i].b);
	}
#undef RAN_OUT
	free(in);
}

/* ---- the run --------------------------------------------------------------------- */

/* Everything the library and the model do for one input. */
struct run {
	const struct vqf_input *in;
	struct vqf_mem mem;          /* guest memory, the logging container, the shadow */
	struct vmb_virtq q;
	struct vqf_model m;
	struct vmb_virtq_desc bufs[24];
	struct vmb_virtq_chain chain;
	struct vqf_chain mchain;     /* the model's chain */
	bool walked;
};

static void driver_word(struct run *r, uint64_t addr, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	vqf_poke(&r->mem, addr, b, 2);
}

static void write_desc(struct run *r, uint64_t table, const struct vqf_desc *e)
{
	uint8_t b[16];

	for (int k = 0; k < 8; k++)
		b[k] = (uint8_t)(e->addr >> (8 * k));
	for (int k = 0; k < 4; k++)
		b[8 + k] = (uint8_t)(e->len >> (8 * k));
	b[12] = (uint8_t)e->flags;
	b[13] = (uint8_t)(e->flags >> 8);
	b[14] = (uint8_t)e->next;
	b[15] = (uint8_t)(e->next >> 8);
	vqf_poke(&r->mem, table + 16ull * e->index, b, 16);
}

/* The chain and every access of one pop against the model. */
static void check_pop(struct run *r)
{
	struct vmb_error e;
	struct vqf_expect x;
	uint64_t steps = r->q.steps;

	vqf_log_start(&r->mem);
	int rc = vmb_virtq_pop(&r->q, &r->chain, r->bufs, r->in->cap, &e);

	vqf_log_stop(&r->mem);
	vqf_model_pop(&r->m, &r->mem, r->in->cap, &r->mchain, &x);
	/* The result, then bounded work (the step counter), then the double
	 * fetch: a byte read more often than the walk visits it. */
	VMBF_CHECK("VQ-result", rc == x.rc, "pop: got %s, model %s", vmb_virtq_error_name(rc),
		   vmb_virtq_error_name(x.rc));
	VMBF_CHECK("VQ-budget", r->q.steps - steps <= r->q.size + VMB_VIRTQ_INDIRECT_MAX,
		   "pop read %" PRIu64 " descriptors", r->q.steps - steps);
	VMBF_CHECK("VQ-budget", r->q.steps - steps == x.steps,
		   "pop read %" PRIu64 " descriptors, model %u", r->q.steps - steps, x.steps);
	vqf_check_no_double_read(&r->mem, &x);
	vqf_check_orders(&r->mem);
	vqf_check_error(rc, &e, &x);
	vqf_check_log(&r->mem, &x);
	VMBF_CHECK("VQ-avail", r->q.next_avail == r->m.next_avail, "next_avail %u, model %u",
		   r->q.next_avail, r->m.next_avail);
	if (x.took_head)
		VMBF_CHECK("VQ-chain", r->chain.head == r->mchain.head, "head %u, model %u",
			   r->chain.head, r->mchain.head);
	if (rc != 1)
		return;
	r->walked = true;
	VMBF_CHECK("VQ-chain", r->chain.nbufs == r->mchain.n && r->chain.truncated == r->mchain.truncated,
		   "%" PRIu32 " buffers (truncated %d), model %u (%d)", r->chain.nbufs,
		   r->chain.truncated, r->mchain.n, r->mchain.truncated);
	for (unsigned i = 0; i < r->mchain.n; i++) {
		const struct vqf_desc *w = &r->mchain.b[i];
		const struct vmb_virtq_desc *g = &r->bufs[i];

		VMBF_CHECK("VQ-chain", g->addr == w->addr && g->len == w->len && g->flags == w->flags,
			   "buffer %u: 0x%" PRIx64 "+0x%" PRIx32 " flags 0x%x, model 0x%" PRIx64
			   "+0x%" PRIx32 " flags 0x%x", i, g->addr, g->len, g->flags, w->addr, w->len,
			   w->flags);
	}
	VMBF_CHECK("VQ-chain", r->chain.readable_len == r->mchain.readable &&
			       r->chain.writable_len == r->mchain.writable,
		   "lengths %" PRIu32 "/%" PRIu32 ", model %" PRIu64 "/%" PRIu64,
		   r->chain.readable_len, r->chain.writable_len, r->mchain.readable,
		   r->mchain.writable);
}

static void check_add_used(struct run *r, uint16_t head, uint32_t len)
{
	struct vmb_error e;
	struct vqf_expect x;

	vqf_dirty_reset(&r->mem);
	vqf_log_start(&r->mem);
	int rc = vmb_virtq_add_used(&r->q, head, len, &e);

	vqf_log_stop(&r->mem);
	vqf_check_orders(&r->mem);
	vqf_model_add_used(&r->m, &r->mem, head, len, &x);
	VMBF_CHECK("VQ-result", rc == x.rc, "add_used: got %s, model %s", vmb_virtq_error_name(rc),
		   vmb_virtq_error_name(x.rc));
	vqf_check_log(&r->mem, &x);
	/* Exactly the 8-byte element and the 2-byte index are written. */
	vqf_check_dirty(&r->mem, rc == 0 ? x.log : NULL, rc == 0 ? 2 : 0);
	VMBF_CHECK("VQ-used", r->q.next_used == r->m.next_used, "next_used %u, model %u",
		   r->q.next_used, r->m.next_used);
}

static void check_notify(struct run *r, const struct vqf_act *a)
{
	struct vqf_expect x;
	bool got = false;
	int rc;

	vqf_log_start(&r->mem);
	if (a->kind == VQF_NEEDS_NOTIFY)
		rc = vmb_virtq_needs_notification(&r->q, &got, NULL);
	else if (a->a)
		rc = vmb_virtq_enable_notification(&r->q, &got, NULL);
	else
		rc = vmb_virtq_disable_notification(&r->q, NULL);
	vqf_log_stop(&r->mem);
	vqf_check_orders(&r->mem);
	vqf_model_notify(&r->m, &r->mem, a->kind == VQF_NEEDS_NOTIFY ? 2 : (int)a->a, &x);
	VMBF_CHECK("VQ-result", rc == x.rc, "%s: got %s", act_names[a->kind],
		   vmb_virtq_error_name(rc));
	VMBF_CHECK("VQ-event", got == x.flag, "%s says %d, model %d", act_names[a->kind], got, x.flag);
	vqf_check_log(&r->mem, &x);
}

static void check_slices(struct run *r)
{
	for (unsigned i = 0; i < r->chain.nbufs && i < 4; i++) {
		struct vmb_slices_iter it;
		struct vmb_slice s;
		struct vmb_error e;
		uint64_t cur = r->bufs[i].addr;
		uint64_t left = r->bufs[i].len;
		int rc;

		if (vmb_virtq_buf_slices(&r->q, &r->bufs[i], &it) != 0)
			vmbf_fail("VQ-slices", "buf_slices refused a buffer");
		while ((rc = vmb_guest_slices_next(&it, &s, &e)) == 1) {
			uint8_t *host;
			uint64_t n = vqf_chunk(&r->mem, cur, left, &host);

			VMBF_CHECK("VQ-slices", n > 0 && s.base == host && s.len == n,
				   "buffer %u at 0x%" PRIx64 ": slice of %zu bytes, model %" PRIu64, i,
				   cur, s.len, n);
			cur += n;
			left -= n;
		}
		if (rc == 0) {
			VMBF_CHECK("VQ-slices", left == 0, "buffer %u ended %" PRIu64 " bytes early", i,
				   left);
		} else {
			uint8_t *host;

			VMBF_CHECK("VQ-slices", rc == VMB_EINVALID_GUEST_ADDRESS && e.addr == cur &&
						vqf_chunk(&r->mem, cur, left, &host) == 0,
				   "buffer %u: %s at 0x%" PRIx64 ", model a hole at 0x%" PRIx64, i,
				   vmb_error_name(rc), e.addr, cur);
		}
	}
}

/* NULL pointers, bad sizes and flags: InvalidArgument everywhere, and the
 * queue left as it was. */
static void check_args(struct run *r)
{
	struct vmb_virtq copy, t;
	struct vmb_virtq_chain c;
	struct vmb_slices_iter it;
	struct vmb_error e;
	uint16_t idx;
	bool flag;
	static const uint32_t bad_sizes[] = { 0, 3, 65536, 32769, UINT32_MAX };
	const int bad = VMB_EINVALID_ARGUMENT;
	struct vmb_virtq_config cfg = { r->q.size, r->q.desc, r->q.avail, r->q.used, 4 };

	memcpy(&copy, &r->q, sizeof(copy)); /* padding and all, for the memcmp below */

	VMBF_CHECK("VQ-args", vmb_virtq_init(&t, r->mem.g, &cfg, &e) == bad && e.code == bad &&
				      vmb_virtq_init(NULL, r->mem.g, &cfg, NULL) == bad &&
				      vmb_virtq_init(&t, NULL, &cfg, NULL) == bad &&
				      vmb_virtq_init(&t, r->mem.g, NULL, NULL) == bad,
		   "init accepted NULL or flags 4");
	cfg.flags = 0;
	for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++) {
		cfg.size = bad_sizes[i];
		VMBF_CHECK("VQ-args", vmb_virtq_init(&t, r->mem.g, &cfg, NULL) == bad,
			   "init accepted size %" PRIu32, bad_sizes[i]);
	}
	VMBF_CHECK("VQ-args",
		   vmb_virtq_pop(NULL, &c, r->bufs, 1, NULL) == bad &&
			   vmb_virtq_pop(&r->q, NULL, r->bufs, 1, NULL) == bad &&
			   vmb_virtq_pop(&r->q, &c, NULL, 1, NULL) == bad &&
			   vmb_virtq_avail_idx(NULL, &idx, NULL) == bad &&
			   vmb_virtq_avail_idx(&r->q, NULL, NULL) == bad &&
			   vmb_virtq_add_used(NULL, 0, 0, NULL) == bad &&
			   vmb_virtq_needs_notification(NULL, &flag, NULL) == bad &&
			   vmb_virtq_needs_notification(&r->q, NULL, NULL) == bad &&
			   vmb_virtq_enable_notification(NULL, &flag, NULL) == bad &&
			   vmb_virtq_enable_notification(&r->q, NULL, NULL) == bad &&
			   vmb_virtq_disable_notification(NULL, NULL) == bad &&
			   vmb_virtq_buf_slices(NULL, r->bufs, &it) == bad &&
			   vmb_virtq_buf_slices(&r->q, NULL, &it) == bad &&
			   vmb_virtq_buf_slices(&r->q, r->bufs, NULL) == bad &&
			   vmb_virtq_set_bytes(NULL, r->q.mem) == bad &&
			   vmb_virtq_set_bytes(&r->q, (struct vmb_bytes){ NULL, NULL }) == bad &&
			   vmb_virtq_restore(NULL, 0, 0) == bad,
		   "an entry point accepted NULL");
	/* Valid calls with no error detail, and a queue with no room: on a copy. */
	t = r->q;
	cfg = (struct vmb_virtq_config){ r->q.size, r->q.desc + 1, r->q.avail, r->q.used, 0 };
	VMBF_CHECK("VQ-args", vmb_virtq_init(&t, r->mem.g, &cfg, NULL) == VMB_EMISALIGNED &&
				      vmb_virtq_pop(&t, &c, NULL, 0, NULL) >= VMB_VIRTQ_ELOOP &&
				      vmb_virtq_add_used(&t, UINT16_MAX, 0, NULL) == VMB_VIRTQ_EINDEX,
		   "calls without an error detail");
	/*
	 * Every access of every call failing in turn (IO from the container):
	 * the call returns that error. On a copy of the queue; the failing
	 * container writes nothing, so guest memory stays as the model has it.
	 */
	for (unsigned n = 0; n < 4; n++) {
		int rc[6];

		t = r->q;
		r->mem.inject = true;
		r->mem.countdown = n;
		rc[0] = vmb_virtq_pop(&t, &c, r->bufs, r->in->cap, &e);
		r->mem.countdown = n;
		rc[1] = vmb_virtq_add_used(&t, 0, 0, &e);
		r->mem.countdown = n;
		rc[2] = vmb_virtq_needs_notification(&t, &flag, &e);
		r->mem.countdown = n;
		rc[3] = vmb_virtq_enable_notification(&t, &flag, &e);
		r->mem.countdown = n;
		rc[4] = vmb_virtq_disable_notification(&t, &e);
		r->mem.countdown = n;
		rc[5] = vmb_virtq_avail_idx(&t, &idx, &e);
		r->mem.inject = false;
		/* Calls with fewer accesses than n + 1 succeed (or fail as they would). */
		for (int k = 0; k < 6; k++)
			VMBF_CHECK("VQ-args", rc[k] <= 1, "call %d with access %u failing: %d", k, n, rc[k]);
		VMBF_CHECK("VQ-args", n > 0 || (rc[0] == VMB_EIO && rc[1] == VMB_EIO && rc[2] == VMB_EIO &&
						  rc[3] == VMB_EIO && rc[5] == VMB_EIO &&
						  (rc[4] == VMB_EIO || (r->q.flags & VMB_VIRTQ_EVENT_IDX))),
			   "a failing first access was not reported");
	}
	VMBF_CHECK("VQ-args", memcmp(&copy, &r->q, sizeof(copy)) == 0, "a refused call changed the queue");
	VMBF_CHECK("VQ-args", strcmp(vmb_virtq_error_name(VMB_VIRTQ_EORDER), "order") == 0 &&
				      strcmp(vmb_virtq_error_name(VMB_EIO), vmb_error_name(VMB_EIO)) == 0 &&
				      strcmp(vmb_virtq_error_name(-100), vmb_error_name(-100)) == 0,
		   "error names");
}

VMBF_NO_FEEDBACK static void run_actions(struct run *r)
{
	const struct vqf_input *in = r->in;

	for (unsigned i = 0; i < in->nact; i++) {
		const struct vqf_act *a = &in->act[i];

		switch (a->kind) {
		case VQF_PUBLISH:
			driver_word(r, in->avail + 4 + 2ull * (r->m.driver_idx % in->size), (uint16_t)a->a);
			r->m.driver_idx = (uint16_t)(r->m.driver_idx + 1);
			driver_word(r, in->avail + 2, r->m.driver_idx);
			break;
		case VQF_AVAIL_RAW:
			r->m.driver_idx = (uint16_t)a->b;
			driver_word(r, in->avail + 2, r->m.driver_idx);
			break;
		case VQF_POP:
			/* At most one walk per input (vm-virtio found more to time out). */
			if (!r->walked)
				check_pop(r);
			break;
		case VQF_ADD_USED:
			check_add_used(r, (uint16_t)a->a, (uint32_t)a->b);
			break;
		case VQF_NEEDS_NOTIFY:
		case VQF_NOTIFY_ONOFF:
			check_notify(r, a);
			break;
		case VQF_DRIVER_WORD:
			/* used_event (after the avail ring) or avail->flags. */
			driver_word(r, a->a ? in->avail : in->avail + 4 + 2ull * in->size, (uint16_t)a->b);
			break;
		case VQF_SLICES:
			if (r->walked)
				check_slices(r);
			break;
		default:
			check_args(r);
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct run r;
	struct vqf_input in;
	struct vmb_error e;
	struct vqf_expect x;

	vqf_decode(data, size, &in);
	if (in.race)
		return vqf_race(&in);
	memset(&r, 0, sizeof(r));
	r.in = &in;
	vqf_mem_open(&r.mem, &in.lay);
	for (unsigned i = 0; i < in.ndesc; i++)
		write_desc(&r, in.desc, &in.d[i]);
	for (unsigned i = 0; i < in.nind; i++)
		write_desc(&r, in.itable, &in.ind[i]);

	struct vmb_virtq_config cfg = { in.size, in.desc, in.avail, in.used,
					(in.strict ? VMB_VIRTQ_STRICT : 0u) |
						(in.event_idx ? VMB_VIRTQ_EVENT_IDX : 0u) };
	int rc = vmb_virtq_init(&r.q, vqf_guest(&r.mem), &cfg, &e);

	vqf_model_init(&r.m, &r.mem, &cfg, &x);
	VMBF_CHECK("VQ-init", rc == x.rc, "init: got %s, model %s", vmb_error_name(rc),
		   vmb_error_name(x.rc));
	vqf_check_error(rc, &e, &x);
	if (rc == 0) {
		if (vmb_virtq_set_bytes(&r.q, vqf_logged_bytes(&r.mem)) != 0)
			vmbf_fail("harness", "set_bytes refused the logging container");
		run_actions(&r);
	}
	vqf_mem_close(&r.mem);
	return 0;
}

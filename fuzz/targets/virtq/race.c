/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The virtq target's concurrency profile: a driver thread publishes chains
 * (rewriting each descriptor for every round, so a stale or torn read
 * shows), flips avail idx to a hostile value and back, and checks the used
 * elements, while this thread pops and returns them. Checked: every avail
 * idx the device sees is one the driver stored (indices start just below
 * a byte boundary, so a torn 2-byte load would show), every chain is the
 * one published for its round, every used element is whole. Under TSan the
 * plain writes and reads of descriptors and used elements race unless the
 * acquire/release pairs of the queue order them.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "fuzz.h"
#include "target.h"

enum { DESC = 0x1000, AVAIL = 0x2000, USED = 0x3000, BUF = 0x8000, MEM = 0x10000 };

struct race {
	uint8_t *host;
	uint32_t size;
	unsigned rounds;
	bool hostile;
	uint16_t base; /* the first avail idx */
};

static uint32_t round_len(unsigned r)
{
	return 1 + (r * 7) % 61;
}

static void *driver(void *arg)
{
	struct race *rc = arg;
	uint16_t *avail_idx = (uint16_t *)(void *)(rc->host + AVAIL + 2);
	uint16_t *used_idx = (uint16_t *)(void *)(rc->host + USED + 2);
	unsigned checked = 0;

	for (unsigned r = 0; r <= rc->rounds; r++) {
		uint16_t used;

		/* Acquire pairs with add_used's release: the elements are whole,
		 * and the device is done with the descriptors they name. */
		while ((used = (uint16_t)(__atomic_load_n(used_idx, __ATOMIC_ACQUIRE) - rc->base)),
		       r - used >= rc->size || (r == rc->rounds && used < r))
			sched_yield();
		for (; checked < used; checked++) {
			uint32_t elem[2];

			memcpy(elem, rc->host + USED + 4 + 8 * ((rc->base + checked) % rc->size), 8);
			if (elem[0] != (rc->base + checked) % rc->size || elem[1] != round_len(checked))
				vmbf_fail("VQ-race", "used element %u is %" PRIu32 "/%" PRIu32, checked,
					  elem[0], elem[1]);
		}
		if (r == rc->rounds)
			break;
		uint16_t slot = (uint16_t)((rc->base + r) % rc->size);
		struct vmb_virtq_desc d = { BUF + 64u * slot + r % 3, round_len(r),
					    VMB_VIRTQ_DESC_F_WRITE, 0 };

		/* Plain writes: only the release below publishes them. */
		memcpy(rc->host + DESC + 16u * slot, &d, 16);
		memcpy(rc->host + AVAIL + 4 + 2u * slot, &slot, 2);
		if (rc->hostile && r % 3 == 0)
			/* Relaxed: a value the device must refuse, published nothing. */
			__atomic_store_n(avail_idx, (uint16_t)(rc->base + r + rc->size + 1),
					 __ATOMIC_RELAXED);
		__atomic_store_n(avail_idx, (uint16_t)(rc->base + r + 1), __ATOMIC_RELEASE);
	}
	return NULL;
}

int vqf_race(const struct vqf_input *in)
{
	struct vmb_region_config cfg = { .start = 0, .len = MEM, .kind = VMB_REGION_ANON };
	struct vmb_region *reg;
	struct vmb_guest *g;
	struct vmb_virtq q;
	struct race rc = { NULL, in->size < 4 ? 4 : (in->size > 64 ? 64 : in->size),
			   16 + (unsigned)(in->desc % 48), in->strict,
			   (uint16_t)(0xfff0u + (in->used & 0x1f) * 0x100u) };

	if (vmb_region_new(&cfg, &reg, NULL) != 0 || vmb_guest_new(&reg, 1, &g, NULL) != 0)
		vmbf_fail("harness", "cannot make the race's guest memory");
	rc.host = vmb_region_host_base(reg);
	struct vmb_virtq_config qc = { rc.size, DESC, AVAIL, USED, VMB_VIRTQ_STRICT };

	if (vmb_virtq_init(&q, g, &qc, NULL) != 0 || vmb_virtq_restore(&q, rc.base, rc.base) != 0)
		vmbf_fail("harness", "cannot set up the race's queue");
	/* Before the thread starts: the rings begin at the base indices. */
	memcpy(rc.host + AVAIL + 2, &rc.base, 2);
	memcpy(rc.host + USED + 2, &rc.base, 2);

	pthread_t t;

	if (pthread_create(&t, NULL, driver, &rc) != 0)
		vmbf_fail("harness", "cannot start the driver thread");
	uint16_t seen = rc.base;

	for (unsigned popped = 0; popped < rc.rounds;) {
		struct vmb_virtq_desc buf[2];
		struct vmb_virtq_chain c;
		uint16_t idx;

		if (vmb_virtq_avail_idx(&q, &idx, NULL) != 0)
			vmbf_fail("VQ-race", "avail_idx failed");
		uint16_t ahead = (uint16_t)(idx - seen);
		bool bogus = (uint16_t)(idx - rc.base - rc.size - 1) < rc.rounds;

		/* No torn index: a value between the last one seen and the end,
		 * or one of the hostile values. */
		VMBF_CHECK("VQ-race", ahead <= rc.rounds - (uint16_t)(seen - rc.base) || (rc.hostile && bogus),
			   "avail idx 0x%04x after 0x%04x", idx, seen);
		if (!bogus)
			seen = idx;
		int r = vmb_virtq_pop(&q, &c, buf, 2, NULL);

		if (r == 0 || r == VMB_VIRTQ_EAVAIL_INDEX) {
			sched_yield();
			continue;
		}
		uint16_t slot = (uint16_t)((rc.base + popped) % rc.size);

		VMBF_CHECK("VQ-race", r == 1 && c.head == slot && c.nbufs == 1 &&
					      buf[0].addr == BUF + 64u * slot + popped % 3 &&
					      buf[0].len == round_len(popped),
			   "round %u: pop %s, head %u, buffer 0x%" PRIx64 "+%" PRIu32, popped,
			   vmb_virtq_error_name(r), c.head, buf[0].addr, buf[0].len);
		if (vmb_virtq_add_used(&q, c.head, buf[0].len, NULL) != 0)
			vmbf_fail("VQ-race", "add_used failed");
		popped++;
	}
	pthread_join(t, NULL);
	vmb_guest_free(g);
	return 0;
}

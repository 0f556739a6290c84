/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The split virtqueue (virtq/): one chain published, popped and returned
 * per iteration, for chains of 1, 2 and 4 descriptors, without and with
 * strict mode (QEMU's extra checks). The driver's part (the ring entry and
 * a release store of avail idx) is in the loop too: two 2-byte stores
 * beside the device's acquire load, ring load, one 16-byte read per
 * descriptor, the used element and the release store of used idx. Items
 * are chains.
 *
 * Names: virtq/pop_add_used/<descriptors>/<lax|strict>
 */
#include <vmbytes/guest.h>
#include <vmbytes/virtq.h>

#include "bench.h"

#define QSIZE 256u
#define DESC 0x0u
#define AVAIL 0x1000u
#define USED 0x2000u
#define BUFS 0x10000u

struct vq_case {
	unsigned ndesc;
	bool strict;
};

static void vq_body(struct vmb_bench *b, void *arg)
{
	const struct vq_case *c = arg;
	struct vmb_region_config cfg = { .start = 0, .len = MIB, .kind = VMB_REGION_ANON, .fd = -1 };
	struct vmb_region *r;
	struct vmb_guest *g;
	struct vmb_virtq q;
	struct vmb_virtq_desc bufs[4];
	struct vmb_virtq_chain chain;

	if (vmb_region_new(&cfg, &r, NULL) != 0 || vmb_guest_new(&r, 1, &g, NULL) != 0) {
		vmb_bench_skip(b, "cannot make the guest memory");
		return;
	}
	struct vmb_virtq_config qc = { QSIZE, DESC, AVAIL, USED, c->strict ? VMB_VIRTQ_STRICT : 0u };
	struct vmb_bytes m = vmb_guest_bytes(g);
	unsigned chains = QSIZE / c->ndesc;
	bool ok = vmb_virtq_init(&q, g, &qc, NULL) == 0;

	/* Chain k: descriptors k*n .. k*n+n-1, readable first, then writable. */
	for (unsigned i = 0; ok && i < chains * c->ndesc; i++) {
		bool last = i % c->ndesc == c->ndesc - 1;
		struct vmb_virtq_desc d = { BUFS + 512u * i, 512,
					    (uint16_t)((last ? 0 : VMB_VIRTQ_DESC_F_NEXT) |
						       (i % c->ndesc >= c->ndesc / 2 ? VMB_VIRTQ_DESC_F_WRITE : 0)),
					    (uint16_t)(i + 1) };

		ok = vmb_bytes_write_obj(m, DESC + 16u * i, &d, sizeof(d), NULL) == 0;
	}
	uint16_t idx = 0;

	while (ok && vmb_bench_keep_running(b)) {
		uint16_t head = (uint16_t)((idx % chains) * c->ndesc);

		ok = vmb_guest_store(g, AVAIL + 4 + 2u * (idx % QSIZE), 2, VMB_RELAXED, head, NULL) == 0 &&
		     vmb_guest_store(g, AVAIL + 2, 2, VMB_RELEASE, (uint16_t)(idx + 1), NULL) == 0 &&
		     vmb_virtq_pop(&q, &chain, bufs, 4, NULL) == 1 &&
		     vmb_virtq_add_used(&q, chain.head, chain.writable_len, NULL) == 0;
		idx++;
	}
	if (!ok)
		vmb_bench_skip(b, "the queue failed");
	vmb_bench_set_items(b, vmb_bench_iterations(b));
	vmb_guest_free(g);
}

void register_virtq(const struct bench_mode *m)
{
	static const unsigned ns[] = { 1, 2, 4 };

	if (m->tune)
		return;
	for (int s = 0; s < 2; s++)
		for (size_t k = 0; k < 3; k++) {
			struct vq_case *c = xcalloc(1, sizeof(*c));

			c->ndesc = ns[k];
			c->strict = s == 1;
			reg(vq_body, c, 1, "virtq/pop_add_used/%u/%s", ns[k], s ? "strict" : "lax");
		}
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Fuzz target "concurrency": a writer thread and this thread race on one
 * aligned object; every value read must be one that was written whole
 * (S10 for write_obj/read_obj, S9 for store/load). Run under TSan as well:
 * the accesses are atomic, so it must report no race.
 */
#include <pthread.h>
#include <string.h>

#include "fuzz.h"

enum path { P_OBJ, P_ATOMIC_RELAXED, P_ATOMIC_SEQ, P_GUEST_OBJ, P_SLICE_COPY, P_COUNT };
static const char *const path_names[] = { "write_obj/read_obj", "store/load relaxed",
					  "store seq_cst/load acquire", "guest write_obj/read_obj",
					  "slice copy_to/read_obj" };

struct race {
	unsigned width;
	size_t off;
	enum path path;
	uint64_t a, b;
	unsigned rounds;
	struct vmb_bytes bytes;
	struct vmb_slice target;     /* P_SLICE_COPY: the object's slice */
	struct vmb_slice from[2];    /* P_SLICE_COPY: slices holding a and b */
	int done;
};

static void decode(const uint8_t *data, size_t size, struct race *r)
{
	struct vmbf_producer d;
	static const unsigned widths[] = { 2, 4, 8, 1 };

	vmbf_producer_init(&d, data, size);
	memset(r, 0, sizeof(*r));
	r->width = widths[vmbf_u8(&d) % 4];
	r->off = (vmbf_u8(&d) % 8) * r->width;
	r->path = (enum path)(vmbf_u8(&d) % P_COUNT);
	r->a = vmbf_u64(&d);
	r->b = vmbf_u64(&d);
	if (r->width < 8) {
		r->a &= ((uint64_t)1 << (8 * r->width)) - 1;
		r->b &= ((uint64_t)1 << (8 * r->width)) - 1;
	}
	r->rounds = 16 + vmbf_u8(&d) % 128;
}

static int put(struct race *r, uint64_t v)
{
	switch (r->path) {
	case P_SLICE_COPY:
		/* S10 [diverges]: a slice-to-slice copy of <= 8 bytes is one access. */
		return vmb_slice_copy_to(r->from[v == r->b], r->target, NULL);
	case P_ATOMIC_RELAXED:
		return vmb_bytes_store(r->bytes, r->off, r->width, v, VMB_RELAXED, NULL);
	case P_ATOMIC_SEQ:
		return vmb_bytes_store(r->bytes, r->off, r->width, v, VMB_SEQ_CST, NULL);
	default:
		return vmb_bytes_write_obj(r->bytes, r->off, &v, r->width, NULL);
	}
}

static int get(struct race *r, uint64_t *v)
{
	*v = 0;
	switch (r->path) {
	case P_ATOMIC_RELAXED:
		return vmb_bytes_load(r->bytes, r->off, r->width, VMB_RELAXED, v, NULL);
	case P_ATOMIC_SEQ:
		return vmb_bytes_load(r->bytes, r->off, r->width, VMB_ACQUIRE, v, NULL);
	default:
		return vmb_bytes_read_obj(r->bytes, r->off, v, r->width, NULL);
	}
}

static void *writer(void *arg)
{
	struct race *r = arg;

	for (unsigned i = 0; i < r->rounds; i++)
		if (put(r, (i & 1) ? r->b : r->a) != 0)
			vmbf_fail("S10", "write failed in the writer");
	/* Release: the reader's acquire load of done sees every write above. */
	__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_Alignas(64) static uint8_t mem[128];
	struct vmb_slice slice;
	struct vmb_region *reg = NULL;
	struct vmb_guest *g = NULL;
	struct race r;
	pthread_t t;
	unsigned reads = 0;

	decode(data, size, &r);
	memset(mem, 0, sizeof(mem));
	if (r.path == P_GUEST_OBJ) {
		struct vmb_region_config cfg = { .start = 0x1000, .len = 128, .kind = VMB_REGION_ANON };

		if (vmb_region_new(&cfg, &reg, NULL) != 0 || vmb_guest_new(&reg, 1, &g, NULL) != 0)
			vmbf_fail("G1", "cannot make a one-region guest memory");
		r.bytes = vmb_guest_bytes(g);
		r.off += 0x1000;
	} else {
		vmb_slice_init(&slice, mem, sizeof(mem));
		r.bytes = vmb_slice_bytes(&slice);
		if (r.path == P_SLICE_COPY) {
			/* The two sources sit in the same memory, 64 bytes on, aligned alike. */
			memcpy(mem + 64 + r.off, &r.a, r.width);
			memcpy(mem + 96 + r.off % 32, &r.b, r.width);
			if (vmb_slice_subslice(slice, r.off, r.width, &r.target, NULL) ||
			    vmb_slice_subslice(slice, 64 + r.off, r.width, &r.from[0], NULL) ||
			    vmb_slice_subslice(slice, 96 + r.off % 32, r.width, &r.from[1], NULL))
				vmbf_fail("S5", "race slices");
		}
	}
	if (pthread_create(&t, NULL, writer, &r) != 0)
		vmbf_fail("harness", "pthread_create failed");
	/* Read while the writer runs, and at least as often as it writes. */
	while (!__atomic_load_n(&r.done, __ATOMIC_ACQUIRE) || reads < r.rounds) {
		uint64_t v;

		if (get(&r, &v) != 0)
			vmbf_fail("S10", "read failed");
		VMBF_CHECK(r.path == P_OBJ || r.path == P_GUEST_OBJ ? "S10" : "S9",
			   v == 0 || v == r.a || v == r.b,
			   "torn u%u via %s: read 0x%lx, wrote only 0x%lx and 0x%lx", 8 * r.width,
			   path_names[r.path], (unsigned long)v, (unsigned long)r.a,
			   (unsigned long)r.b);
		reads++;
	}
	pthread_join(t, NULL);
	vmb_guest_free(g);
	return 0;
}

void vmbf_target_decode(const uint8_t *data, size_t size, struct vmbo_text *out)
{
	struct race r;

	decode(data, size, &r);
	vmbo_text_printf(out, "# concurrency target\nwidth %u offset %zu path %s a 0x%lx b 0x%lx rounds %u\n",
			 r.width, r.off, path_names[r.path], (unsigned long)r.a, (unsigned long)r.b,
			 r.rounds);
}

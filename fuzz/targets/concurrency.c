/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Fuzz target "concurrency": a writer thread and this thread race on one
 * aligned object; every value read must be one that was written whole
 * (S10 for write_obj/read_obj, S9 for store/load). Run under TSan as well:
 * the accesses are atomic, so it must report no race.
 */
#include <inttypes.h>
#include <linux/futex.h>
#include <pthread.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

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
};

/* The race; true when it read past the end of the input (20 bytes). */
static bool decode(const uint8_t *data, size_t size, struct race *r)
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
	return d.ran_out;
}

static int put(struct race *r, uint64_t v)
{
	switch (r->path) {
	case P_SLICE_COPY:
		/* S10 [diverges]: a slice-to-slice copy of <= 8 bytes is one access. */
		return vmb_slice_copy_to(r->from[v == r->b], r->target, NULL);
	case P_ATOMIC_RELAXED:
		return vmb_bytes_store(r->bytes, r->off, r->width, VMB_RELAXED, v, NULL);
	case P_ATOMIC_SEQ:
		return vmb_bytes_store(r->bytes, r->off, r->width, VMB_SEQ_CST, v, NULL);
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

/*
 * The writer thread lives as long as the process and takes one race per
 * input: creating a thread per input cost more than the race itself. Three
 * sequence numbers hand the work over; each is also a futex word, so a side
 * that has nothing to do blocks in the kernel instead of spinning (with both
 * threads on one core, a spinning side would hold the core the other needs).
 */
static struct {
	struct race *job;  /* the race of sequence number posted */
	uint32_t posted;   /* the last race handed to the writer */
	uint32_t running;  /* the last race the writer started */
	uint32_t finished; /* the last race the writer finished */
} hand;

static void futex_wait(uint32_t *word, uint32_t old)
{
	/* Returns at once when *word != old; a spurious wake-up is harmless. */
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, old, NULL, NULL, 0);
}

static void futex_wake(uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *writer(void *arg)
{
	uint32_t seen = 0;

	(void)arg;
	for (;;) {
		uint32_t seq;

		/* Acquire pairs with the release in post(): the race is complete. */
		while ((seq = __atomic_load_n(&hand.posted, __ATOMIC_ACQUIRE)) == seen)
			futex_wait(&hand.posted, seen);
		seen = seq;

		struct race *r = hand.job;

		/* Relaxed: the reader only uses it to decide whether to wait. */
		__atomic_store_n(&hand.running, seq, __ATOMIC_RELAXED);
		futex_wake(&hand.running);
		for (unsigned i = 0; i < r->rounds; i++)
			if (put(r, (i & 1) ? r->b : r->a) != 0)
				vmbf_fail("S10", "write failed in the writer");
		/*
		 * Release: the reader's acquire load of finished sees every
		 * write above, and may then reuse the race and the memory.
		 */
		__atomic_store_n(&hand.finished, seq, __ATOMIC_RELEASE);
		futex_wake(&hand.finished);
	}
	return NULL;
}

/* Hand @r to the writer thread (started on first use); its sequence number. */
static uint32_t post(struct race *r)
{
	static bool started;
	uint32_t seq = hand.posted + 1;

	if (!started) {
		pthread_t t;

		if (pthread_create(&t, NULL, writer, NULL) != 0 || pthread_detach(t) != 0)
			vmbf_fail("harness", "cannot start the writer thread");
		started = true;
	}
	hand.job = r;
	/* Release: the writer's acquire load of posted sees the race and the memory. */
	__atomic_store_n(&hand.posted, seq, __ATOMIC_RELEASE);
	futex_wake(&hand.posted);
	return seq;
}

static void check(struct race *r, unsigned *reads)
{
	uint64_t v;

	if (get(r, &v) != 0)
		vmbf_fail("S10", "read failed");
	VMBF_CHECK(r->path == P_OBJ || r->path == P_GUEST_OBJ ? "S10" : "S9",
		   v == 0 || v == r->a || v == r->b,
		   "torn u%u via %s: read 0x%lx, wrote only 0x%lx and 0x%lx", 8 * r->width,
		   path_names[r->path], (unsigned long)v, (unsigned long)r->a, (unsigned long)r->b);
	(*reads)++;
}

/*
 * The reader's side of one race. It reads until the writer has started,
 * then while it writes, then until it has read at least as often as the
 * writer wrote. A phase that lasts longer than a bounded number of reads
 * blocks instead: on two cores the writer is running by then and every
 * read overlaps its writes; on one core it lets the writer run at all.
 */
static void race(struct race *r)
{
	const unsigned spin = 64 + 4 * r->rounds;
	uint32_t seq = post(r);
	unsigned reads = 0, phase;

	for (phase = 0; __atomic_load_n(&hand.running, __ATOMIC_RELAXED) != seq;)
		if (++phase < spin)
			check(r, &reads);
		else
			futex_wait(&hand.running, seq - 1);
	/* Acquire pairs with the writer's release: its writes are over and visible. */
	for (phase = 0; __atomic_load_n(&hand.finished, __ATOMIC_ACQUIRE) != seq;)
		if (++phase < spin)
			check(r, &reads);
		else
			futex_wait(&hand.finished, seq - 1);
	while (reads < r->rounds)
		check(r, &reads);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_Alignas(64) static uint8_t mem[128];
	static struct vmb_guest *g;
	static uint8_t *guest_mem;
	struct vmb_slice slice;
	struct race r;

	decode(data, size, &r);
	memset(mem, 0, sizeof(mem));
	if (r.path == P_GUEST_OBJ) {
		/* One guest memory for the process, zeroed again for each race. */
		if (g == NULL) {
			struct vmb_region_config cfg = { .start = 0x1000, .len = 128,
							 .kind = VMB_REGION_ANON };
			struct vmb_region *reg = NULL;

			if (vmb_region_new(&cfg, &reg, NULL) != 0 || vmb_guest_new(&reg, 1, &g, NULL) != 0)
				vmbf_fail("G1", "cannot make a one-region guest memory");
			guest_mem = vmb_region_host_base(reg);
		}
		memset(guest_mem, 0, 128);
		r.bytes = vmb_guest_bytes(g);
		r.off += 0x1000;
	} else {
		if (vmb_slice_init(&slice, mem, sizeof(mem)) != 0)
			vmbf_fail("harness", "cannot make the slice");
		r.bytes = vmb_slice_bytes(&slice);
		if (r.path == P_SLICE_COPY) {
			/*
			 * The two sources sit in the same memory, 64 and 96 bytes
			 * on, aligned alike. Both at off % 32: at 64 + off, an
			 * offset of 32 or more put a's source on b's, and the
			 * writer then wrote b only.
			 */
			memcpy(mem + 64 + r.off % 32, &r.a, r.width);
			memcpy(mem + 96 + r.off % 32, &r.b, r.width);
			if (vmb_slice_subslice(slice, r.off, r.width, &r.target, NULL) ||
			    vmb_slice_subslice(slice, 64 + r.off % 32, r.width, &r.from[0], NULL) ||
			    vmb_slice_subslice(slice, 96 + r.off % 32, r.width, &r.from[1], NULL))
				vmbf_fail("S5", "race slices");
			/* Each source holds its own value: the race can show both. */
			if (memcmp(r.from[0].base, &r.a, r.width) != 0 ||
			    memcmp(r.from[1].base, &r.b, r.width) != 0)
				vmbf_fail("harness", "the sources of a and b overlap (offset %zu)", r.off);
		}
	}
	race(&r);
	return 0;
}

void vmbf_target_decode(const uint8_t *data, size_t size, struct vmbo_text *out)
{
	struct race r;

	bool short_input = decode(data, size, &r);

	vmbo_text_printf(out, "# concurrency target\n%s", short_input ? VMBF_RAN_OUT_LINE : "");
	vmbo_text_printf(out, "width %u offset %zu path %s a 0x%" PRIx64 " b 0x%" PRIx64 " rounds %u\n",
			 r.width, r.off, path_names[r.path], r.a, r.b, r.rounds);
}

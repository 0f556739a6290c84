/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The region pool: guest memories for the region and guest targets, built
 * from regions kept across inputs. Mapping, a memfd and unmapping cost more
 * than a whole input's operations, so a region that an input is done with
 * goes back to the pool, zero-filled and with a clean bitmap, and the next
 * set-up that asks for the same length, backing and bitmap page size takes
 * it and moves it with vmb_region_set_start(). Everything the library does
 * with the set-up still runs: G1 on the new start, G2 in vmb_guest_new(),
 * and vmb_region_new() whenever the pool has no such region. Set-ups that
 * must fail before any region exists go to the engine unchanged. Data
 * files share one memfd the same way (open_file()). The api target's walks
 * take regions and give them back directly (vmbf_pool_region()).
 */
/* The experimental tier (vmbytes/experimental.h): tuning, forcing and
 * test hooks. */
#define VMB_EXPERIMENTAL
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

/* At most this many idle regions of each backing (a memfd region holds an fd). */
static const size_t pool_max[2] = { 768, 256 };
#define BUCKETS 256
/* Set-ups with more regions go to the engine. */
#define POOL_REGIONS 64

struct slot {
	struct vmb_region *r;
	uint64_t len;
	size_t page;
	bool memfd;
	struct slot *bnext, *bprev; /* in its bucket */
	struct slot *older, *newer; /* in the age list, for eviction */
};

static struct {
	struct slot *bucket[BUCKETS];
	struct slot *oldest[2], *newest[2]; /* per backing: anonymous, memfd */
	struct slot *spare;                  /* unused slots, through bnext */
	size_t idle[2];
} pool;

static unsigned bucket_of(uint64_t len, bool memfd, size_t page)
{
	uint64_t h = len * 0x9e3779b97f4a7c15ull ^ page * 0xc2b2ae3d27d4eb4full ^ memfd;

	return (unsigned)(h >> 56) % BUCKETS;
}

static void unlink_slot(struct slot *s)
{
	unsigned b = bucket_of(s->len, s->memfd, s->page);

	if (s->bprev)
		s->bprev->bnext = s->bnext;
	else
		pool.bucket[b] = s->bnext;
	if (s->bnext)
		s->bnext->bprev = s->bprev;
	if (s->older)
		s->older->newer = s->newer;
	else
		pool.oldest[s->memfd] = s->newer;
	if (s->newer)
		s->newer->older = s->older;
	else
		pool.newest[s->memfd] = s->older;
	pool.idle[s->memfd]--;
	s->bnext = pool.spare;
	pool.spare = s;
}

/* Take an idle region of this shape out of the pool, or NULL. */
static struct vmb_region *take(uint64_t len, bool memfd, size_t page)
{
	for (struct slot *s = pool.bucket[bucket_of(len, memfd, page)]; s; s = s->bnext) {
		if (s->len == len && s->memfd == memfd && s->page == page) {
			struct vmb_region *r = s->r;

			unlink_slot(s);
			return r;
		}
	}
	return NULL;
}

/* Put @r back, as new: zero-filled, every page clean. */
static void give_back(struct vmb_region *r)
{
	bool memfd = vmb_region_kind(r) == VMB_REGION_MEMFD;
	struct vmb_bitmap *bm = vmb_region_bitmap(r);
	struct slot *s;

	if (pool.idle[memfd] >= pool_max[memfd]) {
		/* Full: the region idle the longest goes. */
		struct slot *o = pool.oldest[memfd];

		vmb_region_free(o->r);
		unlink_slot(o);
	}
	s = pool.spare;
	if (s)
		pool.spare = s->bnext;
	else if ((s = malloc(sizeof(*s))) == NULL)
		abort();
	memset(vmb_region_host_base(r), 0, (size_t)vmb_region_len(r));
	vmb_bitmap_reset(bm);
	*s = (struct slot){ .r = r, .len = vmb_region_len(r), .memfd = memfd,
			    .page = bm ? vmb_bitmap_page_size(bm) : 0 };

	unsigned b = bucket_of(s->len, s->memfd, s->page);

	s->bnext = pool.bucket[b];
	if (s->bnext)
		s->bnext->bprev = s;
	pool.bucket[b] = s;
	s->older = pool.newest[memfd];
	if (s->older)
		s->older->newer = s;
	else
		pool.oldest[memfd] = s;
	pool.newest[memfd] = s;
	pool.idle[memfd]++;
}

struct vmb_region *vmbf_pool_region(uint64_t len, bool memfd, size_t page)
{
	return take(len, memfd, page);
}

void vmbf_pool_release(struct vmb_region *r)
{
	give_back(r);
}

/*
 * The bytes of the data file's memfd an op of @s may write: [0, return).
 * Every write reaches the file at [addr, addr + n) of the op's own count,
 * so what lies past the last such end is as the set-up left it.
 */
static uint64_t write_extent(const struct vmbo_script *s, uint64_t len)
{
	uint64_t end = 0;

	for (size_t i = 0; i < s->nops; i++) {
		const struct vmbo_op *op = &s->ops[i];
		uint64_t n;

		switch (op->kind) {
		case VMBO_WRITE:
		case VMBO_WRITE_SLICE:
		case VMBO_WRITE_WHOLE:
			n = op->len;
			break;
		case VMBO_WRITE_OBJ:
		case VMBO_STORE:
			n = op->width;
			break;
		case VMBO_READ_FROM:
		case VMBO_READ_EXACT_FROM:
			n = op->n;
			break;
		default:
			continue;
		}
		if (op->addr < len && n > 0)
			end = n < len - op->addr ? (op->addr + n > end ? op->addr + n : end) : len;
	}
	return end;
}

/*
 * A data file's set-up: one memfd for the process, made zero-filled and
 * @len long (the data file itself, and its dup of the fd, are new every
 * time). The last input's writes reached only [0, dirty): those bytes are
 * overwritten with zeros, and the length set with one ftruncate, which
 * keeps the file's pages; emptying the file and growing it again freed
 * them for the next input to fault back in.
 */
static int open_file(struct vmbo_env *env, const struct vmbo_script *s, uint64_t len,
		     struct vmbo_text *out)
{
	static int fd = -1;
	static uint64_t size, dirty;
	static const uint8_t zeros[16384];
	struct vmb_error e = { 0 };
	uint64_t clear = dirty < len ? dirty : len;
	int rc;

	if (fd < 0 && (fd = memfd_create("vmbytes-fuzz-file", MFD_CLOEXEC)) < 0)
		vmbf_fail("harness", "memfd_create: %s", strerror(errno));
	if (clear > 4 * sizeof(zeros)) {
		/* Much to clear: emptying the file is cheaper. */
		if (ftruncate(fd, 0) != 0)
			vmbf_fail("harness", "ftruncate to 0: %s", strerror(errno));
		size = 0;
		clear = 0;
	}
	for (uint64_t at = 0; at < clear;) {
		size_t k = clear - at < sizeof(zeros) ? (size_t)(clear - at) : sizeof(zeros);
		ssize_t w = pwrite(fd, zeros, k, (off_t)at);

		if (w <= 0)
			vmbf_fail("harness", "clearing the data file: %s", strerror(errno));
		at += (uint64_t)w;
	}
	if (size != len && ftruncate(fd, (off_t)len) != 0)
		vmbf_fail("harness", "ftruncate to %lu: %s", (unsigned long)len, strerror(errno));
	size = len;
	dirty = write_extent(s, len);
	memset(env, 0, sizeof(*env));
	env->file_fd = -1; /* the engine's close must not close ours */
	env->kind = VMBO_SETUP_FILE;
	rc = vmb_datafile_new(fd, len, &env->file, &e);
	if (rc != 0) {
		memset(env, 0, sizeof(*env));
		vmbo_text_err(out, rc, &e);
		return -1;
	}
	env->bytes = vmb_datafile_bytes(env->file);
	return 0;
}

int vmbf_pool_open(struct vmbo_env *env, const struct vmbo_script *s, struct vmbo_text *out)
{
	struct vmb_region *regions[POOL_REGIONS] = { NULL };
	uint64_t page = 0;
	size_t n = 0, bitmaps = 0;
	struct vmb_error e = { 0 };
	int rc = 0;

	if (s->nsetup == 1 && s->setup[0].kind == VMBO_SETUP_FILE &&
	    s->setup[0].len <= VMBO_MAX_CONTAINER)
		return open_file(env, s, s->setup[0].len, out);
	/* Only well-formed region set-ups whose regions G1 accepts come here. */
	for (size_t i = 0; i < s->nsetup; i++) {
		const struct vmbo_setup *st = &s->setup[i];

		if (st->kind == VMBO_SETUP_BITMAP) {
			page = st->len;
			bitmaps++;
		} else if (st->kind != VMBO_SETUP_REGION || st->len == 0 ||
			   st->len > VMBO_MAX_CONTAINER || st->len > UINT64_MAX - st->start) {
			return vmbo_env_open(env, s, out);
		} else {
			n++;
		}
	}
	if (n == 0 || n > POOL_REGIONS || bitmaps > 1 || (bitmaps && (page & (page - 1))) ||
	    (bitmaps && page == 0))
		return vmbo_env_open(env, s, out);
	memset(env, 0, sizeof(*env));
	env->file_fd = -1;
	env->kind = VMBO_SETUP_REGION;
	env->has_bitmap = bitmaps;
	n = 0;
	for (size_t i = 0; i < s->nsetup && rc == 0; i++) {
		const struct vmbo_setup *st = &s->setup[i];

		if (st->kind != VMBO_SETUP_REGION)
			continue;
		struct vmb_region *r = take(st->len, st->memfd, (size_t)page);

		if (r != NULL) {
			rc = vmb_region_set_start(r, st->start, &e);
			if (rc != 0)
				vmbf_fail("G1", "set_start(0x%lx) of a free region: %s",
					  (unsigned long)st->start, vmb_error_name(rc));
		} else {
			struct vmb_region_config cfg = {
				.start = st->start,
				.len = st->len,
				.kind = st->memfd ? VMB_REGION_MEMFD : VMB_REGION_ANON,
				.dirty_page_size = (size_t)page,
			};
			rc = vmb_region_new(&cfg, &r, &e);
		}
		if (rc == 0)
			regions[n++] = r;
	}
	if (rc == 0)
		rc = vmb_guest_new(regions, n, &env->guest, &e);
	if (rc != 0) {
		for (size_t i = 0; i < n; i++)
			give_back(regions[i]);
		memset(env, 0, sizeof(*env));
		vmbo_text_err(out, rc, &e);
		return -1;
	}
	env->bytes = vmb_guest_bytes(env->guest);
	return 0;
}

void vmbf_pool_close(struct vmbo_env *env)
{
	struct vmb_guest *g = env->guest;
	struct vmb_region *r;

	/* Any guest memory's regions may go to the pool, however it was built. */
	if (g != NULL && env->kind == VMBO_SETUP_REGION) {
		while (vmb_guest_num_regions(g) > 0) {
			struct vmb_region *first = vmb_guest_region_at(g, 0);

			if (vmb_guest_remove(g, vmb_region_start(first), vmb_region_len(first), &r,
					     NULL) != 0)
				vmbf_fail("G2", "cannot remove a region the guest holds");
			give_back(r);
		}
	}
	vmbo_env_close(env);
}

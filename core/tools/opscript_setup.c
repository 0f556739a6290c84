/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The op-script engine's set-up: the containers a script's set-up lines
 * describe (slices from a cache of guarded mappings, data files over
 * memfds, a forked remote child, guest memory), within the replay limits.
 */
#include "opscript_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static size_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);

	return p > 0 ? (size_t)p : 4096;
}

static size_t round_pages(uint64_t len)
{
	size_t p = page_size();

	return (size_t)((len + p - 1) / p * p);
}

/*
 * A page-aligned slice with an inaccessible page right after it. Fuzzing
 * opens thousands of these a second: a few mappings are kept, one per body
 * size, and handed out again zero-filled, which saves the mmap, mprotect,
 * munmap and fresh page faults of each one.
 */
#define SLICE_CACHE 8

static struct {
	void *map;
	size_t body;
	bool busy;
} slice_cache[SLICE_CACHE];

static int open_slice(struct vmbo_env *env, uint64_t len)
{
	size_t body = round_pages(len);

	for (int i = 0; i < SLICE_CACHE; i++) {
		if (slice_cache[i].map && !slice_cache[i].busy && slice_cache[i].body == body) {
			slice_cache[i].busy = true;
			/* A new container starts zero-filled. */
			memset(slice_cache[i].map, 0, body);
			env->slice_map = slice_cache[i].map;
			env->slice_map_len = body + page_size();
			return vmb_slice_init(&env->slice, env->slice_map, (size_t)len);
		}
	}
	env->slice_map_len = body + page_size();
	env->slice_map = mmap(NULL, env->slice_map_len, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (env->slice_map == MAP_FAILED) {
		env->slice_map = NULL;
		return VMB_EIO;
	}
	if (mprotect((uint8_t *)env->slice_map + body, page_size(), PROT_NONE) != 0)
		return VMB_EIO;
	for (int i = 0; i < SLICE_CACHE; i++) {
		if (slice_cache[i].map == NULL) {
			slice_cache[i].map = env->slice_map;
			slice_cache[i].body = body;
			slice_cache[i].busy = true;
			break;
		}
	}
	return vmb_slice_init(&env->slice, env->slice_map, (size_t)len);
}

/* Give a slice mapping back to the cache, or unmap it. */
static void close_slice(struct vmbo_env *env)
{
	for (int i = 0; i < SLICE_CACHE; i++) {
		if (slice_cache[i].map == env->slice_map) {
			slice_cache[i].busy = false;
			return;
		}
	}
	munmap(env->slice_map, env->slice_map_len);
}

static int open_file(struct vmbo_env *env, uint64_t len, struct vmb_error *e)
{
	env->file_fd = memfd_create("vmbytes-replay-file", MFD_CLOEXEC);
	if (env->file_fd < 0 || ftruncate(env->file_fd, (off_t)len) != 0) {
		e->code = VMB_EIO;
		e->errnum = errno;
		return VMB_EIO;
	}
	return vmb_datafile_new(env->file_fd, len, &env->file, e);
}

/* A child that holds @len zero bytes (child.h). */
static int open_remote(struct vmbo_env *env, uint64_t len, struct vmb_error *e)
{
	int rc = len > SIZE_MAX ? -ENOMEM : vmbo_child_start(&env->child, (size_t)len);

	if (rc != 0) {
		e->code = VMB_EIO;
		e->errnum = -rc;
		return VMB_EIO;
	}
	return vmb_remote_new(env->child.pid, env->child.base, len, &env->remote, e);
}

static int open_guest(struct vmbo_env *env, const struct vmbo_script *s, uint64_t page,
		      struct vmb_error *e)
{
	struct vmb_region **regions = calloc(s->nsetup, sizeof(*regions));
	size_t n = 0;
	int rc = 0;

	if (regions == NULL)
		return VMB_EIO;
	/* Every region first (G1), as the reference builds them, then the set (G2). */
	for (size_t i = 0; i < s->nsetup && rc == 0; i++) {
		const struct vmbo_setup *st = &s->setup[i];

		if (st->kind != VMBO_SETUP_REGION)
			continue;
		struct vmb_region_config cfg = {
			.start = st->start,
			.len = st->len,
			.kind = st->memfd ? VMB_REGION_MEMFD : VMB_REGION_ANON,
			.dirty_page_size = (size_t)page,
		};
		rc = vmb_region_new(&cfg, &regions[n], e);
		if (rc == 0)
			n++;
	}
	if (rc == 0)
		rc = vmb_guest_new(regions, n, &env->guest, e);
	if (rc != 0)
		for (size_t i = 0; i < n; i++)
			vmb_region_free(regions[i]);
	free(regions);
	return rc;
}

/* Regions G1 refuses: vmb_region_new reports them, and they map nothing. */
static bool region_invalid(const struct vmbo_setup *st)
{
	return st->kind == VMBO_SETUP_REGION && (st->len == 0 || st->len > UINT64_MAX - st->start);
}

int vmbo_setup_check_limits(const struct vmbo_script *s, char *why, size_t why_cap)
{
	uint64_t mapped = 0, page = 0, bitmap = 0;
	size_t regions = 0;
	bool has_bitmap = false;

	for (size_t i = 0; i < s->nsetup; i++) {
		const struct vmbo_setup *st = &s->setup[i];

		if (st->kind == VMBO_SETUP_BITMAP) {
			has_bitmap = true;
			page = st->len;
			continue;
		}
		if (st->kind == VMBO_SETUP_REGION && ++regions > VMBO_MAX_REGIONS)
			return WHY("more than %u regions (the replay limit)", VMBO_MAX_REGIONS);
		if (region_invalid(st))
			continue;
		if (st->len > VMBO_MAX_CONTAINER)
			return WHY("container length 0x%" PRIx64 " is over the replay limit (0x%x)",
				   st->len, VMBO_MAX_CONTAINER);
		/* Each at most VMBO_MAX_CONTAINER, at most 4096 + 1 of them: no wrap. */
		mapped += round_pages(st->kind == VMBO_SETUP_REMOTE && st->len == 0 ? 1 : st->len);
		if (mapped > VMBO_MAX_MAPPED)
			return WHY("more than 0x%x bytes mapped by all containers (the replay limit)",
				   VMBO_MAX_MAPPED);
	}
	/* Bitmaps: slices and regions take them, one bit a page, in 64-bit words. */
	for (size_t i = 0; has_bitmap && vmb_is_pow2(page) && i < s->nsetup; i++) {
		const struct vmbo_setup *st = &s->setup[i];

		if ((st->kind != VMBO_SETUP_SLICE && st->kind != VMBO_SETUP_REGION) ||
		    region_invalid(st))
			continue;
		bitmap += (st->len / page + (st->len % page != 0) + 63) / 64 * 8;
		if (bitmap > VMBO_MAX_BITMAP)
			return WHY("dirty bitmaps of more than 0x%x bytes in all (the replay limit)",
				   VMBO_MAX_BITMAP);
	}
	return 0;
}

int vmbo_env_open(struct vmbo_env *env, const struct vmbo_script *s, struct vmbo_text *out)
{
	struct vmb_error e = { 0 };
	size_t containers = 0, bitmaps = 0;
	uint64_t page = 0, len = 0;
	char why[160];
	int rc;

	memset(env, 0, sizeof(*env));
	env->file_fd = -1;
	for (size_t i = 0; i < s->nsetup; i++) {
		const struct vmbo_setup *st = &s->setup[i];

		if (st->kind == VMBO_SETUP_BITMAP) {
			bitmaps++;
			page = st->len;
			continue;
		}
		if (containers > 0 && st->kind != env->kind) {
			vmbo_text_printf(out, "set-up mixes container kinds");
			return -2;
		}
		env->kind = st->kind;
		containers++;
		len = st->len;
	}
	/* The parser checked these line by line; scripts built in memory come here too. */
	if (vmbo_setup_check_limits(s, why, sizeof(why)) != 0) {
		vmbo_text_printf(out, "%s", why);
		return -2;
	}
	if (containers == 0 || bitmaps > 1 || (env->kind != VMBO_SETUP_REGION && containers > 1)) {
		vmbo_text_printf(out, "set-up needs one slice, file or remote line, or region lines, "
				      "and at most one bitmap line");
		return -2;
	}
	/* S11: a bitmap page size must be a power of two. */
	if (bitmaps && !vmb_is_pow2(page)) {
		vmbo_text_err(out, VMB_EINVALID_ARGUMENT, &e);
		return -1;
	}
	/* Data files and remote processes take no bitmap (SPEC section 7). */
	env->has_bitmap = bitmaps && (env->kind == VMBO_SETUP_SLICE || env->kind == VMBO_SETUP_REGION);
	switch (env->kind) {
	case VMBO_SETUP_SLICE:
		rc = open_slice(env, len);
		if (rc == 0 && env->has_bitmap) {
			rc = vmb_bitmap_new((size_t)len, (size_t)page, &env->slice_bitmap);
			if (rc == 0)
				rc = vmb_slice_set_bitmap(&env->slice, env->slice_bitmap, 0);
		}
		env->bytes = vmb_slice_bytes(&env->slice);
		break;
	case VMBO_SETUP_FILE:
		rc = open_file(env, len, &e);
		env->bytes = vmb_datafile_bytes(env->file);
		break;
	case VMBO_SETUP_REMOTE:
		rc = open_remote(env, len, &e);
		env->bytes = vmb_remote_bytes(env->remote);
		break;
	default:
		rc = open_guest(env, s, env->has_bitmap ? page : 0, &e);
		env->bytes = vmb_guest_bytes(env->guest);
		break;
	}
	if (rc != 0) {
		vmbo_text_err(out, rc, &e);
		vmbo_env_close(env);
		return -1;
	}
	return 0;
}

void vmbo_env_close(struct vmbo_env *env)
{
	vmb_guest_free(env->guest);
	vmb_datafile_free(env->file);
	vmb_remote_free(env->remote);
	vmb_bitmap_free(env->slice_bitmap);
	if (env->slice_map)
		close_slice(env);
	if (env->file_fd >= 0)
		close(env->file_fd);
	vmbo_child_stop(&env->child);
	memset(env, 0, sizeof(*env));
	env->file_fd = -1;
}


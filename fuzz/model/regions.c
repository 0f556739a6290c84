/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The shadow model's set-up: its regions (kept from one script to the
 * next), and the set-up errors SPEC predicts (S11, G1, G2).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

/* ---- set-up -------------------------------------------------------------- */

static bool pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/*
 * The buffers of the first few model regions stay allocated from one
 * script to the next (one model is open at a time); they are cleared here
 * as a new container is.
 */
#define KEPT 8

static struct kept {
	uint8_t *bytes, *known, *dirty;
	size_t cap, pcap;
	bool busy;
} kept[KEPT];

static void *grow_buf(void *p, size_t n)
{
	free(p);
	p = malloc(n);
	if (p == NULL)
		abort();
	return p;
}

static void region_init(struct mregion *r, size_t k, uint64_t start, uint64_t len, uint64_t page)
{
	size_t n = len ? len : 1;
	struct kept *b = k < KEPT && !kept[k].busy ? &kept[k] : NULL;

	r->start = start;
	r->len = len;
	r->pages = page ? (len + page - 1) / page : 0;
	if (b == NULL) {
		r->bytes = calloc(n, 1);
		r->known = malloc(n);
		r->dirty = calloc(r->pages ? r->pages : 1, 1);
		if (!r->bytes || !r->known || !r->dirty)
			abort();
	} else {
		if (b->cap < n) {
			b->cap = n > 4096 ? n : 4096;
			b->bytes = grow_buf(b->bytes, b->cap);
			b->known = grow_buf(b->known, b->cap);
		}
		if (b->pcap < (r->pages ? r->pages : 1)) {
			b->pcap = r->pages > 512 ? r->pages : 512;
			b->dirty = grow_buf(b->dirty, b->pcap);
		}
		b->busy = true;
		r->bytes = b->bytes;
		r->known = b->known;
		r->dirty = b->dirty;
		memset(r->bytes, 0, n);
		memset(r->dirty, 0, r->pages ? r->pages : 1);
	}
	memset(r->known, 1, n);
}

struct vmbf_model *vmbf_model_open(const struct vmbo_script *s, struct vmbf_expect *exp)
{
	struct vmbf_model *m = calloc(1, sizeof(*m));
	size_t nbitmap = 0;

	if (m == NULL)
		abort();
	for (size_t i = 0; i < s->nsetup; i++) {
		if (s->setup[i].kind == VMBO_SETUP_BITMAP) {
			m->page = s->setup[i].len;
			nbitmap++;
		} else {
			m->kind = s->setup[i].kind;
			m->n++;
		}
	}
	/* S11: a bitmap page size is a power of two. */
	if (nbitmap && !pow2(m->page)) {
		vmbf__expect(exp, "S11", "err invalid_argument");
		free(m);
		return NULL;
	}
	/* Data files and remote processes take no bitmap (SPEC 7). */
	if (m->kind == VMBO_SETUP_FILE || m->kind == VMBO_SETUP_REMOTE)
		m->page = 0;
	if (m->kind == VMBO_SETUP_REGION) {
		const struct vmbo_setup *prev = NULL;

		/* G1: every region on its own, in order. */
		for (size_t i = 0; i < s->nsetup; i++) {
			const struct vmbo_setup *st = &s->setup[i];

			if (st->kind != VMBO_SETUP_REGION)
				continue;
			if (st->len == 0 || st->len > UINT64_MAX - st->start) { /* end past 2^64 */
				vmbf__expect(exp, "G1", "err invalid_guest_region");
				free(m);
				return NULL;
			}
		}
		/* G2: pairwise, unsorted checked before overlap. */
		for (size_t i = 0; i < s->nsetup; i++) {
			const struct vmbo_setup *st = &s->setup[i];

			if (st->kind != VMBO_SETUP_REGION)
				continue;
			if (prev && prev->start > st->start) {
				vmbf__expect(exp, "G2", "err unsorted_memory_regions");
				free(m);
				return NULL;
			}
			if (prev && prev->start + prev->len - 1 >= st->start) {
				vmbf__expect(exp, "G2", "err memory_region_overlap");
				free(m);
				return NULL;
			}
			prev = st;
		}
	}
	m->r = calloc(m->n, sizeof(*m->r));
	if (m->r == NULL)
		abort();
	for (size_t i = 0, k = 0; i < s->nsetup; i++) {
		const struct vmbo_setup *st = &s->setup[i];

		if (st->kind == VMBO_SETUP_BITMAP)
			continue;
		region_init(&m->r[k], k, st->kind == VMBO_SETUP_REGION ? st->start : 0, st->len,
			    m->page);
		k++;
	}
	return m;
}

void vmbf_model_free(struct vmbf_model *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->n; i++) {
		if (i < KEPT && kept[i].busy && m->r[i].bytes == kept[i].bytes) {
			kept[i].busy = false;
			continue;
		}
		free(m->r[i].bytes);
		free(m->r[i].known);
		free(m->r[i].dirty);
	}
	free(m->r);
	free(m);
}

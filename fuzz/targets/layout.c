/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Fuzz target "layout": region and guest-memory validation (G1, G2), guest
 * memory from the whole list of ranges in one call (GR1-GR3), and the
 * region set under insert, remove and find_region (G2, G3), against a
 * sorted-array model. The input format is unchanged: the list is built
 * through vmb_guest_from_ranges() when every range passes G1, region by
 * region (after from_ranges refused it) otherwise.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define MAXR 12

struct mreg {
	uint64_t start, len;
};

struct lstep {
	int kind; /* 0 insert, 1 remove, 2 find */
	uint64_t a, len;
};

VMBF_WRAPS static uint64_t pick_start(struct vmbf_producer *d, uint64_t prev_end)
{
	uint8_t m = vmbf_u8(d);

	switch (m % 6) {
	case 0:
		return prev_end; /* touching */
	case 1:
		return prev_end + (m >> 3); /* a small hole */
	case 2:
		return prev_end - 1 - (m >> 5); /* overlapping */
	case 3:
		return UINT64_MAX - 0x1000 * (1 + (m >> 3));
	case 4:
		return vmbf_u64(d) & ~(uint64_t)0xff;
	default:
		return vmbf_u16(d);
	}
}

VMBF_WRAPS static uint64_t pick_len(struct vmbf_producer *d, uint64_t start)
{
	uint8_t m = vmbf_u8(d);

	switch (m % 8) {
	case 0:
		return 0; /* G1: refused */
	case 1:
		return UINT64_MAX - start + 1; /* G1: start + len wraps to 0 */
	case 2:
		return 0x1000;
	default:
		return 1 + vmbf_u16(d) % 0x2000;
	}
}

struct layout_input {
	struct mreg r[MAXR];
	size_t n;
	struct lstep steps[32];
	size_t nsteps;
	size_t complete; /* the first line (regions, then steps) read past the end, or SIZE_MAX */
};

VMBF_WRAPS static void decode(const uint8_t *data, size_t size, struct layout_input *in)
{
	struct vmbf_producer d;
	uint64_t end = 0;

	vmbf_producer_init(&d, data, size);
	in->complete = SIZE_MAX;
	in->n = vmbf_u8(&d) % (MAXR + 1);
	for (size_t i = 0; i < in->n; i++) {
		in->r[i].start = pick_start(&d, end);
		in->r[i].len = pick_len(&d, in->r[i].start);
		end = in->r[i].start + in->r[i].len;
		if (d.ran_out && in->complete == SIZE_MAX)
			in->complete = i;
	}
	in->nsteps = 0;
	while (!vmbf_done(&d) && in->nsteps < 32) {
		struct lstep s = { vmbf_u8(&d) % 3, 0, 0 };

		s.a = pick_start(&d, end);
		s.len = s.kind == 2 ? 0 : pick_len(&d, s.a);
		if (s.kind == 1 && vmbf_bool(&d) && in->n) { /* remove an existing one */
			size_t k = vmbf_u8(&d) % in->n;

			s.a = in->r[k].start;
			s.len = in->r[k].len;
		}
		in->steps[in->nsteps++] = s;
		if (d.ran_out && in->complete == SIZE_MAX)
			in->complete = in->n + in->nsteps - 1;
	}
}

/* G1: what creating one region must say. */
static bool g1_ok(uint64_t start, uint64_t len)
{
	return len > 0 && start + len >= start && start + len != 0;
}

static struct vmb_region *make(uint64_t start, uint64_t len, int *rc)
{
	struct vmb_region_config cfg = { .start = start, .len = len, .kind = VMB_REGION_ANON };
	struct vmb_region *r = NULL;

	*rc = vmb_region_new(&cfg, &r, NULL);
	return r;
}

/* G2 over @n ranges that passed G1, pair by pair in the given order. */
static int g2_want(const struct mreg *r, size_t n)
{
	if (n == 0)
		return VMB_ENO_MEMORY_REGION;
	for (size_t i = 1; i < n; i++) {
		if (r[i - 1].start > r[i].start)
			return VMB_EUNSORTED_MEMORY_REGIONS;
		if (r[i - 1].start + r[i - 1].len - 1 >= r[i].start)
			return VMB_EMEMORY_REGION_OVERLAP;
	}
	return 0;
}

/*
 * GR1-GR3: the whole list through vmb_guest_from_ranges(). When every range
 * passes G1 it is the way the guest memory is built (into *@g, with the
 * ranges as the model); otherwise it must refuse the list (GR2) and the
 * regions are made one by one as before. Returns the status.
 */
static int from_ranges(const struct layout_input *in, struct vmb_guest **g, bool all_g1)
{
	static const struct vmb_guest_ranges_config anon = { .kind = VMB_REGION_ANON };
	struct vmb_range ranges[MAXR];
	struct vmb_guest *sentinel = (struct vmb_guest *)(uintptr_t)1, *got = sentinel;
	int rc, want = in->n == 0 ? VMB_ENO_MEMORY_REGION
			: !all_g1 ? VMB_EINVALID_GUEST_REGION : g2_want(in->r, in->n);

	for (size_t i = 0; i < in->n; i++)
		ranges[i] = (struct vmb_range){ in->r[i].start, in->r[i].len, 0 };
	rc = vmb_guest_from_ranges(ranges, in->n, &anon, &got, NULL);
	VMBF_CHECK("GR2", rc == want, "from_ranges: %s, want %s", vmb_error_name(rc),
		   vmb_error_name(want));
	VMBF_CHECK("GR3", (rc == 0) == (got != sentinel), "from_ranges: out %s",
		   rc == 0 ? "not set" : "set on failure");
	if (rc == 0) {
		VMBF_CHECK("GR3", vmb_guest_num_regions(got) == in->n, "from_ranges: region count");
		*g = got;
	}
	return rc;
}

/*
 * G12, G13: the address helpers at @a (in model region @j, or none when
 * @j == @n) agree with the model: address_in_range, to_region_addr,
 * checked_offset by @k over the set and inside the region. They read no
 * input, so the corpus means what it meant.
 */
VMBF_WRAPS static void check_helpers(struct vmb_guest *g, const struct mreg *model, size_t n,
				     uint64_t a, size_t j, uint64_t k)
{
	struct vmb_region *r = NULL;
	uint64_t off = 0, out = 0, sum = a + k;
	size_t js = 0;
	int rc;

	VMBF_CHECK("G13", vmb_guest_address_in_range(g, a) == (j < n), "address_in_range(0x%lx)",
		   (unsigned long)a);
	rc = vmb_guest_to_region_addr(g, a, &r, &off, NULL);
	VMBF_CHECK("G13", (rc == 0) == (j < n) &&
				  (rc != 0 || (vmb_region_start(r) == model[j].start &&
					       off == a - model[j].start)),
		   "to_region_addr(0x%lx): %s", (unsigned long)a, vmb_error_name(rc));
	while (js < n && !(sum >= model[js].start && sum - model[js].start < model[js].len))
		js++;
	rc = vmb_guest_checked_offset(g, a, k, &out, NULL);
	VMBF_CHECK("G13", sum < a ? rc == VMB_EGUEST_ADDRESS_OVERFLOW
				  : (rc == 0) == (js < n) && (rc != 0 || out == sum),
		   "checked_offset(0x%lx, 0x%lx): %s", (unsigned long)a, (unsigned long)k,
		   vmb_error_name(rc));
	if (j == n)
		return;
	uint64_t len = model[j].len, in = 0;

	VMBF_CHECK("G12", vmb_region_address_in_range(r, off) && !vmb_region_address_in_range(r, len),
		   "region address_in_range(0x%lx)", (unsigned long)off);
	rc = vmb_region_checked_offset(r, off, k, &out, NULL);
	VMBF_CHECK("G12", off + k < off ? rc == VMB_EOVERFLOW
				       : (rc == 0) == (off + k < len) && (rc != 0 || out == off + k),
		   "region checked_offset(0x%lx, 0x%lx): %s", (unsigned long)off, (unsigned long)k,
		   vmb_error_name(rc));
	rc = vmb_region_to_region_addr(r, a, &in, NULL);
	VMBF_CHECK("G12", rc == 0 && in == off, "region to_region_addr(0x%lx): %s", (unsigned long)a,
		   vmb_error_name(rc));
	rc = vmb_region_to_region_addr(r, model[j].start + len, &in, NULL);
	VMBF_CHECK("G12", rc == VMB_EINVALID_GUEST_ADDRESS, "region to_region_addr past the end: %s",
		   vmb_error_name(rc));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct layout_input in;
	struct vmb_region *regs[MAXR];
	struct mreg model[MAXR + 32];
	size_t nmodel = 0, made = 0;
	struct vmb_guest *g = NULL;
	bool all_g1 = true;
	int rc, want = 0;

	decode(data, size, &in);
	for (size_t i = 0; i < in.n; i++)
		all_g1 &= g1_ok(in.r[i].start, in.r[i].len);
	rc = from_ranges(&in, &g, all_g1);
	if (all_g1 && rc != 0)
		return 0;
	if (all_g1) {
		memcpy(model, in.r, in.n * sizeof(model[0]));
		nmodel = in.n;
	} else {
		for (size_t i = 0; i < in.n; i++) {
			struct vmb_region *r = make(in.r[i].start, in.r[i].len, &rc);
			bool ok = g1_ok(in.r[i].start, in.r[i].len);

			VMBF_CHECK("G1", (rc == 0) == ok, "region 0x%lx+0x%lx: rc %d",
				   (unsigned long)in.r[i].start, (unsigned long)in.r[i].len, rc);
			if (rc == 0)
				regs[made++] = r;
		}
		/* G2 on the regions that exist, in the given order. */
		for (size_t i = 0; i < made; i++)
			model[i] = (struct mreg){ vmb_region_start(regs[i]), vmb_region_len(regs[i]) };
		want = g2_want(model, made);
		rc = vmb_guest_new(regs, made, &g, NULL);
		VMBF_CHECK("G2", rc == want, "guest_new: %s, want %s", vmb_error_name(rc),
			   vmb_error_name(want));
		if (rc != 0) {
			for (size_t i = 0; i < made; i++)
				vmb_region_free(regs[i]);
			return 0;
		}
		nmodel = made;
	}
	for (size_t i = 0; i < in.nsteps; i++) {
		const struct lstep *s = &in.steps[i];

		if (s->kind == 0 && g1_ok(s->a, s->len) && nmodel < MAXR + 32) {
			struct vmb_region *r = make(s->a, s->len, &rc);
			size_t at = 0;
			bool overlap = false;

			VMBF_CHECK("G1", rc == 0, "region 0x%lx+0x%lx refused", (unsigned long)s->a,
				   (unsigned long)s->len);
			while (at < nmodel && model[at].start <= s->a)
				at++;
			if (at > 0 && model[at - 1].start + model[at - 1].len - 1 >= s->a)
				overlap = true;
			if (at < nmodel && s->a + s->len - 1 >= model[at].start)
				overlap = true;
			rc = vmb_guest_insert(g, r, NULL);
			VMBF_CHECK("G2", (rc == 0) == !overlap, "insert 0x%lx+0x%lx: %s",
				   (unsigned long)s->a, (unsigned long)s->len, vmb_error_name(rc));
			if (rc != 0) {
				vmb_region_free(r);
				continue;
			}
			memmove(&model[at + 1], &model[at], (nmodel - at) * sizeof(model[0]));
			model[at] = (struct mreg){ s->a, s->len };
			nmodel++;
		} else if (s->kind == 1) {
			struct vmb_region *out = NULL;
			size_t k = 0;

			while (k < nmodel && !(model[k].start == s->a && model[k].len == s->len))
				k++;
			rc = vmb_guest_remove(g, s->a, s->len, &out, NULL);
			VMBF_CHECK("G2", (rc == 0) == (k < nmodel), "remove 0x%lx+0x%lx: %s",
				   (unsigned long)s->a, (unsigned long)s->len, vmb_error_name(rc));
			if (rc == 0) {
				VMBF_CHECK("G2", vmb_region_start(out) == s->a, "removed the wrong region");
				vmb_region_free(out);
				memmove(&model[k], &model[k + 1], (nmodel - k - 1) * sizeof(model[0]));
				nmodel--;
			}
		}
		/* G3 at the step's address and around every region edge. */
		for (size_t k = 0; k <= nmodel; k++) {
			uint64_t probes[3] = { s->a, k < nmodel ? model[k].start : 0,
					       k < nmodel ? model[k].start + model[k].len : UINT64_MAX };

			for (int p = 0; p < 3; p++) {
				struct vmb_region *f = vmb_guest_find_region(g, probes[p]);
				size_t j = 0;

				while (j < nmodel && !(probes[p] >= model[j].start &&
						       probes[p] - model[j].start < model[j].len))
					j++;
				VMBF_CHECK("G3", (f != NULL) == (j < nmodel) &&
							 (!f || vmb_region_start(f) == model[j].start),
					   "find_region(0x%lx)", (unsigned long)probes[p]);
				check_helpers(g, model, nmodel, probes[p], j, s->len);
			}
		}
		VMBF_CHECK("G2", vmb_guest_num_regions(g) == nmodel, "region count");
	}
	vmb_guest_free(g);
	return 0;
}

void vmbf_target_decode(const uint8_t *data, size_t size, struct vmbo_text *out)
{
	static const char *const kinds[] = { "insert", "remove", "find" };
	struct layout_input in;

	decode(data, size, &in);
	vmbo_text_printf(out, "# layout target\n");
	for (size_t i = 0; i < in.n; i++) {
		if (i == in.complete)
			vmbo_text_printf(out, VMBF_RAN_OUT_LINE);
		vmbo_text_printf(out, "region 0x%" PRIx64 " 0x%" PRIx64 "\n", in.r[i].start, in.r[i].len);
	}
	for (size_t i = 0; i < in.nsteps; i++) {
		if (in.n + i == in.complete)
			vmbo_text_printf(out, VMBF_RAN_OUT_LINE);
		vmbo_text_printf(out, "%s 0x%" PRIx64 " 0x%" PRIx64 "\n", kinds[in.steps[i].kind],
				 in.steps[i].a, in.steps[i].len);
	}
}

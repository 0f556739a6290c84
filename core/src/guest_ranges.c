/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Guest memory from a list of ranges in one call (GR1-GR3): everything the
 * region set would refuse is checked first, then one region is made per
 * range, then the guest memory over them; any failure undoes it all.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

/* The region config vmb_region_new() gets for range @r under @cfg. */
static struct vmb_region_config region_config(const struct vmb_range *r,
					      const struct vmb_guest_ranges_config *cfg)
{
	struct vmb_region_config rc = {
		.start = r->start,
		.len = r->len,
		.kind = cfg->kind,
		.fd = cfg->kind == VMB_REGION_FILE ? cfg->fd : -1,
		.file_offset = cfg->kind == VMB_REGION_FILE ? r->file_offset : 0,
		.flags = cfg->flags,
		.dirty_page_size = cfg->dirty_page_size,
	};

	return rc;
}

/* GR1, GR2: every check that needs no mapping, in the documented order. */
static int check_ranges(const struct vmb_range *ranges, size_t n,
			const struct vmb_guest_ranges_config *cfg, struct vmb_error *err)
{
	int rc;

	for (size_t i = 0; i < n; i++) {
		struct vmb_region_config c = region_config(&ranges[i], cfg);

		/* G1 (and what the host cannot map), range by range. */
		rc = vmb__region_config_check(&c, err);
		if (rc != 0)
			return rc;
	}
	/* G2, pair by pair: every len is > 0 and start + len does not wrap
	 * (G1 above), so start + len - 1 is the last address. */
	for (size_t i = 1; i < n; i++) {
		rc = vmb__guest_check_pair(ranges[i - 1].start,
					   ranges[i - 1].start + (ranges[i - 1].len - 1),
					   ranges[i].start, err);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int vmb_guest_from_ranges(const struct vmb_range *ranges, size_t n,
			  const struct vmb_guest_ranges_config *cfg, struct vmb_guest **out,
			  struct vmb_error *err)
{
	struct vmb_region **regions;
	size_t made = 0;
	int rc;

	if (cfg == NULL || out == NULL || (ranges == NULL && n > 0))
		return vmb__fail(err, VMB_EINVALID_ARGUMENT);
	/* GR1: the config alone, checked as a region would check it. */
	{
		struct vmb_range probe = { 0, 1, 0 };
		struct vmb_region_config c = region_config(&probe, cfg);

		rc = vmb__region_config_check(&c, err);
		if (rc != 0)
			return rc;
	}
	if (n == 0)
		return vmb__fail(err, VMB_ENO_MEMORY_REGION);
	rc = check_ranges(ranges, n, cfg, err);
	if (rc != 0)
		return rc;
	/* calloc() checks n * sizeof for overflow. An array of region
	 * pointers: the element is a pointer on purpose. */
	regions = calloc(n, sizeof(*regions)); /* NOLINT(bugprone-sizeof-expression) */
	if (regions == NULL)
		return vmb__fail_errno(err, ENOMEM);
	/* GR3: map in order; stop at the first failure. */
	for (; made < n; made++) {
		struct vmb_region_config c = region_config(&ranges[made], cfg);

		rc = vmb_region_new(&c, &regions[made], err);
		if (rc != 0)
			goto undo;
	}
	rc = vmb_guest_new(regions, n, out, err);
	if (rc != 0)
		goto undo;
	/* The guest memory owns the regions now; the array was ours. */
	free(regions);
	return 0;
undo:
	/* GR3: nothing stays: the regions made so far, then the array. */
	for (size_t i = 0; i < made; i++)
		vmb_region_free(regions[i]);
	free(regions);
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Bad arguments across the public API, one argument at a time: NULL
 * pointers, impossible sizes and invalid configurations give
 * InvalidArgument (or the error SPEC names), never a crash, and every
 * condition of every argument check can say no on its own. These read no
 * input: they were two families of the api fuzz target (check_bad_matrix,
 * check_bad_input) and are unit tests now, run once instead of once per
 * fuzz input. `vmbytes coverage` runs this runner with the corpus.
 */
/* The experimental tier (vmbytes/experimental.h): vmb_region_set_start(). */
#define VMB_EXPERIMENTAL
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

enum { bad = VMB_EINVALID_ARGUMENT };

/* A slice's memory: the checks here never write it. */
static _Alignas(64) uint8_t mem[64];

TEST(S11_bitmap_arguments)
{
	struct vmb_bitmap *bm = NULL;
	uint64_t words[1];

	CHECK(vmb_bitmap_new(1, 4, NULL) == bad && vmb_bitmap_new(1, 0, &bm) == bad &&
		      vmb_bitmap_new(100, 4, &bm) == 0); /* bitmap_new arguments */
	vmb_bitmap_mark(NULL, 0, 1);
	vmb_bitmap_mark(bm, 0, 0);
	vmb_bitmap_mark(bm, SIZE_MAX, 2);
	vmb_bitmap_mark(bm, 1000, 1);
	vmb_bitmap_reset_range(NULL, 0, 1);
	vmb_bitmap_reset(NULL);
	CHECK(!vmb_bitmap_is_page_dirty(NULL, 0) && !vmb_bitmap_is_page_dirty(bm, 25) &&
		      !vmb_bitmap_is_dirty(NULL, 0) && vmb_bitmap_page_size(NULL) == 0 &&
		      vmb_bitmap_get_and_reset(bm, NULL, 1) == bad &&
		      vmb_bitmap_get_and_reset(bm, words, 0) == bad &&
		      vmb_bitmap_get_and_reset(bm, words, 1) == 0 && words[0] == 0 &&
		      vmb_bitmap_enlarge(bm, 50) == bad && vmb_bitmap_enlarge(bm, 100) == 0); /* bitmap arguments */
	vmb_bitmap_free(bm);
}

TEST(I2_source_and_sink_arguments)
{
	struct vmb_source nosrc = { NULL, NULL };
	struct vmb_sink nosink = { NULL };
	struct vmb_fd_source fds;
	struct vmb_fd_sink fdk;
	struct vmb_fault_source fs;
	struct vmb_fault_sink fk;
	struct vmb_buf_sink bk;
	uint8_t byte = 0;

	CHECK(vmb_fd_source_init(&fds, 0) == 0 && vmb_fd_sink_init(&fdk, 0) == 0); /* fd 0 is a file descriptor like any other */
	CHECK(vmb_fd_source_init(&fds, -1) == bad && vmb_fd_sink_init(&fdk, -1) == bad &&
		      vmb_buf_source_init((struct vmb_buf_source *)&fds, NULL, 1) == bad &&
		      vmb_buf_sink_init(&bk, NULL, 1) == bad &&
		      vmb_fault_source_init(&fs, NULL, NULL, 0, false) == bad &&
		      vmb_fault_source_init(&fs, &nosrc, NULL, 0, false) == bad &&
		      vmb_fault_sink_init(&fk, NULL, NULL, 0, false) == bad &&
		      vmb_fault_sink_init(&fk, &nosink, NULL, 0, false) == bad); /* source and sink arguments */
	CHECK(vmb_buf_sink_init(&bk, &byte, 1) == 0);
	CHECK(vmb_fault_sink_init(&fk, &bk.base, (struct vmb_fault[]){ { VMB_FAULT_SHORT, 0 } },
		      1, false) == bad); /* sink plan with SHORT 0 */
}

/* S7 and the generic layer: sources and sinks without a function. */
TEST(S7_generic_layer_arguments)
{
	struct vmb_source nosrc = { NULL, NULL };
	struct vmb_sink nosink = { NULL };
	struct vmb_slice sl;
	uint64_t v;
	uint8_t byte = 0;

	CHECK_RC(vmb_slice_init(&sl, mem, 16), 0);
	struct vmb_bytes b = vmb_slice_bytes(&sl);

	CHECK(vmb_bytes_read_volatile_from(b, 0, &nosrc, 1, NULL, NULL) == bad &&
		      vmb_bytes_write_volatile_to(b, 0, &nosink, 1, NULL, NULL) == bad &&
		      vmb_bytes_read_exact_volatile_from(b, 0, &nosrc, 1, NULL) == bad &&
		      vmb_bytes_write_all_volatile_to(b, 0, &nosink, 1, NULL) == bad &&
		      vmb_bytes_read_exact_volatile_from(b, 0, NULL, 1, NULL) == bad &&
		      vmb_bytes_write_all_volatile_to(b, 0, NULL, 1, NULL) == bad &&
		      vmb_bytes_read_volatile_from(b, 0, NULL, 1, NULL, NULL) == bad &&
		      vmb_bytes_write_volatile_to(b, 0, NULL, 1, NULL, NULL) == bad &&
		      vmb_bytes_load(b, 0, 3, VMB_RELAXED, &v, NULL) == bad &&
		      vmb_bytes_load(b, 0, 4, VMB_RELAXED, NULL, NULL) == bad &&
		      vmb_bytes_store(b, 0, 3, VMB_RELAXED, 0, NULL) == bad &&
		      vmb_bytes_write(b, 0, NULL, 1, NULL, NULL) == bad &&
		      vmb_bytes_read(b, 0, NULL, 1, NULL, NULL) == bad &&
		      vmb_slice_read_volatile_from(sl, 0, &nosrc, 1, NULL, NULL) == bad &&
		      vmb_slice_write_volatile_to(sl, 0, &nosink, 1, NULL, NULL) == bad &&
		      vmb_slice_split_at(sl, 0, &sl, NULL, NULL) == bad &&
		      vmb_slice_copy_to_array(sl, &byte, 1, 0, NULL) == bad &&
		      vmb_slice_copy_to_array(sl, NULL, 0, 1, NULL) == 0 &&
		      vmb_slice_copy_from_array(sl, NULL, 0, 1, NULL) == 0 &&
		      vmb_slice_copy_from_array(sl, NULL, 1, 1, NULL) == bad); /* generic arguments */
}

/* G1, G11: region configurations. */
TEST(G1_region_config_arguments)
{
	struct vmb_region_config cfg = { .start = 0, .len = 16 };
	struct vmb_region *r = NULL;

	struct vmb_region_config bad_cfgs[] = {
		{ .len = 16, .flags = 2 },
		{ .len = 16, .kind = (enum vmb_region_kind)7 },
		{ .len = 16, .kind = VMB_REGION_FILE, .fd = -1 },
		{ .len = 16, .dirty_page_size = 3 },
		{ .len = (uint64_t)1 << 63 },
		{ .len = 16, .kind = VMB_REGION_FILE, .fd = 0, .file_offset = UINT64_MAX },
	};
	for (size_t i = 0; i < sizeof(bad_cfgs) / sizeof(bad_cfgs[0]); i++)
		CHECK(vmb_region_new(&bad_cfgs[i], &r, NULL) != 0); /* bad region config i */
	CHECK(vmb_region_new(&cfg, NULL, NULL) == bad); /* region without out */
}

/* G2, G3, G10: guest memory. */
TEST(G2_guest_arguments)
{
	struct vmb_region_config cfg = { .start = 0, .len = 16 };
	struct vmb_region *r = NULL, *r2 = NULL, *out = NULL;
	struct vmb_guest *g = NULL, *g2 = NULL;
	struct vmb_slices_iter it;
	struct vmb_slice sl;
	uint8_t byte = 0;
	void *host;

	CHECK_RC(vmb_region_new(&cfg, &r, NULL), 0);
	if (r == NULL)
		return;
	struct vmb_region *none[1] = { NULL };

	CHECK(vmb_guest_new(NULL, 1, &g, NULL) == bad && vmb_guest_new(none, 1, &g, NULL) == bad &&
		      vmb_guest_new(&r, 1, NULL, NULL) == bad && vmb_guest_new(&r, 1, &g, NULL) == 0 &&
		      vmb_guest_new(&r, 1, &g2, NULL) == bad && vmb_guest_insert(g, NULL, NULL) == bad &&
		      vmb_guest_insert(g, r, NULL) == bad && vmb_guest_remove(g, 0, 16, NULL, NULL) == bad &&
		      vmb_region_set_start(r, 0, NULL) == bad); /* guest arguments */
	CHECK(vmb_guest_get_host_address(g, 0, NULL, NULL) == bad &&
		      vmb_guest_get_host_address(g, 99, &host, NULL) == VMB_EINVALID_GUEST_ADDRESS &&
		      vmb_guest_get_slice(g, 0, 1, NULL, NULL) == bad &&
		      vmb_guest_region_at(NULL, 0) == NULL && vmb_guest_last_addr(NULL) == 0); /* guest lookups */
	vmb_guest_slices_init(NULL, g, 0, 1);
	vmb_guest_slices_init(&it, g, 0, 1);
	CHECK(vmb_guest_slices_next(&it, NULL, NULL) == bad); /* slices_next without out */
	vmb_guest_slices_init(&it, NULL, 0, 1);
	CHECK(vmb_guest_slices_next(&it, &sl, NULL) == 0); /* a walk of no guest */
	/* Inserting grows the set past its first capacity; removing the last leaves it empty. */
	for (uint64_t i = 1; i <= 6; i++) {
		struct vmb_region_config c = { .start = 0x100 * i, .len = 16 };

		CHECK_RC(vmb_region_new(&c, &r2, NULL), 0);
		CHECK_RC(vmb_guest_insert(g, r2, NULL), 0);
	}
	for (uint64_t i = 0; i <= 6; i++) {
		CHECK(vmb_guest_remove(g, 0x100 * i, 16, &out, NULL) == 0); /* remove region i */
		vmb_region_free(out);
	}
	CHECK(vmb_guest_num_regions(g) == 0 && vmb_guest_last_addr(g) == 0 &&
		      vmb_bytes_write(vmb_guest_bytes(g), 0, &byte, 1, NULL, NULL) ==
		      VMB_EINVALID_GUEST_ADDRESS); /* an empty guest memory */
	vmb_guest_free(g);
}

/* D1, R1: data files and remote processes. */
TEST(D1_R1_datafile_and_remote_arguments)
{
	struct vmb_datafile *f = NULL;
	struct vmb_remote *rp = NULL;

	/*
	 * fd 0 is a file descriptor too: duplicated when it is open, IO{EBADF}
	 * when the process was started without one (which is not the target's
	 * to choose).
	 */
	struct vmb_error fe = { 0 };
	bool fd0 = fcntl(0, F_GETFD) >= 0;
	int frc = vmb_datafile_new(0, 16, &f, &fe);

	CHECK(fd0 ? frc == 0 : frc == VMB_EIO && fe.errnum == EBADF); /* datafile over fd 0, open or closed */
	vmb_datafile_free(f);
	f = NULL;
	CHECK(vmb_datafile_new(0, 16, NULL, NULL) == bad &&
	      vmb_datafile_new(0, UINT64_MAX, &f, NULL) == bad &&
	      /* an fd this process does not have: known, not assumed */
	      (fcntl(9999, F_GETFD) >= 0 || vmb_datafile_new(9999, 16, &f, NULL) == VMB_EIO) &&
	      vmb_datafile_bytes(NULL).ops == NULL); /* datafile arguments */
	CHECK(vmb_remote_new(getpid(), 0, 16, NULL, NULL) == bad &&
		      vmb_remote_new(getpid(), UINT64_MAX, 16, &rp, NULL) == bad &&
		      vmb_remote_bytes(NULL).ops == NULL); /* remote arguments */
}

/* S1 on the direct slice entry points: empty is ok 0 before any check. */
TEST(S1_empty_direct_slice_access_past_the_end)
{
	struct vmb_slice sl;
	uint8_t byte = 0;

	CHECK_RC(vmb_slice_init(&sl, mem, 16), 0);
	size_t done = 1;

	CHECK(vmb_slice_write(sl, 99, &byte, 0, &done, NULL) == 0 && done == 0 &&
		      vmb_slice_read(sl, 99, &byte, 0, &done, NULL) == 0 && done == 0); /* empty direct slice access past the end */
}

/* SPEC 7: snprintf's convention, no buffer needed to measure. */
TEST(SPEC7_error_format_measures_without_a_buffer)
{
	struct vmb_error e = { .code = VMB_EIO, .errnum = 4095 };

	CHECK(vmb_error_format(&e, NULL, 0) > 0); /* format length */
}

TEST(S6_slice_bad_input)
{
	struct vmb_slice s = { 0 };
	char buf[8] = { 0 };

	CHECK(vmb_slice_init(NULL, mem, 1) == VMB_EINVALID_ARGUMENT &&
		      vmb_slice_init(&s, NULL, 1) == VMB_EINVALID_ARGUMENT &&
		      vmb_slice_init(&s, (void *)(uintptr_t)UINTPTR_MAX, 2) ==
		      VMB_EINVALID_ARGUMENT &&
		      vmb_slice_set_bitmap(NULL, NULL, 0) == VMB_EINVALID_ARGUMENT &&
		      vmb_slice_subslice(s, 0, 0, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_slice_split_at(s, 0, NULL, &s, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_slice_write(s, 0, NULL, 1, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_slice_read(s, 0, NULL, 1, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_slice_read_volatile_from(s, 0, NULL, 1, NULL, NULL) ==
		      VMB_EINVALID_ARGUMENT &&
		      vmb_slice_write_volatile_to(s, 0, NULL, 1, NULL, NULL) ==
		      VMB_EINVALID_ARGUMENT &&
		      vmb_slice_copy_to_array(s, NULL, 1, 1, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_slice_copy_from_array(s, buf, 1, 0, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_slice_load(s, 0, 4, VMB_RELAXED, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_slice_store(s, 0, 3, VMB_RELAXED, 0, NULL) == VMB_EINVALID_ARGUMENT); /* slice bad input */
}

TEST(S1_generic_bad_input)
{
	struct vmb_bytes none = { NULL, NULL };
	char buf[8] = { 0 };
	uint64_t v;

	CHECK(vmb_bytes_write(none, 0, buf, 1, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_bytes_read(none, 0, buf, 1, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_bytes_read_volatile_from(none, 0, NULL, 1, NULL, NULL) ==
		      VMB_EINVALID_ARGUMENT &&
		      vmb_bytes_write_volatile_to(none, 0, NULL, 1, NULL, NULL) ==
		      VMB_EINVALID_ARGUMENT &&
		      vmb_bytes_read_exact_volatile_from(none, 0, NULL, 1, NULL) ==
		      VMB_EINVALID_ARGUMENT &&
		      vmb_bytes_write_all_volatile_to(none, 0, NULL, 1, NULL) ==
		      VMB_EINVALID_ARGUMENT &&
		      vmb_bytes_store(none, 0, 4, VMB_RELAXED, 0, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_bytes_load(none, 0, 4, VMB_RELAXED, &v, NULL) == VMB_EINVALID_ARGUMENT); /* generic bad input */
}

TEST(G2_handle_bad_input)
{
	CHECK(vmb_region_new(NULL, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_guest_new(NULL, 1, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_guest_insert(NULL, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_guest_remove(NULL, 0, 1, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_guest_get_host_address(NULL, 0, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_guest_get_slice(NULL, 0, 0, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_guest_slices_next(NULL, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
		      !vmb_guest_check_range(NULL, 0, 0) && vmb_guest_find_region(NULL, 0) == NULL &&
		      vmb_region_set_start(NULL, 0, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_region_as_slice(NULL, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_region_get_slice(NULL, 0, 0, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_datafile_new(-1, 0, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_remote_new(0, 0, 0, NULL, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_bitmap_new(1, 3, NULL) == VMB_EINVALID_ARGUMENT &&
		      vmb_bitmap_get_and_reset(NULL, NULL, 0) == VMB_EINVALID_ARGUMENT &&
		      vmb_bitmap_enlarge(NULL, 0) == VMB_EINVALID_ARGUMENT &&
		      vmb_fd_source_init(NULL, 0) == VMB_EINVALID_ARGUMENT &&
		      vmb_fd_sink_init(NULL, 0) == VMB_EINVALID_ARGUMENT &&
		      vmb_buf_source_init(NULL, NULL, 0) == VMB_EINVALID_ARGUMENT &&
		      vmb_buf_sink_init(NULL, NULL, 0) == VMB_EINVALID_ARGUMENT &&
		      vmb_fault_source_init(NULL, NULL, NULL, 0, false) == VMB_EINVALID_ARGUMENT &&
		      vmb_fault_sink_init(NULL, NULL, NULL, 0, false) == VMB_EINVALID_ARGUMENT &&
		      vmb_error_format(NULL, NULL, 1) == VMB_EINVALID_ARGUMENT); /* handle bad input */
}

TEST(G2_null_handles_are_no_ops_and_empty)
{
	vmb_region_free(NULL);
	vmb_guest_free(NULL);
	vmb_datafile_free(NULL);
	vmb_remote_free(NULL);
	vmb_bitmap_free(NULL);
	CHECK(vmb_guest_num_regions(NULL) == 0 && vmb_region_len(NULL) == 0 &&
		      vmb_region_fd(NULL) == -1 && vmb_bitmap_pages(NULL) == 0 &&
		      vmb_datafile_len(NULL) == 0 && vmb_slice_bytes(NULL).ops == NULL &&
		      vmb_guest_bytes(NULL).ops == NULL && vmb_region_bytes(NULL).ops == NULL); /* NULL handles */
}

/* SPEC 6: every code has a name and a message; unknown ones too. */
TEST(SPEC6_every_code_has_a_name)
{
	char buf[8] = { 0 };

	for (int c = -VMB_STATUS_COUNT - 1; c <= 1; c++)
		CHECK(vmb_strerror(c) && vmb_error_name(c) && vmb_error_format(NULL, buf, sizeof(buf)) > 0); /* names for code c */
}

/* Issue 14's calls: W1, A1/A5, G12/G13, I4 argument checks, and the
 * container tables' rmw members seen through the generic layer. */
static int nb_write(void *self, uint64_t addr, const void *buf, size_t len, size_t *done,
		    struct vmb_error *err)
{
	(void)self, (void)addr, (void)buf, (void)err;
	*done = len;
	return 0;
}

TEST(W1_A1_G12_G13_I4_arguments)
{
	static const struct vmb_bytes_ops bare = { .name = "bare", .exact = VMB_EXACT_COMPARE,
						   .write = nb_write };
	struct vmb_bytes none = { NULL, NULL }, b = { &bare, NULL };
	struct vmb_region_config cfg = { .start = 0x1000, .len = 0x1000, .kind = VMB_REGION_ANON,
					 .fd = -1 };
	struct vmb_region *r = NULL, *got = NULL;
	struct vmb_guest *g = NULL;
	struct vmb_slice sl;
	struct vmb_rmw add = { VMB_RMW_ADD, { VMB_ORDER_RELAXED }, { VMB_ORDER_RELAXED }, 1, 0 };
	uint64_t v = 0, off = 0;
	uint8_t x[8] = { 0 };

	CHECK(vmb_bytes_write_whole(none, 0, x, 1, NULL) == bad &&
	      vmb_bytes_read_whole(none, 0, x, 1, NULL) == bad &&
	      vmb_bytes_write_whole(b, 0, NULL, 1, NULL) == bad &&
	      vmb_bytes_write_whole(b, 0, x, 1, NULL) == VMB_EUNSUPPORTED &&
	      vmb_bytes_rmw(none, 0, 8, &add, &v, NULL) == bad &&
	      vmb_bytes_rmw(b, 0, 8, &add, &v, NULL) == VMB_EUNSUPPORTED); /* generic */
	CHECK_RC(vmb_region_new(&cfg, &r, NULL), 0);
	CHECK(vmb_bytes_rmw(vmb_region_bytes(r), 8, 8, &add, &v, NULL) == 0 && v == 0 &&
	      vmb_bytes_rmw(vmb_region_bytes(r), 0x1000, 8, &add, &v, NULL) ==
		      VMB_EINVALID_BACKEND_ADDRESS); /* region table */
	CHECK(vmb_region_checked_offset(NULL, 0, 0, &v, NULL) == bad &&
	      vmb_region_checked_offset(r, 0, 0, NULL, NULL) == bad &&
	      vmb_region_checked_offset(r, UINT64_MAX, 1, &v, NULL) == VMB_EOVERFLOW &&
	      vmb_region_to_region_addr(NULL, 0x1000, &v, NULL) == bad &&
	      vmb_region_to_region_addr(r, 0x1000, NULL, NULL) == bad &&
	      !vmb_region_address_in_range(NULL, 0)); /* G12 */
	CHECK_RC(vmb_guest_new(&r, 1, &g, NULL), 0);
	CHECK(vmb_guest_write_whole(NULL, 0, x, 1, NULL) == bad &&
	      vmb_guest_read_whole(NULL, 0, x, 1, NULL) == bad &&
	      vmb_guest_read_whole(g, 0x1000, NULL, 1, NULL) == bad &&
	      vmb_guest_read_whole(g, 0x1000, x, 0, NULL) == 0 &&
	      vmb_guest_rmw(NULL, 0x1000, 8, &add, &v, NULL) == bad &&
	      vmb_guest_rmw(g, 0x1000, 8, NULL, &v, NULL) == bad &&
	      vmb_guest_rmw(g, 0x1000, 8, &add, NULL, NULL) == bad &&
	      vmb_guest_checked_offset(NULL, 0, 0, &v, NULL) == bad &&
	      vmb_guest_checked_offset(g, 0, 0, NULL, NULL) == bad &&
	      vmb_guest_to_region_addr(NULL, 0x1000, &got, &off, NULL) == bad &&
	      vmb_guest_to_region_addr(g, 0x1000, NULL, &off, NULL) == bad &&
	      vmb_guest_to_region_addr(g, 0x1000, &got, NULL, NULL) == bad &&
	      !vmb_guest_address_in_range(NULL, 0x1000)); /* G13, W1, A1 on guest memory */
	vmb_guest_free(g);
	CHECK_RC(vmb_slice_init(&sl, mem, 16), 0);
	CHECK(vmb_bytes_rmw(vmb_slice_bytes(&sl), 0, 8, &add, &v, NULL) == 0 &&
	      vmb_slice_rmw(sl, 0, 8, &add, NULL, NULL) == bad &&
	      vmb_slice_rmw(sl, 0, 8, NULL, &v, NULL) == bad); /* slice table */
	memset(mem, 0, sizeof(mem));
	CHECK(vmb_vec_sink_init(NULL, 1) == bad); /* I4 */
}

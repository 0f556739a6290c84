/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * A virtio-rng-style device on vmbytes_virtq: the driver offers writable
 * buffers, the device fills each one with random bytes and returns it.
 *
 * The guest here is two adjacent RAM regions, so one of the buffers spans
 * both and reaches the device as two slices. The "driver" is a few
 * functions in this file; in a hypervisor it is the guest kernel.
 *
 * Build: part of the tree (ctest -R example.virtio_rng); alone:
 *     cc virtio_rng.c $(pkg-config --cflags --libs vmbytes-static) -lvmbytes_virtq
 */
#include <stdio.h>
#include <stdlib.h>

#include "vmbytes.h"
#include "vmbytes/virtq.h"

enum { QSIZE = 8, DESC = 0x0, AVAIL = 0x100, USED = 0x200 };

/* The entropy source: xorshift64, so the check below can replay it. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint8_t next_byte(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint8_t)rng_state;
}

/* The device: fill every writable buffer of every available chain. */
static int device_run(struct vmb_virtq *q)
{
	struct vmb_virtq_desc bufs[QSIZE];
	struct vmb_virtq_chain chain;
	struct vmb_error err;
	int rc;

	while ((rc = vmb_virtq_pop(q, &chain, bufs, QSIZE, &err)) == 1) {
		uint32_t written = 0;

		for (uint32_t i = 0; i < chain.nbufs; i++) {
			struct vmb_slices_iter it;
			struct vmb_slice s;

			if (!(bufs[i].flags & VMB_VIRTQ_DESC_F_WRITE))
				continue; /* an rng has nothing to read */
			if (vmb_virtq_buf_slices(q, &bufs[i], &it) != 0)
				return -1;
			/* One slice per region the buffer touches; a hole ends it. */
			while ((rc = vmb_guest_slices_next(&it, &s, &err)) == 1) {
				for (size_t k = 0; k < s.len; k++) {
					uint8_t b = next_byte();

					if (vmb_slice_write_obj(s, k, &b, 1, &err) != 0)
						return -1;
				}
				written += (uint32_t)s.len;
			}
			if (rc != 0)
				break; /* a buffer in a hole: return what was filled */
		}
		if (vmb_virtq_add_used(q, chain.head, written, &err) != 0)
			return -1;
	}
	if (rc != 0) {
		fprintf(stderr, "virtq: %s\n", vmb_virtq_error_name(rc));
		return -1;
	}
	bool notify;

	/* One interrupt for the batch, unless the driver declined it. */
	if (vmb_virtq_needs_notification(q, &notify, &err) != 0)
		return -1;
	printf("device: chains returned, notify=%d\n", notify);
	return 0;
}

/* The driver: descriptor i is a writable buffer; chain = one descriptor. */
static void driver_offer(struct vmb_guest *g, uint16_t i, uint64_t addr, uint32_t len)
{
	struct vmb_bytes b = vmb_guest_bytes(g);
	struct vmb_virtq_desc d = { addr, len, VMB_VIRTQ_DESC_F_WRITE, 0 };
	uint64_t idx;

	if (vmb_bytes_write_obj(b, DESC + 16u * i, &d, sizeof(d), NULL) != 0 ||
	    vmb_bytes_load(b, AVAIL + 2, 2, VMB_RELAXED, &idx, NULL) != 0 ||
	    vmb_bytes_store(b, AVAIL + 4 + 2 * (idx % QSIZE), 2, VMB_RELAXED, i, NULL) != 0 ||
	    /* Release: the device's acquire load of idx sees d and the entry. */
	    vmb_bytes_store(b, AVAIL + 2, 2, VMB_RELEASE, (uint16_t)(idx + 1), NULL) != 0)
		exit(1);
}

int main(void)
{
	struct vmb_region *regs[2];
	struct vmb_guest *g;
	struct vmb_virtq q;

	for (int i = 0; i < 2; i++) {
		struct vmb_region_config cfg = { .start = 0x10000u * (uint64_t)i, .len = 0x10000,
						 .kind = VMB_REGION_ANON };
		if (vmb_region_new(&cfg, &regs[i], NULL) != 0)
			return 1;
	}
	if (vmb_guest_new(regs, 2, &g, NULL) != 0)
		return 1;
	struct vmb_virtq_config cfg = { QSIZE, DESC, AVAIL, USED, 0 };

	if (vmb_virtq_init(&q, g, &cfg, NULL) != 0)
		return 1;

	driver_offer(g, 0, 0x1000, 64);
	driver_offer(g, 1, 0xfff0, 32); /* 16 bytes in each region */
	driver_offer(g, 2, 0x12000, 16);
	if (device_run(&q) != 0)
		return 1;

	/* The driver's check: three used elements, the bytes of the stream. */
	const uint64_t addr[3] = { 0x1000, 0xfff0, 0x12000 };
	const uint32_t len[3] = { 64, 32, 16 };
	struct vmb_bytes b = vmb_guest_bytes(g);
	uint64_t used_idx;

	rng_state = 0x9e3779b97f4a7c15u;
	if (vmb_bytes_load(b, USED + 2, 2, VMB_ACQUIRE, &used_idx, NULL) != 0 || used_idx != 3)
		return 1;
	for (int i = 0; i < 3; i++) {
		uint32_t elem[2];

		if (vmb_bytes_read_obj(b, USED + 4 + 8u * (unsigned)i, elem, 8, NULL) != 0 ||
		    elem[0] != (uint32_t)i || elem[1] != len[i])
			return 1;
		for (uint32_t k = 0; k < len[i]; k++) {
			uint8_t got;

			if (vmb_bytes_read_obj(b, addr[i] + k, &got, 1, NULL) != 0 || got != next_byte())
				return 1;
		}
	}
	printf("driver: 3 buffers, %u bytes of entropy, as expected\n", 64 + 32 + 16);
	vmb_guest_free(g);
	return 0;
}

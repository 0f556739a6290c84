/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The virtq fuzz target's parts (virtq.c: decoding and the run;
 * virtq/model.c: the guest memory with its logging container, the shadow
 * and the model; virtq/race.c: the concurrency profile).
 */
#ifndef VMBYTES_FUZZ_VIRTQ_H
#define VMBYTES_FUZZ_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>

#include "vmbytes.h"
#include "vmbytes/virtq.h"

#define VQF_MAXREG 3
#define VQF_MAXDESC 16
#define VQF_MAXIND 8
#define VQF_MAXACT 24
#define VQF_MAXLOG 512
#define VQF_LAYOUTS 5

/* one region; the queue after a hole; RAM, hole, RAM; adjacent regions;
 * a region ending at 2^64 - 1. */
struct vqf_layout {
	unsigned kind, n;
	uint64_t start[VQF_MAXREG], len[VQF_MAXREG];
	uint64_t qbase; /* where the queue areas are placed from */
};

struct vqf_desc {
	uint16_t index; /* where it is written in its table */
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

enum vqf_act_kind {
	VQF_PUBLISH,      /* driver: ring entry a, then avail idx + 1 */
	VQF_AVAIL_RAW,    /* driver: avail idx = b */
	VQF_POP,          /* device: one chain walk (the first only) */
	VQF_ADD_USED,     /* device: add_used(a, b) */
	VQF_NEEDS_NOTIFY, /* device: needs_notification */
	VQF_NOTIFY_ONOFF, /* device: enable (a = 1) or disable notification */
	VQF_DRIVER_WORD,  /* driver: avail->flags (a = 1) or used_event = b */
	VQF_SLICES,       /* device: the popped buffers as slices */
	VQF_ARGS,         /* every entry point with NULL and invalid arguments */
	VQF_ACTS
};

struct vqf_act {
	unsigned kind;
	uint64_t a, b;
};

struct vqf_input {
	struct vqf_layout lay;
	bool race, strict, event_idx;
	uint32_t size;
	unsigned cap; /* entries of the caller's buffer array */
	uint64_t desc, avail, used, itable;
	unsigned ndesc, nind, nact;
	struct vqf_desc d[VQF_MAXDESC], ind[VQF_MAXIND];
	struct vqf_act act[VQF_MAXACT];
	size_t complete; /* first line that read past the input, or SIZE_MAX */
};

void vqf_layout(unsigned kind, struct vqf_layout *l);
const char *vqf_layout_name(const struct vqf_layout *l);
void vqf_decode(const uint8_t *data, size_t size, struct vqf_input *in);

/* One access through the logging container. */
enum vqf_log_kind { VQF_READ, VQF_WRITE, VQF_LOAD, VQF_STORE };
struct vqf_log {
	unsigned kind;
	uint64_t addr, len;
	int order;
};

/* The guest memory of one input, its logging container and its shadow. */
struct vqf_mem {
	const struct vqf_layout *lay;
	struct vmb_guest *g;
	struct vmb_region *r[VQF_MAXREG];
	uint8_t *shadow[VQF_MAXREG];
	struct vmb_bytes inner;
	bool logging;
	uint64_t avail_idx_at, used_idx_at; /* for the ordering checks */
	/* Failure injection (the args action): when on, reads and loads go
	 * through and writes and stores pretend to succeed (nothing changes)
	 * while countdown > 0; the access after that fails with IO{EIO}. */
	bool inject;
	unsigned countdown;
	unsigned nlog;
	struct vqf_log log[VQF_MAXLOG];
};

void vqf_mem_open(struct vqf_mem *m, const struct vqf_layout *l);
void vqf_mem_close(struct vqf_mem *m);
struct vmb_guest *vqf_guest(struct vqf_mem *m);
struct vmb_bytes vqf_logged_bytes(struct vqf_mem *m);
/* Write @n bytes into guest memory and the shadow alike (mapped bytes only). */
void vqf_poke(struct vqf_mem *m, uint64_t addr, const uint8_t *b, size_t n);
/* Bytes mapped contiguously from @addr, at most @n; *@host their host address. */
uint64_t vqf_chunk(struct vqf_mem *m, uint64_t addr, uint64_t n, uint8_t **host);
void vqf_log_start(struct vqf_mem *m);
void vqf_log_stop(struct vqf_mem *m);
void vqf_dirty_reset(struct vqf_mem *m);

/* What the model predicts for one call. */
struct vqf_expect {
	int rc;
	uint64_t err_addr;        /* Index, AvailIndex, InvalidGuestAddress, Misaligned */
	uint64_t completed;       /* PartialBuffer */
	bool took_head, flag;
	unsigned steps;
	unsigned nlog;
	struct vqf_log log[VQF_MAXLOG];
};

struct vqf_chain {
	uint16_t head;
	unsigned n;
	bool truncated;
	uint64_t readable, writable;
	struct vqf_desc b[24];
};

struct vqf_model {
	uint32_t size;
	unsigned flags;
	uint64_t desc, avail, used;
	uint16_t next_avail, next_used, num_added;
	uint16_t driver_idx; /* the driver's own count */
};

void vqf_model_init(struct vqf_model *q, struct vqf_mem *m, const struct vmb_virtq_config *cfg,
		    struct vqf_expect *x);
void vqf_model_pop(struct vqf_model *q, struct vqf_mem *m, unsigned cap, struct vqf_chain *c,
		   struct vqf_expect *x);
void vqf_model_add_used(struct vqf_model *q, struct vqf_mem *m, uint16_t head, uint32_t len,
			struct vqf_expect *x);
/* @what: 0 disable, 1 enable, 2 needs_notification. */
void vqf_model_notify(struct vqf_model *q, struct vqf_mem *m, int what, struct vqf_expect *x);

/* The checks, each aborting through vmbf_fail() with its rule. */
void vqf_check_no_double_read(const struct vqf_mem *m, const struct vqf_expect *x);
void vqf_check_orders(const struct vqf_mem *m);
void vqf_check_error(int rc, const struct vmb_error *e, const struct vqf_expect *x);
void vqf_check_log(const struct vqf_mem *m, const struct vqf_expect *x);
/* Exactly the bytes of @log[0 .. @n) are dirty (and the bitmaps are reset). */
void vqf_check_dirty(struct vqf_mem *m, const struct vqf_log *log, unsigned n);

/* The concurrency profile (virtq/race.c). */
int vqf_race(const struct vqf_input *in);

#endif /* VMBYTES_FUZZ_VIRTQ_H */

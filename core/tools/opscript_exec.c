/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The op-script engine's executor: one operation through the generic Bytes
 * interface (or, every other op on guest memory, guest.h's typed API), and
 * its outcome as a struct vmbo_result.
 */
#include "opscript.h"

#include <stdlib.h>
#include <string.h>


/* Room for @n more bytes at the end of a buffer kept from one op to the next. */
static uint8_t *kept_room(uint8_t **buf, size_t *cap, size_t used, size_t n)
{
	/* Allocated even for n == 0: a NULL buffer plus 0 is undefined (S11's
	 * empty bitmap of an empty slice). */
	if (used + n > *cap || *buf == NULL) {
		size_t c = *cap ? *cap : 256;

		while (c < used + n)
			c *= 2;
		uint8_t *p = realloc(*buf, c);

		if (p == NULL)
			abort();
		*buf = p;
		*cap = c;
	}
	return *buf + used;
}

/* SPEC 7: one bitmap per region (or one for the slice), then clear them. */
static int run_dirty(struct vmbo_env *env, struct vmbo_result *res)
{
	static uint8_t *all;
	static size_t cap, *parts, parts_cap;
	struct vmb_bitmap *one[1] = { env->slice_bitmap };
	size_t n = env->guest ? vmb_guest_num_regions(env->guest) : 1, used = 0;

	if (!env->has_bitmap) {
		res->shape = VMBO_ERR;
		res->err.code = VMB_EINVALID_ARGUMENT;
		return VMB_EINVALID_ARGUMENT;
	}
	if (n > parts_cap) {
		size_t *p = realloc(parts, n * sizeof(*parts));

		if (p == NULL)
			abort();
		parts = p;
		parts_cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		struct vmb_bitmap *b = env->guest ? vmb_region_bitmap(vmb_guest_region_at(env->guest, i))
						  : one[0];
		size_t pages = vmb_bitmap_pages(b), nwords = pages / 64 + 1;
		uint64_t *words = calloc(nwords, sizeof(uint64_t));
		uint8_t *bytes = kept_room(&all, &cap, used, (pages + 7) / 8);

		if (words == NULL || vmb_bitmap_get_and_reset(b, words, nwords) != 0)
			abort();
		memset(bytes, 0, (pages + 7) / 8);
		/* Page i is bit (i mod 8) of byte (i div 8). */
		for (size_t p = 0; p < pages; p++)
			if ((words[p / 64] >> (p % 64)) & 1)
				bytes[p / 8] |= (uint8_t)(1u << (p % 8));
		parts[i] = (pages + 7) / 8;
		used += parts[i];
		free(words);
	}
	res->shape = VMBO_OK_BITMAPS;
	res->bytes = all;
	res->nbytes = used;
	res->parts = parts;
	res->nparts = n;
	return 0;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OP_BUFFER_ASAN 1
#endif
#if __has_feature(memory_sanitizer)
#define OP_BUFFER_MSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(OP_BUFFER_ASAN)
#define OP_BUFFER_ASAN 1
#endif
#ifdef OP_BUFFER_ASAN
#include <sanitizer/asan_interface.h>
#endif
#ifdef OP_BUFFER_MSAN
#include <sanitizer/msan_interface.h>
#endif

/*
 * The buffer a read or a sink fills: @n bytes, kept from one op to the
 * next, since fuzzing runs thousands of ops a second. It is handed out at
 * the start of its allocation and, under ASan, everything past @n is
 * poisoned, so an access outside the op's @n bytes faults as it would in a
 * buffer of exactly @n; under MSan the @n bytes start uninitialised, as
 * malloc's would.
 */
static uint8_t *op_buffer(size_t n)
{
	static uint8_t *buf;
	static size_t cap;

	if (n > cap || buf == NULL) {
#ifdef OP_BUFFER_ASAN
		ASAN_UNPOISON_MEMORY_REGION(buf, cap);
#endif
		free(buf);
		cap = n > 4096 ? n : 4096;
		buf = malloc(cap);
		if (buf == NULL)
			abort();
	}
#ifdef OP_BUFFER_ASAN
	ASAN_UNPOISON_MEMORY_REGION(buf, n);
	ASAN_POISON_MEMORY_REGION(buf + n, cap - n);
#endif
#ifdef OP_BUFFER_MSAN
	__msan_allocated_memory(buf, n);
#endif
	return buf;
}

/* The outcomes most ops have: "ok N", "ok N HEX", "ok HEX" and "ok 0xV". */
static void ok_count(struct vmbo_result *res, uint64_t done)
{
	res->shape = VMBO_OK_COUNT;
	res->count = done;
}

static void ok_count_hex(struct vmbo_result *res, uint64_t done, const uint8_t *p, size_t n)
{
	res->shape = VMBO_OK_COUNT_HEX;
	res->count = done;
	res->bytes = p;
	res->nbytes = n;
}

static void ok_hex(struct vmbo_result *res, const uint8_t *p, size_t n)
{
	res->shape = VMBO_OK_HEX;
	res->bytes = p;
	res->nbytes = n;
}

static void ok_value(struct vmbo_result *res, uint64_t v)
{
	res->shape = VMBO_OK_VALUE;
	res->value = v;
}

/* The outcome of an op vmbo_typed_guest_op() ran, as vmbo_run() gives it. */
static void ok_typed(struct vmbo_result *res, const struct vmbo_op *op, const uint8_t *buf,
		     uint64_t v, size_t done)
{
	if (vmbo_is_rmw(op->kind)) {
		ok_value(res, v);
		return;
	}
	switch (op->kind) {
	case VMBO_WRITE:
		ok_count(res, done);
		break;
	case VMBO_READ:
		ok_count_hex(res, done, buf, done);
		break;
	case VMBO_READ_SLICE:
	case VMBO_READ_WHOLE:
		ok_hex(res, buf, op->n);
		break;
	case VMBO_READ_OBJ:
	case VMBO_LOAD:
		ok_value(res, v);
		break;
	default:
		res->shape = VMBO_OK;
		break;
	}
}

/* "err": the code, and its details when the call filled them for this code. */
static void err_result(struct vmbo_result *res, int rc, const struct vmb_error *e)
{
	res->shape = VMBO_ERR;
	if (e->code == rc) {
		res->err = *e;
	} else {
		memset(&res->err, 0, sizeof(res->err));
		res->err.code = rc;
	}
}

/* What the sink took: a growable one's bytes are copied into @buf (its
 * capacity is @buf's), so both kinds report from one buffer. */
static size_t vec_result(const struct vmb_vec_sink *v, bool vec, uint8_t *buf, size_t buf_len)
{
	if (!vec)
		return buf_len;
	if (v->len > 0)
		memcpy(buf, v->data, v->len);
	return v->len;
}

int vmbo_run(struct vmbo_env *env, const struct vmbo_op *op, struct vmbo_result *res)
{
	struct vmb_bytes b = env->bytes;
	struct vmb_error e = { 0 };
	struct vmb_buf_source bsrc;
	struct vmb_buf_sink bsink;
	struct vmb_vec_sink vsink;
	/* Every other write_to/write_all_to drains into a growable sink of the
	 * same capacity (I4), held to the same expected lines. */
	static _Thread_local unsigned sink_turn;
	bool vec = (op->kind == VMBO_WRITE_TO || op->kind == VMBO_WRITE_ALL_TO) && (sink_turn++ & 1);
	struct vmb_fault_source fsrc;
	struct vmb_fault_sink fsink;
	struct vmb_source *src = &bsrc.base;
	struct vmb_sink *sink = &bsink.base;
	uint8_t *buf = NULL;
	uint64_t v = 0;
	size_t done = 0;
	int rc = 0;

	res->shape = VMBO_OK;
	res->known = NULL;
	res->bytes = NULL;
	res->nbytes = 0;
	res->parts = NULL;
	res->nparts = 0;
	/* Host byte order: the low op->width bytes of the value (little-endian). */
	if (op->kind == VMBO_READ || op->kind == VMBO_READ_SLICE || op->kind == VMBO_READ_WHOLE ||
	    op->kind == VMBO_WRITE_TO || op->kind == VMBO_WRITE_ALL_TO) {
		size_t need = op->kind == VMBO_WRITE_TO || op->kind == VMBO_WRITE_ALL_TO ? op->cap : op->n;

		buf = op_buffer(need ? need : 1);
	}
	/* Each op gets a fresh source and sink, behind its fault plan if any
	 * (the parser made the plan valid, so I2 refuses none of them). */
	if (vmb_buf_source_init(&bsrc, op->data, op->len) != 0 ||
	    vmb_buf_sink_init(&bsink, buf, buf ? op->cap : 0) != 0 ||
	    vmb_vec_sink_init(&vsink, op->cap) != 0 ||
	    (op->nfaults > 0 &&
	     (vmb_fault_source_init(&fsrc, &bsrc.base, op->faults, op->nfaults, false) != 0 ||
	      vmb_fault_sink_init(&fsink, vec ? &vsink.base : &bsink.base, op->faults, op->nfaults,
				  false) != 0))) {
		e.code = rc = VMB_EINVALID_ARGUMENT;
		err_result(res, rc, &e);
		return rc;
	}
	if (vec)
		sink = &vsink.base;
	if (op->nfaults > 0) {
		src = &fsrc.base;
		sink = &fsink.base;
	}
	if (env->guest != NULL && (env->ops_run++ & 1) != 0 &&
	    vmbo_typed_guest_op(env->guest, op, buf, &v, &done, &rc, &e)) {
		if (rc == 0)
			ok_typed(res, op, buf, v, done);
		else
			err_result(res, rc, &e);
		return rc;
	}
	if (vmbo_is_rmw(op->kind)) {
		struct vmb_rmw r = vmbo_rmw_of(op);

		rc = vmb_bytes_rmw(b, op->addr, op->width, &r, &v, &e);
		if (rc == 0)
			ok_value(res, v);
		else
			err_result(res, rc, &e);
		return rc;
	}
	switch (op->kind) {
	case VMBO_WRITE:
		rc = vmb_bytes_write(b, op->addr, op->data, op->len, &done, &e);
		if (rc == 0)
			ok_count(res, done);
		break;
	case VMBO_READ:
		rc = vmb_bytes_read(b, op->addr, buf, op->n, &done, &e);
		if (rc == 0)
			ok_count_hex(res, done, buf, done);
		break;
	case VMBO_WRITE_SLICE:
		rc = vmb_bytes_write_slice(b, op->addr, op->data, op->len, &e);
		break;
	case VMBO_READ_SLICE:
		rc = vmb_bytes_read_slice(b, op->addr, buf, op->n, &e);
		if (rc == 0)
			ok_hex(res, buf, op->n);
		break;
	case VMBO_WRITE_OBJ:
		v = op->value;
		rc = vmb_bytes_write_obj(b, op->addr, &v, op->width, &e);
		break;
	case VMBO_READ_OBJ:
		rc = vmb_bytes_read_obj(b, op->addr, &v, op->width, &e);
		if (rc == 0)
			ok_value(res, v);
		break;
	case VMBO_STORE:
		rc = vmb_bytes_store(b, op->addr, op->width, vmb_ordering_of(op->order), op->value, &e);
		break;
	case VMBO_LOAD:
		rc = vmb_bytes_load(b, op->addr, op->width, vmb_ordering_of(op->order), &v, &e);
		if (rc == 0)
			ok_value(res, v);
		break;
	case VMBO_READ_FROM:
		rc = vmb_bytes_read_volatile_from(b, op->addr, src, op->n, &done, &e);
		if (rc == 0)
			ok_count(res, done);
		break;
	case VMBO_READ_EXACT_FROM:
		rc = vmb_bytes_read_exact_volatile_from(b, op->addr, src, op->n, &e);
		break;
	case VMBO_WRITE_TO:
		rc = vmb_bytes_write_volatile_to(b, op->addr, sink, op->n, &done, &e);
		if (rc == 0)
			ok_count_hex(res, done, buf, vec_result(&vsink, vec, buf, bsink.len));
		break;
	case VMBO_WRITE_ALL_TO:
		rc = vmb_bytes_write_all_volatile_to(b, op->addr, sink, op->n, &e);
		if (rc == 0)
			ok_hex(res, buf, vec_result(&vsink, vec, buf, bsink.len));
		break;
	case VMBO_WRITE_WHOLE:
		rc = vmb_bytes_write_whole(b, op->addr, op->data, op->len, &e);
		break;
	case VMBO_READ_WHOLE:
		rc = vmb_bytes_read_whole(b, op->addr, buf, op->n, &e);
		if (rc == 0)
			ok_hex(res, buf, op->n);
		break;
	case VMBO_DIRTY:
		return run_dirty(env, res);
	default:
		rc = VMB_EINVALID_ARGUMENT;
		e.code = rc;
		break;
	}
	vmb_vec_sink_free(&vsink);
	if (rc != 0)
		err_result(res, rc, &e);
	return rc;
}

int vmbo_exec(struct vmbo_env *env, const struct vmbo_op *op, struct vmbo_text *out)
{
	struct vmbo_result res;
	int rc = vmbo_run(env, op, &res);

	vmbo_format_result(out, &res);
	return rc;
}

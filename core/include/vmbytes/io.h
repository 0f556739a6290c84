/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Sources and sinks for volatile I/O (SPEC section 4).
 *
 * A source fills guest memory, a sink drains it. Both are small structs
 * whose first member is the interface, so a caller embeds them in its own
 * state (the way struct vmb_fd_source does) and passes a pointer to the
 * interface. Guest memory may be shared with another party: an
 * implementation that copies must use vmb_copy(), never plain memcpy, so
 * that S10 holds.
 */
#ifndef VMBYTES_IO_H
#define VMBYTES_IO_H

#include <stdbool.h>
#include <sys/types.h>

#include "common.h"

VMB_BEGIN_DECLS

struct vmb_source;
struct vmb_sink;

/*
 * One read of at most @n bytes into @dst (I1). Return: the count moved
 * (0 means end of data) or a negative errno. @n is never 0.
 */
typedef ssize_t (*vmb_source_read_fn)(struct vmb_source *self, void *dst, size_t n);

/*
 * Optional (I3): the number of bytes the source is certain to deliver
 * before end of data, so that an exact read longer than that can fail
 * without copying anything. NULL: unknown, the exact read copies what it
 * gets and then fails.
 */
typedef size_t (*vmb_source_avail_fn)(const struct vmb_source *self);

/* One write of at most @n bytes from @src. Return: the count or -errno. */
typedef ssize_t (*vmb_sink_write_fn)(struct vmb_sink *self, const void *src, size_t n);

struct vmb_source {
	vmb_source_read_fn read;
	vmb_source_avail_fn available;
};

struct vmb_sink {
	vmb_sink_write_fn write;
};

/* A file descriptor: one read(2) per call; any fd (file, pipe, socket). */
struct vmb_fd_source {
	struct vmb_source base;
	int fd;
};

/* A file descriptor: one write(2) per call. */
struct vmb_fd_sink {
	struct vmb_sink base;
	int fd;
};

/* A memory buffer read with a cursor: a read consumes. */
struct vmb_buf_source {
	struct vmb_source base;
	const uint8_t *data;
	size_t len;
	size_t pos;
};

/* A memory buffer written with a cursor: a write appends up to @cap. */
struct vmb_buf_sink {
	struct vmb_sink base;
	uint8_t *data;
	size_t cap;
	size_t len;
};

/* What a fault injector does on one call. */
/* A sink into a buffer it grows itself (the reference's Vec<u8> writer). */
struct vmb_vec_sink {
	struct vmb_sink base;
	uint8_t *data; /* what it took: data[0 .. len); owned, NULL while empty */
	size_t len;
	size_t cap;    /* bytes allocated */
	size_t max;    /* it never holds more */
};

enum vmb_fault_kind {
	VMB_FAULT_PASS = 0,   /* forward the call unchanged */
	VMB_FAULT_SHORT = 1,  /* forward at most @arg bytes (arg >= 1) */
	VMB_FAULT_EINTR = 2,  /* fail with EINTR, move nothing */
	VMB_FAULT_EAGAIN = 3, /* fail with EAGAIN, move nothing */
	VMB_FAULT_EIO = 4,    /* fail with EIO, move nothing */
	VMB_FAULT_EOF = 5,    /* report end of data (source) or 0 accepted (sink) */
};

struct vmb_fault {
	enum vmb_fault_kind kind;
	size_t arg;
};

/*
 * A fault injector (I2): call i follows plan[i]; past the plan it passes
 * every call through, or starts over when @cycle is set.
 */
struct vmb_fault_source {
	struct vmb_source base;
	struct vmb_source *inner;
	const struct vmb_fault *plan;
	size_t nplan;
	size_t step;
	bool cycle;
};

struct vmb_fault_sink {
	struct vmb_sink base;
	struct vmb_sink *inner;
	const struct vmb_fault *plan;
	size_t nplan;
	size_t step;
	bool cycle;
};

/**
 * vmb_fd_source_init() - make @s read from @fd.
 * Return: 0; VMB_EINVALID_ARGUMENT for NULL @s or a negative @fd. I2.
 */
VMB_NODISCARD
VMB_API int vmb_fd_source_init(struct vmb_fd_source *s, int fd);

/**
 * vmb_fd_sink_init() - make @s write to @fd.
 * Return: 0; VMB_EINVALID_ARGUMENT for NULL @s or a negative @fd. I2.
 */
VMB_NODISCARD
VMB_API int vmb_fd_sink_init(struct vmb_fd_sink *s, int fd);

/**
 * vmb_buf_source_init() - make @s deliver the @len bytes at @data.
 * Return: 0; VMB_EINVALID_ARGUMENT for NULL @s, or NULL @data with @len > 0.
 * I2, I3 (it reports what it holds, so exact reads fail without copying).
 */
VMB_NODISCARD
VMB_API int vmb_buf_source_init(struct vmb_buf_source *s, const void *data, size_t len);

/**
 * vmb_buf_sink_init() - make @s accept up to @cap bytes into @data.
 * Return: 0; VMB_EINVALID_ARGUMENT for NULL @s, or NULL @data with @cap > 0.
 * I2: once full, a write accepts 0 bytes.
 */
VMB_NODISCARD
VMB_API int vmb_buf_sink_init(struct vmb_buf_sink *s, void *data, size_t cap);

/**
 * vmb_vec_sink_init() - an empty sink that grows its buffer (doubling, by
 * realloc) to take what it is given, up to @max bytes in all.
 * Return: 0; VMB_EINVALID_ARGUMENT for a NULL @s. I4: a write takes
 * min(n, @max - len) bytes (0 once full, so an exact write gives WriteZero);
 * a buffer that cannot grow fails the write with ENOMEM, keeping what it
 * took. Free it with vmb_vec_sink_free().
 */
VMB_NODISCARD
VMB_API int vmb_vec_sink_init(struct vmb_vec_sink *s, size_t max);

/* vmb_vec_sink_free() - release the buffer and empty the sink; NULL is a no-op. */
VMB_API void vmb_vec_sink_free(struct vmb_vec_sink *s);

/**
 * vmb_fault_source_init() - wrap @inner so that calls follow @plan.
 * @plan: @nplan steps; it must outlive @s. SHORT steps need arg >= 1.
 * Return: 0; VMB_EINVALID_ARGUMENT for NULL pointers, a NULL @plan with
 * @nplan > 0, or an unknown kind or a zero SHORT in @plan. I2.
 */
VMB_NODISCARD
VMB_API int vmb_fault_source_init(struct vmb_fault_source *s, struct vmb_source *inner,
				  const struct vmb_fault *plan, size_t nplan, bool cycle);

/* vmb_fault_sink_init() - the sink twin of vmb_fault_source_init(). I2. */
VMB_NODISCARD
VMB_API int vmb_fault_sink_init(struct vmb_fault_sink *s, struct vmb_sink *inner,
				const struct vmb_fault *plan, size_t nplan, bool cycle);

VMB_END_DECLS

#endif /* VMBYTES_IO_H */

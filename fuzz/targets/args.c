/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * Fuzz target "args": bad arguments to every public function, inline ones
 * included, from the input: NULL pointers, zero, wrapping and huge
 * lengths, invalid widths and orderings, invalid orderings of regions. An
 * input is a list of calls; each picks a function, then each of its
 * arguments from a few classes (NULL or a real pointer; 0, 1, L - 1, L,
 * L + 1, 2^63, SIZE_MAX - k or any value). The result is checked against
 * the header's `Return:` line (and SPEC section 6: a NULL pointer, an
 * invalid ordering or a size that cannot be represented is
 * InvalidArgument, never a crash). Where a header lists errors without
 * saying which comes first, the order is the one bytes.h gives for the
 * generic layer: a missing container first, then S1's empty access, then
 * NULL buffers, sources and sinks, then ranges.
 *
 * A call that crashes (a NULL dereference where the check is missing) is
 * reported as SPEC rule SPEC6 with the call, before the sanitizer's report.
 *
 * Nothing carries over from one input to the next that a check reads:
 * every object a call uses is made for that input (or, for the regions
 * the guest-memory calls arrange, moved into place and emptied first).
 */
/* The experimental tier (vmbytes/experimental.h): tuning, forcing and
 * test hooks. */
#define VMB_EXPERIMENTAL
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args/args.h"


#define MAX_CALLS 24

uint8_t *vmbf__args_page;                 /* page-aligned, 4096 bytes; mem is its start */
uint8_t vmbf__args_pattern[4 * MEM];      /* what writes write */
static char call[256];           /* the call being made, for reports */
static int trace_fd = -1;        /* vmbf_target_decode(): each call's line goes here */
static const struct vmbf_producer *trace_d; /* and the input, to mark where it ran out */
static bool trace_marked;

/* ---- reporting ------------------------------------------------------------ */

static struct sigaction old_segv, old_bus;

/*
 * A crash inside a call: name the call and SPEC 6, then let the handler
 * that was there (the sanitizer's, libFuzzer's or the default) report it,
 * when the faulting instruction runs again.
 */
static void on_fault(int sig)
{
	static const char head[] = "\n==vmbytes oracle== SPEC rule SPEC6 violated\n"
				   "bad input crashed the library (a NULL pointer or an "
				   "impossible size is InvalidArgument, never a crash): ";

	if (write(2, head, sizeof(head) - 1) < 0 || write(2, call, strlen(call)) < 0 ||
	    write(2, "\n", 1) < 0)
		_exit(134);
	sigaction(sig, sig == SIGSEGV ? &old_segv : &old_bus, NULL);
}

__attribute__((format(printf, 1, 2))) void vmbf__args_calling(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(call, sizeof(call), fmt, ap);
	va_end(ap);
	if (trace_fd >= 0) {
		size_t n = strlen(call);

		/* What follows read zeros past the input's end (decode.prefix). */
		if (trace_d && trace_d->ran_out && !trace_marked) {
			trace_marked = true;
			if (write(trace_fd, VMBF_RAN_OUT_LINE, sizeof(VMBF_RAN_OUT_LINE) - 1) !=
			    (ssize_t)(sizeof(VMBF_RAN_OUT_LINE) - 1))
				_exit(1);
		}

		call[n] = '\n';
		if (write(trace_fd, call, n + 1) != (ssize_t)(n + 1))
			_exit(1);
		call[n] = '\0';
#ifdef VMBF_ARGS_PLANTED
		/* Test-only build (fuzz_args_planted_replay): a failing call, for
		 * fuzz/tests/decode_restart.py. Never in a product target. */
		if (strncmp(call, VMBF_ARGS_PLANTED, sizeof(VMBF_ARGS_PLANTED) - 1) == 0)
			abort();
#endif
	}
}

/* The result @got of the current call must be @want (and *@e its details). */
void vmbf__args_result(const char *rule, int got, int want)
{
	if (got != want)
		vmbf_fail(rule, "%s\n  returned %s (%d), documented: %s (%d)", call,
			  vmb_error_name(got), got, vmb_error_name(want), want);
}

void vmbf__args_detail(const char *rule, bool ok, const char *what)
{
	if (!ok)
		vmbf_fail(rule, "%s\n  %s", call, what);
}

/* @e's fields for the documented error @rc. */
void vmbf__args_fields(const char *rule, const struct vmb_error *e, int rc, uint64_t a, uint64_t b)
{
	switch (rc) {
	case VMB_EOUT_OF_BOUNDS:
	case VMB_EINVALID_GUEST_ADDRESS:
		vmbf__args_detail(rule, e->code == rc && e->addr == a, "error address");
		break;
	case VMB_EOVERFLOW:
		vmbf__args_detail(rule, e->code == rc && e->base == a && e->offset == b, "Overflow fields");
		break;
	case VMB_ETOO_BIG:
		vmbf__args_detail(rule, e->code == rc && e->nelements == a && e->size == b, "TooBig fields");
		break;
	case VMB_EMISALIGNED:
		vmbf__args_detail(rule, e->code == rc && e->addr == a && e->alignment == b, "Misaligned fields");
		break;
	case VMB_EPARTIAL_BUFFER:
		vmbf__args_detail(rule, e->code == rc && e->expected == a && e->completed == b,
		       "PartialBuffer fields");
		break;
	case 0:
		break;
	default:
		vmbf__args_detail(rule, e->code == rc, "error code in the details");
	}
}

/* ---- the target ---------------------------------------------------------------------- */

static void (*const calls[])(struct ctx *) = {
	vmbf__args_c_slice_init, vmbf__args_c_views, vmbf__args_c_slice_rw,
	vmbf__args_c_slice_io, vmbf__args_c_slice_atomic, vmbf__args_c_slice_copies,
	vmbf__args_c_bytes, vmbf__args_c_guest_new, vmbf__args_c_guest_calls,
	vmbf__args_c_guest_typed, vmbf__args_c_region, vmbf__args_c_bitmap, vmbf__args_c_io,
	vmbf__args_c_errors, vmbf__args_c_copy, vmbf__args_c_helpers, vmbf__args_c_files,
};
#define NCALLS (sizeof(calls) / sizeof(calls[0]))

static void setup(void)
{
	struct sigaction sa;

	vmbf__args_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vmbf__args_page == MAP_FAILED)
		vmbf_fail("harness", "mmap: %s", strerror(errno));
	for (size_t i = 0; i < sizeof(vmbf__args_pattern); i++)
		vmbf__args_pattern[i] = (uint8_t)(i * 7 + 1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_NODEFER;
	if (sigaction(SIGSEGV, &sa, &old_segv) != 0 || sigaction(SIGBUS, &sa, &old_bus) != 0)
		vmbf_fail("harness", "sigaction: %s", strerror(errno));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmbf_producer d;
	struct ctx c = { .d = &d, .bm_len = 4096 };
	struct vmb_region *r = NULL;
	/* The guest memory's region is the page's second half, 0x1000 + [0, MEM). */
	static struct vmb_region_config gcfg = { .start = 0x1000, .len = MEM };
	static struct vmb_region_config scfg = { .start = 0x2000, .len = MEM };

	if (vmbf__args_page == NULL)
		setup();
	vmbf_producer_init(&d, data, size);
	if (trace_fd >= 0) {
		trace_d = &d;
		trace_marked = false;
	}
	/* The slice: L bytes at a misalignment of 0-7, with or without a bitmap. */
	size_t mis = vmbf_u8(&d) % 8, L = vmbf_range(&d, 0, MEM);
	bool with_bm = vmbf_bool(&d);

	memset(vmbf__args_page, 0, 4096);
	if (vmb_bitmap_new(4096, 16, &c.bm) != 0 || vmb_slice_init(&c.s, vmbf__args_page + mis, L) != 0 ||
	    (with_bm && vmb_slice_set_bitmap(&c.s, c.bm, mis) != 0))
		vmbf_fail("harness", "the input's slice");
	/* Regions over memory this target owns would need a file; anonymous ones, made per input. */
	if (vmb_region_new(&gcfg, &r, NULL) != 0 || vmb_guest_new(&r, 1, &c.g, NULL) != 0 ||
	    vmb_region_new(&scfg, &c.spare, NULL) != 0)
		vmbf_fail("harness", "the input's guest memory");
	for (int i = 0; i < MAX_CALLS && !vmbf_done(&d); i++)
		calls[vmbf_u8(&d) % NCALLS](&c);
	vmb_region_free(c.spare);
	vmb_guest_free(c.g);
	vmb_bitmap_free(c.bm);
	call[0] = '\0';
	return 0;
}

/*
 * The calls as they run, one line each with its argument classes. A child
 * process runs them and writes each line before its call, so that an input
 * that fails (the oracle's abort, a crash) still decodes up to and
 * including the failing call.
 *
 * The child is kept for the next input (a sanitizer's fork copies its
 * shadow's page tables: under MSan a fork per input made decoding the args
 * corpus 50 times slower than replaying it): it reads an input as a
 * length and the bytes, runs it, and ends its lines with one NUL byte
 * (lines are text and never hold one). A child that dies instead is
 * reaped and reported, and the next input gets a new one.
 */
static pid_t dec_pid = -1;
static int dec_in = -1, dec_out = -1; /* the child's input socket, its trace pipe */

static bool read_full(int fd, void *buf, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, (uint8_t *)buf + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

static bool send_full(int fd, const void *buf, size_t n)
{
	for (size_t sent = 0; sent < n;) {
		/* MSG_NOSIGNAL: a dead child is an error here, not a SIGPIPE. */
		ssize_t r = send(fd, (const uint8_t *)buf + sent, n - sent, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		sent += (size_t)r;
	}
	return true;
}

static void decode_child(void)
{
	uint8_t *data = NULL;
	uint64_t len;

	while (read_full(dec_in, &len, sizeof(len))) {
		if (len > SIZE_MAX || (data = realloc(data, len ? (size_t)len : 1)) == NULL ||
		    !read_full(dec_in, data, (size_t)len))
			_exit(1);
		LLVMFuzzerTestOneInput(data, (size_t)len);
		if (write(trace_fd, "", 1) != 1)
			_exit(1);
	}
	_exit(0); /* the parent closed its end: no more inputs */
}

/* The child is gone (or must go): close its descriptors, reap it, and
 * return its wait status. */
static int decode_reap(void)
{
	int st = 0;

	close(dec_in);
	close(dec_out);
	dec_in = dec_out = -1;
	while (waitpid(dec_pid, &st, 0) < 0 && errno == EINTR)
		;
	dec_pid = -1;
	return st;
}

static void decode_stop(void)
{
	if (dec_pid > 0)
		decode_reap();
}

static void decode_start(void)
{
	int sv[2], fds[2];
	static bool registered;

	fflush(NULL); /* nothing buffered is written twice */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
	    pipe2(fds, O_CLOEXEC) != 0 || (dec_pid = fork()) < 0)
		vmbf_fail("harness", "socketpair/pipe/fork: %s", strerror(errno));
	if (dec_pid == 0) {
		close(sv[0]);
		close(fds[0]);
		dec_in = sv[1];
		trace_fd = fds[1];
		decode_child();
	}
	close(sv[1]);
	close(fds[1]);
	dec_in = sv[0];
	dec_out = fds[0];
	if (!registered && atexit(decode_stop) == 0)
		registered = true;
}

void vmbf_target_decode(const uint8_t *data, size_t size, struct vmbo_text *out)
{
	char buf[4096];
	uint64_t len = size;
	ssize_t n;
	bool ended = false;

	vmbo_text_printf(out, "# args target\n");
	if (dec_pid < 0)
		decode_start();
	if (!send_full(dec_in, &len, sizeof(len)) || !send_full(dec_in, data, size))
		vmbf_fail("harness", "sending an input to the decode child: %s", strerror(errno));
	while (!ended && ((n = read(dec_out, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))) {
		if (n <= 0)
			continue;
		/* The NUL is the input's last byte from the child: it waits for
		 * the next input before it writes again. */
		if (buf[n - 1] == '\0') {
			ended = true;
			n--;
		}
		vmbo_text_put(out, buf, (size_t)n);
	}
	if (ended)
		return;
	int st = decode_reap();

	vmbo_text_printf(out, "# the input fails at the call above (%s %d): run it for the report\n",
			 WIFSIGNALED(st) ? "signal" : "exit status",
			 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
}


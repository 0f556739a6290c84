/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CASES 512

static struct {
	const char *name;
	vmbt_fn fn;
} cases[MAX_CASES];
static size_t ncases;
static unsigned failures;
static bool skipped;
static const char *current;

void vmbt_register(const char *name, vmbt_fn fn)
{
	if (ncases == MAX_CASES) {
		fprintf(stderr, "harness: more than %d cases\n", MAX_CASES);
		exit(2);
	}
	cases[ncases].name = name;
	cases[ncases].fn = fn;
	ncases++;
}

void vmbt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: [%s] ", file, line, current ? current : "?");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

void vmbt_skip(const char *why)
{
	fprintf(stderr, "[%s] skipped: %s\n", current ? current : "?", why);
	skipped = true;
}

/* Runs one case; returns 0 pass, 1 fail, 77 skip. */
static int run_case(size_t i)
{
	unsigned before = failures;

	current = cases[i].name;
	skipped = false;
	cases[i].fn();
	current = NULL;
	if (failures != before)
		return 1;
	return skipped ? 77 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < ncases; i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	if (argc == 2) {
		for (size_t i = 0; i < ncases; i++)
			if (strcmp(cases[i].name, argv[1]) == 0)
				return run_case(i);
		fprintf(stderr, "no test case named '%s' (try --list)\n", argv[1]);
		return 2;
	}
	if (argc > 2) {
		fprintf(stderr, "usage: %s [--list | CASE]\n", argv[0]);
		return 2;
	}

	unsigned passed = 0, failed = 0, skips = 0;

	for (size_t i = 0; i < ncases; i++) {
		int r = run_case(i);

		printf("%-4s %s\n", r == 0 ? "ok" : r == 77 ? "skip" : "FAIL", cases[i].name);
		passed += r == 0;
		failed += r == 1;
		skips += r == 77;
	}
	printf("%u passed, %u failed, %u skipped\n", passed, failed, skips);
	return failed ? 1 : 0;
}

void vmbt_guarded_alloc(struct vmbt_guarded *g, size_t len, bool at_start)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t body = (len + page - 1) / page * page;

	if (body == 0)
		body = page;
	g->map_len = body + 2 * page;
	g->map = mmap(NULL, g->map_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->map == MAP_FAILED ||
	    mprotect((uint8_t *)g->map + page, body, PROT_READ | PROT_WRITE) != 0) {
		perror("harness: guarded buffer");
		abort();
	}
	g->len = len;
	g->p = at_start ? (uint8_t *)g->map + page : (uint8_t *)g->map + page + body - len;
}

void vmbt_guarded_free(struct vmbt_guarded *g)
{
	if (g->map)
		munmap(g->map, g->map_len);
	memset(g, 0, sizeof(*g));
}

void vmbt_fill_pattern(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + 1 + i * 31 + (i >> 8));
}

/* The n of a call to a spy: counted, and the first few remembered. */
static void spy_note(size_t *calls, size_t *zero_calls, size_t *last, size_t *asked, size_t n)
{
	if (*calls < 8)
		asked[*calls] = n;
	(*calls)++;
	*zero_calls += n == 0;
	*last = n;
}

static ssize_t spy_read(struct vmb_source *self, void *dst, size_t n)
{
	struct vmbt_spy_source *s = (struct vmbt_spy_source *)(void *)self;

	spy_note(&s->calls, &s->zero_calls, &s->last_asked, s->asked, n);
	return s->inner ? s->inner->read(s->inner, dst, n) : -EIO;
}

static size_t spy_available(const struct vmb_source *self)
{
	const struct vmbt_spy_source *s = (const struct vmbt_spy_source *)(const void *)self;

	return s->inner->available(s->inner);
}

static ssize_t spy_write(struct vmb_sink *self, const void *src, size_t n)
{
	struct vmbt_spy_sink *s = (struct vmbt_spy_sink *)(void *)self;

	spy_note(&s->calls, &s->zero_calls, &s->last_asked, s->asked, n);
	return s->inner ? s->inner->write(s->inner, src, n) : -EIO;
}

void vmbt_spy_source_init(struct vmbt_spy_source *s, struct vmb_source *inner)
{
	memset(s, 0, sizeof(*s));
	s->base.read = spy_read;
	s->inner = inner;
}

void vmbt_spy_source_init_available(struct vmbt_spy_source *s, struct vmb_source *inner)
{
	vmbt_spy_source_init(s, inner);
	/* Keep what the inner source knows (I3). */
	if (inner != NULL && inner->available != NULL)
		s->base.available = spy_available;
}

void vmbt_spy_sink_init(struct vmbt_spy_sink *s, struct vmb_sink *inner)
{
	memset(s, 0, sizeof(*s));
	s->base.write = spy_write;
	s->inner = inner;
}

bool vmbt_child_start(struct vmbo_child *c, size_t len)
{
	int rc = vmbo_child_start(c, len);

	if (rc != 0)
		vmbt_fail(__FILE__, __LINE__, "remote child did not start: %s", strerror(-rc));
	return rc == 0;
}

void vmbt_child_stop(struct vmbo_child *c)
{
	CHECK_EQ(vmbo_child_stop(c), 0);
}

void vmbt_child_peek(struct vmbo_child *c, uint64_t off, void *buf, size_t n)
{
	if (!vmbo_child_peek(c, off, buf, n)) {
		vmbt_fail(__FILE__, __LINE__, "peek failed");
		memset(buf, 0xee, n);
	}
}

void vmbt_child_poke(struct vmbo_child *c, uint64_t off, const void *buf, size_t n)
{
	if (!vmbo_child_poke(c, off, buf, n))
		vmbt_fail(__FILE__, __LINE__, "poke failed");
}

int vmbt_wait_exit(pid_t pid)
{
	int status = 0;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int vmbt_temp_file(size_t len)
{
	int fd = memfd_create("vmbytes-test", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, (off_t)len) != 0) {
		perror("harness: temp file");
		abort();
	}
	return fd;
}

int vmbt_disk_file(size_t len)
{
	int fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0) {
		char path[] = "/tmp/vmbt-XXXXXX";

		fd = mkstemp(path);
		if (fd >= 0)
			unlink(path);
	}
	if (fd < 0 || ftruncate(fd, (off_t)len) != 0) {
		perror("harness: disk file");
		abort();
	}
	return fd;
}

/*
 * Runs @touch in a forked child (no core dump, default SIGSEGV action, so
 * that a sanitizer's handler does not turn the fault into an exit code) and
 * returns the child's wait status.
 */
int vmbt_touch_in_child(volatile uint8_t *p, bool write)
{
	fflush(NULL);
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit no_core = { 0, 0 };
		struct sigaction sa;

		setrlimit(RLIMIT_CORE, &no_core);
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
		if (write)
			*p = 1;
		else
			(void)*p;
		_exit(0);
	}
	int status = 0;

	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

bool vmbt_died_of_segv(int status)
{
	return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The copy entry point (S10): results for every small size and alignment,
 * overlapping moves, and the tear test: a writer flips aligned objects
 * between all-zero and all-one bytes while a reader must never see a mix.
 */
/* The experimental tier (vmbytes/experimental.h): tuning, forcing and
 * test hooks. */
#define VMB_EXPERIMENTAL
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* Deterministic bytes, so that a wrong copy cannot match by chance. */
static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + 1);
}

/* Every size vmb_copy() does inline (to 63 bytes: each set of offsets
 * its head and tail moves can take) and a few above, at 16 x 16 offsets;
 * the bytes around the copy must not change. */
TEST(S10_copy_matches_memcpy_all_small_sizes_and_alignments)
{
	_Alignas(64) uint8_t src[128], dst[128], want[128];

	for (size_t n = 0; n <= 72; n++)
		for (size_t so = 0; so < 16; so++)
			for (size_t d_off = 0; d_off < 16; d_off++) {
				fill(src, sizeof(src), (unsigned)(n + so));
				fill(dst, sizeof(dst), 99);
				memcpy(want, dst, sizeof(want));
				memcpy(want + d_off, src + so, n);
				vmb_copy(dst + d_off, src + so, n);
				if (memcmp(dst, want, sizeof(dst)) != 0) {
					vmbt_fail(__FILE__, __LINE__, "n=%zu src+%zu dst+%zu", n, so,
						  d_off);
					return;
				}
			}
}

TEST(S10_copy_large_sizes_at_guard_pages)
{
	static const size_t sizes[] = { 9, 63, 64, 65, 4095, 4096, 4097, 2111, 2112, 2113 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct vmbt_guarded s, d;
		size_t n = sizes[i];

		/* Both buffers end at a PROT_NONE page: an overrun faults. */
		vmbt_guarded_alloc(&s, n, false);
		vmbt_guarded_alloc(&d, n, false);
		fill(s.p, n, (unsigned)n);
		vmb_copy(d.p, s.p, n);
		CHECK_MEM(d.p, s.p, n);
		vmbt_guarded_free(&s);
		vmbt_guarded_free(&d);
	}
}

TEST(S10_move_overlapping_matches_memmove)
{
	_Alignas(64) uint8_t a[96], b[96];

	for (size_t n = 0; n <= 24; n++)
		for (size_t from = 0; from < 24; from++)
			for (size_t to = 0; to < 24; to++) {
				fill(a, sizeof(a), (unsigned)n);
				memcpy(b, a, sizeof(b));
				memmove(b + to, b + from, n);
				vmb_move(a + to, a + from, n);
				if (memcmp(a, b, sizeof(a)) != 0) {
					vmbt_fail(__FILE__, __LINE__, "n=%zu from=%zu to=%zu", n,
						  from, to);
					return;
				}
			}
}

/* ---- strategies ---------------------------------------------------------- */

/* Every available strategy against memcpy: sizes around each block edge,
 * every source and destination offset to 64, buffers ending at guard pages. */
TEST(S10_every_strategy_matches_memcpy)
{
	static const size_t sizes[] = { 0,   1,   7,   8,   9,   15,  16,   17,   31,   32,  33,
					63,  64,  65,  127, 128, 129, 255,  256,  257,  300, 1000,
					2111, 2112, 2113, 4095, 4096, 4097, 8191, 65537 };
	struct vmbt_guarded s, d;
	unsigned tried = 0;

	vmbt_guarded_alloc(&s, 65537 + 64, false);
	vmbt_guarded_alloc(&d, 65537 + 64, false);
	for (int st = 0; st < VMB_COPY_STRATEGY_COUNT; st++) {
		if (!vmb_copy_strategy_available((enum vmb_copy_strategy)st))
			continue;
		tried++;
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			for (size_t so = 0; so < 64; so += 7)
				for (size_t dof = 0; dof < 64; dof += 9) {
					size_t n = sizes[i];
					/* Place the copy so that it ends at the guard page when it can. */
					uint8_t *src = s.p + (s.len - n - so), *dst = d.p + (d.len - n - dof);

					fill(s.p, s.len, (unsigned)(n + so + dof));
					memset(d.p, 0x5a, d.len);
					CHECK_RC(vmb_copy_strategy_copy((enum vmb_copy_strategy)st, dst, src, n), 0);
					if (memcmp(dst, src, n) != 0 || (dst > d.p && dst[-1] != 0x5a)) {
						vmbt_fail(__FILE__, __LINE__, "%s: n=%zu src+%zu dst+%zu",
							  vmb_copy_strategy_name((enum vmb_copy_strategy)st), n,
							  so, dof);
						goto out;
					}
				}
	}
	/* libc_dispatched, bytes, words, reference and default exist everywhere. */
	CHECK(tried >= 5);
out:
	vmbt_guarded_free(&s);
	vmbt_guarded_free(&d);
}

TEST(S10_strategy_names_force_and_tuning)
{
	struct vmb_copy_tuning t, saved;
	uint8_t a[64] = { 1 }, b[64];

	for (int st = 0; st < VMB_COPY_STRATEGY_COUNT; st++)
		CHECK_EQ(vmb_copy_strategy_from_name(vmb_copy_strategy_name((enum vmb_copy_strategy)st)), st);
	CHECK_EQ(vmb_copy_strategy_from_name("nonsense"), -1);
	CHECK(strcmp(vmb_copy_strategy_name((enum vmb_copy_strategy)99), "?") == 0);
	CHECK(!vmb_copy_strategy_available((enum vmb_copy_strategy)99));
	CHECK_RC(vmb_copy_strategy_copy((enum vmb_copy_strategy)99, b, a, 1), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_copy_strategy_copy(VMB_COPY_LIBC, NULL, a, 1), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_copy_force((enum vmb_copy_strategy)99), VMB_EINVALID_ARGUMENT);
	/* Forcing routes vmb_copy() of more than 8 bytes; default restores. */
	CHECK_RC(vmb_copy_force(VMB_COPY_BYTES), 0);
	CHECK_EQ(vmb_copy_forced(), VMB_COPY_BYTES);
	vmb_copy(b, a, sizeof(a));
	CHECK_MEM(a, b, sizeof(a));
	CHECK_RC(vmb_copy_force(VMB_COPY_DEFAULT), 0);
	CHECK_EQ(vmb_copy_forced(), VMB_COPY_DEFAULT);
	/* Tuning: refused when inconsistent, in force when accepted. */
	vmb_copy_get_tuning(&saved);
	t = saved;
	t.movsb_min = 100, t.movsb_max = 10;
	CHECK_RC(vmb_copy_set_tuning(&t), VMB_EINVALID_ARGUMENT);
	t = saved;
	t.block = VMB_COPY_BYTES;
	CHECK_RC(vmb_copy_set_tuning(&t), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_copy_set_tuning(NULL), VMB_EINVALID_ARGUMENT);
	t = saved;
	t.block = VMB_COPY_LIBC;
	t.nt_min = SIZE_MAX;
	CHECK_RC(vmb_copy_set_tuning(&t), 0);
	vmb_copy_get_tuning(&t);
	CHECK(t.block == VMB_COPY_LIBC && t.nt_min == SIZE_MAX);
	vmb_copy(b, a, sizeof(a));
	CHECK_MEM(a, b, sizeof(a));
	CHECK_RC(vmb_copy_set_tuning(&saved), 0);
}

/* Whether /proc/cpuinfo names an AMD CPU of family 1Ah (26): the one the
 * built-in size classes were measured on; -1 when it cannot tell. */
static int cpuinfo_amd_family_1a(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512];
	int amd = -1, fam = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) && (amd < 0 || fam < 0)) {
		if (strncmp(line, "vendor_id", 9) == 0)
			amd = strstr(line, "AuthenticAMD") != NULL;
		else if (strncmp(line, "cpu family", 10) == 0 && strchr(line, ':'))
			fam = atoi(strchr(line, ':') + 1);
	}
	fclose(f);
	return amd < 0 || fam < 0 ? -1 : amd == 1 && fam == 26;
}

/* The built-in thresholds (no VMB_COPY_TUNING): on the CPU they were
 * measured on (AMD family 1Ah with AVX-512), the AVX-512 classes, rep
 * movsb from 24 KiB and streaming stores from 8 MiB; anywhere else memcpy
 * itself, no large class (never slower than memcpy). */
TEST(S10_built_in_tuning)
{
	struct vmb_copy_tuning t;
	int known = cpuinfo_amd_family_1a();

	if (getenv("VMB_COPY_TUNING") != NULL) /* NOLINT(concurrency-mt-unsafe) */
		return; /* a tuning file replaced them */
	if (known < 0)
		return; /* nothing to compare with */
	known = known && vmb_copy_strategy_available(VMB_COPY_AVX512) &&
		vmb_copy_strategy_available(VMB_COPY_NT) &&
		vmb_copy_strategy_available(VMB_COPY_REP_MOVSB);
	vmb_copy_get_tuning(&t);
	CHECK_EQ(t.block, known ? VMB_COPY_AVX512 : VMB_COPY_LIBC);
	CHECK_EQ(t.movsb_min, known ? (size_t)24 << 10 : 0);
	CHECK_EQ(t.movsb_max, known ? (size_t)8 << 20 : 0);
	CHECK_EQ(t.nt_min, known ? (size_t)8 << 20 : SIZE_MAX);
	/* Above 8 bytes, copies are memcpy's or the dispatcher's own. */
	CHECK_EQ(vmb_copy_strategy_for(9), VMB_COPY_DEFAULT);
	CHECK_EQ(vmb_copy_strategy_for(63), VMB_COPY_DEFAULT);
	CHECK_EQ(vmb_copy_strategy_for(64), known ? VMB_COPY_DEFAULT : VMB_COPY_LIBC);
	CHECK_EQ(vmb_copy_strategy_for(512), known ? VMB_COPY_DEFAULT : VMB_COPY_LIBC);
	CHECK_EQ(vmb_copy_strategy_for(513), known ? VMB_COPY_AVX512 : VMB_COPY_LIBC);
}

/* The size classes as vmb_copy_strategy_for() reports them, on both sides
 * of every threshold, tuned and forced. */
TEST(S10_size_classes_at_every_threshold)
{
	struct vmb_copy_tuning t, saved;
	enum vmb_copy_strategy block = vmb_copy_strategy_available(VMB_COPY_AVX2) ? VMB_COPY_AVX2
										 : VMB_COPY_LIBC;
	bool movsb = vmb_copy_strategy_available(VMB_COPY_REP_MOVSB);
	bool nt = vmb_copy_strategy_available(VMB_COPY_NT);

	vmb_copy_get_tuning(&saved);
	t.block = block;
	t.movsb_min = movsb ? 4096 : 0;
	t.movsb_max = movsb ? 65536 : 0;
	t.nt_min = nt ? (size_t)1 << 20 : SIZE_MAX;
	CHECK_RC(vmb_copy_set_tuning(&t), 0);
	/* The head and tail blocks of vmb_copy() (to 63 bytes) and of the
	 * dispatcher (to 256 bytes with AVX2); above them with libc, memcpy. */
	size_t own = block == VMB_COPY_AVX2 ? 256 : 63;

	CHECK_EQ(vmb_copy_strategy_for(0), VMB_COPY_DEFAULT);
	CHECK_EQ(vmb_copy_strategy_for(8), VMB_COPY_DEFAULT);
	CHECK_EQ(vmb_copy_strategy_for(9), VMB_COPY_DEFAULT);
	CHECK_EQ(vmb_copy_strategy_for(own), VMB_COPY_DEFAULT);
	CHECK_EQ(vmb_copy_strategy_for(own + 1), block);
	CHECK_EQ(vmb_copy_strategy_for(4095), block);
	CHECK_EQ(vmb_copy_strategy_for(4096), movsb ? VMB_COPY_REP_MOVSB : block);
	CHECK_EQ(vmb_copy_strategy_for(65535), movsb ? VMB_COPY_REP_MOVSB : block);
	CHECK_EQ(vmb_copy_strategy_for(65536), block);
	CHECK_EQ(vmb_copy_strategy_for(((size_t)1 << 20) - 1), block);
	CHECK_EQ(vmb_copy_strategy_for((size_t)1 << 20), nt ? VMB_COPY_NT : block);
	CHECK_EQ(vmb_copy_strategy_for(SIZE_MAX), nt ? VMB_COPY_NT : block);
	/* No rep movsb window: the block class reaches nt_min. */
	t.movsb_min = t.movsb_max = 0;
	CHECK_RC(vmb_copy_set_tuning(&t), 0);
	CHECK_EQ(vmb_copy_strategy_for(4096), block);
	CHECK_EQ(vmb_copy_strategy_for(((size_t)1 << 20) - 1), block);
	/* Streaming from 0: every copy above the inline sizes streams. */
	if (nt) {
		t.nt_min = 0;
		CHECK_RC(vmb_copy_set_tuning(&t), 0);
		CHECK_EQ(vmb_copy_strategy_for(own), VMB_COPY_DEFAULT);
		CHECK_EQ(vmb_copy_strategy_for(own + 1), VMB_COPY_NT);
		t.nt_min = (size_t)1 << 20;
		CHECK_RC(vmb_copy_set_tuning(&t), 0);
	}
	/* Forced: everything above 8 bytes, whatever the thresholds. */
	CHECK_RC(vmb_copy_force(VMB_COPY_WORDS), 0);
	CHECK_EQ(vmb_copy_strategy_for(8), VMB_COPY_DEFAULT);
	CHECK_EQ(vmb_copy_strategy_for(9), VMB_COPY_WORDS);
	CHECK_EQ(vmb_copy_strategy_for((size_t)1 << 20), VMB_COPY_WORDS);
	CHECK_EQ(vmb_copy_strategy_for(SIZE_MAX), VMB_COPY_WORDS);
	CHECK_RC(vmb_copy_force(VMB_COPY_DEFAULT), 0);
	CHECK_EQ(vmb_copy_strategy_for(own + 1), block);
	CHECK_RC(vmb_copy_set_tuning(&saved), 0);
}

/* Whether /proc/cpuinfo's first "flags" line lists @flag; -1 when there
 * is no such file or line (not Linux on x86). */
static int cpuinfo_has(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[8192];
	int found = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		char *colon = strchr(line, ':'), *save = NULL;

		found = 0;
		for (char *tok = colon ? strtok_r(colon + 1, " \t\n", &save) : NULL; tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			if (strcmp(tok, flag) == 0)
				found = 1;
		break;
	}
	fclose(f);
	return found;
}

/* Runtime CPU feature detection agrees with what the kernel reports. */
TEST(S10_strategies_available_match_cpuinfo)
{
	int erms = cpuinfo_has("erms"), avx2 = cpuinfo_has("avx2");
	int f = cpuinfo_has("avx512f"), bw = cpuinfo_has("avx512bw"), vl = cpuinfo_has("avx512vl");

#ifdef VMBT_ARCH_GENERIC
	/* No x86-64 code in this build: whatever /proc/cpuinfo says (under
	 * qemu-user it is the host's), the x86-64 strategies are not there. */
	erms = avx2 = f = bw = vl = 0;
#endif
	if (erms < 0)
		return; /* nothing to compare with */
	CHECK_EQ(vmb_copy_strategy_available(VMB_COPY_REP_MOVSB), erms == 1);
	CHECK_EQ(vmb_copy_strategy_available(VMB_COPY_AVX2), avx2 == 1);
	CHECK_EQ(vmb_copy_strategy_available(VMB_COPY_NT), avx2 == 1);
	CHECK_EQ(vmb_copy_strategy_available(VMB_COPY_AVX512), f == 1 && bw == 1 && vl == 1);
	for (int s = 0; s < VMB_COPY_STRATEGY_COUNT; s++)
		if (s != VMB_COPY_REP_MOVSB && s != VMB_COPY_AVX2 && s != VMB_COPY_NT &&
		    s != VMB_COPY_AVX512)
			CHECK(vmb_copy_strategy_available((enum vmb_copy_strategy)s));
	CHECK(!vmb_copy_strategy_available(VMB_COPY_STRATEGY_COUNT));
}

#ifdef VMBT_ARCH_GENERIC
static bool x86_strategy(enum vmb_copy_strategy s)
{
	return s == VMB_COPY_REP_MOVSB || s == VMB_COPY_AVX2 || s == VMB_COPY_AVX512 ||
	       s == VMB_COPY_NT;
}
#endif

/*
 * The dispatcher picks only strategies the CPU runs, at every size and
 * with every block tuning it accepts; in a build without x86-64 code
 * (aarch64, -DVMB_PORTABLE=ON) that is a portable one, never an x86 one,
 * and tunings, forcing or direct calls naming one are refused.
 */
TEST(S10_dispatcher_picks_only_available_strategies)
{
	static const enum vmb_copy_strategy blocks[] = { VMB_COPY_LIBC, VMB_COPY_AVX2, VMB_COPY_AVX512 };
	struct vmb_copy_tuning saved, t;
	unsigned tuned = 0;
	uint8_t a[128] = { 3 }, b[128];

	vmb_copy_get_tuning(&saved);
	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		t.block = blocks[i];
		t.movsb_min = vmb_copy_strategy_available(VMB_COPY_REP_MOVSB) ? 4096 : 0;
		t.movsb_max = vmb_copy_strategy_available(VMB_COPY_REP_MOVSB) ? 65536 : 0;
		t.nt_min = vmb_copy_strategy_available(VMB_COPY_NT) ? (size_t)1 << 20 : SIZE_MAX;
		if (vmb_copy_set_tuning(&t) != 0) {
			CHECK(!vmb_copy_strategy_available(blocks[i]));
			continue;
		}
		tuned++;
		for (unsigned k = 0; k < 8 * sizeof(size_t); k++)
			for (int d = -1; d <= 1; d++) {
				/* 2^k - 1, 2^k, 2^k + 1, without a wrap at k = 0. */
				size_t n = d < 0 ? ((size_t)1 << k) - 1 : ((size_t)1 << k) + (size_t)d;
				enum vmb_copy_strategy s = vmb_copy_strategy_for(n);

				CHECK(vmb_copy_strategy_available(s));
#ifdef VMBT_ARCH_GENERIC
				CHECK(!x86_strategy(s));
#endif
			}
		vmb_copy(b, a, sizeof(a));
		CHECK_MEM(a, b, sizeof(a));
	}
	CHECK(tuned >= 1); /* libc is a block strategy everywhere */
	CHECK_RC(vmb_copy_set_tuning(&saved), 0);
#ifdef VMBT_ARCH_GENERIC
	char key[96];

	for (int s = 0; s < VMB_COPY_STRATEGY_COUNT; s++) {
		if (!x86_strategy((enum vmb_copy_strategy)s))
			continue;
		CHECK(!vmb_copy_strategy_available((enum vmb_copy_strategy)s));
		CHECK_RC(vmb_copy_force((enum vmb_copy_strategy)s), VMB_EINVALID_ARGUMENT);
		CHECK_RC(vmb_copy_strategy_copy((enum vmb_copy_strategy)s, b, a, sizeof(a)),
			 VMB_EINVALID_ARGUMENT);
	}
	CHECK_EQ(vmb_copy_forced(), VMB_COPY_DEFAULT);
	/* The built-ins: memcpy above the inline sizes, no large class. */
	vmb_copy_get_tuning(&t);
	if (getenv("VMB_COPY_TUNING") == NULL) { /* NOLINT(concurrency-mt-unsafe) */
		CHECK_EQ(t.block, VMB_COPY_LIBC);
		CHECK_EQ(t.nt_min, SIZE_MAX);
		CHECK_EQ(vmb_copy_strategy_for(1 << 20), VMB_COPY_LIBC);
	}
	/* The tuning-file key names the architecture, not an x86 vendor. */
	CHECK_RC(vmb_copy_host_cpu(key, sizeof(key)), 0);
#if defined(__aarch64__)
	CHECK(strncmp(key, "aarch64/", 8) == 0);
#else
	CHECK(strstr(key, "Genuine") == NULL && strstr(key, "Authentic") == NULL);
#endif
#endif
}

/* Whether @hay has the line fragment @needle (NULL: nothing to find). */
static bool has_text(const char *hay, const char *needle)
{
	return needle == NULL || strstr(hay, needle) != NULL;
}

/*
 * vmb_startup_report(): what the start-up read, as CMake runs this case
 * (copy.S10_environment_*_quiet, without VMB_DIAG, and so with nothing on
 * stderr) and without the variables (nothing read, nothing to report).
 */
TEST(S10_startup_report)
{
	const char *path = getenv("VMB_COPY_TUNING");     /* NOLINT(concurrency-mt-unsafe) */
	const char *force = getenv("VMB_COPY_STRATEGY");  /* NOLINT(concurrency-mt-unsafe) */
	char report[2048], line[600], tiny[1];
	unsigned warnings = 12345, lines = 0, warns = 0;

	CHECK_RC(vmb_startup_report(NULL, sizeof(report), &warnings), VMB_EINVALID_ARGUMENT);
	CHECK_EQ(warnings, 12345u);
	CHECK_RC(vmb_startup_report(report, 0, &warnings), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_startup_report(report, sizeof(report), NULL), 0);
	CHECK_RC(vmb_startup_report(report, sizeof(report), &warnings), 0);
	/* Every line is the library's; the count is the warning lines'. */
	for (const char *p = report; *p; p = strchr(p, '\n') + 1) {
		CHECK(strncmp(p, "vmbytes: ", 9) == 0 && strchr(p, '\n') != NULL);
		lines++;
		warns += strncmp(p, "vmbytes: warning: ", 18) == 0;
		if (strchr(p, '\n') == NULL)
			break;
	}
	CHECK_EQ(warnings, warns);
	CHECK_RC(vmb_startup_report(tiny, sizeof(tiny), NULL), lines ? VMB_EINVALID_ARGUMENT : 0);
	if (getenv("VMB_GUEST_SEARCH") != NULL || getenv("VMB_GUEST_INDEX") != NULL) /* NOLINT */
		return; /* guest_index.c's lines: tested by guest.G3_index_unknown_* */
	if (path == NULL && force == NULL) {
		CHECK_EQ(lines, 0u);
		return;
	}
	/* One line per variable: applied, or a warning (the built-ins then). */
	if (path != NULL && *path) {
		struct vmb_copy_tuning at_start;
		int rc;

		vmb_copy_get_tuning(&at_start);
		rc = vmb_copy_load_tuning(path);
		snprintf(line, sizeof(line), "vmbytes: %sVMB_COPY_TUNING=%s%s", rc ? "warning: " : "", path,
			 rc ? "" : " applied\n");
		CHECK(has_text(report, line));
		CHECK(has_text(report, rc == VMB_EUNSUPPORTED ? "was made on" : rc == VMB_EIO ?
			       "cannot be read" : rc ? "is not a tuning file" : NULL));
		CHECK_RC(vmb_copy_set_tuning(&at_start), 0);
	}
	if (force != NULL && *force) {
		int s = vmb_copy_strategy_from_name(force);
		bool ok = s >= 0 && vmb_copy_strategy_available((enum vmb_copy_strategy)s);

		snprintf(line, sizeof(line), ok ? "vmbytes: VMB_COPY_STRATEGY=%s forced\n"
		 : "vmbytes: warning: VMB_COPY_STRATEGY=%s is not a strategy this CPU has", force);
		CHECK(has_text(report, line));
	}
	CHECK(lines >= 1);
}

/* A temporary file holding @text; its path goes to @path (PATH_MAX). */
static void write_tmp(char *path, const char *text)
{
	strcpy(path, "/tmp/vmbt-tuning-XXXXXX");
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror("copy test: temp file");
		abort();
	}
	close(fd);
}

/* Field by field: the struct has padding, which memcmp would read. */
static bool same_tuning(const struct vmb_copy_tuning *a, const struct vmb_copy_tuning *b)
{
	return a->block == b->block && a->movsb_min == b->movsb_min &&
	       a->movsb_max == b->movsb_max && a->nt_min == b->nt_min;
}

/* Loads @text as a tuning file; returns what vmb_copy_load_tuning() did. */
static int load_text(const char *text)
{
	char path[64];

	write_tmp(path, text);
	int rc = vmb_copy_load_tuning(path);

	unlink(path);
	return rc;
}

TEST(S10_load_tuning_file)
{
	struct vmb_copy_tuning saved, t, before;
	bool movsb = vmb_copy_strategy_available(VMB_COPY_REP_MOVSB);
	bool nt = vmb_copy_strategy_available(VMB_COPY_NT);
	char longc[400];

	vmb_copy_get_tuning(&saved);
	/* Comments (one longer than any line buffer), blanks, hex, never. */
	memset(longc, 'x', sizeof(longc));
	longc[0] = '#';
	longc[sizeof(longc) - 2] = '\n';
	longc[sizeof(longc) - 1] = '\0';
	char text[1024];

	snprintf(text, sizeof(text), "%s\ncpu=any\n# thresholds\nblock=libc_dispatched\nmovsb_min=%s\n"
		 "movsb_max = %s\n\nnt_min=%s\n", longc, movsb ? "0x1000" : "0",
		 movsb ? "65536" : "0", nt ? "never" : "never");
	CHECK_RC(load_text(text), 0);
	vmb_copy_get_tuning(&t);
	CHECK_EQ(t.block, VMB_COPY_LIBC);
	CHECK_EQ(t.movsb_min, movsb ? 4096 : 0);
	CHECK_EQ(t.movsb_max, movsb ? 65536 : 0);
	CHECK_EQ(t.nt_min, SIZE_MAX);
	/* Keys left out keep the built-in thresholds, not the ones in force. */
	if (nt) {
		CHECK_RC(load_text("cpu=any\nnt_min=1048576"), 0); /* no final newline */
		vmb_copy_get_tuning(&t);
		CHECK_EQ(t.nt_min, (size_t)1 << 20);
		/* saved holds the built-ins unless a tuning file replaced them. */
		if (getenv("VMB_COPY_TUNING") == NULL) { /* NOLINT(concurrency-mt-unsafe) */
			CHECK_EQ(t.movsb_min, saved.movsb_min);
			CHECK_EQ(t.movsb_max, saved.movsb_max);
		}
		CHECK(t.movsb_min != 4096 && t.movsb_max != 65536);
	}
	/* Refused as a whole, and nothing changes. */
	vmb_copy_get_tuning(&before);
	static const char *const bad[] = {
		"block=nonsense\n", "cpu=any\nblock=bytes\n", "colour=blue\n", "nt_min=lots\n",
		"movsb_min=-1\n", "cpu=any\nmovsb_min=100\nmovsb_max=10\n", "just words\n",
		"cpu=any\ncpu=any\n", "cpu=any\nblock=bytes\nblock=nonsense\n",
		"nt_min=1048576\n" "movsb_min=1234567890123456789012345678901234567890123456789012345678901234"
		"567890123456789012345678901234567890123456789012345678901234567890\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_RC(load_text(bad[i]), VMB_EINVALID_ARGUMENT);
		vmb_copy_get_tuning(&t);
		CHECK(same_tuning(&t, &before));
	}
	CHECK_RC(vmb_copy_load_tuning(NULL), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_copy_load_tuning("/nonexistent/vmbytes-tuning"), VMB_EIO);
	CHECK_RC(vmb_copy_set_tuning(&saved), 0);
}

/*
 * Host-keyed tuning: a file is applied only on the CPU it records. The
 * tuning used is one every x86-64 can run but not the built-in one, so
 * whether it was applied shows.
 */
TEST(S10_tuning_cpu_key)
{
	struct vmb_copy_tuning saved, builtin, t;
	char host[96], text[512], small[4];
	const char *body = "block=libc_dispatched\nmovsb_min=0\nmovsb_max=0\nnt_min=never\n";

	vmb_copy_get_tuning(&saved);
	CHECK_RC(vmb_copy_host_cpu(host, sizeof(host)), 0);
	/* vendor/family/model/flags: three slashes, no spaces. */
	size_t slashes = 0;

	for (const char *p = host; *p; p++) {
		slashes += *p == '/';
		CHECK(*p != ' ' && *p != '\n');
	}
	CHECK_EQ(slashes, 3);
	CHECK_RC(vmb_copy_host_cpu(NULL, sizeof(host)), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_copy_host_cpu(small, sizeof(small)), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_copy_host_cpu(host, 0), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_copy_host_cpu(host, sizeof(host)), 0);
	/* The built-ins, from a file that changes nothing. */
	CHECK_RC(load_text("cpu=any\n"), 0);
	vmb_copy_get_tuning(&builtin);
	/* This CPU's key: applied. */
	snprintf(text, sizeof(text), "# made here\ncpu=%s\n%s", host, body);
	CHECK_RC(load_text(text), 0);
	vmb_copy_get_tuning(&t);
	CHECK_EQ(t.block, VMB_COPY_LIBC);
	CHECK_EQ(t.nt_min, SIZE_MAX);
	/* Another CPU's key, or none: refused, the thresholds unchanged. */
	static const char *const foreign[] = {
		"cpu=GenuineIntel/6/167/erms,fsrm\n", "cpu=AuthenticAMD/26/2/\n",
		"cpu=NoSuchVendor/1/1/erms\n", "",
	};
	CHECK_RC(load_text("cpu=any\n"), 0);
	for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
		if (foreign[i][0] && strncmp(foreign[i] + 4, host, strlen(host)) == 0 &&
		    foreign[i][4 + strlen(host)] == '\n')
			continue; /* this machine happens to be that CPU */
		snprintf(text, sizeof(text), "%s%s", foreign[i], body);
		CHECK_RC(load_text(text), VMB_EUNSUPPORTED);
		vmb_copy_get_tuning(&t);
		CHECK(same_tuning(&t, &builtin));
	}
	/* The same key with one flag more or less is another CPU. */
	snprintf(text, sizeof(text), "cpu=%s,avx512fp16\n%s", host, body);
	CHECK_RC(load_text(text), VMB_EUNSUPPORTED);
	/* A malformed file is malformed, whatever its key says. */
	snprintf(text, sizeof(text), "cpu=Other/1/1/\nwidth=9\n");
	CHECK_RC(load_text(text), VMB_EINVALID_ARGUMENT);
	CHECK_RC(vmb_copy_set_tuning(&saved), 0);
}

/*
 * VMB_COPY_TUNING and VMB_COPY_STRATEGY at start, as CMake runs this case:
 * with a good file and a strategy (copy.S10_environment_good), and with a
 * bad file and an unknown strategy (copy.S10_environment_bad), where the
 * built-in thresholds and the dispatcher must stay. Without the variables
 * (the plain case) there is nothing to check.
 */
TEST(S10_environment)
{
	const char *path = getenv("VMB_COPY_TUNING");     /* NOLINT(concurrency-mt-unsafe) */
	const char *force = getenv("VMB_COPY_STRATEGY");  /* NOLINT(concurrency-mt-unsafe) */
	struct vmb_copy_tuning at_start, again;

	if (path == NULL || force == NULL)
		return;
	vmb_copy_get_tuning(&at_start);
	int s = vmb_copy_strategy_from_name(force);

	CHECK_EQ(vmb_copy_forced(), s > 0 && vmb_copy_strategy_available((enum vmb_copy_strategy)s)
					    ? (enum vmb_copy_strategy)s : VMB_COPY_DEFAULT);
	if (vmb_copy_load_tuning(path) != 0) {
		/* What the start-up did with a file it refused: the built-ins. */
		struct vmb_copy_tuning z;

		memset(&z, 0, sizeof(z));
		CHECK_RC(load_text("cpu=any\n# nothing\n"), 0);
		vmb_copy_get_tuning(&z);
		CHECK(same_tuning(&at_start, &z));
	} else {
		vmb_copy_get_tuning(&again);
		CHECK(same_tuning(&at_start, &again));
	}
}

/* ---- the tear test ------------------------------------------------------- */

struct tear_ctx {
	struct vmb_slice slice;
	size_t off;
	size_t width;
	int stop;          /* set by the reader when its time is up */
	uint64_t writes;
	bool by_copy;      /* write with slice-to-slice copies instead of write_obj */
	struct vmb_slice ones, zeros;
};

static void *tear_writer(void *arg)
{
	struct tear_ctx *c = arg;
	const uint64_t ones = ~(uint64_t)0, zero = 0;

	/* Acquire pairs with the reader's release store of stop. */
	struct vmb_slice target;

	if (vmb_slice_subslice(c->slice, c->off, c->width, &target, NULL) != 0)
		return NULL;
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		if (c->by_copy) {
			/* S10 [diverges]: a small slice-to-slice copy is one access too. */
			vmb_slice_copy_to(c->ones, target, NULL);
			vmb_slice_copy_to(c->zeros, target, NULL);
		} else if (vmb_slice_write_obj(c->slice, c->off, &ones, c->width, NULL) != 0 ||
			   vmb_slice_write_obj(c->slice, c->off, &zero, c->width, NULL) != 0) {
			break;
		}
		c->writes += 2;
	}
	return NULL;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tear_seconds(void)
{
	const char *s = getenv("VMB_TEAR_SECONDS");
	double v = s ? atof(s) : 1.0;

	return v > 0 ? v : 1.0;
}

/*
 * A writer flips an aligned object of @width bytes between all-zero and
 * all-one bytes through write_obj, while this thread read_objs it for
 * VMB_TEAR_SECONDS (default 1 s per width). Any other value is a torn one.
 */
static void tear_run(size_t width, bool by_copy, size_t off, bool read_array)
{
	_Alignas(64) static uint8_t mem[64];
	_Alignas(64) static uint8_t pattern[16] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct tear_ctx c = { .off = off, .width = width, .by_copy = by_copy };
	uint64_t mask = width == 8 ? ~(uint64_t)0 : (((uint64_t)1 << (8 * width)) - 1);
	uint64_t zeros = 0, ones = 0, torn = 0, first_torn = 0;
	pthread_t t;

	CHECK_RC(vmb_slice_init(&c.slice, mem, sizeof(mem)), 0);
	CHECK_RC(vmb_slice_init(&c.ones, pattern, width), 0);
	CHECK_RC(vmb_slice_init(&c.zeros, pattern + 8, width), 0);
	if (pthread_create(&t, NULL, tear_writer, &c) != 0) {
		vmbt_fail(__FILE__, __LINE__, "pthread_create failed");
		return;
	}
	double end = now_seconds() + tear_seconds();

	while (now_seconds() < end) {
		for (int i = 0; i < 1000; i++) {
			uint64_t v = 0;

			uint64_t pair[2] = { 0, 0 };
			struct vmb_slice two;
			int rc = read_array
					 ? vmb_slice_subslice(c.slice, c.off, 2 * width, &two, NULL) ||
						   vmb_slice_copy_to_array(two, pair, 2, width, NULL)
					 : vmb_slice_read_obj(c.slice, c.off, &v, width, NULL);

			if (rc != 0) {
				torn++;
				continue;
			}
			if (read_array)
				v = pair[0];
			if (v == 0)
				zeros++;
			else if (v == mask)
				ones++;
			else if (torn++ == 0)
				first_torn = v;
		}
	}
	/* Release: the writer's acquire load sees the flag and stops. */
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	printf("  u%zu: %" PRIu64 " writes, read %" PRIu64 " zero / %" PRIu64 " ones / %" PRIu64
	       " torn\n",
	       8 * width, c.writes, zeros, ones, torn);
	if (torn != 0)
		vmbt_fail(__FILE__, __LINE__, "S10 broken: %" PRIu64 " torn u%zu reads, first 0x%" PRIx64,
			  torn, 8 * width, first_torn);
	/* The test proves nothing unless both values were really seen. */
	CHECK(zeros > 0 && ones > 0);
	CHECK(c.writes > 0);
}

TEST(S10_tear_u16)
{
	tear_run(2, false, 8, false);
}

TEST(S10_tear_u32)
{
	tear_run(4, false, 8, false);
}

TEST(S10_tear_u64)
{
	tear_run(8, false, 8, false);
}

/* S10 per element: copy_to_array of two u64 elements, read while the first
 * is rewritten, under the byte-at-a-time strategy (which would tear an
 * element copied as part of one 16-byte copy). */
TEST(S10_tear_copy_to_array_u64)
{
	CHECK_RC(vmb_copy_force(VMB_COPY_BYTES), 0);
	tear_run(8, false, 8, true);
	CHECK_RC(vmb_copy_force(VMB_COPY_DEFAULT), 0);
}

/* The same through vmb_slice_copy_to (S10 [diverges]: no memmove for these). */
/* At offset 2 the common alignment is exactly 2: the u16 must still be
 * one 2-byte unit, not two bytes. */
TEST(S10_tear_copy_to_u16)
{
	tear_run(2, true, 2, false);
}

TEST(S10_tear_copy_to_u32)
{
	tear_run(4, true, 8, false);
}

TEST(S10_tear_copy_to_u64)
{
	tear_run(8, true, 8, false);
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The plain driver: runs files (or every file of a directory) through the
 * target with no fuzzer, as the regression test does over corpus/. With
 * -decode it prints what each input decodes to instead.
 */
/* The experimental tier (vmbytes/experimental.h): tuning, forcing and
 * test hooks. */
#define VMB_EXPERIMENTAL
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static bool decode_only;
static unsigned ran;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 2;
	}
	do {
		if (len == cap) {
			cap = cap ? 2 * cap : 4096;
			buf = realloc(buf, cap);
			if (buf == NULL)
				abort();
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	fclose(f);
	if (decode_only) {
		struct vmbo_text t = { 0 };

		vmbf_target_decode(buf, len, &t);
		printf("# %s (%zu bytes)\n%s", path, len, t.s ? t.s : "");
		vmbo_text_free(&t);
	} else {
		LLVMFuzzerTestOneInput(buf, len);
	}
	free(buf);
	ran++;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 2;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);

	DIR *d = opendir(path);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (d == NULL)
		return 2;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		if (names == NULL || asprintf(&names[n], "%s/%s", path, e->d_name) < 0)
			abort();
		n++;
	}
	closedir(d);
	/* Sorted, so that a failure reproduces in the same order. */
	qsort(names, n, sizeof(*names), cmp);
	for (size_t i = 0; i < n; i++) {
		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode) && run_file(names[i]) != 0)
			rc = 2;
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	int i = 1, rc = 0;

	if (argc > 1 && strcmp(argv[1], "-decode") == 0) {
		decode_only = true;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: %s [-decode] FILE|DIR...\n", argv[0]);
		return 2;
	}
	if (!decode_only && vmbf_skip_without_remote())
		return 77;
	/* A strategy asked for by name must really be in force, or this run says nothing. */
	const char *want = getenv("VMB_COPY_STRATEGY");

	if (want && *want && strcmp(vmb_copy_strategy_name(vmb_copy_forced()), want) != 0) {
		fprintf(stderr, "skipped: this CPU has no copy strategy '%s'\n", want);
		return 77;
	}
	for (; i < argc; i++)
		if (run_path(argv[i]) != 0)
			rc = 2;
	if (!decode_only)
		fprintf(stderr, "replayed %u inputs\n", ran);
	return rc;
}

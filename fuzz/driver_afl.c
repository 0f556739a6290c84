/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The AFL++ driver. With file arguments it runs each file once, as the
 * libFuzzer and replay drivers do (a crash file reproduces with
 * `fuzz_<target>_afl FILE`, and `afl-tmin ... @@` works). With none it
 * takes its inputs from afl-fuzz: persistent mode with shared-memory test
 * cases when built with afl-clang-fast, which provides the __AFL_* macros
 * (outside afl-fuzz those read stdin); elsewhere one input from stdin.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h> /* read(), in the __AFL_FUZZ_TESTCASE_LEN macro */

#include "fuzz.h"

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

/* All of @f into a fresh buffer; false on a read error. */
static bool read_all(FILE *f, uint8_t **buf, size_t *len)
{
	size_t cap = 0, got;

	*buf = NULL;
	*len = 0;
	do {
		if (*len == cap) {
			uint8_t *p = realloc(*buf, cap = cap ? 2 * cap : 4096);

			if (p == NULL)
				abort();
			*buf = p;
		}
		got = fread(*buf + *len, 1, cap - *len, f);
		*len += got;
	} while (got > 0);
	return !ferror(f);
}

/* Run the file @path once; 0, or 2 when it cannot be read. */
static int run_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t len;
	FILE *f;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 2;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: not a regular file\n", path);
		return 2;
	}
	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 2;
	}
	if (!read_all(f, &buf, &len)) {
		fprintf(stderr, "%s: read error\n", path);
		fclose(f);
		free(buf);
		return 2;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
#ifdef __AFL_FUZZ_TESTCASE_LEN
	/* The fork server starts here, after the process's own set-up. */
	__AFL_INIT();
#endif
	if (argc > 1) {
		int rc = 0, ran = 0;

		for (int i = 1; i < argc; i++) {
			if (argv[i][0] == '-' && argv[i][1] != '\0') {
				fprintf(stderr, "usage: %s [FILE...]\n  (no FILE: the input from afl-fuzz, or stdin)\n",
					argv[0]);
				return 2;
			}
		}
		for (int i = 1; i < argc; i++)
			if (run_file(argv[i]) != 0)
				rc = 2;
			else
				ran++;
		fprintf(stderr, "%s: ran %d input%s\n", argv[0], ran, ran == 1 ? "" : "s");
		return rc;
	}
#ifdef __AFL_FUZZ_TESTCASE_LEN
	unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;

	/* Thousands of inputs per process; the shared buffer holds each one. */
	while (__AFL_LOOP(10000)) {
		size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;

		LLVMFuzzerTestOneInput(buf, len);
	}
#else
	uint8_t *buf;
	size_t len;

	if (!read_all(stdin, &buf, &len)) {
		fprintf(stderr, "%s: read error on stdin\n", argv[0]);
		free(buf);
		return 2;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
#endif
	return 0;
}

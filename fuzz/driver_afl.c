/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * The AFL++ driver: persistent mode with shared-memory test cases. Built
 * with afl-clang-fast, which provides the __AFL_* macros; elsewhere it
 * reads one input from stdin so that it still builds and runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT();
#endif

int main(void)
{
#ifdef __AFL_FUZZ_TESTCASE_LEN
	__AFL_INIT();
	unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;

	/* Thousands of inputs per process; the shared buffer holds each one. */
	while (__AFL_LOOP(10000)) {
		size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;

		LLVMFuzzerTestOneInput(buf, len);
	}
#else
	static unsigned char buf[1 << 20];
	size_t len = fread(buf, 1, sizeof(buf), stdin);

	LLVMFuzzerTestOneInput(buf, len);
#endif
	return 0;
}

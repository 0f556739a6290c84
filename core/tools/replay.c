/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * vmbytes-replay FILE: run an op script (SPEC section 7) and print exactly
 * its result lines. A line that does not parse, holds a control character
 * or passes a replay limit (VMBO_MAX_* in opscript.h) is named on stderr,
 * exit 2, with nothing on stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "opscript.h"

/* -h: the whole usage on stdout, exit 0. */
static int usage(void)
{
	printf(
		"usage: vmbytes-replay FILE   (FILE may be - for stdin)\n"
		"Runs an op script (docs/SPEC.md section 7) and prints its result lines.\n"
		"Tabs and CRs are white space; any other control character (NUL, ...)\n"
		"is a usage error. Limits, which keep a replay under 256 MiB of RSS:\n"
		"  containers   at most %u MiB each and %u MiB mapped in all\n"
		"  regions      at most %u\n"
		"  bitmaps      at most %u MiB of dirty bitmap in all\n"
		"  operations   at most %u lines; N of read/read_slice and CAP at most\n"
		"               %u MiB; HEX at most %u MiB in one operand and in all\n"
		"  lines        at most %u bytes\n"
		"A script past a limit, or a line that does not parse, is named on\n"
		"stderr with nothing run: exit 2. A set-up the library refuses prints\n"
		"its one err line (exit 0).\n",
		VMBO_MAX_CONTAINER >> 20, VMBO_MAX_MAPPED >> 20, VMBO_MAX_REGIONS,
		VMBO_MAX_BITMAP >> 20, VMBO_MAX_OPS, VMBO_MAX_COUNT >> 20, VMBO_MAX_DATA >> 20,
		VMBO_MAX_LINE);
	return 0;
}

int main(int argc, char **argv)
{
	struct vmbo_script s = { 0 };
	struct vmbo_env env;
	struct vmbo_text out = { 0 };
	char why[256] = "";
	size_t bad = 0;
	FILE *f;
	int rc;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
		return usage();
	if (argc != 2) {
		/* A usage error is one line; -h prints the limits and the rest. */
		fprintf(stderr, "vmbytes-replay: takes exactly one FILE, or - for stdin (got %d); -h for help\n",
			argc - 1);
		return 2;
	}
	if (argv[1][0] == '\0') {
		fprintf(stderr, "vmbytes-replay: empty FILE\n");
		return 2;
	}
	if (argv[1][0] == '-' && argv[1][1] != '\0') {
		fprintf(stderr, "vmbytes-replay: unknown option '%s' (it takes one FILE, or -)\n", argv[1]);
		return 2;
	}
	f = strcmp(argv[1], "-") == 0 ? stdin : fopen(argv[1], "r");
	if (f == NULL) {
		fprintf(stderr, "vmbytes-replay: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	rc = vmbo_parse_file(&s, f, &bad, why, sizeof(why));
	if (f != stdin)
		fclose(f);
	if (rc != 0) {
		if (rc == -1)
			fprintf(stderr, "vmbytes-replay: %s:%zu: %s\n", argv[1], bad, why);
		else
			fprintf(stderr, "vmbytes-replay: %s: %s\n", argv[1], why);
		vmbo_script_free(&s);
		return 2;
	}
	rc = vmbo_env_open(&env, &s, &out);
	if (rc == -2) {
		fprintf(stderr, "vmbytes-replay: %s: %s\n", argv[1], out.s);
		vmbo_text_free(&out);
		vmbo_script_free(&s);
		return 2;
	}
	if (rc == -1) {
		/* SPEC 7: a failed set-up prints one err line and nothing else. */
		printf("%s\n", out.s);
	} else {
		for (size_t i = 0; i < s.nops; i++) {
			vmbo_text_clear(&out);
			vmbo_exec(&env, &s.ops[i], &out);
			printf("%s\n", out.s);
		}
		vmbo_env_close(&env);
	}
	vmbo_text_free(&out);
	vmbo_script_free(&s);
	return fflush(stdout) == 0 ? 0 : 1;
}

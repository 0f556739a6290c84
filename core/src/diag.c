/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * What the library read from the environment when it was loaded, and the
 * warnings that gave: kept here for vmb_startup_report(), and printed to
 * stderr only when VMB_DIAG is set (to anything but "" or "0"). The
 * library prints nothing otherwise.
 *
 * Written only by the load-time constructors (copy/tuning.c,
 * guest_index.c), which run on one thread before main or inside dlopen();
 * read afterwards.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static char report[2048];
static size_t used;
static unsigned warnings;

void vmb__diag(bool warning, const char *fmt, ...)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "vmbytes: %s", warning ? "warning: " : "");
	va_list ap;

	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	warnings += warning;
	/* A line that does not fit (a very long path) is cut; one that finds
	 * the report full is dropped, with its count kept. */
	size_t len = strnlen(line, sizeof(line) - 2);

	line[len] = '\n';
	line[len + 1] = '\0';
	if (used + len + 2 <= sizeof(report)) {
		memcpy(report + used, line, len + 2);
		used += len + 1;
	}
	/* A constructor runs before main, on one thread: getenv is safe here. */
	const char *diag = getenv("VMB_DIAG"); /* NOLINT(concurrency-mt-unsafe) */

	if (diag != NULL && *diag != '\0' && strcmp(diag, "0") != 0)
		(void)fputs(line, stderr);
}

int vmb_startup_report(char *buf, size_t len, unsigned *nwarnings)
{
	if (buf == NULL || len <= used)
		return VMB_EINVALID_ARGUMENT;
	memcpy(buf, report, used);
	buf[used] = '\0';
	if (nwarnings != NULL)
		*nwarnings = warnings;
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/* A C program against the installed vmbytes package (consumer.h). */
#include "consumer.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s EXPECTED_VERSION\n", argv[0]);
		return 2;
	}
	if (consumer_run(argv[1]) != 0)
		return 1;
	puts("c consumer: ok");
	return 0;
}

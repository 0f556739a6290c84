/* SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause */
/*
 * What both consumers (consumer.c, consumer.cc) check, written once in the
 * subset of C that C++ accepts: a program built against the installed
 * package writes guest memory and reads it back, sees an error code, runs
 * the version it was built for, and is linked the way it asked (shared or
 * static, VMB_EXPECT_SHARED).
 */
#include <stdio.h>
#include <string.h>

#include <vmbytes.h>

#define CHECK(c)                                                                   \
	do {                                                                       \
		if (!(c)) {                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
			return 1;                                                  \
		}                                                                  \
	} while (0)

#define CONSUMER_STR(x) #x
#define CONSUMER_XSTR(x) CONSUMER_STR(x)

/* Whether libvmbytes.so is mapped into this process. */
static int consumer_has_shared_lib(void)
{
	char line[4096];
	int found = 0;
	FILE *maps = fopen("/proc/self/maps", "r");

	if (maps == NULL)
		return -1;
	while (fgets(line, sizeof line, maps) != NULL)
		if (strstr(line, "/libvmbytes.so") != NULL)
			found = 1;
	fclose(maps);
	return found;
}

static int consumer_run(const char *expect_version)
{
	struct vmb_region_config cfg;
	struct vmb_region *r = NULL;
	struct vmb_guest *g = NULL;
	struct vmb_error err;
	const char msg[] = "hello, guest";
	char back[sizeof msg];
	void *host = NULL;
	uint64_t v = 0;

	CHECK(strcmp(vmb_version(), expect_version) == 0);
	CHECK(strcmp(vmb_version(), CONSUMER_XSTR(VMB_VERSION_MAJOR) "." CONSUMER_XSTR(
		VMB_VERSION_MINOR) "." CONSUMER_XSTR(VMB_VERSION_PATCH)) == 0);
	CHECK(consumer_has_shared_lib() == VMB_EXPECT_SHARED);

	memset(&cfg, 0, sizeof cfg);
	cfg.start = 0x10000;
	cfg.len = 0x4000;
	cfg.kind = VMB_REGION_ANON;
	cfg.fd = -1;
	CHECK(vmb_region_new(&cfg, &r, &err) == 0);
	CHECK(vmb_guest_new(&r, 1, &g, &err) == 0); /* g owns r now */

	CHECK(vmb_guest_write_slice(g, 0x12000, msg, sizeof msg, &err) == 0);
	memset(back, 0, sizeof back);
	CHECK(vmb_guest_read_slice(g, 0x12000, back, sizeof back, &err) == 0);
	CHECK(memcmp(back, msg, sizeof msg) == 0);
	CHECK(vmb_guest_get_host_address(g, 0x12000, &host, &err) == 0);
	CHECK(memcmp(host, msg, sizeof msg) == 0);

	CHECK(vmb_guest_store(g, 0x13000, 8, VMB_SEQ_CST, 0x1122334455667788u, &err) == 0);
	CHECK(vmb_guest_load(g, 0x13000, 8, VMB_SEQ_CST, &v, &err) == 0);
	CHECK(v == 0x1122334455667788u);

	/* Errors: an address in no region, an atomic of width 3. */
	memset(&err, 0, sizeof err);
	CHECK(vmb_guest_write_slice(g, 0x100000, msg, sizeof msg, &err) == VMB_EINVALID_GUEST_ADDRESS);
	CHECK(err.code == VMB_EINVALID_GUEST_ADDRESS);
	CHECK(vmb_guest_store(g, 0x13000, 3, VMB_SEQ_CST, 1, &err) == VMB_EINVALID_ARGUMENT);
	CHECK(err.code == VMB_EINVALID_ARGUMENT);
	CHECK(vmb_guest_load(g, 0x13000, 8, VMB_SEQ_CST, &v, &err) == 0);
	CHECK(v == 0x1122334455667788u); /* the failed store touched nothing */
	CHECK(vmb_strerror(VMB_EINVALID_ARGUMENT) != NULL);

	vmb_guest_free(g);
	return 0;
}

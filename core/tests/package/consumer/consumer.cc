// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
// A C++ program against the installed vmbytes package: the checks of
// consumer.h, plus the inline slice and endian functions from C++.
#include "consumer.h"

#include <string>
#include <vector>

namespace {

int run_cxx()
{
	std::vector<uint8_t> mem(64, 0);
	vmb_slice s;
	vmb_error err;

	CHECK(vmb_slice_init(&s, mem.data(), mem.size()) == 0);
	const std::string text = "from c++";
	CHECK(vmb_slice_write_slice(s, 8, text.data(), text.size(), &err) == 0);
	CHECK(std::string(reinterpret_cast<const char *>(mem.data()) + 8, text.size()) == text);
	// The slow path (out of line, through VMB__SLICE_COPY): past the end.
	CHECK(vmb_slice_write_slice(s, 60, text.data(), text.size(), &err) == VMB_EPARTIAL_BUFFER);
	CHECK(err.expected == text.size() && err.completed == 4);

	vmb_be32 be = vmb_be32_from(0x01020304u);
	CHECK(vmb_slice_write_slice(s, 0, &be, sizeof be, &err) == 0);
	CHECK(mem[0] == 1 && mem[3] == 4);
	CHECK(vmb_be32_to(be) == 0x01020304u);
	return 0;
}

}  // namespace

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s EXPECTED_VERSION\n", argv[0]);
		return 2;
	}
	if (consumer_run(argv[1]) != 0 || run_cxx() != 0)
		return 1;
	std::puts("c++ consumer: ok");
	return 0;
}

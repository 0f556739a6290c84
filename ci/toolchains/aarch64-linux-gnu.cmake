# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# Cross-build for aarch64 Linux with Debian's gcc-aarch64-linux-gnu
# (libc6-dev-arm64-cross), run under qemu-user (the aarch64 preset,
# CMakePresets.json): CTest starts every test binary through
# CMAKE_CROSSCOMPILING_EMULATOR, and the Python test scripts get the
# cross-built tools wrapped in it (core/tests/CMakeLists.txt).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# The target's headers and libraries from the Debian cross packages; the
# programs (python3, qemu) from the host.
set(VMB_AARCH64_SYSROOT /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH ${VMB_AARCH64_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# qemu-user (Debian qemu-user) or its static build (qemu-user-static);
# -L: where the dynamic loader and libc of the target live.
find_program(VMB_QEMU_AARCH64 NAMES qemu-aarch64 qemu-aarch64-static)
if(NOT VMB_QEMU_AARCH64)
  message(FATAL_ERROR "aarch64: no qemu-aarch64 (Debian qemu-user or qemu-user-static)")
endif()
set(CMAKE_CROSSCOMPILING_EMULATOR ${VMB_QEMU_AARCH64} -L ${VMB_AARCH64_SYSROOT})

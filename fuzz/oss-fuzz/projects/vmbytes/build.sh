#!/bin/bash -eu
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
# OSS-Fuzz calls this ($SRC/build.sh) with $CC, $CXX, $CFLAGS, $CXXFLAGS,
# $LIB_FUZZING_ENGINE and $OUT set; the script kept in the repository, next
# to the sources it lists, does the work.
exec "$SRC/vmbytes/fuzz/oss-fuzz/build.sh"

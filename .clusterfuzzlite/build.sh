#!/bin/bash -eu
# ClusterFuzzLite calls this ($SRC/build.sh) with $CC, $CXX, $CFLAGS,
# $CXXFLAGS, $LIB_FUZZING_ENGINE and $OUT set; the project's own script does
# the work (the same as fuzz/oss-fuzz/projects/vmbytes/build.sh for OSS-Fuzz).
exec "$SRC/vmbytes/fuzz/oss-fuzz/build.sh"

#!/bin/bash -eu
# ClusterFuzzLite (and OSS-Fuzz) call this with $CC, $CFLAGS,
# $LIB_FUZZING_ENGINE and $OUT set; the project's own script does the work.
exec "$SRC/vmbytes/fuzz/oss-fuzz/build.sh"

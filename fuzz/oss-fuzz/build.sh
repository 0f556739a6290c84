#!/bin/bash -eu
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
#
# OSS-Fuzz / ClusterFuzzLite build: every fuzz target of vmbytes, built with
# the compiler, flags and fuzzing engine the infrastructure gives
# ($CC, $CFLAGS, $LIB_FUZZING_ENGINE), installed into $OUT with its seed
# corpus (a zip of corpus/<target>/), its dictionary and an options file.
# Run from anywhere: SRC_DIR defaults to the checkout this script is in.
: "${CC:?}" "${CFLAGS:=}" "${LIB_FUZZING_ENGINE:?}" "${OUT:?}"
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
WORK_DIR=${WORK:-$(mktemp -d)}/vmbytes-objs
mkdir -p "$WORK_DIR" "$OUT"

INC=(-I"$SRC_DIR/core/include" -I"$SRC_DIR/core/tools" -I"$SRC_DIR/fuzz" -D_GNU_SOURCE)
common=()
for src in "$SRC_DIR"/core/src/*.c "$SRC_DIR"/core/tools/opscript.c \
	"$SRC_DIR"/fuzz/producer.c "$SRC_DIR"/fuzz/decode.c "$SRC_DIR"/fuzz/model.c \
	"$SRC_DIR"/fuzz/oracle.c; do
	obj="$WORK_DIR/$(basename "$(dirname "$src")")_$(basename "$src" .c).o"
	$CC $CFLAGS -std=c11 "${INC[@]}" -c "$src" -o "$obj"
	common+=("$obj")
done

for target in "$SRC_DIR"/fuzz/targets/*.c; do
	name=$(basename "$target" .c)
	fuzzer="vmbytes_$name"
	$CC $CFLAGS -std=c11 "${INC[@]}" -c "$target" -o "$WORK_DIR/target_$name.o"
	# The engine is a C++ library: link with the C++ driver when there is one.
	${CXX:-$CC} $CFLAGS "$WORK_DIR/target_$name.o" "${common[@]}" $LIB_FUZZING_ENGINE \
		-lpthread -o "$OUT/$fuzzer"
	if [ -d "$SRC_DIR/corpus/$name" ]; then
		(cd "$SRC_DIR/corpus/$name" && find . -type f | LC_ALL=C sort | \
			zip -q -@ -j "$OUT/${fuzzer}_seed_corpus.zip")
	fi
	cp "$SRC_DIR/fuzz/dict/$name.dict" "$OUT/$fuzzer.dict"
	cat >"$OUT/$fuzzer.options" <<OPTIONS
[libfuzzer]
dict = $fuzzer.dict
max_len = 4096
timeout = 10
OPTIONS
done

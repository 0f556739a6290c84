#!/bin/bash -eu
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
#
# OSS-Fuzz / ClusterFuzzLite build: every fuzz target of vmbytes, built with
# the compilers, flags and engine the infrastructure gives ($CC, $CXX,
# $CFLAGS, $CXXFLAGS, $LIB_FUZZING_ENGINE), installed into $OUT as
# $OUT/vmbytes_<target> with its seed corpus (a zip of corpus/<target>/), its
# dictionary and an options file.
#
# The sources come from the lists CMake reads (core/sources.txt,
# core/tools/sources.txt, fuzz/sources.txt) and the targets from
# fuzz/targets.txt, so this script cannot fall behind the CMake build.
# Objects go to $WORK; nothing is written into the checkout. Run from
# anywhere: SRC_DIR defaults to the checkout this script is in.
: "${CC:?}" "${CXX:?}" "${CFLAGS:=}" "${CXXFLAGS:=}" "${LIB_FUZZING_ENGINE:?}" "${OUT:?}"
FUZZING_ENGINE=${FUZZING_ENGINE:-libfuzzer}
SRC_DIR=${SRC_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
WORK_DIR=${WORK:-$(mktemp -d)}/vmbytes-objs
rm -rf "$WORK_DIR"
mkdir -p "$WORK_DIR" "$OUT"

die() {
	echo "oss-fuzz/build.sh: $*" >&2
	exit 1
}

# The entries of a list file (sources.txt, targets.txt): comments and blank
# lines dropped, one "name [attribute]" per line.
read_list() {
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1"
}

# Coverage feedback leaves out the files marked "nocoverage" in libFuzzer
# builds, as the CMake build does (fuzz/CMakeLists.txt).
NOCOV=()
if [ "$FUZZING_ENGINE" = libfuzzer ] && [[ " $CFLAGS " == *"-fsanitize=fuzzer-no-link"* ]]; then
	NOCOV=(-fsanitize-coverage-allowlist=/dev/null)
fi

INC=(-I"$SRC_DIR/core/include" -I"$SRC_DIR/core/tools" -I"$SRC_DIR/fuzz")
objects=()
# compile_list LIST DIR DEFINES...: compile every source LIST names (paths
# relative to DIR) with $CC $CFLAGS.
compile_list() {
	local list=$1 dir=$2 path attr obj extra
	shift 2
	[ -f "$list" ] || die "missing list $list"
	while read -r path attr; do
		if ! [[ "$path" =~ ^[A-Za-z0-9_./-]+\.c$ && "$attr" =~ ^(nocoverage)?$ ]]; then
			die "$list: bad line '$path $attr'"
		fi
		[ -f "$dir/$path" ] || die "$list names $path, which is not in $dir"
		obj="$WORK_DIR/${dir#"$SRC_DIR"/}/${path%.c}.o"
		mkdir -p "$(dirname "$obj")"
		extra=()
		[ "$attr" = nocoverage ] && extra=("${NOCOV[@]}")
		# shellcheck disable=SC2086 # $CFLAGS is a list of flags
		$CC $CFLAGS -std=c11 "$@" "${INC[@]}" "${extra[@]}" -c "$dir/$path" -o "$obj"
		objects+=("$obj")
	done < <(read_list "$list")
}
compile_list "$SRC_DIR/core/sources.txt" "$SRC_DIR/core" -I"$SRC_DIR/core/src" -DVMB_BUILDING_LIBRARY -D_GNU_SOURCE
compile_list "$SRC_DIR/core/tools/sources.txt" "$SRC_DIR/core/tools" -D_GNU_SOURCE
compile_list "$SRC_DIR/fuzz/sources.txt" "$SRC_DIR/fuzz" -D_GNU_SOURCE

targets=()
[ -f "$SRC_DIR/fuzz/targets.txt" ] || die "missing list $SRC_DIR/fuzz/targets.txt"
while read -r name rest; do
	if ! [[ "$name" =~ ^[a-z0-9_]+$ && -z "$rest" ]]; then
		die "fuzz/targets.txt: bad line '$name $rest'"
	fi
	targets+=("$name")
done < <(read_list "$SRC_DIR/fuzz/targets.txt")
[ ${#targets[@]} -gt 0 ] || die "fuzz/targets.txt lists no target"

for name in "${targets[@]}"; do
	fuzzer="vmbytes_$name"
	[ -f "$SRC_DIR/fuzz/targets/$name.c" ] || die "no fuzz/targets/$name.c for target $name"
	[ -f "$SRC_DIR/fuzz/dict/$name.dict" ] || die "no fuzz/dict/$name.dict for target $name"
	# shellcheck disable=SC2086
	$CC $CFLAGS -std=c11 -D_GNU_SOURCE "${INC[@]}" -c "$SRC_DIR/fuzz/targets/$name.c" \
		-o "$WORK_DIR/target_$name.o"
	# A target's families, when it has outgrown one file: targets/<name>/*.c.
	parts=()
	for part in "$SRC_DIR/fuzz/targets/$name"/*.c; do
		[ -f "$part" ] || continue
		obj="$WORK_DIR/target_${name}_$(basename "${part%.c}").o"
		# shellcheck disable=SC2086
		$CC $CFLAGS -std=c11 -D_GNU_SOURCE "${INC[@]}" -c "$part" -o "$obj"
		parts+=("$obj")
	done
	# OSS-Fuzz asks for $CXX as the linker, even for C: the engine is C++.
	# shellcheck disable=SC2086
	$CXX $CXXFLAGS "$WORK_DIR/target_$name.o" "${parts[@]}" "${objects[@]}" $LIB_FUZZING_ENGINE \
		-pthread -o "$OUT/$fuzzer"
	rm -f "$OUT/${fuzzer}_seed_corpus.zip"
	if [ -d "$SRC_DIR/corpus/$name" ]; then
		(cd "$SRC_DIR/corpus/$name" && find . -type f | LC_ALL=C sort |
			zip -q -X -j -@ "$OUT/${fuzzer}_seed_corpus.zip")
	fi
	cp "$SRC_DIR/fuzz/dict/$name.dict" "$OUT/$fuzzer.dict"
	# The campaign's settings (tools/vmbytes/fuzz/jobs.py): inputs up to 4 KiB, 10 s
	# per input.
	cat >"$OUT/$fuzzer.options" <<OPTIONS
[libfuzzer]
dict = $fuzzer.dict
max_len = 4096
timeout = 10
OPTIONS
done
echo "oss-fuzz/build.sh: ${#targets[@]} targets in $OUT ($FUZZING_ENGINE)"

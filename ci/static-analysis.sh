#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
#
# Static analysis of core/: clang-tidy (bugprone, cert, concurrency; see
# .clang-tidy), cppcheck and gcc -fanalyzer, warnings as errors.
# usage: ci/static-analysis.sh clang-tidy|cppcheck|gcc-analyzer BUILD_DIR
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-}
build=${2:-}
[ -n "$mode" ] && [ -f "$build/compile_commands.json" ] || {
	echo "usage: $0 clang-tidy|cppcheck|gcc-analyzer BUILD_DIR (with compile_commands.json)" >&2
	exit 2
}
cd "$ROOT"
sources=(core/src/*.c core/src/copy/*.c core/src/arch/*/*.c)
case "$mode" in
clang-tidy)
	tidy=$(command -v clang-tidy-14 || command -v clang-tidy)
	"$tidy" --quiet -p "$build" "${sources[@]}"
	;;
cppcheck)
	cppcheck -q --enable=warning,performance,portability --std=c11 --error-exitcode=1 \
		--inline-suppr --platform=unix64 -D_GNU_SOURCE -D__x86_64__ \
		-D__ORDER_LITTLE_ENDIAN__=1234 -D__ORDER_BIG_ENDIAN__=4321 -D__BYTE_ORDER__=1234 \
		-Icore/include -Icore/src "${sources[@]}"
	;;
gcc-analyzer)
	for f in "${sources[@]}"; do
		gcc -std=c11 -D_GNU_SOURCE -Icore/include -Icore/src -O1 -fanalyzer -Wall -Wextra \
			-Werror -c "$f" -o /dev/null
	done
	;;
*)
	echo "unknown mode '$mode'" >&2
	exit 2
	;;
esac
echo "$mode: no findings in ${#sources[@]} files"

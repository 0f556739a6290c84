#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""Compile every public header alone, as one line of a translation unit,
with one compiler in one language standard, at -Wall -Wextra -Wpedantic
-Werror. Fails (exit 1, naming the header and printing the compiler's
words) on any warning or error.

usage: check_headers.py COMPILER STD INCLUDE_DIR
  COMPILER: gcc, clang, g++ or clang++ (a path is fine); STD: c11, c17,
  c++11, c++17, c++20.
"""
import os
import subprocess
import sys


def main():
    if len(sys.argv) != 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    cc, std, inc = sys.argv[1:]
    lang = "c++" if std.startswith("c++") else "c"
    if std not in ("c11", "c17", "c++11", "c++17", "c++20"):
        print(f"check_headers.py: unknown standard {std}", file=sys.stderr)
        return 2
    if not os.path.isdir(os.path.join(inc, "vmbytes")):
        print(f"check_headers.py: {inc} has no vmbytes/ folder", file=sys.stderr)
        return 2
    headers = ["vmbytes.h"] + sorted(
        "vmbytes/" + h for h in os.listdir(os.path.join(inc, "vmbytes")) if h.endswith(".h"))
    bad = 0
    for h in headers:
        # -c to /dev/null rather than -fsyntax-only, so that the inline
        # functions go through code generation too.
        cmd = [cc, "-x", lang, f"-std={std}", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
               "-I", inc, "-c", "-o", os.devnull, "-"]
        p = subprocess.run(cmd, input=f"#include <{h}>\n", text=True, capture_output=True)
        if p.returncode != 0 or p.stderr.strip():
            bad += 1
            print(f"FAIL {h} ({cc} -std={std}):\n{p.stderr}")
    print(f"{len(headers) - bad}/{len(headers)} headers compile alone with {cc} -std={std}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

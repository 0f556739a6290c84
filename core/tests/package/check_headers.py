#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""Compile every public header alone, as one line of a translation unit,
with one compiler in one language standard, at -Wall -Wextra -Wpedantic
-Werror. Fails (exit 1, naming the header and printing the compiler's
words) on any warning or error. Then checks that the experimental tier
(vmbytes/experimental.h) is declared with VMB_EXPERIMENTAL and hidden
without it, that the store/load calls
written in the wrong order, or with a bare integer for the ordering, are
rejected (an error, or a warning that -Werror makes one), and that the
same calls in the right order compile (so the check can tell a rejected
misuse from a broken snippet).

usage: check_headers.py COMPILER STD INCLUDE_DIR [EXTRA_INCLUDE_DIR...]
  COMPILER: gcc, clang, g++ or clang++ (a path is fine); STD: c11, c17,
  c++11, c++17, c++20. The headers of each EXTRA_INCLUDE_DIR/vmbytes/ (a
  library built on vmbytes, such as virtq/include) are compiled alone too,
  with every directory on the include path.
"""
import os
import subprocess
import sys


def main():
    if len(sys.argv) < 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    cc, std, inc = sys.argv[1:4]
    extra = sys.argv[4:]
    lang = "c++" if std.startswith("c++") else "c"
    if std not in ("c11", "c17", "c++11", "c++17", "c++20"):
        print(f"check_headers.py: unknown standard {std}", file=sys.stderr)
        return 2
    if not os.path.isdir(os.path.join(inc, "vmbytes")):
        print(f"check_headers.py: {inc} has no vmbytes/ folder", file=sys.stderr)
        return 2
    for d in extra:
        if not os.path.isdir(os.path.join(d, "vmbytes")):
            print(f"check_headers.py: {d} has no vmbytes/ folder", file=sys.stderr)
            return 2
    headers = ["vmbytes.h"] + sorted(
        "vmbytes/" + h for d in [inc] + extra
        for h in os.listdir(os.path.join(d, "vmbytes")) if h.endswith(".h"))
    bad = 0
    for h in headers:
        # -c to /dev/null rather than -fsyntax-only, so that the inline
        # functions go through code generation too.
        cmd = [cc, "-x", lang, f"-std={std}", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
               "-I", inc] + [a for d in extra for a in ("-I", d)] + ["-c", "-o", os.devnull, "-"]
        # experimental.h declares nothing without its define (and an empty
        # unit is not ISO C); check_experimental() covers it without.
        pre = "#define VMB_EXPERIMENTAL\n" if h == "vmbytes/experimental.h" else ""
        p = subprocess.run(cmd, input=f"{pre}#include <{h}>\n", text=True, capture_output=True)
        if p.returncode != 0 or p.stderr.strip():
            bad += 1
            print(f"FAIL {h} ({cc} -std={std}):\n{p.stderr}")
    print(f"{len(headers) - bad}/{len(headers)} headers compile alone with {cc} -std={std}")
    bad += check_experimental(cc, std, lang, inc)
    bad += check_misuse(cc, std, lang, inc)
    return 1 if bad else 0


# The experimental tier: declared only under VMB_EXPERIMENTAL, which may
# come before the umbrella or before experimental.h alone, and also after
# a first inclusion without it (the header's inner guard).
EXPERIMENTAL_USE = ("int f(struct vmb_region *r);\n"
                    "int f(struct vmb_region *r)\n{\n"
                    "\tstruct vmb_copy_tuning t;\n\tvmb_copy_get_tuning(&t);\n"
                    "\treturn vmb_copy_force(VMB_COPY_DEFAULT) | vmb_region_set_start(r, 0, NULL) |"
                    " (int)t.movsb_min;\n}\n")
EXPERIMENTAL_OK = [
    "#define VMB_EXPERIMENTAL\n#include <vmbytes.h>\n",
    "#define VMB_EXPERIMENTAL\n#include <vmbytes/experimental.h>\n",
    "#include <vmbytes.h>\n#define VMB_EXPERIMENTAL\n#include <vmbytes/experimental.h>\n",
]
EXPERIMENTAL_HIDDEN = [
    "#include <vmbytes.h>\n",
    "#include <vmbytes/experimental.h>\n#include <vmbytes/copy.h>\n#include <vmbytes/region.h>\n",
]


def compile_src(cc, std, lang, inc, src):
    cmd = [cc, "-x", lang, f"-std={std}", "-Wall", "-Wextra", "-Wpedantic", "-Werror",
           "-I", inc, "-c", "-o", os.devnull, "-"]
    p = subprocess.run(cmd, input=src, text=True, capture_output=True)
    return p.returncode == 0 and not p.stderr.strip(), p.stderr


def check_experimental(cc, std, lang, inc):
    bad = 0
    for pre in EXPERIMENTAL_OK:
        ok, err = compile_src(cc, std, lang, inc, pre + EXPERIMENTAL_USE)
        if not ok:
            bad += 1
            print(f"FAIL the experimental tier is not declared ({cc} -std={std}):\n{pre}{err}")
    for pre in EXPERIMENTAL_HIDDEN:
        ok, _ = compile_src(cc, std, lang, inc, pre + EXPERIMENTAL_USE)
        if ok:
            bad += 1
            print(f"FAIL the experimental tier is declared without VMB_EXPERIMENTAL "
                  f"({cc} -std={std}):\n{pre}")
    print(f"the experimental tier is declared under VMB_EXPERIMENTAL only, with {cc} -std={std}: "
          f"{'no' if bad else 'yes'}")
    return bad


# The body of a function with a slice s, guest memory g, generic bytes b,
# a value v and an ordering known at run time o in scope.
PRELUDE = """#include <vmbytes.h>
int f(struct vmb_slice s, struct vmb_guest *g, struct vmb_bytes b, uint64_t v, int o);
int f(struct vmb_slice s, struct vmb_guest *g, struct vmb_bytes b, uint64_t v, int o)
{
\tint rc = 0;
\t(void)s, (void)g, (void)b, (void)o;
"""
RIGHT = [
    "rc |= vmb_slice_store(s, 0, 4, VMB_RELEASE, v, NULL);",
    "rc |= vmb_slice_load(s, 0, 4, VMB_ACQUIRE, &v, NULL);",
    "rc |= vmb_guest_store(g, 0, 8, VMB_SEQ_CST, v, NULL);",
    "rc |= vmb_guest_load(g, 0, 8, VMB_RELAXED, &v, NULL);",
    "rc |= vmb_bytes_store(b, 0, 2, vmb_ordering_of(o), v, NULL);",
    "rc |= vmb_bytes_load(b, 0, 2, vmb_ordering_of(o), &v, NULL);",
]
WRONG = [
    # The value and the ordering swapped (the old store order).
    "rc |= vmb_slice_store(s, 0, 4, v, VMB_RELEASE, NULL);",
    "rc |= vmb_guest_store(g, 0, 8, v, VMB_SEQ_CST, NULL);",
    "rc |= vmb_bytes_store(b, 0, 2, v, VMB_RELAXED, NULL);",
    "rc |= vmb_slice_load(s, 0, 4, &v, VMB_ACQUIRE, NULL);",
    "rc |= vmb_guest_load(g, 0, 8, &v, VMB_RELAXED, NULL);",
    "rc |= vmb_bytes_load(b, 0, 2, &v, VMB_SEQ_CST, NULL);",
    # A bare integer (or enumerator) for the ordering.
    "rc |= vmb_slice_store(s, 0, 4, 2, v, NULL);",
    "rc |= vmb_guest_store(g, 0, 8, o, v, NULL);",
    "rc |= vmb_bytes_load(b, 0, 2, VMB_ORDER_ACQUIRE, &v, NULL);",
]


def compiles(cc, std, lang, inc, line):
    return compile_src(cc, std, lang, inc, PRELUDE + "\t" + line + "\n\treturn rc;\n}\n")


def check_misuse(cc, std, lang, inc):
    bad = 0
    for line in RIGHT:
        ok, err = compiles(cc, std, lang, inc, line)
        if not ok:
            bad += 1
            print(f"FAIL a right call does not compile ({cc} -std={std}): {line}\n{err}")
    for line in WRONG:
        ok, _ = compiles(cc, std, lang, inc, line)
        if ok:
            bad += 1
            print(f"FAIL a misordered call compiles ({cc} -std={std}): {line}")
    print(f"{len(RIGHT)} right store/load calls compile, {len(WRONG)} misordered ones are "
          f"rejected, with {cc} -std={std}: {'no' if bad else 'yes'}")
    return bad


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""One input, one script: the committed corpus decodes alike under every compiler.

usage: decode_compare.py --work DIR [--variant NAME=CC:FLAGS]... [--targets T,...]

Builds the replay drivers of every fuzz target (fuzz/targets.txt) once per
variant, a gcc and a clang build at -O0 and -O2 and a gcc build under
-fsanitize=undefined by default (its shift checks make gcc call the two
operands of `a() | b() << 8` the other way round), each in DIR/<variant>,
then prints corpus/<target>/ with each build's `-decode` and compares the
outputs byte for byte with the first variant's (clang's: the committed
corpus was grown by clang-built fuzzers, so clang's reading is the one that
counts). What is compared is each target's -decode text: the op script for
the script targets, every decoded step for bitmap, checked and layout, the
race for concurrency, and only the first step for api (whose operands are
read inside its checks; see fuzz/README or the issue note).

Exit 0 when every build prints the same text for every input, 1 when one
differs (the first differing input and lines are shown) or a build fails,
2 on bad arguments.
"""
import argparse
import difflib
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from vmbytes.lists import TARGETS  # noqa: E402

DEFAULT_VARIANTS = [
    ("clang-O0", "clang", "-O0"),
    ("clang-O2", "clang", "-O2"),
    ("gcc-O0", "gcc", "-O0"),
    ("gcc-O2", "gcc", "-O2"),
    ("gcc-O1-ubsan", "gcc", "-O1 -fsanitize=undefined"),
]


def parse_variant(text):
    name, sep, rest = text.partition("=")
    cc, sep2, flags = rest.partition(":")
    if not sep or not sep2 or not name or not cc:
        raise argparse.ArgumentTypeError(f"'{text}' is not NAME=CC:FLAGS")
    return (name, cc, flags)


def build(work, variant, targets):
    name, cc, flags = variant
    bdir = os.path.join(work, name)
    log = os.path.join(work, f"{name}.log")
    cmds = [["cmake", "-S", ROOT, "-B", bdir, "-G", "Ninja", f"-DCMAKE_C_COMPILER={cc}",
             f"-DCMAKE_C_FLAGS={flags}", "-DCMAKE_BUILD_TYPE=", "-DVMB_BUILD_TESTS=OFF",
             "-DVMB_BUILD_FUZZ=ON", "-DVMB_FUZZ_ENGINE=replay", "-DVMB_WERROR=OFF"],
            ["cmake", "--build", bdir, "--target"] + [f"fuzz_{t}_replay" for t in targets]]
    with open(log, "w") as f:
        for cmd in cmds:
            if subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT).returncode != 0:
                return None, f"building variant {name} ({cc} {flags}) failed; see {log}"
    return os.path.join(bdir, "fuzz"), None


def decode(bindir, target, corpus):
    p = subprocess.run([os.path.join(bindir, f"fuzz_{target}_replay"), "-decode", corpus],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        return None, p.stderr.decode(errors="replace").strip().splitlines()[-1:]
    return p.stdout, None


def first_difference(ref, other):
    """The first input whose text differs, and a short diff of it."""
    def chunks(text):
        out, name = {}, None
        for line in text.decode(errors="replace").splitlines():
            if line.startswith("# ") and " bytes)" in line:
                name = line
                out[name] = []
            elif name is not None:
                out[name].append(line)
        return out

    a, b = chunks(ref), chunks(other)
    for name in a:
        if a[name] != b.get(name):
            diff = list(difflib.unified_diff(a[name], b.get(name, []), lineterm="", n=1))
            return name[2:], [d if len(d) <= 150 else d[:150] + "..." for d in diff[2:14]]
    return "(the list of inputs)", []


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--work", required=True, help="directory for the builds")
    p.add_argument("--variant", action="append", type=parse_variant, default=None,
                   help="NAME=CC:FLAGS; the first is the reference (default: clang, gcc at "
                        "-O0 and -O2, gcc with UBSan)")
    p.add_argument("--targets", default=",".join(TARGETS))
    args = p.parse_args()
    variants = args.variant or DEFAULT_VARIANTS
    targets = [t for t in args.targets.split(",") if t]
    bad = [t for t in targets if t not in TARGETS]
    if bad or not targets:
        p.error(f"unknown target(s): {', '.join(bad) or '(none)'}")
    if len(variants) < 2:
        p.error("need at least two variants to compare")
    os.makedirs(args.work, exist_ok=True)

    bins = []
    for v in variants:
        bindir, err = build(args.work, v, targets)
        if err:
            print(f"decode compare: {err}")
            return 1
        bins.append(bindir)

    failures, inputs = [], 0
    for t in targets:
        corpus = os.path.join(ROOT, "corpus", t)
        if not os.path.isdir(corpus):
            continue
        n = len([e for e in os.listdir(corpus) if not e.startswith(".")])
        inputs += n
        ref, err = decode(bins[0], t, corpus)
        if ref is None:
            failures.append(f"{t}: {variants[0][0]} -decode failed: {' '.join(err)}")
            continue
        for v, b in zip(variants[1:], bins[1:]):
            out, err = decode(b, t, corpus)
            if out is None:
                failures.append(f"{t}: {v[0]} -decode failed: {' '.join(err)}")
            elif out != ref:
                name, diff = first_difference(ref, out)
                failures.append(f"{t}: {v[0]} reads {name} differently from {variants[0][0]}:\n    "
                                + "\n    ".join(diff))
        print(f"{t}: {n} inputs, {'differs' if any(f.startswith(t + ':') for f in failures) else 'same'}"
              f" under {len(variants)} builds", flush=True)
    for f in failures:
        print(f"FAIL {f}")
    names = ", ".join(v[0] for v in variants)
    if failures:
        print(f"decode compare: {len(failures)} difference(s) over {inputs} inputs ({names})")
        return 1
    print(f"decode compare: {inputs} inputs of {len(targets)} targets decode to the same text "
          f"under {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

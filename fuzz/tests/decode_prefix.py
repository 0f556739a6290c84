#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""Bytes appended to an input never change what its own bytes decoded to.

usage: decode_prefix.py --bindir DIR [--junk N] [--seed S] [--targets T,...]

For every committed corpus input of every target, decodes the input and the
input followed by N random bytes with DIR/fuzz_<target>_replay -decode and
checks that the second begins with the first, up to the line where the
first says its input ran out ("# the input ends here: ..."; every line when
it does not): the same set-up and the same ops (steps, for bitmap, checked
and layout; the race, for concurrency; the first step, for api). This is
what lets afl-tmin and libFuzzer's -minimize_crash cut junk off a crash
input: the op that crashes keeps its meaning, and the ops after it never
run (the oracle stops at the first wrong result).

Exit 0 when it holds for every input, 1 when it does not (the first failing
input and both texts are shown), 2 on bad arguments.
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from vmbytes.lists import TARGETS  # noqa: E402

RAN_OUT = "# the input ends here:"


def short(lines):
    return "\n          ".join(line if len(line) <= 150 else line[:150] + "..." for line in lines)


def decode_all(binary, paths):
    """{path: [lines]} from one -decode run over @paths."""
    out = subprocess.run([binary, "-decode"] + paths, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    if out.returncode != 0:
        raise RuntimeError(f"{binary} -decode failed: "
                           + out.stderr.decode(errors="replace").strip()[-300:])
    texts, cur = {}, None
    for line in out.stdout.decode(errors="replace").splitlines():
        if line.startswith("# ") and line.endswith(" bytes)"):
            cur = line[2:].rsplit(" (", 1)[0]
            texts[cur] = []
        elif cur is not None:
            texts[cur].append(line)
    return texts


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bindir", required=True, help="the directory of the fuzz_*_replay drivers")
    p.add_argument("--junk", type=int, default=200, help="bytes appended (default 200)")
    p.add_argument("--seed", type=int, default=10)
    p.add_argument("--targets", default=",".join(TARGETS))
    args = p.parse_args()
    targets = [t for t in args.targets.split(",") if t]
    bad = [t for t in targets if t not in TARGETS]
    if bad or not targets:
        p.error(f"unknown target(s): {', '.join(bad) or '(none)'}")
    if args.junk < 1:
        p.error("--junk must be at least 1")
    rng = random.Random(args.seed)
    failures, checked = [], 0
    with tempfile.TemporaryDirectory(prefix="vmbytes-prefix-") as tmp:
        for t in targets:
            binary = os.path.join(args.bindir, f"fuzz_{t}_replay")
            corpus = os.path.join(ROOT, "corpus", t)
            if not os.path.isdir(corpus):
                continue
            names = sorted(n for n in os.listdir(corpus) if not n.startswith("."))
            orig = [os.path.join(corpus, n) for n in names]
            padded = []
            os.makedirs(os.path.join(tmp, t))
            for n, path in zip(names, orig):
                with open(path, "rb") as f:
                    data = f.read()
                q = os.path.join(tmp, t, n)
                with open(q, "wb") as f:
                    f.write(data + bytes(rng.randrange(256) for _ in range(args.junk)))
                padded.append(q)
            try:
                a, b = decode_all(binary, orig), decode_all(binary, padded)
            except RuntimeError as e:
                failures.append(f"{t}: {e}")
                continue
            bad_here = 0
            for n, path, q in zip(names, orig, padded):
                x, y = a.get(path), b.get(q)
                if x is None or y is None:
                    failures.append(f"{t}/{n}: no decode printed")
                    bad_here += 1
                    continue
                keep = next((i for i, line in enumerate(x) if line.startswith(RAN_OUT)), len(x))
                if y[:keep] != x[:keep]:
                    bad_here += 1
                    if bad_here <= 2:
                        failures.append(f"{t}/{n}: {args.junk} appended bytes changed its decoding\n"
                                        "  alone:  " + short(x[:keep][-6:]) +
                                        "\n  padded: " + short(y[:keep][-6:]))
                checked += 1
            print(f"{t}: {len(names)} inputs, {bad_here} changed by appended bytes", flush=True)
    for f in failures:
        print(f"FAIL {f}")
    if failures:
        print(f"decode prefix: appended bytes changed the decoding of some inputs "
              f"({len(failures)} failure(s) shown above)")
        return 1
    print(f"decode prefix: {checked} inputs keep their decoding with {args.junk} bytes appended")
    return 0


if __name__ == "__main__":
    sys.exit(main())

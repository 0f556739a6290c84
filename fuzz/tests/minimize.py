#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""Crash inputs minimize: afl-tmin and libFuzzer cut junk off a planted crash.

usage: minimize.py --afl BIN --libfuzzer BIN [--replay BIN] [--work DIR]
                   [--junk N] [--slack N] [--seed S]
       minimize.py --afl BIN --driver-only [--replay BIN]

The binaries are the test-only target fuzz/tests/planted.c (fuzz_planted_afl,
fuzz_planted, fuzz_planted_replay): the slice target's decoder and oracle,
and an abort() when the script holds a write_obj of the u64 0x5ca1ab1e0ddba115.
This builds a 32-byte input of three ops whose last is that write_obj (with
--replay, checks that it decodes so and wholly from its own bytes), appends N
random bytes (200), and checks:

- the AFL driver runs file arguments: the planted input and the padded one
  abort, the input without its last op exits 0 ("ran 1 input"), and so does
  it read from stdin; a flag or a missing file is exit 2 (--driver-only
  stops here: the dev preset's CTest case driver.afl_files runs it on
  driver_afl.c built without afl-clang-fast);
- `afl-tmin` (crash mode) and `-minimize_crash=1` of the libFuzzer build each
  bring the padded input back to at most the original size plus --slack
  bytes (0), and what they leave still aborts with the planted crash.

Exit 0 when all hold, 1 when one does not (the line says which), 2 on bad
arguments. Run by the gate's fuzz stage (ci/gate.py) after it builds the
fuzz-asan and fuzz-afl-laf presets.
"""
import argparse
import os
import random
import struct
import subprocess
import sys
import tempfile

PLANTED = 0x5ca1ab1e0ddba115
AFL_ENV = {"AFL_SKIP_CPUFREQ": "1", "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES": "1",
           "AFL_NO_AFFINITY": "1", "AFL_NO_UI": "1"}


def planted_input():
    """A slice of 0x1000 bytes; write 5 bytes at 0, read them, the planted write_obj."""
    header = bytes([0x40, 13])            # flags: an edge length, edge_lens[13] = 0x1000
    write = bytes([0, 0, 0, 0, 0, 5]) + b"\x01\x02\x03\x04\x05"  # write 0x0, 5 bytes
    read = bytes([1, 0, 0, 0, 0, 5])      # read 0x0 5
    crash = bytes([4, 3, 0, 0]) + struct.pack("<Q", PLANTED) + bytes([0])  # write_obj u64 0x0
    return header + write + read, crash


def run(cmd, timeout=600, env=None):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           env=dict(os.environ, **(env or {})))
    except subprocess.TimeoutExpired:
        return None, f"{os.path.basename(cmd[0])} ran over {timeout} s"
    return p.returncode, (p.stdout + p.stderr).decode(errors="replace")


def crashes(binary, path):
    """True when @binary aborts on @path with the planted crash."""
    rc, out = run([binary, path], timeout=120)
    return rc is not None and rc != 0 and "==planted==" in out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--afl", required=True, help="fuzz_planted_afl (afl-clang-fast build)")
    p.add_argument("--libfuzzer", help="fuzz_planted (libFuzzer build)")
    p.add_argument("--driver-only", action="store_true",
                   help="check the AFL driver's files and stdin only (no afl-tmin, no libFuzzer)")
    p.add_argument("--replay", help="fuzz_planted_replay, to check what the input decodes to")
    p.add_argument("--work", help="keep the inputs here (default: a temporary directory)")
    p.add_argument("--junk", type=int, default=200)
    p.add_argument("--slack", type=int, default=0)
    p.add_argument("--seed", type=int, default=5)
    args = p.parse_args()
    if args.junk < 1 or args.slack < 0:
        p.error("--junk must be at least 1 and --slack at least 0")
    if not args.driver_only and not args.libfuzzer:
        p.error("--libfuzzer is required (or --driver-only)")
    bins = [args.afl] + ([args.libfuzzer] if args.libfuzzer and not args.driver_only else [])
    for b in bins + ([args.replay] if args.replay else []):
        if not os.access(b, os.X_OK):
            print(f"minimize: {b} is not an executable (build the fuzz-asan and fuzz-afl-laf presets)")
            return 1
    with tempfile.TemporaryDirectory(prefix="vmbytes-minimize-") as tmp:
        work = args.work or tmp
        os.makedirs(work, exist_ok=True)
        return check(args, work, bins)


def check(args, work, bins):
    ops, crash = planted_input()
    orig = ops + crash
    rng = random.Random(args.seed)
    junk = bytes(rng.randrange(256) for _ in range(args.junk))
    paths = {}
    for name, data in (("benign", ops), ("crash", orig), ("padded", orig + junk)):
        paths[name] = os.path.join(work, name)
        with open(paths[name], "wb") as f:
            f.write(data)
    limit = len(orig) + args.slack

    if args.replay:
        rc, out = run([args.replay, "-decode", paths["crash"]])
        lines = [line for line in out.splitlines() if not line.startswith("# ") or "ends here" in line]
        want = f"write_obj u64 0x0 0x{PLANTED:x}"
        if rc != 0 or len(lines) != 4 or lines[-1] != want:
            print(f"minimize: the planted input no longer decodes to 3 ops ending '{want}' "
                  f"(has the decoder's format changed?):\n{out}")
            return 1

    # The AFL driver takes files, and stdin without them.
    drv = os.path.basename(args.afl)
    rc, out = run([args.afl, paths["benign"]], timeout=120)
    if rc != 0 or "ran 1 input" not in out:
        print(f"minimize: {drv} FILE did not run the file and exit 0 (rc {rc}): {out.strip()[-200:]}")
        return 1
    for cmd, what in (([args.afl, "-runs=1"], "a flag"),
                      ([args.afl, os.path.join(work, "no-such-file")], "a missing file")):
        rc, out = run(cmd, timeout=120)
        if rc != 2:
            print(f"minimize: {drv} given {what} exited {rc}, not 2")
            return 1
    with open(paths["crash"], "rb") as f:
        p = subprocess.run([args.afl], stdin=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
    if p.returncode == 0 or b"==planted==" not in p.stderr:
        print(f"minimize: {drv} did not run the crash input from stdin (rc {p.returncode})")
        return 1
    for name in ("crash", "padded"):
        for b in bins:
            if not crashes(b, paths[name]):
                print(f"minimize: {os.path.basename(b)} does not abort on the {name} input"
                      + (" (appended bytes changed the planted op)" if name == "padded" else ""))
                return 1
    if args.driver_only:
        print(f"minimize: {drv} runs file arguments and stdin (planted crash, padded or not, aborts)")
        return 0

    results = []
    out_afl = os.path.join(work, "afl-tmin.out")
    rc, out = run(["afl-tmin", "-i", paths["padded"], "-o", out_afl, "--", args.afl], env=AFL_ENV)
    if rc != 0 or not os.path.exists(out_afl):
        print(f"minimize: afl-tmin failed (rc {rc}): {out.strip()[-300:]}")
        return 1
    results.append(("afl-tmin", out_afl, args.afl))

    out_lf = os.path.join(work, "libfuzzer.out")
    rc, out = run([args.libfuzzer, "-minimize_crash=1", "-runs=4000", "-max_total_time=240",
                   f"-exact_artifact_path={out_lf}", paths["padded"]])
    if not os.path.exists(out_lf):
        print(f"minimize: libFuzzer -minimize_crash wrote nothing (rc {rc}): {out.strip()[-300:]}")
        return 1
    results.append(("libFuzzer -minimize_crash", out_lf, args.libfuzzer))

    bad = []
    for name, path, binary in results:
        size = os.path.getsize(path)
        if size > limit:
            bad.append(f"{name} left {size} bytes of {len(orig) + args.junk} (want at most {limit})")
        elif not crashes(binary, path):
            bad.append(f"{name}'s {size}-byte result no longer aborts with the planted crash")
        else:
            print(f"{name}: {len(orig)} + {args.junk} junk bytes -> {size} bytes, still the planted crash")
    if bad:
        print("minimize: " + "; ".join(bad))
        return 1
    print(f"minimize: both minimizers cut the {args.junk} junk bytes off the planted crash "
          f"(at most {limit} bytes left)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

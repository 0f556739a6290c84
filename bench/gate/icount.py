#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The instruction-count gate: callgrind counts of a fixed-iteration copy
driver, per strategy and size, against the base build or a recorded
baseline.

usage: icount.py --driver PATH [--base-driver PATH] [--baseline FILE] [--update]
                 [--threshold PCT] [--build-flags TEXT] [--strategy NAME]

Instruction counts are exact and repeatable for one binary, one input and
one toolchain, so the gate can be strict: a case more than PCT percent
(default 2) above its reference fails. The reference is either

  - the base build, measured in the same run (--base-driver; what
    `./vmbytes gate` does, see bench/gate/base.py): works on any host; or
  - a recorded baseline (icount-baseline.json; what `./vmbytes test` runs),
    keyed to what made it: compiler and flags (--build-flags), glibc and
    valgrind versions, and the CPU features that choose code paths (the
    strategies the driver can run under valgrind, and the host's flags
    that glibc's and our dispatchers read). Where any of these differ the
    counts are not comparable: the gate says which in one line and exits
    77, which CTest reports as skipped (never as passed). --update records
    the baseline for this toolchain (commit it with the change that
    justifies it).

Exit status: 0 pass, 1 regression or failure, 2 bad arguments, 77 no
comparable baseline.
"""
import argparse
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# The host's CPU flags that pick a code path: ours (copy.c, guest.c) and
# glibc's memcpy selection.
CPU_FLAGS = ["avx2", "avx512f", "avx512bw", "avx512vl", "erms", "fsrm", "popcnt"]


class Failure(Exception):
    pass


def measure(driver, strategy=None):
    if not shutil.which("valgrind"):
        raise Failure("valgrind not found (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no", f"--callgrind-out-file={out}",
               driver] + ([strategy] if strategy else [])
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            raise Failure(f"{driver} failed under callgrind (exit {run.returncode}): "
                          f"{(run.stderr.strip().splitlines() or ['no output'])[-1]}")
        counts = {}
        for path in glob.glob(out + ".*"):
            with open(path) as f:
                text = f.read()
            name = re.search(r"^desc: Trigger: Client Request: (\S+)", text, re.M)
            total = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
            if name and total:
                strat, size, iters = name.group(1).split("/")
                counts[f"{strat}/{size}"] = round(int(total.group(1)) / int(iters), 1)
        if not counts:
            raise Failure("callgrind produced no dumps")
        return counts


def toolchain(build_flags, counts):
    """What the counts depend on besides the code."""
    glibc = os.confstr("CS_GNU_LIBC_VERSION") if hasattr(os, "confstr") else "unknown"
    vg = subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout.strip()
    flags = set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    return {"build": build_flags, "glibc": glibc, "valgrind": vg,
            "cpu_flags": [f for f in CPU_FLAGS if f in flags],
            "strategies": sorted({c.split("/")[0] for c in counts})}


def compare(ref, now, threshold, label):
    """Rows and regressions of @now against @ref, both {case: count}."""
    worse, rows = [], []
    for case, count in sorted(now.items()):
        old = ref.get(case)
        if old is None:
            rows.append(f"  {case:24} {'':12} -> {count:12.1f}  (new case)")
            continue
        delta = 100.0 * (count - old) / old if old else 0.0
        flag = " REGRESSION" if delta > threshold else ""
        rows.append(f"  {case:24} {old:12.1f} -> {count:12.1f} {delta:+7.2f}%{flag}")
        if delta > threshold:
            worse.append(case)
    print(f"icount: instructions per copy, {label} -> now")
    print("\n".join(rows))
    return worse


def finite_pct(text):
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number")
    if not math.isfinite(v) or v < 0:
        raise argparse.ArgumentTypeError(f"{text} must be a finite percentage >= 0")
    return v


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--driver", required=True)
    p.add_argument("--base-driver")
    p.add_argument("--baseline", default=os.path.join(HERE, "icount-baseline.json"))
    p.add_argument("--update", action="store_true")
    p.add_argument("--threshold", type=finite_pct, default=2.0)
    p.add_argument("--build-flags", default="")
    p.add_argument("--strategy")
    args = p.parse_args()
    for d in (args.driver, args.base_driver):
        if d and not os.access(d, os.X_OK):
            print(f"icount: no driver at {d}", file=sys.stderr)
            return 2
    if args.update and args.base_driver:
        print("icount: --update records a baseline; --base-driver compares with a build",
              file=sys.stderr)
        return 2
    try:
        now = measure(args.driver, args.strategy)
        if args.base_driver:
            ref = measure(args.base_driver, args.strategy)
            worse = compare(ref, now, args.threshold, "base build")
            label = "the base build measured in this run"
        else:
            key = toolchain(args.build_flags, now)
            if args.update:
                tmp = args.baseline + ".tmp"
                with open(tmp, "w") as f:
                    json.dump({"toolchain": key, "instructions_per_copy": now}, f, indent=2,
                              sort_keys=True)
                    f.write("\n")
                    f.flush()
                    os.fsync(f.fileno())
                os.replace(tmp, args.baseline)
                print(f"icount: baseline of {len(now)} cases written to {args.baseline}")
                return 0
            if not os.path.exists(args.baseline):
                print(f"icount: skipped: no baseline at {args.baseline} (record one with --update)")
                return 77
            with open(args.baseline) as f:
                base = json.load(f)
            recorded = base.get("toolchain", {"build": base.get("build")})
            diff = [f"{k} '{recorded.get(k)}' here '{v}'" for k, v in key.items()
                    if recorded.get(k) != v]
            if diff:
                print(f"icount: skipped: the baseline is not comparable here: {'; '.join(diff)} "
                      f"(./vmbytes gate --stages bench compares with the base build instead)")
                return 77
            worse = compare(base["instructions_per_copy"], now, args.threshold, "baseline")
            label = "the recorded baseline"
    except Failure as e:
        print(f"icount: FAIL: {e}")
        return 1
    if worse:
        print(f"icount: FAIL: {len(worse)} case(s) above +{args.threshold}% of {label}: "
              f"{', '.join(worse)}")
        return 1
    print(f"icount: pass: {len(now)} cases within +{args.threshold}% of {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

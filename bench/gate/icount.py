#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The instruction-count gate: callgrind counts of a fixed-iteration copy
driver, per strategy and size, against a committed baseline.

usage: icount.py --driver PATH [--baseline FILE] [--update] [--threshold PCT]
                 [--build-flags TEXT]

Instruction counts are exact and repeatable for one binary and input, so
the gate can be strict: any case more than PCT percent (default 2) above
its baseline fails. A baseline recorded for another compiler or other
flags is not comparable: the gate then skips (exit 77) and says so;
--update records a new baseline (commit it with the change that
justifies it). Exit status: 0 pass, 1 regression, 2 bad arguments,
77 no comparable baseline.
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def measure(driver, strategy=None):
    if not shutil.which("valgrind"):
        sys.exit("icount: valgrind not found (apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "cg.out")
        cmd = ["valgrind", "--tool=callgrind", "--collect-atstart=no", f"--callgrind-out-file={out}",
               driver] + ([strategy] if strategy else [])
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"icount: the driver failed under callgrind\n{run.stderr[-2000:]}")
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
            sys.exit("icount: callgrind produced no dumps")
        return counts


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--driver", required=True)
    p.add_argument("--baseline", default=os.path.join(HERE, "icount-baseline.json"))
    p.add_argument("--update", action="store_true")
    p.add_argument("--threshold", type=float, default=2.0)
    p.add_argument("--build-flags", default="")
    p.add_argument("--strategy")
    args = p.parse_args()
    if not os.access(args.driver, os.X_OK):
        print(f"icount: no driver at {args.driver}", file=sys.stderr)
        return 2
    now = measure(args.driver, args.strategy)
    if args.update:
        with open(args.baseline, "w") as f:
            json.dump({"build": args.build_flags, "instructions_per_copy": now}, f, indent=2,
                      sort_keys=True)
            f.write("\n")
        print(f"icount: baseline of {len(now)} cases written to {args.baseline}")
        return 0
    if not os.path.exists(args.baseline):
        print(f"icount: no baseline at {args.baseline}; run with --update")
        return 77
    with open(args.baseline) as f:
        base = json.load(f)
    if base.get("build") != args.build_flags:
        print(f"icount: the baseline is for '{base.get('build')}', this build is "
              f"'{args.build_flags}': not comparable, skipped (record one with --update)")
        return 77
    worse, rows = [], []
    for case, count in sorted(now.items()):
        ref = base["instructions_per_copy"].get(case)
        if ref is None:
            rows.append(f"  {case:24} {count:12.1f}  (new case)")
            continue
        delta = 100.0 * (count - ref) / ref if ref else 0.0
        flag = "REGRESSION" if delta > args.threshold else ""
        rows.append(f"  {case:24} {ref:12.1f} -> {count:12.1f} {delta:+7.2f}% {flag}")
        if delta > args.threshold:
            worse.append(case)
    print("icount: instructions per copy, baseline -> now")
    print("\n".join(rows))
    if worse:
        print(f"icount: FAIL: {len(worse)} case(s) above +{args.threshold}%: {', '.join(worse)}")
        return 1
    print(f"icount: pass: {len(now)} cases within +{args.threshold}% of the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())

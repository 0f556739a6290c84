#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""vmbytes run: the main job.

usage: run.py [--time T] [--jobs N]

A fuzz campaign over every target on both engines (5 minutes in all by
default; with --no-merge: corpus/ is tracked, and a run leaves the work
tree as it found it, so `./vmbytes fuzz` is how the corpus grows), the quick benchmarks, coverage of core/src from the corpus (which
fails below 95% of lines or 90% of branches), the gate's static and bench
stages (the bench stage compares with the base revision built beside the
change: instruction counts and interleaved times), then one
report: reports/index.html with reports/index.md beside it. Each step shows
its own progress as it goes; a one-screen summary closes the run. A step
that fails is reported and the run goes on to the next, so the report is
always written; the exit status is 1 when a step failed.
"""
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from vmbytes import cliargs  # noqa: E402  (one argument checker for every tool)


def step(name, cmd, steps, env=None, detail=None):
    print(f"\n== {name}: {' '.join(os.path.relpath(c, ROOT) if c.startswith(ROOT) else c for c in cmd)}",
          flush=True)
    t0 = time.time()
    out = []
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, errors="replace")
    for line in p.stdout:  # live: every line as it comes
        sys.stdout.write(line)
        sys.stdout.flush()
        out.append(line)
    rc = p.wait()
    text = "".join(out)
    entry = {"step": name, "ok": rc == 0, "seconds": round(time.time() - t0, 1),
             "detail": detail(text) if detail else ""}
    steps.append(entry)
    return entry


def parse_args(argv=None):
    p = cliargs.Parser(prog="vmbytes run", description=__doc__.split("\n\n")[0])
    p.add_argument("--time", type=cliargs.campaign_time, default=300.0, help="fuzzing budget (default 5m)")
    p.add_argument("--jobs", type=cliargs.integer(1, cliargs.MAX_JOBS), default=os.cpu_count() or 1)
    return p.parse_args(argv)


def execute(args):
    vm = os.path.join(ROOT, "vmbytes")
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    t0 = time.time()
    steps = []

    def fuzz_detail(text):
        m = re.search(r"(\d+) unique crashes", text)
        return f"{m.group(1)} unique crashes" if m else ""

    step("fuzz", [vm, "fuzz", "--time", f"{int(args.time)}s", "--engine", "both", "--jobs",
                  str(args.jobs), "--fresh", "--no-merge"], steps, detail=fuzz_detail)
    step("bench", [vm, "bench", "--quick"], steps)

    def cov_detail(text):
        m = re.search(r"lines ([\d.]+)%, branches ([\d.]+)%", text)
        return f"lines {m.group(1)}%, branches {m.group(2)}%" if m else ""

    step("coverage", [vm, "coverage"], steps, detail=cov_detail)

    def gate_detail(text):
        m = re.search(r"^gate: (.*)$", text, re.M)
        return m.group(1) if m else ""

    step("gate", [vm, "gate", "--stages", "static,bench"], steps, detail=gate_detail)
    with open(os.path.join(ROOT, "reports", "run.json"), "w") as f:
        json.dump({"started": started, "seconds": round(time.time() - t0, 1), "steps": steps}, f,
                  indent=2, allow_nan=False)
    subprocess.run([sys.executable, os.path.join(ROOT, "ci", "report.py")], cwd=ROOT)
    # The one-screen summary.
    print("\n" + "=" * 72)
    print(f"vmbytes run: {time.time() - t0:.0f} s")
    for s in steps:
        print(f"  {s['step']:9} {'ok    ' if s['ok'] else 'FAILED'} {s['seconds']:6.0f} s  {s['detail']}")
    fuzz = os.path.join(ROOT, "reports", "fuzz", "summary.json")
    if os.path.exists(fuzz):
        with open(fuzz) as f:
            data = json.load(f)
        rates = [(t, e, r["execs_per_sec"]) for t, es in data["targets"].items() for e, r in es.items()]
        slow = min(rates, key=lambda x: x[2]) if rates else None
        if slow:
            print(f"  fuzzing: {len(data['targets'])} targets, slowest {slow[0]}/{slow[1]} "
                  f"{slow[2]:.0f} execs/s, {len(data['crashes'])} unique crashes")
    print("  report:  reports/index.html (and reports/index.md)")
    print("=" * 72)
    return 0 if all(s["ok"] for s in steps) else 1


def main(argv=None):
    return execute(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

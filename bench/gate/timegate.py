#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The time gate: the change against its base, both built here and run
side by side, interleaved, in the same run.

usage: timegate.py [--base REV] [--base-bench PATH] [--bench PATH] [--rounds N]
                   [--min-time S] [--alpha A] [--threshold PCT] [--filter REGEX]
                   [--json FILE]

The base revision (--base REV, default: see bench/gate/base.py: HEAD when
tracked files have uncommitted changes, else HEAD's first parent; in CI on
a merge request the merge base) is exported into build/gate/base/ and
built with the bench preset; the change is the work tree, built with the
bench preset in build/bench. --base-bench PATH takes an already built
base binary instead (the same binary twice is an A/A run).

The two benchmark binaries then run alternately, round by round (A B,
then B A, ...), each on the same subset (--filter; default: the hot
aligned copies of every strategy at 64 B, 4 KiB and 64 KiB, find_region
over 16 and 1024 regions, and the canary), one repetition of each
benchmark per round in a random order. Times are CPU times of the timed
thread, so a descheduled moment counts less than in wall time. A
benchmark's rounds give paired ratios change/base, taken minutes apart at
most and seconds apart at best, so the machine's drift between rounds
cancels out. A benchmark fails when it is significantly slower than the
base by more than --threshold percent (10): the one-sided Wilcoxon
signed-rank test over its log ratios less log(1 + threshold) (scipy;
hence /usr/bin/python3), with Holm's correction over the benchmarks at
family level --alpha (0.01). A difference under the floor, however
steady (code layout moves a loop by a few percent), is not a regression
here; it is reported (p_any) but does not fail. The canary (a fixed integer loop, the same code on both sides) is
the control: when it is flagged too, the machine moved under the run and
the verdict says so (exit 1, inconclusive).

Exit status: 0 pass, 1 regression or no verdict (with a one-line reason),
2 bad arguments.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import base as _base  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools"))
from vmbytes import benchjson  # noqa: E402  (the one reader of benchmark JSON)

ROOT = _base.ROOT
CHANGE_BENCH = os.path.join(ROOT, "build", "bench", "bench", "vmbytes-bench")
CONTROL = "gate/canary"
DEFAULT_FILTER = ("^(copy/(default|libc_dispatched|reference|rep_movsb|avx2|avx512|nt)/hot/1t/src0/dst0/"
                  "(64|4096|65536)|container/find_region/(16|1024)|gate/canary)$")


def finite(kind, lo=None, hi=None, lo_open=True):
    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a {kind.__name__}")
        if isinstance(v, float) and not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"'{text}' is not finite")
        if lo is not None and (v <= lo if lo_open else v < lo):
            raise argparse.ArgumentTypeError(f"{text} must be {'>' if lo_open else '>='} {lo}")
        if hi is not None and v >= hi:
            raise argparse.ArgumentTypeError(f"{text} must be < {hi}")
        return v
    return parse


def run_once(bench, flt, min_time):
    """{benchmark: CPU time in ns} of one process running each benchmark once."""
    fd, out = tempfile.mkstemp(suffix=".json", prefix="timegate-")
    os.close(fd)
    try:
        cmd = [bench, f"--benchmark_filter={flt}", "--benchmark_repetitions=1",
               f"--benchmark_min_time={min_time}", "--benchmark_enable_random_interleaving=true",
               f"--benchmark_out={out}", "--benchmark_out_format=json"]
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{bench} exited {r.returncode}: "
                               f"{(r.stderr.strip().splitlines() or ['no output'])[-1]}")
        data = benchjson.load(out)
    finally:
        os.remove(out)
    return {r.name: r.cpu_ns for r in benchjson.iterations(data) if not r.error}


def holm(pvalues, alpha):
    """The indices Holm's step-down procedure rejects at family level @alpha."""
    order = sorted(range(len(pvalues)), key=lambda i: pvalues[i])
    rejected = set()
    for rank, i in enumerate(order):
        if pvalues[i] >= alpha / (len(pvalues) - rank):
            break
        rejected.add(i)
    return rejected


def judge(rounds, alpha, threshold):
    """Rows per benchmark from the paired rounds {name: [(base, change)]}."""
    from scipy.stats import wilcoxon
    names = sorted(rounds)
    rows, pvalues, any_p = [], [], []
    for name in names:
        pairs = rounds[name]
        logs = [math.log(c / b) for b, c in pairs if b > 0 and c > 0]
        if len(logs) < len(pairs) or not logs:
            raise RuntimeError(f"{name}: a zero time")
        # p_any: slower at all; p: slower by more than the floor (the log
        # ratios shifted by log(1 + threshold)), the one that decides.
        floor = math.log(1 + threshold / 100)
        p_any = 1.0 if all(abs(x) < 1e-12 for x in logs) else \
            float(wilcoxon(logs, alternative="greater").pvalue)
        p = float(wilcoxon([x - floor for x in logs], alternative="greater").pvalue)
        q1, med, q3 = statistics.quantiles(logs, n=4) if len(logs) > 1 else (logs[0],) * 3
        rows.append({"name": name, "rounds": len(pairs),
                     "base_ns": statistics.median(b for b, _ in pairs),
                     "change_ns": statistics.median(c for _, c in pairs),
                     "ratio": math.exp(statistics.median(logs)),
                     "ratio_q1": math.exp(q1), "ratio_q3": math.exp(q3), "p": p,
                     "p_any": p_any})
        pvalues.append(p)
        any_p.append(p_any)
    beyond, slower = holm(pvalues, alpha), holm(any_p, alpha)
    for i, row in enumerate(rows):
        row["significant"] = i in slower
        row["regression"] = i in beyond
    return rows


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def build_sides(args, log_path):
    """(base binary, change binary, base description); builds what is needed."""
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with open(log_path, "a") as log:
        if args.base_bench:
            base_bin, what = args.base_bench, f"the binary {args.base_bench}"
        else:
            sha, why = _base.resolve(args.base)
            src = _base.export(sha)
            built = _base.build(src, "bench", ["vmbytes-bench"], log)
            base_bin = os.path.join(built, "bench", "vmbytes-bench")
            subject = _base.git("log", "-1", "--format=%s", sha).stdout.strip()
            what = f"{sha[:12]} \"{subject[:50]}\", {why}"
        if args.bench == CHANGE_BENCH:
            for cmd in (["cmake", "--preset", "bench"],
                        ["cmake", "--build", "--preset", "bench", "--target", "vmbytes-bench"]):
                log.write(f"$ {' '.join(cmd)}\n")
                log.flush()
                if subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT).returncode:
                    raise _base.BaseError("building the change (bench preset) failed; see "
                                          + os.path.relpath(log_path, ROOT))
    return base_bin, args.bench, what


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", help="base revision (default: see bench/gate/base.py)")
    p.add_argument("--base-bench", help="an already built base benchmark binary")
    p.add_argument("--bench", default=CHANGE_BENCH, help="the change's benchmark binary")
    p.add_argument("--rounds", type=finite(int, lo=6, lo_open=False), default=15)
    p.add_argument("--min-time", type=finite(float, lo=0), default=0.03)
    p.add_argument("--alpha", type=finite(float, lo=0, hi=1), default=0.01)
    p.add_argument("--threshold", type=finite(float, lo=0), default=10.0)
    p.add_argument("--filter", default=DEFAULT_FILTER)
    p.add_argument("--json", default=os.path.join(ROOT, "reports", "gate", "timegate.json"))
    args = p.parse_args()
    if args.base and args.base_bench:
        print("timegate: --base and --base-bench exclude each other", file=sys.stderr)
        return 2
    for path in [args.base_bench] + ([args.bench] if args.bench != CHANGE_BENCH else []):
        if path and not os.access(path, os.X_OK):
            print(f"timegate: no benchmark binary at {path}", file=sys.stderr)
            return 2
    try:
        import scipy.stats  # noqa: F401
    except ImportError:
        print("timegate: scipy not found (apt-get install python3-scipy; run with "
              "/usr/bin/python3)")
        return 1
    log_path = os.path.join(ROOT, "build", "gate", "timegate-build.log")
    t0 = time.time()
    try:
        base_bin, change_bin, what = build_sides(args, log_path)
    except _base.BaseError as e:
        print(f"timegate: no verdict: {e}")
        return 1
    print(f"timegate: base {what}; change: the work tree; {args.rounds} rounds, "
          f"{args.min_time} s per benchmark per round", flush=True)
    rounds = {}
    for r in range(args.rounds):
        sides = [("base", base_bin), ("change", change_bin)]
        if r % 2:
            sides.reverse()
        got = {}
        try:
            for side, binary in sides:
                got[side] = run_once(binary, args.filter, args.min_time)
        except (RuntimeError, OSError, ValueError) as e:
            print(f"timegate: no verdict: round {r + 1}: {e}")
            return 1
        for name in set(got["base"]) & set(got["change"]):
            rounds.setdefault(name, []).append((got["base"][name], got["change"][name]))
        print(f"timegate: round {r + 1}/{args.rounds} ({time.time() - t0:.0f} s)", flush=True)
    rounds = {n: v for n, v in rounds.items() if len(v) == args.rounds}
    if not rounds:
        print(f"timegate: no verdict: no benchmark matching {args.filter} ran on both sides")
        return 1
    rows = judge(rounds, args.alpha, args.threshold)
    print(f"timegate: CPU time per benchmark, median of {args.rounds} interleaved rounds; "
          f"ratio = change/base (median of the paired ratios, [quartiles]); fails when "
          f"significantly (Wilcoxon p, Holm, alpha {args.alpha}) above "
          f"{1 + args.threshold / 100:.2f}")
    for row in rows:
        flag = "  REGRESSION" if row["regression"] else ""
        if row["name"] == CONTROL and row["regression"]:
            flag = "  (control moved)"
        print(f"  {row['name']:40} {row['base_ns']:11.1f} -> {row['change_ns']:11.1f} ns "
              f"x{row['ratio']:.3f} [{row['ratio_q1']:.3f}, {row['ratio_q3']:.3f}] "
              f"p={row['p']:.2g}{flag}")
    control = next((row for row in rows if row["name"] == CONTROL), None)
    bad = [row["name"] for row in rows if row["regression"] and row["name"] != CONTROL]
    noisy = control is not None and control["regression"]
    write_json(args.json, {"base": what, "rounds": args.rounds, "min_time": args.min_time,
                           "alpha": args.alpha, "threshold_pct": args.threshold,
                           "seconds": round(time.time() - t0, 1), "benchmarks": rows,
                           "regressions": bad, "control_moved": noisy,
                           "pass": not bad and not noisy})
    if noisy:
        print(f"timegate: FAIL: no verdict: the control {CONTROL} (the same code on both "
              f"sides) measured x{control['ratio']:.3f}: the machine changed under the run; "
              f"run it again")
        return 1
    if bad:
        print(f"timegate: FAIL: {len(bad)} regression(s) against the base: {', '.join(bad)}")
        return 1
    print(f"timegate: pass: {len(rows)} benchmarks, none significantly slower than the base "
          f"by more than {args.threshold:g}% ({time.time() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The time gate: copy times as ratios to libc memcpy measured in the same
run, against a committed baseline of such ratios.

usage: timegate.py [--bench PATH] [--baseline FILE] [--update] [--reps N]
                   [--alpha A] [--threshold PCT]

Absolute times are not comparable between runs on a shared machine, but a
copy's time divided by libc memcpy's time at the same size, in the same
repetition of a randomly interleaved run, is, and more so the default
path's time against libc's measured paired (pair/copy/default/libc/N:
the two alternate every ~20 us in one loop). Each gated benchmark gives
one ratio per repetition (at least 9); the baseline's ratios and the new
ones are compared with the Mann-Whitney U test of Google Benchmark's own
compare.py (its gbench module, needing python3-scipy: hence
/usr/bin/python3). A benchmark fails only when p < alpha / k (Bonferroni
over the k benchmarks, alpha 0.01) AND its median ratio grew by more than
PCT percent (10). A canary benchmark (a fixed integer loop, the same on
every commit) judges the machine: when its repetitions spread by more than
15% the run is repeated, up to three times, and the verdict says so.
Exit status: 0 pass, 1 regression, 2 bad arguments, 77 no baseline.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, "/usr/share/benchmark")  # Debian's libbenchmark-tools

GATED = ["default", "avx2", "nt", "reference"]
SIZES = [64, 4096, 65536, 1048576]
CANARY = "gate/canary"


def bench_filter():
    names = "|".join(["libc"] + GATED)
    sizes = "|".join(str(s) for s in SIZES)
    return (f"^(copy/({names})/hot/1t/src0/dst0/({sizes})|pair/copy/default/libc/({sizes})"
            f"|{CANARY})$")


def run_bench(bench, reps):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    cmd = [bench, f"--benchmark_filter={bench_filter()}", f"--benchmark_repetitions={reps}",
           "--benchmark_enable_random_interleaving=true", "--benchmark_min_time=0.05",
           f"--benchmark_out={out}", "--benchmark_out_format=json", "--benchmark_format=console"]
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        sys.exit(f"timegate: the benchmark failed: {r.stderr[-1000:]}")
    with open(out) as f:
        data = json.load(f)
    os.remove(out)
    return data


def per_repetition(data):
    """{benchmark name: [cpu time of repetition 0, 1, ...]}"""
    runs = {}
    for b in data["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        runs.setdefault(b["run_name"], {})[b.get("repetition_index", 0)] = b["cpu_time"]
    return {n: [v for _, v in sorted(r.items())] for n, r in runs.items()}


def paired(data):
    """{pair benchmark: [its A/B time ratio in repetition 0, 1, ...]}: the
    default path against libc alternating every ~20 us in one loop, which
    holds to a few percent where separate medians move by 2x (libc's own
    4 KiB copy here took 45 ns in one run and 83 ns in the next)."""
    runs = {}
    for b in data["benchmarks"]:
        if b.get("run_type") == "iteration" and b["run_name"].startswith("pair/") and "time_ratio" in b:
            runs.setdefault(b["run_name"], {})[b.get("repetition_index", 0)] = b["time_ratio"]
    return {n: [v for _, v in sorted(r.items())] for n, r in runs.items()}


def ratios(data):
    """The gated benchmarks' ratios to libc, one per repetition."""
    times = per_repetition(data)
    out = dict(paired(data))
    for name, ts in times.items():
        parts = name.split("/")
        if parts[0] != "copy" or parts[1] == "libc" or len(parts) < 3:
            continue
        ref = times.get("/".join(["copy", "libc"] + parts[2:]))
        if ref and len(ref) == len(ts):
            out[name] = [t / r for t, r in zip(ts, ref)]
    return out


def canary_spread(data):
    ts = per_repetition(data).get(CANARY, [])
    if len(ts) < 2:
        return None
    return statistics.pstdev(ts) / statistics.mean(ts)


def as_gbench(ratio_map, context):
    """Ratios in Google Benchmark's JSON shape, so that compare.py's code reads them."""
    benchmarks = []
    for name, rs in sorted(ratio_map.items()):
        for i, r in enumerate(rs):
            benchmarks.append({"name": name, "run_name": name, "run_type": "iteration",
                               "repetitions": len(rs), "repetition_index": i, "iterations": 1,
                               "real_time": r, "cpu_time": r, "time_unit": "ns"})
    return {"context": context, "benchmarks": benchmarks}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bench", default=os.path.join(ROOT, "build", "bench", "bench", "vmbytes-bench"))
    p.add_argument("--baseline", default=os.path.join(HERE, "time-baseline.json"))
    p.add_argument("--update", action="store_true")
    p.add_argument("--reps", type=int, default=9)
    p.add_argument("--alpha", type=float, default=0.01)
    p.add_argument("--threshold", type=float, default=10.0)
    args = p.parse_args()
    if args.reps < 9 or not 0 < args.alpha < 1 or args.threshold <= 0:
        print("timegate: --reps must be at least 9, --alpha in (0, 1), --threshold > 0",
              file=sys.stderr)
        return 2
    if not os.access(args.bench, os.X_OK):
        print(f"timegate: no benchmark binary at {args.bench} (./vmbytes bench builds it)",
              file=sys.stderr)
        return 2
    try:
        from gbench import report  # noqa: E402
    except ImportError:
        sys.exit("timegate: compare.py's gbench module not found (apt-get install "
                 "libbenchmark-tools python3-scipy; run with /usr/bin/python3)")
    notes = []
    for attempt in range(3):
        data = run_bench(args.bench, args.reps)
        spread = canary_spread(data)
        if spread is None or spread <= 0.15:
            break
        notes.append(f"canary spread {100 * spread:.0f}% on attempt {attempt + 1}: machine noisy, re-run")
        print(f"timegate: {notes[-1]}", flush=True)
    new = ratios(data)
    if args.update:
        with open(args.baseline, "w") as f:
            json.dump({"reps": args.reps, "ratios": new}, f, indent=1, sort_keys=True)
            f.write("\n")
        print(f"timegate: baseline of {len(new)} ratios written to {args.baseline}")
        return 0
    if not os.path.exists(args.baseline):
        print(f"timegate: no baseline at {args.baseline}; record one with --update")
        return 77
    with open(args.baseline) as f:
        base = json.load(f)["ratios"]
    common = sorted(set(base) & set(new))
    diff = report.get_difference_report(as_gbench({n: base[n] for n in common}, data["context"]),
                                        as_gbench({n: new[n] for n in common}, data["context"]),
                                        utest=True)
    k = len(common)
    bad, lines = [], []
    for d in diff:
        name = d["name"]
        if name not in base:
            continue
        old_m, new_m = statistics.median(base[name]), statistics.median(new[name])
        change = 100.0 * (new_m - old_m) / old_m
        pvalue = (d.get("utest") or {}).get("cpu_pvalue")
        significant = pvalue is not None and pvalue < args.alpha / k
        regressed = significant and change > args.threshold
        if regressed:
            bad.append(name)
        lines.append(f"  {name:40} ratio {old_m:6.3f} -> {new_m:6.3f} {change:+6.1f}% "
                     f"p={pvalue if pvalue is None else f'{pvalue:.4f}'}"
                     + ("  REGRESSION" if regressed else ""))
    print(f"timegate: ratios to libc memcpy (median of {args.reps} interleaved repetitions), "
          f"Mann-Whitney p < {args.alpha}/{k} and > +{args.threshold:.0f}% to fail")
    print("\n".join(lines))
    if notes:
        print("timegate: note: " + "; ".join(notes))
    if bad:
        print(f"timegate: FAIL: {len(bad)} regression(s): {', '.join(bad)}")
        return 1
    print(f"timegate: pass: {k} ratios, none significantly worse by more than {args.threshold:.0f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())

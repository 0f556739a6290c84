#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The self-gate "default >= 0.95x the best strategy" on synthetic runs
(CTest: gate.best_rival_rule). Standard library only.

A run is what `./vmbytes bench --quick` gives the gate: 8 sizes, 5 rivals
per size, each with 5 paired repetitions (the default's speedup over the
rival, with per-repetition noise) and a separate throughput median of the
rival (noisier: separate processes' seconds). Checked, with fixed seeds:
- a default that ties every rival fails at most 5% of the runs with
  repetitions spread by 4%, and at most 10% with 15% (a loaded machine);
  the rule it replaces, the lowest paired ratio per size and a median 2%
  under the bar failing outright, failed 2% and 100% (printed);
- a default 15% slower than one rival at one size passes at most 1% of the
  runs and fails at least half (else a TIE: the separate medians ranked
  another rival first, and the pair against the real best fails);
- best_rival() takes the separate medians when it has them, else the pair;
- worst_verdict() orders PASS < TIE < FAIL.
"""
import math
import os
import random
import statistics
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from verdict import against_best, bar_verdict, best_rival, worst_verdict  # noqa: E402

SIZES, RIVALS, REPS, TRIALS = 8, 5, 5, 2000
PAIR_SIGMA, SEP_SIGMA = 0.04, 0.10


def synth_size(rng, truth, pair_sigma):
    """(paired, separate) for one size; @truth: rival -> the default's true
    speedup over it (the default's own throughput is 1)."""
    paired, separate = {}, {}
    for r, t in truth.items():
        reps = [t * math.exp(rng.gauss(0, pair_sigma)) for _ in range(REPS)]
        paired[r] = (statistics.median(reps), "paired", reps)
        separate[r] = (1.0 / t) * math.exp(rng.gauss(0, SEP_SIGMA))
    return paired, separate


def gate(sizes):
    """The gate as tools/vmbytes/bench/checks.py applies it: the worst verdict over the sizes."""
    return worst_verdict([against_best(p, s, 0.95)[0] for p, s in sizes])


def old_gate(sizes):
    """The rule it replaces: the lowest paired ratio per size, then bar_verdict()."""
    for paired, _ in sizes:
        ratio, _, reps = min(paired.values(), key=lambda v: v[0])
        if bar_verdict(ratio, reps, 0.95)[0]:
            return "FAIL"
    return "PASS"


def rates(slow_rival_speedup, pair_sigma=PAIR_SIGMA):
    """(new gate FAIL rate, its PASS rate, the old rule's FAIL rate)."""
    rng = random.Random(11)
    new = passed = old = 0
    for _ in range(TRIALS):
        sizes = []
        for z in range(SIZES):
            truth = {f"r{i}": 1.0 for i in range(RIVALS)}
            if z == 3:
                truth["r2"] = slow_rival_speedup
            sizes.append(synth_size(rng, truth, pair_sigma))
        v = gate(sizes)
        new += v == "FAIL"
        passed += v == "PASS"
        old += old_gate(sizes) == "FAIL"
    return new / TRIALS, passed / TRIALS, old / TRIALS


def main():
    bad = []
    tie_fail, tie_pass, tie_old = rates(1.0)
    print(f"default ties every rival: gate fails {tie_fail:.1%} of runs, passes {tie_pass:.1%} "
          f"(by the lowest paired ratio: fails {tie_old:.1%})")
    if tie_fail > 0.05:
        bad.append(f"a tie fails {tie_fail:.1%} of runs (> 5%)")
    loud_fail, _, loud_old = rates(1.0, 0.15)
    print(f"the same with repetitions spread by 15%: fails {loud_fail:.1%} "
          f"(by the lowest paired ratio: {loud_old:.1%})")
    if loud_fail > 0.10:
        bad.append(f"a tie under 15% noise fails {loud_fail:.1%} of runs (> 10%)")
    slow_fail, slow_pass, _ = rates(0.85)
    print(f"default 0.85x one rival at one size: gate fails {slow_fail:.1%} of runs, "
          f"passes {slow_pass:.1%}")
    if slow_fail < 0.5 or slow_pass > 0.01:
        bad.append(f"a 15% loss fails {slow_fail:.1%} (< 50%) or passes {slow_pass:.1%} (> 1%)")
    paired = {"a": (0.9, "paired", None), "b": (1.1, "paired", None)}
    if best_rival(paired, {"a": 5.0, "b": 9.0}) != ("b", "fastest by separate medians"):
        bad.append("best_rival did not take the fastest separate median")
    if best_rival(paired, {"a": None, "b": None, "c": 99.0}) != ("a", "lowest paired ratio"):
        bad.append("best_rival without separate medians of paired rivals is not the lowest pair")
    if worst_verdict(["PASS", "TIE", "PASS"]) != "TIE" or worst_verdict(["TIE", "FAIL"]) != "FAIL" \
            or worst_verdict([]) != "PASS":
        bad.append("worst_verdict order")
    for b in bad:
        print("FAIL:", b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The time gate's decision rule on synthetic rounds (CTest: gate.timegate_rule).

Rounds are made the way the loaded machine makes them: each round a common
drift (both sides, +/-30%), and per side and benchmark a multiplicative
noise of 10-15%. Checked: A/A runs never fail; a 2x slowdown of some
benchmarks fails exactly those; a steady 5% slowdown is significant but
under the 10% floor, so it passes; a steady 50% one fails (with 10% noise per side and 15 rounds, 30% is
caught about half the time, 40% almost always); Holm's procedure on known p-values.
"""
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import timegate  # noqa: E402

try:
    import scipy.stats  # noqa: F401
except ImportError:
    sys.exit("FAIL: scipy not found: apt-get install python3-scipy (./vmbytes test installs it)")

ROUNDS, BENCHES = 15, 24


def synth(rng, slow):
    """{name: [(base, change)] * ROUNDS}; @slow maps names to a factor."""
    out = {}
    for r in range(ROUNDS):
        drift = math.exp(rng.gauss(0, 0.3))
        for b in range(BENCHES):
            name = f"b{b:02}"
            sigma = 0.15 if b % 3 == 0 else 0.10
            base = 100.0 * drift * math.exp(rng.gauss(0, sigma))
            change = 100.0 * drift * slow.get(name, 1.0) * math.exp(rng.gauss(0, sigma))
            out.setdefault(name, []).append((base, change))
    return out


def flagged(rows):
    return sorted(r["name"] for r in rows if r["regression"])


def main():
    rng = random.Random(20261201)
    failures = []
    aa_false = 0
    for trial in range(100):
        rows = timegate.judge(synth(rng, {}), 0.01, 10.0)
        aa_false += bool(flagged(rows))
    if aa_false:
        failures.append(f"A/A: {aa_false} of 100 runs flagged a regression")
    for trial in range(50):
        rows = timegate.judge(synth(rng, {"b04": 2.0, "b17": 2.0}), 0.01, 10.0)
        if flagged(rows) != ["b04", "b17"]:
            failures.append(f"2x on b04, b17: trial {trial} flagged {flagged(rows)}")
            break
    sig = 0
    for trial in range(50):
        rows = timegate.judge(synth(rng, {f"b{b:02}": 1.05 for b in range(BENCHES)}), 0.01, 10.0)
        if flagged(rows):
            failures.append(f"a 5% slowdown (under the floor) flagged {flagged(rows)}")
            break
        sig += sum(r["significant"] for r in rows)
    if sig == 0:
        failures.append("a steady 5% slowdown was never even significant: the test has no power")
    rows = timegate.judge(synth(rng, {"b05": 1.5}), 0.01, 10.0)
    if flagged(rows) != ["b05"]:
        failures.append(f"50% on b05 flagged {flagged(rows)}")
    if timegate.holm([0.001, 0.04, 0.0001, 0.3], 0.01) != {0, 2}:
        failures.append(f"holm: {timegate.holm([0.001, 0.04, 0.0001, 0.3], 0.01)}")
    if timegate.holm([0.004, 0.004], 0.01) != {0, 1} or timegate.holm([0.006, 0.006], 0.01):
        failures.append("holm: the step-down thresholds are wrong")
    for f in failures:
        print(f"FAIL: {f}")
    if failures:
        return 1
    print(f"ok: 100 A/A runs passed; 2x flagged exactly; 5% under the floor passed "
          f"({sig} significant of {50 * BENCHES})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""Verdicts on a bar, from the repetitions of a paired ratio: what the
report's checks (tools/vmbytes/bench/checks.py) and the peers'
(report_peers.py) share, so that noise gives the same tie in both. The sign test is scipy's binomtest
(tools/vmbytes/signtest.py)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
from vmbytes.signtest import at_least_p  # noqa: E402

SIGNIFICANT = 0.05
TIE_WIDTH = 0.02  # a median further below the bar than this fails outright


def below_bar_p(speedups, bar):
    """One-sided sign test: the probability of at least as many of
    @speedups (one per repetition) below @bar if each were as likely above
    it as below. Small when the default is really below the bar."""
    return at_least_p(sum(1 for x in speedups if x < bar), len(speedups))


def bar_verdict(speedup, reps, bar):
    """(fails, note): a size fails a bar when its median speedup is more
    than TIE_WIDTH below @bar, or below it at all AND the repetitions say so
    (sign test, p < SIGNIFICANT). A median a hair below the bar with
    repetitions on both sides is a tie: two
    copies that hit the same limit (rep movsb in both at 1 MiB) measure
    1.00 +- noise, and noise is not a regression."""
    if speedup >= bar:
        return False, ""
    if not reps or speedup < bar * (1 - TIE_WIDTH):
        return True, ""
    p = below_bar_p(reps, bar)
    below = sum(1 for x in reps if x < bar)
    if p < SIGNIFICANT:
        return True, f", {below} of {len(reps)} repetitions below, p={p:.3f}"
    return False, f", a tie: {below} of {len(reps)} repetitions below, p={p:.2f}"


def verdict3(speedup, reps, bar):
    """("PASS" | "TIE" | "FAIL", note): bar_verdict() for FAIL, and its
    mirror for PASS: a median above @bar by less than TIE_WIDTH passes only
    when the repetitions say so too (sign test on those at or below the
    bar); otherwise it is a TIE, as is a median a hair below that is not
    significantly below. So noise around the bar never reads as a PASS."""
    fails, note = bar_verdict(speedup, reps, bar)
    if fails:
        return "FAIL", note
    if speedup < bar:
        return "TIE", note
    if not reps or speedup >= bar * (1 + TIE_WIDTH):
        return "PASS", ""
    n, k = len(reps), sum(1 for x in reps if x <= bar)
    p = at_least_p(n - k, n)
    if p < SIGNIFICANT:
        return "PASS", ""
    return "TIE", f", a tie: {n - k} of {n} repetitions above, p={p:.2f}"


def word(ok):
    """A check's verdict as printed: True PASS, False FAIL, None TIE, or
    the word itself."""
    if isinstance(ok, str):
        return ok
    return {True: "PASS", False: "FAIL", None: "TIE"}[ok]

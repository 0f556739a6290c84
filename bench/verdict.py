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



def best_rival(paired, separate):
    """(rival, how chosen): the rival to hold a default against, of those in
    @paired (rival -> (speedup of the default over it, how, repetitions)).
    The fastest by @separate (rival -> its own separate throughput median,
    or None): measurements taken apart from the pairs, so the pair that then
    decides is not the one its own noise picked. Choosing by the paired
    speedups themselves, the lowest of five noisy ratios, fails a default
    that merely ties every rival (the self-gate flipped from run to run
    that way); that is the fallback only when no separate median exists."""
    known = {s: v for s, v in separate.items() if s in paired and v}
    if known:
        return max(known, key=known.get), "fastest by separate medians"
    return min(paired, key=lambda s: paired[s][0]), "lowest paired ratio"


def against_best(paired, separate, bar):
    """(verdict, rival, note) of a default against the best of several
    rivals at @bar: verdict3() against best_rival(), except that a FAIL
    needs every repetition of that pair below @bar (with 5 repetitions the
    sign test's p = 0.031): the median alone, more than TIE_WIDTH below,
    failed a default that ties when the repetitions spread by +-15% (a
    loaded machine; A against A did). A FAIL against any other rival's pair
    makes it at least a TIE (the separate medians, noisier than a pair, may
    have ranked the real best second), never a PASS."""
    def one(s):
        ratio, _, reps = paired[s]
        v, note = verdict3(ratio, reps, bar)
        above = sum(1 for x in reps or [] if x >= bar)
        if v == "FAIL" and above:
            return "TIE", f", a tie: median below, {above} of {len(reps)} repetitions at or above"
        return v, note

    best, chosen = best_rival(paired, separate)
    v, note = one(best)
    others = sorted(s for s in paired if s != best and one(s)[0] == "FAIL")
    if others and v == "PASS":
        return "TIE", best, f", {chosen}; fails against {', '.join(others)} in its pair"
    return v, best, f", {chosen}{note}"


def worst_verdict(verdicts):
    """The worst of "PASS" / "TIE" / "FAIL" (PASS for none)."""
    order = ("PASS", "TIE", "FAIL")
    return max(verdicts, key=order.index, default="PASS")

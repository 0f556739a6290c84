# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""`./vmbytes tune`: the copy dispatcher's thresholds from a sweep."""
import math
import os
import re
import sys
import tempfile
import textwrap

from .. import ROOT, benchjson
from . import REPORTS, SIZE_MAX, TUNING, atomic_write
from .command import utc_stamp, finish_json
from .hostinfo import build_context
from .results import collect, fmt_num, fmt_size
from .runner import bench_env, run_benchmarks

SEPARATE_MARGIN = 0.05  # what a separate median must win by (they drift 5-30%)


class Speeds:
    """The sweep's throughputs relative to one another. @table: strategy ->
    size -> GB/s (medians of separate runs); @paired: strategy -> size ->
    its speed over the reference strategy ("ref" -> the reference's name),
    measured paired."""

    def __init__(self, table, paired, margin):
        self.table, self.paired, self.margin = table, paired or {}, margin
        self.ref = self.paired.get("ref")
        self.sizes = sorted({z for t in table.values() for z in t})

    def speed(self, name, z):
        """@name's speed over the reference at size @z and whether it was
        measured paired; None when unknown."""
        if name == self.ref:
            return 1.0, True
        if z in self.paired.get(name, {}):
            return self.paired[name][z], True
        base = self.ref if self.ref in self.table else None
        if base and self.table.get(name, {}).get(z) and self.table[base].get(z):
            return self.table[name][z] / self.table[base][z], False
        return None

    def rel(self, name, base, z):
        """(speed of @name over @base at @z, paired?) or None."""
        a, b = self.speed(name, z), self.speed(base, z)
        if a is None or b is None or not b[0]:
            return None
        return a[0] / b[0], a[1] and b[1]

    def logs(self, name, block):
        """Per sweep size, log(@name's speed over @block); -1e9 if unknown."""
        out = []
        for z in self.sizes:
            r = self.rel(name, block, z)
            out.append(math.log(r[0]) if r is not None and r[0] > 0 else -1e9)
        return out

    def floors(self, name, block):
        """Per sweep size, the log of what @name must beat @block by there:
        the margin where measured paired, SEPARATE_MARGIN elsewhere."""
        out = []
        for z in self.sizes:
            r = self.rel(name, block, z)
            out.append(math.log(1 + (self.margin if r is not None and r[1] else SEPARATE_MARGIN)))
        return out


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else 0.0


def prefix_sums(xs):
    out = [0.0]
    for x in xs:
        out.append(out[-1] + x)
    return out


def choose_block(sp, available, reasons):
    """The block strategy: over the sizes the caches hold (<= 1 MiB), a
    candidate replaces the incumbent when the geometric mean of its
    throughput relative to it beats the margin."""
    blocks = [b for b in ("avx512", "avx2", "libc_dispatched") if b in available and b in sp.table]
    incumbent = blocks[0]
    cache_sizes = [z for z in sp.sizes if z <= 1 << 20]
    for cand in blocks[1:]:
        rs = [r for r in (sp.rel(cand, incumbent, z) for z in cache_sizes) if r is not None]
        g = geomean([r[0] for r in rs])
        need = sp.margin if rs and all(r[1] for r in rs) else SEPARATE_MARGIN
        reasons.append(f"block: {cand} vs {incumbent}, geometric mean over 32 B..1 MiB: {g:.3f}x"
                       f" ({'paired' if need == sp.margin else 'separate medians'})")
        if g > 1 + need:
            incumbent = cand
    reasons.append(f"block = {incumbent}")
    return incumbent


def best_classes(pm, pn, qm, qn, n):
    """The large-copy classes. The dispatcher sends n >= nt_min to
    non-temporal stores, n in [movsb_min, movsb_max) to rep movsb and the
    rest to the block strategy. Every choice of the two thresholds on the
    sweep's n sizes is scored by the sum over sizes of log(throughput of
    the strategy the size gets / block's) (@pm, @pn: prefix sums of those
    logs for rep movsb and nt); a class is only allowed if, over the sizes
    it takes, it beats the block strategy by more than its floors (@qm,
    @qn, prefix sums) and spans two sweep sizes at least. Highest score
    wins; the plain block everywhere scores 0. Returns (score, a, b, t):
    rep movsb for sizes [a, b) (indexes; a None for no window), nt from
    index t (n for never)."""
    best = (0.0, None, None, n)
    for t in range(n + 1):
        nt_score = pn[n] - pn[t]
        # A class of one sweep size is one noisy sample: two at least.
        if t < n and (n - t < 2 or nt_score <= qn[n] - qn[t]):
            continue
        if nt_score > best[0]:
            best = (nt_score, None, None, t)
        for a in range(t):
            for b in range(a + 2, t + 1):
                m = pm[b] - pm[a]
                if m <= qm[b] - qm[a]:
                    continue
                if nt_score + m > best[0]:
                    best = (nt_score + m, a, b, t)
    return best


def ratios_text(sp, name, block, lo, hi):
    sizes, lst = sp.sizes, sp.logs(name, block)
    return ", ".join(f"{fmt_size(sizes[i])} {math.exp(lst[i]):.2f}"
                     for i in range(lo, hi) if lst[i] > -1e8)


def choose_tuning(table, margin, available, paired=None):
    """(tuning dict, reasons) from the sweep (see Speeds for @table and
    @paired). A candidate replaces the incumbent only when it is faster by
    more than @margin (a fraction) where measured paired, and by more than
    SEPARATE_MARGIN where only separate medians exist, so noise does not
    move thresholds."""
    sp = Speeds(table, paired, margin)
    sizes, n = sp.sizes, len(sp.sizes)
    reasons = []
    block = choose_block(sp, available, reasons)
    pm, pn = prefix_sums(sp.logs("rep_movsb", block)), prefix_sums(sp.logs("nt", block))
    qm, qn = prefix_sums(sp.floors("rep_movsb", block)), prefix_sums(sp.floors("nt", block))
    _score, a, b, t = best_classes(pm, pn, qm, qn, n)
    if "rep_movsb" in table:
        reasons.append(f"rep_movsb / {block}: {ratios_text(sp, 'rep_movsb', block, 0, n)}")
    if "nt" in table:
        first = next((i for i, z in enumerate(sizes) if z >= 1 << 20), n)
        reasons.append(f"nt / {block} from 1 MiB: {ratios_text(sp, 'nt', block, first, n)}")
    never = f"{100 * margin:g}% (paired; {100 * SEPARATE_MARGIN:g}% separate)"
    movsb_min = movsb_max = 0
    if a is not None:
        movsb_min = sizes[a]
        movsb_max = sizes[b] if b < n else SIZE_MAX
        gain = math.exp((pm[b] - pm[a]) / (b - a))
        reasons.append(f"rep movsb for [{fmt_size(sizes[a])}, "
                       f"{fmt_size(sizes[b]) if b < n else 'no limit'}): {gain:.2f}x {block} "
                       f"there (geometric mean)")
    else:
        reasons.append(f"rep movsb: no size range where it beats {block} by > {never}: no window")
    nt_min = None
    if t < n:
        nt_min = sizes[t]
        gain = math.exp((pn[n] - pn[t]) / (n - t))
        reasons.append(f"non-temporal from {fmt_size(nt_min)}: {gain:.2f}x {block} from there "
                       f"on (geometric mean)")
    else:
        reasons.append(f"non-temporal stores: no size from which they beat {block} by > "
                       f"{never}: never")
    return {"block": block, "movsb_min": movsb_min, "movsb_max": movsb_max,
            "nt_min": nt_min}, reasons


def cmd_tune(args):
    os.makedirs(REPORTS, exist_ok=True)
    env = bench_env(use_tuning=False)
    stamp, started = utc_stamp()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_json = os.path.join(tmp, "out.json")
        log = os.path.join(REPORTS, f"tune-{stamp}.log")
        elapsed = run_benchmarks("tune", "tune", None, args.repetitions, args.min_time, env,
                                 tmp_json, log)
        if elapsed is None or elapsed < 0:
            return 1
        gb_ctx = benchjson.context(tmp_json)
        args.filter = None
        ctx = build_context(gb_ctx, args, env, started, elapsed)
        out_json = os.path.join(REPORTS, f"tune-{stamp}.json")
        gb = finish_json(tmp_json, ctx, out_json)
    res, errors = collect(gb)
    table = {}
    for name, r in res.items():
        m = re.match(r"^tune/(\w+)/(\d+)$", name)
        if m and r["gbps"]:
            table.setdefault(m.group(1), {})[int(m.group(2))] = r["gbps"]
    if not table or errors:
        print(f"vmbytes tune: no usable results ({len(errors)} errors); see {log}",
              file=sys.stderr)
        return 1
    paired = {}
    for name, r in res.items():
        m = re.match(r"^pair/tune/(\w+)/(\w+)/(\d+)$", name)
        if m and r.get("ratio"):
            # time_ratio is candidate time / reference time.
            paired.setdefault(m.group(1), {})[int(m.group(3))] = 1.0 / r["ratio"]
            paired["ref"] = m.group(2)
    tuning, reasons = choose_tuning(table, args.margin / 100.0, ctx["strategies_available"],
                                    paired)
    strats = [s for s in ("default", "libc_dispatched", "avx2", "avx512", "rep_movsb", "nt") if s in table]
    sizes = sorted({z for t in table.values() for z in t})
    print()
    print("median GB/s (hot, aligned, interleaved repetitions):")
    print(f"  {'size':>10} " + " ".join(f"{s:>9}" for s in strats))
    for z in sizes:
        print(f"  {fmt_size(z):>10} " + " ".join(f"{fmt_num(table[s].get(z)):>9}" for s in strats))
    print()
    for r in reasons:
        print("  " + r)
    lines = [
        f"# Written by ./vmbytes tune on {started} ({ctx['cpu_model']}),",
        f"# {args.repetitions} interleaved repetitions, noise margin {args.margin:g}%.",
        f"# Median GB/s and the reasons: {os.path.relpath(out_json, ROOT)}.",
    ]
    # The loader reads lines of at most 127 characters: wrap the comments.
    for r in reasons:
        lines += ["# " + part for part in textwrap.wrap(r, 96, subsequent_indent="  ")]
    lines += [
        f"cpu={gb_ctx.get('vmb_cpu_key', 'unknown')}",  # applied only on this CPU
        f"block={tuning['block']}",
        f"movsb_min={tuning['movsb_min']}",
        f"movsb_max={tuning['movsb_max']}",
        f"nt_min={tuning['nt_min'] if tuning['nt_min'] else 'never'}",
    ]
    atomic_write(TUNING, "\n".join(lines) + "\n")
    print()
    print(f"vmbytes tune: wrote {os.path.relpath(TUNING, ROOT)}:")
    for line in lines:
        if not line.startswith("#"):
            print(f"  {line}")
    return 0

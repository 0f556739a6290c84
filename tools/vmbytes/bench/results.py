# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The results of a run: medians of the repetitions (from the one JSON
reader, tools/vmbytes/benchjson.py), the copy grid, the default path's
speedups over each strategy."""
import math
import re
import statistics

from .. import benchjson, lists

STRATEGY_ORDER = lists.STRATEGY_ORDER  # core/src/copy/strategies.txt


def collect(gb):
    """name -> {'gbps': median GB/s or None, 'ns': median ns per iteration,
    'spread': (max-min)/median of ns, 'n': repetitions}. Medians of the
    repetitions, which ran interleaved with every other benchmark."""
    runs = {}
    errors = {}
    for r in benchjson.iterations(gb):
        if r.error:
            errors[r.base] = r.error
            continue
        b = r.raw
        runs.setdefault(r.base, []).append((r.ns, b.get("bytes_per_second"),
                                            b.get("items_per_second"), b.get("time_ratio"),
                                            b.get("a_ns"), b.get("b_ns")))
    res = {}
    for name, rs in runs.items():
        ns = [r[0] for r in rs]
        med = statistics.median(ns)
        bps = [r[1] for r in rs if r[1] is not None]
        res[name] = {
            "ns": med,
            "gbps": statistics.median(bps) / 1e9 if bps else None,
            "spread": (max(ns) - min(ns)) / med if med > 0 else 0.0,
            "n": len(rs),
        }
        # Paired measurements: the median of the per-repetition ratios.
        ratios = [r[3] for r in rs if r[3] is not None]
        if ratios:
            res[name]["ratio"] = statistics.median(ratios)
            res[name]["ratios"] = ratios
            res[name]["ratio_spread"] = (max(ratios) - min(ratios)) / statistics.median(ratios)
            res[name]["a_ns"] = statistics.median(r[4] for r in rs if r[4] is not None)
            res[name]["b_ns"] = statistics.median(r[5] for r in rs if r[5] is not None)
    return res, errors


def fmt_size(n):
    for unit, div in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= div:
            v = n / div
            if abs(v - round(v)) < 1e-9:
                return f"{int(round(v))} {unit}"
            if abs(2 * v - round(2 * v)) < 1e-9:
                return f"{v:.1f} {unit}"
            return f"{n} B"
    return f"{n} B"


def fmt_num(v, digits=3):
    if v is None:
        return "-"
    if v == 0:
        return "0"
    mag = math.floor(math.log10(abs(v)))
    dec = max(0, digits - 1 - mag)
    return f"{v:.{dec}f}"


COPY_RE = re.compile(r"^copy/(\w+)/(hot|cold)/(\d)t/src(\d+)/dst(\d+)/(\d+)$")


def copy_results(res):
    """(cache, threads, so, do) -> size -> strategy -> result."""
    out = {}
    for name, r in res.items():
        m = COPY_RE.match(name)
        if not m:
            continue
        s, cache, t, so, do, size = m.groups()
        out.setdefault((cache, int(t), int(so), int(do)), {}).setdefault(int(size), {})[s] = r
    return out


def ordered(strats):
    return sorted(strats, key=lambda s: STRATEGY_ORDER.index(s) if s in STRATEGY_ORDER else 99)


def default_speedups(res):
    """size -> rival -> (default throughput / rival throughput, how, the
    per-repetition speedups or None). From the paired measurements (pair/copy/default/<rival>/<size>) where
    they ran, else from the medians of the separate grid benchmarks."""
    out = {}
    for name, r in res.items():
        m = re.match(r"^pair/copy/default/(\w+)/(\d+)$", name)
        # Between 4 and 16 MiB two sides do not fit the LLC together while
        # one does (see copy.c): a pair there is not a hot measurement.
        if m and r.get("ratio") and not (4 << 20 < int(m.group(2)) < 16 << 20):
            out.setdefault(int(m.group(2)), {})[m.group(1)] = (
                1.0 / r["ratio"], "paired", [1.0 / x for x in r.get("ratios", []) if x])
    grid = copy_results(res).get(("hot", 1, 0, 0), {})
    for size, row in grid.items():
        if "default" not in row or not row["default"]["gbps"]:
            continue
        for s, r in row.items():
            if s in ("default", "bytes", "words") or not r["gbps"]:
                continue
            out.setdefault(size, {}).setdefault(
                s, (row["default"]["gbps"] / r["gbps"], "separate", None))
    return out

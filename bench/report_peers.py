# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The report's Peers section (first in it): vmbytes against what a user
would call instead, from the paired peer/* benchmarks (bench/peers/), with
PASS / TIE / FAIL against the issue's numbers; and the size-distribution
ranking. Imported by tools/vmbytes/bench/report.py; standard library only.

Every ratio here is vmbytes against a peer measured in the same process
(A B B A batches, bench/pairs.c), never vmbytes against itself. A verdict
uses verdict.verdict3(): the sign test over the repetitions decides a
median near the bar, so noise gives a TIE, not a PASS or a FAIL.

Hook: another peer (the vm-memory comparison) adds a function
(res, ctx) -> (markdown lines, checks) to HOOKS; its lines follow these
and its checks join this section's. A check is (title, verdict, detail
lines) with verdict "PASS", "TIE", "FAIL" (or True / False / None).
"""
import re

from verdict import verdict3

HOOKS = []

COPY_RE = re.compile(r"^peer/copy/(hot|cold)/dst(\d+)/(\d+)$")
SMALL_RE = re.compile(r"^peer/copy_small/(aligned|odd)/(\d+)$")
DIST_RE = re.compile(r"^peer/dist/(\w+?)(/readback)?$")
ATOMIC_RE = re.compile(r"^peer/atomic/(store|load)/(u\d+)/(\w+)$")
RMW_RE = re.compile(r"^peer/atomic/(fetch_add|cmpxchg)/(u\d+)/(\w+)$")
SLICE_RE = re.compile(r"^peer/slice/(\w+)/(\d+)$")
MOVE_RE = re.compile(r"^peer/move/hot/(\d+)$")
DISTSEP_RE = re.compile(r"^dist/(\w+)/(\w+?)(/readback)?$")


def size_name(n):
    for unit, div in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= div and n % div == 0:
            return f"{n // div} {unit}"
    return f"{n} B"


def speedups(r):
    """(median speedup of vmbytes over the peer, per-repetition speedups):
    1 / time_ratio, above 1 when vmbytes is faster."""
    return 1.0 / r["ratio"], [1.0 / x for x in r.get("ratios", []) if x]


def worst_of(items, bar):
    """@items: (label, pair result). A check over all of them: the worst
    verdict, the worst ratio, and the labels that fail or tie."""
    order = {"PASS": 0, "TIE": 1, "FAIL": 2}
    worst, verdict, fails, ties = None, "PASS", [], []
    for label, r in items:
        sp, reps = speedups(r)
        v, note = verdict3(sp, reps, bar)
        if worst is None or sp < worst[0]:
            worst = (sp, label, r)
        if order[v] > order[verdict]:
            verdict = v
        what = f"{label} {r['ratio']:.2f} ({sp:.2f}x{note.replace(', a tie', '')})"
        if v == "FAIL":
            fails.append(what)
        elif v == "TIE":
            ties.append(what)
    lines = [f"worst: {worst[1]}, time {worst[2]['ratio']:.3f}x the peer's "
             f"({worst[2]['a_ns']:.3g} vs {worst[2]['b_ns']:.3g} ns)",
             f"{len(items)} pairs, {len(fails)} fail, {len(ties)} tie"]
    if fails:
        lines.append("fail (time ratio (vmbytes speed / peer's)): " + "; ".join(fails))
    if ties:
        lines.append("tie: " + "; ".join(ties))
    return verdict, lines


def collect_peers(res):
    p = {"copy": {}, "small": {}, "dist": {}, "atomic": {}, "rmw": {}, "slice": {}, "move": {}}
    for name, r in res.items():
        if not r.get("ratio"):
            continue
        for key, rx in (("copy", COPY_RE), ("small", SMALL_RE), ("dist", DIST_RE),
                        ("atomic", ATOMIC_RE), ("rmw", RMW_RE), ("slice", SLICE_RE),
                        ("move", MOVE_RE)):
            m = rx.match(name)
            if m:
                p[key][m.groups()] = r
    return p


def checks(p):
    out = []
    copy = p["copy"]
    if copy:
        items = [(f"{c}/dst{o}/{size_name(int(z))}", r) for (c, o, z), r in
                 sorted(copy.items(), key=lambda kv: (kv[0][0], int(kv[0][1]), int(kv[0][2])))]
        v, lines = worst_of(items, 1.0)
        out.append(("vmb_copy() >= 1.0x memcpy (direct) throughput at every size, hot/cold, "
                    "dst offset 0/1/7/15", v, lines))
    for kind, bar, title in (("aligned", 1.0, ">= 1.0x memcpy, n <= 8, both aligned"),
                             ("odd", 1.0 / 3, "within 3x of memcpy, n <= 8, single-byte units")):
        items = [(f"{n} B", r) for (k, n), r in sorted(p["small"].items(),
                                                      key=lambda kv: int(kv[0][1])) if k == kind]
        if items:
            v, lines = worst_of(items, bar)
            out.append((f"vmb_copy() {title}", v, lines))
    items = [(d, r) for (d, rb), r in sorted(p["dist"].items(), key=str) if not rb]
    if items:
        v, lines = worst_of(items, 1.05)
        out.append(("default >= 1.05x memcpy's copies/s on every size distribution", v, lines))
    items = [(f"{op} {z} B", r) for (op, z), r in sorted(p["slice"].items())]
    if items:
        v, lines = worst_of(items, 1.0 / 1.02)
        out.append(("write_slice/read_slice 4 KiB within 1.02x of memcpy", v, lines))
    items = [("/".join(k), r) for k, r in sorted(p["atomic"].items())]
    if items:
        v, lines = worst_of(items, 1.0 / 1.1)
        out.append(("API store/load within 1.1x of the raw __atomic builtin", v, lines))
    items = [("/".join(k), r) for k, r in sorted(p["rmw"].items())]
    if items:
        v, lines = worst_of(items, 1.0 / 1.1)
        out.append(("API fetch_add/cmpxchg within 1.1x of the raw __atomic builtin", v, lines))
    return out


def table(header, rows):
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + \
        ["| " + " | ".join(r) + " |" for r in rows]


def copy_table(copy):
    cols = sorted({(c, int(o)) for c, o, _ in copy}, key=lambda k: (k[0] != "hot", k[1]))
    sizes = sorted({int(z) for _, _, z in copy})
    rows = []
    for z in sizes:
        row = [size_name(z)]
        for c, o in cols:
            r = copy.get((c, str(o), str(z)))
            row.append(f"{r['ratio']:.2f}" if r else "-")
        hot = copy.get(("hot", "0", str(z)))
        row.append(f"{hot['b_ns']:.3g}" if hot else "-")
        rows.append(row)
    return table(["size"] + [f"{c} dst{o}" for c, o in cols] + ["memcpy ns (hot, dst0)"], rows)


def ranking(res):
    """Per distribution (and readback variant): every strategy, the default
    and memcpy ranked by the median ns per copy of their separate runs."""
    by = {}
    for name, r in res.items():
        m = DISTSEP_RE.match(name)
        if m and r.get("ns"):
            s, d, rb = m.groups()
            by.setdefault((d, bool(rb)), []).append((r["ns"], s))
    rows = []
    for (d, rb) in sorted(by):
        ranked = sorted(by[(d, rb)])
        rows.append([d + (" readback" if rb else ""),
                     ", ".join(f"{'**' + s + '**' if s in ('default', 'memcpy') else s} "
                               f"{ns:.3g}" for ns, s in ranked)])
    return rows


def section(res, ctx):
    """(markdown lines, checks) of the Peers section."""
    p = collect_peers(res)
    cks = checks(p)
    L = ["## Peers: vmbytes against what a user would call instead", ""]
    status = ctx.get("copy_tuning_status") or (
        "tuning file: " + (ctx.get("copy_tuning_file") or "none, built-in thresholds"))
    L.append("Paired in one process (A = vmbytes, B = the peer, A B B A batches); time ratio = "
             "vmbytes time / peer time, below 1 when vmbytes is faster. The peers: glibc "
             "`memcpy`/`memmove` called directly (`call memcpy@plt`, size opaque), the raw "
             f"`__atomic_*` builtins. Copy thresholds: {status}.")
    L.append("")
    for title, v, lines in cks:
        L.append(f"- **{v}** {title}: " + "; ".join(lines))
    L.append("")
    if p["copy"]:
        L.append("### vmb_copy() / memcpy, time ratio")
        L.append("")
        L += copy_table(p["copy"])
        L.append("")
    small = p["small"]
    if small:
        L.append("### n <= 8: vmb_copy() (S10 units) / memcpy, time ratio")
        L.append("")
        ns = sorted({int(n) for _, n in small})
        L += table(["alignment"] + [f"{n} B" for n in ns],
                   [[k] + [f"{small[(k, str(n))]['ratio']:.2f}" if (k, str(n)) in small else "-"
                           for n in ns] for k in ("aligned", "odd")])
        L.append("")
    other = [(f"`peer/dist/{d}{rb or ''}`", r) for (d, rb), r in sorted(p["dist"].items(), key=str)]
    other += [(f"`peer/slice/{op}/{z}`", r) for (op, z), r in sorted(p["slice"].items())]
    other += [(f"`peer/move/hot/{z}`", r) for (z,), r in sorted(p["move"].items(),
                                                              key=lambda kv: int(kv[0][0]))]
    other += [(f"`peer/atomic/{'/'.join(k)}`", r) for k, r in sorted(p["atomic"].items())]
    other += [(f"`peer/atomic/{'/'.join(k)}`", r) for k, r in sorted(p["rmw"].items())]
    if other:
        L.append("### Other peers (dist: copies/s ratio = 1 / time ratio)")
        L.append("")
        # ns: each side's total time over its runs (a preempted batch
        # included); the ratio: the median over rounds of adjacent batches.
        L += table(["pair", "vmbytes ns (mean)", "peer ns (mean)", "time ratio (median of rounds)",
                    "vmbytes/peer copies per s"],
                   [[n, f"{r['a_ns']:.3g}", f"{r['b_ns']:.3g}", f"{r['ratio']:.3f}",
                     f"{1 / r['ratio']:.3f}"] for n, r in other])
        L.append("")
    rows = ranking(res)
    if rows:
        L.append("### Size distributions: ranking, ns per copy (separate medians, fastest first)")
        L.append("")
        L.append("Separate benchmarks, so a few percent apart is noise; the paired "
                 "`peer/dist/...` ratios above decide the target. Readback: the destination "
                 "read after each copy (what exposes streaming stores).")
        L.append("")
        L += table(["distribution", "ranking"], rows)
        L.append("")
    for hook in HOOKS:
        lines, more = hook(res, ctx)
        L += lines
        cks += more
    return L, cks


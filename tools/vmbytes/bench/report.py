# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The markdown report of a run: one function per section, each returning
its lines ([] when the run has nothing for it), and write_report() that
puts them in order and writes the page and its verdicts."""
import json
import os
import re
from collections import namedtuple

import report_peers  # bench/report_peers.py: the Peers section, first in the report
import vmmemory  # bench/peers/vmmemory.py: the vm-memory peer's section and checks
from verdict import word  # bench/verdict.py

from .checks import checks
from . import atomic_write
from .plots import PNG, gnuplot, md_table, plot_heatmap, plot_throughput
from .results import collect, copy_results, default_speedups, fmt_num, fmt_size, ordered
from .runner import fmt_duration

report_peers.HOOKS.append(lambda res, ctx: (vmmemory.section(ctx), vmmemory.checks(ctx)))

# What a section sees: the results by name, the run's context, where the
# plots go (and that folder's name, as the page links it).
Page = namedtuple("Page", "res ctx plot_dir rel_plots")


def image(page, png, alt):
    """The lines that show @png, which a plot function just wrote."""
    return [f"![{alt}]({page.rel_plots}/{png})", ""]


def section_header(page, n_results):
    ctx = page.ctx
    thr = ctx["copy_thresholds_in_force"]
    return [
        f"# vmbytes benchmarks, {ctx['started_utc']}",
        "",
        f"`{ctx['command']}`: {ctx['mode']} run, {n_results} benchmarks, "
        f"{ctx['repetitions']} interleaved repetitions of at least {ctx['min_time_s']} s "
        f"each, {fmt_duration(ctx['duration_s'])}. Every figure is the median of the "
        f"repetitions; ratios compare medians taken in the same process.",
        "",
        f"- CPU: {ctx['cpu_model']} x {ctx['cpu_count']}; "
        f"flags: {' '.join(ctx['cpu_flags_relevant'])}",
        f"- Compiler: {ctx['compiler']}, `{ctx['compiler_flags']}`",
        f"- {ctx['glibc_version']}; memcpy resolves to `{ctx['glibc_memcpy']}`; "
        + ", ".join(f"{k}={v}" for k, v in ctx["glibc_tunables"].items()),
        f"- Copy thresholds in force: block={thr['block']}, rep movsb in "
        f"[{thr['movsb_min']}, {thr['movsb_max']}), nt from {thr['nt_min']} "
        f"(tuning file: {ctx['copy_tuning_file'] or 'none, built-in'})",
        f"- Google Benchmark library build: {ctx['google_benchmark_build']} "
        f"(Debian's package calls itself a debug build)",
        "",
    ]


def section_self_checks(cks):
    if not cks:
        return []
    return (["## Regression gates and earlier targets (vmbytes against itself)", ""]
            + [f"- **{word(ok)}** {title}: " + "; ".join(lines) for title, ok, lines in cks]
            + [""])


def section_errors(errors):
    if not errors:
        return []
    return (["## Benchmarks that reported an error", ""]
            + [f"- `{n}`: {e}" for n, e in sorted(errors.items())] + [""])


def section_paired_default(page):
    sp = {z: {s: v for s, v in row.items() if v[1] == "paired"}
          for z, row in default_speedups(page.res).items()}
    sp = {z: row for z, row in sp.items() if row}
    if not sp:
        return []
    L = ["## Default path against each strategy, paired (hot, aligned, 1 thread)", "",
         "Default throughput / the strategy's, measured alternately in one loop "
         "(batches of ~20 us, A B B A), median over repetitions; above 1 the default "
         "is faster.", ""]
    rivals = ordered({s for row in sp.values() for s in row})
    rows = []
    for z in sorted(sp):
        best = min(sp[z], key=lambda s: sp[z][s][0])
        rows.append([fmt_size(z)] + [f"{sp[z][s][0]:.3f}" if s in sp[z] else "-"
                                     for s in rivals] + [f"{sp[z][best][0]:.3f} ({best})"])
    return L + md_table(["size"] + rivals + ["default/best"], rows) + [""]


def aligned_row(size, row, strats):
    cand = [s for s in row if s != "default" and row[s]["gbps"]]
    best = max(cand, key=lambda s: row[s]["gbps"]) if cand else None
    d = row.get("default", {}).get("gbps")
    cells = [fmt_size(size)] + [fmt_num(row[s]["gbps"]) if s in row else "-" for s in strats]
    cells.append(best or "-")
    cells.append(f"{d / row[best]['gbps']:.2f}" if d and best else "-")
    cells.append(f"{d / row['libc_dispatched']['gbps']:.2f}" if d and "libc_dispatched" in row else "-")
    return cells


def section_copy_aligned(page, copies):
    aligned = [k for k in copies if k[2] == 0 and k[3] == 0]
    if not aligned:
        return []
    L = ["## Copy throughput (GB/s), aligned", ""]
    for key in sorted(aligned, key=lambda k: (k[1], k[0] != "hot")):
        cache, threads = key[0], key[1]
        grid = copies[key]
        strats = ordered({s for row in grid.values() for s in row})
        L += [f"### {cache} caches, {threads} thread{'s' if threads > 1 else ''}", ""]
        png = f"copy-{cache}-{threads}t.png"
        if plot_throughput({s: [(z, grid[z][s]["gbps"]) for z in grid if s in grid[z]]
                            for s in strats},
                           f"copy throughput, {cache} caches, {threads} thread(s), aligned",
                           os.path.join(page.plot_dir, png), page.plot_dir):
            L += image(page, png, f"copy {cache} {threads}t")
        rows = [aligned_row(size, grid[size], strats) for size in sorted(grid)]
        L += md_table(["size"] + strats + ["best", "default/best", "default/libc_dispatched"], rows)
        L.append("")
    return L


def alignment_heatmaps(page, copies, misaligned, offs, size, strats):
    """One heat map per strategy at @size: source offset x destination offset."""
    pngs = []
    for s in strats:
        cells = {}
        for so, do in misaligned:
            r = copies[("hot", 1, so, do)].get(size, {}).get(s)
            if r:
                cells[(f"dst{do}", f"src{so}")] = r["gbps"]
        png = f"align-{size}-{s}.png"
        if plot_heatmap(cells, [f"dst{o}" for o in offs], [f"src{o}" for o in offs],
                        f"{s}, {fmt_size(size)}: GB/s by offset",
                        os.path.join(page.plot_dir, png), page.plot_dir, "GB/s",
                        width=520, height=420):
            pngs.append(f"![{s}]({page.rel_plots}/{png})")
    return [" ".join(pngs), ""] if pngs else []


def alignment_table(copies, misaligned, size, strats):
    rows = []
    for so, do in misaligned:
        row = copies[("hot", 1, so, do)].get(size, {})
        if not row:
            continue
        cand = [s for s in row if s != "default"]
        best = max(cand, key=lambda s: row[s]["gbps"] or 0) if cand else None
        d = row.get("default", {}).get("gbps")
        rows.append([f"src{so}/dst{do}"]
                    + [fmt_num(row[s]["gbps"]) if s in row else "-" for s in strats]
                    + [best or "-", f"{d / row[best]['gbps']:.2f}" if d and best else "-"])
    return md_table(["offsets"] + strats + ["best", "default/best"], rows) + [""]


def section_copy_alignment(page, copies):
    misaligned = sorted({k[2:] for k in copies if k[0] == "hot" and k[1] == 1})
    if len(misaligned) <= 1:
        return []
    L = ["## Copy throughput by alignment (hot, 1 thread)", ""]
    sizes = sorted({z for k in copies if k[0] == "hot" and k[1] == 1 and k[2:] != (0, 0)
                    for z in copies[k]})
    offs = sorted({o for k in misaligned for o in k})
    # Default path, one line per offset pair where source and
    # destination are equally misaligned, or only one of them is.
    series = {}
    for so, do in misaligned:
        if not (so == do or so == 0 or do == 0):
            continue
        g = copies[("hot", 1, so, do)]
        series[f"src{so} dst{do}"] = [(z, g[z]["default"]["gbps"]) for z in sizes
                                      if z in g and "default" in g[z]]
    if plot_throughput(series, "default path by alignment (hot, 1 thread)",
                       os.path.join(page.plot_dir, "align-default.png"), page.plot_dir):
        L += image(page, "align-default.png", "default by alignment")
    for size in sizes:
        strats = ordered({s for k in misaligned for s in copies[("hot", 1) + k].get(size, {})})
        L += [f"### {fmt_size(size)}", ""]
        L += alignment_heatmaps(page, copies, misaligned, offs, size, strats)
        L += alignment_table(copies, misaligned, size, strats)
    return L


ATOMIC_WIDTHS = ["u8", "u16", "u32", "u64"]
ATOMIC_ORDERS = {"store": ["relaxed", "release", "seq_cst"], "load": ["relaxed", "acquire", "seq_cst"]}


def atomics_one_thread(page, atom):
    rows, cells, ys = [], {}, []
    for op in ("store", "load"):
        for w in ATOMIC_WIDTHS:
            row = [f"{op} {w}"]
            for i, o in enumerate(ATOMIC_ORDERS[op]):
                a = atom.get(f"atomic/api/{op}/{w}/{o}")
                r = atom.get(f"atomic/raw/{op}/{w}/{o}")
                row.append(f"{fmt_num(a['ns'])} / {fmt_num(r['ns'])} = {a['ns'] / r['ns']:.2f}x"
                           if a and r else "-")
                col = ["relaxed", "release/acquire", "seq_cst"][i]
                if a:
                    cells[(f"api {col}", f"{op} {w}")] = a["ns"]
                if r:
                    cells[(f"raw {col}", f"{op} {w}")] = r["ns"]
            rows.append(row)
            ys.append(f"{op} {w}")
    L = ["API / raw builtin, single thread:", ""]
    L += md_table(["", "relaxed", "release (store) / acquire (load)", "seq_cst"], rows) + [""]
    xs = [f"{i} {o}" for o in ("relaxed", "release/acquire", "seq_cst") for i in ("api", "raw")]
    if cells and plot_heatmap(cells, xs, ys, "atomics: ns per access, one thread",
                              os.path.join(page.plot_dir, "atomics.png"), page.plot_dir, "ns",
                              fmt="%.2f", logcb=True):
        L += image(page, "atomics.png", "atomics")
    return L


def atomics_two_threads(page, atom):
    shared = sorted({n.split("/")[-1] for n in atom if n.count("/") == 5})
    if not shared:
        return []
    rows, cells, ys = [], {}, []
    for op in ("store", "load"):
        for w in ATOMIC_WIDTHS:
            for o in ATOMIC_ORDERS[op]:
                row = [f"{op} {w} {o}"]
                for mode in shared:
                    a = atom.get(f"atomic/api/{op}/{w}/{o}/{mode}")
                    r = atom.get(f"atomic/raw/{op}/{w}/{o}/{mode}")
                    row.append(f"{fmt_num(a['ns'])} / {fmt_num(r['ns'])}" if a and r else "-")
                    if r:
                        cells[(mode, f"{op} {w} {o}")] = r["ns"]
                rows.append(row)
                ys.append(f"{op} {w} {o}")
    L = ["Two threads (ns per access, wall clock; api / raw):", ""]
    L += md_table(["access"] + shared, rows) + [""]
    if plot_heatmap(cells, shared, ys, "raw atomics, two threads: ns per access",
                    os.path.join(page.plot_dir, "atomics-shared.png"), page.plot_dir, "ns",
                    fmt="%.1f", logcb=True, width=700, height=900):
        L += image(page, "atomics-shared.png", "atomics, two threads")
    return L


def section_atomics(page):
    atom = {n: r for n, r in page.res.items() if n.startswith("atomic/")}
    if not atom:
        return []
    return (["## Atomics (ns per access)", ""] + atomics_one_thread(page, atom)
            + atomics_two_threads(page, atom))


def find_region_plot(page, cont):
    """Random lookups only (container/find_region/<n>; .../in_order is the
    reference's pattern, in the table)."""
    fr = sorted((int(n.rsplit("/", 1)[1]), r["ns"]) for n, r in cont.items()
                if re.fullmatch(r"container/find_region/\d+", n))
    if len(fr) <= 1:
        return []
    with open(os.path.join(page.plot_dir, "fr.dat"), "w") as f:
        for n, ns in fr:
            f.write(f"{n} {ns}\n")
    if gnuplot(PNG + """set output 'find_region.png'
set title 'find_region: ns per lookup (random addresses)'
set logscale x 2
set xlabel 'regions'
set ylabel 'ns'
set grid
set yrange [0:*]
plot 'fr.dat' using 1:2 with linespoints title 'find_region'
""", page.plot_dir):
        return image(page, "find_region.png", "find_region")
    return []


def section_containers(page):
    cont = {n: r for n, r in page.res.items() if n.startswith("container/")}
    if not cont:
        return []
    rows = [[f"`{n}`", fmt_num(r["ns"]), fmt_num(r["gbps"]) if r["gbps"] else "-",
             f"{100 * r['spread']:.0f}%"] for n, r in sorted(cont.items(), key=lambda kv: (
                 re.sub(r"\d+", lambda m: m.group(0).zfill(8), kv[0])))]
    return (["## Container operations", ""] + md_table(["benchmark", "ns/op", "GB/s", "spread"], rows)
            + [""] + find_region_plot(page, cont))


def section_other_pairs(page):
    prs = {n: r for n, r in page.res.items()
           if n.startswith("pair/") and not n.startswith("pair/copy/") and r.get("ratio")}
    if not prs:
        return []
    return (["## Other paired ratios (A / B time, median; spread = (max-min)/median)", ""]
            + md_table(["pair", "A ns", "B ns", "A/B", "spread"],
                       [[f"`{n}`", fmt_num(r["a_ns"]), fmt_num(r["b_ns"]), f"{r['ratio']:.3f}",
                         f"{100 * r['ratio_spread']:.0f}%"] for n, r in sorted(prs.items())])
            + [""])


def section_other(page):
    other = {n: r for n, r in page.res.items()
             if not re.match(r"^(copy|dist|atomic|container|pair|peer)/", n)}
    if not other:
        return []
    return (["## Other", ""]
            + md_table(["benchmark", "ns/op", "GB/s"],
                       [[f"`{n}`", fmt_num(r["ns"]), fmt_num(r["gbps"])]
                        for n, r in sorted(other.items())])
            + [""])


def write_report(gb, ctx, stamp, md_path, plot_dir):
    """Write the report of the run @gb (with its context @ctx) to @md_path,
    its plots to @plot_dir and its verdicts beside it (.verdicts.json);
    returns the checks as (title, verdict, detail lines)."""
    res, errors = collect(gb)
    os.makedirs(plot_dir, exist_ok=True)
    page = Page(res, ctx, plot_dir, os.path.basename(plot_dir))
    peer_lines, peer_cks = report_peers.section(res, ctx)
    self_cks = checks(res)
    copies = copy_results(res)
    # Size distributions are ranked in the Peers section (report_peers.py).
    L = (section_header(page, len(res)) + peer_lines + section_self_checks(self_cks)
         + section_errors(errors) + section_paired_default(page)
         + section_copy_aligned(page, copies) + section_copy_alignment(page, copies)
         + section_atomics(page) + section_containers(page) + section_other_pairs(page)
         + section_other(page))
    for f in os.listdir(plot_dir):
        if f.endswith((".dat", ".gp")):
            os.unlink(os.path.join(plot_dir, f))
    atomic_write(md_path, "\n".join(L) + "\n")
    # The verdicts as data, for ci/report.py's headline table.
    verdicts = [{"group": g, "verdict": word(ok), "title": title, "detail": "; ".join(lines)}
                for g, part in (("peers", peer_cks), ("self", self_cks)) for title, ok, lines in part]
    atomic_write(md_path[:-len(".md")] + ".verdicts.json",
                 json.dumps({"started_utc": ctx["started_utc"], "checks": verdicts}, indent=1))
    return peer_cks + self_cks

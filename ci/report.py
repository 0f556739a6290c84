#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""Build reports/index.md and reports/index.html from what the suite wrote:
reports/fuzz/summary.json (+ crashes), reports/coverage/summary.json,
reports/bench/latest.json + latest.md + *.png, reports/gate/verdict.json
and reports/run.json (the steps of the last `./vmbytes run`).

usage: report.py        (stdlib only; a missing part is reported as missing)
"""
import glob
import html
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REP = os.path.join(ROOT, "reports")


def load(path):
    try:
        with open(os.path.join(REP, path)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read(path, limit=4000):
    try:
        with open(os.path.join(REP, path)) as f:
            return f.read()[:limit]
    except OSError:
        return None


def table(head, rows):
    """(markdown, html) of one table."""
    md = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    md += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    h = ["<table><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head) + "</tr>"]
    h += ["<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows]
    h.append("</table>")
    return "\n".join(md), "\n".join(h)


def main():
    md, hh = ["# vmbytes report", ""], []
    run = load("run.json")
    if run:
        rows = [(s["step"], "ok" if s["ok"] else "FAILED", f"{s['seconds']:.0f}", s.get("detail", ""))
                for s in run["steps"]]
        m, h = table(["step", "result", "seconds", "detail"], rows)
        md += [f"Run of {run['started']} ({run['seconds']:.0f} s).", "", m, ""]
        hh += [f"<p>Run of {html.escape(run['started'])} ({run['seconds']:.0f} s).</p>", h]

    fuzz = load("fuzz/summary.json")
    md += ["## Fuzzing", ""]
    hh.append("<h2>Fuzzing</h2>")
    if fuzz:
        rows = []
        for t, engines in sorted(fuzz["targets"].items()):
            for e, r in sorted(engines.items()):
                crashes = sum(1 for c in fuzz["crashes"] if c["target"] == t)
                rows.append((t, e, f"{r['execs_per_sec']:.0f}", r["coverage"], r["corpus"],
                             fuzz["corpus_sizes"].get(t, ""), r["merged"], crashes))
        m, h = table(["target", "engine", "execs/s", "coverage", "queue", "corpus/", "merged",
                      "crashes"], rows)
        md += [f"Budget {fuzz['budget_seconds']:.0f} s, "
               f"{'finished' if fuzz['finished'] else 'interrupted'}; "
               f"{len(fuzz['crashes'])} unique crashes.", "", m, ""]
        hh += [f"<p>Budget {fuzz['budget_seconds']:.0f} s; {len(fuzz['crashes'])} unique crashes.</p>", h]
        for c in fuzz["crashes"]:
            ops = read(os.path.join(os.path.relpath(os.path.join(ROOT, c["dir"]), REP), "decoded.ops")) or ""
            md += [f"### Crash in `{c['target']}`: {c['signature']}", "", "```", ops.rstrip(), "```", ""]
            hh += [f"<h3>Crash in {html.escape(c['target'])}: {html.escape(c['signature'])}</h3>",
                   f"<pre>{html.escape(ops)}</pre>"]
    else:
        md += ["No campaign summary (run `./vmbytes fuzz`).", ""]
        hh.append("<p>No campaign summary.</p>")

    cov = load("coverage/summary.json")
    md += ["## Coverage of core/src from the corpus", ""]
    hh.append("<h2>Coverage of core/src from the corpus</h2>")
    if cov:
        t = cov["totals"]
        rows = [(os.path.basename(f), f"{v['lines']:.1f}%", f"{v['branches']:.1f}%",
                 f"{v['functions']:.1f}%") for f, v in sorted(cov["files"].items())]
        rows.append(("TOTAL", f"{t['lines']['percent']:.1f}%", f"{t['branches']['percent']:.1f}%",
                     f"{t['functions']['percent']:.1f}%"))
        m, h = table(["file", "lines", "branches", "functions"], rows)
        md += [m, "", "Line by line: [coverage/html/index.html](coverage/html/index.html)", ""]
        hh += [h, '<p><a href="coverage/html/index.html">line by line</a></p>']
    else:
        md += ["No coverage summary (run `./vmbytes coverage`).", ""]
        hh.append("<p>No coverage summary.</p>")

    md += ["## Benchmarks", ""]
    hh.append("<h2>Benchmarks</h2>")
    bench = read("bench/latest.md", 60000)
    # The plots of the newest run (bench/<UTC time>/), heat maps left to that folder.
    runs = sorted(d for d in glob.glob(os.path.join(REP, "bench", "2*")) if os.path.isdir(d))
    pngs = sorted(p for p in glob.glob(os.path.join(runs[-1], "*.png")) if "heat" not in p)[:12] \
        if runs else []
    if bench:
        md += [bench.replace("](", "](bench/"), ""]
        hh.append(f"<pre>{html.escape(bench)}</pre>")
    else:
        md += ["No benchmark report (run `./vmbytes bench --quick`).", ""]
        hh.append("<p>No benchmark report.</p>")
    for p in pngs:
        rel = os.path.relpath(p, REP)
        md += [f"![{os.path.basename(p)}]({rel})", ""]
        hh.append(f'<p><img src="{html.escape(rel)}" alt="{html.escape(os.path.basename(p))}" '
                  'style="max-width:100%"></p>')

    gate = load("gate/verdict.json")
    md += ["## Gate", ""]
    hh.append("<h2>Gate</h2>")
    if gate:
        rows = [(s["stage"], "skipped" if s["pass"] is None else "pass" if s["pass"] else "FAIL", f"{s['seconds']:.0f}", s["detail"])
                for s in gate["stages"]]
        m, h = table(["stage", "verdict", "seconds", "detail"], rows)
        md += [f"Verdict: **{'PASS' if gate['pass'] else 'FAIL'}**", "", m, ""]
        hh += [f"<p>Verdict: <b>{'PASS' if gate['pass'] else 'FAIL'}</b></p>", h]
    else:
        md += ["No gate verdict (run `./vmbytes gate`).", ""]
        hh.append("<p>No gate verdict.</p>")

    with open(os.path.join(REP, "index.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    style = ("body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;"
             "padding:.2em .6em;text-align:right}th{background:#eee}pre{background:#f6f6f6;"
             "padding:.8em;overflow-x:auto}")
    with open(os.path.join(REP, "index.html"), "w") as f:
        f.write(f"<!doctype html><html><head><meta charset='utf-8'><title>vmbytes report</title>"
                f"<style>{style}</style></head><body><h1>vmbytes report</h1>\n"
                + "\n".join(hh) + "\n</body></html>\n")
    print(f"report: {os.path.relpath(os.path.join(REP, 'index.html'), ROOT)} and index.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())

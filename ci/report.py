#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""Build index.html (and index.md, the same summary as markdown) in the
reports directory from what the suite wrote there: fuzz/summary.json
(+ crashes/), coverage/summary.json (+ html/), bench/latest.md with
bench/latest.verdicts.json and the plots, gate/verdict.json and run.json
(the steps of the last `./vmbytes run`). A missing part is said to be
missing; nothing links to a file that is not there.

usage: report.py [--reports DIR]   (default: reports/ of this checkout)

The HTML renders the bench report's markdown with Debian's python3-markdown
(ci/report_html.py); everything else is written as HTML directly.
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "ci"))
from vmbytes import cliargs  # noqa: E402
import report_html as H  # noqa: E402  (exits 1 with one line without python3-markdown)

VERDICT_RE = re.compile(r"^- \*\*(PASS|FAIL|TIE)\*\* (.*?): (.*)$")


def load(rep, path):
    try:
        with open(os.path.join(rep, path)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read(rep, path, limit=200000):
    try:
        with open(os.path.join(rep, path), errors="replace") as f:
            return f.read()[:limit]
    except OSError:
        return None


def md_table(head, rows):
    cell = lambda c: str(c.html if isinstance(c, H.Raw) else c).replace("|", "/")  # noqa: E731
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + \
        ["| " + " | ".join(re.sub(r"<[^>]+>", "", cell(c)) for c in r) + " |" for r in rows]


def bench_verdicts(rep, md):
    """[(group, verdict, title, detail)]: bench/latest.verdicts.json
    (tools/vmbytes/bench/report.py writes it beside latest.md), else the verdict bullets of
    the markdown, grouped by the section they sit in."""
    data = load(rep, "bench/latest.verdicts.json")
    out = []
    if data and isinstance(data.get("checks"), list):
        for c in data["checks"]:
            out.append((c.get("group", ""), c.get("verdict", "?"), c.get("title", ""),
                        c.get("detail", "")))
        return out
    section = ""
    for line in (md or "").splitlines():
        if line.startswith("## "):
            section = "self" if "itself" in line else "peers" if "Peers" in line else line[3:]
        m = VERDICT_RE.match(line)
        if m:
            out.append((section, m.group(1), m.group(2), m.group(3)))
    return out


def group_label(group, title):
    if "vm-memory" in title:
        return "vs vm-memory 0.10"
    if group == "peers":
        return "vs glibc memcpy / __atomic"
    if group == "self":
        return "regression gate (vmbytes vs itself)"
    return group


def tally(words):
    n = {w: sum(1 for x in words if x == w) for w in ("PASS", "TIE", "FAIL")}
    return f"{n['PASS']} pass, {n['TIE']} tie, {n['FAIL']} fail"


def fuzz_part(rep, fuzz, glance, md, hh):
    md += ["## Fuzzing", ""]
    hh.append('<h2 id="fuzz">Fuzzing</h2>')
    if not fuzz:
        glance.append(("Fuzzing", "NONE", "no campaign summary (run ./vmbytes fuzz)", None))
        md += ["No campaign summary (run `./vmbytes fuzz`).", ""]
        hh.append("<p>No campaign summary (run <code>./vmbytes fuzz</code>).</p>")
        return
    crashes, flaky = fuzz.get("crashes", []), fuzz.get("flaky", [])
    rows = []
    for t, engines in sorted(fuzz["targets"].items()):
        lf, afl = engines.get("libfuzzer", {}), engines.get("afl", {})
        n = sum(1 for c in crashes if c["target"] == t)
        errs = [f"{e}: {r['error']}" for e, r in sorted(engines.items()) if r.get("error")]
        status = "CRASH" if n else "FAIL" if errs else "ok"
        rows.append((t, H.Raw(H.badge(status, "PASS" if status == "ok" else "FAIL")),
                     f"{lf['execs_per_sec']:.0f}" if lf else "-", lf.get("coverage", "-"),
                     f"{afl['execs_per_sec']:.0f}" if afl else "-", afl.get("coverage", "-"),
                     fuzz.get("corpus_sizes", {}).get(t, "-"),
                     sum(r.get("merged", 0) for r in engines.values()), n,
                     "; ".join(errs)))
    head = ["target", "status", "libFuzzer execs/s", "libFuzzer edges (cov)",
            "AFL++ execs/s", "AFL++ bitmap coverage", "corpus/ entries", "merged",
            "crashes", "error"]
    if not any(r[-1] for r in rows):
        head, rows = head[:-1], [r[:-1] for r in rows]
    state = "finished" if fuzz.get("finished") else "interrupted"
    bad = sum(1 for r in rows if ">ok<" not in r[1].html)
    glance.append(("Fuzzing", "FAIL" if crashes or bad else "PASS",
                   f"{len(rows)} targets, {len(crashes)} unique crashes, {len(flaky)} flaky; "
                   f"budget {fuzz['budget_seconds']:.0f} s, {state}", "#fuzz"))
    note = (f"Budget {fuzz['budget_seconds']:.0f} s, {state}; {len(crashes)} unique crashes, "
            f"{len(flaky)} flaky (not reproduced by replay). The two engines measure coverage "
            "differently, so each has its own column: libFuzzer counts the edges (cov:) it "
            "has seen; AFL++ gives the share of its coverage bitmap that is set.")
    md += [note, ""] + md_table(head, rows) + [""]
    hh += [f"<p>{H.esc(note)}</p>", H.table(head, rows, left=(0, 1, len(head) - 1))]
    for c in crashes:
        where = c["dir"][len("reports/"):] if c["dir"].startswith("reports/") else c["dir"]
        ops = read(rep, os.path.join(where, "decoded.ops"), 3000) or ""
        md += [f"### Crash in `{c['target']}`: {c['signature']}", "", "```", ops.rstrip(), "```", ""]
        hh += [f"<h3>Crash in {H.esc(c['target'])}: {H.esc(c['signature'])}</h3>",
               f"<pre>{H.esc(ops or '(no decoded.ops)')}</pre>"]


def coverage_part(rep, cov, glance, md, hh):
    md += ["## Coverage of core/src from the corpus", ""]
    hh.append('<h2 id="coverage">Coverage of core/src from the corpus</h2>')
    if not cov:
        glance.append(("Coverage", "NONE", "no coverage summary (run ./vmbytes coverage)", None))
        md += ["No coverage summary (run `./vmbytes coverage`).", ""]
        hh.append("<p>No coverage summary (run <code>./vmbytes coverage</code>).</p>")
        return
    t = cov["totals"]
    lines, branches = t["lines"]["percent"], t["branches"]["percent"]
    floor = cov.get("floor", {"lines": 95.0, "branches": 90.0})  # fuzz/coverage.py's bar
    ok = cov.get("pass", lines >= floor["lines"] and branches >= floor["branches"])
    glance.append(("Coverage", "PASS" if ok else "FAIL",
                   f"lines {lines:.1f}%, branches {branches:.1f}% (floor {floor['lines']:.0f}% "
                   f"/ {floor['branches']:.0f}%)", "#coverage"))
    rows = [(os.path.relpath(f, "core/src"), f"{v['lines']:.1f}%", f"{v['branches']:.1f}%",
             f"{v['functions']:.1f}%") for f, v in sorted(cov["files"].items())]
    rows.append(("TOTAL", f"{lines:.1f}%", f"{branches:.1f}%", f"{t['functions']['percent']:.1f}%"))
    # Modules judged on their own floor (fuzz/coverage.py MODULES: virtq/).
    for name, m in sorted(cov.get("modules", {}).items()):
        rows.append((f"{name}/src (own floor {m['floor']['lines']:.0f}% / "
                     f"{m['floor']['branches']:.0f}%)", f"{m['lines']['percent']:.1f}%",
                     f"{m['branches']['percent']:.1f}%", ""))
    head = ["file", "lines", "branches", "functions"]
    md += md_table(head, rows) + [""]
    hh.append(H.table(head, rows))
    if os.path.exists(os.path.join(rep, "coverage/html/index.html")):
        md += ["Line by line: [coverage/html/index.html](coverage/html/index.html)", ""]
        hh.append('<p>Line by line: <a href="coverage/html/index.html">coverage/html/index.html</a></p>')
    else:
        md += ["(No line-by-line view: `./vmbytes coverage` writes coverage/html/.)", ""]
        hh.append('<p class="muted">No line-by-line view here: <code>./vmbytes coverage</code> '
                  'writes coverage/html/.</p>')


def bench_part(rep, glance, md, hh):
    md += ["## Benchmarks", ""]
    hh.append('<h2 id="bench">Benchmarks</h2>')
    text = read(rep, "bench/latest.md")
    if not text:
        glance.append(("Benchmarks", "NONE", "no benchmark report (run ./vmbytes bench --quick)",
                       None))
        md += ["No benchmark report (run `./vmbytes bench --quick`).", ""]
        hh.append("<p>No benchmark report (run <code>./vmbytes bench --quick</code>).</p>")
        return
    first = text.splitlines()[0].lstrip("# ") if text.strip() else "benchmarks"
    checks = bench_verdicts(rep, text)
    groups = {}
    for g, v, title, detail in checks:
        groups.setdefault(group_label(g, title), []).append((v, title, detail))
    for label, items in groups.items():
        words = [v for v, _, _ in items]
        worst = "FAIL" if "FAIL" in words else "TIE" if "TIE" in words else "PASS"
        # The headline numbers: the first check with the worst verdict.
        _, title, detail = next(i for i in items if i[0] == worst)
        segs = detail.split("; ")
        nums = [x for x in segs if x.startswith(("worst", "geometric mean"))] or segs[:1]
        head = f"{title}: {'; '.join(nums)}"
        head = head if len(head) <= 240 else head[:237] + "..."
        glance.append((f"Bench {label}", worst, f"{tally(words)}. {worst}: {head}", "#bench"))
    if not checks:
        glance.append(("Benchmarks", "NONE", "the report has no verdicts", "#bench"))
    rows = [(group_label(g, t), H.Raw(H.badge(v)), t, d) for g, v, t, d in checks]
    head = ["against", "verdict", "check", "numbers"]
    md += [f"From bench/latest.md ({first}).", ""] + md_table(head, rows) + [""]
    hh += [f"<p>Headline verdicts of the newest run ({H.esc(first)}). A ratio against a peer "
           "(glibc memcpy called directly, the raw __atomic builtins, vm-memory 0.10) is measured "
           "in the same run; a regression gate compares vmbytes with itself.</p>",
           H.table(head, rows, left=(0, 2, 3)),
           "<details open><summary>The full benchmark report (bench/latest.md)</summary>"
           '<div class="bench">', H.markdown_html(text, rep, "bench"), "</div></details>"]


def gate_part(gate, glance, md, hh):
    md += ["## Gate", ""]
    hh.append('<h2 id="gate">Gate</h2>')
    if not gate:
        glance.append(("Gate", "NONE", "no gate verdict (run ./vmbytes gate)", None))
        md += ["No gate verdict (run `./vmbytes gate`).", ""]
        hh.append("<p>No gate verdict (run <code>./vmbytes gate</code>).</p>")
        return
    word = lambda p: "skipped" if p is None else "PASS" if p else "FAIL"  # noqa: E731
    rows = [(s["stage"], H.Raw(H.badge(word(s["pass"]))), f"{s['seconds']:.0f}", s["detail"])
            for s in gate["stages"]]
    ran = [s["stage"] for s in gate["stages"] if s["pass"] is not None]
    glance.append(("Gate", word(gate["pass"]), f"stages run: {', '.join(ran) or 'none'}", "#gate"))
    head = ["stage", "verdict", "seconds", "detail"]
    md += [f"Verdict: **{word(gate['pass'])}**", ""] + md_table(head, rows) + [""]
    hh += [f"<p>Verdict: {H.badge(word(gate['pass']))}</p>", H.table(head, rows, left=(0, 1, 3))]


def build(rep):
    md, hh, glance = [], [], []
    run = load(rep, "run.json")
    if run:
        rows = [(s["step"], H.Raw(H.badge("ok" if s["ok"] else "failed", "PASS" if s["ok"] else "FAIL")),
                 f"{s['seconds']:.0f}",
                 s.get("detail", "")) for s in run["steps"]]
        intro = (f"Run of {run['started']} ({run['seconds']:.0f} s), `./vmbytes run`. A step is ok "
                 f"when it did its work; what the benchmarks measured is in the verdicts above.")
        md += [intro, ""] + md_table(["step", "result", "seconds", "detail"], rows) + [""]
        run_html = [f"<p>{H.esc(intro.replace('`', ''))}</p>",
                    H.table(["step", "result", "seconds", "detail"], rows, left=(0, 1, 3))]
    else:
        run_html = ['<p class="muted">No run.json: the parts below come from separate commands.</p>']
    gate_part(load(rep, "gate/verdict.json"), glance, md, hh)
    fuzz_part(rep, load(rep, "fuzz/summary.json"), glance, md, hh)
    coverage_part(rep, load(rep, "coverage/summary.json"), glance, md, hh)
    bench_part(rep, glance, md, hh)
    cards = []
    for name, word, text, anchor in glance:
        title = f'<a href="{anchor}">{H.esc(name)}</a>' if anchor else H.esc(name)
        cards.append(f'<div class="card"><h3>{title}</h3><p>{H.badge(word)}</p>'
                     f"<p>{H.esc(text)}</p></div>")
    glance_md = ["## At a glance", ""] + md_table(
        ["part", "verdict", "summary"], [(n, w, t) for n, w, t, _ in glance]) + [""]
    body = ['<div class="cards">'] + cards + ["</div>"] + run_html + hh
    return ["# vmbytes report", ""] + glance_md + md, H.page("vmbytes report", "\n".join(body))


def main():
    p = cliargs.Parser(prog="report.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--reports", type=cliargs.nonempty("DIR"), default=os.path.join(ROOT, "reports"),
                   help="the reports directory to read and write into")
    args = p.parse_args()
    rep = os.path.abspath(args.reports)
    if not os.path.isdir(rep):
        cliargs.die(p.prog, f"--reports: '{args.reports}' is not a directory")
    md, page = build(rep)
    with open(os.path.join(rep, "index.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    with open(os.path.join(rep, "index.html"), "w") as f:
        f.write(page)
    shown = os.path.relpath(rep, ROOT) if rep.startswith(ROOT + os.sep) else rep
    print(f"report: {shown}/index.html and index.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""HTML pieces of the report (ci/report.py): tables, verdict badges, the
page around them, and the bench report's markdown rendered to HTML with
Debian's python3-markdown (tables extension). Every link and image is
kept only when its file exists under the reports directory, so the page
never points at nothing.
"""
import html
import os
import re
import sys

try:
    import markdown
except ImportError:  # the pyenv/venv python3 on PATH may lack Debian's packages
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != \
            os.path.realpath("/usr/bin/python3") and not os.environ.get("VMB_REPORT_REEXEC"):
        os.environ["VMB_REPORT_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("report: python3-markdown is missing (apt-get install python3-markdown; "
          "./vmbytes run installs it)", file=sys.stderr)
    sys.exit(1)

STYLE = """
body{font-family:system-ui,sans-serif;max-width:78em;margin:1.5em auto;padding:0 1em;color:#222}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;margin:.8em 0;font-size:.92em}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right;vertical-align:top}
th{background:#f0f0f0} td:first-child,th:first-child{text-align:left}
td.l,th.l{text-align:left}
pre{background:#f6f6f6;padding:.8em;overflow-x:auto}
code{background:#f3f3f3;padding:0 .2em}
img{max-width:100%;border:1px solid #ddd;margin:.5em 0}
.badge{display:inline-block;min-width:3.5em;text-align:center;font-weight:bold;
  border-radius:.3em;padding:.05em .4em;color:#fff}
.PASS{background:#2a7d2e}.FAIL{background:#c0392b}.TIE{background:#b9770e}
.NONE{background:#888}
.cards{display:flex;flex-wrap:wrap;gap:1em;margin:1em 0}
.card{flex:1 1 14em;border:1px solid #ccc;border-radius:.5em;padding:.6em .9em;background:#fafafa}
.card h3{margin:.1em 0 .4em 0;font-size:1em}
.card p{margin:.2em 0}
.muted{color:#666}
details>summary{cursor:pointer;font-weight:bold;margin:.6em 0}
.bench h2{font-size:1.25em}.bench h3{font-size:1.1em}
"""


def esc(x):
    return html.escape(str(x))


def badge(word, verdict=None):
    """A badge saying @word, coloured by @verdict (default @word): PASS,
    TIE, FAIL, anything else grey."""
    w = str(verdict or word).upper()
    cls = w if w in ("PASS", "FAIL", "TIE") else "NONE"
    return f'<span class="badge {cls}">{esc(word)}</span>'


def table(head, rows, left=()):
    """An HTML table; cells are text (escaped) unless wrapped in Raw.
    @left: column indexes aligned left (text columns)."""
    def cell(tag, i, c):
        cls = ' class="l"' if i in left else ""
        return f"<{tag}{cls}>{c.html if isinstance(c, Raw) else esc(c)}</{tag}>"
    out = ["<table><tr>" + "".join(cell("th", i, c) for i, c in enumerate(head)) + "</tr>"]
    out += ["<tr>" + "".join(cell("td", i, c) for i, c in enumerate(r)) + "</tr>" for r in rows]
    out.append("</table>")
    return "\n".join(out)


class Raw:
    """HTML that table() must not escape."""

    def __init__(self, text):
        self.html = text


def link(rep, rel, text):
    """<a> to @rel (relative to the reports directory @rep) when it exists,
    else the text alone."""
    if os.path.exists(os.path.join(rep, rel)):
        return f'<a href="{esc(rel)}">{esc(text)}</a>'
    return esc(text)


IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
LINK_RE = re.compile(r"(?<!!)\[([^\]]+)\]\(([^)\s]+)\)")


def markdown_html(text, rep, base):
    """The markdown @text of a file in @base (a folder relative to @rep),
    as HTML: headings one level down (the page has its own h1), links and
    images rebased to @rep, and those whose file is missing dropped (an
    image becomes a note, a link its text)."""
    def rebase(target):
        if re.match(r"^[a-z]+:|^#", target):
            return None  # the report links nothing outside itself
        rel = os.path.normpath(os.path.join(base, target))
        return rel if os.path.exists(os.path.join(rep, rel)) else None

    def image(m):
        rel = rebase(m.group(2))
        return f"![{m.group(1)}]({rel})" if rel else f"*(plot {m.group(1)}: not generated)*"

    def textlink(m):
        rel = rebase(m.group(2))
        return f"[{m.group(1)}]({rel})" if rel else m.group(1)

    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            line = "#" + line
        lines.append(LINK_RE.sub(textlink, IMAGE_RE.sub(image, line)))
    return markdown.markdown("\n".join(lines), extensions=["tables"], output_format="html")


def page(title, body):
    return ("<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>\n"
            f"<h1>{esc(title)}</h1>\n{body}\n</body></html>\n")

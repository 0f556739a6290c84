#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The report as a browser shows it (ctest report.html, dev preset).

usage: report_check.py --work DIR [--screenshot PNG]

Copies the committed fixture (ci/tests/report-fixture/: small summaries
of every part, not a real run) to DIR, adds one plot the fixture's bench
report links (and leaves out another it also links), renders
index.html with ci/report.py, opens it in headless Chromium (Debian's
`chromium`; ./vmbytes test installs it) for the DOM and a screenshot, and
checks that:
  - no raw markdown is left in the text: no table rows of pipes, no
    '## ', '![', '**' or '](';
  - every href and src resolves: an anchor to an id of the page, anything
    else to a file under DIR (nothing outside the report);
  - the missing plot is a note, not a broken image; the coverage view is
    linked only once coverage/html/index.html exists;
  - the two engines' coverage measures have their own columns, and the
    headline table names each peer.
Each failure is one line on stderr, exit 1; a bad argument exit 2.
"""
import html.parser
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from vmbytes import cliargs  # noqa: E402

FIXTURE = os.path.join(ROOT, "ci", "tests", "report-fixture")
PLOT = "bench/20261202T000000Z/copy-hot-1t.png"  # linked by the fixture, written here
MISSING = "bench/20261202T000000Z/atomics.png"  # linked by the fixture, never written
TIMEOUT = 120


class Failure(Exception):
    pass


def png(w, h):
    """A small valid PNG (a red rectangle), so the fixture holds no binary."""
    raw = b"".join(b"\x00" + bytes([200, 60, 40]) * w for _ in range(h))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + \
            struct.pack(">I", zlib.crc32(tag + data) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


class Dom(html.parser.HTMLParser):
    """The text of a page (outside head, style and script), its links and ids."""

    def __init__(self):
        super().__init__()
        self.text, self.refs, self.ids, self.skip = [], [], set(), 0

    def handle_starttag(self, tag, attrs):
        if tag in ("head", "style", "script"):
            self.skip += 1
        for k, v in attrs:
            if k in ("href", "src") and v is not None:
                self.refs.append((tag, k, v))
            if k == "id" and v:
                self.ids.add(v)
        if tag in ("p", "div", "tr", "li", "br", "h1", "h2", "h3", "h4", "pre", "table"):
            self.text.append("\n")

    def handle_endtag(self, tag):
        if tag in ("head", "style", "script"):
            self.skip -= 1
        if tag in ("p", "div", "tr", "li", "td", "th", "h1", "h2", "h3", "h4", "pre"):
            self.text.append("\n" if tag not in ("td", "th") else " ")

    def handle_data(self, data):
        if not self.skip:
            self.text.append(data)


def raw_markdown(text):
    """The lines of @text that still read as markdown."""
    bad = []
    for line in text.splitlines():
        s = line.strip()
        if re.fullmatch(r"\|.*\|", s) or "|---" in s or "---|" in s:
            bad.append(("a table row", s))
        for mark in ("## ", "![", "**", "]("):
            if mark in s:
                bad.append((repr(mark), s))
    return bad


def chromium():
    for c in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or ""):
        if c and os.access(c, os.X_OK):
            return c
    raise Failure("chromium is not installed (Debian package 'chromium'; ./vmbytes test "
                  "installs it)")


def browse(exe, work, page, extra):
    """Chromium headless on @page with @extra flags: its stdout."""
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-first-run", "--allow-file-access-from-files",
           f"--user-data-dir={os.path.join(work, 'chromium-profile')}"] + extra + \
        ["file://" + page]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=TIMEOUT,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise Failure(f"chromium did not finish within {TIMEOUT} s ({' '.join(extra)})")
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["no output"])[-1]
        raise Failure(f"chromium exited {p.returncode} ({' '.join(extra)}): {last}")
    return p.stdout


def render(rep):
    p = subprocess.run([sys.executable, os.path.join(ROOT, "ci", "report.py"), "--reports", rep],
                       capture_output=True, text=True, timeout=TIMEOUT)
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["no output"])[-1]
        raise Failure(f"ci/report.py exited {p.returncode}: {last}")
    with open(os.path.join(rep, "index.html")) as f:
        return f.read()


def check(work, shot):
    # The checker itself must see what it looks for.
    if len(raw_markdown("## Peers\n| a | b |\n|---|---|\n**FAIL** ![x](y.png)")) < 4:
        raise Failure("raw_markdown() misses raw markdown it was given")
    rep = os.path.join(work, "reports")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(FIXTURE, rep)
    os.makedirs(os.path.dirname(os.path.join(rep, PLOT)))
    with open(os.path.join(rep, PLOT), "wb") as f:
        f.write(png(320, 120))
    page_html = render(rep)
    page = os.path.join(rep, "index.html")
    exe = chromium()
    dom_html = browse(exe, work, page, ["--dump-dom"])
    if "vmbytes report" not in dom_html:
        raise Failure(f"chromium's DOM of {page} has no 'vmbytes report' "
                      f"({len(dom_html)} bytes)")
    dom = Dom()
    dom.feed(dom_html)
    text = "".join(dom.text)
    bad = raw_markdown(text)
    if bad:
        raise Failure(f"raw markdown in the page's text ({len(bad)} lines): {bad[0][0]} in "
                      f"'{bad[0][1][:100]}'")
    for tag, attr, ref in dom.refs:
        if ref.startswith("#"):
            if ref[1:] not in dom.ids:
                raise Failure(f"<{tag} {attr}='{ref}'>: no element has id '{ref[1:]}'")
        elif re.match(r"^[a-zA-Z][a-zA-Z+.-]*:", ref) or ref.startswith("/"):
            raise Failure(f"<{tag} {attr}='{ref}'> points outside the report")
        elif not os.path.isfile(os.path.join(rep, ref)):
            raise Failure(f"<{tag} {attr}='{ref}'>: no such file under the report")
    srcs = [r for t, a, r in dom.refs if t == "img"]
    if PLOT not in srcs:
        raise Failure(f"the plot {PLOT} is not shown as an image (images: {srcs})")
    if MISSING in page_html or "plot atomics: not generated" not in text:
        raise Failure(f"the missing plot {MISSING} is linked, or not said to be missing")
    if "coverage/html" in [r.split("/index")[0] for _, _, r in dom.refs]:
        raise Failure("the line-by-line coverage view is linked though coverage/html/ is absent")
    for want in ("libFuzzer edges (cov)", "AFL++ bitmap coverage", "vs vm-memory 0.10",
                 "vs glibc memcpy / __atomic", "regression gate (vmbytes vs itself)",
                 "heap-buffer-overflow in vmb_guest_read", "Ratio = vmbytes time / vm-memory time"):
        if want not in text:
            raise Failure(f"the page's text lacks '{want}'")
    if browse(exe, work, page, [f"--screenshot={shot}", "--window-size=1280,2200",
                                "--hide-scrollbars"]) is None or not os.path.isfile(shot):
        raise Failure(f"chromium wrote no screenshot at {shot}")
    with open(shot, "rb") as f:
        if f.read(8) != b"\x89PNG\r\n\x1a\n":
            raise Failure(f"the screenshot {shot} is not a PNG")
    # With the line-by-line view present, it is linked.
    os.makedirs(os.path.join(rep, "coverage", "html"))
    with open(os.path.join(rep, "coverage", "html", "index.html"), "w") as f:
        f.write("<!doctype html><title>coverage</title>\n")
    if 'href="coverage/html/index.html"' not in render(rep):
        raise Failure("coverage/html/index.html exists but the report does not link it")
    print(f"report_check: ok ({len(dom.refs)} links and images resolve, no raw markdown); "
          f"screenshot {shot}")


def main():
    p = cliargs.Parser(prog="report_check.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--work", type=cliargs.nonempty("DIR"), required=True,
                   help="scratch directory (emptied first)")
    p.add_argument("--screenshot", type=cliargs.nonempty("PNG"),
                   help="where the screenshot goes (default DIR/report.png)")
    args = p.parse_args()
    work = os.path.abspath(args.work)
    shot = os.path.abspath(args.screenshot or os.path.join(work, "report.png"))
    try:
        check(work, shot)
    except Failure as e:
        print(f"report_check: FAIL: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

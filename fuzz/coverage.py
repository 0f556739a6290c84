#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""vmbytes coverage: line and branch coverage of core/src from the committed
corpus alone (and the bad-argument unit tests that were once part of the
api target), with clang's source-based coverage (llvm-cov).

usage: coverage.py BUILD_DIR

Runs every fuzz target's replay driver (built with -fprofile-instr-generate
-fcoverage-mapping in BUILD_DIR) over corpus/<target>/, merges the profiles
with llvm-profdata and writes reports/coverage/: html/ (llvm-cov show),
lcov.info (llvm-cov export), summary.txt (llvm-cov report) and
summary.json (line, branch, function and region totals for core/src).

Whichever copy strategy and guest search this CPU would pick, each one is
forced in turn (VMB_COPY_STRATEGY, VMB_GUEST_SEARCH with VMB_GUEST_INDEX=
always) over the corpora that reach it, so that the figures do not depend
on the host; one the CPU cannot run is reported as skipped. Prints the
figures per file and in total; exit status 1 (with the reason) when the
total is below 95% of lines or 90% of branches, 0 otherwise.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
from vmbytes import cliargs  # noqa: E402  # one argument checker for every tool
from vmbytes import lists as _targets  # noqa: E402  (fuzz/targets.txt, core/src/copy/strategies.txt)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "reports", "coverage")
TARGETS = _targets.TARGETS
# The floor: `./vmbytes coverage` (and so the coverage step of
# `./vmbytes run`) fails below it.
MIN_LINES, MIN_BRANCHES = 95.0, 90.0
# Modules with their own floor: {folder: (lines %, branches %)}.
MODULES = {"virtq": (95.0, 90.0)}
# Every copy strategy but the dispatcher (which the plain replays run), and
# every guest search; see replay_forced().
COPY_STRATEGIES = _targets.STRATEGIES  # core/src/copy/strategies.txt
COPY_CORPORA = ["slice", "guest"]
GUEST_SEARCHES = ["plain", "avx2", "avx512"]
SEARCH_CORPORA = ["guest", "layout", "api"]
# The functions only a forced implementation runs: when the CPU cannot run
# it, they are left out of the floor's figures (and the report says so).
ONLY_UNDER = {
    "VMB_COPY_STRATEGY=rep_movsb": ["vmb__copy_rep_movsb"],
    "VMB_COPY_STRATEGY=avx2": ["vmb__copy_avx2", "small_9_64", "blocks_32"],
    "VMB_COPY_STRATEGY=avx512": ["vmb__copy_avx512"],
    "VMB_COPY_STRATEGY=nt": ["vmb__copy_nt"],
    "VMB_GUEST_SEARCH=avx2 VMB_GUEST_INDEX=always": ["count_le_avx2", "index_avx2"],
    "VMB_GUEST_SEARCH=avx512 VMB_GUEST_INDEX=always": ["count_le_avx512", "index_avx512"],
}


def tool(name):
    for cand in (f"{name}-14", name):
        if shutil.which(cand):
            return cand
    sys.exit(f"coverage: {name} not found (apt-get install llvm-14)")


def build_dir(text):
    if text == "":
        raise argparse.ArgumentTypeError("empty BUILD_DIR")
    if not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"'{text}' is not a directory")
    return text


def replay(build, target, profraw, tag, env_extra):
    """Replay corpus/<target> with the environment @env_extra; returns the
    driver's stderr, or None when the driver said the CPU cannot run what
    was forced (its profile is then dropped: it measured something else)."""
    raw = os.path.join(profraw, f"{tag}-{target}")
    # VMB_DIAG: the library prints its start-up warnings only when asked.
    env = dict(os.environ, VMB_DIAG="1", LLVM_PROFILE_FILE=f"{raw}-%p.profraw", **env_extra)
    run = subprocess.run([os.path.join(build, f"fuzz_{target}_replay"),
                          os.path.join(ROOT, "corpus", target)], env=env, capture_output=True,
                         text=True)
    what = " ".join(f"{k}={v}" for k, v in env_extra.items())
    cannot = "is not a strategy this CPU has" in run.stderr or \
        "is not a search this CPU has" in run.stderr
    if run.returncode == 77 or cannot:
        for path in glob.glob(f"{raw}-*.profraw"):
            os.remove(path)
        return None
    if run.returncode != 0:
        print(run.stderr[-3000:], file=sys.stderr)
        sys.exit(f"coverage: replaying corpus/{target} under {what} failed (exit {run.returncode})")
    return run.stderr


def replay_forced(build, profraw):
    """Every implementation the CPU picks between, forced in turn, whichever
    this host would pick itself: each copy strategy (VMB_COPY_STRATEGY) over
    the corpora that copy, each guest search (VMB_GUEST_SEARCH) with the
    index kept at any number of regions (VMB_GUEST_INDEX=always; the targets
    make at most 12 regions, the index starts above 64) over the corpora
    that look regions up. One the CPU cannot run is reported as skipped and
    its profile dropped. Then the start-up configuration's own paths: a
    tuning file, a bad one, a missing one, unknown names. Returns the
    skipped ones."""
    skipped = []
    forced = [({"VMB_COPY_STRATEGY": s}, COPY_CORPORA) for s in COPY_STRATEGIES]
    forced += [({"VMB_GUEST_SEARCH": s, "VMB_GUEST_INDEX": "always"}, SEARCH_CORPORA)
               for s in GUEST_SEARCHES]
    for i, (extra, corpora) in enumerate(forced):
        what = " ".join(f"{k}={v}" for k, v in extra.items())
        for t in corpora:
            err = replay(build, t, profraw, f"forced{i}", extra)
            if err is None:
                print(f"coverage: {what}: SKIPPED, this CPU cannot run it")
                skipped.append(what)
                break
            print(f"coverage: {what}: replayed corpus/{t} ({err.strip().splitlines()[-1]})")
    good = os.path.join(OUT, "tuning-good.conf")
    bad = os.path.join(OUT, "tuning-bad.conf")
    with open(good, "w") as f:
        f.write("# a tuning for any CPU\ncpu=any\nblock=libc_dispatched\nmovsb_min=0\nmovsb_max=0\n"
                "nt_min=never\n")
    with open(bad, "w") as f:
        f.write("block=nonsense\n")
    foreign = os.path.join(OUT, "tuning-foreign.conf")
    with open(foreign, "w") as f:
        f.write("cpu=NoSuchVendor/1/1/erms\nblock=libc_dispatched\n")
    # Each must print its warning (or, for the good file, none): checked,
    # since a path that did not run would count for nothing. The library
    # prints what start-up read only when asked (VMB_DIAG=1).
    config = [({"VMB_COPY_TUNING": good}, None), ({"VMB_COPY_TUNING": bad}, "is not a tuning file"),
              ({"VMB_COPY_TUNING": foreign}, "was made on NoSuchVendor/1/1/erms"),
              ({"VMB_COPY_TUNING": "/nonexistent"}, "cannot be read"),
              ({"VMB_COPY_STRATEGY": "nonsense"}, "is not a strategy this CPU has"),
              ({"VMB_GUEST_SEARCH": "nonsense"}, "is not a search this CPU has"),
              ({"VMB_GUEST_INDEX": "sometimes"}, "is not always or auto")]
    for i, (extra, warning) in enumerate(config):
        env = dict(os.environ, VMB_DIAG="1",
                   LLVM_PROFILE_FILE=os.path.join(profraw, f"config{i}-%p.profraw"), **extra)
        # One input is enough: the start-up code runs before it.
        one = sorted(glob.glob(os.path.join(ROOT, "corpus", "guest", "*")))[:1]
        run = subprocess.run([os.path.join(build, "fuzz_guest_replay")] + one, env=env,
                             capture_output=True, text=True)
        said = warning is None and "vmbytes: warning:" not in run.stderr or \
            warning is not None and warning in run.stderr
        if not said:
            sys.exit(f"coverage: {extra} did not give the expected warning "
                     f"({warning!r}): {run.stderr.strip()[-300:]}")
    return skipped


def without(skipped, summary, export, lcov_path):
    """The line and branch totals with the functions that only the skipped
    implementations run taken out (their lines and branches by the
    function's extent, from llvm-cov's export and lcov.info)."""
    names = {n for k in skipped for n in ONLY_UNDER.get(k, [])}
    extents = []  # (file, first line, last line)
    for fn in export["data"][0]["functions"]:
        short = fn["name"].split(":")[-1]
        if short in names and fn["regions"]:
            r = fn["regions"][0]
            extents.append((fn["filenames"][0], r[0], r[2]))
    drop = {"lines": [0, 0], "branches": [0, 0]}  # [count, covered]
    current = None
    with open(lcov_path) as f:
        for line in f:
            if line.startswith("SF:"):
                current = line[3:].strip()
                continue
            kind = "lines" if line.startswith("DA:") else \
                "branches" if line.startswith("BRDA:") else None
            if kind is None:
                continue
            fields = line.split(":", 1)[1].strip().split(",")
            at = int(fields[0])
            if not any(current == p and lo <= at <= hi for p, lo, hi in extents):
                continue
            hit = int(fields[1]) > 0 if kind == "lines" else fields[3] not in ("-", "0")
            drop[kind][0] += 1
            drop[kind][1] += hit
    out = {}
    for k in ("lines", "branches"):
        count = summary[k]["count"] - drop[k][0]
        covered = summary[k]["covered"] - drop[k][1]
        out[k] = {"count": count, "covered": covered,
                  "percent": round(100.0 * covered / count, 2) if count else 100.0}
    return out, sorted(names)


def parse_args(argv=None):
    p = cliargs.Parser(prog="vmbytes coverage", description=__doc__.split("\n\n")[0])
    p.add_argument("build", metavar="BUILD_DIR", type=build_dir,
                   help="the coverage preset's build directory")
    return p.parse_args(argv)


def execute(args):
    build = os.path.join(args.build, "fuzz")
    profraw = os.path.join(OUT, "profraw")
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(profraw)
    binaries = []
    for t in TARGETS:
        exe = os.path.join(build, f"fuzz_{t}_replay")
        corpus = os.path.join(ROOT, "corpus", t)
        if not os.path.isdir(corpus):
            print(f"coverage: no corpus for {t}, skipped")
            continue
        env = dict(os.environ, LLVM_PROFILE_FILE=os.path.join(profraw, f"{t}-%p.profraw"))
        run = subprocess.run([exe, corpus], env=env, capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stderr[-3000:], file=sys.stderr)
            sys.exit(f"coverage: replaying corpus/{t} failed")
        print(f"coverage: replayed corpus/{t} ({run.stderr.strip().splitlines()[-1]})")
        binaries.append(exe)
    # The api target's bad-argument checks that read no input are a unit
    # test runner now (core/tests/badinput.c): run with the corpus, so the
    # figures still count what they reach.
    unit = os.path.join(args.build, "core", "tests", "test_badinput")
    env = dict(os.environ, LLVM_PROFILE_FILE=os.path.join(profraw, "unit-badinput-%p.profraw"))
    run = subprocess.run([unit], env=env, capture_output=True, text=True)
    if run.returncode != 0:
        print(run.stderr[-3000:], file=sys.stderr)
        sys.exit(f"coverage: {unit} failed (exit {run.returncode})")
    print("coverage: ran core/tests/test_badinput")
    binaries.append(unit)
    skipped = replay_forced(build, profraw)
    profdata = os.path.join(OUT, "corpus.profdata")
    subprocess.run([tool("llvm-profdata"), "merge", "-sparse", "-o", profdata]
                   + glob.glob(os.path.join(profraw, "*.profraw")), check=True)
    shutil.rmtree(profraw)
    objects = [binaries[0]] + [a for b in binaries[1:] for a in ("-object", b)]
    cov = tool("llvm-cov")
    # llvm-cov takes the sources to report on after the objects: core/src only.
    sources = sorted(glob.glob(os.path.join(ROOT, "core", "src", "*.c"))
                     + glob.glob(os.path.join(ROOT, "core", "src", "copy", "*.c")))
    common = [f"-instr-profile={profdata}"]
    subprocess.run([cov, "show", "-format=html", "-show-branches=count",
                    f"-output-dir={os.path.join(OUT, 'html')}"] + common + objects + sources,
                   check=True)
    with open(os.path.join(OUT, "lcov.info"), "w") as f:
        subprocess.run([cov, "export", "-format=lcov"] + common + objects + sources, stdout=f,
                       check=True)
    report = subprocess.run([cov, "report", "-show-branch-summary"] + common + objects + sources,
                            capture_output=True, text=True, check=True).stdout
    with open(os.path.join(OUT, "summary.txt"), "w") as f:
        f.write(report)
    export = json.loads(subprocess.run([cov, "export", "-summary-only"] + common + objects + sources,
                                       capture_output=True, text=True, check=True).stdout)
    totals = export["data"][0]["totals"]
    files = {os.path.relpath(f["filename"], ROOT): {k: f["summary"][k]["percent"]
                                                     for k in ("lines", "branches", "functions")}
             for f in export["data"][0]["files"]}
    summary = {k: {"covered": totals[k]["covered"], "count": totals[k]["count"],
                   "percent": round(totals[k]["percent"], 2)}
               for k in ("lines", "branches", "functions", "regions")}
    floor = {"lines": MIN_LINES, "branches": MIN_BRANCHES}
    judged, left_out = summary, []
    if skipped:
        full = json.loads(subprocess.run([cov, "export"] + common + objects + sources,
                                         capture_output=True, text=True, check=True).stdout)
        judged, left_out = without(skipped, summary, full, os.path.join(OUT, "lcov.info"))
    below = [f"{k} {judged[k]['percent']}% < {v}%" for k, v in floor.items()
             if judged[k]["percent"] < v]
    # Modules beside the library, each judged on its own sources and floor
    # (virtq/: the split virtqueue, 95% of lines and 90% of branches).
    modules = {}
    for name, (mfloor_lines, mfloor_branches) in MODULES.items():
        msrc = sorted(glob.glob(os.path.join(ROOT, name, "src", "*.c")))
        mexp = json.loads(subprocess.run([cov, "export", "-summary-only"] + common + objects + msrc,
                                         capture_output=True, text=True, check=True).stdout)
        mt = mexp["data"][0]["totals"]
        modules[name] = {k: {"covered": mt[k]["covered"], "count": mt[k]["count"],
                             "percent": round(mt[k]["percent"], 2)} for k in ("lines", "branches")}
        modules[name]["floor"] = {"lines": mfloor_lines, "branches": mfloor_branches}
        for k, v in (("lines", mfloor_lines), ("branches", mfloor_branches)):
            if modules[name][k]["percent"] < v:
                below.append(f"{name}/ {k} {modules[name][k]['percent']}% < {v}%")
    result = {"totals": summary, "files": files, "floor": floor, "skipped_forced": skipped,
              "modules": modules, "pass": not below}
    if skipped:
        result["judged_without"] = {"functions": left_out, "totals": judged}
    tmp = os.path.join(OUT, "summary.json.tmp")
    with open(tmp, "w") as f:
        json.dump(result, f, indent=2, sort_keys=True, allow_nan=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(OUT, "summary.json"))
    print(report)
    print("coverage per file (lines, branches):")
    for name, fig in sorted(files.items()):
        print(f"  {os.path.relpath(name, 'core/src'):16} {fig['lines']:6.2f}%  {fig['branches']:6.2f}%")
    print(f"coverage of core/src from the corpus: lines {summary['lines']['percent']}%, "
          f"branches {summary['branches']['percent']}% (reports/coverage/html/index.html)")
    for name, fig in modules.items():
        print(f"coverage of {name}/src from the corpus: lines {fig['lines']['percent']}%, "
              f"branches {fig['branches']['percent']}%")
    if skipped:
        print(f"coverage: skipped, this CPU cannot run them: {', '.join(skipped)}; without "
              f"the code only they run ({', '.join(left_out)}): lines "
              f"{judged['lines']['percent']}%, branches {judged['branches']['percent']}%")
    if below:
        print(f"coverage: FAIL: below the floor of {MIN_LINES}% of lines and {MIN_BRANCHES}% of "
              f"branches: "
              f"{'; '.join(below)}")
        return 1
    print(f"coverage: pass: at least {MIN_LINES}% of lines and {MIN_BRANCHES}% of branches")
    return 0


def main(argv=None):
    return execute(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

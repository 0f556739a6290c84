#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""vmbytes coverage: line and branch coverage of core/src from the committed
corpus alone, with clang's source-based coverage (llvm-cov).

usage: coverage.py BUILD_DIR

Runs every fuzz target's replay driver (built with -fprofile-instr-generate
-fcoverage-mapping in BUILD_DIR) over corpus/<target>/, merges the profiles
with llvm-profdata and writes reports/coverage/: html/ (llvm-cov show),
lcov.info (llvm-cov export), summary.txt (llvm-cov report) and
summary.json (line, branch, function and region totals for core/src).
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys

import cliargs  # one argument checker for every tool
import targets as _targets  # the one list, fuzz/targets.txt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "reports", "coverage")
TARGETS = _targets.TARGETS


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


def main():
    p = cliargs.Parser(prog="vmbytes coverage", description=__doc__.split("\n\n")[0])
    p.add_argument("build", metavar="BUILD_DIR", type=build_dir,
                   help="the coverage preset's build directory")
    args = p.parse_args()
    if os.environ.get("VMB_VALIDATE_ONLY"):
        return 0
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
    # The copy path's start-up configuration is product code too: the corpus
    # of the api target once more under a tuning file, a bad one, and a
    # forced strategy (good and unknown), as users set them.
    good = os.path.join(OUT, "tuning-good.conf")
    bad = os.path.join(OUT, "tuning-bad.conf")
    with open(good, "w") as f:
        f.write("# a tuning as ./vmbytes tune writes it\nblock=libc\nmovsb_min=0\nmovsb_max=0\n"
                "nt_min=never\n")
    with open(bad, "w") as f:
        f.write("block=nonsense\n")
    for i, extra in enumerate([{"VMB_COPY_TUNING": good}, {"VMB_COPY_TUNING": bad},
                               {"VMB_COPY_TUNING": "/nonexistent"},
                               {"VMB_COPY_STRATEGY": "words"}, {"VMB_COPY_STRATEGY": "nonsense"}]):
        env = dict(os.environ, LLVM_PROFILE_FILE=os.path.join(profraw, f"env{i}-%p.profraw"), **extra)
        subprocess.run([os.path.join(build, "fuzz_slice_replay"), os.path.join(ROOT, "corpus", "slice")],
                       env=env, capture_output=True)
    # The guest search likewise: this CPU picks one of three; the corpora that
    # look regions up run once more under each of the others (and an
    # unknown name), as CTest's G3 cases do.
    for i, search in enumerate(["plain", "avx2", "nonsense"]):
        for t in ("guest", "layout"):
            env = dict(os.environ, VMB_GUEST_SEARCH=search,
                       LLVM_PROFILE_FILE=os.path.join(profraw, f"search{i}-{t}-%p.profraw"))
            subprocess.run([os.path.join(build, f"fuzz_{t}_replay"), os.path.join(ROOT, "corpus", t)],
                           env=env, capture_output=True)
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
    with open(os.path.join(OUT, "summary.json"), "w") as f:
        json.dump({"totals": summary, "files": files}, f, indent=2, sort_keys=True, allow_nan=False)
    print(report)
    print(f"coverage of core/src from the corpus: lines {summary['lines']['percent']}%, "
          f"branches {summary['branches']['percent']}% (reports/coverage/html/index.html)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

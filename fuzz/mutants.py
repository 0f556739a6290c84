#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""vmbytes mutants: mutation testing of the fuzz suite itself.

usage: mutants.py [--time-per-mutant S] [--max N] [--file NAME] [--jobs N]

Makes small faults in core/src (comparison flips, +/-1 on constants,
dropped checks, swapped operands), one at a time, in a scratch copy of the
tree, and asks whether the suite notices: first the replay regression
(every op script of core/tests/ops and ../shared/conformance, then every
corpus input through the oracle), then a short libFuzzer run of the
targets that exercise the mutated file. A mutant that nothing kills is a
survivor: the report lists each with its line, so that it is either
explained (an equivalent mutant) or killed by a stronger oracle.
Writes reports/mutants/summary.json and summary.md.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRATCH = os.path.join(ROOT, "build", "mutants-src")
OUT = os.path.join(ROOT, "reports", "mutants")
CONFORMANCE = os.path.abspath(os.path.join(ROOT, "..", "shared", "conformance"))

# The unit-test runners (core/tests/<area>.c) of each source file: the last
# stage, for a mutant that the replay regression and the fuzzers missed.
UNIT = {
    "slice.c": ["slice", "containers"], "bytes.c": ["bytes", "containers"],
    "guest.c": ["guest"], "region.c": ["region"], "datafile.c": ["datafile"],
    "remote.c": ["remote"], "bitmap.c": ["bitmap"], "io.c": ["io"], "copy.c": ["copy"],
    "error.c": ["error"],
}

# Which fuzz targets exercise which source file.
RELEVANT = {
    "slice.c": ["slice", "api", "io"],
    "bytes.c": ["slice", "datafile", "guest"],
    "guest.c": ["guest", "api", "io", "layout"],
    "region.c": ["region", "api", "layout"],
    "datafile.c": ["datafile", "api"],
    "remote.c": ["remote", "api"],
    "bitmap.c": ["bitmap", "slice", "api"],
    "io.c": ["io", "api", "slice"],
    "copy.c": ["slice", "api", "concurrency"],
    "error.c": ["slice", "api", "guest"],
}
FLIP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
CMP = re.compile(r"(?<![<>=!\-])(<=|>=|==|!=|<|>)(?![<>=])")
LITERAL = re.compile(r"(?<=[-+*/<>=&|(,] )(0|1|2|4|7|8|63|64)\b(?![.xX])")
SWAP = re.compile(r"\b([a-z_][\w]*(?:->\w+|\.\w+)?) - ([a-z_][\w]*(?:->\w+|\.\w+)?)\b")
CHECK_IF = re.compile(r"^(\s*)if \((.+)\)\s*$")


def die_usage(msg):
    print(f"vmbytes mutants: {msg}", file=sys.stderr)
    sys.exit(2)


def code_lines(text):
    """(index, line) of lines that are code: no comments, no preprocessor."""
    in_comment = False
    for i, line in enumerate(text.split("\n")):
        s = line.strip()
        if in_comment:
            if "*/" in s:
                in_comment = False
            continue
        if s.startswith("/*"):
            in_comment = "*/" not in s
            continue
        if not s or s.startswith(("#", "//", "*")) or '"' in s:
            continue
        if not line.startswith("\t"):
            continue  # declarations at file scope, signatures
        yield i, line


def mutants_of(name, text):
    lines = text.split("\n")
    out = []
    for i, line in code_lines(text):
        code = line.split("/*")[0]
        for m in CMP.finditer(code):
            new = code[:m.start()] + FLIP[m.group(1)] + code[m.end():]
            out.append(("comparison flip", i, new))
        for m in LITERAL.finditer(code):
            v = int(m.group(1))
            for nv in ((v + 1, v - 1) if v else (1,)):
                out.append((f"constant {v} -> {nv}", i, code[:m.start()] + str(nv) + code[m.end():]))
        for m in SWAP.finditer(code):
            if m.group(1) != m.group(2):
                new = code[:m.start()] + f"{m.group(2)} - {m.group(1)}" + code[m.end():]
                out.append(("swapped operands", i, new))
        m = CHECK_IF.match(code)
        if m and i + 1 < len(lines) and "return" in lines[i + 1]:
            out.append(("dropped check", i, f"{m.group(1)}if (0)"))
    return [{"file": name, "line": i + 1, "kind": k, "original": lines[i].strip(),
             "mutated": new.strip(), "new_line": new} for k, i, new in out]


def sh(cmd, timeout, **kw):
    """Run in a session of its own, so that a hung mutant dies with all its children."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         errors="replace", start_new_session=True, **kw)
    try:
        out, _ = p.communicate(timeout=timeout)
        return p.returncode, out
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return "timeout", ""


def prepare(build):
    """A scratch source tree and its libFuzzer+ASan build of what the suite runs."""
    shutil.rmtree(SCRATCH, ignore_errors=True)
    os.makedirs(SCRATCH)
    for d in ("core", "fuzz", "bench/gate", "ci"):
        # Fresh timestamps: stale objects of an earlier run must not look current.
        shutil.copytree(os.path.join(ROOT, d), os.path.join(SCRATCH, d), copy_function=shutil.copy)
    shutil.copy(os.path.join(ROOT, "CMakeLists.txt"), SCRATCH)
    flags = ("-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined "
             "-fno-sanitize-recover=all")
    rc, out = sh(["cmake", "-S", SCRATCH, "-B", build, "-G", "Ninja", "-DCMAKE_C_COMPILER=clang",
                  f"-DCMAKE_C_FLAGS={flags}", "-DVMB_FUZZ_ENGINE=libfuzzer", "-DVMB_BUILD_TESTS=ON",
                  f"-DVMB_CONFORMANCE_DIR={CONFORMANCE}"], 300)
    if rc != 0:
        sys.exit(f"mutants: configure failed\n{out}")


def build_targets(names=None, units=()):
    """What a mutant needs: the replay tool, its targets' two builds, its unit tests."""
    t = ["vmbytes-replay"] + [f"test_{u}" for u in units]
    for name in sorted(names or set(x for v in RELEVANT.values() for x in v)):
        t += [f"fuzz_{name}", f"fuzz_{name}_replay"]
    return t


def ops_cases():
    cases = []
    for d in (os.path.join(ROOT, "core", "tests", "ops"), CONFORMANCE):
        if os.path.isdir(d):
            cases += sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(".ops"))
    return cases


def replay_regression(build, check, targets=None):
    """Killed when an op script's output or a corpus replay differs."""
    for ops in ops_cases():
        rc, out = sh([sys.executable, check, os.path.join(build, "core", "vmbytes-replay"), ops], 30)
        if rc != 0:
            return f"op script {os.path.basename(ops)}"
    for t in sorted(targets or set(x for v in RELEVANT.values() for x in v)):
        corpus = os.path.join(ROOT, "corpus", t)
        if os.path.isdir(corpus):
            rc, out = sh([os.path.join(build, "fuzz", f"fuzz_{t}_replay"), corpus], 120)
            if rc != 0:
                return f"corpus/{t}"
    return None


def short_fuzz(build, targets, seconds):
    each = max(1, int(seconds / len(targets)))
    for t in targets:
        work = os.path.join(build, "mutfuzz", t)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        rc, out = sh([os.path.join(build, "fuzz", f"fuzz_{t}"), f"-max_total_time={each}",
                      "-timeout=5", f"-artifact_prefix={work}/", work,
                      os.path.join(ROOT, "corpus", t)], each + 60)
        if rc != 0:
            m = re.search(r"SPEC rule (\S+) violated", out)
            return f"fuzz {t}" + (f" (rule {m.group(1)})" if m else f" ({rc})")
    return None


def unit_tests(build, areas):
    """Killed when a unit test of the mutated file's area fails."""
    for area in areas:
        rc, out = sh(["ctest", "--test-dir", build, "-R", f"^{area}\\.", "-j2"], 600)
        if rc != 0:
            m = re.search(r"\d+ - (\S+) \(", out)
            return f"unit {m.group(1) if m else area}"
    return None


def main():
    p = argparse.ArgumentParser(prog="vmbytes mutants", description=__doc__.split("\n\n")[0])
    p.add_argument("--time-per-mutant", type=float, default=6.0, metavar="S",
                   help="seconds of fuzzing for a mutant the replay does not kill (default 6)")
    p.add_argument("--max", type=int, default=0, metavar="N",
                   help="test at most N mutants, spread evenly over all (default: all)")
    p.add_argument("--no-unit", action="store_true",
                   help="judge the fuzz suite alone: skip the unit-test stage")
    p.add_argument("--file", action="append", default=[], metavar="NAME",
                   help="only mutate this core/src file (repeatable)")
    args = p.parse_args()
    if args.time_per_mutant < 0 or args.max < 0:
        die_usage("--time-per-mutant and --max must not be negative")
    for f in args.file:
        if f not in RELEVANT:
            die_usage(f"unknown file '{f}' (one of: {' '.join(sorted(RELEVANT))})")
    if os.environ.get("VMB_VALIDATE_ONLY"):
        return 0
    build = os.path.join(ROOT, "build", "mutants")
    check = os.path.join(ROOT, "core", "tests", "replay_check.py")
    os.makedirs(OUT, exist_ok=True)
    prepare(build)
    rc, out = sh(["ninja", "-C", build] + build_targets(None, sorted({u for v in UNIT.values() for u in v})), 900)
    if rc != 0:
        sys.exit(f"mutants: the unmutated tree does not build\n{out[-3000:]}")
    if replay_regression(build, check):
        sys.exit("mutants: the unmutated tree fails its own regression; fix that first")
    files = args.file or sorted(RELEVANT)
    all_mutants = []
    sources = {}
    for name in files:
        with open(os.path.join(SCRATCH, "core", "src", name)) as f:
            sources[name] = f.read()
        all_mutants += mutants_of(name, sources[name])
    chosen = all_mutants
    if args.max and len(all_mutants) > args.max:
        step = len(all_mutants) / args.max
        chosen = [all_mutants[int(i * step)] for i in range(args.max)]
    print(f"vmbytes mutants: {len(chosen)} of {len(all_mutants)} mutants of {len(files)} files")
    results = []
    t0 = time.time()
    for n, mu in enumerate(chosen, 1):
        # The scratch copy is the snapshot: edits to the tree meanwhile change nothing.
        path = os.path.join(SCRATCH, "core", "src", mu["file"])
        original = sources[mu["file"]]
        lines = original.split("\n")
        lines[mu["line"] - 1] = mu["new_line"]
        with open(path, "w") as f:
            f.write("\n".join(lines))
        rc, out = sh(["ninja", "-C", build] + build_targets(RELEVANT[mu["file"]], UNIT[mu["file"]]),
                     600)
        if rc != 0:
            verdict, by = "stillborn", "does not compile"
        else:
            by = replay_regression(build, check, RELEVANT[mu["file"]])
            if by is None and args.time_per_mutant > 0:
                by = short_fuzz(build, RELEVANT[mu["file"]], args.time_per_mutant)
            if by is None and not args.no_unit:
                by = unit_tests(build, UNIT[mu["file"]])
            verdict = "killed" if by else "survived"
        with open(path, "w") as f:
            f.write(original)
        r = {k: mu[k] for k in ("file", "line", "kind", "original", "mutated")}
        r.update(verdict=verdict, by=by)
        results.append(r)
        print(f"[{n}/{len(chosen)} {time.time() - t0:.0f}s] {verdict:9} {mu['file']}:{mu['line']} "
              f"{mu['kind']}: {mu['mutated'][:70]}" + (f"  <- {by}" if by and verdict == "killed" else ""),
              flush=True)
    # Rebuild the unmutated scratch tree, so that build/mutants is left sane.
    sh(["ninja", "-C", build] + build_targets(), 600)
    live = [r for r in results if r["verdict"] != "stillborn"]
    killed = [r for r in live if r["verdict"] == "killed"]
    rate = 100.0 * len(killed) / len(live) if live else 0.0
    summary = {"mutants": len(results), "compiled": len(live), "killed": len(killed),
               "kill_rate_percent": round(rate, 1), "time_per_mutant": args.time_per_mutant,
               "results": results}
    with open(os.path.join(OUT, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    md = ["# Mutation testing", "",
          f"{len(killed)} of {len(live)} compiling mutants killed: **{rate:.1f}%** "
          f"({len(results) - len(live)} did not compile; {args.time_per_mutant:.0f} s of fuzzing "
          "per mutant the replay regression missed).", "",
          "## Survivors", "", "| file:line | kind | original | mutated |", "|---|---|---|---|"]
    for r in live:
        if r["verdict"] == "survived":
            md.append(f"| {r['file']}:{r['line']} | {r['kind']} | `{r['original']}` | `{r['mutated']}` |")
    md += ["", "## Killed by", ""]
    stages = {}
    for r in killed:
        stage = r["by"].split(" ")[0] + (" " + r["by"].split(" ")[1] if r["by"].startswith("op") else "")
        stages[stage] = stages.get(stage, 0) + 1
    md += [f"- {k}: {v}" for k, v in sorted(stages.items())]
    with open(os.path.join(OUT, "summary.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print(f"vmbytes mutants: kill rate {rate:.1f}% ({len(killed)}/{len(live)}); "
          f"reports/mutants/summary.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())

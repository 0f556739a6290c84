#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""vmbytes mutants: mutation testing of the fuzz suite itself.

usage: mutants.py [--time-per-mutant S] [--max N] [--file NAME] [--jobs N] [--fresh]

Makes small faults in core/src (comparison flips, +/-1 on constants,
dropped checks, swapped operands), one at a time, in a scratch copy of the
tree, and asks whether the suite notices: first the replay regression
(every op script of core/tests/ops and core/tests/conformance, then every
corpus input through the oracle), then a short libFuzzer run of the
targets that exercise the mutated file. A mutant that nothing kills is a
survivor: the report lists each with its line, so that it is either
explained (an equivalent mutant) or killed by a stronger oracle.

An equivalent mutant (one that no test can tell from the original, such as
a size-class boundary of the copy dispatcher moved by one byte: every
class copies the same bytes) is listed with the reason in
fuzz/mutants-equivalent.txt; the kill rate leaves those out, and the
report lists them apart, so that a claim of equivalence stays reviewable.

Verdicts are kept in build/mutants/verdicts.json under a fingerprint of
core/, fuzz/ and corpus/: a run that is stopped (even by kill -9) and
started again skips what it already judged, as long as nothing changed.
Writes reports/mutants/summary.json and summary.md.
"""
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
from vmbytes import cliargs, ctest  # noqa: E402  (one argument checker; CTest's JUnit results)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRATCH = os.path.join(ROOT, "build", "mutants-src")
EQUIVALENT = os.path.join(ROOT, "fuzz", "mutants-equivalent.txt")
VERDICTS = os.path.join(ROOT, "build", "mutants", "verdicts.json")
OUT = os.path.join(ROOT, "reports", "mutants")
CONFORMANCE = os.path.join(ROOT, "core", "tests", "conformance")

# The unit-test runners (core/tests/<area>.c) of each source file: the last
# stage, for a mutant that the replay regression and the fuzzers missed.
UNIT = {
    "slice.c": ["slice", "containers"], "bytes.c": ["bytes", "containers"],
    "guest.c": ["guest"], "region.c": ["region"], "datafile.c": ["datafile"],
    "remote.c": ["remote"], "bitmap.c": ["bitmap"], "io.c": ["io"], "copy.c": ["copy"],
    "error.c": ["error"], "guest_index.c": ["guest"], "copy/tuning.c": ["copy"],
    "copy/move.c": ["copy"], "arch/x86_64/cpu.c": ["copy", "guest"],
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
    # Parts of guest.c and copy.c until the split (issue 12): the same targets.
    "guest_index.c": ["guest", "api", "io", "layout"],
    "copy/tuning.c": ["slice", "api", "concurrency"],
    "copy/move.c": ["slice", "api", "concurrency"],
    "arch/x86_64/cpu.c": ["slice", "api", "concurrency", "guest"],
}
# The args target drives the bad-argument paths of every file.
for _targets in RELEVANT.values():
    _targets.append("args")
FLIP = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}
CMP = re.compile(r"(?<![<>=!\-])(<=|>=|==|!=|<|>)(?![<>=])")
LITERAL = re.compile(r"(?<=[-+*/<>=&|(,] )(0|1|2|4|7|8|63|64)\b(?![.xX])")
SWAP = re.compile(r"\b([a-z_][\w]*(?:->\w+|\.\w+)?) - ([a-z_][\w]*(?:->\w+|\.\w+)?)\b")
CHECK_IF = re.compile(r"^(\s*)if \((.+)\)\s*$")


def die_usage(msg):
    cliargs.die("vmbytes mutants", msg)


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
    return [{"file": name, "func": function_at(lines, i), "line": i + 1, "kind": k,
             "original": lines[i].strip(), "mutated": new.strip(), "new_line": new}
            for k, i, new in out]


def function_at(lines, i):
    """The name of the function whose body holds line @i (0-based)."""
    for j in range(i, -1, -1):
        m = re.match(r"^[A-Za-z_][^=;]*?\b(\w+)\(", lines[j])
        if m and not lines[j].rstrip().endswith(";") and not lines[j].startswith("typedef"):
            return m.group(1)
    return "?"


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


def prepare(build, scratch):
    """A scratch source tree and its libFuzzer+ASan build of what the suite runs."""
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    for d in ("core", "fuzz", "bench/gate", "ci"):
        # Fresh timestamps: stale objects of an earlier run must not look current.
        shutil.copytree(os.path.join(ROOT, d), os.path.join(scratch, d), copy_function=shutil.copy)
    shutil.copy(os.path.join(ROOT, "CMakeLists.txt"), scratch)
    flags = ("-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined "
             "-fno-sanitize-recover=all")
    rc, out = sh(["cmake", "-S", scratch, "-B", build, "-G", "Ninja", "-DCMAKE_C_COMPILER=clang",
                  f"-DCMAKE_C_FLAGS={flags}", "-DVMB_FUZZ_ENGINE=libfuzzer", "-DVMB_BUILD_TESTS=ON"],
                 300)
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
    replay = os.path.join(build, "core", "vmbytes-replay")
    for ops in ops_cases():
        try:
            ok = check(replay, ops)[0]
        except subprocess.TimeoutExpired:
            ok = False
        if not ok:
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
        try:
            r = ctest.run(["--test-dir", build, "-R", f"^{area}\\.", "-j2"], timeout=600)
        except subprocess.TimeoutExpired:
            return f"unit {area} (timeout)"
        if r.status != 0 or r.failed:
            return f"unit {r.failed[0] if r.failed else area}"
    return None


def load_equivalent():
    """(file, function, mutated line) -> reason, from
    fuzz/mutants-equivalent.txt: a line "[file.c function] <the mutated
    line>" and, indented below it, why no test can tell that mutant from
    the original."""
    out, key = {}, None
    if not os.path.exists(EQUIVALENT):
        return out
    with open(EQUIVALENT) as f:
        for n, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            m = re.match(r"^\[(\w+\.c) (\w+)\] (.+)$", line.rstrip("\n"))
            if m:
                key = (m.group(1), m.group(2), m.group(3).strip())
                out[key] = ""
            elif line[0] in " \t" and key:
                out[key] = (out[key] + " " + line.strip()).strip()
            else:
                sys.exit(f"mutants: {EQUIVALENT}:{n}: neither '[file.c function] mutated line' "
                         "nor a reason")
    for k, why in out.items():
        if not why:
            sys.exit(f"mutants: {EQUIVALENT}: '{k[2]}' has no reason")
    return out


def fingerprint():
    """A hash of everything a verdict depends on: the sources, the tests,
    the fuzz suite, the corpus and the conformance scripts."""
    h = hashlib.sha256()
    for top in ("core", "fuzz", "corpus", "CMakeLists.txt"):  # core/ holds the conformance cases
        base = os.path.join(ROOT, top)
        paths = [base] if os.path.isfile(base) else sorted(
            os.path.join(d, f) for d, _, fs in os.walk(base) for f in fs)
        for path in sorted(paths):
            if path == EQUIVALENT:
                continue
            h.update(path.encode())
            with open(path, "rb") as f:
                h.update(f.read())
    return h.hexdigest()[:16]


def mutant_key(mu):
    return f"{mu['file']}:{mu['func']}:{mu['line']}:{mu['mutated']}"


class Worker:
    """One scratch tree and build of its own, so that N of them can judge
    N mutants at once."""

    def __init__(self, k):
        self.scratch = SCRATCH if k == 0 else f"{SCRATCH}-{k}"
        self.build = os.path.join(ROOT, "build", "mutants" if k == 0 else f"mutants-{k}")

    def setup(self, check):
        prepare(self.build, self.scratch)
        units = sorted({u for v in UNIT.values() for u in v})
        rc, out = sh(["ninja", "-C", self.build] + build_targets(None, units), 1800)
        if rc != 0:
            return f"the unmutated tree does not build\n{out[-3000:]}"
        if replay_regression(self.build, check):
            return "the unmutated tree fails its own regression; fix that first"
        return None

    def judge(self, mu, source, check, args):
        path = os.path.join(self.scratch, "core", "src", mu["file"])
        lines = source.split("\n")
        lines[mu["line"] - 1] = mu["new_line"]
        with open(path, "w") as f:
            f.write("\n".join(lines))
        try:
            rc, out = sh(["ninja", "-C", self.build]
                         + build_targets(RELEVANT[mu["file"]], UNIT[mu["file"]]), 600)
            if rc != 0:
                return "stillborn", "does not compile"
            by = replay_regression(self.build, check, RELEVANT[mu["file"]])
            if by is None and args.time_per_mutant > 0:
                by = short_fuzz(self.build, RELEVANT[mu["file"]], args.time_per_mutant)
            if by is None and not args.no_unit:
                by = unit_tests(self.build, UNIT[mu["file"]])
            return ("killed" if by else "survived"), by
        finally:
            with open(path, "w") as f:
                f.write(source)

    def restore(self):
        """Leave the build of the unmutated tree behind."""
        sh(["ninja", "-C", self.build] + build_targets(), 600)


def parse_args(argv=None):
    p = cliargs.Parser(prog="vmbytes mutants", description=__doc__.split("\n\n")[0])
    p.add_argument("--time-per-mutant", type=cliargs.seconds(0, 3600), default=6.0, metavar="S",
                   help="seconds of fuzzing for a mutant the replay does not kill, 0 for none "
                   "(default 6, at most 3600)")
    p.add_argument("--max", type=cliargs.integer(0, 1000000), default=0, metavar="N",
                   help="test at most N mutants, spread evenly over all (default, or 0: all)")
    p.add_argument("--no-unit", action="store_true",
                   help="judge the fuzz suite alone: skip the unit-test stage")
    p.add_argument("--file", action="append", default=[], metavar="NAME",
                   type=cliargs.choice(sorted(RELEVANT), "file"),
                   help="only mutate this core/src file (repeatable)")
    p.add_argument("--jobs", type=cliargs.integer(1, 16), default=1, metavar="N",
                   help="judge N mutants at once, each in a scratch tree of its own (default 1)")
    p.add_argument("--fresh", action="store_true",
                   help="forget the verdicts of earlier runs")
    return p.parse_args(argv)


def execute(args):
    equivalent = load_equivalent()
    sys.path.insert(0, os.path.join(ROOT, "core", "tests"))
    from replay_check import check  # noqa: E402 (the checker of ctest's ops.* cases)
    os.makedirs(OUT, exist_ok=True)
    fp = fingerprint()
    verdicts = {}
    if not args.fresh and os.path.exists(VERDICTS):
        try:
            with open(VERDICTS) as f:
                saved = json.load(f)
            if saved.get("fingerprint") == fp and saved.get("time_per_mutant") == args.time_per_mutant \
                    and saved.get("no_unit") == args.no_unit:
                verdicts = saved.get("verdicts", {})
        except (OSError, ValueError):
            verdicts = {}
    files = args.file or sorted(RELEVANT)
    all_mutants = []
    sources = {}
    for name in files:
        with open(os.path.join(ROOT, "core", "src", name)) as f:
            sources[name] = f.read()
        all_mutants += mutants_of(name, sources[name])
    chosen = all_mutants
    if args.max and len(all_mutants) > args.max:
        step = len(all_mutants) / args.max
        chosen = [all_mutants[int(i * step)] for i in range(args.max)]
    todo = [mu for mu in chosen if mutant_key(mu) not in verdicts]
    print(f"vmbytes mutants: {len(chosen)} of {len(all_mutants)} mutants of {len(files)} files; "
          f"{len(chosen) - len(todo)} judged by an earlier run of this tree, {len(todo)} to go, "
          f"{args.jobs} at a time", flush=True)
    workers = [Worker(k) for k in range(min(args.jobs, max(1, len(todo))))]
    if todo:
        with concurrent.futures.ThreadPoolExecutor(len(workers)) as ex:
            for err in ex.map(lambda w: w.setup(check), workers):
                if err:
                    sys.exit(f"mutants: {err}")
    lock = threading.Lock()
    t0 = time.time()
    done = [0]

    def save():
        os.makedirs(os.path.dirname(VERDICTS), exist_ok=True)
        tmp = VERDICTS + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"fingerprint": fp, "time_per_mutant": args.time_per_mutant,
                       "no_unit": args.no_unit, "verdicts": verdicts}, f, allow_nan=False)
        os.replace(tmp, VERDICTS)

    def run(worker, queue):
        while True:
            with lock:
                if not queue:
                    return
                mu = queue.pop(0)
            try:
                verdict, by = worker.judge(mu, sources[mu["file"]], check, args)
            except Exception as e:  # a mutant not judged must not vanish from the rate
                with lock:
                    errors.append(f"{mu['file']}:{mu['line']}: {type(e).__name__}: {e}")
                return
            with lock:
                verdicts[mutant_key(mu)] = {"verdict": verdict, "by": by}
                save()
                done[0] += 1
                el = time.time() - t0
                eta = el / done[0] * (len(todo) - done[0])
                print(f"[{done[0]}/{len(todo)} {el:.0f}s, ~{eta / 60:.0f} min left] {verdict:9} "
                      f"{mu['file']}:{mu['line']} {mu['kind']}: {mu['mutated'][:60]}"
                      + (f"  <- {by}" if by and verdict == "killed" else ""), flush=True)

    queue, errors = list(todo), []
    threads = [threading.Thread(target=run, args=(w, queue)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if todo:
        for w in workers:
            w.restore()
    if errors:
        print(f"vmbytes mutants: {len(errors)} mutant(s) could not be judged, no kill rate "
              f"(first: {errors[0]})", file=sys.stderr)
        return 1
    results = []
    for mu in chosen:
        v = verdicts.get(mutant_key(mu))
        if v is None:
            continue
        r = {k: mu[k] for k in ("file", "line", "kind", "original", "mutated")}
        r.update(v)
        key = (mu["file"], mu["func"], mu["mutated"])
        if r["verdict"] == "survived" and key in equivalent:
            r["verdict"] = "equivalent"
            r["why"] = equivalent[key]
        results.append(r)
    live = [r for r in results if r["verdict"] in ("killed", "survived")]
    equiv = [r for r in results if r["verdict"] == "equivalent"]
    killed = [r for r in live if r["verdict"] == "killed"]
    rate = 100.0 * len(killed) / len(live) if live else 0.0
    judged = {(mu["file"], mu["func"], mu["mutated"]) for mu in chosen}
    stale = sorted(k for k in equivalent if k not in judged)
    summary = {"mutants": len(results), "of_all": len(all_mutants), "judged": len(live),
               "equivalent": len(equiv), "killed": len(killed), "kill_rate_percent": round(rate, 1),
               "time_per_mutant": args.time_per_mutant, "unit_stage": not args.no_unit,
               "results": results}
    with open(os.path.join(OUT, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2, allow_nan=False)
    sample = (f"an even sample of {len(results)} of all {len(all_mutants)}"
              if len(results) < len(all_mutants) else f"all {len(results)}")
    md = ["# Mutation testing", "",
          f"`./vmbytes mutants{' --max ' + str(args.max) if args.max else ''}`: {sample} mutants of "
          f"core/src. {len(killed)} of {len(live)} killed: **{rate:.1f}%**. "
          f"{len(equiv)} more are equivalent (listed below with the reason, from "
          f"fuzz/mutants-equivalent.txt) and {len(results) - len(live) - len(equiv)} did not "
          f"compile; neither kind counts. Stages: op scripts and corpus replay, then "
          f"{args.time_per_mutant:g} s of fuzzing"
          + (", then the unit tests of the file's area." if not args.no_unit else " (no unit tests)."),
          "", "## Survivors", ""]
    surv = [r for r in live if r["verdict"] == "survived"]
    if surv:
        md += ["| file:line | kind | original | mutated |", "|---|---|---|---|"]
        md += [f"| {r['file']}:{r['line']} | {r['kind']} | `{r['original']}` | `{r['mutated']}` |"
               for r in surv]
    else:
        md.append("None.")
    md += ["", "## Equivalent", ""]
    if equiv:
        md += ["| file:line | mutated | why no test can tell |", "|---|---|---|"]
        md += [f"| {r['file']}:{r['line']} | `{r['mutated']}` | {r['why']} |" for r in equiv]
    else:
        md.append("None.")
    md += ["", "## Killed by", ""]
    stages = {}
    for r in killed:
        # "op script X", "unit area.case", "corpus/t", "fuzz t (rule R)": by stage
        # and target, not by case.
        words = r["by"].split(" ")
        stage = " ".join(words[:3] if words[0] == "op" else words[:2])
        stage = re.sub(r"^(unit \w+)\..*$", r"\1", stage)
        stage = re.sub(r"^op script .*$", "op script", stage)
        stages[stage] = stages.get(stage, 0) + 1
    md += [f"- {k}: {v}" for k, v in sorted(stages.items())]
    with open(os.path.join(OUT, "summary.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print(f"vmbytes mutants: kill rate {rate:.1f}% ({len(killed)}/{len(live)}; {len(equiv)} "
          f"equivalent left out); reports/mutants/summary.md")
    if stale and not args.max and not args.file:
        print(f"vmbytes mutants: {len(stale)} entries of fuzz/mutants-equivalent.txt match no "
              f"mutant of the sources any more: " + "; ".join(f"[{a} {b}] {c}" for a, b, c in stale))
    return 0


def main(argv=None):
    return execute(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

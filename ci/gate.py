#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""vmbytes gate: the regression gate a CI runs on a change.

usage: gate.py [--stages S,S,...] [--fuzz-seconds N] [--jobs N] [--base REV]

Stages, in order (all by default):
  static      clang-tidy (bugprone, cert, concurrency), cppcheck and
              gcc -fanalyzer over core/, warnings as errors
  sanitizers  unit tests, op scripts, conformance cases and corpus replay
              under ASan+UBSan, MSan, TSan and strict UBSan
  fuzz        a smoke of every target on libFuzzer and AFL++, N seconds
              each (default 30); the corpus is left alone; first, afl-tmin
              and libFuzzer must minimize a planted crash padded with junk
  chaos       fuzz/chaos.py: kill -9 a short campaign at random moments
              (fuzzing, merging, minimizing, writing summaries) and on a
              full tmpfs, and check that it loses nothing; SKIP (not a
              pass, nor a failure) where no tmpfs can be mounted
  ossfuzz     fuzz/oss-fuzz/build.sh under OSS-Fuzz's variables and flags
              (ASan, UBSan, MSan with libFuzzer; AFL++; coverage), each
              target run as ClusterFuzz runs it over its seeds
              (fuzz/oss-fuzz/check.py)
  bench       the change against its base revision (--base REV; default
              HEAD when tracked files have uncommitted changes, else HEAD's
              first parent, in CI the merge base), both built here:
              instruction counts (callgrind, +2%) and times (the two
              benchmark binaries alternating round by round, Wilcoxon,
              +10%); see bench/gate/ and bench/README.md

Each stage ends with a verdict line; the failing ones name what broke
(the test case, hence the SPEC rule, or the oracle's rule). Writes
reports/gate/verdict.{json,md}. Exit 0 when every stage passes, 1 when one
fails, 2 for bad arguments.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from vmbytes import cliargs, ctest  # noqa: E402  (one argument checker; CTest's JUnit results)
from vmbytes import lists as _targets  # noqa: E402  (the one list, fuzz/targets.txt)
OUT = os.path.join(ROOT, "reports", "gate")
STAGES = ["static", "sanitizers", "fuzz", "chaos", "ossfuzz", "bench"]
TARGETS = _targets.TARGETS


def run(cmd, log, env=None, timeout=None):
    """Run, teeing a tail to the log file; returns (status, output)."""
    with open(log, "ab") as f:
        f.write(f"$ {' '.join(cmd)}\n".encode())
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT,
                           env=env, timeout=timeout)
        f.write(p.stdout)
    return p.returncode, p.stdout.decode(errors="replace")


def build(preset, log):
    rc, out = run(["cmake", "--preset", preset], log)
    if rc == 0:
        rc, out = run(["cmake", "--build", "--preset", preset], log)
    return rc, out


def stage_static(args, log):
    rc, out = build("dev", log)
    if rc:
        return False, "the dev build failed"
    found = []
    for tool in ("clang-tidy", "cppcheck", "gcc-analyzer"):
        rc, out = run([os.path.join(ROOT, "ci", "static-analysis.sh"), tool,
                       os.path.join(ROOT, "build", "dev")], log)
        if rc:
            lines = [l for l in out.splitlines() if "warning" in l or "error" in l]
            found.append(f"{tool}: {len(lines)} finding(s), first: {lines[0] if lines else out[-200:]}")
    return (not found), ("; ".join(found) if found else "clang-tidy, cppcheck, gcc -fanalyzer: no findings")


def stage_sanitizers(args, log):
    verdicts, ok = [], True
    for preset in ("asan", "msan", "tsan", "ubsan"):
        rc, out = build(preset, log)
        if rc:
            verdicts.append(f"{preset}: build failed")
            ok = False
            continue
        r = ctest.run(["--preset", preset], cwd=ROOT)
        with open(log, "a") as f:
            f.write(f"$ ctest --preset {preset}\n{r.output}")
        if r.status or r.error or r.failed:
            ok = False
            # Case names start with the SPEC rule id they check (S2_..., G4_...).
            rules = sorted({m.group(1) for f in r.failed
                            for m in [re.match(r"[^.]+\.([SGIDR]\d+)", f)] if m},
                           key=lambda rule: (rule[0], int(rule[1:])))
            why = r.error or f"{len(r.failed)} failed: {', '.join(r.failed[:6])}"
            verdicts.append(f"{preset}: {why}" + (f" (rules {', '.join(rules)})" if rules else ""))
        else:
            verdicts.append(f"{preset}: {len(r.passed) + len(r.skipped)} passed"
                            + (f" ({len(r.skipped)} skipped)" if r.skipped else ""))
    return ok, "; ".join(verdicts)


def stage_ossfuzz(args, log):
    rc, out = run([sys.executable, os.path.join(ROOT, "fuzz", "oss-fuzz", "check.py"),
                   "--jobs", str(args.jobs)], log, timeout=3600)
    verdicts = [l for l in out.splitlines() if l.startswith("ossfuzz")]
    failed = [l for l in verdicts if ": FAIL" in l and not l.startswith("ossfuzz:")]
    if rc == 0 and verdicts and not failed:
        return True, verdicts[-1].split(": ", 1)[1]
    return False, "; ".join(failed) or (verdicts[-1] if verdicts else f"check.py exit {rc}: {out[-200:]}")


def stage_fuzz(args, log):
    for preset in ("fuzz-asan", "fuzz-afl-laf"):
        env = dict(os.environ, AFL_LLVM_LAF_ALL="1") if "afl" in preset else None
        rc, out = run(["cmake", "--preset", preset], log, env=env)
        if rc == 0:
            rc, out = run(["cmake", "--build", "--preset", preset], log, env=env)
        if rc:
            return False, f"building {preset} failed"
    # Crash inputs minimize: afl-tmin and libFuzzer cut junk off a planted
    # crash (fuzz/tests/minimize.py, on the test-only target fuzz_planted).
    build_dir = os.path.join(ROOT, "build")
    rc, out = run([sys.executable, os.path.join(ROOT, "fuzz", "tests", "minimize.py"),
                   "--afl", os.path.join(build_dir, "fuzz-afl-laf", "fuzz", "fuzz_planted_afl"),
                   "--libfuzzer", os.path.join(build_dir, "fuzz-asan", "fuzz", "fuzz_planted")], log)
    if rc:
        lines = out.strip().splitlines()
        return False, lines[-1] if lines else "the minimization check failed"
    total = args.fuzz_seconds * len(TARGETS) * 2 / args.jobs
    reports = os.path.join(ROOT, "build", "gate", "fuzz")
    # A smoke starts from nothing: a stale summary or an earlier run's crash
    # index would give this change a verdict it did not earn.
    shutil.rmtree(reports, ignore_errors=True)
    rc, out = run([sys.executable, "-m", "vmbytes.fuzz.command", "run", "--time",
                   str(max(10, int(total))), "--engine", "both", "--jobs", str(args.jobs), "--fresh",
                   "--no-merge", "--reports", reports], log,
                  env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, "tools")))
    try:
        with open(os.path.join(reports, "summary.json")) as f:
            summary = json.load(f)
    except OSError:
        last = [l for l in out.splitlines() if l.startswith("vmbytes fuzz:")]
        return False, f"the campaign wrote no summary (exit status {rc}): " + (
            last[-1] if last else out[-200:])
    crashes = summary.get("crashes", [])
    if crashes:
        return False, "; ".join(f"{c['target']}: {c['signature']} ({c['dir']})" for c in crashes)
    runs = sum(len(e) for e in summary["targets"].values())
    if rc != 0:
        last = [l for l in out.splitlines() if l.startswith("vmbytes fuzz:")]
        return False, f"the campaign failed (exit status {rc}): {last[-1] if last else out[-200:]}"
    flaky = summary.get("flaky", [])
    return True, (f"{runs} target/engine runs of {args.fuzz_seconds} s, no crash; "
                  "a planted crash minimized by afl-tmin and libFuzzer"
                  + (f" ({len(flaky)} flaky, see {os.path.relpath(reports, ROOT)}/summary.md)"
                     if flaky else ""))


def stage_chaos(args, log):
    rc, out = build("fuzz-asan", log)
    if rc:
        return False, "building fuzz-asan failed"
    rc, out = run([sys.executable, os.path.join(ROOT, "fuzz", "chaos.py")], log, timeout=900)
    last = [l for l in out.splitlines() if l.startswith("chaos:")]
    verdict = last[-1] if last else f"chaos.py exit status {rc}"
    if rc == 77:
        return None, verdict  # skipped: said so, not counted as a pass
    return rc == 0, verdict


def stage_bench(args, log):
    """The change against its base (bench/gate/base.py picks it: --base, the
    merge base in CI, else HEAD or HEAD's first parent), both built here:
    instruction counts under callgrind (dev preset, +2%), then times
    interleaved round by round (bench preset, bench/gate/timegate.py)."""
    sys.path.insert(0, os.path.join(ROOT, "bench", "gate"))
    import base as gate_base  # noqa: E402
    try:
        sha, why = gate_base.resolve(args.base)
    except gate_base.BaseError as e:
        return False, f"no base to compare with: {e}"
    notes = [f"base {sha[:12]} ({why})"]
    rc, out = build("dev", log)
    if rc:
        return False, "; ".join(notes + ["the dev build failed"])
    try:
        with open(log, "a") as f:
            src = gate_base.export(sha)
            base_dev = gate_base.build(src, "dev", ["vmbytes-icount"], f)
    except gate_base.BaseError as e:
        return False, "; ".join(notes + [str(e)])
    driver = os.path.join("bench", "gate", "vmbytes-icount")
    rc, out = run([sys.executable, os.path.join(ROOT, "bench", "gate", "icount.py"),
                   "--driver", os.path.join(ROOT, "build", "dev", driver),
                   "--base-driver", os.path.join(base_dev, driver)], log)
    ok = rc == 0
    worse = re.findall(r"^\s+(\S+)\s.*REGRESSION", out, re.M)
    last = [l for l in out.splitlines() if l.startswith("icount:")]
    notes.append("instruction counts: " + (f"REGRESSION in {', '.join(worse)}" if worse
                                           else last[-1][len("icount: "):] if last
                                           else f"icount.py exit {rc}"))
    rc, out = run(["/usr/bin/python3", os.path.join(ROOT, "bench", "gate", "timegate.py"),
                   "--base", sha], log)
    ok = ok and rc == 0
    last = [l for l in out.splitlines() if l.startswith("timegate: pass") or
            l.startswith("timegate: FAIL") or l.startswith("timegate: no verdict")]
    notes.append("times: " + (last[-1][len("timegate: "):] if last else f"timegate.py exit {rc}"))
    return ok, "; ".join(notes)


def parse_args(argv=None):
    def stage_list(text):
        """--stages: a comma-separated, non-empty list of known stages."""
        names = text.split(",")
        if "" in names:
            raise argparse.ArgumentTypeError(f"'{text}' has an empty stage name "
                                             f"(stages: {','.join(STAGES)})")
        bad = [s for s in names if s not in STAGES]
        if bad:
            raise argparse.ArgumentTypeError(f"unknown stage(s) {', '.join(bad)} "
                                             f"(one of: {','.join(STAGES)})")
        return names

    p = cliargs.Parser(prog="vmbytes gate", description=__doc__.split("\n\n")[0])
    p.add_argument("--stages", type=stage_list, default=list(STAGES),
                   help=f"comma-separated subset of {','.join(STAGES)}")
    p.add_argument("--fuzz-seconds", type=cliargs.integer(5, 3600), default=30)
    p.add_argument("--jobs", type=cliargs.integer(1, cliargs.MAX_JOBS), default=os.cpu_count() or 1)
    p.add_argument("--base", type=cliargs.nonempty("REV"),
                   help="the revision the bench stage compares with (default: see bench/gate/base.py)")
    args = p.parse_args(argv)
    if args.base is not None and subprocess.run(
            ["git", "-c", f"safe.directory={ROOT}", "-C", ROOT, "rev-parse", "--verify",
             "--quiet", f"{args.base}^{{commit}}"],
            capture_output=True).returncode != 0:
        cliargs.die(p.prog, f"--base {args.base} is not a commit in this repository")
    return args


def execute(args):
    stages = args.stages
    os.makedirs(OUT, exist_ok=True)
    log = os.path.join(OUT, "gate.log")
    open(log, "w").close()
    results = []
    for name in stages:
        print(f"== gate stage {name} ...", flush=True)
        t0 = time.time()
        try:
            ok, detail = globals()[f"stage_{name}"](args, log)
        except subprocess.TimeoutExpired:
            ok, detail = False, "timed out"
        results.append({"stage": name, "pass": ok, "detail": detail,
                        "seconds": round(time.time() - t0, 1)})
        word = "SKIP" if ok is None else "PASS" if ok else "FAIL"
        print(f"   {name}: {word} ({time.time() - t0:.0f} s): {detail}", flush=True)
    verdict = all(r["pass"] is not False for r in results)
    with open(os.path.join(OUT, "verdict.json"), "w") as f:
        json.dump({"pass": verdict, "stages": results}, f, indent=2, allow_nan=False)
    with open(os.path.join(OUT, "verdict.md"), "w") as f:
        f.write(f"# Gate: {'PASS' if verdict else 'FAIL'}\n\n| stage | verdict | seconds | detail |\n"
                "|---|---|---:|---|\n")
        for r in results:
            word = "skipped" if r["pass"] is None else "pass" if r["pass"] else "**FAIL**"
            f.write(f"| {r['stage']} | {word} | {r['seconds']:.0f} "
                    f"| {r['detail']} |\n")
    print(f"gate: {'PASS' if verdict else 'FAIL'} "
          f"({', '.join(r['stage'] + {True: '', None: ' SKIPPED', False: ' FAILED'}[r['pass']] for r in results)}); "
          f"log in {os.path.relpath(log, ROOT)}")
    return 0 if verdict else 1


def main(argv=None):
    return execute(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

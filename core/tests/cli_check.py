#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""Every tool refuses every bad argument: exit 2, one line on stderr that
names the flag (or the word) at fault, nothing on stdout, and nothing
installed or built first.

usage: cli_check.py TOOL [--replay BINARY]

TOOL is one of: fuzz mutants bench tune gate run coverage replay test.
Each bad case runs through ./vmbytes itself, with stand-ins for apt-get,
sudo, dpkg-query, cmake, ctest and ninja first on PATH: a stand-in that is
called records it, so a case that slips past validation fails here (and
at once, with no build) instead of installing or building. The good cases
(values that are odd but legal, such as --max 0) run the Python tool with
VMB_VALIDATE_ONLY=1, which must accept them (exit 0). For replay, the
vmbytes-replay binary's own argument handling is checked too (--replay).
"""
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VMBYTES = os.path.join(ROOT, "vmbytes")
STUBS = ["apt-get", "sudo", "dpkg-query", "cmake", "ctest", "ninja"]

# The values no numeric flag may take (each case also says which flags
# accept 0, since some do: --max 0 means all, --margin 0 no margin).
HUGE = "1" + "0" * 30  # 10**30: finite, and far past any sane bound
BAD_NUMBERS = ["nan", "NaN", "inf", "-inf", "Infinity", "-1", "1e400", HUGE, "abc", ""]

# tool -> (prefix argv, [(flag, zero_ok)]) for its numeric flags.
NUMERIC = {
    "fuzz": ([], [("--time", False), ("--jobs", False)]),
    "mutants": ([], [("--time-per-mutant", True), ("--max", True), ("--jobs", False)]),
    "bench": ([], [("--repetitions", False), ("--min-time", False)]),
    "tune": ([], [("--repetitions", False), ("--min-time", False), ("--margin", True)]),
    "gate": ([], [("--fuzz-seconds", False), ("--jobs", False)]),
    "run": ([], [("--time", False), ("--jobs", False)]),
}

# Other bad arguments: (argv after the tool, the word stderr must name).
OTHER = {
    "fuzz": [
        (["--bogus"], "--bogus"),
        (["nosuchtarget"], "nosuchtarget"),
        ([""], "target"),
        (["--engine=bogus"], "--engine"),
        (["--engine="], "--engine"),
        (["--reports="], "--reports"),
        (["--time", "-inf"], "--time"),
        (["--time=5"], "--time"),
        (["--time=10ms"], "--time"),
        (["--jobs=1.5"], "--jobs"),
        (["prune", "--bogus"], "--bogus"),
        (["prune", "nosuchtarget"], "nosuchtarget"),
        (["prune", ""], "target"),
        (["decode"], "FILE"),
        (["decode", ""], "FILE"),
        (["decode", "/nonexistent/input"], "/nonexistent/input"),
        (["decode", "--bogus", ROOT + "/README.md"], "--bogus"),
        (["decode", ROOT + "/README.md", "--target=bogus"], "--target"),
        (["decode", ROOT + "/README.md", "--target="], "--target"),
        (["decode", ROOT], ROOT),
    ],
    "mutants": [
        (["--bogus"], "--bogus"),
        (["--file=nosuch.c"], "nosuch.c"),
        (["--file="], "--file"),
        (["--jobs=17"], "--jobs"),
        (["--max=2.5"], "--max"),
        (["extra"], "extra"),
    ],
    "bench": [
        (["--bogus"], "--bogus"),
        ([""], "FILTER"),
        (["("], "FILTER"),
        (["a", "b"], "b"),
        (["--min-time=61"], "--min-time"),
        (["--repetitions=1001"], "--repetitions"),
        (["--margin=5"], "--margin"),
    ],
    "tune": [
        (["--bogus"], "--bogus"),
        (["--margin=100"], "--margin"),
        (["--quick"], "--quick"),
        (["copy"], "copy"),
    ],
    "gate": [
        (["--bogus"], "--bogus"),
        (["--stages="], "--stages"),
        (["--stages=bogus"], "bogus"),
        (["--stages=static,,bench"], "--stages"),
        (["--fuzz-seconds=4"], "--fuzz-seconds"),
        (["--fuzz-seconds=7.5"], "--fuzz-seconds"),
        (["extra"], "extra"),
    ],
    "run": [
        (["--bogus"], "--bogus"),
        (["--time=9"], "--time"),
        (["extra"], "extra"),
    ],
    "coverage": [
        (["--bogus"], "--bogus"),
        ([""], "coverage"),
        (["extra"], "extra"),
    ],
    "replay": [
        ([], "FILE"),
        ([""], "FILE"),
        (["--bogus"], "--bogus"),
        (["/nonexistent/script.ops"], "/nonexistent/script.ops"),
        ([ROOT], ROOT),
        (["a.ops", "b.ops"], "FILE"),
    ],
    "test": [
        (["--bogus"], "--bogus"),
        ([""], "preset"),
        (["nosuchpreset"], "nosuchpreset"),
    ],
}

# Legal values the validation pass must accept: (script, argv).
GOOD = {
    "fuzz": [("fuzz/campaign.py", ["run", "--time=10"]), ("fuzz/campaign.py", ["run", "--time", "1h"]),
             ("fuzz/campaign.py", ["run", "--time=2.5m", "--jobs=2", "--engine=afl"]),
             ("fuzz/campaign.py", ["prune"]),
             ("fuzz/campaign.py", ["decode", ROOT + "/README.md", "--target=guest"])],
    "mutants": [("fuzz/mutants.py", ["--time-per-mutant=0", "--max=0"]),
                ("fuzz/mutants.py", ["--time-per-mutant=2.5", "--jobs=16", "--file=slice.c"])],
    "bench": [("bench/run.py", ["bench", "--quick", "--repetitions=1", "--min-time=0.01", "copy/"])],
    "tune": [("bench/run.py", ["tune", "--margin=0", "--repetitions=3"])],
    "gate": [("ci/gate.py", ["--stages=static", "--fuzz-seconds=5", "--jobs=1"])],
    "run": [("ci/run.py", ["--time=2m", "--jobs=1"])],
    "coverage": [("fuzz/coverage.py", [ROOT])],
    "replay": [],
    "test": [],
}


def bad_cases(tool):
    """(argv, word to name) of every bad case of @tool."""
    cases = []
    prefix, flags = NUMERIC.get(tool, ([], []))
    for flag, zero_ok in flags:
        for v in BAD_NUMBERS + ([] if zero_ok else ["0", "0.0"]):
            cases.append((prefix + [f"{flag}={v}"], flag))
    return cases + OTHER[tool]


def make_stubs(tmp):
    """Stand-ins that record a call and fail, first on PATH."""
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir)
    marker = os.path.join(tmp, "called")
    for name in STUBS:
        path = os.path.join(bindir, name)
        with open(path, "w") as f:
            f.write(f"#!/bin/sh\necho \"{name} $*\" >>'{marker}'\nexit 97\n")
        os.chmod(path, 0o755)
    return bindir, marker


def run_case(argv, env, marker, timeout=60):
    if os.path.exists(marker):
        os.unlink(marker)
    try:
        p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout,
                           stdin=subprocess.DEVNULL, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None, "", "(timed out)", []
    called = []
    if os.path.exists(marker):
        with open(marker) as f:
            called = f.read().splitlines()
    return p.returncode, p.stdout, p.stderr, called


def judge(rc, out, err, called, word):
    """The reason a bad case failed, or None when it was refused properly."""
    lines = [l for l in err.splitlines() if l.strip()]
    if called:
        return f"went on to {called[0].split()[0]} ({called[0][:60]})"
    if rc != 2:
        return f"exit {rc}"
    if out:
        return f"printed on stdout: {out.strip()[:80]!r}"
    if len(lines) != 1:
        return f"{len(lines)} lines on stderr: {' | '.join(lines)[:160]}"
    if word not in lines[0]:
        return f"stderr does not name {word!r}: {lines[0][:160]}"
    if "Traceback" in err:
        return "a traceback"
    return None


def main():
    args = sys.argv[1:]
    replay_bin = None
    if "--replay" in args:
        i = args.index("--replay")
        replay_bin = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1 or args[0] not in OTHER:
        print(__doc__.splitlines()[4], file=sys.stderr)
        return 2
    tool = args[0]
    failed, total = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        bindir, marker = make_stubs(tmp)
        env = dict(os.environ)
        env.pop("VMB_VALIDATE_ONLY", None)
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
        for argv, word in bad_cases(tool):
            total += 1
            rc, out, err, called = run_case([VMBYTES, tool] + argv, env, marker)
            why = judge(rc, out, err, called, word)
            shown = " ".join(repr(a) if a == "" or " " in a else a for a in argv)
            if why:
                failed.append(f"FAIL ./vmbytes {tool} {shown}: {why}")
            else:
                print(f"ok   ./vmbytes {tool} {shown}: {err.strip()}")
        if replay_bin and tool == "replay":
            for argv, word in OTHER["replay"]:
                total += 1
                rc, out, err, called = run_case([replay_bin] + argv, env, marker)
                why = judge(rc, out, err, called, word)
                shown = " ".join(repr(a) if a == "" else a for a in argv)
                if why:
                    failed.append(f"FAIL vmbytes-replay {shown}: {why}")
                else:
                    print(f"ok   vmbytes-replay {shown}: {err.strip()}")
        if tool == "coverage":
            # fuzz/coverage.py BUILD_DIR, as cmd_coverage calls it; in its
            # validation pass, so that a case it wrongly accepts cannot
            # touch reports/coverage.
            cov_env = dict(env, VMB_VALIDATE_ONLY="1")
            for argv, word in [([], "BUILD_DIR"), ([""], "BUILD_DIR"), (["--bogus"], "--bogus"),
                               (["/nonexistent/build"], "/nonexistent/build"),
                               ([ROOT + "/README.md"], "README.md"), (["a", "b"], "BUILD_DIR")]:
                total += 1
                rc, out, err, called = run_case(
                    [sys.executable, os.path.join(ROOT, "fuzz", "coverage.py")] + argv, cov_env, marker)
                why = judge(rc, out, err, called, word)
                shown = " ".join(repr(a) if a == "" else a for a in argv)
                if why:
                    failed.append(f"FAIL coverage.py {shown}: {why}")
                else:
                    print(f"ok   coverage.py {shown}: {err.strip()}")
        good_env = dict(env, VMB_VALIDATE_ONLY="1")
        for script, argv in GOOD[tool]:
            total += 1
            rc, out, err, called = run_case([sys.executable, os.path.join(ROOT, script)] + argv,
                                            good_env, marker)
            if rc != 0 or called:
                failed.append(f"FAIL {script} {' '.join(argv)} (legal): exit {rc}: {err.strip()[:160]}")
            else:
                print(f"ok   {script} {' '.join(argv)}: accepted")
    for line in failed:
        print(line)
    print(f"cli {tool}: {total - len(failed)} of {total} cases as expected")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

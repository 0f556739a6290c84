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
(values that are odd but legal, such as --max 0) run `./vmbytes check
TOOL ...`, which parses only and must accept them (exit 0). For replay, the
vmbytes-replay binary's own argument handling is checked too (--replay).
"""
import concurrent.futures
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VMBYTES = os.path.join(ROOT, "vmbytes")
STUBS = ["apt-get", "sudo", "dpkg-query", "cmake", "ctest", "ninja"]

# The values no numeric flag may take (each case also says which flags
# accept 0, since some do: --max 0 means all, --margin 0 no margin).
HUGE = "1" + "0" * 30  # 10**30: finite, and far past any sane bound
BAD_NUMBERS = ["nan", "inf", "-inf", "-1", "1e400", HUGE, "abc", ""]

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
        (["copy/", "extra_word"], "extra_word"),
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

# Legal values the check must accept: argv after the command, run as
# `./vmbytes check TOOL ARGV` (it parses only, exit 0).
GOOD = {
    "fuzz": [["--time=10"], ["--time", "1h"], ["--time=2.5m", "--jobs=2", "--engine=afl"],
             ["prune"], ["decode", ROOT + "/README.md", "--target=guest"]],
    "mutants": [["--time-per-mutant=0", "--max=0"],
                ["--time-per-mutant=2.5", "--jobs=16", "--file=slice.c"]],
    "bench": [["--quick", "--repetitions=1", "--min-time=0.01", "copy/"]],
    "tune": [["--margin=0", "--repetitions=3"]],
    "gate": [["--stages=static", "--fuzz-seconds=5", "--jobs=1"]],
    "run": [["--time=2m", "--jobs=1"]],
    "coverage": [[]],
    "replay": [[ROOT + "/README.md"]],
    "test": [[], ["dev", "release"]],
}

# fuzz/coverage.py's own BUILD_DIR argument (the CLI passes
# build/coverage), parsed only: its parse_args() alone, in a child.
COVERAGE_PARSE = ("import importlib.util, sys; "
                  "spec = importlib.util.spec_from_file_location('coverage', sys.argv[1]); "
                  "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
                  "m.parse_args(sys.argv[2:])")


def bad_cases(tool):
    """(argv, word to name) of every bad case of @tool."""
    cases = []
    prefix, flags = NUMERIC.get(tool, ([], []))
    for flag, zero_ok in flags:
        for v in BAD_NUMBERS + ([] if zero_ok else ["0"]):
            cases.append((prefix + [f"{flag}={v}"], flag))
    return cases + OTHER[tool]


def make_stubs(tmp):
    """Stand-ins that record a call (in $VMB_CLI_MARKER) and fail, first on PATH."""
    bindir = os.path.join(tmp, "bin")
    os.makedirs(bindir)
    for name in STUBS:
        path = os.path.join(bindir, name)
        with open(path, "w") as f:
            f.write(f"#!/bin/sh\necho \"{name} $*\" >>\"$VMB_CLI_MARKER\"\nexit 97\n")
        os.chmod(path, 0o755)
    # The tools' `python3` is the interpreter running this check (a
    # version manager's shim on PATH costs a second per start).
    os.symlink(sys.executable, os.path.join(bindir, "python3"))
    return bindir


def run_case(argv, env, tmp, timeout=120):
    """(status, stdout, stderr, stand-ins called) of one run; cases run
    side by side, each with a marker file of its own."""
    fd, marker = tempfile.mkstemp(dir=tmp, prefix="called.")
    os.close(fd)
    os.unlink(marker)
    env = dict(env, VMB_CLI_MARKER=marker)
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


def shown(argv):
    return " ".join(repr(a) if a == "" or " " in a else a for a in argv)


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
    with tempfile.TemporaryDirectory() as tmp:
        bindir = make_stubs(tmp)
        env = dict(os.environ)
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
        # (label, argv, env, word to name, or None for a legal case)
        cases = [(f"./vmbytes {tool} {shown(argv)}", [VMBYTES, tool] + argv, env, word)
                 for argv, word in bad_cases(tool)]
        if replay_bin and tool == "replay":
            cases += [(f"vmbytes-replay {shown(argv)}", [replay_bin] + argv, env, word)
                      for argv, word in OTHER["replay"]]
        if tool == "coverage":
            cov = [sys.executable, "-c", COVERAGE_PARSE, os.path.join(ROOT, "fuzz", "coverage.py")]
            cases += [(f"coverage.py {shown(argv)}", cov + argv, env, word)
                      for argv, word in [([], "BUILD_DIR"), ([""], "BUILD_DIR"),
                                         (["--bogus"], "--bogus"),
                                         (["/nonexistent/build"], "/nonexistent/build"),
                                         ([ROOT + "/README.md"], "README.md"),
                                         ([ROOT, "second_dir"], "second_dir")]]
            cases.append((f"coverage.py {ROOT} (legal)", cov + [ROOT], env, None))
        cases += [(f"./vmbytes check {tool} {shown(argv)} (legal)", [VMBYTES, "check", tool] + argv,
                   env, None) for argv in GOOD[tool]]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            runs = list(pool.map(lambda c: run_case(c[1], c[2], tmp), cases))
    failed = []
    for (label, _, _, word), (rc, out, err, called) in zip(cases, runs):
        if word is None:
            why = None if rc == 0 and not called else f"exit {rc}: {err.strip()[:160]}"
        else:
            why = judge(rc, out, err, called, word)
        if why:
            failed.append(f"FAIL {label}: {why}")
        else:
            print(f"ok   {label}: {err.strip() if word else 'accepted'}")
    for line in failed:
        print(line)
    print(f"cli {tool}: {len(cases) - len(failed)} of {len(cases)} cases as expected")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

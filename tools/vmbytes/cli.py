# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The one CLI behind ./vmbytes: parse a command's arguments once (a bad
one is one line on stderr and exit 2, before anything is installed or
built), install the Debian packages it needs, build its presets, run it.

`python3 -m vmbytes check COMMAND [ARGS]` parses only (exit 0 when the
arguments are good): the argument tests (core/tests/cli_check.py) use it.
"""
import argparse
import importlib.util
import os
import sys

from . import ROOT, cliargs, ctest, host

# Every preset `test` runs: the sanitizer matrix and the aarch64 cross-build
# under qemu-user (README.md, "Tests"). Also accepted by name: release, and
# portable (x86-64 without any x86 code: the portable fallback forced).
PRESETS_ALL = ["dev", "asan", "msan", "tsan", "ubsan", "aarch64"]

USAGE = """usage: ./vmbytes COMMAND [ARGS]

  run [--time T] [--jobs N]
                      the main job: fuzz campaign (5m), quick benchmarks, coverage,
                      gate verdict, one report (reports/index.html)
  test [PRESET...]    build and run every test under dev, asan, msan, tsan, ubsan and
                      aarch64 (cross-built, run under qemu-user), or only the
                      presets named (also release, portable): unit tests, our
                      op scripts and the reference's conformance cases
  replay FILE         run an op script (docs/SPEC.md section 7) and print its results
  fuzz [TARGET...] [--time T] [--engine libfuzzer|afl|both] [--jobs N] [--fresh]
                      a fuzz campaign (default: every target, both engines, 10m);
                      killed at any moment it resumes when run again
  fuzz prune [TARGET...]
                      minimize corpus/<target> in place (keep what adds coverage)
  fuzz decode FILE [--target T]
                      print a fuzz input as the op script it decodes to
  coverage            llvm-cov of core/src from the committed corpus (reports/coverage/)
  mutants [--time-per-mutant S] [--max N] [--file NAME] [--jobs N] [--fresh]
                      mutation testing of the fuzz suite (reports/mutants/)
  bench [FILTER] [--quick] [--repetitions N] [--min-time S]
                      benchmarks (copy grid, size mixes, atomics, containers);
                      FILTER is a regex over names such as
                      copy/avx2/hot/1t/src0/dst0/4096; writes reports/bench/
                      <UTC time>.{json,md}, latest.md and plots
  tune [--repetitions N] [--min-time S] [--margin PCT]
                      calibrate the copy dispatcher on this host and write
                      reports/bench/tuning.conf (bench then uses it)
  gate [--stages S,...] [--fuzz-seconds N] [--jobs N]
                      the CI gate: static analysis, sanitizer matrix, fuzz smoke
                      of every target on both engines, the campaign's chaos test
                      (kill -9, full disks), the OSS-Fuzz build under OSS-Fuzz's
                      flags (stage ossfuzz), benchmark gates
  help                this text
"""


def die(message):
    cliargs.die("vmbytes", message)


def tool(relpath, name):
    """The tool module at ROOT/@relpath (its folder first on sys.path, as
    when it runs as a script)."""
    if name in sys.modules:
        return sys.modules[name]
    path = os.path.join(ROOT, relpath)
    sys.path.insert(0, os.path.dirname(path))
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


# Each command: parse(argv) -> args (exits 2 on a bad argument) and
# run(args) -> exit status, which installs, builds, then does the work.

def parse_test(argv):
    p = cliargs.Parser(prog="vmbytes test")
    p.add_argument("presets", nargs="*", metavar="PRESET",
                   type=cliargs.choice(PRESETS_ALL + ["release", "portable"], "preset"))
    args = p.parse_args(argv)
    args.presets = args.presets or PRESETS_ALL
    return args


def run_test(args):
    host.need_packages(host.CORE + host.PEER + host.TEST
                       + (host.AARCH64 if "aarch64" in args.presets else []))
    passed = failed = 0
    skipped = []
    for p in args.presets:
        print(f"== preset {p}: build", flush=True)
        if not host.build_preset(p):
            failed += 1
            continue
        print(f"== preset {p}: test", flush=True)
        r = ctest.run(["--preset", p], cwd=ROOT, tee=sys.stdout)
        with open(os.path.join(host.LOGS, f"ctest-{p}.log"), "w") as f:
            f.write(r.output)
        if r.error:
            print(f"vmbytes: ctest for '{p}': {r.error}", file=sys.stderr)
            failed += 1
            continue
        # A skipped test (exit 77: e.g. an instruction-count baseline made
        # by another toolchain) is neither passed nor failed: say so.
        passed += len(r.passed)
        failed += len(r.failed) + (1 if r.status and not r.failed else 0)
        skipped += [(p, name) for name in r.skipped]
    print()
    print(f"presets: {' '.join(args.presets)}")
    print(f"{passed} passed, {failed} failed, {len(skipped)} skipped")
    for p, name in skipped:
        print(f"  skipped ({p}): {name}")
    return 1 if failed else 0


def parse_replay(argv):
    if len(argv) != 1:
        die(f"replay takes exactly one FILE (got {len(argv)})")
    f = argv[0]
    if f == "":
        die("replay: empty FILE")
    if f != "-" and f.startswith("-"):
        die(f"replay: unknown option '{f}' (it takes one FILE, or - for stdin)")
    if f != "-" and os.path.isdir(f):
        die(f"replay: '{f}' is a directory, not a FILE")
    if f != "-" and not os.access(f, os.R_OK):
        die(f"replay: cannot read '{f}'")
    return argparse.Namespace(file=f if f == "-" else os.path.abspath(f))


def run_replay(args):
    host.need_packages(host.CORE)
    host.build_or_exit("dev")
    binary = os.path.join(ROOT, "build", "dev", "core", "vmbytes-replay")
    os.execv(binary, [binary, args.file])


def campaign():
    from .fuzz import command
    return command


def parse_fuzz(argv):
    """`fuzz prune ...`, `fuzz decode ...`, else a campaign: `fuzz ...`."""
    if argv[:1] in (["prune"], ["decode"]):
        return campaign().parse_args(argv)
    return campaign().parse_args(["run"] + argv)


def run_fuzz(args):
    if args.cmd == "prune":
        host.need_packages(host.CORE)
        host.build_or_exit("fuzz-asan")
    elif args.cmd == "decode":
        host.need_packages(host.CORE)
        host.build_or_exit("dev")
    else:
        host.need_packages(host.CORE + host.FUZZ)
        print("== building the fuzz targets (libFuzzer + ASan/UBSan, AFL++ laf-intel)", flush=True)
        host.build_or_exit("fuzz-asan")
        if args.engine != "libfuzzer":
            host.build_or_exit("fuzz-afl-laf", env={"AFL_LLVM_LAF_ALL": "1"})
    return campaign().execute(args)


def parse_coverage(argv):
    if argv:
        die(f"coverage takes no arguments (got '{argv[0]}')")
    return argparse.Namespace()


def run_coverage(args):
    host.need_packages(host.CORE + ["llvm-14"])
    host.build_or_exit("coverage")
    cov = tool("fuzz/coverage.py", "coverage")
    return cov.execute(cov.parse_args([os.path.join(ROOT, "build", "coverage")]))


def bench_tool():
    from .bench import command
    return command


def parse_bench(argv):
    return bench_tool().parse(["bench"] + argv)


def parse_tune(argv):
    return bench_tool().parse(["tune"] + argv)


def run_bench(args):
    host.need_packages(host.CORE + host.BENCH)
    host.build_or_exit("bench")
    return bench_tool().execute(args)


def simple(relpath, name, packages):
    """parse and run of a tool that builds what it needs itself."""
    def parse(argv):
        return tool(relpath, name).parse_args(argv)

    def run(args):
        host.need_packages(packages)
        return tool(relpath, name).execute(args)
    return parse, run


COMMANDS = {
    "test": (parse_test, run_test),
    "replay": (parse_replay, run_replay),
    "run": simple("ci/run.py", "ci_run", host.CORE + host.FUZZ + host.BENCH + host.REPORT),
    "fuzz": (parse_fuzz, run_fuzz),
    "coverage": (parse_coverage, run_coverage),
    "mutants": simple("fuzz/mutants.py", "mutants", host.CORE),
    "bench": (parse_bench, run_bench),
    "tune": (parse_tune, run_bench),
    "gate": simple("ci/gate.py", "gate", host.CORE + host.FUZZ + host.BENCH + host.GATE),
}


def main(argv):
    if not argv:
        sys.stderr.write(USAGE)
        return 2
    cmd, rest = argv[0], argv[1:]
    if cmd in ("help", "-h", "--help"):
        sys.stdout.write(USAGE)
        return 0
    check_only = cmd == "check"
    if check_only:
        if not rest or rest[0] not in COMMANDS:
            die(f"check takes a COMMAND (one of: {' '.join(COMMANDS)})")
        cmd, rest = rest[0], rest[1:]
    if cmd not in COMMANDS:
        die(f"unknown command '{cmd}'")
    parse, run = COMMANDS[cmd]
    args = parse(rest)
    if check_only:
        return 0
    return run(args)

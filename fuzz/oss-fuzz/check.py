#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The OSS-Fuzz build of vmbytes, built and run as OSS-Fuzz would.

usage: check.py [--builds B,...] [--seconds S] [--jobs N] [--keep]

Builds (all but afl-lto by default):
  address, undefined, memory   FUZZING_ENGINE=libfuzzer, SANITIZER=<name>
  coverage                     SANITIZER=coverage (ClusterFuzzLite's coverage job)
  afl                          FUZZING_ENGINE=afl, SANITIZER=address, CC=afl-clang-fast
                               (what OSS-Fuzz's compile_afl uses)
  afl-lto                      the same with afl-clang-lto

For each build, in a fresh /tmp tree laid out as the builder image's
($SRC/vmbytes, $SRC/build.sh, $OUT, $WORK), this script sets the variables
OSS-Fuzz's `compile` sets (CC CXX CCC CFLAGS CXXFLAGS LIB_FUZZING_ENGINE SRC
OUT WORK SANITIZER FUZZING_ENGINE ARCHITECTURE FUZZING_LANGUAGE, with the
flags of infra/base-images/base-clang/Dockerfile and base-builder's
SANITIZER_FLAGS_*, COVERAGE_FLAGS and compile_* scripts), runs
`bash -eux $SRC/build.sh` from $SRC/vmbytes, and checks:

  - the build succeeds, writes nothing into the checkout, and $OUT holds one
    binary per line of fuzz/targets.txt, each with its .options, .dict and
    seed corpus zip (one entry per corpus file);
  - every object came from $CC with all of $CFLAGS, every target was linked
    by $CXX with all of $CXXFLAGS and $LIB_FUZZING_ENGINE;
  - each target carries its sanitizer and no other (the call counts
    bad_build_check uses);
  - the seed regression: each target over its unzipped seed corpus
    (libFuzzer: `-runs=0`, as bad_build_check's seed-corpus check; AFL++:
    the driver over every seed file), with the runner's sanitizer options
    and the .options settings: no crash, no sanitizer report, every seed run;
  - a short fuzzing run the way ClusterFuzz's runner starts one (the
    base-runner's FUZZER_ARGS or AFL_FUZZER_ARGS and environment, the
    .options file, the dictionary, the unzipped seeds): no crash, work done;
  - both runs under strace, cwd and TMPDIR in a fresh directory: no path
    under /dev that the engine itself does not use (a do-nothing target,
    built and run the same way, is the baseline), no write, and no attempt
    to write, outside /tmp, no chdir.

Deliberate differences from the real images (each for a reason):
  - Debian's clang-14 instead of OSS-Fuzz's own clang build.
  - CXXFLAGS lacks `-stdlib=libc++`: OSS-Fuzz builds clang, libFuzzer and
    libc++ together, Debian's libclang_rt.fuzzer-x86_64.a is built against
    libstdc++ (it needs std::__cxx11::basic_string), so `-stdlib=libc++`
    leaves libFuzzer unlinkable. The same holds for MSan: OSS-Fuzz links
    MSan builds with an MSan-instrumented libc++ (/usr/msan/lib); our
    library and targets are C and call no C++, and libFuzzer, the only C++
    in the binary, is uninstrumented by design and unpoisons what it hands
    to the target, so no C++ library code touches what MSan tracks.
  - the AFL++ driver is Debian's /usr/lib/afl/libAFLDriver.a, copied to
    $WORK/lib/libFuzzingEngine.a (OSS-Fuzz copies its own build to
    /usr/lib/libFuzzingEngine.a).
  - fuzzing runs are bounded (-max_total_time, afl-fuzz -V) and the
    dictionary path of .options is resolved against $OUT, as ClusterFuzz's
    engine does, since cwd is not $OUT here.

One verdict line per build, then an overall one. Exit 0 when every build
passes, 1 when one fails (with the reason), 2 for bad arguments.
"""
import argparse
import concurrent.futures
import configparser
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from vmbytes import lists as _targets  # noqa: E402  (the one list, fuzz/targets.txt)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from project_files import check_files  # noqa: E402  (the OSS-Fuzz files agree)
from traces import STRACE_SET, scan_traces  # noqa: E402  (what strace saw)

CLANG, CLANGXX = "clang-14", "clang++-14"
SYMBOLIZER = "/usr/lib/llvm-14/bin/llvm-symbolizer"
AFL_DRIVER = "/usr/lib/afl/libAFLDriver.a"

# infra/base-images/base-clang/Dockerfile (oss-fuzz 955c686, 2026-08-20).
BASE_CFLAGS = ("-O1 -fno-omit-frame-pointer -gline-tables-only "
               "-Wno-error=incompatible-function-pointer-types -Wno-error=int-conversion "
               "-Wno-error=deprecated-declarations -Wno-error=implicit-function-declaration "
               "-Wno-error=implicit-int -Wno-error=unknown-warning-option "
               "-Wno-error=vla-cxx-extension -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION")
# infra/base-images/base-builder/Dockerfile: SANITIZER_FLAGS_<sanitizer>.
SANITIZER_FLAGS = {
    "address": "-fsanitize=address -fsanitize-address-use-after-scope",
    "undefined": ("-fsanitize=array-bounds,bool,builtin,enum,function,integer-divide-by-zero,null,"
                  "object-size,return,returns-nonnull-attribute,shift,signed-integer-overflow,"
                  "unsigned-integer-overflow,unreachable,vla-bound,vptr "
                  "-fno-sanitize-recover=array-bounds,bool,builtin,enum,function,"
                  "integer-divide-by-zero,null,object-size,return,returns-nonnull-attribute,shift,"
                  "signed-integer-overflow,unreachable,vla-bound,vptr"),
    "memory": "-fsanitize=memory -fsanitize-memory-track-origins",
    "coverage": "",
}
# base-builder's COVERAGE_FLAGS; `compile` empties it for afl.
COVERAGE_FLAGS = {"libfuzzer": "-fsanitize=fuzzer-no-link", "afl": ""}
# base-builder's COVERAGE_FLAGS_coverage, for SANITIZER=coverage.
COVERAGE_FLAGS_COVERAGE = ("-fprofile-instr-generate -fcoverage-mapping -pthread -Wl,--no-as-needed "
                           "-Wl,-ldl -Wl,-lm -Wno-unused-command-line-argument")
# infra/base-images/base-runner/Dockerfile.
RUNNER_ENV = {
    "ASAN_OPTIONS": ("alloc_dealloc_mismatch=0:allocator_may_return_null=1:"
                     "allocator_release_to_os_interval_ms=500:check_malloc_usable_size=0:"
                     "detect_container_overflow=1:detect_odr_violation=0:detect_leaks=1:"
                     "detect_stack_use_after_return=1:fast_unwind_on_fatal=0:handle_abort=1:"
                     "handle_segv=1:handle_sigill=1:max_uar_stack_size_log=16:print_scariness=1:"
                     "quarantine_size_mb=10:strict_memcmp=1:strip_path_prefix=/workspace/:"
                     "symbolize=1:use_sigaltstack=1:dedup_token_length=3"),
    "MSAN_OPTIONS": "print_stats=1:strip_path_prefix=/workspace/:symbolize=1:dedup_token_length=3",
    "UBSAN_OPTIONS": ("print_stacktrace=1:print_summary=1:silence_unsigned_overflow=1:"
                      "strip_path_prefix=/workspace/:symbolize=1:dedup_token_length=3"),
}
FUZZER_ARGS = ["-rss_limit_mb=2560", "-timeout=25"]
AFL_FUZZER_ARGS = ["-m", "none", "-t", "5000+"]
# base-runner's run_fuzzer, for FUZZING_ENGINE=afl.
AFL_RUN_ENV = {"AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES": "1", "AFL_SKIP_CPUFREQ": "1",
               "AFL_TRY_AFFINITY": "1", "AFL_FAST_CAL": "1", "AFL_CMPLOG_ONLY_NEW": "1",
               "AFL_FORKSRV_INIT_TMOUT": "30000", "AFL_IGNORE_PROBLEMS": "1",
               "AFL_IGNORE_UNKNOWN_ENVS": "1", "AFL_NO_UI": "1"}
AFL_SAN_EXTRA = {"ASAN_OPTIONS": "abort_on_error=1:symbolize=0:detect_odr_violation=0",
                 "MSAN_OPTIONS": "exit_code=86:symbolize=0", "UBSAN_OPTIONS": "symbolize=0"}

BUILDS = {
    "address": ("address", "libfuzzer", None),
    "undefined": ("undefined", "libfuzzer", None),
    "memory": ("memory", "libfuzzer", None),
    "afl": ("address", "afl", "afl-clang-fast"),
    "afl-lto": ("address", "afl", "afl-clang-lto"),
    "coverage": ("coverage", "libfuzzer", None),
}
DEFAULT_BUILDS = ["address", "undefined", "memory", "afl", "coverage"]

# bad_build_check's thresholds: calls into each sanitizer's runtime.
AT_LEAST = {"address": ("__asan", 1000), "memory": ("__msan", 1000), "undefined": ("__ubsan", 168)}
AT_MOST_OTHER = {"__asan": 0, "__msan": 3, "__ubsan": 200}

SANITIZER_REPORT = re.compile(r"ERROR: (AddressSanitizer|MemorySanitizer|LeakSanitizer|libFuzzer)"
                              r"|WARNING: MemorySanitizer|runtime error:|SUMMARY: \w+Sanitizer"
                              r"|deadly signal")


NOOP_TARGET = b"""#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}
"""


class Failure(Exception):
    """A check that failed; the message is the one-line reason."""


def fail(msg):
    raise Failure(msg)


def tail(text, n=3):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return " | ".join(lines[-n:])[-400:]


def write_wrapper(path, tag, real, log):
    with open(path, "w") as f:
        f.write(f"#!/bin/sh\n# {tag}: logs its arguments, then runs {real}\n"
                f"printf '%s' '{tag}' >>'{log}'\nprintf ' %s' \"$@\" >>'{log}'\n"
                f"printf '\\n' >>'{log}'\nexec '{real}' \"$@\"\n")
    os.chmod(path, 0o755)


class Build:
    """One simulated OSS-Fuzz build and its runs."""

    def __init__(self, name, top, seconds, jobs):
        self.name = name
        self.sanitizer, self.engine, self.afl_cc = BUILDS[name]
        self.seconds, self.jobs = seconds, jobs
        self.top = top
        self.src, self.out, self.work = (os.path.join(top, d) for d in ("src", "out", "work"))
        self.bin = os.path.join(top, "bin")
        self.log = os.path.join(top, "build.log")
        self.cclog = os.path.join(top, "compilers.log")
        self.notes = []

    # -- the build ---------------------------------------------------------

    def environment(self):
        for d in (self.src, self.out, self.work, self.bin, os.path.join(self.work, "lib")):
            os.makedirs(d, exist_ok=True)
        os.symlink(ROOT, os.path.join(self.src, "vmbytes"))
        # The ClusterFuzzLite build script for one build, the projects/ one
        # for the others: both must work.
        script = (os.path.join(ROOT, "fuzz", "oss-fuzz", "projects", "vmbytes", "build.sh")
                  if self.name == "address" else os.path.join(ROOT, ".clusterfuzzlite", "build.sh"))
        shutil.copy(script, os.path.join(self.src, "build.sh"))
        self.script = os.path.relpath(script, ROOT)

        sanitizer_flags = SANITIZER_FLAGS[self.sanitizer]
        coverage = (COVERAGE_FLAGS_COVERAGE if self.sanitizer == "coverage"
                    else COVERAGE_FLAGS[self.engine])
        cflags = f"{BASE_CFLAGS} {sanitizer_flags} {coverage}".strip()
        cxxflags = cflags  # OSS-Fuzz adds -stdlib=libc++ here (see the docstring)
        if self.sanitizer == "undefined":
            cflags += " -fno-sanitize=function"  # compile: for C code only
        env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TERM") if k in os.environ}
        if self.engine == "libfuzzer":
            cc, cxx = shutil.which(CLANG), shutil.which(CLANGXX)
            lib_engine = "-fsanitize=fuzzer"
            names = ("clang", "clang++")
        else:
            cc = shutil.which(self.afl_cc)
            cxx = shutil.which(self.afl_cc + "++")
            if not cc or not cxx or not os.path.exists(AFL_DRIVER):
                fail(f"{self.afl_cc}(++) or {AFL_DRIVER} missing (Debian package afl++)")
            lib_engine = os.path.join(self.work, "lib", "libFuzzingEngine.a")
            shutil.copy(AFL_DRIVER, lib_engine)
            names = (self.afl_cc, self.afl_cc + "++")
            # compile_afl: copies afl-* into $OUT, sets these for the build.
            for tool in ("afl-fuzz", "afl-showmap", "afl-tmin"):
                if shutil.which(tool):
                    os.symlink(shutil.which(tool), os.path.join(self.out, tool))
            env.update({"AFL_QUIET": "1", "AFL_IGNORE_PROBLEMS": "1", "AFL_IGNORE_UNKNOWN_ENVS": "1",
                        "ASAN_OPTIONS": "detect_leaks=0:symbolize=0:detect_odr_violation=0:abort_on_error=1"})
        if not cc or not cxx:
            fail(f"{CLANG}/{CLANGXX} not found")
        write_wrapper(os.path.join(self.bin, names[0]), "CC", cc, self.cclog)
        write_wrapper(os.path.join(self.bin, names[1]), "CXX", cxx, self.cclog)
        # compile: copies llvm-symbolizer into $OUT before build.sh.
        if os.path.exists(SYMBOLIZER):
            os.symlink(SYMBOLIZER, os.path.join(self.out, "llvm-symbolizer"))
        env.update({
            "PATH": f"{self.bin}:{env.get('PATH', '/usr/bin:/bin')}",
            "CC": os.path.join(self.bin, names[0]), "CXX": os.path.join(self.bin, names[1]),
            "CCC": os.path.join(self.bin, names[1]),
            "CFLAGS": cflags, "CXXFLAGS": cxxflags, "LIB_FUZZING_ENGINE": lib_engine,
            "SRC": self.src, "OUT": self.out, "WORK": self.work,
            "SANITIZER": self.sanitizer, "FUZZING_ENGINE": self.engine,
            "ARCHITECTURE": "x86_64", "FUZZING_LANGUAGE": "c", "SANITIZER_FLAGS": sanitizer_flags,
        })
        self.env = env

    def build(self):
        self.environment()
        before = git_status()
        with open(self.log, "wb") as f:
            try:
                p = subprocess.run(["bash", "-eux", os.path.join(self.src, "build.sh")],
                                   cwd=os.path.join(self.src, "vmbytes"), env=self.env,
                                   stdout=f, stderr=subprocess.STDOUT, timeout=1800)
            except subprocess.TimeoutExpired:
                fail(f"build.sh timed out (log {self.log})")
        if p.returncode:
            with open(self.log, errors="replace") as f:
                fail(f"build.sh exited {p.returncode}: {tail(f.read(), 2)} (log {self.log})")
        if git_status() != before:
            fail("build.sh changed the checkout (git status differs)")
        self.check_out()
        self.check_compilers()
        self.check_sanitizers()

    def check_out(self):
        infra = {"llvm-symbolizer", "afl-fuzz", "afl-showmap", "afl-tmin"}
        binaries = sorted(n for n in os.listdir(self.out) if n not in infra and "." not in n
                          and os.access(os.path.join(self.out, n), os.X_OK)
                          and os.path.isfile(os.path.join(self.out, n)))
        if not binaries:
            fail("$OUT holds no fuzz target")
        want = [f"vmbytes_{t}" for t in _targets.TARGETS]
        missing = sorted(set(want) - set(binaries))
        extra = sorted(set(binaries) - set(want))
        if missing or extra:
            fail(f"$OUT: missing {missing or 'none'}, unexpected {extra or 'none'}")
        for t in _targets.TARGETS:
            f = f"vmbytes_{t}"
            if not re.fullmatch(r"[A-Za-z0-9_-]+", f):
                fail(f"{f}: OSS-Fuzz accepts only [A-Za-z0-9_-] in target names")
            for ext in (".options", ".dict"):
                if not os.path.isfile(os.path.join(self.out, f + ext)):
                    fail(f"$OUT has no {f}{ext}")
            seeds = os.path.join(ROOT, "corpus", t)
            zpath = os.path.join(self.out, f"{f}_seed_corpus.zip")
            if os.path.isdir(seeds):
                n = sum(len(files) for _, _, files in os.walk(seeds))
                try:
                    with zipfile.ZipFile(zpath) as z:
                        entries = len(z.namelist())
                except (OSError, zipfile.BadZipFile) as e:
                    fail(f"{zpath}: {e}")
                if entries != n:
                    fail(f"{f}_seed_corpus.zip has {entries} entries, corpus/{t} {n} files")
        self.binaries = want

    def check_compilers(self):
        cflags = set(self.env["CFLAGS"].split())
        cxxflags = set(self.env["CXXFLAGS"].split())
        engine = set(self.env["LIB_FUZZING_ENGINE"].split())
        compiles, links = 0, {}
        with open(self.cclog) as f:
            for line in f:
                tool, *args = line.split()
                if "-c" in args:
                    compiles += 1
                    if tool != "CC" or not cflags <= set(args):
                        fail(f"an object was compiled without $CC $CFLAGS: {line.strip()[:200]}")
                elif "-o" in args:
                    out = args[args.index("-o") + 1]
                    if os.path.dirname(out) == self.out:
                        links[os.path.basename(out)] = (tool, set(args))
        for b in self.binaries:
            tool, args = links.get(b, (None, set()))
            if tool != "CXX":
                fail(f"{b} was not linked by $CXX")
            if not cxxflags <= args or not engine <= args:
                fail(f"{b} was linked without all of $CXXFLAGS and $LIB_FUZZING_ENGINE")
        if not compiles:
            fail("no object was compiled through $CC")
        self.compiles = compiles

    def check_sanitizers(self):
        if not shutil.which("objdump"):
            fail("objdump not found (Debian package binutils)")
        call = re.compile(rb"\scallq?\s+[0-9a-f]+\s+<(__asan|__msan|__ubsan)")

        def counts(path):
            p = subprocess.run(["objdump", "-d", path], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, check=True)
            c = {"__asan": 0, "__msan": 0, "__ubsan": 0}
            for m in call.finditer(p.stdout):
                c[m.group(1).decode()] += 1
            return c

        with concurrent.futures.ThreadPoolExecutor(self.jobs) as ex:
            results = dict(zip(self.binaries,
                               ex.map(counts, [os.path.join(self.out, b) for b in self.binaries])))
        own, least = AT_LEAST.get(self.sanitizer, (None, 0))
        for b, c in results.items():
            if own and c[own] < least:
                fail(f"{b}: {c[own]} calls to {own}_*: not built with {self.sanitizer}")
            for other, most in AT_MOST_OTHER.items():
                if other != own and c[other] > most:
                    fail(f"{b}: {c[other]} calls to {other}_*: built with a second sanitizer")

    # -- the runs ----------------------------------------------------------

    def run_env(self, run):
        env = {k: v for k, v in self.env.items()
               if k in ("PATH", "HOME", "LANG", "SANITIZER", "FUZZING_ENGINE", "ARCHITECTURE")}
        env["PATH"] = f"{self.out}:{env.get('PATH', '/usr/bin:/bin')}"
        env.update(RUNNER_ENV)
        env["TMPDIR"] = os.path.join(run, "tmp")
        if self.sanitizer == "coverage":  # as base-runner's coverage script does
            env["LLVM_PROFILE_FILE"] = os.path.join(run, "tmp", "%p.profraw")
        if self.engine == "afl":
            env.update(AFL_RUN_ENV)
            for k, v in AFL_SAN_EXTRA.items():
                env[k] = f"{env[k]}:{v}"
        return env

    def options(self, fuzzer, env):
        """run_fuzzer + parse_options.py: the .options sections, and the dictionary."""
        parser = configparser.ConfigParser()
        path = os.path.join(self.out, f"{fuzzer}.options")
        if not parser.read(path):
            fail(f"{path} does not parse")
        for section, var in (("asan", "ASAN_OPTIONS"), ("msan", "MSAN_OPTIONS"),
                             ("ubsan", "UBSAN_OPTIONS")):
            if parser.has_section(section):
                env[var] += ":" + ":".join(f"{k}={v}" for k, v in parser[section].items())
        args, dictionary = [], None
        if parser.has_section("libfuzzer"):
            for k, v in parser["libfuzzer"].items():
                if k == "dict":
                    dictionary = os.path.join(self.out, v)
                else:
                    args.append(f"-{k}={v}")
        if dictionary is None and os.path.exists(os.path.join(self.out, f"{fuzzer}.dict")):
            dictionary = os.path.join(self.out, f"{fuzzer}.dict")
        if dictionary and not os.path.isfile(dictionary):
            fail(f"{fuzzer}.options names dictionary {dictionary}, which is not in $OUT")
        return args, dictionary

    def run_target(self, fuzzer):
        run = os.path.join(self.top, "run", fuzzer)
        corpus, cwd, tmp, art = (os.path.join(run, d) for d in ("corpus", "cwd", "tmp", "artifacts"))
        for d in (corpus, cwd, tmp, art):
            os.makedirs(d)
        zpath = os.path.join(self.out, f"{fuzzer}_seed_corpus.zip")
        seeds = 0
        if os.path.exists(zpath):
            with zipfile.ZipFile(zpath) as z:
                z.extractall(corpus)
                seeds = len(z.namelist())
        env = self.run_env(run)
        opts, dictionary = self.options(fuzzer, env)
        target = os.path.join(self.out, fuzzer)
        result = {"fuzzer": fuzzer, "seeds": seeds}

        # The regression pass over the seeds.
        if self.engine == "libfuzzer":
            cmd = [target, *FUZZER_ARGS, "-runs=0", *opts,
                   *([f"-dict={dictionary}"] if dictionary else []), f"-artifact_prefix={art}/", corpus]
        else:
            files = sorted(os.path.join(corpus, n) for n in os.listdir(corpus))
            cmd = [target, *files]
        coverage = self.sanitizer == "coverage"
        if coverage:
            # A coverage build is not fuzzed: it is run over the corpus (the
            # coverage job), so that run is also the one traced.
            rc, out, result["trace"] = self.traced(cmd, env, cwd, os.path.join(run, "regress"))
        else:
            rc, out = self.execute(cmd, env, cwd, os.path.join(run, "regress"))
        if rc or SANITIZER_REPORT.search(out):
            fail(f"{fuzzer} fails on its seed corpus (exit {rc}): {first_report(out)}")
        if self.engine == "libfuzzer":
            m = re.search(r"INFO: seed corpus: files: (\d+)", out)
            if seeds and (not m or int(m.group(1)) != seeds):
                fail(f"{fuzzer}: ran {m.group(1) if m else 'no'} of its {seeds} seeds")
        else:
            ran = out.count("Execution successful")
            if ran != seeds:
                fail(f"{fuzzer}: the AFL++ driver ran {ran} of its {seeds} seeds")

        if coverage:
            if not any(n.endswith(".profraw") for n in os.listdir(tmp)):
                fail(f"{fuzzer}: the coverage build wrote no profile ({tmp})")
            result["execs"] = 0
            return result

        # A short fuzzing run, as the runner starts one; then the same again
        # under strace, without LeakSanitizer (it cannot run under ptrace).
        for phase in ("fuzz", "sandbox"):
            if phase == "sandbox":
                env = dict(env, ASAN_OPTIONS=env["ASAN_OPTIONS"] + ":detect_leaks=0")
            # The sandbox run only needs to reach the fuzzing loop.
            seconds = self.seconds if phase == "fuzz" else 1
            if self.engine == "libfuzzer":
                cmd = [target, *FUZZER_ARGS, *opts, *([f"-dict={dictionary}"] if dictionary else []),
                       f"-max_total_time={seconds}", "-print_final_stats=1",
                       f"-artifact_prefix={art}/", corpus]
            else:
                with open(os.path.join(corpus, "input"), "w") as f:
                    f.write("input\n")  # run_fuzzer: AFL wants one file at least
                cmd = [os.path.join(self.out, "afl-fuzz"), *AFL_FUZZER_ARGS, "-V", str(seconds),
                       "-i", corpus, "-o", os.path.join(run, f"afl-{phase}"),
                       *(["-x", dictionary] if dictionary else []), "--", target]
            prefix = os.path.join(run, phase)
            if phase == "sandbox":
                rc, out, result["trace"] = self.traced(cmd, env, cwd, prefix)
            else:
                rc, out = self.execute(cmd, env, cwd, prefix)
            where = f"{prefix}/log"
            if self.engine == "libfuzzer":
                m = re.search(r"stat::number_of_executed_units:\s*(\d+)", out)
                crashes = os.listdir(art)
                if rc or crashes or SANITIZER_REPORT.search(out):
                    fail(f"{fuzzer} crashed while fuzzing (exit {rc}, artifacts {crashes}): "
                         f"{first_report(out)} ({where})")
                if not m or int(m.group(1)) == 0:
                    fail(f"{fuzzer}: libFuzzer ran no input ({tail(out, 1)}) ({where})")
                execs = int(m.group(1))
            else:
                stats = read_stats(os.path.join(run, f"afl-{phase}", "default", "fuzzer_stats"))
                if "All set and ready to roll" not in out or re.search(
                        r"target binary (crashed|terminated)", out):
                    fail(f"{fuzzer}: afl-fuzz did not start fuzzing (exit {rc}): {tail(out, 2)} ({where})")
                crashes = int(stats.get("saved_crashes", stats.get("unique_crashes", "0")))
                if rc or crashes:
                    fail(f"{fuzzer}: afl-fuzz exit {rc}, {crashes} crash(es) in "
                         f"{run}/afl-{phase}/default/crashes")
                execs = int(stats.get("execs_done", "0"))
                if execs == 0:
                    fail(f"{fuzzer}: afl-fuzz ran no input ({where})")
            if phase == "fuzz":
                result["execs"] = execs
        return result

    def execute(self, cmd, env, cwd, prefix, wrap=()):
        """Run cmd, output to prefix/log; returns (status, output)."""
        os.makedirs(prefix)
        limit = 600 + 20 * self.seconds
        with open(os.path.join(prefix, "log"), "wb") as f:
            try:
                p = subprocess.run([*wrap, *cmd], env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                   stdout=f, stderr=subprocess.STDOUT, timeout=limit)
            except subprocess.TimeoutExpired:
                fail(f"{os.path.basename(cmd[0])} still running after {limit} s ({prefix}/log)")
        with open(os.path.join(prefix, "log"), errors="replace") as f:
            return p.returncode, f.read()

    def traced(self, cmd, env, cwd, prefix):
        """Run cmd under strace -ff; returns (status, output, trace findings)."""
        strace = ["strace", "-ff", "-qq", "--seccomp-bpf", "-y", "-e", f"trace={STRACE_SET}",
                  "-o", os.path.join(prefix, "st")]
        rc, out = self.execute(cmd, env, cwd, prefix, wrap=strace)
        if re.search(r"^strace: .*(ptrace|seccomp)", out, re.M):
            fail(f"strace cannot trace here: {tail(out, 1)}")
        return rc, out, scan_traces(prefix, cwd)

    def baseline(self):
        """The /dev paths and writes of the engine and runtime alone: a
        do-nothing target, built with the same flags, run the same ways."""
        d = os.path.join(self.top, "noop")
        os.makedirs(os.path.join(d, "seeds"))
        src = os.path.join(d, "noop.c")
        with open(src, "wb") as f:
            f.write(NOOP_TARGET)
        obj, fuzzer = os.path.join(d, "noop.o"), "noop_target"
        exe = os.path.join(self.out, fuzzer)
        env = dict(self.env)
        subprocess.run([env["CC"], *env["CFLAGS"].split(), "-c", src, "-o", obj], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([env["CXX"], *env["CXXFLAGS"].split(), obj, *env["LIB_FUZZING_ENGINE"].split(),
                        "-o", exe], env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        for i in range(3):
            with open(os.path.join(d, "seeds", f"seed{i}"), "wb") as f:
                f.write(bytes([i]) * (i + 1))
        with zipfile.ZipFile(os.path.join(self.out, f"{fuzzer}_seed_corpus.zip"), "w") as z:
            for i in range(3):
                z.write(os.path.join(d, "seeds", f"seed{i}"), f"seed{i}")
        shutil.copy(os.path.join(ROOT, "fuzz", "dict", f"{_targets.TARGETS[0]}.dict"),
                    os.path.join(self.out, f"{fuzzer}.dict"))
        with open(os.path.join(self.out, f"{fuzzer}.options"), "w") as f:
            f.write(f"[libfuzzer]\ndict = {fuzzer}.dict\nmax_len = 4096\ntimeout = 10\n")
        try:
            r = self.run_target(fuzzer)
        finally:
            for n in os.listdir(self.out):
                if n.startswith(fuzzer):
                    os.unlink(os.path.join(self.out, n))
        return r["trace"]

    def runs(self):
        base = self.baseline()
        with concurrent.futures.ThreadPoolExecutor(self.jobs) as ex:
            futures = [ex.submit(self.run_target, b) for b in self.binaries]
        results, problems = [], []
        for f in futures:
            try:
                results.append(f.result())
            except Failure as e:
                problems.append(str(e))
        for r in results:
            dev = sorted(r["trace"]["dev"] - base["dev"])
            writes = sorted(r["trace"]["writes"] - base["writes"])
            chdirs = sorted(r["trace"]["chdir"] - base["chdir"])
            if dev:
                problems.append(f"{r['fuzzer']} uses {', '.join(dev[:4])} (the engine alone uses "
                                f"{', '.join(sorted(base['dev'])) or 'nothing'} under /dev)")
            if writes:
                problems.append(f"{r['fuzzer']} writes outside /tmp: {'; '.join(writes[:4])}")
            if chdirs:
                problems.append(f"{r['fuzzer']} changes directory: {'; '.join(chdirs[:4])}")
        if problems:
            fail("; ".join(problems))
        self.results, self.base = results, base


def read_stats(path):
    stats = {}
    try:
        with open(path) as f:
            for line in f:
                k, _, v = line.partition(":")
                stats[k.strip()] = v.strip()
    except OSError:
        pass
    return stats


def first_report(out):
    for line in out.splitlines():
        if SANITIZER_REPORT.search(line):
            return line.strip()[:300]
    return tail(out, 2)


def git_status():
    p = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=all"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return p.stdout


def check_build(name, args):
    t0 = time.time()
    top = tempfile.mkdtemp(prefix=f"vmbytes-ossfuzz-{name}-", dir="/tmp")
    b = Build(name, top, args.seconds, args.jobs)
    label = f"{name} ({b.sanitizer}, {b.engine}{', ' + b.afl_cc if b.afl_cc else ''})"
    ok = False
    try:
        b.build()
        b.runs()
        seeds = sum(r["seeds"] for r in b.results)
        execs = sum(r["execs"] for r in b.results)
        dev = ", ".join(sorted(b.base["dev"])) or "none"
        fuzzed = ("profiles written, not fuzzed (a coverage build)" if b.sanitizer == "coverage"
                  else f"{len(b.results)} x {args.seconds} s fuzzed ({execs} execs)")
        detail = (f"{len(b.binaries)} targets built by {b.script}, {seeds} seeds replayed, "
                  f"{fuzzed}, no crash; "
                  f"no /dev beyond the engine's ({dev}), no write outside /tmp")
        ok = True
    except Failure as e:
        detail = str(e)
    except (OSError, subprocess.CalledProcessError) as e:
        detail = f"{type(e).__name__}: {e}"
    finally:
        if ok and not args.keep:
            shutil.rmtree(top, ignore_errors=True)
    line = f"ossfuzz {label}: {'PASS' if ok else 'FAIL'} ({time.time() - t0:.0f} s): {detail}"
    if not ok or args.keep:
        line += f" [files in {top}]"
    print(line, flush=True)
    return ok


def positive_int(text):
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text}")
    return v


def main():
    p = argparse.ArgumentParser(prog="check.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--builds", default=",".join(DEFAULT_BUILDS),
                   help=f"comma-separated subset of {','.join(BUILDS)}")
    p.add_argument("--seconds", type=positive_int, default=2, help="fuzzing time per target")
    p.add_argument("--jobs", type=positive_int, default=os.cpu_count() or 1)
    p.add_argument("--keep", action="store_true", help="keep the build and run trees")
    args = p.parse_args()
    builds = [b for b in args.builds.split(",") if b]
    bad = [b for b in builds if b not in BUILDS]
    if bad or not builds:
        p.error(f"unknown build(s) {', '.join(bad) or '(none)'}; one of {', '.join(BUILDS)}")
    if args.seconds > 3600:
        p.error("--seconds: at most 3600")
    missing = [t for t in ("strace", "objdump", "zip", "bash", "git", CLANG, CLANGXX)
               if not shutil.which(t)]
    if missing:
        print(f"ossfuzz: FAIL: missing {', '.join(missing)} (Debian packages strace, binutils, "
              f"zip, clang-14)")
        return 1
    try:
        with open("/proc/sys/vm/mmap_rnd_bits") as f:
            bits = int(f.read())
    except (OSError, ValueError):
        bits = None
    if bits and bits > 28:
        # OSS-Fuzz's compile and run_fuzzer set 28; clang-14's sanitizer
        # runtimes can fail at start with more randomisation.
        print(f"ossfuzz note: vm.mmap_rnd_bits is {bits}, OSS-Fuzz runs with 28 "
              "(sysctl -w vm.mmap_rnd_bits=28); a sanitizer failing at start may be this")
    problems = check_files()
    print("ossfuzz files: " + (f"FAIL: {'; '.join(problems)}" if problems else
                                "PASS: projects/vmbytes, .clusterfuzzlite and cflite.yml agree"),
          flush=True)
    results = [(b, check_build(b, args)) for b in builds]
    if problems:
        results.insert(0, ("files", False))
    failed = [b for b, ok in results if not ok]
    print(f"ossfuzz: {'FAIL' if failed else 'PASS'} "
          f"({', '.join(b + ('' if ok else ' FAILED') for b, ok in results)})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

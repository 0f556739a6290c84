# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""What a command needs on this host before it runs: the Debian packages
(installed quietly, only when missing) and the CMake presets (configured
once, built, logged to build/logs). The CLI (cli.py) calls these after it
has checked the arguments, so a typo costs no install and no build."""
import os
import subprocess
import sys

from . import ROOT

LOGS = os.path.join(ROOT, "build", "logs")

CORE = ["cmake", "ninja-build", "gcc", "g++", "pkgconf", "clang-14", "clang", "libclang-rt-14-dev",
        "clang-tidy-14", "cppcheck", "valgrind", "python3", "time", "python3-scipy"]
FUZZ = ["afl++", "llvm-14"]
# The vm-memory peer (bench/peers/): Debian's cargo and vm-memory 0.10 with
# its dependencies under /usr/share/cargo/registry. The bench needs them;
# the dev preset's smoke test builds the peer once too.
PEER = ["cargo", "librust-vm-memory-dev"]
# The report (ci/report.py renders the bench markdown with python3-markdown);
# its test opens it in headless Chromium, so only `test` needs that.
REPORT = ["python3-markdown"]
TEST = REPORT + ["chromium"]
# The aarch64 preset: Debian's cross compiler and target libc, and
# qemu-user to run what it builds (ci/toolchains/aarch64-linux-gnu.cmake).
AARCH64 = ["gcc-aarch64-linux-gnu", "libc6-arm64-cross", "libc6-dev-arm64-cross", "qemu-user"]
# Benchmarks: Google Benchmark under a C shim (g++ builds it), compare.py's
# scipy, gnuplot for the plots, glibc's debug symbols to name the memcpy
# variant glibc picks, and the vm-memory peer.
BENCH = ["g++", "libbenchmark-dev", "libbenchmark-tools", "python3-scipy", "gnuplot-nox",
         "libc6-dbg"] + PEER
# strace, zip and objdump: the gate's ossfuzz stage (fuzz/oss-fuzz/check.py).
GATE = ["strace", "zip", "binutils"]


def _installed(pkg):
    p = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    return p.returncode == 0 and "install ok installed" in p.stdout


def need_packages(packages):
    """Install those of @packages that are missing, and say nothing
    otherwise. A failed apt-get is exit 1 with the tail of its log."""
    missing = [p for p in dict.fromkeys(packages) if not _installed(p)]
    if not missing:
        return
    print(f"vmbytes: installing {' '.join(missing)}", file=sys.stderr)
    sudo = [] if os.getuid() == 0 else ["sudo"]
    os.makedirs(LOGS, exist_ok=True)
    log = os.path.join(LOGS, "apt.log")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    with open(log, "w") as f:
        ok = subprocess.run(sudo + ["apt-get", "update", "-qq"], stdout=f, stderr=subprocess.STDOUT,
                            env=env).returncode == 0
        ok = ok and subprocess.run(sudo + ["apt-get", "install", "-y", "-qq",
                                           "--no-install-recommends"] + missing,
                                   stdout=f, stderr=subprocess.STDOUT, env=env).returncode == 0
    if not ok:
        print(f"vmbytes: apt-get failed; see {log}", file=sys.stderr)
        with open(log, errors="replace") as f:
            sys.stderr.writelines(f.readlines()[-20:])
        sys.exit(1)


def build_preset(preset, env=None):
    """Configure (once) and build @preset, logging to build/logs; False
    (after the errors on stderr) when it fails."""
    os.makedirs(LOGS, exist_ok=True)
    log = os.path.join(LOGS, f"build-{preset}.log")
    env = dict(os.environ, **(env or {}))
    with open(log, "w") as f:
        ok = all(subprocess.run(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT,
                                env=env).returncode == 0
                 for cmd in (["cmake", "--preset", preset], ["cmake", "--build", "--preset", preset]))
    if ok:
        return True
    print(f"vmbytes: build of preset '{preset}' failed; see {log}", file=sys.stderr)
    with open(log, errors="replace") as f:
        lines = f.readlines()
    errors = [l for l in lines if "error" in l or "Error" in l]
    sys.stderr.writelines(errors[:30] if errors else lines[-30:])
    return False


def build_or_exit(*presets, env=None):
    for p in presets:
        if not build_preset(p, env):
            sys.exit(1)

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""A stand-in for a fuzz build, used only by fuzz/chaos.py.

Linked into a sandbox as build/fuzz-asan/fuzz/fuzz_<target> and
fuzz_<target>_replay, it passes everything through to the real binaries in
$VMB_CHAOS_REAL (so fuzzing and merging are libFuzzer's own), except for two
planted inputs that the real targets never see:

  VMBCHAOS-crash...  a crash: the fuzzer emits it as an artifact when a
                     fuzzing run starts, replay reports a SPEC rule
                     violation for it, and -minimize_crash takes about two
                     seconds on it, writing its output in two halves (so a
                     kill can land in the middle, as with libFuzzer's own)
  VMBCHAOS-flaky...  a crash that the fuzzer reports but replay never
                     reproduces

$VMB_CHAOS_MODE=dead makes the fuzzer exit at start having done nothing, as
an engine that cannot run does. Nothing here is linked into the library.
"""
import hashlib
import os
import sys
import time

CRASH = b"VMBCHAOS-crash: a planted input that the chaos test's replay reports as a crash\n"
FLAKY = b"VMBCHAOS-flaky: a planted input that the fuzzer reports and replay never reproduces\n"


def atomic_write(path, data):
    tmp = os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def option(args, name):
    for a in args:
        if a.startswith(f"-{name}="):
            return a.split("=", 1)[1]
    return None


def planted(path):
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError:
        return None
    return head if head.startswith(b"VMBCHAOS-") else None


def replay(real, args):
    files = [a for a in args if not a.startswith("-")]
    head = planted(files[0]) if files else None
    if head is None:
        os.execv(real, [real] + args)
    if "-decode" in args:
        print(f"# a planted chaos input ({head.decode().strip()})")
        return 0
    if head.startswith(b"VMBCHAOS-crash"):
        print("SPEC rule R0 violated: the chaos test's planted crash\nop: chaos", file=sys.stderr)
        return 1
    return 0  # the flaky one: never reproduces


def fuzzer(real, args):
    if os.environ.get("VMB_CHAOS_MODE") == "dead":
        print("chaos engine: cannot start (VMB_CHAOS_MODE=dead)", file=sys.stderr)
        return 1
    if "-minimize_crash=1" in args:
        files = [a for a in args if not a.startswith("-")]
        out = option(args, "exact_artifact_path")
        if files and out and planted(files[0]):
            with open(files[0], "rb") as f:
                data = f.read()
            with open(out, "wb") as f:  # as libFuzzer does: no temp, no fsync
                f.write(data[:len(data) // 2])
                f.flush()
                time.sleep(1.0)  # the minimization's work, during which a kill can land
                f.write(data[len(data) // 2:])
            time.sleep(1.0)
            return 0
    elif "-merge=1" not in args:
        prefix = option(args, "artifact_prefix")
        if prefix:
            for data in (CRASH, FLAKY):
                path = f"{prefix}crash-{hashlib.sha1(data).hexdigest()}"
                if not os.path.exists(path):
                    atomic_write(path, data)
    os.execv(real, [real] + args)
    return 1


def main():
    name = os.path.basename(sys.argv[0])
    real = os.path.join(os.environ["VMB_CHAOS_REAL"], name)
    if name.endswith("_replay"):
        return replay(real, sys.argv[1:])
    return fuzzer(real, sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())

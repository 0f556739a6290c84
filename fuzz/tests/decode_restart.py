#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The args target decodes every input in one child process, kept from
input to input; an input that kills it must still decode up to its failing
call, and the inputs after it must decode as if nothing had happened (a new
child). Checked with a build whose calls starting with --prefix abort:
each input decodes as the plain build decodes it, cut after its first call
with the prefix and followed by the failure line; the others, byte for byte.

usage: decode_restart.py --plain EXE --planted EXE --prefix TEXT --corpus DIR
"""
import argparse
import subprocess
import sys

FAIL = "# the input fails at the call above (signal 6): run it for the report"


def decode(exe, corpus):
    """{input path: its decoded lines} from `EXE -decode CORPUS`."""
    out = subprocess.run([exe, "-decode", corpus], capture_output=True, text=True,
                         errors="replace", timeout=240)
    if out.returncode != 0:
        sys.exit(f"decode_restart: {exe} -decode exited {out.returncode}: {out.stderr[-500:]}")
    per, order, cur = {}, [], None
    for line in out.stdout.splitlines():
        if line.startswith("# ") and line.endswith(" bytes)") and "(" in line:
            cur = line[2:line.rindex(" (")]
            order.append(cur)
            per[cur] = []
        elif cur is None:
            sys.exit(f"decode_restart: {exe}: output before the first input: {line!r}")
        else:
            per[cur].append(line)
    return per, order


def main():
    p = argparse.ArgumentParser()
    for a in ("--plain", "--planted", "--prefix", "--corpus"):
        p.add_argument(a, required=True)
    a = p.parse_args()
    plain, order = decode(a.plain, a.corpus)
    planted, order2 = decode(a.planted, a.corpus)
    if order != order2:
        sys.exit(f"decode_restart: the builds decoded different inputs ({len(order)} vs {len(order2)})")
    bad, failed, after_failure, prev_failed = [], 0, 0, False
    for path in order:
        lines = plain[path]
        hit = next((i for i, l in enumerate(lines) if l.startswith(a.prefix)), None)
        want = lines if hit is None else lines[:hit + 1] + [FAIL]
        if planted[path] != want:
            bad.append(path)
        if hit is None and prev_failed:
            after_failure += 1
        prev_failed = hit is not None
        failed += hit is not None
    print(f"decode_restart: {len(order)} inputs, {failed} killed their child, "
          f"{after_failure} decoded right after one, {len(bad)} differ")
    for path in bad[:5]:
        print(f"  differs: {path}")
    if not failed or not after_failure:
        sys.exit("decode_restart: the corpus has no input that fails and then one that does not; "
                 "nothing was tested")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The replay tool's resource limits and its refusal of control characters.

usage: replay_limits.py [--no-rss] REPLAY [CASE...]

Each case writes a script to a temporary directory, runs REPLAY on it
under /usr/bin/time and takes the run's peak RSS from it (the kernel's
ru_maxrss). Scripts past a limit must be usage errors: exit 2, nothing on
stdout, the file and the offending line named on stderr. Every run, past a
limit or at it, must stay under 256 MiB of peak RSS (VMBO_MAX_* in
core/tools/opscript.h). --no-rss leaves the RSS out (for ASan, MSan and
TSan builds, whose shadow memory and quarantine are not the tool's).
Exits 1 naming each failed check.
"""
import os
import subprocess
import sys
import tempfile

MIB = 1 << 20
RSS_LIMIT = 256 * MIB
# Keep in step with core/tools/opscript.h.
MAX_MAPPED = 128 * MIB
MAX_REGIONS = 4096
MAX_BITMAP = 2 * MIB
MAX_OPS = 65536
MAX_COUNT = 16 * MIB
MAX_LINE = 2 * MAX_COUNT + 4096

failures = []
measure_rss = True


def run(replay, path):
    """(exit status, stdout bytes, stderr text, peak RSS in bytes) of one replay.

    The RSS comes from GNU time (%M: the kernel's ru_maxrss of its child).
    Not from this process's own wait4: a child spawned from Python starts
    with Python's high-water mark (vfork and fork both carry it over to
    exec), while time's child starts from time's own few pages.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as rss:
        rc = subprocess.call(["/usr/bin/time", "-q", "-f", "%M", "-o", rss.name, replay, path],
                             stdout=out, stderr=err)
        out.seek(0)
        err.seek(0)
        kib = rss.read().split()
        return rc, out.read(), err.read().decode(errors="replace"), int(kib[-1]) * 1024 if kib else 1 << 62


def check(name, cond, what):
    if not cond:
        failures.append(f"{name}: {what}")
    return cond


def expect_usage(replay, name, path, line, words):
    rc, out, err, rss = run(replay, path)
    print(f"{name}: exit {rc}, peak RSS {rss / MIB:.1f} MiB, stderr: {err.strip()[:160]}")
    check(name, rc == 2, f"exit {rc}, want 2 (usage error)")
    check(name, out == b"", f"{len(out)} bytes on stdout, want none")
    where = f"{path}:{line}:"
    check(name, where in err, f"stderr does not name {where} {err!r}")
    # The words must be in the message, not in the file's name.
    msg = err.split(where, 1)[1] if where in err else ""
    for w in words:
        check(name, w in msg, f"message lacks '{w}': {err!r}")
    check(name, not measure_rss or rss < RSS_LIMIT,
          f"peak RSS {rss / MIB:.1f} MiB, limit {RSS_LIMIT / MIB:.0f} MiB")


def expect_ok(replay, name, path, nlines, first=None):
    rc, out, err, rss = run(replay, path)
    lines = out.split(b"\n")[:-1]
    print(f"{name}: exit {rc}, {len(lines)} result lines, peak RSS {rss / MIB:.1f} MiB")
    check(name, rc == 0, f"exit {rc}, want 0; stderr: {err.strip()[:300]}")
    check(name, len(lines) == nlines, f"{len(lines)} result lines, want {nlines}")
    if first is not None and lines:
        check(name, lines[0] == first, f"first line {lines[0][:80]!r}, want {first!r}")
    check(name, all(l.startswith(b"ok") for l in lines), "a result line is not 'ok ...'")
    check(name, not measure_rss or rss < RSS_LIMIT,
          f"peak RSS {rss / MIB:.1f} MiB, limit {RSS_LIMIT / MIB:.0f} MiB")


def write(d, name, data):
    path = os.path.join(d, name + ".ops")
    with open(path, "wb") as f:
        f.write(data)
    return path


# The cases. Each takes (replay, tmpdir).

def case_regions_bitmap_dirty(replay, d):
    """The issue's 251-byte script: 8 regions of 256 MiB, bitmap 1, dirty
    (820 MB of RSS before the limits); the first region is already past the
    total, so line 2 is named."""
    lines = ["bitmap 1"] + [f"region {i * 0x10000000:#x} 0x10000000" for i in range(8)] + ["dirty"]
    expect_usage(replay, "regions_bitmap_dirty", write(d, "big", ("\n".join(lines) + "\n").encode()),
                 2, ["limit"])


def case_many_dirty(replay, d):
    """10M dirty lines (3.2 GB before): the op past MAX_OPS is named."""
    path = os.path.join(d, "dirty.ops")
    with open(path, "wb") as f:
        f.write(b"slice 0x1000\nbitmap 0x1000\n")
        f.write(b"dirty\n" * 10_000_000)
    expect_usage(replay, "many_dirty", path, 2 + MAX_OPS + 1, ["operations", "limit"])


def case_mapped(replay, d):
    """Containers add up: 128 MiB, then one more page, is past the total."""
    s = f"region 0 {MAX_MAPPED:#x}\nregion {MAX_MAPPED:#x} 0x1000\nread 0 1\n"
    expect_usage(replay, "mapped", write(d, "sum", s.encode()), 2, ["mapped", "limit"])
    s = f"slice {MAX_MAPPED + 1:#x}\n"
    expect_usage(replay, "container", write(d, "container", s.encode()), 1, ["limit"])


def case_regions(replay, d):
    """More than MAX_REGIONS regions: the first one too many is named."""
    s = "".join(f"region {i * 0x1000:#x} 0x1000\n" for i in range(MAX_REGIONS + 1)) + "read 0 1\n"
    expect_usage(replay, "regions", write(d, "regions", s.encode()), MAX_REGIONS + 1,
                 ["regions", "limit"])


def case_bitmap(replay, d):
    """bitmap 1 on a 64 MiB slice wants 8 MiB of bitmap; the later line is named."""
    s = f"slice {64 * MIB:#x}\nbitmap 1\ndirty\n"
    expect_usage(replay, "bitmap", write(d, "bitmap", s.encode()), 2, ["bitmap", "limit"])


def case_data(replay, d):
    """HEX operands add up: two 16 MiB writes are past MAX_DATA (16 MiB)."""
    hexs = b"ab" * MAX_COUNT
    s = b"slice 0x2000000\nwrite 0 " + hexs + b"\nwrite 0x1000000 " + hexs + b"\n"
    expect_usage(replay, "data", write(d, "data", s), 3, ["limit"])


def case_long_line(replay, d):
    """A line longer than MAX_LINE is named without being read whole."""
    s = b"slice 0x10\n# " + b"x" * (MAX_LINE + MIB) + b"\nread 0 1\n"
    expect_usage(replay, "long_line", write(d, "long", s), 2, ["long", "limit"])


def case_at_limits(replay, d):
    """A script at every limit at once runs, under 256 MiB: 128 MiB of
    regions with every page touched, the largest bitmap, a 16 MiB write
    and a 16 MiB read, the op limit, and the dirty bitmaps printed."""
    region = MAX_MAPPED // 2
    page = 0x1000
    ops = [f"write 0 {'5a' * MAX_COUNT}", f"read 0 {MAX_COUNT}", "dirty"]
    ops += [f"write_obj u8 {i * page % MAX_MAPPED:#x} 1" for i in range(MAX_OPS - len(ops) - 1)]
    ops.append("dirty")
    # The bitmap: 2 MiB of bits over 128 MiB is a page of 8 bytes.
    bpage = MAX_MAPPED // (MAX_BITMAP * 8)
    s = f"region 0 {region:#x}\nregion {region:#x} {region:#x} memfd\nbitmap {bpage}\n" + "\n".join(ops) + "\n"
    expect_ok(replay, "at_limits", write(d, "at_limits", s.encode()), len(ops), first=b"ok 16777216")


def case_control_characters(replay, d):
    """A NUL (or any control character but tab and CR) is a usage error
    naming its line; before, 'write_obj u8 0 30\\0' + '0' ran as 30."""
    for name, ch in (("nul", b"\0"), ("soh", b"\x01"), ("esc", b"\x1b"), ("del", b"\x7f"),
                     ("ff", b"\x0c"), ("vt", b"\x0b")):
        s = b"slice 16\nwrite_obj u8 0 30" + ch + b"0\nread_obj u8 0\n"
        expect_usage(replay, f"control_{name}", write(d, "ctl_" + name, s), 2, ["control character"])
    s = b"slice 16\n# a comment with a NUL \0 is refused too\nread_obj u8 0\n"
    expect_usage(replay, "control_in_comment", write(d, "ctl_comment", s), 2, ["control character"])
    # Tab separates words and CR ends a CRLF line: both still run.
    s = b"slice 16\r\nwrite_obj\tu8 0\t30\r\nread_obj u8 0\r\n"
    expect_ok(replay, "tab_and_crlf", write(d, "crlf", s), 2)


CASES = {n[5:]: f for n, f in sorted(globals().items()) if n.startswith("case_")}


def main():
    global measure_rss
    args = sys.argv[1:]
    if args and args[0] == "--no-rss":
        measure_rss = False
        args = args[1:]
    if not args or args[0].startswith("-"):
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    replay, names = args[0], args[1:] or list(CASES)
    for n in names:
        if n not in CASES:
            print(f"unknown case '{n}' (one of: {' '.join(CASES)})", file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory() as d:
        for n in names:
            CASES[n](replay, d)
    for f in failures:
        print("FAIL", f)
    print(f"{len(names)} cases, {len(failures)} failed checks")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""./vmbytes bench and ./vmbytes tune: run vmbytes-bench, keep its Google
Benchmark JSON with a context of everything the numbers depend on, and
turn it into a markdown report with gnuplot plots, or into a tuning of the
copy dispatcher. Standard library only.

  run.py bench [FILTER] [--quick] [--repetitions N] [--min-time S]
  run.py tune [--repetitions N] [--min-time S] [--margin PCT]
"""
import argparse
import datetime
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bench", "bench", "vmbytes-bench")
REPORTS = os.path.join(ROOT, "reports", "bench")
TUNING = os.path.join(REPORTS, "tuning.conf")
sys.path.insert(0, os.path.join(ROOT, "tools"))
from vmbytes import cliargs, lists  # noqa: E402  (one argument checker, the one strategy list)
import report_peers  # noqa: E402  (the Peers section, first in the report)
from verdict import bar_verdict, word  # noqa: E402
from vmbytes import benchjson, files  # noqa: E402  (the JSON reader; the atomic write)
sys.path.insert(0, os.path.join(ROOT, "bench", "peers"))
import vmmemory  # noqa: E402  (the vm-memory peer: its build, rounds and report section)
report_peers.HOOKS.append(lambda res, ctx: (vmmemory.section(ctx), vmmemory.checks(ctx)))

# Defaults: --quick must stay within a few minutes on two cores; the full
# grid takes what it takes (see README).
DEFAULTS = {
    "quick": {"repetitions": 5, "min_time": 0.04},
    "full": {"repetitions": 3, "min_time": 0.05},
    "tune": {"repetitions": 7, "min_time": 0.04},
}
PROGRESS_EVERY = 5.0
SIZE_MAX = (1 << 64) - 1  # seconds between progress lines

STRATEGY_ORDER = lists.STRATEGY_ORDER  # core/src/copy/strategies.txt


UsageError = cliargs.UsageError


def die_usage(cmd, msg):
    cliargs.die(f"vmbytes {cmd}", msg)


class Parser(cliargs.Parser):
    def error(self, message):
        raise UsageError(message)


positive_int = cliargs.integer(1, 1000)
seconds = cliargs.seconds(0, 60, lo_open=True)
percent = cliargs.real(0, 100, hi_open=True, unit=" percent")


def parse_args(argv):
    if not argv:
        raise UsageError("missing command (bench or tune)")
    cmd, rest = argv[0], argv[1:]
    if cmd == "render":
        # Not a ./vmbytes command: rebuild the report of an earlier run.
        if len(rest) != 1 or not os.path.exists(rest[0]):
            raise UsageError("render takes one existing JSON file")
        args = argparse.Namespace(cmd="render", json=rest[0])
        return args
    if cmd == "bench":
        p = Parser(prog="vmbytes bench", add_help=False)
        p.add_argument("filter", nargs="?", default=None)
        p.add_argument("--quick", action="store_true")
        p.add_argument("--repetitions", type=positive_int)
        p.add_argument("--min-time", type=seconds)
    elif cmd == "tune":
        p = Parser(prog="vmbytes tune", add_help=False)
        p.add_argument("--repetitions", type=positive_int)
        p.add_argument("--min-time", type=seconds)
        p.add_argument("--margin", type=percent, default=1.0)
    else:
        raise UsageError(f"unknown command '{cmd}'")
    args = p.parse_args(rest)
    args.cmd = cmd
    if cmd == "bench" and args.filter is not None:
        if args.filter == "":
            raise UsageError("empty FILTER (leave it out to run every benchmark)")
        if args.filter.startswith("-"):
            raise UsageError(f"unknown option '{args.filter}'")
        try:
            re.compile(args.filter)
        except re.error as e:
            raise UsageError(f"FILTER '{args.filter}' is not a regular expression: {e}")
    mode = "tune" if cmd == "tune" else ("quick" if args.quick else "full")
    if args.repetitions is None:
        args.repetitions = DEFAULTS[mode]["repetitions"]
    if args.min_time is None:
        args.min_time = DEFAULTS[mode]["min_time"]
    args.mode = mode
    return args


# ---------------------------------------------------------------------------
# Running the benchmark binary
# ---------------------------------------------------------------------------

def bench_env(use_tuning):
    env = dict(os.environ)
    env.pop("VMB_COPY_STRATEGY", None)
    env.pop("VMB_COPY_TUNING", None)
    if use_tuning and os.path.exists(TUNING):
        env["VMB_COPY_TUNING"] = TUNING
    return env


def mode_flags(mode):
    return {"quick": ["--vmb-quick"], "tune": ["--vmb-tune"], "full": []}[mode]


def list_benchmarks(mode, flt, env):
    cmd = [BIN] + mode_flags(mode) + ["--benchmark_list_tests=true"]
    if flt:
        cmd.append(f"--benchmark_filter={flt}")
    out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         text=True)
    return [line.strip() for line in out.stdout.splitlines() if line.strip()]


def fmt_duration(s):
    s = int(round(s))
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


def run_benchmarks(label, mode, flt, reps, min_time, env, json_out, log_out):
    """Run the binary with console output to @log_out, printing a progress
    line every few seconds. Returns the wall time in seconds."""
    names = list_benchmarks(mode, flt, env)
    if not names:
        return None
    total = len(names) * reps
    cmd = [BIN] + mode_flags(mode) + [
        f"--benchmark_repetitions={reps}",
        f"--benchmark_min_time={min_time}",
        "--benchmark_enable_random_interleaving=true",
        f"--benchmark_out={json_out}",
        "--benchmark_out_format=json",
    ]
    if flt:
        cmd.append(f"--benchmark_filter={flt}")
    # Line-buffer the console so the log grows as results come (Google
    # Benchmark writes through C stdio, which stdbuf can set).
    if shutil.which("stdbuf"):
        cmd = ["stdbuf", "-oL"] + cmd
    print(f"vmbytes {label}: {len(names)} benchmarks x {reps} repetitions, "
          f"min time {min_time} s each, interleaved; console log: {os.path.relpath(log_out, ROOT)}",
          flush=True)
    # Progress: the shim writes a line per finished run of a body to a pipe
    # (name, iterations, seconds). A run that lasted min_time is a
    # repetition; shorter ones are Google Benchmark settling the iteration
    # count. Its console output cannot serve: with interleaving it prints a
    # benchmark only once all its repetitions ran.
    rfd, wfd = os.pipe()
    env = dict(env, VMB_BENCH_PROGRESS_FD=str(wfd))
    state = {"done": 0, "last": ""}
    lock = threading.Lock()

    def read_progress():
        with os.fdopen(rfd) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3:
                    continue
                with lock:
                    state["last"] = parts[0]
                    if float(parts[2]) >= min_time:
                        state["done"] = min(total, state["done"] + 1)

    start = time.monotonic()
    errors = []
    with open(log_out, "w") as log:
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, bufsize=1, pass_fds=(wfd,))
        os.close(wfd)
        reader = threading.Thread(target=read_progress, daemon=True)
        reader.start()
        stop = threading.Event()

        def report():
            while not stop.wait(PROGRESS_EVERY):
                with lock:
                    done, last = state["done"], state["last"]
                el = time.monotonic() - start
                eta = f"~{fmt_duration(el / done * (total - done))} left" if done else "starting"
                print(f"  [{done}/{total}] {100.0 * done / total:5.1f}%  "
                      f"{fmt_duration(el)} elapsed, {eta}  {last}", flush=True)

        ticker = threading.Thread(target=report, daemon=True)
        ticker.start()
        for line in p.stdout:
            log.write(line)
            if "ERROR OCCURRED" in line:
                errors.append(line.rstrip())
                print(f"  {line.rstrip()}", flush=True)
        rc = p.wait()
        stop.set()
        reader.join(timeout=5)
    done = total
    elapsed = time.monotonic() - start
    print(f"  [{done}/{total}] done in {fmt_duration(elapsed)}", flush=True)
    if rc != 0:
        print(f"vmbytes {label}: vmbytes-bench exited with {rc}; see {log_out}", file=sys.stderr)
        return -1
    return elapsed


# ---------------------------------------------------------------------------
# Context: what the numbers depend on
# ---------------------------------------------------------------------------

def cpu_info():
    model, flags = "unknown", []
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                k = k.strip()
                if k == "model name" and model == "unknown":
                    model = v.strip()
                elif k == "flags" and not flags:
                    flags = v.split()
    except OSError:
        pass
    return model, flags


def glibc_tunables():
    """glibc's own copy thresholds, as its dynamic loader reports them."""
    out = {}
    for ld in ("/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-x86-64.so.2"):
        if not os.path.exists(ld):
            continue
        try:
            text = subprocess.run([ld, "--list-tunables"], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            break
        for line in text.splitlines():
            m = re.match(r"glibc\.cpu\.(x86_\w+):\s*(0x[0-9a-f]+|\d+)", line)
            if m and ("movsb" in m.group(1) or "non_temporal" in m.group(1)):
                out[m.group(1)] = int(m.group(2), 0)
        break
    return out


def memcpy_variant(obj, offset):
    """Name the function at @offset of @obj from its debug symbols
    (libc6-dbg). 'unknown' when that cannot be done exactly."""
    if not obj or not offset or obj == "unknown":
        return "unknown (the address of memcpy could not be found)"
    try:
        notes = subprocess.run(["readelf", "-n", obj], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, timeout=10).stdout
        bid = re.search(r"Build ID:\s*([0-9a-f]+)", notes).group(1)
    except (OSError, subprocess.SubprocessError, AttributeError):
        return "unknown (no build id)"
    dbg = f"/usr/lib/debug/.build-id/{bid[:2]}/{bid[2:]}.debug"
    if not os.path.exists(dbg):
        return "unknown (install libc6-dbg to name it)"
    try:
        syms = subprocess.run(["nm", dbg], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown (nm failed)"
    want = int(offset, 16)
    names = sorted({ln.split()[2] for ln in syms.splitlines()
                    if len(ln.split()) == 3 and ln.split()[1] in "tTiW"
                    and int(ln.split()[0], 16) == want})
    return ", ".join(names) if names else "unknown (no symbol at that address)"


def build_context(gb_ctx, args, env, started, elapsed):
    model, flags = cpu_info()
    interesting = [f for f in flags if f in (
        "erms", "fsrm", "avx", "avx2", "avx512f", "avx512bw", "avx512vl", "avx512vbmi2",
        "sse4_2", "ssse3", "movdir64b", "movdiri", "hypervisor")]
    tuning_file = env.get("VMB_COPY_TUNING")
    ctx = {
        "started_utc": started,
        "duration_s": round(elapsed, 1),
        "command": "./vmbytes " + args.cmd + (" --quick" if getattr(args, "quick", False) else "")
                   + (f" {args.filter}" if getattr(args, "filter", None) else ""),
        "mode": args.mode,
        "filter": getattr(args, "filter", None),
        "repetitions": args.repetitions,
        "min_time_s": args.min_time,
        "interleaved": True,
        "cpu_model": model,
        "cpu_count": os.cpu_count(),
        "cpu_flags_relevant": interesting,
        "cpu_flags": flags,
        "compiler": gb_ctx.get("vmb_compiler", "unknown"),
        "compiler_flags": gb_ctx.get("vmb_cflags", "unknown"),
        "glibc_version": os.confstr("CS_GNU_LIBC_VERSION") if hasattr(os, "confstr") else "unknown",
        "glibc_memcpy": memcpy_variant(gb_ctx.get("vmb_memcpy_object"),
                                       gb_ctx.get("vmb_memcpy_offset")),
        "glibc_tunables": glibc_tunables(),
        "copy_tuning_file": tuning_file,
        "copy_tuning_file_text": open(tuning_file).read() if tuning_file else None,
        "copy_tuning_status": gb_ctx.get("vmb_tuning_file_status"),
        "copy_thresholds_in_force": {
            "block": gb_ctx.get("vmb_tuning_block"),
            "movsb_min": gb_ctx.get("vmb_tuning_movsb_min"),
            "movsb_max": gb_ctx.get("vmb_tuning_movsb_max"),
            "nt_min": gb_ctx.get("vmb_tuning_nt_min"),
        },
        "strategies_available": (gb_ctx.get("vmb_strategies") or "").split(","),
        "google_benchmark_build": gb_ctx.get("library_build_type"),
    }
    return ctx


# ---------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------

def collect(gb):
    """name -> {'gbps': median GB/s or None, 'ns': median ns per iteration,
    'spread': (max-min)/median of ns, 'n': repetitions}. Medians of the
    repetitions, which ran interleaved with every other benchmark."""
    runs = {}
    errors = {}
    for r in benchjson.iterations(gb):
        if r.error:
            errors[r.base] = r.error
            continue
        b = r.raw
        runs.setdefault(r.base, []).append((r.ns, b.get("bytes_per_second"),
                                            b.get("items_per_second"), b.get("time_ratio"),
                                            b.get("a_ns"), b.get("b_ns")))
    res = {}
    for name, rs in runs.items():
        ns = [r[0] for r in rs]
        med = statistics.median(ns)
        bps = [r[1] for r in rs if r[1] is not None]
        res[name] = {
            "ns": med,
            "gbps": statistics.median(bps) / 1e9 if bps else None,
            "spread": (max(ns) - min(ns)) / med if med > 0 else 0.0,
            "n": len(rs),
        }
        # Paired measurements: the median of the per-repetition ratios.
        ratios = [r[3] for r in rs if r[3] is not None]
        if ratios:
            res[name]["ratio"] = statistics.median(ratios)
            res[name]["ratios"] = ratios
            res[name]["ratio_spread"] = (max(ratios) - min(ratios)) / statistics.median(ratios)
            res[name]["a_ns"] = statistics.median(r[4] for r in rs if r[4] is not None)
            res[name]["b_ns"] = statistics.median(r[5] for r in rs if r[5] is not None)
    return res, errors


def fmt_size(n):
    for unit, div in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= div:
            v = n / div
            if abs(v - round(v)) < 1e-9:
                return f"{int(round(v))} {unit}"
            if abs(2 * v - round(2 * v)) < 1e-9:
                return f"{v:.1f} {unit}"
            return f"{n} B"
    return f"{n} B"


def fmt_num(v, digits=3):
    if v is None:
        return "-"
    if v == 0:
        return "0"
    mag = math.floor(math.log10(abs(v)))
    dec = max(0, digits - 1 - mag)
    return f"{v:.{dec}f}"


COPY_RE = re.compile(r"^copy/(\w+)/(hot|cold)/(\d)t/src(\d+)/dst(\d+)/(\d+)$")


def copy_results(res):
    """(cache, threads, so, do) -> size -> strategy -> result."""
    out = {}
    for name, r in res.items():
        m = COPY_RE.match(name)
        if not m:
            continue
        s, cache, t, so, do, size = m.groups()
        out.setdefault((cache, int(t), int(so), int(do)), {}).setdefault(int(size), {})[s] = r
    return out


def ordered(strats):
    return sorted(strats, key=lambda s: STRATEGY_ORDER.index(s) if s in STRATEGY_ORDER else 99)


# ---------------------------------------------------------------------------
# The numbers
# ---------------------------------------------------------------------------

def default_speedups(res):
    """size -> rival -> (default throughput / rival throughput, how, the
    per-repetition speedups or None). From the paired measurements (pair/copy/default/<rival>/<size>) where
    they ran, else from the medians of the separate grid benchmarks."""
    out = {}
    for name, r in res.items():
        m = re.match(r"^pair/copy/default/(\w+)/(\d+)$", name)
        # Between 4 and 16 MiB two sides do not fit the LLC together while
        # one does (see copy.c): a pair there is not a hot measurement.
        if m and r.get("ratio") and not (4 << 20 < int(m.group(2)) < 16 << 20):
            out.setdefault(int(m.group(2)), {})[m.group(1)] = (
                1.0 / r["ratio"], "paired", [1.0 / x for x in r.get("ratios", []) if x])
    grid = copy_results(res).get(("hot", 1, 0, 0), {})
    for size, row in grid.items():
        if "default" not in row or not row["default"]["gbps"]:
            continue
        for s, r in row.items():
            if s in ("default", "bytes", "words") or not r["gbps"]:
                continue
            out.setdefault(size, {}).setdefault(
                s, (row["default"]["gbps"] / r["gbps"], "separate", None))
    return out


def checks(res):
    """Every target that the benchmarks present can decide. Each item:
    (title, passed or None, detail lines). Ratios come from the paired
    measurements (pairs.c) when they ran: two pieces of work alternating
    every ~20 us in one loop, the way this machine's drift cancels."""
    out = []
    sp = default_speedups(res)
    if sp:
        worst, fails, ties = None, [], []
        for size in sorted(sp):
            best_s = min(sp[size], key=lambda s: sp[size][s][0])
            ratio, how, reps = sp[size][best_s]
            if worst is None or ratio < worst[0]:
                worst = (ratio, size, best_s, how)
            failed, note = bar_verdict(ratio, reps, 0.95)
            if ratio < 0.95:
                (fails if failed else ties).append(
                    f"{fmt_size(size)}: {ratio:.3f} of {best_s} ({how}{note})")
        out.append(("default >= 0.95x the best strategy at every size (hot, aligned, 1 thread)",
                    not fails,
                    [f"worst: {worst[0]:.3f} at {fmt_size(worst[1])} against {worst[2]} ({worst[3]})"]
                    + ([f"below 0.95: {'; '.join(fails)}"] if fails else [])
                    + ([f"not significantly below 0.95: {'; '.join(ties)}"] if ties else [])))
        worst, fails, ties = None, [], []
        for size in sorted(sp):
            if size < 16 or "libc_dispatched" not in sp[size]:
                continue
            ratio, how, reps = sp[size]["libc_dispatched"]
            if worst is None or ratio < worst[0]:
                worst = (ratio, size, how)
            failed, note = bar_verdict(ratio, reps, 1.0)
            if ratio < 1.0:
                (fails if failed else ties).append(f"{fmt_size(size)}: {ratio:.3f} ({how}{note})")
        if worst:
            out.append(("self-gate: default >= 1.0x libc_dispatched from 16 B up (hot, aligned)",
                        not fails, [f"worst: {worst[0]:.3f} at {fmt_size(worst[1])} ({worst[2]})"]
                        + ([f"below 1.0: {'; '.join(fails)}"] if fails else [])
                        + ([f"not significantly below 1.0: {'; '.join(ties)}"] if ties else [])))
        big = [(size, sp[size]["libc_dispatched"]) for size in sorted(sp)
               if size >= 32 << 20 and "libc_dispatched" in sp[size]]
        if big:
            out.append(("self-gate: default >= 1.15x libc_dispatched at 32 MiB and above",
                        all(r[0] >= 1.15 for _, r in big),
                        [", ".join(f"{fmt_size(s)}: {r[0]:.3f} ({r[1]})" for s, r in big)]))
    lines, ok = [], True
    for op in ("write_slice", "read_slice"):
        p = res.get(f"pair/container/slice/{op}/vmb_copy/4096")
        if p and p.get("ratio"):
            ok = ok and p["ratio"] <= 1.05
            lines.append(f"{op}: {p['a_ns']:.1f} ns vs vmb_copy {p['b_ns']:.1f} ns, "
                         f"{p['ratio']:.3f}x (paired)")
            continue
        r, bare = res.get(f"container/slice/{op}/4096"), res.get("container/slice/vmb_copy/4096")
        if r and bare:
            ok = ok and r["ns"] / bare["ns"] <= 1.05
            lines.append(f"{op}: {r['ns']:.1f} ns vs vmb_copy {bare['ns']:.1f} ns, "
                         f"{r['ns'] / bare['ns']:.3f}x (separate)")
    if lines:
        out.append(("write_slice/read_slice of 4 KiB within 1.05x of a bare vmb_copy", ok, lines))
    p = res.get("pair/container/find_region/1024/16")
    f16, f1024 = res.get("container/find_region/16"), res.get("container/find_region/1024")
    if p and p.get("ratio"):
        out.append(("find_region over 1024 regions at most 2x its time over 16", p["ratio"] <= 2.0,
                    [f"{p['a_ns']:.1f} ns vs {p['b_ns']:.1f} ns, {p['ratio']:.2f}x (paired)"]))
    elif f16 and f1024:
        ratio = f1024["ns"] / f16["ns"]
        out.append(("find_region over 1024 regions at most 2x its time over 16", ratio <= 2.0,
                    [f"{f1024['ns']:.1f} ns vs {f16['ns']:.1f} ns, {ratio:.2f}x (separate)"]))
    return out


# ---------------------------------------------------------------------------
# Plots (gnuplot, png terminal)
# ---------------------------------------------------------------------------

def gnuplot(script, workdir):
    workdir = os.path.abspath(workdir)
    path = os.path.join(workdir, "plot.gp")
    with open(path, "w") as f:
        f.write(script)
    r = subprocess.run(["gnuplot", path], cwd=workdir, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        print(f"vmbytes bench: gnuplot failed: {r.stderr.strip()[:500]}", file=sys.stderr)
        return False
    return True


PNG = "set terminal png size 1100,700 font ',10' noenhanced\n"


def plot_throughput(series, title, png, workdir, xlabel="copy size"):
    """@series: label -> [(size, GB/s)]. Log-log, one line per label."""
    files = []
    for i, (label, pts) in enumerate(series.items()):
        if not pts:
            continue
        fn = f"s{i}.dat"
        with open(os.path.join(workdir, fn), "w") as f:
            for x, y in sorted(pts):
                if y:
                    f.write(f"{x} {y}\n")
        files.append((fn, label))
    if not files:
        return False
    # The default path stands out: thick and black.
    plots = ", ".join(f"'{fn}' using 1:2 with linespoints "
                      + ("lw 3 lc rgb 'black' " if label == "default" else "")
                      + f"title '{label}'" for fn, label in files)
    return gnuplot(PNG + f"""set output '{png}'
set title '{title}'
set logscale xy 2
set format x '%.0b%B'
set xlabel '{xlabel} (bytes)'
set ylabel 'GB/s'
set grid
set key outside right
plot {plots}
""", workdir)


def plot_heatmap(cells, xs, ys, title, png, workdir, cblabel, fmt="%.1f", logcb=False,
                 width=1100, height=700):
    """@cells: (x, y) -> value over the labels @xs (columns) and @ys (rows)."""
    vals = [v for v in cells.values() if v is not None and v > 0]
    if not vals:
        return False
    with open(os.path.join(workdir, "heat.dat"), "w") as f, \
            open(os.path.join(workdir, "labels.dat"), "w") as g:
        for j, y in enumerate(ys):
            for i, x in enumerate(xs):
                v = cells.get((x, y))
                f.write(f"{i} {j} {v if v is not None else 'NaN'}\n")
                if v is not None:
                    g.write(f"{i} {j} {v}\n")
            f.write("\n")
    lo, hi = min(vals), max(vals)
    if hi <= lo:
        hi = lo * 1.01 + 1e-9
    xt = ", ".join(f"'{x}' {i}" for i, x in enumerate(xs))
    yt = ", ".join(f"'{y}' {j}" for j, y in enumerate(ys))
    return gnuplot(f"set terminal png size {width},{height} font ',9' noenhanced\n" + f"""set output '{png}'
set title '{title}'
set xtics ({xt}) rotate by 45 right
set ytics ({yt})
set xrange [-0.5:{len(xs) - 0.5}]
set yrange [-0.5:{len(ys) - 0.5}]
set cblabel '{cblabel}'
{'set logscale cb' if logcb else ''}
set cbrange [{lo}:{hi}]
set palette rgbformulae 22,13,-31
unset key
plot 'heat.dat' using 1:2:3 with image, 'labels.dat' using 1:2:(sprintf('{fmt}', $3)) with labels font ',8'
""", workdir)


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------

def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def write_report(gb, ctx, stamp, md_path, plot_dir):
    res, errors = collect(gb)
    rel_plots = os.path.basename(plot_dir)
    os.makedirs(plot_dir, exist_ok=True)
    L = []
    L.append(f"# vmbytes benchmarks, {ctx['started_utc']}")
    L.append("")
    L.append(f"`{ctx['command']}`: {ctx['mode']} run, {len(res)} benchmarks, "
             f"{ctx['repetitions']} interleaved repetitions of at least {ctx['min_time_s']} s "
             f"each, {fmt_duration(ctx['duration_s'])}. Every figure is the median of the "
             f"repetitions; ratios compare medians taken in the same process.")
    L.append("")
    thr = ctx["copy_thresholds_in_force"]
    L.append(f"- CPU: {ctx['cpu_model']} x {ctx['cpu_count']}; "
             f"flags: {' '.join(ctx['cpu_flags_relevant'])}")
    L.append(f"- Compiler: {ctx['compiler']}, `{ctx['compiler_flags']}`")
    L.append(f"- {ctx['glibc_version']}; memcpy resolves to `{ctx['glibc_memcpy']}`; "
             + ", ".join(f"{k}={v}" for k, v in ctx["glibc_tunables"].items()))
    L.append(f"- Copy thresholds in force: block={thr['block']}, rep movsb in "
             f"[{thr['movsb_min']}, {thr['movsb_max']}), nt from {thr['nt_min']} "
             f"(tuning file: {ctx['copy_tuning_file'] or 'none, built-in'})")
    L.append(f"- Google Benchmark library build: {ctx['google_benchmark_build']} "
             f"(Debian's package calls itself a debug build)")
    L.append("")

    peer_lines, peer_cks = report_peers.section(res, ctx)
    L += peer_lines
    cks = checks(res)
    if cks:
        L.append("## Regression gates and earlier targets (vmbytes against itself)")
        L.append("")
        for title, ok, lines in cks:
            L.append(f"- **{word(ok)}** {title}: " + "; ".join(lines))
        L.append("")
    verdicts = [{"group": g, "verdict": word(ok), "title": title, "detail": "; ".join(lines)}
                for g, part in (("peers", peer_cks), ("self", cks)) for title, ok, lines in part]
    cks = peer_cks + cks
    if errors:
        L.append("## Benchmarks that reported an error")
        L.append("")
        for n, e in sorted(errors.items()):
            L.append(f"- `{n}`: {e}")
        L.append("")

    sp = {z: {s: v for s, v in row.items() if v[1] == "paired"}
          for z, row in default_speedups(res).items()}
    sp = {z: row for z, row in sp.items() if row}
    if sp:
        L.append("## Default path against each strategy, paired (hot, aligned, 1 thread)")
        L.append("")
        L.append("Default throughput / the strategy's, measured alternately in one loop "
                 "(batches of ~20 us, A B B A), median over repetitions; above 1 the default "
                 "is faster.")
        L.append("")
        rivals = ordered({s for row in sp.values() for s in row})
        rows = []
        for z in sorted(sp):
            best = min(sp[z], key=lambda s: sp[z][s][0])
            rows.append([fmt_size(z)] + [f"{sp[z][s][0]:.3f}" if s in sp[z] else "-"
                                         for s in rivals] + [f"{sp[z][best][0]:.3f} ({best})"])
        L += md_table(["size"] + rivals + ["default/best"], rows)
        L.append("")

    copies = copy_results(res)
    aligned = [k for k in copies if k[2] == 0 and k[3] == 0]
    if aligned:
        L.append("## Copy throughput (GB/s), aligned")
        L.append("")
        for key in sorted(aligned, key=lambda k: (k[1], k[0] != "hot")):
            cache, threads = key[0], key[1]
            grid = copies[key]
            strats = ordered({s for row in grid.values() for s in row})
            L.append(f"### {cache} caches, {threads} thread{'s' if threads > 1 else ''}")
            L.append("")
            png = f"copy-{cache}-{threads}t.png"
            if plot_throughput({s: [(z, grid[z][s]["gbps"]) for z in grid if s in grid[z]]
                                for s in strats},
                               f"copy throughput, {cache} caches, {threads} thread(s), aligned",
                               os.path.join(plot_dir, png), plot_dir):
                L.append(f"![copy {cache} {threads}t]({rel_plots}/{png})")
                L.append("")
            rows = []
            for size in sorted(grid):
                row = grid[size]
                cand = [s for s in row if s != "default" and row[s]["gbps"]]
                best = max(cand, key=lambda s: row[s]["gbps"]) if cand else None
                d = row.get("default", {}).get("gbps")
                cells = [fmt_size(size)] + [fmt_num(row[s]["gbps"]) if s in row else "-"
                                            for s in strats]
                cells.append(best or "-")
                cells.append(f"{d / row[best]['gbps']:.2f}" if d and best else "-")
                cells.append(f"{d / row['libc_dispatched']['gbps']:.2f}" if d and "libc_dispatched" in row else "-")
                rows.append(cells)
            L += md_table(["size"] + strats + ["best", "default/best", "default/libc_dispatched"], rows)
            L.append("")

    misaligned = sorted({k[2:] for k in copies if k[0] == "hot" and k[1] == 1})
    if len(misaligned) > 1:
        L.append("## Copy throughput by alignment (hot, 1 thread)")
        L.append("")
        sizes = sorted({z for k in copies if k[0] == "hot" and k[1] == 1 and k[2:] != (0, 0)
                        for z in copies[k]})
        offs = sorted({o for k in misaligned for o in k})
        # Default path, one line per offset pair where source and
        # destination are equally misaligned, or only one of them is.
        series = {}
        for so, do in misaligned:
            if not (so == do or so == 0 or do == 0):
                continue
            g = copies[("hot", 1, so, do)]
            series[f"src{so} dst{do}"] = [(z, g[z]["default"]["gbps"]) for z in sizes
                                          if z in g and "default" in g[z]]
        if plot_throughput(series, "default path by alignment (hot, 1 thread)",
                           os.path.join(plot_dir, "align-default.png"), plot_dir):
            L.append(f"![default by alignment]({rel_plots}/align-default.png)")
            L.append("")
        for size in sizes:
            strats = ordered({s for k in misaligned for s in copies[("hot", 1) + k].get(size, {})})
            L.append(f"### {fmt_size(size)}")
            L.append("")
            # One heat map per strategy: source offset x destination offset.
            pngs = []
            for s in strats:
                cells = {}
                for so, do in misaligned:
                    r = copies[("hot", 1, so, do)].get(size, {}).get(s)
                    if r:
                        cells[(f"dst{do}", f"src{so}")] = r["gbps"]
                png = f"align-{size}-{s}.png"
                if plot_heatmap(cells, [f"dst{o}" for o in offs], [f"src{o}" for o in offs],
                                f"{s}, {fmt_size(size)}: GB/s by offset",
                                os.path.join(plot_dir, png), plot_dir, "GB/s",
                                width=520, height=420):
                    pngs.append(f"![{s}]({rel_plots}/{png})")
            if pngs:
                L.append(" ".join(pngs))
                L.append("")
            rows = []
            for so, do in misaligned:
                row = copies[("hot", 1, so, do)].get(size, {})
                if not row:
                    continue
                cand = [s for s in row if s != "default"]
                best = max(cand, key=lambda s: row[s]["gbps"] or 0) if cand else None
                d = row.get("default", {}).get("gbps")
                rows.append([f"src{so}/dst{do}"]
                            + [fmt_num(row[s]["gbps"]) if s in row else "-" for s in strats]
                            + [best or "-",
                               f"{d / row[best]['gbps']:.2f}" if d and best else "-"])
            L += md_table(["offsets"] + strats + ["best", "default/best"], rows)
            L.append("")

    # Size distributions: ranked in the Peers section (report_peers.py).

    atom = {n: r for n, r in res.items() if n.startswith("atomic/")}
    if atom:
        L.append("## Atomics (ns per access)")
        L.append("")
        widths = ["u8", "u16", "u32", "u64"]
        rows, cells = [], {}
        orders = {"store": ["relaxed", "release", "seq_cst"],
                  "load": ["relaxed", "acquire", "seq_cst"]}
        ys = []
        for op in ("store", "load"):
            for w in widths:
                row = [f"{op} {w}"]
                for i, o in enumerate(orders[op]):
                    a = atom.get(f"atomic/api/{op}/{w}/{o}")
                    r = atom.get(f"atomic/raw/{op}/{w}/{o}")
                    row.append(f"{fmt_num(a['ns'])} / {fmt_num(r['ns'])} = {a['ns'] / r['ns']:.2f}x"
                               if a and r else "-")
                    col = ["relaxed", "release/acquire", "seq_cst"][i]
                    if a:
                        cells[(f"api {col}", f"{op} {w}")] = a["ns"]
                    if r:
                        cells[(f"raw {col}", f"{op} {w}")] = r["ns"]
                rows.append(row)
                ys.append(f"{op} {w}")
        L.append("API / raw builtin, single thread:")
        L.append("")
        L += md_table(["", "relaxed", "release (store) / acquire (load)", "seq_cst"], rows)
        L.append("")
        xs = [f"{i} {o}" for o in ("relaxed", "release/acquire", "seq_cst") for i in ("api", "raw")]
        if cells and plot_heatmap(cells, xs, ys, "atomics: ns per access, one thread",
                                  os.path.join(plot_dir, "atomics.png"), plot_dir, "ns",
                                  fmt="%.2f", logcb=True):
            L.append(f"![atomics]({rel_plots}/atomics.png)")
            L.append("")
        shared = sorted({n.split("/")[-1] for n in atom if n.count("/") == 5})
        if shared:
            L.append("Two threads (ns per access, wall clock; api / raw):")
            L.append("")
            rows, cells, ys = [], {}, []
            for op in ("store", "load"):
                for w in widths:
                    for o in orders[op]:
                        row = [f"{op} {w} {o}"]
                        for mode in shared:
                            a = atom.get(f"atomic/api/{op}/{w}/{o}/{mode}")
                            r = atom.get(f"atomic/raw/{op}/{w}/{o}/{mode}")
                            row.append(f"{fmt_num(a['ns'])} / {fmt_num(r['ns'])}" if a and r else "-")
                            if r:
                                cells[(mode, f"{op} {w} {o}")] = r["ns"]
                        rows.append(row)
                        ys.append(f"{op} {w} {o}")
            L += md_table(["access"] + shared, rows)
            L.append("")
            if plot_heatmap(cells, shared, ys, "raw atomics, two threads: ns per access",
                            os.path.join(plot_dir, "atomics-shared.png"), plot_dir, "ns",
                            fmt="%.1f", logcb=True, width=700, height=900):
                L.append(f"![atomics, two threads]({rel_plots}/atomics-shared.png)")
                L.append("")

    cont = {n: r for n, r in res.items() if n.startswith("container/")}
    if cont:
        L.append("## Container operations")
        L.append("")
        rows = [[f"`{n}`", fmt_num(r["ns"]), fmt_num(r["gbps"]) if r["gbps"] else "-",
                 f"{100 * r['spread']:.0f}%"] for n, r in sorted(cont.items(), key=lambda kv: (
                     re.sub(r"\d+", lambda m: m.group(0).zfill(8), kv[0])))]
        L += md_table(["benchmark", "ns/op", "GB/s", "spread"], rows)
        L.append("")
        # Random lookups only (container/find_region/<n>; .../in_order is the
        # reference's pattern, in the table above).
        fr = sorted((int(n.rsplit("/", 1)[1]), r["ns"]) for n, r in cont.items()
                    if re.fullmatch(r"container/find_region/\d+", n))
        if len(fr) > 1:
            with open(os.path.join(plot_dir, "fr.dat"), "w") as f:
                for n, ns in fr:
                    f.write(f"{n} {ns}\n")
            if gnuplot(PNG + f"""set output 'find_region.png'
set title 'find_region: ns per lookup (random addresses)'
set logscale x 2
set xlabel 'regions'
set ylabel 'ns'
set grid
set yrange [0:*]
plot 'fr.dat' using 1:2 with linespoints title 'find_region'
""", plot_dir):
                L.append(f"![find_region]({rel_plots}/find_region.png)")
                L.append("")

    prs = {n: r for n, r in res.items() if n.startswith("pair/") and not n.startswith("pair/copy/")
           and r.get("ratio")}
    if prs:
        L.append("## Other paired ratios (A / B time, median; spread = (max-min)/median)")
        L.append("")
        L += md_table(["pair", "A ns", "B ns", "A/B", "spread"],
                      [[f"`{n}`", fmt_num(r["a_ns"]), fmt_num(r["b_ns"]), f"{r['ratio']:.3f}",
                        f"{100 * r['ratio_spread']:.0f}%"] for n, r in sorted(prs.items())])
        L.append("")

    other = {n: r for n, r in res.items()
             if not re.match(r"^(copy|dist|atomic|container|pair|peer)/", n)}
    if other:
        L.append("## Other")
        L.append("")
        L += md_table(["benchmark", "ns/op", "GB/s"],
                      [[f"`{n}`", fmt_num(r["ns"]), fmt_num(r["gbps"])] for n, r in sorted(other.items())])
        L.append("")
    for f in os.listdir(plot_dir):
        if f.endswith((".dat", ".gp")):
            os.unlink(os.path.join(plot_dir, f))
    atomic_write(md_path, "\n".join(L) + "\n")
    # The verdicts as data, for ci/report.py's headline table.
    atomic_write(md_path[:-len(".md")] + ".verdicts.json",
                 json.dumps({"started_utc": ctx["started_utc"], "checks": verdicts}, indent=1))
    return cks


def utc_stamp():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y-%m-%d %H:%M:%S UTC")


def atomic_write(path, text):
    """The campaign's atomic write (temporary name, fsync, rename, directory
    fsync): a kill or a full disk leaves the old file or none, never a part.
    A failure is exit 1 naming the file."""
    try:
        files.atomic_write(path, text)
    except files.Failed as e:
        print(f"vmbytes bench: {e}", file=sys.stderr)
        sys.exit(1)


def finish_json(tmp_json, ctx, out_json):
    gb = benchjson.load(tmp_json)
    gb["context"]["vmbytes"] = ctx
    atomic_write(out_json, json.dumps(gb, indent=1, allow_nan=False))
    return gb


def cmd_render(args):
    """Write the markdown report (and plots) of an earlier run's JSON again,
    beside it, with the analysis of this run.py."""
    gb = benchjson.load(args.json)
    ctx = gb.get("context", {}).get("vmbytes")
    if not ctx:
        print(f"vmbytes bench: {args.json} has no vmbytes context", file=sys.stderr)
        return 1
    stem = os.path.abspath(args.json)[:-len(".json")]
    cks = write_report(gb, ctx, os.path.basename(stem), stem + ".md", stem)
    print(f"vmbytes bench: {stem}.md")
    for title, ok, lines in cks:
        print(f"  {word(ok)}  {title}: {'; '.join(lines)}")
    return 0


def cmd_bench(args):
    os.makedirs(REPORTS, exist_ok=True)
    env = bench_env(use_tuning=True)
    stamp, started = utc_stamp()
    if "VMB_COPY_TUNING" in env:
        print(f"vmbytes bench: copy tuning from {os.path.relpath(TUNING, ROOT)}")
    else:
        print("vmbytes bench: no reports/bench/tuning.conf; the built-in copy thresholds apply "
              "(./vmbytes tune makes one)")
    peer = vmmemory.prepare(args.filter)  # builds the Rust side first: no cargo is exit 1 now
    with tempfile.TemporaryDirectory() as tmp:
        tmp_json = os.path.join(tmp, "out.json")
        log = os.path.join(REPORTS, f"{stamp}.log")
        elapsed = run_benchmarks("bench", args.mode, args.filter, args.repetitions, args.min_time,
                                 env, tmp_json, log)
        if elapsed is None:
            print(f"vmbytes bench: FILTER '{args.filter}' matches no benchmark"
                  + (" of the --quick set" if args.quick else ""), file=sys.stderr)
            return 2
        if elapsed < 0:
            return 1
        gb_ctx = benchjson.context(tmp_json)
        ctx = build_context(gb_ctx, args, env, started, elapsed)
        ctx["vm_memory_peer"] = vmmemory.run(peer, args.mode)
        out_json = os.path.join(REPORTS, f"{stamp}.json")
        gb = finish_json(tmp_json, ctx, out_json)
    md = os.path.join(REPORTS, f"{stamp}.md")
    cks = write_report(gb, ctx, stamp, md, os.path.join(REPORTS, stamp))
    for src, dst in ((md, "latest.md"), (md[:-len(".md")] + ".verdicts.json", "latest.verdicts.json")):
        with open(src) as f:
            atomic_write(os.path.join(REPORTS, dst), f.read())
    print(f"vmbytes bench: {os.path.relpath(out_json, ROOT)}, {os.path.relpath(md, ROOT)} "
          f"(and reports/bench/latest.md), plots in reports/bench/{stamp}/")
    for title, ok, lines in cks:
        print(f"  {word(ok)}  {title}: {'; '.join(lines)}")
    return 0


# ---------------------------------------------------------------------------
# Tuning
# ---------------------------------------------------------------------------

SEPARATE_MARGIN = 0.05  # what a separate median must win by (they drift 5-30%)


def choose_tuning(table, margin, available, paired=None):
    """@table: strategy -> size -> GB/s (medians of separate runs);
    @paired: strategy -> size -> its speed over the reference strategy
    ("ref" -> the reference's name), measured paired. Returns (tuning dict,
    reasons). A candidate replaces the incumbent only when it is faster by
    more than @margin (a fraction) where measured paired, and by more than
    SEPARATE_MARGIN where only separate medians exist, so noise does not
    move thresholds."""
    paired = paired or {}
    ref = paired.get("ref")
    sizes = sorted({z for t in table.values() for z in t})
    reasons = []

    def speed(name, z):
        """@name's speed over the reference at size @z and whether it was
        measured paired; None when unknown."""
        if name == ref:
            return 1.0, True
        if z in paired.get(name, {}):
            return paired[name][z], True
        base = ref if ref in table else None
        if base and table.get(name, {}).get(z) and table[base].get(z):
            return table[name][z] / table[base][z], False
        return None

    def rel(name, base, z):
        """(speed of @name over @base at @z, paired?) or None."""
        a, b = speed(name, z), speed(base, z)
        if a is None or b is None or not b[0]:
            return None
        return a[0] / b[0], a[1] and b[1]

    def geomean(xs):
        return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else 0.0

    # Block strategy: over the sizes the caches hold (<= 1 MiB), the
    # geometric mean of its throughput relative to the incumbent.
    blocks = [b for b in ("avx512", "avx2", "libc_dispatched") if b in available and b in table]
    incumbent = blocks[0]
    cache_sizes = [z for z in sizes if z <= 1 << 20]
    for cand in blocks[1:]:
        rs = [rel(cand, incumbent, z) for z in cache_sizes]
        rs = [r for r in rs if r is not None]
        g = geomean([r[0] for r in rs])
        need = margin if rs and all(r[1] for r in rs) else SEPARATE_MARGIN
        reasons.append(f"block: {cand} vs {incumbent}, geometric mean over 32 B..1 MiB: {g:.3f}x"
                       f" ({'paired' if need == margin else 'separate medians'})")
        if g > 1 + need:
            incumbent = cand
    block = incumbent
    reasons.append(f"block = {block}")

    # The large-copy classes. The dispatcher sends n >= nt_min to
    # non-temporal stores, n in [movsb_min, movsb_max) to rep movsb and the
    # rest to the block strategy. Every choice of the two thresholds on the
    # sweep's sizes is scored by the sum over sizes of log(throughput of the
    # strategy the size gets / block's); a class is only allowed if, over
    # the sizes it takes, it beats the block strategy by more than the
    # margin on geometric mean and spans two sweep sizes at least. Highest
    # score wins; the plain block everywhere scores 0.
    def logs(name):
        out = []
        for z in sizes:
            r = rel(name, block, z)
            out.append(math.log(r[0]) if r is not None and r[0] > 0 else -1e9)
        return out

    def floors(name):
        out = []
        for z in sizes:
            r = rel(name, block, z)
            out.append(math.log(1 + (margin if r is not None and r[1] else SEPARATE_MARGIN)))
        return out

    n = len(sizes)
    lm, ln = logs("rep_movsb"), logs("nt")
    fm, fn = floors("rep_movsb"), floors("nt")
    pm, pn, qm, qn = [0.0], [0.0], [0.0], [0.0]
    for i in range(n):
        pm.append(pm[-1] + lm[i])
        pn.append(pn[-1] + ln[i])
        qm.append(qm[-1] + fm[i])
        qn.append(qn[-1] + fn[i])
    best = (0.0, None, None, n)  # score, movsb [a, b) as indexes, nt from index t
    for t in range(n + 1):
        nt_score = pn[n] - pn[t]
        # A class of one sweep size is one noisy sample: two at least.
        if t < n and (n - t < 2 or nt_score <= qn[n] - qn[t]):
            continue
        if nt_score > best[0]:
            best = (nt_score, None, None, t)
        for a in range(t):
            for b in range(a + 2, t + 1):
                m = pm[b] - pm[a]
                if m <= qm[b] - qm[a]:
                    continue
                if nt_score + m > best[0]:
                    best = (nt_score + m, a, b, t)
    score, a, b, t = best

    def ratios(name, lo, hi):
        return ", ".join(f"{fmt_size(sizes[i])} {math.exp(lst[i]):.2f}"
                         for lst in [logs(name)] for i in range(lo, hi) if lst[i] > -1e8)

    if "rep_movsb" in table:
        reasons.append(f"rep_movsb / {block}: {ratios('rep_movsb', 0, n)}")
    if "nt" in table:
        first = next((i for i, z in enumerate(sizes) if z >= 1 << 20), n)
        reasons.append(f"nt / {block} from 1 MiB: {ratios('nt', first, n)}")
    movsb_min = movsb_max = 0
    if a is not None:
        movsb_min = sizes[a]
        movsb_max = sizes[b] if b < n else SIZE_MAX
        gain = math.exp((pm[b] - pm[a]) / (b - a))
        reasons.append(f"rep movsb for [{fmt_size(sizes[a])}, "
                       f"{fmt_size(sizes[b]) if b < n else 'no limit'}): {gain:.2f}x {block} "
                       f"there (geometric mean)")
    else:
        reasons.append(f"rep movsb: no size range where it beats {block} by > "
                       f"{100 * margin:g}% (paired; {100 * SEPARATE_MARGIN:g}% separate): no window")
    nt_min = None
    if t < n:
        nt_min = sizes[t]
        gain = math.exp((pn[n] - pn[t]) / (n - t))
        reasons.append(f"non-temporal from {fmt_size(nt_min)}: {gain:.2f}x {block} from there "
                       f"on (geometric mean)")
    else:
        reasons.append(f"non-temporal stores: no size from which they beat {block} by > "
                       f"{100 * margin:g}% (paired; {100 * SEPARATE_MARGIN:g}% separate): never")
    return {"block": block, "movsb_min": movsb_min, "movsb_max": movsb_max,
            "nt_min": nt_min}, reasons


def cmd_tune(args):
    os.makedirs(REPORTS, exist_ok=True)
    env = bench_env(use_tuning=False)
    stamp, started = utc_stamp()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_json = os.path.join(tmp, "out.json")
        log = os.path.join(REPORTS, f"tune-{stamp}.log")
        elapsed = run_benchmarks("tune", "tune", None, args.repetitions, args.min_time, env,
                                 tmp_json, log)
        if elapsed is None or elapsed < 0:
            return 1
        gb_ctx = benchjson.context(tmp_json)
        args.filter = None
        ctx = build_context(gb_ctx, args, env, started, elapsed)
        out_json = os.path.join(REPORTS, f"tune-{stamp}.json")
        gb = finish_json(tmp_json, ctx, out_json)
    res, errors = collect(gb)
    table = {}
    for name, r in res.items():
        m = re.match(r"^tune/(\w+)/(\d+)$", name)
        if m and r["gbps"]:
            table.setdefault(m.group(1), {})[int(m.group(2))] = r["gbps"]
    if not table or errors:
        print(f"vmbytes tune: no usable results ({len(errors)} errors); see {log}",
              file=sys.stderr)
        return 1
    paired = {}
    for name, r in res.items():
        m = re.match(r"^pair/tune/(\w+)/(\w+)/(\d+)$", name)
        if m and r.get("ratio"):
            # time_ratio is candidate time / reference time.
            paired.setdefault(m.group(1), {})[int(m.group(3))] = 1.0 / r["ratio"]
            paired["ref"] = m.group(2)
    tuning, reasons = choose_tuning(table, args.margin / 100.0, ctx["strategies_available"],
                                    paired)
    strats = [s for s in ("default", "libc_dispatched", "avx2", "avx512", "rep_movsb", "nt") if s in table]
    sizes = sorted({z for t in table.values() for z in t})
    print()
    print("median GB/s (hot, aligned, interleaved repetitions):")
    print(f"  {'size':>10} " + " ".join(f"{s:>9}" for s in strats))
    for z in sizes:
        print(f"  {fmt_size(z):>10} " + " ".join(f"{fmt_num(table[s].get(z)):>9}" for s in strats))
    print()
    for r in reasons:
        print("  " + r)
    lines = [
        f"# Written by ./vmbytes tune on {started} ({ctx['cpu_model']}),",
        f"# {args.repetitions} interleaved repetitions, noise margin {args.margin:g}%.",
        f"# Median GB/s and the reasons: {os.path.relpath(out_json, ROOT)}.",
    ]
    # The loader reads lines of at most 127 characters: wrap the comments.
    for r in reasons:
        lines += ["# " + part for part in textwrap.wrap(r, 96, subsequent_indent="  ")]
    lines += [
        f"cpu={gb_ctx.get('vmb_cpu_key', 'unknown')}",  # applied only on this CPU
        f"block={tuning['block']}",
        f"movsb_min={tuning['movsb_min']}",
        f"movsb_max={tuning['movsb_max']}",
        f"nt_min={tuning['nt_min'] if tuning['nt_min'] else 'never'}",
    ]
    atomic_write(TUNING, "\n".join(lines) + "\n")
    print()
    print(f"vmbytes tune: wrote {os.path.relpath(TUNING, ROOT)}:")
    for line in lines:
        if not line.startswith("#"):
            print(f"  {line}")
    return 0


def parse(argv):
    """The arguments of `bench ...`, `tune ...` or `render FILE`; a bad one
    is one line on stderr and exit 2."""
    cmd = argv[0] if argv else "bench"
    try:
        return parse_args(argv)
    except UsageError as e:
        die_usage(cmd if cmd in ("bench", "tune") else "bench", str(e))


def execute(args):
    if args.cmd == "render":
        return cmd_render(args)
    if not os.access(BIN, os.X_OK):
        print(f"vmbytes {args.cmd}: {BIN} is not built (./vmbytes {args.cmd} builds it)",
              file=sys.stderr)
        return 1
    return cmd_bench(args) if args.cmd == "bench" else cmd_tune(args)


def main(argv):
    return execute(parse(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

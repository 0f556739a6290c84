# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""`bench`, `tune` and `render`: the arguments and the commands. Run by
the CLI (cli.py): parse() then, once the packages and the bench preset are
there, execute(). `python3 -m vmbytes.bench.command render FILE.json`
writes the report of an earlier run again, with this analysis."""
import argparse
import datetime
import json
import os
import re
import sys
import tempfile

import vmmemory  # bench/peers/vmmemory.py: the vm-memory peer's build and rounds
from verdict import word  # bench/verdict.py

from .. import ROOT, benchjson, cliargs
from . import BIN, DEFAULTS, REPORTS, TUNING, atomic_write
from .hostinfo import build_context
from .report import write_report
from .runner import bench_env, run_benchmarks

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


def utc_stamp():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y-%m-%d %H:%M:%S UTC")


def finish_json(tmp_json, ctx, out_json):
    gb = benchjson.load(tmp_json)
    gb["context"]["vmbytes"] = ctx
    atomic_write(out_json, json.dumps(gb, indent=1, allow_nan=False))
    return gb


def cmd_render(args):
    """Write the markdown report (and plots) of an earlier run's JSON again,
    beside it, with the analysis of this package."""
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
    if args.cmd == "bench":
        return cmd_bench(args)
    from .tuning import cmd_tune
    return cmd_tune(args)


def main(argv):
    return execute(parse(argv))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

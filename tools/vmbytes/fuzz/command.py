# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""`fuzz` (a campaign), `fuzz prune` and `fuzz decode`: the arguments
(parse_args, which the CLI calls before it installs or builds anything)
and execute(). Also runnable as `python3 -m vmbytes.fuzz.command run ...`
on builds already there (the gate and the chaos test do)."""
import os
import subprocess
import sys

from .. import cliargs
from ..lists import TARGETS
from . import die_usage, paths
from .campaign import run
from .corpus import prune


# One parser for --time everywhere (ci/run.py uses it too): 10 s to 30 days.
parse_time = cliargs.campaign_time


def decode(args):
    target = args.target
    if target is None:
        parts = os.path.abspath(args.file).split(os.sep)
        for p in reversed(parts[:-1]):
            if p in TARGETS:
                target = p
                break
    if target not in TARGETS:
        die_usage("cannot tell the target from the path: pass --target "
                  f"(one of: {' '.join(TARGETS)})")
    if not os.path.isfile(args.file):
        die_usage(f"no such file '{args.file}'")
    replay = os.path.join(paths.DEV_BUILD, f"fuzz_{target}_replay")
    return subprocess.run([replay, "-decode", args.file]).returncode


def parse_args(argv=None):
    p = cliargs.Parser(prog="vmbytes fuzz", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    target = cliargs.choice(TARGETS, "target")
    r = sub.add_parser("run", help="run a campaign")
    r.add_argument("targets", nargs="*", metavar="TARGET", type=target)
    r.add_argument("--time", type=parse_time, default=600.0, help="total budget (default 10m)")
    r.add_argument("--engine", type=cliargs.choice(["libfuzzer", "afl", "both"], "engine"),
                   default="both", help="libfuzzer, afl or both")
    r.add_argument("--jobs", type=cliargs.integer(1, cliargs.MAX_JOBS), default=os.cpu_count() or 1)
    r.add_argument("--fresh", action="store_true", help="ignore a campaign left unfinished")
    r.add_argument("--reports", metavar="DIR", type=cliargs.nonempty("directory"),
                   help="where state, crashes and the summary go (default reports/fuzz)")
    r.add_argument("--no-merge", action="store_true",
                   help="leave corpus/ alone (a smoke run, as the gate does)")
    pr = sub.add_parser("prune", help="minimize corpus/<target> in place")
    pr.add_argument("targets", nargs="*", metavar="TARGET", type=target)
    d = sub.add_parser("decode", help="print an input as an op script")
    d.add_argument("file", metavar="FILE")
    d.add_argument("--target", type=target)
    args = p.parse_args(argv)
    if args.cmd == "decode":
        if args.file == "":
            die_usage("empty FILE")
        if not os.path.isfile(args.file):
            die_usage(f"FILE '{args.file}' is not a file")
    return args


def execute(args):
    if args.cmd == "run":
        if args.reports:
            paths.set_reports(args.reports)
        return run(args)
    if args.cmd == "prune":
        return prune(args)
    return decode(args)


def main(argv=None):
    return execute(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

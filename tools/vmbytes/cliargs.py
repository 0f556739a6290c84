# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""Argument checking shared by every vmbytes tool (the CLI, cli.py, and
every command behind it).

A bad argument is one line on stderr, "PROG: what is wrong (try
'./vmbytes help')", and exit status 2; it names the flag. Numbers are
finite and within stated bounds: NaN, infinities (including 1e400, which
float() reads as inf), values far past any sane bound (10**30 seconds
would overflow a subprocess timeout), empty strings and non-numbers are
all refused here, so that no tool has to think about them later.

The type functions below are argparse `type=` callables: they raise
argparse.ArgumentTypeError, which argparse turns into "argument --flag:
MESSAGE", and Parser.error prints that one line.
"""
import argparse
import math
import re
import sys

HINT = "(try './vmbytes help')"

# Bounds shared by the tools: a campaign or run of more than 30 days, a
# pool of more than 256 jobs, is a typo, not a plan.
MAX_SECONDS = 30 * 24 * 3600
MAX_JOBS = 256


class UsageError(Exception):
    """A bad argument found after parsing; main() turns it into die()."""


def die(prog, message):
    """One line on stderr and exit 2."""
    first = message.strip().splitlines()[0] if message.strip() else "bad arguments"
    print(f"{prog}: {first} {HINT}", file=sys.stderr)
    sys.exit(2)


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump), exit 2, and no
    abbreviated options (--tim is an unknown flag, not --time)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message):
        die(self.prog, message)

    def parse_args(self, args=None, namespace=None):
        argv = sys.argv[1:] if args is None else list(args)
        self._refuse_unknown_flags(argv)
        return super().parse_args(argv, namespace)

    def _refuse_unknown_flags(self, argv):
        """Name an unknown flag first: argparse would complain about the
        value after it instead (`--tim 1m` as an unknown TARGET '1m')."""
        parser, takes_value = self, False
        for arg in argv:
            if arg == "--":
                return
            if takes_value:  # the value of the flag before (argparse judges it)
                takes_value = False
                continue
            if arg.startswith("-") and arg != "-" and not re.fullmatch(r"-\d+(\.\d*)?", arg):
                name = arg.split("=", 1)[0]
                action = parser._option_string_actions.get(name)
                if action is None:
                    parser.error(f"unknown option '{name}'")
                takes_value = "=" not in arg and action.nargs != 0
                continue
            for a in parser._actions:  # a sub-command switches to its parser
                if isinstance(a, argparse._SubParsersAction) and arg in a.choices:
                    parser = a.choices[arg]
                    break


def _fmt(v):
    return f"{v:g}" if isinstance(v, float) else str(v)


def _check_range(text, v, lo, hi, lo_open, unit, hi_open=False):
    low_ok = v > lo if lo_open else v >= lo
    high_ok = v < hi if hi_open else v <= hi
    if not (low_ok and high_ok):
        span = f"{'(' if lo_open else '['}{_fmt(lo)}, {_fmt(hi)}{')' if hi_open else ']'}"
        raise argparse.ArgumentTypeError(f"'{text}' is not in {span}{unit}")
    return v


def integer(lo, hi):
    """A whole number in [lo, hi] (decimal digits, optional sign)."""
    def parse(text):
        if not re.fullmatch(r"[+-]?\d+", text.strip()):
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number")
        return _check_range(text, int(text), lo, hi, False, "")
    parse.__name__ = "integer"
    return parse


def real(lo, hi, lo_open=False, unit="", hi_open=False):
    """A finite number in [lo, hi]; @lo_open, @hi_open exclude that end."""
    def parse(text):
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"'{text}' is not a finite number")
        return _check_range(text, v, lo, hi, lo_open, unit, hi_open)
    parse.__name__ = "real"
    return parse


def seconds(lo, hi, lo_open=False):
    """A finite number of seconds in [lo, hi] (or (lo, hi])."""
    return real(lo, hi, lo_open, " seconds")


def duration(lo, hi=MAX_SECONDS):
    """A time as 90, 90s, 2.5m or 1h, in seconds within [lo, hi]."""
    def parse(text):
        m = re.fullmatch(r"(\d+(?:\.\d+)?)([smh]?)", text.strip())
        if not m:
            raise argparse.ArgumentTypeError(f"bad time '{text}' (use 90, 90s, 10m or 1h)")
        v = float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]
        if not (lo <= v <= hi):
            raise argparse.ArgumentTypeError(
                f"'{text}' is not between {_fmt(float(lo))} s and {_fmt(hi / 86400)} days")
        return v
    parse.__name__ = "duration"
    return parse


def choice(names, what):
    """One of @names (what: the noun for messages, e.g. "target")."""
    names = list(names)

    def parse(text):
        if text == "":
            raise argparse.ArgumentTypeError(f"empty {what} (one of: {' '.join(names)})")
        if text not in names:
            raise argparse.ArgumentTypeError(f"unknown {what} '{text}' (one of: {' '.join(names)})")
        return text
    parse.__name__ = what
    return parse


def nonempty(what):
    """Any string but the empty one."""
    def parse(text):
        if text.strip() == "":
            raise argparse.ArgumentTypeError(f"empty {what}")
        return text
    parse.__name__ = what
    return parse


# One parser for a fuzzing budget, --time of `fuzz` and `run`: 10 s to 30 days.
campaign_time = duration(10)

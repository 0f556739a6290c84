# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The one reader of Google Benchmark's JSON output (--benchmark_out):
the bench report (bench/results.py) and the gate's interleaved timing
(bench/gate/timegate.py) both read repetitions through it."""
import json
import re
from collections import namedtuple

TIME_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

# One repetition of one benchmark. @name is run_name (the name without
# the repetition suffix), @base the name without /threads:N and
# /real_time; @ns the time the benchmark reports by (real time for
# /real_time ones, else CPU time), @cpu_ns CPU time, both per iteration in
# ns; @error the error message or None; @raw the JSON object itself.
Run = namedtuple("Run", "name base ns cpu_ns error raw")


def load(path):
    with open(path) as f:
        return json.load(f)


def context(path):
    """The "context" object of the JSON at @path ({} when it has none)."""
    return load(path).get("context", {})


def base_name(name):
    return re.sub(r"/(threads:\d+|real_time)", "", name)


def iterations(gb):
    """The repetitions (run_type "iteration", not the aggregates) of the
    loaded JSON @gb, in file order, as Run tuples."""
    for b in gb.get("benchmarks", []):
        if b.get("run_type", "iteration") != "iteration":
            continue
        name = b.get("run_name", b["name"])
        if b.get("error_occurred"):
            yield Run(name, base_name(name), None, None, b.get("error_message", "error"), b)
            continue
        unit = TIME_NS.get(b.get("time_unit", "ns"), 1.0)
        t = b["real_time"] if "/real_time" in b["name"] else b["cpu_time"]
        yield Run(name, base_name(name), t * unit, b["cpu_time"] * unit, None, b)

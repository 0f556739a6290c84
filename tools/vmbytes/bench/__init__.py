# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""./vmbytes bench and ./vmbytes tune: run vmbytes-bench, keep its Google
Benchmark JSON with a context of everything the numbers depend on, and
turn it into a markdown report with gnuplot plots, or into a tuning of the
copy dispatcher.

  command.py   the arguments, `bench` and `render`
  runner.py    running the benchmark binary, with progress
  hostinfo.py  the context: what the numbers depend on
  results.py   medians of the repetitions, the copy grid, the speedups
  checks.py    the verdicts the benchmarks present can decide
  plots.py     gnuplot plots and markdown tables
  report.py    the markdown report, one function per section
  tuning.py    `tune`: the dispatcher's thresholds from a sweep

The peers' section and the verdict rule stay beside the benchmark bodies
(bench/report_peers.py, bench/verdict.py, bench/peers/vmmemory.py).
"""
import os
import sys

from .. import ROOT

BIN = os.path.join(ROOT, "build", "bench", "bench", "vmbytes-bench")
REPORTS = os.path.join(ROOT, "reports", "bench")
TUNING = os.path.join(REPORTS, "tuning.conf")
SIZE_MAX = (1 << 64) - 1
# Defaults: --quick must stay within a few minutes on two cores; the full
# grid takes what it takes (see README).
DEFAULTS = {
    "quick": {"repetitions": 5, "min_time": 0.04},
    "full": {"repetitions": 3, "min_time": 0.05},
    "tune": {"repetitions": 7, "min_time": 0.04},
}

# bench/ (report_peers.py, verdict.py) and bench/peers/ (vmmemory.py).
for _d in (os.path.join(ROOT, "bench"), os.path.join(ROOT, "bench", "peers")):
    if _d not in sys.path:
        sys.path.insert(0, _d)


def atomic_write(path, text):
    """The tooling's atomic write (tools/vmbytes/files.py): a kill or a
    full disk leaves the old file or none, never a part. A failure is exit
    1 naming the file."""
    from .. import files
    try:
        files.atomic_write(path, text)
    except files.Failed as e:
        print(f"vmbytes bench: {e}", file=sys.stderr)
        sys.exit(1)

# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""vmbytes fuzz: continuous-fuzzing campaigns that lose nothing.

usage: python3 -m vmbytes.fuzz.command run [TARGET...] [--time T] [--engine libfuzzer|afl|both] [--jobs N] [--fresh]
       python3 -m vmbytes.fuzz.command prune|decode ...

Targets run in parallel within the time budget, one job per (target,
engine). Every few seconds a progress line shows execs/s, coverage, corpus
size and crashes. New corpus entries are merged back into corpus/<target>/
(libFuzzer's merge, into a private staging directory, keeps only inputs
that add coverage; each is then written under its SHA-1 name with a
temporary name, fsync and rename, and every name in corpus/<target>/ is
checked against its content). Crashes are replayed (a few times: one that
never reproduces is reported as flaky, with its logs, and is not a
finding), deduplicated by signature (the SPEC rule the oracle names, or the
top of the sanitizer's stack), minimized, and saved with their decoded op
script under reports/fuzz/crashes/; a crash directory counts only once its
`complete` marker, written last, exists. All state lives on disk and is
written as it changes (each job's phase: fuzzing, merging, done): killed at
any moment, even with kill -9, a campaign run again with the same arguments
resumes where it stood and redoes what was cut short. At the end it writes
reports/fuzz/summary.json and summary.md.

Failures to do the work exit 1 with a one-line reason: a missing engine
binary, an engine that did no work (0 execs), a failed merge, a full disk.
fuzz/chaos.py tests all of this by killing campaigns.

Stdlib only: it drives the fuzzers, it does not replace them.

  paths.py     where the campaign keeps its state, crashes and builds
  jobs.py      one engine fuzzing one target (Job), the engines it needs
  crashes.py   replaying, deduplicating, minimizing and saving crashes
  corpus.py    merging into corpus/<target>, and `fuzz prune`
  campaign.py  the campaign: jobs in parallel, progress, the summary
  command.py   the arguments, `fuzz decode`, and the entry point
"""
import ctypes
import signal

from .. import cliargs

REPLAY_TRIES = 3  # replays of a crash before it is called flaky
PROGRESS_EVERY = 5.0


def die_with_parent():
    """Children die with the campaign, even when it is killed with -9."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def die_usage(msg):
    cliargs.die("vmbytes fuzz", msg)

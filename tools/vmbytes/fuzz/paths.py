# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""Where a campaign keeps its state, crashes and summary (reports/fuzz
unless --reports says otherwise), and the builds it runs. Read as
paths.NAME at the time of use, so that set_reports() applies everywhere."""
import os

from .. import ROOT

REPORTS = os.path.join(ROOT, "reports", "fuzz")
WORK = os.path.join(REPORTS, "work")
CRASHES = os.path.join(REPORTS, "crashes")
FLAKY = os.path.join(REPORTS, "flaky")
STATE = os.path.join(WORK, "state.json")
LIBFUZZER_BUILD = os.path.join(ROOT, "build", "fuzz-asan", "fuzz")
AFL_BUILD = os.path.join(ROOT, "build", "fuzz-afl-laf", "fuzz")
DEV_BUILD = os.path.join(ROOT, "build", "dev", "fuzz")


def set_reports(directory):
    """--reports DIR: state, crashes and the summary go under @directory
    (flaky crashes stay under reports/fuzz/flaky, as before)."""
    global REPORTS, WORK, CRASHES, STATE
    REPORTS = os.path.abspath(directory)
    WORK = os.path.join(REPORTS, "work")
    CRASHES = os.path.join(REPORTS, "crashes")
    STATE = os.path.join(WORK, "state.json")

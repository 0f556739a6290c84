# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The lists CMake and the tooling share, each read from one text file:
the fuzz targets (fuzz/targets.txt: fuzz/CMakeLists.txt, fuzz/oss-fuzz/
build.sh) and the copy strategies one can force (core/src/copy/
strategies.txt: fuzz/CMakeLists.txt; core/src/copy.c's name table holds
the same names after "default")."""
import os

from . import ROOT

TARGETS_FILE = os.path.join(ROOT, "fuzz", "targets.txt")
STRATEGIES_FILE = os.path.join(ROOT, "core", "src", "copy", "strategies.txt")


def read_list(path):
    """The names in @path, one a line (its first word: strategies.txt may
    name an architecture after it); '#' starts a comment."""
    with open(path) as f:
        words = [line.split("#", 1)[0].split() for line in f]
    return [w[0] for w in words if w]


def read_targets(path=TARGETS_FILE):
    return read_list(path)


TARGETS = read_targets()
# The strategies VMB_COPY_STRATEGY can force; "default" (the dispatcher)
# is not one of them but heads every table of the bench report.
STRATEGIES = read_list(STRATEGIES_FILE)
STRATEGY_ORDER = ["default"] + STRATEGIES

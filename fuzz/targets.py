# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The fuzz targets, read from fuzz/targets.txt (the list CMake reads too)."""
import os

_LIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "targets.txt")


def read_targets(path=_LIST):
    with open(path) as f:
        names = [line.split("#", 1)[0].strip() for line in f]
    return [n for n in names if n]


TARGETS = read_targets()

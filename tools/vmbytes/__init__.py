# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The vmbytes tooling: one package behind ./vmbytes.

The bash driver only makes sure /usr/bin/python3 exists and runs
`python3 -m vmbytes COMMAND ARGS` (cli.py). The CLI parses the arguments
once, installs the Debian packages the command needs (host.py), builds
its presets, then runs it. Shared by every command: the argument checker
(cliargs.py), the lists of fuzz targets and copy strategies (lists.py,
from the text files CMake reads too), the atomic file write (files.py),
the reader of Google Benchmark JSON (benchjson.py), the reader of CTest's
JUnit results (ctest.py) and the sign test (signtest.py). The bench and
fuzz commands are the subpackages bench/ and fuzz/.
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""python3 -m vmbytes COMMAND [ARGS]: see cli.py."""
import sys

from .cli import main

sys.exit(main(sys.argv[1:]))

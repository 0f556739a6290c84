# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""CTest runs whose results are read from `ctest --output-junit` (a JUnit
XML file per run) instead of from its console output: `./vmbytes test`,
the gate's sanitizer stage and the mutation tester's unit-test kill check
all go through run()."""
import os
import signal
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections import namedtuple

# The outcome of one run: test names passed, failed and skipped (exit 77,
# or disabled), in CTest's order; @status ctest's exit status; @output
# what it printed (stdout and stderr); @error why there are no results
# (ctest did not write its JUnit file), else None.
Results = namedtuple("Results", "passed failed skipped status output error")


def read_junit(path):
    """(passed, failed, skipped) test names of the JUnit file @path."""
    passed, failed, skipped = [], [], []
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("name", "?")
        status = case.get("status", "")
        if case.find("failure") is not None or case.find("error") is not None or status == "fail":
            failed.append(name)
        elif case.find("skipped") is not None or status in ("notrun", "disabled"):
            skipped.append(name)
        else:
            passed.append(name)
    return passed, failed, skipped


def run(args, cwd=None, timeout=None, tee=None):
    """Run `ctest ARGS --output-junit FILE` and read FILE. With @tee (a
    text file object, such as sys.stdout) the output is copied there line
    by line as it comes (and @timeout does not apply); it is captured in
    Results.output either way. A timeout kills ctest and every test it
    started (they run in a session of their own, so a hung test dies
    too) and raises subprocess.TimeoutExpired."""
    with tempfile.TemporaryDirectory(prefix="vmb-ctest-") as tmp:
        junit = os.path.join(tmp, "results.xml")
        cmd = ["ctest"] + list(args) + ["--output-junit", junit]
        if tee is None:
            status, output = _run_session(cmd, cwd, timeout)
        else:
            status, output = _run_tee(cmd, cwd, tee)
        if not os.path.exists(junit):
            return Results([], [], [], status, output, "ctest wrote no JUnit results")
        try:
            passed, failed, skipped = read_junit(junit)
        except ET.ParseError as e:
            return Results([], [], [], status, output, f"unreadable JUnit results: {e}")
        return Results(passed, failed, skipped, status, output, None)


def _run_tee(cmd, cwd, tee):
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, errors="replace")
    out = []
    for line in p.stdout:  # live: every line as it comes
        tee.write(line)
        tee.flush()
        out.append(line)
    return p.wait(), "".join(out)


def _run_session(cmd, cwd, timeout):
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, errors="replace", start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        raise
    return p.returncode, out

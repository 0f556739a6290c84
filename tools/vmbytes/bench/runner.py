# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""Running vmbytes-bench: its environment, its list of benchmarks, a run
with a progress line every few seconds."""
import os
import shutil
import subprocess
import sys
import threading
import time

from .. import ROOT
from . import BIN, TUNING

PROGRESS_EVERY = 5.0  # seconds between progress lines


def bench_env(use_tuning):
    env = dict(os.environ)
    env.pop("VMB_COPY_STRATEGY", None)
    env.pop("VMB_COPY_TUNING", None)
    if use_tuning and os.path.exists(TUNING):
        env["VMB_COPY_TUNING"] = TUNING
    return env


def mode_flags(mode):
    return {"quick": ["--vmb-quick"], "tune": ["--vmb-tune"], "full": []}[mode]


def list_benchmarks(mode, flt, env):
    cmd = [BIN] + mode_flags(mode) + ["--benchmark_list_tests=true"]
    if flt:
        cmd.append(f"--benchmark_filter={flt}")
    # VMB_DIAG=1: the library's start-up report on stderr (it prints
    # nothing otherwise); its warnings (a tuning file made on another CPU,
    # a refused one) are the user's to see, once, here.
    out = subprocess.run(cmd, env=dict(env, VMB_DIAG="1"), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    for line in out.stderr.splitlines():
        if line.startswith("vmbytes: warning:"):
            print(line, file=sys.stderr)
    return [line.strip() for line in out.stdout.splitlines() if line.strip()]


def fmt_duration(s):
    s = int(round(s))
    if s >= 3600:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    if s >= 60:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s}s"


def run_benchmarks(label, mode, flt, reps, min_time, env, json_out, log_out):
    """Run the binary with console output to @log_out, printing a progress
    line every few seconds. Returns the wall time in seconds."""
    names = list_benchmarks(mode, flt, env)
    if not names:
        return None
    total = len(names) * reps
    cmd = [BIN] + mode_flags(mode) + [
        f"--benchmark_repetitions={reps}",
        f"--benchmark_min_time={min_time}",
        "--benchmark_enable_random_interleaving=true",
        f"--benchmark_out={json_out}",
        "--benchmark_out_format=json",
    ]
    if flt:
        cmd.append(f"--benchmark_filter={flt}")
    # Line-buffer the console so the log grows as results come (Google
    # Benchmark writes through C stdio, which stdbuf can set).
    if shutil.which("stdbuf"):
        cmd = ["stdbuf", "-oL"] + cmd
    print(f"vmbytes {label}: {len(names)} benchmarks x {reps} repetitions, "
          f"min time {min_time} s each, interleaved; console log: {os.path.relpath(log_out, ROOT)}",
          flush=True)
    # Progress: the shim writes a line per finished run of a body to a pipe
    # (name, iterations, seconds). A run that lasted min_time is a
    # repetition; shorter ones are Google Benchmark settling the iteration
    # count. Its console output cannot serve: with interleaving it prints a
    # benchmark only once all its repetitions ran.
    rfd, wfd = os.pipe()
    env = dict(env, VMB_BENCH_PROGRESS_FD=str(wfd))
    state = {"done": 0, "last": ""}
    lock = threading.Lock()

    def read_progress():
        with os.fdopen(rfd) as f:
            for line in f:
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 3:
                    continue
                with lock:
                    state["last"] = parts[0]
                    if float(parts[2]) >= min_time:
                        state["done"] = min(total, state["done"] + 1)

    start = time.monotonic()
    errors = []
    with open(log_out, "w") as log:
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, bufsize=1, pass_fds=(wfd,))
        os.close(wfd)
        reader = threading.Thread(target=read_progress, daemon=True)
        reader.start()
        stop = threading.Event()

        def report():
            while not stop.wait(PROGRESS_EVERY):
                with lock:
                    done, last = state["done"], state["last"]
                el = time.monotonic() - start
                eta = f"~{fmt_duration(el / done * (total - done))} left" if done else "starting"
                print(f"  [{done}/{total}] {100.0 * done / total:5.1f}%  "
                      f"{fmt_duration(el)} elapsed, {eta}  {last}", flush=True)

        ticker = threading.Thread(target=report, daemon=True)
        ticker.start()
        for line in p.stdout:
            log.write(line)
            if "ERROR OCCURRED" in line:
                errors.append(line.rstrip())
                print(f"  {line.rstrip()}", flush=True)
        rc = p.wait()
        stop.set()
        reader.join(timeout=5)
    done = total
    elapsed = time.monotonic() - start
    print(f"  [{done}/{total}] done in {fmt_duration(elapsed)}", flush=True)
    if rc != 0:
        print(f"vmbytes {label}: vmbytes-bench exited with {rc}; see {log_out}", file=sys.stderr)
        return -1
    return elapsed

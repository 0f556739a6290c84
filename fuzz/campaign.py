#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""vmbytes fuzz: continuous-fuzzing campaigns that lose nothing.

usage: campaign.py run [TARGET...] [--time T] [--engine libfuzzer|afl|both] [--jobs N] [--fresh]
       campaign.py decode FILE [--target T]

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
"""
import ctypes
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
from vmbytes import cliargs  # noqa: E402  # one argument checker for every tool
from vmbytes import lists as _targets  # the one list, fuzz/targets.txt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = _targets.TARGETS
REPORTS = os.path.join(ROOT, "reports", "fuzz")
WORK = os.path.join(REPORTS, "work")
CRASHES = os.path.join(REPORTS, "crashes")
FLAKY = os.path.join(REPORTS, "flaky")
STATE = os.path.join(WORK, "state.json")
LIBFUZZER_BUILD = os.path.join(ROOT, "build", "fuzz-asan", "fuzz")
AFL_BUILD = os.path.join(ROOT, "build", "fuzz-afl-laf", "fuzz")
DEV_BUILD = os.path.join(ROOT, "build", "dev", "fuzz")
PROGRESS_EVERY = 5.0
REPLAY_TRIES = 3  # replays of a crash before it is called flaky


class Failed(Exception):
    """The work could not be done; the message is the one-line reason."""


def rel(path):
    return os.path.relpath(path, ROOT) if path.startswith(ROOT + os.sep) else path


def temp_name(path):
    """The temporary name @path is written under: hidden, ends in .tmp."""
    return os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}.tmp")


def is_temp(name):
    return name.endswith(".tmp")


def fsync_dir(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path, data):
    """Write @data (bytes or str) to @path: a kill leaves the old file or the new, never a
    part, and a full disk raises Failed naming the file (no temporary file left)."""
    if isinstance(data, str):
        data = data.encode()
    tmp = temp_name(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        fsync_dir(os.path.dirname(path))
    except OSError as e:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise Failed(f"cannot write {rel(path)}: {e.strerror}") from None


def sha1_of(path):
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


def remove_temps(top, hidden_only=False):
    """Remove the temporary files a kill left under @top."""
    for dirpath, _dirs, files in os.walk(top):
        for n in files:
            if is_temp(n) and (n.startswith(".") or not hidden_only):
                try:
                    os.remove(os.path.join(dirpath, n))
                except OSError:
                    pass


def die_usage(msg):
    cliargs.die("vmbytes fuzz", msg)


# One parser for --time everywhere (ci/run.py uses it too): 10 s to 30 days.
parse_time = cliargs.campaign_time


def write_json(path, data):
    """Atomic: a kill between the write and the rename leaves the old file."""
    atomic_write(path, json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n")


def die_with_parent():
    """Children die with the campaign, even when it is killed with -9."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def human(n):
    return f"{n / 1000:.1f}k" if n >= 1000 else f"{n:.0f}"


# ---- crashes -----------------------------------------------------------------

def crash_signature(stderr, status=None):
    """The oracle's rule and op, or the sanitizer's kind and top frames."""
    m = re.search(r"SPEC rule (\S+) violated", stderr)
    if m:
        op = re.search(r"^op:\s+(\S+)", stderr, re.M)
        return f"rule {m.group(1)}" + (f" in {op.group(1)}" if op else "")
    m = re.search(r"SUMMARY: (\w+Sanitizer): (\S+)", stderr)
    if m:
        frames = re.findall(r"#\d+ 0x[0-9a-f]+ in (\S+)", stderr)
        frames = [f for f in frames if not f.startswith(("__", "abort", "raise"))][:3]
        return f"{m.group(1)} {m.group(2)} in {' < '.join(frames)}"
    if "timeout" in stderr.lower():
        return "timeout"
    return f"exit status {status} without a sanitizer report"


def replay_crash(replay, path):
    """Replay @path up to REPLAY_TRIES times; (reproduced, stderr, [per-try notes])."""
    notes = []
    for attempt in range(1, REPLAY_TRIES + 1):
        try:
            run = subprocess.run([replay, path], capture_output=True, text=True, timeout=60,
                                 errors="replace", preexec_fn=die_with_parent)
        except subprocess.TimeoutExpired:
            return True, "timeout", notes + [f"replay {attempt}: timed out after 60 s"]
        notes.append(f"replay {attempt}: exit status {run.returncode}\n{run.stderr}")
        if run.returncode != 0:
            return True, run.stderr, notes
    return False, "", notes


def engine_log_excerpt(log, name):
    """The part of the engine's log that reported the crash file @name (or its tail)."""
    try:
        with open(log, "rb") as f:
            f.seek(max(0, os.path.getsize(log) - (1 << 20)))
            lines = f.read().decode(errors="replace").splitlines()
    except OSError:
        return "(no engine log)"
    at = [i for i, l in enumerate(lines) if name in l]
    end = at[-1] + 1 if at else len(lines)
    return "\n".join(lines[max(0, end - 150):end])


def process_crash(target, path, index, engine_log):
    """Reproduce, deduplicate, minimize and decode one crashing input.

    Returns ("new", signature) for a crash whose signature is new, ("flaky", dir) for one
    that did not reproduce, None otherwise. Idempotent: an input counts once its results
    are complete on disk and in the index, so a kill anywhere in here only makes the next
    run do it again."""
    with open(path, "rb") as f:
        data = f.read()
    digest = hashlib.sha1(data).hexdigest()
    flaky = index.setdefault("flaky", {})
    if digest in index["inputs"] or digest in flaky:
        return None
    replay = os.path.join(LIBFUZZER_BUILD, f"fuzz_{target}_replay")
    reproduced, stderr, notes = replay_crash(replay, path)
    if not reproduced:
        fdir = os.path.join(FLAKY, target, digest[:16])
        os.makedirs(fdir, exist_ok=True)
        atomic_write(os.path.join(fdir, f"crash-{digest}"), data)
        log = os.path.join(fdir, "log.txt")
        atomic_write(log, f"target: {target}\ninput: {rel(path)}\n"
                     f"the engine reported a crash; replay did not reproduce it in "
                     f"{REPLAY_TRIES} runs\n\n== replays ==\n" + "\n".join(notes)
                     + f"\n\n== the engine's log ({rel(engine_log)}) ==\n"
                     + engine_log_excerpt(engine_log, os.path.basename(path)) + "\n")
        flaky[digest] = {"target": target, "dir": rel(fdir), "log": rel(log),
                         "replays": REPLAY_TRIES}
        write_json(os.path.join(CRASHES, "index.json"), index)
        return ("flaky", rel(fdir))
    status = re.findall(r"exit status (-?\d+)", notes[-1]) if notes else []
    sig = crash_signature(stderr, status[0] if status else None)
    sig_id = hashlib.sha1(f"{target}:{sig}".encode()).hexdigest()[:10]
    cdir = os.path.join(CRASHES, target, sig_id)
    os.makedirs(cdir, exist_ok=True)
    atomic_write(os.path.join(cdir, f"crash-{digest}"), data)
    complete = os.path.join(cdir, "complete")
    if not os.path.exists(complete):
        # First of its kind, or a kill cut its processing short: (re)do it all.
        minimized = os.path.join(cdir, "minimized")
        scratch = os.path.join(cdir, ".minimizing.tmp")
        for name in ("minimized", "decoded.ops", "report.txt", ".minimizing.tmp"):
            if os.path.exists(os.path.join(cdir, name)):
                os.remove(os.path.join(cdir, name))
        fuzzer = os.path.join(LIBFUZZER_BUILD, f"fuzz_{target}")
        try:
            # Its intermediate artifacts go to the crash's folder, not the caller's.
            subprocess.run([fuzzer, "-minimize_crash=1", "-runs=20000", "-max_total_time=60",
                            f"-artifact_prefix={cdir}/", f"-exact_artifact_path={scratch}", path],
                           capture_output=True, timeout=120, cwd=cdir, preexec_fn=die_with_parent)
        except subprocess.TimeoutExpired:
            pass
        for name in os.listdir(cdir):
            if name.startswith("minimized-from-"):
                os.remove(os.path.join(cdir, name))
        small = data
        if os.path.exists(scratch):
            with open(scratch, "rb") as f:
                small = f.read() or data
            os.remove(scratch)
        atomic_write(minimized, small)
        decoded = subprocess.run([replay, "-decode", minimized], capture_output=True, text=True,
                                 errors="replace", preexec_fn=die_with_parent)
        text = decoded.stdout
        if decoded.returncode != 0:
            text += f"# decoding failed (exit status {decoded.returncode}): {decoded.stderr[-500:]}\n"
        atomic_write(os.path.join(cdir, "decoded.ops"), text)
        atomic_write(os.path.join(cdir, "report.txt"), f"target: {target}\nsignature: {sig}\n\n"
                     + "\n".join(notes) + "\n")
        atomic_write(complete, f"{sig}\n")  # last: the directory is complete
    new = sig_id not in index["signatures"]
    index["inputs"][digest] = sig_id
    entry = index["signatures"].setdefault(sig_id, {"target": target, "signature": sig,
                                                    "count": 0, "dir": rel(cdir)})
    entry["count"] += 1
    write_json(os.path.join(CRASHES, "index.json"), index)
    return ("new", sig) if new else None


def load_crash_index():
    path = os.path.join(CRASHES, "index.json")
    if os.path.exists(path):
        with open(path) as f:
            index = json.load(f)
    else:
        index = {"inputs": {}, "signatures": {}}
    index.setdefault("flaky", {})
    return index


# ---- jobs --------------------------------------------------------------------

class Job:
    def __init__(self, target, engine, budget, state):
        self.target, self.engine, self.budget = target, engine, budget
        self.key = f"{target}/{engine}"
        self.state = state.setdefault(self.key, {"budget": budget, "elapsed": 0.0,
                                                 "phase": "fuzzing", "execs": 0, "restarts": 0})
        if "phase" not in self.state:  # a state.json from before the phases
            self.state["phase"] = "done" if self.state.get("done") else "fuzzing"
        self.state.pop("done", None)
        if self.state["phase"] == "failed":  # run again: try again
            self.state["phase"] = "fuzzing"
            self.state.pop("error", None)
        self.work = os.path.join(WORK, target, engine)
        self.log = os.path.join(self.work, f"{engine}.log")
        self.proc = None
        self.started = None
        self.stats = {"execs_per_sec": 0, "coverage": 0, "corpus": 0, "execs": 0}
        self.seen_crashes = set()

    def remaining(self):
        return max(0.0, self.state["budget"] - self.state["elapsed"])

    def total_execs(self):
        return self.state["execs"] + (self.stats["execs"] if self.proc else 0)

    def crash_dir(self):
        if self.engine == "libfuzzer":
            return os.path.join(self.work, "crashes")
        return os.path.join(self.work, "afl", "default", "crashes")

    def corpus_dirs(self):
        if self.engine == "libfuzzer":
            return [os.path.join(self.work, "corpus")]
        return [os.path.join(self.work, "afl", "default", "queue")]

    def _fix_work_corpus(self):
        """libFuzzer names its corpus files by content but writes them in place: a kill
        can leave one cut short. Give such a file the name of what it holds."""
        d = os.path.join(self.work, "corpus")
        for n in os.listdir(d):
            p = os.path.join(d, n)
            if not os.path.isfile(p):
                continue
            h = sha1_of(p)
            if h != n:
                os.replace(p, os.path.join(d, h))

    def start(self):
        os.makedirs(self.work, exist_ok=True)
        seeds = os.path.join(ROOT, "corpus", self.target)
        dictionary = os.path.join(ROOT, "fuzz", "dict", f"{self.target}.dict")
        secs = max(1, int(self.remaining()))
        env = dict(os.environ)
        self.log_offset = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        self.afl_base = 0
        if self.engine == "libfuzzer":
            corpus = os.path.join(self.work, "corpus")
            os.makedirs(corpus, exist_ok=True)
            os.makedirs(self.crash_dir(), exist_ok=True)
            self._fix_work_corpus()
            cmd = [os.path.join(LIBFUZZER_BUILD, f"fuzz_{self.target}"),
                   f"-max_total_time={secs}", "-print_final_stats=1", "-timeout=10",
                   "-rss_limit_mb=2048", "-max_len=4096", f"-dict={dictionary}",
                   f"-artifact_prefix={self.crash_dir()}/", corpus]
            if os.path.isdir(seeds):
                cmd.append(seeds)
        else:
            env.update({"AFL_SKIP_CPUFREQ": "1", "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES": "1",
                        "AFL_NO_AFFINITY": "1", "AFL_NO_UI": "1", "AFL_AUTORESUME": "1",
                        "AFL_ALLOW_TMP": "1", "AFL_SKIP_BIN_CHECK": "0"})
            seed_dir = seeds if os.path.isdir(seeds) and os.listdir(seeds) else self._dummy_seed()
            cmd = ["afl-fuzz", "-i", seed_dir, "-o", os.path.join(self.work, "afl"), "-V",
                   str(secs), "-m", "none", "-t", "2000+", "-x", dictionary, "--",
                   os.path.join(AFL_BUILD, f"fuzz_{self.target}_afl")]
            # AFL++ carries execs_done over when it resumes: count this run's from here.
            self.afl_base = self._afl_read().get("execs_done", 0)
        self.crashes_at_start = set(self.crashes())
        self.stats = {"execs_per_sec": 0, "coverage": 0, "corpus": 0, "execs": 0}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=env,
                                         preexec_fn=die_with_parent, cwd=self.work)
        self.started = time.time()
        self.tick_base = self.state["elapsed"]

    def _dummy_seed(self):
        d = os.path.join(self.work, "seed")
        os.makedirs(d, exist_ok=True)
        atomic_write(os.path.join(d, "zero"), b"\0" * 16)
        return d

    def poll(self):
        """Refresh the stats and the elapsed time; True while running."""
        if self.proc is None:
            return False
        self.state["elapsed"] = self.tick_base + (time.time() - self.started)
        if self.engine == "libfuzzer":
            self._libfuzzer_stats()
        else:
            self._afl_stats()
        return self.proc.poll() is None

    def run_log(self):
        """What the engine logged in its current (or last) run, at most the last 64 KiB."""
        try:
            with open(self.log, "rb") as f:
                f.seek(max(self.log_offset, os.path.getsize(self.log) - 65536))
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def _libfuzzer_stats(self):
        tail = self.run_log()
        lines = re.findall(r"#(\d+)\s+\w+\s+cov: (\d+) ft: \d+ corp: (\d+)/\S+.*?exec/s: (\d+)", tail)
        if lines:
            execs, cov, corp, eps = lines[-1]
            self.stats.update(execs=int(execs), coverage=int(cov), corpus=int(corp),
                              execs_per_sec=int(eps))
        m = re.findall(r"stat::number_of_executed_units:\s+(\d+)", tail)
        if m:
            self.stats["execs"] = int(m[-1])
        m = re.findall(r"stat::average_exec_per_sec:\s+(\d+)", tail)
        if m:
            self.stats["execs_per_sec"] = int(m[-1])

    def _afl_read(self):
        path = os.path.join(self.work, "afl", "default", "fuzzer_stats")
        try:
            with open(path) as f:
                kv = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            return {}
        kv = {k.strip(): v.strip() for k, v in kv.items()}
        for k in ("execs_done", "run_time", "corpus_count"):
            try:
                kv[k] = int(kv.get(k, 0))
            except ValueError:
                kv[k] = 0
        return kv

    def _afl_stats(self):
        kv = self._afl_read()
        if not kv:
            return
        execs, run_time = max(0, kv["execs_done"] - self.afl_base), kv["run_time"]
        # AFL refreshes its own rate slowly and oddly early on: use the totals.
        # A run that spent its time on the seeds' dry run reports run_time 0
        # with thousands of execs: then the rate is over this run's wall time.
        if run_time:
            rate = kv["execs_done"] / run_time
        else:
            wall = time.time() - self.started if self.started else 0
            rate = execs / wall if wall > 0 else 0
        self.stats.update(execs=execs, execs_per_sec=rate,
                          coverage=kv.get("bitmap_cvg", "0%"), corpus=kv["corpus_count"])

    def end_run(self):
        """Account for the run that just ended; the reason it did no work, or None."""
        self.poll()
        self.state["execs"] += self.stats["execs"]
        did_nothing = self.stats["execs"] == 0 and not set(self.crashes()) - self.crashes_at_start
        self.proc = None
        if not did_nothing:
            return None
        plain = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", self.run_log())  # AFL++ colours
        lines = [l.strip() for l in plain.splitlines() if l.strip()]
        why = next((l for l in reversed(lines) if re.search(r"error|not found|abort|fail", l, re.I)),
                   lines[-1] if lines else "it printed nothing")
        return f"the engine did no work (0 execs, exit status {self.last_status}): {why[:200]}"

    def crashes(self):
        d = self.crash_dir()
        if not os.path.isdir(d):
            return []
        return sorted(os.path.join(d, n) for n in os.listdir(d)
                      if not n.startswith(".") and n != "README.txt")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def engine_binaries(targets, engines):
    """Every program the campaign will run, as (path or name, what builds it)."""
    need = []
    for t in targets:
        # Merging and crash processing use the libFuzzer build whatever the engine.
        need += [(os.path.join(LIBFUZZER_BUILD, f"fuzz_{t}"), "preset fuzz-asan"),
                 (os.path.join(LIBFUZZER_BUILD, f"fuzz_{t}_replay"), "preset fuzz-asan")]
        if "afl" in engines:
            need.append((os.path.join(AFL_BUILD, f"fuzz_{t}_afl"), "preset fuzz-afl-laf"))
    if "afl" in engines:
        need.insert(0, ("afl-fuzz", "Debian package afl++"))
    return need


def check_engines(targets, engines):
    for prog, source in engine_binaries(targets, engines):
        found = shutil.which(prog) if os.sep not in prog else prog
        if not found or not os.path.isfile(found) or not os.access(found, os.X_OK):
            raise Failed(f"missing engine binary {rel(prog)} ({source} provides it; "
                         "./vmbytes fuzz builds it)")


def merge_corpus(job, save):
    """Add to corpus/<target> what @job found that adds coverage; the number added.

    libFuzzer merges into a staging directory that holds links to the corpus, so it
    writes only the new inputs, and only there. Each is checked (its name is the SHA-1
    of its content) and written into corpus/<target> atomically. The list of new inputs
    is saved in the job's state before the first is written, so a run that resumes a
    cut-short merge knows what it added; a merge killed earlier is redone."""
    dest = os.path.join(ROOT, "corpus", job.target)
    os.makedirs(dest, exist_ok=True)
    remove_temps(dest, hidden_only=True)
    staging = os.path.join(job.work, "merge")
    if "merge_new" not in job.state:
        shutil.rmtree(staging, ignore_errors=True)
        os.makedirs(staging)
        for n in os.listdir(dest):
            if not is_temp(n):
                os.symlink(os.path.join(dest, n), os.path.join(staging, n))
        dirs = [d for d in job.corpus_dirs() if os.path.isdir(d) and os.listdir(d)]
        if dirs:
            control = os.path.join(job.work, "merge.control")
            if os.path.exists(control):
                os.remove(control)
            fuzzer = os.path.join(LIBFUZZER_BUILD, f"fuzz_{job.target}")
            r = subprocess.run([fuzzer, "-merge=1", f"-merge_control_file={control}",
                                "-max_len=4096", staging] + dirs, capture_output=True,
                               preexec_fn=die_with_parent)
            if os.path.exists(control):
                os.remove(control)
            if r.returncode != 0:
                last = (r.stderr.decode(errors="replace").strip().splitlines() or [""])[-1]
                raise Failed(f"{job.key}: the merge failed (exit status {r.returncode}): {last[:200]}")
        new = sorted(n for n in os.listdir(staging) if not os.path.islink(os.path.join(staging, n)))
        for n in new:
            if sha1_of(os.path.join(staging, n)) != n:
                raise Failed(f"{job.key}: the merge wrote {rel(os.path.join(staging, n))}, whose "
                             "content does not match its name (is the disk full?)")
        job.state["merge_new"] = new
        save()
    for n in job.state["merge_new"]:
        out = os.path.join(dest, n)
        if os.path.exists(out) and sha1_of(out) == n:
            continue  # written before a kill
        src = os.path.join(staging, n)
        with open(src, "rb") as f:
            data = f.read()
        if hashlib.sha1(data).hexdigest() != n:
            raise Failed(f"{job.key}: {rel(src)} changed before it was merged")
        atomic_write(out, data)
    bad = [n for n in os.listdir(dest) if not is_temp(n) and sha1_of(os.path.join(dest, n)) != n]
    if bad:
        raise Failed(f"corpus/{job.target}/{bad[0]} is not named by the SHA-1 of its content "
                     f"({len(bad)} such files)")
    added = len(job.state.pop("merge_new"))
    shutil.rmtree(staging, ignore_errors=True)
    return added


# ---- the campaign ------------------------------------------------------------

def summary(jobs, state, index, total, finished):
    by_target = {}
    for j in jobs:
        s = state["jobs"][j.key]
        by_target.setdefault(j.target, {})[j.engine] = {
            "execs": j.total_execs(), "execs_per_sec": j.stats["execs_per_sec"],
            "coverage": j.stats["coverage"], "corpus": j.stats["corpus"],
            "seconds": round(s["elapsed"], 1), "restarts": s["restarts"],
            "merged": s.get("merged", 0), "phase": s["phase"]}
        if s.get("error"):
            by_target[j.target][j.engine]["error"] = s["error"]
    crashes = [dict(v, id=k) for k, v in sorted(index["signatures"].items())]
    flaky = [dict(v, input=k) for k, v in sorted(index.get("flaky", {}).items())]
    sizes = {}
    for t in by_target:
        d = os.path.join(ROOT, "corpus", t)
        if os.path.isdir(d):
            sizes[t] = sum(1 for n in os.listdir(d) if not is_temp(n))
    data = {"finished": finished, "budget_seconds": total, "targets": by_target,
            "corpus_sizes": sizes, "crashes": crashes, "flaky": flaky}
    write_json(os.path.join(REPORTS, "summary.json"), data)
    lines = ["# Fuzz campaign", "",
             f"Budget {total:.0f} s; {'finished' if finished else 'not finished (run again to resume)'}.",
             "", "| target | engine | execs | execs/s | coverage | corpus | merged | seconds |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for t, engines in sorted(by_target.items()):
        for e, r in sorted(engines.items()):
            lines.append(f"| {t} | {e} | {r['execs']} | {r['execs_per_sec']:.0f} | {r['coverage']} "
                         f"| {r['corpus']} | {r['merged']} | {r['seconds']:.0f} |")
    failed = [(f"{t}/{e}", r["error"]) for t, es in sorted(by_target.items())
              for e, r in sorted(es.items()) if r.get("error")]
    if failed:
        lines += ["", f"## Failed jobs: {len(failed)}", ""]
        lines += [f"- `{k}`: {why}" for k, why in failed]
    lines += ["", f"## Crashes: {len(crashes)} unique", ""]
    for c in crashes:
        ops = os.path.join(ROOT, c["dir"], "decoded.ops")
        where = f"`{c['dir']}/decoded.ops`" if os.path.exists(ops) else f"`{c['dir']}` (no decoded.ops)"
        lines.append(f"- `{c['target']}`: {c['signature']} ({c['count']} inputs) — {where}")
        if os.path.exists(ops):
            with open(ops) as f:
                text = f.read()
            lines += ["", "```", text[:3000].rstrip(), "```", ""]
    lines += ["", f"## Flaky: {len(flaky)} (the engine reported a crash that replay did not "
              f"reproduce in {REPLAY_TRIES} runs; not counted as crashes)", ""]
    for c in flaky:
        lines.append(f"- `{c['target']}`: input `{c['dir']}/crash-{c['input']}`, log `{c['log']}`")
    atomic_write(os.path.join(REPORTS, "summary.md"), "\n".join(lines) + "\n")
    return data


def progress_line(jobs, state, t0, total):
    running = [j for j in jobs if j.proc and j.proc.poll() is None]
    spent = sum(s["elapsed"] for s in state["jobs"].values())
    budget = sum(s["budget"] for s in state["jobs"].values())
    parts = []
    for j in running:
        cov = j.stats["coverage"]
        parts.append(f"{j.key} {human(j.stats['execs_per_sec'])}/s cov {cov} "
                     f"corp {j.stats['corpus']} crashes {len(j.seen_crashes)}")
    done = sum(1 for s in state["jobs"].values() if s["phase"] == "done")
    pct = 100.0 * min(spent, budget) / budget if budget else 100.0
    idle = ("merging" if any(s["phase"] == "merging" for s in state["jobs"].values())
            else "no engine running")
    return (f"[{time.time() - t0:5.0f}s {pct:3.0f}% {done}/{len(state['jobs'])} jobs] "
            + (" | ".join(parts) if parts else idle))


def handle_crashes(j, index):
    for c in j.crashes():
        if c in j.seen_crashes:
            continue
        j.seen_crashes.add(c)
        m = re.fullmatch(r"[a-z-]+-([0-9a-f]{40})", os.path.basename(c))
        if j.engine == "libfuzzer" and m and sha1_of(c) != m.group(1):
            # libFuzzer names an artifact by its content and writes it in place.
            print(f"vmbytes fuzz: {j.key}: {rel(c)} was cut short (a kill while libFuzzer wrote "
                  "it: its content is not its SHA-1); skipped", flush=True)
            continue
        res = process_crash(j.target, c, index, j.log)
        if res and res[0] == "new":
            print(f"vmbytes fuzz: NEW CRASH in {j.key}: {res[1]}", flush=True)
        elif res:
            print(f"vmbytes fuzz: FLAKY crash in {j.key}: replay did not reproduce it "
                  f"{REPLAY_TRIES} times; logged in {res[1]}", flush=True)


def run(args):
    running = []
    try:
        return _run(args, running)
    except Failed as e:
        reason = str(e)
    except OSError as e:
        reason = (f"{rel(e.filename)}: " if e.filename else "") + (e.strerror or str(e))
    for j in running:
        if j.proc:
            j.proc.kill()
            j.proc.wait()
    print(f"vmbytes fuzz: {reason}", file=sys.stderr, flush=True)
    return 1


def _run(args, running):
    targets = args.targets or TARGETS
    for t in targets:
        if t not in TARGETS:
            die_usage(f"unknown target '{t}' (one of: {' '.join(TARGETS)})")
    engines = ["libfuzzer", "afl"] if args.engine == "both" else [args.engine]
    check_engines(targets, engines)
    config = {"targets": targets, "engines": engines, "time": args.time, "jobs": args.jobs}
    os.makedirs(WORK, exist_ok=True)
    os.makedirs(CRASHES, exist_ok=True)
    remove_temps(REPORTS)
    state = None
    if os.path.exists(STATE) and not args.fresh:
        with open(STATE) as f:
            old = json.load(f)
        if old.get("config") == config and not old.get("finished"):
            state = old
            print(f"vmbytes fuzz: resuming the campaign in {rel(WORK)}")
    if state is None:
        state = {"config": config, "jobs": {}, "finished": False}
    njobs = len(targets) * len(engines)
    per_job = max(10.0, args.time * args.jobs / njobs)
    jobs = [Job(t, e, per_job, state["jobs"]) for e in engines for t in targets]
    index = load_crash_index()

    def save():
        write_json(STATE, state)

    save()
    t0 = time.time()
    interrupted = []

    def on_signal(signum, _frame):
        interrupted.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(f"vmbytes fuzz: {njobs} jobs ({', '.join(engines)} x {len(targets)} targets), "
          f"{per_job:.0f} s each, {args.jobs} at a time", flush=True)
    # Crashes a kill left unprocessed, of jobs done or not.
    for j in jobs:
        handle_crashes(j, index)

    def finish(j):
        """Fuzzing is over for @j: process its crashes, merge, mark it done."""
        handle_crashes(j, index)
        if j.state["phase"] == "fuzzing":
            j.state["phase"] = "merging"
            save()
        if args.no_merge:
            j.state["merged"] = 0
        else:
            j.state["merged"] = merge_corpus(j, save)
            print(f"vmbytes fuzz: {j.key}: merged {j.state['merged']} new inputs into "
                  f"corpus/{j.target} (each checked against its SHA-1 name)", flush=True)
        j.state["phase"] = "done"
        save()

    pending = [j for j in jobs if j.state["phase"] != "done"]
    last = 0.0
    while (pending or running) and not interrupted:
        while pending and len(running) < args.jobs and not interrupted:
            j = pending.pop(0)
            if j.state["phase"] == "fuzzing" and j.remaining() > 0:
                j.start()
                running.append(j)
            else:
                finish(j)
        time.sleep(0.5)
        for j in list(running):
            alive = j.poll()
            handle_crashes(j, index)
            if alive and j.state["elapsed"] > j.state["budget"] + 30:
                j.stop()  # the engine overran its budget; it will be merged now
                alive = False
            if alive:
                continue
            j.last_status = j.proc.wait()
            why = j.end_run()
            if why:
                running.remove(j)
                j.state["phase"], j.state["error"] = "failed", why
                print(f"vmbytes fuzz: {j.key}: {why}", flush=True)
                save()
                continue
            if j.remaining() > 5 and j.state["restarts"] < 50:
                # It stopped early (a crash stops libFuzzer): go on with the time left.
                j.state["restarts"] += 1
                j.start()
                continue
            running.remove(j)
            j.state["elapsed"] = max(j.state["elapsed"], j.state["budget"])
            finish(j)
        if time.time() - last >= PROGRESS_EVERY:
            last = time.time()
            print(progress_line(jobs, state, t0, args.time), flush=True)
            save()
    for j in running:
        j.stop()
        j.poll()
        if j.proc:
            j.state["execs"] += j.stats["execs"]
            j.proc = None
    running.clear()
    failed = [j for j in jobs if j.state["phase"] == "failed"]
    finished = not interrupted and all(j.state["phase"] == "done" for j in jobs)
    state["finished"] = finished
    save()
    data = summary(jobs, state, index, args.time, finished)
    flaky = f", {len(data['flaky'])} flaky (not counted)" if data["flaky"] else ""
    print(f"vmbytes fuzz: summary in {rel(REPORTS)}/summary.md; "
          f"{len(data['crashes'])} unique crashes{flaky}")
    if interrupted:
        print("vmbytes fuzz: interrupted; run the same command again to resume")
        return 130
    if failed:
        for j in failed:
            print(f"vmbytes fuzz: {j.key}: {j.state['error']}", file=sys.stderr)
        return 1
    return 1 if data["crashes"] else 0


def prune(args):
    """Minimize corpus/<target> in place: keep only inputs that add coverage."""
    targets = args.targets or TARGETS
    status = 0
    for t in targets:
        src = os.path.join(ROOT, "corpus", t)
        old = src + ".old"
        if not os.path.isdir(src) and os.path.isdir(old):
            os.rename(old, src)  # a kill in the swap below: the unpruned set comes back
            print(f"vmbytes fuzz prune: {t}: restored corpus/{t} from an interrupted prune")
        if not os.path.isdir(src):
            continue
        tmp = src + ".pruning"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        fuzzer = os.path.join(LIBFUZZER_BUILD, f"fuzz_{t}")
        rc = subprocess.run([fuzzer, "-merge=1", "-max_len=4096", tmp, src],
                            capture_output=True).returncode
        kept = len(os.listdir(tmp))
        misnamed = [n for n in os.listdir(tmp) if sha1_of(os.path.join(tmp, n)) != n]
        if misnamed:
            shutil.rmtree(tmp)
            print(f"vmbytes fuzz prune: {t}: the merge wrote {len(misnamed)} files whose content "
                  "is not their SHA-1 name (disk full?); corpus left as it was")
            status = 1
            continue
        if rc != 0 or kept == 0:
            shutil.rmtree(tmp)
            print(f"vmbytes fuzz prune: {t}: merge failed (exit status {rc}), corpus left as it was")
            status = 1
            continue
        for n in os.listdir(tmp):  # libFuzzer does not fsync what it writes
            fd = os.open(os.path.join(tmp, n), os.O_RDONLY)
            os.fsync(fd)
            os.close(fd)
        fsync_dir(tmp)
        before = len(os.listdir(src))
        # Swap in the pruned set; a kill in between leaves the old set (restored above).
        shutil.rmtree(old, ignore_errors=True)
        os.rename(src, old)
        os.rename(tmp, src)
        shutil.rmtree(old)
        print(f"vmbytes fuzz prune: {t}: {before} -> {kept} inputs")
    return status


def decode(args):
    target = args.target
    if target is None:
        parts = os.path.abspath(args.file).split(os.sep)
        for p in reversed(parts[:-1]):
            if p in TARGETS:
                target = p
                break
    if target not in TARGETS:
        die_usage("cannot tell the target from the path: pass --target "
                  f"(one of: {' '.join(TARGETS)})")
    if not os.path.isfile(args.file):
        die_usage(f"no such file '{args.file}'")
    replay = os.path.join(DEV_BUILD, f"fuzz_{target}_replay")
    return subprocess.run([replay, "-decode", args.file]).returncode


def parse_args(argv=None):
    p = cliargs.Parser(prog="vmbytes fuzz", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    target = cliargs.choice(TARGETS, "target")
    r = sub.add_parser("run", help="run a campaign")
    r.add_argument("targets", nargs="*", metavar="TARGET", type=target)
    r.add_argument("--time", type=parse_time, default=600.0, help="total budget (default 10m)")
    r.add_argument("--engine", type=cliargs.choice(["libfuzzer", "afl", "both"], "engine"),
                   default="both", help="libfuzzer, afl or both")
    r.add_argument("--jobs", type=cliargs.integer(1, cliargs.MAX_JOBS), default=os.cpu_count() or 1)
    r.add_argument("--fresh", action="store_true", help="ignore a campaign left unfinished")
    r.add_argument("--reports", metavar="DIR", type=cliargs.nonempty("directory"),
                   help="where state, crashes and the summary go (default reports/fuzz)")
    r.add_argument("--no-merge", action="store_true",
                   help="leave corpus/ alone (a smoke run, as the gate does)")
    pr = sub.add_parser("prune", help="minimize corpus/<target> in place")
    pr.add_argument("targets", nargs="*", metavar="TARGET", type=target)
    d = sub.add_parser("decode", help="print an input as an op script")
    d.add_argument("file", metavar="FILE")
    d.add_argument("--target", type=target)
    args = p.parse_args(argv)
    if args.cmd == "decode":
        if args.file == "":
            die_usage("empty FILE")
        if not os.path.isfile(args.file):
            die_usage(f"FILE '{args.file}' is not a file")
    return args


def execute(args):
    if args.cmd == "run":
        if args.reports:
            global REPORTS, WORK, CRASHES, STATE
            REPORTS = os.path.abspath(args.reports)
            WORK = os.path.join(REPORTS, "work")
            CRASHES = os.path.join(REPORTS, "crashes")
            STATE = os.path.join(WORK, "state.json")
        return run(args)
    if args.cmd == "prune":
        return prune(args)
    return decode(args)


def main(argv=None):
    return execute(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""One job: one engine fuzzing one target within its budget, its state on
disk, its statistics and crashes; and the engine binaries jobs need."""
import os
import re
import shutil
import signal
import subprocess
import time

from .. import ROOT
from ..files import Failed, atomic_write, rel, sha1_of
from . import die_with_parent, paths



def afl_map_size(binary):
    """The coverage map size an AFL++ binary needs (AFL_DUMP_MAP_SIZE=1 makes it
    print the number and exit), or None when it fits AFL++'s default of 64 KiB
    or cannot say. Past the default, afl-fuzz refuses to start unless
    AFL_MAP_SIZE covers it: with laf-intel the args target reached 65542."""
    try:
        out = subprocess.run([binary], env=dict(os.environ, AFL_DUMP_MAP_SIZE="1"),
                             stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             timeout=30).stdout.split()
        size = int(out[-1]) if out else 0
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None
    return size if size > 65536 else None

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
        self.work = os.path.join(paths.WORK, target, engine)
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
            cmd = [os.path.join(paths.LIBFUZZER_BUILD, f"fuzz_{self.target}"),
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
            binary = os.path.join(paths.AFL_BUILD, f"fuzz_{self.target}_afl")
            size = afl_map_size(binary)
            if size:
                env["AFL_MAP_SIZE"] = str(size)
            cmd = ["afl-fuzz", "-i", seed_dir, "-o", os.path.join(self.work, "afl"), "-V",
                   str(secs), "-m", "none", "-t", "2000+", "-x", dictionary, "--", binary]
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
        need += [(os.path.join(paths.LIBFUZZER_BUILD, f"fuzz_{t}"), "preset fuzz-asan"),
                 (os.path.join(paths.LIBFUZZER_BUILD, f"fuzz_{t}_replay"), "preset fuzz-asan")]
        if "afl" in engines:
            need.append((os.path.join(paths.AFL_BUILD, f"fuzz_{t}_afl"), "preset fuzz-afl-laf"))
    if "afl" in engines:
        need.insert(0, ("afl-fuzz", "Debian package afl++"))
    return need


def check_engines(targets, engines):
    for prog, source in engine_binaries(targets, engines):
        found = shutil.which(prog) if os.sep not in prog else prog
        if not found or not os.path.isfile(found) or not os.access(found, os.X_OK):
            raise Failed(f"missing engine binary {rel(prog)} ({source} provides it; "
                         "./vmbytes fuzz builds it)")

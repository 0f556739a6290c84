#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""vmbytes fuzz: continuous-fuzzing campaigns that lose nothing.

usage: campaign.py run [TARGET...] [--time T] [--engine libfuzzer|afl|both] [--jobs N] [--fresh]
       campaign.py decode FILE [--target T]

Targets run in parallel within the time budget, one job per (target,
engine). Every few seconds a progress line shows execs/s, coverage, corpus
size and crashes. New corpus entries are merged back into corpus/<target>/
(libFuzzer's merge keeps only inputs that add coverage). Crashes are
deduplicated by signature (the SPEC rule the oracle names, or the top of the
sanitizer's stack), minimized, and saved with their decoded op script under
reports/fuzz/crashes/. All state lives on disk and is written as it
changes: killed at any moment, even with kill -9, a campaign run again with
the same arguments resumes where it stood. At the end it writes
reports/fuzz/summary.json and summary.md.

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

import cliargs  # one argument checker for every tool
import targets as _targets  # the one list, fuzz/targets.txt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = _targets.TARGETS
REPORTS = os.path.join(ROOT, "reports", "fuzz")
WORK = os.path.join(REPORTS, "work")
CRASHES = os.path.join(REPORTS, "crashes")
STATE = os.path.join(WORK, "state.json")
LIBFUZZER_BUILD = os.path.join(ROOT, "build", "fuzz-asan", "fuzz")
AFL_BUILD = os.path.join(ROOT, "build", "fuzz-afl-laf", "fuzz")
DEV_BUILD = os.path.join(ROOT, "build", "dev", "fuzz")
PROGRESS_EVERY = 5.0


def die_usage(msg):
    cliargs.die("vmbytes fuzz", msg)


# One parser for --time everywhere (ci/run.py imports it): 10 s to 30 days.
parse_time = cliargs.duration(10)


def write_json(path, data):
    """Atomic: a kill between the write and the rename leaves the old file."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True, allow_nan=False)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


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

def crash_signature(stderr):
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
    return "no reproduction"


def process_crash(target, path, index):
    """Reproduce, deduplicate, minimize and decode one crashing input."""
    with open(path, "rb") as f:
        data = f.read()
    digest = hashlib.sha1(data).hexdigest()
    if digest in index["inputs"]:
        return None
    replay = os.path.join(LIBFUZZER_BUILD, f"fuzz_{target}_replay")
    try:
        run = subprocess.run([replay, path], capture_output=True, text=True, timeout=60,
                             errors="replace")
        stderr = run.stderr
    except subprocess.TimeoutExpired:
        stderr = "timeout"
    sig = crash_signature(stderr)
    sig_id = hashlib.sha1(f"{target}:{sig}".encode()).hexdigest()[:10]
    cdir = os.path.join(CRASHES, target, sig_id)
    new = not os.path.isdir(cdir)
    os.makedirs(cdir, exist_ok=True)
    shutil.copyfile(path, os.path.join(cdir, f"crash-{digest}"))
    if new:
        minimized = os.path.join(cdir, "minimized")
        fuzzer = os.path.join(LIBFUZZER_BUILD, f"fuzz_{target}")
        try:
            # Its intermediate artifacts go to the crash's folder, not the caller's.
            subprocess.run([fuzzer, "-minimize_crash=1", "-runs=20000", "-max_total_time=60",
                            f"-artifact_prefix={cdir}/", f"-exact_artifact_path={minimized}", path],
                           capture_output=True, timeout=120, cwd=cdir)
        except subprocess.TimeoutExpired:
            pass
        for name in os.listdir(cdir):
            if name.startswith("minimized-from-"):
                os.remove(os.path.join(cdir, name))
        if not os.path.exists(minimized):
            shutil.copyfile(path, minimized)
        decoded = subprocess.run([replay, "-decode", minimized], capture_output=True, text=True,
                                 errors="replace")
        with open(os.path.join(cdir, "decoded.ops"), "w") as f:
            f.write(decoded.stdout)
        with open(os.path.join(cdir, "report.txt"), "w") as f:
            f.write(f"target: {target}\nsignature: {sig}\n\n{stderr}")
    index["inputs"][digest] = sig_id
    entry = index["signatures"].setdefault(sig_id, {"target": target, "signature": sig,
                                                    "count": 0, "dir": os.path.relpath(cdir, ROOT)})
    entry["count"] += 1
    write_json(os.path.join(CRASHES, "index.json"), index)
    return sig if new else None


def load_crash_index():
    path = os.path.join(CRASHES, "index.json")
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    return {"inputs": {}, "signatures": {}}


# ---- jobs --------------------------------------------------------------------

class Job:
    def __init__(self, target, engine, budget, state):
        self.target, self.engine, self.budget = target, engine, budget
        self.key = f"{target}/{engine}"
        self.state = state.setdefault(self.key, {"budget": budget, "elapsed": 0.0, "done": False,
                                                 "execs": 0, "restarts": 0})
        self.work = os.path.join(WORK, target, engine)
        self.proc = None
        self.started = None
        self.stats = {"execs_per_sec": 0, "coverage": 0, "corpus": 0, "execs": 0}
        self.seen_crashes = set()
        self.new_signatures = []

    def remaining(self):
        return max(0.0, self.state["budget"] - self.state["elapsed"])

    def crash_dir(self):
        if self.engine == "libfuzzer":
            return os.path.join(self.work, "crashes")
        return os.path.join(self.work, "afl", "default", "crashes")

    def corpus_dirs(self):
        if self.engine == "libfuzzer":
            return [os.path.join(self.work, "corpus")]
        return [os.path.join(self.work, "afl", "default", "queue")]

    def start(self):
        os.makedirs(self.work, exist_ok=True)
        seeds = os.path.join(ROOT, "corpus", self.target)
        dictionary = os.path.join(ROOT, "fuzz", "dict", f"{self.target}.dict")
        secs = max(1, int(self.remaining()))
        log = open(os.path.join(self.work, f"{self.engine}.log"), "ab")
        env = dict(os.environ)
        if self.engine == "libfuzzer":
            corpus = os.path.join(self.work, "corpus")
            os.makedirs(corpus, exist_ok=True)
            os.makedirs(self.crash_dir(), exist_ok=True)
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
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, env=env,
                                     preexec_fn=die_with_parent, cwd=self.work)
        self.started = time.time()
        self.tick_base = self.state["elapsed"]

    def _dummy_seed(self):
        d = os.path.join(self.work, "seed")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "zero"), "wb") as f:
            f.write(b"\0" * 16)
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

    def _libfuzzer_stats(self):
        path = os.path.join(self.work, "libfuzzer.log")
        try:
            with open(path, "rb") as f:
                f.seek(max(0, os.path.getsize(path) - 8192))
                tail = f.read().decode(errors="replace")
        except OSError:
            return
        lines = re.findall(r"#(\d+)\s+\w+\s+cov: (\d+) ft: \d+ corp: (\d+)/\S+.*?exec/s: (\d+)", tail)
        if lines:
            execs, cov, corp, eps = lines[-1]
            self.stats.update(execs=int(execs), coverage=int(cov), corpus=int(corp),
                              execs_per_sec=int(eps))
        m = re.findall(r"stat::average_exec_per_sec:\s+(\d+)", tail)
        if m:
            self.stats["execs_per_sec"] = int(m[-1])

    def _afl_stats(self):
        path = os.path.join(self.work, "afl", "default", "fuzzer_stats")
        try:
            with open(path) as f:
                kv = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            return
        kv = {k.strip(): v.strip() for k, v in kv.items()}
        execs, run_time = int(kv.get("execs_done", 0)), int(kv.get("run_time", 0))
        # AFL refreshes its own rate slowly and oddly early on: use the totals.
        self.stats.update(execs=execs, execs_per_sec=execs / run_time if run_time else 0,
                          coverage=kv.get("bitmap_cvg", "0%"),
                          corpus=int(kv.get("corpus_count", 0)))

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


def merge_corpus(target, dirs):
    """Add to corpus/<target> what the campaign found that adds coverage."""
    dirs = [d for d in dirs if os.path.isdir(d) and os.listdir(d)]
    if not dirs:
        return 0
    dest = os.path.join(ROOT, "corpus", target)
    os.makedirs(dest, exist_ok=True)
    before = len(os.listdir(dest))
    control = os.path.join(WORK, target, "merge.control")
    fuzzer = os.path.join(LIBFUZZER_BUILD, f"fuzz_{target}")
    subprocess.run([fuzzer, "-merge=1", f"-merge_control_file={control}", "-max_len=4096", dest]
                   + dirs, capture_output=True, preexec_fn=die_with_parent)
    if os.path.exists(control):
        os.remove(control)
    return len(os.listdir(dest)) - before


# ---- the campaign ------------------------------------------------------------

def summary(jobs, state, index, total, finished):
    by_target = {}
    for j in jobs:
        s = state["jobs"][j.key]
        by_target.setdefault(j.target, {})[j.engine] = {
            "execs": j.stats["execs"], "execs_per_sec": j.stats["execs_per_sec"],
            "coverage": j.stats["coverage"], "corpus": j.stats["corpus"],
            "seconds": round(s["elapsed"], 1), "restarts": s["restarts"],
            "merged": s.get("merged", 0)}
    crashes = [dict(v, id=k) for k, v in sorted(index["signatures"].items())]
    data = {"finished": finished, "budget_seconds": total, "targets": by_target,
            "corpus_sizes": {t: len(os.listdir(os.path.join(ROOT, "corpus", t)))
                             for t in by_target if os.path.isdir(os.path.join(ROOT, "corpus", t))},
            "crashes": crashes}
    write_json(os.path.join(REPORTS, "summary.json"), data)
    lines = ["# Fuzz campaign", "",
             f"Budget {total:.0f} s; {'finished' if finished else 'interrupted (run again to resume)'}.",
             "", "| target | engine | execs | execs/s | coverage | corpus | merged | seconds |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for t, engines in sorted(by_target.items()):
        for e, r in sorted(engines.items()):
            lines.append(f"| {t} | {e} | {r['execs']} | {r['execs_per_sec']:.0f} | {r['coverage']} "
                         f"| {r['corpus']} | {r['merged']} | {r['seconds']:.0f} |")
    lines += ["", f"## Crashes: {len(crashes)} unique", ""]
    for c in crashes:
        lines.append(f"- `{c['target']}`: {c['signature']} ({c['count']} inputs) — "
                     f"`{c['dir']}/decoded.ops`")
        ops = os.path.join(ROOT, c["dir"], "decoded.ops")
        if os.path.exists(ops):
            with open(ops) as f:
                text = f.read()
            lines += ["", "```", text[:3000].rstrip(), "```", ""]
    with open(os.path.join(REPORTS, "summary.md") + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(os.path.join(REPORTS, "summary.md") + ".tmp", os.path.join(REPORTS, "summary.md"))
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
    done = sum(1 for s in state["jobs"].values() if s["done"])
    pct = 100.0 * spent / budget if budget else 100.0
    return (f"[{time.time() - t0:5.0f}s {pct:3.0f}% {done}/{len(state['jobs'])} jobs] "
            + (" | ".join(parts) if parts else "merging"))


def run(args):
    targets = args.targets or TARGETS
    for t in targets:
        if t not in TARGETS:
            die_usage(f"unknown target '{t}' (one of: {' '.join(TARGETS)})")
    engines = ["libfuzzer", "afl"] if args.engine == "both" else [args.engine]
    config = {"targets": targets, "engines": engines, "time": args.time, "jobs": args.jobs}
    os.makedirs(WORK, exist_ok=True)
    os.makedirs(CRASHES, exist_ok=True)
    state = None
    if os.path.exists(STATE) and not args.fresh:
        with open(STATE) as f:
            old = json.load(f)
        if old.get("config") == config and not old.get("finished"):
            state = old
            print(f"vmbytes fuzz: resuming the campaign in {os.path.relpath(WORK, ROOT)}")
    if state is None:
        state = {"config": config, "jobs": {}, "finished": False}
    njobs = len(targets) * len(engines)
    per_job = max(10.0, args.time * args.jobs / njobs)
    jobs = [Job(t, e, per_job, state["jobs"]) for e in engines for t in targets]
    index = load_crash_index()
    write_json(STATE, state)
    pending = [j for j in jobs if not j.state["done"]]
    running = []
    t0 = time.time()
    interrupted = []

    def on_signal(signum, _frame):
        interrupted.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print(f"vmbytes fuzz: {njobs} jobs ({', '.join(engines)} x {len(targets)} targets), "
          f"{per_job:.0f} s each, {args.jobs} at a time")
    last = 0.0
    while (pending or running) and not interrupted:
        while pending and len(running) < args.jobs:
            j = pending.pop(0)
            if j.remaining() <= 0:
                j.state["done"] = True
                continue
            j.start()
            running.append(j)
        time.sleep(0.5)
        for j in list(running):
            alive = j.poll()
            for c in j.crashes():
                if c not in j.seen_crashes:
                    j.seen_crashes.add(c)
                    sig = process_crash(j.target, c, index)
                    if sig:
                        print(f"vmbytes fuzz: NEW CRASH in {j.key}: {sig}")
            if alive and j.remaining() < -30:
                j.stop()  # the engine overran its budget; it will be merged now
                alive = False
            if not alive:
                j.proc.wait()
                if j.remaining() > 5 and j.state["restarts"] < 50:
                    # It stopped early (a crash stops libFuzzer): go on with the time left.
                    j.state["restarts"] += 1
                    j.start()
                    continue
                running.remove(j)
                j.state["execs"] += j.stats["execs"]
                j.state["merged"] = 0 if args.no_merge else merge_corpus(j.target, j.corpus_dirs())
                j.state["done"] = True
                write_json(STATE, state)
        if time.time() - last >= PROGRESS_EVERY:
            last = time.time()
            print(progress_line(jobs, state, t0, args.time), flush=True)
            write_json(STATE, state)
    for j in running:
        j.stop()
        j.poll()
    finished = not interrupted and all(s["done"] for s in state["jobs"].values())
    state["finished"] = finished
    write_json(STATE, state)
    data = summary(jobs, state, index, args.time, finished)
    print(f"vmbytes fuzz: summary in {os.path.relpath(REPORTS, ROOT)}/summary.md; "
          f"{len(data['crashes'])} unique crashes")
    if interrupted:
        print("vmbytes fuzz: interrupted; run the same command again to resume")
        return 130
    return 1 if data["crashes"] else 0


def prune(args):
    """Minimize corpus/<target> in place: keep only inputs that add coverage."""
    targets = args.targets or TARGETS
    for t in targets:
        src = os.path.join(ROOT, "corpus", t)
        if not os.path.isdir(src):
            continue
        tmp = src + ".pruning"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(tmp)
        fuzzer = os.path.join(LIBFUZZER_BUILD, f"fuzz_{t}")
        rc = subprocess.run([fuzzer, "-merge=1", "-max_len=4096", tmp, src],
                            capture_output=True).returncode
        kept = len(os.listdir(tmp))
        if rc != 0 or kept == 0:
            shutil.rmtree(tmp)
            print(f"vmbytes fuzz prune: {t}: merge failed, corpus left as it was")
            continue
        before = len(os.listdir(src))
        # Swap in the pruned set; a kill in between leaves both, never neither.
        old = src + ".old"
        shutil.rmtree(old, ignore_errors=True)
        os.rename(src, old)
        os.rename(tmp, src)
        shutil.rmtree(old)
        print(f"vmbytes fuzz prune: {t}: {before} -> {kept} inputs")
    return 0


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


def main():
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
    args = p.parse_args()
    if args.cmd == "decode":
        if args.file == "":
            die_usage("empty FILE")
        if not os.path.isfile(args.file):
            die_usage(f"FILE '{args.file}' is not a file")
    if os.environ.get("VMB_VALIDATE_ONLY"):
        return 0
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


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The fuzz campaign's chaos test: kill -9 at any moment loses nothing.

usage: chaos.py [--trials N] [--seed S] [--package DIR] [--keep]

Builds a sandbox (a copy of the tooling package, tools/vmbytes, with corpus/slice holding a
few hundred of the committed inputs, and a build dir whose fuzz_slice and
fuzz_slice_replay are fuzz/chaos_engine.py in front of the real fuzz-asan
binaries, which plants one crash and one flaky input), then:

  kills     runs `python3 -m vmbytes.fuzz.command run slice --engine libfuzzer --time 10`
            and kills it with SIGKILL, again and again: during crash
            minimization, during the corpus merge, just after the merge
            (the summary writes) and at random moments, resuming each time
            until it finishes. After every kill: no file in corpus/ whose
            name is not the SHA-1 of its content, every JSON file under
            reports/ parses, every initial corpus entry is still there.
            After the last run: exit status 1 (the planted crash), that
            crash reported in full (input, minimized, decoded.ops,
            report.txt; summary.md links only files that exist), the flaky
            input reported as flaky and not as a crash, no temporary file
            left, no merge.control left, and nothing lost: libFuzzer's own
            merge of the job's work corpus into the final corpus adds no
            input.
  engines   a missing fuzzer binary, an engine that exits at start, and
            the AFL++ engine without its build: exit 1, a one-line message
            naming what failed, no traceback.
  diskfull  corpus/ and then reports/ on a full tmpfs (needs root and
            mount): exit 1 with a one-line message, no traceback, no
            zero-byte or misnamed corpus file, no JSON that does not parse;
            with room made, the same command then completes.

Exit 0 when every case holds, 1 when one fails, 77 when all that ran held
but the disk-full cases could not run (no tmpfs mount here): a skip, not a
pass. Needs build/fuzz-asan (./vmbytes fuzz builds it).
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REAL = os.path.join(ROOT, "build", "fuzz-asan", "fuzz")
TARGET = "slice"
SEEDS = 150  # initial corpus entries: enough for a merge that takes a while
RUN_TIMEOUT = 90.0


class Failure(Exception):
    pass


def sha1_file(path):
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


def is_temp(name):
    return name.endswith(".tmp")


def make_sandbox(base, campaign, with_fuzzer=True):
    """@campaign: the tooling package under test (its fuzz/ is the campaign)."""
    os.makedirs(os.path.join(base, "fuzz", "dict"))
    shutil.copyfile(os.path.join(ROOT, "fuzz", "targets.txt"), os.path.join(base, "fuzz", "targets.txt"))
    # The package under test and the lists it reads.
    shutil.copytree(campaign, os.path.join(base, "tools", "vmbytes"),
                    ignore=shutil.ignore_patterns("__pycache__"))
    os.makedirs(os.path.join(base, "core", "src", "copy"))
    shutil.copyfile(os.path.join(ROOT, "core", "src", "copy", "strategies.txt"),
                    os.path.join(base, "core", "src", "copy", "strategies.txt"))
    shutil.copyfile(os.path.join(ROOT, "fuzz", "dict", f"{TARGET}.dict"),
                    os.path.join(base, "fuzz", "dict", f"{TARGET}.dict"))
    build = os.path.join(base, "build", "fuzz-asan", "fuzz")
    os.makedirs(build)
    engine = os.path.join(ROOT, "fuzz", "chaos_engine.py")
    names = [f"fuzz_{TARGET}_replay"] + ([f"fuzz_{TARGET}"] if with_fuzzer else [])
    for name in names:
        os.symlink(engine, os.path.join(build, name))
    os.makedirs(os.path.join(base, "corpus"), exist_ok=True)
    return base


def seed_corpus(base):
    src = os.path.join(ROOT, "corpus", TARGET)
    dest = os.path.join(base, "corpus", TARGET)
    os.makedirs(dest, exist_ok=True)
    names = sorted(os.listdir(src))[:SEEDS]
    for n in names:
        shutil.copyfile(os.path.join(src, n), os.path.join(dest, n))
    return set(names)


def session_cmdlines(sid):
    """The command lines of the processes in session @sid."""
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[3]) != sid or int(pid) == sid:
                continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                out.append(f.read().replace(b"\0", b" ").decode(errors="replace"))
        except (OSError, IndexError, ValueError):
            continue
    return out


class Run:
    """One campaign run in the sandbox, in its own session."""

    def __init__(self, base, args, env):
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "vmbytes.fuzz.command", "run", TARGET] + args,
            stdout=self.log, stderr=subprocess.STDOUT, env=dict(env, PYTHONPATH=os.path.join(base, "tools")),
            start_new_session=True)
        self.t0 = time.monotonic()

    def output(self):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def kill(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        try:  # children die with the campaign (PR_SET_PDEATHSIG); make sure of it
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 10
        while session_cmdlines(self.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def wait(self):
        try:
            return self.proc.wait(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise Failure(f"the campaign ran for more than {RUN_TIMEOUT:.0f} s") from None

    def kill_when(self, trigger, delay):
        """Kill when @trigger holds (then after @delay s); False if the run ended first."""
        seen = None
        ever = False
        while self.proc.poll() is None:
            now = time.monotonic()
            if seen is None:
                lines = session_cmdlines(self.proc.pid)
                if trigger == "time":
                    hit = True
                elif trigger == "after-merge":
                    merging = any("-merge=1" in c for c in lines)
                    ever = ever or merging
                    hit = ever and not merging
                else:
                    hit = any(f"-{trigger}=1" in c for c in lines)
                if hit:
                    seen = now
            if seen is not None and now - seen >= delay:
                self.kill()
                return True
            if now - self.t0 > RUN_TIMEOUT:
                self.kill()
                raise Failure(f"the campaign ran for more than {RUN_TIMEOUT:.0f} s")
            time.sleep(0.01)
        return False


def campaign_env(extra=None):
    env = dict(os.environ, VMB_CHAOS_REAL=REAL, PYTHONDONTWRITEBYTECODE="1")
    env.pop("VMB_CHAOS_MODE", None)
    env.update(extra or {})
    return env


ARGS = ["--engine", "libfuzzer", "--time", "10", "--jobs", "1"]


def check_instant(base, seeds, what):
    """What must hold at any instant, a kill included."""
    corpus = os.path.join(base, "corpus", TARGET)
    names = set(os.listdir(corpus))
    lost = seeds - names
    if lost:
        raise Failure(f"{what}: {len(lost)} initial corpus entries lost, e.g. {sorted(lost)[0]}")
    for n in names:
        if is_temp(n):
            continue
        if sha1_file(os.path.join(corpus, n)) != n:
            size = os.path.getsize(os.path.join(corpus, n))
            raise Failure(f"{what}: corpus/{TARGET}/{n} ({size} bytes) is not named by its "
                          "content's SHA-1 (a half-written file)")
    reports = os.path.join(base, "reports")
    for dirpath, _dirs, files in os.walk(reports):
        for n in files:
            if n.endswith(".json") and not is_temp(n):
                try:
                    with open(os.path.join(dirpath, n)) as f:
                        json.load(f)
                except ValueError:
                    raise Failure(f"{what}: {os.path.relpath(os.path.join(dirpath, n), base)} "
                                  "does not parse") from None


def no_temp_files(base, what):
    for top in ("corpus", "reports"):
        for dirpath, _dirs, files in os.walk(os.path.join(base, top)):
            for n in files:
                if is_temp(n) or n == "merge.control":
                    raise Failure(f"{what}: {os.path.relpath(os.path.join(dirpath, n), base)} "
                                  "left behind")


def check_final(base, seeds, rc, out, what):
    try:
        _check_final(base, seeds, rc, out, what)
    except Failure as e:
        last = out.strip().splitlines()[-1] if out.strip() else ""
        raise Failure(f"{e} [the run's last line: {last!r}]") from None


def _check_final(base, seeds, rc, out, what):
    check_instant(base, seeds, what)
    if "Traceback" in out:
        raise Failure(f"{what}: the campaign died with a traceback:\n{out[-1500:]}")
    rep = os.path.join(base, "reports", "fuzz")
    # Nothing lost: what the job found is all covered by the final corpus.
    work = os.path.join(rep, "work", TARGET, "libfuzzer", "corpus")
    probe = tempfile.mkdtemp(prefix="probe-", dir=base)
    corpus = os.path.join(base, "corpus", TARGET)
    for n in os.listdir(corpus):
        os.symlink(os.path.join(corpus, n), os.path.join(probe, n))
    r = subprocess.run([os.path.join(REAL, f"fuzz_{TARGET}"), "-merge=1", "-max_len=4096",
                        probe, work], capture_output=True)
    added = [n for n in os.listdir(probe) if not os.path.islink(os.path.join(probe, n))]
    shutil.rmtree(probe)
    if r.returncode != 0:
        raise Failure(f"{what}: the checking merge failed (exit {r.returncode})")
    if added:
        raise Failure(f"{what}: {len(added)} inputs of the job's work corpus that add coverage "
                      f"never reached corpus/ (a lost merge; corpus/{TARGET} has "
                      f"{len(os.listdir(corpus))} files)")
    no_temp_files(base, what)
    with open(os.path.join(rep, "summary.json")) as f:
        summary = json.load(f)
    crashes = summary.get("crashes", [])
    planted = [c for c in crashes if "R0" in c.get("signature", "")]
    if not planted:
        raise Failure(f"{what}: summary.json does not list the planted crash")
    cdir = os.path.join(base, planted[0]["dir"])
    for name in ("minimized", "decoded.ops", "report.txt"):
        if not os.path.isfile(os.path.join(cdir, name)):
            raise Failure(f"{what}: the crash's {name} is missing ({planted[0]['dir']}) "
                          "(a lost crash report)")
    with open(os.path.join(cdir, "minimized"), "rb") as f:
        if not f.read().startswith(b"VMBCHAOS-crash"):
            raise Failure(f"{what}: the crash's minimized input is not the crash")
    with open(os.path.join(rep, "summary.md")) as f:
        md = f.read()
    for part in md.split("`"):
        if part.startswith("reports/") and not os.path.exists(os.path.join(base, part)):
            raise Failure(f"{what}: summary.md links {part}, which does not exist")
    if len(crashes) != 1:
        raise Failure(f"{what}: summary.json lists {len(crashes)} crashes "
                      f"({[c.get('signature') for c in crashes]}), expected only the planted one")
    flaky = summary.get("flaky", [])
    if len(flaky) != 1 or not os.path.isfile(os.path.join(base, flaky[0].get("log", ""))):
        raise Failure(f"{what}: summary.json lists {len(flaky)} flaky crashes (expected 1, "
                      "with its log)")
    if rc != 1:
        raise Failure(f"{what}: exit status {rc}, expected 1 (the planted crash)\n{out[-800:]}")
    with open(os.path.join(rep, "work", "state.json")) as f:
        state = json.load(f)
    if not state.get("finished"):
        raise Failure(f"{what}: state.json says the campaign did not finish")


def trial_kills(base, plan, rng, log):
    """Run the campaign under the kill @plan, then to the end; check all."""
    seeds = seed_corpus(base)
    env = campaign_env()
    outputs = []
    hits = []
    for trigger in plan:
        delay = rng.uniform(0.0, 9.0) if trigger == "time" else rng.uniform(0.05, 1.5)
        if trigger == "after-merge":
            delay = rng.uniform(0.0, 0.08)
        run = Run(base, ARGS, env)
        killed = run.kill_when(trigger, delay)
        outputs.append(run.output())
        log(f"    kill {'at' if killed else 'missed'} {trigger}+{delay:.2f}s "
            f"({time.monotonic() - run.t0:.1f} s into the run)")
        if killed:
            hits.append(trigger)
            check_instant(base, seeds, f"after a kill at {trigger}+{delay:.2f}s")
        else:
            break  # it finished before the moment came: it is checked below as a finish
    run = Run(base, ARGS, env)
    rc = run.wait()
    out = run.output()
    check_final(base, seeds, rc, out, f"plan {'/'.join(plan)}: the run after the kills")
    return hits


def case_engines(base, campaign, log):
    cases = [
        ("a missing fuzzer binary", dict(with_fuzzer=False), ARGS, {}, "fuzz_slice"),
        ("an engine that exits at start", {}, ARGS, {"VMB_CHAOS_MODE": "dead"}, "no work"),
        ("AFL++ without its build", {}, ["--engine", "afl", "--time", "10", "--jobs", "1"], {},
         "fuzz_slice_afl"),
    ]
    failed = []
    for i, (name, sandbox, args, extra, needle) in enumerate(cases):
        d = make_sandbox(os.path.join(base, f"engine{i}"), campaign, **sandbox)
        seed_corpus(d)
        run = Run(d, args, campaign_env(extra))
        rc = run.wait()
        out = run.output()
        last = out.strip().splitlines()[-1] if out.strip() else ""
        if rc != 1 or "Traceback" in out or needle not in last:
            failed.append(f"{name}: exit {rc}, last line {last!r} (expected exit 1 and a "
                          f"one-line message naming {needle!r}, no traceback)")
        else:
            log(f"  {name}: exit 1, {last!r}")
    if failed:
        raise Failure("; ".join(failed))


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path],
                       capture_output=True, text=True)
    return r.returncode == 0, r.stderr.strip()


def fill(path):
    """Fill the filesystem holding @path to the last byte."""
    filler = os.path.join(path, "filler")
    try:
        with open(filler, "wb", buffering=0) as f:
            while True:
                f.write(b"\0" * 4096)
    except OSError:
        pass
    return filler


def full_disk_run(d, seeds, which, filler, log):
    """Run with @which (corpus or reports) full; then make room and run again."""
    run = Run(d, ARGS, campaign_env())
    rc = run.wait()
    out = run.output()
    last = out.strip().splitlines()[-1] if out.strip() else ""
    check_instant(d, seeds, f"{which}/ on a full disk")
    for dirpath, _dirs, files in os.walk(os.path.join(d, which)):
        for n in files:
            p = os.path.join(dirpath, n)
            if p != filler and (is_temp(n) or os.path.getsize(p) == 0):
                raise Failure(f"{which}/ on a full disk: {os.path.relpath(p, d)} "
                              f"({os.path.getsize(p)} bytes) left behind")
    if rc != 1 or "Traceback" in out or "No space left" not in last:
        tb = " (a traceback)" if "Traceback" in out else ""
        raise Failure(f"{which}/ on a full disk: exit {rc}{tb}, last line {last!r} (expected "
                      "exit 1 and a one-line message saying the disk is full)")
    log(f"  {which}/ full: exit 1, {last!r}")
    os.remove(filler)
    run = Run(d, ARGS, campaign_env())
    rc = run.wait()
    check_final(d, seeds, rc, run.output(), f"{which}/ full, then room made")
    log(f"  {which}/ full, then room made: the same command completes")


def case_diskfull(base, campaign, which, size, log):
    """@which (corpus or reports) on a full tmpfs: a skip reason, or None."""
    d = make_sandbox(os.path.join(base, f"full-{which}"), campaign)
    mnt = os.path.join(d, which)
    ok, err = mount_tmpfs(mnt, size)
    if not ok:
        return f"cannot mount a tmpfs ({err or 'mount failed'})"
    try:
        seeds = seed_corpus(d)
        filler = fill(mnt)
        full_disk_run(d, seeds, which, filler, log)
    finally:
        subprocess.run(["umount", "-l", mnt], capture_output=True)
    return None


PLANS = [
    ["minimize_crash", "merge"],
    ["time", "after-merge"],
    ["merge", "merge"],
    ["time", "time", "time"],
]


def main():
    p = argparse.ArgumentParser(prog="chaos.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=len(PLANS), help="kill plans to run "
                   f"(default {len(PLANS)}; more repeat them with other random moments)")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    p.add_argument("--package", dest="campaign", metavar="DIR", default=os.path.join(ROOT, "tools", "vmbytes"),
                   help="the tooling package under test, whose fuzz/ is the campaign "
                   "(default this tree's tools/vmbytes)")
    p.add_argument("--cases", default="kills,engines,diskfull")
    p.add_argument("--keep", action="store_true", help="keep the sandboxes (build/chaos/)")
    args = p.parse_args()
    cases = args.cases.split(",")
    if args.trials < 1 or any(c not in ("kills", "engines", "diskfull") for c in cases):
        print("chaos.py: --trials must be at least 1; --cases is a subset of "
              "kills,engines,diskfull", file=sys.stderr)
        return 2
    for name in (f"fuzz_{TARGET}", f"fuzz_{TARGET}_replay"):
        if not os.access(os.path.join(REAL, name), os.X_OK):
            print(f"chaos: {os.path.relpath(os.path.join(REAL, name), ROOT)} is missing "
                  "(build the fuzz-asan preset)", file=sys.stderr)
            return 1
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    os.makedirs(os.path.join(ROOT, "build", "chaos"), exist_ok=True)
    top = tempfile.mkdtemp(prefix="run-", dir=os.path.join(ROOT, "build", "chaos"))
    t0 = time.monotonic()
    print(f"chaos: seed {seed}, sandboxes in {os.path.relpath(top, ROOT)}", flush=True)
    tasks = []  # (title, function of log -> (kills that landed, skip reason))
    if "kills" in cases:
        for i in range(args.trials):
            plan = PLANS[i % len(PLANS)]
            trial_rng = random.Random(rng.random())

            def kills(log, i=i, plan=plan, trial_rng=trial_rng):
                base = make_sandbox(os.path.join(top, f"kills{i}"), args.campaign)
                return trial_kills(base, plan, trial_rng, log), None
            tasks.append((f"kills, plan {i + 1}: {' then '.join(plan)}, then run to the end",
                          kills))
    if "engines" in cases:
        def engines(log):
            case_engines(top, args.campaign, log)
            return [], None
        tasks.append(("engines that cannot run", engines))
    if "diskfull" in cases:
        for which, size in (("corpus", "4m"), ("reports", "16m")):
            tasks.append((f"{which}/ on a full disk",
                          lambda log, which=which, size=size:
                          ([], case_diskfull(top, args.campaign, which, size, log))))
    lock = threading.Lock()
    failures, skipped, hits = [], None, []

    def one(task):
        nonlocal skipped
        title, fn = task
        lines = [f"  {title}"]
        try:
            landed, skip = fn(lambda m: lines.append(m))
            with lock:
                hits.extend(landed)
                skipped = skipped or skip
        except Failure as e:
            lines.append(f"  FAIL: {e}")
            with lock:
                failures.append(str(e))
        except Exception as e:  # the test itself broke: a failure too, said in one line
            lines.append(f"  FAIL: {title}: {type(e).__name__}: {e}")
            with lock:
                failures.append(lines[-1].strip()[6:])
        with lock:
            print("\n".join(lines), flush=True)

    try:
        # Two at a time: the campaigns mostly wait out their time budget.
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(one, tasks))
        if "kills" in cases:
            for phase in ("minimize_crash", "merge"):
                if phase not in hits:
                    failures.append(f"no kill landed during {phase}: the test did not test it")
    finally:
        if not args.keep:
            shutil.rmtree(top, ignore_errors=True)
    secs = time.monotonic() - t0
    if failures:
        print(f"chaos: FAIL ({len(failures)} of the cases, {secs:.0f} s, seed {seed}): "
              f"{failures[0].splitlines()[0]}")
        return 1
    kills = len(hits)
    if skipped:
        print(f"chaos: SKIP the disk-full cases: {skipped}; the rest held ({kills} kills, "
              f"{secs:.0f} s)")
        return 77
    print(f"chaos: ok ({kills} kills, {', '.join(c for c in cases)}; {secs:.0f} s, seed {seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

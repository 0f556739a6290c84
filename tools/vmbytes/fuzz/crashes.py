# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""Crashes: replayed (a few times: one that never reproduces is flaky),
deduplicated by signature, minimized, decoded, saved; the index of them."""
import hashlib
import json
import os
import re
import subprocess

from ..files import atomic_write, rel, sha1_of, write_json
from . import REPLAY_TRIES, die_with_parent, paths


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
    replay = os.path.join(paths.LIBFUZZER_BUILD, f"fuzz_{target}_replay")
    reproduced, stderr, notes = replay_crash(replay, path)
    if not reproduced:
        fdir = os.path.join(paths.FLAKY, target, digest[:16])
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
        write_json(os.path.join(paths.CRASHES, "index.json"), index)
        return ("flaky", rel(fdir))
    status = re.findall(r"exit status (-?\d+)", notes[-1]) if notes else []
    sig = crash_signature(stderr, status[0] if status else None)
    sig_id = hashlib.sha1(f"{target}:{sig}".encode()).hexdigest()[:10]
    cdir = os.path.join(paths.CRASHES, target, sig_id)
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
        fuzzer = os.path.join(paths.LIBFUZZER_BUILD, f"fuzz_{target}")
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
    write_json(os.path.join(paths.CRASHES, "index.json"), index)
    return ("new", sig) if new else None


def load_crash_index():
    path = os.path.join(paths.CRASHES, "index.json")
    if os.path.exists(path):
        with open(path) as f:
            index = json.load(f)
    else:
        index = {"inputs": {}, "signatures": {}}
    index.setdefault("flaky", {})
    return index


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
            print(f"vmbytes fuzz: paths.FLAKY crash in {j.key}: replay did not reproduce it "
                  f"{REPLAY_TRIES} times; logged in {res[1]}", flush=True)

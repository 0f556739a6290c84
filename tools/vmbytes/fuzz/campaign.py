# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The campaign: its jobs in parallel within the budget, a progress line
every few seconds, state written as it changes, the summary at the end."""
import json
import os
import signal
import sys
import time

from .. import ROOT
from ..files import Failed, atomic_write, is_temp, rel, remove_temps, write_json
from ..lists import TARGETS
from . import PROGRESS_EVERY, REPLAY_TRIES, die_usage, paths
from .corpus import merge_corpus
from .crashes import handle_crashes, load_crash_index
from .jobs import Job, check_engines


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
    write_json(os.path.join(paths.REPORTS, "summary.json"), data)
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
    atomic_write(os.path.join(paths.REPORTS, "summary.md"), "\n".join(lines) + "\n")
    return data


def human(n):
    return f"{n / 1000:.1f}k" if n >= 1000 else f"{n:.0f}"


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
    os.makedirs(paths.WORK, exist_ok=True)
    os.makedirs(paths.CRASHES, exist_ok=True)
    remove_temps(paths.REPORTS)
    state = None
    if os.path.exists(paths.STATE) and not args.fresh:
        with open(paths.STATE) as f:
            old = json.load(f)
        if old.get("config") == config and not old.get("finished"):
            state = old
            print(f"vmbytes fuzz: resuming the campaign in {rel(paths.WORK)}")
    if state is None:
        state = {"config": config, "jobs": {}, "finished": False}
    njobs = len(targets) * len(engines)
    per_job = max(10.0, args.time * args.jobs / njobs)
    jobs = [Job(t, e, per_job, state["jobs"]) for e in engines for t in targets]
    index = load_crash_index()

    def save():
        write_json(paths.STATE, state)

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
    print(f"vmbytes fuzz: summary in {rel(paths.REPORTS)}/summary.md; "
          f"{len(data['crashes'])} unique crashes{flaky}")
    if interrupted:
        print("vmbytes fuzz: interrupted; run the same command again to resume")
        return 130
    if failed:
        for j in failed:
            print(f"vmbytes fuzz: {j.key}: {j.state['error']}", file=sys.stderr)
        return 1
    return 1 if data["crashes"] else 0

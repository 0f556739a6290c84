#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The vm-memory peer (issue 11): vm-memory 0.10's own benchmark operations
timed on vm-memory (Debian's librust-vm-memory-dev, built with cargo
--offline, release with LTO: bench/peers/vm-memory/) and through vmbytes'
public API (bench/peers/guest_ops.c linked against the release preset's
libvmbytes.a), as separate processes: in each round both start (which one
first alternates), then take their samples alternately, operation by
operation (A B, then B A); compared per operation. Standard library only.

tools/vmbytes/bench/command.py calls build() and measure() for ./vmbytes bench (with or
without --quick) and checks()/section() for its report. By hand:

  vmmemory.py measure [--vmbytes-peer PATH] [--quick]
        build the Rust side, run the rounds, print the table
  vmmemory.py smoke --vmbytes-peer PATH
        the CTest smoke test: build the Rust side, run both programs once,
        check every operation printed a finite positive time and that the
        two read back the same data; exit 77 when cargo or the crate is
        missing
  vmmemory.py selftest
        CTest: the verdict rule on synthetic rounds

The ratio is always vmbytes time / vm-memory time: below 1, vmbytes is
faster.
"""
import glob
import json
import math
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from vmbytes.signtest import at_least_p as sign_p  # noqa: E402  (scipy's binomtest)
CRATE = os.path.join(ROOT, "bench", "peers", "vm-memory")
TARGET = os.path.join(ROOT, "build", "peers", "vm-memory")
RUST_BIN = os.path.join(TARGET, "release", "vmb-peer-vm-memory")
C_BIN = os.path.join(ROOT, "build", "bench", "bench", "peers", "vmb-peer-vmbytes")
REGISTRY = "/usr/share/cargo/registry"
BUILD_LOG = os.path.join(ROOT, "build", "logs", "cargo-vm-memory.log")

# Rounds of two processes each, passes per process, milliseconds per sample.
SETTINGS = {
    "quick": {"rounds": 5, "passes": 5, "sample_ms": 2.0},
    "full": {"rounds": 9, "passes": 9, "sample_ms": 5.0},
}
BOUND = 0.8            # every operation: at most 0.8x vm-memory's time
FIND_REGION_BOUND = 0.5
FIND_REGION_OP = "find_region/256"
ALPHA = 0.05           # one-sided sign test over the rounds
VERDICT = {True: "PASS", False: "FAIL", None: "TIE"}

KINDS = ["read_slice/512", "read/512", "read_obj/8", "read_obj/96", "read_obj/u64",
         "write_slice/512", "write/512", "write_obj/8", "write_obj/96"]
PLACES = ["inside_first", "boundary_first", "boundary_last", "inside_last"]
OPS = [f"{k}/{p}" for p in PLACES for k in KINDS] + [FIND_REGION_OP]


class PeerError(Exception):
    """A one-line reason the peer cannot run."""


class Missing(PeerError):
    """cargo or the vm-memory crate is not installed."""


def toolchain():
    """Debian's cargo and the rustc beside it (a rustup cargo earlier on
    PATH would bring another compiler); VMB_CARGO overrides."""
    cargo = os.environ.get("VMB_CARGO", "/usr/bin/cargo")
    if not os.access(cargo, os.X_OK):
        raise Missing(f"cargo not found at {cargo} (Debian package 'cargo'; "
                      "./vmbytes bench installs it)")
    rustc = os.path.join(os.path.dirname(cargo), "rustc")
    if not glob.glob(os.path.join(REGISTRY, "vm-memory-0.10*")):
        raise Missing(f"vm-memory 0.10 is not under {REGISTRY} (Debian package "
                      "'librust-vm-memory-dev'; ./vmbytes bench installs it)")
    return cargo, (rustc if os.access(rustc, os.X_OK) else None)


def build():
    """cargo build --release --offline of the Rust side into build/peers/.
    Returns {"seconds", "versions"}; raises PeerError with one line."""
    cargo, rustc = toolchain()
    env = dict(os.environ, CARGO_HOME=os.path.join(ROOT, "build", "peers", "cargo-home"),
               CARGO_TARGET_DIR=TARGET)
    if rustc:
        env["RUSTC"] = rustc
    os.makedirs(os.path.dirname(BUILD_LOG), exist_ok=True)
    before = os.stat(RUST_BIN).st_mtime_ns if os.path.exists(RUST_BIN) else None
    t0 = time.monotonic()
    with open(BUILD_LOG, "w") as log:
        # The working directory makes cargo read .cargo/config.toml there
        # (the Debian directory source).
        rc = subprocess.run([cargo, "build", "--release", "--offline", "--quiet"], cwd=CRATE,
                            env=env, stdout=log, stderr=subprocess.STDOUT).returncode
    seconds = time.monotonic() - t0
    if rc != 0 or not os.access(RUST_BIN, os.X_OK):
        with open(BUILD_LOG) as f:
            errs = [ln.strip() for ln in f if ln.startswith("error")] or ["(no error line)"]
        raise PeerError(f"cargo build failed (exit {rc}; {os.path.relpath(BUILD_LOG, ROOT)}): "
                        f"{errs[0]}")
    versions = {"cargo": first_line([cargo, "--version"]),
                "rustc": first_line([rustc or "rustc", "--version"])}
    try:
        with open(os.path.join(CRATE, "Cargo.lock")) as f:
            lock = f.read().split("[[package]]")
        for pkg in lock[1:]:
            fields = dict(ln.split(" = ", 1) for ln in pkg.strip().splitlines() if " = " in ln)
            if fields.get("name") == '"vm-memory"':
                versions["vm-memory"] = fields.get("version", "?").strip('"')
    except OSError:
        pass
    return {"seconds": round(seconds, 2), "versions": versions,
            "compiled": before != os.stat(RUST_BIN).st_mtime_ns}


def first_line(cmd):
    try:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.strip().splitlines()[0] if out.strip() else "unknown"


def run_program(path, passes, sample_ms):
    """One process on its own (the smoke test): {op: {"ns", "digest"}} in
    the programs' order; raises PeerError unless it printed every operation
    once with a finite positive time."""
    name = os.path.basename(path)
    try:
        p = subprocess.run([path, "--passes", str(passes), "--sample-ms", str(sample_ms)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=600)
    except (OSError, subprocess.SubprocessError) as e:
        raise PeerError(f"{name}: {e}")
    return parse_results(name, p.returncode, p.stdout, p.stderr)


def parse_results(name, rc, stdout, stderr):
    if rc != 0:
        raise PeerError(f"{name} exited {rc}: {stderr.strip()[:300]}")
    out = {}
    for line in stdout.splitlines():
        try:
            r = json.loads(line)
            op, ns, digest = r["op"], float(r["ns"]), str(r["digest"])
        except (ValueError, KeyError, TypeError):
            raise PeerError(f"{name}: not a result line: {line[:120]!r}")
        if not (math.isfinite(ns) and ns > 0):
            raise PeerError(f"{name}: {op}: time {ns} is not a finite positive number")
        if op in out:
            raise PeerError(f"{name}: {op} printed twice")
        out[op] = {"ns": ns, "digest": digest}
    if list(out) != OPS:
        missing = [o for o in OPS if o not in out] or [o for o in out if o not in OPS]
        raise PeerError(f"{name}: operations differ from the expected {len(OPS)} "
                        f"(first difference: {missing[:1] or 'the order'})")
    return out


class Served:
    """One program in --serve mode: sized its samples, then takes one when
    asked, so that the two sides can alternate sample by sample."""

    def __init__(self, path, sample_ms):
        self.name = os.path.basename(path)
        try:
            self.p = subprocess.Popen([path, "--serve", "--sample-ms", str(sample_ms)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, bufsize=1)
        except OSError as e:
            raise PeerError(f"{self.name}: {e}")
        if self.p.stdout.readline().strip() != "ready":
            self.fail()

    def fail(self):
        self.p.kill()
        rc = self.p.wait()
        raise PeerError(f"{self.name} stopped (exit {rc}): {self.p.stderr.read().strip()[:300]}")

    def sample(self, i):
        try:
            self.p.stdin.write(f"s {i}\n")
            self.p.stdin.flush()
            ns = float(self.p.stdout.readline())
        except (OSError, ValueError):
            self.fail()
        if not (math.isfinite(ns) and ns > 0):
            raise PeerError(f"{self.name}: {OPS[i]}: time {ns} is not a finite positive number")
        return ns

    def finish(self):
        try:
            out, err = self.p.communicate("e\n", timeout=600)
        except (OSError, subprocess.SubprocessError) as e:
            self.p.kill()
            raise PeerError(f"{self.name}: {e}")
        return parse_results(self.name, self.p.returncode, out, err)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


def compare_digests(a, b):
    """The two programs must have read back the same bytes."""
    bad = [op for op in OPS if a[op]["digest"] != b[op]["digest"]]
    if bad:
        raise PeerError(f"vm-memory and vmbytes read back different data in {len(bad)} "
                        f"operations (first: {bad[0]})")


def one_round(sides, order, passes, sample_ms):
    """Both programs served, started in @order, @passes samples per
    operation and side alternated A B / B A; returns their result lines and
    the ratios vmbytes/vm-memory of adjacent samples per operation."""
    procs = {}
    try:
        for side in order:
            procs[side] = Served(sides[side], sample_ms)
        pairs = {op: [] for op in OPS}
        for p in range(passes):
            for i, op in enumerate(OPS):
                turn = order if (p + i) % 2 == 0 else order[::-1]
                got = {side: procs[side].sample(i) for side in turn}
                pairs[op].append(got["vmbytes"] / got["vm-memory"])
        got = {side: procs[side].finish() for side in order}
    finally:
        for pr in procs.values():
            pr.kill()
    return got, pairs


def measure(mode, c_bin=C_BIN, progress=print):
    """The rounds. In each, both programs start (even rounds vm-memory
    first, odd ones vmbytes first), size their samples, then take them
    alternately, one operation at a time, A B then B A: two samples a few
    milliseconds apart see the same machine, where two processes a second
    apart did not (a slow phase then hit one side). Per operation and round:
    each side's median sample, and the median of the ratios of adjacent
    samples. Returns those with the settings."""
    s = SETTINGS[mode]
    if not os.access(c_bin, os.X_OK):
        raise PeerError(f"{c_bin} is not built (the bench build makes it)")
    sides = {"vm-memory": RUST_BIN, "vmbytes": c_bin}
    times = {side: {op: [] for op in OPS} for side in sides}
    ratios = {op: [] for op in OPS}
    t0 = time.monotonic()
    for r in range(s["rounds"]):
        order = ["vm-memory", "vmbytes"] if r % 2 == 0 else ["vmbytes", "vm-memory"]
        got, pairs = one_round(sides, order, s["passes"], s["sample_ms"])
        compare_digests(got["vm-memory"], got["vmbytes"])
        for op in OPS:
            for side in sides:
                times[side][op].append(got[side][op]["ns"])
            ratios[op].append(statistics.median(pairs[op]))
        progress(f"  vm-memory peer: round {r + 1}/{s['rounds']} ({' then '.join(order)} "
                 "started; samples alternated)")
    return {"mode": mode, **s, "seconds": round(time.monotonic() - t0, 2), "times": times,
            "ratios": ratios}


def verdict(ratios, bound):
    """PASS when the rounds put the ratio below @bound with a one-sided
    sign test at ALPHA, FAIL when they put it above as clearly, TIE (None)
    otherwise: noise never passes and never fails."""
    n = len(ratios)
    below = sum(r < bound for r in ratios)
    above = sum(r > bound for r in ratios)
    med = statistics.median(ratios)
    if med < bound and sign_p(below, n) < ALPHA:
        return True
    if med > bound and sign_p(above, n) < ALPHA:
        return False
    return None


def analyze(peer):
    """Per operation: both sides' medians over the rounds, the median of
    the per-round ratios, their spread and the verdict; and the geometric
    mean of the ratios. (A report without per-round ratios, from the first
    version, pairs the two processes' medians of each round.)"""
    t = peer["times"]
    rows = []
    for op in OPS:
        a, b = t["vmbytes"][op], t["vm-memory"][op]
        ratios = peer.get("ratios", {}).get(op) or [x / y for x, y in zip(a, b)]
        med = statistics.median(ratios)
        bound = FIND_REGION_BOUND if op == FIND_REGION_OP else BOUND
        rows.append({"op": op, "vmbytes_ns": statistics.median(a),
                     "vm_memory_ns": statistics.median(b), "ratio": med,
                     "spread": (max(ratios) - min(ratios)) / med, "bound": bound,
                     "ok": verdict(ratios, bound)})
    geo = math.exp(statistics.fmean(math.log(r["ratio"]) for r in rows))
    return rows, geo


def overall(rows):
    oks = [r["ok"] for r in rows]
    return False if False in oks else (None if None in oks else True)


def checks(ctx):
    """The issue's two vm-memory targets, for the report's target list."""
    peer = ctx.get("vm_memory_peer")
    if not peer or "times" not in peer:
        return []
    rows, geo = analyze(peer)
    access = [r for r in rows if r["op"] != FIND_REGION_OP]
    fr = [r for r in rows if r["op"] == FIND_REGION_OP]
    worst = max(access, key=lambda r: r["ratio"])
    counts = {v: sum(VERDICT[r["ok"]] == v for r in access) for v in VERDICT.values()}
    return [
        (f"every vm-memory benchmark operation through vmbytes <= {BOUND}x vm-memory 0.10's time "
         f"(time ratio vmbytes/vm-memory, {peer['rounds']} rounds, samples alternated)",
         overall(access),
         [f"{counts['PASS']} pass, {counts['FAIL']} fail, {counts['TIE']} tie of {len(access)}",
          f"worst {worst['op']} {worst['ratio']:.2f}x ({worst['vmbytes_ns']:.1f} vs "
          f"{worst['vm_memory_ns']:.1f} ns)", f"geometric mean of all {len(rows)}: {geo:.2f}x"]),
        (f"find_region over 256 regions <= {FIND_REGION_BOUND}x vm-memory 0.10's time",
         overall(fr),
         [f"{r['ratio']:.2f}x ({r['vmbytes_ns']:.2f} vs {r['vm_memory_ns']:.2f} ns per lookup)"
          for r in fr]),
    ]


def section(ctx):
    """The report's "vm-memory peer" section (markdown lines)."""
    peer = ctx.get("vm_memory_peer")
    L = ["## vm-memory peer", ""]
    if not peer:
        return []
    if "times" not in peer:
        return L + [f"Not run: {peer.get('skipped', 'unknown reason')}.", ""]
    rows, geo = analyze(peer)
    b, v = peer.get("build", {}), peer.get("build", {}).get("versions", {})
    L.append(
        f"vm-memory {v.get('vm-memory', '?')} from Debian's `librust-vm-memory-dev` "
        f"({v.get('rustc', '?')}, release, LTO; bench/peers/vm-memory/) against vmbytes "
        "through its public API (guest.h's typed `vmb_guest_*`; bench/peers/guest_ops.c linked "
        "against the `release` preset's `libvmbytes.a`), on the reference's own benchmark "
        "operations: 8 regions of 2 GiB, 512 B / 8 B / 96 B / u64 accesses at the start of the "
        "first and last region and across the boundaries of regions 0|1 and 6|7, and "
        "find_region over 256 regions (ns per lookup).")
    L.append("")
    L.append(
        f"**Ratio = vmbytes time / vm-memory time** (below 1: vmbytes is faster), the median "
        f"over {peer['rounds']} rounds; in each, the two programs run as separate processes "
        f"(which starts first alternates) and take their samples alternately, one operation "
        f"at a time, A B then B A, {peer['passes']} samples of ~{peer['sample_ms']} ms of the "
        f"thread's CPU time per operation and side; a round's ratio is the median of the "
        f"ratios of adjacent samples. "
        f"ns columns: medians over the rounds. Verdict against the issue's bound "
        f"(<= {BOUND}x; find_region <= {FIND_REGION_BOUND}x): PASS when the rounds put the "
        f"ratio below the bound with a one-sided sign test at p < {ALPHA}, FAIL when they put "
        f"it above as clearly, TIE otherwise (noise neither passes nor fails). Both programs "
        f"read back the same data in every round.")
    L.append("")
    L.append("| operation | vm-memory ns | vmbytes ns | vmbytes/vm-memory | spread | bound | verdict |")
    L.append("|---|---|---|---|---|---|---|")
    for r in rows:
        L.append(f"| `{r['op']}` | {r['vm_memory_ns']:.2f} | {r['vmbytes_ns']:.2f} | "
                 f"{r['ratio']:.3f} | {100 * r['spread']:.0f}% | {r['bound']} | "
                 f"{VERDICT[r['ok']]} |")
    L.append("")
    how = "compiled" if b.get("compiled") else "up to date, nothing compiled"
    L.append(f"Geometric mean of the {len(rows)} ratios: **{geo:.3f}x**. Time: cargo build "
             f"{b.get('seconds', '?')} s ({how}; build/peers/ keeps the build, so only a fresh "
             f"clone or a change compiles), the rounds {peer['seconds']} s.")
    L.append("")
    return L


def prepare(flt, say=print):
    """For ./vmbytes bench: build the Rust side, or exit 1 with one line.
    A FILTER leaves the peer out (it selects Google Benchmark names)."""
    if flt:
        return {"skipped": "a FILTER was given (it selects Google Benchmark names; "
                           "the peer runs without one)"}
    try:
        b = build()
    except PeerError as e:
        print(f"vmbytes bench: vm-memory peer: {e}", file=sys.stderr)
        sys.exit(1)
    say(f"vmbytes bench: vm-memory peer {'built' if b['compiled'] else 'up to date'} "
        f"({b['seconds']} s; "
        f"{b['versions'].get('rustc', '?')}, vm-memory {b['versions'].get('vm-memory', '?')})")
    return {"build": b}


def run(state, mode, say=print):
    """For ./vmbytes bench: the rounds (exit 1 with one line on a failure);
    returns what the report's context keeps."""
    if "build" not in state:
        return state
    try:
        return {**state, **measure(mode, progress=say)}
    except PeerError as e:
        print(f"vmbytes bench: vm-memory peer: {e}", file=sys.stderr)
        sys.exit(1)


def smoke(c_bin):
    """CTest: both programs once alone and once served, briefly; every
    operation a finite positive time, the same data read back, bad
    arguments refused with exit 2."""
    try:
        build()
    except Missing as e:
        print(f"SKIP: {e}")
        return 77
    except PeerError as e:
        print(f"FAIL: {e}")
        return 1
    try:
        a = run_program(RUST_BIN, 1, 0.2)
        b = run_program(c_bin, 1, 0.2)
        compare_digests(a, b)
        # And served, as the bench runs them.
        got, _ = one_round({"vm-memory": RUST_BIN, "vmbytes": c_bin}, ["vmbytes", "vm-memory"],
                           1, 0.2)
        compare_digests(got["vm-memory"], got["vmbytes"])
        compare_digests(got["vm-memory"], a)
    except PeerError as e:
        print(f"FAIL: {e}")
        return 1
    # The digests must say something: reads see what the writes left.
    if len({a[op]["digest"] for op in OPS}) < len(PLACES):
        print("FAIL: the digests are nearly all equal; the programs read back nothing")
        return 1
    for path in (RUST_BIN, c_bin):
        for bad in (["--passes", "0"], ["--sample-ms", "x"], ["--bogus", "1"], ["--passes"],
                    ["--serve", "--passes", "-1"]):
            p = subprocess.run([path] + bad, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
            if p.returncode != 2 or not p.stderr.strip():
                print(f"FAIL: {os.path.basename(path)} {' '.join(bad)}: exit {p.returncode}, "
                      "wanted 2 with a message")
                return 1
    print(f"ok: {len(OPS)} operations on both sides, same data read back")
    return 0


def selftest():
    """CTest: the verdict rule on synthetic rounds (log-normal noise of 15%
    per round): at the bound it passes no more often than ALPHA, clearly
    below it passes, clearly above it fails, one wild round makes a tie."""
    import random
    rng = random.Random(11)
    trials, fails = 2000, []

    def rate(centre, want, n):
        got = sum(verdict([centre * math.exp(rng.gauss(0, 0.15)) for _ in range(n)], BOUND)
                  is want for _ in range(trials))
        return got / trials

    for n in (SETTINGS["quick"]["rounds"], SETTINGS["full"]["rounds"]):
        if rate(BOUND, True, n) > ALPHA:
            fails.append(f"{n} rounds at the bound: PASS more often than {ALPHA}")
        if rate(BOUND, False, n) > ALPHA:
            fails.append(f"{n} rounds at the bound: FAIL more often than {ALPHA}")
        if rate(BOUND * 0.6, True, n) < 0.95:
            fails.append(f"{n} rounds at 0.6x the bound: PASS less than 95% of the time")
        if rate(BOUND * 1.6, False, n) < 0.95:
            fails.append(f"{n} rounds at 1.6x the bound: FAIL less than 95% of the time")
    if verdict([0.4, 0.4, 0.4, 0.4, 4.0], BOUND) is not None:
        fails.append("4 of 5 rounds below and one far above is not a tie")
    if verdict([BOUND] * 5, BOUND) is not None:
        fails.append("every round exactly at the bound is not a tie")
    combos = ([True, None], [True, False, None], [True, True])
    if tuple(overall([{"ok": v} for v in c]) for c in combos) != (None, False, True):
        fails.append("overall() does not combine PASS, FAIL and TIE as documented")
    for f in fails:
        print(f"FAIL: {f}")
    if not fails:
        print("ok: the verdict rule holds on synthetic rounds")
    return 1 if fails else 0


def main(argv):
    usage = ("usage: vmmemory.py measure [--vmbytes-peer PATH] [--quick] | "
             "smoke --vmbytes-peer PATH | selftest")
    if argv == ["selftest"]:
        return selftest()
    if not argv or argv[0] not in ("measure", "smoke"):
        print(usage, file=sys.stderr)
        return 2
    cmd, rest, c_bin, quick = argv[0], argv[1:], C_BIN, False
    while rest:
        if rest[0] == "--vmbytes-peer" and len(rest) > 1:
            c_bin, rest = os.path.abspath(rest[1]), rest[2:]
        elif rest[0] == "--quick" and cmd == "measure":
            quick, rest = True, rest[1:]
        else:
            print(f"vmmemory.py: unknown argument '{rest[0]}'\n{usage}", file=sys.stderr)
            return 2
    if cmd == "smoke":
        return smoke(c_bin)
    try:
        b = build()
        peer = {"build": b, **measure("quick" if quick else "full", c_bin)}
    except PeerError as e:
        print(f"vmmemory.py: {e}", file=sys.stderr)
        return 1
    ctx = {"vm_memory_peer": peer}
    print("\n".join(section(ctx)))
    for title, ok, lines in checks(ctx):
        print(f"{VERDICT[ok]}  {title}: {'; '.join(lines)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The targets the benchmarks present can decide, each a verdict with
its detail lines."""
from verdict import against_best, bar_verdict, worst_verdict  # bench/verdict.py

from .results import copy_results, default_speedups, fmt_size


def checks(res):
    """Every target that the benchmarks present can decide. Each item:
    (title, passed or None, detail lines). Ratios come from the paired
    measurements (pairs.c) when they ran: two pieces of work alternating
    every ~20 us in one loop, the way this machine's drift cancels."""
    out = []
    sp = default_speedups(res)
    if sp:
        # Sizes above 8 B: at most 8 every strategy is the same inline S10
        # code, so a pair there is A against A.
        grid = copy_results(res).get(("hot", 1, 0, 0), {})
        worst, verdicts, fails, ties = None, [], [], []
        for size in sorted(z for z in sp if z > 8):
            v, best_s, note = against_best(sp[size], {
                s: (grid.get(size, {}).get(s) or {}).get("gbps") for s in sp[size]}, 0.95)
            ratio, how, _ = sp[size][best_s]
            verdicts.append(v)
            if worst is None or ratio < worst[0]:
                worst = (ratio, size, best_s, how)
            if v != "PASS":
                (fails if v == "FAIL" else ties).append(
                    f"{fmt_size(size)}: {ratio:.3f} of {best_s} ({how}{note.replace(', a tie', '')})")
        if worst:
            out.append(("self-gate: default >= 0.95x the best strategy at every size above 8 B "
                        "(hot, aligned, 1 thread; the best by separate medians)",
                        worst_verdict(verdicts),
                        [f"worst: {worst[0]:.3f} at {fmt_size(worst[1])} against {worst[2]} "
                         f"({worst[3]})"]
                        + ([f"below 0.95: {'; '.join(fails)}"] if fails else [])
                        + ([f"tie (not significantly on either side of 0.95): {'; '.join(ties)}"]
                           if ties else [])))
        worst, fails, ties = None, [], []
        for size in sorted(sp):
            if size < 16 or "libc_dispatched" not in sp[size]:
                continue
            ratio, how, reps = sp[size]["libc_dispatched"]
            if worst is None or ratio < worst[0]:
                worst = (ratio, size, how)
            failed, note = bar_verdict(ratio, reps, 1.0)
            if ratio < 1.0:
                (fails if failed else ties).append(f"{fmt_size(size)}: {ratio:.3f} ({how}{note})")
        if worst:
            out.append(("self-gate: default >= 1.0x libc_dispatched from 16 B up (hot, aligned)",
                        not fails, [f"worst: {worst[0]:.3f} at {fmt_size(worst[1])} ({worst[2]})"]
                        + ([f"below 1.0: {'; '.join(fails)}"] if fails else [])
                        + ([f"not significantly below 1.0: {'; '.join(ties)}"] if ties else [])))
        big = [(size, sp[size]["libc_dispatched"]) for size in sorted(sp)
               if size >= 32 << 20 and "libc_dispatched" in sp[size]]
        if big:
            out.append(("self-gate: default >= 1.15x libc_dispatched at 32 MiB and above",
                        all(r[0] >= 1.15 for _, r in big),
                        [", ".join(f"{fmt_size(s)}: {r[0]:.3f} ({r[1]})" for s, r in big)]))
    lines, ok = [], True
    for op in ("write_slice", "read_slice"):
        p = res.get(f"pair/container/slice/{op}/vmb_copy/4096")
        if p and p.get("ratio"):
            ok = ok and p["ratio"] <= 1.05
            lines.append(f"{op}: {p['a_ns']:.1f} ns vs vmb_copy {p['b_ns']:.1f} ns, "
                         f"{p['ratio']:.3f}x (paired)")
            continue
        r, bare = res.get(f"container/slice/{op}/4096"), res.get("container/slice/vmb_copy/4096")
        if r and bare:
            ok = ok and r["ns"] / bare["ns"] <= 1.05
            lines.append(f"{op}: {r['ns']:.1f} ns vs vmb_copy {bare['ns']:.1f} ns, "
                         f"{r['ns'] / bare['ns']:.3f}x (separate)")
    if lines:
        out.append(("write_slice/read_slice of 4 KiB within 1.05x of a bare vmb_copy", ok, lines))
    p = res.get("pair/container/find_region/1024/16")
    f16, f1024 = res.get("container/find_region/16"), res.get("container/find_region/1024")
    if p and p.get("ratio"):
        out.append(("find_region over 1024 regions at most 2x its time over 16", p["ratio"] <= 2.0,
                    [f"{p['a_ns']:.1f} ns vs {p['b_ns']:.1f} ns, {p['ratio']:.2f}x (paired)"]))
    elif f16 and f1024:
        ratio = f1024["ns"] / f16["ns"]
        out.append(("find_region over 1024 regions at most 2x its time over 16", ratio <= 2.0,
                    [f"{f1024['ns']:.1f} ns vs {f16['ns']:.1f} ns, {ratio:.2f}x (separate)"]))
    return out

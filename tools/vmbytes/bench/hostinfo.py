# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The context of a run: what the numbers depend on (CPU, compiler,
glibc's memcpy and tunables, the copy thresholds in force)."""
import os
import re
import subprocess


def cpu_info():
    model, flags = "unknown", []
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                k = k.strip()
                if k == "model name" and model == "unknown":
                    model = v.strip()
                elif k == "flags" and not flags:
                    flags = v.split()
    except OSError:
        pass
    return model, flags


def glibc_tunables():
    """glibc's own copy thresholds, as its dynamic loader reports them."""
    out = {}
    for ld in ("/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-x86-64.so.2"):
        if not os.path.exists(ld):
            continue
        try:
            text = subprocess.run([ld, "--list-tunables"], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            break
        for line in text.splitlines():
            m = re.match(r"glibc\.cpu\.(x86_\w+):\s*(0x[0-9a-f]+|\d+)", line)
            if m and ("movsb" in m.group(1) or "non_temporal" in m.group(1)):
                out[m.group(1)] = int(m.group(2), 0)
        break
    return out


def memcpy_variant(obj, offset):
    """Name the function at @offset of @obj from its debug symbols
    (libc6-dbg). 'unknown' when that cannot be done exactly."""
    if not obj or not offset or obj == "unknown":
        return "unknown (the address of memcpy could not be found)"
    try:
        notes = subprocess.run(["readelf", "-n", obj], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, timeout=10).stdout
        bid = re.search(r"Build ID:\s*([0-9a-f]+)", notes).group(1)
    except (OSError, subprocess.SubprocessError, AttributeError):
        return "unknown (no build id)"
    dbg = f"/usr/lib/debug/.build-id/{bid[:2]}/{bid[2:]}.debug"
    if not os.path.exists(dbg):
        return "unknown (install libc6-dbg to name it)"
    try:
        syms = subprocess.run(["nm", dbg], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown (nm failed)"
    want = int(offset, 16)
    names = sorted({ln.split()[2] for ln in syms.splitlines()
                    if len(ln.split()) == 3 and ln.split()[1] in "tTiW"
                    and int(ln.split()[0], 16) == want})
    return ", ".join(names) if names else "unknown (no symbol at that address)"


def build_context(gb_ctx, args, env, started, elapsed):
    model, flags = cpu_info()
    interesting = [f for f in flags if f in (
        "erms", "fsrm", "avx", "avx2", "avx512f", "avx512bw", "avx512vl", "avx512vbmi2",
        "sse4_2", "ssse3", "movdir64b", "movdiri", "hypervisor")]
    tuning_file = env.get("VMB_COPY_TUNING")
    ctx = {
        "started_utc": started,
        "duration_s": round(elapsed, 1),
        "command": "./vmbytes " + args.cmd + (" --quick" if getattr(args, "quick", False) else "")
                   + (f" {args.filter}" if getattr(args, "filter", None) else ""),
        "mode": args.mode,
        "filter": getattr(args, "filter", None),
        "repetitions": args.repetitions,
        "min_time_s": args.min_time,
        "interleaved": True,
        "cpu_model": model,
        "cpu_count": os.cpu_count(),
        "cpu_flags_relevant": interesting,
        "cpu_flags": flags,
        "compiler": gb_ctx.get("vmb_compiler", "unknown"),
        "compiler_flags": gb_ctx.get("vmb_cflags", "unknown"),
        "glibc_version": os.confstr("CS_GNU_LIBC_VERSION") if hasattr(os, "confstr") else "unknown",
        "glibc_memcpy": memcpy_variant(gb_ctx.get("vmb_memcpy_object"),
                                       gb_ctx.get("vmb_memcpy_offset")),
        "glibc_tunables": glibc_tunables(),
        "copy_tuning_file": tuning_file,
        "copy_tuning_file_text": open(tuning_file).read() if tuning_file else None,
        "copy_tuning_status": gb_ctx.get("vmb_tuning_file_status"),
        "copy_thresholds_in_force": {
            "block": gb_ctx.get("vmb_tuning_block"),
            "movsb_min": gb_ctx.get("vmb_tuning_movsb_min"),
            "movsb_max": gb_ctx.get("vmb_tuning_movsb_max"),
            "nt_min": gb_ctx.get("vmb_tuning_nt_min"),
        },
        "strategies_available": (gb_ctx.get("vmb_strategies") or "").split(","),
        "google_benchmark_build": gb_ctx.get("library_build_type"),
    }
    return ctx

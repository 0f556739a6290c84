# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""corpus/<target>: merging what a job found into it (only inputs that
add coverage, each named by its SHA-1), and minimizing it in place
(`fuzz prune`)."""
import hashlib
import os
import shutil
import subprocess

from .. import ROOT
from ..files import Failed, atomic_write, fsync_dir, is_temp, rel, remove_temps, sha1_of
from ..lists import TARGETS
from . import die_with_parent, paths


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
            fuzzer = os.path.join(paths.LIBFUZZER_BUILD, f"fuzz_{job.target}")
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
        fuzzer = os.path.join(paths.LIBFUZZER_BUILD, f"fuzz_{t}")
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

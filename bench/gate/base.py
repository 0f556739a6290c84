# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The base build the gates compare a change with: which revision, and
building it beside the change, in the same run on the same machine.

The base revision, unless given (--base REV):
  - in CI on a merge request: the merge base with the target branch
    (GitLab's CI_MERGE_REQUEST_DIFF_BASE_SHA; on GitHub, `git merge-base
    HEAD origin/$GITHUB_BASE_REF`, which needs the checkout's history);
  - else HEAD when the work tree has uncommitted changes to tracked files
    (the change is those edits; untracked files are not looked at);
  - else HEAD's first parent (the change is the last commit).
The change is always the work tree as it is.

The base's tree is exported with `git archive` into build/gate/base/<sha>/
(one kept at a time) and built there with the project's own presets, so
it is the base revision's code and build files, never the change's.
"""
import os
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BASE_DIR = os.path.join(ROOT, "build", "gate", "base")


class BaseError(Exception):
    """A base that cannot be had; the message is one line."""


# A CI container checks out as another user: git then refuses the tree
# ("dubious ownership") unless told it is safe, which -c may say.
GIT = ["git", "-c", f"safe.directory={ROOT}", "-C", ROOT]


def git(*args, check=True):
    p = subprocess.run(GIT + list(args), capture_output=True, text=True)
    if check and p.returncode != 0:
        raise BaseError(f"git {' '.join(args)}: {p.stderr.strip().splitlines()[-1:] or ['failed']}")
    return p


def resolve(rev=None):
    """(sha, how it was chosen) for @rev or the default described above."""
    if git("rev-parse", "--is-inside-work-tree", check=False).returncode != 0:
        raise BaseError("not a git work tree: the gate needs the history to find its base "
                        "(give --base REV in a clone)")
    why = None
    if rev is None:
        gitlab = os.environ.get("CI_MERGE_REQUEST_DIFF_BASE_SHA")
        github = os.environ.get("GITHUB_BASE_REF")
        if gitlab:
            rev, why = gitlab, "the merge request's merge base (CI_MERGE_REQUEST_DIFF_BASE_SHA)"
        elif github:
            mb = git("merge-base", "HEAD", f"origin/{github}", check=False)
            if mb.returncode != 0:
                raise BaseError(f"no merge base with origin/{github} (check out with "
                                "fetch-depth: 0, or give --base REV)")
            rev, why = mb.stdout.strip(), f"the merge base with origin/{github}"
        elif git("diff", "--quiet", "HEAD", "--", check=False).returncode != 0:
            rev, why = "HEAD", "HEAD (the work tree has uncommitted changes)"
        else:
            rev, why = "HEAD^", "HEAD's first parent (the work tree is clean)"
    p = git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", check=False)
    if p.returncode != 0:
        raise BaseError(f"base revision '{rev}' is not a commit here"
                        + (" (HEAD has no parent: give --base REV)" if rev == "HEAD^" else ""))
    sha = p.stdout.strip()
    return sha, why or f"--base {rev}"


def export(sha):
    """The base's source tree, exported once per revision; returns its path."""
    src = os.path.join(BASE_DIR, sha[:12])
    stamp = os.path.join(src, ".vmbytes-base")
    if os.path.exists(stamp):
        return src
    os.makedirs(BASE_DIR, exist_ok=True)
    for old in os.listdir(BASE_DIR):  # one base at a time: each is a full tree
        shutil.rmtree(os.path.join(BASE_DIR, old), ignore_errors=True)
    tmp = src + ".tmp"
    os.makedirs(tmp)
    archive = subprocess.Popen(GIT + ["archive", "--format=tar", sha],
                               stdout=subprocess.PIPE)
    untar = subprocess.run(["tar", "-x", "-C", tmp], stdin=archive.stdout, capture_output=True,
                           text=True)
    archive.stdout.close()
    if archive.wait() != 0 or untar.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise BaseError(f"exporting {sha[:12]} failed: {untar.stderr.strip()[-200:]}")
    with open(os.path.join(tmp, ".vmbytes-base"), "w") as f:
        f.write(sha + "\n")
    os.rename(tmp, src)
    return src


def build(src, preset, targets, log):
    """Configure and build @targets of @preset in the tree @src; returns its
    build directory. Output goes to @log (a file object)."""
    for cmd in (["cmake", "--preset", preset],
                ["cmake", "--build", "--preset", preset] + [a for t in targets for a in ("--target", t)]):
        log.write(f"$ (in {src}) {' '.join(cmd)}\n")
        log.flush()
        p = subprocess.run(cmd, cwd=src, stdout=log, stderr=subprocess.STDOUT)
        if p.returncode != 0:
            raise BaseError(f"building the base ({preset}: {' '.join(targets)}) failed; see the log")
    return os.path.join(src, "build", preset)

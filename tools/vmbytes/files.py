# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""Files written atomically (temporary name, fsync, rename, directory
fsync), the one way every tool writes: a kill or a full disk leaves the
old file or none, never a part."""
import hashlib
import json
import os

from . import ROOT


class Failed(Exception):
    """The work could not be done; the message is the one-line reason."""


def rel(path):
    return os.path.relpath(path, ROOT) if path.startswith(ROOT + os.sep) else path


def temp_name(path):
    """The temporary name @path is written under: hidden, ends in .tmp."""
    return os.path.join(os.path.dirname(path), f".{os.path.basename(path)}.{os.getpid()}.tmp")


def is_temp(name):
    return name.endswith(".tmp")


def fsync_dir(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path, data):
    """Write @data (bytes or str) to @path: a kill leaves the old file or the new, never a
    part, and a full disk raises Failed naming the file (no temporary file left)."""
    if isinstance(data, str):
        data = data.encode()
    tmp = temp_name(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        fsync_dir(os.path.dirname(path))
    except OSError as e:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise Failed(f"cannot write {rel(path)}: {e.strerror}") from None


def sha1_of(path):
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


def write_json(path, data):
    """Atomic: a kill between the write and the rename leaves the old file."""
    atomic_write(path, json.dumps(data, indent=2, sort_keys=True, allow_nan=False) + "\n")


def remove_temps(top, hidden_only=False):
    """Remove the temporary files a kill left under @top."""
    for dirpath, _dirs, files in os.walk(top):
        for n in files:
            if is_temp(n) and (n.startswith(".") or not hidden_only):
                try:
                    os.remove(os.path.join(dirpath, n))
                except OSError:
                    pass

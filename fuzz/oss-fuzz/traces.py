# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""What the fuzzers touched, from strace -ff traces (check.py runs every
binary under strace): the /dev paths, writes outside /tmp, chdirs."""
import os
import re

# strace: every syscall taking a path, plus chdir/fchdir.
STRACE_SET = "%file,fchdir"
WRITE_SYSCALLS = {"creat", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename", "renameat",
                  "renameat2", "link", "linkat", "symlink", "symlinkat", "truncate", "chmod",
                  "fchmodat", "chown", "lchown", "fchownat", "utime", "utimes", "utimensat",
                  "futimesat", "mknod", "mknodat", "setxattr", "lsetxattr", "removexattr",
                  "lremovexattr", "mount", "umount2", "swapon", "swapoff", "chroot", "acct",
                  "pivot_root", "quotactl"}
OPEN_WRITE = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND")
STRACE_LINE = re.compile(r"^(\w+)\((.*)\)\s+=\s+(-?\d+|\?)")
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
OPENED = re.compile(r"=\s+\d+<([^>]*)>")
DIRFD = re.compile(r"^(?:AT_FDCWD|-?\d+<([^>]*)>)")


def scan_traces(prefix, cwd):
    """The /dev paths, writes outside /tmp and chdirs in strace -ff files."""
    found = {"dev": set(), "writes": set(), "chdir": set()}
    for name in os.listdir(prefix):
        if not name.startswith("st."):
            continue
        with open(os.path.join(prefix, name), errors="replace") as f:
            for line in f:
                m = STRACE_LINE.match(line)
                if not m:
                    continue
                call, args = m.group(1), m.group(2)
                if call in ("chdir", "fchdir"):
                    found["chdir"].add(f"{call}({args[:80]})")
                    continue
                if call in ("execve", "execveat"):
                    strings = QUOTED.findall(args)[:1]
                elif call in ("readlink", "readlinkat"):
                    strings = QUOTED.findall(args)[:1]
                else:
                    strings = QUOTED.findall(args)
                if call in ("symlink", "symlinkat"):
                    strings = strings[1:]  # the first string is the link's content
                d = DIRFD.match(args)
                base = d.group(1) if d and d.group(1) else cwd
                paths = [os.path.normpath(os.path.join(base, s)) for s in strings if s]
                for p in paths:
                    if p == "/dev" or p.startswith("/dev/"):
                        found["dev"].add(p)
                writes = call in WRITE_SYSCALLS or (call in ("open", "openat", "openat2", "creat")
                                                    and (call == "creat" or OPEN_WRITE.search(args)))
                if writes and call in ("open", "openat", "openat2", "creat"):
                    # What the descriptor refers to, when the open succeeded
                    # (strace -y): /proc/self/fd/N of a memfd is no file.
                    r = OPENED.search(line)
                    if r:
                        paths = [r.group(1)] if r.group(1).startswith("/") and not r.group(1).startswith("/memfd:") else []
                if writes:
                    for p in paths:
                        if not (p == "/tmp" or p.startswith("/tmp/")) and not p.startswith("/dev/"):
                            found["writes"].add(f"{call} {p}")
    return found

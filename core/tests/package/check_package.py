#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The installed package, tried as a user would (README.md, "Install and
use"). Each subcommand is one ctest test (core/tests/package/CMakeLists.txt):

  install BUILD PREFIX       cmake --install BUILD into a fresh PREFIX; check
                             both libraries, the SONAME and the files
  cmake PREFIX WORK VERSION  build consumer/ with find_package(vmbytes) (C and
                             C++, shared and static) and run the four programs
  pkgconfig PREFIX WORK VERSION CC CXX...
                             compile consumer.c with CC and consumer.cc with
                             each CXX through pkg-config vmbytes (shared) and
                             vmbytes-static, and run them
  replay PREFIX OPS          run the installed vmbytes-replay on OPS (with no
                             library path set) and check its results
  symbols LIB LIST           the exported symbols of LIB (nm -D) against the
                             committed LIST (core/abi/symbols.txt)
  layouts INCLUDE_DIR LIST CC the size and alignment of every public struct,
                             as CC lays them out, against LIST
                             (core/abi/layouts.txt)
  version CMAKE_VERSION HEADER
                             VMB_VERSION_* in HEADER equal the CMake version

Exit 0 when all holds, 1 with a message otherwise, 2 for bad arguments.
"""
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CONSUMER = os.path.join(HERE, "consumer")


class Fail(Exception):
    pass


def run(cmd, env=None, cwd=None):
    p = subprocess.run(cmd, env=env, cwd=cwd, text=True, capture_output=True)
    if p.returncode != 0:
        raise Fail(f"`{' '.join(cmd)}` exited {p.returncode}:\n{p.stdout}{p.stderr}")
    return p.stdout


def clean_env():
    env = dict(os.environ)
    for k in ("LD_LIBRARY_PATH", "PKG_CONFIG_PATH", "CMAKE_PREFIX_PATH", "CPATH", "LIBRARY_PATH"):
        env.pop(k, None)
    return env


def libdir(prefix):
    for d in ("lib", "lib64") + tuple(os.path.join("lib", x) for x in os.listdir(os.path.join(prefix, "lib"))
                                      if os.path.isdir(os.path.join(prefix, "lib", x)) and "-linux-" in x):
        if os.path.exists(os.path.join(prefix, d, "libvmbytes.a")):
            return os.path.join(prefix, d)
    raise Fail(f"no libvmbytes.a under {prefix}")


def cmd_install(build, prefix):
    shutil.rmtree(prefix, ignore_errors=True)
    run(["cmake", "--install", build, "--prefix", prefix])
    lib = libdir(prefix)
    for f in ("libvmbytes.a", "libvmbytes.so", "libvmbytes.so.0", "pkgconfig/vmbytes.pc",
              "pkgconfig/vmbytes-static.pc", "cmake/vmbytes/vmbytesConfig.cmake"):
        if not os.path.exists(os.path.join(lib, f)):
            raise Fail(f"{f} is not installed in {lib}")
    for h in ("vmbytes.h", "vmbytes/version.h"):
        if not os.path.exists(os.path.join(prefix, "include", h)):
            raise Fail(f"include/{h} is not installed")
    dyn = run(["readelf", "-d", os.path.join(lib, "libvmbytes.so")])
    if "Library soname: [libvmbytes.so.0]" not in dyn:
        raise Fail(f"libvmbytes.so has no SONAME libvmbytes.so.0:\n{dyn}")
    print(f"installed into {prefix}: static and shared (SONAME libvmbytes.so.0)")


def run_consumers(progs, version):
    for prog, shared in progs:
        out = run([prog, version], env=clean_env())
        print(f"{os.path.basename(prog)} ({'shared' if shared else 'static'}): {out.strip()}")
        if shared:
            ldd = run(["ldd", prog])
            if "libvmbytes.so.0" not in ldd:
                raise Fail(f"{prog} does not load libvmbytes.so.0:\n{ldd}")


def cmd_cmake(prefix, work, version):
    shutil.rmtree(work, ignore_errors=True)
    env = clean_env()
    gen = ["-G", "Ninja"] if shutil.which("ninja") else []
    run(["cmake", "-S", CONSUMER, "-B", work, *gen, f"-DCMAKE_PREFIX_PATH={prefix}",
         "-DCMAKE_C_COMPILER=gcc", "-DCMAKE_CXX_COMPILER=g++"], env=env)
    run(["cmake", "--build", work], env=env)
    run_consumers([(os.path.join(work, f"{lang}_{kind}"), kind == "shared")
                   for lang in ("c", "cxx") for kind in ("shared", "static")], version)


def cmd_pkgconfig(prefix, work, version, cc, cxxs):
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = clean_env()
    env["PKG_CONFIG_PATH"] = os.path.join(libdir(prefix), "pkgconfig")
    progs = []
    for pkg, shared in (("vmbytes", True), ("vmbytes-static", False)):
        cflags = run(["pkg-config", "--cflags", pkg], env=env).split()
        libs = run(["pkg-config", "--libs", pkg], env=env).split()
        if shared:
            # The shared library is not on the loader's path: say where.
            libs += ["-Wl,-rpath," + libdir(prefix)]
        warn = ["-O2", "-Wall", "-Wextra", "-Wpedantic", "-Werror", f"-DVMB_EXPECT_SHARED={int(shared)}"]
        for comp, src, std in [(cc, "consumer.c", "c17")] + [(x, "consumer.cc", "c++17") for x in cxxs]:
            out = os.path.join(work, f"{os.path.basename(comp)}_{pkg}")
            run([comp, f"-std={std}", *warn, *cflags, "-o", out, os.path.join(CONSUMER, src), *libs],
                env=env)
            progs.append((out, shared))
    run_consumers(progs, version)


def cmd_replay(prefix, ops):
    """The installed tool, with nothing on the library path, replays OPS
    and gives the expected results (replay_check.py compares them)."""
    tool = os.path.join(prefix, "bin", "vmbytes-replay")
    out = run([sys.executable, os.path.join(os.path.dirname(HERE), "replay_check.py"), tool, ops],
              env=clean_env())
    print(out.strip())
    print(f"{tool} ran from the prefix")


def exported(lib):
    """name -> 'FUNC' or 'OBJECT size' for every defined dynamic symbol."""
    syms = {}
    for line in run(["nm", "-D", "--defined-only", "--format=posix", lib]).splitlines():
        f = line.split()
        name, kind = f[0], f[1]
        if kind in "TtWw" or kind == "i":
            syms[name] = "FUNC"
        elif kind in "DdBbRrVv":
            syms[name] = f"OBJECT {int(f[3], 16) if len(f) > 3 else 0}"
        elif kind == "A":  # the version node itself (VMBYTES_0)
            syms[name] = "VERSION"
        else:
            syms[name] = kind
    return syms


def cmd_symbols(lib, listfile):
    have = exported(lib)
    want = {}
    with open(listfile) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                name, kind = line.split(None, 1)
                want[name] = kind
    gone = sorted(set(want) - set(have))
    new = sorted(set(have) - set(want))
    changed = sorted(n for n in set(want) & set(have) if want[n] != have[n])
    stray = sorted(n for n in have if have[n] != "VERSION" and not n.startswith("vmb_"))
    if not (gone or new or changed or stray):
        print(f"{len(have)} exported symbols, as {listfile} lists")
        return
    msg = [f"the exported symbols of {lib} differ from {listfile}:"]
    msg += [f"  removed: {n} ({want[n]})" for n in gone]
    msg += [f"  added:   {n} ({have[n]})" for n in new]
    msg += [f"  changed: {n} ({want[n]} -> {have[n]})" for n in changed]
    msg += [f"  outside vmb_*: {n}" for n in stray]
    msg.append("A removal or a change breaks the ABI: make it deliberate. Bump VMB_SOVERSION in "
               "CMakeLists.txt (the SONAME libvmbytes.so.N) together with the version node "
               "VMBYTES_N in core/vmbytes.map, and the release (project VERSION and "
               "core/include/vmbytes/version.h); an addition needs a new minor release. Say "
               "what changed in CHANGES.md. Then regenerate the list:\n"
               f"  {sys.argv[0]} symbols-write {lib} {listfile}")
    raise Fail("\n".join(msg))


def cmd_symbols_write(lib, listfile):
    have = exported(lib)
    with open(listfile, "w") as f:
        f.write("# The ABI of libvmbytes.so: every exported symbol, FUNC or OBJECT <size>.\n"
                "# Checked by the test abi.exported_symbols; regenerate with\n"
                "#   core/tests/package/check_package.py symbols-write LIB core/abi/symbols.txt\n"
                "# and say what changed in CHANGES.md.\n")
        for n in sorted(have):
            f.write(f"{n} {have[n]}\n")
    print(f"wrote {len(have)} symbols to {listfile}")


def cmd_version(cmake_version, header):
    with open(header) as f:
        text = f.read()
    got = []
    for part in ("MAJOR", "MINOR", "PATCH"):
        m = re.search(rf"^#define VMB_VERSION_{part} (\d+)$", text, re.M)
        if not m:
            raise Fail(f"{header} defines no VMB_VERSION_{part}")
        got.append(m.group(1))
    if ".".join(got) != cmake_version:
        raise Fail(f"{header} says {'.'.join(got)}, CMakeLists.txt project(VERSION) says "
                   f"{cmake_version}: change both together (and CHANGES.md)")
    print(f"version {cmake_version} in both")


def public_structs(inc):
    """Every struct a public header defines, and the endian typedefs."""
    names = []
    for h in sorted(os.listdir(os.path.join(inc, "vmbytes"))):
        with open(os.path.join(inc, "vmbytes", h)) as f:
            text = f.read()
        names += [f"struct {n}" for n in re.findall(r"^struct (\w+) \{", text, re.M)]
        names += re.findall(r"^typedef struct \{[^}]*\} (\w+);", text, re.M)
    return names


def layouts(inc, cc):
    """name -> 'size S align A' of every public struct, as CC lays it out."""
    names = public_structs(inc)
    # The experimental tier's structs too: their layouts are ABI for the
    # programs that use it.
    src = "#include <stdio.h>\n#define VMB_EXPERIMENTAL\n#include <vmbytes.h>\nint main(void)\n{\n"
    for n in names:
        src += f'\tprintf("%s size %zu align %zu\\n", "{n}", sizeof({n}), _Alignof({n}));\n'
    src += "\treturn 0;\n}\n"
    tmp = os.environ.get("TMPDIR", "/tmp")
    exe = os.path.join(tmp, f"vmb-layouts-{os.getpid()}")
    p = subprocess.run([cc, "-std=c11", "-x", "c", "-I", inc, "-o", exe, "-"], input=src,
                       text=True, capture_output=True)
    if p.returncode != 0:
        raise Fail(f"cannot build the layout probe:\n{p.stderr}")
    try:
        out = run([exe])
    finally:
        os.unlink(exe)
    return dict(line.rsplit(" size ", 1) for line in out.splitlines())


def cmd_layouts(inc, listfile, cc="gcc"):
    have = {k: "size " + v for k, v in layouts(inc, cc).items()}
    want = {}
    with open(listfile) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                name, rest = line.split(" size ", 1)
                want[name] = "size " + rest
    diff = [f"  removed: {n}" for n in sorted(set(want) - set(have))]
    diff += [f"  added:   {n} ({have[n]})" for n in sorted(set(have) - set(want))]
    diff += [f"  changed: {n} ({want[n]} -> {have[n]})" for n in sorted(set(want) & set(have))
             if want[n] != have[n]]
    if not diff:
        print(f"{len(have)} public structs, laid out as {listfile} lists")
        return
    raise Fail("\n".join([f"the public structs differ from {listfile}:"] + diff + [
        "Programs compiled against the headers allocate these structs and read some of them "
        "inline: a changed size or alignment breaks the ABI (bump VMB_SOVERSION, see "
        "abi.exported_symbols) unless the struct is only ever handled through a pointer the "
        "library allocates. Say so in CHANGES.md, then regenerate the list:",
        f"  {sys.argv[0]} layouts-write INCLUDE_DIR {listfile}"]))


def cmd_layouts_write(inc, listfile):
    have = layouts(inc, "gcc")
    with open(listfile, "w") as f:
        f.write("# The size and alignment (bytes, x86-64 and other LP64 hosts) of every struct\n"
                "# the public headers define: part of the ABI. Checked by abi.struct_layouts;\n"
                "# regenerate with\n"
                "#   core/tests/package/check_package.py layouts-write core/include core/abi/layouts.txt\n"
                "# and say what changed in CHANGES.md.\n")
        for n in sorted(have):
            f.write(f"{n} size {have[n]}\n")
    print(f"wrote {len(have)} layouts to {listfile}")


COMMANDS = {"install": (cmd_install, 2), "cmake": (cmd_cmake, 3), "replay": (cmd_replay, 2),
            "symbols": (cmd_symbols, 2), "symbols-write": (cmd_symbols_write, 2),
            "version": (cmd_version, 2), "layouts": (cmd_layouts, 3),
            "layouts-write": (cmd_layouts_write, 2)}


def main():
    args = sys.argv[1:]
    if args and args[0] == "pkgconfig" and len(args) >= 6:
        fn, fargs = cmd_pkgconfig, args[1:5] + [args[5:]]
    elif args and args[0] in COMMANDS and len(args) == COMMANDS[args[0]][1] + 1:
        fn, fargs = COMMANDS[args[0]][0], args[1:]
    else:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        fn(*fargs)
    except Fail as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

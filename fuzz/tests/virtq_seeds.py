#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""Seeds for the virtq fuzz target: chains of one to three descriptors and
one through an indirect table, on every layout, strict or not, with and
without EVENT_IDX, each published, popped, its buffers walked as slices and
returned.

usage: virtq_seeds.py --out DIR [--replay BIN]

Writes the inputs into DIR, named by the SHA-1 of their content (as the
campaign names corpus files). With --replay, decodes each with BIN -decode
and checks that it decodes to the chain it was built as (its descriptors,
its table, a pop), then replays them all through the oracle. Exit 0, 1 when
a check fails, 2 on bad arguments.
"""
import argparse
import hashlib
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools"))
from vmbytes.cliargs import Parser  # noqa: E402

LAYOUTS = ["one_region", "after_hole", "ram_hole_ram", "adjacent", "top"]
# The region the buffers of each layout go to (virtq/model.c's table).
BUF_REGION = [0, 1, 0, 0, 1]
NREGIONS = [1, 2, 2, 3, 2]


def addr_inside(region, off):
    """pick_addr case 6: region start + off."""
    return bytes([6 | (region << 3)]) + struct.pack("<H", off)


def addr_end(region, nregions):
    """pick_addr case 1 with delta 0: 16 bytes before the region's end."""
    for k in range(4):
        m = 1 | (k << 3) | (4 << 5)
        if (m >> 3) % nregions == region:
            return bytes([m])
    raise AssertionError("no encoding for region %d" % region)


def small_len(n):
    return bytes([1, n])  # pick_len case 1: one byte


def desc(index, addr, length, flags, nxt):
    assert nxt < 63
    return bytes([index]) + addr + length + bytes([flags, (nxt << 2) | 1])


def seed(layout, strict, event_idx, ndesc, indirect, cross):
    region = BUF_REGION[layout]
    b0 = layout | (8 if strict else 0) | (16 if event_idx else 0)
    out = bytes([b0, 2, 8])            # size 4, room for 9 buffers
    out += bytes([0, 0, 0])            # the areas packed from qbase
    out += addr_inside(region, 0x2000)  # the indirect table
    descs = []
    for i in range(ndesc):
        last = i == ndesc - 1
        writable = i > 0 or ndesc == 1
        flags = (2 if writable else 0) | (0 if last else 1)
        if cross and last:
            addr = addr_end(0, NREGIONS[layout])  # across a boundary or into a hole
            length = small_len(32)
        else:
            addr = addr_inside(region, 0x1000 + 0x100 * i)
            length = small_len(16 + i)
        descs.append(desc(i, addr, length, flags, i + 1))
    table = []
    if indirect:
        # One more direct descriptor: the table of two (pick_addr case 5,
        # pick_len case 2 with 2 entries).
        descs[-1] = descs[-1][:-2] + bytes([descs[-1][-2] | 1, (ndesc << 2) | 1])
        descs.append(bytes([ndesc, 5, 2 | (1 << 3), 4, 1]))
        # Table entries have no index byte: entry i is the i-th.
        table.append(desc(0, addr_inside(region, 0x3000), small_len(8), 1, 1)[1:])
        table.append(desc(1, addr_inside(region, 0x3100), small_len(9), 2, 0)[1:])
    out += bytes([len(descs), len(table)]) + b"".join(descs) + b"".join(table)
    total = sum(16 + i for i in range(ndesc)) + (17 if indirect else 0)
    # publish head 0, pop, slices, add_used, needs_notification, enable, args.
    # 131 = 5 + 9 * 14: notify, with bit 7 set (enable); 8: the argument checks.
    out += bytes([0, 0, 2, 7, 3, 0, 1, total & 0xff, 4, 131, 8])
    return out, len(descs), len(table)


def main():
    ap = Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--replay")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    made = []
    for layout in range(len(LAYOUTS)):
        for ndesc in (1, 2, 3):
            for indirect in (False, True):
                for cross in (False, True):
                    strict = (ndesc + layout) % 2 == 1
                    data, nd, nt = seed(layout, strict, ndesc == 2, ndesc, indirect, cross)
                    name = hashlib.sha1(data).hexdigest()
                    tmp = tempfile.NamedTemporaryFile(dir=args.out, delete=False)
                    tmp.write(data)
                    tmp.close()
                    os.replace(tmp.name, os.path.join(args.out, name))
                    made.append((name, LAYOUTS[layout], nd, nt))
    if args.replay:
        for name, layout, nd, nt in made:
            path = os.path.join(args.out, name)
            text = subprocess.run([args.replay, "-decode", path], check=True,
                                  capture_output=True, text=True).stdout
            want = ["layout %s size=4" % layout, "descriptors %d indirect %d" % (nd, nt), "\npop "]
            missing = [w for w in want if w not in text]
            if missing or "ends here" in text:
                print("virtq seed %s does not decode as built (%s):\n%s" % (name, missing, text))
                return 1
        rc = subprocess.run([args.replay, args.out]).returncode
        if rc != 0:
            print("virtq seeds: the oracle failed on a seed (exit %d)" % rc)
            return 1
    print("virtq seeds: %d inputs in %s" % (len(made), args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

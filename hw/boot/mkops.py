#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
#
# mkops.py - the kernel's built-in scenarios as op lists (hw/include/hwops.h),
# for the boot tests before and besides `eptsim hw-run`.
#
#   mkops.py SCENARIO MODE [--skip-inval] [--guest-ap] -o OPLIST
#
# MODE: legacy, ept-ad, ept-emul.  SCENARIO: basic (map, write, read,
# protect read-only, write again, fetch from a non-executable and an
# executable page, unmap, access again, then kernel-mode (CPL0) accesses to
# a read-only user page) or stale (a read-only downgrade
# followed by a write: with --skip-inval the CPU still holds the writable
# translation and the write goes through).  --guest-ap (EPT modes): the
# guest runs on the second CPU (flag bit 1; boot with two CPUs).  trap and
# misconfig are no op lists: their magics make the kernel run a self-test
# (hw/kernel/hwk_selftest.c).
import argparse
import struct
import sys

MODES = {"legacy": 0, "ept-ad": 1, "ept-emul": 2}
MAP, UNMAP, PROTECT, ACCESS, CLEAR_MOD, TS_REF, CHECK, END = range(1, 9)
R, W, X = 1, 2, 4
WB = 6
A = 0x400000
B = 0x600000
C = 0x800000


def op(kind, va=0, arg=0, access=0, user=1, prot=0, memattr=0, line=0):
    return struct.pack("<BBBBIQQQ", kind, access, user, prot, memattr, va, arg, line)


def basic():
    return [
        op(MAP, A, 4, prot=R | W, memattr=WB, line=1),
        op(ACCESS, A, 0x1122334455667788, access=W, line=2),
        op(ACCESS, A, access=R, line=3),
        op(ACCESS, A + 0x1008, access=R, line=4),
        op(PROTECT, A, 1, prot=R, line=5),
        op(ACCESS, A, 0x99, access=W, line=6),
        op(ACCESS, A + 0x2000, access=X, line=7),
        op(MAP, B, 1, prot=R | X, memattr=WB, line=8),
        op(ACCESS, B + 0x10, access=X, line=9),
        op(CHECK, line=10),
        op(UNMAP, A, 4, line=11),
        op(ACCESS, A, access=R, line=12),
        op(MAP, C, 1, prot=R, memattr=WB, line=13),
        op(ACCESS, C + 0x18, access=R, user=0, line=14),
        op(ACCESS, C + 0x18, 0x77, access=W, user=0, line=15),
        op(END, line=16),
    ]


def stale():
    return [
        op(MAP, A, 1, prot=R | W, memattr=WB, line=1),
        op(ACCESS, A, 0x1111, access=W, line=2),
        op(PROTECT, A, 1, prot=R, line=3),
        op(ACCESS, A, 0x2222, access=W, line=4),
        op(ACCESS, A, access=R, line=5),
        op(END, line=6),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("scenario", choices=["basic", "stale", "trap", "misconfig"])
    ap.add_argument("mode", choices=sorted(MODES))
    ap.add_argument("--skip-inval", action="store_true")
    ap.add_argument("--guest-ap", action="store_true")
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    if a.scenario in ("trap", "misconfig"):
        magic = {"trap": b"HWKTRAP\0", "misconfig": b"HWKMISCF"}[a.scenario]
        with open(a.output, "wb") as f:
            f.write(magic.ljust(32, b"\0"))
        return 0
    ops = basic() if a.scenario == "basic" else stale()
    if a.mode != "legacy":
        ops = [o[:2] + b"\0" + o[3:] for o in ops]  # EPT guests run at CPL0
    hdr = b"EPTHWOPS" + struct.pack("<IIIIQ", 1, MODES[a.mode], len(ops),
                                    (1 if a.skip_inval else 0) | (2 if a.guest_ap else 0),
                                    0)
    with open(a.output, "wb") as f:
        f.write(hdr + b"".join(ops))
    return 0


if __name__ == "__main__":
    sys.exit(main())

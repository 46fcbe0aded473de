#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
#
# boot-test.py - boot an eptsim hw image on an emulator and check what it
# printed on port 0xE9.
#
#   boot-test.py --run RUNSCRIPT [--cpu=...] IMAGE EXPECT...
#
# Each EXPECT is a regular expression that must match a whole output line,
# in order (other lines may come between).  The run must print an "END "
# or a "FATAL " line (a run without one hung or crashed).  Exit 0
# pass, 1 fail (the output and the first unmatched EXPECT are printed),
# 77 when the emulator is not installed (ctest SKIP_RETURN_CODE).
import argparse
import re
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True)
    ap.add_argument("--cpu")
    ap.add_argument("--cpus")
    ap.add_argument("--timeout", default="60")
    ap.add_argument("image")
    ap.add_argument("expect", nargs="+")
    a = ap.parse_args()

    cmd = [a.run, a.image, f"--timeout={a.timeout}"]
    if a.cpu:
        cmd.append(f"--cpu={a.cpu}")
    if a.cpus:
        cmd.append(f"--cpus={a.cpus}")
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    secs = time.monotonic() - t0
    if p.returncode == 3:
        print(f"boot-test: SKIP: {p.stderr.strip()}")
        return 77
    lines = p.stdout.splitlines()
    print(p.stdout, end="")
    print(f"boot-test: {' '.join(cmd)}: exit {p.returncode}, {secs:.2f} s")
    if p.returncode != 0:
        print(f"boot-test: FAIL: run exited {p.returncode}: {p.stderr.strip()}")
        return 1
    if not any(re.match(r"(END|FATAL) ", ln) for ln in lines):
        print("boot-test: FAIL: the run printed no END or FATAL line")
        return 1
    i = 0
    for exp in a.expect:
        while i < len(lines) and not re.fullmatch(exp, lines[i]):
            i += 1
        if i == len(lines):
            print(f"boot-test: FAIL: no line matches '{exp}' (in order)")
            return 1
        i += 1
    print(f"boot-test: ok, {len(a.expect)} expected lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())

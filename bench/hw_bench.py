#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""hw_bench.py - how fast the hardware path checks events.

For each emulator configuration (Bochs EPT with hardware A/D, Bochs EPT
with emulated A/D, Bochs legacy, QEMU legacy) runs `eptsim hw-run` on an
empty scenario (the boot alone), on hand-written corpus scenarios, on the two longest real recordings
and on a synthetic one (`eptsim gen --shape=copy`, its first vmspace), and
prints per run: boot-to-result seconds (the emulator run, hw-run's own
--json figure), records compared, hardware-checked events/s over the
whole run, and over the run less the empty scenario's boot (the
per-event rate; "-" when the run is within 50 ms of the boot alone).
Best of --repeat runs.

  bench/hw_bench.py [--eptsim PATH] [--repeat N] [--gen-events N]

The binary is --eptsim, else $EPTSIM, else build-rel/tools/eptsim, else
build/tools/eptsim.  Standard library only; figures are printed, never
asserted.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
HAND = os.path.join(ROOT, "traces", "corpus", "hand")
SCENARIOS = ["mprotect-downgrade", "pageout-dirty-clean"]
REAL = ["git-status", "sort-parallel"]  # the longest recordings: the per-event rate
CONFIGS = [
    ("bochs ept hw-A/D", ["--emulator=bochs", "--mode=ept", "--ad=hw", "--relocate"]),
    ("bochs ept emul-A/D", ["--emulator=bochs", "--mode=ept", "--ad=emulated", "--relocate"]),
    ("bochs legacy", ["--emulator=bochs", "--mode=legacy", "--relocate"]),
    ("qemu legacy", ["--emulator=qemu", "--mode=legacy", "--relocate"]),
]


def find_eptsim(arg):
    for cand in (arg, os.environ.get("EPTSIM"),
                 os.path.join(ROOT, "build-rel", "tools", "eptsim"),
                 os.path.join(ROOT, "build", "tools", "eptsim")):
        if cand and os.path.exists(cand):
            return cand
    sys.exit("hw_bench: no eptsim binary (build first, or --eptsim PATH)")


def hw_run(eptsim, trace, args, repeat):
    best = None
    for _ in range(repeat):
        r = subprocess.run([eptsim, "hw-run", trace, "--json", *args], capture_output=True,
                           text=True, timeout=600)
        if r.returncode != 0:
            sys.exit(f"hw_bench: {trace} {' '.join(args)}: exit {r.returncode}\n"
                     f"{r.stdout}{r.stderr}")
        d = json.loads(r.stdout.splitlines()[-1])
        if best is None or d["seconds"] < best["seconds"]:
            best = d
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eptsim")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--gen-events", type=int, default=3000)
    a = ap.parse_args()
    eptsim = find_eptsim(a.eptsim)
    with tempfile.TemporaryDirectory() as tmp:
        empty = os.path.join(tmp, "empty.trace")
        with open(empty, "w") as f:
            f.write("eptsim-trace 1 source=hw_bench: boot only\n"
                    "vmspace_create vm=1 kind=process\nexit vm=1\n")
        gen = os.path.join(tmp, "gen-copy.trace")
        subprocess.run([eptsim, "gen", "--seed=1", f"--events={a.gen_events}", "--shape=copy",
                        "-o", gen], check=True, capture_output=True)
        traces = [(s, os.path.join(HAND, s + ".trace")) for s in SCENARIOS]
        traces += [(r, os.path.join(ROOT, "traces", "corpus", "real", r + ".trace.zst"))
                   for r in REAL]
        traces.append((f"gen copy {a.gen_events}", gen))
        print(f"{'configuration':20} {'scenario':22} {'events':>7} {'records':>8} "
              f"{'seconds':>8} {'events/s':>9} {'less boot':>10}")
        for name, args in CONFIGS:
            boot = hw_run(eptsim, empty, args, a.repeat)["seconds"]
            print(f"{name:20} {'(boot only)':22} {'':>7} {'':>8} {boot:8.3f}")
            for sname, path in traces:
                d = hw_run(eptsim, path, args, a.repeat)
                net = d["seconds"] - boot
                # within 50 ms of the boot alone: too short to say
                rate = f"{d['events'] / net:10.0f}" if net > 0.05 else f"{'-':>10}"
                print(f"{name:20} {sname:22} {d['events']:7d} {d['records']:8d} "
                      f"{d['seconds']:8.3f} {d['events_per_s']:9.0f} {rate}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""replay_bench.py - how fast eptsim replays, and in how much memory.

Generates mixed traces of 10^4, 10^5 and 10^6 events with `eptsim gen`
(compressed, in a temporary directory) and replays each with
--check=none, --check=incremental and --check=full (full only up to
10^5 events: a full check walks every mapped page after every event).
Prints events per second (the replay's own figure, --json events_per_s,
best of --repeat runs; one run for full checks), the peak resident set size of the replay process,
and the incremental/none throughput ratio (what incremental checking
costs).

Peak RSS comes from /usr/bin/time -v (Debian package `time`) when it is
installed, else from getrusage(RUSAGE_CHILDREN) in a fresh Python child
that runs the replay alone.

  bench/replay_bench.py [--eptsim PATH] [--seed N] [--repeat N] [--sizes 10000,100000]

The binary is --eptsim, else $EPTSIM, else build-rel/tools/eptsim, else
build/tools/eptsim (relative to the repository).  Standard library only;
figures are printed, never asserted.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
GNU_TIME = "/usr/bin/time"
CHECKS = ("none", "incremental", "full")
FULL_MAX = 100000  # no full checks on longer traces

# Run argv alone in this child and print its peak RSS (KiB) on stderr.
RUSAGE_CHILD = r"""
import resource, subprocess, sys
rc = subprocess.call(sys.argv[1:])
sys.stderr.write("maxrss_kib=%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(rc)
"""


def find_eptsim(arg):
    for path in (arg, os.environ.get("EPTSIM"),
                 os.path.join(ROOT, "build-rel", "tools", "eptsim"),
                 os.path.join(ROOT, "build", "tools", "eptsim")):
        if path and os.access(path, os.X_OK):
            return path
    sys.exit("replay_bench: no eptsim binary (build it, or pass --eptsim PATH)")


def measured(argv):
    """Run argv; returns (stdout, peak RSS in KiB).  Exits on failure."""
    if os.access(GNU_TIME, os.X_OK):
        cmd = [GNU_TIME, "-v"] + argv
        pattern = r"Maximum resident set size \(kbytes\): (\d+)"
    else:
        cmd = [sys.executable, "-c", RUSAGE_CHILD] + argv
        pattern = r"maxrss_kib=(\d+)"
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("replay_bench: %s failed (exit %d):\n%s%s" % (" ".join(argv), r.returncode,
                                                              r.stdout[-2000:], r.stderr[-2000:]))
    m = re.search(pattern, r.stderr)
    return r.stdout, int(m.group(1)) if m else 0


def replay(eptsim, trace, check, repeat):
    """Best events/s over `repeat` runs, and the largest peak RSS (KiB)."""
    best, rss = 0.0, 0
    for _ in range(repeat):
        out, kib = measured([eptsim, "replay", trace, "--check=" + check, "--json"])
        s = json.loads(out.strip().splitlines()[-1])
        if s["divergences"] != 0 or s["error"]:
            sys.exit("replay_bench: %s --check=%s is not clean: %s" % (trace, check, s))
        best = max(best, float(s["events_per_s"]))
        rss = max(rss, kib)
    return best, rss


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eptsim")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    args = ap.parse_args()
    eptsim = find_eptsim(args.eptsim)
    sizes = [int(n) for n in args.sizes.split(",")]

    print("eptsim replay benchmark: %s, mixed traces, seed %d, best of %d, RSS from %s"
          % (eptsim, args.seed, args.repeat,
             "/usr/bin/time -v" if os.access(GNU_TIME, os.X_OK) else "getrusage"))
    head = "%-9s %-12s %14s %12s %10s" % ("events", "check", "events/s", "peak RSS", "incr/none")
    print(head)
    print("-" * len(head))
    with tempfile.TemporaryDirectory(prefix="replay_bench.") as tmp:
        for n in sizes:
            trace = os.path.join(tmp, "mixed-%d.trace.zst" % n)
            subprocess.run([eptsim, "gen", "--seed=%d" % args.seed, "--events=%d" % n,
                            "--shape=mixed", "-o", trace], check=True)
            rates = {}
            for check in CHECKS:
                if check == "full" and n > FULL_MAX:
                    continue
                # A full check is slow and steady: one run is enough.
                runs = 1 if check == "full" else args.repeat
                rates[check], rss = replay(eptsim, trace, check, runs)
                ratio = ""
                if check == "incremental" and rates["none"] > 0:
                    ratio = "%.2f" % (rates["incremental"] / rates["none"])
                print("%-9d %-12s %14.0f %9.1f MiB %10s" % (n, check, rates[check],
                                                            rss / 1024.0, ratio))
                sys.stdout.flush()


if __name__ == "__main__":
    main()

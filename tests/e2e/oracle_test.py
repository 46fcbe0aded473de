#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""oracle_test.py - the trace corpus replayed with the Unicorn oracle.

Every `clean` MANIFEST entry (traces/corpus/MANIFEST, parsed by
corpus_test.py) is replayed in each of its modes that has x86 tables
(pair, convert), with its first A/D mode (once per file and mode), as

  eptsim replay FILE --mode=M --ad=A --check=none --oracle=unicorn --json

(the simulator's own checks run in corpus_replay; here every access is
checked by the oracle).  Each replay must exit 0 with no divergence, and
the oracle must have executed at least one access per fault event of the
trace (counted by `eptsim stat`; copies add one per page).  Also: the
oracle refuses EPT-only replays (exit 2, the message pinned), and an
unknown oracle.

The eptsim binary is $EPTSIM, else ../../build/tools/eptsim.
"""

import os
import re
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import corpus_test  # noqa: E402  (the MANIFEST parser)

EPTSIM = corpus_test.EPTSIM
CORPUS = corpus_test.CORPUS
X86_MODES = ("pair", "convert")
TIMEOUT = 600


def fault_events(path):
    """The number of fault events in the trace, from `eptsim stat`."""
    p = subprocess.run([EPTSIM, "stat", path], capture_output=True, text=True, timeout=TIMEOUT)
    if p.returncode != 0:
        raise AssertionError("eptsim stat %s: exit %d\n%s" % (path, p.returncode, p.stderr))
    m = re.search(r"^\s+fault\s+(\d+)$", p.stdout, re.M)
    return int(m.group(1)) if m else 0


class OracleCorpus(unittest.TestCase):
    maxDiff = None

    def test_corpus_with_oracle(self):
        t0 = time.monotonic()
        runs = accesses = 0
        seen = set()  # (file, mode): the x86 side does not depend on the A/D mode
        for e in corpus_test.ENTRIES:
            modes = [m for m in e["modes"] if m in X86_MODES and (e["file"], m) not in seen]
            seen.update((e["file"], m) for m in modes)
            if e["expect"] != "clean" or not modes:
                continue
            path = os.path.join(CORPUS, e["file"])
            faults = fault_events(path)
            for mode in modes:
                with self.subTest(name=e["name"], mode=mode):
                    argv, p = corpus_test.replay(path, mode, e["ads"][0], e["ram"],
                                                 extra=["--oracle=unicorn"], check="none")
                    ctx = "%s\n--- stdout (tail)\n%s\n--- stderr (tail)\n%s" % (
                        " ".join(argv), corpus_test.tail(p.stdout), corpus_test.tail(p.stderr))
                    self.assertEqual(p.returncode, 0, "exit %d\n%s" % (p.returncode, ctx))
                    s = corpus_test.summary_of(p.stdout)
                    self.assertIsNotNone(s, "no --json summary\n" + ctx)
                    self.assertEqual(s["divergences"], 0, ctx)
                    self.assertEqual(s["oracle_divergences"], 0, ctx)
                    self.assertGreaterEqual(s["oracle_accesses"], faults,
                                            "fewer accesses executed than fault events\n" + ctx)
                    runs += 1
                    accesses += s["oracle_accesses"]
        print("oracle_test: %d replays, %d accesses executed in Unicorn, %.1f s" % (
            runs, accesses, time.monotonic() - t0))
        self.assertGreater(runs, 0, "no clean entry with x86 tables in the MANIFEST")

    def test_ept_mode_refused(self):
        path = os.path.join(CORPUS, "hand", "fork-chain-cow.trace")
        p = subprocess.run([EPTSIM, "replay", path, "--mode=ept", "--oracle=unicorn"],
                           capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stdout, "")
        self.assertEqual(p.stderr,
                         "eptsim: --oracle=unicorn executes x86 tables: use --mode=pair or "
                         "--mode=convert (EPT tables: the Bochs hardware path, hw/)\n")

    def test_skip_invlpg_caught(self):
        """The pmap's INVLPG lost in the seam, no check of the simulator's own.

        In mprotect-downgrade.trace cpu 0 writes page 0 of the arena at line
        27 (its engine caches it writable, D set), mprotect r-- at line 38
        loses its INVLPGs, and the user write of line 39 (event 18) goes
        through the engine's TLB while the tables deny it: P | W | U = 0x7
        (SDM 3A 4.7).  Without the injection the replay is clean.
        """
        path = os.path.join(CORPUS, "hand", "mprotect-downgrade.trace")
        argv = [EPTSIM, "replay", path, "--mode=convert", "--check=none", "--oracle=unicorn",
                "--inject=skip-invlpg"]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0], "eptsim: DIVERGENCE #1 at event 18 (%s:39): unicorn oracle"
                         % path)
        self.assertRegex(lines[1], r"^  unicorn oracle: cpu 0 user write of 0x7f3a1c000010: "
                         r"stale TLB: Unicorn reaches frame 0x[0-9a-f]+000, but the tables deny "
                         r"it \(PROTECTION ec=0x7: write to a read-only page \(R/W=0\)\): an "
                         r"invalidation is missing$")
        p = subprocess.run(argv[:-1], capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 0, "without the injection\n" + p.stdout + p.stderr)

    def test_unknown_oracle(self):
        path = os.path.join(CORPUS, "hand", "fork-chain-cow.trace")
        p = subprocess.run([EPTSIM, "replay", path, "--oracle=bochs"],
                           capture_output=True, text=True, timeout=TIMEOUT)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr, "eptsim: unknown oracle 'bochs' (known: unicorn)\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""crosscheck_test.py - tools/eptsim-crosscheck on a tiny program.

Compiles tools/record-samples/pagemap-stop.c (a 64-page private anonymous
region: pages 0-31 written, 32-47 read; a 10-page malloc buffer in the brk
heap written; 4 pages of stack written; then SIGSTOP and _exit) and runs
both cross-checks on it with --json:

LackeyCase   valgrind lackey's dirtied pages vs the perf trace's write
             faults and copyouts, per region.  The program's own writes
             are the same under both, so each region it writes must hold
             at least what it writes on both sides, and the two counts must
             agree to 0.9 (agreement = min/max of the counts) on the anon
             and heap regions and in total (the stack to one page: valgrind
             lays out the initial stack itself); its own file's written pages (.data,
             GOT, written by ld.so the same way in both runs) are equal.
PagemapCase  /proc/PID/pagemap at the stop vs the simulator's EPT leaves
             just before the vmspace exits: every page the recording
             faulted in is still present at the stop, so real >= sim in
             every region (ratio >= 1.0; fault-around makes the real file
             regions larger), and the sim holds at least the 48 anonymous
             pages and 10 heap pages the program touches; anonymous memory
             has no fault-around, so anon and heap are equal (without mTHP).  Also forkcow.c
             with --stop-at-exit (a preloaded destructor stops it).

The figures are printed.  Skipped (with the reason printed) only when perf
cannot record the tracepoints or valgrind cannot run.  The eptsim binary
is $EPTSIM, else ../../build/tools/eptsim.  Standard library only.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
TOOL = os.path.join(ROOT, "tools", "eptsim-crosscheck")
SAMPLE = os.path.join(ROOT, "tools", "record-samples", "pagemap-stop.c")
FORKCOW = os.path.join(ROOT, "tools", "record-samples", "forkcow.c")
EPTSIM = os.environ.get("EPTSIM") or os.path.join(ROOT, "build", "tools", "eptsim")
TRACEPOINTS = ("exceptions:page_fault_user", "exceptions:page_fault_kernel",
               "raw_syscalls:sys_enter", "raw_syscalls:sys_exit",
               "sched:sched_process_fork", "sched:sched_process_exec",
               "sched:sched_process_exit", "task:task_newtask")
WRITTEN, READ, HEAP, STACK = 32, 16, 10, 4  # pagemap-stop.c's WPAGES etc.


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, **kw)


def can_run():
    """(True, "") when perf records the tracepoints and valgrind runs, else (False, why)."""
    perf = shutil.which("perf")
    if perf is None:
        return False, "perf is not on PATH (Debian package linux-perf)"
    if shutil.which("valgrind") is None:
        return False, "valgrind is not on PATH (Debian package valgrind)"
    with tempfile.TemporaryDirectory() as tmp:
        argv = [perf, "record", "-q", "-o", os.path.join(tmp, "probe.data")]
        for tp in TRACEPOINTS:
            argv += ["-e", tp]
        p = run(argv + ["--", "/bin/true"])
    if p.returncode != 0:
        return False, "perf cannot record the tracepoints here (exit %d): %s" % (
            p.returncode, p.stderr.strip()[:300])
    p = run(["valgrind", "--tool=none", "-q", "/bin/true"])
    if p.returncode != 0:
        return False, "valgrind cannot run here (exit %d): %s" % (p.returncode,
                                                                   p.stderr.strip()[:300])
    return True, ""


OK, WHY = can_run()


def anon_mthp_on():
    """Whether anonymous memory may fault in folios larger than a page and
    smaller than 2 MiB (mTHP): then one write fault maps several pages."""
    base = "/sys/kernel/mm/transparent_hugepage"
    try:
        with open(os.path.join(base, "enabled"), encoding="ascii") as fp:
            top = fp.read()
        sizes = [d for d in os.listdir(base) if d.startswith("hugepages-")]
    except OSError:
        return False
    for d in sizes:
        if d == "hugepages-2048kB":
            continue
        try:
            with open(os.path.join(base, d, "enabled"), encoding="ascii") as fp:
                v = fp.read()
        except OSError:
            continue
        if "[always]" in v or "[madvise]" in v or ("[inherit]" in v and "[never]" not in top):
            return True
    return False


def regions(out):
    return {r["region"]: r for r in out["regions"]}


@unittest.skipUnless(OK, WHY)
class CrossCheck(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="crosscheck_test.")
        cls.prog = os.path.join(cls.tmp, "pagemap-stop")
        cc = shutil.which("cc") or shutil.which("gcc")
        assert cc, "no C compiler (cc/gcc) to build pagemap-stop.c"
        p = run([cc, "-O1", "-o", cls.prog, SAMPLE])
        assert p.returncode == 0, p.stderr
        cls.forkcow = os.path.join(cls.tmp, "forkcow")
        p = run([cc, "-O1", "-o", cls.forkcow, FORKCOW])
        assert p.returncode == 0, p.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def check(self, kind, prog=None, opts=()):
        prog = prog or self.prog
        p = run([TOOL, kind, "--eptsim", EPTSIM, "--json"] + list(opts) + ["--", prog])
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout)
        self.assertEqual((out["check"], out["command"]), (kind, [prog]))
        sys.stderr.write("\n%s figures:\n%s\n" % (kind, "\n".join(
            "  " + json.dumps(r) for r in out["regions"])))
        return regions(out)

    def test_lackey(self):
        r = self.check("lackey")
        self.assertEqual(r["total"]["lackey"], sum(
            v["lackey"] for k, v in r.items() if k != "total" and
            not k.startswith("file:vgpreload_")))
        # What the program itself writes is seen by both.
        for name, least in (("anon", WRITTEN), ("heap", HEAP), ("stack", STACK)):
            with self.subTest(region=name):
                self.assertIn(name, r)
                self.assertGreaterEqual(r[name]["lackey"], least, r[name])
                if name == "anon" and anon_mthp_on():
                    continue  # one perf fault may map several pages
                self.assertGreaterEqual(r[name]["perf"], least, r[name])
                if name == "stack":
                    # valgrind lays out argv/env/auxv itself: the strings
                    # may straddle one page more or less than natively.
                    self.assertLessEqual(abs(r[name]["lackey"] - r[name]["perf"]), 1, r[name])
                else:
                    self.assertGreaterEqual(r[name]["agreement"], 0.9, r[name])
        self.assertGreaterEqual(r["total"]["agreement"], 0.9, r["total"])
        own = r["file:pagemap-stop"]
        self.assertEqual(own["lackey"], own["perf"], own)
        self.assertEqual(r.get("unmapped", {"perf": 0})["perf"], 0, r.get("unmapped"))

    def test_pagemap(self):
        r = self.check("pagemap")
        self.assertGreaterEqual(r["anon"]["sim"], WRITTEN + READ, r["anon"])
        self.assertGreaterEqual(r["heap"]["sim"], HEAP, r["heap"])
        self.assertGreaterEqual(r["stack"]["sim"], STACK, r["stack"])
        self.assertNotIn("unmapped", r)
        if not anon_mthp_on():
            # Fault-around is for file pages only: anonymous memory is present
            # exactly where a fault (or copyout) was recorded.
            for name in ("anon", "heap"):
                self.assertEqual(r[name]["real"], r[name]["sim"], r[name])
        for name, row in r.items():
            with self.subTest(region=name):
                if not name.startswith("file:[vvar"):  # pagemap never shows a PFN map
                    self.assertGreaterEqual(row["real"], row["sim"], row)
                if row["sim"]:
                    self.assertEqual(row["ratio"], round(row["real"] / row["sim"], 3), row)
        self.assertGreaterEqual(r["total"]["ratio"], 1.0, r["total"])

    def test_pagemap_stop_at_exit(self):
        """forkcow stopped by the preloaded destructor: the parent wrote its
        64 private pages and its children wrote the 4 shared ones (MAP_SHARED
        anonymous: /dev/zero in maps, anon here); the preload is mapped on
        both sides."""
        r = self.check("pagemap", self.forkcow, ["--stop-at-exit"])
        self.assertGreaterEqual(r["anon"]["sim"], 64 + 4, r["anon"])
        self.assertGreater(r["file:eptsim-stop-at-exit.so"]["sim"], 0, r)
        for name, row in r.items():
            with self.subTest(region=name):
                if not name.startswith("file:[vvar"):  # pagemap never shows a PFN map
                    self.assertGreaterEqual(row["real"], row["sim"], row)


if __name__ == "__main__":
    RESULT = unittest.main(verbosity=2, exit=False).result
    if RESULT.wasSuccessful() and not OK:
        sys.stderr.write("crosscheck_test: SKIPPED: %s\n" % WHY)
    sys.exit(0 if RESULT.wasSuccessful() else 1)

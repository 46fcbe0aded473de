#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""cli_test.py - the eptsim command line, end to end.

  GenTest      `eptsim gen`: same seed, same bytes; exact event counts;
               each shape's events; every shape replays clean in all
               3 modes x 2 A/D modes with --check=full; 200k events replay
               clean with --check=incremental (pair mode); option errors.
  ProgressTest the replay's progress line: on a terminal, erased at the
               end; never when standard error is not a terminal.
  DumpTest     `eptsim dump`: one 4 KiB and one 2 MiB device leaf, whose
               entries follow from the bit tables (pmap/README.md), in
               x86 and EPT, and its errors.
  StatTest     `eptsim stat`: counts of a hand-written trace.
  BadInputTest exit codes and the exact messages for bad input: every
               class of the README's "Bad input" table end to end.

The eptsim binary is $EPTSIM, else ../../build/tools/eptsim relative to
this script.  Standard library only.
"""

import concurrent.futures
import json
import os
import pty
import select
import subprocess
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
EPTSIM = os.environ.get("EPTSIM") or os.path.normpath(
    os.path.join(HERE, "..", "..", "build", "tools", "eptsim"))

MODES = ("pair", "convert", "ept")
ADS = ("hw", "emulated")
# Events per shape for the --check=full matrix: a full check walks every
# 4 KiB of every leaf after each event, so the shapes that keep 2 MiB
# device leaves mapped (mixed, superpage) or many pages (mmap-storm) run
# shorter to keep the whole test near half a minute on two cores.
SHAPES = {
    "mixed": 1000,
    "fork-tree": 3000,
    "mmap-storm": 2000,
    "superpage": 1500,
    "copy": 3000,
    "pageout": 3000,
}
# Which events each shape must produce (its reason to exist), by op.
SHAPE_OPS = {
    "mixed": ("fork", "exec", "exit", "mmap", "mprotect", "munmap", "madvise", "wire",
              "fault", "copyin", "copyout", "sched"),
    "fork-tree": ("fork", "exit", "exec", "fault"),
    "mmap-storm": ("mmap", "mprotect", "munmap", "fault"),
    "superpage": ("mmap", "mprotect", "munmap", "fault"),
    "copy": ("copyin", "copyout"),
    "pageout": ("pageout", "madvise", "fault"),
}
TIMEOUT = 600

# Hand-written: one 4 KiB device page, rw-, WB, read by the user.
TINY = """eptsim-trace 1 source=cli test: one 4K device leaf
vmspace_create vm=1 kind=process
mmap vm=1 va=0x400000 len=0x1000 prot=rw- share=shared backing=device hpa=0x80000000 ma=WB
sched tid=1 cpu=0
# a read; the pmap enters device memory writable and dirty (it is unmanaged)
fault vm=1 tid=1 cpu=0 va=0x400010 access=r mode=user
exit vm=1
"""

# One 2 MiB device region, rw-, WC, 2 MiB aligned in va and hpa.
BIG = """eptsim-trace 1 source=cli test: one 2M device leaf
vmspace_create vm=1 kind=process
mmap vm=1 va=0x40000000 len=0x200000 prot=rw- share=shared backing=device hpa=0x80000000 ma=WC
sched tid=1 cpu=0
fault vm=1 tid=1 cpu=0 va=0x40123456 access=r mode=user
exit vm=1
"""

USAGE_FIRST = ("usage: eptsim replay TRACE... [--mode=pair|convert|ept] "
               "[--ad=hw|emulated]")


def run(args, cwd=None, **kw):
    """eptsim ARGS -> CompletedProcess (text)."""
    return subprocess.run([EPTSIM] + list(args), cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT, **kw)


def run_bytes(args, cwd=None):
    return subprocess.run([EPTSIM] + list(args), cwd=cwd, capture_output=True,
                          timeout=TIMEOUT)


def summary(stdout):
    """The --json summary: the last line of standard output."""
    lines = stdout.strip().splitlines()
    if not lines:
        raise AssertionError("no output")
    return json.loads(lines[-1])


def write(dirname, name, text):
    path = os.path.join(dirname, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def lines(path):
    with open(path) as f:
        return f.read().splitlines()


def stat_counts(stdout):
    """`eptsim stat` output -> {op: count}."""
    counts = {}
    for line in stdout.splitlines()[1:]:
        op, n = line.split()
        counts[op] = int(n)
    return counts


class Tmp(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="cli_test.")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def gen(self, name, *args):
        r = run(["gen"] + list(args) + ["-o", name], cwd=self.dir)
        self.assertEqual((r.returncode, r.stderr), (0, ""), "gen %s" % " ".join(args))
        return os.path.join(self.dir, name)

    def read(self, name):
        with open(os.path.join(self.dir, name), "rb") as f:
            return f.read()


class GenTest(Tmp):
    def test_gen_same_seed_same_bytes(self):
        for shape in SHAPES:
            with self.subTest(shape=shape):
                self.gen("a.trace", "--seed=42", "--events=3000", "--shape=" + shape)
                self.gen("b.trace", "--seed=42", "--events=3000", "--shape=" + shape)
                self.assertEqual(self.read("a.trace"), self.read("b.trace"))
        # Compressed and on standard output too.
        self.gen("a.trace.zst", "--seed=42", "--events=3000")
        self.gen("b.trace.zst", "--seed=42", "--events=3000")
        self.assertEqual(self.read("a.trace.zst"), self.read("b.trace.zst"))
        self.gen("a.trace", "--seed=42", "--events=3000")
        r = run_bytes(["gen", "--seed=42", "--events=3000"])
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout, self.read("a.trace"))
        # The compressed file holds the same text.
        r = subprocess.run(["zstd", "-dc", os.path.join(self.dir, "a.trace.zst")],
                           capture_output=True, timeout=TIMEOUT)
        self.assertEqual((r.returncode, r.stdout), (0, self.read("a.trace")))

    def test_gen_other_seed_other_bytes(self):
        for shape in SHAPES:
            with self.subTest(shape=shape):
                a = run_bytes(["gen", "--seed=1", "--events=500", "--shape=" + shape]).stdout
                b = run_bytes(["gen", "--seed=2", "--events=500", "--shape=" + shape]).stdout
                # The header names the seed, so compare the events only.
                self.assertNotEqual(a.split(b"\n", 1)[1], b.split(b"\n", 1)[1])

    def test_gen_exact_event_count(self):
        # N events for N >= 7; fewer gives the smallest trace: create,
        # 4 mmaps of the image, sched, exit.
        for asked, got in ((0, 7), (6, 7), (7, 7), (8, 8), (23, 23), (2500, 2500)):
            with self.subTest(events=asked):
                path = self.gen("n.trace", "--seed=9", "--events=%d" % asked)
                r = run(["stat", path])
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(sum(stat_counts(r.stdout).values()), got)
        self.assertEqual(lines(path)[0], "eptsim-trace 1 source=eptsim gen --seed=9 "
                         "--events=2500 --shape=mixed")

    def test_gen_shapes_have_their_events(self):
        for shape, ops in SHAPE_OPS.items():
            with self.subTest(shape=shape):
                path = self.gen("s.trace", "--seed=5", "--events=3000", "--shape=" + shape)
                counts = stat_counts(run(["stat", path]).stdout)
                for op in ops:
                    self.assertGreater(counts.get(op, 0), 0, "%s has no %s" % (shape, op))
                # Every vmspace is gone at the end.
                created = counts.get("vmspace_create", 0) + counts.get("fork", 0)
                gone = counts.get("vmspace_destroy", 0) + counts.get("exit", 0)
                self.assertEqual(created, gone, counts)
        # The superpage shape maps 2 MiB-aligned device regions outside RAM.
        path = self.gen("sp.trace", "--seed=5", "--events=3000", "--shape=superpage")
        devices = [line for line in lines(path) if "backing=device" in line]
        self.assertGreater(len(devices), 10)
        for line in devices:
            keys = dict(kv.split("=") for kv in line.split()[1:])
            self.assertEqual(int(keys["va"], 16) % 0x200000, 0, line)
            self.assertGreaterEqual(int(keys["hpa"], 16), 0x40000000, line)

    def replay_full(self, shape, events):
        path = self.gen("%s.trace" % shape, "--seed=7", "--events=%d" % events,
                        "--shape=" + shape)
        out = []
        for mode in MODES:
            for ad in ADS:
                r = run(["replay", path, "--mode=" + mode, "--ad=" + ad, "--check=full",
                         "--json"])
                out.append((mode, ad, r))
        return shape, out

    def test_gen_replays_clean_full_checks(self):
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            jobs = [pool.submit(self.replay_full, s, n) for s, n in SHAPES.items()]
            results = [j.result() for j in jobs]
        for shape, out in results:
            for mode, ad, r in out:
                with self.subTest(shape=shape, mode=mode, ad=ad):
                    self.assertEqual((r.returncode, r.stderr), (0, ""), r.stdout[-3000:])
                    s = summary(r.stdout)
                    self.assertEqual((s["divergences"], s["error"]), (0, ""))
                    self.assertEqual(s["events"], SHAPES[shape])
                    # A controlled share of the faults is SIGSEGV: more than
                    # none, far fewer than the legitimate ones.
                    self.assertGreater(s["segv"], 0)
                    self.assertLess(s["segv"] * 10, s["faults"], s)

    def test_gen_200k_replays_clean_incremental(self):
        path = self.gen("big.trace.zst", "--seed=3", "--events=200000")
        r = run(["replay", path, "--mode=pair", "--check=incremental", "--json"])
        self.assertEqual((r.returncode, r.stderr), (0, ""), r.stdout[-3000:])
        s = summary(r.stdout)
        self.assertEqual((s["events"], s["divergences"], s["error"]), (200000, 0, ""))

    def test_gen_bad_options(self):
        cases = [
            (["--shape=round"], "eptsim: unknown shape 'round'\n"),
            (["--events=many"], "eptsim: --events must be a number, not 'many'\n"),
            (["--seed=-3"], "eptsim: --seed must be a number, not '-3'\n"),
            (["-o", "no/such/dir/x.trace"],
             "eptsim: no/such/dir/x.trace: cannot create: No such file or directory\n"),
        ]
        for args, err in cases:
            with self.subTest(args=args):
                r = run(["gen"] + args, cwd=self.dir)
                self.assertEqual((r.returncode, r.stderr, r.stdout), (2, err, ""))
        r = run(["gen", "extra"], cwd=self.dir)
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stderr.startswith("usage: eptsim gen "), r.stderr)


class ProgressTest(Tmp):
    """The progress line needs a replay of over 65536 events and 1 s."""

    def test_progress_on_a_terminal(self):
        path = self.gen("p.trace.zst", "--seed=4", "--events=200000")
        master, slave = pty.openpty()
        t0 = time.monotonic()
        p = subprocess.Popen([EPTSIM, "replay", path, "--check=incremental", "--json"],
                             stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        err = b""
        while True:
            ready, _, _ = select.select([master], [], [], TIMEOUT)
            if not ready:
                p.kill()
                self.fail("no output from the replay for %d s" % TIMEOUT)
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the replay closed the terminal
                break
            if not chunk:
                break
            err += chunk
        out = p.communicate(timeout=TIMEOUT)[0].decode()
        seconds = time.monotonic() - t0
        os.close(master)
        self.assertEqual(p.returncode, 0, out[-3000:])
        self.assertEqual(summary(out)["divergences"], 0)
        if seconds < 1.5:
            self.skipTest("the replay took %.2f s: too fast for the line to show" % seconds)
        # The hook runs every 4096 events; updates after the first second
        # show: "\r<erase>eptsim: FILE: N events, R events/s", N a multiple
        # of 4096 within the 200000-event trace.
        text = err.decode()
        updates = text.split("\r\033[K")
        self.assertEqual(updates[0], "", repr(text[:200]))
        self.assertEqual(updates[-1], "", "the line is not erased at the end: %r" % text[-200:])
        shown = updates[1:-1]
        self.assertGreaterEqual(len(shown), 1, repr(text))
        for line in shown:
            self.assertRegex(line, r"^eptsim: %s: \d+ events, \d+ events/s$"
                             % path.replace(".", r"\."))
            events = int(line.split(": ")[2].split()[0])
            self.assertEqual(events % 4096, 0, line)
            self.assertLessEqual(events, 200000, line)
            self.assertGreater(int(line.split(", ")[1].split()[0]), 0, line)

    def test_no_progress_when_not_a_terminal(self):
        path = self.gen("q.trace.zst", "--seed=4", "--events=200000")
        r = run(["replay", path, "--check=none"])
        self.assertEqual((r.returncode, r.stderr), (0, ""))


class DumpTest(Tmp):
    def dump(self, trace_text, *args):
        write(self.dir, "t.trace", trace_text)
        return run(["dump", "t.trace"] + list(args), cwd=self.dir)

    # x86 PTE (pmap/README.md): P|RW|US = 0x7, A 0x20, D 0x40 (a writable
    # unmanaged page is entered dirty), device = avail bit 11 (0x800), WB =
    # PAT 0 (no cache bits), rw- = XD (bit 63); frame 0x80000000.
    X86_4K = ("  0x400000 4K PTE 0x8000000080000867: P RW US A D avail11 frame=0x80000000 XD")
    # EPT with hardware A/D: R|W 0x3, IPAT|WB<<3 0x70, A 0x100, D 0x200,
    # device = bit 52 (software bits 62:52 = 0x1).
    EPT_4K = ("  0x400000 4K EPT PTE 0x0010000080000373: R W A D memtype=WB ipat sw=0x1 "
              "frame=0x80000000")
    # EPT with emulated A/D: A is R, D is W; valid is soft bit 53, rw soft
    # bit 54, device bit 52: sw=0x7.
    EPT_EMUL_4K = ("  0x400000 4K EPT PTE 0x0070000080000073: R W memtype=WB ipat sw=0x7 "
                   "frame=0x80000000")
    ENTRY_4K = "  0x400000-0x401000 rw- shared device hpa=0x80000000 ma=WB"

    def test_dump_4k_leaf_pair_hw(self):
        r = self.dump(TINY, "--at", "4", "--vmspace", "1")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertEqual(r.stdout.splitlines(), [
            "vmspace 1 (process) after event 4 (line 6) of t.trace, mode pair, ad hw",
            "entries:",
            self.ENTRY_4K,
            "x86 leaves:",
            self.X86_4K,
            "EPT leaves:",
            self.EPT_4K,
        ])

    def test_dump_4k_leaf_each_mode(self):
        cases = [
            ("pair", "emulated", ["x86 leaves:", self.X86_4K, "EPT leaves:", self.EPT_EMUL_4K]),
            ("convert", "hw", ["x86 leaves:", self.X86_4K]),
            ("convert", "emulated", ["x86 leaves:", self.X86_4K]),
            ("ept", "hw", ["EPT leaves:", self.EPT_4K]),
            ("ept", "emulated", ["EPT leaves:", self.EPT_EMUL_4K]),
        ]
        for mode, ad, leaves in cases:
            with self.subTest(mode=mode, ad=ad):
                r = self.dump(TINY, "--at=4", "--vmspace=1", "--mode=" + mode, "--ad=" + ad)
                self.assertEqual((r.returncode, r.stderr), (0, ""))
                self.assertEqual(r.stdout.splitlines()[3:], leaves)

    def test_dump_before_the_fault_has_no_leaf(self):
        r = self.dump(TINY, "--at", "3", "--vmspace", "1")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertEqual(r.stdout.splitlines()[1:], [
            "entries:", self.ENTRY_4K, "x86 leaves:", "EPT leaves:"])

    def test_dump_2m_leaf(self):
        # x86 PDE: 0x7 | PWT 0x8 and PAT bit 12 (WC = PAT 5) | A 0x20 | D 0x40
        # | PS 0x80 | avail11 0x800 | XD.  EPT PDE: R W 0x3 | IPAT|WC<<3
        # 0x48 | PS 0x80 | A 0x100 | D 0x200 | bit 52.
        r = self.dump(BIG, "--at", "4", "--vmspace", "1")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertEqual(r.stdout.splitlines()[1:], [
            "entries:",
            "  0x40000000-0x40200000 rw- shared device hpa=0x80000000 ma=WC",
            "x86 leaves:",
            "  0x40000000 2M PDE 0x80000000800018ef: P RW US PWT A D PS avail11 PAT "
            "frame=0x80000000 XD",
            "EPT leaves:",
            "  0x40000000 2M EPT PDE 0x00100000800003cb: R W A D PS memtype=WC ipat sw=0x1 "
            "frame=0x80000000",
        ])

    def test_dump_generated_trace_entries(self):
        # A forked child shares its parent's private memory copy-on-write.
        path = self.gen("g.trace", "--seed=5", "--events=200", "--shape=fork-tree")
        text = lines(path)
        fork = next(i for i, line in enumerate(text) if line.startswith("fork vm=1 "))
        child = text[fork].split("child=")[1]
        r = run(["dump", path, "--at", str(fork), "--vmspace", child])
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        out = r.stdout.splitlines()
        self.assertEqual(out[0], "vmspace %s (process) after event %d (line %d) of %s, "
                         "mode pair, ad hw" % (child, fork, fork + 1, path))
        entries = out[2:out.index("x86 leaves:")]
        self.assertIn("  0x400000-", entries[0])
        self.assertTrue(all(" needs-copy" in e for e in entries if " private " in e),
                        entries)

    def test_dump_errors(self):
        cases = [
            (["--at", "5", "--vmspace", "1"],
             "eptsim: t.trace:7: vmspace 1 does not exist after event 5\n"),
            (["--at", "3", "--vmspace", "2"],
             "eptsim: t.trace:4: vmspace 2 does not exist after event 3\n"),
            (["--at", "0", "--vmspace", "1"],
             "eptsim: t.trace:1: vmspace 1 does not exist after event 0\n"),
            (["--at", "6", "--vmspace", "1"],
             "eptsim: t.trace: --at 6 is beyond the trace (5 events)\n"),
            (["--at", "4", "--vmspace", "1", "--mode=sideways"],
             "eptsim: unknown mode 'sideways'\n"),
        ]
        for args, err in cases:
            with self.subTest(args=args):
                r = self.dump(TINY, *args)
                self.assertEqual((r.returncode, r.stderr, r.stdout), (2, err, ""))
        # A bad line before event N, and a replay error before it.
        r = self.dump(TINY.replace("sched tid=1 cpu=0", "sched tid=1 cpu=64"),
                      "--at", "4", "--vmspace", "1")
        self.assertEqual((r.returncode, r.stderr), (2, "eptsim: t.trace:4: cpu=64: must be < 64\n"))
        r = self.dump(TINY.replace("mmap vm=1", "mmap vm=3"), "--at", "4", "--vmspace", "1")
        self.assertEqual((r.returncode, r.stderr),
                         (2, "eptsim: t.trace:3: vmspace 3 does not exist\n"))
        for args in (["--vmspace", "1"], ["--at", "1"], ["--at", "1", "--vmspace", "1", "x"]):
            with self.subTest(args=args):
                r = self.dump(TINY, *args)
                self.assertEqual(r.returncode, 2)
                self.assertTrue(r.stderr.startswith("usage: eptsim dump TRACE --at N"),
                                r.stderr)


class StatTest(Tmp):
    def test_stat_counts(self):
        write(self.dir, "t.trace", TINY)
        r = run(["stat", "t.trace"], cwd=self.dir)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        # In the order of enum trace_op; the comment line is not an event.
        self.assertEqual(r.stdout, "t.trace: source cli test: one 4K device leaf\n"
                         "  vmspace_create   1\n"
                         "  exit             1\n"
                         "  mmap             1\n"
                         "  fault            1\n"
                         "  sched            1\n")

    def test_stat_generated_counts(self):
        # Counted from the text, the way stat should.
        path = self.gen("g.trace", "--seed=8", "--events=5000", "--shape=pageout")
        want = {}
        for line in lines(path)[1:]:
            op = line.split()[0]
            want[op] = want.get(op, 0) + 1
        r = run(["stat", path])
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertEqual(stat_counts(r.stdout), want)


HDR = "eptsim-trace 1 source=bad input\n"
PROC = HDR + "vmspace_create vm=1 kind=process\n"
ANON = "mmap vm=1 va=0x400000 len=0x2000 prot=rw- share=private backing=anon\n"

# The bad-input classes end to end (README, "Bad input"): the trace's
# text, the replay's options, the exact message after "eptsim: t.trace".
# Each must exit 2 with only that line on standard error; the classes
# whose traces live elsewhere are listed in the README's table.
BAD_CLASSES = [
    # truncated plain file: the cut line is what is left of it
    ("truncated", PROC + "mmap vm=1 va=0x400000 len=0x2000 prot=r-x share=priv", [],
     ":3: share=priv: expected private or shared"),
    ("truncated key", PROC + "mmap vm=1 va=0x400000 len=0x2000\n", [],
     ':3: missing key "prot" for mmap'),
    ("wrong magic", "EPTSIM-TRACE 1 source=x\n", [],
     ':1: bad header (expected "eptsim-trace 1 source=TEXT")'),
    ("wrong version", "eptsim-trace 2 source=x\n", [],
     ":1: unsupported trace version 2 (this eptsim reads 1)"),
    ("unknown event", PROC + "frob vm=1\n", [], ':3: unknown op "frob"'),
    ("malformed hex", PROC + "munmap vm=1 va=0x40g000 len=0x1000\n", [],
     ":3: va=0x40g000: bad hex number"),
    ("malformed decimal", PROC + "exit vm=1x\n", [], ":3: vm=1x: bad decimal number"),
    # a canonical kernel-half address is beyond what a trace may name
    ("beyond 2^48", PROC + "fault vm=1 tid=1 cpu=0 va=0xffff800000000000 access=r mode=user\n",
     [], ":3: va=0xffff800000000000: beyond 2^48 (0x1000000000000)"),
    # below 2^48 but above a process's user half (0x800000000000)
    ("beyond the user half", PROC + ANON.replace("0x400000", "0x800000000000"), [],
     ":3: address 0x800000000000+0x2000 is outside vmspace 1 (limit 0x800000000000)"),
    ("fault beyond the user half",
     PROC + "fault vm=1 tid=1 cpu=0 va=0x800000000000 access=r mode=user\n", [],
     ":3: address 0x800000000000+0x0 is outside vmspace 1 (limit 0x800000000000)"),
    ("no such vmspace", PROC + "fault vm=2 tid=1 cpu=0 va=0x400000 access=r mode=user\n", [],
     ":3: vmspace 2 does not exist"),
    # 16 pages of RAM: wiring 32 cannot succeed, and wired pages cannot be paged out
    ("memory exhausted", PROC + "mmap vm=1 va=0x400000 len=0x20000 prot=rw- share=private "
     "backing=anon\nwire vm=1 va=0x400000 len=0x20000\n", ["--ram=16"],
     ":4: physical memory is full (16 pages, none can be paged out)"),
]


class BadInputTest(Tmp):
    def replay(self, name):
        return run(["replay", name], cwd=self.dir)

    def test_bad_input_classes(self):
        for name, text, args, reason in BAD_CLASSES:
            with self.subTest(name=name):
                write(self.dir, "t.trace", text)
                r = run(["replay", "t.trace", "--json"] + args, cwd=self.dir)
                self.assertEqual((r.returncode, r.stderr), (2, "eptsim: t.trace%s\n" % reason))
                self.assertEqual(summary(r.stdout)["error"], "t.trace" + reason)

    def test_fault_in_unmapped_range_is_sigsegv(self):
        # Not an error: the user fault is a SIGSEGV, the kernel's copy an
        # EFAULT, each counted; the replay goes on and exits 0.
        write(self.dir, "t.trace", PROC + ANON + "sched tid=1 cpu=0\n"
              "fault vm=1 tid=1 cpu=0 va=0x402000 access=r mode=user\n"
              "fault vm=1 tid=1 cpu=0 va=0x7f0000000000 access=w mode=user\n"
              "copyin vm=1 cpu=0 va=0x401ff0 len=0x20\n"
              "fault vm=1 tid=1 cpu=0 va=0x400000 access=w mode=user\nexit vm=1\n")
        for mode in MODES:
            with self.subTest(mode=mode):
                r = run(["replay", "t.trace", "--json", "--mode=" + mode, "--check=full"],
                        cwd=self.dir)
                self.assertEqual((r.returncode, r.stderr), (0, ""))
                s = summary(r.stdout)
                # segv counts every fault the VM refuses: the 2 user
                # faults and the copy's fault on 0x402000, which also
                # ends the copy with EFAULT (as in copyin-efault-boundary)
                self.assertEqual((s["segv"], s["efault"], s["divergences"], s["error"]),
                                 (3, 1, 0, ""))

    def test_corrupt_zst(self):
        # The last byte (of the frame's checksum) flipped: zstd's own
        # error name; no line, the damage is in the frame.
        self.gen("t.trace.zst", "--seed=1", "--events=100")
        data = bytearray(self.read("t.trace.zst"))
        data[-1] ^= 0xff
        with open(os.path.join(self.dir, "bad.trace.zst"), "wb") as f:
            f.write(data)
        r = self.replay("bad.trace.zst")
        self.assertEqual((r.returncode, r.stderr), (2, "eptsim: bad.trace.zst: corrupt zstd "
                                                       "stream: Restored data doesn't match "
                                                       "checksum\n"))
        write(self.dir, "text.trace.zst", PROC)
        r = self.replay("text.trace.zst")
        self.assertEqual((r.returncode, r.stderr), (2, "eptsim: text.trace.zst: corrupt zstd "
                                                       "stream: Unknown frame descriptor\n"))

    def test_unknown_subcommand(self):
        r = run(["frob"])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.splitlines()[:2],
                         ["eptsim: unknown command 'frob'", USAGE_FIRST])

    def test_unknown_option(self):
        r = run(["replay", "--frob", "x.trace"])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.splitlines()[:2],
                         ["replay: unrecognized option '--frob'", USAGE_FIRST])

    def test_bad_mode_value(self):
        write(self.dir, "t.trace", TINY)
        for opt, err in (("--mode=sideways", "eptsim: unknown mode 'sideways'\n"),
                         ("--ad=soft", "eptsim: unknown A/D mode 'soft'\n"),
                         ("--check=some", "eptsim: unknown check level 'some'\n")):
            with self.subTest(opt=opt):
                r = run(["replay", "t.trace", opt], cwd=self.dir)
                self.assertEqual((r.returncode, r.stderr, r.stdout), (2, err, ""))

    def test_missing_file(self):
        r = self.replay("nope.trace")
        self.assertEqual((r.returncode, r.stderr),
                         (2, "eptsim: nope.trace: cannot open: No such file or directory\n"))
        r = run(["stat", "nope.trace"], cwd=self.dir)
        self.assertEqual((r.returncode, r.stderr),
                         (2, "eptsim: nope.trace: cannot open: No such file or directory\n"))

    def test_malformed_line(self):
        write(self.dir, "bad.trace", TINY.replace("fault vm=1 tid=1 cpu=0", "fault vm=1 tid=1"))
        r = self.replay("bad.trace")
        self.assertEqual((r.returncode, r.stderr),
                         (2, "eptsim: bad.trace:6: missing key \"cpu\" for fault\n"))
        self.assertIn("  error: bad.trace:6: missing key \"cpu\" for fault\n", r.stdout)

    def test_truncated_zst_small(self):
        # 1000 events are ~60 KB of text: one zstd block (up to 128 KiB),
        # which decodes only whole, so half the file yields no line at all.
        self.gen("t.trace.zst", "--seed=1", "--events=1000")
        data = self.read("t.trace.zst")
        with open(os.path.join(self.dir, "half.trace.zst"), "wb") as f:
            f.write(data[:len(data) // 2])
        r = self.replay("half.trace.zst")
        self.assertEqual((r.returncode, r.stderr),
                         (2, "eptsim: half.trace.zst:1: truncated zstd stream\n"))

    def test_truncated_zst_large(self):
        # Many blocks: the lines before the damage come first, then the
        # error names the line being read, so the replay ran exactly the
        # events on lines 2 .. LINE-1 (a generated trace has no comments).
        self.gen("t.trace.zst", "--seed=1", "--events=40000")
        data = self.read("t.trace.zst")
        with open(os.path.join(self.dir, "half.trace.zst"), "wb") as f:
            f.write(data[:len(data) // 2])
        r = run(["replay", "half.trace.zst", "--check=none", "--json"], cwd=self.dir)
        self.assertEqual(r.returncode, 2)
        self.assertRegex(r.stderr, r"^eptsim: half\.trace\.zst:\d+: truncated zstd stream\n$")
        line = int(r.stderr.split(":")[2])
        self.assertGreater(line, 2)
        self.assertLess(line, 40002)
        s = summary(r.stdout)
        self.assertEqual(s["events"], line - 2)
        self.assertEqual(s["error"], "half.trace.zst:%d: truncated zstd stream" % line)
        r = run(["stat", "half.trace.zst"], cwd=self.dir)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(sum(stat_counts(r.stdout).values()), line - 2)

    def test_empty_file(self):
        write(self.dir, "empty.trace", "")
        r = self.replay("empty.trace")
        self.assertEqual((r.returncode, r.stderr),
                         (2, "eptsim: empty.trace:1: empty trace (no header line)\n"))

    def test_header_only(self):
        write(self.dir, "h.trace", "eptsim-trace 1 source=nothing happens\n")
        r = run(["replay", "h.trace", "--json"], cwd=self.dir)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        s = summary(r.stdout)
        self.assertEqual((s["events"], s["faults"], s["divergences"], s["error"]), (0, 0, 0, ""))
        r = run(["stat", "h.trace"], cwd=self.dir)
        self.assertEqual((r.returncode, r.stdout, r.stderr),
                         (0, "h.trace: source nothing happens\n", ""))


if __name__ == "__main__":
    unittest.main(verbosity=2)

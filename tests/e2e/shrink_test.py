#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""shrink_test.py - `eptsim shrink`, end to end.

A failing trace comes from --inject=skip-inval (the CPUs ignore every
invalidation, so the stale-TLB check fires).  For each one the test pins
that the shrunk trace (MIN) is smaller, replays to the same first
divergence (kind and vmspace), keeps every vmspace's creation before its
events, and is 1-minimal: removing any one event, together with the
events that depend on it (computed here independently of the tool),
makes the failure go away or change.  The sizes are bounded by reasoning:
a stale TLB entry needs a vmspace (its creation), a mapping, an access
that fills the TLB and an event that takes rights away, so 4 events is
the least possible; in a forked child one more (the fork).

Also: a clean trace and a trace with a replay error are refused with
exit 2 and their messages pinned; usage errors.

The eptsim binary is $EPTSIM, else ../../build/tools/eptsim relative to
this script.  Standard library only.
"""

import os
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", ".."))
CORPUS = os.path.join(TOP, "traces", "corpus")
EPTSIM = os.environ.get("EPTSIM") or os.path.join(TOP, "build", "tools", "eptsim")
TIMEOUT = 600
INJECT = "--inject=skip-inval"

# The child's TLB goes stale: the parent never touches the memory, so the
# first divergence is in vmspace 2 (the fork's child).
CHILD = """eptsim-trace 1 source=shrink test: the stale entry is the child's
vmspace_create vm=1 kind=process
mmap vm=1 va=0x600000 len=0x4000 prot=rw- share=private backing=anon
mmap vm=1 va=0x700000 len=0x1000 prot=r-- share=private backing=anon
sched tid=1 cpu=0
check
fork vm=1 child=2
sched tid=2 cpu=1
fault vm=2 tid=2 cpu=1 va=0x601000 access=w mode=user
fault vm=2 tid=2 cpu=1 va=0x700000 access=r mode=user
copyout vm=2 cpu=1 va=0x602000 len=0x10
mprotect vm=2 va=0x601000 len=0x1000 prot=r--
exit vm=2
exit vm=1
"""


def run(args, cwd=None):
    return subprocess.run([EPTSIM] + list(args), cwd=cwd, capture_output=True, text=True,
                          timeout=TIMEOUT)


def events_of(path):
    """The event lines of a plain trace (header, comments, blanks dropped)."""
    with open(path) as f:
        lines = f.read().splitlines()[1:]
    return [ln.split("#")[0].strip() for ln in lines if ln.split("#")[0].strip()]


def keys(line):
    return dict(kv.split("=", 1) for kv in line.split()[1:])


def deps(events):
    """dep[i]: the index of the creation event i needs (or None), as the tool defines it."""
    made, dep = {}, []
    for i, line in enumerate(events):
        op, k = line.split()[0], keys(line)
        on = k.get("owner") if op == "vmspace_create" else k.get("vm")
        dep.append(made.get(on) if on is not None and op not in ("pageout", "check", "sched")
                   else None)
        if op == "vmspace_create":
            made[k["vm"]] = i
        elif op == "fork":
            made[k["child"]] = i
    return dep


def without(events, drop):
    """@events without index @drop and, transitively, what depends on it."""
    dep, gone = deps(events), {drop}
    for i in range(len(events)):
        if dep[i] in gone:
            gone.add(i)
    return [e for i, e in enumerate(events) if i not in gone]


def first_divergence(stdout):
    """(kind, vmspace) of the first divergence in a replay's output, or None."""
    lines = stdout.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("eptsim: DIVERGENCE #1 "):
            kind = line.split("): ", 1)[1]
            for more in lines[i + 1:]:
                if more.startswith("eptsim: "):
                    break
                if more.startswith("  vmspace "):
                    return kind, int(more.split()[1].rstrip(","))
            return kind, 0
    return None


class ShrinkTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="shrink_test.")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def replay(self, path, *opts):
        r = run(["replay", path] + list(opts))
        return r.returncode, first_divergence(r.stdout)

    def check_shrunk(self, trace, opts, kind, vm, want_events):
        """Shrink @trace, then pin MIN: size, same failure, well formed, 1-minimal."""
        out = os.path.join(self.dir, "min.trace")
        before = events_of(trace)
        with open(trace) as f:
            before_lines = len(f.read().splitlines())
        self.assertEqual(self.replay(trace, *opts), (1, (kind, vm)),
                         "the test's premise: %s fails so" % trace)
        r = run(["shrink", trace, "-o", out] + opts)
        self.assertEqual((r.returncode, r.stderr), (0, ""), r.stdout)
        after = events_of(out)
        with open(out) as f:
            text = f.read().splitlines()
        # Header: the original's source and the failure; then the options.
        with open(trace) as f:
            source = f.readline().rstrip("\n").split("source=", 1)[1]
        self.assertEqual(text[0], "eptsim-trace 1 source=%s (eptsim shrink: %s in vmspace %d)"
                         % (source, kind, vm))
        self.assertTrue(text[1].startswith("# replay: --mode="), text[1])
        out_lines = r.stdout.splitlines()
        self.assertEqual(out_lines[0], "eptsim shrink: %s: %s in vmspace %d (mode %s, ad %s)" % (
            trace, kind, vm, next((o[7:] for o in opts if o.startswith("--mode=")), "pair"),
            next((o[5:] for o in opts if o.startswith("--ad=")), "hw")))
        self.assertRegex(out_lines[1], r"^  %d events \(%d lines\) -> %d events \(%d lines\) "
                         r"in %s, \d+ replays$" % (len(before), before_lines, len(after),
                                                   len(text), out))
        self.assertEqual(len(after), want_events, after)
        self.assertLess(len(after), len(before))
        # Same failure.
        self.assertEqual(self.replay(out, *opts), (1, (kind, vm)))
        # Every kept event is one of the original's, in order, and no
        # event names a vmspace that was not created before it.
        it = iter(before)
        self.assertTrue(all(any(e == b for b in it) for e in after), "not a subsequence")
        for i, d in enumerate(deps(after)):
            if after[i].split()[0] not in ("vmspace_create", "pageout", "check", "sched"):
                self.assertIsNotNone(d, "event %r before its vmspace's creation" % after[i])
        # 1-minimal: no single removal keeps the failure.
        header = "eptsim-trace 1 source=one removed\n"
        for i in range(len(after)):
            with self.subTest(removed=after[i]):
                path = self.write("one.trace", header + "\n".join(without(after, i)) + "\n")
                rc, div = self.replay(path, *opts)
                self.assertNotEqual((rc, div), (1, (kind, vm)))
        return after

    def test_shrink_corpus_trace(self):
        # 62 events (tests/e2e: `eptsim stat` of the file): 4 left.
        after = self.check_shrunk(os.path.join(CORPUS, "hand", "fork-chain-cow.trace"),
                                  [INJECT], "stale TLB", 1, 4)
        self.assertEqual(after[0], "vmspace_create vm=1 kind=process")

    def test_shrink_other_modes(self):
        for mode, ad in (("ept", "emulated"), ("convert", "hw")):
            with self.subTest(mode=mode, ad=ad):
                self.check_shrunk(os.path.join(CORPUS, "hand", "multicpu-shootdown.trace"),
                                  [INJECT, "--mode=" + mode, "--ad=" + ad], "stale TLB", 1, 4)

    def test_shrink_keeps_the_fork(self):
        # The child's stale entry needs its creation, the fork, and so the
        # parent's creation and mapping: 5 events.
        after = self.check_shrunk(self.write("child.trace", CHILD), [INJECT], "stale TLB", 2, 5)
        self.assertEqual([e.split()[0] for e in after],
                         ["vmspace_create", "mmap", "fork", "fault", "mprotect"])

    def test_shrink_clean_trace_is_an_error(self):
        trace = os.path.join(CORPUS, "hand", "fork-chain-cow.trace")
        out = os.path.join(self.dir, "min.trace")
        r = run(["shrink", trace, "-o", out, "--mode=ept"])
        self.assertEqual((r.returncode, r.stdout, r.stderr), (
            2, "", "eptsim: %s: does not fail (mode ept, ad hw, check incremental): "
            "nothing to shrink\n" % trace))
        self.assertFalse(os.path.exists(out))

    def test_shrink_replay_error_is_not_a_failure(self):
        trace = os.path.join(CORPUS, "bad", "fault-no-vmspace.trace")
        r = run(["shrink", trace, "-o", os.path.join(self.dir, "min.trace"), INJECT])
        self.assertEqual((r.returncode, r.stdout, r.stderr), (
            2, "", "eptsim: %s: the replay stops with an error, not a divergence: "
            "%s:8: vmspace 7 does not exist\n" % (trace, trace)))

    def test_shrink_bad_input(self):
        r = run(["shrink", os.path.join(self.dir, "nope.trace"), "-o", "x"])
        self.assertEqual((r.returncode, r.stderr), (
            2, "eptsim: %s/nope.trace: cannot open: No such file or directory\n" % self.dir))
        bad = self.write("bad.trace", "eptsim-trace 1 source=t\nfrob vm=1\n")
        r = run(["shrink", bad, "-o", "x"])
        self.assertEqual((r.returncode, r.stderr), (2, "eptsim: %s:2: unknown op \"frob\"\n" % bad))

    def test_shrink_usage(self):
        trace = os.path.join(CORPUS, "hand", "fork-chain-cow.trace")
        for args in ([trace], ["-o", "x"], [trace, "x", "-o", "y"], [trace, "-o", "x", "--frob"]):
            with self.subTest(args=args):
                r = run(["shrink"] + args)
                self.assertEqual(r.returncode, 2)
                self.assertIn("usage: eptsim shrink TRACE -o MIN ", r.stderr)
        r = run(["shrink", trace, "-o", "x", "--inject=other"])
        self.assertEqual((r.returncode, r.stderr), (2, "eptsim: unknown fault to inject 'other'\n"))


if __name__ == "__main__":
    unittest.main(verbosity=2)

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""record_test.py - tools/eptsim-record: the perf-to-trace conversion rules
and one fresh recording replayed in every mode (so format drift is caught).

ConvertCase feeds hand-written `perf script` text (in the exact shape perf
6.1 prints) through `eptsim-record --from-script` and compares every event
line with the events reasoned out in each case, plus the counts of what was
not converted; the traces it produces must replay clean.  It needs no perf.

RecordFresh compiles tools/record-samples/forkcow.c, records it with perf,
and checks the trace against what the program does (fork counts, the
copy-on-write faults in its private region), then replays it with
--check=full in every mode x A/D mode.  It is skipped, with the reason
printed, only when perf cannot record the tracepoints on this machine (no
perf, no permission, no tracefs); CI runs as root, where it works.

RefuseCase checks the recorder's refusals: no perf on PATH, no zstd for a
.zst output, a command that does not exist, perf without permission.

The eptsim binary is $EPTSIM, else ../../build/tools/eptsim relative to
this script.  Standard library only.
"""

import json
import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
RECORDER = os.path.join(ROOT, "tools", "eptsim-record")
FORKCOW = os.path.join(ROOT, "tools", "record-samples", "forkcow.c")
EPTSIM = os.environ.get("EPTSIM") or os.path.join(ROOT, "build", "tools", "eptsim")
MODES = ("pair", "convert", "ept")
ADS = ("hw", "emulated")
TRACEPOINTS = ("exceptions:page_fault_user", "exceptions:page_fault_kernel",
               "raw_syscalls:sys_enter", "raw_syscalls:sys_exit",
               "sched:sched_process_fork", "sched:sched_process_exec",
               "sched:sched_process_exit", "task:task_newtask")
PERF_MISSING = ("eptsim-record: perf not found on PATH; install the Debian package "
                "linux-perf (apt-get install linux-perf)")
ZSTD_MISSING = "eptsim-record: zstd not found on PATH; install the Debian package zstd"


def perf_can_record():
    """(True, "") when perf records the recorder's tracepoints here, else (False, why)."""
    perf = shutil.which("perf")
    if perf is None:
        return False, "perf is not on PATH (Debian package linux-perf)"
    with tempfile.TemporaryDirectory() as tmp:
        argv = [perf, "record", "-q", "-o", os.path.join(tmp, "probe.data")]
        for tp in TRACEPOINTS:
            argv += ["-e", tp]
        p = subprocess.run(argv + ["--", "/bin/true"], capture_output=True, text=True,
                           timeout=120)
    if p.returncode != 0:
        why = " / ".join(ln.strip() for ln in p.stderr.splitlines() if ln.strip())[:300]
        return False, "perf cannot record the tracepoints here (exit %d): %s" % (
            p.returncode, why)
    return True, ""


PERF_OK, PERF_WHY = perf_can_record()
if not PERF_OK:
    sys.stderr.write("record_test: RecordFresh will be skipped: %s\n" % PERF_WHY)


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=600, **kw)


def read_trace(path):
    """A trace's text (zstd-decompressed for .zst)."""
    if path.endswith(".zst"):
        return run(["zstd", "-dc", path]).stdout
    with open(path, encoding="utf-8") as fp:
        return fp.read()


def events_of(text):
    """The event lines of a trace (header and comments dropped)."""
    return [ln for ln in text.splitlines()[1:] if ln.strip() and not ln.startswith("#")]


def not_converted(text):
    """The "not converted" counts the recorder wrote into the trace: {kind: n}."""
    out, on = {}, False
    for ln in text.splitlines():
        if ln.startswith("# not converted"):
            on = True
        elif on and ln.startswith("#   ") and ln[4:].strip()[:1].isdigit():
            n, _, kind = ln[4:].strip().partition("  ")
            out[kind.strip()] = int(n)
        elif on:
            break
    return out


def replay_summary(path, mode, ad):
    p = run([EPTSIM, "replay", path, "--mode=" + mode, "--ad=" + ad, "--check=full",
             "--json"])
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    return p, (json.loads(lines[-1]) if lines else None)


# --- hand-written perf script text -------------------------------------------

class Script:
    """Builds `perf script -F comm,pid,tid,cpu,time,event,trace` lines."""

    def __init__(self):
        self.lines = []
        self.t = 100.0

    def rec(self, pid, tid, text, cpu=0, comm="prog"):
        self.t += 0.000001
        self.lines.append("%16s %6d/%-6d [%03d] %12.6f: %s" % (comm, pid, tid, cpu, self.t,
                                                               text))
        return self

    def exec_(self, pid, tid=None):
        tid = tid or pid
        return self.rec(pid, tid, "PERF_RECORD_COMM exec: prog:%d/%d" % (pid, tid))

    def mmap2(self, pid, start, length, prot, name, pgoff=0, dev="00:00", ino=0, tid=None):
        tid = tid or pid
        return self.rec(pid, tid, "PERF_RECORD_MMAP2 %d/%d: [%#x(%#x) @ %s %s %d 0]: %s %s" % (
            pid, tid, start, length, "%#x" % pgoff if pgoff else "0", dev, ino, prot, name))

    def fault(self, pid, va, code, cpu=0, tid=None, kernel=False):
        tid = tid or pid
        return self.rec(pid, tid, "exceptions:page_fault_%s: address=%#x ip=0x401000 "
                        "error_code=%#x" % ("kernel" if kernel else "user", va, code), cpu)

    def call(self, pid, nr, args, ret, cpu=0, tid=None, inside=()):
        """sys_enter, the records made inside the call, sys_exit."""
        tid = tid or pid
        args = list(args) + [0] * (6 - len(args))
        self.rec(pid, tid, "raw_syscalls:sys_enter: NR %d (%s)" % (
            nr, ", ".join("%x" % (a % (1 << 64)) for a in args)), cpu)
        for f in inside:
            f()
        return self.rec(pid, tid, "raw_syscalls:sys_exit: NR %d = %d" % (nr, ret), cpu)

    def fork(self, child, parent, flags, child_pid=None, parent_tid=None, newtask_first=False):
        child_pid = child_pid or child
        parent_tid = parent_tid or parent
        fork = "PERF_RECORD_FORK(%d:%d):(%d:%d)" % (child_pid, child, parent, parent_tid)
        if flags is None:  # no task_newtask record
            return self.rec(parent, parent_tid, fork)
        task = "task:task_newtask: pid=%d comm=prog clone_flags=%x oom_score_adj=0" % (
            child, flags)
        for text in ([task, fork] if newtask_first else [fork, task]):
            self.rec(parent, parent_tid, text)
        return self

    def exit(self, pid, tid=None):
        tid = tid or pid
        return self.rec(pid, tid, "PERF_RECORD_EXIT(%d:%d):(1:1)" % (pid, tid))

    def text(self):
        return "\n".join(self.lines) + "\n"


STACK = (0x7ffffffde000, 0x21000)


def case_exec_faults():
    """exec mappings, fault access/mode from the error code, what is refused."""
    s = Script().exec_(100)
    s.mmap2(100, STACK[0], STACK[1], "rw-p", "[stack]")
    s.mmap2(100, 0x400000, 0x1000, "r--p", "/usr/bin/prog", 0, "fe:00", 11)
    s.mmap2(100, 0x401000, 0x2000, "r-xp", "/usr/bin/prog", 0x1000, "fe:00", 11)
    s.mmap2(100, 0x403000, 0x1000, "rw-p", "/usr/bin/prog", 0x3000, "fe:00", 11)
    s.mmap2(100, 0x7f0000000000, 0x2000, "r-xp", "[vdso]")
    s.fault(100, 0x401010, 0x14)  # user fetch
    s.fault(100, 0x403008, 0x6)  # user write, not present
    s.fault(100, 0x400100, 0x7)  # user write to r--: SIGSEGV in reality
    s.fault(100, 0x500000, 0x4)  # user read, nothing mapped
    s.fault(100, 0x7fffffffe000, 0x2, kernel=True)  # kernel write (copy_to_user)
    s.fault(100, 0xffff888000001000, 0x0, kernel=True)  # kernel address
    s.fault(100, 0x7f0000000100, 0x4)  # the vdso
    s.fault(100, 0x403010, 0x4, cpu=1)  # another cpu: sched first
    s.exit(100)
    want = [
        "vmspace_create vm=1 kind=process",
        "mmap vm=1 va=0x7ffffffde000 len=0x21000 prot=rw- share=private backing=anon",
        "mmap vm=1 va=0x400000 len=0x1000 prot=r-- share=private backing=file file=1 offset=0x0",
        "mmap vm=1 va=0x401000 len=0x2000 prot=r-x share=private backing=file file=1 "
        "offset=0x1000",
        "mmap vm=1 va=0x403000 len=0x1000 prot=rw- share=private backing=file file=1 "
        "offset=0x3000",
        "mmap vm=1 va=0x7f0000000000 len=0x2000 prot=r-x share=private backing=file file=2 "
        "offset=0x0",
        "sched tid=1 cpu=0",
        "fault vm=1 tid=1 cpu=0 va=0x401010 access=x mode=user",
        "fault vm=1 tid=1 cpu=0 va=0x403008 access=w mode=user",
        "fault vm=1 tid=1 cpu=0 va=0x7fffffffe000 access=w mode=kernel",
        "fault vm=1 tid=1 cpu=0 va=0x7f0000000100 access=r mode=user",
        "sched tid=1 cpu=1",
        "fault vm=1 tid=1 cpu=1 va=0x403010 access=r mode=user",
        "exit vm=1",
        "check",
    ]
    skipped = {"fault user w: mapping is r--": 1, "fault user r: no mapping": 1,
               "fault kernel r: kernel address": 1}
    return s, want, skipped


MMAP, MPROTECT, MUNMAP, BRK, MREMAP, MADVISE = 9, 10, 11, 12, 25, 28
READ, WRITE, READV, FSTAT, NEWFSTATAT, STATX = 0, 1, 19, 5, 262, 332


def case_syscalls():
    """mmap family, brk, mremap, madvise, copy ranges from read/write/stat."""
    s = Script().exec_(200)
    s.mmap2(200, STACK[0], STACK[1], "rw-p", "[stack]")
    anon = 0x7f0000010000
    # len 0x1001 rounds up to two pages; the MMAP2 inside the call is not used
    s.call(200, MMAP, [0, 0x1001, 3, 0x22, -1, 0], anon, inside=[
        lambda: s.mmap2(200, anon, 0x2000, "rw-p", "//anon", anon >> 12)])
    s.call(200, MMAP, [0, 0x4000, 0, 0x22, -1, 0], 0x7f0000020000)  # PROT_NONE
    s.call(200, MPROTECT, [0x7f0000020000, 0x1000, 3], 0)
    s.call(200, MPROTECT, [0x7f0000011000, 0x2000, 1], 0)  # half of it unmapped here
    s.call(200, MMAP, [0, 0x3000, 1, 0x1, 3, 0x2000], 0x7f0000030000, inside=[
        lambda: s.mmap2(200, 0x7f0000030000, 0x3000, "r--s", "/data", 0x2000, "08:01", 77)])
    s.call(200, MMAP, [0, 0x1000, 1, 0x2, 4, 0], 0x7f0000040000)  # file, no MMAP2
    s.call(200, MUNMAP, [anon, 0x1000], 0)
    s.call(200, MUNMAP, [0x7f0000030000, 0x1000], -22)  # failed: nothing
    # The heap is [page_up(start), page_up(break)), as the kernel rounds.
    s.call(200, BRK, [0], 0x600800)
    s.call(200, BRK, [0x602800], 0x602800)
    s.call(200, BRK, [0x601800], 0x601800)
    s.call(200, BRK, [0x90000000], 0x601800)  # refused: the break stays
    s.call(200, MADVISE, [0x7f000001f000, 0x2000, 4], -12)  # a hole: the mapped part is done
    s.call(200, MADVISE, [0x7f0000020000, 0x1000, 8], 0)  # MADV_FREE: nothing
    s.call(200, READ, [3, 0x7fffffffe000, 0x100], 0x80)
    s.call(200, WRITE, [1, 0x7fffffffe000, 5], 5)
    s.call(200, READ, [3, 0x1000, 0x10], 10)  # unmapped buffer
    s.call(200, READ, [3, 0x7f0000011000, 0x10], 16)  # read-only buffer
    s.call(200, READV, [3, 0x7fffffffe100, 2], 300)
    s.call(200, NEWFSTATAT, [-100, 0x7fffffffe800, 0x7fffffffe200, 0], 0)
    s.call(200, STATX, [-100, 0x7fffffffe800, 0, 0xfff, 0x7fffffffe400], 0)
    s.call(200, FSTAT, [3, 0x7fffffffe300], -9)  # failed: nothing
    s.call(200, MMAP, [0, 0x2000, 3, 0x22, -1, 0], 0x7f0000060000)
    s.call(200, MREMAP, [0x7f0000060000, 0x2000, 0x4000, 1], 0x7f0000070000)  # moves
    s.call(200, MREMAP, [0x7f0000070000, 0x4000, 0x6000, 0], 0x7f0000070000)  # grows
    s.call(200, MREMAP, [0x7f0000070000, 0x6000, 0x1000, 0], 0x7f0000070000)  # shrinks
    s.fault(200, 0x7f0000070008, 0x6)
    want = [
        "vmspace_create vm=1 kind=process",
        "mmap vm=1 va=0x7ffffffde000 len=0x21000 prot=rw- share=private backing=anon",
        "mmap vm=1 va=0x7f0000010000 len=0x2000 prot=rw- share=private backing=anon",
        "mmap vm=1 va=0x7f0000020000 len=0x4000 prot=r-- share=private backing=anon",
        "mprotect vm=1 va=0x7f0000020000 len=0x4000 prot=---",
        "mprotect vm=1 va=0x7f0000020000 len=0x1000 prot=rw-",
        "mprotect vm=1 va=0x7f0000011000 len=0x1000 prot=r--",
        "mmap vm=1 va=0x7f0000030000 len=0x3000 prot=r-- share=shared backing=file file=1 "
        "offset=0x2000",
        "munmap vm=1 va=0x7f0000010000 len=0x1000",
        "mmap vm=1 va=0x601000 len=0x2000 prot=rw- share=private backing=anon",
        "munmap vm=1 va=0x602000 len=0x1000",
        "madvise vm=1 va=0x7f0000020000 len=0x1000 advice=dontneed",
        "sched tid=1 cpu=0",
        "copyout vm=1 cpu=0 va=0x7fffffffe000 len=0x80",
        "copyin vm=1 cpu=0 va=0x7fffffffe000 len=0x5",
        "copyin vm=1 cpu=0 va=0x7fffffffe100 len=0x20",
        "copyout vm=1 cpu=0 va=0x7fffffffe200 len=0x90",
        "copyout vm=1 cpu=0 va=0x7fffffffe400 len=0x100",
        "mmap vm=1 va=0x7f0000060000 len=0x2000 prot=rw- share=private backing=anon",
        "munmap vm=1 va=0x7f0000060000 len=0x2000",
        "mmap vm=1 va=0x7f0000070000 len=0x4000 prot=rw- share=private backing=anon",
        "mmap vm=1 va=0x7f0000074000 len=0x2000 prot=rw- share=private backing=anon",
        "munmap vm=1 va=0x7f0000071000 len=0x5000",
        "fault vm=1 tid=1 cpu=0 va=0x7f0000070008 access=w mode=user",
        "exit vm=1",
    ]
    skipped = {"mprotect: part of the range not mapped here": 1,
               "file mmap without its MMAP2 record (range unmapped)": 1,
               "copyout of read: range not mapped writable": 2,
               "readv buffers (their addresses are not in the tracepoint)": 1}
    return s, want, skipped


def case_tasks():
    """fork, a thread, a vfork child that execs, exec, exits."""
    flags_fork, flags_thread, flags_vfork = 0x1200011, 0x3d0f00, 0x4111
    s = Script().exec_(300)
    s.mmap2(300, STACK[0], STACK[1], "rw-p", "[stack]")
    s.fault(300, 0x7fffffffe010, 0x6)
    s.fork(301, 300, flags_fork)
    s.fault(301, 0x7fffffffe010, 0x7)  # COW in the child
    s.fork(302, 300, flags_thread, child_pid=300)
    s.fault(300, 0x7fffffffd000, 0x6, cpu=1, tid=302)
    s.fork(303, 300, flags_vfork, newtask_first=True)
    s.call(303, 59, [0x1000, 0x2000, 0x3000], 0, inside=[
        lambda: s.exec_(303),
        lambda: s.mmap2(303, STACK[0], STACK[1], "rw-p", "[stack]"),
        lambda: s.mmap2(303, 0x400000, 0x1000, "r-xp", "/bin/true", 0, "fe:00", 12)])
    s.fault(303, 0x400000, 0x14)
    s.exit(300, 302)  # the thread: the vmspace lives on
    s.exit(303)
    s.exit(301)
    s.exec_(300)
    s.mmap2(300, 0x400000, 0x1000, "r-xp", "/bin/true", 0, "fe:00", 12)
    want = [
        "vmspace_create vm=1 kind=process",
        "mmap vm=1 va=0x7ffffffde000 len=0x21000 prot=rw- share=private backing=anon",
        "sched tid=1 cpu=0",
        "fault vm=1 tid=1 cpu=0 va=0x7fffffffe010 access=w mode=user",
        "fork vm=1 child=2",
        "sched tid=2 cpu=0",
        "fault vm=2 tid=2 cpu=0 va=0x7fffffffe010 access=w mode=user",
        "sched tid=3 cpu=1",
        "fault vm=1 tid=3 cpu=1 va=0x7fffffffd000 access=w mode=user",
        "vmspace_create vm=3 kind=process",
        "mmap vm=3 va=0x7ffffffde000 len=0x21000 prot=rw- share=private backing=anon",
        "mmap vm=3 va=0x400000 len=0x1000 prot=r-x share=private backing=file file=1 "
        "offset=0x0",
        "sched tid=4 cpu=0",
        "fault vm=3 tid=4 cpu=0 va=0x400000 access=x mode=user",
        "exit vm=3",
        "check",
        "exit vm=2",
        "check",
        "exec vm=1",
        "mmap vm=1 va=0x400000 len=0x1000 prot=r-x share=private backing=file file=1 "
        "offset=0x0",
        "exit vm=1",
    ]
    return s, want, {}


def case_guessed_clone():
    """No task_newtask record: a new pid is taken for a fork, and it says so."""
    s = Script().exec_(400)
    s.mmap2(400, STACK[0], STACK[1], "rw-p", "[stack]")
    s.fork(401, 400, None)
    s.fault(401, 0x7fffffffe000, 0x6)
    s.fault(999, 0x7fffffffe000, 0x6)  # never exec'd: not ours
    want = [
        "vmspace_create vm=1 kind=process",
        "mmap vm=1 va=0x7ffffffde000 len=0x21000 prot=rw- share=private backing=anon",
        "fork vm=1 child=2",
        "sched tid=2 cpu=0",
        "fault vm=2 tid=2 cpu=0 va=0x7fffffffe000 access=w mode=user",
        "exit vm=1",
        "exit vm=2",
    ]
    return s, want, {"record of a task not seen since the first exec": 1}


def case_stack_growth():
    """A fault below [stack] grows it (then perf re-reports it whole); the
    guard gap above a lower mapping stops the growth."""
    s = Script().exec_(500)
    s.mmap2(500, STACK[0], STACK[1], "rw-p", "[stack]")
    s.mmap2(500, 0x7fffffe00000, 0x1000, "rw-p", "//anon", 0x7fffffe00)
    s.fault(500, 0x7ffffffdcff8, 0x6)
    s.mmap2(500, 0x7ffffffdc000, 0x23000, "rw-p", "[stack]")
    s.fault(500, 0x7fffffe81000, 0x6)  # 512 KiB above the lower mapping: no growth
    want = [
        "vmspace_create vm=1 kind=process",
        "mmap vm=1 va=0x7ffffffde000 len=0x21000 prot=rw- share=private backing=anon",
        "mmap vm=1 va=0x7fffffe00000 len=0x1000 prot=rw- share=private backing=anon",
        "mmap vm=1 va=0x7ffffffdc000 len=0x2000 prot=rw- share=private backing=anon",
        "sched tid=1 cpu=0",
        "fault vm=1 tid=1 cpu=0 va=0x7ffffffdcff8 access=w mode=user",
        "exit vm=1",
    ]
    return s, want, {"fault user w: no mapping": 1}


CASES = [("exec-faults", case_exec_faults), ("syscalls", case_syscalls),
         ("tasks", case_tasks), ("guessed-clone", case_guessed_clone),
         ("stack-growth", case_stack_growth)]


class ConvertCase(unittest.TestCase):
    maxDiff = None

    def convert(self, script, tmp, name):
        src = os.path.join(tmp, name + ".script")
        out = os.path.join(tmp, name + ".trace")
        with open(src, "w", encoding="ascii") as fp:
            fp.write(script.text())
        p = run([RECORDER, "-o", out, "--from-script=" + src, "--command=prog " + name])
        self.assertEqual(p.returncode, 0, "eptsim-record failed:\n" + p.stderr)
        return out, p

    def test_cases(self):
        with tempfile.TemporaryDirectory() as tmp:
            for name, make in CASES:
                script, want, skipped = make()
                with self.subTest(case=name):
                    out, p = self.convert(script, tmp, name)
                    text = read_trace(out)
                    self.assertEqual(text.splitlines()[0],
                                     "eptsim-trace 1 source=eptsim-record: prog %s "
                                     "(perf (saved script), %s)" % (name, kernel_text()))
                    self.assertEqual(events_of(text), want)
                    self.assertEqual(not_converted(text), skipped)
                    self.assertIn("eptsim-record: not converted (counts by kind): %d" %
                                  sum(skipped.values()), p.stderr.splitlines())
                    for mode in MODES:
                        for ad in ADS:
                            r, s = replay_summary(out, mode, ad)
                            ctx = "%s %s %s: exit %d\n%s%s" % (name, mode, ad, r.returncode,
                                                              r.stdout[-2000:], r.stderr)
                            self.assertEqual(r.returncode, 0, ctx)
                            self.assertEqual((s["divergences"], s["segv"], s["efault"],
                                              s["error"]), (0, 0, 0, ""), ctx)


def kernel_text():
    u = os.uname()
    return "%s %s %s" % (u.sysname, u.release, u.machine)


class RefuseCase(unittest.TestCase):
    def env_without(self, *tools):
        """PATH holding links to every tool the recorder needs except `tools`."""
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        for t in ("perf", "zstd"):
            if t not in tools and shutil.which(t):
                os.symlink(shutil.which(t), os.path.join(d, t))
        return dict(os.environ, PATH=d)

    def test_no_perf(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = run([RECORDER, "-o", os.path.join(tmp, "t.trace"), "--", "/bin/true"],
                    env=self.env_without("perf"))
        self.assertEqual((p.returncode, p.stderr), (3, PERF_MISSING + "\n"))

    def test_no_zstd(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = run([RECORDER, "-o", os.path.join(tmp, "t.trace.zst"), "--", "/bin/true"],
                    env=self.env_without("zstd"))
        self.assertEqual((p.returncode, p.stderr), (1, ZSTD_MISSING + "\n"))

    def test_no_command(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = run([RECORDER, "-o", os.path.join(tmp, "t.trace"), "--", "/nonexistent/x"])
        self.assertEqual((p.returncode, p.stderr), (
            1, "eptsim-record: cannot run /nonexistent/x: not found or not executable\n"))

    def test_usage(self):
        p = run([RECORDER, "-o", "x.trace"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("give either -- CMD [ARGS...] or --from-script=FILE", p.stderr)

    def test_no_permission(self):
        """perf as an unprivileged user: exit 3 and perf's reason, no trace."""
        if shutil.which("perf") is None:
            self.skipTest("perf is not on PATH: test_no_perf covers that refusal")
        if os.geteuid() != 0:
            if PERF_OK:
                self.skipTest("perf records as this user; run as root to test the refusal")
            argv_user = None
        else:
            argv_user = pwd.getpwnam("nobody")
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o777)
            out = os.path.join(tmp, "t.trace")
            kw = {}
            if argv_user is not None:
                kw["preexec_fn"] = lambda: (os.setgid(argv_user.pw_gid),
                                            os.setuid(argv_user.pw_uid))
                kw["cwd"] = tmp
            p = run([RECORDER, "-o", out, "--", "/bin/true"], **kw)
            self.assertFalse(os.path.exists(out), "a trace was written")
        self.assertEqual(p.returncode, 3, p.stderr)
        self.assertIn("eptsim-record: perf cannot record the tracepoints here", p.stderr)
        self.assertIn("run as root (or with CAP_PERFMON and read access to "
                      "/sys/kernel/tracing), and make sure tracefs is mounted", p.stderr)


def read_file(path):
    with open(path, encoding="ascii") as fp:
        return fp.read()


def anon_mthp_on():
    """Whether anonymous memory may fault in folios smaller than 2 MiB but
    larger than a page (mTHP): then one fault maps several pages."""
    base = "/sys/kernel/mm/transparent_hugepage"
    try:
        top = read_file(os.path.join(base, "enabled"))
        sizes = [d for d in os.listdir(base) if d.startswith("hugepages-")]
    except OSError:
        return False
    for d in sizes:
        if d == "hugepages-2048kB":
            continue
        try:
            v = read_file(os.path.join(base, d, "enabled"))
        except OSError:
            continue
        if "[always]" in v or "[madvise]" in v or ("[inherit]" in v and "[never]" not in top):
            return True
    return False


@unittest.skipUnless(PERF_OK, PERF_WHY)
class RecordFresh(unittest.TestCase):
    """Record forkcow (tools/record-samples/forkcow.c) and replay it."""
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="record_test.")
        cls.prog = os.path.join(cls.tmp, "forkcow")
        cc = shutil.which("cc") or shutil.which("gcc")
        assert cc, "no C compiler (cc/gcc) to build forkcow.c"
        p = run([cc, "-O1", "-o", cls.prog, FORKCOW])
        assert p.returncode == 0, p.stderr
        cls.out = os.path.join(cls.tmp, "forkcow.trace.zst")
        cls.rec = run([RECORDER, "-o", cls.out, "--", cls.prog])
        cls.text = read_trace(cls.out) if os.path.exists(cls.out) else ""

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def test_recorded(self):
        self.assertEqual(self.rec.returncode, 0, self.rec.stderr)
        self.assertEqual(self.rec.stdout, "forkcow: 4 children, 64 pages: ok\n")
        head = self.text.splitlines()[:5]
        self.assertTrue(head[0].startswith("eptsim-trace 1 source=eptsim-record: %s (perf "
                                           "version " % shlex.join([self.prog])), head[0])
        self.assertIn("# command: " + shlex.join([self.prog]), head)
        self.assertIn("# command exit status: 0", self.text.splitlines())
        self.assertEqual(not_converted(self.text), {}, self.rec.stderr)

    def test_processes(self):
        """4 children, each forking one grandchild: 8 forks, 9 exits, 1 vmspace_create."""
        ev = events_of(self.text)
        ops = [e.split()[0] for e in ev]
        self.assertEqual((ops.count("vmspace_create"), ops.count("fork"), ops.count("exit"),
                          ops.count("exec")), (1, 8, 9, 0))
        forks = [dict(kv.split("=") for kv in e.split()[1:]) for e in ev if e.startswith("fork")]
        children = {f["child"] for f in forks if f["vm"] == "1"}
        grandchildren = {f["child"] for f in forks if f["vm"] != "1"}
        self.assertEqual((len(children), len(grandchildren)), (4, 4))
        self.assertEqual({f["vm"] for f in forks if f["vm"] != "1"}, children)

    def test_cow_faults(self):
        """The 64-page private region: the parent's first touch (64 write
        faults) and its copy-on-write writes to half of it after the forks
        (32); each child and grandchild writes 16 of its pages (16 COW
        faults each).  Reads of present pages do not fault."""
        ev = events_of(self.text)
        region = [e for e in ev if e.startswith("mmap vm=1 ") and " len=0x40000 prot=rw- "
                  "share=private backing=anon" in e]
        self.assertEqual(len(region), 1, "\n".join(e for e in ev if e.startswith("mmap")))
        start = int(region[0].split()[2].split("=")[1], 16)
        per_vm = {}
        for e in ev:
            f = dict(kv.split("=") for kv in e.split()[1:])
            if e.startswith("fault ") and f["access"] == "w" and \
                    start <= int(f["va"], 16) < start + 0x40000:
                per_vm[f["vm"]] = per_vm.get(f["vm"], 0) + 1
        if anon_mthp_on():
            self.assertGreaterEqual(per_vm.get("1", 0), 1, per_vm)
            return
        self.assertEqual(per_vm.pop("1", 0), 96, per_vm)
        self.assertEqual(sorted(per_vm.values()), [16] * 8, per_vm)

    def test_replay_every_mode(self):
        faults = set()
        for mode in MODES:
            for ad in ADS:
                with self.subTest(mode=mode, ad=ad):
                    p, s = replay_summary(self.out, mode, ad)
                    ctx = "exit %d\n%s%s" % (p.returncode, p.stdout[-3000:], p.stderr)
                    self.assertEqual(p.returncode, 0, ctx)
                    self.assertEqual((s["divergences"], s["segv"], s["efault"], s["error"]),
                                     (0, 0, 0, ""), ctx)
                    self.assertEqual(s["events"], len(events_of(self.text)), ctx)
                    faults.add(s["faults"])
        self.assertEqual(len(faults), 1, "fault counts differ between modes: %s" % faults)


if __name__ == "__main__":
    # ctest marks the test skipped (SKIP_REGULAR_EXPRESSION) only when
    # everything that ran passed and the fresh recording could not run.
    RESULT = unittest.main(verbosity=2, exit=False).result
    if RESULT.wasSuccessful() and not PERF_OK:
        sys.stderr.write("record_test: SKIPPED the fresh recording: %s\n" % PERF_WHY)
    sys.exit(0 if RESULT.wasSuccessful() else 1)

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""run.py - the mutant catalogue: does the harness catch each bug?

Each tests/mutants/NNN-name.patch is a small bug in pmap/ (its first line
says which).  For each, run.py copies the sources to a scratch directory,
applies the patch (a patch that no longer applies is an error, not a
survivor), builds eptsim in Release, and replays until something fails:

  1. the corpus (traces/corpus/MANIFEST): every entry in every mode x A/D
     it lists, --check=full, with its pinned counts;
  2. synthetic traces (`eptsim gen`, every shape, one seed), every mode x
     A/D, --check=full;
  3. only if every replay passed: the pmap unit tests (ctest '^pmap_').

A mutant is killed by the first replay that diverges, stops with an error
or a pmap panic, misses a pinned count, or by a failing unit test.  The
table gives the trace, the event and the checker (the divergence
report's reason line; "panic: ..." for a pmap panic).  A mutant killed by
a replay then has its killing trace shrunk with its own binary (`eptsim
shrink`, the same replay options) and the table gives the sizes before and
after.

  run.py [--quick] [-j N] [--scratch DIR] [--no-unit] [--no-shrink] [NAME...]

--quick runs QUICK only, against the corpus only (make test); NAMEs pick
mutants by prefix.  Builds
are cached in the scratch directory (default build-mutants/) by the hash
of the sources and the patch, so a second run only replays.  Exit status:
0 every mutant killed, 1 a survivor, 2 a patch that does not apply or
build, or a baseline that does not replay clean.  Standard library only.
"""
import argparse
import concurrent.futures
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CORPUS = os.path.join(ROOT, "traces", "corpus")
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import corpus_test  # noqa: E402  (the MANIFEST parser and its count checks)

# What a mutant build needs (hw/ for the runner eptsim hw-run links, tests/ for
# the pmap unit tests; not the mutants).
COPY = ("CMakeLists.txt", "cmake", "pmap", "sim", "verify", "tools", "hw", "tests")
SKIP = (os.path.join("tests", "mutants"),)
# make test: three mutants, three different checkers (stale TLB, the EPT
# walker's misconfiguration, the pageout contract).
QUICK = ("002-no-invlpg-after-remove", "005-ept-nonleaf-cache-bits",
         "015-ts-referenced-no-rearm")
SHAPES = ("mixed", "fork-tree", "mmap-storm", "superpage", "copy", "pageout")
GEN_SEED, GEN_EVENTS = 7, 3000
TIMEOUT = 300
DIVERGENCE = re.compile(r"^eptsim: DIVERGENCE #1 at event (\d+) \(([^)]*)\): (.*)$", re.M)
LEAK = re.compile(r"^eptsim: DIVERGENCE: (.*)$", re.M)
PANIC = re.compile(r"pmap panic: (.*)$", re.M)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def tree_hash():
    """Hash of every source file a mutant build copies (path and bytes)."""
    h = hashlib.sha256()
    for top in COPY:
        path = os.path.join(ROOT, top)
        files = [path] if os.path.isfile(path) else sorted(
            os.path.join(d, f) for d, subs, fs in os.walk(path)
            for f in fs if not os.path.relpath(d, ROOT).startswith(SKIP)
            and "__pycache__" not in d)
        for f in sorted(files):
            h.update(os.path.relpath(f, ROOT).encode() + b"\0")
            with open(f, "rb") as fp:
                h.update(fp.read())
    return h.hexdigest()


def description(patch):
    """The one-line description: the patch's first line."""
    with open(patch, encoding="utf-8") as fp:
        return fp.readline().strip()


def run(argv, cwd=None, timeout=TIMEOUT):
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout)


class Build:
    """A patched copy of the sources and its Release build, cached by hash."""

    def __init__(self, scratch, name, patch, tree, jobs):
        self.name, self.patch, self.jobs = name, patch, jobs
        data = open(patch, "rb").read() if patch else b""
        self.key = hashlib.sha256(tree.encode() + b"\0" + data).hexdigest()
        self.dir = os.path.join(scratch, name)
        self.src = os.path.join(self.dir, "src")
        self.bld = os.path.join(self.dir, "build")
        self.eptsim = os.path.join(self.bld, "tools", "eptsim")
        self.stamp = os.path.join(self.dir, "built")

    def cached(self):
        try:
            with open(self.stamp) as fp:
                return fp.read().strip() == self.key and os.access(self.eptsim, os.X_OK)
        except OSError:
            return False

    def make(self):
        """Copy, patch, configure, build eptsim; returns None or an error."""
        if self.cached():
            return None
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.src)
        for top in COPY:
            s, d = os.path.join(ROOT, top), os.path.join(self.src, top)
            if os.path.isfile(s):
                shutil.copy2(s, d)
            else:
                shutil.copytree(s, d, ignore=shutil.ignore_patterns("mutants", "__pycache__"))
        if self.patch:
            for dry in (["--dry-run"], []):
                p = run(["patch", "-p1", "-s", "--no-backup-if-mismatch", "-i", self.patch]
                        + dry, cwd=self.src)
                if p.returncode != 0:
                    return "does not apply: " + (p.stdout + p.stderr).strip().splitlines()[0]
        p = run(["cmake", "-S", self.src, "-B", self.bld, "-DCMAKE_BUILD_TYPE=Release",
                 "-DEPTSIM_TESTS=ON"])
        if p.returncode != 0:
            return "configure failed: " + p.stderr.strip()[-300:]
        p = run(["cmake", "--build", self.bld, "-j%d" % self.jobs, "--target", "eptsim"],
                timeout=900)
        if p.returncode != 0:
            err = [l for l in (p.stdout + p.stderr).splitlines() if "error" in l]
            return "build failed: " + (err[0] if err else p.stderr.strip()[-300:])
        with open(self.stamp, "w") as fp:
            fp.write(self.key + "\n")
        return None


def replay_plan(synth_dir):
    """(label, file, argv extras, pinned checks, expect) in the order tried."""
    plan = []
    for e in corpus_test.ENTRIES:
        for mode in e["modes"]:
            for ad in e["ads"]:
                extra = ["--mode=" + mode, "--ad=" + ad, "--check=full"]
                if e["ram"] is not None:
                    extra.append("--ram=%d" % e["ram"])
                plan.append(("%s %s/%s" % (e["file"], mode, ad),
                             os.path.join(CORPUS, e["file"]), extra, e["checks"], e["expect"]))
    for shape in SHAPES if synth_dir else ():
        path = os.path.join(synth_dir, "%s-%d.trace" % (shape, GEN_SEED))
        for mode in corpus_test.MODES:
            for ad in corpus_test.ADS:
                plan.append(("gen %s seed %d %s/%s" % (shape, GEN_SEED, mode, ad), path,
                             ["--mode=" + mode, "--ad=" + ad, "--check=full"], {}, "clean"))
    return plan


def verdict(proc, checks):
    """None when the replay passed, else (event, checker)."""
    out, err = proc.stdout, proc.stderr
    m = PANIC.search(err)
    if m:
        return "-", "panic: " + m.group(1)
    if proc.returncode < 0:
        return "-", "crash: signal %d" % -proc.returncode
    m = DIVERGENCE.search(out)
    if m:
        return "event %s (%s)" % (m.group(1), os.path.basename(m.group(2))), m.group(3)
    m = LEAK.search(out)
    if m:
        return "end", m.group(1)
    summ = corpus_test.summary_of(out)
    if proc.returncode != 0 or summ is None:
        return "-", "replay error: " + (summ["error"] if summ else err.strip()[-200:])
    for key, want in checks.items():
        field, cmp = corpus_test.CHECKS[key]
        got = summ[field]
        if not {"ge": got >= want, "le": got <= want, "eq": got == want}[cmp]:
            return "end", "pinned count: %s=%d, MANIFEST %s=%d" % (field, got, key, want)
    return None


def replay_all(eptsim, plan, stop_at_first=True):
    """Replays @plan; returns [(label, event, checker, plan index)] of the failures."""
    failed = []
    for i, (label, path, extra, checks, expect) in enumerate(plan):
        if expect != "clean":
            continue  # a known-bug line fails without a mutant
        try:
            proc = run([eptsim, "replay", path, "--json"] + extra)
            v = verdict(proc, checks)
        except subprocess.TimeoutExpired:
            v = ("-", "timeout after %d s" % TIMEOUT)
        if v:
            failed.append((label,) + v + (i,))
            if stop_at_first:
                break
    return failed


def unit_tests(b):
    """Build and run the pmap unit tests; the first failure, or None."""
    p = run(["cmake", "--build", b.bld, "--target", "help"])
    targets = [t for t in re.findall(r"^\.\.\. (pmap_\w+_(?:x86|ept|ept_emul))$", p.stdout, re.M)]
    p = run(["cmake", "--build", b.bld, "-j%d" % b.jobs, "--target"] + targets, timeout=900)
    if p.returncode != 0:
        return ("unit tests", "-", "unit tests do not build", None)
    # CMake regular expressions have no \w.
    p = run(["ctest", "--test-dir", b.bld, "-R", r"^pmap_[a-z_]+\.(x86|ept|ept_emul)$",
             "--timeout", "120", "--output-on-failure"], timeout=1800)
    if "No tests were found" in p.stdout + p.stderr:
        return ("unit tests", "-", "no pmap unit test found", None)
    bad = re.findall(r"\d+ - (\S+) \((\w+)\)", p.stdout)
    if p.returncode == 0 or not bad:
        return None
    case = re.search(r"\[  FAILED  \] (test_\w+)", p.stdout)
    return ("unit test %s" % bad[0][0], case.group(1) if case else "-",
            "%s (%d of the pmap test programs failed)" % (bad[0][1], len(bad)), None)


def prepare(scratch, tree, jobs, quick):
    """The baseline build, the synthetic traces; the baseline must replay clean.
    Quick: the corpus only (corpus_replay checks the baseline there)."""
    if quick:
        return replay_plan(None)
    base = Build(scratch, "baseline", None, tree, jobs)
    err = base.make()
    if err:
        sys.exit("run.py: baseline: %s" % err)
    synth = os.path.join(scratch, "synthetic")
    os.makedirs(synth, exist_ok=True)
    for shape in SHAPES:
        path = os.path.join(synth, "%s-%d.trace" % (shape, GEN_SEED))
        if not os.path.exists(path):
            p = run([base.eptsim, "gen", "--seed=%d" % GEN_SEED, "--events=%d" % GEN_EVENTS,
                     "--shape=" + shape, "-o", path + ".tmp"])
            if p.returncode != 0:
                sys.exit("run.py: eptsim gen %s: %s" % (shape, p.stderr.strip()))
            os.rename(path + ".tmp", path)
    plan = replay_plan(synth)
    stamp = os.path.join(base.dir, "replayed-clean")
    if os.path.exists(stamp) and open(stamp).read().strip() == base.key:
        return plan  # these very sources replayed clean before
    failed = replay_all(base.eptsim, plan)
    if failed:
        sys.exit("run.py: the unpatched tree fails %s: %s %s" % failed[0])
    with open(stamp, "w") as fp:
        fp.write(base.key + "\n")
    return plan


SHRUNK = re.compile(r"(\d+) events \((\d+) lines\) -> (\d+) events \((\d+) lines\)")


def shrink(b, entry):
    """eptsim shrink of the killing trace with the mutant's own binary:
    "N -> M events", or why it could not."""
    _, path, extra, _, _ = entry
    out = os.path.join(b.dir, "killing-min.trace")
    try:
        p = run([b.eptsim, "shrink", path, "-o", out] + extra)
    except subprocess.TimeoutExpired:
        return "shrink: timeout after %d s" % TIMEOUT
    m = SHRUNK.search(p.stdout)
    if p.returncode != 0 or not m:
        return "shrink failed: " + (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]
    return "%s -> %s events" % (m.group(1), m.group(3))


def one(scratch, tree, jobs, patch, plan, use_unit, do_shrink):
    name = os.path.basename(patch)[:-len(".patch")]
    t0 = time.monotonic()
    b = Build(scratch, name, patch, tree, jobs)
    err = b.make()
    if err:
        return {"name": name, "status": "ERROR", "where": "-", "event": "-", "checker": err,
                "by": "-", "shrunk": "-", "seconds": time.monotonic() - t0}
    failed = replay_all(b.eptsim, plan)
    by = "replay"
    if not failed and use_unit:
        u = unit_tests(b)
        failed, by = ([u] if u else []), "unit"
    res = {"name": name, "seconds": time.monotonic() - t0, "by": by if failed else "-"}
    if failed:
        res.update(status="killed", where=failed[0][0], event=failed[0][1],
                   checker=failed[0][2], shrunk="-")
        if by == "replay" and do_shrink:
            res["shrunk"] = shrink(b, plan[failed[0][3]])
            res["seconds"] = time.monotonic() - t0
    else:
        res.update(status="SURVIVED", where="-", event="-", checker="-", shrunk="-")
    log("run.py: %-34s %s (%.1f s)" % (name, res["status"], res["seconds"]))
    return res


def table(results):
    print("| mutant | result | caught by | trace (mode/ad) | event | checker | killing trace shrunk |")
    print("|--------|--------|-----------|-----------------|-------|---------|----------------------|")
    for r in results:
        print("| %s | %s | %s | %s | %s | %s | %s |" % (r["name"], r["status"], r["by"],
                                                       r["where"], r["event"], r["checker"],
                                                       r["shrunk"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="mutants to run (name prefixes); default all")
    ap.add_argument("--quick", action="store_true", help="only the make-test subset")
    ap.add_argument("-j", "--jobs", type=int, default=2, choices=(1, 2))
    ap.add_argument("--scratch", default=os.environ.get("EPTSIM_MUTANT_DIR",
                                                       os.path.join(ROOT, "build-mutants")))
    ap.add_argument("--no-unit", action="store_true", help="never run the pmap unit tests")
    ap.add_argument("--json", action="store_true", help="print the results as JSON too")
    ap.add_argument("--no-shrink", action="store_true",
                    help="do not shrink the killing traces (eptsim shrink); --quick never does")
    args = ap.parse_args()
    t0 = time.monotonic()
    patches = sorted(os.path.join(HERE, f) for f in os.listdir(HERE) if f.endswith(".patch"))
    pick = list(QUICK) if args.quick else args.names
    if pick:
        patches = [p for p in patches if any(os.path.basename(p).startswith(n) for n in pick)]
        if len(patches) < len(pick):
            sys.exit("run.py: no such mutant among %s" % " ".join(pick))
    os.makedirs(args.scratch, exist_ok=True)
    tree = tree_hash()
    # One run at a time per scratch directory (make test runs ctest three times).
    lock = open(os.path.join(args.scratch, ".lock"), "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    plan = prepare(args.scratch, tree, args.jobs, args.quick)
    # Two mutants at a time build with one job each: at most 2 cores.
    bjobs = 1 if args.jobs == 2 and len(patches) > 1 else args.jobs
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda p: one(args.scratch, tree, bjobs, p, plan,
                                              not args.no_unit,
                                              not (args.quick or args.no_shrink)), patches))
    for r in results:
        r["description"] = description(os.path.join(HERE, r["name"] + ".patch"))
    table(results)
    if args.json:
        print(json.dumps(results, indent=1))
    killed = sum(r["status"] == "killed" for r in results)
    print("\n%d mutants: %d killed, %d survived, %d errors; %.0f s (-j%d)" % (
        len(results), killed, sum(r["status"] == "SURVIVED" for r in results),
        sum(r["status"] == "ERROR" for r in results), time.monotonic() - t0, args.jobs))
    if any(r["status"] == "ERROR" for r in results):
        return 2
    return 0 if killed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""corpus_test.py - replay the trace corpus listed in traces/corpus/MANIFEST.

Every MANIFEST entry is replayed in each of its modes x A/D modes with
`eptsim replay FILE --mode=M --ad=A --check=full --json` (--check=incremental
for an entry with check=incremental), one subtest per
(trace, mode, ad): a `clean` entry must exit 0 with zero divergences and
meet its pinned counts; a `known-bug` entry is an expected failure (one
generated test method per combination, so unittest reports each).  The
negative corpus (traces/corpus/bad/, and hand-written traces replayed in a
mode they do not fit) must fail with exit 2 and the exact
"FILE:LINE: reason" message.  The file lists are checked both ways: no
trace under hand/ or real/ is silently skipped and no listed file is
missing.

The eptsim binary is $EPTSIM, else ../../build/tools/eptsim relative to
this script.  Standard library only.
"""

import json
import os
import subprocess
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.normpath(os.path.join(HERE, "..", "..", "traces", "corpus"))
MANIFEST = os.path.join(CORPUS, "MANIFEST")
EPTSIM = os.environ.get("EPTSIM") or os.path.normpath(
    os.path.join(HERE, "..", "..", "build", "tools", "eptsim"))

MODES = ("pair", "convert", "ept")
ADS = ("hw", "emulated")
EXPECTS = ("clean", "known-bug")
CHECK_LEVELS = ("full", "incremental")
# Directories whose every file must be listed in the MANIFEST.
LISTED_DIRS = ("hand", "real")
# KEY=VALUE checks: key -> (summary field, comparison)
CHECKS = {
    "min-faults": ("faults", "ge"),
    "max-faults": ("faults", "le"),
    "min-segv": ("segv", "ge"),
    "segv": ("segv", "eq"),
    "min-efault": ("efault", "ge"),
    "efault": ("efault", "eq"),
}
TIMEOUT = 600

# The negative corpus: each replay must stop with exit 2 and this error,
# "FILE:LINE: reason", where FILE is the path given to eptsim.  `op` is the
# op that must be on that line, so an edit of the trace that moves it
# fails here with a clear message rather than as a wrong line number.
BAD = [
    {"file": "bad/fault-no-vmspace.trace", "args": [], "line": 8, "op": "fault",
     "reason": "vmspace 7 does not exist"},
    {"file": "bad/fork-existing-child.trace", "args": [], "line": 9, "op": "fork",
     "reason": "fork: child vmspace 2 already exists"},
    {"file": "bad/mprotect-unmapped.trace", "args": [], "line": 8, "op": "mprotect",
     "reason": "mprotect of unmapped memory in 0x601000+0x2000"},
    {"file": "bad/device-in-ram.trace", "args": [], "line": 7, "op": "mmap",
     "reason": "device memory at hpa 0x8000000 is inside RAM (65536 pages)"},
    {"file": "bad/guest-no-owner.trace", "args": [], "line": 7, "op": "vmspace_create",
     "reason": "guest vmspace 2: owner vmspace 5 does not exist"},
    {"file": "bad/memory-full-wired.trace", "args": ["--ram=64"], "line": 9, "op": "wire",
     "reason": "physical memory is full (64 pages, none can be paged out)"},
    # gpa above the x86 user half: fine under EPT only (MANIFEST), a
    # replay error where the guest has x86 tables too.
    {"file": "hand/vkernel-guest-high-gpa.trace", "args": [], "line": 24, "op": "mmap",
     "modes": ("pair", "convert"),
     "reason": "address 0xfe0000000000+0x100000 is outside vmspace 2 (limit 0x800000000000)"},
]


class ManifestError(Exception):
    pass


def parse_entry(lineno, text):
    """One MANIFEST line (comment stripped) -> dict; ManifestError if malformed."""
    where = "MANIFEST:%d" % lineno
    f = text.split()
    if len(f) < 5:
        raise ManifestError("%s: expected NAME FILE MODES AD EXPECT, got %r" % (where, text))
    name, path, modes, ads, expect = f[:5]
    if not name.replace("-", "").isalnum():
        raise ManifestError("%s: bad name %r" % (where, name))
    entry = {"line": lineno, "name": name, "file": path, "expect": expect,
             "modes": modes.split(","), "ads": ads.split(","), "checks": {}, "ram": None,
             "check": "full"}
    for m in entry["modes"]:
        if m not in MODES:
            raise ManifestError("%s: unknown mode %r (expected %s)" % (where, m, ",".join(MODES)))
    for a in entry["ads"]:
        if a not in ADS:
            raise ManifestError("%s: unknown ad %r (expected %s)" % (where, a, ",".join(ADS)))
    if expect not in EXPECTS:
        raise ManifestError("%s: unknown expect %r (expected %s)" %
                            (where, expect, " or ".join(EXPECTS)))
    for i, kv in enumerate(f[5:]):
        key, eq, val = kv.partition("=")
        if key == "check" and eq:
            if any(x.startswith("check=") for x in f[5:5 + i]):
                raise ManifestError("%s: duplicate key 'check'" % where)
            if val not in CHECK_LEVELS:
                raise ManifestError("%s: check=%s: expected %s" % (where, val,
                                                                  " or ".join(CHECK_LEVELS)))
            entry["check"] = val
            continue
        if not eq or not val.isdigit():
            raise ManifestError("%s: expected KEY=NUMBER, got %r" % (where, kv))
        if key == "ram":
            entry["ram"] = int(val)
        elif key in CHECKS:
            if key in entry["checks"]:
                raise ManifestError("%s: duplicate key %r" % (where, key))
            entry["checks"][key] = int(val)
        else:
            raise ManifestError("%s: unknown key %r" % (where, key))
    return entry


def parse_manifest(path):
    """The MANIFEST's entries, in order; ManifestError on the first bad line."""
    entries, names = [], set()
    with open(path, encoding="ascii") as fp:
        for lineno, raw in enumerate(fp, 1):
            text = raw.rstrip("\n")
            if text.lstrip().startswith("#"):
                continue
            cut = min([i for i in (text.find(" #"), text.find("\t#")) if i >= 0] or [len(text)])
            text = text[:cut].strip()
            if not text:
                continue
            e = parse_entry(lineno, text)
            if e["name"] in names:
                raise ManifestError("MANIFEST:%d: duplicate name %r" % (lineno, e["name"]))
            names.add(e["name"])
            entries.append(e)
    return entries


try:
    ENTRIES = parse_manifest(MANIFEST)
    MANIFEST_ERROR = None
except (OSError, ManifestError) as exc:
    ENTRIES = []
    MANIFEST_ERROR = str(exc)


def replay(path, mode=None, ad=None, ram=None, extra=(), check="full"):
    """Run eptsim replay; returns (argv, CompletedProcess)."""
    argv = [EPTSIM, "replay", path]
    if mode:
        argv.append("--mode=" + mode)
    if ad:
        argv.append("--ad=" + ad)
    argv += ["--check=" + check, "--json"]
    if ram is not None:
        argv.append("--ram=%d" % ram)
    argv += list(extra)
    return argv, subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT)


def summary_of(stdout):
    """The --json summary: the last stdout line that is a JSON object."""
    for line in reversed(stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return None


def tail(text, n=30):
    lines = text.splitlines()
    return "\n".join(lines[-n:] if len(lines) > n else lines)


class CorpusCase(unittest.TestCase):
    maxDiff = None

    def check_replay(self, entry, mode, ad):
        """Replay one combination and assert everything `clean` promises."""
        path = os.path.join(CORPUS, entry["file"])
        argv, p = replay(path, mode, ad, entry["ram"], check=entry["check"])
        cmd = " ".join(argv)
        ctx = "%s (%s, MANIFEST:%d): %s\n--- stdout (tail)\n%s\n--- stderr (tail)\n%s" % (
            entry["name"], entry["file"], entry["line"], cmd, tail(p.stdout), tail(p.stderr))
        self.assertEqual(p.returncode, 0, "exit status %d, expected 0\n%s" % (p.returncode, ctx))
        s = summary_of(p.stdout)
        self.assertIsNotNone(s, "no --json summary on stdout\n" + ctx)
        self.assertEqual((s["mode"], s["ad"], s["check"]), (mode, ad, entry["check"]),
                         "the summary is for another configuration\n" + ctx)
        self.assertEqual(s["divergences"], 0, "divergences\n" + ctx)
        self.assertEqual(s["error"], "", "replay error\n" + ctx)
        for key, want in sorted(entry["checks"].items()):
            field, op = CHECKS[key]
            got = s[field]
            if not {"ge": got >= want, "le": got <= want, "eq": got == want}[op]:
                self.fail("%s=%d: the replay has %s=%d\n%s" % (key, want, field, got, ctx))


class CorpusManifest(CorpusCase):
    def test_manifest_parses(self):
        self.assertIsNone(MANIFEST_ERROR)
        self.assertTrue(ENTRIES, "MANIFEST lists no trace")

    def test_manifest_files_exist(self):
        for e in ENTRIES:
            with self.subTest(name=e["name"]):
                self.assertTrue(os.path.isfile(os.path.join(CORPUS, e["file"])),
                                "MANIFEST:%d: %s does not exist" % (e["line"], e["file"]))

    def test_manifest_lists_every_hand_and_real_trace(self):
        listed = {e["file"] for e in ENTRIES}
        for d in LISTED_DIRS:
            top = os.path.join(CORPUS, d)
            on_disk = {d + "/" + f for f in os.listdir(top)
                       if os.path.isfile(os.path.join(top, f))}
            with self.subTest(dir=d):
                self.assertTrue(on_disk, "traces/corpus/%s/ holds no trace" % d)
                self.assertEqual(sorted(on_disk - listed), [],
                                 "files under traces/corpus/%s/ missing from the MANIFEST" % d)

    def test_manifest_parse_check_key(self):
        """check=KEY: the level the replay runs at; anything else is an error."""
        cases = [
            ("n t.trace pair hw clean", "full"),
            ("n t.trace pair hw clean check=full", "full"),
            ("n t.trace pair hw clean check=incremental min-faults=3", "incremental"),
        ]
        for text, want in cases:
            with self.subTest(text=text):
                self.assertEqual(parse_entry(7, text)["check"], want)
        bad = [
            ("n t.trace pair hw clean check=none",
             "MANIFEST:7: check=none: expected full or incremental"),
            ("n t.trace pair hw clean check=full check=incremental",
             "MANIFEST:7: duplicate key 'check'"),
            ("n t.trace pair hw clean check=full min-faults=1 check=full",
             "MANIFEST:7: duplicate key 'check'"),
        ]
        for text, want in bad:
            with self.subTest(text=text):
                with self.assertRaises(ManifestError) as cm:
                    parse_entry(7, text)
                self.assertEqual(str(cm.exception), want)

    def test_bad_table_lists_every_bad_trace(self):
        bad = os.path.join(CORPUS, "bad")
        on_disk = {"bad/" + f for f in os.listdir(bad) if os.path.isfile(os.path.join(bad, f))}
        listed = {b["file"] for b in BAD}
        self.assertEqual(sorted(on_disk - listed), [],
                         "files under traces/corpus/bad/ missing from the BAD table")
        for b in BAD:
            self.assertTrue(os.path.isfile(os.path.join(CORPUS, b["file"])), b["file"])

    def test_eptsim_exists(self):
        self.assertTrue(os.access(EPTSIM, os.X_OK),
                        "no eptsim at %s (set EPTSIM, or build into ../../build)" % EPTSIM)


class CorpusReplay(CorpusCase):
    def test_replay_clean(self):
        """Every clean entry, in every mode x ad it lists."""
        n = 0
        for e in ENTRIES:
            if e["expect"] != "clean":
                continue
            for mode in e["modes"]:
                for ad in e["ads"]:
                    with self.subTest(trace=e["name"], mode=mode, ad=ad):
                        self.check_replay(e, mode, ad)
                    n += 1
        self.assertGreater(n, 0, "no clean entry replayed")

    def test_replay_bad(self):
        """The negative corpus: exit 2 and the exact FILE:LINE: reason."""
        for b in BAD:
            path = os.path.join(CORPUS, b["file"])
            with open(path, encoding="utf-8") as fp:
                lines = fp.read().split("\n")
            for mode in b.get("modes", MODES):
                argv, p = replay(path, mode, None, None, b["args"])
                cmd = " ".join(argv)
                want = "%s:%d: %s" % (path, b["line"], b["reason"])
                ctx = "%s: %s\n--- stdout\n%s\n--- stderr\n%s" % (
                    b["file"], cmd, tail(p.stdout), tail(p.stderr))
                with self.subTest(trace=b["file"], mode=mode):
                    self.assertEqual(lines[b["line"] - 1].split()[0], b["op"],
                                     "%s:%d is not the %s line the table pins" % (
                                         b["file"], b["line"], b["op"]))
                    self.assertEqual(p.returncode, 2, "exit status\n" + ctx)
                    self.assertEqual(p.stderr.splitlines(), ["eptsim: " + want],
                                     "stderr\n" + ctx)
                    s = summary_of(p.stdout)
                    self.assertIsNotNone(s, "no --json summary on stdout\n" + ctx)
                    self.assertEqual(s["error"], want, "summary error\n" + ctx)


def make_known_bug(entry, mode, ad):
    @unittest.expectedFailure
    def test(self):
        self.check_replay(entry, mode, ad)
    test.__doc__ = "known bug (MANIFEST:%d): %s --mode=%s --ad=%s" % (
        entry["line"], entry["file"], mode, ad)
    return test


for _e in ENTRIES:
    if _e["expect"] != "known-bug":
        continue
    for _m in _e["modes"]:
        for _a in _e["ads"]:
            setattr(CorpusReplay, "test_known_bug_%s_%s_%s" % (
                _e["name"].replace("-", "_"), _m, _a), make_known_bug(_e, _m, _a))


if __name__ == "__main__":
    unittest.main(verbosity=2)

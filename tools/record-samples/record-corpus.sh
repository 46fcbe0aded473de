#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
#
# record-corpus.sh - re-record the real traces in traces/corpus/real/ with
# tools/eptsim-record (run as root: perf needs the tracepoints).
#
# usage: tools/record-samples/record-corpus.sh [NAME...]   (default: all)
#
# Inputs are made under /tmp/eptsim-rec so that the command lines written
# into the traces are the same on every machine.  Needs: linux-perf, zstd,
# gcc, sqlite3, git, gzip, coreutils.  Each program's stdout goes to
# /dev/null; its exact argv is in the trace header.  After re-recording,
# pin the new counts in traces/corpus/MANIFEST.
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REC="$ROOT/tools/eptsim-record"
OUT="$ROOT/traces/corpus/real"
W=/tmp/eptsim-rec

setup() {
	rm -rf "$W"
	mkdir -p "$W"
	seq 1 200000 >"$W/seq.txt"                       # gzip input, 1.2 MB
	seq 1 300000 | sort -R --random-source="$W/seq.txt" >"$W/lines.txt"
	mkdir -p "$W/tree"
	(cd "$ROOT" && git ls-files -z | xargs -0 tar cf - | tar xf - -C "$W/tree")
	# 1,500 more files: git's preload-index uses threads from 1,000 entries.
	mkdir -p "$W/tree/gen"
	for i in $(seq 1000 2499); do echo "$i" >"$W/tree/gen/f$i.txt"; done
	git -C "$W/tree" init -q
	git -C "$W/tree" add -A
	git -C "$W/tree" -c user.name=rec -c user.email=rec@localhost commit -q -m tree
	echo change >>"$W/tree/README.md"
	echo new >"$W/tree/untracked.txt"
	gcc -O1 -o "$W/forkcow" "$ROOT/tools/record-samples/forkcow.c"
	gcc -O1 -o "$W/mmapstorm" "$ROOT/tools/record-samples/mmapstorm.c"
}

record() {
	name=$1
	shift
	echo "== $name: $*"
	"$REC" -o "$OUT/$name.trace.zst" -- "$@" >/dev/null
}

want() {
	[ -z "$SELECTED" ] && return 0
	for n in $SELECTED; do [ "$n" = "$1" ] && return 0; done
	return 1
}

SELECTED="$*"
setup
want python-import-json && record python-import-json /usr/bin/python3 -c 'import json'
want sqlite3-insert-20k && rm -f "$W/t.db" && record sqlite3-insert-20k /usr/bin/sqlite3 "$W/t.db" \
	"CREATE TABLE t(a INTEGER, b TEXT); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<20000) INSERT INTO t SELECT x, printf('%08d', (x*7919)%20000) FROM c; CREATE INDEX tb ON t(b); SELECT count(*), max(b) FROM t;"
want git-status && record git-status /usr/bin/git -C "$W/tree" status
want gzip && record gzip /usr/bin/gzip -c -6 "$W/seq.txt"
want sort-parallel && record sort-parallel /usr/bin/sort --parallel=2 -S 32M -n "$W/lines.txt"
want sh-pipeline && record sh-pipeline /bin/sh -c 'seq 20000 | sort -rn | head -5 | cat'
want forkcow && record forkcow "$W/forkcow"
want mmapstorm && record mmapstorm "$W/mmapstorm"
ls -l "$OUT"

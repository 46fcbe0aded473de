#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# run.sh BUILD SECONDS - `make fuzz`: run each libFuzzer target in
# BUILD/tests/fuzz/ for SECONDS, one after the other, from its seeds:
#
#   fuzz_trace   the trace corpus (traces/corpus/{hand,bad,real}),
#                tests/fuzz/corpus/fuzz_trace/ and regress/fuzz_trace/
#   fuzz_replay  tests/fuzz/corpus/fuzz_replay/ and regress/fuzz_replay/
#
# New inputs go to BUILD/fuzz-corpus/<target>/ (kept between runs).  A
# finding (crash, sanitizer report, pmap panic, broken oracle) is copied
# to tests/fuzz/regress/<target>/, where `make test` replays it, and the
# run fails naming it.  Each target's line of figures is printed at the
# end: executions, executions per second, coverage (edges) and corpus.
set -uo pipefail

build=${1:?usage: run.sh BUILD SECONDS}
seconds=${2:?usage: run.sh BUILD SECONDS}
top=$(cd "$(dirname "$0")/../.." && pwd)
fuzzdir=$top/tests/fuzz
status=0
summary=()

# target max_len seeds...
run_target() {
	local t=$1 maxlen=$2
	shift 2
	local bin=$build/tests/fuzz/$t work=$build/fuzz-corpus/$t
	local art=$build/fuzz-artifacts/$t log=$build/fuzz-artifacts/$t.log
	mkdir -p "$work" "$art"
	rm -f "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-*
	echo "fuzz: $t for ${seconds}s"
	"$bin" -max_total_time="$seconds" -max_len="$maxlen" -len_control=0 \
	    -timeout=60 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$art/" "$work" "$@" >"$log" 2>&1
	local rc=$?
	local execs rate cov corp
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1 | sed -E 's/.*cov: ([0-9]+).*/\1/')
	corp=$(grep -E '^#[0-9]+.*corp: ' "$log" | tail -1 | sed -E 's/.*corp: ([^ ]+).*/\1/')
	summary+=("$t: ${execs:-?} execs, ${rate:-?} exec/s, cov ${cov:-?} edges, corpus ${corp:-?}, exit $rc")
	if [ "$rc" -ne 0 ]; then
		status=1
		grep -E 'ERROR|FINDING|panic|SUMMARY' "$log" | head -20
		for f in "$art"/*; do
			[ -f "$f" ] || continue
			cp "$f" "$fuzzdir/regress/$t/"
			echo "fuzz: FINDING in $t: tests/fuzz/regress/$t/$(basename "$f") (log: $log)"
		done
	fi
}

seeds=()
for d in "$top"/traces/corpus/hand "$top"/traces/corpus/bad "$top"/traces/corpus/real; do
	[ -d "$d" ] && seeds+=("$d")
done
run_target fuzz_trace 16384 "${seeds[@]}" "$fuzzdir/corpus/fuzz_trace" \
    "$fuzzdir/regress/fuzz_trace"
run_target fuzz_replay 1024 "$fuzzdir/corpus/fuzz_replay" "$fuzzdir/regress/fuzz_replay"

printf 'fuzz: %s\n' "${summary[@]}"
exit $status

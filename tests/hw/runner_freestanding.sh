#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# runner_freestanding.sh - prove that the hardware runner (hw/runner)
# builds as kernel code with pmap/ and leaves undefined only the two
# seams: pmap/pmap_plat.h and hw/runner/hwr_backend.h.
#
#   runner_freestanding.sh CC SRCDIR [EXTRA.c ...]
set -euo pipefail

cc=$1
src=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "runner_freestanding: FAIL: $*"
	exit 1
}

while IFS= read -r hit; do
	fail "$hit includes a system header"
done < <(grep -Hn '^#include <' "$src"/hw/runner/*.[ch] "$src"/hw/include/hwops.h |
	grep -Ev '<(stdint|stddef|stdbool)\.h>' || true)

nodist=-fno-tree-loop-distribute-patterns
"$cc" $nodist -x c -c /dev/null -o "$tmp/probe.o" 2>/dev/null || nodist=
flags=(-std=gnu11 -O2 -ffreestanding -nostdlib -fno-builtin $nodist
	-mno-red-zone -mcmodel=kernel -fno-pic -fno-stack-protector -mno-mmx -mno-sse -mno-sse2
	-nostdinc -isystem "$("$cc" -print-file-name=include)" -I "$src" -Wall -Werror)
objs=()
for f in "$src"/hw/runner/*.c "$src"/pmap/*.c "$@"; do
	o="$tmp/$(basename "$f" .c).o"
	"$cc" "${flags[@]}" -c "$f" -o "$o" 2>"$tmp/err" || fail "$f does not compile freestanding: $(head -3 "$tmp/err")"
	objs+=("$o")
done
ld -r -o "$tmp/runner.o" "${objs[@]}"

seam=$( (grep -Eo 'pmap_plat_[a-z_]+\(' "$src/pmap/pmap_plat.h"
	grep -Eo '\bhwr_[a-z_]+\(' "$src/hw/runner/hwr_backend.h") | tr -d '(' | sort -u)
undef=$(nm -u "$tmp/runner.o" | awk '{print $2}' | sort -u)
extra=$(comm -23 <(echo "$undef") <(echo "$seam") | tr '\n' ' ')
[ -z "$extra" ] || fail "undefined symbols outside the seams: $extra"
echo "runner_freestanding: ok: ${#objs[@]} objects; undefined: $(echo $undef)"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# freestanding.sh - prove that pmap/ builds as kernel code and needs
# nothing but the seam.
#
#   freestanding.sh CC SRCDIR [EXTRA.c ...]
#
# 1. Every #include <...> in pmap/ names a header the compiler itself
#    provides to freestanding programs (stdint, stddef, stdbool).
# 2. Every pmap/*.c (and EXTRA.c, for the negative test) compiles with
#    kernel flags and no system headers at all (-nostdinc).
# 3. The objects, linked into one, leave undefined only the symbols the
#    seam (pmap/pmap_plat.h) declares: `nm -u` says which.
set -euo pipefail

cc=$1
src=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "freestanding: FAIL: $*"
	exit 1
}

allowed_headers='stdint.h|stddef.h|stdbool.h'
files=("$src"/pmap/*.[ch] "$@")
while IFS= read -r hit; do
	fail "$hit includes a header that is not freestanding"
done < <(grep -Hn '^#include <' "${files[@]}" | grep -Ev "<($allowed_headers)>" || true)

# gcc would otherwise turn zeroing loops into memset calls; clang lacks the flag.
nodist=-fno-tree-loop-distribute-patterns
"$cc" $nodist -x c -c /dev/null -o "$tmp/probe.o" 2>/dev/null || nodist=
flags=(-std=gnu11 -O2 -ffreestanding -nostdlib -fno-builtin $nodist
	-mno-red-zone -mcmodel=kernel -fno-pic -fno-stack-protector -mno-mmx -mno-sse -mno-sse2
	-nostdinc -isystem "$("$cc" -print-file-name=include)" -I "$src" -Wall -Werror)
objs=()
for f in "$src"/pmap/*.c "$@"; do
	o="$tmp/$(basename "$f" .c).o"
	"$cc" "${flags[@]}" -c "$f" -o "$o" 2>"$tmp/err" || fail "$f does not compile freestanding: $(head -3 "$tmp/err")"
	objs+=("$o")
done
ld -r -o "$tmp/pmap.o" "${objs[@]}"

seam=$(grep -Eo 'pmap_plat_[a-z_]+\(' "$src/pmap/pmap_plat.h" | tr -d '(' | sort -u)
undef=$(nm -u "$tmp/pmap.o" | awk '{print $2}' | sort -u)
extra=$(comm -23 <(echo "$undef") <(echo "$seam") | tr '\n' ' ')
[ -z "$extra" ] || fail "undefined symbols outside the seam: $extra"
echo "freestanding: ok: ${#objs[@]} objects; undefined: $(echo $undef)"

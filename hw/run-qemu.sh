#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# run-qemu.sh - boot an eptsim hw disk image under QEMU and print what the
# guest wrote to port 0xE9 (isa-debugcon) on stdout.
#
#   run-qemu.sh IMAGE [--kvm] [--cpus=N] [--timeout=SECONDS]
#
# IMAGE is a boot disk (hw/boot/mkimage) or, named *.iso, a GRUB boot CD
# (hw/boot/mkiso).
# Without --kvm: TCG, which has no VMX, so only the legacy backend runs.
# With --kvm: -enable-kvm -cpu host, for a VT-x host with nested VMX
# (`make hw-kvm`); it stops with a reason when /dev/kvm or VT-x is absent.
# Exit status: 0 the run ended (the output tells how), 124 timeout,
# 2 bad usage, 3 QEMU, KVM or VT-x missing.
set -euo pipefail

usage() {
	echo "usage: run-qemu.sh IMAGE [--kvm] [--cpus=N] [--timeout=SECONDS]" >&2
	exit 2
}

[ $# -ge 1 ] || usage
image=$1
shift
kvm=0
limit=60
cpus=1
for arg in "$@"; do
	case $arg in
	--cpus=[12]) cpus=${arg#--cpus=} ;;
	--kvm) kvm=1 ;;
	--timeout=*) limit=${arg#--timeout=} ;;
	*) usage ;;
	esac
done
[ -r "$image" ] || { echo "run-qemu.sh: $image: cannot read" >&2; exit 2; }
qemu=$(command -v qemu-system-x86_64 || true)
[ -n "$qemu" ] || { echo "run-qemu.sh: qemu-system-x86_64 not found (Debian package qemu-system-x86)" >&2; exit 3; }

accel=(-accel tcg -cpu max)
if [ "$kvm" -eq 1 ]; then
	if ! grep -qw vmx /proc/cpuinfo; then
		echo "run-qemu.sh: this CPU has no VT-x (no vmx flag in /proc/cpuinfo): the EPT backend needs an Intel VT-x host" >&2
		exit 3
	fi
	if [ ! -w /dev/kvm ]; then
		echo "run-qemu.sh: /dev/kvm is missing or not writable: load kvm_intel (nested=1 when this is itself a guest)" >&2
		exit 3
	fi
	accel=(-enable-kvm -cpu host)
fi

# A private copy: QEMU locks the disk it writes, and runs of one image may
# overlap (ctest -j).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case $image in
*.iso) drive=(-drive "file=$tmp/disk.img,format=raw,if=ide,media=cdrom" -boot d) ;;
*) drive=(-drive "file=$tmp/disk.img,format=raw,if=ide") ;;
esac
cp "$image" "$tmp/disk.img"

rc=0
timeout -s KILL "$limit" "$qemu" "${accel[@]}" -smp "$cpus" -machine pc -m 64 -display none -no-reboot \
	-serial none -monitor none -chardev stdio,id=dbg -device isa-debugcon,iobase=0xe9,chardev=dbg \
	"${drive[@]}" </dev/null || rc=$?
if [ "$rc" -eq 137 ] || [ "$rc" -eq 124 ]; then
	echo "run-qemu.sh: timed out after ${limit}s" >&2
	exit 124
fi
exit 0

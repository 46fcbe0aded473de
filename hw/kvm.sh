#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
#
# kvm.sh - `make hw-kvm`: boot the built-in scenario images under QEMU
# with KVM (-enable-kvm -cpu host) on an Intel VT-x host, nested VMX on
# when the host is itself a guest, and check that each run ends cleanly.
#
#   kvm.sh BUILD_HW_DIR
#
# Exit 0 every run printed "END <ops> 0", 1 a run failed, 3 no KVM/VT-x
# here (the reason is printed; this machine has neither).
set -uo pipefail
dir=$1
here=$(dirname "$0")
status=0
# The two-CPU images (the guest on the AP) show whether the host's CPU
# keeps the AP's stale translation when INVEPT is skipped
# (ept-ad-stale-ap-skip: R 3 ... fault=0 val=0x2222).
for img in legacy-basic ept-ad-basic ept-emul-basic ept-ad-stale-skip ept-ad-stale-ap ept-ad-stale-ap-skip; do
	cpus=1
	case $img in *-ap | *-ap-skip) cpus=2 ;; esac
	out=$("$here/run-qemu.sh" "$dir/$img.img" --kvm --cpus=$cpus --timeout=60)
	rc=$?
	if [ "$rc" -eq 3 ]; then
		echo "hw-kvm: cannot run here; see above" >&2
		exit 3
	fi
	echo "== $img"
	echo "$out"
	if ! grep -Eq '^END [0-9]+ 0$' <<<"$out"; then
		echo "hw-kvm: $img: no clean END line" >&2
		status=1
	fi
done
exit $status

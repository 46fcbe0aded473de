#!/usr/bin/env bash
# eptsim: install the Debian packages needed to build, test and measure.
# Prints nothing and exits 0 when everything is already installed.
set -euo pipefail

PACKAGES=(
	cmake
	make
	gcc
	libc6-dev
	libcmocka-dev
	gcovr
	libzstd-dev
	zstd
	pkg-config
	python3
	clang-format
	binutils
	linux-perf # tools/eptsim-record and its end-to-end test
	valgrind   # tools/eptsim-crosscheck (lackey), the memcheck test
	clang              # make fuzz: libFuzzer targets (tests/fuzz/)
	libclang-rt-14-dev # libFuzzer and the sanitizer runtimes for clang
	bochs      # hw/: the kernel under emulated VMX/EPT (bochs-bin)
	bochs-term
	bochsbios
	vgabios
	qemu-system-x86 # hw/: the legacy backend under TCG, hw-kvm on VT-x hosts
	grub-common     # hw/: grub-file, grub-mkrescue (the Multiboot2 boot CD)
	grub-pc-bin     # hw/: GRUB's BIOS platform files for the boot CD
	xorriso         # hw/: grub-mkrescue writes the CD with it
	mtools          # hw/: grub-mkrescue's EFI image (mformat)
	patch      # tests/mutants/run.py applies the mutant catalogue
)

missing=()
for pkg in "${PACKAGES[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing+=("$pkg")
	fi
done

# Unicorn >= 2.1 (the verify/ oracle) comes from trixie, pinned, when missing.
if [ "${#missing[@]}" -eq 0 ]; then
	exec bash "$(dirname "$0")/unicorn.sh"
fi

echo "eptsim deps: installing: ${missing[*]}"

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo)
else
	echo "eptsim deps: not root and sudo is not available;" \
	    "install these Debian packages by hand: ${missing[*]}" >&2
	exit 1
fi

# Wait for a concurrent apt/dpkg run rather than failing on its lock.
lock_wait=(-o DPkg::Lock::Timeout=600)

update_ok=0
for _ in 1 2 3 4 5; do
	if "${as_root[@]}" apt-get "${lock_wait[@]}" update -qq; then
		update_ok=1
		break
	fi
	echo "eptsim deps: apt-get update failed, retrying" >&2
	sleep 20
done
if [ "$update_ok" -ne 1 ]; then
	echo "eptsim deps: apt-get update failed; needed: ${missing[*]}" >&2
	exit 1
fi

"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${lock_wait[@]}" install -y -qq --no-install-recommends \
    "${missing[@]}"

bash "$(dirname "$0")/unicorn.sh"

#!/usr/bin/env bash
# eptsim: Unicorn >= 2.1 for the verify/ oracle, on Debian 12.
#
# Debian 12 packages Unicorn 2.0.1, whose x86 MMU walks the tables but then
# accesses physical = virtual.  Debian 13 (trixie) packages 2.1.1, which
# needs only libc6 >= 2.34.  When the installed libunicorn-dev is missing
# or older than 2.1, this script
#   - adds the trixie suite of the mirror this machine already uses, in
#     /etc/apt/sources.list.d/eptsim-trixie.list,
#   - pins trixie to priority -1 (never) for every package except the
#     unicorn-engine ones (990), in /etc/apt/preferences.d/eptsim-unicorn,
#   - runs apt-get update and installs exactly those packages from trixie,
#     after checking (apt-get -s) that nothing else would come from it,
#   - checks afterwards that no upgrade would take anything else from it,
# and prints each change.  With Unicorn >= 2.1 installed it prints nothing
# and exits 0 at once (`make deps` runs it on every build).
set -euo pipefail

WANT=2.1
SUITE=trixie
UNICORN_PKGS=(libunicorn2t64 libunicorn-dev) # the trixie names
LIST=/etc/apt/sources.list.d/eptsim-$SUITE.list
PREF=/etc/apt/preferences.d/eptsim-unicorn

# Installed version of $1, empty when it is not installed.
installed_version()
{
	dpkg-query -W -f='${Status} ${Version}' "$1" 2>/dev/null |
	    sed -n 's/^install ok installed //p'
}

have=$(installed_version libunicorn-dev || true)
if [ -n "$have" ] && dpkg --compare-versions "$have" ge "$WANT"; then
	exit 0
fi

say() { echo "eptsim unicorn: $*"; }
die() { echo "eptsim unicorn: $*" >&2; exit 1; }

say "libunicorn-dev ${have:-not installed}; Unicorn >= $WANT is needed (verify/ oracle)"

if [ "$(id -u)" -eq 0 ]; then
	as_root=()
elif command -v sudo >/dev/null 2>&1; then
	as_root=(sudo)
else
	die "not root and sudo is not available; see README (Dependencies)"
fi
lock_wait=(-o DPkg::Lock::Timeout=600)

# The mirror serving this machine's own release (same host for trixie).
# shellcheck source=/dev/null
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
mirror=$(apt-cache policy 2>/dev/null |
    awk -v s="$codename/main" '$3 == s { print $2; exit }')
mirror=${mirror:-http://deb.debian.org/debian}

# Write $2 to the file $1 unless it already holds exactly that.
put_file()
{
	if [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; then
		return 0
	fi
	printf '%s\n' "$2" | "${as_root[@]}" tee "$1" >/dev/null
	say "wrote $1:"
	sed 's/^/    /' "$1"
}

put_file "$LIST" "# eptsim (scripts/unicorn.sh): Unicorn >= $WANT only; see $PREF
deb $mirror $SUITE main"

put_file "$PREF" "# eptsim (scripts/unicorn.sh): nothing from $SUITE but Unicorn.
Package: *
Pin: release n=$SUITE
Pin-Priority: -1

Package: ${UNICORN_PKGS[*]}
Pin: release n=$SUITE
Pin-Priority: 990"

say "apt-get update"
update_ok=0
for _ in 1 2 3 4 5; do
	if "${as_root[@]}" apt-get "${lock_wait[@]}" update -qq; then
		update_ok=1
		break
	fi
	echo "eptsim unicorn: apt-get update failed, retrying" >&2
	sleep 20
done
[ "$update_ok" -eq 1 ] || die "apt-get update failed"

for pkg in "${UNICORN_PKGS[@]}"; do
	policy=$(apt-cache policy "$pkg")
	grep -q " $SUITE/main " <<<"$policy" ||
	    die "$pkg is not in $mirror $SUITE; nothing installed"
done

# The packages apt-get -s says would be installed or upgraded from $SUITE
# ("Inst NAME [OLD] (VERSION Debian:13.x/stable [arch])"), one per line;
# every Inst line when $2 is "all".
plan_inst()
{
	awk -v all="$2" '$1 == "Inst" &&
	    (all == "all" || /Debian:13[^ ]*\//) { print $2 }' <<<"$1"
}

# Each line of $1 must be one of UNICORN_PKGS.
only_unicorn()
{
	local p q ok
	for p in $1; do
		ok=0
		for q in "${UNICORN_PKGS[@]}"; do
			[ "$p" = "$q" ] && ok=1
		done
		[ "$ok" -eq 1 ] || return 1
	done
}

plan=$(LC_ALL=C apt-get -s install --no-install-recommends "${UNICORN_PKGS[@]}")
if ! only_unicorn "$(plan_inst "$plan" all)"; then
	echo "$plan" | grep -E '^(Inst|Remv)' >&2
	die "installing ${UNICORN_PKGS[*]} would bring other packages (above); nothing installed"
fi

removed=$(awk '$1 == "Remv" { print $2 }' <<<"$plan" | tr '\n' ' ')
[ -z "$removed" ] || say "apt-get will remove (replaced by ${UNICORN_PKGS[0]}): $removed"
say "apt-get install ${UNICORN_PKGS[*]} (from $SUITE)"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${lock_wait[@]}" install -y -qq --no-install-recommends \
    "${UNICORN_PKGS[@]}"

after=$(LC_ALL=C apt-get -s dist-upgrade)
if ! only_unicorn "$(plan_inst "$after" trixie)"; then
	echo "$after" | grep '^Inst' >&2
	die "an upgrade would take other packages from $SUITE (above): check $PREF"
fi

have=$(installed_version libunicorn-dev || true)
if [ -z "$have" ] || ! dpkg --compare-versions "$have" ge "$WANT"; then
	die "libunicorn-dev is ${have:-not installed} after the install"
fi
say "installed: $(for p in "${UNICORN_PKGS[@]}"; do
	printf '%s %s  ' "$p" "$(installed_version "$p")"; done)"

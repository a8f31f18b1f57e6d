#!/usr/bin/env bash
# Makes (once, cached under a key of this script) a Debian chroot of $DEB_SUITE holding that
# suite's kernel-module toolchain, the one its kernels are built with (trixie: gcc 14, rustc
# 1.85.1, bindgen 0.71.1; sid: gcc 16, rustc 1.97.1, bindgen 0.72.1), rust-src, libclang, dkms.
# Built with debootstrap from the mirror in the machine's apt sources; only that suite is
# enabled in it, so no backports toolchain (e.g. a newer rustc on trixie) can slip in.
# Prints the chroot's path on stdout.
set -euo pipefail
# shellcheck source=scripts/debian/lib.sh
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || die "run as root (debootstrap and chroot need it)"

pkgs=(build-essential rustc rust-src bindgen libclang-dev flex bison bc libelf-dev libssl-dev
      make python3 kmod cpio xz-utils rsync dwarves openssl dkms rustfmt rust-clippy)
key=$( { cat "$0"; echo "$DEB_SUITE"; } | sha256sum | cut -c1-16)
root=$DEBDIR/chroot-$DEB_SUITE-$key

mkdir -p "$DEBDIR"
exec 9>"$root.lock"
flock 9
if [ -f "$root/.done" ]; then
	echo "$root"
	exit 0
fi
if ! command -v debootstrap >/dev/null; then
	echo "chroot: installing debootstrap on the host" >&2
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
		--no-install-recommends debootstrap >/dev/null || die "apt-get install debootstrap failed"
fi
mirror=$(deb_mirror)
echo "chroot: debootstrap $DEB_SUITE into $root (a few minutes)" >&2
rm -rf "$root"
debootstrap --variant=minbase --keyring="$DEB_KEYRING" "$DEB_SUITE" "$root" "$mirror" \
	>"$root.log" 2>&1 || { tail -20 "$root.log" >&2; die "debootstrap failed, log in $root.log"; }
printf 'deb %s %s main\n' "$mirror" "$DEB_SUITE" >"$root/etc/apt/sources.list"
# The machine's mirror may be a snapshot: sid's Release files carry a Valid-Until that has passed.
echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/90vfio-pci-rs-snapshot"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# Nothing installed here may start a service.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
in_chroot "$root" apt-get -o DPkg::Lock::Timeout=600 update -qq >>"$root.log" 2>&1 ||
	die "apt-get update in the chroot failed, log in $root.log"
in_chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
	install -y -qq --no-install-recommends "${pkgs[@]}" >>"$root.log" 2>&1 ||
	{ tail -20 "$root.log" >&2; die "apt-get install in the chroot failed, log in $root.log"; }
in_chroot "$root" apt-get clean
touch "$root/.done"
# Chroots of this suite made by earlier versions of this script are of no more use.
for old in "$DEBDIR/chroot-$DEB_SUITE"-*; do
	[ "$old" = "$root" ] || [ ! -d "$old" ] || rm -rf "$old" "$old.lock" "$old.log"
done
echo "$root"

#!/usr/bin/env bash
# Upgrades of the vfio-pci-rs-dkms package in the chroot of DEB_KERNEL's suite (an overlay of
# it, thrown away afterwards), with the cached prepared tree as the kernel's build dir:
#   1. version 1 installed: DKMS builds it, modprobe resolves vfio-pci to it;
#   2. an upgrade to version 2, whose sources do not compile: dpkg still configures the
#      package, one line says the build failed, and the kernel keeps version 1's module (the
#      same file, DKMS still lists it installed);
#   3. an upgrade to version 3: its module replaces version 1's, DKMS lists only version 3;
#   4. removal: no build left, modprobe resolves vfio-pci to C again.
# Prints what it checks; exits non-zero at the first check that fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/debian/lib.sh
. "$here/lib.sh"

root=$("$here/chroot.sh")
kdir=$("$here/tree.sh")
pkg=$DEBDIR/pkg
work=$(mktemp -d "$TOP/.cache/upgrade-test.XXXXXX")
DEB_OVERLAY=$(mktemp -d "$DEBDIR/overlay.XXXXXX")
export DEB_OVERLAY
cleanup() {
	git -C "$TOP" worktree remove --force "$work/broken" 2>/dev/null || true
	rm -rf "$work" "$DEB_OVERLAY"
}
trap cleanup EXIT

# Versions 1 and 3 from this checkout; version 2 from a copy of it that does not compile.
deb1=$(DEB_VERSION=0.1.0+upgrade1 "$here/mkdeb.sh")
deb3=$(DEB_VERSION=0.1.0+upgrade3 "$here/mkdeb.sh")
mv "$deb1" "$deb3" "$work/"
git -C "$TOP" worktree add --detach "$work/broken" HEAD >/dev/null 2>&1
echo 'compile_error!("the upgrade test'"'"'s version that does not build");' >>"$work/broken/src/vfio_pci_main.rs"
deb2=$(DEB_VERSION=0.1.0+upgrade2 "$work/broken/scripts/debian/mkdeb.sh")

# shellcheck disable=SC2016 # expanded in the chroot
in_chroot "$root" /bin/bash -euc '
	krel=$1 kdir=$2 pkg=$3 deb1=$4 deb2=$5 deb3=$6
	fail() { echo "not ok - $*"; exit 1; }
	ok() { echo "ok - $*"; }
	mkdir -p /lib/modules
	cp -a "$pkg/linux-modules-$krel/root/usr/lib/modules/$krel" \
		"$pkg/linux-base-$krel/root/usr/lib/modules/$krel" /lib/modules/
	ln -s "$kdir" "/lib/modules/$krel/build"
	depmod "$krel"
	resolves() { modprobe -S "$krel" --show-depends vfio-pci | tail -n1; }
	ko() { sha256sum "/lib/modules/$krel/updates/dkms/vfio_pci.ko"* 2>/dev/null | cut -c1-16; }
	status() { dkms status -m vfio-pci-rs 2>/dev/null | sort; }
	configured() { [ "$(dpkg-query -W -f "\${db:Status-Abbrev}" vfio-pci-rs-dkms)" = "ii " ]; }

	DEBIAN_FRONTEND=noninteractive dpkg -i "$deb1" >/tmp/install1.log 2>&1 || { tail -20 /tmp/install1.log; fail "version 1 installs"; }
	configured && resolves | grep -q updates/dkms/vfio_pci.ko || fail "version 1: modprobe resolves vfio-pci to it"
	ok "version 1 installed, modprobe resolves vfio-pci to it: $(status)"
	ko1=$(ko)

	DEBIAN_FRONTEND=noninteractive dpkg -i "$deb2" >/tmp/install2.log 2>&1 ||
		{ tail -20 /tmp/install2.log; fail "the upgrade to version 2, which does not build, leaves dpkg configured"; }
	configured || fail "version 2 is configured"
	grep "^vfio-pci-rs: a build of 0.1.0+upgrade2 failed" /tmp/install2.log || fail "one line says that version 2 did not build"
	[ "$(ko)" = "$ko1" ] && resolves | grep -q updates/dkms/vfio_pci.ko || fail "the kernel keeps version 1'"'"'s module"
	status | grep -q "^vfio-pci-rs/0.1.0+upgrade1, $krel, .*: installed" || fail "DKMS keeps version 1 installed: $(status)"
	ok "upgrade to a version that does not build: dpkg configured, version 1 kept: $(status | tr "\n" ";")"

	DEBIAN_FRONTEND=noninteractive dpkg -i "$deb3" >/tmp/install3.log 2>&1 || { tail -20 /tmp/install3.log; fail "version 3 installs"; }
	configured && resolves | grep -q updates/dkms/vfio_pci.ko || fail "version 3: modprobe resolves vfio-pci to it"
	[ "$(status)" = "vfio-pci-rs/0.1.0+upgrade3, $krel, x86_64: installed" ] || fail "DKMS has version 3 alone: $(status)"
	[ ! -e /var/lib/vfio-pci-rs/previous/vfio-pci-rs-0.1.0+upgrade1 ] || fail "version 1'"'"'s kept sources are gone"
	ok "upgrade to version 3: its module in place, the earlier versions gone: $(status)"

	dpkg -r vfio-pci-rs-dkms >/tmp/remove.log 2>&1 || { tail -20 /tmp/remove.log; fail "removal"; }
	[ -z "$(status)" ] && resolves | grep -q kernel/drivers/vfio/pci/vfio-pci.ko || fail "after removal: C vfio-pci, no build left"
	[ ! -e /var/lib/vfio-pci-rs/previous ] || fail "after removal: no kept sources"
	ok "removal: no build left, modprobe resolves vfio-pci to C again"
' upgrade-test "$DEB_KREL" "$kdir" "$pkg" "$work/${deb1##*/}" "$deb2" "$work/${deb3##*/}"

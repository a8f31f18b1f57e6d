#!/usr/bin/env bash
# A kernel upgrade as a Debian user lives it, in an overlay of trixie's chroot (thrown away
# afterwards): the package installed while 7.2.12+deb13 is the kernel, then Debian's
# linux-image and linux-headers of 7.3.4+deb13 installed with apt:
#   1. with 7.2.12's image and headers installed, the package installs; DKMS builds for it;
#   2. apt installs 7.3.4's image and headers: DKMS's kernel hooks build the module for it,
#      with no step of ours; modprobe resolves vfio-pci to ours for both kernels;
#   3. apt removes 7.2.12's image and headers: its build goes with it, 7.3.4 keeps its own;
#   4. the package is purged: modprobe resolves vfio-pci to C vfio-pci again.
# dpkg must have no half-configured package after any step (dpkg --audit).
# Each kernel's prepared tree (scripts/debian/tree.sh) stands where vfio-pci-rs-prepare-tree
# would make it from linux-source (/var/lib/vfio-pci-rs/RELEASE): the build DKMS then runs is
# the one a host runs; the tree's own making is the `headers` mode of dkms-test.sh.
# Prints what it checks; exits non-zero at the first check that fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OLD=trixie-7.2.12 NEW=trixie-7.3
# shellcheck source=scripts/debian/lib.sh
DEB_KERNEL=$OLD . "$here/lib.sh"
old_krel=$DEB_KREL
old_tree=$(DEB_KERNEL=$OLD "$here/tree.sh")
new_krel=$(DEB_KERNEL=$NEW bash -c '. "$1/lib.sh"; echo "$DEB_KREL"' kernel-upgrade-test "$here")
new_tree=$(DEB_KERNEL=$NEW "$here/tree.sh")
root=$("$here/chroot.sh")
deb=$("$here/mkdeb.sh")
DEB_OVERLAY=$(mktemp -d "$DEBDIR/overlay.XXXXXX")
export DEB_OVERLAY
trap 'rm -rf "$DEB_OVERLAY"' EXIT

# shellcheck disable=SC2016 # expanded in the chroot
in_chroot "$root" /bin/bash -euc '
	old=$1 old_tree=$2 new=$3 new_tree=$4 pkg=$5 deb=$6
	export DEBIAN_FRONTEND=noninteractive
	fail() { echo "not ok - $*"; exit 1; }
	ok() { echo "ok - $*"; }
	log=/tmp/step.log
	# kernel_debs KREL: the .debs apt installs for Debian'"'"'s linux-image and linux-headers of KREL.
	kernel_debs() {
		local d
		for d in linux-image-$1 linux-binary-$1 linux-modules-$1 linux-base-$1 linux-headers-$1; do
			echo "$pkg/$d"/*.deb
		done
		# -common and linux-kbuild: the ones the headers depend on.
		dpkg-deb -f "$pkg/linux-headers-$1"/*.deb Depends | tr "," "\n" |
			sed -n "s/^ *\(linux-\(headers-[^ ]*-common\|kbuild-[^ ]*\)\).*/\1/p" |
			while read -r d; do echo "$pkg/$d"/*.deb; done
	}
	apt_step() { # WHAT apt-get-args...
		local what=$1; shift
		apt-get "$@" >"$log" 2>&1 || { tail -n 30 "$log"; fail "$what: apt-get exits 0"; }
		[ -z "$(dpkg --audit)" ] || { dpkg --audit; fail "$what: dpkg --audit is empty"; }
	}
	# The prepared tree of KREL where vfio-pci-rs-prepare-tree would have made it.
	seed_tree() { mkdir -p /var/lib/vfio-pci-rs && ln -sfn "${2%/build}" /var/lib/vfio-pci-rs/"$1"; }
	resolves() { modprobe -S "$1" --show-depends vfio-pci | tail -n1; }
	ours() { resolves "$1" | grep -q "/lib/modules/$1/updates/dkms/vfio_pci.ko"; }
	theirs() { resolves "$1" | grep -q "/lib/modules/$1/kernel/drivers/vfio/pci/vfio-pci.ko"; }
	built() { dkms status -m vfio-pci-rs 2>/dev/null | grep -q ", $1, .*: installed"; }
	# As on a trixie host that runs backports kernels (the README): trixie-backports in the
	# sources, the kernels installed with -t trixie-backports (they need its linux-base).
	mirror=$(sed -n "s/^deb \([^ ]*\) trixie main$/\1/p" /etc/apt/sources.list)
	[ -n "$mirror" ] || fail "the chroot names a trixie mirror"
	echo "deb $mirror trixie-backports main" >>/etc/apt/sources.list
	apt-get -qq update

	seed_tree "$old" "$old_tree"
	# shellcheck disable=SC2046 # one word per .deb
	apt_step "install the image and headers of $old" install -y --no-install-recommends -t trixie-backports $(kernel_debs "$old")
	theirs "$old" || fail "before the package: modprobe resolves vfio-pci to C for $old ($(resolves "$old"))"
	t0=$(date +%s)
	apt_step "install the package" install -y --no-install-recommends "$deb"
	{ built "$old" && ours "$old"; } || { tail -n 20 "$log"; fail "the package builds for $old and modprobe resolves vfio-pci to it"; }
	ok "the package installed on $old: DKMS built it ($(( $(date +%s) - t0 )) s), modprobe resolves vfio-pci to it"

	seed_tree "$new" "$new_tree"
	t0=$(date +%s)
	# shellcheck disable=SC2046 # one word per .deb
	apt_step "install the image and headers of $new" install -y --no-install-recommends -t trixie-backports $(kernel_debs "$new")
	grep -E "^(vfio-pci-rs|Building module|Autoinstall|dkms)" "$log" | sed "s/^/# /" | head -n 8
	{ built "$new" && ours "$new"; } || { tail -n 30 "$log"; fail "DKMS'"'"'s kernel hook builds the module for $new"; }
	ours "$old" || fail "$old keeps the module"
	ok "apt install of $new'"'"'s image and headers: the kernel hook built ours ($(( $(date +%s) - t0 )) s); modprobe resolves vfio-pci to it for both kernels"

	apt_step "remove the image and headers of $old" purge -y "linux-image-$old" "linux-binary-$old" \
		"linux-modules-$old" "linux-base-$old" "linux-headers-$old"
	! built "$old" || fail "removing $old removes its build: $(dkms status -m vfio-pci-rs)"
	[ ! -e "/lib/modules/$old/updates/dkms/vfio_pci.ko" ] && [ ! -e "/lib/modules/$old/updates/dkms/vfio_pci.ko.xz" ] ||
		fail "no module left in /lib/modules/$old"
	{ built "$new" && ours "$new"; } || fail "$new keeps its build"
	ok "apt purge of $old'"'"'s kernel: its build gone, $new keeps ours: $(dkms status -m vfio-pci-rs | tr "\n" ";")"

	apt_step "purge the package" purge -y vfio-pci-rs-dkms
	theirs "$new" || fail "after the purge: modprobe resolves vfio-pci to C for $new ($(resolves "$new"))"
	[ -z "$(dkms status -m vfio-pci-rs 2>/dev/null)" ] || fail "after the purge: DKMS has no build"
	ok "apt purge of the package: no build left, modprobe resolves vfio-pci to C vfio-pci"
' kernel-upgrade-test "$old_krel" "$old_tree" "$new_krel" "$new_tree" "$DEBDIR/pkg" "$deb"

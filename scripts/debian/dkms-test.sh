#!/usr/bin/env bash
# Installs the vfio-pci-rs-dkms package into the chroot of DEB_KERNEL's suite (an overlay of it, thrown away
# afterwards) holding Debian's 7.3.4 modules (linux-modules, linux-base); shows that DKMS
# builds and installs the module to updates/dkms, that modprobe then resolves vfio-pci to it,
# and to the C module again once the package is removed; and that an initramfs holding
# vfio-pci (initramfs-tools, vfio-pci in its modules list) holds ours after the install and C's
# after the purge. Prints the times; exits non-zero when an image holds the wrong module.
# Usage: dkms-test.sh [prepared|headers]
#   prepared  /lib/modules/RELEASE/build is the cached prepared tree (scripts/debian/tree.sh)
#   headers   as on a Debian host: Debian's headers and linux-source packages installed, so
#             DKMS first prepares the tree itself (vfio-pci-rs-prepare-tree)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/debian/lib.sh
. "$here/lib.sh"
mode=${1:-prepared}
case "$mode" in prepared | headers) ;; *) die "unknown mode '$mode' (prepared or headers)" ;; esac

root=$("$here/chroot.sh")
kdir=$("$here/tree.sh")
deb=$("$here/mkdeb.sh")
pkg=$DEBDIR/pkg
DEB_OVERLAY=$(mktemp -d "$DEBDIR/overlay.XXXXXX")
export DEB_OVERLAY
trap 'rm -rf "$DEB_OVERLAY"' EXIT

# shellcheck disable=SC2016 # expanded in the chroot
in_chroot "$root" /bin/bash -euc '
	mode=$1 krel=$2 kdir=$3 pkg=$4 deb=$5 src=$6
	step() { echo "== $*"; }
	timed() { local t0=$(date +%s); "$@"; echo "($* took $(($(date +%s) - t0)) s)" >&2; }
	export DEBIAN_FRONTEND=noninteractive
	if [ "$mode" = prepared ]; then
		mkdir -p /lib/modules
		cp -a "$pkg/linux-modules-$krel/root/usr/lib/modules/$krel" \
			"$pkg/linux-base-$krel/root/usr/lib/modules/$krel" /lib/modules/
		ln -s "$kdir" "/lib/modules/$krel/build"
		depmod "$krel"
	else
		step "apt install Debian'"'"'s headers, modules and linux-source (the .debs of scripts/debian/fetch.sh)"
		apt-get -qq update
		apt-get install -y -qq --no-install-recommends "$pkg/linux-headers-$krel"/*.deb \
			"$pkg"/linux-headers-*-common/*.deb "$pkg"/linux-kbuild-*/*.deb \
			"$pkg/linux-modules-$krel"/*.deb "$pkg/linux-base-$krel"/*.deb \
			"$src"/*.deb >/dev/null
		ls -l "/lib/modules/$krel/build"
	fi
	resolve() { modprobe -S "$krel" --show-depends vfio-pci | tail -n1; }
	step "before: modprobe vfio-pci loads"; resolve
	step "initramfs-tools with vfio-pci in /etc/initramfs-tools/modules: the image of $krel"
	apt-get install -y -qq --no-install-recommends initramfs-tools zstd >/dev/null
	echo vfio-pci >>/etc/initramfs-tools/modules
	timed update-initramfs -c -k "$krel" >/dev/null 2>&1
	in_image() { lsinitramfs "/boot/initrd.img-$krel" | grep -E "/vfio[-_]pci\.ko" || true; }
	expect_image() { # WHAT PATTERN
		echo "initramfs: $(in_image)"
		in_image | grep -q "$2" || { echo "FAIL: the initramfs of $krel does not hold $1"; exit 1; }
	}
	expect_image "C vfio-pci" "kernel/drivers/vfio/pci/vfio-pci.ko"
	step "install $(basename "$deb")"
	timed dpkg -i "$deb"
	step "dkms status"; dkms status
	step "the module DKMS installed"
	modinfo -k "$krel" -F filename vfio_pci
	echo "vermagic: $(modinfo -k "$krel" -F vermagic vfio_pci)"
	echo "C vfio-pci vermagic: $(modinfo -F vermagic "/lib/modules/$krel/kernel/drivers/vfio/pci/vfio-pci.ko.xz")"
	step "after install: modprobe vfio-pci loads"; modprobe -S "$krel" --show-depends vfio-pci
	step "after install: the initramfs"; expect_image "this module" "updates/dkms/vfio_pci.ko"
	step "DKMS rebuild alone"
	ver=$(dpkg-query -W -f "\${Version}" vfio-pci-rs-dkms)
	timed dkms build -m vfio-pci-rs -v "$ver" -k "$krel" --force >/dev/null
	step "dpkg --purge vfio-pci-rs-dkms"; dpkg --purge vfio-pci-rs-dkms
	step "after removal: modprobe vfio-pci loads"; resolve
	step "after removal: the initramfs"; expect_image "C vfio-pci" "kernel/drivers/vfio/pci/vfio-pci.ko"
	! in_image | grep -q updates/dkms || { echo "FAIL: the initramfs still holds this module"; exit 1; }
	ls "/lib/modules/$krel/updates/dkms" 2>/dev/null || echo "(no updates/dkms left)"
	ls /var/lib/vfio-pci-rs 2>/dev/null || echo "(no /var/lib/vfio-pci-rs left)"
' dkms-test "$mode" "$DEB_KREL" "$kdir" "$pkg" "$deb" "$pkg/${DEB_KSRC}_$(cat "$pkg/linux-headers-$DEB_KREL/VERSION")"

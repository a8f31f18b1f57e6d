#!/usr/bin/env bash
# Installs the vfio-pci-rs-dkms package into the trixie chroot (an overlay of it, thrown away
# afterwards) holding Debian's 7.3.4 modules (linux-modules and linux-base) and, as /lib/modules/RELEASE/build, the prepared
# tree with the Rust metadata; shows that DKMS builds and installs the module to updates/dkms,
# that modprobe then resolves vfio-pci to it, and to the C module again once the package is
# removed. Prints the DKMS build time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/debian/lib.sh
. "$here/lib.sh"

root=$("$here/chroot.sh")
kdir=$("$here/tree.sh")
deb=$("$here/mkdeb.sh")
mods=$DEBDIR/pkg/linux-modules-$DEB_KREL/root/usr/lib/modules/$DEB_KREL
base=$DEBDIR/pkg/linux-base-$DEB_KREL/root/usr/lib/modules/$DEB_KREL
DEB_OVERLAY=$(mktemp -d "$DEBDIR/overlay.XXXXXX")
export DEB_OVERLAY
trap 'rm -rf "$DEB_OVERLAY"' EXIT

# shellcheck disable=SC2016 # expanded in the chroot
in_chroot "$root" /bin/bash -euc '
	krel=$1 kdir=$2 mods=$3 base=$4 deb=$5
	step() { echo "== $*"; }
	mkdir -p /lib/modules
	cp -a "$mods" "$base" /lib/modules/
	ln -s "$kdir" "/lib/modules/$krel/build"
	depmod "$krel"
	resolve() { modprobe -S "$krel" --show-depends vfio-pci | tail -n1; }
	step "before: modprobe vfio-pci loads"; resolve
	step "dpkg -i $(basename "$deb")"
	start=$(date +%s)
	dpkg -i "$deb"
	echo "dpkg -i (DKMS add, build, install): $(($(date +%s) - start)) s"
	step "dkms status"; dkms status
	step "the module DKMS installed"
	modinfo -k "$krel" -F filename vfio_pci
	echo "vermagic: $(modinfo -k "$krel" -F vermagic vfio_pci)"
	echo "C vfio-pci vermagic: $(modinfo -F vermagic "/lib/modules/$krel/kernel/drivers/vfio/pci/vfio-pci.ko.xz")"
	step "after install: modprobe vfio-pci loads"; modprobe -S "$krel" --show-depends vfio-pci
	step "DKMS rebuild alone"
	ver=$(dpkg-query -W -f "\${Version}" vfio-pci-rs-dkms)
	start=$(date +%s)
	dkms build -m vfio-pci-rs -v "$ver" -k "$krel" --force >/dev/null
	echo "dkms build: $(($(date +%s) - start)) s"
	step "dpkg -r vfio-pci-rs-dkms"; dpkg -r vfio-pci-rs-dkms
	step "after removal: modprobe vfio-pci loads"; resolve
	ls "/lib/modules/$krel/updates/dkms" 2>/dev/null || echo "(no updates/dkms left)"
' dkms-test "$DEB_KREL" "$kdir" "$mods" "$base" "$deb"

#!/usr/bin/env bash
# The Debian guest of the `debian` suite: the system of scripts/debian/chroot.sh ($DEB_SUITE) with
# Debian's $DEB_KREL modules (linux-modules, linux-base), DPDK (dpdk-devbind.py, testpmd),
# QEMU, driverctl, and this
# project's package vfio-pci-rs-dkms installed by dpkg, so DKMS builds the module as on a
# Debian host. The changes
# are an overlay layer kept apart from the chroot, made once per chroot, kernel tree, module
# sources and this script. Prints shell assignments for scripts/run-vm.sh:
#   deb_kernel=  Debian's own vmlinuz (unmodified)
#   deb_lower=   the overlay's lower layers (this layer first, then the chroot), mounted
#                read-only as the guest's root over 9p
#   deb_modules= Debian's modules folder (the initramfs takes the 9p modules from it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/debian/lib.sh
. "$here/lib.sh"

root=$("$here/chroot.sh")
kdir=$("$here/tree.sh")
pkg=$DEBDIR/pkg
sources=$(cd "$TOP" && git ls-files -co --exclude-standard -- Kbuild Makefile src dkms.conf \
	scripts/dkms-make.sh scripts/dkms-check.sh scripts/dkms-pre-build.sh scripts/gen-vfio-bindings.sh \
	scripts/check-private-layout.sh scripts/debian ':!scripts/debian/*-test.sh' |
	sort | xargs sha256sum)
key=$( { echo "$root $kdir"; echo "$sources"; } | sha256sum | cut -c1-16)
layer=$DEBDIR/guest-$key

exec 9>"$DEBDIR/guest.lock"
flock 9
if [ ! -f "$layer/.done" ]; then
	# Layers of other sources: removed once unused for a day (another checkout may be using
	# its own layer right now).
	for old in "$DEBDIR"/guest-*/; do
		if [ -n "$(find "$old.done" -mmin +1440 2>/dev/null)" ]; then rm -rf "$old" "${old%/}.log"; fi
	done
	deb=$("$here/mkdeb.sh")
	# A layer a killed run left half made is made again from nothing.
	rm -rf "$layer"
	mkdir -p "$layer"
	t0=$(date +%s)
	# shellcheck disable=SC2016 # expanded in the chroot
	DEB_OVERLAY=$layer in_chroot "$root" /bin/bash -euc '
		krel=$1 kdir=$2 pkg=$3 deb=$4
		mkdir -p /lib/modules
		cp -a "$pkg/linux-modules-$krel/root/usr/lib/modules/$krel" \
			"$pkg/linux-base-$krel/root/usr/lib/modules/$krel" /lib/modules/
		ln -s "$kdir" "/lib/modules/$krel/build"
		depmod "$krel"
		# What a user binds devices with (DPDK'"'"'s dpdk-devbind.py with lspci and ip, and
		# driverctl) and the VF token'"'"'s clients: DPDK'"'"'s testpmd with the igb PMDs, QEMU.
		apt-get -o DPkg::Lock::Timeout=600 update -qq
		# The igb PMD package is named after the DPDK ABI (trixie: -25, sid: -26).
		pmd=$(apt-cache pkgnames librte-net-e1000- | sort -V | tail -n1)
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
			--no-install-recommends dpdk dpdk-dev "$pmd" qemu-system-x86 \
			driverctl procps pciutils iproute2 >/dev/null
		apt-get clean
		# What the guest never reads (the layer is shared read-only over 9p).
		rm -rf /usr/share/doc /usr/share/man /usr/share/locale
		find /usr/lib/x86_64-linux-gnu -name "librte_*.a" -delete
		# As the README has a Debian user install it (apt with the file; its Recommends,
		# linux-source, left out: the tree is prepared already): DKMS builds and installs it.
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y \
			--no-install-recommends "$deb"
		dkms status
		# Mount points for what the initramfs brings (the suites and the static test tools).
		mkdir -p /tests /selftests
	' guest "$DEB_KREL" "$kdir" "$pkg" "$deb" >"$layer.log" 2>&1 ||
		{ tail -30 "$layer.log" >&2; die "installing the package into the guest failed, log in $layer.log"; }
	grep -q "installed" "$layer.log" || die "dkms did not install the module (log in $layer.log)"
	echo "guest: package installed with DKMS in $(( $(date +%s) - t0 ))s" >&2
	touch "$layer/.done"
fi
touch "$layer/.done"
echo "deb_kernel=$pkg/linux-binary-$DEB_KREL/root/usr/lib/modules/$DEB_KREL/vmlinuz"
echo "deb_lower=$layer/upper:$root"
echo "deb_modules=$pkg/linux-modules-$DEB_KREL/root/usr/lib/modules/$DEB_KREL"

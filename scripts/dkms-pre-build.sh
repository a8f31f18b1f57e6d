#!/usr/bin/env bash
# DKMS's PRE_BUILD (dkms.conf), in its build folder: the checks that take time, done before
# the build so that a kernel this host cannot serve is skipped (exit 77, which DKMS >= 3.1.5
# passes on as the build's status, "skipped"), not failed. Again the cheap checks
# (scripts/dkms-check.sh); then, when the kernel's build dir lacks the Rust metadata (a
# Debian headers package), the tree vfio-pci-rs-prepare-tree makes from linux-source (a
# minute or two; it refuses a toolchain or source that does not reproduce Debian's kernel);
# then the copy of vfio_pci_core's private struct against that kernel's source or BTF (types
# and names here; the build checks offsets too). DKMS keeps this output in make.log.
# Usage: dkms-pre-build.sh KERNELRELEASE KERNEL_SOURCE_DIR
set -euo pipefail
krel=$1 kdir=$2
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/pkg-lib.sh
. "$here/pkg-lib.sh"
"$here/dkms-check.sh" "$krel" "$kdir"
prepared=/var/lib/vfio-pci-rs/$krel
tree=$kdir ksrc=$kdir
[ ! -e "$kdir/source" ] || ksrc=$kdir/source
if [ ! -f "$kdir/rust/libkernel.rmeta" ]; then
	if [ ! -f "$prepared/.prepared" ]; then
		command -v vfio-pci-rs-prepare-tree >/dev/null ||
			skip "$kdir has no Rust metadata (a headers package ships none) and vfio-pci-rs-prepare-tree is not installed"
		echo "vfio-pci-rs: $kdir has no Rust metadata: preparing $prepared from linux-source"
		vfio-pci-rs-prepare-tree "$krel" >/dev/null ||
			skip "cannot make the kernel's Rust metadata from linux-source (the reason is above)"
	fi
	tree=$prepared/build ksrc=$prepared/src
fi
"$here/check-private-layout.sh" "$tree" "$ksrc" "$here/../src/vfio_pci_core_priv.h" - ||
	skip "the layout of vfio_pci_core's private struct vfio_pci_vf_token cannot be verified (the reason is above)"

#!/usr/bin/env bash
# Run by DKMS (dkms.conf MAKE) in its build folder. A Rust module needs the kernel's Rust
# metadata (rust/*.rmeta, libmacros.so), which a distribution's headers package lacks: use
# the kernel source dir if it has it, else the tree vfio-pci-rs-prepare-tree made (or now
# makes, from linux-source: a minute or two) for this kernel; and rustc must be exactly the
# one the kernel was built with (Rust symbol names depend on its version string).
# Usage: dkms-make.sh KERNELRELEASE KERNEL_SOURCE_DIR
set -euo pipefail
# shellcheck source=scripts/pkg-lib.sh
. "$(dirname "$0")/pkg-lib.sh"
die_who=vfio-pci-rs
krel=$1 kdir=$2
prepared=/var/lib/vfio-pci-rs/$krel/build
if [ ! -f "$kdir/rust/libkernel.rmeta" ]; then
	if [ ! -f "$prepared/rust/libkernel.rmeta" ]; then
		command -v vfio-pci-rs-prepare-tree >/dev/null ||
			die "$kdir has no Rust metadata (rust/libkernel.rmeta; a headers package ships none) and vfio-pci-rs-prepare-tree is not installed"
		echo "vfio-pci-rs: $kdir has no Rust metadata: preparing $prepared from linux-source"
		vfio-pci-rs-prepare-tree "$krel" >/dev/null
	fi
	kdir=$prepared
fi
want=$(sed -n 's/^CONFIG_RUSTC_VERSION_TEXT="\(.*\)"$/\1/p' "$kdir/.config")
have=$(rustc --version 2>/dev/null || true)
[ "$want" = "$have" ] || die "the kernel $krel was built with '$want' but rustc here is '${have:-missing}'"
echo "vfio-pci-rs: building against $kdir with $have"
exec make KDIR="$kdir" modules

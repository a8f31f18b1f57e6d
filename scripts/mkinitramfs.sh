#!/usr/bin/env bash
# Packs the rig's initramfs: static busybox, the guest test scripts, the reference C vfio
# modules, a C variant driver, this project's module (and its test modules) and the upstream
# selftests.
# Usage: mkinitramfs.sh KERNEL_BUILD_DIR MODULE.ko SELFTESTS_DIR OUT.cpio.gz
# RIG_REF="NAME=FILE ...": files the host keeps for the suite (cached reference results),
# placed at /ref/NAME in the guest.
# RIG_DEB_MODULES=DIR: the initramfs of the Debian guest instead (MODULE is then unused): no
# vfio modules of the rig, but the 9p modules of Debian's kernel (DIR) that mount its root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
kout=$1 module=$2 selftests=$3 out=$4
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,rs,selftests,lib/modules/rig,usr/bin,usr/sbin}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
[ -x /bin/bash-static ] && cp /bin/bash-static "$root/bin/bash"
cp -r "$TOP/tests/guest" "$root/tests"
if [ -n "${RIG_DEB_MODULES:-}" ]; then
	cp "$TOP/tests/guest/init-debian" "$root/init"
	mkdir -p "$root/m"
	# busybox insmod takes no compressed module: unpacked here.
	for m in fs/netfs/netfs net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p; do
		xz -dc "$RIG_DEB_MODULES/kernel/$m.ko.xz" > "$root/m/${m##*/}.ko"
	done
else
	cp "$TOP/tests/guest/init" "$root/init"
	# The kernel's modules; built in where the kernel has them built in (the intree variant's
	# vfio_pci_core), and C vfio-pci built beside the kernel where it has the Rust one instead
	# (scripts/rig.sh).
	cvar=$(c_variant_of "${RIG_VARIANT:-rig}")
	for m in irqbypass vfio-pci-core vfio-pci; do
		f=$(find "$kout/modinst" "$cvar" -name "$m.ko" | head -n1)
		if [ -z "$f" ]; then
			grep -q "/${m//-/[-_]}.ko\$" "$kout/modules.builtin" && continue
			echo "mkinitramfs: $m.ko neither in $kout/modinst nor built in" >&2; exit 1
		fi
		cp "$f" "$root/lib/modules/rig/"
	done
	# The C variant driver the token suite binds a VF to (scripts/rig.sh).
	cp "$cvar/virtio-vfio-pci.ko" "$root/lib/modules/rig/"
	# No module where the kernel has it built in (scripts/rig.sh intree-y).
	[ "${RIG_VARIANT:-}" = intree-y ] || cp "$module" "$root/rs/"
	# The test modules, built next to it (scripts/rig.sh), where there are.
	for t in vfio_pci_kunit vfio_pci_open_test igbvf_vfio_pci; do
		if [ -f "$(dirname "$module")/$t.ko" ]; then cp "$(dirname "$module")/$t.ko" "$root/rs/"; fi
	done
fi
chmod +x "$root/init"
for f in "$selftests"/vfio_*_test; do cp "$f" "$root/selftests/"; done
cp -r "$CACHE/src/linux-source-$KVER/tools/testing/selftests/vfio/scripts" "$root/selftests/"
# The project's own static test binaries (tests/guest/bin, built by scripts/rig.sh into .cache/ of the checkout).
tools=rig; [ "${RIG_VARIANT:-rig}" = debian ] || tools=${RIG_VARIANT:-rig}
cp "$(tools_of "$tools")"/* "$root/selftests/"
mkdir -p "$root/ref"
for r in ${RIG_REF:-}; do cp "${r#*=}" "$root/ref/${r%%=*}"; done
(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out"

#!/usr/bin/env bash
# Everything the VM suites need, each step cached where it can be: setup, rig kernel, this
# module against it, the upstream selftests. Prints phase timings.
# Usage: rig.sh [rig|debug|bench|kcsan|intree|intree-y]   (debug: the KASAN/lockdep/kmemleak/failslab
# kernel, bench: no lock debugging, for make bench; kcsan: data races and KCOV, for make
# fuzz-vm; the module is then built in a copy under .cache/ of the checkout, so they never mix.
# intree: the kernel with `make patches`' series applied, and its own vfio_pci.ko; intree-y:
# the same with the driver built in.)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
variant=${1:-rig}
build_module() {
	local dir=$TOP ko
	if [ "$variant" = intree-y ]; then
		# Built in: no module to take; it must be in the kernel.
		grep -q '/drivers/vfio/pci/rust/vfio_pci.ko$' "$kout/modules.builtin" ||
			{ echo "rig: vfio_pci is not built into $kout" >&2; return 1; }
		return
	fi
	if [ "$variant" = intree ]; then
		# The tree's own module (drivers/vfio/pci/rust/), where the suites take it from.
		dir=$(dirname "$(module_of "$variant")"); rm -rf "$dir"; mkdir -p "$dir"
		ko=$(find "$kout/modinst" -path '*/drivers/vfio/pci/rust/vfio_pci.ko' | head -n1)
		[ -n "$ko" ] || { echo "rig: no drivers/vfio/pci/rust/vfio_pci.ko in $kout/modinst" >&2; return 1; }
		cp "$ko" "$dir/"
		return
	fi
	if [ "$variant" != rig ]; then
		dir=$TOP/.cache/module-$variant; mkdir -p "$dir"
		rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
			"$TOP/Kbuild" "$TOP/Makefile" "$TOP/src" "$TOP/scripts" "$dir/"
	fi
	# VFIO_RS_TEST_MODULES=1: also the test modules (the KUnit suites, a failing open; Kbuild).
	make -s -C "$dir" KDIR="$kout" ${CLIPPY:+CLIPPY=1} VFIO_RS_TEST_MODULES=1 modules
}
phase setup "$here/setup.sh"
t0=$(date +%s); kout=$("$here/build-kernel.sh" "$variant"); phase_line kernel "$t0"
echo "$kout" > "$(kernel_record "$variant")"
phase module build_module
# A C vfio_pci_core variant driver of the kernel's own source, unmodified: virtio-vfio-pci,
# which checks VF tokens with the core's vfio_pci_core_match_token_uuid() and binds any device
# through driver_override. The rig's kernel config does not build it: built here as an
# external module, so that the cached kernels stay as they are.
build_c_variant() {
	local dir; dir=$(c_variant_of "$variant")
	rm -rf "$dir"; mkdir -p "$dir"
	cp "$kout"/source/drivers/vfio/pci/virtio/{Makefile,main.c,migrate.c,common.h} "$dir/"
	make -s -C "$kout" M="$dir" LLVM=-19 CONFIG_VIRTIO_VFIO_PCI=m modules
	# A kernel with the Rust vfio-pci in the tree builds no C vfio-pci (the same module name):
	# the C reference of the suites, from the same source, as an external module beside it.
	if ! grep -q '^CONFIG_VFIO_PCI=m$' "$kout/.config"; then
		mkdir "$dir/vfio-pci"
		cp "$kout"/source/drivers/vfio/pci/{vfio_pci.c,vfio_pci_priv.h} "$dir/vfio-pci/"
		printf 'obj-m := vfio-pci.o\nvfio-pci-y := vfio_pci.o\n' > "$dir/vfio-pci/Makefile"
		make -s -C "$kout" M="$dir/vfio-pci" LLVM=-19 modules
	fi
}
phase c-variant build_c_variant
build_selftests() { "$here/build-selftests.sh" "$kout" >/dev/null; }
phase selftests build_selftests
build_tools() {
	# Per variant, so that two variants built at once never mix or remove each other's.
	local bin c src=$CACHE/src/linux-source-$KVER lib libvfio=()
	bin=$(tools_of "$variant")
	rm -rf "$bin"; mkdir -p "$bin"
	# A tool that includes <libvfio.h> is linked with the upstream vfio selftest library, as
	# the selftests phase built it (lib/libvfio.mk), with the include paths of its Makefile.
	lib=$kout/selftests-vfio/libvfio
	mapfile -t libvfio < <(find "$lib" -name '*.o' | sort)
	[ "${#libvfio[@]}" -gt 0 ] || { echo "rig: no libvfio objects in $lib" >&2; return 1; }
	for c in "$TOP"/tests/guest/bin/*.c; do
		local inc=() objs=()
		if grep -q '^#include <libvfio.h>' "$c"; then
			inc=(-I "$src/tools/include" -I "$src/tools/testing/selftests/vfio/lib/include")
			objs=("${libvfio[@]}")
		fi
		gcc -Wall -Werror -O2 -static -pthread -isystem "$kout/hdr/include" \
			-I "$src/tools/testing/selftests" "${inc[@]}" -o "$bin/$(basename "$c" .c)" "$c" \
			"${objs[@]}" -luuid
	done
}
phase tools build_tools

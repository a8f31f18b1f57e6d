#!/usr/bin/env bash
# Generates Rust bindings for the vfio / vfio_pci_core items, with the same bindgen options and
# C flags the kernel used for its own `bindings` crate (read from the build tree's .cmd file),
# so struct layouts match the kernel's. Usage: gen-vfio-bindings.sh KDIR HEADER OUT.rs
set -euo pipefail
kdir=$(cd "$1" && pwd) header=$(realpath "$2") out=$(realpath -m "$3")
cmd=$kdir/rust/bindings/.bindings_generated.rs.cmd
[ -f "$cmd" ] || { echo "gen-vfio-bindings: $cmd missing: the kernel build tree must have built rust/" >&2; exit 1; }
# The kernel's clang arguments: everything after " -- ", minus its dep-file option.
# Drop its dep-file option, its KBUILD_* names (quoted, and not ours) and the trailing sed step.
cflags=$(sed -n 's/^savedcmd_.* -- //p' "$cmd" | sed -e 's/;.*$//' -e 's/-Wp,-MMD,[^ ]*//' \
	-e "s/-DKBUILD_[A-Z]*='[^']*'//g" -e 's/-D__KBUILD_MODNAME=[^ ]*//')
[ -n "$cflags" ] || { echo "gen-vfio-bindings: cannot read the C flags from $cmd" >&2; exit 1; }
bindgen=${BINDGEN:-bindgen}
cd "$kdir"
# shellcheck disable=SC2086
"$bindgen" "$header" \
	--rust-target 1.85 --use-core --ctypes-prefix ffi --no-layout-tests --no-doc-comments \
	--with-derive-default --with-derive-custom-struct '.*=MaybeZeroable' \
	--with-derive-custom-union '.*=MaybeZeroable' --enable-function-attribute-detection \
	--no-recursive-allowlist \
	--allowlist-type 'vfio_.*' --allowlist-function '_?vfio_.*' --allowlist-var 'VFIO_.*|vfio_.*' \
	--allowlist-type 'iommufd_access|iommufd_device|kvm|perm_bits|virqfd' \
	--opaque-type 'iommufd_access|iommufd_device|kvm|perm_bits|virqfd' \
	-o "$out" -- $cflags -DMODULE -D__BINDGEN__

#!/usr/bin/env bash
# Generates Rust bindings for the vfio / vfio_pci_core items, with the bindgen options of the
# kernel's own `bindings` crate and the C flags Kbuild gives this module (passed by Kbuild
# after OUT), so struct layouts match the kernel's. Where the build tree recorded the
# kernel's own bindgen command (rust/bindings/.bindings_generated.rs.cmd), the bindings are
# generated a second time with that command's C flags and must come out identical: a
# cross-check of the flags derived here. A headers-only tree has no such file.
# First, scripts/check-private-layout.sh checks the copy of vfio_pci_core's private
# struct vfio_pci_vf_token (src/vfio_pci_core_priv.h) against the kernel's source or BTF, with
# VFIO_RS_KSRC the kernel's source tree (Kbuild's srctree) and VFIO_RS_LAYOUT this build's
# generated/c_layout.rs; without either the build stops.
# Usage: gen-vfio-bindings.sh KDIR HEADER OUT C-FLAGS...
set -euo pipefail
# shellcheck source=scripts/pkg-lib.sh
. "$(dirname "$0")/pkg-lib.sh"
[ $# -ge 4 ] || die "usage: gen-vfio-bindings.sh KDIR HEADER OUT C-FLAGS..."
kdir=$(cd "$1" && pwd) header=$(realpath "$2") out=$(realpath -m "$3")
shift 3
bindgen=${BINDGEN:-bindgen}

if [ -z "${VFIO_RS_KSRC:-}" ] || [ -z "${VFIO_RS_LAYOUT:-}" ]; then
	die "VFIO_RS_KSRC and VFIO_RS_LAYOUT must be set (Kbuild sets them)"
fi
"$(dirname "$0")/check-private-layout.sh" "$kdir" "$VFIO_RS_KSRC" "$(dirname "$header")/vfio_pci_core_priv.h" \
	"$VFIO_RS_LAYOUT"

gen() { # OUT C-FLAGS...
	local dest=$1
	shift
	"$bindgen" "$header" \
		--rust-target 1.85 --use-core --ctypes-prefix ffi --no-layout-tests --no-doc-comments \
		--with-derive-default --with-derive-custom-struct '.*=MaybeZeroable' \
		--with-derive-custom-union '.*=MaybeZeroable' --enable-function-attribute-detection \
		--no-recursive-allowlist \
		--allowlist-type 'vfio_.*' --allowlist-function '_?vfio_.*|rust_helper_.*' \
		--allowlist-var 'VFIO_.*|vfio_.*' \
		--allowlist-type 'iommufd_access|iommufd_device|kvm|perm_bits|virqfd' \
		--opaque-type 'iommufd_access|iommufd_device|kvm|perm_bits|virqfd' \
		-o "$dest" -- "$@"
	# The shims are named as the kernel's rust/helpers/ name theirs, and bound as its
	# rust/Makefile binds those: without the prefix, linked by their full name.
	sed -Ei 's/pub fn rust_helper_([a-zA-Z0-9_]*)/#[link_name="rust_helper_\1"]\n    pub fn \1/g' "$dest"
}
gen "$out" "$@"

cmd=$kdir/rust/bindings/.bindings_generated.rs.cmd
[ -f "$cmd" ] || exit 0
# The kernel's clang arguments: everything after " -- ", without its dep-file option, its
# KBUILD_* names (quoted, and not ours) and the trailing sed step. Its paths are relative
# to the kernel's build folder.
cflags=$(sed -n 's/^savedcmd_.* -- //p' "$cmd" | sed -e 's/;.*$//' -e 's/-Wp,-MMD,[^ ]*//' \
	-e "s/-DKBUILD_[A-Z]*='[^']*'//g" -e 's/-D__KBUILD_MODNAME=[^ ]*//')
[ -n "$cflags" ] || die "cannot read the C flags from $cmd"
check=$(mktemp)
trap 'rm -f "$check"' EXIT
# shellcheck disable=SC2086 # the recorded flags are one word each
(cd "$kdir" && gen "$check" $cflags)
if ! cmp -s "$out" "$check"; then
	echo "gen-vfio-bindings: the bindings from Kbuild's C flags differ from those with the kernel's recorded bindgen flags ($cmd); < recorded, > Kbuild's:" >&2
	diff "$check" "$out" | head -20 >&2 || true
	rm -f "$out"
	exit 1
fi

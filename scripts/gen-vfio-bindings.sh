#!/usr/bin/env bash
# Generates Rust bindings for the vfio / vfio_pci_core items, with the bindgen options of the
# kernel's own `bindings` crate and the C flags Kbuild gives this module (passed by Kbuild
# after OUT), so struct layouts match the kernel's. Where the build tree recorded the
# kernel's own bindgen command (rust/bindings/.bindings_generated.rs.cmd), the bindings are
# generated a second time with that command's C flags and must come out identical: a
# cross-check of the flags derived here. A headers-only tree has no such file.
# VFIO_RS_KSRC: the kernel's source tree (Kbuild's srctree); where it holds vfio_pci_core.c,
# the copy of its private struct vfio_pci_vf_token (src/vfio_pci_core_priv.h) must be the same.
# Usage: gen-vfio-bindings.sh KDIR HEADER OUT C-FLAGS...
set -euo pipefail
die() { echo "gen-vfio-bindings: $*" >&2; exit 1; }
[ $# -ge 4 ] || die "usage: gen-vfio-bindings.sh KDIR HEADER OUT C-FLAGS..."
kdir=$(cd "$1" && pwd) header=$(realpath "$2") out=$(realpath -m "$3")
shift 3
bindgen=${BINDGEN:-bindgen}

# The struct's definition, one line, blanks squeezed.
vf_token_def() { sed -n '/^struct vfio_pci_vf_token {/,/^};/p' "$1" | tr -s ' \t\n' ' '; }
core_c=${VFIO_RS_KSRC:-/nonexistent}/drivers/vfio/pci/vfio_pci_core.c
if [ -f "$core_c" ]; then
	theirs=$(vf_token_def "$core_c") ours=$(vf_token_def "$(dirname "$header")/vfio_pci_core_priv.h")
	if [ -z "$theirs" ] || [ "$theirs" != "$ours" ]; then
		die "struct vfio_pci_vf_token of $core_c is not the copy in src/vfio_pci_core_priv.h: ${theirs:-(not found)}"
	fi
fi

gen() { # OUT C-FLAGS...
	local dest=$1
	shift
	"$bindgen" "$header" \
		--rust-target 1.85 --use-core --ctypes-prefix ffi --no-layout-tests --no-doc-comments \
		--with-derive-default --with-derive-custom-struct '.*=MaybeZeroable' \
		--with-derive-custom-union '.*=MaybeZeroable' --enable-function-attribute-detection \
		--no-recursive-allowlist \
		--allowlist-type 'vfio_.*' --allowlist-function '_?vfio_.*' --allowlist-var 'VFIO_.*|vfio_.*' \
		--allowlist-type 'iommufd_access|iommufd_device|kvm|perm_bits|virqfd' \
		--opaque-type 'iommufd_access|iommufd_device|kvm|perm_bits|virqfd' \
		-o "$dest" -- "$@"
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

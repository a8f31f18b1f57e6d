#!/usr/bin/env bash
# The module keeps its VF token in vfio_pci_core's private struct vfio_pci_vf_token, through a
# copy of its definition (src/vfio_pci_core_priv.h): built with a layout other than the target
# kernel's, it would corrupt the core's memory. So the copy is checked against the kernel
# itself, with every source of truth there is, and the build stops when there is none:
#  - source: the definition in the kernel's drivers/vfio/pci/vfio_pci_core.c, word for word;
#  - BTF: vfio-pci-core.ko's split BTF (on vmlinux's) as pahole prints it: member types,
#    names, order, offsets and sizes, and the struct's size, against the copy as this build's
#    C compiler lays it out (LAYOUT, src/vfio_layout.c's constants); also the size of struct
#    vfio_pci_core_device and its vf_token pointer, where a build tree of another kernel
#    (another configuration) shows.
# The ko is the build tree's own (a built kernel) or the installed one; its base BTF the tree's
# vmlinux (a built kernel; Debian's headers ship one), the running kernel's, or the one in
# vmlinuz (the kernel source's scripts/extract-vmlinux).
# Usage: check-private-layout.sh KDIR KSRC COPY LAYOUT
#   KDIR    the kernel's build folder        KSRC  its source tree (may hold no .c files)
#   COPY    src/vfio_pci_core_priv.h         LAYOUT  generated/c_layout.rs of this build, or
#           "-" to compare types and names only (tests without a build for that kernel)
#   VFIO_RS_MODDIR  the kernel's installed modules (default /lib/modules/KREL)
# Prints the sources it checked against, one line.
set -euo pipefail
# A failure inside $(...) stops the script too.
shopt -s inherit_errexit
# shellcheck source=scripts/pkg-lib.sh
. "$(dirname "$0")/pkg-lib.sh"
[ $# = 4 ] || die "usage: check-private-layout.sh KDIR KSRC COPY LAYOUT"
kdir=$1 ksrc=$2 copy=$3 layout=$4
krel=$(cat "$kdir/include/config/kernel.release" 2>/dev/null) || die "$kdir has no include/config/kernel.release"
moddir=${VFIO_RS_MODDIR:-/lib/modules/$krel}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
checked=()

# The struct's definition, one line, blanks squeezed.
definition() { sed -n '/^struct vfio_pci_vf_token {/,/^};/p' "$1" | tr -s ' \t\n' ' '; }
ours=$(definition "$copy")
[ -n "$ours" ] || die "$copy has no struct vfio_pci_vf_token"

# 1. The source.
core_c=$ksrc/drivers/vfio/pci/vfio_pci_core.c
if [ -f "$core_c" ]; then
	theirs=$(definition "$core_c")
	[ "$theirs" = "$ours" ] ||
		die "struct vfio_pci_vf_token of $krel ($core_c) is not the copy in ${copy##*/}: ${theirs:-(not found)}"
	checked+=(source)
fi

# 2. The BTF: the ko (uncompressed into $kofile) and its base.
# grep reads to the end: with pipefail, grep -q could leave readelf to die of SIGPIPE.
has_btf() { readelf -S -W "$1" 2>/dev/null | grep ' \.BTF ' >/dev/null; }
ko='' kofile=''
if [ -f "$kdir/drivers/vfio/pci/vfio-pci-core.ko" ]; then
	ko=$kdir/drivers/vfio/pci/vfio-pci-core.ko kofile=$ko
else
	for f in "$moddir"/kernel/drivers/vfio/pci/vfio-pci-core.ko{,.xz,.zst,.gz}; do
		[ -f "$f" ] || continue
		ko=$f kofile=$tmp/core.ko
		case $f in
		*.xz) xz -dc "$f" >"$kofile" ;;
		*.zst) zstd -qdc "$f" >"$kofile" ;;
		*.gz) gzip -dc "$f" >"$kofile" ;;
		*) kofile=$f ;;
		esac || die "cannot decompress $f"
		break
	done
fi
base='' nobtf="no BTF of vfio-pci-core.ko"
if [ -n "$ko" ] && ! has_btf "$kofile"; then
	nobtf="no BTF in $ko"
elif [ -n "$ko" ]; then
	nobtf="no vmlinux BTF to read $ko on"
	if has_btf "$kdir/vmlinux"; then
		base=$kdir/vmlinux
	elif [ "$kofile" != "$kdir/drivers/vfio/pci/vfio-pci-core.ko" ] && [ -z "${VFIO_RS_MODDIR:-}" ] &&
		[ "$(uname -r)" = "$krel" ] && [ -r /sys/kernel/btf/vmlinux ]; then
		base=/sys/kernel/btf/vmlinux
	else
		for z in "$moddir/vmlinuz" "/boot/vmlinuz-$krel"; do
			for x in "$ksrc/scripts/extract-vmlinux" "$kdir/scripts/extract-vmlinux"; do
				if [ -f "$z" ] && [ -f "$x" ] && sh "$x" "$z" >"$tmp/vmlinux" 2>/dev/null &&
					has_btf "$tmp/vmlinux"; then
					base=$tmp/vmlinux
					break 2
				fi
			done
		done
	fi
fi

# STRUCT's members as pahole prints them from the BTF: "TYPE NAME OFFSET SIZE" each (blanks
# squeezed), then "size N". pahole 1.24 warns about BTF kinds it does not know (decl and type
# tags): harmless here, and silenced.
btf_struct() {
	pahole -F btf --btf_base "$base" -C "$1" "$kofile" 2>/dev/null | awk '
		/^\t[^\t\/].*;[ \t]*\/\*.*\*\/$/ {
			decl = $0; sub(/;.*/, "", decl); gsub(/[ \t]+/, " ", decl); sub(/^ /, "", decl)
			c = $0; sub(/.*\/\*[ \t]*/, "", c); sub(/[ \t]*\*\/.*/, "", c); gsub(/[ \t]+/, " ", c)
			print decl " " c
		}
		/^\t\/\* size: / { s = $3; sub(/,/, "", s); print "size " s }'
}
# The copy's members: "TYPE NAME" from its text, with this build's offset and size of each.
copy_struct() {
	local decl name off size
	while read -r decl; do
		name=${decl##* }
		if [ "$layout" = - ]; then
			echo "$decl"
		else
			off=$(const "vfio_pci_vf_token__$name")
			size=$(const "vfio_pci_vf_token__${name}__SIZE")
			echo "$decl $off $size"
		fi
	done < <(sed -n '/^struct vfio_pci_vf_token {/,/^};/p' "$copy" | sed -e '1d' -e '$d' |
		tr -s ' \t' ' ' | sed -e 's/^ //' -e 's/;.*//' -e '/^$/d')
	if [ "$layout" != - ]; then
		size=$(const vfio_pci_vf_token__SIZE)
		echo "size $size"
	fi
}
const() { # NAME -> its value in LAYOUT
	local v
	v=$(sed -n "s/^pub(crate) const $1: usize = \([0-9]*\);$/\1/p" "$layout")
	[ -n "$v" ] || die "$layout has no $1 (src/vfio_layout.c must define it)"
	echo "$v"
}
oneline() { paste -sd ';' - | sed 's/;/; /g'; }

if [ -n "$base" ]; then
	command -v pahole >/dev/null || die "pahole (Debian: dwarves) is needed to read the BTF of $ko"
	kernel=$(btf_struct vfio_pci_vf_token) || die "pahole cannot read the BTF of $ko on $base"
	[ -n "$kernel" ] || die "the BTF of $ko ($krel) has no struct vfio_pci_vf_token"
	copied=$(copy_struct)
	# Without this build's layout: types and names only.
	[ "$layout" != - ] || kernel=$(grep -v '^size ' <<<"$kernel" | awk '{NF -= 2; print}')
	[ "$kernel" = "$copied" ] ||
		die "struct vfio_pci_vf_token of $krel (BTF of $ko) is {$(oneline <<<"$kernel")}, the copy in ${copy##*/} {$(oneline <<<"$copied")}"
	if [ "$layout" != - ]; then
		core=$(btf_struct vfio_pci_core_device) || die "pahole cannot read the BTF of $ko on $base"
		core=$(grep -E '^(size |struct vfio_pci_vf_token \* vf_token )' <<<"$core" || true)
		off=$(const vfio_pci_core_device__vf_token)
		size=$(const vfio_pci_core_device__SIZE)
		built=$(printf 'struct vfio_pci_vf_token * vf_token %s 8\nsize %s' "$off" "$size")
		[ "$core" = "$built" ] ||
			die "struct vfio_pci_core_device of $krel (BTF of $ko) has {$(oneline <<<"$core")}, this build {$(oneline <<<"$built")}: $kdir is not that kernel's build tree"
	fi
	checked+=("BTF of $ko")
fi

[ ${#checked[@]} -gt 0 ] ||
	die "cannot verify struct vfio_pci_vf_token for $krel: no kernel source and $nobtf"
echo "private-layout: struct vfio_pci_vf_token of $krel checked against: $(printf '%s, ' "${checked[@]}" | sed 's/, $//')"

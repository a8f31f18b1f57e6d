#!/usr/bin/env bash
# Can this host build vfio-pci-rs for a kernel? Only cheap checks (the kernel's .config, tool
# versions, installed packages; no network, no build): dkms.conf runs it when DKMS reads it,
# where its output still reaches the terminal, and scripts/dkms-pre-build.sh again.
# Silent with exit 0 when the build can go ahead. Otherwise one line on stderr: why, and which
# Debian packages (exact version, and the suite of the machine's apt sources that has it) to
# install; exit 77, DKMS's own "skipped" status, so dpkg and apt carry on and the kernel keeps
# its C vfio-pci.
# Usage: dkms-check.sh KERNELRELEASE KERNEL_SOURCE_DIR
set -uo pipefail
krel=$1 kdir=$2
prepared=/var/lib/vfio-pci-rs/$krel
config=$kdir/.config
# No .config: no headers, a case DKMS reports itself.
[ -f "$config" ] || exit 0
# shellcheck source=scripts/pkg-lib.sh
. "$(dirname "$0")/pkg-lib.sh"

case $(kcfg CONFIG_RUST) in y) ;; *) skip "the kernel has no Rust support (CONFIG_RUST is not set)" ;; esac
case $(kcfg CONFIG_VFIO_PCI_CORE) in y | m) ;; *) skip "the kernel has no vfio_pci_core (CONFIG_VFIO_PCI_CORE)" ;; esac

reasons=() wants=()
# "NAME VERSION from SUITE": the first version apt knows whose upstream part is UPSTREAM
# (NAME=EXACT: that version only), with the suite of the apt source offering it.
offer() { # NAME UPSTREAM|=EXACT
	local name=$1 want=$2 line
	line=$(apt-cache madison "$name" 2>/dev/null | awk -F' *[|] *' -v w="$want" '
		(substr(w, 1, 1) == "=" && $2 == substr(w, 2)) ||
		(substr(w, 1, 1) != "=" && index($2, w) == 1 && substr($2, length(w) + 1, 1) ~ /[-+~]/) {
			split($3, s, " "); sub("/.*", "", s[2]); print $2, s[2]; exit }')
	if [ -n "$line" ]; then
		echo "$name ${line% *} from ${line#* }"
	else
		echo "$name ${want#=} (no apt source of this system has it)"
	fi
}

# "rustc 1.85.1 (4eb161250 2025-03-15) (built ...)" as "rustc 1.85.1".
short() { if [ -n "$1" ]; then echo "$1" | cut -d' ' -f1,2; else echo none; fi; }
# The kernel's toolchain, exactly: Rust symbol names hash rustc's version string, and Kbuild
# builds a module with the kernel's compiler.
want=$(kcfg CONFIG_RUSTC_VERSION_TEXT) have=$(rustc --version 2>/dev/null)
if [ "$want" != "$have" ]; then
	v=$(echo "$want" | cut -d' ' -f2)
	reasons+=("the kernel was built with rustc $v, this system has $(short "$have")")
	wants+=("$(offer rustc "$v"), and rust-src of the same version")
fi
want=$(kcfg CONFIG_BINDGEN_VERSION_TEXT) have=$(bindgen --version 2>/dev/null)
if [ -n "$want" ] && [ "$want" != "$have" ]; then
	v=$(echo "$want" | cut -d' ' -f2)
	reasons+=("the kernel was built with bindgen $v, this system has $(short "$have")")
	wants+=("$(offer bindgen "$v")")
fi
want=$(kcfg CONFIG_CC_VERSION_TEXT) cc=${want%% *}
have=$("$cc" --version 2>/dev/null | head -n1)
if [ "$want" != "$have" ]; then
	reasons+=("the kernel was built with '$want', this system has ${have:-no $cc}")
	# Debian's names it: x86_64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0 is gcc-14 14.2.0-19.
	v=$(echo "$want" | sed -n 's/.*(Debian \([^)]*\)).*/\1/p')
	case $cc in
	*gcc-*) wants+=("$(offer "gcc-${cc##*gcc-}" "=$v")") ;;
	*) wants+=("the compiler '$want'") ;;
	esac
fi

# Debian's headers lack the kernel's Rust metadata: it is made from linux-source of exactly
# the headers' version, unless the build dir has it or a tree was prepared already.
if [ ! -f "$kdir/rust/libkernel.rmeta" ] && [ ! -f "$prepared/.prepared" ]; then
	series=$(echo "$krel" | cut -d. -f1,2)
	hpkg=$(dpkg-query -S "$(realpath "$config")" 2>/dev/null | head -n1 | cut -d: -f1)
	hver=$([ -z "$hpkg" ] || dpkg-query -W -f '${Version}' "$hpkg" 2>/dev/null)
	sver=$(dpkg-query -W -f '${db:Status-Abbrev} ${Version}' "linux-source-$series" 2>/dev/null |
		awk '$1 == "ii" {print $2}')
	if [ -z "$hver" ]; then
		reasons+=("$kdir has no Rust metadata and belongs to no Debian package to make it from")
	elif [ "$sver" != "$hver" ]; then
		reasons+=("the kernel's Rust metadata is made from linux-source-$series $hver, this system has ${sver:-none}")
		wants+=("$(offer "linux-source-$series" "=$hver")")
	fi
fi

[ ${#reasons[@]} = 0 ] && exit 0
line=$(printf '%s; ' "${reasons[@]}")
line=${line%; }
if [ ${#wants[@]} -gt 0 ]; then
	line+=". Install $(printf '%s; ' "${wants[@]}")"
	line=${line%; }
fi
skip "$line"

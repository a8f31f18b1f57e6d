# Shared paths and versions; sourced by every script.
# shellcheck shell=bash
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KVER=${KVER:-7.3}
# Downloads, the kernel tree and build outputs live here, outside git.
CACHE=${VFIO_RS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-pci-rs}
# Tools the scripts install with cargo live in the cache too (an empty cache starts from nothing).
TOOLS=$CACHE/tools
export PATH="$TOOLS/bin:$HOME/.cargo/bin:/usr/lib/llvm-19/bin:$PATH"
export LIBCLANG_PATH=/usr/lib/llvm-19/lib
# The file naming the built kernel of a variant (rig, debug or bench), and the module built for it.
kernel_record() { if [ "${1:-rig}" = rig ]; then echo "$CACHE/current-kernel"; else echo "$CACHE/current-kernel-$1"; fi; }
module_of() { if [ "${1:-rig}" = rig ]; then echo "$TOP/vfio_pci.ko"; else echo "$TOP/.cache/module-$1/vfio_pci.ko"; fi; }
# A C vfio_pci_core variant driver (virtio-vfio-pci) built from the kernel's source for a variant.
c_variant_of() { echo "$TOP/.cache/c-variant-${1:-rig}"; }
# The rig's own static test tools (tests/guest/bin) built against a variant's uapi headers.
tools_of() { if [ "${1:-rig}" = rig ]; then echo "$TOP/.cache/rig-bin"; else echo "$TOP/.cache/rig-bin-$1"; fi; }
# The Debian mirror the machine's apt sources already name (never a host name in the repo);
# empty when there is none.
apt_mirror() {
	local m
	m=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
		tr ' ' '\n' | grep -v -- '-security' | head -n1 || true)
	[ -n "$m" ] || m=$(awk '/^deb / && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
	echo "$m"
}

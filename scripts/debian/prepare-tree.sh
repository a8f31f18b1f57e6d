#!/usr/bin/env bash
# Prepares a kernel build tree with the Rust metadata a Debian linux-headers package lacks
# (rust/*.rmeta, libmacros.so, the bindings crate and its recorded bindgen command), so that
# Rust modules build against that Debian kernel. Built from the matching linux-source with
# the headers' .config and Debian's own toolchain on PATH (gcc 14, rustc, bindgen: Debian's
# packages, never rustup), then given Debian's Module.symvers and vmlinux (BTF base).
# Refuses, naming both versions, when source, headers or toolchain do not match exactly.
#
# Usage: prepare-tree.sh HEADERS_DIR SOURCE_TARBALL OUT
#   HEADERS_DIR     e.g. /usr/src/linux-headers-7.3.4+deb13-amd64
#   SOURCE_TARBALL  e.g. /usr/src/linux-source-7.3.tar.xz
#   OUT             created: OUT/src (the source), OUT/build (the KDIR for modules)
# HEADERS_VERSION / SOURCE_VERSION: the two packages' Debian versions; read with dpkg-query
# when unset (a Debian host with both installed). JOBS: parallel jobs (default 2).
set -euo pipefail
# shellcheck source=scripts/pkg-lib.sh
. "$(dirname "$0")/../pkg-lib.sh"
[ $# = 3 ] || die "usage: prepare-tree.sh HEADERS_DIR SOURCE_TARBALL OUT"
hdr=$(realpath "$1") tarball=$(realpath "$2") out=$(realpath -m "$3")
jobs=${JOBS:-2}
if [ ! -f "$hdr/.config" ] || [ ! -f "$hdr/Module.symvers" ]; then
	die "$hdr has no .config or Module.symvers"
fi
[ -f "$tarball" ] || die "$tarball does not exist"
krel=$(cat "$hdr/include/config/kernel.release" 2>/dev/null) || die "$hdr has no include/config/kernel.release"
config=$hdr/.config

# 1. The same Debian source version for headers and source.
pkg_version() { # file -> version of the installed package owning it
	local pkg
	pkg=$(dpkg-query -S "$1" 2>/dev/null | head -n1 | cut -d: -f1) || return 0
	[ -z "$pkg" ] || dpkg-query -W -f '${Version}' "$pkg"
}
headers_version=${HEADERS_VERSION:-$(pkg_version "$hdr/.config")}
source_version=${SOURCE_VERSION:-$(pkg_version "$tarball")}
if [ -z "$headers_version" ] || [ -z "$source_version" ]; then
	die "cannot tell the package versions of $hdr and $tarball (set HEADERS_VERSION and SOURCE_VERSION)"
fi
[ "$headers_version" = "$source_version" ] ||
	die "linux-source is $source_version but the headers of $krel are $headers_version: install the linux-source of exactly $headers_version"

# 2. Debian's toolchain, exactly the one that built the kernel.
cc=$(kcfg CONFIG_CC_VERSION_TEXT | cut -d' ' -f1)
check_tool() { # what want have
	[ "$2" = "$3" ] || die "$1 mismatch: the kernel $krel was built with '$2' but this system has '$3'"
}
check_tool "C compiler" "$(kcfg CONFIG_CC_VERSION_TEXT)" "$("$cc" --version 2>/dev/null | head -n1)"
check_tool rustc "$(kcfg CONFIG_RUSTC_VERSION_TEXT)" "$(rustc --version 2>/dev/null)"
check_tool bindgen "$(kcfg CONFIG_BINDGEN_VERSION_TEXT)" "$(bindgen --version 2>/dev/null)"

# 3. The source, configured with the headers' .config, which must come out unchanged.
# Built in place: the build tree names the source and itself by absolute paths.
rm -rf "$out"
mkdir -p "$out/src" "$out/build"
echo "prepare-tree: extracting $tarball" >&2
tar -C "$out/src" --strip-components=1 -xf "$tarball"
srcver=$(make -s -C "$out/src" kernelversion)
case "$krel" in
"$srcver" | "$srcver"[-+]*) ;;
*) die "linux-source is kernel $srcver but the headers are for $krel" ;;
esac
cp "$hdr/.config" "$out/build/.config"
mk() { make -C "$out/src" O="$out/build" CC="$cc" KERNELRELEASE="$krel" "$@"; }
mk -s olddefconfig >&2
if ! cmp -s "$hdr/.config" "$out/build/.config"; then
	echo "prepare-tree: olddefconfig changed Debian's .config (- Debian's, + this toolchain's): the toolchain differs from the one that built $krel" >&2
	diff -u "$hdr/.config" "$out/build/.config" | head -40 >&2 || true
	exit 1
fi

# 4. The Rust crates and everything else out-of-tree modules need.
echo "prepare-tree: modules_prepare for $krel with $(rustc --version) (a few minutes)" >&2
mk -s -j"$jobs" modules_prepare >&2
cp "$hdr/Module.symvers" "$out/build/Module.symvers"
# Module BTF is split BTF on top of the kernel's own: it must be Debian's vmlinux.
[ ! -f "$hdr/vmlinux" ] || cp "$hdr/vmlinux" "$out/build/vmlinux"

# 5. Every Rust symbol Debian's kernel exports must have the same name here, or modules built
# against this tree would not load (the names hash the crate and rustc's version string).
missing=$(comm -23 <(awk '$2 ~ /^_R/ {print $2}' "$hdr/Module.symvers" | sort -u) \
	<(cat "$out/build"/rust/exports_*_generated.h | sed -n 's/.*(\(_R[^)]*\)).*/\1/p' | sort -u) | wc -l)
total=$(awk '$2 ~ /^_R/' "$hdr/Module.symvers" | wc -l)
[ "$missing" = 0 ] || die "$missing of $total Rust exports of Debian's Module.symvers are missing from the rebuilt crates"
echo "prepare-tree: $total Rust exports of Debian's kernel found in the rebuilt crates" >&2

# 6. Only what a module build and the private-layout check read stay: of the source, the
# top-level files, include/, scripts/, rust/, arch/<the kernel's arch>/ and vfio_pci_core's
# sources (drivers/vfio); of the build folder, not the objects of the kernel's crates and
# tools (a module compiles against the crates' .rmeta and links against the running kernel),
# not the host crates the proc macros were built from, and no debug info in the proc macros.
# About 2 GB -> 0.3 GB.
# The build folder's arch/ holds the one architecture it was configured for.
arch=$(ls "$out/build/arch")
[ -d "$out/src/arch/${arch:-none}" ] || die "cannot tell the kernel's architecture (build/arch: $arch)"
find "$out/src" -mindepth 1 -maxdepth 1 -type d \
	! -name include ! -name scripts ! -name rust ! -name arch ! -name drivers -exec rm -rf {} +
find "$out/src/arch" -mindepth 1 -maxdepth 1 ! -name "$arch" -exec rm -rf {} +
find "$out/src/drivers" -mindepth 1 -maxdepth 1 ! -name vfio -exec rm -rf {} +
find "$out/build/rust" "$out/build/tools" -name '*.o' -delete
rm -f "$out/build/rust"/lib{syn,quote,proc_macro2}.rlib
find "$out/build/rust" -name '*.so' -exec strip --strip-debug {} +
echo "prepare-tree: kept $(du -sh "$out" | cut -f1) of source and build" >&2

touch "$out/.prepared"
echo "$out/build"

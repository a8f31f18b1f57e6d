#!/usr/bin/env bash
# Builds the rig kernel (tinyconfig + kvm_guest.config + scripts/kconfig/rig.config) with
# LLVM=-19 into a cache folder keyed by kernel version, fragments and toolchain. A warm run
# only checks the key. Prints the build folder on stdout.
# Usage: build-kernel.sh [rig|debug|bench|kcsan|intree|intree-y]   (debug adds
# scripts/kconfig/debug.config: KASAN, ...; bench adds scripts/kconfig/bench.config: no lock
# debugging; kcsan adds scripts/kconfig/kcsan.config: data races, and KCOV for the guided
# fuzzer; intree builds the source with `make patches`' series applied (scripts/intree/tree.sh)
# and adds scripts/kconfig/intree.config: the driver =m in the tree, C vfio-pci not built;
# intree-y also intree-y.config: the driver built in)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
variant=${1:-rig}
fragments=("$here/kconfig/rig.config")
case "$variant" in
rig) ;;
debug | bench | kcsan | intree) fragments+=("$here/kconfig/$variant.config") ;;
intree-y) fragments+=("$here/kconfig/intree.config" "$here/kconfig/intree-y.config") ;;
*) die "unknown variant '$variant' (rig, debug, bench, kcsan, intree or intree-y)" ;;
esac

pkgver=$(cat "$CACHE/pkg/linux-source-$KVER/VERSION" 2>/dev/null) || die "run scripts/setup.sh first"
src=$CACHE/src/linux-source-$KVER
# One extraction at a time: make check builds the rig and the debug kernel at once, and on an
# empty cache both found the source missing (one tar removed what the other wrote).
mkdir -p "$CACHE/src"
exec 8>"$CACHE/src/.extract.lock"
flock 8
if [ ! -f "$src/.extracted-$pkgver" ]; then
	rm -rf "$src"
	tar -C "$CACHE/src" -xf "$CACHE/pkg/linux-source-$KVER/root/usr/src/linux-source-$KVER.tar.xz"
	touch "$src/.extracted-$pkgver"
fi
flock -u 8
case $variant in intree*) src=$("$here/intree/tree.sh") ;; esac
rust_lib_src=$CACHE/pkg/rust-src/root/usr/lib/rustlib/src/rust/library
# The intree variants' source is a tree of its own (keyed by the series): its path is part of
# their key; the other variants' keys stay what they were.
key_src=; case $variant in intree*) key_src=" $src" ;; esac
key=$( { echo "$pkgver$key_src"; cat "${fragments[@]}"; rustc --version; clang-19 --version | head -1;
         bindgen --version; } | sha256sum | cut -c1-16)
suffix=; [ "$variant" = rig ] || suffix=-$variant
out=$CACHE/kernel-$KVER$suffix-$key
# LOCALVERSION set (empty): no "+" after the release of a source in git (the intree variants).
mk() { make -C "$src" O="$out" ARCH=x86_64 LLVM=-19 LOCALVERSION= RUST_LIB_SRC="$rust_lib_src" "$@"; }

# One build per folder at a time: a second caller waits, then finds it done.
mkdir -p "$CACHE"
exec 9>"$out.lock"
flock 9
if [ -f "$out/.done" ]; then
	echo "build-kernel: cached $out" >&2
	echo "$out"; exit 0
fi
echo "build-kernel: building into $out (about 10 min on 2 cores, debug about 20)" >&2
rm -rf "$out"; mkdir -p "$out"
mk rustavailable >&2 || die "Rust toolchain not usable by the kernel (make rustavailable)"
mk tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
	"$src/kernel/configs/kvm_guest.config" "${fragments[@]}" >/dev/null
mk olddefconfig >/dev/null
# Every option of the fragments must have stuck (the last fragment that names one wins), or
# the rig tests something else.
declare -A want=()
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) want[${line%%=*}]=$line ;;
	"# CONFIG_"*" is not set") opt=${line#\# }; want[${opt%% *}]=$line ;;
	esac
done < <(cat "${fragments[@]}")
missing=0
for opt in "${!want[@]}"; do
	line=${want[$opt]}
	case "$line" in
	CONFIG_*) grep -qx "$line" "$out/.config" ;;
	*) ! grep -q "^$opt=" "$out/.config" ;;
	esac || { echo "build-kernel: option did not stick: $line" >&2; missing=1; }
done
[ $missing = 0 ] || die "kernel config is missing options (see above)"
# The intree variants compile every Rust file with clippy as well: the series must add no
# warning (scripts/intree/check.sh reads build.log).
clippy=(); case $variant in intree*) clippy=(CLIPPY=1) ;; esac
mk -j"$(nproc)" "${clippy[@]}" bzImage modules >"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; die "kernel build failed, log in $out/build.log"; }
mk modules_install INSTALL_MOD_PATH="$out/modinst" INSTALL_MOD_STRIP=1 >/dev/null
mk headers_install INSTALL_HDR_PATH="$out/hdr" >/dev/null
touch "$out/.done"
echo "$out"

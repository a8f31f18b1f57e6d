#!/usr/bin/env bash
# The prepared build tree of Debian's $DEB_KREL kernel, made once in the chroot of its suite with
# Debian's toolchain (scripts/debian/prepare-tree.sh) and cached under a key of every input:
# the kernel packages' version, the chroot's toolchain package versions and these scripts.
# Prints the tree's KDIR (its build folder) on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/debian/lib.sh
. "$here/lib.sh"

root=$("$here/chroot.sh")
"$here/fetch.sh"
pkg=$DEBDIR/pkg
hdr=$pkg/linux-headers-$DEB_KREL/root/usr/src/linux-headers-$DEB_KREL
hver=$(cat "$pkg/linux-headers-$DEB_KREL/VERSION")
tarball=$pkg/${DEB_KSRC}_$hver/root/usr/src/$DEB_KSRC.tar.xz
sver=$(cat "$pkg/${DEB_KSRC}_$hver/VERSION")
toolchain=$(in_chroot "$root" dpkg-query -W rustc rust-src bindgen binutils dwarves make 'gcc-[0-9]*' 'libclang-[0-9]*-dev')
key=$( { echo "$hver $sver"; echo "$toolchain"; cat "$here/prepare-tree.sh" "$here/../pkg-lib.sh" "$here/tree.sh"; } |
	sha256sum | cut -c1-16)
out=$DEBDIR/tree-$DEB_KREL-$key

exec 9>"$out.lock"
flock 9
if [ ! -f "$out/.prepared" ]; then
	echo "tree: preparing $out" >&2
	start=$(date +%s)
	in_chroot "$root" env JOBS="${JOBS:-2}" HEADERS_VERSION="$hver" SOURCE_VERSION="$sver" \
		"$here/prepare-tree.sh" "$hdr" "$tarball" "$out" >/dev/null
	echo "tree: prepared in $(($(date +%s) - start)) s" >&2
	# Trees of other inputs are of no more use.
	for old in "$DEBDIR/tree-$DEB_KREL"-*; do
		[ "$old" = "$out" ] || [ ! -d "$old" ] || rm -rf "$old" "$old.lock"
	done
fi
echo "$out/build"

#!/usr/bin/env bash
# Builds this module for Debian's $DEB_KREL kernel, as a Debian host would: inside the
# chroot of its suite, with that suite's gcc and rustc (no LLVM; the Makefile takes the kernel's CC), against
# the prepared build tree (scripts/debian/tree.sh). Built in a copy under .cache/ of the
# checkout so it never mixes with the rig's build. Extra arguments go to make (e.g. CLIPPY=1).
# Prints the .ko path on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/debian/lib.sh
. "$here/lib.sh"

root=$("$here/chroot.sh")
kdir=$("$here/tree.sh")
dir=$TOP/.cache/module-debian-$DEB_KERNEL
mkdir -p "$dir"
rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
	"$TOP/Kbuild" "$TOP/Makefile" "$TOP/src" "$TOP/scripts" "$dir/"
in_chroot "$root" make -s -C "$dir" KDIR="$kdir" "$@" modules >&2
echo "$dir/vfio_pci.ko"

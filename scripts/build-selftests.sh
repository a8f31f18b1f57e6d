#!/usr/bin/env bash
# Builds the upstream vfio kselftests of the 7.3 tree, unmodified, statically linked against
# the rig kernel's installed uapi headers. Usage: build-selftests.sh KERNEL_BUILD_DIR
# Prints the folder with the binaries on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
kout=${1:?usage: build-selftests.sh KERNEL_BUILD_DIR}
src=$CACHE/src/linux-source-$KVER
out=$kout/selftests-vfio
# One build per kernel at a time (two checkouts' rig.sh may run at once): a second caller
# waits, then finds it done.
exec 9>"$out.lock"
flock 9
if [ -f "$out/.done" ]; then echo "$out"; exit 0; fi
rm -rf "$out"; mkdir -p "$out"
make -C "$src/tools/testing/selftests/vfio" OUTPUT="$out" \
	KHDR_INCLUDES="-isystem $kout/hdr/include" CC=gcc LDFLAGS="-static -pthread" \
	>"$out/build.log" 2>&1 || { tail -30 "$out/build.log" >&2; echo "build-selftests: failed" >&2; exit 1; }
touch "$out/.done"
echo "$out"

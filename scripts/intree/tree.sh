#!/usr/bin/env bash
# The kernel tree with the series applied, as a maintainer applies it: `git am` of
# `make patches`' series on a clean linux-source-7.3 in git. The clean tree is committed once
# (cached under the package's version); each series gets a clone of it (objects shared), cached
# under the patches' content (not their dates, not the cover letter): a warm run only checks
# the key. Prints the tree.
# Called by scripts/build-kernel.sh (variants intree, intree-y), which extracts the source.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh"
src=$CACHE/src/linux-source-$KVER
[ -f "$src/Makefile" ] || die "no linux-source-$KVER in $src (scripts/build-kernel.sh extracts it)"
pkgver=$(cat "$CACHE/pkg/linux-source-$KVER/VERSION")
git_id=(-c user.name="vfio-pci-rs rig" -c user.email=rig@example.org -c gc.auto=0
	-c maintenance.auto=false)

base=$CACHE/src/linux-git-$KVER-$pkgver
exec 8>"$base.lock"
flock 8
if [ ! -f "$base/.done" ]; then
	echo "intree: committing the clean linux-source-$pkgver to git ($base)" >&2
	rm -rf "$base"
	cp -a "$src" "$base"
	rm -f "$base"/.extracted-*
	git -C "$base" init -q
	git -C "$base" add -A -f # Debian's top-level .gitignore ignores everything
	git -C "$base" "${git_id[@]}" commit -q -m "linux-source-$pkgver"
	touch "$base/.done"
fi
flock -u 8

series=$(mktemp -d)
trap 'rm -rf "$series"' EXIT
"$here/mkpatches.sh" "$series" >/dev/null
key=$( { echo "$pkgver"; sed -e '/^From [0-9a-f]\{40\} /d' -e '/^Date: /d' "$series"/000[1-9]-*.patch; } |
	sha256sum | cut -c1-16)
tree=$CACHE/src/linux-intree-$KVER-$key
exec 9>"$tree.lock"
flock 9
if [ -f "$tree/.done" ]; then
	echo "intree: cached $tree" >&2
	echo "$tree"; exit 0
fi
echo "intree: git am of the series on a clone of the clean tree ($tree)" >&2
rm -rf "$tree"
git clone -q --shared "$base" "$tree"
git -C "$tree" "${git_id[@]}" am -q "$series"/000[1-9]-*.patch ||
	die "the series does not apply to linux-source-$pkgver (git am, in $tree)"
touch "$tree/.done"
echo "$tree"

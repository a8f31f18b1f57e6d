#!/usr/bin/env bash
# Builds the Debian source-install package vfio-pci-rs-dkms (arch all) with dpkg-deb: the
# module's sources for DKMS in /usr/src/vfio-pci-rs-VERSION, the depmod override that makes
# modprobe pick it over the kernel's C vfio-pci, and vfio-pci-rs-prepare-tree for kernels
# whose headers lack the Rust metadata. Maintainer scripts do what dh_dkms's do.
# Prints the .deb path on stdout (under dist/ of the checkout).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/common.sh
. "$here/../common.sh"
name=vfio-pci-rs
# Cargo.toml's version, plus the commit it was built from.
base=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$TOP/Cargo.toml" | head -n1)
# DEB_VERSION: another version (a packager's; the upgrade test's).
ver=${DEB_VERSION:-$base+git$(git -C "$TOP" log -1 --format=%cd --date=format:%Y%m%d).$(git -C "$TOP" rev-parse --short=7 HEAD)}
pkg=$TOP/.cache/deb/$name-dkms
rm -rf "$pkg"
src=$pkg/usr/src/$name-$ver
mkdir -p "$src/scripts" "$pkg/DEBIAN" "$pkg/etc/depmod.d" "$pkg/usr/sbin" \
	"$pkg/usr/share/$name" "$pkg/usr/share/doc/$name-dkms"

# The sources as git sees them (tracked or new, never build products or generated files).
git -C "$TOP" ls-files -co --exclude-standard -- Kbuild Makefile src |
	while IFS= read -r f; do install -D -m 644 "$TOP/$f" "$src/$f"; done
install -m 755 "$TOP/scripts/gen-vfio-bindings.sh" "$TOP/scripts/check-private-layout.sh" \
	"$TOP/scripts/dkms-make.sh" "$TOP/scripts/dkms-check.sh" "$TOP/scripts/dkms-pre-build.sh" "$src/scripts/"
install -m 644 "$TOP/scripts/pkg-lib.sh" "$src/scripts/"
sed "s/@VERSION@/$ver/" "$TOP/dkms.conf" >"$src/dkms.conf"
install -D -m 755 "$here/prepare-tree.sh" "$pkg/usr/share/$name/scripts/debian/prepare-tree.sh"
install -m 644 "$TOP/scripts/pkg-lib.sh" "$pkg/usr/share/$name/scripts/pkg-lib.sh"
install -m 755 "$here/vfio-pci-rs-prepare-tree" "$pkg/usr/sbin/vfio-pci-rs-prepare-tree"
echo "override vfio_pci * updates/dkms" >"$pkg/etc/depmod.d/$name.conf"
# A new version installs over an earlier one's module whatever their modinfo says (the module
# has no version field, and two builds may be byte-identical): DKMS's own switch for that.
mkdir -p "$pkg/usr/share/dkms/modules_to_force_install"
echo "${name}_version-override" >"$pkg/usr/share/dkms/modules_to_force_install/$name"
# Debian's convention for who builds a package: DEBFULLNAME and DEBEMAIL (a local build
# without them names the local root: scripts/debian/lintian-overrides).
maintainer="${DEBFULLNAME:-vfio-pci-rs developers} <${DEBEMAIL:-root@localhost}>"
cat >"$pkg/usr/share/doc/$name-dkms/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: vfio-pci-rs
Comment: vfio-pci in Rust, a drop-in replacement for the Linux vfio-pci driver.

Files: *
Copyright: 2026 vfio-pci-rs developers
License: GPL-2.0
 On Debian systems, the full text of the GNU General Public License version 2
 is in /usr/share/common-licenses/GPL-2.
COPYRIGHT
# A native package's changelog: this build, from the commit it was made of.
{
	printf '%s (%s) unstable; urgency=medium\n\n' "$name" "$ver"
	printf '  * Built from commit %s.\n\n' "$(git -C "$TOP" rev-parse HEAD)"
	printf ' -- %s  %s\n' "$maintainer" "$(git -C "$TOP" log -1 --format=%cD)"
} | gzip -9n >"$pkg/usr/share/doc/$name-dkms/changelog.gz"
# Argued in the file itself: a locally built package has no maintainer address to name.
install -D -m 644 "$here/lintian-overrides" "$pkg/usr/share/lintian/overrides/$name-dkms"
mkdir -p "$pkg/usr/share/man/man8"
gzip -9n <"$here/vfio-pci-rs-prepare-tree.8" >"$pkg/usr/share/man/man8/vfio-pci-rs-prepare-tree.8.gz"

cat >"$pkg/DEBIAN/control" <<CONTROL
Package: $name-dkms
Version: $ver
Architecture: all
Section: kernel
Priority: optional
Maintainer: $maintainer
Depends: dkms (>= 3.1.5), rustc, rust-src, bindgen, libclang-dev, make, flex, bison, bc, libelf-dev, libssl-dev, dwarves, binutils, openssl, xz-utils, kmod, python3
Recommends: linux-source-7.3
Installed-Size: $(du -sk "$pkg" | cut -f1)
Description: vfio-pci in Rust (DKMS source)
 A drop-in replacement for the kernel's C vfio-pci driver, with the SR-IOV VF
 token implemented in Rust. DKMS builds it for each kernel with CONFIG_RUST and
 CONFIG_VFIO_PCI_CORE and installs it to updates/dkms, where modprobe vfio-pci
 picks it over the C module; removing this package brings the C driver back.
 Debian's headers lack the kernel's Rust metadata: the build first makes it
 from linux-source (about 300 MB per kernel in /var/lib/vfio-pci-rs, removed on
 purge).
CONTROL
echo "/etc/depmod.d/$name.conf" >"$pkg/DEBIAN/conffiles"
# Both maintainer scripts refresh the initramfs of the kernels they touch, where the image
# holds a vfio_pci module (boot-time binding: "options vfio-pci ids=...", "softdep igb pre:
# vfio-pci"), so that the image loads the module the root filesystem now resolves to. A
# kernel installed later needs nothing: its DKMS hook runs before the initramfs hook.
refresh_initramfs=$(sed "s/@NAME@/$name/g; s/@VERSION@/$ver/g" <<'SH'
refresh_initramfs() { # KERNEL...
	for k in "$@"; do
		img=/boot/initrd.img-$k
		[ -f "$img" ] || continue
		if command -v lsinitramfs >/dev/null; then list=lsinitramfs
		elif command -v lsinitrd >/dev/null; then list=lsinitrd
		else continue; fi
		$list "$img" 2>/dev/null | grep -q '/vfio[-_]pci\.ko' || continue
		if command -v update-initramfs >/dev/null; then
			update-initramfs -u -k "$k" || echo "@NAME@: update-initramfs -u -k $k failed" >&2
		elif command -v dracut >/dev/null; then
			dracut -f --kver "$k" || echo "@NAME@: dracut -f --kver $k failed" >&2
		fi
	done
}
# built_kernels [VERSION]: the kernels with a build of VERSION (default: this one), from
# "NAME/VERSION, KERNEL, ARCH: installed".
built_kernels() {
	dkms status -m @NAME@ -v "${1:-@VERSION@}" 2>/dev/null | sed -n 's/^[^,]*, \([^,]*\),.*: installed.*/\1/p'
}
# The versions DKMS has, this one's among them.
dkms_versions() {
	dkms status -m @NAME@ 2>/dev/null | sed -n 's|^@NAME@/\([^,:]*\)[,:].*|\1|p' | sort -u
}
SH
)
cat >"$pkg/DEBIAN/postinst" <<POSTINST
#!/bin/sh
set -e
$refresh_initramfs
if [ "\$1" = configure ]; then
	# As dh_dkms: register the sources with DKMS and build them for the installed kernels. A
	# build that fails (a skipped one is not a failure) leaves its kernel as it was, with an
	# earlier version's build or C vfio-pci: dpkg configures the package either way.
	/usr/lib/dkms/common.postinst $name $ver "" "" "\$2" ||
		echo "$name: a build of $ver failed (dkms status -m $name; make.log in /var/lib/dkms/$name/$ver): those kernels keep the vfio-pci they had" >&2
	# A reinstall of this version kept its own sources.
	rm -rf "/var/lib/$name/previous/$name-$ver"
	# An earlier version's builds, which its prerm kept over the upgrade, go where this
	# version is installed; a kernel this one could not be built for keeps its own.
	for old in \$(dkms_versions); do
		[ "\$old" != "$ver" ] || continue
		for k in \$(built_kernels "\$old"); do
			if built_kernels | grep -qxF "\$k"; then
				dkms remove -m $name -v "\$old" -k "\$k" >/dev/null ||
					echo "$name: could not remove \$old's build for \$k" >&2
			fi
		done
		if [ -z "\$(built_kernels "\$old")" ]; then
			dkms remove -m $name -v "\$old" --all >/dev/null 2>&1 || true
			rm -rf "/var/lib/$name/previous/$name-\$old"
		else
			echo "$name: \$old stays for: \$(built_kernels "\$old" | tr '\\n' ' ')" >&2
		fi
	done
	refresh_initramfs \$(built_kernels)
fi
POSTINST
cat >"$pkg/DEBIAN/prerm" <<PRERM
#!/bin/sh
set -e
$refresh_initramfs
case "\$1" in
upgrade)
	# Unlike dh_dkms, this version's builds stay installed until the new version's postinst
	# has built its own. dpkg removes /usr/src/$name-$ver with this package's files, and DKMS
	# needs them to remove the builds later: they move to /var/lib/$name/previous.
	if [ -n "\$(dkms status -m $name -v $ver)" ] && [ -d /usr/src/$name-$ver ]; then
		mkdir -p /var/lib/$name/previous
		rm -rf /var/lib/$name/previous/$name-$ver
		cp -a /usr/src/$name-$ver /var/lib/$name/previous/
		ln -sfn /var/lib/$name/previous/$name-$ver /var/lib/dkms/$name/$ver/source
	fi
	;;
remove | deconfigure)
	# As dh_dkms: remove every build, of this version and of any earlier one kept (dkms runs
	# depmod: the C driver is back).
	kernels=\$(for v in \$(dkms_versions); do built_kernels "\$v"; done | sort -u)
	for v in \$(dkms_versions); do
		dkms remove -m $name -v "\$v" --all || echo "$name: could not remove \$v's builds" >&2
	done
	rm -rf /var/lib/$name/previous
	refresh_initramfs \$kernels
	;;
esac
PRERM
cat >"$pkg/DEBIAN/postrm" <<POSTRM
#!/bin/sh
set -e
# The kernel build trees vfio-pci-rs-prepare-tree made (about 300 MB each) go with a purge.
if [ "\$1" = purge ]; then
	rm -rf /var/lib/$name
fi
POSTRM
chmod 755 "$pkg/DEBIAN/postinst" "$pkg/DEBIAN/prerm" "$pkg/DEBIAN/postrm"

mkdir -p "$TOP/dist"
deb=$TOP/dist/${name}-dkms_${ver}_all.deb
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
echo "$deb"

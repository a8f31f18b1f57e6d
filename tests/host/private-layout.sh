#!/usr/bin/env bash
# scripts/check-private-layout.sh must stop a build whose copy of vfio_pci_core's private
# struct vfio_pci_vf_token is not the kernel's. A temporary copy of src/vfio_pci_core_priv.h
# with `uuid` and `users` swapped is refused
#  (a) in a source tree: the rig's linux-source;
#  (b) in a tree without source, on BTF only: Debian's headers package (its vmlinux, no .c
#      files) with vfio-pci-core.ko.xz of its modules package (scripts/debian/fetch.sh, cached),
#      and a tree with no vmlinux, where the base BTF comes from Debian's vmlinuz;
#  (c) in a tree with neither, where the real copy is refused too, with the reason;
# and the real copy passes in (a) and (b). Where the rig's module has been built, its compiled
# layout (another kernel's configuration) is refused on Debian's BTF, and where the module has
# been built for Debian (scripts/debian/build-module.sh), that layout passes.
# Prints "ok - ..." / "not ok - ..." per case; exits non-zero when one fails.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/debian/lib.sh
. "$here/../../scripts/debian/lib.sh"
check=$TOP/scripts/check-private-layout.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

real=$TOP/src/vfio_pci_core_priv.h
swapped=$tmp/vfio_pci_core_priv.h
awk '/^\tuuid_t\t/ { uuid = $0; next } /^\tint\t/ { print; print uuid; next } { print }' "$real" >"$swapped"
if cmp -s "$real" "$swapped" || [ "$(grep -cE '^\s+(uuid_t|int)\s' "$swapped")" != 2 ]; then
	echo "not ok - cannot make the swapped copy of $real"
	exit 1
fi

# expect pass|fail NAME GREP KDIR KSRC COPY LAYOUT [MODDIR]: runs the check; it must pass or
# fail as said, printing a line that matches GREP.
expect() {
	local want=$1 name=$2 pattern=$3 out rc
	shift 3
	out=$(VFIO_RS_MODDIR=${5:-$tmp/no-modules} "$check" "$1" "$2" "$3" "$4" 2>&1)
	rc=$?
	if { [ "$want" = pass ] && [ $rc = 0 ]; } || { [ "$want" = fail ] && [ $rc != 0 ]; }; then
		if grep -qE -- "$pattern" <<<"$out"; then
			echo "ok - $name: $out"
			return
		fi
	fi
	echo "not ok - $name (exit $rc, expected to $want with /$pattern/): $out"
	failed=1
}

# (a) The rig's kernel source; a build folder that is only a release name.
stub=$tmp/build
mkdir -p "$stub/include/config" "$tmp/empty"
echo "$KVER-private-layout-test" >"$stub/include/config/kernel.release"
src=$CACHE/src/linux-source-$KVER
if [ -f "$src/drivers/vfio/pci/vfio_pci_core.c" ]; then
	expect pass "source: the real copy" 'checked against: source$' "$stub" "$src" "$real" -
	expect fail "source: uuid and users swapped" 'vfio_pci_core.c\) is not the copy' "$stub" "$src" "$swapped" -
else
	echo "not ok - no kernel source in $src (scripts/setup.sh downloads it)"
	failed=1
fi

# (b) BTF only: Debian's headers (a tree without .c files) and modules.
if "$TOP/scripts/debian/fetch.sh" 2>/dev/null; then
	hdr=$DEBDIR/pkg/linux-headers-$DEB_KREL/root/usr/src/linux-headers-$DEB_KREL
	mods=$DEBDIR/pkg/linux-modules-$DEB_KREL/root/usr/lib/modules/$DEB_KREL
	expect pass "BTF: the real copy" 'checked against: BTF of .*vfio-pci-core.ko.xz$' "$hdr" "$hdr" "$real" - "$mods"
	expect fail "BTF: uuid and users swapped" \
		'is \{struct mutex lock; uuid_t uuid; int users\}, the copy in vfio_pci_core_priv.h \{struct mutex lock; int users; uuid_t uuid\}' \
		"$hdr" "$hdr" "$swapped" - "$mods"
	# The same without a vmlinux in the tree: the base BTF from Debian's vmlinuz, extracted
	# with the kernel source's scripts/extract-vmlinux (a tree holding nothing else).
	mkdir -p "$tmp/bare/build/include/config" "$tmp/bare/src/scripts" "$tmp/bare/modules"
	cp "$hdr/include/config/kernel.release" "$tmp/bare/build/include/config/"
	cp "$src/scripts/extract-vmlinux" "$tmp/bare/src/scripts/"
	ln -s "$mods/kernel" "$tmp/bare/modules/kernel"
	ln -s "$DEBDIR/pkg/linux-binary-$DEB_KREL/root/usr/lib/modules/$DEB_KREL/vmlinuz" "$tmp/bare/modules/vmlinuz"
	expect pass "BTF on vmlinuz: the real copy" 'checked against: BTF of' \
		"$tmp/bare/build" "$tmp/bare/src" "$real" - "$tmp/bare/modules"
	expect fail "BTF on vmlinuz: uuid and users swapped" 'the copy in vfio_pci_core_priv.h \{struct mutex lock; int users; uuid_t uuid\}' \
		"$tmp/bare/build" "$tmp/bare/src" "$swapped" - "$tmp/bare/modules"
	if [ -f "$TOP/generated/c_layout.rs" ]; then
		expect fail "BTF: the rig module's compiled layout" 'BTF of .*vfio-pci-core.ko.xz' \
			"$hdr" "$hdr" "$real" "$TOP/generated/c_layout.rs" "$mods"
	else
		echo "# no rig module build ($TOP/generated/c_layout.rs): its layout not tried on Debian's BTF"
	fi
	if [ -f "$TOP/.cache/module-debian-$DEB_KERNEL/generated/c_layout.rs" ]; then
		expect pass "BTF: the Debian module's compiled layout" 'checked against: BTF of' \
			"$hdr" "$hdr" "$real" "$TOP/.cache/module-debian-$DEB_KERNEL/generated/c_layout.rs" "$mods"
	else
		echo "# no Debian module build (.cache/module-debian-$DEB_KERNEL): its layout not tried on Debian's BTF"
	fi
else
	echo "not ok - Debian's kernel packages could not be fetched (scripts/debian/fetch.sh)"
	failed=1
fi

# (c) Neither: refused, the real copy too.
expect fail "neither: the real copy refused" \
	"cannot verify struct vfio_pci_vf_token for $KVER-private-layout-test: no kernel source and no BTF of vfio-pci-core.ko\$" \
	"$stub" "$tmp/empty" "$real" -
exit $failed

#!/usr/bin/env bash
# Boot-time binding as Debian hosts set it up: `options vfio-pci ids=8086:10ca` (the igb VFs)
# and `softdep igb pre: vfio-pci` in /etc/modprobe.d, vfio-pci in
# /etc/initramfs-tools/modules, and igb making two VFs per PF at probe (`options igb
# max_vfs=2`). In the Debian guest of the debian suite (scripts/debian/guest.sh: the package
# installed with DKMS), Debian's initramfs-tools (with udev, as on a Debian host) makes two
# images of DEB_KERNEL: one with the package's depmod override (ours) and one without it (C's).
# Debian's own vmlinuz boots each in the rig; the image mounts the root itself (9p, the only
# addition the rig needs) and runs tests/guest/initrd-boot.sh as PID 1, which checks who got
# the VFs before anything of the root system ran. Both boots must pass, with the same bindings.
# Prints one "ok - " / "not ok - " line per check.
# Usage: initrd-boot-test.sh [TIMEOUT_SECONDS]     Exits non-zero when a boot fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/debian/lib.sh
. "$here/lib.sh"
timeout_s=${1:-1200}

debian_guest || die "the Debian guest could not be prepared (scripts/debian/guest.sh)"
key=$( {
	echo "$deb_lower"
	cd "$TOP" && sha256sum scripts/debian/initrd-boot-test.sh
} | sha256sum | cut -c1-16)
layer=$DEBDIR/initrd-$key
exec 9>"$DEBDIR/initrd.lock"
flock 9
if [ ! -f "$layer/.done" ]; then
	for old in "$DEBDIR"/initrd-*/; do
		if [ -n "$(find "$old.done" -mmin +1440 2>/dev/null)" ]; then rm -rf "$old" "${old%/}.log"; fi
	done
	rm -rf "$layer"
	mkdir -p "$layer"
	t0=$(date +%s)
	# shellcheck disable=SC2016 # expanded in the chroot
	DEB_OVERLAY=$layer in_chroot "$deb_lower" /bin/bash -euc '
		krel=$1
		export DEBIAN_FRONTEND=noninteractive
		apt-get -o DPkg::Lock::Timeout=600 update -qq
		apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
			initramfs-tools udev zstd >/dev/null
		apt-get clean
		cat >/etc/modprobe.d/vfio-boot.conf <<-EOF
			options vfio-pci ids=8086:10ca
			softdep igb pre: vfio-pci
			options igb max_vfs=2
		EOF
		# vfio-pci as the vfio guides have it; 9p for the rig, whose root is shared over 9p.
		printf "%s\n" vfio-pci 9pnet_virtio 9p >>/etc/initramfs-tools/modules
		# (the listing is read whole: grep -q would end cpio with SIGPIPE)
		in_image() { lsinitramfs "$1" >/tmp/list && grep -E "/vfio[-_]pci\.ko|vfio-boot.conf" /tmp/list || true; }
		update-initramfs -c -k "$krel"
		img=/boot/initrd.img-$krel
		echo "ours: $(in_image "$img")"
		holds() { [[ $(in_image "$1") == *"$2"* ]]; }
		holds "$img" updates/dkms/vfio_pci.ko && holds "$img" etc/modprobe.d/vfio-boot.conf ||
			{ echo "the image does not hold the DKMS module and vfio-boot.conf"; exit 1; }
		# C'"'"'s image: the same system without the module DKMS installed (depmod prefers
		# updates/ with or without the package'"'"'s override).
		mods=/lib/modules/$krel
		mv "$mods/updates" /root/updates
		depmod "$krel"
		mkinitramfs -o "$img-c" "$krel"
		mv /root/updates "$mods/updates"
		depmod "$krel"
		echo "C: $(in_image "$img-c")"
		holds "$img-c" kernel/drivers/vfio/pci/vfio-pci.ko && holds "$img-c" etc/modprobe.d/vfio-boot.conf ||
			{ echo "the C image does not hold C vfio-pci and vfio-boot.conf"; exit 1; }
		! holds "$img-c" updates/dkms || { echo "the C image holds the DKMS module"; exit 1; }
		ls -l /boot
	' initrd "$DEB_KREL" >"$layer.log" 2>&1 ||
		{ tail -30 "$layer.log" >&2; die "making the initramfs images failed, log in $layer.log"; }
	echo "initrd: initramfs-tools and the two images in $(($(date +%s) - t0))s" >&2
	touch "$layer/.done"
fi
touch "$layer/.done"

# The checks, in a layer of their own over the images' (they change more often than the images).
checks=$CACHE/initrd-checks
rm -rf "$checks"
install -D -m 755 "$TOP/tests/guest/initrd-boot.sh" "$checks/usr/local/lib/vfio-rig/initrd-boot.sh"
install -m 644 "$TOP/tests/guest/lib.sh" "$checks/usr/local/lib/vfio-rig/lib.sh"

# One boot after the other (one vCPU each under TCG; make check runs this in one of its lanes).
img=$layer/upper/boot/initrd.img-$DEB_KREL
rc=0
for drv in c rs; do
	file=$img; [ $drv = c ] && file=$img-c
	out=$CACHE/logs/initrd-boot-$drv.out
	RIG_VARIANT=debian RIG_TAG=initrd-$drv RIG_DEB_LAYER=$checks:$layer/upper RIG_DEB_INITRD=$file \
		RIG_DEB_INIT=/usr/local/lib/vfio-rig/initrd-boot.sh RIG_APPEND="rig.expect=$drv" \
		"$TOP/scripts/run-vm.sh" initrd "$timeout_s" >"$out" 2>&1 || rc=1
	grep -E "^# (image|kernel log|binding)" "$out" || true
	# One result line per check and driver ("ok - c: ...").
	sed -n "s/^\(ok\|not ok\) [0-9]* /\1 - $drv: /p" "$out"
	grep -q "^# Totals: .* fail:0 " "$out" || { echo "not ok - $drv: the boot ended early"; tail -n 20 "$out"; rc=1; }
done
bindings() { sed -n 's/^# binding: //p' "$CACHE/logs/initrd-boot-$1.out"; }
if [ -n "$(bindings c)" ] && [ "$(bindings c)" = "$(bindings rs)" ]; then
	echo "ok - the functions are bound the same at boot with C and Rust vfio-pci"
else
	echo "not ok - the bindings at boot differ between C and Rust (or are missing)"
	rc=1
fi
exit $rc

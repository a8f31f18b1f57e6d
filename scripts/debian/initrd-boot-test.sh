#!/usr/bin/env bash
# Boot-time binding as Debian hosts set it up: `options vfio-pci ids=8086:10ca` (the igb VFs)
# and `softdep igb pre: vfio-pci` in /etc/modprobe.d, vfio-pci in the image, and igb making
# two VFs per PF at probe (`options igb max_vfs=2`). In the Debian guest of the debian suite
# (scripts/debian/guest.sh: the package installed with DKMS), Debian's image tool makes two
# images of DEB_KERNEL: one of the system as it is (ours) and one of the same system without
# the module DKMS installed (C's). Debian's own vmlinuz boots each in the rig; the image mounts
# the root itself (9p, the only addition the rig needs) and runs tests/guest/initrd-boot.sh as
# PID 1, which checks who got the VFs before anything of the root system ran. Both boots must
# pass, with the same bindings. Prints one "ok - " / "not ok - " line per check.
# Usage: initrd-boot-test.sh [initramfs-tools|dracut] [TIMEOUT_SECONDS]
#   initramfs-tools  Debian's default: vfio-pci in /etc/initramfs-tools/modules
#   dracut           /etc/dracut.conf.d/vfio.conf as docs/debian.md has it (dracut's default
#                    image on Debian leaves /etc/modprobe.d out)
# Exits non-zero when a boot fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/debian/lib.sh
. "$here/lib.sh"
tool=${1:-initramfs-tools}
timeout_s=${2:-3600}
init=/usr/local/lib/vfio-rig/initrd-boot.sh
case $tool in initramfs-tools | dracut) ;; *) die "unknown image tool '$tool' (initramfs-tools or dracut)" ;; esac
# The rig's root, the 9p share "rigroot", which both images (and systemd in dracut's) mount.
root_args="root=rigroot rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=262144"

debian_guest || die "the Debian guest could not be prepared (scripts/debian/guest.sh)"
key=$( {
	echo "$deb_lower $tool"
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
		krel=$1 tool=$2
		export DEBIAN_FRONTEND=noninteractive
		apt-get -o DPkg::Lock::Timeout=600 update -qq
		apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
			"$tool" udev zstd >/dev/null
		apt-get clean
		cat >/etc/modprobe.d/vfio-boot.conf <<-EOF
			options vfio-pci ids=8086:10ca
			softdep igb pre: vfio-pci
			options igb max_vfs=2
		EOF
		img=/boot/initrd.img-$krel
		if [ "$tool" = initramfs-tools ]; then
			# vfio-pci as the vfio guides have it; 9p for the rig, whose root is 9p.
			printf "%s\n" vfio-pci 9pnet_virtio 9p >>/etc/initramfs-tools/modules
			# A 9p root has no device to wait for: the image settles udev for 10 s only, and
			# on a busy host igb could still be loading when this PID 1 replaces the system.
			s=/etc/initramfs-tools/scripts/local-premount/rig-settle
			mkdir -p "${s%/*}"
			printf "%s\n" "#!/bin/sh" "[ \"\$1\" = prereqs ] && exit 0" "udevadm settle --timeout=1800" >$s
			chmod 755 $s
			make_image() { mkinitramfs -o "$1" "$krel"; }
			list() { lsinitramfs "$1"; }
		else
			# dracut: the driver loaded first, and the options file, which a generic image
			# (Debian'"'"'s default) leaves out. virtfs for the rig.
			cat >/etc/dracut.conf.d/vfio.conf <<-EOF
				force_drivers+=" vfio-pci "
				install_items+=" /etc/modprobe.d/vfio-boot.conf "
			EOF
			# The rig'"'"'s 9p root, a module of three hooks. With systemd in the image (Debian'"'"'s
			# dracut where systemd is installed) systemd mounts root=rigroot rootfstype=9p
			# itself; dracut'"'"'s virtfs module handles root=virtfs only without systemd.
			# - cmdline: tells the parser this root is known, and loads 9pnet_virtio whole
			#   before udev starts (the module registers its transport before it binds its
			#   channels: a mount racing udev'"'"'s load of it failed with "no channels available").
			# - pre-mount: waits for udev'"'"'s coldplug, as a real root'"'"'s device unit would: this
			#   PID 1 replaces the root system, so igb must be loaded in the image, not after.
			# - emergency: powers off (the emergency shell would wait for a key on a locked root
			#   account until the rig'"'"'s idle limit; poweroff is not in the image, sysrq is).
			m=/usr/lib/dracut/modules.d/90rig9proot
			mkdir -p $m
			printf "%s\n" "check() { return 255; }" "depends() { return 0; }" \
				"installkernel() { instmods 9p 9pnet_virtio; }" \
				"install() {" \
				"	inst_hook cmdline 90 \"\$moddir/parse-rig9proot.sh\"" \
				"	inst_hook pre-mount 90 \"\$moddir/rig-settle.sh\"" \
				"	inst_hook emergency 00 \"\$moddir/rig-poweroff.sh\"" \
				"}" >$m/module-setup.sh
			printf "%s\n" "#!/bin/sh" \
				"if [ \"\$root\" = rigroot ]; then rootok=1; modprobe -q 9pnet_virtio; fi" >$m/parse-rig9proot.sh
			printf "%s\n" "#!/bin/sh" "udevadm settle --timeout=1800" >$m/rig-settle.sh
			printf "%s\n" "#!/bin/sh" "echo \"rig: the boot failed, powering off\" >/dev/console" \
				"echo o >/proc/sysrq-trigger" "sleep 30" >$m/rig-poweroff.sh
			chmod 755 $m/*.sh
			# igb in the image too, as in initramfs-tools'"'"' (MODULES=most): a generic dracut
			# image has no NIC driver (the root system'"'"'s udev would load it after the
			# switch, which this PID 1 replaces), and the check is of the order in the image.
			printf "%s\n" "add_dracutmodules+=\" rig9proot \"" "add_drivers+=\" igb \"" >/etc/dracut.conf.d/rig.conf
			make_image() { dracut -f --kver "$krel" "$1"; }
			list() { lsinitrd "$1"; }
		fi
		# The listing is read whole: grep -q would end cpio with SIGPIPE.
		holds() { list "$1" >/tmp/list 2>/dev/null; grep -q -- "$2" /tmp/list; }
		shown() { list "$1" 2>/dev/null | grep -E "vfio[-_]pci\.ko|vfio-boot\.conf" || true; }
		make_image "$img"
		echo "ours: $(shown "$img")"
		holds "$img" updates/dkms/vfio_pci.ko && holds "$img" etc/modprobe.d/vfio-boot.conf ||
			{ echo "the image does not hold the DKMS module and vfio-boot.conf"; exit 1; }
		# C'"'"'s image: the same system without the module DKMS installed (depmod prefers
		# updates/ with or without the package'"'"'s override).
		mods=/lib/modules/$krel
		mv "$mods/updates" /root/updates
		depmod "$krel"
		make_image "$img-c"
		mv /root/updates "$mods/updates"
		depmod "$krel"
		echo "C: $(shown "$img-c")"
		holds "$img-c" kernel/drivers/vfio/pci/vfio-pci.ko && holds "$img-c" etc/modprobe.d/vfio-boot.conf ||
			{ echo "the C image does not hold C vfio-pci and vfio-boot.conf"; exit 1; }
		! holds "$img-c" updates/dkms || { echo "the C image holds the DKMS module"; exit 1; }
		ls -l /boot
	' initrd "$DEB_KREL" "$tool" >"$layer.log" 2>&1 ||
		{ tail -30 "$layer.log" >&2; die "making the $tool images failed, log in $layer.log"; }
	echo "initrd: $tool and its two images in $(($(date +%s) - t0))s" >&2
	touch "$layer/.done"
fi
touch "$layer/.done"
exec 9>&-

# The checks, in a layer of their own over the images' (they change more often than the images).
checks=$CACHE/initrd-checks-$tool
rm -rf "$checks"
install -D -m 755 "$TOP/tests/guest/initrd-boot.sh" "$checks$init"
install -m 644 "$TOP/tests/guest/lib.sh" "$checks${init%/*}/lib.sh"

# One boot after the other (one vCPU each under TCG; make check runs this in one of its lanes).
img=$layer/upper/boot/initrd.img-$DEB_KREL
rc=0
for drv in c rs; do
	file=$img; [ $drv = c ] && file=$img-c
	out=$CACHE/logs/initrd-boot-$tool-$drv.out
	RIG_VARIANT=debian RIG_TAG=$tool-$drv RIG_DEB_LAYER=$checks:$layer/upper RIG_DEB_INITRD=$file \
		RIG_DEB_CMDLINE="$root_args ro init=$init" RIG_APPEND="rig.expect=$drv rig.image=$tool" \
		"$TOP/scripts/run-vm.sh" initrd "$timeout_s" >"$out" 2>&1 || rc=1
	grep -E "^# (image|kernel log|binding)" "$out" || true
	# One result line per check and driver ("ok - dracut, c: ...").
	sed -n "s/^\(ok\|not ok\) [0-9]* /\1 - $tool, $drv: /p" "$out"
	grep -q "^# Totals: .* fail:0 " "$out" || { echo "not ok - $tool, $drv: the boot ended early"; tail -n 20 "$out"; rc=1; }
done
bindings() { sed -n 's/^# binding: //p' "$CACHE/logs/initrd-boot-$tool-$1.out"; }
if [ -n "$(bindings c)" ] && [ "$(bindings c)" = "$(bindings rs)" ]; then
	echo "ok - $tool: the functions are bound the same at boot with C and Rust vfio-pci"
else
	echo "not ok - $tool: the bindings at boot differ between C and Rust (or are missing)"
	rc=1
fi
exit $rc

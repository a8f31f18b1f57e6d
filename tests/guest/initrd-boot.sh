#!/bin/sh
# shellcheck shell=dash
# PID 1 of the boot-time binding test (scripts/debian/initrd-boot-test.sh): Debian's own
# vmlinuz booted with the initramfs that Debian's initramfs-tools or dracut (rig.image=) made in
# the guest system, which holds vfio-pci and /etc/modprobe.d/vfio-boot.conf (`options vfio-pci
# ids=8086:10ca`, `softdep igb pre: vfio-pci`, `options igb max_vfs=2`). The image's udev
# loaded igb for both igb PFs, and igb made two VFs each at probe; this checks, before anything
# of the root system ran, who got them. rig.expect=c|rs says which vfio-pci the image was made
# with. Prints KTAP, powers off.
# shellcheck source=tests/guest/lib.sh
. /usr/local/lib/vfio-rig/lib.sh
# The root is read-only: a tmpfs for what the checks write.
mount -t tmpfs tmpfs /tmp
# A line of its own: systemd (in dracut's image) leaves terminal queries on the console.
echo; echo "KTAP version 1"
expect=$(sed -n 's/.*rig\.expect=\([a-z]*\).*/\1/p' /proc/cmdline)
echo "# image made with: $expect vfio-pci; kernel $(uname -r)"

image=$(sed -n 's/.*rig\.image=\([a-z-]*\).*/\1/p' /proc/cmdline)
check "Debian's own kernel, the root mounted by the $image image" \
	sh -c 'uname -v | grep -q Debian && grep -q "^[^ ]* / 9p " /proc/mounts'
check "vfio_pci was loaded by the image" test -d /sys/module/vfio_pci
taint=$(cat /sys/module/vfio_pci/taint 2>/dev/null)
if [ "$expect" = rs ]; then
	check "the loaded vfio_pci is the DKMS module (taint '$taint')" sh -c "echo '$taint' | grep -q O"
else
	check "the loaded vfio_pci is Debian's C module (taint '$taint')" test -z "$taint"
fi
check "its ids parameter added the VF id (the C driver's log line)" \
	sh -c 'dmesg | grep -q "vfio_pci: add \[8086:10ca\[ffffffff:ffffffff\]\] class 0x000000/00000000"'
# softdep igb pre: vfio-pci: vfio-pci registered (its ids line) before igb printed anything.
first() { dmesg | grep -n "$1" | head -n1 | cut -d: -f1; }
add_line=$(first "vfio_pci: add") igb_line=$(first "\] igb[: ]")
echo "# kernel log line of vfio_pci's ids: ${add_line:-none}, igb's first: ${igb_line:-none}"
check "vfio-pci was loaded before igb (softdep)" sh -c "[ -n '$add_line' ] && [ -n '$igb_line' ] && [ $add_line -lt $igb_line ]"

# What each function of both igb PFs is bound to, as a list the host compares between C and Rust.
bindings=/tmp/bindings
: > $bindings
for pf in $PF $HOST_PF; do
	echo "$pf $(driver_of "$pf") numvfs=$(cat "$D/$pf/sriov_numvfs")" >> $bindings
	for vf in "$D/$pf"/virtfn*; do
		[ -e "$vf" ] || continue
		v=$(basename "$(readlink "$vf")")
		g=$(basename "$(readlink "$D/$v/iommu_group")")
		echo "$v $(driver_of "$v") group=$([ -e "/dev/vfio/$g" ] && echo yes || echo no)" >> $bindings
	done
done
sed 's/^/# binding: /' $bindings
check "both igb PFs stay with igb, two VFs each (igb max_vfs=2)" sh -c \
	"[ \$(grep -c ' igb numvfs=2\$' $bindings) = 2 ]"
check "all four VFs are bound to vfio-pci at boot, not igbvf, each with its /dev/vfio group" sh -c \
	"[ \$(grep -c ' vfio-pci group=yes\$' $bindings) = 4 ]"

if dmesg | grep -E "WARNING:|BUG:|Oops|Call Trace|UBSAN|KASAN" > /tmp/splat; then
	bad "no warnings, BUGs or splats in the kernel log"
	sed 's/^/# /' /tmp/splat
else
	ok "no warnings, BUGs or splats in the kernel log"
fi
t=$(cat /proc/sys/kernel/tainted)
check "kernel taint only from out-of-tree/unsigned modules (tainted=$t)" sh -c "[ \$(( $t & ~(4096 | 8192) )) = 0 ]"
verdict
echo o > /proc/sysrq-trigger
sleep 60

#!/usr/bin/env bash
# Boots the rig VM on a suite: q35 + intel-iommu (TCG), an igb PF for our driver (7 VFs), a
# second igb left to the host igb driver, and an e1000e (no SR-IOV). Prints the guest's
# console (KTAP) and exits 0 only if the suite ran to its end and no check failed.
# Usage: run-vm.sh SUITE [TIMEOUT_SECONDS]     (the module and kernel must be built: make rig)
# A hang is silence: QEMU is stopped when its console printed nothing for RIG_IDLE_TIMEOUT
# seconds (default 1200). A busy host slows the guest down without silencing it, so the
# wall-clock TIMEOUT (default 900) is only the last guard, for a guest that prints without end.
# RIG_APPEND="k=v ...": extra kernel command line words for the suite (e.g. rig.iters=200).
# RIG_QEMU_ARGS="...": extra QEMU arguments (extra devices for a suite).
# RIG_VARIANT=debug|bench: boot that kernel (scripts/rig.sh VARIANT) with the module built for
# it; debian: Debian's own kernel and system with the module installed by DKMS (scripts/debian/guest.sh).
# RIG_TAG=NAME: log, initramfs and monitor socket named SUITE-NAME, so that two runs of one
# suite (make stress and make check) can go at the same time.
# RIG_REF="NAME=FILE ...": host files placed at /ref/NAME in the guest (scripts/mkinitramfs.sh).
# RIG_DEB_LAYER=DIRS RIG_DEB_INITRD=FILE RIG_DEB_CMDLINE=ARGS (debian only): DIRS (":"-separated)
# laid over the Debian root, and FILE, an image Debian's tools made there, booted instead of the
# rig's busybox initramfs with ARGS (its root= and init=): it mounts the 9p root itself
# (scripts/debian/initrd-boot-test.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
suite=${1:?usage: run-vm.sh SUITE [TIMEOUT]}
timeout_s=${2:-900}
idle_s=${RIG_IDLE_TIMEOUT:-1200}
variant=${RIG_VARIANT:-rig}
kvariant=$variant; [ "$variant" = debian ] && kvariant=rig
kout=$(cat "$(kernel_record "$kvariant")") || { echo "run-vm: build first (scripts/rig.sh $kvariant)" >&2; exit 1; }
kernel=$kout/arch/x86/boot/bzImage
# RIG_VARIANT=debian: Debian's own kernel, its root (scripts/debian/guest.sh) shared read-only
# over 9p from an overlay mounted for QEMU alone; the rig kernel's build only gives the
# selftests and the static tools.
wrap=() debian_args=()
if [ "$variant" = debian ]; then
	debian_guest || { echo "run-vm: the Debian guest could not be prepared" >&2; exit 1; }
	kernel=$deb_kernel
	export RIG_DEB_MODULES=$deb_modules
	merged=$CACHE/debian-root-${RIG_TAG:-$1}
	[ -n "${RIG_DEB_LAYER:-}" ] && deb_lower=$RIG_DEB_LAYER:$deb_lower
	# shellcheck disable=SC2016 # expanded by the inner shell
	wrap=(unshare --mount --propagation private bash -c \
		'mkdir -p "$1" && mount -t overlay overlay -o "ro,lowerdir=$2" "$1" && shift 2 && exec "$@"' \
		wrap "$merged" "$deb_lower")
	debian_args=(-virtfs "local,path=$merged,mount_tag=rigroot,security_model=passthrough,readonly=on")
	RIG_APPEND="rig.host=debian${RIG_APPEND:+ $RIG_APPEND}"
fi
# The driver suite checks that loading the module taints nothing: only the module's KUnit
# suites may run, not the kernel's own (built in), which would set TAINT_TEST at boot.
[ "$suite" = driver ] && RIG_APPEND="kunit.filter_glob=vfio_pci_rs*${RIG_APPEND:+ $RIG_APPEND}"
selftests=$kout/selftests-vfio
logdir=$CACHE/logs; mkdir -p "$logdir"
name=$suite${RIG_TAG:+-$RIG_TAG}
log=$logdir/$name.log
initrd=$CACHE/initramfs-$name.cpio.gz
# The verdict is read from this log: never from an earlier run's.
rm -f "$log" "$log.idle"
if [ "$variant" = debian ] && [ -n "${RIG_DEB_INITRD:-}" ]; then
	initrd=$RIG_DEB_INITRD
	RIG_APPEND="${RIG_DEB_CMDLINE:?} $RIG_APPEND"
else
	RIG_VARIANT=$variant "$here/mkinitramfs.sh" "$kout" "$(module_of "$variant")" "$selftests" "$initrd"
fi

# Single-threaded TCG: multi-threaded TCG with intel-iommu interrupt remapping was seen to
# hang the guest (all vCPUs idle, timers dead) and once to abort in iotlb_to_section().
accel=tcg,thread=single
# no_timer_check: on a loaded host the TCG guest once missed the IO-APIC timer check at boot
# and panicked ("timer doesn't work through Interrupt-remapped IO-APIC"); KVM guests skip it too.
# log_buf_len: suites search the whole kernel log of a run (reports, tokens); the default
# 128 KiB wrapped in a full stress run.
[ "${RIG_KVM:-0}" = 1 ] && accel=kvm
# The guest's clock: the host's, except for the upstream suite, whose programs have
# kselftest_harness's fixed 30 s time-out per case while one case of vfio_pci_driver_test
# (a 1 GiB DMA mapping set up and torn down) takes 17-30 s under TCG on an idle host, and
# more when the host is busy. There the guest clock counts executed instructions (1 ns
# each; sleep=off: an idle guest skips to its next timer), so a case takes the same guest
# time whatever the host's load. It costs wall time (about 1.8x under TCG).
# The token suite too: its rate-limit windows are 5 s of the guest's jiffies, read on the
# log's clock; on a loaded host the two drift apart (measured, docs/testing.md: windows
# opened 8.5-10 s apart, and both drivers failed). RIG_ICOUNT=1 or 0 chooses for any suite.
clock=()
case $suite in upstream | token) icount=${RIG_ICOUNT:-1} ;; *) icount=${RIG_ICOUNT:-0} ;; esac
[ "$icount" = 1 ] && [ "${RIG_KVM:-0}" != 1 ] && clock=(-icount "shift=0,sleep=off")
# RIG_QEMU_ARGS: words, split here (device options have no spaces), over all its lines.
read -rd '' -a qemu_extra <<<"${RIG_QEMU_ARGS:-}" || true
# The silence watch: the console log's size every 10 s; QEMU (found by its monitor socket,
# which names this run) is stopped after idle_s seconds without a byte.
watch_console() {
	local size last=-1 quiet=0
	while sleep 10; do
		size=$(stat -c %s "$log" 2>/dev/null || echo 0)
		if [ "$size" = "$last" ]; then quiet=$((quiet + 10)); else quiet=0 last=$size; fi
		if [ "$quiet" -ge "$idle_s" ]; then
			echo "run-vm: $suite printed nothing for ${idle_s}s: stopped (log: $log)" >"$log.idle"
			pkill -f -- "^qemu-system-x86_64 .*unix:$CACHE/monitor-$name\\.sock," || true
			return
		fi
	done
}
# Its output goes nowhere: a `sleep 10` left from it would otherwise hold our stdout (the
# caller's pipe) open for up to 10 s after QEMU ended.
watch_console >/dev/null 2>&1 &
watcher=$!
set +e
timeout --foreground -k 10 "$timeout_s" "${wrap[@]}" qemu-system-x86_64 \
	-machine q35 -accel "$accel" "${clock[@]}" -cpu max -m 2G -smp 2 \
	-nodefaults -vga none -display none -no-reboot -serial stdio -monitor "unix:$CACHE/monitor-$name.sock,server,nowait" \
	-kernel "$kernel" -initrd "$initrd" "${debian_args[@]}" \
	-append "console=ttyS0 intel_iommu=on no_timer_check log_buf_len=16M panic=-1 rig.suite=$suite rig.variant=$variant${RIG_APPEND:+ $RIG_APPEND}" \
	-device intel-iommu,intremap=on,caching-mode=on \
	-device pcie-root-port,id=rp1,slot=1,chassis=1,bus=pcie.0,addr=0x10 \
	-device pcie-root-port,id=rp2,slot=2,chassis=2,bus=pcie.0,addr=0x11 \
	-device pcie-root-port,id=rp3,slot=3,chassis=3,bus=pcie.0,addr=0x12 \
	-netdev user,id=n0,restrict=on -device igb,bus=rp1,netdev=n0 \
	-netdev user,id=n1,restrict=on -device igb,bus=rp2,netdev=n1 \
	-netdev user,id=n2,restrict=on -device e1000e,bus=rp3,netdev=n2 \
	"${qemu_extra[@]}" \
	</dev/null 2>&1 | sed -u 's/\r$//' | tee "$log" | grep --line-buffered -v "^\[ *[0-9]*\.[0-9]*\]"
rc=${PIPESTATUS[0]}
kill "$watcher" 2>/dev/null; wait "$watcher" 2>/dev/null
set -e
[ "$rc" = 124 ] && echo "run-vm: $suite timed out after ${timeout_s}s (log: $log)"
[ -e "$log.idle" ] && cat "$log.idle"
counts=$(ktap_counts "$log") || { echo "run-vm: $suite gave no complete KTAP output (log: $log)"; exit 1; }
read -r _ fail _ <<<"$counts"
[ "$fail" = 0 ]

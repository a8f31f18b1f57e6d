#!/usr/bin/env bash
# Benchmark of the Rust driver against C vfio-pci in one VM boot (guest suite
# tests/guest/suites/bench.sh, tool tests/guest/bin/vfio_bench.c, report
# scripts/bench-report.py). Prints per metric the C and Rust medians (median over rounds of
# each round's median) and the ratio Rust/C with its min-max over rounds; writes the same as
# JSON to results/bench-<date>-<kernel>.json and the scaling plot to results/bench-<date>-<kernel>.png.
# Usage: [BENCH_ROUNDS=5] [BENCH_ITERS=1000] [BENCH_OPEN_ITERS=100] [BENCH_SCALE_ITERS=200]
#        [BENCH_CLOCK=icount|host] [BENCH_NVME_VFS=255] [BENCH_NVME_POINTS=1,4,16,64,255]
#        [BENCH_KERNEL=bench|rig|debian] [BENCH_SCALE_PATHS=cdev,group] scripts/bench.sh
# BENCH_KERNEL: bench (default) is the rig kernel without lock debugging
# (scripts/kconfig/bench.config), as users run; rig is the test kernel with lockdep; debian is
# the debian suite's guest: Debian's own 7.3.4 kernel with its C vfio-pci.ko (gcc) against the
# module DKMS built there with Debian's rustc (scripts/debian/guest.sh). Metrics the kernel
# cannot run (Debian's: no IOMMUFD, so no vfio cdev) are reported as not available.
# BENCH_SCALE_PATHS: the paths the scaling series open VFs on (default: cdev, or group where
# the kernel has no vfio cdev). BENCH_APPEND: extra words for the guest's kernel command line
# (e.g. mitigations=off, to measure what a runtime switch of the kernel costs). RIG_TAG=NAME:
# log and VM files named bench-NAME (scripts/run-vm.sh), so that two benches can run at once.
# BENCH_OPEN_ITERS: iterations of the two open/close metrics that reset the VF (two FLRs,
# 208 ms of guest time, ~60 ms of host time each under icount); BENCH_SCALE_ITERS: of each
# point of the scaling series. 1000 for both adds ~45 min of VM time to the ~25 min. BENCH_CLOCK=icount (default) runs QEMU with -icount shift=0,sleep=off:
# guest time advances 1 ns per guest instruction and idle waits are skipped, so figures are
# instruction counts of the guest, free of the host's load; host: the host's clock under TCG.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
rounds=${BENCH_ROUNDS:-5}
iters=${BENCH_ITERS:-1000}
open_iters=${BENCH_OPEN_ITERS:-100}
scale_iters=${BENCH_SCALE_ITERS:-200}
clock=${BENCH_CLOCK:-icount}
variant=${BENCH_KERNEL:-bench}
nvme_vfs=${BENCH_NVME_VFS:-255}
nvme_points=${BENCH_NVME_POINTS:-1,4,16,64,$nvme_vfs}
scale_paths=${BENCH_SCALE_PATHS:-}
case $variant in
bench | rig | debian) ;;
*) echo "bench: BENCH_KERNEL must be bench, rig or debian" >&2; exit 2 ;;
esac
case $clock in
icount) clock_args="-icount shift=0,sleep=off" ;;
host) clock_args= ;;
*) echo "bench: BENCH_CLOCK must be icount or host" >&2; exit 2 ;;
esac
# The debian guest takes the selftests and the static tools from the rig's build.
if [ "$variant" = debian ]; then "$here/rig.sh"; else "$here/rig.sh" "$variant"; fi
# An NVMe PF with SR-IOV on its own root port. QEMU allows up to 255 VFs (256 controllers in
# a subsystem); it wants sriov_vq_flexible >= VFs, sriov_vi_flexible >= VFs and
# max_ioqpairs >= sriov_vq_flexible + 2. The 16 KiB VF BARs need more than the firmware's
# default 2 MiB bridge window: mem-reserve.
vq=$((nvme_vfs * 2))
nvme_args="-device pcie-root-port,id=rp4,slot=4,chassis=4,bus=pcie.0,addr=0x13,mem-reserve=8M \
	-device nvme-subsys,id=benchsubsys \
	-device nvme,bus=rp4,serial=benchnvme,subsys=benchsubsys,sriov_max_vfs=$nvme_vfs,sriov_vq_flexible=$vq,sriov_vi_flexible=$nvme_vfs,max_ioqpairs=$((vq + 2)),msix_qsize=$((nvme_vfs + 2))"
# Time-out: generous for the host clock under TCG (a reset open/close ~0.3 s, others ~30 ms).
npoints=$(tr , '\n' <<<"$nvme_points" | wc -l)
npaths=$(tr , '\n' <<<"${scale_paths:-cdev}" | wc -l)
timeout_s=$((600 + rounds * 2 * (open_iters * 2 * 35 / 100 + (iters * 2 + scale_iters * (3 + npoints) * npaths) * 3 / 100 + 300)))
set +e
t0=$(date +%s)
RIG_VARIANT=$variant RIG_QEMU_ARGS="$clock_args $nvme_args" \
RIG_APPEND="rig.rounds=$rounds rig.iters=$iters rig.open_iters=$open_iters rig.scale_iters=$scale_iters rig.nvme_points=$nvme_points${scale_paths:+ rig.scale_paths=$scale_paths}${BENCH_APPEND:+ $BENCH_APPEND}" \
	"$here/run-vm.sh" bench "$timeout_s"
vm_rc=$?
vm_seconds=$(($(date +%s) - t0))
set -e
# Module size: all .text sections of the Rust module and of the C vfio-pci.ko of the same
# kernel (C keeps most of the driver in vfio-pci-core.ko, which both use). Debian's: its
# packaged vfio-pci.ko.xz and the vfio_pci.ko.xz DKMS installed in the guest's layer.
text_of() {
	local f=$1 tmp
	if [[ $f == *.xz ]]; then
		tmp=$(mktemp); xz -dc "$f" >"$tmp"; f=$tmp
	fi
	llvm-size-19 -A "$f" | awk '$1 ~ /^\.text/ { s += $2 } END { print s }'
	[ -z "${tmp:-}" ] || rm -f "$tmp"
}
if [ "$variant" = debian ]; then
	debian_guest || { echo "bench: the Debian guest could not be prepared" >&2; exit 1; }
	c_ko=$deb_modules/kernel/drivers/vfio/pci/vfio-pci.ko.xz
	rs_ko=$(find "${deb_lower%%:*}" -path '*/updates/dkms/vfio_pci.ko*' | head -n1)
	[ -n "$rs_ko" ] || { echo "bench: no DKMS-built vfio_pci.ko in ${deb_lower%%:*}" >&2; exit 1; }
else
	kout=$(cat "$(kernel_record "$variant")")
	c_ko=$(find "$kout/modinst" -name vfio-pci.ko | head -n1)
	rs_ko=$(module_of "$variant")
fi
rs_text=$(text_of "$rs_ko") c_text=$(text_of "$c_ko")
mkdir -p "$TOP/results"
out=$TOP/results/bench-$(date +%Y%m%d-%H%M%S)-$variant${RIG_TAG:+-$RIG_TAG}
cat > "$out.meta" <<JSON
{"rounds": $rounds, "iters": $iters, "open_iters": $open_iters, "scale_iters": $scale_iters, "clock": "$clock", "kernel": "$variant", "append": "${BENCH_APPEND:-}",
 "nvme_vfs": $nvme_vfs, "nvme_points": [$nvme_points], "vm_exit": $vm_rc, "vm_seconds": $vm_seconds,
 "text_bytes": {"c": $c_text, "rs": $rs_text}}
JSON
# Debian's python3 (setup.sh installs python3-matplotlib for it), not one earlier in PATH.
log=$CACHE/logs/bench${RIG_TAG:+-$RIG_TAG}.log
/usr/bin/python3 "$here/bench-report.py" "$log" "$out.json" "$out.png" "$out.meta"
rm -f "$out.meta"
echo "bench: VM run ${vm_seconds}s, clock $clock"
[ "$vm_rc" = 0 ] || { echo "bench: the VM run reported failures (log: $log)"; exit 1; }

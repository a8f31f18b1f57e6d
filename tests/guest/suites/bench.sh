# shellcheck shell=dash
# Benchmark of the VF token paths, C vfio-pci against the Rust driver, in one boot: the two
# drivers alternate round by round (c rs c rs ...). Per round and driver: PF probe time, the
# upstream vfio_pci_device_init_perf_test on the PF, the open/close metrics of vfio_bench on a
# VF of the igb PF (with the VF's reset, then without), their scaling with 1, 3 and 7 igb VFs
# open, and with 1..max VFs of the emulated NVMe PF open. Prints each result as
#   BENCHREC <c|rs> <round> <metric> n=.. median_ns=.. p99_ns=.. min_ns=..
# and each metric this kernel cannot run (for both drivers) as
#   BENCHNA <c|rs> <round> <metric> <reason>
# for scripts/bench.sh. Knobs on the kernel command line: rig.rounds=N (5), rig.iters=N
# (1000: iterations per metric), rig.open_iters=N (100: iterations of the open/close metrics
# that reset the VF, ~0.2 s of guest time each), rig.scale_iters=N (200: iterations of each
# scaling point), rig.probe_iters=N (20), rig.nvme_points=1,4,..
# (VF counts of the NVMe series; a count above sriov_totalvfs is capped to it),
# rig.scale_paths=cdev,group (the paths the scaling series open VFs on; default cdev, or
# group on a kernel without vfio cdev, e.g. Debian's: no CONFIG_IOMMUFD).
# shellcheck source=tests/guest/lib.sh
. /tests/lib.sh
# Debian's guest has no udev: its NIC drivers are loaded as the rig's built-in igb is there.
# The NVMe PF stays without a driver in both (the rig kernel has none): it goes to vfio-pci.
if [ "$HOST" = debian ]; then
	{ modprobe igb && modprobe e1000e; } || die "Debian's igb and e1000e modules do not load"
fi
check_rig
TOKEN=$U1
ROUNDS=$(arg rounds 5) ITERS=$(arg iters 1000) OPEN_ITERS=$(arg open_iters 100)
PROBE_ITERS=$(arg probe_iters 20) SCALE_ITERS=$(arg scale_iters 200)
NVME_POINTS=$(arg nvme_points | tr , ' ')
NVME_POINTS=${NVME_POINTS:-1 4 16 64 255}
SCALE_PATHS=$(sed -n 's/.*rig\.scale_paths=\([a-z,]*\).*/\1/p' /proc/cmdline | tr , ' ')
# Without /dev/iommu (no IOMMUFD) there is no vfio cdev either (VFIO_DEVICE_CDEV needs it);
# with it, the cdev is looked for once the PF is bound (round).
IOMMUFD=0; [ -c /dev/iommu ] && IOMMUFD=1
SCALE_PATHS=${SCALE_PATHS:-$([ $IOMMUFD = 1 ] && echo cdev || echo group)}
# What the guest's kernel is, for comparing runs on different kernels.
echo "bench: kernel $(uname -r) ($(uname -v)), preemption $(cat /sys/kernel/debug/sched/preempt 2>/dev/null || echo -)," \
	"clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
grep . /sys/devices/system/cpu/vulnerabilities/* 2>/dev/null | sed 's|^/sys/devices/system/cpu/vulnerabilities/|  cpu vulnerability |'
echo "bench: $ROUNDS rounds per driver, $ITERS iterations per metric ($OPEN_ITERS for those that reset the VF, $SCALE_ITERS per scaling point)"
# Seconds a vfio_bench run may take: 0.5 s per resetting open/close (both paths), 2 ms per other call.
BENCH_TIMEOUT=$((OPEN_ITERS + ITERS * 8 / 1000 + 300))

# The NVMe PF of the bench (QEMU nvme with SR-IOV, scripts/bench.sh), if there is one.
NVME=
for f in "$D"/*/class; do
	dev=${f%/class}
	[ "$(cat "$f")" = 0x010802 ] && [ -e "$dev"/sriov_totalvfs ] && NVME=${dev##*/} && break
done
[ -n "$NVME" ] && echo "bench: NVMe PF $NVME, sriov_totalvfs $(cat $D/"$NVME"/sriov_totalvfs)"

# emit DRIVER ROUND FILE: vfio_bench's BENCH lines as BENCHREC, other lines indented.
emit() {
	grep '^BENCH ' "$3" | sed "s/^BENCH /BENCHREC $1 $2 /"
	grep -v '^BENCH ' "$3" | sed 's/^/# /'
}

# vf0_of PF: the BDF of its first VF (cd -P and $PWD: no fork, which is slow under TCG).
vf0_of() {
	(cd -P $D/"$1"/virtfn0 && echo "${PWD##*/}")
}

# enable_vfs PF N: N VFs on PF, every one on vfio-pci with its resets disabled ("echo >
# reset_method"). With disable_idle_d3=1 set before, an open then costs the driver's and the
# core's work, not the PCIe-mandated waits of FLR (100 ms) and D3hot transitions (10 ms).
# Without forks per VF: 255 of them under TCG would cost minutes.
enable_vfs() {
	echo "$2" > $D/"$1"/sriov_numvfs || return 1
	for vf in "$D/$1"/virtfn*; do
		[ "$vf"/driver -ef $VFIO_PCI ] || { echo "# $vf not on vfio-pci"; return 1; }
		echo > "$vf"/reset_method || return 1
	done
}

# na DRIVER ROUND REASON METRIC...: metrics this kernel cannot run, for scripts/bench.sh.
na() {
	d=$1 r=$2 why=$3; shift 3
	for m; do echo "BENCHNA $d $r $m $why"; done
}

# init_perf DRIVER ROUND: upstream vfio_pci_device_init_perf_test on the PF, one figure per
# IOMMU mode (the average init time per device; one device, so the same as min and max).
# Without /dev/iommu only its two type1 variants can run (harness option -v).
init_perf() {
	modes=
	if [ $IOMMUFD = 0 ]; then
		na "$1" "$2" no-/dev/iommu init_perf_iommufd_compat_type1 init_perf_iommufd_compat_type1v2 init_perf_iommufd
		modes="-v vfio_type1_iommu -v vfio_type1v2_iommu"
	fi
	# shellcheck disable=SC2086 # $modes: options, split on purpose
	run_timed 300 /selftests/vfio_pci_device_init_perf_test $modes "$PF" > /tmp/perf.out 2>&1
	rc=$?
	awk -v d="$1" -v r="$2" '
		/ RUN / { n = split($3, a, "."); mode = a[n - 1] }
		/Avg init time/ { t = $NF; sub(/s$/, "", t); split(t, p, ".")
			printf "BENCHREC %s %s init_perf_%s n=1 median_ns=%d\n", d, r, mode, p[1] * 1000000000 + p[2] }
	' /tmp/perf.out
	[ $rc = 0 ] || { sed 's/^/# /' /tmp/perf.out | tail -n 20; return 1; }
}

# scale DRIVER ROUND PF SERIES N: open/close of the first VF of PF (software path, see
# enable_vfs) while its next N-1 VFs are held open (N VFs open in all), on each path of
# SCALE_PATHS: metric PATH_open_close_sw_SERIES_vfsN.
scale() {
	for path in $SCALE_PATHS; do
		if [ "$path" = cdev ] && [ $CDEV = 0 ]; then
			na "$1" "$2" no-vfio-cdev cdev_open_close_sw_"${4}"_vfs"$5"
			continue
		fi
		run_timed $BENCH_TIMEOUT env PF="$3" VF0="$(vf0_of "$3")" ITERS="$SCALE_ITERS" METRICS="${path}"_open_close \
			HOLD=$(($5 - 1)) TAG=_sw_"${4}"_vfs"$5" /selftests/vfio_bench $TOKEN > /tmp/scale.out 2>&1
		rc=$?
		emit "$1" "$2" /tmp/scale.out
		[ $rc = 0 ] || return $rc
	done
	return 0
}

# round DRIVER N: one round; 0 when every step and every metric succeeded.
round() {
	if [ "$1" = c ]; then
		load_c_vfio_pci enable_sriov=1
	else
		load_rs_vfio_pci enable_sriov=1
	fi || { echo "# $1 $2: module does not load"; return 1; }
	echo vfio-pci > $D/$PF/driver_override
	/selftests/vfio_bench probe $PF "$PROBE_ITERS" > /tmp/probe.out 2>&1 ||
		{ emit "$1" "$2" /tmp/probe.out; echo "# $1 $2: PF does not bind"; return 1; }
	emit "$1" "$2" /tmp/probe.out
	# The vfio cdev of the bound PF: none without IOMMUFD or VFIO_DEVICE_CDEV.
	CDEV=0
	cdev_name=
	for c in "$D/$PF"/vfio-dev/*; do [ -e "$c" ] && cdev_name=${c##*/} && break; done
	[ "$IOMMUFD" = 1 ] && [ -n "$cdev_name" ] && [ -c "/dev/vfio/devices/$cdev_name" ] && CDEV=1
	if [ $CDEV = 1 ]; then
		cdev_metrics=cdev_open_close
	else
		cdev_metrics=
		na "$1" "$2" no-vfio-cdev cdev_open_close cdev_open_close_sw
	fi
	init_perf "$1" "$2" || { echo "# $1 $2: vfio_pci_device_init_perf_test failed"; return 1; }

	# With the VF's reset, as users get it: OPEN_ITERS; the open/close also without it.
	echo 7 > $D/$PF/sriov_numvfs || { echo "# $1 $2: no VFs"; return 1; }
	VF0=$(vf0_of $PF)
	[ "$(driver_of "$VF0")" = vfio-pci ] || bind_to "$VF0" vfio-pci ||
		{ echo "# $1 $2: VF $VF0 not on vfio-pci"; return 1; }
	run_timed $BENCH_TIMEOUT env PF=$PF VF0="$VF0" ITERS="$ITERS" OPEN_ITERS="$OPEN_ITERS" \
		METRICS=feature_set,group_open_close,wrong_token,no_token${cdev_metrics:+,$cdev_metrics} \
		/selftests/vfio_bench $TOKEN > /tmp/bench.out 2>&1
	rc=$?
	emit "$1" "$2" /tmp/bench.out
	[ $rc = 0 ] || return 1
	# The software path (suffix _sw): new VFs with no reset method and no idle D3.
	echo 0 > $D/$PF/sriov_numvfs
	echo 1 > /sys/module/vfio_pci/parameters/disable_idle_d3
	enable_vfs $PF 7 || { echo "# $1 $2: igb VFs not ready for the _sw runs"; return 1; }
	VF0=$(vf0_of $PF)
	run_timed $BENCH_TIMEOUT env PF=$PF VF0="$VF0" ITERS="$ITERS" METRICS=group_open_close${cdev_metrics:+,$cdev_metrics} \
		TAG=_sw /selftests/vfio_bench $TOKEN > /tmp/bench.out 2>&1
	rc=$?
	emit "$1" "$2" /tmp/bench.out
	[ $rc = 0 ] || return 1
	for n in 1 3 7; do
		scale "$1" "$2" $PF igb $n || return 1
	done
	echo 0 > $D/$PF/sriov_numvfs

	[ -n "$NVME" ] || { echo "# $1 $2: no NVMe PF, no NVMe series"; return 1; }
	bind_to "$NVME" vfio-pci || { echo "# $1 $2: NVMe PF does not bind"; return 1; }
	max=$(cat $D/"$NVME"/sriov_totalvfs)
	for n in $NVME_POINTS; do
		[ "$n" -gt "$max" ] && n=$max
		t0=$(date +%s)
		enable_vfs "$NVME" "$n" || { echo "# $1 $2: $n NVMe VFs not ready"; return 1; }
		t1=$(date +%s)
		scale "$1" "$2" "$NVME" nvme "$n" || return 1
		echo "# $1 $2: nvme $n VFs: enabled in $((t1 - t0))s, measured in $(($(date +%s) - t1))s"
		echo 0 > $D/"$NVME"/sriov_numvfs
		[ "$n" = "$max" ] && break
	done
	return 0
}

teardown() {
	for p in $PF $NVME; do
		echo 0 > $D/"$p"/sriov_numvfs 2>/dev/null
		[ "$(driver_of "$p")" = vfio-pci ] && echo "$p" > $VFIO_PCI/unbind
	done
	rmmod vfio_pci 2>/dev/null
}

r=1
while [ $r -le "$ROUNDS" ]; do
	for drv in c rs; do
		t0=$(date +%s)
		if round $drv "$r"; then
			ok "bench round $r $drv ($(($(date +%s) - t0))s)"
		else
			bad "bench round $r $drv"
		fi
		teardown
	done
	r=$((r + 1))
done
check "no kernel warning, oops or lockdep report" no_splat
verdict

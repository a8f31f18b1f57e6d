# Benchmark of the VF token paths, C vfio-pci against the Rust driver, in one boot: the two
# drivers alternate round by round (c rs c rs ...). Per round: load with enable_sriov=1, bind
# the PF, create one VF, time the PF bind, run vfio_bench, tear down. Prints each result as
#   BENCHREC <c|rs> <round> <metric> n=.. median_ns=.. p99_ns=.. min_ns=..
# for scripts/bench.sh. Knobs on the kernel command line: rig.rounds=N (5), rig.iters=N (200),
# rig.open_iters=N (30: iterations of the metrics that open the VF, each open resets it).
. /tests/lib.sh
check_rig
D=/sys/bus/pci/devices
TOKEN=2f6e5b1c-8d4a-4e07-9c3b-71a0d5e4f812
ROUNDS=$(sed -n 's/.*rig\.rounds=\([0-9]*\).*/\1/p' /proc/cmdline)
ITERS=$(sed -n 's/.*rig\.iters=\([0-9]*\).*/\1/p' /proc/cmdline)
OPEN_ITERS=$(sed -n 's/.*rig\.open_iters=\([0-9]*\).*/\1/p' /proc/cmdline)
ROUNDS=${ROUNDS:-5} ITERS=${ITERS:-200} OPEN_ITERS=${OPEN_ITERS:-30}
echo "bench: $ROUNDS rounds per driver, $ITERS iterations per metric ($OPEN_ITERS for the opening ones)"

# uptime in ms (10 ms resolution: busybox date has no %N)
ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

teardown() {
	echo 0 > $D/$PF/sriov_numvfs 2>/dev/null
	[ "$(driver_of $PF)" = vfio-pci ] && echo $PF > /sys/bus/pci/drivers/vfio-pci/unbind
	rmmod vfio_pci 2>/dev/null
}

# round DRIVER N: one round; 0 when every step and every metric succeeded.
round() {
	if [ $1 = c ]; then
		load_c_vfio_pci enable_sriov=1
	else
		load_rs_vfio_pci enable_sriov=1
	fi || { echo "  $1 $2: module does not load"; return 1; }
	t0=$(ms)
	bind_to $PF vfio-pci || { echo "  $1 $2: PF does not bind"; return 1; }
	t1=$(ms)
	echo "BENCHREC $1 $2 pf_probe n=1 median_ns=$(( (t1 - t0) * 1000000 ))"
	echo 1 > $D/$PF/sriov_numvfs || { echo "  $1 $2: no VF"; return 1; }
	VF0=$(basename "$(readlink $D/$PF/virtfn0)")
	[ "$(driver_of $VF0)" = vfio-pci ] || bind_to $VF0 vfio-pci ||
		{ echo "  $1 $2: VF $VF0 not on vfio-pci"; return 1; }
	run_timed 600 env PF=$PF VF0=$VF0 ITERS=$ITERS OPEN_ITERS=$OPEN_ITERS /selftests/vfio_bench $TOKEN > /tmp/bench.out 2>&1
	rc=$?
	grep '^BENCH ' /tmp/bench.out | sed "s/^BENCH /BENCHREC $1 $2 /"
	grep -v '^BENCH ' /tmp/bench.out | sed 's/^/  /'
	return $rc
}

r=1
while [ $r -le $ROUNDS ]; do
	for drv in c rs; do
		if round $drv $r; then
			ok "bench round $r $drv"
		else
			bad "bench round $r $drv"
		fi
		teardown
	done
	r=$((r + 1))
done
check "no kernel warning, oops or lockdep report" no_splat
verdict

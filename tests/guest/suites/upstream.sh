# shellcheck shell=bash
# Every upstream vfio kselftest of the 7.3 tree, unmodified, run through its own
# scripts/setup.sh + run.sh conventions, against C vfio-pci and then the Rust driver. A test
# must pass, or be skipped exactly as it is with the C driver.
# rig.tests=A,B,...: run only these tests (the host splits the suite over VMs that run at once);
# rig.variants=V,W,...: of their fixture variants, only these (the harness's own -v option).
# The C driver's results are the reference: when the host has them cached for this kernel,
# these binaries and this rig (/ref/upstream-c.res, lines "test status pass skip fail"), only
# the Rust driver runs; otherwise C runs first in this boot and its results are printed as
# UPSTREAM-C-RES lines for the host to keep.
# shellcheck source=tests/guest/lib.sh
. /tests/lib.sh
check_rig
TESTS="vfio_pci_sriov_uapi_test vfio_pci_device_test vfio_pci_driver_test vfio_dma_mapping_test
	vfio_dma_mapping_mmio_test vfio_iommufd_setup_test vfio_pci_device_init_perf_test"
only=$(sed -n 's/.*rig\.tests=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
[ -n "$only" ] && TESTS=$only
VARIANT_ARGS=
for v in $(sed -n 's/.*rig\.variants=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' '); do
	VARIANT_ARGS="$VARIANT_ARGS -v $v"
done
[ -z "$VARIANT_ARGS" ] || echo "# fixture variants:$VARIANT_ARGS"
# 2 MiB huge pages for the hugetlb variants of the DMA mapping tests.
echo 64 > /proc/sys/vm/nr_hugepages
# Shared anonymous memory in 2 MiB pages: vfio_pci_driver_test maps a 1 GiB MAP_SHARED region
# for DMA in every case; in 4 KiB pages, faulting, pinning and mapping it through the emulated
# IOMMU is most of the suite's time under TCG (its iommufd half: 172 guest seconds, 45 with
# huge pages). The drivers compared do not touch these pages.
echo always > /sys/kernel/mm/transparent_hugepage/shmem_enabled

# run_all LABEL: runs every test on $PF; writes /tmp/res.LABEL with "test status pass skip fail".
run_all() {
	label=$1
	: > /tmp/res."$label"
	bash /selftests/scripts/setup.sh $PF > /tmp/setup."$label" 2>&1 || { sed "s/^/# /" /tmp/setup."$label"; bad "$label: upstream setup.sh $PF"; return; }
	for t in $TESTS; do
		# Each program, and each driver, starts with the device free (lib.sh, wait_vfio_idle).
		wait_vfio_idle 300 || bad "$label: the device is still held before $t"
		t0=$(date +%s)
		# shellcheck disable=SC2086 # options, split on purpose
		kselftest "$label: $t" 900 /tmp/"$t"."$label" bash /selftests/scripts/run.sh /selftests/"$t" $VARIANT_ARGS
		echo "# $label: $t took $(( $(date +%s) - t0 ))s"
		case $KS_RC in 0) st=pass ;; 4) st=skip ;; *) st="fail($KS_RC)" ;; esac
		p=$(kselftest_count pass) s=$(kselftest_count skip) f=$(kselftest_count fail)
		echo "$t $st ${p:-0} ${s:-0} ${f:-0}" >> /tmp/res."$label"
	done
	wait_vfio_idle 300 || bad "$label: the device is still held after the last test"
	bash /selftests/scripts/cleanup.sh > /dev/null 2>&1
}

# rig.repeat=N: each driver runs the tests N times in a row, in this boot: C's first run is the
# reference, every later run of either driver is compared with it (a flaky case shows as a run
# that differs).
repeat=$(sed -n 's/.*rig\.repeat=\([0-9]*\).*/\1/p' /proc/cmdline)
repeat=${repeat:-1}
run_label() { if [ "$2" = 1 ]; then echo "$1"; else echo "$1$2"; fi; }

# rig.drivers=c or rig.drivers=rs: only that driver's runs (to spread repeat runs over two VMs);
# a Rust-only boot needs the C reference from the host (/ref/upstream-c.res).
drivers=$(sed -n 's/.*rig\.drivers=\([a-z,]*\).*/\1/p' /proc/cmdline)
drivers=${drivers:-c,rs}
rs_runs=$repeat
[[ ,$drivers, == *,rs,* ]] || rs_runs=0
if [ -f /ref/upstream-c.res ]; then
	cp /ref/upstream-c.res /tmp/res.c
	echo "# C vfio-pci: reference results of an earlier boot of this kernel and rig (host cache)"
	c_runs=1
elif [[ ,$drivers, == *,c,* ]]; then
	load_c_vfio_pci enable_sriov=1 || die "C vfio-pci does not load"
	for i in $(seq "$repeat"); do run_all "$(run_label c "$i")"; done
	rmmod vfio_pci
	sed 's/^/UPSTREAM-C-RES /' /tmp/res.c
	c_runs=$repeat
else
	die "rig.drivers=$drivers without C's reference results (/ref/upstream-c.res)"
fi
if [ "$rs_runs" -gt 0 ]; then
	load_rs_vfio_pci enable_sriov=1 || die "Rust vfio_pci does not load"
	for i in $(seq "$rs_runs"); do run_all "$(run_label rs "$i")"; done
	rmmod vfio_pci
fi

# compare LABEL DRIVER RUN: the results of run LABEL against C's reference run.
compare() {
	label=$1 who=$2 run=; [ "$repeat" = 1 ] || run=" (run $3 of $repeat)"
	printf '# %-32s %-22s %-22s\n' test "C vfio-pci (pass/skip)" "$who$run (pass/skip)"
	for t in $TESTS; do
		c=$(grep "^$t " /tmp/res.c) r=$(grep "^$t " /tmp/res."$label")
		[ -n "$c" ] || { bad "$t: no C reference result"; continue; }
		# shellcheck disable=SC2086 # a result line, split into its fields
		set -- $c; cst=$2 cp=$3 cs=$4
		# shellcheck disable=SC2086
		set -- $r; rst=$2 rp=$3 rsk=$4
		printf '# %-32s %-22s %-22s\n' "$t" "$cst $cp/$cs" "$rst $rp/$rsk"
		case $rst in
		pass) if [ "$rsk" = "$cs" ]; then ok "$t passes against the $who driver$run ($rp passed, $rsk skipped, C: $cp/$cs)"
			else bad "$t: $who$run skips $rsk cases, C skips $cs"; fi ;;
		skip) if [ "$cst" = skip ]; then skip "$t: skipped by both drivers$run: $(grep -m1 -i 'skip' /tmp/"$t"."$label")"
			else bad "$t skipped with $who$run but $cst with C"; fi ;;
		*) bad "$t fails against the $who driver$run ($rst; its failed cases are above)" ;;
		esac
	done
}
# C is the reference: when it fails, the rig is broken (load, time-outs, a device left busy),
# and the comparisons below prove nothing.
for t in $TESTS; do
	# shellcheck disable=SC2046 # a result line, split into its fields
	set -- $(grep "^$t " /tmp/res.c) x x
	case $2 in fail*) bad "rig error: $t fails against the C reference driver ($2; above)" ;; esac
done
for i in $(seq 2 "$c_runs"); do compare "$(run_label c "$i")" C "$i"; done
for i in $(seq "$rs_runs"); do compare "$(run_label rs "$i")" Rust "$i"; done
check "no kernel warning, oops or lockdep report" no_splat
verdict

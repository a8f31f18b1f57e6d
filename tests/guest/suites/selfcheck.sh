# Rig self-check: the upstream SR-IOV uapi selftest passes against the C vfio-pci reference,
# and this project's module loads and unloads cleanly.
. /tests/lib.sh
check_rig

# run_kselftest NAME ARGS...: runs an upstream test binary, prints its totals, counts it.
run_kselftest() {
	name=$1; shift
	run_timed 300 "/selftests/$name" "$@" > "/tmp/$name.out" 2>&1
	rc=$?
	totals=$(grep '^# Totals:' "/tmp/$name.out" | tail -n1)
	echo "# $name: exit $rc, ${totals#\# }"
	if [ $rc = 0 ]; then ok "$name $*"
	elif [ $rc = 4 ]; then skip "$name $*: $(grep -m1 -i skip "/tmp/$name.out")"
	else cat "/tmp/$name.out"; bad "$name $*"; fi
}

check "C vfio-pci loads with enable_sriov=1" load_c_vfio_pci enable_sriov=1
check "igb PF binds to C vfio-pci" bind_to $PF vfio-pci
run_kselftest vfio_pci_sriov_uapi_test $PF
check "C vfio-pci unbinds and unloads" sh -c "echo $PF > /sys/bus/pci/drivers/vfio-pci/unbind && rmmod vfio_pci"

check "Rust vfio_pci module loads" load_rs_vfio_pci
check "Rust module is vfio_pci in /proc/modules" grep -q '^vfio_pci ' /proc/modules
check "Rust module unloads" rmmod vfio_pci
check "no kernel warning, oops or lockdep report" no_splat
verdict

# Rig self-check: the upstream SR-IOV uapi selftest passes against the C vfio-pci reference,
# and this project's module loads and unloads cleanly.
. /tests/lib.sh
check_rig

check "C vfio-pci loads with enable_sriov=1" load_c_vfio_pci enable_sriov=1
check "igb PF binds to C vfio-pci" bind_to $PF vfio-pci
kselftest vfio_pci_sriov_uapi_test 300 /tmp/uapi.out /selftests/vfio_pci_sriov_uapi_test $PF
kselftest_report "vfio_pci_sriov_uapi_test $PF"
check "C vfio-pci unbinds and unloads" sh -c "echo $PF > $VFIO_PCI/unbind && rmmod vfio_pci"

check "Rust vfio_pci module loads" load_rs_vfio_pci
check "Rust module is vfio_pci in /proc/modules" grep -q '^vfio_pci ' /proc/modules
check "Rust module unloads" rmmod vfio_pci
check "no kernel warning, oops or lockdep report" no_splat
verdict

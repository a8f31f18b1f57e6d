# shellcheck shell=dash
# Rig self-check: the upstream SR-IOV uapi selftest passes against the C vfio-pci reference,
# and this project's module loads and unloads cleanly.
# shellcheck source=tests/guest/lib.sh
. /tests/lib.sh
check_rig

check "C vfio-pci loads with enable_sriov=1" load_c_vfio_pci enable_sriov=1
check "igb PF binds to C vfio-pci" bind_to $PF vfio-pci
kselftest vfio_pci_sriov_uapi_test 300 /tmp/uapi.out /selftests/vfio_pci_sriov_uapi_test $PF
kselftest_report "vfio_pci_sriov_uapi_test $PF"
# The rig's wait for released vfio files (lib.sh wait_vfio_idle, before every upstream program
# and driver): it sees a process that holds a device, and a killed holder that nobody waited
# for stops counting once it is gone; the device then opens at once.
held_by() { vfio_holders | grep -q ":$1:"; }
not_idle_within() { ! wait_vfio_idle "$1" > /dev/null; }
rm -f /tmp/hold.out
/selftests/vfio_hold $PF > /tmp/hold.out 2>&1 &
holder=$!
i=0; while ! grep -qE '^(held|refused)' /tmp/hold.out 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
check "a group-path holder of the PF ($(cat /tmp/hold.out))" grep -q '^held' /tmp/hold.out
check "vfio_holders names the holder" held_by vfio_hold
check "wait_vfio_idle does not return while the holder lives" not_idle_within 2
kill -KILL $holder
check "wait_vfio_idle returns once the killed holder is gone (not waited for)" wait_vfio_idle 60
check "the PF opens at once after" /selftests/vf_token_tool open:$PF=0
wait $holder 2>/dev/null
check "C vfio-pci unbinds and unloads" sh -c "echo $PF > $VFIO_PCI/unbind && rmmod vfio_pci"

check "Rust vfio_pci module loads" load_rs_vfio_pci
check "Rust module is vfio_pci in /proc/modules" grep -q '^vfio_pci ' /proc/modules
check "Rust module unloads" rmmod vfio_pci
check "no kernel warning, oops or lockdep report" no_splat
verdict

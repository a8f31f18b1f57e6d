# shellcheck shell=dash
# The demo: load the Rust vfio-pci, bind the igb PF through driver_override, create VFs and
# walk through the VF token, printing what happens.
# shellcheck source=tests/guest/lib.sh
. /tests/lib.sh
check_rig
T=/selftests/vf_token_tool
heading() { echo; echo "== $*"; }

heading "load vfio_pci.ko (Rust) with enable_sriov=1 (built in: set it)"
check "vfio_pci with enable_sriov=1" load_rs_vfio_pci enable_sriov=1
grep -H . /sys/module/vfio_pci/parameters/* | sed 's/^/#  /'
heading "bind the igb PF $PF: driver_override=vfio-pci, then drivers_probe"
check "PF bound to vfio-pci" bind_to $PF vfio-pci
heading "create 3 VFs: echo 3 > sriov_numvfs"
check "3 VFs" sh -c "echo 3 > /sys/bus/pci/devices/$PF/sriov_numvfs"
for v in /sys/bus/pci/devices/"$PF"/virtfn*; do
	b=$(basename "$(readlink "$v")")
	echo "#  VF $b  driver=$(driver_of "$b")  driver_override=$(cat /sys/bus/pci/devices/"$b"/driver_override)  iommu_group=$(basename "$(readlink /sys/bus/pci/devices/"$b"/iommu_group)")"
done
VF0=$(basename "$(readlink /sys/bus/pci/devices/$PF/virtfn0)")
heading "the VF token flow, group path (VFIO_GROUP_GET_DEVICE_FD), one process"
check "token flow" $T open:"$VF0"=EACCES open:$PF:$U1=0 open:"$VF0":$U2=EACCES open:"$VF0":$U1=0 \
	users:$PF open:$PF=EACCES
heading "after the process exited: set a new token with VFIO_DEVICE_FEATURE_PCI_VF_TOKEN"
check "feature flow" $T open:$PF=0 set:$U2=0 open:"$VF0":$U1=EACCES open:"$VF0":$U2=0 users:$PF
heading "what the kernel logged (rate-limited, never the token)"
dmesg | grep -E 'vfio|VF token' | sed 's/^\[[^]]*\] /   /' | tail -n 12
heading "tear down"
check "VFs removed" sh -c "echo 0 > /sys/bus/pci/devices/$PF/sriov_numvfs"
check "PF unbound" sh -c "echo $PF > $VFIO_PCI/unbind"
if [ -f /rs/vfio_pci.ko ]; then check "module unloaded" rmmod vfio_pci; else skip "module unloaded (built in)"; fi
verdict

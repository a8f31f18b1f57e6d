# shellcheck shell=dash
# The product on a distribution host: a Debian kernel (vmlinuz and modules, unmodified: trixie's
# 7.3 or sid's 7.2, scripts/debian/lib.sh) and the Debian userland of its suite where the
# vfio-pci-rs-dkms package was installed with dpkg (DKMS built the module with that suite's
# rustc). Every step runs against Debian's C vfio-pci and
# the Rust module in the same boot: the VF token kselftest (group path; this kernel has no
# vfio cdev, so the cdev cases skip for both), upstream vfio_pci_sriov_uapi_test unmodified,
# and the product checks: modprobe picks the Rust module, parameters as C's, SR-IOV, the
# dma-buf export of BARs (a branch only kernels with CONFIG_VFIO_PCI_DMABUF compile).
# shellcheck source=tests/guest/lib.sh
. /tests/lib.sh
check "kernel is Debian's own ($(uname -r))" sh -c 'uname -v | grep -q Debian'
# No udev here: the NIC drivers the rig expects for its second igb and the e1000e.
modprobe igb && modprobe e1000e
check_rig

# params: "name mode" of each parameter of the loaded vfio_pci.
params() { for f in "$P"/*; do echo "$(basename "$f") $(stat -c %a "$f")"; done; }
check "Debian's C vfio-pci loads" load_c_vfio_pci
params > /tmp/params.c
tainted_c=$(cat /sys/module/vfio_pci/taint)
rmmod vfio_pci
check "modprobe vfio-pci enable_sriov=1 loads the module" load_rs_vfio_pci enable_sriov=1
check "modprobe resolves vfio-pci to the DKMS module in updates/dkms" sh -c \
	'modinfo -F filename vfio_pci | grep -q "/updates/dkms/vfio_pci.ko"'
# The loaded module is out of tree (taint O) where Debian's C one is not, and only ours gives a
# PF the vf_token_users attribute (checked below).
check "the loaded vfio_pci is the out-of-tree module (taint '$(cat /sys/module/vfio_pci/taint)', C: '$tainted_c')" \
	sh -c "grep -q O /sys/module/vfio_pci/taint && [ '$tainted_c' = '' ]"
params > /tmp/params.rs
sed 's/^/# C parameter: /' /tmp/params.c
check "parameters and their modes in sysfs are C's" cmp -s /tmp/params.c /tmp/params.rs
check "enable_sriov=1 from modprobe" sh -c "[ \"\$(cat $P/enable_sriov)\" = Y ]"
dpdk-devbind.py -b vfio-pci $PF > /tmp/devbind 2>&1 || sed 's/^/# devbind: /' /tmp/devbind
check "dpdk-devbind.py -b vfio-pci binds the igb PF to the Rust vfio-pci" sh -c "[ \"$(driver_of $PF)\" = vfio-pci ]"
check "dpdk-devbind.py --status lists it under vfio-pci" sh -c \
	"dpdk-devbind.py --status-dev net | grep -q '^$PF .*drv=vfio-pci'"
check "PF has vf_token_users = 0 (only the Rust driver has it)" sh -c "[ \"\$(cat $D/$PF/vf_token_users)\" = 0 ]"
check "3 VFs through sriov_numvfs" sh -c "echo 3 > $D/$PF/sriov_numvfs"
VF0=$(basename "$(readlink $D/$PF/virtfn0)")
check "VFs bound to vfio-pci" sh -c "[ \"$(driver_of "$VF0")\" = vfio-pci ] && [ \"$(driver_of "$(basename "$(readlink $D/$PF/virtfn2)")")\" = vfio-pci ]"
echo 0 > $D/$PF/sriov_numvfs
echo $PF > $VFIO_PCI/unbind
rmmod vfio_pci

# Upstream vfio_pci_sriov_uapi_test, unmodified: its iommufd variants need CONFIG_IOMMUFD,
# which this kernel lacks, so they fail; C and Rust must give the same results.
for run in c rs; do
	if [ $run = c ]; then load_c_vfio_pci enable_sriov=1; else load_rs_vfio_pci enable_sriov=1; fi || { bad "$run: vfio-pci loads"; continue; }
	bind_to $PF vfio-pci || bad "$run: PF binds"
	# Dma-buf export of BAR slices (CONFIG_VFIO_PCI_DMABUF is on here, not in the rig).
	vfio_dmabuf $PF > /tmp/dmabuf.$run 2>&1
	# Its iommufd cases fail here for both drivers: compared below, not reported as a result.
	kselftest "vfio_pci_sriov_uapi_test ($run)" 300 /tmp/uapi.$run /selftests/vfio_pci_sriov_uapi_test $PF
	grep -E '^(ok|not ok) ' /tmp/uapi.$run | sed 's/^\(ok\|not ok\) [0-9]* /\1 /' > /tmp/uapi-cases.$run
	echo $PF > $VFIO_PCI/unbind
	rmmod vfio_pci
done
check "vfio_pci_sriov_uapi_test: every case as with C ($(grep -c '^ok' /tmp/uapi-cases.c) pass, $(grep -c '^not ok' /tmp/uapi-cases.c) fail for C)" \
	sh -c "[ -s /tmp/uapi-cases.c ] && cmp -s /tmp/uapi-cases.c /tmp/uapi-cases.rs"

sed 's/^DMABUF /  C dma-buf: /' /tmp/dmabuf.c
check "VFIO_DEVICE_FEATURE_DMA_BUF: every case as with C (BAR 0 page: $(sed -n 's/^DMABUF bar0_page //p' /tmp/dmabuf.rs))" \
	sh -c "grep -q '^DMABUF bar0_page 0$' /tmp/dmabuf.c && cmp -s /tmp/dmabuf.c /tmp/dmabuf.rs"

# The PF goes back to its NIC driver, as the token suite expects to find it.
check "igb PF rebinds to Debian's igb" bind_to $PF igb

# Nothing but the module's own taint: O (out of tree) and E (signature not checked: DKMS signs
# with its own key, which this kernel does not know). Checked before the token suite's verdict.
verdict() {
	t=$(cat /proc/sys/kernel/tainted)
	check "kernel taint only from out-of-tree/unsigned modules (tainted=$t)" sh -c "[ \$(( $t & ~(4096 | 8192) )) = 0 ]"
	ktap_totals
}
# The VF token kselftest and its C/Rust differential, as in the rig (tests/guest/suites/token.sh).
# shellcheck source=tests/guest/suites/token.sh
. /tests/suites/token.sh

# shellcheck shell=bash
# The Rust driver in the rig: taint flags at load against C's, module parameters, binding,
# SR-IOV, the VF token on the group path, the upstream SR-IOV uapi selftest (unmodified), and
# the KUnit suites (the test module vfio_pci_kunit.ko).
# shellcheck source=tests/guest/lib.sh
. /tests/lib.sh
check_rig
T=/selftests/vf_token_tool

# Loading the driver changes no taint flag that C vfio-pci's load leaves alone, and prints no
# KTAP: on a kernel with KUnit (the rig's), a module that carries KUnit suites runs them at
# every load and taints the kernel (TAINT_TEST), which C vfio-pci does not. A module built
# outside the kernel tree adds O (TAINT_OOT_MODULE), its own taint "O": ours out of tree, and
# C's where the kernel has the Rust one in the tree and C's is built beside it (the intree
# variant); a module built in the tree says so in its modinfo (intree=Y).
# The kernel's own KUnit suites (built in) would set TAINT_TEST at boot: run-vm.sh boots this
# suite with kunit.filter_glob=vfio_pci_rs*, which leaves only ours to run.
TAINT_OOT_MODULE=4096 TAINT_TEST=262144
oot_of() { if grep -qa 'intree=Y' "$1"; then echo 0; else echo $TAINT_OOT_MODULE; fi; }
letter_of() { if [ "$1" = 0 ]; then echo; else echo O; fi; }
c_oot=$(oot_of "$MODDIR"/vfio-pci.ko) rs_oot=$(oot_of /rs/vfio_pci.ko)
load_core
taint0=$(cat /proc/sys/kernel/tainted)
check "no KUnit suite ran before the loads (TAINT_TEST clear: $taint0)" [ $((taint0 & TAINT_TEST)) = 0 ]
# shellcheck disable=SC2119 # no module parameters
load_c_vfio_pci && taint_c=$(cat /proc/sys/kernel/tainted) c_taint=$(cat /sys/module/vfio_pci/taint)
# Both are named vfio_pci: while C's is loaded the kernel refuses ours (EEXIST) before its init
# runs, and C's stays.
insmod /rs/vfio_pci.ko > /tmp/insmod.out 2>&1
check "with C vfio-pci loaded, insmod of the Rust one fails with EEXIST ($(cat /tmp/insmod.out)), C stays" \
	sh -c "grep -q 'File exists' /tmp/insmod.out && grep -q '^vfio_pci ' /proc/modules && [ \"\$(cat /sys/module/vfio_pci/taint)\" = '$(letter_of "$c_oot")' ]"
rmmod vfio_pci
n=$(dmesg | wc -l)
check "Rust vfio_pci loads" load_rs_vfio_pci
taint_rs=$(cat /proc/sys/kernel/tainted) rs_taint=$(cat /sys/module/vfio_pci/taint)
check "loading C vfio-pci leaves the taint flags as they were but for its build's O ($taint0 -> ${taint_c:-C not loaded}, module: '${c_taint:-}')" \
	sh -c "[ '${taint_c:-}' = $((taint0 | c_oot)) ] && [ '${c_taint:-}' = '$(letter_of "$c_oot")' ]"
check "loading the Rust vfio_pci leaves them as C does but for its build's O ($taint0 -> $taint_rs, module: '$rs_taint')" \
	sh -c "[ $((taint_rs & ~TAINT_OOT_MODULE)) = $taint0 ] && [ '$rs_taint' = '$(letter_of "$rs_oot")' ]"
check "loading the Rust vfio_pci prints no KTAP (no KUnit suite in the driver)" \
	sh -c "! dmesg | tail -n +$((n + 1)) | grep -qE 'KTAP version|# Subtest:|ok [0-9]+ vfio_pci_rs'"
# The KUnit suites are in the test module, which the kernel tree's build has not (the intree
# variant; docs/intree.md).
if [ -f /rs/vfio_pci_kunit.ko ]; then
	check "KUnit test module vfio_pci_kunit loads" insmod /rs/vfio_pci_kunit.ko
	check "KUnit test module unloads" rmmod vfio_pci_kunit
	kunit_check vfio_pci_rs_token vfio_pci_rs_ids
else
	skip "KUnit suites of the policy: no test module in this build"
fi
for p in nointxmask:644 disable_idle_d3:644 enable_sriov:644 disable_denylist:444; do
	check "parameter ${p%:*} in sysfs, mode ${p#*:}" sh -c "[ \"\$(stat -c %a $P/${p%:*})\" = ${p#*:} ]"
done
check "driver is registered as vfio-pci" test -d /sys/bus/pci/drivers/vfio-pci
check "igb PF binds to the Rust vfio-pci" bind_to $PF vfio-pci
check "PF shows vf_token_users = 0" sh -c "[ \"\$(cat /sys/bus/pci/devices/$PF/vf_token_users)\" = 0 ]"
# Readable by every local user: see docs/ABI/testing/sysfs-bus-pci-drivers-vfio-pci-rs.
check "vf_token_users has mode 0444" [ "$(stat -c %a /sys/bus/pci/devices/$PF/vf_token_users)" = 444 ]
out=$( (echo 1 > /sys/bus/pci/devices/"$PF"/sriov_numvfs) 2>&1)
check "enable_sriov=0: sriov_numvfs write fails with ENOENT" sh -c "echo '$out' | grep -q 'No such file'"
echo 1 > $P/enable_sriov
check "enable_sriov=1: 2 VFs created" sh -c "echo 2 > /sys/bus/pci/devices/$PF/sriov_numvfs"
VF0=$(basename "$(readlink /sys/bus/pci/devices/$PF/virtfn0)")
VF1=$(basename "$(readlink /sys/bus/pci/devices/$PF/virtfn1)")
check "VF $VF0 has driver_override vfio-pci" sh -c "[ \"\$(cat /sys/bus/pci/devices/$VF0/driver_override)\" = vfio-pci ]"
check "VFs are bound to the Rust vfio-pci" sh -c "[ \"$(driver_of "$VF0")\" = vfio-pci ] && [ \"$(driver_of "$VF1")\" = vfio-pci ]"
check "plain NIC binds to the Rust vfio-pci" bind_to $PLAIN vfio-pci
check "no vf_token_users on a VF nor on a device without SR-IOV" sh -c "
	[ ! -e /sys/bus/pci/devices/$VF0/vf_token_users ] && [ ! -e /sys/bus/pci/devices/$PLAIN/vf_token_users ]"

# The writable parameters are latched per device at probe, as in C; vfio's debugfs
# (CONFIG_VFIO_DEBUGFS) shows each device's values.
latched() { echo "$(cat /sys/kernel/debug/vfio/"$1"/pci/nointxmask)$(cat /sys/kernel/debug/vfio/"$1"/pci/disable_idle_d3)"; }
check "nointxmask and disable_idle_d3 off by default (debugfs N N)" [ "$(latched $PLAIN)" = NN ]
echo 1 > $P/nointxmask; echo 1 > $P/disable_idle_d3
bind_to $PLAIN vfio-pci
check "a device probed after setting both latches them (Y Y)" [ "$(latched $PLAIN)" = YY ]
check "a device probed before keeps its values (PF: N N)" [ "$(latched $PF)" = NN ]
echo 0 > $P/nointxmask; echo 0 > $P/disable_idle_d3
check "resetting the parameters leaves the bound device as it was (Y Y)" [ "$(latched $PLAIN)" = YY ]
bind_to $PLAIN vfio-pci
check "probed again, it takes the new values (N N)" [ "$(latched $PLAIN)" = NN ]

# The token flow on the group path, one process.
check "VF token flow (group path)" $T \
	open:"$VF0"=EACCES open:"$VF0":$U2=EACCES open:$PF:$U1=0 open:"$VF0":$U1=0 users:$PF \
	raw:"$VF1 vf_token=$U1"=0 open:$PF=EACCES \
	raw:"$PF vf_token=$U1 vf_token=$U1"=EINVAL raw:"$PF foo=1"=EINVAL \
	raw:"$VF1  vf_token={$U1}"=EINVAL open:$PLAIN:$U1=EINVAL open:$PLAIN=0
check "FEATURE PCI_VF_TOKEN SET on the PF, then VF needs the new token" $T \
	open:$PF=0 set:$U2=0 open:"$VF0":$U1=EACCES open:"$VF0":$U2=0 open:$PLAIN=0 set:$U2=ENOTTY
check "VF of a PF bound to host igb refuses a token" sh -c "
	echo 1 > /sys/bus/pci/devices/$HOST_PF/sriov_numvfs &&
	HVF=\$(basename \$(readlink /sys/bus/pci/devices/$HOST_PF/virtfn0)) &&
	echo vfio-pci > /sys/bus/pci/devices/\$HVF/driver_override &&
	{ [ -L /sys/bus/pci/devices/\$HVF/driver ] && echo \$HVF > /sys/bus/pci/devices/\$HVF/driver/unbind; true; } &&
	echo \$HVF > /sys/bus/pci/drivers_probe &&
	$T open:\$HVF:$U1=EINVAL open:\$HVF=0; r=\$?; echo 0 > /sys/bus/pci/devices/$HOST_PF/sriov_numvfs; exit \$r"
check "log line: VF token required" sh -c "dmesg | grep -q 'vfio-pci $VF0: $LINE_REQUIRED'"
check "log line: Incorrect VF token" sh -c "dmesg | grep -q 'vfio-pci $VF0: $LINE_INCORRECT'"
check "log line: not a PF or VF" sh -c "dmesg | grep -q '$LINE_NOT_PF_OR_VF'"
check "log line: PF not bound to vfio-pci" sh -c "dmesg | grep -q '$LINE_PF_NOT_BOUND'"
check "no token in the kernel log" sh -c "! dmesg | grep -qi -e $U1 -e $U2"
check "users back to 0 after the processes exited" sh -c "[ \"\$(cat /sys/bus/pci/devices/$PF/vf_token_users)\" = 0 ]"
# A second variant driver on the same safe layer, with no unsafe code (the test module
# igbvf_vfio_pci.ko, src/igbvf_vfio_pci.rs): VF1 bound to it through driver_override. What it
# leaves out is the core's, the VF token check among it: VF1 needs its PF's token as under
# vfio-pci, logged by the core with the driver's name. Its read override counts config space
# reads (its per-device data, shown in sysfs), its ioctl override refuses VFIO_DEVICE_RESET.
if [ -f /rs/igbvf_vfio_pci.ko ]; then
	check "second driver igbvf_vfio_pci loads" insmod /rs/igbvf_vfio_pci.ko
	check "VF $VF1 binds to igbvf-vfio-pci" bind_to "$VF1" igbvf-vfio-pci
	check "config_reads on VF1 is 0, no vf_token_users" \
		sh -c "[ \"\$(cat $D/$VF1/config_reads)\" = 0 ] && [ ! -e $D/$VF1/vf_token_users ]"
	$T open:"$VF1"=EACCES open:$PF:$U1=0 open:"$VF1":$U2=EACCES open:"$VF1":$U1=0 users:$PF \
		cfg:"$VF1"=0 cfg:"$VF1"=0 reset:"$VF1"=EPERM > /tmp/igbvf.out 2>&1
	r=$?; sed 's/^/# /' /tmp/igbvf.out
	check "VF1 on igbvf-vfio-pci: the PF's token, the core's check; reads; reset refused (EPERM)" [ $r = 0 ]
	check "... the PF counted the open VF (vf_token_users = 1 while open)" grep -q "$PF vf_token_users = 1" /tmp/igbvf.out
	check "... config space read through its read override: 8086:10ca" grep -q "$VF1 config space: 8086:10ca" /tmp/igbvf.out
	check "... counted in its per-device data: config_reads = 2" [ "$(cat $D/"$VF1"/config_reads)" = 2 ]
	check "... the core logged the refusal with the driver's name" \
		sh -c "dmesg | grep -q 'igbvf-vfio-pci $VF1: $LINE_REQUIRED'"
	check "VF1 back to vfio-pci, igbvf_vfio_pci unloads" sh -c "
		echo $VF1 > /sys/bus/pci/drivers/igbvf-vfio-pci/unbind && rmmod igbvf_vfio_pci &&
		echo vfio-pci > $D/$VF1/driver_override && echo $VF1 > /sys/bus/pci/drivers_probe &&
		[ \"\$(basename \$(readlink $D/$VF1/driver))\" = vfio-pci ]"
fi
check "VFs removed" sh -c "echo 0 > /sys/bus/pci/devices/$PF/sriov_numvfs"

# The upstream selftest, unmodified, against the Rust driver.
kselftest "vfio_pci_sriov_uapi_test (Rust driver)" 300 /tmp/uapi.out /selftests/vfio_pci_sriov_uapi_test $PF
kselftest_report "upstream vfio_pci_sriov_uapi_test against the Rust driver"

check "PF unbinds" sh -c "echo $PF > $VFIO_PCI/unbind"
check "plain NIC unbinds" sh -c "echo $PLAIN > $VFIO_PCI/unbind"
check "module unloads" rmmod vfio_pci
echo > /sys/bus/pci/devices/$PLAIN/driver_override
check "ids=8086:10d3 binds the e1000e at load, without driver_override" sh -c "
	insmod /rs/vfio_pci.ko ids=8086:10d3 && [ \"\$(basename \$(readlink /sys/bus/pci/devices/$PLAIN/driver))\" = vfio-pci ] &&
	dmesg | grep -q 'vfio_pci: add \[8086:10d3\[ffffffff:ffffffff\]\] class 0x000000/00000000' &&
	echo $PLAIN > $VFIO_PCI/unbind && rmmod vfio_pci"
check "with C vfio-pci loaded, the Rust module refuses to load" sh -c "insmod $MODDIR/vfio-pci.ko && ! insmod /rs/vfio_pci.ko 2>/dev/null && rmmod vfio_pci"

# ids=: hostile strings given to C vfio-pci and to the Rust module, one load each; what each
# logs while loading (one line per entry: added, or "invalid id string") and the devices it
# binds must be the same. C reads an entry with the kernel's sscanf("%x:%x:%x:%x:%x:%x"):
# the scan stops at the first byte that does not fit, a field skips leading spaces (NBSP
# 0xa0 too), the ':' skips none, "0x" without digits reads 0, wide values keep their low 32
# bits (all ones past 64 bits). The e1000e (8086:10d3) must bind only where C's entry is
# valid: "8086 :10d3" is not, "8086:<NBSP>10d3" is.
TAB=$(printf '\t') NBSP=$(printf '\240') FF=$(printf '\377') NL=$(printf '\n.') NL=${NL%.}
IDS_A="8086:10ca 8086:10cb,8086 :10d3,8086: 10ca,8086:${TAB}10cb,123456789:abcdef012,10000000000000000:1,1000000000000000:ffffffffffffffff,0x:10ca,8086:0x,0xx1:2,8086:10cag:1,-1:2,+1:2,8086:10ca:1:2:3:4:5,8086:10ca:0x:0X:0x:0x,,zz,8086,:,${NL}1af4:1000,${FF}:10ca,8086:10ca${FF},"
IDS_B="8086:${NBSP}10d3,${NBSP}zz,${TAB}x,8086:10ca:,8086:1:2:3:4:${NBSP}0x,00000000000000000000000000000000008086:1,1:200000000000000000000000000000abcd:5, 1af4 : 1000"
echo > /sys/bus/pci/devices/$PF/driver_override
# ids_load RUN SET LOADER VALUE: loads with ids=VALUE; keeps the vfio log lines of the load
# and the drivers of the rig's devices in /tmp/ids.RUN.SET.
ids_load() {
	: > /tmp/ids."$1"."$2"
	n=$(dmesg | wc -l)
	$3 "ids=\"$4\"" || echo "load failed" >> /tmp/ids."$1"."$2"
	dmesg | tail -n +$((n + 1)) | sed -n 's/^\[[ 0-9.]*\] \(vfio\)/\1/p' >> /tmp/ids."$1"."$2"
	echo "PF: $(driver_of $PF) PLAIN: $(driver_of $PLAIN) HOST_PF: $(driver_of $HOST_PF)" >> /tmp/ids."$1"."$2"
	rmmod vfio_pci
}
for set in IDS_A IDS_B; do
	if [ $set = IDS_A ]; then v=$IDS_A; else v=$IDS_B; fi
	ids_load c $set load_c_vfio_pci "$v"
	ids_load rs $set load_rs_vfio_pci "$v"
	sed "s/^/# C $set: /" /tmp/ids.c.$set | cat -v
	if cmp -s /tmp/ids.c.$set /tmp/ids.rs.$set; then
		ok "ids=$set: the Rust module logs and binds as C ($(grep -c '^vfio_pci: ' /tmp/ids.c.$set) lines)"
	else
		diff /tmp/ids.c.$set /tmp/ids.rs.$set | cat -v | sed 's/^/# /'
		bad "ids=$set: the Rust module logs or binds otherwise than C"
	fi
done
check "C read the strings as given (spaces, NBSP and bytes over 0x7f in the value)" sh -c "
	grep -qx 'vfio_pci: add \[8086:10ca\[ffffffff:ffffffff\]\] class 0x000000/00000000' /tmp/ids.c.IDS_A &&
	grep -qx 'vfio_pci: invalid id string \"8086 :10d3\"' /tmp/ids.c.IDS_A &&
	grep -qx 'vfio_pci: invalid id string \"${FF}:10ca\"' /tmp/ids.c.IDS_A &&
	grep -qx 'vfio_pci: add \[8086:10d3\[ffffffff:ffffffff\]\] class 0x000000/00000000' /tmp/ids.c.IDS_B &&
	grep -q 'PLAIN:  HOST_PF' /tmp/ids.c.IDS_A && grep -q 'PLAIN: vfio-pci HOST_PF' /tmp/ids.c.IDS_B"

# modinfo: the entries of .modinfo (parameters, their types and descriptions, alias, license,
# description, depends, vermagic, name, ...) must be C's, in any order (each compiler orders
# the section its own way). Left out: author (who wrote each module), intree (set by Kbuild
# for modules built in the kernel tree only; its absence is what taints an out-of-tree
# module O), srcversion and scmversion (each module's own sources and tree). A signature is
# not in .modinfo.
modinfo_of() { /selftests/modinfo_dump "$1" | grep -vE '^(author|intree|srcversion|scmversion)=' | sort; }
modinfo_of $MODDIR/vfio-pci.ko > /tmp/modinfo.c
modinfo_of /rs/vfio_pci.ko > /tmp/modinfo.rs
sed 's/^/# C modinfo: /' /tmp/modinfo.c | cut -c1-110
check "C's modinfo has the alias and a type for each of its parameters" sh -c "
	grep -qx 'alias=vfio_pci:v\*d\*sv\*sd\*bc\*sc\*i\*' /tmp/modinfo.c &&
	[ \$(grep -c '^parmtype=' /tmp/modinfo.c) -ge 5 ] &&
	[ \$(grep -c '^parmtype=' /tmp/modinfo.c) = \$(grep -c '^parm=' /tmp/modinfo.c) ]"
if cmp -s /tmp/modinfo.c /tmp/modinfo.rs; then
	ok "modinfo of the Rust module lists C's $(wc -l < /tmp/modinfo.c) entries"
else
	diff /tmp/modinfo.c /tmp/modinfo.rs | sed 's/^/# /'
	bad "modinfo of the Rust module differs from C's"
fi
# An open that fails after the core's enable (the test driver vfio_pci_open_test.ko: a setup
# step after vfio_pci_core_enable fails, as C vfio-pci's IGD setup can) leaves the device as it
# was: the safe layer's guard runs vfio_pci_core_disable, so the PCI enable count comes back.
if [ -f /rs/vfio_pci_open_test.ko ]; then
	check "test driver vfio_pci_open_test loads" insmod /rs/vfio_pci_open_test.ko
	check "the plain NIC binds to it" bind_to $PLAIN vfio-pci-open-test
	enable0=$(cat $D/$PLAIN/enable)
	check "an open failing after the enable returns the setup's error (ENOENT), twice" \
		$T open:$PLAIN=ENOENT open:$PLAIN=ENOENT
	check "... and leaves the PCI enable count as it was ($enable0 -> $(cat $D/$PLAIN/enable))" \
		[ "$(cat $D/$PLAIN/enable)" = "$enable0" ]
	echo $PLAIN > /sys/bus/pci/drivers/vfio-pci-open-test/unbind
	echo > $D/$PLAIN/driver_override
	check "test driver unloads" rmmod vfio_pci_open_test
fi
check "no kernel warning, oops or lockdep report" no_splat
dmesg | grep -E 'vfio' | tail -n 30 | sed 's/^/# dmesg: /'
verdict

# shellcheck shell=dash
# The VF token's real clients on the Debian host (Debian's own kernel and trixie userland, see
# suites/debian.sh), with Debian's own packages: driverctl and dpdk-devbind.py bind the
# devices; a long-lived DPDK testpmd on the PF sets the token T1 (--vfio-vf-token); testpmd on
# a VF with T1 opens and probes the port, with T2 or no token it is refused; QEMU realizes
# `-device vfio-pci,host=VF,vf-token=T1` (-S, no guest OS: realize opens the device) and fails
# with T2 or none. Every step once with Debian's C vfio-pci and once with the Rust module in the
# same boot: outcomes, the clients' own words about the open, and the driver's token log lines
# must be the same.
# shellcheck source=tests/guest/lib.sh
. /tests/lib.sh
T1=$U1 T2=$U2
# Unbuffered: readiness is read from the output. No hugepages in the guest; IOVA = VA. Two
# lcores: testpmd needs one besides the main one to forward; a pool that fits in -m 128.
TESTPMD="stdbuf -o0 -e0 dpdk-testpmd -n 1 --no-huge -m 128 --iova-mode=va"
QEMU="qemu-system-x86_64 -M q35 -accel tcg,tb-size=64 -m 64 -nodefaults -display none -S -monitor stdio"
# TCG in TCG: a client's start takes tens of seconds.
WAIT=240
modprobe igb && modprobe e1000e
check_rig
# DPDK keeps its runtime files in /run; driverctl persists overrides in /etc/driverctl.d. The
# root is read-only.
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /etc/driverctl.d

# step RUN NAME OUTCOME: one line of the C/Rust table (printed at once as progress).
step() { echo "$2 $3" >> /tmp/steps."$1"; echo "# $1 $(date +%T): $2 $3"; }
# wait_for FILE PATTERN: until PATTERN is in FILE (1) or WAIT seconds have passed (0).
wait_for() {
	n=0
	while ! grep -qE "$2" "$1" 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt $WAIT ]; then
			echo "# no '$2' in $1 after ${WAIT}s:"; tail -n 15 "$1" | sed 's/^/#   /'
			return 1
		fi
		sleep 1
	done
}
# dpdk_outcome FILE: what testpmd made of the open.
dpdk_outcome() {
	if grep -q "Getting a vfio_dev_fd for .* failed" "$1"; then echo refused
	elif grep -q "Error - exiting" "$1"; then echo "other(exited)"
	elif grep -qE "Press enter to exit|testpmd>" "$1"; then echo opened
	else echo "other"; fi
}
# qemu_outcome FILE EXIT: what QEMU made of realizing the device.
qemu_outcome() {
	if [ "$2" = 0 ] && grep -q 'Ethernet controller: PCI device 8086:10ca' "$1"; then echo realized
	elif [ "$2" != 0 ] && grep -q 'Permission denied' "$1"; then echo "refused(exit_$2)"
	else echo "other(exit_$2)"; fi
}
# words FILE: the client's lines about the device's open, without pids, times and addresses
# that differ between runs.
words() {
	grep -E 'vfio|VFIO|token|Permission|error|Error' "$1" | grep -v 'KVM VFIO device' |
		sed -E 's/[0-9]+\.[0-9]+s//g; s/0x[0-9a-f]+/ADDR/g; s/pid [0-9]+/pid N/g; s/group [0-9]+/group N/g'
}
users() { cat $D/$PF/vf_token_users 2>/dev/null || echo none; }

# clients RUN: the whole user story with one driver.
clients() {
	run=$1
	: > /tmp/steps."$run"
	if [ "$run" = c ]; then load_c_vfio_pci enable_sriov=1; else load_rs_vfio_pci enable_sriov=1; fi ||
		{ step "$run" load failed; return; }
	# driverctl, persisted as a user would (the udev rule runs load-override at boot).
	driverctl set-override $PF vfio-pci > /tmp/driverctl."$run" 2>&1
	step "$run" driverctl_set_override "$(driver_of $PF)"
	step "$run" driverctl_list_persisted "$(driverctl list-persisted | tr ' ' =)"
	bind_to $PF igb
	driverctl load-override $PF >> /tmp/driverctl."$run" 2>&1
	step "$run" driverctl_load_override "$(driver_of $PF)"
	echo 2 > $D/$PF/sriov_numvfs
	vf=$(basename "$(readlink $D/$PF/virtfn0)")
	dpdk-devbind.py -b vfio-pci "$vf" > /tmp/devbind."$run" 2>&1
	step "$run" devbind_vf "$(driver_of "$vf")"
	dmesg -C
	# The PF's user: interactive testpmd, which holds the device; its stdin stays open.
	sleep 3600 | $TESTPMD -l 0-1 --file-prefix pf -a $PF --vfio-vf-token=$T1 -- -i --total-num-mbufs=2048 > /tmp/dpdk-pf."$run" 2>&1 &
	wait_for /tmp/dpdk-pf."$run" 'testpmd>|failed|exiting'
	step "$run" dpdk_pf_T1 "$(dpdk_outcome /tmp/dpdk-pf."$run")"
	sleep 3600 | $TESTPMD -l 0-1 --file-prefix vf1 -a "$vf" --vfio-vf-token=$T1 -- -i --total-num-mbufs=2048 > /tmp/dpdk-vf1."$run" 2>&1 &
	wait_for /tmp/dpdk-vf1."$run" 'testpmd>|failed|exiting'
	step "$run" dpdk_vf_T1 "$(dpdk_outcome /tmp/dpdk-vf1."$run")"
	users > /tmp/users-dpdk."$run"
	pkill -f 'file-prefix vf1'
	wait_gone 'file-prefix vf1'
	# shellcheck disable=SC2086 # a command with its options
	timeout $WAIT $TESTPMD -l 0-1 --file-prefix vf2 -a "$vf" --vfio-vf-token=$T2 -- --total-num-mbufs=2048 \
		< /dev/null > /tmp/dpdk-vf2."$run" 2>&1
	step "$run" dpdk_vf_T2 "$(dpdk_outcome /tmp/dpdk-vf2."$run")"
	# shellcheck disable=SC2086 # a command with its options
	timeout $WAIT $TESTPMD -l 0-1 --file-prefix vf3 -a "$vf" -- --total-num-mbufs=2048 \
		< /dev/null > /tmp/dpdk-vf3."$run" 2>&1
	step "$run" dpdk_vf_no_token "$(dpdk_outcome /tmp/dpdk-vf3."$run")"
	# QEMU, while the DPDK PF process holds the PF with T1 set; its monitor is a FIFO so that
	# it stays up while vf_token_users is read.
	rm -f /tmp/qmon; mkfifo /tmp/qmon
	$QEMU -device vfio-pci,host="$vf",vf-token=$T1 < /tmp/qmon > /tmp/qemu-T1."$run" 2>&1 &
	qpid=$!
	exec 7> /tmp/qmon
	wait_for /tmp/qemu-T1."$run" '\(qemu\)|rror'
	users > /tmp/users-qemu."$run"
	echo 'info pci' >&7; echo quit >&7; exec 7>&-
	wait $qpid; rc=$?
	step "$run" qemu_vf_T1 "$(qemu_outcome /tmp/qemu-T1."$run" $rc)"
	# shellcheck disable=SC2086 # a command with its options
	echo quit | timeout $WAIT $QEMU -device vfio-pci,host="$vf",vf-token=$T2 > /tmp/qemu-T2."$run" 2>&1
	step "$run" qemu_vf_T2 "$(qemu_outcome /tmp/qemu-T2."$run" $?)"
	# shellcheck disable=SC2086 # a command with its options
	echo quit | timeout $WAIT $QEMU -device vfio-pci,host="$vf" > /tmp/qemu-none."$run" 2>&1
	step "$run" qemu_vf_no_token "$(qemu_outcome /tmp/qemu-none."$run" $?)"
	pkill -f 'file-prefix pf'
	wait_gone 'file-prefix pf'
	pkill -x sleep
	dmesg | grep -E 'VF token|vf_token' | sed 's/^\[[^]]*\] //' | sort -u > /tmp/log."$run"
	for f in dpdk-pf dpdk-vf1 dpdk-vf2 dpdk-vf3 qemu-T1 qemu-T2 qemu-none; do
		echo "== $f"; words /tmp/$f."$run"
	done > /tmp/words."$run"
	echo 0 > $D/$PF/sriov_numvfs
	driverctl unset-override $PF >> /tmp/driverctl."$run" 2>&1
	step "$run" driverctl_unset_override "$(driver_of $PF)"
	[ "$(driver_of $PF)" = igb ] || bind_to $PF igb
	rmmod vfio_pci
}
# wait_gone PATTERN: until no process matches (a killed client releases the device on exit).
wait_gone() { n=0; while pgrep -f "$1" > /dev/null && [ $n -lt 60 ]; do n=$((n + 1)); sleep 1; done; }

t0=$(date +%s)
clients c
t1=$(date +%s)
clients rs
t2=$(date +%s)
echo "# clients: C run $((t1 - t0))s, Rust run $((t2 - t1))s"
printf '# %-26s %-22s %-22s\n' "step" "C vfio-pci" "Rust"
while read -r name c; do
	printf '# %-26s %-22s %-22s\n' "$name" "$c" "$(sed -n "s/^$name //p" /tmp/steps.rs)"
done < /tmp/steps.c
sed 's/^/# C logged: /' /tmp/log.c
grep -hE 'failed|Permission denied' /tmp/words.c | sort -u | sed 's/^/# C clients said: /'
expected="driverctl_set_override vfio-pci
driverctl_list_persisted $PF=vfio-pci
driverctl_load_override vfio-pci
devbind_vf vfio-pci
dpdk_pf_T1 opened
dpdk_vf_T1 opened
dpdk_vf_T2 refused
dpdk_vf_no_token refused
qemu_vf_T1 realized
qemu_vf_T2 refused(exit_1)
qemu_vf_no_token refused(exit_1)"
# Where unset-override leaves the PF (driverctl's new_id stays) is compared, not prescribed.
grep -v '^driverctl_unset_override ' /tmp/steps.c > /tmp/steps.c.cmp
# shellcheck disable=SC2016 # expanded by the inner sh
check "C vfio-pci: driverctl and devbind bind, T1 opens (DPDK, QEMU), T2 and no token are refused" \
	sh -c 'echo "$1" | cmp -s - /tmp/steps.c.cmp' _ "$expected"
check "every client step as with C" cmp -s /tmp/steps.c /tmp/steps.rs
check "the clients' own words about each open as with C" cmp -s /tmp/words.c /tmp/words.rs
check "the driver's VF token log lines as C's ($(wc -l < /tmp/log.c))" sh -c \
	"grep -q '$LINE_REQUIRED' /tmp/log.c && grep -q '$LINE_INCORRECT' /tmp/log.c && cmp -s /tmp/log.c /tmp/log.rs"
check "vf_token_users is 1 while testpmd holds the VF (C has no such file: $(cat /tmp/users-dpdk.c))" \
	sh -c "[ \"\$(cat /tmp/users-dpdk.rs)\" = 1 ]"
check "vf_token_users is 1 while QEMU holds the VF" sh -c "[ \"\$(cat /tmp/users-qemu.rs)\" = 1 ]"
# A step that differs or is neither opened nor refused: the clients' own words.
if ! cmp -s /tmp/steps.c /tmp/steps.rs || grep -q other /tmp/steps.c /tmp/steps.rs; then
	for f in /tmp/dpdk-*.* /tmp/qemu-*.* /tmp/driverctl.*; do
		echo "# $f:"; tail -n 12 "$f" | sed 's/^/#   /'
	done
fi
! diff /tmp/words.c /tmp/words.rs > /tmp/words.diff && sed 's/^/# words diff: /' /tmp/words.diff
check "no WARNING/BUG/oops" no_splat
verdict

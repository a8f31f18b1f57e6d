# shellcheck shell=dash
# Reliability and security, on the debug kernel (scripts/rig.sh debug): for the C
# vfio-pci and then the Rust driver, the same stages with the tools tests/guest/bin/vfio_*.c:
# token races, SR-IOV / unbind / rebind cycles, PF removal with an open VF, rmmod with an
# open device, fault injection (fail-nth) in probe, sriov_configure and open, hostile match
# strings, and a search for every token set. Each stage's kernel log is searched for splats,
# and kmemleak is scanned after each driver. Sizes come from the kernel command line
# (rig.ops, rig.cycles, rig.fuzz, rig.fault_step; scripts/stress.sh sets the full ones).
# Also on a Debian kernel (rig.host=debian, scripts/check-kernels.sh on the rt flavour, where
# PREEMPT_RT makes the core's spinlocks sleeping locks): without kmemleak or failslab there,
# the leak scan and the fault stage are skipped, each with a line that says so.
# shellcheck source=tests/guest/lib.sh
. /tests/lib.sh
T=/selftests/vf_token_tool
DBG=/sys/kernel/debug
OPS=$(arg ops 2000) CYCLES=$(arg cycles 15) FUZZ=$(arg fuzz 20000) STEP=$(arg fault_step 5)
TK=$U1
echo $TK > /tmp/tokens
# The first line of every kernel report (lockdep's start with "WARNING:"); and kmemleak
# turning itself off, which would make its scan say nothing.
SPLAT='WARNING:|BUG:|Oops|KASAN:|UBSAN:|ODEBUG:|general protection fault|suspicious RCU usage|blocked for more than|PF removed while|leak detector disabled'
# Two upstream 7.3 WARNs that C vfio-pci triggers as well, counted apart:
# - pci_stop_and_remove_bus_device() asserts pci_rescan_remove_lock, but a PF driver's remove
#   disables SR-IOV without it when the PF is unbound through sysfs (sriov_numvfs takes it);
# - vfio_create_group(): when dev_set_name() or cdev_device_add() fails, its put_device() runs
#   vfio_group_release() with group->iommu_group still set (WARN_ON; seen with fail-nth in probe).
UPSTREAM='WARNING: drivers/(pci/remove.c:[0-9]+ at pci_stop_and_remove_bus_device|vfio/group.c:[0-9]+ at vfio_group_release)'

HAVE_LEAKS=1 HAVE_FAULTS=1
[ -f "$DBG"/kmemleak ] || HAVE_LEAKS=0
{ [ -d "$DBG"/failslab ] && [ -f /proc/thread-self/fail-nth ]; } || HAVE_FAULTS=0
if [ "$HOST" = debian ]; then
	# No udev here: the NIC drivers the rig expects (as in the debian suite).
	modprobe igb && modprobe e1000e
	echo "# Debian kernel $(uname -r) ($(uname -v | grep -o 'PREEMPT_[A-Z]*' | head -n1)): kmemleak $HAVE_LEAKS, failslab $HAVE_FAULTS"
else
	[ "$(sed -n 's/.*rig\.variant=\([^ ]*\).*/\1/p' /proc/cmdline)" = debug ] || die "stress needs the debug kernel (RIG_VARIANT=debug)"
	[ "$HAVE_LEAKS$HAVE_FAULTS" = 11 ] || die "debug kernel lacks kmemleak or failslab"
fi
check_rig
if [ "$HAVE_FAULTS" = 1 ]; then
	# Allocations that may sleep are the usual ones: let failslab fail them too; no stack dumps.
	echo N > $DBG/failslab/ignore-gfp-wait
	echo 0 > $DBG/failslab/verbose
fi
if [ "$HAVE_LEAKS" = 1 ]; then
	echo scan=off > $DBG/kmemleak
	echo clear > $DBG/kmemleak
fi

numvfs() { cat "$D"/"$PF"/sriov_numvfs; }
# splats: how many reports the kernel log holds since the last dmesg -c, and how many of them
# are the known upstream one.
splats() { dmesg | grep -E "$SPLAT" | grep -cvE "$UPSTREAM"; }
upstream_splats() { dmesg | grep -cE "$UPSTREAM"; }
# leaks: kmemleak's count of new unreferenced objects (each must be 5 s old to count).
leaks() {
	sleep 6; echo scan > $DBG/kmemleak; sleep 1; echo scan > $DBG/kmemleak
	grep -c '^unreferenced object' $DBG/kmemleak
}
first_bad() { [ -z "$FIRST" ] && FIRST="$*"; }

load() {
	# shellcheck disable=SC2119 # no module parameters
	if [ "$1" = C ]; then load_c_vfio_pci; else load_rs_vfio_pci; fi && echo 1 > "$P"/enable_sriov
}
# vfs N: the PF has exactly N VFs, all bound to vfio-pci
vfs() {
	[ "$(numvfs)" = "$1" ] || { echo 0 > "$D"/"$PF"/sriov_numvfs && echo "$1" > "$D"/"$PF"/sriov_numvfs; } || return 1
	i=0; while [ $i -lt "$1" ]; do [ "$(driver_of "$(vf_of "$PF" $i)")" = vfio-pci ] || return 1; i=$((i + 1)); done
}

# --- stages; each adds to the driver's figures ------------------------------------------
stage_tokens() {
	vfs 4 || { bad "$1: 4 VFs bound"; return; }
	run_timed 1200 vfio_token_race "$PF" "$(vf_of "$PF" 0),$(vf_of "$PF" 1),$(vf_of "$PF" 2),$(vf_of "$PF" 3)" "$OPS" 1000 > /tmp/tokens.out 2>&1
	rc=$?; grep -v '^violation' /tmp/tokens.out | sed 's/^/# /'; grep '^violation' /tmp/tokens.out | head -5 | sed 's/^/# /'
	n=$(sed -n 's/.* ops=\([0-9]*\).*/\1/p' /tmp/tokens.out); OPS_DONE=$((OPS_DONE + ${n:-0}))
	paths="6 threads (group and cdev paths)"
	[ -e /dev/iommu ] || paths="5 threads (the group path: this kernel has no IOMMUFD)"
	check "$1: $OPS token operations from $paths, no invariant broken" [ $rc = 0 ]
}

stage_cycles() {
	FIRST=
	c=0; third=$(( (CYCLES + 2) / 3 ))
	# sriov_numvfs 0 -> N -> 0, N = 1, 4, 7, 3, 6, 2, 5, ...: every count in 7 cycles, and the
	# fewest and the most VFs in the first 3.
	while [ $c -lt $third ]; do
		n=$((1 + c * 3 % 7))
		vfs $n || first_bad "sriov_numvfs 0->$n"
		{ echo 0 > "$D"/"$PF"/sriov_numvfs && [ "$(numvfs)" = 0 ]; } || first_bad "sriov_numvfs $n->0"
		c=$((c + 1)); CYCLES_DONE=$((CYCLES_DONE + 1))
	done
	vfs 2 || first_bad "2 VFs"
	VF0=$(vf_of "$PF" 0)
	c=0; while [ $c -lt $third ]; do	# VF unbind / rebind
		{ echo "$VF0" > "$VFIO_PCI"/unbind && [ -z "$(driver_of "$VF0")" ]; } || first_bad "VF unbind"
		{ echo "$VF0" > "$VFIO_PCI"/bind && [ "$(driver_of "$VF0")" = vfio-pci ]; } || first_bad "VF rebind"
		c=$((c + 1)); CYCLES_DONE=$((CYCLES_DONE + 1))
	done
	c=0; while [ $c -lt $third ]; do	# PF unbind / rebind, with VFs every other time
		[ $((c % 2)) = 0 ] && { vfs 2 || first_bad "2 VFs before PF unbind"; }
		{ echo "$PF" > "$VFIO_PCI"/unbind && [ -z "$(driver_of "$PF")" ] && [ "$(numvfs)" = 0 ]; } ||
			first_bad "PF unbind (VFs must go with it)"
		{ echo "$PF" > "$VFIO_PCI"/bind && [ "$(driver_of "$PF")" = vfio-pci ]; } || first_bad "PF rebind"
		c=$((c + 1)); CYCLES_DONE=$((CYCLES_DONE + 1))
	done
	check "$1: $((3 * third)) cycles (sriov_numvfs 0->N->0, VF and PF unbind/rebind)${FIRST:+, first failure: $FIRST}" [ -z "$FIRST" ]
}

stage_unbind_pf() {
	{ vfs 1 && $T open:"$PF":"$TK"=0 >/dev/null; } || { bad "$1: setup of PF removal"; return; }
	run_timed 180 vfio_unbind_pf "$PF" "$(vf_of "$PF" 0)" "$TK" 60 > /tmp/unbind.out 2>&1; rc=$?
	sed 's/^/# /' /tmp/unbind.out
	check "$1: PF unbind with an open VF asks the VF user, then completes" [ $rc = 0 ]
	check "$1: VFs gone with the PF, PF rebinds" sh -c "[ ! -e $D/$PF/virtfn0 ] && echo $PF > $VFIO_PCI/bind"
}

stage_rmmod() {
	bind_to "$PLAIN" vfio-pci || { bad "$1: plain NIC to vfio-pci"; return; }
	# A fresh file: the child truncates it only once it runs, and the previous driver's
	# "held" line would end the wait at once (rmmod then raced the open: ENODEV).
	rm -f /tmp/hold.out
	vfio_hold "$PLAIN" > /tmp/hold.out 2>&1 &
	holder=$!
	i=0; while ! grep -qE '^(held|refused)' /tmp/hold.out 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	grep -q '^held' /tmp/hold.out || { bad "$1: plain NIC held open ($(cat /tmp/hold.out))"; kill $holder; return; }
	out=$(rmmod vfio_pci 2>&1); rc=$?
	echo "# rmmod with $(cat /tmp/hold.out): exit $rc, $out"
	check "$1: rmmod refused while a device fd is open" sh -c "[ $rc != 0 ] && grep -q '^vfio_pci ' /proc/modules"
	kill $holder; wait $holder 2>/dev/null
	# The reload binds the PF again by itself: its driver_override still names vfio-pci.
	rmmod vfio_pci && [ -z "$(driver_of "$PF")" ] && load "$1" && [ "$(driver_of "$PF")" = vfio-pci ]
	check "$1: rmmod succeeds after the close, then reload and rebind work" [ $? = 0 ]
}

# inject WHAT AFTER OP...: for n = 1, 1+STEP, ...: fail the n-th allocation of OP (failslab
# through fail-nth), then AFTER checks the state against the result $r and resets it; until OP
# no longer reaches an n-th allocation.
inject() {
	what=$1 after=$2; shift 2
	FIRST='' n=1 injected=0 errors=0 NODELESS=0
	while [ $n -lt 5000 ]; do
		r=$(vfio_failnth $n "$@" 2>&1)
		case $r in
		injected=0*) break ;;
		"injected=1 err=0") ;;
		injected=1*) errors=$((errors + 1)) ;;
		*) first_bad "failnth $n: $r"; break ;;
		esac
		injected=$((injected + 1))
		$after || first_bad "state after failing allocation $n of $what ($r)"
		n=$((n + STEP))
	done
	FAULTS=$((FAULTS + injected))
	nl=; [ $NODELESS = 0 ] || nl=" ($NODELESS of them left the group without its devtmpfs node)"
	every="every ${STEP}th"; [ "$STEP" = 1 ] && every="each one"
	echo "# $what: $injected allocations failed in turn ($every), $errors returned an error, the rest were absorbed$nl; $((n - 1)) reached"
	[ $injected -gt 0 ] || first_bad "no allocation reached"
	check "$DRV: fault injection in $what leaves a working device${FIRST:+, first failure: $FIRST}" [ -z "$FIRST" ]
}
# A failed probe leaves the PF unbound; an absorbed failure leaves it bound and working, but
# for one kernel behaviour: device_add() ignores a failure to create the devtmpfs node, so the
# group's /dev/vfio/N can be missing while /sys/class/vfio/N exists (seen with C vfio-pci;
# no driver can see it). Counted in NODELESS; the unbind below drops that group.
after_probe() {
	ok_=0
	case $r in
	*err=0)
		g=$(basename "$(readlink "$D"/"$PF"/iommu_group)")
		if [ "$(driver_of "$PF")" != vfio-pci ]; then ok_=1
		elif [ ! -e /dev/vfio/"$g" ] && [ -e /sys/class/vfio/"$g" ]; then NODELESS=$((NODELESS + 1))
		else $T open:"$PF"=0 >/dev/null || ok_=1
		fi ;;
	*) [ -z "$(driver_of "$PF")" ] || ok_=1 ;;
	esac
	[ -z "$(driver_of "$PF")" ] || echo "$PF" > "$VFIO_PCI"/unbind
	return $ok_
}
# A failed sriov_configure leaves no VF; an absorbed failure leaves both bound to vfio-pci.
after_sriov() {
	case $r in
	*err=0) vfs 2 && echo 0 > "$D"/"$PF"/sriov_numvfs ;;
	*) [ "$(numvfs)" = 0 ] ;;
	esac
}
# After a failed or absorbed open of the VF, closed again: no VF user is left.
after_open() {
	[ ! -f "$D"/"$PF"/vf_token_users ] || [ "$(cat "$D"/"$PF"/vf_token_users)" = 0 ]
}
# The PCI core's VF creation (pci_iov_add_virtfn) oopses when an allocation in it fails: its
# error path runs device_del() on a VF that was never added (kill_device NULL dereference, seen
# with C vfio-pci first; upstream 7.3). failslab's stack filter keeps injection out of it.
spare_vf_creation() {
	[ -f "$DBG"/failslab/reject-start ] || return 1
	start=$(grep -m1 ' pci_iov_add_virtfn$' /proc/kallsyms | cut -d' ' -f1)
	[ -n "$start" ] || return 1
	end=$(sort /proc/kallsyms | awk -v s="$start" '$1 > s { print $1; exit }')
	echo 0x"$start" > "$DBG"/failslab/reject-start && echo 0x"$end" > "$DBG"/failslab/reject-end
}
stage_faults() {
	DRV=$1
	[ "$HAVE_FAULTS" = 1 ] || { skip "$1: fault injection (this kernel has no failslab or fail-nth)"; return; }
	echo 0 > "$D"/"$PF"/sriov_numvfs
	echo "$PF" > "$VFIO_PCI"/unbind
	inject probe after_probe write "$VFIO_PCI"/bind "$PF"
	[ "$(driver_of "$PF")" = vfio-pci ] || echo "$PF" > "$VFIO_PCI"/bind
	if spare_vf_creation; then
		inject sriov_configure after_sriov write "$D"/"$PF"/sriov_numvfs 2
		echo 0 > "$DBG"/failslab/reject-start; echo 0 > "$DBG"/failslab/reject-end
	else
		skip "$1: fault injection in sriov_configure (no failslab stack filter to spare pci_iov_add_virtfn)"
	fi
	{ vfs 1 && $T open:"$PF":"$TK"=0 >/dev/null; } || first_bad "1 VF and a token for the open faults"
	inject open after_open open "$(vf_of "$PF" 0)" "$TK"
	check "$1: after the open faults, the VF opens with the token and the PF needs none" \
		"$T" open:"$(vf_of "$PF" 0)":"$TK"=0 close:"$(vf_of "$PF" 0)" open:"$PF"=0
}

stage_fuzz() {
	vfs 1 || { bad "$1: 1 VF for the fuzzer"; return; }
	run_timed 1800 vfio_fuzz_match "$PF" "$(vf_of "$PF" 0)" "$TK" "$FUZZ" 0x5eed > /tmp/fuzz.out 2>&1; rc=$?
	sed 's/^/# /' /tmp/fuzz.out | head -8
	FUZZED=$(sed -n 's/.*inputs=\([0-9]*\).*/\1/p' /tmp/fuzz.out)
	sed -n 's/.*hash=\([0-9a-f]*\).*/\1/p' /tmp/fuzz.out > /tmp/fuzz-hash."$1"
	check "$1: $FUZZ hostile match strings: only EINVAL/EACCES/ENODEV/EFAULT or a correct open" [ $rc = 0 ]
}

stage_secrets() {
	vfio_secrets /tmp/tokens /sys/devices/pci0000:00 /sys/module /sys/bus/pci/drivers "$DBG" > /tmp/secrets.out 2>&1; rc=$?
	sed 's/^/# /' /tmp/secrets.out | tail -6
	check "$1: no token set in this boot ($(wc -l < /tmp/tokens) of them) in dmesg, sysfs or debugfs" [ $rc = 0 ]
}

run_driver() {
	OPS_DONE=0 CYCLES_DONE=0 FAULTS=0 FUZZED=0
	dmesg -c > /dev/null
	[ "$HAVE_LEAKS" = 0 ] || echo clear > $DBG/kmemleak
	check "$1 vfio-pci loads with enable_sriov=1" load "$1"
	check "$1: PF binds" bind_to $PF vfio-pci
	for s in tokens cycles unbind_pf rmmod faults fuzz secrets; do
		t0=$(date +%s); stage_$s "$1"; echo "# stage $s: $(( $(date +%s) - t0 ))s"
	done
	echo 0 > $D/$PF/sriov_numvfs
	echo $PF > $VFIO_PCI/unbind
	check "$1: module unloads" rmmod vfio_pci
	sp=$(splats); up=$(upstream_splats); lk=-
	[ "$HAVE_LEAKS" = 0 ] || lk=$(leaks)
	[ "$sp" = 0 ] || dmesg | grep -E "$SPLAT" | grep -vE "$UPSTREAM" | head -5 | sed 's/^/# dmesg: /'
	[ "$sp" = 0 ] || dmesg | grep -E -A14 "$SPLAT" | head -60 | sed 's/^/# dmesg: /'
	[ "$up" = 0 ] || echo "# upstream WARNs (not counted): $(dmesg | grep -oE "$UPSTREAM" | sed 's/.* at //' | sort | uniq -c | tr -s ' \n' ' ')"
	[ "$lk" = 0 ] || [ "$lk" = - ] || head -40 $DBG/kmemleak | sed 's/^/# kmemleak: /'
	check "$1: no WARN, BUG, KASAN, lockdep or debugobjects report" [ "$sp" = 0 ]
	if [ "$HAVE_LEAKS" = 1 ]; then check "$1: kmemleak finds no leak" [ "$lk" = 0 ]
	else skip "$1: leak scan (this kernel has no kmemleak)"; fi
	echo "# STRESS-SUMMARY driver=$1 ops=$OPS_DONE cycles=$CYCLES_DONE faults=$FAULTS fuzzed=$FUZZED splats=$sp leaks=$lk upstream_warns=$up"
}

run_driver C
run_driver Rust
HASH_C=$(cat /tmp/fuzz-hash.C 2>/dev/null) HASH_Rust=$(cat /tmp/fuzz-hash.Rust 2>/dev/null)
check "C and Rust give the same result for every hostile string ($HASH_C / $HASH_Rust)" \
	sh -c "[ -n '$HASH_C' ] && [ '$HASH_C' = '$HASH_Rust' ]"
verdict

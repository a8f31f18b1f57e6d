# shellcheck shell=dash
# The VF token kselftest of this project (tests/guest/bin/vfio_pci_vf_token_test.c) against
# the C vfio-pci and then against the Rust driver, in one boot; then the two runs compared
# case by case: the errno of every step and the kernel log line the step produced.
# shellcheck source=tests/guest/lib.sh
. /tests/lib.sh
check_rig
T=/selftests/vfio_pci_vf_token_test

# rec RUN CASE RESULT: a result of the suite's own steps, kept with the test's REC lines.
rec() { echo "REC $2 $3" >> /tmp/rec."$1"; }
# write_errno VALUE FILE: writes VALUE to FILE, prints 0 or the errno name of the failure.
write_errno() {
	err=$( { echo "$1" > "$2"; } 2>&1 )
	case $err in
	"") echo 0 ;;
	*"No such file"*) echo ENOENT ;;
	*"resource busy"*) echo EBUSY ;;
	*"Invalid argument"*) echo EINVAL ;;
	*) echo "'$err'" ;;
	esac
}

# setup RUN: PF and PLAIN to vfio-pci, two VFs (enable_sriov=0 refusing first), and a VF of
# the host-igb PF bound to vfio-pci. Sets VF0, VF1, HOST_VF.
setup() {
	bind_to $PF vfio-pci && bind_to $PLAIN vfio-pci || return 1
	echo 0 > $P/enable_sriov
	rec "$1" sriov.enable_sriov_0.create_vfs "$(write_errno 2 "$D/$PF"/sriov_numvfs)"
	echo 1 > $P/enable_sriov
	echo 2 > $D/$PF/sriov_numvfs || return 1
	echo 0 > $P/enable_sriov
	rec "$1" sriov.enable_sriov_0.remove_vfs "$(write_errno 0 "$D/$PF"/sriov_numvfs)"
	echo 1 > $P/enable_sriov
	VF0=$(vf_of $PF 0) VF1=$(vf_of $PF 1)
	echo 1 > $D/$HOST_PF/sriov_numvfs || return 1
	HOST_VF=$(vf_of $HOST_PF 0)
	bind_to "$HOST_VF" vfio-pci
}

teardown() {
	echo "$HOST_VF" > $VFIO_PCI/unbind
	echo 0 > $D/$HOST_PF/sriov_numvfs
	# The variant cases leave the PF unbound.
	if [ "$(driver_of $PF)" = vfio-pci ]; then
		echo 0 > $D/$PF/sriov_numvfs
		echo $PF > $VFIO_PCI/unbind
	fi
	echo $PLAIN > $VFIO_PCI/unbind
	rmmod vfio_pci
}

# run_test RUN DRIVER-NAME: the kselftest; keeps its REC lines in /tmp/rec.RUN, its LOG lines in
# /tmp/log.RUN.
run_test() {
	echo "# devices: PF=$PF VF0=$VF0 VF1=$VF1 PLAIN=$PLAIN HOST_VF=$HOST_VF"
	kselftest "vfio_pci_vf_token_test ($2)" 900 /tmp/out."$1" \
		env PF=$PF VF0="$VF0" VF1="$VF1" PLAIN=$PLAIN HOST_VF="$HOST_VF" $T
	grep '^REC ' /tmp/out."$1" >> /tmp/rec."$1"
	grep '^LOG ' /tmp/out."$1" > /tmp/log."$1"
	kselftest_report "token kselftest against $2"
}

# limits RUN: the rate limit of the token lines under concurrent refusals (vfio_log_limit): 3
# threads on each of the six call sites for 12 s, VF0 held open so that the PF needs a token.
limits() {
	/selftests/vf_token_tool open:$PF:$U1 >/dev/null
	run_timed 120 /selftests/vfio_log_limit 12 3 hold="$VF0":$U1 "$VF1" "$VF1":$U2 $PF $PF:$U2 \
		$PLAIN:$U1 "$HOST_VF":$U1 > /tmp/limits."$1" 2>&1
	rc=$?
	sed 's/^/# /' /tmp/limits."$1"
	awk '$1 == "CHECK" { print "REC ratelimit.concurrent." $2, $3 }' /tmp/limits."$1" >> /tmp/rec."$1"
	if [ "$rc" = 0 ]; then ok "$2: at most 10 lines a window per call site, and again in each new window, under concurrent refusals"
	else bad "$2: the token lines' rate limit under concurrent refusals"; fi
}

# variant RUN: VF1 bound to a C vfio_pci_core variant driver (virtio-vfio-pci), whose token
# check is the core's vfio_pci_core_match_token_uuid(): it must take the token the PF's user
# set through vfio-pci, and the PF must count it as a VF user. Last, SR-IOV is disabled while
# that VF is open: the VF's removal waits for its user, and the counts end without a warning.
variant() {
	if ! load_c_variant; then
		if [ "$HOST" = debian ]; then skip "$2: VF bound to a C variant driver (none here)"; return; fi
		bad "$2: the C variant driver virtio-vfio-pci loads"; return
	fi
	# step CASE TOOL-STEP...: the errno of each step, recorded as CASE.1, CASE.2, ...
	step() {
		c=$1; shift
		/selftests/vf_token_tool "$@" | sed -n 's/.* -> //p' | awk -v c="$c" '{ print "REC " c "." NR, $1 }' >> /tmp/rec."$r"
	}
	r=$1
	step variant.pf_sets_token open:$PF:$U1
	rec "$r" variant.vf1_to_variant "$(if bind_to "$VF1" virtio_vfio_pci; then echo 0; else echo EIO; fi)"
	step variant.vf1_tokens open:"$VF1" open:"$VF1":$U2 open:"$VF1":$U1
	# One process: VF1 open through the variant, then the PF with no, a wrong and the right
	# token; a new token SET on the PF; VF1 again with it.
	step variant.vf1_open_then_pf open:"$VF1":$U1 open:$PF open:$PF:$U2 open:$PF:$U1 set:$U3 \
		raw:"$VF1 vf_token=$U3" raw:"$VF1 vf_token=$U1"
	step variant.after_close open:$PF:$U2 open:"$VF1":$U2 open:"$VF1":$U3
	/selftests/vfio_hold "$VF1" $U2 > /tmp/hold."$r" 2>&1 &
	holder=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do grep -q . /tmp/hold."$r" && break; sleep 1; done
	rec "$r" variant.vf1_held "$(if grep -q '^held' /tmp/hold."$r"; then echo 0; else echo EIO; fi)"
	step variant.pf_while_held open:$PF open:$PF:$U2
	users_are 1 "$2: the PF counts the VF open through the C variant"
	# SR-IOV disabled while that VF is open: the VF's removal waits for its user to go; then
	# the PF is unbound, with no VF left (unbinding a PF with VFs warns in 7.3's PCI core).
	# It waits once the core has asked the VF's user to release it (and logged that no request
	# channel is registered): seen in the log, not slept for.
	asked=$(dmesg | grep -c "$VF1: No device request channel registered")
	echo 0 > $D/$PF/sriov_numvfs &
	disable=$!
	i=0; while [ "$(dmesg | grep -c "$VF1: No device request channel registered")" = "$asked" ] && [ $i -lt 100 ]; do
		sleep 0.1; i=$((i + 1))
	done
	rec "$r" variant.sriov_off_waits "$(if kill -0 "$disable" 2>/dev/null; then echo 0; else echo EALREADY; fi)"
	kill $holder; wait $holder
	wait $disable
	rec "$r" variant.vfs_removed "$(if [ ! -e "$D/$PF"/virtfn0 ]; then echo 0; else echo EIO; fi)"
	users_are 0 "$2: the VF user gone, the PF counts none"
	step variant.pf_after_vf_gone open:$PF
	rec "$r" variant.pf_unbound "$(write_errno "$PF" "$VFIO_PCI"/unbind)"
	check "$2: no warning with a VF of a C variant closed under its PF, and the PF unbound" no_splat
}

# users_are N DESCRIPTION: the PF's vf_token_users is N (Rust driver only; C has no such file).
users_are() {
	[ -e $D/$PF/vf_token_users ] || return 0
	check "$2 (vf_token_users $1)" [ "$(cat $D/$PF/vf_token_users)" = "$1" ]
}

# table RUN: "case errno[ log: line]" per case, sorted.
table() {
	cat /tmp/rec."$1" /tmp/log."$1" | awk '
		$1 == "REC" { v[$2] = $3 }
		$1 == "LOG" { l[$2] = l[$2] " log: " substr($0, length($1) + length($2) + 3); v[$2] = v[$2] }
		END { for (k in v) print k, v[k] l[k] }' | sort
}

for run in c rs; do
	: > /tmp/rec.$run; : > /tmp/log.$run
	if [ $run = c ]; then
		name="C vfio-pci"; load_c_vfio_pci enable_sriov=1
	else
		name="Rust vfio_pci"; load_rs_vfio_pci enable_sriov=1
	fi || { bad "$name loads"; continue; }
	if setup $run; then
		run_test $run "$name"
		limits $run "$name"
		variant $run "$name"
	else
		bad "$name: devices bound and VFs created"
	fi
	teardown
done

table c > /tmp/table.c
table rs > /tmp/table.rs
awk '
	NR == FNR { c[$1] = substr($0, length($1) + 2); next }
	{ r[$1] = substr($0, length($1) + 2) }
	END {
		for (k in c) all[k] = 1
		for (k in r) all[k] = 1
		for (k in all) {
			n++
			if ((k in c) && (k in r) && c[k] == r[k]) { same++; continue }
			printf "# differs: %s\n#   C:    %s\n#   Rust: %s\n", k,
				(k in c) ? c[k] : "(no such case)", (k in r) ? r[k] : "(no such case)"
		}
		printf "# differential: %d cases, %d identical\n", n, same
		exit (n == 0 || n != same)
	}' /tmp/table.c /tmp/table.rs > /tmp/differential
rc=$?
cat /tmp/differential
verdict_line=$(tail -n1 /tmp/differential)
if [ "$rc" = 0 ]; then ok "${verdict_line#"# "}"; else bad "${verdict_line#"# "}"; fi

# The distinct VF token log lines of each run, with their BDF.
for run in c rs; do
	sed 's/^LOG [^ ]* //' /tmp/log.$run | sort -u > /tmp/lines.$run
done
sed 's/^/# C logged: /' /tmp/lines.c
check "C vfio-pci logged each of the four VF token lines" sh -c "
	grep -q '$LINE_REQUIRED' /tmp/lines.c &&
	grep -q '$LINE_INCORRECT' /tmp/lines.c &&
	grep -q '$LINE_PF_NOT_BOUND' /tmp/lines.c &&
	grep -q '$LINE_NOT_PF_OR_VF' /tmp/lines.c"
if cmp -s /tmp/lines.c /tmp/lines.rs; then
	ok "the Rust driver logged the same $(wc -l < /tmp/lines.c) distinct VF token lines"
else
	diff /tmp/lines.c /tmp/lines.rs | sed 's/^/# /'
	bad "the Rust driver logged other VF token lines than C"
fi
check "no VF token in the kernel log" sh -c "! dmesg | grep -qi -e $U1 -e $U2 -e $U3"
check "no kernel warning, oops or lockdep report" no_splat
verdict

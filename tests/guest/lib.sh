# shellcheck shell=dash
# shellcheck disable=SC2034 # the constants below are the suites'
# Helpers for guest suites (busybox sh or Debian's dash). A suite's output is KTAP (version 1,
# Documentation/dev-tools/ktap.rst): the init prints the version line; each check is one
# numbered result line, "ok N description", "not ok N description" or "ok N description
# # SKIP"; everything else a suite prints is a diagnostic line ("# ..."); `verdict` ends it
# with kselftest's "# Totals:" line, which tells the host runner the suite got to its end.
# There is no plan line: how many checks a suite makes is known only at its end (KTAP allows
# omitting the plan then). The host reads the results with the kernel's KTAP parser.
# Sourced once per boot: a suite that runs another suite's file keeps its counts.
[ -n "${RIG_LIB:-}" ] && return 0
RIG_LIB=1
PASS=0; FAIL=0; SKIP=0; KTAP_N=0
# Devices of the rig (scripts/run-vm.sh): the igb PF for our driver, an igb PF left to the
# host igb driver, and a plain PCIe NIC without SR-IOV.
PF=0000:01:00.0
HOST_PF=0000:02:00.0
PLAIN=0000:03:00.0
MODDIR=/lib/modules/rig
# Where the suites look: devices, the module's parameters, the driver.
D=/sys/bus/pci/devices
P=/sys/module/vfio_pci/parameters
VFIO_PCI=/sys/bus/pci/drivers/vfio-pci
# The suites' VF tokens, the same as tests/guest/bin/vfio_pci_vf_token_test.c's U1..U3.
U1=52ac9bff-3a88-4fbd-901a-0d767c3b6c97
U2=88594674-90a0-47a9-aea8-9d9b352ac08a
U3=1c3b3d0e-7a2f-4b41-9f64-3e5a0c2d8b17
# The four VF token log lines of C vfio_pci_core, which the Rust driver prints the same
# (tests/guest/bin/vfio_pci_vf_token_test.c has them too, as C strings).
LINE_REQUIRED="VF token required to access device"
LINE_INCORRECT="Incorrect VF token provided for device"
LINE_PF_NOT_BOUND="VF token incorrectly provided, PF not bound to vfio-pci"
LINE_NOT_PF_OR_VF="VF token incorrectly provided, not a PF or VF"

# arg NAME [DEFAULT]: the value of rig.NAME=VALUE on the kernel command line (RIG_APPEND), else DEFAULT.
arg() { v=$(sed -n "s/.*rig\.$1=\([^ ]*\).*/\1/p" /proc/cmdline); echo "${v:-${2:-}}"; }

# ktap_result LINE-START DESCRIPTION [DIRECTIVE]: "#" would start a directive, so it is not kept
# in a description.
ktap_result() { KTAP_N=$((KTAP_N + 1)); echo "$1 $KTAP_N $(printf '%s' "$2" | tr '#' '_')${3:+ # $3}"; }
ok()   { PASS=$((PASS + 1)); ktap_result ok "$*"; }
bad()  { FAIL=$((FAIL + 1)); ktap_result "not ok" "$*"; }
skip() { SKIP=$((SKIP + 1)); ktap_result ok "$*" SKIP; }
# check "description" command...: passes when the command exits 0
check() { d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
ktap_totals() {
	echo "# Totals: pass:$PASS fail:$FAIL xfail:0 xpass:0 skip:$SKIP error:0"
}
verdict() { ktap_totals; }
# kselftest LABEL SECONDS OUT CMD...: runs a kselftest program (its own KTAP to OUT) under
# run_timed; prints its exit status and totals as a diagnostic, and the lines that tell why
# when it failed. Sets KS_RC and KS_TOTALS ("pass:N fail:N ..." of its "# Totals:" line).
# Each case's result also goes to the console as it ends, as a "~ " line (in the VM's log, not
# in the verdict): a long program shows where it is, and that it is alive (run-vm.sh stops a
# guest that prints nothing for long).
kselftest() {
	ks_label=$1 ks_secs=$2 ks_out=$3; shift 3
	{ run_timed "$ks_secs" "$@" 2>&1; echo $? > "$ks_out.rc"; } | tee "$ks_out" |
		awk -v l="$ks_label" '/^(ok|not ok) / { print "~ " l ": " $0; fflush() }'
	KS_RC=$(cat "$ks_out.rc")
	KS_TOTALS=$(grep '^# Totals:' "$ks_out" | tail -n1)
	KS_TOTALS=${KS_TOTALS#"# Totals: "}
	echo "# $ks_label: exit $KS_RC, ${KS_TOTALS:-no totals}"
	case $KS_RC in
	0|4) ;;
	*) kselftest_failures "$ks_out" | sed 's/^/#   /' ;;
	esac
}
# kselftest_failures OUT: why a kselftest failed: its failed cases, then the whole output of
# the first one (from its "#  RUN" line to its result: the cases after it often fail only
# because of it), and the tail when the program ended without its totals.
kselftest_failures() {
	grep -E '^not ok' "$1" | head -n 40
	awk '/^#  RUN/ { n = 0 } { if (n < 120) b[n++] = $0 }
	     /^not ok/ { print "first failed case:"; for (i = 0; i < n; i++) print "  " b[i]; exit }' "$1"
	grep -q '^# Totals:' "$1" || { echo "no totals; the output ends:"; tail -n 20 "$1"; }
}
# kselftest_count FIELD: pass, fail or skip of the last kselftest's totals.
kselftest_count() { echo "$KS_TOTALS" | sed -n "s/.*\b$1:\([0-9]*\).*/\1/p"; }
# kselftest_report DESCRIPTION: the last kselftest as one result: ok on exit 0, SKIP on
# kselftest's KSFT_SKIP (4), not ok otherwise.
kselftest_report() {
	case $KS_RC in
	0) ok "$1 ($KS_TOTALS)" ;;
	4) skip "$1 ($KS_TOTALS)" ;;
	*) bad "$1 (exit $KS_RC, ${KS_TOTALS:-no totals})" ;;
	esac
}
# kunit_check SUITE...: one result per KUnit suite, read from the kernel's KUnit output (KTAP
# in the kernel log): the suite's own result line "ok N SUITE" and its count line
# "# SUITE: pass:N fail:N skip:N total:N". The last report of each suite counts (every load
# of a module with KUnit suites runs them).
kunit_check() {
	dmesg | sed 's/^\[[^]]*\] //' > /tmp/kunit.log
	for s in "$@"; do
		r=$(grep -E "^(not )?ok [0-9]+ $s\$" /tmp/kunit.log | tail -n1)
		c=$(grep -E "^# $s: pass:" /tmp/kunit.log | tail -n1)
		counts=${c#?" $s: "}
		# shellcheck disable=SC2016 # expanded by the inner sh
		check "KUnit $s: ${counts:-no report}" sh -c '[ "${1%% *}" = ok ] && [ -n "$2" ]' _ "$r" "$c"
	done
}
die() {
	bad "$*"; dmesg | tail -40 | sed 's/^/# /'; verdict; sync
	[ -w /proc/sysrq-trigger ] && { echo o > /proc/sysrq-trigger; sleep 10; }
	poweroff -f
}

driver_of() { [ -L /sys/bus/pci/devices/"$1"/driver ] && basename "$(readlink /sys/bus/pci/devices/"$1"/driver)"; }
# vf_of PF N: the BDF of the PF's VF N.
vf_of() { basename "$(readlink "$D/$1/virtfn$2")"; }
# bind_to BDF DRIVER: unbind from any driver, override, bind
bind_to() {
	cur=$(driver_of "$1")
	[ -n "$cur" ] && echo "$1" > "/sys/bus/pci/drivers/$cur/unbind"
	echo "$2" > "/sys/bus/pci/devices/$1/driver_override"
	echo "$1" > /sys/bus/pci/drivers_probe
	[ "$(driver_of "$1")" = "$2" ]
}
# rig.host=debian: Debian's own kernel and userland (the debian suite), where modprobe
# vfio-pci loads this project's module (installed by DKMS to updates/dkms) and Debian's C
# vfio-pci stays in the kernel's own folder.
HOST=$(sed -n 's/.*rig\.host=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ "$HOST" = debian ]; then
	C_MODULE=/lib/modules/$(uname -r)/kernel/drivers/vfio/pci/vfio-pci.ko.xz
	load_core() { modprobe vfio-pci-core && grep -q '^vfio_pci_core ' /proc/modules; }
	load_c_vfio_pci() { load_core && insmod "$C_MODULE" "$@"; }
	load_rs_vfio_pci() { modprobe vfio-pci "$@"; }
	# Debian's kernel builds no vfio_pci_core variant driver that binds any device.
	load_c_variant() { false; }
else
	# Built in where the kernel has the Rust vfio-pci in the tree (scripts/rig.sh intree), and
	# then not in /sys/module (it has no parameter): found by its symbols, as a module is.
	load_core() {
		[ -f "$MODDIR"/irqbypass.ko ] && insmod "$MODDIR"/irqbypass.ko 2>/dev/null
		[ -f "$MODDIR"/vfio-pci-core.ko ] && insmod "$MODDIR"/vfio-pci-core.ko 2>/dev/null
		grep -qw vfio_pci_core_register_device /proc/kallsyms
	}
	# load_c_vfio_pci [params]: the C reference driver
	load_c_vfio_pci() { load_core && insmod "$MODDIR"/vfio-pci.ko "$@"; }
	# load_rs_vfio_pci [params]: this project's module; where the kernel has it built in
	# (scripts/rig.sh intree-y: no /rs/vfio_pci.ko), the parameters are set through sysfs.
	load_rs_vfio_pci() {
		if [ -f /rs/vfio_pci.ko ]; then load_core && insmod /rs/vfio_pci.ko "$@"; return; fi
		[ -d "$VFIO_PCI" ] || return 1
		for p in "$@"; do echo "${p#*=}" > "$P/${p%%=*}" || return 1; done
	}
	# load_c_variant: virtio-vfio-pci, a C vfio_pci_core variant driver (scripts/rig.sh) that
	# checks VF tokens with the core's vfio_pci_core_match_token_uuid(); loaded once a boot.
	load_c_variant() {
		grep -q '^virtio_vfio_pci ' /proc/modules || { load_core && insmod "$MODDIR"/virtio-vfio-pci.ko; }
	}
fi
unload_vfio_pci() { rmmod vfio_pci; }
# Expect the rig's devices where run-vm.sh put them.
check_rig() {
	[ "$(cat /sys/bus/pci/devices/"$PF"/device 2>/dev/null)" = 0x10c9 ] || die "igb PF not at $PF"
	[ "$(cat /sys/bus/pci/devices/"$HOST_PF"/device 2>/dev/null)" = 0x10c9 ] || die "second igb not at $HOST_PF"
	[ -e /sys/bus/pci/devices/"$PLAIN" ] || die "plain NIC not at $PLAIN"
	[ "$(cat /sys/bus/pci/devices/"$PF"/sriov_totalvfs)" = 7 ] || die "igb PF has no 7 VFs (sriov_totalvfs: $(cat /sys/bus/pci/devices/"$PF"/sriov_totalvfs 2>&1))"
}
# vfio_holders: the processes that hold a vfio or iommufd file (an fd or a mapping of one).
vfio_holders() {
	for p in /proc/[0-9]*; do
		# shellcheck disable=SC2010 # the link targets ls -l shows, of fds, not file names
		if ls -l "$p/fd/" 2>/dev/null | grep -qE -- '-> (/dev/vfio/|/dev/iommu|anon_inode:\[vfio)' ||
			grep -qE 'vfio-device|/dev/vfio/' "$p/maps" 2>/dev/null; then
			echo "${p#/proc/}:$(cat "$p/comm" 2>/dev/null):$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "$p/status" 2>/dev/null)"
		fi
	done
}
# wait_vfio_idle SECONDS: waits until no process holds a vfio or iommufd file. A kselftest
# killed at its harness's time-out is not waited for (kselftest_harness.h: SIGKILL, then
# waitpid WNOHANG): it may still be tearing down its DMA mappings, holding the group, when
# the next program starts. Fails, naming the holders, after SECONDS.
wait_vfio_idle() {
	wv_n=0
	while wv_h=$(vfio_holders) && [ -n "$wv_h" ]; do
		[ "$wv_n" -ge "$1" ] && { echo "# vfio files still held after $1 s by: $(echo "$wv_h" | tr '\n' ' ')"; return 1; }
		sleep 1; wv_n=$((wv_n + 1))
	done
	[ "$wv_n" = 0 ] || echo "# waited ${wv_n}s for vfio files to be released"
}
# No WARN, BUG, oops or lockdep report in the kernel log.
no_splat() { ! dmesg | grep -qE 'WARNING:|BUG:|Oops|Call Trace|possible circular locking|inconsistent lock state|possible recursive locking'; }
# run_timed SECONDS CMD...: runs CMD; if it is still running after SECONDS, prints to the
# console where every task is blocked (state and wchan) and the kernel log tail, then kills
# it: a hang is diagnosed instead of eating the VM's time-out.
run_timed() {
	secs=$1; shift
	"$@" &
	pid=$!
	# The watchdog holds none of the caller's output open (a pipe reader would wait for its
	# sleep), and its sleep ends with it.
	(
		sleep "$secs" &
		sleeper=$!
		trap 'kill $sleeper 2>/dev/null; exit 0' TERM
		wait $sleeper
		kill -0 $pid 2>/dev/null || exit 0
		{
			echo "# TIMEOUT after ${secs}s: $*"
			for p in /proc/[0-9]*; do
				st=$(sed -n 's/^State:[[:space:]]*//p' "$p"/status 2>/dev/null)
				w=$(cat "$p"/wchan 2>/dev/null); c=$(cat "$p"/comm 2>/dev/null)
				case $st in S*|D*) [ -n "$w" ] && [ "$w" != 0 ] && echo "# task ${p#/proc/} $c $st: $w" ;; esac
			done
			dmesg | tail -n 40 | sed 's/^/# dmesg: /'
		} > /dev/console 2>&1
		kill -9 $pid 2>/dev/null
	) > /dev/null 2>&1 &
	watchdog=$!
	wait $pid
	rc=$?
	kill $watchdog 2>/dev/null
	return $rc
}

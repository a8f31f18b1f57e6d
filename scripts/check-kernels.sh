#!/usr/bin/env bash
# The `debian` suite on every Debian kernel with Rust (DEB_KERNELS in scripts/debian/lib.sh), or
# on those named: scripts/check-kernels.sh [KERNEL...], e.g. sid-7.2-rt (`upgrade`: the kernel
# upgrade test, scripts/debian/kernel-upgrade-test.sh; in the default list). Each boots that
# kernel's own vmlinuz with the Debian system of its suite, where the package was installed with
# DKMS (built with that suite's gcc and rustc); on the rt flavours also the short `stress` suite.
# Ends with a table (kernel, suite, toolchain, result, time) and "N passed, N failed, N skipped";
# non-zero on any failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/debian/lib.sh
. "$here/debian/lib.sh"
cd "$TOP" || exit 1
"$here/setup.sh" || die "setup failed"
# The guest takes the selftests and the static tools from the rig's build.
"$here/rig.sh" >/dev/null || die "rig build failed"
[ $# -gt 0 ] || { read -ra all <<<"$DEB_KERNELS"; set -- "${all[@]}" upgrade; }
PASS=0 FAIL=0 SKIP=0 rows=()
# row NAME KIND WHAT PASSED FAILED SKIPPED T0: adds the counts, and a row to the table.
row() {
	PASS=$((PASS + $4)) FAIL=$((FAIL + $5)) SKIP=$((SKIP + $6))
	rows+=("$(printf '%-20s %-7s %-30s %3s pass %2s fail %2s skip %5ss' "$1" "$2" "$3" "$4" "$5" "$6" $(( $(date +%s) - $7 )))")
}
# kernel_config KERNEL: the path of the kernel's own .config (in its fetched headers package).
kernel_config() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	DEB_KERNEL=$1 bash -c '. "$1/debian/lib.sh"
		echo "$DEBDIR/pkg/linux-headers-$DEB_KREL/root/usr/src/linux-headers-$DEB_KREL/.config"' check-kernels "$here"
}
# suite_on SUITE KERNEL: boots SUITE on KERNEL, adds its counts, and a row to the table.
suite_on() {
	local suite=$1 k=$2 t0 log counts p f s tc
	t0=$(date +%s)
	DEB_KERNEL=$k RIG_VARIANT=debian RIG_TAG=$k "$here/run-vm.sh" "$suite" "${RIG_SUITE_TIMEOUT:-2400}" 2>&1 |
		grep -aE '^(ok|not ok|run-vm|[a-z-]*\.sh:)'
	log=$CACHE/logs/$suite-$k.log
	if counts=$(ktap_counts "$log"); then
		read -r p f s <<<"$counts"
	else
		echo "not ok - $suite suite on $k gave no complete KTAP output (log: $log)"
		p=0 f=1 s=0
	fi
	# The toolchain, from the kernel's own config (the module was built with exactly it).
	tc=$(sed -n "s/^CONFIG_CC_VERSION_TEXT=\"\([^ ]*\) .* \([0-9.]*\)\"$/\1 \2/p; s/^CONFIG_RUSTC_VERSION_TEXT=\"rustc \([^ ]*\) .*/rustc \1/p" \
		"$(kernel_config "$k")" 2>/dev/null | paste -sd, -)
	row "$k" "$suite" "${tc:-?}" "$p" "$f" "$s" "$t0"
}
# The kernel upgrade 7.2.12 -> 7.3.4 with the package installed (scripts/debian/kernel-upgrade-test.sh).
kernel_upgrade() {
	local t0 out p f
	t0=$(date +%s)
	out=$("$here/debian/kernel-upgrade-test.sh" 2>&1) && f=0 || f=1
	grep -aE '^(ok|not ok|#)' <<<"$out"
	[ "$f" = 0 ] || tail -n 20 <<<"$out"
	p=$(grep -c '^ok' <<<"$out")
	row "7.2.12->7.3.4" upgrade "trixie's chroot" "$p" "$f" 0 "$t0"
}
# build_only KERNEL WHY: the module built for KERNEL by its suite's toolchain, clippy clean.
build_only() {
	local k=$1 why=$2 t0 out p=0 f=0
	t0=$(date +%s)
	echo "# $k: $why"
	if out=$(DEB_KERNEL=$k "$here/debian/build-module.sh" CLIPPY=1 2>&1) && ! grep -qE '^(warning|error)' <<<"$out"; then
		p=1; echo "ok - $k: the module builds clippy-clean with its suite's toolchain (not booted: $why)"
	else
		f=1; grep -E '^(warning|error)' -A6 <<<"$out" | head -n 40; tail -n 5 <<<"$out"
		echo "not ok - $k: the module builds clippy-clean with its suite's toolchain"
	fi
	row "$k" build "(not booted)" "$p" "$f" 0 "$t0"
}
# What the rig's guest needs of a kernel: its root over 9p, igb for the second PF's VFs,
# e1000e for the plain NIC. Debian's cloud flavours have none of them.
unbootable() { # KERNEL -> the reason, or nothing
	local cfg c miss=
	cfg=$(kernel_config "$1")
	[ -f "$cfg" ] || DEB_KERNEL=$1 "$here/debian/fetch.sh" >/dev/null 2>&1 || return 0
	for c in NET_9P_VIRTIO 9P_FS IGB E1000E; do grep -qE "^CONFIG_$c=[ym]" "$cfg" || miss+=" $c"; done
	[ -z "$miss" ] || echo "its config has no$miss (the rig boots its root over 9p, with igb and e1000e NICs)"
}
for k in "$@"; do
	[ "$k" != upgrade ] || { kernel_upgrade; continue; }
	why=$(unbootable "$k")
	[ -z "$why" ] || { build_only "$k" "$why"; continue; }
	suite_on debian "$k"
	# PREEMPT_RT turns the core's spinlocks into sleeping locks: the short stress suite too, C
	# and Rust (without the debug kernel's kmemleak and failslab).
	case $k in *-rt) suite_on stress "$k" ;; esac
done
printf '%s\n' "${rows[@]}"
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" = 0 ]

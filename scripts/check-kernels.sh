#!/usr/bin/env bash
# The `debian` suite on every Debian kernel with Rust (DEB_KERNELS in scripts/debian/lib.sh), or
# on those named: scripts/check-kernels.sh [KERNEL...], e.g. sid-7.2-rt. Each boots that
# kernel's own vmlinuz with the Debian system of its suite, where the package was installed with
# DKMS (built with that suite's gcc and rustc). Ends with a table (kernel, toolchain, result,
# time) and "N passed, N failed, N skipped"; non-zero on any failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/debian/lib.sh
. "$here/debian/lib.sh"
cd "$TOP" || exit 1
"$here/setup.sh" || die "setup failed"
# The guest takes the selftests and the static tools from the rig's build.
"$here/rig.sh" >/dev/null || die "rig build failed"
[ $# -gt 0 ] || { read -ra all <<<"$DEB_KERNELS"; set -- "${all[@]}"; }
PASS=0 FAIL=0 SKIP=0 rows=()
for k in "$@"; do
	t0=$(date +%s)
	DEB_KERNEL=$k RIG_VARIANT=debian RIG_TAG=$k "$here/run-vm.sh" debian "${RIG_SUITE_TIMEOUT:-2400}" 2>&1 |
		grep -aE '^(ok|not ok|run-vm|[a-z-]*\.sh:)'
	log=$CACHE/logs/debian-$k.log
	if counts=$(ktap_counts "$log"); then
		read -r p f s <<<"$counts"
	else
		echo "not ok - debian suite on $k gave no complete KTAP output (log: $log)"
		p=0 f=1 s=0
	fi
	PASS=$((PASS + p)) FAIL=$((FAIL + f)) SKIP=$((SKIP + s))
	# The toolchain, from the kernel's own config (the module was built with exactly it).
	# shellcheck disable=SC2016 # expanded by the inner shell
	tc=$(DEB_KERNEL=$k bash -c '. "$1/debian/lib.sh"
		cfg=$DEBDIR/pkg/linux-headers-$DEB_KREL/root/usr/src/linux-headers-$DEB_KREL/.config
		sed -n "s/^CONFIG_CC_VERSION_TEXT=\"\([^ ]*\) .* \([0-9.]*\)\"$/\1 \2/p; s/^CONFIG_RUSTC_VERSION_TEXT=\"rustc \([^ ]*\) .*/rustc \1/p" "$cfg" |
			paste -sd, -' check-kernels "$here" 2>/dev/null)
	rows+=("$(printf '%-18s %-44s %3s pass %2s fail %2s skip %5ss' "$k" "${tc:-?}" "$p" "$f" "$s" $(( $(date +%s) - t0 )))")
done
printf '%s\n' "${rows[@]}"
echo "$PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" = 0 ]
